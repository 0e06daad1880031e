/*
 * Inspections: one visit by an inspector to one organization.
 *
 *   draft ──submit──▶ submitted ──approve──▶ approved
 *     ▲                   │
 *     └──(edit) returned ◀┘ return (reason)
 *
 * Phones create with their own ids and retry freely: the same id with the
 * same body returns the stored visit, a different body is 409 id_conflict.
 * Scores are recomputed from the template on every change; a number answer
 * that misses its threshold keeps one automatic finding up to date.
 */
#include "inspections.h"

#include "evidence.h"
#include "photo_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "checklist.h"
#include "crypto.h"
#include "jw.h"
#include "obs_store.h"
#include "org_store.h"
#include "photo_store.h"
#include "server.h"
#include "random.h"
#include "rounds.h"

/* ---- rendering -------------------------------------------------------------------- */

static json_t *parse_or(const char *text, json_t *fallback)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (!j)
		return fallback;
	json_decref(fallback);
	return j;
}

static json_t *text_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The photo ids a finding references that no uploaded photo has yet: the
 * phone still owes them. NULL on a database error. */
static json_t *missing_photos(struct db *db, const json_t *ids)
{
	if (json_array_size(ids) == 0)
		return json_array();
	char *text = json_dumps(ids, JSON_OUT);
	char *missing = text ? photo_missing_ids(db, text) : NULL;
	json_t *out = missing ? json_loads(missing, 0, NULL) : NULL;
	free(text);
	free(missing);
	return out;
}

/*
 * The answers a visit stores may cite photos. They are stored compact
 * (JSON_OUT, by inspection_save), where a non-empty photo_ids array always
 * reads "photo_ids":[" — inside a string a quote is escaped — so a visit
 * citing none, most of them, needs no query; a false positive only costs one.
 */
static const char *cited_or_none(const char *answers)
{
	return answers && strstr(answers, "\"photo_ids\":[\"") ? answers : "[]";
}

/* Of the photos the answers cite, those not uploaded yet: JSON text
 * (malloc'ed), NULL on a database error. */
static char *answers_missing_photos(struct db *db, const char *answers)
{
	const char *cited = cited_or_none(answers);
	return cited == answers ? photo_missing_cited(db, cited) : xstrdup("[]");
}

/* The photos evidencing a visit: its own, its findings', those its answers cite. */
static json_t *inspection_evidence(struct req *req, struct db *db, const struct inspection_row *r)
{
	json_t *ids = json_array();
	if (photo_ids_of_inspection(db, r->id, cited_or_none(r->answers), ids) != STORE_OK)
		json_array_clear(ids);
	json_t *summary = evidence_summary(req, db, ids);
	json_decref(ids);
	return summary;
}

/*
 * A visit as the API shows it, written straight into the response: the
 * stored answers, score and location — JSON text inspection_save and the
 * field readers composed with json_dumps; obs_store writes those columns
 * from nothing else — are copied as they are. With req, a
 * single visit: also its evidence summary and acknowledgement. -1 on a
 * database error.
 */
static int write_inspection(struct jw *w, struct req *req, struct db *db, const struct inspection_row *r)
{
	jw_open(w, NULL, '{');
	jw_str(w, "id", r->id);
	if (r->deleted) {
		jw_bool(w, "deleted", 1);
		jw_int(w, "version", r->version);
		jw_str(w, "updated_at", r->updated_at);
		jw_close(w, '}');
		return 0;
	}
	char *missing = answers_missing_photos(db, r->answers);
	if (!missing)
		return -1;
	jw_str(w, "org_id", r->org_id);
	jw_str(w, "org_name", r->org_name);
	jw_text(w, "round_id", r->round_id);
	jw_str(w, "template_id", r->template_id);
	jw_str(w, "inspector_id", r->inspector_id);
	jw_str(w, "inspector_name", r->inspector_name);
	jw_str(w, "status", r->status);
	jw_text(w, "started_at", r->started_at);
	jw_text(w, "finished_at", r->finished_at);
	jw_raw(w, "location", r->location, "null");
	jw_raw(w, "answers", r->answers, "[]");
	jw_text(w, "notes", r->notes);
	jw_text(w, "return_reason", r->return_reason);
	jw_raw(w, "score", r->score, "{}");
	jw_text(w, "submitted_at", r->submitted_at);
	jw_text(w, "reviewed_at", r->reviewed_at);
	jw_text(w, "reviewed_by", r->reviewed_by);
	jw_int(w, "version", r->version);
	jw_str(w, "created_at", r->created_at);
	jw_str(w, "updated_at", r->updated_at);
	jw_raw(w, "missing_photo_ids", missing, "[]");
	free(missing);
	if (req) {
		json_t *evidence = inspection_evidence(req, db, r);
		jw_value(w, "evidence", evidence);
		json_decref(evidence);
		if (r->evidence_ack_by[0]) {
			jw_open(w, "evidence_ack", '{');
			jw_str(w, "by", r->evidence_ack_by);
			jw_str(w, "at", r->evidence_ack_at);
			jw_text(w, "note", r->evidence_ack_note);
			jw_close(w, '}');
		} else {
			jw_null(w, "evidence_ack");
		}
	}
	jw_close(w, '}');
	return 0;
}

/* The same as a Jansson value (for a 412's "current"); NULL on failure. */
static json_t *inspection_json(struct db *db, const struct inspection_row *r)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	json_t *j = write_inspection(&w, NULL, db, r) == 0 ? json_loadb(b.data, b.len, 0, NULL) : NULL;
	buf_release(&b);
	return j;
}

static json_t *finding_json(struct db *db, const struct finding_row *f)
{
	if (f->deleted)
		return json_pack("{s:s, s:b, s:I, s:s}", "id", f->id, "deleted", 1, "version", (json_int_t)f->version,
		                 "updated_at", f->updated_at);
	json_t *photos = parse_or(f->photo_ids, json_array());
	json_t *missing = missing_photos(db, photos);
	if (!missing) {
		json_decref(photos);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:b, s:s, s:o, s:I, s:s, s:s}", "id", f->id,
	                 "inspection_id", f->inspection_id, "org_id", f->org_id, "item_code",
	                 text_or_null(f->item_code), "severity", f->severity, "description",
	                 f->description ? f->description : "", "photo_ids", photos, "missing_photo_ids", missing,
	                 "auto", f->auto_, "status", f->status, "task_id", text_or_null(f->task_id), "version",
	                 (json_int_t)f->version, "created_at", f->created_at, "updated_at", f->updated_at);
}

