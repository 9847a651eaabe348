#!/usr/bin/env bash
# Interactive sessions through a real terminal: a tmux pane runs an outer bash, which runs the
# wsl CLI against a real Debian (version 1). Covers the login shell on a pty inside the
# distro, window size and its changes, Ctrl-C, job control, cursor addressing, exit status,
# the terminal's settings after every way a session can end (exit, --terminate, SIGTERM to
# the client, SIGKILL to the session from the host, hangup of the terminal), and sessions
# where only some of the standard streams are the terminal.
source "$(dirname "$0")/lib.sh"

# A cached mmdebstrap minbase tarball (built once when missing: needs mmdebstrap and a mirror).
TAR=$("$WSL_SRC/scripts/debian-rootfs.sh" 2>"$T/debian-rootfs.log") ||
    skip_all "no Debian tarball and it cannot be built: $(tail -n 3 "$T/debian-rootfs.log")"

start_service
WSL_TIMEOUT=300
t0=$SECONDS
expect_ok "import the Debian minbase tarball as Deb" wsl --import Deb "$(fresh_dir deb)" "$TAR" ||
    die "import failed"
note "import took $((SECONDS - t0)) s"

# ---------------------------------------------------------------------------------------
# the terminal: a private tmux server, one 100x30 window, no status line

ROWS=30
COLS=100
# The pane's shell: a plain bash that knows where the service is and keeps no history.
tmux_terminal "$COLS" "$ROWS" </dev/null

# pane_pid: the outer bash; client_pid: the wsl it runs (empty when none).
client_pid() { pgrep -P "$(pane_pid)" -x wsl | head -n 1; }
has_client() { [[ -n $(client_pid) ]]; }

# proc_in_state ARGS LETTER: that process's state (ps stat) starts with LETTER.
proc_in_state() {
    local p
    p=$(session_pids "$1" | head -n 1)
    [[ -n $p && $(ps -o stat= -p "$p") == "$2"* ]]
}

# The outer shell: its prompt and the settings the terminal must get back after every session.
type_line ". '$T/outer.sh'"
see "the outer bash in the tmux pane is ready" '^O> ?$' || die "no outer shell prompt"
type_line "stty -g >'$T/stty.before'"
wait_until 5 test -s "$T/stty.before" || die "stty -g in the outer shell wrote nothing"
note "terminal settings: $(cat "$T/stty.before")"

# settings_restored DESC N: the outer shell's `stty -g` equals the one from before wsl ran.
settings_restored() {
    local f=$T/stty.after.$2
    clear_screen
    type_line "stty -g >'$f'"
    wait_until 5 test -s "$f"
    assert_eq "$1" "$(cat "$T/stty.before")" "$(cat "$f" 2>/dev/null)"
}

# cooked_mode_works DESC N: in the outer shell, `read` (no readline) gets what was typed with
# the kernel's line editing (erase) and the terminal echoes it.
cooked_mode_works() {
    clear_screen
    type_line "read -r L; echo \"GOT$2\$((0))=[\$L]\""
    # readline is done with the line and gave the terminal back: the keys meet the kernel's
    # line discipline.
    wait_until 5 tty_is icanon
    sleep 0.1
    tm send-keys -t "$PANE" -l -- "ab$2X"
    keys BSpace
    tm send-keys -t "$PANE" -l -- "c"
    keys Enter
    see "$1: erase works" "^GOT$2""0=\[ab$2c\]\$" &&
        see "$1: typed text is echoed" "^ab$2c\$"
}

# login_shell N DESC: runs `wsl -d Deb` (the default user's login shell) from the outer shell,
# which prints OUT0=<status> when it ends; waits for Debian's prompt, sets PS1='D> ' and checks
# that commands run inside the distro. The rest of the test depends on it: fatal when it fails.
login_shell() {
    clear_screen
    type_line "\"\$WSL_BIN\" -d Deb; echo OUT\$((0))=\$?"
    wait_until 10 has_client && wait_until 15 screen_has '# ?$' && has_client ||
        die "$2: wsl -d Deb shows Debian's root prompt" "$(screen)"
    type_line "unset HISTFILE; export PS1='D> '; echo IN\$(($1))=\$WSL_DISTRO_NAME"
    see "$2 starts and takes commands (wsl -d Deb)" "^IN$1=Deb\$" 15 || die "no login shell"
}

# ---------------------------------------------------------------------------------------
# 1. a login shell on a pty of its own, with the terminal's size

