#include "body.h"

#include <string.h>
#include <strings.h>

enum body_result body_read(struct buf *out, long long declared, long long cap, body_read_fn read, void *ctx)
{
	if (declared > cap)
		return BODY_TOO_LARGE;
	if (declared > 0)
		buf_grow(out, (size_t)declared);
	size_t start = out->len;
	for (;;) {
		char chunk[16384];
		int n = read(ctx, chunk, sizeof chunk);
		if (n == 0) /* a body shorter than declared was cut off */
			return declared >= 0 && (long long)(out->len - start) != declared ? BODY_READ_ERROR : BODY_OK;
		if (n < 0)
			return BODY_READ_ERROR;
		if ((long long)(out->len - start) + n > cap)
			return BODY_TOO_LARGE;
		buf_add(out, chunk, (size_t)n);
	}
}

size_t body_json_depth(const char *text, size_t len)
{
	size_t depth = 0, max = 0;
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++; /* skip the escaped character */
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

int body_is_json_content_type(const char *ct)
{
	static const char base[] = "application/json";
	if (!ct || strncasecmp(ct, base, sizeof base - 1) != 0)
		return 0;
	const char *p = ct + sizeof base - 1;
	p += strspn(p, " \t");
	if (!*p)
		return 1;
	if (*p != ';')
		return 0;
	p++;
	p += strspn(p, " \t");
	if (strncasecmp(p, "charset=", 8) != 0)
		return 0;
	p += 8;
	int quoted = *p == '"';
	p += quoted;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return 0;
	p += 5;
	if (quoted && *p++ != '"')
		return 0;
	p += strspn(p, " \t");
	return *p == '\0';
}
