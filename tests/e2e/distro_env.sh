#!/usr/bin/env bash
# What a session finds inside a real Debian (version 1): LANG falls back to C.UTF-8 when the
# distro lacks the client's locale (so perl and friends do not warn), and keeps it when the
# distro has it, as a directory or in locale-archive; wslpath and wslinfo, served by wsl-init
# from /run/wsl/bin without a file written into the distro.
source "$(dirname "$0")/lib.sh"

TAR=$("$WSL_SRC/scripts/debian-rootfs.sh" 2>"$T/debian-rootfs.log") ||
    skip_all "no Debian tarball and it cannot be built: $(tail -n 3 "$T/debian-rootfs.log")"
start_service
WSL_TIMEOUT=300
expect_ok "import Debian minbase" wsl --import Env "$(fresh_dir env)" "$TAR" || die "import failed"
in_env() { wsl -d Env -u root -e "$@" </dev/null; }

# ---------------------------------------------------------------------------------------
# LANG

run env LANG=de_DE.UTF-8 "$WSL_BIN" -d Env -u root -e sh -c 'echo "$LANG"; perl -e 1' </dev/null
assert_eq "LANG for a locale the distro lacks falls back to C.UTF-8" C.UTF-8 "$OUT"
assert_not_contains "  ...so perl does not warn" "$ERR" "locale"
run env LANG=C.UTF-8 "$WSL_BIN" -d Env -e sh -c 'echo "$LANG"' </dev/null
assert_eq "C.UTF-8 stays" C.UTF-8 "$OUT"
run env LANG=POSIX "$WSL_BIN" -d Env -e sh -c 'echo "$LANG"' </dev/null
assert_eq "POSIX stays" POSIX "$OUT"
run env LANG=../../etc/passwd "$WSL_BIN" -d Env -e sh -c 'echo "$LANG"' </dev/null
assert_eq "a LANG that is a path is not looked up" C.UTF-8 "$OUT"

# A locale as a directory: a copy of C.utf8's data under the normalised name is one glibc
# loads.
in_env cp -a /usr/lib/locale/C.utf8 /usr/lib/locale/de_DE.utf8
run env LANG=de_DE.UTF-8 "$WSL_BIN" -d Env -u root -e sh -c 'echo "$LANG"; perl -e 1' </dev/null
assert_eq "a locale the distro has (as a directory, codeset normalised) stays" de_DE.UTF-8 "$OUT"
assert_not_contains "  ...and perl does not warn" "$ERR" "locale"
in_env rm -rf /usr/lib/locale/de_DE.utf8

# A locale in locale-archive, built by the host's localedef.
mkdir -p "$T/loc/usr/lib/locale"
if localedef --prefix="$T/loc" -i fr_FR -f UTF-8 fr_FR.UTF-8 >/dev/null 2>&1 &&
    [[ -s $T/loc/usr/lib/locale/locale-archive ]]; then
    wsl -d Env -u root -e sh -c 'cat > /usr/lib/locale/locale-archive' \
        <"$T/loc/usr/lib/locale/locale-archive"
    run env LANG=fr_FR.UTF-8 "$WSL_BIN" -d Env -u root -e sh -c 'echo "$LANG"; perl -e 1' </dev/null
    assert_eq "a locale in locale-archive stays" fr_FR.UTF-8 "$OUT"
    assert_not_contains "  ...and perl does not warn" "$ERR" "locale"
    run env LANG=it_IT.UTF-8 "$WSL_BIN" -d Env -e sh -c 'echo "$LANG"' </dev/null
    assert_eq "  ...one it does not list still falls back" C.UTF-8 "$OUT"
    head -c 4096 /dev/urandom | wsl -d Env -u root -e sh -c 'cat > /usr/lib/locale/locale-archive'
    run env LANG=fr_FR.UTF-8 "$WSL_BIN" -d Env -e sh -c 'echo "$LANG"' </dev/null
    assert_eq "  ...and a garbage archive is no locale" C.UTF-8 "$OUT"
    in_env rm -f /usr/lib/locale/locale-archive
else
    note "no localedef with fr_FR sources on the host: locale-archive case skipped"
fi

# ---------------------------------------------------------------------------------------
# wslpath and wslinfo

