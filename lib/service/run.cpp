// Running distros: sessions, instance start and stop, idle timeout, leftovers of a crash.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/log.h"
#include "base/test_hook.h"
#include "config/wslenv.h"
#include "protocol/frame.h"
#include "service/service.h"

namespace wsl::service {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr long long kDefaultIdleMs = 15000;
constexpr size_t kMaxRunningPerUser = 64; // documented in wslservice(8), LIMITS

UniqueFd socket_pair(UniqueFd& other) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        fail_errno("E_UNEXPECTED", "socketpair");
    other.reset(sv[1]);
    return UniqueFd(sv[0]);
}

// Field 22 of /proc/<pid>/stat: when the process started, which tells a reused pid apart.
std::string start_time(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string text((std::istreambuf_iterator<char>(in)), {});
    size_t paren = text.rfind(')');
    if (paren == std::string::npos)
        return {};
    std::istringstream rest(text.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
    }
    return field;
}

// The session request init gets: only the fields it knows, each of the type it expects (a
// bad client gets a protocol error here instead of upsetting its distro's init).
json session_request(const json& req, const registry::Distro& d, uint64_t seq) {
    json s = {{"op", "session"}, {"seq", seq}, {"default_uid", d.default_uid}};
    auto copy = [&](const char* key, auto valid) {
        if (!req.contains(key))
            return;
        if (!valid(req[key]))
            fail("WSL_E_PROTOCOL", fmt::format("Invalid message: bad '{}'.", key));
        s[key] = req[key];
    };
    auto all_of = [](const json& v, auto pred) { return std::all_of(v.begin(), v.end(), pred); };
    auto is_string = [](const json& v) { return v.is_string(); };
    for (const char* key : {"shell_type", "user", "cwd", "host_cwd", "term", "lang"})
        copy(key, is_string);
    copy("argv", [&](const json& v) { return v.is_array() && all_of(v, is_string); });
    copy("tty", [&](const json& v) {
        return v.is_array() && v.size() == 3 &&
               all_of(v, [](const json& e) { return e.is_boolean(); });
    });
    copy("wslenv", [&](const json& v) {
        return v.is_object() && v.size() <= config::kMaxWslenvNames + 1 && all_of(v, is_string);
    });
    for (const char* key : {"rows", "cols"})
        copy(key,
             [](const json& v) { return v.is_number_unsigned() && v.get<uint64_t>() < 65536; });
    // The fields added here can take a request the frame limit just held past it; init would
    // never get it, and a failed send to init is taken for a dead init (which is restarted).
    if (s.dump().size() > protocol::kMaxFrame)
        fail("WSL_E_PROTOCOL", "Invalid message: the session it asks for is too large.");
    return s;
}

} // namespace

fs::path Service::find_init(const std::string& self_exe) {
    std::error_code ec;
    fs::path self = fs::read_symlink(self_exe, ec);
    if (ec)
        self = self_exe;
    // Beside the service in a build tree; <prefix>/lib/wsl when installed (relocatable).
    for (fs::path p : {self.parent_path() / "wsl-init",
                       self.parent_path().parent_path() / "lib" / "wsl" / "wsl-init"})
        if (fs::exists(p, ec))
            return p;
    return {};
}

namespace {

// After the lock was released: the distro may have been unregistered or taken by an operation.
void still_runnable(auto& u, const std::string& guid) {
    const registry::Distro* r = u.reg.find_guid(guid);
    if (!r)
        fail("WSL_E_DISTRO_NOT_FOUND");
    if (r->state != registry::State::Installed || u.busy.count(guid))
        fail("E_ILLEGAL_STATE_CHANGE");
}

} // namespace

