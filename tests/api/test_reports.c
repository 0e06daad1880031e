/*
 * Reports (issue 7, section 1) through the real binary: GET
 * /api/v1/reports/ranking (the town ranking on a fixture whose every number
 * is worked out by hand below: the mean of approved inspections' score.total
 * by the year of their round, tasks verified on time or late by the local
 * date of verified_at, overdue tasks against the pinned test clock, the
 * composite, ranks with ties broken by town name in code point order,
 * recommended for the first ceil(n/2)), the year filter and its default in
 * Asia/Shanghai, /reports/overdue (days overdue against the pinned clock and
 * its midnight, interviews, ordering) and /reports/orgs-status (counts and
 * list), each role's scope, bad parameters, and the exports: CSV (UTF-8 BOM,
 * CRLF, the Chinese header row, RFC 4180 quoting, formula neutralising,
 * Content-Type and Content-Disposition, by Accept or ?format=csv) and XLSX
 * (unzipped: sheet1.xml and sharedStrings.xml, numbers as number cells).
 *
 * The fixture (the clock pinned to 2023-06-15 12:00 in Shanghai):
 *
 *   东山镇 (town A)  A1 东山村, A2 南岭村; approved 2023 inspections 100.0
 *                   (A1) and 86.0 (A2) in round 2023-03; A1 87.0 in round
 *                   2022-11 (started 2023-01-05: the round's month counts);
 *                   a submitted (not approved) one and one of the group
 *                   东山村一组 (not a village) that do not count.
 *                   2023 tasks: T1 verified at 23:30 local on its due day
 *                   (on time), T2 verified at 00:10 local the day after (late),
 *                   T3 in progress due 06-10 (overdue 5 days), T4 due 06-30,
 *                   T5 due 2099 verified, T6 returned due 06-14 (overdue 1
 *                   day, 2 interviews). 2022: T7 due 2022-12-31 (1 interview).
 *   西湖街道 (town B) B1: approved 87.0 in round 2023-05; no 2023 tasks; 2022
 *                   tasks Bx due 2022-06-30 and By due 2023-06-15 (today).
 *   北湖镇 (town C)  C1 北湖村 (no category), C2 白沙村: a round-less approved
 *                   100.0 started 2022-08-10; a 2023 case with two tasks
 *                   verified on time, closed (C1 normal again).
 *   安宁镇 (town D)  D1 安宁村 (code "-d1", weak): nothing.
 *   柳河镇 (town E)  E1 柳河村（"新区",东片）: a 2023 case with 11 tasks due
 *                   06-01, none verified (titles that need CSV quoting or
 *                   neutralising).
 *
 * Composite = 0.6 × score + 0.3 × rate (100 without tasks) − 0.1 × min(100,
 * 10 × overdue):
 *   2023  西湖街道 0.6×87 + 30 = 82.20; 东山镇 0.6×93 + 0.3×(2/6×100) − 2 =
 *         63.80; 北湖镇 0 + 0.3×100 = 30.00; 安宁镇 0 + 30 = 30.00 (the tie:
 *         北 U+5317 < 安 U+5B89, though pinyin says an < bei); 柳河镇 0 + 0 −
 *         0.1×min(100, 110) = −10.00. Recommended: the first 3 of 5.
 *   2022  北湖镇 60 + 30 = 90.00; 东山镇 0.6×87 + 0 − 1 = 51.20; 安宁镇,
 *         柳河镇 30.00; 西湖街道 0 + 0 − 1 = −1.00.
 *   2024  everyone 30.00, in name order: 东山镇 (U+4E1C), 北湖镇, 安宁镇,
 *         柳河镇 (U+67F3), 西湖街道 (U+897F).
 *
 * If the server does not stamp verified_at with the pinned clock, T1 is late
 * by its real verification date: then 东山镇 has 1 of 6 on time, 16.67 and
 * 0.6×93 + 0.3×(100/6) − 2 = 58.80 (noted on stderr; see the report).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;
static char round_a23[ID_LEN];          /* sup.a's round 2023-03: A1, A2 */
static const char *sup, *admin, *cadre; /* sup.a, admin, cadre.a1 */
static struct tokens cadre_a2, cadre_c1, cadre_e1, viewer_city;
static char cadre_b1_id[ID_LEN];
static char town_c[ID_LEN], town_d[ID_LEN], town_e[ID_LEN];
static char vil_c1[ID_LEN], vil_c2[ID_LEN], vil_d1[ID_LEN], vil_e1[ID_LEN];
static int verify_follows_clock; /* verified_at took the pinned clock */
static char cross_due[11];       /* the UTC date when the fixture was built: TX's due date */
static int cross_on_time;        /* TX's verified_at is on or before it in local time */
static int d1_year;              /* the year of D1's round-less inspection without started_at */

#define CLOCK_BASE "2023-06-15T12:00:00+08:00"
#define E1_NAME    "柳河村（\"新区\",东片）"

/* The tasks the overdue report is about. */
static char case_a1_23[ID_LEN], case_a2_23[ID_LEN], case_a1_22[ID_LEN], case_b1_22[ID_LEN], case_c1_23[ID_LEN],
        case_e1_23[ID_LEN];
static char t1[ID_LEN], t2[ID_LEN], t3[ID_LEN], t4[ID_LEN], t5[ID_LEN], t6[ID_LEN], t7[ID_LEN], tbx[ID_LEN],
        tby[ID_LEN], tc1[ID_LEN], tc2[ID_LEN];

/* Town E's eleven tasks: client ids in this (the report's) order, created in
 * the reverse order. Titles that the CSV must quote or neutralise. */
enum { E_TASKS = 11 };
static char e_title[E_TASKS][128];
static const char *const e_title_want[E_TASKS] = {
        "整改\"三会一课\",含逗号",
        "=HYPERLINK(\"http://evil.example/\",\"点击\")",
        "+8613800000000 联系人",
        "-落实党员积分制",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "健全村务监督委员会",
        "规范党组织换届",
        "建立\"四议两公开\"台账",
        "整改台账,问题清单,责任清单",
        "第一行\n第二行",
        "\t制表符开头",
};
static const char *const e_title_fallback[E_TASKS] = {[9] = "完善村规民约（单行）", [10] = "完善议事规则（单行）"};
static const char *const e_status[E_TASKS] = {"assigned", "assigned",  "assigned",    "assigned",
                                              "assigned", "submitted", "in_progress", "assigned",
                                              "assigned", "assigned",  "assigned"};
static char e_id[E_TASKS][ID_LEN];

/* ---- small helpers -------------------------------------------------------------------------- */

/* (No libm: the API tests do not link it.) */
static double dabs(double x)
{
	return x < 0 ? -x : x;
}

static int near(double a, double b)
{
	return dabs(a - b) < 0.001;
}

static void pin_clock(const char *now)
{
	char *body = now ? jbody("{s:s}", "now", now) : jbody("{s:n}", "now");
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", admin, body, NULL, &r);
	if (r.status != 200 && r.status != 204)
		fail_msg("PUT /api/v1/_test/clock %s: %ld %.300s", body, r.status, buf_cstr(&r.body));
	http_resp_release(&r);
	free(body);
}

static int repin_base(void **state)
{
	(void)state;
	pin_clock(CLOCK_BASE);
	return 0;
}

/* A GET with extra headers (may be NULL); the response is the caller's. */
static void report_get(const char *path, const char *bearer, const char *accept, struct http_resp *r)
{
	char h[160];
	const char *headers[2] = {NULL, NULL};
	if (accept) {
		snprintf(h, sizeof h, "Accept: %s", accept);
		headers[0] = h;
	}
	api_call(&srv, "GET", path, bearer, NULL, accept ? headers : NULL, r);
}

/* 200 application/json; the body parsed. */
static json_t *report_json(const char *path, const char *bearer, const char *accept)
{
	struct http_resp r;
	report_get(path, bearer, accept, &r);
	if (r.status != 200)
		fail_msg("GET %s%s%s: expected 200, got %ld: %.600s", path, accept ? " Accept: " : "",
		         accept ? accept : "", r.status, buf_cstr(&r.body));
	char ct[128] = "";
	http_header(&r, "Content-Type", ct, sizeof ct);
	if (strncasecmp(ct, "application/json", 16) != 0)
		fail_msg("GET %s: Content-Type %s, want application/json", path, ct);
	json_t *j = http_json(&r);
	http_resp_release(&r);
	return j;
}

static void expect_status_problem(const char *path, const char *bearer, long status, const char *code, const char *who)
{
	struct http_resp r;
	api_get(&srv, path, bearer, &r);
	if (r.status != status)
		fail_msg("GET %s as %s: expected %ld %s, got %ld: %.400s", path, who, status, code, r.status,
		         buf_cstr(&r.body));
	if (status == 401)
		assert_unauthorized(&r);
	else
		assert_problem(&r, status, code);
	http_resp_release(&r);
}

/* The member is JSON null (and present). */
static int is_null_member(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return v && json_is_null(v);
}

/* A JSON integer member equal to want. */
static void assert_int_member(const json_t *o, const char *key, long long want, const char *what)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) != want)
		fail_msg("%s: %s is %s, want %lld", what, key, v ? json_dumps(v, JSON_ENCODE_ANY) : "(absent)", want);
}

static void assert_str_member(const json_t *o, const char *key, const char *want, const char *what)
{
	const char *v = jstr(o, key);
	if (!v || strcmp(v, want) != 0)
		fail_msg("%s: %s is \"%s\", want \"%s\"", what, key, v ? v : "(absent or not a string)", want);
}

/* A number member (want_null: it must be null) near want. */
static void assert_num_member(const json_t *o, const char *key, int want_null, double want, const char *what)
{
	json_t *v = json_object_get(o, key);
	if (want_null) {
		if (!v || !json_is_null(v))
			fail_msg("%s: %s is %s, want null", what, key, v ? json_dumps(v, JSON_ENCODE_ANY) : "(absent)");
		return;
	}
	if (!json_is_number(v) || !near(json_number_value(v), want))
		fail_msg("%s: %s is %s, want %.2f", what, key, v ? json_dumps(v, JSON_ENCODE_ANY) : "(absent)", want);
	double cents = json_number_value(v) * 100.0;
	double whole = (double)(long long)(cents < 0 ? cents - 0.5 : cents + 0.5);
	if (dabs(cents - whole) > 1e-6)
		fail_msg("%s: %s = %.6f is not rounded to 2 decimals", what, key, json_number_value(v));
}

