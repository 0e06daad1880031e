/* See harness.h. */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "harness.h"

#include <civetweb.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/log.h"
#include "blob_store.h"
#include "body.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "org_store.h"
#include "password.h"
#include "req.h"
#include "router.h"
#include "server.h"
#include "uploads.h"
#include "user_store.h"

/* ---- the fake connection --------------------------------------------------- */

enum { FZ_MAX_HEADERS = 24 };

struct fz_conn {
	struct mg_request_info ri;
	char method[16];
	char path[1024];
	char query[1024];
	const char *hname[FZ_MAX_HEADERS], *hvalue[FZ_MAX_HEADERS];
	size_t nheaders;
	const char *body;
	size_t body_len, body_off;
};

/* server.c's struct worker, as mg_get_thread_pointer hands it to
 * server_worker_db: keep in step with it. */
struct fz_worker {
	struct server *srv;
	struct db *db;
	int db_failed_logged;
};

static struct fz_worker worker;

const char *mg_get_header(const struct mg_connection *conn, const char *name)
{
	const struct fz_conn *c = (const struct fz_conn *)conn;
	for (size_t i = 0; i < c->nheaders; i++)
		if (strcasecmp(c->hname[i], name) == 0)
			return c->hvalue[i];
	return NULL;
}

const struct mg_request_info *mg_get_request_info(const struct mg_connection *conn)
{
	return &((const struct fz_conn *)conn)->ri;
}

int mg_read(struct mg_connection *conn, void *buf, size_t len)
{
	struct fz_conn *c = (struct fz_conn *)conn;
	size_t left = c->body_len - c->body_off;
	if (len > left)
		len = left;
	if (len > 4096) /* short reads, as from a socket */
		len = 4096;
	memcpy(buf, c->body + c->body_off, len);
	c->body_off += len;
	return (int)len;
}

int mg_write(struct mg_connection *conn, const void *buf, size_t len)
{
	(void)conn;
	(void)buf;
	return (int)len;
}

void *mg_get_thread_pointer(const struct mg_connection *conn)
{
	(void)conn;
	return &worker;
}

/* ---- multipart/form-data, the way civetweb 1.15 hands it out ----------------
 * field_found(name, filename ("" for a text part)), then field_get with
 * chunks of at most 8192 bytes (the key only with the first one); an empty
 * part yields one call with a bogus huge length (ARCHITECTURE.md pitfall).
 * The return is the number of parts seen, positive even after an abort, or
 * -1 for a body that is not multipart. */

static const char *memmem_s(const char *h, size_t hl, const char *n, size_t nl)
{
	return memmem(h, hl, n, nl);
}

static void disposition_param(const char *hdr, size_t hl, const char *param, char *out, size_t outlen)
{
	out[0] = '\0';
	size_t pl = strlen(param);
	for (size_t i = 0; i + pl + 2 <= hl; i++) {
		if ((i == 0 || hdr[i - 1] == ' ' || hdr[i - 1] == ';') && strncasecmp(hdr + i, param, pl) == 0 &&
		    hdr[i + pl] == '=') {
			const char *v = hdr + i + pl + 1;
			size_t vl = (size_t)(hdr + hl - v);
			if (vl && *v == '"') {
				v++;
				vl--;
				const char *q = memchr(v, '"', vl);
				if (q)
					vl = (size_t)(q - v);
			} else {
				vl = strcspn(v, ";\r\n");
				if (v + vl > hdr + hl)
					vl = (size_t)(hdr + hl - v);
			}
			if (vl >= outlen)
				vl = outlen - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return;
		}
	}
}

