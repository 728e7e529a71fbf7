#!/bin/sh
# With "queue off", so the exit status shows: a 4xx or 5xx at every stage
# of a submission. A 4xx exits 75, a 5xx 69 (67 when every recipient is
# refused); the one error line quotes the reply; postie sends nothing
# after the refused step but QUIT, and never sends the message.
# A 5xx to EHLO is final when the account needs STARTTLS or AUTH (HELO
# has neither; doc/deviations.md); without them postie falls back to HELO
# (RFC 5321 3.2).
. "$(dirname "$0")/../lib/lib.sh"
plan 72

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# stage MODE VERB REPLY RC COMMANDS: the fake server answers VERB with
# REPLY; postie exits RC, quotes the reply's code, and sent exactly COMMANDS
stage() {
	mode=$1 verb=$2 reply=$3 want=$4 cmds=$5
	if [ "$mode" = implicit ]; then opt=--implicit-tls; else opt=; fi
	printf 'reply %s %s\nserve\n' "$verb" "$reply" >"$T/stage.script"
	fake_start "$T/stage.script" $opt
	config_fake "$T/rc" "$FAKE_PORT" "$mode" "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	code=$(printf '%s' "$reply" | cut -c1-3)
	check_rc "$verb $code: exit $want" "$want"
	check_err_at "$verb $code: one error line quoting the reply" "$FAKE_PORT" "$code"
	check_sent "$verb $code: the commands sent" "$cmds"
	check "$verb $code: no message data sent" sh -c "! grep -q '^D: ' '$T/transcript'"
}

stage implicit GREETING '421 4.3.2 fake.test service not available' 75 ""
stage implicit GREETING '554 5.3.2 fake.test no service for you' 69 "QUIT"
stage implicit EHLO '421 4.3.2 shutting down' 75 "EHLO"
stage implicit EHLO '550 5.7.1 go away' 69 "EHLO QUIT"
stage starttls STARTTLS '454 4.7.0 TLS not available now' 75 "EHLO STARTTLS QUIT"
stage starttls STARTTLS '554 5.7.0 no TLS for you' 69 "EHLO STARTTLS QUIT"
stage implicit AUTH '454 4.7.0 temporary authentication failure' 75 "EHLO AUTH QUIT"
stage implicit AUTH '535 5.7.8 authentication credentials invalid' 77 "EHLO AUTH QUIT"
stage implicit MAIL '451 4.3.0 try later' 75 "EHLO AUTH MAIL RCPT DATA QUIT"
stage implicit MAIL '553 5.7.1 sender not allowed' 69 "EHLO AUTH MAIL RCPT DATA QUIT"
stage implicit RCPT '450 4.2.0 mailbox busy' 75 "EHLO AUTH MAIL RCPT DATA QUIT"
stage implicit RCPT '550 5.1.1 no such user' 67 "EHLO AUTH MAIL RCPT DATA QUIT"
stage implicit DATA '451 4.3.0 not now' 75 "EHLO AUTH MAIL RCPT DATA QUIT"
stage implicit DATA '554 5.5.1 no valid recipients' 69 "EHLO AUTH MAIL RCPT DATA QUIT"
# after the final dot the message was sent; the reply decides
for r in '451 4.3.0 try again later:75' '554 5.6.0 message refused:69'; do
	fake_start - --implicit-tls <<S
reply . ${r%:*}
serve
S
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "after the dot ${r%% *}: exit ${r#*:}" "${r#*:}"
	check_err_at "after the dot ${r%% *}: one error line quoting the reply" "$FAKE_PORT" "${r%% *}"
done

# with the default queue, a 4xx after the dot queues the message: exit 0,
# the message kept for the next run
fake_start - --implicit-tls <<'S'
reply . 451 4.3.0 try again later
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "queue on, after the dot 451: exit 0 (queued)" 0
check_queued "queue on: the queued line quotes the reply" 451
check_eq "queue on: one message in the queue" 1 "$(queue_count "$T/queue")"

# without PIPELINING each command waits for its reply: nothing after a
# refused MAIL but QUIT
fake_start - --implicit-tls <<'S'
reply EHLO 250-fake.test\n250-AUTH PLAIN LOGIN\n250 8BITMIME
reply MAIL 553 5.7.1 sender not allowed
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "no PIPELINING, MAIL 553: exit 69" 69
check_sent "no PIPELINING, MAIL 553: nothing after MAIL but QUIT" "EHLO AUTH MAIL QUIT"

# one recipient of two refused with queue off: the other gets the
# message, and since nothing is kept for the refused one, the exit is 67
# with one line naming it and its reply (msmtp's way)
fake_start - --implicit-tls <<'S'
reply-rcpt gone@example.test 550 5.1.1 <gone@example.test> no such user
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" gone@example.test rcpt@example.test <"$T/msg"
fake_wait
check_rc "one of two recipients refused, queue off: exit 67" 67
check_err "the error line names the refused recipient and its reply" \
    "1 of 2 recipients" "<gone@example.test>" "550 5.1.1"
check_sent "both RCPTs sent, the message sent once" "EHLO AUTH MAIL RCPT RCPT DATA QUIT"
check_transcript "the message was accepted" '^S: 250 2.0.0 queued'

# an account with neither STARTTLS nor AUTH: a 502 to EHLO, then HELO
fake_start - --implicit-tls <<'S'
reply EHLO 502 5.5.2 EHLO not recognised
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "auth off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "no AUTH needed, EHLO 502: exit 0" 0
check_sent "no AUTH needed, EHLO 502: HELO, then the message" \
    "EHLO HELO MAIL RCPT DATA QUIT"
check "no AUTH needed, EHLO 502: the message arrived" test -s "$T/data"
