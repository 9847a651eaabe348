#include "install.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/error.h"
#include "base/write_all.h"
#include "catalog/http.h"
#include "catalog/sha256.h"
#include "catalog_source.h"
#include "client.h"
#include "named_directory.h"
#include "open_error.h"
#include "progress.h"
#include "render.h"
#include "session.h"
#include "signal_pipe.h"
#include "user_config.h"

namespace wsl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What is installed: a catalog image (url, expected digest) or a local file.
struct Source {
    std::string label; // the friendly name shown while installing
    std::string url;
    std::string digest; // 32 bytes; empty for a local file
    UniqueFd file;
    uint64_t size = 0;
};

// The download side, on its own thread, sharing this with the command. The thread is
// detached: a command that fails or is interrupted never waits for a stalled server.
struct Pump {
    Pump(const std::string& label, uint64_t size) : progress(label, size) {}
    std::mutex m; // guards progress and stderr
    Progress progress;
    std::atomic<bool> cancel{false};
    UniqueFd out;    // the pipe the service extracts from
    UniqueFd done_w; // one byte when the pump has ended
    // Results, read once done_w has fired.
    std::exception_ptr error;
    std::string digest;
};

void run_pump(std::shared_ptr<Pump> p, std::string url, UniqueFd file) {
    try {
        catalog::Sha256 sha;
        uint64_t bytes = 0;
        bool pipe_open = true;
        auto sink = [&](const char* data, size_t n) {
            if (p->cancel)
                return false;
            sha.update(data, n);
            // The extraction may end before the last bytes (padding after the archive's end);
            // they are still downloaded, for the digest.
            if (pipe_open && !write_all(p->out.get(), data, n))
                pipe_open = false;
            bytes += n;
            std::lock_guard lock(p->m);
            p->progress.update(bytes);
            return pipe_open || !url.empty();
        };
        if (!url.empty()) {
            catalog::DownloadEvents ev;
            ev.started = [&](uint64_t total) {
                std::lock_guard lock(p->m);
                p->progress.set_total(total);
            };
            ev.data = sink;
            ev.retrying = [&](const std::string& text) {
                std::lock_guard lock(p->m);
                p->progress.clear();
                print_warning(text);
            };
            catalog::download(url, catalog::default_http_options(), ev);
        } else {
            std::vector<char> buf(1 << 20);
            for (;;) {
                ssize_t n = ::read(file.get(), buf.data(), buf.size());
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0)
                    fail_errno("WSL_E_INSTALL_FAILED", "Cannot read the distribution file");
                if (n == 0 || !sink(buf.data(), static_cast<size_t>(n)))
                    break;
            }
        }
        p->digest = sha.finish();
    } catch (...) {
        p->error = std::current_exception();
    }
    p->out.reset(); // end of the archive for the extraction
    char c = 1;
    if (::write(p->done_w.get(), &c, 1) < 0) {
    }
}

Source catalog_source(const Invocation& inv, std::string& name) {
    Catalog cat = load_catalog();
    std::string want = inv.operands.empty() ? cat.default_name() : inv.operands[0];
    if (want.empty()) // wsl.exe's text and code
        throw WslError("E_UNEXPECTED",
                       "No default distribution has been configured. Please provide a "
                       "distribution to install.",
                       "/InstallDistro");
    catalog::Image img = find_image(cat, want);
    auto digest = catalog::parse_sha256(img.sha256);
    if (!digest)
        throw WslError("WSL_E_INVALID_JSON",
                       fmt::format("The distribution list gives '{}' an invalid Sha256: '{}' (64 "
                                   "hexadecimal digits expected).",
                                   img.name, img.sha256),
                       "/InstallDistro");
    name = inv.install_name.value_or(img.name);
    Source s;
    s.label = img.friendly_name.empty() ? img.name : img.friendly_name;
    s.url = img.url;
    s.digest = *digest;
    return s;
}

Source file_source(const Invocation& inv, std::string& name) {
    Source s;
    const std::string& path = *inv.from_file;
    if (path == "-") {
        s.file.reset(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
        s.label = "standard input";
    } else {
        s.file.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        s.label = fs::path(path).filename().string();
    }
    if (!s.file)
        fail_open(path, "WSL_E_INSTALL_FAILED");
    struct stat st;
    if (::fstat(s.file.get(), &st) == 0 && S_ISREG(st.st_mode))
        s.size = static_cast<uint64_t>(st.st_size);
    name = inv.install_name.value_or("");
    return s;
}

bool wait_readable(int fd, int signals, int timeout_ms) {
    pollfd p[2] = {{fd, POLLIN, 0}, {signals, POLLIN, 0}};
    int n;
    do {
        n = ::poll(p, 2, timeout_ms);
    } while (n < 0 && errno == EINTR);
    return n > 0 && p[0].revents;
}

} // namespace

