#!/bin/sh
# tls_certcheck off is refused when its account is used, and the refusal
# says what to write instead: postie connects as a submission would,
# reads the server's certificate without trusting it, sends no AUTH and
# no MAIL (inside TLS nothing but QUIT), leaves the message unread for the
# caller, and exits 78 with the line "FILE:LINE: tls_certcheck off is
# refused; to trust this server's certificate, use instead:
# tls_fingerprint FP", after warning that FP came over an unverified
# connection and giving the tls_pin alternative. Putting that line in
# place of the key delivers the message to the self-signed server. The
# same from defaults and for tls_nocertcheck; another account of the file
# is unaffected; a server that cannot be reached still gets the refusal,
# with the reason no fingerprint could be read; a queue run leaves the
# account's queued messages where they are.
. "$(dirname "$0")/../lib/lib.sh"
plan 46

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

self_signed self
fp=$(cert_sha256 "$T/self.pem")
pin=$(cert_spki_pin "$T/self.pem")
check "the expected fingerprint is SHA-256" \
    sh -c "printf '%s\n' '$fp' | grep -qxE '([0-9A-F]{2}:){31}[0-9A-F]{2}'"

# line_of KEY...: the number of the rc line that is exactly KEY...
line_of() { grep -nxF -- "$*" "$T/rc" | cut -d: -f1; }
# last_err: the last line of stderr (the error; warnings come before it)
last_err() { tail -n 1 "$T/stderr"; }

for mode in starttls implicit; do
	t="self-signed, $mode"
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls --cert "$T/self.pem" --key "$T/self.key"
	else
		fake_start serve --cert "$T/self.pem" --key "$T/self.key"
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode "tls_certcheck off"
	n=$(line_of tls_certcheck off)
	{ postie_run -C "$T/rc" rcpt@example.test; cat >"$T/rest"; } <"$T/msg"
	fake_wait
	check_rc "$t: exit 78" 78
	check_eq "$t: the error line names the key and the line to use" \
	    "postie: $T/rc:$n: tls_certcheck off is refused; to trust this server's certificate, use instead: tls_fingerprint $fp" \
	    "$(last_err)"
	check "$t: a warning says the fingerprint came unverified" \
	    grep -q '^postie: warning: localhost:[0-9]*: the fingerprint below was read over a connection nothing verified: .*compare' "$T/stderr"
	check "$t: the tls_pin alternative, exact" grep -qF \
	    "postie: warning: to pin the server's key instead (it stays valid when a renewal keeps the key): tls_pin $pin" "$T/stderr"
	check_eq "$t: three lines on stderr" 3 "$(wc -l <"$T/stderr" | tr -d ' ')"
	check_no_auth_no_mail "$t: no AUTH, no MAIL"
	check "$t: inside TLS nothing but QUIT" tls_only_quit
	check_file_eq "$t: the message was left unread for the caller" "$T/msg" "$T/rest"
	check_eq "$t: nothing queued" 0 "$(queue_count "$T/queue")"
	if [ $mode = starttls ]; then
		check_transcript "$t: QUIT was sent" '^C: QUIT$'
	fi

	# The printed line in place of the key: delivered.
	line=$(last_err | sed 's/.*use instead: //')
	fake_start serve --cert "$T/self.pem" --key "$T/self.key" \
	    $([ $mode = implicit ] && echo --implicit-tls)
	config_fake "$T/rc" "$FAKE_PORT" $mode "$line"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$t: with the printed line instead: delivered (exit 0)" 0
	check "$t: the body arrived" grep -q '^body' "$T/data"
done

# From defaults, as tls_nocertcheck: the line of defaults is named.
fake_start serve --cert "$T/self.pem" --key "$T/self.key"
config_fake "$T/rc" "$FAKE_PORT" starttls
sed -i '1a\
tls_nocertcheck' "$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "tls_nocertcheck in defaults: exit 78" 78
check_eq "tls_nocertcheck in defaults: that line is named" \
    "postie: $T/rc:2: tls_nocertcheck is refused; to trust this server's certificate, use instead: tls_fingerprint $fp" \
    "$(last_err)"
check_no_auth_no_mail "tls_nocertcheck in defaults: no AUTH, no MAIL"

# Another account with the key does not stop this one.
fake_start serve --cert "$T/self.pem" --key "$T/self.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_fingerprint $fp"
printf '%s\n' "account other" "host localhost" "port 1" "tls_certcheck off" >>"$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "an unused account with the key: delivered (exit 0)" 0
check_eq "an unused account with the key: nothing on stderr" "" "$err"

# A certificate the account already trusts: deleting the key is enough.
fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_certcheck off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "a trusted certificate: exit 78" 78
check "a trusted certificate: the warning says deleting the key is enough" \
    grep -q '^postie: warning: localhost:[0-9]*: its certificate verifies with this account.s settings: deleting the key named below is enough' "$T/stderr"
check_eq "a trusted certificate: the error line has its fingerprint" \
    "use instead: tls_fingerprint $(cert_sha256 "$TEST_CA/server.pem")" \
    "$(last_err | sed 's/.*\(use instead: \)/\1/')"
check_no_auth_no_mail "a trusted certificate: no AUTH, no MAIL"

# Nobody listening: still refused (78), saying why there is no line.
port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" starttls "tls_certcheck off"
n=$(line_of tls_certcheck off)
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "server unreachable: exit 78" 78
check_err "server unreachable: refused, and why no fingerprint" \
    "$T/rc:$n: tls_certcheck off is refused, and the server's certificate could not be read" \
    ": localhost:$port: " "connect"
check_eq "server unreachable: nothing queued" 0 "$(queue_count "$T/queue")"

# A message queued before the key was added stays queued; no connection.
config_fake "$T/rc" 1 starttls "queue always"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue always: queued (exit 0)" 0
fake_start serve --cert "$T/self.pem" --key "$T/self.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_certcheck off"
n=$(line_of tls_certcheck off)
postie_run -q -C "$T/rc"
fake_finish 1
check_rc "queue run: exit 0" 0
check "queue run: left in the queue, saying why" grep -q \
    "^postie: warning: [0-9A-Za-z]*: left in the queue: $T/rc:$n: tls_certcheck off is refused (postie -a [a-z]* --serverinfo prints the tls_fingerprint line" "$T/stderr"
check_eq "queue run: still queued" 1 "$(queue_count "$T/queue")"
check "queue run: no connection" test ! -s "$T/transcript"

# --serverinfo still probes such an account, and prints the lines to use.
fake_start serve --cert "$T/self.pem" --key "$T/self.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_certcheck off"
n=$(line_of tls_certcheck off)
postie_run --serverinfo -C "$T/rc"
fake_wait
check_rc "--serverinfo: exit 69 (the certificate does not verify)" 69
check "--serverinfo: the tls_fingerprint line" \
    grep -qxF "to pin this certificate: tls_fingerprint $fp" "$T/stdout"
check "--serverinfo: the tls_pin line" \
    grep -qxF "to pin its key (kept across renewals with the same key): tls_pin $pin" "$T/stdout"
check "--serverinfo: the note that the key is refused" grep -qxF \
    "note: $T/rc:$n: tls_certcheck off is refused: a submission with this account fails until one of these lines replaces it" "$T/stdout"
check_no_auth_no_mail "--serverinfo: no AUTH, no MAIL"
