#include "report_store.h"

#include <string.h>

/* A village v under town t. Paths end in '/': a descendant's path starts
 * with t.path and sorts below t.path with its last '/' turned into '0'. */
#define UNDER_TOWN " v.path > t.path AND v.path < substr(t.path, 1, length(t.path) - 1) || '0'"

/* An inspection's year: its round's month, else the local year it started
 * (or was created). */
#define INSPECTION_YEAR                                                                                                \
	" CASE WHEN r.month IS NOT NULL THEN substr(r.month, 1, 4) ELSE strftime('%Y', coalesce(i.started_at,"         \
	" i.created_at), 'localtime') END = printf('%04d', :year)"

#define APPROVED_VISITS                                                                                                \
	" FROM inspections i JOIN orgs v ON v.id = i.org_id LEFT JOIN rounds r ON r.id = i.round_id WHERE i.status ="  \
	" 'approved' AND i.deleted = 0 AND v.level = 'village' AND" UNDER_TOWN " AND" INSPECTION_YEAR

#define YEAR_TASKS                                                                                                     \
	" FROM tasks k JOIN rectifications c ON c.id = k.rectification_id JOIN orgs v ON v.id = k.org_id WHERE"        \
	" c.year = :year AND" UNDER_TOWN

enum store_status report_towns(struct db *db, const char *scope, const char *scope_end, int year, const char *today,
                               json_t *items)
{
	static const char sql[] =
	        "SELECT json_object('org_id', t.id, 'org_name', t.name,"
	        " 'inspection_score', (SELECT avg(json_extract(i.score, '$.total'))" APPROVED_VISITS "),"
	        " 'inspections', (SELECT count(*)" APPROVED_VISITS "),"
	        " 'tasks', (SELECT count(*)" YEAR_TASKS "),"
	        " 'tasks_verified_on_time', (SELECT count(*)" YEAR_TASKS
	        " AND k.status = 'verified' AND date(k.verified_at, 'localtime') <= k.due_date),"
	        " 'overdue_tasks', (SELECT count(*)" YEAR_TASKS " AND k.status != 'verified' AND k.due_date < :today))"
	        " FROM orgs t WHERE t.level = 'town' AND t.path >= :scope AND t.path < :scope_end ORDER BY t.name, "
	        "t.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	db_bind_int64(st, ":year", year);
	db_bind_text(st, ":today", today);
	return db_json_rows(st, items, 0, NULL);
}

enum store_status report_overdue(struct db *db, const char *scope, const char *scope_end, const char *today,
                                 json_t *items)
{
	static const char sql[] =
	        "SELECT json_object('task_id', k.id, 'title', k.title, 'rectification_id', k.rectification_id, "
	        "'org_id',"
	        " v.id, 'org_name', v.name, 'town_id', t.id, 'town_name', t.name, 'assignee_id', k.assignee_id,"
	        " 'assignee_name', u.display_name, 'due_date', k.due_date, 'days_overdue', CAST(julianday(:today) -"
	        " julianday(k.due_date) AS INTEGER), 'status', k.status, 'interviewed', json(CASE WHEN EXISTS (SELECT 1"
	        " FROM interviews iv WHERE iv.task_id = k.id) THEN 'true' ELSE 'false' END), 'interviews', (SELECT"
	        " count(*) FROM interviews iv WHERE iv.task_id = k.id)) FROM tasks k JOIN orgs v ON v.id = k.org_id"
	        " LEFT JOIN orgs t ON t.id = v.parent_id JOIN users u ON u.id = k.assignee_id"
	        " WHERE k.status != 'verified' AND k.due_date < :today AND v.path >= :scope AND v.path < :scope_end"
	        " ORDER BY k.due_date, k.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	db_bind_text(st, ":today", today);
	return db_json_rows(st, items, 0, NULL);
}

enum store_status report_villages(struct db *db, const char *scope, const char *scope_end, json_t *items)
{
	static const char sql[] =
	        "SELECT json_object('org_id', v.id, 'org_name', v.name, 'code', v.code, 'town_id', t.id, 'town_name',"
	        " t.name, 'category', v.category, 'status', v.status) FROM orgs v LEFT JOIN orgs t ON t.id = "
	        "v.parent_id"
	        " WHERE v.level = 'village' AND v.path >= :scope AND v.path < :scope_end ORDER BY t.name, v.name, v.id";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	return db_json_rows(st, items, 0, NULL);
}

enum store_status report_photos(struct db *db, const char *scope, const char *scope_end, const char *since, int limit,
                                json_t *items)
{
	static const char sql[] =
	        "SELECT json_object('photo_id', ph.id, 'uploaded_at', ph.uploaded_at, 'owner_id', ph.owner_id, "
	        "'org_id',"
	        " o.id, 'org_name', o.name, 'linked', l.linked, 'linked_id', l.linked_id) FROM photos ph JOIN "
	        "photo_links"
	        " l ON l.id = ph.id JOIN orgs o ON o.id = l.org_id WHERE ph.uploaded_at >= :since AND o.path >= :scope"
	        " AND o.path < :scope_end ORDER BY ph.uploaded_at DESC, ph.id LIMIT :limit";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return STORE_DB;
	db_bind_text(st, ":scope", scope);
	db_bind_text(st, ":scope_end", scope_end);
	db_bind_text(st, ":since", since);
	db_bind_int64(st, ":limit", limit);
	return db_json_rows(st, items, 0, NULL);
}
