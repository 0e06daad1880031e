/*
 * tus 1.0 resumable uploads through the real binary (issue 5, second part,
 * section C of the contract): discovery with OPTIONS; creation with its
 * headers, metadata and refusals (tus version, lengths, size cap, metadata
 * validation, links, roles, the per-user cap); a 20 MiB upload in several
 * PATCHes that becomes a photo with the right size, sha256 and bytes; an
 * upload interrupted mid-body and resumed from the offset HEAD reports; the
 * PATCH rules (offset mismatch, media type, too long a body, sha1 checksums,
 * sniffing for an image, the lock while another PATCH runs); the
 * X-HTTP-Method-Override the mini-program needs; termination; privacy;
 * completion (Photo-Id, id retries and conflicts, links checked again); and
 * expiry with the background and start-up sweeps. Every refused upload must
 * leave nothing behind in <data>/photos/uploads.
 */
#define _GNU_SOURCE /* strptime, timegm */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "contract.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;                    /* the default template */
static char round_id[ID_LEN];          /* sup.a's round: A1, A2; insp.city and insp.two */
static const char *insp, *sup, *admin; /* insp.city, sup.a, admin */
static struct server_proc s2, s3, s4;  /* small limits; short expiry; its restart */

#define MIB      (1024u * 1024u)
#define TUS_HDR  "Tus-Resumable: 1.0.0"
#define OCTETS   "Content-Type: application/offset+octet-stream"
#define MAX_SIZE (20 * MIB) /* the default max-photo-size */

static const unsigned char jpeg_magic[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F',
                                           0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};

/* ---- bytes and digests --------------------------------------------------------------------- */

/* A JPEG-looking source of total bytes: the magic numbers, a unique tag, then fill. head must hold
 * 96 bytes and outlive the source. */
static struct byte_src jpeg_src(unsigned char head[96], size_t total, unsigned char fill)
{
	char tag[64], uuid[ID_LEN];
	memcpy(head, jpeg_magic, sizeof jpeg_magic);
	int tlen = snprintf(tag, sizeof tag, "tag-%s;", uuid_v4(uuid));
	memcpy(head + sizeof jpeg_magic, tag, (size_t)tlen);
	size_t hlen = sizeof jpeg_magic + (size_t)tlen;
	if (total < hlen)
		fail_msg("jpeg_src: %zu bytes are fewer than its head", total);
	return (struct byte_src){head, hlen, total, fill};
}

/* Standard base64 (with padding) of data. Caller frees. */
static char *b64(const void *data, size_t len)
{
	char *out = malloc(4 * (len / 3 + 1) + 1);
	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* "Upload-Checksum: sha1 <base64 of the SHA-1 of src [off, off + n)>" into out. */
static const char *sha1_header(const struct byte_src *src, size_t off, size_t n, char *out, size_t outlen)
{
	unsigned char d[20];
	byte_src_digest(EVP_sha1(), src, off, n, d);
	char *e = b64(d, 20);
	snprintf(out, outlen, "Upload-Checksum: sha1 %s", e);
	free(e);
	return out;
}

/* Appends "key base64(value)" (value NULL: the key alone) to an Upload-Metadata value. */
static void meta_add(struct buf *m, const char *key, const char *value)
{
	if (m->len)
		buf_addc(m, ',');
	buf_adds(m, key);
	if (value) {
		char *e = b64(value, strlen(value));
		buf_printf(m, " %s", e);
		free(e);
	}
}

/* ---- time stamps ------------------------------------------------------------------------------- */

static time_t rfc3339_secs(const char *s)
{
	assert_timestamp(s);
	struct tm tm = {0};
	if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		fail_msg("not an RFC 3339 time: %s", s);
	return timegm(&tm);
}

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") in seconds. */
static time_t imf_secs(const char *s)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end || strlen(s) != 29 || s[3] != ',')
		fail_msg("not an IMF-fixdate: \"%s\"", s);
	return timegm(&tm);
}

/* ---- requests --------------------------------------------------------------------------------- */

struct cursor {
	const struct byte_src *src;
	size_t off, end;
};

static size_t cursor_read(char *dest, size_t size, size_t nmemb, void *ud)
{
	struct cursor *c = ud;
	size_t n = size * nmemb;
	if (n > c->end - c->off)
		n = c->end - c->off;
	if (n > 0)
		byte_src_read(c->src, c->off, dest, n);
	c->off += n;
	return n;
}

static size_t collect_body(char *data, size_t size, size_t nmemb, void *ud)
{
	buf_add(ud, data, size * nmemb);
	return size * nmemb;
}

static size_t collect_headers(char *data, size_t size, size_t nmemb, void *ud)
{
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		buf_reset(ud); /* keep the final response only */
	buf_add(ud, data, n);
	return n;
}

static void header_is(const struct http_resp *r, const char *name, const char *want)
{
	char v[512];
	if (!http_header(r, name, v, sizeof v))
		fail_msg("no %s header (want \"%s\"); headers:\n%s", name, want, buf_cstr(&r->headers));
	if (strcmp(v, want) != 0)
		fail_msg("%s is \"%s\", want \"%s\"", name, v, want);
}

/* A header's integer value; -1 when absent, fails when not a number. */
static long long header_ll(const struct http_resp *r, const char *name)
{
	char v[64], *end;
	if (!http_header(r, name, v, sizeof v))
		return -1;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		fail_msg("%s is not a number: \"%s\"", name, v);
	return n;
}

/*
 * One request to an uploads route. headers: extra "Name: value" entries
 * (NULL-terminated, may be NULL); "Tus-Resumable: 1.0.0" is added unless
 * they carry a Tus-Resumable entry (a bare "Tus-Resumable:" sends none).
 * body_len < 0: no body, no Content-Length; else the bytes [off, off +
 * body_len) of src, streamed, with a Content-Length (chunked: with
 * Transfer-Encoding: chunked instead). Every answer of these routes must
 * carry Tus-Resumable: 1.0.0.
 */
static void tus_call(struct server_proc *s, const char *method, const char *path, const char *bearer,
                     const char *const *headers, const struct byte_src *src, size_t off, long long body_len,
                     int chunked, struct http_resp *out)
{
	memset(out, 0, sizeof *out);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
	int has_tus = 0;
	for (const char *const *h = headers; h && *h; h++) {
		if (strncasecmp(*h, "Tus-Resumable:", 14) == 0)
			has_tus = 1;
		hl = curl_slist_append(hl, *h);
	}
	if (!has_tus)
		hl = curl_slist_append(hl, TUS_HDR);
	struct buf auth = BUF_INIT;
	if (bearer) {
		buf_printf(&auth, "Authorization: Bearer %s", bearer);
		hl = curl_slist_append(hl, buf_cstr(&auth));
	}
	struct buf url = BUF_INIT;
	/* streamed, so straight to the server (contract.h: checked offline) */
	buf_printf(&url, "%s%s", s->direct_url, path);
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	struct cursor cur = {src, off, off + (body_len > 0 ? (size_t)body_len : 0)};
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body_len >= 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, cursor_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &cur);
		if (chunked)
			hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
		else
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_headers);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	buf_release(&auth);
	if (rc != CURLE_OK)
		fail_msg("%s %s: no answer (libcurl %d: %s %s)", method, buf_cstr(&url), (int)rc,
		         curl_easy_strerror(rc), errbuf);
	contract_record(s, method, path, out);
	char v[64];
	if (!http_header(out, "Tus-Resumable", v, sizeof v) || strcmp(v, "1.0.0") != 0)
		fail_msg("%s %s answered %ld without \"Tus-Resumable: 1.0.0\"; headers:\n%s", method, buf_cstr(&url),
		         out->status, buf_cstr(&out->headers));
	buf_release(&url);
}

static const char *upath(const char *id, char *out, size_t outlen)
{
	snprintf(out, outlen, "/api/v1/uploads/%s", id);
	return out;
}

/* Fails unless r has status want (showing what was asked). */
static void want_status(const struct http_resp *r, long want, const char *what)
{
	if (r->status != want)
		fail_msg("%s: expected %ld, got %ld: %.400s", what, want, r->status, buf_cstr(&r->body));
}

/* want_status, then the problem's code (and for HEAD, which has no body, only the status). */
static void want_problem(const struct http_resp *r, long status, const char *code, const char *what)
{
	want_status(r, status, what);
	assert_problem(r, status, code);
}

/* POST /api/v1/uploads with Upload-Length (length < 0: none) and Upload-Metadata (NULL: none), no body. */
static void create_req(struct server_proc *s, const char *bearer, long long length, const char *meta,
                       struct http_resp *out)
{
	char lh[64];
	struct buf mh = BUF_INIT;
	const char *h[3];
	size_t n = 0;
	if (length >= 0) {
		snprintf(lh, sizeof lh, "Upload-Length: %lld", length);
		h[n++] = lh;
	}
	if (meta) {
		buf_printf(&mh, "Upload-Metadata: %s", meta);
		h[n++] = buf_cstr(&mh);
	}
	h[n] = NULL;
	tus_call(s, "POST", "/api/v1/uploads", bearer, h, NULL, 0, 0, 0, out);
	buf_release(&mh);
}

