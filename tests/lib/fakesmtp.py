#!/usr/bin/env python3
"""fakesmtp.py: a scripted SMTP server for faults a real server will not make.

Usage:
  fakesmtp.py --port-file PATH [--script FILE] [--transcript PATH] [--data PATH]
              [--cert PEM --key PEM] [--implicit-tls] [--connections N]
              [--timeout SECONDS] [--user NAME --password SECRET]

It listens on 127.0.0.1, port 0, writes the port number to --port-file (once
listening), serves --connections connections (default 1) one after the other,
each with the same script, and exits. Python 3 standard library only.

--implicit-tls   the TLS handshake starts right after accept (port 465 style)
--cert/--key     the server certificate (needed for TLS and STARTTLS)
--user/--password  credentials that AUTH PLAIN and AUTH LOGIN check in serve
                 mode; without them any credentials are accepted
--timeout        seconds to wait for a connection or for the client (20)
--auth-mechs LIST  the AUTH list serve offers once TLS is up ("PLAIN LOGIN");
                 SCRAM-*, OAUTHBEARER, XOAUTH2 and EXTERNAL are served by
                 fakesasl.py (see there), checking --password
--auth-without-tls  serve offers --auth-mechs and answers AUTH before TLS
                 too (a local relay with "tls off")
--listen ADDR    listen on ADDR (127.0.0.1; "::1" for IPv6)
--tls12          TLS 1.2 at most (Python has tls-unique only there)
--ecdh-curve NAME  the only key exchange group the server takes (OpenSSL's
                 name, e.g. prime256v1): a client whose ClientHello shares a
                 key for another group is asked again (HelloRetryRequest)
--cb-wrong       SCRAM-*-PLUS binds to data other than the session's
--scram-iterations N, --scram-salt TEXT, --scram-nonce ours|other,
--scram-final wrong|none
                 a hostile SCRAM server (fakesasl.py)
--ocsp-staple DER  TLS (implicit or after STARTTLS) by openssl s_server,
                 stapling this DER OCSP response (see ocspstaple.py)
--data PATH      each received message, as on the wire (CRLF line ends,
                 dot-stuffed, without the final ".\\r\\n"; after BDAT the
                 chunks joined, exactly as sent); the first message goes to
                 PATH, later ones to PATH.2, PATH.3, ...
--chunking       serve offers CHUNKING (RFC 3030); BDAT is answered whether
                 offered or not

Script: one command a line; blank lines and lines starting with '#' are
ignored. In TEXT, \\r \\n \\t \\\\ and \\xHH are escapes.

  send TEXT        send TEXT; each \\n in it starts a new reply line; every
                   line gets CRLF: "send 250-fake\\n250 STARTTLS"
  send-raw TEXT    send TEXT exactly, nothing appended, in one write (to put
                   plaintext after the STARTTLS 220 in the same packet:
                   "send-raw 220 go ahead\\r\\n250 injected\\r\\n")
  trickle SECONDS TEXT
                   as send, but one byte at a time with a pause of SECONDS
                   (fractions allowed) before each byte after the first
  trickle-raw SECONDS TEXT
                   as send-raw, one byte at a time (a TLS record, slowly)
  expect [WORDS]   read one line from the client; if WORDS are given, the line
                   must start with them (case-insensitive), else the server
                   stops with exit status 1
  expect-raw       wait for bytes from the client that are not a line (its
                   TLS ClientHello), record how many, drop them
  expect-eof       read and record until the client closes the connection
                   (answering QUIT with 221, nothing else)
  starttls         TLS handshake, server side, with --cert/--key
  data             read a message up to the line ".", record and save it
  sleep SECONDS    pause (fractions allowed)
  close            drop the connection now
  reply VERB TEXT  for serve: answer VERB (GREETING for the banner, EHLO,
                   STARTTLS, AUTH, MAIL, RCPT, DATA, ..., or "." for the end of
                   a message) with TEXT instead of the default; TEXT "close"
                   drops the connection instead; a 2xx override of AUTH, MAIL
                   or RCPT counts as success, a DATA override other than 354
                   refuses the message. "reply BDAT" answers every chunk;
                   without it the LAST chunk gets the reply to "."
  reply-chunk N TEXT
                   for serve: answer the Nth BDAT chunk of a transaction
                   (from 1) with TEXT, once: a later transaction gets the
                   default; a reply other than 2xx refuses the message, and
                   the transaction's later chunks get 503 (each still read)
  reply-rcpt ADDRESS TEXT
                   for serve: answer a RCPT whose address is ADDRESS with TEXT
                   (a per-recipient override, before any "reply RCPT")
  drop-data-after LINES
                   for serve: drop the connection in the middle of a message,
                   after receiving LINES lines of it
  rcpt-limit N     for serve: a transaction takes N recipients; each RCPT
                   after that is answered "452 4.5.3 too many recipients"
                   (as Postfix's smtpd_recipient_limit)
  hang-after-messages N
                   for serve: once N messages were received, read what the
                   client sends but never answer again (until --timeout)
  hang-at VERB     for serve: from the client's first VERB on, read what it
                   sends but never answer again (a client to look at while
                   it waits, e.g. its /proc/PID/maps)
  serve            behave as a permissive server for the rest of the
                   connection (until QUIT or the client closes)

Without --script the whole script is "serve". serve sends the 220 greeting
unless the script sent something already; it offers STARTTLS when it has a
certificate and TLS is not up, AUTH PLAIN LOGIN once TLS is up, and accepts
MAIL, RCPT, DATA, RSET, NOOP, QUIT. With --user, MAIL needs AUTH first.

Transcript (--transcript, appended to), one line each, flushed as it happens:
  # connection N from ADDR:PORT  events, starting with '#'; among them
  # tls client: CN              with --client-ca FILE (a client certificate
                              signed by FILE required): its common name
  # tls sni: NAME             the client's SNI at each handshake ("none")
  # tls established: VERSION CIPHER [resumed]
                              "resumed" when the client resumed a session
                              of an earlier connection (--connections N)
  S: line                     a line the server sent
  C: line                     a line the client sent (AUTH payloads included)
  D: line                     a line of a received message
  # bdat chunk N: SIZE octets[, last]
                              each BDAT chunk as read, SIZE the octets that
                              followed the command
So `grep '^C: AUTH'` and `grep '^C: MAIL'` tell whether those were sent.

Exit status: 0 the script ran (the client may have hung up early: that is
recorded, the test judges it); 1 the client sent something an `expect` did
not allow; 2 usage or script error; 3 timeout; 4 internal error (traceback on
stderr).
"""

