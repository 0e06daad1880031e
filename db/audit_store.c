#include "audit_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

enum store_status audit_list(struct db *db, const struct audit_filter *f, long long after_id, int limit, json_t *items)
{
	static const char sql[] =
	        "SELECT json_object('id', id, 'at', at, 'actor_id', actor_id, 'actor_role', actor_role, 'actor_addr',"
	        " actor_addr, 'request_id', request_id, 'entity', entity, 'entity_id', entity_id, 'action', action,"
	        " 'changes', json(changes)) FROM audit WHERE id > :after AND (:entity IS NULL OR entity = :entity)"
	        " AND (:entity_id IS NULL OR entity_id = :entity_id) AND (:actor IS NULL OR actor_id = :actor)"
	        " AND (:since IS NULL OR at >= :since) ORDER BY id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_int64(st, ":after", after_id);
	db_bind_text(st, ":entity", f->entity);
	db_bind_text(st, ":entity_id", f->entity_id);
	db_bind_text(st, ":actor", f->actor_id);
	db_bind_text(st, ":since", f->since);
	db_bind_int64(st, ":limit", limit);
	return db_json_rows(st, items, 0, NULL);
}

/* ---- webhooks ---- */

#define WEBHOOK_JSON                                                                                                   \
	"json_object('id', id, 'url', url, 'events', json(events), 'active', json(CASE WHEN active = 1 THEN 'true'"    \
	" ELSE 'false' END), 'description', description, 'secret_set', json('true'), 'created_at', created_at,"        \
	" 'updated_at', updated_at, 'version', version)"

enum store_status webhook_insert(struct db *db, const char *id, const struct webhook_fields *f)
{
	static const char sql[] =
	        "INSERT INTO webhooks (id, url, events, secret, active, description, created_at,"
	        " updated_at) VALUES (:id, :url, :events, :secret, :active, :description, " NOW ", " NOW ")";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":url", f->url);
	db_bind_text(st, ":events", f->events);
	db_bind_text(st, ":secret", f->secret);
	db_bind_int64(st, ":active", f->active != 0);
	db_bind_text(st, ":description", f->description);
	return db_exec_changes(db, st);
}

enum store_status webhook_json(struct db *db, const char *id, json_t **out)
{
	static const char sql[] = "SELECT " WEBHOOK_JSON " FROM webhooks WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	return db_json_one(st, out);
}

enum store_status webhook_version(struct db *db, const char *id, long long *version)
{
	static const char sql[] = "SELECT version FROM webhooks WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK)
		*version = sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return s;
}

enum store_status webhook_update(struct db *db, const char *id, long long if_match, const struct webhook_fields *f)
{
	static const char sql[] =
	        "UPDATE webhooks SET url = coalesce(:url, url), events = coalesce(:events, events), secret ="
	        " coalesce(:secret, secret), active = CASE WHEN :active < 0 THEN active ELSE :active END, description ="
	        " CASE WHEN :set_description = 1 THEN :description ELSE description END, version = version + 1,"
	        " updated_at = " NOW " WHERE id = :id AND (:if_match = 0 OR version = :if_match)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":if_match", if_match);
	db_bind_text(st, ":url", f->url);
	db_bind_text(st, ":events", f->events);
	db_bind_text(st, ":secret", f->secret);
	db_bind_int64(st, ":active", f->active);
	db_bind_int64(st, ":set_description", f->set_description);
	db_bind_text(st, ":description", f->description);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_STALE : s;
}

enum store_status webhook_delete(struct db *db, const char *id)
{
	static const char del_deliveries[] = "DELETE FROM webhook_deliveries WHERE webhook_id = :id";
	static const char del_hook[] = "DELETE FROM webhooks WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, del_deliveries);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	enum store_status s = db_exec_changes(db, st);
	if (s != STORE_OK && s != STORE_NOT_FOUND)
		return s;
	st = db_stmt(db, del_hook);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	return db_exec_changes(db, st);
}

enum store_status webhook_list(struct db *db, const char *after_key, const char *after_id, int limit, json_t *items)
{
	static const char sql[] = "SELECT " WEBHOOK_JSON " FROM webhooks WHERE :after_key IS NULL OR created_at >"
	                          " :after_key OR (created_at = :after_key AND id > :after_id) ORDER BY created_at, id"
	                          " LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":after_key", after_key && *after_key ? after_key : NULL);
	db_bind_text(st, ":after_id", after_id ? after_id : "");
	db_bind_int64(st, ":limit", limit);
	return db_json_rows(st, items, 0, NULL);
}

