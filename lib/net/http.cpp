#include "catalog/http.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <thread>

#include <httplib.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/unique_fd.h"

namespace wsl::catalog {

using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kUserAgent = "wsl-for-linux/" WSL_VERSION;

Url must_parse(const std::string& text) {
    auto u = parse_url(text);
    if (!u)
        fail("WSL_E_INVALID_URL",
             fmt::format("'{}' is not a valid URL (http://, https:// or file:// expected).", text));
    return *u;
}

std::unique_ptr<httplib::Client> client_for(const Url& u, const HttpOptions& o) {
    auto c = std::make_unique<httplib::Client>(u.origin());
    c->set_connection_timeout(static_cast<time_t>(o.connect_timeout.count()), 0);
    c->set_read_timeout(static_cast<time_t>(o.read_timeout.count()), 0);
    c->set_write_timeout(static_cast<time_t>(o.read_timeout.count()), 0);
    c->set_follow_location(false); // redirects are followed here, to resume at the final URL
    c->set_decompress(false);      // the bytes hashed are the bytes published
    c->enable_server_certificate_verification(true);
    if (!u.user.empty())
        c->set_basic_auth(u.user.c_str(), u.password.c_str());
    if (auto p = proxy_for(u, o.env)) {
        c->set_proxy(p->host.c_str(), p->port);
        if (!p->user.empty())
            c->set_proxy_basic_auth(p->user.c_str(), p->password.c_str());
    }
    return c;
}

httplib::Headers request_headers() {
    return {{"User-Agent", kUserAgent}, {"Accept-Encoding", "identity"}};
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

const char* reason(int status) {
    switch (status) {
    case 400:
        return " Bad Request";
    case 401:
        return " Unauthorized";
    case 403:
        return " Forbidden";
    case 404:
        return " Not Found";
    case 410:
        return " Gone";
    case 416:
        return " Range Not Satisfiable";
    case 429:
        return " Too Many Requests";
    case 500:
        return " Internal Server Error";
    case 502:
        return " Bad Gateway";
    case 503:
        return " Service Unavailable";
    case 504:
        return " Gateway Timeout";
    default:
        return "";
    }
}

[[noreturn]] void status_error(int status, const Url& u) {
    const char* code = status == 404   ? "HTTP_E_STATUS_NOT_FOUND"
                       : status == 403 ? "HTTP_E_STATUS_FORBIDDEN"
                       : status == 401 ? "HTTP_E_STATUS_DENIED"
                       : status == 500 ? "HTTP_E_STATUS_SERVER_ERROR"
                       : status == 503 ? "HTTP_E_STATUS_SERVICE_UNAVAIL"
                                       : "HTTP_E_STATUS_UNEXPECTED";
    fail(code, fmt::format("Failed to download {}: the server answered {}{}.", u.str(), status,
                           reason(status)));
}

[[noreturn]] void network_error(httplib::Error e, const Url& u, bool timed_out,
                                const HttpOptions& o) {
    std::string what;
    const char* code = "WININET_E_DOWNLOAD_FAILURE";
    // A connection goes to the proxy when there is one: name what refused.
    std::string peer = fmt::format("{}:{}", u.host, u.port);
    if (auto p = proxy_for(u, o.env))
        peer = fmt::format("the proxy {}:{}", p->host, p->port);
    switch (e) {
    case httplib::Error::Connection:
        code = "WININET_E_CANNOT_CONNECT";
        what = "cannot connect to " + peer;
        break;
    case httplib::Error::ConnectionTimeout:
        code = "WININET_E_TIMEOUT";
        what =
            fmt::format("connecting to {} timed out after {} s", peer, o.connect_timeout.count());
        break;
    case httplib::Error::Read:
    case httplib::Error::Write:
        if (timed_out) {
            code = "WININET_E_TIMEOUT";
            what = fmt::format("the server sent nothing for {} s", o.read_timeout.count());
        } else {
            code = "WININET_E_CONNECTION_ABORTED";
            what = "the connection was closed before the download finished";
        }
        break;
    case httplib::Error::SSLServerVerification:
        code = "WININET_E_INVALID_CA";
        what = fmt::format("the certificate of {} could not be verified (untrusted, expired or "
                           "issued for another name)",
                           u.host);
        break;
    case httplib::Error::SSLConnection:
        code = "WININET_E_SECURITY_CHANNEL_ERROR";
        what = fmt::format("the TLS connection to {} failed", u.host);
        break;
    case httplib::Error::SSLLoadingCerts:
        code = "WININET_E_SECURITY_CHANNEL_ERROR";
        what = "the system's CA certificates could not be loaded";
        break;
    default:
        what = httplib::to_string(e);
    }
    fail(code, fmt::format("Failed to download {}: {}.", u.str(), what));
}

// "bytes A-B/T": A, and T when known.
bool parse_content_range(const std::string& v, uint64_t& first, std::optional<uint64_t>& total) {
    unsigned long long a = 0, b = 0, t = 0;
    if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
        first = a;
        total = t;
        return true;
    }
    if (std::sscanf(v.c_str(), "bytes %llu-%llu/*", &a, &b) == 2) {
        first = a;
        return true;
    }
    return false;
}

// A file:// URL, read as the user: its size, then its bytes in order (data false: cancel).
void read_local(const Url& u, const std::function<void(uint64_t)>& started,
                const std::function<bool(const char*, size_t)>& data) {
    UniqueFd fd(::open(u.target.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        fail_errno("WSL_E_FILE_NOT_FOUND", fmt::format("Cannot open {}", u.str()));
    off_t size = ::lseek(fd.get(), 0, SEEK_END);
    ::lseek(fd.get(), 0, SEEK_SET);
    if (started)
        started(size > 0 ? static_cast<uint64_t>(size) : 0);
    std::vector<char> buf(1 << 20);
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0)
            fail_errno("WSL_E_FILE_NOT_FOUND", fmt::format("Cannot read {}", u.str()));
        if (n == 0)
            return;
        if (!data(buf.data(), static_cast<size_t>(n)))
            fail("E_ABORT", "The download was cancelled.");
    }
}

// The URL a redirect from `from` leads to; never to a local file, at most max_redirects times.
Url follow(const Url& from, const std::string& location, int& redirects, const HttpOptions& o,
           const std::string& url) {
    auto next = resolve(from, location);
    if (!next || next->scheme == "file" || ++redirects > o.max_redirects)
        fail("WININET_E_REDIRECT_FAILED",
             fmt::format("Failed to download {}: a bad or endless redirect.", url));
    return *next;
}

} // namespace

