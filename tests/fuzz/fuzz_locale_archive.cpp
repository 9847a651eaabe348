// Feeds wsl-init's locale-archive reader (cmd/wsl-init/session_lang.cpp) a hostile archive:
// the distro's root writes /usr/lib/locale/locale-archive, and init reads it for every session.
// Input: one byte n, then n bytes of a locale name (the client's LANG), then the archive.
// A bug: a crash or sanitizer report, an fd leak, or session_lang() answering something that
// is neither the client's LANG nor C.UTF-8 (or a LANG that is a path).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "common.h"
#include "session_lang.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1)
        return 0;
    size_t n = std::min<size_t>(data[0], size - 1);
    std::string name(reinterpret_cast<const char*>(data + 1), n);
    std::string_view archive(reinterpret_cast<const char*>(data + 1 + n), size - 1 - n);

    int before = fuzz::count_fds();
    {
        wsl::UniqueFd fd(::memfd_create("locale-archive", MFD_CLOEXEC));
        if (!fd || ::write(fd.get(), archive.data(), archive.size()) !=
                       static_cast<ssize_t>(archive.size()))
            return 0;
        (void)wsl::init::archive_has(fd.get(), name);
        (void)wsl::init::archive_has(fd.get(), "C.utf8");
        (void)wsl::init::normalize_codeset(name);
        // The whole lookup, against a root that has no locales: only the built-in ones pass.
        std::string lang = wsl::init::session_lang(name, "/nonexistent-wsl-fuzz-root");
        if (lang != name && lang != "C.UTF-8")
            fuzz::broken("session_lang answered a LANG that is neither the client's nor C.UTF-8");
        if (lang.find('/') != std::string::npos)
            fuzz::broken("session_lang answered a path");
    }
    if (fuzz::count_fds() != before)
        fuzz::broken("an fd leaked");
    return 0;
}
