/*
 * Rectification of weak village party organizations through the real binary:
 * cases (create with client ids and retries, the one-not-closed-case rule,
 * the org's status following the case, edits with versions and If-Match,
 * evaluate / close passed or failed / reopen in the current local year only,
 * history rows), tasks (assignee and due-date validation, edits and who may
 * make them, the workflow assigned → in_progress → submitted → returned /
 * verified with every refused transition naming what is allowed, submit
 * needing a progress report and a photo), the overdue boundary in the
 * Asia/Shanghai day with the clock pinned through the test-only route, the
 * scope of every role, the list filters and the bad inputs.
 *
 * Progress reports, the inbox, interviews, findings → tasks and photo links
 * are test_tasks_inbox.c's; this file uses progress reports and task photos
 * only as far as submit needs them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;
static char round_id[ID_LEN];
static const char *sup, *admin, *cadre; /* sup.a, admin, cadre.a1 */
static struct tokens cadre_a1b;         /* a second cadre of A1 */
static struct tokens cadre_a2;          /* the cadre of A2 */
static char cadre_off_id[ID_LEN];       /* a disabled cadre of A1 */
static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

static void clock_set(const char *now);

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
	cadre = crew.cast.cadre.access;
	api_create_user(&srv, admin, "cadre.a1b", "cadre", crew.tree.village_a1, FIXTURE_PASSWORD, NULL);
	api_create_user(&srv, admin, "cadre.a2", "cadre", crew.tree.village_a2, FIXTURE_PASSWORD, NULL);
	api_create_user(&srv, admin, "cadre.off", "cadre", crew.tree.village_a1, FIXTURE_PASSWORD, cadre_off_id);
	api_login_ok(&srv, "cadre.a1b", FIXTURE_PASSWORD, &cadre_a1b);
	api_login_ok(&srv, "cadre.a2", FIXTURE_PASSWORD, &cadre_a2);
	char path[128];
	json_t *u = api_expect(&srv, "PUT", pathf(path, sizeof path, "/api/v1/users/%s", cadre_off_id), admin,
	                       "{\"disabled\":true}", 200);
	assert_true(json_is_true(json_object_get(u, "disabled")));
	json_decref(u);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&srv);
	return 0;
}

/* Tests that pin the clock unpin it whatever their outcome. */
static int unpin_clock(void **state)
{
	(void)state;
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", admin, "{\"now\":null}", NULL, &r);
	http_resp_release(&r);
	return 0;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* PUT /api/v1/_test/clock {"now": now} (NULL: null, unpinned). */
static void clock_set(const char *now)
{
	char *body = now ? jbody("{s:s}", "now", now) : jbody("{s:n}", "now");
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", admin, body, NULL, &r);
	if (r.status != 200 && r.status != 204)
		fail_msg("PUT /api/v1/_test/clock %s: %ld %.300s", body, r.status, buf_cstr(&r.body));
	http_resp_release(&r);
	free(body);
}

static const char *case_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/rectifications/%s%s", id, suffix ? suffix : "");
}

static const char *task_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/tasks/%s%s", id, suffix ? suffix : "");
}

static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * n + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

/* The status of an organization (admin's GET /orgs/{id}). */
static char *org_status(const char *org_id)
{
	char path[128];
	json_t *o = api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/orgs/%s", org_id), admin, NULL, 200);
	char *s = strdup(jstr(o, "status") ? jstr(o, "status") : "(none)");
	json_decref(o);
	return s;
}

static void assert_org_status(const char *org_id, const char *want)
{
	char *got = org_status(org_id);
	if (strcmp(got, want) != 0)
		fail_msg("organization %s has status %s, want %s", org_id, got, want);
	free(got);
}

/* A request that must be answered with want; the parsed body (may be NULL). */
static json_t *call(const char *method, const char *path, const char *bearer, const char *body, long want,
                    struct http_resp *keep)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != want)
		fail_msg("%s %s %.200s: expected %ld, got %ld: %.500s", method, path, body ? body : "", want, r.status,
		         buf_cstr(&r.body));
	json_t *j = r.body.len ? http_json(&r) : NULL;
	if (keep)
		*keep = r;
	else
		http_resp_release(&r);
	return j;
}

/* POST a case {org_id, year (0: none), reason, source annual} as bearer;
 * 201 with Location and ETag "1". id gets the new id. */
static json_t *case_new(const char *bearer, const char *org, int year, const char *reason, char id[ID_LEN])
{
	json_t *b = json_pack("{s:s, s:s, s:s}", "org_id", org, "reason", reason, "source", "annual");
	if (year)
		json_object_set_new(b, "year", json_integer(year));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	struct http_resp r;
	json_t *c = call("POST", "/api/v1/rectifications", bearer, text, 201, &r);
	free(text);
	char loc[128];
	assert_created(&r, case_path(jstr(c, "id"), NULL, loc, sizeof loc), 1);
	http_resp_release(&r);
	assert_string_equal(jstr(c, "status"), "open");
	assert_string_equal(jstr(c, "org_id"), org);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(c, "id"));
	return c;
}

/* POST a task {title, assignee_id, due_date[, requires_photo]} (photo -1:
 * absent) on case_id as bearer; 201 with Location and ETag "1". */
static json_t *task_new(const char *bearer, const char *case_id, const char *title, const char *assignee,
                        const char *due, int photo, char id[ID_LEN])
{
	json_t *b = json_pack("{s:s, s:s, s:s}", "title", title, "assignee_id", assignee, "due_date", due);
	if (photo >= 0)
		json_object_set_new(b, "requires_photo", json_boolean(photo));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	char path[160], loc[128];
	struct http_resp r;
	json_t *t = call("POST", case_path(case_id, "/tasks", path, sizeof path), bearer, text, 201, &r);
	free(text);
	assert_created(&r, task_path(jstr(t, "id"), NULL, loc, sizeof loc), 1);
	http_resp_release(&r);
	assert_string_equal(jstr(t, "status"), "assigned");
	assert_string_equal(jstr(t, "rectification_id"), case_id);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(t, "id"));
	return t;
}

/* POST /tasks/{id}/<action> body (NULL: "{}") expecting want. */
static json_t *task_do(const char *bearer, const char *id, const char *action, const char *body, long want)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return call("POST", task_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", want, NULL);
}

/* POST /rectifications/{id}/<action> body (NULL: "{}") expecting want. */
static json_t *case_do(const char *bearer, const char *id, const char *action, const char *body, long want)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return call("POST", case_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", want, NULL);
}

/* A progress report {text, percent[, photo_ids]} by bearer, 201. */
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
	json_t *o = call("POST", task_path(task_id, "/progress", path, sizeof path), bearer, t, 201, NULL);
	free(t);
	return o;
}

/* Uploads a small fake JPEG as bearer with query (may be NULL); 201; the
 * photo's id into id. Returns the photo. */
static json_t *photo_new(const char *bearer, const char *query, char id[ID_LEN])
{
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	/* different bytes every time: the same photo on two tasks is (rightly) an evidence alert */
	static unsigned char fill = 0x37;
	struct byte_src src = {jfif, sizeof jfif, 3000, fill++};
	struct http_resp r;
	photo_upload_raw(&srv, bearer, query, "image/jpeg", &src, 10000, &r);
	if (r.status != 201)
		fail_msg("POST /photos?%s: expected 201, got %ld: %.400s", query ? query : "", r.status,
		         buf_cstr(&r.body));
	json_t *p = http_json(&r);
	http_resp_release(&r);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(p, "id"));
	return p;
}

/* The values of a JSON array of strings as {"id": …} objects (for assert_key_set). */
static json_t *as_objects(const json_t *strings)
{
	json_t *objs = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(strings, i, v)
	{
		if (!json_is_string(v))
			fail_msg("a list member that is not a string");
		json_array_append_new(objs, json_pack("{s:s}", "id", json_string_value(v)));
	}
	return objs;
}

/* A problem whose extra member key is exactly the set want (any order). */
static void problem_list(const struct http_resp *r, const char *what, const char *key, const char *const *want)
{
	json_t *p = problem_json(r);
	json_t *got = json_object_get(p, key);
	if (!json_is_array(got))
		fail_msg("%s: the problem has no %s list: %s", what, key, buf_cstr(&r->body));
	json_t *objs = as_objects(got);
	assert_key_set(objs, "id", want);
	json_decref(objs);
	json_decref(p);
}

/* A request that must be 409 invalid_transition allowing exactly allowed
 * (NULL-terminated, any order; NULL: only check the code and the list). */
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
	if (allowed) {
		problem_list(&r, what, "allowed", allowed);
	} else {
		json_t *p = problem_json(&r);
		if (!json_is_array(json_object_get(p, "allowed")))
			fail_msg("%s: 409 without an allowed list", what);
		json_decref(p);
	}
	http_resp_release(&r);
}

static void expect_task_transition(const char *bearer, const char *id, const char *action, const char *body,
                                   const char *const *allowed)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	expect_transition("POST", task_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", allowed);
}

static void expect_case_transition(const char *bearer, const char *id, const char *action, const char *body,
                                   const char *const *allowed)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	expect_transition("POST", case_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", allowed);
}

/* submit as bearer must be 409 incomplete missing exactly want. */
static void expect_incomplete(const char *bearer, const char *task_id, const char *const *want)
{
	char path[160];
	struct http_resp r;
	api_post(&srv, task_path(task_id, "/submit", path, sizeof path), bearer, "{}", &r);
	if (r.status != 409)
		fail_msg("POST %s: expected 409 incomplete, got %ld: %.400s", path, r.status, buf_cstr(&r.body));
	assert_problem(&r, 409, "incomplete");
	problem_list(&r, path, "missing", want);
	http_resp_release(&r);
}

/* evaluate as bearer must be 409 tasks_unverified listing exactly want. */
static void expect_unverified(const char *bearer, const char *case_id, const char *const *want)
{
	char path[160];
	struct http_resp r;
	api_post(&srv, case_path(case_id, "/evaluate", path, sizeof path), bearer, "{}", &r);
	if (r.status != 409)
		fail_msg("POST %s: expected 409 tasks_unverified, got %ld: %.400s", path, r.status, buf_cstr(&r.body));
	assert_problem(&r, 409, "tasks_unverified");
	problem_list(&r, path, "unverified", want);
	http_resp_release(&r);
}

