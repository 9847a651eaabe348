#!/usr/bin/env bash
# The first-run setup (WSL's OOBE) of distros registered with `wsl --install`, through a real
# terminal: a tmux pane runs an outer bash, which runs the wsl CLI against a private service.
# The numbers are those of the sections below:
#   1+3. the built-in setup on a busybox image (adduser -D, chpasswd, addgroup wheel): invalid
#        names, mismatching and empty passwords, a name that exists (root), then an account;
#   4. Ctrl-D at a prompt cancels, and the setup runs again at the next launch;
#   6. launches that are not an interactive shell never run it; --import never sets it up;
#   5. an image's own [oobe] command (as root, on the terminal): it fails, then the retry works;
#   7. launches wait while another client runs the setup (and can still be stopped);
#   8. `wsl --install` at a terminal launches the distro, and so the setup, itself;
#   9. a non-root user installs and sets up a distro of its own;
#   2+3. the built-in setup on the real Debian image (useradd, the sudo group, a password that
#        sudo takes), with a name that exists there (daemon).
source "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"
# The pane's shell works in /: the binaries need absolute paths.
WSL_BIN=$(realpath "$WSL_BIN")
WSLSERVICE_BIN=$(realpath "$WSLSERVICE_BIN")
start_service
WSL_TIMEOUT=300

# ---------------------------------------------------------------------------------------
# images

# The busybox image: lib.sh's tree (a static busybox) with what a user-creating setup needs.
mk_rootfs_tar "$T/bb.tar"
BB_SRC=$T/bb.tar.src
[[ -L $BB_SRC/bin/sh && -x $BB_SRC/bin/busybox ]] ||
    skip_all "no static busybox on this host to make a runnable image (apt-get install busybox-static)"
BB_APPLETS=$("$BB_SRC/bin/busybox" --list)
has_applet() { grep -qx -- "$1" <<<"$BB_APPLETS"; }
for a in awk chmod chown cp mkpasswd mv sort tty; do
    has_applet "$a" || skip_all "the host's busybox has no $a applet"
    [[ -e $BB_SRC/bin/$a ]] || ln -s busybox "$BB_SRC/bin/$a"
done
mkdir -p "$BB_SRC/usr/sbin" "$BB_SRC/var/lib"
printf 'root:*:19000:0:99999:7:::\nuser:!:19000:0:99999:7:::\n' >"$BB_SRC/etc/shadow"
chmod 600 "$BB_SRC/etc/shadow"
printf 'wheel:x:10:\n' >>"$BB_SRC/etc/group"
SHIMS=0
for a in adduser chpasswd addgroup deluser; do
    if has_applet "$a"; then
        ln -s ../../bin/busybox "$BB_SRC/usr/sbin/$a"
    else
        SHIMS=1
    fi
done
if ((SHIMS)); then
    # Debian's busybox builds leave the user-management applets out: stand-ins for the busybox
    # commands (same names, options and effects) that the setup runs.
    note "the host's busybox lacks adduser/chpasswd/addgroup/deluser: the image gets stand-ins"
    rm -f "$BB_SRC"/usr/sbin/{adduser,chpasswd,addgroup,deluser}
    cat >"$BB_SRC/usr/sbin/adduser" <<'EOF'
#!/bin/sh
# adduser -D [-u UID] NAME: a user without a password; adduser USER GROUP: into GROUP.
uid=''
while [ $# -gt 0 ]; do
    case $1 in
        -D) shift ;;
        -u) uid=$2; shift 2 ;;
        -*) echo "adduser: unknown option $1" >&2; exit 1 ;;
        *) break ;;
    esac