static void reply_inspection(struct req *req, int status, const struct inspection_row *r)
{
	set_etag(req, r->version);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	if (write_inspection(&w, r->deleted ? NULL : req, server_worker_db(req->conn), r) != 0) {
		buf_release(&b);
		reply_store_error(req, STORE_DB);
		return;
	}
	reply_json_writer(req, status, &w);
}

/* ---- loading and permission ----------------------------------------------------------- */

struct iscope {
	struct inspection_scope sc;
	char end[ORG_PATH_LEN];
};

static void iscope_of(const struct principal *p, struct iscope *s)
{
	s->sc.mode = policy_inspection_mode(p->role);
	s->sc.scope = policy_scope(p);
	policy_scope_end(s->sc.scope, s->end, sizeof s->end);
	s->sc.scope_end = s->end;
	s->sc.user_id = p->user_id;
}

/* Loads {id} as the caller sees it (404 otherwise). */
static int load_or_reply(struct req *req, struct db *db, const char *param, struct inspection_row *r)
{
	char id[37];
	if (path_uuid_or_reply(req, param, id) != 0)
		return -1;
	struct iscope s;
	iscope_of(&req->principal, &s);
	enum store_status st = inspection_get(db, id, &s.sc, r);
	if (st != STORE_OK) {
		reply_store_error(req, st);
		return -1;
	}
	return 0;
}

static int is_owner(const struct req *req, const struct inspection_row *r)
{
	return strcmp(r->inspector_id, req->principal.user_id) == 0;
}

static int editable(const struct inspection_row *r)
{
	return strcmp(r->status, "draft") == 0 || strcmp(r->status, "returned") == 0;
}

/* The actions possible from a state, whoever asks. */
static json_t *allowed_actions(const char *status)
{
	if (strcmp(status, "draft") == 0 || strcmp(status, "returned") == 0)
		return json_pack("[s]", "submit");
	if (strcmp(status, "submitted") == 0)
		return json_pack("[s, s]", "approve", "return");
	return json_array();
}

static void reply_invalid_transition(struct req *req, const struct inspection_row *r, const char *what)
{
	json_t *extra = json_pack("{s:o}", "allowed", allowed_actions(r->status));
	reply_problem(req, 409, "invalid_transition", extra, "状态为 %s 的观摩记录不能%s", r->status, what);
	json_decref(extra);
}

static void reply_stale(struct req *req, struct db *db, const char *id)
{
	struct inspection_row cur;
	json_t *extra = NULL;
	if (inspection_get(db, id, NULL, &cur) == STORE_OK) {
		extra = json_pack("{s:o}", "current", inspection_json(db, &cur));
		inspection_row_release(&cur);
	}
	reply_problem(req, 412, "version_conflict", extra, "观摩记录已被修改，请合并后重试");
	json_decref(extra);
}

/* If-Match against the loaded row; answers 412/400 itself. Returns the
 * version to write with (0: none given), or -1. */
static long long if_match_loaded(struct req *req, struct db *db, const struct inspection_row *r)
{
	long long m = if_match_or_reply(req);
	if (m > 0 && m != r->version) {
		reply_stale(req, db, r->id);
		return -1;
	}
	return m;
}

/* Loads the template of an inspection as a checklist. */
static enum store_status load_checklist(struct db *db, const char *template_id, struct checklist *cl)
{
	struct template_row t;
	enum store_status s = template_get(db, template_id, &t);
	if (s != STORE_OK)
		return s;
	json_t *def = json_loads(t.definition, 0, NULL);
	template_row_release(&t);
	struct verr ignore;
	verr_init(&ignore);
	int rc = checklist_parse(json_object_get(def, "dimensions"), "dimensions", cl, &ignore);
	verr_release(&ignore);
	json_decref(def);
	if (rc != 0)
		checklist_release(cl); /* a stored template that no longer parses */
	return rc == 0 ? STORE_OK : STORE_DB;
}

/* ---- automatic findings ------------------------------------------------------------------ */

struct auto_ctx {
	const struct checklist *cl;
	const json_t *answers;
	struct db *db;
	enum store_status s;
};

/* A number as people write it: 82000, 33.3, 99999.99 — never 1.23457e+06. */
static void format_number(double x, char *out, size_t outlen)
{
	if (x == (double)(long long)x && x > -1e15 && x < 1e15)
		snprintf(out, outlen, "%lld", (long long)x);
	else
		snprintf(out, outlen, "%.15g", x);
}

/* "<item text>：实际 <value><unit>，要求 >= <threshold><unit>" (malloc'ed). */
static char *auto_description(const struct checklist_item *it, double value)
{
	const char *unit = it->unit ? it->unit : "";
	char v[40], t[40];
	format_number(value, v, sizeof v);
	format_number(it->threshold, t, sizeof t);
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s：实际 %s%s，要求 %s %s%s", it->text, v, unit, it->threshold_ge ? ">=" : "<=", t, unit);
	return buf_detach(&b, NULL);
}

/* Removes automatic findings whose item no longer misses its threshold. */
static int drop_stale_auto(const struct finding_row *f, void *ctx)
{
	struct auto_ctx *c = ctx;
	const struct checklist_item *it = checklist_find(c->cl, f->item_code);
	json_t *a = it ? checklist_answer(c->answers, it->code) : NULL;
	json_t *v = a ? json_object_get(a, "value") : NULL;
	if (it && it->kind == KIND_NUMBER && json_is_number(v) && checklist_number_fails(it, json_number_value(v)))
		return 0;
	struct finding_row copy = *f;
	copy.description = xstrdup(f->description ? f->description : "");
	copy.photo_ids = xstrdup(f->photo_ids ? f->photo_ids : "[]");
	copy.deleted = 1;
	c->s = finding_update(c->db, &copy, copy.version);
	finding_row_release(&copy);
	return c->s != STORE_OK;
}

/* Inside the write transaction: one live automatic finding per number item
 * that misses its threshold, with a current description. */
