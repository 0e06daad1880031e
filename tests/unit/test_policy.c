/*
 * Unit tests of the authorization policy (auth/policy.h): role names, the
 * scope of a principal, the scope's exclusive upper bound and the range
 * property the stores rely on (checked with strcmp and with SQLite's BINARY
 * collation itself), and the full decision matrix role × action × target.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Materialized paths as the stores build them: ids joined by '/', with a
 * leading and trailing '/'. Short ids keep the tests readable; real ids
 * are UUIDs ([0-9a-f-]), covered below as well. */
#define CITY    "/c/"
#define TOWN    "/c/t/"
#define VILLAGE "/c/t/v/"
#define GROUP   "/c/t/v/g/"
#define TOWN2   "/c/u/"

static struct principal make_principal(enum role r, const char *org_path)
{
	struct principal p;
	memset(&p, 0, sizeof p);
	snprintf(p.user_id, sizeof p.user_id, "%s", "11111111-1111-4111-8111-111111111111");
	snprintf(p.username, sizeof p.username, "%s", "someone");
	p.role = r;
	snprintf(p.org_id, sizeof p.org_id, "%s", "22222222-2222-4222-8222-222222222222");
	snprintf(p.org_path, sizeof p.org_path, "%s", org_path);
	snprintf(p.session_id, sizeof p.session_id, "%s", "33333333-3333-4333-8333-333333333333");
	return p;
}

/* ---- role_parse / role_name ----------------------------------------------- */

static void test_role_round_trip(void **state)
{
	(void)state;
	static const struct {
		enum role r;
		const char *name;
	} roles[] = {
	        {ROLE_ADMIN, "admin"}, {ROLE_SUPERVISOR, "supervisor"}, {ROLE_INSPECTOR, "inspector"},
	        {ROLE_CADRE, "cadre"}, {ROLE_VIEWER, "viewer"},
	};
	for (size_t i = 0; i < N(roles); i++) {
		assert_string_equal(role_name(roles[i].r), roles[i].name);
		assert_int_equal(role_parse(roles[i].name), roles[i].r);
		assert_int_equal(role_parse(role_name(roles[i].r)), roles[i].r);
	}
	/* Every valid role has a distinct name. */
	for (int a = 0; a < ROLE_INVALID; a++)
		for (int b = a + 1; b < ROLE_INVALID; b++)
			assert_string_not_equal(role_name((enum role)a), role_name((enum role)b));
}

static void test_role_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "",          "Admin",   "ADMIN",    "admin ",  " admin", "adm",         "admins", "root",
	        "superuser", "invalid", "viewer\n", "cadre\t", "insp",   "supervisor2", "管理员",
	};
	for (size_t i = 0; i < N(bad); i++)
		if (role_parse(bad[i]) != ROLE_INVALID)
			fail_msg("role_parse(\"%s\") accepted", bad[i]);
	assert_int_equal(role_parse(NULL), ROLE_INVALID);
	assert_string_equal(role_name(ROLE_INVALID), "invalid");
	assert_string_equal(role_name((enum role)99), "invalid");
	/* "invalid" is not a role one can parse back. */
	assert_int_equal(role_parse(role_name(ROLE_INVALID)), ROLE_INVALID);
}

/* ---- policy_scope ------------------------------------------------------------ */

static void test_scope(void **state)
{
	(void)state;
	struct principal admin = make_principal(ROLE_ADMIN, TOWN);
	assert_string_equal(policy_scope(&admin), "/"); /* admin sees all, whatever its org */
	for (enum role r = ROLE_SUPERVISOR; r < ROLE_INVALID; r++) {
		struct principal p = make_principal(r, VILLAGE);
		assert_string_equal(policy_scope(&p), VILLAGE);
		p = make_principal(r, CITY);
		assert_string_equal(policy_scope(&p), CITY);
	}
	/* An unknown role gets no wider scope than its own org. */
	struct principal bad = make_principal(ROLE_INVALID, GROUP);
	assert_string_equal(policy_scope(&bad), GROUP);
}

/* ---- policy_scope_end and the range property ------------------------------------ */

