#!/usr/bin/env bash
# Export and import speed against the plain tools, on a real Debian minbase rootfs.
#   export: wsl --export X f.tar.zst           vs  bsdtar --zstd -cf f.tar.zst -C rootfs .
#   import: wsl --import Yi dir_i f.tar.zst     vs  zstd -dc f.tar.zst | tar -xpf - -C dir_i
# wsl writes both to disk before it reports success (syncfs, fsync), so each peer is also
# timed followed by `sync -f` on what it wrote: the fair comparison, printed as well.
# and, for reference, export vs the multi-threaded pipe DESIGN.md names:
#   tar -cf - -C rootfs . | zstd -3 -T0 > f.tar.zst
# Prints medians and ratios with their budgets; a comparison, not a pass/fail test.
# Runs on a fresh loop-mounted ext4 (see bench/lib.sh), removed at the end.
# Env: RUNS (5), WSL_BIN, WSLSERVICE_BIN, WSL_BENCH_DIR (/var/tmp), WSL_BENCH_FS_SIZE (8G),
# WSL_DEBIAN_TARBALL.
set -euo pipefail
export LC_ALL=C
source "$(dirname "$0")/lib.sh"
need_root
need_bins
runs=${RUNS:-5}

tar_file=$("$root/scripts/debian-rootfs.sh")
zst=${tar_file%.tar}.tar.zst
if [[ ! -s $zst || $zst -ot $tar_file ]]; then
    zstd -3 -T0 -q -f "$tar_file" -o "$zst.partial" && mv "$zst.partial" "$zst"
fi

make_bench_dir "${WSL_BENCH_FS_SIZE:-8G}"
start_service
cd "$bench_dir"
echo "rootfs: $zst ($(du -h "$zst" | cut -f1) compressed), $runs runs each, in $bench_dir"

# The same rootfs twice: one registered distro to export, one plain copy for bsdtar.
"$WSL_BIN" --import BenchSrc "$bench_dir/src" "$zst" >/dev/null
mkdir ref
tar --numeric-owner -xpf "$tar_file" -C ref

# Warm the page cache and both code paths once, untimed.
"$WSL_BIN" --export BenchSrc warm.tar.zst >/dev/null
bsdtar --zstd -cf warm-peer.tar.zst -C ref .
"$WSL_BIN" --import Warm "$bench_dir/warm" "$zst" >/dev/null
mkdir warm-peer && zstd -dc "$zst" | tar --numeric-owner -xpf - -C warm-peer
# Nothing is deleted until the end: deleting big trees slows the next extraction down.

peer_pipe_export() { tar --numeric-owner -cf - -C "$1" . | zstd -3 -T0 -q >"$2"; }
peer_import() { mkdir "$2" && zstd -dc "$1" | tar --numeric-owner -xpf - -C "$2"; }
peer_import_sync() { peer_import "$@" && sync -f "$2"; }
peer_export_sync() { bsdtar --zstd -cf "$2" -C "$1" . && sync -f "$2"; }

exp_wsl=() exp_peer=() exp_pipe=() imp_wsl=() imp_peer=() exp_sync=() imp_sync=()
for ((i = 1; i <= runs; i++)); do
    timed exp_wsl "$WSL_BIN" --export BenchSrc "out-$i.tar.zst" >/dev/null
    timed exp_peer bsdtar --zstd -cf "peer-$i.tar.zst" -C ref .
    timed exp_pipe peer_pipe_export ref "pipe-$i.tar.zst"
    timed imp_wsl "$WSL_BIN" --import "Y$i" "$bench_dir/imp-$i" "$zst" >/dev/null
    timed imp_peer peer_import "$zst" "peer-imp-$i"
    timed exp_sync peer_export_sync ref "peer-sync-$i.tar.zst"
    timed imp_sync peer_import_sync "$zst" "peer-sync-imp-$i"
done

# Sanity: both sides produced the same thing.
size_mb() { du -m --apparent-size "$1" | cut -f1; }
entries() { find "$1" | wc -l; }
echo "export size: wsl $(size_mb out-1.tar.zst) MB, bsdtar $(size_mb peer-1.tar.zst) MB;" \
    "import entries: wsl $(entries imp-1/private/rootfs), tar $(entries peer-imp-1)"
echo "export times: wsl ${exp_wsl[*]} | bsdtar ${exp_peer[*]} | tar|zstd ${exp_pipe[*]}"
echo "import times: wsl ${imp_wsl[*]} | zstd|tar ${imp_peer[*]}"
m_exp=$(median "${exp_wsl[@]}")
report export bsdtar "$m_exp" "$(median "${exp_peer[@]}")" 1.00
report import "zstd|tar" "$(median "${imp_wsl[@]}")" "$(median "${imp_peer[@]}")" 1.05
report export "tar|zstd -T0" "$m_exp" "$(median "${exp_pipe[@]}")" 1.10
echo "(that line is for reference: DESIGN.md's export peer and budget)"
report export "bsdtar; sync -f" "$m_exp" "$(median "${exp_sync[@]}")" 1.00
report import "zstd|tar; sync -f" "$(median "${imp_wsl[@]}")" "$(median "${imp_sync[@]}")" 1.05
echo "(the last two: peers that also write their output to disk, as wsl does before it says done)"

for name in BenchSrc Warm $(seq -f 'Y%g' "$runs"); do "$WSL_BIN" --unregister "$name" >/dev/null; done
