#include "session.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/test_hook.h"
#include "config/passwd.h"
#include "config/wslenv.h"
#include "etc_files.h"
#include "login_session.h"
#include "protocol/frame.h"
#include "session_lang.h"

namespace wsl::init {

namespace {

// WSL's HOSTTYPE: the machine, as uname reports it (x86_64, aarch64).
std::string host_type() {
    utsname u{};
    ::uname(&u);
    return u.machine;
}

constexpr gid_t kTtyGid = 5;
constexpr size_t kMaxUserFile = 8u << 20;
constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:"
                              "/usr/games:/usr/local/games:/run/wsl/bin";

bool all_digits(const std::string& s) {
    return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
}

config::PasswdEntry bare_user(uid_t uid) {
    config::PasswdEntry e;
    e.uid = uid;
    e.gid = uid;
    e.name = uid == 0 ? "root" : std::to_string(uid);
    e.home = uid == 0 ? "/root" : "/";
    e.shell = "/bin/sh";
    return e;
}

// Users are looked up in the distro's own files (this process is inside it); -u beats
// [user] default in wsl.conf, which beats the uid stored at registration.
config::PasswdEntry resolve_user(const Instance& inst, const nlohmann::json& req) {
    std::string passwd = read_file("/etc/passwd", kMaxUserFile);
    std::string name = req.value("user", "");
    if (name.empty())
        name = inst.conf.user_default;
    if (!name.empty()) {
        if (auto e = config::find_user(passwd, name))
            return *e;
        if (all_digits(name)) {
            auto uid = static_cast<uid_t>(std::stoul(name));
            if (auto e = config::find_uid(passwd, uid))
                return *e;
            return bare_user(uid);
        }
        fail("WSL_E_USER_NOT_FOUND");
    }
    auto uid = req.value("default_uid", 0u);
    if (auto e = config::find_uid(passwd, uid))
        return *e;
    return bare_user(uid);
}

std::string join(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) {
        if (!out.empty())
            out += ' ';
        out += a;
    }
    return out;
}

std::string base_name(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// wsl.exe's three ways to run: a login shell, "$SHELL -c <joined args>", or argv as given.
std::vector<std::string> command_line(const nlohmann::json& req, const std::string& shell,
                                      std::string& exe) {
    auto args = req.value("argv", std::vector<std::string>{});
    std::string type = req.value("shell_type", "standard");
    exe = shell;
    if (args.empty())
        return {"-" + base_name(shell)};
    if (type == "none") {
        exe = args[0];
        return args;
    }
    if (type == "login")
        return {"-" + base_name(shell), "-c", join(args)};
    return {shell, "-c", join(args)};
}

std::string working_dir(const Instance& inst, const nlohmann::json& req, const std::string& home,
                        bool& must) {
    std::string cwd = req.value("cwd", "");
    std::string host_root = inst.conf.automount_root + "host";
    std::string host_cwd = req.value("host_cwd", "");
    must = !cwd.empty();
    if (cwd.empty())
        return inst.conf.automount_enabled && !host_cwd.empty() ? host_root + host_cwd : home;
    if (cwd == "~")
        return home;
    if (cwd.starts_with("~/"))
        return home + cwd.substr(1);
    if (cwd.front() == '/')
        return cwd;
    return host_root + host_cwd + "/" + cwd;
}

[[noreturn]] void die(const char* what, const std::string& arg) {
    int e = errno;
    dprintf(2, "wsl: %s %s: %s\n", what, arg.c_str(), std::strerror(e));
    _exit(e == ENOENT ? 127 : 126);
}

} // namespace

void reset_signals() {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s)
        ::signal(s, SIG_DFL);
}

void enter_namespaces(const Instance& inst) {
    const std::pair<int, int> order[] = {{inst.user_ns.get(), CLONE_NEWUSER},
                                         {inst.mnt_ns.get(), CLONE_NEWNS},
                                         {inst.uts_ns.get(), CLONE_NEWUTS},
                                         {inst.ipc_ns.get(), CLONE_NEWIPC}};
    for (auto [fd, type] : order)
        if (::setns(fd, type) != 0)
            die("cannot enter the distribution's namespace", std::to_string(type));
}

