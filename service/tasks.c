/*
 * Rectification tasks on cadres' phones: `assigned` → `in_progress` (the
 * assignee starts) → `submitted` (the assignee, with a progress report and,
 * when required, a photo) → `verified` or `returned` (a supervisor, with a
 * reason) → `in_progress` again. Progress reports are an ordered history.
 * `overdue` is computed from the due date and the local calendar day on
 * every read. The inbox is the caller's tasks, due soonest first, with
 * counts for the app's badges.
 */
#include "rectify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jw.h"
#include "base/xalloc.h"
#include "clock.h"
#include "crypto.h"
#include "evidence.h"
#include "photo_store.h"
#include "random.h"
#include "rounds.h"
#include "server.h"

static json_t *task_actions(const char *status)
{
	if (strcmp(status, "assigned") == 0 || strcmp(status, "returned") == 0)
		return json_pack("[s, s]", "start", "update");
	if (strcmp(status, "in_progress") == 0)
		return json_pack("[s, s, s]", "submit", "add_progress", "update");
	if (strcmp(status, "submitted") == 0)
		return json_pack("[s, s, s]", "verify", "return", "update");
	return json_array();
}

static void reply_task_transition(struct req *req, const struct task_row *t, const char *action)
{
	reply_transition(req, "整改任务", t->status, action, task_actions(t->status));
}

static json_t *task_evidence_summary(struct req *req, struct db *db, const char *id)
{
	json_t *ids = json_array();
	if (photo_ids_of_task(db, id, ids) != STORE_OK)
		json_array_clear(ids);
	json_t *summary = evidence_summary(req, db, ids);
	json_decref(ids);
	return summary;
}

static void reply_task(struct req *req, struct db *db, int status, const char *id)
{
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *j = NULL;
	enum store_status s = task_json(db, id, &rs.sc, 1, &j);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	json_object_set_new(j, "evidence", task_evidence_summary(req, db, id));
	set_etag(req, json_integer_value(json_object_get(j, "version")));
	reply_json_new(req, status, j);
}

/* 412 with the task as it is now. */
static void reply_task_stale(struct req *req, struct db *db, const char *id)
{
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	json_t *cur = NULL, *extra = NULL;
	if (task_json(db, id, &rs.sc, 1, &cur) == STORE_OK)
		extra = json_pack("{s:o}", "current", cur);
	reply_problem(req, 412, "version_conflict", extra, "整改任务已被修改，请刷新后重试");
	json_decref(extra);
}

static int is_assignee(const struct req *req, const struct task_row *t)
{
	return strcmp(t->assignee_id, req->principal.user_id) == 0;
}

/* Loads task {id} as the caller sees it (404). */
static int load_task_or_reply(struct req *req, struct db *db, struct task_row *t)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	enum store_status s = task_row_get(db, id, &rs.sc, t);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	return 0;
}

/* ---- tasks of a case ---------------------------------------------------------------------------- */

