#include "rect_store.h"

#include <stdlib.h>
#include <string.h>

#include "obs_store.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

/* A row visible in the scope (o: the row's organization). */
#define IN_SCOPE " (:unscoped = 1 OR (o.path >= :scope AND o.path < :scope_end))"

#define BOOL_JSON(cond) "json(CASE WHEN " cond " THEN 'true' ELSE 'false' END)"

#define OVERDUE "t.status != 'verified' AND t.due_date < :today"

#define TASK_COUNTS(where)                                                                                             \
	"json((SELECT json_object('assigned', count(*) FILTER (WHERE t.status = 'assigned'),"                          \
	" 'in_progress', count(*) FILTER (WHERE t.status = 'in_progress'),"                                            \
	" 'submitted', count(*) FILTER (WHERE t.status = 'submitted'),"                                                \
	" 'returned', count(*) FILTER (WHERE t.status = 'returned'),"                                                  \
	" 'verified', count(*) FILTER (WHERE t.status = 'verified'),"                                                  \
	" 'overdue', count(*) FILTER (WHERE " OVERDUE "), 'total', count(*)) FROM tasks t WHERE " where "))"

#define CASE_JSON                                                                                                      \
	"json_object('id', r.id, 'org_id', r.org_id, 'org_name', o.name, 'year', r.year, 'reason', r.reason,"          \
	" 'source', r.source, 'finding_id', r.finding_id, 'four_ones', json_object('contact_leader',"                  \
	" r.contact_leader, 'town_leader', r.town_leader, 'town_leader_id', r.town_leader_id, 'first_secretary',"      \
	" r.first_secretary, 'paired_unit', r.paired_unit), 'plan', r.plan, 'status', r.status, 'result', r.result,"   \
	" 'evaluation', r.evaluation, 'created_by', r.created_by, 'created_at', r.created_at, 'updated_at',"           \
	" r.updated_at, 'closed_at', r.closed_at, 'version', r.version, 'task_counts',"                                \
	" " TASK_COUNTS("t.rectification_id = r.id") ")"

#define TASK_JSON                                                                                                                                     \
	"json_object('id', t.id, 'rectification_id', t.rectification_id, 'org_id', t.org_id, 'title', t.title,"                                       \
	" 'detail', t.detail, 'assignee_id', t.assignee_id, 'assignee_name', u.display_name, 'due_date', t.due_date,"                                 \
	" 'requires_photo', " BOOL_JSON("t.requires_photo = 1") ", 'status', t.status, 'overdue', " BOOL_JSON(OVERDUE) ", 'interviewed', " BOOL_JSON( \
	        "EXISTS (SELECT 1 FROM interviews iv WHERE iv.task_id = t.id)") ", 'finding_id', t.finding_id, "                                      \
	                                                                        "'return_reason', t.return_reason, "                                  \
	                                                                        "'submitted_at', t.submitted_at,"                                     \
	                                                                        " 'verified_at', t.verified_at, "                                     \
	                                                                        "'verified_by', t.verified_by, "                                      \
	                                                                        "'progress_count', (SELECT count(*) "                                 \
	                                                                        "FROM"                                                                \
	                                                                        " progress p WHERE p.task_id = "                                      \
	                                                                        "t.id), 'created_at', t.created_at, "                                 \
	                                                                        "'updated_at', t.updated_at, "                                        \
	                                                                        "'version',"                                                          \
	                                                                        " t.version)"

#define TASK_FROM " FROM tasks t JOIN orgs o ON o.id = t.org_id JOIN users u ON u.id = t.assignee_id"

#define PROGRESS_JSON                                                                                                  \
	"json_object('id', p.id, 'task_id', p.task_id, 'author_id', p.author_id, 'author_name', u.display_name,"       \
	" 'text', p.text, 'percent', p.percent, 'photo_ids', json(p.photo_ids), 'missing_photo_ids',"                  \
	" json((SELECT coalesce(json_group_array(j.value), '[]') FROM json_each(p.photo_ids) j WHERE NOT EXISTS"       \
	" (SELECT 1 FROM photos ph WHERE ph.id = j.value))), 'created_at', p.created_at)"

#define INTERVIEW_JSON                                                                                                 \
	"json_object('id', i.id, 'rectification_id', i.rectification_id, 'task_id', i.task_id, 'person', i.person,"    \
	" 'person_role', i.person_role, 'held_at', i.held_at, 'reason', i.reason, 'outcome', i.outcome,"               \
	" 'recorded_by', i.recorded_by, 'recorded_by_name', u.display_name, 'created_at', i.created_at)"

