#include "photo_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHOTO_COLUMNS                                                                                                  \
	"id, owner_id, coalesce(inspection_id, ''), coalesce(finding_id, ''), sha256, size, mime,"                     \
	" coalesce(taken_at, ''), lat, lng, coalesce(caption, ''), uploaded_at, version,"                              \
	" coalesce(width, 0), coalesce(height, 0), coalesce(taken_at_source, ''), coalesce(location_source, ''),"      \
	" coalesce(task_id, ''), coalesce(progress_id, ''), exif_present, coalesce(exif_taken_at, ''), exif_lat,"      \
	" exif_lng, dhash"

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
		out->exif_present = sqlite3_column_int(st, 19);
		db_col_text(st, 20, out->exif_taken_at, sizeof out->exif_taken_at);
		out->has_exif_location = sqlite3_column_type(st, 21) != SQLITE_NULL;
		out->exif_lat = sqlite3_column_double(st, 21);
		out->exif_lng = sqlite3_column_double(st, 22);
		out->has_dhash = sqlite3_column_type(st, 23) != SQLITE_NULL;
		out->dhash = (unsigned long long)sqlite3_column_int64(st, 23);
	}
	db_stmt_done(st);
	return s;
}

/* The dHash's five bands: bits 0-12, 13-25, 26-38, 39-51, 52-63. */
static unsigned band_value(unsigned long long h, int band)
{
	int shift = band * 13, bits = band < 4 ? 13 : 12;
	return (unsigned)((h >> shift) & ((1ULL << bits) - 1));
}

static enum store_status insert_bands(struct db *db, const char *photo_id, unsigned long long h)
{
	static const char sql[] =
	        "INSERT INTO photo_hash_bands (band, value, photo_id, dhash) VALUES (:band, :value, :photo, :dhash)"
	        " ON CONFLICT DO NOTHING";
	for (int b = 0; b < 5; b++) {
		sqlite3_stmt *st = db_stmt(db, sql);
		if (!st)
			return STORE_DB;
		db_bind_int64(st, ":band", b);
		db_bind_int64(st, ":value", band_value(h, b));
		db_bind_text(st, ":photo", photo_id);
		db_bind_int64(st, ":dhash", (sqlite3_int64)h);
		int rc = sqlite3_step(st);
		db_stmt_done(st);
		if (rc != SQLITE_DONE)
			return db_status_from_rc(rc);
	}
	return STORE_OK;
}

enum store_status photo_insert(struct db *db, struct photo_row *p)
{
	static const char sql[] =
	        "INSERT INTO photos (id, owner_id, inspection_id, finding_id, sha256, size, mime, taken_at, lat, lng,"
	        " caption, uploaded_at, width, height, taken_at_source, location_source, task_id, progress_id,"
	        " exif_present, exif_taken_at, exif_lat, exif_lng, dhash)"
	        " VALUES (:id, :owner, :inspection, :finding, :sha, :size, :mime, :taken_at, :lat, :lng, :caption,"
	        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), :width, :height, :taken_src, :loc_src, :task, :progress,"
	        " :exif, :exif_taken_at, :exif_lat, :exif_lng, :dhash)"
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
	db_bind_int64(st, ":exif", p->exif_present != 0);
	db_bind_text_or_null(st, ":exif_taken_at", p->exif_taken_at);
	if (p->has_exif_location) {
		sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":exif_lat"), p->exif_lat);
		sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":exif_lng"), p->exif_lng);
	}
	if (p->has_dhash)
		db_bind_int64(st, ":dhash", (sqlite3_int64)p->dhash);
	int rc = sqlite3_step(st);
	enum store_status s = STORE_OK;
	if (rc == SQLITE_ROW) {
		db_col_text(st, 0, p->uploaded_at, sizeof p->uploaded_at);
		p->version = sqlite3_column_int64(st, 1);
	} else {
		s = rc == SQLITE_DONE ? STORE_DB : db_status_from_rc(rc);
	}
	db_stmt_done(st);
	if (s == STORE_OK && p->has_dhash)
		s = insert_bands(db, p->id, p->dhash);
	return s;
}

/* The photo ids a visit's answers cite (:answers, its stored JSON text), in
 * order: rank orders them by answer, then place in the answer. */
#define CITED_PHOTO_IDS                                                                                                \
	"SELECT p.value AS value, (a.key << 20) + p.key AS rank FROM json_each(:answers) a,"                           \
	" json_each(a.value, '$.photo_ids') p WHERE a.type = 'object' AND p.type = 'text'"

static char *missing_query(struct db *db, const char *sql, const char *param, const char *json)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return NULL;
	db_bind_text(st, param, json);
	char *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		out = strdup(v ? (const char *)v : "[]");
	}
	db_stmt_done(st);
	return out;
}

