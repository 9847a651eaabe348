#!/usr/bin/env bash
# Prints the path of a cached real Debian minbase rootfs tarball, building it first
# (mmdebstrap, ~80 s, needs root and Debian's mirror) when it is not there yet.
# Shared by scripts/demo.sh and bench/.
set -euo pipefail

tarball=${WSL_DEBIAN_TARBALL:-/var/cache/wsl-tests/debian-minbase.tar}
if [[ ! -s $tarball ]]; then
    echo "building $tarball with mmdebstrap (once; about a minute)..." >&2
    mkdir -p "$(dirname "$tarball")"
    mmdebstrap --variant=minbase --quiet bookworm "$tarball.partial.tar" >&2
    mv "$tarball.partial.tar" "$tarball"
fi
echo "$tarball"
