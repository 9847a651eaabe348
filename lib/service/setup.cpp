// The first-run setup (WSL's OOBE) of an installed distro, and running a captured command in
// a distro on the service's behalf.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/test_hook.h"
#include "config/passwd.h"
#include "service/service.h"

namespace wsl::service {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Creates the user named $1 with the "name:password" line on stdin, adds it to sudo or wheel
// where the group exists, and prints its uid. Undoes the user when a later step fails, so the
// next attempt can reuse the name.
constexpr const char* kCreateUser = R"SH(
name=$1
IFS= read -r credentials || exit 1
if command -v useradd >/dev/null 2>&1; then
    shell=/bin/sh
    [ -x /bin/bash ] && shell=/bin/bash
    useradd --create-home --shell "$shell" -- "$name" || exit 1
    undo() { userdel --remove -- "$name" >/dev/null 2>&1; exit 1; }
elif command -v adduser >/dev/null 2>&1; then
    adduser -D "$name" || exit 1
    undo() { deluser --remove-home "$name" >/dev/null 2>&1; exit 1; }
else
    echo "This distribution has neither useradd nor adduser to create a user." >&2
    exit 1
fi
printf '%s\n' "$credentials" | chpasswd || undo
for group in sudo wheel; do
    grep -q "^$group:" /etc/group 2>/dev/null || continue
    if command -v usermod >/dev/null 2>&1; then
        usermod -aG "$group" -- "$name" || undo
    else
        addgroup "$name" "$group" || undo
    fi
done
id -u -- "$name"
)SH";

} // namespace

void Service::first_run(User& u, std::unique_lock<std::mutex>& lock, const std::string& guid,
                        const json& req, std::array<int, 3> stdio, Channel& ch) {
    const bool interactive = req.value("interactive", false);
    for (;;) {
        registry::Distro* d = u.reg.find_guid(guid);
        if (!d)
            fail("WSL_E_DISTRO_NOT_FOUND");
        if (!d->run_oobe)
            return;
        if (u.in_setup.count(guid)) {
            // Another client runs the setup: wait for it, unless this one goes away.
            u.setup_done.wait_for(lock, std::chrono::milliseconds(200));
            if (ch.hung_up())
                cancelled();
            continue;
        }
        if (!interactive)
            return; // only an interactive shell runs the setup
        registry::Distro copy = *d;
        u.in_setup.insert(guid);
        test_phase("setup.started");
        std::optional<unsigned> uid;
        try {
            uid = copy.oobe_command.empty() ? setup_builtin(u, lock, copy, req, stdio, ch)
                                            : setup_command(u, lock, copy, req, stdio, ch);
        } catch (...) {
            if (!lock.owns_lock())
                lock.lock();
            u.in_setup.erase(guid);
            u.setup_done.notify_all();
            throw;
        }
        u.in_setup.erase(guid);
        u.setup_done.notify_all();
        test_phase("setup.done");
        if (registry::Distro* rec = u.reg.find_guid(guid)) {
            rec->run_oobe = false;
            if (uid)
                rec->default_uid = *uid;
            save(u);
        }
    }
}

std::optional<unsigned> Service::setup_command(User& u, std::unique_lock<std::mutex>& lock,
                                               const registry::Distro& d, const json& req,
                                               std::array<int, 3> stdio, Channel& ch) {
    json session_req = {{"argv", {"/bin/sh", "-c", d.oobe_command}},
                        {"shell_type", "none"},
                        {"user", "0"},
                        {"cwd", "/"}};
    for (const char* key : {"tty", "rows", "cols", "term", "lang", "config"})
        if (req.contains(key))
            session_req[key] = req[key];
    UniqueFd session = open_session(u, d, session_req, stdio, ch, lock);
    lock.unlock();
    int fd = session.get();
    try {
        protocol::send(ch.sock(), {{"type", "session"}, {"setup", true}}, {&fd, 1});
    } catch (const WslError&) {
        cancelled();
    }
    session.reset();
    json reply = ch.receive(-1);
    lock.lock();
    auto status = reply.find("setupExit");
    if (status == reply.end() || !status->is_number_integer())
        fail("WSL_E_PROTOCOL", "Invalid message: a setup result was expected.");
    if (status->get<int>() != 0)
        fail("WSL_E_OOBE_FAILED",
             fmt::format("The distribution's first-run setup ({}) failed with exit status {}. It "
                         "runs again at the next launch.",
                         d.oobe_command, status->get<int>()));
    return d.oobe_uid;
}

