# SPDX-License-Identifier: BSD-3-Clause
"""The HTTP/1.1 response reader of the raw-socket test clients
(http_pipeline.py, http_chunked.py): Reader buffers a socket;
read_response parses one response (1xx skipped; body by chunked framing
with trailers, Content-Length, or until close) and returns
(code, body, connection-header, headers as lists of values)."""


class Reader:
    def __init__(self, sock):
        self.s, self.buf, self.eof = sock, b"", False

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            self.eof = True
        self.buf += d
        return bool(d)

    def line(self):
        while b"\r\n" not in self.buf:
            if not self.fill():
                raise EOFError("EOF inside a line")
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def take(self, n):
        while len(self.buf) < n:
            if not self.fill():
                raise EOFError("EOF inside a body")
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def rest(self):
        while self.fill():
            pass
        d, self.buf = self.buf, b""
        return d


def read_response(r, head_req=False):
    status = r.line()
    code = int(status.split(b" ")[1])
    hdrs = {}
    while True:
        ln = r.line()
        if not ln:
            break
        k, v = ln.split(b":", 1)
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    if code // 100 == 1:
        return read_response(r, head_req)
    conn = b",".join(hdrs.get(b"connection", [b"-"])).decode()
    if head_req or code in (204, 304):
        return code, b"", conn, hdrs
    if b"transfer-encoding" in hdrs:
        body = b""
        while True:
            size = int(r.line().split(b";")[0], 16)
            if size == 0:
                while r.line():
                    pass  # trailers
                break
            body += r.take(size)
            if r.take(2) != b"\r\n":
                raise ValueError("chunk without CRLF")
        return code, body, conn, hdrs
    if b"content-length" in hdrs:
        return code, r.take(int(hdrs[b"content-length"][0])), conn, hdrs
    return code, r.rest(), conn, hdrs
