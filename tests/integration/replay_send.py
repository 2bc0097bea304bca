#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send a recorded client stream (rec_relay.py's FILE) from a fresh source
port and say what came back within WAIT seconds: silent, answered, closed or
reset (a replay-protected server must stay silent).  With -u, FILE is one
UDP datagram (ss_udp_relay.py's LPORT.bin) sent from a fresh UDP socket:
silent or answered.

  replay_send.py [-u] ADDR PORT FILE [WAIT]     (WAIT default 1.0)
"""
import socket
import sys

args = sys.argv[1:]
udp = args[:1] == ["-u"]
if udp:
    args = args[1:]
data = open(args[2], "rb").read()
wait = float(args[3]) if len(args) > 3 else 1.0
if udp:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(data, (args[0], int(args[1])))
else:
    s = socket.create_connection((args[0], int(args[1])), timeout=5)
    s.sendall(data)
s.settimeout(wait)
try:
    if udp:
        s.recv(65536)
        print("answered")
    else:
        print("answered" if s.recv(1) else "closed")
except socket.timeout:
    print("silent")
except ConnectionResetError:
    print("reset")
