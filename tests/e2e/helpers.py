#!/usr/bin/env python3
"""Helpers for the end-to-end tests (called from lib.sh; not a test itself).

Subcommands:
  listing tar FILE|-                       normalized JSON lines of a tar (any compression)
  listing tree DIR [--uid-base N --gid-base N --caller-uid U --caller-gid G]
                                           normalized JSON lines of a directory tree; host
                                           ids are translated back to distro ids
  diff A.jsonl B.jsonl [--drop-types t,..] [--skip-root-mtime] [--skip-mtime-types t,..]
                        [--ignore-fields f,..] [--max N]
                                           compare two listings, print differences, exit 1
  entry A.jsonl PATH                       print the listing entry of PATH (exit 3 if none)
  registry FILE names|check|top KEY|distro NAME FIELD
  capinfo FILE                             absent | v2 HEX | v3 ROOTID HEX
  abuse SOCK CASE                          send a malformed frame; print what came back
  hold SOCK SECONDS                        connect, send half a header, stay silent
  flood SOCK N SECONDS [FDS]               N such connections (FDS fds each); prints
                                           "refused R failed F open O", then holds them
  slow SOCK SECONDS                        a request trickled a byte a second
  time-list SOCK N                         N list requests; prints median and p95 ms, failures
  spam SOCK SECONDS                        list requests back to back; prints how many
  first-run SOCK NAME                      an interactive launch that runs NAME's [oobe]
                                           command; prints the event types it saw
  raw-request SOCK JSON                    send one well-formed frame, print the replies
  tar-bytes TAR PATH OFFSET N              print N bytes at OFFSET (negative: from the end) of
                                           a member of an uncompressed tar (sparse-aware)
  wait-state FILE NAME STATE SECONDS       poll a registry (every 5 ms) until NAME is in STATE
  manifest FILE cases|field CASE KEY       read tests/fixtures/make-hostile.py's MANIFEST.json
  canaries FILE create|verify|paths CASE   set up / check the canary paths of a corpus case

The listing schema (one JSON object per line, sorted by path):
  path (no leading ./ or trailing /; the root is "."), type (file dir symlink char block
  fifo), mode (permission bits incl. setuid/setgid/sticky, octal string), uid, gid, size
  (files), mtime (integer seconds), link (symlink target), xattrs {name: hex} without ACLs,
  acl_access / acl_default (sorted "tag:id:perms" entries), sha256 (files up to 64 MiB),
  hardlinks (sorted list of every path of a hardlinked file, on each of them).
"""

import base64
import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tarfile
import time
import urllib.parse

HASH_LIMIT = 64 << 20


# --------------------------------------------------------------------------------------
# listings

def norm_path(name):
    p = name
    while p.startswith("./"):
        p = p[2:]
    p = p.rstrip("/")
    if p in ("", "."):
        return "."
    return p


def pax_bytes(value):
    return value.encode("utf-8", "surrogateescape")


def acl_text_entries(text):
    """Parses a POSIX.1e ACL in text form (as tar pax headers carry it) into sorted
    "tag:id:perms" entries; named entries keep their numeric id when one is given."""
    out = []
    for raw in text.replace("\n", ",").split(","):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        f = raw.split(":")
        tag = f[0]
        if tag in ("u", "user"):
            tag = "user"
        elif tag in ("g", "group"):
            tag = "group"
        elif tag in ("m", "mask"):
            tag = "mask"
        elif tag in ("o", "other"):
            tag = "other"
        qual = f[1] if len(f) > 1 else ""
        perms = f[2] if len(f) > 2 else ""
        if len(f) > 3 and f[3]:
            qual = f[3]
        out.append(f"{tag}:{qual}:{perms}")
    return sorted(out)


ACL_TAGS = {0x01: "user", 0x02: "user", 0x04: "group", 0x08: "group", 0x10: "mask",
            0x20: "other"}


def acl_xattr_entries(blob, uid_map, gid_map):
    """Decodes a system.posix_acl_* xattr (version 2) into "tag:id:perms" entries."""
    if len(blob) < 4:
        return ["<bad acl>"]
    out = []
    for off in range(4, len(blob) - 7, 8):
        tag, perm, ident = struct.unpack_from("<HHI", blob, off)
        name = ACL_TAGS.get(tag, f"tag{tag}")
        qual = ""
        if tag == 0x02:
            qual = str(uid_map(ident))
        elif tag == 0x08:
            qual = str(gid_map(ident))
        perms = ("r" if perm & 4 else "-") + ("w" if perm & 2 else "-") + \
                ("x" if perm & 1 else "-")
        out.append(f"{name}:{qual}:{perms}")
    return sorted(out)