static enum store_status sync_auto_findings(struct db *db, const struct checklist *cl, const struct inspection_row *r,
                                            const json_t *answers)
{
	struct auto_ctx c = {cl, answers, db, STORE_OK};
	enum store_status s = finding_list_auto(db, r->id, drop_stale_auto, &c);
	if (s != STORE_OK || c.s != STORE_OK)
		return s != STORE_OK ? s : c.s;
	for (size_t i = 0; i < cl->nitems; i++) {
		const struct checklist_item *it = &cl->items[i];
		json_t *a = it->kind == KIND_NUMBER ? checklist_answer(answers, it->code) : NULL;
		json_t *v = a ? json_object_get(a, "value") : NULL;
		if (!json_is_number(v) || !checklist_number_fails(it, json_number_value(v)))
			continue;
		char *desc = auto_description(it, json_number_value(v));
		struct finding_row f;
		s = finding_get_auto(db, r->id, it->code, &f);
		if (s == STORE_OK) {
			if (strcmp(f.description ? f.description : "", desc) != 0) {
				free(f.description);
				f.description = desc;
				desc = NULL;
				s = finding_update(db, &f, f.version);
			}
			finding_row_release(&f);
		} else if (s == STORE_NOT_FOUND) {
			memset(&f, 0, sizeof f);
			rand_uuid(f.id);
			snprintf(f.inspection_id, sizeof f.inspection_id, "%s", r->id);
			snprintf(f.org_id, sizeof f.org_id, "%s", r->org_id);
			snprintf(f.item_code, sizeof f.item_code, "%s", it->code);
			snprintf(f.severity, sizeof f.severity, "medium");
			f.description = desc;
			desc = NULL;
			f.photo_ids = xstrdup("[]");
			f.auto_ = 1;
			s = finding_insert(db, &f);
			finding_row_release(&f);
		}
		free(desc);
		if (s != STORE_OK)
			return s;
	}
	return STORE_OK;
}

/* ---- validation of the editable fields ------------------------------------------------------ */

struct fields {
	int has_started, has_finished, has_location, has_answers, has_notes;
	char started[24], finished[24];
	json_t *location; /* borrowed; NULL for null */
	json_t *answers;  /* borrowed */
	const char *notes;
};

static void read_time(struct verr *v, const json_t *body, const char *name, int *has, char out[24])
{
	out[0] = '\0';
	const char *s = field_string(v, body, name, FIELD_NULLABLE, 1, 40, has);
	long long epoch;
	if (s && timestamp_normalize(s, out, 24, &epoch) != 0) {
		verr_add(v, name, "须为 RFC 3339 时间，如 2023-03-15T08:30:00Z");
		out[0] = '\0';
	} else if (s && epoch > (long long)time(NULL) + 86400) {
		verr_add(v, name, "不能晚于当前时间一天以上");
	}
}

static void read_location(struct verr *v, const json_t *body, struct fields *f)
{
	json_t *loc = json_object_get(body, "location");
	f->has_location = loc != NULL;
	if (!loc || json_is_null(loc))
		return;
	if (!json_is_object(loc)) {
		verr_add(v, "location", "须为 {lat, lng, accuracy_m}");
		return;
	}
	static const struct {
		const char *name;
		double min, max;
		int required;
	} parts[] = {{"lat", -90, 90, 1}, {"lng", -180, 180, 1}, {"accuracy_m", 0, 10000, 1}};
	const char *key;
	json_t *val;
	json_object_foreach(loc, key, val)
	{
		int known = 0;
		for (size_t i = 0; i < 3; i++)
			known |= strcmp(parts[i].name, key) == 0;
		if (!known) {
			char p[80];
			snprintf(p, sizeof p, "location.%s", key);
			verr_add(v, p, "unknown field");
		}
	}
	for (size_t i = 0; i < 3; i++) {
		json_t *n = json_object_get(loc, parts[i].name);
		char p[40], msg[64];
		snprintf(p, sizeof p, "location.%s", parts[i].name);
		snprintf(msg, sizeof msg, "须为 %g 到 %g 之间的数字", parts[i].min, parts[i].max);
		if (!n) {
			if (parts[i].required)
				verr_add(v, p, "必填");
		} else if (!json_is_number(n) || json_number_value(n) < parts[i].min ||
		           json_number_value(n) > parts[i].max) {
			verr_add(v, p, msg);
		}
	}
	f->location = loc;
}

static void read_fields(struct verr *v, const json_t *body, struct fields *f)
{
	memset(f, 0, sizeof *f);
	read_time(v, body, "started_at", &f->has_started, f->started);
	read_time(v, body, "finished_at", &f->has_finished, f->finished);
	read_location(v, body, f);
	json_t *answers = json_object_get(body, "answers");
	f->has_answers = answers != NULL;
	if (answers && !json_is_array(answers))
		verr_add(v, "answers", "须为数组");
	else
		f->answers = answers;
	f->notes = field_string(v, body, "notes", FIELD_NULLABLE | FIELD_MULTILINE, 0, 5000, &f->has_notes);
}

/* Applies f to r, recomputing the score; checks answers against cl. */
static void apply_fields(struct verr *v, const struct checklist *cl, const struct fields *f, struct inspection_row *r)
{
	if (f->has_started)
		snprintf(r->started_at, sizeof r->started_at, "%s", f->started);
	if (f->has_finished)
		snprintf(r->finished_at, sizeof r->finished_at, "%s", f->finished);
	if (r->started_at[0] && r->finished_at[0] && strcmp(r->finished_at, r->started_at) < 0)
		verr_add(v, "finished_at", "不能早于 started_at");
	if (f->has_location) {
		free(r->location);
		r->location = f->location ? json_dumps(f->location, JSON_OUT) : NULL;
	}
	if (f->has_answers && f->answers) {
		checklist_check_answers(cl, f->answers, v);
		free(r->answers);
		r->answers = json_dumps(f->answers, JSON_OUT);
	}
	if (f->has_notes) {
		free(r->notes);
		r->notes = f->notes ? xstrdup(f->notes) : NULL;
	}
	if (!r->answers)
		r->answers = xstrdup("[]");
	json_t *answers = json_loads(r->answers, 0, NULL);
	free(r->score);
	json_t *score = checklist_score(cl, answers ? answers : json_array());
	r->score = json_dumps(score, JSON_OUT);
	json_decref(score);
	json_decref(answers);
}

