/* What the organization department's reports read: towns with their
 * figures for a year, overdue tasks, villages by status. Scoped in SQL. */
#ifndef INSPECTD_REPORT_STORE_H
#define INSPECTD_REPORT_STORE_H

#include <jansson.h>

#include "db.h"

/* Each town in [scope, scope_end): {org_id, org_name, inspection_score (mean
 * of approved visits' score.total in year, or null), inspections, tasks,
 * tasks_verified_on_time, overdue_tasks}, appended to items. */
enum store_status report_towns(struct db *db, const char *scope, const char *scope_end, int year, const char *today,
                               json_t *items);

/* Overdue tasks of villages in scope, most overdue first. */
enum store_status report_overdue(struct db *db, const char *scope, const char *scope_end, const char *today,
                                 json_t *items);

/* Photos uploaded since `since` whose organization is in scope, newest
 * first, at most limit: {photo_id, uploaded_at, owner_id, org_id, org_name,
 * linked, linked_id}. */
enum store_status report_photos(struct db *db, const char *scope, const char *scope_end, const char *since, int limit,
                                json_t *items);

/* Villages in scope, by town name then name. */
enum store_status report_villages(struct db *db, const char *scope, const char *scope_end, json_t *items);

#endif
