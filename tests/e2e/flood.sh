#!/usr/bin/env bash
# One local user floods the service: hundreds of silent connections carrying descriptors, a
# request trickled a byte a second, thousands of bad requests for the log, and a service
# that has run out of descriptors. Another user is still served at once, the flooder is held
# to its share (64 connections, 8 descriptors a request), the service does not spin, and its
# descriptors return to their baseline once the flood ends.
source "$(dirname "$0")/lib.sh"

create_test_users
start_service
UA=wsltest-a
UB=wsltest-b
B_UID=$(id -u $UB)
A_UID=$(id -u $UA)
BD=$T/b
mkdir -p "$BD"
chown "$UB:$(id -g $UB)" "$BD"
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
chmod 644 "$SRC"
PER_USER=64

fd_count() { ls "/proc/$SERVICE_PID/fd" | wc -l; }
# CPU time of the service in clock ticks (utime + stime; its name has no spaces).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVICE_PID/stat"; }
# ms CMD...: runs CMD, prints how long it took in milliseconds.
ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}
# flood_as USER N SECONDS FDS OUT: starts helpers.py flood in the background as USER and
# waits for its report line in OUT.
flood_as() {
    local user=$1 n=$2 secs=$3 fds=$4 out=$5
    if [[ $user == root ]]; then
        bg "$PY" "$HELPERS" flood "$SOCK" "$n" "$secs" "$fds" >"$out"
    else
        bg as_user "$user" "$PY" "$HELPERS" flood "$SOCK" "$n" "$secs" "$fds" >"$out"
    fi
    wait_until 30 grep -q refused "$out" || die "the flood did not start" "$(cat "$out")"
}
fds_at_rest() { (($(fd_count) <= BASE_FDS + 2)); }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$2"; }

expect_ok "B imports a distro" uwsl $UB --import b1 "$BD/b1" "$SRC" || die "B cannot import"
expect_ok "B runs it" uwsl $UB -d b1 -- echo ready
wsl -l >/dev/null 2>&1
sleep 0.5
BASE_FDS=$(fd_count)
note "service descriptors at rest: $BASE_FDS"

# ---------------------------------------------------------------------------------------
# 300 silent connections from A, each with 8 descriptors riding along

flood_as $UA 300 30 8 "$T/flood1.out"
note "A's flood: $(cat "$T/flood1.out")"
expect_fail "A's own next request is refused while A is at the limit" E_TOO_MANY_CONNECTIONS uwsl $UA -l
assert_contains "  ...saying why" "$ERR" "limit per user"
open=$(field open "$T/flood1.out")
refused=$(field refused "$T/flood1.out")
check "A holds at most $PER_USER connections (open: $open)" test "$open" -le $PER_USER
check "the rest of A's connections were refused with an error ($refused)" test "$refused" -ge $((300 - PER_USER))
fds=$(fd_count)
check "the service holds at most $PER_USER x (1 + 8) descriptors for A ($fds, at rest $BASE_FDS)" \
    test "$fds" -le $((BASE_FDS + PER_USER * 9 + 8))
t=$(ms uwsl $UB -l -q)
note "B's wsl -l during A's flood: $t ms"
expect_ok "B lists during A's flood" uwsl $UB -l -q
assert_eq "  ...and sees b1" b1 "$OUT"
expect_ok "B runs a command during A's flood" uwsl $UB -d b1 -- echo still-here
assert_eq "  ...with its output" still-here "$OUT"
expect_ok "B imports during A's flood" uwsl $UB --import b2 "$BD/b2" "$SRC"
# The first-frame deadline (10 s) closes A's silent connections long before A lets go.
if wait_until 20 fds_at_rest; then
    ok "A's silent connections are dropped after the deadline (descriptors: $(fd_count))"
else
    not_ok "A's silent connections are dropped after the deadline" "descriptors: $(fd_count), at rest $BASE_FDS"
fi
expect_ok "A is served again once its connections are gone" uwsl $UA -l --format json
kill "$BG_PID" 2>/dev/null

# ---------------------------------------------------------------------------------------
# a request trickled a byte a second is cut off by the same deadline

run as_user $UA "$PY" "$HELPERS" slow "$SOCK" 25
note "trickled request: $OUT"
if [[ $OUT =~ cut\ off\ after\ ([0-9]+) ]] && ((BASH_REMATCH[1] <= 13)); then
    ok "a trickled request is cut off within the deadline ($OUT)"
else
    not_ok "a trickled request is cut off within the deadline" "$OUT"
fi