static void assert_bool_member(const json_t *o, const char *key, int want, const char *what)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_boolean(v) || json_is_true(v) != want)
		fail_msg("%s: %s is %s, want %s", what, key, v ? json_dumps(v, JSON_ENCODE_ANY) : "(absent)",
		         want ? "true" : "false");
}

/* The local (Asia/Shanghai, UTC+8) date of an RFC 3339 UTC timestamp. */
static void local_date_of(const char *ts, char out[11])
{
	struct tm tm = {0};
	if (!ts || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	                  &tm.tm_sec) != 6)
		fail_msg("not a timestamp: %s", ts ? ts : "(null)");
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm) + 8 * 3600;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- fixture helpers ------------------------------------------------------------------------ */

/* Complete answers: full marks, except every item of dimension zero_dim (may
 * be NULL) at level 0 (none of those dimensions has number items). */
static json_t *answers_zeroing(const char *zero_dim)
{
	json_t *items = template_items(tpl), *out = json_array();
	size_t i, dl = zero_dim ? strlen(zero_dim) : 0;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *code = jstr(it, "code");
		int zero = zero_dim && strncmp(code, zero_dim, dl) == 0 && code[dl] == '.';
		json_array_append_new(out, answer_make(it, zero ? 0 : 2, 1));
	}
	json_decref(items);
	return out;
}

/*
 * insp.city's inspection of org (round may be NULL: round-less with the
 * template; started may be NULL), submitted; approved by approver unless
 * NULL. Checks score.total against want_total (hand-computed). Returns 0, or
 * -1 when the create was refused with 422 and may_refuse is set.
 */
static int inspection_make(const char *org, const char *round, const char *started, const char *zero_dim,
                           double want_total, const char *approver, int may_refuse, char *created_at)
{
	json_t *answers = answers_zeroing(zero_dim);
	json_t *body = json_pack("{s:s, s:O}", "org_id", org, "answers", answers);
	if (round)
		json_object_set_new(body, "round_id", json_string(round));
	else
		json_object_set_new(body, "template_id", json_string(QIQIANG_TEMPLATE_ID));
	if (started)
		json_object_set_new(body, "started_at", json_string(started));
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	json_decref(answers);
	struct http_resp r;
	api_post(&srv, "/api/v1/inspections", crew.insp_city.access, text, &r);
	if (r.status == 422 && may_refuse) {
		fprintf(stderr, "note: POST /api/v1/inspections on %s refused (%.200s); that case is left out\n", org,
		        buf_cstr(&r.body));
		http_resp_release(&r);
		free(text);
		return -1;
	}
	if (r.status != 201)
		fail_msg("POST /api/v1/inspections %.200s: %ld %.400s", text, r.status, buf_cstr(&r.body));
	free(text);
	json_t *o = http_json(&r);
	http_resp_release(&r);
	char id[ID_LEN];
	snprintf(id, sizeof id, "%s", jstr(o, "id"));
	if (created_at)
		snprintf(created_at, 32, "%s", jstr(o, "created_at") ? jstr(o, "created_at") : "");
	json_decref(o);
	o = inspection_action(&srv, crew.insp_city.access, id, "submit", NULL, 200);
	double total = jnum(json_object_get(json_object_get(o, "score"), "total"));
	if (!near(total, want_total))
		fail_msg("inspection of %s (zeroing %s): score.total %.2f, hand-computed %.1f", org,
		         zero_dim ? zero_dim : "nothing", total, want_total);
	json_decref(o);
	if (approver) {
		o = inspection_action(&srv, approver, id, "approve", NULL, 200);
		assert_string_equal(jstr(o, "status"), "approved");
		json_decref(o);
	}
	return 0;
}

static void case_open(const char *bearer, const char *org, int year, char id[ID_LEN])
{
	char *body = jbody("{s:s, s:i, s:s, s:s}", "org_id", org, "year", year, "reason", "软弱涣散，限期整顿",
	                   "source", "annual");
	json_t *c = api_expect(&srv, "POST", "/api/v1/rectifications", bearer, body, 201);
	free(body);
	snprintf(id, ID_LEN, "%s", jstr(c, "id"));
	json_decref(c);
}

/* A task (requires_photo false) with an optional client id; returns the
 * status (201, or what the server said); id gets the task's id. */
static long task_add(const char *bearer, const char *case_id, const char *client_id, const char *title,
                     const char *assignee, const char *due, char id[ID_LEN], int must)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:b}", "title", title, "assignee_id", assignee, "due_date", due,
	                      "requires_photo", 0);
	if (client_id)
		json_object_set_new(b, "id", json_string(client_id));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	char path[160];
	struct http_resp r;
	api_post(&srv, pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", case_id), bearer, text, &r);
	long st = r.status;
	if (st != 201 && must)
		fail_msg("POST %s %s: %ld %.400s", path, text, st, buf_cstr(&r.body));
	if (st == 201) {
		json_t *t = http_json(&r);
		snprintf(id, ID_LEN, "%s", jstr(t, "id"));
		json_decref(t);
	}
	http_resp_release(&r);
	free(text);
	return st;
}

static json_t *task_do(const char *bearer, const char *id, const char *action, const char *body)
{
	char path[160];
	return api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/%s", id, action), bearer,
	                  body ? body : "{}", 200);
}

static void task_submit(const char *assignee, const char *id)
{
	char path[160];
	json_decref(task_do(assignee, id, "start", NULL));
	json_decref(api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/progress", id), assignee,
	                       "{\"text\":\"已按要求完成\",\"percent\":100}", 201));
	json_decref(task_do(assignee, id, "submit", NULL));
}

/* Verifies as verifier; returns verified_at's local date in out. */
static void task_verify(const char *verifier, const char *id, char out[11])
{
	json_t *t = task_do(verifier, id, "verify", NULL);
	assert_string_equal(jstr(t, "status"), "verified");
	json_decref(t);
	char path[128];
	t = api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/tasks/%s", id), admin, NULL, 200);
	local_date_of(jstr(t, "verified_at"), out);
	json_decref(t);
}

static void interview_add(const char *case_id, const char *task_id, const char *held_at)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person", "王强", "person_role", "村党支部书记", "held_at",
	                      held_at, "reason", "整改任务逾期", "outcome", "限期整改到位");
	if (task_id)
		json_object_set_new(b, "task_id", json_string(task_id));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	char path[160];
	json_decref(api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/interviews", case_id),
	                       sup, text, 201));
	free(text);
}

