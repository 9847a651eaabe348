#include "client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/error.h"
#include "protocol/frame.h"

namespace wsl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

std::string socket_path() {
    const char* env = std::getenv("WSL_SERVICE_SOCKET");
    return env && *env ? env : "/run/wsl/wslservice.sock";
}

namespace {

UniqueFd try_connect(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        fail("WSL_E_SERVICE_NOT_RUNNING", "The service socket path is too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return {};
    return fd;
}

// Starts wslservice from beside this binary, detached from the terminal and this process.
void start_service(const std::string& path) {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    fs::path exe = self.parent_path() / "wslservice";
    const char* env = std::getenv("WSL_STATE_DIR");
    std::string state = env && *env ? env : "/var/lib/wsl";
    fs::create_directories(state, ec);
    std::string logfile = state + "/wslservice.log";
    pid_t pid = ::fork();
    if (pid < 0)
        fail_errno("WSL_E_SERVICE_NOT_RUNNING", "Cannot start wslservice");
    if (pid == 0) {
        // Double fork: the service is reparented to init and outlives this command.
        ::setsid();
        if (::fork() != 0)
            ::_exit(0);
        int in = ::open("/dev/null", O_RDONLY);
        int log = ::open(logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        ::dup2(in, 0);
        ::dup2(log >= 0 ? log : in, 1);
        ::dup2(log >= 0 ? log : in, 2);
        ::execl(exe.c_str(), "wslservice", "--socket", path.c_str(), "--state-dir", state.c_str(),
                nullptr);
        ::_exit(127);
    }
    int status;
    ::waitpid(pid, &status, 0);
}

} // namespace

UniqueFd connect_service() {
    const std::string path = socket_path();
    if (UniqueFd fd = try_connect(path))
        return fd;
    if (::geteuid() != 0)
        fail("WSL_E_SERVICE_NOT_RUNNING",
             fmt::format("The wsl service is not running (no socket at {}). Start it as root: "
                         "'sudo wslservice &', or run any 'sudo wsl' command, which starts it.",
                         path));
    start_service(path);
    for (int i = 0; i < 500; ++i) { // up to 5 s
        if (UniqueFd fd = try_connect(path))
            return fd;
        timespec ts{0, 10 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    fail("WSL_E_SERVICE_NOT_RUNNING",
         fmt::format("wslservice did not start listening on {}; see its log in the state "
                     "directory.",
                     path));
}

json request(json body, const std::vector<int>& fds,
             const std::function<void(const json&)>& on_event) {
    return request_events(std::move(body), fds, [&](protocol::Message& m) {
        if (on_event)
            on_event(m.body);
    });
}

Request::Request(json body, const std::vector<int>& fds) : sock_(connect_service()) {
    body["v"] = protocol::kVersion;
    try {
        protocol::send(sock_.get(), body, fds);
    } catch (const WslError&) {
        // A service that turns the request away (too many requests) answers and hangs up
        // before reading it: its answer says more than the broken pipe.
        if (auto m = protocol::receive(sock_.get(), 1000);
            m && m->body.value("type", "") == "error")
            next_from(std::move(*m));
        throw;
    }
}

protocol::Message Request::next() {
    std::optional<protocol::Message> m = protocol::receive(sock_.get());
    if (!m)
        fail("E_UNEXPECTED", "The wsl service closed the connection unexpectedly.");
    return next_from(std::move(*m));
}

protocol::Message Request::next_from(protocol::Message m) {
    const json& r = m.body;
    if (r.value("type", "") == "error")
        throw WslError(r.value("code", "E_UNEXPECTED"), r.value("message", ""),
                       r.value("context", ""));
    return m;
}

void Request::send(const json& body) {
    protocol::send(sock_.get(), body);
}

json request_events(json body, const std::vector<int>& fds,
                    const std::function<void(protocol::Message&)>& on_event) {
    Request r(std::move(body), fds);
    for (;;) {
        protocol::Message m = r.next();
        if (m.body.value("type", "") == "result")
            return m.body;
        on_event(m);
    }
}

} // namespace wsl::cli