int install(const Invocation& inv) {
    if (inv.no_distribution) { // wsl.exe installs its own components then; here there are none
        fmt::print("The operation completed successfully.\n");
        return 0;
    }
    const config::WslConfig& cfg = user_settings();
    std::string name;
    Source src = inv.from_file ? file_source(inv, name) : catalog_source(inv, name);

    std::optional<std::string> location = inv.location;
    if (!location && !cfg.distribution_install_path.empty() && !name.empty())
        location = (fs::path(cfg.distribution_install_path) / name).string();
    std::unique_ptr<NamedDirectory> dir;
    if (location)
        dir = std::make_unique<NamedDirectory>(*location);

    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        fail_errno("E_UNEXPECTED", "pipe");
    UniqueFd data_r(p[0]), data_w(p[1]);
    ::fcntl(data_w.get(), F_SETPIPE_SZ, 1 << 20); // fewer wake-ups between the two sides

    json req = {{"op", "install"}, {"location", dir != nullptr}};
    if (!name.empty())
        req["name"] = name;
    if (inv.version)
        req["version"] = *inv.version;
    std::vector<int> fds{data_r.get()};
    if (dir)
        fds.push_back(dir->fd());
    // The service registers the name first: an existing one fails before any download.
    Request r(req, fds);
    data_r.reset();
    for (;;) {
        protocol::Message m = r.next();
        std::string type = m.body.value("type", "");
        if (type == "accepted")
            break;
        if (type == "warning")
            print_warning(m.body.value("message", ""));
    }
    fmt::print("{}: {}\n", src.url.empty() ? "Installing" : "Downloading", src.label);
    std::fflush(stdout);

    auto pump = std::make_shared<Pump>(src.label, src.size);
    pump->out = std::move(data_w);
    if (::pipe2(p, O_CLOEXEC) != 0)
        fail_errno("E_UNEXPECTED", "pipe");
    UniqueFd done_r(p[0]);
    pump->done_w.reset(p[1]);
    SignalPipe signals({SIGINT, SIGTERM, SIGHUP});
    ::signal(SIGPIPE, SIG_IGN); // a closed pipe is an error the pump handles
    std::thread(run_pump, pump, src.url, std::move(src.file)).detach();

    bool pump_done = false;
    int stopped_by = 0;
    auto finish_pump = [&] {
        char c;
        if (::read(done_r.get(), &c, 1) < 0) { // consumed, or poll would report it forever
        }
        pump_done = true;
        std::lock_guard lock(pump->m);
        pump->progress.clear();
        if (!src.url.empty() && !pump->error) {
            fmt::print("Installing: {}\n", src.label);
            std::fflush(stdout);
        }
    };
    // Why the install failed, when the download knows better than the service.
    auto own_error = [&]() -> std::optional<WslError> {
        if (!pump_done)
            return std::nullopt;
        if (pump->error) {
            try {
                std::rethrow_exception(pump->error);
            } catch (const WslError& e) {
                if (e.code() != "E_ABORT")
                    return WslError(e.code(), e.what(), "/InstallDistro");
            } catch (const std::exception& e) {
                return WslError("WSL_E_INSTALL_FAILED", e.what(), "/InstallDistro");
            }
            return std::nullopt;
        }
        if (!src.digest.empty() && pump->digest != src.digest)
            return WslError("TRUST_E_BAD_DIGEST",
                            fmt::format("The distribution hash doesn't match. Expected: {}, actual "
                                        "hash: {}",
                                        catalog::to_hex(src.digest), catalog::to_hex(pump->digest)),
                            "/InstallDistro");
        return std::nullopt;
    };

    // Interrupted: leave no directory this command made, then die of the signal.
    auto stop_now = [&] {
        dir.reset();
        std::lock_guard lock(pump->m);
        pump->progress.clear();
        die_of_signal(stopped_by);
    };

    json result;
    try {
        for (;;) {
            pollfd pf[3] = {
                {r.sock(), POLLIN, 0}, {done_r.get(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
            if (::poll(pf, 3, stopped_by ? 30000 : -1) == 0)
                stop_now(); // the service did not answer the cancellation
            if (pf[2].revents) {
                for (int sig : signals.take()) {
                    if (stopped_by)
                        continue;
                    // Stop: the service sees the hang-up, removes what it extracted and
                    // answers; then this command ends as the signal would have ended it.
                    stopped_by = sig;
                    pump->cancel = true;
                    ::shutdown(r.sock(), SHUT_WR);
                }
            }
            if (pf[1].revents && !pump_done)
                finish_pump();
            if (!pf[0].revents)
                continue;
            protocol::Message m = r.next();
            std::string type = m.body.value("type", "");
            if (type == "warning") {
                std::lock_guard lock(pump->m);
                pump->progress.clear();
                print_warning(m.body.value("message", ""));
            } else if (type == "extracted") {
                // Keep it only if every byte arrived and the digest matches.
                while (!pump_done && !stopped_by) {
                    if (wait_readable(done_r.get(), signals.fd(), -1))
                        finish_pump();
                    else
                        break; // a signal: handled at the top of the loop
                }
                if (pump_done)
                    r.send({{"commit", !stopped_by && !own_error() && !pump->error}});
            } else if (type == "result") {
                result = m.body;
                break;
            }
        }
    } catch (const WslError& e) {
        if (stopped_by)
            stop_now();
        if (!pump_done && wait_readable(done_r.get(), signals.fd(), 500))
            finish_pump();
        if (auto mine = own_error())
            throw *mine;
        throw;
    }
    if (stopped_by)
        stop_now();
    if (dir)
        dir->keep();
    std::string installed = result.value("name", name);
    fmt::print("Distribution successfully installed. It can be launched via 'wsl -d {}'\n",
               installed);
    std::fflush(stdout);
    if (inv.no_launch || !::isatty(STDIN_FILENO))
        return 0;
    ::signal(SIGPIPE, SIG_DFL);
    Invocation launch;
    launch.distro = installed;
    return run_session(launch);
}

} // namespace wsl::cli
