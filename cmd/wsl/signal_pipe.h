#pragma once
#include <initializer_list>
#include <vector>

#include "base/unique_fd.h"

namespace wsl::cli {

// Turns signals into bytes on a pipe, so a poll loop handles them with its other fds. One at a
// time per process; the destructor restores the default actions.
class SignalPipe {
public:
    explicit SignalPipe(std::initializer_list<int> signals);
    ~SignalPipe();
    SignalPipe(const SignalPipe&) = delete;
    SignalPipe& operator=(const SignalPipe&) = delete;
    int fd() const { return read_.get(); }
    // The signals that arrived since the last call.
    std::vector<int> take();

private:
    UniqueFd read_, write_;
    std::vector<int> signals_;
};

// Ends this process the way sig would have (the default action), so a shell sees a command
// killed by Ctrl-C rather than one that exited with 130.
[[noreturn]] void die_of_signal(int sig);

} // namespace wsl::cli
