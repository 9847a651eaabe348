#include "archive/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "base/error.h"

namespace wsl::archive {

namespace {

// libarchive's message for its last error; it can be NULL (a bad pax header, say), which
// neither fmt nor std::string may be given.
const char* error_text(struct archive* a) {
    const char* text = ::archive_error_string(a);
    return text ? text : "unknown error";
}

constexpr const char* kCode = "WSL_E_EXPORT_FAILED";

struct Writer {
    int fd;
    ByteMeter meter;

    static la_ssize_t write_cb(struct archive* a, void* self, const void* buf, size_t len) {
        auto* w = static_cast<Writer*>(self);
        size_t done = 0;
        while (done < len) {
            ssize_t n = ::write(w->fd, static_cast<const char*>(buf) + done, len - done);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                archive_set_error(a, errno, "Cannot write the output: %s", strerror(errno));
                return -1;
            }
            done += static_cast<size_t>(n);
        }
        w->meter.add(len);
        return static_cast<la_ssize_t>(len);
    }
};

constexpr size_t kZeroSize = size_t(1) << 30;

// A read-only view of zeros, backed by the kernel's zero page only where it is read.
class ZeroMap {
public:
    ZeroMap() {
        void* p = ::mmap(nullptr, kZeroSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
        if (p == MAP_FAILED)
            fail_errno(kCode, "Cannot map zeros");
        p_ = p;
    }
    ~ZeroMap() { ::munmap(p_, kZeroSize); }
    ZeroMap(const ZeroMap&) = delete;
    ZeroMap& operator=(const ZeroMap&) = delete;
    const void* get() const { return p_; }

private:
    void* p_;
};

struct Free {
    void operator()(struct archive* a) const { archive_free(a); }
    void operator()(archive_entry_linkresolver* r) const { archive_entry_linkresolver_free(r); }
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

} // namespace

void pack(int out_fd, Format format, unsigned threads, const Events& events) {
    std::unique_ptr<struct archive, Free> out(archive_write_new());
    archive_write_set_format_pax_restricted(out.get());
    switch (format) {
    case Format::Tar:
        break;
    case Format::TarGz:
        archive_write_add_filter_gzip(out.get());
        break;
    case Format::TarXz:
        archive_write_add_filter_xz(out.get());
        break;
    case Format::TarZst: {
        archive_write_add_filter_zstd(out.get());
        auto opts = fmt::format("zstd:compression-level=3,zstd:threads={}", threads ? threads : 1);
        if (archive_write_set_options(out.get(), opts.c_str()) != ARCHIVE_OK)
            fail(kCode, fmt::format("Cannot set up zstd: {}", error_text(out.get())));
        break;
    }
    }
    archive_write_set_bytes_per_block(out.get(), 64 * 1024);
    archive_write_set_bytes_in_last_block(out.get(), 1);
    Writer w{out_fd, ByteMeter(events)};
    if (archive_write_open(out.get(), &w, nullptr, &Writer::write_cb, nullptr) != ARCHIVE_OK)
        fail(kCode, fmt::format("Cannot start the archive: {}", error_text(out.get())));

    std::unique_ptr<struct archive, Free> disk(archive_read_disk_new());
    archive_read_disk_set_symlink_physical(disk.get());
    archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    if (archive_read_disk_open(disk.get(), ".") != ARCHIVE_OK)
        fail(kCode, fmt::format("Cannot read the distribution: {}", error_text(disk.get())));

    std::unique_ptr<archive_entry_linkresolver, Free> links(archive_entry_linkresolver_new());
    archive_entry_linkresolver_set_strategy(links.get(), archive_format(out.get()));

    ZeroMap zeros;
    auto write_entry = [&](archive_entry* e) {
        const char* path = archive_entry_pathname(e);
        std::string name = path ? path : "?";
        if (archive_write_header(out.get(), e) < ARCHIVE_WARN)
            fail(kCode, fmt::format("Cannot write {}: {}", name, error_text(out.get())));
        if (archive_entry_size(e) <= 0 || archive_entry_hardlink(e))
            return;
        const void* data;
        size_t size;
        la_int64_t offset, progress = 0;
        for (;;) {
            int rc = archive_read_data_block(disk.get(), &data, &size, &offset);
            if (rc == ARCHIVE_EOF)
                break;
            if (rc < ARCHIVE_WARN)
                fail(kCode, fmt::format("Cannot read {}: {}", name, error_text(disk.get())));
            // The tar writer takes the file's whole logical stream and drops what its sparse
            // map marks as holes, so gaps are fed from a large zero mapping (never touched for
            // real holes, so a 1 TiB hole costs a few thousand calls and no memory).
            while (offset > progress) {
                size_t n = static_cast<size_t>(std::min<la_int64_t>(offset - progress, kZeroSize));
                la_ssize_t w = archive_write_data(out.get(), zeros.get(), n);
                if (w <= 0)
                    fail(kCode, fmt::format("Cannot write {}: {}", name, error_text(out.get())));
                progress += w;
            }
            size_t done = 0;
            while (done < size) {
                la_ssize_t w = archive_write_data(out.get(), static_cast<const char*>(data) + done,
                                                  size - done);
                if (w <= 0)
                    fail(kCode, fmt::format("Cannot write {}: {}", name, error_text(out.get())));
                done += static_cast<size_t>(w);
            }
            progress = offset + static_cast<la_int64_t>(size);
        }
    };

    for (;;) {
        std::unique_ptr<archive_entry, Free> entry(archive_entry_new());
        int rc = archive_read_next_header2(disk.get(), entry.get());
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN)
            fail(kCode, fmt::format("Cannot read the distribution: {}", error_text(disk.get())));
        if (rc == ARCHIVE_WARN && events.warning)
            events.warning(error_text(disk.get()));
        archive_read_disk_descend(disk.get());

        archive_entry* e = entry.release();
        archive_entry* spare = nullptr;
        archive_entry_linkify(links.get(), &e, &spare);
        if (e) {
            write_entry(e);
            archive_entry_free(e);
        }
        if (spare) {
            write_entry(spare);
            archive_entry_free(spare);
        }
    }
    // Entries the resolver still holds (hardlinks whose other names never showed up).
    for (;;) {
        archive_entry* e = nullptr;
        archive_entry* spare = nullptr;
        archive_entry_linkify(links.get(), &e, &spare);
        if (!e)
            break;
        write_entry(e);
        archive_entry_free(e);
    }
    if (archive_write_close(out.get()) != ARCHIVE_OK)
        fail(kCode, fmt::format("Cannot finish the archive: {}", error_text(out.get())));
    // A file's data must be on disk before the export says it is done: a write error that
    // only shows at writeback (EIO, a full thin disk) fails it here. Pipes cannot be synced.
    if (::fsync(out_fd) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
        fail_errno(kCode, "Writing the archive to disk failed");
    w.meter.report(true);
}

} // namespace wsl::archive