done
[ $# -eq 2 ] && exec addgroup "$1" "$2"
name=$1
[ -n "$name" ] || { echo "adduser: no user name" >&2; exit 1; }
if grep -q "^$name:" /etc/passwd; then echo "adduser: user '$name' in use" >&2; exit 1; fi
[ -n "$uid" ] || uid=$(awk -F: 'BEGIN { m = 999 } $3 > m && $3 < 60000 { m = $3 } END { print m + 1 }' /etc/passwd)
grep -q "^$name:" /etc/group || echo "$name:x:$uid:" >>/etc/group
gid=$(awk -F: -v n="$name" '$1 == n { print $3 }' /etc/group)
echo "$name:x:$uid:$gid:Linux User,,,:/home/$name:/bin/sh" >>/etc/passwd
echo "$name:!:19000:0:99999:7:::" >>/etc/shadow
mkdir -p "/home/$name" && chown "$uid:$gid" "/home/$name" && chmod 755 "/home/$name"
EOF
    cat >"$BB_SRC/usr/sbin/chpasswd" <<'EOF'
#!/bin/sh
# chpasswd: NAME:PASSWORD lines on stdin; stores a SHA-512 crypt hash.
while IFS=: read -r name pw; do
    [ -n "$name" ] || continue
    grep -q "^$name:" /etc/shadow || { echo "chpasswd: unknown user $name" >&2; exit 1; }
    hash=$(mkpasswd -m sha512 "$pw") || exit 1
    awk -F: -v OFS=: -v n="$name" -v h="$hash" '$1 == n { $2 = h } { print }' /etc/shadow >/etc/shadow+ &&
        chmod 600 /etc/shadow+ && mv /etc/shadow+ /etc/shadow || exit 1
done
EOF
    cat >"$BB_SRC/usr/sbin/addgroup" <<'EOF'
#!/bin/sh
# addgroup USER GROUP: USER joins GROUP.
[ $# -eq 2 ] || { echo "addgroup: only 'addgroup USER GROUP' here" >&2; exit 1; }
grep -q "^$1:" /etc/passwd || { echo "addgroup: unknown user $1" >&2; exit 1; }
grep -q "^$2:" /etc/group || { echo "addgroup: unknown group $2" >&2; exit 1; }
awk -F: -v OFS=: -v u="$1" -v g="$2" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }' \
    /etc/group >/etc/group+ && mv /etc/group+ /etc/group
EOF
    cat >"$BB_SRC/usr/sbin/deluser" <<'EOF'
#!/bin/sh
# deluser [--remove-home] NAME
home=0
[ "$1" = --remove-home ] && { home=1; shift; }
grep -q "^$1:" /etc/passwd || exit 1
dir=$(awk -F: -v n="$1" '$1 == n { print $6 }' /etc/passwd)
for f in passwd shadow group; do
    awk -F: -v n="$1" '$1 != n' /etc/$f >/etc/$f+ && mv /etc/$f+ /etc/$f
done
chmod 600 /etc/shadow
[ $home = 1 ] && [ -n "$dir" ] && rm -rf "$dir"
exit 0
EOF
    chmod 755 "$BB_SRC"/usr/sbin/{adduser,chpasswd,addgroup,deluser}
fi

# wsl_image DIR OUT: packs DIR as a gzip-compressed .wsl file.
wsl_image() {
    pack_tree "$1" "${2%.wsl}.tar"
    gzip -n -c "${2%.wsl}.tar" >"$2" && rm -f "${2%.wsl}.tar"
    chmod 644 "$2"
}
printf '[oobe]\ndefaultName = Busybox-Local\n' >"$BB_SRC/etc/wsl-distribution.conf"
BB_IMG=$T/busybox.wsl
wsl_image "$BB_SRC" "$BB_IMG"

# The command images: [oobe] command = /usr/local/bin/setup.sh (which creates carol, uid 1234,
# after reading a line from its terminal) and defaultUid = 1234. In CMD_IMG it fails (exit 3)
# the first time; in WAIT_IMG it succeeds at once.
CMD_SRC=$T/cmd.src
cp -a "$BB_SRC" "$CMD_SRC"
mkdir -p "$CMD_SRC/usr/local/bin"
cat >"$CMD_SRC/usr/local/bin/setup.sh" <<'EOF'
#!/bin/sh
echo "SETUP-BEGIN uid=$(id -u)"
test -t 0 && test -t 1 && echo "SETUP-TTY=$(tty)"
if [ -e /etc/setup-fails-once ] && [ ! -e /var/lib/setup-failed-once ]; then
    : >/var/lib/setup-failed-once
    printf 'SETUP-ASK1: '
    IFS= read -r line || exit 4
    echo "SETUP-READ1=[$line]"
    exit 3
fi
printf 'SETUP-ASK2: '
IFS= read -r line || exit 4
echo "SETUP-READ2=[$line]"
if ! grep -q '^carol:' /etc/passwd; then
    echo 'carol:x:1234:1234::/home/carol:/bin/sh' >>/etc/passwd
    echo 'carol:x:1234:' >>/etc/group
    mkdir -p /home/carol && chown 1234:1234 /home/carol
fi
echo SETUP-DONE
exit 0
EOF
chmod 755 "$CMD_SRC/usr/local/bin/setup.sh"
printf '[oobe]\ncommand = /usr/local/bin/setup.sh\ndefaultUid = 1234\ndefaultName = Cmd-Local\n' \
    >"$CMD_SRC/etc/wsl-distribution.conf"
WAIT_IMG=$T/wait.wsl
wsl_image "$CMD_SRC" "$WAIT_IMG"
: >"$CMD_SRC/etc/setup-fails-once"
CMD_IMG=$T/cmd.wsl
wsl_image "$CMD_SRC" "$CMD_IMG"

# oobe NAME [UID]: the registry's runOobe of NAME, as true or false.
oobe() {
    local v
    v=$(reg_field "$1" runOobe "${2:-0}")
    echo "${v,,}"
}

# install_file NAME IMG: wsl --install --from-file IMG --name NAME --no-launch (no terminal).
install_file() {
    expect_ok "wsl --install --from-file $(basename "$2") --name $1 --no-launch" \
        wsl --install --from-file "$2" --name "$1" --no-launch </dev/null
}

# ---------------------------------------------------------------------------------------
# the terminal: a private tmux server, one 200x50 window (no message wraps), no status line

tmux_terminal 200 50 join <<'EOF'
# Keys meant for a distro's shell must never end this one (that would end the pane).
set -o ignoreeof
exit() { echo "OUTER-EXIT-REFUSED"; }
EOF
screen_count() { grep -Ec -- "$1" <<<"$(screen)"; }

# see_n DESC ERE N [TIMEOUT]: at least N lines match ERE.
screen_count_ge() { (($(screen_count "$1") >= $2)); }
see_n() {
    if wait_until "${4:-10}" screen_count_ge "$2" "$3"; then
        ok "$1"
        return 0
    fi
    pane_alive
    not_ok "$1" "expected $3 lines matching: $2" "screen:" "$(screen_trimmed)"
    return 1
}
# unseen DESC ERE: no line of the screen matches ERE now.
unseen() {
    if ! screen_has "$2"; then
        ok "$1"
        return 0
    fi
    not_ok "$1" "expected no line matching: $2" "screen:" "$(screen_trimmed)"
    return 1
}

# launch CMD: clears the screen and runs CMD in the outer shell, which prints OUT0=<status>.
launch() {
    clear_screen
    type_line "$1; echo OUT\$((0))=\$?"
}

outer_idle() { [[ -z $(pgrep -P "$(pane_pid)") ]]; }
# back_to_outer: whatever ran in the pane is over (the next launch starts from a prompt).
back_to_outer() {
    if ! wait_until 10 outer_idle; then
        not_ok "the pane's command ended" "$(screen_trimmed)"
        kill -9 $(pgrep -P "$(pane_pid)") 2>/dev/null   # only children of our own pane's shell
        wait_until 5 outer_idle
    fi
}

PROMPT_USER='^Enter new UNIX username: '
PROMPT_PW='^New password: '
PROMPT_PW2='^Retype new password: '
INTRO='^Please create a default UNIX user account\. The username does not need to match your user name on this host\.$'

# answer DESC PROMPT_ERE N TEXT: waits until PROMPT_ERE shows N times, then types TEXT.
answer() {
    see_n "$1" "$2" "$3" 20 || return 1
    type_line "$4"
}

cursor_y() { tm display-message -p -t "$PANE" '#{cursor_y}'; }
# moved_on ROW: the cursor left ROW (or went to column 0): the client printed past a prompt.
moved_on() {
    local x y
    read -r x y <<<"$(tm display-message -p -t "$PANE" '#{cursor_x} #{cursor_y}')"
    ((y > $1 || x == 0))
}

# secret DESC PROMPT_ERE N TEXT: like answer, for a password prompt. The client turns the
# echo off (and flushes what was typed ahead, like getpass) after it shows the prompt, and
# flushes again when it turns the echo back on: type once the echo is off, and wait until it
# has gone on past the prompt (before anything else is typed).
secret() {
    see_n "$1" "$2" "$3" 20 || return 1
    wait_until 5 tty_is -echo || note "the terminal's echo is still on at: $2"
    local row
    row=$(cursor_y)
    type_line "$4"
    wait_until 10 moved_on "$row" || note "the client did not go on past: $2"
}

# shadow_hash_ok DESC NAME PASSWORD SHADOW_TEXT: NAME's entry holds a crypt hash of PASSWORD.
shadow_hash_ok() {
    local hash salt want
    hash=$(awk -F: -v n="$2" '$1 == n { print $2 }' <<<"$4")
    case $hash in
        '' | '!'* | '*'*) not_ok "$1" "no password hash for $2 in:" "$4"; return 1 ;;
    esac
    if [[ $hash == '$6$'* ]] && command -v busybox >/dev/null; then
        salt=$(cut -d'$' -f3 <<<"$hash")
        want=$(busybox mkpasswd -m sha512 -S "$salt" "$3")
        assert_eq "$1 (SHA-512 crypt of the password)" "$want" "$hash"
        return
    fi
    ok "$1 (a hash: ${hash:0:3}...)"
}

