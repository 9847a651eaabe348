#!/usr/bin/env bash
# boot.systemd = true: the distro's systemd runs as PID 1 of its namespaces (wsl-init stays
# as its helper), the start waits until systemd is running or degraded, units work, and
# --terminate, the idle timeout and a dying service still take everything down.
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
run wsl -d SD -- exit 9 </dev/null
assert_eq "sessions still pass their status" 9 "$RC"
run wsl -d SD -u root -e sh -c 'echo $$ > /dev/null; cat /proc/self/status | grep ^PPid' </dev/null
assert_ne "sessions are not children of systemd" "PPid:	1" "$OUT"
expect_ok "--terminate" wsl --terminate SD
check "  ...takes systemd and its units down" not pgrep -f "sleep 4711"
GUID=$(reg_field SD guid)
check "  ...and removes the distro's cgroups, systemd's own below them too" \
    wait_until 5 not test -d "$(ls -d /sys/fs/cgroup/unified/wsl /sys/fs/cgroup/wsl 2>/dev/null | head -n 1)/0-$GUID"

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
