#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/ini.h"
#include "config/passwd.h"
#include "config/schema.h"
#include "config/wsl_conf.h"
#include "config/wsl_distribution_conf.h"
#include "config/wslconfig.h"

using namespace wsl::config;

namespace {
using Strings = std::vector<std::string>;
}

// ---- INI dialect ----

TEST_CASE("ini: sections, keys and values") {
    auto ini = parse_ini("[Boot]\nCommand = echo hi\n\n[network]\nhostname=box\n", "f");
    CHECK(ini.warnings.empty());
    REQUIRE(ini.entries.size() == 2);
    CHECK(ini.entries[0].section == "boot");
    CHECK(ini.entries[0].key == "command");
    CHECK(ini.entries[0].value == "echo hi");
    CHECK(ini.entries[0].line == 2);
    CHECK(ini.entries[1].section == "network");
    CHECK(ini.entries[1].key == "hostname");
    CHECK(ini.entries[1].value == "box");
    CHECK(ini.entries[1].line == 5);
}

TEST_CASE("ini: comments") {
    auto ini = parse_ini("# top\n; also\n[a] # after header\n  # indented\n"
                         "x = 1 # trailing\ny = 2 ; trailing\nz = a#b\nw = a;b\nv = # only\n",
                         "f");
    CHECK(ini.warnings.empty());
    REQUIRE(ini.entries.size() == 5);
    CHECK(ini.entries[0].value == "1");
    CHECK(ini.entries[1].value == "2");
    CHECK(ini.entries[2].value == "a#b"); // no whitespace before '#': part of the value
    CHECK(ini.entries[3].value == "a;b");
    CHECK(ini.entries[4].value == "");
}

TEST_CASE("ini: quoted values") {
    auto ini = parse_ini("[a]\nx = \"metadata,umask=22 # not a comment\"\n"
                         "y = \"  padded  \" # comment\nz = \"\"\nq=\"v\";c\n",
                         "f");
    CHECK(ini.warnings.empty());
    REQUIRE(ini.entries.size() == 4);
    CHECK(ini.entries[0].value == "metadata,umask=22 # not a comment");
    CHECK(ini.entries[1].value == "  padded  ");
    CHECK(ini.entries[2].value == "");
    CHECK(ini.entries[3].value == "v");
}

TEST_CASE("ini: bad quoting warns and skips the line") {
    auto ini = parse_ini("[a]\nx = \"open\ny = \"a\" b\nz = ok\n", "f");
    CHECK(ini.warnings ==
          Strings{"Unterminated quoted value in f:2", "Unexpected text after quoted value in f:3"});
    REQUIRE(ini.entries.size() == 1);
    CHECK(ini.entries[0].key == "z");
}

TEST_CASE("ini: value may contain '='") {
    auto ini = parse_ini("[automount]\noptions = metadata,uid=1000\n", "f");
    REQUIRE(ini.entries.size() == 1);
    CHECK(ini.entries[0].value == "metadata,uid=1000");
}

TEST_CASE("ini: CRLF and BOM") {
    auto ini = parse_ini("\xEF\xBB\xBF[a]\r\nx = 1\r\ny = \"q\"\r\nbad\r\n", "f");
    CHECK(ini.warnings == Strings{"Expected ' = ' in f:4"});
    REQUIRE(ini.entries.size() == 2);
    CHECK(ini.entries[0].section == "a");
    CHECK(ini.entries[0].value == "1");
    CHECK(ini.entries[1].value == "q");
}

TEST_CASE("ini: last line without newline") {
    auto ini = parse_ini("[a]\nx = 1", "f");
    REQUIRE(ini.entries.size() == 1);
    CHECK(ini.entries[0].value == "1");
}

