#!/usr/bin/env bash
# The security model of running distros (DESIGN §6), with real unprivileged users: the distro's
# root is an unprivileged host id, so it reaches host files only with the caller's permissions
# (/mnt/host); uid 1000 inside is the caller; setuid and file capabilities inside grant nothing
# on the host; other users can neither see nor touch a user's running distro; a session sees
# only its own pid namespace; /sys is read-only, /mnt/host nosuid,nodev, /dev holds only the
# usual nodes and mknod is refused. Checked for wsltest-a and, where it applies, for root.
source "$(dirname "$0")/lib.sh"

create_test_users
start_service
UA=wsltest-a
UB=wsltest-b
A_UID=$(id -u $UA) A_GID=$(id -g $UA)
B_GID=$(id -g $UB)
M=/mnt/host
NOTFOUND="There is no distribution with the supplied name."

# Host directories: A's and B's private dirs, and targets of various owners for /mnt/host.
AD=$T/a BD=$T/b RD=$T/r
mkdir -p "$AD" "$BD" "$RD" "$T/a755" "$T/root755" "$T/open1777"
chown "$UA:$A_GID" "$AD" "$T/a755"
chown "$UB:$B_GID" "$BD"
chmod 700 "$AD" "$BD" "$RD"
chmod 755 "$T/a755" "$T/root755"
chmod 1777 "$T/open1777"
printf 'root file\n' >"$T/rootfile" && chmod 644 "$T/rootfile"
STICKY=$(mktemp /tmp/wsl-e2e-sticky.XXXXXX) && chmod 666 "$STICKY"
CLEANUP_PATHS+=("$STICKY")

# ---------------------------------------------------------------------------------------
# a probe: prints real/effective ids and the outcome of opening paths, never writing a byte

cat >"$T/probe.c" <<'EOF'
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
int main(int argc, char** argv) {
    for (int i = 1; i < argc; i++) {
        const char* op = argv[i];
        if (!strcmp(op, "ids")) {
            printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(),
                   (int)getgid(), (int)getegid());
            continue;
        }
        if (!strcmp(op, "caps")) {
            char line[256];
            FILE* f = fopen("/proc/self/status", "r");
            while (f && fgets(line, sizeof line, f))
                if (!strncmp(line, "CapEff:", 7))
                    fputs(line, stdout);
            if (f)
                fclose(f);
            continue;
        }
        if (i + 1 >= argc)
            return 2;
        const char* arg = argv[++i];
        int rc = -1;
        if (!strcmp(op, "read"))
            rc = open(arg, O_RDONLY | O_CLOEXEC);
#ifndef READ_ONLY
        else if (!strcmp(op, "append"))
            rc = open(arg, O_WRONLY | O_APPEND | O_CLOEXEC);
        else if (!strcmp(op, "create"))
            rc = open(arg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        else if (!strcmp(op, "kill0"))
            rc = kill(atoi(arg), 0);
        else if (!strcmp(op, "getfd")) { /* PID:FD -> where a copy of that fd points */
            int pidfd = (int)syscall(SYS_pidfd_open, atoi(arg), 0);
            const char* colon = strchr(arg, ':');
            rc = pidfd < 0 || !colon ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, atoi(colon + 1), 0);
            if (rc >= 0) {
                char link[64], target[4096];
                snprintf(link, sizeof link, "/proc/self/fd/%d", rc);
                ssize_t n = readlink(link, target, sizeof target - 1);
                target[n > 0 ? n : 0] = 0;
                printf("%s %s: ok %s flags=%o\n", op, arg, target, fcntl(rc, F_GETFL) & O_ACCMODE);
                close(rc);
                continue;
            }
        }
#endif
        else
            return 2;
        printf("%s %s: %s\n", op, arg, rc >= 0 ? "ok" : strerror(errno));
        if (rc > 0 && strcmp(op, "kill0"))
            close(rc);
    }
    return 0;
}
EOF
PROBE=""
if cc -static -O1 -o "$T/probe" "$T/probe.c" >"$T/cc.log" 2>&1 &&
    cc -static -O1 -DREAD_ONLY -o "$T/probe-ro" "$T/probe.c" >>"$T/cc.log" 2>&1; then
    PROBE=$T/probe
else
    note "no static C compiler: the setuid probe checks are skipped ($(head -n 1 "$T/cc.log"))"
fi

