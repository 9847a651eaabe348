#!/usr/bin/env bash
# `wsl --install` of the real Debian minbase image (distros/debian/build.sh) over loopback
# HTTP, against the two halves it is made of, on the same file and the same server:
#   curl      curl -sf -o /dev/null URL                                   (the download alone)
#   zstd|tar  zstd -dc IMAGE | tar --numeric-owner -xpf - -C DIR          (the extraction alone)
#   install   wsl --install NAME --no-launch --location DIR               (download + SHA-256 +
#             extraction in the service's user namespace + registration), unregistered after
#             each run, untimed
# and, for context only, `sha256sum IMAGE` and the plain streaming pipeline
# `curl -sf URL | zstd -dc | tar -x`. Budget (the issue): the install median <= 1.15 x the
# slower of the curl and zstd|tar medians.
# The extraction targets (peers and installs) are on a fresh loop-mounted ext4 (see
# bench/lib.sh); the service, its state and the temporary HOME (whose ~/.wslconfig names the
# catalog) live there too. The image is served from its own directory on 127.0.0.1 by
# `busybox httpd` (static C, sendfile; why: see "the HTTP server" below). zstd|tar and install
# alternate their order from run to run. Besides wall times, the table shows CPU times: of the
# command's processes (for the install: the client), of the service with its workers, and of
# the rest of the machine meanwhile, which tells a run disturbed by other work on this 2-CPU
# machine. Prints each run, a table and the ratio; a comparison, not a pass/fail test.
# Env: RUNS (5), WSL_BENCH_HTTPD (busybox, or httpd.py = tests/e2e/httpd.py), WSL_BIN,
# WSLSERVICE_BIN, WSL_BENCH_DIR (/var/tmp), WSL_BENCH_FS_SIZE (8G), WSL_BENCH_NO_BUILD=1 to
# skip `cmake --build`.
set -euo pipefail
export LC_ALL=C
source "$(dirname "$0")/lib.sh"
need_root
runs=${RUNS:-5}
budget=1.15
me=$(basename "$0")
die() { echo "$me: $*" >&2; exit 1; }

for tool in curl zstd tar sha256sum python3; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
if [[ ${WSL_BENCH_NO_BUILD:-0} != 1 ]]; then
    [[ -f $root/build/build.ninja || -f $root/build/Makefile ]] ||
        die "$root/build is not configured; run scripts/test.sh once"
    if ! out=$(cmake --build "$root/build" --target wsl wslservice wsl-init 2>&1); then
        echo "$out" >&2
        die "the build failed"
    fi
fi
need_bins

# --- the image and its catalog entry ---------------------------------------------------------
manifest=$("$root/distros/debian/build.sh")
read -r image distro _ < <(python3 - "$manifest" <<'EOF'
import json, os, sys, urllib.parse
m = json.load(open(sys.argv[1]))
d = next(d for ds in m["ModernDistributions"].values() for d in ds)
u = d["Amd64Url"]
# The image sits beside its manifest, whatever base URL the manifest was last written with.
name = os.path.basename(urllib.parse.unquote(urllib.parse.urlparse(u["Url"]).path))
print(os.path.join(os.path.dirname(sys.argv[1]), name), d["Name"], u["Sha256"])
EOF
)
[[ -s $image ]] || die "no image at $image (from $manifest)"
image_dir=$(dirname "$image")
image_file=$(basename "$image")
image_bytes=$(stat -c %s "$image")

make_bench_dir "${WSL_BENCH_FS_SIZE:-8G}"
[[ -n $bench_image ]] || die "this benchmark needs the loop-mounted ext4 (see the warning above)"

# --- the HTTP server ---------------------------------------------------------------------------
# busybox httpd by default: a fork per connection that sends the file with sendfile(2), about
# 10 ms of CPU per 56 MB download, against ~35 ms for Python's http.server or
# tests/e2e/httpd.py (64 KiB copies). All three deliver the file to curl in ~40 ms, 15x faster
# than the extraction, but on 2 CPUs a server's CPU is taken from the install it serves.
server_pid=
server_kind=${WSL_BENCH_HTTPD:-}
if [[ -z $server_kind ]]; then
    # (grep reads all of the list: with -q, busybox could die of SIGPIPE and fail the pipeline)
    if command -v busybox >/dev/null && busybox --list 2>/dev/null | grep -x httpd >/dev/null; then
        server_kind=busybox
    else
        server_kind=httpd.py
    fi