std::shared_ptr<runtime::Instance> Service::ensure_running(User& u, const registry::Distro& d,
                                                           const json& config, Channel& ch,
                                                           std::unique_lock<std::mutex>& lock) {
    for (;;) {
        // Another request may be starting or stopping it: wait until that has settled.
        u.settled.wait(lock, [&] { return settled(u, d.guid); });
        still_runnable(u, d.guid);
        auto it = u.running.find(d.guid);
        if (it == u.running.end())
            break;
        if (!it->second->exited())
            return it->second;
        u.running.erase(it);
        ++u.stopping[d.guid]; // its monitor reaps it, then settles it
    }
    // Each running distro holds a thread and descriptors here, and a process budget on the
    // host: one user may run so many at once.
    size_t live = u.starting.size();
    for (const auto& [guid, inst] : u.running)
        live += !inst->exited();
    if (live >= kMaxRunningPerUser)
        fail("WSL_E_TOO_MANY_RUNNING",
             fmt::format("You have {} distributions running, the most the wsl service runs for "
                         "one user. Stop one with 'wsl --terminate NAME' first.",
                         live));
    UniqueFd init_exe(init_path_.empty() ? -1 : ::open(init_path_.c_str(), O_PATH | O_CLOEXEC));
    if (!init_exe)
        fail("WSL_E_INSTANCE_START",
             "wsl-init was not found next to wslservice or in ../lib/wsl from it.");
    if (d.version != 1)
        fail("WSL_E_VM_MODE_INVALID_STATE");
    runtime::InstanceSpec spec;
    spec.name = d.name;
    spec.guid = d.guid;
    spec.map = ids_.map_for(u.uid);
    spec.init_exe = init_exe.get();
    Base base = open_base(d, u.uid, true);
    const std::string tree =
        d.layout == 1 ? "rootfs" : std::string(registry::kPrivateDir) + "/rootfs";
    if (base.by_service) {
        // One component at a time, never through a symlink.
        UniqueFd dir = d.layout == 1
                           ? UniqueFd(::fcntl(base.fd.get(), F_DUPFD_CLOEXEC, 3))
                           : UniqueFd(::openat(base.fd.get(), registry::kPrivateDir,
                                               O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (dir)
            spec.rootfs.reset(
                ::openat(dir.get(), "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!spec.rootfs)
            fail_errno("WSL_E_DISK_CORRUPTED",
                       fmt::format("The files of '{}' cannot be opened ({}/{})", d.name,
                                   d.base_path, tree));
    } else {
        if (d.layout == 1)
            spec.rootfs_path = d.base_path + "/" + tree;
        else
            spec.private_path = d.base_path + "/" + registry::kPrivateDir;
    }
    spec.cgroup_name = fmt::format("{}-{}", u.uid, d.guid);
    if (config.contains("memory") && config["memory"].is_number_unsigned())
        spec.limits.memory = config["memory"].get<uint64_t>();
    if (config.contains("processes") && config["processes"].is_number_integer())
        spec.limits.processes = config["processes"].get<int64_t>();

    // Started without the lock: the user's other requests (wsl -l, other distros) go on
    // while this one boots; `starting` keeps every request for this distro waiting.
    std::vector<std::string> warnings;
    std::shared_ptr<runtime::Instance> inst;
    std::exception_ptr failed;
    u.starting.insert(d.guid);
    lock.unlock();
    try {
        test_phase("run.instance-starting");
        inst = runtime::Instance::start(std::move(spec), warnings);
    } catch (...) {
        failed = std::current_exception();
    }
    lock.lock();
    u.starting.erase(d.guid);
    u.settled.notify_all();
    if (failed)
        std::rethrow_exception(failed);
    still_runnable(u, d.guid); // else the instance stops with its last reference
    inst->idle_timeout_ms = config.value("idleTimeout", kDefaultIdleMs);
    for (const auto& w : warnings)
        ch.event({{"type", "warning"}, {"message", w}});

    fs::create_directories(state_dir_ / "instances");
    write_atomically(
        state_dir_ / "instances" / std::to_string(inst->pid()),
        json{{"uid", u.uid}, {"guid", d.guid}, {"start", start_time(inst->pid())}}.dump());
    u.running[d.guid] = inst;
    std::thread([this, &u, inst]() mutable { monitor(u, std::move(inst)); }).detach();
    return inst;
}

void Service::monitor(User& u, std::shared_ptr<runtime::Instance> inst) {
    for (;;) {
        int timeout = -1;
        {
            std::lock_guard lock(u.m);
            auto it = u.running.find(inst->guid());
            if (it == u.running.end() || it->second != inst)
                break; // stopped by someone else
            if (inst->idle && inst->idle_timeout_ms >= 0) {
                auto left = inst->idle_since + std::chrono::milliseconds(inst->idle_timeout_ms) -
                            Clock::now();
                timeout = static_cast<int>(std::max<long long>(
                    0, std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1));
            }
        }
        pollfd p{inst->control(), POLLIN, 0};
        int n = ::poll(&p, 1, timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            std::lock_guard lock(u.m);
            auto it = u.running.find(inst->guid());
            if (it != u.running.end() && it->second == inst && inst->idle &&
                Clock::now() >=
                    inst->idle_since + std::chrono::milliseconds(inst->idle_timeout_ms)) {
                log(fmt::format("uid {}: '{}' idle, stopping", u.uid, inst->name()));
                u.running.erase(it);
                ++u.stopping[inst->guid()];
                break;
            }
            continue;
        }
        std::optional<protocol::Message> m;
        try {
            m = protocol::receive(inst->control());
        } catch (const WslError& e) {
            log(fmt::format("uid {}: '{}': {}", u.uid, inst->name(), e.what()));
        }
        if (!m)
            break; // init is gone
        if (auto idle = m->body.find("idle"); idle != m->body.end() && idle->is_number_unsigned()) {
            std::lock_guard lock(u.m);
            if (idle->get<uint64_t>() == inst->sent && !inst->idle) {
                inst->idle = true;
                inst->idle_since = Clock::now();
            }
        }
    }
    // Whoever takes an instance out of `running` counts it in `stopping` for this thread,
    // which settles it once init is reaped and its cgroups are gone: a new start of the
    // distro waits rather than meet the old one's leftovers.
    {
        std::lock_guard lock(u.m);
        if (auto it = u.running.find(inst->guid()); it != u.running.end() && it->second == inst) {
            u.running.erase(it);
            ++u.stopping[inst->guid()];
        }
    }
    pid_t pid = inst->pid();
    std::string guid = inst->guid();
    inst->kill_and_wait();
    inst.reset(); // reaps init and removes its cgroups, unless stop_instance still holds it
    std::error_code ec;
    fs::remove(state_dir_ / "instances" / std::to_string(pid), ec);
    std::lock_guard lock(u.m);
    settle(u, guid);
}

bool Service::settled(const User& u, const std::string& guid) {
    return !u.starting.count(guid) && !u.stopping.count(guid);
}

void Service::settle(User& u, const std::string& guid) {
    if (auto it = u.stopping.find(guid); it != u.stopping.end() && --it->second <= 0)
        u.stopping.erase(it);
    u.settled.notify_all();
}

void Service::stop_instance(User& u, std::string guid, std::unique_lock<std::mutex>& lock) {
    u.settled.wait(lock, [&] { return settled(u, guid); });
    auto it = u.running.find(guid);
    if (it == u.running.end())
        return;
    auto inst = it->second;
    u.running.erase(it);
    u.stopping[guid] += 2; // settled by this thread and by the monitor
    lock.unlock();
    inst->kill_and_wait(); // every process of it is gone; its monitor sees the socket close
    inst.reset();          // whichever of the two drops the last reference cleans up
    lock.lock();
    settle(u, guid);
    u.settled.wait(lock, [&] { return settled(u, guid); });
}

void Service::kill_leftovers() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(state_dir_ / "instances", ec)) {
        try {
            auto pid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
            std::ifstream in(entry.path());
            json rec = json::parse(in);
            UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
            if (pidfd && start_time(pid) == rec.value("start", std::string("-"))) {
                log(fmt::format("killing distro '{}' of uid {} left by the previous service",
                                rec.value("guid", std::string()), rec.value("uid", 0)));
                ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
                pollfd p{pidfd.get(), POLLIN, 0};
                ::poll(&p, 1, 5000);
            }
            runtime::Cgroup::remove(
                fmt::format("{}-{}", rec.value("uid", 0u), rec.value("guid", std::string("x"))));
        } catch (const std::exception&) {
        }
        fs::remove(entry.path(), ec);
    }
}

json Service::run(User& u, const json& req, std::vector<UniqueFd>& fds, Channel& ch) {
    if (fds.size() != 3)
        fail("WSL_E_PROTOCOL", "Invalid message: a session needs three standard streams.");
    std::array<int, 3> stdio = {fds[0].get(), fds[1].get(), fds[2].get()};
    std::unique_lock lock(u.m);
    const registry::Distro* d = nullptr;
    if (req.contains("name"))
        d = &find(u, req["name"].get<std::string>());
    else if (req.contains("guid"))
        d = u.reg.find_guid(req["guid"].get<std::string>());
    else
        d = u.reg.default_distro();
    if (!d) {
        if (req.contains("guid"))
            fail("WSL_E_DISTRO_NOT_FOUND");
        fail("WSL_E_DEFAULT_DISTRO_NOT_FOUND");
    }
    std::string guid = d->guid;
    first_run(u, lock, guid, req, stdio, ch);
    d = u.reg.find_guid(guid);
    if (!d)
        fail("WSL_E_DISTRO_NOT_FOUND");
    test_phase("run.resolved");
    UniqueFd session = open_session(u, *d, req, stdio, ch, lock);
    test_phase("run.started");
    int m = session.get();
    protocol::send(ch.sock(), {{"type", "session"}}, {&m, 1});
    return json::object();
}

UniqueFd Service::open_session(User& u, const registry::Distro& record, const json& req,
                               std::array<int, 3> stdio, Channel& ch,
                               std::unique_lock<std::mutex>& lock) {
    const registry::Distro d = record; // the registry may change while the lock is released
    if (d.state != registry::State::Installed || u.busy.count(d.guid))
        fail("E_ILLEGAL_STATE_CHANGE");
    json config = req.value("config", json::object());
    if (!config.is_object())
        config = json::object();
    UniqueFd theirs;
    UniqueFd mine = socket_pair(theirs);
    int out[4] = {theirs.get(), stdio[0], stdio[1], stdio[2]};
    for (int attempt = 0;; ++attempt) {
        auto inst = ensure_running(u, d, config, ch, lock);
        json session = session_request(req, d, inst->sent + 1);
        // A client that went while its distro started (Ctrl-C, ...) wants nothing started;
        // after this point it gets the session and forwards its signal to it.
        if (ch.hung_up())
            cancelled();
        try {
            inst->send_session(session, out);
        } catch (const WslError&) {
            // init died between the check and the send: start it again, once.
            stop_instance(u, d.guid, lock);
            if (attempt > 0)
                throw;
            continue;
        }
        ++inst->sent;
        inst->idle = false;
        return mine;
    }
}

json Service::terminate(User& u, const json& req, std::unique_lock<std::mutex>& lock) {
    stop_instance(u, find(u, req.at("name").get<std::string>()).guid, lock);
    return json::object();
}

json Service::shutdown(User& u, std::unique_lock<std::mutex>& lock) {
    u.settled.wait(lock, [&] { return u.starting.empty(); });
    while (!u.running.empty())
        stop_instance(u, u.running.begin()->first, lock);
    u.settled.wait(lock, [&] { return u.stopping.empty(); });
    return json::object();
}

json Service::set_default_user(const Caller& c, const json& req, Channel& ch) {
    User& u = user(c.uid);
    std::string name = req.at("user").get<std::string>();
    registry::Distro d;
    {
        std::lock_guard lock(u.m);
        d = find(u, req.at("name").get<std::string>());
    }
    Captured r = capture(u, d, {"id", "-u", name}, "", -1, req.value("config", json::object()),
                         std::chrono::seconds(10), ch);
    size_t digits = r.out.find_first_not_of("0123456789");
    std::string number = r.out.substr(0, digits);
    if (r.status != 0 || number.empty() || number.size() > 9 ||
        (digits != std::string::npos && r.out.substr(digits) != "\n"))
        fail("WSL_E_USER_NOT_FOUND");
    test_phase("set-default-user.resolved");
    std::lock_guard lock(u.m);
    if (registry::Distro* rec = u.reg.find_guid(d.guid)) {
        rec->default_uid = static_cast<uint32_t>(std::stoul(number));
        save(u);
    }
    return json::object();
}

} // namespace wsl::service
