#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/log.h"
#include "service/service.h"

namespace wsl::service {

namespace fs = std::filesystem;

// A crash can leave: Installing (roll back: remove files and record), Uninstalling (finish),
// Exporting/Converting (the distro itself is intact: back to Installed), and default-location
// directories that no record names (remove).
void Service::recover() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(state_dir_ / "users", ec)) {
        uid_t uid;
        try {
            uid = static_cast<uid_t>(std::stoul(entry.path().filename().string()));
        } catch (const std::exception&) {
            continue;
        }
        // One user's trouble (an unreadable registry, a full disk) stops neither the service
        // nor the repair of the others.
        try {
            recover_user(uid);
        } catch (const std::exception& e) {
            log(fmt::format("uid {}: no crash repair: {}", uid, e.what()));
        }
    }
}

void Service::recover_user(uid_t uid) {
    std::error_code ec;
    User& u = user(uid); // throws on a registry that cannot be read: nothing is touched
    const bool registry_read = u.reg.on_disk;
    runtime::IdMap map = ids_.map_for(uid);
    std::vector<registry::Distro> doomed;
    {
        std::lock_guard lock(u.m);
        bool changed = false;
        for (auto& d : u.reg.distros) {
            if (d.state == registry::State::Installing ||
                d.state == registry::State::Uninstalling) {
                doomed.push_back(d);
            } else if (d.state != registry::State::Installed) {
                d.state = registry::State::Installed;
                changed = true;
            }
        }
        // Written only for a real change: a start-up never creates a registry file.
        if (changed)
            save(u);
    }
    std::vector<registry::Distro> records;
    {
        std::lock_guard lock(u.m);
        records = u.reg.distros;
    }
    for (const auto& d : records)
        if (!d.moving_to.empty() || !d.moving_from.empty()) {
            try {
                repair_move(u, d, map);
            } catch (const std::exception& e) {
                log(fmt::format("cannot repair the move of '{}' of uid {}: {}", d.name, uid,
                                e.what()));
            }
        }
    for (const auto& d : records)
        if (d.layout == 1 && d.state == registry::State::Installed && d.moving_to.empty()) {
            try {
                convert_layout(u, d, map);
            } catch (const std::exception& e) {
                log(fmt::format("cannot move the files of '{}' of uid {} into {}: {}", d.name, uid,
                                registry::kPrivateDir, e.what()));
            }
        }
    for (const auto& d : doomed) {
        try {
            // An install that had not yet made its private directory proves nothing about
            // one found there: only an empty one goes.
            remove_storage(d, map, d.storage_created);
            std::lock_guard lock(u.m);
            u.reg.remove(d.guid);
            save(u);
            log(fmt::format("removed '{}' of uid {}, left {} by a crash", d.name, uid,
                            registry::to_string(d.state)));
        } catch (const std::exception& e) {
            log(fmt::format("cannot clean up '{}' of uid {}: {}", d.name, uid, e.what()));
        }
    }
    // Storage no record names is deleted only on the evidence of a registry file that was
    // read whole, and never a complete tree: records go only after their storage, so a
    // complete tree without one means the registry lost it, and it is kept for the admin.
    if (!registry_read)
        return;
    for (const auto& dir : fs::directory_iterator(u.dir, ec)) {
        std::string guid = dir.path().filename().string();
        if (!dir.is_directory() || guid.size() != 36)
            continue;
        {
            std::lock_guard lock(u.m);
            if (u.reg.find_guid(guid))
                continue;
        }
        registry::Distro stray;
        stray.guid = guid;
        stray.name = guid;
        stray.base_path = dir.path().string();
        try {
            std::error_code e2;
            if (fs::exists(dir.path() / registry::kPrivateDir / "rootfs", e2) ||
                fs::exists(dir.path() / "rootfs", e2)) {
                log(fmt::format("kept {}: a whole distribution that no record of uid {} names",
                                stray.base_path, uid));
                continue;
            }
            // Either layout may be in it.
            stray.layout = 1;
            remove_storage(stray, map, true, false);
            stray.layout = registry::kLayout;
            remove_storage(stray, map);
        } catch (const std::exception& e) {
            log(fmt::format("cannot remove stray {}: {}", stray.base_path, e.what()));
        }
    }
}

// moving_to set: the files were being copied or renamed. If the old tree is still there the
// move is undone (a copy at the target is dropped), else the rename happened and is adopted.
// moving_from set: the registry already points at the new place; the old files go.
void Service::repair_move(User& u, registry::Distro d, const runtime::IdMap& map) {
    if (!d.moving_to.empty()) {
        registry::Distro there = d;
        there.base_path = d.moving_to;
        there.default_location = false;
        if (storage_state(d, map).value("rootfs", false)) {
            // Only a copy the move made itself goes.
            remove_storage(there, map, d.moving_created);
            update(u, d.guid, [](registry::Distro& r) {
                r.moving_to.clear();
                r.moving_created = false;
            });
        } else if (!storage_state(there, map).value("rootfs", false)) {
            // Neither place shows the tree (a location not mounted yet?): decide nothing.
            log(fmt::format("the move of '{}' of uid {} is left for the next start: its files "
                            "are at neither {} nor {}",
                            d.name, map.caller_uid, d.base_path, d.moving_to));
            return;
        } else {
            update(u, d.guid, [&](registry::Distro& r) {
                r.base_path = d.moving_to;
                r.default_location = false;
                r.moving_to.clear();
                r.moving_created = false;
                r.moving_from = d.base_path;
                r.moving_from_default = d.default_location;
            });
            d.moving_from = d.base_path;
            d.moving_from_default = d.default_location;
        }
        log(fmt::format("repaired the move of '{}' of uid {} (a crash interrupted it)", d.name,
                        map.caller_uid));
    }
    if (!d.moving_from.empty()) {
        registry::Distro old = d;
        old.base_path = d.moving_from;
        old.default_location = d.moving_from_default;
        remove_storage(old, map);
        update(u, d.guid, [](registry::Distro& r) { r.moving_from.clear(); });
    }
}

} // namespace wsl::service
