#!/usr/bin/env bash
# The life of a running version 1 distro: Running/Stopped in the list, --terminate (also of
# processes that ignore SIGTERM or fork), --shutdown, the idle timeout from ~/.wslconfig
# (a daemon keeps the distro up), export/move/unregister stopping it first, cgroups and
# limits, and a service restart leaving nothing running unseen.
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
private_home '[general]\ninstanceIdleTimeout=-1\n'
expect_ok "import A" wsl --import A "$(fresh_dir a)" "$SRC" || die "cannot import"
expect_ok "import B" wsl --import B "$(fresh_dir b)" "$SRC" || die "cannot import"

state_of() { wsl -l -v | sed 's/^\*/ /' | awk -v n="$1" '$1 == n {print $2}'; }
is_state() { [[ $(state_of "$1") == "$2" ]]; }

assert_eq "a fresh distro is Stopped" Stopped "$(state_of A)"
run wsl -l --running
OUT=$OUT$ERR
assert_eq "  ...and --running says none run" "There are no running distributions." "$OUT"
expect_ok "run something" wsl -d A -- true </dev/null
assert_eq "after a command it is Running" Running "$(state_of A)"
assert_eq "  ...the other one is not" Stopped "$(state_of B)"
run wsl -l --running -q
assert_eq "--running lists it" A "$OUT"

# ---------------------------------------------------------------------------------------
# terminate: the whole namespace goes, whatever its processes do

wsl -d A -e sh -c "trap '' TERM HUP; (sleep 3101 &) >/dev/null 2>&1 sh -c 'trap \"\" TERM; sleep 3102' >/dev/null 2>&1 &" </dev/null
wsl -d A -e sh -c 'for i in 1 2 3; do (sleep 310$((i+2)) &) ; done' </dev/null
check "background processes run" wait_until 10 pgrep -f "sleep 3105"
assert_eq "a daemon keeps it Running after its session ended" Running "$(state_of A)"
expect_ok "--terminate A" wsl --terminate A
assert_eq "  ...prints success" "The operation completed successfully." "$OUT"
check "  ...kills what ignores SIGTERM and what forked" not pgrep -f "sleep 310[1-5]"
assert_eq "  ...A is Stopped" Stopped "$(state_of A)"
expect_ok "-t is --terminate (of a stopped distro: fine)" wsl -t A
expect_fail "--terminate nosuch" WSL_E_DISTRO_NOT_FOUND wsl --terminate nosuch

expect_ok "start both" wsl -d A -- true </dev/null
wsl -d B -- true </dev/null
wsl -d B -e sh -c '(sleep 3201 &) >/dev/null 2>&1' </dev/null
expect_ok "--shutdown" wsl --shutdown
check "  ...stops every distro of the caller" not pgrep -f "sleep 3201"
assert_eq "  ...A Stopped" Stopped "$(state_of A)"
assert_eq "  ...B Stopped" Stopped "$(state_of B)"
expect_ok "--shutdown --force with nothing running" wsl --shutdown --force

# ---------------------------------------------------------------------------------------
# idle timeout

printf '[general]\ninstanceIdleTimeout=800\n' >"$HOME/.wslconfig"
expect_ok "run with instanceIdleTimeout=800" wsl -d A -- true </dev/null
assert_eq "  ...Running right after" Running "$(state_of A)"
check "  ...Stopped after the timeout" wait_until 10 is_state A Stopped
wsl -d A -e sh -c '(sleep 2 &) >/dev/null 2>&1' </dev/null
sleep 1.3
assert_eq "a surviving descendant of a session keeps it running past the timeout" Running "$(state_of A)"
check "  ...and it stops once that is gone" wait_until 10 is_state A Stopped
"$WSL_BIN" -d A -e sleep 2 </dev/null &
LONG=$!
sleep 1.3
assert_eq "a session that lasts longer than the timeout keeps it running" Running "$(state_of A)"
wait $LONG
printf '[general]\ninstanceIdleTimeout=nonsense\nbogus=1\n' >"$HOME/.wslconfig"
run wsl -d A -- true </dev/null
assert_contains "a bad ~/.wslconfig value warns with file:line" "$ERR" "$HOME/.wslconfig:2"
assert_contains "  ...an unknown key too" "$ERR" "Unknown key 'general.bogus' in $HOME/.wslconfig:3"
assert_eq "  ...and the command still ran" 0 "$RC"
expect_ok "terminate" wsl -t A
printf '[general]\ninstanceIdleTimeout=-1\n' >"$HOME/.wslconfig"

# ---------------------------------------------------------------------------------------
# operations that need a stopped distro stop it first

