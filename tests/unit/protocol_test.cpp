#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/bounded_json.h"
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

TEST_CASE("frames are bounded before any recursive code sees them") {
    SUBCASE("a request nesting 450,000 deep inside an object") {
        Pair p;
        std::string body = R"({"v":1,"op":"run","config":)" + std::string(450000, '[') +
                           std::string(450000, ']') + "}";
        // More than a socket buffer holds: written from another thread.
        std::thread writer(
            [&] { raw(p.a.get(), header(static_cast<uint32_t>(body.size())) + body); });
        CHECK_THROWS_WITH_AS(protocol::receive(p.b.get()), doctest::Contains("too deep"), WslError);
        writer.join();
    }
    SUBCASE("brackets inside strings do not count") {
        Pair p;
        std::string body = R"({"v":1,"s":")" + std::string(1000, '[') + R"(\"]"})";
        raw(p.a.get(), header(static_cast<uint32_t>(body.size())) + body);
        auto m = protocol::receive(p.b.get());
        REQUIRE(m);
        CHECK(m->body["s"].get<std::string>().size() == 1002);
    }
    SUBCASE("32 levels pass, 33 do not") {
        CHECK(exceeds_bounds(std::string(32, '[') + std::string(32, ']')).empty());
        CHECK(!exceeds_bounds(std::string(33, '[') + std::string(33, ']')).empty());
    }
    SUBCASE("too many values") {
        std::string many = "[0";
        for (int i = 0; i < 70000; ++i)
            many += ",0";
        many += "]";
        CHECK(exceeds_bounds(many) == "it holds too many values");
        CHECK_THROWS_WITH_AS(parse_bounded("[1,", "WSL_E_PROTOCOL"), "it is not JSON", WslError);
        CHECK_THROWS_AS(parse_bounded(many, "WSL_E_PROTOCOL"), WslError);
    }
}

TEST_CASE("descriptors are capped per frame, however many reads it takes") {
    Pair p;
    std::string frame = header(20) + R"({"v":1,"op":"list"} )";
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(null >= 0);
    // Eight fds on each of the first three bytes: 24 in all for one frame.
    for (size_t i = 0; i < frame.size(); ++i) {
        std::vector<int> fds(i < 3 ? protocol::kMaxFds : 0, null);
        REQUIRE(protocol::send_raw(p.a.get(), frame.data() + i, 1, fds, 0) == 1);
    }
    ::close(null);
    auto open_fds = [] {
        int n = 0;
        for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
            ++n;
        return n;
    };
    int before = open_fds();
    CHECK_THROWS_WITH_AS(protocol::receive(p.b.get()), doctest::Contains("file descriptors"),
                         WslError);
    CHECK(open_fds() == before);
}

TEST_CASE("a frame must arrive whole within its deadline") {
    Pair p;
    raw(p.a.get(), header(100) + "{\"v\":1");
    auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(protocol::receive(p.b.get(), 200), doctest::Contains("in time"), WslError);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}
