#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "config/wslenv.h"

using namespace wsl::config;

namespace {
using Strings = std::vector<std::string>;
using Vars = std::map<std::string, std::string>;

Strings names(const std::vector<WslenvEntry>& es) {
    Strings out;
    for (const auto& e : es)
        out.push_back(e.name + (e.mode ? std::string("/") + e.mode : ""));
    return out;
}
} // namespace

TEST_CASE("wslenv: entries, flags and what goes into a distro") {
    CHECK(names(parse_wslenv("FOO")) == Strings{"FOO"});
    CHECK(names(parse_wslenv("FOO:BAR/p:BAZ/l")) == Strings{"FOO", "BAR/p", "BAZ/l"});
    CHECK(names(parse_wslenv("A/u:B/pu:C/up")) == Strings{"A", "B/p", "C/p"});
    // w: only from a distro out to the host, which never happens here.
    CHECK(names(parse_wslenv("A/w:B/pw:C")) == Strings{"C"});
    Strings skipped;
    CHECK(names(parse_wslenv("A/x:B:1BAD:BAD-NAME:=:C D:E=F", &skipped)) == Strings{"B"});
    CHECK(skipped == Strings{"A/x", "1BAD", "BAD-NAME", "=", "C D", "E=F"});
    CHECK(names(parse_wslenv("::A:::A:B  \n")) == Strings{"A", "B"});
    CHECK(parse_wslenv("").empty());
    CHECK(parse_wslenv("/p").empty());
}

TEST_CASE("wslenv: bounded however long the list") {
    std::string list;
    for (int i = 0; i < 5000; ++i)
        list += "V" + std::to_string(i) + ":";
    CHECK(parse_wslenv(list).size() == kMaxWslenvNames);
    CHECK(parse_wslenv(std::string(1 << 20, ':')).empty());
    CHECK(parse_wslenv(std::string(1000, 'A')).empty()); // names over 255 bytes
}

TEST_CASE("wslenv: host paths as the distro sees them") {
    CHECK(translate_host_paths("/home/me", 'p', "/mnt/host") == "/mnt/host/home/me");
    CHECK(translate_host_paths("/", 'p', "/mnt/host") == "/mnt/host");
    CHECK(translate_host_paths("rel/dir", 'p', "/mnt/host") == "");
    CHECK(translate_host_paths("/a:/b", 'p', "/mnt/host") == "/mnt/host/a:/b");
    CHECK(translate_host_paths("/a:rel::/b", 'l', "/x/host") == "/x/host/a:/x/host/b");
    CHECK(translate_host_paths("", 'l', "/mnt/host") == "");
    CHECK_FALSE(translate_host_paths("/a", 'p', "").has_value()); // automount off
}

TEST_CASE("wslenv: the session's variables") {
    Strings env = {"HOME=/root", "USER=root", "PATH=/bin"};
    add_wslenv(env,
               Vars{{"WSLENV", "FOO:P/p:L/l:HOME:USER/p:MISSING:W/w:PATH/l"},
                    {"FOO", "bar baz"},
                    {"P", "/srv/x"},
                    {"L", "/a:/b"},
                    {"HOME", "/evil"},
                    {"USER", "/evil"},
                    {"W", "out"},
                    {"PATH", "/evil"}},
               "/mnt/host");
    CHECK(env == Strings{"HOME=/root", "USER=root", "PATH=/bin",
                         "WSLENV=FOO:P/p:L/l:HOME:USER/p:MISSING:W/w:PATH/l", "FOO=bar baz",
                         "P=/mnt/host/srv/x", "L=/mnt/host/a:/mnt/host/b"});

    Strings none = {"HOME=/root"};
    add_wslenv(none, Vars{{"FOO", "bar"}}, "/mnt/host");
    CHECK(none == Strings{"HOME=/root"}); // no WSLENV: nothing passes

    Strings off;
    add_wslenv(off, Vars{{"WSLENV", "P/p:Q"}, {"P", "/x"}, {"Q", "q"}}, "");
    CHECK(off == Strings{"WSLENV=P/p:Q", "Q=q"}); // automount off: a path has nowhere to go

    Strings nul;
    add_wslenv(nul, Vars{{"WSLENV", "A:B"}, {"A", std::string("x\0y", 3)}, {"B", "b"}}, "/m");
    CHECK(nul == Strings{"WSLENV=A:B", "B=b"});

    Strings big;
    add_wslenv(big, Vars{{"WSLENV", "A:B"}, {"A", std::string(kMaxWslenvBytes, 'a')}, {"B", "b"}},
               "/m");
    CHECK(big == Strings{"WSLENV=A:B"}); // over the byte budget: the rest stays out

    Strings huge;
    add_wslenv(huge, Vars{{"WSLENV", "A:" + std::string(kMaxWslenvBytes, ':')}, {"A", "a"}}, "/m");
    CHECK(huge.empty()); // a WSLENV over the budget itself: nothing at all
}
