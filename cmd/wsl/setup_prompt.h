#pragma once
#include <optional>
#include <string>
#include <utility>

namespace wsl::cli {

// Asks on the terminal for a new UNIX user name and password (typed twice, not echoed),
// repeating until they are acceptable. nullopt when the user ends input or presses Ctrl-C.
std::optional<std::pair<std::string, std::string>> prompt_account();

} // namespace wsl::cli
