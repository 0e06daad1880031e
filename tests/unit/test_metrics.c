/*
 * Unit tests of the Prometheus metrics (service/http/metrics.h): exact
 * sample lines, bounded labels (unmatched / OTHER / other), cumulative
 * histogram buckets, the in-flight gauge and lock-free counting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct route routes[] = {
        {"GET", "/healthz", NULL, ROUTE_PUBLIC},
        {"GET", "/api/v1/inspections/{id}", NULL, 0},
        {"POST", "/api/v1/inspections", NULL, ROUTE_BODY_JSON},
};
enum { NROUTES = N(routes), UNMATCHED = N(routes) };

static const char *const le_values[] = {"0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                                        "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "+Inf"};

static char *render(struct metrics *m)
{
	struct buf b = BUF_INIT;
	metrics_render(m, &b);
	assert_non_null(b.data);
	assert_true(b.len > 0);
	assert_int_equal(b.data[b.len - 1], '\n');
	return buf_detach(&b, NULL);
}

/* 1 when text has line as one whole line. */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return 1;
	}
	return 0;
}

static void expect_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s\n--- output ---\n%s", line, text);
}

static void expect_no_substring(const char *text, const char *s)
{
	if (strstr(text, s))
		fail_msg("unexpected \"%s\" in:\n%s", s, text);
}

/* Sum of the values of sample lines starting with prefix. */
static unsigned long long sum_samples(const char *text, const char *prefix)
{
	unsigned long long sum = 0;
	size_t plen = strlen(prefix);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		if (strncmp(p, prefix, plen) == 0) {
			const char *sp = memchr(p, ' ', (size_t)(nl - p));
			assert_non_null(sp);
			sum += strtoull(sp + 1, NULL, 10);
		}
		p = nl + 1;
	}
	return sum;
}

/* Every histogram series: buckets in le order, cumulative (non-decreasing),
 * the last is +Inf and equals _count. Returns the number of series. */
static int check_histograms(const char *text)
{
	static const char count_prefix[] = "inspectd_http_request_duration_seconds_count{";
	int series = 0;
	for (const char *p = text; (p = strstr(p, count_prefix)) != NULL; p++) {
		const char *labels = p + sizeof count_prefix - 1; /* route="...",method="..."} N */
		const char *close = strstr(labels, "} ");
		assert_non_null(close);
		unsigned long long count = strtoull(close + 2, NULL, 10);
		unsigned long long prev = 0;
		for (size_t b = 0; b < N(le_values); b++) {
			char prefix[512];
			snprintf(prefix, sizeof prefix,
			         "\ninspectd_http_request_duration_seconds_bucket{%.*s,le=\"%s\"} ",
			         (int)(close - labels), labels, le_values[b]);
			const char *line = strstr(text, prefix);
			if (!line)
				fail_msg("missing bucket %s", prefix + 1);
			unsigned long long v = strtoull(line + strlen(prefix), NULL, 10);
			if (v < prev)
				fail_msg("bucket %s is %llu, below the previous %llu", prefix + 1, v, prev);
			prev = v;
		}
		if (prev != count)
			fail_msg("+Inf bucket %llu != _count %llu for {%.*s}", prev, count, (int)(close - labels),
			         labels);
		series++;
	}
	return series;
}

static void test_empty(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	assert_non_null(m);
	assert_int_equal(metrics_in_flight(m), 0);
	char *text = render(m);
	expect_line(text, "# TYPE inspectd_http_requests_total counter");
	expect_line(text, "# TYPE inspectd_http_request_duration_seconds histogram");
	expect_line(text, "# TYPE inspectd_http_requests_in_flight gauge");
	expect_line(text, "inspectd_http_requests_in_flight 0");
	/* No zero-valued series. */
	expect_no_substring(text, "inspectd_http_requests_total{");
	expect_no_substring(text, "inspectd_http_request_duration_seconds_bucket{");
	assert_int_equal(check_histograms(text), 0);
	free(text);
	metrics_free(m);
	metrics_free(NULL);
}