login_shell 1 "an interactive login shell"
type_line 'echo READY-$((6*7))'
see "  ...runs them: echo READY-\$((6*7)) prints READY-42" '^READY-42$'
type_line 'echo TTY$((1))=$(tty) LOGIN$((1))=$(shopt -q login_shell && echo yes)'
see "  ...stdin is a pty of the distro (/dev/pts/N)" '^TTY1=/dev/pts/[0-9]+ '
see "  ...it is a login shell" 'LOGIN1=yes$'
type_line 'echo WHO$((1))=$(id -un) TERM$((1))=$TERM'
see "  ...as root (the default user of an imported distro)" '^WHO1=root '
see "  ...with the terminal's TERM" "TERM1=$(tm show-options -gv default-terminal)\$"
type_line 'echo SIZE$((1))=$(stty size)'
see "  ...stty size inside is the pane's size ($ROWS $COLS)" "^SIZE1=$ROWS $COLS\$"

clear_screen
tm resize-window -t main -x 120 -y 40 >/dev/null
wait_until 5 test "$(tm display-message -p -t "$PANE" '#{pane_height} #{pane_width}')" = "40 120"
type_line 'echo SIZE$((2))=$(stty size)'
see "  ...after the window grows to 120x40, stty size follows (SIGWINCH forwarded)" '^SIZE2=40 120$'
type_line 'trap "echo WINCH\$((3))" WINCH'
tm resize-window -t main -x 90 -y 25 >/dev/null
see "  ...the shell gets SIGWINCH when the window shrinks" 'WINCH3$'
type_line 'trap - WINCH; echo SIZE$((4))=$(stty size) COLUMNS$((4))=$COLUMNS'
see "  ...and stty size is 25 90" '^SIZE4=25 90 '
see "  ...and bash's COLUMNS followed" 'COLUMNS4=90$'
tm resize-window -t main -x "$COLS" -y "$ROWS" >/dev/null
wait_until 5 test "$(tm display-message -p -t "$PANE" '#{pane_height} #{pane_width}')" = "$ROWS $COLS"

# ---------------------------------------------------------------------------------------
# 2. Ctrl-C

clear_screen
type_line 'sleep 100'
wait_until 10 has_session_proc "sleep 100"
t1=$SECONDS
keys C-c
see "Ctrl-C interrupts a foreground sleep 100: the prompt comes back" '^D> ?$' 5
type_line 'echo RC$((1))=$?'
see "  ...and \$? is 130" '^RC1=130$'
assert_eq "  ...within 3 s" 1 "$((SECONDS - t1 <= 3))"
check "  ...and the sleep is gone" wait_until 5 not has_session_proc "sleep 100"
clear_screen
keys C-c
# readline drops the line and prompts anew: what is typed before that could be dropped too.
two_prompts() { (($(grep -Ec '^D> ?(\^C)?$' <<<"$(screen)") >= 2)); }
wait_until 5 two_prompts
type_line 'echo ALIVE$((1))'
see "Ctrl-C at the prompt leaves the shell running" '^ALIVE1$'

# ---------------------------------------------------------------------------------------
# 3. job control

clear_screen
type_line 'sleep 101'
wait_until 10 has_session_proc "sleep 101"
keys C-z
see "Ctrl-Z stops a foreground sleep 101: bash reports it Stopped" 'Stopped +sleep 101'
see "  ...and prompts again" '^D> ?$' 5
type_line 'jobs'
see "  ...jobs lists it as job 1" '^\[1\]\+ +Stopped +sleep 101$'
check "  ...the process is stopped (state T)" wait_until 5 proc_in_state "sleep 101" T
type_line 'fg'
see "  ...fg resumes it in the foreground" '^sleep 101$'
wait_until 5 proc_in_state "sleep 101" S
keys C-c
see "  ...and Ctrl-C then ends it" '^D> ?$' 5
type_line 'echo RC$((2))=$?'
see "  ...with status 130" '^RC2=130$'
check "  ...the process is gone" wait_until 5 not has_session_proc "sleep 101"

clear_screen
type_line 'sleep 102'
wait_until 10 has_session_proc "sleep 102"
keys C-z
see "a second stopped job (sleep 102)" 'Stopped +sleep 102'
wait_until 5 screen_has '^D> ?$'
type_line 'sleep 103 &'
wait_until 10 has_session_proc "sleep 103"
type_line 'jobs; echo JOBS$((3))=$(jobs -p | wc -l)'
see "  ...and a background job: jobs counts 2" '^JOBS3=2$'
type_line 'kill %1 %2; wait; echo KILLED$((3))'
see "  ...kill %1 %2 ends both" '^KILLED3$'
no_jobs_left() { ! has_session_proc "sleep 102" && ! has_session_proc "sleep 103"; }
check "  ...no sleep 102 or 103 is left" wait_until 5 no_jobs_left

