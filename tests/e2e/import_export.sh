#!/usr/bin/env bash
# Import and export as a root caller: every compression, stdin, flavor / OS version from
# /etc/os-release, exact trees on disk (host ids = B + distro id), every export format and a
# re-import of each, the list formats, set-default, set-default-version, status, rename,
# move (same and other file system), unregister, and the error paths (unknown distro,
# duplicate or bad name, version 2, not a distro, failed export removing its output).
source "$(dirname "$0")/lib.sh"

start_service
SUCCESS="The operation completed successfully."

# tree_matches DESC ROOTFS LISTING: the stored tree equals a tar listing, host ids mapped
# back through the root caller's range.
tree_matches() {
    local desc=$1 rootfs=$2 listing=$3 got
    got=$(fresh_path tree).jsonl
    tree_listing "$rootfs" "$got" --uid-base "$B" --gid-base "$BG"
    listing_diff "$desc" "$listing" "$got" --skip-root-mtime
}

# no_trace DESC NAME LOC: NAME is not registered and LOC holds nothing.
no_trace() {
    if reg_has "$2"; then not_ok "$1: not registered" "$(reg_names)"; else ok "$1: not registered"; fi
    assert_empty_dir "$1: location left empty" "$3"
}

# ---------------------------------------------------------------------------------------
# import every compression

FORMATS=(tar tar.gz tar.xz tar.bz2 tar.zst)
i=0
for fmt in "${FORMATS[@]}"; do
    i=$((i + 1))
    f=$T/rootfs$i.$fmt
    mk_rootfs_tar "$f" --id "flavor$i" --version "$i.0"
    loc=$(fresh_dir loc)
    name=imp-$fmt
    expect_ok "import .$fmt" wsl --import "$name" "$loc" "$f" || continue
    assert_eq "  ...prints the success line" "$SUCCESS" "$OUT"
    assert_eq "  ...flavor from os-release ID" "flavor$i" "$(reg_field "$name" flavor)"
    assert_eq "  ...osVersion from VERSION_ID (unquoted)" "$i.0" "$(reg_field "$name" osVersion)"
    assert_eq "  ...version 1" 1 "$(reg_field "$name" version)"
    assert_eq "  ...defaultUid 0 (import never runs OOBE)" 0 "$(reg_field "$name" defaultUid)"
    assert_eq "  ...basePath is the location" "$(realpath "$loc")" "$(realpath -m "$(reg_field "$name" basePath)")"
    assert_exists "  ...rootfs in place" "$loc/private/rootfs/etc/os-release"
    assert_absent "  ...no rootfs.partial left" "$loc/private/rootfs.partial"
    eval "LOC_${i}=\$loc"
done
SRC=$T/rootfs1.tar
LOC_TAR=${LOC_1:-$T/none} LOC_3=${LOC_3:-$T/none} LOC_ZST=${LOC_5:-$T/none}

B=$(idmap_base 0)
BG=$(idmap_gbase 0)
if [[ -z $B ]]; then
    die "no id range for root: neither /etc/subuid nor $STATE/idmaps.json has one" \
        "$(cat "$STATE/idmaps.json" 2>&1)"
fi
note "root's id range starts at uid $B gid $BG"
check "root's range is not host root's ids" test "$B" -ge 65536
if [[ -z $(subid_base /etc/subuid 0) ]]; then
    check "allocated range is 1000000000 + k*65536" \
        test $(((B - 1000000000) % 65536)) -eq 0 -a "$B" -ge 1000000000
fi

# The tree on disk is exactly the archive, with ids shifted into the range.
tar_listing "$T/rootfs1.tar" "$T/src.jsonl"
tree_matches "stored tree equals the archive (paths, modes, owners, xattrs, ACLs, links, mtimes)" \
    "$LOC_TAR/private/rootfs" "$T/src.jsonl"
assert_eq "root-owned file is owned by B on the host" "$B:$BG" "$(stat -c %u:%g "$LOC_TAR/private/rootfs/etc/passwd")"
assert_eq "uid 1000 file is owned by B+1000 (root caller)" "$((B + 1000)):$((BG + 1000))" \
    "$(stat -c %u:%g "$LOC_TAR/private/rootfs/home/user/notes.txt")"
