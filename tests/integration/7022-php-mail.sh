#!/bin/sh
# The real PHP mail(), with sendmail_path = "postie -t -i": mail() returns
# true and the message arrives (CRLF headers, LF body, the extra headers,
# the fifth argument's -f); when postie fails, mail() returns false
# (PHP counts only exit 0 as success).
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
PHP=$(command -v php) || skip_all "php is not installed (contrib/install-deps: php-cli)"
plan 10

config_postfix "$T/rc" smtps "queue_dir $T/queue"
cat >"$T/sendmail" <<W
#!/bin/sh
echo "\$*" >>"$T/calls"
XDG_STATE_HOME=$T/state exec "$POSTIE" -C "$T/rc" "\$@"
W
chmod +x "$T/sendmail"

# php_mail TO SUBJECT [FIFTH]: mail() with a fixed body and headers;
# prints true or false
php_mail() {
	"$PHP" -n -d sendmail_path="$T/sendmail -t -i" -r '
	    $body = "Hello,\n\nyour order #1234 is confirmed.\n.\nprice: 12 €\n";
	    $headers = ["From" => "Shop <web@example.test>",
		"Reply-To" => "help@example.test", "X-Mailer" => "PHP"];
	    $r = $argc > 3 ? mail($argv[1], $argv[2], $body, $headers, $argv[3])
		: mail($argv[1], $argv[2], $body, $headers);
	    echo $r ? "true" : "false";' -- "$@" 2>"$T/php.err"
}

out=$(php_mail rcpt@example.test "order confirmed")
check_eq "mail() returns true" true "$out"
check_eq "called as: sendmail -t -i" "-t -i" "$(cat "$T/calls" 2>/dev/null)"
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "To: went to RCPT TO" rcpt@example.test "$(header "$f" X-Original-To)"
	split_added "$f" Date Message-ID
	check_date_msgid "Date: and Message-ID: added"
	# what PHP wrote, line ends aside: To, Subject, the extra headers,
	# the body and a final CRLF
	printf 'To: rcpt@example.test\nSubject: order confirmed\nFrom: Shop <web@example.test>\nReply-To: help@example.test\nX-Mailer: PHP\n\nHello,\n\nyour order #1234 is confirmed.\n.\nprice: 12 €\n\n' >"$T/want"
	check_file_eq "the message byte for byte (line ends aside)" \
	    "$T/want" "$T/got"
else
	fail "To: went to RCPT TO" "$(cat "$T/pf_wait")" "$(cat "$T/php.err")"
	fail "Date: and Message-ID: added"
	fail "the message byte for byte (line ends aside)"
fi

# the fifth argument: "-fADDR" goes after sendmail_path
pf_clear_mail "$PF_DIR"
rm -f "$T/calls"
out=$(php_mail rcpt@example.test "with -f" -fbounce@example.test)
check_eq "-fADDR: mail() returns true" true "$out"
if delivered 1; then
	check_eq "-fADDR: the envelope sender" "<bounce@example.test>" \
	    "$(header "$(cat "$T/delivered")" Return-Path)"
else
	fail "-fADDR: the envelope sender" "$(cat "$T/pf_wait")"
fi

# postie fails: refused recipient, then a configuration error
pf_clear_mail "$PF_DIR"
out=$(php_mail reject@example.test "refused")
check_eq "recipient refused: mail() returns false" false "$out"
echo "no such key" >>"$T/rc"
out=$(php_mail rcpt@example.test "bad config")
check_eq "configuration error: mail() returns false" false "$out"
rc=1
if delivered 1 2>/dev/null; then
	fail "nothing delivered when mail() said false" "$(cat "$T/delivered")"
else
	ok "nothing delivered when mail() said false"
fi
