#pragma once

// The programs the static wsl-init also is inside every distro, chosen by the name it runs
// under (argv[0]), as WSL's /init is: wslpath and wslinfo. They live in kToolsDir, a
// directory on a tmpfs init owns, so nothing is written into the distro's own files.
namespace wsl::init {

constexpr const char* kToolsDir = "/run/wsl/bin";
constexpr const char* kToolNames[] = {"wslpath", "wslinfo"};

int wslpath_main(int argc, char** argv);
int wslinfo_main(int argc, char** argv);

} // namespace wsl::init