/* Inside the caller's transaction: writes r and its automatic findings. */
static enum store_status save_in_tx(struct db *db, const struct checklist *cl, struct inspection_row *r, int insert,
                                    long long if_match)
{
	enum store_status s = insert ? inspection_insert(db, r) : inspection_update(db, r, if_match);
	if (s == STORE_OK && cl) {
		json_t *answers = json_loads(r->answers, 0, NULL);
		s = sync_auto_findings(db, cl, r, answers);
		json_decref(answers);
	}
	return s;
}

/* Saves r (insert or update) and its automatic findings in one transaction. */
static enum store_status save(struct db *db, const struct checklist *cl, struct inspection_row *r, int insert,
                              long long if_match)
{
	enum store_status s = db_begin(db);
	if (s != STORE_OK)
		return s;
	s = save_in_tx(db, cl, r, insert, if_match);
	if (s == STORE_OK)
		return db_commit(db);
	db_rollback(db);
	return s;
}

enum store_status inspection_checklist(struct db *db, const char *template_id, struct checklist *cl)
{
	return load_checklist(db, template_id, cl);
}

enum store_status inspection_save(struct db *db, const struct checklist *cl, struct inspection_row *r, int insert)
{
	json_t *answers = json_loads(r->answers ? r->answers : "[]", 0, NULL);
	free(r->score);
	json_t *score = checklist_score(cl, answers ? answers : json_array());
	r->score = json_dumps(score, JSON_OUT);
	json_decref(score);
	json_decref(answers);
	return save_in_tx(db, cl, r, insert, 0);
}

/* After a write: the stored row, as anyone sees it. */
static void reply_reloaded(struct req *req, struct db *db, int status, const char *id)
{
	struct inspection_row r;
	enum store_status s = inspection_get(db, id, NULL, &r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	reply_inspection(req, status, &r);
	inspection_row_release(&r);
}

/* ---- handlers ------------------------------------------------------------------------------- */

/* A page being collected: inspections and findings alike. */
/* A list page written straight into the response, in one read snapshot:
 * list_begin, the store's list call with a collect callback, list_reply. */
struct list_ctx {
	struct db *db;
	struct buf b;
	struct jw w;
	int count, failed, in_read;
	char last_key[24], last_id[37];
	long long last_seq, snapshot;
};

static enum store_status list_begin(struct list_ctx *c, struct db *db)
{
	memset(c, 0, sizeof *c);
	c->db = db;
	jw_init(&c->w, &c->b);
	jw_open(&c->w, NULL, '{');
	jw_open(&c->w, "items", '[');
	enum store_status st = db_begin_read(db);
	c->in_read = st == STORE_OK;
	if (c->in_read)
		c->snapshot = db_current_seq(db);
	return st;
}

static void list_reply(struct req *req, struct list_ctx *c, const struct page_query *q, enum store_status st)
{
	if (c->in_read)
		db_commit(c->db);
	if (st == STORE_OK && c->failed)
		st = STORE_DB;
	if (st != STORE_OK) {
		buf_release(&c->b);
		reply_store_error(req, st);
		return;
	}
	jw_close(&c->w, ']');
	page_envelope_write(&c->w, q, c->count, c->last_key, c->last_id, c->last_seq, c->snapshot);
	jw_close(&c->w, '}');
	reply_json_writer(req, 200, &c->w);
}

/* After an item was written: the page's position. */
static void list_item(struct list_ctx *c, const char *created_at, const char *id, long long seq)
{
	size_t k = strnlen(created_at, sizeof c->last_key - 1), n = strnlen(id, sizeof c->last_id - 1);
	memcpy(c->last_key, created_at, k);
	c->last_key[k] = '\0';
	memcpy(c->last_id, id, n);
	c->last_id[n] = '\0';
	c->last_seq = seq;
	c->count++;
}

static int collect(const struct inspection_row *r, void *ctx)
{
	struct list_ctx *c = ctx;
	if (write_inspection(&c->w, NULL, c->db, r) != 0) { /* fail loudly, never drop a visit */
		c->failed = 1;
		return 1;
	}
	list_item(c, r->created_at, r->id, r->seq);
	return 0;
}

static const char *query_uuid(struct req *req, struct verr *v, const char *name, char *buf)
{
	int n = query_param(req, name, buf, 64);
	if (n == -1)
		return NULL;
	if (n < 0 || !uuid_is_valid(buf, (size_t)n)) {
		verr_add(v, name, "须为 UUID");
		return NULL;
	}
	uuid_lower(buf);
	return buf;
}

void inspections_list(struct req *req)
{
	struct verr v;
	verr_init(&v);
	struct page_query q;
	query_page(req, &v, &q);
	char status[16], org[64], round[64], inspector[64];
	struct inspection_filter f = {NULL, NULL, NULL, NULL};
	int n = query_param(req, "status", status, sizeof status);
	if (n != -1) {
		static const char *const statuses[] = {"draft", "submitted", "returned", "approved", NULL};
		int ok = 0;
		for (const char *const *s = statuses; n > 0 && *s; s++)
			ok |= strcmp(*s, status) == 0;
		if (ok)
			f.status = status;
		else
			verr_add(&v, "status", "取值无效");
	}
	f.org_id = query_uuid(req, &v, "org_id", org);
	f.round_id = query_uuid(req, &v, "round_id", round);
	f.inspector_id = query_uuid(req, &v, "inspector_id", inspector);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	struct db *db = bad ? NULL : req_db_or_reply(req);
	if (!db)
		return;
	struct iscope s;
	iscope_of(&req->principal, &s);
	struct list_ctx c;
	enum store_status st = list_begin(&c, db);
	if (st == STORE_OK)
		st = inspection_list(db, &s.sc, &f, &q.page, collect, &c);
	list_reply(req, &c, &q, st);
}

void inspections_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	/* One read transaction for the visit and its evidence: one snapshot, and
	 * one lock round instead of one per statement. */
	enum store_status s = db_begin_read(db);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	struct inspection_row r;
	if (load_or_reply(req, db, "id", &r) == 0) {
		reply_inspection(req, 200, &r);
		inspection_row_release(&r);
	}
	db_commit(db);
}

