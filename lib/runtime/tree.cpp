#include "runtime/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace wsl::runtime {

namespace {

struct Entry {
    std::string name;
    bool dir;
};

std::vector<Entry> list(int dirfd) {
    int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        fail_errno("WSL_E_REMOVE_FAILED", "Cannot open a directory for removal");
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        fail_errno("WSL_E_REMOVE_FAILED", "Cannot read a directory for removal");
    }
    std::vector<Entry> out;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..")
            continue;
        out.push_back({n, e->d_type == DT_DIR || e->d_type == DT_UNKNOWN});
    }
    ::closedir(d);
    return out;
}

void remove_entry(int dirfd, const Entry& e) {
    if (::unlinkat(dirfd, e.name.c_str(), 0) == 0 || errno == ENOENT)
        return;
    if (errno != EISDIR && !(e.dir && (errno == EPERM || errno == EACCES)))
        fail_errno("WSL_E_REMOVE_FAILED", "Cannot remove " + e.name);
    remove_tree(dirfd, e.name.c_str());
}

} // namespace

void empty_directory(int dirfd) {
    for (const auto& e : list(dirfd))
        remove_entry(dirfd, e);
}

void remove_tree(int parent, const char* name) {
    UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return;
        if (errno == ENOTDIR || errno == ELOOP) {
            if (::unlinkat(parent, name, 0) == 0)
                return;
        }
        if (errno == EMFILE) {
            // Deep trees hold one fd per level: raise the soft limit to the hard one once.
            rlimit rl;
            if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                ::setrlimit(RLIMIT_NOFILE, &rl);
                return remove_tree(parent, name);
            }
        }
        fail_errno("WSL_E_REMOVE_FAILED", std::string("Cannot open ") + name);
    }
    empty_directory(fd.get());
    fd.reset();
    if (::unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        fail_errno("WSL_E_REMOVE_FAILED", std::string("Cannot remove ") + name);
}

} // namespace wsl::runtime
