#include "signal_pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/error.h"

namespace wsl::cli {

namespace {

int g_write = -1;

void on_signal(int sig) {
    unsigned char c = static_cast<unsigned char>(sig);
    int saved = errno;
    if (::write(g_write, &c, 1) < 0) {
    }
    errno = saved;
}

} // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signals) : signals_(signals) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        fail_errno("E_UNEXPECTED", "pipe");
    read_.reset(p[0]);
    write_.reset(p[1]);
    g_write = write_.get();
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : signals_)
        ::sigaction(s, &sa, nullptr);
}

SignalPipe::~SignalPipe() {
    for (int s : signals_)
        ::signal(s, SIG_DFL);
    g_write = -1;
}

std::vector<int> SignalPipe::take() {
    std::vector<int> out;
    unsigned char buf[64];
    ssize_t n;
    while ((n = ::read(read_.get(), buf, sizeof buf)) > 0)
        out.insert(out.end(), buf, buf + n);
    return out;
}

void die_of_signal(int sig) {
    std::fflush(stdout);
    ::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);
}

} // namespace wsl::cli
