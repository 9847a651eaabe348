#!/usr/bin/env bash
# The distro's root owns every program wsl-init runs inside it. With boot.systemd set, init
# runs the distro's /bin/systemctl while the distro starts (is-system-running) and while a
# user's first session joins its login session (is-active user@UID.service), and does nothing
# else meanwhile: a systemctl that trickles its answer out a byte a second, forever, must not
# hold a start or a session past boot.initTimeout (plus one call's bound), and none of init's
# descriptors reaches it (or the distro's systemd).
# Here systemd itself is a stand-in that just sleeps (a Debian minbase has none).
source "$(dirname "$0")/lib.sh"

TAR=$("$WSL_SRC/scripts/debian-rootfs.sh" 2>"$T/debian-rootfs.log") ||
    skip_all "no Debian tarball and it cannot be built: $(tail -n 3 "$T/debian-rootfs.log")"
start_service
WSL_TIMEOUT=300
expect_ok "import Debian minbase" wsl --import Trickle "$(fresh_dir trickle)" "$TAR" ||
    die "import failed"
wsl -d Trickle -u root -e sh -c '
    mkdir -p /lib/systemd &&
    printf "#!/bin/sh\nls -l /proc/\$\$/fd/ > /tmp/systemd-fds\nexec sleep 2147483647\n" \
        > /lib/systemd/systemd &&
    printf "#!/bin/sh\nls -l /proc/\$\$/fd/ > /tmp/systemctl-fds.\$\$\nwhile :; do printf s; sleep 1; done\n" \
        > /usr/bin/systemctl &&
    chmod 755 /lib/systemd/systemd /usr/bin/systemctl &&
    printf "[boot]\nsystemd = true\ninitTimeout = 2000\n" > /etc/wsl.conf' </dev/null ||
    die "cannot set the distro up"
expect_ok "stop it so the next start reads wsl.conf" wsl --terminate Trickle

start=$SECONDS
WSL_TIMEOUT=60 run wsl -d Trickle -u root -e echo ran
took=$((SECONDS - start))
assert_eq "a session starts despite a systemctl that never finishes its answer" ran "$OUT"
assert_contains "  ...with the start's warning" "$ERR" "systemd did not finish starting within 2000 ms"
assert_contains "  ...and the login session's" "$ERR" "Failed to start the systemd user session for 'root'"
check "  ...within boot.initTimeout twice and a little (took ${took} s)" test "$took" -le 12

start=$SECONDS
WSL_TIMEOUT=60 run wsl -d Trickle -u root -e echo again
took=$((SECONDS - start))
assert_eq "the next session of the same user does not wait again" again "$OUT"
check "  ...(took ${took} s)" test "$took" -le 4

# Nor do they get init's descriptors: its control socket to the service, the sessions' sockets.
run wsl -d Trickle -u root -e sh -c 'cat /tmp/systemd-fds /tmp/systemctl-fds.* | grep -c "socket:"' </dev/null
assert_eq "the distro's systemd and systemctl inherit no socket from init" 0 "$OUT"
run wsl -d Trickle -u root -e sh -c 'ls /tmp/systemctl-fds.* | wc -l' </dev/null
check "  ...(systemctl ran $OUT times)" test "${OUT:-0}" -gt 0

expect_ok "--terminate" wsl --terminate Trickle
check "service still running" service_alive
finish
