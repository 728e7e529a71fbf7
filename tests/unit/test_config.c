/*
 * Unit tests for config: msmtp syntax, inheritance, account choice (by
 * name, sender or pattern), every key's values, defaults and errors,
 * msmtp's placeholders, the permission checks and the file search.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "build.h"
#include "config.h"
#include "log.h"

/* Last: its fail() macro would clash with exitcode.h's fail(). */
#include <cmocka.h>

static struct config	cfg;
static struct failure	fl;
static char		tmpdir[64];

static int
parse(const char *text)
{
	config_free(&cfg);
	failure_clear(&fl);
	return config_parse(&cfg, "test.rc", text, strlen(text), -1, &fl);
}

static void
parse_ok(const char *text)
{
	if (parse(text) != 0)
		fail_msg("parse failed: %s", fl.text);
}

/* The parse fails with FAIL_CONFIG and exactly this text. */
static void
parse_fails(const char *text, const char *want)
{
	assert_int_equal(parse(text), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_string_equal(fl.text, want);
	assert_int_equal(cfg.naccounts, 0);
	assert_null(cfg.accounts);
}

/* The parse fails with FAIL_CONFIG and a text holding each of the parts. */
static void
parse_fails_with(const char *text, const char *part1, const char *part2)
{
	assert_int_equal(parse(text), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	if (strstr(fl.text, part1) == NULL ||
	    (part2 != NULL && strstr(fl.text, part2) == NULL))
		fail_msg("unexpected failure text: %s", fl.text);
}

static int
load(const char *path)
{
	config_free(&cfg);
	failure_clear(&fl);
	return config_load(&cfg, path, &fl);
}

static const struct account *
account(const char *name)
{
	const struct account *a;

	failure_clear(&fl);
	if ((a = config_account(&cfg, name, NULL, &fl)) == NULL)
		fail_msg("config_account(%s): %s", name != NULL ? name : "(null)", fl.text);
	return a;
}

/* The account as parsed, before config_account() fills anything in. */
static const struct account *
raw(const char *name)
{
	size_t	i;

	for (i = 0; i < cfg.naccounts; i++)
		if (strcmp(cfg.accounts[i]->name, name) == 0)
			return cfg.accounts[i];
	fail_msg("no account %s", name);
	return NULL;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int	fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
tmppath(const char *name)
{
	static char	path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static int
setup_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/postie-test-config-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_tmpdir(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs fn(arg) with -v and stderr caught; returns what was printed. */
static char *
with_verbose(int (*fn)(const char *), const char *arg, int *r)
{
	static char	out[4096];
	FILE		*tmp;
	int		 saved;
	size_t		 n;

	fflush(stderr);
	assert_non_null(tmp = tmpfile());
	saved = dup(2);
	dup2(fileno(tmp), 2);
	log_set_verbose(1);
	*r = fn(arg);
	log_set_verbose(0);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

/* ---- syntax ---- */

static void
test_minimal(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account a\nhost mail.example.org\n");
	assert_int_equal(cfg.naccounts, 1);
	assert_string_equal(cfg.path, "test.rc");
	a = raw("a");
	assert_string_equal(a->origin, "test.rc:1");
	assert_int_equal(a->tls, 1);
	assert_int_equal(a->tls_starttls, 1);
	assert_int_equal(a->port, 0);
	assert_int_equal(a->auth, AUTH_DEFAULT);
	assert_null(a->tls_trust_file);
	a = account("a");
	assert_string_equal(a->host, "mail.example.org");
	assert_int_equal(a->port, 587);
	assert_int_equal(a->auth, AUTH_OFF);
	assert_int_equal(a->timeout, CONFIG_DEFAULT_TIMEOUT);
	assert_null(a->user);
	assert_null(a->password);
}

static void
test_comments_blanks_crlf(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("# a comment\r\n"
	    "\r\n"
	    "   # an indented comment\n"
	    "\t\n"
	    "account\tx\r\n"
	    "  host \t smtp.example.org  \t\r\n"
	    "password abc#def # not a comment\n"
	    "from\tme@example.org");	/* no final newline */
	a = raw("x");
	assert_string_equal(a->host, "smtp.example.org");
	assert_string_equal(a->password, "abc#def # not a comment");
	assert_string_equal(a->from, "me@example.org");
}

static void
test_quoting(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account q\n"
	    "host h\n"
	    "password \"a \\\"b\\\" \\\\ c\"\n"
	    "user \"  spaced  \"\n"
	    "from \"\"\n"
	    "passwordeval \"pass show mail\\\\x \\n\"\n"
	    "domain \"#hash\"\n");
	a = raw("q");
	assert_string_equal(a->password, "a \"b\" \\ c");
	assert_string_equal(a->user, "  spaced  ");
	assert_null(a->from);
	/* A backslash before anything else stays, as in msmtp. */
	assert_string_equal(a->passwordeval, "pass show mail\\x \\n");
	assert_string_equal(a->domain, "#hash");
}

static void
test_quote_errors(void **state)
{
	(void)state;
	parse_fails("account q\npassword \"abc\n",
	    "test.rc:2: password: the closing quote is missing");
	parse_fails("account q\npassword \"abc\\\"\n",
	    "test.rc:2: password: the closing quote is missing");
}

/* "from a@b # me": the comment is part of the value, and refused. */
static void
test_blank_in_address(void **state)
{
	(void)state;
	parse_fails("account q\nfrom root@example.com   # alice\n",
	    "test.rc:2: from: a blank in an address or a domain (a comment "
	    "goes on a line of its own)");
	parse_fails("account q\ndomain mail.example.com x\n",
	    "test.rc:2: domain: a blank in an address or a domain (a comment "
	    "goes on a line of its own)");
	parse_ok("account q\nhost h\nfrom \"\\\"a b\\\"@example.com\"\n");
}

static void
test_quote_prefix_literal(void **state)
{
	(void)state;
	/* Only a whole value in quotes is unquoted, as in msmtp. */
	parse_ok("account q\nhost h\n"
	    "passwordeval \"$HOME/bin/pw\" mail\n"
	    "user \"a\" \"b\"\n");
	assert_string_equal(raw("q")->passwordeval, "\"$HOME/bin/pw\" mail");
	assert_string_equal(raw("q")->user, "\"a\" \"b\"");
}

static void
test_long_line(void **state)
{
	char	*text, *from;
	size_t	 n = 100000;

	(void)state;
	assert_non_null(from = malloc(n + 1));
	memset(from, 'x', n);
	from[n] = '\0';
	assert_non_null(text = malloc(n + 64));
	snprintf(text, n + 64, "account a\nhost h\nfrom %s\n", from);
	parse_ok(text);
	assert_string_equal(raw("a")->from, from);
	free(text);
	free(from);
}

static void
test_empty_values_unset(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("defaults\nuser u\nfrom f@x\ndomain d\n"
	    "account a\nhost h\nuser\nfrom\ndomain \"\"\n");
	a = raw("a");
	assert_null(a->user);
	assert_null(a->from);
	assert_null(a->domain);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "account a\nhost h\nfrom a\0b\n";

	(void)state;
	failure_clear(&fl);
	assert_int_equal(config_parse(&cfg, "test.rc", text, sizeof(text) - 1,
	    -1, &fl), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_string_equal(fl.text,
	    "test.rc:3: contains a NUL byte; not a text file?");
}

static void
test_empty_file(void **state)
{
	(void)state;
	parse_ok("");
	assert_int_equal(cfg.naccounts, 0);
	assert_null(config_account(&cfg, NULL, NULL, &fl));
	assert_string_equal(fl.text, "no default account in test.rc: use -a "
	    "or add 'account default : NAME'");
}

/* ---- defaults and inheritance ---- */

static void
test_defaults(void **state)
{
	const struct account *a, *b, *c;

	(void)state;
	parse_ok("defaults\n"
	    "port 2525\n"
	    "tls_starttls off\n"
	    "account a\n"
	    "host a.example\n"
	    "defaults\n"
	    "from x@example.org\n"
	    "account b\n"
	    "host b.example\n"
	    "port 25\n"
	    "defaults\n"
	    "port 26\n"
	    "account c\n"
	    "host c.example\n");
	a = raw("a");
	b = raw("b");
	c = raw("c");
	/* A later defaults section is for later accounts only... */
	assert_int_equal(a->port, 2525);
	assert_null(a->from);
	/* ...and adds to what the earlier ones said. */
	assert_int_equal(b->port, 25);
	assert_int_equal(b->tls_starttls, 0);
	assert_string_equal(b->from, "x@example.org");
	assert_int_equal(c->port, 26);
	assert_string_equal(c->from, "x@example.org");
	assert_int_equal(c->tls_starttls, 0);
}

static void
test_parents(void **state)
{
	const struct account *c;

	(void)state;
	parse_ok("defaults\n"
	    "port 2525\n"
	    "user d\n"
	    "account a\n"
	    "host a.example\n"
	    "port 465\n"
	    "tls_starttls off\n"
	    "account b\n"
	    "host b.example\n"
	    "from b@example.org\n"
	    "tls_trust_file /etc/b.pem\n"
	    "defaults\n"
	    "user e\n"
	    "account c : a, b\n"
	    "password secret\n");
	c = raw("c");
	/* b comes last: its host wins over a's. */
	assert_string_equal(c->host, "b.example");
	/* a set port itself: it overrides the defaults. */
	assert_int_equal(c->port, 465);
	assert_int_equal(c->tls_starttls, 0);
	assert_string_equal(c->from, "b@example.org");
	assert_string_equal(c->tls_trust_file, "/etc/b.pem");
	/* Neither parent set user: the current defaults give it. */
	assert_string_equal(c->user, "e");
	assert_string_equal(c->password, "secret");
	assert_string_equal(raw("a")->user, "d");
}

static void
test_parent_chain(void **state)
{
	const struct account *c;

	(void)state;
	parse_ok("account a\nhost a.example\nauth login\n"
	    "account b : a\nport 2587\n"
	    "account c:b\nuser u\n"
	    "account d : c , a\nhost d.example\n");
	c = raw("c");
	assert_string_equal(c->host, "a.example");
	assert_int_equal(c->port, 2587);
	assert_int_equal(c->auth, AUTH_MECH);
	assert_string_equal(c->auth_mech, "LOGIN");
	c = raw("d");
	assert_string_equal(c->host, "d.example");
	assert_int_equal(c->port, 2587);
	assert_string_equal(c->user, "u");
}

static void
test_account_default_alias(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account work\nhost smtp.work.example\nfrom me@work.example\n"
	    "user me\n"
	    "account home\nhost smtp.home.example\nfrom me@home.example\n"
	    "account default : work\n");
	a = account(NULL);
	assert_string_equal(a->name, "default");
	assert_string_equal(a->host, "smtp.work.example");
	assert_string_equal(a->user, "me");
	assert_int_equal(account("default")->port, 587);
}

/* ---- choosing an account ---- */

static void
test_choose(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account one\nhost one.example\nfrom One@Example.org\n"
	    "account two\nhost two.example\nfrom two@example.org\n"
	    "account three\nhost three.example\nfrom two@example.org\n"
	    "account default : three\n");
	a = config_account(&cfg, NULL, "one@example.ORG", &fl);
	assert_non_null(a);
	assert_string_equal(a->name, "one");
	/* The first account with that from. */
	a = config_account(&cfg, NULL, "two@example.org", &fl);
	assert_string_equal(a->name, "two");
	a = config_account(&cfg, NULL, "nobody@example.org", &fl);
	assert_string_equal(a->name, "default");
	/* The null sender matches nothing. */
	a = config_account(&cfg, NULL, "", &fl);
	assert_string_equal(a->name, "default");
	/* A name beats the envelope sender. */
	a = config_account(&cfg, "three", "one@example.org", &fl);
	assert_string_equal(a->name, "three");
	failure_clear(&fl);
	assert_null(config_account(&cfg, "four", NULL, &fl));
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_string_equal(fl.text, "no account named four in test.rc");
}

static void
test_no_default(void **state)
{
	(void)state;
	parse_ok("account one\nhost one.example\nfrom one@example.org\n");
	assert_non_null(config_account(&cfg, NULL, "one@example.org", &fl));
	failure_clear(&fl);
	assert_null(config_account(&cfg, NULL, "x@example.org", &fl));
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_string_equal(fl.text, "no default account in test.rc: use -a "
	    "or add 'account default : NAME'");
}

static void
test_no_host(void **state)
{
	(void)state;
	parse_ok("defaults\nport 25\n\naccount nohost\nfrom a@b\n");
	failure_clear(&fl);
	assert_null(config_account(&cfg, "nohost", NULL, &fl));
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_string_equal(fl.text, "test.rc:4: account nohost: no host");
}

/* ---- ports, TLS, auth ---- */

static void
test_default_ports(void **state)
{
	(void)state;
	parse_ok("account starttls\nhost a.example\n"
	    "account implicit\nhost b.example\ntls_starttls off\n"
	    "account old\nhost c.example\ntls_nostarttls\n"
	    "account older\nhost c.example\ntls_nostarttls off\n"
	    "account explicit\nhost d.example\nport 2525\n"
	    "account plain\nhost localhost\ntls off\n");
	assert_int_equal(account("starttls")->port, 587);
	assert_int_equal(account("implicit")->port, 465);
	assert_int_equal(account("implicit")->tls_starttls, 0);
	assert_int_equal(account("old")->port, 465);
	assert_int_equal(account("older")->port, 587);
	assert_int_equal(account("explicit")->port, 2525);
	assert_int_equal(account("plain")->port, 25);
}

static void
test_tls_off(void **state)
{
	static const char *const loopback[] = {
		"localhost", "LOCALHOST", "127.0.0.1",
		"127.1.2.3", "::1", "::ffff:127.0.0.1",
	};
	/* Names only a resolver can say are loopback are not: "localhost."
	 * may go to DNS. */
	static const char *const remote[] = {
		"smtp.example.org", "128.0.0.1", "10.0.0.1", "::2",
		"localhost.example.org", "::ffff:10.0.0.1", "localhost.",
		"localhost.localdomain", "localhost6", "ip6-localhost",
		"0177.0.0.1x",
	};
	char	text[256];
	size_t	i;

	(void)state;
	for (i = 0; i < POSTIE_NELEM(loopback); i++) {
		/* tls before host: the check waits for the whole account. */
		snprintf(text, sizeof(text), "account a\ntls off\nhost %s\n",
		    loopback[i]);
		parse_ok(text);
		assert_int_equal(account("a")->tls, 0);
		config_free(&cfg);
	}
	for (i = 0; i < POSTIE_NELEM(remote); i++) {
		snprintf(text, sizeof(text), "account a\ntls off\nhost %s\n",
		    remote[i]);
		parse_ok(text);
		failure_clear(&fl);
		assert_null(config_account(&cfg, "a", NULL, &fl));
		assert_int_equal(fl.kind, FAIL_CONFIG);
		assert_non_null(strstr(fl.text, "plaintext"));
		assert_non_null(strstr(fl.text, remote[i]));
		config_free(&cfg);
	}
	/* Through a proxy the peer is the proxy: refused, even on loopback. */
	parse_ok("account a\ntls off\nhost 127.0.0.1\n"
	    "proxy_host 127.0.0.1\n");
	failure_clear(&fl);
	assert_null(config_account(&cfg, "a", NULL, &fl));
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_non_null(strstr(fl.text, "proxy_host 127.0.0.1"));
	assert_non_null(strstr(fl.text, "account a"));
	config_free(&cfg);
	/* "tls" with no value is on, as in msmtp. */
	parse_ok("account a\nhost h.example\ntls off\ntls\n");
	assert_int_equal(account("a")->tls, 1);
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(config_host_is_loopback("localhost"));
	assert_true(config_host_is_loopback("127.255.255.254"));
	assert_true(config_host_is_loopback("::1"));
	assert_true(config_host_is_loopback("127.0.0.1"));
	assert_true(config_host_is_loopback("::ffff:127.0.0.2"));
	assert_false(config_host_is_loopback("localhost."));
	assert_false(config_host_is_loopback("localhost.localdomain"));
	assert_false(config_host_is_loopback("127.example.org"));
	assert_false(config_host_is_loopback("0.0.0.0"));
	assert_false(config_host_is_loopback("::"));
	assert_false(config_host_is_loopback(""));
	assert_false(config_host_is_loopback(NULL));
}

static void
test_auth(void **state)
{
	static const struct {
		const char	*value;
		const char	*mech;
	} mechs[] = {
		{ "plain", "PLAIN" }, { "login", "LOGIN" },
		{ "cram-md5", "CRAM-MD5" }, { "digest-md5", "DIGEST-MD5" },
		{ "scram-sha-1", "SCRAM-SHA-1" },
		{ "scram-sha-256", "SCRAM-SHA-256" }, { "gssapi", "GSSAPI" },
		{ "external", "EXTERNAL" }, { "oauthbearer", "OAUTHBEARER" },
		{ "xoauth2", "XOAUTH2" }, { "ntlm", "NTLM" },
		{ "XOAuth2", "XOAUTH2" },
	};
	char	text[128];
	size_t	i;

	(void)state;
	parse_ok("account nouser\nhost h\n"
	    "account user\nhost h\nuser u\n"
	    "account off\nhost h\nuser u\nauth off\n"
	    "account on\nhost h\nauth on\n"
	    "account empty\nhost h\nauth\n"
	    "account reset\nhost h\nauth plain\nauth on\n");
	assert_int_equal(account("nouser")->auth, AUTH_OFF);
	assert_int_equal(account("user")->auth, AUTH_ON);
	assert_int_equal(account("off")->auth, AUTH_OFF);
	assert_int_equal(account("on")->auth, AUTH_ON);
	assert_int_equal(account("empty")->auth, AUTH_ON);
	assert_int_equal(account("reset")->auth, AUTH_ON);
	assert_null(account("reset")->auth_mech);
	config_free(&cfg);
	for (i = 0; i < POSTIE_NELEM(mechs); i++) {
		snprintf(text, sizeof(text), "account a\nhost h\nauth %s\n",
		    mechs[i].value);
		parse_ok(text);
		assert_int_equal(raw("a")->auth, AUTH_MECH);
		assert_string_equal(raw("a")->auth_mech, mechs[i].mech);
		config_free(&cfg);
	}
	parse_fails_with("account a\nauth rot13\n",
	    "test.rc:2: auth: 'rot13' is not 'on', 'off' or one of: plain",
	    NULL);
}

static void
test_timeout(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\ntimeout 30\n"
	    "account b\nhost h\ntimeout off\n"
	    "account c\nhost h\nconnect_timeout 5\n");
	assert_int_equal(account("a")->timeout, 30);
	assert_int_equal(account("b")->timeout, CONFIG_DEFAULT_TIMEOUT);
	assert_int_equal(account("c")->timeout, 5);
	parse_fails("account a\ntimeout soon\n", "test.rc:2: timeout: 'soon' "
	    "is not 'off' or a number of seconds from 1 to 86400");
	parse_fails_with("account a\ntimeout 0\n", "'0' is not", NULL);
}

static void
test_trust_file(void **state)
{
	char		 want[1024];
	const char	*home;
	struct passwd	*pw;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	parse_ok("account a\nhost h\ntls_trust_file ~/certs/ca.pem\n"
	    "account b\nhost h\ntls_trust_file system\n"
	    "account c\nhost h\ntls_trust_file\n"
	    "account d\nhost h\ntls_trust_file ~\n"
	    "account e\nhost h\ntls_trust_file ~other/ca.pem\n"
	    "account f : a\ntls_host_override mx.example\n");
	assert_string_equal(raw("a")->tls_trust_file,
	    "/home/tester/certs/ca.pem");
	assert_null(raw("b")->tls_trust_file);
	assert_null(raw("c")->tls_trust_file);
	assert_string_equal(raw("d")->tls_trust_file, "/home/tester");
	assert_string_equal(raw("e")->tls_trust_file, "~other/ca.pem");
	assert_string_equal(raw("f")->tls_trust_file,
	    "/home/tester/certs/ca.pem");
	assert_string_equal(raw("f")->tls_host_override, "mx.example");
	config_free(&cfg);

	/* No HOME: the password database says where home is. */
	unsetenv("HOME");
	if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir[0] == '\0')
		return;
	home = pw->pw_dir;
	parse_ok("account a\nhost h\ntls_trust_file ~/ca.pem\n");
	snprintf(want, sizeof(want), "%s/ca.pem", home);
	assert_string_equal(raw("a")->tls_trust_file, want);
}

static void
test_fingerprint(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\ntls_fingerprint "
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n"
	    "account b : a\n"
	    "account c : a\ntls_fingerprint\n");
	assert_string_equal(raw("b")->tls_fingerprint,
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
	assert_null(raw("c")->tls_fingerprint);
	parse_fails_with("account a\ntls_fingerprint 00:11:zz\n",
	    "test.rc:2: tls_fingerprint: '00:11:zz' is not a SHA-256", NULL);
	parse_fails_with("account a\ntls_fingerprint 0011\n",
	    "is not a SHA-256 fingerprint", NULL);
	parse_fails_with("account a\ntls_fingerprint "
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33\n",
	    "test.rc:2: tls_fingerprint: a SHA-1 fingerprint is too weak "
	    "to pin; use the SHA-256 one", NULL);
	parse_fails_with("account a\ntls_fingerprint "
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n",
	    "an MD5 fingerprint is too weak", NULL);
}

static void
test_pin(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\ntls_pin "
	    "8COeqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY=,"
	    "AAAAqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY=\n"
	    "account b : a\ntls_pin "
	    "BBBBqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY=\n"
	    "account c : a\ntls_pin\n");
	assert_string_equal(raw("a")->tls_pin,
	    "8COeqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY= "
	    "AAAAqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY=");
	assert_string_equal(raw("b")->tls_pin,
	    "8COeqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY= "
	    "AAAAqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY= "
	    "BBBBqHHSJetPGCUQ/QW7oJnJQLWMdX89paEwh5d7HvY=");
	assert_null(raw("c")->tls_pin);
	parse_fails_with("account a\ntls_pin 8COeqHHSJetPGCUQ\n",
	    "test.rc:2: tls_pin: '8COeqHHSJetPGCUQ' is not a SHA-256 SPKI "
	    "pin", NULL);
}

/* ---- errors ---- */

static void
test_unknown_key(void **state)
{
	(void)state;
	parse_fails("account a\nhots smtp.example.org\n",
	    "test.rc:2: unknown key 'hots' (did you mean 'host'?)");
	parse_fails("account a\nhost h\ntls_starttl on\n",
	    "test.rc:3: unknown key 'tls_starttl' (did you mean "
	    "'tls_starttls'?)");
	parse_fails("account a\npasswd secret\n",
	    "test.rc:2: unknown key 'passwd' (did you mean 'password'?)");
	parse_fails("acount a\n",
	    "test.rc:1: unknown key 'acount' (did you mean 'account'?)");
	parse_fails("account a\nfrobnicate yes\n",
	    "test.rc:2: unknown key 'frobnicate'");
	/* Keys are case-sensitive, as in msmtp. */
	parse_fails("account a\nHost h\n",
	    "test.rc:2: unknown key 'Host' (did you mean 'host'?)");
}

static void
test_bad_port(void **state)
{
	(void)state;
	parse_fails("account a\nport abc\n",
	    "test.rc:2: port: 'abc' is not a number from 1 to 65535");
	parse_fails("account a\nport 0\n",
	    "test.rc:2: port: '0' is not a number from 1 to 65535");
	parse_fails("account a\nport 65536\n",
	    "test.rc:2: port: '65536' is not a number from 1 to 65535");
	parse_fails("account a\nport 25x\n",
	    "test.rc:2: port: '25x' is not a number from 1 to 65535");
	parse_fails("account a\nport\n",
	    "test.rc:2: port: '' is not a number from 1 to 65535");
	parse_ok("account a\nhost h\nport 65535\n");
	assert_int_equal(account("a")->port, 65535);
}

static void
test_bad_onoff(void **state)
{
	(void)state;
	parse_fails("account a\ntls maybe\n",
	    "test.rc:2: tls: 'maybe' is not 'on' or 'off'");
	parse_fails("account a\ntls_starttls yes\n",
	    "test.rc:2: tls_starttls: 'yes' is not 'on' or 'off'");
	parse_fails("account a\nauto_from 1\n",
	    "test.rc:2: auto_from: '1' is not 'on' or 'off'");
	parse_fails("account a\ntls ON\n",
	    "test.rc:2: tls: 'ON' is not 'on' or 'off'");
}

static void
test_key_before_account(void **state)
{
	(void)state;
	parse_fails("# comment\nhost smtp.example.org\naccount a\n",
	    "test.rc:2: 'host' comes before any 'account' or 'defaults' line");
}

static void
test_account_errors(void **state)
{
	(void)state;
	parse_fails("account a\nhost h\naccount b : c\n",
	    "test.rc:3: account b: no account named c before it to "
	    "inherit from");
	parse_fails("account b : b\n",
	    "test.rc:1: account b: no account named b before it to "
	    "inherit from");
	parse_fails("account a\nhost h\naccount b : a,\n",
	    "test.rc:3: account b: a parent account name is missing");
	parse_fails("account a\nhost h\n\naccount a\nhost i\n",
	    "test.rc:4: account a is already defined at test.rc:1");
	parse_fails("account\n", "test.rc:1: account: the account needs a name");
	parse_fails("account : a\n",
	    "test.rc:1: account: the account needs a name");
	parse_fails("account a,b\n",
	    "test.rc:1: account a,b: a name cannot hold a comma");
	parse_fails("defaults now\n", "test.rc:1: defaults takes no value");
	parse_fails("account default : a\n",
	    "test.rc:1: account default: no account named a before it to "
	    "inherit from");
	parse_fails("account a\nhost\n", "test.rc:2: host needs a value");
}

/*
 * tls_certcheck off parses: it is refused when the account is used
 * (serverinfo_certcheck_refusal()), so the other accounts of the file
 * still work. config_certcheck_off() says which accounts, and where.
 */
static void
test_certcheck(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\ntls_certcheck off\n"
	    "account b\nhost h\n"
	    "account c\nhost h\ntls_nocertcheck\n"
	    "account d\nhost localhost\ntls off\ntls_certcheck off\n");
	assert_true(config_certcheck_off(account("a")));
	assert_string_equal(account("a")->tls_certcheck_off,
	    "test.rc:3: tls_certcheck off");
	assert_false(config_certcheck_off(account("b")));
	assert_null(account("b")->tls_certcheck_off);
	assert_true(config_certcheck_off(account("c")));
	assert_string_equal(account("c")->tls_certcheck_off,
	    "test.rc:8: tls_nocertcheck");
	/* Without TLS it changes nothing. */
	assert_false(config_certcheck_off(account("d")));

	/* From defaults, where it stands; an account may turn it back on. */
	parse_ok("defaults\ntls_certcheck off\naccount a\nhost h\n"
	    "account b\nhost h\ntls_certcheck on\n"
	    "account c\nhost h\ntls_nocertcheck off\n"
	    "account e : a\n");
	assert_string_equal(account("a")->tls_certcheck_off,
	    "test.rc:2: tls_certcheck off");
	assert_false(config_certcheck_off(account("b")));
	assert_false(config_certcheck_off(account("c")));
	assert_true(config_certcheck_off(account("e")));
	parse_ok("account a\nhost h\ntls_nocertcheck on\n");
	assert_string_equal(account("a")->tls_certcheck_off,
	    "test.rc:3: tls_nocertcheck on");

	parse_fails("account a\ntls_certcheck nah\n",
	    "test.rc:2: tls_certcheck: 'nah' is not 'on' or 'off'");
	parse_fails("account a\ntls_nocertcheck nah\n",
	    "test.rc:2: tls_nocertcheck: 'nah' is not 'on' or 'off'");
	parse_ok("account a\nhost h\ntls_certcheck on\ntls_certcheck\n"
	    "tls_nocertcheck off\n");
	assert_false(config_certcheck_off(account("a")));
}

