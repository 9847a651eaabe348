// Feeds a distro's /etc/passwd and /etc/group (lib/config/passwd.h), which wsl-init reads to
// start a session as a user: the input is "passwd text \0 group text \0 name".
// A bug: a crash or sanitizer report; any exception (the header promises none on bad input);
// an entry found under another name or uid than asked; (uid_t)-1 as an id; a group list that
// does not start with the primary gid, repeats a gid or exceeds kMaxGroups.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "common.h"
#include "config/passwd.h"

namespace {

std::string_view next_field(std::string_view& rest) {
    size_t nul = rest.find('\0');
    std::string_view field = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
    return field;
}

void check_entry(const std::optional<wsl::config::PasswdEntry>& e) {
    if (e && (e->uid == static_cast<uid_t>(-1) || e->gid == static_cast<gid_t>(-1)))
        fuzz::broken("a passwd entry with (uid_t)-1");
}

void check(std::string_view input) {
    std::string_view passwd = next_field(input);
    std::string_view group = next_field(input);
    std::string_view name = next_field(input);

    auto by_name = wsl::config::find_user(passwd, name);
    check_entry(by_name);
    if (by_name && by_name->name != name)
        fuzz::broken("find_user returned another name");
    if (by_name) {
        auto by_uid = wsl::config::find_uid(passwd, by_name->uid);
        check_entry(by_uid);
        if (!by_uid || by_uid->uid != by_name->uid)
            fuzz::broken("find_uid misses the uid find_user returned");
    }
    const gid_t primary = by_name ? by_name->gid : 100;
    auto gids = wsl::config::supplementary_groups(group, name, primary);
    if (gids.empty() || gids.front() != primary || gids.size() > wsl::config::kMaxGroups)
        fuzz::broken("supplementary_groups: primary not first, or too many groups");
    auto sorted = gids;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        fuzz::broken("supplementary_groups repeats a gid");
    (void)wsl::config::valid_user_name(name);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        check({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        fuzz::unexpected("the passwd/group readers", e);
    }
    return 0;
}
