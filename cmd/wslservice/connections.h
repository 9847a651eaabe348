#pragma once
#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>

namespace wsl {

// What one local user may hold of the service at once, so that no user can starve another.
// Documented in wslservice(8), LIMITS.
struct ServiceLimits {
    int connections_per_user = 64;                // open connections (each is one request)
    int connections = 1024;                       // open connections of all users together
    std::chrono::milliseconds first_frame{10000}; // a new connection must send its request
    unsigned long open_files = 65536;             // RLIMIT_NOFILE the service raises itself to
};

// Open connections per calling uid. The accept loop admits; each connection releases.
class Connections {
public:
    explicit Connections(const ServiceLimits& limits) : limits_(limits) {}
    enum class Verdict { Admitted, UserFull, ServiceFull };
    Verdict admit(uid_t uid);
    void release(uid_t uid);
    int total() const;

private:
    const ServiceLimits& limits_;
    mutable std::mutex m_;
    std::map<uid_t, int> per_user_;
    int total_ = 0;
};

// At most `burst` log lines per uid, refilled at `per_second`; what was dropped is counted
// and reported with the next line that passes. A flood of requests cannot fill the disk
// through the service's log.
class LogLimiter {
public:
    LogLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
    // True when a line for uid may be written now; *dropped tells how many were held back
    // since the last one that passed.
    bool allow(uid_t uid, unsigned long* dropped);

private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point at;
        unsigned long dropped = 0;
    };
    double rate_, burst_;
    std::mutex m_;
    std::map<uid_t, Bucket> buckets_;
};

} // namespace wsl
