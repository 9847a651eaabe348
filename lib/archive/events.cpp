#include "archive/events.h"

#include <time.h>

namespace wsl::archive {

void ByteMeter::report(bool force) {
    if (!events_.progress)
        return;
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = uint64_t(ts.tv_sec) * 1000000000 + uint64_t(ts.tv_nsec);
    if (force || now - reported_at_ns_ >= 100000000) {
        reported_at_ns_ = now;
        events_.progress(total_);
    }
}

} // namespace wsl::archive
