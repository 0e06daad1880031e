/*
 * Regression tests for rectification bugs a code review found, through the
 * real binary. Each test fails on the behaviour before the fix:
 *
 *   1. a task whose client id equals its case's id: the two histories stay
 *      apart (they were read by entity id alone);
 *   2. a village with two open cases: closing one as passed leaves the org
 *      `rectifying` (it was set `normal` unconditionally);
 *   3. evidence: a photo cited in a report counts only when the report's
 *      author uploaded it, and it is then visible to the town's supervisor;
 *   4. concurrent identical retries of task / progress / interview creates
 *      and of findings → tasks answer 201 once and 200 after (no 409), and a
 *      finding rectified concurrently under other ids answers
 *      already_rectified with the winner's task_id;
 *   5. progress created_at in whole seconds;
 *   6. a closed case of a past year allows nothing (not "reopen");
 *   7. four_ones.town_leader_id: a supervisor of the village's own town only;
 *   8. interview held_at "in the future" judged by the (pinned) service clock;
 *   9. history reasons: null at creation and on a passed close, the
 *      evaluation on a failed close, the reason on a return;
 *  10. a task title taken from a multi-line finding description is one line.
 *
 * Villages: A1 (fixture; the inspection with findings), and three new ones
 * under town A: A3 (the org-status test alone), A4 (the past-year test
 * alone), A5 (everything else, one case year per test so that the
 * one-not-closed-case-per-year rule never bites).
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
static json_t *tpl;
static char round_id[ID_LEN];
static const char *sup, *admin, *cadre; /* sup.a, admin, cadre.a1 */
static char village_a3[ID_LEN], village_a4[ID_LEN], village_a5[ID_LEN];
static struct tokens cadre_a3, cadre_a4, cadre_a5; /* the cadres of A3, A4, A5 */
static struct tokens sup_city;                     /* a supervisor whose org is the city (root) */
static char insp_id[ID_LEN];                       /* insp.city's approved inspection of A1 */

enum { RACE_N = 8, RACE_ROUNDS = 3 };
/* Findings of insp_id: one per rectify race round (same id, other ids), one
 * for the multi-line title, one for the town-leader check. */
static char f_same[RACE_ROUNDS][ID_LEN], f_other[RACE_ROUNDS][ID_LEN], f_multiline[ID_LEN], f_leader[ID_LEN];
static const char *multiline_desc = "党员活动室未挂牌\n三会一课记录不全\r\n村务公开栏\t内容过期";

/* ---- helpers ------------------------------------------------------------------------------ */

/* PUT /api/v1/_test/clock {"now": now} (NULL: null, unpinned); a public route. */
static void clock_set(const char *now)
{
	char *body = now ? jbody("{s:s}", "now", now) : jbody("{s:n}", "now");
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", NULL, body, NULL, &r);
	if (r.status != 200 && r.status != 204)
		fail_msg("PUT /api/v1/_test/clock %s: %ld %.300s", body, r.status, buf_cstr(&r.body));
	http_resp_release(&r);
	free(body);
}

/* Tests that pin the clock unpin it whatever their outcome. */
static int unpin_clock(void **state)
{
	(void)state;
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", NULL, "{\"now\":null}", NULL, &r);
	http_resp_release(&r);
	return 0;
}

static const char *case_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/rectifications/%s%s", id, suffix ? suffix : "");
}

static const char *task_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/tasks/%s%s", id, suffix ? suffix : "");
}

/* A request that must be answered with want; the parsed body (may be NULL). */
static json_t *call(const char *method, const char *path, const char *bearer, const char *body, long want)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != want)
		fail_msg("%s %s %.300s: expected %ld, got %ld: %.500s", method, path, body ? body : "", want, r.status,
		         buf_cstr(&r.body));
	json_t *j = r.body.len ? http_json(&r) : NULL;
	http_resp_release(&r);
	return j;
}

static void assert_org_status(const char *org_id, const char *want, const char *when)
{
	char path[128];
	json_t *o = call("GET", pathf(path, sizeof path, "/api/v1/orgs/%s", org_id), admin, NULL, 200);
	const char *got = jstr(o, "status");
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: organization %s has status %s, want %s", when, org_id, got ? got : "(none)", want);
	json_decref(o);
}

/* POST a case {org_id, year, reason, source annual} by sup.a; 201. */
static void case_new(const char *org, int year, const char *reason, char id[ID_LEN])
{
	char *body = jbody("{s:s, s:i, s:s, s:s}", "org_id", org, "year", year, "reason", reason, "source", "annual");
	json_t *c = call("POST", "/api/v1/rectifications", sup, body, 201);
	free(body);
	assert_string_equal(jstr(c, "status"), "open");
	assert_int_equal(jint(c, "year"), year);
	snprintf(id, ID_LEN, "%s", jstr(c, "id"));
	json_decref(c);
}

/* POST a task {[id], title, assignee_id, due_date, requires_photo} on case_id by sup.a; 201. */
static void task_new(const char *case_id, const char *id, const char *title, const char *assignee, int photo,
                     char out[ID_LEN])
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:b}", "title", title, "assignee_id", assignee, "due_date", "2030-12-31",
	                      "requires_photo", photo);
	if (id)
		json_object_set_new(b, "id", json_string(id));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	char path[160];
	json_t *t = call("POST", case_path(case_id, "/tasks", path, sizeof path), sup, text, 201);
	free(text);
	assert_string_equal(jstr(t, "status"), "assigned");
	assert_string_equal(jstr(t, "rectification_id"), case_id);
	if (id)
		assert_string_equal(jstr(t, "id"), id);
	if (out)
		snprintf(out, ID_LEN, "%s", jstr(t, "id"));
	json_decref(t);
}

