/*
 * The audit trail (GET /api/v1/audit) through the real binary: every write of
 * every audited kind — orgs, users (password changes masked), templates,
 * rounds with their targets and inspectors, inspections (tombstones are
 * updates), findings, photos, rectifications, tasks, progress reports,
 * interviews, webhooks (secrets masked) — appends exactly the rows the
 * contract describes, carrying the request's actor, address and
 * X-Request-Id; a failed write (422, 409, 412) or an idempotent retry
 * appends none; start-up and CLI writes have no actor. Then the filters (entity,
 * entity_id, actor_id, since, combined), cursor pagination, bad filter
 * values, who may read it, no secret anywhere in it, and the table being
 * append-only when written directly with the sqlite3 library while the
 * server runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;

/* Who writes: a token pair and the role the audit row must name. */
struct actor {
	const struct tokens *t;
	const char *role;
};
static struct actor A_ADMIN, A_SUP, A_INSP, A_CADRE;

static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/* Ids the tests share (a test that needs one made by an earlier test fails
 * cleanly when it is empty). */
static char org_x[ID_LEN];  /* the village the org test creates (town A) */
static char user_u[ID_LEN]; /* the user the user test creates */

/* Plain-text secrets that must never show up in the audit trail. */
#define U_PASS0   "audit-initial-pass-0"
#define U_PASS1   "audit-changed-pass-1"
#define U_PASS2   "audit-admin-set-pass-2"
#define U_PASS3   "audit-cli-reset-pass-3"
#define HOOK_SEC1 "hook-secret-aaaaaaaaaaaa-1"
#define HOOK_SEC2 "hook-secret-bbbbbbbbbbbb-2"

/* ---- setup --------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	crew_build(&srv, &crew);
	tpl = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	A_ADMIN = (struct actor){&crew.cast.admin, "admin"};
	A_SUP = (struct actor){&crew.cast.supervisor, "supervisor"};
	A_INSP = (struct actor){&crew.insp_city, "inspector"};
	A_CADRE = (struct actor){&crew.cast.cadre, "cadre"};
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

/* ---- time ---------------------------------------------------------------------------------- */

/* An RFC 3339 timestamp (Z or ±hh:mm, optional fraction) as seconds since
 * the epoch; fails the test when s is not one. */
static double ts_of(const char *s)
{
	if (!s)
		fail_msg("a timestamp is missing");
	int Y, M, D, h, m, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19)
		fail_msg("\"%s\" is not an RFC 3339 timestamp", s);
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
	double t = (double)timegm(&tm);
	const char *p = s + 19;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			t += (*p - '0') * scale;
	}
	if (*p == 'Z' && p[1] == '\0')
		return t;
	int oh, om;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 && p[6] == '\0')
		return t - (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
	fail_msg("\"%s\" is not an RFC 3339 timestamp", s);
	return 0;
}

/* The same instant as s (a UTC "…Z" stamp) written in UTC+08:00, keeping
 * its fraction. */
static void as_plus8(const char *s, char *out, size_t outlen)
{
	int Y, M, D, h, m, sec;
	assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &Y, &M, &D, &h, &m, &sec), 6);
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
	time_t t = timegm(&tm) + 8 * 3600;
	struct tm lt;
	gmtime_r(&t, &lt);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &lt);
	const char *frac = s + 19, *z = strchr(s, 'Z');
	assert_non_null(z);
	snprintf(out, outlen, "%s%.*s+08:00", base, (int)(z - frac), frac);
}

/* ---- reading the audit trail --------------------------------------------------------------- */

static const char *const ENTITIES[] = {"org",   "user",          "template", "round",    "inspection", "finding",
                                       "photo", "rectification", "task",     "progress", "interview",  "webhook",
                                       NULL};

static int in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int is_masked(const json_t *v)
{
	return json_is_string(v) && strcmp(json_string_value(v), "***") == 0;
}

/* Every member of an item has the contract's shape; no secret column. */
static void check_item(const json_t *it)
{
	char *dump = json_dumps(it, JSON_COMPACT);
	json_t *id = json_object_get(it, "id");
	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		fail_msg("audit item without a positive integer id: %s", dump);
	assert_timestamp(jstr(it, "at"));
	const char *nullable[] = {"actor_id", "actor_role", "actor_addr", "request_id"};
	for (size_t i = 0; i < 4; i++) {
		json_t *v = json_object_get(it, nullable[i]);
		if (!v || (!json_is_null(v) && !json_is_string(v)))
			fail_msg("audit item: %s is neither a string nor null: %s", nullable[i], dump);
	}
	if (!in_list(jstr(it, "entity"), ENTITIES))
		fail_msg("audit item with entity %s: %s", jstr(it, "entity"), dump);
	if (!jstr(it, "entity_id") || strlen(jstr(it, "entity_id")) != 36)
		fail_msg("audit item without a uuid entity_id: %s", dump);
	if (!in_list(jstr(it, "action"), (const char *const[]){"create", "update", "delete", NULL}))
		fail_msg("audit item with action %s: %s", jstr(it, "action"), dump);
	json_t *ch = json_object_get(it, "changes");
	if (!json_is_object(ch))
		fail_msg("audit item without a changes object: %s", dump);
	const char *key;
	json_t *v;
	json_object_foreach(ch, key, v)
	{
		if (strstr(key, "hash"))
			fail_msg("audit item carries the column %s: %s", key, dump);
		if (!json_is_object(v) || !json_object_get(v, "old") || !json_object_get(v, "new") ||
		    json_object_size(v) != 2)
			fail_msg("audit change %s is not {old, new}: %s", key, dump);
		if (strcmp(key, "password") == 0 || strcmp(key, "secret") == 0) {
			json_t *o = json_object_get(v, "old"), *n = json_object_get(v, "new");
			if ((!json_is_null(o) && !is_masked(o)) || (!json_is_null(n) && !is_masked(n)))
				fail_msg("audit change %s is not masked with \"***\": %s", key, dump);
		}
	}
	free(dump);
}

/*
 * Walks GET /api/v1/audit?<query>&limit=<limit>, checking the envelope,
 * page sizes, ids strictly increasing and every item's shape. raw (may be
 * NULL) gets every page's body appended. Returns the items.
 */
