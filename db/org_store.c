#include "org_store.h"

#include <stdio.h>
#include <string.h>

#define ORG_COLUMNS                                                                                                    \
	"id, code, name, level, coalesce(parent_id, ''), path, coalesce(category, ''), status, version, created_at, "  \
	"updated_at, lat, lng, radius_m"

static void org_read(sqlite3_stmt *st, struct org *o)
{
	db_col_text(st, 0, o->id, sizeof o->id);
	db_col_text(st, 1, o->code, sizeof o->code);
	db_col_text(st, 2, o->name, sizeof o->name);
	db_col_text(st, 3, o->level, sizeof o->level);
	db_col_text(st, 4, o->parent_id, sizeof o->parent_id);
	db_col_text(st, 5, o->path, sizeof o->path);
	db_col_text(st, 6, o->category, sizeof o->category);
	db_col_text(st, 7, o->status, sizeof o->status);
	o->version = sqlite3_column_int64(st, 8);
	db_col_text(st, 9, o->created_at, sizeof o->created_at);
	db_col_text(st, 10, o->updated_at, sizeof o->updated_at);
	o->has_location = sqlite3_column_type(st, 11) != SQLITE_NULL && sqlite3_column_type(st, 12) != SQLITE_NULL;
	o->lat = sqlite3_column_double(st, 11);
	o->lng = sqlite3_column_double(st, 12);
	o->radius_m = sqlite3_column_int(st, 13);
}

static void bind_location(sqlite3_stmt *st, const struct org *o)
{
	if (!o->has_location)
		return; /* NULLs */
	sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":lat"), o->lat);
	sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":lng"), o->lng);
	db_bind_int64(st, ":radius", o->radius_m);
}

const char *org_level_child(const char *level)
{
	static const char *const levels[] = {"city", "town", "village", "group"};
	for (size_t i = 0; i + 1 < sizeof levels / sizeof levels[0]; i++)
		if (level && strcmp(level, levels[i]) == 0)
			return levels[i + 1];
	return NULL;
}

/* Runs a statement expected to return at most one org row. */
static enum store_status get_one(sqlite3_stmt *st, struct org *out)
{
	int rc = sqlite3_step(st);
	enum store_status s = STORE_NOT_FOUND;
	if (rc == SQLITE_ROW) {
		org_read(st, out);
		s = STORE_OK;
	} else if (rc != SQLITE_DONE) {
		s = STORE_DB;
	}
	db_stmt_done(st);
	return s;
}

enum store_status org_store_get(struct db *db, const char *id, const char *scope, const char *scope_end,
                                struct org *out)
{
	static const char sql[] = "SELECT " ORG_COLUMNS " FROM orgs WHERE id = :id"
	                          " AND path >= :scope AND path < :scope_end";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	return get_one(st, out);
}

enum store_status org_store_get_by_code(struct db *db, const char *code, struct org *out)
{
	static const char sql[] = "SELECT " ORG_COLUMNS " FROM orgs WHERE code = :code";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":code", code);
	return get_one(st, out);
}

enum store_status org_store_create(struct db *db, struct org *o, const char *parent_path)
{
	static const char sql[] =
	        "INSERT INTO orgs (id, code, name, level, parent_id, path, category, status, lat, lng, radius_m,"
	        " created_at, updated_at) VALUES (:id, :code, :name, :level, :parent_id, :path, :category, :status,"
	        " :lat, :lng, :radius,"
	        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	        " RETURNING " ORG_COLUMNS;
	char path[ORG_PATH_LEN];
	if ((size_t)snprintf(path, sizeof path, "%s%s/", parent_path ? parent_path : "/", o->id) >= sizeof path)
		return STORE_INVALID;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", o->id);
	db_bind_text(st, ":code", o->code);
	db_bind_text(st, ":name", o->name);
	db_bind_text(st, ":level", o->level);
	db_bind_text_or_null(st, ":parent_id", o->parent_id);
	db_bind_text(st, ":path", path);
	db_bind_text_or_null(st, ":category", o->category);
	db_bind_text(st, ":status", o->status[0] ? o->status : "normal");
	bind_location(st, o);
	int rc = sqlite3_step(st);
	enum store_status s = STORE_OK;
	if (rc == SQLITE_ROW)
		org_read(st, o);
	else
		s = db_status_from_rc(rc);
	db_stmt_done(st);
	return s == STORE_OK && rc != SQLITE_ROW ? STORE_DB : s;
}

enum store_status org_store_update(struct db *db, struct org *o, long long if_match)
{
	static const char sql[] = "UPDATE orgs SET code = :code, name = :name, category = :category, status = :status,"
	                          " lat = :lat, lng = :lng, radius_m = :radius,"
	                          " version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	                          " WHERE id = :id AND (:if_match = 0 OR version = :if_match) RETURNING " ORG_COLUMNS;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", o->id);
	db_bind_text(st, ":code", o->code);
	db_bind_text(st, ":name", o->name);
	db_bind_text_or_null(st, ":category", o->category);
	db_bind_text(st, ":status", o->status);
	bind_location(st, o);
	db_bind_int64(st, ":if_match", if_match);
	int rc = sqlite3_step(st);
	enum store_status s;
	if (rc == SQLITE_ROW) {
		org_read(st, o);
		s = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		s = if_match ? STORE_STALE : STORE_NOT_FOUND; /* the caller loaded it: a miss means stale */
	} else {
		s = db_status_from_rc(rc);
	}
	db_stmt_done(st);
	return s;
}

static enum store_status each_row(sqlite3_stmt *st, int (*each)(const struct org *o, void *ctx), void *ctx)
{
	struct org o;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		org_read(st, &o);
		if (each(&o, ctx) != 0)
			break;
	}
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status org_store_list(struct db *db, const struct org_filter *f, const char *scope, const char *scope_end,
                                 int (*each)(const struct org *o, void *ctx), void *ctx)
{
	static const char sql[] = "SELECT " ORG_COLUMNS " FROM orgs"
	                          " WHERE path >= :scope AND path < :scope_end AND path > :after"
	                          " AND (:level IS NULL OR level = :level)"
	                          " AND (:parent_id IS NULL OR parent_id = :parent_id)"
	                          " AND (:status IS NULL OR status = :status)"
	                          " AND (:category IS NULL OR category = :category)"
	                          " AND (:q IS NULL OR instr(name, :q) > 0)"
	                          " ORDER BY path LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	db_bind_text(st, ":after", f->after_path ? f->after_path : "");
	db_bind_text_or_null(st, ":level", f->level);
	db_bind_text_or_null(st, ":parent_id", f->parent_id);
	db_bind_text_or_null(st, ":status", f->status);
	db_bind_text_or_null(st, ":category", f->category);
	db_bind_text_or_null(st, ":q", f->q);
	db_bind_int64(st, ":limit", f->limit);
	return each_row(st, each, ctx);
}

enum store_status org_store_children(struct db *db, const char *parent_id, int (*each)(const struct org *o, void *ctx),
                                     void *ctx)
{
	static const char sql[] = "SELECT " ORG_COLUMNS " FROM orgs WHERE parent_id = :parent_id ORDER BY code";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":parent_id", parent_id);
	return each_row(st, each, ctx);
}

long long org_store_count(struct db *db)
{
	static const char sql[] = "SELECT count(*) FROM orgs";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return n;
}
