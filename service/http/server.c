#include "server.h"

#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "api.h"
#include "base/xalloc.h"
#include "body.h"
#include "bodywatch.h"
#include "bootstrap.h"
#include "crypto.h"
#include "db.h"
#include "image.h"
#include "password.h"
#include "session_store.h"
#include "user_store.h"
#include "uploads.h"
#include "webhooks.h"
#include "problem.h"
#include "random.h"
#include "req.h"

/* Per worker thread: its own SQLite connection (ARCHITECTURE.md). */
struct worker {
	struct server *srv;
	struct db *db;
	int db_failed_logged;
};

int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);
	if (len == 0 || len >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int server_migrate(const char *db_path, char *err, size_t errlen)
{
	struct db *db = db_open(db_path, err, errlen);
	if (!db)
		return -1;
	int from = 0, to = 0;
	int rc = db_migrate(db, &from, &to, err, errlen);
	db_close(db);
	if (rc != 0)
		return -1;
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "db", from == to ? "schema up to date" : "schema migrated")) {
		log_str(&l, "path", db_path);
		log_int(&l, "from", from);
		log_int(&l, "to", to);
		log_end(&l);
	}
	return 0;
}

struct db *server_worker_db(struct mg_connection *conn)
{
	struct worker *w = mg_get_thread_pointer(conn);
	if (!w)
		return NULL;
	if (w->db)
		return w->db;
	char err[512];
	w->db = db_open(w->srv->db_path, err, sizeof err);
	if (!w->db && !w->db_failed_logged) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "db", "cannot open worker connection")) {
			log_str(&l, "error", err);
			log_end(&l);
		}
		w->db_failed_logged = 1;
	}
	return w->db;
}

static void *on_init_thread(const struct mg_context *ctx, int thread_type)
{
	if (thread_type != 1)
		return NULL;
	struct worker *w = xcalloc(1, sizeof *w);
	w->srv = mg_get_user_data(ctx);
	return w;
}

static void on_exit_thread(const struct mg_context *ctx, int thread_type, void *thread_pointer)
{
	(void)ctx;
	(void)thread_type;
	struct worker *w = thread_pointer;
	if (!w)
		return;
	db_close(w->db);
	free(w);
}

static int on_log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "civetweb", message))
		log_end(&l);
	return 1;
}

static void set_request_id(struct req *req)
{
	const char *given = mg_get_header(req->conn, "X-Request-Id");
	if (given && request_id_is_sane(given)) {
		snprintf(req->request_id, sizeof req->request_id, "%s", given);
		return;
	}
	rand_hex(req->request_id, 16);
}

static void log_request(const struct req *req, uint64_t duration_us)
{
	struct log_line l;
	if (!log_begin(&l, LOG_INFO, "http", "request"))
		return;
	log_str(&l, "request_id", req->request_id);
	log_str(&l, "method", req->method ? req->method : "");
	log_str(&l, "route", req->route ? req->route->pattern : "unmatched");
	log_int(&l, "status", req->status);
	log_int(&l, "duration_us", (long long)duration_us);
	log_int(&l, "bytes", (long long)req->bytes_out);
	log_str(&l, "remote", req->client_addr[0] ? req->client_addr : req->ri ? req->ri->remote_addr : "");
	if (req->authenticated)
		log_str(&l, "user_id", req->principal.user_id);
	log_end(&l);
}

/* Error responses civetweb itself produces (malformed request line, headers
 * too large, …), rendered as problem+json like every other error. */
static int on_http_error(struct mg_connection *conn, int status, const char *errmsg)
{
	struct server *srv = mg_get_user_data(mg_get_context(conn));
	struct req req = {0};
	req.conn = conn;
	req.ri = mg_get_request_info(conn);
	req.method = req.ri && req.ri->request_method ? req.ri->request_method : NULL;
	req.route_index = srv->nroutes;
	req.close_after = 1;
	req.start_us = now_us();
	set_request_id(&req);
	const char *code = problem_code_for_status(status);
	(void)errmsg; /* civetweb's text may name internals; the code and title say enough */
	reply_problem(&req, status, code, NULL, NULL);
	metrics_observe(srv->metrics, srv->nroutes, req.method ? req.method : "OTHER", status, now_us() - req.start_us);
	log_request(&req, now_us() - req.start_us);
	buf_release(&req.headers);
	return 0;
}

