/*
 * Regression tests for the hardening review, through the real binary: JSON
 * nested too deeply refused before parsing (and the server still serving),
 * validation errors on client keys that do not fit a field path never
 * dropped, line breaks allowed in long texts but other control characters
 * not, automatic finding texts without exponents or rounding, findings only
 * their writer (or a reviewer) may change, concurrent identical retries of a
 * create answered as one, round coverage limited to the caller's subtree,
 * sync noticing a change of round membership, a resubmission clearing the
 * previous review, a finding retried after its inspection was submitted, and
 * templates whose text-only dimensions carry weight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;                    /* the default template */
static char round_id[ID_LEN];          /* sup.a's round: A1, A2; insp.city */
static const char *insp, *sup, *admin; /* insp.city, sup.a, admin */

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	insp = crew.insp_city.access;
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
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

/* n copies of s, concatenated (caller frees). */
static char *repeat_str(const char *s, size_t n)
{
	size_t len = strlen(s);
	char *out = malloc(len * n + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

/* prefix + n × open + middle + n × close + suffix (caller frees). */
static char *nested(const char *prefix, const char *open, const char *middle, const char *close, size_t n,
                    const char *suffix)
{
	char *o = repeat_str(open, n), *c = repeat_str(close, n);
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s%s%s%s%s", prefix, o, middle, c, suffix);
	free(o);
	free(c);
	char *out = strdup(buf_cstr(&b));
	assert_non_null(out);
	buf_release(&b);
	return out;
}

/* The first item of kind in the default template (fails when none). Borrowed. */
static json_t *first_item(const char *kind)
{
	json_t *items = template_items(tpl), *found = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jstr(it, "kind"), kind) == 0) {
			found = it;
			break;
		}
	}
	json_decref(items);
	if (!found)
		fail_msg("the default template has no %s item", kind);
	return found;
}

/* An inspection of insp.city in the round, at A1, with answers (may be NULL). */
static json_t *draft_a1(const json_t *answers, char *id)
{
	return inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, answers, id);
}

static json_t *findings_of(const char *bearer, const char *inspection_id)
{
	char path[160];
	return api_list_all(&srv, inspection_path(inspection_id, "/findings", path, sizeof path), bearer, 50);
}

/* GET /healthz answers 200: the server survived what came before. */
static void expect_alive(const char *after)
{
	struct http_resp r;
	http_get(&srv, "/healthz", &r);
	if (r.status != 200)
		fail_msg("after %s, GET /healthz: %ld", after, r.status);
	http_resp_release(&r);
}

/* A 422 validation_failed whose errors name a field starting with prefix. */
static void expect_field_prefix(const struct http_resp *r, const char *what, const char *prefix)
{
	if (r->status != 422)
		fail_msg("%s: expected 422, got %ld: %.400s", what, r->status, buf_cstr(&r->body));
	assert_validation(r, NULL);
	json_t *j = http_json(r);
	size_t i;
	json_t *e;
	int found = 0;
	json_array_foreach(json_object_get(j, "errors"), i, e)
	{
		const char *f = jstr(e, "field");
		found |= f && strncmp(f, prefix, strlen(prefix)) == 0;
	}
	if (!found)
		fail_msg("%s: no error for a field starting with \"%s\": %.600s", what, prefix, buf_cstr(&r->body));
	json_decref(j);
}

/* ---- 1. deep nesting ---------------------------------------------------------- */

