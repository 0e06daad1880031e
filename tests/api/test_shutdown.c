/*
 * Graceful shutdown: a SIGTERM that arrives while a slow request is in
 * flight lets it complete, answers new requests 503 shutting_down meanwhile,
 * and exits 0 (with no sanitizer or leak report). SIGINT behaves the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "harness.h"

struct slow_call {
	struct server_proc *srv;
	struct http_resp resp;
};

static void *slow_request(void *arg)
{
	struct slow_call *c = arg;
	http_get(c->srv, "/api/v1/_test/sleep?ms=1500", &c->resp);
	return NULL;
}

static void drain_on(int sig)
{
	struct server_proc srv;
	server_start(&srv, NULL);
	struct slow_call call = {.srv = &srv};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, slow_request, &call), 0);
	sleep_ms(300); /* the slow request is now inside its handler */
	assert_int_equal(kill(srv.pid, sig), 0);
	sleep_ms(200);

	/* A request arriving during the drain is refused cleanly. */
	struct http_resp r;
	http_get(&srv, "/healthz", &r);
	if (r.status != 0) { /* 0: the listener is already gone, also acceptable */
		assert_problem(&r, 503, "shutting_down");
		char v[16];
		assert_true(http_header(&r, "Retry-After", v, sizeof v));
	}
	http_resp_release(&r);

	pthread_join(t, NULL);
	assert_int_equal(call.resp.status, 200);
	json_t *j = http_json(&call.resp);
	assert_int_equal(json_integer_value(json_object_get(j, "slept_ms")), 1500);
	json_decref(j);
	http_resp_release(&call.resp);

	assert_int_equal(server_stop(&srv), 0);
	server_cleanup(&srv);
}

static void test_sigterm_lets_in_flight_request_finish(void **state)
{
	(void)state;
	drain_on(SIGTERM);
}

static void test_sigint_lets_in_flight_request_finish(void **state)
{
	(void)state;
	drain_on(SIGINT);
}

static void test_idle_sigterm_exits_zero(void **state)
{
	(void)state;
	struct server_proc srv;
	server_start(&srv, NULL);
	struct http_resp r;
	http_get(&srv, "/healthz", &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
	assert_int_equal(server_stop(&srv), 0);
	server_cleanup(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sigterm_lets_in_flight_request_finish),
	        cmocka_unit_test(test_sigint_lets_in_flight_request_finish),
	        cmocka_unit_test(test_idle_sigterm_exits_zero),
	};
	return cmocka_run_group_tests_name("api_shutdown", tests, NULL, NULL);
}
