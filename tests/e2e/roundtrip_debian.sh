#!/usr/bin/env bash
# A real Debian minbase rootfs (8.7k entries: setuid binaries, absolute symlinks, hardlinks,
# device nodes) survives import -> export (tar.zst) -> import -> export exactly: every path,
# numeric owner, mode, xattr, ACL, link target, hardlink group, content and mtime is equal
# to the original tarball's (its device nodes, all under ./dev, are skipped on import without
# a warning), and the stored trees hold the distro's ids shifted into root's private range.
source "$(dirname "$0")/lib.sh"

DEB=${WSL_DEBIAN_TARBALL:-/var/cache/wsl-tests/debian-minbase.tar}
if [[ ! -s $DEB ]]; then
    command -v mmdebstrap >/dev/null || skip_all "no $DEB and no mmdebstrap to build it"
    note "building $DEB with mmdebstrap (once)"
    mkdir -p "$(dirname "$DEB")"
    if ! mmdebstrap --variant=minbase --quiet bookworm "$DEB.partial.tar" >"$T/mmdebstrap.log" 2>&1; then
        rm -f "$DEB.partial.tar"
        if grep -Eqi 'could not resolve|failed to fetch|unable to connect|network|temporary failure' "$T/mmdebstrap.log"; then
            skip_all "mmdebstrap cannot reach a Debian mirror: $(tail -n 3 "$T/mmdebstrap.log")"
        fi
        die "mmdebstrap failed" "$(tail -n 20 "$T/mmdebstrap.log")"
    fi
    mv "$DEB.partial.tar" "$DEB"
fi

start_service
WSL_TIMEOUT=300
tar_listing "$DEB" "$T/orig.jsonl"
note "original: $(wc -l <"$T/orig.jsonl") entries, $(grep -c '"type": "\(char\|block\)"' "$T/orig.jsonl") device nodes"
DIFF_ORIG=(--drop-types char,block --skip-root-mtime)

# ---------------------------------------------------------------------------------------
# import the original

loc1=$(fresh_dir loc)
t0=$SECONDS
expect_ok "import the Debian tarball" wsl --import deb1 "$loc1" "$DEB" || die "import failed"
note "import took $((SECONDS - t0)) s"
assert_eq "  ...flavor debian" debian "$(reg_field deb1 flavor)"
assert_eq "  ...osVersion 12" 12 "$(reg_field deb1 osVersion)"
# Its 8 device nodes are all under ./dev, normal in an image: skipped without a word.
assert_eq "  ...and no warning (its device nodes are all under ./dev)" "" "$(grep '^wsl: ' <<<"$ERR")"
B=$(idmap_base 0)
BG=$(idmap_gbase 0)
[[ -n $B ]] || die "no id range for root"
tree_listing "$loc1/private/rootfs" "$T/tree1.jsonl" --uid-base "$B" --gid-base "$BG"
listing_diff "stored tree equals the original (ids shifted by $B)" "$T/orig.jsonl" "$T/tree1.jsonl" "${DIFF_ORIG[@]}"
check "no device node in the stored tree" \
    test -z "$(find "$loc1/private/rootfs" \( -type c -o -type b \) -print -quit)"
check "no file in the stored tree is owned by host root" \
    test -z "$(find "$loc1/private/rootfs" \( -uid 0 -o -gid 0 \) -print -quit)"
assert_eq "/usr/bin/su is setuid and owned by B" "4755 $B" "$(stat -c '%a %u' "$loc1/private/rootfs/usr/bin/su")"

# ---------------------------------------------------------------------------------------
# export, import the export, export again

t0=$SECONDS
expect_ok "export deb1 to .tar.zst" wsl --export deb1 "$T/deb1.tar.zst"
note "export took $((SECONDS - t0)) s"
assert_eq "  ...zstd by magic" zst "$(magic "$T/deb1.tar.zst")"
tar_listing "$T/deb1.tar.zst" "$T/export1.jsonl"
listing_diff "export equals the original (paths, numeric owners, modes, xattrs, links, hardlinks, mtimes, contents)" \
    "$T/orig.jsonl" "$T/export1.jsonl" "${DIFF_ORIG[@]}"
bad=$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)["raw"]
    if not (r in (".", "./") or r.startswith("./")): print(r)' "$T/export1.jsonl" | head -n 5)
assert_eq "  ...every entry rooted at ./" "" "$bad"
nlinks=$(bsdtar -tvf "$T/deb1.tar.zst" 2>/dev/null | grep -c ' link to ')
want=$("$PY" -c 'import json,sys
g=set()
for l in open(sys.argv[1]):
    e=json.loads(l)
    if "hardlinks" in e: g.add(tuple(e["hardlinks"]))
print(sum(len(x)-1 for x in g))' "$T/orig.jsonl")
assert_eq "  ...each hardlinked file stored once (the other names are links)" "$want" "$nlinks"

loc2=$(fresh_dir loc)
expect_ok "import the export" wsl --import deb2 "$loc2" "$T/deb1.tar.zst"
assert_eq "  ...no warnings this time either" "" "$(grep '^wsl: ' <<<"$ERR")"
tree_listing "$loc2/private/rootfs" "$T/tree2.jsonl" --uid-base "$B" --gid-base "$BG"
listing_diff "second stored tree equals the first" "$T/tree1.jsonl" "$T/tree2.jsonl" --skip-root-mtime

expect_ok "export deb2 to .tar" wsl --export deb2 "$T/deb2.tar"
tar_listing "$T/deb2.tar" "$T/export2.jsonl"
listing_diff "second export equals the first" "$T/export1.jsonl" "$T/export2.jsonl" --skip-root-mtime

# ---------------------------------------------------------------------------------------

expect_ok "unregister deb1" wsl --unregister deb1
expect_ok "unregister deb2" wsl --unregister deb2
assert_absent "deb1 files gone" "$loc1/private"
assert_absent "deb2 files gone" "$loc2/private"
check_registry
finish
