#include "config/passwd.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace wsl::config {
namespace {

// Calls fn(line) for each line (without '\n' or a trailing '\r') until fn returns true.
template <class Fn> void for_each_line(std::string_view text, Fn fn) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        auto end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        if (fn(line))
            return;
    }
}

// Splits on ':'; false unless there are exactly N fields.
template <std::size_t N>
bool split_fields(std::string_view line, std::array<std::string_view, N>& out) {
    std::size_t field = 0;
    while (true) {
        if (field == N)
            return false;
        auto colon = line.find(':');
        out[field++] = line.substr(0, colon);
        if (colon == std::string_view::npos)
            break;
        line.remove_prefix(colon + 1);
    }
    return field == N;
}

// Plain decimal below 4294967295 ((uid_t)-1 means "no id").
std::optional<uint32_t> parse_id(std::string_view s) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    unsigned long long v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size() || v >= 4294967295ULL)
        return std::nullopt;
    return static_cast<uint32_t>(v);
}

std::optional<PasswdEntry> parse_passwd_line(std::string_view line) {
    std::array<std::string_view, 7> f;
    if (line.empty() || line.front() == '#' || !split_fields(line, f) || f[0].empty())
        return std::nullopt;
    auto uid = parse_id(f[2]);
    auto gid = parse_id(f[3]);
    if (!uid || !gid)
        return std::nullopt;
    return PasswdEntry{std::string(f[0]), *uid, *gid, std::string(f[5]), std::string(f[6])};
}

template <class Pred>
std::optional<PasswdEntry> find_first(std::string_view passwd_text, Pred pred) {
    std::optional<PasswdEntry> found;
    for_each_line(passwd_text, [&](std::string_view line) {
        auto e = parse_passwd_line(line);
        if (e && pred(*e))
            found = std::move(e);
        return found.has_value();
    });
    return found;
}

bool names_member(std::string_view members, std::string_view user) {
    while (true) {
        auto comma = members.find(',');
        if (members.substr(0, comma) == user)
            return true;
        if (comma == std::string_view::npos)
            return false;
        members.remove_prefix(comma + 1);
    }
}

} // namespace

std::optional<PasswdEntry> find_user(std::string_view passwd_text, std::string_view name) {
    if (name.empty())
        return std::nullopt;
    return find_first(passwd_text, [&](const PasswdEntry& e) { return e.name == name; });
}

std::optional<PasswdEntry> find_uid(std::string_view passwd_text, uid_t uid) {
    return find_first(passwd_text, [&](const PasswdEntry& e) { return e.uid == uid; });
}

std::vector<gid_t> supplementary_groups(std::string_view group_text, std::string_view user,
                                        gid_t primary) {
    std::vector<gid_t> gids{primary};
    // An empty name would match the empty member of "a,,b" or an empty list.
    if (user.empty())
        return gids;
    for_each_line(group_text, [&](std::string_view line) {
        std::array<std::string_view, 4> f;
        if (line.empty() || line.front() == '#' || !split_fields(line, f) || f[0].empty())
            return false;
        auto gid = parse_id(f[2]);
        if (!gid || !names_member(f[3], user))
            return false;
        if (std::find(gids.begin(), gids.end(), *gid) == gids.end())
            gids.push_back(*gid);
        return gids.size() >= kMaxGroups;
    });
    return gids;
}

bool valid_user_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || !(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z')))
        return false;
    for (char c : name)
        if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

} // namespace wsl::config
