/*
 * Rectification cases (整顿软弱涣散): a weak village party organization's
 * case for a year with the "four ones" (四个一) and a plan; `open` →
 * `evaluating` (every task verified) → `closed` (passed: the organization is
 * `normal` again) or back to `open` (failed); a closed case can be reopened
 * within its year. Interviews (约谈) are recorded on a case, and a finding
 * of an inspection can be turned into a task of its organization's case.
 *
 * Every state change is one transaction with its history row. Reads are
 * scoped in SQL (rect_store.c): a case outside the caller's subtree is 404.
 */
#include "rectify.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/xalloc.h"
#include "clock.h"
#include "crypto.h"
#include "inspections.h"
#include "obs_store.h"
#include "org_store.h"
#include "random.h"
#include "rounds.h"
#include "server.h"
#include "user_store.h"

/* ---- shared with tasks.c ---------------------------------------------------------------------- */

void rscope_of(const struct principal *p, struct rscope *r)
{
	r->sc.scope = policy_scope(p);
	policy_scope_end(r->sc.scope, r->end, sizeof r->end);
	r->sc.scope_end = r->end;
	clock_today(r->today);
	r->sc.today = r->today;
}

int rect_manager(const struct req *req)
{
	return req->principal.role == ROLE_ADMIN || req->principal.role == ROLE_SUPERVISOR;
}

void reply_transition(struct req *req, const char *what, const char *status, const char *action, json_t *allowed)
{
	json_t *extra = json_pack("{s:o}", "allowed", allowed);
	reply_problem(req, 409, "invalid_transition", extra, "状态为 %s 的%s不能%s", status, what, action);
	json_decref(extra);
}

json_t *action_body_or_reply(struct req *req, const char *const *allowed)
{
	if (!req->json) {
		req->json = json_object(); /* no body: as {} (freed with the request) */
		return req->json;
	}
	struct verr v;
	verr_init(&v);
	verr_unknown_fields(&v, req->json, allowed);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	return bad ? NULL : req->json;
}

void list_page(struct req *req, struct verr *v, struct page_query *q)
{
	query_page(req, v, q);
	if (q->page.sync)
		verr_add(v, "updated_since", "该列表不支持增量同步");
}

int list_page_or_reply(struct req *req, struct page_query *q)
{
	struct verr v;
	verr_init(&v);
	list_page(req, &v, q);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	return bad ? -1 : 0;
}

void reply_page(struct req *req, enum store_status s, const struct page_query *q, json_t *items, const char *key_field)
{
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	size_t count = json_array_size(items);
	json_t *last = count ? json_array_get(items, count - 1) : NULL;
	reply_json_new(req, 200,
	               page_envelope(q, items, (int)count,
	                             last ? json_string_value(json_object_get(last, key_field)) : "",
	                             last ? json_string_value(json_object_get(last, "id")) : "", 0, 0));
}

void reply_case_stale(struct req *req, struct db *db, const char *id)
{
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *cur = NULL, *extra = NULL;
	if (rect_json(db, id, &rs.sc, 1, &cur) == STORE_OK)
		extra = json_pack("{s:o}", "current", cur);
	reply_problem(req, 412, "version_conflict", extra, "整顿案件已被修改，请刷新后重试");
	json_decref(extra);
}

int valid_date(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	int y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
	if (y < 100 || y > 200 || m < 0 || m > 11 || d < 1)
		return 0;
	timegm(&tm); /* normalizes 2023-02-30 to March */
	return tm.tm_year == y && tm.tm_mon == m && tm.tm_mday == d;
}

void check_assignee(struct db *db, struct verr *v, const char *field, const char *user_id, const char *org_id)
{
	struct user u;
	enum store_status s = user_store_get(db, user_id, "/", "0", &u);
	if (s != STORE_OK || u.disabled || strcmp(u.role, "cadre") != 0 || strcmp(u.org_id, org_id) != 0)
		verr_add(v, field, "须为该村（社区）在岗的村干部（cadre）账号");
}