assert_eq "setuid file kept its mode" 4755 "$(stat -c %a "$LOC_TAR/private/rootfs/usr/bin/setuid-tool")"
check "no file in the distro is owned by host root" \
    test -z "$(find "$LOC_TAR/private/rootfs" \( -uid 0 -o -gid 0 \) -print -quit)"
blocks=$(du -k "$LOC_TAR/private/rootfs/usr/share/sparse.img" | cut -f1)
check "16 MiB sparse file stays sparse on import (${blocks} KiB used)" test "$blocks" -lt 1024

# Root's own private directories are fine locations (as /root/distros/X would be).
loc700=$(fresh_dir loc700)
chmod 700 "$loc700"
expect_ok "import into a root-owned mode-0700 location" wsl --import loc700 "$loc700" "$SRC" &&
    assert_exists "  ...rootfs there" "$loc700/private/rootfs/etc/os-release"
wsl --unregister loc700 >/dev/null 2>&1

# Magic bytes, not the name, decide.
cp "$T/rootfs5.tar.zst" "$T/misnamed.tar.gz"
expect_ok "zstd data named .tar.gz imports (magic bytes decide)" \
    wsl --import misnamed "$(fresh_dir loc)" "$T/misnamed.tar.gz"
expect_ok "unregister misnamed" wsl --unregister misnamed

# ---------------------------------------------------------------------------------------
# stdin

LOC_STDIN=$(fresh_dir loc)
expect_ok "import from stdin (redirected file, .tar.gz)" \
    wsl --import imp-stdin "$LOC_STDIN" - <"$T/rootfs2.tar.gz"
assert_eq "  ...flavor" flavor2 "$(reg_field imp-stdin flavor)"
LOC_PIPE=$(fresh_dir loc)
run bash -c 'cat "$1" | "$2" --import imp-pipe "$3" -' _ "$T/rootfs3.tar.xz" "$WSL_BIN" "$LOC_PIPE"
assert_eq "import from a pipe (.tar.xz) exits 0" 0 "$RC"
tar_listing "$T/rootfs3.tar.xz" "$T/src3.jsonl"
tree_matches "  ...tree from the pipe equals the archive" "$LOC_PIPE/private/rootfs" "$T/src3.jsonl"

# ---------------------------------------------------------------------------------------
# os-release resolution stays inside the distro

mkosr() {  # mkosr OUT KIND: etc/os-release as an absolute or relative symlink, or absent
    local d
    d=$(fresh_dir osr)
    mkdir -p "$d/etc" "$d/bin" "$d/usr/lib"
    printf '#!/bin/sh\n' >"$d/bin/sh"
    printf 'ID=inside\nVERSION_ID=7\n' >"$d/usr/lib/os-release"
    case $2 in
        abs) ln -s /usr/lib/os-release "$d/etc/os-release" ;;
        rel) ln -s ../usr/lib/os-release "$d/etc/os-release" ;;
        none) rm "$d/usr/lib/os-release" ;;
    esac
    pack_tree "$d" "$1"
}
mkosr "$T/osr-abs.tar" abs
mkosr "$T/osr-rel.tar" rel
mkosr "$T/osr-none.tar" none
expect_ok "import with /etc/os-release -> /usr/lib/os-release (absolute)" \
    wsl --import osr-abs "$(fresh_dir loc)" "$T/osr-abs.tar"
assert_eq "  ...resolved inside the distro, not on the host" "inside 7" \
    "$(reg_field osr-abs flavor) $(reg_field osr-abs osVersion)"
expect_ok "import with /etc/os-release -> ../usr/lib/os-release" \
    wsl --import osr-rel "$(fresh_dir loc)" "$T/osr-rel.tar"
assert_eq "  ...flavor and version" "inside 7" "$(reg_field osr-rel flavor) $(reg_field osr-rel osVersion)"
expect_ok "import without os-release" wsl --import osr-none "$(fresh_dir loc)" "$T/osr-none.tar"
assert_eq "  ...empty flavor" "" "$(reg_field osr-none flavor)"
for n in osr-abs osr-rel osr-none; do wsl --unregister "$n" >/dev/null 2>&1; done

