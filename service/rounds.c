#include "rounds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "base/xalloc.h"
#include "crypto.h"
#include "org_store.h"
#include "random.h"
#include "user_store.h"

/* A copy where reals with an integer value are integers (30.0 and 30 are the
 * same number to a phone's JSON library). Depth is bounded by the body check. */
static json_t *canonical_numbers(const json_t *j)
{
	if (json_is_real(j)) {
		double d = json_real_value(j);
		if (d == (double)(json_int_t)d && d > -9007199254740992.0 && d < 9007199254740992.0)
			return json_integer((json_int_t)d);
		return json_real(d);
	}
	if (json_is_array(j)) {
		json_t *out = json_array();
		size_t i;
		json_t *e;
		json_array_foreach((json_t *)j, i, e) json_array_append_new(out, canonical_numbers(e));
		return out;
	}
	if (json_is_object(j)) {
		json_t *out = json_object();
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)j, k, e) json_object_set_new(out, k, canonical_numbers(e));
		return out;
	}
	return json_incref((json_t *)j);
}

void request_hash(const json_t *body, uint8_t out[32])
{
	json_t *canonical = canonical_numbers(body);
	char *canon = json_dumps(canonical, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(canonical);
	sha256(canon ? canon : "", canon ? strlen(canon) : 0, out);
	free(canon);
}

void round_scope_of(const struct principal *p, struct round_scope *rs, char *end, size_t endlen)
{
	rs->mode = policy_round_mode(p->role);
	rs->scope = policy_scope(p);
	policy_scope_end(rs->scope, end, endlen);
	rs->scope_end = end;
	rs->user_id = p->user_id;
}

static int add_string(const char *s, void *ctx)
{
	json_array_append_new(ctx, json_string(s));
	return 0;
}

/* Targets shown to a caller: all, or (limit_to) only those in a subtree. */
struct targets_ctx {
	const char *limit_to;
	json_t *ids;
};

static int add_target(const char *org_id, const char *org_name, const char *org_path, void *ctx)
{
	(void)org_name;
	struct targets_ctx *c = ctx;
	if (!c->limit_to || policy_path_in_scope(c->limit_to, org_path))
		json_array_append_new(c->ids, json_string(org_id));
	return 0;
}

/* The round with its targets and inspectors (NULL on a database error).
 * limit_to (may be NULL) keeps only targets inside that subtree. */
static json_t *round_json(struct db *db, const struct round_row *r, const char *limit_to)
{
	struct targets_ctx t = {limit_to, json_array()};
	json_t *inspectors = json_array();
	if (round_targets(db, r->id, add_target, &t) != STORE_OK ||
	    round_inspectors(db, r->id, add_string, inspectors) != STORE_OK) {
		json_decref(t.ids);
		json_decref(inspectors);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s}", "id", r->id, "month", r->month,
	                 "title", r->title, "template_id", r->template_id, "org_id", r->org_id, "org_ids", t.ids,
	                 "inspector_ids", inspectors, "status", r->status, "version", (json_int_t)r->version,
	                 "created_at", r->created_at, "updated_at", r->updated_at);
}

struct coverage_ctx {
	struct db *db;
	const char *round_id;
	const char *limit_to;
	json_t *items;
	int failed;
};

static int add_coverage(const char *org_id, const char *org_name, const char *org_path, void *ctx)
{
	struct coverage_ctx *c = ctx;
	if (c->limit_to && !policy_path_in_scope(c->limit_to, org_path))
		return 0;
	char state[12], inspection_id[37];
	if (round_org_state(c->db, c->round_id, org_id, state, inspection_id) != STORE_OK) {
		c->failed = 1;
		return 1;
	}
	json_array_append_new(c->items,
	                      json_pack("{s:s, s:s, s:s, s:o}", "org_id", org_id, "org_name", org_name, "state", state,
	                                "inspection_id", inspection_id[0] ? json_string(inspection_id) : json_null()));
	return 0;
}

