#!/bin/sh
# The listing (postie -bp, mailq, -a) with its fields: size, attempts,
# next attempt, recipients, the last error, failed messages and the
# counts; --queue-retry and --queue-remove (exit 64 for an unknown ID);
# -q sends what is due and only that.
. "$(dirname "$0")/../lib/lib.sh"
plan 39

QD=$T/queue
# msg ID RCPT: a message with Message-ID <ID@example.test>
msg() {
	printf '%s\n' "From: sender@example.test" "To: $2" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <$1@example.test>" \
	    "Subject: queue admin $1" "" "body of $1" >"$T/msg"
}
# listing ARG...: postie -bp ARG..., the listing with ages and times
# masked in $T/listing
listing() {
	postie_run -bp "$@"
	sed 's/age [^ ]*/age X/; s/next in [^ ]*/next in X/' "$T/stdout" >"$T/listing"
}
in_dir() { [ -f "$QD/$1/$2.msg" ] && [ -f "$QD/$1/$2.env" ]; }
gone() { ! ls "$QD/queue/$1".* "$QD/failed/$1".* >/dev/null 2>&1; }

port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" implicit "queue_dir $QD"
config_fake "$T/rc-always" "$port" implicit "queue always" "queue_dir $QD"

# A: tried once, refused, waiting
msg 6005-a rcpt@example.test
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "A, server down: exit 0" 0
check_queued "A: queued" "localhost:$port"
A=$qid

# C: refused for good, in failed/
fake_start - --implicit-tls <<'S'
reply MAIL 550 5.7.1 not from you
serve
S
config_fake "$T/rc-fake" "$FAKE_PORT" implicit "queue_dir $QD"
msg 6005-c failed@example.test
postie_run -C "$T/rc-fake" failed@example.test <"$T/msg"
fake_finish
check_rc "C, 550 at MAIL: exit 69" 69
C=$(queue_ids "$QD" failed)
check "C: in failed/" test -n "$C"

# B: queued, never tried
msg 6005-b other@example.test
postie_run -C "$T/rc-always" other@example.test <"$T/msg"
check_rc "B, queue always: exit 0" 0
B=$(queue_ids "$QD" | grep -vxF "$A")
check "B: a second ID in the queue" test -n "$B" -a "$(queue_count "$QD")" -eq 2

listing -C "$T/rc"
check_rc "postie -bp: exit 0" 0
check_listed "A: recipient, one attempt, next in a while, its error" "$A" \
    "to rcpt@example.test" "attempts 1" "next in" "error" "from sender@example.test"
size=$(wc -c <"$QD/queue/$A.msg" 2>/dev/null | tr -d ' ')
lsize=$(queue_block "$A" | awk 'NR == 1 { sub(/B$/, "", $2); print $2 }')
check_eq "A: the size is the message file's" "${size:-no file}" "$lsize"
check_listed "B: recipient, no attempt, due now" "$B" \
    "to other@example.test" "attempts 0" "next now"
check_eq "B: no error line" 0 "$(queue_block "$B" | grep -ci '^ *error')"
check_listed "C: shown as failed, with the 550" "$C" \
    "to failed@example.test" "next failed" "error" 550 "not from you"
check_counts "2 queued, 1 failed" 2 1

cp "$T/listing" "$T/listing.bp"
mailq_run -C "$T/rc"
sed 's/age [^ ]*/age X/; s/next in [^ ]*/next in X/' "$T/stdout" >"$T/listing"
check_file_eq "mailq lists the same as -bp" "$T/listing.bp" "$T/listing"
listing -C "$T/rc" -a test
check_file_eq "-bp -a test lists the same" "$T/listing.bp" "$T/listing"

# -q: only B is due
postie_run -q -C "$T/rc"
check_rc "postie -q, server still down: exit 0" 0
listing -C "$T/rc"
check_listed "-q left A alone (not due)" "$A" "attempts 1"
check_listed "-q tried B (due): one attempt, its error" "$B" "attempts 1" "error" "next in"
check_listed "-q left C alone (failed)" "$C" "next failed"

postie_run -C "$T/rc" --queue-retry "$A"
check_rc "--queue-retry A: exit 0" 0
listing -C "$T/rc"
check_listed "A is due now" "$A" "next now"

postie_run -C "$T/rc" --queue-remove "$B"
check_rc "--queue-remove B: exit 0" 0
check "B's files are gone" gone "$B"
listing -C "$T/rc"
check_eq "B is not listed" "" "$(queue_block "$B")"
check_counts "1 queued, 1 failed" 1 1

postie_run -C "$T/rc" --queue-remove 6005nosuchid
check_rc "--queue-remove of an unknown ID: exit 64" 64
check_err "one error line naming the ID" 6005nosuchid
postie_run -C "$T/rc" --queue-retry 6005nosuchid
check_rc "--queue-retry of an unknown ID: exit 64" 64

postie_run -C "$T/rc" --queue-retry "$C"
check_rc "--queue-retry C (failed): exit 0" 0
check "C is back in the queue, not in failed/" \
    sh -c '[ -f "$1/queue/$2.env" ] && ! [ -e "$1/failed/$2.env" ]' - "$QD" "$C"
listing -C "$T/rc"
check_listed "C is due now" "$C" "next now"
check_counts "2 queued, 0 failed" 2 0

postie_run -C "$T/rc" --queue-remove "$C"
check_rc "--queue-remove C: exit 0" 0
check "C's files are gone" gone "$C"

# the server is back: -q sends A (due since --queue-retry)
fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $QD"
postie_run -q -C "$T/rc"
fake_finish
check_rc "postie -q, server back: exit 0" 0
check_transcript "A went to its recipient" '^C: RCPT TO:<rcpt@example.test>'
check "the server got A" grep -qs '^Message-ID: <6005-a@example.test>' "$T/data"
mailq_run -C "$T/rc"
check_counts "mailq: Mail queue is empty" 0 0
check "A's files are gone" gone "$A"
