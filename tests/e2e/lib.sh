# shellcheck shell=bash
# Shared helpers of the end-to-end tests. Each tests/e2e/<theme>.sh sources this file, starts
# its own wslservice on a private socket and state dir under /var/tmp/wsl-e2e.XXXXXX, drives
# the real `wsl` CLI, and ends with `finish` (exit 0 pass, 1 fail, 77 skip).
#
# Environment: WSL_BIN, WSLSERVICE_BIN (default build/wsl, build/wslservice), WSL_SRC.
# E2E_KEEP=1 keeps the temp dir; E2E_VERBOSE=1 echoes every command's output.

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    echo "lib.sh is sourced by the e2e tests; it is not a test itself" >&2
    exit 77
fi

# pipefail: never end a pipeline with grep -q (the writer's SIGPIPE would fail the check).
set -u -o pipefail
umask 022

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WSL_SRC=${WSL_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
WSL_BIN=${WSL_BIN:-$WSL_SRC/build/wsl}
WSLSERVICE_BIN=${WSLSERVICE_BIN:-$WSL_SRC/build/wslservice}
HELPERS=$E2E_DIR/helpers.py
FIXTURES=$WSL_SRC/tests/fixtures
TEST_NAME=$(basename "$0" .sh)
if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY=python3; fi
WSL_TIMEOUT=${WSL_TIMEOUT:-60}     # seconds any single wsl command may take
unset WSL_DISABLE_WARNINGS WSL_STATE_DIR

PASSES=0
FAILS=0
SERVICE_PIDS=()
BG_PIDS=()
CLEANUP_PATHS=()
MOUNTS=()
T=""

# ---------------------------------------------------------------------------------------
# reporting

ok() { PASSES=$((PASSES + 1)); echo "ok - $1"; }

# not_ok DESC [DETAIL...]: records a failed check and prints the details indented.
not_ok() {
    FAILS=$((FAILS + 1))
    echo "FAIL - $1"
    shift
    local d
    for d in "$@"; do
        [[ -n $d ]] && printf '%s\n' "$d" | head -n 40 | sed 's/^/    | /'
    done
    return 0
}

note() { echo "# $*"; }

# die MSG: a step the rest of the test depends on failed.
die() {
    not_ok "FATAL: $1" "${@:2}"
    finish
}

skip_all() {
    echo "SKIP: $TEST_NAME: $*"
    exit 77
}

finish() {
    echo "$TEST_NAME: $PASSES passed, $FAILS failed"
    if ((FAILS > 0)); then exit 1; fi
    exit 0
}

# asan_build BIN: BIN was built with AddressSanitizer (scripts/test.sh --sanitize).
asan_build() { grep -aq __asan_init "$1"; }

# ---------------------------------------------------------------------------------------
# set-up and clean-up

e2e_cleanup() {
    local rc=$? pid m p
    trap - EXIT INT TERM
    for pid in "${BG_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${SERVICE_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    for pid in "${BG_PIDS[@]}" "${SERVICE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [[ -n $T && -d $T ]] && { ((FAILS > 0)) || ((rc != 0 && rc != 77)); }; then
        for p in "$T"/service*.log; do
            [[ -s $p ]] || continue
            echo "---- last lines of $(basename "$p") ----"
            tail -n 30 "$p"
        done
    fi
    for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
    for p in "${CLEANUP_PATHS[@]}"; do rm -rf --one-file-system "$p" 2>/dev/null; done
    if [[ -n $T && -d $T ]]; then
        if [[ ${E2E_KEEP:-0} == 1 ]]; then
            echo "# kept $T"
        else
            rm -rf --one-file-system "$T"
        fi
    fi
    exit "$rc"
}

e2e_init() {
    [[ $(id -u) -eq 0 ]] || skip_all "the end-to-end tests need root (they start wslservice)"
    [[ -x $WSL_BIN ]] || { echo "FAIL: no wsl binary at $WSL_BIN (build first)"; exit 1; }
    [[ -x $WSLSERVICE_BIN ]] || { echo "FAIL: no wslservice binary at $WSLSERVICE_BIN"; exit 1; }
    mkdir -p /var/tmp
    T=$(mktemp -d /var/tmp/wsl-e2e.XXXXXX) || { echo "FAIL: mktemp"; exit 1; }
    chmod 755 "$T"
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    note "$TEST_NAME: temp dir $T"
}

# fresh_dir NAME: prints a new, empty directory under $T (never reused).
fresh_dir() {
    local d
    d=$(mktemp -d "$T/${1:-d}.XXXXXX") && chmod 755 "$d" && echo "$d"
}

# fresh_path NAME: a new unused path under $T (nothing is created).
fresh_path() { mktemp -u "$T/${1:-p}.XXXXXX"; }

# private_home [WSLCONFIG]: HOME is $T/home, with WSLCONFIG (printf format) as ~/.wslconfig
# when given; the catalog cache and proxies come from nowhere else.
private_home() {
    export HOME=$T/home
    mkdir -p "$HOME"
    unset XDG_CACHE_HOME http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
    if (($# > 0)); then
        # shellcheck disable=SC2059
        printf "$1" >"$HOME/.wslconfig"
    fi
}

# ---------------------------------------------------------------------------------------
# the service

# can_connect SOCK: true when something accepts connections on SOCK.
can_connect() {
    "$PY" - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
s.connect(sys.argv[1])
EOF
}

SERVICE_COUNTER=0
# start_service [STATE_DIR [SOCKET]]: starts wslservice in the background; sets SERVICE_PID,
# STATE, SOCK and exports WSL_SERVICE_SOCKET. Waits until the socket accepts connections.
start_service() {
    STATE=${1:-$T/state}
    SOCK=${2:-$T/wsl.sock}
    SERVICE_COUNTER=$((SERVICE_COUNTER + 1))
    SERVICE_LOG="$T/service.$SERVICE_COUNTER.log"
    "$WSLSERVICE_BIN" --socket "$SOCK" --state-dir "$STATE" >>"$SERVICE_LOG" 2>&1 &
    SERVICE_PID=$!
    SERVICE_PIDS+=("$SERVICE_PID")
    export WSL_SERVICE_SOCKET=$SOCK
    local i
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
            wait "$SERVICE_PID"
            die "wslservice exited at start (status $?)" "$(tail -n 20 "$SERVICE_LOG")"
        fi
        if [[ -S $SOCK ]] && can_connect "$SOCK"; then return 0; fi
        sleep 0.1
    done
    die "wslservice did not listen on $SOCK within 10 s" "$(tail -n 20 "$SERVICE_LOG")"
}

service_alive() { kill -0 "$SERVICE_PID" 2>/dev/null; }

# kill_service [SIGNAL]: default SIGKILL; waits for the process.
kill_service() {
    kill "-${1:-9}" "$SERVICE_PID" 2>/dev/null
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$SERVICE_PID" 2>/dev/null || break
        sleep 0.1
    done
    wait "$SERVICE_PID" 2>/dev/null
    return 0
}

# ---------------------------------------------------------------------------------------
# running commands

wsl() { timeout -k 5 "$WSL_TIMEOUT" "$WSL_BIN" "$@"; }

# run CMD...: runs CMD with stdout/stderr captured; sets RC, OUT, ERR.
run() {
    "$@" >"$T/.out" 2>"$T/.err"
    RC=$?
    OUT=$(<"$T/.out")
    ERR=$(<"$T/.err")
    LAST_CMD="$*"
    if ((RC == 124 || RC == 137)); then
        not_ok "finished within its time limit: $LAST_CMD" "$(cmd_report)"
    fi
    if grep -Eq 'terminate called|Segmentation fault|AddressSanitizer|runtime error:|Assertion .* failed' \
        <<<"$ERR"; then
        not_ok "no crash output from: $LAST_CMD" "$(cmd_report)"
    fi
    if [[ ${E2E_VERBOSE:-0} == 1 ]]; then
        echo "# \$ $LAST_CMD  -> $RC"
        [[ -n $OUT ]] && printf '%s\n' "$OUT" | sed 's/^/#   out: /'
        [[ -n $ERR ]] && printf '%s\n' "$ERR" | sed 's/^/#   err: /'
    fi
    return 0
}

cmd_report() {
    printf 'command: %s\nexit: %s\nstdout:\n%s\nstderr:\n%s\n' "$LAST_CMD" "$RC" "$OUT" "$ERR"
}

# expect_ok DESC CMD...: CMD must exit 0. Returns CMD's success.
expect_ok() {
    local desc=$1
    shift
    run "$@"
    if ((RC == 0)); then
        ok "$desc"
        return 0
    fi
    not_ok "$desc" "$(cmd_report)"
    return 1
}

# expect_fail DESC CODE CMD...: CMD must exit 255; when CODE (an ERE, e.g. "A|B") is not
# empty, stderr must end the message with "Error code: Wsl/.../CODE".
expect_fail() {
    local desc=$1 code=$2
    shift 2
    run "$@"
    if ((RC != 255)); then
        not_ok "$desc (expected exit 255)" "$(cmd_report)"
        return 1
    fi
    if [[ -n $code ]] && ! grep -Eq "^Error code: Wsl/([A-Za-z0-9_]+/)*($code)\$" <<<"$ERR"; then
        not_ok "$desc (expected 'Error code: Wsl/.../$code' on stderr)" "$(cmd_report)"
        return 1
    fi
    ok "$desc"
    return 0
}

# check DESC CMD...: CMD (a test, not captured) must succeed.
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; return 0; fi
    not_ok "$desc" "failed: $*"
    return 1
}

assert_eq() {
    if [[ $2 == "$3" ]]; then ok "$1"; return 0; fi
    not_ok "$1" "expected: $2" "actual:   $3"
    return 1
}

assert_ne() {
    if [[ $2 != "$3" ]]; then ok "$1"; return 0; fi
    not_ok "$1" "both are: $2"
    return 1
}

# assert_contains DESC HAYSTACK NEEDLE (fixed string)
assert_contains() {
    if [[ $2 == *"$3"* ]]; then ok "$1"; return 0; fi
    not_ok "$1" "expected to find: $3" "in:" "$2"
    return 1
}

assert_not_contains() {
    if [[ $2 != *"$3"* ]]; then ok "$1"; return 0; fi
    not_ok "$1" "did not expect: $3" "in:" "$2"
    return 1
}

# assert_match DESC HAYSTACK ERE (any line matches)
assert_match() {
    if grep -Eq -- "$3" <<<"$2"; then ok "$1"; return 0; fi
    not_ok "$1" "expected a line matching: $3" "in:" "$2"
    return 1
}

# assert_imatch DESC HAYSTACK ERE: like assert_match, ignoring case
assert_imatch() {
    if grep -Eiq -- "$3" <<<"$2"; then ok "$1"; return 0; fi
    not_ok "$1" "expected a line matching (any case): $3" "in:" "$2"
    return 1
}

assert_no_match() {
    if ! grep -Eq -- "$3" <<<"$2"; then ok "$1"; return 0; fi
    not_ok "$1" "expected no line matching: $3" "in:" "$2"
    return 1
}

assert_exists() {
    if [[ -e $2 || -L $2 ]]; then ok "$1"; return 0; fi
    not_ok "$1" "missing: $2"
    return 1
}

assert_absent() {
    if [[ ! -e $2 && ! -L $2 ]]; then ok "$1"; return 0; fi
    not_ok "$1" "should not exist: $2" "$(ls -la "$2" 2>&1 | head -n 10)"
    return 1
}

# assert_empty_dir DESC DIR: DIR is absent or has no entries.
assert_empty_dir() {
    if [[ ! -e $2 ]] || [[ -z $(ls -A "$2" 2>/dev/null) ]]; then ok "$1"; return 0; fi
    not_ok "$1" "not empty: $2" "$(cd "$2" && find . -maxdepth 3 | head -n 20)"
    return 1
}

# not CMD...: negates CMD (for check / wait_until).
not() { ! "$@"; }

# wait_until TIMEOUT CMD...: polls CMD every 0.1 s; true when it succeeded in time.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while true; do
        "$@" && return 0
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# bg CMD...: runs CMD in the background (killed at exit); sets BG_PID.
bg() {
    "$@" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# ---------------------------------------------------------------------------------------
# users

TEST_USERS=(wsltest-a wsltest-b wsltest-c wsltest-d)

create_test_users() {
    local u
    for u in "${TEST_USERS[@]}"; do
        if ! id -u "$u" >/dev/null 2>&1; then
            # Serialized: several tests may create the same users at once under ctest -j.
            flock /var/tmp/wsl-e2e-users.lock sh -c 'id -u "$1" >/dev/null 2>&1 || useradd -m -s /bin/bash "$1"' _ "$u" ||
                die "useradd $u failed"
        fi
    done
    # The CLI must be executable by the test users; copy it when the build tree is private.
    USER_WSL_BIN=$WSL_BIN
    if ! as_user "${TEST_USERS[0]}" test -x "$WSL_BIN"; then
        mkdir -p "$T/bin" && cp "$WSL_BIN" "$T/bin/wsl" && chmod 755 "$T/bin" "$T/bin/wsl"
        USER_WSL_BIN=$T/bin/wsl
    fi
}

# as_user USER CMD...: runs CMD as USER (uid, primary gid, supplementary groups) with a clean
# environment that keeps only what the CLI needs.
as_user() {
    local user=$1
    shift
    local home
    home=$(getent passwd "$user" | cut -d: -f6)
    (cd / && setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
        env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin \
        LANG=C.UTF-8 ${WSL_SERVICE_SOCKET:+WSL_SERVICE_SOCKET="$WSL_SERVICE_SOCKET"} "$@")
}

# uwsl USER ARGS...: the wsl CLI as USER.
uwsl() {
    local user=$1
    shift
    as_user "$user" timeout -k 5 "$WSL_TIMEOUT" "$USER_WSL_BIN" "$@"
}

# ---------------------------------------------------------------------------------------
# registry and id maps

registry_file() { echo "$STATE/users/${1:-0}/registry.json"; }
reg_names() { "$PY" "$HELPERS" registry "$(registry_file "${1:-0}")" names; }
# reg_field NAME FIELD [UID]
reg_field() { "$PY" "$HELPERS" registry "$(registry_file "${3:-0}")" distro "$1" "$2"; }
reg_top() { "$PY" "$HELPERS" registry "$(registry_file "${2:-0}")" top "$1"; }
reg_has() { reg_names "${2:-0}" | grep -Fx -- "$1" >/dev/null; }
# state_is NAME STATE [UID]: the registry records NAME in STATE.
state_is() { [[ $(reg_field "$1" state "${3:-0}") == "$2" ]]; }

# check_registry [UID]: the registry parses and is consistent.
check_registry() {
    local out
    if out=$("$PY" "$HELPERS" registry "$(registry_file "${1:-0}")" check 2>&1); then
        ok "registry of uid ${1:-0} is consistent"
    else
        not_ok "registry of uid ${1:-0} is consistent" "$out" "$(cat "$(registry_file "${1:-0}")" 2>&1)"
    fi
}

# subid_base FILE UID: start of the first range of at least 65536 ids for UID in FILE.
subid_base() {
    local name
    name=$(getent passwd "$2" | cut -d: -f1)
    [[ -r $1 ]] || return 0
    awk -F: -v n="$name" -v u="$2" '($1 == n || $1 == u) && $3 >= 65536 { print $2; exit }' "$1"
}

# idmap_base UID: host uid that distro uid 0 maps to for callers with this uid.
idmap_base() {
    local b
    b=$(subid_base /etc/subuid "$1")
    if [[ -z $b ]]; then
        b=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
            "$STATE/idmaps.json" "$1" 2>/dev/null)
    fi
    echo "$b"
}

# idmap_gbase UID: host gid that distro gid 0 maps to.
idmap_gbase() {
    local b
    b=$(subid_base /etc/subgid "$1")
    [[ -z $b ]] && b=$(idmap_base "$1")
    echo "$b"
}

# ---------------------------------------------------------------------------------------
# root filesystems

# mk_rootfs_tar OUT [options]: builds a small but varied distro tree and packs it with bsdtar
# (pax, numeric owners, xattrs, ACLs). Compression follows OUT's suffix (.tar, .tar.gz,
# .tar.xz, .tar.bz2, .tar.zst). Options:
#   --id ID --version V    /etc/os-release ID and VERSION_ID (default e2etest / 1.0)
#   --big MiB              add usr/share/big.bin of that many MiB of random data
#   --many N               add N empty files under usr/share/many/
#   --no-os-release        leave /etc/os-release out
# The source tree stays next to OUT as OUT.src (for comparisons).
mk_rootfs_tar() {
    local out=$1
    shift
    local id=e2etest version=1.0 big=0 many=0 osrel=1
    while (($#)); do
        case $1 in
            --id) id=$2; shift 2 ;;
            --version) version=$2; shift 2 ;;
            --big) big=$2; shift 2 ;;
            --many) many=$2; shift 2 ;;
            --no-os-release) osrel=0; shift ;;
            *) die "mk_rootfs_tar: unknown option $1" ;;
        esac
    done
    local src=$out.src
    rm -rf "$src"
    mkdir -p "$src"/{etc,bin,usr/bin,usr/lib,usr/share/doc,home/user,root,tmp,var/log,run,dev}
    if ((osrel)); then
        printf 'NAME="E2E Test Linux"\nID=%s\nVERSION_ID="%s"\nPRETTY_NAME="E2E %s"\n' \
            "$id" "$version" "$version" >"$src/etc/os-release"
    fi
    printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' >"$src/etc/passwd"
    printf 'root:x:0:\nadm:x:4:\nuser:x:1000:\n' >"$src/etc/group"
    local bb
    bb=$(command -v busybox 2>/dev/null || true)
    if [[ -n $bb && $(LC_ALL=C ldd "$bb" 2>&1 || true) == *"not a dynamic"* ]]; then
        # A static busybox makes the tree a runnable distro: sh plus the usual commands.
        cp "$bb" "$src/bin/busybox"
        ln -s busybox "$src/bin/sh"
        local applet
        for applet in cat cut dd echo env false grep head hostname id kill ls mkdir nohup \
            printf ps pwd readlink rm sed sleep stat stty tail test touch tr true uname wc yes; do
            ln -s busybox "$src/bin/$applet"
        done
    else
        printf '#!/bin/sh\necho "placeholder shell"\n' >"$src/bin/sh"
    fi
    chmod 755 "$src/bin/sh" 2>/dev/null || true
    printf 'setuid helper\n' >"$src/usr/bin/setuid-tool"
    chmod 4755 "$src/usr/bin/setuid-tool"
    printf 'setgid helper\n' >"$src/usr/bin/setgid-tool"
    chown 0:4 "$src/usr/bin/setgid-tool"
    chmod 2755 "$src/usr/bin/setgid-tool"
    printf 'one inode, two names\n' >"$src/usr/bin/hard1"
    ln "$src/usr/bin/hard1" "$src/usr/bin/hard2"
    printf 'library\n' >"$src/usr/lib/libe2e.so.1"
    ln -s libe2e.so.1 "$src/usr/lib/libe2e.so"
    ln -s usr/lib "$src/lib"
    ln -s /usr/share/zoneinfo/Etc/UTC "$src/etc/localtime"     # absolute, dangling
    printf 'documentation with \xc3\xbc and spaces\n' >"$src/usr/share/doc/read me ü.txt"
    printf 'private notes\n' >"$src/home/user/notes.txt"
    chmod 640 "$src/home/user/notes.txt"
    chmod 750 "$src/home/user"
    chown -R 1000:1000 "$src/home/user"
    printf '# root only\n' >"$src/root/.profile"
    chmod 700 "$src/root"
    chmod 600 "$src/root/.profile"
    chmod 1777 "$src/tmp"
    printf 'log line\n' >"$src/var/log/messages"
    chown 0:4 "$src/var/log/messages"
    chmod 640 "$src/var/log/messages"
    printf 'owned by 1001\n' >"$src/var/log/other"
    chown 1001:1001 "$src/var/log/other"
    mkfifo "$src/run/fifo"
    setfattr -n user.e2e -v "hello xattr" "$src/usr/share/doc/read me ü.txt"
    setfacl -m u:1001:r-- "$src/home/user/notes.txt"
    setfacl -d -m g:4:r-x "$src/var/log"
    # A sparse file: 16 MiB with data only at both ends.
    printf 'head' >"$src/usr/share/sparse.img"
    truncate -s 16M "$src/usr/share/sparse.img"
    printf 'tail' | dd of="$src/usr/share/sparse.img" bs=1 seek=$((16 * 1024 * 1024 - 4)) \
        conv=notrunc status=none
    if ((big > 0)); then
        head -c $((big * 1024 * 1024)) /dev/urandom >"$src/usr/share/big.bin"
    fi
    if ((many > 0)); then
        "$PY" - "$src/usr/share/many" "$many" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"d{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    open(os.path.join(d, f"f{i:06d}"), "w").close()
