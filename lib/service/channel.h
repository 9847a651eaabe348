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

private:
    int sock_;
};

// Thrown (as WslError code E_ABORT) when the client went away mid-operation.
[[noreturn]] void cancelled();

} // namespace wsl::service
