/*
 * Unit tests of the route matcher (service/http/router.h): literal paths,
 * {param} capture, what does not match (trailing slash, empty segment,
 * query string), HEAD as GET, 405 with the Allow list, first-match
 * precedence, route_param_get and router_check's start-up validation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/router.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A table shaped like the real one: literals, parameters, several methods
 * per path. */
static const struct route table[] = {
        {"GET", "/healthz", NULL, ROUTE_PUBLIC},                      /* 0 */
        {"GET", "/api/v1/inspections", NULL, 0},                      /* 1 */
        {"POST", "/api/v1/inspections", NULL, ROUTE_BODY_JSON},       /* 2 */
        {"GET", "/api/v1/inspections/{id}", NULL, 0},                 /* 3 */
        {"PATCH", "/api/v1/inspections/{id}", NULL, ROUTE_BODY_JSON}, /* 4 */
        {"POST", "/api/v1/inspections/{id}/submit", NULL, 0},         /* 5 */
        {"GET", "/api/v1/orgs/{org}/users/{user}", NULL, 0},          /* 6 */
        {"DELETE", "/api/v1/orgs/{org}/users/{user}", NULL, 0},       /* 7 */
        {"GET", "/api/v1/a/{p1}/b/{p2}/c/{p3}/d/{p4}", NULL, 0},      /* 8 */
        {"GET", "/api/v1/x/{p1}/{p2}/{p3}/{p4}/{p5}", NULL, 0},       /* 9: too many */
};

/* Runs router_match with an Allow buffer pre-filled with garbage so a
 * missing terminator shows. */
static enum route_match match(const struct route *routes, size_t n, const char *method, const char *path, size_t *index,
                              struct route_params *params, char *allow, size_t allowlen)
{
	if (allow && allowlen) {
		memset(allow, 'Z', allowlen - 1);
		allow[allowlen - 1] = '\0';
	}
	*index = 9999;
	memset(params, 0xA5, sizeof *params);
	return router_match(routes, n, method, path, index, params, allow, allowlen);
}

static void assert_param(const struct route_params *params, const char *name, const char *expect)
{
	const char *v = NULL;
	size_t len = 0;
	assert_int_equal(route_param_get(params, name, &v, &len), 1);
	assert_non_null(v);
	assert_int_equal(len, strlen(expect));
	assert_memory_equal(v, expect, len);
}

static void test_literal_path(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	char allow[64];
	assert_int_equal(match(table, N(table), "GET", "/healthz", &idx, &params, allow, sizeof allow), ROUTE_FOUND);
	assert_int_equal(idx, 0);
	assert_int_equal(params.n, 0);
	assert_string_equal(allow, "GET, HEAD");

	assert_int_equal(match(table, N(table), "GET", "/api/v1/inspections", &idx, &params, allow, sizeof allow),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 1);
	assert_int_equal(params.n, 0);
	/* The Allow list is the path's, whatever the outcome. */
	assert_string_equal(allow, "GET, HEAD, POST");

	assert_int_equal(match(table, N(table), "POST", "/api/v1/inspections", &idx, &params, allow, sizeof allow),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 2);
}

static void test_literal_mismatch(void **state)
{
	(void)state;
	static const char *const paths[] = {
	        "/healthzz",
	        "/health",
	        "/healthz/",
	        "/Healthz",
	        "healthz",
	        "",
	        "/",
	        "//healthz",
	        "/healthz?x=1",
	        "/api/v1",
	        "/api/v1/",
	        "/api/v1/inspection",
	        "/api/v1/inspectionsX",
	};
	for (size_t i = 0; i < N(paths); i++) {
		size_t idx;
		struct route_params params;
		char allow[64];
		enum route_match r = match(table, N(table), "GET", paths[i], &idx, &params, allow, sizeof allow);
		if (r != ROUTE_NONE)
			fail_msg("path \"%s\" matched (%d, index %zu)", paths[i], (int)r, idx);
		assert_string_equal(allow, "");
	}
}

