#pragma once
#include <string>

namespace wsl::cli {

// Throws wsl.exe's error for a file the user named that cannot be opened (errno set by the
// failed open): "The system cannot find the file specified." with ERROR_FILE_NOT_FOUND, the
// path variant when a directory on the way is missing, "Access is denied." with
// E_ACCESSDENIED; other causes keep `code` and strerror.
[[noreturn]] void fail_open(const std::string& path, const std::string& code);

} // namespace wsl::cli