class _Prepend:
    """A read()-only stream: some bytes already read, then the rest of another stream."""

    def __init__(self, head, rest):
        self.head = head
        self.rest = rest

    def read(self, n=-1):
        if self.head:
            if n is None or n < 0:
                b, self.head = self.head + self.rest.read(), b""
                return b
            b, self.head = self.head[:n], self.head[n:]
            return b
        return self.rest.read(n)


def open_tar_stream(path):
    """Returns (tarfile, proc) reading FILE or stdin; zstd goes through the zstd CLI."""
    zmagic = b"\x28\xb5\x2f\xfd"
    if path != "-":
        with open(path, "rb") as f:
            head = f.read(4)
        if head == zmagic:
            proc = subprocess.Popen(["zstd", "-dcq", path], stdout=subprocess.PIPE)
            return tarfile.open(fileobj=proc.stdout, mode="r|"), proc
        return tarfile.open(fileobj=open(path, "rb"), mode="r|*"), None
    raw = sys.stdin.buffer.raw
    head = b""
    while len(head) < 4:
        b = raw.read(4 - len(head))
        if not b:
            break
        head += b
    if head == zmagic:
        import threading
        proc = subprocess.Popen(["zstd", "-dcq"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def pump():
            try:
                proc.stdin.write(head)
                while True:
                    b = raw.read(1 << 20)
                    if not b:
                        break
                    proc.stdin.write(b)
            except BrokenPipeError:
                pass
            finally:
                proc.stdin.close()
        threading.Thread(target=pump, daemon=True).start()
        return tarfile.open(fileobj=proc.stdout, mode="r|"), proc
    return tarfile.open(fileobj=_Prepend(head, raw), mode="r|*"), None


def sha256_stream(f):
    h = hashlib.sha256()
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        h.update(b)
    return h.hexdigest()


def tar_listing(path):
    tf, proc = open_tar_stream(path)
    entries = {}
    order = []
    links = []  # (path, target)
    for m in tf:
        p = norm_path(m.name)
        e = {"path": p, "raw": m.name}
        if m.islnk():
            links.append((p, norm_path(m.linkname)))
            e["type"] = "hardlink"
            e["target"] = norm_path(m.linkname)
            entries[p] = e
            order.append(p)
            continue
        if m.isreg():
            e["type"] = "file"
        elif m.isdir():
            e["type"] = "dir"
        elif m.issym():
            e["type"] = "symlink"
            e["link"] = m.linkname
        elif m.ischr():
            e["type"] = "char"
            e["rdev"] = f"{m.devmajor},{m.devminor}"
        elif m.isblk():
            e["type"] = "block"
            e["rdev"] = f"{m.devmajor},{m.devminor}"
        elif m.isfifo():
            e["type"] = "fifo"
        else:
            e["type"] = f"other:{m.type!r}"
        if e["type"] != "symlink":
            e["mode"] = oct(m.mode & 0o7777)
        e["uid"] = m.uid
        e["gid"] = m.gid
        e["mtime"] = int(m.mtime)
        if m.isreg():
            e["size"] = m.size
            if m.size <= HASH_LIMIT:
                e["sha256"] = sha256_stream(tf.extractfile(m))
            else:
                e["sha256"] = "large"
        xattrs = {}
        acl_a = acl_d = None
        for k, v in m.pax_headers.items():
            if k.startswith("SCHILY.xattr."):
                xattrs[k[len("SCHILY.xattr."):]] = pax_bytes(v).hex()
            elif k.startswith("LIBARCHIVE.xattr."):
                name = urllib.parse.unquote(k[len("LIBARCHIVE.xattr."):])
                xattrs.setdefault(name, base64.b64decode(v + "=" * (-len(v) % 4)).hex())
            elif k == "SCHILY.acl.access":
                acl_a = acl_text_entries(v)
            elif k == "SCHILY.acl.default":
                acl_d = acl_text_entries(v)
        for k in list(xattrs):
            if k in ("system.posix_acl_access", "system.posix_acl_default"):
                del xattrs[k]
        e["xattrs"] = xattrs
        if acl_a is not None and not is_trivial_acl(acl_a):
            e["acl_access"] = acl_a
        if acl_d:
            e["acl_default"] = acl_d
        entries[p] = e
        order.append(p)
    if proc:
        proc.stdout.close()
        proc.wait()
    # Resolve hardlinks: every member of a group gets the attributes of the stored file.
    groups = {}
    for p, target in links:
        root = target
        seen = set()
        while root in entries and entries[root]["type"] == "hardlink" and root not in seen:
            seen.add(root)
            root = entries[root]["target"]
        groups.setdefault(root, {root}).add(p)
    for root, members in groups.items():
        base = entries.get(root)
        names = sorted(members)
        for p in members:
            if base is None:
                entries[p] = {"path": p, "type": "dangling-hardlink", "target": root}
                continue
            e = dict(base)
            e["path"] = p
            e["raw"] = entries[p]["raw"]
            e["hardlinks"] = names
            entries[p] = e
    return [entries[p] for p in sorted(entries)]


def is_trivial_acl(entries):
    return all(e.split(":")[0] in ("user", "group", "other") and e.split(":")[1] == ""
               for e in entries)


def tree_listing(root, uid_base, gid_base, caller_uid, caller_gid):
    def uid_map(u):
        if caller_uid is not None and u == caller_uid:
            return 1000
        return u - uid_base if uid_base <= u < uid_base + 65536 else f"host:{u}"

    def gid_map(g):
        if caller_gid is not None and g == caller_gid:
            return 1000
        return g - gid_base if gid_base <= g < gid_base + 65536 else f"host:{g}"

    out = []
    inodes = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        names = [(n, True) for n in dirnames] + [(n, False) for n in sorted(filenames)]
        if dirpath == root:
            names.insert(0, (None, True))
        for n, _ in names:
            full = dirpath if n is None else os.path.join(dirpath, n)
            rel = "." if n is None else os.path.relpath(full, root)
            st = os.lstat(full)
            e = {"path": rel}
            mode = st.st_mode
            if stat.S_ISREG(mode):
                e["type"] = "file"
            elif stat.S_ISDIR(mode):
                e["type"] = "dir"
            elif stat.S_ISLNK(mode):
                e["type"] = "symlink"
                e["link"] = os.readlink(full)
            elif stat.S_ISCHR(mode):
                e["type"] = "char"
                e["rdev"] = f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
            elif stat.S_ISBLK(mode):
                e["type"] = "block"
                e["rdev"] = f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
            elif stat.S_ISFIFO(mode):
                e["type"] = "fifo"
            elif stat.S_ISSOCK(mode):
                e["type"] = "socket"
            if e["type"] != "symlink":
                e["mode"] = oct(stat.S_IMODE(mode))
            e["uid"] = uid_map(st.st_uid)
            e["gid"] = gid_map(st.st_gid)
            e["mtime"] = int(st.st_mtime)
            xattrs = {}
            acl_a = acl_d = None
            try:
                xnames = os.listxattr(full, follow_symlinks=False)
            except OSError:
                xnames = []
            for x in xnames:
                try:
                    v = os.getxattr(full, x, follow_symlinks=False)
                except OSError as err:
                    xattrs[x] = f"<error {err.errno}>"
                    continue
                if x == "system.posix_acl_access":
                    acl_a = acl_xattr_entries(v, uid_map, gid_map)
                elif x == "system.posix_acl_default":
                    acl_d = acl_xattr_entries(v, uid_map, gid_map)
                elif x == "security.capability":
                    xattrs[x] = cap_as_seen_inside(v, uid_base).hex()
                else:
                    xattrs[x] = v.hex()
            e["xattrs"] = xattrs
            if acl_a is not None and not is_trivial_acl(acl_a):
                e["acl_access"] = acl_a
            if acl_d:
                e["acl_default"] = acl_d
            if e["type"] == "file":
                e["size"] = st.st_size
                if st.st_size <= HASH_LIMIT:
                    with open(full, "rb") as f:
                        e["sha256"] = sha256_stream(f)
                else:
                    e["sha256"] = "large"
                if st.st_nlink > 1:
                    inodes.setdefault((st.st_dev, st.st_ino), []).append(e)
            out.append(e)
    for group in inodes.values():
        names = sorted(e["path"] for e in group)
        if len(names) > 1:
            for e in group:
                e["hardlinks"] = names
    out.sort(key=lambda e: e["path"])
    return out


def cap_as_seen_inside(blob, uid_base):
    """A v3 capability whose rootid is the distro's root reads as v2 inside the distro."""
    if len(blob) == 24:
        magic, = struct.unpack_from("<I", blob, 0)
        rootid, = struct.unpack_from("<I", blob, 20)
        if magic >> 24 == 3 and rootid == uid_base:
            return struct.pack("<I", (magic & 0x00FFFFFF) | 0x02000000) + blob[4:20]
    return blob


def load_listing(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_diff(args):
    import argparse
    ap = argparse.ArgumentParser(prog="helpers.py diff")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--drop-types", default="")
    ap.add_argument("--skip-root-mtime", action="store_true")
    ap.add_argument("--skip-mtime-types", default="")
    ap.add_argument("--ignore-fields", default="")
    ap.add_argument("--ignore-paths", default="", help="comma-separated exact paths")
    ap.add_argument("--max", type=int, default=25)
    o = ap.parse_args(args)
    drop = set(filter(None, o.drop_types.split(",")))
    skip_mtime = set(filter(None, o.skip_mtime_types.split(",")))
    ignore = set(filter(None, o.ignore_fields.split(","))) | {"raw"}
    ignore_paths = set(filter(None, o.ignore_paths.split(",")))

    def prep(lst):
        m = {}
        for e in lst:
            if e.get("type") in drop or e["path"] in ignore_paths:
                continue
            e = {k: v for k, v in e.items() if k not in ignore}
            if e["path"] == "." and o.skip_root_mtime:
                e.pop("mtime", None)
            if e.get("type") in skip_mtime:
                e.pop("mtime", None)
            if "hardlinks" in e:
                e["hardlinks"] = [p for p in e["hardlinks"] if p not in ignore_paths]
                if len(e["hardlinks"]) < 2:
                    del e["hardlinks"]
            m[e["path"]] = e
        return m

    a, b = prep(load_listing(o.a)), prep(load_listing(o.b))
    problems = []
    for p in sorted(set(a) | set(b)):
        if p not in b:
            problems.append(f"only in {os.path.basename(o.a)}: {p} ({a[p].get('type')})")
        elif p not in a:
            problems.append(f"only in {os.path.basename(o.b)}: {p} ({b[p].get('type')})")
        elif a[p] != b[p]:
            keys = sorted(set(a[p]) | set(b[p]))
            d = [f"{k}: {a[p].get(k)!r} != {b[p].get(k)!r}" for k in keys
                 if a[p].get(k) != b[p].get(k)]
            problems.append(f"differs: {p}: " + "; ".join(d))
    for line in problems[: o.max]:
        print(line)
    if len(problems) > o.max:
        print(f"... and {len(problems) - o.max} more differences")
    print(f"compared {len(a)} / {len(b)} entries, {len(problems)} differences",
          file=sys.stderr)
    return 1 if problems else 0


def cmd_listing(args):
    import argparse
    ap = argparse.ArgumentParser(prog="helpers.py listing")
    ap.add_argument("kind", choices=["tar", "tree"])
    ap.add_argument("path")
    ap.add_argument("--uid-base", type=int, default=0)
    ap.add_argument("--gid-base", type=int, default=None)
    ap.add_argument("--caller-uid", type=int, default=None)
    ap.add_argument("--caller-gid", type=int, default=None)
    o = ap.parse_args(args)
    if o.kind == "tar":
        lst = tar_listing(o.path)
    else:
        gb = o.uid_base if o.gid_base is None else o.gid_base
        lst = tree_listing(o.path, o.uid_base, gb, o.caller_uid, o.caller_gid)
    w = sys.stdout
    for e in lst:
        w.write(json.dumps(e, sort_keys=True) + "\n")
    return 0


def cmd_entry(args):
    listing, path = args
    for e in load_listing(listing):
        if e["path"] == norm_path(path):
            print(json.dumps(e, sort_keys=True))
            return 0
    return 3


# --------------------------------------------------------------------------------------
# registry

def cmd_registry(args):
    path, what = args[0], args[1]
    try:
        with open(path) as f:
            reg = json.load(f)
    except FileNotFoundError:
        reg = {"distros": [], "defaultDistro": ""}
    distros = reg.get("distros", [])
    if what == "names":
        for d in distros:
            print(d.get("name"))
        return 0
    if what == "top":
        v = reg.get(args[2])
        print("" if v is None else v)
        return 0 if args[2] in reg else 3
    if what == "distro":
        name, field = args[2], args[3]
        for d in distros:
            if d.get("name") == name:
                v = d.get(field)
                print("" if v is None else v)
                return 0 if field in d else 4
        return 3
    if what == "check":
        problems = []
        guids = [d.get("guid") for d in distros]
        names = [str(d.get("name", "")).lower() for d in distros]
        if len(set(guids)) != len(guids):
            problems.append("duplicate guids")
        if len(set(names)) != len(names):
            problems.append("duplicate names (case-insensitive)")
        for d in distros:
            for k in ("guid", "name", "basePath", "version", "defaultUid", "state"):
                if k not in d:
                    problems.append(f"distro {d.get('name')!r} lacks {k}")
        dd = reg.get("defaultDistro", "")
        if dd and dd not in guids:
            problems.append(f"defaultDistro {dd} is not a registered distro")
        if distros and "defaultVersion" in reg and reg["defaultVersion"] not in (1, 2):
            problems.append(f"defaultVersion {reg['defaultVersion']!r}")
        for p in problems:
            print(p)
        return 1 if problems else 0
    print(f"unknown registry query {what}", file=sys.stderr)
    return 2


def cmd_tar_bytes(args):
    path, member, offset, n = args[0], norm_path(args[1]), int(args[2]), int(args[3])
    with tarfile.open(path, "r:") as tf:
        for m in tf:
            if norm_path(m.name) == member:
                f = tf.extractfile(m)
                f.seek(offset if offset >= 0 else m.size + offset)
                sys.stdout.buffer.write(f.read(n))
                return 0
    return 3


def cmd_wait_state(args):
    path, name, want, seconds = args[0], args[1], args[2], float(args[3])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                reg = json.load(f)
            for d in reg.get("distros", []):
                if d.get("name") == name and d.get("state") == want:
                    return 0
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    return 1


# --------------------------------------------------------------------------------------
# capabilities

def cmd_capinfo(args):
    try:
        v = os.getxattr(args[0], "security.capability", follow_symlinks=False)
    except OSError:
        print("absent")
        return 0
    magic, = struct.unpack_from("<I", v, 0) if len(v) >= 4 else (0,)
    rev = magic >> 24
    if rev == 3 and len(v) >= 24:
        rootid, = struct.unpack_from("<I", v, 20)
        print(f"v3 {rootid} {v.hex()}")
    elif rev == 2:
        print(f"v2 {v.hex()}")
    else:
        print(f"v{rev} {v.hex()}")
    return 0


# --------------------------------------------------------------------------------------
# protocol abuse

def frame(obj_bytes):
    return struct.pack("<I", len(obj_bytes)) + obj_bytes


def read_replies(s, timeout):
    """Reads frames until EOF or timeout. Returns (list of decoded frames, end) where end
    is 'closed', 'reset' or 'timeout'."""
    s.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return parse_frames(buf), "timeout"
        s.settimeout(left)
        try:
            b = s.recv(65536)
        except socket.timeout:
            return parse_frames(buf), "timeout"
        except (ConnectionResetError, BrokenPipeError):
            return parse_frames(buf), "reset"
        if not b:
            return parse_frames(buf), "closed"
        buf += b
        frames = parse_frames(buf)
        if frames and any(is_final(f) for f in frames):
            return frames, "replied"


def is_final(f):
    if isinstance(f, dict):
        return any(k in f for k in ("error", "result")) or f.get("type") in ("error", "result") \
            or f.get("kind") in ("error", "result")
    return False


def parse_frames(buf):
    out = []
    while len(buf) >= 4:
        n, = struct.unpack_from("<I", buf, 0)
        if len(buf) < 4 + n:
            break
        try:
            out.append(json.loads(buf[4:4 + n]))
        except ValueError:
            out.append({"undecodable": buf[4:4 + n][:200].decode("latin-1")})
        buf = buf[4 + n:]
    return out


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def sendall_quiet(s, data):
    try:
        s.sendall(data)
        return "sent"
    except (BrokenPipeError, ConnectionResetError):
        return "peer closed while sending"


ABUSE = {}


def abuse(name):
    def reg(fn):
        ABUSE[name] = fn
        return fn
    return reg


@abuse("oversized")
def _(s):
    # Announce 2 MiB and send it: must be refused (limit 1 MiB) without reading it all.
    body = b'{"v":1,"op":"list","pad":"' + b"x" * (2 << 20) + b'"}'
    return sendall_quiet(s, frame(body)), True


@abuse("huge-length")
def _(s):
    return sendall_quiet(s, struct.pack("<I", 0xFFFFFFFF) + b"{}"), True


@abuse("garbage")
def _(s):
    return sendall_quiet(s, b"GET / HTTP/1.1\r\nHost: wsl\r\n\r\n" + os.urandom(512)), True


@abuse("not-json")
def _(s):
    return sendall_quiet(s, frame(b"this is { not json")), True


@abuse("json-array")
def _(s):
    return sendall_quiet(s, frame(b'[1,2,3]')), True


@abuse("json-string")
def _(s):
    return sendall_quiet(s, frame(b'"list"')), True


@abuse("unknown-op")
def _(s):
    return sendall_quiet(s, frame(json.dumps({"v": 1, "op": "no-such-operation-xyz"}).encode())), True


@abuse("wrong-types")
def _(s):
    return sendall_quiet(s, frame(json.dumps({"v": 1, "op": ["list"], "name": {"x": 1}}).encode())), True


@abuse("bad-version")
def _(s):
    return sendall_quiet(s, frame(json.dumps({"v": 999, "op": "list"}).encode())), True


@abuse("import-no-fds")
def _(s):
    req = {"v": 1, "op": "import", "name": "nofds", "location": "/tmp", "file": "/etc/shadow",
           "version": 1}
    return sendall_quiet(s, frame(json.dumps(req).encode())), True


@abuse("deep-nesting")
def _(s):
    body = b"[" * 500000 + b"]" * 500000
    return sendall_quiet(s, frame(body)), True


@abuse("deep-nesting-unterminated")
def _(s):
    return sendall_quiet(s, frame(b"[" * 1000000)), True


@abuse("invalid-utf8")
def _(s):
    return sendall_quiet(s, frame(b'{"v":1,"op":"\xff\xfe\xfd"}')), True


@abuse("zero-length")
def _(s):
    return sendall_quiet(s, struct.pack("<I", 0)), True


@abuse("truncated")
def _(s):
    # Announce 100 bytes, send 10, then close our side: the service must not wait forever.
    r = sendall_quiet(s, struct.pack("<I", 100) + b'{"v":1,"op')
    s.shutdown(socket.SHUT_WR)
    return r, True


@abuse("truncated-header")
def _(s):
    r = sendall_quiet(s, b"\x10\x00")
    s.shutdown(socket.SHUT_WR)
    return r, True


@abuse("many-fds")
def _(s):
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(200)]
    try:
        body = frame(json.dumps({"v": 1, "op": "list"}).encode())
        try:
            socket.send_fds(s, [body], fds)
            r = "sent"
        except OSError as err:
            r = f"send failed: {err}"
    finally:
        for fd in fds:
            os.close(fd)
    return r, True


@abuse("fds-unknown-op")
def _(s):
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(4)]
    try:
        body = frame(json.dumps({"v": 1, "op": "no-such-operation-xyz"}).encode())
        socket.send_fds(s, [body], fds)
    finally:
        for fd in fds:
            os.close(fd)
    return "sent", True


def send_body_with_stdio(s, body):
    fds = [os.open("/dev/null", os.O_RDWR) for _ in range(3)]
    try:
        socket.send_fds(s, [frame(body)], fds)
    finally:
        for fd in fds:
            os.close(fd)
    return "sent", True


def send_with_stdio(s, req):
    return send_body_with_stdio(s, json.dumps(req).encode())


@abuse("run-no-fds")
def _(s):
    return sendall_quiet(s, frame(json.dumps({"v": 1, "op": "run", "name": "same"}).encode())), True


@abuse("run-bad-argv")
def _(s):
    return send_with_stdio(s, {"v": 1, "op": "run", "name": "same", "argv": [1, {"x": 2}]})


@abuse("run-bad-tty")
def _(s):
    return send_with_stdio(s, {"v": 1, "op": "run", "name": "same", "argv": ["true"],
                               "tty": "yes", "rows": -5})


@abuse("run-bad-user")
def _(s):
    return send_with_stdio(s, {"v": 1, "op": "run", "name": "same", "user": ["root"],
                               "cwd": 7})


@abuse("deep-request")
def _(s):
    # A well-formed request to a real distro whose "config" nests 450,000 deep (2 bytes a
    # level, under the 1 MiB limit): copying or printing it recursively overflows a stack.
    body = (b'{"v":1,"op":"run","name":"same","argv":["true"],"config":' +
            b"[" * 450000 + b"]" * 450000 + b"}")
    return send_body_with_stdio(s, body)


@abuse("deep-object")
def _(s):
    body = b'{"v":1,"op":"list","x":' + b'{"a":' * 200000 + b"1" + b"}" * 200000 + b"}"
    return sendall_quiet(s, frame(body)), True


@abuse("fd-trickle")
def _(s):
    # One request sent a byte at a time, each byte carrying 8 descriptors: the service must
    # not collect them (thousands) for the length of the frame.
    data = frame(json.dumps({"v": 1, "op": "list", "pad": "x" * 2000}).encode())
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(8)]
    sent = 0
    try:
        for i in range(len(data)):
            socket.send_fds(s, [data[i:i + 1]], fds)
            sent += 1
    except OSError as err:
        return f"stopped after {sent} bytes: {err.strerror}", True
    finally:
        for fd in fds:
            os.close(fd)
    return "sent", True


