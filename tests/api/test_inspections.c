/*
 * Inspections and findings through the real binary: an assigned inspector's
 * offline create (client id, retries, conflicts), the score the contract's
 * formula gives on the default 七强 template, edits with versions and
 * If-Match, validation listing every bad field at once, the workflow draft →
 * submitted → returned → submitted → approved with its refusals (incomplete,
 * invalid transitions, forbidden and invisible callers), deletion of drafts,
 * automatic findings from number items missing their thresholds, manual
 * findings and who may change which, and the list filters.
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
static json_t *tpl;                    /* the default template */
static char round_id[ID_LEN];          /* sup.a's round: A1, A2; insp.city */
static char other_template[ID_LEN];    /* a second template (key "other") */
static const char *insp, *sup, *admin; /* insp.city, sup.a, admin */
static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	insp = crew.insp_city.access;
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
	json_t *t =
	        api_expect(&srv, "POST", "/api/v1/templates", admin,
	                   "{\"key\":\"other\",\"name\":\"其他模板\",\"dimensions\":[{\"code\":\"o1\",\"label\":"
	                   "\"唯一维度\",\"weight\":100,\"items\":[{\"code\":\"o1a\",\"text\":\"是否达标\",\"kind\":"
	                   "\"yes_no\",\"max_score\":10,\"needs_photo\":false,\"source\":null}]}]}",
	                   201);
	snprintf(other_template, sizeof other_template, "%s", jstr(t, "id"));
	json_decref(t);
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

/* ---- helpers ------------------------------------------------------------------- */

/* The n-th (0-based) item of kind (NULL: any non-text) whose needs_photo is
 * photo (-1: either); NULL when there is none. Borrowed. */
static json_t *nth_item(const char *kind, int photo, size_t n)
{
	json_t *items = template_items(tpl), *found = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *k = jstr(it, "kind");
		if (kind ? strcmp(k, kind) != 0 : strcmp(k, "text") == 0)
			continue;
		if (photo >= 0 && json_is_true(json_object_get(it, "needs_photo")) != photo)
			continue;
		if (n-- == 0) {
			found = it;
			break;
		}
	}
	json_decref(items);
	return found;
}

static json_t *need_item(const char *kind, int photo, size_t n)
{
	json_t *it = nth_item(kind, photo, n);
	if (!it)
		fail_msg("the default template has no item #%zu of kind %s (needs_photo %d)", n,
		         kind ? kind : "non-text", photo);
	return it;
}

/* An inspection of insp.city in the round, at A1, with answers (may be NULL). */
static json_t *draft_a1(const json_t *answers, char *id)
{
	return inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, answers, id);
}

/* PUT body on an inspection expecting want; returns the parsed answer. */
static json_t *put_inspection(const char *bearer, const char *id, const char *body, long long if_match, long want,
                              struct http_resp *keep)
{
	char path[128];
	struct http_resp r;
	api_call_v(&srv, "PUT", inspection_path(id, NULL, path, sizeof path), bearer, body, if_match, &r);
	if (r.status != want)
		fail_msg("PUT %s %.200s: expected %ld, got %ld: %.400s", path, body, want, r.status, buf_cstr(&r.body));
	json_t *j = r.body.len ? http_json(&r) : NULL;
	if (keep)
		*keep = r;
	else
		http_resp_release(&r);
	return j;
}

/* A request that must be 409 invalid_transition allowing exactly allowed
 * (NULL-terminated, any order). */
static void expect_invalid_transition(const char *method, const char *path, const char *bearer, const char *body,
                                      const char *const *allowed)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != 409)
		fail_msg("%s %s: expected 409 invalid_transition, got %ld: %.400s", method, path, r.status,
		         buf_cstr(&r.body));
	assert_problem(&r, 409, "invalid_transition");
	json_t *p = problem_json(&r);
	http_resp_release(&r);
	json_t *got = json_object_get(p, "allowed");
	if (!json_is_array(got))
		fail_msg("%s %s: 409 without an allowed list", method, path);
	json_t *objs = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(got, i, v)
	{
		json_array_append_new(objs, json_pack("{s:s}", "id", json_string_value(v)));
	}
	assert_key_set(objs, "id", allowed);
	json_decref(objs);
	json_decref(p);
}

static const char *action_path(const char *id, const char *action, char *out, size_t outlen)
{
	char suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return inspection_path(id, suffix, out, outlen);
}

