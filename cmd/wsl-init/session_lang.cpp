#include "session_lang.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "base/unique_fd.h"

namespace wsl::init {

namespace {

constexpr const char* kFallback = "C.UTF-8";
constexpr size_t kMaxName = 128;
constexpr uint32_t kArchiveMagic = 0xde020109; // glibc's AR_MAGIC
constexpr uint32_t kMaxNames = 1u << 16;       // far more than every locale there is
constexpr uint32_t kMaxStrings = 1u << 20;     // their names: a few KiB in practice

// The fields of glibc's locale-archive header this reads (all native-endian uint32).
enum Header : size_t {
    kMagic,
    kSerial,
    kNamehashOffset,
    kNamehashUsed,
    kNamehashSize,
    kStringOffset,
    kStringUsed,
    kStringSize,
    kHeaderWords = 14,
};

bool read_exact(int fd, void* buf, size_t n, uint64_t off) {
    auto* p = static_cast<char*>(buf);
    while (n > 0) {
        ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
        if (r <= 0)
            return false;
        p += r;
        n -= static_cast<size_t>(r);
        off += static_cast<uint64_t>(r);
    }
    return true;
}

// Only names glibc itself would accept as a locale name, never a path.
bool plausible(std::string_view lang) {
    if (lang.empty() || lang.size() > kMaxName || lang.front() == '.')
        return false;
    for (unsigned char c : lang)
        if (c <= ' ' || c >= 0x7f || c == '/')
            return false;
    return true;
}

} // namespace

std::string normalize_codeset(std::string_view codeset);

namespace {

bool builtin(std::string_view lang) {
    return lang == "C" || lang == "POSIX" ||
           (lang.starts_with("C.") && normalize_codeset(lang.substr(2)) == "utf8");
}

// A locale directory glibc would load: it needs at least LC_CTYPE.
bool dir_has(const std::string& root, const std::string& name) {
    std::string path = root + "usr/lib/locale/" + name + "/LC_CTYPE";
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

std::string normalize_codeset(std::string_view codeset) {
    std::string out;
    bool letters = false;
    for (unsigned char c : codeset) {
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
            letters = true;
        } else if (c >= 'a' && c <= 'z') {
            out += static_cast<char>(c);
            letters = true;
        } else if (c >= '0' && c <= '9') {
            out += static_cast<char>(c);
        }
    }
    return letters || out.empty() ? out : "iso" + out;
}

bool archive_has(int fd, std::string_view name) {
    uint32_t h[kHeaderWords];
    if (!read_exact(fd, h, sizeof h, 0) || h[kMagic] != kArchiveMagic)
        return false;
    uint32_t count = h[kNamehashSize], strings_size = h[kStringUsed];
    if (count == 0 || count > kMaxNames || strings_size == 0 || strings_size > kMaxStrings)
        return false;
    // Three reads whatever the number of locales: the name table, then all the names.
    std::vector<uint32_t> table(size_t{count} * 3);
    std::vector<char> strings(strings_size);
    if (!read_exact(fd, table.data(), table.size() * sizeof(uint32_t), h[kNamehashOffset]) ||
        !read_exact(fd, strings.data(), strings.size(), h[kStringOffset]))
        return false;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t name_off = table[size_t{i} * 3 + 1], rec_off = table[size_t{i} * 3 + 2];
        if (name_off == 0 || rec_off == 0)
            continue; // a free or deleted slot
        if (name_off < h[kStringOffset])
            continue;
        uint64_t at = name_off - uint64_t{h[kStringOffset]};
        if (at + name.size() + 1 > strings.size())
            continue;
        if (strings[at + name.size()] == '\0' &&
            std::memcmp(strings.data() + at, name.data(), name.size()) == 0)
            return true;
    }
    return false;
}

std::string session_lang(std::string_view client_lang, const std::string& root) {
    if (!plausible(client_lang))
        return kFallback;
    if (builtin(client_lang))
        return std::string(client_lang);
    // glibc looks a name up with its codeset normalised ("de_DE.UTF-8" as "de_DE.utf8"), in
    // the archive first, then as a directory (there under either spelling).
    std::string name(client_lang), normal = name;
    size_t dot = name.find('.');
    if (dot != std::string::npos) {
        size_t at = name.find('@', dot);
        std::string_view codeset(name.data() + dot + 1,
                                 (at == std::string::npos ? name.size() : at) - dot - 1);
        if (!codeset.empty())
            normal = name.substr(0, dot + 1) + normalize_codeset(codeset) +
                     (at == std::string::npos ? "" : name.substr(at));
    }
    std::string base = root.ends_with('/') ? root : root + "/";
    UniqueFd archive(::open((base + "usr/lib/locale/locale-archive").c_str(),
                            O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st;
    if (archive && ::fstat(archive.get(), &st) == 0 && S_ISREG(st.st_mode) &&
        archive_has(archive.get(), normal))
        return name;
    if (dir_has(base, normal) || dir_has(base, name))
        return name;
    return kFallback;
}

} // namespace wsl::init
