/*
 * Every list, sync, report and read query on the big tables uses an index:
 * with data of every kind in place, the test calls every list endpoint with
 * each of its filters, the sync mode, the reports and the reads, then asks
 * the server (test build: GET /api/v1/_test/query-plans) for the EXPLAIN
 * QUERY PLAN of every statement it prepared, and fails on a full SCAN of a
 * big table. "SCAN t USING INDEX" (an ordered index walk that a LIMIT stops)
 * is allowed; a plain "SCAN t" is not. Table aliases in the SQL ("FROM
 * inspections i") are resolved to their tables.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;
static char round_id[ID_LEN];

/* The tables that grow with use (per visit, task, photo, request): a full
 * scan of one of them makes a request slower every month. Orgs, users,
 * templates, rounds (one per month and organiser) and the settings tables
 * stay small: hundreds of rows. */
static const char *const big_tables[] = {
        "inspections",   "findings",        "tasks",        "progress",       "interviews",
        "rectifications", "photos",         "photo_hash_bands", "uploads",    "audit",
        "state_history", "sessions",        "refresh_tokens", "webhook_events", "webhook_deliveries",
        "login_failures", NULL};

static int is_big(const char *table)
{
	for (const char *const *t = big_tables; *t; t++)
		if (strcmp(*t, table) == 0)
			return 1;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	assert_int_equal(server_stop(&srv), 0);
	server_cleanup(&srv);
	return 0;
}

/* GET path as bearer, expecting 200 (the body is dropped). */
static void read_ok(const char *bearer, const char *path)
{
	json_decref(api_expect(&srv, "GET", path, bearer, NULL, 200));
}

/* Data of every kind: visits (draft, submitted), a finding, a case with a
 * task, progress and an interview, photos, a webhook, an upload. */
static void populate(char insp_id[ID_LEN], char case_id[ID_LEN], char task_id[ID_LEN], char hook_id[ID_LEN])
{
	const char *insp = crew.insp_city.access, *sup = crew.cast.supervisor.access, *admin = crew.cast.admin.access;
	char path[200];
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, insp_id));
	char other[ID_LEN];
	json_decref(inspection_create(&srv, insp, crew.tree.village_a2, round_id, NULL, NULL, other));
	json_decref(inspection_complete_submit(&srv, insp, other, tpl));

	json_t *yn = NULL, *items = template_items(tpl);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) if (strcmp(jstr(it, "kind"), "yes_no") == 0 && !yn) yn = it;
	assert_non_null(yn);
	char *body = jbody("{s:s, s:s, s:s}", "severity", "high", "item_code", jstr(yn, "code"), "description",
	                   "党员活动室未挂牌");
	json_decref(items);
	json_decref(api_expect(&srv, "POST", inspection_path(insp_id, "/findings", path, sizeof path), insp, body, 201));
	free(body);

	body = jbody("{s:s, s:s, s:s, s:i}", "org_id", crew.tree.village_a1, "reason", "班子软弱", "source", "annual",
	             "year", 2026);
	json_t *c = api_expect(&srv, "POST", "/api/v1/rectifications", sup, body, 201);
	snprintf(case_id, ID_LEN, "%s", jstr(c, "id"));
	json_decref(c);
	free(body);
	body = jbody("{s:s, s:s, s:s}", "title", "健全村党组织班子", "assignee_id", crew.cast.cadre.user_id, "due_date",
	             "2099-06-30");
	json_t *t = api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", case_id), sup,
	                       body, 201);
	snprintf(task_id, ID_LEN, "%s", jstr(t, "id"));
	json_decref(t);
	free(body);
	json_decref(api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/start", task_id),
	                       crew.cast.cadre.access, "{}", 200));
	body = jbody("{s:s, s:i}", "text", "已召开支部委员会", "percent", 30);
	json_decref(api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/progress", task_id),
	                       crew.cast.cadre.access, body, 201));
	free(body);
	body = jbody("{s:s, s:s, s:s, s:s, s:s}", "person", "王建国", "person_role", "村党支部书记", "held_at",
	             "2023-03-02T02:00:00Z", "reason", "班子软弱涣散，约谈提醒", "outcome", "限期一个月整改");
	struct http_resp r;
	api_post(&srv, pathf(path, sizeof path, "/api/v1/rectifications/%s/interviews", case_id), sup, body, &r);
	free(body);
	if (r.status != 201)
		fail_msg("interview: %ld %s", r.status, buf_cstr(&r.body));
	http_resp_release(&r);

	body = jbody("{s:s, s:s, s:[s]}", "url", "https://hooks.example.com/inspectd", "secret",
	             "a-shared-secret-of-32-characters!", "events", "task.assigned");
	json_t *w = api_expect(&srv, "POST", "/api/v1/webhooks", admin, body, 201);
	snprintf(hook_id, ID_LEN, "%s", jstr(w, "id"));
	json_decref(w);
	free(body);

	static const char *const tus[] = {"Tus-Resumable: 1.0.0", "Upload-Length: 100", NULL};
	api_call(&srv, "POST", "/api/v1/uploads", insp, NULL, tus, &r);
	if (r.status != 201)
		fail_msg("tus create: %ld %s", r.status, buf_cstr(&r.body));
	http_resp_release(&r);
}

