/*
 * Rectification cases, tasks, progress reports, interviews and the history
 * of their state changes. Reads compose the API's JSON objects in SQL (one
 * query each, nested parts included) and are always scoped in the query: a
 * row outside [scope, scope_end) of org paths is not found. Writes take
 * plain values; callers run them inside db_begin/db_commit.
 */
#ifndef INSPECTD_RECT_STORE_H
#define INSPECTD_RECT_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"

/* Who reads, and which local day it is (for `overdue`). NULL scope: unscoped. */
struct rect_scope {
	const char *scope, *scope_end; /* org path range */
	const char *today;             /* "YYYY-MM-DD" */
};

/* ---- cases ---- */

/* What the service decides with. */
struct rect_row {
	char id[37];
	char org_id[37];
	char org_path[256];
	char status[12];
	int year;
	long long version;
	uint8_t create_hash[32];
};

struct rect_fields {
	const char *reason, *contact_leader, *town_leader, *town_leader_id, *first_secretary, *paired_unit, *plan;
};

enum store_status rect_row_get(struct db *db, const char *id, const struct rect_scope *sc, struct rect_row *out);
/* The case as JSON; detail adds tasks, interviews and history. */
enum store_status rect_json(struct db *db, const char *id, const struct rect_scope *sc, int detail, json_t **out);
/* The not-closed case of org in year. */
enum store_status rect_live(struct db *db, const char *org_id, int year, struct rect_row *out);
enum store_status rect_insert(struct db *db, const char *id, const char *org_id, int year, const char *source,
                              const char *finding_id, const struct rect_fields *f, const char *created_by,
                              const uint8_t hash[32]);
/* Writes the editable fields when version == if_match (0: any): STORE_STALE otherwise. */
enum store_status rect_update(struct db *db, const char *id, long long if_match, const struct rect_fields *f);
/* Moves status from `from` to `to` (STORE_CONFLICT when it is no longer `from`); result and
 * evaluation as given (NULL: cleared); closed: closed_at now. */
enum store_status rect_set_status(struct db *db, const char *id, const char *from, const char *to, const char *result,
                                  const char *evaluation, int closed);

struct rect_filter {
	const char *org_id, *status; /* NULL: any */
	int year;                    /* 0: any */
};
/* Newest first after (after_key = created_at, after_id); appends Case objects to items.
 * *more: a row beyond limit exists. */
enum store_status rect_list(struct db *db, const struct rect_scope *sc, const struct rect_filter *f,
                            const char *after_key, const char *after_id, int limit, json_t *items, int *more);

/* Sets an organization's status (normal, weak, rectifying), bumping its version. */
enum store_status org_set_status(struct db *db, const char *org_id, const char *status);
/* A case of org closed as passed: the org is `normal` again unless another case of it is still open. */
enum store_status org_rectified(struct db *db, const char *org_id);
/* STORE_OK when a progress report of a task visible in sc cites photo_id
 * and its author uploaded that photo (evidence the task's readers may see). */
enum store_status photo_cited_visible(struct db *db, const char *photo_id, const struct rect_scope *sc);

/* ---- history ---- */
enum store_status history_add(struct db *db, const char *entity, const char *entity_id, const char *actor_id,
                              const char *from, const char *to, const char *reason);

/* ---- tasks ---- */

struct task_row {
	char id[37];
	char rectification_id[37];
	char org_id[37];
	char assignee_id[37];
	char status[12];
	char due_date[11];
	int requires_photo;
	char finding_id[37]; /* "" when none */
	char case_status[12];
	long long version;
	uint8_t create_hash[32];
};

struct task_fields {
	const char *title, *detail, *assignee_id, *due_date;
	int requires_photo; /* -1: unchanged (update) */
};

