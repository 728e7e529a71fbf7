#!/bin/sh
# msmtp's logfile key: one line per delivery attempt, appended, saying
# where it went, over which TLS version, how it ended and what the server
# answered (Postfix's queue id); the password never appears in it.
# sendmail's -X FILE is ignored (6011 has why): the line still goes to
# the account's logfile and no -X file is made.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: logged" "" "body" >"$T/msg"
config_postfix "$T/rc" smtps "logfile $T/deliveries.log"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "delivered: exit 0" 0
check_eq "one line in the log" 1 "$(wc -l <"$T/deliveries.log" | tr -d ' ')"
check "the line says where, from whom, to whom and how it ended" grep -q \
    "^20[0-9-]*T[0-9:]*[-+][0-9]* account=default host=localhost port=$PF_SMTPS_PORT tls=on tlsversion=TLS1\.[23] user=$PF_USER from=sender@example.test recipients=rcpt@example.test mailsize=[0-9]* id=[0-9a-f]* result=delivered reply=250\\\\s2\.0\.0\\\\sOk:\\\\s.*queued\\\\sas\\\\s[0-9A-F]*$" \
    "$T/deliveries.log"
check "the password is not in the log" sh -c "! grep -qF '$PF_PASSWORD' '$T/deliveries.log'"

# A server that is down: the attempt is logged as deferred, with why.
port=$(pf_free_ports 1)
config_fake "$T/rc2" "$port" implicit "logfile $T/deliveries.log"
postie_run -C "$T/rc2" rcpt@example.test <"$T/msg"
check_rc "server down: queued, exit 0" 0
check "a second line: deferred, with the reason" grep -q \
    "result=deferred error=default:\\\\slocalhost:$port:\\\\scannot\\\\sconnect" "$T/deliveries.log"
check_eq "two lines now" 2 "$(wc -l <"$T/deliveries.log" | tr -d ' ')"

# -X FILE is ignored: the account's logfile gets the line.
postie_run -C "$T/rc" -X "$T/x.log" rcpt@example.test <"$T/msg"
check_rc "-X: delivered, exit 0" 0
check "-X: no -X file was made" test ! -e "$T/x.log"
check_eq "-X: the account's log got the line" 3 \
    "$(wc -l <"$T/deliveries.log" | tr -d ' ')"
