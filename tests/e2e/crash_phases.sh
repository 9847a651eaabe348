#!/usr/bin/env bash
# kill -9 of the service at every named phase of every operation (import, install, export,
# move on one and across file systems, rename, unregister, set-default-user, first-run
# setup), using the test build's pause hooks (WSL_TEST_HOOKS: WSL_TEST_PAUSE_AT=<phase>).
# After each restart: the registry is consistent, the distro is either whole (and runs) or
# gone without a trace, the operation is either done or undone, and a file that was in the
# location before the operation is still there.
source "$(dirname "$0")/lib.sh"

grep -aq WSL_TEST_PAUSE_AT "$WSLSERVICE_BIN" ||
    skip_all "wslservice was built without WSL_TEST_HOOKS (cmake -DWSL_TEST_HOOKS=ON)"
start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
IMG_SRC=$T/img
cp -a "$SRC.src" "$IMG_SRC"
printf '#!/bin/sh\necho setup-ran >/root/setup-ran\n' >"$IMG_SRC/usr/bin/setup.sh"
chmod 755 "$IMG_SRC/usr/bin/setup.sh"
printf '[oobe]\ncommand = /usr/bin/setup.sh\ndefaultUid = 1000\n' >"$IMG_SRC/etc/wsl-distribution.conf"
IMG=$T/img.wsl
pack_tree "$IMG_SRC" "$IMG"
SHM=$(mktemp -d /dev/shm/wsl-e2e-phases.XXXXXX)
CLEANUP_PATHS+=("$SHM")

