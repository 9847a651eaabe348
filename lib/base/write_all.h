#pragma once
#include <cstddef>

namespace wsl {

// Writes all n bytes, retrying after signals and short writes; false on an error (errno set).
bool write_all(int fd, const char* p, size_t n);

} // namespace wsl
