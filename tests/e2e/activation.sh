#!/usr/bin/env bash
# wslservice under systemd: the units (checked by systemd-analyze), socket activation with the
# listening fd handed over as systemd does (a stand-in, activate.py, and systemd's own
# systemd-socket-activate), READY=1/STOPPING=1 notification from the main pid, the idle exit
# (never while a client is connected, which covers any operation in flight, or a distro runs)
# and the next connection starting it again with every distro still there. Bad LISTEN_*.
source "$(dirname "$0")/lib.sh"

ACTIVATE=$E2E_DIR/activate.py
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
# Distros stop half a second after their last process: the service's idle exit waits for that.
private_home '[general]\ninstanceIdleTimeout=500\n'

# ---------------------------------------------------------------------------------------
# the units

UNITS=$T/units
mkdir -p "$UNITS"
cp "$WSL_SRC/systemd/wslservice.socket" "$UNITS/"
sed "s|@CMAKE_INSTALL_FULL_BINDIR@|$(dirname "$WSLSERVICE_BIN")|" \
    "$WSL_SRC/systemd/wslservice.service.in" >"$UNITS/wslservice.service"
socket_key() { sed -n "s/^$1=//p" "$UNITS/wslservice.socket"; }
assert_eq "the socket unit listens on /run/wsl/wslservice.sock" /run/wsl/wslservice.sock \
    "$(socket_key ListenStream)"
assert_eq "  ...open to every user (SocketMode=0666)" 0666 "$(socket_key SocketMode)"
assert_eq "the service unit is Type=notify" Type=notify "$(grep '^Type=' "$UNITS/wslservice.service")"
assert_match "  ...and runs the built wslservice" "$(grep '^ExecStart=' "$UNITS/wslservice.service")" \
    "^ExecStart=$WSLSERVICE_BIN "
if command -v systemd-analyze >/dev/null; then
    run systemd-analyze verify --man=no "$UNITS/wslservice.socket" "$UNITS/wslservice.service"
    assert_eq "systemd-analyze verify finds nothing to say about the units" "0:" "$RC:$ERR"
else
    note "no systemd-analyze: unit syntax not verified"
fi

# ---------------------------------------------------------------------------------------
# activation by a stand-in that passes fd 3 as systemd does

STATE=$T/state
SOCK=$T/act.sock
LOG=$T/activate.log
export WSL_SERVICE_SOCKET=$SOCK
bg "$PY" "$ACTIVATE" --socket "$SOCK" --log "$LOG" -- \
    "$WSLSERVICE_BIN" --state-dir "$STATE" --idle-timeout 2 2>>"$T/service.1.log"
ACT_PID=$BG_PID
wait_until 10 test -S "$SOCK" || die "activate.py did not listen"

