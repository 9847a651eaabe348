#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wsl::runtime {

struct CgroupLimits {
    std::optional<uint64_t> memory;   // bytes
    std::optional<int64_t> processes; // pids
};

// One cgroup per running distro in every hierarchy the host offers (cgroup2, and the v1
// memory and pids controllers on hybrid hosts). Best effort: a host without usable cgroups
// still runs distros, since the pid namespace is what stops them.
class Cgroup {
public:
    Cgroup() = default;
    Cgroup(Cgroup&& o) noexcept : dirs_(std::move(o.dirs_)) { o.dirs_.clear(); }
    Cgroup& operator=(Cgroup&& o) noexcept {
        std::swap(dirs_, o.dirs_);
        return *this;
    }
    ~Cgroup();

    // Creates "wsl/<name>" in each hierarchy and applies limits; warnings collects what failed.
    // The cgroup2 directory is delegated to owner (the distro's root), so a systemd inside
    // may manage its own subtree.
    static Cgroup create(const std::string& name, const CgroupLimits& limits, uid_t owner,
                         gid_t group, std::vector<std::string>& warnings);
    void add(pid_t pid) const;
    // Removes "wsl/<name>" (left by a service that died) wherever it is empty of processes.
    static void remove(const std::string& name);
    const std::vector<std::string>& dirs() const { return dirs_; }

private:
    std::vector<std::string> dirs_;
};

} // namespace wsl::runtime
