#include "runtime/child.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "base/error.h"

namespace wsl::runtime {

Child::~Child() {
    if (pid_ > 0 && !reaped_) {
        kill();
        wait();
    }
}

void Child::kill() {
    if (pid_ > 0 && !reaped_)
        ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
}

int Child::wait() {
    if (pid_ <= 0 || reaped_)
        return -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

namespace {

// Read by children between clone and exec: written once, before any child exists.
rlimit g_child_nofile{RLIM_INFINITY, RLIM_INFINITY};
bool g_child_nofile_set = false;

void write_file(pid_t pid, const char* name, const std::string& text) {
    auto path = fmt::format("/proc/{}/{}", pid, name);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        fail_errno("WSL_E_USERNS", "Cannot write " + path);
}

// Runs in the cloned child: only raw system calls from here to execve, because the parent
// may be multithreaded and its locks are in an unknown state.
[[noreturn]] void child_main(int sync_fd, const std::vector<int>& fds, char* const* argv,
                             char* const* envp, const SpawnOptions& opts) {
    char c;
    if (::read(sync_fd, &c, 1) != 1)
        ::_exit(126);
    // Ignored signals stay ignored across exec: a service started from a shell's background
    // job ignores SIGINT and SIGQUIT, and a distro must not inherit that.
    struct kernel_sigaction {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)();
        unsigned long mask;
    } dfl{SIG_DFL, 0, nullptr, 0};
    for (int s = 1; s <= 64; ++s)
        if (s != SIGKILL && s != SIGSTOP)
            ::syscall(SYS_rt_sigaction, s, &dfl, nullptr, sizeof(unsigned long));
    sigset_t none;
    sigemptyset(&none);
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof(long));
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setresgid, 0, 0, 0) != 0 ||
        ::syscall(SYS_setresuid, 0, 0, 0) != 0)
        ::_exit(126);
    if (opts.die_with_thread)
        ::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (g_child_nofile_set)
        ::syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &g_child_nofile, nullptr);
    if (opts.nproc != RLIM_INFINITY) {
        rlimit nproc{opts.nproc, opts.nproc};
        if (::syscall(SYS_prlimit64, 0, RLIMIT_NPROC, &nproc, nullptr) != 0)
            ::_exit(126);
    }
    // Move the fds out of the way first so that dup2 onto 3.. cannot clobber a source.
    int exec_fd = opts.exec_fd < 0
                      ? -1
                      : static_cast<int>(::syscall(SYS_fcntl, opts.exec_fd, F_DUPFD_CLOEXEC, 96));
    int moved[16];
    for (size_t i = 0; i < fds.size() && i < 16; ++i)
        moved[i] = static_cast<int>(::syscall(SYS_fcntl, fds[i], F_DUPFD, 64 + i));
    for (size_t i = 0; i < fds.size() && i < 16; ++i)
        if (moved[i] < 0 || ::syscall(SYS_dup2, moved[i], 3 + i) < 0)
            ::_exit(126);
    if (opts.exec_fd >= 0) {
        // The file's fd must outlive close_range until execveat has opened it.
        ::syscall(SYS_close_range, 3 + fds.size(), ~0U, CLOSE_RANGE_CLOEXEC);
        ::syscall(SYS_execveat, exec_fd, "", argv, envp, AT_EMPTY_PATH);
        ::_exit(127);
    }
    ::syscall(SYS_close_range, 3 + fds.size(), ~0U, 0);
    ::syscall(SYS_execve, argv[0], argv, envp);
    ::_exit(127);
}

// Before anything else: the parent's stdio (the service's log) must not reach the child.
[[noreturn]] void child_start(int sync_fd, const std::vector<int>& fds, char* const* argv,
                              char* const* envp, const SpawnOptions& opts) {
    if (opts.null_stdio) {
        int null = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR));
        if (null < 0)
            ::_exit(126);
        for (int i = 0; i < 3; ++i)
            ::syscall(SYS_dup2, null, i);
        if (null > 2)
            ::syscall(SYS_close, null);
    }
    child_main(sync_fd, fds, argv, envp, opts);
    ::_exit(127);
}

} // namespace

void set_child_nofile(const rlimit& limit) {
    g_child_nofile = limit;
    g_child_nofile_set = true;
}

Child spawn_in_userns(const IdMap& map, const std::vector<std::string>& args,
                      const std::vector<int>& fds, const SpawnOptions& opts) {
    if (fds.size() > 16)
        fail("WSL_E_USERNS", "Too many descriptors for a child.");
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    char lang[] = "LANG=C.UTF-8";
    std::vector<char*> envp = {path, lang};
#ifdef WSL_TEST_HOOKS
    // The pause hooks reach wsl-init too (base/test_hook.h); their paths are the distro's.
    std::vector<std::string> hooks;
    for (const char* name : {"WSL_TEST_PAUSE_AT", "WSL_TEST_PAUSE_MARK", "WSL_TEST_PAUSE_RELEASE"})
        if (const char* v = std::getenv(name))
            hooks.push_back(std::string(name) + "=" + v);
    for (auto& h : hooks)
        envp.push_back(h.data());
#endif
    envp.push_back(nullptr);

    int sync[2];
    if (::pipe2(sync, O_CLOEXEC) != 0)
        fail_errno("WSL_E_USERNS", "pipe");
    UniqueFd sync_read(sync[0]), sync_write(sync[1]);

    int pidfd = -1;
    clone_args ca{};
    ca.flags = CLONE_NEWUSER | CLONE_PIDFD | opts.namespaces;
    ca.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    ca.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &ca, sizeof ca);
    if (pid < 0)
        fail_errno("WSL_E_USERNS", "Cannot create a user namespace");
    if (pid == 0)
        child_start(sync_read.get(), fds, argv.data(), envp.data(), opts);

    Child child(static_cast<pid_t>(pid), UniqueFd(pidfd));
    write_file(child.pid(), "uid_map", map.uid_map());
    write_file(child.pid(), "gid_map", map.gid_map());
    if (opts.before_start)
        opts.before_start(child.pid());
    if (::write(sync_write.get(), "x", 1) != 1)
        fail_errno("WSL_E_USERNS", "Cannot start the child");
    return child;
}

} // namespace wsl::runtime
