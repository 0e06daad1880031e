/*
 * Photos through the real binary (issue 5, first part): uploads the way
 * WeChat's wx.uploadFile sends them (multipart/form-data, the file in field
 * "file", the other fields as text parts) and as a raw body with query
 * parameters; the type decided by magic bytes; sha256 and size; idempotent
 * retries and id conflicts; identical bytes under two ids stored once; who
 * may see a photo (the uploader, whoever sees the linked inspection) and who
 * may add one (the inspection's inspector, while it is editable); serving the
 * bytes with ETag, If-None-Match, ranges and HEAD; and the rejections (too
 * large, not an image, other content types, malformed or incomplete forms,
 * bad fields), each leaving nothing behind on disk or in the database.
 */
#define _GNU_SOURCE /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;                    /* the default template */
static char round_id[ID_LEN];          /* sup.a's round: A1, A2; insp.city and insp.two */
static const char *insp, *sup, *admin; /* insp.city, sup.a, admin */
static struct server_proc s2;          /* the second server (a photo limit of 3) */
static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

#define MIB (1024u * 1024u)

/* ---- test images ------------------------------------------------------------------------ */

/* An image of kind ("jpeg", "png", "webp", "heic", "gif", "text") of about
 * len bytes: the format's magic numbers, then a unique tag (so no two calls
 * give the same bytes), then filler. Caller frees. */
static unsigned char *image(const char *kind, size_t len, size_t *out_len)
{
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F',
	                                     0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
	static const unsigned char png[] = {0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0x00, 0x00, 0x00,
	                                    0x0d, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	                                    0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde};
	static const unsigned char webp[] = {'R', 'I', 'F', 'F', 0x24, 0x00, 0x00, 0x00, 'W',  'E',
	                                     'B', 'P', 'V', 'P', '8',  ' ',  0x18, 0x00, 0x00, 0x00};
	static const unsigned char heic[] = {0x00, 0x00, 0x00, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c',
	                                     0x00, 0x00, 0x00, 0x00, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
	static const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a', 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00};
	static const unsigned char text[] = "这不是图片 - just some text, not an image\n";
	static unsigned counter;
	const unsigned char *magic;
	size_t mlen;
	if (strcmp(kind, "jpeg") == 0)
		magic = jpeg, mlen = sizeof jpeg;
	else if (strcmp(kind, "png") == 0)
		magic = png, mlen = sizeof png;
	else if (strcmp(kind, "webp") == 0)
		magic = webp, mlen = sizeof webp;
	else if (strcmp(kind, "heic") == 0)
		magic = heic, mlen = sizeof heic;
	else if (strcmp(kind, "gif") == 0)
		magic = gif, mlen = sizeof gif;
	else
		magic = text, mlen = sizeof text - 1;
	char tag[96], uuid[ID_LEN];
	int tlen = snprintf(tag, sizeof tag, "tag-%u-%s;", ++counter, uuid_v4(uuid));
	if (len < mlen + (size_t)tlen)
		len = mlen + (size_t)tlen;
	unsigned char *b = malloc(len);
	assert_non_null(b);
	memcpy(b, magic, mlen);
	memcpy(b + mlen, tag, (size_t)tlen);
	for (size_t i = mlen + (size_t)tlen; i < len; i++)
		b[i] = strcmp(kind, "text") == 0 ? (unsigned char)('a' + i % 26) : (unsigned char)(i * 31 + 7);
	*out_len = len;
	return b;
}

/* A byte_src over bytes. */
static struct byte_src src_of(const void *bytes, size_t len)
{
	return (struct byte_src){bytes, len, len, 0};
}

/* ---- the disk ---------------------------------------------------------------------------- */

static size_t walk_count;

static int count_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_F && !strstr(path, "/photos/tmp/"))
		walk_count++;
	return 0;
}

/* Regular files under <data>/photos outside tmp (0 when it doesn't exist). */
static size_t stored_files(struct server_proc *s)
{
	char root[400];
	snprintf(root, sizeof root, "%s/photos", s->data_dir);
	walk_count = 0;
	struct stat st;
	if (stat(root, &st) != 0)
		return 0;
	nftw(root, count_entry, 16, FTW_PHYS);
	return walk_count;
}

/* Entries in <data>/photos/tmp (0 when it doesn't exist). */
static size_t tmp_entries(struct server_proc *s)
{
	char dir[400];
	snprintf(dir, sizeof dir, "%s/photos/tmp", s->data_dir);
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

/* photos/tmp is empty (allowing the server a moment after its answer). */
static void assert_tmp_empty(struct server_proc *s, const char *what)
{
	for (int i = 0; i < 50 && tmp_entries(s) > 0; i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (tmp_entries(s) > 0)
		fail_msg("%s: %zu file(s) left in %s/photos/tmp", what, tmp_entries(s), s->data_dir);
}

/* ---- uploads ----------------------------------------------------------------------------- */

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
	server_cleanup(&s2);
	server_cleanup(&srv);
	return 0;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

/* A new draft of insp.city in the round at A1. */
static void draft_a1(char *id)
{
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, id));
}

/* Optional text fields of an upload (NULL: not sent). */
struct fields {
	const char *id, *inspection_id, *finding_id, *taken_at, *lat, *lng, *caption;
};

/* The parts wx.uploadFile sends: formData text fields, then the file. */
static size_t form_parts(const struct fields *f, const struct byte_src *file, const char *filename, const char *type,
                         struct form_part *parts)
{
	size_t n = 0;
	const char *names[] = {"id", "inspection_id", "finding_id", "taken_at", "lat", "lng", "caption"};
	const char *values[] = {f->id, f->inspection_id, f->finding_id, f->taken_at, f->lat, f->lng, f->caption};
	for (size_t i = 0; i < 7; i++)
		if (values[i])
			parts[n++] = (struct form_part){names[i], values[i], NULL, NULL, NULL};
	if (file)
		parts[n++] = (struct form_part){"file", NULL, file, filename, type};
	return n;
}

static void upload_form(struct server_proc *s, const char *bearer, const struct fields *f, const struct byte_src *file,
                        const char *filename, const char *type, struct http_resp *r)
{
	struct form_part parts[8];
	size_t n = form_parts(f, file, filename, type, parts);
	photo_upload_form(s, bearer, parts, n, 0, r);
}

/* The query string of f's fields (escaped). Caller frees. */
static char *fields_query(const struct fields *f)
{
	struct buf q = BUF_INIT;
	const char *names[] = {"id", "inspection_id", "finding_id", "taken_at", "lat", "lng", "caption"};
	const char *values[] = {f->id, f->inspection_id, f->finding_id, f->taken_at, f->lat, f->lng, f->caption};
	for (size_t i = 0; i < 7; i++) {
		if (!values[i])
			continue;
		char *e = qs_escape(values[i]);
		buf_printf(&q, "%s%s=%s", q.len ? "&" : "", names[i], e);
		free(e);
	}
	size_t len;
	char *out = buf_detach(&q, &len);
	return out ? out : strdup("");
}