static json_t *findings_of(const char *bearer, const char *inspection_id)
{
	char path[160];
	return api_list_all(&srv, inspection_path(inspection_id, "/findings", path, sizeof path), bearer, 50);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static int near(double a, double b)
{
	double d = a - b;
	return d < 1e-9 && d > -1e-9;
}

/* ---- create and score -------------------------------------------------------------- */

static void test_create_and_score(void **state)
{
	(void)state;
	/* A chosen answer set: over the template's items in order, full marks,
	 * half marks, nothing (score max / max/2 / 0; yes_no true / false /
	 * false; number meeting / meeting / missing its threshold), photos where
	 * needed, text answered. */
	json_t *items = template_items(tpl), *answers = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_array_append_new(answers, answer_make(it, 2 - (int)(i % 3), 1));
	}
	json_decref(items);
	json_t *want_score = score_expected(tpl, answers);
	double total = jnum(json_object_get(want_score, "total"));
	assert_true(total > 0 && total < 100); /* the set really is mixed */

	char id[ID_LEN], started[32], finished[32], path[128], loc[128];
	uuid_v4(id);
	utc_stamp(-7200, started, sizeof started);
	utc_stamp(-3600, finished, sizeof finished);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:f, s:f, s:i}, s:O, s:s}", "id", id, "org_id",
	                         crew.tree.village_a2, "round_id", round_id, "started_at", started, "finished_at",
	                         finished, "location", "lat", 31.2304, "lng", 121.4737, "accuracy_m", 15, "answers",
	                         answers, "notes", "村部整洁，资料齐全");
	char *text = json_dumps(body, JSON_COMPACT);
	struct http_resp r;
	api_post(&srv, "/api/v1/inspections", insp, text, &r);
	if (r.status != 201)
		fail_msg("POST /inspections: expected 201, got %ld: %.400s", r.status, buf_cstr(&r.body));
	json_t *o = http_json(&r);
	assert_created(&r, inspection_path(id, NULL, loc, sizeof loc), 1);
	http_resp_release(&r);

	assert_string_equal(jstr(o, "id"), id);
	assert_string_equal(jstr(o, "org_id"), crew.tree.village_a2);
	assert_string_equal(jstr(o, "org_name"), "南岭村");
	assert_string_equal(jstr(o, "round_id"), round_id);
	assert_string_equal(jstr(o, "template_id"), QIQIANG_TEMPLATE_ID); /* the round's */
	assert_string_equal(jstr(o, "inspector_id"), crew.insp_city.user_id);
	assert_string_equal(jstr(o, "inspector_name"), "用户 insp.city");
	assert_string_equal(jstr(o, "status"), "draft");
	assert_string_equal(jstr(o, "started_at"), started);
	assert_string_equal(jstr(o, "finished_at"), finished);
	json_t *l = json_object_get(o, "location");
	assert_true(near(jnum(json_object_get(l, "lat")), 31.2304));
	assert_true(near(jnum(json_object_get(l, "lng")), 121.4737));
	assert_true(near(jnum(json_object_get(l, "accuracy_m")), 15));
	assert_string_equal(jstr(o, "notes"), "村部整洁，资料齐全");
	assert_true(json_is_null(json_object_get(o, "return_reason")));
	assert_true(json_is_null(json_object_get(o, "submitted_at")));
	assert_true(json_is_null(json_object_get(o, "reviewed_at")));
	assert_true(json_is_null(json_object_get(o, "reviewed_by")));
	assert_int_equal(jint(o, "version"), 1);
	assert_timestamp(jstr(o, "created_at"));
	assert_timestamp(jstr(o, "updated_at"));
	json_t *got_answers = json_object_get(o, "answers");
	assert_int_equal(json_array_size(got_answers), json_array_size(answers));
	json_array_foreach(answers, i, it)
	{
		json_t *g = find_by(got_answers, "item_code", jstr(it, "item_code"));
		if (!g)
			fail_msg("answer %s is missing", jstr(it, "item_code"));
		json_t *gv = json_object_get(g, "value"), *wv = json_object_get(it, "value");
		if (json_is_number(wv) ? !near(jnum(gv), jnum(wv)) : !json_equal(gv, wv))
			fail_msg("answer %s changed its value", jstr(it, "item_code"));
		assert_true(json_is_null(json_object_get(g, "note")));
		assert_true(json_equal(json_object_get(g, "photo_ids"), json_object_get(it, "photo_ids")));
	}

	/* The score: per dimension and total, exactly the contract's formula. */
	json_t *score = json_object_get(o, "score");
	json_t *wd = json_object_get(want_score, "dimensions"), *gd = json_object_get(score, "dimensions");
	assert_int_equal(json_array_size(gd), 7);
	json_array_foreach(wd, i, it)
	{
		json_t *g = json_array_get(gd, i);
		assert_string_equal(jstr(g, "code"), jstr(it, "code"));
		assert_int_equal(jint(g, "weight"), jint(it, "weight"));
		if (!json_is_true(json_object_get(it, "score_tie")) &&
		    !near(jnum(json_object_get(g, "score")), jnum(json_object_get(it, "score"))))
			fail_msg("dimension %s: %.2f, want %.1f", jstr(it, "code"), jnum(json_object_get(g, "score")),
			         jnum(json_object_get(it, "score")));
	}
	if (!json_is_true(json_object_get(want_score, "total_tie")) &&
	    !near(jnum(json_object_get(score, "total")), total))
		fail_msg("total %.2f, want %.1f", jnum(json_object_get(score, "total")), total);
	assert_score(o, tpl); /* the same, allowing either neighbour on a rounding tie */
	json_decref(want_score);

	/* The phone retries three times: 200 with the same object, one row. */
	for (int k = 0; k < 3; k++) {
		json_t *again = api_expect(&srv, "POST", "/api/v1/inspections", insp, text, 200);
		if (!json_equal(again, o))
			fail_msg("a retried create answers another object");
		json_decref(again);
	}
	free(text);
	pathf(path, sizeof path, "/api/v1/inspections?round_id=%s&org_id=%s", round_id, crew.tree.village_a2);
	json_t *listed = api_list_all(&srv, path, insp, 50);
	assert_int_equal(json_array_size(listed), 1);
	assert_string_equal(jstr(json_array_get(listed, 0), "id"), id);
	json_decref(listed);

	/* The same id with another body: 409 id_conflict, nothing changes. */
	json_object_set_new(body, "notes", json_string("另一次记录"));
	text = json_dumps(body, JSON_COMPACT);
	expect_problem(&srv, "POST", "/api/v1/inspections", insp, text, 409, "id_conflict");
	free(text);
	json_t *stored = api_expect(&srv, "GET", inspection_path(id, NULL, path, sizeof path), insp, NULL, 200);
	assert_true(json_equal(stored, o));
	json_decref(stored);

	/* Without a client id the server makes one; without a round the
	 * template is named. */
	json_t *plain = inspection_create(&srv, insp, crew.tree.village_a1, NULL, QIQIANG_TEMPLATE_ID, NULL, NULL);
	assert_int_equal(strlen(jstr(plain, "id")), 36);
	assert_string_not_equal(jstr(plain, "id"), id);
	assert_true(json_is_null(json_object_get(plain, "round_id")));
	assert_true(json_is_null(json_object_get(plain, "location")));
	assert_int_equal(json_array_size(json_object_get(plain, "answers")), 0);
	assert_true(near(jnum(json_object_get(json_object_get(plain, "score"), "total")), 0));
	json_decref(plain);

	json_decref(o);
	json_decref(body);
	json_decref(answers);
}

static void test_score_extremes(void **state)
{
	(void)state;
	char id[ID_LEN];
	json_decref(draft_a1(NULL, id));
	/* Full marks: every dimension 100.0, the total 100.0. */
	json_t *full = answers_complete(tpl, 0);
	json_t *o = inspection_put_answers(&srv, insp, id, full);
	json_t *score = json_object_get(o, "score");
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(score, "dimensions"), i, d)
	{
		if (!near(jnum(json_object_get(d, "score")), 100))
			fail_msg("full marks: dimension %s scores %.2f", jstr(d, "code"),
			         jnum(json_object_get(d, "score")));
	}
	assert_true(near(jnum(json_object_get(score, "total")), 100));
	json_decref(o);
	/* Only text answered: nothing scores. */
	json_t *texts = json_array();
	json_array_foreach(full, i, d)
	{
		json_t *item = template_item(tpl, jstr(d, "item_code"));
		if (strcmp(jstr(item, "kind"), "text") == 0)
			json_array_append(texts, d);
	}
	o = inspection_put_answers(&srv, insp, id, texts);
	score = json_object_get(o, "score");
	json_array_foreach(json_object_get(score, "dimensions"), i, d)
	{
		assert_true(near(jnum(json_object_get(d, "score")), 0));
	}
	assert_true(near(jnum(json_object_get(score, "total")), 0));
	json_decref(o);
	/* Mixed: the formula again. */
	json_t *mixed = answers_complete(tpl, 1);
	o = inspection_put_answers(&srv, insp, id, mixed);
	assert_score(o, tpl);
	json_decref(o);
	json_decref(mixed);
	json_decref(texts);
	json_decref(full);
}

/* ---- update ---------------------------------------------------------------------------- */

