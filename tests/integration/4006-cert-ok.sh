#!/bin/sh
# The control for 4003-4005: the right certificate from the trusted CA is
# accepted over implicit TLS and STARTTLS, credentials go only inside TLS,
# and the message leaves as CRLF lines, dot-stuffed. tls_host_override
# makes a certificate for another name acceptable.
. "$(dirname "$0")/../lib/lib.sh"
plan 12

hdrs='From: sender@example.test
To: rcpt@example.test
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <4006@example.test>
Subject: x'
printf '%s\n' "$hdrs" "" "body" ".dot" "last" >"$T/msg"
printf '%s\n' "$hdrs" "" "body" "..dot" "last" | sed 's/$/\r/' >"$T/wire"

for mode in implicit starttls; do
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls --user alice --password wonderland-secret
	else
		fake_start serve --user alice --password wonderland-secret
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode
	postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode: exit 0" 0
	check_eq "$mode: nothing on stderr" "" "$err"
	check_file_eq "$mode: the message on the wire" "$T/wire" "$T/data"
	# AUTH comes after the handshake in the transcript
	check "$mode: AUTH only after TLS is up" awk '
	    /^# tls established/ { tls = 1 }
	    /^C: AUTH/ { auth = 1; if (!tls) exit 1 }
	    END { exit !auth }' "$T/transcript"
done

fake_start serve --implicit-tls --cert "$TEST_CA/wrongname.pem" --key "$TEST_CA/wrongname.key"
config_fake "$T/rc" "$FAKE_PORT" implicit "tls_host_override wrong.example"
postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg"
fake_wait
check_rc "tls_host_override wrong.example accepts its certificate" 0
check_file_eq "and the message arrives" "$T/wire" "$T/data"

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "tls_host_override wrong.example"
postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg"
fake_wait
check_rc "tls_host_override wrong.example refuses localhost's certificate" 69
check_no_auth_no_mail "and sends no AUTH, no MAIL"
