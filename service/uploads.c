/*
 * Resumable uploads (tus 1.0). An upload is a row (owner, length, offset,
 * the photo fields from Upload-Metadata, expiry) and a file
 * <data>/photos/uploads/<id> holding the bytes received so far (beside the
 * blob store: one filesystem). The row's offset is the truth: a PATCH
 * truncates the file to it, appends, fsyncs, and only then moves the
 * offset, so a crash or a dropped connection never leaves bytes counted that
 * are not on disk. The last bytes turn the upload into a photo: the file is
 * hashed and hard-linked into the blob store, then the photo row and the
 * upload's completion commit in one transaction, and only then is the
 * upload's own name removed — a crash anywhere leaves either the upload at
 * its previous offset (the client sends the last chunk again) or the photo.
 *
 * One request at a time writes or removes an upload: a lease in the
 * database (uploads.locked_until), so several instances sharing the data
 * directory agree; a second PATCH gets 423. The lease is renewed while a
 * body streams in and runs out on its own if the process dies.
 */
#include "uploads.h"

#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "base/log.h"
#include "base/ticker.h"
#include "base/xalloc.h"
#include "blob_store.h"
#include "photos.h"
#include "random.h"
#include "server.h"
#include "upload_store.h"

enum {
	METADATA_MAX = 4096,
	SNIFF_BYTES = 16, /* enough for every magic number image_sniff knows */
	LEASE_S = 60,     /* an upload's lease, renewed every LEASE_RENEW_S while a body streams */
	LEASE_RENEW_S = 10,
	SWEEP_BATCH = 100,
	CHUNK = 65536,
	SHA1_BYTES = 20,
};

struct uploads {
	char dir[PATH_MAX - 64]; /* <data>/photos/uploads (room left for "/<id>") */
	/* the sweep */
	struct ticker sweeper; /* the periodic sweep */
	struct server *srv;
};

static const char *const photo_keys[] = {"id",       "inspection_id", "finding_id", "task_id", "progress_id",
                                         "taken_at", "lat",           "lng",        "caption", NULL};
/* Keys tus clients add on their own (tus-js-client, Uppy): accepted, not kept. */
static const char *const ignored_keys[] = {"filename", "filetype", "name", "type", "relativePath", NULL};

static int in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

int uploads_path(const char *path)
{
	return strncmp(path, "/api/v1/uploads", 15) == 0 && (path[15] == '\0' || path[15] == '/');
}

void uploads_discovery_headers(struct req *req)
{
	char max[24];
	snprintf(max, sizeof max, "%lld", req->srv->cfg->max_photo_size);
	req_header_add(req, "Tus-Version", TUS_VERSION);
	req_header_add(req, "Tus-Extension", TUS_EXTENSIONS);
	req_header_add(req, "Tus-Max-Size", max);
	req_header_add(req, "Tus-Checksum-Algorithm", "sha1");
}

/* ---- leases ---------------------------------------------------------------- */

static long long now_s(void)
{
	return (long long)time(NULL);
}

/* Takes upload id's lease for the caller (owner_id) or the sweep (NULL). */
static enum store_status lock_upload(struct db *db, const char *id, const char *owner_id)
{
	long long now = now_s();
	return upload_lock(db, id, owner_id, now, now + LEASE_S);
}

static void unlock_upload(struct db *db, const char *id)
{
	upload_relock(db, id, 0);
}

static void file_path(const struct uploads *up, const char *id, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", up->dir, id);
}

/* Removes an upload: its row, then its file (a file without a row is an
 * orphan the next start-up removes; a row without its file would be an upload
 * that can never finish). */
static enum store_status remove_upload(struct uploads *up, struct db *db, const char *id)
{
	enum store_status s = upload_delete(db, id);
	if (s != STORE_OK && s != STORE_NOT_FOUND)
		return s;
	char path[PATH_MAX];
	file_path(up, id, path, sizeof path);
	if (unlink(path) != 0 && errno != ENOENT) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "uploads", "cannot remove an upload's bytes")) {
			log_str(&l, "path", path);
			log_str(&l, "error", strerror(errno));
			log_end(&l);
		}
	}
	return s;
}

