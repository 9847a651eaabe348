#!/usr/bin/env bash
# A registry that cannot be read is an error, never an empty registry: with the service out
# of descriptors, `wsl -l` fails instead of showing nothing, a change is refused instead of
# writing an empty registry, and crash repair deletes no storage unless it read a registry
# (a corrupted, unreadable or missing registry keeps every directory).
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
REG=$(registry_file 0)

expect_ok "import d1 into the default storage" wsl --import d1 '' "$SRC" || die "no import"
expect_ok "import d2 at a location" wsl --import d2 "$T/d2" "$SRC"
D1_BASE=$(reg_field d1 basePath)
assert_exists "d1's storage exists" "$D1_BASE/private/rootfs/etc/os-release"

restart() {
    kill_service
    start_service "$STATE" "$SOCK"
}
# first_free_fd: the lowest descriptor number the service does not use (the next it gets).
first_free_fd() {
    local i=0
    while [[ -e /proc/$SERVICE_PID/fd/$i ]]; do i=$((i + 1)); done
    echo "$i"
}

# ---------------------------------------------------------------------------------------
# out of descriptors when the registry is first read

restart
wsl -l -q >/dev/null 2>&1
sleep 0.5 # the connections above are closed
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$SERVICE_PID/limits")
reg_before=$(cat "$REG")
# One descriptor left: enough to accept a client, not to write the registry as well, nor to
# read it back after that failure.
prlimit --pid "$SERVICE_PID" --nofile=$(($(first_free_fd) + 1)): || die "prlimit failed"
expect_fail "a change fails when the registry cannot be written (out of descriptors)" "" \
    wsl --set-default-version 1
assert_eq "  ...the registry file is unchanged" "$reg_before" "$(cat "$REG")"
sleep 0.3 # that request's connection is closed: its descriptor is the one left
run wsl -l --format json
if ((RC == 255)) && grep -q "REGISTRY_UNREADABLE" <<<"$ERR"; then
    ok "wsl -l then fails too: the registry could not be read back"
else
    not_ok "wsl -l then fails too: the registry could not be read back" "$(cmd_report)"
fi
assert_not_contains "  ...and does not claim an empty list" "$OUT" '"distributions": []'
prlimit --pid "$SERVICE_PID" --nofile="$soft":
expect_ok "with descriptors back, a change works" wsl --set-default-version 1
expect_ok "  ...and wsl -l works" wsl -l -q
assert_eq "  ...showing both distros" "d1 d2" "$(sort <<<"$OUT" | xargs)"
assert_eq "  ...and the registry still names both" "d1 d2" "$(reg_names | sort | xargs)"
restart
assert_exists "after a restart d1's storage is still there" "$D1_BASE/private/rootfs/etc/os-release"
expect_ok "d1 still exports" wsl --export d1 "$T/d1.tar"

# ---------------------------------------------------------------------------------------
# crash repair on registries it cannot trust

kill_service
cp "$REG" "$T/registry.good"
printf '{"defaultDistro": "", "distros": [' >"$REG"
start_service "$STATE" "$SOCK"
assert_exists "a corrupted registry: d1's storage is kept" "$D1_BASE/private/rootfs/etc/os-release"
assert_match "  ...and the log says why nothing was repaired" "$(cat "$SERVICE_LOG")" "no crash repair"
expect_fail "  ...and requests fail with the registry's error" "WSL_E_REGISTRY_CORRUPTED" wsl -l -q
assert_eq "  ...which stays as it was" '{"defaultDistro": "", "distros": [' "$(cat "$REG")"

kill_service
rm -f "$REG"
ln -s "$T/registry.good" "$REG"
start_service "$STATE" "$SOCK"
assert_exists "a registry that is a symlink is not followed: d1's storage is kept" "$D1_BASE/private/rootfs/etc/os-release"
expect_fail "  ...and requests fail" "WSL_E_REGISTRY_UNREADABLE|WSL_E_REGISTRY_CORRUPTED" wsl -l -q

kill_service
rm -f "$REG"
start_service "$STATE" "$SOCK"
wsl -l >/dev/null 2>&1 # answered once start-up repair is done
assert_exists "a missing registry: d1's storage is kept all the same" "$D1_BASE/private/rootfs/etc/os-release"
assert_absent "  ...and the start-up writes no registry of its own" "$REG"
expect_ok "  ...the user imports again meanwhile (a new registry file)" wsl --import d3 "$T/d3" "$SRC"
restart
assert_exists "  ...and a second start keeps d1's whole tree, which no record names" \
    "$D1_BASE/private/rootfs/etc/os-release"
assert_match "  ...saying so in the log" "$(cat "$SERVICE_LOG")" "kept .*: a whole distribution"
expect_ok "  ...d3 unregisters" wsl --unregister d3

# Another user's registry is corrupted: a service with an idle timeout (as under systemd)
# keeps serving everyone else.
kill_service
mkdir -p "$STATE/users/4242"
printf '{' >"$STATE/users/4242/registry.json"
cp "$T/registry.good" "$REG"
"$WSLSERVICE_BIN" --socket "$SOCK" --state-dir "$STATE" --idle-timeout 30 >>"$T/idle.log" 2>&1 &
SERVICE_PID=$!
SERVICE_PIDS+=("$SERVICE_PID")
wait_until 10 can_connect "$SOCK" || not_ok "the service listens" "$(cat "$T/idle.log")"
sleep 1 # a few idle checks
check "with an unreadable registry of uid 4242 and an idle timeout, the service runs on" service_alive
expect_ok "  ...and serves root" wsl -l -q
rm -rf "$STATE/users/4242"

kill_service
cp "$T/registry.good" "$REG"
start_service "$STATE" "$SOCK"
expect_ok "the good registry back: both distros listed" wsl -l -q
assert_eq "  ...d1 and d2" "d1 d2" "$(sort <<<"$OUT" | xargs)"
expect_ok "d1 unregisters" wsl --unregister d1
assert_absent "  ...and its storage goes" "$D1_BASE"
expect_ok "d2 unregisters" wsl --unregister d2
check_registry
check "service still running" service_alive
finish
