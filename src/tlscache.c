/*
 * tlscache: the TLS session cache (see tlscache.h).
 *
 * A session file holds the resumption secret of one server: whoever can
 * read it can resume as us (RFC 8446 section 8 and appendix E.1), and
 * whoever can write it can steer which session we offer. Hence a 0700
 * directory, 0600 files of our own, and the refusal of anything else.
 * Even a planted session would only be offered to the server the file
 * name was hashed from, and a resumed session is verified again (tls.c).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "build.h"
#include "log.h"
#include "fileio.h"
#include "sysuser.h"
#include "tlscache.h"

/*
 * The first line of every session file: format, version, and when the
 * full handshake verified the certificate (seconds since the epoch, 20
 * digits), so that the line has a fixed length.
 */
#define TLSCACHE_MAGIC	"postie-tls-session 1 "
#define TLSCACHE_MAGIC_LEN (sizeof(TLSCACHE_MAGIC) - 1)
#define TLSCACHE_TIME_LEN 20
#define TLSCACHE_HEAD_LEN (TLSCACHE_MAGIC_LEN + TLSCACHE_TIME_LEN + 1)
#define TLSCACHE_DIGEST	32	/* SHA-256 */

static int	default_dir(char *, size_t, struct failure *);
static int	key_text(const struct tlscache_key *, char *, size_t);
static int	key_part(char *, size_t, size_t *, const char *, const char *);
static int	dir_safe(const char *, int);
static int	dir_make(const char *);
static int	file_safe(int, const char *);
static int	read_all(int, unsigned char *, size_t);
static int	head_parse(const unsigned char *, time_t *);
static int	parent_of(const char *, char *, size_t);

int
tlscache_path(const char *dir, const struct tlscache_key *k, char *path,
    size_t len, struct failure *f)
{
	unsigned char	 digest[TLSCACHE_DIGEST];
	char		 text[2048], base[1024], hex[2 * TLSCACHE_DIGEST + 1];
	size_t		 i;
	int		 n;

	if (dir == NULL) {
		if (default_dir(base, sizeof(base), f) == -1)
			return -1;
		dir = base;
	}
	if (key_text(k, text, sizeof(text)) == -1)
		return fail(f, FAIL_SOFTWARE, "TLS session key too long");
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text),
	    digest) < 0)
		return fail(f, FAIL_SOFTWARE, "cannot hash the TLS session key");
	for (i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	n = snprintf(path, len, "%s/%s", dir, hex);
	if (n < 0 || (size_t)n >= len)
		return fail(f, FAIL_SOFTWARE, "TLS session cache name too "
		    "long: %s", dir);
	return 0;
}

/* As queue_default_dir(): the system's is system-wide, a user's private. */
static int
default_dir(char *buf, size_t len, struct failure *f)
{
	return sysuser_state_dir("/lib/postie/tls", "/tls",
	    "TLS session cache", buf, len, f);
}

/*
 * Each part as "name=LENGTH:value\n": lengths make the text unambiguous
 * whatever the values hold ("a" + "b:c" never equals "a:b" + "c").
 */
static int
key_text(const struct tlscache_key *k, char *out, size_t len)
{
	char	port[16];
	size_t	at = 0;

	snprintf(port, sizeof(port), "%d", k->port);
	out[0] = '\0';
	if (key_part(out, len, &at, "account", k->account) == -1 ||
	    key_part(out, len, &at, "host", k->host) == -1 ||
	    key_part(out, len, &at, "port", port) == -1 ||
	    key_part(out, len, &at, "verify", k->verify_name) == -1 ||
	    key_part(out, len, &at, "sni", k->sni_name) == -1 ||
	    key_part(out, len, &at, "trust", k->trust_file) == -1 ||
	    key_part(out, len, &at, "fingerprint", k->fingerprint) == -1 ||
	    key_part(out, len, &at, "priorities", k->priorities) == -1 ||
	    key_part(out, len, &at, "cert", k->cert_file) == -1 ||
	    key_part(out, len, &at, "key", k->key_file) == -1)
		return -1;
	return 0;
}

static int
key_part(char *out, size_t len, size_t *at, const char *name,
    const char *value)
{
	int	n;

	if (value == NULL)
		n = snprintf(out + *at, len - *at, "%s=-\n", name);
	else
		n = snprintf(out + *at, len - *at, "%s=%zu:%s\n", name,
		    strlen(value), value);
	if (n < 0 || (size_t)n >= len - *at)
		return -1;
	*at += (size_t)n;
	return 0;
}

int
tlscache_load(const char *path, unsigned char **data, size_t *len,
    time_t *verified)
{
	return tlscache_load_max(path, data, len, verified, TLSCACHE_MAX_AGE);
}

