#!/usr/bin/env bash
# Crashes, cancellation, concurrency and protocol abuse: the service killed with SIGKILL
# mid-import / mid-unregister / mid-export and restarted on the same state; a client killed
# (SIGKILL, SIGINT) mid-import; eight concurrent imports; racing imports of one name;
# conflicting operations on a busy distro (E_ILLEGAL_STATE_CHANGE); malformed frames sent
# straight to the socket. Afterwards the registry is consistent and nothing stray remains.
source "$(dirname "$0")/lib.sh"

start_service
SMALL=$T/small.tar.zst
mk_rootfs_tar "$SMALL"
BIG=$T/big.tar
mk_rootfs_tar "$BIG" --big 16       # > 16 MiB: a pipe feeding it can be held mid-way

# listed_as NAME STATE: `wsl -l -v --all` shows NAME in STATE.
listed_as() { wsl -l -v --all 2>/dev/null | grep -E "^[* ] ${1//./\\.} +$2 +[12]$" >/dev/null; }
wait_state() { "$PY" "$HELPERS" wait-state "$(registry_file)" "$1" "$2" "${3:-20}"; }

# gone NAME LOC: NAME is not registered (even with --all) and LOC holds nothing.
gone() {
    ! reg_has "$1" && ! wsl -l --all -q 2>/dev/null | grep -Fx "$1" >/dev/null &&
        [[ -z $(ls -A "$2" 2>/dev/null) ]]
}

# start_held_import NAME LOC: starts `wsl --import NAME LOC -` reading a FIFO, feeds it the
# first 4 MiB of $BIG and keeps the FIFO open (fd 7). Sets CPID (the wsl process itself).
start_held_import() {
    local fifo
    fifo=$(fresh_path fifo)
    mkfifo "$fifo"
    env --default-signal=INT "$WSL_BIN" --import "$1" "$2" - <"$fifo" >"$T/client.out" 2>"$T/client.err" &
    CPID=$!
    BG_PIDS+=("$CPID")
    exec 7>"$fifo"
    head -c $((4 * 1024 * 1024)) "$BIG" >&7
}

# ---------------------------------------------------------------------------------------
# eight concurrent imports from eight clients

pids=()
for i in 1 2 3 4 5 6 7 8; do
    "$WSL_BIN" --import "conc$i" "$T/conc$i" "$SMALL" >"$T/conc$i.out" 2>"$T/conc$i.err" &
    pids+=($!)
done
failed=""
for i in 1 2 3 4 5 6 7 8; do
    wait "${pids[$((i - 1))]}" || failed+="conc$i: $(cat "$T/conc$i.err") "
done
assert_eq "eight concurrent imports all succeed" "" "$failed"
expect_ok "list after the concurrent imports" wsl -l -q
assert_eq "  ...eight distros" 8 "$(grep -c . <<<"$OUT")"
assert_eq "  ...the right names" "$(printf 'conc%s\n' 1 2 3 4 5 6 7 8)" "$(sort <<<"$OUT")"
check_registry
for i in 1 2 3 4 5 6 7 8; do
    assert_exists "conc$i has its files" "$T/conc$i/private/rootfs/etc/os-release"
done

# Four clients race for one name: exactly one wins, the others get ERROR_ALREADY_EXISTS.
pids=()
for i in 1 2 3 4; do
    "$WSL_BIN" --import same "$T/same$i" "$SMALL" >"$T/same$i.out" 2>"$T/same$i.err" &
    pids+=($!)
done
wins=0 losers_ok=1
for i in 1 2 3 4; do
    if wait "${pids[$((i - 1))]}"; then
        wins=$((wins + 1))
    else
        grep -q 'ERROR_ALREADY_EXISTS' "$T/same$i.err" || losers_ok=0
        [[ -z $(ls -A "$T/same$i" 2>/dev/null) ]] || losers_ok=0
    fi
