#!/usr/bin/env bash
# A distro's storage is out of every other host user's reach, whatever the mode of the
# location: the tree lives in <location>/private, owned by the distro's range root, mode 0700,
# so a setuid file in it (owned by the user, or by the range's root) cannot be run from the
# host by anyone, the owner included. An operation that fails removes only what it made: a
# location already holding private/, rootfs/ or rootfs.partial/ keeps them. Storage of the
# old layout (<location>/rootfs) is moved into private/ at start-up; a private directory
# replaced from outside is refused, not deleted.
source "$(dirname "$0")/lib.sh"

create_test_users
start_service
UA=wsltest-a
UB=wsltest-b
A_UID=$(id -u $UA) A_GID=$(id -g $UA)

# A tree with a setuid-and-setgid file of uid 1000 (A on the host) and a setuid-root file.
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
TREE=$T/tree
cp -a "$SRC.src" "$TREE"
cp "$TREE/bin/busybox" "$TREE/usr/bin/suid-user"
chown 1000:1000 "$TREE/usr/bin/suid-user"
chmod 6755 "$TREE/usr/bin/suid-user"
cp "$TREE/bin/busybox" "$TREE/usr/bin/suid-root"
chmod 4755 "$TREE/usr/bin/suid-root"
SUID_TAR=$T/suid.tar
pack_tree "$TREE" "$SUID_TAR"
printf 'this is not an archive\n' >"$T/bad.tar"
chmod 644 "$T/bad.tar"

# A's location is a plain 0755 directory: every user may traverse it.
AD=$T/a
mkdir -p "$AD"
chown "$UA:$A_GID" "$AD"
chmod 755 "$AD"

expect_ok "A imports into a 0755 location" uwsl $UA --import x "$AD/x" "$SUID_TAR" || die "no import"
BA=$(idmap_base "$A_UID") BGA=$(idmap_gbase "$A_UID")
R=$AD/x/private/rootfs
assert_eq "the location holds only the private directory" private "$(ls -A "$AD/x")"
assert_eq "private is the range root's, mode 0700" "$BA $BGA 700" "$(stat -c '%u %g %a' "$AD/x/private")"
assert_eq "the uid-1000 setuid file is A's on the host, mode 6755" "$A_UID 6755" "$(stat -c '%u %a' "$R/usr/bin/suid-user")"
assert_eq "the setuid-root file is the range root's, mode 4755" "$BA 4755" "$(stat -c '%u %a' "$R/usr/bin/suid-root")"

# ---------------------------------------------------------------------------------------
# no host user reaches in

for who in $UB $UA; do
    for f in suid-user suid-root; do
        run as_user $who "$R/usr/bin/$f" id
        if ((RC != 0)) && [[ $ERR == *"Permission denied"* && $OUT != *uid=* ]]; then
            ok "$who cannot run $f from A's storage"
        else
            not_ok "$who cannot run $f from A's storage" "$(cmd_report)"
        fi
    done
    run as_user $who cat "$R/etc/passwd"
    check "$who cannot read A's distro's files from the host" test "$RC" -ne 0
    run as_user $who ls "$AD/x/private"
    check "$who cannot list A's private directory" test "$RC" -ne 0
done
expect_ok "inside, the setuid bits are all there" uwsl $UA -d x -u root -e stat -c %a /usr/bin/suid-user /usr/bin/suid-root
assert_eq "  ...6755 and 4755" "6755 4755" "$(xargs <<<"$OUT")"
expect_ok "inside, uid 1000 still reaches its files" uwsl $UA -d x -u 1000 -e cat /home/user/notes.txt
assert_eq "  ...as A" "private notes" "$OUT"

expect_ok "A imports into the default storage" uwsl $UA --import xd '' "$SUID_TAR"
DB=$(reg_field xd basePath "$A_UID")
assert_eq "  ...its private directory is the range root's, mode 0700" "$BA 700" "$(stat -c '%u %a' "$DB/private")"
run as_user $UB cat "$DB/private/rootfs/etc/passwd"
check "  ...B cannot read it" test "$RC" -ne 0

ROOTLOC=$T/rootloc
mkdir -p "$ROOTLOC" && chmod 755 "$ROOTLOC"
expect_ok "root imports into a 0755 location" wsl --import rx "$ROOTLOC/rx" "$SUID_TAR"
RB=$(idmap_base 0)
assert_eq "  ...private is root's range root's, mode 0700" "$RB 700" "$(stat -c '%u %a' "$ROOTLOC/rx/private")"
run as_user $UB "$ROOTLOC/rx/private/rootfs/usr/bin/suid-root" id
check "  ...B cannot run root's distro's setuid-root file" test "$RC" -ne 0