# The outer shell.
type_line ". '$T/outer.sh'"
see "the outer bash in the tmux pane is ready" '^O> ?$' || die "no outer shell prompt"

# ---------------------------------------------------------------------------------------
# 1 + 3. the built-in setup on the busybox image

install_file BB "$BB_IMG"
assert_eq "  ...runOobe is true in the registry" true "$(oobe BB)"
assert_eq "  ...defaultUid is 0 before the setup" 0 "$(reg_field BB defaultUid)"

launch '"$WSL_BIN" -d BB'
see "wsl -d BB at a terminal: the built-in setup introduces itself" "$INTRO" 20
see "  ...and asks for a user name" "$PROMPT_USER"
type_line "Bad-Name"
INVALID='^Invalid username\. A valid username must start with a lowercase letter'
see "  ...an invalid name (Bad-Name) is refused" "$INVALID"
answer "  ...and the name is asked again; an empty one" "$PROMPT_USER" 2 ""
see_n "  ...is refused too" "$INVALID" 2
answer "  ...and one of 33 characters" "$PROMPT_USER" 3 "$(printf 'a%.0s' {1..33})"
see_n "  ...is refused too" "$INVALID" 3
answer "  ...and the name is asked again" "$PROMPT_USER" 4 "root"
secret "  ...a valid name (root) asks for the password" "$PROMPT_PW" 1 "Pw-One-111"
secret "  ...and to retype it" "$PROMPT_PW2" 1 "Pw-Two-222"
see "  ...different passwords: 'Sorry, passwords do not match.'" '^Sorry, passwords do not match\.$'
secret "  ...and the password is asked again" "$PROMPT_PW" 2 ""
secret "  ...(an empty password, twice)" "$PROMPT_PW2" 2 ""
see "  ...an empty password: 'No password has been supplied.'" '^No password has been supplied\.$'
secret "  ...and the password is asked again" "$PROMPT_PW" 3 "Root-Pw-333"
secret "  ...(retyped)" "$PROMPT_PW2" 3 "Root-Pw-333"
see "  ...creating 'root' (it exists) fails: the message says so" "^Creating the user 'root' failed\.$" 20
answer "  ...and the user name is asked again" "$PROMPT_USER" 5 "alice"
secret "  ...(alice)" "$PROMPT_PW" 4 "Alice-Pw-1"
secret "  ...(password retyped)" "$PROMPT_PW2" 4 "Alice-Pw-1"
type_line 'echo WHO$((1))=$(id -un) UID$((1))=$(id -u) GROUPS$((1))=$(id -Gn | tr " " ,)'
see "  ...then the shell opens as alice" '^WHO1=alice ' 20
assert_match "  ...in the wheel group (the setup added it)" "$(screen)" '^WHO1=alice .*GROUPS1=([^ ]*,)?wheel(,[^ ]*)?$'
unseen "  ...no password was echoed on the terminal" 'Pw-One|Pw-Two|Root-Pw|Alice-Pw'
alice_uid=$(grep -Eo '^WHO1=alice UID1=[0-9]+' <<<"$(screen)" | sed 's/.*=//')
type_line 'exit'
outcome "  ...exit ends wsl with 0" 0
back_to_outer
assert_eq "  ...runOobe is false after the setup" false "$(oobe BB)"
assert_eq "  ...defaultUid is alice's uid (1001: the image has a uid 1000)" 1001 "$(reg_field BB defaultUid)"
assert_eq "  ...which is the uid the shell had" "1001" "${alice_uid:-none}"
run wsl -d BB -u root -- cat /etc/shadow
shadow_hash_ok "  ...chpasswd stored alice's password" alice Alice-Pw-1 "$OUT"
assert_match "  ...root's entry is unchanged (the failed attempt did nothing)" "$OUT" '^root:\*:'
run wsl -d BB -u root -- grep -c '^root:' /etc/passwd
assert_eq "  ...and /etc/passwd still has one root" 1 "$OUT"
run wsl -d BB -u root -- ls -ld /home/alice
assert_match "  ...alice's home exists" "$OUT" '^d.* alice '

