#!/usr/bin/env python3
"""A stand-in for systemd's socket activation, for tests.

  activate.py --socket PATH --log FILE [--mode 0666] -- PROGRAM ARGS...

Listens on PATH (an AF_UNIX stream socket, mode --mode) and, whenever a client is waiting and
PROGRAM is not running, starts PROGRAM the way systemd does: the listening socket as fd 3,
LISTEN_FDS=1, LISTEN_PID=<its pid>, LISTEN_FDNAMES, and NOTIFY_SOCKET naming a datagram socket
on which it accepts sd_notify messages from that pid only (NotifyAccess=main). Events are
appended to --log as JSON lines: {"event": "start"|"notify"|"exit", "pid", "state", "status",
"t"}. Ends (stopping PROGRAM with SIGTERM) on SIGTERM or SIGINT.
"""
import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", default="0666")
    ap.add_argument("program", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    program = args.program[1:] if args.program[:1] == ["--"] else args.program

    log = open(args.log, "a", buffering=1)

    def event(**kw):
        kw["t"] = time.monotonic()
        log.write(json.dumps(kw) + "\n")

    if os.path.exists(args.socket):
        os.unlink(args.socket)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(args.socket)
    os.chmod(args.socket, int(args.mode, 8))
    listener.listen(128)

    notify_path = args.socket + ".notify"
    if os.path.exists(notify_path):
        os.unlink(notify_path)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

    child = None
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    def start():
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(listener.fileno(), 3)  # dup2 leaves fd 3 inheritable
                env = dict(os.environ)
                env.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()),
                           LISTEN_FDNAMES="wslservice.socket", NOTIFY_SOCKET=notify_path)
                os.closerange(4, 1024)
                os.execve(program[0], program, env)
            finally:
                os._exit(127)
        event(event="start", pid=pid)
        return pid

    while not stopping:
        watch = [notify] + ([] if child else [listener])
        try:
            ready, _, _ = select.select(watch, [], [], 0.05)
        except InterruptedError:
            continue
        if notify in ready:
            msg, anc, _, _ = notify.recvmsg(4096, socket.CMSG_SPACE(12))
            sender = None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    sender = struct.unpack("iII", data[:12])[0]
            if child and sender == child:
                event(event="notify", pid=sender, state=msg.decode(errors="replace"))
            else:
                event(event="notify-refused", pid=sender, state=msg.decode(errors="replace"))
        if listener in ready and not child:
            child = start()
        if child:
            pid, status = os.waitpid(child, os.WNOHANG)
            if pid:
                event(event="exit", pid=pid, status=os.waitstatus_to_exitcode(status))
                child = None
    if child:
        os.kill(child, signal.SIGTERM)
        _, status = os.waitpid(child, 0)
        event(event="exit", pid=child, status=os.waitstatus_to_exitcode(status))
    os.unlink(args.socket)
    os.unlink(notify_path)


if __name__ == "__main__":
    sys.exit(main())
