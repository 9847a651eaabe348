#!/usr/bin/env bash
# boot.systemd = true: the distro's systemd runs as PID 1 of its namespaces (wsl-init stays
# as its helper), the start waits until systemd is running or degraded, units work, sessions
# belong to a logind login session of their user (systemctl --user, journalctl --user, the
# session bus), and --terminate, the idle timeout and a dying service still take everything
# down.
source "$(dirname "$0")/lib.sh"

TAR=$("$WSL_SRC/scripts/debian-rootfs.sh" systemd) || skip_all "cannot build a Debian rootfs with systemd"
start_service
private_home '[general]\ninstanceIdleTimeout=-1\n'
expect_ok "import Debian with systemd" wsl --import SD "$(fresh_dir sd)" "$TAR" || die "cannot import"
printf '[boot]\nsystemd = true\n' | wsl -d SD -u root -e sh -c 'cat > /etc/wsl.conf'
expect_ok "stop it so the next start reads wsl.conf" wsl --terminate SD

run wsl -d SD -u root -e cat /proc/1/comm </dev/null
assert_eq "PID 1 is systemd" systemd "$OUT"
run wsl -d SD -u root -e systemctl is-system-running </dev/null
assert_match "the first command ran once systemd was up" "$OUT" "^(running|degraded)$"
run wsl -d SD -u root -e systemd-run --unit=wsl-e2e-sleep sleep 4711 </dev/null
assert_eq "systemd-run starts a unit" 0 "$RC"
run wsl -d SD -u root -e systemctl is-active wsl-e2e-sleep </dev/null
assert_eq "  ...which is active" active "$OUT"
check "  ...and really runs" pgrep -f "sleep 4711"
# A session is part of a real login session of its user, as in WSL: `login -f USER` on a pty
# of its own, registered by pam_systemd with logind, which starts user@UID.service.
wsl -d SD -u root -e useradd -m -s /bin/bash alice </dev/null
run wsl -d SD -u alice -e sh -c 'echo "$XDG_RUNTIME_DIR $DBUS_SESSION_BUS_ADDRESS"; stat -c %U "$XDG_RUNTIME_DIR"' </dev/null
assert_eq "a user's session gets XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS, and the directory is theirs" "/run/user/1000 unix:path=/run/user/1000/bus
alice" "$OUT"
assert_eq "  ...without a warning" "" "$ERR"
run wsl -d SD -u alice -e loginctl list-sessions --no-legend </dev/null
assert_match "loginctl lists alice's session" "$OUT" "1000 +alice"
run wsl -d SD -u alice -e systemctl --user is-system-running </dev/null
assert_match "systemctl --user talks to alice's manager" "$OUT" "^(running|degraded)$"
run wsl -d SD -u alice -e journalctl --user --no-pager -n 50 </dev/null
assert_eq "journalctl --user works" 0 "$RC"
assert_contains "  ...and shows her manager's start" "$OUT" "Startup finished"
run wsl -d SD -u alice -e busctl --user --no-pager status </dev/null
assert_eq "the session bus answers at DBUS_SESSION_BUS_ADDRESS" 0 "$RC"
run wsl -d SD -u alice -e sh -c 'loginctl list-sessions --no-legend | grep -c " alice "' </dev/null
assert_eq "  ...one login session per user, however many sessions" 1 "$OUT"
run wsl -d SD -u root -e sh -c 'echo "$XDG_RUNTIME_DIR"; systemctl --user is-system-running' </dev/null
assert_match "root gets one too" "$OUT" "^/run/user/0"$'\n'"(running|degraded)$"
run wsl -d SD -u 4242 -e sh -c 'echo ran' </dev/null
assert_eq "a uid without a passwd entry still runs" ran "$OUT"
assert_contains "  ...with WSL's warning that its user session failed" "$ERR" "Failed to start the systemd user session for '4242'. See journalctl for more details."

run wsl -d SD -e wslpath -w /mnt/host/etc </dev/null
assert_eq "wslpath works under systemd too (it keeps init's /run)" /etc "$OUT"

run wsl -d SD -- exit 9 </dev/null
assert_eq "sessions still pass their status" 9 "$RC"
run wsl -d SD -u root -e sh -c 'echo $$ > /dev/null; cat /proc/self/status | grep ^PPid' </dev/null
assert_ne "sessions are not children of systemd" "PPid:	1" "$OUT"
expect_ok "--terminate" wsl --terminate SD
check "  ...takes systemd and its units down" not pgrep -f "sleep 4711"
GUID=$(reg_field SD guid)
check "  ...and removes the distro's cgroups, systemd's own below them too" \
    wait_until 5 not test -d "$(ls -d /sys/fs/cgroup/unified/wsl /sys/fs/cgroup/wsl 2>/dev/null | head -n 1)/0-$GUID"

# No user lock is held while a distro boots: the same user's `wsl -l` answers all through
# SD's systemd start-up (times each call while the launch is under way; ms).
list_times() {
    "$PY" - "$WSL_BIN" "${1:-0}" <<'PYEOF'
import os, statistics, subprocess, sys, time
wsl, pid = sys.argv[1], int(sys.argv[2])
def alive():
    if pid == 0:
        return len(t) < 15
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
t = []
while alive() and len(t) < 500:
    s = time.perf_counter()
    subprocess.run([wsl, "-l"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.perf_counter() - s) * 1000)
print(len(t), "%.2f" % statistics.median(t), "%.1f" % max(t))
PYEOF
}
read -r _ idle_med _ < <(list_times)
"$WSL_BIN" -d SD -- true </dev/null >/dev/null 2>&1 &
boot=$!
BG_PIDS+=("$boot")
read -r n med max < <(list_times "$boot")
wait "$boot"
note "wsl -l while SD boots: $n calls, median $med ms (idle $idle_med ms), max $max ms"
check "wsl -l answers while a systemd distro boots ($n calls, max $max ms)" \
    awk -v n="$n" -v m="$max" 'BEGIN { exit !(n >= 3 && m < 500) }'
check "  ...in under 5 ms (median $med ms; or twice the idle median $idle_med ms on a busy host)" \
    awk -v d="$med" -v b="$idle_med" 'BEGIN { exit !(d < 5 || d < 2 * b) }'
expect_ok "  ...and SD is running" wsl -d SD -- true
expect_ok "stop it again" wsl --terminate SD

run wsl -d SD -u root -e systemd-run --unit=wsl-e2e-sleep2 sleep 4712 </dev/null
check "a unit runs again after a restart" wait_until 5 pgrep -f "sleep 4712"
kill_service 9
check "when the service dies, systemd and its units go too" wait_until 10 not pgrep -f "sleep 4712"
start_service "$STATE" "$SOCK"

printf '[general]\ninstanceIdleTimeout=1000\n' >"$HOME/.wslconfig"
expect_ok "with an idle timeout of 1 s" wsl -d SD -- true
stopped() { [[ $(wsl -l -v | sed 's/^\*/ /' | awk '$1 == "SD" {print $2}') == Stopped ]]; }
check "  ...a systemd distro stops when no session is left" wait_until 15 stopped

check "service still running" service_alive
finish