def tiny_rootfs_tar():
    """A minimal distro as an uncompressed tar: etc/ and an empty etc/os-release."""
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        d = tarfile.TarInfo("etc")
        d.type, d.mode = tarfile.DIRTYPE, 0o755
        t.addfile(d)
        f = tarfile.TarInfo("etc/os-release")
        t.addfile(f, io.BytesIO(b""))
    return buf.getvalue()


@abuse("install-no-fds")
def _(s):
    return sendall_quiet(s, frame(json.dumps({"v": 1, "op": "install", "name": "abused"}).encode())), True


@abuse("install-bad-name")
def _(s):
    r, w = os.pipe()
    try:
        socket.send_fds(s, [frame(json.dumps({"v": 1, "op": "install", "name": ["x"]}).encode())], [r])
    finally:
        os.close(r)
        os.close(w)
    return "sent", True


@abuse("install-bad-commit")
def _(s):
    # A real install up to "extracted", then a commit that is not a boolean: refused, and the
    # extracted tree and the record go again.
    r, w = os.pipe()
    socket.send_fds(s, [frame(json.dumps({"v": 1, "op": "install", "name": "abused"}).encode())], [r])
    os.close(r)
    os.write(w, tiny_rootfs_tar())
    os.close(w)
    s.settimeout(10.0)
    for _ in range(50):
        head = s.recv(4, socket.MSG_WAITALL)
        if len(head) < 4:
            return "closed before extracted", False
        body = json.loads(s.recv(struct.unpack("<I", head)[0], socket.MSG_WAITALL))
        if body.get("type") == "extracted":
            return sendall_quiet(s, frame(json.dumps({"commit": "yes"}).encode())), True
        if body.get("type") in ("error", "result"):
            return "ended early: " + json.dumps(body), False
    return "no extracted event", False


