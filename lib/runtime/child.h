#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "runtime/idmap.h"

namespace wsl::runtime {

// A child process owned through a pidfd; killed and reaped if still running on destruction.
class Child {
public:
    Child() = default;
    Child(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    Child(Child&&) noexcept = default;
    Child& operator=(Child&&) noexcept = default;
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

// Starts argv in a new user namespace carrying `map`, as root of that namespace with no
// supplementary groups. fds[i] becomes fd 3+i in the child; every other fd is closed.
// The child gets SIGKILL if the calling thread exits. Safe to call from a threaded process.
Child spawn_in_userns(const IdMap& map, const std::vector<std::string>& argv,
                      const std::vector<int>& fds);

} // namespace wsl::runtime
