#!/usr/bin/env python3
"""A test HTTP(S) server and forward proxy with controllable faults, for the `wsl --install`
end-to-end tests (not a test itself). Python standard library only; `openssl` for certificates.

Subcommands:
  serve --root DIR --port-file FILE [--log FILE] [--tls-dir CERTDIR]
        serve DIR on 127.0.0.1 (free port, written to FILE atomically once listening) until
        SIGTERM; HTTPS with CERTDIR/server.crt + server.key when --tls-dir is given
  make-cert CERTDIR
        ca.crt/ca.key, server.crt/server.key (signed by the CA, DNS:localhost + IP:127.0.0.1,
        2 days) and other-ca.crt (an unrelated CA); does nothing when they all exist
  proxy --port-file FILE [--log FILE]
        forward proxy: absolute-form requests are fetched from the origin and streamed back;
        CONNECT host:port is tunnelled both ways

Plain files (GET/HEAD): 200 + Content-Length, ETag "<sha1(path:size:mtime_ns)>", Last-Modified,
Accept-Ranges; If-None-Match -> 304; Range bytes=N- / N-M / -S -> 206 or 416 (bytes */TOTAL);
If-Range is honoured. Missing file -> 404 with a text body. Paths never leave --root.

Fault prefixes (the rest of the URL is the file path):
  /drop/N/P         no Range: 200 full length, N body bytes, abrupt close; with Range: normal
  /dropeach/N/P     every response (Range honoured) stops after N body bytes and closes
  /truncate/N/P     Range ignored: 200 full length from offset 0, N bytes, close
  /short/N/P        the file cut to N bytes, served honestly (Content-Length N)
  /stall/N/P        200 full length, N bytes, then silence until the client leaves (<= 600 s)
  /stallhead/P      never answers (<= 600 s)
  /slow/BPS/P       normal, body paced at about BPS bytes per second
  /redirect/C/R     status C with Location: /R (R may carry another prefix)
  /redirectabs/C/R  the same with Location: http(s)://127.0.0.1:PORT/R
  /status/C/P       status C with a small text body
  /noetag/P         a plain file without ETag
  /chunked/P        Transfer-Encoding: chunked, always 200

--log FILE: one JSON object per request line, appended and flushed: t, method, path (as
requested), range, if_none_match, user_agent, host (headers or null).
"""

import argparse
import email.utils
import fcntl
import hashlib
import http.client
import http.server
import json
import mimetypes
import os
import re
import select
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

HOLD_SECONDS = 600
CHUNK = 64 * 1024
MODES_WITH_ARG = {"drop", "dropeach", "truncate", "short", "stall", "slow",
                  "redirect", "redirectabs", "status"}
MODES_NO_ARG = {"stallhead", "noetag", "chunked"}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
              "proxy-authenticate", "te", "trailer", "trailers", "transfer-encoding", "upgrade"}
QUIET_ERRORS = (ConnectionError, ssl.SSLError, TimeoutError, http.client.IncompleteRead)


class JsonLog:
    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8") if path else None
        self.lock = threading.Lock()

    def write(self, handler):
        if not self.file:
            return
        h = handler.headers
        rec = {"t": time.time(), "method": handler.command, "path": handler.path,
               "range": h.get("Range"), "if_none_match": h.get("If-None-Match"),
               "user_agent": h.get("User-Agent"), "host": h.get("Host")}
        with self.lock:
            self.file.write(json.dumps(rec) + "\n")
            self.file.flush()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, handler, log, tls=None, root=None):
        self.log, self.tls, self.root = log, tls, root
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self):  # HTTPServer's would do a (possibly slow) reverse DNS lookup
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], QUIET_ERRORS):
            traceback.print_exc()


