#pragma once

namespace wsl {

// Entry of `wslservice __worker OP key=value...`, run by the service inside the caller's
// user namespace. fd 3 carries JSON status lines back. Returns the exit status.
int worker_main(int argc, char** argv);

} // namespace wsl
