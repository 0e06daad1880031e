#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};
enum { NMETHODS = sizeof methods / sizeof methods[0] };

static const int statuses[] = {200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 408, 409, 411,
                               412, 413, 414, 415, 416, 422, 429, 431, 500, 501, 503, 505, 507};
enum { NSTATUSES = sizeof statuses / sizeof statuses[0] + 1 }; /* + "other" */

/* Upper bounds in microseconds; the last bucket (+Inf) is implicit. */
static const uint64_t bucket_us[] = {250,    500,    1000,   2500,    5000,    10000,   25000,   50000,
                                     100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
enum { NBUCKETS = sizeof bucket_us / sizeof bucket_us[0] + 1 };

struct row {
	_Atomic uint64_t count[NMETHODS][NSTATUSES];
	_Atomic uint64_t bucket[NMETHODS][NBUCKETS];
	_Atomic uint64_t sum_us[NMETHODS];
};

struct metrics {
	const struct route *routes;
	size_t nroutes;
	struct row *rows; /* nroutes + 1 */
	atomic_long in_flight;
};

struct metrics *metrics_new(const struct route *routes, size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	m->routes = routes;
	m->nroutes = nroutes;
	m->rows = xcalloc(nroutes + 1, sizeof *m->rows);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->rows);
	free(m);
}

static size_t method_slot(const char *method)
{
	for (size_t i = 0; i + 1 < NMETHODS; i++)
		if (strcmp(methods[i], method) == 0)
			return i;
	return NMETHODS - 1;
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i + 1 < NSTATUSES; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUSES - 1;
}

void metrics_observe(struct metrics *m, size_t route_index, const char *method, int status, uint64_t duration_us)
{
	if (route_index > m->nroutes)
		route_index = m->nroutes;
	struct row *r = &m->rows[route_index];
	size_t ms = method_slot(method);
	atomic_fetch_add_explicit(&r->count[ms][status_slot(status)], 1, memory_order_relaxed);
	size_t b = 0;
	while (b + 1 < NBUCKETS && duration_us > bucket_us[b])
		b++;
	atomic_fetch_add_explicit(&r->bucket[ms][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->sum_us[ms], duration_us, memory_order_relaxed);
}

void metrics_in_flight_add(struct metrics *m, int delta)
{
	atomic_fetch_add_explicit(&m->in_flight, delta, memory_order_relaxed);
}

long metrics_in_flight(struct metrics *m)
{
	return atomic_load_explicit(&m->in_flight, memory_order_relaxed);
}

static const char *row_label(const struct metrics *m, size_t i)
{
	return i < m->nroutes ? m->routes[i].pattern : "unmatched";
}

void metrics_render(struct metrics *m, struct buf *out)
{
	buf_adds(out, "# HELP inspectd_http_requests_total HTTP requests answered, by route template, method and "
	              "status.\n# TYPE inspectd_http_requests_total counter\n");
	for (size_t i = 0; i <= m->nroutes; i++) {
		for (size_t ms = 0; ms < NMETHODS; ms++) {
			for (size_t ss = 0; ss < NSTATUSES; ss++) {
				uint64_t c = atomic_load_explicit(&m->rows[i].count[ms][ss], memory_order_relaxed);
				if (!c)
					continue;
				buf_printf(out, "inspectd_http_requests_total{route=\"%s\",method=\"%s\",status=\"",
				           row_label(m, i), methods[ms]);
				if (ss + 1 < NSTATUSES)
					buf_printf(out, "%d", statuses[ss]);
				else
					buf_adds(out, "other");
				buf_printf(out, "\"} %llu\n", (unsigned long long)c);
			}
		}
	}
	buf_adds(out, "# HELP inspectd_http_request_duration_seconds Time from request start to response "
	              "written.\n# TYPE inspectd_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= m->nroutes; i++) {
		for (size_t ms = 0; ms < NMETHODS; ms++) {
			uint64_t counts[NBUCKETS], total = 0;
			for (size_t b = 0; b < NBUCKETS; b++) {
				counts[b] = atomic_load_explicit(&m->rows[i].bucket[ms][b], memory_order_relaxed);
				total += counts[b];
			}
			if (!total)
				continue;
			const char *route = row_label(m, i);
			uint64_t cum = 0;
			for (size_t b = 0; b < NBUCKETS; b++) {
				cum += counts[b];
				buf_printf(out,
				           "inspectd_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
				           "le=\"",
				           route, methods[ms]);
				if (b + 1 < NBUCKETS)
					buf_printf(out, "%g", (double)bucket_us[b] / 1e6);
				else
					buf_adds(out, "+Inf");
				buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
			}
			uint64_t sum = atomic_load_explicit(&m->rows[i].sum_us[ms], memory_order_relaxed);
			buf_printf(out, "inspectd_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n",
			           route, methods[ms], (double)sum / 1e6);
			buf_printf(out,
			           "inspectd_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
			           route, methods[ms], (unsigned long long)cum);
		}
	}
	buf_printf(out,
	           "# HELP inspectd_http_requests_in_flight Requests being served now.\n"
	           "# TYPE inspectd_http_requests_in_flight gauge\ninspectd_http_requests_in_flight %ld\n",
	           metrics_in_flight(m));
}
