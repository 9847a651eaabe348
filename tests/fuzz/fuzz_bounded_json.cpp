// Feeds wsl::exceeds_bounds and wsl::parse_bounded (lib/base/bounded_json.h), the guard in
// front of every JSON text an untrusted peer sends. The text is parsed with the default bounds
// and with small ones taken from the first two bytes (depth 0-31, values 1-256), which the
// remaining bytes must respect.
// A bug: a crash or sanitizer report; an exception other than WslError; a parse that succeeds
// although exceeds_bounds refused the text, or whose value nests deeper than max_depth; a
// parsed value that does not survive dump() and parsing again within the same bounds.
#include <cstdint>
#include <string_view>

#include "base/bounded_json.h"
#include "base/error.h"
#include "common.h"

namespace {

size_t depth_of(const nlohmann::json& j) {
    if (!j.is_structured())
        return 0;
    size_t deepest = 0;
    for (const auto& e : j)
        deepest = std::max(deepest, depth_of(e));
    return deepest + 1;
}

void check(std::string_view text, const wsl::JsonBounds& bounds) {
    const bool refused = !wsl::exceeds_bounds(text, bounds).empty();
    nlohmann::json j;
    try {
        j = wsl::parse_bounded(text, "FUZZ", bounds);
    } catch (const wsl::WslError&) {
        return;
    } catch (const std::exception& e) {
        fuzz::unexpected("parse_bounded", e);
    }
    if (refused)
        fuzz::broken("parse_bounded accepted text that exceeds_bounds refuses");
    // The parser may recurse this deep: the whole point of the bound.
    if (depth_of(j) > bounds.max_depth)
        fuzz::broken("a parsed value nests deeper than max_depth");
    std::string again;
    try {
        again = j.dump();
    } catch (const std::exception& e) {
        fuzz::unexpected("dump of a parsed value", e);
    }
    nlohmann::json back;
    try {
        back = wsl::parse_bounded(again, "FUZZ", bounds);
    } catch (const wsl::WslError&) {
        fuzz::broken("a parsed value, dumped, is refused by the same bounds");
    }
    if (back != j)
        fuzz::broken("a parsed value, dumped and parsed again, differs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2)
        return -1;
    wsl::JsonBounds small;
    small.max_depth = data[0] % 32;
    small.max_values = 1 + data[1];
    std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
    check(text, {});
    check(text, small);
    return 0;
}