void tasks_list(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return;
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	struct rect_row r;
	enum store_status s = rect_row_get(db, id, &rs.sc, &r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	struct page_query q;
	if (list_page_or_reply(req, &q) != 0)
		return;
	json_t *items = json_array();
	int more = 0;
	s = task_list_case(db, r.id, rs.today, q.page.after_key, q.page.after_id, q.page.limit, items, &more);
	reply_page(req, s, &q, items, "due_date");
}

void tasks_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	char case_id[37];
	if (path_uuid_or_reply(req, "id", case_id) != 0)
		return;
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	struct rect_row r;
	enum store_status s = rect_row_get(db, case_id, &rs.sc, &r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	if (!rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL, "只有镇（街）党委或管理员可以布置整改任务");
		return;
	}
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id",       "title",          "detail", "assignee_id",
	                                      "due_date", "requires_photo", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	struct task_fields f;
	read_task_fields(&v, body, &f, 1);
	if (f.assignee_id)
		check_assignee(db, &v, "assignee_id", f.assignee_id, r.org_id);
	uint8_t hash[32];
	request_hash(body, hash);
	char new_id[37];
	if (id) {
		snprintf(new_id, sizeof new_id, "%s", id);
		uuid_lower(new_id);
		struct task_row existing;
		if (task_row_get(db, new_id, NULL, &existing) == STORE_OK) {
			if (strcmp(existing.rectification_id, r.id) == 0 && ct_equal(existing.create_hash, hash, 32))
				reply_task(req, db, 200, new_id);
			else
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一项整改任务");
			goto out;
		}
	} else {
		rand_uuid(new_id);
	}
	if (verr_reply(req, &v))
		goto out;
	if (strcmp(r.status, "open") != 0) {
		reply_transition(req, "整顿案件", r.status, "增加整改任务", case_actions(&r));
		goto out;
	}
	char assignee[37];
	snprintf(assignee, sizeof assignee, "%s", f.assignee_id);
	uuid_lower(assignee);
	f.assignee_id = assignee;
	struct task_row c = {0};
	snprintf(c.rectification_id, sizeof c.rectification_id, "%s", r.id);
	snprintf(c.org_id, sizeof c.org_id, "%s", r.org_id);
	s = db_begin(db);
	struct rect_row now;
	if (s == STORE_OK && (s = rect_row_get(db, r.id, NULL, &now)) == STORE_OK && strcmp(now.status, "open") != 0)
		s = STORE_INVALID; /* evaluated meanwhile: checked again under the write lock */
	if (s == STORE_OK)
		s = task_create_in_tx(db, new_id, &c, &f, NULL, hash, req->principal.user_id);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	struct task_row existing;
	if (s == STORE_INVALID)
		reply_transition(req, "整顿案件", now.status, "增加整改任务", case_actions(&now));
	else if (s == STORE_CONFLICT && task_row_get(db, new_id, NULL, &existing) == STORE_OK &&
	         strcmp(existing.rectification_id, r.id) == 0 && ct_equal(existing.create_hash, hash, 32))
		reply_task(req, db, 200, new_id); /* a concurrent retry stored it */
	else if (s == STORE_CONFLICT)
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一项整改任务");
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else {
		char location[80];
		snprintf(location, sizeof location, "/api/v1/tasks/%s", new_id);
		req_header_add(req, "Location", location);
		reply_task(req, db, 201, new_id);
	}
out:
	verr_release(&v);
}

void tasks_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	if (!db || load_task_or_reply(req, db, &t) != 0)
		return;
	reply_task(req, db, 200, t.id);
}

void tasks_update(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	if (!db || load_task_or_reply(req, db, &t) != 0)
		return;
	struct verr v;
	verr_init(&v);
	if (req->principal.role == ROLE_CADRE) { /* a cadre reports progress; the town assigns */
		const char *k;
		json_t *e;
		json_object_foreach(body, k, e) verr_add(&v, k, "只有镇（街）党委可以修改");
		if (!verr_any(&v))
			verr_add(&v, "(body)", "只有镇（街）党委可以修改");
		verr_reply(req, &v);
		verr_release(&v);
		return;
	}
	if (!rect_manager(req)) {
		verr_release(&v);
		reply_problem(req, 403, "forbidden", NULL, "只有镇（街）党委或管理员可以修改整改任务");
		return;
	}
	long long if_match = if_match_or_reply(req);
	if (if_match < 0) {
		verr_release(&v);
		return;
	}
	static const char *const allowed[] = {"title", "detail", "assignee_id", "due_date", "requires_photo", NULL};
	verr_unknown_fields(&v, body, allowed);
	struct task_fields f;
	read_task_fields(&v, body, &f, 0);
	char assignee[37];
	if (f.assignee_id) {
		check_assignee(db, &v, "assignee_id", f.assignee_id, t.org_id);
		snprintf(assignee, sizeof assignee, "%s", f.assignee_id);
		uuid_lower(assignee);
		f.assignee_id = assignee;
	}
	if (json_object_get(body, "title") && !f.title && !verr_any(&v))
		verr_add(&v, "title", "不能为空");
	if (verr_reply(req, &v))
		goto out;
	if (if_match > 0 && if_match != t.version) {
		reply_task_stale(req, db, t.id);
		goto out;
	}
	if (strcmp(t.status, "verified") == 0 || strcmp(t.case_status, "closed") == 0) {
		reply_task_transition(req, &t, "修改");
		goto out;
	}
	enum store_status s = task_update(db, t.id, if_match, &f);
	if (s == STORE_STALE)
		reply_task_stale(req, db, t.id);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_task(req, db, 200, t.id);
out:
	verr_release(&v);
}