# ---------------------------------------------------------------------------------------
# 4. full-screen output with cursor addressing

clear_screen
type_line 'command -v tput >/dev/null && echo TPUT$((5))=yes || echo TPUT$((5))=no'
see "tput answers (ncurses-bin is in minbase)" '^TPUT5=(yes|no)$'
if screen_has '^TPUT5=yes$'; then
    draw='tput clear; tput cup 10 20; echo MARK$((6*7)); tput cup 3 5; echo CORNER$((1))'
else
    note "no tput in the distro: drawing with escape sequences"
    draw="printf '\\033[H\\033[2J\\033[11;21HMARK42\\n\\033[4;6HCORNER1\\n'"
fi
type_line "$draw; sleep 2"
wait_until 5 screen_has '^ {20}MARK42$'
shot=$(screen)
assert_eq "tput cup 10 20 puts MARK42 at row 10, column 20" "$(printf '%20sMARK42' '')" \
    "$(sed -n 11p <<<"$shot")"
assert_eq "  ...and tput cup 3 5 puts CORNER1 at row 3, column 5" "$(printf '%5sCORNER1' '')" \
    "$(sed -n 4p <<<"$shot")"
assert_eq "  ...tput clear wiped the rest (row 0 is empty)" "" "$(sed -n 1p <<<"$shot")"
see "  ...and the prompt comes back" '^D> ?$' 5

# ---------------------------------------------------------------------------------------
# 5. exit status of the login shell, and the terminal afterwards

clear_screen
type_line 'exit 5'
outcome "exit 5 in the login shell: wsl exits 5 in the outer shell" 5
check "  ...and the client process is gone" wait_until 5 not has_client
settings_restored "terminal settings restored after a normal exit" 1
cooked_mode_works "cooked mode after a normal exit" 1

# ---------------------------------------------------------------------------------------
# 6. the terminal is restored however the session ends

# --terminate from outside while a shell is open
login_shell 2 "a second login shell"
type_line 'sleep 4241'
wait_until 10 has_session_proc "sleep 4241"
expect_ok "wsl --terminate Deb from outside while the session runs" wsl --terminate Deb
see "  ...the client says the distribution stopped" 'wsl: The distribution stopped while the command ran\.$'
outcome "  ...and exits 255" 255
check "  ...the sleep is gone" wait_until 5 not has_session_proc "sleep 4241"
settings_restored "terminal settings restored after --terminate" 2
cooked_mode_works "cooked mode after --terminate" 2

# SIGTERM to the client, with a command session (the sleep leads the session)
clear_screen
type_line "\"\$WSL_BIN\" -d Deb -- sleep 4242; echo OUT\$((0))=\$?"
wait_until 15 has_session_proc "sleep 4242" || not_ok "sleep 4242 started in the distro"
cpid=$(client_pid)
if [[ -n $cpid ]]; then
    kill -TERM "$cpid"
    outcome "kill -TERM of the client running 'sleep 4242': it exits 143" 143
    check "  ...and the session's sleep is gone (SIGTERM forwarded)" wait_until 5 not has_session_proc "sleep 4242"
else
    not_ok "the wsl client of 'sleep 4242' is a child of the outer shell"
fi
settings_restored "terminal settings restored after SIGTERM to the client" 3
cooked_mode_works "cooked mode after SIGTERM to the client" 3

# SIGTERM to the client of an interactive login shell with a foreground job
login_shell 4 "a login shell for SIGTERM"
type_line 'sleep 4244'
wait_until 10 has_session_proc "sleep 4244"
cpid=$(client_pid)
if [[ -n $cpid ]]; then
    kill -TERM "$cpid"
    outcome "kill -TERM of the client of an interactive shell: it exits 143" 143 5
    check "  ...and the shell's foreground sleep is gone" wait_until 5 not has_session_proc "sleep 4244"
else
    not_ok "the wsl client of the login shell is a child of the outer shell"
fi
if has_client; then
    # The outer bash restores the terminal itself after a job killed by a signal, so the
    # settings cannot be checked after this.
    note "the client still runs after SIGTERM: SIGKILL to it, and go on"
    kill -KILL "$(client_pid)" 2>/dev/null
    wait_until 5 not has_client
    wait_until 5 not has_session_proc "sleep 4244"