static void test_update(void **state)
{
	(void)state;
	char id[ID_LEN], path[128];
	json_decref(draft_a1(NULL, id));
	inspection_path(id, NULL, path, sizeof path);

	/* Answers replace all; the score follows; version and ETag move. */
	json_t *answers = answers_complete(tpl, 1);
	json_t *body = json_pack("{s:O}", "answers", answers);
	char *text = json_dumps(body, JSON_COMPACT);
	struct http_resp r;
	json_t *o = put_inspection(insp, id, text, -1, 200, &r);
	free(text);
	json_decref(body);
	assert_etag(&r, 2);
	http_resp_release(&r);
	assert_int_equal(jint(o, "version"), 2);
	assert_int_equal(json_array_size(json_object_get(o, "answers")), json_array_size(answers));
	assert_score(o, tpl);
	double total = jnum(json_object_get(json_object_get(o, "score"), "total"));
	json_decref(o);

	/* With the current If-Match: notes and location; absent fields stay. */
	o = put_inspection(insp, id,
	                   "{\"notes\":\"补充说明\",\"location\":{\"lat\":30.5,\"lng\":-120.25,\"accuracy_m\":0}}", 2,
	                   200, &r);
	assert_etag(&r, 3);
	http_resp_release(&r);
	assert_string_equal(jstr(o, "notes"), "补充说明");
	assert_true(near(jnum(json_object_get(json_object_get(o, "location"), "lng")), -120.25));
	assert_int_equal(json_array_size(json_object_get(o, "answers")), json_array_size(answers));
	assert_true(near(jnum(json_object_get(json_object_get(o, "score"), "total")), total));
	json_decref(o);

	/* A stale If-Match: 412 with the current inspection. */
	o = put_inspection(insp, id, "{\"notes\":\"过期\"}", 2, 412, &r);
	assert_problem(&r, 412, "version_conflict");
	http_resp_release(&r);
	json_t *cur = json_object_get(o, "current");
	assert_string_equal(jstr(cur, "id"), id);
	assert_int_equal(jint(cur, "version"), 3);
	assert_string_equal(jstr(cur, "notes"), "补充说明");
	json_decref(o);
	/* A malformed one: 400. */
	api_call_m(&srv, "PUT", path, insp, "{\"notes\":\"x\"}", "W/\"3\"", &r);
	assert_problem(&r, 400, "bad_request");
	http_resp_release(&r);

	/* location null clears; timestamps set. */
	char started[32], finished[32];
	utc_stamp(-600, started, sizeof started);
	utc_stamp(-60, finished, sizeof finished);
	text = jbody("{s:n, s:s, s:s}", "location", "started_at", started, "finished_at", finished);
	o = put_inspection(insp, id, text, 3, 200, NULL);
	free(text);
	assert_true(json_is_null(json_object_get(o, "location")));
	assert_string_equal(jstr(o, "started_at"), started);
	assert_string_equal(jstr(o, "finished_at"), finished);
	assert_int_equal(jint(o, "version"), 4);
	json_decref(o);

	/* Others: inside the scope → 403; outside (or not visible) → 404. */
	expect_problem(&srv, "PUT", path, sup, "{\"notes\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", path, admin, "{\"notes\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.viewer_a.access, "{\"notes\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.sup_b.access, "{\"notes\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", path, crew.insp_two.access, "{\"notes\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", path, crew.cast.inspector.access, "{\"notes\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", path, crew.cast.cadre.access, "{\"notes\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", "/api/v1/inspections/7c9e6679-7425-40de-944b-e07fc1f90ae7", insp,
	               "{\"notes\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", "/api/v1/inspections/nope", insp, "{\"notes\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/inspections/nope", insp, NULL, 404, "not_found");

	/* Nothing of that changed it. */
	o = api_expect(&srv, "GET", path, insp, NULL, 200);
	assert_int_equal(jint(o, "version"), 4);
	assert_string_equal(jstr(o, "notes"), "补充说明");
	json_decref(o);
	json_decref(answers);
}

/* ---- validation ---------------------------------------------------------------------------- */

static json_t *answer_of(const json_t *item, json_t *value)
{
	return json_pack("{s:s, s:o}", "item_code", jstr(item, "code"), "value", value);
}

/* The body that breaks every rule at once, and the fields it must list. */
static json_t *bad_body(int for_put)
{
	json_t *s1 = need_item("score", -1, 0), *s2 = need_item("score", -1, 1), *s3 = need_item("score", -1, 2);
	json_t *yn = need_item("yes_no", -1, 0), *num = need_item("number", -1, 0);
	char *long_note = repeat('n', 1001), *long_notes = repeat('x', 5001), future[32];
	json_t *answers = json_array();
	json_array_append_new(answers, json_pack("{s:s, s:i}", "item_code", "no_such_item", "value", 1));
	json_array_append_new(answers, answer_of(s1, json_string("五分")));
	json_array_append_new(answers, answer_of(yn, json_integer(1)));
	json_array_append_new(answers, answer_of(s2, json_integer(jint(s2, "max_score") + 1)));
	json_array_append_new(answers, answer_of(s3, json_integer(-1)));
	json_t *noted = answer_of(num, json_integer(5));
	json_object_set_new(noted, "note", json_string(long_note));
	json_array_append_new(answers, noted);
	json_array_append_new(answers, answer_of(num, json_integer(6)));
	json_t *b = json_pack("{s:o, s:{s:i, s:i, s:i}, s:s, s:s, s:s}", "answers", answers, "location", "lat", 91,
	                      "lng", -181, "accuracy_m", -1, "started_at", utc_stamp(3 * 86400, future, sizeof future),
	                      "notes", long_notes, "colour", "red");
	if (!for_put) {
		json_object_set_new(b, "org_id", json_string(crew.tree.village_a1));
		json_object_set_new(b, "round_id", json_string(round_id));
	}
	free(long_note);
	free(long_notes);
	return b;
}

static const char *const bad_fields[] = {"answers[0].item_code",
                                         "answers[1].value",
                                         "answers[2].value",
                                         "answers[3].value",
                                         "answers[4].value",
                                         "answers[5].note",
                                         "answers[6].item_code",
                                         "location.lat",
                                         "location.lng",
                                         "location.accuracy_m",
                                         "started_at",
                                         "notes",
                                         "colour",
                                         NULL};

static void test_validation(void **state)
{
	(void)state;
	char list_path[160];
	pathf(list_path, sizeof list_path, "/api/v1/inspections?org_id=%s", crew.tree.village_a1);
	size_t before = api_count(&srv, list_path, insp);

	/* Everything at once, on create … */
	json_t *b = bad_body(0);
	char *text = json_dumps(b, JSON_COMPACT);
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, text, bad_fields);
	free(text);
	json_decref(b);
	/* … the unknown field alone, with its message … */
	char *body = jbody("{s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id, "colour", "red");
	struct http_resp r;
	api_post(&srv, "/api/v1/inspections", insp, body, &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	free(body);
	/* … and on edit. */
	char id[ID_LEN], path[128];
	json_decref(draft_a1(NULL, id));
	b = bad_body(1);
	text = json_dumps(b, JSON_COMPACT);
	expect_invalid(&srv, "PUT", inspection_path(id, NULL, path, sizeof path), insp, text, bad_fields);
	free(text);
	json_decref(b);

	/* Times: finished before started; finished in the future. */
	char t1[32], t2[32];
	body = jbody("{s:s, s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id, "started_at",
	             utc_stamp(-3600, t1, sizeof t1), "finished_at", utc_stamp(-7200, t2, sizeof t2));
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"finished_at", NULL});
	free(body);
	body = jbody("{s:s, s:s}", "started_at", utc_stamp(-3600, t1, sizeof t1), "finished_at",
	             utc_stamp(2 * 86400, t2, sizeof t2));
	expect_invalid(&srv, "PUT", path, insp, body, (const char *const[]){"finished_at", NULL});
	free(body);
	expect_invalid(&srv, "PUT", path, insp, "{\"started_at\":\"yesterday\"}",
	               (const char *const[]){"started_at", NULL});

	/* Answer shapes. */
	json_t *num = need_item("number", -1, 0), *yn = need_item("yes_no", -1, 0);
	struct {
		json_t *answers;
		const char *field;
	} shapes[] = {
	        {json_pack("[{s:O}]", "value", json_object_get(num, "threshold")), "answers[0].item_code"},
	        {json_pack("[{s:s}]", "item_code", jstr(num, "code")), "answers[0].value"},
	        {json_pack("[{s:s, s:s}]", "item_code", jstr(num, "code"), "value", "100000"), "answers[0].value"},
	        {json_pack("[{s:s, s:b, s:[s]}]", "item_code", jstr(yn, "code"), "value", 1, "photo_ids", "not-a-uuid"),
	         "answers[0].photo_ids[0]|answers[0].photo_ids"},
	        {json_pack("{s:s}", "item_code", jstr(yn, "code")), "answers"},
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		json_t *bb = json_pack("{s:o}", "answers", shapes[i].answers);
		text = json_dumps(bb, JSON_COMPACT);
		expect_invalid(&srv, "PUT", path, insp, text, (const char *const[]){shapes[i].field, NULL});
		free(text);
		json_decref(bb);
	}
	/* 21 photos on one answer. */
	json_t *photos = json_array();
	for (int i = 0; i < 21; i++) {
		char pid[ID_LEN];
		json_array_append_new(photos, json_string(uuid_v4(pid)));
	}
	json_t *bb = json_pack("{s:[{s:s, s:b, s:o}]}", "answers", "item_code", jstr(yn, "code"), "value", 1,
	                       "photo_ids", photos);
	text = json_dumps(bb, JSON_COMPACT);
	expect_invalid(&srv, "PUT", path, insp, text, (const char *const[]){"answers[0].photo_ids", NULL});
	free(text);
	json_decref(bb);
	/* A text answer of more than 2000 characters. */
	json_t *txt = nth_item("text", -1, 0);
	if (txt) {
		char *long_text = repeat('t', 2001);
		bb = json_pack("{s:[{s:s, s:s}]}", "answers", "item_code", jstr(txt, "code"), "value", long_text);
		text = json_dumps(bb, JSON_COMPACT);
		expect_invalid(&srv, "PUT", path, insp, text, (const char *const[]){"answers[0].value", NULL});
		free(text);
		json_decref(bb);
		free(long_text);
	}

	/* Create: the organization and the template. */
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, "{}", (const char *const[]){"org_id", NULL});
	body = jbody("{s:s}", "org_id", crew.tree.village_a1); /* no round, no template */
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"template_id", NULL});
	free(body);
	body = jbody("{s:s, s:s}", "org_id", crew.tree.village_a1, "template_id", unknown_id);
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"template_id", NULL});
	free(body);
	body = jbody("{s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id, "template_id",
	             other_template); /* not the round's */
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"template_id", NULL});
	free(body);

	/* None of it was stored. */
	assert_int_equal(api_count(&srv, list_path, insp), before + 1);
	json_t *o = api_expect(&srv, "GET", path, insp, NULL, 200);
	assert_int_equal(jint(o, "version"), 1);
	assert_int_equal(json_array_size(json_object_get(o, "answers")), 0);
	json_decref(o);
}

