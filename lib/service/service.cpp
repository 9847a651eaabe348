#include "service/service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "base/error.h"
#include "base/utf8.h"

namespace wsl::service {

namespace fs = std::filesystem;
using nlohmann::json;

Service::Service(fs::path state_dir, std::string self_exe)
    : state_dir_(std::move(state_dir)), workers_(std::move(self_exe)),
      ids_(state_dir_ / "idmaps.json", "/etc/subuid", "/etc/subgid") {
    init_path_ = find_init(workers_.self_exe());
    fs::create_directories(state_dir_ / "users");
    ::chmod(state_dir_.c_str(), 0755);
    ::chmod((state_dir_ / "users").c_str(), 0755);
}

Service::Busy::Busy(User& u, const std::string& guid) : u_(u), guid_(guid) {
    if (!u_.busy.insert(guid_).second)
        fail("E_ILLEGAL_STATE_CHANGE");
}

Service::Busy::~Busy() {
    std::lock_guard lock(u_.m);
    u_.busy.erase(guid_);
}

Service::User& Service::user(uid_t uid) {
    std::lock_guard lock(users_mutex_);
    auto& slot = users_[uid];
    if (!slot) {
        auto u = std::make_unique<User>();
        u->uid = uid;
        u->dir = state_dir_ / "users" / std::to_string(uid);
        fs::create_directories(u->dir);
        // Only root may look in: it holds other users' default-location distros.
        ::chmod(u->dir.c_str(), 0700);
        u->reg = registry::load(u->dir / "registry.json");
        slot = std::move(u);
    }
    return *slot;
}

void Service::save(User& u) {
    try {
        registry::save(u.dir / "registry.json", u.reg);
    } catch (...) {
        u.reg = registry::load(u.dir / "registry.json");
        throw;
    }
}

void Service::require_utf8_path(const std::string& path) {
    if (!valid_utf8(path))
        fail("ERROR_INVALID_NAME",
             "The location's path is not valid UTF-8, which the registry cannot record. Choose "
             "a directory whose path is UTF-8.");
}

registry::Distro& Service::find(User& u, const std::string& name) {
    registry::Distro* d = u.reg.find_name(name);
    if (!d)
        fail("WSL_E_DISTRO_NOT_FOUND");
    return *d;
}

unsigned Service::threads() const {
    return std::max(1u, std::thread::hardware_concurrency());
}

Service::Base Service::open_base(const registry::Distro& d, uid_t uid, bool must_exist) {
    Base b;
    b.path = d.base_path;
    b.top_in_worker = d.default_location || uid != 0;
    // A non-root user's own directory is opened by the worker, inside the user namespace, so
    // the kernel checks that user's rights; the service opens only its own paths and root's.
    b.by_service = d.default_location || uid == 0;
    if (b.by_service) {
        b.fd.reset(::open(d.base_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!b.fd && (must_exist || errno != ENOENT))
            fail_errno(
                "WSL_E_DISK_CORRUPTED",
                fmt::format("The storage of '{}' cannot be opened ({})", d.name, d.base_path));
    }
    return b;
}

bool Service::add_tree(WorkerSpec& spec, const Base& base, const std::string& name,
                       UniqueFd& held) {
    if (!base.top_in_worker) {
        held.reset(
            ::openat(base.fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!held) {
            if (errno == ENOENT)
                return false;
            fail_errno("WSL_E_DISK_CORRUPTED", "Cannot open the distribution's files");
        }
        spec.args.push_back("base=" + next_fd(spec));
        spec.args.push_back("name=.");
        spec.fds.push_back(held.get());
        return true;
    }
    if (base.fd) {
        spec.args.push_back("base=" + next_fd(spec));
        spec.fds.push_back(base.fd.get());
    } else {
        spec.args.push_back("base=" + base.path);
    }
    spec.args.push_back("name=" + name);
    return true;
}

void Service::make_top(int dirfd, const char* name, const runtime::IdMap& map, const char* code) {
    if (::mkdirat(dirfd, name, 0755) != 0 ||
        ::fchownat(dirfd, name, map.host_uid(0), map.host_gid(0), AT_SYMLINK_NOFOLLOW) != 0)
        fail_errno(code, "Cannot create the distribution's directory");
}

std::string Service::next_fd(const WorkerSpec& spec) {
    return fmt::format("@{}", 4 + spec.fds.size());
}

json Service::handle(const Caller& c, protocol::Message& req, Channel& ch) {
    const json& body = req.body;
    auto v = body.find("v");
    if (v == body.end() || !v->is_number_integer() || v->get<int>() != protocol::kVersion)
        fail("WSL_E_PROTOCOL", fmt::format("Unsupported protocol version (this service speaks {}).",
                                           protocol::kVersion));
    if (!body.contains("op") || !body["op"].is_string())
        fail("WSL_E_PROTOCOL", "Invalid message: no operation.");
    const std::string op = body["op"];
    if (c.uid != 0 && ids_.is_distro_id(c.uid))
        fail("WSL_E_ACCESS_DENIED",
             "The wsl service serves the host's users; this process runs as an id of a "
             "distribution.");
    User& u = user(c.uid);
    try {
        if (op == "list") {
            std::lock_guard lock(u.m);
            return list(u);
        }
        if (op == "status") {
            std::lock_guard lock(u.m);
            return status(u);
        }
        if (op == "import")
            return import_distro(c, body, req.fds, ch);
        if (op == "install")
            return install_distro(c, body, req.fds, ch);
        if (op == "export")
            return export_distro(c, body, req.fds, ch);
        if (op == "unregister")
            return unregister(c, body);
        if (op == "move")
            return move(c, body, req.fds, ch);
        if (op == "set-default-user")
            return set_default_user(c, body, ch);
        if (op == "run")
            return run(u, body, req.fds, ch);
        std::lock_guard lock(u.m);
        if (op == "rename")
            return rename(u, body);
        if (op == "set-default")
            return set_default(u, body);
        if (op == "set-default-version")
            return set_default_version(u, body);
        if (op == "terminate")
            return terminate(u, body);
        if (op == "shutdown")
            return shutdown(u);
    } catch (WslError& e) {
        static const std::map<std::string, std::string> contexts = {
            {"import", "RegisterDistro"},
            {"install", "InstallDistro"},
            {"export", "ExportDistro"},
            {"unregister", "UnregisterDistro"},
            {"move", "MoveDistro"},
            {"rename", "RenameDistro"},
            {"run", "CreateInstance"},
            {"set-default", "SetDefaultDistro"},
            {"set-default-version", "SetVersion"},
            {"terminate", "TerminateDistro"},
            {"shutdown", "Shutdown"},
            {"set-default-user", "SetDefaultUser"}};
        if (auto it = contexts.find(op); it != contexts.end())
            e.set_context(it->second);
        throw;
    } catch (const json::exception& e) {
        fail("WSL_E_PROTOCOL", fmt::format("Invalid message: {}", e.what()));
    }
    fail("WSL_E_PROTOCOL", fmt::format("Invalid message: unknown operation '{}'.", op));
}

bool Service::idle() {
    std::lock_guard users_lock(users_mutex_);
    for (auto& [uid, u] : users_) {
        // A user whose lock is held is doing something: busy, and the caller (the accept
        // loop) must not wait for it.
        std::unique_lock lock(u->m, std::try_to_lock);
        if (!lock || !u->busy.empty() || !u->in_setup.empty())
            return false;
        for (const auto& [guid, inst] : u->running)
            if (!inst->exited())
                return false;
    }
    return true;
}

json Service::list(User& u) {
    json out = json::array();
    const registry::Distro* def = u.reg.default_distro();
    for (const auto& d : u.reg.distros) {
        if (d.name.empty())
            continue; // an install whose image has not named it yet
        auto inst = u.running.find(d.guid);
        bool running = inst != u.running.end() && !inst->second->exited();
        std::string state = d.state != registry::State::Installed ? registry::to_string(d.state)
                            : running                             ? "Running"
                                                                  : "Stopped";
        out.push_back({{"name", d.name},
                       {"guid", d.guid},
                       {"state", state},
                       {"version", d.version},
                       {"default", def == &d},
                       {"flavor", d.flavor},
                       {"osVersion", d.os_version},
                       {"basePath", d.base_path}});
    }
    return {{"distros", out}, {"defaultVersion", u.reg.default_version}};
}

json Service::status(User& u) {
    const registry::Distro* def = u.reg.default_distro();
    return {{"defaultDistro", def ? def->name : ""}, {"defaultVersion", u.reg.default_version}};
}

json Service::rename(User& u, const json& req) {
    registry::Distro& d = find(u, req.at("name").get<std::string>());
    std::string to = req.at("newName").get<std::string>();
    if (!registry::valid_name(to))
        fail("WSL_E_DISTRO_INVALID_NAME",
             fmt::format("Invalid distribution name: '{}'. Use letters, digits, '.', '_' and "
                         "'-' (at most 64).",
                         to));
    if (registry::Distro* other = u.reg.find_name(to); other && other != &d)
        fail("ERROR_ALREADY_EXISTS");
    if (u.busy.count(d.guid) || d.state != registry::State::Installed)
        fail("E_ILLEGAL_STATE_CHANGE");
    d.name = to;
    save(u);
    return json::object();
}

json Service::set_default(User& u, const json& req) {
    registry::Distro& d = find(u, req.at("name").get<std::string>());
    if (d.state == registry::State::Installing || d.state == registry::State::Uninstalling)
        fail("E_ILLEGAL_STATE_CHANGE");
    u.reg.default_guid = d.guid;
    save(u);
    return json::object();
}

json Service::set_default_version(User& u, const json& req) {
    int v = req.at("version").get<int>();
    if (v != 1 && v != 2)
        fail("WSL_E_INVALID_USAGE", "The version must be 1 or 2.");
    u.reg.default_version = v;
    save(u);
    return json::object();
}

} // namespace wsl::service
