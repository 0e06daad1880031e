/*
 * Monthly observation rounds (月观摩) through the real binary: creation by
 * supervisors within their subtree (targets, inspectors, months validated,
 * every bad field at once), who sees a round (owner or target subtree,
 * assigned inspectors, nobody else), updates with versions and If-Match,
 * the coverage of the targets as their inspections advance, the assigned
 * inspector's /me/assignments, closing a round, client ids, list filters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl; /* the default template */

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	crew_build(&srv, &crew);
	tpl = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&srv);
	return 0;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

static const char *round_path(const char *id, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/rounds/%s", id);
}

/* A round of sup.a: targets A1, A2; inspector insp.city. */
static json_t *round_a(const char *month, const char *title, char *id)
{
	return round_create(&srv, crew.cast.supervisor.access, month, title,
	                    (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                    (const char *const[]){crew.insp_city.user_id, NULL}, id);
}

/* A round body as text (caller frees). */
static char *round_body(const char *month, const json_t *org_ids, const json_t *inspector_ids)
{
	return jbody("{s:s, s:s, s:s, s:O, s:O}", "month", month, "title", "测试轮次", "template_id",
	             QIQIANG_TEMPLATE_ID, "org_ids", (json_t *)org_ids, "inspector_ids", (json_t *)inspector_ids);
}

static void expect_round_invalid(const char *bearer, const char *body, const char *const *fields)
{
	expect_invalid(&srv, "POST", "/api/v1/rounds", bearer, body, fields);
}

/*
 * GET /rounds/{id} as bearer and compare its coverage with the targets
 * (NULL-terminated org ids), their names, states and inspection ids (NULL:
 * null).
 */
static void expect_coverage(const char *bearer, const char *round_id, const char *const *orgs, const char *const *names,
                            const char *const *states, const char *const *inspections)
{
	char path[128];
	json_t *r = api_expect(&srv, "GET", round_path(round_id, path, sizeof path), bearer, NULL, 200);
	json_t *cov = json_object_get(r, "coverage");
	size_t n = 0;
	while (orgs[n])
		n++;
	if (!json_is_array(cov) || json_array_size(cov) != n)
		fail_msg("round %s: coverage of %zu entries, want %zu", round_id, json_array_size(cov), n);
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(cov, i);
		assert_string_equal(jstr(c, "org_id"), orgs[i]);
		assert_string_equal(jstr(c, "org_name"), names[i]);
		if (strcmp(jstr(c, "state"), states[i]) != 0)
			fail_msg("round %s, target %zu: state %s, want %s", round_id, i, jstr(c, "state"), states[i]);
		if (inspections[i])
			assert_string_equal(jstr(c, "inspection_id"), inspections[i]);
		else
			assert_true(json_is_null(json_object_get(c, "inspection_id")));
	}
	json_decref(r);
}

/* ---- create ------------------------------------------------------------------- */

