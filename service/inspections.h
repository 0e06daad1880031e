/* /api/v1/inspections and findings: the inspector's visit and its workflow. */
#ifndef INSPECTD_INSPECTIONS_H
#define INSPECTD_INSPECTIONS_H

struct req;

void inspections_list(struct req *req);
void inspections_create(struct req *req);
void inspections_get(struct req *req);
void inspections_update(struct req *req);
void inspections_delete(struct req *req);
void inspections_submit(struct req *req);
void inspections_approve(struct req *req);
void inspections_return(struct req *req);

/* For seed-demo and tests of the workflow without HTTP. */
#include "checklist.h"
#include "obs_store.h"
/* The template of an inspection as a checklist (release with checklist_release). */
enum store_status inspection_checklist(struct db *db, const char *template_id, struct checklist *cl);
/* Inside the caller's transaction: recomputes r's score from its answers and
 * writes it (insert or update) with its automatic findings. */
enum store_status inspection_save(struct db *db, const struct checklist *cl, struct inspection_row *r, int insert);

/* 1 when the caller sees the inspection, 0 when not, -1 on a database error. */
struct db;
int inspection_visible_to(struct req *req, struct db *db, const char *inspection_id);

/*
 * May the caller attach photos to this inspection or finding (one of them
 * NULL)? The inspection's own inspector while it is editable; for findings,
 * its writers. Answers 404/403/409 itself and returns -1; 0 when allowed.
 */
int photo_link_or_reply(struct req *req, struct db *db, const char *inspection_id, const char *finding_id);

void findings_list(struct req *req);
void findings_create(struct req *req);
void findings_get(struct req *req);
void findings_update(struct req *req);

#endif
