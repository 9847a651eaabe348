#pragma once
#include <nlohmann/json.hpp>

namespace wsl::service {

// The client connection of one request: events go back on it, and its hang-up cancels the
// operation. Sending to a client that is gone raises the cancellation error.
class Channel {
public:
    explicit Channel(int sock) : sock_(sock) {}
    virtual ~Channel() = default;
    virtual void event(const nlohmann::json& ev);
    int sock() const { return sock_; }
    // True when the client has hung up.
    bool hung_up() const;
    // The client's next message, waiting at most timeout_ms (-1: as long as it takes);
    // cancelled() when it hangs up, sends garbage or says nothing in time.
    nlohmann::json receive(int timeout_ms);

private:
    int sock_;
};

// Thrown (as WslError code E_ABORT) when the client went away mid-operation.
[[noreturn]] void cancelled();

} // namespace wsl::service
