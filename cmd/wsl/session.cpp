#include "session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <optional>

#include <fmt/format.h>

#include "base/error.h"
#include "base/utf8.h"
#include "base/write_all.h"
#include "client.h"
#include "config/wslenv.h"
#include "protocol/frame.h"
#include "render.h"
#include "setup_prompt.h"
#include "signal_pipe.h"
#include "user_config.h"

namespace wsl::cli {

using nlohmann::json;

namespace {

// The terminal's settings before raw mode; restored on every way out, signals included.
termios g_saved;
bool g_raw = false;

void restore_terminal() {
    if (g_raw)
        ::tcsetattr(STDIN_FILENO, TCSADRAIN, &g_saved);
    g_raw = false;
}

// Keys go to the pty unprocessed: its own line discipline edits, echoes and signals. The
// terminal's output processing goes too only when all that reaches the terminal is the pty's
// (already processed) output; when stdout or stderr is a pipe or a file, something else may
// print on this terminal (`wsl ... | cat`) and needs its newlines to return the carriage.
void enter_raw(bool keep_output) {
    if (::tcgetattr(STDIN_FILENO, &g_saved) != 0)
        return;
    termios raw = g_saved;
    ::cfmakeraw(&raw);
    if (keep_output)
        raw.c_oflag = g_saved.c_oflag;
    if (::tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
        g_raw = true;
}

// Moves what the pty has to the terminal; false once the pty is closed.
bool pump(int from, int to) {
    char buf[65536];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    if (to >= 0)
        write_all(to, buf, static_cast<size_t>(n));
    return true;
}

int status_of(const json& m) {
    if (m.contains("signal"))
        return 128 + m.value("signal", 0);
    return m.value("exit", 255);
}

class Session {
public:
    Session(UniqueFd sock, std::array<bool, 3> tty, int signals)
        : sock_(std::move(sock)), tty_(tty), signals_(signals) {
        // The pty's output (the echo of what is typed, at least) goes to the terminal: the
        // one on stdout or stderr, else the one on stdin, opened again for writing.
        if (tty_[1])
            out_ = STDOUT_FILENO;
        else if (tty_[2])
            out_ = STDERR_FILENO;
        else if (tty_[0]) {
            own_out_.reset(::open("/proc/self/fd/0", O_WRONLY | O_NOCTTY | O_CLOEXEC));
            out_ = own_out_.get();
        }
    }

    int run() {
        for (;;) {
            std::vector<pollfd> p = {{sock_.get(), POLLIN, 0}, {signals_, POLLIN, 0}};
            if (master_ && !master_done_)
                p.push_back({master_.get(), POLLIN, 0});
            if (master_ && !master_done_ && tty_[0] && !stdin_done_)
                p.push_back({STDIN_FILENO, POLLIN, 0});
            if (::poll(p.data(), p.size(), -1) < 0) {
                if (errno == EINTR)
                    continue;
                fail_errno("E_UNEXPECTED", "poll");
            }
            if (p[1].revents)
                if (auto code = on_signals())
                    return *code;
            // Every slave closed: stop reading, but keep the master open, since closing it
            // would hang up a process that still runs.
            if (master_ && !master_done_ && p[2].revents && !pump(master_.get(), out_))
                master_done_ = true;
            if (p.size() > 3 && p[3].revents) {
                char buf[4096];
                ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
                if (n > 0 && master_)
                    write_all(master_.get(), buf, static_cast<size_t>(n));
                else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                    stdin_done_ = true;
            }
            if (p[0].revents) {
                std::optional<protocol::Message> m;
                try {
                    m = protocol::receive(sock_.get());
                } catch (const WslError&) {
                }
                if (!m) {
                    restore_terminal();
                    fmt::print(stderr, "wsl: The distribution stopped while the command ran.\n");
                    return 255;
                }
                if (auto code = handle(*m))
                    return *code;
            }
        }
    }

private:
    std::optional<int> handle(protocol::Message& m) {
        const json& b = m.body;
        if (b.contains("pty") && !m.fds.empty()) {
            master_ = std::move(m.fds[0]);
            ::fcntl(master_.get(), F_SETFL, O_NONBLOCK);
            if (tty_[0])
                enter_raw(!tty_[1] || !tty_[2]);
            resize();
            return std::nullopt;
        }
        if (b.contains("error")) {
            restore_terminal();
            const json& e = b["error"];
            throw WslError(e.value("code", "E_UNEXPECTED"), e.value("message", ""),
                           e.value("context", ""));
        }
        if (b.contains("exit") || b.contains("signal")) {
            // The process wrote its last output before exiting: take what the pty still holds.
            if (master_ && !master_done_) {
                pollfd p{master_.get(), POLLIN, 0};
                while (::poll(&p, 1, 0) == 1 && pump(master_.get(), out_)) {
                }
            }
            restore_terminal();
            return status_of(b);
        }
        return std::nullopt;
    }

    void resize() {
        winsize ws{};
        for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
            if (tty_[fd] && ::ioctl(fd, TIOCGWINSZ, &ws) == 0)
                break;
        if (master_ && ws.ws_row)
            ::ioctl(master_.get(), TIOCSWINSZ, &ws);
    }

    // SIGWINCH resizes; other signals go to the session. SIGTERM and SIGHUP also end this
    // client (128+N), which hangs the session up, as killing a terminal would.
    std::optional<int> on_signals() {
        unsigned char sigs[64];
        ssize_t n = ::read(signals_, sigs, sizeof sigs);
        for (ssize_t i = 0; i < n; ++i) {
            int sig = sigs[i];
            if (sig == SIGWINCH) {
                resize();
                continue;
            }
            try {
                protocol::send(sock_.get(), {{"signal", sig}});
            } catch (const WslError&) {
            }
            if (sig == SIGTERM || sig == SIGHUP) {
                restore_terminal();
                return 128 + sig;
            }
        }
        return std::nullopt;
    }

    UniqueFd sock_, master_, own_out_;
    std::array<bool, 3> tty_;
    int signals_; // read end of the pipe the signal handler writes to
    int out_ = -1;
    bool stdin_done_ = false;
    bool master_done_ = false;
};

// WSLENV and the variables it names, which travel with the request (init translates paths,
// since it knows where the distro sees the host). Within the budget the frame allows.
std::optional<json> wslenv_vars() {
    const char* list = std::getenv("WSLENV");
    if (!list)
        return std::nullopt;
    auto too_big = [](size_t bytes) {
        if (bytes <= config::kMaxWslenvBytes)
            return false;
        print_warning(fmt::format("WSLENV: the variables it names are over {} KiB together; "
                                  "the rest are not passed.",
                                  config::kMaxWslenvBytes / 1024));
        return true;
    };
    if (!valid_utf8(list) || json(list).dump().size() > config::kMaxWslenvBytes) {
        print_warning("WSLENV is not passed: it is not UTF-8 text or is too long.");
        return std::nullopt;
    }
    json vars = {{"WSLENV", list}};
    size_t bytes = vars.dump().size();
    std::vector<std::string> skipped;
    for (const auto& e : config::parse_wslenv(list, &skipped)) {
        const char* v = std::getenv(e.name.c_str());
        if (!v)
            continue;
        if (!valid_utf8(v)) {
            print_warning(fmt::format("WSLENV: {} is not passed: its value is not UTF-8.", e.name));
            continue;
        }
        bytes += e.name.size() + json(v).dump().size() + 2;
        if (too_big(bytes))
            break;
        vars[e.name] = v;
    }
    for (const auto& s : skipped)
        print_warning(fmt::format("WSLENV: '{}' is not passed: not a variable name, or an "
                                  "unknown flag.",
                                  s));
    return vars;
}

} // namespace

int run_session(const Invocation& inv) {
    json req = {{"op", "run"}, {"argv", inv.command}};
    if (inv.distro)
        req["name"] = *inv.distro;
    else if (inv.distro_id)
        req["guid"] = *inv.distro_id;
    if (inv.user)
        req["user"] = *inv.user;
    req["shell_type"] = inv.exec ? "none" : inv.shell_type.value_or("standard");
    if (inv.cwd)
        req["cwd"] = *inv.cwd;
    else if (inv.home)
        req["cwd"] = "~";
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd))
        req["host_cwd"] = cwd;
    if (const char* term = std::getenv("TERM"))
        req["term"] = term;
    if (const char* lang = std::getenv("LANG"))
        req["lang"] = lang;
    if (auto vars = wslenv_vars())
        req["wslenv"] = std::move(*vars);
    std::array<bool, 3> tty{};
    for (int i = 0; i < 3; ++i)
        tty[i] = ::isatty(i);
    req["tty"] = {tty[0], tty[1], tty[2]};
    req["config"] = user_config();
    // A shell for a person at a terminal: the one launch that runs the first-run setup.
    req["interactive"] = inv.command.empty() && !inv.exec && tty[0] && tty[1];