char *photo_missing_ids(struct db *db, const char *ids_json)
{
	static const char sql[] =
	        "SELECT coalesce(json_group_array(value), '[]') FROM (SELECT j.value AS value"
	        " FROM json_each(:ids) j WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.id = j.value)"
	        " GROUP BY j.value ORDER BY min(j.key))";
	return missing_query(db, sql, ":ids", ids_json);
}

char *photo_missing_cited(struct db *db, const char *answers)
{
	static const char sql[] = "SELECT coalesce(json_group_array(value), '[]') FROM (SELECT c.value AS value FROM"
	                          " (" CITED_PHOTO_IDS ") c WHERE NOT EXISTS (SELECT 1 FROM photos ph WHERE ph.id ="
	                          " c.value) GROUP BY c.value ORDER BY min(c.rank))";
	return missing_query(db, sql, ":answers", answers);
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

enum store_status photo_context_get(struct db *db, const char *id, struct photo_context *out)
{
	static const char sql[] =
	        "SELECT coalesce(l.org_id, ''), o.lat, o.lng, coalesce(o.radius_m, CASE WHEN o.level IN ('town', "
	        "'city')"
	        " THEN 5000 ELSE 2000 END), coalesce(l.linked, ''), coalesce(l.linked_id, ''), coalesce(l.parent, ''),"
	        " coalesce(i.started_at, ''), coalesce(i.finished_at, ''), coalesce(t.created_at, '') FROM photo_links "
	        "l"
	        " LEFT JOIN orgs o ON o.id = l.org_id LEFT JOIN inspections i ON i.id = l.parent AND l.linked IN"
	        " ('inspection', 'finding') LEFT JOIN tasks t ON t.id = l.parent AND l.linked IN ('task', 'progress')"
	        " WHERE l.id = :id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":id", id);
	enum store_status s = db_row_status(sqlite3_step(st));
	if (s == STORE_OK) {
		memset(out, 0, sizeof *out);
		db_col_text(st, 0, out->org_id, sizeof out->org_id);
		out->has_org_location =
		        sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_type(st, 2) != SQLITE_NULL;
		out->org_lat = sqlite3_column_double(st, 1);
		out->org_lng = sqlite3_column_double(st, 2);
		out->org_radius_m = sqlite3_column_int(st, 3);
		db_col_text(st, 4, out->linked, sizeof out->linked);
		db_col_text(st, 5, out->linked_id, sizeof out->linked_id);
		db_col_text(st, 6, out->parent, sizeof out->parent);
		db_col_text(st, 7, out->started_at, sizeof out->started_at);
		db_col_text(st, 8, out->finished_at, sizeof out->finished_at);
		db_col_text(st, 9, out->task_created_at, sizeof out->task_created_at);
	}
	db_stmt_done(st);
	return s;
}

static json_t *dupe_json(sqlite3_stmt *st)
{
	const char *org = (const char *)sqlite3_column_text(st, 1);
	const char *linked = (const char *)sqlite3_column_text(st, 2);
	const char *linked_id = (const char *)sqlite3_column_text(st, 3);
	return json_pack("{s:s, s:s?, s:s?, s:s?}", "photo_id", (const char *)sqlite3_column_text(st, 0), "org_id", org,
	                 "linked", linked, "linked_id", linked_id);
}

enum store_status photo_dupes_exact(struct db *db, const struct photo_row *p, json_t *out)
{
	static const char sql[] = "SELECT ph.id, l.org_id, l.linked, l.linked_id FROM photos ph JOIN photo_links l ON"
	                          " l.id = ph.id WHERE ph.sha256 = :sha AND ph.id != :id AND l.linked IS NOT NULL"
	                          " ORDER BY ph.uploaded_at, ph.id LIMIT 20";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":sha", p->sha256);
	db_bind_text(st, ":id", p->id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, dupe_json(st));
	db_stmt_done(st);
	return db_loop_status(rc);
}

