#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "archive/detect.h"
#include "base/error.h"
#include "service/service.h"

namespace wsl::service {

namespace fs = std::filesystem;
using nlohmann::json;

registry::Distro Service::claim(User& u, const std::string& name,
                                std::initializer_list<registry::State> allowed,
                                std::optional<registry::State> to, std::unique_ptr<Busy>& busy) {
    std::lock_guard lock(u.m);
    registry::Distro& rec = find(u, name);
    if (std::find(allowed.begin(), allowed.end(), rec.state) == allowed.end())
        fail("E_ILLEGAL_STATE_CHANGE");
    busy = std::make_unique<Busy>(u, rec.guid);
    stop_instance(u, rec.guid);
    if (to) {
        rec.state = *to;
        save(u);
    }
    return rec;
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
        runtime::IdMap map = ids_.map_for(c.uid);
        Base base = open_base(d, c.uid, true);
        WorkerSpec spec{
            "pack",
            {"format=" + archive::to_string(format), fmt::format("threads={}", threads())},
            {}};
        UniqueFd tree;
        if (!add_tree(spec, base, "rootfs", tree))
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
    remove_storage(d, ids_.map_for(c.uid));
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
    update(u, d.guid, [&](registry::Distro& r) { r.moving_to = target_path; });
    try {
        relocate(d, fds[0].get(), map, ch);
    } catch (...) {
        update(u, d.guid, [](registry::Distro& r) { r.moving_to.clear(); });
        throw;
    }
    update(u, d.guid, [&](registry::Distro& r) {
        r.base_path = target_path;
        r.default_location = false;
        r.moving_to.clear();
        r.moving_from = d.base_path;
        r.moving_from_default = d.default_location;
    });
    // What is left at the old place: the whole tree after a copy, the directory after a rename.
    remove_storage(d, map);
    update(u, d.guid, [](registry::Distro& r) { r.moving_from.clear(); });
    return json::object();
}

void Service::relocate(const registry::Distro& d, int target, const runtime::IdMap& map,
                       Channel& ch) {
    const bool root = map.caller_uid == 0;
    Base base = open_base(d, map.caller_uid, true);

    // Same file system: one rename. The worker does it for users, so the kernel checks that
    // the user may write the target; root's rename is root's own.
    json moved = json::object();
    if (root) {
        struct stat st;
        if (::fstatat(target, "rootfs", &st, AT_SYMLINK_NOFOLLOW) == 0)
            fail("ERROR_FILE_EXISTS");
        if (::renameat(base.fd.get(), "rootfs", target, "rootfs") == 0)
            moved = {{"renamed", true}};
        else if (errno != EXDEV)
            fail_errno("WSL_E_MOVE_FAILED", "Cannot move the distribution");
    } else {
        WorkerSpec spec{"move", {}, {}};
        UniqueFd unused;
        add_tree(spec, base, "rootfs", unused);
        spec.args.push_back("target=" + next_fd(spec));
        spec.fds.push_back(target);
        moved = workers_.run(map, spec, &ch);
    }
    if (!moved.value("renamed", false)) {
        // Another file system: pack from the old place into a pipe, extract at the new one.
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0)
            fail_errno("WSL_E_MOVE_FAILED", "pipe");
        UniqueFd pipe_r(p[0]), pipe_w(p[1]);
        WorkerSpec packer{"pack", {"format=tar", "threads=1"}, {}};
        UniqueFd old_tree;
        if (!add_tree(packer, base, "rootfs", old_tree))
            fail("WSL_E_DISK_CORRUPTED", "The distribution's files are missing.");
        packer.args.push_back("data=" + next_fd(packer));
        packer.fds.push_back(pipe_w.get());
        runtime::Child pack_child = workers_.start(map, packer);
        pipe_w.reset();
        if (root)
            make_top(target, "rootfs.partial", map, "WSL_E_MOVE_FAILED");
        Base dest;
        dest.fd.reset(::fcntl(target, F_DUPFD_CLOEXEC, 3));
        dest.top_in_worker = !root;
        WorkerSpec extract{"extract", {"final=rootfs", root ? "top=0" : "top=1"}, {}};
        UniqueFd new_tree;
        add_tree(extract, dest, "rootfs.partial", new_tree);
        extract.args.push_back("data=" + next_fd(extract));
        extract.fds.push_back(pipe_r.get());
        try {
            workers_.run(map, extract, &ch);
            if (pack_child.wait() != 0)
                fail("WSL_E_MOVE_FAILED", "Reading the distribution for the move failed.");
            if (root && ::renameat(target, "rootfs.partial", target, "rootfs") != 0)
                fail_errno("WSL_E_MOVE_FAILED", "Cannot finish the move");
        } catch (...) {
            pack_child.kill();
            try {
                new_tree.reset();
                WorkerSpec rm{"remove", {root ? "top=0" : "top=1"}, {}};
                UniqueFd partial;
                add_tree(rm, dest, "rootfs.partial", partial);
                workers_.run(map, rm, nullptr);
                if (root)
                    ::unlinkat(target, "rootfs.partial", AT_REMOVEDIR);
            } catch (const std::exception&) {
            }
            throw;
        }
    }
}

} // namespace wsl::service