/* POST /tasks/{id}/<action> body (NULL: "{}") expecting want. */
static json_t *task_do(const char *bearer, const char *id, const char *action, const char *body, long want)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return call("POST", task_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", want);
}

/* POST /rectifications/{id}/<action> body (NULL: "{}") expecting want. */
static json_t *case_do(const char *bearer, const char *id, const char *action, const char *body, long want)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return call("POST", case_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", want);
}

/* A progress report {text, percent[, photo_ids]} by bearer; 201. */
static json_t *progress_new(const char *bearer, const char *task_id, const char *text, int percent,
                            const char *const *photo_ids)
{
	json_t *b = json_pack("{s:s, s:i}", "text", text, "percent", percent);
	if (photo_ids) {
		json_t *a = json_array();
		for (const char *const *p = photo_ids; *p; p++)
			json_array_append_new(a, json_string(*p));
		json_object_set_new(b, "photo_ids", a);
	}
	char *t = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	char path[160];
	json_t *o = call("POST", task_path(task_id, "/progress", path, sizeof path), bearer, t, 201);
	free(t);
	return o;
}

/* A requires_photo=false task of case_id for assignee, driven to verified by sup.a. */
static void task_verified(const char *case_id, const struct tokens *assignee, char id[ID_LEN])
{
	task_new(case_id, NULL, "整改措施", assignee->user_id, 0, id);
	json_decref(task_do(assignee->access, id, "start", NULL, 200));
	json_decref(progress_new(assignee->access, id, "已完成", 100, NULL));
	json_decref(task_do(assignee->access, id, "submit", NULL, 200));
	json_t *t = task_do(sup, id, "verify", NULL, 200);
	assert_string_equal(jstr(t, "status"), "verified");
	json_decref(t);
}

/* A case closed as passed: one verified task, evaluate, close. */
static void case_close_passed(const char *case_id, const struct tokens *assignee)
{
	char t[ID_LEN];
	task_verified(case_id, assignee, t);
	json_decref(case_do(sup, case_id, "evaluate", NULL, 200));
	json_t *c =
	        case_do(sup, case_id, "close", "{\"result\":\"passed\",\"evaluation\":\"整改到位，群众满意\"}", 200);
	assert_string_equal(jstr(c, "status"), "closed");
	assert_string_equal(jstr(c, "result"), "passed");
	json_decref(c);
}

/* Uploads a small fake JPEG (unique bytes) as bearer with query (may be NULL); 201; its id into id. */
static void photo_new(const char *bearer, const char *query, char id[ID_LEN])
{
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	unsigned char head[96];
	char tag[ID_LEN];
	memcpy(head, jfif, sizeof jfif);
	int n = snprintf((char *)head + sizeof jfif, sizeof head - sizeof jfif, "regress-%s;", uuid_v4(tag));
	struct byte_src src = {head, sizeof jfif + (size_t)n, 3000, 0x37};
	struct http_resp r;
	photo_upload_raw(&srv, bearer, query, "image/jpeg", &src, 10000, &r);
	if (r.status != 201)
		fail_msg("POST /photos?%s: expected 201, got %ld: %.400s", query ? query : "", r.status,
		         buf_cstr(&r.body));
	json_t *p = http_json(&r);
	http_resp_release(&r);
	snprintf(id, ID_LEN, "%s", jstr(p, "id"));
	json_decref(p);
}

/* The problem's extra member key (an array of strings) is exactly the set want (any order). */
static void problem_list(const struct http_resp *r, const char *what, const char *key, const char *const *want)
{
	json_t *p = problem_json(r);
	json_t *got = json_object_get(p, key);
	if (!json_is_array(got))
		fail_msg("%s: the problem has no %s list: %s", what, key, buf_cstr(&r->body));
	json_t *objs = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(got, i, v)
	{
		if (!json_is_string(v))
			fail_msg("%s: %s has a member that is not a string: %s", what, key, buf_cstr(&r->body));
		json_array_append_new(objs, json_pack("{s:s}", "id", json_string_value(v)));
	}
	assert_key_set(objs, "id", want);
	json_decref(objs);
	json_decref(p);
}

/* A request that must be 409 invalid_transition allowing exactly allowed (any order). */
static void expect_transition(const char *method, const char *path, const char *bearer, const char *body,
                              const char *const *allowed)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != 409)
		fail_msg("%s %s %.200s: expected 409 invalid_transition, got %ld: %.400s", method, path,
		         body ? body : "", r.status, buf_cstr(&r.body));
	assert_problem(&r, 409, "invalid_transition");
	char what[300];
	snprintf(what, sizeof what, "%s %s", method, path);
	problem_list(&r, what, "allowed", allowed);
	http_resp_release(&r);
}

/* One history row. reason NULL: null. */
static void assert_history(const json_t *history, size_t i, const char *from, const char *to, const char *reason,
                           const char *what)
{
	json_t *h = json_array_get(history, i);
	if (!json_is_object(h))
		fail_msg("%s: history has no row %zu (%zu rows)", what, i, json_array_size(history));
	json_t *f = json_object_get(h, "from");
	if (from ? !json_is_string(f) || strcmp(json_string_value(f), from) != 0 : !json_is_null(f))
		fail_msg("%s: history[%zu].from is %s, want %s", what, i,
		         json_is_string(f) ? json_string_value(f) : "null/absent", from ? from : "null");
	if (!jstr(h, "to") || strcmp(jstr(h, "to"), to) != 0)
		fail_msg("%s: history[%zu].to is %s, want %s", what, i, jstr(h, "to") ? jstr(h, "to") : "(none)", to);
	json_t *r = json_object_get(h, "reason");
	if (!r)
		fail_msg("%s: history[%zu] has no member reason", what, i);
	if (reason ? !json_is_string(r) || strcmp(json_string_value(r), reason) != 0 : !json_is_null(r))
		fail_msg("%s: history[%zu] (%s → %s).reason is %s, want %s", what, i, from ? from : "null", to,
		         json_is_string(r) ? json_string_value(r) : "not a string/null", reason ? reason : "null");
}