enum store_status photo_dupes_near(struct db *db, const struct photo_row *p, const struct photo_context *c,
                                   int max_distance, json_t *out)
{
	/* Candidates share a band with p's hash (pigeonhole: within distance 4
	 * one of five bands is equal) and are filtered by distance from the
	 * band table alone; only the few close ones are looked up further. A
	 * bucket holds photos / 2^12 rows on average for the 12-bit band (244
	 * at a million photos): the cap is far above that, so a near copy whose
	 * only equal band is a full bucket is still found (a cap of 200 lost
	 * 19 of 10,000 in bench_dhash at a million). */
	static const char cand[] = "SELECT photo_id, dhash FROM photo_hash_bands WHERE band = :band AND value = :value"
	                           " LIMIT 5000";
	static const char link[] = "SELECT ph.id, l.org_id, l.linked, l.linked_id, coalesce(l.parent, ''), ph.sha256"
	                           " FROM photos ph JOIN photo_links l ON l.id = ph.id WHERE ph.id = :id";
	int bits = __builtin_popcountll(p->dhash);
	if (!p->has_dhash || bits <= 4 || bits >= 60)
		return STORE_OK;      /* a flat frame (pocket, sky, lens cap) says nothing about copies */
	json_t *seen = json_object(); /* photo id -> distance */
	enum store_status s = STORE_OK;
	for (int b = 0; b < 5 && s == STORE_OK; b++) {
		sqlite3_stmt *st = db_stmt(db, cand);
		if (!st) {
			s = STORE_DB;
			break;
		}
		db_bind_int64(st, ":band", b);
		db_bind_int64(st, ":value", band_value(p->dhash, b));
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			int d = __builtin_popcountll((unsigned long long)sqlite3_column_int64(st, 1) ^ p->dhash);
			if (id && d <= max_distance && strcmp(id, p->id) != 0)
				json_object_set_new(seen, id, json_integer(d));
		}
		db_stmt_done(st);
		s = db_loop_status(rc);
	}
	const char *id;
	json_t *dist;
	json_object_foreach(seen, id, dist)
	{
		if (s != STORE_OK || json_array_size(out) >= 20)
			break;
		sqlite3_stmt *st = db_stmt(db, link);
		if (!st) {
			s = STORE_DB;
			break;
		}
		db_bind_text(st, ":id", id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *org = (const char *)sqlite3_column_text(st, 1);
			const char *parent = (const char *)sqlite3_column_text(st, 4);
			const char *sha = (const char *)sqlite3_column_text(st, 5);
			const char *linked = (const char *)sqlite3_column_text(st, 2);
			int same_org = org && strcmp(org, c->org_id) == 0;
			int same_parent = parent && c->parent[0] && strcmp(parent, c->parent) == 0;
			/* an exact copy is reported as such; an unattached photo or the same
			 * visit or task is no news */
			if (linked && !(sha && strcmp(sha, p->sha256) == 0) && !(same_org && same_parent)) {
				json_t *j = dupe_json(st);
				json_object_set_new(j, "distance", json_integer(json_integer_value(dist)));
				json_array_append_new(out, j);
			}
		}
		db_stmt_done(st);
	}
	json_decref(seen);
	return s;
}

static enum store_status ids_query(sqlite3_stmt *st, json_t *out)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_string((const char *)sqlite3_column_text(st, 0)));
	db_stmt_done(st);
	return db_loop_status(rc);
}

long long photo_exact_elsewhere(struct db *db, const struct photo_row *p, const char *parent)
{
	static const char sql[] = "SELECT count(*) FROM photos ph JOIN photo_links l ON l.id = ph.id WHERE ph.sha256 ="
	                          " :sha AND ph.id != :id AND l.linked IS NOT NULL AND (:parent = '' OR l.parent IS NOT"
	                          " :parent)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	db_bind_text(st, ":sha", p->sha256);
	db_bind_text(st, ":id", p->id);
	db_bind_text(st, ":parent", parent ? parent : "");
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_stmt_done(st);
	return n;
}

enum store_status photo_ids_of_inspection(struct db *db, const char *inspection_id, const char *answers, json_t *out)
{
	static const char sql[] = "SELECT id FROM photos WHERE inspection_id = :insp OR finding_id IN (SELECT id FROM"
	                          " findings WHERE inspection_id = :insp AND deleted = 0) OR id IN (SELECT value FROM"
	                          " (" CITED_PHOTO_IDS "))";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":insp", inspection_id);
	db_bind_text(st, ":answers", answers ? answers : "[]");
	return ids_query(st, out);
}

enum store_status photo_ids_of_task(struct db *db, const char *task_id, json_t *out)
{
	/* three indexed branches (an OR over them scanned every photo) */
	static const char sql[] =
	        "SELECT id FROM (SELECT ph.id, ph.uploaded_at FROM photos ph WHERE ph.task_id = :task UNION SELECT "
	        "ph.id,"
	        " ph.uploaded_at FROM progress p JOIN photos ph ON ph.progress_id = p.id WHERE p.task_id = :task UNION"
	        " SELECT ph.id, ph.uploaded_at FROM progress p CROSS JOIN json_each(p.photo_ids) j CROSS JOIN photos ph"
	        " ON ph.id = j.value AND ph.owner_id = p.author_id WHERE p.task_id = :task)";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":task", task_id);
	return ids_query(st, out);
}
