#!/usr/bin/env bash
# The main job, end to end: build, import a real Debian rootfs, list it, run a command in it.
# Run as root (the service is a root daemon; `wsl` run as root starts it when none listens).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "demo: run as root (sudo scripts/demo.sh)" >&2; exit 1; }

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWSL_WERROR=ON
cmake --build build --target wsl wslservice wsl-init
tarball=$(scripts/debian-rootfs.sh)
wsl=build/wsl

step() { printf '\n$ %s\n' "$*"; }

if "$wsl" -l -q 2>/dev/null | tr -d '\r' | grep -qx Debian; then
    echo "demo: Debian is already registered; skipping the import"
else
    step wsl --import Debian /var/lib/wsl/demo-Debian "$tarball"
    "$wsl" --import Debian /var/lib/wsl/demo-Debian "$tarball"
fi

step wsl -l -v
"$wsl" -l -v

step wsl -d Debian -- cat /etc/os-release
"$wsl" -d Debian -- cat /etc/os-release

step "wsl -d Debian -u root -- 'echo hello from \$(hostname) as \$(id -un), pid \$\$'"
"$wsl" -d Debian -u root -- 'echo hello from $(hostname) as $(id -un), pid $$'

step wsl -l -v
"$wsl" -l -v

printf '\ndemo: OK. Try: %s -d Debian   (a shell; stop it with %s --terminate Debian)\n' "$wsl" "$wsl"
