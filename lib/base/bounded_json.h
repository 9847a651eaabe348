#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace wsl {

// Limits on JSON text from an untrusted peer (a client, a worker, a distro's init, a catalog),
// checked by a flat scan before any recursive code (parser, copies, dumps) sees it.
struct JsonBounds {
    size_t max_depth = 32; // nested arrays and objects
    // Values of any kind (counted as containers opened plus commas plus one: an upper bound
    // on elements and members together).
    size_t max_values = 65536;
};

// Parses text as JSON within the bounds. Throws WslError(code, why) when the text nests too
// deep, holds too many values or is not JSON (why: "it nests too deep", ...).
nlohmann::json parse_bounded(std::string_view text, const char* code,
                             const JsonBounds& bounds = {});

// The same check without parsing: an empty view when text is within the bounds, else why not.
// Text that is not JSON may pass; the parser still refuses it.
std::string_view exceeds_bounds(std::string_view text, const JsonBounds& bounds = {});

} // namespace wsl
