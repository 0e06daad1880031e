/*
 * Rectification tasks seen from the village (issue 6, second part) through
 * the real binary: the cadre's inbox GET /me/tasks (due date order, status
 * and overdue filters, counts over all of the caller's tasks whatever the
 * filters, bad filter values, cursor pagination, each cadre only their own;
 * overdue computed against the pinned test clock in Asia/Shanghai), progress
 * reports (validation, percent never going down, only while in progress,
 * the history oldest first, idempotent client ids, missing_photo_ids that
 * shrink as the photos arrive, who may report), interviews (约谈: validation,
 * held_at not in the future, task_id of this case only, supervisors only,
 * closed cases refused, client ids, tasks marked interviewed), findings made
 * into tasks (POST /findings/{id}/rectify: opening a case or reusing the
 * year's open one, the finding's task_id, already_rectified, retries, scope)
 * and photos linked to tasks and progress reports (who may link, verified
 * tasks refused, one link at most, who then sees the photo).
 *
 * The case and task workflow itself (create, update, start/submit/verify/
 * return, evaluate/close/reopen) is test_rectify.c's; here it is only the
 * means to get tasks into the states these tests need.
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
static json_t *tpl;                     /* the default template */
static char round_id[ID_LEN];           /* sup.a's round: A1, A2; insp.city */
static const char *sup, *admin, *cadre; /* sup.a, admin, cadre.a1 (A1) */
static struct tokens cadre_b;           /* cadre.a1b: a second cadre of A1 */
static struct tokens cadre_a2;          /* cadre.a2: the cadre of A2 */
static struct tokens inbox1, inbox2;    /* cadre.i1, cadre.i2 (A1): the inbox test's own */
static char work_case_id[ID_LEN];       /* A1's case of 2022 (made on first use) */
static char admin_name[128];            /* the bootstrap admin's display name */
static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/* The clock the tests run on: 2023-03-20 noon in Shanghai, so the current
 * year is 2023. */
#define CLOCK_BASE "2023-03-20T12:00:00+08:00"

/* ---- setup ------------------------------------------------------------------------------ */

static void pin_clock(const char *now)
{
	char *body = now ? jbody("{s:s}", "now", now) : jbody("{s:n}", "now");
	json_decref(api_expect(&srv, "PUT", "/api/v1/_test/clock", NULL, body, 200));
	free(body);
}

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
	cadre_user("cadre.a1b", crew.tree.village_a1, &cadre_b);
	cadre_user("cadre.a2", crew.tree.village_a2, &cadre_a2);
	cadre_user("cadre.i1", crew.tree.village_a1, &inbox1);
	cadre_user("cadre.i2", crew.tree.village_a1, &inbox2);
	json_t *me = api_expect(&srv, "GET", "/api/v1/me", admin, NULL, 200);
	snprintf(admin_name, sizeof admin_name, "%s", jstr(me, "display_name") ? jstr(me, "display_name") : "");
	json_decref(me);
	pin_clock(CLOCK_BASE);
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

/* ---- helpers ---------------------------------------------------------------------------- */

static char *repeat_utf8(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = malloc(u * n + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	return s;
}

/* 1 / 0 for a JSON true / false member, -1 otherwise. */
static int jbool(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
}

/* o has key, and it is JSON null. */
static void assert_null_member(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		fail_msg("no member %s in %s", key, jstr(o, "id") ? jstr(o, "id") : "(object)");
	if (!json_is_null(v))
		fail_msg("member %s should be null", key);
}

/* A list answer as an array: the body itself, or its items (new ref). */
static json_t *as_list(json_t *body, const char *what)
{
	json_t *items = json_is_array(body) ? body : json_object_get(body, "items");
	if (!json_is_array(items))
		fail_msg("%s: neither an array nor {items}", what);
	json_incref(items);
	json_decref(body);
	return items;
}

/* The ids of items equal want (NULL-terminated), in that order. */
static void assert_ids(const json_t *items, const char *const *want, const char *what)
{
	size_t n = 0;
	while (want[n])
		n++;
	int same = json_array_size(items) == n;
	for (size_t i = 0; same && i < n; i++)
		same = jstr(json_array_get(items, i), "id") &&
		       strcmp(jstr(json_array_get(items, i), "id"), want[i]) == 0;
	if (!same) {
		struct buf m = BUF_INIT;
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			buf_printf(&m, "%s%s", i ? ", " : "", jstr(it, "id") ? jstr(it, "id") : "?");
		}
		buf_adds(&m, "] want [");
		for (i = 0; i < n; i++)
			buf_printf(&m, "%s%s", i ? ", " : "", want[i]);
		fail_msg("%s: got [%s]", what, buf_cstr(&m));
	}
}

/* The string array arr holds exactly want (NULL-terminated), any order. */
static void assert_string_set(const json_t *arr, const char *const *want, const char *what)
{
	if (!json_is_array(arr))
		fail_msg("%s: not an array", what);
	json_t *objs = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			fail_msg("%s: a non-string entry", what);
		json_array_append_new(objs, json_pack("{s:s}", "v", json_string_value(v)));
	}
	assert_key_set(objs, "v", want);
	json_decref(objs);
}

static int array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	}
	return 0;
}

/* A request that must be 409 invalid_transition with an allowed list; when
 * not_allowed is given, that action must not be in it. */
static void expect_transition(const char *method, const char *path, const char *bearer, const char *body,
                              const char *not_allowed)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != 409)
		fail_msg("%s %s %.200s: expected 409 invalid_transition, got %ld: %.400s", method, path,
		         body ? body : "", r.status, buf_cstr(&r.body));
	assert_problem(&r, 409, "invalid_transition");
	json_t *p = problem_json(&r);
	json_t *allowed = json_object_get(p, "allowed");
	if (!json_is_array(allowed))
		fail_msg("%s %s: 409 invalid_transition without an allowed list: %s", method, path, buf_cstr(&r.body));
	if (not_allowed && array_has(allowed, not_allowed))
		fail_msg("%s %s: refused, yet allowed lists \"%s\": %s", method, path, not_allowed, buf_cstr(&r.body));
	json_decref(p);
	http_resp_release(&r);
}

/* A bad query value: 422 validation_failed naming field, or (as the
 * contract allows for query strings) 400 bad_request. */
static void expect_bad_query(const char *path, const char *bearer, const char *field)
{
	struct http_resp r;
	api_get(&srv, path, bearer, &r);
	if (r.status == 422)
		assert_validation(&r, (const char *const[]){field, NULL});
	else if (r.status == 400)
		assert_problem(&r, 400, "bad_request");
	else
		fail_msg("GET %s: expected 422 (field %s) or 400, got %ld: %.400s", path, field, r.status,
		         buf_cstr(&r.body));
	http_resp_release(&r);
}

/* ---- cases and tasks ---- */

/* POST /rectifications {org_id, year, reason, source annual} by sup.a; 201. */
static void case_open(const char *org, int year, const char *reason, char id[ID_LEN])
{
	char *body = jbody("{s:s, s:i, s:s, s:s}", "org_id", org, "year", year, "reason", reason, "source", "annual");
	json_t *c = api_expect(&srv, "POST", "/api/v1/rectifications", sup, body, 201);
	free(body);
	assert_string_equal(jstr(c, "status"), "open");
	snprintf(id, ID_LEN, "%s", jstr(c, "id"));
	json_decref(c);
}

/* A1's case of 2022, where the progress, photo and interview tests put their tasks. */
static const char *work_case(void)
{
	if (!work_case_id[0])
		case_open(crew.tree.village_a1, 2022, "组织生活不规范，党员作用发挥不明显", work_case_id);
	return work_case_id;
}

/* The Task members the contract lists are all there. */
static void check_task_shape(const json_t *t)
{
	static const char *const keys[] = {"id",
	                                   "rectification_id",
	                                   "org_id",
	                                   "title",
	                                   "detail",
	                                   "assignee_id",
	                                   "assignee_name",
	                                   "due_date",
	                                   "requires_photo",
	                                   "status",
	                                   "overdue",
	                                   "interviewed",
	                                   "finding_id",
	                                   "return_reason",
	                                   "submitted_at",
	                                   "verified_at",
	                                   "verified_by",
	                                   "progress_count",
	                                   "created_at",
	                                   "updated_at",
	                                   "version",
	                                   NULL};
	if (!json_is_object(t))
		fail_msg("a task is not an object");
	for (const char *const *k = keys; *k; k++)
		if (!json_object_get(t, *k))
			fail_msg("task %s has no member %s", jstr(t, "id") ? jstr(t, "id") : "?", *k);
}

/* POST /rectifications/{case}/tasks by sup.a; 201. Returns the task. */
static json_t *task_new(const char *case_id, const char *assignee_id, const char *title, const char *due,
                        int requires_photo, char id[ID_LEN])
{
	char path[160];
	char *body = jbody("{s:s, s:s, s:s, s:b}", "title", title, "assignee_id", assignee_id, "due_date", due,
	                   "requires_photo", requires_photo);
	json_t *t = api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", case_id), sup,
	                       body, 201);
	free(body);
	check_task_shape(t);
	assert_string_equal(jstr(t, "status"), "assigned");
	assert_string_equal(jstr(t, "due_date"), due);
	assert_string_equal(jstr(t, "rectification_id"), case_id);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(t, "id"));
	return t;
}

