#pragma once
#include <string>

namespace wsl::cli {

// `wsl --help`: every argument.
std::string usage_text();

// `wsl VERB --help`: one verb (canonical spelling, e.g. "--list"), or "" when it has none.
std::string verb_help(const std::string& verb);

} // namespace wsl::cli