# /etc alone or /bin/sh alone is enough to be a distro.
d=$(fresh_dir onlyetc); mkdir -p "$d/etc"; pack_tree "$d" "$T/only-etc.tar"
d=$(fresh_dir onlysh); mkdir -p "$d/bin"; printf '#!/bin/sh\n' >"$d/bin/sh"; pack_tree "$d" "$T/only-sh.tar"
expect_ok "a tree with only /etc is a distro" wsl --import only-etc "$(fresh_dir loc)" "$T/only-etc.tar"
expect_ok "a tree with only /bin/sh is a distro" wsl --import only-sh "$(fresh_dir loc)" "$T/only-sh.tar"
wsl --unregister only-etc >/dev/null 2>&1
wsl --unregister only-sh >/dev/null 2>&1

# ---------------------------------------------------------------------------------------
# export every format, then import each export again

mkdir -p "$T/exp"
declare -A WANT=([tar]=tar [tar.gz]=gz [tar.xz]=xz [tar.zst]=zst)
for fmt in tar tar.gz tar.xz tar.zst; do
    out=$T/exp/out.$fmt
    expect_ok "export to .$fmt (format from the suffix)" wsl --export imp-tar "$out" || continue
    assert_eq "  ...prints the success line" "$SUCCESS" "$OUT"
    assert_eq "  ...is $fmt by magic" "${WANT[$fmt]}" "$(magic "$out")"
    tar_listing "$out" "$T/exp/out.$fmt.jsonl"
    listing_diff "  ...holds exactly the original entries (owners numeric, xattrs, ACLs, hardlinks, mtimes)" \
        "$T/src.jsonl" "$T/exp/out.$fmt.jsonl" --skip-root-mtime
    bad=$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)["raw"]
    if not (r in (".", "./") or r.startswith("./")): print(r)' "$T/exp/out.$fmt.jsonl" | head -n 5)
    assert_eq "  ...every entry is rooted at ./" "" "$bad"
    loc=$(fresh_dir loc)
    expect_ok "  ...re-import of the .$fmt export" wsl --import "re-$fmt" "$loc" "$out" &&
        tree_matches "  ...re-imported tree equals the original" "$loc/private/rootfs" "$T/src.jsonl"
    wsl --unregister "re-$fmt" >/dev/null 2>&1
done
size=$(stat -c %s "$T/exp/out.tar")
check "plain tar export keeps the 16 MiB sparse file sparse (${size} bytes)" test "$size" -lt $((4 * 1024 * 1024))

expect_ok "export --format tar.gz to a name without suffix" wsl --export imp-tar "$T/exp/fmt.bin" --format tar.gz
assert_eq "  ...gzip by magic" gz "$(magic "$T/exp/fmt.bin")"
expect_ok "export --format tar.zst overrides a .tar suffix" wsl --export imp-tar "$T/exp/override.tar" --format tar.zst
assert_eq "  ...zstd by magic" zst "$(magic "$T/exp/override.tar")"
expect_ok "export --format tar.xz" wsl --export imp-tar "$T/exp/fmtxz" --format tar.xz
assert_eq "  ...xz by magic" xz "$(magic "$T/exp/fmtxz")"
expect_ok "export without suffix or --format" wsl --export imp-tar "$T/exp/plain"
assert_eq "  ...is a plain tar" tar "$(magic "$T/exp/plain")"
expect_ok "export to stdout (-)" bash -c '"$1" --export imp-tar - >"$2"' _ "$WSL_BIN" "$T/exp/stdout.tar"
assert_eq "  ...a plain tar" tar "$(magic "$T/exp/stdout.tar")"
tar_listing "$T/exp/stdout.tar" "$T/exp/stdout.jsonl"
listing_diff "  ...with the original entries" "$T/src.jsonl" "$T/exp/stdout.jsonl" --skip-root-mtime
expect_ok "export to stdout with --format tar.zst" \
    bash -c '"$1" --export imp-tar - --format tar.zst | zstd -dc >"$2"' _ "$WSL_BIN" "$T/exp/stdout2.tar"
tar_listing "$T/exp/stdout2.tar" "$T/exp/stdout2.jsonl"
listing_diff "  ...decompresses to the original entries" "$T/src.jsonl" "$T/exp/stdout2.jsonl" --skip-root-mtime


# ---------------------------------------------------------------------------------------
# list formats, default, status

