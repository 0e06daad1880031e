#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	/* Double for amortised appends; a single large request is met exactly. */
	size_t cap = b->cap ? b->cap * 2 : 256;
	if (cap < need)
		cap = need;
	int fresh = b->data == NULL;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	if (fresh)
		b->data[0] = '\0';
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	buf_grow(b, 64);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int min, cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The escape of an ASCII byte that cannot appear raw in a JSON string, into
 * out (at most 6 bytes); 0 for a byte that can. */
static size_t json_escape(unsigned char c, char out[6])
{
	static const char hex[] = "0123456789abcdef";
	switch (c) {
	case '"': memcpy(out, "\\\"", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\r': memcpy(out, "\\r", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	default:
		if (c >= 0x20 && c != 0x7f)
			return 0;
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		return 6;
	}
}

void buf_add_json_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	buf_grow(b, len + 2);
	buf_addc(b, '"');
	/* Runs of bytes that need no escape (printable ASCII, valid UTF-8) are
	 * copied at once: responses are mostly such text. */
	size_t run = 0, i = 0;
	while (i < len) {
		unsigned char c = u[i];
		char esc[6];
		size_t n;
		if (c >= 0x80) {
			size_t seq = utf8_seq_len(u + i, len - i);
			if (seq) {
				i += seq;
				continue;
			}
			memcpy(esc, "\\ufffd", 6); /* invalid byte: U+FFFD, never raw */
			n = 6;
		} else if ((n = json_escape(c, esc)) == 0) {
			i++;
			continue;
		}
		buf_add(b, u + run, i - run);
		buf_add(b, esc, n);
		run = ++i;
	}
	buf_add(b, u + run, len - run);
	buf_addc(b, '"');
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	if (!b->data)
		buf_grow(b, 0);
	char *p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}
