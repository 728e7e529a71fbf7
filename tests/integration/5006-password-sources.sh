#!/bin/sh
# Where the password comes from, in this order: the password key,
# passwordeval, ~/.netrc (machine = host, login = user), the terminal.
# A failing passwordeval is a clear error that never shows its output; a
# netrc others can read is refused like the configuration; without any
# source and without a terminal, exit 77 saying what to set.
. "$(dirname "$0")/../lib/lib.sh"
plan 22

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
PW=wonderland-secret
export HOME="$T/home"
mkdir -p "$HOME"

# config_nopw FILE PORT [LINE...]: the fake account without a password key
config_nopw() {
	cn=$1 cp=$2; shift 2
	config_fake "$cn.tmp" "$cp" implicit
	grep -v '^password ' "$cn.tmp" | sed '/^account default/d' >"$cn"
	printf '%s\n' "$@" "account default : test" >>"$cn"
	chmod 600 "$cn"
}
# run_notty ARG...: postie without a controlling terminal (setsid)
run_notty() {
	XDG_STATE_HOME=$T/state setsid -w timeout 60 "$POSTIE" "$@" <"$T/msg" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}
fake() { fake_start serve --implicit-tls --user alice --password "$1"; }

# ~/.netrc: the entry for this machine and login, quoted, among others
printf '%s\n' "machine localhost login bob password bobs-secret" \
    "machine other.example login alice password wrong" \
    "machine localhost login alice password \"$PW\"" \
    "default login alice password wrong-default" >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
fake $PW
config_nopw "$T/rc" "$FAKE_PORT"
run_notty -v -C "$T/rc" rcpt@example.test
fake_wait
check_rc "netrc: exit 0" 0
check "netrc: -v says the password came from ~/.netrc" grep -q "password for localhost from $HOME/.netrc" "$T/stderr"
check "netrc: the server took it" grep -q '^S: 235 ' "$T/transcript"

# the password key wins over passwordeval and netrc; passwordeval over netrc
fake other-secret
config_nopw "$T/rc" "$FAKE_PORT" "password other-secret" "passwordeval \"echo nope\""
run_notty -C "$T/rc" rcpt@example.test
fake_wait
check_rc "password key first: exit 0" 0
fake eval-secret
config_nopw "$T/rc" "$FAKE_PORT" "passwordeval \"echo eval-secret\""
run_notty -C "$T/rc" rcpt@example.test
fake_wait
check_rc "passwordeval before netrc: exit 0" 0

# a netrc others can read: exit 78, nothing sent
chmod 644 "$HOME/.netrc"
fake $PW
config_nopw "$T/rc" "$FAKE_PORT"
run_notty -C "$T/rc" rcpt@example.test
fake_finish
check_rc "netrc mode 644: exit 78" 78
check_err_at "netrc mode 644: says so and how to fix it" "$FAKE_PORT" \
    "$HOME/.netrc" "others can read it" "chmod 600"
check "netrc mode 644: the password is not on stderr" sh -c "! grep -q $PW '$T/stderr'"
check "netrc mode 644: no AUTH sent" sh -c "! grep -q '^C: AUTH' '$T/transcript'"

# no entry for this login, no terminal: exit 77 naming what to set
printf 'machine localhost login bob password bobs-secret\n' >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
fake $PW
config_nopw "$T/rc" "$FAKE_PORT"
run_notty -C "$T/rc" rcpt@example.test
fake_finish
check_rc "no source, no terminal: exit 77" 77
check_err_at "no source: names the sources" "$FAKE_PORT" \
    "no password for alice" "passwordeval" ".netrc" "terminal"
check "no source: nothing reached AUTH" sh -c "! grep -q '^C: AUTH' '$T/transcript'"

# passwordeval fails: exit 78, its exit status, never its output
fake $PW
config_nopw "$T/rc" "$FAKE_PORT" "passwordeval \"echo leaked-$PW; exit 3\""
run_notty -C "$T/rc" rcpt@example.test
fake_finish
check_rc "passwordeval exits 3: exit 78" 78
check_err_at "passwordeval exits 3: says so" "$FAKE_PORT" "passwordeval failed (exit 3)"
check "passwordeval exits 3: its output is not shown" sh -c "! grep -q leaked '$T/stderr'"
fake $PW
config_nopw "$T/rc" "$FAKE_PORT" "passwordeval true"
run_notty -C "$T/rc" rcpt@example.test
fake_finish
check_rc "passwordeval prints nothing: exit 78" 78
check_err "passwordeval prints nothing: says so" "passwordeval printed no password"

# the terminal: asked with echo off, when nothing else gives one
rm -f "$HOME/.netrc"
fake $PW
config_nopw "$T/rc" "$FAKE_PORT"
python3 - "$POSTIE" "$T" "$PW" <<'PYEOF' >"$T/pty.out" 2>&1
import os, pty, select, sys, time
postie, t, pw = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.dup2(os.open(t + "/msg", os.O_RDONLY), 0)
    os.dup2(os.open(t + "/stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    os.environ["XDG_STATE_HOME"] = t + "/state"
    os.execv(postie, [postie, "-C", t + "/rc", "rcpt@example.test"])
seen = b""
end = time.time() + 30
answered = False
while time.time() < end:
    if not answered and b"password for" in seen:
        time.sleep(0.2)   # readpassphrase turns echo off after the prompt
        os.write(fd, pw.encode() + b"\n")
        answered = True
    r, _, _ = select.select([fd], [], [], 0.5)
    if fd in r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
_, status = os.waitpid(pid, 0)
open(t + "/tty", "wb").write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
PYEOF
rc=$? err=$(cat "$T/stderr")
fake_wait
check_rc "prompt: exit 0" 0
check "prompt: asked on the terminal" grep -q "postie: password for alice at localhost: " "$T/tty"
check "prompt: the typed password was not echoed" sh -c "! grep -q '$PW' '$T/tty'"
check "prompt: the server took it" grep -q '^S: 235 ' "$T/transcript"
check "prompt: the message arrived" test -s "$T/data"
