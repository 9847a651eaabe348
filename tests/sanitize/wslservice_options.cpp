// Linked into wslservice by WSL_SANITIZE (cmake/sanitize.cmake) and nothing else.
// Its workers are this binary re-executed chrooted into a distro's storage with a clean
// environment. LeakSanitizer cannot run there (it reads /proc/<pid>/task, and fails the
// worker when it cannot), so leak checking is off by default; ASAN_OPTIONS, which the
// service itself inherits but a worker never does, turns it back on for the service
// (scripts/test.sh --sanitize does).
extern "C" const char* __asan_default_options() {
    return "detect_leaks=0";
}
