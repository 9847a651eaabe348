#pragma once
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <vector>

#include "base/unique_fd.h"

namespace wsl::protocol {

inline constexpr int kVersion = 1;
inline constexpr size_t kMaxFrame = 1 << 20; // 1 MiB
inline constexpr size_t kMaxFds = 8;         // per frame, however many reads it takes

struct Message {
    nlohmann::json body;
    std::vector<UniqueFd> fds;
};

// Sends one frame: 4-byte little-endian length, a JSON object, fds as SCM_RIGHTS.
// Throws WslError on failure (peer gone included).
void send(int sock, const nlohmann::json& body, std::span<const int> fds = {});

// One sendmsg of size bytes with fds attached as SCM_RIGHTS (at most kMaxRawFds; more fail
// with EINVAL). Returns what sendmsg returns. The building block of send(); tests use it to
// write frames in pieces or with too many fds.
inline constexpr size_t kMaxRawFds = 64;
ssize_t send_raw(int sock, const void* data, size_t size, std::span<const int> fds,
                 int flags = MSG_NOSIGNAL);

// Receives one frame. Returns nullopt on a clean EOF before any byte.
// Throws WslError (code WSL_E_PROTOCOL) on a short, oversized or non-object frame, one with
// more than kMaxFds fds (all closed), or JSON beyond JsonBounds (depth, value count).
// With timeout_ms >= 0 the whole frame must arrive within that time (a peer that trickles
// bytes is cut off, whatever the socket's own timeouts say).
std::optional<Message> receive(int sock, int timeout_ms = -1);

} // namespace wsl::protocol
