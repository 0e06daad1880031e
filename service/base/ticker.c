#include "ticker.h"

#include <time.h>

void ticker_init(struct ticker *t)
{
	if (t->ready)
		return;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->wake, NULL);
	t->ready = 1;
}

int ticker_start(struct ticker *t, void *(*main)(void *), void *arg)
{
	ticker_init(t);
	t->stopping = 0;
	t->started = pthread_create(&t->thread, NULL, main, arg) == 0;
	return t->started ? 0 : -1;
}

int ticker_wait(struct ticker *t, long long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	/* a wake-up that is not the stop (spurious) goes back to waiting */
	while (!t->stopping && pthread_cond_timedwait(&t->wake, &t->mu, &until) == 0) {
	}
	return !t->stopping;
}

void ticker_stop(struct ticker *t)
{
	if (!t->ready)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->mu);
		t->stopping = 1;
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
		t->started = 0;
	}
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->mu);
	t->ready = 0;
}
