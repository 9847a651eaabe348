#pragma once
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "config/wsl_conf.h"

namespace wsl::init {

// What the instance init needs from the host before the old root goes away.
struct HostView {
    UniqueFd root_tree;             // detached clone of the host's "/" (from the service)
    std::vector<UniqueFd> devices;  // detached binds of the device nodes /dev gets
    UniqueFd sys_tree;              // detached recursive clone of /sys
    std::string hosts, resolv_conf; // the host's /etc/hosts and /etc/resolv.conf
    UniqueFd self_exe; // detached bind of this binary, from the service (wslpath, wslinfo)
};

// Makes `rootfs` the root of this mount namespace: binds it (or attaches it, when it is a
// detached tree from the service), mounts /proc, collects what is needed from the host into
// `host`, pivots and drops the old root.
void enter_rootfs(UniqueFd rootfs, bool detached, HostView& host);

// Mounts /sys, /dev (+pts, shm), /run (with the tools directory) and the host's root under
// the automount root.
// Returns warnings for the user (unsupported options, optional mounts that failed).
std::vector<std::string> mount_system(HostView& host, const config::WslConf& conf);

// Writes /etc/hosts and /etc/resolv.conf when wsl.conf asks for it.
void write_network_files(const HostView& host, const config::WslConf& conf,
                         const std::string& hostname);

} // namespace wsl::init