static void test_scope_end_values(void **state)
{
	(void)state;
	static const struct {
		const char *scope, *end;
	} cases[] = {
	        {"/", "0"},
	        {"/a/", "/a0"},
	        {"/a/b/", "/a/b0"},
	        {"/c/t/v/g/", "/c/t/v/g0"},
	        {"/0f3c2b1a-0000-4000-8000-000000000001/", "/0f3c2b1a-0000-4000-8000-0000000000010"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char out[ORG_PATH_MAX];
		memset(out, 'Z', sizeof out);
		policy_scope_end(cases[i].scope, out, sizeof out);
		assert_string_equal(out, cases[i].end);
		/* The bound is the scope with its final '/' replaced by the next byte. */
		assert_int_equal(strlen(out), strlen(cases[i].scope));
		assert_int_equal(out[strlen(out) - 1], '/' + 1);
	}
}

static void test_scope_end_small_buffer(void **state)
{
	(void)state;
	char out[4];
	memset(out, 'Z', sizeof out);
	policy_scope_end("/abcdef/", out, sizeof out);
	assert_non_null(memchr(out, '\0', sizeof out)); /* truncated, still terminated */
	assert_string_equal(out, "/ab");
}

/* 1 when path lies in [scope, end) by SQLite's BINARY collation. */
static int sqlite_in_range(sqlite3 *db, const char *path, const char *scope, const char *end)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT :p >= :s AND :p < :e", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":p"), path, -1, SQLITE_STATIC),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":s"), scope, -1, SQLITE_STATIC),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":e"), end, -1, SQLITE_STATIC),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int strcmp_in_range(const char *path, const char *scope, const char *end)
{
	return strcmp(path, scope) >= 0 && strcmp(path, end) < 0;
}

static void check_range(sqlite3 *db, const char *scope, const char *const *inside, size_t ninside,
                        const char *const *outside, size_t noutside)
{
	char end[ORG_PATH_MAX];
	policy_scope_end(scope, end, sizeof end);
	for (size_t i = 0; i < ninside; i++) {
		if (!strcmp_in_range(inside[i], scope, end))
			fail_msg("\"%s\" should be in [\"%s\", \"%s\") by strcmp", inside[i], scope, end);
		if (!sqlite_in_range(db, inside[i], scope, end))
			fail_msg("\"%s\" should be in [\"%s\", \"%s\") by SQLite", inside[i], scope, end);
		if (!policy_path_in_scope(scope, inside[i]))
			fail_msg("policy_path_in_scope(\"%s\", \"%s\") should be 1", scope, inside[i]);
	}
	for (size_t i = 0; i < noutside; i++) {
		if (strcmp_in_range(outside[i], scope, end))
			fail_msg("\"%s\" should not be in [\"%s\", \"%s\") by strcmp", outside[i], scope, end);
		if (sqlite_in_range(db, outside[i], scope, end))
			fail_msg("\"%s\" should not be in [\"%s\", \"%s\") by SQLite", outside[i], scope, end);
		if (policy_path_in_scope(scope, outside[i]))
			fail_msg("policy_path_in_scope(\"%s\", \"%s\") should be 0", scope, outside[i]);
	}
}

static void test_scope_range_property(void **state)
{
	(void)state;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);

	static const char *const ab_in[] = {
	        "/a/b/", "/a/b/c/", "/a/b/c/d/", "/a/b/0/", "/a/b/zzzz/", "/a/b/-/", "/a/b/~/", "/a/b/c/d/e/f/g/h/",
	};
	static const char *const ab_out[] = {
	        "/a/bc/", "/a/c/", "/a/b0/", "/a/b-/", "/a/b./", "/a/",    "/a/a/",  "/a/a/b/",
	        "/a/",    "/b/b/", "/",      "/a/b",   "/a/ba/", "/a/b~/", "/ab/b/", "/a//b/",
	};
	check_range(db, "/a/b/", ab_in, N(ab_in), ab_out, N(ab_out));

	/* The root scope contains every path. */
	static const char *const root_in[] = {"/", "/a/", "/a/b/", "/0/", "/z/", "/~/", "/-/"};
	check_range(db, "/", root_in, N(root_in), NULL, 0);

	/* Real ids are UUIDs: siblings share long prefixes and contain '-'. */
	static const char *const uuid_in[] = {
	        "/0f3c2b1a-0000-4000-8000-000000000001/",
	        "/0f3c2b1a-0000-4000-8000-000000000001/9a9a9a9a-0000-4000-8000-000000000002/",
	};
	static const char *const uuid_out[] = {
	        "/0f3c2b1a-0000-4000-8000-000000000002/",
	        "/0f3c2b1a-0000-4000-8000-0000000000010/",
	        "/0f3c2b1a-0000-4000-8000-000000000001-x/",
	        "/0f3c2b1a-0000-4000-8000-00000000000/",
	        "/0f3c2b1a-0000-4000-8000-000000000000/0f3c2b1a-0000-4000-8000-000000000001/",
	};
	check_range(db, "/0f3c2b1a-0000-4000-8000-000000000001/", uuid_in, N(uuid_in), uuid_out, N(uuid_out));

	sqlite3_close(db);
}

