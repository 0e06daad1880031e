/*
 * Allocation that cannot fail: out of memory aborts the process (as in redis
 * and kore). Input-dependent failures never come through here; they are
 * reported to the caller.
 */
#ifndef INSPECTD_XALLOC_H
#define INSPECTD_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
