#include <doctest/doctest.h>

#include <cstdlib>

#include "args.h"

using namespace wsl::cli;

static Invocation P(std::vector<std::string> a) {
    return parse(a);
}

TEST_CASE("no arguments runs the default shell") {
    auto inv = P({});
    CHECK(inv.verb == Verb::Run);
    CHECK(inv.command.empty());
}

TEST_CASE("run options accumulate and -- starts a shell command") {
    auto inv = P({"-d", "Debian", "-u", "root", "--cd", "/tmp", "--", "echo", "$HOME"});
    CHECK(inv.verb == Verb::Run);
    CHECK(*inv.distro == "Debian");
    CHECK(*inv.user == "root");
    CHECK(*inv.cwd == "/tmp");
    CHECK(!inv.exec);
    CHECK(inv.command == std::vector<std::string>{"echo", "$HOME"});
}

TEST_CASE("-e execs the rest and the first bare word starts a command") {
    auto e = P({"-e", "ls", "-l"});
    CHECK(e.exec);
    CHECK(e.command == std::vector<std::string>{"ls", "-l"});
    auto bare = P({"ls", "-l", "--list"});
    CHECK(!bare.exec);
    CHECK(bare.command == std::vector<std::string>{"ls", "-l", "--list"});
}

TEST_CASE("~ is special only in first position") {
    CHECK(P({"~"}).home);
    auto later = P({"-d", "X", "~"});
    CHECK(!later.home);
    CHECK(later.command == std::vector<std::string>{"~"});
}

TEST_CASE("the caller's $HOME in first position is ~, as bash turns `wsl ~` into it") {
    const char* saved = std::getenv("HOME");
    std::string keep = saved ? saved : "";
    ::setenv("HOME", "/home/me", 1);
    auto home = P({"/home/me", "-d", "X"});
    CHECK(home.home);
    CHECK(home.distro == "X");
    CHECK(home.command.empty());
    CHECK(P({"/home/me/"}).home);
    auto later = P({"-d", "X", "/home/me"});
    CHECK(!later.home);
    CHECK(later.command == std::vector<std::string>{"/home/me"});
    CHECK(P({"/home/mex"}).command == std::vector<std::string>{"/home/mex"});
    ::setenv("HOME", "/", 1);
    CHECK(P({"/"}).command == std::vector<std::string>{"/"}); // a home of / means nothing
    if (saved)
        ::setenv("HOME", keep.c_str(), 1);
    else
        ::unsetenv("HOME");
}

TEST_CASE("a verb ignores run options before it") {
    auto inv = P({"-u", "root", "-l"});
    CHECK(inv.verb == Verb::List);
    CHECK(!inv.user);
}

TEST_CASE("-v is version alone and verbose after -l") {
    CHECK(P({"-v"}).verb == Verb::Version);
    auto l = P({"-l", "-v"});
    CHECK(l.verb == Verb::List);
    CHECK(l.verbose);
}

TEST_CASE("list option conflicts print usage") {
    for (auto bad : std::vector<std::vector<std::string>>{{"-l", "-q", "-v"},
                                                          {"-l", "--all", "--running"},
                                                          {"-l", "-o", "-v"},
                                                          {"-l", "-o", "--all"},
                                                          {"-l", "--offline"},
                                                          {"-l", "-q", "--offline"}}) {
        try {
            P(bad);
            FAIL("expected a usage error");
        } catch (const UsageError& e) {
            CHECK(e.usage);
        }
    }
}

