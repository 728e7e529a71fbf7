/*
 * maildrop: how a user who cannot read the machine's account hands a
 * message to the system queue, with no set-id program in between.
 *
 * The user writes one file into SYSUSER_MAILDROP (sysuser.h), a
 * directory anyone may write to but nobody may list: a request (a queue
 * envelope, queue.h, that may lack "from" and names its user), an empty
 * line, and the message, already read through the message pass (line
 * endings normalised, the lone dot honoured, limits checked). The name
 * is 32 random hex digits, so nobody can find another user's file; the
 * directory's set-group-id bit makes the file's group postie's, mode
 * 0640, so the pickup reads it and nobody else does.
 *
 * The pickup (pickup.h), as the postie user, trusts nothing in the
 * directory: each file is opened without following links and without
 * blocking, must be a regular file with one link and at most
 * MAILDROP_SIZE_MAX octets, and belongs to whoever owns it, whatever its
 * request says.
 */
#ifndef POSTIE_MAILDROP_H
#define POSTIE_MAILDROP_H

#include <sys/types.h>

#include "exitcode.h"
#include "queue.h"
#include "submit.h"

#define MAILDROP_SIZE_MAX	(64L * 1024 * 1024)	/* the message */
#define MAILDROP_REQUEST_MAX	(1024L * 1024)		/* its request */
#define MAILDROP_NAME_LEN	32

/* 1 when the system maildrop exists here (the machine is set up). */
int	maildrop_exists(void);

/*
 * Writes the message read from r->in_fd with r's command line into the
 * maildrop, durably (the file, then its name: see maildrop.c), and
 * returns 0: from then on the message is the system's. The user is
 * this process's. r->account, r->from, r->full_name, r->rcpts and the
 * DSN parameters are recorded; -t's recipients are read here and
 * recorded beside the others.
 *
 * Errors: FAIL_DATA (the message is unusable: a NUL byte, a long line,
 * no recipient, over MAILDROP_SIZE_MAX), FAIL_TEMPFAIL (disk full),
 * FAIL_CANTCREAT (the maildrop cannot be written: not set up),
 * FAIL_CONFIG (the maildrop is set up wrong), FAIL_IO, FAIL_OS.
 */
int	maildrop_submit(const struct submit_request *r, struct failure *f);

/*
 * mailq for a user who drops into the maildrop: the messages this user
 * dropped (their names are kept in the user's state directory), waiting
 * in the maildrop or in the system queue, with their state. Returns an
 * exit status.
 */
int	maildrop_list(void);

/*
 * For the system's mailq (root and postie): lists on stdout each file
 * waiting in the maildrop that the pickup would take, as qrun_list()
 * lists the queue, and returns how many.
 */
size_t	maildrop_list_waiting(void);

/* One file the pickup took: its request, its owner, the message. */
struct maildrop_file {
	char			 name[MAILDROP_NAME_LEN + 1];
	uid_t			 uid;		/* the file's owner */
	char			 user[256];	/* the owner's login name */
	struct queue_envelope	 req;		/* what the user asked */
	int			 fd;		/* at the message's first octet */
	off_t			 size;		/* the message's octets */
};

/*
 * What the pickup's callback says of a file: sent on (it is removed),
 * to be tried again at the next pickup (kept), or refused (moved to
 * the quarantine, with one log line naming the reason).
 */
enum maildrop_verdict {
	MAILDROP_TAKEN,
	MAILDROP_KEEP,
	MAILDROP_REFUSE,
};

/*
 * Takes every file of the maildrop in turn (the postie user only): each
 * valid one is given to take(), which must queue it durably before it
 * answers MAILDROP_TAKEN; each invalid one (a link, a FIFO, a file with
 * another link, too large, owned by nobody known, a request that cannot
 * be parsed or that names another user) is quarantined with one log
 * line and never given to take(). What a submission left in incoming/
 * when it did not finish is removed a day later. Returns the number of files taken,
 * or -1 when the maildrop cannot be read (f says why).
 */
int	maildrop_pickup(enum maildrop_verdict (*take)(void *arg,
	    const struct maildrop_file *m, struct failure *why), void *arg,
	    struct failure *f);

#endif