TEST_CASE("ini: malformed lines warn with their line number") {
    auto ini = parse_ini("x = 1\n[a]\nnoequals\n= 3\nbad key = 4\n[b c]\ny = 5\n[\n[]\n[d\n"
                         "[e] junk\n[ok]\nz = 6\n",
                         "/etc/wsl.conf");
    CHECK(ini.warnings == Strings{
                              "Key outside of a section in /etc/wsl.conf:1",
                              "Expected ' = ' in /etc/wsl.conf:3",
                              "Invalid key name in /etc/wsl.conf:4",
                              "Invalid key name in /etc/wsl.conf:5",
                              "Invalid section name in /etc/wsl.conf:6",
                              "Invalid section name in /etc/wsl.conf:8",
                              "Invalid section name in /etc/wsl.conf:9",
                              "Invalid section name in /etc/wsl.conf:10",
                              "Invalid section name in /etc/wsl.conf:11",
                          });
    // y under the broken header is dropped rather than attributed to [a].
    REQUIRE(ini.entries.size() == 1);
    CHECK(ini.entries[0].section == "ok");
    CHECK(ini.entries[0].key == "z");
    CHECK(ini.entries[0].line == 13);
}

TEST_CASE("ini: NUL bytes and overlong lines are skipped") {
    std::string text = "[a]\nx = a";
    text += '\0';
    text += "b\ny = " + std::string(5000, 'v') + "\nz = 1\n";
    auto ini = parse_ini(text, "f");
    CHECK(ini.warnings == Strings{"Invalid NUL byte in f:2", "Line too long in f:3"});
    REQUIRE(ini.entries.size() == 1);
    CHECK(ini.entries[0].key == "z");
    CHECK(ini.entries[0].line == 4);

    // 4096 bytes exactly is fine, CR excluded.
    std::string edge = "[a]\nk=" + std::string(4094, 'v') + "\r\n";
    auto ok = parse_ini(edge, "f");
    CHECK(ok.warnings.empty());
    CHECK(ok.entries.size() == 1);
}

TEST_CASE("ini: empty and whitespace-only input") {
    CHECK(parse_ini("", "f").entries.empty());
    CHECK(parse_ini("", "f").warnings.empty());
    CHECK(parse_ini("\n\n  \t\n", "f").warnings.empty());
}

TEST_CASE("parse_bool") {
    for (const char* t : {"true", "TRUE", "True", "1", "yes", "YES", "on", "On"})
        CHECK(parse_bool(t) == true);
    for (const char* f : {"false", "False", "0", "no", "NO", "off", "OFF"})
        CHECK(parse_bool(f) == false);
    for (const char* bad : {"", "2", "tru", "truex", " true", "y", "enabled"})
        CHECK_FALSE(parse_bool(bad).has_value());
}

TEST_CASE("parse_int") {
    CHECK(parse_int("0") == 0);
    CHECK(parse_int("42") == 42);
    CHECK(parse_int("+42") == 42);
    CHECK(parse_int("-1") == -1);
    CHECK(parse_int("007") == 7);
    CHECK(parse_int("9223372036854775807") == 9223372036854775807LL);
    CHECK(parse_int("-9223372036854775808") == (-9223372036854775807LL - 1));
    for (const char* bad : {"", "+", "-", "9223372036854775808", "-9223372036854775809",
                            "99999999999999999999999", "1.5", "12a", " 1", "1 ", "0x10", "+-1"})
        CHECK_FALSE(parse_int(bad).has_value());
}

TEST_CASE("parse_size") {
    CHECK(parse_size("0") == 0u);
    CHECK(parse_size("512") == 512u);
    CHECK(parse_size("512B") == 512u);
    CHECK(parse_size("1K") == 1024u);
    CHECK(parse_size("1kb") == 1024u);
    CHECK(parse_size("4M") == 4ull << 20);
    CHECK(parse_size("4mB") == 4ull << 20);
    CHECK(parse_size("8GB") == 8ull << 30);
    CHECK(parse_size("8g") == 8ull << 30);
    CHECK(parse_size("1TB") == 1ull << 40);
    CHECK(parse_size("1t") == 1ull << 40);
    CHECK(parse_size("16777215TB") == 16777215ull << 40);
    for (const char* bad : {"", "GB", "-1", "+1", "1.5GB", "1 GB", "1PB", "1KiB", "1GBB",
                            "16777216TB", "18446744073709551616", "99999999999999999999999"})
        CHECK_FALSE(parse_size(bad).has_value());
}

// ---- schema ----

