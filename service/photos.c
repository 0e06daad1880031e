/*
 * Evidence photos. An upload streams into the blob store (a temporary file,
 * counted and hashed on the way, never the whole photo in memory), its type
 * is decided by magic bytes, its fields and link are checked, and only then
 * do the bytes get their content address and the metadata row its commit.
 * Any refusal leaves nothing behind.
 *
 * Two shapes: multipart/form-data as WeChat's wx.uploadFile sends it (the
 * file in field "file", other fields as text parts), or a raw image body
 * with the fields as query parameters.
 */
#include "photos.h"

#include <civetweb.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "blob_store.h"
#include "evidence.h"
#include "image.h"
#include "inspections.h"
#include "rect_store.h"
#include "rectify.h"
#include "photo_store.h"
#include "random.h"
#include "server.h"

static const char *const text_fields[] = {"id",       "inspection_id", "finding_id", "task_id", "progress_id",
                                          "taken_at", "lat",           "lng",        "caption", NULL};

enum { FIELD_VALUE_MAX = 1024, MULTIPART_CHUNK_MAX = 8192 };

/* What went wrong while the body streamed in (0: nothing). */
enum upload_error { UP_OK = 0, UP_TOO_LARGE, UP_NO_SPACE, UP_IO, UP_MALFORMED, UP_FIELDS, UP_TOO_SLOW };

struct upload {
	struct req *req;
	struct blob_writer *w;
	int files;
	enum upload_error error;
	char current[32]; /* the part being read: "file", a text field, or "" (skipped) */
	struct buf value;
	json_t *fields; /* text field -> string */
	struct verr *v;
};

static int is_text_field(const char *key)
{
	for (const char *const *f = text_fields; *f; f++)
		if (strcmp(*f, key) == 0)
			return 1;
	return 0;
}

/* Ends the text part being read. */
static void finish_text(struct upload *u)
{
	if (!u->current[0] || strcmp(u->current, "file") == 0)
		return;
	json_t *s = json_stringn(buf_cstr(&u->value), u->value.len);
	if (!s)
		verr_add(u->v, u->current, "须为 UTF-8 文本");
	else
		json_object_set_new(u->fields, u->current, s);
	u->current[0] = '\0';
	buf_reset(&u->value);
}

static enum upload_error from_blob(enum blob_result r)
{
	switch (r) {
	case BLOB_OK: return UP_OK;
	case BLOB_TOO_LARGE: return UP_TOO_LARGE;
	case BLOB_NO_SPACE: return UP_NO_SPACE;
	case BLOB_IO: break;
	}
	return UP_IO;
}

static int on_field_found(const char *key, const char *filename, char *path, size_t pathlen, void *ud)
{
	(void)path;
	(void)pathlen;
	struct upload *u = ud;
	finish_text(u);
	if (u->error)
		return MG_FORM_FIELD_STORAGE_ABORT;
	if (filename && filename[0]) { /* civetweb passes "" for text parts */
		if (strcmp(key, "file") != 0 || ++u->files > 1) {
			verr_add(u->v, key[0] ? key : "file",
			         u->files > 1 ? "只能上传一个文件" : "文件须放在 file 字段");
			u->error = UP_FIELDS;
			return MG_FORM_FIELD_STORAGE_ABORT;
		}
		enum blob_result r = blob_writer_begin(u->req->srv->blobs, u->req->srv->cfg->max_photo_size, &u->w);
		if (r != BLOB_OK) {
			u->error = from_blob(r);
			return MG_FORM_FIELD_STORAGE_ABORT;
		}
		snprintf(u->current, sizeof u->current, "file");
		return MG_FORM_FIELD_STORAGE_GET;
	}
	if (!is_text_field(key) || json_object_get(u->fields, key)) {
		verr_add(u->v, key, is_text_field(key) ? "字段重复" : "unknown field");
		u->current[0] = '\0';
		return MG_FORM_FIELD_STORAGE_SKIP;
	}
	snprintf(u->current, sizeof u->current, "%s", key);
	return MG_FORM_FIELD_STORAGE_GET;
}

