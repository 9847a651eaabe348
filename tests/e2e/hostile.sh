#!/usr/bin/env bash
# The hostile-archive corpus (tests/fixtures/make-hostile.py), imported by root: every case
# gives a clear error or warning, nothing lands at any canary path outside the distro, a
# failed import registers nothing and leaves nothing in the state dir or the location;
# setuid files and file capabilities gain nothing on the host; device nodes are skipped (with
# one warning for those outside ./dev); a 5,000-level path and a 1 TiB sparse file import fine or fail cleanly.
source "$(dirname "$0")/lib.sh"

start_service
CORPUS=$T/corpus
PREFIX=/var/tmp/wsl-canary-$(basename "$T")-
"$PY" "$FIXTURES/make-hostile.py" "$CORPUS" --canary-prefix "$PREFIX" >"$T/corpus.log" 2>&1 ||
    die "make-hostile.py failed" "$(cat "$T/corpus.log")"
chmod -R a+rX "$CORPUS"
MANIFEST=$CORPUS/MANIFEST.json
mf() { "$PY" "$HELPERS" manifest "$MANIFEST" field "$@"; }

# The ordinary cases first, the slow ones (deep, sparse) last.
mapfile -t CASES < <("$PY" "$HELPERS" manifest "$MANIFEST" cases | grep -vx -e deep -e sparse)
CASES+=(deep sparse)
for c in "${CASES[@]}"; do
    while read -r p; do CLEANUP_PATHS+=("$p"); done < <("$PY" "$HELPERS" canaries "$MANIFEST" paths "$c")
done
B=""
IMPORTED=()

# import_case CASE: imports the case's archive and checks the generic promises. Sets RC,
# ERR, LOC; returns 0 when the import succeeded.
import_case() {
    local c=$1 file expect code re before names_before out
    file=$(mf "$c" file)
    expect=$(mf "$c" expect)
    code=$(mf "$c" code)
    re=$(mf "$c" message_re || true)
    "$PY" "$HELPERS" canaries "$MANIFEST" create "$c" || not_ok "$c: could not create canaries"
    LOC=$(fresh_dir "loc-$c")
    before=$(snapshot "$STATE")
    names_before=$(reg_names)
    local passwd_links
    passwd_links=$(stat -c %h /etc/passwd)
    note "case $c ($file, expect $expect)"
    run wsl --import "h-$c" "$LOC" "$CORPUS/$file"
    if ((RC == 0)); then
        if [[ $expect == fail ]]; then
            not_ok "$c: import must fail" "$(cmd_report)"
        else
            ok "$c: imported (exit 0)"
        fi
        IMPORTED+=("h-$c")
        check "$c: registered" reg_has "h-$c"
        assert_eq "$c: the location holds only the private directory" private "$(ls -A "$LOC")"
        if [[ $(mf "$c" warn_if_ok || true) == True ]]; then
            assert_match "$c: a 'wsl: ' warning tells what was skipped" "$ERR" "^wsl: "
        fi
    elif ((RC == 255)); then
        if [[ $expect == ok ]]; then
            not_ok "$c: import must succeed" "$(cmd_report)"
        else
            ok "$c: refused (exit 255)"
            assert_match "$c: error code $code" "$ERR" "^Error code: Wsl/([A-Za-z0-9_]+/)*($code)\$"
            if [[ -n $re ]]; then
                # The archive library's own words must reach the user.
                if grep -Eiq -- "${re#(?i)}" <<<"$ERR"; then ok "$c: message carries the cause"; else
                    not_ok "$c: message carries the cause (/${re#(?i)}/)" "$ERR"; fi
            fi
        fi
        check "$c: not registered" not reg_has "h-$c"
        assert_eq "$c: registry unchanged" "$names_before" "$(reg_names)"
        assert_empty_dir "$c: nothing left in the location" "$LOC"
        assert_eq "$c: nothing left in the state dir" "$before" "$(snapshot "$STATE")"
    else
        not_ok "$c: exit status must be 0 or 255" "$(cmd_report)"
    fi
    if out=$("$PY" "$HELPERS" canaries "$MANIFEST" verify "$c"); then
        ok "$c: every canary outside the distro untouched"
    else
        not_ok "$c: every canary outside the distro untouched" "$out"
    fi
    assert_eq "$c: /etc/passwd gained no links" "$passwd_links" "$(stat -c %h /etc/passwd)"
    out=$(find "$T" -maxdepth 2 -name 'wsl-canary-*' 2>/dev/null)
    assert_eq "$c: nothing escaped into the temp dir" "" "$out"
    check "$c: service still running" service_alive
    if [[ -z $B && $RC == 0 ]]; then
        B=$(idmap_base 0)
        BG=$(idmap_gbase 0)
    fi
    ((RC == 0))
}

