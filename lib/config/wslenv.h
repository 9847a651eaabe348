#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// WSLENV: the host variables a session takes into the distro, as WSL defines it. The list is
// "NAME[/FLAGS]:NAME[/FLAGS]..."; flags p (a host path: translated to where the distro sees
// it), l (a ':'-separated list of such paths), u (only from the host into the distro: always
// the direction here) and w (only from the distro out to the host: never passed in). An entry
// with an unknown flag is skipped, as WSL does, so that later flags can be added.
// Everything here is input from the caller: bounded, and never throws on bad text.
namespace wsl::config {

inline constexpr std::size_t kMaxWslenvNames = 256;
// The names and values together; the request frame they travel in holds 1 MiB.
inline constexpr std::size_t kMaxWslenvBytes = 256 * 1024;

struct WslenvEntry {
    std::string name;
    char mode = 0; // 0: as is, 'p': one path, 'l': a path list
};

// The entries of a WSLENV value that go into a distro with valid names ([A-Za-z_][A-Za-z0-9_]*),
// in order, without repeats, at most kMaxWslenvNames. `skipped` (if given) gets the entries
// left out because of a bad name or an unknown flag.
std::vector<WslenvEntry> parse_wslenv(std::string_view list,
                                      std::vector<std::string>* skipped = nullptr);

// A host path (mode 'p') or path list ('l') as the distro sees it: each absolute path under
// host_root ("/mnt/host"); relative ones are dropped, as WSL drops relative Windows paths.
// nullopt when the host is not visible (host_root empty: automount off).
std::optional<std::string> translate_host_paths(std::string_view value, char mode,
                                                const std::string& host_root);

// Adds WSLENV and the variables it names to env ("NAME=value" strings). `host` holds the
// caller's values (WSLENV among them); a named variable the caller has not set (or could
// not send) stays unset (WSL would set it empty). A name env already has is left alone: the
// variables init sets (HOME, USER, PATH, ...) describe the session truthfully whatever the
// caller's WSLENV says.
void add_wslenv(std::vector<std::string>& env, const std::map<std::string, std::string>& host,
                const std::string& host_root);

} // namespace wsl::config
