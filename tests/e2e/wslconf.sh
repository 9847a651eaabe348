#!/usr/bin/env bash
# /etc/wsl.conf inside a distro, read by wsl-init at each start: hostname, generated
# /etc/hosts and /etc/resolv.conf, the host mount, the default user, boot.command (once per
# start, as root), and warnings (never a failed start) for unknown keys and bad values.
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
expect_ok "import" wsl --import Conf "$(fresh_dir conf)" "$SRC" || die "cannot import"

in_distro() { wsl -d Conf -u root -e sh -c "$1" </dev/null; }
set_conf() { # writes /etc/wsl.conf inside, then stops the distro so the next run reads it
    printf '%b' "$1" | wsl -d Conf -u root -e sh -c 'cat > /etc/wsl.conf'
    wsl --terminate Conf >/dev/null
}

# ---------------------------------------------------------------------------------------
# defaults

HOSTNAME_NOW=$(hostname | tr -c 'A-Za-z0-9.\n-' -)
run in_distro hostname
assert_eq "the hostname defaults to the host's, as in WSL" "$HOSTNAME_NOW" "$OUT"
run in_distro 'echo $NAME'
assert_eq "  ...and so does \$NAME" "$HOSTNAME_NOW" "$OUT"
run in_distro 'cat /etc/hosts'
assert_match "/etc/hosts is generated with it" "$OUT" "127\.0\.1\.1[[:space:]]+$HOSTNAME_NOW\.localdomain[[:space:]]+$HOSTNAME_NOW"
assert_contains "  ...and localhost" "$OUT" "localhost"
run in_distro 'grep -v "^#" /etc/resolv.conf | grep .'
assert_eq "/etc/resolv.conf has the host's resolvers" "$(grep -v '^#' /etc/resolv.conf | grep . | sed 's/[[:space:]]*$//')" "$OUT"
run in_distro 'test -d /mnt/host/etc && echo yes'
assert_eq "the host's root is at /mnt/host" yes "$OUT"

# ---------------------------------------------------------------------------------------
# settings

set_conf '# comment\n[network]\nhostname = conf-host\ngenerateHosts = false\ngenerateResolvConf=false\n[automount]\nroot = /h/\noptions = ro,noexec\n'
echo "127.0.0.1 mine" | wsl -d Conf -u root -e sh -c 'cat > /etc/hosts'
printf 'nameserver 192.0.2.1\n' | wsl -d Conf -u root -e sh -c 'cat > /etc/resolv.conf'
wsl --terminate Conf >/dev/null
run in_distro hostname
assert_eq "network.hostname" conf-host "$OUT"
run in_distro 'cat /etc/hosts'
assert_eq "generateHosts = false keeps the distro's /etc/hosts" "127.0.0.1 mine" "$OUT"
run in_distro 'cat /etc/resolv.conf'
assert_eq "generateResolvConf = false keeps its /etc/resolv.conf" "nameserver 192.0.2.1" "$OUT"
run in_distro 'test -d /h/host/etc && echo yes; test -e /mnt/host/etc || echo gone'
assert_eq "automount.root moves the host mount to <root>host" "yes
gone" "$OUT"
run in_distro 'touch /h/host/tmp/x-$$ 2>&1; grep " /h/host " /proc/self/mountinfo'
assert_match "automount.options ro,noexec apply" "$OUT" " /h/host ro,[^ ]*noexec"

set_conf '[automount]\nenabled = false\n'
run in_distro 'ls /mnt/host 2>/dev/null | wc -l'
assert_eq "automount.enabled = false: no host mount" 0 "$(xargs <<<"$OUT")"

set_conf '[user]\ndefault = user\n'
run wsl -d Conf -e id -u </dev/null
assert_eq "user.default picks the default user" 1000 "$OUT"
run wsl -d Conf -u root -e id -u </dev/null
assert_eq "  ...-u still wins" 0 "$OUT"

set_conf '[boot]\ncommand = echo ran >> /root/boot.log; id -u >> /root/boot.log\n'
in_distro true
in_distro true
run in_distro 'cat /root/boot.log'
assert_eq "boot.command runs once per start, as root" "ran
0" "$OUT"
wsl --terminate Conf >/dev/null
in_distro true
run in_distro 'sleep 0.2; cat /root/boot.log'
assert_eq "  ...and again at the next start" "ran
0
ran
0" "$OUT"

# ---------------------------------------------------------------------------------------
# boot.systemd in a distro without systemd: one clear warning per start, and it runs

set_conf '[boot]\nsystemd = true\n'
run wsl -d Conf -e echo up </dev/null
assert_eq "boot.systemd without systemd still starts" up "$OUT"
assert_contains "  ...with a warning saying so" "$ERR" "boot.systemd is set in /etc/wsl.conf, but this distribution has no systemd"
run wsl -d Conf -e echo again </dev/null
assert_not_contains "  ...once: not again while it runs" "$ERR" "boot.systemd"
set_conf ''

# ---------------------------------------------------------------------------------------
# bad files warn and never stop the distro from starting

set_conf '[network]\nhostname = ok-name\nbogus = 1\n[boot]\nsystemd = maybe\n[nosuch]\nkey = v\nno equals sign here\n'
run wsl -d Conf -e hostname </dev/null
assert_eq "a wsl.conf with mistakes still starts" ok-name "$OUT"
assert_contains "an unknown key warns with its line" "$ERR" "wsl: Unknown key 'network.bogus' in /etc/wsl.conf:3"
assert_contains "  ...an unknown section's key too" "$ERR" "Unknown key 'nosuch.key' in /etc/wsl.conf:7"
assert_contains "a bad value warns with its line" "$ERR" "'maybe'"
assert_contains "  ...naming the line" "$ERR" "/etc/wsl.conf:5"
assert_contains "a line without = warns" "$ERR" "/etc/wsl.conf:8"
run env WSL_DISABLE_WARNINGS=1 WSL_SERVICE_SOCKET="$SOCK" "$WSL_BIN" --terminate Conf
run env WSL_DISABLE_WARNINGS=1 WSL_SERVICE_SOCKET="$SOCK" "$WSL_BIN" -d Conf -e true </dev/null
assert_eq "WSL_DISABLE_WARNINGS=1 silences them" "" "$ERR"

head -c 100000 /dev/urandom | wsl -d Conf -u root -e sh -c 'cat > /etc/wsl.conf'
wsl --terminate Conf >/dev/null
run wsl -d Conf -e echo binary-ok </dev/null
assert_eq "a binary wsl.conf still starts" binary-ok "$OUT"
wsl -d Conf -u root -e rm /etc/wsl.conf </dev/null
wsl --terminate Conf >/dev/null
wsl -d Conf -u root -e sh -c 'rm -f /etc/hosts; ln -s /mnt/host/etc/hosts-evil /etc/hosts' </dev/null
wsl --terminate Conf >/dev/null
run in_distro 'test -L /etc/hosts && echo link; grep -c "127.0.1.1.*localdomain" /etc/hosts'
assert_eq "a symlinked /etc/hosts is replaced by a file, not written through" 1 "$OUT"
check "  ...nothing was written on the host" not test -e /etc/hosts-evil

check "service still running" service_alive
finish
