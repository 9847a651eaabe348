#!/usr/bin/env bash
# Error texts and codes, case by case, against wsl.exe's: for every case this tool covers
# where Microsoft's strings (localization/strings/en-US/Resources.resw) or wsl.exe's code path
# give a text or an error-code path, the exact standard error and exit status. Also the
# wsl.exe verbs and flags that get an honest answer instead of a usage error (--update,
# --uninstall, --setdefault, --install's extra flags, --mount/--unmount/--debug-shell),
# --distribution-id in any case or in braces, and each unknown ~/.wslconfig key warned about
# once per command.
source "$(dirname "$0")/lib.sh"

start_service
private_home
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"

HINT="Please use 'wsl --help' to get a list of supported arguments."
NOT_FOUND=$'There is no distribution with the supplied name.\nError code: Wsl/Service/WSL_E_DISTRO_NOT_FOUND'
VERSION_PARSE=$'A version number could not be parsed.\nError code: Wsl/ERROR_VERSION_PARSE_ERROR'
CASES=0

# is DESC RC STDERR CMD...: CMD exits RC, prints exactly STDERR on standard error and
# nothing on standard output.
is() {
    local desc=$1 rc=$2 err=$3
    shift 3
    CASES=$((CASES + 1))
    run "$@"
    if [[ $RC == "$rc" && $ERR == "$err" && -z $OUT ]]; then
        ok "$desc"
    else
        not_ok "$desc" "$(printf 'expected exit %s and stderr:\n%s\n' "$rc" "$err")
$(cmd_report)"
    fi
}

# ---------------------------------------------------------------------------------------
# nothing registered yet

run wsl -l
CASES=$((CASES + 1))
assert_eq "wsl -l with nothing installed: 255, ends with wsl.exe's code path" \
    "255:Error code: Wsl/WSL_E_DEFAULT_DISTRO_NOT_FOUND" "$RC:$(tail -n 1 <<<"$ERR")"

# ---------------------------------------------------------------------------------------
# the command line (wsl.exe prints these before it talks to its service)

is "unknown option" 255 "Invalid command line argument: --bogus
$HINT
Error code: Wsl/E_INVALIDARG" wsl --bogus
is "unknown option after a verb" 255 "Invalid command line argument: -x
$HINT
Error code: Wsl/E_INVALIDARG" wsl --list -x
is "a verb's option without its value" 255 "Command line argument --format requires a value.
$HINT
Error code: Wsl/E_INVALIDARG" wsl --list --format
is "-d without a value" 255 "Argument --distribution is missing a required parameter." wsl -d
is "--distribution without a value" 255 \
    "Argument --distribution is missing a required parameter." wsl --distribution
is "-u without a value" 255 "Argument --user is missing a required parameter." wsl -u
is "--distribution-id without a value" 255 \
    "Argument --distribution-id is missing a required parameter." wsl --distribution-id
is "--shell-type without a value" 255 "Argument --shell-type is missing a required parameter." \
    wsl --shell-type
is "a second -d" 255 "The distribution name has already been set." wsl -d a -d b -- true
is "-s without a name (named by its long form)" 255 \
    "Argument --set-default is missing a required parameter." wsl -s
is "--setdefault without a name" 255 "Argument --set-default is missing a required parameter." \
    wsl --setdefault
is "-t without a name" 255 "Argument --terminate is missing a required parameter." wsl -t
is "--unregister without a name" 255 "Argument --unregister is missing a required parameter." \
    wsl --unregister
is "--set-version without a version" 255 \
    "Argument --set-version is missing a required parameter." wsl --set-version X
is "--set-default-version 3" 255 "$VERSION_PARSE" wsl --set-default-version 3
is "--set-default-version abc" 255 "$VERSION_PARSE" wsl --set-default-version abc
is "--import --version 0" 255 "$VERSION_PARSE" wsl --import X "$T/nowhere" "$SRC" --version 0
is "--install --version 9" 255 "$VERSION_PARSE" wsl --install Debian --version 9
is "--set-version X 5" 255 "$VERSION_PARSE" wsl --set-version X 5
is "--install --no-distribution with a distribution" 255 \
    "Arguments --no-distribution and --distribution can't be specified at same time.
