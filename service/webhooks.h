/* GET /api/v1/audit, /api/v1/webhooks (admin), and the webhook delivery worker. */
#ifndef INSPECTD_WEBHOOKS_H
#define INSPECTD_WEBHOOKS_H

#include <stddef.h>

struct req;
struct server;

void audit_list_route(struct req *req);

void webhooks_list(struct req *req);
void webhooks_create(struct req *req);
void webhooks_get(struct req *req);
void webhooks_update(struct req *req);
void webhooks_delete(struct req *req);
void webhooks_deliveries(struct req *req);

/* Starts the worker that delivers due events (and marks newly overdue
 * tasks) every webhook-poll-ms. 0, or -1 with err. */
int webhooks_start(struct server *srv, char *err, size_t errlen);
void webhooks_stop(struct server *srv);

#endif