static int on_field_get(const char *key, const char *value, size_t valuelen, void *ud)
{
	(void)key; /* later chunks of a part come with an empty key: u->current knows */
	struct upload *u = ud;
	if (u->error)
		return MG_FORM_FIELD_HANDLE_ABORT;
	/* civetweb hands out at most its buffer per call; more means a broken part */
	if (valuelen > MULTIPART_CHUNK_MAX) {
		u->error = UP_MALFORMED;
		return MG_FORM_FIELD_HANDLE_ABORT;
	}
	req_body_progress(u->req);
	if (strcmp(u->current, "file") == 0) {
		enum blob_result r = blob_writer_write(u->w, value, valuelen);
		if (r != BLOB_OK) {
			u->error = from_blob(r);
			return MG_FORM_FIELD_HANDLE_ABORT;
		}
	} else if (u->current[0]) {
		if (u->value.len + valuelen > FIELD_VALUE_MAX) {
			verr_add(u->v, u->current, "过长");
			u->error = UP_FIELDS;
			return MG_FORM_FIELD_HANDLE_ABORT;
		}
		buf_add(&u->value, value, valuelen);
	}
	return MG_FORM_FIELD_HANDLE_GET;
}

static int read_multipart(struct upload *u)
{
	struct mg_form_data_handler h = {on_field_found, on_field_get, NULL, u};
	int n = mg_handle_form_request(u->req->conn, &h);
	finish_text(u);
	if (n < 0 && !u->error)
		u->error = UP_MALFORMED;
	return u->error ? -1 : 0;
}

static int read_raw(struct upload *u)
{
	enum blob_result r = blob_writer_begin(u->req->srv->blobs, u->req->srv->cfg->max_photo_size, &u->w);
	if (r != BLOB_OK) {
		u->error = from_blob(r);
		return -1;
	}
	u->files = 1;
	char chunk[8192];
	for (;;) {
		int n = mg_read(u->req->conn, chunk, sizeof chunk);
		if (n == 0)
			break;
		if (n < 0) {
			u->error = UP_MALFORMED;
			return -1;
		}
		req_body_progress(u->req);
		r = blob_writer_write(u->w, chunk, (size_t)n);
		if (r != BLOB_OK) {
			u->error = from_blob(r);
			return -1;
		}
	}
	long long declared = u->req->ri->content_length;
	if (declared >= 0 && blob_writer_size(u->w) != declared) {
		u->error = UP_MALFORMED;
		return -1;
	}
	/* fields from the query string */
	const char *qs = u->req->ri->query_string;
	for (const char *p = qs; p && *p;) {
		size_t len = strcspn(p, "&");
		char name[64];
		size_t nlen = strcspn(p, "=&");
		if (nlen > 0 && nlen < sizeof name) {
			memcpy(name, p, nlen);
			name[nlen] = '\0';
			char value[FIELD_VALUE_MAX + 1];
			int vn = query_param(u->req, name, value, sizeof value);
			if (!is_text_field(name))
				verr_add(u->v, name, "unknown field");
			else if (vn < 0)
				verr_add(u->v, name, "取值无效或过长");
			else
				json_object_set_new(u->fields, name, json_string(value));
		}
		p += len;
		p += *p == '&';
	}
	return 0;
}

static int is_multipart(const char *ct)
{
	return ct && strncasecmp(ct, "multipart/form-data", 19) == 0 && (ct[19] == ';' || ct[19] == ' ' || !ct[19]);
}

static int is_raw_image(const char *ct)
{
	static const char *const types[] = {"image/jpeg", "image/png", "image/webp", "image/heic"};
	if (!ct)
		return 0;
	size_t n = strcspn(ct, "; ");
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (n == strlen(types[i]) && strncasecmp(ct, types[i], n) == 0)
			return 1;
	return 0;
}