else
    settings_restored "terminal settings restored after SIGTERM to a login shell's client" 4
fi

# SIGHUP to the client of an interactive login shell with a foreground job
login_shell 7 "a login shell for SIGHUP"
type_line 'sleep 4247'
wait_until 10 has_session_proc "sleep 4247"
cpid=$(client_pid)
if [[ -n $cpid ]]; then
    kill -HUP "$cpid"
    outcome "kill -HUP of the client of an interactive shell: it exits 129" 129
    check "  ...and the shell's foreground sleep is gone" wait_until 5 not has_session_proc "sleep 4247"
else
    not_ok "the wsl client of the login shell is a child of the outer shell"
fi
settings_restored "terminal settings restored after SIGHUP to the client" 9

# SIGKILL of the session's process from the host
clear_screen
type_line "\"\$WSL_BIN\" -d Deb -- sleep 4245; echo OUT\$((0))=\$?"
wait_until 15 has_session_proc "sleep 4245" || not_ok "sleep 4245 started in the distro"
spid=$(session_pids "sleep 4245")
if [[ -n $spid ]]; then
    kill -KILL $spid
    outcome "kill -9 of the session's sleep from the host: wsl exits 137" 137
else
    not_ok "found sleep 4245 under the service"
fi
settings_restored "terminal settings restored after SIGKILL of the session's process" 5
cooked_mode_works "cooked mode after SIGKILL of the session's process" 5

# SIGKILL of the login shell itself
login_shell 6 "a login shell for SIGKILL"
spid=$(session_pids "-bash")
if [[ -n $spid ]]; then
    kill -KILL $spid
    outcome "kill -9 of the login shell from the host: wsl exits 137" 137
else
    not_ok "found the login shell (-bash) under the service"
fi
settings_restored "terminal settings restored after SIGKILL of the login shell" 6

# ---------------------------------------------------------------------------------------
# 7. a command with stdin on the terminal

clear_screen
type_line "\"\$WSL_BIN\" -d Deb -- cat; echo OUT\$((0))=\$?"
wait_until 15 has_session_proc "cat"
wait_until 5 tty_is -icanon   # the client put the terminal in raw mode
tm send-keys -t "$PANE" -l -- "abc"
keys Enter
two_abc() { (($(screen | grep -cx abc) >= 2)); }
wait_until 5 two_abc
n=$(screen | grep -cx abc)
assert_eq "wsl -- cat on the terminal: abc is echoed by the pty and printed back by cat" 2 "$n"
keys C-d
outcome "  ...Ctrl-D ends it with status 0" 0
settings_restored "terminal settings restored after cat" 7

# A session whose processes close every descriptor of the terminal some time before the last
# one exits (cat does close 0, 1 and 2 just before exiting): the exit status must still be the
# command's, not a hang-up's.
clear_screen
type_line "\"\$WSL_BIN\" -d Deb -- 'exec <&- >&- 2>&-; sleep 1; exit 3'; echo OUT\$((0))=\$?"
outcome "a command that closes stdin/stdout/stderr, then exits 3 a second later: wsl exits 3" 3 15

# ---------------------------------------------------------------------------------------
# 8. stdout on the terminal, stdin a pipe

clear_screen
type_line "echo piped\$((1)) | \"\$WSL_BIN\" -d Deb -- 'cat; test -t 0 || echo STDIN\$((2))=pipe; test -t 1 && echo STDOUT\$((2))=tty'; echo OUT\$((0))=\$?"
see "stdin a pipe, stdout the terminal: cat prints what was piped" '^piped1$' 15
see "  ...stdin inside is not a terminal" '^STDIN2=pipe$'
see "  ...stdout inside is a terminal" '^STDOUT2=tty$'
outcome "  ...exit 0" 0
settings_restored "terminal settings untouched when stdin is a pipe" 8

# ---------------------------------------------------------------------------------------
# the terminal hangs up

login_shell 10 "a login shell for the hangup"
type_line 'sleep 4246'
wait_until 10 has_session_proc "sleep 4246" || not_ok "sleep 4246 started in the distro"
cpid=$(client_pid)
tm kill-pane -t "$PANE" 2>/dev/null || tm kill-server
check "closing the terminal (tmux kill-pane) ends the login shell's foreground sleep" \
    wait_until 10 not has_session_proc "sleep 4246"
check "  ...and the login shell" wait_until 10 not has_session_proc "-bash"
check "  ...and the wsl client" wait_until 10 gone "${cpid:-0}"

tmux_cleanup
finish
