#include "api.h"

#include <civetweb.h>
#include <ctype.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto.h"
#include "jw.h"
#include "org_store.h"

void verr_init(struct verr *v)
{
	v->errors = json_array();
}

void verr_release(struct verr *v)
{
	json_decref(v->errors);
	v->errors = NULL;
}

/* Copies s into out (size outlen), cut back to a whole UTF-8 character. */
static void utf8_copy(char *out, size_t outlen, const char *s)
{
	size_t n = strlen(s);
	if (n >= outlen) {
		n = outlen - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

void verr_add(struct verr *v, const char *field, const char *message)
{
	/* Field paths are built from client keys: never let one that is cut or
	 * not UTF-8 make the error disappear. */
	char f[160];
	utf8_copy(f, sizeof f, field);
	json_t *e = json_pack("{s:s, s:s}", "field", f, "message", message);
	for (size_t n = strlen(f), k = 0; !e && n > 0 && k < 3; k++) { /* a character cut by snprintf */
		f[--n] = '\0';
		e = json_pack("{s:s, s:s}", "field", f, "message", message);
	}
	if (!e)
		e = json_pack("{s:s, s:s}", "field", "(invalid field name)", "message", message);
	json_array_append_new(v->errors, e);
}

int verr_any(const struct verr *v)
{
	return json_array_size(v->errors) > 0;
}

int verr_reply(struct req *req, struct verr *v)
{
	if (!verr_any(v))
		return 0;
	json_t *extra = json_pack("{s:O}", "errors", v->errors);
	reply_problem(req, 422, "validation_failed", extra, "%zu 个字段未通过校验", json_array_size(v->errors));
	json_decref(extra);
	return 1;
}

void verr_unknown_fields(struct verr *v, const json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value)
	{
		int known = 0;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, key) == 0;
		if (!known)
			verr_add(v, key, "unknown field");
	}
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

const char *field_string(struct verr *v, const json_t *obj, const char *name, unsigned flags, size_t min_chars,
                         size_t max_chars, int *present)
{
	json_t *value = obj ? json_object_get(obj, name) : NULL;
	if (present)
		*present = value != NULL;
	if (!value || json_is_null(value)) {
		if (flags & FIELD_REQUIRED)
			verr_add(v, name, "必填");
		else if (value && !(flags & FIELD_NULLABLE))
			verr_add(v, name, "不能为 null");
		return NULL;
	}
	if (!json_is_string(value)) {
		verr_add(v, name, "须为字符串");
		return NULL;
	}
	const char *s = json_string_value(value);
	size_t n = utf8_chars(s);
	if (n < min_chars || n > max_chars) {
		char msg[96];
		if (min_chars == max_chars)
			snprintf(msg, sizeof msg, "长度须为 %zu 个字符", min_chars);
		else
			snprintf(msg, sizeof msg, "长度须在 %zu 到 %zu 个字符之间", min_chars, max_chars);
		verr_add(v, name, msg);
		return NULL;
	}
	for (const char *p = s; *p; p++) {
		if ((flags & FIELD_MULTILINE) && (*p == '\n' || *p == '\r' || *p == '\t'))
			continue;
		if ((unsigned char)*p < 0x20) {
			verr_add(v, name, "不能包含控制字符");
			return NULL;
		}
	}
	return s;
}

const char *field_enum(struct verr *v, const json_t *obj, const char *name, unsigned flags, const char *const *values,
                       int *present)
{
	const char *s = field_string(v, obj, name, flags, 1, 32, present);
	if (!s)
		return NULL;
	for (const char *const *e = values; *e; e++)
		if (strcmp(*e, s) == 0)
			return *e;
	char msg[256] = "须为以下之一：";
	for (const char *const *e = values; *e; e++) {
		strncat(msg, *e, sizeof msg - strlen(msg) - 1);
		if (e[1])
			strncat(msg, ", ", sizeof msg - strlen(msg) - 1);
	}
	verr_add(v, name, msg);
	return NULL;
}

int uuid_is_valid(const char *s, size_t len)
{
	if (len != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

const char *field_uuid(struct verr *v, const json_t *obj, const char *name, unsigned flags, int *present)
{
	const char *s = field_string(v, obj, name, flags, 1, 64, present);
	if (s && !uuid_is_valid(s, strlen(s))) {
		verr_add(v, name, "须为 UUID");
		return NULL;
	}
	if (s && strpbrk(s, "ABCDEF")) { /* ids are stored lower-case: normalise in the body */
		char lower[37];
		snprintf(lower, sizeof lower, "%s", s);
		uuid_lower(lower);
		json_string_set(json_object_get(obj, name), lower);
		s = json_string_value(json_object_get(obj, name));
	}
	return s;
}

int field_bool(struct verr *v, const json_t *obj, const char *name, unsigned flags)
{
	json_t *value = obj ? json_object_get(obj, name) : NULL;
	if (!value) {
		if (flags & FIELD_REQUIRED)
			verr_add(v, name, "必填");
		return -1;
	}
	if (!json_is_boolean(value)) {
		verr_add(v, name, "须为 true 或 false");
		return -1;
	}
	return json_is_true(value);
}

int text_is_valid(const char *s, size_t min_chars, size_t max_chars)
{
	json_t *j = json_string(s); /* NULL when not UTF-8 */
	struct verr v;
	verr_init(&v);
	json_t *obj = j ? json_pack("{s:o}", "v", j) : NULL;
	int ok = obj && field_string(&v, obj, "v", FIELD_REQUIRED, min_chars, max_chars, NULL) != NULL;
	json_decref(obj);
	verr_release(&v);
	return ok;
}

int is_code_chars(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

void uuid_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}

void reply_busy(struct req *req)
{
	req_header_add(req, "Retry-After", "2");
	reply_problem(req, 503, "service_unavailable", NULL, "请求繁忙，请稍后重试");
}

int path_uuid_or_reply(struct req *req, const char *name, char out[37])
{
	const char *value;
	size_t len;
	if (!route_param_get(&req->params, name, &value, &len) || !uuid_is_valid(value, len)) {
		reply_problem(req, 404, "not_found", NULL, "资源不存在");
		return -1;
	}
	memcpy(out, value, 36);
	out[36] = '\0';
	uuid_lower(out);
	return 0;
}

static int valid_utf8(const char *s)
{
	json_t *probe = json_string(s); /* Jansson validates UTF-8 */
	int ok = probe != NULL;
	json_decref(probe);
	return ok;
}

int query_param(struct req *req, const char *name, char *out, size_t outlen)
{
	const char *qs = req->ri->query_string;
	if (!qs)
		return -1;
	int n = mg_get_var(qs, strlen(qs), name, out, outlen);
	if (n == -1)
		return -1;
	if (n < 0 || !valid_utf8(out))
		return -2;
	return n;
}

int query_limit(struct req *req, struct verr *v)
{
	char value[16];
	int n = query_param(req, "limit", value, sizeof value);
	if (n == -1)
		return 50;
	char *end;
	long limit = n > 0 ? strtol(value, &end, 10) : 0;
	if (n <= 0 || *end || limit < 1 || limit > 200) {
		verr_add(v, "limit", "须为 1 到 200 之间的整数");
		return 50;
	}
	return (int)limit;
}

void query_cursor(struct req *req, struct verr *v, char *after, size_t afterlen)
{
	char text[1024];
	after[0] = '\0';
	int n = query_param(req, "cursor", text, sizeof text);
	if (n == -1)
		return;
	uint8_t raw[768];
	long got = n > 0 ? b64url_decode(text, (size_t)n, raw, sizeof raw - 1) : -1;
	if (got <= 0 || (size_t)got >= afterlen || memchr(raw, '\0', (size_t)got)) {
		verr_add(v, "cursor", "无效的分页游标");
		return;
	}
	raw[got] = '\0';
	if (!valid_utf8((const char *)raw)) {
		verr_add(v, "cursor", "无效的分页游标");
		return;
	}
	memcpy(after, raw, (size_t)got + 1);
}

char *cursor_encode(const char *key)
{
	size_t len = strlen(key);
	char *out = malloc(b64url_encoded_len(len));
	if (out)
		b64url_encode((const uint8_t *)key, len, out);
	return out;
}

long long if_match_or_reply(struct req *req)
{
	const char *h = mg_get_header(req->conn, "If-Match");
	if (!h)
		return 0;
	long long v = 0;
	size_t len = strlen(h);
	int ok = len >= 3 && len <= 20 && h[0] == '"' && h[len - 1] == '"';
	for (size_t i = 1; ok && i + 1 < len; i++) {
		if (h[i] < '0' || h[i] > '9')
			ok = 0;
		else
			v = v * 10 + (h[i] - '0');
	}
	if (!ok || v <= 0) {
		reply_problem(req, 400, "bad_request", NULL, "If-Match 须为 \"<版本号>\"，例如 \"3\"");
		return -1;
	}
	return v;
}

void set_etag(struct req *req, long long version)
{
	char etag[32];
	snprintf(etag, sizeof etag, "\"%lld\"", version);
	req_header_add(req, "ETag", etag);
}

void reply_store_error(struct req *req, enum store_status s)
{
	switch (s) {
	case STORE_OK: reply_problem(req, 500, "internal_error", NULL, NULL); break;
	case STORE_NOT_FOUND: reply_problem(req, 404, "not_found", NULL, "资源不存在"); break;
	case STORE_CONFLICT: reply_problem(req, 409, "conflict", NULL, "与现有数据冲突"); break;
	case STORE_STALE: reply_problem(req, 412, "version_conflict", NULL, "数据已被他人修改，请刷新后重试"); break;
	case STORE_INVALID: {
		json_t *extra = json_pack("{s:[{s:s, s:s}]}", "errors", "field", "(body)", "message", "数据不符合约束");
		reply_problem(req, 422, "validation_failed", extra, "数据不符合约束");
		json_decref(extra);
		break;
	}
	case STORE_DB: reply_problem(req, 500, "internal_error", NULL, NULL); break;
	}
}

int policy_reply(struct req *req, enum decision d)
{
	if (d == POLICY_HIDDEN) {
		reply_problem(req, 404, "not_found", NULL, "资源不存在");
		return 1;
	}
	if (d == POLICY_FORBIDDEN) {
		reply_problem(req, 403, "forbidden", NULL, "当前角色无权执行此操作");
		return 1;
	}
	return 0;
}

int create_policy_reply(struct req *req, enum action action, const char *target_org_id)
{
	enum decision d = policy_decide(&req->principal, action, NULL);
	if (d == POLICY_ALLOW)
		return 0;
	if (target_org_id && uuid_is_valid(target_org_id, strlen(target_org_id))) {
		struct db *db = req_db_or_reply(req);
		if (!db)
			return 1;
		struct scope sc;
		struct org o;
		scope_of(&req->principal, &sc);
		enum store_status s = org_store_get(db, target_org_id, sc.prefix, sc.end, &o);
		if (s == STORE_DB) {
			reply_store_error(req, s);
			return 1;
		}
		if (s != STORE_OK)
			d = POLICY_HIDDEN;
	}
	return policy_reply(req, d);
}

void scope_of(const struct principal *p, struct scope *s)
{
	s->prefix = policy_scope(p);
	policy_scope_end(s->prefix, s->end, sizeof s->end);
}

json_t *body_object_or_reply(struct req *req)
{
	if (req->json)
		return req->json;
	json_t *extra = json_pack("{s:[{s:s, s:s}]}", "errors", "field", "(body)", "message", "缺少 JSON 请求体");
	reply_problem(req, 422, "validation_failed", extra, "缺少 JSON 请求体");
	json_decref(extra);
	return NULL;
}

int timestamp_normalize(const char *in, char *out, size_t outlen, long long *epoch)
{
	int Y, M, D, h, m, sec, n = 0;
	if (strlen(in) > 40 || sscanf(in, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19)
		return -1;
	const char *p = in + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
			return -1;
		offset = (oh * 60L + om) * 60L * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970 || Y > 9999)
		return -1;
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
	time_t t = timegm(&tm);
	if (tm.tm_mday != D) /* e.g. 02-30 normalised into March */
		return -1;
	t -= offset;
	struct tm utc;
	gmtime_r(&t, &utc);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &utc);
	if (epoch)
		*epoch = (long long)t;
	return 0;
}

/* Decodes an opaque value "<tag>:<rest>" made by cursor_encode. */
static int opaque_decode(const char *text, char tag, char *rest, size_t restlen)
{
	uint8_t raw[600];
	long n = b64url_decode(text, strlen(text), raw, sizeof raw - 1);
	if (n < 2 || raw[0] != (uint8_t)tag || raw[1] != ':' || (size_t)(n - 2) >= restlen || memchr(raw, 0, (size_t)n))
		return -1;
	memcpy(rest, raw + 2, (size_t)n - 2);
	rest[n - 2] = '\0';
	return 0;
}

static int parse_seq(const char *s, long long *out)
{
	if (!*s)
		return -1;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v < 0)
		return -1;
	*out = v;
	return 0;
}

void query_page(struct req *req, struct verr *v, struct page_query *q)
{
	memset(q, 0, sizeof *q);
	q->page.limit = query_limit(req, v);
	char since[256], cursor[1024], rest[600];
	int n = query_param(req, "updated_since", since, sizeof since);
	if (n != -1) {
		q->page.sync = 1;
		long long seq;
		if (n > 0 && opaque_decode(since, 't', rest, sizeof rest) == 0 && parse_seq(rest, &seq) == 0)
			q->page.after_seq = seq;
		else if (n > 0 && timestamp_normalize(since, q->since, sizeof q->since, NULL) == 0)
			q->page.since_ts = q->since;
		else
			verr_add(v, "updated_since", "须为 RFC 3339 时间或上次同步返回的 sync_token");
	}
	n = query_param(req, "cursor", cursor, sizeof cursor);
	if (n == -1)
		return;
	long long seq;
	if (q->page.sync) {
		if (n <= 0 || opaque_decode(cursor, 's', rest, sizeof rest) != 0 || parse_seq(rest, &seq) != 0)
			verr_add(v, "cursor", "无效的分页游标");
		else
			q->page.after_seq = seq;
		return;
	}
	char *sep;
	if (n <= 0 || opaque_decode(cursor, 'k', rest, sizeof rest) != 0 || !(sep = strchr(rest, '\x1f')) ||
	    !valid_utf8(rest)) {
		verr_add(v, "cursor", "无效的分页游标");
		return;
	}
	*sep = '\0';
	snprintf(q->key, sizeof q->key, "%s", rest);
	snprintf(q->id, sizeof q->id, "%s", sep + 1);
	q->page.after_key = q->key;
	q->page.after_id = q->id;
}

static json_t *opaque_json(char tag, const char *rest)
{
	char raw[sizeof((struct page_query *)0)->key + 8];
	snprintf(raw, sizeof raw, "%c:%s", tag, rest);
	char *enc = cursor_encode(raw);
	json_t *j = json_string(enc);
	free(enc);
	return j;
}

/* next_cursor[, sync_token] of a page into out. */
static void page_cursors(json_t *out, const struct page_query *q, int count, const char *last_key, const char *last_id,
                         long long last_seq, long long snapshot_seq)
{
	int full = count == q->page.limit && count > 0;
	json_t *next = json_null();
	char buf[600];
	if (full && q->page.sync) {
		snprintf(buf, sizeof buf, "%lld", last_seq);
		next = opaque_json('s', buf);
	} else if (full) {
		snprintf(buf, sizeof buf, "%s\x1f%s", last_key, last_id);
		next = opaque_json('k', buf);
	}
	json_object_set_new(out, "next_cursor", next);
	if (q->page.sync) {
		/* Mid-paging the token is the last row's; on the last page, what the
		 * snapshot had seen, so nothing committed before it is skipped. */
		long long token = full ? last_seq : snapshot_seq;
		if (token < q->page.after_seq)
			token = q->page.after_seq;
		snprintf(buf, sizeof buf, "%lld", token);
		json_object_set_new(out, "sync_token", opaque_json('t', buf));
	}
}

json_t *page_envelope(const struct page_query *q, json_t *items, int count, const char *last_key, const char *last_id,
                      long long last_seq, long long snapshot_seq)
{
	json_t *out = json_pack("{s:o}", "items", items);
	if (out)
		page_cursors(out, q, count, last_key, last_id, last_seq, snapshot_seq);
	return out;
}

void page_envelope_write(struct jw *w, const struct page_query *q, int count, const char *last_key, const char *last_id,
                         long long last_seq, long long snapshot_seq)
{
	json_t *rest = json_object();
	page_cursors(rest, q, count, last_key, last_id, last_seq, snapshot_seq);
	const char *key;
	json_t *v;
	json_object_foreach(rest, key, v) jw_value(w, key, v);
	json_decref(rest);
}