/* ---- who may create ------------------------------------------------------------------------- */

static void test_create_scope(void **state)
{
	(void)state;
	char *body = jbody("{s:s, s:s}", "org_id", crew.tree.village_a1, "template_id", QIQIANG_TEMPLATE_ID);
	const struct tokens *not_inspectors[] = {&crew.cast.admin, &crew.cast.supervisor, &crew.cast.cadre,
	                                         &crew.viewer_a};
	for (size_t i = 0; i < sizeof not_inspectors / sizeof not_inspectors[0]; i++)
		expect_problem(&srv, "POST", "/api/v1/inspections", not_inspectors[i]->access, body, 403, "forbidden");
	struct http_resp r;
	api_post(&srv, "/api/v1/inspections", NULL, body, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	free(body);

	/* insp.a (town A): inside its town without a round, not beyond. */
	json_decref(inspection_create(&srv, crew.cast.inspector.access, crew.tree.village_a1, NULL, QIQIANG_TEMPLATE_ID,
	                              NULL, NULL));
	body = jbody("{s:s, s:s}", "org_id", crew.tree.village_b1, "template_id", QIQIANG_TEMPLATE_ID);
	expect_invalid(&srv, "POST", "/api/v1/inspections", crew.cast.inspector.access, body,
	               (const char *const[]){"org_id", NULL});
	free(body);
	/* A round the inspector is not assigned to. */
	body = jbody("{s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id);
	expect_invalid(&srv, "POST", "/api/v1/inspections", crew.insp_two.access, body,
	               (const char *const[]){"round_id", NULL});
	expect_invalid(&srv, "POST", "/api/v1/inspections", crew.cast.inspector.access, body,
	               (const char *const[]){"round_id", NULL});
	free(body);
	body = jbody("{s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", unknown_id);
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"round_id", NULL});
	free(body);
	/* An organization that is not a target of the round. */
	body = jbody("{s:s, s:s}", "org_id", crew.tree.village_b1, "round_id", round_id);
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"org_id", NULL});
	free(body);
	/* The city team may visit anywhere without a round. */
	json_decref(inspection_create(&srv, insp, crew.tree.village_b1, NULL, QIQIANG_TEMPLATE_ID, NULL, NULL));
}

/* ---- the workflow ----------------------------------------------------------------------------- */

static void expect_missing(const char *id, const char *const *codes, const char *const *reasons)
{
	char path[160];
	struct http_resp r;
	api_post(&srv, action_path(id, "submit", path, sizeof path), insp, "{}", &r);
	assert_problem(&r, 409, "incomplete");
	json_t *p = problem_json(&r);
	http_resp_release(&r);
	json_t *missing = json_object_get(p, "missing");
	if (!json_is_array(missing))
		fail_msg("409 incomplete without a missing list");
	json_t *got = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(missing, i, m)
	{
		char key[200];
		snprintf(key, sizeof key, "%s/%s", jstr(m, "item_code"), jstr(m, "reason"));
		json_array_append_new(got, json_pack("{s:s}", "k", key));
	}
	const char *want[8];
	char keys[8][200];
	size_t n = 0;
	for (; codes[n]; n++) {
		snprintf(keys[n], sizeof keys[n], "%s/%s", codes[n], reasons[n]);
		want[n] = keys[n];
	}
	want[n] = NULL;
	assert_key_set(got, "k", want);
	json_decref(got);
	json_decref(p);
}

