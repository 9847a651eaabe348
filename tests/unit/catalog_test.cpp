#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>

#include "base/error.h"
#include "catalog/key_order.h"
#include "catalog/manifest.h"
#include "catalog/sha256.h"
#include "catalog/url.h"

using namespace wsl::catalog;

namespace {

const char* kManifest = R"({
  "Default": "Ubuntu",
  "ModernDistributions": {
    "Ubuntu": [
      {"Name": "Ubuntu", "FriendlyName": "Ubuntu", "Default": true,
       "Amd64Url": {"Url": "https://e/u.wsl", "Sha256": "0xAB"},
       "Arm64Url": {"Url": "https://e/u-arm.wsl", "Sha256": "cd"}},
      {"Name": "Ubuntu-22.04", "FriendlyName": "Ubuntu 22.04 LTS", "Default": false,
       "Amd64Url": {"Url": "https://e/u22.wsl", "Sha256": "ef"}}
    ],
    "archlinux": [
      {"Name": "archlinux", "FriendlyName": "Arch Linux", "Default": true,
       "Amd64Url": {"Url": "https://e/a.wsl", "Sha256": "01"}}
    ],
    "Many": [
      {"Name": "M1", "FriendlyName": "One", "Amd64Url": {"Url": "u", "Sha256": "s"}},
      {"Name": "M2", "FriendlyName": "Two", "Amd64Url": {"Url": "u", "Sha256": "s"}},
      {"Name": "M3", "FriendlyName": "Three", "Amd64Url": {"Url": "u", "Sha256": "s"}},
      {"Name": "M4", "FriendlyName": "Four", "Default": true, "Amd64Url": {"Url": "u", "Sha256": "s"}},
      {"Name": "M5", "FriendlyName": "Five", "Amd64Url": {"Url": "u", "Sha256": "s"}}
    ]
  },
  "Distributions": [{"Name": "Legacy", "FriendlyName": "ignored"}]
})";

