#!/bin/sh
# tls_certcheck off against the test Postfix, whose certificate the
# account does not trust (tls_trust_file system): refused with exit 78
# and the tls_fingerprint line of Postfix's certificate as certtool
# computes it, on its implicit-TLS and STARTTLS ports; Postfix saw no AUTH
# and no MAIL. With that line instead of the key the message is delivered.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 14

fp=$(certtool --fingerprint --hash sha256 --infile "$TEST_CA/server.pem" |
    tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <4016@example.test>" \
    "Subject: pinned" "" "body" >"$T/msg"
log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
for kind in smtps submission; do
	config_postfix "$T/rc" $kind "tls_trust_file system" "tls_certcheck off"
	n=$(grep -nxF 'tls_certcheck off' "$T/rc" | cut -d: -f1)
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	check_rc "$kind: exit 78" 78
	check_eq "$kind: the error line with Postfix's fingerprint" \
	    "postie: $T/rc:$n: tls_certcheck off is refused; to trust this server's certificate, use instead: tls_fingerprint $fp" \
	    "$(tail -n 1 "$T/stderr")"
	check "$kind: a warning says it was read unverified" \
	    grep -q '^postie: warning: localhost:[0-9]*: the fingerprint below was read over a connection nothing verified' "$T/stderr"
	check_eq "$kind: nothing queued" 0 "$(queue_count "$T/queue")"
done

pf_sessions_since "$log_start" 2
check_eq "Postfix logged both sessions" 2 "$(grep -c 'disconnect from' "$T/maillog")"
check "Postfix saw neither AUTH nor MAIL" pf_no_auth_no_mail
check "the STARTTLS session ended with QUIT" \
    grep -Eq 'disconnect from .* starttls=1 quit=1' "$T/maillog"

# The printed line instead of the key: delivered, authenticated.
line=$(tail -n 1 "$T/stderr" | sed 's/.*use instead: //')
config_postfix "$T/rc" submission "tls_trust_file system" "$line"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "with the printed line: exit 0" 0
check_eq "with the printed line: nothing on stderr" "" "$err"
to_lf "$T/msg" >"$T/want"
check_delivered "with the printed line: delivered byte for byte" "$T/want"
