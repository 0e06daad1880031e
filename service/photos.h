/* /api/v1/photos: evidence photos, uploaded from phones and served back. */
#ifndef INSPECTD_PHOTOS_H
#define INSPECTD_PHOTOS_H

#include <jansson.h>

#include "photo_store.h"

struct req;
struct db;
struct verr;

void photos_upload(struct req *req);
void photos_get(struct req *req);
void photos_content(struct req *req);
void photos_thumbnail(struct req *req);

/*
 * A photo on its way in, shared by the two ways bytes arrive (POST /photos
 * and a finished resumable upload): the fields, then the admission checks,
 * then — bytes stored under p.sha256, p.size and p.mime set — the row.
 */
struct photo_new {
	struct photo_row p;
	const char *id; /* the client's id, or NULL (pointers into the fields object) */
	const char *inspection_id, *finding_id, *task_id, *progress_id;
	int retry; /* id is an existing photo of this uploader's, with the same link */
	struct photo_row existing;
};

/* The text fields (id, inspection_id, finding_id, task_id, progress_id,
 * taken_at, lat, lng, caption: all strings) into n; errors to v. */
void photo_fields_read(struct verr *v, const json_t *fields, struct photo_new *n);

/* Before the bytes are stored: an id of someone else's photo (409), the
 * linked object's scope and state (404/403/409) and its photo cap (409).
 * 0, or -1 when it replied. */
int photo_admit_or_reply(struct req *req, struct db *db, struct photo_new *n);

/* More to commit in the photo's own transaction (the upload it came from). */
typedef enum store_status (*photo_also_fn)(struct db *db, const struct photo_row *p, void *arg);

/*
 * After the bytes are stored (existed: they were already, for another
 * photo): reads the image's size and EXIF and commits the row — with also
 * (may be NULL) in the same transaction — or settles a retry. Returns 201
 * (created) or 200 (the same photo again) with n->p the stored row, or -1
 * when it replied an error (the bytes are removed again unless existed or a
 * photo refers to them).
 */
int photo_store_or_reply(struct req *req, struct db *db, struct photo_new *n, int existed, photo_also_fn also,
                         void *arg);

#endif