static json_t *audit_walk(const char *query, int limit, struct buf *raw)
{
	json_t *all = json_array();
	char *cursor = NULL;
	long long last = 0;
	for (int page = 0;; page++) {
		if (page > 2000)
			fail_msg("audit %s: more than 2000 pages", query);
		struct buf p = BUF_INIT;
		buf_printf(&p, "/api/v1/audit?%s%slimit=%d", query, *query ? "&" : "", limit);
		if (cursor) {
			char *esc = qs_escape(cursor);
			buf_printf(&p, "&cursor=%s", esc);
			free(esc);
		}
		struct http_resp r;
		api_get(&srv, buf_cstr(&p), crew.cast.admin.access, &r);
		if (r.status != 200)
			fail_msg("GET %s: %ld %.500s", buf_cstr(&p), r.status, buf_cstr(&r.body));
		if (raw)
			buf_add(raw, r.body.data, r.body.len);
		json_t *j = http_json(&r);
		http_resp_release(&r);
		json_t *items = json_object_get(j, "items"), *next = json_object_get(j, "next_cursor");
		if (!json_is_array(items))
			fail_msg("GET %s: no items array", buf_cstr(&p));
		if (!next || (!json_is_null(next) && !json_is_string(next)))
			fail_msg("GET %s: next_cursor is neither null nor a string", buf_cstr(&p));
		if (json_array_size(items) > (size_t)limit)
			fail_msg("GET %s: %zu items with limit %d", buf_cstr(&p), json_array_size(items), limit);
		if (json_is_string(next) && json_array_size(items) != (size_t)limit)
			fail_msg("GET %s: a short page (%zu of %d) before the end", buf_cstr(&p),
			         json_array_size(items), limit);
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			check_item(it);
			long long id = jint(it, "id");
			if (id <= last)
				fail_msg("GET %s: id %lld after %lld (not increasing, or repeated)", buf_cstr(&p), id,
				         last);
			last = id;
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

static json_t *audit_all(void)
{
	return audit_walk("", 200, NULL);
}

/* ---- audited writes ------------------------------------------------------------------------ */

struct wr {
	long status;
	json_t *body; /* the parsed response (NULL when empty) */
	json_t *rows; /* the audit rows the request appended */
	char rid[80];
};

static void wr_release(struct wr *w)
{
	json_decref(w->body);
	json_decref(w->rows);
	w->body = w->rows = NULL;
}

/*
 * One request as who (NULL: none) with its own X-Request-Id, between two
 * reads of the whole trail: the earlier rows must be unchanged, and the new
 * ones (w->rows) must all carry who's id and role, 127.0.0.1, the request id
 * and a current time. A request expected to fail (want >= 400) must have
 * appended nothing. data/len/type: the body (type NULL: application/json
 * when data is set); if_match: an If-Match value or NULL.
 */
static void write_raw(const char *label, const struct actor *who, const char *method, const char *path,
                      const void *data, size_t len, const char *type, const char *if_match, long want, struct wr *w)
{
	static int seq;
	memset(w, 0, sizeof *w);
	snprintf(w->rid, sizeof w->rid, "audit-%03d-%s", ++seq, label);
	json_t *before = audit_all();

	char auth[6300], rid_h[128], ct[160], im[128], url[1024];
	const char *headers[8];
	size_t n = 0;
	if (who) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", who->t->access);
		headers[n++] = auth;
	}
	if (data) {
		snprintf(ct, sizeof ct, "Content-Type: %s", type ? type : "application/json");
		headers[n++] = ct;
	}
	snprintf(rid_h, sizeof rid_h, "X-Request-Id: %s", w->rid);
	headers[n++] = rid_h;
	if (if_match) {
		snprintf(im, sizeof im, "If-Match: %s", if_match);
		headers[n++] = im;
	}
	headers[n] = NULL;
	struct http_resp r;
	http_do(method, url_of(&srv, path, url, sizeof url), headers, data, len, 0, &r);
	w->status = r.status;
	if (r.status != want)
		fail_msg("[%s] %s %s: expected %ld, got %ld: %.600s", label, method, path, want, r.status,
		         buf_cstr(&r.body));
	char echoed[128];
	if (!http_header(&r, "X-Request-Id", echoed, sizeof echoed) || strcmp(echoed, w->rid) != 0)
		fail_msg("[%s] X-Request-Id not echoed as %s", label, w->rid);
	w->body = r.body.len ? http_json(&r) : NULL;
	http_resp_release(&r);

	json_t *after = audit_all();
	size_t nb = json_array_size(before), na = json_array_size(after);
	if (na < nb)
		fail_msg("[%s] the audit trail shrank from %zu to %zu rows", label, nb, na);
	for (size_t i = 0; i < nb; i++)
		if (!json_equal(json_array_get(before, i), json_array_get(after, i)))
			fail_msg("[%s] audit row %lld changed: %s", label, jint(json_array_get(before, i), "id"),
			         json_dumps(json_array_get(after, i), JSON_COMPACT));
	w->rows = json_array();
	double now = (double)time(NULL);
	for (size_t i = nb; i < na; i++) {
		json_t *row = json_array_get(after, i);
		char *dump = json_dumps(row, JSON_COMPACT);
		if (want >= 400)
			fail_msg("[%s] a failed write (%ld) left an audit row: %s", label, want, dump);
		if (who) {
			if (!jstr(row, "actor_id") || strcmp(jstr(row, "actor_id"), who->t->user_id) != 0)
				fail_msg("[%s] actor_id is not %s: %s", label, who->t->user_id, dump);
			if (!jstr(row, "actor_role") || strcmp(jstr(row, "actor_role"), who->role) != 0)
				fail_msg("[%s] actor_role is not %s: %s", label, who->role, dump);
		}
		if (!jstr(row, "actor_addr") || strcmp(jstr(row, "actor_addr"), "127.0.0.1") != 0)
			fail_msg("[%s] actor_addr is not 127.0.0.1: %s", label, dump);
		if (!jstr(row, "request_id") || strcmp(jstr(row, "request_id"), w->rid) != 0)
			fail_msg("[%s] request_id is not %s: %s", label, w->rid, dump);
		double at = ts_of(jstr(row, "at"));
		if (at < now - 120 || at > now + 120)
			fail_msg("[%s] at %s is not the time of the write: %s", label, jstr(row, "at"), dump);
		free(dump);
		json_array_append(w->rows, row);
	}
	json_decref(before);
	json_decref(after);
}

static void write_json(const char *label, const struct actor *who, const char *method, const char *path,
                       const char *json, const char *if_match, long want, struct wr *w)
{
	write_raw(label, who, method, path, json, json ? strlen(json) : 0, NULL, if_match, want, w);
}

/* A write that must fail with status and problem code and leave no row. */
static void write_fails(const char *label, const struct actor *who, const char *method, const char *path,
                        const char *json, const char *if_match, long status, const char *code)
{
	struct wr w;
	write_json(label, who, method, path, json, if_match, status, &w);
	if (code) {
		json_t *p = w.body;
		if (!jstr(p, "code") || strcmp(jstr(p, "code"), code) != 0)
			fail_msg("[%s] expected problem code %s, got %s", label, code, jstr(p, "code"));
	}
	assert_int_equal(json_array_size(w.rows), 0);
	wr_release(&w);
}

/* ---- matching rows ------------------------------------------------------------------------- */

static void dump_rows(const char *what, const json_t *rows)
{
	char *d = json_dumps(rows, JSON_COMPACT | JSON_INDENT(0));
	fprintf(stderr, "%s: %s\n", what, d);
	free(d);
}

/* Members the round-membership rows use instead of columns. */
static const char *const MEMBER_KEYS[] = {"target_added", "target_removed", "inspector_added", "inspector_removed",
                                          NULL};

static int is_member_row(const json_t *row)
{
	json_t *ch = json_object_get(row, "changes");
	const char *key;
	json_t *v;
	json_object_foreach(ch, key, v)
	{
		if (in_list(key, MEMBER_KEYS))
			return 1;
	}
	return 0;
}

/* Removes from rows the one row of entity/entity_id/action (not a
 * membership row) and returns it (caller decrefs); fails unless exactly one. */
static json_t *take(json_t *rows, const char *what, const char *entity, const char *entity_id, const char *action)
{
	size_t hit = (size_t)-1, count = 0, i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		if (strcmp(jstr(row, "entity"), entity) == 0 && strcmp(jstr(row, "entity_id"), entity_id) == 0 &&
		    strcmp(jstr(row, "action"), action) == 0 && !is_member_row(row)) {
			hit = i;
			count++;
		}
	}
	if (count != 1) {
		dump_rows(what, rows);
		fail_msg("%s: %zu rows %s %s %s, want exactly 1", what, count, entity, entity_id, action);
	}
	json_t *out = json_incref(json_array_get(rows, hit));
	json_array_remove(rows, hit);
	return out;
}

/* Removes the one round-membership row {key: {old, new}} of round_id whose
 * id is member (new for *_added, old for *_removed). */
static void take_member(json_t *rows, const char *what, const char *round_id, const char *key, const char *member)
{
	int added = strstr(key, "_added") != NULL;
	size_t hit = (size_t)-1, count = 0, i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		json_t *ch = json_object_get(row, "changes");
		json_t *c = json_object_get(ch, key);
		if (strcmp(jstr(row, "entity"), "round") != 0 || strcmp(jstr(row, "entity_id"), round_id) != 0 || !c)
			continue;
		const char *id = jstr(c, added ? "new" : "old");
		if (!id || strcmp(id, member) != 0)
			continue;
		if (strcmp(jstr(row, "action"), "update") != 0 || json_object_size(ch) != 1 ||
		    !json_is_null(json_object_get(c, added ? "old" : "new")))
			fail_msg("%s: membership row of the wrong shape (want action update, changes {%s: {old: %s, "
			         "new: %s}} only): %s",
			         what, key, added ? "null" : member, added ? member : "null",
			         json_dumps(row, JSON_COMPACT));
		hit = i;
		count++;
	}
	if (count != 1) {
		dump_rows(what, rows);
		fail_msg("%s: %zu rows round %s %s %s, want exactly 1", what, count, round_id, key, member);
	}
	json_array_remove(rows, hit);
}

static void no_more(const json_t *rows, const char *what)
{
	if (json_array_size(rows) != 0) {
		dump_rows(what, rows);
		fail_msg("%s: %zu audit rows more than expected (listed above)", what, json_array_size(rows));
	}
}

static json_t *chg(const json_t *row, const char *col)
{
	json_t *c = json_object_get(json_object_get(row, "changes"), col);
	if (!c)
		fail_msg("audit row %s %s %s has no change of %s: %s", jstr(row, "entity"), jstr(row, "action"),
		         jstr(row, "entity_id"), col, json_dumps(row, JSON_COMPACT));
	return c;
}

static void no_chg(const json_t *row, const char *col)
{
	if (json_object_get(json_object_get(row, "changes"), col))
		fail_msg("audit row %s %s has a change of %s it should not: %s", jstr(row, "entity"),
		         jstr(row, "action"), col, json_dumps(row, JSON_COMPACT));
}

/* The change of col is exactly {old, new} (both stolen; NULL: JSON null). */
static void chg_is(const json_t *row, const char *col, json_t *old, json_t *new)
{
	json_t *c = chg(row, col);
	if (!old)
		old = json_null();
	if (!new)
		new = json_null();
	if (!json_equal(json_object_get(c, "old"), old) || !json_equal(json_object_get(c, "new"), new)) {
		char *o = json_dumps(old, JSON_ENCODE_ANY), *n = json_dumps(new, JSON_ENCODE_ANY);
		fail_msg("audit row %s %s %s: %s is %s, want {old: %s, new: %s}", jstr(row, "entity"),
		         jstr(row, "action"), jstr(row, "entity_id"), col,
		         json_dumps(c, JSON_COMPACT | JSON_ENCODE_ANY), o, n);
	}
	json_decref(old);
	json_decref(new);
}

