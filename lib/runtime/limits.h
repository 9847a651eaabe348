#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace wsl::runtime {

// RLIMIT_NPROC of a running process (from /proc/PID/limits): nullopt means unlimited. Not
// known when the process is gone or its pid now belongs to someone other than uid.
struct NprocLimit {
    bool known = false;
    std::optional<uint64_t> soft, hard;
};
NprocLimit nproc_of(pid_t pid, uid_t uid);

// The host's task space: the smaller of kernel.pid_max and kernel.threads-max.
uint64_t task_space();

// The most processes (threads included) one distro may hold, at least 1. requested ([wsl1]
// processes) wins, capped at the caller's hard limit; else the caller's soft limit, and never
// more than 15% of the task space (systemd's DefaultTasksMax), so one distro cannot take
// every pid. A caller whose limits are not known gets that 15% at most, whatever it asks.
uint64_t distro_process_limit(const NprocLimit& caller, std::optional<int64_t> requested,
                              uint64_t task_space);

} // namespace wsl::runtime