static void test_create(void **state)
{
	(void)state;
	char *body = jbody("{s:s, s:s, s:s, s:[s, s], s:[s]}", "month", "2023-03", "title", "2023年3月月观摩",
	                   "template_id", QIQIANG_TEMPLATE_ID, "org_ids", crew.tree.village_a1, crew.tree.village_a2,
	                   "inspector_ids", crew.insp_city.user_id);
	struct http_resp r;
	api_post(&srv, "/api/v1/rounds", crew.cast.supervisor.access, body, &r);
	free(body);
	json_t *o = http_json(&r);
	char want[128];
	assert_created(&r, round_path(jstr(o, "id"), want, sizeof want), 1);
	http_resp_release(&r);
	assert_int_equal(strlen(jstr(o, "id")), 36);
	assert_string_equal(jstr(o, "month"), "2023-03");
	assert_string_equal(jstr(o, "title"), "2023年3月月观摩");
	assert_string_equal(jstr(o, "template_id"), QIQIANG_TEMPLATE_ID);
	assert_string_equal(jstr(o, "org_id"), crew.tree.town_a); /* the creator's organization */
	json_t *orgs = json_object_get(o, "org_ids");
	assert_int_equal(json_array_size(orgs), 2);
	assert_string_equal(json_string_value(json_array_get(orgs, 0)), crew.tree.village_a1);
	assert_string_equal(json_string_value(json_array_get(orgs, 1)), crew.tree.village_a2);
	json_t *insp = json_object_get(o, "inspector_ids");
	assert_int_equal(json_array_size(insp), 1);
	assert_string_equal(json_string_value(json_array_get(insp, 0)), crew.insp_city.user_id);
	assert_string_equal(jstr(o, "status"), "open");
	assert_int_equal(jint(o, "version"), 1);
	assert_timestamp(jstr(o, "created_at"));
	assert_timestamp(jstr(o, "updated_at"));

	/* The detail adds the coverage, in target order. */
	char path[128];
	api_get(&srv, round_path(jstr(o, "id"), path, sizeof path), crew.cast.supervisor.access, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *d = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(d, "title"), "2023年3月月观摩");
	json_decref(d);
	expect_coverage(crew.cast.supervisor.access, jstr(o, "id"),
	                (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                (const char *const[]){"东山村", "南岭村", NULL},
	                (const char *const[]){"not_visited", "not_visited", NULL}, (const char *const[]){NULL, NULL});
	json_decref(o);

	/* Targets may be the own town, its villages and groups; no inspectors is fine. */
	o = round_create(&srv, crew.cast.supervisor.access, "2023-03", "全镇观摩",
	                 (const char *const[]){crew.tree.town_a, crew.tree.group_a1, NULL}, (const char *const[]){NULL},
	                 NULL);
	assert_int_equal(json_array_size(json_object_get(o, "inspector_ids")), 0);
	json_decref(o);

	/* An admin's round belongs to the root and may target anywhere below it. */
	o = round_create(&srv, crew.cast.admin.access, "2023-03", "全市观摩",
	                 (const char *const[]){crew.tree.village_b1, crew.tree.village_a1, NULL},
	                 (const char *const[]){crew.insp_city.user_id, crew.insp_two.user_id, NULL}, NULL);
	assert_string_equal(jstr(o, "org_id"), crew.tree.city);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "org_ids"), 0)), crew.tree.village_b1);
	json_decref(o);
}