Error code: Wsl/E_INVALIDARG" wsl --install Debian --no-distribution
is "--install --from-file with a distribution" 255 \
    "Arguments --from-file and --distribution can't be specified at same time.
Error code: Wsl/E_INVALIDARG" wsl --install --from-file "$SRC" -d Debian
is "--install --fixed-vhd without --vhd-size" 255 \
    "Argument --fixed-vhd requires the --vhd-size argument.
Error code: Wsl/E_INVALIDARG" wsl --install Debian --fixed-vhd
is "--manage with two actions" 255 "Arguments --move and --rename can't be specified at same time.
Error code: Wsl/E_INVALIDARG" wsl --manage X --move "$T/m" --rename Y
is "--distribution-id that is no GUID" 255 "Invalid GUID format: 'not-a-guid'
Error code: Wsl/E_INVALIDARG" wsl --distribution-id not-a-guid -- true
is "--uninstall with an argument" 255 \
    "--uninstall does not take any arguments. To unregister a distribution, use --unregister instead." \
    wsl --uninstall X
run wsl -l --all --running
CASES=$((CASES + 1))
assert_eq "invalid -l combination: the usage text, then wsl.exe's code" \
    "255:Error code: Wsl/WSL_E_INVALID_USAGE" "$RC:$(tail -n 1 <<<"$ERR")"
assert_contains "  ...after the usage text" "$ERR" "Usage: wsl [Argument]"

# ---------------------------------------------------------------------------------------
# files the user names

is "--import of a missing file" 255 "The system cannot find the file specified.
Error code: Wsl/ERROR_FILE_NOT_FOUND" wsl --import X "$T/loc-x" "$T/missing.tar"
is "--import of a file in a missing directory" 255 "The system cannot find the path specified.
Error code: Wsl/ERROR_PATH_NOT_FOUND" wsl --import X "$T/loc-x" "$T/no/such/dir/f.tar"
is "--install --from-file of a missing file" 255 "The system cannot find the file specified.
Error code: Wsl/ERROR_FILE_NOT_FOUND" wsl --install --from-file "$T/missing.wsl" --no-launch
assert_absent "  ...and no location was made" "$T/loc-x"

# ---------------------------------------------------------------------------------------
# with a distribution

expect_ok "import Errs" wsl --import Errs "$(fresh_dir loc)" "$SRC" || die "cannot import"
GUID=$(reg_field Errs guid)

for args in "--unregister nosuch" "-t nosuch" "--terminate nosuch" "-s nosuch" \
    "--setdefault nosuch" "--export nosuch $T/nosuch.tar" "-d nosuch -- true" \
    "--set-version nosuch 1" "--manage nosuch --move $T/nosuchmove" \
    "--manage nosuch --rename other" "--distribution-id 00000000-0000-4000-8000-000000000000 -- true"; do
    # shellcheck disable=SC2086
    is "wsl $args: not found, Wsl/Service/WSL_E_DISTRO_NOT_FOUND" 255 "$NOT_FOUND" wsl $args </dev/null
done
assert_absent "  ...no export file was left" "$T/nosuch.tar"
assert_absent "  ...no move target was made" "$T/nosuchmove"

is "--install of a name no list has" 255 "Invalid distribution name: 'nosuch-distro'.
To get a list of valid distributions, use 'wsl --list --online'.
Error code: Wsl/InstallDistro/WSL_E_DISTRO_NOT_FOUND" wsl --install nosuch-distro --no-launch
is "--import under a name in use" 255 \
    "A distribution with the supplied name already exists. Use --name to choose a different name.
Error code: Wsl/Service/RegisterDistro/ERROR_ALREADY_EXISTS" \
    wsl --import errs "$(fresh_dir loc)" "$SRC"
is "--import under an invalid name" 255 "Invalid distribution name: \"bad/name\".
A name has 1 to 64 letters, digits, '.', '_' and '-'.
Error code: Wsl/Service/RegisterDistro/E_INVALIDARG" wsl --import bad/name "$(fresh_dir loc)" "$SRC"
is "--set-version to the version it has" 255 "The distribution is already the requested version.
Error code: Wsl/Service/WSL_E_VM_MODE_INVALID_STATE" wsl --set-version Errs 1
is "-l --running with none running" 255 "There are no running distributions." wsl -l --running