static void test_param_capture(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	const char *path = "/api/v1/inspections/3f2a-77_b.c";
	assert_int_equal(match(table, N(table), "GET", path, &idx, &params, NULL, 0), ROUTE_FOUND);
	assert_int_equal(idx, 3);
	assert_int_equal(params.n, 1);
	assert_int_equal(params.v[0].name_len, 2);
	assert_memory_equal(params.v[0].name, "id", 2);
	/* The value points into the path, not into a copy. */
	assert_ptr_equal(params.v[0].value, path + strlen("/api/v1/inspections/"));
	assert_int_equal(params.v[0].value_len, strlen("3f2a-77_b.c"));
	assert_param(&params, "id", "3f2a-77_b.c");

	/* Raw, undecoded bytes are captured as they are. */
	assert_int_equal(match(table, N(table), "PATCH", "/api/v1/inspections/a%20b", &idx, &params, NULL, 0),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 4);
	assert_param(&params, "id", "a%20b");

	assert_int_equal(match(table, N(table), "POST", "/api/v1/inspections/xyz/submit", &idx, &params, NULL, 0),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 5);
	assert_int_equal(params.n, 1);
	assert_param(&params, "id", "xyz");
}

static void test_multiple_params(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	assert_int_equal(match(table, N(table), "DELETE", "/api/v1/orgs/o-1/users/u-22", &idx, &params, NULL, 0),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 7);
	assert_int_equal(params.n, 2);
	assert_param(&params, "org", "o-1");
	assert_param(&params, "user", "u-22");
	/* In pattern order. */
	assert_memory_equal(params.v[0].name, "org", 3);
	assert_memory_equal(params.v[1].name, "user", 4);

	/* ROUTE_MAX_PARAMS parameters are fine. */
	assert_int_equal(match(table, N(table), "GET", "/api/v1/a/1/b/22/c/333/d/4444", &idx, &params, NULL, 0),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 8);
	assert_int_equal(params.n, ROUTE_MAX_PARAMS);
	assert_param(&params, "p1", "1");
	assert_param(&params, "p2", "22");
	assert_param(&params, "p3", "333");
	assert_param(&params, "p4", "4444");

	/* More than ROUTE_MAX_PARAMS never match (and never overflow params). */
	char allow[32];
	assert_int_equal(match(table, N(table), "GET", "/api/v1/x/1/2/3/4/5", &idx, &params, allow, sizeof allow),
	                 ROUTE_NONE);
	assert_string_equal(allow, "");
}

static void test_empty_segments_and_trailing_slash(void **state)
{
	(void)state;
	static const char *const paths[] = {
	        "/api/v1/inspections/",              /* empty {id} */
	        "/api/v1/inspections/abc/",          /* trailing slash */
	        "/api/v1/inspections//submit",       /* empty {id} in the middle */
	        "/api/v1/inspections/abc/submit/",   /* trailing slash */
	        "/api/v1/inspections/abc//submit",   /* empty segment */
	        "/api/v1/inspections/abc/def",       /* {id} is one segment only */
	        "/api/v1/orgs//users/u",             /* empty first param */
	        "/api/v1/orgs/o/users/",             /* empty last param */
	        "/api/v1/orgs/o/users/u/x",          /* extra segment */
	        "/api/v1/inspections/abc/submitX",   /* literal tail differs */
	        "/api/v1/inspections/abc/submit?x=1" /* query strings are stripped before matching */
	};
	for (size_t i = 0; i < N(paths); i++) {
		size_t idx;
		struct route_params params;
		enum route_match r = match(table, N(table), "GET", paths[i], &idx, &params, NULL, 0);
		if (r != ROUTE_NONE)
			fail_msg("path \"%s\" matched (%d, index %zu)", paths[i], (int)r, idx);
		r = match(table, N(table), "POST", paths[i], &idx, &params, NULL, 0);
		if (r != ROUTE_NONE)
			fail_msg("path \"%s\" matched POST (%d, index %zu)", paths[i], (int)r, idx);
	}
}