/* ---- the sweep ----------------------------------------------------------- */

/* Removes expired uploads (not those a request is working on). */
static void sweep(struct uploads *up, struct db *db)
{
	char(*ids)[37] = xmalloc(SWEEP_BATCH * sizeof *ids);
	int n = upload_expired(db, (long long)time(NULL), ids, SWEEP_BATCH);
	int removed = 0;
	for (int i = 0; i < n; i++) /* leased: a request is working on it, next time */
		if (lock_upload(db, ids[i], NULL) == STORE_OK && remove_upload(up, db, ids[i]) == STORE_OK)
			removed++;
	free(ids);
	if (removed > 0) {
		struct log_line l;
		if (log_begin(&l, LOG_INFO, "uploads", "expired uploads removed")) {
			log_int(&l, "count", removed);
			log_end(&l);
		}
	}
}

/* Files no unfinished upload names: a crash after an upload's row was
 * removed, or after it became a photo (the bytes are in the blob store). */
static void remove_orphans(struct uploads *up, struct db *db)
{
	DIR *d = opendir(up->dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (uuid_is_valid(e->d_name, strlen(e->d_name)) && upload_unfinished(db, e->d_name) != 0)
			continue;
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof path, "%s/%s", up->dir, e->d_name) < sizeof path)
			unlink(path);
	}
	closedir(d);
}

static void *sweep_main(void *arg)
{
	struct uploads *up = arg;
	char err[256];
	struct db *db = db_open(up->srv->db_path, err, sizeof err);
	if (!db) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "uploads", "the upload sweep cannot open the database")) {
			log_str(&l, "error", err);
			log_end(&l);
		}
		return NULL;
	}
	pthread_mutex_lock(&up->sweeper.mu);
	while (ticker_wait(&up->sweeper, up->srv->cfg->upload_sweep_s * 1000)) {
		pthread_mutex_unlock(&up->sweeper.mu);
		sweep(up, db);
		pthread_mutex_lock(&up->sweeper.mu);
	}
	pthread_mutex_unlock(&up->sweeper.mu);
	db_close(db);
	return NULL;
}

int uploads_start(struct server *srv, char *err, size_t errlen)
{
	struct uploads *up = xcalloc(1, sizeof *up);
	up->srv = srv;
	srv->uploads = up;
	if (blob_sibling_dir(srv->blobs, "uploads", up->dir, sizeof up->dir) != 0 || mkdir_p(up->dir) != 0) {
		snprintf(err, errlen, "cannot create upload directory %s: %s", up->dir, strerror(errno));
		return -1;
	}
	struct db *db = db_open(srv->db_path, err, errlen);
	if (!db)
		return -1;
	sweep(up, db);
	remove_orphans(up, db);
	db_close(db);
	/* (server_run has blocked SIGTERM/SIGINT: the sweep inherits that) */
	if (ticker_start(&up->sweeper, sweep_main, up) != 0) {
		snprintf(err, errlen, "cannot start the upload sweep");
		return -1;
	}
	return 0;
}

void uploads_stop(struct server *srv)
{
	struct uploads *up = srv->uploads;
	if (!up)
		return;
	ticker_stop(&up->sweeper);
	free(up);
	srv->uploads = NULL;
}

/* ---- request helpers ----------------------------------------------------- */

/* Tus-Resumable must name the version we speak (412 otherwise). */
static int tus_version_or_reply(struct req *req)
{
	const char *v = mg_get_header(req->conn, "Tus-Resumable");
	if (v && strcmp(v, TUS_VERSION) == 0)
		return 0;
	req->body_unread = 1;
	req_header_add(req, "Tus-Version", TUS_VERSION);
	reply_problem(req, 412, "tus_version_unsupported", NULL, "请求须带 Tus-Resumable: %s", TUS_VERSION);
	return -1;
}

