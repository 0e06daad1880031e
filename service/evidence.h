/* Evidence signals on photos, and their summary on a visit or task. */
#ifndef INSPECTD_EVIDENCE_H
#define INSPECTD_EVIDENCE_H

#include <jansson.h>

#include "photo_store.h"

struct req;
struct db;

/* The photo's `checks` object (a new reference). */
json_t *photo_checks(struct req *req, struct db *db, const struct photo_row *p);
/* {level, photos, flagged, counts} over the photos with these ids (a JSON array). */
json_t *evidence_summary(struct req *req, struct db *db, const json_t *photo_ids);
/*
 * Approving or verifying: when summary's level is "alert" the body must
 * carry acknowledge_evidence: true and an evidence_note — 409
 * evidence_unacknowledged otherwise (422 for malformed ones). 0 with *note
 * set when there is something to record (borrowed from body), or -1 when it
 * replied.
 */
int evidence_ack_or_reply(struct req *req, const json_t *body, json_t *summary, const char **note);

#endif