static void test_workflow(void **state)
{
	(void)state;
	char id[ID_LEN], path[128], apath[160];
	json_t *unanswered = need_item(NULL, 0, 0); /* a non-text item needing no photo */
	json_t *photo_item = nth_item(NULL, 1, 0);  /* a non-text item needing a photo */

	/* Incomplete: one item unanswered, one answered without its photo. */
	json_t *full = answers_complete(tpl, 1);
	json_t *answers = answers_without(full, jstr(unanswered, "code"));
	if (photo_item) {
		json_t *bare = answer_make(photo_item, 2, 0);
		json_t *tmp = answers_with(answers, jstr(photo_item, "code"), bare);
		json_decref(answers);
		answers = tmp;
	}
	json_decref(draft_a1(answers, id));
	inspection_path(id, NULL, path, sizeof path);
	if (photo_item)
		expect_missing(id, (const char *const[]){jstr(unanswered, "code"), jstr(photo_item, "code"), NULL},
		               (const char *const[]){"unanswered", "photo_required", NULL});
	else
		expect_missing(id, (const char *const[]){jstr(unanswered, "code"), NULL},
		               (const char *const[]){"unanswered", NULL});
	/* Nothing but drafts before a submit. */
	expect_invalid_transition("POST", action_path(id, "approve", apath, sizeof apath), sup, "{}",
	                          (const char *const[]){"submit", NULL});
	expect_invalid_transition("POST", action_path(id, "return", apath, sizeof apath), sup,
	                          "{\"reason\":\"还没提交\"}", (const char *const[]){"submit", NULL});

	/* Completed, submitted with If-Match. */
	json_t *o = inspection_put_answers(&srv, insp, id, full);
	long long v = jint(o, "version");
	json_decref(o);
	struct http_resp r;
	api_call_v(&srv, "POST", action_path(id, "submit", apath, sizeof apath), insp, "{}", v - 1, &r);
	assert_problem(&r, 412, "version_conflict");
	o = problem_json(&r);
	assert_int_equal(jint(json_object_get(o, "current"), "version"), v);
	assert_string_equal(jstr(json_object_get(o, "current"), "status"), "draft");
	json_decref(o);
	http_resp_release(&r);
	api_call_v(&srv, "POST", apath, insp, "{}", v, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, v + 1);
	o = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(o, "status"), "submitted");
	assert_timestamp(jstr(o, "submitted_at"));
	assert_int_equal(jint(o, "version"), v + 1);
	assert_score(o, tpl);
	json_decref(o);

	/* The owner can no longer change, submit or delete it. */
	const char *const review[] = {"approve", "return", NULL};
	expect_invalid_transition("PUT", path, insp, "{\"notes\":\"改一下\"}", review);
	expect_invalid_transition("POST", action_path(id, "submit", apath, sizeof apath), insp, "{}", review);
	expect_invalid_transition("DELETE", path, insp, NULL, review);

	/* Who may not review: the inspector (403), a viewer inside (403), those outside (404). */
	action_path(id, "approve", apath, sizeof apath);
	expect_problem(&srv, "POST", apath, insp, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", apath, crew.viewer_a.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", apath, crew.sup_b.access, "{}", 404, "not_found");
	expect_problem(&srv, "POST", apath, crew.cast.viewer.access, "{}", 404, "not_found");
	expect_problem(&srv, "POST", apath, crew.cast.cadre.access, "{}", 404, "not_found");
	expect_problem(&srv, "POST", apath, crew.insp_two.access, "{}", 404, "not_found");

	/* Return needs a reason of 1..500 characters. */
	action_path(id, "return", apath, sizeof apath);
	expect_invalid(&srv, "POST", apath, sup, "{}", (const char *const[]){"reason", NULL});
	expect_invalid(&srv, "POST", apath, sup, "{\"reason\":\"\"}", (const char *const[]){"reason", NULL});
	char *long_reason = repeat('r', 501);
	char *body = jbody("{s:s}", "reason", long_reason);
	expect_invalid(&srv, "POST", apath, sup, body, (const char *const[]){"reason", NULL});
	free(body);
	free(long_reason);
	o = inspection_action(&srv, sup, id, "return", "{\"reason\":\"照片不清楚，请补拍\"}", 200);
	assert_string_equal(jstr(o, "status"), "returned");
	assert_string_equal(jstr(o, "return_reason"), "照片不清楚，请补拍");
	json_decref(o);
	expect_invalid_transition("POST", apath, sup, "{\"reason\":\"再退\"}", (const char *const[]){"submit", NULL});

	/* The inspector edits and submits again. */
	o = put_inspection(insp, id, "{\"notes\":\"已补拍照片\"}", -1, 200, NULL);
	assert_string_equal(jstr(o, "status"), "returned");
	assert_string_equal(jstr(o, "notes"), "已补拍照片");
	json_decref(o);
	o = inspection_action(&srv, insp, id, "submit", NULL, 200);
	assert_string_equal(jstr(o, "status"), "submitted");
	v = jint(o, "version");
	json_decref(o);

	/* Approval, with a stale If-Match first, then with an empty body. */
	action_path(id, "approve", apath, sizeof apath);
	api_call_v(&srv, "POST", apath, sup, "{}", v - 1, &r);
	assert_problem(&r, 412, "version_conflict");
	http_resp_release(&r);
	api_call(&srv, "POST", apath, sup, NULL, NULL, &r);
	if (r.status != 200)
		fail_msg("approve without a body: %ld %.300s", r.status, buf_cstr(&r.body));
	assert_etag(&r, v + 1);
	o = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(o, "status"), "approved");
	assert_timestamp(jstr(o, "reviewed_at"));
	assert_string_equal(jstr(o, "reviewed_by"), crew.cast.supervisor.user_id);
	json_decref(o);

	/* Approved is final. */
	const char *const none[] = {NULL};
	expect_invalid_transition("POST", apath, sup, "{}", none);
	expect_invalid_transition("POST", action_path(id, "return", apath, sizeof apath), sup, "{\"reason\":\"晚了\"}",
	                          none);
	expect_invalid_transition("POST", action_path(id, "submit", apath, sizeof apath), insp, "{}", none);
	expect_invalid_transition("PUT", path, insp, "{\"notes\":\"x\"}", none);

	/* Readers now: the cadre of A1 too, read-only. */
	struct {
		const struct tokens *who;
		long status;
	} readers[] = {
	        {&crew.cast.admin, 200},  {&crew.cast.supervisor, 200}, {&crew.viewer_a, 200},
	        {&crew.insp_city, 200},   {&crew.cast.cadre, 200},      {&crew.sup_b, 404},
	        {&crew.cast.viewer, 404}, {&crew.insp_two, 404},        {&crew.cast.inspector, 404},
	};
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		long st = api_status(&srv, path, readers[i].who->access);
		if (st != readers[i].status)
			fail_msg("reader %zu: GET approved inspection %ld, want %ld", i, st, readers[i].status);
	}
	expect_problem(&srv, "PUT", path, crew.cast.cadre.access, "{\"notes\":\"x\"}", 403, "forbidden");
	json_t *cadre_list = api_list_all(&srv, "/api/v1/inspections", crew.cast.cadre.access, 50);
	assert_non_null(find_by(cadre_list, "id", id));
	size_t i;
	json_t *it;
	json_array_foreach(cadre_list, i, it)
	{
		assert_string_equal(jstr(it, "status"), "approved");
	}
	json_decref(cadre_list);

	/* …but not a draft of the same village. */
	char draft[ID_LEN];
	json_decref(draft_a1(NULL, draft));
	expect_problem(&srv, "GET", inspection_path(draft, NULL, path, sizeof path), crew.cast.cadre.access, NULL, 404,
	               "not_found");
	json_decref(answers);
	json_decref(full);
}

