#pragma once
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
    // Flavor -> versions, both in file order, as wsl.exe lists them. A flavor named twice
    // keeps its first place and its last versions (as a JSON object keeps the last value).
    std::vector<std::pair<std::string, std::vector<Image>>> flavors;

    // The versions of a flavor spelled exactly so, or nullptr.
    const std::vector<Image>* versions(std::string_view flavor) const;
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
    Image image; // image.is_default: what `wsl --install <flavor>` picks
    std::string flavor;
    bool from_override = false; // from the distributionListUrlAppend list
};

// The rows of `wsl --list --online`: override entries first, at most four versions per flavor,
// each name once, in the lists' order. A row is marked default when `wsl --install <flavor>`
// picks it (the override list's version for a flavor both lists have).
std::vector<OnlineRow> online_rows(const Manifest* override_manifest, const Manifest& base);

// The 32 bytes of a manifest's Sha256 (64 hex digits, an optional 0x), or nullopt.
std::optional<std::string> parse_sha256(std::string_view text);

// The catalog built into this program (distros/DistributionInfo.json).
std::string_view builtin_manifest();

} // namespace wsl::catalog
