// wsl.exe verbs that manage wsl.exe itself (--update, --uninstall) or need version 2
// (--mount, --unmount, --debug-shell): each gets an honest answer instead of a usage error.
#include "package_verbs.h"

#include <fmt/format.h>

#include "base/error.h"
#include "render.h"

namespace wsl::cli {

int update() {
    // wsl.exe exits 0 when it is already up to date; here the package manager does updates.
    fmt::print("wsl for Linux is updated by the system's package manager, as the {} package:\n"
               "    sudo apt update && sudo apt install --only-upgrade {}\n",
               kPackageName, kPackageName);
    return 0;
}

void uninstall() {
    throw WslError("E_NOTIMPL",
                   fmt::format("wsl for Linux is removed by the system's package manager:\n"
                               "    sudo apt remove {}\n"
                               "Your distributions stay until you unregister them "
                               "(wsl --unregister <Distro>); 'apt purge' also deletes "
                               "/var/lib/wsl, the registry and the service's own storage.",
                               kPackageName),
                   kClientContext);
}

void needs_wsl2(const std::string& verb) {
    throw WslError("WSL_E_WSL2_NEEDED",
                   fmt::format("This operation is only supported by WSL2.\n{} needs version 2 "
                               "distributions, which wsl for Linux does not have yet.",
                               verb),
                   kClientContext);
}

} // namespace wsl::cli