/* An Upload object: id (checked when given), offset, length, times, photo_id (NULL: null), metadata. */
static void check_upload(const json_t *u, const char *id, long long length, long long offset, const char *photo_id)
{
	const char *uid = jstr(u, "id");
	if (!uid || strlen(uid) != 36)
		fail_msg("the upload has no uuid id: %s", json_dumps(u, JSON_COMPACT));
	if (id)
		assert_string_equal(uid, id);
	if (jint(u, "offset") != offset || jint(u, "length") != length)
		fail_msg("upload %s: offset %lld length %lld, want %lld and %lld", uid, jint(u, "offset"),
		         jint(u, "length"), offset, length);
	assert_timestamp(jstr(u, "expires_at"));
	assert_timestamp(jstr(u, "created_at"));
	json_t *p = json_object_get(u, "photo_id");
	if (!p)
		fail_msg("the upload has no photo_id member");
	if (photo_id) {
		if (!json_is_string(p) || strcmp(json_string_value(p), photo_id) != 0)
			fail_msg("upload %s: photo_id is not %s", uid, photo_id);
	} else if (!json_is_null(p)) {
		fail_msg("upload %s: photo_id should be null", uid);
	}
	if (!json_is_object(json_object_get(u, "metadata")))
		fail_msg("upload %s: metadata is not an object", uid);
}

/* Expects a 201 creation: Location, Upload-Offset 0, Upload-Expires (= expires_at), the Upload
 * object. id gets the upload's id; expires (may be NULL) the Upload-Expires value (64 bytes). */
static json_t *expect_creation(struct http_resp *r, long long length, char *id, char *expires, const char *what)
{
	want_status(r, 201, what);
	json_t *u = http_json(r);
	check_upload(u, NULL, length, 0, NULL);
	snprintf(id, ID_LEN, "%s", jstr(u, "id"));
	char loc[128], exp[64];
	snprintf(loc, sizeof loc, "/api/v1/uploads/%s", id);
	header_is(r, "Location", loc);
	header_is(r, "Upload-Offset", "0");
	if (!http_header(r, "Upload-Expires", exp, sizeof exp))
		fail_msg("%s: no Upload-Expires", what);
	if (imf_secs(exp) != rfc3339_secs(jstr(u, "expires_at")))
		fail_msg("%s: Upload-Expires %s is not expires_at %s", what, exp, jstr(u, "expires_at"));
	if (expires)
		snprintf(expires, 64, "%s", exp);
	http_resp_release(r);
	return u;
}

static json_t *create_ok(struct server_proc *s, const char *bearer, long long length, const char *meta, char *id)
{
	struct http_resp r;
	create_req(s, bearer, length, meta, &r);
	return expect_creation(&r, length, id, NULL, "create an upload");
}

/* PATCH (or method, e.g. POST with an override in extra) with Upload-Offset (offset < 0: none),
 * the bytes [off, off + n) of src (n < 0: no body), Content-Type offset+octet-stream unless extra
 * has a Content-Type. */
static void patch_call(struct server_proc *s, const char *method, const char *bearer, const char *id, long long offset,
                       const struct byte_src *src, size_t off, long long n, int chunked, const char *const *extra,
                       struct http_resp *out)
{
	const char *h[16];
	size_t k = 0;
	char oh[64], path[96];
	int has_ct = 0;
	if (offset >= 0) {
		snprintf(oh, sizeof oh, "Upload-Offset: %lld", offset);
		h[k++] = oh;
	}
	for (const char *const *e = extra; e && *e && k < 14; e++) {
		if (strncasecmp(*e, "Content-Type:", 13) == 0)
			has_ct = 1;
		h[k++] = *e;
	}
	if (!has_ct)
		h[k++] = OCTETS;
	h[k] = NULL;
	tus_call(s, method, upath(id, path, sizeof path), bearer, h, src, off, n, chunked, out);
}

static void patch_req(struct server_proc *s, const char *bearer, const char *id, long long offset,
                      const struct byte_src *src, size_t off, long long n, const char *const *extra,
                      struct http_resp *out)
{
	patch_call(s, "PATCH", bearer, id, offset, src, off, n, 0, extra, out);
}

/* Checks a 204 PATCH answer: Upload-Offset want_offset, Upload-Expires (equal to expires when
 * given), no body; photo_id (may be NULL) gets the Photo-Id header, which must then be there. */
static void expect_patched(struct http_resp *r, long long want_offset, const char *expires, char *photo_id,
                           const char *what)
{
	want_status(r, 204, what);
	if (header_ll(r, "Upload-Offset") != want_offset)
		fail_msg("%s: Upload-Offset %lld, want %lld", what, header_ll(r, "Upload-Offset"), want_offset);
	char exp[64];
	if (!http_header(r, "Upload-Expires", exp, sizeof exp))
		fail_msg("%s: no Upload-Expires", what);
	imf_secs(exp);
	if (expires && strcmp(exp, expires) != 0)
		fail_msg("%s: Upload-Expires moved from %s to %s (it is not extended)", what, expires, exp);
	assert_int_equal(r->body.len, 0);
	if (photo_id && !http_header(r, "Photo-Id", photo_id, ID_LEN))
		fail_msg("%s: the completing PATCH has no Photo-Id; headers:\n%s", what, buf_cstr(&r->headers));
	http_resp_release(r);
}

static void patch_ok(struct server_proc *s, const char *bearer, const char *id, long long offset,
                     const struct byte_src *src, size_t off, size_t n, char *photo_id)
{
	struct http_resp r;
	char what[160];
	snprintf(what, sizeof what, "PATCH %s at %lld with %zu bytes", id, offset, n);
	patch_req(s, bearer, id, offset, src, off, (long long)n, NULL, &r);
	expect_patched(&r, offset + (long long)n, NULL, photo_id, what);
}

/* Sends src from byte from to its end in PATCHes of chunk bytes; photo_id gets the Photo-Id. */
static void send_rest(struct server_proc *s, const char *bearer, const char *id, const struct byte_src *src,
                      size_t from, size_t chunk, char *photo_id)
{
	for (size_t off = from; off < src->total;) {
		size_t n = src->total - off < chunk ? src->total - off : chunk;
		patch_ok(s, bearer, id, (long long)off, src, off, n, off + n == src->total ? photo_id : NULL);
		off += n;
	}
}

static void head_req(struct server_proc *s, const char *bearer, const char *id, struct http_resp *out)
{
	char path[96];
	tus_call(s, "HEAD", upath(id, path, sizeof path), bearer, NULL, NULL, 0, -1, 0, out);
}

/* HEAD's status for the upload (the answer discarded). */
static long head_status(struct server_proc *s, const char *bearer, const char *id)
{
	struct http_resp r;
	head_req(s, bearer, id, &r);
	long st = r.status;
	http_resp_release(&r);
	return st;
}

/* HEAD expecting 200: returns Upload-Offset after checking the other headers. */
static long long head_offset(struct server_proc *s, const char *bearer, const char *id)
{
	struct http_resp r;
	head_req(s, bearer, id, &r);
	char what[96];
	snprintf(what, sizeof what, "HEAD upload %s", id);
	want_status(&r, 200, what);
	long long off = header_ll(&r, "Upload-Offset");
	if (off < 0 || header_ll(&r, "Upload-Length") < off)
		fail_msg("%s: Upload-Offset %lld, Upload-Length %lld", what, off, header_ll(&r, "Upload-Length"));
	char v[64];
	if (!http_header(&r, "Upload-Expires", v, sizeof v))
		fail_msg("%s: no Upload-Expires", what);
	imf_secs(v);
	header_is(&r, "Cache-Control", "no-store");
	assert_int_equal(r.body.len, 0);
	http_resp_release(&r);
	return off;
}

/* The upload is gone: HEAD 404, GET 404 not_found. */
static void assert_upload_gone(struct server_proc *s, const char *bearer, const char *id, const char *what)
{
	struct http_resp r;
	char path[96], msg[200];
	snprintf(msg, sizeof msg, "%s: HEAD", what);
	head_req(s, bearer, id, &r);
	want_status(&r, 404, msg);
	http_resp_release(&r);
	snprintf(msg, sizeof msg, "%s: GET", what);
	tus_call(s, "GET", upath(id, path, sizeof path), bearer, NULL, NULL, 0, -1, 0, &r);
	want_problem(&r, 404, "not_found", msg);
	http_resp_release(&r);
}

/* GET /api/v1/uploads/{id} (without Tus-Resumable: GET is exempt), expecting 200; the body. */
static json_t *upload_get(struct server_proc *s, const char *bearer, const char *id)
{
	struct http_resp r;
	char path[96];
	tus_call(s, "GET", upath(id, path, sizeof path), bearer, (const char *const[]){"Tus-Resumable:", NULL}, NULL, 0,
	         -1, 0, &r);
	want_status(&r, 200, "GET upload");
	json_t *u = http_json(&r);
	if (header_ll(&r, "Upload-Offset") != jint(u, "offset") || header_ll(&r, "Upload-Length") != jint(u, "length"))
		fail_msg("GET upload: the headers do not match the body");
	http_resp_release(&r);
	return u;
}

static void delete_ok(struct server_proc *s, const char *bearer, const char *id)
{
	struct http_resp r;
	char path[96];
	tus_call(s, "DELETE", upath(id, path, sizeof path), bearer, NULL, NULL, 0, -1, 0, &r);
	want_status(&r, 204, "DELETE upload");
	assert_int_equal(r.body.len, 0);
	http_resp_release(&r);
}

/* ---- photos ------------------------------------------------------------------------------------ */

