#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace wsl::catalog {

// An absolute http, https or file URL, split as the downloader needs it.
struct Url {
    std::string scheme; // lowercase: http, https, file
    std::string user, password;
    std::string host; // without brackets for IPv6
    int port = 0;
    std::string target; // path and query as sent in the request ("/" at least); file: the path

    std::string origin() const; // scheme://host:port, what httplib::Client takes
    std::string str() const;    // the URL without user information, for messages
};

// Parses an absolute URL; nullopt when it is not one of the three schemes or malformed.
std::optional<Url> parse_url(std::string_view text);

// The URL a redirect's Location names, relative to base.
std::optional<Url> resolve(const Url& base, std::string_view location);

struct Proxy {
    std::string host;
    int port = 0;
    std::string user, password;
};

using Getenv = std::function<const char*(const char*)>;

// The proxy to use for url, from http_proxy/https_proxy (either case) and no_proxy: a
// comma-separated list of host names, domain suffixes (.example.com or example.com),
// host:port and IP literals; "*" turns proxies off. Throws WslError for an unusable proxy.
std::optional<Proxy> proxy_for(const Url& url, const Getenv& env);

} // namespace wsl::catalog