static void bind_scope(sqlite3_stmt *st, const struct rect_scope *sc)
{
	db_bind_int64(st, ":unscoped", sc == NULL || sc->scope == NULL);
	db_bind_text(st, ":scope", sc && sc->scope ? sc->scope : "/");
	db_bind_text(st, ":scope_end", sc && sc->scope_end ? sc->scope_end : "0");
	if (sqlite3_bind_parameter_index(st, ":today"))
		db_bind_text(st, ":today", sc && sc->today ? sc->today : "9999-12-31");
}

static void col_hash(sqlite3_stmt *st, int col, uint8_t out[32])
{
	const void *h = sqlite3_column_blob(st, col);
	memset(out, 0, 32);
	if (h && sqlite3_column_bytes(st, col) == 32)
		memcpy(out, h, 32);
}

/* The history of a case or task, oldest first, appended to items. */
static enum store_status history_list(struct db *db, const char *entity, const char *entity_id, json_t *items)
{
	static const char sql[] = "SELECT json_object('at', h.at, 'actor_id', h.actor_id, 'actor_name', u.display_name,"
	                          " 'from', h.from_status, 'to', h.to_status, 'reason', h.reason) FROM state_history h"
	                          " JOIN users u ON u.id = h.actor_id WHERE h.entity = :entity AND h.entity_id = :id"
	                          " ORDER BY h.seq";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":entity", entity);
	db_bind_text(st, ":id", entity_id);
	return db_json_rows(st, items, 0, NULL);
}

/* ---- cases ---- */

#define RECT_ROW_COLUMNS "r.id, r.org_id, o.path, r.status, r.year, r.version, r.create_hash"

static void rect_read(sqlite3_stmt *st, struct rect_row *out)
{
	memset(out, 0, sizeof *out);
	db_col_text(st, 0, out->id, sizeof out->id);
	db_col_text(st, 1, out->org_id, sizeof out->org_id);
	db_col_text(st, 2, out->org_path, sizeof out->org_path);
	db_col_text(st, 3, out->status, sizeof out->status);
	out->year = sqlite3_column_int(st, 4);
	out->version = sqlite3_column_int64(st, 5);
	col_hash(st, 6, out->create_hash);
}

enum store_status rect_row_get(struct db *db, const char *id, const struct rect_scope *sc, struct rect_row *out)
{
	static const char sql[] = "SELECT " RECT_ROW_COLUMNS " FROM rectifications r JOIN orgs o ON o.id = r.org_id"
	                          " WHERE r.id = :id AND" IN_SCOPE;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	bind_scope(st, sc);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK)
		rect_read(st, out);
	db_stmt_done(st);
	return s;
}

enum store_status rect_live(struct db *db, const char *org_id, int year, struct rect_row *out)
{
	static const char sql[] = "SELECT " RECT_ROW_COLUMNS " FROM rectifications r JOIN orgs o ON o.id = r.org_id"
	                          " WHERE r.org_id = :org AND r.year = :year AND r.status != 'closed'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":org", org_id);
	db_bind_int64(st, ":year", year);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK)
		rect_read(st, out);
	db_stmt_done(st);
	return s;
}

