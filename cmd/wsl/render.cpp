#include "render.h"

#include <cstdlib>

#include <fmt/format.h>

namespace wsl::cli {

using nlohmann::json;

std::string render_error(const std::string& message, const std::string& context,
                         const std::string& code) {
    std::string out = message.empty() ? "" : message + "\n";
    std::string path;
    if (!context.empty() && context[0] == '/')
        path = context.size() > 1 ? context.substr(1) + "/" : "";
    else if (code == "WSL_E_DISTRO_NOT_FOUND" || context.empty())
        path = "Service/";
    else
        path = "Service/" + context + "/";
    return out + "Error code: Wsl/" + path + code + "\n";
}

namespace {

// The rows `wsl -l` shows, default first as in wsl.exe.
std::vector<json> list_rows(const Invocation& inv, const json& result) {
    std::vector<json> rows;
    for (const auto& d : result.at("distros")) {
        std::string state = d.value("state", "");
        bool transient = state == "Installing" || state == "Uninstalling";
        if (transient && !inv.all)
            continue;
        if (inv.running && state != "Running")
            continue;
        rows.push_back(d);
    }
    std::stable_partition(rows.begin(), rows.end(),
                          [](const json& d) { return d.value("default", false); });
    return rows;
}

} // namespace

std::string render_json(const json& value) {
    return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string render_list_json(const Invocation& inv, const json& result) {
    json list = json::array();
    for (const auto& d : list_rows(inv, result))
        list.push_back({{"name", d.value("name", "")},
                        {"guid", d.value("guid", "")},
                        {"default", d.value("default", false)},
                        {"state", d.value("state", "")},
                        {"version", d.value("version", 1)},
                        {"flavor", d.value("flavor", "")},
                        {"osVersion", d.value("osVersion", "")},
                        {"basePath", d.value("basePath", "")}});
    return render_json(
        {{"distributions", list}, {"defaultVersion", result.value("defaultVersion", 1)}});
}

bool render_list(const Invocation& inv, const json& result, std::string& out, std::string& error) {
    std::vector<json> rows = list_rows(inv, result);
    if (rows.empty()) {
        if (inv.quiet)
            return true;
        if (inv.running) {
            error = "There are no running distributions.\n";
            return false;
        }
        error = "wsl has no installed distributions.\n"
                "You can resolve this by installing a distribution with the instructions "
                "below:\n\n"
                "Use 'wsl --list --online' to list available distributions\n"
                "and 'wsl --install <Distro>' to install, or 'wsl --import' a tarball.\n" +
                render_error("", kClientContext, "WSL_E_DEFAULT_DISTRO_NOT_FOUND");
        return false;
    }
    if (inv.quiet) {
        for (const auto& d : rows)
            out += d.value("name", "") + "\n";
    } else if (inv.verbose) {
        size_t width = 4;
        for (const auto& d : rows)
            width = std::max(width, d.value("name", "").size());
        width += 4;
        out += fmt::format("  {:<{}}{:<16}{}\n", "NAME", width, "STATE", "VERSION");
        for (const auto& d : rows)
            out += fmt::format("{} {:<{}}{:<16}{}\n", d.value("default", false) ? '*' : ' ',
                               d.value("name", ""), width, d.value("state", ""),
                               d.value("version", 1));
    } else {
        out += "wsl for Linux distributions:\n";
        for (const auto& d : rows)
            out += d.value("name", "") + (d.value("default", false) ? " (Default)" : "") + "\n";
    }
    return true;
}

void print_warning(const std::string& text) {
    const char* off = std::getenv("WSL_DISABLE_WARNINGS");
    if (!(off && std::string(off) == "1"))
        fmt::print(stderr, "wsl: {}\n", text);
}

} // namespace wsl::cli