/* ---- delete ------------------------------------------------------------------------------------- */

static void test_delete(void **state)
{
	(void)state;
	char id[ID_LEN], path[128];
	json_decref(draft_a1(NULL, id));
	inspection_path(id, NULL, path, sizeof path);
	expect_problem(&srv, "DELETE", path, sup, NULL, 403, "forbidden");
	expect_problem(&srv, "DELETE", path, crew.viewer_a.access, NULL, 403, "forbidden");
	expect_problem(&srv, "DELETE", path, crew.insp_two.access, NULL, 404, "not_found");
	expect_problem(&srv, "DELETE", path, crew.sup_b.access, NULL, 404, "not_found");

	struct http_resp r;
	api_call(&srv, "DELETE", path, insp, NULL, NULL, &r);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body.len, 0);
	http_resp_release(&r);
	expect_problem(&srv, "GET", path, insp, NULL, 404, "not_found");
	expect_problem(&srv, "GET", path, sup, NULL, 404, "not_found");
	expect_problem(&srv, "DELETE", path, insp, NULL, 404, "not_found");
	expect_problem(&srv, "PUT", path, insp, "{\"notes\":\"x\"}", 404, "not_found");
	json_t *all = api_list_all(&srv, "/api/v1/inspections", insp, 200);
	assert_null(find_by(all, "id", id));
	json_decref(all);

	/* Submitted: not deletable. */
	json_decref(draft_a1(NULL, id));
	json_decref(inspection_complete_submit(&srv, insp, id, tpl));
	expect_invalid_transition("DELETE", inspection_path(id, NULL, path, sizeof path), insp, NULL,
	                          (const char *const[]){"approve", "return", NULL});
	assert_int_equal(api_status(&srv, path, insp), 200);
}

/* ---- findings ------------------------------------------------------------------------------------- */

/* "<text>：实际 <value><unit>，要求 >= <threshold><unit>" for the collective item. */
static void expected_description(const json_t *item, const char *value, char *out, size_t outlen)
{
	const char *unit = jstr(item, "unit") ? jstr(item, "unit") : "";
	snprintf(out, outlen, "%s：实际 %s%s，要求 >= 100000%s", jstr(item, "text"), value, unit, unit);
}

static void test_auto_findings(void **state)
{
	(void)state;
	json_t *c = template_collective_item(tpl);
	const char *code = jstr(c, "code");
	char id[ID_LEN], path[160], desc[512];

	/* 50000 < 100000: one automatic finding. */
	json_t *answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 50000);
	json_decref(draft_a1(answers, id));
	json_decref(answers);
	json_t *list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 1);
	json_t *f = json_array_get(list, 0);
	char fid[ID_LEN];
	snprintf(fid, sizeof fid, "%s", jstr(f, "id"));
	assert_true(json_is_true(json_object_get(f, "auto")));
	assert_string_equal(jstr(f, "item_code"), code);
	assert_string_equal(jstr(f, "inspection_id"), id);
	assert_string_equal(jstr(f, "org_id"), crew.tree.village_a1);
	assert_string_equal(jstr(f, "severity"), "medium");
	assert_string_equal(jstr(f, "status"), "open");
	assert_int_equal(json_array_size(json_object_get(f, "photo_ids")), 0);
	assert_int_equal(jint(f, "version"), 1);
	expected_description(c, "50000", desc, sizeof desc);
	assert_string_equal(jstr(f, "description"), desc);
	assert_timestamp(jstr(f, "created_at"));
	json_decref(list);
	/* GET /findings/{id} answers the same, with its ETag. */
	struct http_resp r;
	api_get(&srv, pathf(path, sizeof path, "/api/v1/findings/%s", fid), insp, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *single = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(single, "description"), desc);
	json_decref(single);

	/* Still below: the same finding, updated. */
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 60000);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 1);
	f = json_array_get(list, 0);
	assert_string_equal(jstr(f, "id"), fid);
	assert_int_equal(jint(f, "version"), 2);
	expected_description(c, "60000", desc, sizeof desc);
	assert_string_equal(jstr(f, "description"), desc);
	json_decref(list);

	/* Met: the finding is gone. */
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 100000);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	expect_problem(&srv, "GET", path, insp, NULL, 404, "not_found");

	/* Below again, then the answer removed: created, then gone. */
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 1000);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 1);
	assert_string_not_equal(jstr(json_array_get(list, 0), "id"), fid);
	json_decref(list);
	answers = json_array();
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	/* Every other number item missing its threshold raises its own. */
	json_t *items = template_items(tpl);
	answers = json_array();
	size_t n = 0, i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jstr(it, "kind"), "number") == 0) {
			json_array_append_new(answers, answer_make(it, 0, 0));
			n++;
		}
	}
	json_decref(items);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), n);
	json_array_foreach(list, i, it)
	{
		assert_true(json_is_true(json_object_get(it, "auto")));
	}
	json_decref(list);
}

