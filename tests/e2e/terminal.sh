#!/usr/bin/env bash
# What a person at a terminal sees: progress (percent, bytes, rate) drawn on a tty while an
# import, export or install runs, and nothing of it on a pipe; `cmake --install` lays out wsl and
# wslservice.
source "$(dirname "$0")/lib.sh"
e2e_init
start_service

SRC=$T/big.tar
mk_rootfs_tar "$SRC" --big 64

# script(1) gives the command a real pseudo-terminal; its typescript is what a user saw.
on_tty() { script -qefc "$(printf '%q ' "$@")" "$T/typescript" >/dev/null 2>&1; }

# A pipe that trickles the archive keeps the import running for several 100 ms frames.
export WSL_SERVICE_SOCKET
check "import from a slow stdin on a tty" on_tty bash -c \
    "(head -c 20000000 '$SRC'; sleep 1; tail -c +20000001 '$SRC') | '$WSL_BIN' --import tty1 '$(fresh_dir tty)' -"
seen=$(tr '\r' '\n' <"$T/typescript")
assert_contains "  ...progress names the distro" "$seen" "Importing tty1:"
assert_match "  ...shows bytes" "$seen" "[0-9.]+ MB"
assert_match "  ...shows a rate" "$seen" "MB/s"
assert_contains "  ...ends with the success line" "$seen" "The operation completed successfully."

check "import of a regular file on a tty" on_tty "$WSL_BIN" --import tty2 "$(fresh_dir tty)" "$SRC"
seen=$(tr '\r' '\n' <"$T/typescript")
assert_contains "  ...success line" "$seen" "The operation completed successfully."

check "export on a tty" on_tty "$WSL_BIN" --export tty1 "$T/out.tar"
assert_contains "  ...success line" "$(cat "$T/typescript")" "The operation completed successfully."

# The same commands on pipes: no carriage returns, no escape sequences, no progress.
out=$( (head -c 20000000 "$SRC"; sleep 1; tail -c +20000001 "$SRC") |
    wsl --import pipe1 "$(fresh_dir pipe)" - 2>&1)
assert_eq "import on a pipe prints only the success line" \
    "The operation completed successfully." "$out"
out=$(wsl --export pipe1 "$T/out2.tar" 2>&1 | od -c)
assert_not_contains "export on a pipe draws no progress" "$out" '\r'
assert_not_contains "  ...and no escape sequences" "$out" '033'

# An install at a terminal: "Downloading:", a progress line with percent, bytes, rate and
# ETA while the bytes trickle in (a paced server), "Installing:", the success line.
IMG=$T/img.tar.gz
gzip -1 -c "$SRC" >"$IMG"
mkdir -p "$T/www"
ln "$IMG" "$T/www/img.tar.gz"
bg "$PY" "$E2E_DIR/httpd.py" serve --root "$T/www" --port-file "$T/port" 2>"$T/httpd.err"
wait_until 15 test -s "$T/port" || die "httpd.py did not start" "$(cat "$T/httpd.err")"
SHA=$(sha256sum "$IMG" | cut -d' ' -f1)
RATE=$(($(stat -c %s "$IMG") / 2)) # about two seconds of download
printf '{"ModernDistributions": {"Tty": [{"Name": "TtyDistro", "FriendlyName": "Tty Linux",
  "Default": true, "Amd64Url": {"Url": "http://127.0.0.1:%s/slow/%s/img.tar.gz", "Sha256": "%s"},
  "Arm64Url": {"Url": "http://127.0.0.1:%s/slow/%s/img.tar.gz", "Sha256": "%s"}}]}}' \
    "$(<"$T/port")" "$RATE" "$SHA" "$(<"$T/port")" "$RATE" "$SHA" >"$T/www/list.json"
mkdir -p "$T/home"
printf '[general]\ndistributionListUrl = http://127.0.0.1:%s/list.json\n' "$(<"$T/port")" \
    >"$T/home/.wslconfig"
check "install on a tty" on_tty env HOME="$T/home" "$WSL_BIN" --install tty --no-launch
seen=$(tr '\r' '\n' <"$T/typescript")
assert_contains "  ...Downloading: <friendly name>" "$seen" "Downloading: Tty Linux"
assert_match "  ...a progress line with percent and bytes" "$seen" \
    "Tty Linux: +[0-9.]+% \([0-9.]+ MB / [0-9.]+ MB\)"
assert_match "  ...with a rate and an ETA" "$seen" "MB/s, ETA [0-9]+s"
assert_contains "  ...Installing: <friendly name>" "$seen" "Installing: Tty Linux"
assert_contains "  ...the success line" "$seen" \
    "Distribution successfully installed. It can be launched via 'wsl -d TtyDistro'"
out=$(HOME=$T/home wsl --install tty --name pipe2 2>&1 </dev/null | od -c)
assert_not_contains "install on a pipe draws no progress" "$out" '\r'
assert_not_contains "  ...and no escape sequences" "$out" '033'

# cmake --install puts both programs under the prefix.
BUILD_DIR=$(dirname "$WSL_BIN")
if [[ -f $BUILD_DIR/cmake_install.cmake ]]; then
    PREFIX=$(fresh_dir prefix)
    expect_ok "cmake --install into a prefix" cmake --install "$BUILD_DIR" --prefix "$PREFIX"
    check "  ...bin/wsl installed and executable" test -x "$PREFIX/bin/wsl"
    check "  ...bin/wslservice installed and executable" test -x "$PREFIX/bin/wslservice"
    out=$("$PREFIX/bin/wsl" --version)
    assert_contains "  ...the installed wsl runs" "$out" "wsl for Linux version:"
else
    note "no cmake_install.cmake beside $WSL_BIN: install layout not tested"
fi

finish
