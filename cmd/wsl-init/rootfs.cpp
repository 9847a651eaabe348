#include "rootfs.h"

#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "etc_files.h"
#include "sys.h"
#include "tools.h"

namespace wsl::init {

int check(int rc, const std::string& what) {
    if (rc < 0)
        fail_errno("WSL_E_INIT_FAILED", what);
    return rc;
}

namespace {

constexpr const char* kDeviceSources[] = {"null",    "zero", "full", "random",
                                          "urandom", "tty",  "null" /* console */};
constexpr const char* kDeviceNames[] = {"null",    "zero", "full",   "random",
                                        "urandom", "tty",  "console"};

// Opens dir `name` under `parent`, creating it if missing; refuses symlinks, because before
// the pivot they would resolve against the host's root.
UniqueFd own_dir(int parent, const char* name, mode_t mode) {
    if (::mkdirat(parent, name, mode) != 0 && errno != EEXIST)
        fail_errno("WSL_E_INIT_FAILED", std::string("Cannot create /") + name);
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH;
    int fd = static_cast<int>(::syscall(SYS_openat2, parent, name, &how, sizeof how));
    if (fd < 0)
        fail_errno("WSL_E_INIT_FAILED",
                   std::string("The distribution's /") + name + " is not a directory");
    return UniqueFd(fd);
}

std::string fd_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

void mkdirs(const std::string& path, mode_t mode) {
    for (size_t i = 1; i <= path.size(); ++i)
        if (i == path.size() || path[i] == '/')
            if (::mkdir(path.substr(0, i).c_str(), mode) != 0 && errno != EEXIST)
                fail_errno("WSL_E_INIT_FAILED", "Cannot create " + path.substr(0, i));
}

void attach(UniqueFd& tree, const std::string& target, const std::string& what) {
    check(move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH),
          "Cannot mount " + what);
    tree.reset();
}

void set_attrs(const char* path, unsigned long long attrs, bool recursive) {
    mount_attr a{};
    a.attr_set = attrs;
    check(mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &a),
          std::string("Cannot set mount flags of ") + path);
}

void create_file(const std::string& path, mode_t mode) {
    UniqueFd fd(::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, mode));
    if (!fd)
        fail_errno("WSL_E_INIT_FAILED", "Cannot create " + path);
}

// wslpath and wslinfo: links to this binary on init's own /run, never in the distro's files
// (WSL links /usr/bin/wslpath to /init; here the distro's tree is the user's).
void mount_tools(HostView& host, std::vector<std::string>& warnings) {
    if (!host.self_exe) {
        warnings.push_back("wslpath and wslinfo are unavailable: cannot bind wsl-init");
        return;
    }
    std::string dir = kToolsDir;
    mkdirs(dir, 0755);
    std::string bin = dir + "/wsl-init";
    create_file(bin, 0755);
    attach(host.self_exe, bin, bin);
    set_attrs(bin.c_str(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
    for (const char* name : kToolNames)
        check(::symlink("wsl-init", (dir + "/" + name).c_str()), "symlink " + dir + "/" + name);
}

} // namespace

void enter_rootfs(UniqueFd rootfs, bool detached, HostView& host) {
    check(::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr), "Cannot make / private");
    UniqueFd tree;
    if (detached) {
        // A tree the service cloned from its own namespace: it needs a mount point in this
        // one, and any will do, since the host's root is detached below.
        tree = std::move(rootfs);
        check(move_mount(tree.get(), "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH),
              "Cannot mount the root file system");
    } else {
        tree = UniqueFd(
            check(open_tree(rootfs.get(), "",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE),
                  "Cannot bind the root file system"));
        check(move_mount(tree.get(), "", rootfs.get(), "",
                         MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
              "Cannot mount the root file system");
    }
    check(::fchdir(tree.get()), "Cannot enter the root file system");

    for (const char* src : kDeviceSources) {
        std::string path = std::string("/dev/") + src;
        host.devices.emplace_back(
            check(open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
                  "Cannot bind " + path));
    }
    host.sys_tree = UniqueFd(
        check(open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE),
              "Cannot bind /sys"));
    host.hosts = read_file("/etc/hosts", 65536);
    host.resolv_conf = read_file("/etc/resolv.conf", 65536);

    // /proc first: the kernel only lets a user namespace mount proc while a full proc is
    // still visible, i.e. before the host's root is detached.
    UniqueFd proc = own_dir(tree.get(), "proc", 0555);
    check(::mount("proc", fd_path(proc.get()).c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  nullptr),
          "Cannot mount /proc");
    check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "Cannot pivot the root");
    check(::umount2(".", MNT_DETACH), "Cannot detach the host's root");
    check(::chdir("/"), "chdir /");
}

