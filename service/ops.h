/* Operational endpoints: liveness, readiness, the contract and its reference page, metrics. */
#ifndef INSPECTD_OPS_H
#define INSPECTD_OPS_H

struct req;

void ops_healthz(struct req *req);
void ops_readyz(struct req *req);
void ops_openapi(struct req *req);
void ops_docs(struct req *req);
void ops_metrics(struct req *req);

/* The embedded api-spec/openapi.yaml (generated at build time). */
extern const unsigned char openapi_yaml[];     /* api-spec/openapi.yaml (openapi_yaml.S) */
extern const unsigned char openapi_yaml_end[]; /* just past it (a NUL follows) */
/* The /docs page: api-spec/docs/page-head.html, Redoc's bundle, page-tail.html (docs_html.S). */
extern const unsigned char docs_html[];
extern const unsigned char docs_html_end[];

#endif
