#include "upload_store.h"

#include <stdlib.h>
#include <string.h>

static char *col_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v ? strdup((const char *)v) : NULL;
}

void upload_row_release(struct upload_row *u)
{
	free(u->metadata);
	free(u->fields);
	u->metadata = u->fields = NULL;
}

enum store_status upload_insert(struct db *db, struct upload_row *u)
{
	static const char sql[] = "INSERT INTO uploads (id, owner_id, length, metadata, fields, created_at, expires_at,"
	                          " expires_epoch) VALUES (:id, :owner, :length, :metadata, :fields,"
	                          " :created_at, :expires_at, :expires_epoch)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", u->id);
	db_bind_text(st, ":owner", u->owner_id);
	db_bind_int64(st, ":length", u->length);
	db_bind_text(st, ":metadata", u->metadata);
	db_bind_text(st, ":fields", u->fields);
	db_bind_text(st, ":created_at", u->created_at);
	db_bind_text(st, ":expires_at", u->expires_at);
	db_bind_int64(st, ":expires_epoch", u->expires_epoch);
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_DONE ? STORE_OK : db_status_from_rc(rc);
}

enum store_status upload_get(struct db *db, const char *id, const char *owner_id, struct upload_row *out)
{
	static const char sql[] =
	        "SELECT id, owner_id, length, offset, metadata, fields, coalesce(photo_id, ''),"
	        " created_at, expires_at, expires_epoch FROM uploads WHERE id = :id AND owner_id = :owner";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":owner", owner_id);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK) {
		memset(out, 0, sizeof *out);
		db_col_text(st, 0, out->id, sizeof out->id);
		db_col_text(st, 1, out->owner_id, sizeof out->owner_id);
		out->length = sqlite3_column_int64(st, 2);
		out->offset = sqlite3_column_int64(st, 3);
		out->metadata = col_strdup(st, 4);
		out->fields = col_strdup(st, 5);
		db_col_text(st, 6, out->photo_id, sizeof out->photo_id);
		db_col_text(st, 7, out->created_at, sizeof out->created_at);
		db_col_text(st, 8, out->expires_at, sizeof out->expires_at);
		out->expires_epoch = sqlite3_column_int64(st, 9);
		if (!out->fields) {
			upload_row_release(out);
			s = STORE_DB;
		}
	}
	db_stmt_done(st);
	return s;
}

enum store_status upload_advance(struct db *db, const char *id, long long from, long long to)
{
	static const char sql[] = "UPDATE uploads SET offset = :to WHERE id = :id AND offset = :from";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":from", from);
	db_bind_int64(st, ":to", to);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

enum store_status upload_complete(struct db *db, const char *id, long long from, const char *photo_id)
{
	static const char sql[] =
	        "UPDATE uploads SET offset = length, photo_id = :photo WHERE id = :id AND offset = :from";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":from", from);
	db_bind_text(st, ":photo", photo_id);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

enum store_status upload_lock(struct db *db, const char *id, const char *owner_id, long long now, long long until)
{
	static const char sql[] = "UPDATE uploads SET locked_until = :until WHERE id = :id"
	                          " AND (:owner IS NULL OR owner_id = :owner)"
	                          " AND (locked_until IS NULL OR locked_until <= :now)";
	static const char exists[] = "SELECT 1 FROM uploads WHERE id = :id AND (:owner IS NULL OR owner_id = :owner)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":owner", owner_id);
	db_bind_int64(st, ":now", now);
	db_bind_int64(st, ":until", until);
	enum store_status s = db_exec_changes(db, st);
	if (s != STORE_NOT_FOUND)
		return s;
	st = db_stmt(db, exists); /* not taken: held by someone else, or not there */
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":owner", owner_id);
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_ROW ? STORE_CONFLICT : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_DB;
}

enum store_status upload_relock(struct db *db, const char *id, long long until)
{
	static const char sql[] = "UPDATE uploads SET locked_until = nullif(:until, 0) WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_int64(st, ":until", until);
	enum store_status s = db_exec_changes(db, st);
	return s == STORE_NOT_FOUND ? STORE_OK : s; /* removed meanwhile: nothing left to hold */
}

enum store_status upload_delete(struct db *db, const char *id)
{
	static const char sql[] = "DELETE FROM uploads WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	return db_exec_changes(db, st);
}

long long upload_count_open(struct db *db, const char *owner_id, long long now)
{
	static const char sql[] = "SELECT count(*) FROM uploads WHERE owner_id = :owner AND photo_id IS NULL"
	                          " AND expires_epoch > :now";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_text(st, ":owner", owner_id);
	db_bind_int64(st, ":now", now);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return n;
}

int upload_expired(struct db *db, long long now, char (*ids)[37], int max)
{
	static const char sql[] =
	        "SELECT id FROM uploads WHERE expires_epoch <= :now"
	        " AND (locked_until IS NULL OR locked_until <= :now) ORDER BY expires_epoch LIMIT :max";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_int64(st, ":now", now);
	db_bind_int64(st, ":max", max);
	int n = 0, rc;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		db_col_text(st, 0, ids[n++], 37);
	db_stmt_done(st);
	return n;
}

int upload_unfinished(struct db *db, const char *id)
{
	static const char sql[] = "SELECT 1 FROM uploads WHERE id = :id AND photo_id IS NULL";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_text(st, ":id", id);
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