void photo_fields_read(struct verr *v, const json_t *f, struct photo_new *n)
{
	struct photo_row *p = &n->p;
	memset(n, 0, sizeof *n);
	n->id = field_uuid(v, f, "id", 0, NULL);
	n->inspection_id = field_uuid(v, f, "inspection_id", 0, NULL);
	n->finding_id = field_uuid(v, f, "finding_id", 0, NULL);
	n->task_id = field_uuid(v, f, "task_id", 0, NULL);
	n->progress_id = field_uuid(v, f, "progress_id", 0, NULL);
	const char *links[] = {"inspection_id", "finding_id", "task_id", "progress_id"};
	const char *given[] = {n->inspection_id, n->finding_id, n->task_id, n->progress_id};
	int nlinks = 0;
	for (int i = 0; i < 4; i++)
		if (given[i] && ++nlinks == 2)
			verr_add(v, links[i], "照片只能属于一个对象（观摩记录、问题、整改任务或进展报告之一）");
	const char *taken = field_string(v, f, "taken_at", 0, 1, 40, NULL);
	long long epoch;
	if (taken && timestamp_normalize(taken, p->taken_at, sizeof p->taken_at, &epoch) != 0)
		verr_add(v, "taken_at", "须为 RFC 3339 时间");
	else if (taken)
		snprintf(p->taken_at_source, sizeof p->taken_at_source, "client");
	const char *lat = field_string(v, f, "lat", 0, 1, 32, NULL);
	const char *lng = field_string(v, f, "lng", 0, 1, 32, NULL);
	if (!lat != !lng)
		verr_add(v, lat ? "lng" : "lat", "lat 与 lng 须同时提供");
	if (lat && lng) {
		char *end1, *end2;
		p->lat = strtod(lat, &end1);
		p->lng = strtod(lng, &end2);
		if (*end1 || p->lat < -90 || p->lat > 90 || p->lat != p->lat)
			verr_add(v, "lat", "须为 -90 到 90 之间的数字");
		if (*end2 || p->lng < -180 || p->lng > 180 || p->lng != p->lng)
			verr_add(v, "lng", "须为 -180 到 180 之间的数字");
		p->has_location = 1;
		snprintf(p->location_source, sizeof p->location_source, "client");
	}
	const char *caption = field_string(v, f, "caption", 0, 1, 200, NULL);
	snprintf(p->caption, sizeof p->caption, "%s", caption ? caption : "");
}

int photo_admit_or_reply(struct req *req, struct db *db, struct photo_new *n)
{
	if (n->id) {
		snprintf(n->p.id, sizeof n->p.id, "%s", n->id);
		enum store_status s = photo_get(db, n->p.id, &n->existing);
		if (s == STORE_OK) { /* a retry: checked against the stored photo once the bytes are in */
			/* someone else's photo, or this one linked elsewhere: not a retry */
			const struct photo_row *e = &n->existing;
			if (strcmp(e->owner_id, req->principal.user_id) != 0 ||
			    strcmp(e->inspection_id, n->inspection_id ? n->inspection_id : "") != 0 ||
			    strcmp(e->finding_id, n->finding_id ? n->finding_id : "") != 0 ||
			    strcmp(e->task_id, n->task_id ? n->task_id : "") != 0 ||
			    strcmp(e->progress_id, n->progress_id ? n->progress_id : "") != 0) {
				reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一张照片");
				return -1;
			}
			n->retry = 1;
			return 0;
		}
		if (s != STORE_NOT_FOUND) {
			reply_store_error(req, s);
			return -1;
		}
	}
	if (!n->inspection_id && !n->finding_id && !n->task_id && !n->progress_id)
		return 0;
	if (n->task_id || n->progress_id ? photo_task_link_or_reply(req, db, n->task_id, n->progress_id) != 0
	                                 : photo_link_or_reply(req, db, n->inspection_id, n->finding_id) != 0)
		return -1;
	long long have = photo_count_for(db, n->inspection_id, n->finding_id, n->task_id, n->progress_id);
	if (have < 0) {
		reply_store_error(req, STORE_DB);
		return -1;
	}
	if (have >= req->srv->cfg->max_photos_per_object) {
		reply_problem(req, 409, "too_many_photos", NULL, "该对象的照片已达上限 %lld 张",
		              req->srv->cfg->max_photos_per_object);
		return -1;
	}
	return 0;
}