/* ---- the workflow ------------------------------------------------------------------------------- */

/* One state change with its history row. */
static void task_move(struct req *req, struct db *db, const struct task_row *t, const char *to, const char *reason,
                      const char *ack_note)
{
	char now[24];
	clock_rfc3339(now);
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = task_set_status(db, t->id, t->status, to, reason, req->principal.user_id, now);
	if (s == STORE_OK)
		s = history_add(db, "task", t->id, req->principal.user_id, t->status, to, reason);
	if (s == STORE_OK && ack_note)
		s = task_set_evidence_ack(db, t->id, req->principal.user_id, ack_note);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_CONFLICT) { /* moved meanwhile */
		struct task_row current;
		if (task_row_get(db, t->id, NULL, &current) == STORE_OK)
			reply_task_transition(req, &current, "执行该操作");
		else
			reply_store_error(req, STORE_DB);
		return;
	}
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_task(req, db, 200, t->id);
}

/* Loads the task for an action: visible (404), the right person (403), an
 * action body (422). */
static int action_task_or_reply(struct req *req, struct db *db, struct task_row *t, int assignee_action,
                                const char *const *allowed, json_t **body)
{
	if (load_task_or_reply(req, db, t) != 0)
		return -1;
	if (assignee_action ? !is_assignee(req, t) : !rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL,
		              assignee_action ? "只有任务的承办人可以办理" : "只有镇（街）党委或管理员可以验收或退回");
		return -1;
	}
	*body = action_body_or_reply(req, allowed);
	if (!*body)
		return -1;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		return -1;
	if (if_match > 0 && if_match != t->version) {
		reply_task_stale(req, db, t->id);
		return -1;
	}
	return 0;
}

void tasks_start(struct req *req)
{
	static const char *const allowed[] = {NULL};
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	json_t *body;
	if (!db || action_task_or_reply(req, db, &t, 1, allowed, &body) != 0)
		return;
	if (strcmp(t.status, "assigned") != 0 && strcmp(t.status, "returned") != 0) {
		reply_task_transition(req, &t, "开始办理");
		return;
	}
	task_move(req, db, &t, "in_progress", NULL, NULL);
}

void tasks_submit(struct req *req)
{
	static const char *const allowed[] = {NULL};
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	json_t *body;
	if (!db || action_task_or_reply(req, db, &t, 1, allowed, &body) != 0)
		return;
	if (strcmp(t.status, "in_progress") != 0) {
		reply_task_transition(req, &t, "提交验收");
		return;
	}
	long long reports = 0, photos = 0;
	enum store_status s = task_evidence(db, t.id, &reports, &photos);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	json_t *missing = json_array();
	if (reports == 0)
		json_array_append_new(missing, json_string("progress"));
	if (t.requires_photo && photos == 0)
		json_array_append_new(missing, json_string("photo"));
	if (json_array_size(missing) > 0) {
		json_t *extra = json_pack("{s:o}", "missing", missing);
		reply_problem(req, 409, "incomplete", extra, "提交前须有进展报告%s",
		              t.requires_photo ? "和已上传的照片" : "");
		json_decref(extra);
		return;
	}
	json_decref(missing);
	task_move(req, db, &t, "submitted", NULL, NULL);
}

void tasks_verify(struct req *req)
{
	static const char *const allowed[] = {"acknowledge_evidence", "evidence_note", NULL};
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	json_t *body;
	if (!db || action_task_or_reply(req, db, &t, 0, allowed, &body) != 0)
		return;
	if (strcmp(t.status, "submitted") != 0) {
		reply_task_transition(req, &t, "验收");
		return;
	}
	/* alert-level evidence must be acknowledged, with a note the audit trail keeps */
	const char *ack_note = NULL;
	json_t *summary = task_evidence_summary(req, db, t.id);
	int rc = evidence_ack_or_reply(req, body, summary, &ack_note);
	json_decref(summary);
	if (rc == 0)
		task_move(req, db, &t, "verified", NULL, ack_note);
}