void read_task_fields(struct verr *v, const json_t *body, struct task_fields *f, int create)
{
	unsigned req = create ? FIELD_REQUIRED : 0;
	f->title = field_string(v, body, "title", req, 1, 200, NULL);
	int has_detail = 0;
	f->detail = field_string(v, body, "detail", FIELD_NULLABLE | FIELD_MULTILINE, 0, 5000, &has_detail);
	if (has_detail && !f->detail && !create)
		f->detail = ""; /* null clears it */
	f->assignee_id = field_uuid(v, body, "assignee_id", req, NULL);
	f->due_date = field_string(v, body, "due_date", req, 10, 10, NULL);
	if (f->due_date && !valid_date(f->due_date))
		verr_add(v, "due_date", "须为有效日期 YYYY-MM-DD");
	int photo = json_object_get(body, "requires_photo") ? field_bool(v, body, "requires_photo", 0) : -1;
	f->requires_photo = photo < 0 ? (create ? 1 : -1) : photo;
}

char *utf8_prefix(const char *s, size_t max)
{
	size_t i = 0, chars = 0;
	while (s[i] && chars < max) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		for (size_t k = 1; k < len; k++)
			if (!s[i + k])
				len = k;
		i += len;
		chars++;
	}
	char *out = xmalloc(i + 1);
	memcpy(out, s, i);
	out[i] = '\0';
	return out;
}

enum store_status task_create_in_tx(struct db *db, const char *id, const struct task_row *c,
                                    const struct task_fields *f, const char *finding_id, const uint8_t hash[32],
                                    const char *actor_id)
{
	enum store_status s = task_insert(db, id, c, f, finding_id, hash);
	if (s == STORE_OK)
		s = history_add(db, "task", id, actor_id, NULL, "assigned", NULL);
	return s;
}

/* ---- cases ------------------------------------------------------------------------------------ */

json_t *case_actions(const struct rect_row *r)
{
	if (strcmp(r->status, "open") == 0)
		return json_pack("[s, s, s, s]", "update", "evaluate", "add_task", "add_interview");
	if (strcmp(r->status, "evaluating") == 0)
		return json_pack("[s, s, s]", "update", "close", "add_interview");
	return r->year == clock_year() ? json_pack("[s]", "reopen") : json_array(); /* reopened within its year */
}

static void reply_case_transition(struct req *req, const struct rect_row *r, const char *action)
{
	reply_transition(req, "整顿案件", r->status, action, case_actions(r));
}

/* Answers the case as the caller sees it (detail), with its ETag. */
static void reply_case(struct req *req, struct db *db, int status, const char *id)
{
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *j = NULL;
	enum store_status s = rect_json(db, id, &rs.sc, 1, &j);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	set_etag(req, json_integer_value(json_object_get(j, "version")));
	reply_json_new(req, status, j);
}

/* Loads {id} as the caller sees it (404); managers only act (403). */
static int load_case_or_reply(struct req *req, struct db *db, int act, struct rect_row *r)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	enum store_status s = rect_row_get(db, id, &rs.sc, r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	if (act && !rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL, "只有镇（街）党委或管理员可以办理整顿案件");
		return -1;
	}
	if (act == 2) { /* a state change: If-Match when given */
		long long if_match = if_match_or_reply(req);
		if (if_match < 0)
			return -1;
		if (if_match > 0 && if_match != r->version) {
			reply_case_stale(req, db, r->id);
			return -1;
		}
	}
	return 0;
}

/* The four ones, merged over current (NULL: none). */
static void read_four_ones(struct verr *v, const json_t *body, struct rect_fields *f)
{
	json_t *fo = json_object_get(body, "four_ones");
	if (!fo)
		return;
	if (json_is_null(fo)) {
		f->contact_leader = f->town_leader = f->town_leader_id = f->first_secretary = f->paired_unit = NULL;
		return;
	}
	if (!json_is_object(fo)) {
		verr_add(v, "four_ones", "须为对象");
		return;
	}
	static const char *const keys[] = {"contact_leader",  "town_leader", "town_leader_id",
	                                   "first_secretary", "paired_unit", NULL};
	const char *k;
	json_t *e;
	json_object_foreach(fo, k, e)
	{
		int known = 0;
		for (const char *const *p = keys; *p; p++)
			known |= strcmp(*p, k) == 0;
		if (!known) {
			char name[80];
			snprintf(name, sizeof name, "four_ones.%.60s", k);
			verr_add(v, name, "unknown field");
		}
	}
	struct {
		const char *key;
		const char **slot;
	} names[] = {{"contact_leader", &f->contact_leader},
	             {"town_leader", &f->town_leader},
	             {"first_secretary", &f->first_secretary},
	             {"paired_unit", &f->paired_unit}};
	struct verr sub;
	verr_init(&sub);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int present = 0;
		const char *val = field_string(&sub, fo, names[i].key, FIELD_NULLABLE, 1, 50, &present);
		if (present)
			*names[i].slot = val;
	}
	int present = 0;
	const char *tl = field_uuid(&sub, fo, "town_leader_id", FIELD_NULLABLE, &present);
	if (present)
		f->town_leader_id = tl;
	/* errors as four_ones.<key> */
	size_t i;
	json_t *err;
	json_array_foreach(sub.errors, i, err)
	{
		char name[80];
		snprintf(name, sizeof name, "four_ones.%s", json_string_value(json_object_get(err, "field")));
		verr_add(v, name, json_string_value(json_object_get(err, "message")));
	}
	verr_release(&sub);
}

