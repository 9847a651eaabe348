// Feeds the one INI dialect (lib/config/ini.h) through all three of its files: /etc/wsl.conf
// and /etc/wsl-distribution.conf (both from inside a distro, so hostile) and ~/.wslconfig,
// plus the value parsers (parse_bool, parse_int, parse_size) on every value found.
// A bug: a crash or sanitizer report; any exception (the parsers promise never to throw on bad
// input); a result outside the documented ranges (automount.root absolute with exactly one
// trailing '/', oobe.defaultUid 0..4294967294, the "> 0" keys of .wslconfig); an entry whose
// section or key is not lower-case.
#include <cstdint>
#include <string_view>

#include "common.h"
#include "config/ini.h"
#include "config/wsl_conf.h"
#include "config/wsl_distribution_conf.h"
#include "config/wslconfig.h"

namespace {

bool lower_case(const std::string& s) {
    for (char c : s)
        if (c >= 'A' && c <= 'Z')
            return false;
    return true;
}

void check(std::string_view text) {
    auto ini = wsl::config::parse_ini(text, "fuzz.ini");
    for (const auto& e : ini.entries) {
        if (!lower_case(e.section) || !lower_case(e.key) || e.line <= 0)
            fuzz::broken("an INI entry with an upper-case name or no line number");
        (void)wsl::config::parse_bool(e.value);
        (void)wsl::config::parse_int(e.value);
        (void)wsl::config::parse_size(e.value);
    }

    auto conf = wsl::config::parse_wsl_conf(text);
    const std::string& root = conf.automount_root;
    if (root.empty() || root.front() != '/' || root.back() != '/' ||
        (root.size() > 1 && root[root.size() - 2] == '/'))
        fuzz::broken("automount.root is not absolute with exactly one trailing '/'");
    if (conf.boot_init_timeout_ms < 0)
        fuzz::broken("boot.initTimeout below its minimum of 0");

    auto dist = wsl::config::parse_distribution_conf(text);
    if (dist.oobe_default_uid &&
        (*dist.oobe_default_uid < 0 || *dist.oobe_default_uid > 4294967294LL))
        fuzz::broken("oobe.defaultUid out of 0..4294967294");

    auto user = wsl::config::parse_wslconfig(text, "fuzz/.wslconfig");
    if ((user.wsl1_memory && *user.wsl1_memory == 0) ||
        (user.wsl1_processes && *user.wsl1_processes < 1) ||
        (user.wsl2_memory && *user.wsl2_memory == 0) ||
        (user.wsl2_default_vhd_size && *user.wsl2_default_vhd_size == 0) ||
        (user.wsl2_processors && *user.wsl2_processors < 1))
        fuzz::broken("a .wslconfig size or count below its minimum");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        check({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        fuzz::unexpected("the INI parsers", e);
    }
    return 0;
}
