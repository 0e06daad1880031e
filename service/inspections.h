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

void findings_list(struct req *req);
void findings_create(struct req *req);
void findings_get(struct req *req);
void findings_update(struct req *req);

#endif