/* Where may the inspector visit? Fills r->org_id, round_id, template_id. */
static int check_target(struct req *req, struct db *db, struct verr *v, const char *org_id, const char *round_id,
                        const char *template_id, struct inspection_row *r)
{
	if (round_id) {
		struct round_row round;
		enum store_status s = round_get(db, round_id, NULL, &round);
		if (s == STORE_DB)
			return reply_store_error(req, s), -1;
		if (s != STORE_OK || !round_has_inspector(db, round.id, req->principal.user_id) ||
		    strcmp(round.status, "open") != 0) {
			verr_add(v, "round_id", "观摩轮次不存在、未分配给您或已结束");
		} else {
			if (org_id && !round_has_target(db, round.id, r->org_id))
				verr_add(v, "org_id", "该组织不是本轮观摩对象");
			if (template_id && strcmp(template_id, round.template_id) != 0)
				verr_add(v, "template_id", "须与观摩轮次的模板一致");
			snprintf(r->round_id, sizeof r->round_id, "%s", round.id);
			snprintf(r->template_id, sizeof r->template_id, "%s", round.template_id);
		}
	} else if (org_id) {
		struct scope sc;
		scope_of(&req->principal, &sc);
		struct org o;
		enum store_status s = org_store_get(db, r->org_id, sc.prefix, sc.end, &o);
		if (s == STORE_DB)
			return reply_store_error(req, s), -1;
		if (s != STORE_OK)
			verr_add(v, "org_id", "组织不存在或不在您的管辖范围内");
		if (!template_id)
			verr_add(v, "template_id", "不属于观摩轮次时必填");
	}
	if (template_id && !round_id) {
		struct template_row t;
		enum store_status s = template_get(db, template_id, &t);
		if (s == STORE_DB)
			return reply_store_error(req, s), -1;
		if (s != STORE_OK)
			verr_add(v, "template_id", "模板不存在");
		else
			template_row_release(&t);
		snprintf(r->template_id, sizeof r->template_id, "%s", template_id);
		uuid_lower(r->template_id);
	}
	return 0;
}

void inspections_create(struct req *req)
{
	if (policy_reply(req, policy_decide(&req->principal, ACT_INSPECTION_CREATE, NULL)))
		return;
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"id",          "org_id",   "round_id", "template_id", "started_at",
	                                      "finished_at", "location", "answers",  "notes",       NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	const char *org_id = field_uuid(&v, body, "org_id", FIELD_REQUIRED, NULL);
	const char *round_id = field_uuid(&v, body, "round_id", FIELD_NULLABLE, NULL);
	const char *template_id = field_uuid(&v, body, "template_id", FIELD_NULLABLE, NULL);
	struct fields f;
	read_fields(&v, body, &f);
	struct inspection_row r;
	memset(&r, 0, sizeof r);
	struct checklist cl = {0};
	int have_cl = 0;
	request_hash(body, r.create_hash);
	if (id) {
		snprintf(r.id, sizeof r.id, "%s", id);
		uuid_lower(r.id);
		/* A retry: the same request returns what it created. */
		struct inspection_row existing;
		if (inspection_get(db, r.id, NULL, &existing) == STORE_OK) {
			verr_release(&v);
			if (!existing.deleted && ct_equal(existing.create_hash, r.create_hash, 32) &&
			    strcmp(existing.inspector_id, req->principal.user_id) == 0)
				reply_inspection(req, 200, &existing);
			else
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一条观摩记录");
			inspection_row_release(&existing);
			return;
		}
	} else {
		rand_uuid(r.id);
	}
	if (org_id) {
		snprintf(r.org_id, sizeof r.org_id, "%s", org_id);
		uuid_lower(r.org_id);
	}
	if (check_target(req, db, &v, org_id, round_id, template_id, &r) != 0)
		goto out;
	/* Answers are checked even when other fields failed: every error at once. */
	struct template_row probe;
	if (r.template_id[0] && template_get(db, r.template_id, &probe) == STORE_OK) {
		template_row_release(&probe);
		enum store_status s = load_checklist(db, r.template_id, &cl);
		if (s != STORE_OK) {
			reply_store_error(req, s);
			goto out;
		}
		have_cl = 1;
		apply_fields(&v, &cl, &f, &r);
	}
	if (verr_reply(req, &v))
		goto out;
	snprintf(r.inspector_id, sizeof r.inspector_id, "%s", req->principal.user_id);
	enum store_status s = save(db, &cl, &r, 1, 0);
	struct inspection_row existing;
	if (s == STORE_CONFLICT && inspection_get(db, r.id, NULL, &existing) == STORE_OK) {
		/* created meanwhile by a concurrent retry of the same phone */
		if (!existing.deleted && ct_equal(existing.create_hash, r.create_hash, 32) &&
		    strcmp(existing.inspector_id, req->principal.user_id) == 0)
			reply_inspection(req, 200, &existing);
		else
			reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一条观摩记录");
		inspection_row_release(&existing);
	} else if (s != STORE_OK)
		reply_store_error(req, s);
	else {
		char location[96];
		snprintf(location, sizeof location, "/api/v1/inspections/%s", r.id);
		req_header_add(req, "Location", location);
		reply_reloaded(req, db, 201, r.id);
	}
out:
	verr_release(&v);
	if (have_cl)
		checklist_release(&cl);
	inspection_row_release(&r);
}

/* Owner-only edits while draft/returned; answers 403/409/412. */
static int owner_edit_or_reply(struct req *req, struct db *db, const struct inspection_row *r, const char *what,
                               long long *if_match)
{
	if (!is_owner(req, r)) {
		reply_problem(req, 403, "forbidden", NULL, "只有观摩记录的填写人可以%s", what);
		return -1;
	}
	*if_match = if_match_loaded(req, db, r);
	if (*if_match < 0)
		return -1;
	if (!editable(r)) {
		reply_invalid_transition(req, r, what);
		return -1;
	}
	return 0;
}

