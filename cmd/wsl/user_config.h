#pragma once
#include <nlohmann/json.hpp>

namespace wsl::cli {

// ~/.wslconfig as the service wants it ({"idleTimeout", "memory", "processes"}); its
// warnings go to stderr. Read here, as the user, never by the service.
nlohmann::json user_config();

} // namespace wsl::cli