static void
test_guards(void **state)
{
	(void)state;
	parse_fails_with("account a\nsocket /run/smtp.sock\n",
	    "test.rc:2: socket: postie cannot connect through a local socket",
	    NULL);
	parse_fails_with("account a\neval echo host h\n",
	    "test.rc:2: eval: postie does not run commands", NULL);
	parse_fails_with("account a\nprotocol lmtp\n",
	    "test.rc:2: protocol lmtp: postie speaks SMTP only", NULL);
	parse_fails("account a\nprotocol esmtp\n",
	    "test.rc:2: protocol: 'esmtp' is not 'smtp' or 'lmtp'");
	/* The values that change nothing pass. */
	parse_ok("account a\nhost h\nproxy_host\nsocket\nprotocol smtp\n");
}

static void
test_noted_values_checked(void **state)
{
	(void)state;
	parse_fails("account a\nsyslog LOG_KERN\n",
	    "test.rc:2: syslog: 'LOG_KERN' is not one of: on off LOG_USER "
	    "LOG_MAIL LOG_LOCAL0 LOG_LOCAL1 LOG_LOCAL2 LOG_LOCAL3 LOG_LOCAL4 "
	    "LOG_LOCAL5 LOG_LOCAL6 LOG_LOCAL7");
	parse_fails("account a\nset_from_header maybe\n",
	    "test.rc:2: set_from_header: 'maybe' is not one of: auto on off");
	parse_fails("account a\nset_date_header on\n",
	    "test.rc:2: set_date_header: 'on' is not one of: auto off");
	parse_fails("account a\ndsn_return some\n",
	    "test.rc:2: dsn_return: 'some' is not one of: off headers full");
	parse_fails("account a\ndsn_notify failure,sometimes\n",
	    "test.rc:2: dsn_notify: 'failure,sometimes' is not 'off', 'never' "
	    "or a list of: failure delay success");
	parse_fails("account a\nsource_ip 10.0.0.300\n",
	    "test.rc:2: source_ip: '10.0.0.300' is not an IPv4 or IPv6 "
	    "address");
	parse_fails("account a\nsource_ip eth0\n",
	    "test.rc:2: source_ip: 'eth0' is not an IPv4 or IPv6 address");
	parse_ok("account a\nhost h\nsource_ip 127.0.0.2\nsource_ip ::1\n"
	    "source_ip\nproxy_host socks.example\nproxy_port 1080\n");
	parse_fails("account a\nproxy_port 99999\n",
	    "test.rc:2: proxy_port: '99999' is not a number from 1 to 65535");
	parse_fails("account a\ntls_min_dh_prime_bits many\n",
	    "test.rc:2: tls_min_dh_prime_bits: 'many' is not a positive "
	    "number");
	parse_ok("account a\nhost h\nsyslog\nsyslog LOG_LOCAL3\nsyslog off\n"
	    "set_from_header auto\nset_date_header off\nset_msgid_header auto\n"
	    "dsn_return headers\ndsn_notify failure,delay,success\n"
	    "dsn_notify never\ndsn_notify off\nproxy_port 1080\n"
	    "tls_min_dh_prime_bits 2048\ntls_min_dh_prime_bits\n"
	    "remove_bcc_headers off\nundisclosed_recipients\n"
	    "tls_force_sslv3 off\nkeepbcc on\n");
}

