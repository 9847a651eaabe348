#!/usr/bin/env bash
# Write errors fail the operation and lose nothing: an import, a move and an export into a
# file system that fills up (a 20 MiB tmpfs, ENOSPC) or whose disk fails mid-way (a FUSE
# file system that returns EIO after some bytes) end in a clear error; nothing is registered,
# nothing is left at the target, the original of a move is untouched and still runs; a
# registry that cannot be written (its file system full) refuses the change and keeps the
# old registry whole.
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/small.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
BIG=$T/big.tar
mk_rootfs_tar "$BIG" --big 30

# mount_tmpfs SIZE: a fresh tmpfs of SIZE, mounted at $MNT.
mount_tmpfs() {
    MNT=$(fresh_dir tmpfs)
    mount -t tmpfs -o "size=$1,mode=755" tmpfs "$MNT" || die "cannot mount a tmpfs"
    MOUNTS+=("$MNT")
}
# mount_failfs ARGS: a FUSE file system that returns EIO on cue (--fail-after BYTES,
# --fail-when FILE), mounted at $MNT.
mount_failfs() {
    local backing
    backing=$(fresh_dir failfs-backing)
    MNT=$(fresh_dir failfs)
    bg "$PY" "$FIXTURES/failfs.py" "$backing" "$MNT" "$@" >>"$T/failfs.log" 2>&1
    MOUNTS+=("$MNT")
    wait_until 10 mountpoint -q "$MNT" || die "the FUSE file system did not mount" "$(cat "$T/failfs.log")"
}



# ---------------------------------------------------------------------------------------
# ENOSPC

mount_tmpfs 20m
SMALL=$MNT
expect_fail "importing 30 MiB into a 20 MiB file system fails" WSL_E_IMPORT_FAILED wsl --import full "$SMALL/full" "$BIG"
assert_imatch "  ...saying the disk is full" "$ERR" "no space left"
assert_not_contains "  ...and never that it succeeded" "$OUT" "successfully"
check "  ...nothing registered" not reg_has full
assert_empty_dir "  ...nothing left at the location" "$SMALL/full"
assert_eq "  ...no storage left in the state dir" "" "$(find "$STATE/users" -mindepth 2 -type d)"

expect_ok "a 30 MiB distro imports where there is room" wsl --import big "$T/big" "$BIG" || die "no import"
tree_listing "$T/big/private/rootfs" "$T/big-before.jsonl"
expect_fail "moving it into the 20 MiB file system fails" WSL_E_IMPORT_FAILED wsl --manage big --move "$SMALL/moved"
assert_imatch "  ...saying the disk is full" "$ERR" "no space left"
assert_eq "  ...it is still registered where it was" "$T/big" "$(reg_field big basePath)"
tree_listing "$T/big/private/rootfs" "$T/big-after.jsonl"
listing_diff "  ...with every file intact" "$T/big-before.jsonl" "$T/big-after.jsonl"
assert_empty_dir "  ...and nothing left at the target" "$SMALL/moved"
expect_ok "  ...and it still runs" wsl -d big -e cat /etc/os-release
assert_contains "  ...from its own files" "$OUT" "E2E Test Linux"
# Running it wrote /etc/hosts and the like: the reference for the checks below.
wsl --terminate big >/dev/null 2>&1
tree_listing "$T/big/private/rootfs" "$T/big-ran.jsonl"

expect_fail "exporting it into the full file system fails" WSL_E_EXPORT_FAILED wsl --export big "$SMALL/out.tar"
assert_imatch "  ...saying the disk is full" "$ERR" "no space left"
assert_absent "  ...and leaves no partial file" "$SMALL/out.tar"
expect_ok "  ...while an export elsewhere works" wsl --export big "$T/big-out.tar"

# ---------------------------------------------------------------------------------------
# EIO mid-way

mount_failfs --fail-after $((8 * 1024 * 1024))
FAILING=$MNT
expect_fail "an import onto a disk that fails after 8 MiB fails" WSL_E_IMPORT_FAILED wsl --import eio "$FAILING/eio" "$BIG"
assert_imatch "  ...with the I/O error" "$ERR" "input/output error"
check "  ...nothing registered" not reg_has eio
assert_empty_dir "  ...nothing left at the location" "$FAILING/eio"

