// Feeds wsl::archive::extract an import stream (tar, or tar compressed with anything it
// detects), then inspect_rootfs() over what came out, as an import worker does.
// A bug: a crash or sanitizer report; an exception other than WslError; anything appearing
// outside the extraction root (a canary directory next to it is checked after every input).
//
// Containment. extract() writes below the current directory and leaves containment to the
// chroot and user namespace it runs in. This harness extracts in-process, because a fork per
// input hides the child's coverage from libFuzzer and is slower:
//  - Once, in LLVMFuzzerInitialize (still single-threaded): enter a new user namespace (our
//    uid mapped to 0: no capability over anything the host did not already allow us, no
//    device nodes) and mount namespace; mount a small tmpfs on T, $TMPDIR/wsl-fuzz-extract,
//    with T/outside/canary, and a 64 MiB tmpfs on T/root, the extraction root. Nothing stays
//    mounted on the host whatever happens to the process, and disk use is bounded: extract()
//    has no byte cap of its own, so a compressed bomb or a huge entry ends in ENOSPC.
//  - Per input: chroot into T/root, run extract() on a memfd holding the input, leave the
//    chroot (fchdir to a saved fd of the real root, chroot(".")), empty T/root, check that T
//    holds nothing but root/ and outside/canary.
//  - While chrooted, libFuzzer could not write a crash artifact, nor ASan start
//    llvm-symbolizer: the ASan and UBSan report hooks (always fatal here) leave the chroot
//    first, and wrappers of libFuzzer's SIGABRT and SIGALRM and ASan's SIGSEGV/SIGBUS/SIGFPE/
//    SIGILL handlers leave it around the wrapped handler and go back in if it returns (the
//    SIGALRM tick is fatal only after -timeout s). Not covered: libFuzzer's -rss_limit_mb
//    thread and -malloc_limit_mb hook.
// libarchive is the system's, not instrumented: coverage guides through extract.cpp only, and
// ASan sees libarchive's heap through malloc and libc calls, not its own loads and stores.
// Measured on 2 shared cores: about 200 inputs/s in-process (most of the time is extract()'s
// 1 MiB read buffer, page-faulted afresh under ASan for every call); a fork per input, even
// without namespaces or chroot, about 57/s and without coverage of the child.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "archive/extract.h"
#include "base/error.h"
#include "common.h"

namespace fs = std::filesystem;