EOF
    fi
    # Fixed mtimes, children before parents.
    find "$src" -depth -exec touch -h -d @1600000000 {} +
    local tarfile=$out
    case $out in
        *.tar) ;;
        *.tar.gz | *.tar.xz | *.tar.bz2 | *.tar.zst) tarfile=${out%.*} ;;
        *) die "mk_rootfs_tar: unsupported suffix: $out" ;;
    esac
    bsdtar --numeric-owner --xattrs --acls --format=pax -C "$src" -cf "$tarfile" . ||
        die "bsdtar failed building $tarfile"
    case $out in
        *.tar.gz) gzip -n -f "$tarfile" ;;
        *.tar.xz) xz -T1 -0 -f "$tarfile" ;;
        *.tar.bz2) bzip2 -f "$tarfile" ;;
        *.tar.zst) zstd -q -f --rm "$tarfile" -o "$out" ;;
    esac
    [[ -s $out ]] || die "mk_rootfs_tar: $out was not written"
    chmod 644 "$out"
}

# pack_tree DIR OUT.tar: packs DIR as a distro tarball (pax, numeric owners, xattrs, ACLs).
# require_runnable SRC_DIR: skips the test when mk_rootfs_tar's tree has no static busybox (no
# runnable distro without busybox-static).
require_runnable() {
    [[ -L $1/bin/sh ]] || skip_all "needs a static busybox (busybox-static) for a runnable distro"
}

