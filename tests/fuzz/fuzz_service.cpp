// Feeds wsl::service::Service::handle one request per input, as a connected client would send
// it but with no descriptors: the request's validation and the registry operations behind it.
// Input: a JSON object (parsed with parse_bounded, as the service reads frames; "v": 1 added
// when missing). When the first byte is not '{' it is a prefix: bit 0 selects the caller (uid
// 0 or 4242), bit 1 hangs up the client end before the request runs.
// The service is real, with a temp state dir whose registries hold three installed distros
// (default locations, no files), so rename, set-default, unregister and friends get past the
// name lookup. After an input that changed a registry on disk, the service is rebuilt from the
// seeded state, so every input starts from the same state.
// No fds are ever passed, so import, install, export, move and run stop at their fd checks
// and no worker or distro is started; a child process appearing anyway aborts the run (the op
// set would then need restricting).
// A bug: a crash or sanitizer report, a hang (libFuzzer -timeout), a child process, an fd
// leak. WslError and other std::exceptions are both expected outcomes (the connection loop
// answers the latter as E_UNEXPECTED); the distinct messages of the latter are printed.
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "base/bounded_json.h"
#include "base/error.h"
#include "common.h"
#include "registry/registry.h"
#include "service/service.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uid_t kOtherUid = 4242;

fs::path g_state;
std::string g_self;
std::unique_ptr<wsl::service::Service> g_svc;
// The seeded registry files, byte for byte: compared after each input.
std::map<fs::path, std::string> g_seeded;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

wsl::registry::Distro installed(uid_t uid, const char* guid, const char* name) {
    wsl::registry::Distro d;
    d.guid = guid;
    d.name = name;
    d.base_path = (g_state / "users" / std::to_string(uid) / guid).string();
    d.default_location = true;
    d.state = wsl::registry::State::Installed;
    return d;
}

void seed() {
    wsl::registry::UserRegistry root;
    root.distros.push_back(installed(0, "0e0a8d0c-3b52-4bd6-9d1c-2f1e0d5e7a01", "Debian"));
    auto ubuntu = installed(0, "0e0a8d0c-3b52-4bd6-9d1c-2f1e0d5e7a02", "Ubuntu-24.04");
    ubuntu.run_oobe = true;
    ubuntu.oobe_command = "/usr/lib/wsl/oobe.sh";
    root.distros.push_back(ubuntu);
    root.default_guid = root.distros[0].guid;
    wsl::registry::UserRegistry other;
    other.distros.push_back(installed(kOtherUid, "0e0a8d0c-3b52-4bd6-9d1c-2f1e0d5e7a03", "Alpine"));
    for (auto& [uid, reg] : {std::pair{0u, root}, std::pair{kOtherUid, other}}) {
        fs::path dir = g_state / "users" / std::to_string(uid);
        fs::create_directories(dir);
        wsl::registry::save(dir / "registry.json", reg);
        g_seeded[dir / "registry.json"] = slurp(dir / "registry.json");
    }
}

// A fresh service over the seeded registries.
void restart() {
    g_svc.reset();
    for (const auto& [path, text] : g_seeded)
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    g_svc = std::make_unique<wsl::service::Service>(g_state, g_self);
}

bool registries_changed() {
    for (const auto& [path, text] : g_seeded)
        if (slurp(path) != text)
            return true;
    return false;
}

// Children reaped so far add to RUSAGE_CHILDREN (each at least one context switch); unreaped
// ones are listed in /proc.
long children_seen() {
    rusage ru{};
    ::getrusage(RUSAGE_CHILDREN, &ru);
    std::string kids = slurp(fs::path("/proc/self/task") / std::to_string(::getpid()) / "children");
    return ru.ru_nvcsw + ru.ru_nivcsw + ru.ru_maxrss + static_cast<long>(kids.size());
}

// Each distinct message once (at most 20): internal errors are worth a look, not a stop.
void note_internal_error(const std::string& what) {
    static std::set<std::string> seen;
    if (seen.size() < 20 && seen.insert(what).second)
        std::fprintf(stderr, "fuzz: note: handle() threw a non-WslError: %s\n", what.c_str());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/wsl-fuzz-service.XXXXXX";
    if (!::mkdtemp(tmpl.data()))
        fuzz::broken("harness: mkdtemp");
    g_state = tmpl;
#ifdef WSL_SERVICE_EXE
    g_self = fs::exists(WSL_SERVICE_EXE) ? WSL_SERVICE_EXE : "/proc/self/exe";
#else
    g_self = "/proc/self/exe";
#endif
    seed();
    restart();
    std::atexit([] {
        g_svc.reset();
        std::error_code ec;
        fs::remove_all(g_state, ec);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    wsl::service::Caller caller;
    bool hang_up = false;
    if (size > 0 && data[0] != '{') {
        caller.uid = caller.gid = (data[0] & 1) ? kOtherUid : 0;
        hang_up = data[0] & 2;
        ++data;
        --size;
    }
    json body;
    try {
        body = wsl::parse_bounded({reinterpret_cast<const char*>(data), size}, "FUZZ");
    } catch (const wsl::WslError&) {
        return -1;
    }
    if (!body.is_object())
        return -1;
    if (!body.contains("v"))
        body["v"] = 1;

    const int fds_before = fuzz::count_fds();
    const long children_before = children_seen();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        fuzz::broken("harness: socketpair");
    int big = 4 << 20;
    ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    if (hang_up) {
        ::close(sv[1]);
        sv[1] = -1;
    }
    {
        wsl::service::Channel ch(sv[0]);
        wsl::protocol::Message msg{std::move(body), {}};
        // What cmd/wslservice's connection loop does with the outcome: one reply frame.
        json reply;
        try {
            reply = g_svc->handle(caller, msg, ch);
            reply["type"] = "result";
        } catch (const wsl::WslError& e) {
            if (e.code().empty())
                fuzz::broken("a WslError without a code");
            reply = {{"type", "error"}, {"code", e.code()}, {"message", e.what()}};
        } catch (const std::exception& e) {
            // Expected too: the loop answers E_UNEXPECTED. Listed so the run log shows them.
            note_internal_error(e.what());
            reply = {{"type", "error"}, {"code", "E_UNEXPECTED"}, {"message", e.what()}};
        }
        try {
            wsl::protocol::send(sv[0], reply);
        } catch (const wsl::WslError&) {
            // the client is gone
        }
    }
    ::close(sv[0]);
    if (sv[1] >= 0)
        ::close(sv[1]); // events the service sent go with it
    if (children_seen() != children_before)
        fuzz::broken("the request started a process: restrict the op set of this target");
    if (fuzz::count_fds() != fds_before)
        fuzz::broken("a descriptor leaked");
    if (registries_changed())
        restart();
    return 0;
}
