#pragma once
// Small helpers shared by the fuzz targets.
#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace fuzz {

// Open descriptors of this process, to catch a leak per input.
inline int count_fds() {
    DIR* d = ::opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (::readdir(d))
        ++n;
    ::closedir(d);
    return n;
}

// An exception the API does not document: a finding. Printed so the log says what it was.
[[noreturn]] inline void unexpected(const char* where, const std::exception& e) {
    std::fprintf(stderr, "fuzz: %s threw an undocumented exception: %s\n", where, e.what());
    std::abort();
}

[[noreturn]] inline void broken(const char* what) {
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
    std::abort();
}

} // namespace fuzz