std::string code_of(auto f) {
    try {
        f();
    } catch (const wsl::WslError& e) {
        return e.code() + ": " + e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("manifest: versions without this machine's URL are dropped") {
    Manifest m = parse_manifest(kManifest, "test", "amd64");
    CHECK(m.default_name == "Ubuntu");
    REQUIRE(m.versions("Ubuntu")->size() == 2);
    CHECK(m.versions("Ubuntu")->at(0).url == "https://e/u.wsl");
    CHECK(m.versions("Ubuntu")->at(0).sha256 == "0xAB");
    Manifest arm = parse_manifest(kManifest, "test", "arm64");
    REQUIRE(arm.versions("Ubuntu")->size() == 1);
    CHECK(arm.versions("Ubuntu")->at(0).url == "https://e/u-arm.wsl");
    CHECK(arm.versions("archlinux")->empty());
}

TEST_CASE("manifest: malformed input is WSL_E_INVALID_JSON with the parser's message") {
    CHECK(code_of([] { parse_manifest("{\"Default\": ", "http://x/l.json", "amd64"); })
              .starts_with("WSL_E_INVALID_JSON: The distribution list at http://x/l.json is not "
                           "valid: [json.exception.parse_error"));
    CHECK(code_of([] { parse_manifest("[]", "s", "amd64"); }).find("top level") !=
          std::string::npos);
    CHECK(code_of([] {
              parse_manifest(R"({"ModernDistributions": {"X": [{"Name": 5}]}})", "s", "amd64");
          }).find("\"Name\" must be a string") != std::string::npos);
    CHECK(code_of([] {
              parse_manifest(R"({"ModernDistributions": {"X": [{"FriendlyName": "f"}]}})", "s",
                             "amd64");
          }).find("no \"Name\"") != std::string::npos);
    CHECK(code_of([] {
              parse_manifest(R"({"ModernDistributions": {"X": [{"Name": "a", "Amd64Url": "u"}]}})",
                             "s", "amd64");
          }).find("must be an object") != std::string::npos);
    CHECK(code_of([] {
              parse_manifest(R"({"ModernDistributions": {"X": {}}})", "s", "amd64");
          }).find("list of versions") != std::string::npos);
    // Found by fuzzing: a number out of range is an invalid list too, not an internal error.
    CHECK(
        code_of([] { parse_manifest("4e2242", "s", "amd64"); }).starts_with("WSL_E_INVALID_JSON"));
    CHECK(code_of([] {
              parse_manifest(std::string(40, '[') + std::string(40, ']'), "s", "amd64");
          }).find("too deep") != std::string::npos);
}

TEST_CASE("manifest: lookup by flavor selects its default; names match in any case") {
    Manifest m = parse_manifest(kManifest, "test", "amd64");
    CHECK(lookup(m, "ubuntu")->name == "Ubuntu");
    CHECK(lookup(m, "UBUNTU-22.04")->name == "Ubuntu-22.04");
    CHECK(lookup(m, "many")->name == "M4");
    CHECK(lookup(m, "m5")->friendly_name == "Five");
    CHECK_FALSE(lookup(m, "Legacy"));
    CHECK_FALSE(lookup(m, "Ubuntu-99"));
}

TEST_CASE("manifest: --list --online rows: override first, four per flavor, the lists' order") {
    Manifest base = parse_manifest(kManifest, "test", "amd64");
    auto rows = online_rows(nullptr, base);
    std::vector<std::string> names, defaults;
    for (const auto& r : rows) {
        names.push_back(r.image.name);
        if (r.image.is_default)
            defaults.push_back(r.image.name);
    }
    // As wsl.exe: the catalog's own order (Ubuntu first), not sorted by flavor.
    CHECK(names ==
          std::vector<std::string>{"Ubuntu", "Ubuntu-22.04", "archlinux", "M1", "M2", "M3", "M4"});
    CHECK(defaults == std::vector<std::string>{"Ubuntu", "archlinux", "M4"});
    Manifest extra = parse_manifest(
        R"({"ModernDistributions": {"Zed": [{"Name": "Zed-1", "FriendlyName": "Z",
            "Amd64Url": {"Url": "u", "Sha256": "s"}}, {"Name": "Ubuntu", "FriendlyName": "Mine",
            "Amd64Url": {"Url": "u", "Sha256": "s"}}],
            "archLinux": [{"Name": "arch-mine", "Default": true,
            "Amd64Url": {"Url": "u", "Sha256": "s"}}]}})",
        "o", "amd64");
    rows = online_rows(&extra, base);
    REQUIRE(rows.size() == 9);
    CHECK(rows[0].image.name == "Zed-1");
    CHECK(rows[0].flavor == "Zed");
    CHECK(rows[0].from_override);
    CHECK(rows[1].image.name == "Ubuntu");
    CHECK(rows[1].image.friendly_name == "Mine");
    CHECK(rows[2].image.name == "arch-mine");
    CHECK(rows[3].image.name == "Ubuntu-22.04");
    CHECK(!rows[3].from_override);
    // A flavor both lists have: `--install archlinux` takes the override's, so only it is
    // marked default; the base list's Ubuntu flavor still picks its own default.
    defaults.clear();
    for (const auto& r : rows)
        if (r.image.is_default)
            defaults.push_back(r.image.name + (r.from_override ? " (override)" : ""));
    CHECK(defaults == std::vector<std::string>{"arch-mine (override)", "M4"});
}

TEST_CASE("manifest: a flavor named twice keeps its first place and its last versions") {
    Manifest m = parse_manifest(
        R"({"ModernDistributions": {"B": [{"Name": "b1", "Amd64Url": {"Url": "u"}}],
            "A": [{"Name": "a1", "Amd64Url": {"Url": "u"}}],
            "B": [{"Name": "b2", "Amd64Url": {"Url": "u"}}]}})",
        "s", "amd64");
    REQUIRE(m.flavors.size() == 2);
    CHECK(m.flavors[0].first == "B");
    CHECK(m.flavors[0].second.at(0).name == "b2");
    CHECK(m.flavors[1].first == "A");
}

