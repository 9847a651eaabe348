#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <vector>

#include "base/unique_fd.h"

namespace wsl::protocol {

inline constexpr int kVersion = 1;
inline constexpr size_t kMaxFrame = 1 << 20; // 1 MiB
inline constexpr size_t kMaxFds = 8;

struct Message {
    nlohmann::json body;
    std::vector<UniqueFd> fds;
};

// Sends one frame: 4-byte little-endian length, a JSON object, fds as SCM_RIGHTS.
// Throws WslError on failure (peer gone included).
void send(int sock, const nlohmann::json& body, std::span<const int> fds = {});

// Receives one frame. Returns nullopt on a clean EOF before any byte.
// Throws WslError (code WSL_E_PROTOCOL) on a short, oversized or non-object frame.
std::optional<Message> receive(int sock);

} // namespace wsl::protocol
