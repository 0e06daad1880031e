#include "users.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "password.h"
#include "random.h"
#include "render.h"
#include "session_store.h"
#include "user_store.h"

const char *const user_roles[] = {"admin", "supervisor", "inspector", "cadre", "viewer", NULL};

int username_is_valid(const char *s)
{
	size_t n = strlen(s);
	return n >= 3 && n <= 32 && is_code_chars(s);
}

/* Phone numbers as people write them: digits, +, -, spaces, at most 20. */
int phone_is_valid(const char *s)
{
	size_t digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != '+' && *p != '-' && *p != ' ')
			return 0;
	}
	return digits >= 3 && strlen(s) <= 20;
}

struct list_ctx {
	json_t *items;
	char last[33];
	int count;
};

static int collect(const struct user *u, void *ctx)
{
	struct list_ctx *c = ctx;
	json_array_append_new(c->items, user_json(u));
	size_t i = 0;
	for (; u->username[i] && i < sizeof c->last - 1; i++)
		c->last[i] =
		        (char)(u->username[i] >= 'A' && u->username[i] <= 'Z' ? u->username[i] + 32 : u->username[i]);
	c->last[i] = '\0';
	c->count++;
	return 0;
}

void users_list(struct req *req)
{
	if (policy_reply(req, policy_decide(&req->principal, ACT_USER_LIST, NULL)))
		return;
	struct verr v;
	verr_init(&v);
	char role[16], org_id[64], disabled[8], q[260], after[64];
	int n = query_param(req, "role", role, sizeof role);
	if (n == -1) {
		role[0] = '\0';
	} else {
		int ok = 0;
		for (const char *const *r = user_roles; n > 0 && *r; r++)
			ok |= strcmp(*r, role) == 0;
		if (!ok)
			verr_add(&v, "role", "取值无效");
	}
	n = query_param(req, "org_id", org_id, sizeof org_id);
	if (n == -1)
		org_id[0] = '\0';
	else if (n < 0 || !uuid_is_valid(org_id, (size_t)n))
		verr_add(&v, "org_id", "须为 UUID");
	uuid_lower(org_id);
	int want_disabled = -1;
	n = query_param(req, "disabled", disabled, sizeof disabled);
	if (n != -1) {
		if (n > 0 && strcmp(disabled, "true") == 0)
			want_disabled = 1;
		else if (n > 0 && strcmp(disabled, "false") == 0)
			want_disabled = 0;
		else
			verr_add(&v, "disabled", "须为 true 或 false");
	}
	n = query_param(req, "q", q, sizeof q);
	if (n == -2 || n > 64)
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
	struct user_filter f = {
	        role[0] ? role : NULL, org_id[0] ? org_id : NULL, q[0] ? q : NULL, want_disabled, after, limit};
	struct list_ctx c = {json_array(), "", 0};
	enum store_status s = user_store_list(db, &f, sc.prefix, sc.end, collect, &c);
	if (s != STORE_OK) {
		json_decref(c.items);
		reply_store_error(req, s);
		return;
	}
	json_t *next = json_null();
	if (c.count == limit) {
		char *cur = cursor_encode(c.last);
		next = json_string(cur);
		free(cur);
	}
	reply_json_new(req, 200, json_pack("{s:o, s:o}", "items", c.items, "next_cursor", next));
}

static void reply_user(struct req *req, int status, const struct user *u)
{
	set_etag(req, u->version);
	reply_json_new(req, status, user_json(u));
}

/* Loads {id} within the caller's scope and checks action on it. */
static int load_or_reply(struct req *req, struct db *db, enum action action, struct user *u)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	struct scope sc;
	scope_of(&req->principal, &sc);
	enum store_status s = user_store_get(db, id, sc.prefix, sc.end, u);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	/* Everyone may read their own account. */
	if (action == ACT_USER_READ && strcmp(u->id, req->principal.user_id) == 0)
		return 0;
	return policy_reply(req, policy_decide(&req->principal, action, u->org_path)) ? -1 : 0;
}

