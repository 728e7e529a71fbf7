#!/bin/sh
# The syslog key, and its default: each delivery attempt is one line to
# syslog, the same line as the logfile's (without the date), with the
# facility the account names (on: LOG_MAIL) and the priority of the
# outcome; root's default is on (cron's mail leaves a trace), another
# user's is off; sendmail's -L names the ident. A hostile server's reply
# (a refusal or a 250) reaches the log escaped; the password never does.
#
# postie runs in a mount namespace whose /dev holds a datagram socket
# "log" (tests/lib/devlog.py records what arrives), so syslog(3) talks to
# the test, not to the machine's logger.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
command -v unshare >/dev/null && unshare -m true 2>/dev/null ||
    skip_all "no mount namespace (unshare -m needs root and CAP_SYS_ADMIN)"
plan 28

devlog_start

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: logged" "" "body" >"$T/msg"

# Root, no syslog key: on, LOG_MAIL (16) + LOG_INFO (6) = <22>.
config_postfix "$T/rc" smtps "logfile $T/deliveries.log"
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "root, no syslog key: delivered, exit 0" 0
new_lines "$n"
check_eq "one datagram" 1 "$(wc -l <"$T/new" | tr -d ' ')"
check "LOG_MAIL, LOG_INFO, ident postie with its pid" \
    grep -q '^<22>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* postie\[[0-9]*\]: ' "$T/new"
check "the fields: account, host, TLS version, sender, recipients, size, id, outcome, the server's reply" \
    grep -q "\]: account=default host=localhost port=$PF_SMTPS_PORT tls=on tlsversion=TLS1\.[23] user=$PF_USER from=sender@example.test recipients=rcpt@example.test mailsize=[0-9]* id=[0-9a-f]* result=delivered reply=250\\\\s2\\.0\\.0\\\\sOk:\\\\s.*queued\\\\sas\\\\s[0-9A-F]*$" "$T/new"
check_eq "the logfile has the same line after its date" \
    "$(sed 's/^[^ ]* //' "$T/deliveries.log")" "$(sed 's/^[^]]*\]: //' "$T/new")"
check "no password in the datagram" sh -c "! grep -qF '$PF_PASSWORD' '$T/new'"
if delivered 1; then ok "the message arrived"; else fail "the message arrived" "$(cat "$T/pf_wait")"; fi
pf_clear_mail "$PF_DIR"

# syslog LOG_LOCAL3 and -L: facility 19 * 8 + LOG_INFO = <158>, ident cronjob.
config_postfix "$T/rc" submission "syslog LOG_LOCAL3"
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc" -L cronjob rcpt@example.test <"$T/msg"
check_rc "syslog LOG_LOCAL3, -L cronjob: exit 0" 0
new_lines "$n"
check "LOG_LOCAL3 and the ident -L named" \
    grep -q "^<158>.* cronjob\[[0-9]*\]: account=default host=localhost port=$PF_SUBMISSION_PORT tls=on tlsversion=TLS1\.[23] .*result=delivered" "$T/new"

# -L with a tag that is not a simple word: ignored, the ident stays postie.
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc" -L 'cron: job' rcpt@example.test <"$T/msg"
new_lines "$n"
check "-L with a space: ident postie" grep -q "^<158>.* postie\[[0-9]*\]: account=default" "$T/new"

# syslog off: nothing, even for root.
config_postfix "$T/rc" smtps "syslog off"
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "syslog off: exit 0" 0
sleep 0.5
check_eq "syslog off: no datagram" "$n" "$(lines_now)"
pf_settle 10 >/dev/null 2>&1
pf_clear_mail "$PF_DIR"

# A server that is down: deferred, LOG_WARNING: 16 + 4 = <20>.
port=$(pf_free_ports 1)
config_fake "$T/rc2" "$port" implicit
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc2" rcpt@example.test <"$T/msg"
check_rc "server down: queued, exit 0" 0
new_lines "$n"
check "deferred: LOG_WARNING, the reason" grep -q \
    "^<20>.* postie\[[0-9]*\]: account=default host=localhost port=$port tls=on user=alice .*result=deferred error=default:\\\\slocalhost:$port:\\\\scannot\\\\sconnect" "$T/new"

