#pragma once
#include <string_view>

namespace wsl {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// The registry is JSON, so every path it stores must be.
bool valid_utf8(std::string_view text);

} // namespace wsl
