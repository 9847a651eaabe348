// Feeds WSLENV handling (lib/config/wslenv.h) what a caller controls: the WSLENV list and the
// values of the variables it names, as the client reads them and init takes them in.
// Input: records separated by 0x1e; the first is WSLENV, each other "NAME=value" (a value may
// hold NUL bytes, as a hostile client's JSON can). A bug: a crash or sanitizer report; an
// entry with a bad name, a repeat or more than kMaxWslenvNames entries; a variable added twice
// or over an existing one, with a bad name, a NUL, or beyond the byte budget; a translated
// path outside the host root.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"
#include "config/wslenv.h"

namespace {

bool good_name(std::string_view n) {
    if (n.empty() || n.size() > 255 || (n[0] >= '0' && n[0] <= '9'))
        return false;
    for (char c : n)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> records;
    for (size_t start = 0; start <= text.size() && records.size() < 512;) {
        size_t end = std::min(text.find('\x1e', start), text.size());
        records.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::string_view list = records[0];

    std::vector<std::string> skipped;
    auto entries = wsl::config::parse_wslenv(list, &skipped);
    if (entries.size() > wsl::config::kMaxWslenvNames ||
        skipped.size() > wsl::config::kMaxWslenvNames)
        fuzz::broken("parse_wslenv returned more than kMaxWslenvNames entries");
    std::set<std::string> names;
    for (const auto& e : entries) {
        if (!good_name(e.name))
            fuzz::broken("parse_wslenv passed a bad name");
        if (!names.insert(e.name).second)
            fuzz::broken("parse_wslenv passed a name twice");
        if (e.mode != 0 && e.mode != 'p' && e.mode != 'l')
            fuzz::broken("parse_wslenv gave an unknown mode");
    }

    std::map<std::string, std::string> host = {{"WSLENV", std::string(list)}};
    for (size_t i = 1; i < records.size(); ++i) {
        size_t eq = records[i].find('=');
        if (eq != std::string_view::npos)
            host[std::string(records[i].substr(0, eq))] = records[i].substr(eq + 1);
    }
    for (const std::string root : {"/mnt/host", ""}) {
        for (const auto& [name, value] : host)
            for (char mode : {'p', 'l'})
                if (auto t = wsl::config::translate_host_paths(value, mode, root)) {
                    if (root.empty())
                        fuzz::broken("a path was translated with no host root");
                    if (!t->empty() && !t->starts_with(root))
                        fuzz::broken("a translated path is outside the host root");
                }
        std::vector<std::string> env = {"HOME=/root", "PATH=/usr/bin", "USER=root"};
        const size_t init_vars = env.size();
        wsl::config::add_wslenv(env, host, root);
        size_t bytes = 0;
        std::set<std::string> seen = {"HOME", "PATH", "USER"};
        for (size_t i = init_vars; i < env.size(); ++i) {
            const std::string& v = env[i];
            std::string name = v.substr(0, v.find('='));
            if (v.find('=') == std::string::npos || !good_name(name))
                fuzz::broken("add_wslenv added a variable with a bad name");
            if (!seen.insert(name).second)
                fuzz::broken("add_wslenv set a variable twice or over one init sets");
            if (v.find('\0') != std::string::npos)
                fuzz::broken("add_wslenv added a NUL");
            bytes += v.size();
        }
        if (bytes > wsl::config::kMaxWslenvBytes + 7) // + "WSLENV="
            fuzz::broken("add_wslenv went over its byte budget");
        if (env[0] != "HOME=/root" || env[1] != "PATH=/usr/bin" || env[2] != "USER=root")
            fuzz::broken("add_wslenv changed a variable init set");
    }
    return 0;
}