import argparse
import base64
import os
import re
import signal
import socket
import ssl
import sys
import time

import fakesasl
import ocspstaple

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE, EXIT_TIMEOUT, EXIT_INTERNAL = 0, 1, 2, 3, 4
MAX_LINE = 1 << 20
COMMANDS = {"send", "send-raw", "trickle", "trickle-raw", "expect", "expect-raw", "expect-eof", "starttls", "data",
            "sleep", "close", "reply", "reply-rcpt", "reply-chunk",
            "drop-data-after", "rcpt-limit", "hang-after-messages", "hang-at", "serve"}



_contexts = {}


def server_context(opts):
    """One TLS context per certificate for the whole run, so that a client
    can resume a session of an earlier connection (--connections N)."""
    k = (opts.cert, opts.key, opts.tls12, opts.client_ca, opts.ecdh_curve)
    if k not in _contexts:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if opts.tls12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(opts.cert, opts.key)
        if opts.ecdh_curve:
            ctx.set_ecdh_curve(opts.ecdh_curve)
        if opts.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(opts.client_ca)
        _contexts[k] = ctx
    return _contexts[k]

# TLS named groups (RFC 8446 4.2.7, RFC 7919) by their code point
GROUP_NAMES = {0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
               0x001d: "x25519", 0x001e: "x448", 0x0100: "ffdhe2048",
               0x0101: "ffdhe3072", 0x0102: "ffdhe4096", 0x0103: "ffdhe6144",
               0x0104: "ffdhe8192"}