static void test_manual_findings(void **state)
{
	(void)state;
	json_t *c = template_collective_item(tpl);
	char id[ID_LEN], path[160], fpath[160], loc[160];
	json_t *answers = json_pack("[{s:s, s:i}]", "item_code", jstr(c, "code"), "value", 20000);
	json_decref(draft_a1(answers, id));
	json_decref(answers);
	inspection_path(id, "/findings", path, sizeof path);

	/* The owner raises one. */
	char fid[ID_LEN];
	uuid_v4(fid);
	json_t *yn = need_item("yes_no", -1, 0);
	char *body = jbody("{s:s, s:s, s:s, s:s}", "id", fid, "severity", "high", "item_code", jstr(yn, "code"),
	                   "description", "党员活动室未挂牌");
	struct http_resp r;
	api_post(&srv, path, insp, body, &r);
	if (r.status != 201)
		fail_msg("POST %s: expected 201, got %ld: %.300s", path, r.status, buf_cstr(&r.body));
	json_t *f = http_json(&r);
	assert_created(&r, pathf(loc, sizeof loc, "/api/v1/findings/%s", fid), 1);
	http_resp_release(&r);
	assert_string_equal(jstr(f, "id"), fid);
	assert_string_equal(jstr(f, "inspection_id"), id);
	assert_string_equal(jstr(f, "org_id"), crew.tree.village_a1);
	assert_string_equal(jstr(f, "item_code"), jstr(yn, "code"));
	assert_string_equal(jstr(f, "severity"), "high");
	assert_string_equal(jstr(f, "description"), "党员活动室未挂牌");
	assert_true(json_is_false(json_object_get(f, "auto")));
	assert_string_equal(jstr(f, "status"), "open");
	assert_int_equal(jint(f, "version"), 1);
	/* Retried: the same; another body under its id: conflict. */
	json_t *again = api_expect(&srv, "POST", path, insp, body, 200);
	assert_true(json_equal(again, f));
	json_decref(again);
	free(body);
	body = jbody("{s:s, s:s, s:s}", "id", fid, "severity", "low", "description", "别的问题");
	expect_problem(&srv, "POST", path, insp, body, 409, "id_conflict");
	free(body);
	json_decref(f);
	/* Without an item. */
	json_t *free_form =
	        api_expect(&srv, "POST", path, insp, "{\"severity\":\"low\",\"description\":\"村务公开栏过期\"}", 201);
	assert_true(json_is_null(json_object_get(free_form, "item_code")));
	json_decref(free_form);

	/* Bad findings. */
	char *long_desc = repeat('d', 2001);
	body = jbody("{s:s, s:s, s:[s], s:s}", "severity", "urgent", "description", long_desc, "photo_ids", "x",
	             "colour", "red");
	expect_invalid(&srv, "POST", path, insp, body,
	               (const char *const[]){"severity", "description", "photo_ids[0]|photo_ids", "colour", NULL});
	free(body);
	free(long_desc);
	expect_invalid(&srv, "POST", path, insp, "{\"severity\":\"low\",\"description\":\"\"}",
	               (const char *const[]){"description", NULL});
	expect_invalid(&srv, "POST", path, insp, "{}", (const char *const[]){"severity", "description", NULL});

	/* Who may add: the supervisor in scope; not a viewer, not outsiders. */
	json_t *by_sup =
	        api_expect(&srv, "POST", path, sup, "{\"severity\":\"medium\",\"description\":\"督导补充\"}", 201);
	json_decref(by_sup);
	const char *ok_body = "{\"severity\":\"low\",\"description\":\"x\"}";
	expect_problem(&srv, "POST", path, crew.viewer_a.access, ok_body, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.insp_two.access, ok_body, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.sup_b.access, ok_body, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.cast.cadre.access, ok_body, 404, "not_found"); /* a draft */

	/* Changing them: the automatic one is the supervisor's to change. */
	json_t *list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 4);
	json_t *auto_f = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		if (json_is_true(json_object_get(it, "auto")))
			auto_f = it;
	}
	assert_non_null(auto_f);
	char auto_path[160];
	pathf(auto_path, sizeof auto_path, "/api/v1/findings/%s", jstr(auto_f, "id"));
	long long av = jint(auto_f, "version");
	expect_problem(&srv, "PUT", auto_path, insp, "{\"severity\":\"low\"}", 403, "forbidden");
	api_call_v(&srv, "PUT", auto_path, sup, "{\"severity\":\"high\",\"description\":\"集体经济严重不足\"}", av, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, av + 1);
	f = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(f, "severity"), "high");
	assert_string_equal(jstr(f, "description"), "集体经济严重不足");
	assert_true(json_is_true(json_object_get(f, "auto")));
	json_decref(f);
	json_decref(list);

	/* The manual one is the owner's (and the supervisor's). */
	pathf(fpath, sizeof fpath, "/api/v1/findings/%s", fid);
	api_call_v(&srv, "PUT", fpath, insp, "{\"description\":\"党员活动室未挂牌，已拍照\"}", 1, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 2);
	http_resp_release(&r);
	api_call_v(&srv, "PUT", fpath, insp, "{\"severity\":\"low\"}", 1, &r);
	assert_problem(&r, 412, "version_conflict");
	json_t *p = problem_json(&r);
	assert_int_equal(jint(json_object_get(p, "current"), "version"), 2);
	json_decref(p);
	http_resp_release(&r);
	expect_invalid(&srv, "PUT", fpath, insp, "{\"severity\":\"urgent\"}", (const char *const[]){"severity", NULL});
	expect_problem(&srv, "PUT", fpath, crew.viewer_a.access, "{\"severity\":\"low\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", fpath, crew.insp_two.access, "{\"severity\":\"low\"}", 404, "not_found");
	expect_problem(&srv, "GET", fpath, crew.insp_two.access, NULL, 404, "not_found");
	expect_problem(&srv, "GET", fpath, crew.sup_b.access, NULL, 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/findings/7c9e6679-7425-40de-944b-e07fc1f90ae7", admin, NULL, 404,
	               "not_found");
	f = api_expect(&srv, "GET", fpath, sup, NULL, 200);
	assert_string_equal(jstr(f, "description"), "党员活动室未挂牌，已拍照");
	assert_int_equal(jint(f, "version"), 2);
	json_decref(f);

	/* Once approved, the cadre of A1 reads the findings but may not add or change. */
	json_decref(inspection_complete_submit(&srv, insp, id, tpl));
	json_decref(inspection_action(&srv, sup, id, "approve", "{}", 200));
	list = findings_of(crew.cast.cadre.access, id);
	assert_int_equal(json_array_size(list), 3); /* the automatic one went with the complete answers */
	json_decref(list);
	expect_problem(&srv, "POST", path, crew.cast.cadre.access, ok_body, 403, "forbidden");
	expect_problem(&srv, "PUT", fpath, crew.cast.cadre.access, "{\"severity\":\"low\"}", 403, "forbidden");
	assert_int_equal(api_status(&srv, fpath, crew.cast.cadre.access), 200);
}

/* ---- lists ---------------------------------------------------------------------------------------- */

static void test_lists(void **state)
{
	(void)state;
	char path[256];
	/* Ordered by created_at, then id. */
	json_t *all = api_list_all(&srv, "/api/v1/inspections", admin, 3);
	assert_true(json_array_size(all) >= 8);
	for (size_t i = 1; i < json_array_size(all); i++) {
		json_t *a = json_array_get(all, i - 1), *b = json_array_get(all, i);
		int c = strcmp(jstr(a, "created_at"), jstr(b, "created_at"));
		if (c > 0 || (c == 0 && strcmp(jstr(a, "id"), jstr(b, "id")) >= 0))
			fail_msg("inspections out of order at %zu", i);
	}
	json_decref(all);

	static const struct {
		const char *key, *status;
	} statuses[] = {{"status", "draft"}, {"status", "submitted"}, {"status", "approved"}};
	for (size_t k = 0; k < 3; k++) {
		json_t *l = api_list_all(
		        &srv, pathf(path, sizeof path, "/api/v1/inspections?status=%s", statuses[k].status), sup, 50);
		assert_true(json_array_size(l) >= 1);
		size_t i;
		json_t *it;
		json_array_foreach(l, i, it)
		{
			assert_string_equal(jstr(it, "status"), statuses[k].status);
		}
		json_decref(l);
	}
	json_t *l = api_list_all(&srv, pathf(path, sizeof path, "/api/v1/inspections?org_id=%s", crew.tree.village_a2),
	                         admin, 50);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	l = api_list_all(&srv,
	                 pathf(path, sizeof path, "/api/v1/inspections?inspector_id=%s", crew.cast.inspector.user_id),
	                 admin, 50);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	l = api_list_all(&srv, pathf(path, sizeof path, "/api/v1/inspections?round_id=%s&status=approved", round_id),
	                 sup, 50);
	assert_int_equal(json_array_size(l), 2);
	json_decref(l);

	/* Scope: insp.a sees only its own; insp.two nothing of the round; sup.b only B1's. */
	l = api_list_all(&srv, "/api/v1/inspections", crew.cast.inspector.access, 50);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(jstr(json_array_get(l, 0), "inspector_id"), crew.cast.inspector.user_id);
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/inspections", crew.insp_two.access, 50);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/inspections", crew.sup_b.access, 50);
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(jstr(json_array_get(l, 0), "org_id"), crew.tree.village_b1);
	json_decref(l);

	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?status=lazy", "status"},
	        {"?limit=0", "limit"},
	        {"?limit=201", "limit"},
	        {"?cursor=garbage", "cursor"},
	        {"?updated_since=2023-03-15", "updated_since"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/inspections%s", bad[i].query), sup, NULL,
		               (const char *const[]){bad[i].field, NULL});
	struct http_resp r;
	api_get(&srv, "/api/v1/inspections", NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
}

