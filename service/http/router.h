/*
 * The route table's matcher: method + path pattern with {name} parameters,
 * e.g. "/api/v1/inspections/{id}/submit". Patterns are matched segment by
 * segment without allocation; a parameter matches one non-empty segment.
 * The first matching entry wins, so the table's order is its precedence.
 */
#ifndef INSPECTD_ROUTER_H
#define INSPECTD_ROUTER_H

#include <stddef.h>

struct req;
typedef void (*route_handler)(struct req *req);

enum route_flag {
	ROUTE_PUBLIC = 1u << 0,    /* no access token needed */
	ROUTE_BODY_JSON = 1u << 1, /* takes an application/json object body */
	ROUTE_METRICS = 1u << 2,   /* exists only while metrics are enabled */
	ROUTE_BODY_STREAM = 1u << 3, /* the handler reads the body itself (uploads) */
};

struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
	unsigned flags;
};

enum { ROUTE_MAX_PARAMS = 4 };

struct route_param {
	const char *name; /* points into the pattern */
	size_t name_len;
	const char *value; /* points into the path */
	size_t value_len;
};

struct route_params {
	size_t n;
	struct route_param v[ROUTE_MAX_PARAMS];
};

enum route_match {
	ROUTE_FOUND,      /* *index is the route, params filled */
	ROUTE_BAD_METHOD, /* the path exists for other methods; *index is the first of them */
	ROUTE_NONE,       /* no route has this path */
};

/*
 * Matches method and path (no query string) against routes[0..n). A HEAD
 * request matches a GET route. allow (may be NULL) receives the methods the
 * path supports, like "GET, HEAD, POST", for Allow headers.
 */
enum route_match router_match(const struct route *routes, size_t n, const char *method, const char *path, size_t *index,
                              struct route_params *params, char *allow, size_t allowlen);

/* Looks up a matched parameter by name; returns 1 and sets value/len if present. */
int route_param_get(const struct route_params *params, const char *name, const char **value, size_t *len);

/* Checks a table at start-up: patterns well-formed, at most ROUTE_MAX_PARAMS
 * parameters, no duplicate method+pattern. Returns 0 or -1 with err filled. */
int router_check(const struct route *routes, size_t n, char *err, size_t errlen);

#endif
