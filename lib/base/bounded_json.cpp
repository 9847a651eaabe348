#include "base/bounded_json.h"

#include "base/error.h"

namespace wsl {

std::string_view exceeds_bounds(std::string_view text, const JsonBounds& bounds) {
    size_t depth = 0, values = 1;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '[':
        case '{':
            if (++depth > bounds.max_depth)
                return "it nests too deep";
            // A container's first element needs no comma: count it here.
            if (++values > bounds.max_values)
                return "it holds too many values";
            break;
        case ']':
        case '}':
            if (depth > 0)
                --depth;
            break;
        case ',':
            if (++values > bounds.max_values)
                return "it holds too many values";
            break;
        default:
            break;
        }
    }
    return {};
}

nlohmann::json parse_bounded(std::string_view text, const char* code, const JsonBounds& bounds) {
    if (auto why = exceeds_bounds(text, bounds); !why.empty())
        fail(code, std::string(why));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded())
        fail(code, "it is not JSON");
    return j;
}

} // namespace wsl