static int uploader_or_reply(struct req *req)
{
	if (req->principal.role != ROLE_VIEWER && req->principal.role != ROLE_INVALID)
		return 0;
	req->body_unread = 1;
	reply_problem(req, 403, "forbidden", NULL, "当前角色不能上传照片");
	return -1;
}

/* A non-negative decimal header value: 0, 1 when absent, 2 when it has more
 * than 18 digits, -1 when invalid. */
static int header_count(struct req *req, const char *name, long long *out)
{
	const char *v = mg_get_header(req->conn, name);
	if (!v)
		return 1;
	if (!*v || strspn(v, "0123456789") != strlen(v))
		return -1;
	if (strlen(v) > 18)
		return 2;
	*out = strtoll(v, NULL, 10);
	return 0;
}

static void http_date_of(long long epoch, char out[40])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void rfc3339_of(long long epoch, char out[24])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_offset_headers(struct req *req, const struct upload_row *u)
{
	char n[24], expires[40];
	snprintf(n, sizeof n, "%lld", u->offset);
	req_header_add(req, "Upload-Offset", n);
	snprintf(n, sizeof n, "%lld", u->length);
	req_header_add(req, "Upload-Length", n);
	http_date_of(u->expires_epoch, expires);
	req_header_add(req, "Upload-Expires", expires);
	if (u->photo_id[0])
		req_header_add(req, "Photo-Id", u->photo_id);
}

static json_t *upload_json(const struct upload_row *u)
{
	json_t *fields = json_loads(u->fields, 0, NULL);
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:o, s:o}", "id", u->id, "offset", (json_int_t)u->offset, "length",
	                 (json_int_t)u->length, "created_at", u->created_at, "expires_at", u->expires_at, "photo_id",
	                 u->photo_id[0] ? json_string(u->photo_id) : json_null(), "metadata",
	                 fields ? fields : json_object());
}

/*
 * Upload-Metadata: "key base64,key base64,key" (tus 1.0 §creation). The
 * photo keys go into fields as strings; problems into v, by key.
 */
