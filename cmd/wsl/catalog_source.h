#pragma once
#include <optional>

#include "args.h"
#include "catalog/manifest.h"

namespace wsl::cli {

struct Catalog {
    catalog::Manifest base;                         // built in, or [general] distributionListUrl
    std::optional<catalog::Manifest> override_list; // [general] distributionListUrlAppend

    // What `wsl --install` without a name installs ("" when no list names one).
    std::string default_name() const;
};

// The catalog this user sees, fetched as this user (proxies from the environment) with an
// ETag cache in ~/.cache/wsl. When a fetch fails the cached copy is used, with a warning.
// offline: never fetch; a list that was never cached is an error.
Catalog load_catalog(bool offline = false);

// Finds a distro for --install, override list first (with wsl.exe's warning). Throws
// WSL_E_DISTRO_NOT_FOUND with the hint to --list --online.
catalog::Image find_image(const Catalog& c, const std::string& name);

// wsl --list --online [--quiet] [--offline] [--format text|json].
int list_online(const Invocation& inv);

} // namespace wsl::cli
