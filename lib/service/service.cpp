#include "service/service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "base/error.h"
#include "base/test_hook.h"
#include "base/utf8.h"
#include "runtime/limits.h"

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
    User* found = nullptr;
    {
        std::lock_guard lock(users_mutex_);
        auto it = users_.find(uid);
        if (it == users_.end()) // a failed load leaves no entry: the next request tries again
            it = users_.emplace(uid, load_user(uid)).first;
        found = it->second.get();
    }
    // Users are never destroyed; their own lock is taken without holding everyone's.
    if (!found->reg_valid) {
        std::lock_guard ulock(found->m);
        if (!found->reg_valid) {
            found->reg = registry::load(found->dir / "registry.json");
            found->reg_valid = true;
        }
    }
    return *found;
}

// A registry that cannot be read throws here and leaves no User behind: the next request
// tries again, and nothing is ever taken as an empty registry.
std::unique_ptr<Service::User> Service::load_user(uid_t uid) {
    auto u = std::make_unique<User>();
    u->uid = uid;
    u->dir = state_dir_ / "users" / std::to_string(uid);
    std::error_code ec;
    fs::create_directories(u->dir, ec);
    if (ec)
        fail("WSL_E_REGISTRY_UNREADABLE",
             fmt::format("Cannot create {}: {}", u->dir.string(), ec.message()));
    // Only root may look in: it holds other users' default-location distros.
    ::chmod(u->dir.c_str(), 0700);
    u->reg = registry::load(u->dir / "registry.json");
    return u;
}

void Service::save(User& u) {
    if (!u.reg_valid)
        fail("WSL_E_REGISTRY_UNREADABLE",
             "The registry could not be read back after a failed write; try again.");
    try {
        registry::save(u.dir / "registry.json", u.reg);
        u.reg.on_disk = true;
    } catch (...) {
        // Memory must not run ahead of what a restart would see.
        try {
            u.reg = registry::load(u.dir / "registry.json");
        } catch (const std::exception&) {
            u.reg_valid = false;
        }
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

json Service::handle(const Caller& c, protocol::Message& req, Channel& ch) {
    const json& body = req.body;
    // A distro this request starts gets the caller's share of processes, whatever the
    // client says it wants beyond its own limits.
    if (body.is_object() && body.contains("op") &&
        (body["op"] == "run" || body["op"] == "set-default-user")) {
        json& config = req.body["config"];
        if (!config.is_object())
            config = json::object();
        std::optional<int64_t> requested;
        if (auto it = config.find("processes"); it != config.end() && it->is_number_integer())
            requested = it->get<int64_t>();
        config["processes"] = runtime::distro_process_limit(runtime::nproc_of(c.pid, c.uid),
                                                            requested, runtime::task_space());
    }
    auto v = body.find("v");
    if (v == body.end() || !v->is_number_integer() || v->get<int>() != protocol::kVersion)
        fail("WSL_E_PROTOCOL", fmt::format("Unsupported protocol version (this service speaks {}).",
                                           protocol::kVersion));
    if (!body.contains("op") || !body["op"].is_string())
        fail("WSL_E_PROTOCOL", "Invalid message: no operation.");
    const std::string op = body["op"];
    // Descriptors a request does not use are closed now, not held for its whole run.
    static const std::map<std::string, size_t> fds_allowed = {
        {"import", 2}, {"install", 2}, {"export", 1}, {"move", 1}, {"run", 3}};
    auto allowed = fds_allowed.find(op);
    if (req.fds.size() > (allowed == fds_allowed.end() ? 0 : allowed->second)) {
        req.fds.clear();
        fail("WSL_E_PROTOCOL", "Invalid message: too many file descriptors for this operation.");
    }
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
        std::unique_lock lock(u.m);
        if (op == "rename")
            return rename(u, body);
        if (op == "set-default")
            return set_default(u, body);
        if (op == "set-default-version")
            return set_default_version(u, body);
        if (op == "terminate")
            return terminate(u, body, lock);
        if (op == "shutdown")
            return shutdown(u, lock);
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
    fail("WSL_E_PROTOCOL", fmt::format("Invalid message: unknown operation '{}'.",
                                       op.size() > 64 ? op.substr(0, 64) + "..." : op));
}

bool Service::idle() {
    std::lock_guard users_lock(users_mutex_);
    for (auto& [uid, u] : users_) {
        // A user whose lock is held is doing something: busy, and the caller (the accept
        // loop) must not wait for it.
        std::unique_lock lock(u->m, std::try_to_lock);
        if (!lock || !u->busy.empty() || !u->in_setup.empty() || !u->starting.empty() ||
            !u->stopping.empty())
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
        registry::invalid_name(to);
    if (registry::Distro* other = u.reg.find_name(to); other && other != &d)
        fail("ERROR_ALREADY_EXISTS");
    if (u.busy.count(d.guid) || d.state != registry::State::Installed)
        fail("E_ILLEGAL_STATE_CHANGE");
    test_phase("rename.checked");
    d.name = to;
    save(u);
    test_phase("rename.saved");
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
