// wsl-init's pure parts: wslpath's translation and the LANG a session gets.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "etc_files.h"
#include "path_translate.h"
#include "session_lang.h"

using namespace wsl::init;

namespace {

std::string tr(const std::string& path, PathMode mode, bool absolute = false,
               const std::string& cwd = "/home/user", const std::string& root = "/mnt/host") {
    auto out = translate_path(path, mode, absolute, {root, cwd});
    return out ? *out : "<none>";
}

} // namespace

TEST_CASE("hostname_for: the host's name, made a valid hostname") {
    CHECK(hostname_for("box") == "box");
    CHECK(hostname_for("box.example.org") == "box.example.org");
    CHECK(hostname_for("my_box 2") == "my-box-2");
    CHECK(hostname_for("") == "localhost");
    CHECK(hostname_for(std::string(100, 'a')) == std::string(64, 'a'));
    CHECK(hosts_text("box.example.org", "")
              .find("127.0.1.1\tbox.example.org.localdomain\tbox.example.org\n") !=
          std::string::npos);
}

TEST_CASE("collapse_path") {
    CHECK(collapse_path("/a//b/./c/../d").value() == "/a/b/d");
    CHECK(collapse_path("/").value() == "/");
    CHECK(collapse_path("/a/..").value() == "/");
    CHECK(collapse_path("/a/b/").value() == "/a/b/");
    CHECK_FALSE(collapse_path("/.."));
    CHECK_FALSE(collapse_path("relative"));
    CHECK_FALSE(collapse_path(std::string(5000, '/')));
}

TEST_CASE("wslpath -u: host paths to distro paths") {
    CHECK(tr("/home/me/x", PathMode::ToDistro) == "/mnt/host/home/me/x");
    CHECK(tr("/", PathMode::ToDistro) == "/mnt/host");
    CHECK(tr("/etc/../tmp//a", PathMode::ToDistro) == "/mnt/host/tmp/a");
    CHECK(tr("/tmp/dir/", PathMode::ToDistro) == "/mnt/host/tmp/dir/");
    CHECK(tr("/home/me", PathMode::ToDistro, false, "/", "/h/host") == "/h/host/home/me");
    // Relative: the same entry below the working directory, relative unless -a.
    CHECK(tr("file", PathMode::ToDistro) == "file");
    CHECK(tr(".", PathMode::ToDistro) == ".");
    CHECK(tr("file", PathMode::ToDistro, true) == "/home/user/file");
    CHECK(tr("../x", PathMode::ToDistro) == "/home/x");
    CHECK(tr("/x", PathMode::ToDistro, false, "/", "") == "<none>");
    CHECK(tr("/..", PathMode::ToDistro) == "<none>");
    CHECK(tr("", PathMode::ToDistro) == "<none>");
}

TEST_CASE("wslpath -w / -m: distro paths to host paths") {
    CHECK(tr("/mnt/host/home/me", PathMode::ToHost) == "/home/me");
    CHECK(tr("/mnt/host", PathMode::ToHost) == "/");
    CHECK(tr("/mnt/host/", PathMode::ToHost) == "/");
    CHECK(tr("/mnt/host/tmp/d/", PathMode::ToHostMixed) == "/tmp/d/");
    CHECK(tr("/mnt/hostile/x", PathMode::ToHost) == "<none>");
    CHECK(tr("/etc/passwd", PathMode::ToHost) == "<none>");
    CHECK(tr("/mnt/host/../host/etc", PathMode::ToHost) == "/etc");
    CHECK(tr("/mnt/host/x", PathMode::ToHost, false, "/", "") == "<none>");
    // Relative, from a working directory on the host mount.
    CHECK(tr("a/b", PathMode::ToHost, false, "/mnt/host/srv") == "a/b");
    CHECK(tr("a/b", PathMode::ToHost, true, "/mnt/host/srv") == "/srv/a/b");
    CHECK(tr("..", PathMode::ToHost, false, "/mnt/host/srv") == "/");
    CHECK(tr("a", PathMode::ToHost, false, "/root") == "<none>");
}

TEST_CASE("normalize_codeset") {
    CHECK(normalize_codeset("UTF-8") == "utf8");
    CHECK(normalize_codeset("utf8") == "utf8");
    CHECK(normalize_codeset("ISO-8859-1") == "iso88591");
    CHECK(normalize_codeset("8859-1") == "iso88591");
}

