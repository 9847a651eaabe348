#pragma once
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "runtime/cgroup.h"
#include "runtime/child.h"
#include "runtime/idmap.h"

namespace wsl::runtime {

struct InstanceSpec {
    std::string name, guid;
    IdMap map;
    int init_exe = -1;        // wsl-init, opened by the service
    UniqueFd rootfs;          // the tree, when the service may open it...
    std::string rootfs_path;  // ...else its path, opened by init inside the user namespace
    std::string private_path; // ...or the private directory holding it as "rootfs" (checked)
    std::string cgroup_name;
    CgroupLimits limits;
};

// A running version 1 distro: wsl-init as PID 1 of new user, mount, pid, uts, ipc and cgroup
// namespaces, reached through a control socket. Destroying it kills the whole namespace.
class Instance {
public:
    // Starts init and waits until it has set up the distro; throws WslError if it cannot.
    static std::shared_ptr<Instance> start(InstanceSpec spec, std::vector<std::string>& warnings);
    ~Instance();

    const std::string& guid() const { return guid_; }
    const std::string& name() const { return name_; }
    pid_t pid() const { return init_.pid(); }
    int control() const { return control_.get(); }
    // Asks init to start a session; fds: the session socket and the three stdio streams.
    void send_session(nlohmann::json req, std::span<const int> fds);
    // SIGKILL to PID 1 takes the whole pid namespace down; waits until it is gone.
    void kill_and_wait();
    bool exited() const;

    // Idle bookkeeping, guarded by the owner's lock: init reports "idle <seq>" when no process
    // is left, which counts only if no session was sent after seq.
    uint64_t sent = 0;
    bool idle = false;
    std::chrono::steady_clock::time_point idle_since;
    long long idle_timeout_ms = 15000;

private:
    Instance() = default;
    std::string guid_, name_;
    Cgroup cgroup_;
    Child init_;
    UniqueFd control_;
    std::mutex send_mutex_;
};

} // namespace wsl::runtime