pack_tree() {
    bsdtar --numeric-owner --xattrs --acls --format=pax -C "$1" -cf "$2" . || die "bsdtar $1"
    chmod 644 "$2"
}

# tar_listing FILE OUT.jsonl / tree_listing DIR OUT.jsonl [helpers options]
tar_listing() { "$PY" "$HELPERS" listing tar "$1" >"$2"; }
tree_listing() {
    local dir=$1 out=$2
    shift 2
    "$PY" "$HELPERS" listing tree "$dir" "$@" >"$out"
}

# listing_diff DESC A B [diff options]: the two listings must be equal.
listing_diff() {
    local desc=$1 a=$2 b=$3
    shift 3
    local out
    if out=$("$PY" "$HELPERS" diff "$a" "$b" "$@" 2>&1); then
        ok "$desc"
        return 0
    fi
    not_ok "$desc" "$out"
    return 1
}

# snapshot DIR: the set of paths (and types) under DIR, for "nothing changed" checks.
snapshot() { (cd "$1" 2>/dev/null && find . -printf '%y %p\n' | LC_ALL=C sort); }

# magic FILE: the container format by magic bytes (tar, gz, xz, zst, bz2 or unknown).
magic() {
    local h
    h=$(head -c 6 "$1" | od -An -tx1 | tr -d ' \n')
    case $h in
        1f8b*) echo gz ;;
        fd377a585a00) echo xz ;;
        28b52ffd*) echo zst ;;
        425a68*) echo bz2 ;;
        *)
            if [[ $(dd if="$1" bs=1 skip=257 count=5 status=none 2>/dev/null) == ustar ]]; then
                echo tar
            else
                echo unknown
            fi
            ;;
    esac
}