enum store_status webhook_deliveries(struct db *db, const char *webhook_id, long long after_id, int limit,
                                     json_t *items)
{
	static const char sql[] =
	        "SELECT json_object('id', d.uid, 'seq', d.id, 'event_id', e.uid, 'event_type', e.type, 'status', "
	        "d.status,"
	        " 'attempts', d.attempts, 'created_at', d.created_at, 'next_attempt_at', CASE WHEN d.status = 'pending'"
	        " THEN d.next_attempt_at END, 'last_attempt_at', d.last_attempt_at, 'last_status_code',"
	        " d.last_status_code, 'last_error', d.last_error, 'delivered_at', d.delivered_at) FROM"
	        " webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.webhook_id = :hook AND"
	        " (:after = 0 OR d.id < :after) ORDER BY d.id DESC LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":hook", webhook_id);
	db_bind_int64(st, ":after", after_id);
	db_bind_int64(st, ":limit", limit);
	return db_json_rows(st, items, 0, NULL);
}

void delivery_release(struct delivery *d)
{
	free(d->body);
	d->body = NULL;
}

int delivery_due(struct db *db, long long now_ms, struct delivery *out, int max)
{
	static const char sql[] =
	        "SELECT d.id, d.uid, w.url, w.secret, e.type, json_object('id', e.uid, 'type', e.type, 'occurred_at',"
	        " e.occurred_at, 'data', json(e.data)), d.created_epoch, d.attempts FROM webhook_deliveries d JOIN"
	        " webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id WHERE d.status ="
	        " 'pending' AND w.active = 1 AND d.next_attempt_ms <= :now ORDER BY d.next_attempt_ms, d.id LIMIT :max";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_int64(st, ":now", now_ms);
	db_bind_int64(st, ":max", max);
	int n = 0, rc;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct delivery *d = &out[n++];
		memset(d, 0, sizeof *d);
		d->id = sqlite3_column_int64(st, 0);
		db_col_text(st, 1, d->uid, sizeof d->uid);
		db_col_text(st, 2, d->url, sizeof d->url);
		db_col_text(st, 3, d->secret, sizeof d->secret);
		db_col_text(st, 4, d->event_type, sizeof d->event_type);
		const char *body = (const char *)sqlite3_column_text(st, 5);
		d->body = strdup(body ? body : "{}");
		d->created_epoch = sqlite3_column_int64(st, 6);
		d->attempts = sqlite3_column_int(st, 7);
	}
	db_stmt_done(st);
	return n;
}

enum store_status delivery_record(struct db *db, long long id, long long attempt_ms, int delivered, long long next_ms,
                                  int status_code, const char *error)
{
	static const char sql[] =
	        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = "
	        "strftime('%Y-%m-%dT%H:%M:%SZ',"
	        " :at / 1000, 'unixepoch'), last_status_code = :code, last_error = :error, status = CASE WHEN"
	        " :delivered = 1 THEN 'delivered' WHEN :next = 0 THEN 'failed' ELSE 'pending' END, delivered_at = CASE"
	        " WHEN :delivered = 1 THEN strftime('%Y-%m-%dT%H:%M:%SZ', :at / 1000, 'unixepoch') END,"
	        " next_attempt_ms = CASE WHEN :delivered = 0 AND :next > 0 THEN :next END, next_attempt_at = CASE"
	        " WHEN :delivered = 0 AND :next > 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', :next / 1000, 'unixepoch') END"
	        " WHERE id = :id AND status = 'pending'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_int64(st, ":id", id);
	db_bind_int64(st, ":at", attempt_ms);
	db_bind_int64(st, ":delivered", delivered);
	db_bind_int64(st, ":next", next_ms);
	if (status_code > 0)
		db_bind_int64(st, ":code", status_code);
	db_bind_text(st, ":error", error);
	return db_exec_changes(db, st);
}

int delivery_still_due(struct db *db, long long id)
{
	static const char sql[] = "SELECT 1 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE"
	                          " d.id = :id AND d.status = 'pending' AND w.active = 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return 0;
	db_bind_int64(st, ":id", id);
	int due = sqlite3_step(st) == SQLITE_ROW;
	db_stmt_done(st);
	return due;
}

long long delivery_next_due(struct db *db)
{
	static const char sql[] = "SELECT min(next_attempt_ms) FROM webhook_deliveries WHERE status = 'pending'";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return 0;
	long long next = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_stmt_done(st);
	return next;
}

int tasks_mark_overdue(struct db *db, const char *today)
{
	/* only while someone listens: a task overdue before a subscription still
	 * notifies once one exists */
	static const char sql[] =
	        "UPDATE tasks SET overdue_notified = 1 WHERE overdue_notified = 0 AND status !="
	        " 'verified' AND due_date < :today AND EXISTS (SELECT 1 FROM webhooks WHERE active = 1"
	        " AND instr(events, '\"task.overdue\"') > 0)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_text(st, ":today", today);
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db_handle(db)) : -1;
}
