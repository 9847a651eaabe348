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

} // namespace wsl::archive