launch '"$WSL_BIN" -d BB'
type_line 'echo AGAIN$((2))=$(id -un)'
see "a second wsl -d BB opens the shell as alice" '^AGAIN2=alice$' 20
unseen "  ...and asks nothing" "$INTRO|$PROMPT_USER"
type_line 'exit 7'
outcome "  ...exit 7 ends wsl with 7" 7
back_to_outer

# ---------------------------------------------------------------------------------------
# 4. Ctrl-D at the user name prompt

install_file BBcancel "$BB_IMG"
launch '"$WSL_BIN" -d BBcancel'
see "wsl -d BBcancel asks for a user name" "$PROMPT_USER" 20
keys C-d
see "  ...Ctrl-D cancels: the message says it runs again next time" '(^|: )The first-run setup was cancelled; it runs again at the next launch\.$'
see "  ...with the error code E_ABORT" '^Error code: Wsl/([A-Za-z0-9_]+/)*E_ABORT$'
outcome "  ...wsl exits 255" 255
back_to_outer
assert_eq "  ...runOobe is still true" true "$(oobe BBcancel)"
assert_eq "  ...defaultUid still 0" 0 "$(reg_field BBcancel defaultUid)"
launch '"$WSL_BIN" -d BBcancel'
see "the next launch prompts again" "$PROMPT_USER" 20
answer "  ...(dave)" "$PROMPT_USER" 1 "dave"
see "  ...asks for the password" "$PROMPT_PW" 10
wait_until 5 tty_is -echo
keys C-d
see "  ...Ctrl-D at the password prompt cancels too" '(^|: )The first-run setup was cancelled; it runs again at the next launch\.$'
outcome "  ...wsl exits 255" 255
back_to_outer
assert_eq "  ...runOobe is still true" true "$(oobe BBcancel)"
run wsl -d BBcancel -u root -- grep -c '^dave:' /etc/passwd
assert_eq "  ...and no dave was created" 0 "$OUT"

