/*
 * queue: the durable spool. A message is a pair of files in the queue
 * directory, the message itself and its envelope, each made visible by
 * one atomic rename after fsync, the directory fsynced after; or, for a
 * submission (queue_lazy()), without the fsyncs, which queue_sync()
 * pays for whatever is still queued when the caller is about to promise
 * it. A per-message flock lets any number of submissions and queue runs
 * work at once without sending a message twice. Backoff, listing,
 * failed/, damaged/ (what a power loss left incomplete). Never prints,
 * never exits, never talks to the network.
 */
#ifndef POSTIE_QUEUE_H
#define POSTIE_QUEUE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "envelope.h"
#include "exitcode.h"

#define QUEUE_ID_MAX	32	/* an id and its NUL */
#define QUEUE_WHY_MAX	256	/* why a message is damaged */

/* A message locked by this process (new or taken from the queue). */
struct queue_entry;

struct queue {
	char			*dir;		/* the directory */
	int			 dirfd;		/* open on dir */
	int			 statusfd;	/* DIR/status, else -1 */
	int			 lazy;		/* queue_lazy() */
	struct queue_entry	*owed;		/* for queue_sync() */
	unsigned		 removed;	/* dirs queue_close() syncs */
};

/* What the envelope file holds. Strings are malloc'd, NULL when unset. */
struct queue_envelope {
	char		 id[QUEUE_ID_MAX];
	char		*config;	/* -C file given at submission, or NULL */
	char		*account;	/* the account's name */
	char		*user;		/* who dropped it in the maildrop */
	char		*full_name;	/* -F, in a maildrop request only */
	char		*drop;		/* the maildrop file it came from */
	struct envelope	 env;		/* size: of the message file */
	int		 extract_rcpts;	/* -t, in a maildrop request only */
	time_t		 created;
	unsigned	 attempts;
	time_t		 next_attempt;	/* 0: due now */
	char		*last_error;	/* one line, already escaped */
	int		 failed;	/* set when read from failed/ */
};

/*
 * The status copy of the message that came from maildrop file name
 * drop, read from the status directory dir: 1 with *env filled, 0 when
 * there is none (delivered or removed), -1 on error (FAIL_DATA for a
 * copy that cannot be parsed, FAIL_IO). env->failed tells where it is.
 */
int	queue_status_read(const char *dir, const char *drop,
	    struct queue_envelope *env, struct failure *f);

/*
 * The default queue directory: LOCALSTATEDIR/spool/postie, the system
 * queue, for the postie user (and for root where there is none: see
 * sysuser_is_system()), otherwise $XDG_STATE_HOME/postie/queue, else ~/.local/state/postie/queue
 * (home from $HOME, else the password database). Errors: FAIL_CONFIG (no
 * home directory), FAIL_SOFTWARE (buffer too small).
 */
int	queue_default_dir(char *buf, size_t len, struct failure *f);

/*
 * The queue directory an account names (its queue_dir key), or the
 * default one when dir is NULL. Errors: queue_default_dir()'s,
 * FAIL_CONFIG (too long).
 */
int	queue_dir_named(const char *dir, char *buf, size_t len,
	    struct failure *f);

/*
 * The path of leaf in an ordinary user's postie state directory, beside
 * the default queue ($XDG_STATE_HOME/postie or ~/.local/state/postie),
 * which is created (0700) when missing. Errors: queue_default_dir()'s,
 * FAIL_CANTCREAT.
 */
int	queue_user_file(const char *leaf, char *buf, size_t len,
	    struct failure *f);

/*
 * Opens the queue at dir, creating it and its subdirectories (mode
 * 0700, parents as needed) when missing. When dir has a status/
 * directory (the system spool: sysuser.h), every change to a message
 * that came from the maildrop is copied to status/DROP, mode 0644, for
 * the user who dropped it: the directory is unlistable and DROP is the
 * maildrop file's random name, which only that user knows. A directory that others can
 * write to or that belongs to another user is refused. Errors:
 * FAIL_CANTCREAT, FAIL_CONFIG (wrong owner or mode), FAIL_OS.
 */
int	queue_open(struct queue *q, const char *dir, struct failure *f);
void	queue_close(struct queue *q);

