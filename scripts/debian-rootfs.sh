#!/usr/bin/env bash
# Prints the path of a cached real Debian rootfs tarball, building it first (mmdebstrap,
# ~80 s, needs root and Debian's mirror) when it is not there yet.
#   debian-rootfs.sh           minbase (WSL_DEBIAN_TARBALL overrides the path)
#   debian-rootfs.sh systemd   minbase + systemd, with logind sessions (libpam-systemd) and a
#                              user bus (dbus-user-session), for boot.systemd tests
# Shared by scripts/demo.sh, tests and bench/.
set -euo pipefail

flavor=${1:-minbase}
case $flavor in
    minbase)
        tarball=${WSL_DEBIAN_TARBALL:-/var/cache/wsl-tests/debian-minbase.tar}
        include=()
        ;;
    systemd)
        tarball=/var/cache/wsl-tests/debian-systemd-session.tar
        include=(--include=systemd,systemd-sysv,dbus,libpam-systemd,dbus-user-session)
        ;;
    *) echo "debian-rootfs.sh: unknown flavor $flavor" >&2; exit 2 ;;
esac
if [[ ! -s $tarball ]]; then
    echo "building $tarball with mmdebstrap (once; about a minute)..." >&2
    mkdir -p "$(dirname "$tarball")"
    mmdebstrap --variant=minbase "${include[@]}" --quiet bookworm "$tarball.partial.tar" >&2
    mv "$tarball.partial.tar" "$tarball"
fi
echo "$tarball"
