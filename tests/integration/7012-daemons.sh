#!/bin/sh
# Daemons that mail root: sudo and mdadm ("sendmail -t"), logwatch
# ("sendmail -t"), apt-listchanges and unattended-upgrades ("sendmail -oi
# -t"), running as root with HOME=/ and almost no environment. Each
# message names root (bare) in To and often in From, and has no Date or
# Message-ID. apt-listchanges raises an exception on a non-zero exit.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 25

printf '%s\n' 'root: root@example.test' >"$T/aliases"
config_postfix "$T/rc" smtps "queue_dir $T/queue" "aliases $T/aliases"

cat >"$T/sudo" <<'M'
To: root
From: root
Auto-Submitted: auto-generated
Subject: *** SECURITY information for host ***

host : Nov 28 18:00:00 : alice : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls
M
cat >"$T/mdadm" <<'M'
From: mdadm monitoring <root>
To: root
Subject: Fail event on /dev/md0:host

This is an automatically generated mail message from mdadm
running on host

A Fail event had been detected on md device /dev/md0.
M
cat >"$T/logwatch" <<'M'
To: root
From: Logwatch <root>
Subject: Logwatch for host (Linux)
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset="us-ascii"

 ################### Logwatch 7.7 (07/22/22) ####################
        Processing Initiated: Sat Nov 28 06:25:01 2026
 ###################### Logwatch End #########################
M
cat >"$T/apt-listchanges" <<'M'
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0
Content-Transfer-Encoding: 8bit
Subject: apt-listchanges: news for host
From: root
To: root
Auto-Submitted: auto-generated

openssl (3.0.15-1~deb12u1) bookworm-security; urgency=medium

  * Fix CVE-2024-9143 — and a non-ASCII dash.
M
cat >"$T/unattended-upgrades" <<'M'
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0
Content-Transfer-Encoding: 8bit
Subject: [host] unattended-upgrades result for host: SUCCESS
From: root
To: root
Auto-Submitted: auto-generated

Unattended upgrade result: All upgrades installed
M

for caller in sudo:-t mdadm:-t logwatch:-t apt-listchanges:-oi+-t \
    unattended-upgrades:-oi+-t; do
	name=${caller%%:*} args=$(echo "${caller#*:}" | tr + ' ')
	pf_clear_mail "$PF_DIR"
	# shellcheck disable=SC2086
	env -i HOME=/ PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    "$POSTIE" -C "$T/rc" $args <"$T/$name" >"$T/stdout" 2>"$T/stderr"
	rc=$? err=$(cat "$T/stderr")
	check_rc "$name ($args): exit 0" 0
	check_eq "$name: nothing on stderr" "" "$err"
	if delivered 1; then
		f=$(cat "$T/delivered")
		check_eq "$name: To: root went to the alias" "root@example.test" \
		    "$(header "$f" X-Original-To)"
		split_added "$f" Date Message-ID
		check_date_msgid "$name: Date: and Message-ID: added"
		check_file_eq "$name: the rest byte for byte" "$T/$name" "$T/got"
	else
		fail "$name: To: root went to the alias" "$(cat "$T/pf_wait")"
		fail "$name: Date: and Message-ID: added"
		fail "$name: the rest byte for byte"
	fi
done