static json_t *task_get(const char *bearer, const char *id)
{
	char path[128];
	json_t *t = api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/tasks/%s", id), bearer, NULL, 200);
	check_task_shape(t);
	return t;
}

/* POST /tasks/{id}/<action> body (NULL: {}) expecting want; returns the body. */
static json_t *task_do(const char *bearer, const char *id, const char *action, const char *body, long want)
{
	char path[160];
	return api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/%s", id, action), bearer,
	                  body ? body : "{}", want);
}

static const char *progress_path(const char *task, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/tasks/%s/progress", task);
}

/* A progress report {text, percent} by bearer; 201. */
static json_t *progress_add(const char *bearer, const char *task, const char *text, int percent)
{
	char path[160];
	char *body = jbody("{s:s, s:i}", "text", text, "percent", percent);
	json_t *p = api_expect(&srv, "POST", progress_path(task, path, sizeof path), bearer, body, 201);
	free(body);
	return p;
}

/* GET /tasks/{id}/progress as an array. */
static json_t *progress_list(const char *bearer, const char *task)
{
	char path[160];
	progress_path(task, path, sizeof path);
	return as_list(api_expect(&srv, "GET", path, bearer, NULL, 200), path);
}

/*
 * Drives a requires_photo=false task of assignee from assigned to status
 * ("in_progress", "submitted", "returned" or "verified"), sup.a verifying or
 * returning.
 */
static void task_drive(const char *id, const char *assignee, const char *status)
{
	json_decref(task_do(assignee, id, "start", NULL, 200));
	if (strcmp(status, "in_progress") == 0)
		return;
	json_decref(progress_add(assignee, id, "已按计划完成", 100));
	json_decref(task_do(assignee, id, "submit", NULL, 200));
	if (strcmp(status, "returned") == 0)
		json_decref(task_do(sup, id, "return", "{\"reason\":\"材料不全，请补充\"}", 200));
	else if (strcmp(status, "verified") == 0)
		json_decref(task_do(sup, id, "verify", NULL, 200));
	json_t *t = task_get(admin, id);
	assert_string_equal(jstr(t, "status"), status);
	json_decref(t);
}

/* ---- photos ---- */

/* A fake JPEG: the JFIF magic, a unique tag, filler (as client.c's fixture). */
struct fake_jpeg {
	unsigned char head[96];
	struct byte_src src;
};

static void fake_jpeg(struct fake_jpeg *f)
{
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	char uuid[ID_LEN];
	memcpy(f->head, jfif, sizeof jfif);
	int n = snprintf((char *)f->head + sizeof jfif, sizeof f->head - sizeof jfif, "task-photo-%s;", uuid_v4(uuid));
	f->src = (struct byte_src){f->head, sizeof jfif + (size_t)n, 2048, 0x42};
}

/* Checks an upload answer: want, and a problem code (may be NULL) or, for
 * 422, fields (may be NULL). Returns the photo on 2xx. */
static json_t *upload_result(struct http_resp *r, const char *what, long want, const char *code,
                             const char *const *fields)
{
	if (r->status != want)
		fail_msg("%s: expected %ld %s, got %ld: %.400s", what, want, code ? code : "", r->status,
		         buf_cstr(&r->body));
	json_t *p = NULL;
	if (want == 200 || want == 201)
		p = http_json(r);
	else if (want == 422)
		assert_validation(r, fields);
	else if (code)
		assert_problem(r, want, code);
	http_resp_release(r);
	return p;
}

/* A raw-body upload of a fresh fake JPEG with query (may be NULL). */
static json_t *photo_raw(const char *bearer, const char *query, long want, const char *code, const char *const *fields)
{
	struct fake_jpeg f;
	fake_jpeg(&f);
	struct http_resp r;
	photo_upload_raw(&srv, bearer, query, "image/jpeg", &f.src, 10000, &r);
	char what[400];
	snprintf(what, sizeof what, "POST /api/v1/photos?%s (raw)", query ? query : "");
	return upload_result(&r, what, want, code, fields);
}

/* A wx.uploadFile-style upload of a fresh fake JPEG: text fields name=value
 * (NULL-terminated pairs), then the file. */
static json_t *photo_form(const char *bearer, const char *const *fields_kv, long want, const char *code,
                          const char *const *fields)
{
	struct fake_jpeg f;
	fake_jpeg(&f);
	struct form_part parts[8];
	size_t n = 0;
	struct buf what = BUF_INIT;
	buf_adds(&what, "POST /api/v1/photos (form");
	for (const char *const *kv = fields_kv; kv && kv[0] && n < 7; kv += 2) {
		parts[n++] = (struct form_part){kv[0], kv[1], NULL, NULL, NULL};
		buf_printf(&what, " %s=%s", kv[0], kv[1]);
	}
	buf_adds(&what, ")");
	parts[n++] = (struct form_part){"file", NULL, &f.src, "tmp_photo.jpg", "image/jpeg"};
	struct http_resp r;
	photo_upload_form(&srv, bearer, parts, n, 10000, &r);
	json_t *p = upload_result(&r, buf_cstr(&what), want, code, fields);
	buf_release(&what);
	return p;
}

/* ---- the inbox -------------------------------------------------------------------------- */

struct inbox_task {
	const char *due, *status;
	int in_2019; /* in the second case */
	char id[ID_LEN];
};

/* The counts member of an inbox page equals the given numbers. */
static void check_counts(const json_t *page, const char *what, long long assigned, long long in_progress,
                         long long submitted, long long returned, long long verified, long long overdue,
                         long long total)
{
	json_t *c = json_object_get(page, "counts");
	if (!json_is_object(c))
		fail_msg("%s: no counts object", what);
	static const char *const keys[] = {"assigned", "in_progress", "submitted", "returned",
	                                   "verified", "overdue",     "total"};
	const long long want[] = {assigned, in_progress, submitted, returned, verified, overdue, total};
	for (size_t i = 0; i < 7; i++)
		if (jint(c, keys[i]) != want[i]) {
			char *text = json_dumps(c, JSON_COMPACT);
			fail_msg("%s: counts.%s is %lld, want %lld (counts %s)", what, keys[i], jint(c, keys[i]),
			         want[i], text);
		}
}

struct counts {
	long long assigned, in_progress, submitted, returned, verified, overdue, total;
};

/*
 * Walks GET /api/v1/me/tasks?<query>&limit=<limit> (limit 0: none given),
 * checking every page: items, next_cursor, page sizes, counts equal to c,
 * the items are bearer's tasks and no id repeats. Returns all items.
 */
static json_t *inbox_walk(const char *bearer, const char *assignee_id, const char *query, int limit,
                          const struct counts *c)
{
	json_t *all = json_array();
	char *cursor = NULL;
	for (int page = 0;; page++) {
		if (page > 50)
			fail_msg("inbox ?%s: more than 50 pages", query);
		struct buf p = BUF_INIT;
		buf_adds(&p, "/api/v1/me/tasks");
		char sep = '?';
		if (*query) {
			buf_printf(&p, "%c%s", sep, query);
			sep = '&';
		}
		if (limit) {
			buf_printf(&p, "%climit=%d", sep, limit);
			sep = '&';
		}
		if (cursor) {
			char *esc = qs_escape(cursor);
			buf_printf(&p, "%ccursor=%s", sep, esc);
			free(esc);
		}
		json_t *j = api_expect(&srv, "GET", buf_cstr(&p), bearer, NULL, 200);
		json_t *items = json_object_get(j, "items");
		json_t *next = json_object_get(j, "next_cursor");
		if (!json_is_array(items))
			fail_msg("GET %s: no items array", buf_cstr(&p));
		if (!next || (!json_is_null(next) && !json_is_string(next)))
			fail_msg("GET %s: next_cursor is neither null nor a string", buf_cstr(&p));
		size_t lim = limit ? (size_t)limit : 50;
		if (json_array_size(items) > lim)
			fail_msg("GET %s: %zu items with limit %zu", buf_cstr(&p), json_array_size(items), lim);
		if (json_is_string(next) && json_array_size(items) != lim)
			fail_msg("GET %s: a short page (%zu of %zu) before the end", buf_cstr(&p),
			         json_array_size(items), lim);
		check_counts(j, buf_cstr(&p), c->assigned, c->in_progress, c->submitted, c->returned, c->verified,
		             c->overdue, c->total);
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			check_task_shape(it);
			if (assignee_id)
				assert_string_equal(jstr(it, "assignee_id"), assignee_id);
			if (find_by(all, "id", jstr(it, "id")))
				fail_msg("GET %s: task %s listed twice", buf_cstr(&p), jstr(it, "id"));
			json_array_append(all, it);
		}
		buf_release(&p);
		free(cursor);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		json_decref(j);
		if (!cursor)
			break;
	}
	return all;
}

