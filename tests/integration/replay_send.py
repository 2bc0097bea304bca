#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send a recorded client stream (rec_relay.py's FILE) from a fresh source
port and say what came back within WAIT seconds: silent, answered, closed or
reset (a replay-protected server must stay silent).

  replay_send.py ADDR PORT FILE [WAIT]     (WAIT default 1.0)
"""
import socket
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(open(sys.argv[3], "rb").read())
s.settimeout(float(sys.argv[4]) if len(sys.argv) > 4 else 1.0)
try:
    print("answered" if s.recv(1) else "closed")
except socket.timeout:
    print("silent")
except ConnectionResetError:
    print("reset")