# The distro: the small busybox tree, plus the probe and a busybox copy carrying file
# capabilities (a v2 security.capability, as a distro tarball would hold it).
mk_rootfs_tar "$T/base.tar"
S=$T/base.tar.src
require_runnable "$S"
mkdir -p "$S/usr/local/bin" "$S/usr/capbin"
[[ -n $PROBE ]] && install -m 755 "$PROBE" "$S/usr/local/bin/probe"
cp "$S/bin/busybox" "$S/usr/capbin/busybox"
HAVE_CAPS=0
if setcap cap_dac_override,cap_dac_read_search+ep "$S/usr/capbin/busybox" 2>/dev/null; then
    HAVE_CAPS=1
else
    note "setcap failed: the file capability checks are skipped"
fi
SRC=$T/sec.tar
pack_tree "$S" "$SRC"

# dsh OWNER DISTRO USER CMD: runs shell command CMD in OWNER's distro as distro user USER
# (OWNER root means the root caller). Sets RC/OUT/ERR.
dsh() {
    local owner=$1 d=$2 u=$3
    if [[ $owner == root ]]; then
        run wsl -d "$d" -u "$u" -e sh -c "$4"
    else
        run uwsl "$owner" -d "$d" -u "$u" -e sh -c "$4"
    fi
}

# in_ok DESC OWNER DISTRO USER CMD: CMD succeeds inside.
in_ok() {
    local desc=$1
    shift
    dsh "$@"
    if ((RC == 0)); then ok "$desc"; return 0; fi
    not_ok "$desc" "$(cmd_report)"
    return 1
}

# in_fail DESC ERE OWNER DISTRO USER CMD: CMD runs inside and fails (exit 1..254, not a CLI
# error) with stdout+stderr matching ERE (case-insensitive).
in_fail() {
    local desc=$1 ere=$2
    shift 2
    dsh "$@"
    if ((RC == 0 || RC == 255)); then
        not_ok "$desc (expected the command to fail inside the distro)" "$(cmd_report)"
        return 1
    fi
    if ! grep -Eiq -- "$ere" <<<"$OUT"$'\n'"$ERR"; then
        not_ok "$desc (expected an error matching: $ere)" "$(cmd_report)"
        return 1
    fi
    ok "$desc"
    return 0
}

# probe_says DESC EXPECTED_LINE OWNER DISTRO USER PROBE_CMD: runs the probe and looks for a line.
probe_says() {
    local desc=$1 want=$2
    shift 2
    dsh "$@"
    if ((RC == 0)) && grep -Fxq -- "$want" <<<"$OUT"; then ok "$desc"; return 0; fi
    not_ok "$desc" "expected the line: $want" "$(cmd_report)"
    return 1
}

# ---------------------------------------------------------------------------------------
# set-up: A and root import the distro

expect_ok "A imports X" uwsl $UA --import X "$AD/X" "$SRC" || die "A cannot import"
expect_ok "root imports R" wsl --import R "$RD/R" "$SRC" || die "root cannot import"
AR=$AD/X/private/rootfs
in_ok "A's distro runs (as its default user, root)" $UA X root 'id -u' || die "A's distro does not run"
assert_eq "  ...the default user is root inside" 0 "$OUT"
BA=$(idmap_base "$A_UID") BGA=$(idmap_gbase "$A_UID")
BR=$(idmap_base 0) BGR=$(idmap_gbase 0)
note "A (uid $A_UID) maps 0 to $BA/$BGA; root maps 0 to $BR/$BGR"
check "A has a subordinate range above the ordinary ids" test "${BA:-0}" -ge 65536
check "root callers get a private range too (not identity)" test "${BR:-0}" -ge 65536

# ---------------------------------------------------------------------------------------
# 1. the distro's root reaches host files only as the caller could

