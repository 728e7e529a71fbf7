#!/bin/sh
# The envelope: recipients from the arguments (after --), the sender from
# -f or -r, else the account's `from`, else USER@domain with USER from the
# password database (as %U), not from an inherited $USER. Postfix records the envelope sender
# in Return-Path: and each recipient in X-Original-To:.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

config_postfix "$T/rc" smtps
printf '%s\n' "From: sender@example.test" "To: undisclosed-recipients:;" \
    "Subject: envelope" "Date: Sat, 28 Nov 2026 12:00:00 +0000" \
    "Message-ID: <1004@example.test>" "" "body" >"$T/msg"

# header_of FILE NAME: the value of the first NAME: header in FILE
header_of() { sed -n "s/^$2: //p" "$1" | head -n 1; }

postie_run -C "$T/rc" -- one@example.test two@example.test <"$T/msg"
check_rc "two recipients after --: exit 0" 0
if delivered 2; then
	ok "two copies delivered"
	got=$(for f in $(cat "$T/delivered"); do header_of "$f" X-Original-To; done | sort | tr '\n' ' ')
	check_eq "one to each recipient" "one@example.test two@example.test " "$got"
	check_eq "sender from the account's from" "<sender@example.test>" \
	    "$(header_of "$(head -n 1 "$T/delivered")" Return-Path)"
else
	fail "two copies delivered" "$(cat "$T/pf_wait")"
	fail "one to each recipient"
	fail "sender from the account's from"
fi

for flag in -f -r; do
	pf_clear_mail "$PF_DIR"
	postie_run -C "$T/rc" $flag bounces$flag@example.test three@example.test <"$T/msg"
	check_rc "$flag ADDR: exit 0" 0
	if delivered 1; then
		check_eq "$flag sets the envelope sender" "<bounces$flag@example.test>" \
		    "$(header_of "$(cat "$T/delivered")" Return-Path)"
	else
		fail "$flag sets the envelope sender" "$(cat "$T/pf_wait")"
	fi
done


# No from: the running user, by the password database. A daemon started
# by one user and running as another keeps the first one's $USER.
{
	printf '%s\n' "account test" "host localhost" "port $PF_SMTPS_PORT" \
	    "tls_starttls off" "tls_trust_file $TEST_CA/ca.pem" "user $PF_USER" \
	    "password $PF_PASSWORD" "domain example.test" "queue_dir $T/queue" \
	    "tls_session_cache $T/tls" \
	    "account default : test"
} | write_config "$T/rc-nofrom"
pf_clear_mail "$PF_DIR"
saved_user=${USER-}
export USER=mallory
postie_run -C "$T/rc-nofrom" four@example.test <"$T/msg"
USER=$saved_user
check_rc "no from, USER=mallory: exit 0" 0
if delivered 1; then
	check_eq "sender is the real user at the domain" "<$(id -un)@example.test>" \
	    "$(header_of "$(cat "$T/delivered")" Return-Path)"
else
	fail "sender is the real user at the domain" "$(cat "$T/pf_wait")"
fi