static json_t *photo_get(struct server_proc *s, const char *bearer, const char *id)
{
	char path[128];
	return api_expect(s, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", id), bearer, NULL, 200);
}

/* The photo's record and bytes are those of src. */
static void assert_photo_is(struct server_proc *s, const char *bearer, const char *id, const char *owner,
                            const struct byte_src *src)
{
	char sha[65], got[65], path[160];
	src_sha256(src, sha);
	json_t *p = photo_get(s, bearer, id);
	assert_string_equal(jstr(p, "id"), id);
	if (owner)
		assert_string_equal(jstr(p, "owner_id"), owner);
	if (jint(p, "size") != (long long)src->total)
		fail_msg("photo %s: size %lld, want %zu", id, jint(p, "size"), src->total);
	assert_string_equal(jstr(p, "sha256"), sha);
	assert_string_equal(jstr(p, "mime"), "image/jpeg");
	json_decref(p);
	struct http_resp r;
	api_get(s, pathf(path, sizeof path, "/api/v1/photos/%s/content", id), bearer, &r);
	want_status(&r, 200, "GET the photo's content");
	if (r.body.len != src->total)
		fail_msg("photo %s: %zu bytes served, want %zu", id, r.body.len, src->total);
	mem_sha256(r.body.data, r.body.len, got);
	if (strcmp(got, sha) != 0)
		fail_msg("photo %s: the bytes served differ from the bytes sent", id);
	http_resp_release(&r);
}

/* ---- the disk ----------------------------------------------------------------------------------- */

/* Entries in <data>/photos/uploads (0 when it does not exist). */
static size_t upload_files(struct server_proc *s)
{
	char dir[400];
	snprintf(dir, sizeof dir, "%s/photos/uploads", s->data_dir);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int upload_file_exists(struct server_proc *s, const char *id)
{
	char path[400];
	struct stat st;
	snprintf(path, sizeof path, "%s/photos/uploads/%s", s->data_dir, id);
	return stat(path, &st) == 0;
}

/* No <data>/photos/uploads/<id> (allowing the server a second). */
static void assert_no_file(struct server_proc *s, const char *id, const char *what)
{
	for (int i = 0; i < 50 && upload_file_exists(s, id); i++)
		sleep_ms(20);
	if (upload_file_exists(s, id))
		fail_msg("%s: %s/photos/uploads/%s is still there", what, s->data_dir, id);
}

/* <data>/photos/uploads holds exactly before entries (allowing the server a second). */
static void assert_files(struct server_proc *s, size_t before, const char *what)
{
	for (int i = 0; i < 50 && upload_files(s) != before; i++)
		sleep_ms(20);
	if (upload_files(s) != before)
		fail_msg("%s: %zu entries in %s/photos/uploads before, %zu after", what, before, s->data_dir,
		         upload_files(s));
}

/* photos/tmp is empty (allowing the server a second). */
static void assert_photo_tmp_empty(struct server_proc *s, const char *what)
{
	char dir[400];
	snprintf(dir, sizeof dir, "%s/photos/tmp", s->data_dir);
	for (int i = 0; i < 50; i++) {
		DIR *d = opendir(dir);
		size_t n = 0;
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				n++;
		if (d)
			closedir(d);
		if (n == 0)
			return;
		if (i == 49)
			fail_msg("%s: %zu file(s) left in %s", what, n, dir);
		sleep_ms(20);
	}
}

/* ---- raw sockets (interrupted bodies) ---------------------------------------------------------- */

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			fail_msg("send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Opens a connection and sends a PATCH's head (Content-Length: content_length, extra: more
 * "Name: value\r\n" lines or "") and then only the bytes [off, off + n) of src. Returns the
 * socket, still open: the caller closes it to interrupt the body.
 */
static int raw_patch(struct server_proc *s, const char *bearer, const char *id, long long offset, size_t content_length,
                     const char *extra, const struct byte_src *src, size_t off, size_t n)
{
	struct buf h = BUF_INIT;
	buf_printf(&h,
	           "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
	           "Tus-Resumable: 1.0.0\r\nUpload-Offset: %lld\r\n%s\r\nContent-Length: %zu\r\n%s\r\n",
	           id, s->port, bearer, offset, OCTETS, content_length, extra);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {
	        .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		fail_msg("connect to port %d: %s", s->port, strerror(errno));
	send_all(fd, h.data, h.len);
	buf_release(&h);
	static unsigned char chunk[64 * 1024];
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
		byte_src_read(src, off + done, chunk, k);
		send_all(fd, chunk, k);
		done += k;
	}
	return fd;
}

/* Polls HEAD (up to 5 s) until the upload's offset is want; returns the last offset seen. */
static long long wait_offset(struct server_proc *s, const char *bearer, const char *id, long long want)
{
	long long off = -1;
	for (int i = 0; i < 100; i++) {
		off = head_offset(s, bearer, id);
		if (off == want)
			break;
		sleep_ms(50);
	}
	return off;
}

/* A PATCH that may meet the lock of an interrupted PATCH the server has not finished with yet
 * (423 upload_locked): retried for up to 3 s. */
static void patch_after_interrupt(struct server_proc *s, const char *bearer, const char *id, long long offset,
                                  const struct byte_src *src, size_t off, size_t n, struct http_resp *r)
{
	for (int i = 0; i < 60; i++) {
		patch_req(s, bearer, id, offset, src, off, (long long)n, NULL, r);
		if (r->status != 423)
			return;
		http_resp_release(r);
		sleep_ms(50);
	}
	patch_req(s, bearer, id, offset, src, off, (long long)n, NULL, r);
}

/* ---- set-up ------------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, crew.insp_two.user_id, NULL}, &tpl,
	                 round_id);
	insp = crew.insp_city.access;
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&s4);
	server_cleanup(&s3);
	server_cleanup(&s2);
	server_cleanup(&srv);
	return 0;
}

/* A new draft of insp.city in the round at A1. */
static void draft_a1(char *id)
{
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, id));
}

/* ---- tests ------------------------------------------------------------------------------------- */

static void test_options(void **state)
{
	(void)state;
	char item[96], uuid[ID_LEN];
	const char *paths[] = {"/api/v1/uploads", upath(uuid_v4(uuid), item, sizeof item)};
	for (size_t i = 0; i < 2; i++) {
		struct http_resp r;
		/* No token, no Tus-Resumable. */
		tus_call(&srv, "OPTIONS", paths[i], NULL, (const char *const[]){"Tus-Resumable:", NULL}, NULL, 0, -1, 0,
		         &r);
		char what[128];
		snprintf(what, sizeof what, "OPTIONS %s", paths[i]);
		want_status(&r, 204, what);
		header_is(&r, "Tus-Version", "1.0.0");
		header_is(&r, "Tus-Extension", "creation,termination,checksum,expiration");
		header_is(&r, "Tus-Max-Size", "20971520");
		header_is(&r, "Tus-Checksum-Algorithm", "sha1");
		char allow[256];
		if (!http_header(&r, "Allow", allow, sizeof allow))
			fail_msg("%s: no Allow header", what);
		static const char *const coll[] = {"POST", NULL}, *const one[] = {"HEAD", "PATCH", "DELETE", NULL};
		for (const char *const *m = i == 0 ? coll : one; *m; m++)
			if (!strstr(allow, *m))
				fail_msg("%s: Allow \"%s\" lacks %s", what, allow, *m);
		assert_int_equal(r.body.len, 0);
		http_resp_release(&r);
	}
}

static void test_create(void **state)
{
	(void)state;
	char iid[ID_LEN], pid[ID_LEN], uid[ID_LEN], exp[64], got_pid[ID_LEN], v[4200];
	draft_a1(iid);
	uuid_v4(pid);
	struct buf m = BUF_INIT;
	meta_add(&m, "id", pid);
	meta_add(&m, "inspection_id", iid);
	meta_add(&m, "taken_at", "2026-11-28T08:30:00Z");
	meta_add(&m, "lat", "30.274085");
	meta_add(&m, "lng", "120.15507");
	meta_add(&m, "caption", "村委会公示栏");
	meta_add(&m, "filename", "IMG_20261128_083000.jpg");
	meta_add(&m, "filetype", "image/jpeg");
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 3000, 0x41);

	struct http_resp r;
	create_req(&srv, insp, 3000, buf_cstr(&m), &r);
	json_t *u = expect_creation(&r, 3000, uid, exp, "creation with metadata");
	if (rfc3339_secs(jstr(u, "expires_at")) - rfc3339_secs(jstr(u, "created_at")) != 86400)
		fail_msg("expires_at %s is not created_at %s + the default 86400 s", jstr(u, "expires_at"),
		         jstr(u, "created_at"));
	json_t *md = json_object_get(u, "metadata");
	static const char *const keys[] = {"id", "inspection_id", "taken_at", "lat", "lng", "caption"};
	const char *vals[] = {pid, iid, "2026-11-28T08:30:00Z", "30.274085", "120.15507", "村委会公示栏"};
	for (size_t i = 0; i < 6; i++) {
		const char *got = jstr(md, keys[i]);
		if (!got || strcmp(got, vals[i]) != 0)
			fail_msg("metadata.%s is %s, want \"%s\"", keys[i], got ? got : "(missing)", vals[i]);
	}

	/* HEAD: the offset, length, expiry, the metadata as sent, no-store. */
	assert_int_equal(head_offset(&srv, insp, uid), 0);
	head_req(&srv, insp, uid, &r);
	header_is(&r, "Upload-Length", "3000");
	header_is(&r, "Upload-Expires", exp);
	if (!http_header(&r, "Upload-Metadata", v, sizeof v) || strcmp(v, buf_cstr(&m)) != 0)
		fail_msg("HEAD's Upload-Metadata is not what was sent:\n%s\nwant\n%s", v, buf_cstr(&m));
	http_resp_release(&r);

	/* GET (no Tus-Resumable needed): the same Upload object. */
	json_t *g = upload_get(&srv, insp, uid);
	if (!json_equal(g, u))
		fail_msg("GET %s differs from the creation's answer:\n%s\n%s", uid, json_dumps(g, JSON_COMPACT),
		         json_dumps(u, JSON_COMPACT));
	json_decref(g);

	/* Two PATCHes; the expiry does not move; the second completes with the metadata's id. */
	patch_req(&srv, insp, uid, 0, &src, 0, 1000, NULL, &r);
	expect_patched(&r, 1000, exp, NULL, "first chunk");
	assert_int_equal(head_offset(&srv, insp, uid), 1000);
	patch_req(&srv, insp, uid, 1000, &src, 1000, 2000, NULL, &r);
	expect_patched(&r, 3000, exp, got_pid, "last chunk");
	assert_string_equal(got_pid, pid);

	/* The photo, with the metadata's fields. */
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
	json_t *p = photo_get(&srv, insp, pid);
	assert_string_equal(jstr(p, "inspection_id"), iid);
	assert_string_equal(jstr(p, "caption"), "村委会公示栏");
	assert_memory_equal(jstr(p, "taken_at"), "2026-11-28T08:30:00", 19);
	double lat = jnum(json_object_get(p, "lat")), lng = jnum(json_object_get(p, "lng"));
	if (lat < 30.274084 || lat > 30.274086 || lng < 120.155069 || lng > 120.155071)
		fail_msg("the photo's location is %f, %f", lat, lng);
	assert_string_equal(jstr(p, "taken_at_source"), "client");
	assert_string_equal(jstr(p, "location_source"), "client");
	json_decref(p);

	/* The upload now names its photo. */
	g = upload_get(&srv, insp, uid);
	check_upload(g, uid, 3000, 3000, pid);
	json_decref(g);
	json_decref(u);
	buf_release(&m);
}

