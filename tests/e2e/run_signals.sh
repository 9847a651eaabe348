#!/usr/bin/env bash
# A signal that reaches the client at any moment of a launch either cancels the launch or
# reaches the process: the test build's pause hooks (WSL_TEST_HOOKS) hold the service right
# before it opens the session ("run.resolved") and right after, before the client has it
# ("run.started"); the client gets SIGINT, SIGTERM, SIGQUIT or SIGUSR1 there, and the service
# goes on.
# The session ignores SIGHUP, so a launch that only hangs up on it would run to the end.
# Without a terminal and with one (tmux: Ctrl-C typed while the terminal is still cooked), and
# while init holds the session's process before it has the pty as its terminal.
source "$(dirname "$0")/lib.sh"

grep -aq WSL_TEST_PAUSE_RELEASE "$WSLSERVICE_BIN" ||
    skip_all "wslservice was built without WSL_TEST_HOOKS (cmake -DWSL_TEST_HOOKS=ON)"
start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
DIR=$(fresh_dir box)
expect_ok "import" wsl --import Box "$DIR" "$SRC" || die "cannot import"
ROOTFS=$DIR/private/rootfs
[[ -d $ROOTFS/tmp ]] || die "no $ROOTFS/tmp"

# paused_service PHASE: the service again, now pausing every launch at PHASE until
# $T/release exists.
paused_service() {
    kill_service
    rm -f "$T/paused" "$T/release"
    WSL_TEST_PAUSE_AT=$1 WSL_TEST_PAUSE_MARK=$T/paused WSL_TEST_PAUSE_RELEASE=$T/release \
        start_service "$STATE" "$SOCK"
}

# The session: ignores SIGHUP, sleeps a while, then leaves a mark in the distro's /tmp
# (unless the sleep was killed: sh itself goes on after a SIGQUIT).
session() { echo "trap '' HUP; sleep 2 && echo ran >/tmp/ran-$1"; }
ran() { [[ -e $ROOTFS/tmp/ran-$1 ]]; }
run wsl -d Box -e sh -c "$(session control)" </dev/null
check "a launch left alone runs to its end and leaves its mark" ran control

# signal_at PHASE SIG STATUS DESC: a launch paused at PHASE, SIG to the client there, then
# the service goes on: the client ends with STATUS and the command never completes.
signal_at() {
    local phase=$1 sig=$2 want=$3 desc=$4 tag=$2-$1 client rc
    paused_service "$phase"
    "$WSL_BIN" -d Box -e sh -c "$(session "$tag")" </dev/null >"$T/client.out" 2>&1 &
    client=$!
    BG_PIDS+=("$client")
    if ! wait_until 30 test -s "$T/paused"; then
        not_ok "$desc: the launch reached $phase"
        kill -9 "$client" 2>/dev/null
        return
    fi
    kill "-$sig" "$client"
    sleep 0.5 # the client has the signal while the service still waits
    touch "$T/release"
    wait_until 15 gone "$client"
    wait "$client"
    rc=$?
    assert_eq "$desc: the client ends with $want" "$want" "$rc"
    sleep 3 # the session would have left its mark by now
    check "  ...and the command did not run to its end" not ran "$tag"
}

signal_at run.resolved INT 130 "SIGINT before the session is opened"
signal_at run.started INT 130 "SIGINT after the session is opened, before the client has it"
signal_at run.resolved TERM 143 "SIGTERM before the session is opened"
signal_at run.started TERM 143 "SIGTERM after the session is opened"
signal_at run.resolved QUIT 131 "SIGQUIT before the session is opened"
signal_at run.started QUIT 131 "SIGQUIT after the session is opened"
# USR1 does not cancel a launch: it waits for the session and reaches it (and kills sh).
signal_at run.resolved USR1 138 "SIGUSR1 before the session is opened is passed on"
signal_at run.started USR1 138 "SIGUSR1 after the session is opened is passed on"