# ---------------------------------------------------------------------------------------
# wsl.exe's other verbs and flags: an answer, not "Invalid command line argument"

for verb in --mount --unmount --debug-shell; do
    is "$verb: needs version 2" 255 "This operation is only supported by WSL2.
$verb needs version 2 distributions, which wsl for Linux does not have yet.
Error code: Wsl/WSL_E_WSL2_NEEDED" wsl $verb /dev/sdb
done
expect_ok "--update exits 0 (as wsl.exe when up to date)" wsl --update
assert_contains "  ...and says the package manager updates it" "$OUT" \
    "sudo apt update && sudo apt install --only-upgrade wsl-for-linux"
expect_ok "--update takes wsl.exe's options" wsl --update --pre-release --web-download --confirm
expect_ok "--update --help" wsl --update --help
assert_contains "  ...names those options" "$OUT" "--pre-release, --web-download, --confirm, --prompt-before-exit"
expect_fail "--uninstall removes nothing" E_NOTIMPL wsl --uninstall
assert_contains "  ...and says how" "$ERR" "sudo apt remove wsl-for-linux"
check "  ...Errs is still there" reg_has Errs
expect_ok "--setdefault (wsl.exe's old spelling) sets the default" wsl --setdefault Errs
assert_eq "  ...prints wsl.exe's success line" "The operation completed successfully." "$OUT"
expect_ok "--install --no-distribution: nothing to install" wsl --install --no-distribution
assert_eq "  ...prints wsl.exe's success line" "The operation completed successfully." "$OUT"
expect_ok "--install with --pre-release --prompt-before-exit --enable-wsl1 --web-download" \
    wsl --install --from-file "$SRC" --name Flags --no-launch --version 1 \
    --pre-release --prompt-before-exit --enable-wsl1 --web-download </dev/null
check "  ...installed" reg_has Flags
expect_fail "--install --legacy says why not" E_NOTIMPL wsl --install Debian --legacy
assert_contains "  ...naming the Store" "$ERR" "Microsoft Store"

# --distribution-id: the registry's GUID in any case, bare or in braces.
if require_runnable "$SRC.src" 2>/dev/null; then
    UPPER=${GUID^^}
    for id in "$GUID" "$UPPER" "{$GUID}" "{$UPPER}"; do
        run wsl --distribution-id "$id" -e echo by-id </dev/null
        assert_eq "--distribution-id $id runs Errs" "0:by-id" "$RC:$OUT"
    done
fi

# ---------------------------------------------------------------------------------------
# ~/.wslconfig: every key wsl.exe knows is accepted silently; an unknown one warns once per
# command, however often the command reads the file.

{
    printf '[general]\ninstanceIdleTimeout=0\n[wsl2]\nmemory=4GB\ngpuSupport=true\nipv6=true\n'
    printf 'dnsProxy=false\nkernelBootTimeout=30000\nvirtio9p=false\nnetworkingMode=mirrored\n'
    printf '[experimental]\nautoMemoryReclaim=gradual\nsparseVhd=true\nhostAddressLoopback=true\n'
} >"$HOME/.wslconfig"
expect_ok "a run with only keys wsl.exe knows" wsl -d Errs -- true </dev/null
assert_eq "  ...prints no warning" "" "$ERR"
printf '[wsl2]\nbogusKey=1\n' >>"$HOME/.wslconfig"
N=$(grep -c . "$HOME/.wslconfig")
WARN="wsl: Unknown key 'wsl2.bogusKey' in $HOME/.wslconfig:$N"
expect_ok "a run with an unknown key" wsl -d Errs -- true </dev/null
assert_eq "  ...warns once" "$WARN" "$ERR"
expect_ok "an install from a file" \
    wsl --install --from-file "$SRC" --name Once --no-launch --version 1 </dev/null
assert_eq "  ...warns once" "$WARN" "$ERR"
printf '[experimental]\nnoSuchThing=1\n' >>"$HOME/.wslconfig"
expect_ok "an unknown [experimental] key" wsl -d Errs -- true </dev/null
assert_contains "  ...warns too" "$ERR" "Unknown key 'experimental.noSuchThing'"

assert_eq "at least 20 error cases with exact texts" 1 "$((CASES >= 20))"
note "$CASES exact error cases"
check_registry
check "service still running" service_alive
finish