for c in "${CASES[@]}"; do
    [[ $c == deep || $c == sparse ]] && WSL_TIMEOUT=300
    imported=0
    import_case "$c" && imported=1
    rootfs=$LOC/private/rootfs
    case $c in
        devices)
            ((imported)) || continue
            n=$(grep -ci device <<<"$ERR")
            assert_eq "devices: exactly one warning line mentions device nodes" 1 "$n"
            # Those under ./dev are normal in images (a fresh /dev is mounted): only the one
            # elsewhere is counted.
            assert_match "devices: the warning is a 'wsl: ' line about the one outside /dev" \
                "$ERR" "^wsl: Skipped 1 device node outside /dev"
            check "devices: no device node was created" \
                test -z "$(find "$rootfs" \( -type c -o -type b \) -print -quit)"
            for p in dev/mem dev/null dev/sda dev/loop0 etc/kmem; do
                assert_absent "devices: $p skipped" "$rootfs/$p"
            done
            ;;
        setuid)
            ((imported)) || continue
            assert_eq "setuid: setuid-root file owned by B, not host root" "$B" "$(stat -c %u "$rootfs/usr/bin/suid-root")"
            assert_eq "setuid: ...and keeps mode 4755 (harmless as uid B)" 4755 "$(stat -c %a "$rootfs/usr/bin/suid-root")"
            assert_eq "setuid: setgid-root file's group is B's, not host root's" "$BG" "$(stat -c %g "$rootfs/usr/bin/sgid-root")"
            assert_eq "setuid: ...mode 2755" 2755 "$(stat -c %a "$rootfs/usr/bin/sgid-root")"
            assert_eq "setuid: setuid uid-1000 file owned by B+1000" "$((B + 1000))" "$(stat -c %u "$rootfs/usr/bin/suid-user")"
            check "setuid: nothing in the tree is owned by host uid or gid 0" \
                test -z "$(find "$rootfs" \( -uid 0 -o -gid 0 \) -print -quit)"
            ;;
        caps)
            ((imported)) || continue
            exp=$(fresh_path caps-export).tar
            exported=0
            expect_ok "caps: export" wsl --export h-caps "$exp" && exported=1 && tar_listing "$exp" "$exp.jsonl"
            for f in usr/bin/ping-caps usr/bin/v3-rootid0; do
                info=$("$PY" "$HELPERS" capinfo "$rootfs/$f")
                note "caps: $f on the host: $info"
                case $info in
                    absent) ok "caps: $f: no capability on the host (dropped)" ;;
                    "v3 $B "*)
                        ok "caps: $f: a v3 capability whose rootid is B ($B)"
                        want=$(mf caps caps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$f")
                        want="01000002${want:8:32}"   # the v2 form the distro itself sees
                        if ((exported)); then
                            got=$("$PY" "$HELPERS" entry "$exp.jsonl" "$f" |
                                "$PY" -c 'import json,sys; print(json.load(sys.stdin)["xattrs"].get("security.capability",""))')
                            assert_eq "caps: $f: export carries the capability as the distro sees it (v2)" "$want" "$got"
                        fi
                        ;;
                    *) not_ok "caps: $f: capability on the host must be absent or v3 with rootid $B" "$info" ;;
                esac
            done
            ;;
        osrelease-leak)
            ((imported)) || continue
            assert_ne "osrelease-leak: flavor not read from the host file" leaked "$(reg_field h-osrelease-leak flavor)"
            assert_ne "osrelease-leak: osVersion not read from the host file" 666 "$(reg_field h-osrelease-leak osVersion)"
            ;;
        deep)
            if ((imported)); then
                depth=$(find "$rootfs" -name deepfile -type f -printf '%d\n' | head -n 1)
                assert_eq "deep: the file sits 5,001 levels down" 5001 "$depth"
            fi
            ;;
        sparse)
            if ((imported)); then
                f=$rootfs/sparse-1t
                assert_eq "sparse: apparent size 1 TiB" 1099511627776 "$(stat -c %s "$f" 2>&1)"
                kib=$(du -k "$f" | cut -f1)
                check "sparse: allocated size small (${kib} KiB)" test "$kib" -lt 10240
                assert_eq "sparse: data at the start" HEAD "$(head -c 4 "$f")"
                assert_eq "sparse: data at the end" TAIL "$(tail -c 4 "$f")"
                exp=$(fresh_path sparse-export).tar
                WSL_TIMEOUT=120
                expect_ok "sparse: export finishes (holes are not written out)" wsl --export h-sparse "$exp"
                if [[ -e $exp ]]; then
                    size=$(stat -c %s "$exp")
                    check "sparse: export is small ($size bytes)" test "$size" -lt $((10 * 1024 * 1024))
                    assert_eq "sparse: export keeps the data at the start" HEAD \
                        "$("$PY" "$HELPERS" tar-bytes "$exp" sparse-1t 0 4)"
                    assert_eq "sparse: export keeps the data at the end" TAIL \
                        "$("$PY" "$HELPERS" tar-bytes "$exp" sparse-1t -4 4)"
                fi
                rm -f "$exp"
            fi
            ;;
    esac
    WSL_TIMEOUT=60
done

# Unregister everything that was imported: every file goes, however deep.
WSL_TIMEOUT=300
for n in "${IMPORTED[@]}"; do
    base=$(reg_field "$n" basePath)
    expect_ok "unregister $n" wsl --unregister "$n"
    assert_absent "  ...its rootfs is gone" "$base/private"
done
assert_eq "nothing registered at the end" "" "$(reg_names)"
check_registry
left=$(find "$STATE" -mindepth 1 ! -path "$STATE/users" ! -path "$STATE/users/0" \
    ! -path "$STATE/users/0/registry.json" ! -path "$STATE/idmaps.json" | head -n 20)
assert_eq "state dir holds only registry and id maps" "" "$left"
check "no rootfs.partial anywhere" test -z "$(find "$T" -name 'rootfs.partial*' -print -quit)"
finish