# ---------------------------------------------------------------------------------------
# thousands of bad requests: the log holds A's share, not all of them

log_lines() { grep -c "uid $A_UID" "$SERVICE_LOG"; }
before=$(log_lines)
as_user $UA "$PY" - "$SOCK" <<'EOF'
import json, socket, struct, sys
for i in range(3000):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    body = json.dumps({"v": 1, "op": "no-such-op-" + "x" * 200}).encode()
    s.sendall(struct.pack("<I", len(body)) + body)
    s.recv(4096)
    s.close()
EOF
after=$(log_lines)
note "log lines about A for 3000 bad requests: $((after - before))"
size_before=$(stat -c %s "$SERVICE_LOG")
as_user $UA "$PY" - "$SOCK" <<'EOF'
import json, socket, struct, sys
for i in range(50):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    body = json.dumps({"v": 1, "op": "rename", "name": "x", "newName": "y" * 900000 +
                       "\n2026-01-01 00:00:00 wslservice: FORGED"}).encode()
    s.sendall(struct.pack("<I", len(body)) + body)
    s.recv(4096)
    s.close()
EOF
grown=$(($(stat -c %s "$SERVICE_LOG") - size_before))
check "50 requests naming 900 KB each grow the log by little ($grown bytes)" test "$grown" -lt 100000
assert_no_match "  ...and no client text forges a line of its own" "$(cat "$SERVICE_LOG")" "^2026-01-01 00:00:00 wslservice: FORGED"
check "the log keeps A to its share ($((after - before)) lines for 3000 requests)" test $((after - before)) -le 600
check "no log line carries the client's long operation name whole" \
    test "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$SERVICE_LOG")" -lt 300
expect_ok "B is still served" uwsl $UB -l -q

# ---------------------------------------------------------------------------------------
# ids of a user's subordinate range are not users of their own (each would get 64 more)

SUB=$(awk -F: -v u=$UA '$1 == u { print $2 + 5; exit }' /etc/subuid)
if [[ -n $SUB ]]; then
    bg setpriv --reuid="$SUB" --regid="$SUB" --clear-groups "$PY" "$HELPERS" flood "$SOCK" 100 15 0 >"$T/flood-sub.out"
    wait_until 30 grep -q refused "$T/flood-sub.out"
    note "connections from uid $SUB (A's subordinate range): $(cat "$T/flood-sub.out")"
    assert_eq "all 100 connections from an id of A's range are refused at once" 100 \
        "$(field refused "$T/flood-sub.out")"
    check "  ...holding nothing in the service" fds_at_rest
    expect_ok "  ...while B is served" uwsl $UB -l -q
    kill "$BG_PID" 2>/dev/null
else
    note "no /etc/subuid range for $UA: the subordinate-id flood is not checked"
fi

# ---------------------------------------------------------------------------------------
# out of descriptors: the service answers instead of spinning or hanging

soft=$(awk '/^Max open files/ { print $4 }' "/proc/$SERVICE_PID/limits")
prlimit --pid "$SERVICE_PID" --nofile=120: || die "prlimit failed"
flood_as $UA 64 20 0 "$T/flood2.out"
flood_as root 64 20 0 "$T/flood3.out"
note "A: $(cat "$T/flood2.out"); root: $(cat "$T/flood3.out")"
c0=$(cpu_ticks)
sleep 2
c1=$(cpu_ticks)
note "service CPU over 2 s out of descriptors: $((c1 - c0)) ticks"
check "the service does not spin when out of descriptors ($((c1 - c0)) ticks in 2 s)" test $((c1 - c0)) -le 40
WSL_TIMEOUT=8
run uwsl $UB -l -q
WSL_TIMEOUT=60
if ((RC == 255)) && grep -q "out of resources" <<<"$ERR"; then
    ok "B gets an answer (out of resources), not a hang"
elif ((RC == 0)); then
    ok "B is served even now"
else
    not_ok "B gets an answer (out of resources), not a hang" "$(cmd_report)"
fi
check "the service survives running out of descriptors" service_alive
prlimit --pid "$SERVICE_PID" --nofile="$soft":
if wait_until 20 fds_at_rest; then
    ok "descriptors back to the baseline after the floods ($(fd_count))"
else
    not_ok "descriptors back to the baseline after the floods" "$(fd_count) now, $BASE_FDS at rest"
fi
expect_ok "B is served after the floods" uwsl $UB -d b1 -- echo after
assert_eq "  ...with its output" after "$OUT"
check "service still running" service_alive
finish
