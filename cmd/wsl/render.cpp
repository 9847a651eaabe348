#include "render.h"

#include <cstdlib>

#include <fmt/format.h>

namespace wsl::cli {

using nlohmann::json;

std::string render_error(const std::string& message, const std::string& context,
                         const std::string& code) {
    std::string out = message.empty() ? "" : message + "\n";
    out += "Error code: Wsl/Service/";
    if (!context.empty())
        out += context + "/";
    return out + code + "\n";
}

bool render_list(const Invocation& inv, const json& result, std::string& out, std::string& error) {
    std::vector<json> rows;
    for (const auto& d : result.at("distros")) {
        std::string state = d.value("state", "");
        bool transient = state == "Installing" || state == "Uninstalling";
        if (transient && !inv.all)
            continue;
        if (inv.running && state != "Running")
            continue;
        rows.push_back(d);
    }
    // The default distro comes first, as in wsl.exe.
    std::stable_partition(rows.begin(), rows.end(),
                          [](const json& d) { return d.value("default", false); });
    if (rows.empty()) {
        if (inv.quiet)
            return true;
        if (inv.running) {
            error = "There are no running distributions.\n";
            return false;
        }
        error = "wsl has no installed distributions.\n"
                "You can resolve this by installing a distribution with the instructions "
                "below:\n\n"
                "Use 'wsl --list --online' to list available distributions\n"
                "and 'wsl --install <Distro>' to install, or 'wsl --import' a tarball.\n" +
                render_error("", "", "WSL_E_DEFAULT_DISTRO_NOT_FOUND");
        return false;
    }
    if (inv.quiet) {
        for (const auto& d : rows)
            out += d.value("name", "") + "\n";
    } else if (inv.verbose) {
        size_t width = 4;
        for (const auto& d : rows)
            width = std::max(width, d.value("name", "").size());
        width += 4;
        out += fmt::format("  {:<{}}{:<16}{}\n", "NAME", width, "STATE", "VERSION");
        for (const auto& d : rows)
            out += fmt::format("{} {:<{}}{:<16}{}\n", d.value("default", false) ? '*' : ' ',
                               d.value("name", ""), width, d.value("state", ""),
                               d.value("version", 1));
    } else {
        out += "wsl for Linux distributions:\n";
        for (const auto& d : rows)
            out += d.value("name", "") + (d.value("default", false) ? " (Default)" : "") + "\n";
    }
    return true;
}

std::string usage_text() {
    return R"(Usage: wsl [Argument] [Options...] [CommandLine]

Arguments for running Linux binaries:
    If no command line is provided, wsl launches the default shell.

    --exec, -e <CommandLine>   Execute the command without using the default Linux shell.
    --shell-type <Type>        standard, login or none.
    --                         Pass the rest of the command line as is.

Options:
    --cd <Directory>           Start in this directory (~ is the home directory).
    --distribution, -d <Name>  Run the named distribution.
    --distribution-id <Id>     Run the distribution with this id.
    --user, -u <UserName>      Run as this user.

Arguments for managing distributions:
    --export <Distro> <FileName> [--format tar|tar.gz|tar.xz|tar.zst]
        Export the distribution to a tar file ('-' for standard output). Without --format,
        the file name's suffix chooses the format (default tar).

    --install [Distro] [Options...]
        Install a distribution from the catalog ('wsl --list --online'), or without Distro
        the catalog's default, then open a shell in it.
        --distribution, -d <Distro>  Another way to name the distribution.
        --name <Name>                Register it under this name.
        --location, -l <Location>    Store it in this directory.
        --from-file, -f <File>       Install a local .wsl file ('-' for standard input).
        --no-launch, -n              Do not open a shell afterwards.
        --version 1|2                Its version.

    --import <Distro> <InstallLocation> <FileName> [--version 1|2]
        Import a tar file (tar, tar.gz, tar.xz, tar.bz2 or tar.zst; '-' for standard input)
        as a new distribution stored in InstallLocation ('' for the service's own storage).

    --list, -l [Options]
        --all                  Include distributions being installed or uninstalled.
        --running              Only running distributions.
        --quiet, -q            Names only.
        --verbose, -v          Names, states and versions.
        --online, -o           The distributions that 'wsl --install' can install.

    --manage <Distro> <Option>
        --move, -m <Location>  Move the distribution's storage to Location.
        --rename <NewName>     Rename the distribution.
        --set-default-user <UserName>
                               Make UserName (looked up inside) the default user.

    --set-default, -s <Distro>          Make the distribution the default.
    --set-default-version <Version>     Version (1 or 2) for new distributions.
    --shutdown [--force]                Stop all of your running distributions.
    --status                            Show the default distribution and version.
    --terminate, -t <Distro>            Stop the distribution and every process in it.
    --unregister <Distro>               Unregister the distribution and delete its files.
    --version, -v                       Show version information.
    --help                              Show this text.
)";
}

void print_warning(const std::string& text) {
    const char* off = std::getenv("WSL_DISABLE_WARNINGS");
    if (!(off && std::string(off) == "1"))
        fmt::print(stderr, "wsl: {}\n", text);
}

} // namespace wsl::cli
