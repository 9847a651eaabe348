#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "config/wslconfig.h"

namespace wsl::cli {

// ~/.wslconfig, read once, as the user (never by the service); its warnings go to stderr.
const config::WslConfig& user_settings();

// The part the service wants with a run request ({"idleTimeout", "memory", "processes"}).
nlohmann::json user_config();

// $HOME, or the passwd entry's home.
std::string home_dir();

} // namespace wsl::cli