static void test_create_validation(void **state)
{
	(void)state;
	const char *sup = crew.cast.supervisor.access;
	json_t *good_orgs = json_pack("[s, s]", crew.tree.village_a1, crew.tree.village_a2);
	json_t *good_insp = json_pack("[s]", crew.insp_city.user_id);
	size_t before = api_count(&srv, "/api/v1/rounds", crew.cast.admin.access);

	/* A target outside the supervisor's subtree. */
	json_t *orgs = json_pack("[s, s]", crew.tree.village_a1, crew.tree.village_b1);
	char *body = round_body("2023-05", orgs, good_insp);
	expect_round_invalid(sup, body, (const char *const[]){"org_ids[1]", NULL});
	free(body);
	json_decref(orgs);

	/* Inspectors must be enabled users with role inspector. */
	const char *not_inspectors[] = {crew.cast.cadre.user_id, crew.sup_b.user_id,
	                                "7c9e6679-7425-40de-944b-e07fc1f90ae7", "not-a-uuid"};
	for (size_t i = 0; i < sizeof not_inspectors / sizeof not_inspectors[0]; i++) {
		json_t *insp = json_pack("[s, s]", crew.insp_city.user_id, not_inspectors[i]);
		body = round_body("2023-05", good_orgs, insp);
		expect_round_invalid(sup, body, (const char *const[]){"inspector_ids[1]", NULL});
		free(body);
		json_decref(insp);
	}
	char off[ID_LEN], path[128];
	api_create_user(&srv, crew.cast.admin.access, "insp.off", "inspector", crew.tree.city, FIXTURE_PASSWORD, off);
	json_decref(api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/users/%s/disable", off),
	                       crew.cast.admin.access, "{}", 200));
	json_t *insp = json_pack("[s]", off);
	body = round_body("2023-05", good_orgs, insp);
	expect_round_invalid(sup, body, (const char *const[]){"inspector_ids[0]", NULL});
	free(body);
	json_decref(insp);

	/* Months are YYYY-MM. */
	static const char *const bad_months[] = {"2023-13", "2023-00", "2023-3", "23-03", "March", "2023-03-01", ""};
	for (size_t i = 0; i < sizeof bad_months / sizeof bad_months[0]; i++) {
		body = round_body(bad_months[i], good_orgs, good_insp);
		expect_round_invalid(sup, body, (const char *const[]){"month", NULL});
		free(body);
	}

	/* Every bad field at once: the malformed ones … */
	orgs = json_pack("[s, s]", crew.tree.village_a1, "not-a-uuid");
	json_t *b = json_pack("{s:s, s:s, s:s, s:O, s:O, s:s}", "month", "2023-13", "title", "", "template_id",
	                      QIQIANG_TEMPLATE_ID, "org_ids", orgs, "inspector_ids", good_insp, "colour", "red");
	body = json_dumps(b, JSON_COMPACT);
	expect_round_invalid(sup, body, (const char *const[]){"month", "title", "org_ids[1]", "colour", NULL});
	free(body);
	json_decref(b);
	json_decref(orgs);
	/* … and the ones the database refutes. */
	orgs = json_pack("[s, s]", crew.tree.village_a1, crew.tree.village_b1);
	insp = json_pack("[s]", crew.cast.cadre.user_id);
	b = json_pack("{s:s, s:s, s:s, s:O, s:O}", "month", "2023-05", "title", "t", "template_id",
	              "7c9e6679-7425-40de-944b-e07fc1f90ae7", "org_ids", orgs, "inspector_ids", insp);
	body = json_dumps(b, JSON_COMPACT);
	expect_round_invalid(sup, body, (const char *const[]){"template_id", "org_ids[1]", "inspector_ids[0]", NULL});
	free(body);
	json_decref(b);
	json_decref(orgs);
	json_decref(insp);

	/* Missing members, empty targets, an unknown field alone. */
	expect_round_invalid(sup, "{}", (const char *const[]){"month", "title", "template_id", "org_ids", NULL});
	json_t *none = json_array();
	body = round_body("2023-05", none, good_insp);
	expect_round_invalid(sup, body, (const char *const[]){"org_ids", NULL});
	free(body);
	json_decref(none);
	b = json_pack("{s:s, s:s, s:s, s:O, s:O, s:s}", "month", "2023-05", "title", "t", "template_id",
	              QIQIANG_TEMPLATE_ID, "org_ids", good_orgs, "inspector_ids", good_insp, "colour", "red");
	body = json_dumps(b, JSON_COMPACT);
	struct http_resp r;
	api_post(&srv, "/api/v1/rounds", sup, body, &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	free(body);
	json_decref(b);

	/* Targets are towns, villages or groups: not the city, even for an admin. */
	orgs = json_pack("[s]", crew.tree.city);
	body = round_body("2023-05", orgs, good_insp);
	expect_round_invalid(crew.cast.admin.access, body, (const char *const[]){"org_ids[0]", NULL});
	free(body);
	json_decref(orgs);

	/* Nothing was created. */
	assert_int_equal(api_count(&srv, "/api/v1/rounds", crew.cast.admin.access), before);
	json_decref(good_orgs);
	json_decref(good_insp);
}