namespace {

std::string g_top;  // T: tmpfs, private to our mount namespace
std::string g_root; // T/root: the extraction root, a 64 MiB tmpfs
int g_real_root = -1;
int g_root_fd = -1; // T/root
int g_cwd = -1;
int g_input = -1;                     // memfd
volatile sig_atomic_t g_chrooted = 0; // read by the signal handlers
constexpr int kSignals[] = {SIGABRT, SIGALRM, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
struct sigaction g_prev[NSIG];

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "fuzz_extract: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

// Async-signal-safe, both: only system calls.
void leave_chroot() {
    if (!g_chrooted)
        return;
    g_chrooted = 0;
    if (::fchdir(g_real_root) == 0 && ::chroot(".") == 0)
        ::fchdir(g_cwd);
}

// Back into T/root, at the directory `here` (an fd opened inside it, or -1 for its top).
// Extracting on outside the chroot is never an option: failing that, the process ends.
void enter_chroot(int here) {
    if (::fchdir(g_root_fd) != 0 || ::chroot(".") != 0 || (here >= 0 && ::fchdir(here) != 0)) {
        static const char msg[] = "fuzz_extract: cannot re-enter the chroot\n";
        [[maybe_unused]] ssize_t n = ::write(2, msg, sizeof msg - 1);
        ::_exit(1);
    }
    g_chrooted = 1;
}

// Leaves the chroot for the handler installed before ours, which may write an artifact or
// start the symbolizer, and goes back in when that handler returns: libFuzzer's SIGALRM comes
// every -timeout/2+1 s and is fatal only once the input has run for -timeout s.
void on_signal(int sig, siginfo_t* info, void* ctx) {
    const int saved_errno = errno;
    const bool inside = g_chrooted;
    int here = -1;
    if (inside) {
        here = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        leave_chroot();
    }
    const struct sigaction& prev = g_prev[sig];
    if (prev.sa_flags & SA_SIGINFO) {
        prev.sa_sigaction(sig, info, ctx);
    } else if (prev.sa_handler != SIG_IGN && prev.sa_handler != SIG_DFL) {
        prev.sa_handler(sig);
    } else if (prev.sa_handler == SIG_DFL) {
        ::sigaction(sig, &prev, nullptr);
        ::raise(sig);
    }
    if (inside) {
        enter_chroot(here);
        if (here >= 0)
            ::close(here);
    }
    errno = saved_errno;
}

// libFuzzer installs its handlers after LLVMFuzzerInitialize: wrap them at the first input.
void wrap_signals() {
    for (int sig : kSignals) {
        struct sigaction mine {};
        ::sigaction(sig, nullptr, &g_prev[sig]);
        mine.sa_sigaction = on_signal;
        mine.sa_flags = (g_prev[sig].sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
        mine.sa_mask = g_prev[sig].sa_mask;
        ::sigaction(sig, &mine, nullptr);
    }
}

void write_file(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        die(path);
    ::close(fd);
}

// Everything under T must be exactly: root/ (the mount point) and outside/canary.
void check_canary() {
    size_t top = 0;
    for (const auto& e : fs::directory_iterator(g_top)) {
        ++top;
        if (e.path().filename() != "root" && e.path().filename() != "outside")
            fuzz::broken("an entry appeared next to the extraction root");
    }
    size_t outside = 0;
    for (const auto& e : fs::directory_iterator(g_top + "/outside")) {
        ++outside;
        if (e.path().filename() != "canary" || fs::file_size(e.path()) != 6)
            fuzz::broken("the canary directory outside the extraction root changed");
    }
    struct stat st;
    if (top != 2 || outside != 1 || ::lstat(g_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        fuzz::broken("the tree around the extraction root changed");
}

} // namespace

// Reports from the sanitizers: leave the chroot so the symbolizer and the artifact work.
extern "C" void __asan_on_error() {
    leave_chroot();
}
extern "C" void __ubsan_on_report() {
    leave_chroot();
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        die("unshare(CLONE_NEWUSER | CLONE_NEWNS) (needs a single-threaded process and user "
            "namespaces)");
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        die("making / private");

    // One fixed directory for every run: each process mounts its own tmpfs on it in its own
    // mount namespace, so runs do not meet, and a crashed run leaves only this empty dir.
    const char* tmp = std::getenv("TMPDIR");
    g_top = std::string(tmp && *tmp ? tmp : "/tmp") + "/wsl-fuzz-extract";
    if (::mkdir(g_top.c_str(), 0700) != 0 && errno != EEXIST)
        die("mkdir");
    g_root = g_top + "/root";
    if (::mount("tmpfs", g_top.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700") != 0)
        die("mounting the scratch tmpfs");
    if (::mkdir(g_root.c_str(), 0755) != 0 || ::mkdir((g_top + "/outside").c_str(), 0755) != 0)
        die("mkdir");
    if (::mount("tmpfs", g_root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                "size=64m,nr_inodes=16384,mode=0755") != 0)
        die("mounting the extraction root");
    int canary = ::open((g_top + "/outside/canary").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (canary < 0 || ::write(canary, "canary", 6) != 6)
        die("canary");
    ::close(canary);
    g_real_root = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_root_fd = ::open(g_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_cwd = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_input = ::memfd_create("fuzz-input", MFD_CLOEXEC);
    if (g_real_root < 0 || g_root_fd < 0 || g_cwd < 0 || g_input < 0)
        die("open");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool wrapped = false;
    if (!wrapped) {
        wrap_signals();
        wrapped = true;
    }
    if (::ftruncate(g_input, 0) != 0 ||
        ::pwrite(g_input, data, size, 0) != static_cast<ssize_t>(size) ||
        ::lseek(g_input, 0, SEEK_SET) != 0)
        die("writing the input");

    enter_chroot(-1);

    wsl::archive::Events events;
    size_t warnings = 0;
    events.warning = [&](const std::string&) { ++warnings; };
    events.progress = [](uint64_t) {};
    try {
        wsl::archive::extract(g_input, events);
        (void)wsl::archive::inspect_rootfs();
    } catch (const wsl::WslError&) {
    } catch (const std::exception& e) {
        leave_chroot();
        fuzz::unexpected("archive::extract", e);
    }
    // Still in T/root: a signal handler that left it and did not come back would have let the
    // extraction go on outside.
    struct stat now, root;
    if (::stat("/", &now) != 0 || ::fstat(g_root_fd, &root) != 0 || now.st_dev != root.st_dev ||
        now.st_ino != root.st_ino) {
        leave_chroot();
        fuzz::broken("harness: the extraction did not run in the chroot");
    }

    leave_chroot();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(g_root))
        if (fs::remove_all(e.path(), ec), ec)
            fuzz::broken("harness: cannot empty the extraction root");
    ::chmod(g_root.c_str(), 0755);
    check_canary();
    return 0;
}
