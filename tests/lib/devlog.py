#!/usr/bin/env python3
"""devlog.py: a /dev/log stand-in that records what syslog(3) sends.

Usage: devlog.py SOCKET OUT [SECONDS]

Binds an AF_UNIX datagram socket at SOCKET (mode 0666, so that any user's
syslog(3) can reach it, as /dev/log), and appends each datagram to OUT as
one line, flushed at once: printable ASCII as it is, any other byte as
\\xHH (so a control character or a newline that reached a datagram
shows, and cannot split or forge a line of OUT). Stops after SECONDS
(60) or on SIGTERM. Tests bind the socket's directory over /dev in a
mount namespace (unshare -m) so that postie's syslog(3) talks to it.
Python 3 standard library only.
"""

import os
import signal
import socket
import sys


def shown(d):
    return "".join(chr(b) if 0x20 <= b < 0x7f else "\\x%02x" % b for b in d)


def main():
    path, out = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.settimeout(seconds)
    with open(out, "a", encoding="ascii") as f:
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                return 0
            f.write(shown(d) + "\n")
            f.flush()


if __name__ == "__main__":
    sys.exit(main())
