#pragma once
#include <cstdint>
#include <string>

#include "catalog/http.h"

// The table the wsl-net module (HTTP, TLS and SHA-256, built from lib/net) hands the client.
// It is a separate shared object so that only commands that download load OpenSSL and
// cpp-httplib; every other `wsl` command starts without them.
namespace wsl::net {

constexpr uint32_t kAbi = 1; // bump when the table or the types it passes change

struct Api {
    uint32_t abi;
    catalog::Fetched (*fetch)(const std::string& url, const std::string& etag, size_t limit,
                              const catalog::HttpOptions& options);
    void (*download)(const std::string& url, const catalog::HttpOptions& options,
                     const catalog::DownloadEvents& events);
    void* (*sha256_new)();
    void (*sha256_update)(void* h, const void* data, size_t size);
    std::string (*sha256_finish)(void* h);
    void (*sha256_free)(void* h);
};

} // namespace wsl::net

extern "C" const wsl::net::Api* wsl_net_api();
