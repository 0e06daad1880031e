/*
 * RFC 9457 problem details: the one error shape of the API.
 *
 *   {"type":"urn:inspectd:problem:not_found","title":"资源不存在","status":404,
 *    "detail":"…","code":"not_found","request_id":"…","errors":[…]}
 *
 * `code` is the stable machine code clients branch on; `title` is its short
 * Chinese label (what a person reads); `detail` describes this occurrence.
 */
#ifndef INSPECTD_PROBLEM_H
#define INSPECTD_PROBLEM_H

#include <jansson.h>

#include "base/buf.h"

/* The Chinese title of a known code, or a generic one. Never NULL. */
const char *problem_title(const char *code);

/* The code the HTTP layer uses for a bare status (civetweb's own errors). */
const char *problem_code_for_status(int status);

/*
 * Renders a problem document into out. detail may be NULL (omitted);
 * request_id NULL renders as "".
 * extra (may be NULL; borrowed, not modified) holds additional members such
 * as "errors" or "checks"; members that would overwrite the standard ones
 * are ignored.
 */
void problem_render(struct buf *out, int status, const char *code, const char *detail, const char *request_id,
                    const json_t *extra);

#endif
