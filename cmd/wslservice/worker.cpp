#include "worker.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "archive/extract.h"
#include "archive/pack.h"
#include "base/error.h"
#include "base/guid_mark.h"
#include "base/small_file.h"
#include "base/unique_fd.h"
#include "config/wsl_distribution_conf.h"
#include "registry/registry.h"
#include "runtime/tree.h"

namespace wsl {

namespace {

using nlohmann::json;

constexpr int kStatusFd = 3;

void emit(const json& line) {
    std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(kStatusFd, text.data() + off, text.size() - off);
        if (n <= 0)
            return;
        off += static_cast<size_t>(n);
    }
}

archive::Events events() {
    return {[](uint64_t bytes) {
                emit({{"progress", bytes}});
            },
            [](const std::string& text) {
                emit({{"warning", text}});
            }};
}

int fd_arg(const std::string& v) {
    if (v.size() < 2 || v[0] != '@')
        fail("WSL_E_WORKER", "bad fd argument " + v);
    return std::stoi(v.substr(1));
}

// base=@N uses fd N; base=/path opens the path here, with this namespace's rights.
UniqueFd open_base(const std::string& v, bool must_exist) {
    if (!v.empty() && v[0] == '@')
        return UniqueFd(::fcntl(fd_arg(v), F_DUPFD_CLOEXEC, 10));
    UniqueFd fd(::open(v.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd && (must_exist || errno != ENOENT))
        fail_errno("WSL_E_DISK_CORRUPTED", "Cannot open the distribution's storage " + v);
    return fd;
}

bool exists(int dir, const char* name) {
    struct stat st;
    return ::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// The distro's private directory: `private=@N` (opened by the service), else <base>/<dir>
// (dir: "private", or "rootfs" for a tree of layout 1). It must be ours: a directory owned
// by this namespace's root; its mode is put back to 0700 if it drifted. Empty when missing
// and !must_exist.
UniqueFd open_private(std::map<std::string, std::string>& a, bool must_exist) {
    UniqueFd dir;
    if (!a["private"].empty()) {
        dir.reset(::fcntl(fd_arg(a["private"]), F_DUPFD_CLOEXEC, 10));
    } else {
        UniqueFd base = open_base(a["base"], must_exist);
        if (!base)
            return {};
        std::string name = a["dir"].empty() ? registry::kPrivateDir : a["dir"];
        dir.reset(
            ::openat(base.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) {
            if (errno == ENOENT && !must_exist)
                return {};
            fail_errno("WSL_E_DISK_CORRUPTED", "Cannot open the distribution's files");
        }
    }
    if (a["dir"] == "rootfs")
        return dir; // layout 1: the tree itself, owned as its archive said
    struct stat st;
    if (::fstat(dir.get(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0)
        fail("WSL_E_STORAGE_REPLACED",
             "The distribution's storage directory was replaced from outside; it is left as "
             "it is.");
    if ((st.st_mode & 07777) != 0700)
        ::fchmod(dir.get(), 0700);
    if (!a["guid"].empty() && !check_guid_mark(dir.get(), a["guid"], true))
        fail("WSL_E_STORAGE_REPLACED",
             "The distribution's storage directory belongs to another distribution; it is "
             "left as it is.");
    return dir;
}

// Enters dir as the new root: nothing the archive names can reach past it.
void enter(int dir) {
    if (::fchdir(dir) != 0 || ::chroot(".") != 0 || ::chdir("/") != 0)
        fail_errno("WSL_E_WORKER", "Cannot enter the distribution's directory");
}

UniqueFd open_dir(int base, const std::string& name) {
    UniqueFd fd(::openat(base, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        fail_errno("WSL_E_DISK_CORRUPTED", "Cannot open the distribution's files (" + name + ")");
    return fd;
}

// The image's /etc/wsl-distribution.conf (an installed .wsl file's first-run settings), parsed
// here, next to the untrusted tree; its warnings go to the user.
json distribution_conf() {
    json out = json::object();
    auto text = read_small_file("etc/wsl-distribution.conf", 65536);
    if (!text)
        return out;
    config::DistributionConf c = config::parse_distribution_conf(*text);
    for (const auto& w : c.warnings)
        emit({{"warning", w}});
    out["command"] = c.oobe_command;
    out["defaultName"] = c.oobe_default_name;
    if (c.oobe_default_uid)
        out["defaultUid"] = *c.oobe_default_uid;
    return out;
}

// Writes back everything of the file system holding dir; its errors are the operation's.
void sync_fs(int dir, const char* code) {
    if (::syncfs(dir) != 0)
        fail_errno(code, "Writing the distribution's files to disk failed");
}

json run(const std::string& op, std::map<std::string, std::string>& a) {
    if (op == "mkprivate") {
        // Creating it is what makes the location ours: one that exists is somebody's.
        UniqueFd base = open_base(a["base"], true);
        if (::mkdirat(base.get(), registry::kPrivateDir, 0700) != 0)
            fail_errno(errno == EEXIST ? "ERROR_FILE_EXISTS" : "WSL_E_IMPORT_FAILED",
                       "Cannot create the distribution's directory in the install location");
        UniqueFd priv = open_dir(base.get(), registry::kPrivateDir);
        write_guid_mark(priv.get(), a["guid"], "WSL_E_IMPORT_FAILED");
        return json::object();
    }
    if (op == "extract") {
        UniqueFd priv = open_private(a, true);
        if (exists(priv.get(), "rootfs") || exists(priv.get(), "rootfs.partial"))
            fail("ERROR_FILE_EXISTS");
        if (::mkdirat(priv.get(), "rootfs.partial", 0755) != 0)
            fail_errno("WSL_E_IMPORT_FAILED", "Cannot create the distribution's directory");
        UniqueFd root = open_dir(priv.get(), "rootfs.partial");
        enter(root.get());
        archive::extract(fd_arg(a["data"]), events());
        archive::RootfsInfo info = archive::inspect_rootfs();
        json out = {{"flavor", info.flavor}, {"osVersion", info.os_version}};
        if (a["conf"] == "1")
            out["conf"] = distribution_conf();
        // Only a tree that is on disk whole becomes the distro's (an old one may go next).
        sync_fs(root.get(), "WSL_E_IMPORT_FAILED");
        if (::renameat(priv.get(), "rootfs.partial", priv.get(), "rootfs") != 0)
            fail_errno("WSL_E_IMPORT_FAILED", "Cannot finish the distribution's directory");
        if (::fsync(priv.get()) != 0)
            fail_errno("WSL_E_IMPORT_FAILED", "Writing the distribution's directory failed");
        return out;
    }
    if (op == "pack") {
        UniqueFd priv = open_private(a, true);
        UniqueFd root = open_dir(priv.get(), a["dir"] == "rootfs" ? "." : "rootfs");
        archive::Format format;
        if (!archive::parse_format(a["format"], format))
            fail("WSL_E_WORKER", "bad format");
        enter(root.get());
        archive::pack(fd_arg(a["data"]), format, static_cast<unsigned>(std::stoul(a["threads"])),
                      events());
        return json::object();
    }
    if (op == "remove") {
        // Empties the private directory (or a tree of layout 1) and, with top=1, removes it
        // from the base. empty_only=1: only an empty one (a crash repair that cannot know
        // whether it made it).
        UniqueFd priv = open_private(a, false);
        if (!priv)
            return json::object();
        // Opened before the chroot below, which hides it.
        UniqueFd base = a["top"] == "1" ? open_base(a["base"], true) : UniqueFd();
        if (a["empty_only"] != "1") {
            enter(priv.get());
            runtime::empty_directory(priv.get());
        }
        if (base) {
            std::string name = a["dir"].empty() ? registry::kPrivateDir : a["dir"];
            if (::unlinkat(base.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT &&
                !(a["empty_only"] == "1" && (errno == ENOTEMPTY || errno == EEXIST)))
                fail_errno("WSL_E_REMOVE_FAILED", "Cannot remove the distribution's directory");
        }
        return json::object();
    }
    if (op == "exists") {
        UniqueFd base = open_base(a["base"], false);
        UniqueFd priv = base ? UniqueFd(::openat(base.get(), registry::kPrivateDir,
                                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
                             : UniqueFd();
        struct stat st;
        bool ours = priv && ::fstat(priv.get(), &st) == 0 && st.st_uid == 0 &&
                    (a["guid"].empty() || check_guid_mark(priv.get(), a["guid"], false));
        return {{"private", static_cast<bool>(priv)},
                {"rootfs", ours && exists(priv.get(), "rootfs")},
                {"legacy", base && exists(base.get(), "rootfs")}};
    }
    if (op == "move") {
        // Same file system: the private directory moves whole, in one rename; this distro's.
        UniqueFd base = open_base(a["base"], true);
        open_private(a, true);
        int target = fd_arg(a["target"]);
        if (::renameat2(base.get(), registry::kPrivateDir, target, registry::kPrivateDir,
                        RENAME_NOREPLACE) == 0)
            return {{"renamed", true}};
        if (errno == EXDEV)
            return {{"renamed", false}};
        fail_errno(errno == EEXIST ? "ERROR_FILE_EXISTS" : "WSL_E_MOVE_FAILED",
                   "Cannot move the distribution to the target directory");
    }
    if (op == "adopt") {
        // A tree of layout 1 (<base>/rootfs) goes into a new private directory.
        UniqueFd base = open_base(a["base"], true);
        if (!exists(base.get(), "rootfs"))
            fail("WSL_E_DISK_CORRUPTED", "The distribution's files are missing.");
        if (::mkdirat(base.get(), registry::kPrivateDir, 0700) != 0 && errno != EEXIST)
            fail_errno("WSL_E_DISK_CORRUPTED", "Cannot create the distribution's directory");
        UniqueFd priv = open_private(a, true);
        if (::renameat2(base.get(), "rootfs", priv.get(), "rootfs", RENAME_NOREPLACE) != 0)
            fail_errno("WSL_E_DISK_CORRUPTED", "Cannot move the distribution's files");
        return json::object();
    }
    fail("WSL_E_WORKER", "unknown worker operation " + op);
}

} // namespace

int worker_main(int argc, char** argv) {
    // Writing to a closed pipe must be an error we report, not a silent death.
    ::signal(SIGPIPE, SIG_IGN);
    std::setlocale(LC_ALL, "C.UTF-8");
    ::umask(0);
    if (argc < 3)
        return 2;
    std::map<std::string, std::string> args;
    for (int i = 3; i < argc; ++i) {
        std::string kv = argv[i];
        auto eq = kv.find('=');
        if (eq != std::string::npos)
            args[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    try {
        emit({{"result", run(argv[2], args)}});
        return 0;
    } catch (const WslError& e) {
        emit({{"error", {{"code", e.code()}, {"message", e.what()}}}});
    } catch (const std::exception& e) {
        emit({{"error", {{"code", "WSL_E_WORKER"}, {"message", e.what()}}}});
    }
    return 1;
}

} // namespace wsl
