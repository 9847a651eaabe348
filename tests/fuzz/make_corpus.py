#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/.

    tests/fuzz/make_corpus.py

Seeds are real, valid inputs (what the CLI sends, the repo's catalog, full config files, tiny
archives), so the fuzzer starts from the accepted grammar. The output is deterministic and
committed; run this again after changing it. Needs python3, gzip, xz, zstd and bzip2.
"""

import io
import json
import os
import shutil
import struct
import subprocess
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus")
MTIME = 1700000000


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def frame(obj):
    body = json.dumps(obj, separators=(",", ":")).encode()
    return struct.pack("<I", len(body)) + body


# Requests as cmd/wsl builds them (commands.cpp, install.cpp, session.cpp).
REQUESTS = {
    "list": {"op": "list"},
    "status": {"op": "status"},
    "import": {"op": "import", "name": "Debian", "location": True},
    "install": {"op": "install", "location": False, "name": "Ubuntu-24.04"},
    "export": {"op": "export", "name": "Debian", "format": "tar.zst"},
    "rename": {"op": "rename", "name": "Debian", "newName": "Debian12"},
    "move": {"op": "move", "name": "Debian"},
    "set-default-user": {"op": "set-default-user", "name": "Debian", "user": "alice"},
    "unregister": {"op": "unregister", "name": "Alpine"},
    "set-default": {"op": "set-default", "name": "Ubuntu-24.04"},
    "set-default-version": {"op": "set-default-version", "version": 1},
    "terminate": {"op": "terminate", "name": "Debian"},
    "shutdown": {"op": "shutdown", "force": False},
    "run": {"op": "run", "argv": ["ls", "-l", "/"], "name": "Debian", "user": "root",
            "cwd": "/", "host_cwd": "/root", "shell_type": "standard", "interactive": True,
            "tty": [True, True, False], "rows": 24, "cols": 80, "term": "xterm",
            "lang": "C.UTF-8", "config": {"idleTimeout": 15000, "memory": 1073741824}},
}


def frames():
    for op, req in REQUESTS.items():
        with_v = dict(req, v=1)
        nfds = {"import": 2, "install": 1, "export": 1, "move": 1, "run": 3}.get(op, 0)
        put("fuzz_frame", op, bytes([nfds]) + frame(with_v))
    # Two frames back to back, fds on the second write; a timeout; bytewise writes.
    two = frame({"v": 1, "op": "list"}) + frame({"v": 1, "op": "status"})
    put("fuzz_frame", "two-frames", bytes([0x11]) + two)
    put("fuzz_frame", "bytewise-timeout", bytes([0xC1]) + frame({"v": 1, "op": "status"}))
    put("fuzz_frame", "event-progress", bytes([0]) + frame({"type": "progress", "bytes": 123456}))


def bounded_json():
    samples = {
        "request": dict(REQUESTS["run"], v=1),
        "error": {"type": "error", "code": "WSL_E_DISTRO_NOT_FOUND", "context": "CreateInstance",
                  "message": "There is no distribution with the supplied name."},
        "worker-result": {"type": "result", "flavor": "debian", "osVersion": "12",
                          "conf": {"command": "/usr/lib/wsl/oobe.sh", "defaultUid": 1000,
                                   "defaultName": "Debian"}},
        "registry": {"version": 2, "defaultDistribution": "{0e0a8d0c-3b52-4bd6}",
                     "defaultVersion": 1,
                     "distributions": [{"guid": "{0e0a8d0c-3b52-4bd6}", "name": "Debian",
                                        "basePath": "/var/lib/wsl/users/0/x", "state":
                                        "Installed", "version": 1, "defaultUid": 1000}]},
        "escapes": {"s": "a\"b\\c\u00e9\ud83d\ude00[{,", "n": [-0.0, 1e308, 18446744073709551615,
                                                                 -9223372036854775808, None, True]},
    }
    for name, obj in samples.items():
        put("fuzz_bounded_json", name, bytes([8, 64]) + json.dumps(obj).encode())
    put("fuzz_bounded_json", "deep", bytes([4, 8]) + b"[[[[[1]]]]]")


def service():
    for op, req in REQUESTS.items():
        put("fuzz_service", op, json.dumps(req))
    # The same as uid 4242 (prefix bit 0), and with the client gone (bit 1).
    for op in ("list", "unregister", "rename", "set-default"):
        put("fuzz_service", op + "-4242", b"\x01" + json.dumps(REQUESTS[op]).encode())
    put("fuzz_service", "rename-hung-up", b"\x02" + json.dumps(REQUESTS["rename"]).encode())
    put("fuzz_service", "bad-version", json.dumps({"v": 2, "op": "list"}))


def manifest():
    with open(os.path.join(REPO, "distros", "DistributionInfo.json"), "rb") as f:
        put("fuzz_manifest", "DistributionInfo.json", f.read())
    put("fuzz_manifest", "small", json.dumps({
        "Default": "Debian",
        "ModernDistributions": {
            "Debian": [{"Name": "Debian", "FriendlyName": "Debian GNU/Linux", "Default": True,
                        "Amd64Url": {"Url": "file:///srv/debian.wsl",
                                     "Sha256": "0x" + "ab" * 32},
                        "Arm64Url": {"Url": "https://example.com/d.wsl", "Sha256": "cd" * 32}}],
            "fedora": [{"Name": "FedoraLinux-42", "FriendlyName": None, "Default": None,
                        "Amd64Url": None}]}}, indent=1))


WSL_CONF = """\
# Every section and key of /etc/wsl.conf
[automount]
enabled = true
root = /mnt/   # a comment after whitespace
options = "metadata,uid=1000,gid=1000,umask=22"
mountFsTab = false
ldconfig = false

