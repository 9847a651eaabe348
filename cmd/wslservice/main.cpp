// wslservice: the root daemon. Listens on a Unix socket, identifies callers by SO_PEERCRED
// and runs each request on its own thread.
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
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
#include "connections.h"
#include "protocol/frame.h"
#include "runtime/child.h"
#include "service/service.h"
#include "worker.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One line of the log, whatever a client put in the text: at most 512 bytes, no control
// characters (a client's newline cannot forge a line of its own).
void log_line(const std::string& text) {
    constexpr size_t kMax = 512;
    std::string clean;
    clean.reserve(std::min(text.size(), kMax));
    for (char c : text.substr(0, kMax))
        clean += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    if (text.size() > kMax)
        clean += fmt::format("... ({} bytes)", text.size());
    fmt::print(stderr, "{:%Y-%m-%d %H:%M:%S} wslservice: {}\n", fmt::localtime(std::time(nullptr)),
               clean);
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

const wsl::ServiceLimits g_limits;
wsl::Connections g_connections(g_limits);
wsl::LogLimiter g_log_limiter(20, 200);
// When the last connection ended or a distro was last seen running: what the idle exit
// looks at.
std::atomic<Clock::rep> g_last_activity{0};

constexpr uid_t kServiceItself = static_cast<uid_t>(-1); // log_for's key for the service's own

// A line about one caller's request, within that caller's share of the log.
void log_for(uid_t uid, const std::string& text) {
    unsigned long dropped = 0;
    if (!g_log_limiter.allow(uid, &dropped))
        return;
    if (dropped)
        log_line(fmt::format("({} similar lines were not logged{})", dropped,
                             uid == kServiceItself ? "" : fmt::format(" for uid {}", uid)));
    log_line(text);
}

// An operation name fit for the log: a known shape, never a client's megabyte.
std::string printable_op(const json& body) {
    auto it = body.find("op");
    if (it == body.end() || !it->is_string())
        return "?";
    const std::string& op = it->get_ref<const std::string&>();
    bool plain = !op.empty() && op.size() <= 32 && std::all_of(op.begin(), op.end(), [](char c) {
        return std::islower(c) || c == '-';
    });
    return plain ? op : "(unknown)";
}

// Counted when the accept loop admits a connection; this, declared first in serve(), releases
// it after everything else of the connection (its fd included) is gone.
struct EndOfConnection {
    uid_t uid;
    ~EndOfConnection() {
        g_last_activity = Clock::now().time_since_epoch().count();
        g_connections.release(uid);
        // The last one out hands the memory of a burst back: a flood leaves no lasting RSS.
        if (g_connections.total() == 0)
            ::malloc_trim(0);
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

// Turns a connection away with an error frame, without waiting on a client that does not read.
void refuse(int conn, const std::string& code, const std::string& message) {
    json body = error_reply(wsl::WslError(code, message));
    std::string text = body.dump();
    uint32_t n = static_cast<uint32_t>(text.size());
    std::string frame{char(n), char(n >> 8), char(n >> 16), char(n >> 24)};
    frame += text;
    [[maybe_unused]] ssize_t sent =
        ::send(conn, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

// One connection carries one request (DESIGN §4): the request, its events, one reply.
void serve(wsl::service::Service& svc, wsl::UniqueFd accepted, wsl::service::Caller caller) {
    EndOfConnection counted{caller.uid};
    wsl::UniqueFd conn = std::move(accepted);
    std::optional<wsl::protocol::Message> msg;
    try {
        msg = wsl::protocol::receive(conn.get(), static_cast<int>(g_limits.first_frame.count()));
    } catch (const wsl::WslError& e) {
        log_for(caller.uid, fmt::format("uid {} pid {}: {}", caller.uid, caller.pid, e.what()));
        try {
            wsl::protocol::send(conn.get(), error_reply(e));
        } catch (const wsl::WslError&) {
        }
        return; // the stream cannot be trusted past a bad frame
    }
    if (!msg)
        return;
    std::string op = printable_op(msg->body);
    if (op != "list" && op != "status")
        log_for(caller.uid, fmt::format("uid {} pid {}: {}", caller.uid, caller.pid, op));
    wsl::service::Channel ch(conn.get());
    json reply;
    try {
        reply = svc.handle(caller, *msg, ch);
        reply["type"] = "result";
    } catch (const wsl::WslError& e) {
        if (e.code() != "WSL_E_DISTRO_NOT_FOUND")
            log_for(caller.uid,
                    fmt::format("uid {} {}: {} ({})", caller.uid, op, e.what(), e.code()));
        reply = error_reply(e);
    } catch (const std::exception& e) {
        log_for(caller.uid, fmt::format("uid {} {}: internal error: {}", caller.uid, op, e.what()));
        reply = error_reply(wsl::WslError("E_UNEXPECTED", e.what()));
    }
    msg.reset(); // the request's fds go before the reply, not after the client reads it
    try {
        wsl::protocol::send(conn.get(), reply);
    } catch (const wsl::WslError&) {
    }
}

// A descriptor kept in reserve: when the service runs out, giving it back for a moment lets
// the accept loop take the waiting client and answer it, instead of spinning on EMFILE.
class Reserve {
public:
    Reserve() { take(); }
    void take() { fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }
    void give_back() { fd_.reset(); }

private:
    wsl::UniqueFd fd_;
};

// Waits for the next client. With an idle timeout, returns -1 once the service has had no
// client, no running distro and no operation for that long (sampled four times a second).
// The listener is non-blocking: accept never waits, since it fails with EMFILE at once when
// the service is out of descriptors, even with nobody waiting.
int next_client(int listener, wsl::service::Service& svc, std::chrono::seconds idle_timeout,
                Reserve& reserve) {
    int out_of_fds = 0; // consecutive EMFILE tries for the client waiting now
    for (;;) {
        int wait_ms = -1;
        if (idle_timeout.count() > 0) {
            if (g_connections.total() > 0 || !svc.idle())
                g_last_activity = Clock::now().time_since_epoch().count();
            auto since = Clock::now() - Clock::time_point(Clock::duration(g_last_activity));
            auto left = idle_timeout - since;
            if (left <= Clock::duration::zero())
                return -1;
            wait_ms = std::min<int>(
                250, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
        }
        pollfd p{listener, POLLIN, 0};
        if (out_of_fds)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        else if (::poll(&p, 1, wait_ms) <= 0)
            continue;
        int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0)
            return c;
        if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM) {
            if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
                wsl::fail_errno("WSL_E_SOCKET", "accept");
            out_of_fds = 0;
            continue;
        }
        // Out of descriptors: a connection ending soon frees one, so try for 100 ms; then
        // spend the reserve to answer the waiting client rather than leave it hanging.
        if (++out_of_fds < 10)
            continue;
        int err = errno;
        out_of_fds = 0;
        reserve.give_back();
        if (int turned = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC); turned >= 0) {
            refuse(turned, "E_OUTOFMEMORY",
                   "The wsl service is out of resources; try again in a moment.");
            ::close(turned);
        }
        reserve.take();
        log_for(kServiceItself, fmt::format("accept: {} (refused a client)", std::strerror(err)));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// Admits a new connection and starts its thread, or answers it with why not.
void dispatch(wsl::service::Service& svc, wsl::UniqueFd conn) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return;
    // Before it counts against anyone: a subordinate id would otherwise be a fresh "user"
    // with limits of its own, and a user owns 65,536 of them.
    if (svc.is_distro_id(cred.uid))
        return refuse(conn.get(), "WSL_E_ACCESS_DENIED",
                      "The wsl service serves the host's users; this process runs as an id of a "
                      "distribution.");
    switch (g_connections.admit(cred.uid)) {
    case wsl::Connections::Verdict::UserFull:
        log_for(cred.uid, fmt::format("uid {}: refused a connection ({} open, the limit per user)",
                                      cred.uid, g_limits.connections_per_user));
        return refuse(conn.get(), "E_TOO_MANY_CONNECTIONS",
                      fmt::format("You have {} requests open with the wsl service, its limit per "
                                  "user; wait for some to finish.",
                                  g_limits.connections_per_user));
    case wsl::Connections::Verdict::ServiceFull:
        log_for(cred.uid,
                fmt::format("uid {}: refused a connection (the service is full)", cred.uid));
        return refuse(conn.get(), "E_TOO_MANY_CONNECTIONS",
                      "The wsl service is serving as many requests as it can; try again later.");
    case wsl::Connections::Verdict::Admitted:
        break;
    }
    wsl::service::Caller caller{cred.uid, cred.gid, cred.pid};
    try {
        std::thread(serve, std::ref(svc), std::move(conn), caller).detach();
    } catch (const std::system_error& e) {
        g_connections.release(cred.uid);
        log_line(fmt::format("cannot start a thread: {}", e.what()));
    }
}

// Raises the soft RLIMIT_NOFILE (and the hard one where it is lower) so that the service's
// own limits, not the kernel's, decide who gets refused. Children get the original back.
void raise_open_files() {
    rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    wsl::runtime::set_child_nofile(rl);
    rlimit want = rl;
    want.rlim_cur = std::max<rlim_t>(rl.rlim_cur, g_limits.open_files);
    want.rlim_max = std::max<rlim_t>(rl.rlim_max, want.rlim_cur);
    if (::setrlimit(RLIMIT_NOFILE, &want) != 0) {
        want.rlim_cur = rl.rlim_max;
        want.rlim_max = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &want);
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
    raise_open_files();
    // One thread per connection would otherwise get up to 8 malloc arenas per core, each
    // keeping what a burst of requests left in it.
    ::mallopt(M_ARENA_MAX, 2);
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
        Reserve reserve;
        ::fcntl(listener.get(), F_SETFL, ::fcntl(listener.get(), F_GETFL) | O_NONBLOCK);
        for (;;) {
            int c = next_client(listener.get(), svc, idle_timeout, reserve);
            if (c < 0)
                break;
            dispatch(svc, wsl::UniqueFd(c));
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