/* A manual finding on insp_id by insp.city; its id into id. */
static void finding_new(const char *description, char id[ID_LEN])
{
	char path[160];
	char *body = jbody("{s:s, s:s}", "severity", "high", "description", description);
	json_t *f = call("POST", inspection_path(insp_id, "/findings", path, sizeof path), crew.insp_city.access, body,
	                 201);
	free(body);
	snprintf(id, ID_LEN, "%s", jstr(f, "id"));
	json_decref(f);
}

static const char *rectify_path(const char *finding, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/findings/%s/rectify", finding);
}

/* ---- concurrent requests ------------------------------------------------------------------- */

/* One request of a race: each thread has its own curl handle (http_do makes
 * one per call) and calls nothing of cmocka. */
struct racer {
	const char *method, *url, *auth;
	char *body;
	pthread_barrier_t *start;
	struct http_resp resp;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	const char *headers[] = {r->auth, "Content-Type: application/json", NULL};
	pthread_barrier_wait(r->start);
	http_do(r->method, r->url, headers, r->body, strlen(r->body), 0, &r->resp);
	return NULL;
}

/* RACE_N requests, released together, of bodies[i] to path as bearer; the answers into out. */
static void race(const char *method, const char *path, const char *bearer, char *const bodies[RACE_N],
                 struct http_resp out[RACE_N])
{
	char url[512];
	url_of(&srv, path, url, sizeof url);
	size_t alen = strlen(bearer) + 32;
	char *auth = malloc(alen);
	assert_non_null(auth);
	snprintf(auth, alen, "Authorization: Bearer %s", bearer);
	pthread_barrier_t start;
	assert_int_equal(pthread_barrier_init(&start, NULL, RACE_N), 0);
	struct racer rs[RACE_N];
	pthread_t th[RACE_N];
	for (size_t i = 0; i < RACE_N; i++) {
		rs[i] = (struct racer){method, url, auth, bodies[i], &start, {0}};
		assert_int_equal(pthread_create(&th[i], NULL, racer_main, &rs[i]), 0);
	}
	for (size_t i = 0; i < RACE_N; i++) {
		pthread_join(th[i], NULL);
		out[i] = rs[i].resp;
	}
	pthread_barrier_destroy(&start);
	free(auth);
}

static void race_release(struct http_resp out[RACE_N])
{
	for (size_t i = 0; i < RACE_N; i++)
		http_resp_release(&out[i]);
}

/* The answers to RACE_N identical creates: exactly one 201, the rest 200 with
 * the same object (compare: the member of the bodies to compare, NULL: the
 * whole body). Returns the 201's body. */
static json_t *expect_one_created(struct http_resp out[RACE_N], const char *what, const char *compare)
{
	size_t created = 0, ok = 0;
	json_t *first = NULL;
	for (size_t i = 0; i < RACE_N; i++) {
		if (out[i].status == 201) {
			created++;
			if (!first)
				first = http_json(&out[i]);
		} else if (out[i].status == 200) {
			ok++;
		}
	}
	if (created != 1 || ok != RACE_N - 1) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < RACE_N; i++)
			buf_printf(&b, "\n  #%zu: %ld %.300s", i, out[i].status, buf_cstr(&out[i].body));
		fail_msg("%s: %d concurrent identical requests: want one 201 and %d × 200, got %zu × 201, %zu × 200:%s",
		         what, RACE_N, RACE_N - 1, created, ok, buf_cstr(&b));
	}
	for (size_t i = 0; i < RACE_N; i++) {
		if (out[i].status != 200)
			continue;
		json_t *j = http_json(&out[i]);
		const json_t *a = compare ? json_object_get(j, compare) : j;
		const json_t *b = compare ? json_object_get(first, compare) : first;
		if (!a || !json_equal(a, b)) {
			char *sa = json_dumps(a, JSON_COMPACT), *sb = json_dumps(b, JSON_COMPACT);
			fail_msg("%s: a concurrent retry answered 200 with %s, the create %s", what, sa ? sa : "(none)",
			         sb ? sb : "(none)");
		}
		json_decref(j);
	}
	return first;
}

static size_t count_items(const char *path, const char *bearer)
{
	json_t *j = call("GET", path, bearer, NULL, 200);
	json_t *items = json_is_array(j) ? j : json_object_get(j, "items");
	if (!json_is_array(items))
		fail_msg("GET %s: no list", path);
	size_t n = json_array_size(items);
	json_decref(j);
	return n;
}

/* ---- setup ---------------------------------------------------------------------------------- */