TEST_CASE("schema: unknown keys, invalid values, duplicates") {
    bool flag = false;
    long long n = 5;
    std::optional<unsigned long long> size;
    std::string s;
    const KeySpec keys[] = {bool_key("a.Flag", flag), int_key("a.n", n, 0, 10),
                            size_key("a.size", size), string_key("b.s", s), ignored_key("c.*")};
    auto ini = parse_ini("[A]\nFLAG = yes\nN = 11\nnope = 1\nsize = 2x\nsize = 1K\nsize = 2K\n"
                         "[b]\ns = one\ns = two\n[c]\nanything = at all\n[d]\ne = 1\n",
                         "cfg");
    std::vector<std::string> warnings;
    apply_schema(ini, keys, "cfg", warnings);
    CHECK(warnings == Strings{
                          "Invalid value '11' for key 'A.N' in cfg:3", // as the file spells it
                          "Unknown key 'A.nope' in cfg:4",
                          "Invalid value '2x' for key 'A.size' in cfg:5",
                          "Unknown key 'd.e' in cfg:14",
                      });
    CHECK(flag);
    CHECK(n == 5); // out of range keeps the default
    CHECK(size == 2048u);
    CHECK(s == "two");
}

TEST_CASE("schema: a later invalid duplicate leaves the earlier valid value") {
    bool flag = false;
    const KeySpec keys[] = {bool_key("a.flag", flag)};
    auto ini = parse_ini("[a]\nflag = true\nflag = maybe\n", "cfg");
    std::vector<std::string> warnings;
    apply_schema(ini, keys, "cfg", warnings);
    CHECK(flag);
    CHECK(warnings == Strings{"Invalid value 'maybe' for key 'a.flag' in cfg:3"});
}

// ---- /etc/wsl.conf ----

TEST_CASE("wsl.conf: defaults") {
    auto c = parse_wsl_conf("");
    CHECK(c.automount_enabled);
    CHECK(c.automount_root == "/mnt/");
    CHECK(c.automount_options.empty());
    CHECK(c.automount_mount_fstab);
    CHECK(c.network_hostname.empty());
    CHECK(c.network_generate_hosts);
    CHECK(c.network_generate_resolv_conf);
    CHECK(c.interop_enabled);
    CHECK(c.interop_append_windows_path);
    CHECK(c.user_default.empty());
    CHECK(c.boot_command.empty());
    CHECK_FALSE(c.boot_systemd);
    CHECK(c.boot_init_timeout_ms == 10000);
    CHECK(c.warnings.empty());
}

TEST_CASE("wsl.conf: every key") {
    auto c = parse_wsl_conf("[automount]\n"
                            "enabled = false\n"
                            "root = /windir\n"
                            "options = \"metadata,umask=22,fmask=11\"\n"
                            "mountFsTab = false\n"
                            "[network]\n"
                            "hostname = my-box.local\n"
                            "generateHosts = false\n"
                            "generateResolvConf = False\n"
                            "[interop]\n"
                            "enabled = 0\n"
                            "appendWindowsPath = off\n"
                            "[user]\n"
                            "default = alice\n"
                            "[boot]\n"
                            "command = \"service dbus start; echo done\"\n"
                            "systemd = true\n"
                            "initTimeout = 2500\n"
                            "protectBinfmt = false\n"
                            "[gpu]\nenabled = false\n"
                            "[time]\nuseWindowsTimezone = true\n"
                            "[automount]\nldconfig = false\n");
    CHECK(c.warnings.empty());
    CHECK_FALSE(c.automount_enabled);
    CHECK(c.automount_root == "/windir/");
    CHECK(c.automount_options == "metadata,umask=22,fmask=11");
    CHECK_FALSE(c.automount_mount_fstab);
    CHECK(c.network_hostname == "my-box.local");
    CHECK_FALSE(c.network_generate_hosts);
    CHECK_FALSE(c.network_generate_resolv_conf);
    CHECK_FALSE(c.interop_enabled);
    CHECK_FALSE(c.interop_append_windows_path);
    CHECK(c.user_default == "alice");
    CHECK(c.boot_command == "service dbus start; echo done");
    CHECK(c.boot_systemd);
    CHECK(c.boot_init_timeout_ms == 2500);
}