static void add_cors_headers(struct req *req)
{
	const char *origin = mg_get_header(req->conn, "Origin");
	const char *allowed = req->srv->cfg->cors_origins;
	if (!origin || !allowed || !*allowed || !config_origin_allowed(allowed, origin, strlen(origin)))
		return;
	/* Only a syntactically plain origin is reflected (it lands in a header). */
	for (const char *p = origin; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return;
	req_header_add(req, "Access-Control-Allow-Origin", origin);
	req_header_add(req, "Vary", "Origin");
	req_header_add(req, "Access-Control-Expose-Headers",
	               "ETag, Location, Retry-After, X-Request-Id, Upload-Offset, Upload-Length, Upload-Expires,"
	               " Upload-Metadata, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size,"
	               " Tus-Checksum-Algorithm, Photo-Id");
}

/* OPTIONS on a known path: a CORS preflight, or the Allow list. */
static void reply_options(struct req *req, const char *allow)
{
	char allow_opts[160];
	snprintf(allow_opts, sizeof allow_opts, "%s, OPTIONS", allow);
	const char *acrm = mg_get_header(req->conn, "Access-Control-Request-Method");
	if (acrm && req->headers.len) { /* add_cors_headers accepted the origin */
		req_header_add(req, "Access-Control-Allow-Methods", allow_opts);
		req_header_add(req, "Access-Control-Allow-Headers",
		               "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id, Tus-Resumable,"
		               " Upload-Length, Upload-Defer-Length, Upload-Metadata, Upload-Offset, Upload-Checksum,"
		               " X-HTTP-Method-Override");
		req_header_add(req, "Access-Control-Max-Age", "600");
	}
	req_header_add(req, "Allow", allow_opts);
	if (uploads_path(req->path))
		uploads_discovery_headers(req);
	reply_send(req, 204, NULL, NULL, 0, 0);
}

void req_body_watch(struct req *req)
{
	if (!req->watch)
		req->watch = bodywatch_arm(req->srv->bodywatch, req->ri->remote_addr, req->ri->remote_port,
		                           req->ri->server_port);
}

void req_body_progress(struct req *req)
{
	bodywatch_renew(req->srv->bodywatch, req->watch);
}

int req_body_unwatch(struct req *req)
{
	int cut = bodywatch_disarm(req->srv->bodywatch, req->watch);
	req->watch = NULL;
	return cut;
}

void reply_body_too_slow(struct req *req)
{
	req->body_unread = 1;
	reply_problem(req, 408, "request_timeout", NULL, "请求体发送过慢（超过 %lld 毫秒），连接已关闭",
	              req->srv->cfg->request_timeout_ms);
}

static int mg_read_fn(void *ctx, char *buf, size_t len)
{
	return mg_read(ctx, buf, len);
}

/* Reads the request body into req->body, at most cap bytes, within the
 * request timeout. Answers 413/408/400 itself and returns -1 on failure. */
static int read_body_or_reply(struct req *req, long long cap)
{
	long long declared = req->ri->content_length;
	req_body_watch(req);
	enum body_result r = body_read(&req->body, declared, cap, mg_read_fn, req->conn);
	if (req_body_unwatch(req)) {
		reply_body_too_slow(req);
		return -1;
	}
	switch (r) {
	case BODY_OK: return 0;
	case BODY_TOO_LARGE:
		req->body_unread = 1;
		if (declared > cap)
			reply_problem(req, 413, "payload_too_large", NULL, "请求体 %lld 字节，超过上限 %lld 字节",
			              declared, cap);
		else
			reply_problem(req, 413, "payload_too_large", NULL, "请求体超过上限 %lld 字节", cap);
		return -1;
	case BODY_READ_ERROR: break;
	}
	req->body_unread = 1;
	reply_problem(req, 400, "bad_request", NULL, "请求体读取失败或编码无效");
	return -1;
}

static int has_body(const struct req *req)
{
	return req->ri->content_length > 0 || mg_get_header(req->conn, "Transfer-Encoding") != NULL;
}

/* Body checks and JSON parsing for a matched route. Returns -1 when answered. */
static int prepare_body_or_reply(struct req *req)
{
	if (req->route->flags & ROUTE_BODY_STREAM)
		return 0;
	if (!(req->route->flags & ROUTE_BODY_JSON)) {
		if (has_body(req)) {
			req->body_unread = 1;
			reply_problem(req, 415, "unsupported_media_type", NULL, "该接口不接受请求体");
			return -1;
		}
		return 0;
	}
	if (!has_body(req))
		return 0;
	const char *ct = mg_get_header(req->conn, "Content-Type");
	if (!body_is_json_content_type(ct)) {
		req->body_unread = 1;
		reply_problem(req, 415, "unsupported_media_type", NULL,
		              "请求体须为 application/json（UTF-8），收到的是 %.64s", ct ? ct : "（无 Content-Type）");
		return -1;
	}
	if (read_body_or_reply(req, req->srv->cfg->max_body) != 0)
		return -1;
	if (req->body.len == 0)
		return 0;
	if (body_json_depth(req->body.data, req->body.len) > BODY_JSON_MAX_DEPTH) {
		reply_problem(req, 400, "malformed_json", NULL, "JSON 嵌套超过 %d 层", BODY_JSON_MAX_DEPTH);
		return -1;
	}
	json_error_t jerr;
	req->json = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->json) {
		reply_problem(req, 400, "malformed_json", NULL, "JSON 解析失败（第 %d 行第 %d 列）：%s", jerr.line,
		              jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(req->json)) {
		reply_problem(req, 400, "malformed_json", NULL, "请求体须为 JSON 对象");
		return -1;
	}
	return 0;
}

/* 401 with the RFC 6750 challenge; error="invalid_token" only when a
 * token was presented (§3.1). */
static void reply_unauthorized(struct req *req, int token_presented, const char *detail)
{
	req_header_add(req, "WWW-Authenticate",
	               token_presented ? "Bearer realm=\"inspectd\", error=\"invalid_token\""
	                               : "Bearer realm=\"inspectd\"");
	reply_problem(req, 401, "unauthorized", NULL, "%s", detail);
}

/*
 * Bearer token → principal. The token must verify (jwt_access.c) and its
 * user, token version and session must still be current in the database, so
 * disabling, a password change, logout or reuse detection end it at once.
 * Tokens are taken from the Authorization header only, never the query.
 */
static int authenticate_or_reply(struct req *req)
{
	const char *h = mg_get_header(req->conn, "Authorization");
	if (!h) {
		req->body_unread = has_body(req);
		reply_unauthorized(req, 0, "缺少访问令牌");
		return -1;
	}
	struct access_claims c;
	const char *token = strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
	if (token)
		token += strspn(token, " ");
	if (!token || !*token || jwt_verify_access(&req->srv->keys, token, time(NULL), &c) != 0) {
		req->body_unread = has_body(req);
		reply_unauthorized(req, 1, "访问令牌无效或已过期");
		return -1;
	}
	struct db *db = req_db_or_reply(req);
	if (!db)
		return -1;
	struct user u;
	enum store_status s = user_store_get_signed_in(db, c.sub, c.sid, &u);
	if (s == STORE_OK && (u.disabled || u.token_version != c.tv))
		s = STORE_NOT_FOUND;
	if (s != STORE_OK) {
		req->body_unread = has_body(req);
		if (s == STORE_DB)
			reply_store_error(req, s);
		else
			reply_unauthorized(req, 1, "访问令牌已失效，请重新登录");
		return -1;
	}
	struct principal *p = &req->principal;
	snprintf(p->user_id, sizeof p->user_id, "%s", u.id);
	snprintf(p->username, sizeof p->username, "%s", u.username);
	p->role = role_parse(u.role);
	snprintf(p->org_id, sizeof p->org_id, "%s", u.org_id);
	snprintf(p->org_path, sizeof p->org_path, "%s", u.org_path);
	snprintf(p->session_id, sizeof p->session_id, "%s", c.sid);
	req->authenticated = 1;
	return 0;
}

/* The client's address: the socket peer, or — when the peer is a trusted
 * proxy — the last X-Forwarded-For entry, the one the proxy itself appended
 * (earlier entries and X-Real-IP may come from the client), if that is an
 * IPv4 literal. */
static void set_client_addr(struct req *req)
{
	snprintf(req->client_addr, sizeof req->client_addr, "%s", req->ri->remote_addr);
	const char *trusted = req->srv->cfg->trusted_proxies;
	if (!trusted || !*trusted || !config_ip_in_list(trusted, req->ri->remote_addr))
		return;
	char fwd[48] = "";
	const char *xff = mg_get_header(req->conn, "X-Forwarded-For");
	if (xff) {
		const char *last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		last += strspn(last, " ");
		snprintf(fwd, sizeof fwd, "%s", last);
		fwd[strcspn(fwd, " ")] = '\0';
	}
	if (fwd[0] && config_ip_in_list("0.0.0.0/0", fwd))
		snprintf(req->client_addr, sizeof req->client_addr, "%s", fwd);
}

/* X-HTTP-Method-Override on a POST to an upload: the WeChat mini-program's
 * wx.request cannot send PATCH. Only PATCH and DELETE; -1 when it replied. */
static int method_override_or_reply(struct req *req)
{
	const char *o = mg_get_header(req->conn, "X-HTTP-Method-Override");
	if (!o || strcmp(req->method, "POST") != 0 || strncmp(req->path, "/api/v1/uploads/", 16) != 0)
		return 0;
	if (strcasecmp(o, "PATCH") == 0) {
		req->method = "PATCH";
		return 0;
	}
	if (strcasecmp(o, "DELETE") == 0) {
		req->method = "DELETE";
		return 0;
	}
	req->body_unread = has_body(req);
	reply_problem(req, 400, "bad_request", NULL, "X-HTTP-Method-Override 只能是 PATCH 或 DELETE");
	return -1;
}

/* Report workbooks a crash left half-written in <data>/tmp. */
static void remove_report_leftovers(const char *data_dir)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tmp", data_dir);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[4400];
		if (strncmp(e->d_name, "report-", 7) == 0 &&
		    (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path)
			unlink(path);
	}
	closedir(d);
}