/* town_leader_id: an active supervisor of the village's town (its parent). */
static void check_town_leader(struct db *db, struct verr *v, const char *user_id, const char *town_id)
{
	if (!user_id)
		return;
	struct user u;
	enum store_status s = user_store_get(db, user_id, "/", "0", &u);
	if (s != STORE_OK || u.disabled || strcmp(u.role, "supervisor") != 0 || strcmp(u.org_id, town_id) != 0)
		verr_add(v, "four_ones.town_leader_id", "须为该村所在镇（街）的在岗镇（街）党委账号");
}

static void reply_case_exists(struct req *req, const char *existing_id)
{
	json_t *extra = json_pack("{s:s}", "existing_id", existing_id);
	reply_problem(req, 409, "case_exists", extra, "该组织本年度已有未结案的整顿案件");
	json_decref(extra);
}

/* When id is taken: 200 with it for the same request, else 409. 1 when it replied. */
static int reply_case_retry(struct req *req, struct db *db, const char *id, const uint8_t hash[32])
{
	struct rect_row existing;
	if (rect_row_get(db, id, NULL, &existing) != STORE_OK)
		return 0;
	if (ct_equal(existing.create_hash, hash, 32))
		reply_case(req, db, 200, id);
	else
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一个整顿案件");
	return 1;
}

/* Opens a case in the caller's transaction: the row, the organization's
 * status, the history row. */
static enum store_status open_case_in_tx(struct db *db, const char *id, const char *org_id, int year,
                                         const char *source, const char *finding_id, const struct rect_fields *f,
                                         const char *actor_id, const uint8_t hash[32])
{
	enum store_status s = rect_insert(db, id, org_id, year, source, finding_id, f, actor_id, hash);
	if (s == STORE_OK)
		s = org_set_status(db, org_id, "rectifying");
	if (s == STORE_OK)
		s = history_add(db, "rectification", id, actor_id, NULL, "open", NULL);
	return s;
}

void rectifications_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	if (!rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL, "只有镇（街）党委或管理员可以立案整顿");
		return;
	}
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id",         "org_id",    "year", "reason", "source",
	                                      "finding_id", "four_ones", "plan", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *org_id = field_uuid(&v, body, "org_id", FIELD_REQUIRED, NULL);
	int year = clock_year();
	json_t *jy = json_object_get(body, "year");
	if (jy && (!json_is_integer(jy) || json_integer_value(jy) < 2000 || json_integer_value(jy) > 2100))
		verr_add(&v, "year", "须为 2000 到 2100 之间的整数");
	else if (jy)
		year = (int)json_integer_value(jy);
	struct rect_fields f = {0};
	f.reason = field_string(&v, body, "reason", FIELD_REQUIRED | FIELD_MULTILINE, 1, 500, NULL);
	static const char *const sources[] = {"annual", "finding", NULL};
	const char *source = field_enum(&v, body, "source", FIELD_REQUIRED, sources, NULL);
	const char *finding_id = field_uuid(&v, body, "finding_id", 0, NULL);
	read_four_ones(&v, body, &f);
	f.plan = field_string(&v, body, "plan", FIELD_NULLABLE | FIELD_MULTILINE, 0, 5000, NULL);
	if (source && strcmp(source, "finding") == 0 && !finding_id && !json_object_get(body, "finding_id"))
		verr_add(&v, "finding_id", "来源为 finding 时必填");
	if (source && strcmp(source, "annual") == 0 && json_object_get(body, "finding_id"))
		verr_add(&v, "finding_id", "来源为 annual 时不能填写");
	uint8_t hash[32];
	request_hash(body, hash);
	char new_id[37];
	if (id) {
		snprintf(new_id, sizeof new_id, "%s", id);
		uuid_lower(new_id);
		if (reply_case_retry(req, db, new_id, hash))
			goto out;
	} else {
		rand_uuid(new_id);
	}
	struct org o;
	if (org_id) {
		struct scope sc;
		scope_of(&req->principal, &sc);
		enum store_status s = org_store_get(db, org_id, sc.prefix, sc.end, &o);
		if (s != STORE_OK) {
			reply_store_error(req, s);
			goto out;
		}
		if (strcmp(o.level, "village") != 0)
			verr_add(&v, "org_id", "只有村（社区）党组织可以立案整顿");
		check_town_leader(db, &v, f.town_leader_id, o.parent_id);
		if (finding_id && source && strcmp(source, "finding") == 0) {
			struct finding_row fr;
			if (finding_get(db, finding_id, &fr) != STORE_OK) {
				verr_add(&v, "finding_id", "问题不存在");
			} else {
				if (fr.deleted || strcmp(fr.org_id, o.id) != 0)
					verr_add(&v, "finding_id", "须为该组织的观摩问题");
				finding_row_release(&fr);
			}
		}
	}
	if (verr_reply(req, &v))
		goto out;
	struct rect_row live;
	enum store_status s = rect_live(db, o.id, year, &live);
	if (s == STORE_OK) {
		reply_case_exists(req, live.id);
		goto out;
	}
	s = db_begin(db);
	if (s == STORE_OK)
		s = open_case_in_tx(db, new_id, o.id, year, source, finding_id, &f, req->principal.user_id, hash);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_CONFLICT) { /* a concurrent create: the same retry, or another case */
		if (!reply_case_retry(req, db, new_id, hash)) {
			if (rect_live(db, o.id, year, &live) == STORE_OK)
				reply_case_exists(req, live.id);
			else
				reply_store_error(req, STORE_DB);
		}
		goto out;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		goto out;
	}
	char location[96];
	snprintf(location, sizeof location, "/api/v1/rectifications/%s", new_id);
	req_header_add(req, "Location", location);
	reply_case(req, db, 201, new_id);
