#include "activation.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "base/error.h"

namespace wsl {

namespace {

constexpr int kFirstFd = 3; // SD_LISTEN_FDS_START

int socket_option(int fd, int option) {
    int value = -1;
    socklen_t len = sizeof value;
    if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0)
        return -1;
    return value;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

} // namespace

Activation take_activation() {
    Activation a;
    std::string pid = env("LISTEN_PID"), fds = env("LISTEN_FDS");
    a.notify_path = env("NOTIFY_SOCKET");
    for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET"})
        ::unsetenv(name);
    // Variables meant for another process (LISTEN_PID is not ours) are ignored, as systemd
    // specifies.
    if (pid.empty() || pid != std::to_string(::getpid()))
        return a;
    if (fds != "1")
        fail("WSL_E_SOCKET",
             "wslservice takes exactly one socket from systemd (LISTEN_FDS=" + fds + ").");
    struct stat st {};
    if (::fstat(kFirstFd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
        socket_option(kFirstFd, SO_DOMAIN) != AF_UNIX ||
        socket_option(kFirstFd, SO_TYPE) != SOCK_STREAM ||
        socket_option(kFirstFd, SO_ACCEPTCONN) != 1)
        fail("WSL_E_SOCKET", "The socket systemd passed is not a listening Unix stream socket "
                             "(check ListenStream= in wslservice.socket).");
    ::fcntl(kFirstFd, F_SETFD, FD_CLOEXEC);
    a.listener.reset(kFirstFd);
    return a;
}

void notify(const Activation& a, const std::string& state) {
    const std::string& path = a.notify_path;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() < 2 || path.size() >= sizeof addr.sun_path ||
        (path[0] != '/' && path[0] != '@'))
        return;
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (path[0] == '@')
        addr.sun_path[0] = '\0';
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd)
        ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<sockaddr*>(&addr), len);
}

} // namespace wsl