expect_ok "A moves x within its space" uwsl $UA --manage x --move "$AD/y"
assert_eq "  ...the moved private directory is still 0700, the range root's" "$BA 700" "$(stat -c '%u %a' "$AD/y/private")"
run as_user $UB "$AD/y/private/rootfs/usr/bin/suid-user" id
check "  ...and B still cannot run the setuid file" test "$RC" -ne 0
SHM=$(mktemp -d /dev/shm/wsl-e2e-priv.XXXXXX)
CLEANUP_PATHS+=("$SHM")
chown "$UA:$A_GID" "$SHM"
expect_ok "A moves x to another file system (tmpfs)" uwsl $UA --manage x --move "$SHM/x"
assert_eq "  ...the copy's private directory is 0700, the range root's" "$BA 700" "$(stat -c '%u %a' "$SHM/x/private")"
assert_eq "  ...and the setuid file kept its owner and mode" "$A_UID 6755" "$(stat -c '%u %a' "$SHM/x/private/rootfs/usr/bin/suid-user")"
assert_absent "  ...nothing left at the old place" "$AD/y/private"
expect_ok "A moves x back" uwsl $UA --manage x --move "$AD/x2"

# ---------------------------------------------------------------------------------------
# a failed operation removes only what it made

L1=$AD/inuse
mkdir -p "$L1/private"
echo mine >"$L1/private/keep.txt"
chown -R "$UA:$A_GID" "$L1"
expect_fail "A imports into a location that already has private/" ERROR_FILE_EXISTS uwsl $UA --import inuse "$L1" "$SUID_TAR"
assert_eq "  ...the file there is untouched" mine "$(cat "$L1/private/keep.txt" 2>&1)"
check "  ...nothing registered" not reg_has inuse "$A_UID"

L2=$AD/old
mkdir -p "$L2/rootfs/etc" "$L2/rootfs.partial/etc"
echo one >"$L2/rootfs/etc/keep"
echo two >"$L2/rootfs.partial/etc/keep"
chown -R "$UA:$A_GID" "$L2"
expect_fail "A imports a bad archive where rootfs/ and rootfs.partial/ exist" "" uwsl $UA --import old "$L2" "$T/bad.tar"
assert_eq "  ...rootfs/ is untouched" one "$(cat "$L2/rootfs/etc/keep" 2>&1)"
assert_eq "  ...rootfs.partial/ is untouched" two "$(cat "$L2/rootfs.partial/etc/keep" 2>&1)"
assert_absent "  ...and no private/ is left" "$L2/private"
expect_ok "A imports a good archive there" uwsl $UA --import old "$L2" "$SUID_TAR"
expect_ok "  ...and unregisters it" uwsl $UA --unregister old
assert_eq "  ...rootfs/ is still untouched" one "$(cat "$L2/rootfs/etc/keep" 2>&1)"
assert_eq "  ...rootfs.partial/ too" two "$(cat "$L2/rootfs.partial/etc/keep" 2>&1)"
assert_absent "  ...only its own private/ went" "$L2/private"

L3=$T/rootinuse
mkdir -p "$L3/private"
echo root-owned >"$L3/private/keep.txt"
expect_fail "root imports into a location that already has private/" ERROR_FILE_EXISTS wsl --import rinuse "$L3" "$SUID_TAR"
assert_eq "  ...root's file there is untouched" root-owned "$(cat "$L3/private/keep.txt" 2>&1)"

mkdir -p "$AD/target/private"
echo target >"$AD/target/private/keep.txt"
chown -R "$UA:$A_GID" "$AD/target"
expect_fail "A moves x where private/ exists" ERROR_FILE_EXISTS uwsl $UA --manage x --move "$AD/target"
assert_eq "  ...the target's file is untouched" target "$(cat "$AD/target/private/keep.txt" 2>&1)"
assert_exists "  ...and x is intact where it was" "$AD/x2/private/rootfs/etc/os-release"

# ---------------------------------------------------------------------------------------
# a private directory replaced from outside is refused, not deleted

mv "$AD/x2/private" "$AD/x2/private.real"
mkdir "$AD/x2/private"
echo decoy >"$AD/x2/private/keep.txt"
chown -R "$UA:$A_GID" "$AD/x2/private"
expect_fail "A's x with its private directory replaced does not start" "" uwsl $UA -d x -e true
expect_fail "  ...nor unregister" WSL_E_STORAGE_REPLACED uwsl $UA --unregister x
assert_contains "  ...saying why" "$ERR" "replaced from outside"
assert_eq "  ...and the replacement's files are untouched" decoy "$(cat "$AD/x2/private/keep.txt" 2>&1)"
rm -rf "$AD/x2/private"
mv "$AD/x2/private.real" "$AD/x2/private"
expect_ok "with it back, x runs" uwsl $UA -d x -e echo back
assert_eq "  ...and prints" back "$OUT"

