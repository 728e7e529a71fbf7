#!/bin/sh
# mailq for a user of the maildrop lists that user's own messages and
# nobody else's: waiting in the maildrop, then in the system queue with
# their attempts and last error; a delivered one is gone. Root (as
# postie) sees every message with the user who sent it. Running the
# system queue is not an ordinary user's to do.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 16

system_setup
system_user ptcarol
system_user ptmallory

printf 'Subject: one\n\nfirst\n' >"$T/m1"
printf 'Subject: two\n\nsecond\n' >"$T/m2"
printf 'Subject: three\n\nthird\n' >"$T/m3"
sys_run ptcarol -i ok@example.test <"$T/m1"
check_rc "carol drops a message: exit 0" 0
sys_run ptcarol -i tempfail@example.test <"$T/m2"

sys_run ptcarol -bp
check_rc "carol's mailq: exit 0" 0
check_eq "carol's mailq: her two messages, waiting in the maildrop" \
    "2 2 ok@example.test tempfail@example.test" \
    "$(printf '%s %s %s' "$(grep -c 'waiting in the maildrop' "$T/stdout")" \
    "$(grep -c '^[0-9a-f]\{32\}  ' "$T/stdout")" \
    "$(sed -n 's/^  to //p' "$T/stdout" | sort | tr '\n' ' ')" | sed 's/ $//')"
check_eq "carol's mailq: the summary line" "2 queued, 0 failed" \
    "$(tail -n 1 "$T/stdout")"
sys_run ptmallory -bp
check_eq "mallory's mailq: nothing of carol's" "Mail queue is empty" \
    "$(cat "$T/stdout")"

sys_run postie -q
check_rc "the queue run: exit 0" 0
check "the deliverable one arrives" delivered 1

sys_run ptcarol -bp
check_eq "carol's mailq after the run: the deferred one only, with its reply" \
    "tempfail@example.test (deferred: RCPT TO:<tempfail@example.test>: 450" \
    "$(sed -n 's/^  to \(.*: 450\).*/\1/p' "$T/stdout")"
check "it shows one attempt and the server's refusal" \
    sh -c "grep -q 'attempts 1' '$T/stdout' && grep -q '^  error .*450' '$T/stdout'"
check_eq "and the summary" "1 queued, 0 failed" "$(tail -n 1 "$T/stdout")"
check_eq "its sender is carol's %U address" "1" \
    "$(grep -c 'from ptcarol@example.test' "$T/stdout")"

sys_run ptmallory -i other@example.test <"$T/m3"
sys_run ptmallory -bp
check_eq "mallory's mailq: her own message only" "other@example.test" \
    "$(sed -n 's/^  to //p' "$T/stdout")"

(cd / && env -i PATH=/usr/bin:/bin HOME=/root "$SYS_BIN" -bp) >"$T/stdout" 2>"$T/stderr"
rc=$?
check_rc "root's mailq (as postie): exit 0" 0
check_eq "root sees every message, queued or in the maildrop, with its user" \
    "user ptcarol|user ptmallory" \
    "$(grep '^  user ' "$T/stdout" | sed 's/^  //' | sort | tr '\n' '|' | sed 's/|$//')"

sys_run ptcarol -q
check_rc "postie -q as carol: exit 77" 77
check_err "postie -q as carol: the one line says whose it is" \
    "run by root and the postie user"
