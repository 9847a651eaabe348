#include <dlfcn.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "catalog/http.h"
#include "catalog/sha256.h"
#include "net/net_api.h"

// The client's side of http.h and sha256.h: each call loads the wsl-net module on first use
// and forwards to it through the C table of net/net_api.h. Beside this program in a build tree,
// ../lib/wsl from it when installed (the same rule as wsl-init): never a path from the environment.
namespace wsl::catalog {
namespace {

namespace fs = std::filesystem;

const net::Api& api() {
    static const net::Api* loaded = [] {
        std::error_code ec;
        fs::path self = fs::read_symlink("/proc/self/exe", ec);
        // Without its own absolute path (no /proc) the candidates below would be relative:
        // looked up in the working directory, which may be anyone's.
        if (ec || !self.is_absolute())
            fail("E_UNEXPECTED", "Cannot load the download module wsl-net.so: this program "
                                 "cannot find its own path (/proc/self/exe).");
        std::string tried;
        for (fs::path p : {self.parent_path() / "wsl-net.so",
                           self.parent_path().parent_path() / "lib" / "wsl" / "wsl-net.so"}) {
            void* h = ::dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!h) {
                tried += std::string("\n  ") + ::dlerror();
                continue;
            }
            auto get = reinterpret_cast<const net::Api* (*)()>(::dlsym(h, "wsl_net_api"));
            const net::Api* a = get ? get() : nullptr;
            if (a && a->abi == net::kAbi)
                return a; // stays loaded for the life of the process
            tried += "\n  " + p.string() + ": not this version's module";
            ::dlclose(h);
        }
        fail("E_UNEXPECTED", "Cannot load the download module wsl-net.so (it is installed with "
                             "wsl, in ../lib/wsl from the wsl program):" +
                                 tried);
    }();
    return *loaded;
}

// One call into the module: the host callbacks it is given, and what they leave behind. A
// callback's own exception is kept and rethrown here, never unwound through the module.
struct Call {
    const HttpOptions* options = nullptr;
    const DownloadEvents* events = nullptr;
    Fetched fetched;
    std::exception_ptr thrown;
    std::optional<WslError> error;

    net::Host host() {
        net::Host h{};
        h.ctx = this;
        h.getenv = [](void* c, const char* name) -> const char* {
            auto* self = static_cast<Call*>(c);
            try {
                return self->options->env(name);
            } catch (...) {
                self->thrown = std::current_exception();
                return nullptr;
            }
        };
        h.started = [](void* c, uint64_t total) {
            static_cast<Call*>(c)->guard([&](Call& self) {
                if (self.events->started)
                    self.events->started(total);
            });
        };
        h.data = [](void* c, const char* p, size_t n) {
            int more = 0;
            static_cast<Call*>(c)->guard([&](Call& self) { more = self.events->data(p, n); });
            return more;
        };
        h.retrying = [](void* c, const char* p, size_t n) {
            static_cast<Call*>(c)->guard([&](Call& self) {
                if (self.events->retrying)
                    self.events->retrying(std::string(p, n));
            });
        };
        h.fetched = [](void* c, int status, const char* body, size_t body_size, const char* etag,
                       size_t etag_size) {
            static_cast<Call*>(c)->guard([&](Call& self) {
                self.fetched = {status, std::string(body, body_size), std::string(etag, etag_size)};
            });
        };
        h.failed = [](void* c, const char* code, const char* message, const char* context) {
            static_cast<Call*>(c)->guard(
                [&](Call& self) { self.error.emplace(code, message, context); });
        };
        return h;
    }

    // Runs f unless an earlier callback threw; keeps what f throws.
    template <class F> void guard(F&& f) {
        if (thrown)
            return;
        try {
            f(*this);
        } catch (...) {
            thrown = std::current_exception();
        }
    }

    void finish(int rc) {
        if (thrown)
            std::rethrow_exception(thrown);
        if (rc != 0)
            throw error.value_or(WslError("E_UNEXPECTED", "The download module failed."));
    }
};

net::Options options_of(const HttpOptions& o) {
    return {o.connect_timeout.count(), o.read_timeout.count(), o.max_redirects};
}

} // namespace

Fetched fetch(const std::string& url, const std::string& etag, size_t limit,
              const HttpOptions& options) {
    Call call;
    call.options = &options;
    net::Options o = options_of(options);
    net::Host h = call.host();
    call.finish(api().fetch(url.c_str(), etag.c_str(), limit, &o, &h));
    return std::move(call.fetched);
}

void download(const std::string& url, const HttpOptions& options, const DownloadEvents& events) {
    Call call;
    call.options = &options;
    call.events = &events;
    net::Options o = options_of(options);
    net::Host h = call.host();
    call.finish(api().download(url.c_str(), &o, &h));
}

struct Sha256::Ctx {
    void* h = nullptr;
    ~Ctx() {
        if (h)
            api().sha256_free(h);
    }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    ctx_->h = api().sha256_new();
    if (!ctx_->h)
        fail("E_UNEXPECTED", "Cannot set up SHA-256.");
}
Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    api().sha256_update(ctx_->h, data, size);
}

std::string Sha256::finish() {
    unsigned char out[64];
    size_t n = api().sha256_finish(ctx_->h, out, sizeof out);
    if (n == 0)
        fail("E_UNEXPECTED", "Cannot finish SHA-256.");
    return std::string(reinterpret_cast<const char*>(out), n);
}

} // namespace wsl::catalog
