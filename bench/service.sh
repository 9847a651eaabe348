#!/usr/bin/env bash
# Service footprint and list latency.
#   idle RSS of wslservice after start and after a few `wsl -l` calls (budget <= 10 MiB)
#   `wsl -l` median over 200 runs with hyperfine, /bin/true as the peer
#     (budget <= 2 ms and <= 3x /bin/true)
#   `wsl --version` median, /bin/true as the peer (budget <= 1.5x: no TLS or HTTP loaded)
# A comparison, not a pass/fail test.  Env: RUNS (200), WSL_BIN, WSLSERVICE_BIN, WSL_BENCH_DIR.
set -euo pipefail
export LC_ALL=C
source "$(dirname "$0")/lib.sh"
need_root
need_bins
runs=${RUNS:-200}

make_bench_dir
start_service
cd "$bench_dir"
sleep 0.2
rss_start=$(kib_of "$service_pid" VmRSS)

# A tiny distro, so that `wsl -l` lists something and exits 0.
mkdir -p tiny/etc tiny/bin
printf 'ID=bench\nVERSION_ID=1\n' >tiny/etc/os-release
tar --numeric-owner -cf tiny.tar -C tiny .
"$WSL_BIN" --import Tiny "$bench_dir/tiny-distro" tiny.tar >/dev/null
for ((i = 0; i < 5; i++)); do "$WSL_BIN" -l >/dev/null; done
sleep 0.2
rss_list=$(kib_of "$service_pid" VmRSS)
hwm=$(kib_of "$service_pid" VmHWM)

hyperfine -N --warmup 20 --runs "$runs" --export-json list.json \
    "$WSL_BIN -l" "$WSL_BIN --version" /bin/true >hyperfine.txt 2>&1 ||
    { cat hyperfine.txt >&2; exit 1; }
read -r list_ms version_ms true_ms < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(" ".join("%.3f" % (x["median"] * 1000) for x in r))' list.json)

awk -v a="$rss_start" -v b="$rss_list" -v h="$hwm" 'BEGIN {
    printf "idle RSS  after start %.2f MiB, after 5 lists %.2f MiB (peak %.2f MiB)   budget <= 10 MiB   %s\n",
        a / 1024, b / 1024, h / 1024, (b <= 10240 ? "within" : "OVER") }'
awk -v a="$list_ms" -v b="$true_ms" -v n="$runs" 'BEGIN {
    printf "wsl -l    median %.3f ms over %d runs   /bin/true %.3f ms   ratio %.2f   budget <= 2 ms, <= 3x   %s\n",
        a, n, b, a / b, (a <= 2 && a / b <= 3 ? "within" : "OVER") }'
awk -v a="$version_ms" -v b="$true_ms" 'BEGIN {
    printf "wsl --version  median %.3f ms   /bin/true %.3f ms   ratio %.2f   budget <= 1.5x   %s\n",
        a, b, a / b, (a / b <= 1.5 ? "within" : "OVER") }'

"$WSL_BIN" --unregister Tiny >/dev/null
