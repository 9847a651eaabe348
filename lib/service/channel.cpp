#include "service/channel.h"

#include <poll.h>

#include "base/error.h"
#include "protocol/frame.h"

namespace wsl::service {

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

bool Channel::hung_up() const {
    pollfd p{sock_, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

} // namespace wsl::service
