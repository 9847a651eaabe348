#pragma once
#include <string>

#include "base/unique_fd.h"

namespace wsl {

// systemd's socket activation and readiness protocols (sd_listen_fds(3), sd_notify(3)), spoken
// directly so the daemon needs no libsystemd.
struct Activation {
    UniqueFd listener;       // the listening socket systemd passed, if any
    std::string notify_path; // $NOTIFY_SOCKET ("@" starts an abstract name), if any
};

// Reads and then clears LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES and NOTIFY_SOCKET, so nothing the
// service starts inherits them. Throws when systemd passed us something other than one
// listening Unix stream socket.
Activation take_activation();

// Sends a state ("READY=1", "STOPPING=1", "STATUS=...") to the manager; does nothing without
// NOTIFY_SOCKET. Failures are ignored: notification is advisory.
void notify(const Activation& a, const std::string& state);

} // namespace wsl
