#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace wsl::archive {

// Where archive work reports what the user should see. Both may be left empty.
struct Events {
    std::function<void(uint64_t bytes)> progress; // bytes read (import) or written (export)
    std::function<void(const std::string&)> warning;
};

// Counts bytes and passes the running total to Events::progress at most every 100 ms.
class ByteMeter {
public:
    explicit ByteMeter(const Events& events) : events_(events) {}
    void add(uint64_t n) {
        total_ += n;
        report(false);
    }
    void report(bool force);
    uint64_t total() const { return total_; }

private:
    const Events& events_;
    uint64_t total_ = 0;
    uint64_t reported_at_ns_ = 0;
};

} // namespace wsl::archive
