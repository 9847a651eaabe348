#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The distribution catalog, in WSL's DistributionInfo.json schema (ModernDistributions).
namespace wsl::catalog {

struct Image {
    std::string name;          // what --install takes, e.g. Ubuntu-24.04
    std::string friendly_name; // what --list --online shows beside it
    bool is_default = false;   // the version its flavor selects
    std::string url;           // for this machine's architecture
    std::string sha256;        // as written in the manifest (validated at install time)
};

struct Manifest {
    std::string default_name; // "Default": what --install without a name installs
    // Flavor -> versions in file order. Sorted by flavor, byte-wise, as wsl.exe lists them.
    std::map<std::string, std::vector<Image>> flavors;
};

// "amd64" or "arm64" for this build's machine; other machines have no images.
std::string_view host_arch();

// Parses a manifest, keeping the versions that have a URL for arch. Throws WslError
// WSL_E_INVALID_JSON with the parser's message (and `source`) on malformed input.
Manifest parse_manifest(std::string_view text, std::string_view source,
                        std::string_view arch = host_arch());

// wsl.exe's lookup: a flavor name (any case) selects its Default version; otherwise a version
// whose Name matches (any case).
std::optional<Image> lookup(const Manifest& m, std::string_view name);

struct OnlineRow {
    Image image;
    std::string flavor;
    bool from_override = false; // from the distributionListUrlAppend list
};

// The rows of `wsl --list --online`: override entries first, at most four versions per flavor,
// each name once.
std::vector<OnlineRow> online_rows(const Manifest* override_manifest, const Manifest& base);

// The 32 bytes of a manifest's Sha256 (64 hex digits, an optional 0x), or nullopt.
std::optional<std::string> parse_sha256(std::string_view text);

// The catalog built into this program (distros/DistributionInfo.json).
std::string_view builtin_manifest();

} // namespace wsl::catalog
