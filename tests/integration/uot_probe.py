#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An independent sing-box UDP-over-TCP client (written from sing-box's
docs/configuration/shared/udp-over-tcp.md, not from ringbox's code) over a
Shadowsocks stream, for test_ss_uot.sh: method "none" (plaintext: the
SOCKS5-form target address, then the payload), or with UOT_AEAD_PASSWORD
set, aes-256-gcm written from SIP004 with python3-cryptography
(EVP_BytesToKey-MD5 master key, HKDF-SHA1 "ss-subkey", chunks of
sealed length + sealed payload, little-endian nonce counters); exit 2 when
python3-cryptography is missing:

  uot_probe.py SS_IP SS_PORT STEP...

  v2echo:IP:PORT:SIZE   v2 non-connect: request + one packet of SIZE random
                        bytes to the UDP echo IP:PORT; the reply must come
                        back byte-exact, addressed from IP:PORT
  v2connect:IP:PORT:SIZE v2 connect: request, then length + data only
  v1echo:IP:PORT:SIZE   v1: one addressed packet
  v2refused:IP:PORT:SIZE:BAD  v2 non-connect, one stream: a packet to IP:BAD
                        (which the server's rules refuse), then SIZE bytes
                        to IP:PORT: only the second is answered
  bad:VER:HEX           magic domain of VER (1 or 2), then raw bytes: the
                        server must close the stream without a reply
Prints one line per step ("ok ..." / "closed"); exits 1 on a failure.
"""
import os
import socket
import struct
import sys

MAGIC = {1: b"sp.udp-over-tcp.arpa", 2: b"sp.v2.udp-over-tcp.arpa"}
PASSWORD = os.environ.get("UOT_AEAD_PASSWORD")
if PASSWORD:
    try:
        import hashlib
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    except ImportError:
        print("python3-cryptography missing")
        sys.exit(2)


def master_key(pw, n=32):
    # EVP_BytesToKey with MD5, no salt, one iteration
    k, prev = b"", b""
    while len(k) < n:
        prev = hashlib.md5(prev + pw).digest()
        k += prev
    return k[:n]


class Aead:
    """One direction of a SIP004 aes-256-gcm stream."""

    def __init__(self, salt):
        sub = HKDF(algorithm=hashes.SHA1(), length=32, salt=salt, info=b"ss-subkey").derive(
            master_key(PASSWORD.encode()))
        self.c, self.n = AESGCM(sub), 0

    def _nonce(self):
        b = self.n.to_bytes(12, "little")
        self.n += 1
        return b

    def seal(self, data):
        out = b""
        for i in range(0, len(data), 0x3FFF):
            p = data[i:i + 0x3FFF]
            out += self.c.encrypt(self._nonce(), struct.pack("!H", len(p)), None)
            out += self.c.encrypt(self._nonce(), p, None)
        return out


class Conn:
    """The stream: plaintext in, plaintext out (sealed when PASSWORD)."""

    def __init__(self, s):
        self.s, self.buf, self.dec = s, b"", None
        if PASSWORD:
            salt = os.urandom(32)
            self.enc = Aead(salt)
            s.sendall(salt)

    def sendall(self, data):
        self.s.sendall(self.enc.seal(data) if PASSWORD else data)

    def _raw(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                return None
            b += c
        return b

    def recv(self, n):
        if not PASSWORD:
            return self.s.recv(n)
        while not self.buf:
            if self.dec is None:
                salt = self._raw(32)
                if salt is None:
                    return b""
                self.dec = Aead(salt)
            h = self._raw(18)
            if h is None:
                return b""
            (ln,) = struct.unpack("!H", self.dec.c.decrypt(self.dec._nonce(), h, None))
            self.buf = self.dec.c.decrypt(self.dec._nonce(), self._raw(ln + 16), None)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self):
        self.s.close()


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def socks_addr(name):
    # SOCKS5 form (shadowsocks target, v2 request): 3 = domain
    return b"\x03" + bytes([len(name)]) + name + b"\x00\x00"


def socks_ip(ip, port):
    return b"\x01" + socket.inet_aton(ip) + struct.pack("!H", port)


def uot_ip(ip, port):
    # UoT packet addresses: 0 = IPv4, 1 = IPv6, 2 = domain
    return b"\x00" + socket.inet_aton(ip) + struct.pack("!H", port)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            fail("stream closed after %d of %d bytes" % (len(b), n))
        b += c
    return b


def stream(ssip, ssport, ver):
    s = Conn(socket.create_connection((ssip, ssport), timeout=5))
    s.sendall(socks_addr(MAGIC[ver]))
    return s


def step(ssip, ssport, st):
    kind, rest = st.split(":", 1)
    if kind == "bad":
        ver, hexs = rest.split(":", 1)
        s = stream(ssip, ssport, int(ver))
        s.sendall(bytes.fromhex(hexs))
        try:
            got = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            got = b""
        if got:
            fail("bad: the server answered %r" % got[:20])
        print("closed")
        return
    if kind != "v2refused":
        ip, port, size = rest.split(":")
        port, size = int(port), int(size)
        data = os.urandom(size)
    if kind == "v2echo":
        s = stream(ssip, ssport, 2)
        s.sendall(b"\x00" + socks_ip(ip, port) + uot_ip(ip, port) + struct.pack("!H", size) + data)
        hdr = recv_exact(s, 9)
        if hdr[:7] != uot_ip(ip, port):
            fail("v2echo: reply from %r" % hdr[:7])
    elif kind == "v1echo":
        s = stream(ssip, ssport, 1)
        s.sendall(uot_ip(ip, port) + struct.pack("!H", size) + data)
        hdr = recv_exact(s, 9)
        if hdr[:7] != uot_ip(ip, port):
            fail("v1echo: reply from %r" % hdr[:7])
    elif kind == "v2refused":
        ip, port, size, bad = rest.split(":")
        port, size = int(port), int(size)
        data = os.urandom(size)
        s = stream(ssip, ssport, 2)
        s.sendall(b"\x00" + socks_ip(ip, port) + uot_ip(ip, int(bad)) + b"\x00\x03bad" +
                  uot_ip(ip, port) + struct.pack("!H", size) + data)
        hdr = recv_exact(s, 9)
        if hdr[:7] != uot_ip(ip, port):
            fail("v2refused: reply from %r" % hdr[:7])
    elif kind == "v2connect":
        s = stream(ssip, ssport, 2)
        s.sendall(b"\x01" + socks_ip(ip, port) + struct.pack("!H", size) + data)
        hdr = recv_exact(s, 2)
    else:
        fail("unknown step " + st)
    n = struct.unpack("!H", hdr[-2:])[0]
    if n != size or recv_exact(s, n) != data:
        fail("%s: reply of %d bytes is not the %d sent" % (kind, n, size))
    s.close()
    print("ok %s %d" % (kind, size))


def main():
    for st in sys.argv[3:]:
        step(sys.argv[1], int(sys.argv[2]), st)


if __name__ == "__main__":
    main()
