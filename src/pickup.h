/*
 * pickup: the system queue run's first step. As the postie user, every
 * message users dropped into the maildrop (maildrop.h) goes through the
 * same submission as any other (submit.h), with the machine's account
 * and the dropping user's name for %U, and joins the system queue with
 * a Received: field that names that user. The queue run then sends it.
 */
#ifndef POSTIE_PICKUP_H
#define POSTIE_PICKUP_H

#include "exitcode.h"

/*
 * Picks up the maildrop with the configuration file config_path (read
 * again for each message: %U is each sender's). Returns the number of
 * messages queued, or -1 when the maildrop cannot be read (f).
 */
int	pickup_run(const char *config_path, struct failure *f);

#endif
