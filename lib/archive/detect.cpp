#include "archive/detect.h"

#include <cstring>

namespace wsl::archive {

namespace {
bool starts(std::span<const unsigned char> h, const char* magic, size_t n, size_t at = 0) {
    return h.size() >= at + n && std::memcmp(h.data() + at, magic, n) == 0;
}
bool ends_with(const std::string& s, const char* suffix) {
    size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}
} // namespace

Kind detect(std::span<const unsigned char> h) {
    if (h.empty())
        return Kind::Empty;
    if (starts(h, "\x1f\x8b", 2))
        return Kind::Gzip;
    if (starts(h,
               "\xfd"
               "7zXZ\0",
               6))
        return Kind::Xz;
    if (starts(h, "BZh", 3))
        return Kind::Bzip2;
    if (starts(h, "\x28\xb5\x2f\xfd", 4))
        return Kind::Zstd;
    if (starts(h, "ustar", 5, 257))
        return Kind::Tar;
    if (starts(h, "conectix", 8) || starts(h, "vhdxfile", 8))
        return Kind::Vhd;
    return Kind::Unknown;
}

std::string to_string(Kind k) {
    switch (k) {
    case Kind::Empty:
        return "empty";
    case Kind::Tar:
        return "tar";
    case Kind::Gzip:
        return "gzip";
    case Kind::Xz:
        return "xz";
    case Kind::Bzip2:
        return "bzip2";
    case Kind::Zstd:
        return "zstd";
    case Kind::Vhd:
        return "vhd";
    case Kind::Unknown:
        break;
    }
    return "unknown";
}

bool parse_format(const std::string& name, Format& out) {
    if (name == "tar")
        out = Format::Tar;
    else if (name == "tar.gz")
        out = Format::TarGz;
    else if (name == "tar.xz")
        out = Format::TarXz;
    else if (name == "tar.zst")
        out = Format::TarZst;
    else
        return false;
    return true;
}

Format format_from_path(const std::string& p) {
    if (ends_with(p, ".tar.gz") || ends_with(p, ".tgz"))
        return Format::TarGz;
    if (ends_with(p, ".tar.xz") || ends_with(p, ".txz"))
        return Format::TarXz;
    if (ends_with(p, ".tar.zst") || ends_with(p, ".tzst"))
        return Format::TarZst;
    return Format::Tar;
}

std::string to_string(Format f) {
    switch (f) {
    case Format::Tar:
        return "tar";
    case Format::TarGz:
        return "tar.gz";
    case Format::TarXz:
        return "tar.xz";
    case Format::TarZst:
        return "tar.zst";
    }
    return "tar";
}

} // namespace wsl::archive
