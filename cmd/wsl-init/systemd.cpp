#include "systemd.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace wsl::init {

namespace {

constexpr const char* kSystemd[] = {"/lib/systemd/systemd", "/usr/lib/systemd/systemd"};

const char* systemd_path() {
    for (const char* p : kSystemd)
        if (::access(p, X_OK) == 0)
            return p;
    return nullptr;
}

} // namespace

std::string systemctl(const Instance& inst, const char* verb, const char* arg) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        enter_namespaces(inst);
        // The distro's program gets none of init's descriptors (the control socket to the
        // service, the sessions' sockets): close-on-exec, once the namespaces are entered.
        ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        ::dup2(p[1], 1);
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 2);
        const char* env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", nullptr};
        ::execle("/bin/systemctl", "systemctl", verb, arg, static_cast<char*>(nullptr), env);
        _exit(127);
    }
    ::close(p[1]);
    std::string out;
    char buf[256];
    pollfd pf{p[0], POLLIN, 0};
    // The distro owns systemctl: 2 s for the whole answer, however slowly it trickles out,
    // since init does nothing else meanwhile.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (out.size() < 4096) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0 || ::poll(&pf, 1, static_cast<int>(left)) != 1)
            break;
        ssize_t n = ::read(p[0], buf, sizeof buf);
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(p[0]);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

bool wants_systemd(const Instance& inst) {
    return inst.conf.boot_systemd && systemd_path() != nullptr;
}

std::string exec_systemd(const Instance& inst) {
    const char* path = systemd_path();
    enter_namespaces(inst);
    // systemd needs a cgroup tree it may write: its own cgroup2 view, rooted at the
    // distro's cgroup (delegated to the distro's root by the service), in a cgroup namespace
    // the distro's user namespace owns.
    if (::unshare(CLONE_NEWCGROUP) != 0)
        return std::string("Cannot make a cgroup namespace for systemd: ") + std::strerror(errno);
    if (::mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) != 0)
        return std::string("Cannot mount cgroup2 for systemd: ") + std::strerror(errno);
    reset_signals();
    // As for systemctl: none of init's descriptors for the distro's systemd (the control
    // socket stays open for the error report should the exec fail).
    ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    int null = ::open("/dev/console", O_RDWR);
    for (int i = 0; i < 3; ++i)
        ::dup2(null, i);
    ::chdir("/");
    const char* env[] = {"container=wsl", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
                         nullptr};
    ::execle(path, path, "--unit=multi-user.target", static_cast<char*>(nullptr), env);
    return std::string("Cannot start systemd: ") + std::strerror(errno);
}

std::vector<std::string> wait_for_systemd(const Instance& inst) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(inst.conf.boot_init_timeout_ms);
    std::string state;
    do {
        state = systemctl(inst, "is-system-running");
        if (state == "running" || state == "degraded")
            return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < deadline);
    return {"systemd did not finish starting within " +
            std::to_string(inst.conf.boot_init_timeout_ms) +
            " ms (boot.initTimeout); state: " + (state.empty() ? "unknown" : state)};
}

} // namespace wsl::init
