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
    Install,
    Update,    // says how this tool is updated (a package)
    Uninstall, // says how it is removed
    NeedsWsl2  // --mount, --unmount, --debug-shell: refused until version 2 exists
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
    bool no_distribution = false; // --install --no-distribution: nothing to install here
    std::string verb_spelling;    // NeedsWsl2: the option as typed
};

// A command line that does not parse, printed in the form wsl.exe prints that case.
struct UsageError : std::runtime_error {
    // The usage text (message ignored).
    static UsageError usage_text() { return {"", true, false, ""}; }
    // wsl.exe's "Invalid command line argument" and "requires a value" forms: the message,
    // "Please use 'wsl --help' ...", then the error code line.
    static UsageError with_hint(const std::string& m) { return {m, false, true, "E_INVALIDARG"}; }
    // The message, then `Error code: Wsl/<code>`.
    static UsageError coded(const std::string& m, const std::string& code = "E_INVALIDARG") {
        return {m, false, false, code};
    }
    // The message alone, as wsl.exe prints it for this case.
    static UsageError bare(const std::string& m) { return {m, false, false, ""}; }

    bool usage;       // print the usage text instead of a message
    bool hint;        // add "Please use 'wsl --help' ..."
    std::string code; // "" for no error code line

private:
    UsageError(const std::string& m, bool u, bool h, std::string c)
        : std::runtime_error(m), usage(u), hint(h), code(std::move(c)) {}
};

Invocation parse(const std::vector<std::string>& args);

// A verb's canonical spelling (-l -> --list), or "" when `arg` is not a verb.
std::string canonical_verb(const std::string& arg);

bool json_output(const Invocation& inv);

} // namespace wsl::cli