static void test_create_forbidden(void **state)
{
	(void)state;
	json_t *orgs = json_pack("[s]", crew.tree.village_a1);
	json_t *insp = json_pack("[s]", crew.insp_city.user_id);
	char *body = round_body("2023-05", orgs, insp);
	const struct tokens *who[] = {&crew.cast.cadre, &crew.cast.inspector, &crew.insp_city, &crew.viewer_a,
	                              &crew.cast.viewer};
	for (size_t i = 0; i < sizeof who / sizeof who[0]; i++)
		expect_problem(&srv, "POST", "/api/v1/rounds", who[i]->access, body, 403, "forbidden");
	struct http_resp r;
	api_post(&srv, "/api/v1/rounds", NULL, body, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	free(body);
	json_decref(orgs);
	json_decref(insp);
}

static void test_create_with_client_id(void **state)
{
	(void)state;
	char id[ID_LEN], path[128];
	uuid_v4(id);
	char *body = jbody("{s:s, s:s, s:s, s:s, s:[s], s:[s]}", "id", id, "month", "2023-06", "title", "离线创建",
	                   "template_id", QIQIANG_TEMPLATE_ID, "org_ids", crew.tree.village_a1, "inspector_ids",
	                   crew.insp_city.user_id);
	json_t *o = api_expect(&srv, "POST", "/api/v1/rounds", crew.cast.supervisor.access, body, 201);
	assert_string_equal(jstr(o, "id"), id);
	/* The phone retries: 200 and the stored round, not a second one. */
	for (int i = 0; i < 2; i++) {
		json_t *again = api_expect(&srv, "POST", "/api/v1/rounds", crew.cast.supervisor.access, body, 200);
		assert_string_equal(jstr(again, "id"), id);
		assert_int_equal(jint(again, "version"), 1);
		assert_string_equal(jstr(again, "created_at"), jstr(o, "created_at"));
		assert_string_equal(jstr(again, "title"), "离线创建");
		json_decref(again);
	}
	free(body);
	json_t *month = api_list_all(&srv, "/api/v1/rounds?month=2023-06", crew.cast.supervisor.access, 50);
	assert_int_equal(json_array_size(month), 1);
	json_decref(month);
	/* The same id, another body: 409 id_conflict; the round is unchanged. */
	body = jbody("{s:s, s:s, s:s, s:s, s:[s], s:[s]}", "id", id, "month", "2023-06", "title", "另一个标题",
	             "template_id", QIQIANG_TEMPLATE_ID, "org_ids", crew.tree.village_a1, "inspector_ids",
	             crew.insp_city.user_id);
	expect_problem(&srv, "POST", "/api/v1/rounds", crew.cast.supervisor.access, body, 409, "id_conflict");
	free(body);
	json_t *stored =
	        api_expect(&srv, "GET", round_path(id, path, sizeof path), crew.cast.supervisor.access, NULL, 200);
	assert_string_equal(jstr(stored, "title"), "离线创建");
	assert_int_equal(jint(stored, "version"), 1);
	json_decref(stored);
	json_decref(o);
}

/* ---- who sees a round ------------------------------------------------------------ */

static int listed(const char *bearer, const char *id)
{
	json_t *all = api_list_all(&srv, "/api/v1/rounds", bearer, 50);
	int found = find_by(all, "id", id) != NULL;
	json_decref(all);
	return found;
}

static void test_visibility(void **state)
{
	(void)state;
	char ra[ID_LEN], rb[ID_LEN], rx[ID_LEN], path[128];
	json_decref(round_a("2023-07", "东山镇七月观摩", ra));
	json_decref(round_create(&srv, crew.sup_b.access, "2023-07", "西湖街道七月观摩",
	                         (const char *const[]){crew.tree.village_b1, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, rb));
	json_decref(round_create(&srv, crew.cast.admin.access, "2023-07", "全市七月观摩",
	                         (const char *const[]){crew.tree.village_a2, crew.tree.village_b1, NULL},
	                         (const char *const[]){crew.insp_two.user_id, NULL}, rx));

	static const struct {
		int who;     /* index into the people below */
		int a, b, x; /* 200 or 404 for each round */
	} expect[] = {
	        {0, 200, 200, 200}, /* admin */
	        {1, 200, 404, 200}, /* sup.a: its own; the admin's targets A2 */
	        {2, 404, 200, 200}, /* sup.b */
	        {3, 200, 404, 200}, /* viewer.a */
	        {4, 404, 200, 200}, /* viewer.b */
	        {5, 200, 200, 404}, /* insp.city: assigned to A and B */
	        {6, 404, 404, 200}, /* insp.two: assigned to X */
	        {7, 404, 404, 404}, /* insp.a: never assigned, though A is its town */
	};
	const struct tokens *people[] = {&crew.cast.admin, &crew.cast.supervisor, &crew.sup_b,
	                                 &crew.viewer_a,   &crew.cast.viewer,     &crew.insp_city,
	                                 &crew.insp_two,   &crew.cast.inspector};
	static const char *const names[] = {"admin",    "sup.a",     "sup.b",    "viewer.a",
	                                    "viewer.b", "insp.city", "insp.two", "insp.a"};
	const char *ids[] = {ra, rb, rx};
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		const char *bearer = people[expect[i].who]->access;
		int want[] = {expect[i].a, expect[i].b, expect[i].x};
		for (size_t k = 0; k < 3; k++) {
			struct http_resp r;
			api_get(&srv, round_path(ids[k], path, sizeof path), bearer, &r);
			if (r.status != want[k])
				fail_msg("%s GET round %zu: expected %d, got %ld", names[expect[i].who], k, want[k],
				         r.status);
			if (want[k] == 404)
				assert_problem(&r, 404, "not_found");
			http_resp_release(&r);
			if (listed(bearer, ids[k]) != (want[k] == 200))
				fail_msg("%s: round %zu %s the list", names[expect[i].who], k,
				         want[k] == 200 ? "missing from" : "present in");
		}
	}
	/* Cadres have no rounds. */
	expect_problem(&srv, "GET", "/api/v1/rounds", crew.cast.cadre.access, NULL, 403, "forbidden");
	long st = api_status(&srv, round_path(ra, path, sizeof path), crew.cast.cadre.access);
	assert_true(st == 403 || st == 404);
	/* Unknown and malformed ids; no token. */
	expect_problem(&srv, "GET", "/api/v1/rounds/7c9e6679-7425-40de-944b-e07fc1f90ae7", crew.cast.admin.access, NULL,
	               404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/rounds/12345", crew.cast.admin.access, NULL, 404, "not_found");
	struct http_resp r;
	api_get(&srv, "/api/v1/rounds", NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
}

/* ---- update ------------------------------------------------------------------------ */

static void test_update(void **state)
{
	(void)state;
	char id[ID_LEN], path[128];
	json_decref(round_a("2023-08", "八月观摩", id));
	round_path(id, path, sizeof path);
	const char *sup = crew.cast.supervisor.access;
	struct http_resp r;

	/* Without If-Match. */
	api_put(&srv, path, sup, "{\"title\":\"八月观摩（调整）\"}", &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 2);
	json_t *o = http_json(&r);
	http_resp_release(&r);
	assert_int_equal(jint(o, "version"), 2);
	assert_string_equal(jstr(o, "title"), "八月观摩（调整）");
	assert_string_equal(jstr(o, "month"), "2023-08"); /* absent fields stay */
	assert_int_equal(json_array_size(json_object_get(o, "org_ids")), 2);
	json_decref(o);

	/* With the current If-Match: targets and inspectors replaced. */
	char *body = jbody("{s:[s, s, s], s:[s, s]}", "org_ids", crew.tree.village_a2, crew.tree.village_a1,
	                   crew.tree.group_a1, "inspector_ids", crew.insp_city.user_id, crew.insp_two.user_id);
	api_call_v(&srv, "PUT", path, sup, body, 2, &r);
	free(body);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 3);
	o = http_json(&r);
	http_resp_release(&r);
	assert_int_equal(json_array_size(json_object_get(o, "org_ids")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "org_ids"), 0)), crew.tree.village_a2);
	assert_int_equal(json_array_size(json_object_get(o, "inspector_ids")), 2);
	json_decref(o);
	expect_coverage(sup, id,
	                (const char *const[]){crew.tree.village_a2, crew.tree.village_a1, crew.tree.group_a1, NULL},
	                (const char *const[]){"南岭村", "东山村", "东山村一组", NULL},
	                (const char *const[]){"not_visited", "not_visited", "not_visited", NULL},
	                (const char *const[]){NULL, NULL, NULL});
	/* insp.two is assigned now. */
	assert_int_equal(api_status(&srv, path, crew.insp_two.access), 200);

	/* A stale If-Match: 412 with the current round; nothing changes. */
	api_call_v(&srv, "PUT", path, sup, "{\"title\":\"过期的修改\"}", 2, &r);
	assert_problem(&r, 412, "version_conflict");
	o = problem_json(&r);
	http_resp_release(&r);
	json_t *cur = json_object_get(o, "current");
	assert_true(json_is_object(cur));
	assert_string_equal(jstr(cur, "id"), id);
	assert_int_equal(jint(cur, "version"), 3);
	assert_string_equal(jstr(cur, "title"), "八月观摩（调整）");
	json_decref(o);
	/* A malformed one: 400. */
	api_call_m(&srv, "PUT", path, sup, "{\"title\":\"x\"}", "3", &r);
	assert_problem(&r, 400, "bad_request");
	http_resp_release(&r);

	/* Bad values. */
	body = jbody("{s:[s, s]}", "org_ids", crew.tree.village_a1, crew.tree.village_b1);
	expect_invalid(&srv, "PUT", path, sup, body, (const char *const[]){"org_ids[1]", NULL});
	free(body);
	body = jbody("{s:[s]}", "inspector_ids", crew.cast.cadre.user_id);
	expect_invalid(&srv, "PUT", path, sup, body, (const char *const[]){"inspector_ids[0]", NULL});
	free(body);
	expect_invalid(&srv, "PUT", path, sup, "{\"status\":\"archived\"}", (const char *const[]){"status", NULL});
	expect_invalid(&srv, "PUT", path, sup, "{\"title\":\"\"}", (const char *const[]){"title", NULL});
	expect_invalid(&srv, "PUT", path, sup, "{\"org_ids\":[]}", (const char *const[]){"org_ids", NULL});
	api_put(&srv, path, sup, "{\"title\":\"x\",\"colour\":\"red\"}", &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);

	/* Who may not: outside → 404, inside without the right → 403. */
	expect_problem(&srv, "PUT", path, crew.sup_b.access, "{\"title\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", path, crew.viewer_a.access, "{\"title\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.insp_city.access, "{\"title\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", "/api/v1/rounds/7c9e6679-7425-40de-944b-e07fc1f90ae7", sup, "{\"title\":\"x\"}",
	               404, "not_found");

	/* The admin may; the refused writes changed nothing. */
	api_put(&srv, path, crew.cast.admin.access, "{\"title\":\"八月观摩（市里改）\"}", &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 4);
	http_resp_release(&r);
	o = api_expect(&srv, "GET", path, sup, NULL, 200);
	assert_int_equal(jint(o, "version"), 4);
	assert_string_equal(jstr(o, "title"), "八月观摩（市里改）");
	assert_string_equal(jstr(o, "status"), "open");
	assert_int_equal(json_array_size(json_object_get(o, "org_ids")), 3);
	json_decref(o);
}

/* ---- coverage ---------------------------------------------------------------------- */

static void test_coverage_follows_inspections(void **state)
{
	(void)state;
	char id[ID_LEN], first[ID_LEN], second[ID_LEN], other[ID_LEN];
	json_decref(round_a("2023-09", "九月观摩", id));
	const char *const orgs[] = {crew.tree.village_a1, crew.tree.village_a2, NULL};
	const char *const names[] = {"东山村", "南岭村", NULL};
	const char *insp = crew.insp_city.access, *sup = crew.cast.supervisor.access;

	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, id, NULL, NULL, first));
	expect_coverage(sup, id, orgs, names, (const char *const[]){"draft", "not_visited", NULL},
	                (const char *const[]){first, NULL});
	/* The assigned inspector reads the same. */
	expect_coverage(insp, id, orgs, names, (const char *const[]){"draft", "not_visited", NULL},
	                (const char *const[]){first, NULL});

	json_decref(inspection_complete_submit(&srv, insp, first, tpl));
	expect_coverage(sup, id, orgs, names, (const char *const[]){"submitted", "not_visited", NULL},
	                (const char *const[]){first, NULL});

	json_decref(inspection_action(&srv, sup, first, "return", "{\"reason\":\"照片不清楚\"}", 200));
	expect_coverage(sup, id, orgs, names, (const char *const[]){"returned", "not_visited", NULL},
	                (const char *const[]){first, NULL});

	json_decref(inspection_action(&srv, insp, first, "submit", NULL, 200));
	json_decref(inspection_action(&srv, sup, first, "approve", "{}", 200));
	expect_coverage(sup, id, orgs, names, (const char *const[]){"approved", "not_visited", NULL},
	                (const char *const[]){first, NULL});

	/* A later draft of the same target does not hide the approved visit. */
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, id, NULL, NULL, second));
	expect_coverage(sup, id, orgs, names, (const char *const[]){"approved", "not_visited", NULL},
	                (const char *const[]){first, NULL});

	/* A draft of A2, deleted again: back to not visited. */
	char path[128];
	json_decref(inspection_create(&srv, insp, crew.tree.village_a2, id, NULL, NULL, other));
	expect_coverage(sup, id, orgs, names, (const char *const[]){"approved", "draft", NULL},
	                (const char *const[]){first, other});
	json_t *none = api_expect(&srv, "DELETE", inspection_path(other, NULL, path, sizeof path), insp, NULL, 204);
	assert_null(none);
	expect_coverage(sup, id, orgs, names, (const char *const[]){"approved", "not_visited", NULL},
	                (const char *const[]){first, NULL});
}