[network]
hostname = DemoHost
generateHosts = yes
generateResolvConf = off

[interop]
enabled = 0
appendWindowsPath = on

[user]
default = alice

[boot]
command = "service ssh start; echo a#b"
systemd = TRUE
initTimeout = 20000
protectBinfmt = true

[gpu]
enabled = false

[time]
useWindowsTimezone = true
"""

WSLCONFIG = """\
\ufeff[general]
instanceIdleTimeout=-1
distributionInstallPath=/srv/wsl
distributionListUrl=https://example.com/list.json
distributionListUrlAppend=file:///etc/wsl/extra.json

[wsl1]
memory=4GB
processes=512

[wsl2]
kernel=/boot/vmlinuz
kernelCommandLine = quiet splash
memory=8G
swap=0
defaultVhdSize=1TB
processors=2
vmIdleTimeout=60000
debugConsole=false
localhostForwarding=true
networkingMode=mirrored

[experimental]
autoMemoryReclaim=gradual
""".replace("\n", "\r\n")

DISTRIBUTION_CONF = """\
[oobe]
command = /usr/lib/wsl/oobe.sh
defaultUid = 1000
defaultName = Debian

[shortcut]
enabled = true
icon = /usr/share/wsl/debian.ico

[windowsterminal]
enabled = true
profileTemplate = /usr/share/wsl/terminal-profile.json
"""


def ini():
    put("fuzz_ini", "wsl.conf", WSL_CONF)
    put("fuzz_ini", "wslconfig", WSLCONFIG.encode("utf-8"))
    put("fuzz_ini", "wsl-distribution.conf", DISTRIBUTION_CONF)
    put("fuzz_ini", "broken", "[bad section\nkey outside\n[ok]\n=novalue\nk = \"unterminated\n"
        "k2 = \"quoted\" trailing\nk\x003 = x\n")


def url():
    cases = {
        "https": ["https://user:p%40ss@Example.COM:8443/a/b?c=1#frag", "../c?d",
                  "http://user:pw@proxy:3128", "proxy2:8080", "localhost,.example.com, 10.0.0.1"],
        "ipv6": ["http://[::1]:8080/x.wsl", "//mirror.example.org/y", "[fe80::1]:3128", "",
                 "[::1]:8080"],
        "file": ["file:///tmp/a%20b.json", "/etc/x", "", "", "*"],
        "redirect": ["http://h:81/dir/file.wsl?q", "next.wsl#part", "http://p", "https://p", ""],
    }
    for name, lines in cases.items():
        put("fuzz_url", name, "\n".join(lines))


PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
broken line
bob:x:1001:1001::/home/bob:/bin/sh\r
"""

GROUP = """\
root:x:0:
sudo:x:27:alice
users:x:100:alice,bob
docker:x:999:bob,,alice
"""


def passwd():
    put("fuzz_passwd", "alice", PASSWD + "\0" + GROUP + "\0alice")
    put("fuzz_passwd", "bob", PASSWD + "\0" + GROUP + "\0bob")
    put("fuzz_passwd", "root", PASSWD + "\0" + GROUP + "\0root")


def locale_archive(names, slots):
    """A glibc locale-archive as wsl-init reads it: header, name hash table, names."""
    header = 14 * 4
    table, strings = header, header + slots * 12
    pool, ents = b"", [0] * (slots * 3)
    for i, n in enumerate(names):
        ents[i * 3:i * 3 + 3] = [0x1234 + i, strings + len(pool), 4096]
        pool += n.encode() + b"\0"
    h = [0xDE020109, 0, table, len(names), slots, strings, len(pool), len(pool)] + [0] * 6
    return struct.pack("<14I", *h) + struct.pack("<%dI" % len(ents), *ents) + pool