static void test_create_refusals(void **state)
{
	(void)state;
	struct http_resp r;
	size_t before = upload_files(&srv);

	/* Tus-Resumable missing or another version: 412 with Tus-Version. */
	static const char *const versions[] = {"Tus-Resumable:", "Tus-Resumable: 0.2.2", "Tus-Resumable: 1.0",
	                                       "Tus-Resumable: 2.0.0"};
	for (size_t i = 0; i < 4; i++) {
		tus_call(&srv, "POST", "/api/v1/uploads", insp,
		         (const char *const[]){versions[i], "Upload-Length: 100", NULL}, NULL, 0, 0, 0, &r);
		want_problem(&r, 412, "tus_version_unsupported", versions[i]);
		header_is(&r, "Tus-Version", "1.0.0");
		http_resp_release(&r);
	}

	/* Upload-Length missing, not a number, 0, negative: 400; deferred: 400. */
	static const char *const lengths[] = {NULL,
	                                      "Upload-Length: abc",
	                                      "Upload-Length: 0",
	                                      "Upload-Length: -5",
	                                      "Upload-Length: 12x",
	                                      "Upload-Length;",
	                                      "Upload-Length: 1.5"};
	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
		tus_call(&srv, "POST", "/api/v1/uploads", insp, (const char *const[]){lengths[i], NULL}, NULL, 0, 0, 0,
		         &r);
		want_problem(&r, 400, "bad_request", lengths[i] ? lengths[i] : "no Upload-Length");
		http_resp_release(&r);
	}
	tus_call(&srv, "POST", "/api/v1/uploads", insp, (const char *const[]){"Upload-Defer-Length: 1", NULL}, NULL, 0,
	         0, 0, &r);
	want_problem(&r, 400, "bad_request", "Upload-Defer-Length");
	http_resp_release(&r);

	/* Larger than max-photo-size: 413; exactly the size is fine (the next test uploads it). */
	create_req(&srv, insp, MAX_SIZE + 1LL, NULL, &r);
	want_problem(&r, 413, "payload_too_large", "Upload-Length 20 MiB + 1");
	http_resp_release(&r);
	/* More digits than a 64-bit count holds: still just too large, not malformed. */
	tus_call(&srv, "POST", "/api/v1/uploads", insp,
	         (const char *const[]){"Upload-Length: 123456789012345678901234567890", NULL}, NULL, 0, 0, 0, &r);
	want_problem(&r, 413, "payload_too_large", "Upload-Length with 30 digits");
	http_resp_release(&r);

	/* A body (creation-with-upload is not supported): 415. */
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 200, 1);
	tus_call(&srv, "POST", "/api/v1/uploads", insp, (const char *const[]){"Upload-Length: 200", OCTETS, NULL}, &src,
	         0, 200, 0, &r);
	want_problem(&r, 415, "unsupported_media_type", "creation with a body");
	http_resp_release(&r);

	/* No token: 401; viewers: 403. */
	create_req(&srv, NULL, 100, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	const char *viewers[] = {crew.viewer_a.access, crew.cast.viewer.access};
	for (size_t i = 0; i < 2; i++) {
		create_req(&srv, viewers[i], 100, NULL, &r);
		want_problem(&r, 403, "forbidden", "creation by a viewer");
		http_resp_release(&r);
	}
	assert_files(&srv, before, "refused creations");

	/* On an existing upload: the other methods need Tus-Resumable too (GET does not), a token, a
	 * role other than viewer. */
	char uid[ID_LEN], path[96];
	json_decref(create_ok(&srv, insp, 200, NULL, uid));
	upath(uid, path, sizeof path);
	head_req(&srv, insp, uid, &r); /* (with the header: fine) */
	want_status(&r, 200, "HEAD");
	http_resp_release(&r);
	tus_call(&srv, "HEAD", path, insp, (const char *const[]){"Tus-Resumable:", NULL}, NULL, 0, -1, 0, &r);
	want_status(&r, 412, "HEAD without Tus-Resumable");
	header_is(&r, "Tus-Version", "1.0.0");
	http_resp_release(&r);
	patch_req(&srv, insp, uid, 0, &src, 0, 100, (const char *const[]){"Tus-Resumable:", NULL}, &r);
	want_problem(&r, 412, "tus_version_unsupported", "PATCH without Tus-Resumable");
	header_is(&r, "Tus-Version", "1.0.0");
	http_resp_release(&r);
	patch_req(&srv, insp, uid, 0, &src, 0, 100, (const char *const[]){"Tus-Resumable: 0.2.2", NULL}, &r);
	want_problem(&r, 412, "tus_version_unsupported", "PATCH with Tus-Resumable 0.2.2");
	http_resp_release(&r);
	tus_call(&srv, "DELETE", path, insp, (const char *const[]){"Tus-Resumable:", NULL}, NULL, 0, -1, 0, &r);
	want_problem(&r, 412, "tus_version_unsupported", "DELETE without Tus-Resumable");
	http_resp_release(&r);
	json_decref(upload_get(&srv, insp, uid));

	head_req(&srv, NULL, uid, &r);
	want_status(&r, 401, "HEAD without a token");
	http_resp_release(&r);
	patch_req(&srv, NULL, uid, 0, &src, 0, 100, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	tus_call(&srv, "DELETE", path, NULL, NULL, NULL, 0, -1, 0, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	patch_req(&srv, crew.viewer_a.access, uid, 0, &src, 0, 100, NULL, &r);
	want_problem(&r, 403, "forbidden", "PATCH by a viewer");
	http_resp_release(&r);
	tus_call(&srv, "DELETE", path, crew.viewer_a.access, NULL, NULL, 0, -1, 0, &r);
	want_problem(&r, 403, "forbidden", "DELETE by a viewer");
	http_resp_release(&r);
	/* None of that touched it. */
	assert_int_equal(head_offset(&srv, insp, uid), 0);
	head_req(&srv, crew.viewer_a.access, uid, &r);
	want_status(&r, 403, "HEAD by a viewer");
	http_resp_release(&r);
	delete_ok(&srv, insp, uid);
}

static void test_metadata_invalid(void **state)
{
	(void)state;
	struct {
		const char *what;
		char meta[512];
		const char *field;
	} cases[12];
	size_t n = 0;
	struct buf m = BUF_INIT;
	char uuid[ID_LEN];
#define CASE(w, f)                                                                                                     \
	do {                                                                                                           \
		cases[n].what = (w);                                                                                   \
		snprintf(cases[n].meta, sizeof cases[n].meta, "%s", buf_cstr(&m));                                     \
		cases[n].field = (f);                                                                                  \
		n++;                                                                                                   \
		buf_reset(&m);                                                                                         \
	} while (0)
	buf_adds(&m, "caption @@not*base64@@");
	CASE("bad base64", "caption");
	meta_add(&m, "caption", "甲");
	meta_add(&m, "caption", "乙");
	CASE("duplicate key", "caption");
	meta_add(&m, "color", "red");
	CASE("unknown key", "color");
	meta_add(&m, "inspection_id", "not-a-uuid");
	CASE("bad inspection_id", "inspection_id");
	meta_add(&m, "id", "not-a-uuid");
	CASE("bad id", "id");
	meta_add(&m, "lat", "30.5");
	CASE("lat without lng", "lat|lng");
	meta_add(&m, "lng", "120.5");
	CASE("lng without lat", "lat|lng");
	meta_add(&m, "lat", "91");
	meta_add(&m, "lng", "120.5");
	CASE("lat out of range", "lat");
	meta_add(&m, "taken_at", "soon");
	CASE("bad taken_at", "taken_at");
	meta_add(&m, "id", uuid_v4(uuid));
	meta_add(&m, "finding_id", "12345");
	CASE("bad finding_id", "finding_id");
#undef CASE
	for (size_t i = 0; i < n; i++) {
		size_t before = upload_files(&srv);
		struct http_resp r;
		create_req(&srv, insp, 500, cases[i].meta, &r);
		char what[700];
		snprintf(what, sizeof what, "metadata with %s (%s)", cases[i].what, cases[i].meta);
		want_status(&r, 422, what);
		assert_validation(&r, (const char *const[]){cases[i].field, NULL});
		http_resp_release(&r);
		assert_files(&srv, before, what);
	}

	/* The keys tus-js-client and uppy send are accepted and ignored, with or without a value. */
	meta_add(&m, "filename", "wxfile://tmp_0a1b2c.jpg");
	meta_add(&m, "filetype", "image/jpeg");
	meta_add(&m, "name", NULL);
	meta_add(&m, "type", NULL);
	meta_add(&m, "caption", "公厕");
	char uid[ID_LEN];
	json_t *u = create_ok(&srv, insp, 500, buf_cstr(&m), uid);
	assert_string_equal(jstr(json_object_get(u, "metadata"), "caption"), "公厕");
	json_decref(u);
	delete_ok(&srv, insp, uid);
	buf_release(&m);
}

static void test_create_links(void **state)
{
	(void)state;
	char iid[ID_LEN], sid[ID_LEN], uid[ID_LEN], pid[ID_LEN], got[ID_LEN], unknown[ID_LEN];
	struct http_resp r;
	draft_a1(iid);
	size_t before = upload_files(&srv);
	struct buf m = BUF_INIT;
	meta_add(&m, "inspection_id", iid);

	/* insp.city's draft at A1: insp.two sees it (same round) but is not its inspector: 403; sup.b
	 * (town B) and insp.a (not in the round) do not see it: 404. */
	create_req(&srv, crew.insp_two.access, 500, buf_cstr(&m), &r);
	want_problem(&r, 403, "forbidden", "link to another inspector's draft");
	http_resp_release(&r);
	create_req(&srv, crew.sup_b.access, 500, buf_cstr(&m), &r);
	want_problem(&r, 404, "not_found", "link to another town's inspection (sup.b)");
	http_resp_release(&r);
	create_req(&srv, crew.cast.inspector.access, 500, buf_cstr(&m), &r);
	want_problem(&r, 404, "not_found", "link to an inspection insp.a does not see");
	http_resp_release(&r);
	buf_reset(&m);
	meta_add(&m, "inspection_id", uuid_v4(unknown));
	create_req(&srv, insp, 500, buf_cstr(&m), &r);
	want_problem(&r, 404, "not_found", "link to an unknown inspection");
	http_resp_release(&r);
	assert_files(&srv, before, "refused links");

	/* Its inspector may. */
	buf_reset(&m);
	meta_add(&m, "inspection_id", iid);
	json_decref(create_ok(&srv, insp, 500, buf_cstr(&m), uid));
	delete_ok(&srv, insp, uid);

	/* A submitted inspection: 409 invalid_transition. */
	draft_a1(sid);
	json_decref(inspection_complete_submit(&srv, insp, sid, tpl));
	buf_reset(&m);
	meta_add(&m, "inspection_id", sid);
	before = upload_files(&srv);
	create_req(&srv, insp, 500, buf_cstr(&m), &r);
	want_problem(&r, 409, "invalid_transition", "link to a submitted inspection");
	http_resp_release(&r);
	assert_files(&srv, before, "link to a submitted inspection");

	/* An id already taken: insp.city's unlinked photo P. */
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 300, 7);
	buf_reset(&m);
	meta_add(&m, "id", uuid_v4(pid));
	json_decref(create_ok(&srv, insp, 300, buf_cstr(&m), uid));
	patch_ok(&srv, insp, uid, 0, &src, 0, 300, got);
	assert_string_equal(got, pid);
	/* …by another user: 409 id_conflict. */
	before = upload_files(&srv);
	create_req(&srv, sup, 300, buf_cstr(&m), &r);
	want_problem(&r, 409, "id_conflict", "another user's photo id");
	http_resp_release(&r);
	assert_files(&srv, before, "id conflict at creation");
	/* …by its owner with another link: 409 id_conflict. */
	meta_add(&m, "inspection_id", iid);
	create_req(&srv, insp, 300, buf_cstr(&m), &r);
	want_problem(&r, 409, "id_conflict", "the same photo id with another link");
	http_resp_release(&r);
	assert_files(&srv, before, "id conflicts at creation");
	buf_release(&m);
}

static void test_big_upload(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, MAX_SIZE, 0x5a);
	char uid[ID_LEN], pid[ID_LEN];
	json_decref(create_ok(&srv, insp, MAX_SIZE, NULL, uid));
	/* Uneven chunks: 5 MiB, 7 MiB + 3 bytes, 3 MiB, the rest. */
	static const size_t sizes[] = {5 * MIB, 7 * MIB + 3, 3 * MIB};
	size_t off = 0;
	for (size_t i = 0; i < 3; i++) {
		patch_ok(&srv, insp, uid, (long long)off, &src, off, sizes[i], NULL);
		off += sizes[i];
		assert_int_equal(head_offset(&srv, insp, uid), off);
	}
	patch_ok(&srv, insp, uid, (long long)off, &src, off, MAX_SIZE - off, pid);
	assert_string_equal(pid, uid); /* no metadata id: the upload's id */
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
	assert_int_equal(head_offset(&srv, insp, uid), MAX_SIZE);
	json_t *u = upload_get(&srv, insp, uid);
	check_upload(u, uid, MAX_SIZE, MAX_SIZE, pid);
	json_decref(u);
}