fi
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
start_server() {
    local port attempt i
    for ((attempt = 0; attempt < 5; attempt++)); do
        case $server_kind in
            busybox)
                port=$(free_port)
                busybox httpd -f -p "127.0.0.1:$port" -h "$image_dir" \
                    >"$bench_dir/httpd.log" 2>&1 </dev/null &
                server_pid=$!
                ;;
            httpd.py)
                rm -f "$bench_dir/httpd.port"
                python3 "$root/tests/e2e/httpd.py" serve --root "$image_dir" \
                    --port-file "$bench_dir/httpd.port" >"$bench_dir/httpd.log" 2>&1 </dev/null &
                server_pid=$!
                for ((i = 0; i < 200; i++)); do
                    [[ -s $bench_dir/httpd.port ]] && break
                    sleep 0.025
                done
                port=$(cat "$bench_dir/httpd.port" 2>/dev/null || echo 0)
                ;;
            *) die "WSL_BENCH_HTTPD must be busybox or httpd.py" ;;
        esac
        url=http://127.0.0.1:$port/$image_file
        for ((i = 0; i < 200; i++)); do
            kill -0 "$server_pid" 2>/dev/null || break
            if curl -sfI -o /dev/null "$url"; then return 0; fi
            sleep 0.025
        done
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    done
    cat "$bench_dir/httpd.log" >&2
    die "the $server_kind HTTP server did not start"
}

bench_cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    cleanup # lib.sh: the service, the mount, the scratch directory
}
trap bench_cleanup EXIT

start_server
start_service
cd "$bench_dir"

# A private HOME whose ~/.wslconfig points at a catalog with the image's entry, served by HTTP.
mkdir home
python3 - "$manifest" "$url" >catalog.json <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
d = next(d for ds in m["ModernDistributions"].values() for d in ds)
d["Amd64Url"]["Url"] = sys.argv[2]
d.pop("Arm64Url", None)
print(json.dumps({"ModernDistributions": {"Debian": [d]}}, indent=2))
EOF
printf '[general]\ndistributionListUrl = file://%s/catalog.json\n' "$bench_dir" >home/.wslconfig
export HOME=$bench_dir/home

echo "image: $image ($((image_bytes >> 20)) MiB, $distro), served by $server_kind at $url"
echo "$runs runs each, in $bench_dir (fresh ext4 on $bench_loop)"

# --- the measured commands ---------------------------------------------------------------------
peer_curl() { curl -sf -o /dev/null "$url"; }
peer_extract() { mkdir "$1" && zstd -dc "$image" | tar --numeric-owner -xpf - -C "$1"; }
peer_stream() { mkdir "$1" && curl -sf "$url" | zstd -dc | tar --numeric-owner -xpf - -C "$1"; }
peer_sha() { sha256sum "$image" >/dev/null; }
wsl_install() { "$WSL_BIN" --install "$distro" --no-launch --location "$1" >/dev/null; }
unregister() { "$WSL_BIN" --unregister "$distro" >/dev/null; }

# CPU seconds so far of this shell's waited-for children (`times`, second line) and of the
# service with its reaped workers (/proc: utime+stime+cutime+cstime, in clock ticks).
tick=$(getconf CLK_TCK)
# shell_cpu sets shell_cpu_s: `times` must run in this shell, not in a $(...) subshell.
shell_cpu_s=
shell_cpu() {
    times >"$bench_dir/times.txt"
    shell_cpu_s=$(awk 'NR == 2 {
        s = 0
        for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); s += p[1] * 60 + p[2] }
        printf "%.4f", s }' "$bench_dir/times.txt")
}
service_cpu() {
    awk -v t="$tick" '{ printf "%.4f", ($14 + $15 + $16 + $17) / t }' "/proc/$service_pid/stat"
}
# CPU seconds the whole machine has been busy (not idle or waiting for I/O), all CPUs.
machine_cpu() {
    awk -v t="$tick" '$1 == "cpu" { printf "%.4f", ($2 + $3 + $4 + $7 + $8 + $9) / t; exit }' /proc/stat
}

# measure KEY CMD...: appends to wall[KEY] the wall time (lib.sh's timed: dirty pages flushed
# first, untimed), to cpu[KEY] the CPU time of the command's processes, to svc[KEY] the
# service's (with its workers) and to other[KEY] that of everything else on the machine in the
# meantime: the HTTP server, kernel threads (the loop device, writeback) and other users.
declare -A wall cpu svc other
measure() {
    local key=$1 c0 s0 m0 c1 s1 m1 c s o
    shift
    sync
    shell_cpu
    c0=$shell_cpu_s s0=$(service_cpu) m0=$(machine_cpu)
    local t=()
    timed t "$@"
    shell_cpu
    c1=$shell_cpu_s s1=$(service_cpu) m1=$(machine_cpu)
    wall[$key]+=" ${t[0]}"
    read -r c s o < <(awk -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v m0="$m0" \
        -v m1="$m1" 'BEGIN { c = c1 - c0; s = s1 - s0; o = m1 - m0 - c - s
        printf "%.4f %.4f %.4f\n", c, s, o < 0 ? 0 : o }')
    cpu[$key]+=" $c" svc[$key]+=" $s" other[$key]+=" $o"
}

