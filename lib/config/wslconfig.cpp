#include "config/wslconfig.h"

#include "config/schema.h"

namespace wsl::config {

WslConfig parse_wslconfig(std::string_view text, std::string_view file_name) {
    WslConfig c;

    const KeySpec keys[] = {
        int_key("general.instanceIdleTimeout", c.instance_idle_timeout_ms),
        string_key("general.distributionInstallPath", c.distribution_install_path),
        string_key("general.distributionListUrl", c.distribution_list_url),
        string_key("general.distributionListUrlAppend", c.distribution_list_url_append),
        size_key("wsl1.memory", c.wsl1_memory, 1),
        int_key("wsl1.processes", c.wsl1_processes, 1),
        string_key("wsl2.kernel", c.wsl2_kernel),
        string_key("wsl2.kernelCommandLine", c.wsl2_kernel_command_line),
        size_key("wsl2.memory", c.wsl2_memory, 1),
        size_key("wsl2.swap", c.wsl2_swap),
        size_key("wsl2.defaultVhdSize", c.wsl2_default_vhd_size, 1),
        int_key("wsl2.processors", c.wsl2_processors, 1),
        int_key("wsl2.vmIdleTimeout", c.wsl2_vm_idle_timeout_ms),
        bool_key("wsl2.debugConsole", c.wsl2_debug_console),
        // Documented WSL keys that have no counterpart here.
        ignored_key("wsl2.localhostForwarding"),
        ignored_key("wsl2.nestedVirtualization"),
        ignored_key("wsl2.guiApplications"),
        ignored_key("wsl2.networkingMode"),
        ignored_key("wsl2.firewall"),
        ignored_key("wsl2.dnsTunneling"),
        ignored_key("wsl2.autoProxy"),
        ignored_key("wsl2.pageReporting"),
        ignored_key("wsl2.safeMode"),
        ignored_key("wsl2.swapFile"),
        ignored_key("wsl2.kernelModules"),
        ignored_key("experimental.*"),
    };
    parse_with_schema(text, file_name, keys, c.warnings);
    return c;
}

} // namespace wsl::config
