#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "args.h"

namespace wsl::cli {

// Text of `wsl -l` in its variants, from the service's list result. Returns false (and sets
// error) when wsl.exe would fail: no distributions, or none running.
bool render_list(const Invocation& inv, const nlohmann::json& result, std::string& out,
                 std::string& error);

// `wsl -l --format json`: the same rows as the text form, every field (schema in wsl(1)).
std::string render_list_json(const Invocation& inv, const nlohmann::json& result);

// One JSON object, pretty-printed, with a final newline; bytes that are not UTF-8 (a path)
// become U+FFFD rather than failing.
std::string render_json(const nlohmann::json& value);

// A context that starts with '/' is the client's own, as wsl.exe's client-side contexts
// (`/InstallDistro` → `Wsl/InstallDistro/CODE`; kClientContext alone → `Wsl/CODE`); any other
// context came from the service (`Wsl/Service/<context>/CODE`).
inline constexpr const char* kClientContext = "/";

// wsl.exe's error form: the message, then `Error code: Wsl/<path>/<code>`. A distribution not
// found by name is `Wsl/Service/WSL_E_DISTRO_NOT_FOUND` whatever the operation: wsl.exe looks
// the name up through the service before it starts one.
std::string render_error(const std::string& message, const std::string& context,
                         const std::string& code);

// "wsl: <text>" on stderr, unless WSL_DISABLE_WARNINGS=1.
void print_warning(const std::string& text);

} // namespace wsl::cli
