#!/bin/sh
# The delivery log cannot be turned into a way to write elsewhere.
# sendmail's -X FILE is ignored, as Postfix's sendmail ignores it: with
# PHP's mail() fifth argument it wrote caller-chosen text to a
# caller-chosen path (CVE-2016-10033). The account's logfile is opened
# without following a symbolic link planted at its path, and anything
# there that is not a regular file (a FIFO) gets nothing; either is a
# warning, and the message is delivered all the same.
. "$(dirname "$0")/../lib/lib.sh"
plan 17

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
# send [POSTIE ARG...]: one submission to a fresh fake server, with
# logfile $T/log
send() {
	fake_start serve --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "logfile $T/log"
	postie_run -C "$T/rc" "$@" <"$T/msg"
	fake_wait
}

# As PHP's mail() passes it: -X glued to a path under the web root.
mkdir "$T/www"
send -t -i "-X$T/www/shell.php" -f sender@example.test
check_rc "-X: delivered, exit 0" 0
check "-X: the server got the message" grep -q '^C: DATA' "$T/transcript"
check "-X: no file at the -X path" test ! -e "$T/www/shell.php"
check "-X: the account's logfile got the line" grep -q 'result=delivered' "$T/log"
check_eq "-X: nothing on stderr" "" "$err"

# A symbolic link at the logfile path, to a file that exists.
rm -f "$T/log"
printf 'precious\n' >"$T/victim"
ln -s "$T/victim" "$T/log"
send rcpt@example.test
check_rc "symlink: delivered all the same, exit 0" 0
check "symlink: the file it points to is untouched" \
    sh -c '[ "$(cat "$1")" = precious ]' sh "$T/victim"
check "symlink: still a symlink" test -L "$T/log"
check "symlink: a warning says the link was not followed" \
    grep -q '^postie: warning: cannot write the delivery log .*symbolic link, not followed' "$T/stderr"

# A dangling one: following it would create the file it names.
rm -f "$T/log"
ln -s "$T/created" "$T/log"
send rcpt@example.test
check_rc "dangling symlink: delivered, exit 0" 0
check "dangling symlink: no file created where it points" test ! -e "$T/created"

# A FIFO with a reader: opened without blocking, refused, nothing read.
rm -f "$T/log"
mkfifo "$T/log"
cat "$T/log" >"$T/fifo.out" &
reader=$!
fake_pids="$fake_pids $reader"
send rcpt@example.test
check_rc "FIFO: delivered, exit 0" 0
check "FIFO: a warning says it is not a regular file" \
    grep -q '^postie: warning: cannot write the delivery log .*not a regular file' "$T/stderr"
i=0
while kill -0 "$reader" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
kill "$reader" 2>/dev/null
check_eq "FIFO: the reader got nothing" "" "$(cat "$T/fifo.out")"

# A FIFO without a reader does not hang postie.
rm -f "$T/log"
mkfifo "$T/log"
start=$(date +%s)
send rcpt@example.test
check_rc "FIFO, no reader: delivered, exit 0" 0
check "FIFO, no reader: within 5 s" test $(($(date +%s) - start)) -lt 5
check "FIFO, no reader: a warning about the log" \
    grep -q '^postie: warning: cannot write the delivery log' "$T/stderr"
