#include "photo_store.h"

#include <stdlib.h>
#include <string.h>

#define PHOTO_COLUMNS                                                                                                  \
	"id, owner_id, coalesce(inspection_id, ''), coalesce(finding_id, ''), sha256, size, mime,"                     \
	" coalesce(taken_at, ''), lat, lng, coalesce(caption, ''), uploaded_at, version,"                              \
	" coalesce(width, 0), coalesce(height, 0), coalesce(taken_at_source, ''), coalesce(location_source, ''),"      \
	" coalesce(task_id, ''), coalesce(progress_id, '')"

enum store_status photo_get(struct db *db, const char *id, struct photo_row *out)
{
	static const char sql[] = "SELECT " PHOTO_COLUMNS " FROM photos WHERE id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	int rc = sqlite3_step(st);
	enum store_status s = db_row_status(rc);
	if (s == STORE_OK) {
		memset(out, 0, sizeof *out);
		db_col_text(st, 0, out->id, sizeof out->id);
		db_col_text(st, 1, out->owner_id, sizeof out->owner_id);
		db_col_text(st, 2, out->inspection_id, sizeof out->inspection_id);
		db_col_text(st, 3, out->finding_id, sizeof out->finding_id);
		db_col_text(st, 4, out->sha256, sizeof out->sha256);
		out->size = sqlite3_column_int64(st, 5);
		db_col_text(st, 6, out->mime, sizeof out->mime);
		db_col_text(st, 7, out->taken_at, sizeof out->taken_at);
		out->has_location = sqlite3_column_type(st, 8) != SQLITE_NULL;
		out->lat = sqlite3_column_double(st, 8);
		out->lng = sqlite3_column_double(st, 9);
		db_col_text(st, 10, out->caption, sizeof out->caption);
		db_col_text(st, 11, out->uploaded_at, sizeof out->uploaded_at);
		out->version = sqlite3_column_int64(st, 12);
		out->width = sqlite3_column_int(st, 13);
		out->height = sqlite3_column_int(st, 14);
		db_col_text(st, 15, out->taken_at_source, sizeof out->taken_at_source);
		db_col_text(st, 16, out->location_source, sizeof out->location_source);
		db_col_text(st, 17, out->task_id, sizeof out->task_id);
		db_col_text(st, 18, out->progress_id, sizeof out->progress_id);
	}
	db_stmt_done(st);
	return s;
}

enum store_status photo_insert(struct db *db, struct photo_row *p)
{
	static const char sql[] =
	        "INSERT INTO photos (id, owner_id, inspection_id, finding_id, sha256, size, mime, taken_at, lat, lng,"
	        " caption, uploaded_at, width, height, taken_at_source, location_source, task_id, progress_id)"
	        " VALUES (:id, :owner, :inspection, :finding, :sha, :size, :mime, :taken_at, :lat, :lng, :caption,"
	        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), :width, :height, :taken_src, :loc_src, :task, :progress)"
	        " RETURNING uploaded_at, version";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", p->id);
	db_bind_text(st, ":owner", p->owner_id);
	db_bind_text_or_null(st, ":inspection", p->inspection_id);
	db_bind_text_or_null(st, ":finding", p->finding_id);
	db_bind_text(st, ":sha", p->sha256);
	db_bind_int64(st, ":size", p->size);
	db_bind_text(st, ":mime", p->mime);
	db_bind_text_or_null(st, ":taken_at", p->taken_at);
	if (p->has_location) {
		sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":lat"), p->lat);
		sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":lng"), p->lng);
	}
	db_bind_text_or_null(st, ":caption", p->caption);
	if (p->width > 0 && p->height > 0) {
		db_bind_int64(st, ":width", p->width);
		db_bind_int64(st, ":height", p->height);
	}
	db_bind_text_or_null(st, ":taken_src", p->taken_at_source);
	db_bind_text_or_null(st, ":loc_src", p->location_source);
	db_bind_text_or_null(st, ":task", p->task_id);
	db_bind_text_or_null(st, ":progress", p->progress_id);
	int rc = sqlite3_step(st);
	enum store_status s = STORE_OK;
	if (rc == SQLITE_ROW) {
		db_col_text(st, 0, p->uploaded_at, sizeof p->uploaded_at);
		p->version = sqlite3_column_int64(st, 1);
	} else {
		s = rc == SQLITE_DONE ? STORE_DB : db_status_from_rc(rc);
	}
	db_stmt_done(st);
	return s;
}

char *photo_missing_ids(struct db *db, const char *ids_json)
{
	static const char sql[] =
	        "SELECT coalesce(json_group_array(value), '[]') FROM (SELECT j.value AS value"
	        " FROM json_each(:ids) j WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.id = j.value)"
	        " GROUP BY j.value ORDER BY min(j.key))";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return NULL;
	db_bind_text(st, ":ids", ids_json);
	char *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		out = strdup(v ? (const char *)v : "[]");
	}
	db_stmt_done(st);
	return out;
}

long long photo_count_for(struct db *db, const char *inspection_id, const char *finding_id, const char *task_id,
                          const char *progress_id)
{
	static const char sql[] =
	        "SELECT count(*) FROM photos WHERE (:inspection IS NOT NULL AND inspection_id = :inspection)"
	        " OR (:finding IS NOT NULL AND finding_id = :finding) OR (:task IS NOT NULL AND task_id = :task)"
	        " OR (:progress IS NOT NULL AND progress_id = :progress)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_text_or_null(st, ":inspection", inspection_id);
	db_bind_text_or_null(st, ":finding", finding_id);
	db_bind_text_or_null(st, ":task", task_id);
	db_bind_text_or_null(st, ":progress", progress_id);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return n;
}

long long photo_count_sha256(struct db *db, const char *sha256)
{
	static const char sql[] = "SELECT count(*) FROM photos WHERE sha256 = :sha";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_text(st, ":sha", sha256);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return n;
}