done
assert_eq "racing imports of one name: exactly one wins" 1 "$wins"
check "  ...the others fail with ERROR_ALREADY_EXISTS and leave their location empty" test $losers_ok = 1
assert_eq "  ...one 'same' registered" 1 "$(reg_names | grep -cx same)"

# Eight concurrent unregisters.
pids=()
for i in 1 2 3 4 5 6 7 8; do
    "$WSL_BIN" --unregister "conc$i" >/dev/null 2>"$T/unreg$i.err" &
    pids+=($!)
done
failed=""
for i in 1 2 3 4 5 6 7 8; do
    wait "${pids[$((i - 1))]}" || failed+="conc$i: $(cat "$T/unreg$i.err") "
done
assert_eq "eight concurrent unregisters all succeed" "" "$failed"
assert_eq "  ...only 'same' is left" same "$(reg_names)"
for i in 1 2 3 4 5 6 7 8; do
    [[ -e $T/conc$i/private ]] && not_ok "conc$i rootfs still exists after unregister"
done
check_registry

# ---------------------------------------------------------------------------------------
# conflicting operations on a busy (exporting) distro

expect_ok "import 'busy' (16 MiB)" wsl --import busy "$(fresh_dir loc)" "$BIG"
efifo=$(fresh_path efifo)
mkfifo "$efifo"
"$WSL_BIN" --export busy - >"$efifo" 2>"$T/export.err" &
EPID=$!
BG_PIDS+=("$EPID")
exec 8<"$efifo"              # a reader exists, but reads nothing yet: the export stalls
if wait_state busy Exporting 20; then
    ok "export shows state Exporting in the registry"
    expect_ok "wsl -l -v while exporting" wsl -l -v
    assert_match "  ...shows Exporting" "$OUT" "^[* ] busy +Exporting +1$"
    expect_fail "unregister while exporting" E_ILLEGAL_STATE_CHANGE wsl --unregister busy
    assert_contains "  ...wsl.exe's message" "$ERR" "An install, uninstall, or conversion is in progress for this distribution."
    expect_fail "move while exporting" E_ILLEGAL_STATE_CHANGE wsl --manage busy --move "$(fresh_path mv)"
    expect_fail "second export while exporting" E_ILLEGAL_STATE_CHANGE wsl --export busy "$T/second.tar"
    assert_absent "  ...the refused export deleted its output file" "$T/second.tar"
    expect_ok "other distros are not blocked meanwhile" wsl --export same "$T/same-export.tar"
else
    not_ok "export shows state Exporting in the registry" "$(cat "$(registry_file)")"
fi
cat <&8 >"$T/busy.tar"
exec 8<&-
wait "$EPID"
assert_eq "the stalled export completes once read" 0 "$?"
assert_eq "  ...a tar" tar "$(magic "$T/busy.tar")"
assert_eq "  ...state back to Installed" Installed "$(reg_field busy state)"
expect_ok "unregister works once the export is done" wsl --unregister busy

# ---------------------------------------------------------------------------------------
# the client goes away mid-import: nothing of the import remains

for sig in KILL INT; do
    loc=$(fresh_dir loc)
    start_held_import "client$sig" "$loc"
    if wait_state "client$sig" Installing 20; then
        ok "SIG$sig client: import in progress (Installing)"
        check "  ...not listed without --all" not bash -c '"$1" -l -q 2>/dev/null | grep -x "$2" >/dev/null' _ "$WSL_BIN" "client$sig"
        check "  ...listed as Installing with --all" listed_as "client$sig" Installing
    else
        not_ok "SIG$sig client: import in progress (Installing)" "$(cat "$T/client.err")"
    fi
    kill -s "$sig" "$CPID"
    if wait_until 10 not kill -0 "$CPID"; then ok "  ...client exits on SIG$sig"; else
        not_ok "  ...client exits on SIG$sig"; kill -9 "$CPID"; fi
    wait "$CPID" 2>/dev/null
    if wait_until 20 gone "client$sig" "$loc"; then
        ok "  ...cancelled: not registered, location empty (pipe still open)"
    else
        not_ok "  ...cancelled: not registered, location empty (pipe still open)" \
            "$(reg_names)" "$(ls -la "$loc")"
    fi
    exec 7>&-
    sleep 0.5
    check "  ...still nothing after the pipe closes" gone "client$sig" "$loc"
