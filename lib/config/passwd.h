#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading a distro's /etc/passwd and /etc/group. The text comes from the distro and is
// untrusted: malformed lines are skipped, nothing here throws on bad input.
namespace wsl::config {

struct PasswdEntry {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string shell;
};

// First line whose name matches exactly.
std::optional<PasswdEntry> find_user(std::string_view passwd_text, std::string_view name);
// First line with this uid.
std::optional<PasswdEntry> find_uid(std::string_view passwd_text, uid_t uid);
// `primary` first, then the gid of every group in group_text whose member list names `user`;
// no duplicates, at most kMaxGroups entries.
inline constexpr std::size_t kMaxGroups = 64;
std::vector<gid_t> supplementary_groups(std::string_view group_text, std::string_view user,
                                        gid_t primary);

// A name a first-run setup may create: [a-z_][a-z0-9_-]{0,31}, Debian's default NAME_REGEX.
bool valid_user_name(std::string_view name);

} // namespace wsl::config