static void test_deep_nesting(void **state)
{
	(void)state;
	/* 1000 unclosed arrays, without a token. */
	char *body = repeat_str("[", 1000);
	expect_problem(&srv, "POST", "/api/v1/auth/login", NULL, body, 400, "malformed_json");
	free(body);
	expect_alive("1000 nested arrays");
	/* {"a":{"a":…}} 40 deep, well-formed. */
	body = nested("", "{\"a\":", "1", "}", 40, "");
	expect_problem(&srv, "POST", "/api/v1/auth/login", NULL, body, 400, "malformed_json");
	free(body);
	expect_alive("40 nested objects");

	/* 32 levels in all (the body object and 31 arrays in "z") are parsed:
	 * the unknown field is what is wrong. */
	body = nested("{\"username\":\"x\",\"password\":\"y\",\"z\":", "[", "", "]", 31, "}");
	struct http_resp r;
	api_post(&srv, "/api/v1/auth/login", NULL, body, &r);
	if (r.status != 422)
		fail_msg("login nested 32 deep: expected 422, got %ld: %.300s", r.status, buf_cstr(&r.body));
	assert_unknown_field(&r, "z");
	http_resp_release(&r);
	free(body);
	/* One level more is refused. */
	body = nested("{\"username\":\"x\",\"password\":\"y\",\"z\":", "[", "", "]", 32, "}");
	expect_problem(&srv, "POST", "/api/v1/auth/login", NULL, body, 400, "malformed_json");
	free(body);

	/* An authenticated create with notes nested 400 deep. */
	char list_path[160];
	pathf(list_path, sizeof list_path, "/api/v1/inspections?org_id=%s", crew.tree.village_a1);
	size_t before = api_count(&srv, list_path, insp);
	char prefix[200];
	snprintf(prefix, sizeof prefix, "{\"org_id\":\"%s\",\"round_id\":\"%s\",\"notes\":", crew.tree.village_a1,
	         round_id);
	body = nested(prefix, "[", "", "]", 400, "}");
	expect_problem(&srv, "POST", "/api/v1/inspections", insp, body, 400, "malformed_json");
	free(body);
	expect_alive("notes nested 400 deep");
	assert_int_equal(api_count(&srv, list_path, insp), before);

	/* Brackets inside a string (after an escaped quote) are text, not nesting. */
	char *brackets = repeat_str("[", 100);
	char notes[160];
	snprintf(notes, sizeof notes, "\"%s{", brackets);
	free(brackets);
	body = jbody("{s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id, "notes", notes);
	json_t *o = api_expect(&srv, "POST", "/api/v1/inspections", insp, body, 201);
	free(body);
	assert_string_equal(jstr(o, "notes"), notes);
	json_decref(o);
}

/* ---- 2. validation errors on long client keys ---------------------------------- */

static void test_long_keys_reported(void **state)
{
	(void)state;
	char *key = repeat_str("键", 60); /* 180 bytes */
	char list_path[160];
	pathf(list_path, sizeof list_path, "/api/v1/inspections?org_id=%s", crew.tree.village_a2);
	size_t before = api_count(&srv, list_path, insp);

	/* In location. */
	json_t *b = json_pack("{s:s, s:s, s:{s:i, s:i, s:i, s:i}}", "org_id", crew.tree.village_a2, "round_id",
	                      round_id, "location", "lat", 30, "lng", 120, "accuracy_m", 5, key, 1);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	struct http_resp r;
	api_post(&srv, "/api/v1/inspections", insp, text, &r);
	expect_field_prefix(&r, "location with a 60-character key", "location.");
	http_resp_release(&r);
	free(text);

	/* In an answer. */
	json_t *yn = first_item("yes_no");
	b = json_pack("{s:s, s:s, s:[{s:s, s:b, s:i}]}", "org_id", crew.tree.village_a2, "round_id", round_id,
	              "answers", "item_code", jstr(yn, "code"), "value", 1, key, 1);
	text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	api_post(&srv, "/api/v1/inspections", insp, text, &r);
	expect_field_prefix(&r, "answer with a 60-character key", "answers[0]");
	http_resp_release(&r);
	free(text);

	/* Nothing was stored. */
	assert_int_equal(api_count(&srv, list_path, insp), before);
	free(key);
}

/* ---- 3. line breaks ---------------------------------------------------------------- */

static void test_line_breaks(void **state)
{
	(void)state;
	static const char notes[] = "第一行\n第二行\t结束";
	char *body = jbody("{s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id, "notes", notes);
	json_t *o = api_expect(&srv, "POST", "/api/v1/inspections", insp, body, 201);
	free(body);
	assert_string_equal(jstr(o, "notes"), notes);
	char id[ID_LEN], path[128];
	snprintf(id, sizeof id, "%s", jstr(o, "id"));
	json_decref(o);
	inspection_path(id, NULL, path, sizeof path);
	o = api_expect(&srv, "GET", path, insp, NULL, 200);
	assert_string_equal(jstr(o, "notes"), notes);
	json_decref(o);
	/* On edit, with CR LF. */
	o = api_expect(&srv, "PUT", path, insp, "{\"notes\":\"甲\\r\\n乙\"}", 200);
	assert_string_equal(jstr(o, "notes"), "甲\r\n乙");
	json_decref(o);

	/* A text answer. */
	static const char answer[] = "村部整洁\n资料齐全\t已拍照";
	json_t *t = first_item("text");
	json_t *answers = json_pack("[{s:s, s:s}]", "item_code", jstr(t, "code"), "value", answer);
	o = inspection_put_answers(&srv, insp, id, answers);
	json_decref(answers);
	json_t *a = find_by(json_object_get(o, "answers"), "item_code", jstr(t, "code"));
	assert_non_null(a);
	assert_string_equal(jstr(a, "value"), answer);
	json_decref(o);

	/* A finding's description, on create and on edit. */
	char fpath[160];
	inspection_path(id, "/findings", fpath, sizeof fpath);
	body = jbody("{s:s, s:s}", "severity", "low", "description", "问题一\n问题二");
	json_t *f = api_expect(&srv, "POST", fpath, insp, body, 201);
	free(body);
	assert_string_equal(jstr(f, "description"), "问题一\n问题二");
	char one[160];
	pathf(one, sizeof one, "/api/v1/findings/%s", jstr(f, "id"));
	json_decref(f);
	f = api_expect(&srv, "PUT", one, insp, "{\"description\":\"问题一\\n\\t问题二（已整改）\"}", 200);
	assert_string_equal(jstr(f, "description"), "问题一\n\t问题二（已整改）");
	json_decref(f);

	/* Other control characters stay refused. */
	expect_invalid(&srv, "PUT", path, insp, "{\"notes\":\"第一行\\u0001第二行\"}",
	               (const char *const[]){"notes", NULL});
	body = jbody("{s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id, "notes", "响铃\a");
	expect_invalid(&srv, "POST", "/api/v1/inspections", insp, body, (const char *const[]){"notes", NULL});
	free(body);
	expect_invalid(&srv, "POST", fpath, insp, "{\"severity\":\"low\",\"description\":\"a\\u0001b\"}",
	               (const char *const[]){"description", NULL});
	o = api_expect(&srv, "GET", path, insp, NULL, 200);
	assert_string_equal(jstr(o, "notes"), "甲\r\n乙");
	json_decref(o);

	/* A return reason. */
	json_decref(inspection_complete_submit(&srv, insp, id, tpl));
	char rpath[160];
	inspection_path(id, "/return", rpath, sizeof rpath);
	expect_invalid(&srv, "POST", rpath, sup, "{\"reason\":\"x\\u0001\"}", (const char *const[]){"reason", NULL});
	static const char reason[] = "照片不清楚：\n1. 村部\n2. 活动室\t请补拍";
	body = jbody("{s:s}", "reason", reason);
	o = inspection_action(&srv, sup, id, "return", body, 200);
	free(body);
	assert_string_equal(jstr(o, "status"), "returned");
	assert_string_equal(jstr(o, "return_reason"), reason);
	json_decref(o);
	o = api_expect(&srv, "GET", path, insp, NULL, 200);
	assert_string_equal(jstr(o, "return_reason"), reason);
	json_decref(o);
}

/* ---- 4. automatic finding texts ---------------------------------------------------- */

/* The description of the only automatic finding of inspection id for item
 * code (fails when there is none). Caller frees. */
static char *auto_text(const char *id, const char *code)
{
	json_t *list = findings_of(insp, id);
	char *out = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(list, i, f)
	{
		if (json_is_true(json_object_get(f, "auto")) && jstr(f, "item_code") &&
		    strcmp(jstr(f, "item_code"), code) == 0) {
			if (out)
				fail_msg("two automatic findings for %s", code);
			out = strdup(jstr(f, "description"));
		}
	}
	json_decref(list);
	if (!out)
		fail_msg("no automatic finding for %s", code);
	return out;
}

static void expect_auto_text(const char *id, const json_t *item, const char *value)
{
	const char *unit = jstr(item, "unit") ? jstr(item, "unit") : "";
	char want[512];
	snprintf(want, sizeof want, "%s：实际 %s%s，要求 >= 100000%s", jstr(item, "text"), value, unit, unit);
	char *got = auto_text(id, jstr(item, "code"));
	if (strstr(got, "e+") || strstr(got, "e-") || strcmp(got, want) != 0)
		fail_msg("automatic finding \"%s\", want \"%s\"", got, want);
	free(got);
}

static void test_auto_finding_text(void **state)
{
	(void)state;
	json_t *c = template_collective_item(tpl); /* 村级集体经济年收入 >= 100000 元 */
	const char *code = jstr(c, "code");
	char id[ID_LEN];

	/* Just below: neither rounded up to the threshold nor in exponent form. */
	json_t *answers = json_pack("[{s:s, s:f}]", "item_code", code, "value", 99999.99);
	json_decref(draft_a1(answers, id));
	json_decref(answers);
	char *got = auto_text(id, code);
	if (!strstr(got, "99999.99") || !strstr(got, "100000") || strstr(got, "1e+05") || strstr(got, "实际 100000"))
		fail_msg("automatic finding for 99999.99: \"%s\"", got);
	free(got);
	expect_auto_text(id, c, "99999.99");

	/* 1234567 meets ">= 100000" (every number item of the template is
	 * ">="): no finding. Large failing values are negative ones. */
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 1234567);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	json_t *list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", -1234567);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	expect_auto_text(id, c, "-1234567");
	answers = json_pack("[{s:s, s:f}]", "item_code", code, "value", -1234567.5);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	expect_auto_text(id, c, "-1234567.5");
}

/* ---- 5. findings by role ----------------------------------------------------------- */

static void test_findings_by_role(void **state)
{
	(void)state;
	char id[ID_LEN], fpath[160], own[160], by_sup[160], by_sup_draft[160];
	json_decref(draft_a1(NULL, id));
	inspection_path(id, "/findings", fpath, sizeof fpath);

	/* While a draft: the inspector's own finding and one of the supervisor. */
	json_t *f = api_expect(&srv, "POST", fpath, insp, "{\"severity\":\"low\",\"description\":\"宣传栏破损\"}", 201);
	pathf(own, sizeof own, "/api/v1/findings/%s", jstr(f, "id"));
	json_decref(f);
	f = api_expect(&srv, "POST", fpath, sup, "{\"severity\":\"high\",\"description\":\"督导发现：台账缺失\"}", 201);
	pathf(by_sup_draft, sizeof by_sup_draft, "/api/v1/findings/%s", jstr(f, "id"));
	json_decref(f);
	json_decref(api_expect(&srv, "PUT", own, insp, "{\"severity\":\"medium\"}", 200));
	expect_problem(&srv, "PUT", by_sup_draft, insp, "{\"severity\":\"low\"}", 403, "forbidden");

	/* Submitted: the supervisor adds another. */
	json_decref(inspection_complete_submit(&srv, insp, id, tpl));
	f = api_expect(&srv, "POST", fpath, sup, "{\"severity\":\"medium\",\"description\":\"督导补充：照片模糊\"}",
	               201);
	pathf(by_sup, sizeof by_sup, "/api/v1/findings/%s", jstr(f, "id"));
	json_decref(f);
	expect_problem(&srv, "PUT", by_sup, insp, "{\"description\":\"改掉督导的问题\"}", 403, "forbidden");

	/* Returned (editable again): still not the supervisor's findings, but its own. */
	json_decref(inspection_action(&srv, sup, id, "return", "{\"reason\":\"请整改\"}", 200));
	expect_problem(&srv, "PUT", by_sup, insp, "{\"description\":\"改掉督导的问题\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", by_sup_draft, insp, "{\"severity\":\"low\"}", 403, "forbidden");
	f = api_expect(&srv, "PUT", own, insp, "{\"description\":\"宣传栏破损，已报修\"}", 200);
	assert_string_equal(jstr(f, "description"), "宣传栏破损，已报修");
	json_decref(f);

	/* The supervisor's findings are unchanged; the supervisor may still edit them. */
	f = api_expect(&srv, "GET", by_sup, insp, NULL, 200);
	assert_string_equal(jstr(f, "description"), "督导补充：照片模糊");
	assert_int_equal(jint(f, "version"), 1);
	json_decref(f);
	f = api_expect(&srv, "GET", by_sup_draft, insp, NULL, 200);
	assert_string_equal(jstr(f, "severity"), "high");
	assert_int_equal(jint(f, "version"), 1);
	json_decref(f);
	json_decref(api_expect(&srv, "PUT", by_sup, sup, "{\"severity\":\"high\"}", 200));
}

/* ---- 6. concurrent identical retries ------------------------------------------------ */

enum { PARALLEL = 6 };

struct retry_call {
	const char *url;
	const char *const *headers;
	const char *body;
	pthread_barrier_t *start;
	struct http_resp resp;
};

static void *retry_thread(void *arg)
{
	struct retry_call *c = arg;
	pthread_barrier_wait(c->start);
	http_do("POST", c->url, c->headers, c->body, strlen(c->body), 0, &c->resp);
	return NULL;
}

/* Sends body to path PARALLEL times at once; every answer must be 201 (once)
 * or 200 with the object whose id is want_id. */
static void post_parallel(const char *what, const char *path, const char *bearer, const char *body, const char *want_id)
{
	char url[256];
	url_of(&srv, path, url, sizeof url);
	size_t alen = strlen(bearer) + 32;
	char *auth = malloc(alen);
	assert_non_null(auth);
	snprintf(auth, alen, "Authorization: Bearer %s", bearer);
	const char *const headers[] = {auth, "Content-Type: application/json", NULL};
	pthread_barrier_t start;
	assert_int_equal(pthread_barrier_init(&start, NULL, PARALLEL), 0);
	struct retry_call calls[PARALLEL];
	pthread_t threads[PARALLEL];
	for (int i = 0; i < PARALLEL; i++) {
		calls[i] = (struct retry_call){.url = url, .headers = headers, .body = body, .start = &start};
		assert_int_equal(pthread_create(&threads[i], NULL, retry_thread, &calls[i]), 0);
	}
	for (int i = 0; i < PARALLEL; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	pthread_barrier_destroy(&start);
	free(auth);

	int created = 0;
	struct buf seen = BUF_INIT;
	for (int i = 0; i < PARALLEL; i++)
		buf_printf(&seen, "%s%ld", i ? ", " : "", calls[i].resp.status);
	for (int i = 0; i < PARALLEL; i++) {
		struct http_resp *r = &calls[i].resp;
		if (r->status != 200 && r->status != 201)
			fail_msg("%s: parallel retry %d answered %ld (all: %s): %.300s", what, i, r->status,
			         buf_cstr(&seen), buf_cstr(&r->body));
		created += r->status == 201;
		json_t *j = http_json(r);
		if (!jstr(j, "id") || strcmp(jstr(j, "id"), want_id) != 0)
			fail_msg("%s: parallel retry %d answered id %s, want %s", what, i, jstr(j, "id"), want_id);
		json_decref(j);
	}
	if (created != 1)
		fail_msg("%s: %d of %d parallel retries answered 201 (all: %s)", what, created, PARALLEL,
		         buf_cstr(&seen));
	buf_release(&seen);
	for (int i = 0; i < PARALLEL; i++)
		http_resp_release(&calls[i].resp);
}

static void test_parallel_retries(void **state)
{
	(void)state;
	/* An inspection. */
	char list_path[200], cid[ID_LEN];
	pathf(list_path, sizeof list_path, "/api/v1/inspections?round_id=%s&org_id=%s", round_id, crew.tree.village_a2);
	size_t before = api_count(&srv, list_path, insp);
	uuid_v4(cid);
	char *body = jbody("{s:s, s:s, s:s, s:s}", "id", cid, "org_id", crew.tree.village_a2, "round_id", round_id,
	                   "notes", "网络不好，重复提交");
	post_parallel("POST /inspections", "/api/v1/inspections", insp, body, cid);
	free(body);
	json_t *all = api_list_all(&srv, list_path, insp, 50);
	assert_int_equal(json_array_size(all), before + 1);
	assert_non_null(find_by(all, "id", cid));
	json_decref(all);

	/* A round. */
	size_t rounds_before = api_count(&srv, "/api/v1/rounds", sup);
	char rid[ID_LEN];
	uuid_v4(rid);
	body = jbody("{s:s, s:s, s:s, s:s, s:[s], s:[s]}", "id", rid, "month", "2023-06", "title", "并发创建的轮次",
	             "template_id", QIQIANG_TEMPLATE_ID, "org_ids", crew.tree.village_a1, "inspector_ids",
	             crew.insp_city.user_id);
	post_parallel("POST /rounds", "/api/v1/rounds", sup, body, rid);
	free(body);
	json_t *rounds = api_list_all(&srv, "/api/v1/rounds", sup, 50);
	assert_int_equal(json_array_size(rounds), rounds_before + 1);
	assert_non_null(find_by(rounds, "id", rid));
	json_decref(rounds);

	/* 30 and 30.0 are the same number: the same request. */
	uuid_v4(cid);
	char text[512];
	snprintf(text, sizeof text,
	         "{\"id\":\"%s\",\"org_id\":\"%s\",\"template_id\":\"%s\",\"location\":{\"lat\":30,\"lng\":120,"
	         "\"accuracy_m\":5}}",
	         cid, crew.tree.village_b1, QIQIANG_TEMPLATE_ID);
	json_t *first = api_expect(&srv, "POST", "/api/v1/inspections", insp, text, 201);
	snprintf(text, sizeof text,
	         "{\"id\":\"%s\",\"org_id\":\"%s\",\"template_id\":\"%s\",\"location\":{\"lat\":30.0,\"lng\":120,"
	         "\"accuracy_m\":5.0}}",
	         cid, crew.tree.village_b1, QIQIANG_TEMPLATE_ID);
	json_t *again = api_expect(&srv, "POST", "/api/v1/inspections", insp, text, 200);
	assert_string_equal(jstr(again, "id"), cid);
	assert_int_equal(jint(again, "version"), jint(first, "version"));
	json_decref(again);
	json_decref(first);
}

/* ---- 7. round coverage in the caller's subtree ------------------------------------- */

static void test_round_coverage_scope(void **state)
{
	(void)state;
	char rid[ID_LEN], path[128];
	json_decref(round_create(&srv, admin, "2023-07", "全市交叉观摩",
	                         (const char *const[]){crew.tree.village_a1, crew.tree.village_b1, NULL},
	                         (const char *const[]){NULL}, rid));
	pathf(path, sizeof path, "/api/v1/rounds/%s", rid);

	struct {
		const char *who, *bearer;
		const char *const *orgs;
	} views[] = {
	        {"admin", admin, (const char *const[]){crew.tree.village_a1, crew.tree.village_b1, NULL}},
	        {"sup.a", sup, (const char *const[]){crew.tree.village_a1, NULL}},
	        {"sup.b", crew.sup_b.access, (const char *const[]){crew.tree.village_b1, NULL}},
	};
	for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
		json_t *r = api_expect(&srv, "GET", path, views[v].bearer, NULL, 200);
		assert_string_equal(jstr(r, "org_id"), crew.tree.city);
		json_t *ids = json_object_get(r, "org_ids"), *cov = json_object_get(r, "coverage");
		size_t n = 0;
		while (views[v].orgs[n])
			n++;
		if (json_array_size(ids) != n || json_array_size(cov) != n)
			fail_msg("%s: round with %zu org_ids and %zu coverage entries, want %zu", views[v].who,
			         json_array_size(ids), json_array_size(cov), n);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(json_string_value(json_array_get(ids, i)), views[v].orgs[i]);
			assert_string_equal(jstr(json_array_get(cov, i), "org_id"), views[v].orgs[i]);
		}
		json_decref(r);
		/* The list shows the same targets. */
		json_t *all = api_list_all(&srv, "/api/v1/rounds", views[v].bearer, 50);
		json_t *listed = find_by(all, "id", rid);
		if (!listed)
			fail_msg("%s: the round is not listed", views[v].who);
		ids = json_object_get(listed, "org_ids");
		if (json_array_size(ids) != n)
			fail_msg("%s: the listed round has %zu org_ids, want %zu", views[v].who, json_array_size(ids),
			         n);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(json_string_value(json_array_get(ids, i)), views[v].orgs[i]);
		json_decref(all);
	}
}

/* ---- 8. sync after a membership change ---------------------------------------------- */

static void test_sync_membership(void **state)
{
	(void)state;
	const char *x = crew.insp_two.access; /* never assigned elsewhere */
	char token[512], later[512];
	json_t *items = sync_walk(&srv, "/api/v1/inspections", x, "2000-01-01T00:00:00Z", 50, token, sizeof token);
	json_decref(items);

	/* A round of insp.city alone; insp.city visits. */
	char rid[ID_LEN], id[ID_LEN], path[128];
	json_decref(round_create(&srv, admin, "2023-08", "八月观摩", (const char *const[]){crew.tree.village_a1, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, rid));
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, rid, NULL, NULL, id));
	/* insp.two syncs from its token, and keeps the next one: that phone is
	 * now "up to date" past the inspection's last change. */
	items = sync_walk(&srv, "/api/v1/inspections", x, token, 50, later, sizeof later);
	if (find_by(items, "id", id))
		fail_msg("insp.two received an inspection of a round it is not assigned to");
	json_decref(items);
	expect_problem(&srv, "GET", inspection_path(id, NULL, path, sizeof path), x, NULL, 404, "not_found");

	/* insp.two joins the round: syncing from either token brings it. */
	char *body = jbody("{s:[s, s]}", "inspector_ids", crew.insp_city.user_id, crew.insp_two.user_id);
	char rpath[128];
	json_t *r = api_expect(&srv, "PUT", pathf(rpath, sizeof rpath, "/api/v1/rounds/%s", rid), admin, body, 200);
	free(body);
	assert_int_equal(json_array_size(json_object_get(r, "inspector_ids")), 2);
	json_decref(r);
	const char *const tokens[] = {token, later};
	for (size_t t = 0; t < 2; t++) {
		items = sync_walk(&srv, "/api/v1/inspections", x, tokens[t], 50, NULL, 0);
		if (!find_by(items, "id", id))
			fail_msg("insp.two, added to the round, did not receive its inspection syncing from the %s "
			         "token",
			         t ? "later" : "first");
		json_decref(items);
	}
	assert_int_equal(api_status(&srv, path, x), 200);
}

