#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace wsl {

// Reads a small regular file (at most `limit` bytes) without blocking on a FIFO or device
// planted in its place. nullopt when it is missing or not a regular file.
std::optional<std::string> read_small_file(const char* path, size_t limit);

} // namespace wsl