static void cadre_user(const char *username, const char *org, struct tokens *t)
{
	api_create_user(&srv, admin, username, "cadre", org, FIXTURE_PASSWORD, NULL);
	api_login_ok(&srv, username, FIXTURE_PASSWORD, t);
}

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
	cadre = crew.cast.cadre.access;
	api_create_org(&srv, admin, "vil-a3", "北坡村", "village", crew.tree.town_a, "pilot", village_a3);
	api_create_org(&srv, admin, "vil-a4", "西岭村", "village", crew.tree.town_a, "pilot", village_a4);
	api_create_org(&srv, admin, "vil-a5", "东坡村", "village", crew.tree.town_a, "pilot", village_a5);
	cadre_user("cadre.a3", village_a3, &cadre_a3);
	cadre_user("cadre.a4", village_a4, &cadre_a4);
	cadre_user("cadre.a5", village_a5, &cadre_a5);
	api_create_user(&srv, admin, "sup.city", "supervisor", crew.tree.city, FIXTURE_PASSWORD, NULL);
	api_login_ok(&srv, "sup.city", FIXTURE_PASSWORD, &sup_city);

	/* An approved inspection of A1 with the findings the tests turn into tasks. */
	json_decref(
	        inspection_create(&srv, crew.insp_city.access, crew.tree.village_a1, round_id, NULL, NULL, insp_id));
	for (size_t i = 0; i < RACE_ROUNDS; i++) {
		char d[64];
		snprintf(d, sizeof d, "同一任务并发重试 %zu", i);
		finding_new(d, f_same[i]);
		snprintf(d, sizeof d, "不同任务并发转办 %zu", i);
		finding_new(d, f_other[i]);
	}
	finding_new(multiline_desc, f_multiline);
	finding_new("镇级联系领导未落实", f_leader);
	json_decref(inspection_complete_submit(&srv, crew.insp_city.access, insp_id, tpl));
	json_decref(inspection_action(&srv, sup, insp_id, "approve", "{}", 200));
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

/* ---- 1. a task id equal to its case's id ----------------------------------------------------- */

static void test_history_apart(void **state)
{
	(void)state;
	char cid[ID_LEN], path[160];
	case_new(village_a5, 2020, "班子软弱涣散", cid);
	/* The task takes the case's id as its client id. */
	task_new(cid, cid, "健全组织生活制度", cadre_a5.user_id, 0, NULL);
	json_decref(task_do(cadre_a5.access, cid, "start", NULL, 200));

	json_t *c = call("GET", case_path(cid, NULL, path, sizeof path), sup, NULL, 200);
	assert_string_equal(jstr(c, "status"), "open");
	json_t *h = json_object_get(c, "history");
	if (!json_is_array(h) || json_array_size(h) != 1) {
		char *s = json_dumps(h, JSON_COMPACT);
		fail_msg("the case's history (its task has the same id) has other than its one row: %s", s);
	}
	assert_history(h, 0, NULL, "open", NULL, "case history");
	json_decref(c);

	json_t *t = call("GET", task_path(cid, NULL, path, sizeof path), sup, NULL, 200);
	assert_string_equal(jstr(t, "status"), "in_progress");
	assert_string_equal(jstr(t, "rectification_id"), cid);
	h = json_object_get(t, "history");
	if (!json_is_array(h) || json_array_size(h) != 2) {
		char *s = json_dumps(h, JSON_COMPACT);
		fail_msg("the task's history (its case has the same id) has other than its two rows: %s", s);
	}
	assert_history(h, 0, NULL, "assigned", NULL, "task history");
	assert_history(h, 1, "assigned", "in_progress", NULL, "task history");
	json_decref(t);
}

/* ---- 2. two open cases of one village ---------------------------------------------------------- */

static void test_org_status_two_cases(void **state)
{
	(void)state;
	char c22[ID_LEN], c23[ID_LEN];
	assert_org_status(village_a3, "normal", "before any case");
	case_new(village_a3, 2022, "2022 年度软弱涣散", c22);
	case_new(village_a3, 2023, "2023 年度软弱涣散", c23);
	assert_org_status(village_a3, "rectifying", "two open cases");
	case_close_passed(c22, &cadre_a3);
	assert_org_status(village_a3, "rectifying", "the 2022 case closed as passed, the 2023 case still open");
	case_close_passed(c23, &cadre_a3);
	assert_org_status(village_a3, "normal", "both cases closed as passed");
}

/* ---- 3. evidence photos --------------------------------------------------------------------- */

static void test_evidence_own_photo(void **state)
{
	(void)state;
	char cid[ID_LEN], task[ID_LEN], p_insp[ID_LEN], p_sup[ID_LEN], p_own[ID_LEN], path[160];
	case_new(village_a5, 2021, "阵地建设滞后", cid);
	task_new(cid, NULL, "党员活动室挂牌", cadre_a5.user_id, 1, task);
	json_decref(task_do(cadre_a5.access, task, "start", NULL, 200));

	/* Photos someone else uploaded: the inspector's (of a draft visit of A2, and unlinked) and the
	 * supervisor's (unlinked). */
	char q[128], p_insp2[ID_LEN], draft[ID_LEN];
	json_decref(inspection_create(&srv, crew.insp_city.access, crew.tree.village_a2, round_id, NULL, NULL, draft));
	photo_new(crew.insp_city.access, pathf(q, sizeof q, "inspection_id=%s", draft), p_insp);
	photo_new(crew.insp_city.access, NULL, p_insp2);
	photo_new(sup, NULL, p_sup);
	json_decref(
	        progress_new(cadre_a5.access, task, "已挂牌", 50, (const char *const[]){p_insp, p_insp2, p_sup, NULL}));
	struct http_resp r;
	api_post(&srv, task_path(task, "/submit", path, sizeof path), cadre_a5.access, "{}", &r);
	if (r.status != 409)
		fail_msg("submit citing only photos others uploaded: expected 409 incomplete [photo], got %ld: %.400s",
		         r.status, buf_cstr(&r.body));
	assert_problem(&r, 409, "incomplete");
	problem_list(&r, "submit citing others' photos", "missing", (const char *const[]){"photo", NULL});
	http_resp_release(&r);

	/* The assignee's own photo, uploaded without a link: the supervisor does not see it … */
	photo_new(cadre_a5.access, NULL, p_own);
	pathf(path, sizeof path, "/api/v1/photos/%s", p_own);
	expect_problem(&srv, "GET", path, sup, NULL, 404, "not_found");
	/* … until the assignee cites it in a report: then it is evidence, and visible to the verifier. */
	json_decref(progress_new(cadre_a5.access, task, "已挂牌，附照片", 100, (const char *const[]){p_own, NULL}));
	json_t *p = call("GET", path, sup, NULL, 200);
	assert_string_equal(jstr(p, "id"), p_own);
	json_decref(p);
	assert_int_equal(api_status(&srv, path, cadre_a5.access), 200);
	json_t *t = task_do(cadre_a5.access, task, "submit", NULL, 200);
	assert_string_equal(jstr(t, "status"), "submitted");
	json_decref(t);
	assert_int_equal(api_status(&srv, path, sup), 200);
	t = task_do(sup, task, "verify", NULL, 200);
	assert_string_equal(jstr(t, "status"), "verified");
	json_decref(t);
	/* Out of the town: still nothing to see. */
	expect_problem(&srv, "GET", path, crew.sup_b.access, NULL, 404, "not_found");
}

