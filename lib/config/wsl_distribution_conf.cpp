#include "config/wsl_distribution_conf.h"

#include "config/schema.h"

namespace wsl::config {

DistributionConf parse_distribution_conf(std::string_view text, std::string_view file_name) {
    DistributionConf c;

    const KeySpec keys[] = {
        string_key("oobe.command", c.oobe_command),
        // (uid_t)-1 means "no id" to the kernel, so it is never a valid default.
        int_key("oobe.defaultUid", c.oobe_default_uid, 0, 4294967294LL),
        string_key("oobe.defaultName", c.oobe_default_name),
        ignored_key("shortcut.enabled"),
        string_key("shortcut.icon", c.shortcut_icon),
        ignored_key("windowsterminal.enabled"),
        string_key("windowsterminal.profileTemplate", c.windowsterminal_profile_template),
    };
    parse_with_schema(text, file_name, keys, c.warnings);
    return c;
}

} // namespace wsl::config
