#!/bin/sh
# The address fields as they leave. rewrite_domain: in From, To, Cc,
# Reply-To, Sender (and Resent- ones) a bare local name gets "@domain"
# right after it, every other byte of the field as it was; other fields and
# the body are untouched. Also undisclosed_recipients (To and Cc replaced
# by the empty group, -t still reads them) and remove_bcc_headers off.
# Postfix here takes only @example.test recipients: the envelope is given
# on the command line (or -t reads qualified ones), the bare names stay in
# the headers.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 9

config_postfix "$T/rc" smtps "queue_dir $T/queue" "rewrite_domain example.test"
cat >"$T/msg" <<'M'
From: root (Cron Daemon)
To: root, Bob <bob>, x@example.org, "q r" <q>, (c) root2
Cc: Root User <root>,
	(the admin) admin,
	"odd, <quoted>" <odd>
Reply-To: ops
Sender: <daemon>
Resent-From: fwd
X-To: root
Subject: to root and bob
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <2006.1@example.test>

The body names root and <bob>, and stays as it is.
To: root
M
cat >"$T/want" <<'M'
From: root@example.test (Cron Daemon)
To: root@example.test, Bob <bob@example.test>, x@example.org, "q r" <q@example.test>, (c) root2@example.test
Cc: Root User <root@example.test>,
	(the admin) admin@example.test,
	"odd, <quoted>" <odd@example.test>
Reply-To: ops@example.test
Sender: <daemon@example.test>
Resent-From: fwd@example.test
X-To: root
Subject: to root and bob
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <2006.1@example.test>

The body names root and <bob>, and stays as it is.
To: root
M
postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg"
check_rc "rewrite_domain: exit 0" 0
check_eq "rewrite_domain: nothing on stderr" "" "$err"
check_delivered "bare names qualified, every other byte kept" "$T/want"

# A field that does not parse is left as it was.
printf '%s\n' 'From: sender@example.test' 'To: John Doe' 'Subject: odd' \
    'Date: Sat, 28 Nov 2026 12:00:00 +0000' 'Message-ID: <2006.2@example.test>' \
    '' 'body' >"$T/odd"
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" -i rcpt@example.test <"$T/odd"
check_delivered "a To: that does not parse is kept as it is" "$T/odd"

# Postfix drops Bcc itself (message_drop_headers): what postie sends is
# read from the fake server. undisclosed_recipients, with -t: every
# recipient is in the envelope, the message shows none (Bcc goes too,
# even with remove_bcc_headers off).
cat >"$T/msg2" <<'M'
From: sender@example.test
To: a@example.test
Cc: "B, Person" <b@example.test>
Bcc: c@example.test
Subject: undisclosed
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <2006.3@example.test>

body
M
cat >"$T/want2" <<'M'
From: sender@example.test
Subject: undisclosed
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <2006.3@example.test>
To: undisclosed-recipients:;

body
M
# crlf FILE: FILE with CRLF line ends, as the fake server records it
crlf() { sed 's/$/\r/' "$1"; }

fake_start serve || exit 1
config_fake "$T/rc.undisclosed" "$FAKE_PORT" starttls \
    "undisclosed_recipients on" "remove_bcc_headers off"
postie_run -C "$T/rc.undisclosed" -i -t <"$T/msg2"
fake_wait
check_rc "undisclosed_recipients -t: exit 0" 0
check_eq "undisclosed_recipients: To, Cc and Bcc in the envelope" \
    "a@example.test b@example.test c@example.test" \
    "$(sed -n 's/^C: RCPT TO:<\([^>]*\)>.*/\1/p' "$T/transcript" | sort |
    tr '\n' ' ' | sed 's/ $//')"
crlf "$T/want2" >"$T/want2.crlf"
check_file_eq "undisclosed_recipients: To and Cc replaced, Bcc gone" \
    "$T/want2.crlf" "$T/data"

# remove_bcc_headers off: the Bcc field travels.
fake_start serve || exit 1
config_fake "$T/rc.bcc" "$FAKE_PORT" starttls "remove_bcc_headers off"
postie_run -C "$T/rc.bcc" -i c@example.test <"$T/msg2"
fake_wait
check_rc "remove_bcc_headers off: exit 0" 0
crlf "$T/msg2" >"$T/msg2.crlf"
check_file_eq "remove_bcc_headers off: the message as it was, Bcc too" \
    "$T/msg2.crlf" "$T/data"
