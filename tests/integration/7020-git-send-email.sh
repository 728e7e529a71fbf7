#!/bin/sh
# The real git send-email, with postie as --smtp-server (the path of a
# sendmail-like program) and as --sendmail-cmd: a series of two patches
# arrives as two messages, with their subjects and threading; a refused
# recipient makes postie exit non-zero, which aborts the series after
# the first patch, and postie's one line reaches the user.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
if ! git send-email -h 2>&1 | grep -q -- '--sendmail-cmd'; then
	skip_all "git send-email is missing, broken (libmailtools-perl: see contrib/install-deps) or older than 2.33 (no --sendmail-cmd)"
fi
plan 12

config_postfix "$T/rc" smtps "queue_dir $T/queue"
# callers cannot pass -C: a wrapper does, and logs each call
cat >"$T/sendmail" <<W
#!/bin/sh
echo "\$*" >>"$T/calls"
XDG_STATE_HOME=$T/state exec "$POSTIE" -C "$T/rc" "\$@"
W
chmod +x "$T/sendmail"

export HOME="$T/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "A U Thor"
git config --global user.email author@example.test
git config --global init.defaultBranch main
git init -q "$T/repo" && cd "$T/repo" || exit 1
echo one >file && git add file && git commit -qm "first change" &&
echo two >>file && git commit -qam "second change" || exit 1

gse() {
	git send-email --confirm=never --suppress-cc=all --no-annotate \
	    --no-format-patch "$@" >"$T/git.out" 2>"$T/git.err"
	grc=$?
}
git format-patch -q -o "$T/patches" -2 || exit 1

gse --smtp-server="$T/sendmail" --envelope-sender=author@example.test \
    --to=rcpt@example.test "$T"/patches/*.patch
check_eq "--smtp-server: git send-email exits 0" 0 "$grc"
[ "$grc" = 0 ] || diag "$(cat "$T/git.err")"
check_eq "--smtp-server: postie called once a patch, -f FROM -i RCPT" \
    "-f author@example.test -i rcpt@example.test
-f author@example.test -i rcpt@example.test" "$(cat "$T/calls" 2>/dev/null)"
if delivered 2; then
	ok "two patches, two messages"
	for f in $(cat "$T/delivered"); do header "$f" Subject; done |
	    sort >"$T/subjects"
	check_eq "their subjects" "[PATCH 1/2] first change
[PATCH 2/2] second change" "$(cat "$T/subjects")"
	first= second=
	for f in $(cat "$T/delivered"); do
		case $(header "$f" Subject) in
		*1/2*) first=$f ;; *2/2*) second=$f ;;
		esac
	done
	check_eq "the second answers the first (threading kept)" \
	    "$(header "$first" Message-Id)" "$(header "$second" In-Reply-To)"
	check_eq "envelope sender: --envelope-sender" "<author@example.test>" \
	    "$(header "$first" Return-Path)"
	if grep -q '^+two$' "$second" && grep -q '^+one$' "$first"; then
		ok "each carries its diff"
	else
		fail "each carries its diff" "$(cat "$second")"
	fi
else
	fail "two patches, two messages" "$(cat "$T/pf_wait")"
	fail "their subjects"
	fail "the second answers the first (threading kept)"
	fail "envelope sender: --envelope-sender"
	fail "each carries its diff"
fi

# --sendmail-cmd, and the server refuses the recipient: the series stops
pf_clear_mail "$PF_DIR"
rm -f "$T/calls"
rc=0
gse --sendmail-cmd="$T/sendmail" --to=reject@example.test "$T"/patches/*.patch
if [ "$grc" -ne 0 ]; then ok "refused: git send-email fails ($grc)"; else
	fail "refused: git send-email fails ($grc)" "$(cat "$T/git.out")"; fi
check_eq "refused: the series stopped after the first patch" 1 \
    "$(wc -l <"$T/calls" 2>/dev/null | tr -d ' ')"
if grep -q '^postie: .*reject@example.test' "$T/git.err"; then
	ok "refused: postie's one line reaches the user"
else
	fail "refused: postie's one line reaches the user" "$(cat "$T/git.err")"
fi
rc=1
if delivered 1 2>/dev/null; then
	fail "refused: nothing delivered" "$(cat "$T/delivered")"
else
	ok "refused: nothing delivered"
fi
check_eq "refused: git did not claim it was sent" "" \
    "$(grep -i '^Sent ' "$T/git.out")"