PASSWD_SUM=$(sha256sum </etc/passwd)
ROOTFILE_SUM=$(sha256sum <"$T/rootfile")
for who in $UA root; do
    d=X
    [[ $who == root ]] && d=R
    in_fail "$who's distro root cannot open host /etc/passwd for writing" "Permission denied" \
        "$who" "$d" root ": >> $M/etc/passwd"
    in_fail "$who's distro root cannot append to a host root-owned 0644 file" "Permission denied" \
        "$who" "$d" root "echo x >> $M$T/rootfile"
    in_fail "$who's distro root cannot read host /etc/shadow" "Permission denied" \
        "$who" "$d" root "cat $M/etc/shadow"
    in_fail "$who's distro root cannot list host /root" "Permission denied" \
        "$who" "$d" root "ls $M/root"
    in_fail "$who's distro root cannot create a file in a host root-owned 0755 dir" "Permission denied" \
        "$who" "$d" root "touch $M$T/root755/by-$who"
    in_fail "$who's distro root cannot delete a root-owned file in host /tmp (sticky)" \
        "Permission denied|Operation not permitted" "$who" "$d" root "rm -f $M$STICKY"
    in_fail "$who's distro root cannot chmod a host root-owned file" "Operation not permitted" \
        "$who" "$d" root "busybox chmod 666 $M$T/rootfile"
done
assert_eq "host /etc/passwd unchanged" "$PASSWD_SUM" "$(sha256sum </etc/passwd)"
assert_eq "host root-owned file unchanged" "$ROOTFILE_SUM" "$(sha256sum <"$T/rootfile")"
assert_eq "  ...and still mode 644 root:root" "644 0:0" "$(stat -c '%a %u:%g' "$T/rootfile")"
assert_exists "sticky /tmp file of root still there" "$STICKY"
assert_empty_dir "nothing was created in the root-owned 0755 dir" "$T/root755"

in_fail "A's distro root cannot create a file in B's private dir" "Permission denied" \
    $UA X root "touch $M$BD/from-a"
assert_empty_dir "  ...B's dir untouched" "$BD"
in_ok "A's distro root creates a file in A's own 0755 dir" $UA X root "touch $M$T/a755/by-root"
assert_eq "  ...owned on the host by A's subordinate root (not 0)" "$BA:$BGA" \
    "$(stat -c %u:%g "$T/a755/by-root" 2>&1)"
in_ok "A's distro root creates a file in A's private 0700 dir" $UA X root "touch $M$AD/by-root"
assert_eq "  ...owned by A's subordinate root" "$BA:$BGA" "$(stat -c %u:%g "$AD/by-root" 2>&1)"
in_ok "root's distro root creates a file in a host 1777 dir" root R root "touch $M$T/open1777/by-rootcaller"
assert_eq "  ...owned on the host by root's private range, not by host root" "$BR:$BGR" \
    "$(stat -c %u:%g "$T/open1777/by-rootcaller" 2>&1)"

# ---------------------------------------------------------------------------------------
# 2. uid 1000 inside is the caller (for non-root callers only)

in_ok "A's uid 1000 creates a file in A's private dir" $UA X 1000 "touch $M$AD/by-1000"
assert_eq "  ...owned on the host by A itself" "$A_UID:$A_GID" "$(stat -c %u:%g "$AD/by-1000" 2>&1)"
printf 'secret of A\n' >"$AD/secret"
chown "$UA:$A_GID" "$AD/secret" && chmod 600 "$AD/secret"
in_ok "A's uid 1000 reads A's private 0600 file" $UA X 1000 "cat $M$AD/secret"
assert_eq "  ...its content" "secret of A" "$OUT"
in_fail "root's distro root cannot read A's private file (root callers stay unprivileged)" \
    "Permission denied" root R root "cat $M$AD/secret"
in_fail "root's uid 1000 cannot read it either (it is not host uid 1000)" \
    "Permission denied" root R 1000 "cat $M$AD/secret"
in_fail "A's uid 1000 cannot create a file in B's private dir" "Permission denied" \
    $UA X 1000 "touch $M$BD/from-a1000"
in_fail "A's uid 1000 cannot create a file in a root-owned 0755 dir" "Permission denied" \
    $UA X 1000 "touch $M$T/root755/by-a1000"
in_ok "A's uid 1000 has no capabilities" $UA X 1000 "grep CapEff /proc/self/status"
assert_match "  ...CapEff is 0" "$OUT" "^CapEff:[[:space:]]+0+$"
in_ok "root's uid 1000 creates a file in a host 1777 dir" root R 1000 "touch $M$T/open1777/by-r1000"
assert_eq "  ...owned by root's range + 1000, not by host uid 1000" "$((BR + 1000)):$((BGR + 1000))" \
    "$(stat -c %u:%g "$T/open1777/by-r1000" 2>&1)"
assert_empty_dir "B's dir still untouched" "$BD"
assert_empty_dir "root-owned 0755 dir still untouched" "$T/root755"

