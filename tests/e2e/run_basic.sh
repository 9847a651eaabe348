#!/usr/bin/env bash
# Running commands in a version 1 distro without a terminal: the three command forms, exit
# status, the environment, users resolved inside the distro, the working directory, stdio
# handed over as the client's own fds (pipes, EOF, SIGPIPE), signals and hang-up.
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
expect_ok "import" wsl --import Box "$(fresh_dir box)" "$SRC" || die "cannot import"

# ---------------------------------------------------------------------------------------
# command forms and exit status

run wsl -d Box -- echo '$0' '$HOME' </dev/null
assert_eq "shell mode: \$SHELL -c with the words joined (variables expand inside)" "/bin/sh /root" "$OUT"
run wsl -d Box -e echo '$HOME' </dev/null
assert_eq "-e: argv as given, no shell" '$HOME' "$OUT"
run wsl -d Box --shell-type none echo '$HOME' </dev/null
assert_eq "--shell-type none: no shell either" '$HOME' "$OUT"
run wsl -d Box --shell-type login -- 'echo $0' </dev/null
assert_eq "--shell-type login: a login shell runs the command" "-sh" "$OUT"
run wsl -d Box </dev/null
assert_eq "no command: the login shell, which reads stdin (empty here) and exits 0" 0 "$RC"
run wsl -d Box <<<'echo from-stdin $0'
assert_eq "  ...and runs what stdin holds" "from-stdin -sh" "$OUT"
run wsl -d Box -- exit 42 </dev/null
assert_eq "exit status passes through" 42 "$RC"
run wsl -d Box -e sh -c 'kill -TERM $$' </dev/null
assert_eq "a signal N becomes 128+N" 143 "$RC"
run wsl -d Box -e /nonexistent </dev/null
assert_eq "a missing program: 127" 127 "$RC"
assert_contains "  ...and says why" "$ERR" "/nonexistent"

# ---------------------------------------------------------------------------------------
# environment and users

run wsl -d Box -e env </dev/null
for want in HOME=/root USER=root LOGNAME=root SHELL=/bin/sh WSL_DISTRO_NAME=Box "PATH=/usr/local/sbin:" "HOSTTYPE=$(uname -m)"; do
    assert_contains "environment has $want" "$OUT" "$want"
done
run env -i TERM=xterm-test LANG=POSIX WSL_SERVICE_SOCKET="$SOCK" "$WSL_BIN" -d Box -e env </dev/null
assert_contains "TERM comes from the client" "$OUT" "TERM=xterm-test"
assert_contains "LANG comes from the client (one the distro has; see distro_env.sh)" "$OUT" "LANG=POSIX"
assert_not_contains "the client's other variables stay outside" "$(wsl -d Box -e env </dev/null)" "WSL_SERVICE_SOCKET"

# WSLENV: the host variables it names come in; flags /p and /l translate host paths to where
# the distro sees them, /u is accepted, /w (only out of a distro) is not passed in.
run env FOO=bar WSLENV=FOO "$WSL_BIN" -d Box -- 'echo $FOO' </dev/null
assert_eq "FOO=bar WSLENV=FOO wsl -- 'echo \$FOO' prints bar" "bar" "$OUT"
run env FOO=bar WSLENV=FOO "$WSL_BIN" -d Box -- 'echo $WSLENV' </dev/null
assert_eq "  ...and WSLENV itself is visible inside" "FOO" "$OUT"
run env P=/srv/data L="/a/b:rel:/c" U=u W=w WSLENV="P/p:L/l:U/u:W/w" \
    "$WSL_BIN" -d Box -- 'echo "$P|$L|$U|${W-unset}"' </dev/null
assert_eq "/p and /l translate host paths, /u passes, /w stays out" \
    "/mnt/host/srv/data|/mnt/host/a/b:/mnt/host/c|u|unset" "$OUT"
run env HOME=/evil USER=evil WSL_DISTRO_NAME=evil PATH="/evil:$PATH" WSLENV="HOME:USER:WSL_DISTRO_NAME:PATH/l" \
    "$WSL_BIN" -d Box -- 'echo "$HOME $USER $WSL_DISTRO_NAME ${PATH%%:*}"' </dev/null