static void chg_s(const json_t *row, const char *col, const char *old, const char *new)
{
	chg_is(row, col, old ? json_string(old) : NULL, new ? json_string(new) : NULL);
}

static void chg_i(const json_t *row, const char *col, long long old, long long new)
{
	chg_is(row, col, json_integer(old), json_integer(new));
}

/* A 0/1 column: accepts 0/1 or false/true for each side. */
static void chg_b(const json_t *row, const char *col, int old, int new)
{
	json_t *c = chg(row, col);
	json_t *sides[2] = {json_object_get(c, "old"), json_object_get(c, "new")};
	int want[2] = {old, new};
	for (int k = 0; k < 2; k++) {
		json_t *v = sides[k];
		int ok = (json_is_integer(v) && json_integer_value(v) == want[k]) ||
		         (json_is_boolean(v) && json_is_true(v) == want[k]);
		if (!ok)
			fail_msg("audit row %s %s: %s is %s, want {old: %d, new: %d}", jstr(row, "entity"),
			         jstr(row, "action"), col, json_dumps(c, JSON_COMPACT), old, new);
	}
}

/* The change is masked: {old: "***" (or null when allow_old_null), new: "***"}. */
static void chg_masked(const json_t *row, const char *col, int allow_old_null)
{
	json_t *c = chg(row, col);
	json_t *o = json_object_get(c, "old"), *n = json_object_get(c, "new");
	if (!is_masked(n) || !(is_masked(o) || (allow_old_null && json_is_null(o))))
		fail_msg("audit row %s %s: %s is %s, want {old: \"***\", new: \"***\"}", jstr(row, "entity"),
		         jstr(row, "action"), col, json_dumps(c, JSON_COMPACT));
}

/* A create row: every change has old null and a non-null new (masked
 * columns: old null or "***"), the columns in absent are not there, and
 * the id is id. */
static void create_row(const json_t *row, const char *id, const char *const *absent)
{
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(row, "changes"), key, v)
	{
		json_t *o = json_object_get(v, "old"), *n = json_object_get(v, "new");
		if (strcmp(key, "password") == 0 || strcmp(key, "secret") == 0)
			continue; /* checked by chg_masked */
		if (!json_is_null(o) || json_is_null(n))
			fail_msg("create row %s %s: %s is not {old: null, new: <value>}: %s", jstr(row, "entity"),
			         jstr(row, "entity_id"), key, json_dumps(row, JSON_COMPACT));
	}
	for (const char *const *a = absent; a && *a; a++)
		no_chg(row, *a);
	no_chg(row, "create_hash");
	chg_s(row, "id", NULL, id);
}

/* An update row: at least one change, every change old != new, and only
 * columns of allowed (NULL: any). */
static void update_row(const json_t *row, const char *const *allowed)
{
	json_t *ch = json_object_get(row, "changes");
	if (json_object_size(ch) == 0)
		fail_msg("update row without changes: %s", json_dumps(row, JSON_COMPACT));
	const char *key;
	json_t *v;
	json_object_foreach(ch, key, v)
	{
		if (strcmp(key, "password") != 0 && strcmp(key, "secret") != 0 &&
		    json_equal(json_object_get(v, "old"), json_object_get(v, "new")))
			fail_msg("update row %s %s lists the unchanged column %s: %s", jstr(row, "entity"),
			         jstr(row, "entity_id"), key, json_dumps(row, JSON_COMPACT));
		if (allowed && !in_list(key, allowed))
			fail_msg("update row %s %s: the column %s should not have changed: %s", jstr(row, "entity"),
			         jstr(row, "entity_id"), key, json_dumps(row, JSON_COMPACT));
	}
}

/* A delete row: every change has new null and a non-null old (masked
 * columns: new null or "***"). */
static void delete_row(const json_t *row, const char *id)
{
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(row, "changes"), key, v)
	{
		json_t *o = json_object_get(v, "old"), *n = json_object_get(v, "new");
		if (strcmp(key, "password") == 0 || strcmp(key, "secret") == 0)
			continue;
		if (json_is_null(o) || !json_is_null(n))
			fail_msg("delete row %s %s: %s is not {old: <value>, new: null}: %s", jstr(row, "entity"),
			         jstr(row, "entity_id"), key, json_dumps(row, JSON_COMPACT));
	}
	chg_s(row, "id", id, NULL);
}

/* The version went from old to old + 1 (entities with a version column). */
static void version_bump(const json_t *row, long long old)
{
	chg_i(row, "version", old, old + 1);
}

/* For create rows: {old: null, new: v}. */
static void new_s(const json_t *row, const char *col, const char *v)
{
	chg_s(row, col, NULL, v);
}

static void new_i(const json_t *row, const char *col, long long v)
{
	chg_is(row, col, NULL, json_integer(v));
}

/* Fails when the text of rows contains any of the NULL-terminated needles. */
static void rows_lack(const json_t *rows, const char *what, const char *const *needles)
{
	char *d = json_dumps(rows, JSON_COMPACT);
	for (const char *const *n = needles; *n; n++)
		if (strstr(d, *n))
			fail_msg("%s: the audit rows contain \"%s\": %s", what, *n, d);
	free(d);
}

/* The current local year in Asia/Shanghai (UTC+8, no DST). */
static int local_year_now(void)
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

static void need(const char *id, const char *what)
{
	if (!id[0])
		fail_msg("%s is missing: an earlier test failed before making it", what);
}

/* ---- start-up writes ----------------------------------------------------------------------- */

static void test_startup_rows(void **state)
{
	(void)state;
	json_t *all = audit_all();
	const char *ids[] = {crew.cast.admin.user_id, crew.tree.city};
	const char *entities[] = {"user", "org"};
	for (size_t k = 0; k < 2; k++) {
		json_t *rows = json_array();
		size_t i;
		json_t *it;
		json_array_foreach(all, i, it)
		{
			if (strcmp(jstr(it, "entity_id"), ids[k]) == 0)
				json_array_append(rows, it);
		}
		json_t *row = take(rows, "bootstrap", entities[k], ids[k], "create");
		create_row(row, ids[k], NULL);
		if (k == 0) {
			new_s(row, "username", "admin");
			new_s(row, "role", "admin");
			new_s(row, "org_id", crew.tree.city);
			chg_masked(row, "password", 1);
			no_chg(row, "password_hash");
		} else {
			new_s(row, "code", "root");
			new_s(row, "level", "city");
			no_chg(row, "parent_id");
		}
		const char *nulls[] = {"actor_id", "actor_addr", "request_id"};
		for (size_t n = 0; n < 3; n++)
			if (!json_is_null(json_object_get(row, nulls[n])))
				fail_msg("start-up row with %s set: %s", nulls[n], json_dumps(row, JSON_COMPACT));
		json_t *role = json_object_get(row, "actor_role");
		if (!json_is_null(role) && !(json_is_string(role) && strcmp(json_string_value(role), "cli") == 0))
			fail_msg("start-up row with actor_role %s", json_dumps(role, JSON_ENCODE_ANY));
		json_decref(row);
		json_decref(rows);
	}
	/* crew_build's writes through the API carry the admin and a request id. */
	int found = 0;
	size_t i;
	json_t *it;
	json_array_foreach(all, i, it)
	{
		if (strcmp(jstr(it, "entity_id"), crew.tree.town_a) == 0) {
			found++;
			assert_string_equal(jstr(it, "action"), "create");
			assert_string_equal(jstr(it, "actor_id"), crew.cast.admin.user_id);
			assert_string_equal(jstr(it, "actor_role"), "admin");
			assert_string_equal(jstr(it, "actor_addr"), "127.0.0.1");
			assert_non_null(jstr(it, "request_id"));
		}
	}
	assert_int_equal(found, 1);
	json_decref(all);
}

/* ---- orgs ---------------------------------------------------------------------------------- */

