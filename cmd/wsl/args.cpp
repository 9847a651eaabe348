#include "args.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

namespace wsl::cli {

namespace {

struct Option {
    const char* name;
    const char* alias; // may be null
    bool value;
};

[[noreturn]] void invalid(const std::string& arg) {
    throw UsageError::with_hint("Invalid command line argument: " + arg);
}

[[noreturn]] void needs_value(const std::string& arg) {
    throw UsageError::with_hint(fmt::format("Command line argument {} requires a value.", arg));
}

// wsl.exe's words for an argument that lacks its parameter (it names the long form).
[[noreturn]] void missing_parameter(const std::string& long_name) {
    throw UsageError::bare(fmt::format("Argument {} is missing a required parameter.", long_name));
}

[[noreturn]] void not_together(const std::string& a, const std::string& b) {
    throw UsageError::coded(
        fmt::format("Arguments {} and {} can't be specified at same time.", a, b));
}

// Parses what follows a verb: `count` operands and the verb's own options, in any order.
// Returns option name -> value ("" for flags).
std::vector<std::pair<std::string, std::string>>
verb_args(const std::string& verb, const std::vector<std::string>& rest, size_t count,
          std::initializer_list<Option> options, std::vector<std::string>& operands,
          bool optional_operands = false) {
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < rest.size(); ++i) {
        const std::string& a = rest[i];
        const Option* match = nullptr;
        for (const auto& o : options)
            if (a == o.name || (o.alias && a == o.alias))
                match = &o;
        if (match) {
            if (match->value) {
                if (i + 1 >= rest.size())
                    needs_value(a);
                out.emplace_back(match->name, rest[++i]);
            } else {
                out.emplace_back(match->name, "");
            }
        } else if (operands.size() < count && (a.empty() || a[0] != '-' || a == "-")) {
            operands.push_back(a);
        } else {
            invalid(a);
        }
    }
    if (operands.size() < count && !optional_operands)
        missing_parameter(canonical_verb(verb));
    return out;
}

std::string text_format(const std::string& v) {
    if (v != "text" && v != "json")
        invalid(v);
    return v;
}

int version_value(const std::string& v) {
    if (v == "1")
        return 1;
    if (v == "2")
        return 2;
    // wsl.exe's code for any version that is not 1 or 2, with the system's text for it.
    throw UsageError::coded("A version number could not be parsed.", "ERROR_VERSION_PARSE_ERROR");
}

// A GUID in any case, bare or in braces, as the registry spells it (lowercase, bare).
std::string guid_value(const std::string& v) {
    std::string g = v;
    if (g.size() == 38 && g.front() == '{' && g.back() == '}')
        g = g.substr(1, 36);
    bool ok = g.size() == 36;
    for (size_t i = 0; ok && i < g.size(); ++i) {
        char& c = g[i];
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ok = c == '-';
        else if (std::isxdigit(static_cast<unsigned char>(c)))
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else
            ok = false;
    }
    if (!ok)
        throw UsageError::coded(
            fmt::format("Invalid GUID format: '{}'", v.size() > 64 ? v.substr(0, 64) + "..." : v));
    return g;
}

void parse_verb(Invocation& inv, const std::string& verb, const std::vector<std::string>& rest) {
    auto& ops = inv.operands;
    if (verb == "-l" || verb == "--list") {
        inv.verb = Verb::List;
        for (auto& [k, v] : verb_args(verb, rest, 0,
                                      {{"--all", "-a", false},
                                       {"--running", nullptr, false},
                                       {"--quiet", "-q", false},
                                       {"--verbose", "-v", false},
                                       {"--online", "-o", false},
                                       {"--offline", nullptr, false},
                                       {"--format", nullptr, true}},
                                      ops)) {
            if (k == "--format") {
                inv.format = text_format(v);
                continue;
            }
            (k == "--all"       ? inv.all
             : k == "--running" ? inv.running
             : k == "--quiet"   ? inv.quiet
             : k == "--verbose" ? inv.verbose
             : k == "--online"  ? inv.online
                                : inv.offline) = true;
        }
        // Here -o takes -q (names only, for scripts and completion); wsl.exe refuses it.
        if ((inv.quiet && inv.verbose) || (inv.all && inv.running) ||
            (inv.online && (inv.verbose || inv.all || inv.running)) || (inv.offline && !inv.online))
            throw UsageError::usage_text();
    } else if (verb == "--import") {
        inv.verb = Verb::Import;
        for (auto& [k, v] : verb_args(
                 verb, rest, 3, {{"--version", nullptr, true}, {"--vhd", nullptr, false}}, ops)) {
            if (k == "--version")
                inv.version = version_value(v);
            else
                throw UsageError::coded("Importing a disk image (--vhd) is not available yet: it "
                                        "comes with version 2 distributions.");
        }
    } else if (verb == "--export") {
        inv.verb = Verb::Export;
        for (auto& [k, v] : verb_args(
                 verb, rest, 2, {{"--format", nullptr, true}, {"--vhd", nullptr, false}}, ops)) {
            if (k == "--vhd")
                throw UsageError::coded("Exporting a disk image (--vhd) is not available yet: it "
                                        "comes with version 2 distributions.");
            if (v != "tar" && v != "tar.gz" && v != "tar.xz" && v != "tar.zst")
                invalid(v);
            inv.format = v;
        }
    } else if (verb == "--install") {
        inv.verb = Verb::Install;
        bool fixed_vhd = false, vhd_size = false, legacy = false;
        for (auto& [k, v] : verb_args(verb, rest, 1,
                                      {{"--distribution", "-d", true},
                                       {"--name", nullptr, true},
                                       {"--location", "-l", true},
                                       {"--from-file", "-f", true},
                                       {"--no-launch", "-n", false},
                                       {"--version", nullptr, true},
                                       {"--vhd-size", nullptr, true},
                                       {"--fixed-vhd", nullptr, false},
                                       {"--web-download", nullptr, false},
                                       {"--no-distribution", nullptr, false},
                                       {"--enable-wsl1", nullptr, false},
                                       {"--legacy", nullptr, false},
                                       {"--pre-release", nullptr, false},
                                       {"--prompt-before-exit", nullptr, false}},
                                      ops, true)) {
            if (k == "--distribution") {
                if (!ops.empty())
                    throw UsageError::bare("The distribution name has already been set.");
                ops.push_back(v);
            } else if (k == "--name") {
                inv.install_name = v;
            } else if (k == "--location") {
                inv.location = v;
            } else if (k == "--from-file") {
                inv.from_file = v;
            } else if (k == "--no-launch") {
                inv.no_launch = true;
            } else if (k == "--version") {
                inv.version = version_value(v);
            } else if (k == "--vhd-size") {
                vhd_size = true;
            } else if (k == "--fixed-vhd") {
                fixed_vhd = true;
            } else if (k == "--no-distribution") {
                inv.no_distribution = true;
            } else if (k == "--legacy") {
                legacy = true;
            }
            // --web-download: downloads are always direct here. --enable-wsl1: version 1 needs
            // nothing enabled. --pre-release, --prompt-before-exit: wsl.exe ignores the first
            // for distributions and only pauses a console window it opened for the second.
        }
        // wsl.exe's checks, in its order.
        if (inv.no_distribution && !ops.empty())
            not_together("--no-distribution", "--distribution");
        if (fixed_vhd && !vhd_size)
            throw UsageError::coded("Argument --fixed-vhd requires the --vhd-size argument.");
        if (inv.from_file && !ops.empty())
            not_together("--from-file", "--distribution");
        if (vhd_size)
            throw UsageError::coded(
                "--vhd-size is not available yet: it comes with version 2 distributions.");
        if (legacy)
            throw UsageError::coded("--legacy installs a distribution's Microsoft Store package, "
                                    "which has no counterpart here; install without --legacy.",
                                    "E_NOTIMPL");
    } else if (verb == "--terminate" || verb == "-t") {
        inv.verb = Verb::Terminate;
        verb_args(verb, rest, 1, {}, ops);
    } else if (verb == "--shutdown") {
        inv.verb = Verb::Shutdown;
        inv.force = !verb_args(verb, rest, 0, {{"--force", nullptr, false}}, ops).empty();
    } else if (verb == "--unregister" || verb == "-s" || verb == "--set-default" ||
               verb == "--setdefault") {
        inv.verb = verb == "--unregister" ? Verb::Unregister : Verb::SetDefault;
        verb_args(verb, rest, 1, {}, ops);
    } else if (verb == "--update") {
        inv.verb = Verb::Update; // wsl.exe's options, accepted and meaningless here
        verb_args(verb, rest, 0,
                  {{"--pre-release", nullptr, false},
                   {"--web-download", nullptr, false},
                   {"--confirm", nullptr, false},
                   {"--prompt-before-exit", nullptr, false}},
                  ops);
    } else if (verb == "--uninstall") {
        inv.verb = Verb::Uninstall;
        if (!rest.empty())
            throw UsageError::bare("--uninstall does not take any arguments. To unregister a "
                                   "distribution, use --unregister instead.");
    } else if (verb == "--mount" || verb == "--unmount" || verb == "--debug-shell") {
        // Their arguments are not parsed: whatever they are, the answer is the same.
        inv.verb = Verb::NeedsWsl2;
        inv.verb_spelling = verb;
    } else if (verb == "--set-default-version") {
        inv.verb = Verb::SetDefaultVersion;
        verb_args(verb, rest, 1, {}, ops);
        inv.version = version_value(ops[0]);
    } else if (verb == "--set-version") {
        inv.verb = Verb::SetVersion;
        verb_args(verb, rest, 2, {}, ops);
        inv.version = version_value(ops[1]);
    } else if (verb == "--status") {
        inv.verb = Verb::Status;
        for (auto& [k, v] : verb_args(verb, rest, 0, {{"--format", nullptr, true}}, ops))
            inv.format = text_format(v);
    } else if (verb == "-v" || verb == "--version") {
        inv.verb = Verb::Version;
        verb_args(verb, rest, 0, {}, ops);
    } else if (verb == "--help") {
        inv.verb = Verb::Help;
        if (!rest.empty())
            inv.help_topic = canonical_verb(rest[0]);
        if (rest.size() > 1 || (!rest.empty() && inv.help_topic.empty()))
            invalid(rest.back());
    } else if (verb == "--manage") {
        inv.verb = Verb::Manage;
        auto opts = verb_args(verb, rest, 1,
                              {{"--move", "-m", true},
                               {"--rename", nullptr, true},
                               {"--set-default-user", nullptr, true},
                               {"--resize", "-r", true},
                               {"--set-sparse", "-s", true}},
                              ops);
        if (opts.empty())
            throw UsageError::usage_text();
        if (opts.size() > 1)
            not_together(opts[0].first, opts[1].first);
        inv.manage_action = opts[0].first.substr(2);
        inv.manage_value = opts[0].second;
    }
}

} // namespace