out:
	verr_release(&v);
}

void rectifications_list(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	struct page_query q;
	list_page(req, &v, &q);
	struct rect_filter f = {0};
	char org_id[64], status[16], year[8];
	int n = query_param(req, "org_id", org_id, sizeof org_id);
	if (n >= 0 && !uuid_is_valid(org_id, (size_t)n))
		verr_add(&v, "org_id", "须为 UUID");
	else if (n >= 0)
		f.org_id = (uuid_lower(org_id), org_id);
	else if (n == -2)
		verr_add(&v, "org_id", "须为 UUID");
	n = query_param(req, "status", status, sizeof status);
	if (n >= 0 && strcmp(status, "open") != 0 && strcmp(status, "evaluating") != 0 && strcmp(status, "closed") != 0)
		verr_add(&v, "status", "须为 open、evaluating 或 closed");
	else if (n >= 0)
		f.status = status;
	else if (n == -2)
		verr_add(&v, "status", "须为 open、evaluating 或 closed");
	n = query_param(req, "year", year, sizeof year);
	if (n >= 0) {
		char *end;
		long y = strtol(year, &end, 10);
		if (*end || n != 4 || y < 2000 || y > 2100)
			verr_add(&v, "year", "须为 2000 到 2100 之间的年份");
		else
			f.year = (int)y;
	} else if (n == -2) {
		verr_add(&v, "year", "须为 2000 到 2100 之间的年份");
	}
	if (verr_reply(req, &v)) {
		verr_release(&v);
		return;
	}
	verr_release(&v);
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *items = json_array();
	int more = 0;
	enum store_status s = rect_list(db, &rs.sc, &f, q.page.after_key, q.page.after_id, q.page.limit, items, &more);
	reply_page(req, s, &q, items, "created_at");
}

void rectifications_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	if (!db || load_case_or_reply(req, db, 0, &r) != 0)
		return;
	reply_case(req, db, 200, r.id);
}

static const char *json_str_or_null(const json_t *o, const char *k)
{
	const json_t *e = json_object_get(o, k);
	return json_is_string(e) ? json_string_value(e) : NULL;
}

