#include <memory>

#include "catalog/sha256.h"
#include "net/net_api.h"

// The module's one exported symbol. Everything else in it is hidden, so its definitions of
// fetch, download and Sha256 never clash with the client's forwarding ones.
namespace {

using wsl::catalog::Sha256;

void* sha_new() {
    return std::make_unique<Sha256>().release();
}
void sha_update(void* h, const void* data, size_t size) {
    static_cast<Sha256*>(h)->update(data, size);
}
std::string sha_finish(void* h) {
    return static_cast<Sha256*>(h)->finish();
}
void sha_free(void* h) {
    std::unique_ptr<Sha256> owned(static_cast<Sha256*>(h));
}

const wsl::net::Api kApi{wsl::net::kAbi, &wsl::catalog::fetch, &wsl::catalog::download,
                         &sha_new,       &sha_update,          &sha_finish,
                         &sha_free};

} // namespace

extern "C" __attribute__((visibility("default"))) const wsl::net::Api* wsl_net_api() {
    return &kApi;
}