TEST_CASE("manifest: a hostile catalog's names carry no terminal controls") {
    // ESC ] 0 ; ... BEL sets a terminal's title (OSC); U+009B is the one-byte CSI (C1).
    Manifest m = parse_manifest(
        R"({"Default": "D\u001b[2J",
            "ModernDistributions": {"F\u001b]0;x\u0007": [{"Name": "N\u009b31m\u007f",
                "FriendlyName": "Friendly\r\nfake line", "Amd64Url": {"Url": "u"}}]}})",
        "s", "amd64");
    CHECK(m.default_name == "D?[2J");
    REQUIRE(m.flavors.size() == 1);
    CHECK(m.flavors[0].first == "F?]0;x?");
    REQUIRE(m.flavors[0].second.size() == 1);
    CHECK(m.flavors[0].second[0].name == "N?31m?");
    CHECK(m.flavors[0].second[0].friendly_name == "Friendly??fake line");
    CHECK(m.flavors[0].second[0].url == "u");
}

TEST_CASE("key order: a repeated member that is not an object leaves no keys, as the parser") {
    // The parser keeps the last value of a repeated key: here a number or a list, no object.
    CHECK(member_key_order(R"({"M": {"a": 1, "b": 2}, "M": 5})", "M").empty());
    CHECK(member_key_order(R"({"M": {"a": 1}, "M": [{"c": 1}]})", "M").empty());
    CHECK(member_key_order(R"({"M": {"a": 1}, "M": {"d": 1, "a": 2}})", "M") ==
          std::vector<std::string>{"d", "a"});
    CHECK(member_key_order(R"({"M": {"a": 1}, "N": {"e": 1}})", "M") ==
          std::vector<std::string>{"a"});
}

TEST_CASE("manifest: the catalog's order costs linear time, even with 100,000 flavors") {
    // nlohmann's ordered_json took 13.6 s for this 1.2 MB list (a linear search per key).
    std::string text = "{\"ModernDistributions\": {";
    for (int i = 0; i < 100000; ++i)
        text += (i ? ",\"k" : "\"k") + std::to_string(99999 - i) + "\": []";
    text += "}}";
    auto start = std::chrono::steady_clock::now();
    Manifest m = parse_manifest(text, "s", "amd64");
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seconds < 2.0);
    REQUIRE(m.flavors.size() == 100000);
    CHECK(m.flavors.front().first == "k99999");
    CHECK(m.flavors.back().first == "k0");
}

TEST_CASE("manifest: Sha256 is 64 hex digits with an optional 0x") {
    std::string hex(64, 'a');
    CHECK(parse_sha256(hex)->size() == 32);
    CHECK(parse_sha256("0x" + std::string(64, 'F'))->at(0) == '\xff');
    CHECK_FALSE(parse_sha256(std::string(63, 'a')));
    CHECK_FALSE(parse_sha256(std::string(65, 'a')));
    CHECK_FALSE(parse_sha256(std::string(63, 'a') + "g"));
    CHECK_FALSE(parse_sha256(""));
}

TEST_CASE("manifest: the built-in catalog parses and its default resolves") {
    Manifest m = parse_manifest(builtin_manifest(), "built in", "amd64");
    REQUIRE_FALSE(m.default_name.empty());
    auto img = lookup(m, m.default_name);
    REQUIRE(img);
    CHECK(img->url.starts_with("https://"));
    CHECK(parse_sha256(img->sha256));
    for (const auto& [flavor, versions] : m.flavors)
        for (const auto& v : versions)
            CHECK_MESSAGE(parse_sha256(v.sha256), v.name);
}