# A second SIGINT while the launch is still held ends the client at once: the first only asks
# the service to start nothing, and the service may be held up for long (a distro's start
# waits up to boot.initTimeout). The launch is cancelled all the same once the service goes on.
ended() { [[ ! -e /proc/$1 ]] || [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) == Z ]]; }
paused_service run.resolved
"$WSL_BIN" -d Box -e sh -c "$(session twice)" </dev/null >"$T/client.out" 2>&1 &
client=$!
BG_PIDS+=("$client")
if wait_until 30 test -s "$T/paused"; then
    kill -INT "$client"
    sleep 0.5
    kill -INT "$client"
    check "a second SIGINT ends the client while the service still holds the launch" \
        wait_until 3 ended "$client"
    touch "$T/release"
    wait "$client"
    assert_eq "  ...which dies of SIGINT" 130 "$?"
    sleep 3
    check "  ...and the command did not run to its end" not ran twice
else
    not_ok "the launch reached run.resolved"
    kill -9 "$client" 2>/dev/null
fi

touch "$T/release"
run wsl -d Box -e echo alive </dev/null
assert_eq "the distro still runs commands" alive "$OUT"

# With a terminal: Ctrl-C typed while the launch is held after the session is opened (the
# terminal is not raw yet, so it is a SIGINT to the client) reaches the session on its pty.
tmux_terminal 100 30 </dev/null
type_line ". '$T/outer.sh'"
see "the outer bash in the tmux pane is ready" '^O> ?$' || die "no outer shell prompt"
for phase in run.resolved run.started; do
    paused_service "$phase"
    clear_screen
    type_line "\"\$WSL_BIN\" -d Box -- \"$(session "tty-$phase")\"; echo OUT\$((0))=\$?"
    wait_until 30 test -s "$T/paused" || not_ok "the launch on a terminal reached $phase"
    keys C-c
    sleep 0.5
    touch "$T/release"
    if [[ $phase == run.resolved ]]; then
        # The launch is cancelled: the client dies of SIGINT, so bash drops the rest of
        # the line, as for any command ended by Ctrl-C.
        see "Ctrl-C on a terminal at $phase: the launch is cancelled, the prompt is back" \
            '^O> ?$' 15
        check "  ...and bash saw wsl die of SIGINT (no OUT0 line)" not screen_has 'OUT0='
    else
        outcome "Ctrl-C on a terminal at $phase: the session gets SIGINT, wsl exits 130" 130 15
    fi
    sleep 3
    check "  ...and the command did not run to its end" not ran "tty-$phase"
done

# Ctrl-C while init holds the new session's process before it has made the pty its
# controlling terminal (phase init.session-forked, in the distro's init; its mark and release
# files are paths inside the distro). The pty must not reach the client before that: a
# Ctrl-C typed into it then would find no process group and be lost.
kill_service
rm -f "$ROOTFS/tmp/init-paused" "$ROOTFS/tmp/init-release"
WSL_TEST_PAUSE_AT=init.session-forked WSL_TEST_PAUSE_MARK=/tmp/init-paused \
    WSL_TEST_PAUSE_RELEASE=/tmp/init-release start_service "$STATE" "$SOCK"
clear_screen
type_line "\"\$WSL_BIN\" -d Box -- \"$(session tty-init)\"; echo OUT\$((0))=\$?"
if wait_until 30 test -s "$ROOTFS/tmp/init-paused"; then
    sleep 0.5
    keys C-c
    sleep 0.5
    touch "$ROOTFS/tmp/init-release"
    outcome "Ctrl-C before the session's process has its terminal: wsl exits 130" 130 15
    sleep 3
    check "  ...and the command did not run to its end" not ran tty-init
else
    not_ok "the session's process reached init.session-forked"
    touch "$ROOTFS/tmp/init-release"
fi

tmux_cleanup
check "service still running" service_alive
finish
