#!/bin/sh
# A hostile local user plants things in the maildrop, where anyone may
# write: a link to the account's file, a FIFO, a file with two links, a
# file that keeps growing, an oversized one, one claiming another user,
# one with CR/LF in a recipient, a name the maildrop never gives. The
# pickup refuses each with one log line and moves it to the quarantine;
# it never follows a link nor blocks, and the honest user's message in
# the same run is delivered.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 20

system_setup
system_user ptcarol
system_user ptmallory
md=$SYS_SPOOL/maildrop

hex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
# plant NAME REQUEST_LINE...: as ptmallory, a maildrop file NAME with the
# request lines, an empty line and a short message, mode 0640
plant() {
	pl_name=$1; shift
	{ printf 'version 1\n'; printf '%s\n' "$@"; printf '\nSubject: x\n\nbody\n'; } |
	    as_user ptmallory sh -c 'umask 027; cat >"$1"' sh "$md/$pl_name"
}

printf 'Subject: honest\n\nfrom carol\n' >"$T/honest.msg"
sys_run ptcarol -i someone@example.test <"$T/honest.msg"
check_rc "an honest drop: exit 0" 0

link=$(hex) fifo=$(hex) two=$(hex) grow=$(hex) big=$(hex) claim=$(hex) crlf=$(hex)
as_user ptmallory ln -s "$SYS_CONF" "$md/$link"
as_user ptmallory mkfifo "$md/$fifo"
plant "$two" 'user ptmallory' 'rcpt a@example.test'
as_user ptmallory ln "$md/$two" "$md/$(hex)"
plant "$big" 'user ptmallory' 'rcpt a@example.test'
as_user ptmallory truncate -s 140M "$md/$big"
plant "$claim" 'user ptcarol' 'rcpt a@example.test'
plant "$crlf" 'user ptmallory' 'rcpt a@example.test\r\nRCPT TO:<b@example.test>'
plant evil 'user ptmallory' 'rcpt a@example.test'
plant "$grow" 'user ptmallory' 'rcpt a@example.test'
# Writes 150 MB while the pickup runs: over the limit (twice 64 MiB on
# disk), or more than the file held when it was opened; either way it
# must not be read for ever. It has grown when the pickup starts.
as_user ptmallory sh -c 'yes | head -c 150000000 >>"$1"' sh "$md/$grow" &
grower=$!
while [ "$(stat -c %s "$md/$grow")" -lt 1000000 ]; do sleep 0.01; done
stat -c '%a %U' "$SYS_CONF" >"$T/conf.before"

log_from=$(($(wc -l <"$PF_DIR/maillog") + 1))
as_user postie timeout 60 "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
wait "$grower"
check_rc "the pickup finishes, exit 0 (it did not block on the FIFO)" 0

# refused NAME REASON: one log line refused NAME for REASON
refused() {
	if [ "$(grep -c "^postie: warning: maildrop $1: refused ($2" "$T/stderr")" = 1 ]; then
		ok "refused with one log line: $2"
	else
		fail "refused with one log line: $2" "stderr:" "$err"
	fi
}
refused "$link" "a symbolic link"
refused "$fifo" "not a regular file"
refused "$two" "it has 2 links"
refused "$big" "larger than 128 MiB"
refused "$claim" "it says it is from ptcarol but belongs to ptmallory"
refused "$crlf" "a request the command line would refuse"
refused evil "not a name the maildrop gives"
if grep -q "^postie: warning: maildrop $grow: refused (\(the message is longer than\|larger than\)" "$T/stderr"; then
	ok "refused with one log line: the growing file"
else
	fail "refused with one log line: the growing file" "$err"
fi
check_eq "the maildrop is empty" "" "$(ls -A "$md")"
check_eq "nine files are in the quarantine, all as planted" 9 \
    "$(find "$SYS_SPOOL/quarantine" ! -type d | wc -l | tr -d ' ')"
check "the quarantined link still points at the account's file" \
    sh -c "find '$SYS_SPOOL/quarantine' -type l -lname '$SYS_CONF' | grep -q ."
check_eq "the account's file is untouched" "$(cat "$T/conf.before")" \
    "$(stat -c '%a %U' "$SYS_CONF")"

if delivered 1; then
	ok "the honest message is delivered"
	check_eq "and only it" "1" "$(pf_mail_count "$PF_DIR")"
	check "no delivered mail holds the password" \
	    sh -c "! grep -rqF '$PF_PASSWORD' '$PF_MAILDIR'"
else
	fail "the honest message is delivered" "$(cat "$T/pf_wait")"
	fail "and only it"
	fail "no delivered mail holds the password"
fi
sleep 0.3
tail -n +"$log_from" "$PF_DIR/maillog" >"$T/maillog"
check_eq "no RCPT for the injected b@example.test reached the server" 0 \
    "$(grep -c 'b@example.test' "$T/maillog")"

# A second run with nothing new: quiet, and the quarantine stays.
as_user postie timeout 60 "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_rc "a second run: exit 0" 0
check_eq "a second run: nothing to say" "" "$err"
