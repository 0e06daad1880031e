/* Photo metadata rows (the bytes are in the blob store, by sha256). */
#ifndef INSPECTD_PHOTO_STORE_H
#define INSPECTD_PHOTO_STORE_H

#include <jansson.h>

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
	/* what the bytes themselves said, kept apart from the phone's fields */
	int exif_present;
	char exif_taken_at[24]; /* "" when none */
	int has_exif_location;
	double exif_lat, exif_lng;
	int has_dhash;
	unsigned long long dhash;
};

/* Where a photo belongs and the window its time is judged against. */
struct photo_context {
	char org_id[37];
	int has_org_location;
	double org_lat, org_lng;
	int org_radius_m;
	char linked[12]; /* "inspection", "finding", "task", "progress" or "" */
	char linked_id[37];
	char parent[37];                      /* the visit or task it is part of */
	char started_at[24], finished_at[24]; /* the visit's, "" when unknown */
	char task_created_at[24];             /* the task's, "" when not a task's */
};

enum store_status photo_get(struct db *db, const char *id, struct photo_row *out);
enum store_status photo_context_get(struct db *db, const char *id, struct photo_context *out);
/* Other photos with the same bytes: [{photo_id, org_id, linked, linked_id}] (at most 20). */
enum store_status photo_dupes_exact(struct db *db, const struct photo_row *p, json_t *out);
/* Attached photos with p's bytes outside the visit or task `parent` ("" or
 * NULL: any other attached photo) — the copies that raise an alert. -1 on error. */
long long photo_exact_elsewhere(struct db *db, const struct photo_row *p, const char *parent);
/* Other photos whose dHash is within max_distance of p's and that belong to
 * another organization or another visit / task: [{..., distance}] (at most 20). */
enum store_status photo_dupes_near(struct db *db, const struct photo_row *p, const struct photo_context *c,
                                   int max_distance, json_t *out);
/* Ids of the uploaded photos evidencing inspection_id (its own, its
 * findings', and those its answers — the stored answers JSON text — cite)
 * or task_id (its own, its reports', and those its reports cite that their
 * author uploaded), once each, in no particular order (they are counted). */
enum store_status photo_ids_of_inspection(struct db *db, const char *inspection_id, const char *answers, json_t *out);
enum store_status photo_ids_of_task(struct db *db, const char *task_id, json_t *out);
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
/* The same for the photo_ids of every answer in answers (a visit's stored
 * answers JSON text). */
char *photo_missing_cited(struct db *db, const char *answers);

#endif
