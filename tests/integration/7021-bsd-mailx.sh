#!/bin/sh
# The real bsd-mailx: it runs "sendmail -i -t [-f FROM]" (the program set
# by "set sendmail=..." in ~/.mailrc) with To, Cc and Bcc in the header
# and no From, Date or Message-ID unless -r. Every address gets its copy,
# none shows Bcc; postie adds what is missing.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
MAILX=$(command -v bsd-mailx) ||
    skip_all "bsd-mailx is not installed (contrib/install-deps)"
plan 12

config_postfix "$T/rc" smtps "queue_dir $T/queue"
cat >"$T/sendmail" <<W
#!/bin/sh
echo "\$*" >>"$T/calls"
XDG_STATE_HOME=$T/state exec "$POSTIE" -C "$T/rc" "\$@"
W
chmod +x "$T/sendmail"
mkdir "$T/home"
echo "set sendmail=$T/sendmail" >"$T/home/.mailrc"
printf 'The disk is 91%% full.\n\n-- \nthe monitoring script\n' >"$T/body"

HOME=$T/home "$MAILX" -s "disk space on host" -c cc@example.test \
    -b bcc@example.test rcpt@example.test <"$T/body" >"$T/mailx.out" 2>&1
check_eq "mail exits 0" 0 "$?"
# mailx does not wait for sendmail: the copies come when they come
rc=0
if delivered 3; then
	check_eq "called as: sendmail -i -t" "-i -t" "$(cat "$T/calls")"
	check_eq "To, Cc and Bcc got one copy each" \
	    "bcc@example.test cc@example.test rcpt@example.test" \
	    "$(delivered_to)"
	nobcc=yes
	for f in $(cat "$T/delivered"); do
		awk '/^$/ { exit } /^[Bb][Cc][Cc]:/ { found = 1 } END { exit !found }' \
		    "$f" && nobcc=no
	done
	check_eq "no copy has a Bcc: header" yes "$nobcc"
	f=$(head -n 1 "$T/delivered")
	check_eq "Subject: as given to mail -s" "disk space on host" \
	    "$(header "$f" Subject)"
	check_eq "To: as given" "rcpt@example.test" "$(header "$f" To)"
	split_added "$f" Date Message-ID From
	check_date_msgid "Date: and Message-ID: added"
	check_eq "From: the account's from, added" "From: sender@example.test" \
	    "$(grep -i '^from:' "$T/added")"
	sed '1,/^$/d' "$T/got" >"$T/gotbody"
	check_file_eq "the body byte for byte" "$T/body" "$T/gotbody"
else
	fail "called as: sendmail -i -t" "$(cat "$T/pf_wait")" \
	    "$(cat "$T/mailx.out" "$T/calls" 2>/dev/null)"
	fail "To, Cc and Bcc got one copy each"
	fail "no copy has a Bcc: header"
	fail "Subject: as given to mail -s"
	fail "To: as given"
	fail "Date: and Message-ID: added"
	fail "From: the account's from, added"
	fail "the body byte for byte"
fi

# mail -r: "-i -t -f ADDR" and a From: header of its own
pf_clear_mail "$PF_DIR"
rm -f "$T/calls"
HOME=$T/home "$MAILX" -r me@example.test -s "with -r" rcpt@example.test \
    <"$T/body" >"$T/mailx.out" 2>&1
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "-r: called as sendmail -i -t -f ADDR" \
	    "-i -t -f me@example.test" "$(cat "$T/calls")"
	check_eq "-r: envelope sender" "<me@example.test>" \
	    "$(header "$f" Return-Path)"
	check_eq "-r: its From: kept, no other added" "me@example.test" \
	    "$(awk '/^$/ { exit } tolower($0) ~ /^from:/' "$f" |
	    sed 's/^[^:]*: *//')"
else
	fail "-r: called as sendmail -i -t -f ADDR" "$(cat "$T/pf_wait")" \
	    "$(cat "$T/mailx.out" "$T/calls" 2>/dev/null)"
	fail "-r: envelope sender"
	fail "-r: its From: kept, no other added"
fi