std::string canonical_verb(const std::string& a) {
    static const std::pair<const char*, const char*> verbs[] = {
        {"-l", "--list"},
        {"--list", "--list"},
        {"--import", "--import"},
        {"--setdefault", "--set-default"},
        {"--update", "--update"},
        {"--uninstall", "--uninstall"},
        {"--mount", "--mount"},
        {"--unmount", "--unmount"},
        {"--debug-shell", "--debug-shell"},
        {"--export", "--export"},
        {"--unregister", "--unregister"},
        {"-s", "--set-default"},
        {"--set-default", "--set-default"},
        {"--set-default-version", "--set-default-version"},
        {"--set-version", "--set-version"},
        {"--status", "--status"},
        {"-v", "--version"},
        {"--version", "--version"},
        {"--help", "--help"},
        {"--manage", "--manage"},
        {"-t", "--terminate"},
        {"--terminate", "--terminate"},
        {"--shutdown", "--shutdown"},
        {"--install", "--install"}};
    for (const auto& [spelling, verb] : verbs)
        if (a == spelling)
            return verb;
    return "";
}

bool json_output(const Invocation& inv) {
    return inv.format && *inv.format == "json";
}

// `wsl ~` typed in a shell arrives as `wsl $HOME`: in wsl.exe's place for `~`, that is
// what the person meant (the host's home is no command).
static bool is_home(const std::string& a) {
    const char* home = std::getenv("HOME");
    std::string h = home ? home : "";
    while (h.size() > 1 && h.back() == '/')
        h.pop_back();
    return h.size() > 1 && (a == h || a == h + "/");
}