enum store_status rect_json(struct db *db, const char *id, const struct rect_scope *sc, int detail, json_t **out)
{
	static const char sql[] = "SELECT " CASE_JSON " FROM rectifications r JOIN orgs o ON o.id = r.org_id"
	                          " WHERE r.id = :id AND" IN_SCOPE;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	bind_scope(st, sc);
	enum store_status s = db_json_one(st, out);
	if (s != STORE_OK || !detail)
		return s;
	json_t *tasks = json_array(), *interviews = json_array();
	s = task_list_case(db, id, sc && sc->today ? sc->today : NULL, NULL, NULL, 0, tasks, NULL);
	if (s == STORE_OK)
		s = interview_list(db, id, NULL, NULL, 0, interviews, NULL);
	json_t *history = json_array();
	if (s == STORE_OK)
		s = history_list(db, "rectification", id, history);
	json_object_set_new(*out, "tasks", tasks);
	json_object_set_new(*out, "interviews", interviews);
	json_object_set_new(*out, "history", history);
	if (s != STORE_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return s;
}

static void bind_rect_fields(sqlite3_stmt *st, const struct rect_fields *f)
{
	db_bind_text(st, ":reason", f->reason);
	db_bind_text(st, ":contact_leader", f->contact_leader);
	db_bind_text(st, ":town_leader", f->town_leader);
	db_bind_text(st, ":town_leader_id", f->town_leader_id);
	db_bind_text(st, ":first_secretary", f->first_secretary);
	db_bind_text(st, ":paired_unit", f->paired_unit);
	db_bind_text(st, ":plan", f->plan);
}

enum store_status rect_insert(struct db *db, const char *id, const char *org_id, int year, const char *source,
                              const char *finding_id, const struct rect_fields *f, const char *created_by,
                              const uint8_t hash[32])
{
	static const char sql[] =
	        "INSERT INTO rectifications (id, org_id, year, reason, source, finding_id, contact_leader, town_leader,"
	        " town_leader_id, first_secretary, paired_unit, plan, created_by, create_hash, created_at, updated_at)"
	        " VALUES (:id, :org, :year, :reason, :source, :finding, :contact_leader, :town_leader, :town_leader_id,"
	        " :first_secretary, :paired_unit, :plan, :by, :hash, " NOW ", " NOW ")";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":org", org_id);
	db_bind_int64(st, ":year", year);
	db_bind_text(st, ":source", source);
	db_bind_text(st, ":finding", finding_id);
	bind_rect_fields(st, f);
	db_bind_text(st, ":by", created_by);
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	return db_exec_changes(db, st);
}

enum store_status rect_update(struct db *db, const char *id, long long if_match, const struct rect_fields *f)
{
	static const char sql[] =
	        "UPDATE rectifications SET reason = :reason, contact_leader = :contact_leader, town_leader ="
	        " :town_leader, town_leader_id = :town_leader_id, first_secretary = :first_secretary, paired_unit ="
	        " :paired_unit, plan = :plan, version = version + 1, updated_at = " NOW
	        " WHERE id = :id AND (:if_match = 0 OR version = :if_match)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":if_match", if_match);
	bind_rect_fields(st, f);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_STALE : s;
}

enum store_status rect_set_status(struct db *db, const char *id, const char *from, const char *to, const char *result,
                                  const char *evaluation, int closed)
{
	static const char sql[] =
	        "UPDATE rectifications SET status = :to, result = :result, evaluation = :evaluation, closed_at ="
	        " CASE WHEN :closed = 1 THEN " NOW " END, version = version + 1, updated_at = " NOW
	        " WHERE id = :id AND status = :from";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":from", from);
	db_bind_text(st, ":to", to);
	db_bind_text(st, ":result", result);
	db_bind_text(st, ":evaluation", evaluation);
	db_bind_int64(st, ":closed", closed);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

enum store_status rect_list(struct db *db, const struct rect_scope *sc, const struct rect_filter *f,
                            const char *after_key, const char *after_id, int limit, json_t *items, int *more)
{
	static const char sql[] =
	        "SELECT " CASE_JSON " FROM rectifications r JOIN orgs o ON o.id = r.org_id WHERE" IN_SCOPE
	        " AND (:org_id IS NULL OR r.org_id = :org_id) AND (:status IS NULL OR r.status = :status)"
	        " AND (:year = 0 OR r.year = :year) AND (:after_key IS NULL OR r.created_at < :after_key"
	        " OR (r.created_at = :after_key AND r.id > :after_id)) ORDER BY r.created_at DESC, r.id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	bind_scope(st, sc);
	db_bind_text(st, ":org_id", f->org_id);
	db_bind_text(st, ":status", f->status);
	db_bind_int64(st, ":year", f->year);
	db_bind_text(st, ":after_key", after_key && *after_key ? after_key : NULL);
	db_bind_text(st, ":after_id", after_id ? after_id : "");
	db_bind_int64(st, ":limit", limit + 1);
	return db_json_rows(st, items, limit, more);
}

enum store_status org_set_status(struct db *db, const char *org_id, const char *status)
{
	static const char sql[] = "UPDATE orgs SET status = :status, version = version + 1, updated_at = " NOW
	                          " WHERE id = :id AND status != :status";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", org_id);
	db_bind_text(st, ":status", status);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_OK : s; /* already so */
}