# ---------------------------------------------------------------------------------------
# 6. launches that are not an interactive shell never run the setup

install_file BBcmd "$BB_IMG"
expect_ok "wsl -d BBcmd -- id -u (no terminal) runs" wsl -d BBcmd -- id -u </dev/null
assert_eq "  ...as uid 0 (the setup did not run)" 0 "$OUT"
assert_eq "  ...runOobe stays true" true "$(oobe BBcmd)"
run wsl -d BBcmd <<<'echo SHELL=$(id -u)'
assert_eq "wsl -d BBcmd with a script on stdin (a shell, no terminal): it runs as uid 0" "SHELL=0" "$OUT"
assert_not_contains "  ...without a prompt" "$OUT$ERR" "UNIX username"
assert_eq "  ...runOobe stays true" true "$(oobe BBcmd)"
launch '"$WSL_BIN" -d BBcmd -- id -u'
see "wsl -d BBcmd -- id -u at a terminal (a command): prints 0" '^0$' 20
outcome "  ...exits 0" 0
unseen "  ...without a setup prompt" "$INTRO|$PROMPT_USER"
back_to_outer
assert_eq "  ...runOobe stays true" true "$(oobe BBcmd)"

expect_ok "wsl --import of the same image as BBimp" wsl --import BBimp "$(fresh_dir bbimp)" "$BB_IMG"
assert_eq "  ...runOobe is false from the start" false "$(oobe BBimp)"
launch '"$WSL_BIN" -d BBimp'
type_line 'echo IMP$((3))=$(id -un)'
see "  ...an interactive launch opens root's shell" '^IMP3=root$' 20
unseen "  ...and asks nothing" "$INTRO|$PROMPT_USER"
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer

# ---------------------------------------------------------------------------------------
# 5. an image's own [oobe] command: it fails the first time, then succeeds

install_file Cmd "$CMD_IMG"
assert_eq "  ...runOobe is true" true "$(oobe Cmd)"
expect_ok "wsl -d Cmd -- id -u (no terminal) before the setup" wsl -d Cmd -- id -u </dev/null
assert_eq "  ...runs as uid 0" 0 "$OUT"
run wsl -d Cmd -- test -e /var/lib/setup-failed-once
assert_eq "  ...and the setup command did not run" 1 "$RC"

launch '"$WSL_BIN" -d Cmd'
see "wsl -d Cmd runs the image's setup command" '^SETUP-BEGIN uid=0$' 20
see "  ...on a terminal of its own (a pty of the distro)" '^SETUP-TTY=/dev/pts/[0-9]+$'
answer "  ...which reads a line from it" '^SETUP-ASK1: ' 1 "first-answer"
see "  ...and gets what was typed" '^SETUP-READ1=\[first-answer\]$'
see "  ...it fails with 3: the message names the command and the status" \
    "^(wsl: )?The distribution's first-run setup \(/usr/local/bin/setup\.sh\) failed with exit status 3\. It runs again at the next launch\.$"
see "  ...with the error code WSL_E_OOBE_FAILED" '^Error code: Wsl/([A-Za-z0-9_]+/)*WSL_E_OOBE_FAILED$'
outcome "  ...wsl exits 255" 255
back_to_outer
unseen "  ...and no shell was opened" 'SETUP-DONE'
assert_eq "  ...runOobe is still true" true "$(oobe Cmd)"
assert_eq "  ...defaultUid is still 0" 0 "$(reg_field Cmd defaultUid)"

launch '"$WSL_BIN" -d Cmd'
answer "the next wsl -d Cmd runs the setup again" '^SETUP-ASK2: ' 1 "second-answer"
see "  ...which now succeeds" '^SETUP-DONE$' 20
type_line 'echo CMDUID$((4))=$(id -u) CMDUSER$((4))=$(id -un)'
see "  ...then the shell opens as uid 1234 (defaultUid of the image)" '^CMDUID4=1234 CMDUSER4=carol$' 20
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer
assert_eq "  ...runOobe is false" false "$(oobe Cmd)"
assert_eq "  ...defaultUid is 1234" 1234 "$(reg_field Cmd defaultUid)"
launch '"$WSL_BIN" -d Cmd'
type_line 'echo CMDAGAIN$((5))=$(id -u)'
see "a third launch opens the shell at once as 1234" '^CMDAGAIN5=1234$' 20
unseen "  ...without the setup" 'SETUP-'
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer

