/*
 * Rectifying weak village party organizations (整顿软弱涣散): cases with the
 * "four ones" (rectifications.c), tasks, progress reports and the cadre's
 * inbox (tasks.c). What the two share.
 */
#ifndef INSPECTD_RECTIFY_H
#define INSPECTD_RECTIFY_H

#include <jansson.h>

#include "api.h"
#include "policy.h"
#include "rect_store.h"

struct req;
struct db;
struct verr;

/* The caller's scope for the rect stores, with today's local date. */
struct rscope {
	struct rect_scope sc;
	char end[ORG_PATH_MAX];
	char today[11];
};
void rscope_of(const struct principal *p, struct rscope *r);

/* The actions a case allows now (a new array). */
json_t *case_actions(const struct rect_row *r);

/* Supervisors (in their town) and admin run cases; everyone else reads. */
int rect_manager(const struct req *req);

/* 409 invalid_transition: "<what> 的状态为 <status>，不能<action>", with the
 * actions allowed now (allowed is stolen). */
void reply_transition(struct req *req, const char *what, const char *status, const char *action, json_t *allowed);

/* An action's body: {} or empty, or an object with only `allowed` keys.
 * Returns the body (borrowed; an empty object when there was none) or NULL
 * when it replied. */
json_t *action_body_or_reply(struct req *req, const char *const *allowed);

/* ?limit= and ?cursor= of a keyset list (no updated_since): errors to v,
 * or answered (0, or -1 when it replied). */
void list_page(struct req *req, struct verr *v, struct page_query *q);
int list_page_or_reply(struct req *req, struct page_query *q);
/* Answers {items, next_cursor} (items stolen) after a list query that returned s;
 * key_field names the items' member the list is ordered by (then id). */
void reply_page(struct req *req, enum store_status s, const struct page_query *q, json_t *items, const char *key_field);

/* 412 with the case as it is now. */
void reply_case_stale(struct req *req, struct db *db, const char *id);

/* A "YYYY-MM-DD" that is a real calendar day. */
int valid_date(const char *s);

/* Checks that user_id is an active cadre of org_id (422 on field otherwise). */
void check_assignee(struct db *db, struct verr *v, const char *field, const char *user_id, const char *org_id);

/* Reads title/detail/assignee_id/due_date/requires_photo of a task body. */
void read_task_fields(struct verr *v, const json_t *body, struct task_fields *f, int create);

/* Cuts s to at most max characters (UTF-8), into a malloc'ed string. */
char *utf8_prefix(const char *s, size_t max);

/* ---- routes ---- */
void rectifications_list(struct req *req);
void rectifications_create(struct req *req);
void rectifications_get(struct req *req);
void rectifications_update(struct req *req);
void rectifications_evaluate(struct req *req);
void rectifications_close(struct req *req);
void rectifications_reopen(struct req *req);
void interviews_list(struct req *req);
void interviews_create(struct req *req);
void findings_rectify(struct req *req);

void tasks_list(struct req *req);
void tasks_create(struct req *req);
void tasks_get(struct req *req);
void tasks_update(struct req *req);
void tasks_start(struct req *req);
void tasks_submit(struct req *req);
void tasks_verify(struct req *req);
void tasks_return(struct req *req);
void progress_list_route(struct req *req);
void progress_create(struct req *req);
void me_tasks(struct req *req);

/* For tasks.c: creates a task of case c from a validated body (in the caller's
 * transaction), with its history row. */
enum store_status task_create_in_tx(struct db *db, const char *id, const struct task_row *c,
                                    const struct task_fields *f, const char *finding_id, const uint8_t hash[32],
                                    const char *actor_id);

/* For photos.c: may the caller attach a photo to task_id / progress_id? 0, or -1 when it replied. */
int photo_task_link_or_reply(struct req *req, struct db *db, const char *task_id, const char *progress_id);
/* 1 when the caller sees the task (directly or through progress_id), 0 not, -1 error. */
int task_visible_to(struct req *req, struct db *db, const char *task_id, const char *progress_id);

#endif
