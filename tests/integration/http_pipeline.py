#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Raw-socket HTTP/1.1 client and scripted origin for test_http_pipeline.sh.

client PROXY_HOST PROXY_PORT MODE WWW URL...
    One connection to the proxy; the absolute-URI GETs for URL... are sent
    one at a time (MODE seq) or all at once (MODE pipe; pipefin: then
    shutdown(SHUT_WR)).  Every response
    is parsed (Content-Length, chunked with trailers, until close), in
    order, and its body compared byte for byte with WWW/<path> (or with
    the origin's scripted body, see below).  Prints one line per response
    ("status length connection-header") and exits 1 on any mismatch.
raw PROXY_HOST PROXY_PORT FILE
    Sends FILE's bytes on one connection, then reads until the proxy
    closes (or 10 s); prints what came back (repr) to stdout.
flood PROXY_HOST PROXY_PORT URL COUNT
    Pipelines COUNT requests for URL without reading a byte; reports
    whether the proxy reset the connection, or stopped taking bytes (and
    how many its TCP acknowledged), within 20 s.
origin ADDR PORT LOG
    A scripted origin: /chunked answers with a chunked body (extensions,
    trailers) and keeps the connection; /bighead answers with a 6000-byte
    header field (a head longer than a small dataplane.tcp.sndbuf) and
    keeps it; /continue answers 100 Continue with that field, reads the
    Content-Length body and answers "<length> <sha256>"; /upgrade answers
    101 and echoes the X-Echo-Len bytes that follow, then closes; /close answers
    without framing and closes.  Each request is logged as "conn-id request-no path" in LOG.
"""
import hashlib
import os
import socket
import sys
import threading
import time

from http_read import Reader, read_response

CHUNKED_BODY = b"hello, " * 300 + b"chunked world\n"
CLOSE_BODY = b"no framing here, read me until the close\n" * 50
BIGHEAD_BODY = b"a body behind a 6 kB head\n" * 40


def chunked_wire():
    out, b = [], CHUNKED_BODY
    for i in range(0, len(b), 700):
        part = b[i:i + 700]
        out.append(b"%x;ext=%d\r\n" % (len(part), i) + part + b"\r\n")
    out.append(b"0;last\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n")
    return b"".join(out)


def split_url(u):
    """"HEAD:url" / "IMS:url" (If-Modified-Since in the future: 304) / url"""
    if u.startswith("HEAD:"):
        return "HEAD", u[5:], ""
    if u.startswith("IMS:"):
        return "GET", u[4:], "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n"
    return "GET", u, ""


def expected(www, url):
    method, url, extra = split_url(url)
    if method == "HEAD" or extra:
        return b""
    path = url.split("/", 3)[3].split("?")[0]
    if path == "chunked":
        return CHUNKED_BODY
    if path == "close":
        return CLOSE_BODY
    if path == "bighead":
        return BIGHEAD_BODY
    with open(os.path.join(www, path), "rb") as f:
        return f.read()


def request(u):
    method, url, extra = split_url(u)
    host = url.split("/")[2]
    return ("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pipeline-test\r\n%s\r\n"
            % (method, url, host, extra)).encode()


def client(host, port, mode, www, urls):
    s = socket.create_connection((host, int(port)), timeout=20)
    r, bad = Reader(s), 0
    if mode in ("pipe", "pipefin"):
        s.sendall(b"".join(request(u) for u in urls))
    if mode == "pipefin":
        s.shutdown(socket.SHUT_WR)  # a half-close after the requests (RFC 9112 9.6)
    for u in urls:
        if mode == "seq":
            s.sendall(request(u))
        try:
            code, body, conn, _ = read_response(r, u.startswith("HEAD:"))
        except (EOFError, ValueError, OSError) as e:  # OSError: timeout, reset
            print("ERR %s: %s" % (u, e))
            return 1
        want = 304 if u.startswith("IMS:") else 502 if "/badlen" in u else 200
        ok = code == want and body == (b"" if want == 502 else expected(www, u))
        bad += not ok
        print("%d %d %s %s%s" % (code, len(body), conn, u, "" if ok else " MISMATCH"))
    s.close()
    return 1 if bad else 0


def raw(host, port, path):
    s = socket.create_connection((host, int(port)), timeout=10)
    with open(path, "rb") as f:
        s.sendall(f.read())
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    sys.stdout.write(repr(out) + "\n")
    return 0


def bytes_acked(s):
    """tcpi_bytes_acked (struct tcp_info, offset 120): what the proxy's TCP
    took from us."""
    ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 192)
    return int.from_bytes(ti[120:128], "little") if len(ti) >= 128 else -1


def flood(host, port, url, count):
    """Pipelines COUNT requests without reading.  The proxy bounds what
    waits behind a response: it resets the connection past 64 KiB, or its
    TCP window (sized from the lcore's memory) holds us back first.
    Prints "reset sent=N", or "stalled sent=N acked=M" once nothing more
    was taken for 3 s (M: bytes the proxy's TCP acknowledged)."""
    s = socket.create_connection((host, int(port)), timeout=20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # we read nothing
    data = request(url) * int(count)
    end, sent, acked, t0 = "open", 0, 0, time.time()
    last = (-1, time.time())
    s.settimeout(0.5)
    while time.time() - t0 < 20:
        try:
            if sent < len(data):
                sent += s.send(data[sent:sent + 65536])
            else:
                s.send(b"x")
                time.sleep(0.2)
        except socket.timeout:
            pass
        except (BrokenPipeError, ConnectionResetError):
            end = "reset"
            break
        acked = bytes_acked(s)
        if acked != last[0]:
            last = (acked, time.time())
        elif time.time() - last[1] > 3:
            end = "stalled"
            break
    print("%s sent=%d acked=%d" % (end, sent, acked))
    return 0 if end in ("reset", "stalled") else 1


def header_int(hdrs, name):
    """The integer value of header `name` among the lowered header lines, or 0."""
    return next((int(h.split(b":", 1)[1]) for h in hdrs if h.startswith(name + b":")), 0)


def origin(addr, port, log):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(64)
    lock, n = threading.Lock(), [0]
    lf = open(log, "a", buffering=1)

    def serve(c, cid):
        r, k = Reader(c), 0
        try:
            while True:
                ln = r.line()
                hdrs = []
                while True:
                    h = r.line()
                    if not h:
                        break
                    hdrs.append(h.lower())
                k += 1
                path = ln.split(b" ")[1].decode()
                with lock:
                    lf.write("%d %d %s\n" % (cid, k, path))
                if path.startswith("/chunked"):
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n" + chunked_wire())
                elif path.startswith("/bighead"):
                    c.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: " + b"p" * 6000 +
                              b"\r\nContent-Length: %d\r\n\r\n" % len(BIGHEAD_BODY) + BIGHEAD_BODY)
                elif path.startswith("/continue"):
                    n = header_int(hdrs, b"content-length")
                    c.sendall(b"HTTP/1.1 100 Continue\r\nX-Pad: " + b"p" * 6000 + b"\r\n\r\n")
                    body = b"%d %s\n" % (n, hashlib.sha256(r.take(n)).hexdigest().encode())
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                elif path.startswith("/upgrade"):
                    n = header_int(hdrs, b"x-echo-len")
                    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
                              b"Connection: Upgrade\r\n\r\n")
                    c.sendall(r.take(n))
                    break
                elif path.startswith("/badlen"):
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello")
                elif path.startswith("/close"):
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + CLOSE_BODY)
                    break
                else:
                    c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except (EOFError, OSError):
            pass
        c.close()

    while True:
        c, _ = ls.accept()
        with lock:
            n[0] += 1
            cid = n[0]
        threading.Thread(target=serve, args=(c, cid), daemon=True).start()


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "client":
        sys.exit(client(a[1], a[2], a[3], a[4], a[5:]))
    if a[0] == "raw":
        sys.exit(raw(a[1], a[2], a[3]))
    if a[0] == "flood":
        sys.exit(flood(a[1], a[2], a[3], a[4]))
    if a[0] == "origin":
        origin(a[1], a[2], a[3])