void tasks_return(struct req *req)
{
	static const char *const allowed[] = {"reason", NULL};
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	json_t *body;
	if (!db || action_task_or_reply(req, db, &t, 0, allowed, &body) != 0)
		return;
	struct verr v;
	verr_init(&v);
	const char *reason = field_string(&v, body, "reason", FIELD_REQUIRED | FIELD_MULTILINE, 1, 500, NULL);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (strcmp(t.status, "submitted") != 0) {
		reply_task_transition(req, &t, "退回");
		return;
	}
	task_move(req, db, &t, "returned", reason, NULL);
}

/* ---- progress reports ------------------------------------------------------------------------- */

void progress_list_route(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	if (!db || load_task_or_reply(req, db, &t) != 0)
		return;
	json_t *items = json_array();
	enum store_status s = progress_list(db, t.id, items);
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	reply_json_new(req, 200, json_pack("{s:o}", "items", items));
}

static void reply_progress(struct req *req, struct db *db, int status, const char *id)
{
	json_t *j = NULL;
	enum store_status s = progress_json(db, id, &j);
	if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_json_new(req, status, j);
}

/* photo_ids: up to 20 UUIDs, lower-cased, as a JSON array text (malloc'ed). */
static char *read_photo_ids(struct verr *v, const json_t *body)
{
	json_t *p = json_object_get(body, "photo_ids");
	if (!p || json_is_null(p))
		return xstrdup("[]");
	if (!json_is_array(p) || json_array_size(p) > 20) {
		verr_add(v, "photo_ids", "须为不超过 20 个照片 id 的数组");
		return NULL;
	}
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(p, i, e)
	{
		const char *s = json_string_value(e);
		if (!s || !uuid_is_valid(s, strlen(s))) {
			char f[40];
			snprintf(f, sizeof f, "photo_ids[%zu]", i);
			verr_add(v, f, "须为 UUID");
			continue;
		}
		char id[37];
		snprintf(id, sizeof id, "%s", s);
		uuid_lower(id);
		json_array_append_new(out, json_string(id));
	}
	char *text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return text;
}

void progress_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	struct task_row t;
	if (!db || load_task_or_reply(req, db, &t) != 0)
		return;
	if (!is_assignee(req, &t) && !rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL, "只有任务的承办人或镇（街）党委可以报告进展");
		return;
	}
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id", "text", "percent", "photo_ids", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *text = field_string(&v, body, "text", FIELD_REQUIRED | FIELD_MULTILINE, 1, 2000, NULL);
	json_t *jp = json_object_get(body, "percent");
	int percent = -1;
	if (!jp)
		verr_add(&v, "percent", "必填");
	else if (!json_is_integer(jp) || json_integer_value(jp) < 0 || json_integer_value(jp) > 100)
		verr_add(&v, "percent", "须为 0 到 100 之间的整数");
	else
		percent = (int)json_integer_value(jp);
	char *photo_ids = read_photo_ids(&v, body);
	uint8_t hash[32];
	request_hash(body, hash);
	char new_id[37];
	if (id) {
		snprintf(new_id, sizeof new_id, "%s", id);
		uuid_lower(new_id);
		char task_id[37];
		uint8_t existing[32];
		if (progress_meta(db, new_id, task_id, existing) == STORE_OK) { /* a retry, before the checks */
			if (strcmp(task_id, t.id) == 0 && ct_equal(existing, hash, 32))
				reply_progress(req, db, 200, new_id);
			else
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一条进展报告");
			goto out;
		}
	} else {
		rand_uuid(new_id);
	}
	/* The state first: a task that is not in progress takes no report, whatever
	 * the body (the percent's floor is that of a live task's reports). */
	if (strcmp(t.status, "in_progress") != 0) {
		reply_task_transition(req, &t, "报告进展");
		goto out;
	}
	int last = -1;
	enum store_status s = percent >= 0 ? progress_last_percent(db, t.id, &last) : STORE_OK;
	if (s != STORE_OK) {
		reply_store_error(req, s);
		goto out;
	}
	if (percent >= 0 && percent < last) {
		char msg[64];
		snprintf(msg, sizeof msg, "不能低于上次报告的 %d%%", last);
		verr_add(&v, "percent", msg);
	}
	if (verr_reply(req, &v)) /* every problem of the body in one 422 */
		goto out;
	s = progress_insert(db, new_id, t.id, req->principal.user_id, text, percent, photo_ids, hash);
	char task_id[37];
	uint8_t existing[32];
	if (s == STORE_CONFLICT && progress_meta(db, new_id, task_id, existing) == STORE_OK &&
	    strcmp(task_id, t.id) == 0 && ct_equal(existing, hash, 32))
		reply_progress(req, db, 200, new_id); /* a concurrent retry stored it */
	else if (s == STORE_CONFLICT)
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一条进展报告");
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_progress(req, db, 201, new_id);
out:
	free(photo_ids);
	verr_release(&v);
}