static void route_request(struct req *req)
{
	struct server *srv = req->srv;
	if (uploads_path(req->path)) /* on every answer there, errors included */
		req_header_add(req, "Tus-Resumable", TUS_VERSION);
	if (atomic_load(&srv->draining)) {
		req->close_after = 1;
		req_header_add(req, "Retry-After", "5");
		reply_problem(req, 503, "shutting_down", NULL, "服务正在停止，请稍后重试");
		return;
	}
	/* Request smuggling guard: both framings at once is never legitimate. */
	if (mg_get_header(req->conn, "Transfer-Encoding") && mg_get_header(req->conn, "Content-Length")) {
		req->body_unread = 1;
		reply_problem(req, 400, "bad_request", NULL, "不能同时使用 Transfer-Encoding 与 Content-Length");
		return;
	}
	if (uploads_path(req->path) && method_override_or_reply(req) != 0)
		return;
	char allow[128];
	size_t index = srv->nroutes;
	enum route_match m = router_match(srv->routes, srv->nroutes, req->method, req->path, &index, &req->params,
	                                  allow, sizeof allow);
	add_cors_headers(req);
	if (m == ROUTE_NONE) {
		req->body_unread = has_body(req);
		reply_problem(req, 404, "not_found", NULL, "没有这个接口：%.200s", req->path);
		return;
	}
	req->route_index = index;
	req->route = &srv->routes[index];
	if (m == ROUTE_BAD_METHOD) {
		req->body_unread = has_body(req);
		if (strcmp(req->method, "OPTIONS") == 0) {
			reply_options(req, allow);
			return;
		}
		req_header_add(req, "Allow", allow);
		reply_problem(req, 405, "method_not_allowed", NULL, "%s 不支持 %.16s，可用：%s", req->route->pattern,
		              req->method, allow);
		return;
	}
	if (!(req->route->flags & ROUTE_PUBLIC) && authenticate_or_reply(req) != 0)
		return;
	if (prepare_body_or_reply(req) != 0)
		return;
	if (req->authenticated) { /* whoever writes now is audited as this caller */
		struct db_actor a;
		memset(&a, 0, sizeof a);
		snprintf(a.id, sizeof a.id, "%s", req->principal.user_id);
		snprintf(a.role, sizeof a.role, "%s", role_name(req->principal.role));
		snprintf(a.addr, sizeof a.addr, "%s", req->client_addr);
		snprintf(a.request_id, sizeof a.request_id, "%s", req->request_id);
		db_actor_set(&a);
	}
	req->route->handler(req);
	if (!req->status) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "http", "handler did not reply")) {
			log_str(&l, "route", req->route->pattern);
			log_end(&l);
		}
		reply_problem(req, 500, "internal_error", NULL, NULL);
	}
}

