#include "obs_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/xalloc.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v ? xstrdup((const char *)v) : NULL;
}

static void bind_blob32(sqlite3_stmt *st, const char *name, const uint8_t *v)
{
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, name), v, 32, SQLITE_TRANSIENT);
}

static void col_blob32(sqlite3_stmt *st, int col, uint8_t *out)
{
	if (sqlite3_column_bytes(st, col) == 32)
		memcpy(out, sqlite3_column_blob(st, col), 32);
	else
		memset(out, 0, 32);
}

static enum store_status step_done(sqlite3_stmt *st, struct db *db, int expect_change)
{
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(db_handle(db));
	db_stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_status_from_rc(rc);
	return expect_change && changed == 0 ? STORE_NOT_FOUND : STORE_OK;
}

/* Binds the paging parameters every list statement shares. */
static void bind_page(sqlite3_stmt *st, const struct page *p)
{
	db_bind_int64(st, ":sync", p->sync);
	db_bind_int64(st, ":after_seq", p->after_seq);
	db_bind_text(st, ":since_ts", p->since_ts);
	db_bind_text(st, ":after_key", p->after_key ? p->after_key : "");
	db_bind_text(st, ":after_id", p->after_id ? p->after_id : "");
	db_bind_int64(st, ":limit", p->limit);
}

