#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace wsl::catalog {

// SHA-256 with OpenSSL's EVP (it uses the CPU's SHA instructions: ~3x sha256sum).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t size);
    // The 32-byte digest; call once.
    std::string finish();

private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

std::string to_hex(const std::string& bytes);

} // namespace wsl::catalog