/* Fills what the bytes themselves tell: pixel size, and EXIF time and place
 * where the phone gave none. */
static void probe_stored(struct req *req, struct photo_row *p)
{
	char path[PATH_MAX];
	if (blob_path(req->srv->blobs, p->sha256, path, sizeof path) != 0)
		return;
	struct image_info info;
	image_probe(path, &info);
	p->width = info.width;
	p->height = info.height;
	p->exif_present = info.has_exif;
	if (info.has_taken)
		snprintf(p->exif_taken_at, sizeof p->exif_taken_at, "%s", info.taken_at);
	p->has_exif_location = info.has_location;
	p->exif_lat = info.lat;
	p->exif_lng = info.lng;
	p->has_dhash = info.has_dhash;
	p->dhash = info.dhash;
	if (!p->taken_at[0] && info.has_taken) {
		snprintf(p->taken_at, sizeof p->taken_at, "%s", info.taken_at);
		snprintf(p->taken_at_source, sizeof p->taken_at_source, "exif");
	}
	if (!p->has_location && info.has_location) {
		p->has_location = 1;
		p->lat = info.lat;
		p->lng = info.lng;
		snprintf(p->location_source, sizeof p->location_source, "exif");
	}
}

/* Removes stored bytes this upload brought unless a photo row refers to them:
 * checked and done under the database's write lock, so a concurrent upload of
 * the same bytes either committed its row first (the bytes stay) or finds
 * them gone in its own transaction (see bytes_present). */
static void release_bytes(struct req *req, struct db *db, const char *sha256)
{
	if (db_begin(db) != STORE_OK)
		return; /* kept: an unreferenced blob wastes space, a missing one loses a photo */
	long long refs = photo_count_sha256(db, sha256);
	if (refs == 0)
		blob_remove(req->srv->blobs, sha256);
	db_commit(db);
}

static int bytes_present(struct req *req, const char *sha256)
{
	char path[PATH_MAX];
	return blob_path(req->srv->blobs, sha256, path, sizeof path) == 0 && access(path, F_OK) == 0;
}

int photo_store_or_reply(struct req *req, struct db *db, struct photo_new *n, int existed, photo_also_fn also,
                         void *arg)
{
	struct photo_row *p = &n->p;
	enum store_status s;
	if (n->retry) { /* the same id again: the same bytes from the same uploader are the same photo */
		if (strcmp(n->existing.sha256, p->sha256) != 0) {
			if (!existed)
				release_bytes(req, db, p->sha256);
			reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一张照片");
			return -1;
		}
		*p = n->existing;
		if (!also)
			return 200;
		s = db_begin(db);
		if (s == STORE_OK)
			s = also(db, p, arg);
		if (s == STORE_OK)
			s = db_commit(db);
		else
			db_rollback(db);
		if (s == STORE_OK)
			return 200;
		reply_store_error(req, s == STORE_CONFLICT ? STORE_DB : s);
		return -1;
	}
	if (!n->id)
		rand_uuid(p->id);
	snprintf(p->owner_id, sizeof p->owner_id, "%s", req->principal.user_id);
	snprintf(p->inspection_id, sizeof p->inspection_id, "%s", n->inspection_id ? n->inspection_id : "");
	snprintf(p->finding_id, sizeof p->finding_id, "%s", n->finding_id ? n->finding_id : "");
	snprintf(p->task_id, sizeof p->task_id, "%s", n->task_id ? n->task_id : "");
	snprintf(p->progress_id, sizeof p->progress_id, "%s", n->progress_id ? n->progress_id : "");
	probe_stored(req, p);
	int gone = 0;
	s = db_begin(db);
	if (s == STORE_OK)
		s = photo_insert(db, p);
	if (s == STORE_OK && also)
		s = also(db, p, arg);
	if (s == STORE_OK && !bytes_present(req, p->sha256)) { /* removed by a concurrent refusal */
		gone = 1;
		s = STORE_DB;
	}
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s == STORE_OK)
		return 201;
	if (!existed && !gone)
		release_bytes(req, db, p->sha256);
	struct photo_row *e = &n->existing;
	if (gone) {
		req_header_add(req, "Retry-After", "1");
		reply_problem(req, 503, "service_unavailable", NULL, "照片数据刚被并发清理，请重新上传");
	} else if (s == STORE_CONFLICT && photo_get(db, p->id, e) == STORE_OK && strcmp(e->sha256, p->sha256) == 0 &&
	           strcmp(e->owner_id, req->principal.user_id) == 0 && !also) {
		*p = *e; /* a concurrent retry stored it */
		return 200;
	} else if (s == STORE_CONFLICT) {
		reply_problem(req, 409, "id_conflict", NULL, "该 id 已用于另一张照片");
	} else {
		reply_store_error(req, s);
	}
	return -1;
}