enum store_status task_row_get(struct db *db, const char *id, const struct rect_scope *sc, struct task_row *out);
/* The task as JSON; detail adds history and progress. */
enum store_status task_json(struct db *db, const char *id, const struct rect_scope *sc, int detail, json_t **out);
/* Records a supervisor's acknowledgement of alert-level evidence on task id. */
enum store_status task_set_evidence_ack(struct db *db, const char *id, const char *by, const char *note);
enum store_status task_insert(struct db *db, const char *id, const struct task_row *c, const struct task_fields *f,
                              const char *finding_id, const uint8_t hash[32]);
enum store_status task_update(struct db *db, const char *id, long long if_match, const struct task_fields *f);
/* Moves status from `from` to `to`; return_reason kept only for `returned`;
 * submitted_at / verified_at (+ verified_by = actor) stamped on those moves
 * with now (RFC 3339 UTC, the service's clock, which decides "on time";
 * NULL: the database's). */
enum store_status task_set_status(struct db *db, const char *id, const char *from, const char *to,
                                  const char *return_reason, const char *actor_id, const char *now);
/* Tasks of a case (due date, id) as JSON objects appended to items: all of
 * them (limit 0), or a page after (after_key = due date, after_id). */
enum store_status task_list_case(struct db *db, const char *case_id, const char *today, const char *after_key,
                                 const char *after_id, int limit, json_t *items, int *more);
/* The ids of a case's tasks that are not verified (into ids), and how many tasks it has. */
enum store_status task_unverified(struct db *db, const char *case_id, json_t *ids, long long *total);
/* Progress reports of a task, and uploaded photos evidencing it: uploaded
 * with its task_id or a report's progress_id, or cited in a report's
 * photo_ids by the person who uploaded them. */
enum store_status task_evidence(struct db *db, const char *task_id, long long *reports, long long *photos);

struct inbox_filter {
	const char *status; /* NULL: any */
	int overdue;        /* -1 any, 0 not overdue, 1 overdue */
};
/* A page of the tasks assigned to user_id, due date then id, after
 * (after_key, after_id): appended to items as a JSON array text. */
struct inbox_page {
	int count;
	char last_due[11], last_id[37]; /* the last task's keys */
};
enum store_status task_inbox(struct db *db, const char *user_id, const char *today, const struct inbox_filter *f,
                             const char *after_key, const char *after_id, int limit, struct buf *items,
                             struct inbox_page *page);
/* {assigned, in_progress, submitted, returned, verified, overdue, total} of user_id's tasks. */
enum store_status task_inbox_counts(struct db *db, const char *user_id, const char *today, json_t **out);

/* ---- progress reports ---- */
enum store_status progress_insert(struct db *db, const char *id, const char *task_id, const char *author_id,
                                  const char *text, int percent, const char *photo_ids, const uint8_t hash[32]);
enum store_status progress_json(struct db *db, const char *id, json_t **out);
/* The create hash and task of report id. */
enum store_status progress_meta(struct db *db, const char *id, char task_id[37], uint8_t hash[32]);
/* The latest report's percent (-1 when none). */
enum store_status progress_last_percent(struct db *db, const char *task_id, int *percent);
enum store_status progress_list(struct db *db, const char *task_id, json_t *items);

/* ---- interviews ---- */
struct interview_fields {
	const char *task_id, *person, *person_role, *held_at, *reason, *outcome;
};
enum store_status interview_insert(struct db *db, const char *id, const char *case_id, const struct interview_fields *f,
                                   const char *recorded_by, const uint8_t hash[32]);
enum store_status interview_json(struct db *db, const char *id, json_t **out);
enum store_status interview_meta(struct db *db, const char *id, char case_id[37], uint8_t hash[32]);
/* Interviews of a case (held_at, id): all (limit 0), or a page after (after_key = held_at, after_id). */
enum store_status interview_list(struct db *db, const char *case_id, const char *after_key, const char *after_id,
                                 int limit, json_t *items, int *more);

/* ---- findings ---- */
enum store_status finding_set_task(struct db *db, const char *finding_id, const char *task_id);

#endif