static void
test_noted_logged_once(void **state)
{
	char	*out;
	int	 r;

	(void)state;
	out = with_verbose(parse, "defaults\nauto_from on\n"
	    "account a\nhost h\nauto_from off\nsyslog LOG_MAIL\n"
	    "logfile ~/b.log\n"
	    "tls_min_dh_prime_bits 2048\ntls_cert_file /etc/c.pem\n"
	    "aliases /etc/aliases\n", &r);
	assert_int_equal(r, 0);
	assert_int_equal(count(out, "key auto_from is accepted but not acted "
	    "on yet"), 1);
	assert_non_null(strstr(out, "test.rc:2: key auto_from"));
	assert_int_equal(count(out, "key tls_min_dh_prime_bits is accepted"),
	    1);
	/* Keys postie acts on are not noted. */
	assert_int_equal(count(out, "key syslog"), 0);
	assert_int_equal(count(out, "key tls_cert_file"), 0);
	assert_int_equal(count(out, "key aliases"), 0);
	assert_int_equal(count(out, "key logfile"), 0);
	assert_int_equal(count(out, "key host"), 0);
}

/* msmtp's syslog: on is LOG_MAIL, a facility name chooses it. */
static void
test_syslog_values(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\n");
	assert_int_equal(account("a")->syslog, LOG_SYSLOG_UNSET);
	parse_ok("account a\nhost h\nsyslog\n");
	assert_int_equal(account("a")->syslog, LOG_MAIL);
	parse_ok("account a\nhost h\nsyslog on\n");
	assert_int_equal(account("a")->syslog, LOG_MAIL);
	parse_ok("account a\nhost h\nsyslog off\n");
	assert_int_equal(account("a")->syslog, LOG_SYSLOG_OFF);
	parse_ok("defaults\nsyslog LOG_LOCAL3\naccount a\nhost h\n"
	    "account b\nhost h\nsyslog LOG_USER\n");
	assert_int_equal(account("a")->syslog, LOG_LOCAL3);
	assert_int_equal(account("b")->syslog, LOG_USER);
	parse_fails("account a\nsyslog log_mail\n",
	    "test.rc:2: syslog: 'log_mail' is not one of: on off LOG_USER "
	    "LOG_MAIL LOG_LOCAL0 LOG_LOCAL1 LOG_LOCAL2 LOG_LOCAL3 LOG_LOCAL4 "
	    "LOG_LOCAL5 LOG_LOCAL6 LOG_LOCAL7");
}

