#pragma once
#include <filesystem>
#include <string_view>

namespace wsl {

// Replaces file with text so that a crash leaves the old or the new content, never a mix:
// temp file, fsync, rename, fsync of the directory. Throws WslError.
void write_atomically(const std::filesystem::path& file, std::string_view text);

} // namespace wsl
