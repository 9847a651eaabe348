#pragma once
#include <cstddef>
#include <cstdint>

// The table the wsl-net module (HTTP, TLS and SHA-256, built from lib/net) hands the client.
// It is a separate shared object so that only commands that download load OpenSSL and
// cpp-httplib. The client carries its own static C++ runtime (it starts as fast as a C
// program) while the module uses the shared one, so only C types cross: no exception,
// std::string or std::function. Errors and results come back through the Host callbacks.
namespace wsl::net {

constexpr uint32_t kAbi = 2; // bump when anything in this file changes

struct Options {
    int64_t connect_timeout_s;
    int64_t read_timeout_s;
    int32_t max_redirects;
};

// The client's side. No callback may throw or unwind into the module.
struct Host {
    void* ctx;
    const char* (*getenv)(void* ctx, const char* name);
    void (*started)(void* ctx, uint64_t total);
    int (*data)(void* ctx, const char* bytes, size_t size); // 0 cancels
    void (*retrying)(void* ctx, const char* text, size_t size);
    void (*fetched)(void* ctx, int status, const char* body, size_t body_size, const char* etag,
                    size_t etag_size);
    void (*failed)(void* ctx, const char* code, const char* message, const char* context);
};

struct Api {
    uint32_t abi;
    // Each returns 0, or -1 after host->failed.
    int (*fetch)(const char* url, const char* etag, size_t limit, const Options* options,
                 const Host* host);
    int (*download)(const char* url, const Options* options, const Host* host);
    void* (*sha256_new)(); // nullptr when it cannot
    void (*sha256_update)(void* h, const void* data, size_t size);
    size_t (*sha256_finish)(void* h, unsigned char* out, size_t capacity); // digest size
    void (*sha256_free)(void* h);
};

} // namespace wsl::net

extern "C" const wsl::net::Api* wsl_net_api();
