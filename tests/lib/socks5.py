#!/usr/bin/env python3
"""socks5.py: a small SOCKS5 proxy (RFC 1928, no authentication, CONNECT only)
for the tests.

Usage:
  socks5.py --port-file PATH --log PATH [--reply CODE] [--timeout SECONDS]

It listens on 127.0.0.1, port 0, writes the port number to --port-file (once
listening), serves one connection and exits. Python 3 standard library only.

For the CONNECT request it appends one line to --log:
  CONNECT atyp=3 host=localhost port=587
(atyp 1 and 4 give the address as host). With --reply CODE (1 to 8) it
answers the request with that failure code and closes; otherwise it connects
to the destination (resolving a name itself), answers 0 and relays bytes both
ways until either side closes.

Exit status: 0 served; 2 usage; 3 no client within --timeout (20 s); 4 the
client spoke something else than SOCKS5 (recorded in the log).
"""

import argparse
import os
import select
import socket
import sys


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("client closed")
        data += chunk
    return data


def read_request(sock):
    """Returns (atyp, host, port) of a CONNECT, after the method exchange."""
    ver, nmethods = recv_exact(sock, 2)
    methods = recv_exact(sock, nmethods)
    if ver != 5 or 0 not in methods:
        sock.sendall(b"\x05\xff")
        raise ValueError("version %d methods %r" % (ver, methods))
    sock.sendall(b"\x05\x00")
    ver, cmd, _, atyp = recv_exact(sock, 4)
    if ver != 5 or cmd != 1:
        raise ValueError("request version %d command %d" % (ver, cmd))
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, recv_exact(sock, 4))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, recv_exact(sock, 16))
    elif atyp == 3:
        host = recv_exact(sock, recv_exact(sock, 1)[0]).decode("ascii", "replace")
    else:
        raise ValueError("address type %d" % atyp)
    port = int.from_bytes(recv_exact(sock, 2), "big")
    return atyp, host, port


def relay(a, b):
    socks = [a, b]
    while True:
        ready, _, _ = select.select(socks, [], [], 60)
        if not ready:
            return
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--reply", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=20)
    opts = ap.parse_args()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, opts.port_file)
    srv.settimeout(opts.timeout)
    try:
        client, _ = srv.accept()
    except socket.timeout:
        print("socks5: no client within %gs" % opts.timeout, file=sys.stderr)
        return 3
    client.settimeout(opts.timeout)
    log = open(opts.log, "a")
    try:
        atyp, host, port = read_request(client)
    except (ValueError, EOFError, OSError) as e:
        log.write("BAD %s\n" % e)
        return 4
    log.write("CONNECT atyp=%d host=%s port=%d\n" % (atyp, host, port))
    log.flush()
    # The bound address in replies: 0.0.0.0:0, as nothing uses it here.
    tail = b"\x00\x01" + b"\x00" * 6
    if opts.reply:
        client.sendall(bytes([5, opts.reply]) + tail)
        client.close()
        return 0
    try:
        dest = socket.create_connection((host, port), timeout=opts.timeout)
    except OSError as e:
        log.write("destination: %s\n" % e)
        client.sendall(b"\x05\x05" + tail)
        return 0
    client.sendall(b"\x05\x00" + tail)
    try:
        relay(client, dest)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