/* Checks a Photo body against what was sent. */
static void check_photo(const json_t *p, const char *id, const char *owner, const struct byte_src *bytes,
                        const char *mime, const struct fields *f)
{
	char sha[65];
	src_sha256(bytes, sha);
	if (id)
		assert_string_equal(jstr(p, "id"), id);
	else
		assert_int_equal(strlen(jstr(p, "id")), 36);
	assert_string_equal(jstr(p, "owner_id"), owner);
	assert_string_equal(jstr(p, "sha256"), sha);
	assert_int_equal(jint(p, "size"), (long long)bytes->total);
	assert_string_equal(jstr(p, "mime"), mime);
	assert_true(json_is_null(json_object_get(p, "width")));
	assert_true(json_is_null(json_object_get(p, "height")));
	assert_int_equal(jint(p, "version"), 1);
	assert_timestamp(jstr(p, "uploaded_at"));
	static const char *const links[] = {"inspection_id", "finding_id", "caption"};
	const char *want[] = {f ? f->inspection_id : NULL, f ? f->finding_id : NULL, f ? f->caption : NULL};
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(p, links[i]);
		if (!v)
			fail_msg("the photo has no member %s", links[i]);
		if (want[i])
			assert_string_equal(json_string_value(v), want[i]);
		else if (!json_is_null(v))
			fail_msg("%s should be null", links[i]);
	}
	json_t *t = json_object_get(p, "taken_at");
	if (f && f->taken_at) {
		assert_timestamp(json_string_value(t));
		assert_memory_equal(json_string_value(t), f->taken_at, 19);
	} else {
		assert_true(t && json_is_null(t));
	}
	static const char *const coords[] = {"lat", "lng"};
	const char *cw[] = {f ? f->lat : NULL, f ? f->lng : NULL};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(p, coords[i]);
		if (!v)
			fail_msg("the photo has no member %s", coords[i]);
		if (cw[i]) {
			double d = jnum(v) - strtod(cw[i], NULL);
			if (d > 1e-9 || d < -1e-9)
				fail_msg("%s is %g, sent %s", coords[i], jnum(v), cw[i]);
		} else if (!json_is_null(v)) {
			fail_msg("%s should be null", coords[i]);
		}
	}
}

/* Expects a 201 for a new photo (Location, ETag "1"); returns the body. */
static json_t *expect_created(struct http_resp *r, const char *what)
{
	if (r->status != 201)
		fail_msg("%s: expected 201, got %ld: %.400s", what, r->status, buf_cstr(&r->body));
	json_t *p = http_json(r);
	char loc[128];
	assert_created(r, pathf(loc, sizeof loc, "/api/v1/photos/%s", jstr(p, "id")), 1);
	return p;
}

/* Uploads bytes (multipart, as JPEG) with fields f by bearer, expecting 201; returns the photo. */
static json_t *upload_ok(const char *bearer, const struct fields *f, const void *bytes, size_t len)
{
	struct byte_src src = src_of(bytes, len);
	struct http_resp r;
	upload_form(&srv, bearer, f, &src, "tmp_photo.jpg", "image/jpeg", &r);
	json_t *p = expect_created(&r, "upload");
	http_resp_release(&r);
	return p;
}

/* A fresh JPEG uploaded with fields f; id (may be NULL) gets the photo id. */
static json_t *upload_jpeg(const char *bearer, const struct fields *f, char *id)
{
	size_t len;
	unsigned char *b = image("jpeg", 300, &len);
	json_t *p = upload_ok(bearer, f, b, len);
	free(b);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(p, "id"));
	return p;
}

/*
 * After a rejected upload that carried id: nothing stored. photos/tmp is
 * empty, no stored file appeared since before (the count then), and the id
 * is still free: a fresh upload under it (by admin) is a 201.
 */
static void assert_nothing_stored(struct server_proc *s, const char *what, size_t files_before, const char *id,
                                  const char *admin_token)
{
	assert_tmp_empty(s, what);
	size_t now = stored_files(s);
	if (now != files_before)
		fail_msg("%s: %zu stored file(s) before, %zu after", what, files_before, now);
	if (id) {
		size_t len;
		unsigned char *b = image("png", 100, &len);
		struct byte_src src = src_of(b, len);
		struct http_resp r;
		struct fields f = {.id = id};
		upload_form(s, admin_token, &f, &src, "check.png", "image/png", &r);
		if (r.status != 201)
			fail_msg("%s: the id %s was taken after all: re-upload answered %ld: %.300s", what, id,
			         r.status, buf_cstr(&r.body));
		http_resp_release(&r);
		free(b);
	}
}

