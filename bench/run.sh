#!/usr/bin/env bash
# The version 1 runtime against its peers, in the same run, on one real Debian minbase distro
# ("Bench", imported once into a fresh directory; ~/.wslconfig says instanceIdleTimeout=-1 so
# that it stays up between the warm runs).
#   warm   `wsl -d Bench -- true`, median of 200 runs   vs  `nsenter -t <init> -a true` into the
#          same running distro (budget: ratio <= 1.5); `wsl -d Bench -e true` for information
#   cold   Stopped -> `wsl -d Bench -- true` done, median of 30 (`wsl --terminate` before each
#          run, untimed; budget <= 25 ms absolute), beside `systemd-nspawn ... /bin/true` on a
#          separately extracted copy of the same rootfs, median of 10
#   read   a 1 GiB file in the page cache, read through /mnt/host: `wsl -d Bench -- cat F`
#          vs host `cat F`, stdout to /dev/null and, to rule out shortcuts, into a pipe drained
#          by a host `cat`; best of 5 each, interleaved (budget: wsl/host speed >= 0.95); the
#          pipes again with both ends pinned to one CPU, as placement dominates pipe speed here
# Prints a table: measure | wsl | peer | ratio | budget.  A comparison, not a pass/fail test.
# Env: WARM_RUNS (200), COLD_RUNS (30), NSPAWN_RUNS (10), READ_RUNS (5), READ_SIZE_MIB (1024),
# WSL_BIN, WSLSERVICE_BIN, WSL_BENCH_DIR (/var/tmp; must be on the host's root file system, as
# /mnt/host shows the root mount alone), WSL_DEBIAN_TARBALL.
set -euo pipefail
export LC_ALL=C
source "$(dirname "$0")/lib.sh"
need_root
need_bins
for tool in hyperfine nsenter systemd-nspawn python3; do
    command -v "$tool" >/dev/null || { echo "$(basename "$0"): $tool not found" >&2; exit 1; }
done
warm_runs=${WARM_RUNS:-200}
cold_runs=${COLD_RUNS:-30}
nspawn_runs=${NSPAWN_RUNS:-10}
read_runs=${READ_RUNS:-5}
read_mib=${READ_SIZE_MIB:-1024}

tar_file=$("$root/scripts/debian-rootfs.sh")
make_bench_dir
start_service
cd "$bench_dir"

# Leave no running distro behind, whatever happens: unregister (which stops it) while the
# service is still there, then lib.sh's cleanup stops the service and removes the directory.
imported=
bench_cleanup() {
    if [[ -n $imported ]] && kill -0 "$service_pid" 2>/dev/null; then
        timeout 30 "$WSL_BIN" --unregister Bench >/dev/null 2>&1 || true
    fi
    cleanup
}
trap bench_cleanup EXIT

# A private HOME whose .wslconfig keeps the distro running while idle.
mkdir home
printf '[general]\ninstanceIdleTimeout=-1\n' >home/.wslconfig
export HOME=$bench_dir/home

echo "rootfs: $tar_file; in $bench_dir"
imported=1
"$WSL_BIN" --import Bench "$bench_dir/distro" "$tar_file" >/dev/null
mkdir ref # the same rootfs for systemd-nspawn, owned by the host's ids
tar --numeric-owner -xpf "$tar_file" -C ref

# init_pid: the host pid of the running distro's init, a child of this script's service whose
# command line is "wsl-init instance".
init_pid() {
    local p
    for p in $(pgrep -P "$service_pid"); do
        if [[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == "wsl-init instance " ]]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# hf_stats JSON KEY: KEY (median, min, ...) of each result of a hyperfine export, in ms.
hf_stats() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(" ".join("%.3f" % (x[sys.argv[2]] * 1000) for x in r))' "$1" "$2"
}

hf() { # hf JSON ARGS...: hyperfine, quiet unless it fails
    local json=$1
    shift
    hyperfine -N --style none --export-json "$json" "$@" >"$json.txt" 2>&1 ||
        { cat "$json.txt" >&2; exit 1; }
}