class Handler(http.server.BaseHTTPRequestHandler):
    """What both the file server and the proxy share: TLS, logging, quiet errors, helpers."""
    protocol_version = "HTTP/1.1"
    timeout = 900  # idle keep-alive connections end eventually

    def setup(self):
        if self.server.tls:  # handshake in this thread, not in the accept loop
            self.request.settimeout(30)
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self):
        super().finish()
        if self.server.tls:  # the server only closes the (detached) plain socket
            self.request.close()

    def parse_request(self):
        ok = super().parse_request()
        if ok:
            self.server.log.write(self)
        return ok

    def log_message(self, fmt, *args):  # no access log on stderr: see --log
        pass

    def log_error(self, fmt, *args):
        sys.stderr.write("httpd: %s\n" % (fmt % args))

    def start(self, code, headers, reason=None):
        self.send_response(code, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def send_text(self, code, text, headers=()):
        body = text.encode()
        bodyless = code < 200 or code in (204, 304)
        hdrs = [] if bodyless else [("Content-Type", "text/plain; charset=utf-8"),
                                    ("Content-Length", str(len(body)))]
        self.start(code, hdrs + list(headers))
        if not bodyless and self.command != "HEAD":
            self.wfile.write(body)

    def abort(self):
        """Close the connection abruptly: no more bytes, whatever was promised."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# ----------------------------------------------------------------------------------------
# the file server

def split_target(raw_path):
    """'/drop/10/a/b' -> ('drop', 10, 'a/b'); '/a/b' -> ('plain', None, 'a/b')."""
    parts = raw_path.lstrip("/").split("/")
    if parts[0] in MODES_WITH_ARG and len(parts) >= 2 and parts[1].isdigit():
        return parts[0], int(parts[1]), "/".join(parts[2:])
    if parts[0] in MODES_NO_ARG:
        return parts[0], None, "/".join(parts[1:])
    return "plain", None, "/".join(parts)


def parse_range(value, size):
    """(start, end) inclusive, None to ignore the header, or 'unsatisfiable'."""
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value or "")
    if not m or (m[1] == "" and m[2] == ""):
        return None
    if m[1] == "":
        suffix = int(m[2])
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start, end = int(m[1]), int(m[2] or size - 1)
    if m[2] and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def etag_matches(header, etag):
    if not header or not etag:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or etag in [t[2:] if t.startswith("W/") else t for t in tags]


class FileHandler(Handler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        mode, arg, rest = split_target(url.path)
        if mode == "stallhead":
            return self.hold()
        if mode in ("redirect", "redirectabs"):
            loc = "/" + rest + ("?" + url.query if url.query else "")
            if mode == "redirectabs":
                scheme = "https" if self.server.tls else "http"
                loc = "%s://127.0.0.1:%d%s" % (scheme, self.server.server_port, loc)
            return self.start(arg, [("Location", loc), ("Content-Length", "0")])
        if mode == "status":
            if not 200 <= arg <= 599:
                return self.send_text(400, "status must be 200..599\n")
            return self.send_text(arg, "status %d from the test server\n" % arg)
        full = self.resolve(rest)
        if full is None:
            return self.send_text(404, "404 not found: %s\n" % url.path)
        self.serve_file(full, mode, arg)

    do_HEAD = do_GET

    def resolve(self, rest):
        """The real path of a regular file under --root, or None."""
        rel = urllib.parse.unquote(rest)
        if "\0" in rel:
            return None
        root = self.server.root
        full = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        if os.path.commonpath([root, full]) != root or not os.path.isfile(full):
            return None
        return full

    def serve_file(self, full, mode, arg):
        st = os.stat(full)
        size = min(arg, st.st_size) if mode == "short" else st.st_size
        key = "%s:%d:%d" % (full, size, st.st_mtime_ns)
        etag = None if mode == "noetag" else '"%s"' % hashlib.sha1(key.encode()).hexdigest()
        lastmod = email.utils.formatdate(st.st_mtime, usegmt=True)
        ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
        headers = [("Content-Type", ctype), ("Last-Modified", lastmod)]
        if etag:
            headers.append(("ETag", etag))
        if etag_matches(self.headers.get("If-None-Match"), etag):
            return self.start(304, headers)
        if mode == "chunked":
            return self.send_chunked(full, headers)
        headers.append(("Accept-Ranges", "bytes"))

        rng = None
        if mode not in ("truncate", "stall"):
            if_range = self.headers.get("If-Range")
            if if_range is None or if_range.strip() in (etag, lastmod):
                rng = parse_range(self.headers.get("Range"), size)
        if rng == "unsatisfiable":
            return self.send_text(416, "range not satisfiable\n",
                                  [("Content-Range", "bytes */%d" % size)])
        code, start, end = (206, *rng) if rng else (200, 0, size - 1)
        if rng:
            headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, size)))
        length = end - start + 1
        headers.append(("Content-Length", str(length)))
        self.start(code, headers)
        if self.command == "HEAD":
            return

        limit = length
        if mode in ("dropeach", "truncate", "stall") or (mode == "drop" and "Range" not in self.headers):
            limit = min(arg, length)
        self.copy(full, start, limit, bps=arg if mode == "slow" else None)
        if limit < length:
            if mode == "stall":
                self.hold()
            self.abort()

    def copy(self, full, offset, count, bps=None):
        step = max(1, min(CHUNK, bps // 20)) if bps else CHUNK
        t0, sent = time.monotonic(), 0
        with open(full, "rb") as f:
            f.seek(offset)
            while sent < count:
                data = f.read(min(step, count - sent))
                if not data:  # the file shrank under us: the promised length cannot be kept
                    return self.abort()
                self.wfile.write(data)
                sent += len(data)
                if bps:
                    delay = t0 + sent / bps - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)

    def send_chunked(self, full, headers):
        self.start(200, headers + [("Transfer-Encoding", "chunked")])
        if self.command == "HEAD":
            return
        with open(full, "rb") as f:
            while data := f.read(CHUNK):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")

    def hold(self):
        """Keep the socket open, reading and discarding, until the client leaves."""
        self.close_connection = True
        deadline = time.monotonic() + HOLD_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 5))
            if readable:
                try:
                    if not self.connection.recv(CHUNK):
                        return
                except (OSError, ValueError):
                    return


# ----------------------------------------------------------------------------------------
# the forward proxy

class ProxyHandler(Handler):
    rbufsize = 0  # unbuffered: nothing the client sends after CONNECT may hide in a buffer

    def do_CONNECT(self):
        self.close_connection = True
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except (OSError, ValueError) as e:
            return self.send_text(502, "proxy: cannot connect to %s: %s\n" % (self.path, e))
        with upstream:
            upstream.settimeout(None)
            self.start(200, [], "Connection established")
            tunnel(self.connection, upstream)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            return self.send_text(400, "proxy: needs an absolute http:// URL\n")
        target = (url.path or "/") + ("?" + url.query if url.query else "")
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=HOLD_SECONDS)
        try:
            try:
                resp = self.ask_origin(conn, target, url.netloc)
            except OSError as e:
                return self.send_text(502, "proxy: cannot reach %s: %s\n" % (url.netloc, e))
            self.relay(resp)
        finally:
            conn.close()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def ask_origin(self, conn, target, netloc):
        conn.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP:
                conn.putheader(name, value)
        if "Host" not in self.headers:
            conn.putheader("Host", netloc)
        length = int(self.headers.get("Content-Length") or 0)
        conn.endheaders(self.rfile.read(length) if length else None)
        return conn.getresponse()

    def relay(self, resp):
        bodyless = self.command == "HEAD" or resp.status < 200 or resp.status in (204, 304)
        rechunk = not bodyless and resp.getheader("Content-Length") is None
        headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
        if rechunk:
            headers.append(("Transfer-Encoding", "chunked"))
        self.send_response_only(resp.status, resp.reason)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if bodyless:
            return
        try:
            while data := resp.read1(CHUNK):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if rechunk else data)
        except (http.client.IncompleteRead, OSError):
            return self.abort()  # the origin dropped us: drop the client the same way
        if resp.length:  # fewer bytes than the origin's Content-Length promised
            return self.abort()
        if rechunk:
            self.wfile.write(b"0\r\n\r\n")


def tunnel(a, b):
    """Copy bytes both ways until both sides have finished sending (or 600 s of silence)."""
    peer = {a: b, b: a}
    while peer:
        readable, _, _ = select.select(list(peer), [], [], HOLD_SECONDS)
        if not readable:
            return
        for src in readable:
            try:
                data = src.recv(CHUNK)
            except OSError:
                data = b""
            dst = peer[src]
            try:
                if data:
                    dst.sendall(data)
                    continue
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                return
            del peer[src]


# ----------------------------------------------------------------------------------------
# certificates

OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = wsl-e2e
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""
CERT_FILES = ("ca.crt", "ca.key", "server.crt", "server.key", "other-ca.crt")


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_cert(certdir):
    os.makedirs(certdir, exist_ok=True)
    with open(os.path.join(certdir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(os.path.exists(os.path.join(certdir, f)) for f in CERT_FILES):
            return
        tmp = tempfile.mkdtemp(dir=certdir, prefix=".make-cert.")
        try:
            p = lambda name: os.path.join(tmp, name)
            with open(p("openssl.cnf"), "w") as f:
                f.write(OPENSSL_CNF)
            newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            for name, cn in (("ca", "wsl-e2e test CA"), ("other-ca", "wsl-e2e unrelated CA")):
                openssl("req", "-x509", *newkey, "-keyout", p(name + ".key"), "-out",
                        p(name + ".crt"), "-days", "2", "-config", p("openssl.cnf"),
                        "-extensions", "ca", "-subj", "/CN=" + cn)
            openssl("req", "-new", *newkey, "-keyout", p("server.key"), "-out", p("server.csr"),
                    "-config", p("openssl.cnf"), "-subj", "/CN=localhost")
            openssl("x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey",
                    p("ca.key"), "-set_serial", "0x" + os.urandom(8).hex(), "-days", "2",
                    "-out", p("server.crt"), "-extfile", p("openssl.cnf"), "-extensions", "server")
            for name in CERT_FILES:
                os.replace(p(name), os.path.join(certdir, name))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------------------
# main

def run_server(server, port_file):
    def on_signal(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tmp = "%s.tmp.%d" % (port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_port)
    os.replace(tmp, port_file)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:  # daemon threads may sit in stalled connections: do not wait for them
        sys.stderr.flush()
        os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("make-cert").add_argument("certdir")
    for name in ("serve", "proxy"):
        p = sub.add_parser(name)
        p.add_argument("--port-file", required=True)
        p.add_argument("--log")
        if name == "serve":
            p.add_argument("--root", required=True)
            p.add_argument("--tls-dir")
    args = ap.parse_args()

    if args.cmd == "make-cert":
        try:
            make_cert(args.certdir)
        except subprocess.CalledProcessError as e:
            sys.exit("httpd: openssl failed: %s" % e.stderr.decode(errors="replace").strip())
        return
    log = JsonLog(args.log)
    if args.cmd == "proxy":
        return run_server(Server(ProxyHandler, log), args.port_file)
    root = os.path.realpath(args.root)
    if not os.path.isdir(root):
        sys.exit("httpd: --root %s is not a directory" % args.root)
    tls = None
    if args.tls_dir:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(args.tls_dir, "server.crt"),
                            os.path.join(args.tls_dir, "server.key"))
    run_server(Server(FileHandler, log, tls, root), args.port_file)


if __name__ == "__main__":
    main()
