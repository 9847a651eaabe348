#include "runtime/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/unique_fd.h"

namespace wsl::runtime {

namespace {

struct Hierarchy {
    std::string mount;
    bool v2 = false;
    bool memory = false, pids = false;
};

std::vector<Hierarchy> hierarchies() {
    std::vector<Hierarchy> out;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        // id parent maj:min root mountpoint options [optional...] - fstype source superopts
        std::istringstream s(line);
        std::string id, parent, dev, root, mountpoint, opts, field;
        s >> id >> parent >> dev >> root >> mountpoint >> opts;
        while (s >> field && field != "-") {
        }
        std::string fstype, source, super;
        s >> fstype >> source >> super;
        if (root != "/")
            continue;
        if (fstype == "cgroup2") {
            Hierarchy h{mountpoint, true};
            std::ifstream c(mountpoint + "/cgroup.controllers");
            std::string ctl;
            while (c >> ctl) {
                h.memory = h.memory || ctl == "memory";
                h.pids = h.pids || ctl == "pids";
            }
            out.push_back(h);
        } else if (fstype == "cgroup") {
            bool memory = (',' + super + ',').find(",memory,") != std::string::npos;
            bool pids = (',' + super + ',').find(",pids,") != std::string::npos;
            if (memory || pids)
                out.push_back({mountpoint, false, memory, pids});
        }
    }
    return out;
}

bool write_text(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

} // namespace

Cgroup Cgroup::create(const std::string& name, const CgroupLimits& limits, uid_t owner, gid_t group,
                      std::vector<std::string>& warnings) {
    Cgroup cg;
    bool memory_set = !limits.memory, pids_set = !limits.processes;
    for (const auto& h : hierarchies()) {
        std::string parent = h.mount + "/wsl";
        if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
            continue;
        if (h.v2) { // controllers must be enabled top-down before a child can use them
            write_text(h.mount + "/cgroup.subtree_control", "+memory +pids");
            write_text(parent + "/cgroup.subtree_control", "+memory +pids");
        }
        std::string dir = parent + "/" + name;
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
            continue;
        cg.dirs_.push_back(dir);
        if (h.v2)
            for (const char* f :
                 {"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control"})
                if (::chown((dir + f).c_str(), owner, group) != 0) {
                }
        if (limits.memory && h.memory && !memory_set)
            memory_set = write_text(dir + (h.v2 ? "/memory.max" : "/memory.limit_in_bytes"),
                                    std::to_string(*limits.memory));
        if (limits.processes && h.pids && !pids_set)
            pids_set = write_text(dir + "/pids.max", std::to_string(*limits.processes));
    }
    if (!memory_set)
        warnings.push_back("The memory limit could not be applied: no memory cgroup controller "
                           "is available on this host.");
    // The process limit holds without cgroups too (RLIMIT_NPROC on the distro's user
    // namespace, see Instance::start): pids.max is a second fence where it exists.
    return cg;
}

void Cgroup::add(pid_t pid) const {
    for (const auto& d : dirs_)
        write_text(d + "/cgroup.procs", std::to_string(pid));
}

namespace {
// Children first: a systemd inside leaves its own cgroups below ours.
void remove_cgroup(const std::string& dir, int depth) {
    if (depth < 16)
        if (DIR* d = ::opendir(dir.c_str())) {
            std::vector<std::string> subdirs;
            while (dirent* e = ::readdir(d))
                if (e->d_type == DT_DIR && std::strcmp(e->d_name, ".") != 0 &&
                    std::strcmp(e->d_name, "..") != 0)
                    subdirs.push_back(dir + "/" + e->d_name);
            ::closedir(d);
            for (const auto& s : subdirs)
                remove_cgroup(s, depth + 1);
        }
    ::rmdir(dir.c_str());
}
} // namespace

void Cgroup::remove(const std::string& name) {
    for (const auto& h : hierarchies())
        remove_cgroup(h.mount + "/wsl/" + name, 0);
}

Cgroup::~Cgroup() {
    for (const auto& d : dirs_)
        remove_cgroup(d, 0);
}

} // namespace wsl::runtime
