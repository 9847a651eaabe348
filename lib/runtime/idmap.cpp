#include "runtime/idmap.h"

#include <pwd.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/error.h"

namespace wsl::runtime {

namespace {
// Allocated ranges start here, far above ids that distributions, sssd or subuid tools hand out.
constexpr uint64_t kReservedStart = 1000000000;

std::string map_text(uint32_t caller, uint32_t base, bool root_caller) {
    if (root_caller)
        return fmt::format("0 {} {}\n", base, kRangeSize);
    return fmt::format("0 {} {}\n{} {} 1\n{} {} {}\n", base, kDefaultUserInside, kDefaultUserInside,
                       caller, kDefaultUserInside + 1, base + kDefaultUserInside + 1,
                       kRangeSize - kDefaultUserInside - 1);
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
} // namespace

std::string IdMap::uid_map() const {
    return map_text(caller_uid, base, caller_uid == 0);
}
std::string IdMap::gid_map() const {
    return map_text(caller_gid, base, caller_uid == 0);
}

uid_t IdMap::host_uid(uint32_t inside) const {
    if (caller_uid != 0 && inside == kDefaultUserInside)
        return caller_uid;
    return base + inside;
}

gid_t IdMap::host_gid(uint32_t inside) const {
    if (caller_uid != 0 && inside == kDefaultUserInside)
        return caller_gid;
    return base + inside;
}

std::vector<SubidEntry> parse_subids(const std::string& text) {
    std::vector<SubidEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto a = line.find(':');
        auto b = line.find(':', a == std::string::npos ? a : a + 1);
        if (a == std::string::npos || b == std::string::npos)
            continue;
        try {
            out.push_back({line.substr(0, a), std::stoul(line.substr(a + 1, b - a - 1)),
                           std::stoul(line.substr(b + 1))});
        } catch (const std::exception&) {
        }
    }
    return out;
}

uint32_t find_subid_range(const std::string& text, const std::string& user, uid_t uid) {
    for (const auto& e : parse_subids(text))
        if ((e.owner == user || e.owner == std::to_string(uid)) && e.count >= kRangeSize &&
            e.start > 0 && e.start + kRangeSize <= 0xFFFFFFFFul)
            return static_cast<uint32_t>(e.start);
    return 0;
}

IdAllocator::IdAllocator(std::filesystem::path state_file, std::filesystem::path subuid,
                         std::filesystem::path subgid)
    : state_file_(std::move(state_file)), subuid_(std::move(subuid)), subgid_(std::move(subgid)) {}

IdMap IdAllocator::map_for(uid_t uid) {
    std::lock_guard lock(mutex_);
    if (auto it = known_.find(uid); it != known_.end())
        return it->second;
    IdMap m;
    m.caller_uid = uid;
    passwd pw{}, *res = nullptr;
    char buf[4096];
    std::string user;
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) {
        user = pw.pw_name;
        m.caller_gid = pw.pw_gid;
    } else {
        m.caller_gid = uid;
    }

    nlohmann::json recorded = nlohmann::json::object();
    std::string text = read_text(state_file_);
    if (!text.empty()) {
        recorded = nlohmann::json::parse(text, nullptr, false);
        if (!recorded.is_object())
            fail("WSL_E_REGISTRY_CORRUPTED",
                 "The id map file " + state_file_.string() + " is corrupted.");
    }
    const std::string key = std::to_string(uid);
    if (recorded.contains(key) && recorded[key].is_number_unsigned()) {
        m.base = recorded[key].get<uint32_t>();
        return known_[uid] = m;
    }
    // A user's own subordinate range is used only when uid and gid ranges agree.
    uint32_t sub = find_subid_range(read_text(subuid_), user, uid);
    if (sub && sub == find_subid_range(read_text(subgid_), user, uid)) {
        m.base = sub;
    } else {
        uint64_t next = kReservedStart;
        for (auto& [k, v] : recorded.items())
            if (v.is_number_unsigned() && v.get<uint64_t>() >= next)
                next = v.get<uint64_t>() + kRangeSize;
        if (next + kRangeSize > 0xFFFFFFF0ull)
            fail("WSL_E_IDMAP_EXHAUSTED", "No free id range is left for a new user.");
        m.base = static_cast<uint32_t>(next);
    }
    recorded[key] = m.base;
    write_atomically(state_file_, recorded.dump(2) + "\n");
    return known_[uid] = m;
}

bool IdAllocator::is_distro_id(uid_t uid) {
    if (uid >= kReservedStart)
        return true;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [owner, m] : known_)
            if (uid >= m.base && uid - m.base < kRangeSize)
                return true;
    }
    // Checked on every request: /etc/subuid is parsed again only when it changes.
    struct stat st {};
    ::stat(subuid_.c_str(), &st);
    std::lock_guard lock(mutex_);
    if (st.st_mtim.tv_sec != subuid_mtime_.tv_sec || st.st_mtim.tv_nsec != subuid_mtime_.tv_nsec) {
        subuid_entries_ = parse_subids(read_text(subuid_));
        subuid_mtime_ = st.st_mtim;
    }
    for (const auto& e : subuid_entries_)
        if (uid >= e.start && uid - e.start < e.count)
            return true;
    return false;
}

} // namespace wsl::runtime