static void test_counts(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	metrics_observe(m, 0, "GET", 200, 100);
	metrics_observe(m, 0, "GET", 200, 120);
	metrics_observe(m, 0, "HEAD", 200, 10);
	metrics_observe(m, 1, "GET", 404, 300);
	metrics_observe(m, 1, "GET", 200, 300);
	metrics_observe(m, 2, "POST", 201, 3000);
	metrics_observe(m, 2, "POST", 422, 3000);
	metrics_observe(m, UNMATCHED, "GET", 404, 50);
	metrics_observe(m, UNMATCHED + 17, "DELETE", 405, 50); /* out of range: unmatched */
	metrics_observe(m, (size_t)-1, "GET", 404, 50);        /* likewise */
	metrics_observe(m, 0, "BREW", 200, 5);                 /* unknown method */
	metrics_observe(m, 0, "get", 200, 5);                  /* methods are case-sensitive */
	metrics_observe(m, 0, "GET", 418, 5);                  /* unknown status */
	metrics_observe(m, 0, "GET", 299, 5);
	metrics_observe(m, 0, "GET", 0, 5);
	metrics_observe(m, 0, "PATCH", 204, 5);
	metrics_observe(m, 0, "OPTIONS", 204, 5);

	char *text = render(m);
	expect_line(text, "inspectd_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2");
	expect_line(text, "inspectd_http_requests_total{route=\"/healthz\",method=\"HEAD\",status=\"200\"} 1");
	expect_line(text,
	            "inspectd_http_requests_total{route=\"/api/v1/inspections/{id}\",method=\"GET\",status=\"404\"} 1");
	expect_line(text,
	            "inspectd_http_requests_total{route=\"/api/v1/inspections/{id}\",method=\"GET\",status=\"200\"} 1");
	expect_line(text,
	            "inspectd_http_requests_total{route=\"/api/v1/inspections\",method=\"POST\",status=\"201\"} 1");
	expect_line(text,
	            "inspectd_http_requests_total{route=\"/api/v1/inspections\",method=\"POST\",status=\"422\"} 1");
	expect_line(text, "inspectd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 2");
	expect_line(text, "inspectd_http_requests_total{route=\"unmatched\",method=\"DELETE\",status=\"405\"} 1");
	expect_line(text, "inspectd_http_requests_total{route=\"/healthz\",method=\"OTHER\",status=\"200\"} 2");
	expect_line(text, "inspectd_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"other\"} 3");
	expect_line(text, "inspectd_http_requests_total{route=\"/healthz\",method=\"PATCH\",status=\"204\"} 1");
	expect_line(text, "inspectd_http_requests_total{route=\"/healthz\",method=\"OPTIONS\",status=\"204\"} 1");

	/* Client input never becomes a label. */
	expect_no_substring(text, "BREW");
	expect_no_substring(text, "method=\"get\"");
	expect_no_substring(text, "status=\"418\"");
	expect_no_substring(text, "status=\"0\"");
	/* Series without observations are absent. */
	expect_no_substring(text, "route=\"/api/v1/inspections\",method=\"GET\"");

	/* Every observation is counted once, in both families. */
	assert_int_equal(sum_samples(text, "inspectd_http_requests_total{"), 17);
	assert_int_equal(sum_samples(text, "inspectd_http_request_duration_seconds_count{"), 17);
	assert_int_equal(check_histograms(text), 9);
	free(text);
	metrics_free(m);
}