int mg_handle_form_request(struct mg_connection *conn, struct mg_form_data_handler *fdh)
{
	struct fz_conn *c = (struct fz_conn *)conn;
	const char *ct = mg_get_header(conn, "Content-Type");
	const char *b = ct ? strcasestr(ct, "boundary=") : NULL;
	if (!b)
		return -1;
	char delim[256];
	int dl = snprintf(delim, sizeof delim, "--%.*s", (int)strcspn(b + 9, "; "), b + 9);
	if (dl <= 2 || (size_t)dl >= sizeof delim)
		return -1;
	const char *p = c->body + c->body_off, *end = c->body + c->body_len;
	c->body_off = c->body_len;
	const char *at = memmem_s(p, (size_t)(end - p), delim, (size_t)dl);
	if (!at)
		return -1;
	int parts = 0;
	p = at + dl;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return parts; /* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		const char *hend = memmem_s(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (!hend)
			return -1;
		char name[256] = "", filename[256] = "";
		int have_filename = 0;
		for (const char *line = p; line < hend;) {
			const char *eol = memmem_s(line, (size_t)(hend - line) + 2, "\r\n", 2);
			size_t ll = (size_t)(eol - line);
			if (ll > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
				disposition_param(line + 20, ll - 20, "name", name, sizeof name);
				disposition_param(line + 20, ll - 20, "filename", filename, sizeof filename);
				have_filename = memmem_s(line, ll, "filename=", 9) != NULL;
			}
			line = eol + 2;
		}
		const char *val = hend + 4;
		char nd[260];
		int ndl = snprintf(nd, sizeof nd, "\r\n%s", delim);
		const char *vend = memmem_s(val, (size_t)(end - val), nd, (size_t)ndl);
		if (!vend)
			return -1;
		parts++;
		char path[256] = "";
		int storage = fdh->field_found(name, have_filename ? filename : "", path, sizeof path, fdh->user_data);
		if (storage == MG_FORM_FIELD_STORAGE_ABORT)
			return parts;
		if (storage == MG_FORM_FIELD_STORAGE_GET) {
			size_t vl = (size_t)(vend - val);
			if (vl == 0) {
				if (fdh->field_get(name, val, (size_t)0x7fffffff, fdh->user_data) ==
				    MG_FORM_FIELD_HANDLE_ABORT)
					return parts;
			}
			for (size_t off = 0; off < vl;) {
				size_t n = vl - off > 8192 ? 8192 : vl - off;
				if (fdh->field_get(off ? "" : name, val + off, n, fdh->user_data) ==
				    MG_FORM_FIELD_HANDLE_ABORT)
					return parts;
				off += n;
			}
		}
		p = vend + ndl;
	}
}

/* ---- once: configuration, database, seed data ------------------------------- */

static struct config cfg;
static struct server srv;
static struct route *routes;
static size_t nroutes;
static sqlite3 *pristine; /* the seeded database, copied back after writes */
static char data_dir[256];
static int verbose;
static char last_location[256]; /* the previous response's Location: "@" in a path */

struct fz_user {
	const char *role, *id, *org;
};
static const struct fz_user users[] = {
	{"admin", "00000000-0000-4000-8000-0000000000a1", FZ_ORG_CITY},
	{"supervisor", "00000000-0000-4000-8000-0000000000a2", FZ_ORG_TOWN},
	{"inspector", "00000000-0000-4000-8000-0000000000a3", FZ_ORG_TOWN},
	{"cadre", "00000000-0000-4000-8000-0000000000a4", FZ_ORG_VILLAGE},
	{"viewer", "00000000-0000-4000-8000-0000000000a5", FZ_ORG_CITY},
};
static char org_paths[3][ORG_PATH_MAX];

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz harness: %s: %s\n", what, err ? err : "");
	abort();
}

static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