expect_ok "set-default imp-tar.zst" wsl --set-default imp-tar.zst
assert_eq "  ...prints the success line" "$SUCCESS" "$OUT"
guid=$(reg_field imp-tar.zst guid)
assert_eq "  ...registry defaultDistro is its guid" "$guid" "$(reg_top defaultDistro)"

mapfile -t NAMES < <(reg_names)
expect_ok "wsl -l -q" wsl -l -q
assert_eq "  ...default first" imp-tar.zst "$(head -n 1 <<<"$OUT")"
assert_eq "  ...exactly the registered names" "$(printf '%s\n' "${NAMES[@]}" | sort)" "$(sort <<<"$OUT")"
expect_ok "wsl --list --all --quiet" wsl --list --all --quiet
assert_eq "  ...same names when nothing is busy" "$(printf '%s\n' "${NAMES[@]}" | sort)" "$(sort <<<"$OUT")"

expect_ok "wsl -l" wsl -l
assert_contains "  ...marks the default" "$OUT" "imp-tar.zst (Default)"
for n in "${NAMES[@]}"; do
    [[ $n == imp-tar.zst ]] && continue
    assert_match "  ...lists $n" "$OUT" "^${n//./\\.}\$"
done
assert_eq "  ...first line is a header" 1 "$(head -n 1 <<<"$OUT" | grep -vc -e '(Default)' -e '^imp-')"