/* The round with its coverage: each target and how far its visit got. */
static json_t *round_detail(struct db *db, const struct round_row *r, const char *limit_to)
{
	json_t *out = round_json(db, r, limit_to);
	if (!out)
		return NULL;
	struct coverage_ctx c = {db, r->id, limit_to, json_array(), 0};
	enum store_status s = round_targets(db, r->id, add_coverage, &c);
	if (s != STORE_OK || c.failed) {
		json_decref(c.items);
		json_decref(out);
		return NULL;
	}
	json_object_set_new(out, "coverage", c.items);
	return out;
}

/* A supervisor or viewer sees a round owned outside their subtree (through
 * a target inside it) only as far as their subtree reaches. */
static const char *view_limit(const struct principal *p, const struct round_row *r)
{
	if (policy_round_mode(p->role) != 1 || policy_path_in_scope(policy_scope(p), r->org_path))
		return NULL;
	return policy_scope(p);
}

static void reply_round(struct req *req, struct db *db, int status, const struct round_row *r)
{
	json_t *out = round_detail(db, r, view_limit(&req->principal, r));
	if (!out) {
		reply_store_error(req, STORE_DB);
		return;
	}
	set_etag(req, r->version);
	reply_json_new(req, status, out);
}

/* Is the caller a reader of rounds at all? 403 for cadres. */
static int readers_only_or_reply(struct req *req)
{
	return policy_reply(req, policy_decide(&req->principal, ACT_ROUND_READ, NULL));
}

struct list_ctx {
	struct db *db;
	const struct principal *principal;
	json_t *items;
	int count, failed;
	char last_key[8], last_id[37];
	long long last_seq;
};

static int collect(const struct round_row *r, void *ctx)
{
	struct list_ctx *c = ctx;
	json_t *j = round_json(c->db, r, view_limit(c->principal, r));
	if (!j) {
		c->failed = 1;
		return 1;
	}
	json_array_append_new(c->items, j);
	snprintf(c->last_key, sizeof c->last_key, "%s", r->month);
	snprintf(c->last_id, sizeof c->last_id, "%s", r->id);
	c->last_seq = r->seq;
	c->count++;
	return 0;
}

static int valid_month(const char *s)
{
	return strlen(s) == 7 && s[4] == '-' && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	       s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9' &&
	       ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

void rounds_list(struct req *req)
{
	if (readers_only_or_reply(req))
		return;
	struct verr v;
	verr_init(&v);
	struct page_query q;
	query_page(req, &v, &q);
	char month[16], status[16];
	int nm = query_param(req, "month", month, sizeof month);
	if (nm != -1 && (nm < 0 || !valid_month(month)))
		verr_add(&v, "month", "须为 YYYY-MM");
	int ns = query_param(req, "status", status, sizeof status);
	if (ns != -1 && (ns < 0 || (strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)))
		verr_add(&v, "status", "须为 open 或 closed");
	int bad = verr_reply(req, &v);
	verr_release(&v);
	struct db *db = bad ? NULL : req_db_or_reply(req);
	if (!db)
		return;
	struct round_scope rs;
	char end[ORG_PATH_LEN];
	round_scope_of(&req->principal, &rs, end, sizeof end);
	struct list_ctx c = {db, &req->principal, json_array(), 0, 0, "", "", 0};
	long long snapshot = -1;
	enum store_status s = db_begin_read(db);
	if (s == STORE_OK) {
		snapshot = db_current_seq(db);
		s = round_list(db, &rs, nm > 0 ? month : NULL, ns > 0 ? status : NULL, &q.page, collect, &c);
		db_commit(db);
	}
	if (s != STORE_OK || c.failed) {
		json_decref(c.items);
		reply_store_error(req, STORE_DB);
		return;
	}
	reply_json_new(req, 200, page_envelope(&q, c.items, c.count, c.last_key, c.last_id, c.last_seq, snapshot));
}

static int load_or_reply(struct req *req, struct db *db, struct round_row *r)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	struct round_scope rs;
	char end[ORG_PATH_LEN];
	round_scope_of(&req->principal, &rs, end, sizeof end);
	enum store_status s = round_get(db, id, &rs, r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	return 0;
}

void rounds_get(struct req *req)
{
	if (readers_only_or_reply(req))
		return;
	struct db *db = req_db_or_reply(req);
	struct round_row r;
	if (!db || load_or_reply(req, db, &r) != 0)
		return;
	reply_round(req, db, 200, &r);
}

/* Reads org_ids / inspector_ids: arrays of distinct UUIDs, checked. */
static size_t read_ids(struct verr *v, const json_t *body, const char *name, size_t min, size_t max, const char **out)
{
	json_t *arr = json_object_get(body, name);
	if (!json_is_array(arr) || json_array_size(arr) < min || json_array_size(arr) > max) {
		char msg[64];
		snprintf(msg, sizeof msg, "须为 %zu 到 %zu 个 UUID 的数组", min, max);
		verr_add(v, name, msg);
		return 0;
	}
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		char path[64];
		snprintf(path, sizeof path, "%s[%zu]", name, i);
		const char *s = json_string_value(e);
		if (!s || !uuid_is_valid(s, strlen(s))) {
			verr_add(v, path, "须为 UUID");
			continue;
		}
		int dup = 0;
		for (size_t k = 0; k < n; k++)
			dup |= strcasecmp(out[k], s) == 0;
		if (dup)
			verr_add(v, path, "重复");
		else
			out[n++] = s;
	}
	return n;
}