Fetched fetch(const std::string& url, const std::string& etag, size_t limit,
              const HttpOptions& options) {
    Url u = must_parse(url);
    Fetched out;
    auto too_big = [&] {
        fail("WSL_E_INVALID_JSON", fmt::format("{} is larger than {} bytes.", u.str(), limit));
    };
    if (u.scheme == "file") {
        read_local(u, {}, [&](const char* data, size_t n) {
            out.body.append(data, n);
            if (out.body.size() > limit)
                too_big();
            return true;
        });
        out.status = 200;
        return out;
    }
    for (int redirects = 0;;) {
        auto client = client_for(u, options);
        httplib::Headers headers = request_headers();
        if (!etag.empty())
            headers.emplace("If-None-Match", etag);
        std::string location;
        bool over = false;
        auto last_activity = Clock::now();
        auto res = client->Get(
            u.target, headers,
            [&](const httplib::Response& r) {
                last_activity = Clock::now();
                out.status = r.status;
                out.etag = r.get_header_value("ETag");
                location = r.get_header_value("Location");
                return r.status == 200;
            },
            [&](const char* data, size_t n) {
                last_activity = Clock::now();
                out.body.append(data, n);
                over = out.body.size() > limit;
                return !over;
            });
        if (over)
            too_big();
        if (is_redirect(out.status)) {
            u = follow(u, location, redirects, options, url);
            out = {};
            continue;
        }
        if (out.status == 304 && !etag.empty())
            return out;
        if (out.status != 0 && out.status != 200)
            status_error(out.status, u);
        if (res.error() != httplib::Error::Success)
            network_error(res.error(), u, Clock::now() - last_activity >= options.read_timeout,
                          options);
        return out;
    }
}

