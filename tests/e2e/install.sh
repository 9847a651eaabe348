#!/usr/bin/env bash
# `wsl --install` and `wsl --list --online` against the real service and a real test HTTP(S)
# server (httpd.py): catalogs (http, https, file://, override list, ETag cache, offline use),
# the install flow (flavor / name lookup, --name, --location, distributionInstallPath,
# --from-file), every download fault (HTTP errors, digest mismatch, truncation, dropped
# connections resumed with Range, stalls, refused connections, redirects, chunked bodies),
# Ctrl-C / SIGTERM mid-download, certificates, proxies (absolute form and CONNECT), a second
# user, and a service without any network (the client downloads). After every failure
# nothing is left: no registry entry, no storage, no created --location, service alive.
source "$(dirname "$0")/lib.sh"
exec </dev/null # no command may see a terminal (an install would launch a shell)

HTTPD=$E2E_DIR/httpd.py
command -v zstd >/dev/null || skip_all "needs zstd"
command -v openssl >/dev/null || skip_all "needs openssl (test certificates)"

start_service
MAIN_STATE=$STATE
export HOME=$T/home
mkdir -p "$HOME"
unset XDG_CACHE_HOME SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy no_proxy HTTP_PROXY \
    HTTPS_PROXY NO_PROXY all_proxy ALL_PROXY
# Connect and read timeouts of the client; the stall cases use 2 s.
export WSL_HTTP_TIMEOUT=5

# ---------------------------------------------------------------------------------------
# helpers

# start_httpd serve|proxy NAME [ARGS...]: runs httpd.py in the background with its request
# log at $T/NAME.log; sets HTTPD_PORT and HTTPD_PID once it listens.
start_httpd() {
    local kind=$1 name=$2
    shift 2
    local pf=$T/$name.port
    rm -f "$pf"
    bg "$PY" "$HTTPD" "$kind" --port-file "$pf" --log "$T/$name.log" "$@" 2>>"$T/$name.stderr"
    HTTPD_PID=$BG_PID
    wait_until 15 test -s "$pf" || die "httpd.py $kind ($name) did not start" "$(cat "$T/$name.stderr")"
    HTTPD_PORT=$(<"$pf")
    touch "$T/$name.log"
}

# forget_bg PID: a background process that has been reaped leaves BG_PIDS (its number may
# be reused); stop_bg PID: ends one this test started, then forgets it.
forget_bg() {
    local p keep=()
    for p in "${BG_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    BG_PIDS=("${keep[@]}")
}
stop_bg() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    forget_bg "$1"
}

# mark LOG: position in a request log; reqs LOG MARK: the requests since, one per line as
# "METHOD PATH RANGE IF_NONE_MATCH" ("-" for an absent header).
mark() { wc -l <"$1"; }
reqs() {
    tail -n +$(($2 + 1)) "$1" | "$PY" -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["method"], r["path"], r["range"] or "-", r["if_none_match"] or "-")'
}

# write_catalog FILE [--default NAME] ENTRY...: a DistributionInfo.json; ENTRY is
# "FLAVOR|NAME|FRIENDLY NAME|DEFAULT(true/false)|URL|SHA256" (flavors and versions in order).
write_catalog() {
    "$PY" - "$@" <<'EOF' || die "write_catalog $1"
import json, os, sys
out, args = sys.argv[1], sys.argv[2:]
doc = {}
if args[:1] == ["--default"]:
    doc["Default"], args = args[1], args[2:]
flavors = {}
for e in args:
    flavor, name, friendly, default, url, sha = e.split("|")
    image = {"Url": url, "Sha256": sha}
    flavors.setdefault(flavor, []).append({"Name": name, "FriendlyName": friendly,
        "Default": default == "true", "Amd64Url": image, "Arm64Url": image})
doc["ModernDistributions"] = flavors
with open(out + ".tmp", "w") as f:
    json.dump(doc, f, indent=2)
os.replace(out + ".tmp", out)
EOF
}

# use_config HOME LINE...: HOME/.wslconfig with those [general] lines.
use_config() {
    local h=$1
    shift
    mkdir -p "$h"
    printf '[general]\n' >"$h/.wslconfig"
    (($#)) && printf '%s\n' "$@" >>"$h/.wslconfig"
    return 0
}

image_sha() { sha256sum "$1" | cut -d' ' -f1; }
inst() { wsl --install "$@" </dev/null; }
now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }
marker_of() { cat "$(reg_field "$1" basePath "${2:-0}")/private/rootfs/etc/marker" 2>&1; }
state_of() { wsl -l -v | sed 's/^\*/ /' | awk -v n="$1" '$1 == n {print $2}'; }

# problems UID: registry entries that are not a named, Installed distro, and directories in
# the default storage that no registered distro owns.
problems() {
    "$PY" - "$STATE/users/${1:-0}" <<'EOF'
import json, os, sys
d = sys.argv[1]
try:
    reg = json.load(open(os.path.join(d, "registry.json")))
except FileNotFoundError:
    reg = {"distros": []}
owned = set()
for x in reg.get("distros", []):
    owned.add(os.path.realpath(x.get("basePath", "")))
    if not x.get("name") or x.get("state") != "Installed":
        print("registry entry %r in state %s" % (x.get("name"), x.get("state")))
for e in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    p = os.path.join(d, e)
    if os.path.isdir(p) and os.path.realpath(p) not in owned:
        print("unowned storage directory " + p)
EOF
}

# assert_nothing_left DESC NAME [CREATED_LOCATION]: after a failed root install of NAME.
assert_nothing_left() {
    local desc=$1 name=$2 loc=${3:-} p
    if reg_names | grep -Fxiq -- "$name"; then
        not_ok "$desc: nothing left: '$name' not registered" "$(reg_names)"
    else
        ok "$desc: nothing left: '$name' not registered"
    fi
    p=$(problems 0)
    assert_eq "  ...no half-installed entry, no stray storage" "" "$p"
    if [[ -n $loc ]]; then
        assert_absent "  ...the location it created is removed" "$loc"
    fi
    local rc all
    all=$(wsl -l --all -q 2>&1)
    rc=$?
    if ((rc == 0)) && ! grep -Fxiq -- "$name" <<<"$all" && service_alive; then
        ok "  ...the service answers 'wsl -l --all' without it"
    else
        not_ok "  ...the service answers 'wsl -l --all' without it" "exit $rc" "$all"
    fi
}

# expected_online "NAME|FRIENDLY"...: the exact `wsl --list --online` text for these rows.
expected_online() {
    local w=4 r n
    for r; do
        n=${r%%|*}
        ((${#n} > w)) && w=${#n}
    done
    w=$((w + 4))
    printf 'The following is a list of valid distributions that can be installed.\n'
    printf "Install using 'wsl --install <Distro>'.\n\n"
    printf "%-${w}s%s\n" NAME "FRIENDLY NAME"
    for r; do printf "%-${w}s%s\n" "${r%%|*}" "${r#*|}"; done
}

# pid_gone PID: the process has ended (or is a zombie).
pid_gone() { [[ ! -e /proc/$1 ]] || [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) == Z ]]; }

# inet_sockets PID: TCP/UDP/raw sockets held by PID and its descendants.
inet_sockets() {
    "$PY" - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1])
children = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(p))
todo, tree = [root], []
while todo:
    p = todo.pop()
    tree.append(p)
    todo += children.get(p, [])
