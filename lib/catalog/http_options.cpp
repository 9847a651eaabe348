#include <cstdlib>

#include "catalog/http.h"
#include "catalog/sha256.h"

// The parts of http.h and sha256.h that need no TLS, so they stay in the program itself.
namespace wsl::catalog {

HttpOptions default_http_options() {
    HttpOptions o;
    if (const char* t = std::getenv("WSL_HTTP_TIMEOUT"); t && std::atoi(t) > 0)
        o.connect_timeout = o.read_timeout = std::chrono::seconds(std::atoi(t));
    return o;
}

std::string to_hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

} // namespace wsl::catalog