static void test_interrupted_resume(void **state)
{
	(void)state;
	const size_t total = 3000074, half = total / 2; /* 1500037: no round number */
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, total, 0x33);
	char uid[ID_LEN], pid[ID_LEN];
	json_decref(create_ok(&srv, insp, (long long)total, NULL, uid));

	/* The whole length announced, half of it sent, then the connection closed. */
	int fd = raw_patch(&srv, insp, uid, 0, total, "", &src, 0, half);
	sleep_ms(200);
	close(fd);
	long long off = wait_offset(&srv, insp, uid, (long long)half);
	if (off != (long long)half)
		fail_msg("after an interrupted PATCH that delivered %zu bytes, HEAD says Upload-Offset %lld", half,
		         off);
	json_t *u = upload_get(&srv, insp, uid);
	check_upload(u, uid, (long long)total, (long long)half, NULL);
	json_decref(u);
	assert_true(upload_file_exists(&srv, uid));

	/* Resumed from there. */
	struct http_resp r;
	patch_after_interrupt(&srv, insp, uid, (long long)half, &src, half, total - half, &r);
	expect_patched(&r, (long long)total, NULL, pid, "the resumed PATCH");
	assert_string_equal(pid, uid);
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
}

static void test_interrupted_with_checksum(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 200000, 0x34);
	char uid[ID_LEN], ck[128], extra[160];
	json_decref(create_ok(&srv, insp, 200000, NULL, uid));
	patch_ok(&srv, insp, uid, 0, &src, 0, 1000, NULL);

	/* A checksummed chunk of 100000 bytes cut after 50000: discarded. */
	snprintf(extra, sizeof extra, "%s\r\n", sha1_header(&src, 1000, 100000, ck, sizeof ck));
	int fd = raw_patch(&srv, insp, uid, 1000, 100000, extra, &src, 1000, 50000);
	sleep_ms(300);
	close(fd);
	struct http_resp r;
	patch_after_interrupt(&srv, insp, uid, 1000, &src, 1000, 1000, &r);
	if (r.status == 409)
		fail_msg("the interrupted checksummed chunk was kept: the server's offset is %lld, not 1000",
		         header_ll(&r, "Upload-Offset"));
	expect_patched(&r, 2000, NULL, NULL, "PATCH after the discarded chunk");
	assert_int_equal(head_offset(&srv, insp, uid), 2000);
	delete_ok(&srv, insp, uid);
}

static void test_locked(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 100000, 0x35);
	char uid[ID_LEN];
	json_decref(create_ok(&srv, insp, 100000, NULL, uid));
	/* A PATCH that announces everything, sends 10000 bytes and stalls. */
	int fd = raw_patch(&srv, insp, uid, 0, 100000, "", &src, 0, 10000);
	sleep_ms(300);
	struct http_resp r;
	patch_req(&srv, insp, uid, 0, &src, 0, 100000, NULL, &r);
	long st = r.status;
	if (st == 423)
		assert_problem(&r, 423, "upload_locked");
	http_resp_release(&r);
	close(fd);
	if (st != 423)
		fail_msg("a PATCH while another runs on the same upload: expected 423 upload_locked, got %ld", st);
	/* The stalled one's bytes are kept once it is cut. */
	long long off = wait_offset(&srv, insp, uid, 10000);
	if (off != 10000)
		fail_msg("after the stalled PATCH was cut at 10000 bytes, HEAD says Upload-Offset %lld", off);
	delete_ok(&srv, insp, uid);
}