void inspections_update(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct inspection_row r;
	if (!db || load_or_reply(req, db, "id", &r) != 0)
		return;
	long long if_match;
	struct checklist cl;
	int have_cl = 0;
	struct verr v;
	verr_init(&v);
	if (owner_edit_or_reply(req, db, &r, "修改", &if_match) != 0)
		goto out;
	json_t *body = body_object_or_reply(req);
	if (!body)
		goto out;
	static const char *const allowed[] = {"started_at", "finished_at", "location", "answers", "notes", NULL};
	verr_unknown_fields(&v, body, allowed);
	struct fields f;
	read_fields(&v, body, &f);
	enum store_status s = load_checklist(db, r.template_id, &cl);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		goto out;
	}
	have_cl = 1;
	apply_fields(&v, &cl, &f, &r);
	if (verr_reply(req, &v))
		goto out;
	s = save(db, &cl, &r, 0, if_match ? if_match : r.version);
	if (s == STORE_STALE)
		reply_stale(req, db, r.id);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_reloaded(req, db, 200, r.id);
out:
	verr_release(&v);
	if (have_cl)
		checklist_release(&cl);
	inspection_row_release(&r);
}

struct drop_ctx {
	struct db *db;
	enum store_status s;
};

static int drop_finding(const struct finding_row *f, void *ctx)
{
	struct drop_ctx *c = ctx;
	if (f->deleted)
		return 0;
	struct finding_row copy = *f;
	copy.description = xstrdup(f->description ? f->description : "");
	copy.photo_ids = xstrdup(f->photo_ids ? f->photo_ids : "[]");
	copy.deleted = 1;
	c->s = finding_update(c->db, &copy, copy.version);
	finding_row_release(&copy);
	return c->s != STORE_OK;
}

void inspections_delete(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct inspection_row r;
	if (!db || load_or_reply(req, db, "id", &r) != 0)
		return;
	long long if_match;
	if (owner_edit_or_reply(req, db, &r, "删除", &if_match) != 0)
		goto out;
	if (strcmp(r.status, "draft") != 0) {
		reply_invalid_transition(req, &r, "删除");
		goto out;
	}
	r.deleted = 1;
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = inspection_update(db, &r, if_match ? if_match : r.version);
	struct drop_ctx c = {db, STORE_OK};
	struct page all = {.limit = 10000, .sync = 0};
	if (s == STORE_OK)
		s = finding_list(db, r.id, &all, drop_finding, &c);
	if (s == STORE_OK)
		s = c.s;
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_STALE)
		reply_stale(req, db, r.id);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_send(req, 204, NULL, NULL, 0, 1);
out:
	inspection_row_release(&r);
}

static void now_utc(char out[24])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An action body: {} or empty, or {reason} for return. */
static int action_body_or_reply(struct req *req, const char *const *allowed)
{
	if (!req->json)
		return 0;
	struct verr v;
	verr_init(&v);
	verr_unknown_fields(&v, req->json, allowed);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	return bad ? -1 : 0;
}

void inspections_submit(struct req *req)
{
	static const char *const none[] = {NULL};
	struct db *db = req_db_or_reply(req);
	struct inspection_row r;
	if (!db || load_or_reply(req, db, "id", &r) != 0)
		return;
	long long if_match;
	struct checklist cl;
	int have_cl = 0;
	if (owner_edit_or_reply(req, db, &r, "提交", &if_match) != 0 || action_body_or_reply(req, none) != 0)
		goto out;
	enum store_status s = load_checklist(db, r.template_id, &cl);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		goto out;
	}
	have_cl = 1;
	char *owed_text = answers_missing_photos(db, r.answers);
	json_t *owed = owed_text ? json_loads(owed_text, 0, NULL) : NULL;
	free(owed_text);
	if (!owed) {
		reply_store_error(req, STORE_DB);
		goto out;
	}
	json_t *answers = parse_or(r.answers, json_array());
	json_t *missing = checklist_missing(&cl, answers, owed);
	json_decref(answers);
	json_decref(owed);
	if (json_array_size(missing) > 0) {
		json_t *extra = json_pack("{s:o}", "missing", missing);
		reply_problem(req, 409, "incomplete", extra, "还有 %zu 项未完成，不能提交", json_array_size(missing));
		json_decref(extra);
		goto out;
	}
	json_decref(missing);
	snprintf(r.status, sizeof r.status, "submitted");
	now_utc(r.submitted_at);
	/* A resubmission starts a new review; the return stays in the history. */
	free(r.return_reason);
	r.return_reason = NULL;
	r.reviewed_at[0] = r.reviewed_by[0] = '\0';
	s = save(db, NULL, &r, 0, if_match ? if_match : r.version);
	if (s == STORE_STALE)
		reply_stale(req, db, r.id);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_reloaded(req, db, 200, r.id);
out:
	if (have_cl)
		checklist_release(&cl);
	inspection_row_release(&r);
}

/* approve / return: a supervisor of the org's subtree, or admin. */
static void review(struct req *req, int approve)
{
	struct db *db = req_db_or_reply(req);
	struct inspection_row r;
	if (!db || load_or_reply(req, db, "id", &r) != 0)
		return;
	enum decision d = policy_decide(&req->principal, ACT_INSPECTION_REVIEW, r.org_path);
	if (policy_reply(req, d == POLICY_HIDDEN ? POLICY_FORBIDDEN : d))
		goto out;
	long long if_match = if_match_loaded(req, db, &r);
	if (if_match < 0)
		goto out;
	if (strcmp(r.status, "submitted") != 0) {
		reply_invalid_transition(req, &r, approve ? "通过" : "退回");
		goto out;
	}
	static const char *const ack_fields[] = {"acknowledge_evidence", "evidence_note", NULL};
	static const char *const reason_only[] = {"reason", NULL};
	if (action_body_or_reply(req, approve ? ack_fields : reason_only) != 0)
		goto out;
	const char *ack_note = NULL;
	if (approve) { /* alert-level evidence must be acknowledged, with a note the audit trail keeps */
		json_t *summary = inspection_evidence(req, db, &r);
		int rc = evidence_ack_or_reply(req, req->json, summary, &ack_note);
		json_decref(summary);
		if (rc != 0)
			goto out;
	}
	if (!approve) {
		struct verr v;
		verr_init(&v);
		const char *reason =
		        field_string(&v, req->json, "reason", FIELD_REQUIRED | FIELD_MULTILINE, 1, 500, NULL);
		int bad = verr_reply(req, &v);
		verr_release(&v);
		if (bad)
			goto out;
		free(r.return_reason);
		r.return_reason = xstrdup(reason);
	}
	snprintf(r.status, sizeof r.status, "%s", approve ? "approved" : "returned");
	now_utc(r.reviewed_at);
	snprintf(r.reviewed_by, sizeof r.reviewed_by, "%s", req->principal.user_id);
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = save_in_tx(db, NULL, &r, 0, if_match ? if_match : r.version);
	if (s == STORE_OK && ack_note)
		s = inspection_set_evidence_ack(db, r.id, req->principal.user_id, ack_note);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_STALE)
		reply_stale(req, db, r.id);
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_reloaded(req, db, 200, r.id);
out:
	inspection_row_release(&r);
}

