#!/usr/bin/env bash
# The main job, end to end: build, install a real Debian from a catalog, run commands in it.
# The image is built here from this machine's apt mirror (distros/debian/build.sh, about
# 30 s the first time, cached in /var/cache/wsl-images), so no other internet is needed.
# Run as root (the service is a root daemon; `wsl` run as root starts it when none listens).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "demo: run as root (sudo scripts/demo.sh)" >&2; exit 1; }

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWSL_WERROR=ON
cmake --build build --target wsl wslservice wsl-init
manifest=$(distros/debian/build.sh)

# The local image's catalog is added to the built-in one through ~/.wslconfig, as a user
# would; a private HOME keeps root's own settings untouched.
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
printf '[general]\ndistributionListUrlAppend = file://%s\n' "$manifest" >"$home/.wslconfig"
wsl() { HOME=$home build/wsl "$@"; }

step() { printf '\n$ %s\n' "$*"; }

step wsl --list --online
wsl --list --online

if wsl -l -q 2>/dev/null | grep -qx Debian-Local; then
    echo "demo: Debian-Local is already installed; skipping the install"
else
    step wsl --install Debian-Local --no-launch
    wsl --install Debian-Local --no-launch
fi

step wsl -l -v
wsl -l -v

step wsl -d Debian-Local -- cat /etc/os-release
wsl -d Debian-Local -- cat /etc/os-release

step "wsl -d Debian-Local -u root -- 'echo hello from \$(hostname) as \$(id -un), pid \$\$'"
wsl -d Debian-Local -u root -- 'echo hello from $(hostname) as $(id -un), pid $$'

printf '\ndemo: OK. Try: build/wsl -d Debian-Local   (at a terminal it first asks for a user to create;\n'
printf '      stop it with build/wsl --terminate Debian-Local, remove it with build/wsl --unregister Debian-Local)\n'