mount_failfs --fail-after $((8 * 1024 * 1024))
FAILING=$MNT
expect_fail "a move onto it fails" WSL_E_IMPORT_FAILED wsl --manage big --move "$FAILING/moved"
assert_eq "  ...big is still where it was" "$T/big" "$(reg_field big basePath)"
tree_listing "$T/big/private/rootfs" "$T/big-after2.jsonl"
listing_diff "  ...with every file intact" "$T/big-ran.jsonl" "$T/big-after2.jsonl"
assert_empty_dir "  ...and nothing left at the target" "$FAILING/moved"

mount_failfs --fail-after $((4 * 1024 * 1024))
FAILING=$MNT
expect_fail "an export onto it fails" WSL_E_EXPORT_FAILED wsl --export big "$FAILING/out.tar"
assert_imatch "  ...with the I/O error" "$ERR" "input/output error"
assert_absent "  ...and leaves no partial file" "$FAILING/out.tar"

# ---------------------------------------------------------------------------------------
# the registry's own file system full

kill_service
mount_tmpfs 2m
REGFS=$MNT
cp -a "$STATE/." "$REGFS/"
start_service "$REGFS" "$SOCK"
expect_ok "a service whose state is on a 2 MiB tmpfs lists big" wsl -l -q
reg_before=$(cat "$REGFS/users/0/registry.json")
head -c 4M /dev/zero >"$REGFS/filler" 2>/dev/null
expect_fail "with that file system full, a change fails" WSL_E_REGISTRY_WRITE wsl --set-default-version 1
assert_imatch "  ...saying the disk is full" "$ERR" "no space left"
assert_eq "  ...and the registry is whole and unchanged" "$reg_before" "$(cat "$REGFS/users/0/registry.json")"
assert_absent "  ...with no half-written copy beside it" "$REGFS/users/0/registry.json.tmp"
expect_fail "an import fails before it writes anything" WSL_E_REGISTRY_WRITE wsl --import noreg "$T/noreg" "$SRC"
assert_empty_dir "  ...nothing at its location" "$T/noreg"
expect_fail "an unregister fails too" WSL_E_REGISTRY_WRITE wsl --unregister big
assert_exists "  ...and big's files are still there" "$T/big/private/rootfs/etc/os-release"
rm -f "$REGFS/filler"
expect_ok "with room again, big is listed" wsl -l -q
assert_eq "  ...as the only distro" big "$OUT"
expect_ok "  ...and runs" wsl -d big -e echo fine
assert_eq "  ...printing" fine "$OUT"

# ---------------------------------------------------------------------------------------
# the registry's disk failing (EIO)

kill_service
mount_failfs --fail-when "$T/fail-now"
EIOFS=$MNT
cp -a "$REGFS/." "$EIOFS/"
start_service "$EIOFS" "$SOCK"
expect_ok "a service whose state is on a failing disk lists big" wsl -l -q
reg_before=$(cat "$EIOFS/users/0/registry.json")
touch "$T/fail-now"
expect_fail "with the disk failing, a change fails" WSL_E_REGISTRY_WRITE wsl --set-default big
assert_imatch "  ...with the I/O error" "$ERR" "input/output error"
assert_eq "  ...and the registry is whole and unchanged" "$reg_before" "$(cat "$EIOFS/users/0/registry.json")"
expect_fail "an import fails before it writes anything" WSL_E_REGISTRY_WRITE wsl --import noreg2 "$T/noreg2" "$SRC"
assert_empty_dir "  ...nothing at its location" "$T/noreg2"
rm -f "$T/fail-now"
expect_ok "the disk well again, big is listed" wsl -l -q
assert_eq "  ...as the only distro" big "$OUT"
expect_ok "  ...and unregisters" wsl --unregister big
assert_absent "  ...its files gone" "$T/big/private"
check_registry
check "service still running" service_alive
finish
