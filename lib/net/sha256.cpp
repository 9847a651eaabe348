#include "catalog/sha256.h"

#include <openssl/evp.h>

#include "base/error.h"

namespace wsl::catalog {

struct Sha256::Ctx {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
        fail("E_UNEXPECTED", "Cannot set up SHA-256.");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    EVP_DigestUpdate(ctx_->md, data, size);
}

std::string Sha256::finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_->md, out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
}

} // namespace wsl::catalog
