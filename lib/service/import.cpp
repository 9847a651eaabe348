#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/log.h"
#include "base/test_hook.h"
#include "service/service.h"

namespace wsl::service {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string fd_path(int fd) {
    std::error_code ec;
    auto p = fs::read_symlink(fmt::format("/proc/self/fd/{}", fd), ec);
    if (ec)
        fail("WSL_E_INVALID_USAGE", "The install location cannot be resolved.");
    return p.string();
}

void require_name(const std::string& name) {
    if (!registry::valid_name(name))
        registry::invalid_name(name);
}

} // namespace

json Service::import_distro(const Caller& c, const json& req, std::vector<UniqueFd>& fds,
                            Channel& ch) {
    return add_distro(c, req, fds, ch, false);
}

json Service::install_distro(const Caller& c, const json& req, std::vector<UniqueFd>& fds,
                             Channel& ch) {
    return add_distro(c, req, fds, ch, true);
}

json Service::add_distro(const Caller& c, const json& req, std::vector<UniqueFd>& fds, Channel& ch,
                         bool install) {
    User& u = user(c.uid);
    // An install may leave the name to the image's wsl-distribution.conf (defaultName).
    std::string name = install ? req.value("name", "") : req.at("name").get<std::string>();
    if (!install || !name.empty())
        require_name(name);
    const bool has_location = req.value("location", false);
    if (fds.size() != (has_location ? 2u : 1u))
        fail("WSL_E_PROTOCOL", "Invalid message: import needs the archive (and location) fds.");

    registry::Distro d;
    d.guid = registry::new_guid();
    d.name = name; // empty until the image names itself: hidden from lists meanwhile
    d.default_location = !has_location;
    d.base_path = has_location ? fd_path(fds[1].get()) : (u.dir / d.guid).string();
    require_utf8_path(d.base_path);
    d.state = registry::State::Installing;
    std::unique_ptr<Busy> busy;
    {
        std::lock_guard lock(u.m);
        d.version = req.value("version", u.reg.default_version);
        if (d.version == 2)
            fail("WSL_E_VM_MODE_INVALID_STATE");
        if (d.version != 1)
            fail("WSL_E_INVALID_USAGE", "The version must be 1 or 2.");
        if (!name.empty() && u.reg.find_name(name))
            fail("ERROR_ALREADY_EXISTS");
        for (const auto& other : u.reg.distros)
            if (other.base_path == d.base_path)
                fail("ERROR_FILE_EXISTS");
        u.reg.distros.push_back(d);
        save(u);
        busy = std::make_unique<Busy>(u, d.guid); // a fresh guid: never taken
    }
    const std::string op = install ? "install" : "import";
    test_phase((op + ".registered").c_str());
    runtime::IdMap map = ids_.map_for(c.uid);
    bool created = false; // <base>/private is ours: only then may a failure delete it
    try {
        Base base;
        if (d.default_location) {
            if (::mkdir(d.base_path.c_str(), 0700) != 0 ||
                ::chown(d.base_path.c_str(), map.host_uid(0), map.host_gid(0)) != 0)
                fail_errno("WSL_E_IMPORT_FAILED", "Cannot create " + d.base_path);
            base = open_base(d, c.uid, true);
        } else {
            base.fd = std::move(fds[1]);
            base.top_in_worker = c.uid != 0;
            base.by_service = c.uid == 0;
        }
        create_private(base, map, d.guid, "WSL_E_IMPORT_FAILED");
        created = true;
        update(u, d.guid, [](registry::Distro& r) { r.storage_created = true; });
        test_phase((op + ".created").c_str());
        if (install)
            ch.event({{"type", "accepted"}}); // the name and place are taken: send the bytes
        WorkerSpec spec{"extract", {install ? "conf=1" : "conf=0"}, {}};
        UniqueFd held;
        if (!add_private(spec, base, d, held, map.host_uid(0)))
            fail("WSL_E_IMPORT_FAILED", "The distribution's directory disappeared.");
        spec.args.push_back("data=" + next_fd(spec));
        spec.fds.push_back(fds[0].get());
        json info = workers_.run(map, spec, &ch);
        fds[0].reset();
        test_phase((op + ".extracted").c_str());
        // An install is kept only when the client confirms the download's digest; until the
        // record says Installed, a crash rolls it back.
        if (install) {
            await_commit(ch);
            test_phase("install.committed");
        }

        std::lock_guard lock(u.m);
        registry::Distro* rec = u.reg.find_guid(d.guid);
        rec->flavor = info.value("flavor", "");
        rec->os_version = info.value("osVersion", "");
        if (install)
            apply_distribution_conf(u, *rec, info.value("conf", json::object()));
        rec->state = registry::State::Installed;
        // The first distro becomes the default; with none stored (a registry from before
        // unregister kept one), the one `wsl -l` already shows as default stays so.
        if (!u.reg.find_guid(u.reg.default_guid))
            u.reg.default_guid = u.reg.default_distro_fallback()->guid;
        save(u);
        return {{"name", rec->name}, {"guid", d.guid}};
    } catch (...) {
        // Only what this import made goes: a location found in use keeps what is there.
        // Files that cannot be removed keep their record (Installing), so that the repair
        // at the next start tries again rather than forgetting them.
        bool cleaned = true;
        try {
            if (created)
                remove_storage(d, map);
            else if (d.default_location)
                ::rmdir(d.base_path.c_str());
        } catch (const std::exception& e) {
            cleaned = false;
            log(fmt::format("cleanup of '{}' failed, left for the next start: {}", d.guid,
                            e.what()));
        }
        if (cleaned) {
            std::lock_guard lock(u.m);
            u.reg.remove(d.guid);
            save(u);
        }
        throw;
    }
}

void Service::await_commit(Channel& ch) {
    ch.event({{"type", "extracted"}});
    if (!ch.receive(60000).value("commit", false))
        cancelled();
}

void Service::apply_distribution_conf(User& u, registry::Distro& d, const json& conf) {
    auto text = [&](const char* key, size_t limit) {
        auto it = conf.find(key);
        if (it == conf.end() || !it->is_string() || it->get<std::string>().size() > limit)
            return std::string();
        return it->get<std::string>();
    };
    d.run_oobe = true;
    d.oobe_command = text("command", 4096);
    if (auto it = conf.find("defaultUid");
        it != conf.end() && it->is_number_unsigned() && it->get<uint64_t>() <= 4294967294u)
        d.oobe_uid = it->get<unsigned>();
    if (!d.name.empty())
        return;
    std::string name = text("defaultName", 64);
    if (name.empty())
        fail("WSL_E_DISTRIBUTION_NAME_NEEDED",
             "The distribution does not name itself (no [oobe] defaultName in its "
             "/etc/wsl-distribution.conf). Give it a name with --name.");
    require_name(name);
    if (u.reg.find_name(name))
        fail("ERROR_ALREADY_EXISTS");
    d.name = name;
}

} // namespace wsl::service