# A hostile reply to the message: ESC, BEL and a CR in it reach the log
# escaped; failed is LOG_ERR: 16 + 3 = <19>.
fake_start - --implicit-tls <<'SCRIPT'
reply . 554 5.7.1 no\x1b[2J\x07 way\rresult=delivered
serve
SCRIPT
config_fake "$T/rc3" "$FAKE_PORT" implicit "queue off"
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc3" rcpt@example.test <"$T/msg"
fake_wait
check_rc "hostile 554: exit 69" 69
new_lines "$n"
check_eq "hostile 554: one datagram" 1 "$(wc -l <"$T/new" | tr -d ' ')"
check "hostile 554: LOG_ERR, failed" grep -q "^<19>.* postie\[[0-9]*\]: .* result=failed error=" "$T/new"
check "hostile 554: no raw control character reached syslog" \
    sh -c "! grep -q '\\\\x[01][0-9a-f]' '$T/new'"
check "hostile 554: ESC, BEL and CR escaped (^[, \\a, \\r)" \
    grep -qF '554\s5.7.1\sno^[[2J\a\sway\rresult=delivered' "$T/new"
check "hostile 554: no second result= word in the line" \
    sh -c "[ \$(grep -o ' result=' '$T/new' | wc -l) -eq 1 ]"
check "hostile 554: no password" sh -c "! grep -q wonderland-secret '$T/new'"

# A hostile 250 to the message: delivered, LOG_INFO, and the reply=
# field escaped as the error was.
fake_start - --implicit-tls <<'SCRIPT'
reply . 250 2.0.0 ok\x1b[1m queued\rid=forged
serve
SCRIPT
config_fake "$T/rc3" "$FAKE_PORT" implicit "queue off"
n=$(lines_now)
ns_run -- "$POSTIE" -C "$T/rc3" rcpt@example.test <"$T/msg"
fake_wait
check_rc "hostile 250: exit 0" 0
new_lines "$n"
check "hostile 250: LOG_INFO, delivered, the reply escaped" sh -c \
    "grep -q '^<22>' '$T/new' && grep -qF 'result=delivered reply=250\\s2.0.0\\sok^[[1m\\squeued\\rid=forged' '$T/new'"
check "hostile 250: no raw control character, no forged ' id=' word" sh -c \
    "! grep -q '\\\\x[01][0-9a-f]' '$T/new' && [ \$(grep -o ' id=' '$T/new' | wc -l) -eq 0 ]"

# Another user (nobody), no syslog key: off, as msmtp's default. The
# user's own file, queue and CA copy, in a directory of its own ($T is
# root's 0700: nobody may pass through, not list).
chmod 711 "$T"
U=$T/user
mkdir -m 755 "$U"
cp "$TEST_CA/ca.pem" "$U/ca.pem"
fake_start serve --implicit-tls
config_fake "$U/rc" "$FAKE_PORT" implicit "queue off" "tls_session_cache off"
sed -i "s|$TEST_CA/ca.pem|$U/ca.pem|; s|$T/queue|$U/queue|" "$U/rc"
chown -R 65534:65534 "$U"
n=$(lines_now)
ns_run --reuid=65534 --regid=65534 --clear-groups -- "$POSTIE" -C "$U/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "nobody, no syslog key: delivered, exit 0" 0
sleep 0.5
check_eq "nobody, no syslog key: no datagram" "$n" "$(lines_now)"

# The same user with syslog on: LOG_MAIL.
fake_start serve --implicit-tls
config_fake "$U/rc" "$FAKE_PORT" implicit "queue off" "tls_session_cache off" "syslog on"
sed -i "s|$TEST_CA/ca.pem|$U/ca.pem|; s|$T/queue|$U/queue|" "$U/rc"
chown 65534:65534 "$U/rc"
n=$(lines_now)
ns_run --reuid=65534 --regid=65534 --clear-groups -- "$POSTIE" -C "$U/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "nobody, syslog on: exit 0" 0
new_lines "$n"
check "nobody, syslog on: one LOG_MAIL line" grep -q "^<22>.* postie\[[0-9]*\]: account=default .*result=delivered reply=250" "$T/new"
