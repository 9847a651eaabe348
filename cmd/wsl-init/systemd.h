#pragma once
#include <string>
#include <vector>

#include "session.h"

namespace wsl::init {

// The distro's systemd, when boot.systemd asks for it and the distro has one.
bool wants_systemd(const Instance& inst);

// In PID 1: moves into the distro's namespaces, gives systemd a writable cgroup2 tree and
// execs it. Returns only if that failed (with the reason).
std::string exec_systemd(const Instance& inst);

// Runs `systemctl VERB [ARG]` inside the distro (2 s at most) and returns what it printed,
// trailing blanks dropped.
std::string systemctl(const Instance& inst, const char* verb, const char* arg = nullptr);

// In the helper: waits up to boot.initTimeout for `systemctl is-system-running` to say
// running or degraded; returns a warning otherwise.
std::vector<std::string> wait_for_systemd(const Instance& inst);

} // namespace wsl::init
