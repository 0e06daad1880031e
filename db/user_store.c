#include "user_store.h"

#include <string.h>

#define USER_COLUMNS                                                                                                   \
	"u.id, u.username, u.display_name, coalesce(u.phone, ''), u.role, u.org_id, o.name, o.code, o.level, o.path,"  \
	" u.disabled, u.token_version, u.version, u.created_at, u.updated_at"

static void user_read(sqlite3_stmt *st, struct user *u)
{
	db_col_text(st, 0, u->id, sizeof u->id);
	db_col_text(st, 1, u->username, sizeof u->username);
	db_col_text(st, 2, u->display_name, sizeof u->display_name);
	db_col_text(st, 3, u->phone, sizeof u->phone);
	db_col_text(st, 4, u->role, sizeof u->role);
	db_col_text(st, 5, u->org_id, sizeof u->org_id);
	db_col_text(st, 6, u->org_name, sizeof u->org_name);
	db_col_text(st, 7, u->org_code, sizeof u->org_code);
	db_col_text(st, 8, u->org_level, sizeof u->org_level);
	db_col_text(st, 9, u->org_path, sizeof u->org_path);
	u->disabled = sqlite3_column_int(st, 10);
	u->token_version = sqlite3_column_int64(st, 11);
	u->version = sqlite3_column_int64(st, 12);
	db_col_text(st, 13, u->created_at, sizeof u->created_at);
	db_col_text(st, 14, u->updated_at, sizeof u->updated_at);
}

static enum store_status get_one(sqlite3_stmt *st, struct user *out, char *hash, size_t hashlen)
{
	int rc = sqlite3_step(st);
	enum store_status s = STORE_NOT_FOUND;
	if (rc == SQLITE_ROW) {
		user_read(st, out);
		if (hash)
			db_col_text(st, 15, hash, hashlen);
		s = STORE_OK;
	} else if (rc != SQLITE_DONE) {
		s = STORE_DB;
	}
	db_stmt_done(st);
	return s;
}

enum store_status user_store_get(struct db *db, const char *id, const char *scope, const char *scope_end,
                                 struct user *out)
{
	static const char sql[] = "SELECT " USER_COLUMNS " FROM users u JOIN orgs o ON o.id = u.org_id"
	                          " WHERE u.id = :id AND o.path >= :scope AND o.path < :scope_end";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	return get_one(st, out, NULL, 0);
}

enum store_status user_store_get_signed_in(struct db *db, const char *id, const char *session_id, struct user *out)
{
	static const char sql[] = "SELECT " USER_COLUMNS " FROM users u JOIN orgs o ON o.id = u.org_id"
	                          " WHERE u.id = :id AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = :sid AND"
	                          " s.user_id = u.id AND s.revoked_at IS NULL)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":sid", session_id);
	return get_one(st, out, NULL, 0);
}

enum store_status user_store_get_login(struct db *db, const char *username, struct user *out, char *hash,
                                       size_t hashlen)
{
	static const char sql[] = "SELECT " USER_COLUMNS ", u.password_hash FROM users u JOIN orgs o ON o.id = u.org_id"
	                          " WHERE u.username = :username COLLATE NOCASE";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":username", username);
	return get_one(st, out, hash, hashlen);
}

enum store_status user_store_get_hash(struct db *db, const char *id, char *hash, size_t hashlen)
{
	static const char sql[] = "SELECT password_hash FROM users WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK)
		db_col_text(st, 0, hash, hashlen);
	db_stmt_done(st);
	return s;
}

/* Reloads u->id unscoped (after a write). */
static enum store_status reload(struct db *db, struct user *u)
{
	return user_store_get(db, u->id, "/", "0", u);
}

enum store_status user_store_create(struct db *db, struct user *u, const char *hash)
{
	static const char sql[] =
	        "INSERT INTO users (id, username, display_name, phone, role, org_id, password_hash, created_at,"
	        " updated_at) VALUES (:id, :username, :display_name, :phone, :role, :org_id, :hash,"
	        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", u->id);
	db_bind_text(st, ":username", u->username);
	db_bind_text(st, ":display_name", u->display_name);
	db_bind_text_or_null(st, ":phone", u->phone);
	db_bind_text(st, ":role", u->role);
	db_bind_text(st, ":org_id", u->org_id);
	db_bind_text(st, ":hash", hash);
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_status_from_rc(rc);
	return reload(db, u);
}

enum store_status user_store_update(struct db *db, struct user *u, long long if_match, const char *hash,
                                    int bump_tokens)
{
	static const char sql[] =
	        "UPDATE users SET display_name = :display_name, phone = :phone, role = :role, org_id = :org_id,"
	        " disabled = :disabled, password_hash = coalesce(:hash, password_hash),"
	        " token_version = token_version + :bump, version = version + 1,"
	        " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	        " WHERE id = :id AND (:if_match = 0 OR version = :if_match)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", u->id);
	db_bind_text(st, ":display_name", u->display_name);
	db_bind_text_or_null(st, ":phone", u->phone);
	db_bind_text(st, ":role", u->role);
	db_bind_text(st, ":org_id", u->org_id);
	db_bind_int64(st, ":disabled", u->disabled ? 1 : 0);
	db_bind_text(st, ":hash", hash);
	db_bind_int64(st, ":bump", bump_tokens ? 1 : 0);
	db_bind_int64(st, ":if_match", if_match);
	int rc = sqlite3_step(st);
	int changed = sqlite3_changes(db_handle(db));
	db_stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_status_from_rc(rc);
	if (changed == 0)
		return if_match ? STORE_STALE : STORE_NOT_FOUND;
	return reload(db, u);
}

enum store_status user_store_list(struct db *db, const struct user_filter *f, const char *scope, const char *scope_end,
                                  int (*each)(const struct user *u, void *ctx), void *ctx)
{
	static const char sql[] =
	        "SELECT " USER_COLUMNS " FROM users u JOIN orgs o ON o.id = u.org_id"
	        " WHERE o.path >= :scope AND o.path < :scope_end"
	        " AND u.username COLLATE NOCASE > :after"
	        " AND (:role IS NULL OR u.role = :role)"
	        " AND (:org_id IS NULL OR u.org_id = :org_id)"
	        " AND (:disabled < 0 OR u.disabled = :disabled)"
	        " AND (:q IS NULL OR instr(lower(u.username), lower(:q)) > 0 OR instr(u.display_name, :q) > 0)"
	        " ORDER BY u.username COLLATE NOCASE LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	db_bind_text(st, ":after", f->after ? f->after : "");
	db_bind_text_or_null(st, ":role", f->role);
	db_bind_text_or_null(st, ":org_id", f->org_id);
	db_bind_int64(st, ":disabled", f->disabled);
	db_bind_text_or_null(st, ":q", f->q);
	db_bind_int64(st, ":limit", f->limit);
	struct user u;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		user_read(st, &u);
		if (each(&u, ctx) != 0)
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

long long user_store_count(struct db *db)
{
	static const char sql[] = "SELECT count(*) FROM users";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return n;
}