TEST_CASE("wsl.conf: keys and sections are case-insensitive") {
    auto c = parse_wsl_conf("[AutoMount]\nMOUNTFSTAB = FALSE\n[Boot]\nSystemD = True\n");
    CHECK(c.warnings.empty());
    CHECK_FALSE(c.automount_mount_fstab);
    CHECK(c.boot_systemd);
}

TEST_CASE("wsl.conf: automount.root normalization") {
    CHECK(parse_wsl_conf("[automount]\nroot = /\n").automount_root == "/");
    CHECK(parse_wsl_conf("[automount]\nroot = ///\n").automount_root == "/");
    CHECK(parse_wsl_conf("[automount]\nroot = /win\n").automount_root == "/win/");
    CHECK(parse_wsl_conf("[automount]\nroot = /win/\n").automount_root == "/win/");
    CHECK(parse_wsl_conf("[automount]\nroot = /a/b///\n").automount_root == "/a/b/");

    auto rel = parse_wsl_conf("[automount]\nroot = mnt/\n");
    CHECK(rel.automount_root == "/mnt/");
    CHECK(rel.warnings ==
          Strings{"Invalid value 'mnt/' for key 'automount.root' in /etc/wsl.conf:2"});
    auto empty = parse_wsl_conf("[automount]\nroot =\n");
    CHECK(empty.automount_root == "/mnt/");
    CHECK(empty.warnings ==
          Strings{"Invalid value '' for key 'automount.root' in /etc/wsl.conf:2"});
}

TEST_CASE("wsl.conf: hostname validation") {
    CHECK(parse_wsl_conf("[network]\nhostname = a\n").network_hostname == "a");
    std::string longest(64, 'h');
    CHECK(parse_wsl_conf("[network]\nhostname = " + longest + "\n").network_hostname == longest);

    for (std::string bad : {std::string(65, 'h'), std::string("has space"),
                            std::string("under_score"), std::string("\"\""), std::string("ü")}) {
        auto c = parse_wsl_conf("[network]\nhostname = " + bad + "\n");
        CHECK(c.network_hostname.empty());
        REQUIRE(c.warnings.size() == 1);
        CHECK(c.warnings[0].starts_with("Invalid value '"));
        CHECK(c.warnings[0].ends_with("' for key 'network.hostname' in /etc/wsl.conf:2"));
    }
}

TEST_CASE("wsl.conf: warnings with exact lines; bad values keep defaults") {
    auto c = parse_wsl_conf("# config\n[boot]\nsystemd = maybe\ninitTimeout = -5\n"
                            "initTimeout = soon\n[automount]\nunknownThing = 1\nEnabled = nah\n"
                            "[mystery]\nkey = v\n",
                            "/x/wsl.conf");
    CHECK(c.warnings == Strings{
                            "Invalid value 'maybe' for key 'boot.systemd' in /x/wsl.conf:3",
                            "Invalid value '-5' for key 'boot.initTimeout' in /x/wsl.conf:4",
                            "Invalid value 'soon' for key 'boot.initTimeout' in /x/wsl.conf:5",
                            "Unknown key 'automount.unknownThing' in /x/wsl.conf:7",
                            "Invalid value 'nah' for key 'automount.Enabled' in /x/wsl.conf:8",
                            "Unknown key 'mystery.key' in /x/wsl.conf:10",
                        });
    CHECK_FALSE(c.boot_systemd);
    CHECK(c.boot_init_timeout_ms == 10000);
    CHECK(c.automount_enabled);
}

TEST_CASE("wsl.conf: duplicate key, last wins, no warning") {
    auto c = parse_wsl_conf("[user]\ndefault = a\n[boot]\n[user]\ndefault = b\n");
    CHECK(c.warnings.empty());
    CHECK(c.user_default == "b");
}

TEST_CASE("wsl.conf: syntax warnings come through") {
    auto c = parse_wsl_conf("systemd=true\n[boot]\nsystemd\n");
    CHECK(c.warnings == Strings{"Key outside of a section in /etc/wsl.conf:1",
                                "Expected ' = ' in /etc/wsl.conf:3"});
    CHECK_FALSE(c.boot_systemd);
}