# ---------------------------------------------------------------------------------------
# 7. a launch waits while another client runs the setup

install_file Wait "$WAIT_IMG"
# A second window, for launches at a terminal while the first runs the setup.
tm new-window -d -t main:1 "exec env -u WSL_STATE_DIR bash --norc --noprofile --rcfile /dev/null -i" ||
    die "tmux new-window failed"
PANE=main:1.0
type_line ". '$T/outer.sh'"
see "a second tmux window with the outer bash" '^O> ?$' || die "no outer shell prompt in window 1"
PANE=main:0.0

launch '"$WSL_BIN" -d Wait'
see "wsl -d Wait runs the setup, which waits for a line" '^SETUP-ASK2: ' 20
WAIT_OUT=$T/wait.out
# shellcheck disable=SC2217 # lib.sh's bg runs its arguments, redirections included
bg wsl -d Wait -- id -u </dev/null >"$WAIT_OUT" 2>"$T/wait.err"
waiter=$BG_PID
# shellcheck disable=SC2217
bg "$WSL_BIN" -d Wait -- true </dev/null >"$T/wait2.out" 2>&1
waiter2=$BG_PID
PANE=main:1.0
launch '"$WSL_BIN" -d Wait'
PANE=main:0.0
expect_ok "  ...meanwhile wsl -l -v answers (the setup holds no lock)" timeout 10 "$WSL_BIN" -l -v
assert_match "  ...and lists Wait" "$OUT" '(^|[ *])Wait +'
sleep 2
for w in "$waiter:wsl -d Wait -- id -u" "$waiter2:wsl -d Wait -- true"; do
    if kill -0 "${w%%:*}" 2>/dev/null; then
        ok "  ...${w#*:} (no terminal) started meanwhile has not finished after 2 s"
    else
        not_ok "  ...${w#*:} (no terminal) started meanwhile has not finished after 2 s" \
            "it ended: $(cat "$WAIT_OUT" "$T/wait.err" "$T/wait2.out")"
    fi
done
assert_eq "  ...and wsl -d Wait -- id -u printed nothing yet" "" "$(cat "$WAIT_OUT")"
PANE=main:1.0
wait_client() { pgrep -P "$(pane_pid)" -x wsl >/dev/null; }
if wait_client && ! screen_has '^OUT0=|SETUP-ASK'; then
    ok "  ...wsl -d Wait at a second terminal waits too (no setup there, no shell)"
else
    not_ok "  ...wsl -d Wait at a second terminal waits too (no setup there, no shell)" "$(screen_trimmed)"
fi
PANE=main:0.0

# A waiting client can still be stopped: SIGTERM, or Ctrl-C at its terminal.
kill -TERM "$waiter2" 2>/dev/null
if wait_until 5 gone "$waiter2"; then
    wait "$waiter2"
    ok "  ...a waiting wsl -d Wait -- true ends on SIGTERM (status $?)"
else
    not_ok "  ...a waiting wsl -d Wait -- true ends on SIGTERM" \
        "still running 5 s after SIGTERM: the client does not watch its signals while it waits"
    kill -9 "$waiter2" 2>/dev/null
    wait "$waiter2" 2>/dev/null
fi
PANE=main:1.0
keys C-c
# It dies of the SIGINT, as a program should: the shell then drops the rest of the line.
client_gone() { ! wait_client; }
if wait_until 5 client_gone; then
    ok "  ...the waiting wsl -d Wait at the second terminal ends on Ctrl-C"
else
    not_ok "  ...the waiting wsl -d Wait at the second terminal ends on Ctrl-C" \
        "still running 5 s after Ctrl-C: the client does not watch its signals while it waits" \
        "$(screen_trimmed)"
    kill -9 $(pgrep -P "$(pane_pid)" -x wsl) 2>/dev/null   # the client our window-1 shell runs
fi
back_to_outer
# Another interactive launch that waits, then opens its shell.
launch '"$WSL_BIN" -d Wait'
wait_until 5 wait_client
PANE=main:0.0

type_line "go"
see "  ...the setup gets its line and ends" '^SETUP-DONE$' 20
if wait_until 20 gone "$waiter"; then
    wait "$waiter"
    assert_eq "  ...then the waiting command ends with 0" 0 "$?"
else
    not_ok "  ...then the waiting command ends" "$(cat "$WAIT_OUT" "$T/wait.err")"
fi
assert_eq "  ...and ran as the new default user (1234)" 1234 "$(cat "$WAIT_OUT")"
type_line 'echo WAITUID$((6))=$(id -u)'
see "  ...the shell of the setup's client runs as 1234" '^WAITUID6=1234$' 20
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer
PANE=main:1.0
type_line 'echo WAITUID$((16))=$(id -u)'
see "  ...the waiting shell at the second terminal opens as 1234" '^WAITUID16=1234$' 20
unseen "  ...without running the setup there" 'SETUP-'
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer
tm kill-window -t main:1
PANE=main:0.0