# --- warm ---------------------------------------------------------------------------------
"$WSL_BIN" -d Bench -- true
pid=$(init_pid) || { echo "$(basename "$0"): no running init after a first run" >&2; exit 1; }
[[ $(nsenter -t "$pid" -a cat /etc/debian_version) == "$(cat ref/etc/debian_version)" ]] ||
    { echo "$(basename "$0"): nsenter into $pid does not reach the distro" >&2; exit 1; }
echo "warm: init is host pid $pid; $warm_runs runs each"
hf warm.json --warmup 20 --runs "$warm_runs" \
    "$WSL_BIN -d Bench -- true" "$WSL_BIN -d Bench -e true" "nsenter -t $pid -a true"
read -r warm_sh warm_e warm_ns < <(hf_stats warm.json median)
read -r min_sh _ min_ns < <(hf_stats warm.json min)
pid_after=$(init_pid || echo none)
[[ $pid_after == "$pid" ]] ||
    echo "WARNING: init changed during the warm runs ($pid -> $pid_after): the distro restarted" >&2

# --- cold ---------------------------------------------------------------------------------
"$WSL_BIN" --terminate Bench >/dev/null
state=$("$WSL_BIN" -l -v | awk '{ n = $1; s = $2 } $1 == "*" { n = $2; s = $3 } n == "Bench" { print s }')
[[ $state == Stopped ]] || echo "WARNING: Bench is '$state' right after --terminate" >&2
echo "cold: $cold_runs runs of terminate (untimed) + run; systemd-nspawn $nspawn_runs runs"
hf cold.json --warmup 2 --runs "$cold_runs" --prepare "$WSL_BIN --terminate Bench" \
    "$WSL_BIN -d Bench -- true"
hf nspawn.json --warmup 1 --runs "$nspawn_runs" \
    "systemd-nspawn --register=no --keep-unit -q -D $bench_dir/ref /bin/true"
read -r cold_wsl < <(hf_stats cold.json median)
read -r cold_ns < <(hf_stats nspawn.json median)
read -r cold_min cold_max < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.3f %.3f" % (r["min"] * 1000, r["max"] * 1000))' cold.json)

# --- read ---------------------------------------------------------------------------------
# The distro's root is an unprivileged host uid: it needs a way through to the file.
chmod 711 "$bench_dir"
mkdir -m 755 data
big=$bench_dir/data/big
python3 -c '
import os, sys
block = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as f:
    for _ in range(int(sys.argv[2])):
        f.write(block)' "$big" "$read_mib"
chmod 644 "$big"
"$WSL_BIN" -d Bench -- true # running again, untimed
bytes=$("$WSL_BIN" -d Bench -- cat "/mnt/host$big" | wc -c) # also warms the page cache
[[ $bytes == $((read_mib << 20)) ]] ||
    { echo "$(basename "$0"): wsl read $bytes bytes of /mnt/host$big" >&2; exit 1; }