static void login_user(const char *username, const char *role, const char *org, struct tokens *t, char *id)
{
	api_create_user(&srv, admin, username, role, org, FIXTURE_PASSWORD, id);
	if (t)
		api_login_ok(&srv, username, FIXTURE_PASSWORD, t);
}

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_a23);
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
	cadre = crew.cast.cadre.access;
	const char *city = crew.tree.city;

	/* Three more towns. */
	api_create_org(&srv, admin, "town-c", "北湖镇", "town", city, NULL, town_c);
	api_create_org(&srv, admin, "town-d", "安宁镇", "town", city, NULL, town_d);
	api_create_org(&srv, admin, "town-e", "柳河镇", "town", city, NULL, town_e);
	api_create_org(&srv, admin, "vil-c1", "北湖村", "village", town_c, NULL, vil_c1);
	api_create_org(&srv, admin, "vil-c2", "白沙村", "village", town_c, NULL, vil_c2);
	char *body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", "-d1", "name", "安宁村", "level", "village",
	                   "parent_id", town_d, "category", "pilot", "status", "weak");
	json_t *o = api_expect(&srv, "POST", "/api/v1/orgs", admin, body, 201);
	free(body);
	snprintf(vil_d1, sizeof vil_d1, "%s", jstr(o, "id"));
	assert_string_equal(jstr(o, "status"), "weak");
	json_decref(o);
	api_create_org(&srv, admin, "vil-e1", E1_NAME, "village", town_e, "breakthrough", vil_e1);

	login_user("cadre.a2", "cadre", crew.tree.village_a2, &cadre_a2, NULL);
	login_user("cadre.b1", "cadre", crew.tree.village_b1, NULL, cadre_b1_id);
	login_user("cadre.c1", "cadre", vil_c1, &cadre_c1, NULL);
	login_user("cadre.e1", "cadre", vil_e1, &cadre_e1, NULL);
	login_user("viewer.city", "viewer", city, &viewer_city, NULL);

	pin_clock(CLOCK_BASE);

	/* ---- inspections ---- */
	char round_a22[ID_LEN], round_b23[ID_LEN];
	json_decref(round_create(&srv, sup, "2022-11", "2022年11月月观摩",
	                         (const char *const[]){crew.tree.village_a1, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, round_a22));
	json_decref(round_create(&srv, crew.sup_b.access, "2023-05", "2023年5月月观摩",
	                         (const char *const[]){crew.tree.village_b1, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, round_b23));
	inspection_make(crew.tree.village_a1, round_a23, NULL, NULL, 100.0, sup, 0, NULL);
	inspection_make(crew.tree.village_a2, round_a23, NULL, "leading_goose", 86.0, sup, 0, NULL);
	inspection_make(crew.tree.village_a1, round_a22, "2023-01-05T02:00:00Z", "grassroots_support", 87.0, sup, 0,
	                NULL);
	inspection_make(crew.tree.village_a2, NULL, "2023-04-01T02:00:00Z", NULL, 100.0, NULL, 0, NULL); /* submitted */
	inspection_make(crew.tree.group_a1, NULL, "2023-04-02T02:00:00Z", "grassroots_support", 87.0, sup, 1, NULL);
	inspection_make(crew.tree.village_b1, round_b23, NULL, "grassroots_support", 87.0, crew.sup_b.access, 0, NULL);
	inspection_make(vil_c1, NULL, "2022-08-10T02:00:00Z", NULL, 100.0, admin, 0, NULL);
	/* Round-less without started_at: the year of created_at (real time; skipped at a New Year where the
	 * UTC and the local year differ). */
	char created[32];
	inspection_make(vil_d1, NULL, NULL, NULL, 100.0, admin, 0, created);
	char created_local[11];
	local_date_of(created, created_local);
	d1_year = strncmp(created, created_local, 4) == 0 ? atoi(created_local) : 0;

	/* ---- town A's tasks ---- */
	const char *ca1 = crew.cast.cadre.user_id, *ca2 = cadre_a2.user_id;
	case_open(sup, crew.tree.village_a1, 2023, case_a1_23);
	task_add(sup, case_a1_23, NULL, "规范“三会一课”制度", ca1, "2023-05-31", t1, 1);
	task_add(sup, case_a1_23, NULL, "建立党员联系户台账", ca1, "2023-05-31", t2, 1);
	task_add(sup, case_a1_23, NULL, "整顿村务公开栏", ca1, "2023-06-10", t3, 1);
	task_submit(cadre, t1);
	task_submit(cadre, t2);
	json_decref(task_do(cadre, t3, "start", NULL));
	char d1[11], d2[11];
	pin_clock("2023-05-31T15:30:00Z"); /* 23:30 on the due day in Shanghai */
	task_verify(sup, t1, d1);
	pin_clock("2023-05-31T16:10:00Z"); /* 00:10 the next day in Shanghai, still 05-31 in UTC */
	task_verify(sup, t2, d2);
	pin_clock(CLOCK_BASE);
	verify_follows_clock = strcmp(d1, "2023-05-31") == 0;
	if (!verify_follows_clock)
		fprintf(stderr,
		        "NOTE: verified_at does not follow the pinned test clock (T1 verified with the clock at "
		        "2023-05-31T15:30:00Z has the local date %s): T1 counts as late\n",
		        d1);
	if (strcmp(d2, "2023-05-31") <= 0)
		fail_msg("T2's verified_at has the local date %s, after its due date 2023-05-31 expected", d2);

	case_open(sup, crew.tree.village_a2, 2023, case_a2_23);
	task_add(sup, case_a2_23, NULL, "健全组织生活制度", ca2, "2023-06-30", t4, 1);
	task_add(sup, case_a2_23, NULL, "发展年轻党员", ca2, "2099-12-31", t5, 1);
	task_add(sup, case_a2_23, NULL, "落实“四议两公开”", ca2, "2023-06-14", t6, 1);
	json_decref(task_do(cadre_a2.access, t4, "start", NULL));
	task_submit(cadre_a2.access, t5);
	char d5[11];
	task_verify(sup, t5, d5);
	task_submit(cadre_a2.access, t6);
	json_decref(task_do(sup, t6, "return", "{\"reason\":\"材料不全，请补充\"}"));
	interview_add(case_a2_23, t6, "2023-06-12T02:00:00Z");
	interview_add(case_a2_23, t6, "2023-06-14T09:00:00+08:00");
	interview_add(case_a2_23, NULL, "2023-06-13T02:00:00Z");

	/* A1's case of 2021: task TX due on today's UTC date (real time), verified now. Between 16:00 and
	 * 24:00 UTC the local date is already the next day: then TX is late, though on time in UTC. */
	char case_a1_21[ID_LEN], tx[ID_LEN], dx[11];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(cross_due, sizeof cross_due, "%Y-%m-%d", &tm);
	case_open(sup, crew.tree.village_a1, 2021, case_a1_21);
	task_add(sup, case_a1_21, NULL, "跨日验收任务", ca1, cross_due, tx, 1);
	task_submit(cadre, tx);
	task_verify(sup, tx, dx);
	cross_on_time = strcmp(dx, cross_due) <= 0;
	fprintf(stderr, "note: TX due %s (UTC date) verified on the local date %s: %s%s\n", cross_due, dx,
	        cross_on_time ? "on time" : "late",
	        strcmp(dx, cross_due) != 0 ? "" : " (the local and UTC dates agree now: not the boundary case)");

	case_open(sup, crew.tree.village_a1, 2022, case_a1_22);
	task_add(sup, case_a1_22, NULL, "完善村级议事规则", ca1, "2022-12-31", t7, 1);
	interview_add(case_a1_22, t7, "2023-06-01T02:00:00Z");

	/* ---- town B: 2022 only ---- */
	case_open(crew.sup_b.access, crew.tree.village_b1, 2022, case_b1_22);
	task_add(crew.sup_b.access, case_b1_22, NULL, "整顿软弱涣散班子", cadre_b1_id, "2022-06-30", tbx, 1);
	task_add(crew.sup_b.access, case_b1_22, NULL, "选优配强村党组织书记", cadre_b1_id, "2023-06-15", tby, 1);

	/* ---- town C: two tasks verified on time, the case closed ---- */
	case_open(admin, vil_c1, 2023, case_c1_23);
	task_add(admin, case_c1_23, NULL, "规范村级财务管理", cadre_c1.user_id, "2099-12-31", tc1, 1);
	task_add(admin, case_c1_23, NULL, "建设党群服务中心", cadre_c1.user_id, "2099-12-31", tc2, 1);
	char dc[11];
	task_submit(cadre_c1.access, tc1);
	task_verify(admin, tc1, dc);
	task_submit(cadre_c1.access, tc2);
	task_verify(admin, tc2, dc);
	char path[160];
	json_decref(api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/evaluate", case_c1_23),
	                       admin, "{}", 200));
	o = api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/close", case_c1_23), admin,
	               "{\"result\":\"passed\",\"evaluation\":\"整改到位\"}", 200);
	assert_string_equal(jstr(o, "status"), "closed");
	json_decref(o);

	/* ---- town E: eleven overdue tasks, created last id first ---- */
	case_open(admin, vil_e1, 2023, case_e1_23);
	for (int k = E_TASKS - 1; k >= 0; k--) {
		char cid[ID_LEN];
		snprintf(cid, sizeof cid, "e0000000-0000-4000-8000-0000000000%02d", k + 1);
		snprintf(e_title[k], sizeof e_title[k], "%s", e_title_want[k]);
		long st = task_add(admin, case_e1_23, cid, e_title[k], cadre_e1.user_id, "2023-06-01", e_id[k],
		                   e_title_fallback[k] == NULL);
		if (st != 201) {
			fprintf(stderr, "note: a task title %s was refused (%ld); using a single-line one\n",
			        k == 9 ? "with a line break" : "starting with TAB", st);
			snprintf(e_title[k], sizeof e_title[k], "%s", e_title_fallback[k]);
			task_add(admin, case_e1_23, cid, e_title[k], cadre_e1.user_id, "2023-06-01", e_id[k], 1);
		}
		assert_string_equal(e_id[k], cid);
	}
	task_submit(cadre_e1.access, e_id[5]);
	json_decref(task_do(cadre_e1.access, e_id[6], "start", NULL));
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
	pin_clock(NULL);
	assert_int_equal(server_stop(&srv), 0);
}

/* ---- CSV and XLSX ------------------------------------------------------------------------- */

/* What the CSV must show for a text cell: formula neutralising. */
static void neutralised(const char *s, char *out, size_t outlen)
{
	if (s[0] && strchr("=+-@\t\r", s[0]))
		snprintf(out, outlen, "'%s", s);
	else
		snprintf(out, outlen, "%s", s);
}

/* Expected rows: arrays of json null (empty cell), numbers or strings. */
static void check_csv(const struct http_resp *r, const char *what, const char *const *header, const json_t *want_rows)
{
	json_t *rows = csv_body_rows(r, what);
	size_t ncols = 0;
	while (header[ncols])
		ncols++;
	if (json_array_size(rows) != json_array_size(want_rows) + 1)
		fail_msg("%s: %zu CSV lines, want the header and %zu rows:\n%s", what, json_array_size(rows),
		         json_array_size(want_rows), buf_cstr(&r->body));
	json_t *h = json_array_get(rows, 0);
	if (json_array_size(h) != ncols)
		fail_msg("%s: the header row has %zu columns, want %zu: %s", what, json_array_size(h), ncols,
		         json_dumps(h, JSON_COMPACT));
	for (size_t c = 0; c < ncols; c++)
		if (strcmp(json_string_value(json_array_get(h, c)), header[c]) != 0)
			fail_msg("%s: header column %zu is \"%s\", want \"%s\"", what, c + 1,
			         json_string_value(json_array_get(h, c)), header[c]);
	for (size_t i = 0; i < json_array_size(want_rows); i++) {
		json_t *got = json_array_get(rows, i + 1), *want = json_array_get(want_rows, i);
		if (json_array_size(got) != ncols)
			fail_msg("%s: line %zu has %zu fields, want %zu: %s", what, i + 2, json_array_size(got), ncols,
			         json_dumps(got, JSON_COMPACT));
		for (size_t c = 0; c < ncols; c++) {
			const char *cell = json_string_value(json_array_get(got, c));
			json_t *w = json_array_get(want, c);
			if (json_is_null(w)) {
				if (*cell)
					fail_msg("%s: line %zu %s is \"%s\", want an empty cell", what, i + 2,
					         header[c], cell);
			} else if (json_is_number(w)) {
				char *end = NULL;
				double v = strtod(cell, &end);
				if (!*cell || *end || !near(v, json_number_value(w)))
					fail_msg("%s: line %zu %s is \"%s\", want the number %g", what, i + 2,
					         header[c], cell, json_number_value(w));
			} else {
				char want_s[512];
				neutralised(json_string_value(w), want_s, sizeof want_s);
				if (strcmp(cell, want_s) != 0)
					fail_msg("%s: line %zu %s is \"%s\", want \"%s\"", what, i + 2, header[c], cell,
					         want_s);
			}
		}
	}
	json_decref(rows);
}