/* The tasks of ts (n) matching status (NULL: any) and overdue (-1: any) as
 * of today, in due_date, id order: their ids into out (NULL-terminated). */
static void inbox_expect(struct inbox_task *ts, size_t n, const char *today, const char *status, int overdue,
                         const char **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int od = strcmp(ts[i].status, "verified") != 0 && strcmp(today, ts[i].due) > 0;
		if (status && strcmp(ts[i].status, status) != 0)
			continue;
		if (overdue >= 0 && od != overdue)
			continue;
		out[k++] = ts[i].id;
	}
	out[k] = NULL;
	/* insertion sort by (due, id) */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0; j--) {
			const struct inbox_task *a = NULL, *b = NULL;
			for (size_t m = 0; m < n; m++) {
				if (ts[m].id == out[j - 1])
					a = &ts[m];
				if (ts[m].id == out[j])
					b = &ts[m];
			}
			int c = strcmp(a->due, b->due);
			if (c < 0 || (c == 0 && strcmp(a->id, b->id) < 0))
				break;
			const char *t = out[j - 1];
			out[j - 1] = out[j];
			out[j] = t;
		}
}

/* Checks the inbox of cadre.i1 for query against ts as of today. */
static void inbox_check(struct inbox_task *ts, size_t n, const char *today, const char *query, const char *status,
                        int overdue, int limit, const struct counts *c)
{
	const char *want[16];
	inbox_expect(ts, n, today, status, overdue, want);
	json_t *got = inbox_walk(inbox1.access, inbox1.user_id, query, limit, c);
	char what[160];
	snprintf(what, sizeof what, "inbox ?%s (limit %d, today %s)", query, limit, today);
	assert_ids(got, want, what);
	size_t i;
	json_t *it;
	json_array_foreach(got, i, it)
	{
		for (size_t m = 0; m < n; m++) {
			if (strcmp(ts[m].id, jstr(it, "id")) != 0)
				continue;
			int od = strcmp(ts[m].status, "verified") != 0 && strcmp(today, ts[m].due) > 0;
			assert_string_equal(jstr(it, "status"), ts[m].status);
			assert_string_equal(jstr(it, "due_date"), ts[m].due);
			if (jbool(it, "overdue") != od)
				fail_msg("%s: task due %s (%s) has overdue %d, want %d", what, ts[m].due, ts[m].status,
				         jbool(it, "overdue"), od);
		}
	}
	json_decref(got);
}

