#pragma once
#include <string>
#include <string_view>
#include <vector>

// /etc/wsl.conf: per-distro settings, read inside the distro when an instance starts.
namespace wsl::config {

struct WslConf {
    bool automount_enabled = true;
    std::string automount_root = "/mnt/"; // absolute, always ends with exactly one '/'
    std::string automount_options;
    bool automount_mount_fstab = true;

    std::string network_hostname; // empty: keep the default
    bool network_generate_hosts = true;
    bool network_generate_resolv_conf = true;

    bool interop_enabled = true;
    bool interop_append_windows_path = true;

    std::string user_default;
    std::string boot_command;
    bool boot_systemd = false;
    long long boot_init_timeout_ms = 10000;

    std::vector<std::string> warnings;
};

WslConf parse_wsl_conf(std::string_view text, std::string_view file_name = "/etc/wsl.conf");

} // namespace wsl::config