enum store_status org_rectified(struct db *db, const char *org_id)
{
	static const char sql[] = "UPDATE orgs SET status = 'normal', version = version + 1, updated_at = " NOW
	                          " WHERE id = :id AND status != 'normal' AND NOT EXISTS (SELECT 1 FROM rectifications"
	                          " WHERE org_id = :id AND status != 'closed')";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", org_id);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_OK : s; /* another case still open, or already normal */
}

enum store_status photo_cited_visible(struct db *db, const char *photo_id, const struct rect_scope *sc)
{
	static const char sql[] =
	        "SELECT 1 FROM progress p JOIN photos ph ON ph.id = :photo AND ph.owner_id = p.author_id JOIN tasks t"
	        " ON t.id = p.task_id JOIN orgs o ON o.id = t.org_id WHERE EXISTS (SELECT 1 FROM json_each(p.photo_ids)"
	        " j WHERE j.value = :photo) AND" IN_SCOPE " LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":photo", photo_id);
	bind_scope(st, sc);
	enum store_status s = db_row_status(sqlite3_step(st));
	db_stmt_done(st);
	return s;
}

enum store_status history_add(struct db *db, const char *entity, const char *entity_id, const char *actor_id,
                              const char *from, const char *to, const char *reason)
{
	static const char sql[] = "INSERT INTO state_history (entity, entity_id, actor_id, at, from_status, to_status,"
	                          " reason) VALUES (:entity, :id, :actor, " NOW ", :from, :to, :reason)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":entity", entity);
	db_bind_text(st, ":id", entity_id);
	db_bind_text(st, ":actor", actor_id);
	db_bind_text(st, ":from", from);
	db_bind_text(st, ":to", to);
	db_bind_text(st, ":reason", reason);
	return db_exec_changes(db, st);
}

/* ---- tasks ---- */

enum store_status task_row_get(struct db *db, const char *id, const struct rect_scope *sc, struct task_row *out)
{
	static const char sql[] =
	        "SELECT t.id, t.rectification_id, t.org_id, t.assignee_id, t.status, t.due_date, t.requires_photo,"
	        " coalesce(t.finding_id, ''), r.status, t.version, t.create_hash FROM tasks t JOIN orgs o ON o.id ="
	        " t.org_id JOIN rectifications r ON r.id = t.rectification_id WHERE t.id = :id AND" IN_SCOPE;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	bind_scope(st, sc);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK) {
		memset(out, 0, sizeof *out);
		db_col_text(st, 0, out->id, sizeof out->id);
		db_col_text(st, 1, out->rectification_id, sizeof out->rectification_id);
		db_col_text(st, 2, out->org_id, sizeof out->org_id);
		db_col_text(st, 3, out->assignee_id, sizeof out->assignee_id);
		db_col_text(st, 4, out->status, sizeof out->status);
		db_col_text(st, 5, out->due_date, sizeof out->due_date);
		out->requires_photo = sqlite3_column_int(st, 6);
		db_col_text(st, 7, out->finding_id, sizeof out->finding_id);
		db_col_text(st, 8, out->case_status, sizeof out->case_status);
		out->version = sqlite3_column_int64(st, 9);
		col_hash(st, 10, out->create_hash);
	}
	db_stmt_done(st);
	return s;
}