for pid in tree:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        continue
    for kind in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        try:
            lines = open(f"/proc/{pid}/net/{kind}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[9] in inodes:
                print(pid, kind, f[1], f[2])
EOF
}

# ---------------------------------------------------------------------------------------
# images, servers, catalogs

mk_rootfs_tar "$T/base.tar"
IMGSRC=$T/base.tar.src
require_runnable "$IMGSRC"
WWW=$T/www
mkdir -p "$WWW/img"
echo zst-image >"$IMGSRC/etc/marker"
pack_tree "$IMGSRC" "$T/zst.tar"
zstd -q -f "$T/zst.tar" -o "$WWW/img/e2e.tar.zst" || die "zstd"
echo gz-image >"$IMGSRC/etc/marker"
printf '[oobe]\ndefaultName = namedbyimage\n' >"$IMGSRC/etc/wsl-distribution.conf"
pack_tree "$IMGSRC" "$T/gz.tar"
gzip -n -c "$T/gz.tar" >"$WWW/img/named.tar.gz" || die "gzip"
chmod 644 "$WWW/img/"*
rm -f "$T/zst.tar" "$T/gz.tar"
SZ=$(image_sha "$WWW/img/e2e.tar.zst")
SG=$(image_sha "$WWW/img/named.tar.gz")
ZSIZE=$(stat -c %s "$WWW/img/e2e.tar.zst")
note "images: e2e.tar.zst $ZSIZE bytes, named.tar.gz $(stat -c %s "$WWW/img/named.tar.gz") bytes"
((ZSIZE > 600000)) || die "the zstd test image is too small for the fault offsets ($ZSIZE bytes)"

start_httpd serve www --root "$WWW"
P=$HTTPD_PORT LOG=$T/www.log WWWPID=$HTTPD_PID
U=http://127.0.0.1:$P
"$PY" "$HTTPD" make-cert "$T/certs" || die "httpd.py make-cert"
start_httpd serve tls --root "$WWW" --tls-dir "$T/certs"
SP=$HTTPD_PORT TLSLOG=$T/tls.log
SU=https://127.0.0.1:$SP
CLOSED=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
Z=$U/img/e2e.tar.zst
LOOP=$U$(printf '/redirect/302%.0s' {1..12})/img/e2e.tar.zst

write_catalog "$WWW/catalog.json" --default e2e-zst \
    "E2E|e2e-zst|E2E Test (zstd)|true|$Z|$SZ" \
    "E2E|e2e-gz|E2E Test (gzip)|false|$U/img/named.tar.gz|$SG" \
    "Multi|m-first|Multi First|false|$Z|$SZ" \
    "Multi|m-second|Multi Second|true|$U/img/named.tar.gz|$SG" \
    "Faults|f-404|Fault|false|$U/nosuch/e2e.tar.zst|$SZ" \
    "Faults|f-500|Fault|false|$U/status/500/img/e2e.tar.zst|$SZ" \
    "Faults|f-hash|Fault|false|$Z?case=hash|$SG" \
    "Faults|f-badhex|Fault|false|$Z?case=badhex|${SZ:0:63}g" \
    "Faults|f-trunc|Fault|false|$U/truncate/300000/img/e2e.tar.zst|$SZ" \
    "Faults|f-short|Fault|false|$U/short/500000/img/e2e.tar.zst|$SZ" \
    "Faults|f-drop|Fault|false|$U/drop/300000/img/e2e.tar.zst|$SZ" \
    "Faults|f-dropeach|Fault|false|$U/dropeach/250000/img/e2e.tar.zst|$SZ" \
    "Faults|f-stall|Fault|false|$U/stall/200000/img/e2e.tar.zst|$SZ" \
    "Faults|f-stallhead|Fault|false|$U/stallhead/img/e2e.tar.zst|$SZ" \
    "Faults|f-refused|Fault|false|http://127.0.0.1:$CLOSED/img/e2e.tar.zst|$SZ" \
    "Faults|f-r302|Fault|false|$U/redirect/302/img/e2e.tar.zst|$SZ" \
    "Faults|f-r301abs|Fault|false|$U/redirectabs/301/img/e2e.tar.zst|$SZ" \
    "Faults|f-rchain|Fault|false|$U/redirect/302/redirectabs/307/img/e2e.tar.zst|$SZ" \
    "Faults|f-rloop|Fault|false|$LOOP|$SZ" \
    "Faults|f-chunked|Fault|false|$U/chunked/img/e2e.tar.zst|$SZ" \
    "Faults|f-slow|Slow E2E|false|$U/slow/200000/img/e2e.tar.zst|$SZ" \
    "Faults|tls-img|TLS image|false|$SU/img/e2e.tar.zst|$SZ"
use_config "$HOME" "distributionListUrl = $U/catalog.json"

# ---------------------------------------------------------------------------------------
note "built-in catalog"

H0=$(fresh_dir home-builtin)
HOME=$H0 expect_ok "--list --online without ~/.wslconfig uses the built-in list" wsl --list --online
assert_match "  ...lists Ubuntu" "$OUT" "^Ubuntu +Ubuntu$"
assert_eq "  ...header lines" "The following is a list of valid distributions that can be installed." \
    "$(head -n 1 <<<"$OUT")"
assert_empty_dir "  ...and caches nothing (nothing was fetched)" "$H0/.cache"

# ---------------------------------------------------------------------------------------
note "1. install over http: zstd and gzip images"

m=$(mark "$LOG")
expect_ok "install e2e-zst from the http catalog" inst e2e-zst || die "the basic install fails; the rest depends on it"
assert_eq "  ...prints Downloading / Installing / success" \
    "Downloading: E2E Test (zstd)
Installing: E2E Test (zstd)
Distribution successfully installed. It can be launched via 'wsl -d e2e-zst'" "$OUT"
assert_eq "  ...nothing on stderr" "" "$ERR"
r=$(reqs "$LOG" "$m")
assert_match "  ...the client fetched the catalog" "$r" "^GET /catalog.json "
assert_eq "  ...and the image, in one request without Range" "GET /img/e2e.tar.zst - -" "$(grep '^GET /img/' <<<"$r")"
assert_eq "  ...wsl -l -v shows it Stopped" Stopped "$(state_of e2e-zst)"
run wsl -d e2e-zst -- cat /etc/marker
assert_eq "  ...it runs: /etc/marker from the image" zst-image "$OUT"
assert_eq "  ...registry state Installed" Installed "$(reg_field e2e-zst state)"
assert_eq "  ...runOobe set (first-run setup pending)" True "$(reg_field e2e-zst runOobe)"
assert_eq "  ...stored in the default storage" "$STATE/users/0/$(reg_field e2e-zst guid)" \
    "$(reg_field e2e-zst basePath)"