/* Targets must be towns, villages or groups inside the caller's scope;
 * inspectors enabled users with role inspector. Returns -1 on a database
 * error (answered). */
static int check_members(struct req *req, struct db *db, struct verr *v, const json_t *body, const char **orgs,
                         size_t norgs, const char **users, size_t nusers)
{
	struct scope sc;
	scope_of(&req->principal, &sc);
	json_t *arr = json_object_get(body, "org_ids");
	for (size_t i = 0; i < norgs; i++) {
		struct org o;
		enum store_status s = org_store_get(db, orgs[i], sc.prefix, sc.end, &o);
		if (s == STORE_DB) {
			reply_store_error(req, s);
			return -1;
		}
		char path[64];
		size_t idx;
		json_t *e;
		json_array_foreach(arr, idx, e) if (json_string_value(e) == orgs[i]) break;
		snprintf(path, sizeof path, "org_ids[%zu]", idx);
		if (s != STORE_OK)
			verr_add(v, path, "组织不存在或不在您的管辖范围内");
		else if (strcmp(o.level, "city") == 0)
			verr_add(v, path, "观摩对象须为镇（街道）、村（社区）或村民小组");
	}
	arr = json_object_get(body, "inspector_ids");
	for (size_t i = 0; i < nusers; i++) {
		struct user u;
		enum store_status s = user_store_get(db, users[i], "/", "0", &u);
		if (s == STORE_DB) {
			reply_store_error(req, s);
			return -1;
		}
		char path[64];
		size_t idx;
		json_t *e;
		json_array_foreach(arr, idx, e) if (json_string_value(e) == users[i]) break;
		snprintf(path, sizeof path, "inspector_ids[%zu]", idx);
		if (s != STORE_OK || strcmp(u.role, "inspector") != 0 || u.disabled)
			verr_add(v, path, "须为已启用的观摩/督导组成员账号");
	}
	return 0;
}

static void lower_ids(const char **ids, size_t n, char (*buf)[37])
{
	for (size_t i = 0; i < n; i++) {
		snprintf(buf[i], 37, "%s", ids[i]);
		uuid_lower(buf[i]);
		ids[i] = buf[i];
	}
}

enum { MAX_TARGETS = 500, MAX_INSPECTORS = 100 };

/* The id lists of a create or update, on the heap (up to 37 KiB). */
struct members {
	const char *orgs[MAX_TARGETS], *users[MAX_INSPECTORS];
	char org_buf[MAX_TARGETS][37], user_buf[MAX_INSPECTORS][37];
};

static void create_with(struct req *req, struct members *m);
static void update_with(struct req *req, struct members *m);

void rounds_create(struct req *req)
{
	struct members *m = xcalloc(1, sizeof *m);
	create_with(req, m);
	free(m);
}

