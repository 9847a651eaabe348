#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/unique_fd.h"
#include "protocol/frame.h"

namespace wsl::cli {

// The socket the service listens on: $WSL_SERVICE_SOCKET or /run/wsl/wslservice.sock.
std::string socket_path();

// Connects to the service. As root with nothing listening, starts it (detached, logging to
// its state dir) and retries. Throws WslError WSL_E_SERVICE_NOT_RUNNING otherwise.
UniqueFd connect_service();

// One request in flight, for commands that talk with the service while it works.
class Request {
public:
    Request(nlohmann::json body, const std::vector<int>& fds = {});
    // The next event, or the result (type "result"). Throws WslError for an error reply or a
    // service that hung up.
    protocol::Message next();
    void send(const nlohmann::json& body);
    int sock() const { return sock_.get(); }

private:
    // m, or the WslError it carries.
    static protocol::Message next_from(protocol::Message m);
    UniqueFd sock_;
};

// Sends one request with fds and waits for its result; events (progress, warning) go to
// on_event. Throws WslError for an error reply.
nlohmann::json request(nlohmann::json body, const std::vector<int>& fds = {},
                       const std::function<void(const nlohmann::json&)>& on_event = {});
// The same, handing each event over whole, with the fds that came with it.
nlohmann::json request_events(nlohmann::json body, const std::vector<int>& fds,
                              const std::function<void(protocol::Message&)>& on_event);

} // namespace wsl::cli
