#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error.h"
#include "protocol/frame.h"

using namespace wsl;

namespace {
struct Pair {
    UniqueFd a, b;
    Pair() {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        a.reset(sv[0]);
        b.reset(sv[1]);
    }
};
void raw(int fd, const std::string& bytes) {
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}
std::string header(uint32_t n) {
    return std::string{char(n), char(n >> 8), char(n >> 16), char(n >> 24)};
}
} // namespace

TEST_CASE("a frame carries JSON and fds") {
    Pair p;
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    protocol::send(p.a.get(), {{"op", "list"}, {"n", 3}}, std::vector<int>{pipefd[1]});
    auto m = protocol::receive(p.b.get());
    REQUIRE(m);
    CHECK(m->body["op"] == "list");
    REQUIRE(m->fds.size() == 1);
    REQUIRE(::write(m->fds[0].get(), "x", 1) == 1);
    char c;
    CHECK(::read(pipefd[0], &c, 1) == 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST_CASE("clean EOF is no message") {
    Pair p;
    p.a.reset();
    CHECK(!protocol::receive(p.b.get()));
}

TEST_CASE("bad frames are errors, not crashes") {
    SUBCASE("oversized") {
        Pair p;
        raw(p.a.get(), header(protocol::kMaxFrame + 1));
        CHECK_THROWS_AS(protocol::receive(p.b.get()), WslError);
    }
    SUBCASE("truncated length") {
        Pair p;
        raw(p.a.get(), "\x05");
        p.a.reset();
        CHECK_THROWS_AS(protocol::receive(p.b.get()), WslError);
    }
    SUBCASE("truncated body") {
        Pair p;
        raw(p.a.get(), header(10) + "{}");
        p.a.reset();
        CHECK_THROWS_AS(protocol::receive(p.b.get()), WslError);
    }
    SUBCASE("not JSON") {
        Pair p;
        raw(p.a.get(), header(3) + "abc");
        CHECK_THROWS_AS(protocol::receive(p.b.get()), WslError);
    }
    SUBCASE("not an object") {
        Pair p;
        raw(p.a.get(), header(2) + "[]");
        CHECK_THROWS_AS(protocol::receive(p.b.get()), WslError);
    }
}
