#include "progress.h"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

namespace wsl::cli {

using clock = std::chrono::steady_clock;

std::string human_bytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} {}", b, units[u]) : fmt::format("{:.1f} {}", b, units[u]);
}

namespace {
// Ctrl-C while the line is drawn: erase it, then die of the signal as usual (the service sees
// the hang-up and cancels the operation).
void erase_and_die(int sig) {
    static const char erase[] = "\r\033[K";
    [[maybe_unused]] ssize_t n = ::write(2, erase, sizeof erase - 1);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}
} // namespace

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(2) == 1), start_(clock::now()),
      last_() {
    if (enabled_) {
        ::signal(SIGINT, erase_and_die);
        ::signal(SIGTERM, erase_and_die);
    }
}

void Progress::update(uint64_t bytes) {
    if (!enabled_)
        return;
    auto now = clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100))
        return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0.05 ? bytes / secs : 0;
    std::string line = label_ + ": ";
    if (total_ > 0) {
        double pct = std::min(100.0, 100.0 * bytes / total_);
        line += fmt::format("{:5.1f}% ({} / {})", pct, human_bytes(bytes), human_bytes(total_));
    } else {
        line += human_bytes(bytes);
    }
    if (rate > 0) {
        line += fmt::format(", {}/s", human_bytes(rate));
        if (total_ > bytes)
            line += fmt::format(", ETA {:.0f}s", (total_ - bytes) / rate);
    }
    fmt::print(stderr, "\r\033[K{}", line);
    drawn_ = true;
}

void Progress::clear() {
    if (drawn_)
        fmt::print(stderr, "\r\033[K");
    drawn_ = false;
}

} // namespace wsl::cli
