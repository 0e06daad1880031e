#include "router.h"

#include <stdio.h>
#include <string.h>

/* Matches one pattern; fills params on success. */
static int pattern_match(const char *pattern, const char *path, struct route_params *params)
{
	const char *p = pattern, *s = path;
	size_t n = 0;
	struct route_params tmp;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close)
				return 0;
			const char *seg_end = strchr(s, '/');
			size_t vlen = seg_end ? (size_t)(seg_end - s) : strlen(s);
			if (vlen == 0 || n == ROUTE_MAX_PARAMS)
				return 0;
			tmp.v[n].name = p + 1;
			tmp.v[n].name_len = (size_t)(close - p - 1);
			tmp.v[n].value = s;
			tmp.v[n].value_len = vlen;
			n++;
			p = close + 1;
			s += vlen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	if (params) {
		tmp.n = n;
		*params = tmp;
	}
	return 1;
}

static int method_matches(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return 1;
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

static void allow_add(char *allow, size_t allowlen, const char *method)
{
	size_t mlen = strlen(method);
	for (const char *t = allow; *t;) { /* the list is short: skip a method already in it */
		size_t tlen = strcspn(t, ",");
		if (tlen == mlen && memcmp(t, method, mlen) == 0)
			return;
		t += tlen;
		t += strspn(t, ", ");
	}
	size_t used = strlen(allow);
	snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", method);
}

enum route_match router_match(const struct route *routes, size_t n, const char *method, const char *path, size_t *index,
                              struct route_params *params, char *allow, size_t allowlen)
{
	enum route_match result = ROUTE_NONE;
	if (allow && !allowlen)
		allow = NULL;
	if (allow)
		allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!pattern_match(routes[i].pattern, path, NULL))
			continue;
		if (allow) {
			allow_add(allow, allowlen, routes[i].method);
			if (strcmp(routes[i].method, "GET") == 0)
				allow_add(allow, allowlen, "HEAD");
		}
		if (result == ROUTE_NONE) {
			result = ROUTE_BAD_METHOD;
			*index = i;
		}
		if (result != ROUTE_FOUND && method_matches(routes[i].method, method)) {
			result = ROUTE_FOUND;
			*index = i;
			pattern_match(routes[i].pattern, path, params);
			if (!allow)
				break;
		}
	}
	return result;
}

int route_param_get(const struct route_params *params, const char *name, const char **value, size_t *len)
{
	size_t nlen = strlen(name);
	for (size_t i = 0; i < params->n; i++) {
		if (params->v[i].name_len == nlen && memcmp(params->v[i].name, name, nlen) == 0) {
			*value = params->v[i].value;
			*len = params->v[i].value_len;
			return 1;
		}
	}
	return 0;
}

int router_check(const struct route *routes, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = routes[i].pattern;
		if (p[0] != '/') {
			snprintf(err, errlen, "route %s %s: pattern must start with /", routes[i].method, p);
			return -1;
		}
		int params = 0;
		for (; *p; p++) {
			if (*p == '{') {
				const char *close = strchr(p, '}');
				if (!close || close == p + 1 || p[-1] != '/' || (close[1] && close[1] != '/') ||
				    memchr(p + 1, '/', (size_t)(close - p)) != NULL) {
					snprintf(err, errlen, "route %s %s: malformed parameter", routes[i].method,
					         routes[i].pattern);
					return -1;
				}
				params++;
				p = close;
			} else if (*p == '}') {
				snprintf(err, errlen, "route %s %s: stray }", routes[i].method, routes[i].pattern);
				return -1;
			}
		}
		if (params > ROUTE_MAX_PARAMS) {
			snprintf(err, errlen, "route %s %s: too many parameters", routes[i].method, routes[i].pattern);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(routes[i].method, routes[j].method) == 0 &&
			    strcmp(routes[i].pattern, routes[j].pattern) == 0) {
				snprintf(err, errlen, "route %s %s: listed twice", routes[i].method, routes[i].pattern);
				return -1;
			}
		}
	}
	return 0;
}