// ---- ~/.wslconfig ----

TEST_CASE("wslconfig: defaults") {
    auto c = parse_wslconfig("", "/home/u/.wslconfig");
    CHECK(c.instance_idle_timeout_ms == 15000);
    CHECK(c.distribution_install_path.empty());
    CHECK_FALSE(c.wsl1_memory);
    CHECK_FALSE(c.wsl1_processes);
    CHECK(c.wsl2_kernel.empty());
    CHECK(c.wsl2_kernel_command_line.empty());
    CHECK_FALSE(c.wsl2_memory);
    CHECK_FALSE(c.wsl2_swap);
    CHECK_FALSE(c.wsl2_default_vhd_size);
    CHECK_FALSE(c.wsl2_processors);
    CHECK(c.wsl2_vm_idle_timeout_ms == 60000);
    CHECK_FALSE(c.wsl2_debug_console);
    CHECK(c.warnings.empty());
}

TEST_CASE("wslconfig: every key") {
    auto c = parse_wslconfig("[general]\ninstanceIdleTimeout = -1\n"
                             "distributionInstallPath = /srv/wsl\n"
                             "[wsl1]\nmemory = 2GB\nprocesses = 512\n"
                             "[wsl2]\nkernel = /boot/vmlinuz\n"
                             "kernelCommandLine = \"quiet loglevel=3\"\n"
                             "memory = 8GB\nswap = 0\ndefaultVhdSize = 1TB\nprocessors = 4\n"
                             "vmIdleTimeout = 120000\ndebugConsole = true\n",
                             "/home/u/.wslconfig");
    CHECK(c.warnings.empty());
    CHECK(c.instance_idle_timeout_ms == -1);
    CHECK(c.distribution_install_path == "/srv/wsl");
    CHECK(c.wsl1_memory == 2ull << 30);
    CHECK(c.wsl1_processes == 512);
    CHECK(c.wsl2_kernel == "/boot/vmlinuz");
    CHECK(c.wsl2_kernel_command_line == "quiet loglevel=3");
    CHECK(c.wsl2_memory == 8ull << 30);
    CHECK(c.wsl2_swap == 0u);
    CHECK(c.wsl2_default_vhd_size == 1ull << 40);
    CHECK(c.wsl2_processors == 4);
    CHECK(c.wsl2_vm_idle_timeout_ms == 120000);
    CHECK(c.wsl2_debug_console);
}

TEST_CASE("wslconfig: documented WSL keys are accepted silently") {
    auto c = parse_wslconfig("[wsl2]\nlocalhostForwarding=true\nnestedVirtualization=false\n"
                             "guiApplications=false\nnetworkingMode=mirrored\nfirewall=true\n"
                             "dnsTunneling=true\nautoProxy=true\npageReporting=false\n"
                             "safeMode=false\nswapFile=C:\\\\temp\\\\swap.vhdx\n"
                             "kernelModules=C:\\\\mods.vhdx\n"
                             "[experimental]\nautoMemoryReclaim=gradual\nsparseVhd=true\n",
                             "w");
    CHECK(c.warnings.empty());
}

