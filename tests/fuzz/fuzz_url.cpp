// Feeds the URL and proxy handling of the downloader (lib/catalog/url.h): the input holds
// lines "url \n redirect-location \n http_proxy \n https_proxy \n no_proxy", as a catalog,
// a server's Location header and the user's environment would give them.
// A bug: a crash or sanitizer report; an exception other than WslError (proxy_for's unusable
// proxy); an http(s) URL, a resolved redirect or a proxy whose host or request target holds
// a control byte or space (it would be written into the request line or Host header as it
// is), a target not starting with '/', or a port outside 1..65535.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "catalog/url.h"
#include "common.h"

namespace {

bool clean(const std::string& s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return false;
    return true;
}

void check_url(const std::optional<wsl::catalog::Url>& u) {
    if (!u)
        return;
    (void)u->origin();
    (void)u->str();
    if (u->scheme == "file") {
        if (u->target.empty() || u->target[0] != '/')
            fuzz::broken("a file URL whose path is not absolute");
        return;
    }
    if (u->scheme != "http" && u->scheme != "https")
        fuzz::broken("a URL of another scheme");
    if (u->host.empty() || !clean(u->host) || !clean(u->target))
        fuzz::broken("a URL whose host or target holds a control byte or space");
    if (u->target.empty() || u->target[0] != '/')
        fuzz::broken("a request target not starting with '/'");
    if (u->port < 1 || u->port > 65535)
        fuzz::broken("a port outside 1..65535");
}

void check(std::string_view input) {
    std::vector<std::string> f;
    size_t start = 0;
    while (f.size() < 5) {
        size_t nl = input.find('\n', start);
        f.emplace_back(input.substr(start, nl == std::string_view::npos ? nl : nl - start));
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    f.resize(5);

    auto url = wsl::catalog::parse_url(f[0]);
    check_url(url);
    if (!url)
        return;
    check_url(wsl::catalog::resolve(*url, f[1]));

    const std::map<std::string, std::string> env = {
        {"http_proxy", f[2]}, {"https_proxy", f[3]}, {"no_proxy", f[4]}};
    wsl::catalog::Getenv get = [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    std::optional<wsl::catalog::Proxy> proxy;
    try {
        proxy = wsl::catalog::proxy_for(*url, get);
    } catch (const wsl::WslError&) {
        return;
    }
    if (proxy &&
        (proxy->host.empty() || !clean(proxy->host) || proxy->port < 1 || proxy->port > 65535))
        fuzz::broken("a proxy with a bad host or port");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        check({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        fuzz::unexpected("the URL and proxy parsers", e);
    }
    return 0;
}