/* ---- 9. resubmission clears the return ----------------------------------------------- */

static void expect_review(const json_t *o, const char *status, const char *reason, const char *reviewer)
{
	assert_string_equal(jstr(o, "status"), status);
	if (reason)
		assert_string_equal(jstr(o, "return_reason"), reason);
	else if (!json_is_null(json_object_get(o, "return_reason")))
		fail_msg("%s: return_reason is not null", status);
	if (reviewer) {
		assert_string_equal(jstr(o, "reviewed_by"), reviewer);
		assert_timestamp(jstr(o, "reviewed_at"));
	} else if (!json_is_null(json_object_get(o, "reviewed_by")) ||
	           !json_is_null(json_object_get(o, "reviewed_at"))) {
		fail_msg("%s: reviewed_by / reviewed_at are not null", status);
	}
}

static void test_resubmit_clears_return(void **state)
{
	(void)state;
	char id[ID_LEN], path[128];
	json_decref(draft_a1(NULL, id));
	inspection_path(id, NULL, path, sizeof path);
	json_decref(inspection_complete_submit(&srv, insp, id, tpl));
	const char *sup_id = crew.cast.supervisor.user_id;

	json_t *o = inspection_action(&srv, sup, id, "return", "{\"reason\":\"缺少村部照片\"}", 200);
	expect_review(o, "returned", "缺少村部照片", sup_id);
	json_decref(o);

	o = inspection_action(&srv, insp, id, "submit", NULL, 200);
	expect_review(o, "submitted", NULL, NULL);
	json_decref(o);
	o = api_expect(&srv, "GET", path, sup, NULL, 200);
	expect_review(o, "submitted", NULL, NULL);
	json_decref(o);

	o = inspection_action(&srv, sup, id, "approve", NULL, 200);
	expect_review(o, "approved", NULL, sup_id);
	json_decref(o);
	o = api_expect(&srv, "GET", path, insp, NULL, 200);
	expect_review(o, "approved", NULL, sup_id);
	json_decref(o);
}

