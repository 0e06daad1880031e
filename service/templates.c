#include "templates.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "checklist.h"
#include "crypto.h"
#include "random.h"

json_t *template_json(const struct template_row *t)
{
	json_t *def = json_loads(t->definition ? t->definition : "{}", 0, NULL);
	json_t *dims = json_incref(json_object_get(def, "dimensions"));
	json_decref(def);
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:s, s:s}", "id", t->id, "key", t->key, "name", t->name,
	                 "description", t->description ? json_string(t->description) : json_null(), "version",
	                 (json_int_t)t->version, "dimensions", dims ? dims : json_array(), "created_at", t->created_at,
	                 "updated_at", t->updated_at);
}

struct list_ctx {
	json_t *items;
	int count;
	char last_key[65];
	char last_id[16];
	long long last_seq;
};

static int collect(const struct template_row *t, void *ctx)
{
	struct list_ctx *c = ctx;
	json_array_append_new(c->items, template_json(t));
	snprintf(c->last_key, sizeof c->last_key, "%s", t->key);
	snprintf(c->last_id, sizeof c->last_id, "%012lld", t->version);
	c->last_seq = t->seq;
	c->count++;
	return 0;
}

void templates_list(struct req *req)
{
	struct verr v;
	verr_init(&v);
	struct page_query q;
	query_page(req, &v, &q);
	char key[80];
	int n = query_param(req, "key", key, sizeof key);
	if (n == -2 || (n > 0 && !is_code_chars(key)))
		verr_add(&v, "key", "取值无效");
	int bad = verr_reply(req, &v);
	verr_release(&v);
	struct db *db = bad ? NULL : req_db_or_reply(req);
	if (!db)
		return;
	struct list_ctx c = {json_array(), 0, "", "", 0};
	long long snapshot = -1;
	enum store_status s = db_begin_read(db);
	if (s == STORE_OK) {
		snapshot = db_current_seq(db);
		s = template_list(db, n > 0 ? key : NULL, &q.page, collect, &c);
		db_commit(db);
	}
	if (s != STORE_OK) {
		json_decref(c.items);
		reply_store_error(req, s);
		return;
	}
	reply_json_new(req, 200, page_envelope(&q, c.items, c.count, c.last_key, c.last_id, c.last_seq, snapshot));
}

void templates_get(struct req *req)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct template_row t;
	enum store_status s = template_get(db, id, &t);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	set_etag(req, t.version);
	reply_json_new(req, 200, template_json(&t));
	template_row_release(&t);
}

void templates_create(struct req *req)
{
	if (policy_reply(req, policy_decide(&req->principal, ACT_TEMPLATE_WRITE, NULL)))
		return;
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id", "key", "name", "description", "dimensions", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *key = field_string(&v, body, "key", FIELD_REQUIRED, 1, 64, NULL);
	if (key && !is_code_chars(key))
		verr_add(&v, "key", "只能包含字母、数字、点、下划线和连字符");
	const char *name = field_string(&v, body, "name", FIELD_REQUIRED, 1, 100, NULL);
	const char *description =
	        field_string(&v, body, "description", FIELD_NULLABLE | FIELD_MULTILINE, 0, 2000, NULL);
	struct checklist cl;
	json_t *dims = json_object_get(body, "dimensions");
	if (!dims)
		verr_add(&v, "dimensions", "必填");
	else
		checklist_parse(dims, "dimensions", &cl, &v);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (dims)
		checklist_release(&cl);
	if (bad)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct template_row t;
	memset(&t, 0, sizeof t);
	if (id) {
		snprintf(t.id, sizeof t.id, "%s", id);
		uuid_lower(t.id);
		struct template_row existing;
		if (template_get(db, t.id, &existing) == STORE_OK) {
			/* Templates are immutable: a retry of the same create returns it. */
			json_t *stored = json_loads(existing.definition, 0, NULL);
			int same = strcmp(existing.key, key) == 0 && strcmp(existing.name, name) == 0 &&
			           strcmp(existing.description ? existing.description : "",
			                  description ? description : "") == 0 &&
			           json_equal(json_object_get(stored, "dimensions"), dims);
			json_decref(stored);
			if (same) {
				set_etag(req, existing.version);
				reply_json_new(req, 200, template_json(&existing));
			} else {
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一个模板");
			}
			template_row_release(&existing);
			return;
		}
	} else {
		rand_uuid(t.id);
	}
	snprintf(t.key, sizeof t.key, "%s", key);
	snprintf(t.name, sizeof t.name, "%s", name);
	json_t *def = json_pack("{s:O}", "dimensions", dims);
	t.definition = json_dumps(def, JSON_OUT);
	t.description = description ? strdup(description) : NULL;
	json_decref(def);
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = template_create(db, &t);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s != STORE_OK) {
		template_row_release(&t);
		reply_store_error(req, s);
		return;
	}
	char location[96];
	snprintf(location, sizeof location, "/api/v1/templates/%s", t.id);
	req_header_add(req, "Location", location);
	set_etag(req, t.version);
	reply_json_new(req, 201, template_json(&t));
	template_row_release(&t);
}
