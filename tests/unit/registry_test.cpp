#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "registry/registry.h"

using namespace wsl::registry;
namespace fs = std::filesystem;

TEST_CASE("distribution names") {
    CHECK(valid_name("Ubuntu-24.04"));
    CHECK(valid_name("a_b.c-d"));
    CHECK(!valid_name(""));
    CHECK(!valid_name(".."));
    CHECK(!valid_name("a/b"));
    CHECK(!valid_name("with space"));
    CHECK(!valid_name(std::string(65, 'x')));
    CHECK(valid_name(std::string(64, 'x')));
    CHECK(same_name("Debian", "dEBIAN"));
    CHECK(!same_name("Debian", "Debian2"));
}

TEST_CASE("guids are random version-4 uuids") {
    auto a = new_guid(), b = new_guid();
    CHECK(a.size() == 36);
    CHECK(a != b);
    CHECK(a[14] == '4');
}

TEST_CASE("registry round-trips through its file atomically") {
    fs::path dir = fs::temp_directory_path() / ("wsl-reg-" + new_guid());
    fs::create_directories(dir);
    fs::path file = dir / "registry.json";
    CHECK(load(file).distros.empty());

    UserRegistry reg;
    Distro d;
    d.guid = new_guid();
    d.name = "Deb";
    d.base_path = "/x";
    d.state = State::Exporting;
    d.flavor = "debian";
    reg.distros.push_back(d);
    reg.default_guid = d.guid;
    reg.default_version = 2;
    save(file, reg);
    CHECK(!fs::exists(dir / "registry.json.tmp"));

    UserRegistry back = load(file);
    REQUIRE(back.distros.size() == 1);
    CHECK(back.distros[0].name == "Deb");
    CHECK(back.distros[0].state == State::Exporting);
    CHECK(back.default_version == 2);
    CHECK(back.find_name("deb") != nullptr);
    CHECK(back.default_distro()->guid == d.guid);
    back.remove(d.guid);
    CHECK(back.default_guid.empty());

    std::ofstream(file) << "{ not json";
    CHECK_THROWS_AS(load(file), wsl::WslError);
    fs::remove_all(dir);
}

TEST_CASE("removing the default makes the first installed distro left the stored default") {
    using wsl::registry::State;
    wsl::registry::UserRegistry reg;
    auto add = [&](const char* name, State s) {
        wsl::registry::Distro d;
        d.guid = wsl::registry::new_guid();
        d.name = name;
        d.state = s;
        reg.distros.push_back(d);
        return d.guid;
    };
    std::string a = add("A", State::Installing), b = add("B", State::Installed),
                c = add("C", State::Installed), e = add("E", State::Uninstalling);
    reg.default_guid = c;
    reg.remove(b); // not the default: the default stays
    CHECK(reg.default_guid == c);
    b = add("B2", State::Installed);
    reg.remove(c); // as wsl.exe: the first one listed that is installed, not A or E
    CHECK(reg.default_guid == b);
    reg.remove(b);
    CHECK(reg.default_guid.empty()); // only A (installing) and E (uninstalling) are left
    reg.remove(a);
    reg.remove(e);
    CHECK(reg.default_guid.empty());
}
