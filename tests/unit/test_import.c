/*
 * Unit tests for import: the three formats told apart by name and by
 * content, what each key becomes, what is refused with a note, and the
 * printed configuration read back by config_parse() with the values
 * intact (a password with quotes and backslashes among them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "exitcode.h"
#include "import.h"

/* cmocka defines a fail() macro; ours is reached as (fail). */
#include <cmocka.h>

static struct import_result	res;
static struct failure		fl;

static int
run(const char *name, const char *text, int side, const char *side_text)
{
	struct import_input	in;

	memset(&in, 0, sizeof(in));
	in.name = name;
	in.main.text = text;
	in.main.len = strlen(text);
	if (side_text != NULL) {
		in.side[side].text = side_text;
		in.side[side].len = strlen(side_text);
	}
	import_free(&res);
	failure_clear(&fl);
	return import_parse(&in, &res, &fl);
}

static int
teardown(void **state)
{
	(void)state;
	import_free(&res);
	return 0;
}

/* What import_render() prints for res into out, read back into c: its
 * default account. */
static const struct account *
read_back(const char *name, struct buf *out, struct config *c)
{
	const struct account	*a;

	assert_int_equal(import_render(&res, name, out), 0);
	memset(c, 0, sizeof(*c));
	if (config_parse(c, "out", out->data, out->len, -1, &fl) != 0)
		fail_msg("%s\n%s", fl.text, out->data);
	a = config_account(c, NULL, NULL, &fl);
	assert_non_null(a);
	return a;
}

/* Each format by its file's name, and by its first key elsewhere. */
static void
test_detect(void **state)
{
	(void)state;
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example\n", 0, NULL),
	    0);
	assert_int_equal(res.format, IMPORT_SSMTP);
	assert_int_equal(run("/x/old.cf", "# c\n\nMailHub = m.example\n", 0,
	    NULL), 0);
	assert_int_equal(res.format, IMPORT_SSMTP);
	assert_int_equal(run("/x/remotes", "m.example\n", 0, NULL), 0);
	assert_int_equal(res.format, IMPORT_NULLMAILER);
	assert_int_equal(run("/x/r", "m.example smtp --ssl\n", 0, NULL), 0);
	assert_int_equal(res.format, IMPORT_NULLMAILER);
	assert_int_equal(run("/x/r", "m.example smtp --port=587\n", 0, NULL),
	    0);
	assert_int_equal(res.format, IMPORT_NULLMAILER);
	assert_int_equal(res.acct[0].port, 587);
	assert_int_equal(run("/x/d", "SMARTHOST m.example\r\nPORT 587\r\n", 0,
	    NULL), 0);
	assert_int_equal(res.format, IMPORT_DMA);
	assert_int_equal(res.acct[0].port, 587);
	assert_int_equal(run("/x/u", "hello world\n", 0, NULL), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_non_null(strstr(fl.text, "ssmtp:FILE"));
	assert_int_equal(run("/x/empty", "", 0, NULL), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
}

/* No server named: nothing to carry over (FAIL_CONFIG). */
static void
test_no_server(void **state)
{
	(void)state;
	assert_int_equal(run("/x/ssmtp.conf", "AuthUser=a\n", 0, NULL), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_non_null(strstr(fl.text, "mailhub"));
	assert_int_equal(run("/x/dma.conf", "PORT 25\n", 0, NULL), -1);
	assert_non_null(strstr(fl.text, "SMARTHOST"));
	assert_int_equal(run("/x/remotes", "q.example qmqp\n", 0, NULL), -1);
	assert_non_null(strstr(fl.text, "no SMTP remote"));
}

/* Plaintext to a remote host asks for STARTTLS; to loopback stays off. */
static void
test_tls_modes(void **state)
{
	(void)state;
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example\n", 0,
	    NULL), 0);
	assert_true(res.acct[0].tls);
	assert_true(res.acct[0].starttls);
	assert_int_equal(res.acct[0].port, 25);
	assert_non_null(strstr(res.acct[0].notes.data, "without TLS"));
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=localhost:2525\n", 0,
	    NULL), 0);
	assert_false(res.acct[0].tls);
	assert_int_equal(res.acct[0].port, 2525);
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example\n"
	    "UseTLS=yes\n", 0, NULL), 0);
	assert_false(res.acct[0].starttls);
	assert_int_equal(res.acct[0].port, 465);
	assert_int_equal(run("/x/remotes", "m.example --insecure --ssl\n", 0,
	    NULL), 0);
	assert_non_null(strstr(res.acct[0].notes.data,
	    "nullmailer did not check the server's certificate here"));
	assert_int_equal(run("/x/dma.conf", "SMARTHOST m.example\nINSECURE\n"
	    "OPPORTUNISTIC_TLS\nSECURETRANSFER\nSTARTTLS\n", 0, NULL), 0);
	assert_true(res.acct[0].starttls);
	assert_non_null(strstr(res.acct[0].notes.data, "INSECURE (log in "
	    "without TLS): refused"));
	assert_non_null(strstr(res.acct[0].notes.data, "never falls back"));
}

/*
 * ssmtp 2.66's VerifyPeer: yes is postie's own check (no pin suggested);
 * no, or VerifyPeerName no, is a skipped check postie refuses to skip,
 * with the pin suggested unless a CA file was named; an unknown key is
 * named as left out.
 */