void rounds_update(struct req *req)
{
	struct members *m = xcalloc(1, sizeof *m);
	update_with(req, m);
	free(m);
}

/* When r->id exists: 200 with it for the same request (same hash), else 409.
 * Returns 1 when it replied. */
static int reply_if_retry(struct req *req, struct db *db, const struct round_row *r)
{
	struct round_row existing;
	if (round_get(db, r->id, NULL, &existing) != STORE_OK)
		return 0;
	if (ct_equal(existing.create_hash, r->create_hash, 32))
		reply_round(req, db, 200, &existing);
	else
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一个观摩轮次");
	return 1;
}

static void create_with(struct req *req, struct members *m)
{
	if (policy_reply(req, policy_decide(&req->principal, ACT_ROUND_WRITE, NULL)))
		return;
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id", "month", "title", "template_id", "org_ids", "inspector_ids", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *month = field_string(&v, body, "month", FIELD_REQUIRED, 7, 7, NULL);
	if (month && !valid_month(month))
		verr_add(&v, "month", "须为 YYYY-MM");
	const char *title = field_string(&v, body, "title", FIELD_REQUIRED, 1, 100, NULL);
	const char *template_id = field_uuid(&v, body, "template_id", FIELD_REQUIRED, NULL);
	const char **orgs = m->orgs, **users = m->users;
	size_t norgs = read_ids(&v, body, "org_ids", 1, MAX_TARGETS, orgs);
	size_t nusers = json_object_get(body, "inspector_ids")
	                        ? read_ids(&v, body, "inspector_ids", 0, MAX_INSPECTORS, users)
	                        : 0;
	struct db *db = req_db_or_reply(req);
	if (!db) {
		verr_release(&v);
		return;
	}
	struct round_row r;
	memset(&r, 0, sizeof r);
	request_hash(body, r.create_hash);
	if (id) { /* a retry is answered before checks whose inputs may have changed since */
		snprintf(r.id, sizeof r.id, "%s", id);
		if (reply_if_retry(req, db, &r)) {
			verr_release(&v);
			return;
		}
	} else {
		rand_uuid(r.id);
	}
	struct template_row t;
	if (template_id) {
		enum store_status s = template_get(db, template_id, &t);
		if (s == STORE_OK)
			template_row_release(&t);
		else
			verr_add(&v, "template_id", "模板不存在");
	}
	if (check_members(req, db, &v, body, orgs, norgs, users, nusers) != 0) {
		verr_release(&v);
		return;
	}
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	lower_ids(orgs, norgs, m->org_buf);
	lower_ids(users, nusers, m->user_buf);
	snprintf(r.month, sizeof r.month, "%s", month);
	snprintf(r.title, sizeof r.title, "%s", title);
	snprintf(r.template_id, sizeof r.template_id, "%s", template_id);
	uuid_lower(r.template_id);
	snprintf(r.org_id, sizeof r.org_id, "%s", req->principal.org_id);
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = round_insert(db, &r);
	if (s == STORE_OK)
		s = round_set_members(db, r.id, orgs, norgs, users, nusers);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_CONFLICT && reply_if_retry(req, db, &r)) /* a concurrent retry won */
		return;
	if (s == STORE_OK)
		s = round_get(db, r.id, NULL, &r);
	if (s != STORE_OK) {
		reply_store_error(req, s == STORE_CONFLICT ? STORE_DB : s);
		return;
	}
	char location[96];
	snprintf(location, sizeof location, "/api/v1/rounds/%s", r.id);
	req_header_add(req, "Location", location);
	reply_round(req, db, 201, &r);
}

