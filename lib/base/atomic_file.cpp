#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/error.h"
#include "base/unique_fd.h"

namespace wsl {

void write_atomically(const std::filesystem::path& file, std::string_view text) {
    auto tmp = file;
    tmp += ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd)
        fail_errno("WSL_E_REGISTRY_WRITE", "Cannot write " + tmp.string());
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
        if (n < 0)
            fail_errno("WSL_E_REGISTRY_WRITE", "Cannot write " + tmp.string());
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0)
        fail_errno("WSL_E_REGISTRY_WRITE", "Cannot sync " + tmp.string());
    fd.reset();
    if (::rename(tmp.c_str(), file.c_str()) != 0)
        fail_errno("WSL_E_REGISTRY_WRITE", "Cannot replace " + file.string());
    UniqueFd dir(::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir)
        ::fsync(dir.get());
}

} // namespace wsl
