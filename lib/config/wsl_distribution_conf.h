#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// /etc/wsl-distribution.conf: shipped inside a .wsl rootfs by the distro's maintainers.
namespace wsl::config {

struct DistributionConf {
    std::string oobe_command;                  // [oobe] command: run once as root before first use
    std::optional<long long> oobe_default_uid; // [oobe] defaultUid: 0..4294967294
    std::string oobe_default_name;             // [oobe] defaultName: name when none is given
    std::string shortcut_icon;                 // [shortcut] icon
    std::string windowsterminal_profile_template; // [windowsterminal] profileTemplate
    std::vector<std::string> warnings;
};

DistributionConf parse_distribution_conf(std::string_view text,
                                         std::string_view file_name = "/etc/wsl-distribution.conf");

} // namespace wsl::config