events() { "$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == sys.argv[2]:
        print(e.get("pid"), str(e.get("state", e.get("status", ""))).replace("\n", ";"))' "$LOG" "$1"; }
count() { events "$1" | grep -c . || true; }
starts_are() { [[ $(count start) -eq $1 ]]; }
now() { "$PY" -c 'import time; print(time.monotonic())'; }  # the clock activate.py logs with

sleep 0.3
assert_eq "nothing is started before a client comes" 0 "$(count start)"
expect_ok "wsl --status --format json starts the service" wsl --status --format json
assert_eq "  ...one start" 1 "$(count start)"
PID1=$(events start | awk '{print $1}')
check "  ...it runs" not gone "$PID1"
assert_match "  ...READY=1 came from its main pid" "$(events notify)" "^$PID1 READY=1;MAINPID=$PID1"
assert_eq "  ...and nothing from another process" "" "$(events notify-refused)"
assert_contains "  ...it says it was handed the socket" "$(cat "$T/service.1.log")" \
    "listening on the socket systemd passed"
expect_ok "import a distro through it" wsl --import Kept "$(fresh_dir k)" "$SRC"

check "after 2 s idle it exits" wait_until 10 gone "$PID1"
assert_eq "  ...with status 0" "$PID1 0" "$(events exit | head -n 1)"
assert_match "  ...after STOPPING=1" "$(events notify | tail -n 1)" "^$PID1 STOPPING=1"
assert_contains "  ...and logs why" "$(cat "$T/service.1.log")" "idle, exiting"
check "  ...the socket still accepts clients" test -S "$SOCK"

expect_ok "the next client starts it again" wsl -l -q
assert_eq "  ...a second start" 2 "$(count start)"
assert_eq "  ...with the distro registered before" Kept "$OUT"
PID2=$(events start | tail -n 1 | awk '{print $1}')
check "  ...and exits again when idle" wait_until 10 gone "$PID2"

# A client that is connected but quiet keeps it up.
bg "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(4.5)' "$SOCK"
HOLD=$BG_PID
check "a connected client starts it" wait_until 5 starts_are 3
PID3=$(events start | tail -n 1 | awk '{print $1}')
sleep 3.5
check "  ...it stays while the client is connected (3.5 s > 2 s)" not gone "$PID3"
wait "$HOLD" 2>/dev/null
check "  ...and exits after it left" wait_until 10 gone "$PID3"

# A running distro keeps it up, and so does a session (and its instance) until both end.
if require_runnable "$SRC.src" 2>/dev/null; then
    bg wsl -d Kept -- sleep 4 </dev/null
    SESSION=$BG_PID
    check "a session starts it" wait_until 5 starts_are 4
    PID4=$(events start | tail -n 1 | awk '{print $1}')
    sleep 3
    check "  ...it stays while the distro runs" not gone "$PID4"
    wait "$SESSION"
    assert_eq "  ...the session ended normally" 0 "$?"
    ENDED=$(now)
    check "  ...it exits once the distro stopped and 2 s passed" wait_until 10 gone "$PID4"
    # The distro stops 0.5 s after the session; the 2 s count from then, not from the last
    # client.
    EXITED=$("$PY" -c 'import json, sys
print([e["t"] for e in map(json.loads, open(sys.argv[1])) if e["event"] == "exit"][-1])' "$LOG")
    check "  ...2 s after the distro stopped, not after its last client (took $(
        "$PY" -c "print(round($EXITED - $ENDED, 2))") s)" \
        "$PY" -c "import sys; sys.exit(not $EXITED - $ENDED >= 2.2)"
else
    note "no runnable rootfs: the running-distro case is skipped"
fi
expect_ok "an export while activated" wsl --export Kept "$T/kept.tar"
check "  ...wrote the tarball" test -s "$T/kept.tar"
kill -TERM "$ACT_PID"
wait "$ACT_PID" 2>/dev/null

# ---------------------------------------------------------------------------------------
# systemd's own activation tool, where it exists

if command -v systemd-socket-activate >/dev/null; then
    REAL=$T/real.sock
    bg systemd-socket-activate -l "$REAL" "$WSLSERVICE_BIN" --state-dir "$STATE" --idle-timeout 1 \
        >>"$T/service.2.log" 2>&1
    REAL_PID=$BG_PID
    wait_until 10 test -S "$REAL" || die "systemd-socket-activate did not listen"
    run env WSL_SERVICE_SOCKET="$REAL" "$WSL_BIN" -l -q
    assert_eq "systemd-socket-activate hands wslservice its socket" "0:Kept" "$RC:$OUT"
    check "  ...and the service exits when idle" wait_until 10 gone "$REAL_PID"
else
    note "no systemd-socket-activate"
fi

# ---------------------------------------------------------------------------------------
# what systemd might pass wrongly

OWN=$T/own.sock
run timeout 5 sh -c 'LISTEN_PID=1 LISTEN_FDS=1 exec "$@" 3</dev/null' sh "$WSLSERVICE_BIN" \
    --socket "$OWN" --state-dir "$STATE" --idle-timeout 1
assert_eq "LISTEN_PID of another process is ignored: it binds --socket, then exits idle" 0 "$RC"
assert_contains "  ...listening on its own socket" "$ERR" "listening on $OWN"
run timeout 5 sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$@"' sh "$WSLSERVICE_BIN" \
    --socket "$OWN" --state-dir "$STATE"
assert_eq "two sockets are refused" 1 "$RC"
assert_contains "  ...saying so" "$ERR" "exactly one socket"
run timeout 5 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@" 3<"$0"' "$SRC" "$WSLSERVICE_BIN" \
    --socket "$OWN" --state-dir "$STATE"
assert_eq "a file as fd 3 is refused" 1 "$RC"
assert_contains "  ...saying what is wrong" "$ERR" "not a listening Unix stream socket"
run "$WSLSERVICE_BIN" --idle-timeout -3
assert_eq "a negative --idle-timeout is a usage error" 2 "$RC"

finish