static void test_orgs(void **state)
{
	(void)state;
	struct wr w;
	char body[512], path[128];

	snprintf(body, sizeof body,
	         "{\"code\":\"vil-audit\",\"name\":\"审计村\",\"level\":\"village\",\"parent_id\":\"%s\","
	         "\"category\":\"pilot\"}",
	         crew.tree.town_a);
	write_json("org-create", &A_ADMIN, "POST", "/api/v1/orgs", body, NULL, 201, &w);
	snprintf(org_x, sizeof org_x, "%s", jstr(w.body, "id"));
	json_t *row = take(w.rows, "org create", "org", org_x, "create");
	no_more(w.rows, "org create");
	create_row(row, org_x, NULL);
	new_s(row, "code", "vil-audit");
	new_s(row, "name", "审计村");
	new_s(row, "level", "village");
	new_s(row, "parent_id", crew.tree.town_a);
	new_s(row, "category", "pilot");
	new_s(row, "status", "normal");
	new_i(row, "version", 1);
	chg(row, "path");
	chg(row, "created_at");
	json_decref(row);
	wr_release(&w);

	/* Update with If-Match: the name changed, the category cleared. */
	pathf(path, sizeof path, "/api/v1/orgs/%s", org_x);
	write_json("org-update", &A_ADMIN, "PUT", path, "{\"name\":\"审计新村\",\"category\":null}", "\"1\"", 200, &w);
	row = take(w.rows, "org update", "org", org_x, "update");
	no_more(w.rows, "org update");
	update_row(row, (const char *const[]){"name", "category", "version", "updated_at", NULL});
	chg_s(row, "name", "审计村", "审计新村");
	chg_s(row, "category", "pilot", NULL);
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);

	/* Failed writes leave nothing: a stale If-Match, a bad body, a duplicate
	 * code, a forbidden caller. */
	write_fails("org-412", &A_ADMIN, "PUT", path, "{\"name\":\"过期\"}", "\"1\"", 412, "version_conflict");
	snprintf(body, sizeof body,
	         "{\"code\":\"vil-bad\",\"name\":\"坏村\",\"level\":\"planet\",\"parent_id\":\"%s\"}",
	         crew.tree.town_a);
	write_fails("org-422", &A_ADMIN, "POST", "/api/v1/orgs", body, NULL, 422, "validation_failed");
	snprintf(body, sizeof body,
	         "{\"code\":\"vil-audit\",\"name\":\"重复村\",\"level\":\"village\",\"parent_id\":\"%s\"}",
	         crew.tree.town_a);
	write_fails("org-409", &A_ADMIN, "POST", "/api/v1/orgs", body, NULL, 409, "code_taken");
	write_fails("org-403", &A_SUP, "PUT", path, "{\"name\":\"越权\"}", NULL, 403, "forbidden");
}

/* ---- users --------------------------------------------------------------------------------- */

static void test_users(void **state)
{
	(void)state;
	struct wr w;
	char path[128], body[512];
	const char *const secrets[] = {"$argon2", U_PASS0, U_PASS1, U_PASS2, "password_hash", NULL};

	snprintf(body, sizeof body,
	         "{\"username\":\"audit.u\",\"display_name\":\"审计用户\",\"role\":\"cadre\",\"org_id\":\"%s\","
	         "\"password\":\"" U_PASS0 "\"}",
	         crew.tree.village_a1);
	write_json("user-create", &A_ADMIN, "POST", "/api/v1/users", body, NULL, 201, &w);
	snprintf(user_u, sizeof user_u, "%s", jstr(w.body, "id"));
	rows_lack(w.rows, "user create", secrets);
	json_t *row = take(w.rows, "user create", "user", user_u, "create");
	no_more(w.rows, "user create");
	create_row(row, user_u, (const char *const[]){"phone", "password_hash", NULL});
	new_s(row, "username", "audit.u");
	new_s(row, "display_name", "审计用户");
	new_s(row, "role", "cadre");
	new_s(row, "org_id", crew.tree.village_a1);
	new_i(row, "version", 1);
	chg_masked(row, "password", 1);
	json_decref(row);
	wr_release(&w);

	/* Update: display name and a phone. */
	pathf(path, sizeof path, "/api/v1/users/%s", user_u);
	write_json("user-update", &A_ADMIN, "PUT", path, "{\"display_name\":\"审计用户二\",\"phone\":\"13800000001\"}",
	           NULL, 200, &w);
	row = take(w.rows, "user update", "user", user_u, "update");
	no_more(w.rows, "user update");
	update_row(row, (const char *const[]){"display_name", "phone", "version", "updated_at", NULL});
	chg_s(row, "display_name", "审计用户", "审计用户二");
	chg_s(row, "phone", NULL, "13800000001");
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);

	/* The user changes their own password: a wrong old one first (422, nothing). */
	struct tokens tu;
	api_login_ok(&srv, "audit.u", U_PASS0, &tu);
	struct actor A_U = {&tu, "cadre"};
	write_fails("pw-wrong", &A_U, "PUT", "/api/v1/me/password",
	            "{\"old_password\":\"not-the-password\",\"new_password\":\"" U_PASS1 "\"}", NULL, 422,
	            "validation_failed");
	const char *const pw_cols[] = {"password", "token_version", "version", "updated_at", NULL};
	write_json("pw-change", &A_U, "PUT", "/api/v1/me/password",
	           "{\"old_password\":\"" U_PASS0 "\",\"new_password\":\"" U_PASS1 "\"}", NULL, 200, &w);
	rows_lack(w.rows, "password change", secrets);
	row = take(w.rows, "password change", "user", user_u, "update");
	no_more(w.rows, "password change");
	update_row(row, pw_cols);
	chg_masked(row, "password", 0);
	no_chg(row, "password_hash");
	chg(row, "token_version");
	json_decref(row);
	wr_release(&w);

	/* The admin sets another password. */
	write_json("pw-admin", &A_ADMIN, "PUT", path, "{\"password\":\"" U_PASS2 "\"}", NULL, 200, &w);
	rows_lack(w.rows, "password set by the admin", secrets);
	row = take(w.rows, "password set by the admin", "user", user_u, "update");
	no_more(w.rows, "password set by the admin");
	update_row(row, pw_cols);
	chg_masked(row, "password", 0);
	chg(row, "token_version");
	json_decref(row);
	wr_release(&w);

	/* Disable. */
	write_json("user-disable", &A_ADMIN, "POST", pathf(path, sizeof path, "/api/v1/users/%s/disable", user_u), NULL,
	           NULL, 200, &w);
	row = take(w.rows, "user disable", "user", user_u, "update");
	no_more(w.rows, "user disable");
	update_row(row, (const char *const[]){"disabled", "token_version", "version", "updated_at", NULL});
	chg_b(row, "disabled", 0, 1);
	json_decref(row);
	wr_release(&w);
	/* Disabling the own account is refused: nothing. */
	write_fails("user-409", &A_ADMIN, "POST",
	            pathf(path, sizeof path, "/api/v1/users/%s/disable", crew.cast.admin.user_id), NULL, NULL, 409,
	            "conflict");
}

/* A CLI admin command writing while the server runs: its row has no
 * request, no address and no actor (actor_role "cli" is allowed). */
static void test_cli_write(void **state)
{
	(void)state;
	need(user_u, "the user test's user");
	json_t *before = audit_all();
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = run_cli((const char *const[]){"user", "reset-password", "audit.u", "--password-stdin", "--data",
	                                       srv.data_dir, NULL},
	                 NULL, U_PASS3 "\n", &out, &err);
	if (rc != 0)
		fail_msg("inspectd user reset-password: exit %d: %s %s", rc, buf_cstr(&out), buf_cstr(&err));
	buf_release(&out);
	buf_release(&err);
	json_t *after = audit_all();
	json_t *rows = json_array();
	for (size_t i = json_array_size(before); i < json_array_size(after); i++)
		json_array_append(rows, json_array_get(after, i));
	rows_lack(rows, "CLI password reset", (const char *const[]){"$argon2", U_PASS3, NULL});
	json_t *row = take(rows, "CLI password reset", "user", user_u, "update");
	no_more(rows, "CLI password reset");
	update_row(row, (const char *const[]){"password", "token_version", "version", "updated_at", NULL});
	chg_masked(row, "password", 0);
	const char *nulls[] = {"actor_id", "actor_addr", "request_id"};
	for (size_t n = 0; n < 3; n++)
		if (!json_is_null(json_object_get(row, nulls[n])))
			fail_msg("CLI row with %s set: %s", nulls[n], json_dumps(row, JSON_COMPACT));
	json_t *role = json_object_get(row, "actor_role");
	if (!json_is_null(role) && !(json_is_string(role) && strcmp(json_string_value(role), "cli") == 0))
		fail_msg("CLI row with actor_role %s", json_dumps(role, JSON_ENCODE_ANY));
	json_decref(row);
	json_decref(rows);
	json_decref(before);
	json_decref(after);
}

/* ---- templates and rounds ------------------------------------------------------------------ */

static char round_id[ID_LEN];

