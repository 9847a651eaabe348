#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace wsl::cli {

// A one-line progress display on stderr, drawn only when stderr is a terminal, at most every
// 100 ms: bytes, percent and ETA when the total is known, and the rate.
class Progress {
public:
    Progress(std::string label, uint64_t total = 0);
    ~Progress() { clear(); }
    void update(uint64_t bytes);
    void set_total(uint64_t total) { total_ = total; }
    // Erases the line (before other output, and at the end).
    void clear();

private:
    std::string label_;
    uint64_t total_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

std::string human_bytes(double bytes);

} // namespace wsl::cli
