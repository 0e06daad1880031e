#include "orgs.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "org_store.h"
#include "random.h"
#include "render.h"

const char *const org_levels[] = {"city", "town", "village", "group", NULL};
const char *const org_categories[] = {"pilot", "consolidate", "breakthrough", NULL};
const char *const org_statuses[] = {"normal", "weak", "rectifying", NULL};

struct list_ctx {
	json_t *items;
	char last[ORG_PATH_LEN];
	int count;
};

static int collect(const struct org *o, void *ctx)
{
	struct list_ctx *c = ctx;
	json_array_append_new(c->items, org_json(o));
	snprintf(c->last, sizeof c->last, "%s", o->path);
	c->count++;
	return 0;
}

/* {items, next_cursor}: a cursor only when the page is full. */
static json_t *page(struct list_ctx *c, int limit)
{
	json_t *next = json_null();
	if (c->count == limit) {
		char *cur = cursor_encode(c->last);
		next = json_string(cur);
		free(cur);
	}
	return json_pack("{s:o, s:o}", "items", c->items, "next_cursor", next);
}

static void query_enum(struct req *req, struct verr *v, const char *name, const char *const *values, char *out,
                       size_t outlen)
{
	out[0] = '\0';
	int n = query_param(req, name, out, outlen);
	if (n == -1)
		return;
	for (const char *const *e = values; n > 0 && *e; e++)
		if (strcmp(*e, out) == 0)
			return;
	verr_add(v, name, "取值无效");
	out[0] = '\0';
}

void orgs_list(struct req *req)
{
	struct verr v;
	verr_init(&v);
	char level[16], status[16], category[16], parent[64], q[404], after[ORG_PATH_LEN];
	query_enum(req, &v, "level", org_levels, level, sizeof level);
	query_enum(req, &v, "status", org_statuses, status, sizeof status);
	query_enum(req, &v, "category", org_categories, category, sizeof category);
	int n = query_param(req, "parent_id", parent, sizeof parent);
	if (n != -1 && !uuid_is_valid(parent, n < 0 ? 0 : (size_t)n))
		verr_add(&v, "parent_id", "须为 UUID");
	if (n == -1)
		parent[0] = '\0';
	uuid_lower(parent);
	n = query_param(req, "q", q, sizeof q);
	if (n == -2 || n > 400)
		verr_add(&v, "q", "过长");
	if (n < 0)
		q[0] = '\0';
	int limit = query_limit(req, &v);
	query_cursor(req, &v, after, sizeof after);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct scope sc;
	scope_of(&req->principal, &sc);
	struct org_filter f = {level, parent, status, category, q, after, limit};
	struct list_ctx c = {json_array(), "", 0};
	enum store_status s = org_store_list(db, &f, sc.prefix, sc.end, collect, &c);
	if (s != STORE_OK) {
		json_decref(c.items);
		reply_store_error(req, s);
		return;
	}
	reply_json_new(req, 200, page(&c, limit));
}

/* Loads {id} within the caller's scope; answers 404 itself. */
static int load_or_reply(struct req *req, struct db *db, struct org *o)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	struct scope sc;
	scope_of(&req->principal, &sc);
	enum store_status s = org_store_get(db, id, sc.prefix, sc.end, o);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	return 0;
}

static void reply_org(struct req *req, int status, const struct org *o)
{
	set_etag(req, o->version);
	reply_json_new(req, status, org_json(o));
}

void orgs_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct org o;
	if (!db || load_or_reply(req, db, &o) != 0)
		return;
	reply_org(req, 200, &o);
}

void orgs_children(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct org parent;
	if (!db || load_or_reply(req, db, &parent) != 0)
		return;
	struct list_ctx c = {json_array(), "", 0};
	enum store_status s = org_store_children(db, parent.id, collect, &c);
	if (s != STORE_OK) {
		json_decref(c.items);
		reply_store_error(req, s);
		return;
	}
	reply_json_new(req, 200, json_pack("{s:o}", "items", c.items));
}

static void copy_field(char *dst, size_t dstlen, const char *value)
{
	snprintf(dst, dstlen, "%s", value ? value : "");
}

