#include "commands.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "archive/detect.h"
#include "base/error.h"
#include "base/unique_fd.h"
#include "catalog_source.h"
#include "client.h"
#include "help.h"
#include "install.h"
#include "named_directory.h"
#include "open_error.h"
#include "package_verbs.h"
#include "progress.h"
#include "registry/registry.h"
#include "render.h"
#include "session.h"
#include "signal_pipe.h"
#include "user_config.h"

namespace wsl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSuccess = "The operation completed successfully.\n";

// Relays service events to a progress line and warnings.
std::function<void(const json&)> relay(Progress& p) {
    return [&p](const json& ev) {
        std::string type = ev.value("type", "");
        if (type == "progress") {
            p.update(ev.value("bytes", uint64_t{0}));
        } else if (type == "warning") {
            p.clear();
            print_warning(ev.value("message", ""));
        }
    };
}

// The service's list entry of a distro (any case), for checks the client makes before it
// acts; WSL_E_DISTRO_NOT_FOUND in `context` when there is none.
json listed_distro(const std::string& name, const char* context) {
    json r = request({{"op", "list"}});
    for (auto& d : r["distros"])
        if (registry::same_name(d.value("name", ""), name))
            return d;
    throw WslError("WSL_E_DISTRO_NOT_FOUND", default_message("WSL_E_DISTRO_NOT_FOUND"), context);
}

int list(const Invocation& inv) {
    if (inv.online)
        return list_online(inv);
    json r = request({{"op", "list"}});
    if (json_output(inv)) {
        fmt::print("{}", render_list_json(inv, r));
        return 0;
    }
    std::string out, error;
    if (!render_list(inv, r, out, error)) {
        fmt::print(stderr, "{}", error);
        return 255;
    }
    fmt::print("{}", out);
    return 0;
}

int import_distro(const Invocation& inv) {
    const std::string& name = inv.operands[0];
    const std::string& location = inv.operands[1];
    const std::string& file = inv.operands[2];
    UniqueFd in;
    int in_fd = 0;
    if (file != "-") {
        in.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!in)
            fail_open(file, "WSL_E_IMPORT_FAILED");
        in_fd = in.get();
    }
    struct stat st;
    uint64_t total = ::fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;

    json req = {{"op", "import"}, {"name", name}, {"location", !location.empty()}};
    if (inv.version)
        req["version"] = *inv.version;
    std::vector<int> fds{in_fd};
    std::unique_ptr<NamedDirectory> dir;
    if (!location.empty()) {
        dir = std::make_unique<NamedDirectory>(location);
        fds.push_back(dir->fd());
    }
    Progress p("Importing " + name, total);
    request(req, fds, relay(p));
    p.clear();
    if (dir)
        dir->keep();
    fmt::print(kSuccess);
    return 0;
}