enum store_status task_json(struct db *db, const char *id, const struct rect_scope *sc, int detail, json_t **out)
{
	static const char sql[] = "SELECT " TASK_JSON TASK_FROM " WHERE t.id = :id AND" IN_SCOPE;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	bind_scope(st, sc);
	enum store_status s = db_json_one(st, out);
	if (s != STORE_OK || !detail)
		return s;
	json_t *progress = json_array(), *history = json_array();
	s = progress_list(db, id, progress);
	if (s == STORE_OK)
		s = history_list(db, "task", id, history);
	json_object_set_new(*out, "progress", progress);
	json_object_set_new(*out, "history", history);
	if (s == STORE_OK) {
		static const char asql[] =
		        "SELECT CASE WHEN evidence_ack_by IS NULL THEN 'null' ELSE json_object('by',"
		        " evidence_ack_by, 'at', evidence_ack_at, 'note', evidence_ack_note) END FROM tasks"
		        " WHERE id = :id";
		sqlite3_stmt *a = db_stmt(db, asql);
		json_t *ack = NULL;
		if (a) {
			db_bind_text(a, ":id", id);
			if (sqlite3_step(a) == SQLITE_ROW && sqlite3_column_text(a, 0))
				ack = json_loads((const char *)sqlite3_column_text(a, 0), JSON_DECODE_ANY, NULL);
			db_stmt_done(a);
		}
		json_object_set_new(*out, "evidence_ack", ack ? ack : json_null());
	}
	if (s != STORE_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return s;
}

enum store_status task_insert(struct db *db, const char *id, const struct task_row *c, const struct task_fields *f,
                              const char *finding_id, const uint8_t hash[32])
{
	static const char sql[] =
	        "INSERT INTO tasks (id, rectification_id, org_id, title, detail, assignee_id, due_date,"
	        " requires_photo, finding_id, create_hash, created_at, updated_at) VALUES (:id, :case,"
	        " :org, :title, :detail, :assignee, :due, :photo, :finding, :hash, " NOW ", " NOW ")";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":case", c->rectification_id);
	db_bind_text(st, ":org", c->org_id);
	db_bind_text(st, ":title", f->title);
	db_bind_text(st, ":detail", f->detail);
	db_bind_text(st, ":assignee", f->assignee_id);
	db_bind_text(st, ":due", f->due_date);
	db_bind_int64(st, ":photo", f->requires_photo != 0);
	db_bind_text(st, ":finding", finding_id);
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	return db_exec_changes(db, st);
}

enum store_status task_update(struct db *db, const char *id, long long if_match, const struct task_fields *f)
{
	static const char sql[] =
	        "UPDATE tasks SET title = coalesce(:title, title), detail = CASE WHEN :set_detail = 1 THEN :detail"
	        " ELSE detail END, assignee_id = coalesce(:assignee, assignee_id), due_date = coalesce(:due, due_date),"
	        " overdue_notified = CASE WHEN :due IS NOT NULL AND :due != due_date THEN 0 ELSE overdue_notified END,"
	        " requires_photo = CASE WHEN :photo < 0 THEN requires_photo ELSE :photo END, version = version + 1,"
	        " updated_at = " NOW " WHERE id = :id AND (:if_match = 0 OR version = :if_match)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":if_match", if_match);
	db_bind_text(st, ":title", f->title);
	db_bind_int64(st, ":set_detail", f->detail != NULL);
	db_bind_text(st, ":detail", f->detail && *f->detail ? f->detail : NULL);
	db_bind_text(st, ":assignee", f->assignee_id);
	db_bind_text(st, ":due", f->due_date);
	db_bind_int64(st, ":photo", f->requires_photo);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_STALE : s;
}

enum store_status task_set_status(struct db *db, const char *id, const char *from, const char *to,
                                  const char *return_reason, const char *actor_id, const char *now)
{
	static const char sql[] =
	        "UPDATE tasks SET status = :to, return_reason = CASE WHEN :to = 'returned' THEN :reason"
	        " WHEN :to = 'verified' THEN NULL ELSE return_reason END, submitted_at = CASE WHEN :to = 'submitted'"
	        " THEN coalesce(:now, " NOW ") ELSE submitted_at END, verified_at = CASE WHEN :to = 'verified' THEN"
	        " coalesce(:now, " NOW ") ELSE verified_at END, verified_by = CASE WHEN :to = 'verified' THEN :actor"
	        " ELSE verified_by END, version = version + 1, updated_at = " NOW " WHERE id = :id AND status = :from";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":from", from);
	db_bind_text(st, ":to", to);
	db_bind_text(st, ":reason", return_reason);
	db_bind_text(st, ":actor", actor_id);
	db_bind_text(st, ":now", now);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

enum store_status task_list_case(struct db *db, const char *case_id, const char *today, const char *after_key,
                                 const char *after_id, int limit, json_t *items, int *more)
{
	static const char sql[] = "SELECT " TASK_JSON TASK_FROM " WHERE t.rectification_id = :case"
	                          " AND (:after_key IS NULL OR t.due_date > :after_key OR (t.due_date = :after_key"
	                          " AND t.id > :after_id)) ORDER BY t.due_date, t.id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":case", case_id);
	db_bind_text(st, ":today", today ? today : "9999-12-31");
	db_bind_text(st, ":after_key", after_key && *after_key ? after_key : NULL);
	db_bind_text(st, ":after_id", after_id ? after_id : "");
	db_bind_int64(st, ":limit", limit > 0 ? limit + 1 : -1);
	return db_json_rows(st, items, limit, more);
}