/* ---- 10. a finding retried after submit --------------------------------------------- */

static void test_finding_retry_after_submit(void **state)
{
	(void)state;
	char id[ID_LEN], fid[ID_LEN], fpath[160];
	json_decref(draft_a1(NULL, id));
	inspection_path(id, "/findings", fpath, sizeof fpath);
	uuid_v4(fid);
	char *body = jbody("{s:s, s:s, s:s}", "id", fid, "severity", "medium", "description", "消防器材过期");
	json_t *f = api_expect(&srv, "POST", fpath, insp, body, 201);
	json_decref(inspection_complete_submit(&srv, insp, id, tpl));

	/* The phone never saw the 201: the same request again is the same finding. */
	json_t *again = api_expect(&srv, "POST", fpath, insp, body, 200);
	if (!json_equal(again, f))
		fail_msg("the retried finding differs from the one created");
	json_decref(again);
	free(body);
	/* Another finding under the same id. */
	body = jbody("{s:s, s:s, s:s}", "id", fid, "severity", "medium", "description", "消防器材已更换");
	expect_problem(&srv, "POST", fpath, insp, body, 409, "id_conflict");
	free(body);
	json_t *list = findings_of(insp, id);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(jstr(json_array_get(list, 0), "description"), "消防器材过期");
	json_decref(list);
	json_decref(f);
}

