#include "session_store.h"

#include <string.h>

static enum store_status step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_DONE ? STORE_OK : db_status_from_rc(rc);
}

enum store_status session_create(struct db *db, const char *id, const char *user_id, long long now)
{
	static const char sql[] = "INSERT INTO sessions (id, user_id, created_at) VALUES (:id, :user_id, :now)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":user_id", user_id);
	db_bind_int64(st, ":now", now);
	return step_done(st);
}

enum store_status session_revoke(struct db *db, const char *id, const char *reason, long long now)
{
	static const char sql[] = "UPDATE sessions SET revoked_at = :now, revoke_reason = :reason"
	                          " WHERE id = :id AND revoked_at IS NULL";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":reason", reason);
	db_bind_int64(st, ":now", now);
	return step_done(st);
}

enum store_status session_revoke_user(struct db *db, const char *user_id, const char *keep_id, const char *reason,
                                      long long now)
{
	static const char sql[] = "UPDATE sessions SET revoked_at = :now, revoke_reason = :reason"
	                          " WHERE user_id = :user_id AND revoked_at IS NULL AND (:keep IS NULL OR id <> :keep)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":user_id", user_id);
	db_bind_text_or_null(st, ":keep", keep_id);
	db_bind_text(st, ":reason", reason);
	db_bind_int64(st, ":now", now);
	return step_done(st);
}

enum store_status refresh_insert(struct db *db, const uint8_t hash[32], const char *session_id, long long now,
                                 long long expires_at)
{
	static const char sql[] = "INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at)"
	                          " VALUES (:hash, :session_id, :now, :expires_at)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	db_bind_text(st, ":session_id", session_id);
	db_bind_int64(st, ":now", now);
	db_bind_int64(st, ":expires_at", expires_at);
	return step_done(st);
}

enum store_status refresh_lookup(struct db *db, const uint8_t hash[32], struct refresh_row *out)
{
	static const char sql[] =
	        "SELECT r.session_id, s.user_id, r.issued_at, r.expires_at, coalesce(r.spent_at, 0), r.successor_hash,"
	        " coalesce(s.revoked_at, 0) FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id"
	        " WHERE r.token_hash = :hash";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK) {
		memset(out, 0, sizeof *out);
		db_col_text(st, 0, out->session_id, sizeof out->session_id);
		db_col_text(st, 1, out->user_id, sizeof out->user_id);
		out->issued_at = sqlite3_column_int64(st, 2);
		out->expires_at = sqlite3_column_int64(st, 3);
		out->spent_at = sqlite3_column_int64(st, 4);
		if (sqlite3_column_bytes(st, 5) == 32) {
			memcpy(out->successor_hash, sqlite3_column_blob(st, 5), 32);
			out->has_successor = 1;
		}
		out->session_revoked_at = sqlite3_column_int64(st, 6);
	}
	db_stmt_done(st);
	return s;
}

enum store_status refresh_spend(struct db *db, const uint8_t hash[32], const uint8_t successor[32], long long now)
{
	static const char sql[] = "UPDATE refresh_tokens SET spent_at = :now, successor_hash = :successor"
	                          " WHERE token_hash = :hash AND spent_at IS NULL";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":successor"), successor, 32, SQLITE_TRANSIENT);
	db_bind_int64(st, ":now", now);
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(db_handle(db));
	db_stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_status_from_rc(rc);
	return changed ? STORE_OK : STORE_CONFLICT; /* spent meanwhile */
}

enum store_status login_failures_count(struct db *db, const char *key, long long since, long long *count,
                                       long long *oldest)
{
	static const char sql[] =
	        "SELECT count(*), coalesce(min(at), 0) FROM login_failures WHERE key = :key AND at > :since";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":key", key);
	db_bind_int64(st, ":since", since);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*oldest = sqlite3_column_int64(st, 1);
	}
	db_stmt_done(st);
	return rc == SQLITE_ROW ? STORE_OK : STORE_DB;
}

enum store_status login_failure_add(struct db *db, const char *key, long long now, long long *rowid)
{
	static const char sql[] = "INSERT INTO login_failures (key, at) VALUES (:key, :now)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":key", key);
	db_bind_int64(st, ":now", now);
	enum store_status s = step_done(st);
	if (s == STORE_OK && rowid)
		*rowid = sqlite3_last_insert_rowid(db_handle(db));
	return s;
}

enum store_status login_failure_delete(struct db *db, long long rowid)
{
	static const char sql[] = "DELETE FROM login_failures WHERE rowid = :rowid";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_int64(st, ":rowid", rowid);
	return step_done(st);
}

enum store_status login_failures_clear(struct db *db, const char *key)
{
	static const char sql[] = "DELETE FROM login_failures WHERE key = :key";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":key", key);
	return step_done(st);
}

enum store_status login_failures_prune(struct db *db, long long before)
{
	static const char sql[] = "DELETE FROM login_failures WHERE at < :before";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_int64(st, ":before", before);
	return step_done(st);
}