std::vector<std::string> mount_system(HostView& host, const config::WslConf& conf) {
    std::vector<std::string> warnings;
    mkdirs("/sys", 0555);
    attach(host.sys_tree, "/sys", "/sys");
    set_attrs("/sys", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
              true);

    mkdirs("/dev", 0755);
    check(::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
                  "mode=755,size=65536k"),
          "Cannot mount /dev");
    for (size_t i = 0; i < host.devices.size(); ++i) {
        std::string path = std::string("/dev/") + kDeviceNames[i];
        create_file(path, 0666);
        attach(host.devices[i], path, path);
    }
    mkdirs("/dev/pts", 0755);
    check(::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5"),
          "Cannot mount /dev/pts");
    check(::symlink("pts/ptmx", "/dev/ptmx"), "symlink /dev/ptmx");
    check(::symlink("/proc/self/fd", "/dev/fd"), "symlink /dev/fd");
    check(::symlink("/proc/self/fd/0", "/dev/stdin"), "symlink /dev/stdin");
    check(::symlink("/proc/self/fd/1", "/dev/stdout"), "symlink /dev/stdout");
    check(::symlink("/proc/self/fd/2", "/dev/stderr"), "symlink /dev/stderr");
    mkdirs("/dev/shm", 01777);
    check(::mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"),
          "Cannot mount /dev/shm");
    mkdirs("/dev/mqueue", 0755);
    if (::mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        warnings.push_back(std::string("Cannot mount /dev/mqueue: ") + std::strerror(errno));

    mkdirs("/run", 0755);
    check(::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755"), "Cannot mount /run");
    mkdirs("/run/lock", 01777);
    ::chmod("/run/lock", 01777);
    mount_tools(host, warnings);

    if (conf.automount_enabled && host.root_tree) {
        std::string target = conf.automount_root + "host";
        mkdirs(target, 0755);
        unsigned long long attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        for (const auto& opt : split_options(conf.automount_options)) {
            if (opt == "ro")
                attrs |= MOUNT_ATTR_RDONLY;
            else if (opt == "noexec")
                attrs |= MOUNT_ATTR_NOEXEC;
            else if (opt == "noatime")
                attrs |= MOUNT_ATTR_NOATIME;
            else if (opt != "rw")
                warnings.push_back("Unsupported automount option '" + opt +
                                   "' in /etc/wsl.conf (supported: ro, rw, noexec, noatime)");
        }
        attach(host.root_tree, target, target);
        set_attrs(target.c_str(), attrs, false);
    }
    return warnings;
}

void write_network_files(const HostView& host, const config::WslConf& conf,
                         const std::string& hostname) {
    struct stat st;
    if (::stat("/etc", &st) != 0 || !S_ISDIR(st.st_mode))
        return;
    if (conf.network_generate_hosts)
        replace_file("/etc/hosts", hosts_text(hostname, host.hosts));
    if (conf.network_generate_resolv_conf)
        replace_file("/etc/resolv.conf", resolv_text(host.resolv_conf));
}

} // namespace wsl::init
