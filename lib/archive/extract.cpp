#include "archive/extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "archive/detect.h"
#include "base/error.h"
#include "base/small_file.h"
#include "base/unique_fd.h"

namespace wsl::archive {

namespace {

// libarchive's message for its last error; it can be NULL (a bad pax header, say), which
// neither fmt nor std::string may be given.
const char* error_text(struct archive* a) {
    const char* text = ::archive_error_string(a);
    return text ? text : "unknown error";
}

constexpr size_t kBlock = 1 << 20;
constexpr const char* kCode = "WSL_E_IMPORT_FAILED";

// Feeds libarchive from an fd, first replaying the bytes already read for detection, and
// counts what it consumed for progress.
struct Reader {
    int fd;
    std::vector<unsigned char> buf;
    size_t pending = 0; // bytes of buf not yet handed out (the detection prefix)
    ByteMeter meter;
    int read_errno = 0;

    ssize_t fill(size_t want) {
        ssize_t n;
        do {
            n = ::read(fd, buf.data(), want);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            read_errno = errno;
        return n;
    }

    static la_ssize_t read_cb(struct archive* a, void* self, const void** out) {
        auto* r = static_cast<Reader*>(self);
        *out = r->buf.data();
        if (r->pending) {
            size_t n = r->pending;
            r->pending = 0;
            r->meter.add(n);
            return static_cast<la_ssize_t>(n);
        }
        // About to wait on a slow source: show what has arrived so far first (still at most
        // every 100 ms: a fast pipe is often empty for a moment).
        pollfd ready{r->fd, POLLIN, 0};
        if (::poll(&ready, 1, 0) == 0)
            r->meter.report(false);
        ssize_t n = r->fill(r->buf.size());
        if (n < 0) {
            archive_set_error(a, r->read_errno, "Cannot read the archive: %s",
                              strerror(r->read_errno));
            return -1;
        }
        r->meter.add(static_cast<uint64_t>(n));
        return n;
    }
};

struct ArchiveDeleter {
    void operator()(struct archive* a) const { archive_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

bool has_dotdot(const char* path) {
    if (!path)
        return false;
    std::string p = path;
    size_t start = 0;
    while (start <= p.size()) {
        size_t end = p.find('/', start);
        if (end == std::string::npos)
            end = p.size();
        if (p.compare(start, end - start, "..") == 0 && end - start == 2)
            return true;
        start = end + 1;
    }
    return false;
}

bool is_root_entry(const char* p) {
    std::string s = p ? p : "";
    while (s.size() > 1 && s.back() == '/')
        s.pop_back();
    return s == "." || s == "./" || s.empty();
}

// An entry below the image's own dev/ ("./dev/null", "dev//sda"); ".." is refused earlier.
bool under_dev(const char* p) {
    std::string_view s = p;
    while (s.starts_with("./") || s.starts_with("/"))
        s.remove_prefix(s[0] == '.' ? 2 : 1);
    return s.starts_with("dev/") && s.size() > 4;
}

// Errors that mean the data did not reach the disk: they fail the import, never a warning
// (libarchive reports a failed write() as ARCHIVE_WARN, "Write failed").
bool disk_error(int err) {
    return err == ENOSPC || err == EDQUOT || err == EIO || err == EROFS || err == EFBIG ||
           err == ENOMEM;
}

// libarchive's message for a failed write, with the system's words for its errno when the
// message lacks them ("Write failed" says nothing of a full disk).
std::string write_error(struct archive* a) {
    std::string msg = error_text(a);
    int err = archive_errno(a);
    if (err > 0 && msg.find(std::strerror(err)) == std::string::npos)
        msg += fmt::format(" ({})", std::strerror(err));
    return msg;
}

std::string kind_error(Kind k) {
    switch (k) {
    case Kind::Empty:
        return "The file is empty; it is not a tar archive.";
    case Kind::Vhd:
        return "This looks like a VHD file. Use --vhd to import a VHD instead of a tar.";
    default:
        return "The file is not a tar archive (tar, tar.gz, tar.xz, tar.bz2 or tar.zst "
               "expected).";
    }
}

} // namespace

void extract(int in_fd, const Events& events) {
    Reader r{in_fd, std::vector<unsigned char>(kBlock), 0, ByteMeter(events)};
    // Read at least a tar header's worth for detection (a pipe may deliver less per read).
    while (r.pending < 512) {
        ssize_t n;
        do {
            n = ::read(in_fd, r.buf.data() + r.pending, r.buf.size() - r.pending);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            fail_errno(kCode, "Cannot read the archive");
        if (n == 0)
            break;
        r.pending += static_cast<size_t>(n);
    }
    Kind kind = detect({r.buf.data(), r.pending});
    if (kind == Kind::Empty || kind == Kind::Unknown || kind == Kind::Vhd)
        fail(kCode, kind_error(kind));

    ArchivePtr in(archive_read_new());
    archive_read_support_format_tar(in.get());
    archive_read_support_format_gnutar(in.get());
    switch (kind) {
    case Kind::Gzip:
        archive_read_support_filter_gzip(in.get());
        break;
    case Kind::Xz:
        archive_read_support_filter_xz(in.get());
        break;
    case Kind::Bzip2:
        archive_read_support_filter_bzip2(in.get());
        break;
    case Kind::Zstd:
        archive_read_support_filter_zstd(in.get());
        break;
    default:
        break;
    }
    if (archive_read_open(in.get(), &r, nullptr, &Reader::read_cb, nullptr) != ARCHIVE_OK)
        fail(kCode, fmt::format("Cannot read the archive: {}", error_text(in.get())));

    ArchivePtr out(archive_write_disk_new());
    archive_write_disk_set_options(
        out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
                       ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_XATTR |
                       ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);

    size_t devices = 0, absolute = 0;
    std::set<std::string> warned;
    auto warn = [&](const std::string& text) {
        if (events.warning && warned.size() < 20 && warned.insert(text).second)
            events.warning(text);
    };
    bool root_time_set = false;
    timespec root_times[2]{};

    for (;;) {
        archive_entry* entry;
        int rc = archive_read_next_header(in.get(), &entry);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc == ARCHIVE_WARN)
            warn(error_text(in.get()));
        else if (rc != ARCHIVE_OK)
            fail(kCode, fmt::format("The archive is damaged: {}", error_text(in.get())));

        const char* path = archive_entry_pathname(entry);
        const char* link = archive_entry_hardlink(entry);
        if (!path || has_dotdot(path) || has_dotdot(link))
            fail(kCode, fmt::format("The archive contains an unsafe path: {}",
                                    path ? (has_dotdot(link) ? link : path) : "(none)"));
        if (path[0] == '/' || (link && link[0] == '/')) {
            ++absolute;
            continue;
        }
        auto type = archive_entry_filetype(entry);
        if (type == AE_IFCHR || type == AE_IFBLK) {
            // Images carry their /dev; a running distro gets a fresh one mounted over it, so
            // those are dropped silently. Device files anywhere else are worth a warning.
            if (!under_dev(path))
                ++devices;
            continue;
        }
        if (is_root_entry(path) && type == AE_IFDIR) {
            root_time_set = true;
            root_times[0] = {archive_entry_atime(entry), archive_entry_atime_nsec(entry)};
            root_times[1] = {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
        }

        rc = archive_write_header(out.get(), entry);
        if (rc == ARCHIVE_FATAL || (rc != ARCHIVE_OK && disk_error(archive_errno(out.get()))))
            fail(kCode, fmt::format("Cannot extract {}: {}", path, write_error(out.get())));
        if (rc != ARCHIVE_OK)
            warn(fmt::format("{}: {}", path, write_error(out.get())));
        if (rc >= ARCHIVE_WARN && archive_entry_size(entry) > 0) {
            const void* data;
            size_t size;
            la_int64_t offset;
            for (;;) {
                int d = archive_read_data_block(in.get(), &data, &size, &offset);
                if (d == ARCHIVE_EOF)
                    break;
                if (d < ARCHIVE_WARN)
                    fail(kCode, fmt::format("The archive is damaged: {}", error_text(in.get())));
                // Anything short of OK here is data that did not get written.
                if (archive_write_data_block(out.get(), data, size, offset) != ARCHIVE_OK)
                    fail(kCode, fmt::format("Cannot write {}: {}", path, write_error(out.get())));
            }
        }
        rc = archive_write_finish_entry(out.get());
        if (rc == ARCHIVE_FATAL || (rc != ARCHIVE_OK && disk_error(archive_errno(out.get()))))
            fail(kCode, fmt::format("Cannot extract {}: {}", path, write_error(out.get())));
        if (rc != ARCHIVE_OK)
            warn(fmt::format("{}: {}", path, write_error(out.get())));
    }
    if (archive_write_close(out.get()) != ARCHIVE_OK) {
        if (disk_error(archive_errno(out.get())))
            fail(kCode, fmt::format("Cannot finish the extraction: {}", write_error(out.get())));
        warn(error_text(out.get()));
    }
    // libarchive does not restore the times of the extraction root itself.
    if (root_time_set)
        ::utimensat(AT_FDCWD, ".", root_times, 0);
    r.meter.report(true);
    if (devices)
        warn(fmt::format("Skipped {} device node{} outside /dev: device files cannot be created "
                         "in a distribution.",
                         devices, devices == 1 ? "" : "s"));
    if (absolute)
        warn(fmt::format("Skipped {} entr{} with an absolute path.", absolute,
                         absolute == 1 ? "y" : "ies"));
}

RootfsInfo parse_os_release(const std::string& text) {
    RootfsInfo info;
    std::istringstream in(text);
    std::string line;
    auto clean = [](std::string v) {
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
            v = v.substr(1, v.size() - 2);
        std::string out;
        for (char c : v)
            if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && out.size() < 64)
                out += c;
        return out;
    };
    while (std::getline(in, line)) {
        if (line.rfind("ID=", 0) == 0)
            info.flavor = clean(line.substr(3));
        else if (line.rfind("VERSION_ID=", 0) == 0)
            info.os_version = clean(line.substr(11));
    }
    return info;
}

RootfsInfo inspect_rootfs() {
    struct stat st;
    bool has_etc = ::lstat("etc", &st) == 0 && S_ISDIR(st.st_mode);
    bool has_sh = ::stat("bin/sh", &st) == 0;
    if (!has_etc && !has_sh)
        fail("WSL_E_NOT_A_LINUX_DISTRO");
    for (const char* p : {"etc/os-release", "usr/lib/os-release"})
        if (auto text = read_small_file(p, 65536); text && !text->empty())
            return parse_os_release(*text);
    return {};
}

} // namespace wsl::archive
