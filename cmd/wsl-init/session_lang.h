#pragma once
#include <string>
#include <string_view>

namespace wsl::init {

// The LANG a session gets: the client's, when the distro has that locale, else C.UTF-8 (which
// every modern glibc has built in), so programs do not warn "Setting locale failed".
// `root` is where the distro's /usr/lib/locale is ("/" inside it).
std::string session_lang(std::string_view client_lang, const std::string& root = "/");

// glibc's spelling of a codeset in locale names: letters lowered, digits kept, the rest
// dropped ("UTF-8" -> "utf8"; one with no letters gets "iso" in front, as glibc does).
std::string normalize_codeset(std::string_view codeset);

// Whether the glibc locale-archive open on fd lists the locale `name`.
// The archive is untrusted: every offset and count is bounded before use.
bool archive_has(int fd, std::string_view name);

} // namespace wsl::init
