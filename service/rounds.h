/* /api/v1/rounds (月观摩) and /api/v1/me/assignments. */
#ifndef INSPECTD_ROUNDS_H
#define INSPECTD_ROUNDS_H

#include <jansson.h>

#include "obs_store.h"
#include "policy.h"

struct req;

void rounds_list(struct req *req);
void rounds_create(struct req *req);
void rounds_get(struct req *req);
void rounds_update(struct req *req);
void me_assignments(struct req *req);

/* The round scope of a principal (see policy_round_mode). */
void round_scope_of(const struct principal *p, struct round_scope *rs, char *end, size_t endlen);

/* SHA-256 of the canonical form of a JSON value (sorted keys, compact): the
 * identity of a create request for idempotent retries. */
void request_hash(const json_t *body, uint8_t out[32]);

#endif
