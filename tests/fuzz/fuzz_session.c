/*
 * fuzz_session: the client protocol engine (smtp_open, smtp_send,
 * smtp_rset, smtp_close) over a real conn against a server whose every
 * byte comes from the input: the greeting, EHLO capabilities, STARTTLS,
 * AUTH challenges (libsasl2's mechanisms and the built-in OAuth2 ones),
 * envelope, DATA and BDAT replies. After the first byte (options below) the
 * input is the server's replies, one chunk per turn, chunks separated by
 * FUZZ_SEP (see peer in fuzz.h).
 *
 * Properties: a failure is classified (never FAIL_NONE or
 * FAIL_SOFTWARE) and its text never holds the password or the AUTH
 * PLAIN response (unless the server sent them first); with STARTTLS required, nothing but EHLO, STARTTLS
 * and QUIT is ever sent (TLS never comes up against this peer).
 */
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "conn.h"
#include "fuzz.h"
#include "smtp.h"

#define O_STARTTLS	0x01
#define O_AUTH		0x02
#define O_MECH		0x0c	/* strongest, PLAIN, LOGIN, OAuth2; without
				   O_AUTH, any of them: BDAT (chunking) */
#define O_DSN		0x10
#define O_UTF8		0x20	/* 8-bit, SIZE, a non-ASCII recipient */
#define O_AGAIN		0x40	/* RSET and a second message */
#define O_TWO		0x80	/* two recipients */

#define USER		"alice"
#define PASSWORD	"wonderland-secret"
/* base64 of "\0alice\0wonderland-secret", and of the password alone */
#define PLAIN_B64	"AGFsaWNlAHdvbmRlcmxhbmQtc2VjcmV0"
#define PASSWORD_B64	"d29uZGVybGFuZC1zZWNyZXQ"

#define MESSAGE	"From: alice@example.test\r\nSubject: fuzz\r\n\r\nhello\r\n" \
	".dot\r\n"

/*
 * Secrets the server itself sent may be quoted back; no others. Failure
 * texts are escaped (exitcode.c), so is the input they are looked for
 * in: an escape such as "M-d" could complete a secret otherwise.
 */
static char	*input_vis;

static int
leaked(const char *text, const char *secret)
{
	return strstr(text, secret) != NULL && strstr(input_vis, secret) ==
	    NULL;
}

static void
check_failure(const struct failure *f)
{
	FUZZ_CHECK(f->kind != FAIL_NONE && f->kind != FAIL_SOFTWARE);
	FUZZ_CHECK(!leaked(f->text, PASSWORD));
	FUZZ_CHECK(!leaked(f->text, PLAIN_B64));
	FUZZ_CHECK(!leaked(f->text, PASSWORD_B64));
}

/*
 * With STARTTLS required and TLS never up: only these commands, and
 * right after STARTTLS a TLS handshake record (RFC 8446 5.1: content
 * type 22), which is the start of TLS, not text in the clear.
 */
static void
check_cleartext(const struct buf *sent)
{
	static const char *const allowed[] = { "EHLO ", "STARTTLS", "QUIT" };
	const char	*p = sent->data, *end, *lf;
	size_t		 i, last = 0;

	if (sent->len == 0)
		return;
	for (end = p + sent->len; p < end; ) {
		if (last == 1 && *p == 0x16)
			return;
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (strncmp(p, allowed[i], strlen(allowed[i])) == 0)
				break;
		FUZZ_CHECK(i < sizeof(allowed) / sizeof(allowed[0]));
		last = i;
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = lf + 1;
	}
}

static void
params(int flags, struct smtp_params *p, struct tls_params *tp)
{
	static const char *const mechs[] = { NULL, "PLAIN", "LOGIN", NULL };

	memset(p, 0, sizeof(*p));
	memset(tp, 0, sizeof(*tp));
	tp->verify_name = tp->sni_name = "mx.example.test";
	tp->timeout_ms = 1000;
	p->helo_name = "client.example.test";
	p->starttls = (flags & O_STARTTLS) != 0;
	p->tls = tp;
	p->auth = (flags & O_AUTH) != 0;
	p->chunking = !p->auth && (flags & O_MECH) != 0;
	p->sasl.host = "mx.example.test";
	p->sasl.user = USER;
	p->sasl.password = PASSWORD;
	p->sasl.mech = mechs[(flags & O_MECH) >> 2];
	if ((flags & O_MECH) == O_MECH)
		p->sasl.mech = flags & O_DSN ? "OAUTHBEARER" : "XOAUTH2";
	p->sasl.loopback = 1;
}

static void
envelope(int flags, struct addrlist *rcpts, struct envelope *env)
{
	struct failure	f;

	memset(env, 0, sizeof(*env));
	FUZZ_CHECK(addrlist_add(rcpts, flags & O_UTF8 ?
	    "b\xc3\xb6" "b@b\xc3\xbc" "cher.example" : "bob@example.test",
	    &f) == 0);
	if (flags & O_TWO)
		FUZZ_CHECK(addrlist_add(rcpts, "carol@example.test", &f) == 0);
	env->from = flags & O_AGAIN ? "" : "alice@example.test";
	env->rcpts = *rcpts;
	if (flags & O_UTF8) {
		env->eight_bit = 1;
		env->size = (off_t)sizeof(MESSAGE) - 1;
	}
	if (flags & O_DSN) {
		env->dsn_notify = "success,failure";
		env->dsn_ret = "hdrs";
		env->dsn_envid = "id+=1 x";
	}
}

static void
dialogue(struct conn *c, int flags)
{
	struct smtp_params	 p;
	struct tls_params	 tp;
	struct envelope	 env;
	struct smtp_rcpt_result	 res[2];
	struct addrlist		 rcpts = ADDRLIST_INIT;
	struct smtp_session	*s;
	struct failure		 f;
	int			 fd;

	params(flags, &p, &tp);
	if (smtp_open(c, &p, &s, &f) == -1) {
		check_failure(&f);
		return;
	}
	envelope(flags, &rcpts, &env);
	fd = fuzz_file(0, MESSAGE, sizeof(MESSAGE) - 1);
	if (smtp_send(s, &env, fd, res, &f) == -1)
		check_failure(&f);
	if ((flags & O_AGAIN) && smtp_alive(s)) {
		if (smtp_rset(s, &f) == -1)
			check_failure(&f);
		else {
			fd = fuzz_file(0, MESSAGE, sizeof(MESSAGE) - 1);
			if (smtp_send(s, &env, fd, res, &f) == -1)
				check_failure(&f);
		}
	}
	smtp_close(s);
	addrlist_free(&rcpts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct peer_chunk	 chunks[64];
	struct conn		*c;
	size_t			 nch = 0;
	int			 flags;

	if (n == 0)
		return 0;
	if ((input_vis = malloc(4 * n + 1)) == NULL)
		return 0;
	(void)strnvisx(input_vis, 4 * n + 1, (const char *)data, n,
	    VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_NOSLASH);
	flags = data[0];
	data++, n--;
	while (nch < sizeof(chunks) / sizeof(chunks[0]) &&
	    fuzz_next_part(&data, &n, (const uint8_t **)&chunks[nch].data,
	    &chunks[nch].len))
		nch++;
	peer_connect(chunks, nch, &c);
	dialogue(c, flags);
	if (flags & O_STARTTLS)
		check_cleartext(peer_received());
	peer_close();
	conn_close(c);
	free(input_vis);
	return 0;
}