# ---------------------------------------------------------------------------------------
# 3. setuid and file capabilities inside grant nothing on the host

if [[ -n $PROBE ]]; then
    for who in $UA root; do
        d=X
        [[ $who == root ]] && d=R
        in_ok "$who's distro root makes a setuid-root copy of the probe" "$who" "$d" root \
            'mkdir -p /tmp/s && busybox cp /usr/local/bin/probe /tmp/s/probe && busybox chown 0:0 /tmp/s/probe && busybox chmod 4755 /tmp/s/probe'
        probe_says "  ...uid 1000 running it gets euid 0 inside" "uid=1000 euid=0 gid=1000 egid=1000" \
            "$who" "$d" 1000 "/tmp/s/probe ids"
        probe_says "  ...which works inside (reads root's 0600 file)" "read /root/.profile: ok" \
            "$who" "$d" 1000 "/tmp/s/probe read /root/.profile"
        probe_says "  ...but cannot read host /etc/shadow" "read $M/etc/shadow: Permission denied" \
            "$who" "$d" 1000 "/tmp/s/probe read $M/etc/shadow"
        probe_says "  ...nor open host /etc/passwd for writing" "append $M/etc/passwd: Permission denied" \
            "$who" "$d" 1000 "/tmp/s/probe append $M/etc/passwd"
        probe_says "  ...nor create a file in a root-owned host dir" \
            "create $M$T/root755/suid-$who: Permission denied" "$who" "$d" 1000 "/tmp/s/probe create $M$T/root755/suid-$who"
    done
    # The same file seen from the host: owned by A's subordinate root, and out of every host
    # user's reach, A's included (the storage's private directory is the range root's, 0700).
    assert_eq "the setuid file is owned on the host by A's subordinate root" "$BA 4755" \
        "$(stat -c '%u %a' "$AR/tmp/s/probe" 2>&1)"
    run as_user $UA "$AR/tmp/s/probe" ids read /etc/shadow
    check "  ...A cannot run it from the host at all" test "$RC" -ne 0
    assert_contains "  ...refused at the storage's private directory" "$ERR" "Permission denied"
    assert_not_contains "  ...so it never ran" "$OUT" "euid="

    # A host setuid-root binary reached through /mnt/host: its owner is not mapped, so the
    # kernel ignores the bit (and the mount is nosuid anyway).
    mkdir -p "$T/hostsuid"
    chown "root:$A_GID" "$T/hostsuid" && chmod 750 "$T/hostsuid"
    install -m 4755 -o root -g root "$T/probe-ro" "$T/hostsuid/probe"
    probe_says "a host setuid-root binary run inside by uid 1000 stays uid 1000" \
        "uid=1000 euid=1000 gid=1000 egid=1000" $UA X 1000 "$M$T/hostsuid/probe ids"
    probe_says "  ...and cannot read host /etc/shadow" "read $M/etc/shadow: Permission denied" \
        $UA X 1000 "$M$T/hostsuid/probe read $M/etc/shadow"
fi
assert_empty_dir "nothing created in the root-owned dir by setuid probes" "$T/root755"

if ((HAVE_CAPS)); then
    run getcap -n "$AR/usr/capbin/busybox"
    assert_contains "the tarball's file capability is stored with A's subordinate root as rootid" \
        "$OUT" "[rootid=$BA]"
    in_ok "the capability works inside (uid 1000 reads root's 0600 file)" $UA X 1000 \
        "/usr/capbin/busybox cat /root/.profile"
    in_fail "  ...but not on host files: /etc/shadow stays unreadable" "Permission denied" \
        $UA X 1000 "/usr/capbin/busybox cat $M/etc/shadow"
    in_fail "  ...nor host /root" "Permission denied" $UA X 1000 "/usr/capbin/busybox ls $M/root"
    in_fail "  ...nor a root-owned host dir for writing" "Permission denied" \
        $UA X 1000 "/usr/capbin/busybox touch $M$T/root755/cap"
    run as_user $UA "$AR/usr/capbin/busybox" grep CapEff /proc/self/status
    check "A cannot run the capability binary from the host at all" test "$RC" -ne 0
    assert_not_contains "  ...so it has no capability there" "$OUT" "CapEff"
    # Copied out by host root (who alone can reach it) with its xattr, a v3 capability whose
    # rootid is A's subordinate root grants a host process nothing.
    mkdir -p "$T/capcopy" && chmod 755 "$T/capcopy"
    cp --preserve=mode,xattr "$AR/usr/capbin/busybox" "$T/capcopy/busybox"
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$T/capcopy/busybox" grep CapEff /proc/self/status
    assert_match "  ...and a host process running a copy of it gets no capability" "$OUT" \
        "^CapEff:[[:space:]]+0+$"
    in_fail "root's distro: the capability binary cannot read host /etc/shadow either" \
        "Permission denied" root R 1000 "/usr/capbin/busybox cat $M/etc/shadow"