unsigned Service::setup_builtin(User& u, std::unique_lock<std::mutex>& lock,
                                const registry::Distro& d, const json& req,
                                std::array<int, 3> stdio, Channel& ch) {
    lock.unlock();
    ch.event({{"type", "setup"}, {"builtin", true}, {"name", d.name}});
    for (;;) {
        json m = ch.receive(-1);
        auto name = m.find("setupUser");
        auto password = m.find("password");
        if (name == m.end() || !name->is_string() || password == m.end() || !password->is_string())
            fail("WSL_E_PROTOCOL", "Invalid message: a user name and password were expected.");
        std::string why;
        if (!config::valid_user_name(name->get<std::string>()))
            why = "Invalid user name.";
        else if (password->get<std::string>().find_first_of(":\n") != std::string::npos)
            why = "The password cannot contain ':' or a line break.";
        if (why.empty()) {
            Captured c = capture(
                u, d, {"/bin/sh", "-c", kCreateUser, "sh", *name},
                name->get<std::string>() + ":" + password->get<std::string>() + "\n", stdio[2],
                req.value("config", json::object()), std::chrono::seconds(60), ch);
            std::string digits = c.out.substr(0, c.out.find('\n'));
            if (c.status == 0 && !digits.empty() && digits.size() <= 10 &&
                digits.find_first_not_of("0123456789") == std::string::npos) {
                lock.lock();
                return static_cast<unsigned>(std::stoul(digits));
            }
            why = fmt::format("Creating the user '{}' failed.", name->get<std::string>());
        }
        ch.event({{"type", "setupRetry"}, {"message", why}});
    }
}

Service::Captured Service::capture(User& u, const registry::Distro& d, const json& argv,
                                   const std::string& input, int err, const json& config,
                                   std::chrono::seconds limit, Channel& ch) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        fail_errno("E_UNEXPECTED", "pipe");
    UniqueFd out_read(p[0]), out_write(p[1]);
    if (::pipe2(p, O_CLOEXEC) != 0)
        fail_errno("E_UNEXPECTED", "pipe");
    UniqueFd in_read(p[0]), in_write(p[1]);
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    UniqueFd session;
    {
        std::unique_lock lock(u.m);
        json req = {{"argv", argv},
                    {"shell_type", "none"},
                    {"user", "0"},
                    {"cwd", "/"},
                    {"config", config}};
        session = open_session(
            u, d, req, {in_read.get(), out_write.get(), err >= 0 ? err : null.get()}, ch, lock);
    }
    in_read.reset();
    out_write.reset();
    // The input is small (a pipe holds 64 KiB): written at once, then closed for EOF.
    if (!input.empty() && ::write(in_write.get(), input.data(), input.size()) < 0) {
    }
    in_write.reset();

    // Wait unlocked: the command runs the distro's own code, bounded by the time limit.
    Captured c;
    auto deadline = Clock::now() + limit;
    pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {session.get(), POLLIN, 0}};
    while (Clock::now() < deadline && (fds[0].fd >= 0 || fds[1].fd >= 0)) {
        if (::poll(fds, 2, 200) <= 0)
            continue;
        if (fds[0].revents) {
            char buf[256];
            ssize_t n = ::read(out_read.get(), buf, sizeof buf);
            if (n > 0 && c.out.size() < 4096)
                c.out.append(buf, static_cast<size_t>(n));
            else if (n <= 0)
                fds[0].fd = -1;
        }
        if (fds[1].revents) {
            std::optional<protocol::Message> m;
            try {
                m = protocol::receive(session.get());
            } catch (const WslError&) {
            }
            if (m && m->body.contains("exit"))
                c.status = m->body.value("exit", -1);
            fds[1].fd = -1;
        }
    }
    return c;
}

} // namespace wsl::service
