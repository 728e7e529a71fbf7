#!/bin/sh
# PHP's mail(): popen("sendmail -t -i [additional_params]") through sh -c,
# with headers ending in CRLF and the body in LF as the script wrote it,
# and a CRLF after the body. Everything must leave as CRLF (the test
# Postfix refuses a bare LF), the body byte for byte. mail()'s fifth
# argument "-fADDR" is appended to the command. 7022 runs real PHP.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 11

# header FILE NAME: the value of FILE's first NAME: header (any case)
header() {
	awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
	    /^$/ { exit }
	    tolower(substr($0, 1, length(n))) == n {
		sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$1"
}
# split_added FILE NAME...: FILE (delivered) without Postfix's trace into
# $T/got, less the header lines NAME... (which postie adds) that go to
# $T/added
split_added() {
	sa_f=$1; shift
	pf_strip_trace "$sa_f" >"$T/full"
	awk -v names="$*" 'BEGIN { n = split(tolower(names), v, " ")
		for (i = 1; i <= n; i++) want[v[i]] = 1 }
	    !body && /^$/ { body = 1 }
	    !body { k = tolower($0); sub(/:.*/, "", k)
		if (k in want) { print >"/dev/stderr"; next } }
	    { print }' "$T/full" >"$T/got" 2>"$T/added"
}
# check_date_msgid DESC: $T/added holds one well-formed Date: and one
# Message-ID:
check_date_msgid() {
	if [ "$(grep -ciE '^date: ' "$T/added")" -eq 1 ] &&
	    grep -qE '^[Dd][Aa][Tt][Ee]: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' "$T/added" &&
	    [ "$(grep -ciE '^message-id: ' "$T/added")" -eq 1 ] &&
	    grep -qiE '^message-id: <[^<>@ ]+@[^<>@ ]+>$' "$T/added"; then
		ok "$1"
	else
		fail "$1" "want one Date: and one Message-ID: added, got:" \
		    "$(cat "$T/added")"
	fi
}

config_postfix "$T/rc" smtps "queue_dir $T/queue"
printf 'To: rcpt@example.test\r\nSubject: order #1234 confirmed\r\nFrom: Shop <web@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello,\n\nyour order is confirmed.\n.\nprice: 12 €\n\r\n' >"$T/msg"
to_lf "$T/msg" >"$T/want"
cat >"$T/sendmail" <<W
#!/bin/sh
XDG_STATE_HOME=$T/state exec "$POSTIE" -C "$T/rc" "\$@"
W
chmod +x "$T/sendmail"

sh -c "$T/sendmail -t -i" <"$T/msg" >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_rc "sh -c 'sendmail -t -i': exit 0" 0
check_eq "nothing on stderr" "" "$err"
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "To: went to RCPT TO" "rcpt@example.test" \
	    "$(header "$f" X-Original-To)"
	check_eq "envelope sender: the account's from" "<sender@example.test>" \
	    "$(header "$f" Return-Path)"
	split_added "$f" Date Message-ID
	check_date_msgid "Date: and Message-ID: added"
	check_file_eq "the message byte for byte (line ends aside)" \
	    "$T/want" "$T/got"
else
	fail "To: went to RCPT TO" "$(cat "$T/pf_wait")"
	fail "envelope sender: the account's from"
	fail "Date: and Message-ID: added"
	fail "the message byte for byte (line ends aside)"
fi

# mail($to, $subject, $body, $headers, "-fbounce@example.test")
pf_clear_mail "$PF_DIR"
sh -c "$T/sendmail -t -i -fbounce@example.test" <"$T/msg" >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_rc "-t -i -fADDR: exit 0" 0
if delivered 1; then
	check_eq "-fADDR: the envelope sender" "<bounce@example.test>" \
	    "$(header "$(cat "$T/delivered")" Return-Path)"
else
	fail "-fADDR: the envelope sender" "$(cat "$T/pf_wait")"
fi

# the bytes on the wire: CRLF and nothing else
fake_start serve || exit 1
config_fake "$T/rc.fake" "$FAKE_PORT" starttls "queue_dir $T/queue.fake"
sed -i "s|-C \"$T/rc\"|-C \"$T/rc.fake\"|" "$T/sendmail"
sh -c "$T/sendmail -t -i" <"$T/msg" >"$T/stdout" 2>"$T/stderr"
rc=$?
fake_wait
check_rc "fake server: exit 0" 0
if python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(b"\n" in d.replace(b"\r\n", b"") or b"\r" in d.replace(b"\r\n", b""))
' "$T/data"; then
	ok "on the wire every line ends in CRLF"
else
	fail "on the wire every line ends in CRLF" "$(od -c "$T/data" | head -n 20)"
fi
# only exit 0 is success for PHP: a refusal is not 0
sed -i "s|-C \"$T/rc.fake\"|-C \"$T/rc\"|" "$T/sendmail"
printf 'To: reject@example.test\r\nSubject: x\r\n\r\nbody\n' >"$T/msg.rej"
sh -c "$T/sendmail -t -i" <"$T/msg.rej" >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
if [ "$rc" -ne 0 ]; then ok "refused: a non-zero exit ($rc)"; else
	fail "refused: a non-zero exit ($rc)" "$err"; fi
