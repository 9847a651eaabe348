#include "runtime/limits.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace wsl::runtime {

namespace {

std::optional<uint64_t> number(const std::string& word) {
    if (word.empty() || word.find_first_not_of("0123456789") != std::string::npos ||
        word.size() > 18)
        return std::nullopt; // "unlimited" included
    return std::stoull(word);
}

uint64_t read_number(const char* path, uint64_t fallback) {
    std::ifstream in(path);
    std::string word;
    in >> word;
    return number(word).value_or(fallback);
}

} // namespace

// The real uid of a process, from /proc/PID/status.
std::optional<uid_t> real_uid(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Uid:", 0) == 0) {
            std::istringstream words(line.substr(4));
            std::string uid;
            words >> uid;
            if (auto n = number(uid))
                return static_cast<uid_t>(*n);
        }
    return std::nullopt;
}

NprocLimit nproc_of(pid_t pid, uid_t uid) {
    NprocLimit out;
    std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Max processes", 0) != 0)
            continue;
        std::istringstream words(line.substr(13));
        std::string soft, hard;
        words >> soft >> hard;
        out = {true, number(soft), number(hard)};
    }
    // Read after the limits: a pid reused by somebody else's process lends nothing.
    if (out.known && real_uid(pid) != uid)
        return {};
    return out;
}

uint64_t task_space() {
    return std::min(read_number("/proc/sys/kernel/pid_max", 32768),
                    read_number("/proc/sys/kernel/threads-max", 32768));
}

uint64_t distro_process_limit(const NprocLimit& caller, std::optional<int64_t> requested,
                              uint64_t task_space) {
    uint64_t share = std::max<uint64_t>(task_space * 15 / 100, 64);
    std::optional<uint64_t> soft = caller.known ? caller.soft : share;
    std::optional<uint64_t> hard = caller.known ? caller.hard : share;
    uint64_t limit = soft ? std::min(*soft, share) : share;
    if (requested && *requested > 0) {
        auto want = static_cast<uint64_t>(*requested);
        limit = hard ? std::min(want, *hard) : want;
    }
    return std::max<uint64_t>(limit, 1);
}

} // namespace wsl::runtime