static void test_inbox(void **state)
{
	(void)state;
	char case21[ID_LEN], case19[ID_LEN];
	case_open(crew.tree.village_a1, 2021, "班子不团结，工作推进缓慢", case21);
	case_open(crew.tree.village_a1, 2019, "村务公开不及时", case19);

	struct inbox_task ts[] = {
	        {"2023-03-10", "assigned", 0, ""},  {"2023-03-31", "in_progress", 0, ""},
	        {"2023-04-15", "submitted", 0, ""}, {"2023-03-05", "verified", 0, ""},
	        {"2023-04-30", "returned", 0, ""},  {"2023-03-31", "assigned", 0, ""},
	        {"2023-05-01", "assigned", 1, ""},
	};
	const size_t n = sizeof ts / sizeof ts[0];
	for (size_t i = 0; i < n; i++) {
		char title[64];
		snprintf(title, sizeof title, "整改措施 %zu", i + 1);
		json_t *t = task_new(ts[i].in_2019 ? case19 : case21, inbox1.user_id, title, ts[i].due, 0, ts[i].id);
		assert_string_equal(jstr(t, "assignee_name"), "用户 cadre.i1");
		json_decref(t);
	}
	/* cadre.i2's own: one overdue, one in progress. */
	char other1[ID_LEN], other2[ID_LEN];
	json_decref(task_new(case21, inbox2.user_id, "他人任务一", "2023-03-01", 0, other1));
	json_decref(task_new(case21, inbox2.user_id, "他人任务二", "2023-06-01", 0, other2));
	task_drive(other2, inbox2.access, "in_progress");
	for (size_t i = 0; i < n; i++)
		if (strcmp(ts[i].status, "assigned") != 0)
			task_drive(ts[i].id, inbox1.access, ts[i].status);

	/* 2023-03-20: only the task due 03-10 is overdue (the verified one due 03-05 is not). */
	const char *today = "2023-03-20";
	struct counts c = {3, 1, 1, 1, 1, 1, 7};
	inbox_check(ts, n, today, "", NULL, -1, 0, &c);
	inbox_check(ts, n, today, "", NULL, -1, 3, &c);
	inbox_check(ts, n, today, "", NULL, -1, 1, &c);
	inbox_check(ts, n, today, "", NULL, -1, 7, &c);
	inbox_check(ts, n, today, "", NULL, -1, 200, &c);
	static const char *const statuses[] = {"assigned", "in_progress", "submitted", "returned", "verified"};
	for (size_t i = 0; i < 5; i++) {
		char q[64];
		snprintf(q, sizeof q, "status=%s", statuses[i]);
		inbox_check(ts, n, today, q, statuses[i], -1, 0, &c);
	}
	inbox_check(ts, n, today, "status=assigned", "assigned", -1, 2, &c);
	inbox_check(ts, n, today, "overdue=true", NULL, 1, 0, &c);
	inbox_check(ts, n, today, "overdue=false", NULL, 0, 0, &c);
	inbox_check(ts, n, today, "overdue=false", NULL, 0, 4, &c);
	inbox_check(ts, n, today, "status=assigned&overdue=false", "assigned", 0, 0, &c);
	inbox_check(ts, n, today, "status=verified&overdue=true", "verified", 1, 0, &c);

	/* 2023-03-31 23:59:59 in Shanghai: still the same day, the tasks due then are not overdue yet. */
	pin_clock("2023-03-31T23:59:59+08:00");
	inbox_check(ts, n, "2023-03-31", "overdue=true", NULL, 1, 0, &c);
	json_t *t = task_get(inbox1.access, ts[1].id);
	assert_int_equal(jbool(t, "overdue"), 0);
	json_decref(t);
	/* 2023-04-01 00:00 in Shanghai: both tasks due 03-31 are overdue. */
	pin_clock("2023-04-01T00:00:00+08:00");
	c.overdue = 3;
	inbox_check(ts, n, "2023-04-01", "", NULL, -1, 2, &c);
	inbox_check(ts, n, "2023-04-01", "overdue=true", NULL, 1, 0, &c);
	inbox_check(ts, n, "2023-04-01", "overdue=false", NULL, 0, 0, &c);
	t = task_get(inbox1.access, ts[1].id);
	assert_int_equal(jbool(t, "overdue"), 1);
	json_decref(t);
	t = task_get(sup, ts[5].id);
	assert_int_equal(jbool(t, "overdue"), 1);
	json_decref(t);
	/* The same instants written in UTC: the local day decides. */
	pin_clock("2023-03-31T15:59:59Z");
	c.overdue = 1;
	inbox_check(ts, n, "2023-03-31", "overdue=true", NULL, 1, 0, &c);
	pin_clock("2023-03-31T16:00:00Z");
	c.overdue = 3;
	inbox_check(ts, n, "2023-04-01", "overdue=true", NULL, 1, 0, &c);
	/* 04-16: a submitted task past its due date is overdue too (not yet verified). */
	pin_clock("2023-04-16T09:00:00+08:00");
	c.overdue = 4;
	inbox_check(ts, n, "2023-04-16", "", NULL, -1, 3, &c);
	inbox_check(ts, n, "2023-04-16", "status=submitted&overdue=true", "submitted", 1, 0, &c);
	pin_clock(CLOCK_BASE);

	/* Everyone only their own. */
	struct counts c2 = {1, 1, 0, 0, 0, 1, 2};
	json_t *got = inbox_walk(inbox2.access, inbox2.user_id, "", 0, &c2);
	assert_ids(got, (const char *const[]){other1, other2, NULL}, "cadre.i2's inbox");
	json_decref(got);
	got = inbox_walk(inbox2.access, inbox2.user_id, "overdue=true", 0, &c2);
	assert_ids(got, (const char *const[]){other1, NULL}, "cadre.i2's overdue inbox");
	json_decref(got);
	struct counts zero = {0, 0, 0, 0, 0, 0, 0};
	const char *const nobody[] = {NULL};
	const struct {
		const char *who, *token;
	} empty[] = {
	        {"cadre.a2", cadre_a2.access}, {"sup.a", sup}, {"admin", admin}, {"viewer.a", crew.viewer_a.access}};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		got = inbox_walk(empty[i].token, NULL, "", 0, &zero);
		assert_ids(got, nobody, empty[i].who);
		json_decref(got);
	}

	/* Bad filters and paging values. */
	char path[256];
	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"status=lazy", "status"}, {"status=ASSIGNED", "status"}, {"overdue=yes", "overdue"},
	        {"overdue=", "overdue"},   {"limit=0", "limit"},          {"limit=201", "limit"},
	        {"limit=abc", "limit"},    {"cursor=garbage", "cursor"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad_query(pathf(path, sizeof path, "/api/v1/me/tasks?%s", bad[i].query), inbox1.access,
		                 bad[i].field);
	struct http_resp r;
	api_get(&srv, "/api/v1/me/tasks", NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
}

/* ---- progress reports -------------------------------------------------------------------- */

static void check_progress(const json_t *p, const char *id, const char *task, const char *author_id,
                           const char *author_name, const char *text, int percent)
{
	if (id)
		assert_string_equal(jstr(p, "id"), id);
	else
		assert_int_equal(strlen(jstr(p, "id") ? jstr(p, "id") : ""), 36);
	assert_string_equal(jstr(p, "task_id"), task);
	assert_string_equal(jstr(p, "author_id"), author_id);
	assert_string_equal(jstr(p, "author_name"), author_name);
	assert_string_equal(jstr(p, "text"), text);
	assert_int_equal(jint(p, "percent"), percent);
	if (!json_is_array(json_object_get(p, "photo_ids")))
		fail_msg("progress %s: photo_ids is not an array", jstr(p, "id"));
	if (!json_is_array(json_object_get(p, "missing_photo_ids")))
		fail_msg("progress %s: missing_photo_ids is not an array", jstr(p, "id"));
	assert_timestamp(jstr(p, "created_at"));
}

static void test_progress(void **state)
{
	(void)state;
	char task[ID_LEN], path[160];
	json_decref(task_new(work_case(), crew.cast.cadre.user_id, "规范三会一课", "2023-06-30", 1, task));
	progress_path(task, path, sizeof path);
	json_t *list = progress_list(cadre, task);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	/* Not started: no reports. */
	expect_transition("POST", path, cadre, "{\"text\":\"还没开始\",\"percent\":0}", "add_progress");
	json_t *t = task_do(cadre, task, "start", NULL, 200);
	assert_string_equal(jstr(t, "status"), "in_progress");
	json_decref(t);

	/* Bad reports, every bad field named; none stored. */
	expect_invalid(&srv, "POST", path, cadre, "{}", (const char *const[]){"text", "percent", NULL});
	expect_invalid(&srv, "POST", path, cadre,
	               "{\"text\":\"\",\"percent\":101,\"photo_ids\":[\"x\"],\"colour\":\"red\"}",
	               (const char *const[]){"text", "percent", "photo_ids[0]|photo_ids", "colour", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"进展\",\"percent\":-1}",
	               (const char *const[]){"percent", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"进展\",\"percent\":50.5}",
	               (const char *const[]){"percent", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"进展\",\"percent\":\"50\"}",
	               (const char *const[]){"percent", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":null,\"percent\":null}",
	               (const char *const[]){"text", "percent", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"进展\",\"percent\":10,\"photo_ids\":\"x\"}",
	               (const char *const[]){"photo_ids", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"id\":\"not-a-uuid\",\"text\":\"进展\",\"percent\":10}",
	               (const char *const[]){"id", NULL});
	char *long_text = repeat_utf8("字", 2001);
	char *body = jbody("{s:s, s:i}", "text", long_text, "percent", 10);
	expect_invalid(&srv, "POST", path, cadre, body, (const char *const[]){"text", NULL});
	free(body);
	free(long_text);
	json_t *many = json_array();
	for (int i = 0; i < 21; i++) {
		char u[ID_LEN];
		json_array_append_new(many, json_string(uuid_v4(u)));
	}
	body = jbody("{s:s, s:i, s:o}", "text", "进展", "percent", 10, "photo_ids", many);
	expect_invalid(&srv, "POST", path, cadre, body, (const char *const[]){"photo_ids", NULL});
	free(body);
	list = progress_list(cadre, task);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	/* The first report, by the assignee, with a client id; 2000 characters are fine. */
	char r1[ID_LEN], r2[ID_LEN], r3[ID_LEN], r4[ID_LEN];
	uuid_v4(r1);
	const char *text1 = "第一周：\n召开支部委员会，制定整改方案";
	body = jbody("{s:s, s:s, s:i, s:[]}", "id", r1, "text", text1, "percent", 20, "photo_ids");
	json_t *p1 = api_expect(&srv, "POST", path, cadre, body, 201);
	check_progress(p1, r1, task, crew.cast.cadre.user_id, "用户 cadre.a1", text1, 20);
	assert_int_equal(json_array_size(json_object_get(p1, "photo_ids")), 0);
	assert_int_equal(json_array_size(json_object_get(p1, "missing_photo_ids")), 0);
	/* Retried: the stored one; another body under its id: a conflict. */
	json_t *again = api_expect(&srv, "POST", path, cadre, body, 200);
	if (!json_equal(again, p1)) {
		char *a = json_dumps(again, JSON_COMPACT), *b = json_dumps(p1, JSON_COMPACT);
		fail_msg("retried report differs: %s vs %s", a, b);
	}
	json_decref(again);
	free(body);
	body = jbody("{s:s, s:s, s:i, s:[]}", "id", r1, "text", text1, "percent", 25, "photo_ids");
	expect_problem(&srv, "POST", path, cadre, body, 409, "id_conflict");
	free(body);
	body = jbody("{s:s, s:s, s:i, s:[]}", "id", r1, "text", "别的内容", "percent", 20, "photo_ids");
	expect_problem(&srv, "POST", path, cadre, body, 409, "id_conflict");
	free(body);

	/* The supervisor reports too, naming two photos not uploaded yet. */
	char pa[ID_LEN], pb[ID_LEN];
	uuid_v4(pa);
	uuid_v4(pb);
	uuid_v4(r2);
	body = jbody("{s:s, s:s, s:i, s:[s,s]}", "id", r2, "text", "镇党委督导检查", "percent", 40, "photo_ids", pa,
	             pb);
	json_t *p2 = api_expect(&srv, "POST", path, sup, body, 201);
	free(body);
	check_progress(p2, r2, task, crew.cast.supervisor.user_id, "用户 sup.a", "镇党委督导检查", 40);
	assert_string_set(json_object_get(p2, "photo_ids"), (const char *const[]){pa, pb, NULL}, "photo_ids");
	assert_string_set(json_object_get(p2, "missing_photo_ids"), (const char *const[]){pa, pb, NULL},
	                  "missing_photo_ids");
	json_decref(p2);
	/* The same percent again is fine; lower is not, whoever reports. */
	uuid_v4(r3);
	const char *text3 = "第二周：\n整理会议记录\n补齐党员档案";
	body = jbody("{s:s, s:s, s:i}", "id", r3, "text", text3, "percent", 40);
	json_t *p3 = api_expect(&srv, "POST", path, cadre, body, 201);
	free(body);
	check_progress(p3, r3, task, crew.cast.cadre.user_id, "用户 cadre.a1", text3, 40);
	json_decref(p3);
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"倒退\",\"percent\":30}",
	               (const char *const[]){"percent", NULL});
	expect_invalid(&srv, "POST", path, sup, "{\"text\":\"倒退\",\"percent\":39}",
	               (const char *const[]){"percent", NULL});
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"倒退\",\"percent\":0}",
	               (const char *const[]){"percent", NULL});

	/* The photos arrive: missing_photo_ids shrinks. pa linked to the report, pb unlinked. */
	char q[256];
	json_t *ph = photo_raw(cadre, pathf(q, sizeof q, "id=%s&progress_id=%s", pa, r2), 201, NULL, NULL);
	assert_string_equal(jstr(ph, "progress_id"), r2);
	json_decref(ph);
	list = progress_list(cadre, task);
	json_t *got2 = find_by(list, "id", r2);
	assert_non_null(got2);
	assert_string_set(json_object_get(got2, "missing_photo_ids"), (const char *const[]){pb, NULL},
	                  "missing_photo_ids after one upload");
	assert_string_set(json_object_get(got2, "photo_ids"), (const char *const[]){pa, pb, NULL}, "photo_ids");
	json_decref(list);
	json_decref(photo_raw(cadre, pathf(q, sizeof q, "id=%s", pb), 201, NULL, NULL));
	list = progress_list(sup, task);
	got2 = find_by(list, "id", r2);
	assert_non_null(got2);
	assert_int_equal(json_array_size(json_object_get(got2, "missing_photo_ids")), 0);
	json_decref(list);

	/* Who may report: the assignee and the supervisor (and admin); not another cadre, not viewers, not outsiders.
	 */
	const char *ok = "{\"text\":\"督查\",\"percent\":60}";
	expect_problem(&srv, "POST", path, cadre_b.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre_a2.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.sup_b.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.cast.viewer.access, ok, 404, "not_found");
	uuid_v4(r4);
	body = jbody("{s:s, s:s, s:i}", "id", r4, "text", "县委组织部抽查", "percent", 50);
	json_t *p4 = api_expect(&srv, "POST", path, admin, body, 201);
	free(body);
	check_progress(p4, r4, task, crew.cast.admin.user_id, admin_name, "县委组织部抽查", 50);
	json_decref(p4);

	/* The history, oldest first, for whoever sees the task. */
	list = progress_list(cadre, task);
	assert_ids(list, (const char *const[]){r1, r2, r3, r4, NULL}, "progress history");
	json_t *first = json_array_get(list, 0);
	check_progress(first, r1, task, crew.cast.cadre.user_id, "用户 cadre.a1", text1, 20);
	for (size_t i = 1; i < json_array_size(list); i++)
		if (strcmp(jstr(json_array_get(list, i - 1), "created_at"),
		           jstr(json_array_get(list, i), "created_at")) > 0)
			fail_msg("progress history out of created_at order at %zu", i);
	json_decref(list);
	list = progress_list(cadre_b.access, task);
	assert_int_equal(json_array_size(list), 4);
	json_decref(list);
	list = progress_list(crew.viewer_a.access, task);
	assert_int_equal(json_array_size(list), 4);
	json_decref(list);
	expect_problem(&srv, "GET", path, cadre_a2.access, NULL, 404, "not_found");
	expect_problem(&srv, "GET", path, crew.sup_b.access, NULL, 404, "not_found");
	t = task_get(cadre, task);
	assert_int_equal(jint(t, "progress_count"), 4);
	json_t *detail_progress = json_object_get(t, "progress");
	if (!json_is_array(detail_progress))
		fail_msg("GET /tasks/{id} has no progress array");
	assert_ids(detail_progress, (const char *const[]){r1, r2, r3, r4, NULL}, "task detail progress");
	json_decref(t);
	/* The inbox counts them as well. */
	json_t *inbox = api_expect(&srv, "GET", "/api/v1/me/tasks", cadre, NULL, 200);
	json_t *mine = find_by(json_object_get(inbox, "items"), "id", task);
	if (!mine)
		fail_msg("cadre.a1's inbox lacks task %s", task);
	assert_int_equal(jint(mine, "progress_count"), 4);
	json_decref(inbox);

	/* Only while in progress: not once submitted, nor returned. */
	t = task_do(cadre, task, "submit", NULL, 200); /* pa is an uploaded photo of its reports */
	assert_string_equal(jstr(t, "status"), "submitted");
	json_decref(t);
	expect_transition("POST", path, cadre, "{\"text\":\"补充\",\"percent\":70}", "add_progress");
	expect_transition("POST", path, sup, "{\"text\":\"补充\",\"percent\":70}", "add_progress");
	json_decref(task_do(sup, task, "return", "{\"reason\":\"会议记录不完整\"}", 200));
	expect_transition("POST", path, cadre, "{\"text\":\"补充\",\"percent\":70}", "add_progress");
	json_decref(task_do(cadre, task, "start", NULL, 200));
	/* Back in progress: still never below the latest (admin's 50). */
	expect_invalid(&srv, "POST", path, cadre, "{\"text\":\"返工\",\"percent\":45}",
	               (const char *const[]){"percent", NULL});
	json_decref(progress_add(cadre, task, "补齐会议记录", 80));
	list = progress_list(cadre, task);
	assert_int_equal(json_array_size(list), 5);
	assert_int_equal(jint(json_array_get(list, 4), "percent"), 80);
	json_decref(list);

	/* Unknown tasks, no token. */
	char upath[160];
	progress_path(unknown_id, upath, sizeof upath);
	expect_problem(&srv, "POST", upath, admin, ok, 404, "not_found");
	expect_problem(&srv, "GET", upath, admin, NULL, 404, "not_found");
	struct http_resp r;
	api_post(&srv, path, NULL, ok, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	json_decref(p1);
}

/* ---- photos linked to tasks and reports ------------------------------------------------------ */

static void check_links(const json_t *p, const char *task_id, const char *progress_id)
{
	assert_null_member(p, "inspection_id");
	assert_null_member(p, "finding_id");
	if (task_id)
		assert_string_equal(jstr(p, "task_id"), task_id);
	if (progress_id)
		assert_string_equal(jstr(p, "progress_id"), progress_id);
	else
		assert_null_member(p, "progress_id");
	if (!task_id) {
		/* linked through a report: task_id null (or, at most, the report's task) */
		if (!json_object_get(p, "task_id"))
			fail_msg("photo %s has no member task_id", jstr(p, "id"));
	}
}

static void test_photo_links(void **state)
{
	(void)state;
	char task[ID_LEN], verified[ID_LEN], q[256], path[160];
	json_decref(task_new(work_case(), crew.cast.cadre.user_id, "党员活动室挂牌", "2023-07-31", 1, task));
	json_decref(task_new(work_case(), crew.cast.cadre.user_id, "更新公示栏", "2023-07-31", 0, verified));
	json_decref(task_do(cadre, task, "start", NULL, 200));
	json_t *rep = progress_add(cadre, task, "已联系制作标牌", 10);
	char rid[ID_LEN];
	snprintf(rid, sizeof rid, "%s", jstr(rep, "id"));
	json_decref(rep);

	/* No photo yet: submit is incomplete. */
	struct http_resp r;
	api_post(&srv, pathf(path, sizeof path, "/api/v1/tasks/%s/submit", task), cadre, "{}", &r);
	assert_problem(&r, 409, "incomplete");
	json_t *pj = problem_json(&r);
	json_t *missing = json_object_get(pj, "missing");
	if (!json_is_array(missing) || !array_has(missing, "photo") || array_has(missing, "progress"))
		fail_msg("submit without photos: want missing [\"photo\"]: %s", buf_cstr(&r.body));
	json_decref(pj);
	http_resp_release(&r);

	/* The assignee links photos to the task (raw body) and to the report (form). */
	json_t *pt = photo_raw(cadre, pathf(q, sizeof q, "task_id=%s&caption=%s", task, "%E6%8C%82%E7%89%8C"), 201,
	                       NULL, NULL);
	check_links(pt, task, NULL);
	assert_string_equal(jstr(pt, "owner_id"), crew.cast.cadre.user_id);
	assert_string_equal(jstr(pt, "caption"), "挂牌");
	json_t *pr = photo_form(cadre, (const char *const[]){"progress_id", rid, NULL}, 201, NULL, NULL);
	check_links(pr, NULL, rid);
	/* The supervisor too (form, with a client id; retried: the same). */
	char sid[ID_LEN];
	uuid_v4(sid);
	json_t *ps = photo_form(sup, (const char *const[]){"id", sid, "task_id", task, NULL}, 201, NULL, NULL);
	check_links(ps, task, NULL);
	assert_string_equal(jstr(ps, "id"), sid);
	json_t *pt2 = photo_form(cadre, (const char *const[]){"task_id", task, NULL}, 201, NULL, NULL);
	check_links(pt2, task, NULL);
	json_decref(pt2);

	/* GET shows the links; whoever sees the task sees its photos. */
	const struct {
		const char *who, *token;
		long want;
	} viewers[] = {
	        {"cadre.a1 (assignee)", cadre, 200},
	        {"sup.a", sup, 200},
	        {"admin", admin, 200},
	        {"viewer.a (town A)", crew.viewer_a.access, 200},
	        {"cadre.a1b (same village)", cadre_b.access, 200},
	        {"sup.b (town B)", crew.sup_b.access, 404},
	        {"viewer.b (town B)", crew.cast.viewer.access, 404},
	        {"cadre.a2 (village A2)", cadre_a2.access, 404},
	};
	const json_t *photos[] = {pt, pr, ps};
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < sizeof viewers / sizeof viewers[0]; i++) {
			pathf(path, sizeof path, "/api/v1/photos/%s", jstr(photos[k], "id"));
			api_get(&srv, path, viewers[i].token, &r);
			if (r.status != viewers[i].want)
				fail_msg("GET %s (linked to %s) by %s: expected %ld, got %ld: %.300s", path,
				         k == 1 ? "the report" : "the task", viewers[i].who, viewers[i].want, r.status,
				         buf_cstr(&r.body));
			if (r.status == 200) {
				json_t *g = http_json(&r);
				if (k == 1)
					check_links(g, NULL, rid);
				else
					check_links(g, task, NULL);
				json_decref(g);
			} else {
				assert_problem(&r, 404, "not_found");
			}
			http_resp_release(&r);
		}
	/* The supervisor's photo, content too, for the assignee. */
	pathf(path, sizeof path, "/api/v1/photos/%s/content", sid);
	assert_int_equal(api_status(&srv, path, cadre), 200);

	/* Who may not link: another cadre of the village (403), outsiders (404), viewers (403). */
	pathf(q, sizeof q, "task_id=%s", task);
	photo_raw(cadre_b.access, q, 403, "forbidden", NULL);
	photo_raw(crew.viewer_a.access, q, 403, "forbidden", NULL);
	photo_raw(cadre_a2.access, q, 404, "not_found", NULL);
	photo_raw(crew.sup_b.access, q, 404, "not_found", NULL);
	photo_form(cadre_a2.access, (const char *const[]){"task_id", task, NULL}, 404, "not_found", NULL);
	photo_form(cadre_b.access, (const char *const[]){"progress_id", rid, NULL}, 403, "forbidden", NULL);
	photo_raw(cadre_a2.access, pathf(q, sizeof q, "progress_id=%s", rid), 404, "not_found", NULL);
	photo_raw(cadre, pathf(q, sizeof q, "task_id=%s", unknown_id), 404, "not_found", NULL);
	photo_raw(cadre, pathf(q, sizeof q, "progress_id=%s", unknown_id), 404, "not_found", NULL);
	/* One link at most; well-formed ids. A refused id stays free. */
	char refused[ID_LEN];
	uuid_v4(refused);
	photo_raw(cadre, pathf(q, sizeof q, "id=%s&task_id=%s&progress_id=%s", refused, task, rid), 422, NULL,
	          (const char *const[]){"task_id|progress_id", NULL});
	char insp_id[ID_LEN];
	json_decref(
	        inspection_create(&srv, crew.insp_city.access, crew.tree.village_a2, round_id, NULL, NULL, insp_id));
	photo_form(cadre, (const char *const[]){"task_id", task, "inspection_id", insp_id, NULL}, 422, NULL,
	           (const char *const[]){"task_id|inspection_id", NULL});
	photo_form(cadre, (const char *const[]){"progress_id", rid, "task_id", task, NULL}, 422, NULL,
	           (const char *const[]){"task_id|progress_id", NULL});
	photo_raw(cadre, "task_id=xyz", 422, NULL, (const char *const[]){"task_id", NULL});
	photo_raw(cadre, "progress_id=xyz", 422, NULL, (const char *const[]){"progress_id", NULL});
	expect_problem(&srv, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", refused), admin, NULL, 404,
	               "not_found");

	/* With a photo linked to the task, submit goes through; once verified, no more photos. */
	json_t *t = task_do(cadre, task, "submit", NULL, 200);
	assert_string_equal(jstr(t, "status"), "submitted");
	json_decref(t);
	json_decref(task_do(sup, task, "verify", NULL, 200));
	pathf(q, sizeof q, "task_id=%s", task);
	photo_raw(cadre, q, 409, "invalid_transition", NULL);
	photo_raw(sup, q, 409, "invalid_transition", NULL);
	photo_form(cadre, (const char *const[]){"progress_id", rid, NULL}, 409, "invalid_transition", NULL);
	/* A requires_photo=false task driven to verified refuses them the same way. */
	task_drive(verified, cadre, "verified");
	photo_form(sup, (const char *const[]){"task_id", verified, NULL}, 409, "invalid_transition", NULL);
	json_t *vlist = progress_list(cadre, verified);
	assert_int_equal(json_array_size(vlist), 1);
	photo_raw(cadre, pathf(q, sizeof q, "progress_id=%s", jstr(json_array_get(vlist, 0), "id")), 409,
	          "invalid_transition", NULL);
	json_decref(vlist);
	/* The photos already linked stay visible. */
	assert_int_equal(
	        api_status(&srv, pathf(path, sizeof path, "/api/v1/photos/%s", jstr(pt, "id")), cadre_b.access), 200);
	json_decref(pt);
	json_decref(pr);
	json_decref(ps);
}

/* ---- interviews ----------------------------------------------------------------------------- */

static const char *interviews_path(const char *case_id, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/rectifications/%s/interviews", case_id);
}

static void check_interview(const json_t *iv, const char *id, const char *case_id, const char *task_id,
                            const char *recorder_id, const char *recorder_name, const char *held_at_prefix)
{
	if (id)
		assert_string_equal(jstr(iv, "id"), id);
	assert_string_equal(jstr(iv, "rectification_id"), case_id);
	if (task_id)
		assert_string_equal(jstr(iv, "task_id"), task_id);
	else
		assert_null_member(iv, "task_id");
	assert_string_equal(jstr(iv, "recorded_by"), recorder_id);
	assert_string_equal(jstr(iv, "recorded_by_name"), recorder_name);
	const char *held = jstr(iv, "held_at");
	if (!held || strncmp(held, held_at_prefix, strlen(held_at_prefix)) != 0)
		fail_msg("held_at is %s, want %s…", held ? held : "(none)", held_at_prefix);
	assert_timestamp(jstr(iv, "created_at"));
}

static void test_interviews(void **state)
{
	(void)state;
	char ta[ID_LEN], tb[ID_LEN], path[160], tpath[160];
	const char *wc = work_case();
	json_decref(task_new(wc, crew.cast.cadre.user_id, "落实党员联系户制度", "2023-08-31", 0, ta));
	json_decref(task_new(wc, crew.cast.cadre.user_id, "整顿村务监督委员会", "2023-08-31", 0, tb));
	interviews_path(wc, path, sizeof path);
	json_t *t = task_get(sup, ta);
	assert_int_equal(jbool(t, "interviewed"), 0);
	json_decref(t);

	/* A closed case of A1 (2020) with a task of its own. */
	char closed[ID_LEN], tc[ID_LEN];
	case_open(crew.tree.village_a1, 2020, "换届后班子磨合不到位", closed);
	json_decref(task_new(closed, crew.cast.cadre.user_id, "健全议事规则", "2023-03-31", 0, tc));
	task_drive(tc, cadre, "verified");
	char cpath[160];
	json_decref(api_expect(&srv, "POST", pathf(cpath, sizeof cpath, "/api/v1/rectifications/%s/evaluate", closed),
	                       sup, "{}", 200));
	json_t *cc = api_expect(&srv, "POST", pathf(cpath, sizeof cpath, "/api/v1/rectifications/%s/close", closed),
	                        sup, "{\"result\":\"passed\",\"evaluation\":\"整改到位，群众满意\"}", 200);
	assert_string_equal(jstr(cc, "status"), "closed");
	json_decref(cc);

	/* Bad interviews, every bad field named. */
	expect_invalid(&srv, "POST", path, sup, "{}",
	               (const char *const[]){"person", "person_role", "held_at", "reason", "outcome", NULL});
	char *p51 = repeat_utf8("人", 51), *r1001 = repeat_utf8("因", 1001), *o2001 = repeat_utf8("果", 2001);
	char *body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "person", "", "person_role", p51, "held_at", "yesterday",
	                   "reason", r1001, "outcome", o2001, "colour", "red");
	expect_invalid(&srv, "POST", path, sup, body,
	               (const char *const[]){"person", "person_role", "held_at", "reason", "outcome", "colour", NULL});
	free(body);
	body = jbody("{s:s, s:s, s:s, s:s, s:s}", "person", p51, "person_role", "", "held_at", "2023-03-15", "reason",
	             "", "outcome", "");
	expect_invalid(&srv, "POST", path, sup, body,
	               (const char *const[]){"person", "person_role", "held_at", "reason", "outcome", NULL});
	free(body);
	free(p51);
	free(r1001);
	free(o2001);
	/* held_at tomorrow: in the future. */
	char future[32];
	utc_stamp(86400, future, sizeof future);
	const char *fmt = "{s:s, s:s, s:s, s:s, s:s}";
	body = jbody(fmt, "person", "王强", "person_role", "村党支部书记", "held_at", future, "reason", "工作滞后",
	             "outcome", "限期整改");
	expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"held_at", NULL});
	free(body);
	/* task_id: a task of this case only. */
	const char *bad_tasks[] = {tc, unknown_id, "xyz"};
	for (size_t i = 0; i < 3; i++) {
		body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "task_id", bad_tasks[i], "person", "王强", "person_role",
		             "村党支部书记", "held_at", "2023-03-15T01:30:00Z", "reason", "工作滞后", "outcome",
		             "限期整改");
		expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"task_id", NULL});
		free(body);
	}
	json_t *list = as_list(api_expect(&srv, "GET", path, sup, NULL, 200), path);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	/* The supervisor records one about task A, with a client id. */
	char i1[ID_LEN], i2[ID_LEN];
	uuid_v4(i1);
	const char *reason = "党员联系户制度落实滞后，群众反映强烈";
	const char *outcome = "当面指出问题，责成一个月内整改到位";
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", i1, "task_id", ta, "person", "王强", "person_role",
	             "村党支部书记", "held_at", "2023-03-15T01:30:00Z", "reason", reason, "outcome", outcome);
	json_t *iv1 = api_expect(&srv, "POST", path, sup, body, 201);
	check_interview(iv1, i1, wc, ta, crew.cast.supervisor.user_id, "用户 sup.a", "2023-03-15T01:30:00");
	assert_string_equal(jstr(iv1, "person"), "王强");
	assert_string_equal(jstr(iv1, "person_role"), "村党支部书记");
	assert_string_equal(jstr(iv1, "reason"), reason);
	assert_string_equal(jstr(iv1, "outcome"), outcome);
	/* Retried: the same; another body under its id: a conflict. */
	json_t *again = api_expect(&srv, "POST", path, sup, body, 200);
	assert_true(json_equal(again, iv1));
	json_decref(again);
	free(body);
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", i1, "task_id", ta, "person", "王强", "person_role",
	             "村党支部书记", "held_at", "2023-03-15T01:30:00Z", "reason", reason, "outcome", "另一种结果");
	expect_problem(&srv, "POST", path, sup, body, 409, "id_conflict");
	free(body);

	/* Admin records one without a task, held_at with an offset (09:00 in Shanghai). */
	uuid_v4(i2);
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", i2, "person", "李明", "person_role", "村委会主任",
	             "held_at", "2023-03-18T09:00:00+08:00", "reason", "村务公开不及时", "outcome", "作出书面检查");
	json_t *iv2 = api_expect(&srv, "POST", path, admin, body, 201);
	free(body);
	check_interview(iv2, i2, wc, NULL, crew.cast.admin.user_id, admin_name, "2023-03-18T01:00:00");
	json_decref(iv2);

	/* Nobody else records them. */
	const char *ok = "{\"person\":\"王强\",\"person_role\":\"村党支部书记\",\"held_at\":\"2023-03-16T01:00:00Z\","
	                 "\"reason\":\"滞后\",\"outcome\":\"提醒\"}";
	expect_problem(&srv, "POST", path, cadre, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre_b.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.sup_b.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.cast.viewer.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, cadre_a2.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", interviews_path(unknown_id, tpath, sizeof tpath), admin, ok, 404, "not_found");
	/* A closed case takes none. */
	expect_transition("POST", interviews_path(closed, tpath, sizeof tpath), sup, ok, "add_interview");

	/* The list, oldest first. */
	list = as_list(api_expect(&srv, "GET", path, sup, NULL, 200), path);
	assert_ids(list, (const char *const[]){i1, i2, NULL}, "interviews");
	assert_true(json_equal(json_array_get(list, 0), iv1));
	json_decref(list);
	list = as_list(api_expect(&srv, "GET", path, cadre, NULL, 200), path);
	assert_ids(list, (const char *const[]){i1, i2, NULL}, "interviews read by the village's cadre");
	json_decref(list);
	expect_problem(&srv, "GET", path, crew.sup_b.access, NULL, 404, "not_found");
	list = as_list(api_expect(&srv, "GET", interviews_path(closed, tpath, sizeof tpath), sup, NULL, 200), tpath);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);

	/* Task A is interviewed now, task B not: on the task, in the case's lists, in the inbox. */
	t = task_get(cadre, ta);
	assert_int_equal(jbool(t, "interviewed"), 1);
	json_decref(t);
	t = task_get(sup, tb);
	assert_int_equal(jbool(t, "interviewed"), 0);
	json_decref(t);
	json_t *detail =
	        api_expect(&srv, "GET", pathf(tpath, sizeof tpath, "/api/v1/rectifications/%s", wc), sup, NULL, 200);
	json_t *dtasks = json_object_get(detail, "tasks");
	if (!find_by(dtasks, "id", ta) || !find_by(dtasks, "id", tb))
		fail_msg("the case detail lacks tasks A and B");
	assert_int_equal(jbool(find_by(dtasks, "id", ta), "interviewed"), 1);
	assert_int_equal(jbool(find_by(dtasks, "id", tb), "interviewed"), 0);
	json_t *divs = json_object_get(detail, "interviews");
	if (!json_is_array(divs))
		fail_msg("the case detail has no interviews array");
	assert_ids(divs, (const char *const[]){i1, i2, NULL}, "case detail interviews");
	json_decref(detail);
	json_t *tl = as_list(api_expect(&srv, "GET", pathf(tpath, sizeof tpath, "/api/v1/rectifications/%s/tasks", wc),
	                                sup, NULL, 200),
	                     tpath);
	assert_int_equal(jbool(find_by(tl, "id", ta), "interviewed"), 1);
	assert_int_equal(jbool(find_by(tl, "id", tb), "interviewed"), 0);
	json_decref(tl);
	json_t *inbox = api_expect(&srv, "GET", "/api/v1/me/tasks?status=assigned", cadre, NULL, 200);
	json_t *items = json_object_get(inbox, "items");
	if (!find_by(items, "id", ta) || !find_by(items, "id", tb))
		fail_msg("cadre.a1's inbox lacks tasks A and B");
	assert_int_equal(jbool(find_by(items, "id", ta), "interviewed"), 1);
	assert_int_equal(jbool(find_by(items, "id", tb), "interviewed"), 0);
	json_decref(inbox);
	json_decref(iv1);
}

