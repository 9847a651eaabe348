#include "open_error.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "render.h"

namespace wsl::cli {

void fail_open(const std::string& path, const std::string& code) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
        // Windows tells a missing file from a missing directory on its way.
        std::string parent = std::filesystem::path(path).parent_path().string();
        struct stat st;
        bool dir_there =
            parent.empty() || (::stat(parent.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
        if (dir_there)
            throw WslError("ERROR_FILE_NOT_FOUND", "The system cannot find the file specified.",
                           kClientContext);
        throw WslError("ERROR_PATH_NOT_FOUND", "The system cannot find the path specified.",
                       kClientContext);
    }
    if (err == EACCES || err == EPERM)
        throw WslError("E_ACCESSDENIED", "Access is denied.", kClientContext);
    throw WslError(code, "Cannot open " + path + ": " + std::strerror(err), kClientContext);
}

} // namespace wsl::cli
