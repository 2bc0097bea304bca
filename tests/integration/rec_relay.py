#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A TCP relay that records what its clients send (those that send
anything), for replay tests: each connection to LADDR:LPORT is relayed to
UADDR:UPORT and the client's bytes are appended to FILE.

  rec_relay.py LADDR LPORT UADDR UPORT FILE
"""
import socket, sys, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2]))); srv.listen(8)
def serve(c):
    b = c.recv(65536)
    if not b:
        c.close()
        return
    u = socket.create_connection((sys.argv[3], int(sys.argv[4])))
    rec = open(sys.argv[5], "ab")
    def down():
        while True:
            d = u.recv(65536)
            if not d:
                break
            c.sendall(d)
        c.close()
    threading.Thread(target=down, daemon=True).start()
    while b:
        rec.write(b); rec.flush()
        u.sendall(b)
        b = c.recv(65536)
    u.shutdown(socket.SHUT_WR)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