cat "$big" >/dev/null
echo "read: $read_mib MiB file, best of $read_runs, interleaved; then the pipes on one CPU"
pid=$(init_pid) || { echo "$(basename "$0"): no running init" >&2; exit 1; }
read -r rd_wsl rd_host rp_wsl rp_host rq_wsl rq_host rpm_wsl rpm_host < <(
    python3 - "$WSL_BIN" "$big" "$read_runs" "$pid" <<'EOF'
import os, subprocess, sys, time
wsl, big, runs, init = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
size = os.path.getsize(big)
null = open(os.devnull, "wb")

def direct(argv):
    t0 = time.perf_counter()
    rc = subprocess.run(argv, stdout=null).returncode
    t = time.perf_counter() - t0
    if rc != 0:
        sys.exit("%s exited %d" % (argv, rc))
    return t

def piped(argv, cpus=None):
    pre = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    t0 = time.perf_counter()
    a = subprocess.Popen(argv, stdout=subprocess.PIPE, preexec_fn=pre)
    b = subprocess.Popen(["cat"], stdin=a.stdout, stdout=null, preexec_fn=pre)
    a.stdout.close()
    ra, rb = a.wait(), b.wait()
    t = time.perf_counter() - t0
    if ra or rb:
        sys.exit("%s | cat exited %d, %d" % (argv, ra, rb))
    return t

def set_init_affinity(cpus):  # the distro's processes are forked by init: they inherit it
    for tid in os.listdir("/proc/%d/task" % init):
        os.sched_setaffinity(int(tid), cpus)

w = [wsl, "-d", "Bench", "--", "cat", "/mnt/host" + big]
h = ["cat", big]
t = {k: [] for k in ("dw", "dh", "pw", "ph", "qw", "qh")}
for _ in range(runs):
    t["dw"].append(direct(w))
    t["dh"].append(direct(h))
    t["pw"].append(piped(w))
    t["ph"].append(piped(h))
# Here a pipe's speed depends mostly on whether its writer and reader share a CPU (waking the
# other vCPU costs a lot in a VM), which varies run to run by up to 4x. Pinning both ends to
# one CPU, on both sides, takes the placement out.
mask = os.sched_getaffinity(init)
cpu = {min(os.sched_getaffinity(0))}
set_init_affinity(cpu)
try:
    for _ in range(runs):
        t["qw"].append(piped(w, cpu))
        t["qh"].append(piped(h, cpu))
finally:
    set_init_affinity(mask)
gib = size / (1 << 30)
med = lambda v: sorted(v)[len(v) // 2]
out = ["%.3f" % (gib / min(t[k])) for k in ("dw", "dh", "pw", "ph", "qw", "qh")]
out += ["%.3f" % (gib / med(t[k])) for k in ("pw", "ph")]
print(" ".join(out))
EOF
)

# --- table --------------------------------------------------------------------------------
echo
awk -v ws="$warm_sh" -v we="$warm_e" -v wn="$warm_ns" -v ms="$min_sh" -v mn="$min_ns" \
    -v cw="$cold_wsl" -v cn="$cold_ns" -v cmin="$cold_min" -v cmax="$cold_max" \
    -v dw="$rd_wsl" -v dh="$rd_host" -v pw="$rp_wsl" -v ph="$rp_host" -v qw="$rq_wsl" \
    -v qh="$rq_host" -v pmw="$rpm_wsl" -v pmh="$rpm_host" -v sz="$read_mib MiB" -v sz_mib="$read_mib" \
    -v wr="$warm_runs" -v cr="$cold_runs" -v nr="$nspawn_runs" -v rr="$read_runs" 'BEGIN {
    fmt = "%-40s | %-12s | %-16s | %-5s | %s\n"
    printf fmt, "measure", "wsl", "peer", "ratio", "budget"
    printf fmt, "----------------------------------------", "------------", "----------------",
        "-----", "---------------"
    row("warm `-- true`, median of " wr, ms_(ws), "nsenter " ms_(wn), ws / wn, "<= 1.50", ws / wn <= 1.5)
    row("warm `-e true`, median (info)", ms_(we), "nsenter " ms_(wn), we / wn, "-")
    row("warm `-- true`, min (info)", ms_(ms), "nsenter " ms_(mn), ms / mn, "-")
    row("cold `-- true`, median of " cr " (nspawn " nr ")", ms_(cw), "nspawn " ms_(cn), cw / cn,
        "<= 25 ms", cw <= 25)
    row("read " sz " >/dev/null, best of " rr, gs(dw), "cat " gs(dh), dw / dh, ">= 0.95", dw / dh >= 0.95)
    g = sz_mib / 1024; adj = g / (g / dw - ws / 1000)
    row("  same, less warm `-- true` (info)", gs(adj), "cat " gs(dh), adj / dh, "-")
    row("read " sz " | cat, best of " rr, gs(pw), "cat " gs(ph), pw / ph, ">= 0.95", pw / ph >= 0.95)
    row("read " sz " | cat, median (info)", gs(pmw), "cat " gs(pmh), pmw / pmh, "-")
    row("read " sz " | cat, one CPU, best of " rr, gs(qw), "cat " gs(qh), qw / qh, ">= 0.95",
        qw / qh >= 0.95)
    printf "cold wsl range %.1f .. %.1f ms. Ratios: wsl/peer for times, wsl/host for speeds.\n",
        cmin, cmax
}
function ms_(x) { return sprintf("%.3f ms", x) }
function gs(x) { return sprintf("%.2f GiB/s", x) }
function row(label, a, b, r, budget, ok) {
    printf fmt, label, a, b, sprintf("%.3f", r), budget (budget == "-" ? "" : ok ? " within" : " OVER")
}'

"$WSL_BIN" --unregister Bench >/dev/null
imported=
