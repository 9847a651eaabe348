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
        User& u = user(uid);
        runtime::IdMap map = ids_.map_for(uid);
        std::vector<registry::Distro> doomed;
        {
            std::lock_guard lock(u.m);
            for (auto& d : u.reg.distros) {
                if (d.state == registry::State::Installing ||
                    d.state == registry::State::Uninstalling)
                    doomed.push_back(d);
                else if (d.state != registry::State::Installed)
                    d.state = registry::State::Installed;
            }
            save(u);
        }
        for (const auto& d : doomed) {
            try {
                remove_storage(u, d, map);
                std::lock_guard lock(u.m);
                u.reg.remove(d.guid);
                save(u);
                log(fmt::format("removed '{}' of uid {}, left {} by a crash", d.name, uid,
                                registry::to_string(d.state)));
            } catch (const std::exception& e) {
                log(fmt::format("cannot clean up '{}' of uid {}: {}", d.name, uid, e.what()));
            }
        }
        for (const auto& dir : fs::directory_iterator(u.dir, ec)) {
            std::string guid = dir.path().filename().string();
            if (!dir.is_directory() || guid.size() != 36)
                continue;
            std::lock_guard lock(u.m);
            if (u.reg.find_guid(guid))
                continue;
            registry::Distro stray;
            stray.guid = guid;
            stray.name = guid;
            stray.base_path = dir.path().string();
            try {
                remove_storage(u, stray, map);
            } catch (const std::exception& e) {
                log(fmt::format("cannot remove stray {}: {}", stray.base_path, e.what()));
            }
        }
    }
}

} // namespace wsl::service
