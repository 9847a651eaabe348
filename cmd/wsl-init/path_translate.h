#pragma once
#include <optional>
#include <string>
#include <string_view>

// wslpath's translation between the host's paths (what Windows paths are to WSL) and this
// distro's paths, where the host's root is mounted at host_root (e.g. /mnt/host). Pure: the
// caller resolves symlinks and supplies the working directory.
namespace wsl::init {

enum class PathMode { ToDistro, ToHost, ToHostMixed };

struct PathContext {
    std::string host_root; // where the host's "/" is mounted, no trailing '/'; "" if nowhere
    std::string cwd;       // the distro's working directory, absolute
};

// "a//b/./c/../d" -> "a/b/d" for an absolute path; nullopt when ".." climbs above "/".
std::optional<std::string> collapse_path(std::string_view absolute);

// The translated path, or nullopt when it has none (a distro path outside the host mount
// for ToHost; no host mount for ToDistro). A relative input gives a relative result when it
// stays below the working directory, unless `absolute` (-a) asks otherwise, as wslpath does.
std::optional<std::string> translate_path(std::string_view path, PathMode mode, bool absolute,
                                          const PathContext& ctx);

} // namespace wsl::init