static void test_patch_rules(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 1000, 0x36);
	char uid[ID_LEN], pid[ID_LEN];
	struct http_resp r;
	json_decref(create_ok(&srv, insp, 1000, NULL, uid));
	/* A chunked body is fine. */
	patch_call(&srv, "PATCH", insp, uid, 0, &src, 0, 600, 1, NULL, &r);
	expect_patched(&r, 600, NULL, NULL, "chunked PATCH");

	/* Another offset: 409 offset_mismatch with the server's offset. */
	static const long long wrong[] = {0, 599, 601, 1000};
	for (size_t i = 0; i < 4; i++) {
		patch_req(&srv, insp, uid, wrong[i], &src, 0, 100, NULL, &r);
		char what[64];
		snprintf(what, sizeof what, "PATCH at offset %lld (server: 600)", wrong[i]);
		want_problem(&r, 409, "offset_mismatch", what);
		header_is(&r, "Upload-Offset", "600");
		http_resp_release(&r);
	}
	/* Upload-Offset missing or not a number: 400. */
	patch_req(&srv, insp, uid, -1, &src, 600, 100, NULL, &r);
	want_problem(&r, 400, "bad_request", "PATCH without Upload-Offset");
	http_resp_release(&r);
	static const char *const bad_offsets[] = {"Upload-Offset: abc", "Upload-Offset: -600", "Upload-Offset: 6e2"};
	for (size_t i = 0; i < 3; i++) {
		patch_req(&srv, insp, uid, -1, &src, 600, 100, (const char *const[]){bad_offsets[i], NULL}, &r);
		want_problem(&r, 400, "bad_request", bad_offsets[i]);
		http_resp_release(&r);
	}
	/* Other content types: 415. */
	static const char *const types[] = {"Content-Type: application/octet-stream", "Content-Type: image/jpeg",
	                                    "Content-Type:"};
	for (size_t i = 0; i < 3; i++) {
		patch_req(&srv, insp, uid, 600, &src, 600, 100, (const char *const[]){types[i], NULL}, &r);
		want_problem(&r, 415, "unsupported_media_type", types[i]);
		http_resp_release(&r);
	}
	/* More than the 400 bytes left: 413, nothing appended (with a Content-Length or chunked). */
	struct byte_src more = {head, src.head_len, 2000, 0x36};
	patch_req(&srv, insp, uid, 600, &more, 600, 401, NULL, &r);
	want_problem(&r, 413, "payload_too_large", "401 bytes where 400 are left");
	http_resp_release(&r);
	assert_int_equal(head_offset(&srv, insp, uid), 600);
	patch_call(&srv, "PATCH", insp, uid, 600, &more, 600, 1000, 1, NULL, &r);
	want_problem(&r, 413, "payload_too_large", "1000 chunked bytes where 400 are left");
	http_resp_release(&r);
	assert_int_equal(head_offset(&srv, insp, uid), 600);

	/* Unknown uploads: 404 for every method. */
	char unknown[ID_LEN], path[96];
	uuid_v4(unknown);
	patch_req(&srv, insp, unknown, 0, &src, 0, 100, NULL, &r);
	want_problem(&r, 404, "not_found", "PATCH an unknown upload");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, unknown, "an unknown upload");
	tus_call(&srv, "DELETE", upath(unknown, path, sizeof path), insp, NULL, NULL, 0, -1, 0, &r);
	want_problem(&r, 404, "not_found", "DELETE an unknown upload");
	http_resp_release(&r);

	/* The rest completes it, and the bytes are right. */
	patch_ok(&srv, insp, uid, 600, &src, 600, 400, pid);
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
}

static void test_checksum(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 3000, 0x37);
	char uid[ID_LEN], pid[ID_LEN], ck[128];
	struct http_resp r;
	json_decref(create_ok(&srv, insp, 3000, NULL, uid));

	/* The right SHA-1: 204. */
	patch_req(&srv, insp, uid, 0, &src, 0, 1000,
	          (const char *const[]){sha1_header(&src, 0, 1000, ck, sizeof ck), NULL}, &r);
	expect_patched(&r, 1000, NULL, NULL, "PATCH with the right sha1");
	/* Another digest (of other bytes): 460 checksum_mismatch, offset unchanged. */
	struct byte_src other = {"abc", 3, 3, 0};
	char wrong[128];
	sha1_header(&other, 0, 3, wrong, sizeof wrong);
	patch_req(&srv, insp, uid, 1000, &src, 1000, 1000, (const char *const[]){wrong, NULL}, &r);
	want_problem(&r, 460, "checksum_mismatch", "PATCH with a wrong sha1");
	http_resp_release(&r);
	assert_int_equal(head_offset(&srv, insp, uid), 1000);
	/* The digest of the whole rest, sent with only a part: also a mismatch. */
	patch_req(&srv, insp, uid, 1000, &src, 1000, 1000,
	          (const char *const[]){sha1_header(&src, 1000, 2000, ck, sizeof ck), NULL}, &r);
	want_problem(&r, 460, "checksum_mismatch", "PATCH with the sha1 of other bytes");
	http_resp_release(&r);
	assert_int_equal(head_offset(&srv, insp, uid), 1000);
	/* Another algorithm: 400 checksum_algorithm_unsupported. */
	patch_req(&srv, insp, uid, 1000, &src, 1000, 1000,
	          (const char *const[]){"Upload-Checksum: md5 1B2M2Y8AsgTpgAmY7PhCfg==", NULL}, &r);
	want_problem(&r, 400, "checksum_algorithm_unsupported", "PATCH with an md5 checksum");
	http_resp_release(&r);
	assert_int_equal(head_offset(&srv, insp, uid), 1000);
	/* The rest with its right digest completes it; the bytes are the source's. */
	patch_req(&srv, insp, uid, 1000, &src, 1000, 2000,
	          (const char *const[]){sha1_header(&src, 1000, 2000, ck, sizeof ck), NULL}, &r);
	expect_patched(&r, 3000, NULL, pid, "the last chunk with its sha1");
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
}

static void test_not_an_image(void **state)
{
	(void)state;
	struct http_resp r;
	char uid[ID_LEN], path[128];
	size_t before = upload_files(&srv);

	/* Text: 415 as soon as 16 bytes are there, and the upload is gone. */
	static const char text[] = "hello world, this is not an image at all\n";
	struct byte_src t = {text, sizeof text - 1, 500, 'x'};
	json_decref(create_ok(&srv, insp, 500, NULL, uid));
	patch_req(&srv, insp, uid, 0, &t, 0, 200, NULL, &r);
	want_problem(&r, 415, "unsupported_media_type", "text bytes");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, uid, "after text bytes");
	assert_no_file(&srv, uid, "text bytes");
	assert_int_equal(api_status(&srv, pathf(path, sizeof path, "/api/v1/photos/%s", uid), insp), 404);

	/* 10 bytes are not enough to tell: 204; 10 more make 20: 415. */
	json_decref(create_ok(&srv, insp, 500, NULL, uid));
	patch_ok(&srv, insp, uid, 0, &t, 0, 10, NULL);
	patch_req(&srv, insp, uid, 10, &t, 10, 10, NULL, &r);
	want_problem(&r, 415, "unsupported_media_type", "text bytes past 16");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, uid, "after text bytes past 16");
	assert_no_file(&srv, uid, "text bytes past 16");

	/* Regression: a first PATCH cut short after 500 text bytes still has its type checked
	 * (the check once ran only on whole chunks, so junk could be parked up to the cap). */
	json_decref(create_ok(&srv, insp, 500, NULL, uid));
	int fd = raw_patch(&srv, insp, uid, 0, 500, "", &t, 0, 250);
	sleep_ms(100);
	close(fd);
	for (int i = 0; i < 100 && head_status(&srv, insp, uid) != 404; i++)
		sleep_ms(50);
	assert_upload_gone(&srv, insp, uid, "after an interrupted chunk of text");
	assert_no_file(&srv, uid, "interrupted text chunk");

	/* A GIF: not one of the accepted types. */
	static const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a', 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00};
	struct byte_src g = {gif, sizeof gif, 300, 0};
	json_decref(create_ok(&srv, insp, 300, NULL, uid));
	patch_req(&srv, insp, uid, 0, &g, 0, 300, NULL, &r);
	want_problem(&r, 415, "unsupported_media_type", "GIF bytes");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, uid, "after GIF bytes");
	assert_files(&srv, before, "refused non-images");
}

