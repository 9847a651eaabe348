#include "service/channel.h"

#include <poll.h>

#include <cerrno>

#include "base/error.h"
#include "protocol/frame.h"

namespace wsl::service {

namespace {
constexpr int kRestOfFrameMs = 10000;
} // namespace

void cancelled() {
    fail("E_ABORT", "The operation was cancelled by the client.");
}

void Channel::event(const nlohmann::json& ev) {
    try {
        protocol::send(sock_, ev);
    } catch (const WslError&) {
        cancelled();
    }
}

nlohmann::json Channel::receive(int timeout_ms) {
    pollfd p{sock_, POLLIN, 0};
    int n;
    do {
        n = ::poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    std::optional<protocol::Message> m;
    if (n > 0) {
        try {
            m = protocol::receive(sock_, kRestOfFrameMs); // once it starts, a frame comes whole
        } catch (const WslError&) {
        }
    }
    if (!m)
        cancelled();
    return std::move(m->body);
}

bool Channel::hung_up() const {
    pollfd p{sock_, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

} // namespace wsl::service
