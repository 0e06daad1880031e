/* service/base/ticker.c: the periodic thread wakes on time, its mutex is the
 * caller's, and stopping wakes it at once however long its period. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "base/ticker.h"

struct counter {
	struct ticker t;
	long long period_ms;
	int ticks;  /* under t.mu */
	int exited; /* the loop ended (under t.mu) */
};

static void *count_main(void *arg)
{
	struct counter *c = arg;
	pthread_mutex_lock(&c->t.mu);
	while (ticker_wait(&c->t, c->period_ms))
		c->ticks++;
	c->exited = 1;
	pthread_mutex_unlock(&c->t.mu);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ticks_of(struct counter *c)
{
	pthread_mutex_lock(&c->t.mu);
	int n = c->ticks;
	pthread_mutex_unlock(&c->t.mu);
	return n;
}

static void test_ticks_and_stops(void **state)
{
	(void)state;
	struct counter c;
	memset(&c, 0, sizeof c);
	c.period_ms = 10;
	assert_int_equal(ticker_start(&c.t, count_main, &c), 0);
	double t0 = now_s();
	while (ticks_of(&c) < 5 && now_s() - t0 < 10)
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	assert_true(ticks_of(&c) >= 5);
	ticker_stop(&c.t);
	assert_int_equal(c.exited, 1);
	assert_int_equal(c.t.started, 0);
}

static void test_stop_wakes_a_long_wait(void **state)
{
	(void)state;
	struct counter c;
	memset(&c, 0, sizeof c);
	c.period_ms = 3600 * 1000; /* an hour */
	assert_int_equal(ticker_start(&c.t, count_main, &c), 0);
	nanosleep(&(struct timespec){0, 50000000}, NULL); /* it is waiting now */
	double t0 = now_s();
	ticker_stop(&c.t);
	double took = now_s() - t0;
	assert_int_equal(c.exited, 1);
	assert_int_equal(c.ticks, 0);
	if (took > 1.0)
		fail_msg("stopping took %.2f s: the wait was not woken", took);
}

static void test_never_started(void **state)
{
	(void)state;
	struct ticker t;
	memset(&t, 0, sizeof t);
	ticker_stop(&t); /* a zeroed ticker: nothing to do */
	ticker_init(&t); /* initialised for its mutex only */
	pthread_mutex_lock(&t.mu);
	pthread_mutex_unlock(&t.mu);
	ticker_stop(&t);
	assert_int_equal(t.ready, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ticks_and_stops),
	        cmocka_unit_test(test_stop_wakes_a_long_wait),
	        cmocka_unit_test(test_never_started),
	};
	return cmocka_run_group_tests_name("unit_ticker", tests, NULL, NULL);
}