/*
 * Starts a new message: a fresh id, its message file created in tmp/
 * (O_CREAT|O_EXCL, 0600) and locked. Write the message to
 * queue_entry_fd(), then queue_commit() or queue_abort().
 * Errors: FAIL_CANTCREAT, FAIL_TEMPFAIL (disk full, quota), FAIL_OS.
 */
int	queue_create(struct queue *q, struct queue_entry **out,
	    struct failure *f);

/*
 * Makes the new message durable: fsync of the message, the envelope
 * written to tmp/ and fsynced, both renamed into place (message first),
 * the directory fsynced. env->id, size, created are filled in from the
 * entry. When this returns 0 the message is accepted: it survives a crash
 * and a queue run will deliver it. The entry stays locked. In a lazy
 * queue (queue_lazy()) the same without any fsync: the message is
 * listed, and survives a crash of the process, but not yet a power loss.
 * Errors: FAIL_TEMPFAIL (disk full, quota, file size limit: "the queue
 * DIR is full: ..."), FAIL_IO; the tmp files are then removed, and the
 * entry is still to be freed with queue_abort().
 */
int	queue_commit(struct queue *q, struct queue_entry *e,
	    struct queue_envelope *env, struct failure *f);

/*
 * Removes an uncommitted entry's files and frees it; a committed one is
 * only released (it is accepted mail). NULL is allowed.
 */
void	queue_abort(struct queue *q, struct queue_entry *e);

/*
 * Lists the envelopes of the queue (failed == 0) or of failed/
 * (failed == 1), oldest first. Files without a readable envelope are
 * skipped (a message whose envelope is not yet renamed is not accepted).
 * *envs is an array of *n entries; free with queue_envelopes_free().
 * Errors: FAIL_IO, FAIL_OS.
 */
int	queue_list(struct queue *q, int failed, struct queue_envelope **envs,
	    size_t *n, struct failure *f);
void	queue_envelopes_free(struct queue_envelope *envs, size_t n);

/*
 * Takes message id for delivery: opens and flocks it without waiting,
 * then reads its envelope again (it may have changed or gone while
 * waiting). Returns 1 with *out set, 0 when another process holds it or
 * it is gone, -1 on error (FAIL_IO, FAIL_OS, FAIL_USAGE for an id that
 * is not [0-9A-Za-z], FAIL_DATA for an envelope that cannot be read or a
 * message whose size is not the envelope's: the message is then moved to
 * damaged/, never sent, and the text says so for the log).
 */
int	queue_take(struct queue *q, const char *id, struct queue_entry **out,
	    struct failure *f);

/* The entry's message file, for writing (new) or reading (taken). */
int	queue_entry_fd(const struct queue_entry *e);
const char *queue_entry_id(const struct queue_entry *e);
/* The envelope of a taken or committed entry; NULL before commit. */
const struct queue_envelope *queue_entry_envelope(const struct queue_entry *e);

/*
 * For a submission, which promises nothing before its exit status:
 * from now on queue_commit() and every change to what it committed skip
 * their fsyncs. A message done with (delivered) then never needs one;
 * one still in queue/ or failed/ stays locked, owed, until
 * queue_sync() makes its files and directories durable, or
 * queue_close() drops it unpaid.
 */
void	queue_lazy(struct queue *q);

/*
 * Pays what the lazy queue q owes: fsync of each owed message and its
 * envelope, then of the directories they were renamed in and out of;
 * the entries are then unlocked. Returns 0 (also when nothing was
 * owed), or -1 (FAIL_IO, FAIL_TEMPFAIL for a full disk), after which
 * nothing is owed any more either: the caller must not promise them.
 */
int	queue_sync(struct queue *q, struct failure *f);

/*
 * The outcomes; each ends the entry (unlocks, closes, frees) whether it
 * succeeds or not; an entry owed its fsync (queue_lazy()) stays locked
 * for queue_sync() instead, unless queue_done() removed it.
 *   queue_done:  delivered (or no recipient is pending any more); the
 *                envelope is removed, then the message.
 *   queue_defer: attempts + 1, next attempt after queue_backoff(),
 *                last_error = error; the envelope rewritten atomically.
 *                *next_attempt (may be NULL) receives the time chosen.
 *   queue_fail:  both files moved to failed/, last_error = error.
 *   queue_release: unlocked, nothing changed.
 * Errors: FAIL_IO.
 */