# crash_at PHASE CMD...: restarts the service so that it pauses at PHASE, runs CMD in the
# background, waits until the service is there, kills it with SIGKILL (and the client),
# and starts it again normally. Returns 1 when the phase was never reached.
crash_at() {
    local phase=$1 client reached=0
    shift
    kill_service
    rm -f "$T/paused"
    WSL_TEST_PAUSE_AT=$phase WSL_TEST_PAUSE_MARK=$T/paused start_service "$STATE" "$SOCK"
    "$@" >"$T/client.out" 2>&1 </dev/null &
    client=$!
    BG_PIDS+=("$client")
    wait_until 60 test -s "$T/paused" && reached=1
    kill_service 9
    kill -9 "$client" 2>/dev/null
    wait "$client" 2>/dev/null
    start_service "$STATE" "$SOCK"
    wsl -l >/dev/null 2>&1 # answered once start-up repair is done
    if ((reached)); then
        ok "$phase: reached and killed there"
        return 0
    fi
    not_ok "$phase: reached and killed there" "$(cat "$T/client.out")" "$(tail -n 5 "$SERVICE_LOG")"
    return 1
}
# loc NAME: a new location holding one file of the user's, which must survive anything.
loc() {
    LOC=$(fresh_dir "$1")
    echo keep >"$LOC/keep.txt"
}
kept() { assert_eq "  ...the location's own file is still there" keep "$(cat "$LOC/keep.txt" 2>&1)"; }
only_keep() { assert_eq "  ...and nothing else is left there" keep.txt "$(ls -A "$LOC")"; }
no_strays() {
    local stray=""
    for d in "$STATE"/users/0/*/; do
        [[ -d $d ]] && ! grep -qF "\"$(basename "$d")\"" "$(registry_file 0)" && stray+="$d "
    done
    assert_eq "  ...no storage that no distro owns" "" "$stray"
}
runs() { # runs NAME: the distro starts and prints from its own files
    run wsl -d "$1" -e cat /etc/os-release
    assert_contains "  ...$1 runs" "$OUT" "E2E Test Linux"
}

# ---------------------------------------------------------------------------------------
# import and install: undone at every phase

for phase in import.registered import.created import.extracted; do
    loc "imp-$phase"
    crash_at "$phase" "$WSL_BIN" --import victim "$LOC" "$SRC" || continue
    check "  ...victim is not registered" not reg_has victim
    kept
    only_keep
    check_registry
done
crash_at import.created "$WSL_BIN" --import victim '' "$SRC"
check "  ...(default storage) victim is not registered" not reg_has victim
no_strays

for phase in install.registered install.created install.extracted install.committed; do
    loc "inst-$phase"
    crash_at "$phase" "$WSL_BIN" --install --from-file "$IMG" --name ivictim --location "$LOC" --no-launch ||
        continue
    check "  ...ivictim is not registered" not reg_has ivictim
    kept
    only_keep
done

# ---------------------------------------------------------------------------------------
# a distro that stays whole through everything else

loc base
BASE_LOC=$LOC
expect_ok "import the distro the other operations work on" wsl --import d "$LOC" "$SRC" || die "no import"
runs d
wsl --terminate d >/dev/null
tree_listing "$BASE_LOC/private/rootfs" "$T/d.jsonl"
same_tree() { # same_tree WHERE: d's tree at WHERE is the one imported
    tree_listing "$1/private/rootfs" "$T/d-now.jsonl"
    # Every start rewrites /etc/hosts and /etc/resolv.conf (same bytes, new mtimes).
    listing_diff "  ...with every file as it was" "$T/d.jsonl" "$T/d-now.jsonl" --ignore-fields mtime
}

crash_at export.marked "$WSL_BIN" --export d "$T/out.tar"
assert_eq "  ...d is Installed again" Installed "$(reg_field d state)"
expect_ok "  ...and exports" wsl --export d "$T/out2.tar"
same_tree "$BASE_LOC"

for phase in rename.checked rename.saved; do
    crash_at "$phase" "$WSL_BIN" --manage d --rename d2 || continue
    if reg_has d2; then
        assert_eq "  ...renamed: only d2" d2 "$(reg_names | xargs)"
        expect_ok "  ...renamed back" wsl --manage d2 --rename d
    else
        assert_eq "  ...not renamed: only d" d "$(reg_names | xargs)"
    fi
    [[ $phase == rename.saved ]] && check "  ...rename.saved keeps the new name" true
    runs d
done

crash_at set-default-user.resolved "$WSL_BIN" --manage d --set-default-user user
uid=$(reg_field d defaultUid)
check "  ...the default uid is the old one or the new one ($uid)" test "$uid" = 0 -o "$uid" = 1000
runs d
wsl --terminate d >/dev/null

# Moves on one file system: the rename happens between move.marked and move.copied.
for phase in move.marked move.copied move.flipped; do
    loc "mv-$phase"
    TARGET=$LOC
    crash_at "$phase" "$WSL_BIN" --manage d --move "$TARGET" || continue
    where=$(reg_field d basePath)
    note "after $phase d is at $where"
    case $phase in
        move.marked) assert_eq "  ...d stays where it was" "$BASE_LOC" "$where" ;;
        *) assert_eq "  ...the rename happened: d is at the target" "$TARGET" "$where" ;;
    esac
    assert_eq "  ...no move is left pending" "" "$(reg_field d movingTo)$(reg_field d movingFrom)"
    other=$BASE_LOC
    [[ $where == "$BASE_LOC" ]] && other=$TARGET
    assert_absent "  ...and no private directory at the other place" "$other/private"
    same_tree "$where"
    assert_eq "  ...the target's own file is still there" keep "$(cat "$TARGET/keep.txt" 2>&1)"
    runs d
    wsl --terminate d >/dev/null
    if [[ $where != "$BASE_LOC" ]]; then
        expect_ok "  ...moved back" wsl --manage d --move "$BASE_LOC"
    fi
done

# Moves across file systems: a copy, then the registry flips, then the old copy goes.
for phase in move.created move.copied move.flipped; do
    TARGET=$SHM/$phase
    mkdir -p "$TARGET"
    echo keep >"$TARGET/keep.txt"
    crash_at "$phase" "$WSL_BIN" --manage d --move "$TARGET" || continue
    where=$(reg_field d basePath)
    case $phase in
        move.flipped) assert_eq "  ...(tmpfs) the copy was complete: d is at the target" "$TARGET" "$where" ;;
        *) assert_eq "  ...(tmpfs) d stays where it was" "$BASE_LOC" "$where" ;;
    esac
    other=$BASE_LOC
    [[ $where == "$BASE_LOC" ]] && other=$TARGET
    assert_absent "  ...no private directory at the other place" "$other/private"
    assert_eq "  ...the target's own file is still there" keep "$(cat "$TARGET/keep.txt" 2>&1)"
    same_tree "$where"
    runs d
    wsl --terminate d >/dev/null
    if [[ $where != "$BASE_LOC" ]]; then
        expect_ok "  ...moved back" wsl --manage d --move "$BASE_LOC"
    fi
done

# ---------------------------------------------------------------------------------------
# first-run setup: interrupted, it runs again at the next launch

expect_ok "install an image with an [oobe] command" wsl --install --from-file "$IMG" --name o --no-launch
for phase in setup.started setup.done; do
    crash_at "$phase" "$PY" "$HELPERS" first-run "$SOCK" o || continue
    assert_eq "  ...o still asks for its first-run setup" True "$(reg_field o runOobe)"
    run wsl -d o -e echo fine
    assert_eq "  ...and runs meanwhile" fine "$OUT"
done
run "$PY" "$HELPERS" first-run "$SOCK" o
assert_contains "the setup then runs to the end" "$OUT" "session"
assert_eq "  ...and is done" False "$(reg_field o runOobe)"
assert_eq "  ...with the image's default user" 1000 "$(reg_field o defaultUid)"

# ---------------------------------------------------------------------------------------
# unregister: finished at every phase

for phase in unregister.marked unregister.removed; do
    expect_ok "import u for $phase" wsl --import u "$BASE_LOC-u-$phase" "$SRC"
    ULOC=$BASE_LOC-u-$phase
    crash_at "$phase" "$WSL_BIN" --unregister u || continue
    check "  ...u is gone" not reg_has u
    assert_absent "  ...with its files" "$ULOC/private"
done

check_registry
no_strays
expect_ok "d is still there and runs" wsl -d d -e echo end
for n in $(reg_names); do wsl --unregister "$n" >/dev/null 2>&1 || not_ok "unregister $n"; done
assert_eq "nothing registered at the end" "" "$(reg_names)"
check "service still running" service_alive
finish
