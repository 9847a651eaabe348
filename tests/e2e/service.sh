#!/usr/bin/env bash
# The service itself: it creates its state dir, its socket is open to every user (0666), a
# non-root user with nothing listening gets one line saying how to start wslservice (and no
# service is started for them), and root with nothing listening auto-starts one on
# $WSL_SERVICE_SOCKET with the state dir from $WSL_STATE_DIR, also over a stale socket file.
source "$(dirname "$0")/lib.sh"

create_test_users
UA=wsltest-a

# pids_of_service SOCK: pids of wslservice processes whose argv holds SOCK.
pids_of_service() {
    local p
    for p in /proc/[0-9]*; do
        if tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -Fx -- "$1" >/dev/null; then
            tr '\0' '\n' <"$p/cmdline" | grep wslservice >/dev/null && echo "${p#/proc/}"
        fi
    done
}

# ---------------------------------------------------------------------------------------
# socket and state dir

start_service "$T/state/nested" "$T/wsl.sock"
assert_exists "the service created its state dir" "$T/state/nested"
assert_eq "socket mode is 0666" 666 "$(stat -c %a "$T/wsl.sock")"
assert_eq "socket owned by root" 0 "$(stat -c %u "$T/wsl.sock")"
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
expect_ok "a user can reach the service" uwsl $UA -l -q
expect_ok "root imports" wsl --import svc1 "$(fresh_dir loc)" "$SRC"
assert_exists "  ...registry under the state dir" "$STATE/users/0/registry.json"
kill_service 15
check "the service exits on SIGTERM" not service_alive
kill_service 9

# ---------------------------------------------------------------------------------------
# a non-root user with no service listening

export WSL_SERVICE_SOCKET=$T/none.sock
run uwsl $UA -l
assert_eq "non-root, no service: exit 255" 255 "$RC"
assert_contains "  ...tells how to start wslservice" "$ERR" "wslservice"
check "  ...in one clear line (plus at most an error-code line)" test "$(grep -c . <<<"$ERR")" -le 2
assert_absent "  ...no service was started for a non-root user" "$T/none.sock"
assert_eq "  ...no wslservice process on that socket" "" "$(pids_of_service "$T/none.sock")"

# A stale socket file (nobody listening) gives the same answer.
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/stale.sock"
chmod 666 "$T/stale.sock"
export WSL_SERVICE_SOCKET=$T/stale.sock
run uwsl $UA --status
assert_eq "non-root, stale socket: exit 255" 255 "$RC"
assert_contains "  ...tells how to start wslservice" "$ERR" "wslservice"
assert_eq "  ...no wslservice process on that socket" "" "$(pids_of_service "$T/stale.sock")"

# ---------------------------------------------------------------------------------------
# root with no service listening: auto-start on $WSL_SERVICE_SOCKET with $WSL_STATE_DIR

mkdir -p "$T/auto"
export WSL_SERVICE_SOCKET=$T/auto/wsl.sock
export WSL_STATE_DIR=$T/auto-state
run wsl -l -q
assert_eq "root, no service: wsl -l -q auto-starts one and exits 0" 0 "$RC"
mapfile -t AUTO < <(pids_of_service "$T/auto/wsl.sock")
SERVICE_PIDS+=("${AUTO[@]}")
assert_eq "  ...exactly one wslservice on \$WSL_SERVICE_SOCKET" 1 "${#AUTO[@]}"
check "  ...listening" can_connect "$T/auto/wsl.sock"
assert_eq "  ...socket mode 0666" 666 "$(stat -c %a "$T/auto/wsl.sock" 2>&1)"
expect_ok "  ...import through it" wsl --import auto1 "$(fresh_dir loc)" "$SRC"
assert_exists "  ...its state dir is \$WSL_STATE_DIR" "$T/auto-state/users/0/registry.json"
STATE=$T/auto-state
check "  ...auto1 recorded there" reg_has auto1
run wsl -l -q
assert_eq "  ...a second command reuses it" "1" "$(pids_of_service "$T/auto/wsl.sock" | grep -c .)"

for p in "${AUTO[@]}"; do kill -9 "$p" 2>/dev/null; done
wait_until 5 bash -c '[[ -z $(for p in "$@"; do [[ -e /proc/$p ]] && echo x; done) ]]' _ "${AUTO[@]}"
check "  ...stale socket file left by SIGKILL" test -S "$T/auto/wsl.sock"
run wsl -l -q
assert_eq "root, stale socket: auto-starts again and exits 0" 0 "$RC"
assert_eq "  ...and still knows auto1 (same state dir)" auto1 "$OUT"
mapfile -t AUTO2 < <(pids_of_service "$T/auto/wsl.sock")
SERVICE_PIDS+=("${AUTO2[@]}")
assert_eq "  ...exactly one wslservice again" 1 "${#AUTO2[@]}"
expect_ok "  ...unregister auto1" wsl --unregister auto1
for p in "${AUTO2[@]}"; do kill -9 "$p" 2>/dev/null; done
unset WSL_STATE_DIR
finish
