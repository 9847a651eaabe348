#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// ~/.wslconfig: per-user settings, read when the VM or an instance starts.
namespace wsl::config {

struct WslConfig {
    long long instance_idle_timeout_ms = 15000; // [general] instanceIdleTimeout, negative = never
    std::string distribution_install_path;      // [general] distributionInstallPath
    std::string distribution_list_url;        // [general] distributionListUrl: replaces the catalog
    std::string distribution_list_url_append; // [general] distributionListUrlAppend: searched first

    std::optional<unsigned long long> wsl1_memory; // [wsl1] memory: limit of each version 1 distro
    std::optional<long long> wsl1_processes;       // [wsl1] processes (> 0): pids limit of each

    std::string wsl2_kernel;                                 // [wsl2] kernel
    std::string wsl2_kernel_command_line;                    // [wsl2] kernelCommandLine
    std::optional<unsigned long long> wsl2_memory;           // [wsl2] memory (> 0)
    std::optional<unsigned long long> wsl2_swap;             // [wsl2] swap (0 = no swap)
    std::optional<unsigned long long> wsl2_default_vhd_size; // [wsl2] defaultVhdSize (> 0)
    std::optional<long long> wsl2_processors;                // [wsl2] processors (> 0)
    long long wsl2_vm_idle_timeout_ms = 60000; // [wsl2] vmIdleTimeout, negative = never
    bool wsl2_debug_console = false;           // [wsl2] debugConsole

    std::vector<std::string> warnings;
};

WslConfig parse_wslconfig(std::string_view text, std::string_view file_name);

} // namespace wsl::config