void download(const std::string& url, const HttpOptions& options, const DownloadEvents& events) {
    Url u = must_parse(url);
    if (u.scheme == "file")
        return read_local(u, events.started, events.data);

    uint64_t received = 0;
    std::optional<uint64_t> total;
    bool started = false;
    int redirects = 0;
    int idle_attempts = 0; // consecutive attempts that delivered nothing
    for (;;) {
        auto client = client_for(u, options);
        httplib::Headers headers = request_headers();
        if (received > 0)
            headers.emplace("Range", fmt::format("bytes={}-", received));
        int status = 0;
        std::string location;
        uint64_t skip = 0; // bytes the server repeats because it ignored Range
        bool progressed = false, cancelled = false;
        std::string protocol_error;
        auto last_activity = Clock::now();
        auto res = client->Get(
            u.target, headers,
            [&](const httplib::Response& r) {
                status = r.status;
                last_activity = Clock::now();
                if (is_redirect(status)) {
                    location = r.get_header_value("Location");
                    return false;
                }
                std::optional<uint64_t> length;
                if (r.has_header("Content-Length"))
                    length = std::stoull(r.get_header_value("Content-Length"));
                if (status == 206) {
                    uint64_t first = 0;
                    std::optional<uint64_t> whole;
                    if (!parse_content_range(r.get_header_value("Content-Range"), first, whole) ||
                        first != received) {
                        protocol_error = "the server resumed at the wrong offset";
                        return false;
                    }
                    if (!total)
                        total = whole;
                } else if (status == 200) {
                    skip = received;
                    if (length && total && *length != *total) {
                        protocol_error = "the file changed on the server during the download";
                        return false;
                    }
                    if (!total)
                        total = length;
                } else {
                    return false;
                }
                if (!started && events.started)
                    events.started(total.value_or(0));
                started = true;
                return true;
            },
            [&](const char* data, size_t n) {
                last_activity = Clock::now();
                if (skip) {
                    size_t k = static_cast<size_t>(std::min<uint64_t>(skip, n));
                    data += k;
                    n -= k;
                    skip -= k;
                    if (n == 0)
                        return true;
                }
                received += n;
                progressed = true;
                if (!events.data(data, n)) {
                    cancelled = true;
                    return false;
                }
                return true;
            });
        if (cancelled)
            fail("E_ABORT", "The download was cancelled.");
        if (!protocol_error.empty())
            fail("WININET_E_DOWNLOAD_FAILURE",
                 fmt::format("Failed to download {}: {}.", u.str(), protocol_error));
        if (is_redirect(status)) {
            u = follow(u, location, redirects, options, url);
            continue;
        }
        if (status == 416 && total && received == *total)
            return;
        if (status != 0 && status != 200 && status != 206)
            status_error(status, u);
        bool complete = res.error() == httplib::Error::Success && (!total || received >= *total);
        if (complete)
            return;
        httplib::Error err =
            res.error() == httplib::Error::Success ? httplib::Error::Read : res.error();
        bool timed_out = Clock::now() - last_activity >= options.read_timeout;
        bool transient = err == httplib::Error::Read || err == httplib::Error::Write ||
                         err == httplib::Error::Connection;
        idle_attempts = progressed ? 0 : idle_attempts + 1;
        // A connection that dropped after delivering data is resumed at once; one that gives
        // nothing is retried once, so a dead or stalled server fails in bounded time.
        if (!transient || idle_attempts >= 2 || (timed_out && !progressed))
            network_error(err, u, timed_out, options);
        if (progressed && events.retrying)
            events.retrying(fmt::format("The connection to {} dropped after {} bytes; resuming.",
                                        u.host, received));
        if (!progressed)
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

} // namespace wsl::catalog