int
tlscache_load_max(const char *path, unsigned char **data, size_t *len,
    time_t *verified, time_t max_age)
{
	char		 dir[1024];
	struct stat	 st;
	unsigned char	*buf;
	int		 fd;

	*data = NULL;
	*len = 0;
	if (parent_of(path, dir, sizeof(dir)) == -1 || dir_safe(dir, 0) == -1)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno != ENOENT)
			log_info("TLS session cache %s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (file_safe(fd, path) == -1 || fstat(fd, &st) == -1 ||
	    (buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return -1;
	}
	if (read_all(fd, buf, (size_t)st.st_size) == -1 ||
	    head_parse(buf, verified) == -1) {
		log_info("TLS session cache %s: malformed; removed", path);
		freezero(buf, (size_t)st.st_size);
		close(fd);
		tlscache_remove(path);
		return -1;
	}
	close(fd);
	if (*verified > time(NULL) ||
	    (max_age > 0 && time(NULL) - *verified > max_age)) {
		log_info("TLS session cache %s: verified over a day ago; "
		    "removed", path);
		freezero(buf, (size_t)st.st_size);
		tlscache_remove(path);
		return -1;
	}
	*len = (size_t)st.st_size - TLSCACHE_HEAD_LEN;
	memmove(buf, buf + TLSCACHE_HEAD_LEN, *len);
	*data = buf;
	return 0;
}

static int
head_parse(const unsigned char *buf, time_t *verified)
{
	char		 digits[TLSCACHE_TIME_LEN + 1];
	const char	*err;
	size_t		 i;

	if (memcmp(buf, TLSCACHE_MAGIC, TLSCACHE_MAGIC_LEN) != 0 ||
	    buf[TLSCACHE_HEAD_LEN - 1] != '\n')
		return -1;
	memcpy(digits, buf + TLSCACHE_MAGIC_LEN, TLSCACHE_TIME_LEN);
	digits[TLSCACHE_TIME_LEN] = '\0';
	for (i = 0; i < TLSCACHE_TIME_LEN; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
	*verified = (time_t)strtonum(digits, 0, LLONG_MAX, &err);
	return err == NULL ? 0 : -1;
}

/*
 * A file of ours, 0600, of a plausible size. Another user's file is
 * left alone; one of ours that others can read may have leaked its
 * secret, so it goes.
 */
static int
file_safe(int fd, const char *path)
{
	struct stat	st;
	const char	*why = NULL;

	if (fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != geteuid()) {
		log_info("TLS session cache %s: belongs to another user; "
		    "ignored", path);
		return -1;
	} else if ((st.st_mode & 077) != 0)
		why = "readable or writable by others";
	else if (st.st_size <= (off_t)TLSCACHE_HEAD_LEN ||
	    st.st_size > TLSCACHE_MAX)
		why = "implausible size";
	if (why == NULL)
		return 0;
	log_info("TLS session cache %s: %s; removed", path, why);
	tlscache_remove(path);
	return -1;
}

static int
read_all(int fd, unsigned char *buf, size_t len)
{
	size_t	done = 0;
	ssize_t	r;

	while (done < len) {
		r = read(fd, buf + done, len - done);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

int
tlscache_store(const char *path, const unsigned char *data, size_t len,
    time_t verified)
{
	char	dir[1024], tmp[1100], head[TLSCACHE_HEAD_LEN + 1];
	int	fd, n, rc = -1;

	n = snprintf(head, sizeof(head), "%s%0*lld\n", TLSCACHE_MAGIC,
	    TLSCACHE_TIME_LEN, (long long)verified);
	if (n != (int)TLSCACHE_HEAD_LEN || verified < 0 ||
	    len == 0 || len > TLSCACHE_MAX - TLSCACHE_HEAD_LEN ||
	    parent_of(path, dir, sizeof(dir)) == -1 ||
	    dir_make(dir) == -1 || dir_safe(dir, 1) == -1)
		return -1;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_info("TLS session cache %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fileio_write_all(fd, head, TLSCACHE_HEAD_LEN) == 0 &&
	    fileio_write_all(fd, data, len) == 0 && close(fd) == 0) {
		fd = -1;
		if (rename(tmp, path) == 0)
			rc = 0;
	}
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		log_info("TLS session cache %s: %s", path, strerror(errno));
		(void)unlink(tmp);
	}
	return rc;
}

/* The directory must be ours and closed to others, or it is not used. */
static int
dir_safe(const char *dir, int noisy_missing)
{
	struct stat	st;

	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT || noisy_missing)
			log_info("TLS session cache %s: %s", dir,
			    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		log_info("TLS session cache %s: not a directory of ours "
		    "closed to others (mode 0700); not used", dir);
		return -1;
	}
	return 0;
}

/* mkdir -p; the directories made are 0700, existing ones are kept. */
static int
dir_make(const char *dir)
{
	char	parent[1024];

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || parent_of(dir, parent, sizeof(parent)) == -1 ||
	    strcmp(parent, dir) == 0 || dir_make(parent) == -1)
		return -1;
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	log_info("TLS session cache %s: %s", dir, strerror(errno));
	return -1;
}

static int
parent_of(const char *path, char *out, size_t len)
{
	const char	*slash;
	size_t		 n;

	if ((slash = strrchr(path, '/')) == NULL)
		return -1;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		return -1;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

void
tlscache_remove(const char *path)
{
	if (unlink(path) == -1 && errno != ENOENT)
		log_info("TLS session cache %s: cannot remove: %s", path,
		    strerror(errno));
}
