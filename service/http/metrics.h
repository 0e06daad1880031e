/*
 * Prometheus metrics of the HTTP layer, lock-free (relaxed atomics):
 *   inspectd_http_requests_total{route,method,status}
 *   inspectd_http_request_duration_seconds{route,method} (histogram)
 *   inspectd_http_requests_in_flight
 * `route` is the route table's pattern ("unmatched" for unknown paths), so
 * the label set is bounded by the table, never by client input.
 */
#ifndef INSPECTD_METRICS_H
#define INSPECTD_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "router.h"

struct metrics;

/* rows: one per route plus one for unmatched paths. */
struct metrics *metrics_new(const struct route *routes, size_t nroutes);
void metrics_free(struct metrics *m);

/* route_index == nroutes means unmatched. */
void metrics_observe(struct metrics *m, size_t route_index, const char *method, int status, uint64_t duration_us);
void metrics_in_flight_add(struct metrics *m, int delta);
long metrics_in_flight(struct metrics *m);

/* Appends the text exposition format (version 0.0.4). */
void metrics_render(struct metrics *m, struct buf *out);

#endif
