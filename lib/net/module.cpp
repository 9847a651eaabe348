#include <exception>
#include <memory>
#include <string>

#include "base/error.h"
#include "catalog/http.h"
#include "catalog/sha256.h"
#include "net/net_api.h"

// The module's one exported symbol, and the translation between the C table and the C++
// downloader: every exception stops here and goes back through host->failed.
namespace {

using namespace wsl;

catalog::HttpOptions options_of(const net::Options* o, const net::Host* host) {
    catalog::HttpOptions r;
    r.connect_timeout = std::chrono::seconds(o->connect_timeout_s);
    r.read_timeout = std::chrono::seconds(o->read_timeout_s);
    r.max_redirects = o->max_redirects;
    r.env = [host](const char* name) { return host->getenv(host->ctx, name); };
    return r;
}

template <class F> int guarded(const net::Host* host, F&& f) {
    try {
        f();
        return 0;
    } catch (const WslError& e) {
        host->failed(host->ctx, e.code().c_str(), e.what(), e.context().c_str());
    } catch (const std::exception& e) {
        host->failed(host->ctx, "E_UNEXPECTED", e.what(), "");
    } catch (...) {
        host->failed(host->ctx, "E_UNEXPECTED", "An unexpected error in the download module.", "");
    }
    return -1;
}

int fetch(const char* url, const char* etag, size_t limit, const net::Options* o,
          const net::Host* host) {
    return guarded(host, [&] {
        catalog::Fetched f = catalog::fetch(url, etag, limit, options_of(o, host));
        host->fetched(host->ctx, f.status, f.body.data(), f.body.size(), f.etag.data(),
                      f.etag.size());
    });
}

int download(const char* url, const net::Options* o, const net::Host* host) {
    return guarded(host, [&] {
        catalog::DownloadEvents ev;
        ev.started = [host](uint64_t total) { host->started(host->ctx, total); };
        ev.data = [host](const char* p, size_t n) { return host->data(host->ctx, p, n) != 0; };
        ev.retrying = [host](const std::string& text) {
            host->retrying(host->ctx, text.data(), text.size());
        };
        catalog::download(url, options_of(o, host), ev);
    });
}

void* sha_new() {
    try {
        return std::make_unique<catalog::Sha256>().release();
    } catch (...) {
        return nullptr;
    }
}
void sha_update(void* h, const void* data, size_t size) {
    static_cast<catalog::Sha256*>(h)->update(data, size);
}
size_t sha_finish(void* h, unsigned char* out, size_t capacity) {
    std::string d = static_cast<catalog::Sha256*>(h)->finish();
    if (d.size() > capacity)
        return 0;
    std::copy(d.begin(), d.end(), out);
    return d.size();
}
void sha_free(void* h) {
    std::unique_ptr<catalog::Sha256> owned(static_cast<catalog::Sha256*>(h));
}

const net::Api kApi{net::kAbi, &fetch, &download, &sha_new, &sha_update, &sha_finish, &sha_free};

} // namespace

extern "C" __attribute__((visibility("default"))) const wsl::net::Api* wsl_net_api() {
    return &kApi;
}