void inspections_approve(struct req *req)
{
	review(req, 1);
}

void inspections_return(struct req *req)
{
	review(req, 0);
}

/* ---- findings ----------------------------------------------------------------------------------- */

/* May the caller write findings on r (and this finding, when given)?
 * The inspector who owns the visit writes while it is editable, and edits
 * only the findings they wrote themselves; a supervisor of its subtree (or
 * admin) writes until it is approved. */
static int finding_writer_or_reply(struct req *req, const struct inspection_row *r, const struct finding_row *f)
{
	int reviewer = policy_decide(&req->principal, ACT_FINDING_REVIEW, r->org_path) == POLICY_ALLOW;
	if (is_owner(req, r) && !reviewer) {
		if (f && (f->auto_ || strcmp(f->created_by, req->principal.user_id) != 0)) {
			reply_problem(req, 403, "forbidden", NULL,
			              f->auto_ ? "自动生成的问题由答案决定，不能手工修改" : "只能修改自己提出的问题");
			return -1;
		}
		if (!editable(r)) {
			reply_invalid_transition(req, r, "再修改问题");
			return -1;
		}
		return 0;
	}
	if (!reviewer) {
		reply_problem(req, 403, "forbidden", NULL, "当前角色无权修改问题");
		return -1;
	}
	if (strcmp(r->status, "approved") == 0) {
		reply_invalid_transition(req, r, "再修改问题");
		return -1;
	}
	return 0;
}

/* Inside a write transaction: is the inspection still as it was loaded
 * (same version), so the permission decided outside still holds? */
static enum store_status inspection_unchanged(struct db *db, const struct inspection_row *loaded)
{
	struct inspection_row now;
	enum store_status s = inspection_get(db, loaded->id, NULL, &now);
	if (s != STORE_OK)
		return s;
	s = now.version == loaded->version && !now.deleted ? STORE_OK : STORE_STALE;
	inspection_row_release(&now);
	return s;
}

static int collect_finding(const struct finding_row *f, void *ctx)
{
	struct list_ctx *c = ctx;
	json_t *j = finding_json(c->db, f);
	if (!j) {
		c->failed = 1;
		return 1;
	}
	jw_value(&c->w, NULL, j);
	json_decref(j);
	list_item(c, f->created_at, f->id, f->seq);
	return 0;
}

void findings_list(struct req *req)
{
	struct verr v;
	verr_init(&v);
	struct page_query q;
	query_page(req, &v, &q);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	struct db *db = bad ? NULL : req_db_or_reply(req);
	struct inspection_row r;
	if (!db || load_or_reply(req, db, "id", &r) != 0)
		return;
	struct list_ctx c;
	enum store_status s = list_begin(&c, db);
	if (s == STORE_OK)
		s = finding_list(db, r.id, &q.page, collect_finding, &c);
	inspection_row_release(&r);
	list_reply(req, &c, &q, s);
}

static const char *const severities[] = {"low", "medium", "high", NULL};

/* Reads photo_ids (array of ≤ 20 UUIDs) into a JSON string; NULL when absent. */
static char *read_photo_ids(struct verr *v, const json_t *body)
{
	json_t *p = json_object_get(body, "photo_ids");
	if (!p)
		return NULL;
	if (!json_is_array(p) || json_array_size(p) > 20) {
		verr_add(v, "photo_ids", "须为不超过 20 个照片 id 的数组");
		return NULL;
	}
	size_t i;
	json_t *e;
	json_array_foreach(p, i, e)
	{
		const char *s = json_string_value(e);
		if (!s || !uuid_is_valid(s, strlen(s))) {
			char f[40];
			snprintf(f, sizeof f, "photo_ids[%zu]", i);
			verr_add(v, f, "须为 UUID");
		}
	}
	return json_dumps(p, JSON_OUT);
}

static void reply_finding(struct req *req, int status, const struct finding_row *f)
{
	set_etag(req, f->version);
	reply_json_new(req, status, finding_json(server_worker_db(req->conn), f));
}

/* A client retrying a finding create: the same request is the same finding. */
static void reply_finding_retry(struct req *req, const struct finding_row *existing, const uint8_t hash[32])
{
	if (ct_equal(existing->create_hash, hash, 32))
		reply_finding(req, 200, existing);
	else
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一个问题");
}