def locales():
    # One byte: the length of the LANG that follows; then the archive.
    def seed(lang, archive):
        return bytes([len(lang)]) + lang.encode() + archive
    both = locale_archive(["en_US.utf8", "de_DE.utf8"], 5)
    put("fuzz_locale_archive", "en_US", seed("en_US.utf8", both))
    put("fuzz_locale_archive", "de_DE-spelled", seed("de_DE.UTF-8", both))
    put("fuzz_locale_archive", "missing", seed("fr_FR.UTF-8@euro", locale_archive(["C.utf8"], 1)))
    put("fuzz_locale_archive", "builtin", seed("C.UTF-8", b""))


def wslenv():
    # WSLENV, then "NAME=value" records, separated by 0x1e.
    def seed(*records):
        return "\x1e".join(records)
    put("fuzz_wslenv", "paths", seed("GOPATH/l:TMPDIR/p:EDITOR:LANG/u", "GOPATH=/src/go:rel:/opt/go",
                                     "TMPDIR=/tmp", "EDITOR=vim", "LANG=de_DE.UTF-8"))
    put("fuzz_wslenv", "flags", seed("A/up:B/w:C/x:1BAD:D=E:A/l:PATH/p", "A=/a", "B=/b", "PATH=/bin",
                                     "D=x"))
    put("fuzz_wslenv", "root", seed("R/p:S/l", "R=/", "S=/::/"))
    put("fuzz_wslenv", "nul", seed("N", "N=a\0b", "WSLENV=ignored"))


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for info, data in entries:
            info.mtime = MTIME
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def entry(name, kind=tarfile.REGTYPE, data=None, mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = link
    if data is not None:
        info.size = len(data)
    return info, data


def compress(cmd, data):
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=True).stdout


def archives():
    distro = [
        entry("./", tarfile.DIRTYPE, mode=0o755),
        entry("./etc/", tarfile.DIRTYPE, mode=0o755),
        entry("./etc/os-release", data=b'ID=debian\nVERSION_ID="12"\nNAME="Debian"\n'),
        entry("./etc/wsl-distribution.conf", data=DISTRIBUTION_CONF.encode()),
        entry("./bin/", tarfile.DIRTYPE, mode=0o755),
        entry("./bin/sh", data=b"#!/bin/sh\n", mode=0o755),
        entry("./bin/dash", tarfile.LNKTYPE, link="./bin/sh"),
        entry("./usr/lib/os-release", tarfile.SYMTYPE, link="../../etc/os-release"),
        entry("./tmp/", tarfile.DIRTYPE, mode=0o1777),
        entry("./run/fifo", tarfile.FIFOTYPE),
        entry("./dev/null", tarfile.CHRTYPE),
    ]
    plain = tar_bytes(distro)
    put("fuzz_extract", "distro.tar", plain)
    put("fuzz_extract", "distro.tar.gz", compress(["gzip", "-9n"], plain))
    # Small windows and blocks: a decoder allocates what the header asks for, for every input.
    put("fuzz_extract", "distro.tar.xz",
        compress(["xz", "--lzma2=preset=6,dict=64KiB", "--check=crc32"], plain))
    put("fuzz_extract", "distro.tar.zst", compress(["zstd", "-19", "--zstd=wlog=16", "-q"], plain))
    put("fuzz_extract", "distro.tar.bz2", compress(["bzip2", "-1"], plain))
    # Entries the extraction must refuse or skip; a symlink pointing out of the root.
    hostile = tar_bytes([
        entry("./etc/", tarfile.DIRTYPE, mode=0o755),
        entry("./escape", tarfile.SYMTYPE, link="/tmp"),
        entry("./escape/x", data=b"x"),
        entry("/abs", data=b"y"),
        entry("./up/../../z", data=b"z"),
    ])
    put("fuzz_extract", "hostile.tar", hostile)
    pax = io.BytesIO()
    with tarfile.open(fileobj=pax, mode="w", format=tarfile.PAX_FORMAT) as t:
        info, data = entry("./etc/" + "long-name-" * 12, data=b"pax")
        info.pax_headers = {"SCHILY.xattr.user.test": "v", "uid": "1000", "uname": "alice"}
        info.mtime = MTIME
        t.addfile(info, io.BytesIO(data))
    put("fuzz_extract", "pax.tar", pax.getvalue())


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    frames()
    bounded_json()
    service()
    manifest()
    ini()
    url()
    passwd()
    locales()
    wslenv()
    archives()


if __name__ == "__main__":
    main()
