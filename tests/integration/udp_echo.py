#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A UDP echo server for the tests: udp_echo.py ADDR PORT.  Prints "ready",
then one line per datagram, "from IP:PORT LEN", and sends it back."""
import socket
import sys

s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65536)
    print("from %s:%d %d" % (a[0], a[1], len(d)), flush=True)
    s.sendto(d, a)
