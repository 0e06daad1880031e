/* The audit trail (written by triggers, migration 0007) and webhook
 * subscriptions, events and deliveries. Reads compose JSON in SQL. */
#ifndef INSPECTD_AUDIT_STORE_H
#define INSPECTD_AUDIT_STORE_H

#include <jansson.h>

#include "db.h"

struct audit_filter {
	const char *entity, *entity_id, *actor_id, *since; /* NULL: any */
};
/* Rows with id > after_id in id order, at most limit, appended to items. */
enum store_status audit_list(struct db *db, const struct audit_filter *f, long long after_id, int limit, json_t *items);

/* ---- webhooks ---- */
struct webhook_fields {
	const char *url, *events, *secret, *description; /* events: a JSON array text; NULL: unchanged */
	int active;                                      /* -1: unchanged */
	int set_description;                             /* update: description given (NULL clears) */
};
enum store_status webhook_insert(struct db *db, const char *id, const struct webhook_fields *f);
enum store_status webhook_json(struct db *db, const char *id, json_t **out);
enum store_status webhook_version(struct db *db, const char *id, long long *version);
enum store_status webhook_update(struct db *db, const char *id, long long if_match, const struct webhook_fields *f);
enum store_status webhook_delete(struct db *db, const char *id);
enum store_status webhook_list(struct db *db, const char *after_key, const char *after_id, int limit, json_t *items);
/* Deliveries of a webhook, newest first (after_id: the last seen id, 0 first page). */
enum store_status webhook_deliveries(struct db *db, const char *webhook_id, long long after_id, int limit,
                                     json_t *items);

/* One delivery due for an attempt. */
struct delivery {
	long long id;
	char uid[37];
	char url[2048];
	char secret[801]; /* up to 200 characters of UTF-8 */
	char event_type[40];
	char *body; /* the JSON POSTed (malloc'ed) */
	long long created_epoch;
	int attempts;
};
void delivery_release(struct delivery *d);
/* Up to max deliveries due at now_ms (epoch milliseconds) into out; the count, or -1. */
int delivery_due(struct db *db, long long now_ms, struct delivery *out, int max);
/* Records an attempt made at attempt_ms: delivered, or pending until next_ms,
 * or failed (next_ms 0). */
enum store_status delivery_record(struct db *db, long long id, long long attempt_ms, int delivered, long long next_ms,
                                  int status_code, const char *error);
/* 1 when delivery id is still pending for an active webhook, with the same
 * URL and secret as when it was picked (a paused, deleted or changed webhook
 * is not posted with stale settings). */
int delivery_still_due(struct db *db, long long id);
/* The earliest next attempt of a pending delivery, epoch ms (0 when none). */
long long delivery_next_due(struct db *db);
/* Marks tasks overdue at today (local date) as notified; their overdue events
 * fire from the trigger. Returns how many, or -1. */
int tasks_mark_overdue(struct db *db, const char *today);

#endif