/* ---- 4. concurrent identical retries ---------------------------------------------------------- */

/* A5's case of 2025 with a task of cadre.a5 in progress: where the progress
 * and interview races run (made on first use, without racing). */
static char race_case[ID_LEN], race_task[ID_LEN];

static void race_fixture(void)
{
	if (race_task[0])
		return;
	case_new(village_a5, 2025, "并发报告与约谈", race_case);
	task_new(race_case, NULL, "并发报告的任务", cadre_a5.user_id, 0, race_task);
	json_decref(task_do(cadre_a5.access, race_task, "start", NULL, 200));
}

static void test_race_tasks(void **state)
{
	(void)state;
	char cid[ID_LEN], path[160];
	char *bodies[RACE_N];
	struct http_resp out[RACE_N];
	case_new(village_a5, 2024, "并发布置任务", cid);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char id[ID_LEN];
		uuid_v4(id);
		char *b = jbody("{s:s, s:s, s:s, s:s, s:b}", "id", id, "title", "并发布置的任务", "assignee_id",
		                cadre_a5.user_id, "due_date", "2030-06-30", "requires_photo", 0);
		for (size_t i = 0; i < RACE_N; i++)
			bodies[i] = b;
		race("POST", case_path(cid, "/tasks", path, sizeof path), sup, bodies, out);
		json_t *t = expect_one_created(out, "POST /rectifications/{id}/tasks", NULL);
		assert_string_equal(jstr(t, "id"), id);
		json_decref(t);
		race_release(out);
		free(b);
	}
	assert_int_equal(count_items(case_path(cid, "/tasks", path, sizeof path), sup), RACE_ROUNDS);
}

static void test_race_progress(void **state)
{
	(void)state;
	char path[160];
	char *bodies[RACE_N];
	struct http_resp out[RACE_N];
	race_fixture();
	const char *task = race_task;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char id[ID_LEN];
		uuid_v4(id);
		char *b = jbody("{s:s, s:s, s:i}", "id", id, "text", "并发报告的进展", "percent", 10 * (round + 1));
		for (size_t i = 0; i < RACE_N; i++)
			bodies[i] = b;
		race("POST", task_path(task, "/progress", path, sizeof path), cadre_a5.access, bodies, out);
		json_t *p = expect_one_created(out, "POST /tasks/{id}/progress", NULL);
		assert_string_equal(jstr(p, "id"), id);
		json_decref(p);
		race_release(out);
		free(b);
	}
	assert_int_equal(count_items(task_path(task, "/progress", path, sizeof path), sup), RACE_ROUNDS);
}

static void test_race_interviews(void **state)
{
	(void)state;
	char path[160];
	char *bodies[RACE_N];
	struct http_resp out[RACE_N];
	race_fixture();
	const char *cid = race_case, *task = race_task;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char id[ID_LEN];
		uuid_v4(id);
		char *b = jbody("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "task_id", task, "person", "王强",
		                "person_role", "村党支部书记", "held_at", "2023-03-15T01:30:00Z", "reason", "工作滞后",
		                "outcome", "限期整改");
		for (size_t i = 0; i < RACE_N; i++)
			bodies[i] = b;
		race("POST", case_path(cid, "/interviews", path, sizeof path), sup, bodies, out);
		json_t *iv = expect_one_created(out, "POST /rectifications/{id}/interviews", NULL);
		assert_string_equal(jstr(iv, "id"), id);
		json_decref(iv);
		race_release(out);
		free(b);
	}
	assert_int_equal(count_items(case_path(cid, "/interviews", path, sizeof path), sup), RACE_ROUNDS);
}

/* Findings → tasks, the same task id and body. */
static void test_race_rectify_same(void **state)
{
	(void)state;
	char path[160];
	char *bodies[RACE_N];
	struct http_resp out[RACE_N];
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char id[ID_LEN];
		uuid_v4(id);
		char *b = jbody("{s:s, s:s, s:s, s:b}", "id", id, "assignee_id", crew.cast.cadre.user_id, "due_date",
		                "2030-06-30", "requires_photo", 0);
		for (size_t i = 0; i < RACE_N; i++)
			bodies[i] = b;
		race("POST", rectify_path(f_same[round], path, sizeof path), sup, bodies, out);
		json_t *res = expect_one_created(out, "POST /findings/{id}/rectify (same task id)", "task");
		assert_string_equal(jstr(json_object_get(res, "task"), "id"), id);
		assert_string_equal(jstr(json_object_get(res, "task"), "finding_id"), f_same[round]);
		const char *case_id = jstr(json_object_get(res, "rectification"), "id");
		for (size_t i = 0; i < RACE_N; i++) {
			json_t *j = http_json(&out[i]);
			const char *c2 = jstr(json_object_get(j, "rectification"), "id");
			if (!c2 || strcmp(c2, case_id) != 0)
				fail_msg("rectify race: answer %zu names case %s, the create %s", i, c2 ? c2 : "(none)",
				         case_id);
			json_decref(j);
		}
		json_decref(res);
		race_release(out);
		free(b);
		json_t *f =
		        call("GET", pathf(path, sizeof path, "/api/v1/findings/%s", f_same[round]), admin, NULL, 200);
		assert_string_equal(jstr(f, "task_id"), id);
		json_decref(f);
	}
}

