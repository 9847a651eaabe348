#include "catalog/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "base/error.h"

namespace wsl::catalog {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool bad_char(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
}

int default_port(const std::string& scheme) {
    return scheme == "https" ? 443 : scheme == "http" ? 80 : 0;
}

// host[:port], with [v6] brackets; false when malformed.
bool split_host_port(std::string_view hp, std::string& host, int& port) {
    std::string_view port_text;
    if (!hp.empty() && hp[0] == '[') {
        size_t close = hp.find(']');
        if (close == std::string_view::npos)
            return false;
        host = std::string(hp.substr(1, close - 1));
        hp.remove_prefix(close + 1);
        if (!hp.empty()) {
            if (hp[0] != ':')
                return false;
            port_text = hp.substr(1);
        }
    } else {
        size_t colon = hp.rfind(':');
        host = std::string(hp.substr(0, colon));
        if (colon != std::string_view::npos)
            port_text = hp.substr(colon + 1);
    }
    if (!port_text.empty()) {
        auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || p != port_text.data() + port_text.size() || port <= 0 ||
            port > 65535)
            return false;
    }
    return true;
}

} // namespace

namespace {
// IPv6 literals go in brackets. (Appending, not "[" + host: GCC 12 -O3 warns on that.)
std::string bracketed(const std::string& host) {
    if (host.find(':') == std::string::npos)
        return host;
    std::string out = "[";
    out += host;
    out += ']';
    return out;
}
} // namespace

std::string Url::origin() const {
    return scheme + "://" + bracketed(host) + ":" + std::to_string(port);
}

std::string Url::str() const {
    std::string out = scheme + "://";
    if (scheme != "file") {
        out += bracketed(host);
        if (port != default_port(scheme)) {
            out += ':';
            out += std::to_string(port);
        }
    }
    return out + target;
}

std::optional<Url> parse_url(std::string_view text) {
    if (std::any_of(text.begin(), text.end(), bad_char))
        return std::nullopt;
    size_t sep = text.find("://");
    if (sep == std::string_view::npos)
        return std::nullopt;
    Url u;
    u.scheme = lower(text.substr(0, sep));
    if (u.scheme != "http" && u.scheme != "https" && u.scheme != "file")
        return std::nullopt;
    std::string_view rest = text.substr(sep + 3);
    size_t slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    std::string_view target = slash == std::string_view::npos ? "/" : rest.substr(slash);
    if (size_t hash = target.find('#'); hash != std::string_view::npos)
        target = target.substr(0, hash);
    if (u.scheme == "file") {
        // file:///path or file://localhost/path: a local path, percent-decoded.
        if (!authority.empty() && lower(authority) != "localhost")
            return std::nullopt;
        if (target.empty() || target[0] != '/')
            return std::nullopt;
        u.target = percent_decode(target);
        return u;
    }
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view info = authority.substr(0, at);
        size_t colon = info.find(':');
        u.user = percent_decode(info.substr(0, colon));
        if (colon != std::string_view::npos)
            u.password = percent_decode(info.substr(colon + 1));
        authority.remove_prefix(at + 1);
    }
    u.port = default_port(u.scheme);
    if (!split_host_port(authority, u.host, u.port) || u.host.empty())
        return std::nullopt;
    u.host = lower(u.host);
    u.target = target.empty() || target[0] != '/' ? std::string(1, '/') : std::string();
    u.target += target;
    return u;
}

std::optional<Url> resolve(const Url& base, std::string_view location) {
    if (location.find("://") != std::string_view::npos)
        return parse_url(location);
    if (location.empty() || std::any_of(location.begin(), location.end(), bad_char))
        return std::nullopt;
    // A fragment never goes to the server (RFC 9110 7.1): drop it from relative targets.
    location = location.substr(0, location.find('#'));
    if (location.empty())
        return std::nullopt;
    Url u = base;
    if (location.substr(0, 2) == "//") // scheme-relative
        return parse_url(base.scheme + ":" + std::string(location));
    if (location[0] == '/') {
        u.target = std::string(location);
    } else {
        std::string dir = base.target.substr(0, base.target.find('?'));
        dir = dir.substr(0, dir.rfind('/') + 1);
        u.target = dir + std::string(location);
    }
    return u;
}

std::optional<Proxy> proxy_for(const Url& url, const Getenv& env) {
    if (url.scheme == "file")
        return std::nullopt;
    auto get = [&](const char* a, const char* b) -> std::string {
        const char* v = env(a);
        if (!v || !*v)
            v = env(b);
        return v ? v : "";
    };
    std::string no_proxy = get("no_proxy", "NO_PROXY");
    size_t start = 0;
    while (start <= no_proxy.size()) {
        size_t end = no_proxy.find(',', start);
        if (end == std::string::npos)
            end = no_proxy.size();
        std::string entry = no_proxy.substr(start, end - start);
        start = end + 1;
        entry.erase(0, entry.find_first_not_of(" \t"));
        entry.erase(entry.find_last_not_of(" \t") + 1);
        if (entry.empty())
            continue;
        if (entry == "*")
            return std::nullopt;
        std::string host;
        int port = 0;
        if (!split_host_port(entry, host, port))
            continue;
        host = lower(host);
        if (port && port != url.port)
            continue;
        if (!host.empty() && host[0] == '.')
            host.erase(0, 1);
        if (url.host == host ||
            (url.host.size() > host.size() &&
             url.host.compare(url.host.size() - host.size(), host.size(), host) == 0 &&
             url.host[url.host.size() - host.size() - 1] == '.'))
            return std::nullopt;
    }
    std::string spec =
        url.scheme == "https" ? get("https_proxy", "HTTPS_PROXY") : get("http_proxy", "HTTP_PROXY");
    if (spec.empty())
        return std::nullopt;
    if (spec.find("://") == std::string::npos)
        spec = "http://" + spec;
    auto p = parse_url(spec);
    if (!p || p->scheme != "http")
        fail("WSL_E_DOWNLOAD_FAILED",
             fmt::format("The proxy '{}' ({}) is not usable: an http:// proxy URL is expected.",
                         spec, url.scheme == "https" ? "https_proxy" : "http_proxy"));
    return Proxy{p->host, p->port, p->user, p->password};
}

} // namespace wsl::catalog
