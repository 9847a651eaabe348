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
        // Every other key wsl.exe knows (its configuration sources and documentation): accepted
        // without a warning, and without effect here (listed so in wslconfig(5)). Unknown
        // keys, in these sections too, still warn.
        ignored_key("wsl2.kernelModules"),
        ignored_key("wsl2.earlyBootLogging"),
        ignored_key("wsl2.swapFile"),
        ignored_key("wsl2.localhostForwarding"),
        ignored_key("wsl2.nestedVirtualization"),
        ignored_key("wsl2.virtio9p"),
        ignored_key("wsl2.virtiofs"),
        ignored_key("wsl2.kernelDebugPort"),
        ignored_key("wsl2.gpuSupport"),
        ignored_key("wsl2.guiApplications"),
        ignored_key("wsl2.systemDistro"),
        ignored_key("wsl2.telemetry"),
        ignored_key("wsl2.debugConsoleLogFile"),
        ignored_key("wsl2.kernelBootTimeout"),
        ignored_key("wsl2.distributionStartTimeout"),
        ignored_key("wsl2.virtio"),
        ignored_key("wsl2.hostFileSystemAccess"),
        ignored_key("wsl2.mountDeviceTimeout"),
        ignored_key("wsl2.hardwarePerformanceCounters"),
        ignored_key("wsl2.networkingMode"),
        ignored_key("wsl2.vmSwitch"),
        ignored_key("wsl2.macAddress"),
        ignored_key("wsl2.dhcp"),
        ignored_key("wsl2.dhcpTimeout"),
        ignored_key("wsl2.ipv6"),
        ignored_key("wsl2.dnsProxy"),
        ignored_key("wsl2.safeMode"),
        ignored_key("wsl2.crashDumpFolder"),
        ignored_key("wsl2.maxCrashDumpCount"),
        ignored_key("wsl2.dnsTunneling"),
        ignored_key("wsl2.firewall"),
        ignored_key("wsl2.autoProxy"),
        ignored_key("wsl2.loadKernelModules"),
        ignored_key("wsl2.loadDefaultKernelModules"),
        ignored_key("wsl2.isolateDistroCgroup"),
        ignored_key("wsl2.pageReporting"),
        ignored_key("experimental.networkingMode"),
        ignored_key("experimental.autoMemoryReclaim"),
        ignored_key("experimental.sparseVhd"),
        ignored_key("experimental.dnsTunneling"),
        ignored_key("experimental.bestEffortDnsParsing"),
        ignored_key("experimental.dnsTunnelingIpAddress"),
        ignored_key("experimental.firewall"),
        ignored_key("experimental.autoProxy"),
        ignored_key("experimental.initialAutoProxyTimeout"),
        ignored_key("experimental.ignoredPorts"),
        ignored_key("experimental.hostAddressLoopback"),
        ignored_key("experimental.setVersionDebug"),
        ignored_key("experimental.swiotlb"),
        ignored_key("experimental.virtioFsAggregateShares"),
        ignored_key("experimental.useWindowsDnsCache"),
    };
    parse_with_schema(text, file_name, keys, c.warnings);
    return c;
}

} // namespace wsl::config
