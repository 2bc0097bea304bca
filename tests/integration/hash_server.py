#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An HTTP server for upload tests: answers each POST with the sha256 (hex)
of its body; with --peer, followed by a space and the client's address (the
last hop of a proxy chain, as the server saw it).

  hash_server.py [--peer] ADDR [PORT]     (PORT default 9000)
"""
import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n, h = int(self.headers["Content-Length"]), hashlib.sha256()
        while n:
            b = self.rfile.read(min(n, 65536))
            if not b:
                break
            h.update(b)
            n -= len(b)
        out = h.hexdigest()
        if PEER:
            out += " " + self.client_address[0]
        out = out.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


PEER = len(sys.argv) > 1 and sys.argv[1] == "--peer"
args = sys.argv[2:] if PEER else sys.argv[1:]
ThreadingHTTPServer((args[0], int(args[1]) if len(args) > 1 else 9000), H).serve_forever()