fi
assert_eq "host /etc/passwd still unchanged" "$PASSWD_SUM" "$(sha256sum </etc/passwd)"

# ---------------------------------------------------------------------------------------
# 4. B cannot run, enter, list, terminate or shut down A's distro

# (The session's process group gets SIGHUP when the client leaves, as from a terminal: the
# daemon ignores it from before the fork on. busybox-static has no nohup applet.)
in_ok "A starts a daemon in X" $UA X root "trap '' HUP; sleep 3017 </dev/null >/dev/null 2>&1 &"
check "  ...X is running" wait_until 5 eval 'uwsl $UA -l --running -q 2>/dev/null | grep -x X >/dev/null'
A_GUID=$(reg_field X guid "$A_UID")
for args in "-d X -- true" "-d X -u root -e id" "-d X" "--terminate X" "--distribution-id $A_GUID -- true"; do
    # shellcheck disable=SC2086
    expect_fail "B: wsl $args is refused" WSL_E_DISTRO_NOT_FOUND uwsl $UB $args </dev/null
    assert_contains "  ...as if X did not exist" "$ERR" "$NOTFOUND"
done
run uwsl $UB -l -v
assert_not_contains "B's list does not show A's X" "$OUT$ERR" " X "
expect_ok "B imports its own X (same name, separate registry)" uwsl $UB --import X "$BD/X" "$SRC"
run uwsl $UB -l -v
assert_match "  ...B's X is Stopped while A's runs" "$OUT" "^\* X +Stopped +1$"
in_ok "B runs its X and leaves a marker" $UB X root 'echo b > /tmp/b-marker'
check "  ...the marker is in B's X" test -f "$BD/X/private/rootfs/tmp/b-marker"
assert_absent "  ...not in A's X" "$AR/tmp/b-marker"
expect_ok "B terminates its X" uwsl $UB --terminate X
expect_ok "B shuts down all its distros" uwsl $UB --shutdown
run uwsl $UA -l -v
assert_match "A's X is still Running after all of B's attempts" "$OUT" "^\* X +Running +1$"
in_ok "  ...and its daemon is alive" $UA X root 'ps | grep -v grep | grep -c "sleep 3017"'
assert_eq "  ...one sleep 3017" 1 "$OUT"
# From the host, B cannot signal or read A's distro processes (they run as A's subordinate ids).
DPID=$(pgrep -u "$BA" -fx 'sleep 3017' | head -n 1)
if [[ -n $DPID ]]; then
    run as_user $UB kill -0 "$DPID"
    check "B cannot signal A's distro daemon from the host" test "$RC" -ne 0
    run as_user $UB cat "/proc/$DPID/environ"
    check "B cannot read its environment" test "$RC" -ne 0
    run as_user $UA kill -0 "$DPID"
    check "A itself cannot signal its distro root's processes from the host (a different id)" test "$RC" -ne 0
    check "  ...the daemon is alive" kill -0 "$DPID"
else
    not_ok "A's distro daemon runs on the host as A's subordinate root ($BA)" "$(ps -eo pid,uid,args | grep sleep)"
fi
INIT_PID=""
[[ -n $DPID ]] && INIT_PID=$(ps -o ppid= -p "$DPID" | xargs)
if [[ -n $INIT_PID ]]; then
    run as_user $UB nsenter -t "$INIT_PID" -U -m true
    check "B cannot enter the namespaces of A's distro" test "$RC" -ne 0
    run as_user $UA nsenter -t "$INIT_PID" -U -m true
    check "A cannot enter them from the host either (the service owns them)" test "$RC" -ne 0
fi

