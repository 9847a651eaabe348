#include "user_config.h"

#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "render.h"

namespace wsl::cli {

using nlohmann::json;

std::string home_dir() {
    if (const char* h = std::getenv("HOME"); h && *h)
        return h;
    if (passwd* pw = ::getpwuid(::getuid()))
        return pw->pw_dir;
    return {};
}

const config::WslConfig& user_settings() {
    static const config::WslConfig settings = [] {
        std::string path = home_dir() + "/.wslconfig";
        std::ifstream in(path);
        if (!in)
            return config::WslConfig{};
        std::stringstream text;
        text << in.rdbuf();
        config::WslConfig c = config::parse_wslconfig(text.str(), path);
        for (const auto& w : c.warnings)
            print_warning(w);
        return c;
    }();
    return settings;
}

json user_config() {
    const config::WslConfig& c = user_settings();
    json out = {{"idleTimeout", c.instance_idle_timeout_ms}};
    if (c.wsl1_memory)
        out["memory"] = *c.wsl1_memory;
    if (c.wsl1_processes)
        out["processes"] = *c.wsl1_processes;
    return out;
}

} // namespace wsl::cli