/* Findings → tasks under different task ids: one wins, the others learn its task. */
static void test_race_rectify_other(void **state)
{
	(void)state;
	char path[160];
	char *bodies[RACE_N];
	struct http_resp out[RACE_N];
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char ids[RACE_N][ID_LEN];
		for (size_t i = 0; i < RACE_N; i++) {
			uuid_v4(ids[i]);
			bodies[i] = jbody("{s:s, s:s, s:s, s:b}", "id", ids[i], "assignee_id", crew.cast.cadre.user_id,
			                  "due_date", "2030-06-30", "requires_photo", 0);
		}
		race("POST", rectify_path(f_other[round], path, sizeof path), sup, bodies, out);
		size_t created = 0, conflicts = 0;
		const char *winner = NULL;
		for (size_t i = 0; i < RACE_N; i++)
			if (out[i].status == 201) {
				created++;
				winner = ids[i];
			}
		for (size_t i = 0; i < RACE_N && created == 1; i++) {
			if (out[i].status != 409)
				continue;
			json_t *p = problem_json(&out[i]);
			const char *code = jstr(p, "code"), *tid = jstr(p, "task_id");
			if (code && strcmp(code, "already_rectified") == 0 && tid && strcmp(tid, winner) == 0)
				conflicts++;
			json_decref(p);
		}
		if (created != 1 || conflicts != RACE_N - 1) {
			struct buf b = BUF_INIT;
			for (size_t i = 0; i < RACE_N; i++)
				buf_printf(&b, "\n  #%zu (task id %s): %ld %.300s", i, ids[i], out[i].status,
				           buf_cstr(&out[i].body));
			fail_msg("%d concurrent rectifies of one finding under different task ids: want one 201 and %d "
			         "× "
			         "409 already_rectified with the winner's task_id, got %zu × 201 and %zu such 409s:%s",
			         RACE_N, RACE_N - 1, created, conflicts, buf_cstr(&b));
		}
		for (size_t i = 0; i < RACE_N; i++)
			if (out[i].status == 409)
				assert_problem(&out[i], 409, "already_rectified");
		race_release(out);
		for (size_t i = 0; i < RACE_N; i++)
			free(bodies[i]);
		json_t *f =
		        call("GET", pathf(path, sizeof path, "/api/v1/findings/%s", f_other[round]), admin, NULL, 200);
		assert_string_equal(jstr(f, "task_id"), winner);
		json_decref(f);
	}
}

/* ---- 5. progress created_at ------------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" exactly: whole seconds, UTC. */
static void assert_whole_seconds(const char *s, const char *what)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int ok = s && strlen(s) == sizeof shape - 1;
	for (size_t i = 0; ok && i < sizeof shape - 1; i++)
		ok = shape[i] == 'd' ? s[i] >= '0' && s[i] <= '9' : s[i] == shape[i];
	if (!ok)
		fail_msg("%s: created_at is \"%s\", want the shape YYYY-MM-DDTHH:MM:SSZ (whole seconds)", what,
		         s ? s : "(none)");
	assert_timestamp(s);
}

static void test_progress_created_at(void **state)
{
	(void)state;
	char cid[ID_LEN], task[ID_LEN], path[160];
	case_new(village_a5, 2017, "制度执行不严", cid);
	task_new(cid, NULL, "落实三会一课", cadre_a5.user_id, 0, task);
	json_decref(task_do(cadre_a5.access, task, "start", NULL, 200));
	json_t *p = progress_new(cadre_a5.access, task, "已召开支委会", 30, NULL);
	assert_whole_seconds(jstr(p, "created_at"), "POST /tasks/{id}/progress");
	json_decref(p);
	p = progress_new(sup, task, "镇里督促", 40, NULL);
	assert_whole_seconds(jstr(p, "created_at"), "POST /tasks/{id}/progress (supervisor)");
	json_decref(p);

	json_t *list = call("GET", task_path(task, "/progress", path, sizeof path), cadre_a5.access, NULL, 200);
	json_t *items = json_is_array(list) ? list : json_object_get(list, "items");
	assert_int_equal(json_array_size(items), 2);
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e) assert_whole_seconds(jstr(e, "created_at"), "GET /tasks/{id}/progress");
	json_decref(list);
	json_t *t = call("GET", task_path(task, NULL, path, sizeof path), sup, NULL, 200);
	items = json_object_get(t, "progress");
	assert_int_equal(json_array_size(items), 2);
	json_array_foreach(items, i, e) assert_whole_seconds(jstr(e, "created_at"), "GET /tasks/{id} progress");
	json_decref(t);
}

/* ---- 6. a closed case of a past year -------------------------------------------------------- */

static void test_past_year_closed(void **state)
{
	(void)state;
	char cid[ID_LEN], path[160];
	clock_set("2026-06-01T10:00:00+08:00");
	case_new(village_a4, 2026, "2026 年度软弱涣散", cid);
	case_close_passed(cid, &cadre_a4);
	char body[256];
	snprintf(body, sizeof body, "{\"title\":\"补充任务\",\"assignee_id\":\"%s\",\"due_date\":\"2027-06-30\"}",
	         cadre_a4.user_id);
	/* In its own year, a closed case may be reopened. */
	expect_transition("POST", case_path(cid, "/tasks", path, sizeof path), sup, body,
	                  (const char *const[]){"reopen", NULL});

	/* The next year: nothing at all. */
	clock_set("2027-03-01T00:00:00+08:00");
	expect_transition("POST", case_path(cid, "/tasks", path, sizeof path), sup, body, (const char *const[]){NULL});
	expect_transition("POST", case_path(cid, "/reopen", path, sizeof path), sup, "{\"reason\":\"复查发现反弹\"}",
	                  (const char *const[]){NULL});
	expect_transition("POST", case_path(cid, "/interviews", path, sizeof path), sup,
	                  "{\"person\":\"王强\",\"person_role\":\"村党支部书记\",\"held_at\":\"2027-02-01T01:00:00Z\","
	                  "\"reason\":\"回访\",\"outcome\":\"提醒\"}",
	                  (const char *const[]){NULL});
}