Invocation parse(const std::vector<std::string>& args) {
    Invocation inv;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size())
                needs_value(a);
            return args[++i];
        };
        // wsl.exe's words for these options' missing values: "Argument --user is missing ...".
        auto parameter = [&](const char* long_name) -> std::string {
            if (i + 1 >= args.size())
                missing_parameter(long_name);
            return args[++i];
        };
        if (a == "-d" || a == "--distribution") {
            if (inv.distro)
                throw UsageError::bare("The distribution name has already been set.");
            inv.distro = parameter("--distribution");
        } else if (a == "--distribution-id") {
            inv.distro_id = guid_value(parameter("--distribution-id"));
        } else if (a == "-u" || a == "--user") {
            inv.user = parameter("--user");
        } else if (a == "--cd") {
            inv.cwd = value();
        } else if (a == "--shell-type") {
            std::string v = parameter("--shell-type");
            if (v != "standard" && v != "login" && v != "none")
                invalid(v);
            inv.shell_type = v;
        } else if (i == 0 && (a == "~" || is_home(a))) {
            inv.home = true;
        } else if (a == "--") {
            inv.command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
            return inv;
        } else if (a == "-e" || a == "--exec") {
            if (i + 1 >= args.size())
                needs_value(a);
            inv.exec = true;
            inv.command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
            return inv;
        } else if (std::string verb = canonical_verb(a); !verb.empty()) {
            // A verb ignores the run options seen before it. `wsl VERB ... --help` asks
            // about the verb, wherever --help stands.
            Invocation verb_inv;
            std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
            if (verb != "--help" && std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
                verb_inv.verb = Verb::Help;
                verb_inv.help_topic = verb;
            } else {
                parse_verb(verb_inv, a, rest);
            }
            return verb_inv;
        } else if (!a.empty() && a[0] == '-') {
            invalid(a);
        } else {
            inv.command.assign(args.begin() + static_cast<long>(i), args.end());
            return inv;
        }
    }
    return inv;
}

} // namespace wsl::cli