/* lat / lng / radius_m of a body over o's (lat and lng together; null clears). */
static void read_location(struct verr *v, const json_t *body, struct org *o)
{
	json_t *lat = json_object_get(body, "lat"), *lng = json_object_get(body, "lng");
	json_t *radius = json_object_get(body, "radius_m");
	if (!lat != !lng)
		verr_add(v, lat ? "lng" : "lat", "lat 与 lng 须同时提供");
	if (lat && lng) {
		if (json_is_null(lat) && json_is_null(lng)) {
			o->has_location = 0;
		} else if (!json_is_number(lat) || json_number_value(lat) < -90 || json_number_value(lat) > 90) {
			verr_add(v, "lat", "须为 -90 到 90 之间的数字");
		} else if (!json_is_number(lng) || json_number_value(lng) < -180 || json_number_value(lng) > 180) {
			verr_add(v, "lng", "须为 -180 到 180 之间的数字");
		} else {
			if (!o->has_location) /* a new location: its level's default radius */
				o->radius_m =
				        strcmp(o->level, "town") == 0 || strcmp(o->level, "city") == 0 ? 5000 : 2000;
			o->has_location = 1;
			o->lat = json_number_value(lat);
			o->lng = json_number_value(lng);
		}
	}
	if (radius && !json_is_null(radius)) {
		if (!json_is_integer(radius) || json_integer_value(radius) < 50 || json_integer_value(radius) > 50000)
			verr_add(v, "radius_m", "须为 50 到 50000 之间的整数（米）");
		else if (!o->has_location)
			verr_add(v, "radius_m", "须与 lat、lng 一起设置");
		else
			o->radius_m = (int)json_integer_value(radius);
	}
}

void orgs_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	if (create_policy_reply(req, ACT_ORG_WRITE, json_string_value(json_object_get(body, "parent_id"))))
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id",     "code", "name", "level",    "parent_id", "category",
	                                      "status", "lat",  "lng",  "radius_m", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *code = field_string(&v, body, "code", FIELD_REQUIRED, 1, 64, NULL);
	if (code && !is_code_chars(code))
		verr_add(&v, "code", "只能包含字母、数字、点、下划线和连字符");
	const char *name = field_string(&v, body, "name", FIELD_REQUIRED, 1, 100, NULL);
	const char *level = field_enum(&v, body, "level", FIELD_REQUIRED, org_levels, NULL);
	const char *parent_id = field_uuid(&v, body, "parent_id", FIELD_NULLABLE, NULL);
	const char *category = field_enum(&v, body, "category", FIELD_NULLABLE, org_categories, NULL);
	const char *status = field_enum(&v, body, "status", 0, org_statuses, NULL);
	struct db *db = NULL;
	struct org parent;
	if (!verr_any(&v)) {
		db = req_db_or_reply(req);
		if (!db) {
			verr_release(&v);
			return;
		}
		if (strcmp(level, "city") == 0) {
			if (parent_id)
				verr_add(&v, "parent_id", "市级组织没有上级");
		} else if (!parent_id) {
			verr_add(&v, "parent_id", "必填");
		} else {
			struct scope sc;
			scope_of(&req->principal, &sc);
			enum store_status s = org_store_get(db, parent_id, sc.prefix, sc.end, &parent);
			const char *expected = s == STORE_OK ? org_level_child(parent.level) : NULL;
			if (s == STORE_DB) {
				verr_release(&v);
				reply_store_error(req, s);
				return;
			}
			if (s != STORE_OK)
				verr_add(&v, "parent_id", "上级组织不存在");
			else if (!expected || strcmp(expected, level) != 0)
				verr_add(&v, "level", "层级须比上级组织低一级（市 → 镇/街道 → 村/社区 → 村民小组）");
		}
	}
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	struct org o;
	memset(&o, 0, sizeof o);
	if (id) {
		copy_field(o.id, sizeof o.id, id);
		uuid_lower(o.id);
		/* An offline client retrying its create: the same body is the same org. */
		struct org existing;
		if (org_store_get(db, o.id, "/", "0", &existing) == STORE_OK) {
			int same = strcmp(existing.code, code) == 0 && strcmp(existing.name, name) == 0 &&
			           strcmp(existing.level, level) == 0 &&
			           strcmp(existing.parent_id, parent_id ? parent_id : "") == 0 &&
			           strcmp(existing.category, category ? category : "") == 0 &&
			           strcmp(existing.status, status ? status : "normal") == 0;
			if (same) {
				reply_org(req, 200, &existing);
			} else {
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一个组织");
			}
			return;
		}
	} else {
		rand_uuid(o.id);
	}
	copy_field(o.code, sizeof o.code, code);
	copy_field(o.name, sizeof o.name, name);
	copy_field(o.level, sizeof o.level, level);
	copy_field(o.parent_id, sizeof o.parent_id, parent_id);
	copy_field(o.category, sizeof o.category, category);
	copy_field(o.status, sizeof o.status, status ? status : "normal");
	struct verr lv;
	verr_init(&lv);
	read_location(&lv, body, &o);
	bad = verr_reply(req, &lv);
	verr_release(&lv);
	if (bad)
		return;
	enum store_status s = org_store_create(db, &o, parent_id ? parent.path : NULL);
	if (s == STORE_CONFLICT) {
		reply_problem(req, 409, "code_taken", NULL, "组织编码 %s 已存在", code);
		return;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	char location[96];
	snprintf(location, sizeof location, "/api/v1/orgs/%s", o.id);
	req_header_add(req, "Location", location);
	reply_org(req, 201, &o);
}