void users_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct user u;
	if (!db || load_or_reply(req, db, ACT_USER_READ, &u) != 0)
		return;
	reply_user(req, 200, &u);
}

/* The org must exist and lie in the caller's scope. */
static void check_org(struct verr *v, struct db *db, const struct principal *p, const char *org_id, int *db_failed)
{
	struct scope sc;
	scope_of(p, &sc);
	struct org o;
	enum store_status s = org_store_get(db, org_id, sc.prefix, sc.end, &o);
	if (s == STORE_DB)
		*db_failed = 1;
	else if (s != STORE_OK)
		verr_add(v, "org_id", "组织不存在");
}

static void copy_field(char *dst, size_t dstlen, const char *value)
{
	snprintf(dst, dstlen, "%s", value ? value : "");
}

void users_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	if (create_policy_reply(req, ACT_USER_WRITE, json_string_value(json_object_get(body, "org_id"))))
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id",   "username", "display_name", "phone",
	                                      "role", "org_id",   "password",     NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *username = field_string(&v, body, "username", FIELD_REQUIRED, 3, 32, NULL);
	if (username && !username_is_valid(username))
		verr_add(&v, "username", "只能包含字母、数字、点、下划线和连字符（3–32 个）");
	const char *display_name = field_string(&v, body, "display_name", FIELD_REQUIRED, 1, 64, NULL);
	const char *phone = field_string(&v, body, "phone", FIELD_NULLABLE, 1, 20, NULL);
	if (phone && !phone_is_valid(phone))
		verr_add(&v, "phone", "电话号码格式无效");
	const char *role = field_enum(&v, body, "role", FIELD_REQUIRED, user_roles, NULL);
	const char *org_id = field_uuid(&v, body, "org_id", FIELD_REQUIRED, NULL);
	const char *password = field_string(&v, body, "password", FIELD_REQUIRED, 1, 1024, NULL);
	const char *why = password ? password_policy_check(password, username) : NULL;
	if (why)
		verr_add(&v, "password", why);
	struct db *db = req_db_or_reply(req);
	if (!db) {
		verr_release(&v);
		return;
	}
	int db_failed = 0;
	if (org_id)
		check_org(&v, db, &req->principal, org_id, &db_failed);
	int bad = db_failed ? (reply_store_error(req, STORE_DB), 1) : verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	struct user u;
	memset(&u, 0, sizeof u);
	if (id) {
		copy_field(u.id, sizeof u.id, id);
		uuid_lower(u.id);
		struct user existing;
		if (user_store_get(db, u.id, "/", "0", &existing) == STORE_OK) {
			char stored[PASSWORD_HASH_MAX];
			int same = strcasecmp(existing.username, username) == 0 && strcmp(existing.role, role) == 0 &&
			           strcmp(existing.org_id, org_id) == 0 &&
			           strcmp(existing.display_name, display_name) == 0 &&
			           strcmp(existing.phone, phone ? phone : "") == 0 &&
			           user_store_get_hash(db, existing.id, stored, sizeof stored) == STORE_OK &&
			           password_verify(stored, password) == PASSWORD_OK;
			if (same)
				reply_user(req, 200, &existing);
			else
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一个账号");
			return;
		}
	} else {
		rand_uuid(u.id);
	}
	copy_field(u.username, sizeof u.username, username);
	copy_field(u.display_name, sizeof u.display_name, display_name);
	copy_field(u.phone, sizeof u.phone, phone);
	copy_field(u.role, sizeof u.role, role);
	copy_field(u.org_id, sizeof u.org_id, org_id);
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(password, hash) != PASSWORD_OK) {
		reply_busy(req);
		return;
	}
	enum store_status s = user_store_create(db, &u, hash);
	if (s == STORE_CONFLICT) {
		reply_problem(req, 409, "username_taken", NULL, "用户名 %s 已被使用", username);
		return;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	char location[96];
	snprintf(location, sizeof location, "/api/v1/users/%s", u.id);
	req_header_add(req, "Location", location);
	reply_user(req, 201, &u);
}