static void seed(struct db *db)
{
	static const struct {
		const char *id, *code, *level;
		int parent;
	} orgs[] = {{FZ_ORG_CITY, "root", "city", -1}, {FZ_ORG_TOWN, "t1", "town", 0}, {FZ_ORG_VILLAGE, "v1", "village", 1}};
	for (int i = 0; i < 3; i++) {
		struct org o;
		memset(&o, 0, sizeof o);
		snprintf(o.id, sizeof o.id, "%s", orgs[i].id);
		snprintf(o.code, sizeof o.code, "%s", orgs[i].code);
		snprintf(o.name, sizeof o.name, "org %s", orgs[i].code);
		snprintf(o.level, sizeof o.level, "%s", orgs[i].level);
		snprintf(o.status, sizeof o.status, "normal");
		if (orgs[i].parent >= 0)
			snprintf(o.parent_id, sizeof o.parent_id, "%s", orgs[orgs[i].parent].id);
		if (org_store_create(db, &o, orgs[i].parent >= 0 ? org_paths[orgs[i].parent] : NULL) != STORE_OK)
			die("seed", "org");
		snprintf(org_paths[i], sizeof org_paths[i], "%s", o.path);
	}
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		struct user u;
		memset(&u, 0, sizeof u);
		snprintf(u.id, sizeof u.id, "%s", users[i].id);
		snprintf(u.username, sizeof u.username, "%s", users[i].role);
		snprintf(u.display_name, sizeof u.display_name, "%s", users[i].role);
		snprintf(u.role, sizeof u.role, "%s", users[i].role);
		snprintf(u.org_id, sizeof u.org_id, "%s", users[i].org);
		/* a real Argon2id hash of "fuzz-password-1" would cost a hash per login
		 * attempt anyway; a fixed string makes every login a mismatch */
		if (user_store_create(db, &u, "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
		                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") != STORE_OK)
			die("seed", "user");
	}
}

static void snapshot(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		die("backup", sqlite3_errmsg(to));
	sqlite3_backup_finish(b);
}

static void cleanup(void)
{
	uploads_stop(&srv);
	blob_store_close(srv.blobs);
	db_close(worker.db);
	sqlite3_close(pristine);
	free(routes);
	password_shutdown();
	config_release(&cfg);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz harness: cannot remove %s\n", data_dir);
}

static void init_once(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	verbose = getenv("FZ_VERBOSE") != NULL;
	log_set_level((enum log_level)(LOG_ERROR + 1)); /* quiet: the fuzzer's output is what counts */
	const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	snprintf(data_dir, sizeof data_dir, "%s/inspectd-fuzz-XXXXXX", shm);
	if (!mkdtemp(data_dir))
		die("mkdtemp", data_dir);
	char err[512];
	char arg_data[300];
	snprintf(arg_data, sizeof arg_data, "--data=%s", data_dir);
	char *argv[] = {arg_data, NULL};
	if (config_load(&cfg, CONFIG_CMD_SERVE, no_env, 1, argv, err, sizeof err) != 0)
		die("config", err);
	cfg.upload_sweep_s = 86400;
	if (crypto_init() != 0 || password_init(1) != 0)
		die("crypto", NULL);
	worker.db = db_open(":memory:", err, sizeof err);
	if (!worker.db)
		die("db_open", err);
	int from = 0, to = 0;
	if (db_migrate(worker.db, &from, &to, err, sizeof err) != 0)
		die("migrate", err);
	seed(worker.db);
	if (sqlite3_open(":memory:", &pristine) != SQLITE_OK)
		die("pristine", NULL);
	snapshot(pristine, db_handle(worker.db));
	worker.srv = &srv;
	srv.cfg = &cfg;
	srv.db_path = ":memory:"; /* the upload sweep's own connection: an empty database */
	routes = calloc(route_table_count, sizeof *routes);
	for (size_t i = 0; i < route_table_count; i++)
		if (!(route_table[i].flags & ROUTE_METRICS))
			routes[nroutes++] = route_table[i];
	srv.routes = routes;
	srv.nroutes = nroutes;
	srv.blobs = blob_store_open(data_dir, err, sizeof err);
	if (!srv.blobs)
		die("blob store", err);
	if (uploads_start(&srv, err, sizeof err) != 0)
		die("uploads", err);
	atexit(cleanup);
}

/* ---- one request --------------------------------------------------------------- */

static int in_scope(const struct route *r, const struct fz_scope *scope)
{
	if (scope->pattern_prefix && strncmp(r->pattern, scope->pattern_prefix, strlen(scope->pattern_prefix)) != 0)
		return 0;
	return (r->flags & scope->need_flags) == scope->need_flags;
}

/* server.c's prepare_body_or_reply for a ROUTE_BODY_JSON route: -1 when replied. */
static int prepare_json(struct req *req, struct fz_conn *c)
{
	if (c->body_len == 0)
		return 0;
	buf_add(&req->body, c->body, c->body_len);
	c->body_off = c->body_len;
	if (body_json_depth(req->body.data, req->body.len) > BODY_JSON_MAX_DEPTH) {
		reply_problem(req, 400, "malformed_json", NULL, "too deep");
		return -1;
	}
	json_error_t jerr;
	req->json = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->json || !json_is_object(req->json)) {
		reply_problem(req, 400, "malformed_json", NULL, "%s", jerr.text);
		return -1;
	}
	return 0;
}

