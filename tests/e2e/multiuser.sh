#!/usr/bin/env bash
# Two real users (wsltest-a, wsltest-b) share one service: each sees and touches only their
# own distros (same names allowed), each gets a private id range, a non-root caller's distro
# uid/gid 1000 is the caller on the host, and a user cannot make the service write where the
# user could not (move / import / export into other people's or root's directories).
source "$(dirname "$0")/lib.sh"

create_test_users
start_service
UA=wsltest-a
UB=wsltest-b
A_UID=$(id -u $UA) A_GID=$(id -g $UA)
B_UID=$(id -u $UB) B_GID=$(id -g $UB)
SUCCESS="The operation completed successfully."

AD=$T/a BD=$T/b
mkdir -p "$AD" "$BD" "$T/rootowned"
chown "$UA:$A_GID" "$AD"
chown "$UB:$B_GID" "$BD"
chmod 700 "$AD" "$BD"
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
tar_listing "$SRC" "$T/src.jsonl"

ureg_names() { reg_names "$1"; }

# ---------------------------------------------------------------------------------------
# each user imports

expect_ok "A imports 'shared'" uwsl $UA --import shared "$AD/shared" "$SRC" || die "A cannot import"
assert_eq "  ...success line" "$SUCCESS" "$OUT"
expect_ok "B imports 'shared' too (names are per user)" uwsl $UB --import shared "$BD/shared" "$SRC"
expect_ok "B imports 'bonly'" uwsl $UB --import bonly "$BD/bonly" "$SRC"

assert_eq "A's registry holds only A's distro" shared "$(ureg_names "$A_UID")"
assert_eq "B's registry holds B's two" "bonly shared" "$(ureg_names "$B_UID" | sort | xargs)"
expect_ok "A lists" uwsl $UA -l -q
assert_eq "  ...only 'shared'" shared "$OUT"
expect_ok "B lists" uwsl $UB -l -q
assert_eq "  ...'shared' and 'bonly'" "bonly shared" "$(sort <<<"$OUT" | xargs)"
expect_ok "root lists (quiet)" wsl -l -q
assert_eq "  ...root sees none of them" "" "$OUT"
expect_ok "A's status" uwsl $UA --status
assert_match "  ...A's own default" "$OUT" "^Default Distribution: shared$"

# ---------------------------------------------------------------------------------------
# A cannot reach B's distro

for args in "--export bonly $AD/steal.tar" "--unregister bonly" "--set-default bonly" \
    "--manage bonly --rename mine" "--manage bonly --move $AD/moved"; do
    # shellcheck disable=SC2086
    expect_fail "A: wsl $args is refused" WSL_E_DISTRO_NOT_FOUND uwsl $UA $args
    assert_contains "  ...as if it did not exist" "$ERR" "There is no distribution with the supplied name."
done
assert_absent "A got no export of B's distro" "$AD/steal.tar"
assert_absent "A's move target of B's distro was not created" "$AD/moved"
assert_eq "B's distros unchanged" "bonly shared" "$(ureg_names "$B_UID" | sort | xargs)"
assert_eq "bonly still at B's location" "$BD/bonly" "$(reg_field bonly basePath "$B_UID")"
assert_exists "bonly's files intact" "$BD/bonly/private/rootfs/etc/os-release"
expect_ok "B still exports bonly" uwsl $UB --export bonly "$BD/bonly.tar"
assert_eq "  ...the export file belongs to B (the client created it)" "$B_UID" "$(stat -c %u "$BD/bonly.tar")"

# ---------------------------------------------------------------------------------------
# id ranges and ownership on the host

BA=$(idmap_base "$A_UID") BGA=$(idmap_gbase "$A_UID")
BB=$(idmap_base "$B_UID")
note "A's range starts at $BA (gid $BGA), B's at $BB"
check "A has an id range" test -n "$BA"
check "B has an id range" test -n "$BB"
if [[ -n $BA && -n $BB ]]; then
    check "the two ranges do not overlap" test $((BA > BB ? BA - BB : BB - BA)) -ge 65536
    check "A's range is above the ordinary ids" test "$BA" -ge 65536
fi
R=$AD/shared/private/rootfs
assert_eq "root-owned file in A's distro is owned by A's B on the host" "$BA:$BGA" "$(stat -c %u:%g "$R/etc/passwd")"
assert_eq "uid/gid 1000 file in A's distro is owned by A on the host" "$A_UID:$A_GID" "$(stat -c %u:%g "$R/home/user/notes.txt")"
assert_eq "uid 1001 file is owned by B+1001" "$((BA + 1001)):$((BGA + 1001))" "$(stat -c %u:%g "$R/var/log/other")"
check "nothing in A's distro is owned by host root" test -z "$(find "$R" \( -uid 0 -o -gid 0 \) -print -quit)"
tree_listing "$R" "$T/a-tree.jsonl" --uid-base "$BA" --gid-base "$BGA" --caller-uid "$A_UID" --caller-gid "$A_GID"
listing_diff "A's stored tree equals the archive under A's mapping (incl. ACL ids)" "$T/src.jsonl" "$T/a-tree.jsonl" --skip-root-mtime
assert_eq "B's uid-1000 file is owned by B" "$B_UID:$B_GID" "$(stat -c %u:%g "$BD/shared/private/rootfs/home/user/notes.txt")"

