#include "runtime/instance.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>

#include "base/error.h"
#include "protocol/frame.h"

namespace wsl::runtime {

namespace {

constexpr int kStartTimeoutMs = 30000;

// A detached copy of the host's root mount alone: /proc, /sys and other submounts stay
// behind, so the distro's /mnt/host shows files but no host process.
UniqueFd host_root_tree() {
    int fd = static_cast<int>(
        ::syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    return UniqueFd(fd);
}

} // namespace

std::shared_ptr<Instance> Instance::start(InstanceSpec spec, std::vector<std::string>& warnings) {
    std::shared_ptr<Instance> inst(new Instance());
    inst->guid_ = spec.guid;
    inst->name_ = spec.name;
    inst->cgroup_ = Cgroup::create(spec.cgroup_name, spec.limits, spec.map.host_uid(0),
                                   spec.map.host_gid(0), warnings);

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        fail_errno("WSL_E_INSTANCE_START", "socketpair");
    inst->control_.reset(sv[0]);
    UniqueFd theirs(sv[1]);

    SpawnOptions opts;
    opts.namespaces = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
    opts.exec_fd = spec.init_exe;
    opts.die_with_thread = false; // it outlives the request that started it
    opts.null_stdio = true;
    // The distro's inner user namespace, made by init, inherits this as the cap on all its
    // processes together: no cgroup needed.
    if (spec.limits.processes && *spec.limits.processes > 0)
        opts.nproc = static_cast<rlim_t>(*spec.limits.processes);
    const Cgroup& cg = inst->cgroup_;
    opts.before_start = [&cg](pid_t pid) { cg.add(pid); };
    inst->init_ = spawn_in_userns(spec.map, {"wsl-init", "instance"}, {theirs.get()}, opts);
    theirs.reset();

    nlohmann::json start = {{"name", spec.name}, {"guid", spec.guid}};
    std::vector<int> fds;
    UniqueFd host = host_root_tree();
    if (host) {
        start["host_fd"] = fds.size();
        fds.push_back(host.get());
    }
    // wsl-init itself, for wslpath and wslinfo inside: cloned here, where no mount is locked
    // (in init's namespace a file below a mount with child mounts cannot be cloned alone).
    UniqueFd self(static_cast<int>(::syscall(SYS_open_tree, spec.init_exe, "",
                                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)));
    if (self) {
        start["self_tree"] = fds.size();
        fds.push_back(self.get());
    }
    UniqueFd tree;
    if (spec.rootfs) {
        // An fd of this namespace means nothing to init's: hand it a detached copy instead.
        tree.reset(static_cast<int>(
            ::syscall(SYS_open_tree, spec.rootfs.get(), "",
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE)));
        if (!tree)
            fail_errno("WSL_E_INSTANCE_START", "Cannot bind the distribution's files");
        start["rootfs_tree"] = fds.size();
        fds.push_back(tree.get());
    } else {
        if (!spec.private_path.empty())
            start["private"] = spec.private_path;
        else
            start["rootfs"] = spec.rootfs_path;
    }
    protocol::send(inst->control(), start, fds);

    pollfd p{inst->control(), POLLIN, 0};
    if (::poll(&p, 1, kStartTimeoutMs) != 1)
        fail("WSL_E_INSTANCE_START", "The distribution did not start in time.");
    std::optional<protocol::Message> reply;
    try {
        reply = protocol::receive(inst->control());
    } catch (const WslError&) {
    }
    if (!reply)
        fail("WSL_E_INSTANCE_START", "The distribution's init exited while starting.");
    const auto& body = reply->body;
    if (body.contains("error") && body["error"].is_object())
        fail("WSL_E_INSTANCE_START", "The distribution could not start: " +
                                         body["error"].value("message", std::string("?")));
    if (!body.value("ready", false))
        fail("WSL_E_INSTANCE_START", "The distribution's init sent an unexpected reply.");
    if (auto w = body.find("warnings"); w != body.end() && w->is_array())
        for (const auto& item : *w)
            if (item.is_string() && warnings.size() < 64)
                warnings.push_back(item.get<std::string>().substr(0, 1024));
    return inst;
}

Instance::~Instance() {
    kill_and_wait();
}

void Instance::send_session(nlohmann::json req, std::span<const int> fds) {
    std::lock_guard lock(send_mutex_);
    protocol::send(control(), req, fds);
}

bool Instance::exited() const {
    pollfd p{init_.pidfd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

void Instance::kill_and_wait() {
    if (init_.pid() <= 0)
        return;
    init_.kill();
    pollfd p{init_.pidfd(), POLLIN, 0};
    while (::poll(&p, 1, 10000) < 0 && errno == EINTR) {
    }
}

} // namespace wsl::runtime
