#include "catalog/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include <fmt/format.h>

#include "base/bounded_json.h"
#include "base/error.h"
#include "catalog/key_order.h"
#include "config/ini.h"

namespace wsl::catalog {

using nlohmann::json;

std::string_view host_arch() {
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "unsupported";
#endif
}

namespace {

[[noreturn]] void invalid(std::string_view source, const std::string& why) {
    fail("WSL_E_INVALID_JSON",
         fmt::format("The distribution list at {} is not valid: {}", source, why));
}

// What a catalog names is shown on the user's terminal, and the server may be hostile: no
// terminal controls (C0, DEL, C1 in UTF-8), each becomes '?'.
std::string visible(std::string s) {
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f)
            s[i] = '?';
        else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                 static_cast<unsigned char>(s[i + 1]) <= 0x9f)
            s.replace(i, 2, "?");
    }
    return s;
}

std::string string_field(const json& o, const char* key, std::string_view source, bool required) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
        if (required)
            invalid(source, fmt::format("an entry has no \"{}\"", key));
        return {};
    }
    if (!it->is_string())
        invalid(source, fmt::format("\"{}\" must be a string", key));
    return it->get<std::string>();
}

} // namespace

Manifest parse_manifest(std::string_view text, std::string_view source, std::string_view arch) {
    json doc;
    // A catalog comes from the network: bound its shape before the parser recurses into it.
    if (auto why = exceeds_bounds(text, {16, 1 << 20}); !why.empty())
        invalid(source, std::string(why));
    try {
        doc = json::parse(text);
    } catch (const json::exception& e) { // parse errors and out-of-range numbers alike
        invalid(source, e.what());
    }
    if (!doc.is_object())
        invalid(source, "the top level must be an object");
    Manifest m;
    m.default_name = visible(string_field(doc, "Default", source, false));
    auto modern = doc.find("ModernDistributions");
    if (modern == doc.end() || modern->is_null())
        return m;
    if (!modern->is_object())
        invalid(source, "\"ModernDistributions\" must be an object");
    const char* url_key = arch == "arm64" ? "Arm64Url" : "Amd64Url";
    // wsl.exe lists flavors in the catalog's own order, which the parsed object (sorted) lost.
    std::vector<std::string> order = member_key_order(text, "ModernDistributions");
    if (order.size() != modern->size()) { // cannot happen for text that parsed; keep them all
        order.clear();
        for (const auto& [flavor, versions] : modern->items())
            order.push_back(flavor);
    }
    for (const std::string& key : order) {
        auto found = modern->find(key);
        std::string flavor = visible(key);
        if (found == modern->end())
            invalid(source, fmt::format("\"{}\" is missing", flavor));
        const json& versions = *found;
        if (!versions.is_array())
            invalid(source, fmt::format("\"{}\" must be a list of versions", flavor));
        auto& out = m.flavors.emplace_back(flavor, std::vector<Image>{}).second;
        for (const auto& v : versions) {
            if (!v.is_object())
                invalid(source, fmt::format("a version of \"{}\" is not an object", flavor));
            Image img;
            img.name = visible(string_field(v, "Name", source, true));
            img.friendly_name = visible(string_field(v, "FriendlyName", source, false));
            if (auto d = v.find("Default"); d != v.end() && !d->is_null()) {
                if (!d->is_boolean())
                    invalid(source,
                            fmt::format("\"Default\" of {} must be true or false", img.name));
                img.is_default = d->get<bool>();
            }
            auto u = v.find(url_key);
            if (u == v.end() || u->is_null() || arch == "unsupported")
                continue; // no image for this machine
            if (!u->is_object())
                invalid(source, fmt::format("\"{}\" of {} must be an object", url_key, img.name));
            img.url = string_field(*u, "Url", source, true);
            img.sha256 = string_field(*u, "Sha256", source, false);
            out.push_back(std::move(img));
        }
    }
    return m;
}

std::optional<Image> lookup(const Manifest& m, std::string_view name) {
    for (const auto& [flavor, versions] : m.flavors) {
        bool by_flavor = config::iequals(flavor, name);
        for (const auto& v : versions) {
            if ((by_flavor && v.is_default) || config::iequals(v.name, name))
                return v;
        }
    }
    return std::nullopt;
}

const std::vector<Image>* Manifest::versions(std::string_view flavor) const {
    for (const auto& [name, list] : flavors)
        if (name == flavor)
            return &list;
    return nullptr;
}

std::vector<OnlineRow> online_rows(const Manifest* override_manifest, const Manifest& base) {
    std::vector<OnlineRow> rows;
    std::unordered_set<std::string> seen; // lower-case names, as lookup matches them
    auto lower = [](std::string s) {
        for (auto& c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    auto add = [&](const Manifest& m, bool from_override) {
        for (const auto& [flavor, versions] : m.flavors) {
            // What `--install <flavor>` picks: the override list's choice when it has one.
            std::optional<Image> chosen;
            bool chosen_from_override = false;
            if (override_manifest && (chosen = lookup(*override_manifest, flavor)))
                chosen_from_override = true;
            else
                chosen = lookup(base, flavor);
            bool here = chosen && chosen_from_override == from_override;
            for (size_t i = 0; i < versions.size() && i < 4; ++i) {
                OnlineRow row{versions[i], flavor, from_override};
                row.image.is_default = here && config::iequals(chosen->name, versions[i].name);
                if (seen.insert(lower(row.image.name)).second)
                    rows.push_back(std::move(row));
            }
        }
    };
    if (override_manifest)
        add(*override_manifest, true);
    add(base, false);
    return rows;
}

std::optional<std::string> parse_sha256(std::string_view text) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text.remove_prefix(2);
    if (text.size() != 64)
        return std::nullopt;
    std::string bytes;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < 64; i += 2) {
        int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    return bytes;
}

} // namespace wsl::catalog
