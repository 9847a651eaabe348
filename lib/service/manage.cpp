#include <algorithm>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "archive/detect.h"
#include "base/error.h"
#include "base/log.h"
#include "base/test_hook.h"
#include "service/service.h"

namespace wsl::service {

namespace fs = std::filesystem;
using nlohmann::json;

registry::Distro Service::claim(User& u, const std::string& name,
                                std::initializer_list<registry::State> allowed,
                                std::optional<registry::State> to, std::unique_ptr<Busy>& busy) {
    std::unique_lock lock(u.m);
    registry::Distro* rec = &find(u, name);
    if (std::find(allowed.begin(), allowed.end(), rec->state) == allowed.end())
        fail("E_ILLEGAL_STATE_CHANGE");
    const std::string guid = rec->guid;
    busy = std::make_unique<Busy>(u, guid);
    stop_instance(u, guid, lock);
    // The lock was released while it stopped; busy kept every other change to it away.
    rec = u.reg.find_guid(guid);
    if (!rec)
        fail("WSL_E_DISTRO_NOT_FOUND");
    if (to) {
        rec->state = *to;
        save(u);
    }
    return *rec;
}

json Service::export_distro(const Caller& c, const json& req, std::vector<UniqueFd>& fds,
                            Channel& ch) {
    if (fds.size() != 1)
        fail("WSL_E_PROTOCOL", "Invalid message: export needs the output fd.");
    archive::Format format;
    if (!archive::parse_format(req.value("format", "tar"), format))
        fail("WSL_E_INVALID_USAGE", "Unknown export format.");
    User& u = user(c.uid);
    std::unique_ptr<Busy> busy;
    registry::Distro d = claim(u, req.at("name").get<std::string>(), {registry::State::Installed},
                               registry::State::Exporting, busy);
    auto restore = [&] {
        std::lock_guard lock(u.m);
        if (registry::Distro* rec = u.reg.find_guid(d.guid)) {
            rec->state = registry::State::Installed;
            save(u);
        }
    };
    try {
        test_phase("export.marked");
        runtime::IdMap map = ids_.map_for(c.uid);
        Base base = open_base(d, c.uid, true);
        WorkerSpec spec{
            "pack",
            {"format=" + archive::to_string(format), fmt::format("threads={}", threads())},
            {}};
        UniqueFd held;
        if (!add_private(spec, base, d, held, map.host_uid(0)))
            fail("WSL_E_DISK_CORRUPTED", "The distribution's files are missing.");
        spec.args.push_back("data=" + next_fd(spec));
        spec.fds.push_back(fds[0].get());
        workers_.run(map, spec, &ch);
    } catch (...) {
        restore();
        throw;
    }
    restore();
    return json::object();
}

json Service::unregister(const Caller& c, const json& req) {
    User& u = user(c.uid);
    std::unique_ptr<Busy> busy;
    registry::Distro d = claim(u, req.at("name").get<std::string>(),
                               {registry::State::Installed, registry::State::Uninstalling},
                               registry::State::Uninstalling, busy);
    // Once Uninstalling is on disk the removal is finished even across a crash (recover()).
    test_phase("unregister.marked");
    try {
        remove_storage(d, ids_.map_for(c.uid), d.storage_created);
    } catch (const WslError& e) {
        // Refused before anything was deleted: the distro stays as it was.
        if (e.code() == "WSL_E_STORAGE_REPLACED")
            update(u, d.guid, [](registry::Distro& r) { r.state = registry::State::Installed; });
        throw;
    }
    test_phase("unregister.removed");
    std::lock_guard lock(u.m);
    u.reg.remove(d.guid);
    save(u);
    return json::object();
}

json Service::move(const Caller& c, const json& req, std::vector<UniqueFd>& fds, Channel& ch) {
    if (fds.size() != 1)
        fail("WSL_E_PROTOCOL", "Invalid message: move needs the target directory fd.");
    User& u = user(c.uid);
    std::unique_ptr<Busy> busy;
    registry::Distro d = claim(u, req.at("name").get<std::string>(), {registry::State::Installed},
                               std::nullopt, busy);
    std::error_code ec;
    std::string target_path =
        fs::read_symlink(fmt::format("/proc/self/fd/{}", fds[0].get()), ec).string();
    if (ec)
        fail("WSL_E_INVALID_USAGE", "The target directory cannot be resolved.");
    require_utf8_path(target_path);
    {
        std::lock_guard lock(u.m);
        for (const auto& other : u.reg.distros)
            if (other.base_path == target_path)
                fail("ERROR_FILE_EXISTS");
    }
    runtime::IdMap map = ids_.map_for(c.uid);
    if (d.layout != registry::kLayout)
        fail("WSL_E_DISK_CORRUPTED", "The distribution's files are still in the old layout "
                                     "(see the service's log); they cannot be moved.");
    update(u, d.guid, [&](registry::Distro& r) {
        r.moving_to = target_path;
        r.moving_created = false;
    });
    test_phase("move.marked");
    try {
        relocate(u, d, fds[0].get(), target_path, map, ch);
    } catch (...) {
        update(u, d.guid, [](registry::Distro& r) {
            r.moving_to.clear();
            r.moving_created = false;
        });
        throw;
    }
    test_phase("move.copied");
    update(u, d.guid, [&](registry::Distro& r) {
        r.base_path = target_path;
        r.default_location = false;
        r.moving_to.clear();
        r.moving_created = false;
        r.moving_from = d.base_path;
        r.moving_from_default = d.default_location;
    });
    test_phase("move.flipped");
    // What is left at the old place: the whole tree after a copy, nothing (or a default
    // location's own directory) after a rename.
    remove_storage(d, map);
    update(u, d.guid, [](registry::Distro& r) { r.moving_from.clear(); });
    return json::object();
}

void Service::relocate(User& u, const registry::Distro& d, int target,
                       const std::string& target_path, const runtime::IdMap& map, Channel& ch) {
    const bool root = map.caller_uid == 0;
    Base base = open_base(d, map.caller_uid, true);

    // Same file system: the private directory moves whole, in one rename. The worker does it
    // for users, so the kernel checks that the user may write the target; root's is root's.
    json moved = json::object();
    if (root) {
        if (::renameat2(base.fd.get(), registry::kPrivateDir, target, registry::kPrivateDir,
                        RENAME_NOREPLACE) == 0)
            moved = {{"renamed", true}};
        else if (errno == EEXIST)
            fail("ERROR_FILE_EXISTS");
        else if (errno != EXDEV)
            fail_errno("WSL_E_MOVE_FAILED", "Cannot move the distribution");
    } else {
        WorkerSpec spec{"move", {}, {}};
        UniqueFd unused;
        add_private(spec, base, d, unused, map.host_uid(0));
        spec.args.push_back("target=" + next_fd(spec));
        spec.fds.push_back(target);
        moved = workers_.run(map, spec, &ch);
    }
    if (moved.value("renamed", false))
        return;

    // Another file system: a new private directory at the target (recorded as the move's
    // own before anything is written in it), then pack from the old one into a pipe and
    // extract at the new one.
    Base dest;
    dest.fd.reset(::fcntl(target, F_DUPFD_CLOEXEC, 3));
    dest.path = target_path;
    dest.top_in_worker = !root;
    dest.by_service = root;
    create_private(dest, map, d.guid, "WSL_E_MOVE_FAILED");
    registry::Distro there = d;
    there.base_path = target_path;
    there.default_location = false;
    there.storage_created = true;
    try {
        update(u, d.guid, [](registry::Distro& r) { r.moving_created = true; });
        test_phase("move.created");
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0)
            fail_errno("WSL_E_MOVE_FAILED", "pipe");
        UniqueFd pipe_r(p[0]), pipe_w(p[1]);
        WorkerSpec packer{"pack", {"format=tar", "threads=1"}, {}};
        UniqueFd old_held;
        if (!add_private(packer, base, d, old_held, map.host_uid(0)))
            fail("WSL_E_DISK_CORRUPTED", "The distribution's files are missing.");
        packer.args.push_back("data=" + next_fd(packer));
        packer.fds.push_back(pipe_w.get());
        runtime::Child pack_child = workers_.start(map, packer);
        pipe_w.reset();
        WorkerSpec extract{"extract", {}, {}};
        UniqueFd new_held;
        add_private(extract, dest, there, new_held, map.host_uid(0));
        extract.args.push_back("data=" + next_fd(extract));
        extract.fds.push_back(pipe_r.get());
        try {
            workers_.run(map, extract, &ch);
        } catch (...) {
            pack_child.kill();
            throw;
        }
        // The copy is complete (and synced by the extracting worker) only if the packer
        // read everything without error.
        if (pack_child.wait() != 0)
            fail("WSL_E_MOVE_FAILED", "Reading the distribution for the move failed.");
    } catch (...) {
        try {
            remove_storage(there, map);
        } catch (const std::exception& e) {
            log(fmt::format("cleanup of the move of '{}' failed: {}", d.name, e.what()));
        }
        throw;
    }
}

} // namespace wsl::service