/* A rejected request: status and problem code, then nothing stored. */
static void expect_rejected(struct http_resp *r, long status, const char *code, const char *what, size_t files_before,
                            const char *id)
{
	if (r->status != status)
		fail_msg("%s: expected %ld %s, got %ld: %.400s", what, status, code, r->status, buf_cstr(&r->body));
	assert_problem(r, status, code);
	http_resp_release(r);
	assert_nothing_stored(&srv, what, files_before, id, admin);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_sha256_self_check(void **state)
{
	(void)state;
	char hex[65];
	struct byte_src abc = src_of("abc", 3);
	src_sha256(&abc, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	struct byte_src empty = src_of("", 0);
	src_sha256(&empty, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	struct byte_src mil = {"", 0, 1000000, 'a'};
	src_sha256(&mil, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_upload_multipart(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN], path[128];
	draft_a1(insp_id);
	uuid_v4(pid);
	size_t len;
	unsigned char *b = image("jpeg", 5000, &len);
	struct byte_src src = src_of(b, len);
	struct fields f = {.id = pid,
	                   .inspection_id = insp_id,
	                   .taken_at = "2026-11-28T08:30:00Z",
	                   .lat = "30.274085",
	                   .lng = "-120.155070",
	                   .caption = "村委会公示栏"};
	size_t before = stored_files(&srv);
	struct http_resp r;
	upload_form(&srv, insp, &f, &src, "wxfile://tmp_0a1b2c.jpg", "image/jpeg", &r);
	json_t *p = expect_created(&r, "multipart upload");
	http_resp_release(&r);
	check_photo(p, pid, crew.insp_city.user_id, &src, "image/jpeg", &f);
	assert_int_equal(stored_files(&srv), before + 1);
	/* The store's layout the nothing-left-behind checks rely on: <data>/photos/tmp exists, and is empty. */
	char tmpdir[400];
	struct stat st;
	snprintf(tmpdir, sizeof tmpdir, "%s/photos/tmp", srv.data_dir);
	if (stat(tmpdir, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("%s is not a directory", tmpdir);
	assert_tmp_empty(&srv, "multipart upload");

	/* GET gives the same object with ETag "1". */
	api_get(&srv, pathf(path, sizeof path, "/api/v1/photos/%s", pid), insp, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *g = http_json(&r);
	http_resp_release(&r);
	if (!json_same(g, p))
		fail_msg("GET differs from the upload's answer");
	json_decref(g);
	json_decref(p);
	free(b);

	/* Without an id the server makes one; no fields at all is fine. */
	b = image("jpeg", 100, &len);
	src = src_of(b, len);
	struct fields none = {0};
	upload_form(&srv, insp, &none, &src, "a.jpg", "image/jpeg", &r);
	p = expect_created(&r, "upload without an id");
	http_resp_release(&r);
	check_photo(p, NULL, crew.insp_city.user_id, &src, "image/jpeg", NULL);
	json_decref(p);
	free(b);

	/* A caption of 200 characters (600 bytes of UTF-8) is fine. */
	struct buf cap = BUF_INIT;
	for (int i = 0; i < 200; i++)
		buf_adds(&cap, "字");
	struct fields longcap = {.caption = buf_cstr(&cap)};
	json_decref(upload_jpeg(insp, &longcap, NULL));
	buf_release(&cap);

	/* Unauthenticated: 401. */
	b = image("jpeg", 100, &len);
	src = src_of(b, len);
	upload_form(&srv, NULL, &none, &src, "a.jpg", "image/jpeg", &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	free(b);
}

static void test_mime_by_magic(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *filename, *declared, *want;
	} cases[] = {
	        {"png", "x.jpg", "image/jpeg", "image/png"},
	        {"jpeg", "x.png", "image/png", "image/jpeg"},
	        {"webp", "photo", "application/octet-stream", "image/webp"},
	        {"heic", "IMG_0001.HEIC", "image/heic", "image/heic"},
	        {"heic", "x.jpg", "image/jpeg", "image/heic"},
	        {"jpeg", "blob", NULL, "image/jpeg"}, /* a filename but no Content-Type */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		unsigned char *b = image(cases[i].kind, 2000, &len);
		struct byte_src src = src_of(b, len);
		char id[ID_LEN];
		struct fields f = {.id = uuid_v4(id)};
		struct http_resp r;
		upload_form(&srv, insp, &f, &src, cases[i].filename, cases[i].declared, &r);
		json_t *p = expect_created(&r, cases[i].kind);
		http_resp_release(&r);
		check_photo(p, id, crew.insp_city.user_id, &src, cases[i].want, &f);
		json_decref(p);
		free(b);
	}
}

static void test_upload_raw(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN];
	draft_a1(insp_id);
	size_t len;
	unsigned char *b = image("jpeg", 4000, &len);
	struct byte_src src = src_of(b, len);
	struct fields f = {.id = uuid_v4(pid),
	                   .inspection_id = insp_id,
	                   .taken_at = "2026-11-27T23:59:59Z",
	                   .lat = "-89.5",
	                   .lng = "179.25",
	                   .caption = "垃圾分类点 & 公厕"};
	char *q = fields_query(&f);
	struct http_resp r;
	photo_upload_raw(&srv, insp, q, "image/jpeg", &src, 0, &r);
	free(q);
	json_t *p = expect_created(&r, "raw upload");
	http_resp_release(&r);
	check_photo(p, pid, crew.insp_city.user_id, &src, "image/jpeg", &f);
	json_decref(p);
	free(b);

	/* The declared type is not believed: WebP bytes sent as image/png. */
	b = image("webp", 1000, &len);
	src = src_of(b, len);
	photo_upload_raw(&srv, insp, NULL, "image/png", &src, 0, &r);
	p = expect_created(&r, "raw WebP as image/png");
	http_resp_release(&r);
	check_photo(p, NULL, crew.insp_city.user_id, &src, "image/webp", NULL);
	json_decref(p);
	free(b);

	/* image/heic with HEIC bytes. */
	b = image("heic", 1000, &len);
	src = src_of(b, len);
	photo_upload_raw(&srv, insp, NULL, "image/heic", &src, 0, &r);
	p = expect_created(&r, "raw HEIC");
	http_resp_release(&r);
	check_photo(p, NULL, crew.insp_city.user_id, &src, "image/heic", NULL);
	json_decref(p);
	free(b);
}

static void test_retry_and_conflict(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN];
	draft_a1(insp_id);
	uuid_v4(pid);
	size_t len;
	unsigned char *b = image("jpeg", 3000, &len);
	struct byte_src src = src_of(b, len);
	struct fields f = {.id = pid, .inspection_id = insp_id, .caption = "第一次"};
	size_t files = stored_files(&srv);
	json_t *first = upload_ok(insp, &f, b, len);
	assert_int_equal(stored_files(&srv), files + 1);

	/* The same id and bytes again (a retry after a lost answer): 200, the same photo. */
	struct http_resp r;
	upload_form(&srv, insp, &f, &src, "tmp_retry.jpg", "image/jpeg", &r);
	if (r.status != 200)
		fail_msg("retry: expected 200, got %ld: %.300s", r.status, buf_cstr(&r.body));
	assert_etag(&r, 1);
	json_t *again = http_json(&r);
	http_resp_release(&r);
	if (!json_same(first, again))
		fail_msg("the retry answered another photo");
	json_decref(again);
	/* …also as a raw body. */
	char *q = fields_query(&f);
	photo_upload_raw(&srv, insp, q, "image/jpeg", &src, 0, &r);
	free(q);
	if (r.status != 200)
		fail_msg("raw retry: expected 200, got %ld: %.300s", r.status, buf_cstr(&r.body));
	again = http_json(&r);
	http_resp_release(&r);
	if (!json_equal(first, again))
		fail_msg("the raw retry answered another photo");
	json_decref(again);
	assert_int_equal(stored_files(&srv), files + 1);

	/* The same id with other bytes: 409 id_conflict, and nothing new on disk. */
	size_t len2;
	unsigned char *b2 = image("jpeg", 3000, &len2);
	struct byte_src src2 = src_of(b2, len2);
	upload_form(&srv, insp, &f, &src2, "tmp_other.jpg", "image/jpeg", &r);
	assert_problem(&r, 409, "id_conflict");
	http_resp_release(&r);
	assert_int_equal(stored_files(&srv), files + 1);
	assert_tmp_empty(&srv, "id_conflict");
	/* The photo is unchanged. */
	char path[128];
	json_t *g = api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", pid), insp, NULL, 200);
	if (!json_equal(first, g))
		fail_msg("the photo changed after an id_conflict");
	json_decref(g);

	/* Identical bytes under another id: another photo, the same sha256, stored once. */
	char pid2[ID_LEN];
	struct fields f2 = {.id = uuid_v4(pid2), .inspection_id = insp_id};
	json_t *second = upload_ok(insp, &f2, b, len);
	assert_string_equal(jstr(second, "id"), pid2);
	assert_string_not_equal(jstr(second, "id"), pid);
	assert_string_equal(jstr(second, "sha256"), jstr(first, "sha256"));
	assert_int_equal(jint(second, "size"), (long long)len);
	assert_int_equal(stored_files(&srv), files + 1);
	/* …and both serve the bytes. */
	const char *ids[] = {pid, pid2};
	for (size_t i = 0; i < 2; i++) {
		api_get(&srv, pathf(path, sizeof path, "/api/v1/photos/%s/content", ids[i]), insp, &r);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body.len, len);
		assert_memory_equal(r.body.data, b, len);
		http_resp_release(&r);
	}
	/* Another uploader with the same bytes: a third photo, still stored once. */
	json_t *third = upload_ok(sup, &(struct fields){0}, b, len);
	assert_string_equal(jstr(third, "sha256"), jstr(first, "sha256"));
	assert_string_equal(jstr(third, "owner_id"), crew.cast.supervisor.user_id);
	assert_int_equal(stored_files(&srv), files + 1);
	json_decref(third);
	json_decref(second);
	json_decref(first);
	free(b);
	free(b2);
}

static void test_visibility(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN], lone[ID_LEN], path[128], cpath[160];
	draft_a1(insp_id);
	json_decref(upload_jpeg(insp, &(struct fields){.inspection_id = insp_id}, pid));
	pathf(path, sizeof path, "/api/v1/photos/%s", pid);
	pathf(cpath, sizeof cpath, "/api/v1/photos/%s/content", pid);

	struct photo_viewer seen[PHOTO_VIEWERS];
	photo_viewers(&crew, seen);
	for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++) {
		const char *paths[] = {path, cpath};
		for (size_t k = 0; k < 2; k++) {
			struct http_resp r;
			api_get(&srv, paths[k], seen[i].token, &r);
			if (r.status != seen[i].want)
				fail_msg("GET %s by %s: expected %ld, got %ld: %.300s", paths[k], seen[i].who,
				         seen[i].want, r.status, r.status == 200 ? "" : buf_cstr(&r.body));
			if (r.status == 404)
				assert_problem(&r, 404, "not_found");
			http_resp_release(&r);
		}
	}

	/* A photo linked to nothing: the uploader and admin only. */
	json_decref(upload_jpeg(insp, &(struct fields){0}, lone));
	pathf(path, sizeof path, "/api/v1/photos/%s", lone);
	assert_int_equal(api_status(&srv, path, insp), 200);
	assert_int_equal(api_status(&srv, path, admin), 200);
	assert_int_equal(api_status(&srv, path, sup), 404);
	assert_int_equal(api_status(&srv, path, crew.insp_two.access), 404);

	/* Unknown ids, and no token. */
	expect_problem(&srv, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", unknown_id), admin, NULL, 404,
	               "not_found");
	expect_problem(&srv, "GET", pathf(path, sizeof path, "/api/v1/photos/%s/content", unknown_id), admin, NULL, 404,
	               "not_found");
	struct http_resp r;
	api_get(&srv, cpath, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
}

static void header_is(const struct http_resp *r, const char *name, const char *want)
{
	char v[256];
	if (!http_header(r, name, v, sizeof v))
		fail_msg("no %s header (want %s)", name, want);
	if (strcmp(v, want) != 0)
		fail_msg("%s is \"%s\", want \"%s\"", name, v, want);
}

static void test_content(void **state)
{
	(void)state;
	char pid[ID_LEN], path[160], etag[80], h[160], v[256];
	size_t len;
	unsigned char *b = image("jpeg", 1000, &len);
	assert_int_equal(len, 1000);
	json_t *p = upload_ok(insp, &(struct fields){.id = uuid_v4(pid)}, b, len);
	snprintf(etag, sizeof etag, "\"%s\"", jstr(p, "sha256"));
	json_decref(p);
	pathf(path, sizeof path, "/api/v1/photos/%s/content", pid);

	struct http_resp r;
	api_get(&srv, path, insp, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 1000);
	assert_memory_equal(r.body.data, b, 1000);
	header_is(&r, "Content-Type", "image/jpeg");
	header_is(&r, "Content-Length", "1000");
	header_is(&r, "ETag", etag);
	header_is(&r, "Cache-Control", "private, max-age=31536000, immutable");
	header_is(&r, "Accept-Ranges", "bytes");
	if (!http_header(&r, "Content-Disposition", v, sizeof v) || strncmp(v, "inline", 6) != 0)
		fail_msg("Content-Disposition is not inline");
	http_resp_release(&r);

	/* If-None-Match with the ETag: 304 without a body; another tag: 200. */
	snprintf(h, sizeof h, "If-None-Match: %s", etag);
	api_call(&srv, "GET", path, insp, NULL, (const char *const[]){h, NULL}, &r);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body.len, 0);
	header_is(&r, "ETag", etag);
	http_resp_release(&r);
	api_call(&srv, "GET", path, insp, NULL, (const char *const[]){"If-None-Match: \"0000\"", NULL}, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 1000);
	http_resp_release(&r);

	/* Ranges. */
	static const struct {
		const char *range, *content_range;
		size_t from, n;
	} ranges[] = {
	        {"bytes=0-9", "bytes 0-9/1000", 0, 10},
	        {"bytes=-5", "bytes 995-999/1000", 995, 5},
	        {"bytes=5-", "bytes 5-999/1000", 5, 995},
	        {"bytes=999-", "bytes 999-999/1000", 999, 1},
	        {"bytes=100-199", "bytes 100-199/1000", 100, 100},
	        {"bytes=990-5000", "bytes 990-999/1000", 990, 10},
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		snprintf(h, sizeof h, "Range: %s", ranges[i].range);
		api_call(&srv, "GET", path, insp, NULL, (const char *const[]){h, NULL}, &r);
		if (r.status != 206)
			fail_msg("%s: expected 206, got %ld", ranges[i].range, r.status);
		header_is(&r, "Content-Range", ranges[i].content_range);
		char n[32];
		snprintf(n, sizeof n, "%zu", ranges[i].n);
		header_is(&r, "Content-Length", n);
		header_is(&r, "Content-Type", "image/jpeg");
		assert_int_equal(r.body.len, ranges[i].n);
		assert_memory_equal(r.body.data, b + ranges[i].from, ranges[i].n);
		http_resp_release(&r);
	}
	/* Unsatisfiable: 416 with bytes * /size. */
	static const char *const bad[] = {"Range: bytes=999999999-", "Range: bytes=1000-"};
	for (size_t i = 0; i < 2; i++) {
		api_call(&srv, "GET", path, insp, NULL, (const char *const[]){bad[i], NULL}, &r);
		if (r.status != 416)
			fail_msg("%s: expected 416, got %ld", bad[i], r.status);
		assert_problem(&r, 416, "range_not_satisfiable");
		header_is(&r, "Content-Range", "bytes */1000");
		http_resp_release(&r);
	}
	/* Several ranges: 200 with everything. */
	api_call(&srv, "GET", path, insp, NULL, (const char *const[]){"Range: bytes=0-1,5-6", NULL}, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 1000);
	assert_memory_equal(r.body.data, b, 1000);
	http_resp_release(&r);

	/* HEAD: the headers, no body. */
	api_call(&srv, "HEAD", path, insp, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	header_is(&r, "Content-Type", "image/jpeg");
	header_is(&r, "Content-Length", "1000");
	header_is(&r, "ETag", etag);
	header_is(&r, "Cache-Control", "private, max-age=31536000, immutable");
	http_resp_release(&r);
	free(b);
}

static void test_size_limit(void **state)
{
	(void)state;
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01};
	char pid[ID_LEN], path[128];
	struct http_resp r;

	/* 20 MiB + 1 byte: 413 as multipart and raw; the server stays up. */
	struct byte_src big = {jpeg, sizeof jpeg, 20 * MIB + 1, 0x5a};
	size_t files = stored_files(&srv);
	struct fields f = {.id = uuid_v4(pid)};
	struct form_part parts[2];
	size_t n = form_parts(&f, &big, "big.jpg", "image/jpeg", parts);
	double t0 = now_ms();
	photo_upload_form(&srv, insp, parts, n, 60000, &r);
	double took = now_ms() - t0;
	if (r.status != 413)
		fail_msg("20 MiB + 1 multipart: expected 413, got %ld after %.0f ms: %.300s", r.status, took,
		         buf_cstr(&r.body));
	if (took > 10000)
		fail_msg("20 MiB + 1 multipart: the 413 took %.0f ms", took);
	expect_rejected(&r, 413, "payload_too_large", "20 MiB + 1 multipart", files, NULL);
	assert_int_equal(api_status(&srv, "/readyz", NULL), 200);

	char *q = fields_query(&f);
	photo_upload_raw(&srv, insp, q, "image/jpeg", &big, 60000, &r);
	free(q);
	if (r.status != 413)
		fail_msg("20 MiB + 1 raw: expected 413, got %ld: %.300s", r.status, buf_cstr(&r.body));
	expect_rejected(&r, 413, "payload_too_large", "20 MiB + 1 raw", files, pid);
	assert_int_equal(api_status(&srv, "/readyz", NULL), 200);

	/* Exactly 20 MiB is allowed (the cap is on the file, not the form around it). */
	struct byte_src max = {jpeg, sizeof jpeg, 20 * MIB, 0xa5};
	char sha[65];
	src_sha256(&max, sha);
	f.id = uuid_v4(pid);
	n = form_parts(&f, &max, "max.jpg", "image/jpeg", parts);
	photo_upload_form(&srv, insp, parts, n, 60000, &r);
	json_t *p = expect_created(&r, "exactly 20 MiB");
	http_resp_release(&r);
	assert_string_equal(jstr(p, "sha256"), sha);
	assert_int_equal(jint(p, "size"), 20 * MIB);
	assert_string_equal(jstr(p, "mime"), "image/jpeg");
	json_decref(p);
	assert_tmp_empty(&srv, "exactly 20 MiB");
	/* Its bytes come back (checked by hash, without keeping a copy around). */
	api_get(&srv, pathf(path, sizeof path, "/api/v1/photos/%s/content", pid), insp, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 20 * MIB);
	struct byte_src got = src_of(r.body.data, r.body.len);
	char got_sha[65];
	src_sha256(&got, got_sha);
	assert_string_equal(got_sha, sha);
	http_resp_release(&r);
}

static void test_media_type_rejections(void **state)
{
	(void)state;
	char pid[ID_LEN];
	struct http_resp r;
	size_t len, files;

	/* Not an image (by its bytes), whatever it is called. */
	static const struct {
		const char *kind, *filename, *type;
	} not_images[] = {
	        {"text", "notes.jpg", "image/jpeg"}, {"gif", "anim.gif", "image/gif"}, {"gif", "x.jpg", "image/jpeg"}};
	for (size_t i = 0; i < 3; i++) {
		unsigned char *b = image(not_images[i].kind, 500, &len);
		struct byte_src src = src_of(b, len);
		files = stored_files(&srv);
		upload_form(&srv, insp, &(struct fields){.id = uuid_v4(pid)}, &src, not_images[i].filename,
		            not_images[i].type, &r);
		expect_rejected(&r, 415, "unsupported_media_type", not_images[i].kind, files, pid);
		/* …nor as a raw body declared as an image. */
		files = stored_files(&srv);
		char q[64];
		snprintf(q, sizeof q, "id=%s", uuid_v4(pid));
		photo_upload_raw(&srv, insp, q, "image/jpeg", &src, 0, &r);
		expect_rejected(&r, 415, "unsupported_media_type", "raw non-image", files, pid);
		free(b);
	}

	/* Other content types: 415, even with image bytes. */
	static const char *const types[] = {"text/plain", "application/json", "application/octet-stream", "image/gif",
	                                    NULL};
	unsigned char *b = image("jpeg", 500, &len);
	struct byte_src src = src_of(b, len);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		files = stored_files(&srv);
		char q[64];
		snprintf(q, sizeof q, "id=%s", uuid_v4(pid));
		photo_upload_raw(&srv, insp, q, types[i], &src, 0, &r);
		expect_rejected(&r, 415, "unsupported_media_type", types[i] ? types[i] : "no Content-Type", files, pid);
	}
	free(b);

	/* A form-urlencoded body with a NUL byte: 415 at once (not a hang). */
	static const char body[] = "id=1&caption=a\0b&file=\xff\xd8\xff\xe0";
	char url[256], auth[6200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", insp);
	files = stored_files(&srv);
	double t0 = now_ms();
	http_do("POST", url_of(&srv, "/api/v1/photos", url, sizeof url),
	        (const char *const[]){"Content-Type: application/x-www-form-urlencoded", auth, NULL}, body,
	        sizeof body - 1, 0, &r);
	double took = now_ms() - t0;
	if (took > 5000)
		fail_msg("the form-urlencoded request took %.0f ms", took);
	expect_rejected(&r, 415, "unsupported_media_type", "form-urlencoded with NUL", files, NULL);
	assert_int_equal(api_status(&srv, "/readyz", NULL), 200);
}

static void test_validation(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN];
	draft_a1(insp_id);
	struct http_resp r;
	size_t len, files;
	unsigned char *b = image("jpeg", 800, &len);
	struct byte_src src = src_of(b, len);
	struct byte_src empty = src_of("", 0);

	/* No file field (only text parts). */
	files = stored_files(&srv);
	photo_upload_form(
	        &srv, insp,
	        (struct form_part[]){{"id", uuid_v4(pid), NULL, NULL, NULL}, {"caption", "没有文件", NULL, NULL, NULL}},
	        2, 0, &r);
	assert_validation(&r, (const char *const[]){"file", NULL});
	http_resp_release(&r);
	assert_nothing_stored(&srv, "no file field", files, pid, admin);

	/* The file under another name. */
	files = stored_files(&srv);
	photo_upload_form(&srv, insp,
	                  (struct form_part[]){{"id", uuid_v4(pid), NULL, NULL, NULL},
	                                       {"image", NULL, &src, "a.jpg", "image/jpeg"}},
	                  2, 0, &r);
	if (r.status != 422)
		fail_msg("file in field \"image\": expected 422, got %ld: %.300s", r.status, buf_cstr(&r.body));
	assert_validation(&r, (const char *const[]){"file|image", NULL});
	http_resp_release(&r);
	assert_nothing_stored(&srv, "file under another name", files, pid, admin);

	/* An empty file. */
	files = stored_files(&srv);
	photo_upload_form(&srv, insp,
	                  (struct form_part[]){{"id", uuid_v4(pid), NULL, NULL, NULL},
	                                       {"file", NULL, &empty, "empty.jpg", "image/jpeg"}},
	                  2, 0, &r);
	assert_validation(&r, (const char *const[]){"file", NULL});
	http_resp_release(&r);
	assert_nothing_stored(&srv, "empty file", files, pid, admin);

	/* Two file fields. */
	size_t len2;
	unsigned char *b2 = image("png", 800, &len2);
	struct byte_src src2 = src_of(b2, len2);
	files = stored_files(&srv);
	photo_upload_form(&srv, insp,
	                  (struct form_part[]){{"id", uuid_v4(pid), NULL, NULL, NULL},
	                                       {"file", NULL, &src, "a.jpg", "image/jpeg"},
	                                       {"file", NULL, &src2, "b.png", "image/png"}},
	                  3, 0, &r);
	assert_validation(&r, (const char *const[]){"file", NULL});
	http_resp_release(&r);
	assert_nothing_stored(&srv, "two file fields", files, pid, admin);
	free(b2);

	/* Bad text fields, each alone, as multipart and as query parameters. */
	char long_caption[220];
	memset(long_caption, 'c', 201);
	long_caption[201] = '\0';
	struct buf cap = BUF_INIT;
	for (int i = 0; i < 201; i++)
		buf_adds(&cap, "字");
	/* (lat and lng come together: the other one is sent valid; see the pair check below) */
	static const struct {
		const char *name, *value, *field;
	} bad[] = {
	        {"lat", "91", "lat"},
	        {"lat", "-90.5", "lat"},
	        {"lat", "north", "lat"},
	        {"lat", "1e999", "lat"},
	        {"lng", "180.01", "lng"},
	        {"lng", "-181", "lng"},
	        {"taken_at", "yesterday", "taken_at"},
	        {"taken_at", "2026-13-01T00:00:00Z", "taken_at"},
	        {"caption", NULL /* 201 ASCII */, "caption"},
	        {"caption", NULL /* 201 CJK */, "caption"},
	        {"id", "not-a-uuid", "id"},
	        {"inspection_id", "123", "inspection_id"},
	        {"task_id", "123", "task_id"},
	        {"progress_id", "not-a-uuid", "progress_id"},
	        {"foo", "bar", "foo"},
	};
	int long_caption_used = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *value = bad[i].value;
		if (!value)
			value = strcmp(bad[i].name, "caption") == 0 && !long_caption_used++ ? long_caption
			                                                                    : buf_cstr(&cap);
		int idless = strcmp(bad[i].name, "id") == 0;
		for (int raw = 0; raw < 2; raw++) {
			char what[160];
			snprintf(what, sizeof what, "%s %s=%.20s", raw ? "raw" : "multipart", bad[i].name, value);
			uuid_v4(pid);
			files = stored_files(&srv);
			if (raw) {
				struct buf q = BUF_INIT;
				char *e = qs_escape(value);
				if (!idless)
					buf_printf(&q, "id=%s&", pid);
				buf_printf(&q, "%s=%s", bad[i].name, e);
				if (strcmp(bad[i].name, "lat") == 0)
					buf_printf(&q, "&lng=120.1");
				if (strcmp(bad[i].name, "lng") == 0)
					buf_printf(&q, "&lat=30.2");
				free(e);
				photo_upload_raw(&srv, insp, buf_cstr(&q), "image/jpeg", &src, 0, &r);
				buf_release(&q);
			} else {
				struct form_part parts[4];
				size_t n = 0;
				if (!idless)
					parts[n++] = (struct form_part){"id", pid, NULL, NULL, NULL};
				parts[n++] = (struct form_part){bad[i].name, value, NULL, NULL, NULL};
				if (strcmp(bad[i].name, "lat") == 0)
					parts[n++] = (struct form_part){"lng", "120.1", NULL, NULL, NULL};
				if (strcmp(bad[i].name, "lng") == 0)
					parts[n++] = (struct form_part){"lat", "30.2", NULL, NULL, NULL};
				parts[n++] = (struct form_part){"file", NULL, &src, "a.jpg", "image/jpeg"};
				photo_upload_form(&srv, insp, parts, n, 0, &r);
			}
			if (r.status != 422)
				fail_msg("%s: expected 422, got %ld: %.300s", what, r.status, buf_cstr(&r.body));
			if (strcmp(bad[i].name, "foo") == 0)
				assert_unknown_field(&r, "foo");
			else
				assert_validation(&r, (const char *const[]){bad[i].field, NULL});
			http_resp_release(&r);
			assert_nothing_stored(&srv, what, files, idless ? NULL : pid, admin);
		}
	}
	buf_release(&cap);

	/* Both inspection_id and finding_id. */
	files = stored_files(&srv);
	struct fields both = {.id = uuid_v4(pid), .inspection_id = insp_id, .finding_id = unknown_id};
	upload_form(&srv, insp, &both, &src, "a.jpg", "image/jpeg", &r);
	assert_validation(&r, (const char *const[]){"inspection_id|finding_id", NULL});
	http_resp_release(&r);
	assert_nothing_stored(&srv, "inspection_id and finding_id", files, pid, admin);

	/* lat without lng and lng without lat (the spec: only together). */
	static const char *const halves[] = {"lat", "lng"};
	for (size_t i = 0; i < 2; i++) {
		files = stored_files(&srv);
		photo_upload_form(&srv, insp,
		                  (struct form_part[]){{"id", uuid_v4(pid), NULL, NULL, NULL},
		                                       {halves[i], "30.5", NULL, NULL, NULL},
		                                       {"file", NULL, &src, "a.jpg", "image/jpeg"}},
		                  3, 0, &r);
		if (r.status != 422)
			fail_msg("%s alone: expected 422, got %ld: %.300s", halves[i], r.status, buf_cstr(&r.body));
		assert_validation(&r, (const char *const[]){"lat|lng", NULL});
		http_resp_release(&r);
		assert_nothing_stored(&srv, "half a location", files, pid, admin);
	}

	/* Every bad field at once. */
	files = stored_files(&srv);
	struct fields many = {.id = uuid_v4(pid), .lat = "91", .lng = "-181", .taken_at = "soon"};
	upload_form(&srv, insp, &many, &src, "a.jpg", "image/jpeg", &r);
	assert_validation(&r, (const char *const[]){"lat", "lng", "taken_at", NULL});
	http_resp_release(&r);
	assert_nothing_stored(&srv, "several bad fields", files, pid, admin);
	free(b);
}