expect_ok "wsl -l -v" wsl -l -v
w=4
for n in "${NAMES[@]}"; do ((${#n} > w)) && w=${#n}; done
w=$((w + 4))
hdr=$(printf "  %-${w}s%-16s%s" NAME STATE VERSION)
assert_eq "  ...header line exactly" "$hdr" "$(head -n 1 <<<"$OUT")"
assert_eq "  ...default row second, exactly" "$(printf "* %-${w}s%-16s%s" imp-tar.zst Stopped 1)" \
    "$(sed -n 2p <<<"$OUT")"
want=$(for n in "${NAMES[@]}"; do [[ $n == imp-tar.zst ]] || printf "  %-${w}s%-16s%s\n" "$n" Stopped 1; done | sort)
assert_eq "  ...other rows exactly" "$want" "$(tail -n +3 <<<"$OUT" | sort)"
expect_ok "wsl --list --verbose --all" wsl --list --verbose --all
assert_eq "  ...same rows when nothing is busy" "$want" "$(tail -n +3 <<<"$OUT" | sort)"
expect_fail "wsl -l --running with none running" "" wsl -l --running
assert_contains "  ...says so" "$OUT$ERR" "There are no running distributions."

expect_ok "set-default is case-insensitive (IMP-TAR)" wsl -s IMP-TAR
assert_eq "  ...default is imp-tar" "$(reg_field imp-tar guid)" "$(reg_top defaultDistro)"

expect_ok "set-default-version 1" wsl --set-default-version 1
assert_eq "  ...registry defaultVersion 1" 1 "$(reg_top defaultVersion)"
expect_ok "status" wsl --status
assert_match "  ...Default Distribution line" "$OUT" "^Default Distribution: imp-tar$"
assert_match "  ...Default Version line" "$OUT" "^Default Version: 1$"
run wsl --set-default-version 2
if ((RC == 0)); then
    ok "set-default-version 2 accepted"
    expect_ok "status after set-default-version 2" wsl --status
    assert_match "  ...Default Version: 2" "$OUT" "^Default Version: 2$"
    expect_ok "set-default-version back to 1" wsl --set-default-version 1
else
    assert_eq "set-default-version 2 refused with exit 255" 255 "$RC"
    assert_imatch "  ...saying version 2 / the VM is not available" "$ERR" "version 2|VM|WSL ?2"
    assert_eq "  ...default version unchanged" 1 "$(reg_top defaultVersion)"
fi
expect_fail "set-default-version 0" "" wsl --set-default-version 0
assert_eq "  ...default version unchanged" 1 "$(reg_top defaultVersion)"

# ---------------------------------------------------------------------------------------
# rename

old_guid=$(reg_field imp-tar.bz2 guid)
old_base=$(reg_field imp-tar.bz2 basePath)
expect_ok "rename imp-tar.bz2 -> renamed" wsl --manage imp-tar.bz2 --rename renamed
assert_eq "  ...prints the success line" "$SUCCESS" "$OUT"
check "  ...new name registered" reg_has renamed
check "  ...old name gone" not reg_has imp-tar.bz2
assert_eq "  ...same guid" "$old_guid" "$(reg_field renamed guid)"
assert_eq "  ...same basePath" "$old_base" "$(reg_field renamed basePath)"
assert_exists "  ...files untouched" "$old_base/private/rootfs/etc/os-release"
expect_fail "export under the old name fails" WSL_E_DISTRO_NOT_FOUND wsl --export imp-tar.bz2 "$T/exp/old.tar"
assert_absent "  ...without leaving an output file" "$T/exp/old.tar"
expect_fail "rename to an existing name in another case" ERROR_ALREADY_EXISTS wsl --manage renamed --rename IMP-TAR
check "  ...both still registered" bash -c 'grep -qx renamed <<<"$1" && grep -qx imp-tar <<<"$1"' _ "$(reg_names)"
expect_fail "rename to an invalid name" "" wsl --manage renamed --rename "bad/name"
check "  ...still registered as renamed" reg_has renamed
expect_ok "rename the default distro" wsl --manage imp-tar --rename imp-default
assert_eq "  ...it stays the default" "$(reg_field imp-default guid)" "$(reg_top defaultDistro)"
expect_ok "  ...-l -q shows it first" wsl -l -q
assert_eq "  ...first line" imp-default "$(head -n 1 <<<"$OUT")"

# ---------------------------------------------------------------------------------------
# move

tree_listing "$LOC_3/private/rootfs" "$T/before-move.jsonl" --uid-base "$B" --gid-base "$BG"
dest=$(fresh_path moved)
expect_ok "move imp-tar.xz to a new directory" wsl --manage imp-tar.xz --move "$dest"
assert_eq "  ...prints the success line" "$SUCCESS" "$OUT"
assert_eq "  ...basePath updated" "$(realpath -m "$dest")" "$(realpath -m "$(reg_field imp-tar.xz basePath)")"
tree_listing "$dest/private/rootfs" "$T/after-move.jsonl" --uid-base "$B" --gid-base "$BG"
listing_diff "  ...tree identical after the move" "$T/before-move.jsonl" "$T/after-move.jsonl"
assert_absent "  ...old rootfs gone" "$LOC_3/private"
assert_empty_dir "  ...old location left empty" "$LOC_3"

# Across file systems (tmpfs): a copy that keeps everything, then the source is removed.
if [[ -d /dev/shm ]] && shm=$(mktemp -d /dev/shm/wsl-e2e.XXXXXX); then
    CLEANUP_PATHS+=("$shm")
    chmod 755 "$shm"
    expect_ok "move to another file system (tmpfs)" wsl --manage imp-tar.xz --move "$shm/d"
    tree_listing "$shm/d/private/rootfs" "$T/after-shm.jsonl" --uid-base "$B" --gid-base "$BG"
    listing_diff "  ...tree identical (owners, xattrs, ACLs, hardlinks, mtimes)" \
        "$T/before-move.jsonl" "$T/after-shm.jsonl"
    assert_absent "  ...source removed" "$dest/private"
    blocks=$(du -k "$shm/d/private/rootfs/usr/share/sparse.img" | cut -f1)
    check "  ...sparse file still sparse (${blocks} KiB)" test "$blocks" -lt 1024
    dest2=$(fresh_path moved)
    expect_ok "move back to disk" wsl --manage imp-tar.xz --move "$dest2"
    tree_listing "$dest2/private/rootfs" "$T/after-back.jsonl" --uid-base "$B" --gid-base "$BG"
    listing_diff "  ...tree identical" "$T/before-move.jsonl" "$T/after-back.jsonl"
    assert_absent "  ...tmpfs copy removed" "$shm/d/private"
else
    note "no /dev/shm: cross-file-system move not tested"
    dest2=$dest
fi

other_base=$(reg_field imp-tar.gz basePath)
expect_fail "move onto another distro's location" "" wsl --manage imp-tar.xz --move "$other_base"
assert_eq "  ...basePath unchanged" "$dest2" "$(reg_field imp-tar.xz basePath)"
tree_listing "$dest2/private/rootfs" "$T/after-fail.jsonl" --uid-base "$B" --gid-base "$BG"
listing_diff "  ...mover intact" "$T/before-move.jsonl" "$T/after-fail.jsonl"
assert_exists "  ...other distro intact" "$other_base/private/rootfs/etc/os-release"
expect_fail "move into its own rootfs" "" wsl --manage imp-tar.xz --move "$dest2/private/rootfs/usr/share/inner"
assert_eq "  ...basePath unchanged" "$dest2" "$(reg_field imp-tar.xz basePath)"
assert_absent "  ...nothing created inside" "$dest2/private/rootfs/usr/share/inner"
tree_listing "$dest2/private/rootfs" "$T/after-fail2.jsonl" --uid-base "$B" --gid-base "$BG"
listing_diff "  ...tree intact" "$T/before-move.jsonl" "$T/after-fail2.jsonl"

# ---------------------------------------------------------------------------------------
# errors that leave nothing behind

before=$(snapshot "$STATE")
names_before=$(reg_names)

loc=$(fresh_dir loc)
expect_fail "import under an existing name in another case" ERROR_ALREADY_EXISTS wsl --import IMP-DEFAULT "$loc" "$SRC"
assert_contains "  ...message" "$ERR" "A distribution with the supplied name already exists."
assert_empty_dir "  ...location untouched" "$loc"

for bad in "bad name" "bad/name" "" "$(printf 'a%.0s' {1..65})" "ü" "a:b" "name*"; do
    loc=$(fresh_dir loc)
    expect_fail "import with invalid name '${bad:0:20}'" "" wsl --import "$bad" "$loc" "$SRC"
    assert_empty_dir "  ...location untouched" "$loc"
done
n64=$(printf 'b%.0s' {1..64})
expect_ok "a 64-character name is valid" wsl --import "$n64" "$(fresh_dir loc)" "$SRC"
wsl --unregister "$n64" >/dev/null 2>&1

loc=$(fresh_dir loc)
expect_fail "import --version 2 (VM mode not available yet)" "" wsl --import v2 "$loc" "$SRC" --version 2
assert_imatch "  ...says version 2 / VM mode is not available" "$ERR" "version 2|VM|WSL ?2"
no_trace "  ...version 2" v2 "$loc"
expect_ok "import --version 1 explicitly" wsl --import v1 "$(fresh_dir loc)" "$SRC" --version 1
wsl --unregister v1 >/dev/null 2>&1

d=$(fresh_dir notdistro); mkdir -p "$d/home/user"; echo hi >"$d/home/user/x"; pack_tree "$d" "$T/notdistro.tar"
loc=$(fresh_dir loc)
expect_fail "import a tree without /etc and /bin/sh" WSL_E_NOT_A_LINUX_DISTRO wsl --import notdistro "$loc" "$T/notdistro.tar"
assert_contains "  ...message" "$ERR" "The imported file is not a valid Linux distribution."
no_trace "  ...not a distro" notdistro "$loc"
{ printf 'conectix'; head -c 600 /dev/zero; } >"$T/disk.vhd"
expect_fail "import a VHD disk image as a tar" WSL_E_IMPORT_FAILED wsl --import vhd "$loc" "$T/disk.vhd"
assert_contains "  ...says to use --vhd" "$ERR" "This looks like a VHD file. Use --vhd to import a VHD instead of a tar."
check "  ...not registered" not reg_has vhd

loc=$(fresh_dir loc)
expect_fail "import a missing file" "" wsl --import missing "$loc" "$T/does-not-exist.tar"
no_trace "  ...missing file" missing "$loc"
expect_fail "import into a location that is a file" "" wsl --import locfile "$T/rootfs1.tar" "$SRC"
check "  ...not registered" not reg_has locfile
expect_fail "import into a location that already holds a distro" "" \
    wsl --import locbusy "$(reg_field imp-tar.gz basePath)" "$SRC"
check "  ...not registered" not reg_has locbusy
assert_exists "  ...the other distro intact" "$(reg_field imp-tar.gz basePath)/private/rootfs/etc/os-release"

for args in "--export nosuch $T/exp/nosuch.tar" "--unregister nosuch" "--set-default nosuch" \
    "--manage nosuch --rename other" "--manage nosuch --move $T/nosuchdir"; do
    # shellcheck disable=SC2086
    expect_fail "unknown distro: wsl $args" WSL_E_DISTRO_NOT_FOUND wsl $args
    assert_contains "  ...message" "$ERR" "There is no distribution with the supplied name."
done
assert_absent "  ...no export file for an unknown distro" "$T/exp/nosuch.tar"

assert_eq "registered names unchanged by the failures" "$names_before" "$(reg_names)"
assert_eq "state dir unchanged by the failures" "$before" "$(snapshot "$STATE")"

# ---------------------------------------------------------------------------------------
# export failures delete the partial output (the file was created, then writing failed)

mk_rootfs_tar "$T/big.tar.zst" --big 4
expect_ok "import a distro with 4 MiB of random data" wsl --import bigone "$(fresh_dir loc)" "$T/big.tar.zst"
# Export into a pipe whose reader stops early (| head -c 10): the writer dies of SIGPIPE, as
# tar would, and says nothing; the distro is not left busy.
run bash -c '"$1" --export bigone - --format tar | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$WSL_BIN"
assert_eq "export into a pipe closed early: wsl dies of SIGPIPE (141)" 141 "$OUT"
assert_eq "  ...and prints nothing" "" "$ERR"
wait_until 10 state_is bigone Installed
assert_eq "  ...distro back to Installed" Installed "$(reg_field bigone state)"
expect_ok "  ...and the next export works" wsl --export bigone "$T/exp/after-pipe.tar"
# With SIGPIPE ignored (as tar then does) the broken pipe is an error, said as one.
run bash -c 'trap "" PIPE; "$1" --export bigone - --format tar | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$WSL_BIN"
assert_eq "with SIGPIPE ignored, the same export fails with 255" 255 "$OUT"
assert_contains "  ...naming the broken pipe" "$ERR" "Broken pipe"
wait_until 10 state_is bigone Installed
assert_eq "  ...distro back to Installed" Installed "$(reg_field bigone state)"

small=$T/small
mkdir -p "$small"
if mount -t tmpfs -o size=512k tmpfs "$small" 2>/dev/null; then
    MOUNTS+=("$small")
    expect_fail "export onto a full file system fails" "" wsl --export bigone "$small/out.tar"
    assert_absent "  ...and deletes its partial output" "$small/out.tar"
    assert_eq "  ...distro back to Installed" Installed "$(reg_field bigone state)"
else
    note "cannot mount a small tmpfs: full-disk export not tested"
fi
mknod "$T/fullnode" c 1 7   # behaves like /dev/full
expect_fail "export into a device that is always full fails" "" wsl --export bigone "$T/fullnode"
check "  ...and the device node the user named is not deleted" test -c "$T/fullnode"

# ---------------------------------------------------------------------------------------
# unregister

expect_ok "unregister imp-stdin" wsl --unregister imp-stdin
assert_contains "  ...prints the success line" "$OUT" "$SUCCESS"
check "  ...gone from the registry" not reg_has imp-stdin
assert_absent "  ...rootfs deleted" "$LOC_STDIN/private"
assert_empty_dir "  ...location left empty" "$LOC_STDIN"
expect_fail "  ...second unregister: not found" WSL_E_DISTRO_NOT_FOUND wsl --unregister imp-stdin

rm -rf "$LOC_PIPE/private"
expect_ok "unregister works when the storage is already gone" wsl --unregister imp-pipe
check "  ...gone from the registry" not reg_has imp-pipe

expect_ok "unregister is case-insensitive (IMP-TAR.ZST)" wsl --unregister IMP-TAR.ZST
assert_absent "  ...rootfs deleted" "$LOC_ZST/private"

expect_ok "unregister the default distro" wsl --unregister imp-default
check_registry
for n in $(reg_names); do wsl --unregister "$n" >/dev/null 2>&1 || not_ok "unregister $n"; done
assert_eq "everything unregistered" "" "$(reg_names)"
check_registry
left=$(find "$STATE" -mindepth 1 ! -path "$STATE/users" ! -path "$STATE/users/0" \
    ! -path "$STATE/users/0/registry.json" ! -path "$STATE/idmaps.json" | head -n 20)
assert_eq "state dir holds only registry and id maps" "" "$left"
check "no rootfs.partial anywhere" test -z "$(find "$T" -name 'rootfs.partial*' -print -quit)"
check "service still running" service_alive
finish