/* One history row. reason NULL: null; "*": anything. */
static void assert_history(const json_t *history, size_t i, const char *actor_id, const char *actor_name,
                           const char *from, const char *to, const char *reason)
{
	json_t *h = json_array_get(history, i);
	if (!json_is_object(h))
		fail_msg("history has no row %zu (%zu rows)", i, json_array_size(history));
	assert_timestamp(jstr(h, "at"));
	if (!jstr(h, "actor_id") || strcmp(jstr(h, "actor_id"), actor_id) != 0)
		fail_msg("history[%zu].actor_id is %s, want %s", i, jstr(h, "actor_id"), actor_id);
	if (!jstr(h, "actor_name") || strcmp(jstr(h, "actor_name"), actor_name) != 0)
		fail_msg("history[%zu].actor_name is %s, want %s", i, jstr(h, "actor_name"), actor_name);
	json_t *f = json_object_get(h, "from");
	if (from ? !json_is_string(f) || strcmp(json_string_value(f), from) != 0 : !json_is_null(f))
		fail_msg("history[%zu].from is %s, want %s", i,
		         json_is_string(f) ? json_string_value(f) : "null/absent", from ? from : "null");
	if (!jstr(h, "to") || strcmp(jstr(h, "to"), to) != 0)
		fail_msg("history[%zu].to is %s, want %s", i, jstr(h, "to"), to);
	json_t *r = json_object_get(h, "reason");
	if (reason && strcmp(reason, "*") == 0) {
		if (!json_is_null(r) && !json_is_string(r))
			fail_msg("history[%zu].reason is neither a string nor null", i);
	} else if (reason ? !json_is_string(r) || strcmp(json_string_value(r), reason) != 0 : !json_is_null(r)) {
		fail_msg("history[%zu].reason is %s, want %s", i,
		         json_is_string(r) ? json_string_value(r) : "null/absent", reason ? reason : "null");
	}
}

static void assert_counts(const json_t *c, long long assigned, long long in_progress, long long submitted,
                          long long returned, long long verified, long long overdue, long long total)
{
	json_t *k = json_object_get(c, "task_counts");
	if (!json_is_object(k))
		fail_msg("case %s has no task_counts", jstr(c, "id"));
	const char *names[] = {"assigned", "in_progress", "submitted", "returned", "verified", "overdue", "total"};
	long long want[] = {assigned, in_progress, submitted, returned, verified, overdue, total};
	for (size_t i = 0; i < 7; i++)
		if (jint(k, names[i]) != want[i])
			fail_msg("case %s: task_counts.%s is %lld, want %lld (%s)", jstr(c, "id"), names[i],
			         jint(k, names[i]), want[i], json_dumps(k, JSON_COMPACT));
}

static json_t *case_get(const char *bearer, const char *id)
{
	char path[160];
	return call("GET", case_path(id, NULL, path, sizeof path), bearer, NULL, 200, NULL);
}

static json_t *task_get(const char *bearer, const char *id)
{
	char path[160];
	return call("GET", task_path(id, NULL, path, sizeof path), bearer, NULL, 200, NULL);
}

static void assert_overdue(const char *task_id, int want)
{
	json_t *t = task_get(sup, task_id);
	json_t *o = json_object_get(t, "overdue");
	if (!json_is_boolean(o) || json_is_true(o) != want)
		fail_msg("task %s (due %s, %s): overdue is %s, want %s", task_id, jstr(t, "due_date"),
		         jstr(t, "status"), json_is_boolean(o) ? (json_is_true(o) ? "true" : "false") : "not a boolean",
		         want ? "true" : "false");
	json_decref(t);
}

/* A task of case_id for assignee (tok) driven to verified the short way:
 * no photo needed, one progress report, verified by sup.a. */
static void task_verified(const char *case_id, const struct tokens *assignee, const char *due, char id[ID_LEN])
{
	json_decref(task_new(sup, case_id, "整改措施", assignee->user_id, due, 0, id));
	json_decref(task_do(assignee->access, id, "start", NULL, 200));
	json_decref(progress_new(assignee->access, id, "已完成", 100, NULL));
	json_decref(task_do(assignee->access, id, "submit", NULL, 200));
	json_t *t = task_do(sup, id, "verify", NULL, 200);
	assert_string_equal(jstr(t, "status"), "verified");
	json_decref(t);
}

/* The current local year in Asia/Shanghai (UTC+8, no DST). */
static int local_year_now(void)
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

static const char *const CASE_OPEN[] = {"update", "evaluate", "add_task", "add_interview", NULL};
static const char *const CASE_EVALUATING[] = {"update", "close", "add_interview", NULL};
static const char *const CASE_CLOSED[] = {"reopen", NULL};
static const char *const TASK_ASSIGNED[] = {"start", "update", NULL};
static const char *const TASK_IN_PROGRESS[] = {"submit", "update", "add_progress", NULL};
static const char *const TASK_SUBMITTED[] = {"verify", "return", "update", NULL};
static const char *const TASK_RETURNED[] = {"start", "update", NULL};
static const char *const TASK_VERIFIED[] = {NULL};

/* ---- cases: create ------------------------------------------------------------------------- */

static void test_case_create(void **state)
{
	(void)state;
	char id[ID_LEN], path[160], loc[160];
	assert_org_status(crew.tree.village_a1, "normal");

	uuid_v4(id);
	json_t *body = json_pack("{s:s, s:s, s:i, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:s}", "id", id, "org_id",
	                         crew.tree.village_a1, "year", 2021, "reason", "班子软弱涣散\n党员发挥作用不明显",
	                         "source", "annual", "four_ones", "contact_leader", "王联系", "town_leader", "李包村",
	                         "town_leader_id", crew.cast.supervisor.user_id, "first_secretary", "张书记",
	                         "paired_unit", "市农业农村局", "plan", "一、健全班子\n二、规范组织生活");
	char *text = json_dumps(body, JSON_COMPACT);
	struct http_resp r;
	json_t *c = call("POST", "/api/v1/rectifications", sup, text, 201, &r);
	assert_created(&r, case_path(id, NULL, loc, sizeof loc), 1);
	http_resp_release(&r);
	assert_string_equal(jstr(c, "id"), id);
	assert_string_equal(jstr(c, "org_id"), crew.tree.village_a1);
	assert_string_equal(jstr(c, "org_name"), "东山村");
	assert_int_equal(jint(c, "year"), 2021);
	assert_string_equal(jstr(c, "reason"), "班子软弱涣散\n党员发挥作用不明显");
	assert_string_equal(jstr(c, "source"), "annual");
	assert_true(json_is_null(json_object_get(c, "finding_id")));
	json_t *f = json_object_get(c, "four_ones");
	assert_string_equal(jstr(f, "contact_leader"), "王联系");
	assert_string_equal(jstr(f, "town_leader"), "李包村");
	assert_string_equal(jstr(f, "town_leader_id"), crew.cast.supervisor.user_id);
	assert_string_equal(jstr(f, "first_secretary"), "张书记");
	assert_string_equal(jstr(f, "paired_unit"), "市农业农村局");
	assert_string_equal(jstr(c, "plan"), "一、健全班子\n二、规范组织生活");
	assert_string_equal(jstr(c, "status"), "open");
	assert_true(json_is_null(json_object_get(c, "result")));
	assert_true(json_is_null(json_object_get(c, "evaluation")));
	assert_true(json_is_null(json_object_get(c, "closed_at")));
	assert_string_equal(jstr(c, "created_by"), crew.cast.supervisor.user_id);
	assert_timestamp(jstr(c, "created_at"));
	assert_timestamp(jstr(c, "updated_at"));
	assert_int_equal(jint(c, "version"), 1);
	assert_counts(c, 0, 0, 0, 0, 0, 0, 0);

	/* The organization is rectifying now. */
	assert_org_status(crew.tree.village_a1, "rectifying");

	/* The detail: no tasks or interviews yet, one history row. */
	api_get(&srv, case_path(id, NULL, path, sizeof path), sup, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *d = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(d, "id"), id);
	assert_int_equal(json_array_size(json_object_get(d, "tasks")), 0);
	assert_true(json_is_array(json_object_get(d, "tasks")));
	assert_true(json_is_array(json_object_get(d, "interviews")));
	assert_int_equal(json_array_size(json_object_get(d, "interviews")), 0);
	json_t *h = json_object_get(d, "history");
	assert_int_equal(json_array_size(h), 1);
	assert_history(h, 0, crew.cast.supervisor.user_id, "用户 sup.a", NULL, "open", "*");
	json_decref(d);

	/* Retried: 200 with the stored case, still one. */
	for (int k = 0; k < 2; k++) {
		json_t *again = call("POST", "/api/v1/rectifications", sup, text, 200, NULL);
		if (!json_equal(again, c))
			fail_msg("a retried create answers another object: %s", json_dumps(again, JSON_COMPACT));
		json_decref(again);
	}
	free(text);
	/* The same id with another body: 409 id_conflict. */
	json_object_set_new(body, "reason", json_string("另一个原因"));
	text = json_dumps(body, JSON_COMPACT);
	expect_problem(&srv, "POST", "/api/v1/rectifications", sup, text, 409, "id_conflict");
	free(text);
	json_decref(body);
	d = case_get(sup, id);
	assert_string_equal(jstr(d, "reason"), "班子软弱涣散\n党员发挥作用不明显");
	assert_int_equal(jint(d, "version"), 1);
	json_decref(d);

	/* A second not-closed case for A1 in 2021: 409 case_exists naming the first. */
	char *dup = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.village_a1, "year", 2021, "reason", "重复",
	                  "source", "annual");
	api_post(&srv, "/api/v1/rectifications", admin, dup, &r);
	assert_problem(&r, 409, "case_exists");
	json_t *p = problem_json(&r);
	assert_string_equal(jstr(p, "existing_id"), id);
	json_decref(p);
	http_resp_release(&r);
	free(dup);
	/* …and with a new client id too. */
	char other[ID_LEN];
	dup = jbody("{s:s, s:s, s:i, s:s, s:s}", "id", uuid_v4(other), "org_id", crew.tree.village_a1, "year", 2021,
	            "reason", "重复", "source", "annual");
	expect_problem(&srv, "POST", "/api/v1/rectifications", sup, dup, 409, "case_exists");
	free(dup);
	pathf(path, sizeof path, "/api/v1/rectifications?org_id=%s&year=2021", crew.tree.village_a1);
	assert_int_equal(api_count(&srv, path, admin), 1);

	/* Another year of A1 is another case. Four-ones may be left out or null. */
	char *b2 = jbody("{s:s, s:i, s:s, s:s, s:{s:n, s:n, s:n, s:n}, s:n}", "org_id", crew.tree.village_a1, "year",
	                 2020, "reason", "上年度遗留问题", "source", "annual", "four_ones", "contact_leader",
	                 "town_leader", "first_secretary", "paired_unit", "plan");
	json_t *c2 = call("POST", "/api/v1/rectifications", sup, b2, 201, NULL);
	free(b2);
	assert_int_equal(jint(c2, "year"), 2020);
	assert_true(json_is_null(json_object_get(c2, "plan")));
	assert_true(json_is_null(json_object_get(json_object_get(c2, "four_ones"), "contact_leader")));
	assert_string_not_equal(jstr(c2, "id"), id);
	json_decref(c2);

	/* The year defaults to the current local year; the admin may create anywhere. */
	json_t *c3 = case_new(admin, crew.tree.village_b1, 0, "年度排查确定", NULL);
	assert_int_equal(jint(c3, "year"), local_year_now());
	assert_string_equal(jstr(c3, "org_name"), "西湖社区");
	assert_string_equal(jstr(c3, "created_by"), crew.cast.admin.user_id);
	json_decref(c3);
	assert_org_status(crew.tree.village_b1, "rectifying");
	/* The supervisor of town B in its own town. */
	json_decref(case_new(crew.sup_b.access, crew.tree.village_b1, 2021, "组织生活不规范", NULL));

	/* A case from a finding of an inspection of that village. */
	char insp_id[ID_LEN];
	json_decref(
	        inspection_create(&srv, crew.insp_city.access, crew.tree.village_a1, round_id, NULL, NULL, insp_id));
	json_t *fnd = call("POST", inspection_path(insp_id, "/findings", path, sizeof path), crew.insp_city.access,
	                   "{\"severity\":\"high\",\"description\":\"三会一课记录缺失\"}", 201, NULL);
	char fid[ID_LEN];
	snprintf(fid, sizeof fid, "%s", jstr(fnd, "id"));
	json_decref(fnd);
	/* …not of A2's. */
	char *fb = jbody("{s:s, s:i, s:s, s:s, s:s}", "org_id", crew.tree.village_a2, "year", 2019, "reason", "问题",
	                 "source", "finding", "finding_id", fid);
	expect_invalid(&srv, "POST", "/api/v1/rectifications", sup, fb, (const char *const[]){"finding_id", NULL});
	free(fb);
	fb = jbody("{s:s, s:i, s:s, s:s, s:s}", "org_id", crew.tree.village_a2, "year", 2019, "reason", "问题",
	           "source", "finding", "finding_id", unknown_id);
	expect_invalid(&srv, "POST", "/api/v1/rectifications", sup, fb, (const char *const[]){"finding_id", NULL});
	free(fb);
	assert_org_status(crew.tree.village_a2, "normal"); /* nothing was created */
	fb = jbody("{s:s, s:i, s:s, s:s, s:s}", "org_id", crew.tree.village_a1, "year", 2019, "reason", "督查发现问题",
	           "source", "finding", "finding_id", fid);
	json_t *c4 = call("POST", "/api/v1/rectifications", sup, fb, 201, NULL);
	free(fb);
	assert_string_equal(jstr(c4, "source"), "finding");
	assert_string_equal(jstr(c4, "finding_id"), fid);
	assert_int_equal(jint(c4, "year"), 2019);
	json_decref(c4);
	json_decref(c);
}