assert_eq "  ...flavor from the image's os-release" e2etest "$(reg_field e2e-zst flavor)"

expect_ok "install e2e-gz (gzip image with a wsl-distribution.conf)" inst e2e-gz --no-launch
assert_contains "  ...registered under the catalog name" "$OUT" "It can be launched via 'wsl -d e2e-gz'"
assert_eq "  ...its marker" gz-image "$(marker_of e2e-gz)"
assert_eq "  ...state Installed" Installed "$(reg_field e2e-gz state)"
assert_eq "  ...runOobe" True "$(reg_field e2e-gz runOobe)"
check "  ...not also registered under the image's defaultName" not reg_has namedbyimage

# ---------------------------------------------------------------------------------------
note "2. lookup, --name, --location, distributionInstallPath"

expect_ok "install by flavor in another case (mULTI) takes its Default version" inst mULTI
assert_contains "  ...Downloading the default version" "$OUT" "Downloading: Multi Second"
assert_contains "  ...registered as m-second" "$OUT" "'wsl -d m-second'"
assert_eq "  ...the gzip image" gz-image "$(marker_of m-second)"
check "  ...not the first version" not reg_has m-first
expect_ok "install -d M-FIRST (name in another case)" inst -d M-FIRST
assert_contains "  ...registered under the catalog's spelling" "$OUT" "'wsl -d m-first'"
check "  ...m-first in the registry" reg_has m-first
assert_eq "  ...the zstd image" zst-image "$(marker_of m-first)"
expect_ok "install --distribution e2e-gz --name custom" inst --distribution e2e-gz --name custom
assert_contains "  ...launch hint names it" "$OUT" "'wsl -d custom'"
assert_eq "  ...custom holds the gzip image" gz-image "$(marker_of custom)"
loc=$(fresh_path loc)/deeper
LOC_ATLOC=$loc
expect_ok "install --name atloc --location DIR (missing, two levels)" inst e2e-zst --name atloc --location "$loc"
assert_exists "  ...DIR created and holds rootfs" "$loc/private/rootfs/etc/marker"
assert_eq "  ...basePath is DIR" "$(realpath "$loc")" "$(realpath -m "$(reg_field atloc basePath)")"
loc2=$(fresh_dir loc)
expect_ok "install -l DIR (existing, empty) -n" inst e2e-zst --name atloc2 -l "$loc2" -n
assert_exists "  ...rootfs there" "$loc2/private/rootfs/etc/marker"
ip=$T/installpath
use_config "$HOME" "distributionListUrl = $U/catalog.json" "distributionInstallPath = $ip"
expect_ok "install with distributionInstallPath in ~/.wslconfig" inst e2e-zst --name viapath
assert_exists "  ...stored in distributionInstallPath/NAME" "$ip/viapath/private/rootfs/etc/marker"
assert_eq "  ...basePath" "$ip/viapath" "$(realpath -m "$(reg_field viapath basePath)")"
use_config "$HOME" "distributionListUrl = $U/catalog.json"
expect_ok "install --version 1" inst e2e-zst --name v1 --version 1
assert_eq "  ...version 1" 1 "$(reg_field v1 version)"
m=$(mark "$LOG")
expect_fail "install --version 2 (VM mode not available)" "" inst e2e-zst --name v2 --version 2
assert_nothing_left "  --version 2" v2
assert_no_match "  ...no image request" "$(reqs "$LOG" "$m")" "^GET /img/"
m=$(mark "$LOG")
expect_fail "install --location onto another distro's directory" "" \
    inst e2e-zst --name locdup --location "$(reg_field e2e-gz basePath)"
assert_nothing_left "  --location taken" locdup
assert_eq "  ...the other distro intact" gz-image "$(marker_of e2e-gz)"
assert_no_match "  ...no image request" "$(reqs "$LOG" "$m")" "^GET /img/"
loc=$(fresh_path loc)
expect_fail "invalid --name with a new --location" E_INVALIDARG inst e2e-zst --name "bad/name" --location "$loc"
assert_absent "  ...the location it created is removed" "$loc"
ip=$(fresh_path installpath)
use_config "$HOME" "distributionListUrl = $U/catalog.json" "distributionInstallPath = $ip"
expect_fail "a failed install into distributionInstallPath" HTTP_E_STATUS_NOT_FOUND inst f-404
assert_nothing_left "  distributionInstallPath" f-404 "$ip"
use_config "$HOME" "distributionListUrl = $U/catalog.json"
expect_ok "install without a distribution: the catalog's Default" inst --name dflt
assert_contains "  ...downloads e2e-zst" "$OUT" "Downloading: E2E Test (zstd)"
check "  ...registered as dflt" reg_has dflt
for n in m-first m-second custom atloc atloc2 viapath v1 dflt; do wsl --unregister "$n" >/dev/null 2>&1; done
assert_absent "unregister removes the created --location's contents" "$LOC_ATLOC/private"

# ---------------------------------------------------------------------------------------
note "3. download faults"

m=$(mark "$LOG")
expect_fail "404 image" HTTP_E_STATUS_NOT_FOUND inst f-404
assert_contains "  ...message" "$ERR" "Failed to download $U/nosuch/e2e.tar.zst: the server answered 404 Not Found."
assert_contains "  ...Downloading was announced first" "$OUT" "Downloading: Fault"
assert_not_contains "  ...no success line" "$OUT" "successfully installed"
assert_nothing_left "  404" f-404
loc=$(fresh_path loc)/a/b
expect_fail "404 image with --location DIR (missing)" HTTP_E_STATUS_NOT_FOUND inst f-404 --location "$loc"
assert_nothing_left "  404 --location" f-404 "$(dirname "$(dirname "$loc")")"

expect_fail "500 image" HTTP_E_STATUS_SERVER_ERROR inst f-500
assert_contains "  ...message" "$ERR" "the server answered 500 Internal Server Error."
assert_nothing_left "  500" f-500

loc=$(fresh_dir loc)
expect_fail "hash mismatch (into an existing --location)" TRUST_E_BAD_DIGEST inst f-hash --location "$loc"
assert_contains "  ...message" "$ERR" "The distribution hash doesn't match. Expected: $SG, actual hash: $SZ"
assert_nothing_left "  hash mismatch" f-hash
assert_empty_dir "  ...the existing location is left empty" "$loc"
check "  ...and still exists (the user made it)" test -d "$loc"

m=$(mark "$LOG")
expect_fail "invalid Sha256 hex in the catalog" WSL_E_INVALID_JSON inst f-badhex
assert_contains "  ...names the entry" "$ERR" "f-badhex"
assert_contains "  ...and the bad value" "$ERR" "${SZ:0:63}g"
assert_no_match "  ...before any image request" "$(reqs "$LOG" "$m")" "case=badhex"
assert_not_contains "  ...and before Downloading" "$OUT" "Downloading"
assert_nothing_left "  bad hex" f-badhex