void findings_create(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct inspection_row r;
	if (!db || load_or_reply(req, db, "id", &r) != 0)
		return;
	struct finding_row f;
	memset(&f, 0, sizeof f);
	struct verr v;
	verr_init(&v);
	struct checklist cl;
	int have_cl = 0;
	json_t *body = body_object_or_reply(req);
	if (!body)
		goto out;
	static const char *const allowed[] = {"id", "severity", "item_code", "description", "photo_ids", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *id = field_uuid(&v, body, "id", 0, NULL);
	request_hash(body, f.create_hash);
	if (id) { /* a retry is answered before anything that may have changed since */
		snprintf(f.id, sizeof f.id, "%s", id);
		struct finding_row existing;
		if (finding_get(db, f.id, &existing) == STORE_OK) {
			reply_finding_retry(req, &existing, f.create_hash);
			finding_row_release(&existing);
			goto out;
		}
	} else {
		rand_uuid(f.id);
	}
	if (finding_writer_or_reply(req, &r, NULL) != 0)
		goto out;
	const char *severity = field_enum(&v, body, "severity", FIELD_REQUIRED, severities, NULL);
	const char *item_code = field_string(&v, body, "item_code", FIELD_NULLABLE, 1, 64, NULL);
	const char *description =
	        field_string(&v, body, "description", FIELD_REQUIRED | FIELD_MULTILINE, 1, 2000, NULL);
	f.photo_ids = read_photo_ids(&v, body);
	if (item_code) {
		enum store_status s = load_checklist(db, r.template_id, &cl);
		if (s != STORE_OK) {
			reply_store_error(req, s);
			goto out;
		}
		have_cl = 1;
		if (!checklist_find(&cl, item_code))
			verr_add(&v, "item_code", "模板中没有这个检查项");
	}
	if (verr_reply(req, &v))
		goto out;
	snprintf(f.inspection_id, sizeof f.inspection_id, "%s", r.id);
	snprintf(f.org_id, sizeof f.org_id, "%s", r.org_id);
	snprintf(f.item_code, sizeof f.item_code, "%s", item_code ? item_code : "");
	snprintf(f.severity, sizeof f.severity, "%s", severity);
	snprintf(f.created_by, sizeof f.created_by, "%s", req->principal.user_id);
	f.description = xstrdup(description);
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = inspection_unchanged(db, &r);
	if (s == STORE_OK)
		s = finding_insert(db, &f);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	struct finding_row existing;
	if (s == STORE_CONFLICT && finding_get(db, f.id, &existing) == STORE_OK) {
		/* a concurrent retry created it first */
		reply_finding_retry(req, &existing, f.create_hash);
		finding_row_release(&existing);
	} else if (s == STORE_STALE) {
		reply_problem(req, 409, "conflict", NULL, "观摩记录刚被修改，请刷新后重试");
	} else if (s != STORE_OK) {
		reply_store_error(req, s);
	} else {
		if (!f.photo_ids)
			f.photo_ids = xstrdup("[]");
		char location[96];
		snprintf(location, sizeof location, "/api/v1/findings/%s", f.id);
		req_header_add(req, "Location", location);
		reply_finding(req, 201, &f);
	}
out:
	verr_release(&v);
	if (have_cl)
		checklist_release(&cl);
	finding_row_release(&f);
	inspection_row_release(&r);
}

/* A finding and its inspection as the caller sees them (404 otherwise). */
static int load_finding_or_reply(struct req *req, struct db *db, struct finding_row *f, struct inspection_row *r)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	enum store_status s = finding_get(db, id, f);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	struct iscope sc;
	iscope_of(&req->principal, &sc);
	s = inspection_get(db, f->inspection_id, &sc.sc, r);
	if (s != STORE_OK) {
		finding_row_release(f);
		reply_store_error(req, s);
		return -1;
	}
	return 0;
}

void findings_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct finding_row f;
	struct inspection_row r;
	if (!db || load_finding_or_reply(req, db, &f, &r) != 0)
		return;
	reply_finding(req, 200, &f);
	finding_row_release(&f);
	inspection_row_release(&r);
}

void findings_update(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct finding_row f;
	struct inspection_row r;
	if (!db || load_finding_or_reply(req, db, &f, &r) != 0)
		return;
	struct verr v;
	verr_init(&v);
	if (finding_writer_or_reply(req, &r, &f) != 0)
		goto out;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		goto out;
	json_t *body = body_object_or_reply(req);
	if (!body)
		goto out;
	static const char *const allowed[] = {"severity", "description", "photo_ids", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *severity = field_enum(&v, body, "severity", 0, severities, NULL);
	const char *description = field_string(&v, body, "description", FIELD_MULTILINE, 1, 2000, NULL);
	char *photos = read_photo_ids(&v, body);
	if (verr_reply(req, &v)) {
		free(photos);
		goto out;
	}
	if (severity)
		snprintf(f.severity, sizeof f.severity, "%s", severity);
	if (description) {
		free(f.description);
		f.description = xstrdup(description);
	}
	if (photos) {
		free(f.photo_ids);
		f.photo_ids = photos;
	}
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = inspection_unchanged(db, &r);
	if (s == STORE_STALE) {
		db_rollback(db);
		reply_problem(req, 409, "conflict", NULL, "观摩记录刚被修改，请刷新后重试");
		goto out;
	}
	if (s == STORE_OK) /* without If-Match, the version read above guards the write */
		s = finding_update(db, &f, if_match ? if_match : f.version);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_STALE) {
		struct finding_row cur;
		json_t *extra = NULL;
		if (finding_get(db, f.id, &cur) == STORE_OK) {
			extra = json_pack("{s:o}", "current", finding_json(db, &cur));
			finding_row_release(&cur);
		}
		reply_problem(req, 412, "version_conflict", extra, "问题已被修改，请合并后重试");
		json_decref(extra);
	} else if (s != STORE_OK) {
		reply_store_error(req, s);
	} else {
		reply_finding(req, 200, &f);
	}
out:
	verr_release(&v);
	finding_row_release(&f);
	inspection_row_release(&r);
}

int inspection_visible_to(struct req *req, struct db *db, const char *inspection_id)
{
	struct iscope sc;
	iscope_of(&req->principal, &sc);
	struct inspection_row r;
	enum store_status s = inspection_get(db, inspection_id, &sc.sc, &r);
	if (s == STORE_OK)
		inspection_row_release(&r);
	return s == STORE_OK ? 1 : s == STORE_NOT_FOUND ? 0 : -1;
}

int photo_link_or_reply(struct req *req, struct db *db, const char *inspection_id, const char *finding_id)
{
	struct iscope sc;
	iscope_of(&req->principal, &sc);
	struct inspection_row r;
	struct finding_row f;
	int have_f = 0, rc = -1;
	enum store_status s;
	if (finding_id) {
		s = finding_get(db, finding_id, &f);
		if (s != STORE_OK) {
			reply_store_error(req, s);
			return -1;
		}
		have_f = 1;
		inspection_id = f.inspection_id;
	}
	s = inspection_get(db, inspection_id, &sc.sc, &r);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		goto out_f;
	}
	if (have_f) {
		rc = finding_writer_or_reply(req, &r, &f);
	} else if (!is_owner(req, &r)) {
		reply_problem(req, 403, "forbidden", NULL, "只有观摩记录的填写人可以添加照片");
	} else if (!editable(&r)) {
		reply_invalid_transition(req, &r, "再添加照片");
	} else {
		rc = 0;
	}
	inspection_row_release(&r);
out_f:
	if (have_f)
		finding_row_release(&f);
	return rc;
}