void rectifications_update(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	if (!db || load_case_or_reply(req, db, 1, &r) != 0)
		return;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		return;
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *cur = NULL;
	enum store_status s = rect_json(db, r.id, &rs.sc, 0, &cur);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	const json_t *fo = json_object_get(cur, "four_ones");
	struct rect_fields f = {json_str_or_null(cur, "reason"),
	                        json_str_or_null(fo, "contact_leader"),
	                        json_str_or_null(fo, "town_leader"),
	                        json_str_or_null(fo, "town_leader_id"),
	                        json_str_or_null(fo, "first_secretary"),
	                        json_str_or_null(fo, "paired_unit"),
	                        json_str_or_null(cur, "plan")};
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"reason", "four_ones", "plan", NULL};
	verr_unknown_fields(&v, body, allowed);
	if (json_object_get(body, "reason"))
		f.reason = field_string(&v, body, "reason", FIELD_REQUIRED | FIELD_MULTILINE, 1, 500, NULL);
	int has_plan = 0;
	const char *plan = field_string(&v, body, "plan", FIELD_NULLABLE | FIELD_MULTILINE, 0, 5000, &has_plan);
	if (has_plan)
		f.plan = plan;
	read_four_ones(&v, body, &f);
	struct org o;
	if (json_object_get(body, "four_ones") && f.town_leader_id) {
		if (org_store_get(db, r.org_id, "/", "0", &o) == STORE_OK)
			check_town_leader(db, &v, f.town_leader_id, o.parent_id);
		else
			verr_add(&v, "four_ones.town_leader_id", "须为该村所在镇（街）的在岗镇（街）党委账号");
	}
	if (verr_reply(req, &v))
		goto out;
	if (if_match > 0 && if_match != r.version) {
		reply_case_stale(req, db, r.id);
		goto out;
	}
	if (strcmp(r.status, "closed") == 0) {
		reply_case_transition(req, &r, "修改");
		goto out;
	}
	s = rect_update(db, r.id, if_match, &f);
	if (s == STORE_STALE)
		reply_case_stale(req, db, r.id);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_case(req, db, 200, r.id);
out:
	verr_release(&v);
	json_decref(cur);
}

/* One state change of a case, its history row and the organization's status. */
static void case_move(struct req *req, struct db *db, const struct rect_row *r, const char *to, const char *result,
                      const char *evaluation, const char *reason, const char *org_status)
{
	enum store_status s = db_begin(db);
	json_t *unverified = NULL;
	long long total = 0;
	if (s == STORE_OK && strcmp(to, "evaluating") == 0) { /* under the write lock: no task slips in */
		unverified = json_array();
		s = task_unverified(db, r->id, unverified, &total);
		if (s == STORE_OK && (total == 0 || json_array_size(unverified) > 0))
			s = STORE_INVALID;
	}
	if (s == STORE_OK)
		s = rect_set_status(db, r->id, r->status, to, result, evaluation, strcmp(to, "closed") == 0);
	if (s == STORE_OK)
		s = history_add(db, "rectification", r->id, req->principal.user_id, r->status, to, reason);
	if (s == STORE_OK && org_status)
		s = strcmp(org_status, "normal") == 0 ? org_rectified(db, r->org_id)
		                                      : org_set_status(db, r->org_id, org_status);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_INVALID) {
		json_t *extra = json_pack("{s:O}", "unverified", unverified);
		reply_problem(req, 409, "tasks_unverified", extra,
		              total == 0 ? "案件还没有整改任务，不能提交评估"
		                         : "还有 %zu 项整改任务未验收，不能提交评估",
		              json_array_size(unverified));
		json_decref(extra);
		json_decref(unverified);
		return;
	}
	json_decref(unverified);
	if (s == STORE_CONFLICT) { /* changed meanwhile, or another live case (reopen) */
		struct rect_row now;
		if (rect_row_get(db, r->id, NULL, &now) == STORE_OK && strcmp(now.status, r->status) != 0) {
			reply_case_transition(req, &now, "执行该操作");
		} else if (rect_live(db, r->org_id, r->year, &now) == STORE_OK) {
			reply_case_exists(req, now.id);
		} else {
			reply_store_error(req, STORE_DB);
		}
		return;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_case(req, db, 200, r->id);
}

void rectifications_evaluate(struct req *req)
{
	static const char *const allowed[] = {NULL};
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	if (!db || load_case_or_reply(req, db, 2, &r) != 0 || !action_body_or_reply(req, allowed))
		return;
	if (strcmp(r.status, "open") != 0) {
		reply_case_transition(req, &r, "提交评估");
		return;
	}
	case_move(req, db, &r, "evaluating", NULL, NULL, NULL, NULL);
}

