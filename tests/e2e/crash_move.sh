#!/usr/bin/env bash
# The service is killed with SIGKILL in the middle of `--manage X --move` to another file
# system: once while the files are being copied (movingTo), once while the old ones are being
# deleted (movingFrom). After a restart the distro is registered exactly once, complete, at one
# place, with no partial copy or stray tree anywhere.
source "$(dirname "$0")/lib.sh"
e2e_init
[[ -d /dev/shm ]] || skip_all "no /dev/shm: no second file system to move to"
create_test_users
UA=wsltest-a
start_service

MANY=$T/many.tar.zst
mk_rootfs_tar "$MANY" --many 40000
want=$(bsdtar -tf "$MANY" | wc -l)

chmod 644 "$MANY"
field_set() { [[ -n $(reg_field "$1" "$2" "$uid") ]]; }
settled() { ! field_set "$1" movingTo && ! field_set "$1" movingFrom; }

for run in root:movingTo root:movingFrom $UA:movingTo $UA:movingFrom; do
    who=${run%%:*} phase=${run#*:}
    if [[ $who == root ]]; then w=(wsl) uid=0; else w=(uwsl "$who") uid=$(id -u "$who"); fi
    name=mv-$who-$phase
    loc=$(fresh_dir loc)
    chmod 777 "$loc"
    WSL_TIMEOUT=180
    expect_ok "$who imports $name (40,000 files)" "${w[@]}" --import "$name" "$loc/d" "$MANY"
    WSL_TIMEOUT=60
    shm=$(mktemp -d /dev/shm/wsl-e2e.XXXXXX)
    CLEANUP_PATHS+=("$shm")
    chmod 777 "$shm"
    if [[ $who == root ]]; then
        bg "$WSL_BIN" --manage "$name" --move "$shm/d"
    else
        bg as_user "$who" "$USER_WSL_BIN" --manage "$name" --move "$shm/d"
    fi
    if wait_until 60 field_set "$name" "$phase"; then
        kill_service 9
        ok "$phase recorded, service killed"
    else
        not_ok "$phase was never recorded" "$(cat "$(registry_file "$uid")")"
        kill_service 9
    fi
    wait "$BG_PID"
    assert_eq "  ...the client reports the lost service with exit 255" 255 "$?"

    start_service "$STATE" "$SOCK"
    check "  ...after restart the move is settled" wait_until 60 settled "$name"
    base=$(reg_field "$name" basePath "$uid")
    copies=0
    [[ -e $loc/d/private/rootfs ]] && copies=$((copies + 1))
    [[ -e $shm/d/private/rootfs ]] && copies=$((copies + 1))
    assert_eq "  ...exactly one copy of the files" 1 "$copies"
    assert_exists "  ...at the registered place" "$base/private/rootfs/etc/os-release"
    check "  ...no partial copy anywhere" \
        test -z "$(find "$loc" "$shm" -maxdepth 2 -name 'rootfs.partial' -print -quit)"
    if [[ $phase == movingFrom ]]; then
        assert_eq "  ...the committed move is kept" "$shm/d" "$base"
    fi
    got=$("${w[@]}" --export "$name" - | bsdtar -tf - | wc -l)
    assert_eq "  ...the distro is complete ($want entries)" "$want" "$got"
    expect_ok "  ...and can be unregistered" "${w[@]}" --unregister "$name"
    check "  ...leaving both places empty" \
        test -z "$(find "$loc/d" "$shm/d" -mindepth 1 -print -quit 2>/dev/null)"
done
check_registry
check_registry "$(id -u $UA)"
finish
