// Feeds wsl::protocol::receive the bytes a hostile peer can send on the service socket: the
// input after its first byte is written into a socketpair, with 0-15 descriptors riding along
// on one of its writes, then receive() runs until it returns nothing (EOF) or throws.
// The first byte: bits 0-3 the number of fds, bits 4-5 which of up to four writes carries
// them, bit 6 a receive timeout, bit 7 one write per byte for the first 16 bytes.
// A bug: a crash or sanitizer report, an exception other than WslError, a returned message
// that is not an object or holds more than kMaxFds fds, or a descriptor left open.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "common.h"
#include "protocol/frame.h"

namespace {

// Sends bytes with fds attached; short writes cannot happen: the buffer is big.
void send_part(int sock, const uint8_t* data, size_t size, const std::vector<int>& fds) {
    if (wsl::protocol::send_raw(sock, data, size, fds) != static_cast<ssize_t>(size))
        fuzz::broken("harness: sendmsg wrote less than asked");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A frame is at most 1 MiB; the interesting part is the header and the first bytes.
    if (size < 1 || size > (256 << 10))
        return -1;
    const uint8_t ctrl = data[0];
    ++data;
    --size;
    const int before = fuzz::count_fds();

    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        fuzz::broken("harness: socketpair");
    int big = 4 << 20;
    ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);

    std::vector<int> fds;
    for (unsigned i = 0; i < (ctrl & 15u); ++i)
        fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));

    // Split: bytewise for the first 16 bytes (bit 7), then up to four equal parts.
    size_t pos = 0;
    const size_t carrier = (ctrl >> 4) & 3u;
    size_t part_no = 0;
    if (ctrl & 0x80) {
        for (; pos < size && pos < 16; ++pos, ++part_no)
            send_part(sv[0], data + pos, 1, part_no == carrier ? fds : std::vector<int>{});
    }
    const size_t rest = size - pos;
    const size_t part = rest / 4 + 1;
    while (pos < size) {
        size_t n = std::min(part, size - pos);
        send_part(sv[0], data + pos, n, part_no == carrier ? fds : std::vector<int>{});
        pos += n;
        ++part_no;
    }
    if (part_no <= carrier && !fds.empty()) {
        // The input ended before the carrying write: fds alone need one byte to ride on.
        static const uint8_t zero = 0;
        send_part(sv[0], &zero, 1, fds);
    }
    for (int fd : fds)
        ::close(fd);
    ::shutdown(sv[0], SHUT_WR);

    const int timeout = (ctrl & 0x40) ? 1000 : -1;
    for (;;) {
        std::optional<wsl::protocol::Message> m;
        try {
            m = wsl::protocol::receive(sv[1], timeout);
        } catch (const wsl::WslError&) {
            break;
        } catch (const std::exception& e) {
            fuzz::unexpected("protocol::receive", e);
        }
        if (!m)
            break;
        if (!m->body.is_object())
            fuzz::broken("receive returned a message that is not an object");
        if (m->fds.size() > wsl::protocol::kMaxFds)
            fuzz::broken("receive returned more than kMaxFds descriptors");
        for (const auto& fd : m->fds)
            if (::fcntl(fd.get(), F_GETFD) < 0)
                fuzz::broken("receive returned a descriptor that is not open");
    }
    ::close(sv[0]);
    ::close(sv[1]);
    if (fuzz::count_fds() != before)
        fuzz::broken("a descriptor leaked (sent fds must be closed or handed back)");
    return 0;
}