static void
test_real_world(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok(
	    "# Example for a user configuration file ~/.msmtprc\n"
	    "#\n"
	    "# Set default values for all following accounts.\n"
	    "defaults\n"
	    "auth           on\n"
	    "tls            on\n"
	    "tls_trust_file /etc/ssl/certs/ca-certificates.crt\n"
	    "logfile        ~/.msmtp.log\n"
	    "timeout        15\n"
	    "\n"
	    "# Gmail\n"
	    "account        gmail\n"
	    "host           smtp.gmail.com\n"
	    "port           587\n"
	    "from           username@gmail.com\n"
	    "user           username\n"
	    "passwordeval   \"gpg --quiet --for-your-eyes-only --no-tty "
	    "--decrypt ~/.msmtp-gmail.gpg\"\n"
	    "\n"
	    "# Fastmail, implicit TLS\n"
	    "account fastmail\n"
	    "host smtp.fastmail.com\n"
	    "port 465\n"
	    "tls_starttls off\n"
	    "from me@fastmail.example\n"
	    "user me@fastmail.example\n"
	    "passwordeval pass show mail/fastmail | head -n1\n"
	    "set_from_header auto\n"
	    "dsn_notify failure\n"
	    "dsn_return headers\n"
	    "\n"
	    "# The local relay, for cron\n"
	    "account local\n"
	    "host 127.0.0.1\n"
	    "port 25\n"
	    "tls off\n"
	    "auth off\n"
	    "from root@localhost\n"
	    "syslog LOG_MAIL\n"
	    "undisclosed_recipients on\n"
	    "remove_bcc_headers on\n"
	    "\n"
	    "aliases /etc/aliases\n"
	    "# Set a default account\n"
	    "account default : gmail\n");
	assert_int_equal(cfg.naccounts, 4);
	a = account(NULL);
	assert_string_equal(a->host, "smtp.gmail.com");
	assert_int_equal(a->port, 587);
	assert_int_equal(a->tls, 1);
	assert_int_equal(a->tls_starttls, 1);
	assert_int_equal(a->auth, AUTH_ON);
	assert_int_equal(a->timeout, 15);
	assert_string_equal(a->user, "username");
	assert_null(a->password);
	assert_string_equal(a->passwordeval, "gpg --quiet --for-your-eyes-only "
	    "--no-tty --decrypt ~/.msmtp-gmail.gpg");
	assert_string_equal(a->tls_trust_file,
	    "/etc/ssl/certs/ca-certificates.crt");
	a = config_account(&cfg, NULL, "me@fastmail.example", &fl);
	assert_non_null(a);
	assert_string_equal(a->name, "fastmail");
	assert_int_equal(a->port, 465);
	assert_int_equal(a->tls_starttls, 0);
	assert_string_equal(a->passwordeval,
	    "pass show mail/fastmail | head -n1");
	a = account("local");
	assert_int_equal(a->tls, 0);
	assert_int_equal(a->port, 25);
	assert_int_equal(a->auth, AUTH_OFF);
}