/* ---- findings to tasks ---------------------------------------------------------------------- */

static const char *rectify_path(const char *finding, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/findings/%s/rectify", finding);
}

static json_t *finding_get(const char *id)
{
	char path[128];
	return api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/findings/%s", id), admin, NULL, 200);
}

/* A manual finding on inspection insp by insp.city; its id into id. */
static void finding_new(const char *insp, const char *description, char id[ID_LEN])
{
	char path[160];
	char *body = jbody("{s:s, s:s}", "severity", "high", "description", description);
	json_t *f = api_expect(&srv, "POST", inspection_path(insp, "/findings", path, sizeof path),
	                       crew.insp_city.access, body, 201);
	free(body);
	snprintf(id, ID_LEN, "%s", jstr(f, "id"));
	json_decref(f);
}

static void test_rectify_finding(void **state)
{
	(void)state;
	/* An approved inspection of A1 with four manual findings. */
	char insp[ID_LEN], f1[ID_LEN], f2[ID_LEN], f3[ID_LEN], f4[ID_LEN], path[160], q[256];
	json_decref(inspection_create(&srv, crew.insp_city.access, crew.tree.village_a1, round_id, NULL, NULL, insp));
	char *desc1 = repeat_utf8("问", 250); /* the default title keeps the first 200 characters */
	char *title1 = repeat_utf8("问", 200);
	finding_new(insp, desc1, f1);
	finding_new(insp, "党员活动室未挂牌", f2);
	finding_new(insp, "三会一课记录不全", f3);
	finding_new(insp, "村务公开栏内容过期", f4);
	json_decref(inspection_complete_submit(&srv, crew.insp_city.access, insp, tpl));
	json_decref(inspection_action(&srv, sup, insp, "approve", "{}", 200));
	json_t *f = finding_get(f1);
	assert_null_member(f, "task_id");
	json_decref(f);
	pathf(q, sizeof q, "/api/v1/rectifications?org_id=%s&year=2023", crew.tree.village_a1);
	assert_int_equal(api_count(&srv, q, admin), 0);

	/* Refusals leave the finding and the org untouched. */
	rectify_path(f1, path, sizeof path);
	char *ok = jbody("{s:s, s:s}", "assignee_id", crew.cast.cadre.user_id, "due_date", "2023-05-31");
	expect_problem(&srv, "POST", path, crew.sup_b.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.cast.viewer.access, ok, 404, "not_found");
	expect_problem(&srv, "POST", path, crew.viewer_a.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, cadre, ok, 403, "forbidden");
	expect_problem(&srv, "POST", path, crew.insp_city.access, ok, 403, "forbidden");
	expect_problem(&srv, "POST", rectify_path(unknown_id, q, sizeof q), admin, ok, 404, "not_found");
	expect_invalid(&srv, "POST", path, sup, "{}", (const char *const[]){"assignee_id", "due_date", NULL});
	char *body =
	        jbody("{s:s, s:s, s:s}", "assignee_id", cadre_a2.user_id, "due_date", "2023-02-30", "colour", "red");
	expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"assignee_id", "due_date", "colour", NULL});
	free(body);
	body = jbody("{s:s, s:s}", "assignee_id", crew.cast.supervisor.user_id, "due_date", "2023/05/31");
	expect_invalid(&srv, "POST", path, sup, body, (const char *const[]){"assignee_id", "due_date", NULL});
	free(body);
	f = finding_get(f1);
	assert_null_member(f, "task_id");
	json_decref(f);
	pathf(q, sizeof q, "/api/v1/rectifications?org_id=%s&year=2023", crew.tree.village_a1);
	assert_int_equal(api_count(&srv, q, admin), 0);

	/* No case this year: one is opened from the finding. */
	char t1[ID_LEN], case1[ID_LEN];
	uuid_v4(t1);
	char *body1 =
	        jbody("{s:s, s:s, s:s}", "id", t1, "assignee_id", crew.cast.cadre.user_id, "due_date", "2023-05-31");
	json_t *res = api_expect(&srv, "POST", path, sup, body1, 201);
	json_t *c = json_object_get(res, "rectification"), *t = json_object_get(res, "task");
	if (!json_is_object(c) || !json_is_object(t))
		fail_msg("rectify: no {rectification, task}");
	snprintf(case1, sizeof case1, "%s", jstr(c, "id"));
	assert_string_equal(jstr(c, "org_id"), crew.tree.village_a1);
	assert_string_equal(jstr(c, "org_name"), "东山村");
	assert_int_equal(jint(c, "year"), 2023);
	assert_string_equal(jstr(c, "source"), "finding");
	assert_string_equal(jstr(c, "finding_id"), f1);
	assert_string_equal(jstr(c, "reason"), desc1);
	assert_string_equal(jstr(c, "status"), "open");
	assert_int_equal(jint(json_object_get(c, "task_counts"), "total"), 1);
	assert_int_equal(jint(json_object_get(c, "task_counts"), "assigned"), 1);
	check_task_shape(t);
	assert_string_equal(jstr(t, "id"), t1);
	assert_string_equal(jstr(t, "rectification_id"), case1);
	assert_string_equal(jstr(t, "org_id"), crew.tree.village_a1);
	assert_string_equal(jstr(t, "title"), title1);
	assert_string_equal(jstr(t, "finding_id"), f1);
	assert_string_equal(jstr(t, "assignee_id"), crew.cast.cadre.user_id);
	assert_string_equal(jstr(t, "due_date"), "2023-05-31");
	assert_string_equal(jstr(t, "status"), "assigned");
	assert_int_equal(jbool(t, "requires_photo"), 1);
	assert_int_equal(jbool(t, "overdue"), 0);
	/* Retried: 200, the same task in the same case. */
	json_t *res2 = api_expect(&srv, "POST", path, sup, body1, 200);
	assert_string_equal(jstr(json_object_get(res2, "rectification"), "id"), case1);
	if (!json_equal(json_object_get(res2, "task"), t)) {
		char *a = json_dumps(json_object_get(res2, "task"), JSON_COMPACT), *b = json_dumps(t, JSON_COMPACT);
		fail_msg("retried rectify: task %s, first %s", a, b);
	}
	json_decref(res2);
	json_decref(res);
	/* Once more under another task id, or none, or the same id with another body: already rectified. */
	char t1b[ID_LEN];
	uuid_v4(t1b);
	const char *again_bodies[3];
	char *b1 =
	        jbody("{s:s, s:s, s:s}", "id", t1b, "assignee_id", crew.cast.cadre.user_id, "due_date", "2023-05-31");
	char *b2 = jbody("{s:s, s:s}", "assignee_id", crew.cast.cadre.user_id, "due_date", "2023-06-30");
	again_bodies[0] = b1;
	again_bodies[1] = b2;
	for (size_t i = 0; i < 2; i++) {
		struct http_resp r;
		api_post(&srv, path, sup, again_bodies[i], &r);
		assert_problem(&r, 409, "already_rectified");
		json_t *p = problem_json(&r);
		assert_string_equal(jstr(p, "task_id"), t1);
		json_decref(p);
		http_resp_release(&r);
	}
	char *b3 = jbody("{s:s, s:s, s:s}", "id", t1, "assignee_id", crew.cast.cadre.user_id, "due_date", "2023-06-30");
	struct http_resp r;
	api_post(&srv, path, sup, b3, &r);
	if (r.status != 409)
		fail_msg("POST %s %s (same task id, another due date): expected 409, got %ld: %s", path, b3, r.status,
		         buf_cstr(&r.body));
	http_resp_release(&r);
	free(b1);
	free(b2);
	free(b3);
	free(body1);
	/* The finding points at its task; its siblings at none. */
	f = finding_get(f1);
	assert_string_equal(jstr(f, "task_id"), t1);
	json_decref(f);
	json_t *fl = api_list_all(&srv, inspection_path(insp, "/findings", q, sizeof q), sup, 50);
	assert_string_equal(jstr(find_by(fl, "id", f1), "task_id"), t1);
	assert_null_member(find_by(fl, "id", f2), "task_id");
	json_decref(fl);
	t = task_get(cadre, t1);
	assert_string_equal(jstr(t, "finding_id"), f1);
	json_decref(t);

	/* A second finding reuses the open case (its case fields are for a new case only). */
	char t2[ID_LEN];
	body = jbody("{s:s, s:s, s:s, s:s, s:b, s:{s:s}}", "assignee_id", crew.cast.cadre.user_id, "due_date",
	             "2023-04-30", "title", "整改：党员活动室挂牌", "detail", "按标准制作并悬挂标牌", "requires_photo",
	             0, "case", "reason", "另一个理由");
	res = api_expect(&srv, "POST", rectify_path(f2, q, sizeof q), admin, body, 201);
	free(body);
	c = json_object_get(res, "rectification");
	t = json_object_get(res, "task");
	assert_string_equal(jstr(c, "id"), case1);
	assert_string_equal(jstr(c, "reason"), desc1);
	assert_string_equal(jstr(c, "finding_id"), f1);
	assert_int_equal(jint(json_object_get(c, "task_counts"), "total"), 2);
	assert_string_equal(jstr(t, "title"), "整改：党员活动室挂牌");
	assert_string_equal(jstr(t, "detail"), "按标准制作并悬挂标牌");
	assert_string_equal(jstr(t, "finding_id"), f2);
	assert_int_equal(jbool(t, "requires_photo"), 0);
	snprintf(t2, sizeof t2, "%s", jstr(t, "id"));
	json_decref(res);
	f = finding_get(f2);
	assert_string_equal(jstr(f, "task_id"), t2);
	json_decref(f);
	json_t *detail =
	        api_expect(&srv, "GET", pathf(q, sizeof q, "/api/v1/rectifications/%s", case1), cadre, NULL, 200);
	json_t *dt = json_object_get(detail, "tasks");
	assert_int_equal(json_array_size(dt), 2);
	assert_string_equal(jstr(find_by(dt, "id", t1), "finding_id"), f1);
	assert_string_equal(jstr(find_by(dt, "id", t2), "finding_id"), f2);
	json_decref(detail);
	pathf(q, sizeof q, "/api/v1/rectifications?org_id=%s&year=2023", crew.tree.village_a1);
	assert_int_equal(api_count(&srv, q, admin), 1);

	/* Both tasks verified and the case under evaluation: no new tasks from findings. */
	json_decref(task_do(cadre, t1, "start", NULL, 200));
	json_decref(progress_add(cadre, t1, "整改完成", 100));
	json_decref(photo_raw(cadre, pathf(q, sizeof q, "task_id=%s", t1), 201, NULL, NULL));
	json_decref(task_do(cadre, t1, "submit", NULL, 200));
	json_decref(task_do(sup, t1, "verify", NULL, 200));
	task_drive(t2, cadre, "verified");
	json_decref(api_expect(&srv, "POST", pathf(q, sizeof q, "/api/v1/rectifications/%s/evaluate", case1), sup, "{}",
	                       200));
	char *ok3 = jbody("{s:s, s:s}", "assignee_id", crew.cast.cadre.user_id, "due_date", "2023-09-30");
	expect_transition("POST", rectify_path(f3, q, sizeof q), sup, ok3, "add_task");
	f = finding_get(f3);
	assert_null_member(f, "task_id");
	json_decref(f);

	/* Closed: the next finding opens a new case, with the given case fields. */
	json_decref(api_expect(&srv, "POST", pathf(q, sizeof q, "/api/v1/rectifications/%s/close", case1), sup,
	                       "{\"result\":\"passed\",\"evaluation\":\"整改到位\"}", 200));
	body = jbody("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s, s:s, s:s}}}", "assignee_id", crew.cast.cadre.user_id,
	             "due_date", "2023-09-30", "case", "reason", "三会一课长期不规范", "plan",
	             "一、建章立制\n二、按月检查", "four_ones", "contact_leader", "李书记", "town_leader", "王镇长",
	             "first_secretary", "赵书记", "paired_unit", "市委组织部");
	res = api_expect(&srv, "POST", rectify_path(f3, q, sizeof q), sup, body, 201);
	free(body);
	c = json_object_get(res, "rectification");
	t = json_object_get(res, "task");
	assert_string_not_equal(jstr(c, "id"), case1);
	assert_int_equal(jint(c, "year"), 2023);
	assert_string_equal(jstr(c, "source"), "finding");
	assert_string_equal(jstr(c, "finding_id"), f3);
	assert_string_equal(jstr(c, "reason"), "三会一课长期不规范");
	assert_string_equal(jstr(c, "plan"), "一、建章立制\n二、按月检查");
	assert_string_equal(jstr(c, "status"), "open");
	json_t *fo = json_object_get(c, "four_ones");
	assert_string_equal(jstr(fo, "contact_leader"), "李书记");
	assert_string_equal(jstr(fo, "town_leader"), "王镇长");
	assert_string_equal(jstr(fo, "first_secretary"), "赵书记");
	assert_string_equal(jstr(fo, "paired_unit"), "市委组织部");
	assert_string_equal(jstr(t, "title"), "三会一课记录不全");
	assert_string_equal(jstr(t, "finding_id"), f3);
	json_decref(res);
	pathf(q, sizeof q, "/api/v1/rectifications?org_id=%s&year=2023", crew.tree.village_a1);
	assert_int_equal(api_count(&srv, q, admin), 2);
	/* A rectified finding stays so, whatever its case became. */
	expect_problem(&srv, "POST", rectify_path(f1, q, sizeof q), sup, ok3, 409, "already_rectified");
	free(ok3);
	free(ok);
	free(desc1);
	free(title1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_inbox),           cmocka_unit_test(test_progress),
	        cmocka_unit_test(test_photo_links),     cmocka_unit_test(test_interviews),
	        cmocka_unit_test(test_rectify_finding), cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_tasks_inbox", tests, group_setup, group_teardown);
}
