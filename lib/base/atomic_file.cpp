#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"
#include "base/write_all.h"

namespace wsl {

void write_atomically(const std::filesystem::path& file, std::string_view text) {
    auto tmp = file;
    tmp += ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd)
        fail_errno("WSL_E_REGISTRY_WRITE", "Cannot write " + tmp.string());
    auto failed = [&](const std::string& what) {
        int err = errno;
        ::unlink(tmp.c_str()); // a full disk must not keep the half-written copy either
        errno = err;
        fail_errno("WSL_E_REGISTRY_WRITE", what + " " + tmp.string());
    };
    if (!write_all(fd.get(), text.data(), text.size()))
        failed("Cannot write");
    if (::fsync(fd.get()) != 0)
        failed("Cannot sync");
    if (::close(fd.release()) != 0)
        failed("Cannot write");
    if (::rename(tmp.c_str(), file.c_str()) != 0)
        fail_errno("WSL_E_REGISTRY_WRITE", "Cannot replace " + file.string());
    // The rename is durable only once the directory is: a failure here is the write's.
    UniqueFd dir(::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0)
        fail_errno("WSL_E_REGISTRY_WRITE", "Cannot sync " + file.parent_path().string());
}

} // namespace wsl