# ---------------------------------------------------------------------------------------
# 8. wsl --install at a terminal launches the new distro, and so the setup

launch "\"\$WSL_BIN\" --install --from-file '$BB_IMG' --name Term"
see "wsl --install at a terminal: the success line" "^Distribution successfully installed\. It can be launched via 'wsl -d Term'\$" 60
see "  ...then the setup starts" "$INTRO" 20
answer "  ...(bob)" "$PROMPT_USER" 1 "bob"
secret "  ...(password)" "$PROMPT_PW" 1 "Bob-Pw-1"
secret "  ...(retyped)" "$PROMPT_PW2" 1 "Bob-Pw-1"
type_line 'echo TERMWHO$((7))=$(id -un)'
see "  ...and the shell opens as bob" '^TERMWHO7=bob$' 20
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer
assert_eq "  ...runOobe is false" false "$(oobe Term)"

launch "\"\$WSL_BIN\" --install --from-file '$BB_IMG' --name TermNull </dev/null"
see "wsl --install at a terminal with stdin /dev/null: the success line" "^Distribution successfully installed\. It can be launched via 'wsl -d TermNull'\$" 60
outcome "  ...and it exits 0 without launching" 0 20
unseen "  ...no setup prompt" "$INTRO|$PROMPT_USER"
back_to_outer
assert_eq "  ...runOobe is true" true "$(oobe TermNull)"

launch "\"\$WSL_BIN\" --install --from-file '$BB_IMG' --name TermNL --no-launch"
see "wsl --install --no-launch at a terminal: the success line" "^Distribution successfully installed\. It can be launched via 'wsl -d TermNL'\$" 60
outcome "  ...and it exits 0 without launching" 0 20
unseen "  ...no setup prompt" "$INTRO|$PROMPT_USER"
back_to_outer
assert_eq "  ...runOobe is true" true "$(oobe TermNL)"

# ---------------------------------------------------------------------------------------
# 9. a non-root user installs and sets up a distro of its own

create_test_users
UA=${TEST_USERS[0]}
UB=${TEST_USERS[1]}
UA_UID=$(id -u "$UA")
chmod 755 "$T"
cat >"$T/as_a.sh" <<EOF
#!/bin/bash
# The wsl CLI as $UA, on the terminal this script runs on.
cd / && exec setpriv --reuid='$UA' --regid="\$(id -g '$UA')" --init-groups \\
    env -i HOME="\$(getent passwd '$UA' | cut -d: -f6)" USER='$UA' LOGNAME='$UA' \\
    PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 TERM="\$TERM" \\
    WSL_SERVICE_SOCKET='$WSL_SERVICE_SOCKET' '$USER_WSL_BIN' "\$@"
EOF
chmod 755 "$T/as_a.sh"
expect_ok "$UA: wsl --install --from-file (no terminal) --name Mine --no-launch" \
    uwsl "$UA" --install --from-file "$BB_IMG" --name Mine --no-launch </dev/null
assert_eq "  ...runOobe is true in $UA's registry" true "$(oobe Mine "$UA_UID")"
launch "'$T/as_a.sh' -d Mine"
see "$UA: wsl -d Mine at a terminal starts the setup" "$INTRO" 30
answer "  ...(erin)" "$PROMPT_USER" 1 "erin"
secret "  ...(password)" "$PROMPT_PW" 1 "Erin-Pw-1"
secret "  ...(retyped)" "$PROMPT_PW2" 1 "Erin-Pw-1"
type_line 'echo MINE$((8))=$(id -un):$(id -u)'
see "  ...and the shell opens as erin, uid 1001 inside" '^MINE8=erin:1001$' 20
type_line 'exit'
outcome "  ...exits 0" 0
back_to_outer
assert_eq "  ...runOobe is false in $UA's registry" false "$(oobe Mine "$UA_UID")"
assert_eq "  ...defaultUid is 1001" 1001 "$(reg_field Mine defaultUid "$UA_UID")"
run uwsl "$UA" -d Mine -u root -- cat /etc/shadow
shadow_hash_ok "  ...erin's password is stored" erin Erin-Pw-1 "$OUT"
run uwsl "$UB" -l
assert_no_match "$UB does not see Mine in wsl -l" "$OUT" '(^|[^A-Za-z])Mine([^A-Za-z]|$)'
expect_fail "  ...and cannot launch it" "WSL_E_DISTRO_NOT_FOUND" uwsl "$UB" -d Mine -- true
run wsl -l
assert_no_match "root does not see Mine either" "$OUT" '(^|[^A-Za-z])Mine([^A-Za-z]|$)'