TEST_CASE("wslconfig: every key wsl.exe knows is accepted; unknown ones warn in every section") {
    // wsl.exe's keys (src/windows/common/WslCoreConfig.h, the .wslconfig documentation), in
    // the case its documentation spells them.
    const char* wsl2[] = {"kernel",
                          "kernelCommandLine",
                          "kernelModules",
                          "memory",
                          "processors",
                          "debugConsole",
                          "earlyBootLogging",
                          "swap",
                          "swapFile",
                          "localhostForwarding",
                          "nestedVirtualization",
                          "virtio9p",
                          "virtiofs",
                          "kernelDebugPort",
                          "gpuSupport",
                          "guiApplications",
                          "systemDistro",
                          "telemetry",
                          "vmIdleTimeout",
                          "debugConsoleLogFile",
                          "kernelBootTimeout",
                          "distributionStartTimeout",
                          "virtio",
                          "hostFileSystemAccess",
                          "mountDeviceTimeout",
                          "hardwarePerformanceCounters",
                          "networkingMode",
                          "vmSwitch",
                          "macAddress",
                          "dhcp",
                          "dhcpTimeout",
                          "ipv6",
                          "dnsProxy",
                          "safeMode",
                          "defaultVhdSize",
                          "crashDumpFolder",
                          "maxCrashDumpCount",
                          "dnsTunneling",
                          "firewall",
                          "autoProxy",
                          "loadKernelModules",
                          "loadDefaultKernelModules",
                          "isolateDistroCgroup",
                          "pageReporting"};
    const char* experimental[] = {"networkingMode",
                                  "autoMemoryReclaim",
                                  "sparseVhd",
                                  "dnsTunneling",
                                  "bestEffortDnsParsing",
                                  "dnsTunnelingIpAddress",
                                  "firewall",
                                  "autoProxy",
                                  "initialAutoProxyTimeout",
                                  "ignoredPorts",
                                  "hostAddressLoopback",
                                  "setVersionDebug",
                                  "swiotlb",
                                  "virtioFsAggregateShares",
                                  "useWindowsDnsCache"};
    // Values valid for the keys that are checked here (sizes, numbers, booleans).
    auto value = [](std::string_view k) -> std::string {
        if (k == "memory" || k == "swap" || k == "defaultVhdSize")
            return "4GB";
        if (k == "processors" || k == "vmIdleTimeout")
            return "2";
        if (k == "debugConsole")
            return "false";
        return "x";
    };
    std::string text = "[general]\ninstanceIdleTimeout=1\ndistributionInstallPath=/d\n"
                       "distributionListUrl=file:///l\ndistributionListUrlAppend=file:///a\n"
                       "[wsl2]\n";
    for (const char* k : wsl2)
        text += std::string(k) + "=" + value(k) + "\n";
    text += "[experimental]\n";
    for (const char* k : experimental)
        text += std::string(k) + "=x\n";
    CHECK(parse_wslconfig(text, "w").warnings.empty());
    CHECK(parse_wslconfig("[experimental]\nanythingElse = 1\n[wsl2]\nbogus=1\n", "w").warnings ==
          Strings{"Unknown key 'experimental.anythingElse' in w:2",
                  "Unknown key 'wsl2.bogus' in w:4"});
}

TEST_CASE("wslconfig: invalid values and unknown keys") {
    auto c = parse_wslconfig("[wsl2]\nmemory = lots\nmemory = 0\nprocessors = 0\n"
                             "processors = -2\nswap = 1.5GB\ndebugconsole = sure\n"
                             "[wsl1]\nprocesses = 0\nmemory = 0\n[general]\nfoo = bar\n",
                             "w");
    CHECK(c.warnings == Strings{
                            "Invalid value 'lots' for key 'wsl2.memory' in w:2",
                            "Invalid value '0' for key 'wsl2.memory' in w:3",
                            "Invalid value '0' for key 'wsl2.processors' in w:4",
                            "Invalid value '-2' for key 'wsl2.processors' in w:5",
                            "Invalid value '1.5GB' for key 'wsl2.swap' in w:6",
                            "Invalid value 'sure' for key 'wsl2.debugconsole' in w:7",
                            "Invalid value '0' for key 'wsl1.processes' in w:9",
                            "Invalid value '0' for key 'wsl1.memory' in w:10",
                            "Unknown key 'general.foo' in w:12",
                        });
    CHECK_FALSE(c.wsl2_memory);
    CHECK_FALSE(c.wsl2_processors);
    CHECK_FALSE(c.wsl2_swap);
    CHECK_FALSE(c.wsl2_debug_console);
    CHECK_FALSE(c.wsl1_processes);
    CHECK_FALSE(c.wsl1_memory);
}

// ---- /etc/wsl-distribution.conf ----

