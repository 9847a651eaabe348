#pragma once
// Thin wrappers for the mount API calls glibc 2.36 does not export, and a checked-call helper.
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace wsl::init {

inline int open_tree(int dfd, const char* path, unsigned flags) {
    return static_cast<int>(::syscall(SYS_open_tree, dfd, path, flags));
}
inline int move_mount(int from_dfd, const char* from, int to_dfd, const char* to, unsigned flags) {
    return static_cast<int>(::syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags));
}
inline int mount_setattr(int dfd, const char* path, unsigned flags, mount_attr* attr) {
    return static_cast<int>(::syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof *attr));
}

// Throws WslError(WSL_E_INIT_FAILED, "<what>: <strerror>") when rc < 0.
int check(int rc, const std::string& what);

} // namespace wsl::init