void make_inner_namespaces(Instance& inst) {
    int sync[2];
    if (::pipe2(sync, O_CLOEXEC) != 0)
        fail_errno("WSL_E_INIT_FAILED", "pipe");
    UniqueFd rd(sync[0]), wr(sync[1]);
    pid_t pid = ::fork();
    if (pid < 0)
        fail_errno("WSL_E_INIT_FAILED", "fork");
    if (pid == 0) {
        // uts and ipc too: their owner decides who may change them (the distro's root may
        // set its hostname).
        char c =
            ::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) == 0 ? 'y' : 'n';
        if (::write(wr.get(), &c, 1) != 1)
            _exit(1);
        ::pause();
        _exit(0);
    }
    wr.reset();
    char c = 0;
    bool ok = ::read(rd.get(), &c, 1) == 1 && c == 'y';
    // Identity over init's own ids, extent by extent: the kernel wants each extent of the
    // inner map to fall inside one extent of the outer map.
    auto write_map = [&](const char* file) {
        std::string outer = read_file((std::string("/proc/self/") + file).c_str(), 4096), map;
        std::istringstream lines(outer);
        unsigned long inside, outside, count;
        while (lines >> inside >> outside >> count)
            map += std::to_string(inside) + " " + std::to_string(inside) + " " +
                   std::to_string(count) + "\n";
        std::string path = "/proc/" + std::to_string(pid) + "/" + file;
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        return fd && !map.empty() &&
               ::write(fd.get(), map.data(), map.size()) == static_cast<ssize_t>(map.size());
    };
    std::string ns = "/proc/" + std::to_string(pid) + "/ns/";
    if (ok && write_map("uid_map") && write_map("gid_map")) {
        inst.user_ns.reset(::open((ns + "user").c_str(), O_RDONLY | O_CLOEXEC));
        inst.mnt_ns.reset(::open((ns + "mnt").c_str(), O_RDONLY | O_CLOEXEC));
        inst.uts_ns.reset(::open((ns + "uts").c_str(), O_RDONLY | O_CLOEXEC));
        inst.ipc_ns.reset(::open((ns + "ipc").c_str(), O_RDONLY | O_CLOEXEC));
    }
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    errno = err;
    if (!inst.user_ns || !inst.mnt_ns || !inst.uts_ns || !inst.ipc_ns)
        fail_errno("WSL_E_INIT_FAILED", "Cannot create the distribution's user namespace");
}

