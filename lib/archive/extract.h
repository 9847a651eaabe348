#pragma once
#include <string>

#include "archive/events.h"

namespace wsl::archive {

// Extracts the tarball read from in_fd (any supported compression, detected by magic
// bytes) into the current directory. Run it chrooted into the target: containment is the
// chroot's and the user namespace's job; this refuses `..` (fatal), skips absolute paths and
// device nodes (silently under dev/, where images keep theirs; with a warning elsewhere), and
// never resolves names through NSS. Throws WslError.
void extract(int in_fd, const Events& events);

struct RootfsInfo {
    std::string flavor;     // os-release ID
    std::string os_version; // os-release VERSION_ID
};

// Checks that the current root holds a Linux distribution (/etc or /bin/sh) and reads its
// os-release. Throws WslError WSL_E_NOT_A_LINUX_DISTRO.
RootfsInfo inspect_rootfs();

// Parses os-release text (KEY=value, optional quotes).
RootfsInfo parse_os_release(const std::string& text);

} // namespace wsl::archive
