#!/usr/bin/env bash
# Load: 1,000 sessions one after another, 50 at once, and 20 imports at once from 4 users; the
# service's descriptors, threads and memory come back to where they were. One user floods the
# service (idle connections and back-to-back requests) while another times `wsl -l`: printed,
# and the flood may not slow it by more than 10 ms (median).
source "$(dirname "$0")/lib.sh"

create_test_users
start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
chmod 644 "$SRC"
USERS=("${TEST_USERS[@]}")
UA=${USERS[0]} UB=${USERS[1]}

fds() { ls "/proc/$SERVICE_PID/fd" | wc -l; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$SERVICE_PID/status"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVICE_PID/status"; }
at_rest() { (($(fds) <= BASE_FDS && $(threads) <= BASE_THREADS)); }
# settled DESC: descriptors and threads back to the baseline, memory within 2 MiB of it.
settled() {
    if wait_until 20 at_rest; then
        ok "$1: descriptors ($(fds)) and threads ($(threads)) back to the baseline"
    else
        not_ok "$1: descriptors and threads back to the baseline" \
            "fds $(fds) (baseline $BASE_FDS), threads $(threads) (baseline $BASE_THREADS)"
    fi
    local rss
    rss=$(rss_kib)
    note "$1: service RSS $rss KiB (baseline $BASE_RSS KiB)"
    # ASan keeps freed memory in quarantine: its RSS says nothing about leaks (LeakSanitizer
    # does, at exit).
    asan_build "$WSLSERVICE_BIN" && return 0
    check "$1: memory back near the baseline ($rss KiB, baseline $BASE_RSS KiB)" \
        test "$rss" -le $((BASE_RSS + 2048))
}

expect_ok "import the distro the sessions run in" wsl --import L "$T/L" "$SRC" || die "no import"
printf '[general]\ninstanceIdleTimeout=-1\n' >"$T/wslconfig"
export HOME=$T/home
mkdir -p "$HOME" && cp "$T/wslconfig" "$HOME/.wslconfig"
expect_ok "start it" wsl -d L -e true
wsl -l >/dev/null
sleep 1
BASE_FDS=$(fds) BASE_THREADS=$(threads) BASE_RSS=$(rss_kib)
note "baseline: $BASE_FDS descriptors, $BASE_THREADS threads, $BASE_RSS KiB"

# ---------------------------------------------------------------------------------------
# sessions

t0=$(date +%s%N)
failed=0
for i in $(seq 1000); do
    "$WSL_BIN" -d L -e true </dev/null || failed=$((failed + 1))
done
ms=$((($(date +%s%N) - t0) / 1000000))
note "1,000 sequential sessions: $ms ms ($((ms / 1000)).$((ms % 1000 / 100)) ms each)"
assert_eq "1,000 sequential sessions all succeed" 0 "$failed"
settled "after 1,000 sessions"

pids=()
for i in $(seq 50); do
    "$WSL_BIN" -d L -e sh -c "sleep 1; echo s$i" </dev/null >"$T/conc.$i" 2>&1 &
    pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
assert_eq "50 concurrent sessions all succeed" 0 "$failed"
wrong=0
for i in $(seq 50); do [[ $(cat "$T/conc.$i") == "s$i" ]] || wrong=$((wrong + 1)); done
assert_eq "  ...each with its own output" 0 "$wrong"
settled "after 50 concurrent sessions"

# ---------------------------------------------------------------------------------------
# 20 concurrent imports from 4 users

for u in "${USERS[@]}"; do
    mkdir -p "$T/imp-$u" && chown "$u" "$T/imp-$u"
done
pids=()
for u in "${USERS[@]}"; do
    for i in 1 2 3 4 5; do
        uwsl "$u" --import "i$i" "$T/imp-$u/i$i" "$SRC" >"$T/imp-$u.$i.out" 2>&1 &
        pids+=($!)
    done
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
assert_eq "20 concurrent imports from 4 users all succeed" 0 "$failed"
for u in "${USERS[@]}"; do
    assert_eq "  ...$u has its five" "i1 i2 i3 i4 i5" "$(reg_names "$(id -u "$u")" | sort | xargs)"
    for i in 1 2 3 4 5; do uwsl "$u" --unregister "i$i" >/dev/null 2>&1 || not_ok "unregister $u i$i"; done
done
settled "after 20 concurrent imports"

# ---------------------------------------------------------------------------------------
# one user floods, another lists

run as_user $UB "$PY" "$HELPERS" time-list "$SOCK" 200
read -r quiet_med quiet_p95 quiet_failed <<<"$OUT"
bg as_user $UA "$PY" "$HELPERS" flood "$SOCK" 50 30 0 >"$T/flood.out"
for i in 1 2 3; do
    bg as_user $UA "$PY" "$HELPERS" spam "$SOCK" 15 >"$T/spam.$i"
done
wait_until 10 grep -q refused "$T/flood.out"
sleep 1
run as_user $UB "$PY" "$HELPERS" time-list "$SOCK" 200
read -r flood_med flood_p95 flood_failed <<<"$OUT"
note "B's list round trip: median $quiet_med ms (p95 $quiet_p95) alone, $flood_med ms (p95 $flood_p95) while A floods"
assert_eq "B's lists all answered while A floods" 0 "$flood_failed"
check "A's flood slows B's list by at most 10 ms (median $quiet_med -> $flood_med ms)" \
    "$PY" -c "import sys; sys.exit(0 if float('$flood_med') - float('$quiet_med') <= 10 else 1)"
t0=$(date +%s%N)
uwsl $UB -l -q >/dev/null 2>&1
note "B's 'wsl -l' command under the flood: $((($(date +%s%N) - t0) / 1000000)) ms (with setpriv and process start)"
for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
note "A's spam got $(cat "$T"/spam.* | paste -sd+ | bc) answers in 15 s"
settled "after the flood"

check "service still running" service_alive
finish
