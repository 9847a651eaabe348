#include <doctest/doctest.h>

#include <string>

#include "archive/detect.h"
#include "archive/extract.h"

using namespace wsl::archive;

static Kind K(const std::string& s) {
    return detect({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
}

TEST_CASE("compression is detected by magic bytes") {
    CHECK(K("") == Kind::Empty);
    CHECK(K("\x1f\x8b\x08") == Kind::Gzip);
    CHECK(K(std::string("\xfd"
                        "7zXZ\0",
                        6)) == Kind::Xz);
    CHECK(K("BZh91AY") == Kind::Bzip2);
    CHECK(K("\x28\xb5\x2f\xfd") == Kind::Zstd);
    CHECK(K("conectix") == Kind::Vhd);
    CHECK(K("hello world") == Kind::Unknown);
    std::string tar(512, '\0');
    tar.replace(257, 5, "ustar");
    CHECK(K(tar) == Kind::Tar);
}

TEST_CASE("export format from name and suffix") {
    Format f;
    CHECK(parse_format("tar.zst", f));
    CHECK(f == Format::TarZst);
    CHECK(!parse_format("zip", f));
    CHECK(format_from_path("a.tar.gz") == Format::TarGz);
    CHECK(format_from_path("a.tgz") == Format::TarGz);
    CHECK(format_from_path("a.tar.xz") == Format::TarXz);
    CHECK(format_from_path("/x/a.tar.zst") == Format::TarZst);
    CHECK(format_from_path("a.tar") == Format::Tar);
    CHECK(format_from_path("backup") == Format::Tar);
}

TEST_CASE("os-release parsing") {
    auto i = parse_os_release("NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n");
    CHECK(i.flavor == "debian");
    CHECK(i.os_version == "12");
    auto bad = parse_os_release("ID='a\x1b[31mb'\n");
    CHECK(bad.flavor == "a[31mb");
}