/* ---- the inbox -------------------------------------------------------------------------------- */

void me_tasks(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	struct page_query q;
	list_page(req, &v, &q);
	struct inbox_filter f = {NULL, -1};
	char status[16], overdue[8];
	int n = query_param(req, "status", status, sizeof status);
	static const char *const statuses[] = {"assigned", "in_progress", "submitted", "returned", "verified", NULL};
	if (n >= 0) {
		for (const char *const *p = statuses; *p; p++)
			if (strcmp(*p, status) == 0)
				f.status = *p;
		if (!f.status)
			verr_add(&v, "status", "须为 assigned、in_progress、submitted、returned 或 verified");
	} else if (n == -2) {
		verr_add(&v, "status", "须为 assigned、in_progress、submitted、returned 或 verified");
	}
	n = query_param(req, "overdue", overdue, sizeof overdue);
	if (n >= 0 && strcmp(overdue, "true") == 0)
		f.overdue = 1;
	else if (n >= 0 && strcmp(overdue, "false") == 0)
		f.overdue = 0;
	else if (n != -1)
		verr_add(&v, "overdue", "须为 true 或 false");
	if (verr_reply(req, &v)) {
		verr_release(&v);
		return;
	}
	verr_release(&v);
	char today[11];
	clock_today(today);
	/* the tasks' JSON, as SQLite composed it, goes into the response unparsed */
	struct buf items = BUF_INIT;
	struct inbox_page page;
	json_t *counts = NULL;
	enum store_status s = task_inbox(db, req->principal.user_id, today, &f, q.page.after_key, q.page.after_id,
	                                 q.page.limit, &items, &page);
	if (s == STORE_OK)
		s = task_inbox_counts(db, req->principal.user_id, today, &counts);
	if (s != STORE_OK) {
		buf_release(&items);
		reply_store_error(req, s);
		return;
	}
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jw_open(&w, NULL, '{');
	jw_raw(&w, "items", items.data, "[]");
	buf_release(&items);
	page_envelope_write(&w, &q, page.count, page.last_due, page.last_id, 0, 0);
	jw_value(&w, "counts", counts);
	json_decref(counts);
	jw_close(&w, '}');
	reply_json_writer(req, 200, &w);
}

/* ---- photos of tasks -------------------------------------------------------------------------- */

/* The task of progress_id (or task_id itself), as the caller sees it. */
static enum store_status task_of(struct req *req, struct db *db, const char *task_id, const char *progress_id,
                                 struct task_row *t)
{
	char tid[37];
	if (progress_id) {
		uint8_t hash[32];
		enum store_status s = progress_meta(db, progress_id, tid, hash);
		if (s != STORE_OK)
			return s;
		task_id = tid;
	}
	struct rscope rs;
	rscope_of(&req->principal, &rs);
	return task_row_get(db, task_id, &rs.sc, t);
}

int photo_task_link_or_reply(struct req *req, struct db *db, const char *task_id, const char *progress_id)
{
	struct task_row t;
	enum store_status s = task_of(req, db, task_id, progress_id, &t);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	if (!is_assignee(req, &t) && !rect_manager(req)) {
		reply_problem(req, 403, "forbidden", NULL, "只有任务的承办人或镇（街）党委可以添加照片");
		return -1;
	}
	if (strcmp(t.status, "verified") == 0) {
		reply_task_transition(req, &t, "再添加照片");
		return -1;
	}
	return 0;
}

int task_visible_to(struct req *req, struct db *db, const char *task_id, const char *progress_id)
{
	struct task_row t;
	enum store_status s = task_of(req, db, task_id, progress_id, &t);
	return s == STORE_OK ? 1 : s == STORE_NOT_FOUND ? 0 : -1;
}