static void
test_ssmtp_verifypeer(void **state)
{
	const char	*pin = "pin it with the tls_fingerprint line";
	const char	*skipped = "ssmtp did not check the server's certificate";

	(void)state;
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example:465\n"
	    "UseTLS=YES\nVerifyPeer=YES\nVerifyPeerName=yes\n", 0, NULL), 0);
	assert_null(res.acct[0].notes.data != NULL ?
	    strstr(res.acct[0].notes.data, pin) : NULL);
	assert_null(res.notes.data != NULL ?
	    strstr(res.notes.data, "VerifyPeer") : NULL);
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example:465\n"
	    "UseTLS=YES\nVerifyPeer=NO\n", 0, NULL), 0);
	assert_non_null(strstr(res.acct[0].notes.data, skipped));
	assert_non_null(strstr(res.acct[0].notes.data, pin));
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example:465\n"
	    "UseTLS=YES\nTLS_CA_File=/etc/ca.pem\nVerifyPeerName=no\n", 0,
	    NULL), 0);
	assert_non_null(strstr(res.acct[0].notes.data, skipped));
	assert_null(strstr(res.acct[0].notes.data, pin));
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example:465\n"
	    "UseTLS=YES\nVerifyPeerNames=no\n", 0, NULL), 0);
	assert_non_null(strstr(res.notes.data, "VerifyPeerNames: not a key"));
}

/*
 * nullmailer's client certificate: --x509keyfile is its key, whichever
 * comes first; --auth-external logs in with it (printed with no user,
 * and read back), --auth-login with LOGIN; --tls-anon-auth is a check
 * skipped, refused.
 */
static void
test_nullmailer_client_cert(void **state)
{
	struct buf		 out = BUF_INIT;
	struct config		 c;
	const struct account	*a;

	(void)state;
	assert_int_equal(run("/x/remotes", "m.example smtp --ssl "
	    "--x509certfile=/c.pem --x509keyfile=/k.pem --auth-external\n", 0,
	    NULL), 0);
	assert_string_equal(res.acct[0].cert_file, "/c.pem");
	assert_string_equal(res.acct[0].key_file, "/k.pem");
	assert_string_equal(res.acct[0].auth, "external");
	a = read_back("/x/remotes", &out, &c);
	assert_non_null(strstr(out.data, "\nauth external\n"));
	assert_string_equal(a->tls_key_file, "/k.pem");
	config_free(&c);
	buf_free(&out, 0);
	assert_int_equal(run("/x/remotes", "m.example smtp --ssl "
	    "--x509keyfile=/k.pem --x509certfile=/c.pem\n", 0, NULL), 0);
	assert_string_equal(res.acct[0].cert_file, "/c.pem");
	assert_string_equal(res.acct[0].key_file, "/k.pem");
	assert_null(res.acct[0].auth);
	assert_int_equal(run("/x/remotes", "m.example smtp --ssl --user=u "
	    "--pass=p --auth-login\n", 0, NULL), 0);
	assert_string_equal(res.acct[0].auth, "login");
	assert_int_equal(run("/x/remotes", "m.example smtp --ssl --insecure "
	    "--tls-anon-auth\n", 0, NULL), 0);
	assert_non_null(strstr(res.acct[0].notes.data,
	    "nullmailer did not check the server's certificate here"));
	assert_null(res.notes.data != NULL ?
	    strstr(res.notes.data, "tls-anon-auth") : NULL);
}

/* dma's FINGERPRINT becomes the pin; auth.conf's line for the host. */
static void
test_dma(void **state)
{
	(void)state;
	assert_int_equal(run("/x/dma.conf", "SMARTHOST m.example\n"
	    "SECURETRANSFER\nFINGERPRINT "
	    "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"
	    "MASQUERADE bob@example.test\n", SIDE_AUTH,
	    "x|other.example:no\nbob|M.EXAMPLE:pa:ss\n"), 0);
	assert_string_equal(res.acct[0].fingerprint, "00:11:22:33:44:55:66:"
	    "77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:"
	    "CC:DD:EE:FF");
	assert_string_equal(res.acct[0].user, "bob");
	assert_string_equal(res.acct[0].password, "pa:ss");
	assert_string_equal(res.acct[0].from, "bob@example.test");
	assert_null(strstr(res.acct[0].notes.data != NULL ?
	    res.acct[0].notes.data : "", "tls_fingerprint line"));
}

/* What is printed is read back with the same values. */
static void
test_render_reads_back(void **state)
{
	struct buf		 out = BUF_INIT;
	struct config		 c;
	const struct account	*a;

	(void)state;
	assert_int_equal(run("/x/ssmtp.conf", "mailhub=m.example:587\n"
	    "UseSTARTTLS=YES\nAuthUser=me@example.test\n"
	    "AuthPass= p\"w\\\\d #x \n", SIDE_REVALIASES,
	    "root:admin@example.test\nbad line\nroot:again@example.test\n"),
	    0);
	assert_int_equal(res.n, 2);
	assert_string_equal(res.acct[0].password, "p\"w\\\\d #x");
	a = read_back("/x/ssmtp.conf", &out, &c);
	assert_non_null(strstr(out.data, "holds a password"));
	assert_non_null(strstr(out.data, "\naccount root : default\n"));
	assert_string_equal(a->host, "m.example");
	assert_int_equal(a->port, 587);
	assert_string_equal(a->user, "me@example.test");
	assert_string_equal(a->password, "p\"w\\\\d #x");
	a = config_account(&c, "root", NULL, &fl);
	assert_non_null(a);
	assert_string_equal(a->from, "admin@example.test");
	assert_string_equal(a->password, "p\"w\\\\d #x");
	config_free(&c);
	buf_free(&out, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_detect, teardown),
		cmocka_unit_test_teardown(test_no_server, teardown),
		cmocka_unit_test_teardown(test_tls_modes, teardown),
		cmocka_unit_test_teardown(test_ssmtp_verifypeer, teardown),
		cmocka_unit_test_teardown(test_nullmailer_client_cert, teardown),
		cmocka_unit_test_teardown(test_dma, teardown),
		cmocka_unit_test_teardown(test_render_reads_back, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
