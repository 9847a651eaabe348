#!/usr/bin/env bash
# The service's own storage: `wsl --import NAME '' FILE` keeps the distro in
# <state>/users/<uid>/<guid>/rootfs, owned by the caller's id range, for root and for a user;
# export, move out of it and unregister leave nothing behind.
source "$(dirname "$0")/lib.sh"
e2e_init
create_test_users
UA=wsltest-a
start_service

SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
chmod 644 "$SRC"

expect_ok "root imports into the default storage" wsl --import dflt '' "$SRC"
guid=$(reg_field dflt guid)
base=$STATE/users/0/$guid
assert_eq "  ...basePath is <state>/users/0/<guid>" "$base" "$(reg_field dflt basePath)"
assert_exists "  ...rootfs there" "$base/private/rootfs/etc/os-release"
B=$(idmap_base 0)
assert_eq "  ...the guid dir belongs to the range's root" "$B" "$(stat -c %u "$base")"
assert_eq "  ...rootfs too" "$B" "$(stat -c %u "$base/private/rootfs")"
expect_ok "export from the default storage" wsl --export dflt "$T/d.tar.zst"
check "  ...a zstd archive" test "$(magic "$T/d.tar.zst")" = zst
dest=$(fresh_path out)
expect_ok "move out of the default storage" wsl --manage dflt --move "$dest"
assert_exists "  ...files at the new place" "$dest/private/rootfs/etc/os-release"
assert_absent "  ...the guid dir is gone" "$base"
expect_ok "unregister" wsl --unregister dflt
assert_absent "  ...files gone" "$dest/private"

expect_ok "a user imports into the default storage" uwsl $UA --import udflt '' "$SRC"
uid=$(id -u $UA)
guid=$(reg_field udflt guid "$uid")
ubase=$STATE/users/$uid/$guid
assert_exists "  ...under the user's state dir" "$ubase/private/rootfs/etc/os-release"
UB=$(idmap_base "$uid")
assert_eq "  ...owned by the user's range, not root" "$UB" "$(stat -c %u "$ubase/private/rootfs")"
expect_ok "  ...the user exports it" uwsl $UA --export udflt - --format tar
expect_fail "root cannot see it under that name" WSL_E_DISTRO_NOT_FOUND wsl --export udflt "$T/x.tar"
assert_absent "  ...and made no partial file" "$T/x.tar"
expect_ok "the user unregisters it" uwsl $UA --unregister udflt
assert_absent "  ...its guid dir is gone" "$ubase"
assert_eq "  ...the user's state dir holds only the registry" "registry.json" \
    "$(ls "$STATE/users/$uid")"
# Unregister works even when the storage was deleted behind the service's back.
for who in root $UA; do
    loc=$(fresh_dir lost); chmod 777 "$loc"
    if [[ $who == root ]]; then w=wsl; else w="uwsl $UA"; fi
    expect_ok "$who imports lost-$who" $w --import "lost-$who" "$loc/d" "$SRC"
    rm -rf "$loc/d"
    expect_ok "  ...its storage deleted, unregister still works" $w --unregister "lost-$who"
    check "  ...and the name is free again" not $w --export "lost-$who" -
done
expect_ok "a default-storage distro" wsl --import lost-default '' "$SRC"
rm -rf "$(reg_field lost-default basePath)"
expect_ok "  ...its storage deleted, unregister still works" wsl --unregister lost-default
finish
