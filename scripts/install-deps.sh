#!/usr/bin/env bash
# Installs every Debian/Ubuntu package that building, testing and benchmarking need.
# Safe to run again: when everything is present it changes nothing.
set -euo pipefail

packages=(
    # build
    build-essential cmake ninja-build pkg-config ccache clang-format
    # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes, and
    # llvm-symbolizer for readable reports
    clang libclang-rt-14-dev llvm
    # libraries
    libfmt-dev libarchive-dev libzstd-dev doctest-dev nlohmann-json3-dev libssl-dev
    libcpp-httplib-dev
    # tests and benchmarks
    python3 mmdebstrap debian-archive-keyring zstd libarchive-tools attr acl libcap2-bin hyperfine
    uidmap util-linux passwd procps busybox-static tmux systemd-container curl openssl
    ca-certificates zsh fish bash-completion man-db groff-base dpkg-dev
    # the fault tests' FUSE file system that fails on cue (tests/fixtures/failfs.py)
    python3-fusepy
)

if [[ $EUID -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null; then
    as_root=(sudo)
else
    echo "install-deps: run as root, or install sudo" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: done"
