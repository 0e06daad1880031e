/* Photo metadata rows (the bytes are in the blob store, by sha256). */
#ifndef INSPECTD_PHOTO_STORE_H
#define INSPECTD_PHOTO_STORE_H

#include "db.h"

struct photo_row {
	char id[37];
	char owner_id[37];
	char inspection_id[37]; /* "" when none */
	char finding_id[37];    /* "" when none */
	char task_id[37];       /* "" when none */
	char progress_id[37];   /* "" when none */
	char sha256[65];
	long long size;
	char mime[16];
	char taken_at[24]; /* "" when none */
	int has_location;
	double lat, lng;
	char caption[801]; /* "" when none */
	char uploaded_at[24];
	long long version;
	int width, height;       /* 0 when the image header could not be read */
	char taken_at_source[8]; /* "client", "exif" or "" */
	char location_source[8];
};

enum store_status photo_get(struct db *db, const char *id, struct photo_row *out);
enum store_status photo_insert(struct db *db, struct photo_row *p);
/* Photos whose bytes have this SHA-256 (-1 on error). */
long long photo_count_sha256(struct db *db, const char *sha256);
/* Photos linked to the one object given (the others NULL). */
long long photo_count_for(struct db *db, const char *inspection_id, const char *finding_id, const char *task_id,
                          const char *progress_id);

/* Of the ids in ids_json (a JSON array of strings), those no photo has yet,
 * once each, in order of first appearance: a JSON array text (malloc'ed),
 * or NULL on a database error. */
char *photo_missing_ids(struct db *db, const char *ids_json);

#endif