static void test_head_matches_get(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	char allow[64];
	assert_int_equal(match(table, N(table), "HEAD", "/healthz", &idx, &params, allow, sizeof allow), ROUTE_FOUND);
	assert_int_equal(idx, 0);
	assert_string_equal(allow, "GET, HEAD");

	assert_int_equal(match(table, N(table), "HEAD", "/api/v1/inspections/42", &idx, &params, NULL, 0), ROUTE_FOUND);
	assert_int_equal(idx, 3);
	assert_param(&params, "id", "42");

	/* HEAD only stands in for GET, not for other methods. */
	assert_int_equal(
	        match(table, N(table), "HEAD", "/api/v1/inspections/42/submit", &idx, &params, allow, sizeof allow),
	        ROUTE_BAD_METHOD);
	assert_int_equal(idx, 5);
	assert_string_equal(allow, "POST");

	/* ... and GET does not match a HEAD-only route. */
	static const struct route head_only[] = {{"HEAD", "/probe", NULL, 0}};
	assert_int_equal(match(head_only, N(head_only), "GET", "/probe", &idx, &params, allow, sizeof allow),
	                 ROUTE_BAD_METHOD);
	assert_string_equal(allow, "HEAD");
}

static void test_bad_method_allow(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	char allow[64];
	assert_int_equal(match(table, N(table), "DELETE", "/api/v1/inspections", &idx, &params, allow, sizeof allow),
	                 ROUTE_BAD_METHOD);
	assert_int_equal(idx, 1); /* the first route with this path */
	assert_string_equal(allow, "GET, HEAD, POST");

	assert_int_equal(match(table, N(table), "PUT", "/api/v1/inspections/7", &idx, &params, allow, sizeof allow),
	                 ROUTE_BAD_METHOD);
	assert_int_equal(idx, 3);
	assert_string_equal(allow, "GET, HEAD, PATCH");

	assert_int_equal(match(table, N(table), "POST", "/healthz", &idx, &params, allow, sizeof allow),
	                 ROUTE_BAD_METHOD);
	assert_int_equal(idx, 0);
	assert_string_equal(allow, "GET, HEAD");

	assert_int_equal(
	        match(table, N(table), "GET", "/api/v1/inspections/7/submit", &idx, &params, allow, sizeof allow),
	        ROUTE_BAD_METHOD);
	assert_int_equal(idx, 5);
	assert_string_equal(allow, "POST");

	/* Methods are case-sensitive (RFC 9110). */
	assert_int_equal(match(table, N(table), "get", "/healthz", &idx, &params, allow, sizeof allow),
	                 ROUTE_BAD_METHOD);
	assert_string_equal(allow, "GET, HEAD");

	/* Without an Allow buffer the outcome and index are the same. */
	assert_int_equal(match(table, N(table), "DELETE", "/api/v1/inspections", &idx, &params, NULL, 0),
	                 ROUTE_BAD_METHOD);
	assert_int_equal(idx, 1);
	assert_int_equal(match(table, N(table), "GET", "/api/v1/inspections", &idx, &params, NULL, 0), ROUTE_FOUND);
	assert_int_equal(idx, 1);
}

static void test_allow_deduplicated(void **state)
{
	(void)state;
	/* Several patterns matching one path list each method once. */
	static const struct route t[] = {
	        {"GET", "/a/{id}", NULL, 0}, {"GET", "/a/{name}", NULL, 0}, {"HEAD", "/a/{x}", NULL, 0},
	        {"POST", "/a/{y}", NULL, 0}, {"POST", "/a/b", NULL, 0},
	};
	size_t idx;
	struct route_params params;
	char allow[64];
	assert_int_equal(match(t, N(t), "DELETE", "/a/b", &idx, &params, allow, sizeof allow), ROUTE_BAD_METHOD);
	assert_int_equal(idx, 0);
	assert_string_equal(allow, "GET, HEAD, POST");
}

static void test_allow_truncated_safely(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	char allow[8];
	assert_int_equal(match(table, N(table), "DELETE", "/api/v1/inspections", &idx, &params, allow, sizeof allow),
	                 ROUTE_BAD_METHOD);
	assert_int_equal(idx, 1);
	assert_true(strlen(allow) < sizeof allow);
	assert_true(strncmp(allow, "GET", 3) == 0);
}

/* allowlen bounds every write to allow, also when it is 0. The guard sits
 * right behind the buffer in one struct, so an overrun shows as a changed
 * guard (ASan does not see overruns within one object). */
