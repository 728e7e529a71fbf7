#!/bin/sh
# OAuth 2.0 with the access token from passwordeval (its trailing newline
# removed): AUTH OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's, Microsoft's)
# send exactly the initial response the formats define, in one line; a
# refused token gets the server's JSON error as a 334 challenge, which is
# answered as each format wants (%x01, an empty line), then exit 77 with
# the 535 and the JSON status on stderr, and never the token.
. "$(dirname "$0")/../lib/lib.sh"
plan 20

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
tok=ya29.a0-TOKEN-5005_xyz

# config_oauth FILE PORT MECH TOKEN: the fake account, passwordeval for the token
config_oauth() {
	config_fake "$1.tmp" "$2" implicit "auth $3"
	grep -v '^password ' "$1.tmp" >"$1"
	printf 'passwordeval "echo %s"\n' "$4" >>"$1"
	sed -i '/^account default/d' "$1"
	echo "account default : test" >>"$1"
	chmod 600 "$1"
}

for mech in oauthbearer xoauth2; do
	M=$(echo $mech | tr a-z A-Z)
	if [ $mech = oauthbearer ]; then
		want=$(printf 'n,a=alice,\001host=localhost\001auth=Bearer %s\001\001' "$tok" | base64 -w0)
		answer=AQ==
	else
		want=$(printf 'user=alice\001auth=Bearer %s\001\001' "$tok" | base64 -w0)
		answer=
	fi
	fake_start serve --implicit-tls --auth-mechs "PLAIN OAUTHBEARER XOAUTH2" --user alice --password "$tok"
	config_oauth "$T/rc" "$FAKE_PORT" $mech "$tok"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mech: exit 0" 0
	check "$mech: the AUTH line is exactly the initial response" \
	    grep -qxF "C: AUTH $M $want" "$T/transcript"
	check_transcript "$mech: accepted" '^S: 235 '
	check "$mech: the message arrived" test -s "$T/data"

	# A token the server refuses.
	fake_start serve --implicit-tls --auth-mechs "PLAIN OAUTHBEARER XOAUTH2" --user alice --password "$tok"
	config_oauth "$T/rc" "$FAKE_PORT" $mech "$tok-expired"
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mech, refused token: exit 77" 77
	check "$mech, refused token: the error challenge answered with '$answer'" \
	    sh -c "grep -A1 '^S: 334 ' '$T/transcript' | tail -n 1 | grep -qxF 'C: $answer'"
	tail -n 1 "$T/stderr" >"$T/last"
	check "$mech, refused token: the last line has the 535 and the JSON status" sh -c \
	    "grep -q '^postie: [^:]*: localhost:$FAKE_PORT: AUTH $M: 535 5.7.8 invalid token (the server said: .*invalid_token' '$T/last'"
	check "$mech, refused token: the token is nowhere on stderr (-v included)" sh -c \
	    "! grep -q -e 'TOKEN-5005' -e '$(printf %s "$tok" | base64 -w0 | cut -c1-12)' '$T/stderr'"
	check "$mech, refused token: no MAIL" sh -c "! grep -q '^C: MAIL' '$T/transcript'"
	check "$mech, refused token: -v masks the AUTH line" grep -q "AUTH $M \*\*\*\*" "$T/stderr"
done
