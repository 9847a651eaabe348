#include <doctest/doctest.h>

#include "runtime/idmap.h"

using namespace wsl::runtime;

TEST_CASE("root callers keep every id in their private range") {
    IdMap m{0, 0, 1000000000};
    CHECK(m.uid_map() == "0 1000000000 65536\n");
    CHECK(m.host_uid(0) == 1000000000u);
    CHECK(m.host_uid(1000) == 1000001000u);
}

TEST_CASE("a user's distro uid 1000 is the user") {
    IdMap m{1001, 1002, 100000};
    CHECK(m.uid_map() == "0 100000 1000\n1000 1001 1\n1001 101001 64535\n");
    CHECK(m.gid_map() == "0 100000 1000\n1000 1002 1\n1001 101001 64535\n");
    CHECK(m.host_uid(0) == 100000u);
    CHECK(m.host_uid(1000) == 1001u);
    CHECK(m.host_gid(1000) == 1002u);
    CHECK(m.host_uid(1001) == 101001u);
}

TEST_CASE("subordinate ranges from /etc/subuid") {
    std::string text = "alice:100000:65536\nbob:165536:1000\n1005:300000:65536\nbroken\n";
    CHECK(find_subid_range(text, "alice", 1001) == 100000u);
    CHECK(find_subid_range(text, "bob", 1002) == 0u); // too small
    CHECK(find_subid_range(text, "carol", 1005) == 300000u);
    CHECK(find_subid_range(text, "dave", 1006) == 0u);
}
