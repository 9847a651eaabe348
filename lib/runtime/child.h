#pragma once
#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "runtime/idmap.h"

namespace wsl::runtime {

// A child process owned through a pidfd; killed and reaped if still running on destruction.
class Child {
public:
    Child() = default;
    Child(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    Child(Child&& o) noexcept
        : pid_(std::exchange(o.pid_, -1)), pidfd_(std::move(o.pidfd_)), reaped_(o.reaped_) {}
    Child& operator=(Child&& o) noexcept {
        if (this != &o) {
            this->~Child();
            pid_ = std::exchange(o.pid_, -1);
            pidfd_ = std::move(o.pidfd_);
            reaped_ = o.reaped_;
        }
        return *this;
    }
    ~Child();

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    void kill();
    // Waits for exit; returns the exit status (128+N for a signal).
    int wait();

private:
    pid_t pid_ = -1;
    UniqueFd pidfd_;
    bool reaped_ = false;
};

// The RLIMIT_NOFILE children get (the service raises its own): set once at start-up.
void set_child_nofile(const struct rlimit& limit);

struct SpawnOptions {
    unsigned long long namespaces = 0; // CLONE_NEW* flags beyond CLONE_NEWUSER
    int exec_fd = -1;                  // run this file (execveat) instead of argv[0]
    bool die_with_thread = true;       // SIGKILL when the calling thread exits
    bool null_stdio = false;           // stdin/out/err on /dev/null instead of the parent's
    // RLIMIT_NPROC (soft and hard) for the child. Set before a user namespace is made inside
    // it, it also caps every process in that namespace together, whatever their uids.
    rlim_t nproc = RLIM_INFINITY;
    // Runs in the parent after the id map is written and before the child may go on.
    std::function<void(pid_t)> before_start;
};

// Starts argv in a new user namespace carrying `map`, as root of that namespace with no
// supplementary groups. fds[i] becomes fd 3+i in the child; every other fd is closed.
// Safe to call from a threaded process.
Child spawn_in_userns(const IdMap& map, const std::vector<std::string>& argv,
                      const std::vector<int>& fds, const SpawnOptions& opts = {});

} // namespace wsl::runtime
