/*
 * A background thread that wakes up every so often until it is stopped —
 * the upload sweep, the webhook worker, the request body watchdog. Stopping
 * wakes it at once, whatever it was waiting for.
 *
 *   struct ticker t;  ticker_start(&t, main, arg);
 *   main: pthread_mutex_lock(&t->mu);
 *         while (ticker_wait(t, ms)) { ...work, with or without mu... }
 *         pthread_mutex_unlock(&t->mu);
 *   ticker_stop(&t);
 *
 * mu is the caller's too: what the thread shares with others may live under
 * it. A zeroed ticker that was never started stops as a no-op.
 */
#ifndef INSPECTD_TICKER_H
#define INSPECTD_TICKER_H

#include <pthread.h>

struct ticker {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t thread;
	int ready;    /* mu and wake initialised */
	int started;  /* the thread runs */
	int stopping; /* under mu */
};

/* Initialises mu and wake (so the caller may use mu before the thread
 * starts). Idempotent. */
void ticker_init(struct ticker *t);
/* ticker_init, then the thread main(arg). 0, or -1 when it cannot start. */
int ticker_start(struct ticker *t, void *(*main)(void *), void *arg);
/* In the thread, with mu held: waits up to ms (stopping wakes it) and
 * returns 1 to go on, 0 once stopping. mu is held again on return. */
int ticker_wait(struct ticker *t, long long ms);
/* Sets stopping, wakes the thread, joins it, and releases mu and wake. */
void ticker_stop(struct ticker *t);

#endif
