#pragma once
#include <span>
#include <string>

namespace wsl::archive {

enum class Kind { Empty, Tar, Gzip, Xz, Bzip2, Zstd, Vhd, Unknown };

// Identifies an import stream from its first bytes (at least 512 when the stream has them).
Kind detect(std::span<const unsigned char> head);
std::string to_string(Kind k);

// Export formats by name (tar, tar.gz, tar.xz, tar.zst) and by file suffix.
enum class Format { Tar, TarGz, TarXz, TarZst };
bool parse_format(const std::string& name, Format& out);
// The format a file name's suffix implies, or Tar when it names none.
Format format_from_path(const std::string& path);
std::string to_string(Format f);

} // namespace wsl::archive