/* ---- assignments ----------------------------------------------------------------------- */

/* The caller's assignments of round_id, in order. */
static json_t *assignments_of(const char *bearer, const char *round_id)
{
	json_t *j = api_expect(&srv, "GET", "/api/v1/me/assignments", bearer, NULL, 200);
	json_t *items = json_object_get(j, "items");
	assert_true(json_is_array(items));
	/* Ordered by month (newest first), then organization name. */
	for (size_t i = 1; i < json_array_size(items); i++) {
		json_t *a = json_array_get(items, i - 1), *b = json_array_get(items, i);
		int m = strcmp(jstr(a, "month"), jstr(b, "month"));
		if (m < 0 || (m == 0 && strcmp(jstr(a, "org_name"), jstr(b, "org_name")) > 0))
			fail_msg("assignments out of order: %s %s before %s %s", jstr(a, "month"), jstr(a, "org_name"),
			         jstr(b, "month"), jstr(b, "org_name"));
	}
	json_t *mine = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jstr(it, "round_id"), round_id) == 0)
			json_array_append(mine, it);
	}
	json_decref(j);
	return mine;
}

static void expect_assignment(const json_t *a, const char *round_id, const char *org_id, const char *org_name,
                              const char *state, const char *inspection_id)
{
	assert_string_equal(jstr(a, "round_id"), round_id);
	assert_string_equal(jstr(a, "round_title"), "十月观摩");
	assert_string_equal(jstr(a, "month"), "2023-10");
	assert_string_equal(jstr(a, "template_id"), QIQIANG_TEMPLATE_ID);
	assert_string_equal(jstr(a, "org_id"), org_id);
	assert_string_equal(jstr(a, "org_name"), org_name);
	assert_string_equal(jstr(a, "state"), state);
	if (inspection_id)
		assert_string_equal(jstr(a, "inspection_id"), inspection_id);
	else
		assert_true(json_is_null(json_object_get(a, "inspection_id")));
}