void rectifications_close(struct req *req)
{
	static const char *const allowed[] = {"result", "evaluation", NULL};
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	json_t *body;
	if (!db || load_case_or_reply(req, db, 2, &r) != 0 || !(body = action_body_or_reply(req, allowed)))
		return;
	struct verr v;
	verr_init(&v);
	static const char *const results[] = {"passed", "failed", NULL};
	const char *result = field_enum(&v, body, "result", FIELD_REQUIRED, results, NULL);
	const char *evaluation = field_string(&v, body, "evaluation", FIELD_REQUIRED | FIELD_MULTILINE, 1, 2000, NULL);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (strcmp(r.status, "evaluating") != 0) {
		reply_case_transition(req, &r, "结案");
		return;
	}
	if (strcmp(result, "passed") == 0)
		case_move(req, db, &r, "closed", "passed", evaluation, NULL, "normal");
	else /* the evaluation failed: back to work, the evaluation is the history's reason */
		case_move(req, db, &r, "open", NULL, NULL, evaluation, NULL);
}

void rectifications_reopen(struct req *req)
{
	static const char *const allowed[] = {"reason", NULL};
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	json_t *body;
	if (!db || load_case_or_reply(req, db, 2, &r) != 0 || !(body = action_body_or_reply(req, allowed)))
		return;
	struct verr v;
	verr_init(&v);
	const char *reason = field_string(&v, body, "reason", FIELD_REQUIRED | FIELD_MULTILINE, 1, 500, NULL);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (strcmp(r.status, "closed") != 0) {
		reply_case_transition(req, &r, "重新整顿");
		return;
	}
	if (r.year != clock_year()) {
		reply_transition(req, "整顿案件", r.status, "重新整顿（已过案件年度，请新立案）", case_actions(&r));
		return;
	}
	struct rect_row live;
	if (rect_live(db, r.org_id, r.year, &live) == STORE_OK) {
		reply_case_exists(req, live.id);
		return;
	}
	case_move(req, db, &r, "open", NULL, NULL, reason, "rectifying");
}

/* ---- interviews (约谈) ------------------------------------------------------------------------ */

void interviews_list(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	if (!db || load_case_or_reply(req, db, 0, &r) != 0)
		return;
	struct page_query q;
	if (list_page_or_reply(req, &q) != 0)
		return;
	json_t *items = json_array();
	int more = 0;
	enum store_status s = interview_list(db, r.id, q.page.after_key, q.page.after_id, q.page.limit, items, &more);
	reply_page(req, s, &q, items, "held_at");
}

static void reply_interview(struct req *req, struct db *db, int status, const char *id)
{
	json_t *j = NULL;
	enum store_status s = interview_json(db, id, &j);
	if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_json_new(req, status, j);
}

void interviews_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	struct rect_row r;
	if (!db || load_case_or_reply(req, db, 1, &r) != 0)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id",      "task_id", "person",  "person_role",
	                                      "held_at", "reason",  "outcome", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	struct interview_fields f = {0};
	f.task_id = field_uuid(&v, body, "task_id", FIELD_NULLABLE, NULL);
	f.person = field_string(&v, body, "person", FIELD_REQUIRED, 1, 50, NULL);
	f.person_role = field_string(&v, body, "person_role", FIELD_REQUIRED, 1, 50, NULL);
	const char *held = field_string(&v, body, "held_at", FIELD_REQUIRED, 1, 40, NULL);
	char held_at[24];
	long long held_epoch = 0;
	if (held && timestamp_normalize(held, held_at, sizeof held_at, &held_epoch) != 0)
		verr_add(&v, "held_at", "须为 RFC 3339 时间");
	else if (held && held_epoch > clock_now() + 300)
		verr_add(&v, "held_at", "不能晚于当前时间");
	f.held_at = held ? held_at : NULL;
	f.reason = field_string(&v, body, "reason", FIELD_REQUIRED | FIELD_MULTILINE, 1, 1000, NULL);
	f.outcome = field_string(&v, body, "outcome", FIELD_REQUIRED | FIELD_MULTILINE, 1, 2000, NULL);
	char task_id[37];
	if (f.task_id) {
		snprintf(task_id, sizeof task_id, "%s", f.task_id);
		uuid_lower(task_id);
		f.task_id = task_id;
		struct task_row t;
		if (task_row_get(db, task_id, NULL, &t) != STORE_OK || strcmp(t.rectification_id, r.id) != 0)
			verr_add(&v, "task_id", "须为本案件的整改任务");
	}
	uint8_t hash[32];
	request_hash(body, hash);
	char new_id[37];
	if (id) {
		snprintf(new_id, sizeof new_id, "%s", id);
		uuid_lower(new_id);
		char case_id[37];
		uint8_t existing[32];
		if (interview_meta(db, new_id, case_id, existing) == STORE_OK) {
			if (strcmp(case_id, r.id) == 0 && ct_equal(existing, hash, 32))
				reply_interview(req, db, 200, new_id);
			else
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一条约谈记录");
			goto out;
		}
	} else {
		rand_uuid(new_id);
	}
	if (verr_reply(req, &v))
		goto out;
	if (strcmp(r.status, "closed") == 0) {
		reply_case_transition(req, &r, "记录约谈");
		goto out;
	}
	enum store_status s = interview_insert(db, new_id, r.id, &f, req->principal.user_id, hash);
	char case_id[37];
	uint8_t existing[32];
	if (s == STORE_CONFLICT && interview_meta(db, new_id, case_id, existing) == STORE_OK &&
	    strcmp(case_id, r.id) == 0 && ct_equal(existing, hash, 32))
		reply_interview(req, db, 200, new_id); /* a concurrent retry stored it */
	else if (s == STORE_CONFLICT)
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一条约谈记录");
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_interview(req, db, 201, new_id);
out:
	verr_release(&v);
}