static void test_path_in_scope(void **state)
{
	(void)state;
	assert_int_equal(policy_path_in_scope(TOWN, TOWN), 1);
	assert_int_equal(policy_path_in_scope(TOWN, VILLAGE), 1);
	assert_int_equal(policy_path_in_scope(TOWN, GROUP), 1);
	assert_int_equal(policy_path_in_scope("/", GROUP), 1);
	assert_int_equal(policy_path_in_scope(TOWN, TOWN2), 0);   /* sibling */
	assert_int_equal(policy_path_in_scope(TOWN, CITY), 0);    /* parent */
	assert_int_equal(policy_path_in_scope(VILLAGE, TOWN), 0); /* ancestor */
	assert_int_equal(policy_path_in_scope(TOWN, "/c/tt/"), 0);
	assert_int_equal(policy_path_in_scope(TOWN, "/c/t"), 0);
	assert_int_equal(policy_path_in_scope(TOWN, ""), 0);
	assert_int_equal(policy_path_in_scope(TOWN, "/C/T/"), 0);
}

/* ---- policy_decide ----------------------------------------------------------------- */

static const char *action_name(enum action a)
{
	switch (a) {
	case ACT_ORG_READ: return "ORG_READ";
	case ACT_ORG_WRITE: return "ORG_WRITE";
	case ACT_USER_LIST: return "USER_LIST";
	case ACT_USER_READ: return "USER_READ";
	case ACT_USER_WRITE: return "USER_WRITE";
	case ACT_TEMPLATE_WRITE: return "TEMPLATE_WRITE";
	case ACT_ROUND_READ: return "ROUND_READ";
	case ACT_ROUND_WRITE: return "ROUND_WRITE";
	case ACT_INSPECTION_CREATE: return "INSPECTION_CREATE";
	case ACT_INSPECTION_REVIEW: return "INSPECTION_REVIEW";
	case ACT_FINDING_REVIEW: return "FINDING_REVIEW";
	}
	return "?";
}

static const char *decision_name(enum decision d)
{
	switch (d) {
	case POLICY_ALLOW: return "ALLOW";
	case POLICY_HIDDEN: return "HIDDEN";
	case POLICY_FORBIDDEN: return "FORBIDDEN";
	}
	return "?";
}

static const enum action all_actions[] = {ACT_ORG_READ,       ACT_ORG_WRITE,         ACT_USER_LIST,
                                          ACT_USER_READ,      ACT_USER_WRITE,        ACT_TEMPLATE_WRITE,
                                          ACT_ROUND_READ,     ACT_ROUND_WRITE,       ACT_INSPECTION_CREATE,
                                          ACT_INSPECTION_REVIEW, ACT_FINDING_REVIEW};

/* Whether role may do action inside its scope (the house rules). */
static int expected_allowed(enum role r, enum action a)
{
	switch (r) {
	case ROLE_ADMIN: return a != ACT_INSPECTION_CREATE; /* visits are the inspectors' */
	case ROLE_SUPERVISOR:
		return a == ACT_ORG_READ || a == ACT_USER_LIST || a == ACT_USER_READ || a == ACT_ROUND_READ ||
		       a == ACT_ROUND_WRITE || a == ACT_INSPECTION_REVIEW || a == ACT_FINDING_REVIEW;
	case ROLE_INSPECTOR: return a == ACT_ORG_READ || a == ACT_ROUND_READ || a == ACT_INSPECTION_CREATE;
	case ROLE_VIEWER: return a == ACT_ORG_READ || a == ACT_ROUND_READ;
	case ROLE_CADRE: return a == ACT_ORG_READ;
	case ROLE_INVALID: return 0;
	}
	return 0;
}

static void expect_decision(const struct principal *p, enum action a, const char *target, enum decision want)
{
	enum decision got = policy_decide(p, a, target);
	if (got != want)
		fail_msg("%s at %s, %s on %s: got %s, want %s", role_name(p->role), p->org_path, action_name(a),
		         target ? target : "(null)", decision_name(got), decision_name(want));
}

