#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include "runtime/limits.h"

using namespace wsl::runtime;

TEST_CASE("a distro's process limit: the caller's own, at most 15% of the task space") {
    const uint64_t space = 32768; // 15%: 4915
    NprocLimit user{true, 96367, 96367};
    CHECK(distro_process_limit(user, std::nullopt, space) == 4915);
    NprocLimit low{true, 300, 1000};
    CHECK(distro_process_limit(low, std::nullopt, space) == 300);
    NprocLimit root{true, std::nullopt, std::nullopt}; // unlimited
    CHECK(distro_process_limit(root, std::nullopt, space) == 4915);
}

TEST_CASE("[wsl1] processes wins, within the caller's hard limit") {
    const uint64_t space = 32768;
    NprocLimit low{true, 300, 1000};
    CHECK(distro_process_limit(low, 200, space) == 200);
    CHECK(distro_process_limit(low, 90000, space) == 1000);
    NprocLimit root{true, std::nullopt, std::nullopt};
    CHECK(distro_process_limit(root, 90000, space) == 90000);
    CHECK(distro_process_limit(low, -5, space) == 300); // not a request
}

TEST_CASE("a caller whose limits are unknown cannot ask for more than the share") {
    NprocLimit gone{}; // the process exited, or its pid is somebody else's now
    CHECK(distro_process_limit(gone, 90000, 32768) == 4915);
    CHECK(distro_process_limit(gone, std::nullopt, 32768) == 4915);
}

TEST_CASE("a limit of 0 is the smallest limit, not none") {
    NprocLimit zero{true, 0, 0};
    CHECK(distro_process_limit(zero, std::nullopt, 32768) == 1);
    CHECK(distro_process_limit(zero, 500, 32768) == 1);
}

TEST_CASE("nproc_of reads this process, and refuses a pid of another uid") {
    rlimit rl;
    REQUIRE(::getrlimit(RLIMIT_NPROC, &rl) == 0);
    NprocLimit mine = nproc_of(::getpid(), ::getuid());
    CHECK(mine.known);
    if (rl.rlim_cur != RLIM_INFINITY)
        CHECK(mine.soft == rl.rlim_cur);
    CHECK(!nproc_of(::getpid(), ::getuid() + 1).known);
    CHECK(!nproc_of(999999999, 0).known);
}