expect_ok "A exports its distro" uwsl $UA --export shared "$AD/a.tar"
tar_listing "$AD/a.tar" "$T/a-export.jsonl"
listing_diff "  ...with distro ids again (1000 for A's files, 0 for root's)" "$T/src.jsonl" "$T/a-export.jsonl" --skip-root-mtime

# ---------------------------------------------------------------------------------------
# A cannot make the service write where A cannot

mkdir -p "$BD/secret"
chown "$UB:$B_GID" "$BD/secret"
chmod 700 "$BD/secret"
tree_listing "$R" "$T/a-before.jsonl" --uid-base "$BA" --gid-base "$BGA" --caller-uid "$A_UID" --caller-gid "$A_GID"
check "precondition: /etc/private does not exist" test ! -e /etc/private
for target in "$BD/secret/x" /etc "/etc/wsl-e2e-$$" "/root/wsl-e2e-$$" "$T/rootowned" "$BD"; do
    expect_fail "A cannot move its distro to $target" "" uwsl $UA --manage shared --move "$target"
    assert_eq "  ...basePath unchanged" "$AD/shared" "$(reg_field shared basePath "$A_UID")"
    assert_absent "  ...no rootfs created at the target" "$target/private"
done
assert_absent "no /etc/wsl-e2e-$$" "/etc/wsl-e2e-$$"
assert_absent "no /root/wsl-e2e-$$" "/root/wsl-e2e-$$"
assert_empty_dir "root-owned dir untouched" "$T/rootowned"
assert_empty_dir "B's private dir untouched" "$BD/secret"
tree_listing "$R" "$T/a-after.jsonl" --uid-base "$BA" --gid-base "$BGA" --caller-uid "$A_UID" --caller-gid "$A_GID"
listing_diff "A's distro intact after the refused moves" "$T/a-before.jsonl" "$T/a-after.jsonl"
assert_eq "A's distro still listed" shared "$(ureg_names "$A_UID")"

for target in "$BD/evil" "/etc/wsl-e2e-evil-$$" "$T/rootowned" "$BD/secret"; do
    expect_fail "A cannot import into $target" "" uwsl $UA --import evil "$target" "$SRC"
    assert_absent "  ...no rootfs there" "$target/private"
done
assert_absent "no /etc/wsl-e2e-evil-$$" "/etc/wsl-e2e-evil-$$"
assert_absent "no $BD/evil" "$BD/evil"
assert_eq "A registered nothing more" shared "$(ureg_names "$A_UID")"
expect_fail "A cannot import a file only root can read" "" uwsl $UA --import shadow "$AD/shadow" /etc/shadow
assert_eq "  ...nothing registered" shared "$(ureg_names "$A_UID")"
expect_fail "A cannot export into /etc" "" uwsl $UA --export shared "/etc/wsl-e2e-out-$$.tar"
assert_absent "  ...no file there" "/etc/wsl-e2e-out-$$.tar"

expect_ok "A moves its distro within its own space" uwsl $UA --manage shared --move "$AD/shared2"
assert_exists "  ...files there" "$AD/shared2/private/rootfs/etc/os-release"
assert_absent "  ...old rootfs gone" "$AD/shared/private"
assert_eq "  ...ownership kept (A's file)" "$A_UID" "$(stat -c %u "$AD/shared2/private/rootfs/home/user/notes.txt")"
assert_eq "  ...ownership kept (root's file)" "$BA" "$(stat -c %u "$AD/shared2/private/rootfs/etc/passwd")"

# ---------------------------------------------------------------------------------------
# unregistering one user's 'shared' leaves the other's alone

expect_ok "A unregisters its 'shared'" uwsl $UA --unregister shared
assert_absent "  ...A's files gone" "$AD/shared2/private"
assert_eq "  ...B still has both" "bonly shared" "$(ureg_names "$B_UID" | sort | xargs)"
assert_exists "  ...B's 'shared' files intact" "$BD/shared/private/rootfs/etc/os-release"
for n in shared bonly; do uwsl $UB --unregister "$n" >/dev/null 2>&1 || not_ok "B unregisters $n"; done
assert_eq "B has nothing left" "" "$(ureg_names "$B_UID")"
check_registry "$A_UID"
check_registry "$B_UID"
check "service still running" service_alive
finish