done
check_registry
check "service survived the cancelled imports" service_alive

# ---------------------------------------------------------------------------------------
# the service is killed mid-import, then restarted

before=$(snapshot "$STATE")
loc=$(fresh_dir loc)
start_held_import victim-import "$loc"
if wait_state victim-import Installing 20; then ok "import in progress (Installing)"; else
    not_ok "import in progress (Installing)" "$(cat "$T/client.err")"; fi
sleep 0.3
kill_service 9
exec 7>&-
wait "$CPID"
rc=$?
assert_eq "the client reports the lost service with exit 255" 255 "$rc"
assert_ne "  ...and says something" "" "$(cat "$T/client.err")"
start_service "$STATE" "$SOCK"
if wait_until 20 gone victim-import "$loc"; then ok "after restart: the Installing distro is rolled back with its files"; else
    not_ok "after restart: the Installing distro is rolled back with its files" "$(reg_names)" "$(ls -la "$loc")"; fi
assert_eq "  ...state dir as before the import" "$before" "$(snapshot "$STATE")"
expect_ok "  ...wsl -l -v works" wsl -l -v
assert_match "  ...'same' still there, Stopped" "$OUT" "^[* ] same +Stopped +1$"
check_registry

# ---------------------------------------------------------------------------------------
# the service is killed mid-unregister, then restarted

MANY=$T/many.tar.zst
mk_rootfs_tar "$MANY" --many 60000
before=$(snapshot "$STATE")
loc=$(fresh_dir loc)
WSL_TIMEOUT=180
expect_ok "import a distro with 60,000 files" wsl --import victim-unreg "$loc" "$MANY"
WSL_TIMEOUT=60
"$WSL_BIN" --unregister victim-unreg >"$T/unreg.out" 2>"$T/unreg.err" &
UPID=$!
BG_PIDS+=("$UPID")
if wait_state victim-unreg Uninstalling 30; then
    kill_service 9
    ok "unregister in progress (Uninstalling), service killed"
    wait "$UPID"
    assert_eq "  ...the client reports the lost service with exit 255" 255 "$?"
    check "  ...files were still there when it died" test -e "$loc/private/rootfs"
else
    not_ok "unregister in progress (Uninstalling): the state was never seen" "$(cat "$T/unreg.err")"
    kill_service 9
fi
start_service "$STATE" "$SOCK"
if wait_until 60 bash -c '[[ ! -e $1/private ]]' _ "$loc" && wait_until 5 not reg_has victim-unreg; then
    ok "after restart: the Uninstalling distro is finished (record and files gone)"
else
    not_ok "after restart: the Uninstalling distro is finished (record and files gone)" \
        "$(reg_names)" "$(ls -la "$loc" 2>&1)"
fi
assert_empty_dir "  ...location empty" "$loc"
assert_eq "  ...state dir as before the import" "$before" "$(snapshot "$STATE")"
check_registry

# ---------------------------------------------------------------------------------------
# the service is killed mid-export, then restarted: the distro is Installed again

expect_ok "import 'exported' (16 MiB)" wsl --import exported "$(fresh_dir loc)" "$BIG"
base=$(reg_field exported basePath)
tree_listing "$base/private/rootfs" "$T/exported-before.jsonl"
efifo=$(fresh_path efifo)
mkfifo "$efifo"
"$WSL_BIN" --export exported - >"$efifo" 2>"$T/export2.err" &
EPID=$!
BG_PIDS+=("$EPID")
exec 8<"$efifo"
if wait_state exported Exporting 20; then ok "export in progress (Exporting)"; else
    not_ok "export in progress (Exporting)" "$(cat "$T/export2.err")"; fi
