#include "base/log.h"

#include <mutex>

namespace wsl {

namespace {
std::mutex sink_mutex;
std::function<void(const std::string&)>& sink() {
    static std::function<void(const std::string&)> s;
    return s;
}
} // namespace

void set_log_sink(std::function<void(const std::string&)> s) {
    std::lock_guard lock(sink_mutex);
    sink() = std::move(s);
}

void log(const std::string& text) {
    std::lock_guard lock(sink_mutex);
    if (sink())
        sink()(text);
}

} // namespace wsl
