#pragma once
#include "args.h"

namespace wsl::cli {

// Runs a command (or a login shell) in a distro and returns its exit status (signal N ->
// 128+N). Non-tty stdio is handed to the process itself; a tty gets a pty in the distro,
// relayed here with the terminal in raw mode.
int run_session(const Invocation& inv);

} // namespace wsl::cli