/* ---- 7. four_ones.town_leader_id --------------------------------------------------------------- */

static void test_town_leader(void **state)
{
	(void)state;
	char path[160];
	const struct {
		const char *who, *id;
	} wrong[] = {
	        {"a supervisor of the city (root)", sup_city.user_id},
	        {"the supervisor of town B", crew.sup_b.user_id},
	};
	for (size_t i = 0; i < 2; i++) {
		char *b = jbody("{s:s, s:i, s:s, s:s, s:{s:s, s:s}}", "org_id", village_a5, "year", 2019, "reason",
		                "联系领导未落实", "source", "annual", "four_ones", "town_leader", "李镇长",
		                "town_leader_id", wrong[i].id);
		struct http_resp r;
		api_post(&srv, "/api/v1/rectifications", sup, b, &r);
		if (r.status != 422)
			fail_msg("POST /rectifications with four_ones.town_leader_id = %s: expected 422, got %ld: "
			         "%.400s",
			         wrong[i].who, r.status, buf_cstr(&r.body));
		assert_validation(&r, (const char *const[]){"four_ones.town_leader_id", NULL});
		http_resp_release(&r);
		free(b);
	}
	/* The town's own supervisor. */
	char *b = jbody("{s:s, s:i, s:s, s:s, s:{s:s, s:s}}", "org_id", village_a5, "year", 2019, "reason",
	                "联系领导未落实", "source", "annual", "four_ones", "town_leader", "李镇长", "town_leader_id",
	                crew.cast.supervisor.user_id);
	json_t *c = call("POST", "/api/v1/rectifications", sup, b, 201);
	free(b);
	assert_string_equal(jstr(json_object_get(c, "four_ones"), "town_leader_id"), crew.cast.supervisor.user_id);
	char cid[ID_LEN];
	snprintf(cid, sizeof cid, "%s", jstr(c, "id"));
	json_decref(c);

	/* The same rule on edits and on findings → tasks. */
	for (size_t i = 0; i < 2; i++) {
		b = jbody("{s:{s:s, s:s}}", "four_ones", "town_leader", "李镇长", "town_leader_id", wrong[i].id);
		struct http_resp r;
		api_put(&srv, case_path(cid, NULL, path, sizeof path), sup, b, &r);
		if (r.status != 422)
			fail_msg("PUT /rectifications/{id} with four_ones.town_leader_id = %s: expected 422, got %ld: "
			         "%.400s",
			         wrong[i].who, r.status, buf_cstr(&r.body));
		assert_validation(&r, (const char *const[]){"four_ones.town_leader_id", NULL});
		http_resp_release(&r);
		free(b);
		b = jbody("{s:s, s:s, s:{s:{s:s}}}", "assignee_id", crew.cast.cadre.user_id, "due_date", "2030-06-30",
		          "case", "four_ones", "town_leader_id", wrong[i].id);
		api_post(&srv, rectify_path(f_leader, path, sizeof path), sup, b, &r);
		if (r.status != 422)
			fail_msg("POST /findings/{id}/rectify with case.four_ones.town_leader_id = %s: expected 422, "
			         "got "
			         "%ld: %.400s",
			         wrong[i].who, r.status, buf_cstr(&r.body));
		assert_validation(
		        &r, (const char *const[]){"case.four_ones.town_leader_id|four_ones.town_leader_id", NULL});
		http_resp_release(&r);
		free(b);
	}
	b = jbody("{s:{s:s, s:s}}", "four_ones", "town_leader", "王镇长", "town_leader_id",
	          crew.cast.supervisor.user_id);
	c = call("PUT", case_path(cid, NULL, path, sizeof path), sup, b, 200);
	free(b);
	assert_string_equal(jstr(json_object_get(c, "four_ones"), "town_leader"), "王镇长");
	json_decref(c);
}

/* ---- 8. interview held_at and the service clock ------------------------------------------------ */

static void test_interview_clock(void **state)
{
	(void)state;
	char cid[ID_LEN], path[160];
	clock_set("2023-03-20T12:00:00+08:00");
	case_new(village_a5, 2023, "约谈时间", cid);
	case_path(cid, "/interviews", path, sizeof path);
	const char *fmt = "{s:s, s:s, s:s, s:s, s:s}";
	char *b = jbody(fmt, "person", "王强", "person_role", "村党支部书记", "held_at", "2024-01-01T00:00:00+08:00",
	                "reason", "工作滞后", "outcome", "限期整改");
	struct http_resp r;
	api_post(&srv, path, sup, b, &r);
	if (r.status != 422)
		fail_msg("interview held_at 2024-01-01 with the clock at 2023-03-20: expected 422 held_at, got %ld: "
		         "%.400s",
		         r.status, buf_cstr(&r.body));
	assert_validation(&r, (const char *const[]){"held_at", NULL});
	http_resp_release(&r);
	free(b);
	b = jbody(fmt, "person", "王强", "person_role", "村党支部书记", "held_at", "2023-03-19T10:00:00+08:00",
	          "reason", "工作滞后", "outcome", "限期整改");
	json_t *iv = call("POST", path, sup, b, 201);
	free(b);
	if (!jstr(iv, "held_at") || strncmp(jstr(iv, "held_at"), "2023-03-19T02:00:00", 19) != 0)
		fail_msg("held_at is %s, want 2023-03-19T02:00:00Z", jstr(iv, "held_at"));
	json_decref(iv);
}

