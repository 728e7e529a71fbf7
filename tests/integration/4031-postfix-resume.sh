#!/bin/sh
# TLS session resumption against the real Postfix, over implicit TLS and
# STARTTLS: the first run does a full handshake, the second resumes the
# session, and so does the third (Postfix sends no new TLS 1.3 ticket on
# a resumed session: postie keeps the one it has); all messages arrive. Postfix's own log is the witness: a full
# handshake names the digest the server signed with ("server-digest"), a
# resumed one has no signature to log.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 16

# handshakes FROM N: the kinds ("full", "resumed") of the first N TLS
# connections Postfix logged from line FROM on, waiting 10 s at most
handshakes() {
	hs_i=0
	while [ "$(tail -n +"$1" "$PF_DIR/maillog" | grep -c 'TLS connection established')" -lt "$2" ] &&
	    [ $hs_i -lt 100 ]; do
		sleep 0.1
		hs_i=$((hs_i + 1))
	done
	tail -n +"$1" "$PF_DIR/maillog" | grep 'TLS connection established' |
	    head -n "$2" | awk '{ printf "%s%s", sep, /server-digest/ ? "full" : "resumed"; sep = " " }'
}

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: resume" "Message-ID: <4031@example.test>" "" "body" >"$T/msg"
for kind in smtps submission; do
	rm -rf "$T/tls"
	config_postfix "$T/rc" $kind
	log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
	check_rc "$kind: first run exit 0" 0
	check "$kind: a full handshake, the session stored" \
	    grep -q "postie: TLS session stored" "$T/stderr"
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
	check_rc "$kind: second run exit 0" 0
	check "$kind: postie says it resumed" \
	    grep -q "postie: TLS session resumed" "$T/stderr"
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
	check_rc "$kind: third run exit 0" 0
	check "$kind: postie says it resumed again" \
	    grep -q "postie: TLS session resumed" "$T/stderr"
	check_eq "$kind: Postfix saw a full handshake, then resumed ones" \
	    "full resumed resumed" "$(handshakes "$log_start" 3)"
	delivered 3
	check_eq "$kind: all three messages arrive" 3 "$(wc -l <"$T/delivered")"
	pf_clear_mail "$PF_DIR"
done