static void update_with(struct req *req, struct members *m)
{
	struct db *db = req_db_or_reply(req);
	struct round_row r;
	if (!db || readers_only_or_reply(req) || load_or_reply(req, db, &r) != 0)
		return;
	/* Visible (perhaps through a target) but owned outside the caller's subtree: 403. */
	enum decision d = policy_decide(&req->principal, ACT_ROUND_WRITE, NULL);
	if (d == POLICY_ALLOW && !policy_path_in_scope(policy_scope(&req->principal), r.org_path))
		d = POLICY_FORBIDDEN;
	if (policy_reply(req, d))
		return;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		return;
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"title", "org_ids", "inspector_ids", "status", NULL};
	verr_unknown_fields(&v, body, allowed);
	int has_title;
	const char *title = field_string(&v, body, "title", 0, 1, 100, &has_title);
	static const char *const statuses[] = {"open", "closed", NULL};
	const char *status = field_enum(&v, body, "status", 0, statuses, NULL);
	const char **orgs = m->orgs, **users = m->users;
	int has_orgs = json_object_get(body, "org_ids") != NULL,
	    has_users = json_object_get(body, "inspector_ids") != NULL;
	size_t norgs = has_orgs ? read_ids(&v, body, "org_ids", 1, MAX_TARGETS, orgs) : 0;
	size_t nusers = has_users ? read_ids(&v, body, "inspector_ids", 0, MAX_INSPECTORS, users) : 0;
	if (check_members(req, db, &v, body, orgs, norgs, users, nusers) != 0) {
		verr_release(&v);
		return;
	}
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	lower_ids(orgs, norgs, m->org_buf);
	lower_ids(users, nusers, m->user_buf);
	if (has_title)
		snprintf(r.title, sizeof r.title, "%s", title);
	if (status)
		snprintf(r.status, sizeof r.status, "%s", status);
	/* Keep the members not being replaced. */
	json_t *current = round_json(db, &r, NULL);
	if (!current) {
		reply_store_error(req, STORE_DB);
		return;
	}
	if (!has_orgs) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(current, "org_ids"), i, e) orgs[norgs++] = json_string_value(e);
	}
	if (!has_users) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(current, "inspector_ids"), i, e) users[nusers++] =
		        json_string_value(e);
	}
	enum store_status s = db_begin(db);
	if (s == STORE_OK) /* without If-Match, the version read above guards the write */
		s = round_update(db, &r, if_match ? if_match : r.version);
	if (s == STORE_OK)
		s = round_set_members(db, r.id, orgs, norgs, users, nusers);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	json_decref(current);
	if (s == STORE_STALE) {
		struct round_row now;
		json_t *extra = NULL;
		if (round_get(db, r.id, NULL, &now) == STORE_OK) {
			json_t *cur = round_detail(db, &now, NULL);
			if (cur)
				extra = json_pack("{s:o}", "current", cur);
		}
		reply_problem(req, 412, "version_conflict", extra, "观摩轮次已被他人修改，请合并后重试");
		json_decref(extra);
		return;
	}
	if (s == STORE_OK)
		s = round_get(db, r.id, NULL, &r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_round(req, db, 200, &r);
}

struct assign_ctx {
	struct db *db;
	json_t *items;
	int failed;
};

static int add_assignment(const struct round_row *r, const char *org_id, const char *org_name, void *ctx)
{
	struct assign_ctx *c = ctx;
	char state[12], inspection_id[37];
	if (round_org_state(c->db, r->id, org_id, state, inspection_id) != STORE_OK) {
		c->failed = 1;
		return 1;
	}
	json_array_append_new(c->items,
	                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "round_id", r->id, "round_title",
	                                r->title, "month", r->month, "template_id", r->template_id, "org_id", org_id,
	                                "org_name", org_name, "state", state, "inspection_id",
	                                inspection_id[0] ? json_string(inspection_id) : json_null()));
	return 0;
}

void me_assignments(struct req *req)
{
	if (policy_reply(req, req->principal.role == ROLE_INSPECTOR ? POLICY_ALLOW : POLICY_FORBIDDEN))
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct assign_ctx c = {db, json_array(), 0};
	enum store_status s = round_assignments(db, req->principal.user_id, add_assignment, &c);
	if (s != STORE_OK || c.failed) {
		json_decref(c.items);
		reply_store_error(req, STORE_DB);
		return;
	}
	reply_json_new(req, 200, json_pack("{s:o}", "items", c.items));
}
