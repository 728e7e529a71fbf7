#!/bin/sh
# PHP's mail(): popen("sendmail -t -i [additional_params]") through sh -c,
# with headers ending in CRLF and the body in LF as the script wrote it,
# and a CRLF after the body. Everything must leave as CRLF (the test
# Postfix refuses a bare LF), the body byte for byte. mail()'s fifth
# argument "-fADDR" is appended to the command. 7022 runs real PHP.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 11

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