def client_key_shares(hello):
    """The groups of the key_share extension (51) of a ClientHello record,
    in order; None when the record is not a whole ClientHello."""
    try:
        if hello[0] != 0x16 or hello[5] != 0x01:
            return None
        end = 5 + int.from_bytes(hello[3:5], "big")
        i = 5 + 4 + 2 + 32                  # headers, version, random
        i += 1 + hello[i]                   # session id
        i += 2 + int.from_bytes(hello[i:i + 2], "big")  # cipher suites
        i += 1 + hello[i]                   # compression methods
        ext_end = i + 2 + int.from_bytes(hello[i:i + 2], "big")
        i += 2
        if end > len(hello) or ext_end > end:
            return None
        while i + 4 <= ext_end:
            kind = int.from_bytes(hello[i:i + 2], "big")
            size = int.from_bytes(hello[i + 2:i + 4], "big")
            i += 4
            if kind == 51:
                groups, j = [], i + 2
                while j + 4 <= i + size:
                    g = int.from_bytes(hello[j:j + 2], "big")
                    groups.append(GROUP_NAMES.get(g, "0x%04x" % g))
                    j += 4 + int.from_bytes(hello[j + 2:j + 4], "big")
                return groups
            i += size
        return []
    except IndexError:
        return None


class Hangup(Exception):
    """The client closed the connection or broke TLS."""


class Mismatch(Exception):
    """The client sent what an expect did not allow."""


class ScriptError(Exception):
    pass