static void test_truncated_multipart(void **state)
{
	(void)state;
	char pid[ID_LEN];
	size_t len;
	unsigned char *b = image("jpeg", 64 * 1024, &len);
	const char *boundary = "----WebKitFormBoundaryq8UJx0yYw5lOb3Ng";
	struct buf body = BUF_INIT;
	buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n%s\r\n", boundary, uuid_v4(pid));
	buf_printf(&body,
	           "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tmp_cut.jpg\"\r\n"
	           "Content-Type: image/jpeg\r\n\r\n",
	           boundary);
	buf_add(&body, b, len / 2); /* cut in the middle of the file: no closing boundary */

	struct buf req = BUF_INIT;
	buf_printf(&req,
	           "POST /api/v1/photos HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
	           "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	           srv.port, insp, boundary, body.len);
	buf_add(&req, body.data, body.len);
	size_t files = stored_files(&srv);
	struct buf out = BUF_INIT;
	double t0 = now_ms();
	raw_exchange(srv.port, req.data, req.len, 8000, &out);
	double took = now_ms() - t0;
	const char *resp = buf_cstr(&out);
	int status = 0;
	if (strncmp(resp, "HTTP/1.1 ", 9) == 0)
		status = atoi(resp + 9);
	if (status != 422 || !strstr(resp, "\"code\":\"validation_failed\""))
		fail_msg("truncated multipart: expected 422 validation_failed, got \"%.300s\" after %.0f ms", resp,
		         took);
	if (took > 5000)
		fail_msg("truncated multipart: the answer took %.0f ms", took);
	buf_release(&out);
	buf_release(&req);

	/* The same body with the cut elsewhere: inside the part headers. */
	struct buf req2 = BUF_INIT;
	static const char cut_headers[] = "------x\r\nContent-Disposition: form-data; name=\"file\"; filena";
	buf_printf(&req2,
	           "POST /api/v1/photos HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
	           "Content-Type: multipart/form-data; boundary=----x\r\nContent-Length: %zu\r\nConnection: close\r\n"
	           "\r\n%s",
	           srv.port, insp, sizeof cut_headers - 1, cut_headers);
	t0 = now_ms();
	raw_exchange(srv.port, req2.data, req2.len, 8000, &out);
	took = now_ms() - t0;
	resp = buf_cstr(&out);
	status = strncmp(resp, "HTTP/1.1 ", 9) == 0 ? atoi(resp + 9) : 0;
	if (status != 422 || !strstr(resp, "\"code\":\"validation_failed\""))
		fail_msg("multipart cut in the part headers: expected 422 validation_failed, got \"%.300s\"", resp);
	if (took > 5000)
		fail_msg("multipart cut in the part headers: the answer took %.0f ms", took);
	buf_release(&out);
	buf_release(&req2);

	assert_nothing_stored(&srv, "truncated multipart", files, pid, admin);

	/* Complete bodies that are not valid multipart: 422 (the contract's "malformed multipart"). */
	static const struct {
		const char *what, *type, *body;
	} malformed[] = {
	        {"no delimiter in the body", "multipart/form-data; boundary=x", "this is not a multipart body at all"},
	        {"a part without Content-Disposition", "multipart/form-data; boundary=x",
	         "--x\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0JFIF\r\n--x--\r\n"},
	        {"no boundary parameter", "multipart/form-data",
	         "--x\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n1\r\n--x--\r\n"},
	};
	char url[256], auth[6200], ct[128];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", insp);
	url_of(&srv, "/api/v1/photos", url, sizeof url);
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		struct http_resp r;
		snprintf(ct, sizeof ct, "Content-Type: %s", malformed[i].type);
		files = stored_files(&srv);
		t0 = now_ms();
		http_do("POST", url, (const char *const[]){ct, auth, NULL}, malformed[i].body,
		        strlen(malformed[i].body), 0, &r);
		took = now_ms() - t0;
		if (r.status != 422)
			fail_msg("malformed multipart (%s): expected 422, got %ld after %.0f ms: %.300s",
			         malformed[i].what, r.status, took, buf_cstr(&r.body));
		assert_problem(&r, 422, "validation_failed");
		http_resp_release(&r);
		assert_nothing_stored(&srv, malformed[i].what, files, NULL, admin);
	}
	assert_int_equal(api_status(&srv, "/readyz", NULL), 200);
	buf_release(&body);
	free(b);
}