/* ---- 9. history reasons -------------------------------------------------------------------- */

static void test_history_reasons(void **state)
{
	(void)state;
	char cid[ID_LEN], task[ID_LEN], path[160];
	case_new(village_a5, 2016, "党员教育管理薄弱", cid);
	task_new(cid, NULL, "开展党员集中培训", cadre_a5.user_id, 0, task);
	json_decref(task_do(cadre_a5.access, task, "start", NULL, 200));
	json_decref(progress_new(cadre_a5.access, task, "已培训一次", 50, NULL));
	json_decref(task_do(cadre_a5.access, task, "submit", NULL, 200));
	json_decref(task_do(sup, task, "return", "{\"reason\":\"培训记录不全，请补充签到表\"}", 200));
	json_decref(task_do(cadre_a5.access, task, "start", NULL, 200));
	json_decref(progress_new(cadre_a5.access, task, "已补充签到表", 100, NULL));
	json_decref(task_do(cadre_a5.access, task, "submit", NULL, 200));
	json_decref(task_do(sup, task, "verify", NULL, 200));
	json_decref(case_do(sup, cid, "evaluate", NULL, 200));
	json_decref(
	        case_do(sup, cid, "close", "{\"result\":\"failed\",\"evaluation\":\"群众满意度不高，继续整改\"}", 200));
	json_decref(case_do(sup, cid, "evaluate", NULL, 200));
	json_t *c = case_do(sup, cid, "close", "{\"result\":\"passed\",\"evaluation\":\"整改到位\"}", 200);
	assert_string_equal(jstr(c, "evaluation"), "整改到位");
	json_decref(c);

	c = call("GET", case_path(cid, NULL, path, sizeof path), sup, NULL, 200);
	json_t *h = json_object_get(c, "history");
	if (json_array_size(h) != 5) {
		char *s = json_dumps(h, JSON_COMPACT);
		fail_msg("the case's history: want 5 rows, got %s", s);
	}
	assert_history(h, 0, NULL, "open", NULL, "case history");
	assert_history(h, 1, "open", "evaluating", NULL, "case history");
	assert_history(h, 2, "evaluating", "open", "群众满意度不高，继续整改", "case history");
	assert_history(h, 3, "open", "evaluating", NULL, "case history");
	assert_history(h, 4, "evaluating", "closed", NULL, "case history");
	json_decref(c);

	json_t *t = call("GET", task_path(task, NULL, path, sizeof path), sup, NULL, 200);
	h = json_object_get(t, "history");
	if (json_array_size(h) != 7) {
		char *s = json_dumps(h, JSON_COMPACT);
		fail_msg("the task's history: want 7 rows, got %s", s);
	}
	assert_history(h, 0, NULL, "assigned", NULL, "task history");
	assert_history(h, 1, "assigned", "in_progress", NULL, "task history");
	assert_history(h, 2, "in_progress", "submitted", NULL, "task history");
	assert_history(h, 3, "submitted", "returned", "培训记录不全，请补充签到表", "task history");
	assert_history(h, 4, "returned", "in_progress", NULL, "task history");
	assert_history(h, 5, "in_progress", "submitted", NULL, "task history");
	assert_history(h, 6, "submitted", "verified", NULL, "task history");
	json_decref(t);
}

/* ---- 10. a task title from a multi-line description ------------------------------------------- */

static void test_multiline_title(void **state)
{
	(void)state;
	char path[160];
	char *b = jbody("{s:s, s:s}", "assignee_id", crew.cast.cadre.user_id, "due_date", "2030-06-30");
	json_t *res = call("POST", rectify_path(f_multiline, path, sizeof path), sup, b, 201);
	free(b);
	json_t *t = json_object_get(res, "task");
	const char *title = jstr(t, "title");
	assert_non_null(title);
	if (strpbrk(title, "\r\n"))
		fail_msg("the task title taken from a multi-line description has line breaks: \"%s\"", title);
	if (!strstr(title, "党员活动室未挂牌") || !strstr(title, "三会一课记录不全") || !strstr(title, "内容过期"))
		fail_msg("the task title lost the description's text: \"%s\"", title);
	/* The stored task says the same. */
	char tid[ID_LEN];
	snprintf(tid, sizeof tid, "%s", jstr(t, "id"));
	json_decref(res);
	json_t *g = call("GET", task_path(tid, NULL, path, sizeof path), sup, NULL, 200);
	if (strpbrk(jstr(g, "title"), "\r\n"))
		fail_msg("GET /tasks/{id}: title has line breaks: \"%s\"", jstr(g, "title"));
	json_decref(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_history_apart),
	        cmocka_unit_test(test_org_status_two_cases),
	        cmocka_unit_test(test_evidence_own_photo),
	        cmocka_unit_test(test_race_tasks),
	        cmocka_unit_test(test_race_progress),
	        cmocka_unit_test(test_race_interviews),
	        cmocka_unit_test(test_race_rectify_other),
	        cmocka_unit_test(test_race_rectify_same),
	        cmocka_unit_test(test_progress_created_at),
	        cmocka_unit_test_teardown(test_past_year_closed, unpin_clock),
	        cmocka_unit_test(test_town_leader),
	        cmocka_unit_test_teardown(test_interview_clock, unpin_clock),
	        cmocka_unit_test(test_history_reasons),
	        cmocka_unit_test(test_multiline_title),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_rectify_regress", tests, group_setup, group_teardown);
}