# Someone who can write the location (here a 0777 directory) swaps private/ for a symlink
# to a tree of their own: A's distro refuses to start rather than run it.
SHARED=$T/shared
mkdir -p "$SHARED" && chmod 777 "$SHARED"
expect_ok "A imports into a world-writable location" uwsl $UA --import w "$SHARED/w" "$SRC"
chmod 777 "$SHARED/w"
EVIL=$T/evil
mkdir -p "$EVIL/rootfs" && cp -a "$SRC.src/." "$EVIL/rootfs/"
echo 'echo EVIL' >"$EVIL/rootfs/etc/profile"
mkdir -p "$EVIL/rootfs"/{proc,sys,dev,run,mnt/host}
chown -R "$UB" "$EVIL"
chmod -R a+rwX "$EVIL" # B's tree, made so that A's distro root could boot it
as_user $UB mv "$SHARED/w/private" "$SHARED/w/private.away"
as_user $UB ln -s "$EVIL" "$SHARED/w/private"
expect_fail "B swapped w's private/ for a symlink: w does not start" "" uwsl $UA -d w -e cat /etc/profile
assert_not_contains "  ...and the planted tree never ran" "$OUT" "EVIL"
rm -f "$SHARED/w/private"
as_user $UB mkdir "$SHARED/w/private"
cp -a "$EVIL/rootfs" "$SHARED/w/private/" && chown -R "$UB" "$SHARED/w/private"
expect_fail "  ...nor when it is a directory of B's" "" uwsl $UA -d w -e cat /etc/profile
assert_not_contains "  ...whose tree never ran either" "$OUT" "EVIL"
rm -rf "$SHARED/w/private"
mv "$SHARED/w/private.away" "$SHARED/w/private"
expect_ok "with the real one back, w runs" uwsl $UA -d w -e echo real
assert_eq "  ...from its own files" real "$OUT"
expect_ok "  ...and unregisters" uwsl $UA --unregister w

# Someone who can rename a parent of A's locations points one at A's other distro: the
# private directory there is A's range's, but not this distro's (its guid mark says so).
expect_ok "A imports p1" uwsl $UA --import p1 "$AD/p1" "$SRC"
expect_ok "A imports p2" uwsl $UA --import p2 "$AD/p2" "$SRC"
assert_eq "  ...p2's private directory is marked with its guid" "$(reg_field p2 guid "$A_UID")" \
    "$(cat "$AD/p2/private/guid" 2>&1)"
mv "$AD/p1" "$AD/p1.real"
ln -s p2 "$AD/p1"
expect_fail "with p1's location pointing at p2's, p1 does not start" "" uwsl $UA -d p1 -e true
expect_fail "  ...nor unregister" WSL_E_STORAGE_REPLACED uwsl $UA --unregister p1
assert_exists "  ...and p2's files are untouched" "$AD/p2/private/rootfs/etc/os-release"
expect_fail "  ...nor move" WSL_E_STORAGE_REPLACED uwsl $UA --manage p1 --move "$AD/p1-moved"
assert_exists "  ...p2's files still where they were" "$AD/p2/private/rootfs/etc/os-release"
rm "$AD/p1"
mv "$AD/p1.real" "$AD/p1"
for n in p1 p2; do expect_ok "  ...$n unregisters once all is back" uwsl $UA --unregister $n; done

# ---------------------------------------------------------------------------------------
# storage of the old layout (<base>/rootfs) moves into private/ at start-up

expect_ok "A imports 'legacy'" uwsl $UA --import legacy "$AD/legacy" "$SRC"
expect_ok "root imports 'rlegacy' into the default storage" wsl --import rlegacy '' "$SRC"
RLB=$(reg_field rlegacy basePath)
kill_service
for pair in "$AD/legacy:$A_UID" "$RLB:0"; do
    b=${pair%%:*}
    mv "$b/private/rootfs" "$b/rootfs"
    rmdir "$b/private"
done
"$PY" - "$(registry_file "$A_UID")" "$(registry_file 0)" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    reg = json.load(open(path))
    for d in reg["distros"]:
        if d["name"] in ("legacy", "rlegacy"):
            d.pop("layout", None)
            d.pop("storageCreated", None)
    json.dump(reg, open(path, "w"), indent=2)
EOF
start_service "$STATE" "$SOCK"
wsl -l >/dev/null 2>&1 # answered once start-up repair (and the conversion) is done
for pair in "legacy:$A_UID:$AD/legacy" "rlegacy:0:$RLB"; do
    IFS=: read -r n u b <<<"$pair"
    assert_exists "$n: its tree is now in private/" "$b/private/rootfs/etc/os-release"
    assert_absent "  ...and not at the old place" "$b/rootfs"
    assert_eq "  ...private is the range root's, 0700" 700 "$(stat -c %a "$b/private")"
    assert_eq "  ...the record says layout 2" 2 "$(reg_field "$n" layout "$u")"
done
assert_match "the log tells of the conversion" "$(cat "$SERVICE_LOG")" "files of 'legacy' moved into"
expect_ok "legacy runs" uwsl $UA -d legacy -e echo converted
assert_eq "  ...and prints" converted "$OUT"
expect_ok "rlegacy unregisters" wsl --unregister rlegacy
assert_absent "  ...its storage goes" "$RLB"

for n in x xd legacy; do uwsl $UA --unregister "$n" >/dev/null 2>&1 || not_ok "A unregisters $n"; done
expect_ok "root unregisters rx" wsl --unregister rx
assert_eq "A has nothing left" "" "$(reg_names "$A_UID")"
check_registry "$A_UID"
check "service still running" service_alive
finish
