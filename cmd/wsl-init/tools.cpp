#include "tools.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "config/wsl_conf.h"
#include "etc_files.h"
#include "path_translate.h"

#ifndef WSL_VERSION
#define WSL_VERSION "0"
#endif

namespace wsl::init {

namespace {

const char kWslPathUsage[] = "Usage:\n"
                             "    -a\n"
                             "        Print an absolute path, even for a relative one.\n"
                             "    -u\n"
                             "        Translate a host path to this distribution's path "
                             "(default).\n"
                             "    -w\n"
                             "        Translate a path of this distribution to the host's "
                             "path.\n"
                             "    -m\n"
                             "        Same as -w (host paths already use '/').\n"
                             "\n"
                             "Example: wslpath /home";

const char kWslInfoUsage[] = "Usage:\n"
                             "    --networking-mode\n"
                             "        Display current networking mode.\n"
                             "\n"
                             "    --msal-proxy-path\n"
                             "        Display the path to the MSAL proxy application.\n"
                             "\n"
                             "    --vm-id\n"
                             "        Display the WSL VM ID.\n"
                             "\n"
                             "    --version\n"
                             "        Display the version of the WSL package.\n"
                             "\n"
                             "    -n\n"
                             "        Do not print a newline.";

int invalid_argument(const char* argv0, const char* arg) {
    std::fprintf(stderr,
                 "Invalid command line argument: %s\nPlease use '%s --help' to get a list of "
                 "supported arguments.\n",
                 arg, argv0);
    return 1;
}

// Where this distro mounts the host's root, as its wsl.conf says ("" when it does not).
std::string host_root() {
    auto conf = config::parse_wsl_conf(read_file("/etc/wsl.conf", 1u << 20));
    if (!conf.automount_enabled)
        return {};
    return conf.automount_root + "host";
}

} // namespace

int wslpath_main(int argc, char** argv) {
    const char* argv0 = argv[0];
    bool absolute = false, ended = false;
    std::optional<PathMode> mode;
    bool help = false;
    const char* path = nullptr;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (!ended && std::strcmp(a, "--") == 0) {
            ended = true;
        } else if (!ended && std::strcmp(a, "--help") == 0) {
            help = true;
        } else if (!ended && a[0] == '-' && a[1] != '\0') {
            for (const char* c = a + 1; *c; ++c) {
                std::optional<PathMode> m;
                if (*c == 'a')
                    absolute = true;
                else if (*c == 'u')
                    m = PathMode::ToDistro;
                else if (*c == 'w')
                    m = PathMode::ToHost;
                else if (*c == 'm')
                    m = PathMode::ToHostMixed;
                else
                    return invalid_argument(argv0, a);
                if (m) {
                    if (mode) { // one mode only
                        std::fprintf(stderr, "%s\n", kWslPathUsage);
                        return 1;
                    }
                    mode = m;
                }
            }
        } else if (!path) {
            path = a;
        } else {
            return invalid_argument(argv0, a);
        }
    }
    if (!path || help) {
        std::fprintf(stderr, "%s: %s\n", argv0, std::strerror(EINVAL));
        std::printf("%s\n", kWslPathUsage);
        return 1;
    }
    PathMode m = mode.value_or(PathMode::ToDistro);
    PathContext ctx{host_root(), {}};
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd)) {
        std::fprintf(stderr, "%s: %s: %s\n", argv0, path, std::strerror(errno));
        return 1;
    }
    ctx.cwd = cwd;
    std::string input = path;
    if (m != PathMode::ToDistro) {
        // Like wslpath: a distro path that exists is resolved (symlinks, dots) first, a
        // trailing slash kept; one that does not is taken as written.
        std::unique_ptr<char, decltype(&std::free)> real(::realpath(path, nullptr), &std::free);
        if (real) {
            std::string r = real.get();
            input = input.ends_with('/') && r != "/" ? r + "/" : r;
        } else if (errno != ENOENT) {
            std::fprintf(stderr, "%s: %s: %s\n", argv0, path, std::strerror(errno));
            return 1;
        }
    }
    auto out = translate_path(input, m, absolute, ctx);
    if (!out) {
        std::fprintf(stderr, "%s: %s: %s\n", argv0, path, std::strerror(EINVAL));
        return 1;
    }
    std::printf("%s\n", out->c_str());
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int wslinfo_main(int argc, char** argv) {
    const char* argv0 = argv[0];
    enum class Info { Networking, MsalProxy, Version, VmId };
    std::optional<Info> mode;
    bool newline = true;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        std::optional<Info> m;
        if (a == "--networking-mode")
            m = Info::Networking;
        else if (a == "--msal-proxy-path")
            m = Info::MsalProxy;
        else if (a == "--version" || a == "--wsl-version")
            m = Info::Version;
        else if (a == "--vm-id")
            m = Info::VmId;
        else if (a == "-n")
            newline = false;
        else if (a == "--help")
            continue;
        else
            return invalid_argument(argv0, argv[i]);
        if (m) {
            if (mode) {
                std::fprintf(stderr, "%s\n", kWslInfoUsage);
                return 1;
            }
            mode = m;
        }
    }
    if (!mode) {
        std::fprintf(stderr, "%s\n", kWslInfoUsage);
        return 1;
    }
    switch (*mode) {
    case Info::Networking: // a version 1 distro: WSL 1 answers "wsl1" here
    case Info::VmId:
        std::fputs("wsl1", stdout);
        break;
    case Info::Version:
        std::fputs(WSL_VERSION, stdout);
        break;
    case Info::MsalProxy: // there is no Windows, so no MSAL proxy
        std::fputs("No value found.\n", stderr);
        return 1;
    }
    if (newline)
        std::fputc('\n', stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace wsl::init
