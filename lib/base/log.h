#pragma once
#include <functional>
#include <string>

namespace wsl {

// Where library code reports what an operator should know (crash repair, failed clean-ups).
// The daemon installs its log; by default messages are dropped: lib/ never writes to a
// terminal itself.
void set_log_sink(std::function<void(const std::string&)> sink);
void log(const std::string& text);

} // namespace wsl
