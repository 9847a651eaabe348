#include "service/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "base/bounded_json.h"
#include "base/error.h"

namespace wsl::service {

using nlohmann::json;

std::vector<std::string> Workers::argv(const WorkerSpec& spec) const {
    std::vector<std::string> a{self_exe_, "__worker", spec.op};
    a.insert(a.end(), spec.args.begin(), spec.args.end());
    return a;
}

runtime::Child Workers::start(const runtime::IdMap& map, const WorkerSpec& spec) const {
    UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    std::vector<int> fds{null.get()};
    fds.insert(fds.end(), spec.fds.begin(), spec.fds.end());
    return runtime::spawn_in_userns(map, argv(spec), fds);
}

json Workers::run(const runtime::IdMap& map, const WorkerSpec& spec, Channel* ch) const {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        fail_errno("WSL_E_WORKER", "pipe");
    UniqueFd status_r(p[0]), status_w(p[1]);
    std::vector<int> fds{status_w.get()};
    fds.insert(fds.end(), spec.fds.begin(), spec.fds.end());
    runtime::Child child = runtime::spawn_in_userns(map, argv(spec), fds);
    status_w.reset();

    json result = json::object();
    json error;
    std::string pending;
    char buf[8192];
    for (;;) {
        pollfd pf[2] = {{status_r.get(), POLLIN, 0}, {ch ? ch->sock() : -1, POLLRDHUP, 0}};
        if (::poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail_errno("WSL_E_WORKER", "poll");
        }
        if (ch && (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
            child.kill();
            child.wait();
            cancelled();
        }
        if (!(pf[0].revents & (POLLIN | POLLHUP)))
            continue;
        ssize_t n = ::read(status_r.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pending.append(buf, static_cast<size_t>(n));
        if (pending.size() > (1u << 20)) {
            child.kill();
            fail("WSL_E_WORKER", "A file-system worker sent an oversized status line.");
        }
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
            // The worker runs on untrusted data: its lines are parsed defensively.
            json line;
            try {
                line = parse_bounded(std::string_view(pending).substr(0, nl), "WSL_E_WORKER");
            } catch (const WslError&) {
            }
            pending.erase(0, nl + 1);
            if (!line.is_object())
                continue;
            if (line.contains("progress") && line["progress"].is_number_unsigned()) {
                if (ch)
                    ch->event({{"type", "progress"}, {"bytes", line["progress"]}});
            } else if (line.contains("warning") && line["warning"].is_string()) {
                if (ch)
                    ch->event({{"type", "warning"}, {"message", line["warning"]}});
            } else if (line.contains("result") && line["result"].is_object()) {
                result = line["result"];
            } else if (line.contains("error") && line["error"].is_object()) {
                error = line["error"];
            }
        }
    }
    int rc = child.wait();
    if (error.is_object())
        throw WslError(error.value("code", "WSL_E_WORKER"),
                       error.value("message", "The file-system worker failed."));
    if (rc != 0)
        fail("WSL_E_WORKER",
             fmt::format("The file-system worker ended with status {} ({}).", rc, spec.op));
    return result;
}

} // namespace wsl::service