static void test_allow_zero_length_writes_nothing(void **state)
{
	(void)state;
	struct {
		char allow[4];
		char guard[32];
	} mem;
	memcpy(mem.allow, "xyz", 4);
	memset(mem.guard, 'G', sizeof mem.guard);
	size_t idx = 9999;
	assert_int_equal(router_match(table, N(table), "DELETE", "/api/v1/inspections", &idx, NULL, mem.allow, 0),
	                 ROUTE_BAD_METHOD);
	assert_int_equal(idx, 1);
	for (size_t i = 0; i < sizeof mem.guard; i++)
		if (mem.guard[i] != 'G')
			fail_msg("router_match wrote past allow with allowlen 0: guard[%zu] = 0x%02x", i,
			         (unsigned char)mem.guard[i]);
	assert_memory_equal(mem.allow, "xyz", 4);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	static const struct route literal_first[] = {
	        {"GET", "/users/me", NULL, 0},
	        {"GET", "/users/{id}", NULL, 0},
	};
	static const struct route param_first[] = {
	        {"GET", "/users/{id}", NULL, 0},
	        {"GET", "/users/me", NULL, 0},
	};
	size_t idx;
	struct route_params params;
	char allow[32];
	assert_int_equal(match(literal_first, 2, "GET", "/users/me", &idx, &params, allow, sizeof allow), ROUTE_FOUND);
	assert_int_equal(idx, 0);
	assert_int_equal(params.n, 0);
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(match(literal_first, 2, "GET", "/users/42", &idx, &params, NULL, 0), ROUTE_FOUND);
	assert_int_equal(idx, 1);
	assert_param(&params, "id", "42");

	assert_int_equal(match(param_first, 2, "GET", "/users/me", &idx, &params, allow, sizeof allow), ROUTE_FOUND);
	assert_int_equal(idx, 0);
	assert_param(&params, "id", "me");

	/* A later route with the right method wins over an earlier path match. */
	assert_int_equal(match(table, N(table), "PATCH", "/api/v1/inspections/9", &idx, &params, NULL, 0), ROUTE_FOUND);
	assert_int_equal(idx, 4);
	assert_param(&params, "id", "9");
}

static void test_params_may_be_null(void **state)
{
	(void)state;
	size_t idx = 9999;
	assert_int_equal(router_match(table, N(table), "GET", "/api/v1/inspections/1", &idx, NULL, NULL, 0),
	                 ROUTE_FOUND);
	assert_int_equal(idx, 3);
	assert_int_equal(router_match(table, 0, "GET", "/healthz", &idx, NULL, NULL, 0), ROUTE_NONE);
}

static void test_route_param_get(void **state)
{
	(void)state;
	size_t idx;
	struct route_params params;
	assert_int_equal(match(table, N(table), "GET", "/api/v1/orgs/o/users/u", &idx, &params, NULL, 0), ROUTE_FOUND);
	const char *v = "untouched";
	size_t len = 77;
	assert_int_equal(route_param_get(&params, "us", &v, &len), 0);    /* prefix of a name */
	assert_int_equal(route_param_get(&params, "users", &v, &len), 0); /* name plus more */
	assert_int_equal(route_param_get(&params, "", &v, &len), 0);
	assert_int_equal(route_param_get(&params, "id", &v, &len), 0);
	assert_int_equal(route_param_get(&params, "ORG", &v, &len), 0);
	assert_string_equal(v, "untouched");
	assert_int_equal(len, 77);

	struct route_params none = {0};
	assert_int_equal(route_param_get(&none, "id", &v, &len), 0);
}

static void expect_check_fails(const char *method, const char *pattern, const char *what)
{
	struct route t[2] = {{"GET", "/ok", NULL, 0}, {method, pattern, NULL, 0}};
	char err[256] = "";
	if (router_check(t, 2, err, sizeof err) != -1)
		fail_msg("router_check accepted %s \"%s\"", method, pattern);
	if (!strstr(err, what))
		fail_msg("router_check error for \"%s\" is \"%s\", expected it to contain \"%s\"", pattern, err, what);
}

