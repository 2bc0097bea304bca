#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP helpers for the shadowsocks UDP tests (one process, select loop):

  ss_udp_relay.py ADDR ECHO_PORT REC_DIR LPORT:THOST:TPORT...

* a UDP echo server on ADDR:ECHO_PORT (each datagram back to its sender);
* per LPORT a relay ADDR:LPORT -> THOST:TPORT: one upstream socket per
  client address and port (so each client keeps its own source port
  upstream), replies back to that client; the latest datagram each relay
  carried upstream is kept in REC_DIR/LPORT.bin (to replay it).
"""
import os
import select
import socket
import sys


def main():
    addr, eport, rec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind((addr, eport))
    relays = {}  # listening socket -> (lport, target)
    ups = {}  # upstream socket -> (listening socket, client)
    by_client = {}  # (listening socket, client) -> upstream socket
    for spec in sys.argv[4:]:
        lport, thost, tport = spec.split(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, int(lport)))
        relays[s] = (int(lport), (thost, int(tport)))
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([echo] + list(relays) + list(ups), [], [])
        for s in r:
            d, peer = s.recvfrom(65536)
            if s is echo:
                echo.sendto(d, peer)
            elif s in relays:
                lport, target = relays[s]
                u = by_client.get((s, peer))
                if u is None:
                    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    u.connect(target)
                    by_client[(s, peer)] = u
                    ups[u] = (s, peer)
                with open(os.path.join(rec, "%d.bin" % lport), "wb") as f:
                    f.write(d)
                u.send(d)
            else:
                ls, client = ups[s]
                ls.sendto(d, client)


if __name__ == "__main__":
    main()
