#include "config/wslenv.h"

#include <algorithm>

namespace wsl::config {

namespace {

bool valid_name(std::string_view n) {
    auto alpha = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return !n.empty() && n.size() <= 255 && alpha(n[0]) &&
           std::all_of(n.begin(), n.end(), [&](char c) { return alpha(c) || digit(c); });
}

std::string_view name_of(std::string_view var) {
    return var.substr(0, var.find('='));
}

} // namespace

std::vector<WslenvEntry> parse_wslenv(std::string_view list, std::vector<std::string>* skipped) {
    std::vector<WslenvEntry> out;
    while (!list.empty() && (list.back() == ' ' || list.back() == '\t' || list.back() == '\n' ||
                             list.back() == '\r'))
        list.remove_suffix(1);
    size_t start = 0;
    while (start <= list.size() && out.size() < kMaxWslenvNames) {
        size_t end = std::min(list.find(':', start), list.size());
        std::string_view item = list.substr(start, end - start);
        start = end + 1;
        if (item.empty())
            continue;
        size_t slash = item.find('/');
        std::string_view name = item.substr(0, slash);
        std::string_view flags = slash == std::string_view::npos ? "" : item.substr(slash + 1);
        WslenvEntry e{std::string(name), 0};
        bool out_only = false, unknown = false;
        for (char f : flags) {
            if (f == 'p' || f == 'l')
                e.mode = f;
            else if (f == 'w')
                out_only = true; // only from a distro out to the host: never here
            else if (f != 'u')
                unknown = true; // a flag nobody knows yet
        }
        bool bad = !valid_name(name) || unknown;
        bool again = std::any_of(out.begin(), out.end(), [&](auto& o) { return o.name == name; });
        if (!bad && !out_only && !again)
            out.push_back(std::move(e));
        else if (bad && skipped && skipped->size() < kMaxWslenvNames)
            skipped->emplace_back(item.substr(0, 300));
    }
    return out;
}

std::optional<std::string> translate_host_paths(std::string_view value, char mode,
                                                const std::string& host_root) {
    if (host_root.empty())
        return std::nullopt;
    auto one = [&](std::string_view p) { return host_root + std::string(p == "/" ? "" : p); };
    if (mode != 'l')
        return value.starts_with('/') ? one(value) : std::string();
    std::string out;
    size_t start = 0;
    while (start <= value.size()) {
        size_t end = std::min(value.find(':', start), value.size());
        std::string_view p = value.substr(start, end - start);
        start = end + 1;
        if (!p.starts_with('/'))
            continue;
        if (!out.empty())
            out += ':';
        out += one(p);
    }
    return out;
}

void add_wslenv(std::vector<std::string>& env, const std::map<std::string, std::string>& host,
                const std::string& host_root) {
    auto has = [&](std::string_view name) {
        return std::any_of(env.begin(), env.end(), [&](auto& v) { return name_of(v) == name; });
    };
    auto list = host.find("WSLENV");
    if (list == host.end() || has("WSLENV") || list->second.size() > kMaxWslenvBytes ||
        list->second.find('\0') != std::string::npos)
        return;
    std::vector<std::string> added = {"WSLENV=" + list->second};
    size_t bytes = added.back().size();
    for (const auto& e : parse_wslenv(list->second)) {
        if (e.name == "WSLENV" || has(e.name))
            continue;
        auto v = host.find(e.name);
        if (v == host.end())
            continue;
        std::optional<std::string> value = v->second;
        if (e.mode)
            value = translate_host_paths(*value, e.mode, host_root);
        if (!value || value->find('\0') != std::string::npos)
            continue;
        bytes += e.name.size() + 1 + value->size();
        if (bytes > kMaxWslenvBytes)
            break;
        added.push_back(e.name + "=" + *value);
    }
    env.insert(env.end(), added.begin(), added.end());
}

} // namespace wsl::config