TEST_CASE("errors use wsl.exe's texts") {
    CHECK_THROWS_WITH_AS(P({"--bogus"}), "Invalid command line argument: --bogus", UsageError);
    CHECK_THROWS_WITH_AS(P({"-d"}), "Argument --distribution is missing a required parameter.",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"-u"}), "Argument --user is missing a required parameter.", UsageError);
    CHECK_THROWS_WITH_AS(P({"--cd"}), "Command line argument --cd requires a value.", UsageError);
    CHECK_THROWS_WITH_AS(P({"-s"}), "Argument --set-default is missing a required parameter.",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"-t"}), "Argument --terminate is missing a required parameter.",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"-d", "a", "-d", "b"}), "The distribution name has already been set.",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"--import", "X", "dir"}),
                         "Argument --import is missing a required parameter.", UsageError);
    CHECK_THROWS_WITH_AS(P({"--import", "X", "dir", "f", "--version"}),
                         "Command line argument --version requires a value.", UsageError);
    CHECK_THROWS_WITH_AS(P({"--import", "X", "dir", "f", "--version", "3"}),
                         "A version number could not be parsed.", UsageError);
    try {
        P({"--set-default-version", "abc"});
        FAIL("expected a usage error");
    } catch (const UsageError& e) {
        CHECK(e.code == "ERROR_VERSION_PARSE_ERROR");
        CHECK_FALSE(e.hint);
    }
    CHECK_THROWS_WITH_AS(P({"--export", "X", "f", "--format", "zip"}),
                         "Invalid command line argument: zip", UsageError);
    CHECK_THROWS_WITH_AS(P({"--unregister", "a", "b"}), "Invalid command line argument: b",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"--manage", "X", "--move", "d", "--rename", "Y"}),
                         "Arguments --move and --rename can't be specified at same time.",
                         UsageError);
}

TEST_CASE("import and export operands and options") {
    auto i = P({"--import", "Deb", "/d", "-", "--version", "1"});
    CHECK(i.verb == Verb::Import);
    CHECK(i.operands == std::vector<std::string>{"Deb", "/d", "-"});
    CHECK(*i.version == 1);
    auto e = P({"--export", "Deb", "out.tar", "--format", "tar.zst"});
    CHECK(e.verb == Verb::Export);
    CHECK(*e.format == "tar.zst");
    auto m = P({"--manage", "Deb", "-m", "/x"});
    CHECK(m.manage_action == "move");
    CHECK(m.manage_value == "/x");
    CHECK(P({"--set-default-version", "2"}).version == 2);
}

TEST_CASE("terminate, shutdown and set-default-user") {
    auto t = P({"-t", "Deb"});
    CHECK(t.verb == Verb::Terminate);
    CHECK(t.operands == std::vector<std::string>{"Deb"});
    CHECK(P({"--terminate", "Deb"}).verb == Verb::Terminate);
    CHECK_THROWS_AS(P({"--terminate"}), UsageError);
    CHECK_THROWS_AS(P({"--terminate", "a", "b"}), UsageError);
    auto s = P({"--shutdown"});
    CHECK(s.verb == Verb::Shutdown);
    CHECK(!s.force);
    CHECK(P({"--shutdown", "--force"}).force);
    CHECK_THROWS_AS(P({"--shutdown", "--bogus"}), UsageError);
    auto u = P({"--manage", "Deb", "--set-default-user", "alice"});
    CHECK(u.manage_action == "set-default-user");
    CHECK(u.manage_value == "alice");
}

TEST_CASE("--format json for --list (--online too) and --status") {
    auto l = P({"-l", "-v", "--format", "json"});
    CHECK(l.verb == Verb::List);
    CHECK(json_output(l));
    CHECK(l.verbose);
    CHECK(json_output(P({"--list", "--running", "--format", "json"})));
    CHECK(!json_output(P({"-l", "--format", "text"})));
    CHECK(!json_output(P({"-l"})));
    auto o = P({"-l", "-o", "-q", "--offline", "--format", "json"});
    CHECK(o.online);
    CHECK(o.quiet);
    CHECK(o.offline);
    CHECK(json_output(o));
    auto s = P({"--status", "--format", "json"});
    CHECK(s.verb == Verb::Status);
    CHECK(json_output(s));
    CHECK_THROWS_WITH_AS(P({"--status", "--format", "yaml"}), "Invalid command line argument: yaml",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"-l", "--format"}), "Command line argument --format requires a value.",
                         UsageError);
    CHECK_THROWS_AS(P({"--status", "extra"}), UsageError);
}