m=$(mark "$LOG")
# The server repeats bytes 0..N-1 on every attempt: the client must skip what it has (else it
# would run on to a hash mismatch) and give up once an attempt brings nothing new.
expect_fail "truncated body (server ignores Range, closes early)" WININET_E_CONNECTION_ABORTED inst f-trunc
assert_contains "  ...message names the URL" "$ERR" "Failed to download $U/truncate/300000/img/e2e.tar.zst"
r=$(reqs "$LOG" "$m" | grep '^GET /truncate/')
assert_match "  ...it tried to resume" "$r" "^GET /truncate/300000/img/e2e.tar.zst bytes=300000- "
check "  ...a bounded number of attempts ($(grep -c . <<<"$r"))" test "$(grep -c . <<<"$r")" -le 4
assert_nothing_left "  truncated" f-trunc

expect_fail "short file served honestly -> hash mismatch" TRUST_E_BAD_DIGEST inst f-short
assert_contains "  ...expected digest in the message" "$ERR" "Expected: $SZ, actual hash: "
assert_nothing_left "  short" f-short

m=$(mark "$LOG")
expect_ok "dropped connection is resumed" inst f-drop
assert_contains "  ...warns about the resume" "$ERR" "The connection to 127.0.0.1 dropped after 300000 bytes; resuming."
r=$(reqs "$LOG" "$m")
assert_match "  ...first request without Range" "$r" "^GET /drop/300000/img/e2e.tar.zst - "
assert_match "  ...then Range: bytes=300000-" "$r" "^GET /drop/300000/img/e2e.tar.zst bytes=300000- "
assert_eq "  ...installed with the right digest" Installed "$(reg_field f-drop state)"
assert_eq "  ...its marker" zst-image "$(marker_of f-drop)"

m=$(mark "$LOG")
expect_ok "every response dropped after 250000 bytes: several resumes" inst f-dropeach
want=""
for ((o = 250000; o < ZSIZE; o += 250000)); do want+="bytes=$o-"$'\n'; done
got=$(reqs "$LOG" "$m" | awk '$2 ~ /^\/dropeach\// && $3 != "-" {print $3}')
assert_eq "  ...Range requests at each 250000-byte boundary" "${want%$'\n'}" "$got"
assert_eq "  ...one warning per resume" "$(grep -c . <<<"$got")" "$(grep -c 'resuming' <<<"$ERR")"
assert_eq "  ...installed" zst-image "$(marker_of f-dropeach)"

t0=$(now_ms)
WSL_HTTP_TIMEOUT=2 expect_fail "stall after 200000 bytes (WSL_HTTP_TIMEOUT=2)" WININET_E_TIMEOUT inst f-stall
el=$(($(now_ms) - t0))
assert_contains "  ...timeout message" "$ERR" "the server sent nothing for 2 s"
check "  ...within 10 s (took ${el} ms)" test "$el" -lt 10000
assert_nothing_left "  stall" f-stall
t0=$(now_ms)
WSL_HTTP_TIMEOUT=2 expect_fail "server never answers (WSL_HTTP_TIMEOUT=2)" WININET_E_TIMEOUT inst f-stallhead
el=$(($(now_ms) - t0))
assert_contains "  ...timeout message" "$ERR" "the server sent nothing for 2 s"
check "  ...within 10 s (took ${el} ms)" test "$el" -lt 10000
assert_nothing_left "  stallhead" f-stallhead

expect_fail "connection refused" WININET_E_CANNOT_CONNECT inst f-refused
assert_contains "  ...message" "$ERR" "cannot connect to 127.0.0.1:$CLOSED"
assert_not_contains "  ...no warning about a dropped connection (none was made)" "$ERR" "dropped after 0 bytes"
assert_nothing_left "  refused" f-refused

m=$(mark "$LOG")
expect_ok "302 with a relative Location" inst f-r302
assert_match "  ...followed to the file" "$(reqs "$LOG" "$m")" "^GET /img/e2e.tar.zst - "
assert_eq "  ...installed" zst-image "$(marker_of f-r302)"
m=$(mark "$LOG")
expect_ok "301 with an absolute Location" inst f-r301abs
assert_match "  ...followed to the file" "$(reqs "$LOG" "$m")" "^GET /img/e2e.tar.zst - "
m=$(mark "$LOG")
expect_ok "a chain of two redirects (302 relative, 307 absolute)" inst f-rchain
assert_eq "  ...each hop requested" "/redirect/302/redirectabs/307/img/e2e.tar.zst
/redirectabs/307/img/e2e.tar.zst
/img/e2e.tar.zst" "$(reqs "$LOG" "$m" | awk '$1 == "GET" && $2 != "/catalog.json" {print $2}')"
expect_fail "12 redirects in a row (too many)" WININET_E_REDIRECT_FAILED inst f-rloop
assert_contains "  ...message" "$ERR" "redirect"
assert_nothing_left "  redirect loop" f-rloop
expect_ok "chunked transfer encoding" inst f-chunked
assert_eq "  ...installed" zst-image "$(marker_of f-chunked)"
for n in f-drop f-dropeach f-r302 f-r301abs f-rchain f-chunked; do wsl --unregister "$n" >/dev/null 2>&1; done

# ---------------------------------------------------------------------------------------
note "4. catalogs"

H=$(fresh_dir home-bad)
printf '{"Default": "x", "ModernDistributions": {"X": [' >"$WWW/bad.json"
use_config "$H" "distributionListUrl = $U/bad.json"
HOME=$H expect_fail "malformed catalog JSON: --install" WSL_E_INVALID_JSON inst x
assert_match "  ...with the parser's text" "$ERR" "parse error.*(unexpected end of input|syntax error)"
assert_nothing_left "  bad JSON" x
HOME=$H expect_fail "malformed catalog JSON: -l -o" WSL_E_INVALID_JSON wsl -l -o
assert_contains "  ...parser's text" "$ERR" "parse error"

H=$(fresh_dir home-404)
use_config "$H" "distributionListUrl = $U/nosuch.json"
HOME=$H expect_fail "catalog 404 without a cache" HTTP_E_STATUS_NOT_FOUND wsl -l -o
assert_contains "  ...message" "$ERR" "$U/nosuch.json"
assert_contains "  ...says 404" "$ERR" "404 Not Found"

H=$(fresh_dir home-stall)
use_config "$H" "distributionListUrl = $U/stallhead/catalog.json"
t0=$(now_ms)
WSL_HTTP_TIMEOUT=2 HOME=$H expect_fail "catalog server never answers, no cache (WSL_HTTP_TIMEOUT=2)" WININET_E_TIMEOUT wsl -l -o
el=$(($(now_ms) - t0))
assert_contains "  ...timeout message" "$ERR" "the server sent nothing for 2 s"
assert_not_contains "  ...not 'closed' (the server never closed it)" "$ERR" "connection was closed"
check "  ...within 10 s (took ${el} ms)" test "$el" -lt 10000
use_config "$H" "distributionListUrl = $U/redirect/302/catalog.json"
HOME=$H expect_ok "catalog via a 302 redirect" wsl -l -o
assert_match "  ...lists e2e-zst" "$OUT" "^e2e-zst +E2E Test \(zstd\)$"