wsl -d A -e sh -c '(sleep 3301 &) >/dev/null 2>&1' </dev/null
expect_ok "export of a running distro" wsl --export A "$T/a.tar"
check "  ...stopped it first" not pgrep -f "sleep 3301"
assert_eq "  ...A Stopped" Stopped "$(state_of A)"
wsl -d A -e sh -c '(sleep 3302 &) >/dev/null 2>&1' </dev/null
expect_ok "move of a running distro" wsl --manage A --move "$(fresh_path moved)"
check "  ...stopped it first" not pgrep -f "sleep 3302"
run wsl -d A -e echo moved-ok </dev/null
assert_eq "  ...and it runs from the new place" moved-ok "$OUT"
wsl -d B -e sh -c '(sleep 3303 &) >/dev/null 2>&1' </dev/null
expect_ok "unregister of a running distro" wsl --unregister B
check "  ...stopped it first" not pgrep -f "sleep 3303"

# ---------------------------------------------------------------------------------------
# cgroups (optional on the host, never needed for correctness)

printf '[general]\ninstanceIdleTimeout=-1\n[wsl1]\nmemory=256MB\nprocesses=64\n' >"$HOME/.wslconfig"
wsl -t A
expect_ok "start with memory and process limits" wsl -d A -- true </dev/null
GUID=$(reg_field A guid)
CG=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "0-$GUID" 2>/dev/null)
if [[ -z $CG ]]; then
    note "no cgroup hierarchy usable here; limits not checked"
else
    PIDS_DIR=$(grep -l . /sys/fs/cgroup/pids/wsl/0-"$GUID"/pids.max /sys/fs/cgroup/wsl/0-"$GUID"/pids.max 2>/dev/null | head -n 1)
    MEM=$(cat /sys/fs/cgroup/memory/wsl/0-"$GUID"/memory.limit_in_bytes /sys/fs/cgroup/wsl/0-"$GUID"/memory.max 2>/dev/null | head -n 1)
    assert_eq "the distro has a memory limit of 256 MiB" $((256 << 20)) "$MEM"
    assert_eq "  ...and a pids limit of 64" 64 "$(cat "$PIDS_DIR")"
    run wsl -d A -e sh -c 'for i in $(seq 100); do sleep 5 & done 2>&1; wait' </dev/null
    assert_contains "  ...which holds inside" "$ERR$OUT" "fork"
    expect_ok "terminate" wsl -t A
    check "the cgroup is removed when the distro stops" wait_until 5 not test -d "$CG"
fi
printf '[general]\ninstanceIdleTimeout=-1\n' >"$HOME/.wslconfig"

# ---------------------------------------------------------------------------------------
# a process limit on every distro, cgroups or not (RLIMIT_NPROC on its user namespace)

wsl -t A >/dev/null
soft=$(ulimit -Su)
task=$(($(cat /proc/sys/kernel/pid_max) < $(cat /proc/sys/kernel/threads-max) ? \
    $(cat /proc/sys/kernel/pid_max) : $(cat /proc/sys/kernel/threads-max)))
share=$((task * 15 / 100 > 64 ? task * 15 / 100 : 64))
if [[ $soft == unlimited ]] || ((soft > share)); then want=$share; else want=$soft; fi
run wsl -d A -e cat /proc/1/limits </dev/null
assert_match "by default a distro gets min(the caller's RLIMIT_NPROC, 15% of the task space) = $want" \
    "$OUT" "^Max processes +$want +$want "
run wsl -d A -e cat /proc/self/limits </dev/null
assert_match "  ...its sessions too" "$OUT" "^Max processes +$want +$want "

printf '[general]\ninstanceIdleTimeout=-1\n[wsl1]\nprocesses=200\n' >"$HOME/.wslconfig"
wsl -t A >/dev/null
expect_ok "with [wsl1] processes=200, root inside starts 100 background processes" \
    wsl -d A -u root -e sh -c 'for i in $(seq 100); do sleep 3501 & done' </dev/null
run wsl -d A -u 1000 -e sh -c 'n=0; while [ $n -lt 300 ]; do sleep 3502 & n=$((n+1)); echo $n; done' </dev/null
last=$(tail -n 1 <<<"$OUT")
note "uid 1000 started $last processes next to root's 100"
check "  ...then uid 1000 is held to what is left of the 200, all ids counted together ($last)" \
    test "${last:-0}" -gt 50 -a "${last:-999}" -lt 100
assert_contains "  ...its shell told why" "$ERR" "fork"
expect_ok "  ...and terminate takes them all" wsl -t A
check "  ...none left" wait_until 5 not pgrep -f "sleep 350[12]"
printf '[general]\ninstanceIdleTimeout=-1\n' >"$HOME/.wslconfig"

# ---------------------------------------------------------------------------------------
# a service restart leaves nothing running unseen

wsl -d A -e sh -c '(sleep 3401 &) >/dev/null 2>&1' </dev/null
check "a daemon runs" pgrep -f "sleep 3401"
kill_service 9
check "when the service dies, its distros die too" wait_until 10 not pgrep -f "sleep 3401"
start_service "$STATE" "$SOCK"
assert_eq "after the restart A shows Stopped" Stopped "$(state_of A)"
run wsl -d A -e echo again </dev/null
assert_eq "  ...and starts again" again "$OUT"

check "service still running" service_alive
finish