assert_eq "WSLENV never overrides what init sets (HOME, USER, WSL_DISTRO_NAME, PATH)" \
    "/root root Box /usr/local/sbin" "$OUT"
run env FOO=ok WSLENV="BAD-NAME:FOO:X/z:NOPE" "$WSL_BIN" -d Box -- 'echo "$FOO ${NOPE-unset}"' </dev/null
assert_eq "bad names and unknown flags are skipped; an unset name stays unset" "ok unset" "$OUT"
assert_contains "  ...with a warning for the bad name" "$ERR" "WSLENV: 'BAD-NAME' is not passed"
assert_contains "  ...and for the unknown flag" "$ERR" "WSLENV: 'X/z' is not passed"
run env WSL_DISABLE_WARNINGS=1 WSLENV="BAD-NAME" "$WSL_BIN" -d Box -- true </dev/null
assert_eq "  ...which WSL_DISABLE_WARNINGS=1 silences" "" "$ERR"
big=$(head -c 100000 /dev/zero | tr '\0' a)
run env A1="$big" A2="$big" A3="$big" WSLENV="A1:A2:A3" \
    "$WSL_BIN" -d Box -- 'echo ${#A1} ${#A2} ${A3-unset}' </dev/null
assert_eq "WSLENV carries at most 256 KiB: the variables past that stay out" "100000 100000 unset" "$OUT"
assert_contains "  ...with a warning" "$ERR" "over 256 KiB"
many=$(seq -f 'V%g' 1 400 | paste -sd:)
run env V1=first V300=late WSLENV="$many" "$WSL_BIN" -d Box -- 'echo "$V1 ${V300-unset}"' </dev/null
assert_eq "  ...and at most 256 names" "first unset" "$OUT"

run wsl -d Box -u user -e id -u </dev/null
assert_eq "-u NAME is looked up in the distro's /etc/passwd" 1000 "$OUT"
run wsl -d Box -u user -e sh -c 'echo $HOME $USER' </dev/null
assert_eq "  ...with its home and name" "/home/user user" "$OUT"
expect_fail "-u nosuchuser" WSL_E_USER_NOT_FOUND wsl -d Box -u nosuchuser -- true
assert_contains "  ...says User not found." "$ERR" "User not found."
assert_match "  ...in CreateInstance" "$ERR" "^Error code: Wsl/Service/CreateInstance/WSL_E_USER_NOT_FOUND$"
run wsl -d Box -u 4242 -e id -u </dev/null
assert_eq "-u with a uid the distro does not name runs as that uid" 4242 "$OUT"

expect_ok "--manage --set-default-user user" wsl --manage Box --set-default-user user
assert_eq "  ...stores the uid 'id -u' gave inside" 1000 "$(reg_field Box defaultUid)"
run wsl -d Box -e id -u </dev/null
assert_eq "  ...and sessions run as it" 1000 "$OUT"
expect_fail "--set-default-user nosuchuser" WSL_E_USER_NOT_FOUND wsl --manage Box --set-default-user nosuchuser
assert_eq "  ...keeps the stored uid" 1000 "$(reg_field Box defaultUid)"
run wsl -d Box -u root -e id -u </dev/null
assert_eq "-u root beats the default user" 0 "$OUT"
expect_ok "back to root" wsl --manage Box --set-default-user root

# ---------------------------------------------------------------------------------------
# working directory

D=$(fresh_dir cwd)
run bash -c "cd '$D' && '$WSL_BIN' -d Box -e pwd" </dev/null
assert_eq "the host's cwd, seen under /mnt/host" "/mnt/host$D" "$OUT"
run wsl -d Box --cd /etc -e pwd </dev/null
assert_eq "--cd /etc" "/etc" "$OUT"
run wsl -d Box --cd '~' -e pwd </dev/null
assert_eq "--cd ~ is home" "/root" "$OUT"
run wsl '~' -d Box -e pwd </dev/null
assert_eq "a leading ~ is home" "/root" "$OUT"
run wsl -d Box --cd /nonexistent -e pwd </dev/null
assert_eq "--cd to a missing directory: not fatal, as wsl.exe (exit 0)" 0 "$RC"
assert_eq "  ...the session starts at home" "/root" "$OUT"
assert_eq "  ...with wsl.exe's words on stderr" "wsl: chdir(/nonexistent) failed 2" "$ERR"
run wsl -d Box -u user --cd /root -e pwd </dev/null
assert_eq "--cd to a directory the user cannot enter: home" "/home/user" "$OUT"
assert_eq "  ...and says so" "wsl: chdir(/root) failed 13" "$ERR"
run bash -c "cd /root && '$WSL_BIN' -d Box -e pwd" </dev/null
assert_eq "a host cwd the distro cannot enter falls back to home" "/root" "$OUT"
assert_eq "  ...and warns, as wsl.exe does for a cwd it cannot translate" \
    "wsl: Failed to translate '/root'" "$ERR"
