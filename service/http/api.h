/*
 * Helpers every resource handler uses: collecting validation errors (all of
 * them, answered once as 422), reading fields, path and query parameters,
 * versions (ETag / If-Match), keyset cursors, and mapping store outcomes to
 * HTTP. Functions named *_or_reply answer the error themselves; the handler
 * then just returns.
 */
#ifndef INSPECTD_API_H
#define INSPECTD_API_H

#include <jansson.h>
#include <stddef.h>

#include "db.h"
#include "obs_store.h"
#include "policy.h"
#include "req.h"

/* Validation errors: [{field, message}], reported together. */
struct verr {
	json_t *errors;
};

void verr_init(struct verr *v);
void verr_release(struct verr *v);
void verr_add(struct verr *v, const char *field, const char *message);
int verr_any(const struct verr *v);
/* 422 validation_failed with every error; returns 1 when it replied. */
int verr_reply(struct req *req, struct verr *v);

/* Adds "unknown field" for every key of obj not in allowed (NULL-terminated). */
void verr_unknown_fields(struct verr *v, const json_t *obj, const char *const *allowed);

enum field_flags {
	FIELD_REQUIRED = 1,
	FIELD_NULLABLE = 2,
	FIELD_MULTILINE = 4, /* allow line breaks and tabs (notes, descriptions, reasons) */
};

/*
 * A string member of obj (obj may be NULL: every field absent). Returns the
 * value, or NULL when absent / null / invalid (errors added for required,
 * wrong type, length outside min..max characters, or characters outside
 * charset when charset is not NULL — a set of allowed ASCII characters
 * given as a predicate name, see below). *present tells whether the key was
 * there at all (may be NULL).
 */
const char *field_string(struct verr *v, const json_t *obj, const char *name, unsigned flags, size_t min_chars,
                         size_t max_chars, int *present);

/* Like field_string, but the value must be one of values (NULL-terminated). */
const char *field_enum(struct verr *v, const json_t *obj, const char *name, unsigned flags, const char *const *values,
                       int *present);

/* A UUID member (lowercase or uppercase hex accepted, returned as given). */
const char *field_uuid(struct verr *v, const json_t *obj, const char *name, unsigned flags, int *present);

/* A boolean member: returns 0/1, or -1 when absent or invalid (error added). */
int field_bool(struct verr *v, const json_t *obj, const char *name, unsigned flags);

/* 1 when s is valid UTF-8 of min..max characters without control characters
 * (what field_string accepts), for values that do not come from JSON. */
int text_is_valid(const char *s, size_t min_chars, size_t max_chars);

/* 1 when s is [A-Za-z0-9._-]+ */
int is_code_chars(const char *s);
int uuid_is_valid(const char *s, size_t len);

/* Lower-cases the hex digits of a UUID in place (ids are stored lower-case). */
void uuid_lower(char *s);

/* 503 with Retry-After when password hashing has no free slot. */
void reply_busy(struct req *req);

/* The {name} path parameter as a UUID; answers 404 when it is not one. */
int path_uuid_or_reply(struct req *req, const char *name, char out[37]);

/*
 * Query parameter name (URL-decoded) into out. Returns its length, -1 when
 * absent, -2 when too long for out or not valid UTF-8.
 */
int query_param(struct req *req, const char *name, char *out, size_t outlen);

/* ?limit= (default 50, 1..200) and ?cursor= (base64url text) into the
 * caller's buffers; errors go to v. */
int query_limit(struct req *req, struct verr *v);
void query_cursor(struct req *req, struct verr *v, char *after, size_t afterlen);
/* Encodes a keyset position as an opaque cursor (malloc'ed). */
char *cursor_encode(const char *key);

/* If-Match: 0 when absent, the version when "<n>", -1 after answering 400. */
long long if_match_or_reply(struct req *req);
void set_etag(struct req *req, long long version);

/* Maps a failed store status to its HTTP answer. */
void reply_store_error(struct req *req, enum store_status s);

/* 404 for POLICY_HIDDEN, 403 for POLICY_FORBIDDEN; returns 1 when it replied. */
int policy_reply(struct req *req, enum decision d);

/*
 * Policy for creating an object under the organization target_org_id (may
 * be NULL or not a UUID): allowed roles pass; otherwise 404 when the target
 * lies outside the caller's scope (or does not exist), else 403. Returns 1
 * when it replied.
 */
int create_policy_reply(struct req *req, enum action action, const char *target_org_id);

/* The principal's scope and its end, for store calls. */
struct scope {
	const char *prefix;
	char end[ORG_PATH_MAX];
};
void scope_of(const struct principal *p, struct scope *s);

/*
 * Lists: ?limit=, ?cursor= and ?updated_since= into a page (obs_store.h).
 * Keyset cursors encode "<key>\x1f<id>"; sync-mode cursors and sync tokens
 * encode a change sequence. updated_since takes a sync token or an RFC 3339
 * timestamp (then inclusive). Buffers hold the decoded parts. Errors to v.
 */
struct page_query {
	struct page page;
	char key[600];
	char id[64];
	char since[24];
};
void query_page(struct req *req, struct verr *v, struct page_query *q);

/* Builds {items, next_cursor[, sync_token]} for a list that returned count
 * items; last_key/last_id/last_seq describe the last item, snapshot_seq the
 * change sequence seen by the query. Takes ownership of items. */
json_t *page_envelope(const struct page_query *q, json_t *items, int count, const char *last_key, const char *last_id,
                      long long last_seq, long long snapshot_seq);
/* The same for a page written with a JSON writer: after `{"items":[...]`,
 * writes the cursor members (the caller closes the object). */
struct jw;
void page_envelope_write(struct jw *w, const struct page_query *q, int count, const char *last_key,
                         const char *last_id, long long last_seq, long long snapshot_seq);

/* Parses an RFC 3339 timestamp into UTC "YYYY-MM-DDTHH:MM:SSZ" (out >= 21
 * bytes). Returns 0 when valid. */
int timestamp_normalize(const char *in, char *out, size_t outlen, long long *epoch);

/* The request's JSON body as an object; 422 (and NULL) when it is missing. */
json_t *body_object_or_reply(struct req *req);

#endif