# The distro's root reaching the service's socket through /mnt/host (possible here: the test
# socket is on the root file system) is refused: its uid belongs to a distro, not a user.
LOADER=$(readlink -f /lib64/ld-linux-x86-64.so.2 2>/dev/null)
if [[ -x $LOADER && $SOCK == /var/* ]]; then
    libpath=$(ldd "$USER_WSL_BIN" | awk '$3 ~ /^\// {print $3}' | xargs -r -n1 readlink -f |
        xargs -r -n1 dirname | sort -u | sed "s|^|$M|" | paste -sd:)
    HOSTWSL="env HOME=/tmp WSL_SERVICE_SOCKET=$M$SOCK $M$LOADER --library-path $libpath $M$USER_WSL_BIN"
    [[ -z $libpath ]] && HOSTWSL="env HOME=/tmp WSL_SERVICE_SOCKET=$M$SOCK $M$USER_WSL_BIN"
    dsh $UA X root "$HOSTWSL -l -q"
    assert_no_match "A's distro root talking to the service does not see A's distros" "$OUT" "^X$"
    dsh $UA X root "$HOSTWSL --terminate X"
    assert_contains "  ...nor can it terminate A's X" "$OUT$ERR" "WSL_E_ACCESS_DENIED"
    dsh $UA X root "$HOSTWSL -l"
    assert_contains "  ...the service refuses it outright" "$OUT$ERR" "WSL_E_ACCESS_DENIED"
    dsh $UA X 1000 "$HOSTWSL -l -q"
    assert_eq "A's uid 1000 is A for the service" X "$OUT"
    run uwsl $UA -l -v
    assert_match "  ...A's X still Running" "$OUT" "^\* X +Running +1$"
fi

# ---------------------------------------------------------------------------------------
# 5. a session cannot see, signal or enter host processes, even of the same user

setpriv --reuid="$A_UID" --regid="$A_GID" --init-groups sleep 600 &
HPID=$!
BG_PIDS+=("$HPID")
wait_until 5 eval '[[ $(stat -c %u /proc/$HPID 2>/dev/null) == "$A_UID" ]]' ||
    not_ok "host sleep runs as A"
sleep 600 &
RPID=$!
BG_PIDS+=("$RPID")
note "host pids: A's sleep $HPID, root's sleep $RPID, service $SERVICE_PID"
for u in 1000 root; do
    in_fail "A's uid $u cannot signal A's host process $HPID" "No such process" \
        $UA X $u "kill -0 $HPID"
    in_fail "A's uid $u cannot kill it either" "No such process" $UA X $u "kill -9 $HPID"
    in_fail "A's uid $u does not see /proc/$HPID" "No such file" $UA X $u "ls /proc/$HPID"
    in_fail "A's uid $u has no /mnt/host/proc/$HPID" "No such file" $UA X $u "ls $M/proc/$HPID"
done
if [[ -n $PROBE ]]; then
    probe_says "kill(2) of the host pid from inside: no such process" "kill0 $HPID: No such process" \
        $UA X 1000 "/usr/local/bin/probe kill0 $HPID"
fi
in_fail "A's distro root cannot nsenter the host process" "No such|can't open" \
    $UA X root "busybox nsenter -t $HPID -m true"
in_fail "root's distro root cannot signal root's host process" "No such process" \
    root R root "kill -0 $RPID"
in_fail "root's distro root cannot see the service's pid" "No such file" \
    root R root "ls /proc/$SERVICE_PID"
check "A's host process survived" kill -0 "$HPID"
check "root's host process survived" kill -0 "$RPID"
assert_eq "  ...still owned by A" "$A_UID" "$(stat -c %u "/proc/$HPID" 2>&1)"
in_ok "/mnt/host/proc is empty (no host /proc submount)" $UA X root "ls -A $M/proc | wc -l"
assert_eq "  ...no entries" 0 "$OUT"
in_ok "/mnt/host/sys is empty" $UA X root "ls -A $M/sys | wc -l"
assert_eq "  ...no entries" 0 "$OUT"

# The distro's PID 1 is reachable by the distro's root (same user namespace, so ptrace and
# pidfd_getfd work on it): it must not hold any host file, such as the service's own log.
in_ok "list the fds of the distro's PID 1" $UA X root "ls -l /proc/1/fd/"
assert_not_contains "  ...none is a host file (the service's stdout/stderr)" "$OUT" "$T/"
if [[ -n $PROBE ]]; then
    in_ok "the distro's root copies fds of PID 1 with pidfd_getfd" $UA X root \
        "/usr/local/bin/probe getfd 1:0 getfd 1:1 getfd 1:2"
    assert_not_contains "  ...and gets no host file (no writable handle on the service's log)" "$OUT" "$T/"
fi

# ---------------------------------------------------------------------------------------
# 6. the distro's /proc is its own pid namespace

in_ok "ls /proc inside" $UA X 1000 "ls /proc"
npids=$(grep -c '^[0-9][0-9]*$' <<<"$OUT")
check "  ...shows few pids ($npids < 10)" test "$npids" -lt 10
assert_match "  ...pid 1 is there" "$OUT" "^1$"
for p in "$SERVICE_PID" "$HPID" "$RPID"; do
    assert_no_match "  ...host pid $p is not" "$OUT" "^$p$"
done
in_ok "ps inside" $UA X root "ps"
assert_match "  ...pid 1 is wsl-init" "$OUT" "^ +1 .*wsl-init"
assert_not_contains "  ...no wslservice" "$OUT" "wslservice"
assert_not_contains "  ...no host sleep 600" "$OUT" "sleep 600"
check "  ...fewer than 10 processes" test "$(grep -c '^ *[0-9]' <<<"$OUT")" -lt 10
in_ok "/proc/1 inside is the distro's init" $UA X root "cat /proc/1/cmdline | tr '\\0' ' '"
assert_contains "  ...wsl-init" "$OUT" "wsl-init"

# ---------------------------------------------------------------------------------------
# 7. mount table: /sys ro, /mnt/host nosuid,nodev, a minimal /dev, no mknod

in_ok "read the mount table" $UA X root "cat /proc/self/mountinfo" || die "no mountinfo"
MI=$OUT
SYSOPTS=$(awk '$5 == "/sys" {print $6}' <<<"$MI")
HOSTOPTS=$(awk '$5 == "/mnt/host" {print $6}' <<<"$MI")
assert_match "/sys is mounted read-only" "$SYSOPTS" "^ro(,|$)"
assert_match "/mnt/host is nosuid" "$HOSTOPTS" "(^|,)nosuid(,|$)"
assert_match "/mnt/host is nodev" "$HOSTOPTS" "(^|,)nodev(,|$)"
assert_eq "only one mount at /mnt/host (no host submounts under it)" 1 \
    "$(awk '$5 ~ "^/mnt/host(/|$)"' <<<"$MI" | wc -l)"
in_fail "touch /sys/x fails" "Read-only file system|Permission denied" $UA X root "touch /sys/x"
SYSFILE=""
for f in /sys/kernel/profiling /sys/kernel/mm/transparent_hugepage/enabled /sys/power/state \
    /sys/kernel/uevent_helper; do
    [[ -f $f ]] && { SYSFILE=$f; break; }
done
if [[ -n $SYSFILE ]]; then
    in_fail "the distro's root cannot open $SYSFILE for writing" "Read-only file system|Permission denied" \
        $UA X root ": >> $SYSFILE"
fi
in_fail "the distro's root cannot write /proc/sys/vm/drop_caches" "Permission denied|Read-only" \
    $UA X root ": >> /proc/sys/vm/drop_caches"
HOSTNAME_BEFORE=$(hostname)
in_ok "the distro's root may set its own hostname" $UA X root "busybox hostname wsl-e2e-evil"
assert_eq "  ...the host's hostname is unchanged" "$HOSTNAME_BEFORE" "$(hostname)"

in_ok "device nodes in /dev" $UA X root "busybox find /dev -type c -o -type b"
DEVS=$(sort <<<"$OUT" | xargs)
EXPECTED_DEVS="/dev/console /dev/full /dev/null /dev/pts/ptmx /dev/random /dev/tty /dev/urandom /dev/zero"
assert_eq "  ...only the expected ones" "$EXPECTED_DEVS" "$DEVS"
in_ok "/dev entries" $UA X root "ls /dev | xargs"
for n in null zero full random urandom tty console ptmx pts shm fd stdin stdout stderr; do
    assert_match "  .../dev/$n present" "$(tr ' ' '\n' <<<"$OUT")" "^$n$"
done
for u in root 1000; do
    in_fail "mknod of /dev/mem fails for $u" "Operation not permitted|Permission denied" \
        $UA X $u "busybox mknod /tmp/mem-$u c 1 1"
done
DISK=$(findmnt -no SOURCE / 2>/dev/null)
if [[ -b $DISK ]]; then DISKNUM=$(stat -c '%Hr %Lr' "$DISK"); else DISKNUM="8 0"; fi
in_fail "mknod of a block device (the host's root disk, $DISKNUM) fails" "Operation not permitted" \
    $UA X root "busybox mknod /tmp/disk b $DISKNUM"
in_fail "mknod fails in root's distro too" "Operation not permitted" root R root "busybox mknod /tmp/mem c 1 1"
in_fail "  ...no node left behind" "No such file" $UA X root "ls /tmp/mem-root /tmp/disk"

# ---------------------------------------------------------------------------------------
# 8. the usual devices work

for u in root 1000; do
    in_ok "uid $u writes to /dev/null" $UA X $u "echo hello > /dev/null"
    in_ok "uid $u reads /dev/zero" $UA X $u "head -c 4096 /dev/zero | wc -c"
    assert_eq "  ...4096 bytes" 4096 "$(xargs <<<"$OUT")"
    in_ok "uid $u reads /dev/zero as zeros" $UA X $u "head -c 64 /dev/zero | tr -d '\\000' | wc -c"
    assert_eq "  ...all zero" 0 "$(xargs <<<"$OUT")"
    in_ok "uid $u reads /dev/urandom" $UA X $u "head -c 64 /dev/urandom | wc -c"
    assert_eq "  ...64 bytes" 64 "$(xargs <<<"$OUT")"
    in_ok "uid $u reads /dev/random" $UA X $u "head -c 16 /dev/random | wc -c"
    assert_eq "  ...16 bytes" 16 "$(xargs <<<"$OUT")"
    in_fail "uid $u writing /dev/full gets ENOSPC" "No space left" $UA X $u "echo x > /dev/full"
    in_ok "uid $u uses /dev/shm" $UA X $u "echo s > /dev/shm/x-$u && cat /dev/shm/x-$u"
done
in_ok "root's distro: /dev/null and /dev/urandom work" root R 1000 \
    "echo x > /dev/null && head -c 8 /dev/urandom | wc -c"

# ---------------------------------------------------------------------------------------
# 7b. the distro's root cannot lift those mount flags (kept last: it may change X's mounts)

in_fail "the distro's root cannot remount /sys read-write" "denied|not permitted|busy|read-only" \
    $UA X root "busybox mount -o remount,bind,rw /sys"
in_fail "the distro's root cannot remount /mnt/host with suid" "denied|not permitted|busy" \
    $UA X root "busybox mount -o remount,bind,suid $M"
in_fail "the distro's root cannot remount /mnt/host with dev" "denied|not permitted|busy" \
    $UA X root "busybox mount -o remount,bind,dev $M"
# Whatever the mount flags now say, the kernel still bounds what the distro reaches.
if [[ -n $SYSFILE ]]; then
    in_fail "  ...$SYSFILE still cannot be opened for writing" "Read-only file system|Permission denied" \
        $UA X root ": >> $SYSFILE"
fi
CGFILE=""
for f in /sys/fs/cgroup/memory/release_agent /sys/fs/cgroup/release_agent \
    /sys/fs/cgroup/cgroup.subtree_control /sys/fs/cgroup/unified/cgroup.subtree_control; do
    [[ -f $f ]] && { CGFILE=$f; break; }
done
if [[ -n $CGFILE ]]; then
    in_fail "  ...the host's $CGFILE cannot be opened for writing" "Read-only file system|Permission denied" \
        $UA X root ": >> $CGFILE"
fi
if [[ -n $PROBE ]]; then
    probe_says "  ...a host setuid-root binary still runs unprivileged" \
        "uid=1000 euid=1000 gid=1000 egid=1000" $UA X 1000 "$M$T/hostsuid/probe ids"
fi
expect_ok "A terminates X" uwsl $UA --terminate X
run uwsl $UA -l -v
assert_match "  ...X is Stopped" "$OUT" "^\* X +Stopped +1$"
check "  ...its daemon is gone" wait_until 5 not eval 'pgrep -u "$BA" -fx "sleep 3017" >/dev/null'

assert_eq "host /etc/passwd unchanged at the end" "$PASSWD_SUM" "$(sha256sum </etc/passwd)"
check "service still running" service_alive
expect_ok "root shuts down its distros" wsl --shutdown
finish