def cmd_abuse(args):
    path, case = args
    if case == "list":
        print(" ".join(ABUSE))
        return 0
    s = connect(path)
    what, wait = ABUSE[case](s)
    frames, end = read_replies(s, 10.0) if wait else ([], "n/a")
    s.close()
    desc = json.dumps(frames)[:300]
    print(f"{case}: {what}; {end}; frames={desc}")
    return 0


def cmd_hold(args):
    path, seconds = args[0], float(args[1])
    s = connect(path)
    s.sendall(b"\x20\x00")
    time.sleep(seconds)
    s.close()
    return 0


def cmd_flood(args):
    """flood SOCK N SECONDS [FDS]: opens N connections, each sending one byte of a header
    (with FDS descriptors riding along), prints how many the service refused at once
    (an error frame within 0.5 s) and how many could not connect, then holds the rest."""
    path, n, seconds = args[0], int(args[1]), float(args[2])
    nfds = int(args[3]) if len(args) > 3 else 0
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(nfds)]
    held, failed, hung_up = [], 0, 0
    for _ in range(n):
        try:
            s = connect(path)
        except OSError:
            failed += 1
            continue
        try:
            if fds:
                socket.send_fds(s, [b"\x20"], fds)
            else:
                s.sendall(b"\x20")
            held.append(s)
        except OSError:  # answered and closed before our byte arrived: refused
            hung_up += 1
            s.close()
    for fd in fds:
        os.close(fd)
    time.sleep(0.5)
    refused = 0
    for s in held:
        s.setblocking(False)
        try:
            if s.recv(65536, socket.MSG_PEEK):
                refused += 1
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            refused += 1
    print(f"refused {refused + hung_up} failed {failed} open {len(held) - refused}", flush=True)
    time.sleep(seconds)
    for s in held:
        s.close()
    return 0