def unescape(text):
    out = bytearray()
    i = 0
    simple = {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 == len(text):
            out += c.encode()
            i += 1
        elif text[i + 1] in simple:
            out += simple[text[i + 1]]
            i += 2
        elif text[i + 1] == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ScriptError("bad escape in %r" % text)
    return bytes(out)


def parse_script(path):
    steps = []
    if path is None:
        return [("serve", "")]
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cmd, _, arg = line.strip().partition(" ")
            if cmd not in COMMANDS:
                raise ScriptError("%s:%d: unknown command %r" % (path, n, cmd))
            if cmd in ("send", "send-raw", "sleep", "hang-at") and not arg:
                raise ScriptError("%s:%d: %s needs an argument" % (path, n, cmd))
            if cmd in ("reply", "reply-rcpt") and len(arg.split(" ", 1)) != 2:
                raise ScriptError("%s:%d: reply VERB TEXT" % (path, n))
            if cmd == "reply-chunk" and (len(arg.split(" ", 1)) != 2
                                         or not arg.split(" ", 1)[0].isdigit()):
                raise ScriptError("%s:%d: reply-chunk N TEXT" % (path, n))
            if cmd in ("rcpt-limit", "hang-after-messages") and not arg.isdigit():
                raise ScriptError("%s:%d: %s N" % (path, n, cmd))
            if cmd == "drop-data-after" and not arg.isdigit():
                raise ScriptError("%s:%d: drop-data-after LINES" % (path, n))
            if cmd in ("trickle", "trickle-raw"):
                secs, _, text = arg.partition(" ")
                try:
                    float(secs)
                except ValueError:
                    raise ScriptError("%s:%d: %s SECONDS TEXT" % (path, n, cmd))
                if not text:
                    raise ScriptError("%s:%d: %s SECONDS TEXT" % (path, n, cmd))
                unescape(text)
            if cmd == "sleep":
                try:
                    float(arg)
                except ValueError:
                    raise ScriptError("%s:%d: sleep SECONDS" % (path, n))
            if cmd in ("send", "send-raw"):
                unescape(arg)       # report bad escapes now
            steps.append((cmd, arg))
    return steps


class Transcript:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8", errors="backslashreplace") if path else None

    def write(self, prefix, data):
        if self.f is None:
            return
        if isinstance(data, bytes):
            data = data.decode("utf-8", "backslashreplace")
        self.f.write(prefix + data + "\n")
        self.f.flush()

    def event(self, text):
        self.write("# ", text)


class Session:
    """One client connection: a socket, its read buffer, the script state."""

    def __init__(self, sock, opts, tr, number):
        self.sock = sock
        self.opts = opts
        self.tr = tr
        self.number = number
        self.buf = b""
        self.tls = False
        self.sent_anything = False
        self.replies = {}
        self.rcpt_replies = {}
        self.chunk_replies = {}
        self.authed = False
        self.drop_after = None
        self.rcpt_limit = None
        self.hang_after = None
        self.hang_at = None

    # -- bytes in and out --------------------------------------------------

    def sendall(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
            raise Hangup("while sending: %s" % e)
        self.sent_anything = True

    def send_lines(self, text):
        lines = text.split(b"\n") if isinstance(text, bytes) else [text]
        for l in lines:
            self.tr.write("S: ", l)
        self.sendall(b"".join(l + b"\r\n" for l in lines))

    def trickle(self, pause, data):
        """Sends data a byte at a time, pause seconds apart."""
        for i in range(len(data)):
            if i > 0:
                time.sleep(pause)
            self.sendall(data[i:i + 1])

    def recv_more(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise
        except (ConnectionResetError, ssl.SSLError, OSError) as e:
            raise Hangup(str(e))
        if not chunk:
            raise Hangup("client closed the connection")
        self.buf += chunk

    def readline(self):
        """One line from the client, without its line end (CRLF or LF)."""
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise Hangup("line longer than %d bytes" % MAX_LINE)
            self.recv_more()
        line, _, self.buf = self.buf.partition(b"\n")
        return line[:-1] if line.endswith(b"\r") else line

    def read_exact(self, n):
        """Exactly n bytes from the client (BDAT data)."""
        while len(self.buf) < n:
            self.recv_more()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def client_line(self):
        line = self.readline()
        self.tr.write("C: ", line)
        return line

    # -- TLS ---------------------------------------------------------------

    def handshake(self):
        if not (self.opts.cert and self.opts.key):
            raise ScriptError("TLS needs --cert and --key")
        if self.buf:
            self.tr.event("client sent %d bytes before the TLS handshake: %r"
                          % (len(self.buf), self.buf[:200]))
            self.buf = b""
        if self.opts.ocsp_staple:
            return self.handshake_stapled()
        self.note_key_shares()
        ctx = server_context(self.opts)
        # The context is shared by the connections: the callback is ours.
        ctx.sni_callback = self.note_sni
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except socket.timeout:
            raise
        except (ssl.SSLError, OSError) as e:
            raise Hangup("tls handshake failed: %s" % e)
        self.tls = True
        # "resumed": the client resumed a session of an earlier
        # connection to this server (one context, so one ticket key)
        self.tr.event("tls established: %s %s%s"
                      % (self.sock.version(), self.sock.cipher()[0],
                         " resumed" if self.sock.session_reused else ""))
        if self.opts.client_ca:
            subj = dict(x[0] for x in self.sock.getpeercert()["subject"])
            self.tr.event("tls client: %s" % subj.get("commonName", "?"))

    def note_key_shares(self):
        """Records the groups the ClientHello shares keys for, read without
        taking it off the socket (MSG_PEEK), before the handshake reads it."""
        end = time.monotonic() + 2
        hello = b""
        while time.monotonic() < end:
            try:
                hello = self.sock.recv(16384, socket.MSG_PEEK)
            except OSError:
                return
            if not hello:
                return
            groups = client_key_shares(hello)
            if groups is not None:
                self.tr.event("client key shares: %s"
                              % (" ".join(groups) if groups else "none"))
                return
            if hello[:1] != b"\x16":
                return
            time.sleep(0.01)

    def handshake_stapled(self):
        try:
            self.sock = ocspstaple.StapledTLS(
                self.sock, self.opts.cert, self.opts.key, self.opts.ocsp_staple,
                self.opts.timeout, self.opts.tls12)
        except ocspstaple.HandshakeFailed as e:
            raise Hangup("tls handshake failed: %s" % e)
        self.tls = True
        self.tr.event("tls established: %s %s" % (self.sock.version, self.sock.cipher))

    def note_sni(self, sslsock, name, ctx):
        # Python passes None when the ClientHello carried no server_name.
        self.tr.event("tls sni: %s" % (name if name is not None else "none"))

    # -- script commands -----------------------------------------------------

    def run(self, steps):
        for cmd, arg in steps:
            if cmd == "send":
                self.send_lines(unescape(arg))
            elif cmd == "send-raw":
                data = unescape(arg)
                self.tr.write("S: ", "(raw) " + repr(data))
                self.sendall(data)
            elif cmd == "trickle":
                secs, _, text = arg.partition(" ")
                lines = unescape(text).split(b"\n")
                for l in lines:
                    self.tr.write("S: ", l)
                self.tr.event("trickled, a byte each %s s" % secs)
                self.trickle(float(secs), b"".join(l + b"\r\n" for l in lines))
            elif cmd == "trickle-raw":
                secs, _, text = arg.partition(" ")
                data = unescape(text)
                self.tr.write("S: ", "(raw, a byte each %s s) %r" % (secs, data))
                self.trickle(float(secs), data)
            elif cmd == "expect":
                line = self.client_line()
                if arg and not line.decode("utf-8", "replace").upper().startswith(arg.upper()):
                    raise Mismatch("expected %r, got %r" % (arg, line))
            elif cmd == "expect-raw":
                if not self.buf:
                    self.recv_more()
                self.tr.write("C: ", "(raw, %d bytes)" % len(self.buf))
                self.buf = b""
            elif cmd == "expect-eof":
                while True:
                    if self.client_line().upper() == b"QUIT":
                        self.send_lines(b"221 2.0.0 bye")
            elif cmd == "starttls":
                self.handshake()
            elif cmd == "data":
                self.read_message()
            elif cmd == "sleep":
                time.sleep(float(arg))
            elif cmd == "close":
                self.tr.event("server closes the connection")
                return
            elif cmd == "reply-rcpt":
                addr, text = arg.split(" ", 1)
                self.rcpt_replies[addr.lower()] = text
            elif cmd == "reply-chunk":
                nth, text = arg.split(" ", 1)
                self.chunk_replies[int(nth)] = text
            elif cmd == "drop-data-after":
                self.drop_after = int(arg)
            elif cmd == "rcpt-limit":
                self.rcpt_limit = int(arg)
            elif cmd == "hang-after-messages":
                self.hang_after = int(arg)
            elif cmd == "hang-at":
                self.hang_at = arg.upper()
            elif cmd == "reply":
                verb, text = arg.split(" ", 1)
                self.replies[verb.upper()] = text
            elif cmd == "serve":
                self.serve()
                return

    def read_message(self, drop_after=None):
        data = bytearray()
        lines = 0
        while True:
            if drop_after is not None and lines >= drop_after:
                self.tr.event("server drops the connection after %d lines of the message" % lines)
                raise Hangup("dropped in the middle of DATA")
            while b"\n" not in self.buf:
                self.recv_more()
            line, _, self.buf = self.buf.partition(b"\n")
            if line in (b".\r", b"."):
                break
            data += line + b"\n"
            lines += 1
            self.tr.write("D: ", line[:-1] if line.endswith(b"\r") else line)
        self.save_message(data)

    def save_message(self, data):
        """Counts a received message and writes it to --data."""
        self.tr.event("message of %d bytes" % len(data))
        self.opts.messages += 1
        path = self.opts.data
        if path:
            if self.opts.messages > 1:
                path = "%s.%d" % (path, self.opts.messages)
            with open(path, "wb") as f:
                f.write(data)

    # -- permissive server ---------------------------------------------------

    def say(self, verb, default):
        """Send the reply for verb (a `reply` override or default); return
        its code, or None when the script said to close instead."""
        text = self.replies.get(verb, default)
        if text == "close":
            self.tr.event("server closes the connection instead of answering %s" % verb)
            return None
        self.send_lines(unescape(text))
        return text[:3]

    def mechs(self):
        return self.opts.auth_mechs

    def ehlo_lines(self):
        lines = ["250-fake.test", "250-PIPELINING", "250-8BITMIME",
                 "250-SIZE 104857600", "250-ENHANCEDSTATUSCODES", "250-SMTPUTF8"]
        if self.opts.chunking:
            lines.append("250-CHUNKING")
        if self.opts.cert and not self.tls:
            lines.append("250-STARTTLS")
        if self.tls or self.opts.auth_without_tls:
            lines.append("250-AUTH " + self.mechs())
        lines.append("250 HELP")
        return "\\n".join(lines)

    def reset(self):
        self.mail = self.rcpt = False
        self.rcpts_taken = 0
        self.chunks = []
        self.bdat_data = bytearray()
        self.bdat_failed = False

    def serve(self):
        self.reset()
        if not self.sent_anything and self.say("GREETING", "220 fake.test ESMTP fakesmtp") is None:
            return
        while True:
            if self.hang_after is not None and self.opts.messages >= self.hang_after:
                self.tr.event("server stops answering after %d messages" % self.opts.messages)
                while True:
                    self.client_line()
            words = self.client_line().decode("utf-8", "replace").split(" ")
            verb = words[0].upper()
            if verb == self.hang_at:
                self.tr.event("server stops answering at %s" % verb)
                while True:
                    self.client_line()
            handler = getattr(self, "do_" + verb.lower(), None) if verb.isalpha() else None
            if handler is None:
                handler = self.do_unknown
            if handler(verb, words[1:]) is False:
                return

    def do_ehlo(self, verb, args):
        self.reset()
        return self.say(verb, self.ehlo_lines() if verb == "EHLO" else "250 fake.test") is not None

    do_helo = do_ehlo

    def do_starttls(self, verb, args):
        if not self.opts.cert or self.tls:
            return self.say(verb, "502 5.5.1 STARTTLS not available") is not None
        code = self.say(verb, "220 2.0.0 ready for TLS")
        if code is None:
            return False
        if code == "220":
            self.handshake()
            self.reset()
            self.authed = False
        return True

    def do_auth(self, verb, args):
        if verb in self.replies:
            code = self.say(verb, "")
        elif not self.tls and not self.opts.auth_without_tls:
            code = self.say(verb, "503 5.5.1 AUTH not available before TLS")
        elif self.authed:
            code = self.say(verb, "503 5.5.1 already authenticated")
        else:
            code = self.authenticate(args)
        if code is not None and code.startswith("2"):
            self.authed = True
        return code is not None

    def authenticate(self, args):
        mech = args[0].upper() if args else ""
        try:
            if mech == "PLAIN":
                if len(args) > 1:
                    resp = args[1]
                else:
                    self.send_lines(b"334 ")
                    resp = self.client_line()
                _, user, password = base64.b64decode(resp, validate=True).split(b"\0")
            elif mech == "LOGIN":
                self.send_lines(b"334 VXNlcm5hbWU6")
                user = base64.b64decode(self.client_line(), validate=True)
                self.send_lines(b"334 UGFzc3dvcmQ6")
                password = base64.b64decode(self.client_line(), validate=True)
            elif mech in self.mechs().upper().split():
                return self.say("AUTH", fakesasl.authenticate(
                    self, mech, args[1] if len(args) > 1 else None))
            else:
                return self.say("AUTH", "504 5.5.4 mechanism not supported")
        except ValueError:
            return self.say("AUTH", "501 5.5.2 malformed %s response" % mech)
        if self.opts.user is None or (user == self.opts.user.encode()
                                      and password == self.opts.password.encode()):
            return self.say("AUTH", "235 2.7.0 authenticated")
        return self.say("AUTH", "535 5.7.8 authentication failed")

    def do_mail(self, verb, args):
        if self.opts.user is not None and not self.authed:
            code = self.say(verb, "530 5.7.0 authentication required")
        else:
            code = self.say(verb, "250 2.1.0 sender ok")
        self.mail = code is not None and code.startswith("2")
        return code is not None

    def do_rcpt(self, verb, args):
        addr = args[0][3:].strip("<>").lower() if args and args[0].upper().startswith("TO:") else ""
        if self.mail and self.rcpt_limit is not None and self.rcpts_taken >= self.rcpt_limit:
            self.send_lines(b"452 4.5.3 too many recipients")
            return True
        if self.mail and addr in self.rcpt_replies:
            self.send_lines(unescape(self.rcpt_replies[addr]))
            if self.rcpt_replies[addr].startswith("2"):
                self.rcpt = True
            return True
        code = self.say(verb, "250 2.1.5 recipient ok" if self.mail else "503 5.5.1 MAIL first")
        if code is not None and code.startswith("2"):
            self.rcpt = True
            self.rcpts_taken += 1
        return code is not None

    def do_data(self, verb, args):
        code = self.say(verb, "354 end with <CRLF>.<CRLF>" if self.rcpt else "503 5.5.1 RCPT first")
        if code != "354":
            return code is not None
        self.read_message(self.drop_after)
        self.reset()
        return self.say(".", "250 2.0.0 queued") is not None

    def do_bdat(self, verb, args):
        if (not args or not args[0].isdigit() or len(args) > 2
                or (len(args) == 2 and args[1].upper() != "LAST")):
            return self.say("BDAT", "501 5.5.4 syntax: BDAT size [LAST]") is not None
        size, last = int(args[0]), len(args) == 2
        data = self.read_exact(size)
        self.chunks.append(size)
        nth = len(self.chunks)
        self.tr.event("bdat chunk %d: %d octets%s" % (nth, size, ", last" if last else ""))
        self.bdat_data += data
        if nth in self.chunk_replies:
            text = self.chunk_replies.pop(nth)
        elif not self.rcpt:
            text = "503 5.5.1 no valid recipients"
        elif self.bdat_failed:
            text = "503 5.5.1 an earlier chunk was refused"
        elif "BDAT" in self.replies:
            text = self.replies["BDAT"]
        elif last:
            text = self.replies.get(".", "250 2.0.0 queued")
        else:
            text = "250 2.0.0 %d octets received" % size
        if text == "close":
            self.tr.event("server closes the connection instead of answering BDAT")
            return False
        self.send_lines(unescape(text))
        if not text.startswith("2"):
            self.bdat_failed = True
        if last:
            if self.rcpt and not self.bdat_failed:
                lines = bytes(self.bdat_data).split(b"\n")
                if lines[-1] == b"":
                    lines.pop()
                for line in lines:
                    self.tr.write("D: ", line[:-1] if line.endswith(b"\r") else line)
                self.save_message(self.bdat_data)
            self.reset()
        return True

    def do_rset(self, verb, args):
        self.reset()
        return self.say(verb, "250 2.0.0 ok") is not None

    def do_noop(self, verb, args):
        return self.say(verb, "250 2.0.0 ok") is not None

    def do_quit(self, verb, args):
        self.say(verb, "221 2.0.0 bye")
        return False

    def do_unknown(self, verb, args):
        return self.say(verb, "502 5.5.2 command not recognised") is not None


def listen(opts):
    family = socket.AF_INET6 if ":" in opts.listen else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((opts.listen, 0))
    srv.listen(8)
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, opts.port_file)
    return srv


def one_connection(srv, opts, steps, tr, number):
    srv.settimeout(opts.timeout)
    try:
        sock, peer = srv.accept()
    except socket.timeout:
        tr.event("no connection within %gs" % opts.timeout)
        print("fakesmtp: no connection within %gs" % opts.timeout, file=sys.stderr)
        return EXIT_TIMEOUT
    sock.settimeout(opts.timeout)
    tr.event("connection %d from %s:%d" % (number, peer[0], peer[1]))
    s = Session(sock, opts, tr, number)
    status = EXIT_OK
    try:
        if opts.implicit_tls:
            s.handshake()
        s.run(steps)
    except Hangup as e:
        tr.event("connection ended: %s" % e)
    except Mismatch as e:
        tr.event("mismatch: %s" % e)
        print("fakesmtp: connection %d: %s" % (number, e), file=sys.stderr)
        status = EXIT_MISMATCH
    except socket.timeout:
        tr.event("timeout: client silent for %gs" % opts.timeout)
        print("fakesmtp: connection %d: client silent for %gs" % (number, opts.timeout),
              file=sys.stderr)
        status = EXIT_TIMEOUT
    finally:
        try:
            s.sock.close()
        except OSError:
            pass
    tr.event("end of connection %d" % number)
    return status


def main():
    p = argparse.ArgumentParser(description="scripted fake SMTP server")
    p.add_argument("--script")
    p.add_argument("--port-file", required=True)
    p.add_argument("--transcript")
    p.add_argument("--data")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth-mechs", default="PLAIN LOGIN")
    p.add_argument("--tls12", action="store_true")
    p.add_argument("--ecdh-curve")
    p.add_argument("--auth-without-tls", action="store_true")
    p.add_argument("--chunking", action="store_true")
    p.add_argument("--client-ca")
    p.add_argument("--cb-wrong", action="store_true")
    p.add_argument("--scram-iterations", type=int)
    p.add_argument("--scram-salt")
    p.add_argument("--scram-nonce", choices=("ours", "other"))
    p.add_argument("--scram-final", choices=("wrong", "none"))
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--ocsp-staple")
    opts = p.parse_args()
    opts.messages = 0
    if (opts.user is None) != (opts.password is None):
        p.error("--user and --password go together")
    if opts.implicit_tls and not (opts.cert and opts.key):
        p.error("--implicit-tls needs --cert and --key")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        steps = parse_script(opts.script)
    except (OSError, ScriptError) as e:
        print("fakesmtp: %s" % e, file=sys.stderr)
        return EXIT_USAGE
    tr = Transcript(opts.transcript)
    srv = listen(opts)
    worst = EXIT_OK
    for n in range(1, opts.connections + 1):
        try:
            status = one_connection(srv, opts, steps, tr, n)
        except ScriptError as e:
            print("fakesmtp: %s" % e, file=sys.stderr)
            return EXIT_USAGE
        worst = max(worst, status)
        if status == EXIT_TIMEOUT and n == 1 and opts.connections > 1:
            break
    return worst


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException:
        import traceback
        traceback.print_exc()
        sys.exit(EXIT_INTERNAL)