static json_t *photo_json(const struct photo_row *p)
{
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:I}",
	                      "id", p->id, "owner_id", p->owner_id, "inspection_id",
	                      p->inspection_id[0] ? json_string(p->inspection_id) : json_null(), "finding_id",
	                      p->finding_id[0] ? json_string(p->finding_id) : json_null(), "sha256", p->sha256, "size",
	                      (json_int_t)p->size, "mime", p->mime, "width",
	                      p->width > 0 ? json_integer(p->width) : json_null(), "height",
	                      p->height > 0 ? json_integer(p->height) : json_null(), "taken_at",
	                      p->taken_at[0] ? json_string(p->taken_at) : json_null(), "taken_at_source",
	                      p->taken_at_source[0] ? json_string(p->taken_at_source) : json_null(), "lat",
	                      p->has_location ? json_real(p->lat) : json_null(), "lng",
	                      p->has_location ? json_real(p->lng) : json_null(), "location_source",
	                      p->location_source[0] ? json_string(p->location_source) : json_null(), "caption",
	                      p->caption[0] ? json_string(p->caption) : json_null(), "uploaded_at", p->uploaded_at,
	                      "version", (json_int_t)p->version);
	if (o) {
		json_object_set_new(o, "task_id", p->task_id[0] ? json_string(p->task_id) : json_null());
		json_object_set_new(o, "progress_id", p->progress_id[0] ? json_string(p->progress_id) : json_null());
	}
	return o;
}

static void reply_photo(struct req *req, int status, const struct photo_row *p)
{
	set_etag(req, p->version);
	json_t *j = photo_json(p);
	struct db *db = server_worker_db(req->conn);
	if (j && db)
		json_object_set_new(j, "checks", photo_checks(req, db, p));
	reply_json_new(req, status, j);
}

static void reply_stream_error(struct req *req, struct upload *u)
{
	req->body_unread = 1; /* the rest of the body was not read: close the connection */
	switch (u->error) {
	case UP_TOO_LARGE:
		reply_problem(req, 413, "payload_too_large", NULL, "照片超过上限 %lld 字节",
		              req->srv->cfg->max_photo_size);
		break;
	case UP_NO_SPACE: reply_problem(req, 507, "insufficient_storage", NULL, "存储空间不足，照片未保存"); break;
	case UP_FIELDS:
		if (!verr_reply(req, u->v))
			reply_problem(req, 422, "validation_failed", NULL, "表单字段无效");
		break;
	case UP_MALFORMED: {
		json_t *extra =
		        json_pack("{s:[{s:s, s:s}]}", "errors", "field", "file", "message", "上传内容不完整或格式错误");
		reply_problem(req, 422, "validation_failed", extra, "上传内容不完整或格式错误");
		json_decref(extra);
		break;
	}
	case UP_TOO_SLOW: reply_body_too_slow(req); break;
	case UP_IO:
	case UP_OK: reply_problem(req, 500, "internal_error", NULL, NULL); break;
	}
}

