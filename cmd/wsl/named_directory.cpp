#include "named_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"

namespace wsl::cli {

namespace fs = std::filesystem;

NamedDirectory::NamedDirectory(const std::string& path) {
    fs::path p = fs::absolute(path).lexically_normal();
    std::vector<fs::path> missing;
    for (fs::path q = p; !q.empty() && !fs::exists(q); q = q.parent_path()) {
        missing.push_back(q);
        if (q == q.parent_path())
            break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST)
            break;
        created_.push_back(*it);
    }
    fd_.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_) {
        int err = errno;
        undo();
        errno = err;
        fail_errno("WSL_E_INVALID_USAGE", "Cannot open the directory " + path);
    }
}

void NamedDirectory::undo() {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it)
        ::rmdir(it->c_str());
    created_.clear();
}

} // namespace wsl::cli