static void check_csv_headers(const struct http_resp *r, const char *what, const char *filename)
{
	if (r->status != 200)
		fail_msg("%s: expected 200, got %ld: %.400s", what, r->status, buf_cstr(&r->body));
	char v[256] = "";
	http_header(r, "Content-Type", v, sizeof v);
	if (strcasecmp(v, "text/csv; charset=utf-8") != 0)
		fail_msg("%s: Content-Type \"%s\", want \"text/csv; charset=utf-8\"", what, v);
	char want[160];
	snprintf(want, sizeof want, "attachment; filename=\"%s\"", filename);
	v[0] = '\0';
	http_header(r, "Content-Disposition", v, sizeof v);
	if (strcmp(v, want) != 0)
		fail_msg("%s: Content-Disposition \"%s\", want \"%s\"", what, v, want);
}

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Appends the XML text s..e unescaped. */
static void xml_text(struct buf *b, const char *s, const char *e)
{
	while (s < e) {
		if (*s != '&') {
			buf_addc(b, *s++);
			continue;
		}
		const char *semi = memchr(s, ';', (size_t)(e - s));
		if (!semi)
			fail_msg("a bad XML entity");
		size_t len = (size_t)(semi - s) + 1;
		if (len == 5 && strncmp(s, "&amp;", 5) == 0)
			buf_addc(b, '&');
		else if (len == 4 && strncmp(s, "&lt;", 4) == 0)
			buf_addc(b, '<');
		else if (len == 4 && strncmp(s, "&gt;", 4) == 0)
			buf_addc(b, '>');
		else if (len == 6 && strncmp(s, "&quot;", 6) == 0)
			buf_addc(b, '"');
		else if (len == 6 && strncmp(s, "&apos;", 6) == 0)
			buf_addc(b, '\'');
		else if (s[1] == '#') {
			unsigned long cp = s[2] == 'x' ? strtoul(s + 3, NULL, 16) : strtoul(s + 2, NULL, 10);
			if (cp < 0x80) {
				buf_addc(b, (char)cp);
			} else if (cp < 0x800) {
				buf_addc(b, (char)(0xc0 | cp >> 6));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else if (cp < 0x10000) {
				buf_addc(b, (char)(0xe0 | cp >> 12));
				buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else {
				buf_addc(b, (char)(0xf0 | cp >> 18));
				buf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
				buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			}
		} else {
			fail_msg("an unknown XML entity %.*s", (int)len, s);
		}
		s = semi + 1;
	}
}

/* The next "<tag" followed by '>', ' ' or '/' at or after p, before end. */
static const char *find_tag(const char *p, const char *end, const char *tag)
{
	size_t tl = strlen(tag);
	while (p && p < end) {
		const char *q = strstr(p, tag);
		if (!q || q >= end)
			return NULL;
		char c = q[tl];
		if (c == '>' || c == ' ' || c == '/')
			return q;
		p = q + tl;
	}
	return NULL;
}

/* The shared strings, in order (text of every <t> of each <si>). */
static json_t *sst_parse(const char *xml)
{
	json_t *out = json_array();
	const char *end = xml + strlen(xml), *p = xml;
	while ((p = find_tag(p, end, "<si")) != NULL) {
		const char *close = strstr(p, "</si>");
		const char *selfclose = strchr(p, '>');
		struct buf t = BUF_INIT;
		if (selfclose && selfclose[-1] == '/' && (!close || selfclose < close)) {
			json_array_append_new(out, json_string(""));
			p = selfclose + 1;
			continue;
		}
		if (!close)
			fail_msg("sharedStrings.xml: an <si> without </si>");
		const char *q = p;
		while ((q = find_tag(q, close, "<t")) != NULL) {
			const char *gt = strchr(q, '>');
			if (gt[-1] == '/') {
				q = gt + 1;
				continue;
			}
			const char *te = strstr(gt, "</t>");
			if (!te || te > close)
				fail_msg("sharedStrings.xml: a <t> without </t>");
			xml_text(&t, gt + 1, te);
			q = te + 4;
		}
		json_t *s = json_stringn(t.data ? t.data : "", t.len);
		if (!s)
			fail_msg("sharedStrings.xml: a string that is not UTF-8");
		json_array_append_new(out, s);
		buf_release(&t);
		p = close + 5;
	}
	return out;
}

struct xlsx {
	char *sheet, *sst_xml;
	json_t *sst;
};

static void xlsx_open(const struct http_resp *r, const char *what, const char *name_prefix, struct xlsx *x)
{
	if (r->status != 200)
		fail_msg("%s: expected 200, got %ld: %.400s", what, r->status, buf_cstr(&r->body));
	char v[256] = "";
	http_header(r, "Content-Type", v, sizeof v);
	if (strcasecmp(v, XLSX_TYPE) != 0)
		fail_msg("%s: Content-Type \"%s\", want %s", what, v, XLSX_TYPE);
	v[0] = '\0';
	http_header(r, "Content-Disposition", v, sizeof v);
	char want[96];
	snprintf(want, sizeof want, "attachment; filename=\"%s", name_prefix);
	size_t vl = strlen(v);
	if (strncmp(v, want, strlen(want)) != 0 || vl < 6 || strcmp(v + vl - 6, ".xlsx\"") != 0)
		fail_msg("%s: Content-Disposition \"%s\", want %s….xlsx\"", what, v, want);
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c >= 0x80)
			fail_msg("%s: a filename that is not ASCII: %s", what, v);
	if (r->body.len < 4 || memcmp(r->body.data, "PK\x03\x04", 4) != 0)
		fail_msg("%s: the body is not a zip archive", what);
	x->sheet = zip_member(&r->body, "xl/worksheets/sheet1.xml", what);
	x->sst_xml = zip_member(&r->body, "xl/sharedStrings.xml", what);
	x->sst = sst_parse(x->sst_xml);
}

static void xlsx_close(struct xlsx *x)
{
	free(x->sheet);
	free(x->sst_xml);
	json_decref(x->sst);
}

enum { CELL_NONE, CELL_NUM, CELL_STR };

/* The cell at ref: its kind and text (the caller frees *text). */
static int xlsx_cell(const struct xlsx *x, const char *ref, char **text)
{
	char pat[32];
	snprintf(pat, sizeof pat, " r=\"%s\"", ref);
	const char *p = x->sheet, *c = NULL;
	while ((p = strstr(p, pat)) != NULL) {
		const char *lt = p;
		while (lt > x->sheet && *lt != '<')
			lt--;
		if (strncmp(lt, "<c ", 3) == 0) {
			c = lt;
			break;
		}
		p += strlen(pat);
	}
	*text = strdup("");
	if (!c)
		return CELL_NONE;
	const char *gt = strchr(c, '>');
	if (!gt || gt[-1] == '/')
		return CELL_NONE;
	char type[16] = "n";
	const char *t = strstr(c, " t=\"");
	if (t && t < gt)
		sscanf(t + 4, "%15[^\"]", type);
	const char *ce = strstr(gt, "</c>");
	if (!ce)
		fail_msg("sheet1.xml: cell %s without </c>", ref);
	struct buf b = BUF_INIT;
	if (strcmp(type, "inlineStr") == 0) {
		const char *ts = find_tag(gt, ce, "<t");
		if (ts) {
			const char *tg = strchr(ts, '>'), *te = strstr(tg, "</t>");
			xml_text(&b, tg + 1, te);
		}
		free(*text);
		*text = buf_detach(&b, NULL);
		if (!*text)
			*text = strdup("");
		fail_msg("sheet1.xml: cell %s is an inline string (\"%s\"), not a shared string", ref, *text);
	}
	const char *vs = strstr(gt, "<v>");
	if (!vs || vs > ce)
		return CELL_NONE;
	const char *ve = strstr(vs, "</v>");
	xml_text(&b, vs + 3, ve);
	char *v = buf_detach(&b, NULL);
	if (!v)
		v = strdup("");
	free(*text);
	if (strcmp(type, "s") == 0) {
		char *end;
		long idx = strtol(v, &end, 10);
		json_t *s = json_array_get(x->sst, (size_t)idx);
		if (*end || !json_is_string(s))
			fail_msg("sheet1.xml: cell %s names shared string %s of %zu", ref, v, json_array_size(x->sst));
		free(v);
		*text = strdup(json_string_value(s));
		return CELL_STR;
	}
	*text = v;
	if (strcmp(type, "n") == 0)
		return CELL_NUM;
	if (strcmp(type, "str") == 0)
		fail_msg("sheet1.xml: cell %s is a formula string", ref);
	return CELL_STR; /* b, e: unexpected, shown as text */
}

/* Checks the header row and the rows of a report's sheet. */
static void check_xlsx(const struct xlsx *x, const char *what, const char *const *header, const json_t *want_rows)
{
	size_t ncols = 0;
	while (header[ncols])
		ncols++;
	char ref[16], *text;
	for (size_t c = 0; c < ncols; c++) {
		snprintf(ref, sizeof ref, "%c1", (char)('A' + c));
		int k = xlsx_cell(x, ref, &text);
		if (k != CELL_STR || strcmp(text, header[c]) != 0)
			fail_msg("%s: header cell %s is \"%s\" (kind %d), want the shared string \"%s\"", what, ref,
			         text, k, header[c]);
		free(text);
		int found = 0;
		for (size_t i = 0; i < json_array_size(x->sst); i++)
			found |= strcmp(json_string_value(json_array_get(x->sst, i)), header[c]) == 0;
		if (!found)
			fail_msg("%s: sharedStrings.xml lacks \"%s\"", what, header[c]);
	}
	for (size_t i = 0; i < json_array_size(want_rows); i++) {
		json_t *want = json_array_get(want_rows, i);
		for (size_t c = 0; c < ncols; c++) {
			snprintf(ref, sizeof ref, "%c%zu", (char)('A' + c), i + 2);
			int k = xlsx_cell(x, ref, &text);
			json_t *w = json_array_get(want, c);
			if (json_is_null(w)) {
				if (k != CELL_NONE && *text)
					fail_msg("%s: cell %s (%s) is \"%s\", want an empty cell", what, ref, header[c],
					         text);
			} else if (json_is_number(w)) {
				char *end = NULL;
				double v = strtod(text, &end);
				if (k != CELL_NUM || !*text || *end || !near(v, json_number_value(w)))
					fail_msg("%s: cell %s (%s) is \"%s\" (kind %d), want the number cell %g", what,
					         ref, header[c], text, k, json_number_value(w));
			} else {
				const char *ws = json_string_value(w);
				/* Neutralising is the CSV's; a leading ' is tolerated here. */
				int ok = k == CELL_STR && (strcmp(text, ws) == 0 ||
				                           (text[0] == '\'' && ws[0] && strchr("=+-@\t\r", ws[0]) &&
				                            strcmp(text + 1, ws) == 0));
				if (!ok)
					fail_msg("%s: cell %s (%s) is \"%s\" (kind %d), want the string \"%s\"", what,
					         ref, header[c], text, k, ws);
			}
			free(text);
		}
	}
	/* Nothing after the last row. */
	snprintf(ref, sizeof ref, "A%zu", json_array_size(want_rows) + 2);
	int k = xlsx_cell(x, ref, &text);
	if (k != CELL_NONE)
		fail_msg("%s: a cell %s (\"%s\") after the %zu rows", what, ref, text, json_array_size(want_rows));
	free(text);
}

/* ---- the ranking ---------------------------------------------------------------------------- */

static const char *const RANK_HEADER[] = {"排名",       "镇（街道）",    "观摩平均分", "观摩次数", "整改任务数",
                                          "按期验收数", "按期验收率(%)", "逾期任务数", "综合得分", "推荐",
                                          NULL};

struct rank_want {
	const char *town_id, *town;
	int has_score;
	double score;
	int inspections, tasks, on_time;
	int has_rate;
	double rate;
	int overdue;
	double composite;
};

/* Checks items against want (in rank order; n towns). */
static void check_ranking(const json_t *body, int year, const struct rank_want *want, size_t n, const char *what)
{
	assert_int_member(body, "year", year, what);
	const char *formula = jstr(body, "formula");
	int chinese = 0;
	for (const char *f = formula; f && *f; f++)
		chinese |= (unsigned char)*f >= 0x80;
	if (!formula || !chinese)
		fail_msg("%s: no formula text in Chinese (%s)", what, formula ? formula : "absent");
	json_t *items = json_object_get(body, "items");
	if (!json_is_array(items) || json_array_size(items) != n)
		fail_msg("%s: %zu items, want %zu: %s", what, json_array_size(items), n,
		         json_dumps(items, JSON_COMPACT));
	if (json_object_get(body, "next_cursor") && !json_is_null(json_object_get(body, "next_cursor")))
		fail_msg("%s: the ranking is paginated", what);
	size_t rec = (n + 1) / 2;
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		char w[200];
		snprintf(w, sizeof w, "%s: item %zu (%s)", what, i + 1, want[i].town);
		assert_int_member(it, "rank", (long long)i + 1, w);
		assert_str_member(it, "org_id", want[i].town_id, w);
		assert_str_member(it, "org_name", want[i].town, w);
		assert_num_member(it, "inspection_score", !want[i].has_score, want[i].score, w);
		assert_int_member(it, "inspections", want[i].inspections, w);
		assert_int_member(it, "tasks", want[i].tasks, w);
		assert_int_member(it, "tasks_verified_on_time", want[i].on_time, w);
		assert_num_member(it, "on_time_rate", !want[i].has_rate, want[i].rate, w);
		assert_int_member(it, "overdue_tasks", want[i].overdue, w);
		assert_num_member(it, "composite", 0, want[i].composite, w);
		assert_bool_member(it, "recommended", i < rec, w);
	}
}