def cmd_slow(args):
    """slow SOCK SECONDS: sends a valid request one byte per second; prints when the service
    cut it off (or 'not cut off')."""
    path, seconds = args[0], float(args[1])
    s = connect(path)
    data = frame(json.dumps({"v": 1, "op": "list"}).encode() + b" " * 100)
    start = time.monotonic()
    for i in range(len(data)):
        if time.monotonic() - start > seconds:
            break
        try:
            s.sendall(data[i:i + 1])
        except OSError:
            print(f"cut off after {time.monotonic() - start:.1f} s", flush=True)
            return 0
        s.settimeout(1.0)
        try:
            b = s.recv(65536)
            if not b or b"error" in b:
                print(f"cut off after {time.monotonic() - start:.1f} s", flush=True)
                return 0
        except socket.timeout:
            pass
    print("not cut off", flush=True)
    return 0


def list_once(path):
    s = connect(path)
    s.sendall(frame(json.dumps({"v": 1, "op": "list"}).encode()))
    frames, end = read_replies(s, 10.0)
    s.close()
    return bool(frames) and frames[-1].get("type") == "result"


def cmd_time_list(args):
    """time-list SOCK N: N list requests one after another; prints the median and the 95th
    percentile of their round trips in ms, and how many failed."""
    path, n = args[0], int(args[1])
    times, failed = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        if not list_once(path):
            failed += 1
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"{times[len(times) // 2]:.2f} {times[int(len(times) * 0.95)]:.2f} {failed}")
    return 0