static void test_link_rules(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN], p2[ID_LEN], path[160];
	draft_a1(insp_id);
	struct http_resp r;
	size_t len, files;
	unsigned char *b = image("jpeg", 700, &len);
	struct byte_src src = src_of(b, len);

	/* Viewers may not upload at all. */
	const char *viewers[] = {crew.viewer_a.access, crew.cast.viewer.access};
	for (size_t i = 0; i < 2; i++) {
		files = stored_files(&srv);
		upload_form(&srv, viewers[i], &(struct fields){.id = uuid_v4(pid)}, &src, "a.jpg", "image/jpeg", &r);
		expect_rejected(&r, 403, "forbidden", "viewer upload", files, pid);
	}

	/* Linked to insp.city's draft: insp.two sees it (same round) but may not add (403); sup.a sees it but
	 * is not its inspector (403); insp.a, sup.b and cadre.a1 do not see it (404); an unknown inspection 404. */
	static const struct {
		const char *who, *code;
		long status;
	} refused[] = {{"insp.two", "forbidden", 403},
	               {"sup.a", "forbidden", 403},
	               {"insp.a", "not_found", 404},
	               {"sup.b", "not_found", 404},
	               {"cadre.a1", "not_found", 404}};
	const char *tokens[] = {crew.insp_two.access, sup, crew.cast.inspector.access, crew.sup_b.access,
	                        crew.cast.cadre.access};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		files = stored_files(&srv);
		upload_form(&srv, tokens[i], &(struct fields){.id = uuid_v4(pid), .inspection_id = insp_id}, &src,
		            "a.jpg", "image/jpeg", &r);
		char what[64];
		snprintf(what, sizeof what, "upload to insp.city's draft by %s", refused[i].who);
		expect_rejected(&r, refused[i].status, refused[i].code, what, files, pid);
	}
	files = stored_files(&srv);
	upload_form(&srv, insp, &(struct fields){.id = uuid_v4(pid), .inspection_id = unknown_id}, &src, "a.jpg",
	            "image/jpeg", &r);
	expect_rejected(&r, 404, "not_found", "unknown inspection", files, pid);
	files = stored_files(&srv);
	upload_form(&srv, insp, &(struct fields){.id = uuid_v4(pid), .finding_id = unknown_id}, &src, "a.jpg",
	            "image/jpeg", &r);
	expect_rejected(&r, 404, "not_found", "unknown finding", files, pid);

	/* The owner may; the cadre does not see the photo while the inspection is a draft. */
	json_decref(upload_jpeg(insp, &(struct fields){.inspection_id = insp_id}, p2));
	pathf(path, sizeof path, "/api/v1/photos/%s", p2);
	assert_int_equal(api_status(&srv, path, crew.cast.cadre.access), 404);

	/* Submitted: 409 invalid_transition, also for its owner. */
	json_decref(inspection_complete_submit(&srv, insp, insp_id, tpl));
	files = stored_files(&srv);
	upload_form(&srv, insp, &(struct fields){.id = uuid_v4(pid), .inspection_id = insp_id}, &src, "a.jpg",
	            "image/jpeg", &r);
	expect_rejected(&r, 409, "invalid_transition", "upload to a submitted inspection", files, pid);
	/* Returned: editable again. */
	json_decref(inspection_action(&srv, sup, insp_id, "return", "{\"reason\":\"请补拍公示栏\"}", 200));
	json_decref(upload_jpeg(insp, &(struct fields){.inspection_id = insp_id}, NULL));
	json_decref(inspection_action(&srv, insp, insp_id, "submit", NULL, 200));
	json_decref(inspection_action(&srv, sup, insp_id, "approve", NULL, 200));
	files = stored_files(&srv);
	upload_form(&srv, insp, &(struct fields){.id = uuid_v4(pid), .inspection_id = insp_id}, &src, "a.jpg",
	            "image/jpeg", &r);
	expect_rejected(&r, 409, "invalid_transition", "upload to an approved inspection", files, pid);
	/* Approved: now the village's cadre sees the photo and its bytes. */
	assert_int_equal(api_status(&srv, path, crew.cast.cadre.access), 200);
	pathf(path, sizeof path, "/api/v1/photos/%s/content", p2);
	assert_int_equal(api_status(&srv, path, crew.cast.cadre.access), 200);
	free(b);
}