TEST_CASE("sha256: known digests") {
    Sha256 a;
    a.update("abc", 3);
    CHECK(to_hex(a.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 e;
    CHECK(to_hex(e.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("url: parse") {
    auto u = parse_url("HTTPS://User:p%40ss@Example.COM/a/b?c=1#frag");
    REQUIRE(u);
    CHECK(u->scheme == "https");
    CHECK(u->host == "example.com");
    CHECK(u->port == 443);
    CHECK(u->user == "User");
    CHECK(u->password == "p@ss");
    CHECK(u->target == "/a/b?c=1");
    CHECK(u->origin() == "https://example.com:443");
    CHECK(u->str() == "https://example.com/a/b?c=1");
    u = parse_url("http://[::1]:8080");
    REQUIRE(u);
    CHECK(u->host == "::1");
    CHECK(u->port == 8080);
    CHECK(u->target == "/");
    CHECK(u->origin() == "http://[::1]:8080");
    u = parse_url("file:///tmp/a%20b.json");
    REQUIRE(u);
    CHECK(u->target == "/tmp/a b.json");
    CHECK(parse_url("file://localhost/x")->target == "/x");
    CHECK_FALSE(parse_url("file://otherhost/x"));
    CHECK_FALSE(parse_url("ftp://e/x"));
    CHECK_FALSE(parse_url("http://e:99999/"));
    CHECK_FALSE(parse_url("http:///x"));
    CHECK_FALSE(parse_url("http://e/a b"));
    CHECK_FALSE(parse_url("example.com/x"));
}

TEST_CASE("url: redirect locations") {
    Url base = *parse_url("http://h:81/dir/file.wsl?q");
    CHECK(resolve(base, "/top")->str() == "http://h:81/top");
    CHECK(resolve(base, "other.wsl")->str() == "http://h:81/dir/other.wsl");
    CHECK(resolve(base, "https://x/y")->str() == "https://x/y");
    CHECK(resolve(base, "//cdn/z")->str() == "http://cdn/z");
    CHECK(resolve(base, "other.wsl#part")->str() == "http://h:81/dir/other.wsl");
    CHECK(!resolve(base, "#only-a-fragment"));
    CHECK_FALSE(resolve(base, ""));
    CHECK_FALSE(resolve(base, "/a\nb"));
}

TEST_CASE("url: proxies from the environment") {
    std::map<std::string, std::string> env;
    Getenv get = [&](const char* k) -> const char* {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    Url http = *parse_url("http://mirror.example.com/x");
    Url https = *parse_url("https://mirror.example.com:8443/x");
    CHECK_FALSE(proxy_for(http, get));
    env["http_proxy"] = "http://user:pw@proxy:3128";
    env["HTTPS_PROXY"] = "proxy2:8080";
    auto p = proxy_for(http, get);
    REQUIRE(p);
    CHECK(p->host == "proxy");
    CHECK(p->port == 3128);
    CHECK(p->user == "user");
    CHECK(p->password == "pw");
    CHECK(proxy_for(https, get)->host == "proxy2");
    CHECK_FALSE(proxy_for(*parse_url("file:///x"), get));
    for (const char* np : {"mirror.example.com", ".example.com", "example.com", "*",
                           "other, example.com", "mirror.example.com:8443"}) {
        env["no_proxy"] = np;
        CHECK_FALSE_MESSAGE(proxy_for(https, get), np);
    }
    for (const char* np : {"ample.com", "mirror.example.com:80", "x.mirror.example.com"}) {
        env["no_proxy"] = np;
        CHECK_MESSAGE(proxy_for(https, get), np);
    }
    env.erase("no_proxy");
    env["HTTPS_PROXY"] = "https://secure-proxy:443";
    CHECK(code_of([&] { proxy_for(https, get); }).starts_with("WSL_E_DOWNLOAD_FAILED"));
}

TEST_CASE("manifest: an override hides a base entry whose name differs only in case") {
    Manifest base = parse_manifest(
        R"({"ModernDistributions": {"B": [{"Name": "b-1", "FriendlyName": "Beta One",
            "Amd64Url": {"Url": "u", "Sha256": "s"}}]}})",
        "b", "amd64");
    Manifest extra = parse_manifest(
        R"({"ModernDistributions": {"B": [{"Name": "B-1", "FriendlyName": "Beta Override",
            "Amd64Url": {"Url": "u", "Sha256": "s"}}]}})",
        "o", "amd64");
    auto rows = online_rows(&extra, base);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].image.friendly_name == "Beta Override");
}