/* ---- cases: bad inputs and who may create ------------------------------------------------------ */

static void test_case_validation(void **state)
{
	(void)state;
	const char *P = "/api/v1/rectifications";
	char list[160];
	pathf(list, sizeof list, "%s?org_id=%s", P, crew.tree.village_a2);
	size_t before = api_count(&srv, list, admin);

	/* Everything wrong at once. */
	char *long51 = repeat("长", 51), *long501 = repeat("r", 501), *long5001 = repeat("计", 5001);
	char *body = jbody("{s:s, s:i, s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "org_id", "123", "year", 1999, "reason", "",
	                   "source", "other", "four_ones", "contact_leader", long51, "paired_unit", "", "plan",
	                   long5001, "colour", "red");
	expect_invalid(&srv, "POST", P, sup, body,
	               (const char *const[]){"org_id", "year", "reason", "source", "four_ones.contact_leader",
	                                     "four_ones.paired_unit", "plan", "colour", NULL});
	free(body);
	/* The unknown field alone, with its message. */
	body = jbody("{s:s, s:s, s:s, s:s}", "org_id", crew.tree.village_a2, "reason", "x", "source", "annual",
	             "colour", "red");
	struct http_resp r;
	api_post(&srv, P, sup, body, &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	free(body);
	/* Required fields. */
	expect_invalid(&srv, "POST", P, sup, "{}", (const char *const[]){"org_id", "reason", "source", NULL});

	static const struct {
		const char *json; /* %s: A2's id */
		const char *field;
	} bad[] = {
	        {"{\"org_id\":\"%s\",\"year\":2101,\"reason\":\"x\",\"source\":\"annual\"}", "year"},
	        {"{\"org_id\":\"%s\",\"year\":\"2023\",\"reason\":\"x\",\"source\":\"annual\"}", "year"},
	        {"{\"org_id\":\"%s\",\"year\":2023.5,\"reason\":\"x\",\"source\":\"annual\"}", "year"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":12,\"source\":\"annual\"}", "reason"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":null,\"source\":\"annual\"}", "reason"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":true}", "source"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"finding\"}", "finding_id"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"finding\",\"finding_id\":\"abc\"}",
	         "finding_id"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"finding_id\":"
	         "\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"}",
	         "finding_id"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"four_ones\":\"王\"}",
	         "four_ones"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"four_ones\":{\"town_"
	         "leader\":"
	         "5}}",
	         "four_ones.town_leader"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"four_ones\":{\"nickname\":"
	         "\"x\"}}",
	         "four_ones.nickname|nickname"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"four_ones\":{"
	         "\"town_leader_id\":\"not-a-uuid\"}}",
	         "four_ones.town_leader_id"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"four_ones\":{"
	         "\"town_leader_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"}}",
	         "four_ones.town_leader_id"},
	        {"{\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\",\"plan\":5}", "plan"},
	        {"{\"id\":\"not-a-uuid\",\"org_id\":\"%s\",\"year\":2023,\"reason\":\"x\",\"source\":\"annual\"}",
	         "id"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[600];
		const char *hole = strstr(bad[i].json, "%s");
		assert_non_null(hole);
		snprintf(text, sizeof text, "%.*s%s%s", (int)(hole - bad[i].json), bad[i].json, crew.tree.village_a2,
		         hole + 2);
		expect_invalid(&srv, "POST", P, sup, text, (const char *const[]){bad[i].field, NULL});
	}
	/* A reason of 501 characters; one of 500 CJK characters is fine (checked on update below). */
	body = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.village_a2, "year", 2023, "reason", long501, "source",
	             "annual");
	expect_invalid(&srv, "POST", P, sup, body, (const char *const[]){"reason", NULL});
	free(body);
	/* The town leader must be a supervisor of the org's town: not a cadre, not town B's. */
	const char *not_leaders[] = {crew.cast.cadre.user_id, crew.sup_b.user_id, crew.insp_city.user_id};
	for (size_t i = 0; i < 3; i++) {
		body = jbody("{s:s, s:i, s:s, s:s, s:{s:s}}", "org_id", crew.tree.village_a2, "year", 2023, "reason",
		             "x", "source", "annual", "four_ones", "town_leader_id", not_leaders[i]);
		expect_invalid(&srv, "POST", P, sup, body, (const char *const[]){"four_ones.town_leader_id", NULL});
		free(body);
	}
	/* Only villages: a town, a group, the city. */
	const char *not_villages[] = {crew.tree.town_a, crew.tree.group_a1};
	for (size_t i = 0; i < 2; i++) {
		body = jbody("{s:s, s:i, s:s, s:s}", "org_id", not_villages[i], "year", 2023, "reason", "x", "source",
		             "annual");
		expect_invalid(&srv, "POST", P, sup, body, (const char *const[]){"org_id", NULL});
		free(body);
	}
	body = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.city, "year", 2023, "reason", "x", "source", "annual");
	expect_invalid(&srv, "POST", P, admin, body, (const char *const[]){"org_id", NULL});
	free(body);

	/* Malformed JSON; a body that is not an object. */
	expect_problem(&srv, "POST", P, sup, "{\"org_id\": ", 400, "malformed_json");
	expect_problem(&srv, "POST", P, sup, "{\"org_id\":\"x\",}", 400, "malformed_json");
	api_post(&srv, P, sup, "[]", &r);
	if (r.status != 400 && r.status != 422)
		fail_msg("POST %s []: expected 400 or 422, got %ld", P, r.status);
	http_resp_release(&r);

	/* Who may create: supervisors in scope and the admin. */
	char *ok = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.village_a2, "year", 2023, "reason", "x", "source",
	                 "annual");
	expect_problem(&srv, "POST", P, crew.cast.cadre.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", P, cadre_a2.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", P, crew.viewer_a.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", P, crew.cast.inspector.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", P, crew.insp_city.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", P, crew.sup_b.access, ok, 404, "not_found");
	api_post(&srv, P, NULL, ok, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	api_call(&srv, "POST", P, "not.a.token", ok, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	free(ok);
	ok = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.village_b1, "year", 2023, "reason", "x", "source",
	           "annual");
	expect_problem(&srv, "POST", P, sup, ok, 404, "not_found");
	free(ok);
	ok = jbody("{s:s, s:i, s:s, s:s}", "org_id", unknown_id, "year", 2023, "reason", "x", "source", "annual");
	expect_problem(&srv, "POST", P, admin, ok, 404, "not_found");
	free(ok);

	/* Unknown and malformed ids on read. */
	char path[160];
	expect_problem(&srv, "GET", case_path(unknown_id, NULL, path, sizeof path), admin, NULL, 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/rectifications/nope", admin, NULL, 404, "not_found");
	api_get(&srv, case_path(unknown_id, NULL, path, sizeof path), NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	api_get(&srv, P, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* None of it was stored; A2 is untouched. */
	assert_int_equal(api_count(&srv, list, admin), before);
	assert_org_status(crew.tree.village_a2, "normal");
	free(long51);
	free(long501);
	free(long5001);
}

/* ---- cases: update ----------------------------------------------------------------------------- */

static void test_case_update(void **state)
{
	(void)state;
	char id[ID_LEN], path[160];
	json_decref(case_new(sup, crew.tree.village_a1, 2018, "原因", id));
	case_path(id, NULL, path, sizeof path);

	/* Without If-Match: absent fields stay. */
	struct http_resp r;
	json_t *c = call("PUT", path, sup, "{\"plan\":\"第一步\\n第二步\"}", 200, &r);
	assert_etag(&r, 2);
	http_resp_release(&r);
	assert_int_equal(jint(c, "version"), 2);
	assert_string_equal(jstr(c, "plan"), "第一步\n第二步");
	assert_string_equal(jstr(c, "reason"), "原因");
	json_decref(c);

	/* With the current If-Match: reason (500 CJK characters) and the four ones. */
	char *reason500 = repeat("弱", 500);
	char *body = jbody("{s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "reason", reason500, "four_ones", "contact_leader",
	                   "王联系", "town_leader", "李包村", "town_leader_id", crew.cast.supervisor.user_id,
	                   "first_secretary", "张书记", "paired_unit", "结对单位");
	api_call_v(&srv, "PUT", path, sup, body, 2, &r);
	free(body);
	if (r.status != 200)
		fail_msg("PUT %s: %ld %.400s", path, r.status, buf_cstr(&r.body));
	assert_etag(&r, 3);
	c = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(c, "reason"), reason500);
	assert_string_equal(jstr(json_object_get(c, "four_ones"), "first_secretary"), "张书记");
	assert_string_equal(jstr(json_object_get(c, "four_ones"), "town_leader_id"), crew.cast.supervisor.user_id);
	assert_string_equal(jstr(c, "plan"), "第一步\n第二步");
	assert_int_equal(jint(c, "version"), 3);
	json_decref(c);
	free(reason500);

	/* A stale If-Match: 412 with the current case. */
	api_call_v(&srv, "PUT", path, sup, "{\"plan\":\"过期\"}", 2, &r);
	assert_problem(&r, 412, "version_conflict");
	json_t *p = problem_json(&r);
	http_resp_release(&r);
	json_t *cur = json_object_get(p, "current");
	assert_string_equal(jstr(cur, "id"), id);
	assert_int_equal(jint(cur, "version"), 3);
	assert_string_equal(jstr(cur, "plan"), "第一步\n第二步");
	json_decref(p);
	/* A malformed one: 400. */
	api_call_m(&srv, "PUT", path, sup, "{\"plan\":\"x\"}", "W/\"3\"", &r);
	assert_problem(&r, 400, "bad_request");
	http_resp_release(&r);

	/* The admin edits too; plan null clears. */
	c = call("PUT", path, admin, "{\"plan\":null}", 200, NULL);
	assert_true(json_is_null(json_object_get(c, "plan")));
	assert_int_equal(jint(c, "version"), 4);
	json_decref(c);

	/* Bad values; fields that are not editable. */
	expect_invalid(&srv, "PUT", path, sup, "{\"reason\":\"\"}", (const char *const[]){"reason", NULL});
	char *long5001 = repeat("p", 5001);
	body = jbody("{s:s, s:{s:s}}", "plan", long5001, "four_ones", "town_leader_id", crew.sup_b.user_id);
	expect_invalid(&srv, "PUT", path, sup, body, (const char *const[]){"plan", "four_ones.town_leader_id", NULL});
	free(body);
	free(long5001);
	const char *readonly[] = {"{\"status\":\"closed\"}", "{\"org_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"}",
	                          "{\"year\":2020}", "{\"result\":\"passed\"}"};
	const char *ro_field[] = {"status", "org_id", "year", "result"};
	for (size_t i = 0; i < 4; i++)
		expect_invalid(&srv, "PUT", path, sup, readonly[i], (const char *const[]){ro_field[i], NULL});
	api_put(&srv, path, sup, "{\"plan\":\"x\",\"colour\":\"red\"}", &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	expect_problem(&srv, "PUT", path, sup, "{\"plan\":", 400, "malformed_json");

	/* Others: readers inside → 403; outside → 404. */
	const char *tiny = "{\"plan\":\"x\"}";
	expect_problem(&srv, "PUT", path, cadre, tiny, 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.viewer_a.access, tiny, 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.cast.inspector.access, tiny, 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.sup_b.access, tiny, 404, "not_found");
	expect_problem(&srv, "PUT", path, cadre_a2.access, tiny, 404, "not_found");
	expect_problem(&srv, "PUT", path, crew.cast.viewer.access, tiny, 404, "not_found");
	expect_problem(&srv, "PUT", case_path(unknown_id, NULL, path, sizeof path), sup, tiny, 404, "not_found");
	api_put(&srv, case_path(id, NULL, path, sizeof path), NULL, tiny, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* Nothing of that changed it. */
	c = case_get(sup, id);
	assert_int_equal(jint(c, "version"), 4);
	assert_true(json_is_null(json_object_get(c, "plan")));
	/* Edits are not state changes: still one history row. */
	assert_int_equal(json_array_size(json_object_get(c, "history")), 1);
	json_decref(c);
}

/* ---- tasks: create ------------------------------------------------------------------------------ */

static void test_task_create(void **state)
{
	(void)state;
	char cid[ID_LEN], path[160], loc[160], tid[ID_LEN];
	json_decref(case_new(sup, crew.tree.village_a1, 2017, "任务测试", cid));
	case_path(cid, "/tasks", path, sizeof path);

	/* A full task with a client id. */
	uuid_v4(tid);
	char *body = jbody("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", tid, "title", "健全村党组织班子", "detail",
	                   "补齐配强班子成员\n每月报告进展", "assignee_id", crew.cast.cadre.user_id, "due_date",
	                   "2099-06-30", "requires_photo", 1);
	struct http_resp r;
	json_t *t = call("POST", path, sup, body, 201, &r);
	assert_created(&r, task_path(tid, NULL, loc, sizeof loc), 1);
	http_resp_release(&r);
	assert_string_equal(jstr(t, "id"), tid);
	assert_string_equal(jstr(t, "rectification_id"), cid);
	assert_string_equal(jstr(t, "org_id"), crew.tree.village_a1);
	assert_string_equal(jstr(t, "title"), "健全村党组织班子");
	assert_string_equal(jstr(t, "detail"), "补齐配强班子成员\n每月报告进展");
	assert_string_equal(jstr(t, "assignee_id"), crew.cast.cadre.user_id);
	assert_string_equal(jstr(t, "assignee_name"), "用户 cadre.a1");
	assert_string_equal(jstr(t, "due_date"), "2099-06-30");
	assert_true(json_is_true(json_object_get(t, "requires_photo")));
	assert_string_equal(jstr(t, "status"), "assigned");
	assert_true(json_is_false(json_object_get(t, "overdue")));
	assert_true(json_is_false(json_object_get(t, "interviewed")));
	assert_true(json_is_null(json_object_get(t, "finding_id")));
	assert_true(json_is_null(json_object_get(t, "return_reason")));
	assert_true(json_is_null(json_object_get(t, "submitted_at")));
	assert_true(json_is_null(json_object_get(t, "verified_at")));
	assert_true(json_is_null(json_object_get(t, "verified_by")));
	assert_int_equal(jint(t, "progress_count"), 0);
	assert_timestamp(jstr(t, "created_at"));
	assert_timestamp(jstr(t, "updated_at"));
	assert_int_equal(jint(t, "version"), 1);

	/* Retried: the same; another body under its id: 409 id_conflict. */
	for (int k = 0; k < 2; k++) {
		json_t *again = call("POST", path, sup, body, 200, NULL);
		if (!json_equal(again, t))
			fail_msg("a retried task create answers another object: %s", json_dumps(again, JSON_COMPACT));
		json_decref(again);
	}
	free(body);
	body = jbody("{s:s, s:s, s:s, s:s}", "id", tid, "title", "别的任务", "assignee_id", crew.cast.cadre.user_id,
	             "due_date", "2099-06-30");
	expect_problem(&srv, "POST", path, sup, body, 409, "id_conflict");
	free(body);
	/* The same id and body on another case is another body too. */
	char other_case[ID_LEN], other_path[160];
	json_decref(case_new(sup, crew.tree.village_a1, 2012, "另一案件", other_case));
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", tid, "title", "健全村党组织班子", "detail",
	             "补齐配强班子成员\n每月报告进展", "assignee_id", crew.cast.cadre.user_id, "due_date", "2099-06-30",
	             "requires_photo", 1);
	expect_problem(&srv, "POST", case_path(other_case, "/tasks", other_path, sizeof other_path), sup, body, 409,
	               "id_conflict");
	free(body);
	json_t *oc = case_get(sup, other_case);
	assert_counts(oc, 0, 0, 0, 0, 0, 0, 0);
	json_decref(oc);

	/* GET: the detail with ETag, history and no progress. */
	api_get(&srv, task_path(tid, NULL, loc, sizeof loc), sup, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *d = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(d, "title"), "健全村党组织班子");
	assert_true(json_is_array(json_object_get(d, "progress")));
	assert_int_equal(json_array_size(json_object_get(d, "progress")), 0);
	assert_int_equal(json_array_size(json_object_get(d, "history")), 1);
	assert_history(json_object_get(d, "history"), 0, crew.cast.supervisor.user_id, "用户 sup.a", NULL, "assigned",
	               "*");
	json_decref(d);

	/* requires_photo defaults to true; detail to null; the admin may add. */
	char t2[ID_LEN], t3[ID_LEN], t4[ID_LEN];
	json_t *o = task_new(admin, cid, "规范三会一课", crew.cast.cadre.user_id, "2099-01-15", -1, t2);
	assert_true(json_is_true(json_object_get(o, "requires_photo")));
	assert_true(json_is_null(json_object_get(o, "detail")));
	json_decref(o);
	o = task_new(sup, cid, "建立台账", cadre_a1b.user_id, "2099-01-15", 0, t3);
	assert_true(json_is_false(json_object_get(o, "requires_photo")));
	assert_string_equal(jstr(o, "assignee_name"), "用户 cadre.a1b");
	json_decref(o);
	/* A leap day; a 200-character title. */
	char *title200 = repeat("题", 200);
	o = task_new(sup, cid, title200, crew.cast.cadre.user_id, "2096-02-29", -1, t4);
	assert_string_equal(jstr(o, "title"), title200);
	json_decref(o);
	free(title200);

	/* The case's list: due_date ascending, then id. */
	json_t *l = call("GET", path, sup, NULL, 200, NULL);
	json_t *items = json_is_array(l) ? l : json_object_get(l, "items");
	assert_int_equal(json_array_size(items), 4);
	for (size_t i = 1; i < json_array_size(items); i++) {
		json_t *a = json_array_get(items, i - 1), *b = json_array_get(items, i);
		int cmp = strcmp(jstr(a, "due_date"), jstr(b, "due_date"));
		if (cmp > 0 || (cmp == 0 && strcmp(jstr(a, "id"), jstr(b, "id")) >= 0))
			fail_msg("case tasks out of order at %zu: %s/%s then %s/%s", i, jstr(a, "due_date"),
			         jstr(a, "id"), jstr(b, "due_date"), jstr(b, "id"));
	}
	assert_string_equal(jstr(json_array_get(items, 3), "id"), tid);
	json_decref(l);
	/* The case counts them and lists them in its detail. */
	json_t *c = case_get(sup, cid);
	assert_counts(c, 4, 0, 0, 0, 0, 0, 4);
	assert_int_equal(json_array_size(json_object_get(c, "tasks")), 4);
	assert_non_null(find_by(json_object_get(c, "tasks"), "id", t3));
	json_decref(c);

	/* The assignee: an active cadre of the case's village. */
	const char *bad_assignees[] = {crew.cast.supervisor.user_id, /* not a cadre */
	                               crew.cast.inspector.user_id,
	                               crew.viewer_a.user_id,
	                               cadre_a2.user_id, /* a cadre of A2 */
	                               cadre_off_id,     /* disabled */
	                               unknown_id,
	                               "abc"};
	for (size_t i = 0; i < sizeof bad_assignees / sizeof bad_assignees[0]; i++) {
		body = jbody("{s:s, s:s, s:s}", "title", "x", "assignee_id", bad_assignees[i], "due_date",
		             "2099-01-01");
		expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"assignee_id", NULL});
		free(body);
	}
	/* Due dates: real calendar dates in YYYY-MM-DD. */
	const char *bad_dates[] = {"2023-02-29", "2023-02-30", "2023-13-01", "2023-04-31",
	                           "2023-00-10", "2023-4-1",   "2023/04/01", "2023-04-01T00:00:00Z",
	                           "20230401",   "",           "明天"};
	for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
		body = jbody("{s:s, s:s, s:s}", "title", "x", "assignee_id", crew.cast.cadre.user_id, "due_date",
		             bad_dates[i]);
		expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"due_date", NULL});
		free(body);
	}
	/* Wrong types and sizes, all at once. */
	char *title201 = repeat("t", 201), *detail5001 = repeat("d", 5001);
	body = jbody("{s:s, s:s, s:s, s:i, s:s, s:s}", "id", "nope", "title", title201, "detail", detail5001,
	             "due_date", 20230401, "requires_photo", "yes", "colour", "red");
	expect_invalid(&srv, "POST", path, sup, body,
	               (const char *const[]){"id", "title", "detail", "due_date", "requires_photo", "assignee_id",
	                                     "colour", NULL});
	free(body);
	free(title201);
	free(detail5001);
	expect_invalid(&srv, "POST", path, sup, "{}", (const char *const[]){"title", "assignee_id", "due_date", NULL});
	body = jbody("{s:s, s:s, s:s, s:s}", "title", "x", "assignee_id", crew.cast.cadre.user_id, "due_date",
	             "2099-01-01", "colour", "red");
	api_post(&srv, path, sup, body, &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	free(body);
	expect_invalid(&srv, "POST", path, sup,
	               "{\"title\":\"\",\"assignee_id\":null,\"due_date\":\"2099-01-01\",\"requires_photo\":null}",
	               (const char *const[]){"title", "assignee_id", "requires_photo", NULL});
	expect_problem(&srv, "POST", path, sup, "{\"title\":\"x\",", 400, "malformed_json");

	/* Who may add: supervisors in scope and the admin. */
	char *ok = jbody("{s:s, s:s, s:s}", "title", "x", "assignee_id", crew.cast.cadre.user_id, "due_date",
	                 "2099-01-01");
	expect_problem(&srv, "POST", path, cadre, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.cast.inspector.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.sup_b.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, cadre_a2.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", case_path(unknown_id, "/tasks", loc, sizeof loc), sup, ok, 404, "not_found");
	api_post(&srv, path, NULL, ok, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	free(ok);

	/* Nothing more was stored. */
	c = case_get(admin, cid);
	assert_counts(c, 4, 0, 0, 0, 0, 0, 4);
	json_decref(c);
	expect_problem(&srv, "GET", task_path(unknown_id, NULL, loc, sizeof loc), admin, NULL, 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/tasks/nope", admin, NULL, 404, "not_found");
	expect_problem(&srv, "GET", case_path(unknown_id, "/tasks", loc, sizeof loc), admin, NULL, 404, "not_found");
	const char *actions[] = {"start", "submit", "verify", "return"};
	for (size_t i = 0; i < 4; i++) {
		char suffix[16];
		snprintf(suffix, sizeof suffix, "/%s", actions[i]);
		expect_problem(&srv, "POST", task_path(unknown_id, suffix, loc, sizeof loc), admin,
		               "{\"reason\":\"x\"}", 404, "not_found");
	}
	expect_problem(&srv, "POST", "/api/v1/tasks/nope/start", cadre, "{}", 404, "not_found");
	const char *case_actions[] = {"evaluate", "close", "reopen"};
	for (size_t i = 0; i < 3; i++) {
		char suffix[16];
		snprintf(suffix, sizeof suffix, "/%s", case_actions[i]);
		expect_problem(&srv, "POST", case_path(unknown_id, suffix, loc, sizeof loc), admin,
		               "{\"result\":\"passed\",\"evaluation\":\"x\"}", 404, "not_found");
	}
	json_decref(t);
}

/* ---- tasks: the workflow -------------------------------------------------------------------------- */

static void test_task_workflow(void **state)
{
	(void)state;
	char cid[ID_LEN], tid[ID_LEN], path[160];
	json_decref(case_new(sup, crew.tree.village_a1, 2016, "流程测试", cid));
	json_decref(task_new(sup, cid, "整顿组织生活", crew.cast.cadre.user_id, "2099-03-31", 1, tid));
	task_path(tid, NULL, path, sizeof path);

	/* assigned: nothing but start (and edits). */
	expect_task_transition(cadre, tid, "submit", NULL, TASK_ASSIGNED);
	expect_task_transition(sup, tid, "verify", NULL, TASK_ASSIGNED);
	expect_task_transition(sup, tid, "return", "{\"reason\":\"未开始\"}", TASK_ASSIGNED);
	/* Only the assignee starts: not another cadre of the village, not the supervisor. */
	expect_problem(&srv, "POST", task_path(tid, "/start", path, sizeof path), cadre_a1b.access, "{}", 403,
	               "forbidden");
	expect_problem(&srv, "POST", path, sup, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre_a2.access, "{}", 404, "not_found");
	expect_problem(&srv, "POST", path, crew.sup_b.access, "{}", 404, "not_found");
	/* Action bodies are objects without unknown fields. */
	{
		struct http_resp r;
		api_post(&srv, path, cadre, "{\"colour\":\"red\"}", &r);
		assert_unknown_field(&r, "colour");
		http_resp_release(&r);
		api_post(&srv, path, NULL, "{}", &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
	}

	json_t *t = task_do(cadre, tid, "start", NULL, 200);
	assert_string_equal(jstr(t, "status"), "in_progress");
	json_decref(t);

	/* in_progress: submit (when complete), progress, edits. */
	expect_task_transition(cadre, tid, "start", NULL, TASK_IN_PROGRESS);
	expect_task_transition(sup, tid, "verify", NULL, TASK_IN_PROGRESS);
	expect_task_transition(sup, tid, "return", "{\"reason\":\"x\"}", TASK_IN_PROGRESS);
	/* Submit: only the assignee; needs a progress report and a photo. */
	expect_problem(&srv, "POST", task_path(tid, "/submit", path, sizeof path), cadre_a1b.access, "{}", 403,
	               "forbidden");
	expect_problem(&srv, "POST", path, sup, "{}", 403, "forbidden");
	expect_incomplete(cadre, tid, (const char *const[]){"progress", "photo", NULL});
	json_t *p1 = progress_new(cadre, tid, "召开支委会，制定整改方案", 30, NULL);
	char p1id[ID_LEN];
	snprintf(p1id, sizeof p1id, "%s", jstr(p1, "id"));
	json_decref(p1);
	expect_incomplete(cadre, tid, (const char *const[]){"photo", NULL});
	/* A photo id nobody uploaded does not count. */
	char ghost[ID_LEN];
	json_decref(progress_new(cadre, tid, "补充说明", 40, (const char *const[]){uuid_v4(ghost), NULL}));
	expect_incomplete(cadre, tid, (const char *const[]){"photo", NULL});
	/* A photo uploaded for the first report does. */
	char q[128], photo1[ID_LEN];
	json_t *ph = photo_new(cadre, pathf(q, sizeof q, "progress_id=%s", p1id), photo1);
	assert_string_equal(jstr(ph, "progress_id"), p1id);
	json_decref(ph);
	t = task_do(cadre, tid, "submit", NULL, 200);
	assert_string_equal(jstr(t, "status"), "submitted");
	assert_timestamp(jstr(t, "submitted_at"));
	assert_int_equal(jint(t, "progress_count"), 2);
	json_decref(t);

	/* submitted: verify or return, by the town's supervisor or the admin. */
	expect_task_transition(cadre, tid, "start", NULL, TASK_SUBMITTED);
	expect_task_transition(cadre, tid, "submit", NULL, TASK_SUBMITTED);
	task_path(tid, "/verify", path, sizeof path);
	expect_problem(&srv, "POST", path, cadre, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre_a1b.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.cast.inspector.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.sup_b.access, "{}", 404, "not_found");
	expect_problem(&srv, "POST", path, cadre_a2.access, "{}", 404, "not_found");
	task_path(tid, "/return", path, sizeof path);
	expect_problem(&srv, "POST", path, cadre, "{\"reason\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.sup_b.access, "{\"reason\":\"x\"}", 404, "not_found");
	/* Return needs a reason. */
	expect_invalid(&srv, "POST", path, sup, "{}", (const char *const[]){"reason", NULL});
	expect_invalid(&srv, "POST", path, sup, "{\"reason\":\"\"}", (const char *const[]){"reason", NULL});
	expect_invalid(&srv, "POST", path, sup, "{\"reason\":7}", (const char *const[]){"reason", NULL});
	expect_problem(&srv, "POST", path, sup, "{\"reason\":", 400, "malformed_json");
	t = task_do(sup, tid, "return", "{\"reason\":\"照片不清楚，请补拍\"}", 200);
	assert_string_equal(jstr(t, "status"), "returned");
	assert_string_equal(jstr(t, "return_reason"), "照片不清楚，请补拍");
	json_decref(t);

	/* returned: start again (and edits). */
	expect_task_transition(sup, tid, "verify", NULL, TASK_RETURNED);
	expect_task_transition(sup, tid, "return", "{\"reason\":\"再退\"}", TASK_RETURNED);
	expect_task_transition(cadre, tid, "submit", NULL, TASK_RETURNED);
	expect_problem(&srv, "POST", task_path(tid, "/start", path, sizeof path), cadre_a1b.access, "{}", 403,
	               "forbidden");
	t = task_do(cadre, tid, "start", NULL, 200);
	assert_string_equal(jstr(t, "status"), "in_progress");
	json_decref(t);
	json_decref(progress_new(cadre, tid, "已补拍照片", 100, NULL));
	t = task_do(cadre, tid, "submit", NULL, 200); /* the earlier photo still counts */
	assert_string_equal(jstr(t, "status"), "submitted");
	json_decref(t);
	t = task_do(sup, tid, "verify", NULL, 200);
	assert_string_equal(jstr(t, "status"), "verified");
	assert_timestamp(jstr(t, "verified_at"));
	assert_string_equal(jstr(t, "verified_by"), crew.cast.supervisor.user_id);
	assert_true(json_is_false(json_object_get(t, "overdue")));
	json_decref(t);

	/* verified is final. */
	expect_task_transition(cadre, tid, "start", NULL, TASK_VERIFIED);
	expect_task_transition(cadre, tid, "submit", NULL, TASK_VERIFIED);
	expect_task_transition(sup, tid, "verify", NULL, TASK_VERIFIED);
	expect_task_transition(sup, tid, "return", "{\"reason\":\"晚了\"}", TASK_VERIFIED);
	expect_transition("PUT", task_path(tid, NULL, path, sizeof path), sup, "{\"title\":\"改\"}", TASK_VERIFIED);

	/* The history: every state change, who, from, to, why. */
	json_t *d = task_get(cadre, tid);
	json_t *h = json_object_get(d, "history");
	assert_int_equal(json_array_size(h), 7);
	const char *sid = crew.cast.supervisor.user_id, *cid_user = crew.cast.cadre.user_id;
	assert_history(h, 0, sid, "用户 sup.a", NULL, "assigned", "*");
	assert_history(h, 1, cid_user, "用户 cadre.a1", "assigned", "in_progress", "*");
	assert_history(h, 2, cid_user, "用户 cadre.a1", "in_progress", "submitted", "*");
	assert_history(h, 3, sid, "用户 sup.a", "submitted", "returned", "照片不清楚，请补拍");
	assert_history(h, 4, cid_user, "用户 cadre.a1", "returned", "in_progress", "*");
	assert_history(h, 5, cid_user, "用户 cadre.a1", "in_progress", "submitted", "*");
	assert_history(h, 6, sid, "用户 sup.a", "submitted", "verified", "*");
	for (size_t i = 1; i < 7; i++)
		if (strcmp(jstr(json_array_get(h, i - 1), "at"), jstr(json_array_get(h, i), "at")) > 0)
			fail_msg("task history is not oldest first at %zu", i);
	assert_int_equal(json_array_size(json_object_get(d, "progress")), 3);
	json_decref(d);

	/* A task with a photo uploaded for the task itself; verified by the admin. */
	char t2[ID_LEN], photo2[ID_LEN];
	json_decref(task_new(sup, cid, "整治村容村貌", crew.cast.cadre.user_id, "2099-03-31", -1, t2));
	json_decref(task_do(cadre, t2, "start", NULL, 200));
	json_t *ph2 = photo_new(cadre, pathf(q, sizeof q, "task_id=%s", t2), photo2);
	assert_string_equal(jstr(ph2, "task_id"), t2);
	json_decref(ph2);
	expect_incomplete(cadre, t2, (const char *const[]){"progress", NULL});
	json_decref(progress_new(cadre, t2, "已清理", 100, NULL));
	json_decref(task_do(cadre, t2, "submit", NULL, 200));
	t = task_do(admin, t2, "verify", NULL, 200);
	assert_string_equal(jstr(t, "verified_by"), crew.cast.admin.user_id);
	json_decref(t);

	/* A task whose progress report names an uploaded photo. */
	char t3[ID_LEN], photo3[ID_LEN];
	json_decref(task_new(sup, cid, "建立党员积分制", crew.cast.cadre.user_id, "2099-04-30", 1, t3));
	json_decref(task_do(cadre, t3, "start", NULL, 200));
	json_decref(photo_new(cadre, NULL, photo3));
	json_decref(progress_new(cadre, t3, "积分榜已上墙", 100, (const char *const[]){photo3, NULL}));
	json_decref(task_do(cadre, t3, "submit", NULL, 200));

	/* requires_photo false: the progress report alone. */
	char t4[ID_LEN];
	json_decref(task_new(sup, cid, "完善村规民约", cadre_a1b.user_id, "2099-04-30", 0, t4));
	json_decref(task_do(cadre_a1b.access, t4, "start", NULL, 200));
	expect_incomplete(cadre_a1b.access, t4, (const char *const[]){"progress", NULL});
	json_decref(progress_new(cadre_a1b.access, t4, "已修订", 50, NULL));
	t = task_do(cadre_a1b.access, t4, "submit", NULL, 200);
	assert_string_equal(jstr(t, "status"), "submitted");
	json_decref(t);
	t = task_do(sup, t4, "return", "{\"reason\":\"需村民代表大会通过\"}", 200);
	json_decref(t);

	/* One more: assigned. Counts: 1 assigned, 0 in progress, 1 submitted, 1 returned, 2 verified. */
	char t5[ID_LEN];
	json_decref(task_new(sup, cid, "发展年轻党员", crew.cast.cadre.user_id, "2099-12-31", -1, t5));
	json_t *c = case_get(sup, cid);
	assert_counts(c, 1, 0, 1, 1, 2, 0, 5);
	json_decref(c);
	/* Everything not verified blocks the evaluation. */
	expect_unverified(sup, cid, (const char *const[]){t3, t4, t5, NULL});
}

/* ---- tasks: edits ------------------------------------------------------------------------------- */

static void test_task_update(void **state)
{
	(void)state;
	char cid[ID_LEN], tid[ID_LEN], path[160];
	json_decref(case_new(sup, crew.tree.village_a1, 2015, "编辑测试", cid));
	json_decref(task_new(sup, cid, "原标题", crew.cast.cadre.user_id, "2099-05-01", -1, tid));
	task_path(tid, NULL, path, sizeof path);

	/* The supervisor edits every field; version and ETag move. */
	struct http_resp r;
	json_t *t = call(
	        "PUT", path, sup,
	        "{\"title\":\"新标题\",\"detail\":\"说明\\n第二行\",\"due_date\":\"2099-06-01\",\"requires_photo\":"
	        "false}",
	        200, &r);
	assert_etag(&r, 2);
	http_resp_release(&r);
	assert_string_equal(jstr(t, "title"), "新标题");
	assert_string_equal(jstr(t, "detail"), "说明\n第二行");
	assert_string_equal(jstr(t, "due_date"), "2099-06-01");
	assert_true(json_is_false(json_object_get(t, "requires_photo")));
	assert_string_equal(jstr(t, "assignee_id"), crew.cast.cadre.user_id);
	assert_int_equal(jint(t, "version"), 2);
	json_decref(t);

	/* Reassigned to the other cadre of A1, with If-Match. */
	char *body = jbody("{s:s}", "assignee_id", cadre_a1b.user_id);
	api_call_v(&srv, "PUT", path, sup, body, 2, &r);
	free(body);
	if (r.status != 200)
		fail_msg("PUT %s reassign: %ld %.300s", path, r.status, buf_cstr(&r.body));
	assert_etag(&r, 3);
	t = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(t, "assignee_id"), cadre_a1b.user_id);
	assert_string_equal(jstr(t, "assignee_name"), "用户 cadre.a1b");
	json_decref(t);
	/* Stale: 412 with the current task. */
	api_call_v(&srv, "PUT", path, sup, "{\"title\":\"过期\"}", 2, &r);
	assert_problem(&r, 412, "version_conflict");
	json_t *p = problem_json(&r);
	http_resp_release(&r);
	assert_int_equal(jint(json_object_get(p, "current"), "version"), 3);
	assert_string_equal(jstr(json_object_get(p, "current"), "assignee_id"), cadre_a1b.user_id);
	json_decref(p);
	api_call_m(&srv, "PUT", path, sup, "{\"title\":\"x\"}", "\"abc\"", &r);
	assert_problem(&r, 400, "bad_request");
	http_resp_release(&r);

	/* The old assignee can no longer act; the new one can. */
	expect_problem(&srv, "POST", task_path(tid, "/start", path, sizeof path), cadre, "{}", 403, "forbidden");
	json_decref(task_do(cadre_a1b.access, tid, "start", NULL, 200));
	task_path(tid, NULL, path, sizeof path);

	/* Bad values. */
	const char *bad_assignees[] = {cadre_a2.user_id, crew.cast.supervisor.user_id, cadre_off_id, unknown_id};
	for (size_t i = 0; i < 4; i++) {
		body = jbody("{s:s}", "assignee_id", bad_assignees[i]);
		expect_invalid(&srv, "PUT", path, sup, body, (const char *const[]){"assignee_id", NULL});
		free(body);
	}
	expect_invalid(&srv, "PUT", path, sup, "{\"due_date\":\"2099-02-30\",\"title\":\"\",\"requires_photo\":1}",
	               (const char *const[]){"due_date", "title", "requires_photo", NULL});
	expect_invalid(&srv, "PUT", path, sup, "{\"status\":\"verified\"}", (const char *const[]){"status", NULL});
	expect_invalid(&srv, "PUT", path, sup, "{\"rectification_id\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"}",
	               (const char *const[]){"rectification_id", NULL});
	api_put(&srv, path, sup, "{\"title\":\"x\",\"colour\":\"red\"}", &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);

	/* A cadre's edit, even the assignee's: 422 on each field given. */
	body = jbody("{s:s}", "assignee_id", crew.cast.cadre.user_id);
	api_put(&srv, path, cadre_a1b.access, body, &r);
	free(body);
	assert_validation(&r, (const char *const[]){"assignee_id", NULL});
	json_t *e = problem_json(&r);
	http_resp_release(&r);
	json_t *errors = json_object_get(e, "errors");
	size_t i;
	json_t *it;
	json_array_foreach(errors, i, it)
	{
		assert_string_equal(jstr(it, "message"), "只有镇（街）党委可以修改");
	}
	json_decref(e);
	api_put(&srv, path, cadre_a1b.access, "{\"due_date\":\"2099-12-31\",\"title\":\"我来改\"}", &r);
	assert_validation(&r, (const char *const[]){"due_date", "title", NULL});
	e = problem_json(&r);
	http_resp_release(&r);
	json_t *de = NULL;
	json_array_foreach(json_object_get(e, "errors"), i, it)
	{
		if (jstr(it, "field") && strcmp(jstr(it, "field"), "due_date") == 0)
			de = it;
	}
	assert_non_null(de);
	assert_string_equal(jstr(de, "message"), "只有镇（街）党委可以修改");
	json_decref(e);
	api_put(&srv, path, cadre_a1b.access, "{}", &r);
	assert_validation(&r, NULL);
	http_resp_release(&r);

	/* Others: a viewer or inspector inside → 403; outside → 404. */
	expect_problem(&srv, "PUT", path, crew.viewer_a.access, "{\"title\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.cast.inspector.access, "{\"title\":\"x\"}", 403, "forbidden");
	expect_problem(&srv, "PUT", path, crew.sup_b.access, "{\"title\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", path, cadre_a2.access, "{\"title\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "PUT", task_path(unknown_id, NULL, path, sizeof path), sup, "{\"title\":\"x\"}", 404,
	               "not_found");
	api_put(&srv, task_path(tid, NULL, path, sizeof path), NULL, "{\"title\":\"x\"}", &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* Nothing of that changed it. */
	t = task_get(sup, tid);
	assert_string_equal(jstr(t, "title"), "新标题");
	assert_string_equal(jstr(t, "assignee_id"), cadre_a1b.user_id);
	assert_string_equal(jstr(t, "due_date"), "2099-06-01");
	assert_string_equal(jstr(t, "status"), "in_progress");
	json_decref(t);

	/* Edits are fine while submitted; verified tasks stay as they are. */
	json_decref(progress_new(cadre_a1b.access, tid, "完成", 100, NULL));
	json_decref(task_do(cadre_a1b.access, tid, "submit", NULL, 200));
	t = call("PUT", path, sup, "{\"detail\":\"验收前补充\"}", 200, NULL);
	assert_string_equal(jstr(t, "status"), "submitted");
	json_decref(t);
	json_decref(task_do(sup, tid, "verify", NULL, 200));
	expect_transition("PUT", path, sup, "{\"detail\":\"验收后\"}", TASK_VERIFIED);
	expect_transition("PUT", path, admin, "{\"due_date\":\"2099-07-01\"}", TASK_VERIFIED);
}

/* ---- the case lifecycle, with the clock pinned -------------------------------------------------- */

static void test_case_lifecycle(void **state)
{
	(void)state;
	clock_set("2023-06-15T10:00:00+08:00");
	const char *A2 = crew.tree.village_a2;
	assert_org_status(A2, "normal");
	char cid[ID_LEN], path[160];
	json_t *c = case_new(sup, A2, 0, "软弱涣散：班子不团结", cid);
	assert_int_equal(jint(c, "year"), 2023); /* the pinned year */
	json_decref(c);
	assert_org_status(A2, "rectifying");

	/* No task yet: nothing to evaluate. */
	expect_unverified(sup, cid, (const char *const[]){NULL});
	/* open: not close, not reopen. */
	expect_case_transition(sup, cid, "close", "{\"result\":\"passed\",\"evaluation\":\"好\"}", CASE_OPEN);
	expect_case_transition(sup, cid, "reopen", "{\"reason\":\"x\"}", CASE_OPEN);

	/* Two tasks; one verified is not enough. */
	char ta[ID_LEN], tb[ID_LEN];
	task_verified(cid, &cadre_a2, "2023-09-30", ta);
	json_decref(task_new(sup, cid, "调整班子", cadre_a2.user_id, "2023-10-31", 0, tb));
	expect_unverified(sup, cid, (const char *const[]){tb, NULL});
	json_decref(task_do(cadre_a2.access, tb, "start", NULL, 200));
	json_decref(progress_new(cadre_a2.access, tb, "已调整", 100, NULL));
	json_decref(task_do(cadre_a2.access, tb, "submit", NULL, 200));
	expect_unverified(sup, cid, (const char *const[]){tb, NULL});
	json_decref(task_do(sup, tb, "verify", NULL, 200));

	/* Who may evaluate: not the cadre or a viewer; outsiders don't see it. */
	case_path(cid, "/evaluate", path, sizeof path);
	expect_problem(&srv, "POST", path, cadre_a2.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.sup_b.access, "{}", 404, "not_found");
	expect_problem(&srv, "POST", path, cadre, "{}", 404, "not_found");
	{
		struct http_resp r;
		api_post(&srv, path, sup, "{\"colour\":\"red\"}", &r);
		assert_unknown_field(&r, "colour");
		http_resp_release(&r);
	}
	c = case_do(sup, cid, "evaluate", NULL, 200);
	assert_string_equal(jstr(c, "status"), "evaluating");
	assert_counts(c, 0, 0, 0, 0, 2, 0, 2);
	json_decref(c);

	/* evaluating: no more tasks, no second evaluate, not reopen; edits and close. */
	char *tb_body =
	        jbody("{s:s, s:s, s:s}", "title", "新任务", "assignee_id", cadre_a2.user_id, "due_date", "2023-12-31");
	expect_transition("POST", case_path(cid, "/tasks", path, sizeof path), sup, tb_body, CASE_EVALUATING);
	expect_case_transition(sup, cid, "evaluate", NULL, CASE_EVALUATING);
	expect_case_transition(sup, cid, "reopen", "{\"reason\":\"x\"}", CASE_EVALUATING);
	c = call("PUT", case_path(cid, NULL, path, sizeof path), sup, "{\"plan\":\"评估中补充计划\"}", 200, NULL);
	assert_string_equal(jstr(c, "status"), "evaluating");
	json_decref(c);

	/* close: result and evaluation required. */
	case_path(cid, "/close", path, sizeof path);
	expect_invalid(&srv, "POST", path, sup, "{}", (const char *const[]){"result", "evaluation", NULL});
	char *eval2001 = repeat("评", 2001);
	char *body = jbody("{s:s, s:s}", "result", "maybe", "evaluation", eval2001);
	expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"result", "evaluation", NULL});
	free(body);
	free(eval2001);
	expect_invalid(&srv, "POST", path, sup, "{\"result\":\"passed\",\"evaluation\":\"\"}",
	               (const char *const[]){"evaluation", NULL});
	expect_invalid(&srv, "POST", path, sup, "{\"result\":\"passed\"}", (const char *const[]){"evaluation", NULL});
	expect_invalid(&srv, "POST", path, sup, "{\"result\":true,\"evaluation\":\"x\"}",
	               (const char *const[]){"result", NULL});
	{
		struct http_resp r;
		api_post(&srv, path, sup, "{\"result\":\"passed\",\"evaluation\":\"x\",\"score\":90}", &r);
		assert_unknown_field(&r, "score");
		http_resp_release(&r);
	}
	expect_problem(&srv, "POST", path, cadre_a2.access, "{\"result\":\"passed\",\"evaluation\":\"x\"}", 403,
	               "forbidden");
	expect_problem(&srv, "POST", path, crew.sup_b.access, "{\"result\":\"passed\",\"evaluation\":\"x\"}", 404,
	               "not_found");

	/* Failed: back to open, the evaluation in the history, result still null. */
	c = case_do(sup, cid, "close", "{\"result\":\"failed\",\"evaluation\":\"群众满意度不足，继续整顿\"}", 200);
	assert_string_equal(jstr(c, "status"), "open");
	assert_true(json_is_null(json_object_get(c, "result")));
	assert_true(json_is_null(json_object_get(c, "closed_at")));
	json_decref(c);
	assert_org_status(A2, "rectifying");
	/* Open again: it takes tasks again. */
	char tc[ID_LEN];
	task_verified(cid, &cadre_a2, "2023-11-30", tc);

	/* Evaluated again; passed by the admin: closed, the org normal. */
	json_decref(case_do(sup, cid, "evaluate", NULL, 200));
	c = case_do(admin, cid, "close", "{\"result\":\"passed\",\"evaluation\":\"整顿达标，群众认可\"}", 200);
	assert_string_equal(jstr(c, "status"), "closed");
	assert_string_equal(jstr(c, "result"), "passed");
	assert_string_equal(jstr(c, "evaluation"), "整顿达标，群众认可");
	assert_timestamp(jstr(c, "closed_at"));
	assert_counts(c, 0, 0, 0, 0, 3, 0, 3);
	json_decref(c);
	assert_org_status(A2, "normal");

	/* closed: only reopen. */
	expect_case_transition(sup, cid, "evaluate", NULL, CASE_CLOSED);
	expect_case_transition(sup, cid, "close", "{\"result\":\"passed\",\"evaluation\":\"再次\"}", CASE_CLOSED);
	expect_transition("PUT", case_path(cid, NULL, path, sizeof path), sup, "{\"plan\":\"x\"}", CASE_CLOSED);
	expect_transition("POST", case_path(cid, "/tasks", path, sizeof path), sup, tb_body, CASE_CLOSED);
	free(tb_body);

	/* A closed case does not block a new one for the same org and year… */
	char c2[ID_LEN];
	json_decref(case_new(sup, A2, 2023, "复查发现新问题", c2));
	assert_org_status(A2, "rectifying");
	/* …but that one blocks reopening the first. */
	case_path(cid, "/reopen", path, sizeof path);
	struct http_resp r;
	api_post(&srv, path, sup, "{\"reason\":\"复查不合格\"}", &r);
	assert_problem(&r, 409, "case_exists");
	json_t *p = problem_json(&r);
	assert_string_equal(jstr(p, "existing_id"), c2);
	json_decref(p);
	http_resp_release(&r);
	/* Close the second, then reopen the first. */
	char td[ID_LEN];
	task_verified(c2, &cadre_a2, "2023-12-31", td);
	json_decref(case_do(sup, c2, "evaluate", NULL, 200));
	json_decref(case_do(sup, c2, "close", "{\"result\":\"passed\",\"evaluation\":\"已整改\"}", 200));
	assert_org_status(A2, "normal");
	/* Reopen needs a reason; a cadre may not. */
	expect_invalid(&srv, "POST", path, sup, "{}", (const char *const[]){"reason", NULL});
	expect_invalid(&srv, "POST", path, sup, "{\"reason\":\"\"}", (const char *const[]){"reason", NULL});
	expect_problem(&srv, "POST", path, cadre_a2.access, "{\"reason\":\"x\"}", 403, "forbidden");
	api_post(&srv, path, sup, "{\"reason\":\"x\",\"colour\":\"red\"}", &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	c = case_do(sup, cid, "reopen", "{\"reason\":\"复查不合格\"}", 200);
	assert_string_equal(jstr(c, "status"), "open");
	assert_true(json_is_null(json_object_get(c, "closed_at")));
	json_decref(c);
	assert_org_status(A2, "rectifying");

	/* The history: who, from, to, why, oldest first. */
	c = case_get(sup, cid);
	json_t *h = json_object_get(c, "history");
	assert_int_equal(json_array_size(h), 6);
	const char *sid = crew.cast.supervisor.user_id, *aid = crew.cast.admin.user_id;
	assert_history(h, 0, sid, "用户 sup.a", NULL, "open", "*");
	assert_history(h, 1, sid, "用户 sup.a", "open", "evaluating", "*");
	assert_history(h, 2, sid, "用户 sup.a", "evaluating", "open", "群众满意度不足，继续整顿");
	assert_history(h, 3, sid, "用户 sup.a", "open", "evaluating", "*");
	json_t *h4 = json_array_get(h, 4);
	assert_string_equal(jstr(h4, "actor_id"), aid);
	assert_string_equal(jstr(h4, "from"), "evaluating");
	assert_string_equal(jstr(h4, "to"), "closed");
	assert_history(h, 5, sid, "用户 sup.a", "closed", "open", "复查不合格");
	assert_int_equal(json_array_size(json_object_get(c, "tasks")), 3);
	json_decref(c);

	/* Reopen only in the case's year, in local time. */
	json_decref(case_do(sup, cid, "evaluate", NULL, 200));
	json_decref(case_do(sup, cid, "close", "{\"result\":\"passed\",\"evaluation\":\"复查合格\"}", 200));
	clock_set("2023-12-31T16:00:00Z"); /* 2024-01-01 00:00 in Shanghai */
	api_post(&srv, path, sup, "{\"reason\":\"新年复查\"}", &r);
	assert_problem(&r, 409, "invalid_transition");
	http_resp_release(&r);
	clock_set("2024-03-01T09:00:00+08:00");
	expect_case_transition(sup, cid, "reopen", "{\"reason\":\"新年复查\"}", NULL);
	clock_set("2023-12-31T15:59:59Z"); /* 2023-12-31 23:59:59 in Shanghai */
	c = case_do(sup, cid, "reopen", "{\"reason\":\"年末复查\"}", 200);
	assert_string_equal(jstr(c, "status"), "open");
	json_decref(c);
	assert_org_status(A2, "rectifying");

	/* The default year is the local one: 2023-12-31T16:30Z is 2024 in Shanghai. */
	clock_set("2023-12-31T16:30:00Z");
	c = case_new(crew.sup_b.access, crew.tree.village_b1, 0, "跨年", NULL);
	assert_int_equal(jint(c, "year"), 2024);
	json_decref(c);
	clock_set(NULL);
}

/* ---- overdue: the local day --------------------------------------------------------------------- */

static void test_overdue(void **state)
{
	(void)state;
	char cid[ID_LEN], ta[ID_LEN], tb[ID_LEN], tc[ID_LEN], path[200];
	json_decref(case_new(sup, crew.tree.village_a1, 2014, "逾期测试", cid));
	json_decref(task_new(sup, cid, "三月底完成", crew.cast.cadre.user_id, "2023-03-31", 0, ta));
	json_decref(task_new(sup, cid, "四月一日完成", crew.cast.cadre.user_id, "2023-04-01", 0, tb));
	task_verified(cid, &crew.cast.cadre, "2023-03-01", tc);

	/* The last second of 2023-03-31 in Shanghai: not yet overdue. */
	clock_set("2023-03-31T23:59:59+08:00");
	assert_overdue(ta, 0);
	assert_overdue(tb, 0);
	json_t *c = case_get(sup, cid);
	assert_counts(c, 2, 0, 0, 0, 1, 0, 3);
	json_decref(c);
	/* Midnight: overdue. */
	clock_set("2023-04-01T00:00:00+08:00");
	assert_overdue(ta, 1);
	assert_overdue(tb, 0);
	assert_overdue(tc, 0); /* verified: never */
	c = case_get(sup, cid);
	assert_counts(c, 2, 0, 0, 0, 1, 1, 3);
	json_decref(c);
	/* The case list and the task list say the same. */
	json_t *l = api_list_all(
	        &srv, pathf(path, sizeof path, "/api/v1/rectifications?org_id=%s&year=2014", crew.tree.village_a1), sup,
	        50);
	assert_int_equal(json_array_size(l), 1);
	assert_counts(json_array_get(l, 0), 2, 0, 0, 0, 1, 1, 3);
	json_decref(l);
	json_t *tl = call("GET", case_path(cid, "/tasks", path, sizeof path), cadre, NULL, 200, NULL);
	json_t *items = json_is_array(tl) ? tl : json_object_get(tl, "items");
	assert_true(json_is_true(json_object_get(find_by(items, "id", ta), "overdue")));
	assert_true(json_is_false(json_object_get(find_by(items, "id", tb), "overdue")));
	assert_true(json_is_false(json_object_get(find_by(items, "id", tc), "overdue")));
	json_decref(tl);
	/* The same instant in UTC. */
	clock_set("2023-03-31T16:00:00Z");
	assert_overdue(ta, 1);
	clock_set("2023-03-31T15:59:59Z");
	assert_overdue(ta, 0);
	/* Started or submitted, still overdue; the next day the second one too. */
	json_decref(task_do(cadre, ta, "start", NULL, 200));
	clock_set("2023-04-02T00:00:00+08:00");
	assert_overdue(ta, 1);
	assert_overdue(tb, 1);
	json_decref(progress_new(cadre, ta, "迟了", 100, NULL));
	json_decref(task_do(cadre, ta, "submit", NULL, 200));
	assert_overdue(ta, 1);
	c = case_get(sup, cid);
	assert_counts(c, 1, 0, 1, 0, 1, 2, 3);
	json_decref(c);
	/* Verified: no longer. */
	json_decref(task_do(sup, ta, "verify", NULL, 200));
	assert_overdue(ta, 0);

	/* Unpinned: the real day, years after the due dates. */
	clock_set(NULL);
	assert_overdue(tb, 1);
	assert_overdue(ta, 0);
	char te[ID_LEN];
	json_decref(task_new(sup, cid, "远期任务", crew.cast.cadre.user_id, "2099-12-31", 0, te));
	assert_overdue(te, 0);
}

/* ---- scope -------------------------------------------------------------------------------------- */

static void test_scope(void **state)
{
	(void)state;
	char cid[ID_LEN], tid[ID_LEN], bcase[ID_LEN], path[160];
	json_decref(case_new(sup, crew.tree.village_a1, 2013, "范围测试", cid));
	json_decref(task_new(sup, cid, "范围任务", crew.cast.cadre.user_id, "2099-01-01", 0, tid));
	json_decref(case_new(crew.sup_b.access, crew.tree.village_b1, 2013, "B 村", bcase));

	static const struct {
		const char *who;
		int tok;
		long want_a1, want_b1;
	} readers[] = {
	        {"admin", 0, 200, 200},
	        {"sup.a", 1, 200, 404},
	        {"viewer.a", 2, 200, 404},
	        {"insp.a (town A)", 3, 200, 404},
	        {"insp.city (root)", 4, 200, 200},
	        {"cadre.a1", 5, 200, 404},
	        {"cadre.a1b", 6, 200, 404},
	        {"cadre.a2", 7, 404, 404},
	        {"sup.b", 8, 404, 200},
	        {"viewer.b", 9, 404, 200},
	};
	const char *tokens[] = {admin,
	                        sup,
	                        crew.viewer_a.access,
	                        crew.cast.inspector.access,
	                        crew.insp_city.access,
	                        cadre,
	                        cadre_a1b.access,
	                        cadre_a2.access,
	                        crew.sup_b.access,
	                        crew.cast.viewer.access};
	for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
		const char *tok = tokens[readers[i].tok];
		struct {
			const char *p;
			long want;
		} gets[4];
		char p0[160], p1[160], p2[160], p3[160];
		gets[0].p = case_path(cid, NULL, p0, sizeof p0);
		gets[0].want = readers[i].want_a1;
		gets[1].p = case_path(cid, "/tasks", p1, sizeof p1);
		gets[1].want = readers[i].want_a1;
		gets[2].p = task_path(tid, NULL, p2, sizeof p2);
		gets[2].want = readers[i].want_a1;
		gets[3].p = case_path(bcase, NULL, p3, sizeof p3);
		gets[3].want = readers[i].want_b1;
		for (size_t k = 0; k < 4; k++) {
			long st = api_status(&srv, gets[k].p, tok);
			if (st != gets[k].want)
				fail_msg("%s: GET %s answered %ld, want %ld", readers[i].who, gets[k].p, st,
				         gets[k].want);
		}
		/* The lists agree with the reads. */
		json_t *all = api_list_all(&srv, "/api/v1/rectifications?year=2013", tok, 50);
		if ((find_by(all, "id", cid) != NULL) != (readers[i].want_a1 == 200) ||
		    (find_by(all, "id", bcase) != NULL) != (readers[i].want_b1 == 200))
			fail_msg("%s: the case list of 2013 has %zu items, against the reads", readers[i].who,
			         json_array_size(all));
		json_decref(all);
	}
	/* Not visible is 404 for every action too. */
	task_path(tid, "/start", path, sizeof path);
	expect_problem(&srv, "POST", path, cadre_a2.access, "{}", 404, "not_found");
	case_path(cid, "/evaluate", path, sizeof path);
	expect_problem(&srv, "POST", path, cadre_a2.access, "{}", 404, "not_found");
	case_path(bcase, "/tasks", path, sizeof path);
	char *body = jbody("{s:s, s:s, s:s}", "title", "x", "assignee_id", crew.cast.cadre.user_id, "due_date",
	                   "2099-01-01");
	expect_problem(&srv, "POST", path, sup, body, 404, "not_found");
	free(body);
	/* Visible but read-only: 403. */
	case_path(cid, "/tasks", path, sizeof path);
	body = jbody("{s:s, s:s, s:s}", "title", "x", "assignee_id", crew.cast.cadre.user_id, "due_date", "2099-01-01");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, body, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.insp_city.access, body, 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre, body, 403, "forbidden");
	free(body);
	case_path(cid, "/evaluate", path, sizeof path);
	expect_problem(&srv, "POST", path, crew.viewer_a.access, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre, "{}", 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.cast.inspector.access, "{}", 403, "forbidden");
	/* A cadre of the village reads a colleague's task but may not act on it. */
	expect_problem(&srv, "POST", task_path(tid, "/start", path, sizeof path), cadre_a1b.access, "{}", 403,
	               "forbidden");
}

/* ---- lists -------------------------------------------------------------------------------------- */

static void test_lists(void **state)
{
	(void)state;
	char path[256];
	/* Newest first: created_at descending. Items carry no detail members. */
	json_t *all = api_list_all(&srv, "/api/v1/rectifications", admin, 3);
	assert_true(json_array_size(all) >= 12);
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *it = json_array_get(all, i);
		if (json_object_get(it, "tasks") || json_object_get(it, "interviews") || json_object_get(it, "history"))
			fail_msg("list item %s carries tasks, interviews or history", jstr(it, "id"));
		assert_true(json_is_object(json_object_get(it, "task_counts")));
		assert_true(json_is_integer(json_object_get(it, "version")));
		if (i > 0 && strcmp(jstr(json_array_get(all, i - 1), "created_at"), jstr(it, "created_at")) < 0)
			fail_msg("cases not newest first at %zu: %s then %s", i,
			         jstr(json_array_get(all, i - 1), "created_at"), jstr(it, "created_at"));
	}
	json_decref(all);

	/* Filters, alone and together. */
	json_t *l = api_list_all(
	        &srv, pathf(path, sizeof path, "/api/v1/rectifications?org_id=%s", crew.tree.village_a2), admin, 50);
	assert_true(json_array_size(l) >= 2);
	size_t i;
	json_t *it;
	json_array_foreach(l, i, it)
	{
		assert_string_equal(jstr(it, "org_id"), crew.tree.village_a2);
	}
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/rectifications?year=2021", admin, 50);
	assert_int_equal(json_array_size(l), 2); /* A1's and B1's */
	json_array_foreach(l, i, it)
	{
		assert_int_equal(jint(it, "year"), 2021);
	}
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/rectifications?status=closed", admin, 50);
	assert_int_equal(json_array_size(l), 1); /* A2's second case of 2023 */
	assert_string_equal(jstr(json_array_get(l, 0), "org_id"), crew.tree.village_a2);
	assert_string_equal(jstr(json_array_get(l, 0), "result"), "passed");
	json_decref(l);
	l = api_list_all(&srv,
	                 pathf(path, sizeof path, "/api/v1/rectifications?org_id=%s&year=2023&status=open",
	                       crew.tree.village_a2),
	                 sup, 50);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/rectifications?status=evaluating", admin, 50);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);

	/* Scoped: sup.b and viewer.b see town B only; cadres their village only. */
	const char *const town_b_only[] = {crew.sup_b.access, crew.cast.viewer.access};
	for (size_t k = 0; k < 2; k++) {
		l = api_list_all(&srv, "/api/v1/rectifications", town_b_only[k], 50);
		assert_true(json_array_size(l) >= 3);
		json_array_foreach(l, i, it)
		{
			assert_string_equal(jstr(it, "org_id"), crew.tree.village_b1);
		}
		json_decref(l);
	}
	l = api_list_all(&srv, "/api/v1/rectifications", cadre_a2.access, 50);
	assert_true(json_array_size(l) >= 2);
	json_array_foreach(l, i, it)
	{
		assert_string_equal(jstr(it, "org_id"), crew.tree.village_a2);
	}
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/rectifications", cadre, 50);
	assert_true(json_array_size(l) >= 6);
	json_array_foreach(l, i, it)
	{
		assert_string_equal(jstr(it, "org_id"), crew.tree.village_a1);
	}
	json_decref(l);
	l = api_list_all(&srv, "/api/v1/rectifications", crew.cast.inspector.access, 50);
	json_array_foreach(l, i, it)
	{
		if (strcmp(jstr(it, "org_id"), crew.tree.village_b1) == 0)
			fail_msg("insp.a (town A) lists a case of B1");
	}
	json_decref(l);

	/* Bad parameters. */
	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?status=lazy", "status"},
	        {"?year=abc", "year"},
	        {"?limit=0", "limit"},
	        {"?limit=201", "limit"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/rectifications%s", bad[k].query), sup,
		               NULL, (const char *const[]){bad[k].field, NULL});
	/* A bad cursor: 400 (the contract) or the field error the other lists give. */
	struct http_resp r;
	api_get(&srv, "/api/v1/rectifications?cursor=garbage", sup, &r);
	if (r.status == 422)
		assert_validation(&r, (const char *const[]){"cursor", NULL});
	else if (r.status != 400)
		fail_msg("GET /rectifications?cursor=garbage: %ld %.300s", r.status, buf_cstr(&r.body));
	http_resp_release(&r);
	api_get(&srv, "/api/v1/rectifications", NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_case_create),
	        cmocka_unit_test(test_case_validation),
	        cmocka_unit_test(test_case_update),
	        cmocka_unit_test(test_task_create),
	        cmocka_unit_test(test_task_workflow),
	        cmocka_unit_test(test_task_update),
	        cmocka_unit_test_teardown(test_case_lifecycle, unpin_clock),
	        cmocka_unit_test_teardown(test_overdue, unpin_clock),
	        cmocka_unit_test(test_scope),
	        cmocka_unit_test(test_lists),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_rectify", tests, group_setup, group_teardown);
}