static void test_templates_rounds(void **state)
{
	(void)state;
	struct wr w;
	char path[128];
	static const char tpl_body[] =
	        "{\"key\":\"audit-tpl\",\"name\":\"审计模板\",\"description\":\"用于审计测试\",\"dimensions\":["
	        "{\"code\":\"d1\",\"label\":\"维度一\",\"weight\":60,\"items\":["
	        "{\"code\":\"i1\",\"text\":\"得分项\",\"kind\":\"score\",\"max_score\":10,\"needs_photo\":false,"
	        "\"source\":null}]},"
	        "{\"code\":\"d2\",\"label\":\"维度二\",\"weight\":40,\"items\":["
	        "{\"code\":\"i4\",\"text\":\"是否项\",\"kind\":\"yes_no\",\"max_score\":4,\"needs_photo\":false,"
	        "\"source\":null}]}]}";
	write_json("template-create", &A_ADMIN, "POST", "/api/v1/templates", tpl_body, NULL, 201, &w);
	const char *tid = jstr(w.body, "id");
	json_t *row = take(w.rows, "template create", "template", tid, "create");
	no_more(w.rows, "template create");
	create_row(row, tid, NULL);
	new_s(row, "key", "audit-tpl");
	new_s(row, "name", "审计模板");
	new_s(row, "description", "用于审计测试");
	new_i(row, "version", 1);
	chg(row, "definition");
	json_decref(row);
	wr_release(&w);

	/* A round over A1 and A2 with two inspectors: the round, then one
	 * membership row per target and inspector. */
	need(org_x, "the org test's village");
	char *body = jbody("{s:s, s:s, s:s, s:[s,s], s:[s,s]}", "month", "2023-05", "title", "审计月观摩",
	                   "template_id", QIQIANG_TEMPLATE_ID, "org_ids", crew.tree.village_a1, crew.tree.village_a2,
	                   "inspector_ids", crew.insp_city.user_id, crew.insp_two.user_id);
	write_json("round-create", &A_SUP, "POST", "/api/v1/rounds", body, NULL, 201, &w);
	free(body);
	snprintf(round_id, sizeof round_id, "%s", jstr(w.body, "id"));
	take_member(w.rows, "round create", round_id, "target_added", crew.tree.village_a1);
	take_member(w.rows, "round create", round_id, "target_added", crew.tree.village_a2);
	take_member(w.rows, "round create", round_id, "inspector_added", crew.insp_city.user_id);
	take_member(w.rows, "round create", round_id, "inspector_added", crew.insp_two.user_id);
	row = take(w.rows, "round create", "round", round_id, "create");
	no_more(w.rows, "round create");
	create_row(row, round_id, NULL);
	new_s(row, "month", "2023-05");
	new_s(row, "title", "审计月观摩");
	new_s(row, "template_id", QIQIANG_TEMPLATE_ID);
	new_s(row, "org_id", crew.tree.town_a);
	new_s(row, "status", "open");
	new_i(row, "version", 1);
	json_decref(row);
	wr_release(&w);

	/* A bad update (unknown inspector) and a stale If-Match: nothing. */
	pathf(path, sizeof path, "/api/v1/rounds/%s", round_id);
	body = jbody("{s:s, s:[s]}", "title", "坏", "inspector_ids", unknown_id);
	write_fails("round-422", &A_SUP, "PUT", path, body, NULL, 422, "validation_failed");
	free(body);
	write_fails("round-412", &A_SUP, "PUT", path, "{\"title\":\"过期\"}", "\"9\"", 412, "version_conflict");

	/* Update: title; targets [A1, A2] → [A1, X] (A1 stays first: unchanged);
	 * inspectors [city, two] → [city]. */
	body = jbody("{s:s, s:[s,s], s:[s]}", "title", "审计月观摩（调整）", "org_ids", crew.tree.village_a1, org_x,
	             "inspector_ids", crew.insp_city.user_id);
	write_json("round-update", &A_SUP, "PUT", path, body, NULL, 200, &w);
	free(body);
	take_member(w.rows, "round update", round_id, "target_removed", crew.tree.village_a2);
	take_member(w.rows, "round update", round_id, "target_added", org_x);
	take_member(w.rows, "round update", round_id, "inspector_removed", crew.insp_two.user_id);
	row = take(w.rows, "round update", "round", round_id, "update");
	/* Nothing about A1 or insp.city, whose membership did not change. */
	no_more(w.rows, "round update (an unchanged target or inspector audited as removed and added again?)");
	update_row(row, (const char *const[]){"title", "version", "updated_at", "seq", NULL});
	chg_s(row, "title", "审计月观摩", "审计月观摩（调整）");
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);
}

/* ---- inspections, findings, photos --------------------------------------------------------- */

static void test_inspections(void **state)
{
	(void)state;
	need(round_id, "the round");
	struct wr w;
	char path[160], x[ID_LEN], y[ID_LEN], z[ID_LEN];
	char *body = jbody("{s:s, s:s}", "org_id", crew.tree.village_a1, "round_id", round_id);

	/* Create. */
	write_json("insp-create", &A_INSP, "POST", "/api/v1/inspections", body, NULL, 201, &w);
	snprintf(x, sizeof x, "%s", jstr(w.body, "id"));
	json_t *row = take(w.rows, "inspection create", "inspection", x, "create");
	no_more(w.rows, "inspection create");
	create_row(row, x,
	           (const char *const[]){"submitted_at", "reviewed_at", "reviewed_by", "return_reason", "notes", NULL});
	new_s(row, "org_id", crew.tree.village_a1);
	new_s(row, "round_id", round_id);
	new_s(row, "template_id", QIQIANG_TEMPLATE_ID);
	new_s(row, "inspector_id", crew.insp_city.user_id);
	new_s(row, "status", "draft");
	new_i(row, "version", 1);
	json_decref(row);
	wr_release(&w);

	/* Update: complete answers and notes. */
	json_t *answers = answers_complete(tpl, 0);
	json_t *b = json_pack("{s:O, s:s}", "answers", answers, "notes", "审计备注");
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	json_decref(answers);
	inspection_path(x, NULL, path, sizeof path);
	write_json("insp-update", &A_INSP, "PUT", path, text, NULL, 200, &w);
	free(text);
	row = take(w.rows, "inspection update", "inspection", x, "update");
	no_more(w.rows, "inspection update");
	update_row(row, (const char *const[]){"answers", "notes", "score", "started_at", "finished_at", "location",
	                                      "version", "updated_at", "seq", NULL});
	chg(row, "answers");
	chg_s(row, "notes", NULL, "审计备注");
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);

	/* Submit, then approve. */
	write_json("insp-submit", &A_INSP, "POST", inspection_path(x, "/submit", path, sizeof path), "{}", NULL, 200,
	           &w);
	row = take(w.rows, "inspection submit", "inspection", x, "update");
	no_more(w.rows, "inspection submit");
	update_row(row, NULL);
	no_chg(row, "create_hash");
	chg_s(row, "status", "draft", "submitted");
	chg(row, "submitted_at");
	version_bump(row, 2);
	json_decref(row);
	wr_release(&w);
	write_json("insp-approve", &A_SUP, "POST", inspection_path(x, "/approve", path, sizeof path), "{}", NULL, 200,
	           &w);
	row = take(w.rows, "inspection approve", "inspection", x, "update");
	no_more(w.rows, "inspection approve");
	update_row(row, NULL);
	chg_s(row, "status", "submitted", "approved");
	chg_s(row, "reviewed_by", NULL, crew.cast.supervisor.user_id);
	chg(row, "reviewed_at");
	version_bump(row, 3);
	json_decref(row);
	wr_release(&w);
	/* Approving again is refused: nothing. */
	write_fails("insp-409", &A_SUP, "POST", inspection_path(x, "/approve", path, sizeof path), "{}", NULL, 409,
	            "invalid_transition");

	/* Delete a draft: the tombstone is an update deleted 0 → 1. */
	write_json("insp-create-y", &A_INSP, "POST", "/api/v1/inspections", body, NULL, 201, &w);
	snprintf(y, sizeof y, "%s", jstr(w.body, "id"));
	json_decref(take(w.rows, "second inspection create", "inspection", y, "create"));
	no_more(w.rows, "second inspection create");
	wr_release(&w);
	write_json("insp-delete", &A_INSP, "DELETE", inspection_path(y, NULL, path, sizeof path), NULL, NULL, 204, &w);
	row = take(w.rows, "inspection delete", "inspection", y, "update");
	no_more(w.rows, "inspection delete (a tombstone, not a delete row)");
	update_row(row, NULL);
	chg_b(row, "deleted", 0, 1);
	json_decref(row);
	wr_release(&w);
	write_fails("insp-404", &A_INSP, "DELETE", path, NULL, NULL, 404, "not_found");

	/* A finding on a new draft. */
	write_json("insp-create-z", &A_INSP, "POST", "/api/v1/inspections", body, NULL, 201, &w);
	snprintf(z, sizeof z, "%s", jstr(w.body, "id"));
	wr_release(&w);
	write_json("finding-create", &A_INSP, "POST", inspection_path(z, "/findings", path, sizeof path),
	           "{\"severity\":\"high\",\"description\":\"三会一课记录缺失\"}", NULL, 201, &w);
	const char *fid = jstr(w.body, "id");
	row = take(w.rows, "finding create", "finding", fid, "create");
	no_more(w.rows, "finding create");
	create_row(row, fid, (const char *const[]){"item_code", "task_id", NULL});
	new_s(row, "inspection_id", z);
	new_s(row, "org_id", crew.tree.village_a1);
	new_s(row, "severity", "high");
	new_s(row, "description", "三会一课记录缺失");
	new_s(row, "created_by", crew.insp_city.user_id);
	new_i(row, "version", 1);
	json_decref(row);
	wr_release(&w);
	write_fails("finding-422", &A_INSP, "POST", path, "{\"severity\":\"huge\",\"description\":\"x\"}", NULL, 422,
	            "validation_failed");
	free(body);

	/* A photo upload. */
	unsigned char jpeg[3000];
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	memset(jpeg, 0x5a, sizeof jpeg);
	memcpy(jpeg, jfif, sizeof jfif);
	write_raw("photo-upload", &A_INSP, "POST", "/api/v1/photos?caption=audit-photo", jpeg, sizeof jpeg,
	          "image/jpeg", NULL, 201, &w);
	const char *pid = jstr(w.body, "id");
	row = take(w.rows, "photo upload", "photo", pid, "create");
	no_more(w.rows, "photo upload");
	create_row(row, pid,
	           (const char *const[]){"inspection_id", "finding_id", "task_id", "progress_id", "lat", "lng", NULL});
	new_s(row, "owner_id", crew.insp_city.user_id);
	new_s(row, "mime", "image/jpeg");
	new_i(row, "size", 3000);
	new_s(row, "caption", "audit-photo");
	json_t *sha = json_object_get(chg(row, "sha256"), "new");
	if (!json_is_string(sha) || strlen(json_string_value(sha)) != 64)
		fail_msg("photo create: sha256 is not 64 hex digits");
	json_decref(row);
	wr_release(&w);
}