    // A closed stdio fd would shift the others: stand in /dev/null for it.
    std::vector<UniqueFd> stand_ins;
    std::vector<int> fds;
    for (int i = 0; i < 3; ++i) {
        if (::fcntl(i, F_GETFD) >= 0) {
            fds.push_back(i);
        } else {
            stand_ins.emplace_back(::open("/dev/null", O_RDWR | O_CLOEXEC));
            fds.push_back(stand_ins.back().get());
        }
    }

    SignalPipe signals({SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1, SIGUSR2});

    // An interactive shell may first run the distro's first-run setup, on this terminal.
    // The request's connection closes once the session has started: the session has its own.
    UniqueFd sock;
    // Signals before a session exists are kept for it (USR1, USR2 and these). One that ends
    // the launch (INT, TERM, HUP, QUIT) cannot simply end this client, since the service may
    // have started the process already: the client says it is going (the service then starts
    // nothing more) and waits for the answer, which is either no session (then it dies of
    // the signal) or a session (which gets the signals first thing).
    std::vector<int> pending;
    std::optional<int> ending;
    {
        Request r(req, fds);
        auto next = [&] {
            try {
                return r.next();
            } catch (const WslError&) {
                if (ending)
                    die_of_signal(*ending);
                throw;
            }
        };
        while (!sock) {
            pollfd p[2] = {{r.sock(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
            if (::poll(p, 2, -1) < 0)
                continue;
            if (p[1].revents) {
                for (int sig : signals.take()) {
                    if (sig == SIGWINCH || pending.size() >= 64)
                        continue; // the size goes with the pty; a flood is not a request
                    // A second one does not wait for the service, which may be held up
                    // for long (a distro's start, boot.initTimeout): the user insists.
                    if (ending && sig != SIGUSR1 && sig != SIGUSR2)
                        die_of_signal(*ending);
                    pending.push_back(sig);
                    if (!ending && sig != SIGUSR1 && sig != SIGUSR2) {
                        ending = sig;
                        ::shutdown(r.sock(), SHUT_WR);
                    }
                }
                continue;
            }
            protocol::Message m = next();
            std::string type = m.body.value("type", "");
            // The first-run setup is part of the launch: a signal before it cancels it (it
            // runs again at the next launch).
            bool setup = type == "setup" || type == "setupRetry" || m.body.value("setup", false);
            if (ending && (setup || type == "result"))
                die_of_signal(*ending);
            if (type == "result")
                fail("E_UNEXPECTED", "The wsl service started no session.");
            if (type == "session" && !m.fds.empty()) {
                if (m.body.value("setup", false)) {
                    int code = Session(std::move(m.fds[0]), tty, signals.fd()).run();
                    r.send({{"setupExit", code}});
                } else {
                    sock = std::move(m.fds[0]);
                }
            } else if (type == "warning") {
                print_warning(m.body.value("message", ""));
            } else if (type == "setup" || type == "setupRetry") {
                if (type == "setup")
                    fmt::print("Please create a default UNIX user account. The username does not "
                               "need to match your user name on this host.\n");
                else
                    fmt::print(stderr, "{}\n", m.body.value("message", ""));
                auto account = prompt_account();
                if (!account)
                    fail("E_ABORT", "The first-run setup was cancelled; it runs again at the next "
                                    "launch.");
                r.send({{"setupUser", account->first}, {"password", account->second}});
            }
        }
    }
    for (int sig : pending) {
        try {
            protocol::send(sock.get(), {{"signal", sig}});
        } catch (const WslError&) {
        }
        if (sig == SIGTERM || sig == SIGHUP)
            return 128 + sig; // as Session does for these: the hang-up ends the rest
    }
    return Session(std::move(sock), tty, signals.fd()).run();
}

} // namespace wsl::cli
