#!/usr/bin/env python3
"""bs-client.py: speak SMTP to a command over its standard input and output,
as Symfony Mailer and Laravel do with "sendmail -bs".

usage: bs-client.py [-f FROM] [-r RCPT]... [-M MAILOPT]... [-R RCPTOPT]...
                    [--ehlo NAME] [--rset] [--raw] [--timeout SEC]
                    FILE... -- COMMAND [ARG...]

Starts COMMAND with pipes for its standard input and output (its standard
error is left alone), reads the greeting, sends EHLO and then each FILE as
one message with smtplib (MAIL FROM, RCPT TO, DATA, dot-stuffed content),
with RSET between messages when --rset is given, and QUIT. Every command
sent and every reply line is printed on standard output:
    C: MAIL FROM:<a@example.test>
    S: 250 2.1.0 Ok
Files are sent with CRLF line endings (bare LF and bare CR converted, as a
mail library does) unless --raw. Exits 0 when every message got 250, QUIT
got 221 and COMMAND exited 0; 1 otherwise, saying why on standard error; 2
on a usage error. COMMAND is killed after --timeout seconds (default 60).
"""

import argparse
import re
import smtplib
import subprocess
import sys
import threading


class PipeSock:
    """The little of a socket that smtplib uses, over a child's pipes."""

    def __init__(self, proc):
        self.proc = proc

    def sendall(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def makefile(self, mode):
        if mode != "rb":
            raise ValueError("only rb")
        return self.proc.stdout

    def close(self):
        if not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass


class PipeSMTP(smtplib.SMTP):
    """smtplib.SMTP over a command's standard input and output."""

    def connect_command(self, argv, timeout):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        # A hung command is killed: the reads then see the end.
        self.watchdog = threading.Timer(timeout, self.proc.kill)
        self.watchdog.start()
        self.sock = PipeSock(self.proc)
        self.file = None
        code, msg = self.getreply()
        if code != 220:
            self.close()
            raise smtplib.SMTPConnectError(code, msg)
        return code, msg

    def connect(self, host="localhost", port=0, source_address=None):
        raise NotImplementedError("use connect_command")

    def send(self, s):
        text = s if isinstance(s, str) else s.decode("utf-8", "replace")
        # The message content is not a command: show only its size.
        if self._in_data(text):
            print("C: <%d octets of content>" % len(s), flush=True)
        else:
            print("C: " + text.rstrip("\r\n"), flush=True)
        if isinstance(s, str):
            s = s.encode("utf-8")
        try:
            self.sock.sendall(s)
        except OSError as e:
            self.close()
            raise smtplib.SMTPServerDisconnected(
                "the command closed its input: %s" % e)

    @staticmethod
    def _in_data(text):
        return text.endswith("\r\n.\r\n") or text == ".\r\n"

    def getreply(self):
        code, msg = super().getreply()
        lines = msg.decode("utf-8", "replace").split("\n") if msg else [""]
        for i, line in enumerate(lines):
            sep = "-" if i < len(lines) - 1 else " "
            print("S: %03d%s%s" % (code, sep, line), flush=True)
        return code, msg


def crlf(data):
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


def parse_args(argv):
    if "--" not in argv:
        print("bs-client.py: no command: FILE... -- COMMAND [ARG...]",
              file=sys.stderr)
        sys.exit(2)
    i = argv.index("--")
    command = argv[i + 1:]
    ap = argparse.ArgumentParser(prog="bs-client.py")
    ap.add_argument("-f", dest="sender", default="sender@example.test")
    ap.add_argument("-r", dest="rcpts", action="append", default=[])
    ap.add_argument("-M", dest="mail_opts", action="append", default=[])
    ap.add_argument("-R", dest="rcpt_opts", action="append", default=[])
    ap.add_argument("--ehlo", default="client.example.test")
    ap.add_argument("--rset", action="store_true")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv[:i])
    if not command:
        ap.error("no command after --")
    if not args.rcpts:
        args.rcpts = ["rcpt@example.test"]
    return args, command


def session(s, args):
    s.ehlo(args.ehlo)
    for n, name in enumerate(args.files):
        with open(name, "rb") as fp:
            data = fp.read()
        if not args.raw:
            data = crlf(data)
        if n > 0 and args.rset:
            code, msg = s.rset()
            if code != 250:
                raise smtplib.SMTPResponseException(code, msg)
        refused = s.sendmail(args.sender, args.rcpts, data,
                             mail_options=args.mail_opts,
                             rcpt_options=args.rcpt_opts)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
    code, msg = s.docmd("QUIT")
    if code != 221:
        raise smtplib.SMTPResponseException(code, msg)
    s.close()


def main(argv):
    args, command = parse_args(argv)
    s = PipeSMTP()
    rc = 0
    try:
        s.connect_command(command, args.timeout)
        session(s, args)
    except (smtplib.SMTPException, OSError) as e:
        print("bs-client.py: %s: %s" % (command[0], e), file=sys.stderr)
        rc = 1
        if isinstance(e, smtplib.SMTPResponseException) and s.file:
            try:
                s.docmd("QUIT")
            except (smtplib.SMTPException, OSError):
                pass
        s.close()
    if not hasattr(s, "proc"):
        return 1
    status = s.proc.wait()
    s.watchdog.cancel()
    if status != 0:
        print("bs-client.py: %s exited with %d" % (command[0], status),
              file=sys.stderr)
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