/* ---- rectification: cases, tasks, progress, interviews ------------------------------------- */

static void org_status_row(json_t *rows, const char *what, const char *org, const char *from, const char *to)
{
	json_t *row = take(rows, what, "org", org, "update");
	update_row(row, (const char *const[]){"status", "version", "updated_at", NULL});
	chg_s(row, "status", from, to);
	json_decref(row);
}

static void test_rectification(void **state)
{
	(void)state;
	struct wr w;
	char cid[ID_LEN], tid[ID_LEN], path[160];
	int year = local_year_now();

	/* A case: the case row and A1's status normal → rectifying. */
	uuid_v4(cid);
	char *body = jbody("{s:s, s:s, s:i, s:s, s:s}", "id", cid, "org_id", crew.tree.village_a1, "year", year,
	                   "reason", "审计整顿原因", "source", "annual");
	write_json("case-create", &A_SUP, "POST", "/api/v1/rectifications", body, NULL, 201, &w);
	org_status_row(w.rows, "case create", crew.tree.village_a1, "normal", "rectifying");
	json_t *row = take(w.rows, "case create", "rectification", cid, "create");
	no_more(w.rows, "case create");
	create_row(row, cid,
	           (const char *const[]){"plan", "result", "evaluation", "closed_at", "finding_id", "contact_leader",
	                                 "town_leader", "town_leader_id", "first_secretary", "paired_unit", NULL});
	new_s(row, "org_id", crew.tree.village_a1);
	new_i(row, "year", year);
	new_s(row, "reason", "审计整顿原因");
	new_s(row, "source", "annual");
	new_s(row, "status", "open");
	new_s(row, "created_by", crew.cast.supervisor.user_id);
	new_i(row, "version", 1);
	json_decref(row);
	wr_release(&w);

	/* The retried create changes nothing: 200 and no row. */
	write_json("case-retry", &A_SUP, "POST", "/api/v1/rectifications", body, NULL, 200, &w);
	if (json_array_size(w.rows) != 0) {
		dump_rows("case retry", w.rows);
		fail_msg("an idempotent retry (200) appended %zu audit rows", json_array_size(w.rows));
	}
	wr_release(&w);
	free(body);
	/* A second live case of A1 this year: 409 case_exists, nothing. */
	body = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.village_a1, "year", year, "reason", "重复", "source",
	             "annual");
	write_fails("case-409", &A_SUP, "POST", "/api/v1/rectifications", body, NULL, 409, "case_exists");
	free(body);

	/* A task. */
	body = jbody("{s:s, s:s, s:s, s:b}", "title", "审计整改任务", "assignee_id", crew.cast.cadre.user_id,
	             "due_date", "2099-12-31", "requires_photo", 0);
	write_json("task-create", &A_SUP, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", cid),
	           body, NULL, 201, &w);
	free(body);
	snprintf(tid, sizeof tid, "%s", jstr(w.body, "id"));
	row = take(w.rows, "task create", "task", tid, "create");
	no_more(w.rows, "task create");
	create_row(row, tid,
	           (const char *const[]){"detail", "finding_id", "return_reason", "submitted_at", "verified_at",
	                                 "verified_by", NULL});
	new_s(row, "rectification_id", cid);
	new_s(row, "org_id", crew.tree.village_a1);
	new_s(row, "title", "审计整改任务");
	new_s(row, "assignee_id", crew.cast.cadre.user_id);
	new_s(row, "due_date", "2099-12-31");
	new_s(row, "status", "assigned");
	new_i(row, "version", 1);
	json_decref(row);
	wr_release(&w);
	/* A bad task: nothing. */
	body = jbody("{s:s, s:s, s:s}", "title", "坏任务", "assignee_id", crew.cast.cadre.user_id, "due_date", "明天");
	write_fails("task-422", &A_SUP, "POST", path, body, NULL, 422, "validation_failed");
	free(body);

	/* Start (the assignee). */
	const char *const status_cols[] = {"status", "version", "updated_at", NULL};
	write_json("task-start", &A_CADRE, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/start", tid), "{}", NULL,
	           200, &w);
	row = take(w.rows, "task start", "task", tid, "update");
	no_more(w.rows, "task start");
	update_row(row, status_cols);
	chg_s(row, "status", "assigned", "in_progress");
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);

	/* A progress report. */
	write_json("progress-create", &A_CADRE, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/progress", tid),
	           "{\"text\":\"已完成整改\",\"percent\":100}", NULL, 201, &w);
	const char *prid = jstr(w.body, "id");
	row = take(w.rows, "progress create", "progress", prid, "create");
	no_more(w.rows, "progress create");
	create_row(row, prid, NULL);
	new_s(row, "task_id", tid);
	new_s(row, "author_id", crew.cast.cadre.user_id);
	new_s(row, "text", "已完成整改");
	new_i(row, "percent", 100);
	json_decref(row);
	wr_release(&w);

	/* Submit, verify. */
	write_json("task-submit", &A_CADRE, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/submit", tid), "{}",
	           NULL, 200, &w);
	row = take(w.rows, "task submit", "task", tid, "update");
	no_more(w.rows, "task submit");
	update_row(row, (const char *const[]){"status", "submitted_at", "version", "updated_at", NULL});
	chg_s(row, "status", "in_progress", "submitted");
	json_decref(row);
	wr_release(&w);
	write_json("task-verify", &A_SUP, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/verify", tid), "{}", NULL,
	           200, &w);
	row = take(w.rows, "task verify", "task", tid, "update");
	no_more(w.rows, "task verify");
	update_row(row, (const char *const[]){"status", "verified_at", "verified_by", "return_reason", "version",
	                                      "updated_at", NULL});
	chg_s(row, "status", "submitted", "verified");
	chg_s(row, "verified_by", NULL, crew.cast.supervisor.user_id);
	chg(row, "verified_at");
	version_bump(row, 3);
	json_decref(row);
	wr_release(&w);
	/* Verifying again: 409, nothing. */
	write_fails("task-409", &A_SUP, "POST", path, "{}", NULL, 409, "invalid_transition");

	/* An interview about the task. */
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "task_id", tid, "person", "王强", "person_role", "村党支部书记",
	             "held_at", "2023-03-15T01:30:00Z", "reason", "整改进度滞后", "outcome", "限期整改");
	write_json("interview-create", &A_SUP, "POST",
	           pathf(path, sizeof path, "/api/v1/rectifications/%s/interviews", cid), body, NULL, 201, &w);
	free(body);
	const char *ivid = jstr(w.body, "id");
	row = take(w.rows, "interview create", "interview", ivid, "create");
	no_more(w.rows, "interview create");
	create_row(row, ivid, NULL);
	new_s(row, "rectification_id", cid);
	new_s(row, "task_id", tid);
	new_s(row, "person", "王强");
	new_s(row, "person_role", "村党支部书记");
	new_s(row, "reason", "整改进度滞后");
	new_s(row, "outcome", "限期整改");
	new_s(row, "recorded_by", crew.cast.supervisor.user_id);
	chg(row, "held_at");
	json_decref(row);
	wr_release(&w);

	/* Evaluate, then close as passed: the case and A1's status back to normal. */
	write_json("case-evaluate", &A_SUP, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/evaluate", cid),
	           "{}", NULL, 200, &w);
	row = take(w.rows, "case evaluate", "rectification", cid, "update");
	no_more(w.rows, "case evaluate");
	update_row(row, status_cols);
	chg_s(row, "status", "open", "evaluating");
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);
	pathf(path, sizeof path, "/api/v1/rectifications/%s/close", cid);
	write_fails("case-close-422", &A_SUP, "POST", path, "{\"result\":\"excellent\",\"evaluation\":\"x\"}", NULL,
	            422, "validation_failed");
	write_json("case-close", &A_SUP, "POST", path, "{\"result\":\"passed\",\"evaluation\":\"整改到位，同意销号\"}",
	           NULL, 200, &w);
	org_status_row(w.rows, "case close", crew.tree.village_a1, "rectifying", "normal");
	row = take(w.rows, "case close", "rectification", cid, "update");
	no_more(w.rows, "case close");
	update_row(row,
	           (const char *const[]){"status", "result", "evaluation", "closed_at", "version", "updated_at", NULL});
	chg_s(row, "status", "evaluating", "closed");
	chg_s(row, "result", NULL, "passed");
	chg_s(row, "evaluation", NULL, "整改到位，同意销号");
	chg(row, "closed_at");
	version_bump(row, 2);
	json_decref(row);
	wr_release(&w);
}