/* Writes u; when tokens end, also ends the user's sessions. */
static enum store_status save(struct db *db, struct user *u, long long if_match, const char *hash, int end_sessions)
{
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = user_store_update(db, u, if_match, hash, end_sessions);
	if (s == STORE_OK && end_sessions)
		s = session_revoke_user(db, u->id, NULL, "account changed", time(NULL));
	if (s == STORE_OK)
		return db_commit(db);
	db_rollback(db);
	return s;
}

static void reply_stale(struct req *req, struct db *db, const char *id)
{
	struct user current;
	json_t *extra = NULL;
	if (user_store_get(db, id, "/", "0", &current) == STORE_OK)
		extra = json_pack("{s:o}", "current", user_json(&current));
	reply_problem(req, 412, "version_conflict", extra, "账号已被他人修改，请合并后重试");
	json_decref(extra);
}

void users_update(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct user u;
	if (!db || load_or_reply(req, db, ACT_USER_WRITE, &u) != 0)
		return;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		return;
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"display_name", "phone", "role", "org_id", "disabled", "password", NULL};
	verr_unknown_fields(&v, body, allowed);
	int has_name, has_phone, has_role, has_org, has_pw;
	const char *display_name = field_string(&v, body, "display_name", 0, 1, 64, &has_name);
	const char *phone = field_string(&v, body, "phone", FIELD_NULLABLE, 1, 20, &has_phone);
	if (phone && !phone_is_valid(phone))
		verr_add(&v, "phone", "电话号码格式无效");
	const char *role = field_enum(&v, body, "role", 0, user_roles, &has_role);
	const char *org_id = field_uuid(&v, body, "org_id", 0, &has_org);
	int disabled = field_bool(&v, body, "disabled", 0);
	const char *password = field_string(&v, body, "password", 0, 1, 1024, &has_pw);
	const char *why = password ? password_policy_check(password, u.username) : NULL;
	if (why)
		verr_add(&v, "password", why);
	int db_failed = 0;
	if (org_id)
		check_org(&v, db, &req->principal, org_id, &db_failed);
	int self = strcmp(u.id, req->principal.user_id) == 0;
	int bad = db_failed ? (reply_store_error(req, STORE_DB), 1) : verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (self && ((role && strcmp(role, u.role) != 0) || disabled == 1)) {
		reply_problem(req, 409, "conflict", NULL, "不能停用自己或修改自己的角色");
		return;
	}
	int end_sessions = (role && strcmp(role, u.role) != 0) || (org_id && strcmp(org_id, u.org_id) != 0) ||
	                   (disabled == 1 && !u.disabled) || password != NULL;
	if (has_name)
		copy_field(u.display_name, sizeof u.display_name, display_name);
	if (has_phone)
		copy_field(u.phone, sizeof u.phone, phone);
	if (role)
		copy_field(u.role, sizeof u.role, role);
	if (org_id)
		copy_field(u.org_id, sizeof u.org_id, org_id);
	if (disabled >= 0)
		u.disabled = disabled;
	char hash[PASSWORD_HASH_MAX];
	if (password && password_hash(password, hash) != PASSWORD_OK) {
		reply_busy(req);
		return;
	}
	enum store_status s = save(db, &u, if_match, password ? hash : NULL, end_sessions);
	memset(hash, 0, sizeof hash);
	if (s == STORE_STALE) {
		reply_stale(req, db, u.id);
		return;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_user(req, 200, &u);
}

void users_disable(struct req *req)
{
	if (req->json && json_object_size(req->json) > 0) {
		struct verr v;
		verr_init(&v);
		static const char *const none[] = {NULL};
		verr_unknown_fields(&v, req->json, none);
		verr_reply(req, &v);
		verr_release(&v);
		return;
	}
	struct db *db = req_db_or_reply(req);
	struct user u;
	if (!db || load_or_reply(req, db, ACT_USER_WRITE, &u) != 0)
		return;
	if (strcmp(u.id, req->principal.user_id) == 0) {
		reply_problem(req, 409, "conflict", NULL, "不能停用自己的账号");
		return;
	}
	u.disabled = 1;
	enum store_status s = save(db, &u, 0, NULL, 1);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_user(req, 200, &u);
}
