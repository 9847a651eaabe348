#!/usr/bin/env bash
# Sessions where only some of stdin, stdout and stderr are the terminal, each run from a real
# terminal (a tmux pane): every line the session prints, through the pty or through a pipe to
# another program that prints it (`wsl ... | cat`), starts at column 0 (no staircase from a
# terminal left without output processing), what is typed is echoed even when no output goes
# to the terminal, Ctrl-C works, and the terminal's settings are the same afterwards.
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
expect_ok "import" wsl --import Box "$(fresh_dir box)" "$SRC" || die "cannot import"

tmux_terminal 100 40 </dev/null
type_line ". '$T/outer.sh'"
see "the outer bash in the tmux pane is ready" '^O> ?$' || die "no outer shell prompt"
type_line "stty -g >'$T/stty.before'"
wait_until 5 test -s "$T/stty.before" || die "stty -g in the outer shell wrote nothing"

# settings_restored DESC N: the outer shell's `stty -g` equals the one from before.
settings_restored() {
    local f=$T/stty.after.$2
    type_line "stty -g >'$f'"
    wait_until 5 test -s "$f"
    assert_eq "$1" "$(cat "$T/stty.before")" "$(cat "$f" 2>/dev/null)"
}

# The session's script: TAGo1..3 on stdout and TAGe1..3 on stderr, a little apart, so that
# each line reaches the terminal on its own while the client is in the middle of its work.
session_script() { echo "for i in 1 2 3; do echo ${1}o\$i; echo ${1}e\$i >&2; sleep 0.2; done"; }

# mix TAG DESC REDIRECTIONS [PREFIX]: runs `PREFIX wsl -d Box -- SCRIPT REDIRECTIONS` in the
# pane, then checks every line it printed on the terminal starts at column 0, the status, and
# the terminal's settings.
mix() {
    local tag=$1 desc=$2 redir=$3 prefix=${4:-} want=$5
    clear_screen
    type_line "$prefix\"\$WSL_BIN\" -d Box -- '$(session_script "$tag")' $redir; echo OUT\$((0))=\$?"
    outcome "$desc: exit 0" 0 15
    local line shot missing=()
    shot=$(screen)
    for line in $want; do
        grep -qx -- "$line" <<<"$shot" || missing+=("$line")
    done
    if ((${#missing[@]} == 0)); then
        ok "  ...each of $want on a line of its own from column 0"
    else
        not_ok "  ...each of $want on a line of its own from column 0" \
            "not at column 0 (or missing): ${missing[*]}" "screen:" "$(screen_trimmed)"
    fi
    settings_restored "  ...terminal settings as before" "$tag"
}

all() { echo "${1}o1 ${1}o2 ${1}o3 ${1}e1 ${1}e2 ${1}e3"; }

mix A "stdin the terminal, stdout a pipe to cat, stderr the terminal (wsl ... | cat)" \
    "| cat" "" "$(all A)"
mix B "stdin the terminal, stdout and stderr a pipe to cat (wsl ... 2>&1 | cat)" \
    "2>&1 | cat" "" "$(all B)"
mix C "stdin and stdout the terminal, stderr a pipe to cat" \
    "2>&1 >/dev/tty | cat" "" "$(all C)"
mix D "stdin the terminal, stdout a file, stderr the terminal" \
    ">'$T/D.out'; cat '$T/D.out'" "" "$(all D)"
mix E "stdin and stderr the terminal, stdout a file, then the file" \
    "2>'$T/E.err'; cat '$T/E.err'" "" "$(all E)"
mix F "stdin a pipe, stdout and stderr the terminal" "" "echo | " "$(all F)"
mix G "stdin /dev/null, stdout a pipe to cat, stderr the terminal" \
    "</dev/null | cat" "" "$(all G)"
mix H "stdin a file, stdout and stderr a pipe to cat" \
    "<'$T/stty.before' 2>&1 | cat" "" "$(all H)"
mix I "all three the terminal" "" "" "$(all I)"

# Nothing of the session goes to the terminal, yet stdin is the terminal: what is typed is
# echoed there (by the pty, whose output has nowhere else to go), and read by the session.
clear_screen
type_line "\"\$WSL_BIN\" -d Box -- 'read x; echo got=\$x' >'$T/J.out' 2>&1; echo OUT\$((0))=\$?"
wait_until 15 tty_is -icanon # the client has the session's pty: keys go to it now
tm send-keys -t "$PANE" -l -- "typed-J"
keys Enter
see "stdin the terminal, stdout and stderr a file: typed text is echoed at column 0" '^typed-J$'
outcome "  ...exit 0" 0 15
assert_eq "  ...and the session read it" "got=typed-J" "$(cat "$T/J.out" 2>/dev/null)"
settings_restored "  ...terminal settings as before" J

# Ctrl-C with stdout a pipe: the pty's line discipline turns it into SIGINT for the session.
clear_screen
type_line "\"\$WSL_BIN\" -d Box -- 'sleep 4711' | cat; echo OUT\$((0))=\${PIPESTATUS[0]}"
wait_until 15 has_session_proc "sleep 4711" || not_ok "sleep 4711 started in the distro"
sleep 0.3
keys C-c
outcome "Ctrl-C with stdout a pipe ends the session: wsl exits 130" 130
check "  ...and the sleep is gone" wait_until 5 not has_session_proc "sleep 4711"
settings_restored "  ...terminal settings as before" K

tmux_cleanup
finish