static void test_finding_link(void **state)
{
	(void)state;
	char insp_id[ID_LEN], fid[ID_LEN], pid[ID_LEN], path[160];
	draft_a1(insp_id);
	json_t *yn = NULL;
	json_t *items = template_items(tpl);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jstr(it, "kind"), "yes_no") == 0) {
			yn = it;
			break;
		}
	}
	assert_non_null(yn);
	char *body = jbody("{s:s, s:s, s:s, s:s}", "id", uuid_v4(fid), "severity", "high", "item_code",
	                   jstr(yn, "code"), "description", "公示栏内容过期");
	json_decref(
	        api_expect(&srv, "POST", inspection_path(insp_id, "/findings", path, sizeof path), insp, body, 201));
	free(body);
	json_decref(items);

	/* The owner links a photo to the finding. */
	struct fields f = {.id = uuid_v4(pid), .finding_id = fid};
	json_t *p = upload_jpeg(insp, &f, NULL);
	assert_string_equal(jstr(p, "finding_id"), fid);
	assert_true(json_is_null(json_object_get(p, "inspection_id")));
	json_decref(p);
	/* Whoever sees the finding's inspection sees the photo. */
	pathf(path, sizeof path, "/api/v1/photos/%s", pid);
	assert_int_equal(api_status(&srv, path, sup), 200);
	assert_int_equal(api_status(&srv, path, crew.insp_two.access), 200);
	assert_int_equal(api_status(&srv, path, crew.sup_b.access), 404);
	assert_int_equal(api_status(&srv, path, crew.cast.cadre.access), 404);
	/* A supervisor in scope writes findings: may add one; those outside: 404. */
	p = upload_jpeg(sup, &(struct fields){.finding_id = fid}, NULL);
	assert_string_equal(jstr(p, "owner_id"), crew.cast.supervisor.user_id);
	json_decref(p);
	struct http_resp r;
	size_t len;
	unsigned char *b = image("jpeg", 500, &len);
	struct byte_src src = src_of(b, len);
	size_t files = stored_files(&srv);
	upload_form(&srv, crew.sup_b.access, &(struct fields){.id = uuid_v4(pid), .finding_id = fid}, &src, "a.jpg",
	            "image/jpeg", &r);
	expect_rejected(&r, 404, "not_found", "finding outside sup.b's scope", files, pid);
	files = stored_files(&srv);
	upload_form(&srv, crew.insp_two.access, &(struct fields){.id = uuid_v4(pid), .finding_id = fid}, &src, "a.jpg",
	            "image/jpeg", &r);
	expect_rejected(&r, 403, "forbidden", "finding of another inspector", files, pid);
	free(b);
}