def cmd_spam(args):
    """spam SOCK SECONDS: list requests as fast as one process can send them, for SECONDS;
    prints how many were answered."""
    path, seconds = args[0], float(args[1])
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        try:
            n += list_once(path)
        except OSError:
            pass
    print(n)
    return 0


def cmd_first_run(args):
    """first-run SOCK NAME: an interactive launch of NAME as a terminal client would send it
    (stdio on /dev/null), running the image's [oobe] command: relays its setup session and
    reports its exit status, then stops. Prints the events it saw."""
    path, name = args
    s = connect(path)
    fds = [os.open("/dev/null", os.O_RDWR) for _ in range(3)]
    req = {"v": 1, "op": "run", "name": name, "argv": [], "shell_type": "standard",
           "interactive": True, "tty": [False, False, False], "config": {}}
    socket.send_fds(s, [frame(json.dumps(req).encode())], fds)
    for fd in fds:
        os.close(fd)
    seen = []
    while True:
        # The fds ride on the frame's first bytes: collect them from every read.
        head, fds, _, _ = socket.recv_fds(s, 4, 8, socket.MSG_WAITALL)
        if len(head) < 4:
            break
        n, = struct.unpack("<I", head)
        msg, more, _, _ = socket.recv_fds(s, n, 8, socket.MSG_WAITALL)
        fds += more
        body = json.loads(msg)
        seen.append(body.get("type"))
        if body.get("type") == "session" and body.get("setup") and fds:
            sess = socket.socket(fileno=fds[0])
            code = 255
            buf = b""
            while True:
                b = sess.recv(65536)
                if not b:
                    break
                buf += b
                frames = parse_frames(buf)
                done = [f for f in frames if "exit" in f or "signal" in f]
                if done:
                    code = done[0].get("exit", 128 + done[0].get("signal", 0))
                    break
            sess.close()
            s.sendall(frame(json.dumps({"setupExit": code}).encode()))
        elif body.get("type") in ("session", "result", "error"):
            for fd in fds:
                os.close(fd)
            break
    print(" ".join(str(t) for t in seen))
    return 0