/* ---- what goes into the message ---- */

static void
test_header_keys(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account a\nhost h\nfrom_full_name \"Cron Daemon\"\n"
	    "set_from_header on\nset_date_header off\nset_msgid_header off\n"
	    "undisclosed_recipients on\nremove_bcc_headers off\n"
	    "account b\nhost h\nset_from_header off\nset_date_header auto\n"
	    "set_msgid_header auto\nundisclosed_recipients\n"
	    "account c\nhost h\nset_from_header auto\nfrom_full_name x\n"
	    "from_full_name\n");
	a = account("a");
	assert_string_equal(a->from_full_name, "Cron Daemon");
	assert_int_equal(a->set_from_header, HEADER_ON);
	assert_int_equal(a->set_date_header, HEADER_OFF);
	assert_int_equal(a->set_msgid_header, HEADER_OFF);
	assert_int_equal(a->undisclosed_recipients, 1);
	assert_int_equal(a->remove_bcc_headers, 0);
	a = account("b");
	assert_int_equal(a->set_from_header, HEADER_OFF);
	assert_int_equal(a->set_date_header, HEADER_AUTO);
	assert_int_equal(a->set_msgid_header, HEADER_AUTO);
	assert_int_equal(a->undisclosed_recipients, 1);
	a = account("c");
	assert_int_equal(a->set_from_header, HEADER_AUTO);
	assert_null(a->from_full_name);
}

/* msmtp's older spellings of the same settings. */
static void
test_old_header_keys(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\nadd_missing_from_header off\n"
	    "add_missing_date_header off\nkeepbcc on\n"
	    "account b\nhost h\nset_from_header on\nset_date_header off\n"
	    "add_missing_from_header on\nadd_missing_date_header\n"
	    "remove_bcc_headers off\nkeepbcc off\n");
	assert_int_equal(raw("a")->set_from_header, HEADER_OFF);
	assert_int_equal(raw("a")->set_date_header, HEADER_OFF);
	assert_int_equal(raw("a")->remove_bcc_headers, 0);
	assert_int_equal(raw("b")->set_from_header, HEADER_AUTO);
	assert_int_equal(raw("b")->set_date_header, HEADER_AUTO);
	assert_int_equal(raw("b")->remove_bcc_headers, 1);
	parse_fails("account a\nadd_missing_from_header auto\n",
	    "test.rc:2: add_missing_from_header: 'auto' is not 'on' or 'off'");
	parse_fails("account a\nkeepbcc yes\n",
	    "test.rc:2: keepbcc: 'yes' is not 'on' or 'off'");
}

static void
test_header_key_errors(void **state)
{
	(void)state;
	parse_fails("account a\nset_msgid_header on\n",
	    "test.rc:2: set_msgid_header: 'on' is not one of: auto off");
	parse_fails("account a\nset_date_header\n",
	    "test.rc:2: set_date_header: '' is not one of: auto off");
	parse_fails("account a\nundisclosed_recipients always\n",
	    "test.rc:2: undisclosed_recipients: 'always' is not 'on' or "
	    "'off'");
	parse_fails("account a\nremove_bcc_headers no\n",
	    "test.rc:2: remove_bcc_headers: 'no' is not 'on' or 'off'");
	parse_fails("account a\nfrom_full_name \"a\rb\"\n",
	    "test.rc:2: from_full_name: a control character is not allowed");
}