run bash -c "cd '$D' && '$WSL_BIN' -d Box -e pwd" </dev/null
assert_eq "a visible host cwd: no warning" "" "$ERR"
# `wsl ~` typed in bash arrives as `wsl $HOME`: that is ~, not a command named /home/...
H=$(fresh_dir home)
run env HOME="$H" bash -c "'$WSL_BIN' ~ -d Box -e pwd" </dev/null
assert_eq "wsl ~ -d Box in bash (\$HOME in first position) is home inside" "/root" "$OUT"
run env HOME="$H" bash -c "cd / && '$WSL_BIN' ~ -d Box -e pwd" </dev/null
assert_eq "  ...whatever the host cwd" "/root" "$OUT"
run env HOME="$H" "$WSL_BIN" -d Box -e echo "$H" </dev/null
assert_eq "  ...but \$HOME anywhere else is just a word" "$H" "$OUT"

# ---------------------------------------------------------------------------------------
# stdio is the client's own fds

head -c 3000000 /dev/urandom >"$T/data"
wsl -d Box -e cat <"$T/data" >"$T/copy"
check "stdin and stdout are passed through byte for byte" cmp -s "$T/data" "$T/copy"
run wsl -d Box -e sh -c 'echo out; echo err >&2' </dev/null
assert_eq "stdout stays stdout" "out" "$OUT"
assert_eq "stderr stays stderr" "err" "$ERR"
run bash -c "'$WSL_BIN' -d Box -e yes | head -n 1; echo \"\${PIPESTATUS[*]}\""
assert_eq "wsl -- yes | head -1: the writer dies of SIGPIPE as on the host" "y
141 0" "$OUT"
run bash -c "echo -n abc | '$WSL_BIN' -d Box -e wc -c"
assert_eq "EOF on stdin reaches the process" 3 "$(xargs <<<"$OUT")"
run bash -c "'$WSL_BIN' -d Box -e readlink /proc/self/fd/1 >'$T/target'; cat '$T/target'"
assert_match "stdout is the very file the client had (no relay)" "$OUT" "target$"
run bash -c "exec 0<&- 1>'$T/closed.out'; '$WSL_BIN' -d Box -e sh -c 'echo still-works'"
assert_eq "a closed stdin is replaced by /dev/null" "still-works" "$(cat "$T/closed.out")"

# ---------------------------------------------------------------------------------------
# signals and hang-up

# A background job of this (non-interactive) shell starts with SIGINT ignored until the
# client installs its handler: wait for the session's own process ("^sleep"), not for the
# client's command line, which also says "sleep 123".
"$WSL_BIN" -d Box -e sleep 123 </dev/null &
CLIENT=$!
wait_until 10 pgrep -f "^sleep 123" >/dev/null
kill -INT $CLIENT
wait $CLIENT
assert_eq "SIGINT to the client reaches the process: 130" 130 "$?"
check "  ...which is gone" not pgrep -f "^sleep 123"

"$WSL_BIN" -d Box -e sleep 124 </dev/null &
CLIENT=$!
wait_until 10 pgrep -f "^sleep 124" >/dev/null
kill -9 $CLIENT
wait $CLIENT 2>/dev/null
check "kill -9 of the client hangs up its session" wait_until 10 not pgrep -f "^sleep 124"

run wsl --distribution-id "$(reg_field Box guid)" -e echo by-id </dev/null
assert_eq "--distribution-id GUID" "by-id" "$OUT"
expect_fail "--distribution-id of nothing" WSL_E_DISTRO_NOT_FOUND wsl --distribution-id 00000000-0000-4000-8000-000000000000 -- true

check "service still running" service_alive
finish
