#include <dlfcn.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/error.h"
#include "catalog/http.h"
#include "catalog/sha256.h"
#include "net/net_api.h"

// The client's side of http.h and sha256.h: each call loads the wsl-net module on first use
// and forwards to it. Beside this program in a build tree, ../lib/wsl from it when installed
// (the same rule as wsl-init): never a path from the environment.
namespace wsl::catalog {
namespace {

namespace fs = std::filesystem;

const net::Api& api() {
    static const net::Api* loaded = [] {
        std::error_code ec;
        fs::path self = fs::read_symlink("/proc/self/exe", ec);
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

} // namespace

Fetched fetch(const std::string& url, const std::string& etag, size_t limit,
              const HttpOptions& options) {
    return api().fetch(url, etag, limit, options);
}

void download(const std::string& url, const HttpOptions& options, const DownloadEvents& events) {
    api().download(url, options, events);
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
}
Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    api().sha256_update(ctx_->h, data, size);
}

std::string Sha256::finish() {
    return api().sha256_finish(ctx_->h);
}

} // namespace wsl::catalog