/* ---- webhooks ------------------------------------------------------------------------------ */

static void test_webhooks(void **state)
{
	(void)state;
	struct wr w;
	char path[160], wid[ID_LEN];
	const char *const secrets[] = {HOOK_SEC1, HOOK_SEC2, NULL};

	write_json("webhook-create", &A_ADMIN, "POST", "/api/v1/webhooks",
	           "{\"url\":\"http://127.0.0.1:9/"
	           "audit-hook\",\"events\":[\"rectification.closed\"],\"secret\":\"" HOOK_SEC1
	           "\",\"description\":\"审计钩子\"}",
	           NULL, 201, &w);
	snprintf(wid, sizeof wid, "%s", jstr(w.body, "id"));
	rows_lack(w.rows, "webhook create", secrets);
	json_t *row = take(w.rows, "webhook create", "webhook", wid, "create");
	no_more(w.rows, "webhook create");
	create_row(row, wid, NULL);
	new_s(row, "url", "http://127.0.0.1:9/audit-hook");
	new_s(row, "description", "审计钩子");
	new_i(row, "version", 1);
	chg(row, "events");
	chg_masked(row, "secret", 1);
	json_decref(row);
	wr_release(&w);

	/* A bad webhook: nothing. */
	write_fails("webhook-422", &A_ADMIN, "POST", "/api/v1/webhooks",
	            "{\"url\":\"ftp://example.com/x\",\"events\":[\"task.assigned\"],\"secret\":\"" HOOK_SEC2 "\"}",
	            NULL, 422, "validation_failed");

	/* Update: a new secret and description. */
	pathf(path, sizeof path, "/api/v1/webhooks/%s", wid);
	write_json("webhook-update", &A_ADMIN, "PUT", path,
	           "{\"secret\":\"" HOOK_SEC2 "\",\"description\":\"审计钩子二\"}", "\"1\"", 200, &w);
	rows_lack(w.rows, "webhook update", secrets);
	row = take(w.rows, "webhook update", "webhook", wid, "update");
	no_more(w.rows, "webhook update");
	update_row(row, (const char *const[]){"secret", "description", "version", "updated_at", NULL});
	chg_masked(row, "secret", 0);
	chg_s(row, "description", "审计钩子", "审计钩子二");
	version_bump(row, 1);
	json_decref(row);
	wr_release(&w);
	write_fails("webhook-412", &A_ADMIN, "PUT", path, "{\"description\":\"过期\"}", "\"1\"", 412,
	            "version_conflict");

	/* Delete. */
	write_json("webhook-delete", &A_ADMIN, "DELETE", path, NULL, NULL, 204, &w);
	rows_lack(w.rows, "webhook delete", secrets);
	row = take(w.rows, "webhook delete", "webhook", wid, "delete");
	no_more(w.rows, "webhook delete");
	delete_row(row, wid);
	chg_s(row, "url", "http://127.0.0.1:9/audit-hook", NULL);
	chg_s(row, "description", "审计钩子二", NULL);
	chg_is(row, "version", json_integer(2), NULL);
	json_t *sec = chg(row, "secret");
	if (!is_masked(json_object_get(sec, "old")))
		fail_msg("webhook delete: secret is %s, want old \"***\"", json_dumps(sec, JSON_COMPACT));
	json_decref(row);
	wr_release(&w);
}

/* ---- reading: filters, pagination, bad values, access -------------------------------------- */

struct filter {
	const char *entity, *entity_id, *actor_id;
	const char *since; /* as sent (NULL: none) */
};

static int matches(const json_t *it, const struct filter *f)
{
	if (f->entity && strcmp(jstr(it, "entity"), f->entity) != 0)
		return 0;
	if (f->entity_id && strcmp(jstr(it, "entity_id"), f->entity_id) != 0)
		return 0;
	if (f->actor_id && (!jstr(it, "actor_id") || strcmp(jstr(it, "actor_id"), f->actor_id) != 0))
		return 0;
	if (f->since && ts_of(jstr(it, "at")) < ts_of(f->since) - 1e-7)
		return 0;
	return 1;
}

/* The filtered trail, walked with a small page, equals the full trail's
 * matching rows (in order); returns how many there are. */
static size_t check_filter(const json_t *full, const struct filter *f, int limit)
{
	struct buf q = BUF_INIT;
	const char *names[] = {"entity", "entity_id", "actor_id", "since"};
	const char *vals[] = {f->entity, f->entity_id, f->actor_id, f->since};
	for (size_t i = 0; i < 4; i++)
		if (vals[i]) {
			char *esc = qs_escape(vals[i]);
			buf_printf(&q, "%s%s=%s", q.len ? "&" : "", names[i], esc);
			free(esc);
		}
	json_t *want = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(full, i, it)
	{
		if (matches(it, f))
			json_array_append(want, it);
	}
	json_t *got = audit_walk(buf_cstr(&q), limit, NULL);
	if (!json_equal(got, want)) {
		fprintf(stderr, "want ids:");
		json_array_foreach(want, i, it)
		{
			fprintf(stderr, " %lld", jint(it, "id"));
		}
		fprintf(stderr, "\ngot ids:");
		json_array_foreach(got, i, it)
		{
			fprintf(stderr, " %lld", jint(it, "id"));
		}
		fprintf(stderr, "\n");
		fail_msg("GET /api/v1/audit?%s: %zu rows, the full trail has %zu matching (ids above)", buf_cstr(&q),
		         json_array_size(got), json_array_size(want));
	}
	size_t n = json_array_size(want);
	json_decref(want);
	json_decref(got);
	buf_release(&q);
	return n;
}

static void test_filters(void **state)
{
	(void)state;
	json_t *full = audit_all();
	size_t n = json_array_size(full);
	if (n < 40)
		fail_msg("only %zu audit rows: the write tests did not run?", n);

	/* Each filter alone. */
	assert_true(check_filter(full, &(struct filter){.entity = "org"}, 3) >= 8);
	assert_true(check_filter(full, &(struct filter){.entity = "user"}, 4) >= 10);
	assert_true(check_filter(full, &(struct filter){.entity = "photo"}, 2) >= 1);
	assert_true(check_filter(full, &(struct filter){.entity_id = crew.tree.village_a1}, 2) >= 1);
	assert_true(check_filter(full, &(struct filter){.actor_id = crew.cast.cadre.user_id}, 2) >= 1);
	assert_true(check_filter(full, &(struct filter){.actor_id = crew.cast.supervisor.user_id}, 5) >= 5);
	if (round_id[0])
		assert_true(check_filter(full, &(struct filter){.entity_id = round_id}, 2) >= 5);
	/* Every entity kind the writes made can be asked for. */
	for (const char *const *e = ENTITIES; *e; e++)
		check_filter(full, &(struct filter){.entity = *e}, 50);

	/* since: a row in the middle, in UTC and in +08:00; the first row's time
	 * (everything); a time after the last row (nothing). */
	double t0 = ts_of(jstr(json_array_get(full, 0), "at"));
	size_t p = n / 2;
	while (p < n - 1 && ts_of(jstr(json_array_get(full, p), "at")) <= t0)
		p++; /* a row later than the first, so some rows are left out */
	const char *mid = jstr(json_array_get(full, p), "at");
	size_t k = check_filter(full, &(struct filter){.since = mid}, 10);
	if (k == 0 || (ts_of(mid) > t0 && k >= n))
		fail_msg("since=%s kept %zu of %zu rows", mid, k, n);
	char plus8[64];
	as_plus8(mid, plus8, sizeof plus8);
	assert_int_equal(check_filter(full, &(struct filter){.since = plus8}, 10), k);
	assert_int_equal(check_filter(full, &(struct filter){.since = jstr(json_array_get(full, 0), "at")}, 200), n);
	char future[32];
	utc_stamp(3600, future, sizeof future);
	assert_int_equal(check_filter(full, &(struct filter){.since = future}, 10), 0);

	/* Combined: since the time of the admin's last user write (so at least
	 * that one is kept). */
	const char *last_admin_user = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(full, i, it)
	{
		if (strcmp(jstr(it, "entity"), "user") == 0 && jstr(it, "actor_id") &&
		    strcmp(jstr(it, "actor_id"), crew.cast.admin.user_id) == 0)
			last_admin_user = jstr(it, "at");
	}
	assert_non_null(last_admin_user);
	assert_true(check_filter(full,
	                         &(struct filter){.entity = "user",
	                                          .actor_id = crew.cast.admin.user_id,
	                                          .since = last_admin_user},
	                         2) >= 1);
	assert_true(check_filter(full, &(struct filter){.entity = "task", .actor_id = crew.cast.supervisor.user_id},
	                         1) >= 2);
	assert_true(check_filter(full, &(struct filter){.entity = "org", .entity_id = crew.tree.village_a1}, 1) >= 3);
	/* …to nothing: an org's id under another entity, an unknown id. */
	assert_int_equal(check_filter(full, &(struct filter){.entity = "user", .entity_id = crew.tree.village_a1}, 5),
	                 0);
	assert_int_equal(check_filter(full, &(struct filter){.entity_id = unknown_id}, 5), 0);
	assert_int_equal(check_filter(full, &(struct filter){.actor_id = unknown_id}, 5), 0);
	json_decref(full);
}

