#include "protocol/frame.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/bounded_json.h"
#include "base/error.h"

namespace wsl::protocol {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void bad_frame(const std::string& why) {
    fail("WSL_E_PROTOCOL", "Invalid message: " + why);
}

// Reads exactly len bytes; collects any fds that ride along (at most kMaxFds in a whole frame,
// however many reads it takes). Returns bytes read (< len only at EOF).
size_t read_full(int sock, char* buf, size_t len, std::vector<UniqueFd>& fds,
                 std::optional<Clock::time_point> deadline) {
    size_t got = 0;
    while (got < len) {
        if (deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
            pollfd p{sock, POLLIN, 0};
            int n = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0)
                bad_frame("the message did not arrive in time");
        }
        iovec iov{buf + got, len - got};
        alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxFds)];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof cbuf;
        ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail_errno("WSL_E_PROTOCOL", "Receiving a message failed");
        }
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int fd;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                fds.emplace_back(fd);
            }
        }
        // Excess descriptors are closed at once (fds owns them), never held for the peer.
        if ((msg.msg_flags & MSG_CTRUNC) || fds.size() > kMaxFds) {
            fds.clear();
            bad_frame("too many file descriptors");
        }
        if (n == 0)
            break;
        got += static_cast<size_t>(n);
    }
    return got;
}

} // namespace

ssize_t send_raw(int sock, const void* data, size_t size, std::span<const int> fds, int flags) {
    if (fds.size() > kMaxRawFds) {
        errno = EINVAL;
        return -1;
    }
    iovec iov{const_cast<void*>(data), size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * kMaxRawFds)]{};
    if (!fds.empty()) {
        msg.msg_control = cbuf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    return ::sendmsg(sock, &msg, flags);
}

void send(int sock, const nlohmann::json& body, std::span<const int> fds) {
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > kMaxFrame)
        bad_frame("message too large");
    if (fds.size() > kMaxFds)
        bad_frame("too many file descriptors");
    uint32_t len = static_cast<uint32_t>(text.size());
    unsigned char header[4] = {
        static_cast<unsigned char>(len), static_cast<unsigned char>(len >> 8),
        static_cast<unsigned char>(len >> 16), static_cast<unsigned char>(len >> 24)};
    std::string frame(reinterpret_cast<char*>(header), 4);
    frame += text;

    size_t sent = 0;
    bool fds_sent = fds.empty();
    while (sent < frame.size()) {
        ssize_t n = send_raw(sock, frame.data() + sent, frame.size() - sent,
                             fds_sent ? std::span<const int>() : fds);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail_errno("WSL_E_PROTOCOL", "Sending a message failed");
        }
        fds_sent = true;
        sent += static_cast<size_t>(n);
    }
}

std::optional<Message> receive(int sock, int timeout_ms) {
    std::optional<Clock::time_point> deadline;
    if (timeout_ms >= 0)
        deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    Message m;
    unsigned char header[4];
    size_t got = read_full(sock, reinterpret_cast<char*>(header), 4, m.fds, deadline);
    if (got == 0)
        return std::nullopt;
    if (got < 4)
        bad_frame("truncated length");
    uint32_t len = header[0] | header[1] << 8 | header[2] << 16 | uint32_t(header[3]) << 24;
    if (len > kMaxFrame)
        bad_frame("message of " + std::to_string(len) + " bytes exceeds the 1 MiB limit");
    std::string text(len, '\0');
    if (read_full(sock, text.data(), len, m.fds, deadline) < len)
        bad_frame("truncated body");
    try {
        m.body = parse_bounded(text, "WSL_E_PROTOCOL");
    } catch (const WslError& e) {
        bad_frame(e.what());
    }
    if (!m.body.is_object())
        bad_frame("not a JSON object");
    return m;
}

} // namespace wsl::protocol