static void test_too_many_photos(void **state)
{
	(void)state;
	struct crew c2;
	static const char *const env[] = {BOOTSTRAP_ENV, "INSPECTD_MAX_PHOTOS_PER_OBJECT=3", NULL};
	server_start(&s2, env);
	crew_build(&s2, &c2);
	char rid[ID_LEN], iid[ID_LEN], first[ID_LEN] = "";
	json_decref(round_create(&s2, c2.cast.supervisor.access, "2023-04", "四月",
	                         (const char *const[]){c2.tree.village_a1, NULL},
	                         (const char *const[]){c2.insp_city.user_id, NULL}, rid));
	const char *tok = c2.insp_city.access;
	json_decref(inspection_create(&s2, tok, c2.tree.village_a1, rid, NULL, NULL, iid));
	struct http_resp r;
	unsigned char *kept = NULL;
	size_t kept_len = 0;
	for (int i = 0; i < 3; i++) {
		size_t len;
		unsigned char *b = image("jpeg", 400, &len);
		struct byte_src src = src_of(b, len);
		char pid[ID_LEN];
		upload_form(&s2, tok, &(struct fields){.id = uuid_v4(pid), .inspection_id = iid}, &src, "a.jpg",
		            "image/jpeg", &r);
		json_decref(expect_created(&r, "photo within the limit"));
		http_resp_release(&r);
		if (i == 0) {
			snprintf(first, sizeof first, "%s", pid);
			kept = b, kept_len = len;
		} else {
			free(b);
		}
	}
	/* The fourth: 409 too_many_photos, nothing stored. */
	size_t len;
	unsigned char *b = image("jpeg", 400, &len);
	struct byte_src src = src_of(b, len);
	char pid[ID_LEN];
	size_t files = stored_files(&s2);
	upload_form(&s2, tok, &(struct fields){.id = uuid_v4(pid), .inspection_id = iid}, &src, "a.jpg", "image/jpeg",
	            &r);
	if (r.status != 409)
		fail_msg("the 4th photo: expected 409, got %ld: %.300s", r.status, buf_cstr(&r.body));
	assert_problem(&r, 409, "too_many_photos");
	http_resp_release(&r);
	assert_nothing_stored(&s2, "too_many_photos", files, pid, c2.cast.admin.access);
	/* A retry of a photo already there is still answered (200), not refused. */
	struct byte_src ksrc = src_of(kept, kept_len);
	upload_form(&s2, tok, &(struct fields){.id = first, .inspection_id = iid}, &ksrc, "a.jpg", "image/jpeg", &r);
	if (r.status != 200)
		fail_msg("retry on a full inspection: expected 200, got %ld: %.300s", r.status, buf_cstr(&r.body));
	http_resp_release(&r);
	/* Photos linked to nothing are not counted against it. */
	upload_form(&s2, tok, &(struct fields){0}, &src, "a.jpg", "image/jpeg", &r);
	json_decref(expect_created(&r, "an unlinked photo"));
	http_resp_release(&r);
	free(b);
	free(kept);
	assert_int_equal(server_stop(&s2), 0);
	server_cleanup(&s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sha256_self_check),
	        cmocka_unit_test(test_upload_multipart),
	        cmocka_unit_test(test_mime_by_magic),
	        cmocka_unit_test(test_upload_raw),
	        cmocka_unit_test(test_retry_and_conflict),
	        cmocka_unit_test(test_visibility),
	        cmocka_unit_test(test_content),
	        cmocka_unit_test(test_size_limit),
	        cmocka_unit_test(test_media_type_rejections),
	        cmocka_unit_test(test_validation),
	        cmocka_unit_test(test_truncated_multipart),
	        cmocka_unit_test(test_link_rules),
	        cmocka_unit_test(test_finding_link),
	        cmocka_unit_test(test_too_many_photos),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_photos", tests, group_setup, group_teardown);
}
