#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsl::cli {

enum class Verb {
    Run,
    Help,
    Version,
    Status,
    List,
    Import,
    Export,
    Unregister,
    SetDefault,
    SetDefaultVersion,
    SetVersion,
    Manage,
    Terminate,
    Shutdown,
    Install
};

// One parsed command line, in wsl.exe's grammar.
struct Invocation {
    Verb verb = Verb::Run;
    // Run options (ignored by management verbs).
    std::optional<std::string> distro, distro_id, user, cwd, shell_type;
    bool home = false;
    bool exec = false;                // -e: argv as is, no shell
    std::vector<std::string> command; // empty: login shell
    // --list
    bool all = false, running = false, quiet = false, verbose = false, online = false;
    bool offline = false; // --online from the built-in list and caches only
    bool force = false;   // --shutdown --force
    // verbs with operands
    std::vector<std::string> operands;
    std::optional<std::string> format; // --export: tar...; --list/--status: text or json
    std::string help_topic;            // --help: the verb asked about ("" for all)
    std::optional<int> version;
    std::string manage_action; // move, rename, set-default-user, resize, set-sparse
    std::string manage_value;
    // --install [Distro] (operands[0] when given)
    std::optional<std::string> install_name, location, from_file;
    bool no_launch = false;
};

// A command line that does not parse. usage: print the help text after the message.
struct UsageError : std::runtime_error {
    UsageError(const std::string& m, bool usage_text = false)
        : std::runtime_error(m), usage(usage_text) {}
    bool usage;
};

Invocation parse(const std::vector<std::string>& args);

// A verb's canonical spelling (-l -> --list), or "" when `arg` is not a verb.
std::string canonical_verb(const std::string& arg);

bool json_output(const Invocation& inv);

} // namespace wsl::cli
