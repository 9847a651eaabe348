#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "catalog/url.h"

// Downloads over http, https (certificates checked) and file URLs. Runs as the user who asked:
// the service never downloads.
namespace wsl::catalog {

struct HttpOptions {
    std::chrono::seconds connect_timeout{30};
    std::chrono::seconds read_timeout{30}; // no byte for this long: the attempt fails
    int max_redirects = 10;
    Getenv env = [](const char* name) { return std::getenv(name); };
};

// Options from the environment: WSL_HTTP_TIMEOUT (seconds) sets both timeouts.
HttpOptions default_http_options();

struct Fetched {
    int status = 0;   // 200, or 304 when etag still matches (body empty)
    std::string body; // at most `limit` bytes, else an error
    std::string etag; // the response's ETag, if any
};

// GETs a small document, sending If-None-Match when etag is not empty. Throws WslError.
Fetched fetch(const std::string& url, const std::string& etag, size_t limit,
              const HttpOptions& options);

struct DownloadEvents {
    std::function<void(uint64_t total)> started;      // once; 0 = size unknown
    std::function<bool(const char*, size_t)> data;    // false cancels (E_ABORT)
    std::function<void(const std::string&)> retrying; // a dropped connection, resuming
};

// Streams url's body to events.data in order, exactly once per byte: after a dropped
// connection it resumes with a Range request (or skips what it already has when the server
// answers in full). Throws WslError with an HTTP_E_* or WININET_E_* code.
void download(const std::string& url, const HttpOptions& options, const DownloadEvents& events);

} // namespace wsl::catalog
