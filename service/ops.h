/* Operational endpoints: liveness, readiness, the contract, metrics. */
#ifndef INSPECTD_OPS_H
#define INSPECTD_OPS_H

struct req;

void ops_healthz(struct req *req);
void ops_readyz(struct req *req);
void ops_openapi(struct req *req);
void ops_metrics(struct req *req);

/* The embedded api-spec/openapi.yaml (generated at build time). */
extern const unsigned char openapi_yaml[];     /* api-spec/openapi.yaml (openapi_yaml.S) */
extern const unsigned char openapi_yaml_end[]; /* just past it (a NUL follows) */

#endif
