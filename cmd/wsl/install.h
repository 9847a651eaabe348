#pragma once
#include "args.h"

namespace wsl::cli {

// wsl --install: a catalog image downloaded as this user (SHA-256 checked) or a local .wsl
// file, streamed into the service's extraction; then, at a terminal, the first launch.
int install(const Invocation& inv);

} // namespace wsl::cli