// The output is a pipe or socket whose reader has gone (`wsl --export X - | head -c 10`): that
// ends a writer quietly, by SIGPIPE, as it ends tar, unless SIGPIPE is ignored (then the
// error is reported, as tar does).
static bool reader_gone(int fd) {
    struct sigaction sa {};
    if (::sigaction(SIGPIPE, nullptr, &sa) != 0 || sa.sa_handler == SIG_IGN)
        return false;
    pollfd p{fd, POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

int export_distro(const Invocation& inv) {
    const std::string& name = inv.operands[0];
    const std::string& file = inv.operands[1];
    archive::Format format = archive::format_from_path(file);
    if (inv.format)
        archive::parse_format(*inv.format, format);
    UniqueFd out;
    int out_fd = 1;
    if (file != "-") {
        out.reset(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!out)
            fail_errno("WSL_E_EXPORT_FAILED", "Cannot create " + file);
        out_fd = out.get();
    }
    try {
        Progress p("Exporting " + name);
        request({{"op", "export"}, {"name", name}, {"format", archive::to_string(format)}},
                {out_fd}, relay(p));
    } catch (...) {
        // A failed export leaves no partial file behind; only a regular file is ours to remove.
        struct stat st;
        if (out && ::fstat(out.get(), &st) == 0 && S_ISREG(st.st_mode))
            ::unlink(file.c_str());
        if (reader_gone(out_fd))
            die_of_signal(SIGPIPE);
        throw;
    }
    if (file != "-")
        fmt::print(kSuccess);
    return 0;
}

int manage(const Invocation& inv) {
    const std::string& name = inv.operands[0];
    if (inv.manage_action == "rename") {
        request({{"op", "rename"}, {"name", name}, {"newName", inv.manage_value}});
    } else if (inv.manage_action == "move") {
        // Checked before anything is created: the distro exists and the target is not inside
        // its own storage (the service and the kernel refuse both too, but too late to leave
        // the tree untouched).
        json found = listed_distro(name, "MoveDistro");
        fs::path base = fs::path(found.value("basePath", "")).lexically_normal();
        fs::path target = fs::absolute(inv.manage_value).lexically_normal();
        auto rel = target.lexically_relative(base);
        if (!rel.empty() && *rel.begin() != "..")
            throw WslError("WSL_E_INVALID_USAGE",
                           "The new location is inside the distribution's current storage.",
                           "MoveDistro");
        NamedDirectory dir(inv.manage_value);
        Progress p("Moving " + name);
        request({{"op", "move"}, {"name", name}}, {dir.fd()}, relay(p));
        dir.keep();
    } else if (inv.manage_action == "set-default-user") {
        request({{"op", "set-default-user"},
                 {"name", name},
                 {"user", inv.manage_value},
                 {"config", user_config()}},
                {}, [](const json& ev) {
                    if (ev.value("type", "") == "warning")
                        print_warning(ev.value("message", ""));
                });
    } else {
        fail("E_NOTIMPL", fmt::format("--manage --{} is not available yet.", inv.manage_action));
    }
    fmt::print(kSuccess);
    return 0;
}

int version() {
    utsname u{};
    ::uname(&u);
    fmt::print("wsl for Linux version: {}\nKernel version: {}\n", WSL_VERSION, u.release);
    return 0;
}

} // namespace

int run(const Invocation& inv) {
    switch (inv.verb) {
    case Verb::Help:
        if (!inv.help_topic.empty() && inv.help_topic != "--help") {
            fmt::print("{}", verb_help(inv.help_topic));
            return 0;
        }
        fmt::print("{}", usage_text());
        return 255;
    case Verb::Version:
        return version();
    case Verb::List:
        return list(inv);
    case Verb::Import:
        return import_distro(inv);
    case Verb::Export:
        return export_distro(inv);
    case Verb::Manage:
        return manage(inv);
    case Verb::Status: {
        json r = request({{"op", "status"}});
        std::string def = r.value("defaultDistro", "");
        if (json_output(inv)) {
            fmt::print("{}", render_json({{"defaultDistribution", def.empty() ? json() : json(def)},
                                          {"defaultVersion", r.value("defaultVersion", 1)}}));
            return 0;
        }
        if (!def.empty())
            fmt::print("Default Distribution: {}\n", def);
        fmt::print("Default Version: {}\n", r.value("defaultVersion", 1));
        return 0;
    }
    case Verb::Unregister:
        request({{"op", "unregister"}, {"name", inv.operands[0]}});
        fmt::print(kSuccess);
        return 0;
    case Verb::SetDefault:
        request({{"op", "set-default"}, {"name", inv.operands[0]}});
        fmt::print(kSuccess);
        return 0;
    case Verb::SetDefaultVersion:
        request({{"op", "set-default-version"}, {"version", *inv.version}});
        fmt::print(kSuccess);
        return 0;
    case Verb::SetVersion: {
        json found = listed_distro(inv.operands[0], "SetVersion");
        if (found.value("version", 1) == *inv.version) // wsl.exe's code for this case
            fail("WSL_E_VM_MODE_INVALID_STATE",
                 "The distribution is already the requested version.");
        fail("WSL_E_VM_MODE_INVALID_STATE",
             "Converting between versions is not available yet: version 2 (VM mode) comes in a "
             "later release.");
    }
    case Verb::Terminate:
        request({{"op", "terminate"}, {"name", inv.operands[0]}});
        fmt::print(kSuccess);
        return 0;
    case Verb::Shutdown:
        request({{"op", "shutdown"}, {"force", inv.force}});
        return 0;
    case Verb::Run:
        return run_session(inv);
    case Verb::Install:
        return install(inv);
    case Verb::Update:
        return update();
    case Verb::Uninstall:
        uninstall();
    case Verb::NeedsWsl2:
        needs_wsl2(inv.verb_spelling);
    }
    return 255;
}

} // namespace wsl::cli