static void
test_rewrite_domain(void **state)
{
	static const char *const bad[] = {
		"-a.example", "a-.example", "a..example", ".example",
		"example.", "a_b.example", "a b", "@example.org",
		"[127.0.0.1]",
	};
	char	text[512];
	size_t	i;

	(void)state;
	parse_ok("account a\nhost h\nrewrite_domain Mail-1.Example.org\n"
	    "account b : a\n"
	    "account c : a\nrewrite_domain\n"
	    "account d\nhost h\nrewrite_domain 4chan.example\n");
	assert_string_equal(raw("a")->rewrite_domain, "Mail-1.Example.org");
	assert_string_equal(raw("b")->rewrite_domain, "Mail-1.Example.org");
	assert_null(raw("c")->rewrite_domain);
	assert_string_equal(raw("d")->rewrite_domain, "4chan.example");
	for (i = 0; i < POSTIE_NELEM(bad); i++) {
		snprintf(text, sizeof(text), "account a\nrewrite_domain %s\n",
		    bad[i]);
		snprintf(text + 256, 256, "test.rc:2: rewrite_domain: '%s' is "
		    "not a domain name", bad[i]);
		parse_fails(text, text + 256);
	}
	/* 64 octets is one label too long. */
	parse_fails_with("account a\nrewrite_domain "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example\n", "is not a domain name", NULL);
	parse_ok("account a\nhost h\nrewrite_domain "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example\n");
}

/* ---- the envelope ---- */

static void
test_envelope_keys(void **state)
{
	const struct account *a;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	parse_ok("account a\nhost h\naliases ~/.aliases\n"
	    "allow_from_override off\ndsn_notify failure,delay\n"
	    "dsn_return headers\n"
	    "account b\nhost h\naliases /etc/aliases\ndsn_notify never\n"
	    "dsn_return full\nallow_from_override\n"
	    "account c : a\naliases\ndsn_notify off\ndsn_return off\n"
	    "account d : a\ndsn_notify success\ndsn_notify\n");
	a = account("a");
	assert_string_equal(a->aliases, "/home/tester/.aliases");
	assert_int_equal(a->allow_from_override, 0);
	assert_string_equal(a->dsn_notify, "FAILURE,DELAY");
	assert_string_equal(a->dsn_return, "HDRS");
	a = account("b");
	assert_string_equal(a->aliases, "/etc/aliases");
	assert_int_equal(a->allow_from_override, 1);
	assert_string_equal(a->dsn_notify, "NEVER");
	assert_string_equal(a->dsn_return, "FULL");
	a = account("c");
	assert_null(a->aliases);
	assert_int_equal(a->allow_from_override, 0);
	assert_null(a->dsn_notify);
	assert_null(a->dsn_return);
	assert_null(account("d")->dsn_notify);
	assert_string_equal(account("d")->dsn_return, "HDRS");
}

static void
test_envelope_key_errors(void **state)
{
	(void)state;
	parse_fails("account a\nallow_from_override never\n",
	    "test.rc:2: allow_from_override: 'never' is not 'on' or 'off'");
	parse_fails("account a\ndsn_notify never,failure\n",
	    "test.rc:2: dsn_notify: 'never,failure' is not 'off', 'never' "
	    "or a list of: failure delay success");
	parse_fails("account a\ndsn_notify failure,\n",
	    "test.rc:2: dsn_notify: 'failure,' is not 'off', 'never' "
	    "or a list of: failure delay success");
	parse_fails("account a\ndsn_return hdrs\n",
	    "test.rc:2: dsn_return: 'hdrs' is not one of: off headers full");
}

/* ---- the TLS session cache ---- */

static void
test_session_cache_key(void **state)
{
	(void)state;
	setenv("HOME", "/home/tester", 1);
	parse_ok("defaults\ntls_session_cache off\n"
	    "account a\nhost h\n"
	    "account b\nhost h\ntls_session_cache on\n"
	    "account c\nhost h\ntls_session_cache ~/tls\n"
	    "account d : c\n"
	    "account e : c\ntls_session_cache\n");
	assert_string_equal(account("a")->tls_session_cache, "off");
	assert_null(account("b")->tls_session_cache);
	assert_string_equal(account("c")->tls_session_cache,
	    "/home/tester/tls");
	assert_string_equal(account("d")->tls_session_cache,
	    "/home/tester/tls");
	assert_null(account("e")->tls_session_cache);
	parse_fails("account a\ntls_session_cache tls\n",
	    "test.rc:2: tls_session_cache: 'tls' is not an absolute path "
	    "(or ~/...)");
}

/* ---- the queue ---- */

static void
test_queue_keys(void **state)
{
	const struct account *a;

	(void)state;
	setenv("HOME", "/home/tester", 1);
	parse_ok("account a\nhost h\nqueue always\nqueue_dir ~/spool\n"
	    "queue_lifetime 2d\nqueue_bounce off\n"
	    "account b\nhost h\nqueue off\nqueue_dir /var/spool/postie\n"
	    "queue_lifetime 90\n"
	    "account c\nhost h\nqueue auto\nqueue_lifetime 12h\n"
	    "account d\nhost h\nqueue_lifetime 30m\nqueue_bounce\n"
	    "account e\nhost h\nqueue_lifetime 45s\nqueue_dir ~\n"
	    "account f : a\nqueue_lifetime\nqueue_dir\n"
	    "account g\nhost h\nqueue_lifetime 365d\n");
	a = account("a");
	assert_int_equal(a->queue, QUEUE_ALWAYS);
	assert_string_equal(a->queue_dir, "/home/tester/spool");
	assert_int_equal(a->queue_lifetime, 2 * 86400);
	assert_int_equal(a->queue_bounce, 0);
	a = account("b");
	assert_int_equal(a->queue, QUEUE_OFF);
	assert_string_equal(a->queue_dir, "/var/spool/postie");
	assert_int_equal(a->queue_lifetime, 90);
	assert_int_equal(a->queue_bounce, 1);
	assert_int_equal(account("c")->queue, QUEUE_AUTO);
	assert_int_equal(account("c")->queue_lifetime, 12 * 3600);
	assert_int_equal(account("d")->queue_lifetime, 30 * 60);
	assert_int_equal(account("d")->queue_bounce, 1);
	assert_int_equal(account("e")->queue_lifetime, 45);
	assert_string_equal(account("e")->queue_dir, "/home/tester");
	a = account("f");
	assert_int_equal(a->queue, QUEUE_ALWAYS);
	assert_null(a->queue_dir);
	assert_int_equal(a->queue_lifetime, CONFIG_DEFAULT_LIFETIME);
	assert_int_equal(a->queue_bounce, 0);
	assert_int_equal(account("g")->queue_lifetime, 365L * 86400);
}

/* chunking (postie's own): on unless off, inherited, a bad value named. */
static void
test_chunking_key(void **state)
{
	(void)state;
	parse_ok("defaults\nchunking off\n"
	    "account a\nhost h\n"
	    "account b\nhost h\nchunking on\n"
	    "account c : b\n");
	assert_int_equal(account("a")->chunking, 0);
	assert_int_equal(account("b")->chunking, 1);
	assert_int_equal(account("c")->chunking, 1);
	parse_ok("account a\nhost h\n");
	assert_int_equal(account("a")->chunking, 1);
	parse_fails("account a\nchunking maybe\n",
	    "test.rc:2: chunking: 'maybe' is not 'on' or 'off'");
}

static void
test_queue_key_errors(void **state)
{
	static const char *const lifetimes[] = {
		"0", "-1", "1w", "d", "5 d", "1.5d", "366d", "8761h",
		"31536001", "99999999999999999999999999999999999999d",
	};
	char	text[256], want[256];
	size_t	i;

	(void)state;
	parse_fails("account a\nqueue sometimes\n",
	    "test.rc:2: queue: 'sometimes' is not one of: auto always off");
	parse_fails("account a\nqueue_bounce maybe\n",
	    "test.rc:2: queue_bounce: 'maybe' is not 'on' or 'off'");
	parse_fails("account a\nqueue_dir spool\n",
	    "test.rc:2: queue_dir: 'spool' is not an absolute path (or ~/...)");
	parse_fails("account a\nqueue_dir ~other/spool\n",
	    "test.rc:2: queue_dir: '~other/spool' is not an absolute path "
	    "(or ~/...)");
	for (i = 0; i < POSTIE_NELEM(lifetimes); i++) {
		snprintf(text, sizeof(text), "account a\nqueue_lifetime %s\n",
		    lifetimes[i]);
		snprintf(want, sizeof(want), "test.rc:2: queue_lifetime: '%s' "
		    "is not a time from 1 second to 365 days (a number of "
		    "seconds, or a number followed by s, m, h or d)",
		    lifetimes[i]);
		parse_fails(text, want);
	}
}

/* ---- defaults and inheritance of the new keys ---- */

static void
test_new_defaults(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account a\nhost h\n");
	a = raw("a");
	assert_int_equal(a->queue_lifetime, 0);
	a = account("a");
	assert_null(a->from_full_name);
	assert_int_equal(a->from_is_pattern, 0);
	assert_int_equal(a->set_from_header, HEADER_AUTO);
	assert_int_equal(a->set_date_header, HEADER_AUTO);
	assert_int_equal(a->set_msgid_header, HEADER_AUTO);
	assert_int_equal(a->undisclosed_recipients, 0);
	assert_int_equal(a->remove_bcc_headers, 1);
	assert_null(a->rewrite_domain);
	assert_null(a->aliases);
	assert_int_equal(a->allow_from_override, 1);
	assert_null(a->dsn_notify);
	assert_null(a->dsn_return);
	assert_int_equal(a->queue, QUEUE_AUTO);
	assert_null(a->queue_dir);
	assert_int_equal(a->queue_lifetime, CONFIG_DEFAULT_LIFETIME);
	assert_int_equal(a->queue_bounce, 1);
}

/* Every new key, set in the defaults or in a parent, reaches the child. */
static const char new_keys[] =
    "from_full_name Name\n"
    "set_from_header on\n"
    "set_date_header off\n"
    "set_msgid_header off\n"
    "undisclosed_recipients on\n"
    "remove_bcc_headers off\n"
    "rewrite_domain example.org\n"
    "aliases /etc/aliases\n"
    "allow_from_override off\n"
    "dsn_notify failure\n"
    "dsn_return full\n"
    "queue always\n"
    "queue_dir /var/spool/q\n"
    "queue_lifetime 1h\n"
    "queue_bounce off\n";

static void
check_new_keys(const struct account *a)
{
	assert_string_equal(a->from_full_name, "Name");
	assert_int_equal(a->set_from_header, HEADER_ON);
	assert_int_equal(a->set_date_header, HEADER_OFF);
	assert_int_equal(a->set_msgid_header, HEADER_OFF);
	assert_int_equal(a->undisclosed_recipients, 1);
	assert_int_equal(a->remove_bcc_headers, 0);
	assert_string_equal(a->rewrite_domain, "example.org");
	assert_string_equal(a->aliases, "/etc/aliases");
	assert_int_equal(a->allow_from_override, 0);
	assert_string_equal(a->dsn_notify, "FAILURE");
	assert_string_equal(a->dsn_return, "FULL");
	assert_int_equal(a->queue, QUEUE_ALWAYS);
	assert_string_equal(a->queue_dir, "/var/spool/q");
	assert_int_equal(a->queue_lifetime, 3600);
	assert_int_equal(a->queue_bounce, 0);
}

static void
test_new_inheritance(void **state)
{
	char	text[2048];

	(void)state;
	snprintf(text, sizeof(text), "defaults\n%saccount a\nhost h\n",
	    new_keys);
	parse_ok(text);
	check_new_keys(account("a"));
	config_free(&cfg);

	/* From a parent, over other defaults... */
	snprintf(text, sizeof(text), "account p\nhost h\n%s"
	    "defaults\nqueue off\nqueue_lifetime 5\nremove_bcc_headers on\n"
	    "account c : p\n"
	    "account d\nhost h\n", new_keys);
	parse_ok(text);
	check_new_keys(account("c"));
	/* ...which an account that did not inherit still gets. */
	assert_int_equal(account("d")->queue, QUEUE_OFF);
	assert_int_equal(account("d")->queue_lifetime, 5);
	assert_int_equal(account("d")->remove_bcc_headers, 1);
	assert_int_equal(account("d")->queue_bounce, 1);
	assert_null(account("d")->aliases);
	config_free(&cfg);

	/* A parent that set nothing leaves the defaults be. */
	snprintf(text, sizeof(text), "defaults\n%saccount p\nhost h\n"
	    "account c : p\n", new_keys);
	parse_ok(text);
	check_new_keys(account("c"));
}

/* ---- msmtp's placeholders in from and domain ---- */

static void
test_substitution(void **state)
{
	char		 host[256], want[1024], *user;
	struct passwd	*pw;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	setenv("USER", "tester", 1);
	/* The password database comes first; USER when it has no name. */
	pw = getpwuid(getuid());
	user = pw != NULL && pw->pw_name[0] != '\0' ? pw->pw_name : "tester";

	parse_ok("defaults\nfrom %U@%H\n"
	    "account a\nhost h\n"
	    "account b\nhost h\nfrom 100%%-%U%x@%H.example%\ndomain %H\n"
	    "account c\nhost h\nfrom %C\ndomain %M\n");
	snprintf(want, sizeof(want), "%s@%s", user, host);
	assert_string_equal(raw("a")->from, want);
	snprintf(want, sizeof(want), "100%%-%s%%x@%s.example%%", user, host);
	assert_string_equal(raw("b")->from, want);
	assert_string_equal(raw("b")->domain, host);
	/* The resolver and /etc/mailname are the machine's; only their
	 * shape is checked. */
	assert_non_null(raw("c")->from);
	assert_null(strchr(raw("c")->from, '%'));
	assert_non_null(raw("c")->domain);
	assert_null(strchr(raw("c")->domain, '%'));
	if (access("/etc/mailname", F_OK) == -1)
		assert_string_equal(raw("c")->domain, raw("c")->from);
	/* Nothing else is substituted. */
	config_free(&cfg);
	parse_ok("account a\nhost %H\nuser %U\n");
	assert_string_equal(raw("a")->host, "%H");
	assert_string_equal(raw("a")->user, "%U");
}

/* ---- choosing by a pattern ---- */

static void
test_choose_pattern(void **state)
{
	const struct account *a;

	(void)state;
	parse_ok("account exact\nhost h\nfrom boss@Example.org\n"
	    "account any\nhost h\nfrom *@example.org\n"
	    "account sub\nhost h\nfrom *@*.example.org\n"
	    "account one\nhost h\nfrom ?@example.net\n"
	    "account set\nhost h\nfrom [a-c]*@EXAMPLE.COM\n"
	    "account default\nhost h\nfrom postmaster@example.com\n");
	assert_int_equal(raw("exact")->from_is_pattern, 0);
	assert_int_equal(raw("any")->from_is_pattern, 1);
	assert_int_equal(raw("one")->from_is_pattern, 1);
	assert_int_equal(raw("set")->from_is_pattern, 1);
	assert_int_equal(raw("default")->from_is_pattern, 0);
	/* The first that matches, in file order. */
	a = config_account(&cfg, NULL, "BOSS@example.org", &fl);
	assert_string_equal(a->name, "exact");
	a = config_account(&cfg, NULL, "Jane@Example.ORG", &fl);
	assert_string_equal(a->name, "any");
	a = config_account(&cfg, NULL, "jane@lists.example.org", &fl);
	assert_string_equal(a->name, "sub");
	a = config_account(&cfg, NULL, "x@example.net", &fl);
	assert_string_equal(a->name, "one");
	a = config_account(&cfg, NULL, "xy@example.net", &fl);
	assert_string_equal(a->name, "default");
	a = config_account(&cfg, NULL, "Bob@example.com", &fl);
	assert_string_equal(a->name, "set");
	a = config_account(&cfg, NULL, "dave@example.com", &fl);
	assert_string_equal(a->name, "default");
	/* -a still wins. */
	a = config_account(&cfg, "default", "jane@example.org", &fl);
	assert_string_equal(a->name, "default");
	config_free(&cfg);

	/* Inherited from the defaults, a pattern is a pattern too. */
	parse_ok("defaults\nfrom *@example.org\naccount a\nhost h\n"
	    "account b\nhost h\nfrom b@example.org\n");
	assert_int_equal(raw("a")->from_is_pattern, 1);
	assert_int_equal(raw("b")->from_is_pattern, 0);
	a = config_account(&cfg, NULL, "b@example.org", &fl);
	assert_string_equal(a->name, "a");
}

/* ---- files ---- */

static void
test_perm_password(void **state)
{
	char	*path = tmppath("rc"), want[1024];

	(void)state;
	write_file(path, "account a\nhost h\nuser u\npassword s3cret\n", 0644);
	assert_int_equal(load(path), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	snprintf(want, sizeof(want), "%s: contains a password but others can "
	    "read it (chmod 600 %s)", path, path);
	assert_string_equal(fl.text, want);
	assert_null(strstr(fl.text, "s3cret"));

	write_file(path, "account a\nhost h\npassword s3cret\n", 0640);
	assert_int_equal(load(path), -1);
	assert_string_equal(fl.text, want);

	/* A password in the defaults counts as well. */
	write_file(path, "defaults\npassword s3cret\naccount a\nhost h\n",
	    0604);
	assert_int_equal(load(path), -1);
	assert_string_equal(fl.text, want);

	write_file(path, "account a\nhost h\npassword s3cret\n", 0600);
	assert_int_equal(load(path), 0);
	assert_string_equal(cfg.path, path);
	assert_string_equal(raw("a")->password, "s3cret");
	config_free(&cfg);

	write_file(path, "account a\nhost h\npasswordeval pass x\n", 0644);
	assert_int_equal(load(path), 0);
	config_free(&cfg);
	/* An empty password is no secret. */
	write_file(path, "account a\nhost h\npassword\n", 0644);
	assert_int_equal(load(path), 0);
}

static void
test_perm_writable(void **state)
{
	char		*path = tmppath("rc"), want[1024];
	struct stat	 st;

	(void)state;
	write_file(path, "account a\nhost h\n", 0646);
	assert_int_equal(load(path), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	snprintf(want, sizeof(want), "%s: others can change it (chmod go-w %s)",
	    path, path);
	assert_string_equal(fl.text, want);
	/* The user's own group may write (umask 002 with private groups). */
	write_file(path, "account a\nhost h\n", 0664);
	assert_int_equal(stat(path, &st), 0);
	if (st.st_gid == getegid())
		assert_int_equal(load(path), 0);
}

static void
test_load_errors(void **state)
{
	char	*path, want[1024], *big;
	size_t	 n = 1024 * 1024 + 1;

	(void)state;
	path = tmppath("missing");
	assert_int_equal(load(path), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	snprintf(want, sizeof(want), "cannot read %s: %s", path,
	    strerror(ENOENT));
	assert_string_equal(fl.text, want);
	assert_null(cfg.path);

	assert_int_equal(load(tmpdir), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	assert_string_equal(fl.text, want);

	path = tmppath("big");
	assert_non_null(big = malloc(n + 1));
	memset(big, '#', n);
	big[n] = '\0';
	write_file(path, big, 0600);
	free(big);
	assert_int_equal(load(path), -1);
	assert_non_null(strstr(fl.text, "larger than 1024 KiB"));

	/* Errors inside the file carry its name and the line. */
	path = tmppath("bad");
	write_file(path, "account a\nhots h\n", 0600);
	assert_int_equal(load(path), -1);
	snprintf(want, sizeof(want), "%s:2: unknown key 'hots' (did you mean "
	    "'host'?)", path);
	assert_string_equal(fl.text, want);
}

static void
test_load_symlink(void **state)
{
	char	target[256], link[256];

	(void)state;
	snprintf(target, sizeof(target), "%s", tmppath("dotfile"));
	snprintf(link, sizeof(link), "%s", tmppath("link"));
	write_file(target, "account a\nhost h\npassword p\n", 0600);
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(load(link), 0);
	assert_string_equal(cfg.path, link);
	assert_string_equal(raw("a")->password, "p");
}

static void
mkdirs(const char *rel)
{
	char	path[256], *s;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (s = path + strlen(tmpdir) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	mkdir(path, 0700);
}

static void
test_search(void **state)
{
	char		 home[128], want[256];
	struct stat	 st;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", tmpdir);
	mkdirs("home");
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");

	snprintf(want, sizeof(want), "%s/postie.conf", POSTIE_SYSCONFDIR);
	if (stat(want, &st) == -1) {
		assert_int_equal(load(NULL), -1);
		assert_int_equal(fl.kind, FAIL_CONFIG);
		assert_non_null(strstr(fl.text, "no configuration file"));
		assert_non_null(strstr(fl.text, want));
		assert_non_null(strstr(fl.text, "/home/.msmtprc"));
	}

	write_file(tmppath("home/.msmtprc"), "account m\nhost h\n", 0600);
	assert_int_equal(load(NULL), 0);
	assert_string_equal(cfg.path, tmppath("home/.msmtprc"));
	config_free(&cfg);

	mkdirs("home/.config/msmtp");
	write_file(tmppath("home/.config/msmtp/config"), "account x\nhost h\n",
	    0600);
	assert_int_equal(load(NULL), 0);
	assert_string_equal(cfg.path, tmppath("home/.config/msmtp/config"));
	config_free(&cfg);

	mkdirs("home/.config/postie");
	write_file(tmppath("home/.config/postie/config"), "account p\nhost h\n",
	    0600);
	assert_int_equal(load(NULL), 0);
	assert_string_equal(cfg.path, tmppath("home/.config/postie/config"));
	config_free(&cfg);

	/* XDG_CONFIG_HOME when absolute; ignored when relative. */
	mkdirs("xdg/postie");
	write_file(tmppath("xdg/postie/config"), "account y\nhost h\n", 0600);
	snprintf(want, sizeof(want), "%s/xdg", tmpdir);
	setenv("XDG_CONFIG_HOME", want, 1);
	assert_int_equal(load(NULL), 0);
	assert_string_equal(cfg.path, tmppath("xdg/postie/config"));
	config_free(&cfg);
	setenv("XDG_CONFIG_HOME", "xdg", 1);
	assert_int_equal(load(NULL), 0);
	assert_string_equal(cfg.path, tmppath("home/.config/postie/config"));
	config_free(&cfg);
	unsetenv("XDG_CONFIG_HOME");

	/* A file that is there but broken stops the search. */
	write_file(tmppath("home/.config/postie/config"), "hots h\n", 0600);
	assert_int_equal(load(NULL), -1);
	assert_non_null(strstr(fl.text, "unknown key 'hots'"));
}

static void
test_search_logs_msmtp(void **state)
{
	char	home[128], *out;
	int	r;

	(void)state;
	snprintf(home, sizeof(home), "%s/home2", tmpdir);
	mkdirs("home2");
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	write_file(tmppath("home2/.msmtprc"), "account m\nhost h\n", 0600);
	out = with_verbose(load, NULL, &r);
	assert_int_equal(r, 0);
	if (strstr(out, "reading msmtp's configuration ") == NULL ||
	    strstr(out, tmppath("home2/.msmtprc")) == NULL)
		fail_msg("log was: %s", out);
}

static void
test_free_twice(void **state)
{
	(void)state;
	parse_ok("account a\nhost h\npassword p\n");
	config_free(&cfg);
	config_free(&cfg);
	assert_int_equal(cfg.naccounts, 0);
}

/*
 * A tls_priorities keyword that weakens verification is refused at load
 * (exit 78), named, in any case and anywhere in the string; others are
 * taken.
 */
static void
test_priorities_weakening(void **state)
{
	static const char *const weak[] = {
		"%VERIFY_ALLOW_BROKEN", "%VERIFY_ALLOW_SIGN_WITH_SHA1",
		"%VERIFY_ALLOW_SIGN_RSA_MD5", "%VERIFY_ALLOW_X509_V1_CA_CRT",
		"%VERIFY_DISABLE_CRL_CHECKS", "%NO_SESSION_HASH",
		"%NO_EXTENSIONS", "%UNSAFE_RENEGOTIATION",
		"%DISABLE_SAFE_RENEGOTIATION", "%PARTIAL_RENEGOTIATION",
	};
	char	text[256], want[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		snprintf(text, sizeof(text), "account a\nhost h\n"
		    "tls_priorities NORMAL:%s:-VERS-TLS1.2\n", weak[i]);
		snprintf(want, sizeof(want), "test.rc:3: tls_priorities: %s "
		    "weakens", weak[i]);
		parse_fails_with(text, want, "refused");
		assert_int_equal(exitcode_of(fl.kind), EX_CONFIG);
	}
	parse_fails_with("account a\nhost h\n"
	    "tls_priorities %verify_allow_broken:NORMAL\n",
	    "test.rc:3: tls_priorities: %verify_allow_broken weakens", NULL);
	parse_fails_with("defaults\ntls_priorities SECURE256:%NO_SESSION_HASH\n"
	    "account a\nhost h\n", "test.rc:2: tls_priorities: %NO_SESSION_HASH",
	    NULL);
	parse_ok("account a\nhost h\ntls_priorities NORMAL:%NO_TICKETS\n");
	assert_string_equal(raw("a")->tls_priorities, "NORMAL:%NO_TICKETS");
	parse_ok("account a\nhost h\ntls_priorities SECURE256:%PROFILE_HIGH\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_minimal, teardown),
		cmocka_unit_test_teardown(test_comments_blanks_crlf, teardown),
		cmocka_unit_test_teardown(test_quoting, teardown),
		cmocka_unit_test_teardown(test_quote_errors, teardown),
		cmocka_unit_test_teardown(test_blank_in_address, teardown),
		cmocka_unit_test_teardown(test_quote_prefix_literal, teardown),
		cmocka_unit_test_teardown(test_long_line, teardown),
		cmocka_unit_test_teardown(test_empty_values_unset, teardown),
		cmocka_unit_test_teardown(test_nul_byte, teardown),
		cmocka_unit_test_teardown(test_empty_file, teardown),
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_parents, teardown),
		cmocka_unit_test_teardown(test_parent_chain, teardown),
		cmocka_unit_test_teardown(test_account_default_alias, teardown),
		cmocka_unit_test_teardown(test_choose, teardown),
		cmocka_unit_test_teardown(test_no_default, teardown),
		cmocka_unit_test_teardown(test_no_host, teardown),
		cmocka_unit_test_teardown(test_default_ports, teardown),
		cmocka_unit_test_teardown(test_tls_off, teardown),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test_teardown(test_auth, teardown),
		cmocka_unit_test_teardown(test_timeout, teardown),
		cmocka_unit_test_teardown(test_trust_file, teardown),
		cmocka_unit_test_teardown(test_fingerprint, teardown),
		cmocka_unit_test_teardown(test_pin, teardown),
		cmocka_unit_test_teardown(test_unknown_key, teardown),
		cmocka_unit_test_teardown(test_bad_port, teardown),
		cmocka_unit_test_teardown(test_bad_onoff, teardown),
		cmocka_unit_test_teardown(test_key_before_account, teardown),
		cmocka_unit_test_teardown(test_account_errors, teardown),
		cmocka_unit_test_teardown(test_certcheck, teardown),
		cmocka_unit_test_teardown(test_guards, teardown),
		cmocka_unit_test_teardown(test_noted_values_checked, teardown),
		cmocka_unit_test_teardown(test_noted_logged_once, teardown),
		cmocka_unit_test_teardown(test_syslog_values, teardown),
		cmocka_unit_test_teardown(test_real_world, teardown),
		cmocka_unit_test_teardown(test_header_keys, teardown),
		cmocka_unit_test_teardown(test_old_header_keys, teardown),
		cmocka_unit_test_teardown(test_header_key_errors, teardown),
		cmocka_unit_test_teardown(test_rewrite_domain, teardown),
		cmocka_unit_test_teardown(test_envelope_keys, teardown),
		cmocka_unit_test_teardown(test_envelope_key_errors, teardown),
		cmocka_unit_test_teardown(test_session_cache_key, teardown),
		cmocka_unit_test_teardown(test_queue_keys, teardown),
		cmocka_unit_test_teardown(test_chunking_key, teardown),
		cmocka_unit_test_teardown(test_queue_key_errors, teardown),
		cmocka_unit_test_teardown(test_new_defaults, teardown),
		cmocka_unit_test_teardown(test_new_inheritance, teardown),
		cmocka_unit_test_teardown(test_substitution, teardown),
		cmocka_unit_test_teardown(test_choose_pattern, teardown),
		cmocka_unit_test_teardown(test_perm_password, teardown),
		cmocka_unit_test_teardown(test_perm_writable, teardown),
		cmocka_unit_test_teardown(test_load_errors, teardown),
		cmocka_unit_test_teardown(test_load_symlink, teardown),
		cmocka_unit_test_teardown(test_search, teardown),
		cmocka_unit_test_teardown(test_search_logs_msmtp, teardown),
		cmocka_unit_test_teardown(test_free_twice, teardown),
		cmocka_unit_test_teardown(test_priorities_weakening, teardown),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