static void test_method_override(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 2000, 0x38);
	char uid[ID_LEN], pid[ID_LEN], path[96];
	struct http_resp r;

	/* POST + X-HTTP-Method-Override: PATCH is a PATCH (wx.request cannot send PATCH). */
	json_decref(create_ok(&srv, insp, 2000, NULL, uid));
	static const char *const as_patch[] = {"X-HTTP-Method-Override: PATCH", NULL};
	patch_call(&srv, "POST", insp, uid, 0, &src, 0, 1000, 0, as_patch, &r);
	expect_patched(&r, 1000, NULL, NULL, "POST overridden to PATCH");
	assert_int_equal(head_offset(&srv, insp, uid), 1000);
	/* …with its rules: a wrong offset is 409. */
	patch_call(&srv, "POST", insp, uid, 0, &src, 0, 1000, 0, as_patch, &r);
	want_problem(&r, 409, "offset_mismatch", "overridden PATCH at a wrong offset");
	header_is(&r, "Upload-Offset", "1000");
	http_resp_release(&r);
	patch_call(&srv, "POST", insp, uid, 1000, &src, 1000, 1000, 0, as_patch, &r);
	expect_patched(&r, 2000, NULL, pid, "POST overridden to PATCH, completing");
	assert_string_equal(pid, uid);
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);

	/* Other override values: 400, the upload untouched. */
	json_decref(create_ok(&srv, insp, 2000, NULL, uid));
	static const char *const bogus[] = {"X-HTTP-Method-Override: PUT", "X-HTTP-Method-Override: GET",
	                                    "X-HTTP-Method-Override: FROB"};
	for (size_t i = 0; i < 3; i++) {
		patch_call(&srv, "POST", insp, uid, 0, &src, 0, 500, 0, (const char *const[]){bogus[i], NULL}, &r);
		want_problem(&r, 400, "bad_request", bogus[i]);
		http_resp_release(&r);
	}
	assert_int_equal(head_offset(&srv, insp, uid), 0);

	/* POST + X-HTTP-Method-Override: DELETE terminates. */
	patch_ok(&srv, insp, uid, 0, &src, 0, 500, NULL);
	assert_true(upload_file_exists(&srv, uid));
	tus_call(&srv, "POST", upath(uid, path, sizeof path), insp,
	         (const char *const[]){"X-HTTP-Method-Override: DELETE", NULL}, NULL, 0, 0, 0, &r);
	want_status(&r, 204, "POST overridden to DELETE");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, uid, "after POST overridden to DELETE");
	assert_no_file(&srv, uid, "POST overridden to DELETE");

	/* The header is honoured on /api/v1/uploads/{id} only: on the collection a POST stays a creation. */
	tus_call(&srv, "POST", "/api/v1/uploads", insp,
	         (const char *const[]){"X-HTTP-Method-Override: PATCH", "Upload-Length: 100", NULL}, NULL, 0, 0, 0, &r);
	json_decref(expect_creation(&r, 100, uid, NULL, "POST /api/v1/uploads with an override header"));
	delete_ok(&srv, insp, uid);
}

static void test_delete_and_privacy(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 1000, 0x39);
	char uid[ID_LEN], pid[ID_LEN], path[96];
	struct http_resp r;
	json_decref(create_ok(&srv, insp, 1000, NULL, uid));
	patch_ok(&srv, insp, uid, 0, &src, 0, 500, NULL);
	upath(uid, path, sizeof path);

	/* Someone else's upload does not exist for them, admin included. */
	const char *others[] = {crew.insp_two.access, sup, admin, crew.cast.inspector.access};
	for (size_t i = 0; i < 4; i++) {
		assert_upload_gone(&srv, others[i], uid, "someone else's upload");
		patch_req(&srv, others[i], uid, 500, &src, 500, 500, NULL, &r);
		want_problem(&r, 404, "not_found", "PATCH someone else's upload");
		http_resp_release(&r);
		tus_call(&srv, "DELETE", path, others[i], NULL, NULL, 0, -1, 0, &r);
		want_problem(&r, 404, "not_found", "DELETE someone else's upload");
		http_resp_release(&r);
		patch_call(&srv, "POST", others[i], uid, 0, NULL, 0, 0, 0,
		           (const char *const[]){"X-HTTP-Method-Override: DELETE", NULL}, &r);
		want_problem(&r, 404, "not_found", "POST-as-DELETE someone else's upload");
		http_resp_release(&r);
	}
	assert_int_equal(head_offset(&srv, insp, uid), 500);
	assert_true(upload_file_exists(&srv, uid));

	/* Its owner deletes it: 204, then 404 everywhere, and the partial file is gone. */
	delete_ok(&srv, insp, uid);
	assert_upload_gone(&srv, insp, uid, "after DELETE");
	tus_call(&srv, "DELETE", path, insp, NULL, NULL, 0, -1, 0, &r);
	want_problem(&r, 404, "not_found", "DELETE twice");
	http_resp_release(&r);
	patch_req(&srv, insp, uid, 500, &src, 500, 500, NULL, &r);
	want_problem(&r, 404, "not_found", "PATCH after DELETE");
	http_resp_release(&r);
	assert_no_file(&srv, uid, "DELETE");

	/* Deleting a completed upload keeps its photo. */
	json_decref(create_ok(&srv, insp, 1000, NULL, uid));
	patch_ok(&srv, insp, uid, 0, &src, 0, 1000, pid);
	delete_ok(&srv, insp, uid);
	assert_upload_gone(&srv, insp, uid, "a completed upload after DELETE");
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
}

static void test_completed_upload(void **state)
{
	(void)state;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 1500, 0x3a);
	char uid[ID_LEN], pid[ID_LEN], again[ID_LEN], v[256];
	struct http_resp r;
	json_t *u = create_ok(&srv, insp, 1500, NULL, uid);
	assert_int_equal(json_object_size(json_object_get(u, "metadata")), 0);
	json_decref(u);
	/* No metadata sent: HEAD has no Upload-Metadata. */
	head_req(&srv, insp, uid, &r);
	want_status(&r, 200, "HEAD");
	if (http_header(&r, "Upload-Metadata", v, sizeof v))
		fail_msg("HEAD of an upload created without metadata has Upload-Metadata: %s", v);
	http_resp_release(&r);

	send_rest(&srv, insp, uid, &src, 0, 700, pid);
	assert_string_equal(pid, uid);
	/* HEAD: offset = length; GET: photo_id. */
	head_req(&srv, insp, uid, &r);
	want_status(&r, 200, "HEAD of a completed upload");
	header_is(&r, "Upload-Offset", "1500");
	header_is(&r, "Upload-Length", "1500");
	http_resp_release(&r);
	u = upload_get(&srv, insp, uid);
	check_upload(u, uid, 1500, 1500, pid);
	json_decref(u);

	/* The final empty PATCH repeated (a lost answer): 204 with Photo-Id, twice. */
	for (int i = 0; i < 2; i++) {
		patch_req(&srv, insp, uid, 1500, NULL, 0, 0, NULL, &r);
		expect_patched(&r, 1500, NULL, again, "the final PATCH repeated");
		assert_string_equal(again, pid);
	}
	json_t *p = photo_get(&srv, insp, pid);
	static const char *const nulls[] = {"inspection_id", "finding_id", "caption", "taken_at", "lat", "lng"};
	for (size_t i = 0; i < 6; i++)
		if (!json_is_null(json_object_get(p, nulls[i])))
			fail_msg("photo without metadata: %s should be null", nulls[i]);
	json_decref(p);
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
}

static void test_metadata_id(void **state)
{
	(void)state;
	unsigned char head[96], head2[96];
	struct byte_src src = jpeg_src(head, 4000, 0x11);
	char pid[ID_LEN], uid[ID_LEN], got[ID_LEN], path[96];
	struct buf m = BUF_INIT;
	meta_add(&m, "id", uuid_v4(pid));
	meta_add(&m, "caption", "第一次");

	/* The client's id becomes the photo's. */
	json_decref(create_ok(&srv, insp, 4000, buf_cstr(&m), uid));
	assert_string_not_equal(uid, pid);
	send_rest(&srv, insp, uid, &src, 0, 2500, got);
	assert_string_equal(got, pid);
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
	json_t *first = photo_get(&srv, insp, pid);

	/* The same id and bytes again (a retry): completes with the same photo. */
	json_decref(create_ok(&srv, insp, 4000, buf_cstr(&m), uid));
	send_rest(&srv, insp, uid, &src, 0, 2500, got);
	assert_string_equal(got, pid);
	json_t *p = photo_get(&srv, insp, pid);
	if (!json_equal(p, first))
		fail_msg("the retry changed the photo");
	json_decref(p);

	/* The same id with other bytes: 409 id_conflict at completion, the upload removed. */
	struct byte_src other = jpeg_src(head2, 4000, 0x22);
	json_decref(create_ok(&srv, insp, 4000, buf_cstr(&m), uid));
	patch_ok(&srv, insp, uid, 0, &other, 0, 2500, NULL);
	struct http_resp r;
	patch_req(&srv, insp, uid, 2500, &other, 2500, 1500, NULL, &r);
	want_problem(&r, 409, "id_conflict", "completing with the id of a photo with other bytes");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, uid, "after an id_conflict");
	assert_no_file(&srv, uid, "id_conflict at completion");
	assert_photo_tmp_empty(&srv, "id_conflict at completion");
	p = photo_get(&srv, insp, pid);
	if (!json_equal(p, first))
		fail_msg("the photo changed after an id_conflict");
	json_decref(p);
	assert_photo_is(&srv, insp, pid, crew.insp_city.user_id, &src);
	/* No photo under the upload's own id either. */
	assert_int_equal(api_status(&srv, pathf(path, sizeof path, "/api/v1/photos/%s", uid), insp), 404);
	json_decref(first);
	buf_release(&m);
}

static void test_link_checked_at_completion(void **state)
{
	(void)state;
	char iid[ID_LEN], uid[ID_LEN], path[96];
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 2000, 0x3b);
	draft_a1(iid);
	struct buf m = BUF_INIT;
	meta_add(&m, "inspection_id", iid);
	json_decref(create_ok(&srv, insp, 2000, buf_cstr(&m), uid));
	patch_ok(&srv, insp, uid, 0, &src, 0, 1000, NULL);
	/* The inspection is submitted meanwhile: the completion is refused and the upload removed. */
	json_decref(inspection_complete_submit(&srv, insp, iid, tpl));
	struct http_resp r;
	patch_req(&srv, insp, uid, 1000, &src, 1000, 1000, NULL, &r);
	want_problem(&r, 409, "invalid_transition", "completing an upload linked to a now submitted inspection");
	http_resp_release(&r);
	assert_upload_gone(&srv, insp, uid, "after a refused completion");
	assert_no_file(&srv, uid, "refused completion");
	assert_photo_tmp_empty(&srv, "refused completion");
	assert_int_equal(api_status(&srv, pathf(path, sizeof path, "/api/v1/photos/%s", uid), insp), 404);
	buf_release(&m);
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