/* Every list (each filter, and a second page through the cursor), sync,
 * report and read. */
static void exercise(const char *insp_id, const char *case_id, const char *task_id, const char *hook_id)
{
	const char *insp = crew.insp_city.access, *sup = crew.cast.supervisor.access, *admin = crew.cast.admin.access,
	           *cadre = crew.cast.cadre.access;
	char path[300];
	static const char *const lists[] = {
	        "/api/v1/users?limit=1",
	        "/api/v1/users?role=inspector",
	        "/api/v1/users?disabled=false&q=insp",
	        "/api/v1/orgs?level=village",
	        "/api/v1/orgs?status=normal&category=pilot&q=%E6%9D%91",
	        "/api/v1/templates?updated_since=2020-01-01T00:00:00Z",
	        "/api/v1/rounds?month=2023-03&status=open",
	        "/api/v1/rounds?updated_since=2020-01-01T00:00:00Z&limit=1",
	        "/api/v1/inspections?limit=1",
	        "/api/v1/inspections?status=submitted",
	        "/api/v1/inspections?updated_since=2020-01-01T00:00:00Z&limit=1",
	        "/api/v1/rectifications?status=open&year=2026",
	        "/api/v1/rectifications?limit=1",
	        "/api/v1/audit?limit=2",
	        "/api/v1/audit?entity=inspection&since=2020-01-01T00:00:00Z",
	        "/api/v1/webhooks?limit=1",
	        "/api/v1/reports/ranking?year=2026",
	        "/api/v1/reports/overdue",
	        "/api/v1/reports/orgs-status",
	        "/api/v1/reports/evidence?since=2020-01-01T00:00:00Z",
	        "/api/v1/me",
	        NULL};
	for (const char *const *p = lists; *p; p++)
		read_ok(admin, *p);
	/* As the people whose scope narrows the queries. */
	read_ok(sup, "/api/v1/inspections?status=submitted&limit=1");
	read_ok(insp, "/api/v1/inspections?updated_since=2020-01-01T00:00:00Z");
	json_decref(api_list_all(&srv, "/api/v1/inspections", insp, 1)); /* own and the rounds', merged */
	read_ok(insp, "/api/v1/inspections?status=draft&limit=1");
	read_ok(insp, "/api/v1/me/assignments");
	read_ok(cadre, "/api/v1/me/tasks");
	read_ok(cadre, "/api/v1/me/tasks?status=in_progress&overdue=false&limit=1");
	read_ok(sup, "/api/v1/reports/ranking?year=2026");
	json_decref(sync_walk(&srv, "/api/v1/inspections", insp, "2020-01-01T00:00:00Z", 1, NULL, 0));
	json_decref(sync_walk(&srv, "/api/v1/rounds", insp, "2020-01-01T00:00:00Z", 1, NULL, 0));
	json_decref(api_list_all(&srv, "/api/v1/inspections", admin, 1));

	pathf(path, sizeof path, "/api/v1/inspections?org_id=%s&round_id=%s&inspector_id=%s", crew.tree.village_a1,
	      round_id, crew.insp_city.user_id);
	read_ok(admin, path);
	read_ok(admin, pathf(path, sizeof path, "/api/v1/users?org_id=%s", crew.tree.town_a));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/orgs?parent_id=%s", crew.tree.town_a));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/orgs/%s/children", crew.tree.town_a));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/rectifications?org_id=%s", crew.tree.village_a1));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/audit?entity=task&entity_id=%s", task_id));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/audit?actor_id=%s", crew.insp_city.user_id));
	read_ok(insp, inspection_path(insp_id, NULL, path, sizeof path));
	json_decref(api_list_all(&srv, inspection_path(insp_id, "/findings", path, sizeof path), insp, 1));
	read_ok(sup, pathf(path, sizeof path, "/api/v1/rectifications/%s", case_id));
	json_decref(api_list_all(&srv, pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", case_id), sup, 1));
	read_ok(sup, pathf(path, sizeof path, "/api/v1/rectifications/%s/interviews", case_id));
	read_ok(sup, pathf(path, sizeof path, "/api/v1/tasks/%s", task_id));
	read_ok(sup, pathf(path, sizeof path, "/api/v1/tasks/%s/progress", task_id));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/webhooks/%s", hook_id));
	read_ok(admin, pathf(path, sizeof path, "/api/v1/webhooks/%s/deliveries", hook_id));
}

/* alias → table for the FROM/JOIN clauses of sql ("FROM inspections i",
 * "JOIN orgs AS o"); every table also maps to itself. */
static json_t *aliases(const char *sql)
{
	static const char *const not_alias[] = {"WHERE", "ON",    "JOIN",  "LEFT",  "INNER", "CROSS", "ORDER", "GROUP",
	                                        "LIMIT", "USING", "UNION", "SET",   "AND",   "NATURAL", "INDEXED",
	                                        "NOT",   "WINDOW", "HAVING", "RETURNING", "VALUES", "EXCEPT", NULL};
	json_t *map = json_object();
	const char *p = sql;
	char words[4][64];
	for (;;) {
		/* next word */
		while (*p && !(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
			p++;
		size_t n = (size_t)(p - s) < sizeof words[0] ? (size_t)(p - s) : sizeof words[0] - 1;
		if (!(n == 4 && strncasecmp(s, "FROM", 4) == 0) && !(n == 4 && strncasecmp(s, "JOIN", 4) == 0))
			continue;
		/* FROM/JOIN table [AS] [alias] */
		int got = 0;
		const char *q = p;
		while (got < 3) {
			while (*q == ' ' || *q == '\n' || *q == '\t')
				q++;
			const char *w = q;
			while (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
				q++;
			if (q == w)
				break;
			size_t wl = (size_t)(q - w) < sizeof words[0] ? (size_t)(q - w) : sizeof words[0] - 1;
			memcpy(words[got], w, wl);
			words[got][wl] = '\0';
			got++;
		}
		if (got == 0)
			continue;
		json_object_set_new(map, words[0], json_string(words[0]));
		int a = 1;
		if (got > 1 && strcasecmp(words[1], "AS") == 0)
			a = 2;
		if (got > a) {
			int keyword = 0;
			for (const char *const *k = not_alias; *k; k++)
				keyword |= strcasecmp(words[a], *k) == 0;
			if (!keyword)
				json_object_set_new(map, words[a], json_string(words[0]));
		}
	}
	return map;
}

/* The table a plan detail "SCAN x" scans without an index, or NULL. */
static const char *full_scan(const char *detail, const json_t *map, char *name, size_t namelen)
{
	if (strncmp(detail, "SCAN ", 5) != 0 || strstr(detail, " USING "))
		return NULL;
	size_t n = strcspn(detail + 5, " ");
	if (n >= namelen)
		n = namelen - 1;
	memcpy(name, detail + 5, n);
	name[n] = '\0';
	const char *table = json_string_value(json_object_get(map, name));
	return table ? table : name;
}

static void test_no_full_scans_of_big_tables(void **state)
{
	(void)state;
	char insp_id[ID_LEN], case_id[ID_LEN], task_id[ID_LEN], hook_id[ID_LEN];
	populate(insp_id, case_id, task_id, hook_id);
	exercise(insp_id, case_id, task_id, hook_id);

	json_t *got = api_expect(&srv, "GET", "/api/v1/_test/query-plans", NULL, NULL, 200);
	json_t *stmts = json_object_get(got, "statements");
	size_t i, j, bad = 0, checked = 0;
	json_t *s, *d;
	json_array_foreach(stmts, i, s) {
		const char *sql = jstr(s, "sql");
		/* An INSERT's plan lists the child tables SQLite would search when
		 * a deferred foreign-key violation is pending: code that never runs
		 * here (no deferred constraints). Reads, updates and deletes run
		 * what their plan says. */
		if (strncasecmp(sql, "INSERT", 6) == 0)
			continue;
		json_t *map = aliases(sql);
		json_array_foreach(json_object_get(s, "plan"), j, d) {
			char name[64];
			const char *detail = json_string_value(d);
			if (strncmp(detail, "EXPLAIN failed", 14) == 0) {
				fprintf(stderr, "plan unavailable: %s\n  %s\n", detail, sql);
				bad++;
			}
			const char *table = full_scan(detail, map, name, sizeof name);
			if (table && is_big(table)) {
				fprintf(stderr, "full scan of %s (%s):\n  %s\n", table, detail, sql);
				bad++;
			}
		}
		json_decref(map);
		checked++;
	}
	fprintf(stderr, "query plans: %zu statements checked, %zu full scans of big tables\n", checked, bad);
	/* the exercise really reached the stores (about 90 statements today) */
	if (checked < 60)
		fail_msg("only %zu statements were prepared: the exercise did not run", checked);
	assert_int_equal(bad, 0);
	json_decref(got);
}

/* The alias reader and the scan detector themselves. */
static void test_plan_reading(void **state)
{
	(void)state;
	json_t *m = aliases("SELECT i.id FROM inspections i JOIN orgs AS o ON o.id = i.org_id "
	                    "LEFT JOIN photos WHERE x IN (SELECT id FROM tasks t2)");
	char name[64];
	assert_string_equal(json_string_value(json_object_get(m, "i")), "inspections");
	assert_string_equal(json_string_value(json_object_get(m, "o")), "orgs");
	assert_string_equal(json_string_value(json_object_get(m, "photos")), "photos");
	assert_null(json_object_get(m, "WHERE"));
	assert_string_equal(json_string_value(json_object_get(m, "t2")), "tasks");
	assert_string_equal(full_scan("SCAN i", m, name, sizeof name), "inspections");
	assert_null(full_scan("SCAN i USING INDEX inspections_org", m, name, sizeof name));
	assert_null(full_scan("SEARCH o USING INTEGER PRIMARY KEY (rowid=?)", m, name, sizeof name));
	assert_string_equal(full_scan("SCAN audit", m, name, sizeof name), "audit");
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plan_reading),
	        cmocka_unit_test(test_no_full_scans_of_big_tables),
	};
	return cmocka_run_group_tests_name("api_query_plans", tests, group_setup, group_teardown);
}