int	queue_done(struct queue *q, struct queue_entry *e, struct failure *f);
int	queue_defer(struct queue *q, struct queue_entry *e, const char *error,
	    time_t now, time_t *next_attempt, struct failure *f);
int	queue_fail(struct queue *q, struct queue_entry *e, const char *error,
	    struct failure *f);
void	queue_release(struct queue_entry *e);

/*
 * By id, for --queue-remove and --queue-retry: waits for the lock
 * (bounded), then removes the message (queued, failed or damaged) or
 * makes it due now (a failed message goes back into the queue; a
 * damaged one cannot be retried). Errors: FAIL_USAGE
 * (no such message, or an id that is not [0-9A-Za-z]), FAIL_TEMPFAIL
 * (locked for too long), FAIL_IO.
 */
int	queue_remove(struct queue *q, const char *id, struct failure *f);
int	queue_retry(struct queue *q, const char *id, struct failure *f);

/*
 * Called by queue_clean() for each message it moved to damaged/; text is
 * the line to log ("damaged (WHY); moved to DIR/damaged/ (...)").
 */
typedef void	queue_damaged_fn(const char *id, const char *text,
		    void *arg);

/*
 * Removes what a crash left: tmp/ files and message files without an
 * envelope older than an hour (never locked ones); pairs the files of a
 * move that stopped half way. What a power loss left incomplete (an
 * envelope without its message, an envelope that cannot be read, a
 * message whose size is not its envelope's) goes to damaged/, and fn
 * (may be NULL) is told. Locked messages are left alone. Best effort.
 */
void	queue_clean(struct queue *q, time_t now, queue_damaged_fn *fn,
	    void *arg);

/* A message in damaged/, and why, found again from what is left. */
struct queue_damage {
	char	id[QUEUE_ID_MAX];
	char	why[QUEUE_WHY_MAX];
};

/*
 * Lists damaged/, by id (so by age). *v is an array of *n entries, to
 * free(). Errors: FAIL_IO, FAIL_OS.
 */
int	queue_list_damaged(struct queue *q, struct queue_damage **v,
	    size_t *n, struct failure *f);

/*
 * Seconds to wait after attempt number attempts (1, 2, ...): doubling
 * from about a minute to at most an hour, with up to 20% jitter.
 */
time_t	queue_backoff(unsigned attempts);

void	queue_envelope_free(struct queue_envelope *env);

/*
 * The taken entry's own envelope, to record each recipient's outcome
 * before queue_save(), queue_defer(), queue_fail() or queue_done().
 */
struct queue_envelope *queue_entry_envelope_rw(struct queue_entry *e);

/*
 * Rewrites the taken entry's envelope where it is, durably (file and
 * directory fsynced), attempts and next attempt unchanged: after one
 * transaction of several, so that a crash before the next sends nobody
 * the message twice. The entry stays taken. Errors: FAIL_IO,
 * FAIL_TEMPFAIL (full).
 */
int	queue_save(struct queue *q, struct queue_entry *e, struct failure *f);

/*
 * The envelope file's text (its format is at the top of queue.c), for
 * the fuzz target and the unit tests; queue_list() and queue_take() read
 * envelopes with the first, every change writes them with the second.
 *
 * queue_envelope_parse: reads len bytes of text, which it changes in
 * place and which need not end with a NUL, into env, cleared first (id
 * is left empty). name is the file, for messages. On failure env holds
 * nothing to free. Errors: FAIL_DATA ("NAME:LINE: ..."), FAIL_OS.
 *
 * queue_envelope_format: appends env's text to b. Returns 0, or -1
 * (ENOMEM).
 */
int	queue_envelope_parse(char *text, size_t len, const char *name,
	    struct queue_envelope *env, struct failure *f);
int	queue_envelope_format(const struct queue_envelope *env, struct buf *b);

/*
 * As queue_envelope_parse(), for the request at the head of a maildrop
 * file (maildrop.h), where "from" is missing when no -f was given and
 * the recipients may all come from the headers (-t).
 */
int	queue_envelope_parse_request(char *text, size_t len, const char *name,
	    struct queue_envelope *env, struct failure *f);

#endif
