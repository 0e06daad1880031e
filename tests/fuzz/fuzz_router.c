/*
 * The router and path/query parameters: router_match over the real route
 * table (all routes, metrics included) with any method, path and Allow
 * buffer size; every matched parameter checked against its pattern and read
 * back with route_param_get and path_uuid_or_reply's UUID check; the query
 * string through query_page (limit, cursor, updated_since).
 *
 * Input: "METHOD PATH[?QUERY]" (first line); a first byte below 0x20 sets
 * the Allow buffer size (0..31, else 128).
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "router.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_router: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int checked;
	if (!checked) {
		char err[256];
		check(router_check(route_table, route_table_count, err, sizeof err) == 0, "router_check");
		checked = 1;
	}
	if (size > 4096)
		return -1;
	size_t allowlen = 128;
	if (size && data[0] < 0x20) {
		allowlen = data[0];
		data++;
		size--;
	}
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	text[strcspn(text, "\n")] = '\0';
	char *sp = strchr(text, ' ');
	const char *method = "GET", *path = text;
	if (sp) {
		*sp = '\0';
		method = text;
		path = sp + 1;
	}
	char *q = strchr(path, '?');
	if (q)
		*q++ = '\0';

	char *allow = allowlen ? malloc(allowlen) : NULL; /* exact size: ASan sees overruns */
	size_t index = (size_t)-1;
	struct route_params params;
	memset(&params, 0xa5, sizeof params);
	enum route_match m =
	        router_match(route_table, route_table_count, method, path, &index, &params, allow, allowlen);
	if (allow)
		check(strlen(allow) < allowlen, "allow not terminated");
	if (m != ROUTE_NONE)
		check(index < route_table_count, "index out of range");
	if (m == ROUTE_FOUND) {
		const struct route *r = &route_table[index];
		size_t braces = 0;
		for (const char *p = r->pattern; *p; p++)
			braces += *p == '{';
		check(params.n == braces, "parameter count");
		for (size_t i = 0; i < params.n; i++) {
			const struct route_param *pp = &params.v[i];
			check(pp->value >= path && pp->value + pp->value_len <= path + strlen(path), "value outside path");
			check(pp->value_len > 0 && !memchr(pp->value, '/', pp->value_len), "value spans segments");
			char name[64];
			check(pp->name_len < sizeof name, "name length");
			memcpy(name, pp->name, pp->name_len);
			name[pp->name_len] = '\0';
			const char *v;
			size_t vl;
			check(route_param_get(&params, name, &v, &vl) == 1, "route_param_get");
			if (uuid_is_valid(v, vl)) {
				char id[37];
				check(vl == 36, "uuid length");
				memcpy(id, v, 36);
				id[36] = '\0';
				uuid_lower(id);
				check(uuid_is_valid(id, 36), "lowered uuid");
			}
		}
	}

	/* the query string, as a list handler reads it */
	struct mg_request_info ri;
	memset(&ri, 0, sizeof ri);
	ri.query_string = q;
	struct req req;
	memset(&req, 0, sizeof req);
	req.ri = &ri;
	req.method = method;
	req.path = path;
	struct verr v;
	verr_init(&v);
	struct page_query pq;
	query_page(&req, &v, &pq);
	char value[64];
	(void)query_param(&req, "status", value, sizeof value);
	char ts[24];
	long long epoch;
	if (query_param(&req, "from", value, sizeof value) >= 0)
		(void)timestamp_normalize(value, ts, sizeof ts, &epoch);
	verr_release(&v);
	free(allow);
	free(text);
	return 0;
}