enum store_status task_unverified(struct db *db, const char *case_id, json_t *ids, long long *total)
{
	static const char sql[] = "SELECT id, status FROM tasks WHERE rectification_id = :case ORDER BY due_date, id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":case", case_id);
	*total = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*total)++;
		if (strcmp((const char *)sqlite3_column_text(st, 1), "verified") != 0)
			json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status task_evidence(struct db *db, const char *task_id, long long *reports, long long *photos)
{
	static const char sql[] =
	        "SELECT (SELECT count(*) FROM progress WHERE task_id = :task), (SELECT count(*) FROM photos ph WHERE"
	        " ph.task_id = :task OR ph.progress_id IN (SELECT id FROM progress WHERE task_id = :task) OR EXISTS"
	        " (SELECT 1 FROM progress p, json_each(p.photo_ids) j WHERE p.task_id = :task AND j.value = ph.id"
	        " AND ph.owner_id = p.author_id))";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":task", task_id);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK) {
		*reports = sqlite3_column_int64(st, 0);
		*photos = sqlite3_column_int64(st, 1);
	}
	db_stmt_done(st);
	return s;
}

static void inbox_keys(sqlite3_stmt *st, void *ctx)
{
	struct inbox_page *p = ctx;
	db_col_text(st, 1, p->last_due, sizeof p->last_due);
	db_col_text(st, 2, p->last_id, sizeof p->last_id);
}

enum store_status task_inbox(struct db *db, const char *user_id, const char *today, const struct inbox_filter *f,
                             const char *after_key, const char *after_id, int limit, struct buf *items,
                             struct inbox_page *page)
{
	static const char sql[] =
	        "SELECT " TASK_JSON ", t.due_date, t.id" TASK_FROM
	        " WHERE t.assignee_id = :user AND (:status IS NULL OR t.status = :status)"
	        " AND (:overdue < 0 OR (" OVERDUE ") = :overdue) AND (:after_key IS NULL OR t.due_date > :after_key"
	        " OR (t.due_date = :after_key AND t.id > :after_id)) ORDER BY t.due_date, t.id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":user", user_id);
	db_bind_text(st, ":today", today);
	db_bind_text(st, ":status", f->status);
	db_bind_int64(st, ":overdue", f->overdue);
	db_bind_text(st, ":after_key", after_key && *after_key ? after_key : NULL);
	db_bind_text(st, ":after_id", after_id ? after_id : "");
	db_bind_int64(st, ":limit", limit + 1);
	memset(page, 0, sizeof *page);
	return db_json_rows_text(st, items, limit, &page->count, NULL, inbox_keys, page);
}

enum store_status task_inbox_counts(struct db *db, const char *user_id, const char *today, json_t **out)
{
	static const char sql[] = "SELECT " TASK_COUNTS("t.assignee_id = :user");
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":user", user_id);
	db_bind_text(st, ":today", today);
	return db_json_one(st, out);
}

/* ---- progress reports ---- */

enum store_status progress_insert(struct db *db, const char *id, const char *task_id, const char *author_id,
                                  const char *text, int percent, const char *photo_ids, const uint8_t hash[32])
{
	static const char sql[] = "INSERT INTO progress (id, task_id, author_id, text, percent, photo_ids, create_hash,"
	                          " created_at) VALUES (:id, :task, :author, :text, :percent, :photos, :hash, " NOW ")";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":task", task_id);
	db_bind_text(st, ":author", author_id);
	db_bind_text(st, ":text", text);
	db_bind_int64(st, ":percent", percent);
	db_bind_text(st, ":photos", photo_ids);
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	return db_exec_changes(db, st);
}

enum store_status progress_json(struct db *db, const char *id, json_t **out)
{
	static const char sql[] = "SELECT " PROGRESS_JSON " FROM progress p JOIN users u ON u.id = p.author_id"
	                          " WHERE p.id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	return db_json_one(st, out);
}

/* Reads the (parent id, create_hash) pair `sql` selects for the row :id; the idempotent-retry check of
 * progress reports and interviews compares both. */
static enum store_status parent_and_hash(struct db *db, const char *sql, const char *id, char parent[37],
                                         uint8_t hash[32])
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK) {
		db_col_text(st, 0, parent, 37);
		col_hash(st, 1, hash);
	}
	db_stmt_done(st);
	return s;
}