# --- warm-up and sanity, untimed ---------------------------------------------------------------
got=$(curl -sf -o /dev/null -w '%{size_download}' "$url")
[[ $got == "$image_bytes" ]] || die "curl got $got bytes of $url, not $image_bytes"
cat "$image" >/dev/null
peer_extract warm-peer
wsl_install "$bench_dir/warm-install"
entries() { find "$1" | wc -l; }
size_mb() { du -sm --apparent-size "$1" | cut -f1; }
echo "extracted: zstd|tar $(entries warm-peer) entries, $(size_mb warm-peer) MB;" \
    "install $(entries warm-install/private/rootfs) entries, $(size_mb warm-install/private/rootfs) MB" \
    "(it skips device nodes)"
unregister
rm -rf warm-peer warm-install

# --- the runs ----------------------------------------------------------------------------------
# Every tree is removed right after its run, untimed, peers' as installs': both sides then
# extract into a file system with the same history.
for ((i = 1; i <= runs; i++)); do
    measure curl peer_curl
    if ((i % 2)); then
        measure install wsl_install "$bench_dir/inst-$i"
        unregister
        measure extract peer_extract "peer-$i"
    else
        measure extract peer_extract "peer-$i"
        measure install wsl_install "$bench_dir/inst-$i"
        unregister
    fi
    rm -rf "peer-$i" "inst-$i"
    measure sha peer_sha
    measure stream peer_stream "stream-$i"
    rm -rf "stream-$i"
done

# --- the table ---------------------------------------------------------------------------------
stat_of() { # stat_of WORDS: "median min max"
    # shellcheck disable=SC2086
    printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.4f %.4f %.4f\n", m, v[1], v[NR] }'
}
echo "each run, wall seconds (CPU seconds used by the rest of the machine meanwhile):"
for k in curl extract install sha stream; do
    read -ra w <<<"${wall[$k]}"
    read -ra o <<<"${other[$k]}"
    line=
    for ((j = 0; j < ${#w[@]}; j++)); do line+=$(printf ' %.3f (%.2f)' "${w[j]}" "${o[j]}"); done
    printf '  %-8s%s\n' "$k" "$line"
done
echo
fmt='%-44s %8s %6s %6s %6s | %6s %6s %6s\n'
# shellcheck disable=SC2059
printf "$fmt" "wall time, seconds" median min max MB/s "cmd" "svc" "other"
row() { # row KEY LABEL
    local m lo hi c s o
    read -r m lo hi < <(stat_of "${wall[$1]}")
    read -r c _ _ < <(stat_of "${cpu[$1]}")
    read -r s _ _ < <(stat_of "${svc[$1]}")
    read -r o _ _ < <(stat_of "${other[$1]}")
    awk -v f="$fmt" -v l="$2" -v m="$m" -v lo="$lo" -v hi="$hi" -v c="$c" -v s="$s" -v o="$o" \
        -v b="$image_bytes" 'BEGIN {
        printf f, l, sprintf("%.3f", m), sprintf("%.3f", lo), sprintf("%.3f", hi),
            sprintf("%.0f", b / m / 1e6), sprintf("%.3f", c), sprintf("%.3f", s), sprintf("%.3f", o) }'
}
row curl "(a) curl -o /dev/null URL"
row extract "(b) zstd -dc IMAGE | tar -x"
row install "(c) wsl --install --no-launch --location"
row sha "(d) sha256sum IMAGE (context)"
row stream "(e) curl URL | zstd -dc | tar -x (context)"
echo "(MB/s: of the compressed image. CPU seconds, medians, right of |: cmd = the command's own"
echo " processes (for the install, the client), svc = the service and its workers, other = the"
echo " rest of the machine meanwhile: HTTP server, kernel threads, other users; much of it"
echo " means a busy machine and numbers to take with care.)"
m_curl=$(stat_of "${wall[curl]}" | cut -d' ' -f1)
m_extract=$(stat_of "${wall[extract]}" | cut -d' ' -f1)
m_install=$(stat_of "${wall[install]}" | cut -d' ' -f1)
m_stream=$(stat_of "${wall[stream]}" | cut -d' ' -f1)
echo
awk -v i="$m_install" -v a="$m_curl" -v b="$m_extract" -v e="$m_stream" -v budget="$budget" \
    'BEGIN {
    peer = a > b ? a : b
    r = i / peer
    printf "install / max(curl, zstd|tar) = %.3f / %.3f = %.3f   budget <= %.2f   %s\n",
        i, peer, r, budget, (r <= budget ? "PASS" : "OVER")
    printf "(for context: install / (curl | zstd -dc | tar -x) = %.3f)\n", i / e }'
# Other work on the machine slows both sides, but not equally: say so when there was much.
o_extract=$(stat_of "${other[extract]}" | cut -d' ' -f1)
o_install=$(stat_of "${other[install]}" | cut -d' ' -f1)
awk -v a="$o_extract" -v b="$o_install" 'BEGIN {
    if (a > 0.15 || b > 0.15)
        printf "WARNING: the machine was busy with other work (median %.2f / %.2f CPU s per " \
            "zstd|tar / install run): rerun when it is quiet, or with more RUNS\n", a, b }'