/* A server with max-photo-size 1 MiB and 2 unfinished uploads per user. */
static void test_limits(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, "INSPECTD_MAX_PHOTO_SIZE=1MiB",
	                                  "INSPECTD_MAX_UPLOADS_PER_USER=2", NULL};
	server_start(&s2, env);
	struct tokens adm, other;
	api_login_ok(&s2, "admin", BOOTSTRAP_PASSWORD, &adm);
	const char *tok = adm.access;
	struct http_resp r;

	tus_call(&s2, "OPTIONS", "/api/v1/uploads", NULL, NULL, NULL, 0, -1, 0, &r);
	want_status(&r, 204, "OPTIONS");
	header_is(&r, "Tus-Max-Size", "1048576");
	http_resp_release(&r);

	size_t before = upload_files(&s2);
	create_req(&s2, tok, 1048577, NULL, &r);
	want_problem(&r, 413, "payload_too_large", "Upload-Length 1 MiB + 1");
	http_resp_release(&r);
	assert_files(&s2, before, "too large");

	/* Two unfinished uploads (one of exactly 1 MiB), then 409 too_many_uploads. */
	char a[ID_LEN], b[ID_LEN], c[ID_LEN], d[ID_LEN], e[ID_LEN], pid[ID_LEN];
	json_decref(create_ok(&s2, tok, 1048576, NULL, a));
	json_decref(create_ok(&s2, tok, 100, NULL, b));
	before = upload_files(&s2);
	create_req(&s2, tok, 100, NULL, &r);
	want_problem(&r, 409, "too_many_uploads", "a third unfinished upload");
	http_resp_release(&r);
	assert_files(&s2, before, "too_many_uploads");

	/* The cap is per user. */
	char root[ID_LEN];
	api_org_id(&s2, tok, "root", root);
	api_create_user(&s2, tok, "insp.cap", "inspector", root, FIXTURE_PASSWORD, NULL);
	api_login_ok(&s2, "insp.cap", FIXTURE_PASSWORD, &other);
	json_decref(create_ok(&s2, other.access, 100, NULL, c));

	/* Deleting one frees a place. */
	delete_ok(&s2, tok, b);
	json_decref(create_ok(&s2, tok, 100, NULL, d));
	create_req(&s2, tok, 100, NULL, &r);
	want_problem(&r, 409, "too_many_uploads", "a third unfinished upload again");
	http_resp_release(&r);
	/* A completed upload is not unfinished. */
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 100, 0x3c);
	patch_ok(&s2, tok, d, 0, &src, 0, 100, pid);
	json_decref(create_ok(&s2, tok, 100, NULL, e));
	/* The 1 MiB one takes exactly 1 MiB. */
	struct byte_src big = jpeg_src(head, 1048576, 0x3d);
	patch_ok(&s2, tok, a, 0, &big, 0, 1048576, pid);
	assert_photo_is(&s2, tok, pid, adm.user_id, &big);
	assert_int_equal(server_stop(&s2), 0);
	server_cleanup(&s2);
}

/* Expiry: uploads expire upload-expiry-s after their creation; the sweep removes them (and orphan
 * partial files) at start-up and every upload-sweep-s. */
static void test_expiry(void **state)
{
	(void)state;
	static const char *const env3[] = {BOOTSTRAP_ENV, "INSPECTD_UPLOAD_EXPIRY_S=2", "INSPECTD_UPLOAD_SWEEP_S=86400",
	                                   NULL};
	server_start(&s3, env3);
	struct tokens adm;
	api_login_ok(&s3, "admin", BOOTSTRAP_PASSWORD, &adm);
	const char *tok = adm.access;
	unsigned char head[96];
	struct byte_src src = jpeg_src(head, 5000, 0x3e);
	char u1[ID_LEN], u2[ID_LEN], u3[ID_LEN], orphan[ID_LEN], exp[64], path[96];
	struct http_resp r;

	create_req(&s3, tok, 5000, NULL, &r);
	double t0 = now_ms();
	json_t *u = expect_creation(&r, 5000, u1, exp, "creation with a 2 s expiry");
	long long life = (long long)(rfc3339_secs(jstr(u, "expires_at")) - rfc3339_secs(jstr(u, "created_at")));
	if (life != 2)
		fail_msg("expires_at - created_at is %lld s with upload-expiry-s 2", life);
	json_decref(u);
	patch_req(&s3, tok, u1, 0, &src, 0, 1000, NULL, &r);
	expect_patched(&r, 1000, exp, NULL, "PATCH before expiry");
	assert_true(upload_file_exists(&s3, u1));
	json_decref(create_ok(&s3, tok, 100, NULL, u2));

	/* Expired (the sweep is far away): 410 upload_expired. */
	long st = 0;
	while (now_ms() - t0 < 6000 && (st = head_status(&s3, tok, u1)) == 200)
		sleep_ms(100);
	if (st != 410)
		fail_msg("HEAD of an upload %.0f ms after its creation with a 2 s expiry: %ld, want 410", now_ms() - t0,
		         st);
	tus_call(&s3, "GET", upath(u1, path, sizeof path), tok, NULL, NULL, 0, -1, 0, &r);
	want_problem(&r, 410, "upload_expired", "GET an expired upload");
	http_resp_release(&r);
	patch_req(&s3, tok, u1, 1000, &src, 1000, 1000, NULL, &r);
	want_problem(&r, 410, "upload_expired", "PATCH an expired upload");
	http_resp_release(&r);
	assert_true(upload_file_exists(&s3, u1));
	assert_int_equal(server_stop(&s3), 0);

	/* An orphan partial file; then a restart with a 1 s sweep: the start-up sweep removes both. */
	char opath[400];
	snprintf(opath, sizeof opath, "%s/photos/uploads/%s", s3.data_dir, uuid_v4(orphan));
	FILE *f = fopen(opath, "wb");
	if (!f)
		fail_msg("cannot write %s: %s", opath, strerror(errno));
	fputs("orphan partial bytes", f);
	fclose(f);
	static const char *const env4[] = {BOOTSTRAP_ENV, "INSPECTD_UPLOAD_EXPIRY_S=2", "INSPECTD_UPLOAD_SWEEP_S=1",
	                                   NULL};
	server_start_on(&s4, s3.data_dir, env4);
	snprintf(s4.data_dir, sizeof s4.data_dir, "%s", s3.data_dir); /* the disk checks look there */
	assert_no_file(&s4, u1, "the start-up sweep (expired upload)");
	assert_no_file(&s4, u2, "the start-up sweep (expired upload without bytes)");
	assert_no_file(&s4, orphan, "the start-up sweep (orphan file)");
	api_login_ok(&s4, "admin", BOOTSTRAP_PASSWORD, &adm);
	tok = adm.access;
	assert_upload_gone(&s4, tok, u1, "an expired upload after the start-up sweep");
	assert_upload_gone(&s4, tok, u2, "an expired upload after the start-up sweep");

	/* The background sweep: about 3 s after its creation an upload and its bytes are gone. */
	json_decref(create_ok(&s4, tok, 5000, NULL, u3));
	t0 = now_ms();
	patch_ok(&s4, tok, u3, 0, &src, 0, 1000, NULL);
	assert_true(upload_file_exists(&s4, u3));
	st = 200;
	while (now_ms() - t0 < 6000) {
		st = head_status(&s4, tok, u3);
		if (st != 200 && st != 410 && st != 404)
			fail_msg("HEAD of an expiring upload: %ld", st);
		if (st == 404 && !upload_file_exists(&s4, u3))
			break;
		sleep_ms(100);
	}
	if (st != 404 || upload_file_exists(&s4, u3))
		fail_msg("%.0f ms after creation (expiry 2 s, sweep 1 s): HEAD %ld, partial file %s", now_ms() - t0, st,
		         upload_file_exists(&s4, u3) ? "still there" : "gone");
	assert_int_equal(server_stop(&s4), 0);
	server_cleanup(&s4);
	server_cleanup(&s3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_options),
	        cmocka_unit_test(test_create),
	        cmocka_unit_test(test_create_refusals),
	        cmocka_unit_test(test_metadata_invalid),
	        cmocka_unit_test(test_create_links),
	        cmocka_unit_test(test_big_upload),
	        cmocka_unit_test(test_interrupted_resume),
	        cmocka_unit_test(test_interrupted_with_checksum),
	        cmocka_unit_test(test_locked),
	        cmocka_unit_test(test_patch_rules),
	        cmocka_unit_test(test_checksum),
	        cmocka_unit_test(test_not_an_image),
	        cmocka_unit_test(test_method_override),
	        cmocka_unit_test(test_delete_and_privacy),
	        cmocka_unit_test(test_completed_upload),
	        cmocka_unit_test(test_metadata_id),
	        cmocka_unit_test(test_link_checked_at_completion),
	        cmocka_unit_test(test_clean_shutdown),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_expiry),
	};
	return cmocka_run_group_tests_name("api_uploads", tests, group_setup, group_teardown);
}
