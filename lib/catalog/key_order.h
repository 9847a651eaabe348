#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace wsl::catalog {

// The keys of the object at top-level key `member` of the JSON object in `text`, in the order
// the text gives them (each once, at its first place; of a repeated `member`, the last one, as
// the parser keeps it). A SAX pass, linear in the text: nlohmann's ordered_json looks each key
// up linearly, which a hostile list with a million keys would make quadratic. Call it on text
// that parses; on other text it returns what it saw.
std::vector<std::string> member_key_order(std::string_view text, std::string_view member);

} // namespace wsl::catalog