namespace {

// A minimal glibc locale-archive: header, a name hash table, the names.
std::vector<char> fake_archive(const std::vector<std::string>& names, uint32_t slots) {
    constexpr uint32_t kHeader = 14 * 4;
    uint32_t table = kHeader, strings = table + slots * 12;
    std::string pool;
    std::vector<uint32_t> ents(size_t{slots} * 3, 0);
    for (size_t i = 0; i < names.size(); ++i) {
        ents[i * 3] = 1;
        ents[i * 3 + 1] = strings + static_cast<uint32_t>(pool.size());
        ents[i * 3 + 2] = 4096; // any non-zero record offset
        pool += names[i];
        pool += '\0';
    }
    uint32_t h[14] = {0xde020109,
                      0,
                      table,
                      static_cast<uint32_t>(names.size()),
                      slots,
                      strings,
                      static_cast<uint32_t>(pool.size()),
                      static_cast<uint32_t>(pool.size())};
    // One buffer of the final size (GCC 12 misreads vector::insert here as out of bounds).
    std::vector<char> out(sizeof h + ents.size() * 4 + pool.size());
    std::memcpy(out.data(), h, sizeof h);
    std::memcpy(out.data() + sizeof h, ents.data(), ents.size() * 4);
    std::memcpy(out.data() + sizeof h + ents.size() * 4, pool.data(), pool.size());
    return out;
}

struct TempRoot {
    std::filesystem::path dir;
    TempRoot() {
        char tmpl[] = "/tmp/wsl-unit-lang.XXXXXX";
        dir = ::mkdtemp(tmpl);
        std::filesystem::create_directories(dir / "usr/lib/locale");
    }
    ~TempRoot() { std::filesystem::remove_all(dir); }
    void write(const std::string& rel, const std::vector<char>& bytes) const {
        std::ofstream(dir / rel, std::ios::binary)
            .write(bytes.data(), std::streamsize(bytes.size()));
    }
};

} // namespace

TEST_CASE("session_lang") {
    TempRoot root;
    std::string r = root.dir.string();
    CHECK(session_lang("", r) == "C.UTF-8");
    CHECK(session_lang("C", r) == "C");
    CHECK(session_lang("POSIX", r) == "POSIX");
    CHECK(session_lang("C.utf8", r) == "C.utf8");
    CHECK(session_lang("de_DE.UTF-8", r) == "C.UTF-8");
    CHECK(session_lang("../../etc", r) == "C.UTF-8");
    CHECK(session_lang(std::string(300, 'a'), r) == "C.UTF-8");
    // The built-in C locale's name is held to the same rule: no path, no control bytes.
    CHECK(session_lang("C./utf8", r) == "C.UTF-8");
    CHECK(session_lang(std::string("C.utf8\0x", 8), r) == "C.UTF-8");
    CHECK(session_lang("C.UTF-8\x1b[2J", r) == "C.UTF-8");

    // A directory, found under the normalised codeset as glibc does.
    std::filesystem::create_directories(root.dir / "usr/lib/locale/de_DE.utf8");
    root.write("usr/lib/locale/de_DE.utf8/LC_CTYPE", {'x'});
    CHECK(session_lang("de_DE.UTF-8", r) == "de_DE.UTF-8");
    CHECK(session_lang("de_DE.utf8", r) == "de_DE.utf8");
    CHECK(session_lang("de_AT.UTF-8", r) == "C.UTF-8");

    // The archive.
    root.write("usr/lib/locale/locale-archive", fake_archive({"fr_FR.utf8", "en_GB.utf8"}, 7));
    CHECK(session_lang("fr_FR.UTF-8", r) == "fr_FR.UTF-8");
    CHECK(session_lang("en_GB.UTF-8", r) == "en_GB.UTF-8");
    CHECK(session_lang("en_GB", r) == "C.UTF-8");
    CHECK(session_lang("fr_FR.utf", r) == "C.UTF-8");

    // Hostile archives: offsets past the end, absurd counts, garbage.
    auto bad = fake_archive({"fr_FR.utf8"}, 3);
    uint32_t huge = 0xffffff00;
    std::memcpy(bad.data() + 4 * 4, &huge, 4); // namehash_size
    root.write("usr/lib/locale/locale-archive", bad);
    CHECK(session_lang("fr_FR.UTF-8", r) == "C.UTF-8");
    bad = fake_archive({"fr_FR.utf8"}, 3);
    std::memcpy(bad.data() + 2 * 4, &huge, 4); // namehash_offset
    root.write("usr/lib/locale/locale-archive", bad);
    CHECK(session_lang("fr_FR.UTF-8", r) == "C.UTF-8");
    bad = fake_archive({"fr_FR.utf8"}, 3);
    std::memcpy(bad.data() + 6 * 4, &huge, 4); // string_used
    root.write("usr/lib/locale/locale-archive", bad);
    CHECK(session_lang("fr_FR.UTF-8", r) == "C.UTF-8");
    bad = fake_archive({"fr_FR.utf8"}, 3);
    uint32_t past = 100000;
    std::memcpy(bad.data() + 56 + 4, &past, 4); // the entry's name_offset, past the names
    root.write("usr/lib/locale/locale-archive", bad);
    CHECK(session_lang("fr_FR.UTF-8", r) == "C.UTF-8");
    root.write("usr/lib/locale/locale-archive", std::vector<char>(100, 'x'));
    CHECK(session_lang("fr_FR.UTF-8", r) == "C.UTF-8");
}