static void run_one(struct fz_conn *c, const char *role, const struct fz_scope *scope)
{
	c->ri.request_method = c->method;
	c->ri.local_uri = c->path;
	c->ri.local_uri_raw = c->path;
	c->ri.query_string = c->query[0] ? c->query : NULL;
	c->ri.http_version = "1.1";
	c->ri.remote_addr[0] = '\0';
	snprintf(c->ri.remote_addr, sizeof c->ri.remote_addr, "127.0.0.1");
	c->ri.content_length = mg_get_header((struct mg_connection *)c, "Transfer-Encoding") ? -1 : (long long)c->body_len;

	struct req req;
	memset(&req, 0, sizeof req);
	req.conn = (struct mg_connection *)c;
	req.srv = &srv;
	req.ri = &c->ri;
	req.method = c->method;
	req.path = c->path;
	snprintf(req.request_id, sizeof req.request_id, "fuzz");
	snprintf(req.client_addr, sizeof req.client_addr, "127.0.0.1");
	req.hold = 1; /* replies are built into req.held, never written */
	size_t index = nroutes;
	char allow[128];
	if (router_match(routes, nroutes, req.method, req.path, &index, &req.params, allow, sizeof allow) != ROUTE_FOUND ||
	    !in_scope(&routes[index], scope))
		return;
	req.route_index = index;
	req.route = &routes[index];
	/* the principal: one of the seeded users, as authenticate_or_reply would set it */
	size_t ui = 0;
	for (size_t i = 0; role && i < sizeof users / sizeof users[0]; i++)
		if (strcmp(users[i].role, role) == 0)
			ui = i;
	if (!(req.route->flags & ROUTE_PUBLIC)) {
		struct principal *p = &req.principal;
		snprintf(p->user_id, sizeof p->user_id, "%s", users[ui].id);
		snprintf(p->username, sizeof p->username, "%s", users[ui].role);
		p->role = role_parse(users[ui].role);
		snprintf(p->org_id, sizeof p->org_id, "%s", users[ui].org);
		int oi = strcmp(users[ui].org, FZ_ORG_CITY) == 0 ? 0 : strcmp(users[ui].org, FZ_ORG_TOWN) == 0 ? 1 : 2;
		snprintf(p->org_path, sizeof p->org_path, "%s", org_paths[oi]);
		snprintf(p->session_id, sizeof p->session_id, "00000000-0000-4000-8000-0000000000f1");
		req.authenticated = 1;
		struct db_actor a;
		memset(&a, 0, sizeof a);
		snprintf(a.id, sizeof a.id, "%s", p->user_id);
		snprintf(a.role, sizeof a.role, "%s", users[ui].role);
		snprintf(a.addr, sizeof a.addr, "127.0.0.1");
		snprintf(a.request_id, sizeof a.request_id, "fuzz");
		db_actor_set(&a);
	}
	int ok = 1;
	if (!(req.route->flags & ROUTE_BODY_STREAM) && (req.route->flags & ROUTE_BODY_JSON))
		ok = prepare_json(&req, c) == 0;
	if (ok) {
		int total = sqlite3_total_changes(db_handle(worker.db));
		req.route->handler(&req);
		if (!req.status) {
			fprintf(stderr, "fuzz harness: %s %s: the handler did not reply\n", req.method, req.route->pattern);
			abort();
		}
		if (sqlite3_total_changes(db_handle(worker.db)) != total)
			c->ri.user_data = (void *)1; /* wrote: the caller restores the database */
	}
	db_actor_set(NULL);
	if (verbose && req.held.data) /* FZ_VERBOSE=1: each answer on stderr (making seeds) */
		fprintf(stderr, "--- %s %s (%s)\n%s\n", c->method, c->path, role, buf_cstr(&req.held));
	const char *loc = req.held.data ? strstr(buf_cstr(&req.held), "\r\nLocation: ") : NULL;
	if (loc) {
		loc += 12;
		snprintf(last_location, sizeof last_location, "%.*s", (int)strcspn(loc, "\r"), loc);
	}
	if (req.hold)
		req_flush(&req);
	json_decref(req.json);
	buf_release(&req.body);
	buf_release(&req.headers);
	buf_release(&req.held);
}

