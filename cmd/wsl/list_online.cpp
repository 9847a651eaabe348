#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog_source.h"
#include "render.h"

namespace wsl::cli {

int list_online(const Invocation& inv) {
    Catalog cat = load_catalog(inv.offline);
    auto rows = catalog::online_rows(cat.override_list ? &*cat.override_list : nullptr, cat.base);
    std::string out;
    if (json_output(inv)) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : rows)
            list.push_back({{"name", r.image.name},
                            {"friendlyName", r.image.friendly_name},
                            {"flavor", r.flavor},
                            {"default", r.image.is_default},
                            {"override", r.from_override},
                            {"url", r.image.url},
                            {"sha256", r.image.sha256}});
        std::string def = cat.default_name();
        out = render_json({{"default", def.empty() ? nlohmann::json() : nlohmann::json(def)},
                           {"distributions", list}});
    } else if (inv.quiet) {
        for (const auto& r : rows)
            out += r.image.name + "\n";
    } else {
        size_t width = 4;
        for (const auto& r : rows)
            width = std::max(width, r.image.name.size());
        width += 4;
        out = "The following is a list of valid distributions that can be installed.\n"
              "Install using 'wsl --install <Distro>'.\n\n";
        out += fmt::format("{:<{}}{}\n", "NAME", width, "FRIENDLY NAME");
        for (const auto& r : rows)
            out += fmt::format("{:<{}}{}\n", r.image.name, width, r.image.friendly_name);
    }
    fmt::print("{}", out);
    return 0;
}

} // namespace wsl::cli
