# Sourced by the bench scripts: binaries, a private service, timing and medians.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WSL_BIN=${WSL_BIN:-$root/build/wsl}
WSLSERVICE_BIN=${WSLSERVICE_BIN:-$root/build/wslservice}
export WSL_DISABLE_WARNINGS=1 # a warning would land in the timed output

need_root() {
    [[ $EUID -eq 0 ]] || { echo "$(basename "$0"): run as root" >&2; exit 1; }
}

need_bins() {
    local b
    for b in "$WSL_BIN" "$WSLSERVICE_BIN"; do
        [[ -x $b ]] || { echo "$(basename "$0"): $b not found; build first (scripts/test.sh)" >&2; exit 1; }
    done
}

# A scratch directory, removed on exit together with the private service.
bench_dir=
bench_image=
bench_loop=
service_pid=
cleanup() {
    if [[ -n $service_pid ]]; then
        kill "$service_pid" 2>/dev/null || true
        wait "$service_pid" 2>/dev/null || true
    fi
    [[ -z $bench_dir ]] || cd /
    if [[ -n $bench_image ]]; then
        umount "$bench_dir" 2>/dev/null || umount -l "$bench_dir" 2>/dev/null || true
        [[ -z $bench_loop ]] || losetup -d "$bench_loop" 2>/dev/null || true
        rm -f "$bench_image"
    fi
    [[ -z $bench_dir ]] || rm -rf "$bench_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_bench_dir [SIZE]: a scratch directory under $WSL_BENCH_DIR (/var/tmp). With SIZE, it is
# a freshly made, loop-mounted, journaled ext4 of that size, so that every run writes to a
# fresh file system: on this project's journal-less ext4 disks, extracting soon after deleting
# a large tree is several times slower, which would swamp what is being measured. The loop
# device uses direct I/O: buffered, the host's writeback of the image file made runs late in
# a series twice as slow.
make_bench_dir() {
    local parent=${WSL_BENCH_DIR:-/var/tmp}
    bench_dir=$(mktemp -d "$parent/wsl-bench.XXXXXX")
    [[ -n ${1:-} ]] || return 0
    bench_image=$bench_dir.img
    if truncate -s "$1" "$bench_image" &&
        bench_loop=$(losetup --direct-io=on -f --show "$bench_image") &&
        mkfs.ext4 -q "$bench_loop" && mount "$bench_loop" "$bench_dir"; then
        return 0
    fi
    echo "$(basename "$0"): warning: could not loop-mount a fresh ext4; using $bench_dir as is" >&2
    [[ -z $bench_loop ]] || losetup -d "$bench_loop"
    rm -f "$bench_image"
    bench_image= bench_loop=
}

# start_service: runs a private wslservice on $bench_dir/wsl.sock with state in
# $bench_dir/state, and points every `wsl` call of this script at it.
start_service() {
    export WSL_SERVICE_SOCKET=$bench_dir/wsl.sock
    mkdir -p "$bench_dir/state"
    "$WSLSERVICE_BIN" --socket "$WSL_SERVICE_SOCKET" --state-dir "$bench_dir/state" \
        >"$bench_dir/service.log" 2>&1 &
    service_pid=$!
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -S $WSL_SERVICE_SOCKET ]] && return 0
        kill -0 "$service_pid" 2>/dev/null || break
        sleep 0.025
    done
    echo "$(basename "$0"): wslservice did not start; its log:" >&2
    cat "$bench_dir/service.log" >&2
    exit 1
}

# timed VAR CMD...: runs CMD, appends its wall time in seconds to the array VAR. Dirty pages
# of earlier steps are flushed first (untimed), so each command pays only for its own writes.
timed() {
    local -n _out=$1
    shift
    sync
    local t0=$EPOCHREALTIME
    "$@"
    local t1=$EPOCHREALTIME
    _out+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# report LABEL PEER OURS PEER_SECONDS BUDGET: both medians, their ratio and the budget.
report() {
    awk -v l="$1" -v p="$2" -v a="$3" -v b="$4" -v budget="$5" 'BEGIN {
        r = a / b
        printf "%-7s wsl %6.3f s   %-13s %6.3f s   ratio %.2f   budget <= %.2f   %s\n",
            l, a, p, b, r, budget, (r <= budget ? "within" : "OVER") }'
}

kib_of() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; }
