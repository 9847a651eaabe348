// Feeds wsl::catalog::parse_manifest a distribution list (WSL's DistributionInfo.json schema),
// as fetched from distributionListUrl, for both architectures, then lookup(), online_rows()
// and parse_sha256() over what it returned, the way `wsl --install` and `-l -o` use them.
// A bug: a crash or sanitizer report; an exception other than WslError (the header promises
// WSL_E_INVALID_JSON for malformed input); online_rows() listing a name twice or more than
// four versions of one flavor. It also checks the catalog's key-order pass (key_order.h)
// against the parser itself: on text nlohmann parses, the keys it lists for a member object
// are exactly that object's keys, once each; on any text it returns, never throws.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "base/error.h"
#include "catalog/key_order.h"
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

void key_order(std::string_view text) {
    using nlohmann::json;
    json doc = json::parse(text, nullptr, false);
    for (std::string_view member : {"ModernDistributions", "Distributions", ""}) {
        std::vector<std::string> keys = wsl::catalog::member_key_order(text, member);
        std::set<std::string> unique(keys.begin(), keys.end());
        if (unique.size() != keys.size())
            fuzz::broken("member_key_order lists a key twice");
        if (doc.is_discarded() || !doc.is_object())
            continue;
        auto it = doc.find(member);
        if (it == doc.end() || !it->is_object()) {
            if (!keys.empty())
                fuzz::broken("member_key_order lists keys of a member that is not an object");
            continue;
        }
        std::set<std::string> parsed;
        for (const auto& [k, v] : it->items())
            parsed.insert(k);
        if (parsed != unique)
            fuzz::broken("member_key_order and the parser disagree on a member's keys");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    key_order(text);
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