/*
 * After a handler that left the body unread (a refusal, a cut), civetweb
 * reads and discards the rest of it — for as long as it keeps coming, a
 * byte at a time if need be. The deadline stays on the connection for that
 * (its user data) until its next request or its close.
 */
static void watch_the_drain(struct req *req)
{
	if (!req->body_unread) {
		if (req->watch) /* a handler that returned while watched: its body was read */
			req_body_unwatch(req);
		return;
	}
	if (req->watch)
		req_body_progress(req);
	else
		req_body_watch(req);
	mg_set_user_connection_data(req->conn, req->watch);
	req->watch = NULL;
}

static void end_drain_watch(const struct mg_connection *conn, struct server *srv)
{
	struct watch *w = mg_get_user_connection_data(conn);
	if (w) {
		bodywatch_disarm(srv->bodywatch, w);
		mg_set_user_connection_data(conn, NULL);
	}
}

static void on_connection_close(const struct mg_connection *conn)
{
	end_drain_watch(conn, mg_get_user_data(mg_get_context(conn)));
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
	struct server *srv = cbdata;
	struct req req = {0};
	req.start_us = now_us();
	req.conn = conn;
	req.srv = srv;
	req.ri = mg_get_request_info(conn);
	req.method = req.ri->request_method;
	req.path = req.ri->local_uri_raw ? req.ri->local_uri_raw : req.ri->local_uri;
	req.route_index = srv->nroutes;
	metrics_in_flight_add(srv->metrics, 1);
	set_request_id(&req);
	set_client_addr(&req);

	end_drain_watch(conn, srv);
	route_request(&req);
	struct worker *w = mg_get_thread_pointer(conn);
	if (w && w->db && db_end_abandoned(w->db)) /* never hold the other writers up */
		log_msg(LOG_ERROR, "db", "a request left a transaction open: rolled back");
	db_actor_set(NULL);
	if (req.hold) /* a handler that held its reply and returned early */
		req_flush(&req);
	watch_the_drain(&req);

	uint64_t took = now_us() - req.start_us;
	metrics_observe(srv->metrics, req.route_index, req.method, req.status, took);
	log_request(&req, took);
	metrics_in_flight_add(srv->metrics, -1);
	json_decref(req.json);
	buf_release(&req.body);
	buf_release(&req.headers);
	return req.status;
}

