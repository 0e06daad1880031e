/*
 * Request bodies: reading with a hard cap and recognising JSON content
 * types. Pure functions over a read callback, so the limits are unit-tested
 * without a socket.
 */
#ifndef INSPECTD_BODY_H
#define INSPECTD_BODY_H

#include "base/buf.h"

enum body_result {
	BODY_OK,
	BODY_TOO_LARGE,  /* declared or actual length above the cap; reading stopped */
	BODY_READ_ERROR, /* the connection failed or the chunked encoding was bad */
};

/* Reads up to len bytes; returns the count, 0 at the end, < 0 on error. */
typedef int (*body_read_fn)(void *ctx, char *buf, size_t len);

/*
 * Appends the body to out. declared is the Content-Length (-1 when unknown,
 * as with chunked encoding). A declared length above cap fails before
 * reading anything; an undeclared one fails as soon as cap is passed, so
 * memory never exceeds cap plus one read. A body that ends before its
 * declared length is a read error.
 */
enum body_result body_read(struct buf *out, long long declared, long long cap, body_read_fn read, void *ctx);

/* The deepest nesting of [ and { in JSON text (outside strings). Jansson
 * parses and dumps recursively, and a worker thread's stack is small: bodies
 * nested deeper than BODY_JSON_MAX_DEPTH are refused before parsing. */
enum { BODY_JSON_MAX_DEPTH = 32 };
size_t body_json_depth(const char *text, size_t len);

/* 1 for "application/json", optionally with "; charset=utf-8" (any case,
 * optionally quoted) and nothing else. */
int body_is_json_content_type(const char *content_type);

#endif