long long db_next_seq(sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(h, "UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

long long db_current_seq(struct db *db)
{
	static const char sql[] = "SELECT value FROM counters WHERE name = 'change_seq'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return v;
}

/* ---- templates ------------------------------------------------------------------ */

#define TEMPLATE_COLUMNS "id, key, name, description, version, definition, seq, created_at, updated_at"

void template_row_release(struct template_row *t)
{
	free(t->description);
	free(t->definition);
	t->description = t->definition = NULL;
}

static void template_read(sqlite3_stmt *st, struct template_row *t)
{
	db_col_text(st, 0, t->id, sizeof t->id);
	db_col_text(st, 1, t->key, sizeof t->key);
	db_col_text(st, 2, t->name, sizeof t->name);
	t->description = col_dup(st, 3);
	t->version = sqlite3_column_int64(st, 4);
	t->definition = col_dup(st, 5);
	t->seq = sqlite3_column_int64(st, 6);
	db_col_text(st, 7, t->created_at, sizeof t->created_at);
	db_col_text(st, 8, t->updated_at, sizeof t->updated_at);
}

enum store_status template_get(struct db *db, const char *id, struct template_row *out)
{
	static const char sql[] = "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK)
		template_read(st, out);
	db_stmt_done(st);
	return s;
}

enum store_status template_create(struct db *db, struct template_row *t)
{
	static const char sql[] =
	        "INSERT INTO templates (id, key, name, description, version, definition, seq, created_at, updated_at)"
	        " VALUES (:id, :key, :name, :description,"
	        " (SELECT coalesce(max(version), 0) + 1 FROM templates WHERE key = :key), :definition, :seq, " NOW
	        ", " NOW ") RETURNING version, seq, created_at, updated_at";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	db_bind_text(st, ":id", t->id);
	db_bind_text(st, ":key", t->key);
	db_bind_text(st, ":name", t->name);
	db_bind_text(st, ":description", t->description);
	db_bind_text(st, ":definition", t->definition);
	db_bind_int64(st, ":seq", seq);
	int rc = sqlite3_step(st);
	enum store_status s = STORE_OK;
	if (rc == SQLITE_ROW) {
		t->version = sqlite3_column_int64(st, 0);
		t->seq = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, t->created_at, sizeof t->created_at);
		db_col_text(st, 3, t->updated_at, sizeof t->updated_at);
	} else {
		s = rc == SQLITE_DONE ? STORE_DB : db_status_from_rc(rc);
	}
	db_stmt_done(st);
	return s;
}

enum store_status template_list(struct db *db, const char *key, const struct page *p,
                                int (*each)(const struct template_row *t, void *ctx), void *ctx)
{
	/* Keyset: (key, version) encoded by the caller as after_key = key,
	 * after_id = zero-padded version. */
	static const char sql[] =
	        "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE (:key IS NULL OR key = :key) AND ("
	        " (:sync = 1 AND seq > :after_seq AND (:since_ts IS NULL OR updated_at >= :since_ts))"
	        " OR (:sync = 0 AND (key > :after_key OR (key = :after_key AND printf('%012d', version) > :after_id))))"
	        " ORDER BY CASE WHEN :sync = 1 THEN seq END, key, version LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":key", key);
	bind_page(st, p);
	struct template_row t;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		template_read(st, &t);
		int stop = each(&t, ctx);
		template_row_release(&t);
		if (stop)
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

/* ---- rounds ------------------------------------------------------------------------ */

#define ROUND_COLUMNS                                                                                                  \
	"r.id, r.month, r.title, r.template_id, r.org_id, o.path, r.status, r.create_hash, r.version, r.seq,"          \
	" r.created_at, r.updated_at"

/* mode 0: all; 1: owner org or a target in the path scope; 2: assigned inspector. */
#define ROUND_VISIBLE                                                                                                  \
	" (:mode = 0"                                                                                                  \
	" OR (:mode = 1 AND ((o.path >= :scope AND o.path < :scope_end) OR EXISTS (SELECT 1 FROM round_targets t"      \
	" JOIN orgs tor ON tor.id = t.org_id WHERE t.round_id = r.id AND tor.path >= :scope AND tor.path < "           \
	":scope_end)))"                                                                                                \
	" OR (:mode = 2 AND EXISTS (SELECT 1 FROM round_inspectors ri WHERE ri.round_id = r.id AND ri.user_id = "      \
	":user)))"

static void round_read(sqlite3_stmt *st, struct round_row *r)
{
	db_col_text(st, 0, r->id, sizeof r->id);
	db_col_text(st, 1, r->month, sizeof r->month);
	db_col_text(st, 2, r->title, sizeof r->title);
	db_col_text(st, 3, r->template_id, sizeof r->template_id);
	db_col_text(st, 4, r->org_id, sizeof r->org_id);
	db_col_text(st, 5, r->org_path, sizeof r->org_path);
	db_col_text(st, 6, r->status, sizeof r->status);
	col_blob32(st, 7, r->create_hash);
	r->version = sqlite3_column_int64(st, 8);
	r->seq = sqlite3_column_int64(st, 9);
	db_col_text(st, 10, r->created_at, sizeof r->created_at);
	db_col_text(st, 11, r->updated_at, sizeof r->updated_at);
}

static void bind_round_scope(sqlite3_stmt *st, const struct round_scope *sc)
{
	db_bind_int64(st, ":mode", sc ? sc->mode : 0);
	db_bind_text(st, ":scope", sc && sc->scope ? sc->scope : "/");
	db_bind_text(st, ":scope_end", sc && sc->scope_end ? sc->scope_end : "0");
	db_bind_text(st, ":user", sc && sc->user_id ? sc->user_id : "");
}

enum store_status round_get(struct db *db, const char *id, const struct round_scope *sc, struct round_row *out)
{
	static const char sql[] = "SELECT " ROUND_COLUMNS " FROM rounds r JOIN orgs o ON o.id = r.org_id"
	                          " WHERE r.id = :id AND" ROUND_VISIBLE;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	bind_round_scope(st, sc);
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK)
		round_read(st, out);
	db_stmt_done(st);
	return s;
}

enum store_status round_insert(struct db *db, struct round_row *r)
{
	static const char sql[] =
	        "INSERT INTO rounds (id, month, title, template_id, org_id, status, create_hash, seq, created_at,"
	        " updated_at) VALUES (:id, :month, :title, :template_id, :org_id, 'open', :hash, :seq, " NOW ", " NOW
	        ")";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	db_bind_text(st, ":id", r->id);
	db_bind_text(st, ":month", r->month);
	db_bind_text(st, ":title", r->title);
	db_bind_text(st, ":template_id", r->template_id);
	db_bind_text(st, ":org_id", r->org_id);
	bind_blob32(st, ":hash", r->create_hash);
	db_bind_int64(st, ":seq", seq);
	return step_done(st, db, 0);
}

enum store_status round_update(struct db *db, struct round_row *r, long long if_match)
{
	static const char sql[] =
	        "UPDATE rounds SET title = :title, status = :status, version = version + 1,"
	        " seq = :seq, updated_at = " NOW " WHERE id = :id AND (:if_match = 0 OR version = :if_match)";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	db_bind_text(st, ":id", r->id);
	db_bind_text(st, ":title", r->title);
	db_bind_text(st, ":status", r->status);
	db_bind_int64(st, ":seq", seq);
	db_bind_int64(st, ":if_match", if_match);
	enum store_status s = step_done(st, db, 1);
	if (s == STORE_NOT_FOUND && if_match)
		s = STORE_STALE;
	return s;
}

/* Gives every inspection of a round a fresh, distinct change sequence
 * number (inside the caller's write transaction). */
static enum store_status restamp_round(struct db *db, const char *round_id)
{
	static const char count_sql[] = "SELECT count(*) FROM inspections WHERE round_id = :id";
	static const char reserve_sql[] = "UPDATE counters SET value = value + :n WHERE name = 'change_seq'"
	                                  " RETURNING value";
	static const char stamp_sql[] = "UPDATE inspections SET seq = :base + (SELECT count(*) FROM inspections i2"
	                                " WHERE i2.round_id = :id AND i2.id < inspections.id) WHERE round_id = :id";
	sqlite3_stmt *st = db_stmt(db, count_sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", round_id);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	if (n <= 0)
		return n == 0 ? STORE_OK : STORE_DB;
	st = db_stmt(db, reserve_sql);
	if (!st)
		return STORE_DB;
	db_bind_int64(st, ":n", n);
	long long top = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	if (top < 0)
		return STORE_DB;
	st = db_stmt(db, stamp_sql);
	if (!st)
		return STORE_DB;
	db_bind_int64(st, ":base", top - n + 1);
	db_bind_text(st, ":id", round_id);
	return step_done(st, db, 0);
}

static char *ids_json(const char *const *ids, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(ids[i]));
	char *text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/* Changes only what differs, so the audit trail shows real additions and
 * removals (a kept member is not removed and added again). */
enum store_status round_set_members(struct db *db, const char *round_id, const char *const *org_ids, size_t norgs,
                                    const char *const *user_ids, size_t nusers)
{
	static const char del_t[] = "DELETE FROM round_targets WHERE round_id = :id AND org_id NOT IN"
	                            " (SELECT value FROM json_each(:ids))";
	static const char del_i[] = "DELETE FROM round_inspectors WHERE round_id = :id AND user_id NOT IN"
	                            " (SELECT value FROM json_each(:ids))";
	static const char ins_t[] = "INSERT INTO round_targets (round_id, org_id, position) VALUES (:id, :org, :pos)"
	                            " ON CONFLICT (round_id, org_id) DO UPDATE SET position = excluded.position"
	                            " WHERE position != excluded.position";
	static const char ins_i[] = "INSERT INTO round_inspectors (round_id, user_id) VALUES (:id, :user)"
	                            " ON CONFLICT (round_id, user_id) DO NOTHING";
	const char *dels[] = {del_t, del_i};
	char *lists[] = {ids_json(org_ids, norgs), ids_json(user_ids, nusers)};
	enum store_status s = lists[0] && lists[1] ? STORE_OK : STORE_DB;
	for (size_t k = 0; s == STORE_OK && k < 2; k++) {
		sqlite3_stmt *st = db_stmt(db, dels[k]);
		if (!st) {
			s = STORE_DB;
			break;
		}
		db_bind_text(st, ":id", round_id);
		db_bind_text(st, ":ids", lists[k]);
		s = step_done(st, db, 0);
	}
	free(lists[0]);
	free(lists[1]);
	for (size_t i = 0; s == STORE_OK && i < norgs; i++) {
		sqlite3_stmt *st = db_stmt(db, ins_t);
		if (!st)
			return STORE_DB;
		db_bind_text(st, ":id", round_id);
		db_bind_text(st, ":org", org_ids[i]);
		db_bind_int64(st, ":pos", (long long)i);
		s = step_done(st, db, 0);
	}
	for (size_t i = 0; s == STORE_OK && i < nusers; i++) {
		sqlite3_stmt *st = db_stmt(db, ins_i);
		if (!st)
			return STORE_DB;
		db_bind_text(st, ":id", round_id);
		db_bind_text(st, ":user", user_ids[i]);
		s = step_done(st, db, 0);
	}
	return s == STORE_OK ? restamp_round(db, round_id) : s;
}

enum store_status round_targets(struct db *db, const char *round_id,
                                int (*each)(const char *org_id, const char *org_name, const char *org_path, void *ctx),
                                void *ctx)
{
	static const char sql[] = "SELECT t.org_id, o.name, o.path FROM round_targets t JOIN orgs o ON o.id = t.org_id"
	                          " WHERE t.round_id = :id ORDER BY t.position";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", round_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (each((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		         (const char *)sqlite3_column_text(st, 2), ctx))
			break;
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status round_inspectors(struct db *db, const char *round_id, int (*each)(const char *user_id, void *ctx),
                                   void *ctx)
{
	static const char sql[] = "SELECT user_id FROM round_inspectors WHERE round_id = :id ORDER BY user_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", round_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (each((const char *)sqlite3_column_text(st, 0), ctx))
			break;
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status round_list(struct db *db, const struct round_scope *sc, const char *month, const char *status,
                             const struct page *p, int (*each)(const struct round_row *r, void *ctx), void *ctx)
{
	/* Keyset: month descending, then id ascending. */
	static const char sql[] =
	        "SELECT " ROUND_COLUMNS " FROM rounds r JOIN orgs o ON o.id = r.org_id WHERE" ROUND_VISIBLE
	        " AND (:month IS NULL OR r.month = :month) AND (:status IS NULL OR r.status = :status) AND ("
	        " (:sync = 1 AND r.seq > :after_seq AND (:since_ts IS NULL OR r.updated_at >= :since_ts))"
	        " OR (:sync = 0 AND (:after_key = '' OR r.month < :after_key OR (r.month = :after_key AND r.id > "
	        ":after_id))))"
	        " ORDER BY CASE WHEN :sync = 1 THEN r.seq END, r.month DESC, r.id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	bind_round_scope(st, sc);
	db_bind_text(st, ":month", month);
	db_bind_text(st, ":status", status);
	bind_page(st, p);
	struct round_row r;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		round_read(st, &r);
		if (each(&r, ctx))
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status round_org_state(struct db *db, const char *round_id, const char *org_id, char state[12],
                                  char inspection_id[37])
{
	static const char sql[] =
	        "SELECT status, id FROM inspections WHERE round_id = :round AND org_id = :org AND deleted = 0"
	        " ORDER BY CASE status WHEN 'approved' THEN 0 WHEN 'submitted' THEN 1 WHEN 'returned' THEN 2 ELSE 3 "
	        "END,"
	        " updated_at DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":round", round_id);
	db_bind_text(st, ":org", org_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_col_text(st, 0, state, 12);
		db_col_text(st, 1, inspection_id, 37);
	} else {
		snprintf(state, 12, "not_visited");
		inspection_id[0] = '\0';
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status round_assignments(struct db *db, const char *user_id,
                                    int (*each)(const struct round_row *r, const char *org_id, const char *org_name,
                                                void *ctx),
                                    void *ctx)
{
	static const char sql[] =
	        "SELECT " ROUND_COLUMNS ", t.org_id, tor.name FROM round_inspectors ri"
	        " JOIN rounds r ON r.id = ri.round_id JOIN orgs o ON o.id = r.org_id"
	        " JOIN round_targets t ON t.round_id = r.id JOIN orgs tor ON tor.id = t.org_id"
	        " WHERE ri.user_id = :user AND r.status = 'open' ORDER BY r.month DESC, tor.name, t.org_id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":user", user_id);
	struct round_row r;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		round_read(st, &r);
		if (each(&r, (const char *)sqlite3_column_text(st, 12), (const char *)sqlite3_column_text(st, 13), ctx))
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

static int exists2(struct db *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return 0;
	db_bind_text(st, ":a", a);
	db_bind_text(st, ":b", b);
	int found = sqlite3_step(st) == SQLITE_ROW;
	db_stmt_done(st);
	return found;
}

int round_has_inspector(struct db *db, const char *round_id, const char *user_id)
{
	static const char sql[] = "SELECT 1 FROM round_inspectors WHERE round_id = :a AND user_id = :b";
	return exists2(db, sql, round_id, user_id);
}

int round_has_target(struct db *db, const char *round_id, const char *org_id)
{
	static const char sql[] = "SELECT 1 FROM round_targets WHERE round_id = :a AND org_id = :b";
	return exists2(db, sql, round_id, org_id);
}

/* ---- inspections ------------------------------------------------------------------------ */

#define INSPECTION_COLUMNS                                                                                             \
	"i.id, i.org_id, o.name, o.path, coalesce(i.round_id, ''), i.template_id, i.inspector_id, u.display_name,"     \
	" i.status, coalesce(i.started_at, ''), coalesce(i.finished_at, ''), i.location, i.answers, i.notes,"          \
	" i.return_reason, i.score, coalesce(i.submitted_at, ''), coalesce(i.reviewed_at, ''),"                        \
	" coalesce(i.reviewed_by, ''), i.create_hash, i.deleted, i.version, i.seq, i.created_at, i.updated_at,"      \
	" coalesce(i.evidence_ack_by, ''), coalesce(i.evidence_ack_at, ''), i.evidence_ack_note"

#define INSPECTION_FROM " FROM inspections i JOIN orgs o ON o.id = i.org_id JOIN users u ON u.id = i.inspector_id"

#define INSPECTION_VISIBLE                                                                                             \
	" (:mode = 0 OR (:mode IN (1, 3) AND o.path >= :scope AND o.path < :scope_end"                                 \
	" AND (:mode = 1 OR i.status = 'approved'))"                                                                   \
	" OR (:mode = 2 AND (i.inspector_id = :user OR i.round_id IN"                                                  \
	" (SELECT round_id FROM round_inspectors WHERE user_id = :user))))"

void inspection_row_release(struct inspection_row *i)
{
	free(i->location);
	free(i->answers);
	free(i->notes);
	free(i->return_reason);
	free(i->score);
	free(i->evidence_ack_note);
	i->location = i->answers = i->notes = i->return_reason = i->score = i->evidence_ack_note = NULL;
}

static void inspection_read(sqlite3_stmt *st, struct inspection_row *r)
{
	db_col_text(st, 0, r->id, sizeof r->id);
	db_col_text(st, 1, r->org_id, sizeof r->org_id);
	db_col_text(st, 2, r->org_name, sizeof r->org_name);
	db_col_text(st, 3, r->org_path, sizeof r->org_path);
	db_col_text(st, 4, r->round_id, sizeof r->round_id);
	db_col_text(st, 5, r->template_id, sizeof r->template_id);
	db_col_text(st, 6, r->inspector_id, sizeof r->inspector_id);
	db_col_text(st, 7, r->inspector_name, sizeof r->inspector_name);
	db_col_text(st, 8, r->status, sizeof r->status);
	db_col_text(st, 9, r->started_at, sizeof r->started_at);
	db_col_text(st, 10, r->finished_at, sizeof r->finished_at);
	r->location = col_dup(st, 11);
	r->answers = col_dup(st, 12);
	r->notes = col_dup(st, 13);
	r->return_reason = col_dup(st, 14);
	r->score = col_dup(st, 15);
	db_col_text(st, 16, r->submitted_at, sizeof r->submitted_at);
	db_col_text(st, 17, r->reviewed_at, sizeof r->reviewed_at);
	db_col_text(st, 18, r->reviewed_by, sizeof r->reviewed_by);
	col_blob32(st, 19, r->create_hash);
	r->deleted = sqlite3_column_int(st, 20);
	r->version = sqlite3_column_int64(st, 21);
	r->seq = sqlite3_column_int64(st, 22);
	db_col_text(st, 23, r->created_at, sizeof r->created_at);
	db_col_text(st, 24, r->updated_at, sizeof r->updated_at);
	db_col_text(st, 25, r->evidence_ack_by, sizeof r->evidence_ack_by);
	db_col_text(st, 26, r->evidence_ack_at, sizeof r->evidence_ack_at);
	r->evidence_ack_note = col_dup(st, 27);
}

static void bind_inspection_scope(sqlite3_stmt *st, const struct inspection_scope *sc)
{
	db_bind_int64(st, ":mode", sc ? sc->mode : 0);
	db_bind_text(st, ":scope", sc && sc->scope ? sc->scope : "/");
	db_bind_text(st, ":scope_end", sc && sc->scope_end ? sc->scope_end : "0");
	db_bind_text(st, ":user", sc && sc->user_id ? sc->user_id : "");
}

enum store_status inspection_get(struct db *db, const char *id, const struct inspection_scope *sc,
                                 struct inspection_row *out)
{
	static const char sql[] = "SELECT " INSPECTION_COLUMNS INSPECTION_FROM " WHERE i.id = :id"
	                          " AND (:unscoped = 1 OR (i.deleted = 0 AND" INSPECTION_VISIBLE "))";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":unscoped", sc == NULL);
	bind_inspection_scope(st, sc);
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK)
		inspection_read(st, out);
	db_stmt_done(st);
	return s;
}

static void bind_inspection_fields(sqlite3_stmt *st, const struct inspection_row *r, long long seq)
{
	db_bind_text(st, ":id", r->id);
	db_bind_text_or_null(st, ":started_at", r->started_at);
	db_bind_text_or_null(st, ":finished_at", r->finished_at);
	db_bind_text(st, ":location", r->location);
	db_bind_text(st, ":answers", r->answers);
	db_bind_text(st, ":notes", r->notes);
	db_bind_text(st, ":score", r->score);
	db_bind_int64(st, ":seq", seq);
}

enum store_status inspection_insert(struct db *db, struct inspection_row *r)
{
	static const char sql[] =
	        "INSERT INTO inspections (id, org_id, round_id, template_id, inspector_id, status, started_at,"
	        " finished_at, location, answers, notes, score, create_hash, seq, created_at, updated_at)"
	        " VALUES (:id, :org_id, :round_id, :template_id, :inspector_id, 'draft', :started_at, :finished_at,"
	        " :location, :answers, :notes, :score, :hash, :seq, " NOW ", " NOW ")";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	bind_inspection_fields(st, r, seq);
	db_bind_text(st, ":org_id", r->org_id);
	db_bind_text_or_null(st, ":round_id", r->round_id);
	db_bind_text(st, ":template_id", r->template_id);
	db_bind_text(st, ":inspector_id", r->inspector_id);
	bind_blob32(st, ":hash", r->create_hash);
	return step_done(st, db, 0);
}

enum store_status inspection_update(struct db *db, struct inspection_row *r, long long if_match)
{
	static const char sql[] =
	        "UPDATE inspections SET status = :status, started_at = :started_at, finished_at = :finished_at,"
	        " location = :location, answers = :answers, notes = :notes, score = :score,"
	        " return_reason = :return_reason, submitted_at = :submitted_at, reviewed_at = :reviewed_at,"
	        " reviewed_by = :reviewed_by, deleted = :deleted, version = version + 1, seq = :seq, updated_at = " NOW
	        " WHERE id = :id AND (:if_match = 0 OR version = :if_match)";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	bind_inspection_fields(st, r, seq);
	db_bind_text(st, ":status", r->status);
	db_bind_text(st, ":return_reason", r->return_reason);
	db_bind_text_or_null(st, ":submitted_at", r->submitted_at);
	db_bind_text_or_null(st, ":reviewed_at", r->reviewed_at);
	db_bind_text_or_null(st, ":reviewed_by", r->reviewed_by);
	db_bind_int64(st, ":deleted", r->deleted);
	db_bind_int64(st, ":if_match", if_match);
	enum store_status s = step_done(st, db, 1);
	if (s == STORE_NOT_FOUND && if_match)
		s = STORE_STALE;
	return s;
}

enum store_status inspection_list(struct db *db, const struct inspection_scope *sc, const struct inspection_filter *f,
                                  const struct page *p, int (*each)(const struct inspection_row *r, void *ctx),
                                  void *ctx)
{
	/* Two statements, so each reads in its index's order and stops at the
	 * limit: a list page by (created_at, id) from inspections_created, a
	 * sync page by seq from inspections_seq. (One statement ordered by
	 * "CASE WHEN :sync ..." sorted every visible row first: 11 s a page at
	 * 100,000 visits.) */
#define INSPECTION_LIST_WHERE                                                                                          \
	"SELECT " INSPECTION_COLUMNS INSPECTION_FROM " WHERE" INSPECTION_VISIBLE                                     \
	" AND (:status IS NULL OR i.status = :status) AND (:org_id IS NULL OR i.org_id = :org_id)"                    \
	" AND (:round_id IS NULL OR i.round_id = :round_id)"                                                          \
	" AND (:inspector_id IS NULL OR i.inspector_id = :inspector_id)"
	static const char list_sql[] = INSPECTION_LIST_WHERE
	        " AND i.deleted = 0 AND (i.created_at, i.id) > (:after_key, :after_id)"
	        " ORDER BY i.created_at, i.id LIMIT :limit";
	static const char sync_sql[] = INSPECTION_LIST_WHERE
	        " AND i.seq > :after_seq AND (:since_ts IS NULL OR i.updated_at >= :since_ts)"
	        " ORDER BY i.seq LIMIT :limit";
#undef INSPECTION_LIST_WHERE
	/* An inspector's page: a page of their own visits and one of their
	 * rounds' visits, each read from its index in the page's order
	 * (inspections_inspector, inspections_round_created for the list;
	 * inspections_inspector_seq, inspections_round_seq for sync), merged and
	 * cut to the limit. Walking the whole city's visits with the visibility
	 * test took 0.3 s for a page of an inspector with 300 of 100,000. */
#define INSPECTOR_HALF(t, range, order)                                                                                \
	" AND " range " AND (:status IS NULL OR " t ".status = :status)"                                              \
	" AND (:org_id IS NULL OR " t ".org_id = :org_id) AND (:round_id IS NULL OR " t ".round_id = :round_id)"      \
	" AND (:inspector_id IS NULL OR " t ".inspector_id = :inspector_id) ORDER BY " order " LIMIT :limit"
#define INSPECTOR_PAGE(range_m, range_r, order_m, order_r, order_i)                                                    \
	"SELECT " INSPECTION_COLUMNS INSPECTION_FROM " WHERE i.rowid IN (SELECT rowid FROM (SELECT m.rowid FROM"       \
	" inspections m WHERE m.inspector_id = :user" INSPECTOR_HALF("m", range_m, order_m) ") UNION SELECT rowid"     \
	" FROM (SELECT r.rowid FROM round_inspectors ri JOIN inspections r ON r.round_id = ri.round_id WHERE"           \
	" ri.user_id = :user" INSPECTOR_HALF("r", range_r, order_r) ")) ORDER BY " order_i " LIMIT :limit"
	static const char inspector_sql[] = INSPECTOR_PAGE(
	        "m.deleted = 0 AND (m.created_at, m.id) > (:after_key, :after_id)",
	        "r.deleted = 0 AND (r.created_at, r.id) > (:after_key, :after_id)", "m.created_at, m.id",
	        "r.created_at, r.id", "i.created_at, i.id");
	static const char inspector_sync_sql[] =
	        INSPECTOR_PAGE("m.seq > :after_seq AND (:since_ts IS NULL OR m.updated_at >= :since_ts)",
	                       "r.seq > :after_seq AND (:since_ts IS NULL OR r.updated_at >= :since_ts)", "m.seq",
	                       "r.seq", "i.seq");
#undef INSPECTOR_PAGE
#undef INSPECTOR_HALF
	int inspector = sc && sc->mode == 2;
	const char *sql = p->sync ? (inspector ? inspector_sync_sql : sync_sql) : inspector ? inspector_sql : list_sql;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	bind_inspection_scope(st, sc);
	db_bind_text(st, ":status", f->status);
	db_bind_text(st, ":org_id", f->org_id);
	db_bind_text(st, ":round_id", f->round_id);
	db_bind_text(st, ":inspector_id", f->inspector_id);
	if (p->sync) {
		db_bind_int64(st, ":after_seq", p->after_seq);
		db_bind_text(st, ":since_ts", p->since_ts);
	} else {
		db_bind_text(st, ":after_key", p->after_key ? p->after_key : "");
		db_bind_text(st, ":after_id", p->after_id ? p->after_id : "");
	}
	db_bind_int64(st, ":limit", p->limit);
	struct inspection_row r;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		inspection_read(st, &r);
		int stop = each(&r, ctx);
		inspection_row_release(&r);
		if (stop)
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

/* ---- findings ---------------------------------------------------------------------------- */

#define FINDING_COLUMNS                                                                                                \
	"id, inspection_id, org_id, coalesce(item_code, ''), severity, description, photo_ids, auto, status, deleted," \
	" version, seq, created_at, updated_at, coalesce(created_by, ''), create_hash, coalesce(task_id, '')"

void finding_row_release(struct finding_row *f)
{
	free(f->description);
	free(f->photo_ids);
	f->description = f->photo_ids = NULL;
}

static void finding_read(sqlite3_stmt *st, struct finding_row *f)
{
	db_col_text(st, 0, f->id, sizeof f->id);
	db_col_text(st, 1, f->inspection_id, sizeof f->inspection_id);
	db_col_text(st, 2, f->org_id, sizeof f->org_id);
	db_col_text(st, 3, f->item_code, sizeof f->item_code);
	db_col_text(st, 4, f->severity, sizeof f->severity);
	f->description = col_dup(st, 5);
	f->photo_ids = col_dup(st, 6);
	f->auto_ = sqlite3_column_int(st, 7);
	db_col_text(st, 8, f->status, sizeof f->status);
	f->deleted = sqlite3_column_int(st, 9);
	f->version = sqlite3_column_int64(st, 10);
	f->seq = sqlite3_column_int64(st, 11);
	db_col_text(st, 12, f->created_at, sizeof f->created_at);
	db_col_text(st, 13, f->updated_at, sizeof f->updated_at);
	db_col_text(st, 14, f->created_by, sizeof f->created_by);
	col_blob32(st, 15, f->create_hash);
	db_col_text(st, 16, f->task_id, sizeof f->task_id);
}

static enum store_status finding_one(sqlite3_stmt *st, struct finding_row *out)
{
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK)
		finding_read(st, out);
	db_stmt_done(st);
	return s;
}

enum store_status finding_get(struct db *db, const char *id, struct finding_row *out)
{
	static const char sql[] = "SELECT " FINDING_COLUMNS " FROM findings WHERE id = :id AND deleted = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	return finding_one(st, out);
}

enum store_status finding_get_auto(struct db *db, const char *inspection_id, const char *item_code,
                                   struct finding_row *out)
{
	static const char sql[] = "SELECT " FINDING_COLUMNS " FROM findings WHERE inspection_id = :inspection"
	                          " AND item_code = :item AND auto = 1 AND deleted = 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":inspection", inspection_id);
	db_bind_text(st, ":item", item_code);
	return finding_one(st, out);
}

enum store_status finding_insert(struct db *db, struct finding_row *f)
{
	static const char sql[] =
	        "INSERT INTO findings (id, inspection_id, org_id, item_code, severity, description, photo_ids, auto,"
	        " created_by, create_hash, seq, created_at, updated_at) VALUES (:id, :inspection, :org, :item,"
	        " :severity, :description, :photos, :auto, :created_by, :hash, :seq, " NOW ", " NOW ")"
	        " RETURNING version, seq, created_at, updated_at";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	db_bind_text(st, ":id", f->id);
	db_bind_text(st, ":inspection", f->inspection_id);
	db_bind_text(st, ":org", f->org_id);
	db_bind_text_or_null(st, ":item", f->item_code);
	db_bind_text(st, ":severity", f->severity);
	db_bind_text(st, ":description", f->description);
	db_bind_text(st, ":photos", f->photo_ids ? f->photo_ids : "[]");
	db_bind_int64(st, ":auto", f->auto_);
	db_bind_text_or_null(st, ":created_by", f->created_by);
	bind_blob32(st, ":hash", f->create_hash);
	db_bind_int64(st, ":seq", seq);
	int rc = sqlite3_step(st);
	enum store_status s = STORE_OK;
	if (rc == SQLITE_ROW) {
		f->version = sqlite3_column_int64(st, 0);
		f->seq = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, f->created_at, sizeof f->created_at);
		db_col_text(st, 3, f->updated_at, sizeof f->updated_at);
		snprintf(f->status, sizeof f->status, "open");
	} else {
		s = rc == SQLITE_DONE ? STORE_DB : db_status_from_rc(rc);
	}
	db_stmt_done(st);
	return s;
}

enum store_status finding_update(struct db *db, struct finding_row *f, long long if_match)
{
	static const char sql[] =
	        "UPDATE findings SET severity = :severity, description = :description, photo_ids = :photos,"
	        " deleted = :deleted, version = version + 1, seq = :seq, updated_at = " NOW
	        " WHERE id = :id AND deleted = 0 AND (:if_match = 0 OR version = :if_match)"
	        " RETURNING version, seq, updated_at";
	long long seq = db_next_seq(db_handle(db));
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	db_bind_text(st, ":id", f->id);
	db_bind_text(st, ":severity", f->severity);
	db_bind_text(st, ":description", f->description);
	db_bind_text(st, ":photos", f->photo_ids ? f->photo_ids : "[]");
	db_bind_int64(st, ":deleted", f->deleted);
	db_bind_int64(st, ":seq", seq);
	db_bind_int64(st, ":if_match", if_match);
	int rc = sqlite3_step(st);
	enum store_status s = STORE_OK;
	if (rc == SQLITE_ROW) {
		f->version = sqlite3_column_int64(st, 0);
		f->seq = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, f->updated_at, sizeof f->updated_at);
	} else if (rc == SQLITE_DONE) {
		s = if_match ? STORE_STALE : STORE_NOT_FOUND;
	} else {
		s = db_status_from_rc(rc);
	}
	db_stmt_done(st);
	return s;
}

enum store_status finding_list(struct db *db, const char *inspection_id, const struct page *p,
                               int (*each)(const struct finding_row *f, void *ctx), void *ctx)
{
	static const char sql[] = "SELECT " FINDING_COLUMNS " FROM findings WHERE inspection_id = :inspection AND ("
	                          " (:sync = 1 AND seq > :after_seq AND (:since_ts IS NULL OR updated_at >= :since_ts))"
	                          " OR (:sync = 0 AND deleted = 0 AND (created_at > :after_key OR (created_at = "
	                          ":after_key AND id > :after_id))))"
	                          " ORDER BY CASE WHEN :sync = 1 THEN seq END, created_at, id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":inspection", inspection_id);
	bind_page(st, p);
	struct finding_row f;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		finding_read(st, &f);
		int stop = each(&f, ctx);
		finding_row_release(&f);
		if (stop)
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status finding_list_auto(struct db *db, const char *inspection_id,
                                    int (*each)(const struct finding_row *f, void *ctx), void *ctx)
{
	static const char sql[] = "SELECT " FINDING_COLUMNS " FROM findings WHERE inspection_id = :inspection"
	                          " AND auto = 1 AND deleted = 0 ORDER BY item_code";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":inspection", inspection_id);
	struct finding_row f;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		finding_read(st, &f);
		int stop = each(&f, ctx);
		finding_row_release(&f);
		if (stop)
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status inspection_set_evidence_ack(struct db *db, const char *id, const char *by, const char *note)
{
	static const char sql[] = "UPDATE inspections SET evidence_ack_by = :by, evidence_ack_at = " NOW ","
	                          " evidence_ack_note = :note WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":by", by);
	db_bind_text(st, ":note", note);
	return step_done(st, db, 1);
}