kill_service 9
exec 8<&-
wait "$EPID"
check "  ...the client fails (exit $?)" test $? -ne 0
start_service "$STATE" "$SOCK"
assert_eq "after restart: 'exported' is Installed again" Installed "$(reg_field exported state)"
expect_ok "  ...wsl -l -v" wsl -l -v
assert_match "  ...shows it Stopped" "$OUT" "^[* ] exported +Stopped +1$"
tree_listing "$base/private/rootfs" "$T/exported-after.jsonl"
listing_diff "  ...its files untouched" "$T/exported-before.jsonl" "$T/exported-after.jsonl"
expect_ok "  ...and it can be exported" wsl --export exported "$T/exported.tar.zst"
check_registry

# ---------------------------------------------------------------------------------------
# protocol abuse straight on the socket

wsl -l -q >/dev/null 2>&1
sleep 0.5
fds_before=$(ls /proc/"$SERVICE_PID"/fd | wc -l)
mapfile -t ABUSE < <("$PY" "$HELPERS" abuse "$SOCK" list | tr ' ' '\n')
for c in "${ABUSE[@]}"; do
    res=$("$PY" "$HELPERS" abuse "$SOCK" "$c" 2>&1)
    note "$res"
    case $res in
        *"; replied; "*)
            if grep -qi error <<<"$res"; then ok "abuse $c: answered with an error"; else
                not_ok "abuse $c: answered, but not with an error" "$res"; fi ;;
        *"; closed; "* | *"; reset; "*) ok "abuse $c: connection closed" ;;
        *) not_ok "abuse $c: neither an error nor a close within 10 s" "$res" ;;
    esac
    if ! service_alive; then
        not_ok "abuse $c: service survives" "$(tail -n 20 "$SERVICE_LOG")"
        start_service "$STATE" "$SOCK"
        continue
    fi
    run wsl -l -q
    if ((RC == 0)) && grep -qx same <<<"$OUT"; then ok "abuse $c: service still answers"; else
        not_ok "abuse $c: service still answers" "$(cmd_report)"; fi
done

# The install cases registered, extracted and were refused: nothing of them stays.
check "abuse: no install was kept" not reg_has abused
stray=""
for d in "$STATE"/users/0/*/; do
    [[ -d $d ]] && ! grep -qF "\"$(basename "$d")\"" "$(registry_file 0)" && stray+="$d "
done
assert_eq "  ...and no storage directory that no distro owns" "" "$stray"

# Silent clients must not block others.
holders=()
for i in $(seq 1 20); do
    "$PY" "$HELPERS" hold "$SOCK" 60 &
    holders+=($!)
    BG_PIDS+=($!)
done
sleep 0.5
WSL_TIMEOUT=5
run wsl -l -q
WSL_TIMEOUT=60
assert_eq "20 silent half-sent connections do not block wsl -l" "0" "$RC"
for p in "${holders[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
sleep 1
fds_after=$(ls /proc/"$SERVICE_PID"/fd | wc -l)
check "no file descriptors leaked ($fds_before before, $fds_after after)" test "$fds_after" -le $((fds_before + 2))

# ---------------------------------------------------------------------------------------
# end state

for n in $(reg_names); do wsl --unregister "$n" >/dev/null 2>&1 || not_ok "final unregister $n"; done
assert_eq "nothing registered" "" "$(reg_names)"
# Stopped instances drop their records (<state>/instances/<pid>) as their monitors finish.
wait_until 5 bash -c "[[ -z \$(ls -A '$STATE/instances' 2>/dev/null) ]]"
left=$(find "$STATE" -mindepth 1 ! -path "$STATE/users" ! -path "$STATE/users/0" \
    ! -path "$STATE/users/0/registry.json" ! -path "$STATE/idmaps.json" \
    ! -path "$STATE/instances" | head -n 20)
assert_eq "state dir holds only registry and id maps" "" "$left"
check "no rootfs.partial anywhere" test -z "$(find "$T" -name 'rootfs.partial*' -print -quit)"
check "service still running" service_alive
finish
