#include "base/guid_mark.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"

namespace wsl {

void write_guid_mark(int dir, const std::string& guid, const char* code) {
    UniqueFd fd(
        ::openat(dir, kGuidMark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd || ::write(fd.get(), guid.data(), guid.size()) != static_cast<ssize_t>(guid.size()) ||
        ::fsync(fd.get()) != 0)
        fail_errno(code, "Cannot mark the distribution's directory");
}

bool check_guid_mark(int dir, const std::string& guid, bool heal) {
    UniqueFd fd(::openat(dir, kGuidMark, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno != ENOENT)
            return false;
        if (heal)
            write_guid_mark(dir, guid, "WSL_E_DISK_CORRUPTED");
        return true;
    }
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n == static_cast<ssize_t>(guid.size()) && guid.compare(0, guid.size(), buf, n) == 0;
}

} // namespace wsl