/* ---- findings → tasks ------------------------------------------------------------------------- */

static void reply_rectified(struct req *req, struct db *db, int status, const char *case_id, const char *task_id)
{
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *c = NULL, *t = NULL;
	enum store_status s = rect_json(db, case_id, &rs.sc, 0, &c);
	if (s == STORE_OK)
		s = task_json(db, task_id, &rs.sc, 0, &t);
	if (s != STORE_OK) {
		json_decref(c);
		reply_store_error(req, s);
		return;
	}
	reply_json_new(req, status, json_pack("{s:o, s:o}", "rectification", c, "task", t));
}

void findings_rectify(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	char fid[37];
	if (path_uuid_or_reply(req, "id", fid) != 0)
		return;
	struct finding_row fr;
	enum store_status s = finding_get(db, fid, &fr);
	int visible = s == STORE_OK && !fr.deleted ? inspection_visible_to(req, db, fr.inspection_id) : 0;
	if (visible <= 0) {
		if (s == STORE_OK)
			finding_row_release(&fr);
		reply_store_error(req, visible < 0 || s == STORE_DB ? STORE_DB : STORE_NOT_FOUND);
		return;
	}
	struct verr v;
	verr_init(&v);
	char *title = NULL, *reason = NULL;
	if (!rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL, "只有镇（街）党委或管理员可以把问题转为整改任务");
		goto out;
	}
	static const char *const allowed[] = {"id",     "assignee_id",    "due_date", "title",
	                                      "detail", "requires_photo", "case",     NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	struct task_fields tf;
	read_task_fields(&v, body, &tf, 0);
	if (!tf.assignee_id && !json_object_get(body, "assignee_id"))
		verr_add(&v, "assignee_id", "必填");
	if (!tf.due_date && !json_object_get(body, "due_date"))
		verr_add(&v, "due_date", "必填");
	if (tf.requires_photo < 0)
		tf.requires_photo = 1;
	if (!tf.title) { /* the finding's description, on one line */
		tf.title = title = utf8_prefix(fr.description ? fr.description : "整改问题", 200);
		for (char *c = title; *c; c++)
			if (*c == '\n' || *c == '\r' || *c == '\t')
				*c = ' ';
	}
	if (tf.detail && !*tf.detail)
		tf.detail = NULL;
	struct rect_fields cf = {0};
	json_t *cb = json_object_get(body, "case");
	if (cb && !json_is_object(cb)) {
		verr_add(&v, "case", "须为对象");
	} else if (cb) {
		static const char *const case_keys[] = {"reason", "four_ones", "plan", NULL};
		struct verr sub;
		verr_init(&sub);
		verr_unknown_fields(&sub, cb, case_keys);
		cf.reason = field_string(&sub, cb, "reason", FIELD_MULTILINE, 1, 500, NULL);
		cf.plan = field_string(&sub, cb, "plan", FIELD_NULLABLE | FIELD_MULTILINE, 0, 5000, NULL);
		read_four_ones(&sub, cb, &cf);
		size_t i;
		json_t *err;
		json_array_foreach(sub.errors, i, err)
		{
			char name[96];
			snprintf(name, sizeof name, "case.%s", json_string_value(json_object_get(err, "field")));
			verr_add(&v, name, json_string_value(json_object_get(err, "message")));
		}
		verr_release(&sub);
	}
	if (!cf.reason)
		cf.reason = reason = utf8_prefix(fr.description ? fr.description : "观摩发现问题", 500);
	struct org o;
	s = org_store_get(db, fr.org_id, "/", "0", &o);
	if (s != STORE_OK) {
		reply_store_error(req, STORE_DB);
		goto out;
	}
	if (strcmp(o.level, "village") != 0)
		verr_add(&v, "finding_id", "只有村（社区）的问题可以转为整改任务");
	if (tf.assignee_id)
		check_assignee(db, &v, "assignee_id", tf.assignee_id, o.id);
	if (cf.town_leader_id)
		check_town_leader(db, &v, cf.town_leader_id, o.parent_id);
	uint8_t hash[32];
	request_hash(body, hash);
	char task_id[37];
	if (id) {
		snprintf(task_id, sizeof task_id, "%s", id);
		uuid_lower(task_id);
	} else {
		rand_uuid(task_id);
	}
	if (fr.task_id[0]) { /* already a task: the same request again, or 409 */
		struct task_row t;
		if (id && strcmp(fr.task_id, task_id) == 0 && task_row_get(db, task_id, NULL, &t) == STORE_OK &&
		    ct_equal(t.create_hash, hash, 32)) {
			reply_rectified(req, db, 200, t.rectification_id, t.id);
		} else {
			json_t *extra = json_pack("{s:s}", "task_id", fr.task_id);
			reply_problem(req, 409, "already_rectified", extra, "该问题已转为整改任务");
			json_decref(extra);
		}
		goto out;
	}
	if (id) {
		struct task_row t;
		if (task_row_get(db, task_id, NULL, &t) == STORE_OK) {
			if (strcmp(t.finding_id, fr.id) == 0 && ct_equal(t.create_hash, hash, 32))
				reply_rectified(req, db, 200, t.rectification_id, t.id); /* a concurrent retry won */
			else
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一项整改任务");
			goto out;
		}
	}
	if (verr_reply(req, &v))
		goto out;
	int year = clock_year();
	struct rect_row live;
	int have_case = 0;
	s = rect_live(db, o.id, year, &live);
	if (s == STORE_OK) {
		if (strcmp(live.status, "open") != 0) {
			reply_case_transition(req, &live, "增加整改任务");
			goto out;
		}
		have_case = 1;
	} else if (s != STORE_NOT_FOUND) {
		reply_store_error(req, s);
		goto out;
	}
	struct task_row c = {0};
	if (have_case)
		snprintf(c.rectification_id, sizeof c.rectification_id, "%s", live.id);
	else
		rand_uuid(c.rectification_id);
	snprintf(c.org_id, sizeof c.org_id, "%s", o.id);
	s = db_begin(db);
	if (s == STORE_OK && !have_case)
		s = open_case_in_tx(db, c.rectification_id, o.id, year, "finding", fr.id, &cf, req->principal.user_id,
		                    hash);
	if (s == STORE_OK)
		s = task_create_in_tx(db, task_id, &c, &tf, fr.id, hash, req->principal.user_id);
	if (s == STORE_OK)
		s = finding_set_task(db, fr.id, task_id);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	struct finding_row now;
	struct task_row t;
	if (s == STORE_CONFLICT && finding_get(db, fr.id, &now) == STORE_OK) { /* a concurrent rectify won */
		if (strcmp(now.task_id, task_id) == 0 && task_row_get(db, task_id, NULL, &t) == STORE_OK &&
		    ct_equal(t.create_hash, hash, 32)) {
			reply_rectified(req, db, 200, t.rectification_id, t.id);
		} else {
			json_t *extra = json_pack("{s:s?}", "task_id", now.task_id[0] ? now.task_id : NULL);
			reply_problem(req, 409, now.task_id[0] ? "already_rectified" : "id_conflict", extra,
			              now.task_id[0] ? "该问题已转为整改任务" : "该 id 已用于另一项整改任务");
			json_decref(extra);
		}
		finding_row_release(&now);
	} else if (s == STORE_CONFLICT)
		reply_store_error(req, STORE_DB);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else {
		char location[80];
		snprintf(location, sizeof location, "/api/v1/tasks/%s", task_id);
		req_header_add(req, "Location", location);
		reply_rectified(req, db, 201, c.rectification_id, task_id);
	}
out:
	finding_row_release(&fr);
	free(title);
	free(reason);
	verr_release(&v);
}