/* Splits one request's text into c (pointers into text, which is modified). */
static const char *parse_request(char *text, size_t len, struct fz_conn *c)
{
	memset(c, 0, sizeof *c);
	char *end = text + len;
	char *eol = memchr(text, '\n', len);
	if (!eol)
		return NULL;
	*eol = '\0';
	char *sp = strchr(text, ' ');
	if (!sp)
		return NULL;
	*sp = '\0';
	snprintf(c->method, sizeof c->method, "%s", text);
	char *target = sp + 1;
	char *q = strchr(target, '?');
	if (q) {
		*q = '\0';
		snprintf(c->query, sizeof c->query, "%s", q + 1);
	}
	if (target[0] == '@') /* the previous response's Location, then the rest */
		snprintf(c->path, sizeof c->path, "%s%s", last_location, target + 1);
	else
		snprintf(c->path, sizeof c->path, "%s", target);
	const char *role = NULL;
	char *line = eol + 1;
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *le = nl ? nl : end;
		if (le > line && le[-1] == '\r')
			le[-1] = '\0';
		if (nl)
			*nl = '\0';
		if (!*line) { /* blank line: the body follows */
			line = nl ? nl + 1 : end;
			break;
		}
		char *colon = strchr(line, ':');
		if (colon) {
			*colon = '\0';
			char *v = colon + 1 + strspn(colon + 1, " ");
			if (strcasecmp(line, "X-Fuzz-Role") == 0)
				role = v;
			else if (c->nheaders < FZ_MAX_HEADERS) {
				c->hname[c->nheaders] = line;
				c->hvalue[c->nheaders++] = v;
			}
		}
		line = nl ? nl + 1 : end;
	}
	c->body = line < end ? line : "";
	c->body_len = line < end ? (size_t)(end - line) : 0;
	return role ? role : "admin";
}

void fz_run_input(const uint8_t *data, size_t size, const struct fz_scope *scope)
{
	init_once();
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *p = text, *end = text + size;
	int wrote = 0;
	last_location[0] = '\0';
	for (int n = 0; n < FZ_MAX_REQUESTS && p < end; n++) {
		char *sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		struct fz_conn c;
		const char *role = parse_request(p, len, &c);
		if (role) {
			run_one(&c, role, scope);
			wrote |= c.ri.user_data != NULL;
		}
		if (!sep)
			break;
		p = sep + 4;
	}
	free(text);
	if (wrote)
		snapshot(db_handle(worker.db), pristine);
}