TEST_CASE("wsl-distribution.conf") {
    auto d = parse_distribution_conf("[oobe]\ncommand = /usr/lib/wsl/oobe.sh\ndefaultUid = 1000\n"
                                     "defaultName = Ubuntu-24.04\n"
                                     "[shortcut]\nenabled = true\nicon = /usr/share/wsl/u.ico\n"
                                     "[windowsterminal]\nenabled = false\n"
                                     "profileTemplate = /usr/share/wsl/terminal.json\n");
    CHECK(d.warnings.empty());
    CHECK(d.oobe_command == "/usr/lib/wsl/oobe.sh");
    CHECK(d.oobe_default_uid == 1000);
    CHECK(d.oobe_default_name == "Ubuntu-24.04");
    CHECK(d.shortcut_icon == "/usr/share/wsl/u.ico");
    CHECK(d.windowsterminal_profile_template == "/usr/share/wsl/terminal.json");

    auto empty = parse_distribution_conf("", "x");
    CHECK(empty.oobe_command.empty());
    CHECK_FALSE(empty.oobe_default_uid);
    CHECK(empty.warnings.empty());
}

TEST_CASE("wsl-distribution.conf: bad uid and unknown keys") {
    auto d = parse_distribution_conf("[oobe]\ndefaultUid = -1\ndefaultUid = 4294967295\n"
                                     "defaultUid = abc\ncolor = red\n",
                                     "/etc/wsl-distribution.conf");
    CHECK(d.warnings ==
          Strings{
              "Invalid value '-1' for key 'oobe.defaultUid' in /etc/wsl-distribution.conf:2",
              "Invalid value '4294967295' for key 'oobe.defaultUid' in "
              "/etc/wsl-distribution.conf:3",
              "Invalid value 'abc' for key 'oobe.defaultUid' in /etc/wsl-distribution.conf:4",
              "Unknown key 'oobe.color' in /etc/wsl-distribution.conf:5",
          });
    CHECK_FALSE(d.oobe_default_uid);
    CHECK(parse_distribution_conf("[oobe]\ndefaultUid = 4294967294\n").oobe_default_uid ==
          4294967294LL);
    CHECK(parse_distribution_conf("[oobe]\ndefaultUid = 0\n").oobe_default_uid == 0);
}

// ---- /etc/passwd and /etc/group ----

namespace {
const char* kPasswd = "root:x:0:0:root:/root:/bin/bash\n"
                      "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                      "alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n"
                      "alice2:x:1000:1001::/home/alice2:/bin/sh\n"
                      "nologin:x:1002:1002::/:\n";
}

TEST_CASE("passwd: find_user and find_uid") {
    auto a = find_user(kPasswd, "alice");
    REQUIRE(a);
    CHECK(a->name == "alice");
    CHECK(a->uid == 1000u);
    CHECK(a->gid == 1000u);
    CHECK(a->home == "/home/alice");
    CHECK(a->shell == "/bin/zsh");

    auto r = find_uid(kPasswd, 0);
    REQUIRE(r);
    CHECK(r->name == "root");
    CHECK(r->home == "/root");

    auto first = find_uid(kPasswd, 1000);
    REQUIRE(first);
    CHECK(first->name == "alice"); // first match wins

    auto n = find_user(kPasswd, "nologin");
    REQUIRE(n);
    CHECK(n->shell.empty());

    CHECK_FALSE(find_user(kPasswd, "ali"));
    CHECK_FALSE(find_user(kPasswd, "Alice"));
    CHECK_FALSE(find_user(kPasswd, ""));
    CHECK_FALSE(find_uid(kPasswd, 4242));
    CHECK_FALSE(find_user("", "root"));
}

