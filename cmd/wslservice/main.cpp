// wslservice: the root daemon. Listens on a Unix socket, identifies callers by SO_PEERCRED
// and runs each request on its own thread.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "activation.h"
#include "base/error.h"
#include "base/log.h"
#include "protocol/frame.h"
#include "service/service.h"
#include "worker.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void log_line(const std::string& text) {
    fmt::print(stderr, "{:%Y-%m-%d %H:%M:%S} wslservice: {}\n", fmt::localtime(std::time(nullptr)),
               text);
}

// --help asked for it (stdout, 0), or the command line is wrong (stderr, 2).
int usage(bool asked = false) {
    fmt::print(asked ? stdout : stderr,
               "Usage: wslservice [--socket PATH] [--state-dir DIR] [--idle-timeout SECONDS]\n"
               "Runs the wsl service in the foreground, logging to stderr.\n"
               "  --socket PATH            Listen here (default /run/wsl/wslservice.sock), unless\n"
               "                           systemd passes a socket (LISTEN_FDS).\n"
               "  --state-dir DIR          Registries and default storage (default /var/lib/wsl).\n"
               "  --idle-timeout SECONDS   Exit after SECONDS with no client, no running\n"
               "                           distribution and no operation (0: never; default 0,\n"
               "                           or 60 when socket-activated).\n");
    return 2;
}

using Clock = std::chrono::steady_clock;

// Connections being served, and when the last one ended: what the idle exit looks at.
std::atomic<int> g_connections{0};
std::atomic<Clock::rep> g_last_activity{0};

// Counted up when a connection is accepted; this, declared first in serve(), counts it down
// after everything else of the connection (its fd included) is gone.
struct EndOfConnection {
    ~EndOfConnection() {
        g_last_activity = Clock::now().time_since_epoch().count();
        --g_connections;
    }
};

