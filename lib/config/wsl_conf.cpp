#include "config/wsl_conf.h"

#include "config/schema.h"

namespace wsl::config {
namespace {

bool set_root(std::string_view v, std::string& target) {
    if (v.empty() || v.front() != '/')
        return false;
    while (v.size() > 1 && v.back() == '/')
        v.remove_suffix(1);
    target.assign(v);
    if (target != "/")
        target += '/';
    return true;
}

bool valid_hostname(std::string_view v) {
    if (v.empty() || v.size() > 64)
        return false;
    for (char c : v) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '.' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace

WslConf parse_wsl_conf(std::string_view text, std::string_view file_name) {
    WslConf c;

    const KeySpec keys[] = {
        bool_key("automount.enabled", c.automount_enabled),
        {"automount.root", KeyType::String,
         [&c](const Value& v) {
             return set_root(std::get<std::string_view>(v), c.automount_root);
         }},
        string_key("automount.options", c.automount_options),
        bool_key("automount.mountFsTab", c.automount_mount_fstab),
        {"network.hostname", KeyType::String,
         [&c](const Value& v) {
             auto s = std::get<std::string_view>(v);
             if (!valid_hostname(s))
                 return false;
             c.network_hostname = s;
             return true;
         }},
        bool_key("network.generateHosts", c.network_generate_hosts),
        bool_key("network.generateResolvConf", c.network_generate_resolv_conf),
        bool_key("interop.enabled", c.interop_enabled),
        bool_key("interop.appendWindowsPath", c.interop_append_windows_path),
        string_key("user.default", c.user_default),
        string_key("boot.command", c.boot_command),
        bool_key("boot.systemd", c.boot_systemd),
        int_key("boot.initTimeout", c.boot_init_timeout_ms, 0),
        // Real WSL keys with no meaning here: accepted so shared wsl.conf files stay quiet.
        ignored_key("automount.ldconfig"),
        ignored_key("boot.protectBinfmt"),
        ignored_key("gpu.enabled"),
        ignored_key("time.useWindowsTimezone"),
    };
    parse_with_schema(text, file_name, keys, c.warnings);
    return c;
}

} // namespace wsl::config
