#!/usr/bin/env bash
# A run request the frame limit (1 MiB) just holds makes a session request for init that it
# does not: the service adds fields. Such a client gets a protocol error, and its running
# distro, with every session in it, is left alone (the failed send to init was once taken for
# a dead init: the service stopped the distro and started it again).
source "$(dirname "$0")/lib.sh"

start_service
SRC=$T/rootfs.tar
mk_rootfs_tar "$SRC"
require_runnable "$SRC.src"
expect_ok "import" wsl --import Box "$(fresh_dir box)" "$SRC" || die "cannot import"

alive() { [[ -e /proc/$1 ]] && [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) != Z ]]; }
bg "$WSL_BIN" -d Box -e sleep 120 </dev/null
sleeper=$BG_PID
sleep 2
check "a session runs in the distro" alive "$sleeper"

# A run request of exactly 1 MiB, its stdio passed as the client does.
"$PY" - "$SOCK" >"$T/big.out" 2>&1 <<'PYEOF'
import array, json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
req = {"v": 1, "op": "run", "name": "Box", "argv": ["true"], "cwd": ""}
body = json.dumps(req, separators=(",", ":")).encode()
req["cwd"] = "x" * ((1 << 20) - len(body))
body = json.dumps(req, separators=(",", ":")).encode()
assert len(body) == 1 << 20
data = struct.pack("<I", len(body)) + body
fds = array.array("i", [0, 1, 2])
sent = s.sendmsg([data[:4096]], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
s.sendall(data[sent:])
buf = b""
s.settimeout(30)
while True:
    b = s.recv(65536)
    if not b:
        break
    buf += b
print(buf[4:].decode("utf-8", "replace"))
PYEOF
assert_contains "a run request that makes too large a session request is a protocol error" \
    "$(cat "$T/big.out")" "WSL_E_PROTOCOL"
check "  ...and the distro's other session still runs" alive "$sleeper"
run wsl -d Box -e echo alive </dev/null
assert_eq "the distro still runs commands" alive "$OUT"
check "service still running" service_alive
finish
