#pragma once
#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace wsl::runtime {

inline constexpr uint32_t kRangeSize = 65536;
inline constexpr uid_t kDefaultUserInside = 1000;

// How a user's distros see ids: inside id N is host id base+N, except that for a non-root
// caller inside 1000 is the caller's own uid/gid (so their files have natural ownership).
struct IdMap {
    uid_t caller_uid = 0;
    gid_t caller_gid = 0;
    uint32_t base = 0;

    std::string uid_map() const;
    std::string gid_map() const;
    uid_t host_uid(uint32_t inside) const;
    gid_t host_gid(uint32_t inside) const;
};

// One "owner:start:count" line of /etc/subuid or /etc/subgid.
struct SubidEntry {
    std::string owner;
    unsigned long start = 0, count = 0;
};
std::vector<SubidEntry> parse_subids(const std::string& file_text);

// Hands out each user's private 65536-id range: the user's /etc/subuid range when it has one
// large enough, else one allocated from a reserved range and recorded in a state file.
class IdAllocator {
public:
    IdAllocator(std::filesystem::path state_file, std::filesystem::path subuid,
                std::filesystem::path subgid);
    IdMap map_for(uid_t uid);
    // True for an id that belongs to some user's distros (a subordinate or reserved id):
    // such a caller is a process inside a distro, not a user of this host.
    bool is_distro_id(uid_t uid);

private:
    std::filesystem::path state_file_, subuid_, subgid_;
    std::mutex mutex_;
    std::map<uid_t, IdMap> known_; // a range never changes once recorded
    std::vector<SubidEntry> subuid_entries_;
    timespec subuid_mtime_{-1, 0};
};

// Start of a "name:start:count" entry with count >= 65536 for the user, or 0 when none.
uint32_t find_subid_range(const std::string& file_text, const std::string& user, uid_t uid);

} // namespace wsl::runtime