def cmd_raw_request(args):
    path, body = args
    s = connect(path)
    s.sendall(frame(body.encode()))
    frames, end = read_replies(s, 10.0)
    print(json.dumps({"frames": frames, "end": end}))
    return 0


# --------------------------------------------------------------------------------------
# hostile corpus manifest and canaries

def cmd_manifest(args):
    with open(args[0]) as f:
        man = json.load(f)
    if args[1] == "cases":
        for k in man:
            print(k)
        return 0
    if args[1] == "field":
        v = man[args[2]].get(args[3])
        if v is None:
            return 3
        print(json.dumps(v) if isinstance(v, (dict, list)) else v)
        return 0
    return 2


def cmd_canaries(args):
    with open(args[0]) as f:
        man = json.load(f)
    what, case = args[1], args[2]
    problems = []
    for c in man[case].get("canaries", []):
        p, kind = c["path"], c["kind"]
        mode = int(c.get("mode", "0777"), 8)
        if what == "paths":
            print(p)
        elif what == "create":
            subprocess.run(["rm", "-rf", p], check=True)
            if kind == "dir":
                os.mkdir(p)
                os.chmod(p, mode)
            elif kind == "file":
                with open(p, "w") as f:
                    f.write(c.get("content", ""))
                os.chmod(p, mode)
        elif what == "verify":
            if kind == "none" or kind not in ("dir", "file"):
                if os.path.lexists(p):
                    problems.append(f"{p} was created")
                continue
            if not os.path.lexists(p):
                problems.append(f"{p} has disappeared")
                continue
            st = os.lstat(p)
            if kind == "dir":
                if not stat.S_ISDIR(st.st_mode):
                    problems.append(f"{p} is no longer a directory")
                elif os.listdir(p):
                    problems.append(f"{p} received entries: {sorted(os.listdir(p))}")
            else:
                if not stat.S_ISREG(st.st_mode):
                    problems.append(f"{p} is no longer a regular file")
                    continue
                with open(p) as f:
                    got = f.read()
                if got != c.get("content", ""):
                    problems.append(f"{p} was modified: {got[:80]!r}")
                if st.st_nlink != 1:
                    problems.append(f"{p} gained hard links (nlink {st.st_nlink})")
            if stat.S_IMODE(st.st_mode) != mode:
                problems.append(f"{p} mode changed to {oct(stat.S_IMODE(st.st_mode))}")
            if st.st_uid != 0:
                problems.append(f"{p} owner changed to {st.st_uid}")
    for line in problems:
        print(line)
    return 1 if problems else 0


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    table = {"listing": cmd_listing, "diff": cmd_diff, "entry": cmd_entry,
             "registry": cmd_registry, "capinfo": cmd_capinfo, "abuse": cmd_abuse,
             "hold": cmd_hold, "raw-request": cmd_raw_request, "flood": cmd_flood,
             "slow": cmd_slow, "first-run": cmd_first_run, "time-list": cmd_time_list,
             "spam": cmd_spam, "manifest": cmd_manifest,
             "canaries": cmd_canaries,
             "wait-state": cmd_wait_state, "tar-bytes": cmd_tar_bytes}
    if cmd not in table:
        print(f"unknown subcommand {cmd}", file=sys.stderr)
        return 2
    return table[cmd](args)


if __name__ == "__main__":
    sys.exit(main())