static void test_decide_matrix(void **state)
{
	(void)state;
	for (enum role r = ROLE_ADMIN; r < ROLE_INVALID; r++) {
		/* Everyone sits at the town; the admin's scope is "/" regardless. */
		struct principal p = make_principal(r, TOWN);
		for (size_t i = 0; i < N(all_actions); i++) {
			enum action a = all_actions[i];
			enum decision in_scope = expected_allowed(r, a) ? POLICY_ALLOW : POLICY_FORBIDDEN;
			/* target inside the scope: the own org and a descendant */
			expect_decision(&p, a, TOWN, in_scope);
			expect_decision(&p, a, GROUP, in_scope);
			/* no particular target (lists) */
			expect_decision(&p, a, NULL, in_scope);
			/* outside the scope: a sibling, the parent, a name-prefix sibling */
			enum decision outside = r == ROLE_ADMIN ? in_scope : POLICY_HIDDEN;
			expect_decision(&p, a, TOWN2, outside);
			expect_decision(&p, a, CITY, outside);
			expect_decision(&p, a, "/c/tt/", outside);
		}
	}
}

static void test_decide_spelled_out(void **state)
{
	(void)state;
	/* The matrix again, written out by hand, so a mistake in
	 * expected_allowed() cannot hide one in the policy. */
	struct principal admin = make_principal(ROLE_ADMIN, VILLAGE);
	struct principal sup = make_principal(ROLE_SUPERVISOR, TOWN);
	struct principal insp = make_principal(ROLE_INSPECTOR, TOWN);
	struct principal cadre = make_principal(ROLE_CADRE, VILLAGE);
	struct principal viewer = make_principal(ROLE_VIEWER, CITY);

	/* admin: everything, everywhere (its own org path does not limit it) */
	expect_decision(&admin, ACT_ORG_WRITE, TOWN2, POLICY_ALLOW);
	expect_decision(&admin, ACT_USER_WRITE, CITY, POLICY_ALLOW);
	expect_decision(&admin, ACT_USER_LIST, NULL, POLICY_ALLOW);

	/* supervisor */
	expect_decision(&sup, ACT_ORG_READ, VILLAGE, POLICY_ALLOW);
	expect_decision(&sup, ACT_USER_LIST, NULL, POLICY_ALLOW);
	expect_decision(&sup, ACT_USER_READ, GROUP, POLICY_ALLOW);
	expect_decision(&sup, ACT_ORG_WRITE, VILLAGE, POLICY_FORBIDDEN);
	expect_decision(&sup, ACT_USER_WRITE, TOWN, POLICY_FORBIDDEN);
	expect_decision(&sup, ACT_USER_WRITE, NULL, POLICY_FORBIDDEN);
	expect_decision(&sup, ACT_USER_READ, TOWN2, POLICY_HIDDEN);
	expect_decision(&sup, ACT_USER_WRITE, TOWN2, POLICY_HIDDEN); /* hidden beats forbidden */

	/* inspector, cadre, viewer: org read only */
	expect_decision(&insp, ACT_ORG_READ, TOWN, POLICY_ALLOW);
	expect_decision(&insp, ACT_USER_LIST, NULL, POLICY_FORBIDDEN);
	expect_decision(&insp, ACT_USER_READ, TOWN, POLICY_FORBIDDEN);
	expect_decision(&insp, ACT_ORG_WRITE, TOWN, POLICY_FORBIDDEN);
	expect_decision(&cadre, ACT_ORG_READ, GROUP, POLICY_ALLOW);
	expect_decision(&cadre, ACT_ORG_READ, TOWN, POLICY_HIDDEN); /* the parent is outside */
	expect_decision(&cadre, ACT_USER_READ, VILLAGE, POLICY_FORBIDDEN);
	expect_decision(&viewer, ACT_ORG_READ, GROUP, POLICY_ALLOW);
	expect_decision(&viewer, ACT_USER_WRITE, GROUP, POLICY_FORBIDDEN);
	expect_decision(&viewer, ACT_ORG_READ, "/d/", POLICY_HIDDEN);
}

static void test_decide_invalid_role(void **state)
{
	(void)state;
	/* A principal whose role failed to parse may do nothing. */
	struct principal p = make_principal(ROLE_INVALID, TOWN);
	for (size_t i = 0; i < N(all_actions); i++) {
		expect_decision(&p, all_actions[i], TOWN, POLICY_FORBIDDEN);
		expect_decision(&p, all_actions[i], NULL, POLICY_FORBIDDEN);
		expect_decision(&p, all_actions[i], TOWN2, POLICY_HIDDEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_role_round_trip),
	        cmocka_unit_test(test_role_invalid),
	        cmocka_unit_test(test_scope),
	        cmocka_unit_test(test_scope_end_values),
	        cmocka_unit_test(test_scope_end_small_buffer),
	        cmocka_unit_test(test_scope_range_property),
	        cmocka_unit_test(test_path_in_scope),
	        cmocka_unit_test(test_decide_matrix),
	        cmocka_unit_test(test_decide_spelled_out),
	        cmocka_unit_test(test_decide_invalid_role),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