/* The rows a CSV / XLSX of want shows. */
static json_t *ranking_rows(const struct rank_want *want, size_t n)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct rank_want *w = &want[i];
		json_array_append_new(rows,
		                      json_pack("[i, s, o, i, i, i, o, i, f, s]", (int)i + 1, w->town,
		                                w->has_score ? json_real(w->score) : json_null(), w->inspections,
		                                w->tasks, w->on_time, w->has_rate ? json_real(w->rate) : json_null(),
		                                w->overdue, w->composite, i < (n + 1) / 2 ? "是" : "否"));
	}
	return rows;
}

/* 2023, as admin (or any caller seeing every town). */
static void ranking_2023(struct rank_want out[5])
{
	const struct rank_want a_pinned = {crew.tree.town_a, "东山镇", 1, 93.0, 2, 6, 2, 1, 33.33, 2, 63.80};
	const struct rank_want a_late = {crew.tree.town_a, "东山镇", 1, 93.0, 2, 6, 1, 1, 16.67, 2, 58.80};
	out[0] = (struct rank_want){crew.tree.town_b, "西湖街道", 1, 87.0, 1, 0, 0, 0, 0, 0, 82.20};
	out[1] = verify_follows_clock ? a_pinned : a_late;
	out[2] = (struct rank_want){town_c, "北湖镇", 0, 0, 0, 2, 2, 1, 100.0, 0, 30.00};
	out[3] = (struct rank_want){town_d, "安宁镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00};
	out[4] = (struct rank_want){town_e, "柳河镇", 0, 0, 0, 11, 0, 1, 0.0, 11, -10.00};
}

static void test_ranking(void **state)
{
	(void)state;
	struct rank_want w23[5];
	ranking_2023(w23);
	json_t *j = report_json("/api/v1/reports/ranking?year=2023", admin, NULL);
	check_ranking(j, 2023, w23, 5, "admin's ranking of 2023");
	/* The members, exactly. */
	static const char *const keys[] = {"rank",
	                                   "org_id",
	                                   "org_name",
	                                   "inspection_score",
	                                   "inspections",
	                                   "tasks",
	                                   "tasks_verified_on_time",
	                                   "on_time_rate",
	                                   "overdue_tasks",
	                                   "composite",
	                                   "recommended",
	                                   NULL};
	json_t *first = json_array_get(json_object_get(j, "items"), 0);
	for (const char *const *k = keys; *k; k++)
		if (!json_object_get(first, *k))
			fail_msg("a ranking item without %s", *k);
	if (json_object_size(first) != sizeof keys / sizeof keys[0] - 1)
		fail_msg("a ranking item with other members: %s", json_dumps(first, JSON_COMPACT));
	/* The default year is the pinned clock's local year; format=json and Accept JSON are the same. */
	json_t *d = report_json("/api/v1/reports/ranking", admin, NULL);
	if (!json_equal(d, j))
		fail_msg("GET /reports/ranking without year differs from year=2023:\n%s\n%s",
		         json_dumps(d, JSON_COMPACT), json_dumps(j, JSON_COMPACT));
	json_decref(d);
	d = report_json("/api/v1/reports/ranking?year=2023&format=json", admin, NULL);
	assert_true(json_equal(d, j));
	json_decref(d);
	d = report_json("/api/v1/reports/ranking?year=2023", admin, "application/json");
	assert_true(json_equal(d, j));
	json_decref(d);
	/* A root viewer sees the same. */
	d = report_json("/api/v1/reports/ranking?year=2023", viewer_city.access, NULL);
	check_ranking(d, 2023, w23, 5, "viewer.city's ranking of 2023");
	json_decref(d);
	json_decref(j);
}

static void test_ranking_years(void **state)
{
	(void)state;
	const struct rank_want w22[5] = {
	        {town_c, "北湖镇", 1, 100.0, 1, 0, 0, 0, 0, 0, 90.00},
	        {crew.tree.town_a, "东山镇", 1, 87.0, 1, 1, 0, 1, 0.0, 1, 51.20},
	        {town_d, "安宁镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	        {town_e, "柳河镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	        {crew.tree.town_b, "西湖街道", 0, 0, 0, 2, 0, 1, 0.0, 1, -1.00},
	};
	json_t *j = report_json("/api/v1/reports/ranking?year=2022", admin, NULL);
	check_ranking(j, 2022, w22, 5, "the ranking of 2022");
	json_decref(j);
	const struct rank_want w24[5] = {
	        {crew.tree.town_a, "东山镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	        {town_c, "北湖镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	        {town_d, "安宁镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	        {town_e, "柳河镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	        {crew.tree.town_b, "西湖街道", 0, 0, 0, 0, 0, 0, 0, 0, 30.00},
	};
	j = report_json("/api/v1/reports/ranking?year=2024", admin, NULL);
	check_ranking(j, 2024, w24, 5, "the ranking of 2024 (nothing yet: name order)");
	json_decref(j);
	j = report_json("/api/v1/reports/ranking?year=2000", admin, NULL);
	assert_int_member(j, "year", 2000, "year=2000");
	json_decref(j);
	j = report_json("/api/v1/reports/ranking?year=2100", admin, NULL);
	assert_int_member(j, "year", 2100, "year=2100");
	json_decref(j);

	/* Bad years and formats: 422 naming the parameter. */
	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?year=1999", "year"},    {"?year=2101", "year"},    {"?year=abc", "year"},
	        {"?year=2023x", "year"},   {"?year=20230", "year"},   {"?year=2023.5", "year"},
	        {"?format=pdf", "format"}, {"?format=xls", "format"}, {"?year=2023&format=txt", "format"},
	};
	char path[160];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/reports/ranking%s", bad[i].query), admin,
		               NULL, (const char *const[]){bad[i].field, NULL});

	/* The default year is the local one (UTC+8). */
	pin_clock("2023-12-31T15:59:59Z"); /* 23:59:59 on 2023-12-31 in Shanghai */
	j = report_json("/api/v1/reports/ranking", admin, NULL);
	assert_int_member(j, "year", 2023, "the default year at 2023-12-31T15:59:59Z");
	json_decref(j);
	pin_clock("2023-12-31T16:00:00Z"); /* 2024-01-01 00:00 in Shanghai */
	j = report_json("/api/v1/reports/ranking", admin, NULL);
	check_ranking(j, 2024, w24, 5, "the default year at 2023-12-31T16:00:00Z");
	json_decref(j);
	pin_clock(CLOCK_BASE);
}

/* 2021: TX alone (on time: everyone 30.00 in name order; late: 东山镇 0.00 last). The year of
 * D1's inspection (from created_at): 安宁镇 0.6 × 100 + 30 = 90.00 first, the rest 30.00. */
static void test_ranking_edges(void **state)
{
	(void)state;
	struct rank_want a = {crew.tree.town_a,
	                      "东山镇",
	                      0,
	                      0,
	                      0,
	                      1,
	                      cross_on_time,
	                      1,
	                      cross_on_time ? 100.0 : 0.0,
	                      0,
	                      cross_on_time ? 30.00 : 0.00};
	const struct rank_want c = {town_c, "北湖镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00};
	const struct rank_want d = {town_d, "安宁镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00};
	const struct rank_want e = {town_e, "柳河镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00};
	const struct rank_want b = {crew.tree.town_b, "西湖街道", 0, 0, 0, 0, 0, 0, 0, 0, 30.00};
	struct rank_want w21[5];
	if (cross_on_time) {
		w21[0] = a, w21[1] = c, w21[2] = d, w21[3] = e, w21[4] = b;
	} else {
		w21[0] = c, w21[1] = d, w21[2] = e, w21[3] = b, w21[4] = a;
	}
	json_t *j = report_json("/api/v1/reports/ranking?year=2021", admin, NULL);
	check_ranking(j, 2021, w21, 5, "the ranking of 2021 (TX verified on its due day, or the day after, locally)");
	json_decref(j);

	if (d1_year < 2025 || d1_year > 2100) {
		fprintf(stderr, "note: the created_at year check is skipped (year %d)\n", d1_year);
		return;
	}
	struct rank_want wd[5] = {d, {crew.tree.town_a, "东山镇", 0, 0, 0, 0, 0, 0, 0, 0, 30.00}, c, e, b};
	wd[0].has_score = 1, wd[0].score = 100.0, wd[0].inspections = 1, wd[0].composite = 90.00;
	char path[80];
	j = report_json(pathf(path, sizeof path, "/api/v1/reports/ranking?year=%d", d1_year), admin, NULL);
	check_ranking(j, d1_year, wd, 5, "the ranking of created_at's year (D1's round-less inspection)");
	json_decref(j);
}

static void test_ranking_scope(void **state)
{
	(void)state;
	struct rank_want w23[5];
	ranking_2023(w23);
	struct rank_want a = w23[1], b = w23[0];
	json_t *j = report_json("/api/v1/reports/ranking?year=2023", sup, NULL);
	check_ranking(j, 2023, &a, 1, "sup.a's ranking (town A only)");
	json_decref(j);
	j = report_json("/api/v1/reports/ranking?year=2023", crew.viewer_a.access, NULL);
	check_ranking(j, 2023, &a, 1, "viewer.a's ranking (town A only)");
	json_decref(j);
	j = report_json("/api/v1/reports/ranking?year=2023", crew.sup_b.access, NULL);
	check_ranking(j, 2023, &b, 1, "sup.b's ranking (town B only)");
	json_decref(j);
	j = report_json("/api/v1/reports/ranking?year=2023", crew.cast.viewer.access, NULL);
	check_ranking(j, 2023, &b, 1, "viewer.b's ranking (town B only)");
	json_decref(j);

	static const char *const reports[] = {"/api/v1/reports/ranking", "/api/v1/reports/ranking?year=2023&format=csv",
	                                      "/api/v1/reports/overdue", "/api/v1/reports/orgs-status", NULL};
	for (const char *const *p = reports; *p; p++) {
		expect_status_problem(*p, crew.cast.inspector.access, 403, "forbidden", "insp.a");
		expect_status_problem(*p, crew.insp_city.access, 403, "forbidden", "insp.city");
		expect_status_problem(*p, cadre, 403, "forbidden", "cadre.a1");
		expect_status_problem(*p, cadre_e1.access, 403, "forbidden", "cadre.e1");
		expect_status_problem(*p, NULL, 401, "unauthorized", "nobody");
		expect_status_problem(*p, "not-a-token", 401, "unauthorized", "a bad token");
	}
}

static void test_ranking_csv(void **state)
{
	(void)state;
	struct rank_want w23[5];
	ranking_2023(w23);
	json_t *rows = ranking_rows(w23, 5);
	struct http_resp r;
	/* ?format=csv */
	report_get("/api/v1/reports/ranking?year=2023&format=csv", admin, NULL, &r);
	check_csv_headers(&r, "ranking ?format=csv", "ranking-2023.csv");
	check_csv(&r, "ranking ?format=csv", RANK_HEADER, rows);
	/* The exact header bytes and a negative number written plain. */
	static const char head[] =
	        "\xEF\xBB\xBF排名,镇（街道）,观摩平均分,观摩次数,整改任务数,按期验收数,按期验收率(%),"
	        "逾期任务数,综合得分,推荐\r\n";
	if (r.body.len < sizeof head - 1 || memcmp(r.body.data, head, sizeof head - 1) != 0)
		fail_msg("ranking CSV: the first bytes are not the BOM and the header row:\n%.300s", buf_cstr(&r.body));
	if (!strstr(buf_cstr(&r.body), "\r\n5,柳河镇,,0,11,0,0"))
		fail_msg("ranking CSV: no plain line for 柳河镇 (rank 5, empty score):\n%s", buf_cstr(&r.body));
	if (strstr(buf_cstr(&r.body), "'-10") || !strstr(buf_cstr(&r.body), ",-10"))
		fail_msg("ranking CSV: the composite -10 is not written as a plain number:\n%s", buf_cstr(&r.body));
	struct buf first = r.body;
	r.body = (struct buf)BUF_INIT;
	http_resp_release(&r);
	/* Accept: text/csv gives the same bytes. */
	report_get("/api/v1/reports/ranking?year=2023", admin, "text/csv", &r);
	check_csv_headers(&r, "ranking Accept: text/csv", "ranking-2023.csv");
	if (r.body.len != first.len || memcmp(r.body.data, first.data, first.len) != 0)
		fail_msg("ranking: Accept: text/csv and ?format=csv differ:\n%s\n---\n%s", buf_cstr(&r.body),
		         buf_cstr(&first));
	http_resp_release(&r);
	buf_release(&first);
	/* The default year names the file too. */
	report_get("/api/v1/reports/ranking?format=csv", sup, NULL, &r);
	check_csv_headers(&r, "sup.a's ranking CSV", "ranking-2023.csv");
	json_t *one = ranking_rows(&w23[1], 1);
	check_csv(&r, "sup.a's ranking CSV", RANK_HEADER, one);
	json_decref(one);
	http_resp_release(&r);
	/* 2022 */
	report_get("/api/v1/reports/ranking?year=2022&format=csv", admin, NULL, &r);
	check_csv_headers(&r, "ranking 2022 CSV", "ranking-2022.csv");
	http_resp_release(&r);
	json_decref(rows);
}

static void test_ranking_xlsx(void **state)
{
	(void)state;
	struct rank_want w23[5];
	ranking_2023(w23);
	json_t *rows = ranking_rows(w23, 5);
	struct http_resp r;
	struct xlsx x;
	report_get("/api/v1/reports/ranking?year=2023&format=xlsx", admin, NULL, &r);
	xlsx_open(&r, "ranking ?format=xlsx", "ranking", &x);
	check_xlsx(&x, "ranking ?format=xlsx", RANK_HEADER, rows);
	/* The composite column holds numbers: I2 is 82.2, I6 is -10. */
	char *text;
	assert_int_equal(xlsx_cell(&x, "I2", &text), CELL_NUM);
	assert_true(near(strtod(text, NULL), 82.2));
	free(text);
	assert_int_equal(xlsx_cell(&x, "I6", &text), CELL_NUM);
	assert_true(near(strtod(text, NULL), -10));
	free(text);
	if (!strstr(x.sst_xml, "西湖街道") || !strstr(x.sst_xml, "柳河镇") || !strstr(x.sst_xml, "综合得分"))
		fail_msg("ranking XLSX: sharedStrings.xml lacks the town names or headers");
	xlsx_close(&x);
	http_resp_release(&r);
	/* By Accept. */
	report_get("/api/v1/reports/ranking?year=2023", admin, XLSX_TYPE, &r);
	xlsx_open(&r, "ranking Accept: xlsx", "ranking", &x);
	check_xlsx(&x, "ranking Accept: xlsx", RANK_HEADER, rows);
	xlsx_close(&x);
	http_resp_release(&r);
	json_decref(rows);
}

/* ---- overdue ---------------------------------------------------------------------------------- */

static const char *const OVERDUE_HEADER[] = {"镇（街道）", "村（社区）", "整改任务", "承办人", "完成期限",
                                             "逾期天数",   "状态",       "是否约谈", NULL};

struct od_want {
	const char *task_id, *title, *case_id, *org_id, *org_name, *town_id, *town_name, *assignee_id, *assignee_name,
	        *due, *status;
	int days, interviews;
};

static const char *status_zh(const char *s)
{
	return strcmp(s, "assigned") == 0      ? "已交办"
	       : strcmp(s, "in_progress") == 0 ? "整改中"
	       : strcmp(s, "submitted") == 0   ? "待验收"
	       : strcmp(s, "returned") == 0    ? "已退回"
	                                       : "?";
}

/* The overdue tasks every town sees on 2023-06-15 (plus, with next_day, on
 * 2023-06-16: every day one more, and By). Returns the count. */
static size_t overdue_all(struct od_want out[20], int next_day)
{
	size_t n = 0;
	const char *A = crew.tree.town_a, *B = crew.tree.town_b;
	const char *a1 = crew.tree.village_a1, *a2 = crew.tree.village_a2, *b1 = crew.tree.village_b1;
	const char *ca1 = crew.cast.cadre.user_id;
	int k = next_day;
	out[n++] =
	        (struct od_want){tbx,         "整顿软弱涣散班子", case_b1_22,   b1,         "西湖社区", B, "西湖街道",
	                         cadre_b1_id, "用户 cadre.b1",    "2022-06-30", "assigned", 350 + k,    0};
	out[n++] = (struct od_want){t7,  "完善村级议事规则", case_a1_22,   a1,         "东山村", A, "东山镇",
	                            ca1, "用户 cadre.a1",    "2022-12-31", "assigned", 166 + k,  1};
	for (int i = 0; i < E_TASKS; i++)
		out[n++] = (struct od_want){
		        e_id[i],          e_title[i],      case_e1_23,   vil_e1,      E1_NAME, town_e, "柳河镇",
		        cadre_e1.user_id, "用户 cadre.e1", "2023-06-01", e_status[i], 14 + k,  0};
	out[n++] = (struct od_want){
	        t3,           "整顿村务公开栏", case_a1_23, a1, "东山村", A, "东山镇", ca1, "用户 cadre.a1",
	        "2023-06-10", "in_progress",    5 + k,      0};
	out[n++] = (struct od_want){t6,       "落实“四议两公开”", case_a2_23,      a2,           "南岭村",   A,
	                            "东山镇", cadre_a2.user_id,   "用户 cadre.a2", "2023-06-14", "returned", 1 + k,
	                            2};
	if (next_day)
		out[n++] = (struct od_want){
		        tby,         "选优配强村党组织书记", case_b1_22,   b1,         "西湖社区", B, "西湖街道",
		        cadre_b1_id, "用户 cadre.b1",        "2023-06-15", "assigned", 1,          0};
	return n;
}

/* The entries of all in town (NULL: every one), in order. */
static size_t overdue_of(const struct od_want *all, size_t n, const char *town, struct od_want *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!town || strcmp(all[i].town_id, town) == 0)
			out[m++] = all[i];
	return m;
}

static void check_overdue(const json_t *body, const char *as_of, const struct od_want *want, size_t n, const char *what)
{
	assert_str_member(body, "as_of", as_of, what);
	json_t *items = json_object_get(body, "items");
	if (!json_is_array(items) || json_array_size(items) != n) {
		struct buf m = BUF_INIT;
		for (size_t i = 0; i < json_array_size(items); i++)
			buf_printf(&m, "  %s %s %lld\n", jstr(json_array_get(items, i), "task_id"),
			           jstr(json_array_get(items, i), "title"),
			           jint(json_array_get(items, i), "days_overdue"));
		fail_msg("%s: %zu items, want %zu:\n%s", what, json_array_size(items), n, buf_cstr(&m));
	}
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		const struct od_want *o = &want[i];
		char w[200];
		snprintf(w, sizeof w, "%s: item %zu (task %s, due %s)", what, i + 1, o->task_id, o->due);
		assert_str_member(it, "task_id", o->task_id, w);
		assert_str_member(it, "title", o->title, w);
		assert_str_member(it, "rectification_id", o->case_id, w);
		assert_str_member(it, "org_id", o->org_id, w);
		assert_str_member(it, "org_name", o->org_name, w);
		assert_str_member(it, "town_id", o->town_id, w);
		assert_str_member(it, "town_name", o->town_name, w);
		assert_str_member(it, "assignee_id", o->assignee_id, w);
		assert_str_member(it, "assignee_name", o->assignee_name, w);
		assert_str_member(it, "due_date", o->due, w);
		assert_int_member(it, "days_overdue", o->days, w);
		assert_str_member(it, "status", o->status, w);
		assert_bool_member(it, "interviewed", o->interviews > 0, w);
		assert_int_member(it, "interviews", o->interviews, w);
	}
	if (json_object_get(body, "next_cursor") && !json_is_null(json_object_get(body, "next_cursor")))
		fail_msg("%s: the overdue report is paginated", what);
}

static json_t *overdue_rows(const struct od_want *want, size_t n)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, json_pack("[s, s, s, s, s, i, s, s]", want[i].town_name, want[i].org_name,
		                                      want[i].title, want[i].assignee_name, want[i].due, want[i].days,
		                                      status_zh(want[i].status), want[i].interviews ? "是" : "否"));
	return rows;
}

static void test_overdue(void **state)
{
	(void)state;
	struct od_want all[20], sub[20];
	size_t n = overdue_all(all, 0);
	json_t *j = report_json("/api/v1/reports/overdue", admin, NULL);
	check_overdue(j, "2023-06-15", all, n, "admin's overdue report on 2023-06-15");
	json_decref(j);
	j = report_json("/api/v1/reports/overdue", viewer_city.access, NULL);
	check_overdue(j, "2023-06-15", all, n, "viewer.city's overdue report");
	json_decref(j);
	/* Scope. */
	size_t m = overdue_of(all, n, crew.tree.town_a, sub);
	assert_int_equal(m, 3);
	j = report_json("/api/v1/reports/overdue", sup, NULL);
	check_overdue(j, "2023-06-15", sub, m, "sup.a's overdue report");
	json_decref(j);
	j = report_json("/api/v1/reports/overdue", crew.viewer_a.access, NULL);
	check_overdue(j, "2023-06-15", sub, m, "viewer.a's overdue report");
	json_decref(j);
	m = overdue_of(all, n, crew.tree.town_b, sub);
	j = report_json("/api/v1/reports/overdue", crew.sup_b.access, NULL);
	check_overdue(j, "2023-06-15", sub, m, "sup.b's overdue report");
	json_decref(j);
	j = report_json("/api/v1/reports/overdue?format=json", crew.cast.viewer.access, NULL);
	check_overdue(j, "2023-06-15", sub, m, "viewer.b's overdue report");
	json_decref(j);

	/* The last second of 06-15 in Shanghai: the same. */
	pin_clock("2023-06-15T15:59:59Z");
	j = report_json("/api/v1/reports/overdue", admin, NULL);
	check_overdue(j, "2023-06-15", all, n, "the overdue report at 2023-06-15T23:59:59+08:00");
	json_decref(j);
	/* Midnight in Shanghai (still 06-15 in UTC): a day more each, and By (due 06-15) joins. */
	pin_clock("2023-06-15T16:00:00Z");
	n = overdue_all(all, 1);
	j = report_json("/api/v1/reports/overdue", admin, NULL);
	check_overdue(j, "2023-06-16", all, n, "the overdue report at 2023-06-16T00:00:00+08:00");
	json_decref(j);
	m = overdue_of(all, n, crew.tree.town_b, sub);
	j = report_json("/api/v1/reports/overdue", crew.sup_b.access, NULL);
	check_overdue(j, "2023-06-16", sub, m, "sup.b's overdue report at midnight");
	json_decref(j);
	pin_clock(CLOCK_BASE);

	/* A bad format. */
	expect_invalid(&srv, "GET", "/api/v1/reports/overdue?format=pdf", admin, NULL,
	               (const char *const[]){"format", NULL});
}

static void test_overdue_csv(void **state)
{
	(void)state;
	struct od_want all[20];
	size_t n = overdue_all(all, 0);
	json_t *rows = overdue_rows(all, n);
	struct http_resp r;
	report_get("/api/v1/reports/overdue?format=csv", admin, NULL, &r);
	check_csv_headers(&r, "overdue ?format=csv", "overdue-2023-06-15.csv");
	check_csv(&r, "overdue ?format=csv", OVERDUE_HEADER, rows);
	static const char head[] =
	        "\xEF\xBB\xBF镇（街道）,村（社区）,整改任务,承办人,完成期限,逾期天数,状态,是否约谈\r\n";
	if (r.body.len < sizeof head - 1 || memcmp(r.body.data, head, sizeof head - 1) != 0)
		fail_msg("overdue CSV: the first bytes are not the BOM and the header row:\n%.300s", buf_cstr(&r.body));
	/* The raw bytes of the quoted and neutralised cells. */
	const char *body = buf_cstr(&r.body);
	static const char *const raw[] = {
	        "\"整改\"\"三会一课\"\",含逗号\"",
	        "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"点击\"\")\"",
	        ",'+8613800000000 联系人,",
	        ",'-落实党员积分制,",
	        ",'@SUM(1+1)*cmd|' /C calc'!A0,",
	        ",\"建立\"\"四议两公开\"\"台账\",",
	        ",\"整改台账,问题清单,责任清单\",",
	        "柳河镇,\"柳河村（\"\"新区\"\",东片）\",",
	        ",2022-06-30,350,已交办,否\r\n",
	        ",2023-06-14,1,已退回,是\r\n",
	        NULL,
	};
	for (const char *const *p = raw; *p; p++)
		if (!strstr(body, *p))
			fail_msg("overdue CSV lacks the bytes %s:\n%s", *p, body);
	if (strcmp(e_title[9], e_title_want[9]) == 0 && !strstr(body, "\"第一行\n第二行\""))
		fail_msg("overdue CSV: the two-line title is not one quoted field:\n%s", body);
	if (strcmp(e_title[10], e_title_want[10]) == 0 && !strstr(body, ",'\t制表符开头,"))
		fail_msg("overdue CSV: the title starting with TAB is not neutralised:\n%s", body);
	struct buf first = r.body;
	r.body = (struct buf)BUF_INIT;
	http_resp_release(&r);
	report_get("/api/v1/reports/overdue", admin, "text/csv", &r);
	check_csv_headers(&r, "overdue Accept: text/csv", "overdue-2023-06-15.csv");
	if (r.body.len != first.len || memcmp(r.body.data, first.data, first.len) != 0)
		fail_msg("overdue: Accept: text/csv and ?format=csv differ");
	http_resp_release(&r);
	buf_release(&first);

	/* The file is named by the (pinned) local day. */
	pin_clock("2023-06-15T16:00:00Z");
	report_get("/api/v1/reports/overdue?format=csv", crew.sup_b.access, NULL, &r);
	check_csv_headers(&r, "sup.b's overdue CSV at midnight", "overdue-2023-06-16.csv");
	struct od_want next[20], sub[20];
	size_t nn = overdue_all(next, 1);
	size_t m = overdue_of(next, nn, crew.tree.town_b, sub);
	json_t *brows = overdue_rows(sub, m);
	check_csv(&r, "sup.b's overdue CSV at midnight", OVERDUE_HEADER, brows);
	json_decref(brows);
	http_resp_release(&r);
	pin_clock(CLOCK_BASE);

	/* XLSX: the same rows, days as numbers. */
	struct xlsx x;
	report_get("/api/v1/reports/overdue?format=xlsx", admin, NULL, &r);
	xlsx_open(&r, "overdue ?format=xlsx", "overdue", &x);
	check_xlsx(&x, "overdue ?format=xlsx", OVERDUE_HEADER, rows);
	if (!strstr(x.sst_xml, "已退回") || !strstr(x.sst_xml, "用户 cadre.e1"))
		fail_msg("overdue XLSX: sharedStrings.xml lacks the status or assignee strings");
	xlsx_close(&x);
	http_resp_release(&r);
	json_decref(rows);
}

/* ---- orgs-status ------------------------------------------------------------------------------ */

static const char *const ORGS_HEADER[] = {"镇（街道）", "村（社区）", "代码", "分类", "状态", NULL};

struct org_want {
	const char *org_id, *org_name, *code, *town_id, *town_name, *category, *status;
};

static size_t orgs_all(struct org_want out[10])
{
	size_t n = 0;
	out[n++] = (struct org_want){crew.tree.village_a1, "东山村", "vil-a1", crew.tree.town_a, "东山镇", "pilot",
	                             "rectifying"};
	out[n++] = (struct org_want){crew.tree.village_a2, "南岭村",    "vil-a2", crew.tree.town_a, "东山镇",
	                             "consolidate",        "rectifying"};
	out[n++] = (struct org_want){vil_c1, "北湖村", "vil-c1", town_c, "北湖镇", NULL, "normal"};
	out[n++] = (struct org_want){vil_c2, "白沙村", "vil-c2", town_c, "北湖镇", NULL, "normal"};
	out[n++] = (struct org_want){vil_d1, "安宁村", "-d1", town_d, "安宁镇", "pilot", "weak"};
	out[n++] = (struct org_want){vil_e1, E1_NAME, "vil-e1", town_e, "柳河镇", "breakthrough", "rectifying"};
	out[n++] = (struct org_want){crew.tree.village_b1, "西湖社区",     "vil-b1",    crew.tree.town_b,
	                             "西湖街道",           "breakthrough", "rectifying"};
	return n;
}

static void check_orgs(const json_t *body, const struct org_want *want, size_t n, const char *what)
{
	assert_str_member(body, "as_of", "2023-06-15", what);
	json_t *counts = json_object_get(body, "counts");
	json_t *bs = json_object_get(counts, "by_status"), *bc = json_object_get(counts, "by_category");
	if (!json_is_object(bs) || !json_is_object(bc))
		fail_msg("%s: no counts.by_status / by_category", what);
	static const char *const statuses[] = {"normal", "weak", "rectifying", NULL};
	static const char *const cats[] = {"pilot", "consolidate", "breakthrough", "none", NULL};
	for (const char *const *s = statuses; *s; s++) {
		long long c = 0;
		for (size_t i = 0; i < n; i++)
			c += strcmp(want[i].status, *s) == 0;
		char w[160];
		snprintf(w, sizeof w, "%s: counts.by_status", what);
		assert_int_member(bs, *s, c, w);
	}
	for (const char *const *s = cats; *s; s++) {
		long long c = 0;
		for (size_t i = 0; i < n; i++)
			c += want[i].category ? strcmp(want[i].category, *s) == 0 : strcmp(*s, "none") == 0;
		char w[160];
		snprintf(w, sizeof w, "%s: counts.by_category", what);
		assert_int_member(bc, *s, c, w);
	}
	json_t *items = json_object_get(body, "items");
	if (!json_is_array(items) || json_array_size(items) != n)
		fail_msg("%s: %zu items, want %zu: %s", what, json_array_size(items), n,
		         json_dumps(items, JSON_COMPACT));
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		char w[200];
		snprintf(w, sizeof w, "%s: item %zu (%s)", what, i + 1, want[i].org_name);
		assert_str_member(it, "org_id", want[i].org_id, w);
		assert_str_member(it, "org_name", want[i].org_name, w);
		assert_str_member(it, "code", want[i].code, w);
		assert_str_member(it, "town_id", want[i].town_id, w);
		assert_str_member(it, "town_name", want[i].town_name, w);
		if (want[i].category)
			assert_str_member(it, "category", want[i].category, w);
		else if (!is_null_member(it, "category"))
			fail_msg("%s: category should be null", w);
		assert_str_member(it, "status", want[i].status, w);
	}
}