expect_fail "unknown distribution name" WSL_E_DISTRO_NOT_FOUND inst nosuch-distro
assert_contains "  ...message" "$ERR" "Invalid distribution name: 'nosuch-distro'."
assert_contains "  ...points to --list --online" "$ERR" "wsl --list --online"
assert_nothing_left "  unknown name" nosuch-distro

m=$(mark "$LOG")
expect_fail "install under an existing name" ERROR_ALREADY_EXISTS inst e2e-zst
assert_contains "  ...message" "$ERR" "A distribution with the supplied name already exists."
assert_eq "  ...no stray storage" "" "$(problems 0)"
expect_fail "install --name existing in another case" ERROR_ALREADY_EXISTS inst e2e-gz --name E2E-ZST
assert_no_match "  ...no image request was made" "$(reqs "$LOG" "$m")" "^GET /img/"
assert_not_contains "  ...nor announced" "$OUT" "Downloading"
assert_eq "  ...e2e-zst untouched" zst-image "$(marker_of e2e-zst)"

# file:// catalog and file:// image
H=$(fresh_dir home-file)
write_catalog "$T/file-catalog.json" "Local|local-zst|Local E2E|true|file://$WWW/img/e2e.tar.zst|$SZ" \
    "Local|local-missing|Missing|false|file://$T/does-not-exist.tar.zst|$SZ"
use_config "$H" "distributionListUrl = file://$T/file-catalog.json"
m=$(mark "$LOG")
HOME=$H expect_ok "file:// catalog and file:// image" inst local
assert_contains "  ...flavor 'local' chose Local E2E" "$OUT" "Downloading: Local E2E"
assert_eq "  ...installed" zst-image "$(marker_of local-zst)"
assert_eq "  ...no HTTP request at all" "" "$(reqs "$LOG" "$m")"
assert_empty_dir "  ...a file:// catalog is not cached" "$H/.cache/wsl"
HOME=$H expect_fail "file:// image that does not exist" "" inst local-missing
assert_contains "  ...names the file" "$ERR" "$T/does-not-exist.tar.zst: No such file or directory"
assert_nothing_left "  missing file:// image" local-missing
wsl --unregister local-zst >/dev/null 2>&1

# --list --online formatting, exactly
write_catalog "$WWW/list.json" \
    "beta|b-1|Beta One|true|$Z|$SZ" \
    "Alpha|a-1|Alpha 1|false|$Z|$SZ" \
    "Alpha|a-2|Alpha 2|true|$Z|$SZ" \
    "Alpha|a-3|Alpha 3|false|$Z|$SZ" \
    "Alpha|a-4|Alpha 4|false|$Z|$SZ" \
    "Alpha|a-5-not-listed|Alpha 5|false|$Z|$SZ" \
    "Alpha|a-6-not-listed-and-very-much-longer|Alpha 6|false|$Z|$SZ" \
    "Zeta|zeta-longest-name|Zeta Long|true|$Z|$SZ" \
    "Zeta|a-1|Alpha 1 again|false|$Z|$SZ"
# B-1 in the override list is b-1 of the base list in another case: names are
# case-insensitive (the lookup takes the override's for either spelling), so one row.
write_catalog "$WWW/list-override.json" \
    "Over|ov-1|Override One|true|$Z|$SZ" \
    "Over|B-1|Beta Override|false|$Z|$SZ"
H=$(fresh_dir home-list)
use_config "$H" "distributionListUrl = $U/list.json"
HOME=$H expect_ok "wsl --list --online" wsl --list --online
assert_eq "  ...exact text (the list's order, as wsl.exe; 4 per flavor; names once)" \
    "$(expected_online "b-1|Beta One" "a-1|Alpha 1" "a-2|Alpha 2" "a-3|Alpha 3" "a-4|Alpha 4" \
        "zeta-longest-name|Zeta Long")" "$OUT"
use_config "$H" "distributionListUrl = $U/list.json" "distributionListUrlAppend = $U/list-override.json"
HOME=$H expect_ok "wsl -l -o with distributionListUrlAppend" wsl -l -o
assert_eq "  ...exact text, override entries first" \
    "$(expected_online "ov-1|Override One" "B-1|Beta Override" "a-1|Alpha 1" "a-2|Alpha 2" \
        "a-3|Alpha 3" "a-4|Alpha 4" "zeta-longest-name|Zeta Long")" "$OUT"
HOME=$H expect_ok "  ...and 'wsl --install b-1' takes that override entry" inst b-1 --name b1-case
assert_contains "  ...Downloading the override's FriendlyName" "$OUT" "Downloading: Beta Override"
wsl --unregister b1-case >/dev/null 2>&1
HOME=$H expect_ok "install a 5th version (not listed, still installable)" inst A-5-NOT-LISTED --no-launch
check "  ...registered" reg_has a-5-not-listed
wsl --unregister a-5-not-listed >/dev/null 2>&1

# override list: searched first
write_catalog "$WWW/override.json" \
    "Over|ov-1|Override One|true|$Z|$SZ" \
    "Over|e2e-gz|Override E2E GZ|false|$Z|$SZ"
H=$(fresh_dir home-over)
use_config "$H" "distributionListUrl = $U/catalog.json" "distributionListUrlAppend = $U/override.json"
HOME=$H expect_ok "a name in both lists comes from the override list" inst e2e-gz --name ovr
assert_contains "  ...with wsl.exe's warning" "$ERR" "wsl: The distribution \"e2e-gz\" is provided by an override manifest"
assert_contains "  ...the override's FriendlyName" "$OUT" "Downloading: Override E2E GZ"
assert_eq "  ...the override's image" zst-image "$(marker_of ovr)"
HOME=$H expect_ok "a name only in the base list" inst m-first --name notover
assert_not_contains "  ...no override warning" "$ERR" "override"
assert_eq "  ...base image" zst-image "$(marker_of notover)"
HOME=$H expect_ok "-l -o with the override list" wsl -l -o
assert_match "  ...override entries first" "$(sed -n 5p <<<"$OUT")" "^ov-1 +Override One$"
assert_match "  ...e2e-gz shown with the override's FriendlyName" "$OUT" "^e2e-gz +Override E2E GZ$"
assert_eq "  ...e2e-gz listed once" 1 "$(grep -c '^e2e-gz ' <<<"$OUT")"
wsl --unregister ovr >/dev/null 2>&1
wsl --unregister notover >/dev/null 2>&1

# The override list's Default wins for an install given no name (as wsl.exe), and -l -o
# --format json names that one default.
write_catalog "$WWW/override-default.json" --default ov-1 \
    "Over|ov-1|Override One|true|$Z|$SZ"
use_config "$H" "distributionListUrl = $U/catalog.json" \
    "distributionListUrlAppend = $U/override-default.json"
HOME=$H expect_ok "install without a name: the override list's Default" inst --name odef
assert_contains "  ...Downloading the override's default" "$OUT" "Downloading: Override One"
check "  ...registered" reg_has odef
HOME=$H expect_ok "  ...and -l -o --format json names it the default" wsl -l -o --format json
assert_eq "  ...\"default\": \"ov-1\"" ov-1 \
    "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["default"])' <<<"$OUT")"
