#include "runtime/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
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

// Removes what in dir is not a directory; returns the subdirectories left.
std::vector<std::string> clear_files(int dirfd) {
    std::vector<std::string> subdirs;
    for (auto& e : list(dirfd)) {
        if (::unlinkat(dirfd, e.name.c_str(), 0) == 0 || errno == ENOENT)
            continue;
        if (errno == EISDIR || (e.dir && (errno == EPERM || errno == EACCES))) {
            subdirs.push_back(std::move(e.name));
            continue;
        }
        fail_errno("WSL_E_REMOVE_FAILED", "Cannot remove " + e.name);
    }
    return subdirs;
}

} // namespace

// Depth first with one directory open at a time: down into a subdirectory, back up through
// "..", so neither the stack nor the descriptors grow with the depth of the tree (an archive
// may nest as deep as it likes). Each directory is listed once.
void empty_directory(int dirfd) {
    UniqueFd cur(::fcntl(dirfd, F_DUPFD_CLOEXEC, 3));
    if (!cur)
        fail_errno("WSL_E_REMOVE_FAILED", "Cannot open a directory for removal");
    struct Level {
        std::string name;                 // of this directory in its parent
        std::vector<std::string> subdirs; // still to remove
    };
    std::vector<Level> levels{{"", clear_files(cur.get())}};
    for (;;) {
        Level& here = levels.back();
        if (!here.subdirs.empty()) {
            std::string sub = std::move(here.subdirs.back());
            here.subdirs.pop_back();
            UniqueFd next(
                ::openat(cur.get(), sub.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!next)
                fail_errno("WSL_E_REMOVE_FAILED", "Cannot open " + sub);
            cur = std::move(next);
            levels.push_back({std::move(sub), clear_files(cur.get())});
            continue;
        }
        if (levels.size() == 1)
            return;
        UniqueFd parent(::openat(cur.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!parent)
            fail_errno("WSL_E_REMOVE_FAILED", "Cannot climb back from " + here.name);
        if (::unlinkat(parent.get(), here.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
            fail_errno("WSL_E_REMOVE_FAILED", "Cannot remove " + here.name);
        levels.pop_back();
        cur = std::move(parent);
    }
}

void remove_tree(int parent, const char* name) {
    UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return;
        if ((errno == ENOTDIR || errno == ELOOP) && ::unlinkat(parent, name, 0) == 0)
            return;
        fail_errno("WSL_E_REMOVE_FAILED", std::string("Cannot open ") + name);
    }
    empty_directory(fd.get());
    fd.reset();
    if (::unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        fail_errno("WSL_E_REMOVE_FAILED", std::string("Cannot remove ") + name);
}

} // namespace wsl::runtime
