// Feeds wsl::catalog::parse_manifest a distribution list (WSL's DistributionInfo.json schema),
// as fetched from distributionListUrl, for both architectures, then lookup(), online_rows()
// and parse_sha256() over what it returned, the way `wsl --install` and `-l -o` use them.
// A bug: a crash or sanitizer report; an exception other than WslError (the header promises
// WSL_E_INVALID_JSON for malformed input); online_rows() listing a name twice or more than
// four versions of one flavor.
#include <cstdint>
#include <map>
#include <string_view>

#include "base/error.h"
#include "catalog/manifest.h"
#include "common.h"
#include "config/ini.h"

namespace {

void use(const wsl::catalog::Manifest& m) {
    (void)wsl::catalog::lookup(m, m.default_name);
    for (const auto& [flavor, versions] : m.flavors) {
        (void)wsl::catalog::lookup(m, flavor);
        for (const auto& img : versions) {
            (void)wsl::catalog::lookup(m, img.name);
            (void)wsl::catalog::parse_sha256(img.sha256);
        }
    }
    auto rows = wsl::catalog::online_rows(&m, m);
    std::map<std::string, size_t> per_flavor;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (++per_flavor[rows[i].flavor] > 4)
            fuzz::broken("online_rows lists more than four versions of a flavor");
        for (size_t j = 0; j < i; ++j)
            if (wsl::config::iequals(rows[i].image.name, rows[j].image.name))
                fuzz::broken("online_rows lists a name twice");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (std::string_view arch : {"amd64", "arm64"}) {
        try {
            use(wsl::catalog::parse_manifest(text, "fuzz", arch));
        } catch (const wsl::WslError&) {
        } catch (const std::exception& e) {
            fuzz::unexpected("parse_manifest", e);
        }
    }
    return 0;
}
