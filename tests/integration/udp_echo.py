#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A UDP echo server for the tests: udp_echo.py ADDR PORT.  Prints "ready",
then one line per datagram, "from IP:PORT LEN", and sends it back; a
datagram "big:N" is answered with big_reply(N) instead (N bytes: a reply
much larger than its request, IP fragments toward the client)."""
import socket
import sys


def big_reply(n):
    return bytes((i * 7 + 3 + (i >> 8)) & 0xFF for i in range(n))


def main():
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.bind((sys.argv[1], int(sys.argv[2])))
    print("ready", flush=True)
    while True:
        d, a = s.recvfrom(65536)
        print("from %s:%d %d" % (a[0], a[1], len(d)), flush=True)
        if d.startswith(b"big:") and d[4:].isdigit():
            d = big_reply(int(d[4:]))
        s.sendto(d, a)


if __name__ == "__main__":
    main()