static int wait_for_signal(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

static void drain(struct server *srv)
{
	atomic_store(&srv->draining, 1);
	uint64_t deadline = now_us() + (uint64_t)srv->cfg->shutdown_timeout_ms * 1000u;
	while (metrics_in_flight(srv->metrics) > 0 && now_us() < deadline) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	long left = metrics_in_flight(srv->metrics);
	if (left > 0) {
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "server", "shutdown timeout: closing in-flight requests")) {
			log_int(&l, "in_flight", left);
			log_end(&l);
		}
	}
}

static struct route *enabled_routes(const struct config *cfg, size_t *n)
{
	struct route *routes = xcalloc(route_table_count, sizeof *routes);
	size_t k = 0;
	for (size_t i = 0; i < route_table_count; i++) {
		if ((route_table[i].flags & ROUTE_METRICS) && !cfg->metrics)
			continue;
		routes[k++] = route_table[i];
	}
	*n = k;
	return routes;
}

int server_run(const struct config *cfg)
{
	char err[512];
	int rc = 1;
	struct server srv = {0};
	srv.cfg = cfg;
	log_set_level((enum log_level)cfg->log_level);

	if (mkdir_p(cfg->data_dir) != 0) {
		fprintf(stderr, "inspectd: cannot create data directory %s: %s\n", cfg->data_dir, strerror(errno));
		return 1;
	}
	size_t plen = strlen(cfg->data_dir) + sizeof "/inspectd.db";
	srv.db_path = xmalloc(plen);
	snprintf(srv.db_path, plen, "%s/inspectd.db", cfg->data_dir);
	if (server_migrate(srv.db_path, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		goto out;
	}
	char key_path[4096];
	if (cfg->jwt_key_file && *cfg->jwt_key_file)
		snprintf(key_path, sizeof key_path, "%s", cfg->jwt_key_file);
	else
		snprintf(key_path, sizeof key_path, "%s/jwt.key", cfg->data_dir);
	if (crypto_init() != 0 || password_init((int)cfg->hash_concurrency) != 0) {
		fprintf(stderr, "inspectd: cannot initialise cryptography\n");
		goto out;
	}
	if (jwt_keys_load(key_path, &srv.keys, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		goto out;
	}
	char photos[4096];
	snprintf(photos, sizeof photos, "%s/photos", cfg->data_dir);
	srv.blobs = blob_store_open(photos, err, sizeof err);
	if (!srv.blobs) {
		fprintf(stderr, "inspectd: %s\n", err);
		goto out;
	}
	/* Block the stop signals before any thread starts (libvips', the upload
	 * sweep, civetweb's), so they inherit the mask and only the sigwait
	 * below receives them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* Local clock times (EXIF) and calendar days are in the configured zone;
	 * set before any thread starts. */
	setenv("TZ", cfg->time_zone, 1);
	tzset();
	if (image_init((int)cfg->image_concurrency, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		goto out;
	}
	int boot = bootstrap_run(srv.db_path, err, sizeof err);
	if (boot != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		rc = boot == -2 ? 2 : 1;
		goto out;
	}
	remove_report_leftovers(cfg->data_dir);
	if (uploads_start(&srv, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		goto out;
	}
	srv.routes = enabled_routes(cfg, &srv.nroutes);
	if (router_check(srv.routes, srv.nroutes, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: bad route table: %s\n", err);
		goto out;
	}
	srv.metrics = metrics_new(srv.routes, srv.nroutes);
	srv.bodywatch = bodywatch_start((size_t)cfg->threads, cfg->request_timeout_ms);
	if (!srv.bodywatch) {
		fprintf(stderr, "inspectd: cannot start the request body watchdog\n");
		goto out;
	}

	char threads[24], keepalive[24], timeout[24];
	snprintf(threads, sizeof threads, "%lld", cfg->threads);
	snprintf(keepalive, sizeof keepalive, "%lld", cfg->keepalive_ms);
	snprintf(timeout, sizeof timeout, "%lld", cfg->request_timeout_ms);
	/* clang-format off */
	const char *options[] = {
		"listening_ports", cfg->listen,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", keepalive,
		"request_timeout_ms", timeout,
		"tcp_nodelay", "1",
		"decode_url", "no",
		"connection_queue", "256",
		/* Request line + headers: room for a bearer token well above the
		 * 4 KiB JWT cap, so an oversized token is our 401, not a 400. */
		"max_request_size", "32768",
		/* CORS is answered by the dispatcher from the configured origins. */
		"access_control_allow_origin", "",
		"access_control_allow_methods", "",
		"access_control_allow_headers", "",
		"enable_directory_listing", "no",
		"enable_auth_domain_check", "no",
		NULL,
	};
	/* clang-format on */

	struct mg_callbacks cb = {0};
	cb.log_message = on_log_message;
	cb.http_error = on_http_error;
	cb.init_thread = on_init_thread;
	cb.exit_thread = on_exit_thread;
	cb.connection_close = on_connection_close;

	struct mg_init_data init = {.callbacks = &cb, .user_data = &srv, .configuration_options = options};
	struct mg_error_data edata = {.text = err, .text_buffer_size = sizeof err};
	srv.mg = mg_start2(&init, &edata);
	if (!srv.mg) {
		fprintf(stderr, "inspectd: cannot listen on %s: %s\n", cfg->listen, err);
		goto out;
	}
	mg_set_request_handler(srv.mg, "/", dispatch, &srv);
	/* only once listening: a second instance that cannot bind never delivers */
	if (webhooks_start(&srv, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		drain(&srv);
		mg_stop(srv.mg);
		goto out;
	}

	struct log_line l;
	if (log_begin(&l, LOG_INFO, "server", "listening")) {
		log_str(&l, "listen", cfg->listen);
		log_str(&l, "data", cfg->data_dir);
		log_int(&l, "threads", cfg->threads);
		log_str(&l, "version", INSPECTD_VERSION);
		log_end(&l);
	}

	int sig = wait_for_signal();
	if (log_begin(&l, LOG_INFO, "server", "stopping")) {
		log_str(&l, "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		log_end(&l);
	}
	drain(&srv);
	mg_stop(srv.mg);
	log_msg(LOG_INFO, "server", "stopped");
	rc = 0;
out:
	webhooks_stop(&srv);
	bodywatch_stop(srv.bodywatch);
	uploads_stop(&srv);
	image_shutdown();
	blob_store_close(srv.blobs);
	password_shutdown();
	memset(&srv.keys, 0, sizeof srv.keys);
	metrics_free(srv.metrics);
	free(srv.routes);
	free(srv.db_path);
	return rc;
}
