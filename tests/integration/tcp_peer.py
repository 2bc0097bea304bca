#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Linux-side TCP peers for the test_tcp_*.sh integration tests.

Each subcommand drives the kernel's TCP against the dataplane's diag
services (tcp_diag.c) or serves it, prints one result line that starts with
its name and the word "ok" or "FAIL", and exits 0 or 1.

  echo ADDR PORT BYTES            stream random bytes to echo, SHA-256 both ways
  many ADDR PORT CONNS BYTES      CONNS concurrent echo connections (asyncio)
  zwin-chargen ADDR PORT          read, stall with a small receive buffer, resume
  zwin-echo ADDR PORT BYTES       send while not reading, then read it all back
  halfclose-echo ADDR PORT BYTES  SHUT_WR with the echo unread, then drain it
  halfclose-chargen ADDR PORT     SHUT_WR to chargen, stall, read to its FIN
  fetch ADDR PORT REQUEST         trigger a diag fetch, print its result line
  serve ADDR PORT DIR             file server for fetch: read the request to
                                  EOF (the dataplane's SHUT_WR), send DIR/name
  echo-server ADDR PORT           a Linux echo server (bench reference; --cc NAME:
                                  its congestion control, TCP_CONGESTION)
Deadlines are per call (--timeout, default 60 s): a stall fails, never hangs.
"""
import argparse
import asyncio
import hashlib
import os
import resource
import socket
import sys
import threading
import time

CHUNK = 1 << 20


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def result(ok, what, detail):
    print("%s %s %s" % (what, "ok" if ok else "FAIL", detail), flush=True)
    return 0 if ok else 1


def connect(addr, port, timeout, rcvbuf=0):
    s = socket.socket(fam(addr), socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def recv_all(s, h, deadline):
    """Read to EOF into hash h; returns the byte count."""
    n = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("deadline passed after %d bytes" % n)
        try:
            b = s.recv(CHUNK)
        except socket.timeout:
            raise TimeoutError("recv stalled for %.0f s after %d bytes" % (s.gettimeout(), n))
        if not b:
            return n
        h.update(b)
        n += len(b)


def cmd_echo(a):
    """Sender thread: random chunks (hashed as sent), then SHUT_WR; the main
    thread reads the echo to EOF.  Both digests go in the result line."""
    deadline = time.monotonic() + a.timeout
    s = connect(a.addr, a.port, 20)
    hs, hr = hashlib.sha256(), hashlib.sha256()
    err = []
    sent = [0]

    def send():
        try:
            left = a.bytes
            while left > 0:
                b = os.urandom(min(CHUNK if not a.rate else 65536, left))
                hs.update(b)
                s.sendall(b)
                left -= len(b)
                sent[0] += len(b)
                # --rate MB/s: stretch the transfer over a known time.
                ahead = sent[0] / (a.rate * 1e6) - (time.monotonic() - t0) if a.rate else 0
                if ahead > 0:
                    time.sleep(ahead)
            s.shutdown(socket.SHUT_WR)
        except Exception as e:  # reported below
            err.append("send: %r after %d bytes" % (e, sent[0]))

    t0 = time.monotonic()
    t = threading.Thread(target=send, daemon=True)
    t.start()
    try:
        n = recv_all(s, hr, deadline)
    except Exception as e:
        err.append("recv: %r" % e)
        n = -1
    t.join(max(1.0, deadline - time.monotonic()))
    dt = time.monotonic() - t0
    s.close()
    tx, rx = hs.hexdigest(), hr.hexdigest()
    ok = not err and n == a.bytes and tx == rx
    return result(ok, "echo", "sent %d %s got %d %s %.1fs %.1fMB/s %s" %
                  (a.bytes, tx, n, rx, dt, a.bytes / dt / 1e6, " ".join(err)))


async def one_conn(a, i, opened, go, stats):
    data = os.urandom(a.bytes)
    r, w = await asyncio.open_connection(a.addr, a.port)
    opened.append(i)
    await go.wait()
    w.write(data)
    await w.drain()
    w.write_eof()
    got = bytearray()
    while True:
        b = await r.read(65536)
        if not b:
            break
        got.extend(b)
    w.close()
    await w.wait_closed()
    if bytes(got) != data:
        stats["bad"] += 1
    else:
        stats["ok"] += 1


async def many(a):
    opened, stats, go = [], {"ok": 0, "bad": 0}, asyncio.Event()
    tasks = [asyncio.ensure_future(one_conn(a, i, opened, go, stats)) for i in range(a.conns)]
    t_end = time.monotonic() + a.timeout
    # Every connection is established before any carries data.
    while len(opened) < a.conns and time.monotonic() < t_end:
        if any(t.done() and t.exception() for t in tasks):
            break
        await asyncio.sleep(0.05)
    n_open = len(opened)
    go.set()
    done, pending = await asyncio.wait(tasks, timeout=max(1.0, t_end - time.monotonic()))
    for t in pending:
        t.cancel()
    errs = {}
    for t in done:
        if not t.cancelled() and t.exception() is not None:
            k = type(t.exception()).__name__
            errs[k] = errs.get(k, 0) + 1
    return n_open, stats, len(pending), errs


def cmd_many(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.conns + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    t0 = time.monotonic()
    n_open, st, pend, errs = asyncio.run(many(a))
    ok = n_open == a.conns and st["ok"] == a.conns and not pend and not errs
    return result(ok, "many", "conns %d open-at-once %d exact %d mismatched %d unfinished %d "
                  "errors %s %.1fs" % (a.conns, n_open, st["ok"], st["bad"], pend, errs,
                                        time.monotonic() - t0))


def chargen_expect(pos, n):
    """RFC 864 stream bytes [pos, pos+n): 72 printable characters, CR LF,
    each line starting one character later (as tcp_diag.c's chargen)."""
    out = bytearray(n)
    for i in range(n):
        p = pos + i
        col, line = p % 74, p // 74
        out[i] = 13 if col == 72 else 10 if col == 73 else 32 + (line + col) % 95
    return bytes(out)


def read_n(s, n, deadline):
    buf = bytearray()
    while len(buf) < n:
        if time.monotonic() > deadline:
            raise TimeoutError("got %d of %d bytes" % (len(buf), n))
        b = s.recv(min(CHUNK, n - len(buf)))
        if not b:
            raise EOFError("EOF after %d of %d bytes" % (len(buf), n))
        buf.extend(b)
    return bytes(buf)


def cmd_zwin_chargen(a):
    """Small receive buffer; read 256 KiB, stop reading for a.stall seconds
    (the window closes, the dataplane has to probe), resume and read 2 MiB
    more: the pattern continues exactly where it stopped."""
    deadline = time.monotonic() + a.timeout
    s = connect(a.addr, a.port, 20, rcvbuf=16384)
    first = read_n(s, 256 << 10, deadline)
    time.sleep(a.stall)
    rest = read_n(s, 2 << 20, deadline)
    s.close()
    bad = chargen_check(first + rest)
    data = first + rest
    return result(bad is None, "zwin-chargen", "read %d bytes, stalled %.1fs%s" %
                  (len(data), a.stall, "" if bad is None else ", mismatch in block at %d" % bad))


def chargen_check(data):
    """Offset of the first 95-line block that is not the chargen pattern."""
    period = 95 * 74
    ref = chargen_expect(0, period)
    return next((i for i in range(0, len(data), period)
                 if data[i:i + period] != ref[:len(data[i:i + period])]), None)


def cmd_halfclose_chargen(a):
    """Read 64 KiB of chargen with a small receive buffer, SHUT_WR (the
    dataplane sees EOF and closes: FIN after what it has queued), stall,
    then read to EOF: the pattern runs on exactly up to the FIN."""
    deadline = time.monotonic() + a.timeout
    s = connect(a.addr, a.port, 20, rcvbuf=16384)
    data = bytearray(read_n(s, 64 << 10, deadline))
    s.shutdown(socket.SHUT_WR)
    time.sleep(a.stall)
    hr = hashlib.sha256()
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("no FIN after %d bytes" % len(data))
        b = s.recv(CHUNK)
        if not b:
            break
        data.extend(b)
    s.close()
    bad = chargen_check(bytes(data))
    ok = bad is None and len(data) > 64 << 10
    return result(ok, "halfclose-chargen", "%d bytes then FIN%s" %
                  (len(data), "" if bad is None else ", mismatch in block at %d" % bad))


def cmd_zwin_echo(a):
    """Send a.bytes without reading (small buffers both ways): the echo's
    send queue and our receive window fill, then its receive window closes
    and our sendall blocks.  After a.stall s we start reading; all of it
    comes back exactly."""
    deadline = time.monotonic() + a.timeout
    s = socket.socket(fam(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.settimeout(20)
    s.connect((a.addr, a.port))
    data = os.urandom(a.bytes)
    sent = [0]
    err = []

    def send():
        try:
            for off in range(0, len(data), 65536):
                s.sendall(data[off:off + 65536])
                sent[0] = off + len(data[off:off + 65536])
            s.shutdown(socket.SHUT_WR)
        except Exception as e:
            err.append("send: %r" % e)

    t = threading.Thread(target=send, daemon=True)
    t.start()
    time.sleep(a.stall)
    blocked_at = sent[0]
    got = b""
    try:
        got = read_n(s, a.bytes, deadline)
        tail = s.recv(1)
        if tail:
            err.append("data after the echo")
    except Exception as e:
        err.append("recv: %r" % e)
    t.join(5)
    s.close()
    # The sender must have been held back by the closed windows.
    held = blocked_at < a.bytes
    ok = not err and got == data and held
    return result(ok, "zwin-echo", "%d bytes, sender blocked at %d during the stall, "
                  "echoed %s %s" % (a.bytes, blocked_at, "exactly" if got == data else
                                    "WRONG (%d bytes)" % len(got), " ".join(err)))


def cmd_halfclose_echo(a):
    """Send a.bytes, SHUT_WR at once while none of the echo was read; wait;
    the connection must stay open for the echo, which then ends with FIN
    (the dataplane closes after our FIN)."""
    deadline = time.monotonic() + a.timeout
    s = connect(a.addr, a.port, 20)
    data = os.urandom(a.bytes)
    err = []

    def send():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except Exception as e:
            err.append("send: %r" % e)

    t = threading.Thread(target=send, daemon=True)
    t.start()
    time.sleep(a.stall)
    got = b""
    eof = False
    try:
        got = read_n(s, a.bytes, deadline)
        eof = s.recv(1) == b""
    except Exception as e:
        err.append("recv: %r" % e)
    t.join(5)
    s.close()
    ok = not err and got == data and eof
    return result(ok, "halfclose-echo", "%d bytes after SHUT_WR: echoed %s, FIN %s %s" %
                  (a.bytes, "exactly" if got == data else "WRONG", "yes" if eof else "no",
                   " ".join(err)))


def cmd_fetch(a):
    """Send the request line and SHUT_WR on the trigger connection; the
    dataplane replies with one line once its own connection ended."""
    deadline = time.monotonic() + a.timeout
    s = connect(a.addr, a.port, a.timeout)
    s.sendall(a.request.encode() + b"\n")
    s.shutdown(socket.SHUT_WR)
    buf = bytearray()
    while time.monotonic() < deadline:
        b = s.recv(4096)
        if not b:
            break
        buf.extend(b)
    s.close()
    line = buf.decode(errors="replace").strip()
    print("fetch-reply %s" % line, flush=True)
    return 0 if line.startswith("ok ") else 1


def cmd_serve(a):
    """One thread per connection: read the request until EOF (so the peer
    must half-close), send the named file, close.  Logs one line each."""
    ls = socket.socket(fam(a.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(64)
    print("listening", flush=True)

    def handle(c, peer):
        try:
            c.settimeout(30)
            req = bytearray()
            while True:
                b = c.recv(4096)
                if not b:
                    break
                req.extend(b)
                if len(req) > 4096:
                    raise ValueError("request too long")
            name = os.path.basename(req.decode().strip())
            with open(os.path.join(a.dir, name), "rb") as f:
                n = 0
                while True:
                    b = f.read(CHUNK)
                    if not b:
                        break
                    c.sendall(b)
                    n += len(b)
            print("served %s %d to %s after EOF" % (name, n, peer[0]), flush=True)
        except Exception as e:
            print("serve-error %r from %s" % (e, peer[0]), flush=True)
        finally:
            c.close()

    while True:
        c, peer = ls.accept()
        threading.Thread(target=handle, args=(c, peer), daemon=True).start()


def cmd_echo_server(a):
    ls = socket.socket(fam(a.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.cc:  # accepted sockets inherit it
        ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, a.cc.encode())
    ls.bind((a.addr, a.port))
    ls.listen(64)
    print("listening", flush=True)

    def handle(c):
        try:
            while True:
                b = c.recv(CHUNK)
                if not b:
                    break
                c.sendall(b)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--stall", type=float, default=2.0)
    p.add_argument("--rate", type=float, default=0.0, help="echo: send at most this many MB/s")
    p.add_argument("--cc", default="", help="echo-server: congestion control (TCP_CONGESTION)")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn, extra in (
            ("echo", cmd_echo, ["bytes"]),
            ("many", cmd_many, ["conns", "bytes"]),
            ("zwin-chargen", cmd_zwin_chargen, []),
            ("zwin-echo", cmd_zwin_echo, ["bytes"]),
            ("halfclose-chargen", cmd_halfclose_chargen, []),
            ("halfclose-echo", cmd_halfclose_echo, ["bytes"]),
            ("fetch", cmd_fetch, ["request"]),
            ("serve", cmd_serve, ["dir"]),
            ("echo-server", cmd_echo_server, [])):
        sp = sub.add_parser(name)
        sp.set_defaults(fn=fn)
        sp.add_argument("addr")
        sp.add_argument("port", type=int)
        for e in extra:
            sp.add_argument(e, type=str if e in ("request", "dir") else int)
    a = p.parse_args()
    try:
        return a.fn(a)
    except Exception as e:
        return result(False, a.cmd, "error %r" % e)


if __name__ == "__main__":
    sys.exit(main())
