// wsl-init: PID 1 of a running version 1 distribution. The service starts it in fresh user,
// mount, pid, uts and ipc namespaces with a control socket on fd 3.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/error.h"
#include "base/guid_mark.h"
#include "etc_files.h"
#include "protocol/frame.h"
#include "rootfs.h"
#include "session.h"
#include "sys.h"
#include "systemd.h"
#include "tools.h"

using nlohmann::json;
using namespace wsl;
using namespace wsl::init;

namespace {

constexpr int kControl = 3;

void send_quietly(int sock, const json& body) {
    try {
        protocol::send(sock, body);
    } catch (const WslError&) {
    }
}

UniqueFd take(std::vector<UniqueFd>& fds, const json& body, const char* key) {
    int i = body.value(key, -1);
    if (i < 0 || static_cast<size_t>(i) >= fds.size())
        return {};
    return std::move(fds[static_cast<size_t>(i)]);
}

// Mounts everything and reads wsl.conf; returns the warnings for the user.
std::vector<std::string> set_up(Instance& inst, protocol::Message& start) {
    if (::unshare(CLONE_NEWCGROUP) != 0) {
        // Only a view: without it the distro sees the host's cgroup paths.
    }
    inst.distro_name = start.body.value("name", "");
    HostView host;
    host.root_tree = take(start.fds, start.body, "host_fd");
    UniqueFd rootfs = take(start.fds, start.body, "rootfs_tree");
    host.self_exe = take(start.fds, start.body, "self_tree");
    bool detached = static_cast<bool>(rootfs);
    if (!rootfs) {
        // A user's own location, opened with the user's rights. The tree must sit in the
        // distro's own private directory (owned by this namespace's root, which nobody else
        // can forge), reached without a symlink: else anyone who can write the location could
        // put a tree of their own in its place.
        std::string priv = start.body.value("private", "");
        std::string path = priv.empty() ? start.body.value("rootfs", "") : priv + "/rootfs";
        if (!priv.empty()) {
            UniqueFd dir(::open(priv.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            struct stat st;
            if (!dir || ::fstat(dir.get(), &st) != 0)
                fail_errno("WSL_E_INIT_FAILED", "Cannot open the distribution's files at " + path);
            if (st.st_uid != 0 || !check_guid_mark(dir.get(), start.body.value("guid", ""), false))
                fail("WSL_E_STORAGE_REPLACED",
                     "The distribution's storage directory was replaced from outside: " + priv);
            rootfs = UniqueFd(
                ::openat(dir.get(), "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        } else {
            rootfs = UniqueFd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        }
        if (!rootfs)
            fail_errno("WSL_E_INIT_FAILED", "Cannot open the distribution's files at " + path);
    }
    enter_rootfs(std::move(rootfs), detached, host);
    inst.conf = config::parse_wsl_conf(read_file("/etc/wsl.conf", 1u << 20));
    std::vector<std::string> warnings = inst.conf.warnings;
    for (auto& w : mount_system(host, inst.conf))
        warnings.push_back(std::move(w));
    // As in WSL, where it is the Windows machine's name: the host's, which this fresh uts
    // namespace still holds.
    inst.hostname =
        inst.conf.network_hostname.empty() ? hostname_for(host_name()) : inst.conf.network_hostname;
    check(::sethostname(inst.hostname.data(), inst.hostname.size()), "sethostname");
    try {
        write_network_files(host, inst.conf, inst.hostname);
    } catch (const WslError& e) {
        warnings.push_back(e.what());
    }
    make_inner_namespaces(inst);
    return warnings;
}

struct Running {
    UniqueFd sock; // empty once the client is gone
};

// A session's process group; until the child's setsid() that group does not exist yet, and
// the child itself gets the signal (or a Ctrl-C at the very start of a session is lost).
void signal_session(pid_t pgid, int sig) {
    if (::kill(-pgid, sig) != 0 && errno == ESRCH)
        ::kill(pgid, sig);
}

bool has_children() {
    siginfo_t info{};
    return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

json status_of(int wstatus) {
    if (WIFSIGNALED(wstatus))
        return {{"signal", WTERMSIG(wstatus)}};
    return {{"exit", WEXITSTATUS(wstatus)}};
}

int serve(Instance& inst, int sigfd) {
    std::map<pid_t, Running> sessions;
    uint64_t seq = 0;
    bool idle_sent = false;
    for (;;) {
        if (!has_children() && !idle_sent) {
            send_quietly(kControl, {{"idle", seq}});
            idle_sent = true;
        }
        std::vector<pollfd> pfds = {{kControl, POLLIN, 0}, {sigfd, POLLIN, 0}};
        std::vector<pid_t> owners;
        for (auto& [pid, s] : sessions)
            if (s.sock) {
                pfds.push_back({s.sock.get(), POLLIN, 0});
                owners.push_back(pid);
            }
        if (::poll(pfds.data(), pfds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (pfds[0].revents) {
            std::optional<protocol::Message> m;
            try {
                m = protocol::receive(kControl);
            } catch (const WslError&) {
            }
            if (!m)
                return 0; // the service is gone: so is this instance
            if (m->body.value("op", "") == "session") {
                if (auto n = m->body.find("seq"); n != m->body.end() && n->is_number_unsigned())
                    seq = n->get<uint64_t>();
                idle_sent = false;
                UniqueFd sock = m->fds.empty() ? UniqueFd() : UniqueFd(::dup(m->fds[0].get()));
                try {
                    pid_t pid = start_session(inst, m->body, m->fds);
                    sessions[pid].sock = std::move(sock);
                } catch (const std::exception& e) {
                    // A bad request (json type errors included) fails that session only.
                    auto* w = dynamic_cast<const WslError*>(&e);
                    if (sock)
                        send_quietly(sock.get(), {{"error",
                                                   {{"code", w ? w->code() : "WSL_E_PROTOCOL"},
                                                    {"context", "CreateInstance"},
                                                    {"message", e.what()}}}});
                }
            }
        }
        if (pfds[1].revents) {
            signalfd_siginfo si;
            while (::read(sigfd, &si, sizeof si) == sizeof si) {
            }
            int wstatus;
            pid_t pid;
            while ((pid = ::waitpid(-1, &wstatus, WNOHANG)) > 0) {
                auto it = sessions.find(pid);
                if (it == sessions.end())
                    continue;
                if (it->second.sock)
                    send_quietly(it->second.sock.get(), status_of(wstatus));
                sessions.erase(it);
            }
        }
        for (size_t i = 2; i < pfds.size(); ++i) {
            if (!pfds[i].revents)
                continue;
            auto it = sessions.find(owners[i - 2]);
            if (it == sessions.end())
                continue;
            std::optional<protocol::Message> m;
            try {
                m = protocol::receive(it->second.sock.get());
            } catch (const WslError&) {
            }
            pid_t pgid = it->first;
            if (m && m->body.contains("signal")) {
                int sig = m->body.value("signal", 0);
                if (sig > 0 && sig < 65)
                    signal_session(pgid, sig);
                continue;
            }
            // The client hung up: so does its session, as a terminal would.
            signal_session(pgid, SIGHUP);
            signal_session(pgid, SIGCONT);
            it->second.sock.reset();
        }
    }
}

int instance_main() {
    ::prctl(PR_SET_DUMPABLE, 0);
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    int sigfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

    Instance inst;
    std::vector<std::string> warnings;
    try {
        auto start = protocol::receive(kControl);
        if (!start)
            return 1;
        warnings = set_up(inst, *start);
    } catch (const WslError& e) {
        send_quietly(kControl, {{"error", {{"code", e.code()}, {"message", e.what()}}}});
        return 1;
    }
    if (inst.conf.boot_systemd && !wants_systemd(inst))
        warnings.push_back("boot.systemd is set in /etc/wsl.conf, but this distribution has no "
                           "systemd (/lib/systemd/systemd); it starts without it.");
    if (wants_systemd(inst)) {
        // systemd must be PID 1: this process becomes it, and a child carries on as init's
        // helper (sessions, the control socket).
        pid_t helper = ::fork();
        if (helper > 0) {
            std::string why = exec_systemd(inst);
            send_quietly(kControl, {{"error", {{"code", "WSL_E_INIT_FAILED"}, {"message", why}}}});
            return 1;
        }
        for (auto& w : wait_for_systemd(inst))
            warnings.push_back(std::move(w));
    }
    send_quietly(kControl, {{"ready", true}, {"warnings", warnings}});
    if (!inst.conf.boot_command.empty())
        start_boot_command(inst, inst.conf.boot_command);
    int rc = serve(inst, sigfd);
    if (::getpid() != 1) // the helper of systemd: without a service, the distro goes too
        ::kill(1, SIGRTMIN + 14);
    return rc;
}

} // namespace

int main(int argc, char** argv) {
    // One binary, several programs: inside a distro it also runs as wslpath and wslinfo.
    std::string_view name = argc > 0 ? argv[0] : "";
    name = name.substr(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
    if (name == "wslpath")
        return wslpath_main(argc, argv);
    if (name == "wslinfo")
        return wslinfo_main(argc, argv);
    if (argc == 2 && std::strcmp(argv[1], "instance") == 0 && ::getpid() == 1)
        return instance_main();
    std::fprintf(stderr, "wsl-init: this program is started by wslservice.\n");
    return 1;
}