void photos_upload(struct req *req)
{
	if (req->principal.role == ROLE_VIEWER || req->principal.role == ROLE_INVALID) {
		req->body_unread = 1;
		reply_problem(req, 403, "forbidden", NULL, "当前角色不能上传照片");
		return;
	}
	const char *ct = mg_get_header(req->conn, "Content-Type");
	int multipart = is_multipart(ct);
	if (!multipart && !is_raw_image(ct)) {
		/* never hand other bodies (url-encoded ones) to civetweb's form parser */
		req->body_unread = 1;
		reply_problem(
		        req, 415, "unsupported_media_type", NULL,
		        "请用 multipart/form-data（file 字段）或 image/jpeg、image/png、image/webp、image/heic 上传");
		return;
	}
	if (req->ri->content_length > req->srv->cfg->max_photo_size + (multipart ? 65536 : 0)) {
		req->body_unread = 1;
		reply_problem(req, 413, "payload_too_large", NULL, "照片超过上限 %lld 字节",
		              req->srv->cfg->max_photo_size);
		return;
	}
	struct db *db = req_db_or_reply(req);
	if (!db) {
		req->body_unread = 1;
		return;
	}
	struct verr v;
	verr_init(&v);
	struct upload u = {.req = req, .fields = json_object(), .v = &v};
	struct photo_new n;
	req_body_watch(req);
	int ok = multipart ? read_multipart(&u) == 0 : read_raw(&u) == 0;
	if (req_body_unwatch(req)) { /* whatever the read made of the cut */
		u.error = UP_TOO_SLOW;
		ok = 0;
	}
	if (!ok) {
		blob_writer_abort(u.w); /* cleaned up before the answer: the client may look at once */
		u.w = NULL;
		reply_stream_error(req, &u);
		goto out;
	}
	if (u.files == 0 || !u.w || blob_writer_size(u.w) == 0)
		verr_add(&v, "file", u.files == 0 ? "缺少文件" : "文件为空");
	photo_fields_read(&v, u.fields, &n);
	size_t head_len = 0;
	const uint8_t *head = u.w ? blob_writer_head(u.w, &head_len) : NULL;
	const char *mime = head ? image_sniff(head, head_len) : NULL;
	if (verr_any(&v) || !mime) {
		blob_writer_abort(u.w);
		u.w = NULL;
	}
	if (verr_reply(req, &v))
		goto out;
	if (!mime) {
		reply_problem(req, 415, "unsupported_media_type", NULL, "文件不是 JPEG、PNG、WebP 或 HEIC 图片");
		goto out;
	}
	snprintf(n.p.mime, sizeof n.p.mime, "%s", mime);
	n.p.size = blob_writer_size(u.w);
	if (photo_admit_or_reply(req, db, &n) != 0)
		goto out;
	int existed = 0;
	enum blob_result br = blob_writer_commit(u.w, n.p.sha256, &existed);
	u.w = NULL;
	if (br != BLOB_OK) {
		u.error = from_blob(br);
		reply_stream_error(req, &u);
		goto out;
	}
	int status = photo_store_or_reply(req, db, &n, existed, NULL, NULL);
	if (status == 201) {
		char location[96];
		snprintf(location, sizeof location, "/api/v1/photos/%s", n.p.id);
		req_header_add(req, "Location", location);
	}
	if (status > 0)
		reply_photo(req, status, &n.p);
out:
	blob_writer_abort(u.w);
	buf_release(&u.value);
	json_decref(u.fields);
	verr_release(&v);
}

/* Loads {id} when the caller may see it: admin, the uploader, or whoever
 * sees the inspection it belongs to (directly or through its finding). */
