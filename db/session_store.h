/*
 * Login sessions (refresh-token families), refresh tokens (stored as SHA-256
 * only) and failed-login records for throttling. Times are unix seconds.
 */
#ifndef INSPECTD_SESSION_STORE_H
#define INSPECTD_SESSION_STORE_H

#include <stdint.h>

#include "db.h"

struct refresh_row {
	char session_id[37];
	char user_id[37];
	long long issued_at, expires_at;
	long long spent_at;         /* 0 when not spent */
	uint8_t successor_hash[32]; /* valid when spent */
	int has_successor;
	long long session_revoked_at; /* 0 when the session is live */
};

enum store_status session_create(struct db *db, const char *id, const char *user_id, long long now);
enum store_status session_revoke(struct db *db, const char *id, const char *reason, long long now);
/* Revokes every live session of user_id except keep_id (may be NULL). */
enum store_status session_revoke_user(struct db *db, const char *user_id, const char *keep_id, const char *reason,
                                      long long now);

enum store_status refresh_insert(struct db *db, const uint8_t hash[32], const char *session_id, long long now,
                                 long long expires_at);
enum store_status refresh_lookup(struct db *db, const uint8_t hash[32], struct refresh_row *out);
/* Marks hash spent at now, rotated into successor. */
enum store_status refresh_spend(struct db *db, const uint8_t hash[32], const uint8_t successor[32], long long now);

/* Failures of key since `since`: count and the oldest time (0 when none). */
enum store_status login_failures_count(struct db *db, const char *key, long long since, long long *count,
                                       long long *oldest);
/* Records a failure; *rowid (may be NULL) identifies it for login_failure_delete. */
enum store_status login_failure_add(struct db *db, const char *key, long long now, long long *rowid);
enum store_status login_failure_delete(struct db *db, long long rowid);
enum store_status login_failures_clear(struct db *db, const char *key);
/* Deletes records older than before (housekeeping). */
enum store_status login_failures_prune(struct db *db, long long before);

#endif
