#pragma once
#include <string>
#include <vector>

#include "config/passwd.h"
#include "session.h"

namespace wsl::init {

// In a distro that runs systemd, a session belongs to a real login session of its user, as in
// WSL: the first session of each uid starts `login -f USER` on a pseudo terminal of its own
// (kept open for the instance's life), so PAM's pam_systemd registers it with logind and
// systemd starts user@UID.service, then waits for that unit for up to boot.initTimeout. A
// failure is a warning on err_fd (WSL's words), never a failed session; after a login that
// gave up, the next session of that user tries again. Meanwhile the instance's helper waits.
// Returns the variables the session gets: XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS (none
// without systemd).
std::vector<std::string> join_login_session(const Instance& inst, const config::PasswdEntry& user,
                                            int err_fd);

} // namespace wsl::init
