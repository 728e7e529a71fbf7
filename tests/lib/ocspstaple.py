"""ocspstaple.py: the server side of TLS with a stapled OCSP response, for
fakesmtp.py --ocsp-staple (tests 4012-4014).

Python's ssl module cannot staple, so `openssl s_server -status_file`
does the TLS: it listens on a Unix socket of its own, this module relays
the raw bytes between the client's TCP connection and that socket, and
the SMTP dialogue inside TLS goes through s_server's standard input (what
the server sends) and output (what the client sent). s_server sends the
response only to a client that asks for it (the status_request extension,
RFC 6066 section 8), so a refusal also proves the client asked.

StapledTLS stands in for the socket fakesmtp's Session reads and writes
once TLS is up: sendall(), recv(), settimeout(), close(). Construction
runs the handshake: it returns once s_server reports the session (the
client accepted the certificate and finished), and raises HandshakeFailed
with s_server's complaint when the client broke off or s_server ended.
"""

import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time


class HandshakeFailed(Exception):
    pass


class StapledTLS:
    def __init__(self, client, cert, key, staple, timeout, tls12=False):
        self.client = client
        self.timeout = timeout
        self.dir = tempfile.mkdtemp(prefix="ocspstaple.")
        self.path = os.path.join(self.dir, "s")
        self.unix = None
        self.relay = None
        self.err = b""
        self.client_gone = None     # when the client closed its side
        # -brief: a summary on stderr when the handshake is done, and the
        # client's bytes on stdout exactly as read; -ign_eof: our stdin
        # ending does not end the session.
        argv = ["openssl", "s_server", "-unix", self.path, "-cert", cert,
                "-key", key, "-status_file", staple, "-naccept", "1",
                "-brief", "-ign_eof"]
        if tls12:
            argv.append("-no_tls1_3")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        try:
            self.connect()
            self.relay = threading.Thread(target=self.pump, daemon=True)
            self.relay.start()
            self.version, self.cipher = self.established()
        except BaseException:
            self.close()
            raise

    def connect(self):
        # s_server binds the socket (the path appears) before it listens:
        # a connection refused in between is a retry, not a failure.
        end = time.monotonic() + self.timeout
        while True:
            if self.proc.poll() is not None:
                raise HandshakeFailed("openssl s_server ended: %s"
                                      % self.proc.stderr.read().decode("utf-8", "replace").strip())
            if os.path.exists(self.path):
                self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    self.unix.connect(self.path)
                    return
                except ConnectionRefusedError:
                    self.unix.close()
                    self.unix = None
            if time.monotonic() > end:
                raise HandshakeFailed("openssl s_server did not start")
            time.sleep(0.02)

    def pump(self):
        """Copies bytes both ways until both directions have ended."""
        peer = {self.client: self.unix, self.unix: self.client}
        open_ = [self.client, self.unix]
        while open_:
            try:
                ready, _, _ = select.select(open_, [], [], 1.0)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    data = s.recv(65536)
                    if data:
                        peer[s].sendall(data)
                        continue
                except OSError:
                    pass        # a reset ends that direction as EOF does
                if s is self.client:
                    self.client_gone = time.monotonic()
                try:
                    peer[s].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                open_.remove(s)

    def established(self):
        """Waits for s_server's summary: "Protocol version: V" and, last
        of the two, "Ciphersuite: C". s_server does not end when a
        handshake fails (-naccept counts only sessions): an OpenSSL error
        line, or the client gone for a while, is the failure."""
        end = time.monotonic() + self.timeout
        while b"Ciphersuite: " not in self.err or not self.err.endswith(b"\n"):
            if b":error:" in self.err and self.err.endswith(b"\n"):
                raise HandshakeFailed(self.complaint())
            if self.client_gone is not None and time.monotonic() > self.client_gone + 2:
                raise HandshakeFailed(self.complaint())
            if time.monotonic() > end:
                raise socket.timeout()
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if not ready:
                continue
            chunk = os.read(self.proc.stderr.fileno(), 65536)
            if not chunk:
                raise HandshakeFailed(self.complaint())
            self.err += chunk
        fields = {}
        for line in self.err.decode("utf-8", "replace").splitlines():
            name, _, value = line.partition(": ")
            fields[name] = value
        return fields.get("Protocol version", "?"), fields.get("Ciphersuite", "?")

    def complaint(self):
        """s_server's last error line, e.g. "... alert bad certificate ..."."""
        lines = [l for l in self.err.decode("utf-8", "replace").splitlines() if l.strip()]
        if not lines:
            return "the client broke off the handshake"
        last = lines[-1]
        # "4097...:error:0A000412:SSL routines:ssl3_read_bytes:sslv3
        # alert bad certificate:../ssl/...": the reason is field 6.
        parts = last.split(":")
        return parts[5] if len(parts) > 6 and parts[1] == "error" else last

    def settimeout(self, timeout):
        self.timeout = timeout

    def sendall(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise ConnectionResetError("openssl s_server ended")

    def recv(self, n):
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        if not ready:
            raise socket.timeout()
        return os.read(self.proc.stdout.fileno(), n)

    def close(self):
        for s in (self.unix, self.client):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self.relay is not None:
            self.relay.join(5)
        for s in (self.unix, self.client):
            if s is not None:
                s.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
