// Where a distro's files live and who may touch them: <base>/private/rootfs, with private
// owned by the distro's range root, mode 0700.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/guid_mark.h"
#include "base/log.h"
#include "service/service.h"

namespace wsl::service {

namespace fs = std::filesystem;
using nlohmann::json;

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

std::string Service::next_fd(const WorkerSpec& spec) {
    return fmt::format("@{}", 4 + spec.fds.size());
}

bool Service::add_private(WorkerSpec& spec, const Base& base, const registry::Distro& d,
                          UniqueFd& held, uid_t owner) {
    const char* dir = d.layout == 1 ? "rootfs" : registry::kPrivateDir;
    if (d.layout == 1)
        spec.args.push_back("dir=rootfs");
    else if (!d.guid.empty())
        spec.args.push_back("guid=" + d.guid);
    if (base.fd) {
        spec.args.push_back("base=" + next_fd(spec));
        spec.fds.push_back(base.fd.get());
    } else {
        spec.args.push_back("base=" + base.path);
    }
    if (base.top_in_worker)
        return true;
    held.reset(::openat(base.fd.get(), dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!held) {
        if (errno == ENOENT)
            return false;
        fail_errno("WSL_E_DISK_CORRUPTED", "Cannot open the distribution's files");
    }
    // The worker checks the same for the directories it opens itself.
    struct stat st;
    if (d.layout != 1 && (::fstat(held.get(), &st) != 0 || st.st_uid != owner))
        fail("WSL_E_STORAGE_REPLACED",
             "The distribution's storage directory was replaced from outside; it is left as "
             "it is.");
    // No healing here: a mark the service wrote would be root's, unreadable to the worker,
    // which marks an unmarked directory itself.
    if (d.layout != 1 && !d.guid.empty() && !check_guid_mark(held.get(), d.guid, false))
        fail("WSL_E_STORAGE_REPLACED",
             "The distribution's storage directory belongs to another distribution; it is left "
             "as it is.");
    spec.args.push_back("private=" + next_fd(spec));
    spec.fds.push_back(held.get());
    return true;
}

void Service::create_private(const Base& base, const runtime::IdMap& map, const std::string& guid,
                             const char* code) {
    if (base.top_in_worker) {
        WorkerSpec spec{"mkprivate", {}, {}};
        UniqueFd unused;
        registry::Distro fresh;
        fresh.guid = guid;
        add_private(spec, base, fresh, unused, map.host_uid(0));
        workers_.run(map, spec, nullptr);
        return;
    }
    // Root's own directory, where the id-mapped worker may not write.
    if (::mkdirat(base.fd.get(), registry::kPrivateDir, 0700) != 0)
        fail_errno(errno == EEXIST ? "ERROR_FILE_EXISTS" : code,
                   "Cannot create the distribution's directory in the install location");
    if (::fchownat(base.fd.get(), registry::kPrivateDir, map.host_uid(0), map.host_gid(0),
                   AT_SYMLINK_NOFOLLOW) != 0) {
        int err = errno;
        ::unlinkat(base.fd.get(), registry::kPrivateDir, AT_REMOVEDIR);
        errno = err;
        fail_errno(code, "Cannot create the distribution's directory");
    }
    UniqueFd priv(::openat(base.fd.get(), registry::kPrivateDir,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!priv)
        fail_errno(code, "Cannot open the distribution's directory");
    write_guid_mark(priv.get(), guid, code);
    if (::fchownat(priv.get(), kGuidMark, map.host_uid(0), map.host_gid(0), AT_SYMLINK_NOFOLLOW) !=
        0)
        fail_errno(code, "Cannot mark the distribution's directory");
}

void Service::remove_storage(const registry::Distro& d, const runtime::IdMap& map, bool owned,
                             bool default_dir) {
    Base base = open_base(d, map.caller_uid, false);
    if (base.by_service && !base.fd)
        return; // storage already gone
    WorkerSpec spec{"remove", {base.top_in_worker ? "top=1" : "top=0"}, {}};
    if (!owned)
        spec.args.push_back("empty_only=1");
    UniqueFd held;
    if (add_private(spec, base, d, held, map.host_uid(0))) {
        workers_.run(map, spec, nullptr);
        held.reset();
        const char* dir = d.layout == 1 ? "rootfs" : registry::kPrivateDir;
        if (!base.top_in_worker && ::unlinkat(base.fd.get(), dir, AT_REMOVEDIR) != 0 &&
            errno != ENOENT && !(!owned && (errno == ENOTEMPTY || errno == EEXIST)))
            fail_errno("WSL_E_REMOVE_FAILED", fmt::format("Cannot remove {}", dir));
    }
    // The default location's own directory: the service made it with the record.
    if (default_dir && d.default_location && ::rmdir(d.base_path.c_str()) != 0 && errno != ENOENT &&
        (owned || errno != ENOTEMPTY))
        fail_errno("WSL_E_REMOVE_FAILED", "Cannot remove " + d.base_path);
}

json Service::storage_state(const registry::Distro& d, const runtime::IdMap& map) {
    Base base = open_base(d, map.caller_uid, false);
    if (base.by_service) {
        struct stat st;
        auto there = [&](const char* p) {
            return base.fd && ::fstatat(base.fd.get(), p, &st, AT_SYMLINK_NOFOLLOW) == 0;
        };
        UniqueFd priv(base.fd ? ::openat(base.fd.get(), registry::kPrivateDir,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                              : -1);
        bool ours = priv && ::fstat(priv.get(), &st) == 0 && st.st_uid == map.host_uid(0) &&
                    check_guid_mark(priv.get(), d.guid, false);
        return {{"private", static_cast<bool>(priv)},
                {"rootfs", ours && ::fstatat(priv.get(), "rootfs", &st, AT_SYMLINK_NOFOLLOW) == 0},
                {"legacy", there("rootfs")}};
    }
    // A user's own directory: look with the user's rights.
    WorkerSpec spec{"exists", {"base=" + base.path, "guid=" + d.guid}, {}};
    return workers_.run(map, spec, nullptr);
}

void Service::convert_layout(User& u, const registry::Distro& d, const runtime::IdMap& map) {
    Base base = open_base(d, map.caller_uid, true);
    json now = storage_state(d, map);
    if (now.value("rootfs", false) && !now.value("legacy", false)) {
        // A crash came after the move of the files and before the record said so.
    } else if (base.top_in_worker) {
        registry::Distro fresh;
        fresh.guid = d.guid; // the worker marks private as this distro's
        WorkerSpec spec{"adopt", {}, {}};
        UniqueFd unused;
        add_private(spec, base, fresh, unused, map.host_uid(0));
        workers_.run(map, spec, nullptr);
    } else {
        struct stat st;
        if (::fstatat(base.fd.get(), registry::kPrivateDir, &st, AT_SYMLINK_NOFOLLOW) != 0)
            create_private(base, map, d.guid, "WSL_E_DISK_CORRUPTED");
        UniqueFd priv(::openat(base.fd.get(), registry::kPrivateDir,
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!priv)
            fail_errno("WSL_E_DISK_CORRUPTED", "Cannot open the distribution's directory");
        if (struct stat st; ::fstat(priv.get(), &st) != 0 || st.st_uid != map.host_uid(0))
            fail("WSL_E_STORAGE_REPLACED",
                 "The distribution's storage directory was replaced from outside; it is left "
                 "as it is.");
        if (::renameat2(base.fd.get(), "rootfs", priv.get(), "rootfs", RENAME_NOREPLACE) != 0)
            fail_errno("WSL_E_DISK_CORRUPTED", "Cannot move the distribution's files");
    }
    update(u, d.guid, [](registry::Distro& r) {
        r.layout = registry::kLayout;
        r.storage_created = true;
    });
    log(fmt::format("uid {}: the files of '{}' moved into {}/{}", map.caller_uid, d.name,
                    d.base_path, registry::kPrivateDir));
}

} // namespace wsl::service