wsl::UniqueFd listen_on(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        wsl::fail("WSL_E_SOCKET", "The socket path is too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fs::create_directories(fs::path(path).parent_path());

    wsl::UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
        wsl::fail("WSL_E_SOCKET", "Another wslservice already listens on " + path);
    ::unlink(path.c_str()); // stale socket of a dead service

    wsl::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        wsl::fail_errno("WSL_E_SOCKET", "Cannot bind " + path);
    ::chmod(path.c_str(), 0666);
    if (::listen(fd.get(), 128) != 0)
        wsl::fail_errno("WSL_E_SOCKET", "Cannot listen on " + path);
    return fd;
}

json error_reply(const wsl::WslError& e) {
    return {{"type", "error"}, {"code", e.code()}, {"context", e.context()}, {"message", e.what()}};
}

void serve(wsl::service::Service& svc, wsl::UniqueFd accepted) {
    EndOfConnection counted;
    wsl::UniqueFd conn = std::move(accepted);
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return;
    wsl::service::Caller caller{cred.uid, cred.gid, cred.pid};
    // A connection that sends nothing for a minute is dropped rather than holding a thread.
    timeval idle{60, 0};
    ::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
    wsl::service::Channel ch(conn.get());
    for (;;) {
        std::optional<wsl::protocol::Message> msg;
        try {
            msg = wsl::protocol::receive(conn.get());
        } catch (const wsl::WslError& e) {
            log_line(fmt::format("uid {} pid {}: {}", caller.uid, caller.pid, e.what()));
            try {
                wsl::protocol::send(conn.get(), error_reply(e));
            } catch (const wsl::WslError&) {
            }
            return; // the stream cannot be trusted past a bad frame
        }
        if (!msg)
            return;
        auto op_field = msg->body.find("op");
        std::string op = op_field != msg->body.end() && op_field->is_string()
                             ? op_field->get<std::string>()
                             : "?";
        if (op != "list" && op != "status")
            log_line(fmt::format("uid {} pid {}: {}", caller.uid, caller.pid, op));
        json reply;
        try {
            reply = svc.handle(caller, *msg, ch);
            reply["type"] = "result";
        } catch (const wsl::WslError& e) {
            if (e.code() != "WSL_E_DISTRO_NOT_FOUND")
                log_line(fmt::format("uid {} {}: {} ({})", caller.uid, op, e.what(), e.code()));
            reply = error_reply(e);
        } catch (const std::exception& e) {
            log_line(fmt::format("uid {} {}: internal error: {}", caller.uid, op, e.what()));
            reply = error_reply(wsl::WslError("E_UNEXPECTED", e.what()));
        }
        try {
            wsl::protocol::send(conn.get(), reply);
        } catch (const wsl::WslError&) {
            return;
        }
    }
}

// Waits for the next client. With an idle timeout, returns -1 once the service has had no
// client, no running distro and no operation for that long (sampled four times a second).
int next_client(int listener, wsl::service::Service& svc, std::chrono::seconds idle_timeout) {
    for (;;) {
        if (idle_timeout.count() > 0) {
            if (g_connections > 0 || !svc.idle())
                g_last_activity = Clock::now().time_since_epoch().count();
            auto since = Clock::now() - Clock::time_point(Clock::duration(g_last_activity));
            auto left = idle_timeout - since;
            if (left <= Clock::duration::zero())
                return -1;
            pollfd p{listener, POLLIN, 0};
            int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
            if (::poll(&p, 1, std::min(ms, 250)) == 0)
                continue;
        }
        int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0)
            return c;
        if (errno != EINTR && errno != ECONNABORTED && errno != EMFILE && errno != EAGAIN)
            wsl::fail_errno("WSL_E_SOCKET", "accept");
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "__worker") == 0)
        return wsl::worker_main(argc, argv);

    std::string socket_path = "/run/wsl/wslservice.sock";
    std::string state_dir = "/var/lib/wsl";
    std::optional<long> idle_seconds;
    if (const char* env = std::getenv("WSL_SERVICE_SOCKET"); env && *env)
        socket_path = env;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "--socket" || a == "--state-dir") && i + 1 < argc) {
            (a == "--socket" ? socket_path : state_dir) = argv[++i];
        } else if (a == "--idle-timeout" && i + 1 < argc) {
            char* end = nullptr;
            errno = 0;
            long v = std::strtol(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || v < 0) {
                fmt::print(stderr, "wslservice: --idle-timeout takes whole seconds, 0 or more.\n");
                return 2;
            }
            idle_seconds = v;
        } else if (a == "--help" || a == "-h") {
            return usage(true), 0;
        } else {
            return usage();
        }
    }
    if (::geteuid() != 0) {
        fmt::print(stderr, "wslservice: must run as root (it maps user ids and owns the "
                           "distributions' storage).\n");
        return 1;
    }
    ::signal(SIGPIPE, SIG_IGN);
    ::umask(022);
    wsl::set_log_sink(log_line);
    try {
        // Workers re-execute this very binary, even if the file was replaced since.
        wsl::service::Service svc(fs::absolute(state_dir), "/proc/self/exe");
        // Listen before recovering: clients wait in the backlog instead of finding no
        // service (and, as root, starting a second one).
        wsl::Activation act = wsl::take_activation();
        bool activated = static_cast<bool>(act.listener);
        wsl::UniqueFd listener = activated ? std::move(act.listener) : listen_on(socket_path);
        auto idle_timeout = std::chrono::seconds(idle_seconds.value_or(activated ? 60 : 0));
        svc.kill_leftovers();
        svc.recover();
        log_line(fmt::format("listening on {} (state in {}){}",
                             activated ? "the socket systemd passed" : socket_path, state_dir,
                             idle_timeout.count()
                                 ? fmt::format(", exiting when idle for {} s", idle_timeout.count())
                                 : ""));
        g_last_activity = Clock::now().time_since_epoch().count();
        wsl::notify(act, fmt::format("READY=1\nMAINPID={}\nSTATUS=Listening", ::getpid()));
        for (;;) {
            int c = next_client(listener.get(), svc, idle_timeout);
            if (c < 0)
                break;
            ++g_connections;
            std::thread(serve, std::ref(svc), wsl::UniqueFd(c)).detach();
        }
        // Everything the service knows is on disk; a socket-activated service is started again
        // by the next connection, which waits in the listening socket's backlog meanwhile.
        wsl::notify(act, "STOPPING=1\nSTATUS=Idle, exiting");
        log_line("idle, exiting");
        std::fflush(stderr);
        ::_exit(0); // detached connection threads have ended; skip static destructors

    } catch (const std::exception& e) {
        log_line(e.what());
        return 1;
    }
}