static int load_visible_or_reply(struct req *req, struct db *db, struct photo_row *p)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	enum store_status s = photo_get(db, id, p);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	if (req->principal.role == ROLE_ADMIN || strcmp(p->owner_id, req->principal.user_id) == 0)
		return 0;
	if (p->task_id[0] || p->progress_id[0]) { /* evidence of a task: whoever sees the task */
		int v = task_visible_to(req, db, p->task_id[0] ? p->task_id : NULL,
		                        p->progress_id[0] ? p->progress_id : NULL);
		if (v == 1)
			return 0;
		reply_store_error(req, v < 0 ? STORE_DB : STORE_NOT_FOUND);
		return -1;
	}
	struct rscope rs; /* its uploader's evidence in a task's progress report: whoever sees the task */
	rscope_of(&req->principal, &rs);
	if (photo_cited_visible(db, p->id, &rs.sc) == STORE_OK)
		return 0;
	const char *inspection = p->inspection_id[0] ? p->inspection_id : NULL;
	struct finding_row f;
	int have_f = 0;
	if (!inspection && p->finding_id[0] && finding_get(db, p->finding_id, &f) == STORE_OK) {
		have_f = 1;
		inspection = f.inspection_id;
	}
	int visible = inspection ? inspection_visible_to(req, db, inspection) : 0;
	if (have_f)
		finding_row_release(&f);
	if (visible == 1)
		return 0;
	reply_store_error(req, visible < 0 ? STORE_DB : STORE_NOT_FOUND);
	return -1;
}

void photos_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct photo_row p;
	if (!db || load_visible_or_reply(req, db, &p) != 0)
		return;
	reply_photo(req, 200, &p);
}

/* Parses a single "bytes=a-b" range against size. 0: whole body; 1: range
 * in *from..*to; -1: unsatisfiable. Several ranges: whole body. */
static int parse_range(const char *h, long long size, long long *from, long long *to)
{
	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	const char *p = h + 6;
	char *end;
	if (*p == '-') {
		long long n = strtoll(p + 1, &end, 10);
		if (*end || n <= 0 || p[1] < '0' || p[1] > '9')
			return 0;
		if (size == 0)
			return -1;
		*from = n >= size ? 0 : size - n;
		*to = size - 1;
		return 1;
	}
	if (*p < '0' || *p > '9')
		return 0;
	long long a = strtoll(p, &end, 10);
	if (*end != '-')
		return 0;
	long long b = size - 1;
	if (end[1]) {
		char *end2;
		if (end[1] < '0' || end[1] > '9')
			return 0;
		b = strtoll(end + 1, &end2, 10);
		if (*end2 || b < a)
			return 0;
	}
	if (a >= size)
		return -1;
	*from = a;
	*to = b >= size ? size - 1 : b;
	return 1;
}

/* If-None-Match names etag, or is "*" (any representation). */
static int if_none_match(struct req *req, const char *etag)
{
	const char *inm = mg_get_header(req->conn, "If-None-Match");
	return inm && (strstr(inm, etag) || strcmp(inm, "*") == 0);
}

/* Answers status with len bytes of fd from offset from: the headers in one
 * write, then the bytes in chunks, so a photo never sits in memory whole.
 * The caller has added its headers (ETag, Content-Range, ...) to req. */
static void send_file_range(struct req *req, int status, const char *mime, int fd, long long from, long long len)
{
	struct buf h = BUF_INIT;
	buf_printf(&h,
	           "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %lld\r\nX-Request-Id: %s\r\n"
	           "X-Content-Type-Options: nosniff\r\n",
	           status, status == 206 ? "Partial Content" : "OK", mime, len, req->request_id);
	buf_add(&h, req->headers.data ? req->headers.data : "", req->headers.len);
	buf_adds(&h, "\r\n");
	req->status = status;
	int ok = mg_write(req->conn, h.data, h.len) > 0;
	req->bytes_out = h.len;
	buf_release(&h);
	if (!ok || strcmp(req->method, "HEAD") == 0)
		return;
	enum { CHUNK = 65536 };
	char *chunk = xmalloc(CHUNK); /* worker threads have small stacks */
	long long off = from, left = len;
	while (left > 0) {
		ssize_t n = pread(fd, chunk, left < CHUNK ? (size_t)left : CHUNK, off);
		if (n <= 0 || mg_write(req->conn, chunk, (size_t)n) <= 0)
			break; /* the client went away or the disk failed: the connection ends short */
		off += n;
		left -= n;
		req->bytes_out += (size_t)n;
	}
	free(chunk);
}