TEST_CASE("VERB --help and --help VERB ask about the verb") {
    for (auto [args, topic] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"-l", "--help"}, "--list"},
             {{"--import", "--help"}, "--import"},
             {{"--import", "a", "--help"}, "--import"}, // before the operands are complete
             {{"-t", "--help"}, "--terminate"},
             {{"-u", "root", "--manage", "--help"}, "--manage"},
             {{"--help", "--install"}, "--install"},
             {{"--help", "-s"}, "--set-default"},
             {{"--help"}, ""}}) {
        auto inv = P(args);
        CHECK(inv.verb == Verb::Help);
        CHECK(inv.help_topic == topic);
    }
    CHECK_THROWS_WITH_AS(P({"--help", "--bogus"}), "Invalid command line argument: --bogus",
                         UsageError);
    // After -- or -e, --help belongs to the command.
    auto run = P({"--", "ls", "--help"});
    CHECK(run.verb == Verb::Run);
    CHECK(run.command == std::vector<std::string>{"ls", "--help"});
    CHECK(canonical_verb("-l") == "--list");
    CHECK(canonical_verb("-x").empty());
}

TEST_CASE("--distribution-id takes a GUID in any case, bare or in braces") {
    const std::string g = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    CHECK(*P({"--distribution-id", g}).distro_id == g);
    CHECK(*P({"--distribution-id", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"}).distro_id == g);
    CHECK(*P({"--distribution-id", "{" + g + "}"}).distro_id == g);
    for (const std::string& bad : std::vector<std::string>{
             "", "{" + g, g + "}", g.substr(1), "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
             "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g", "{{" + g + "}}"})
        CHECK_THROWS_WITH_AS(P({"--distribution-id", bad}),
                             ("Invalid GUID format: '" + bad + "'").c_str(), UsageError);
    CHECK_THROWS_WITH_AS(P({"--distribution-id"}),
                         "Argument --distribution-id is missing a required parameter.", UsageError);
}

TEST_CASE("wsl.exe's other verbs and install flags are recognised") {
    CHECK(P({"--setdefault", "Deb"}).verb == Verb::SetDefault);
    CHECK(P({"--setdefault", "Deb"}).operands == std::vector<std::string>{"Deb"});
    CHECK(P({"--update"}).verb == Verb::Update);
    CHECK(P({"--update", "--pre-release", "--web-download", "--confirm", "--prompt-before-exit"})
              .verb == Verb::Update);
    CHECK_THROWS_WITH_AS(P({"--update", "--bogus"}), "Invalid command line argument: --bogus",
                         UsageError);
    CHECK(P({"--uninstall"}).verb == Verb::Uninstall);
    CHECK_THROWS_WITH_AS(P({"--uninstall", "Deb"}),
                         "--uninstall does not take any arguments. To unregister a distribution, "
                         "use --unregister instead.",
                         UsageError);
    for (const char* v : {"--mount", "--unmount", "--debug-shell"}) {
        auto inv = P({v, "/dev/sdb", "--bare"});
        CHECK(inv.verb == Verb::NeedsWsl2);
        CHECK(inv.verb_spelling == v);
    }
    auto i = P({"--install", "Debian", "--pre-release", "--prompt-before-exit", "--enable-wsl1",
                "--web-download"});
    CHECK(i.verb == Verb::Install);
    CHECK(i.operands == std::vector<std::string>{"Debian"});
    CHECK(P({"--install", "--no-distribution"}).no_distribution);
    CHECK_THROWS_WITH_AS(P({"--install", "Debian", "--no-distribution"}),
                         "Arguments --no-distribution and --distribution can't be specified at "
                         "same time.",
                         UsageError);
    CHECK_THROWS_WITH_AS(P({"--install", "--fixed-vhd"}),
                         "Argument --fixed-vhd requires the --vhd-size argument.", UsageError);
    CHECK_THROWS_WITH_AS(P({"--install", "-f", "x.wsl", "-d", "Debian"}),
                         "Arguments --from-file and --distribution can't be specified at same "
                         "time.",
                         UsageError);
    CHECK_THROWS_AS(P({"--install", "Debian", "--legacy"}), UsageError);
    CHECK(canonical_verb("--setdefault") == "--set-default");
}
