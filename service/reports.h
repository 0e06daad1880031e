/* /api/v1/reports: the yearly ranking of towns, overdue tasks, villages by
 * status — JSON, CSV (Accept: text/csv or ?format=csv) or XLSX (?format=xlsx). */
#ifndef INSPECTD_REPORTS_H
#define INSPECTD_REPORTS_H

struct req;

void reports_ranking(struct req *req);
void reports_overdue(struct req *req);
void reports_orgs_status(struct req *req);
void reports_evidence(struct req *req);

#endif
