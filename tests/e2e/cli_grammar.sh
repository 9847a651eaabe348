#!/usr/bin/env bash
# The wsl.exe command-line grammar: usage errors and their messages, missing values, list
# option combinations, --help / --version, run options before a verb, error-code lines, the
# empty-list behaviour and commands that are not built yet. Exit codes: 0 or 255.
source "$(dirname "$0")/lib.sh"

start_service

# missing_value_re OPT: either of wsl.exe's two messages for an option lacking its value.
missing_value_re() {
    local o=${1//./\\.}
    echo "(Command line argument $o requires a value\.|Argument $o is missing a required parameter\.)"
}

# ---------------------------------------------------------------------------------------
# with no distribution registered

expect_fail "wsl -l with nothing installed exits 255" "" wsl -l
assert_imatch "wsl -l with nothing installed prints the no-distributions help" "$OUT$ERR" \
    "no installed distributions"
expect_ok "wsl -l -q with nothing installed exits 0" wsl -l -q
assert_eq "  ...and prints nothing" "" "$OUT"
expect_fail "wsl -l --running with nothing running exits 255" "" wsl -l --running
assert_contains "  ...saying so" "$OUT$ERR" "There are no running distributions."
expect_ok "wsl -l --running -q with nothing running exits 0" wsl -l --running -q
assert_eq "  ...and prints nothing" "" "$OUT"

# ---------------------------------------------------------------------------------------
# unknown options

for opt in --bogus -x --LIST --Import -L; do
    expect_fail "unknown option $opt exits 255" "" wsl "$opt"
    assert_contains "  ...names it" "$ERR" "Invalid command line argument: $opt"
    assert_contains "  ...points to wsl --help" "$ERR" \
        "Please use 'wsl --help' to get a list of supported arguments."
done
expect_fail "unknown option after a verb exits 255" "" wsl --list --bogus
assert_contains "  ...names it" "$OUT$ERR" "--bogus"
expect_fail "unknown option after --import's arguments" "" wsl --import a "$T/x" "$T/y" --bogus
assert_contains "  ...names it" "$OUT$ERR" "--bogus"

# ---------------------------------------------------------------------------------------
# missing values and parameters

for opt in -d:--distribution --distribution:--distribution -u:--user --user:--user; do
    expect_fail "${opt%%:*} without a value exits 255" "" wsl "${opt%%:*}"
    assert_eq "  ...with wsl.exe's message, naming the long form" \
        "Argument ${opt#*:} is missing a required parameter." "$ERR"
done
expect_fail "--cd without a value exits 255" "" wsl --cd
assert_contains "  ...with a requires-a-value message" "$ERR" "Command line argument --cd requires a value."

for args in "--import" "--import onlyname" "--import name $T/loc" "--export" "--export onlyname" \
    "--unregister" "--set-default" "-s" "--set-default-version" "--manage"; do
    # shellcheck disable=SC2086
    set -- $args
    expect_fail "wsl $args (missing parameter) exits 255" "" wsl "$@"
    long=$1
    [[ $1 == -s ]] && long=--set-default
    assert_match "  ...with a missing-parameter message naming $long" "$ERR" "$(missing_value_re "$long")"
done
assert_absent "a failed --import did not create its location" "$T/loc"

expect_fail "--manage NAME without an action exits 255" "" wsl --manage whatever
assert_ne "  ...and says something" "" "$OUT$ERR"
for opt in --move -m --rename; do
    expect_fail "--manage NAME $opt without a value exits 255" "" wsl --manage whatever "$opt"
    assert_match "  ...with a missing-value message" "$ERR" "$(missing_value_re "$opt")"
done
expect_fail "--manage with two actions exits 255" "" wsl --manage x --move "$T/m" --rename y
assert_ne "  ...and says something" "" "$OUT$ERR"

expect_fail "second -d is refused" "" wsl -d a -d b -- true
assert_contains "  ...with wsl.exe's message" "$ERR" "The distribution name has already been set."

expect_fail "--set-default-version 3 exits 255" "" wsl --set-default-version 3
expect_fail "--set-default-version abc exits 255" "" wsl --set-default-version abc
expect_fail "--import --version 3 exits 255" "" wsl --import v3 "$T/v3loc" "$T/none.tar" --version 3
expect_fail "--import --version without a value exits 255" "" wsl --import v3 "$T/v3loc" "$T/none.tar" --version
expect_fail "--export --format zip exits 255" "" wsl --export x "$T/out.zip" --format zip
assert_absent "  ...and did not create the output file" "$T/out.zip"

# ---------------------------------------------------------------------------------------
# list option combinations (invalid ones print usage)

for combo in "-l -q -v" "-l --quiet --verbose" "-l --all --running" "-l -v -q"; do
    # shellcheck disable=SC2086
    expect_fail "wsl $combo is a usage error" "" wsl $combo
    assert_imatch "  ...showing usage" "$OUT$ERR" "usage|--list|Invalid command line"
done

# ---------------------------------------------------------------------------------------
# --help and --version

run wsl --help
assert_eq "wsl --help exits 255 (as wsl.exe)" 255 "$RC"
HELP="$OUT$ERR"
for word in --import --export --list --unregister --set-default --status --manage --help \
    --terminate --shutdown --set-default-user; do
    assert_contains "--help mentions $word" "$HELP" "$word"
done
assert_not_contains "--help shows wsl, not wsl.exe" "$HELP" "wsl.exe --help"

# wsl VERB --help (any spelling, anywhere after the verb) and wsl --help VERB: that verb's
# text alone, on stdout, exit 0, with every option the full text lists for it.
verb_section() { # the full text's lines for one verb, up to the next verb
    awk -v v="$1" '/^    --/ { on = ($1 == v || $1 == v ",") } on' <<<"$HELP"
}
for spelling in --list:-l --import --export --install --unregister --set-default:-s \
    --set-default-version --set-version --status --manage --terminate:-t --shutdown \
    --version:-v; do
    verb=${spelling%%:*}
    SECTION=$(verb_section "$verb")
    [[ -n $SECTION ]] || not_ok "--help has a section for $verb"
    for form in "$verb --help" "${spelling#*:} --help" "--help $verb"; do
        # shellcheck disable=SC2086
        run wsl $form
        if ((RC == 0)) && [[ -z $ERR && $OUT == "Usage: wsl $verb"* ]]; then
            ok "wsl $form prints its usage on stdout, exit 0"
        else
            not_ok "wsl $form prints its usage on stdout, exit 0" "$(cmd_report)"
        fi
    done
    missing=""
    for opt in $(grep -oE -- '(^|[ ,[])--?[a-z][a-z-]*' <<<"$SECTION" | sed 's/^[ ,[]//' | sort -u); do
        grep -qF -- "$opt" <<<"$OUT" || missing+=" $opt"
    done
    assert_eq "  ...$verb's help names all of its options" "" "$missing"
done
run wsl --import Foo --help
assert_eq "--help after some operands still asks about the verb" \
    "0:Usage: wsl --import <Distro> <InstallLocation> <FileName> [--version 1|2]" \
    "$RC:$(head -n 1 <<<"$OUT")"
run wsl -u root -d X --terminate --help
assert_eq "run options before a verb's --help are ignored" \
    "0:Usage: wsl --terminate, -t <Distro>" "$RC:$(head -n 1 <<<"$OUT")"
expect_fail "--help with something that is not a verb" "E_INVALIDARG" wsl --help --bogus

expect_ok "wsl --version exits 0" wsl --version
assert_imatch "  ...and prints a version" "$OUT" "version"
VERSION_OUT=$OUT
expect_ok "wsl -v alone means --version" wsl -v
assert_eq "  ...same output as --version" "$VERSION_OUT" "$OUT"

# ---------------------------------------------------------------------------------------
# a distribution to talk about

SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
expect_ok "import a small distro" wsl --import Grammar "$(fresh_dir loc)" "$SRC" ||
    die "cannot import; the rest depends on it"

expect_ok "wsl -l -v lists verbosely" wsl -l -v
assert_match "  ...with the NAME/STATE/VERSION header" "$OUT" "^  NAME +STATE +VERSION$"
assert_match "  ...and the distro as default" "$OUT" "^\* Grammar +Stopped +1$"
expect_ok "wsl -l --verbose lists verbosely" wsl -l --verbose
assert_match "  ...--verbose is -v" "$OUT" "^\* Grammar +Stopped +1$"
expect_ok "wsl --version is not affected by distros" wsl --version
assert_not_contains "  ...no list in --version output" "$OUT" "Grammar"

# Run options before a management verb are ignored (wsl -u root -l just lists).
expect_ok "wsl -u root -l -q lists" wsl -u root -l -q
assert_eq "  ...the distro" "Grammar" "$OUT"
expect_ok "wsl -d nosuch -l -q lists (verb wins)" wsl -d nosuch -l -q
assert_eq "  ...the distro" "Grammar" "$OUT"
expect_ok "long forms: --list --quiet" wsl --list --quiet
assert_eq "  ...same" "Grammar" "$OUT"
# Names match in any case, --set-version's too.
expect_fail "--set-version grammar 1: already that version" WSL_E_VM_MODE_INVALID_STATE \
    wsl --set-version grammar 1

# ---------------------------------------------------------------------------------------
# error-code lines

for args in "-s nosuch" "--set-default nosuch" "--unregister nosuch" "--manage nosuch --rename x" \
    "--manage nosuch --move $T/nosuchmove" "--export nosuch $T/nosuch.tar" \
    "--set-version nosuch 2"; do
    # shellcheck disable=SC2086
    expect_fail "wsl $args: distro not found" WSL_E_DISTRO_NOT_FOUND wsl $args
    assert_contains "  ...message" "$ERR" "There is no distribution with the supplied name."
    assert_match "  ...Error code line is wsl.exe's Wsl/Service/WSL_E_DISTRO_NOT_FOUND" "$ERR" \
        "^Error code: Wsl/Service/WSL_E_DISTRO_NOT_FOUND$"
    assert_eq "  ...Error code is the last line" "Error code:" "$(tail -n 1 <<<"$ERR" | cut -d' ' -f1-2)"
    assert_eq "  ...nothing on stdout" "" "$OUT"
done
assert_absent "failed export of an unknown distro left no output file" "$T/nosuch.tar"
assert_absent "failed move of an unknown distro created nothing" "$T/nosuchmove"

# ---------------------------------------------------------------------------------------
# the run forms reach the distro: shell mode joins words, -e execs, a bare word starts one

run wsl -d Grammar -- echo '$0' a b </dev/null
assert_eq "wsl -d X -- cmd runs through the shell" "/bin/sh a b" "$OUT"
run wsl -d Grammar -e echo '$0' a </dev/null
assert_eq "wsl -d X -e cmd runs without a shell" '$0 a' "$OUT"
run wsl --distribution Grammar echo one two </dev/null
assert_eq "wsl --distribution X cmd" "one two" "$OUT"
run wsl -- exit 3 </dev/null
assert_eq "wsl -- cmd uses the default distro and passes the status" 3 "$RC"
run wsl -u root -l
assert_eq "a verb ignores run options before it" "Grammar" "$(sed -n 2p <<<"$OUT" | sed 's/ (Default)//')"

expect_fail "wsl -d nosuch -- true" "" wsl -d nosuch -- true

# ---------------------------------------------------------------------------------------
# the registry was not disturbed by any of it

assert_eq "only the one distro is registered" "Grammar" "$(reg_names)"
check_registry
check "service still running" service_alive
finish
