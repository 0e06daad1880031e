/* /api/v1/orgs: the organization tree. */
#ifndef INSPECTD_ORGS_H
#define INSPECTD_ORGS_H

struct req;

void orgs_list(struct req *req);
void orgs_create(struct req *req);
void orgs_get(struct req *req);
void orgs_update(struct req *req);
void orgs_children(struct req *req);

/* Valid values, NULL-terminated (shared with the CSV import). */
extern const char *const org_levels[];
extern const char *const org_categories[];
extern const char *const org_statuses[];

#endif