pid_t start_session(const Instance& inst, const nlohmann::json& req, std::vector<UniqueFd>& fds) {
    if (fds.size() != 4)
        fail("WSL_E_PROTOCOL", "A session needs its socket and three standard streams.");
    config::PasswdEntry user = resolve_user(inst, req);
    std::vector<gid_t> groups =
        config::supplementary_groups(read_file("/etc/group", kMaxUserFile), user.name, user.gid);
    std::string shell = user.shell.empty() ? "/bin/sh" : user.shell;
    std::string exe;
    std::vector<std::string> args = command_line(req, shell, exe);
    bool must_cd = false;
    std::string cwd = working_dir(inst, req, user.home, must_cd);
    std::string host_cwd = req.value("host_cwd", std::string());

    std::vector<std::string> env = {
        "HOME=" + user.home,
        "USER=" + user.name,
        "LOGNAME=" + user.name,
        "SHELL=" + shell,
        std::string("PATH=") + kPath,
        "LANG=" + session_lang(req.value("lang", std::string())),
        "WSL_DISTRO_NAME=" + inst.distro_name,
        "NAME=" + inst.hostname,
        "HOSTTYPE=" + host_type(),
    };
    if (auto term = req.value("term", std::string()); !term.empty())
        env.push_back("TERM=" + term);
    for (auto& v : join_login_session(inst, user, fds[3].get()))
        env.push_back(std::move(v));
    config::add_wslenv(env, req.value("wslenv", std::map<std::string, std::string>{}),
                       inst.conf.automount_enabled ? inst.conf.automount_root + "host" : "");

    auto tty = req.value("tty", std::vector<bool>{});
    tty.resize(3, false);
    bool want_pty = tty[0] || tty[1] || tty[2];
    UniqueFd master, slave;
    if (want_pty) {
        master = UniqueFd(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
        int unlock = 0;
        if (!master || ::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0)
            fail_errno("WSL_E_INIT_FAILED", "Cannot open a pseudo terminal");
        slave = UniqueFd(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!slave)
            fail_errno("WSL_E_INIT_FAILED", "Cannot open a pseudo terminal");
        winsize ws{};
        ws.ws_row = static_cast<unsigned short>(req.value("rows", 24));
        ws.ws_col = static_cast<unsigned short>(req.value("cols", 80));
        ::ioctl(master.get(), TIOCSWINSZ, &ws);
        // Like login(1): the terminal belongs to the user.
        if (::fchown(slave.get(), user.uid, kTtyGid) != 0 || ::fchmod(slave.get(), 0620) != 0) {
        }
    }

    std::vector<char*> argv, envp;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    // The master goes to the client only once the child has the pty as its controlling
    // terminal: a Ctrl-C typed before that would find no process group to signal.
    int ctty[2] = {-1, -1};
    if (want_pty && ::pipe2(ctty, O_CLOEXEC) != 0)
        fail_errno("WSL_E_INIT_FAILED", "pipe");
    UniqueFd ctty_read(ctty[0]), ctty_write(ctty[1]);
    pid_t pid = ::fork();
    if (pid < 0)
        fail_errno("WSL_E_INIT_FAILED", "fork");
    if (pid == 0) {
        reset_signals();
        test_phase("init.session-forked");
        ::setsid();
        if (want_pty)
            ::ioctl(slave.get(), TIOCSCTTY, 0);
        ctty_write.reset();
        for (int i = 0; i < 3; ++i)
            if (::dup2(tty[i] ? slave.get() : fds[1 + i].get(), i) < 0)
                _exit(126);
        ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        enter_namespaces(inst);
        if (::setgroups(groups.size(), groups.data()) != 0 ||
            ::setresgid(user.gid, user.gid, user.gid) != 0 ||
            ::setresuid(user.uid, user.uid, user.uid) != 0)
            die("cannot switch to user", user.name);
        if (::chdir(cwd.c_str()) != 0) {
            // As wsl.exe: not fatal, said in its words, and the session starts at home.
            if (must_cd)
                dprintf(2, "wsl: chdir(%s) failed %d\n", cwd.c_str(), errno);
            else if (cwd != user.home)
                dprintf(2, "wsl: Failed to translate '%s'\n", host_cwd.c_str());
            if (::chdir(user.home.c_str()) != 0 && ::chdir("/") != 0)
                _exit(126);
        }
        if (exe.find('/') == std::string::npos) {
            ::setenv("PATH", kPath, 1); // execvpe searches this process's PATH, not envp's
            ::execvpe(exe.c_str(), argv.data(), envp.data());
        } else {
            ::execve(exe.c_str(), argv.data(), envp.data());
        }
        die("cannot run", exe);
    }
    if (want_pty) {
        ctty_write.reset();
        char c;
        while (::read(ctty_read.get(), &c, 1) < 0 && errno == EINTR) {
        }
        int m = master.get();
        protocol::send(fds[0].get(), {{"pty", true}}, {&m, 1});
    }
    return pid;
}

pid_t start_boot_command(const Instance& inst, const std::string& command) {
    pid_t pid = ::fork();
    if (pid == 0) {
        reset_signals();
        enter_namespaces(inst);
        ::setsid();
        int null = ::open("/dev/null", O_RDWR);
        for (int i = 0; i < 3; ++i)
            ::dup2(null, i);
        ::syscall(SYS_close_range, 3, ~0U, 0);
        ::chdir("/");
        const char* path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        char* envp[] = {const_cast<char*>(path), nullptr};
        ::execle("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr), envp);
        _exit(127);
    }
    return pid;
}

} // namespace wsl::init
