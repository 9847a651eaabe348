#include "help.h"

namespace wsl::cli {

namespace {

struct VerbHelp {
    const char* verb;
    const char* synopsis; // after "wsl "
    const char* body;     // indented 8 in the full text, 4 in a verb's own help
};

// In the order `wsl --help` lists them.
constexpr VerbHelp kVerbs[] = {
    {"--export", "--export <Distro> <FileName> [--format tar|tar.gz|tar.xz|tar.zst]",
     "Export the distribution to a tar file ('-' for standard output). Without --format,\n"
     "the file name's suffix chooses the format (default tar)."},
    {"--import", "--import <Distro> <InstallLocation> <FileName> [--version 1|2]",
     "Import a tar file (tar, tar.gz, tar.xz, tar.bz2 or tar.zst; '-' for standard input)\n"
     "as a new distribution stored in InstallLocation ('' for the service's own storage)."},
    {"--install", "--install [Distro] [Options...]",
     "Install a distribution from the catalog ('wsl --list --online'), or without Distro\n"
     "the catalog's default, then open a shell in it.\n"
     "--distribution, -d <Distro>  Another way to name the distribution.\n"
     "--name <Name>                Register it under this name.\n"
     "--location, -l <Location>    Store it in this directory.\n"
     "--from-file, -f <File>       Install a local .wsl file ('-' for standard input).\n"
     "--no-launch, -n              Do not open a shell afterwards.\n"
     "--version 1|2                Its version.\n"
     "--no-distribution            Install no distribution (nothing else needs installing).\n"
     "--web-download, --pre-release, --prompt-before-exit, --enable-wsl1\n"
     "                             Accepted for wsl.exe scripts; they change nothing here."},
    {"--list", "--list, -l [Options]",
     "List your distributions.\n"
     "--all, -a               Include distributions being installed or uninstalled.\n"
     "--running               Only running distributions.\n"
     "--quiet, -q             Names only.\n"
     "--verbose, -v           Names, states and versions.\n"
     "--online, -o            The distributions that 'wsl --install' can install.\n"
     "--offline               With --online: the built-in and cached lists, no network.\n"
     "--format text|json      json prints one JSON object (schema in wsl(1))."},
    {"--manage", "--manage <Distro> <Option>",
     "Change a distribution's settings.\n"
     "--move, -m <Location>   Move the distribution's storage to Location.\n"
     "--rename <NewName>      Rename the distribution.\n"
     "--set-default-user <UserName>\n"
     "                        Make UserName (looked up inside) the default user."},
    {"--mount", "--mount <Disk> [Options]",
     "Attach a disk to the version 2 virtual machine: not available until version 2."},
    {"--set-default", "--set-default, -s <Distro>",
     "Make the distribution the default (--setdefault is accepted too)."},
    {"--set-default-version", "--set-default-version <Version>",
     "Version (1 or 2) for new distributions."},
    {"--set-version", "--set-version <Distro> <Version>",
     "Convert the distribution to version 1 or 2 (version 2 comes in a later release)."},
    {"--shutdown", "--shutdown [--force]", "Stop all of your running distributions."},
    {"--status", "--status [--format text|json]", "Show the default distribution and version."},
    {"--terminate", "--terminate, -t <Distro>", "Stop the distribution and every process in it."},
    {"--uninstall", "--uninstall", "Say how to remove wsl for Linux (its package)."},
    {"--unmount", "--unmount [Disk]", "Detach a disk: not available until version 2."},
    {"--unregister", "--unregister <Distro>", "Unregister the distribution and delete its files."},
    {"--update", "--update [Options]",
     "Say how wsl for Linux is updated (its package); exits 0.\n"
     "--pre-release, --web-download, --confirm, --prompt-before-exit\n"
     "                        Accepted for wsl.exe scripts; they change nothing here."},
    {"--version", "--version, -v", "Show version information."},
    {"--debug-shell", "--debug-shell",
     "Open a shell in the version 2 virtual machine: not available until version 2."},
    {"--help", "--help [Verb]", "Show this text, or one verb's (also: wsl <Verb> --help)."},
};

std::string indented(const char* text, const std::string& pad) {
    std::string out = pad;
    for (const char* p = text; *p; ++p) {
        out += *p;
        if (*p == '\n')
            out += pad;
    }
    return out + "\n";
}

} // namespace

std::string usage_text() {
    std::string out = R"(Usage: wsl [Argument] [Options...] [CommandLine]

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
)";
    for (const auto& v : kVerbs)
        out += indented(v.synopsis, "    ") + indented(v.body, "        ") + "\n";
    out.pop_back();
    return out;
}

std::string verb_help(const std::string& verb) {
    for (const auto& v : kVerbs)
        if (verb == v.verb)
            return std::string("Usage: wsl ") + v.synopsis + "\n\n" + indented(v.body, "    ");
    return "";
}

} // namespace wsl::cli