wsl --unregister odef >/dev/null 2>&1
write_catalog "$WWW/no-default.json" "Over|ov-1|Override One|false|$Z|$SZ"
use_config "$H" "distributionListUrl = $U/no-default.json"
HOME=$H expect_fail "install without a name from a list with no Default" E_UNEXPECTED inst
assert_eq "  ...wsl.exe's text and code" \
    "$(printf 'No default distribution has been configured. Please provide a distribution to install.\nError code: Wsl/InstallDistro/E_UNEXPECTED')" \
    "$ERR"

# ETag cache, offline use. A second server that this section stops.
mkdir -p "$T/catwww"
cp "$WWW/list.json" "$T/catwww/etag.json"
start_httpd serve cat --root "$T/catwww"
CATPID=$HTTPD_PID CATLOG=$T/cat.log CU=http://127.0.0.1:$HTTPD_PORT
HE=$(fresh_dir home-etag)
use_config "$HE" "distributionListUrl = $CU/etag.json"
HOME=$HE expect_ok "-l -o from a fresh HOME" wsl -l -o
LIST1=$OUT
assert_eq "  ...one GET without If-None-Match" "GET /etag.json - -" "$(reqs "$CATLOG" 0)"
cj=$(find "$HE/.cache/wsl" -name 'catalog-*.json' 2>/dev/null)
ce=$(find "$HE/.cache/wsl" -name 'catalog-*.etag' 2>/dev/null)
check "  ...cached as ~/.cache/wsl/catalog-<hash>.json" test -n "$cj" -a "$(grep -c . <<<"$cj")" -eq 1
check "  ...with its .etag" test -s "$ce"
assert_eq "  ...the cache holds the served list" "$(cat "$T/catwww/etag.json")" "$(cat "$cj" 2>&1)"
m=$(mark "$CATLOG")
HOME=$HE expect_ok "second -l -o" wsl -l -o
assert_eq "  ...sends If-None-Match with the cached ETag" "GET /etag.json - $(cat "$ce" 2>&1)" "$(reqs "$CATLOG" "$m")"
assert_eq "  ...same list (from the 304)" "$LIST1" "$OUT"
m=$(mark "$CATLOG")
XDG_CACHE_HOME=$T/xdg HOME=$HE expect_ok "-l -o with XDG_CACHE_HOME set" wsl -l -o
assert_eq "  ...fetched fresh (no If-None-Match)" "GET /etag.json - -" "$(reqs "$CATLOG" "$m")"
check "  ...cached under \$XDG_CACHE_HOME/wsl" test -n "$(find "$T/xdg/wsl" -name 'catalog-*.json' 2>/dev/null)"
write_catalog "$T/catwww/etag.json" "beta|b-1|Beta One|true|$Z|$SZ" "New|new-1|Brand New|true|$Z|$SZ"
m=$(mark "$CATLOG")
HOME=$HE expect_ok "the list changed on the server" wsl -l -o
LIST1=$OUT
assert_match "  ...the new list is shown" "$OUT" "^new-1 +Brand New$"
assert_match "  ...after a request with the old ETag" "$(reqs "$CATLOG" "$m")" "^GET /etag.json - \""
assert_eq "  ...and it replaces the cache" "$(cat "$T/catwww/etag.json")" "$(cat "$cj" 2>&1)"
good=$(cat "$cj")
printf '{"ModernDistributions": {' >"$T/catwww/etag.json"
HOME=$HE expect_fail "the list turned malformed on the server" WSL_E_INVALID_JSON wsl -l -o
assert_eq "  ...the good cache is kept" "$good" "$(cat "$cj")"
stop_bg "$CATPID"
HOME=$HE expect_ok "server stopped: -l -o uses the cached list" wsl -l -o
assert_eq "  ...same list" "$LIST1" "$OUT"
assert_contains "  ...with a warning" "$ERR" "Using the distribution list cached on"
HOME=$HE expect_ok "server stopped: install from the cached list (image elsewhere)" inst b-1 --name fromcache
assert_contains "  ...with the warning" "$ERR" "cached"
check "  ...registered" reg_has fromcache
wsl --unregister fromcache >/dev/null 2>&1
H=$(fresh_dir home-nocache)
use_config "$H" "distributionListUrl = $CU/etag.json"
HOME=$H expect_fail "server stopped, no cache: -l -o fails" WININET_E_CANNOT_CONNECT wsl -l -o
assert_contains "  ...message" "$ERR" "Failed to fetch the distribution list from '$CU/etag.json'"
HOME=$H expect_fail "server stopped, no cache: --install fails" WININET_E_CANNOT_CONNECT inst b-1
assert_nothing_left "  no cache" b-1

# ---------------------------------------------------------------------------------------
note "5. --from-file"

expect_ok "--from-file FILE --name" inst --from-file "$WWW/img/e2e.tar.zst" --name ff1
assert_eq "  ...output" "Installing: e2e.tar.zst
Distribution successfully installed. It can be launched via 'wsl -d ff1'" "$OUT"
assert_eq "  ...installed" zst-image "$(marker_of ff1)"
assert_eq "  ...runOobe" True "$(reg_field ff1 runOobe)"
run bash -c 'cat "$1" | "$2" --install --from-file - --name ff2' _ "$WWW/img/named.tar.gz" "$WSL_BIN"
assert_eq "--from-file - from a pipe exits 0" 0 "$RC"
assert_eq "  ...installed" gz-image "$(marker_of ff2)"
expect_ok "-f FILE without --name takes [oobe] defaultName" inst -f "$WWW/img/named.tar.gz"
assert_contains "  ...launch hint names it" "$OUT" "'wsl -d namedbyimage'"
assert_eq "  ...registered as namedbyimage" gz-image "$(marker_of namedbyimage)"
names=$(reg_names | sort)
expect_fail "-f the same image again: its defaultName exists" ERROR_ALREADY_EXISTS inst -f "$WWW/img/named.tar.gz"
assert_eq "  ...registry names unchanged" "$names" "$(reg_names | sort)"
assert_eq "  ...no stray storage" "" "$(problems 0)"
assert_eq "  ...the first one intact" gz-image "$(marker_of namedbyimage)"
expect_fail "--from-file without --name or defaultName" WSL_E_DISTRIBUTION_NAME_NEEDED \
    inst --from-file "$WWW/img/e2e.tar.zst"
assert_contains "  ...says to use --name" "$ERR" "--name"
assert_eq "  ...registry names unchanged" "$names" "$(reg_names | sort)"
assert_eq "  ...no stray storage" "" "$(problems 0)"
head -c 300000 /dev/urandom >"$T/random.bin"
loc=$(fresh_path loc)
expect_fail "--from-file of a file that is not a tar (into a new --location)" "" \
    inst --from-file "$T/random.bin" --name notatar --location "$loc"
assert_contains "  ...a clear error" "$ERR" "not a tar archive"
assert_nothing_left "  not a tar" notatar "$loc"
expect_fail "--from-file of a missing file" ERROR_FILE_NOT_FOUND inst --from-file "$T/nosuch.tar" --name nofile
assert_contains "  ...in wsl.exe's words" "$ERR" "The system cannot find the file specified."
assert_nothing_left "  missing file" nofile
for n in ff1 ff2 namedbyimage; do wsl --unregister "$n" >/dev/null 2>&1; done

