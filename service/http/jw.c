#include "jw.h"

#include <assert.h>
#include <string.h>

#include "req.h"

void jw_init(struct jw *w, struct buf *b)
{
	w->b = b;
	w->depth = 0;
	w->has_member = 0;
	w->failed = 0;
}

/* The separator and key before a value. */
static void member(struct jw *w, const char *key)
{
	uint64_t bit = (uint64_t)1 << w->depth;
	if (w->has_member & bit)
		buf_addc(w->b, ',');
	w->has_member |= bit;
	if (key) { /* keys are the service's own literals: nothing to escape */
		buf_addc(w->b, '"');
		buf_adds(w->b, key);
		buf_add(w->b, "\":", 2);
	}
}

void jw_open(struct jw *w, const char *key, char brace)
{
	assert(w->depth < JW_MAX_DEPTH);
	member(w, key);
	buf_addc(w->b, brace);
	w->depth++;
	w->has_member &= ~((uint64_t)1 << w->depth);
}

void jw_close(struct jw *w, char brace)
{
	assert(w->depth > 0);
	w->depth--;
	buf_addc(w->b, brace);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	member(w, key);
	buf_add_json_string(w->b, s, strlen(s));
}

void jw_text(struct jw *w, const char *key, const char *s)
{
	if (s && *s)
		jw_str(w, key, s);
	else
		jw_null(w, key);
}

void jw_int(struct jw *w, const char *key, long long v)
{
	member(w, key);
	char digits[24], *p = digits + sizeof digits;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	buf_add(w->b, p, (size_t)(digits + sizeof digits - p));
}

void jw_bool(struct jw *w, const char *key, int v)
{
	member(w, key);
	buf_adds(w->b, v ? "true" : "false");
}

void jw_null(struct jw *w, const char *key)
{
	member(w, key);
	buf_adds(w->b, "null");
}

void jw_raw(struct jw *w, const char *key, const char *json, const char *fallback)
{
	member(w, key);
	buf_adds(w->b, json && *json ? json : fallback);
}

static int dump_to_buf(const char *data, size_t len, void *ud)
{
	buf_add(ud, data, len);
	return 0;
}

int buf_add_json(struct buf *b, const json_t *v)
{
	/* one pass into the buffer (json_dumpb would serialise twice: once for
	 * the size, once for the bytes) */
	return json_dump_callback(v, dump_to_buf, b, JSON_OUT | JSON_ENCODE_ANY);
}

void jw_value(struct jw *w, const char *key, const json_t *v)
{
	member(w, key);
	if (!v) {
		w->failed = 1;
		buf_adds(w->b, "null");
	} else if (buf_add_json(w->b, v) != 0) {
		w->failed = 1;
	}
}
