#include "login_session.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "base/unique_fd.h"
#include "systemd.h"

namespace wsl::init {

namespace {

constexpr size_t kMaxLogins = 256;

// The terminal of each uid's login, by uid. Closing one would hang its login up, so they stay
// open until the instance ends (this process is the instance's helper).
std::map<uid_t, UniqueFd>& logins() {
    static std::map<uid_t, UniqueFd> m;
    return m;
}

bool valid_user_name(const std::string& name) {
    if (name.empty() || name.size() > 256 || name.front() == '-')
        return false;
    for (unsigned char c : name)
        if (c <= ' ' || c == 0x7f || c == ':' || c == '/')
            return false;
    return true;
}

// Starts `login -f name` on a new pty, detached: it is reparented to PID 1 (systemd) at once,
// so it is never taken for one of init's sessions. Returns the pty's master.
UniqueFd start_login(const Instance& inst, const std::string& name) {
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    int unlock = 0;
    if (!master || ::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0)
        return {};
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave)
        return {};
    pid_t child = ::fork();
    if (child < 0)
        return {};
    if (child == 0) {
        if (::fork() != 0)
            _exit(0);
        reset_signals();
        ::setsid();
        ::ioctl(slave.get(), TIOCSCTTY, 0);
        for (int i = 0; i < 3; ++i)
            ::dup2(slave.get(), i);
        // Close-on-exec only: the namespace fds are still needed for the setns calls.
        ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        enter_namespaces(inst);
        ::chdir("/");
        const char* env[] = {"TERM=dumb", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
                             nullptr};
        ::execle("/bin/login", "login", "-f", name.c_str(), static_cast<char*>(nullptr), env);
        _exit(127);
    }
    ::waitpid(child, nullptr, 0);
    return master;
}

} // namespace

std::vector<std::string> join_login_session(const Instance& inst, const config::PasswdEntry& user,
                                            int err_fd) {
    if (!wants_systemd(inst))
        return {};
    std::string uid = std::to_string(user.uid);
    std::vector<std::string> env = {"XDG_RUNTIME_DIR=/run/user/" + uid,
                                    "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/" + uid + "/bus"};
    if (logins().contains(user.uid))
        return env;
    // Each login keeps a terminal open here: a bounded number of them (users, not sessions).
    bool room = logins().size() < kMaxLogins;
    UniqueFd master =
        room && valid_user_name(user.name) ? start_login(inst, user.name) : UniqueFd();
    bool ok = false, gone = !master;
    if (master) {
        // As in WSL: the session is there once systemd runs the user's manager. A login that
        // gave up (unknown user, PAM refused) hangs its terminal up: no need to wait longer.
        std::string unit = "user@" + uid + ".service";
        auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(inst.conf.boot_init_timeout_ms);
        for (;;) {
            std::string state = systemctl(inst, "is-active", unit.c_str());
            ok = state == "active";
            pollfd hup{master.get(), 0, 0};
            gone = state == "failed" || (::poll(&hup, 1, 0) == 1 && (hup.revents & POLLHUP));
            if (ok || gone || std::chrono::steady_clock::now() >= deadline)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    // A login still under way is kept (no second wait for this user); one that is gone is
    // hung up, and the next session of this user tries again.
    if (!gone)
        logins()[user.uid] = std::move(master);
    if (!ok)
        dprintf(err_fd,
                "wsl: Failed to start the systemd user session for '%s'. See journalctl for "
                "more details.\n",
                user.name.c_str());
    return env;
}

} // namespace wsl::init