TEST_CASE("passwd: hostile lines are skipped") {
    std::string text = "short:x:5:5\n"                   // too few fields
                       "long:x:6:6:g:/h:/bin/sh:extra\n" // too many
                       ":x:7:7::/:/bin/sh\n"             // empty name
                       "neg:x:-1:0::/:/bin/sh\n"         // signed id
                       "huge:x:99999999999999999999999:0::/:/bin/sh\n"
                       "max:x:4294967295:0::/:/bin/sh\n" // (uid_t)-1
                       "big:x:4294967296:0::/:/bin/sh\n"
                       "hex:x:0x10:0::/:/bin/sh\n"
                       "space:x: 8:8::/:/bin/sh\n"
                       "emptyid:x::9::/:/bin/sh\n"
                       "badgid:x:10:abc::/:/bin/sh\n"
                       "#comment:x:11:11::/:/bin/sh\n"
                       "+::::::\n"
                       "\n"
                       "::::::\n"
                       "ok:x:4294967294:12::/home/ok:/bin/sh\r\n"
                       "crlf:x:13:13::/home/crlf:/bin/bash\r\n"
                       "last:x:14:14::/home/last:/bin/sh"; // no final newline
    for (const char* name : {"short", "long", "neg", "huge", "max", "big", "hex", "space",
                             "emptyid", "badgid", "#comment", "+"})
        CHECK_FALSE(find_user(text, name));
    CHECK_FALSE(find_uid(text, 7));
    CHECK_FALSE(find_uid(text, 6));
    auto ok = find_user(text, "ok");
    REQUIRE(ok);
    CHECK(ok->uid == 4294967294u);
    auto crlf = find_uid(text, 13);
    REQUIRE(crlf);
    CHECK(crlf->shell == "/bin/bash"); // no stray '\r'
    auto last = find_user(text, "last");
    REQUIRE(last);
    CHECK(last->shell == "/bin/sh");

    std::string nul = std::string("a:x:1:1::/:/bin/sh\n") + '\0' + ":::\nb:x:2:2::/:/bin/sh\n";
    CHECK(find_user(nul, "b"));
}

TEST_CASE("group: supplementary_groups") {
    const char* group = "root:x:0:\n"
                        "adm:x:4:syslog,alice\n"
                        "sudo:x:27:alice\n"
                        "alice:x:1000:\n"
                        "docker:x:999:bob,alice,carol\n"
                        "dup:x:27:alice\n"    // same gid again
                        "self:x:1000:alice\n" // the primary group listed explicitly
                        "prefix:x:50:alicex,xalice\n"
                        "broken:x:51\n" // too few fields
                        "toomany:x:52:alice:extra\n"
                        "badgid:x:-1:alice\n"
                        "hugegid:x:4294967295:alice\n"
                        ":x:53:alice\n" // empty name
                        "crlf:x:54:alice\r\n";
    CHECK(supplementary_groups(group, "alice", 1000) == std::vector<gid_t>{1000, 4, 27, 999, 54});
    CHECK(supplementary_groups(group, "bob", 1001) == std::vector<gid_t>{1001, 999});
    CHECK(supplementary_groups(group, "nobody", 65534) == std::vector<gid_t>{65534});
    CHECK(supplementary_groups("", "alice", 5) == std::vector<gid_t>{5});
    // An empty user name must not match empty member lists or ",," gaps.
    CHECK(supplementary_groups("a:x:1:\nb:x:2:x,,y\n", "", 9) == std::vector<gid_t>{9});
}

TEST_CASE("group: at most 64 entries") {
    std::string group;
    for (int i = 0; i < 200; ++i)
        group.append("g")
            .append(std::to_string(i))
            .append(":x:")
            .append(std::to_string(2000 + i))
            .append(":u\n"); // (not "g" + to_string: GCC 12's -Wrestrict false positive at -O3)
    auto gids = supplementary_groups(group, "u", 100);
    REQUIRE(gids.size() == kMaxGroups);
    CHECK(gids.front() == 100u);
    CHECK(gids[1] == 2000u);
    CHECK(gids.back() == 2062u);
}

TEST_CASE("passwd: names a first-run setup may create") {
    for (const char* ok : {"alice", "_svc", "a", "user-1_x", "abcdefghijklmnopqrstuvwxyz012345"})
        CHECK_MESSAGE(valid_user_name(ok), ok);
    for (const char* bad : {"", "Alice", "1user", "-x", "a b", "a:b", "a/b", "é",
                            "abcdefghijklmnopqrstuvwxyz0123456"})
        CHECK_FALSE_MESSAGE(valid_user_name(bad), bad);
}

TEST_CASE(".wslconfig: distribution list URLs") {
    WslConfig c = parse_wslconfig("[general]\ndistributionListUrl = https://x/l.json\n"
                                  "distributionListUrlAppend=file:///srv/extra.json\n",
                                  "~/.wslconfig");
    CHECK(c.distribution_list_url == "https://x/l.json");
    CHECK(c.distribution_list_url_append == "file:///srv/extra.json");
    CHECK(c.warnings.empty());
}
