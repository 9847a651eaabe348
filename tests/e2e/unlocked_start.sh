#!/usr/bin/env bash
# No user lock is held while a distro starts or stops: with a start held at its first step
# (the test build's pause hook "run.instance-starting", inside the unlocked part), the same
# user's -l, --status and other distros answer at once; a second launch of the starting
# distro waits for it instead of starting another; --terminate and --unregister wait for the
# start, then stop it. (systemd.sh times `wsl -l` while a real systemd distro boots.)
source "$(dirname "$0")/lib.sh"

grep -aq WSL_TEST_PAUSE_RELEASE "$WSLSERVICE_BIN" ||
    skip_all "wslservice was built without WSL_TEST_HOOKS (cmake -DWSL_TEST_HOOKS=ON)"
start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
expect_ok "import Box" wsl --import Box "$(fresh_dir box)" "$SRC" || die "cannot import"
expect_ok "import Other" wsl --import Other "$(fresh_dir other)" "$SRC" || die "cannot import"

kill_service
rm -f "$T/paused" "$T/release"
WSL_TEST_PAUSE_AT=run.instance-starting WSL_TEST_PAUSE_MARK=$T/paused \
    WSL_TEST_PAUSE_RELEASE=$T/release start_service "$STATE" "$SOCK"
# Other starts first (released at once), so that its start is not the one held.
touch "$T/release"
expect_ok "Other runs" wsl -d Other -- echo other-up
rm -f "$T/release" "$T/paused"

"$WSL_BIN" -d Box -- echo first >"$T/first.out" 2>&1 </dev/null &
first=$!
BG_PIDS+=("$first")
wait_until 30 test -s "$T/paused" || die "the start of Box never reached its first step"

expect_ok "while Box starts: -l answers" timeout -k 1 5 "$WSL_BIN" -l
assert_contains "  ...and lists it" "$OUT" "Box"
expect_ok "  ...--status answers" timeout -k 1 5 "$WSL_BIN" --status
expect_ok "  ...another running distro runs a command" timeout -k 1 5 "$WSL_BIN" -d Other -- echo still
assert_eq "  ...its output" still "$OUT"
"$WSL_BIN" -d Box -- echo second >"$T/second.out" 2>&1 </dev/null &
second=$!
BG_PIDS+=("$second")
sleep 1
check "  ...a second launch of Box waits for the first start" kill -0 "$second"
touch "$T/release"
wait "$first"
assert_eq "released: the first launch runs" "0 first" "$? $(cat "$T/first.out")"
wait "$second"
assert_eq "  ...the second launch runs too" "0 second" "$? $(cat "$T/second.out")"
assert_eq "  ...in the one instance started (Other's and Box's are all there are)" 2 \
    "$(find "$STATE/instances" -type f | wc -l)"

# during_start VERB...: a launch of Box held at its first step, `wsl VERB...` then, which
# must wait for the start; the start released, VERB's status is in $RC.
during_start() {
    rm -f "$T/release" "$T/paused"
    "$WSL_BIN" -d Box -- sleep 30 >/dev/null 2>&1 </dev/null &
    local held=$! op
    BG_PIDS+=("$held")
    wait_until 30 test -s "$T/paused" || die "a start of Box never reached its first step"
    "$WSL_BIN" "$@" >"$T/op.out" 2>&1 </dev/null &
    op=$!
    BG_PIDS+=("$op")
    sleep 1
    check "$* waits for the start" kill -0 "$op"
    touch "$T/release"
    wait "$op"
    RC=$?
    wait "$held"
}

expect_ok "--terminate Box" wsl --terminate Box
during_start --terminate Box
assert_eq "  ...then stops it" 0 "$RC"
run wsl -l --running -q
assert_not_contains "  ...Box is not running" "$OUT" "Box"

during_start --unregister Box
assert_eq "  ...then unregisters" 0 "$RC"
run wsl -l -q
assert_not_contains "  ...Box is gone" "$OUT" "Box"
check "  ...no process of it is left" not pgrep -f "wsl-init instance.*Box"
check_registry
finish