# ---------------------------------------------------------------------------------------
# a terminal: a private tmux server with one window whose outer bash runs the wsl CLI

# tmux_terminal COLS ROWS [join] < EXTRA: starts it (stopped before lib.sh's clean-up) and
# writes $T/outer.sh, the outer shell's settings plus the lines EXTRA; type
# ". '$T/outer.sh'" into the pane to get the prompt "O> ". With "join", screen() joins wrapped
# lines (without it, a command filling a row exactly would join its output).
tmux_terminal() {
    command -v tmux >/dev/null || skip_all "tmux is not installed"
    unset TMUX TMUX_PANE
    TMUX_SOCK=$T/tmux.sock
    PANE=main:0.0
    TMUX_PID=""
    SCREEN_JOIN=${3:-}
    trap 'rc=$?; tmux_cleanup; (exit $rc); e2e_cleanup' EXIT
    {
        printf "export WSL_SERVICE_SOCKET='%s'\nexport WSL_BIN='%s'\nexport T='%s'\n" \
            "$WSL_SERVICE_SOCKET" "$WSL_BIN" "$T"
        printf "cd /\nexport PS1='O> '\nunset HISTFILE PROMPT_COMMAND\n"
        cat
    } >"$T/outer.sh"
    tm -f /dev/null new-session -d -s main -x "$1" -y "$2" \
        "exec env -u WSL_STATE_DIR bash --norc --noprofile --rcfile /dev/null -i" ||
        die "tmux new-session failed"
    tm set-option -g status off >/dev/null
    tm set-option -g remain-on-exit off >/dev/null
    tm resize-window -t main -x "$1" -y "$2" >/dev/null 2>&1
    TMUX_PID=$(tm display-message -p '#{pid}')
}
tm() { tmux -S "$TMUX_SOCK" "$@"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
tmux_cleanup() {
    [[ -S $TMUX_SOCK ]] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
    if [[ -n $TMUX_PID ]] && ! wait_until 3 gone "$TMUX_PID"; then
        kill -9 "$TMUX_PID" 2>/dev/null
    fi
    TMUX_PID=""
    return 0
}

# screen: the pane's visible text; screen_trimmed: without trailing empty lines (for reports).
screen() { tm capture-pane -p ${SCREEN_JOIN:+-J} -t "$PANE" 2>/dev/null; }
screen_trimmed() { screen | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
screen_has() { grep -Eq -- "$1" <<<"$(screen)"; }
# type_line TEXT: types TEXT literally (if any) and presses Enter.
type_line() {
    if [[ -n $1 ]]; then tm send-keys -t "$PANE" -l -- "$1" || return; fi
    tm send-keys -t "$PANE" Enter
}
keys() { tm send-keys -t "$PANE" "$@"; }
# clear_screen: a fresh screen and no scroll-back, so old output cannot satisfy a check.
screen_is_clear() { (($(screen | grep -c .) <= 1)); }
clear_screen() {
    keys C-l
    wait_until 3 screen_is_clear || note "the screen did not clear"
    tm clear-history -t "$PANE"
}
pane_pid() { tm display-message -p -t "$PANE" '#{pane_pid}'; }
# tty_is SETTING: the pane's terminal has SETTING now (e.g. -icanon), seen from outside.
tty_is() {
    local a
    a=$(stty -F "$(tm display-message -p -t "$PANE" '#{pane_tty}')" -a 2>/dev/null)
    [[ " ${a//$'\n'/ } " == *" $1 "* ]]
}
# session_pids ARGS: processes under our service (so inside our distro) whose command line is
# exactly ARGS.
session_pids() {
    ps -e -o pid=,ppid=,args= | awk -v root="$SERVICE_PID" -v want="$1" '
        { pid = $1; pp[pid] = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); args[pid] = $0 }
        END {
            for (p in args) {
                if (args[p] != want) continue
                x = pp[p]
                while (x in pp && x != root && x > 1) x = pp[x]
                if (x == root) print p
            }
        }'
}
has_session_proc() { [[ -n $(session_pids "$1") ]]; }
# The rest of a test needs the pane: without it every check would only time out.
pane_alive() {
    tm has-session -t main 2>/dev/null || die "the tmux pane is gone (its shell exited)"
}

# see DESC ERE [TIMEOUT]: the screen shows a line matching ERE within TIMEOUT (10) seconds.
see() {
    if wait_until "${3:-10}" screen_has "$2"; then
        ok "$1"
        return 0
    fi
    pane_alive
    not_ok "$1" "expected a line matching: $2" "screen:" "$(screen_trimmed)"
    return 1
}

# outcome DESC STATUS [TIMEOUT]: the outer shell printed OUT0=STATUS after wsl ended (launch
# commands as `CMD; echo OUT$((0))=$?`).
outcome() {
    wait_until "${3:-10}" screen_has 'OUT0=[0-9]+$'
    local got
    got=$(grep -Eo 'OUT0=[0-9]+$' <<<"$(screen)" | tail -n 1)
    if [[ $got == "OUT0=$2" ]]; then
        ok "$1"
        return 0
    fi
    pane_alive
    not_ok "$1" "expected: OUT0=$2 in the outer shell" "screen:" "$(screen_trimmed)"
    return 1
}

e2e_init
