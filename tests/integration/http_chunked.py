#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Origin and raw client for test_http_chunked.sh (chunked request bodies
and the kept-upstream retry of the plain-HTTP proxy).

origin ADDR PORT LOG [--drop-after N] [--rst] [--idle SECONDS]
    python's http.server (HTTP/1.1, keep-alive).  POST/PUT: the body is
    read as the head says (its own chunked decoder, RFC 9112 7.1: sizes,
    extensions, trailers; or Content-Length) and answered with
    "<sha256 of the body> <length> <sha256 of the body's wire bytes>
    <conn> <req>".  GET: "conn=<conn> req=<req>".  Each request is logged
    in LOG as "<conn> <req> <method> <path> <framing> <sha256> <trailers>"
    (conn: a number per TCP connection, req: its requests).  --drop-after
    N: on a connection's request N + 1 the origin reads it, its body
    included, and closes without a byte of response (FIN; --rst: a reset),
    as an origin that closes an idle keep-alive connection just as the next
    request comes; logged with framing "dropped".  A path starting with
    /early is dropped as soon as its head is read: the proxy may still be
    sending the body then.  --idle: a connection idle that long
    is closed (a keep-alive timeout, as nginx's keepalive_timeout).
pipe PROXY_HOST PROXY_PORT ORIGIN
    One connection to the proxy: a chunked POST with extensions and
    trailers whose data looks like an end and a request, a GET, a chunked
    PUT split at odd places, all sent at once (pipelined).  Each response
    is read and checked against the body's hashes; prints one line per
    response, exits 1 on a mismatch.
idle PROXY_HOST PROXY_PORT URL PAUSE...
    One connection to the proxy: a GET for URL, then after each PAUSE
    (seconds) another; prints each status, exits 1 unless all are 200.
slowput PROXY_HOST PROXY_PORT URL_GET URL_PUT FILE FIRST
    One connection to the proxy: a GET for URL_GET, then a PUT of FILE
    (Content-Length) to URL_PUT: its head with the body's first FIRST
    bytes, the rest 0.3 s later.  Prints both statuses and answers; exits
    1 unless both are 200 and the PUT's answer is the sha256 of FILE.
raw PROXY_HOST PROXY_PORT HEX_PARTS...
    Sends each part (hex) on one connection, 0.3 s apart, then prints what
    came back (repr) until the proxy closes (or 10 s).
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from http_read import Reader, read_response

LOCK = threading.Lock()
CONNS = [0]


def read_chunked(rfile):
    """The body of a chunked message; returns (body, wire bytes, trailer names)."""
    body, wire, names = [], [], []
    while True:
        line = rfile.readline(65537)
        wire.append(line)
        if not line.endswith(b"\r\n"):
            raise ValueError("size line without CRLF: %r" % line[:40])
        size = int(line[:-2].split(b";")[0].strip(), 16)
        if size == 0:
            break
        data = rfile.read(size)
        crlf = rfile.read(2)
        wire += [data, crlf]
        if len(data) != size or crlf != b"\r\n":
            raise ValueError("chunk data short or without CRLF")
        body.append(data)
    while True:
        line = rfile.readline(65537)
        wire.append(line)
        if line == b"\r\n":
            break
        if not line.endswith(b"\r\n") or b":" not in line:
            raise ValueError("bad trailer %r" % line[:40])
        names.append(line.split(b":")[0].decode())
    return b"".join(body), b"".join(wire), names


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with LOCK:
            CONNS[0] += 1
            self.cid = CONNS[0]
        self.nreq = 0

    def log(self, *f):
        with LOCK:
            self.server.logf.write(" ".join(str(x) for x in (self.cid, self.nreq) + f) + "\n")

    def dropping(self):
        return self.server.drop and self.nreq + 1 > self.server.drop

    def handle_expect_100(self):
        if self.dropping():
            return True  # no byte of a response on a request that is dropped
        return super().handle_expect_100()

    def drop(self):
        self.nreq += 1
        if not self.path.startswith("/early"):
            # the whole request first: the proxy has sent all of it before
            # the close, whatever the timing (its copy for a second try is
            # then all it could have kept, or less)
            try:
                self.read_body()
            except (ValueError, OSError):
                pass
        self.log(self.command, self.path, "dropped", "-", "-")
        if self.server.rst:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            with LOCK:
                self.server.rst_socks.add(self.connection)
        self.close_connection = True

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.dropping():
            return self.drop()
        self.nreq += 1
        self.log("GET", self.path, "none", "-", "-")
        self.answer(b"conn=%d req=%d\n" % (self.cid, self.nreq))

    def read_body(self):
        """The request's body as its head frames it: (body, wire bytes,
        trailer names, framing)."""
        te = self.headers.get("Transfer-Encoding", "")
        if te:
            if te.split(",")[-1].strip().lower() != "chunked":
                raise ValueError("TE " + te)
            body, wire, names = read_chunked(self.rfile)
            return body, wire, names, "chunked"
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        return body, body, [], "length"

    def do_POST(self):
        if self.dropping():
            return self.drop()
        self.nreq += 1
        try:
            body, wire, names, framing = self.read_body()
        except (ValueError, OSError) as e:
            self.log(self.command, self.path, "bad", "-", str(e).replace(" ", "_"))
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        sha = hashlib.sha256(body).hexdigest()
        self.log(self.command, self.path, framing, sha, ",".join(names) or "-")
        self.answer(b"%s %d %s %d %d\n" % (sha.encode(), len(body),
                                           hashlib.sha256(wire).hexdigest().encode(),
                                           self.cid, self.nreq))

    do_PUT = do_POST

    def log_message(self, *a):
        pass


class S(ThreadingHTTPServer):
    daemon_threads = True

    def shutdown_request(self, request):
        with LOCK:
            rst = request in self.rst_socks
            self.rst_socks.discard(request)
        if rst:
            request.close()  # SO_LINGER 0: a reset, no FIN first
        else:
            super().shutdown_request(request)


def origin(addr, port, log, args):
    srv = S((addr, int(port)), H)
    srv.logf = open(log, "a", buffering=1)
    srv.drop = int(args[args.index("--drop-after") + 1]) if "--drop-after" in args else 0
    srv.rst = "--rst" in args
    srv.rst_socks = set()
    if "--idle" in args:
        H.timeout = float(args[args.index("--idle") + 1])
    srv.serve_forever()


# ------------------------------------------------------------------ client

def chunk_wire(parts, exts=None, trailers=b""):
    out = []
    for i, p in enumerate(parts):
        ext = exts[i] if exts else b""
        out.append(b"%x%s\r\n%s\r\n" % (len(p), ext, p))
    return b"".join(out) + b"0;end=1\r\n" + trailers + b"\r\n"


def pipe(host, port, origin_url):
    big = os.urandom(40000)  # what waits pipelined stays under the proxy's 64 KiB bound
    p1 = [b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", os.urandom(3000), b"z"]
    w1 = chunk_wire(p1, [b";a=b", b' ;q="x;y"', b""], b"X-Sum: 1\r\nX-Two: two\r\n")
    p3 = [big[:1], big[1:25000], big[25000:]]
    w3 = chunk_wire(p3)
    reqs = [
        (b"POST %s/hash HTTP/1.1\r\nHost: o\r\nTransfer-Encoding: chunked\r\n\r\n" % origin_url
         + w1, b"".join(p1), w1),
        (b"GET %s/get HTTP/1.1\r\nHost: o\r\n\r\n" % origin_url, None, None),
        (b"PUT %s/hash HTTP/1.1\r\nHost: o\r\nTransfer-Encoding: chunked\r\n\r\n" % origin_url
         + w3, big, w3),
    ]
    s = socket.create_connection((host, int(port)), timeout=20)
    data = b"".join(q for q, _, _ in reqs)
    # odd pieces: the head split from its body, chunk-size lines split
    for a, b in ((0, 7), (7, 90), (90, 91), (91, 1000), (1000, len(data))):
        s.sendall(data[a:b])
        time.sleep(0.05)
    r, bad = Reader(s), 0
    for _, body, wire in reqs:
        try:
            status, resp, _, _ = read_response(r)
        except (EOFError, socket.timeout) as e:
            print("ERR %s" % e)
            return 1
        if body is None:
            ok = status == 200 and resp.startswith(b"conn=")
        else:
            f = resp.split()
            ok = (status == 200 and f[0].decode() == hashlib.sha256(body).hexdigest()
                  and int(f[1]) == len(body) and f[2].decode() == hashlib.sha256(wire).hexdigest())
        bad += not ok
        print("%d %s%s" % (status, resp.decode().strip(), "" if ok else " MISMATCH"))
    s.close()
    return 1 if bad else 0


def idle(host, port, url, pauses):
    s = socket.create_connection((host, int(port)), timeout=20)
    r, bad = Reader(s), 0
    host_hdr = url.split("/")[2]
    for i, p in enumerate([0.0] + [float(x) for x in pauses]):
        time.sleep(p)
        s.sendall(b"GET %s?%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (url.encode(), i, host_hdr.encode()))
        try:
            status, body, _, _ = read_response(r)
        except (EOFError, socket.timeout, ConnectionResetError) as e:
            print("ERR after %.2f s: %s" % (p, e))
            return 1
        bad += status != 200
        print("%d %.2f %s" % (status, p, body.decode().strip()))
    s.close()
    return 1 if bad else 0


def slowput(host, port, url_get, url_put, path, first):
    with open(path, "rb") as f:
        data = f.read()
    host_hdr = url_get.split("/")[2].encode()
    s = socket.create_connection((host, int(port)), timeout=20)
    r, out = Reader(s), []
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (url_get.encode(), host_hdr))
        out.append(read_response(r)[:2])
        s.sendall(b"PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n"
                  % (url_put.encode(), host_hdr, len(data)) + data[:first])
        time.sleep(0.3)
        s.sendall(data[first:])
        out.append(read_response(r)[:2])
    except (EOFError, ValueError, OSError) as e:
        print("ERR after %d answers: %s" % (len(out), e))
        return 1
    s.close()
    for status, body in out:
        print("%d %s" % (status, body.decode().strip()))
    sha = hashlib.sha256(data).hexdigest().encode()
    return 0 if [x[0] for x in out] == [200, 200] and out[1][1].split()[0] == sha else 1


def raw(host, port, parts):
    s = socket.create_connection((host, int(port)), timeout=10)
    out = b""
    try:
        for i, h in enumerate(parts):
            if i:
                time.sleep(0.3)
            s.sendall(bytes.fromhex(h))
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    sys.stdout.write(repr(out) + "\n")
    return 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "origin":
        origin(a[1], a[2], a[3], a[4:])
    elif a[0] == "pipe":
        sys.exit(pipe(a[1], a[2], a[3].encode()))
    elif a[0] == "idle":
        sys.exit(idle(a[1], a[2], a[3], a[4:]))
    elif a[0] == "slowput":
        sys.exit(slowput(a[1], a[2], a[3], a[4], a[5], int(a[6])))
    elif a[0] == "raw":
        sys.exit(raw(a[1], a[2], a[3:]))