void orgs_update(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct org o;
	if (!db || load_or_reply(req, db, &o) != 0)
		return;
	if (policy_reply(req, policy_decide(&req->principal, ACT_ORG_WRITE, o.path)))
		return;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		return;
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"code",      "name", "category", "status",   "level",
	                                      "parent_id", "lat",  "lng",      "radius_m", NULL};
	verr_unknown_fields(&v, body, allowed);
	int has_code, has_name, has_category, has_status, has_level, has_parent;
	const char *code = field_string(&v, body, "code", 0, 1, 64, &has_code);
	if (code && !is_code_chars(code))
		verr_add(&v, "code", "只能包含字母、数字、点、下划线和连字符");
	const char *name = field_string(&v, body, "name", 0, 1, 100, &has_name);
	const char *category = field_enum(&v, body, "category", FIELD_NULLABLE, org_categories, &has_category);
	const char *status = field_enum(&v, body, "status", 0, org_statuses, &has_status);
	const char *level = field_enum(&v, body, "level", 0, org_levels, &has_level);
	const char *parent_id = field_uuid(&v, body, "parent_id", FIELD_NULLABLE, &has_parent);
	/* The tree's shape is fixed: level and parent may be sent back, unchanged. */
	if (has_level && level && strcmp(level, o.level) != 0)
		verr_add(&v, "level", "组织层级不可修改");
	if (has_parent && strcmp(parent_id ? parent_id : "", o.parent_id) != 0)
		verr_add(&v, "parent_id", "上级组织不可修改");
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (has_code)
		copy_field(o.code, sizeof o.code, code);
	if (has_name)
		copy_field(o.name, sizeof o.name, name);
	if (has_category)
		copy_field(o.category, sizeof o.category, category);
	if (has_status)
		copy_field(o.status, sizeof o.status, status);
	struct verr lv;
	verr_init(&lv);
	read_location(&lv, body, &o);
	bad = verr_reply(req, &lv);
	verr_release(&lv);
	if (bad)
		return;
	char code_wanted[65];
	copy_field(code_wanted, sizeof code_wanted, o.code);
	enum store_status s = org_store_update(db, &o, if_match);
	if (s == STORE_STALE) {
		struct org current;
		struct scope sc;
		scope_of(&req->principal, &sc);
		json_t *extra = NULL;
		if (org_store_get(db, o.id, sc.prefix, sc.end, &current) == STORE_OK)
			extra = json_pack("{s:o}", "current", org_json(&current));
		reply_problem(req, 412, "version_conflict", extra, "组织已被他人修改（当前版本 %lld），请合并后重试",
		              extra ? current.version : 0);
		json_decref(extra);
		return;
	}
	if (s == STORE_CONFLICT) {
		reply_problem(req, 409, "code_taken", NULL, "组织编码 %s 已存在", code_wanted);
		return;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_org(req, 200, &o);
}