static void test_check_accepts_good_table(void **state)
{
	(void)state;
	char err[256] = "";
	/* The table without its deliberately oversized last entry. */
	assert_int_equal(router_check(table, N(table) - 1, err, sizeof err), 0);
	static const struct route ok[] = {
	        {"GET", "/", NULL, 0},
	        {"GET", "/a/{b}", NULL, 0},
	        {"POST", "/a/{b}", NULL, 0}, /* same pattern, other method */
	        {"GET", "/a/{b}/", NULL, 0}, /* other pattern */
	        {"GET", "/{a}/{b}/{c}/{d}", NULL, 0},
	};
	assert_int_equal(router_check(ok, N(ok), err, sizeof err), 0);
	assert_int_equal(router_check(ok, 0, err, sizeof err), 0);
}

static void test_check_rejects_malformed(void **state)
{
	(void)state;
	expect_check_fails("GET", "healthz", "healthz");
	expect_check_fails("GET", "", "must start with /");
	expect_check_fails("GET", "api/{id}", "must start with /");
	expect_check_fails("GET", "/a/{id", "/a/{id");       /* unclosed */
	expect_check_fails("GET", "/a/{", "malformed");      /* unclosed */
	expect_check_fails("GET", "/a/{}", "malformed");     /* empty name */
	expect_check_fails("GET", "/a/{}/b", "malformed");   /* empty name */
	expect_check_fails("GET", "/a{b}", "malformed");     /* not a whole segment */
	expect_check_fails("GET", "/a/x{b}", "malformed");   /* not a whole segment */
	expect_check_fails("GET", "/a/{b}x", "malformed");   /* not a whole segment */
	expect_check_fails("GET", "/a/{b}x/c", "malformed"); /* not a whole segment */
	expect_check_fails("GET", "/a/{b/c}", "malformed");  /* a / inside */
	expect_check_fails("GET", "/a/{{b}}", "malformed");  /* nested */
	expect_check_fails("GET", "/a/b}", "stray");         /* stray close */
	expect_check_fails("GET", "/a/}/b", "stray");        /* stray close */
	expect_check_fails("GET", "/{a}/{b}/{c}/{d}/{e}", "too many");
	expect_check_fails("GET", "/x/{p1}/{p2}/{p3}/{p4}/{p5}", "too many");
}

static void test_check_rejects_duplicates(void **state)
{
	(void)state;
	static const struct route dup[] = {
	        {"GET", "/a", NULL, 0},
	        {"POST", "/a", NULL, 0},
	        {"GET", "/b/{id}", NULL, 0},
	        {"GET", "/a", NULL, 0},
	};
	char err[256] = "";
	assert_int_equal(router_check(dup, N(dup), err, sizeof err), -1);
	assert_non_null(strstr(err, "GET /a"));
	assert_non_null(strstr(err, "twice"));

	/* The entry with too many parameters in the shared table is caught. */
	assert_int_equal(router_check(table, N(table), err, sizeof err), -1);
	assert_non_null(strstr(err, "too many"));
}

static void test_check_small_error_buffer(void **state)
{
	(void)state;
	static const struct route bad[] = {{"GET", "no-slash-and-a-rather-long-pattern", NULL, 0}};
	char err[8];
	memset(err, 'Z', sizeof err);
	assert_int_equal(router_check(bad, 1, err, sizeof err), -1);
	assert_true(memchr(err, '\0', sizeof err) != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_literal_path),
	        cmocka_unit_test(test_literal_mismatch),
	        cmocka_unit_test(test_param_capture),
	        cmocka_unit_test(test_multiple_params),
	        cmocka_unit_test(test_empty_segments_and_trailing_slash),
	        cmocka_unit_test(test_head_matches_get),
	        cmocka_unit_test(test_bad_method_allow),
	        cmocka_unit_test(test_allow_deduplicated),
	        cmocka_unit_test(test_allow_truncated_safely),
	        cmocka_unit_test(test_allow_zero_length_writes_nothing),
	        cmocka_unit_test(test_first_match_wins),
	        cmocka_unit_test(test_params_may_be_null),
	        cmocka_unit_test(test_route_param_get),
	        cmocka_unit_test(test_check_accepts_good_table),
	        cmocka_unit_test(test_check_rejects_malformed),
	        cmocka_unit_test(test_check_rejects_duplicates),
	        cmocka_unit_test(test_check_small_error_buffer),
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