static void test_pagination(void **state)
{
	(void)state;
	json_t *full = audit_all();
	/* Small pages: the same rows, ids increasing, no repeats (audit_walk
	 * checks every page), the last page's next_cursor null. */
	const int limits[] = {1, 7, 50};
	for (size_t i = 0; i < 3; i++) {
		json_t *paged = audit_walk("", limits[i], NULL);
		if (!json_equal(paged, full))
			fail_msg("walking with limit %d gives %zu rows, one page of 200 gives %zu", limits[i],
			         json_array_size(paged), json_array_size(full));
		json_decref(paged);
	}
	/* The default page size is 50. */
	json_t *first = api_expect(&srv, "GET", "/api/v1/audit", crew.cast.admin.access, NULL, 200);
	size_t n = json_array_size(full);
	assert_int_equal(json_array_size(json_object_get(first, "items")), n < 50 ? n : 50);
	if (n > 50)
		assert_true(json_is_string(json_object_get(first, "next_cursor")));
	json_decref(first);
	json_decref(full);
}

static void test_bad_filters(void **state)
{
	(void)state;
	const char *admin = crew.cast.admin.access;
	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"entity=nope", "entity"},
	        {"entity=orgs", "entity"},
	        {"entity=", "entity"},
	        {"entity_id=not-a-uuid", "entity_id"},
	        {"entity_id=123", "entity_id"},
	        {"actor_id=xyz", "actor_id"},
	        {"actor_id=7c9e6679-7425-40de-944b", "actor_id"},
	        {"since=yesterday", "since"},
	        {"since=2023-13-01T00:00:00Z", "since"},
	        {"since=2023-03-15T25:00:00Z", "since"},
	        {"since=1678838400", "since"},
	        {"limit=0", "limit"},
	        {"limit=201", "limit"},
	        {"limit=abc", "limit"},
	        {"limit=-1", "limit"},
	        {"cursor=garbage", "cursor"},
	        {"cursor=%21%21not-a-cursor%21%21", "cursor"},
	        {"cursor=eyJ4IjoxfQ", "cursor"},
	};
	char path[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/audit?%s", bad[i].query), admin, NULL,
		               (const char *const[]){bad[i].field, NULL});
	/* Several wrong at once: every one named. */
	expect_invalid(&srv, "GET", "/api/v1/audit?entity=nope&entity_id=1&since=x", admin, NULL,
	               (const char *const[]){"entity", "entity_id", "since", NULL});
}

static void test_access(void **state)
{
	(void)state;
	const struct tokens *others[] = {&crew.cast.supervisor, &crew.cast.inspector, &crew.insp_city,
	                                 &crew.cast.cadre,      &crew.cast.viewer,    &crew.viewer_a};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		expect_problem(&srv, "GET", "/api/v1/audit", others[i]->access, NULL, 403, "forbidden");
		expect_problem(&srv, "GET", "/api/v1/audit?entity=org", others[i]->access, NULL, 403, "forbidden");
	}
	struct http_resp r;
	api_get(&srv, "/api/v1/audit", NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	api_get(&srv, "/api/v1/audit", "not.a.token", &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	/* Read-only: no writes on it. */
	api_post(&srv, "/api/v1/audit", crew.cast.admin.access, "{}", &r);
	if (r.status != 405 && r.status != 404)
		fail_msg("POST /api/v1/audit: %ld, want 405 (or 404)", r.status);
	http_resp_release(&r);
}

/* ---- no secrets ---------------------------------------------------------------------------- */

static void walk_keys(const json_t *j)
{
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)j, key, v)
		{
			if (strstr(key, "hash") || strcmp(key, "password_hash") == 0)
				fail_msg("the audit trail carries a member \"%s\"", key);
			if (strcmp(key, "password") == 0 || strcmp(key, "secret") == 0) {
				json_t *o = json_object_get(v, "old"), *n = json_object_get(v, "new");
				if (!json_is_object(v) || (!json_is_null(o) && !is_masked(o)) ||
				    (!json_is_null(n) && !is_masked(n)))
					fail_msg("the audit trail shows %s unmasked: %s", key,
					         json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
			}
			walk_keys(v);
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
		{
			walk_keys(v);
		}
	}
}

static void test_no_secrets(void **state)
{
	(void)state;
	struct buf raw = BUF_INIT;
	json_t *full = audit_walk("", 200, &raw);
	walk_keys(full);
	const char *needles[] = {"$argon2",          "argon2id", "password_hash", "create_hash", FIXTURE_PASSWORD,
	                         BOOTSTRAP_PASSWORD, U_PASS0,    U_PASS1,         U_PASS2,       U_PASS3,
	                         HOOK_SEC1,          HOOK_SEC2};
	for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
		if (strstr(buf_cstr(&raw), needles[i]))
			fail_msg("the audit trail's raw text contains \"%s\"", needles[i]);
	/* The masked password changes are there: every user create and the
	 * password changes show password {…"***"}. */
	size_t masked = 0, i;
	json_t *it;
	json_array_foreach(full, i, it)
	{
		json_t *p = json_object_get(json_object_get(it, "changes"), "password");
		if (p && is_masked(json_object_get(p, "new")))
			masked++;
	}
	if (masked < 12)
		fail_msg("only %zu rows show a masked password change (crew users, audit.u and its two changes)",
		         masked);
	json_decref(full);
	buf_release(&raw);
}

/* ---- append-only --------------------------------------------------------------------------- */

static long long sql_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_append_only(void **state)
{
	(void)state;
	json_t *before = audit_all();
	char path[400];
	snprintf(path, sizeof path, "%s/inspectd.db", srv.data_dir);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("sqlite3_open_v2(%s): %s", path, db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_busy_timeout(db, 10000);
	long long rows = sql_count(db, "SELECT count(*) FROM audit");
	assert_int_equal(rows, (long long)json_array_size(before));

	static const char *const writes[] = {
	        "UPDATE audit SET entity = 'x'",
	        "UPDATE audit SET entity = 'x' WHERE id = (SELECT max(id) FROM audit)",
	        "DELETE FROM audit",
	        "DELETE FROM audit WHERE id = (SELECT min(id) FROM audit)",
	};
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		char *err = NULL;
		int rc = sqlite3_exec(db, writes[i], NULL, NULL, &err);
		if (rc == SQLITE_OK)
			fail_msg("\"%s\" succeeded on the audit table", writes[i]);
		if (!err || !strstr(err, "append-only"))
			fail_msg("\"%s\" failed with \"%s\", not an append-only error", writes[i],
			         err ? err : "(none)");
		sqlite3_free(err);
	}
	/* In an explicit transaction too: still refused, and nothing to commit. */
	char *err = NULL;
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err), SQLITE_OK);
	int rc = sqlite3_exec(db, "DELETE FROM audit WHERE entity = 'org'", NULL, NULL, &err);
	if (rc == SQLITE_OK || !err || !strstr(err, "append-only"))
		fail_msg("DELETE inside a transaction: rc %d, \"%s\"", rc, err ? err : "(none)");
	sqlite3_free(err);
	err = NULL;
	sqlite3_exec(db, "COMMIT", NULL, NULL, &err);
	sqlite3_free(err);
	assert_int_equal(sql_count(db, "SELECT count(*) FROM audit"), rows);
	assert_int_equal(sql_count(db, "SELECT count(*) FROM audit WHERE entity = 'x'"), 0);
	sqlite3_close(db);

	json_t *after = audit_all();
	if (!json_equal(before, after))
		fail_msg("the audit rows changed (%zu before, %zu after)", json_array_size(before),
		         json_array_size(after));
	json_decref(before);
	json_decref(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_startup_rows),
	        cmocka_unit_test(test_orgs),
	        cmocka_unit_test(test_users),
	        cmocka_unit_test(test_cli_write),
	        cmocka_unit_test(test_templates_rounds),
	        cmocka_unit_test(test_inspections),
	        cmocka_unit_test(test_rectification),
	        cmocka_unit_test(test_webhooks),
	        cmocka_unit_test(test_filters),
	        cmocka_unit_test(test_pagination),
	        cmocka_unit_test(test_bad_filters),
	        cmocka_unit_test(test_access),
	        cmocka_unit_test(test_no_secrets),
	        cmocka_unit_test(test_append_only),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
