#pragma once
#include <optional>

#include "catalog/manifest.h"

namespace wsl::cli {

struct Catalog {
    catalog::Manifest base;                         // built in, or [general] distributionListUrl
    std::optional<catalog::Manifest> override_list; // [general] distributionListUrlAppend
};

// The catalog this user sees, fetched as this user (proxies from the environment) with an
// ETag cache in ~/.cache/wsl. When a fetch fails the cached copy is used, with a warning.
Catalog load_catalog();

// Finds a distro for --install, override list first (with wsl.exe's warning). Throws
// WSL_E_DISTRO_NOT_FOUND with the hint to --list --online.
catalog::Image find_image(const Catalog& c, const std::string& name);

} // namespace wsl::cli