static void test_assignments(void **state)
{
	(void)state;
	char id[ID_LEN], older[ID_LEN], insp_id[ID_LEN], path[128];
	/* Targets listed A2 first: assignments still order by name (东山村 < 南岭村). */
	json_decref(round_create(&srv, crew.cast.supervisor.access, "2023-10", "十月观摩",
	                         (const char *const[]){crew.tree.village_a2, crew.tree.village_a1, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, id));
	json_decref(round_a("2023-01", "一月观摩", older));

	json_t *mine = assignments_of(crew.insp_city.access, id);
	assert_int_equal(json_array_size(mine), 2);
	expect_assignment(json_array_get(mine, 0), id, crew.tree.village_a1, "东山村", "not_visited", NULL);
	expect_assignment(json_array_get(mine, 1), id, crew.tree.village_a2, "南岭村", "not_visited", NULL);
	json_decref(mine);

	/* An inspection moves the state. */
	json_decref(inspection_create(&srv, crew.insp_city.access, crew.tree.village_a2, id, NULL, NULL, insp_id));
	mine = assignments_of(crew.insp_city.access, id);
	assert_int_equal(json_array_size(mine), 2);
	expect_assignment(json_array_get(mine, 0), id, crew.tree.village_a1, "东山村", "not_visited", NULL);
	expect_assignment(json_array_get(mine, 1), id, crew.tree.village_a2, "南岭村", "draft", insp_id);
	json_decref(mine);
	json_decref(inspection_complete_submit(&srv, crew.insp_city.access, insp_id, tpl));
	mine = assignments_of(crew.insp_city.access, id);
	expect_assignment(json_array_get(mine, 1), id, crew.tree.village_a2, "南岭村", "submitted", insp_id);
	json_decref(mine);

	/* Not assigned: not listed. */
	mine = assignments_of(crew.insp_two.access, id);
	assert_int_equal(json_array_size(mine), 0);
	json_decref(mine);
	mine = assignments_of(crew.cast.inspector.access, id);
	assert_int_equal(json_array_size(mine), 0);
	json_decref(mine);

	/* Only inspectors have assignments. */
	const struct tokens *others[] = {&crew.cast.supervisor, &crew.cast.admin, &crew.cast.cadre, &crew.viewer_a};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		expect_problem(&srv, "GET", "/api/v1/me/assignments", others[i]->access, NULL, 403, "forbidden");

	/* Closing the round takes it off the list; the other round stays. */
	struct http_resp r;
	api_put(&srv, round_path(id, path, sizeof path), crew.cast.supervisor.access, "{\"status\":\"closed\"}", &r);
	assert_int_equal(r.status, 200);
	json_t *o = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(o, "status"), "closed");
	json_decref(o);
	mine = assignments_of(crew.insp_city.access, id);
	assert_int_equal(json_array_size(mine), 0);
	json_decref(mine);
	mine = assignments_of(crew.insp_city.access, older);
	assert_int_equal(json_array_size(mine), 2);
	json_decref(mine);

	/* The status filter agrees. */
	json_t *closed = api_list_all(&srv, "/api/v1/rounds?status=closed", crew.cast.supervisor.access, 50);
	assert_non_null(find_by(closed, "id", id));
	assert_null(find_by(closed, "id", older));
	json_decref(closed);
	json_t *open = api_list_all(&srv, "/api/v1/rounds?status=open", crew.cast.supervisor.access, 50);
	assert_null(find_by(open, "id", id));
	assert_non_null(find_by(open, "id", older));
	json_decref(open);

	/* Reopened, it is back. */
	api_put(&srv, path, crew.cast.supervisor.access, "{\"status\":\"open\"}", &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
	mine = assignments_of(crew.insp_city.access, id);
	assert_int_equal(json_array_size(mine), 2);
	json_decref(mine);
}

/* ---- lists ------------------------------------------------------------------------------- */

static void test_list_order_and_filters(void **state)
{
	(void)state;
	char a[ID_LEN], b[ID_LEN];
	json_decref(round_a("2024-02", "二月观摩甲", a));
	json_decref(round_a("2024-02", "二月观摩乙", b));

	/* Month newest first, then id; page by page. */
	json_t *all = api_list_all(&srv, "/api/v1/rounds", crew.cast.admin.access, 2);
	assert_true(json_array_size(all) >= 5);
	for (size_t i = 1; i < json_array_size(all); i++) {
		json_t *p = json_array_get(all, i - 1), *c = json_array_get(all, i);
		int m = strcmp(jstr(p, "month"), jstr(c, "month"));
		if (m < 0 || (m == 0 && strcmp(jstr(p, "id"), jstr(c, "id")) >= 0))
			fail_msg("rounds out of order: %s %s before %s %s", jstr(p, "month"), jstr(p, "id"),
			         jstr(c, "month"), jstr(c, "id"));
	}
	assert_string_equal(jstr(json_array_get(all, 0), "month"), "2024-02");
	json_decref(all);

	json_t *feb = api_list_all(&srv, "/api/v1/rounds?month=2024-02", crew.viewer_a.access, 50);
	assert_key_set(feb, "id", (const char *const[]){a, b, NULL});
	json_decref(feb);
	feb = api_list_all(&srv, "/api/v1/rounds?month=2024-02&status=closed", crew.viewer_a.access, 50);
	assert_int_equal(json_array_size(feb), 0);
	json_decref(feb);

	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?limit=0", "limit"},
	        {"?limit=201", "limit"},
	        {"?cursor=garbage", "cursor"},
	        {"?updated_since=not-a-time", "updated_since"},
	        {"?updated_since=2023-03-15T25:00:00Z", "updated_since"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128];
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/rounds%s", bad[i].query),
		               crew.cast.supervisor.access, NULL, (const char *const[]){bad[i].field, NULL});
	}

	/* Sync: an update shows up once after the token. */
	char token[512], since[64];
	json_t *first = sync_walk(&srv, "/api/v1/rounds", crew.cast.supervisor.access,
	                          utc_stamp(-3600, since, sizeof since), 2, token, sizeof token);
	assert_non_null(find_by(first, "id", a));
	json_decref(first);
	char path[128];
	struct http_resp r;
	api_put(&srv, round_path(b, path, sizeof path), crew.cast.supervisor.access, "{\"title\":\"二月观摩乙（改）\"}",
	        &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
	json_t *changes = sync_walk(&srv, "/api/v1/rounds", crew.cast.supervisor.access, token, 2, NULL, 0);
	assert_int_equal(json_array_size(changes), 1);
	assert_string_equal(jstr(json_array_get(changes, 0), "id"), b);
	assert_int_equal(jint(json_array_get(changes, 0), "version"), 2);
	json_decref(changes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create),
	        cmocka_unit_test(test_create_validation),
	        cmocka_unit_test(test_create_forbidden),
	        cmocka_unit_test(test_create_with_client_id),
	        cmocka_unit_test(test_visibility),
	        cmocka_unit_test(test_update),
	        cmocka_unit_test(test_coverage_follows_inspections),
	        cmocka_unit_test(test_assignments),
	        cmocka_unit_test(test_list_order_and_filters),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_rounds", tests, group_setup, group_teardown);
}