void photos_content(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct photo_row p;
	if (!db || load_visible_or_reply(req, db, &p) != 0)
		return;
	char etag[80];
	snprintf(etag, sizeof etag, "\"%s\"", p.sha256);
	if (if_none_match(req, etag)) {
		req_header_add(req, "ETag", etag);
		req_header_add(req, "Cache-Control", "private, max-age=31536000, immutable");
		reply_send(req, 304, NULL, NULL, 0, 0);
		return;
	}
	long long size = 0;
	int fd = blob_open(req->srv->blobs, p.sha256, &size);
	if (fd < 0) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "photos", "stored bytes missing")) {
			log_str(&l, "photo_id", p.id);
			log_str(&l, "sha256", p.sha256);
			log_end(&l);
		}
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	long long from = 0, to = size - 1;
	int range = parse_range(mg_get_header(req->conn, "Range"), size, &from, &to);
	if (range < 0) {
		close(fd);
		char cr[64];
		snprintf(cr, sizeof cr, "bytes */%lld", size);
		req_header_add(req, "Content-Range", cr);
		reply_problem(req, 416, "range_not_satisfiable", NULL, "请求范围超出照片大小 %lld 字节", size);
		return;
	}
	int status = range ? 206 : 200;
	req_header_add(req, "ETag", etag);
	req_header_add(req, "Cache-Control", "private, max-age=31536000, immutable");
	req_header_add(req, "Content-Disposition", "inline");
	req_header_add(req, "Accept-Ranges", "bytes");
	if (range) {
		char cr[96];
		snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", from, to, size);
		req_header_add(req, "Content-Range", cr);
	}
	send_file_range(req, status, p.mime, fd, from, to - from + 1);
	close(fd);
}

void photos_thumbnail(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	struct photo_row p;
	if (!db || load_visible_or_reply(req, db, &p) != 0)
		return;
	char etag[96];
	snprintf(etag, sizeof etag, "\"%s-t%d\"", p.sha256, THUMB_SIZE);
	if (if_none_match(req, etag)) {
		req_header_add(req, "ETag", etag);
		req_header_add(req, "Cache-Control", "private, max-age=31536000, immutable");
		reply_send(req, 304, NULL, NULL, 0, 0);
		return;
	}
	char src[PATH_MAX], cache[PATH_MAX];
	if (blob_path(req->srv->blobs, p.sha256, src, sizeof src) != 0 ||
	    snprintf(cache, sizeof cache, "%s/thumbs/%.2s/%.2s/%s.jpg", req->srv->cfg->data_dir, p.sha256, p.sha256 + 2,
	             p.sha256) >= (int)sizeof cache) {
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	int fd = -1;
	long long size = 0;
	switch (image_thumbnail(src, cache, &fd, &size)) {
	case THUMB_OK: break;
	case THUMB_UNDECODABLE:
		reply_problem(req, 422, "image_undecodable", NULL,
		              "照片无法解码，无法生成缩略图；原图仍可通过 /content 获取");
		return;
	case THUMB_BUSY:
		req_header_add(req, "Retry-After", "2");
		reply_problem(req, 503, "service_unavailable", NULL, "缩略图正在排队生成，请稍后重试");
		return;
	case THUMB_IO: reply_problem(req, 500, "internal_error", NULL, NULL); return;
	}
	req_header_add(req, "ETag", etag);
	req_header_add(req, "Cache-Control", "private, max-age=31536000, immutable");
	req_header_add(req, "Content-Disposition", "inline");
	send_file_range(req, 200, "image/jpeg", fd, 0, size);
	close(fd);
}