# ---------------------------------------------------------------------------------------
note "6. Ctrl-C and SIGTERM mid-download"

# interrupt SIGNAL WANT_RC NAME [ARGS...]: starts the slow install, signals it mid-download.
interrupt() {
    local sig=$1 want=$2 name=$3
    shift 3
    local m pid rc t0 el
    m=$(mark "$LOG")
    bg env --default-signal=INT,TERM "$WSL_BIN" --install f-slow --name "$name" "$@" \
        </dev/null >"$T/sig.out" 2>"$T/sig.err"
    pid=$BG_PID
    if ! wait_until 15 eval 'reqs "$LOG" "$m" | grep -q "^GET /slow/"'; then
        not_ok "$sig: the download started" "$(cat "$T/sig.out" "$T/sig.err")"
        stop_bg "$pid"
        return
    fi
    check "$sig: the extraction is under way" \
        wait_until 10 eval 'test -n "$(find "$T" -path "*/rootfs.partial/*" -print -quit 2>/dev/null)"'
    if [[ $sig == INT ]]; then
        local socks
        socks=$(inet_sockets "$SERVICE_PID")
        assert_eq "  ...the service (and its workers) hold no network socket" "" "$socks"
        check "  ...while the client does (the check can see sockets)" test -n "$(inet_sockets "$pid")"
    fi
    sleep 0.3
    t0=$(now_ms)
    kill "-$sig" "$pid"
    wait_until 15 pid_gone "$pid" || kill -9 "$pid"
    el=$(($(now_ms) - t0))
    wait "$pid"
    rc=$?
    forget_bg "$pid"
    assert_eq "  ...exit $want after SIG$sig" "$want" "$rc"
    check "  ...within 5 s (took ${el} ms)" test "$el" -lt 5000
    assert_not_contains "  ...no success line" "$(cat "$T/sig.out")" "successfully installed"
}
interrupt INT 130 sigint
assert_nothing_left "  SIGINT" sigint
loc=$(fresh_path loc)
interrupt TERM 143 sigterm --location "$loc"
assert_nothing_left "  SIGTERM with a created --location" sigterm "$loc"

# start_slow NAME: the slow install in the background, once the extraction is under way.
start_slow() {
    local m
    m=$(mark "$LOG")
    bg "$WSL_BIN" --install f-slow --name "$1" </dev/null >"$T/slow.out" 2>"$T/slow.err"
    SLOW_PID=$BG_PID
    wait_until 15 eval 'reqs "$LOG" "$m" | grep -q "^GET /slow/"' &&
        wait_until 10 eval 'test -n "$(find "$STATE" -path "*/rootfs.partial/*" -print -quit 2>/dev/null)"'
}
if start_slow sigkill; then
    kill -9 "$SLOW_PID"
    stop_bg "$SLOW_PID"
    check "client killed with SIGKILL: the service rolls back by itself" \
        wait_until 10 eval '! reg_has sigkill && test -z "$(problems 0)"'
    assert_nothing_left "  SIGKILL" sigkill
else
    not_ok "SIGKILL: the slow download started" "$(cat "$T/slow.out" "$T/slow.err")"
fi
if start_slow svc-crash; then
    t0=$(now_ms)
    kill_service 9
    wait_until 10 pid_gone "$SLOW_PID" || kill -9 "$SLOW_PID"
    el=$(($(now_ms) - t0))
    wait "$SLOW_PID"
    rc=$?
    forget_bg "$SLOW_PID"
    assert_eq "service killed mid-download: the client fails (exit 255)" 255 "$rc"
    check "  ...at once (took ${el} ms)" test "$el" -lt 5000
    assert_contains "  ...saying the service went away" "$(cat "$T/slow.err")" "Error code:"
    start_service "$STATE" "$SOCK"
    wsl -l -q >/dev/null 2>&1 # answered once the restarted service has repaired its registry
    assert_nothing_left "  after the service restarted" svc-crash
else
    not_ok "service crash: the slow download started" "$(cat "$T/slow.out" "$T/slow.err")"
fi

# ---------------------------------------------------------------------------------------
note "7. https"

CA=$T/certs/ca.crt
HT=$(fresh_dir home-tls)
write_catalog "$WWW/tls-catalog.json" "Tls|tls-zst|TLS E2E|true|$SU/img/e2e.tar.zst|$SZ"
use_config "$HT" "distributionListUrl = $SU/tls-catalog.json"
m=$(mark "$TLSLOG")
SSL_CERT_FILE=$CA HOME=$HT expect_ok "https catalog and image with SSL_CERT_FILE=ca.crt" inst tls
assert_eq "  ...installed" zst-image "$(marker_of tls-zst)"
assert_eq "  ...both fetched over TLS" "GET /tls-catalog.json
GET /img/e2e.tar.zst" "$(reqs "$TLSLOG" "$m" | cut -d' ' -f1,2)"
m=$(mark "$TLSLOG")
SSL_CERT_FILE=$T/certs/other-ca.crt expect_fail "https image with an untrusted certificate (other CA)" \
    WININET_E_INVALID_CA inst tls-img --name tlsbad
assert_contains "  ...message" "$ERR" "could not be verified"
assert_eq "  ...no request got through the handshake" "" "$(reqs "$TLSLOG" "$m")"
assert_nothing_left "  untrusted certificate" tlsbad
expect_fail "https image, test CA not in the system store" WININET_E_INVALID_CA inst tls-img --name tlsbad
assert_nothing_left "  system store" tlsbad
H=$(fresh_dir home-tls-bad)
use_config "$H" "distributionListUrl = $SU/tls-catalog.json"
SSL_CERT_FILE=$T/certs/other-ca.crt HOME=$H expect_fail "https catalog, untrusted, no cache" WININET_E_INVALID_CA wsl -l -o
wsl --unregister tls-zst >/dev/null 2>&1

# ---------------------------------------------------------------------------------------
note "8. proxies"

start_httpd proxy proxy
PP=$HTTPD_PORT PLOG=$T/proxy.log
m=$(mark "$PLOG")
http_proxy=http://127.0.0.1:$PP expect_ok "http_proxy: install through the proxy" inst e2e-zst --name px1
r=$(reqs "$PLOG" "$m")
assert_match "  ...the catalog in absolute form" "$r" "^GET $U/catalog.json "
assert_match "  ...the image in absolute form" "$r" "^GET $U/img/e2e.tar.zst "
assert_eq "  ...installed" zst-image "$(marker_of px1)"
m=$(mark "$PLOG")
http_proxy=http://127.0.0.1:$PP no_proxy=127.0.0.1 expect_ok "no_proxy=127.0.0.1 bypasses it" inst e2e-zst --name px2
assert_eq "  ...the proxy saw nothing" "" "$(reqs "$PLOG" "$m")"
http_proxy=http://127.0.0.1:$CLOSED expect_fail "http_proxy pointing at a closed port" WININET_E_CANNOT_CONNECT \
    inst e2e-zst --name px-dead