enum store_status progress_meta(struct db *db, const char *id, char task_id[37], uint8_t hash[32])
{
	static const char sql[] = "SELECT task_id, create_hash FROM progress WHERE id = :id";
	return parent_and_hash(db, sql, id, task_id, hash);
}

enum store_status progress_last_percent(struct db *db, const char *task_id, int *percent)
{
	static const char sql[] = "SELECT percent FROM progress WHERE task_id = :task ORDER BY rowid DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":task", task_id);
	int rc = sqlite3_step(st);
	*percent = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_stmt_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : db_status_from_rc(rc);
}

enum store_status progress_list(struct db *db, const char *task_id, json_t *items)
{
	static const char sql[] = "SELECT " PROGRESS_JSON " FROM progress p JOIN users u ON u.id = p.author_id"
	                          " WHERE p.task_id = :task ORDER BY p.rowid";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":task", task_id);
	return db_json_rows(st, items, 0, NULL);
}

/* ---- interviews ---- */

enum store_status interview_insert(struct db *db, const char *id, const char *case_id, const struct interview_fields *f,
                                   const char *recorded_by, const uint8_t hash[32])
{
	static const char sql[] = "INSERT INTO interviews (id, rectification_id, task_id, person, person_role, held_at,"
	                          " reason, outcome, recorded_by, create_hash, created_at) VALUES (:id, :case, :task,"
	                          " :person, :role, :held_at, :reason, :outcome, :by, :hash, " NOW ")";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":case", case_id);
	db_bind_text(st, ":task", f->task_id);
	db_bind_text(st, ":person", f->person);
	db_bind_text(st, ":role", f->person_role);
	db_bind_text(st, ":held_at", f->held_at);
	db_bind_text(st, ":reason", f->reason);
	db_bind_text(st, ":outcome", f->outcome);
	db_bind_text(st, ":by", recorded_by);
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	return db_exec_changes(db, st);
}

enum store_status interview_json(struct db *db, const char *id, json_t **out)
{
	static const char sql[] = "SELECT " INTERVIEW_JSON " FROM interviews i JOIN users u ON u.id = i.recorded_by"
	                          " WHERE i.id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	return db_json_one(st, out);
}

enum store_status interview_meta(struct db *db, const char *id, char case_id[37], uint8_t hash[32])
{
	static const char sql[] = "SELECT rectification_id, create_hash FROM interviews WHERE id = :id";
	return parent_and_hash(db, sql, id, case_id, hash);
}

enum store_status interview_list(struct db *db, const char *case_id, const char *after_key, const char *after_id,
                                 int limit, json_t *items, int *more)
{
	static const char sql[] =
	        "SELECT " INTERVIEW_JSON " FROM interviews i JOIN users u ON u.id = i.recorded_by"
	        " WHERE i.rectification_id = :case AND (:after_key IS NULL OR i.held_at > :after_key"
	        " OR (i.held_at = :after_key AND i.id > :after_id)) ORDER BY i.held_at, i.id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":case", case_id);
	db_bind_text(st, ":after_key", after_key && *after_key ? after_key : NULL);
	db_bind_text(st, ":after_id", after_id ? after_id : "");
	db_bind_int64(st, ":limit", limit > 0 ? limit + 1 : -1);
	return db_json_rows(st, items, limit, more);
}

/* ---- findings ---- */

enum store_status finding_set_task(struct db *db, const char *finding_id, const char *task_id)
{
	static const char sql[] = "UPDATE findings SET task_id = :task, version = version + 1, seq = :seq,"
	                          " updated_at = " NOW " WHERE id = :id";
	long long seq = db_next_seq(db_handle(db)); /* a synced row: phones see the link */
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st || seq < 0)
		return STORE_DB;
	db_bind_text(st, ":id", finding_id);
	db_bind_text(st, ":task", task_id);
	db_bind_int64(st, ":seq", seq);
	return db_exec_changes(db, st);
}

enum store_status task_set_evidence_ack(struct db *db, const char *id, const char *by, const char *note)
{
	static const char sql[] =
	        "UPDATE tasks SET evidence_ack_by = :by, evidence_ack_at = " NOW ", evidence_ack_note ="
	        " :note WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":by", by);
	db_bind_text(st, ":note", note);
	return db_exec_changes(db, st);
}
