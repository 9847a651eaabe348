#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/unique_fd.h"
#include "runtime/tree.h"

using namespace wsl;

namespace {

// A fresh directory under /tmp, removed with everything in it at the end.
struct Scratch {
    std::string path;
    Scratch() {
        char tmpl[] = "/tmp/wsl-tree-test.XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        path = tmpl;
    }
    ~Scratch() { std::filesystem::remove_all(path); }
};

} // namespace

TEST_CASE("a tree far deeper than the stack or the descriptor limit empties") {
    Scratch s;
    UniqueFd top(::open(s.path.c_str(), O_RDONLY | O_DIRECTORY));
    REQUIRE(top);
    // 30,000 levels, each with a file beside the next directory: one fd open at a time here.
    UniqueFd cur(::dup(top.get()));
    for (int i = 0; i < 30000; ++i) {
        REQUIRE(::mkdirat(cur.get(), "d", 0755) == 0);
        int f = ::openat(cur.get(), "f", O_WRONLY | O_CREAT, 0644);
        REQUIRE(f >= 0);
        ::close(f);
        cur.reset(::openat(cur.get(), "d", O_RDONLY | O_DIRECTORY));
        REQUIRE(cur);
    }
    cur.reset();
    rlimit low{64, 64}, old;
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    CHECK_NOTHROW(runtime::empty_directory(top.get()));
    ::setrlimit(RLIMIT_NOFILE, &old);
    CHECK(std::filesystem::is_empty(s.path));
}

TEST_CASE("a wide tree with symlinks and unreadable directories empties") {
    Scratch s;
    for (int i = 0; i < 300; ++i) {
        auto d = s.path + "/dir" + std::to_string(i);
        REQUIRE(::mkdir(d.c_str(), 0755) == 0);
        REQUIRE(::symlink("/etc", (d + "/link").c_str()) == 0);
        REQUIRE(::mkdir((d + "/sub").c_str(), 0755) == 0);
        REQUIRE(::chmod((d + "/sub").c_str(), 0) == 0);
    }
    REQUIRE(::symlink("/", (s.path + "/root").c_str()) == 0);
    UniqueFd top(::open(s.path.c_str(), O_RDONLY | O_DIRECTORY));
    CHECK_NOTHROW(runtime::empty_directory(top.get()));
    CHECK(std::filesystem::is_empty(s.path));
    CHECK(std::filesystem::exists("/etc/passwd")); // symlinks were removed, not followed
}
