#pragma once
#include "args.h"

namespace wsl::cli {

// Carries out a parsed command line; returns the exit status. Throws WslError.
int run(const Invocation& inv);

} // namespace wsl::cli