static const char *category_zh(const char *c)
{
	return !c                               ? "未分类"
	       : strcmp(c, "pilot") == 0        ? "先行示范"
	       : strcmp(c, "consolidate") == 0  ? "巩固提升"
	       : strcmp(c, "breakthrough") == 0 ? "重点攻坚"
	                                        : "?";
}

static const char *org_status_zh(const char *s)
{
	return strcmp(s, "normal") == 0 ? "正常" : strcmp(s, "weak") == 0 ? "软弱涣散" : "整顿中";
}

static json_t *orgs_rows(const struct org_want *want, size_t n)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows,
		                      json_pack("[s, s, s, s, s]", want[i].town_name, want[i].org_name, want[i].code,
		                                category_zh(want[i].category), org_status_zh(want[i].status)));
	return rows;
}

static void test_orgs_status(void **state)
{
	(void)state;
	struct org_want all[10], sub[10];
	size_t n = orgs_all(all);
	json_t *j = report_json("/api/v1/reports/orgs-status", admin, NULL);
	check_orgs(j, all, n, "admin's orgs-status");
	json_decref(j);
	j = report_json("/api/v1/reports/orgs-status", viewer_city.access, NULL);
	check_orgs(j, all, n, "viewer.city's orgs-status");
	json_decref(j);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].town_id, crew.tree.town_a) == 0)
			sub[m++] = all[i];
	j = report_json("/api/v1/reports/orgs-status", sup, NULL);
	check_orgs(j, sub, m, "sup.a's orgs-status (A1, A2; not the group)");
	json_decref(j);
	j = report_json("/api/v1/reports/orgs-status", crew.viewer_a.access, NULL);
	check_orgs(j, sub, m, "viewer.a's orgs-status");
	json_decref(j);
	sub[0] = all[6];
	j = report_json("/api/v1/reports/orgs-status", crew.sup_b.access, NULL);
	check_orgs(j, sub, 1, "sup.b's orgs-status");
	json_decref(j);
	j = report_json("/api/v1/reports/orgs-status", crew.cast.viewer.access, NULL);
	check_orgs(j, sub, 1, "viewer.b's orgs-status");
	json_decref(j);
	expect_invalid(&srv, "GET", "/api/v1/reports/orgs-status?format=html", admin, NULL,
	               (const char *const[]){"format", NULL});

	/* CSV: the code "-d1" neutralised, the name with a quote and a comma quoted. */
	json_t *rows = orgs_rows(all, n);
	struct http_resp r;
	report_get("/api/v1/reports/orgs-status?format=csv", admin, NULL, &r);
	check_csv_headers(&r, "orgs-status ?format=csv", "orgs-status-2023-06-15.csv");
	check_csv(&r, "orgs-status ?format=csv", ORGS_HEADER, rows);
	static const char head[] = "\xEF\xBB\xBF镇（街道）,村（社区）,代码,分类,状态\r\n";
	if (r.body.len < sizeof head - 1 || memcmp(r.body.data, head, sizeof head - 1) != 0)
		fail_msg("orgs-status CSV: the first bytes are not the BOM and the header row:\n%.300s",
		         buf_cstr(&r.body));
	const char *body = buf_cstr(&r.body);
	if (!strstr(body, "\r\n安宁镇,安宁村,'-d1,先行示范,软弱涣散\r\n"))
		fail_msg("orgs-status CSV: no line 安宁镇,安宁村,'-d1,先行示范,软弱涣散:\n%s", body);
	if (!strstr(body, "\r\n柳河镇,\"柳河村（\"\"新区\"\",东片）\",vil-e1,重点攻坚,整顿中\r\n"))
		fail_msg("orgs-status CSV: the quoted village name line is missing:\n%s", body);
	if (!strstr(body, "\r\n北湖镇,北湖村,vil-c1,未分类,正常\r\n"))
		fail_msg("orgs-status CSV: no line for 北湖村:\n%s", body);
	http_resp_release(&r);
	report_get("/api/v1/reports/orgs-status", sup, "text/csv", &r);
	check_csv_headers(&r, "sup.a's orgs-status Accept: text/csv", "orgs-status-2023-06-15.csv");
	json_t *arows = orgs_rows(all, 2);
	check_csv(&r, "sup.a's orgs-status Accept: text/csv", ORGS_HEADER, arows);
	json_decref(arows);
	http_resp_release(&r);

	struct xlsx x;
	report_get("/api/v1/reports/orgs-status?format=xlsx", admin, NULL, &r);
	xlsx_open(&r, "orgs-status ?format=xlsx", "orgs-status", &x);
	check_xlsx(&x, "orgs-status ?format=xlsx", ORGS_HEADER, rows);
	if (!strstr(x.sst_xml, "软弱涣散") || !strstr(x.sst_xml, "未分类"))
		fail_msg("orgs-status XLSX: sharedStrings.xml lacks the Chinese status or category");
	xlsx_close(&x);
	http_resp_release(&r);
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ranking),
	        cmocka_unit_test_teardown(test_ranking_years, repin_base),
	        cmocka_unit_test(test_ranking_edges),
	        cmocka_unit_test(test_ranking_scope),
	        cmocka_unit_test(test_ranking_csv),
	        cmocka_unit_test(test_ranking_xlsx),
	        cmocka_unit_test_teardown(test_overdue, repin_base),
	        cmocka_unit_test_teardown(test_overdue_csv, repin_base),
	        cmocka_unit_test(test_orgs_status),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_reports", tests, group_setup, group_teardown);
}