/* ---- 11. text-only dimensions carry no weight ----------------------------------------- */

static void test_text_only_dimension_weight(void **state)
{
	(void)state;
	static const char body[] = "{\"key\":\"text-only\",\"name\":\"文本维度模板\",\"dimensions\":["
	                           "{\"code\":\"d1\",\"label\":\"可评分\",\"weight\":60,\"items\":[{\"code\":\"d1a\","
	                           "\"text\":\"是否达标\","
	                           "\"kind\":\"yes_no\",\"max_score\":10,\"needs_photo\":false,\"source\":null}]},"
	                           "{\"code\":\"d2\",\"label\":\"只有记录\",\"weight\":40,\"items\":[{\"code\":\"d2a\","
	                           "\"text\":\"现场记录\","
	                           "\"kind\":\"text\",\"needs_photo\":false,\"source\":null}]}]}";
	size_t before = api_count(&srv, "/api/v1/templates", admin);
	expect_invalid(&srv, "POST", "/api/v1/templates", admin, body,
	               (const char *const[]){"dimensions[1].weight", NULL});
	assert_int_equal(api_count(&srv, "/api/v1/templates", admin), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_deep_nesting),
	        cmocka_unit_test(test_long_keys_reported),
	        cmocka_unit_test(test_line_breaks),
	        cmocka_unit_test(test_auto_finding_text),
	        cmocka_unit_test(test_findings_by_role),
	        cmocka_unit_test(test_parallel_retries),
	        cmocka_unit_test(test_round_coverage_scope),
	        cmocka_unit_test(test_sync_membership),
	        cmocka_unit_test(test_resubmit_clears_return),
	        cmocka_unit_test(test_finding_retry_after_submit),
	        cmocka_unit_test(test_text_only_dimension_weight),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_hardening", tests, group_setup, group_teardown);
}