run wsl -d Env -e wslpath /usr/share </dev/null
assert_eq "wsl -e wslpath (no shell): a host path in the distro" /mnt/host/usr/share "$OUT"
run wsl -d Env -- wslpath -u / </dev/null
assert_eq "  ...through the shell too; -u / is the host mount" /mnt/host "$OUT"
run wsl -d Env -e wslpath -w /mnt/host/etc/hostname </dev/null
assert_eq "-w: back to the host's path" /etc/hostname "$OUT"
run wsl -d Env -e wslpath -m /mnt/host/etc/ </dev/null
assert_eq "-m: the same, a trailing slash kept" /etc/ "$OUT"
HOSTDIR=$(fresh_dir wslpath)
mkdir -p "$HOSTDIR/sub" && chmod -R 755 "$HOSTDIR" && ln -s sub "$HOSTDIR/link"
run wsl -d Env --cd "/mnt/host$HOSTDIR" -e wslpath -w link </dev/null
assert_eq "-w resolves a symlink to the host path of its target" "$HOSTDIR/sub" "$OUT"
run wsl -d Env --cd "/mnt/host$HOSTDIR" -e wslpath -w new/file </dev/null
assert_eq "  ...a relative path that does not exist stays relative" new/file "$OUT"
run wsl -d Env --cd "/mnt/host$HOSTDIR" -e wslpath -a -w new/file </dev/null
assert_eq "  ...-a makes it absolute" "$HOSTDIR/new/file" "$OUT"
run wsl -d Env -e wslpath -w /etc/passwd </dev/null
assert_eq "a distro path with no host path fails with status 1" 1 "$RC"
assert_eq "  ...as wslpath says it" "wslpath: /etc/passwd: Invalid argument" "$ERR"
run wsl -d Env -e wslpath </dev/null
assert_eq "no path: status 1" 1 "$RC"
assert_eq "  ...'Invalid argument' on stderr" "wslpath: Invalid argument" "$ERR"
assert_contains "  ...and the usage on stdout" "$OUT" "Usage:"
run wsl -d Env -e wslpath -x /tmp </dev/null
assert_contains "an unknown option is named" "$ERR" "Invalid command line argument: -x"
run wsl -d Env -e wslpath -u -w /tmp </dev/null
assert_eq "two modes: status 1" 1 "$RC"

run wsl -d Env -e wslinfo --wsl-version </dev/null
assert_eq "wslinfo --wsl-version: this suite's version" "$(wsl --version | sed -n 's/^wsl for Linux version: //p')" "$OUT"
run wsl -d Env -e wslinfo --version -n </dev/null
assert_eq "  ...--version -n: without a newline" "$(wsl --version | sed -n 's/^wsl for Linux version: //p')" "$OUT"
run wsl -d Env -e sh -c 'wslinfo --networking-mode; wslinfo --vm-id' </dev/null
assert_eq "--networking-mode and --vm-id of a version 1 distro: wsl1, as in WSL 1" "wsl1
wsl1" "$OUT"
run wsl -d Env -e wslinfo </dev/null
assert_eq "wslinfo without an option: status 1" 1 "$RC"
assert_contains "  ...and its usage" "$ERR" "--networking-mode"

run in_env sh -c 'ls /usr/bin/wslpath /usr/bin/wslinfo /bin/wslpath 2>/dev/null | wc -l'
assert_eq "nothing was written into the distro's own directories" 0 "$(xargs <<<"$OUT")"
run in_env sh -c 'echo x > /run/wsl/bin/wsl-init' 
assert_ne "the distro's root cannot overwrite the binary" 0 "$RC"
run in_env sh -c 'readlink /run/wsl/bin/wslpath; test -u /run/wsl/bin/wsl-init || echo nosetuid'
assert_eq "the tools are links to wsl-init" "wsl-init
nosetuid" "$OUT"

wsl -d Env -u root -e useradd -m bob </dev/null
run wsl -d Env -u bob -e sh -c 'wslpath -a /tmp; wslinfo --vm-id' </dev/null
assert_eq "a user other than root runs them too" "/mnt/host/tmp
wsl1" "$OUT"

# The programs installed below /tmp (a clean clone there): init mounts the distro's tree on
# its own /tmp while it sets up, so it cannot look wsl-init up by path; the service hands it
# wsl-init already cloned, and wslpath works wherever the suite lies.
BINDIR=$(mktemp -d /tmp/wsl-e2e-bin.XXXXXX)
CLEANUP_PATHS+=("$BINDIR")
chmod 755 "$BINDIR"
cp "$WSLSERVICE_BIN" "$(dirname "$WSLSERVICE_BIN")/wsl-init" "$BINDIR/"
kill_service
WSLSERVICE_BIN=$BINDIR/wslservice start_service "$STATE" "$SOCK"
run wsl -d Env -e wslpath /usr/share </dev/null
assert_eq "programs below /tmp: wslpath still works" /mnt/host/usr/share "$OUT"
assert_not_contains "  ...and no warning about it" "$ERR" "unavailable"

check "service still running" service_alive
finish
