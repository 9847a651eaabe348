#pragma once
#include <string>

namespace wsl::cli {

// The .deb that installs this tool (CPACK_PACKAGE_NAME in cmd/CMakeLists.txt).
inline constexpr const char* kPackageName = "wsl-for-linux";

// wsl --update: says how this tool is updated; exit 0, as wsl.exe when up to date.
int update();
// wsl --uninstall: says how it is removed; fails (E_NOTIMPL), nothing is removed.
[[noreturn]] void uninstall();
// wsl --mount, --unmount, --debug-shell: WSL_E_WSL2_NEEDED until version 2 exists.
[[noreturn]] void needs_wsl2(const std::string& verb);

} // namespace wsl::cli
