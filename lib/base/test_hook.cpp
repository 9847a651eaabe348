#include "base/test_hook.h"

#ifdef WSL_TEST_HOOKS
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace wsl {

void test_phase(const char* name) {
    static const char* const wanted = std::getenv("WSL_TEST_PAUSE_AT");
    static const char* const mark = std::getenv("WSL_TEST_PAUSE_MARK");
    if (!wanted || std::strcmp(wanted, name) != 0)
        return;
    if (mark) {
        int fd = ::open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            [[maybe_unused]] ssize_t n = ::write(fd, name, std::strlen(name));
            ::close(fd);
        }
    }
    // With WSL_TEST_PAUSE_RELEASE, the phase goes on once that file exists.
    static const char* const release = std::getenv("WSL_TEST_PAUSE_RELEASE");
    while (!release || ::access(release, F_OK) != 0) {
        timespec ts{0, 10 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
}

} // namespace wsl
#endif
