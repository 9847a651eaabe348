#include "worker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clocale>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "archive/extract.h"
#include "archive/pack.h"
#include "base/error.h"
#include "base/small_file.h"
#include "base/unique_fd.h"
#include "config/wsl_distribution_conf.h"
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

bool exists(int dir, const char* name) {
    struct stat st;
    return ::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
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

json run(const std::string& op, std::map<std::string, std::string>& a) {
    const bool top = a["top"] == "1";
    if (op == "extract") {
        UniqueFd base = open_base(a["base"], true);
        const std::string& name = a["name"];
        if (top) {
            if (exists(base.get(), a["final"].c_str()))
                fail("ERROR_FILE_EXISTS");
            if (::mkdirat(base.get(), name.c_str(), 0755) != 0)
                fail_errno(errno == EEXIST ? "ERROR_FILE_EXISTS" : "WSL_E_IMPORT_FAILED",
                           "Cannot create the distribution's directory in the install location");
        }
        UniqueFd root = open_dir(base.get(), name);
        enter(root.get());
        archive::extract(fd_arg(a["data"]), events());
        archive::RootfsInfo info = archive::inspect_rootfs();
        json out = {{"flavor", info.flavor}, {"osVersion", info.os_version}};
        if (a["conf"] == "1")
            out["conf"] = distribution_conf();
        if (top && ::renameat(base.get(), name.c_str(), base.get(), a["final"].c_str()) != 0)
            fail_errno("WSL_E_IMPORT_FAILED", "Cannot finish the distribution's directory");
        return out;
    }
    if (op == "pack") {
        UniqueFd base = open_base(a["base"], true);
        UniqueFd root = open_dir(base.get(), a["name"]);
        archive::Format format;
        if (!archive::parse_format(a["format"], format))
            fail("WSL_E_WORKER", "bad format");
        enter(root.get());
        archive::pack(fd_arg(a["data"]), format, static_cast<unsigned>(std::stoul(a["threads"])),
                      events());
        return json::object();
    }
    if (op == "remove") {
        UniqueFd base = open_base(a["base"], false);
        if (!base)
            return json::object();
        const std::string& name = a["name"];
        UniqueFd dir(
            ::openat(base.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) {
            if (errno == ENOENT)
                return json::object();
            fail_errno("WSL_E_REMOVE_FAILED", "Cannot open the distribution's files");
        }
        enter(dir.get());
        runtime::empty_directory(dir.get());
        if (top && ::unlinkat(base.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
            fail_errno("WSL_E_REMOVE_FAILED", "Cannot remove the distribution's directory");
        return json::object();
    }
    if (op == "exists") {
        UniqueFd base = open_base(a["base"], false);
        return {{"exists", base && exists(base.get(), a["name"].c_str())}};
    }
    if (op == "move") {
        UniqueFd base = open_base(a["base"], true);
        int target = fd_arg(a["target"]);
        if (exists(target, "rootfs"))
            fail("ERROR_FILE_EXISTS");
        if (::renameat(base.get(), "rootfs", target, "rootfs") == 0)
            return {{"renamed", true}};
        if (errno == EXDEV)
            return {{"renamed", false}};
        fail_errno("WSL_E_MOVE_FAILED", "Cannot move the distribution to the target directory");
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