/* The items of list whose inspector is who or whose round is one of rounds. */
static json_t *visible_to_inspector(const json_t *list, const char *who, const char *const *rounds)
{
	json_t *out = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		int in_round = 0;
		const char *rid = json_string_value(json_object_get(it, "round_id"));
		for (const char *const *r = rounds; rid && *r; r++)
			in_round |= strcmp(rid, *r) == 0;
		if (in_round || strcmp(jstr(it, "inspector_id"), who) == 0)
			json_array_append(out, it);
	}
	return out;
}

/* Fails unless the ids of got are those of want, in the same order. */
static void assert_same_ids(const char *what, const json_t *got, const json_t *want)
{
	if (json_array_size(got) != json_array_size(want))
		fail_msg("%s: %zu visits listed, expected %zu", what, json_array_size(got), json_array_size(want));
	for (size_t i = 0; i < json_array_size(want); i++)
		if (strcmp(jstr(json_array_get(got, i), "id"), jstr(json_array_get(want, i), "id")) != 0)
			fail_msg("%s: item %zu is %s, expected %s", what, i, jstr(json_array_get(got, i), "id"),
			         jstr(json_array_get(want, i), "id"));
}

/* An inspector's list is their own visits and their rounds' visits by
 * anyone, merged in (created_at, id) order across pages of any size
 * (db/obs_store.c reads the two index ranges and merges them). */
static void test_inspector_list_merge(void **state)
{
	(void)state;
	/* A second round over A1 and A2 with insp.a and insp.city: visits by
	 * both, interleaved in time, and insp.a's own visits outside rounds. */
	char r2[ID_LEN], id[ID_LEN];
	const char *insp_a = crew.cast.inspector.access;
	json_decref(round_create(&srv, sup, "2023-04", "东山镇四月观摩",
	                         (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                         (const char *const[]){crew.cast.inspector.user_id, crew.insp_city.user_id, NULL}, r2));
	for (int i = 0; i < 3; i++) {
		json_decref(inspection_create(&srv, insp_a, crew.tree.village_a1, r2, NULL, NULL, id));
		json_decref(inspection_create(&srv, insp, crew.tree.village_a2, r2, NULL, NULL, id));
		json_decref(inspection_create(&srv, insp_a, crew.tree.village_a2, NULL, QIQIANG_TEMPLATE_ID, NULL, id));
		json_decref(inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, id));
	}
	json_t *all = api_list_all(&srv, "/api/v1/inspections", admin, 200);
	json_t *want_city =
	        visible_to_inspector(all, crew.insp_city.user_id, (const char *const[]){round_id, r2, NULL});
	json_t *want_a = visible_to_inspector(all, crew.cast.inspector.user_id, (const char *const[]){r2, NULL});
	assert_true(json_array_size(want_city) >= 7);
	assert_true(json_array_size(want_a) >= 10);
	assert_true(json_array_size(want_city) < json_array_size(all));
	static const int limits[] = {1, 2, 3, 50};
	for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
		json_t *got = api_list_all(&srv, "/api/v1/inspections", insp, limits[k]);
		assert_same_ids("insp.city", got, want_city);
		json_decref(got);
		got = api_list_all(&srv, "/api/v1/inspections", insp_a, limits[k]);
		assert_same_ids("insp.a", got, want_a);
		json_decref(got);
	}
	/* Sync walks the same visits (and the tombstones of deleted drafts), by
	 * change, in pages of any size. */
	static const int sync_limits[] = {1, 3, 200};
	for (size_t k = 0; k < sizeof sync_limits / sizeof sync_limits[0]; k++) {
		json_t *synced = sync_walk(&srv, "/api/v1/inspections", insp, "2000-01-01T00:00:00Z", sync_limits[k], NULL, 0);
		size_t live = 0, n;
		json_t *s1;
		json_array_foreach(synced, n, s1) live += !json_is_true(json_object_get(s1, "deleted"));
		if (live != json_array_size(want_city))
			fail_msg("insp.city's sync (limit %d): %zu visits, expected %zu", sync_limits[k], live,
			         json_array_size(want_city));
		size_t i;
		json_t *it;
		json_array_foreach(want_city, i, it)
		{
			int found = 0;
			size_t j;
			json_t *s2;
			json_array_foreach(synced, j, s2) found |= strcmp(jstr(s2, "id"), jstr(it, "id")) == 0;
			if (!found)
				fail_msg("insp.city's sync (limit %d) misses %s", sync_limits[k], jstr(it, "id"));
		}
		json_decref(synced);
	}
	/* Filters apply to both halves. */
	char path[256];
	json_t *got = api_list_all(
	        &srv, pathf(path, sizeof path, "/api/v1/inspections?inspector_id=%s", crew.cast.inspector.user_id),
	        insp, 2);
	json_t *want = visible_to_inspector(want_city, crew.cast.inspector.user_id, (const char *const[]){NULL});
	assert_int_equal(json_array_size(want), 3); /* insp.a's visits of round 2 */
	assert_same_ids("insp.city, insp.a's", got, want);
	json_decref(got);
	json_decref(want);
	got = api_list_all(
	        &srv, pathf(path, sizeof path, "/api/v1/inspections?round_id=%s&org_id=%s", r2, crew.tree.village_a1),
	        insp, 1);
	assert_int_equal(json_array_size(got), 3);
	json_decref(got);
	got = api_list_all(&srv, "/api/v1/inspections?status=approved", insp_a, 2);
	assert_int_equal(json_array_size(got), 0);
	json_decref(got);
	/* An inspector assigned to nothing of it sees none of it. */
	got = api_list_all(&srv, "/api/v1/inspections", crew.insp_two.access, 2);
	assert_int_equal(json_array_size(got), 0);
	json_decref(got);
	json_decref(want_city);
	json_decref(want_a);
	json_decref(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_and_score),
	        cmocka_unit_test(test_score_extremes),
	        cmocka_unit_test(test_update),
	        cmocka_unit_test(test_validation),
	        cmocka_unit_test(test_create_scope),
	        cmocka_unit_test(test_workflow),
	        cmocka_unit_test(test_delete),
	        cmocka_unit_test(test_auto_findings),
	        cmocka_unit_test(test_manual_findings),
	        cmocka_unit_test(test_lists),
	        cmocka_unit_test(test_inspector_list_merge),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_inspections", tests, group_setup, group_teardown);
}
