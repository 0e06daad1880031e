/*
 * A growable byte buffer, always NUL-terminated. Responses are built in one
 * of these and written with a single mg_write (see ARCHITECTURE.md: civetweb
 * and Nagle).
 *
 * Lifecycle: struct buf b = BUF_INIT; ... buf_release(&b);  buf_release frees
 * the storage and leaves an empty, reusable buffer. buf_detach hands the
 * storage to the caller, who frees it with free().
 */
#ifndef INSPECTD_BUF_H
#define INSPECTD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated when cap > 0; NULL when empty and unallocated */
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                                       \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s (len bytes) as a JSON string literal, quotes included. */
void buf_add_json_string(struct buf *b, const char *s, size_t len);
void buf_reset(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
/* The contents as a C string; "" for an empty, unallocated buffer. */
const char *buf_cstr(const struct buf *b);

#endif