# ---------------------------------------------------------------------------------------
# 2 + 3. the built-in setup on the real Debian image (useradd, the sudo group)

MANIFEST=$("$WSL_SRC/distros/debian/build.sh" 2>"$T/debian-build.log")
DEB_IMG=''
if [[ -n $MANIFEST && -s $MANIFEST ]]; then
    DEB_IMG=$("$PY" - "$MANIFEST" <<'EOF'
import json, sys, urllib.parse
m = json.load(open(sys.argv[1]))
for imgs in m.get("ModernDistributions", {}).values():
    for i in imgs:
        for k in ("Amd64Url", "Arm64Url"):
            u = i.get(k, {}).get("Url", "")
            if u.startswith("file://"):
                print(urllib.parse.unquote(u[len("file://"):]))
                sys.exit(0)
EOF
    )
fi
if [[ -z $DEB_IMG || ! -s $DEB_IMG ]]; then
    note "SKIPPED the Debian part: no Debian image ($(tail -n 3 "$T/debian-build.log"))"
else
    t0=$SECONDS
    install_file Deb "$DEB_IMG"
    note "the Debian install took $((SECONDS - t0)) s"
    assert_eq "  ...runOobe is true" true "$(oobe Deb)"
    launch '"$WSL_BIN" -d Deb'
    see "wsl -d Deb: the built-in setup starts" "$INTRO" 30
    answer "  ...(daemon, a name Debian has)" "$PROMPT_USER" 1 "daemon"
    secret "  ...(password)" "$PROMPT_PW" 1 "Daemon-Pw-1"
    secret "  ...(retyped)" "$PROMPT_PW2" 1 "Daemon-Pw-1"
    see "  ...creating 'daemon' fails: the message says so" "^Creating the user 'daemon' failed\.$" 30
    answer "  ...and the user name is asked again (frank)" "$PROMPT_USER" 2 "frank"
    # A password with a space, $, a backslash and quotes: it must reach chpasswd as typed.
    FRANK_PW='Fr ank$1\x"q'"'"'z'
    secret "  ...(a password with a space, \$, \\ and quotes)" "$PROMPT_PW" 2 "$FRANK_PW"
    secret "  ...(retyped)" "$PROMPT_PW2" 2 "$FRANK_PW"
    type_line 'echo DEBWHO$((9))=$(id -un):$(id -u) DEBGROUPS$((9))=$(id -Gn | tr " " ,) DEBSHELL$((9))=$0'
    see "  ...the shell opens as frank, uid 1000" '^DEBWHO9=frank:1000 ' 30
    assert_match "  ...in the sudo group" "$(screen)" '^DEBWHO9=.* DEBGROUPS9=([^ ]*,)?sudo(,[^ ]*)? '
    assert_match "  ...with bash as the login shell (useradd --shell /bin/bash)" "$(screen)" 'DEBSHELL9=-bash$'
    unseen "  ...no password was echoed" 'ank\$1|Daemon-Pw'
    type_line 'exit'
    outcome "  ...exits 0" 0
    back_to_outer
    assert_eq "  ...runOobe is false" false "$(oobe Deb)"
    assert_eq "  ...defaultUid is 1000" 1000 "$(reg_field Deb defaultUid)"
    run wsl -d Deb -u root -- getent passwd daemon frank
    assert_match "  ...daemon is unchanged" "$OUT" '^daemon:x:1:1:'
    assert_match "  ...frank has a home (useradd --create-home)" "$OUT" '^frank:x:1000:1000:[^:]*:/home/frank:/bin/bash$'
    run wsl -d Deb -u root -- test -d /home/frank
    assert_eq "  ...which exists" 0 "$RC"
    run wsl -d Deb -u root -- getent shadow frank
    case $(cut -d: -f2 <<<"$OUT") in
        '' | '!'* | '*'*) not_ok "  ...frank has a password hash" "$OUT" ;;
        *) ok "  ...frank has a password hash" ;;
    esac
    run wsl -d Deb -- sudo -n true
    assert_ne "  ...sudo -n true as frank fails (a password is needed)" 0 "$RC"
    assert_imatch "  ...and says a password is required" "$ERR" 'password is required'
    printf '%s\n' "$FRANK_PW" >"$T/frank.pw"
    printf '%s\n' "${FRANK_PW% *}" >"$T/wrong.pw"
    run wsl -d Deb -- 'sudo -S -p "" id -u' <"$T/frank.pw"
    assert_eq "  ...sudo -S id -u with the password on stdin succeeds (the password was set as typed)" \
        "0:0" "$RC:$OUT"
    run wsl -d Deb -- 'sudo -S -p "" true' <"$T/wrong.pw"
    assert_ne "  ...and a wrong password does not" 0 "$RC"
fi

check_registry 0
tmux_cleanup
finish
