#pragma once
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "config/wsl_conf.h"

namespace wsl::init {

// What every session of this instance shares.
struct Instance {
    std::string distro_name;
    std::string hostname;
    config::WslConf conf;
    // The namespaces the distro's processes live in: a user namespace nested in init's, with
    // a copy of init's mounts, so the kernel locks every mount and its flags (ro /sys, nosuid
    // /mnt/host) against the distro's root, and init stays out of its reach (no ptrace).
    UniqueFd user_ns, mnt_ns, uts_ns, ipc_ns;
};

// Creates the distro's namespaces (after every mount is in place).
void make_inner_namespaces(Instance& inst);
// In a forked child: moves into them; exits the child if that fails.
void enter_namespaces(const Instance& inst);
// In a forked child about to exec: nothing blocked, every disposition at its default.
void reset_signals();

// Starts the process a session request describes. fds: the session socket, then the
// client's stdin, stdout and stderr. With a tty, a pty is made here and its master is sent
// back on the session socket. Returns the pid, or throws WslError (user not found, ...).
pid_t start_session(const Instance& inst, const nlohmann::json& req, std::vector<UniqueFd>& fds);

// Runs /bin/sh -c command as root, detached, with stdio on /dev/null.
pid_t start_boot_command(const Instance& inst, const std::string& command);

} // namespace wsl::init
