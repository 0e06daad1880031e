/*
 * The route table: the readable map of the API, one line per route, in the
 * order of ../shared/design/API.md. Flags: ROUTE_PUBLIC (no token),
 * ROUTE_BODY_JSON (takes a JSON object), ROUTE_METRICS (only when enabled).
 */
#include "http/server.h"
#include "ops.h"
#ifdef INSPECTD_TEST_ROUTES
#include "testroutes.h"
#endif

/* clang-format off */
const struct route route_table[] = {
	/* Operations (at the root, outside /api/v1) */
	{"GET", "/healthz",      ops_healthz, ROUTE_PUBLIC},
	{"GET", "/readyz",       ops_readyz,  ROUTE_PUBLIC},
	{"GET", "/openapi.yaml", ops_openapi, ROUTE_PUBLIC},
	{"GET", "/metrics",      ops_metrics, ROUTE_PUBLIC | ROUTE_METRICS},
#ifdef INSPECTD_TEST_ROUTES
	TEST_ROUTES
#endif
};
/* clang-format on */

const size_t route_table_count = sizeof route_table / sizeof route_table[0];