static void parse_metadata(const char *h, json_t *fields, struct verr *v)
{
	char *copy = xstrdup(h);
	char *save = NULL;
	for (char *pair = strtok_r(copy, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
		pair += strspn(pair, " ");
		size_t plen = strlen(pair);
		while (plen > 0 && pair[plen - 1] == ' ')
			pair[--plen] = '\0';
		if (plen == 0) {
			verr_add(v, "Upload-Metadata", "含空的键值对");
			continue;
		}
		char *sp = strchr(pair, ' ');
		const char *b64 = sp ? sp + 1 : "";
		if (sp)
			*sp = '\0';
		const char *key = pair;
		if (strchr(b64, ' ')) {
			verr_add(v, key, "值须为一个 Base64 串");
			continue;
		}
		if (in_list(ignored_keys, key))
			continue;
		if (!in_list(photo_keys, key)) {
			verr_add(v, key, "unknown field");
			continue;
		}
		if (json_object_get(fields, key)) {
			verr_add(v, key, "字段重复");
			continue;
		}
		size_t cap = strlen(b64) * 3 / 4 + 1, len = 0;
		unsigned char *bin = xmalloc(cap);
		int ok = sodium_base642bin(bin, cap, b64, strlen(b64), NULL, &len, NULL,
		                           sodium_base64_VARIANT_ORIGINAL) == 0 ||
		         sodium_base642bin(bin, cap, b64, strlen(b64), NULL, &len, NULL,
		                           sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0;
		json_t *s = ok && memchr(bin, '\0', len) == NULL ? json_stringn((const char *)bin, len) : NULL;
		free(bin);
		if (!s)
			verr_add(v, key, ok ? "须为 UTF-8 文本" : "值不是有效的 Base64");
		else
			json_object_set_new(fields, key, s);
	}
	free(copy);
}

/* Loads {id} of the caller (404) that has not expired (410). */
static int load_or_reply(struct req *req, struct db *db, struct upload_row *u)
{
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	enum store_status s = upload_get(db, id, req->principal.user_id, u);
	if (s != STORE_OK) {
		req->body_unread = 1;
		if (s == STORE_NOT_FOUND)
			reply_problem(req, 404, "not_found", NULL, "没有这个上传（可能已完成清理、被删除或属于他人）");
		else
			reply_store_error(req, s);
		return -1;
	}
	if (u->expires_epoch <= (long long)time(NULL)) {
		req->body_unread = 1;
		reply_problem(req, 410, "upload_expired", NULL, "该上传已于 %s 过期，请重新上传", u->expires_at);
		upload_row_release(u);
		return -1;
	}
	return 0;
}

/* ---- POST /api/v1/uploads ------------------------------------------------ */

void uploads_create(struct req *req)
{
	if (tus_version_or_reply(req) != 0 || uploader_or_reply(req) != 0)
		return;
	if (req->ri->content_length > 0 || mg_get_header(req->conn, "Transfer-Encoding")) {
		req->body_unread = 1;
		reply_problem(req, 415, "unsupported_media_type", NULL, "创建上传时不接受请求体，请随后用 PATCH 发送");
		return;
	}
	if (mg_get_header(req->conn, "Upload-Defer-Length")) {
		reply_problem(req, 400, "bad_request", NULL, "不支持 Upload-Defer-Length，请给出 Upload-Length");
		return;
	}
	long long length = 0;
	int lc = header_count(req, "Upload-Length", &length);
	if (lc == 2) /* more digits than a 64-bit count: larger than any cap */
		length = LLONG_MAX;
	else if (lc != 0 || length <= 0) {
		reply_problem(req, 400, "bad_request", NULL, "Upload-Length 须为正整数（文件字节数）");
		return;
	}
	long long max = req->srv->cfg->max_photo_size;
	if (length > max) {
		reply_problem(req, 413, "payload_too_large", NULL, "照片超过上限 %lld 字节", max);
		return;
	}
	const char *meta = mg_get_header(req->conn, "Upload-Metadata");
	if (meta && strlen(meta) > METADATA_MAX) {
		reply_problem(req, 400, "bad_request", NULL, "Upload-Metadata 超过 %d 字节", METADATA_MAX);
		return;
	}
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	json_t *fields = json_object();
	struct photo_new n;
	char *fields_text = NULL;
	if (meta)
		parse_metadata(meta, fields, &v);
	photo_fields_read(&v, fields, &n);
	if (verr_reply(req, &v) || photo_admit_or_reply(req, db, &n) != 0)
		goto out;
	long long now = (long long)time(NULL);
	long long open = upload_count_open(db, req->principal.user_id, now);
	if (open < 0) {
		reply_store_error(req, STORE_DB);
		goto out;
	}
	if (open >= req->srv->cfg->max_uploads_per_user) {
		reply_problem(req, 409, "too_many_uploads", NULL, "未完成的上传已有 %lld 个，请先完成或删除（DELETE）",
		              open);
		goto out;
	}
	struct upload_row u;
	memset(&u, 0, sizeof u);
	rand_uuid(u.id);
	snprintf(u.owner_id, sizeof u.owner_id, "%s", req->principal.user_id);
	u.length = length;
	u.metadata = (char *)meta;
	fields_text = json_dumps(fields, JSON_COMPACT);
	u.fields = fields_text;
	u.expires_epoch = now + req->srv->cfg->upload_expiry_s;
	rfc3339_of(now, u.created_at);
	rfc3339_of(u.expires_epoch, u.expires_at);
	enum store_status s = fields_text ? upload_insert(db, &u) : STORE_DB;
	if (s != STORE_OK) {
		reply_store_error(req, s);
		goto out;
	}
	char location[64];
	snprintf(location, sizeof location, "/api/v1/uploads/%s", u.id);
	req_header_add(req, "Location", location);
	add_offset_headers(req, &u);
	reply_json_new(req, 201, upload_json(&u));
out:
	free(fields_text);
	json_decref(fields);
	verr_release(&v);
}

/* ---- GET / HEAD /api/v1/uploads/{id} ------------------------------------- */

void uploads_get(struct req *req)
{
	int head = strcmp(req->method, "HEAD") == 0;
	if ((head && tus_version_or_reply(req) != 0) || uploader_or_reply(req) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	struct upload_row u;
	if (!db || load_or_reply(req, db, &u) != 0)
		return;
	add_offset_headers(req, &u);
	if (u.metadata)
		req_header_add(req, "Upload-Metadata", u.metadata);
	reply_json_new(req, 200, upload_json(&u)); /* no_store; HEAD drops the body */
	upload_row_release(&u);
}

/* ---- PATCH /api/v1/uploads/{id} ------------------------------------------ */

/* Upload-Checksum: "sha1 <base64 digest>". 0 (want filled, *has set), or -1 replied. */
static int checksum_or_reply(struct req *req, int *has, unsigned char want[SHA1_BYTES])
{
	*has = 0;
	const char *h = mg_get_header(req->conn, "Upload-Checksum");
	if (!h)
		return 0;
	const char *sp = strchr(h, ' ');
	if (!sp || (size_t)(sp - h) != 4 || strncasecmp(h, "sha1", 4) != 0) {
		req->body_unread = 1;
		reply_problem(req, 400, "checksum_algorithm_unsupported", NULL,
		              "Upload-Checksum 须为 \"sha1 <Base64 摘要>\"，只支持 sha1");
		return -1;
	}
	size_t len = 0;
	const char *b64 = sp + 1;
	if (sodium_base642bin(want, SHA1_BYTES, b64, strlen(b64), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) !=
	            0 ||
	    len != SHA1_BYTES) {
		req->body_unread = 1;
		reply_problem(req, 400, "bad_request", NULL, "Upload-Checksum 的摘要须为 20 字节 SHA-1 的 Base64");
		return -1;
	}
	*has = 1;
	return 0;
}

static int is_offset_stream(const char *ct)
{
	return ct && strncasecmp(ct, "application/offset+octet-stream", 31) == 0 && (ct[31] == '\0' || ct[31] == ';');
}

enum body_outcome { BODY_WHOLE, BODY_SHORT, BODY_SLOW, BODY_TOO_LONG, BODY_NO_SPACE, BODY_IO };

/*
 * Appends the request body to fd at offset, at most room bytes (one more
 * means the body is too long), hashing it when sha is set and renewing the
 * upload's lease as it goes. *got: bytes written.
 */
static enum body_outcome append_body(struct req *req, struct db *db, const char *id, int fd, long long offset,
                                     long long room, EVP_MD_CTX *sha, long long *got)
{
	*got = 0;
	char *chunk = xmalloc(CHUNK);
	enum body_outcome out = BODY_WHOLE;
	long long renewed = now_s();
	req_body_watch(req);
	for (;;) {
		int n = mg_read(req->conn, chunk, CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			out = BODY_SHORT;
			break;
		}
		if (n > room - *got) {
			out = BODY_TOO_LONG;
			break;
		}
		if (sha)
			EVP_DigestUpdate(sha, chunk, (size_t)n);
		for (int done = 0; done < n;) {
			ssize_t w = pwrite(fd, chunk + done, (size_t)(n - done), offset + *got + done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				out = errno == ENOSPC || errno == EDQUOT ? BODY_NO_SPACE : BODY_IO;
				break;
			}
			done += (int)w;
		}
		if (out != BODY_WHOLE)
			break;
		*got += n;
		req_body_progress(req);
		if (now_s() - renewed >= LEASE_RENEW_S) { /* a slow phone: keep the upload ours */
			renewed = now_s();
			upload_relock(db, id, renewed + LEASE_S);
		}
	}
	free(chunk);
	if (req_body_unwatch(req) && (out == BODY_WHOLE || out == BODY_SHORT))
		return BODY_SLOW; /* cut by the watchdog: what arrived is kept, as for a broken connection */
	long long declared = req->ri->content_length;
	if (out == BODY_WHOLE && declared >= 0 && *got != declared)
		out = BODY_SHORT; /* the connection ended before the declared length */
	return out;
}

struct completion {
	const char *upload_id;
	long long from; /* the offset before the last bytes */
};

/* In the photo's transaction: the upload is complete, and made that photo. */
static enum store_status complete_upload(struct db *db, const struct photo_row *p, void *arg)
{
	const struct completion *c = arg;
	return upload_complete(db, c->upload_id, c->from, p->id);
}

/*
 * The bytes are all there (path, length u->length, not yet counted: the
 * offset is still `from`): link them into the blob store and commit the
 * photo with the upload's completion. 0 with u->photo_id set, or -1 when it
 * replied. A refusal (4xx) removes the upload; a failure of ours (5xx)
 * leaves it at `from`, so the client can send the last chunk again.
 */
static int finish_or_reply(struct req *req, struct db *db, struct upload_row *u, long long from, const char *mime,
                           const char *path)
{
	struct verr v;
	verr_init(&v);
	json_t *fields = json_loads(u->fields, 0, NULL);
	struct photo_new n;
	photo_fields_read(&v, fields, &n);
	int rc = -1;
	if (verr_reply(req, &v) || photo_admit_or_reply(req, db, &n) != 0)
		goto out;
	if (!n.id) { /* the photo takes the upload's id: a lost answer can still find it */
		n.id = u->id;
		snprintf(n.p.id, sizeof n.p.id, "%s", u->id);
	}
	snprintf(n.p.mime, sizeof n.p.mime, "%s", mime);
	n.p.size = u->length;
	int existed = 0;
	enum blob_result br = blob_link(req->srv->blobs, path, n.p.sha256, &existed);
	if (br != BLOB_OK) {
		if (br == BLOB_NO_SPACE)
			reply_problem(req, 507, "insufficient_storage", NULL,
			              "存储空间不足，照片未保存，请稍后重发最后一段");
		else
			reply_problem(req, 500, "internal_error", NULL, NULL);
		goto out;
	}
	struct completion c = {u->id, from};
	if (photo_store_or_reply(req, db, &n, existed, complete_upload, &c) < 0)
		goto out;
	snprintf(u->photo_id, sizeof u->photo_id, "%s", n.p.id);
	u->offset = u->length;
	unlink(path); /* committed: the bytes live at their address now */
	rc = 0;
out:
	if (rc != 0 && req->status < 500)
		remove_upload(req->srv->uploads, db, u->id);
	json_decref(fields);
	verr_release(&v);
	return rc;
}

/* Opens the upload's file for writing at its offset: created at offset 0;
 * later it must hold at least offset bytes (what was counted), and is cut
 * back to exactly that. -1 (errno set; ENOENT: the bytes are lost). */
static int open_at_offset(const struct uploads *up, const struct upload_row *u, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | (u->offset == 0 ? O_CREAT : 0), 0640);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < u->offset) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	if (ftruncate(fd, u->offset) != 0) { /* bytes past the offset were never counted */
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (u->offset == 0 && st.st_size == 0) { /* a new name: make it durable */
		int dfd = open(up->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return fd;
}

static void patch_locked(struct req *req, struct db *db, struct upload_row *u, long long client_offset, int has_sum,
                         const unsigned char want[SHA1_BYTES])
{
	struct uploads *up = req->srv->uploads;
	if (client_offset != u->offset) {
		req->body_unread = 1;
		add_offset_headers(req, u);
		reply_problem(req, 409, "offset_mismatch", NULL, "Upload-Offset 为 %lld，服务器已收到 %lld 字节",
		              client_offset, u->offset);
		return;
	}
	long long room = u->length - u->offset;
	if (req->ri->content_length > room) {
		req->body_unread = 1;
		add_offset_headers(req, u);
		reply_problem(req, 413, "payload_too_large", NULL, "本次数据超过剩余的 %lld 字节", room);
		return;
	}
	if (u->photo_id[0]) { /* finished already: a retried last PATCH with nothing in it */
		req->body_unread = mg_get_header(req->conn, "Transfer-Encoding") != NULL;
		add_offset_headers(req, u);
		reply_send(req, 204, NULL, NULL, 0, 1);
		return;
	}
	char path[PATH_MAX];
	file_path(up, u->id, path, sizeof path);
	int fd = open_at_offset(up, u, path);
	if (fd < 0) {
		req->body_unread = 1;
		if (errno == ENOENT) { /* the file went missing: nothing to resume from */
			remove_upload(up, db, u->id);
			reply_problem(req, 404, "not_found", NULL, "该上传已收到的数据丢失，请重新上传");
		} else if (errno == ENOSPC || errno == EDQUOT) {
			reply_problem(req, 507, "insufficient_storage", NULL, "存储空间不足，请稍后重试");
		} else {
			reply_problem(req, 500, "internal_error", NULL, NULL);
		}
		return;
	}
	EVP_MD_CTX *sha = NULL;
	if (has_sum) {
		sha = EVP_MD_CTX_new();
		if (!sha || EVP_DigestInit_ex(sha, EVP_sha1(), NULL) != 1)
			abort(); /* out of memory */
	}
	long long got = 0;
	const long long from = u->offset;
	enum body_outcome body = append_body(req, db, u->id, fd, from, room, sha, &got);
	/* an interrupted chunk's bytes are kept, unless a checksum vouches for the whole chunk */
	int keep = body == BODY_WHOLE || ((body == BODY_SHORT || body == BODY_SLOW) && !has_sum);
	int sum_ok = 1;
	if (keep && has_sum) {
		unsigned char digest[EVP_MAX_MD_SIZE];
		unsigned int dlen = 0;
		EVP_DigestFinal_ex(sha, digest, &dlen);
		sum_ok = dlen == SHA1_BYTES && memcmp(digest, want, SHA1_BYTES) == 0;
		keep = sum_ok;
	}
	EVP_MD_CTX_free(sha);
	if (keep && got > 0 && fsync(fd) != 0) {
		keep = 0;
		body = errno == ENOSPC || errno == EDQUOT ? BODY_NO_SPACE : BODY_IO;
	}
	if (!keep)
		got = 0;
	/* the type, as soon as 16 bytes exist (or the whole file is shorter) */
	const char *mime = NULL;
	long long have = from + got;
	if (have >= SNIFF_BYTES || (have == u->length && have > 0)) {
		unsigned char head[SNIFF_BYTES];
		ssize_t head_len = pread(fd, head, sizeof head, 0);
		mime = head_len > 0 ? image_sniff(head, (size_t)head_len) : NULL;
		if (!mime) {
			close(fd);
			req->body_unread = body != BODY_WHOLE;
			remove_upload(up, db, u->id);
			reply_problem(req, 415, "unsupported_media_type", NULL,
			              "文件不是 JPEG、PNG、WebP 或 HEIC 图片，上传已删除");
			return;
		}
	}
	if (got == 0 || have == u->length)
		(void)ftruncate(fd, have); /* nothing of this chunk kept, or exactly the whole file */
	close(fd);
	if (body != BODY_WHOLE)
		req->body_unread = 1;
	if (got > 0 && have < u->length) { /* counted now; the last bytes are counted with the photo */
		enum store_status s = upload_advance(db, u->id, from, have);
		if (s != STORE_OK) {
			reply_store_error(req, s == STORE_CONFLICT ? STORE_DB : s);
			return;
		}
		u->offset = have;
	}
	switch (body) {
	case BODY_WHOLE: break;
	case BODY_SHORT:
		if (have == u->length) /* every byte arrived after all: finish below */
			break;
		add_offset_headers(req, u);
		reply_problem(req, 400, "bad_request", NULL,
		              "请求体不完整：已保存 %lld 字节，请从 Upload-Offset 处续传", got);
		return;
	case BODY_SLOW:
		if (have == u->length)
			break;
		add_offset_headers(req, u);
		req->body_unread = 1;
		reply_problem(req, 408, "request_timeout", NULL,
		              "数据发送过慢，连接已关闭：已保存 %lld 字节，请从 Upload-Offset 处续传", got);
		return;
	case BODY_TOO_LONG:
		add_offset_headers(req, u);
		reply_problem(req, 413, "payload_too_large", NULL, "本次数据超过剩余的 %lld 字节", room);
		return;
	case BODY_NO_SPACE:
		add_offset_headers(req, u);
		reply_problem(req, 507, "insufficient_storage", NULL, "存储空间不足，本次数据未保存");
		return;
	case BODY_IO: reply_problem(req, 500, "internal_error", NULL, NULL); return;
	}
	if (!sum_ok) {
		add_offset_headers(req, u);
		reply_problem(req, 460, "checksum_mismatch", NULL,
		              "本次数据的 SHA-1 与 Upload-Checksum 不符，已丢弃，请重发");
		return;
	}
	if (have == u->length && finish_or_reply(req, db, u, from, mime, path) != 0)
		return;
	add_offset_headers(req, u);
	reply_send(req, 204, NULL, NULL, 0, 1);
}

void uploads_patch(struct req *req)
{
	if (tus_version_or_reply(req) != 0 || uploader_or_reply(req) != 0)
		return;
	if (!is_offset_stream(mg_get_header(req->conn, "Content-Type"))) {
		req->body_unread = 1;
		reply_problem(req, 415, "unsupported_media_type", NULL,
		              "PATCH 的 Content-Type 须为 application/offset+octet-stream");
		return;
	}
	long long client_offset = 0;
	if (header_count(req, "Upload-Offset", &client_offset) != 0) {
		req->body_unread = 1;
		reply_problem(req, 400, "bad_request", NULL, "Upload-Offset 须为非负整数");
		return;
	}
	int has_sum = 0;
	unsigned char want[SHA1_BYTES];
	if (checksum_or_reply(req, &has_sum, want) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	struct upload_row u;
	if (!db) {
		req->body_unread = 1;
		return;
	}
	/* whose it is first (404/410 to anyone else), then the lease, then the
	 * offset as it is under the lease */
	if (load_or_reply(req, db, &u) != 0)
		return;
	char id[37];
	snprintf(id, sizeof id, "%s", u.id);
	upload_row_release(&u);
	enum store_status s = lock_upload(db, id, req->principal.user_id);
	if (s != STORE_OK) {
		req->body_unread = 1;
		if (s == STORE_CONFLICT)
			reply_problem(req, 423, "upload_locked", NULL,
			              "该上传正在接收另一个请求的数据，请稍后用 HEAD 查询偏移量再续传");
		else
			reply_store_error(req, s);
		return;
	}
	req_hold(req); /* the answer waits until the lease is released and any removal is done */
	if (load_or_reply(req, db, &u) == 0) {
		patch_locked(req, db, &u, client_offset, has_sum, want);
		upload_row_release(&u);
	}
	unlock_upload(db, id);
	req_flush(req);
}

/* ---- DELETE /api/v1/uploads/{id} ----------------------------------------- */

void uploads_delete(struct req *req)
{
	if (tus_version_or_reply(req) != 0 || uploader_or_reply(req) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	char id[37];
	if (path_uuid_or_reply(req, "id", id) != 0)
		return;
	/* the caller's only (404 otherwise), and not while a PATCH writes it */
	enum store_status s = lock_upload(db, id, req->principal.user_id);
	if (s == STORE_OK && (s = remove_upload(req->srv->uploads, db, id)) != STORE_OK)
		unlock_upload(db, id);
	if (s == STORE_CONFLICT)
		reply_problem(req, 423, "upload_locked", NULL, "该上传正在接收数据，请稍后再删除");
	else if (s == STORE_NOT_FOUND)
		reply_problem(req, 404, "not_found", NULL, "没有这个上传（可能已完成清理、被删除或属于他人）");
	else if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_send(req, 204, NULL, NULL, 0, 1);
}
