/* Resumable (tus) uploads in progress: one row each, the bytes in a file
 * named by the id. Every read is scoped to the owner in the query. */
#ifndef INSPECTD_UPLOAD_STORE_H
#define INSPECTD_UPLOAD_STORE_H

#include "db.h"

struct upload_row {
	char id[37];
	char owner_id[37];
	long long length, offset;
	char *metadata;    /* the Upload-Metadata header as sent, or NULL (malloc'ed) */
	char *fields;      /* the photo fields, a JSON object text (malloc'ed) */
	char photo_id[37]; /* "" until the upload has become a photo */
	char created_at[24];
	char expires_at[24];
	long long expires_epoch;
};

void upload_row_release(struct upload_row *u);

/* Inserts u (id, owner_id, length, metadata, fields, created_at, expires_*). */
enum store_status upload_insert(struct db *db, struct upload_row *u);
/* The upload id of owner (anyone else's: STORE_NOT_FOUND). */
enum store_status upload_get(struct db *db, const char *id, const char *owner_id, struct upload_row *out);
/* Moves the offset from `from` to `to` (STORE_CONFLICT when it is not at from). */
enum store_status upload_advance(struct db *db, const char *id, long long from, long long to);
/* The last bytes made photo_id: offset from `from` to the length, photo_id set
 * (STORE_CONFLICT when the offset is not at from). */
enum store_status upload_complete(struct db *db, const char *id, long long from, const char *photo_id);
/*
 * A lease on upload id for whoever writes or removes it (every instance of
 * the service shares the database): taken when it is free or its lease ran
 * out, until `until` (epoch s). owner_id NULL: whoever owns it (the sweep).
 * STORE_OK, STORE_CONFLICT (held by another request) or STORE_NOT_FOUND.
 */
enum store_status upload_lock(struct db *db, const char *id, const char *owner_id, long long now, long long until);
/* Extends a held lease; ends it with until 0. */
enum store_status upload_relock(struct db *db, const char *id, long long until);
enum store_status upload_delete(struct db *db, const char *id);
/* Unfinished, unexpired uploads of owner at time now (-1 on error). */
long long upload_count_open(struct db *db, const char *owner_id, long long now);
/* Up to max ids of uploads expired at now (and not leased), into
 * ids[max][37]. Returns the count, or -1 on error. */
int upload_expired(struct db *db, long long now, char (*ids)[37], int max);
/* 1 when an unfinished upload with this id exists (whoever owns it), 0 when
 * not (or it is finished: its bytes are in the blob store), -1 on error. */
int upload_unfinished(struct db *db, const char *id);

#endif