assert_contains "  ...the message names the proxy that refused" "$ERR" "127.0.0.1:$CLOSED"
assert_nothing_left "  dead proxy" px-dead
m=$(mark "$PLOG")
https_proxy=http://127.0.0.1:$PP SSL_CERT_FILE=$CA HOME=$HT expect_ok "https_proxy: https through CONNECT" \
    inst tls --name px3
assert_match "  ...the proxy tunnelled CONNECT 127.0.0.1:$SP" "$(reqs "$PLOG" "$m")" "^CONNECT 127.0.0.1:$SP "
assert_no_match "  ...and saw no plain request" "$(reqs "$PLOG" "$m")" "^GET "
assert_eq "  ...installed" zst-image "$(marker_of px3)"
for n in px1 px2 px3; do wsl --unregister "$n" >/dev/null 2>&1; done

# ---------------------------------------------------------------------------------------
note "9. another user"

create_test_users
UA=${TEST_USERS[0]} UB=${TEST_USERS[1]}
A_UID=$(id -u "$UA")
AH=$(getent passwd "$UA" | cut -d: -f6)
[[ -d $AH ]] || die "$UA has no home directory $AH"
rm -rf "$AH/.cache/wsl"
CLEANUP_PATHS+=("$AH/.wslconfig" "$AH/.cache/wsl")
printf '[general]\ndistributionListUrl = %s\n' "$U/catalog.json" >"$AH/.wslconfig"
chown "$UA:" "$AH/.wslconfig"
expect_ok "$UA installs e2e-zst as ua-only" uwsl "$UA" --install e2e-zst --name ua-only
cj=$(find "$AH/.cache/wsl" -name 'catalog-*.json' 2>/dev/null)
check "  ...the catalog cache is in $UA's home" test -n "$cj"
assert_eq "  ...owned by $UA" "$UA" "$(stat -c %U "$AH/.cache/wsl" $cj 2>&1 | sort -u)"
assert_eq "  ...registered for $UA" Installed "$(reg_field ua-only state "$A_UID")"
assert_eq "  ...in $UA's default storage" "$STATE/users/$A_UID/$(reg_field ua-only guid "$A_UID")" \
    "$(reg_field ua-only basePath "$A_UID")"
run uwsl "$UA" -d ua-only -- cat /etc/marker
assert_eq "  ...$UA runs it" zst-image "$OUT"
run uwsl "$UB" -l --all -q
assert_not_contains "$UB does not see it" "$OUT$ERR" "ua-only"
run wsl -l --all -q
assert_not_contains "root does not see it" "$OUT$ERR" "ua-only"
expect_fail "$UA: the same name again fails" ERROR_ALREADY_EXISTS uwsl "$UA" --install e2e-zst --name ua-only
# The client downloads with the caller's rights: a file:// image only root can read.
mkdir -p "$T/rootonly"
chmod 700 "$T/rootonly"
cp "$WWW/img/e2e.tar.zst" "$T/rootonly/"
write_catalog "$T/rootonly.json" "Ro|ro|Root only|true|file://$T/rootonly/e2e.tar.zst|$SZ"
printf '[general]\ndistributionListUrl = file://%s\n' "$T/rootonly.json" >"$AH/.wslconfig"
expect_fail "$UA: a file:// image only root can read" "" uwsl "$UA" --install ro
assert_contains "  ...permission denied" "$ERR" "Permission denied"
check "  ...not registered for $UA" not reg_has ro "$A_UID"
assert_eq "  ...no stray storage for $UA" "" "$(problems "$A_UID")"
H=$(fresh_dir home-ro)
use_config "$H" "distributionListUrl = file://$T/rootonly.json"
HOME=$H expect_ok "  ...while root installs it" inst ro
wsl --unregister ro >/dev/null 2>&1
assert_eq "  ...no stray storage for $UA" "" "$(problems "$A_UID")"
uwsl "$UA" --unregister ua-only >/dev/null 2>&1

# ---------------------------------------------------------------------------------------
note "10. the service makes no network requests"

ldd_out=$(ldd "$WSLSERVICE_BIN" 2>&1)
assert_no_match "wslservice does not link cpp-httplib" "$ldd_out" "httplib"
assert_no_match "  ...nor libssl" "$ldd_out" "libssl"
check "  ...while the client's download module does (the check can see it)" grep -q "httplib" \
    <<<"$(ldd "$(dirname "$WSL_BIN")/wsl-net.so" 2>&1)"
# Only commands that download load TLS: the wsl program links none of it.
assert_no_match "wsl itself links no TLS or HTTP library" "$(ldd "$WSL_BIN" 2>&1)" "libssl|libcrypto|httplib"
assert_no_match "  ...and --version, -l and --status load none" \
    "$(for a in --version -l --status; do LD_DEBUG=files "$WSL_BIN" $a 2>&1 </dev/null; done)" \
    "file=.*(libssl|libcrypto|httplib|wsl-net)"
check "  ...while a download loads the module (the check can see it)" grep -Eq "file=.*wsl-net" \
    <<<"$(HOME=$H LD_DEBUG=files "$WSL_BIN" -l -o 2>&1)"

printf '#!/bin/sh\nexec unshare --net "%s" "$@"\n' "$WSLSERVICE_BIN" >"$T/wslservice-nonet"
chmod 755 "$T/wslservice-nonet"
SAVED_SERVICE_PID=$SERVICE_PID SAVED_SOCK=$SOCK
WSLSERVICE_BIN=$T/wslservice-nonet start_service "$T/state-nonet" "$T/nonet.sock"
assert_ne "the second service runs in its own network namespace" "$(readlink /proc/self/ns/net)" \
    "$(readlink "/proc/$SERVICE_PID/ns/net")"
check "  ...from which 127.0.0.1:$P is unreachable" not nsenter --net="/proc/$SERVICE_PID/ns/net" \
    "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' "$P" 2>/dev/null
m=$(mark "$LOG")
expect_ok "install over http with the service offline" inst e2e-zst --name nonet
assert_match "  ...the client downloaded it" "$(reqs "$LOG" "$m")" "^GET /img/e2e.tar.zst "
assert_eq "  ...registered in that service's state" Installed "$(reg_field nonet state)"
run wsl -d nonet -- cat /etc/marker
assert_eq "  ...and it runs" zst-image "$OUT"
kill_service 15
STATE=$MAIN_STATE SOCK=$SAVED_SOCK SERVICE_PID=$SAVED_SERVICE_PID
export WSL_SERVICE_SOCKET=$SOCK

# ---------------------------------------------------------------------------------------

assert_eq "root's registry: only the two first installs remain" "e2e-gz e2e-zst" "$(reg_names | sort | xargs)"
assert_eq "no stray storage for root" "" "$(problems 0)"
check_registry
check "no rootfs.partial anywhere" test -z "$(find "$T" -name 'rootfs.partial*' -print -quit)"
check "service still running" service_alive
check "the test server is still running" kill -0 "$WWWPID"
finish