static void test_histogram_buckets(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	/* Bounds are inclusive (le): 250 µs lands in le="0.00025", 251 µs in the next. */
	metrics_observe(m, 2, "POST", 201, 250);
	metrics_observe(m, 2, "POST", 201, 251);
	metrics_observe(m, 2, "POST", 201, 1000000);
	metrics_observe(m, 2, "POST", 201, 20000000); /* beyond the last bound */
	metrics_observe(m, 2, "POST", 201, 0);
	char *text = render(m);
	static const unsigned long long expect[] = {2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5};
	assert_int_equal(N(expect), N(le_values));
	for (size_t b = 0; b < N(le_values); b++) {
		char line[256];
		snprintf(line, sizeof line,
		         "inspectd_http_request_duration_seconds_bucket{route=\"/api/v1/"
		         "inspections\",method=\"POST\",le=\"%s\"} "
		         "%llu",
		         le_values[b], expect[b]);
		expect_line(text, line);
	}
	expect_line(text,
	            "inspectd_http_request_duration_seconds_count{route=\"/api/v1/inspections\",method=\"POST\"} 5");
	expect_line(
	        text,
	        "inspectd_http_request_duration_seconds_sum{route=\"/api/v1/inspections\",method=\"POST\"} 21.000501");
	assert_int_equal(check_histograms(text), 1);
	free(text);

	/* Unmatched rows get a histogram too. */
	metrics_observe(m, UNMATCHED, "GET", 404, 7000);
	text = render(m);
	expect_line(text,
	            "inspectd_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"GET\",le=\"0.005\"} 0");
	expect_line(text,
	            "inspectd_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"GET\",le=\"0.01\"} 1");
	expect_line(text,
	            "inspectd_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"GET\",le=\"+Inf\"} 1");
	expect_line(text, "inspectd_http_request_duration_seconds_sum{route=\"unmatched\",method=\"GET\"} 0.007000");
	assert_int_equal(check_histograms(text), 2);
	free(text);
	metrics_free(m);
}

static void test_in_flight(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	metrics_in_flight_add(m, 1);
	metrics_in_flight_add(m, 1);
	metrics_in_flight_add(m, 1);
	metrics_in_flight_add(m, -1);
	assert_int_equal(metrics_in_flight(m), 2);
	char *text = render(m);
	expect_line(text, "inspectd_http_requests_in_flight 2");
	free(text);
	metrics_in_flight_add(m, -2);
	assert_int_equal(metrics_in_flight(m), 0);
	text = render(m);
	expect_line(text, "inspectd_http_requests_in_flight 0");
	free(text);
	metrics_free(m);
}

static void test_render_appends(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	struct buf b = BUF_INIT;
	buf_adds(&b, "# before\n");
	metrics_render(m, &b);
	assert_int_equal(strncmp(b.data, "# before\n# HELP ", 16), 0);
	buf_release(&b);
	metrics_free(m);
}

static void test_no_routes(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(NULL, 0);
	metrics_observe(m, 0, "GET", 404, 1);
	metrics_observe(m, 5, "GET", 404, 1);
	char *text = render(m);
	expect_line(text, "inspectd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 2");
	free(text);
	metrics_free(m);
}

struct worker {
	struct metrics *m;
	int n;
};

static void *observe_many(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < w->n; i++) {
		metrics_in_flight_add(w->m, 1);
		metrics_observe(w->m, (size_t)(i % 2), "GET", 200, (uint64_t)(i % 3000));
		metrics_in_flight_add(w->m, -1);
	}
	return NULL;
}

static void test_concurrent_observe(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	enum { THREADS = 4, PER_THREAD = 20000 };
	pthread_t t[THREADS];
	struct worker w = {m, PER_THREAD};
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, observe_many, &w), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(metrics_in_flight(m), 0);
	char *text = render(m);
	char line[256];
	snprintf(line, sizeof line, "inspectd_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} %d",
	         THREADS * PER_THREAD / 2);
	expect_line(text, line);
	snprintf(line, sizeof line,
	         "inspectd_http_requests_total{route=\"/api/v1/inspections/{id}\",method=\"GET\",status=\"200\"} %d",
	         THREADS * PER_THREAD / 2);
	expect_line(text, line);
	assert_int_equal(check_histograms(text), 2);
	assert_int_equal(sum_samples(text, "inspectd_http_request_duration_seconds_count{"), THREADS * PER_THREAD);
	free(text);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_counts),
	        cmocka_unit_test(test_histogram_buckets),
	        cmocka_unit_test(test_in_flight),
	        cmocka_unit_test(test_render_appends),
	        cmocka_unit_test(test_no_routes),
	        cmocka_unit_test(test_concurrent_observe),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
