#include "db.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"

struct stmt_slot {
	const char *sql; /* key: the address of a static SQL string */
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	struct stmt_slot *slots; /* open addressing, capacity a power of two */
	size_t cap;
	size_t used;
	int holds_gate; /* this connection's write transaction holds write_gate */
};

/*
 * The process's writers queue here before BEGIN IMMEDIATE. SQLite makes a
 * writer that finds the database locked sleep and retry (1, 2, 5 … 100 ms,
 * up to the busy timeout), so under a burst of writes — a month's end —
 * some waited ten or a hundred times as long as others: 0.9 s at p99 for
 * 1,500 creates/s. A mutex hands the lock on as soon as it is free. Other
 * processes (the CLI, a backup) still meet the busy timeout. Held from
 * db_begin to db_commit/db_rollback; server.c rolls back (and so releases)
 * a transaction a request left open.
 */
static pthread_mutex_t write_gate = PTHREAD_MUTEX_INITIALIZER;

static void gate_release(struct db *db)
{
	if (db->holds_gate) {
		db->holds_gate = 0;
		pthread_mutex_unlock(&write_gate);
	}
}

static const char *const connection_pragmas = "PRAGMA journal_mode=WAL;"
                                              "PRAGMA foreign_keys=ON;"
                                              "PRAGMA synchronous=FULL;"
                                              "PRAGMA trusted_schema=OFF;";

enum { BUSY_TIMEOUT_MS = 5000 };

static void log_sqlite_error(sqlite3 *h, const char *what)
{
	struct log_line l;
	if (log_begin(&l, LOG_ERROR, "db", what)) {
		log_str(&l, "error", sqlite3_errmsg(h));
		log_int(&l, "rc", sqlite3_extended_errcode(h));
		log_end(&l);
	}
}

/* Who is writing, for the audit triggers (migration 0007): per thread, set
 * by the HTTP dispatcher around each request. */
static _Thread_local struct db_actor current_actor;
static _Thread_local int actor_set;

void db_actor_set(const struct db_actor *a)
{
	actor_set = a != NULL;
	if (a)
		current_actor = *a;
	else
		memset(&current_actor, 0, sizeof current_actor);
}

/* audit_ctx('actor_id' | 'actor_role' | 'actor_addr' | 'request_id'): text or NULL. */
static void audit_ctx(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *key = (const char *)sqlite3_value_text(argv[0]);
	const char *v = NULL;
	if (actor_set && key) {
		if (strcmp(key, "actor_id") == 0)
			v = current_actor.id;
		else if (strcmp(key, "actor_role") == 0)
			v = current_actor.role;
		else if (strcmp(key, "actor_addr") == 0)
			v = current_actor.addr;
		else if (strcmp(key, "request_id") == 0)
			v = current_actor.request_id;
	}
	if (v && *v)
		sqlite3_result_text(ctx, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

/* Appends value v as JSON to out (NULL → null; blobs → null: never audited). */
static void json_value(json_t *obj, const char *key, sqlite3_value *v)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER: json_object_set_new(obj, key, json_integer(sqlite3_value_int64(v))); break;
	case SQLITE_FLOAT: json_object_set_new(obj, key, json_real(sqlite3_value_double(v))); break;
	case SQLITE_TEXT:
		json_object_set_new(obj, key,
		                    json_stringn((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v)));
		break;
	default: json_object_set_new(obj, key, json_null()); break;
	}
}

static int values_equal(sqlite3_value *a, sqlite3_value *b)
{
	int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
	if (ta != tb)
		return 0;
	switch (ta) {
	case SQLITE_NULL: return 1;
	case SQLITE_INTEGER: return sqlite3_value_int64(a) == sqlite3_value_int64(b);
	case SQLITE_FLOAT: return sqlite3_value_double(a) == sqlite3_value_double(b);
	default:
		return sqlite3_value_bytes(a) == sqlite3_value_bytes(b) &&
		       memcmp(sqlite3_value_blob(a), sqlite3_value_blob(b), (size_t)sqlite3_value_bytes(a)) == 0;
	}
}

static void result_json(sqlite3_context *ctx, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(obj);
	if (text)
		sqlite3_result_text(ctx, text, -1, free);
	else
		sqlite3_result_error_nomem(ctx);
}

/*
 * audit_changes(mode, key, old, new, key, old, new, ...): the audit row's
 * changes object as JSON text. mode 'create' keeps the non-null new values,
 * 'update' the pairs that differ, 'delete' every old value. A key starting
 * with '!' is a secret: its values show as "***".
 */
static void audit_changes(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *mode = (const char *)sqlite3_value_text(argv[0]);
	if (!mode || argc < 1 || (argc - 1) % 3 != 0) {
		sqlite3_result_error(ctx, "audit_changes: bad arguments", -1);
		return;
	}
	int create = strcmp(mode, "create") == 0, update = strcmp(mode, "update") == 0;
	json_t *out = json_object();
	for (int i = 1; i + 2 < argc; i += 3) {
		const char *key = (const char *)sqlite3_value_text(argv[i]);
		sqlite3_value *o = argv[i + 1], *n = argv[i + 2];
		if (!key)
			continue;
		if (create ? sqlite3_value_type(n) == SQLITE_NULL : update ? values_equal(o, n) : 0)
			continue;
		int secret = key[0] == '!';
		json_t *pair = json_object();
		if (secret) {
			json_object_set_new(pair, "old", create ? json_null() : json_string("***"));
			json_object_set_new(pair, "new", update || create ? json_string("***") : json_null());
		} else {
			if (create)
				json_object_set_new(pair, "old", json_null());
			else
				json_value(pair, "old", o);
			if (update || create)
				json_value(pair, "new", n);
			else
				json_object_set_new(pair, "new", json_null());
		}
		json_object_set_new(out, secret ? key + 1 : key, pair);
	}
	result_json(ctx, out);
}

/* json_kv(key, value, ...): a JSON object text (webhook event data). */
static void json_kv(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	json_t *out = json_object();
	for (int i = 0; i + 1 < argc; i += 2) {
		const char *key = (const char *)sqlite3_value_text(argv[i]);
		if (key)
			json_value(out, key, argv[i + 1]);
	}
	result_json(ctx, out);
}

/*
 * Process-wide settings, before SQLite initialises: no memory statistics.
 * With them on (Debian's default) every allocation SQLite makes takes one
 * global mutex, and the worker threads queued on it — a sixth of a visit
 * read's CPU was spent in that lock under load. inspectd never reads them.
 * (sqlite3_config fails harmlessly if something initialised SQLite first.)
 */
static void sqlite_global_config(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_global_config);
	sqlite3 *h = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &h, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return NULL;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	/* Defensive mode: no writable_schema tricks or journal corruption from SQL. */
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	/* Innocuous: it only reads the calling thread's context, so triggers may
	 * call it with trusted_schema off. */
	sqlite3_create_function_v2(h, "audit_ctx", 1, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL, audit_ctx, NULL, NULL,
	                           NULL);
	/* Debian's SQLite 3.40 does not mark its JSON functions innocuous, so
	 * triggers (trusted_schema is off) build their JSON with these. */
	sqlite3_create_function_v2(h, "audit_changes", -1, SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC, NULL,
	                           audit_changes, NULL, NULL, NULL);
	sqlite3_create_function_v2(h, "json_kv", -1, SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC, NULL,
	                           json_kv, NULL, NULL, NULL);
	char *msg = NULL;
	rc = sqlite3_exec(h, connection_pragmas, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot configure database %s: %s", path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(h);
		return NULL;
	}
	struct db *db = xcalloc(1, sizeof *db);
	db->h = h;
	db->cap = 64;
	db->slots = xcalloc(db->cap, sizeof *db->slots);
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->cap; i++)
		sqlite3_finalize(db->slots[i].st);
	free(db->slots);
	/* sqlite3_close (not _v2): every statement is finalized above, so a busy
	 * result here is a bug worth logging rather than a zombie connection. */
	if (sqlite3_close(db->h) != SQLITE_OK)
		log_sqlite_error(db->h, "close failed");
	free(db);
}

sqlite3 *db_handle(struct db *db)
{
	return db->h;
}

static size_t slot_hash(const char *sql, size_t cap)
{
	uintptr_t x = (uintptr_t)sql;
	x ^= x >> 17;
	x *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	x ^= x >> 29;
	return (size_t)x & (cap - 1);
}

static struct stmt_slot *slot_find(struct stmt_slot *slots, size_t cap, const char *sql)
{
	size_t i = slot_hash(sql, cap);
	while (slots[i].sql && slots[i].sql != sql)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void cache_grow(struct db *db)
{
	size_t cap = db->cap * 2;
	struct stmt_slot *slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < db->cap; i++)
		if (db->slots[i].sql)
			*slot_find(slots, cap, db->slots[i].sql) = db->slots[i];
	free(db->slots);
	db->slots = slots;
	db->cap = cap;
}

#ifdef INSPECTD_TEST_ROUTES
/*
 * Test builds keep the query plan of every statement prepared (EXPLAIN QUERY
 * PLAN, once per statement and process), for the query-plan test: GET
 * /api/v1/_test/query-plans. Process-wide; reachable until exit.
 */
static pthread_mutex_t plans_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *plans; /* {sql: [detail, ...]} */

static void plan_record(sqlite3 *h, const char *sql)
{
	static const char prefix[] = "EXPLAIN QUERY PLAN ";
	size_t n = strlen(sql);
	char *q = xmalloc(sizeof prefix + n);
	memcpy(q, prefix, sizeof prefix - 1);
	memcpy(q + sizeof prefix - 1, sql, n + 1);
	sqlite3_stmt *st = NULL;
	json_t *details = json_array();
	if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(details, json_string((const char *)sqlite3_column_text(st, 3)));
	} else {
		json_array_append_new(details, json_sprintf("EXPLAIN failed: %s", sqlite3_errmsg(h)));
	}
	sqlite3_finalize(st);
	free(q);
	pthread_mutex_lock(&plans_mu);
	if (!plans)
		plans = json_object();
	json_object_set_new(plans, sql, details);
	pthread_mutex_unlock(&plans_mu);
}

json_t *db_query_plans(void)
{
	pthread_mutex_lock(&plans_mu);
	json_t *copy = plans ? json_deep_copy(plans) : json_object();
	pthread_mutex_unlock(&plans_mu);
	return copy;
}
#endif

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	struct stmt_slot *slot = slot_find(db->slots, db->cap, sql);
	if (slot->sql)
		return slot->st;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		log_sqlite_error(db->h, "prepare failed");
		return NULL;
	}
	if ((db->used + 1) * 2 > db->cap) {
		cache_grow(db);
		slot = slot_find(db->slots, db->cap, sql);
	}
	slot->sql = sql;
	slot->st = st;
	db->used++;
#ifdef INSPECTD_TEST_ROUTES
	plan_record(db->h, sql);
#endif
	return st;
}

void db_stmt_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int param_index(sqlite3_stmt *st, const char *name)
{
	int idx = sqlite3_bind_parameter_index(st, name);
	if (idx == 0) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "db", "unknown SQL parameter")) {
			log_str(&l, "param", name);
			log_end(&l);
		}
	}
	return idx;
}

int db_bind_text(sqlite3_stmt *st, const char *name, const char *value)
{
	int idx = param_index(st, name);
	if (idx == 0)
		return SQLITE_RANGE;
	if (!value)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, value, -1, SQLITE_TRANSIENT);
}

int db_bind_int64(sqlite3_stmt *st, const char *name, sqlite3_int64 value)
{
	int idx = param_index(st, name);
	if (idx == 0)
		return SQLITE_RANGE;
	return sqlite3_bind_int64(st, idx, value);
}

void db_col_text(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	snprintf(out, outlen, "%s", v ? (const char *)v : "");
}

int db_bind_text_or_null(sqlite3_stmt *st, const char *name, const char *value)
{
	return db_bind_text(st, name, value && *value ? value : NULL);
}

static enum store_status exec_simple(struct db *db, const char *sql, const char *what)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_sqlite_error(db->h, what);
		return STORE_DB;
	}
	return STORE_OK;
}

enum store_status db_begin(struct db *db)
{
	if (db->holds_gate) /* already in its write transaction: SQLite refuses the nesting */
		return exec_simple(db, "BEGIN IMMEDIATE", "begin failed");
	pthread_mutex_lock(&write_gate);
	db->holds_gate = 1;
	enum store_status s = exec_simple(db, "BEGIN IMMEDIATE", "begin failed");
	if (s != STORE_OK)
		gate_release(db);
	return s;
}

enum store_status db_begin_read(struct db *db)
{
	return exec_simple(db, "BEGIN", "begin failed");
}

enum store_status db_commit(struct db *db)
{
	enum store_status s = exec_simple(db, "COMMIT", "commit failed");
	if (s != STORE_OK)
		db_rollback(db);
	gate_release(db);
	return s;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		exec_simple(db, "ROLLBACK", "rollback failed");
	gate_release(db);
}

int db_end_abandoned(struct db *db)
{
	int open = !sqlite3_get_autocommit(db->h) || db->holds_gate;
	if (open)
		db_rollback(db);
	return open;
}

enum store_status db_tx(struct db *db, enum store_status (*fn)(struct db *db, void *arg), void *arg)
{
	enum store_status s = db_begin(db);
	if (s != STORE_OK)
		return s;
	s = fn(db, arg);
	if (s != STORE_OK) {
		db_rollback(db);
		return s;
	}
	return db_commit(db);
}

enum store_status db_row_status(int rc)
{
	return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : STORE_DB;
}

enum store_status db_loop_status(int rc)
{
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : STORE_DB;
}

enum store_status db_status_from_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return STORE_OK;
	case SQLITE_CONSTRAINT: return STORE_CONFLICT;
	default: return STORE_DB;
	}
}

static int query_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_sqlite_error(db->h, "prepare failed");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_schema_version(struct db *db)
{
	return query_int(db, "PRAGMA user_version");
}

int db_latest_version(void)
{
	return db_migrations_count ? db_migrations[db_migrations_count - 1].version : 0;
}

/* Applies one migration; user_version is checked again inside the write
 * lock so two processes migrating at once cannot apply a step twice. */
static int migrate_step(struct db *db, const struct db_migration *m, char *err, size_t errlen)
{
	if (db_begin(db) != STORE_OK) {
		snprintf(err, errlen, "migration %04d_%s: cannot begin: %s", m->version, m->name,
		         sqlite3_errmsg(db->h));
		return -1;
	}
	int current = db_schema_version(db);
	if (current >= m->version) {
		db_rollback(db);
		return 0;
	}
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, m->sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "migration %04d_%s failed: %s", m->version, m->name,
		         msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		db_rollback(db);
		return -1;
	}
	char pragma[64];
	snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", m->version);
	if (sqlite3_exec(db->h, pragma, NULL, NULL, NULL) != SQLITE_OK || db_commit(db) != STORE_OK) {
		snprintf(err, errlen, "migration %04d_%s: cannot commit: %s", m->version, m->name,
		         sqlite3_errmsg(db->h));
		db_rollback(db);
		return -1;
	}
	struct log_line l;
	if (log_begin(&l, LOG_INFO, "db", "migration applied")) {
		log_int(&l, "version", m->version);
		log_str(&l, "name", m->name);
		log_end(&l);
	}
	return 0;
}

int db_migrate(struct db *db, int *from, int *to, char *err, size_t errlen)
{
	int current = db_schema_version(db);
	if (current < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db->h));
		return -1;
	}
	if (from)
		*from = current;
	if (current > db_latest_version()) {
		snprintf(err, errlen,
		         "database schema version %d is newer than this inspectd knows (%d): "
		         "run a newer inspectd or restore a backup",
		         current, db_latest_version());
		return -1;
	}
	for (size_t i = 0; i < db_migrations_count; i++) {
		if (db_migrations[i].version <= current)
			continue;
		if (migrate_step(db, &db_migrations[i], err, errlen) != 0)
			return -1;
	}
	if (to)
		*to = db_schema_version(db);
	return 0;
}

int db_ping(struct db *db)
{
	static const char sql[] = "SELECT count(*) FROM sqlite_schema";
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- JSON rows and writes, shared by the stores ---- */

enum store_status db_json_one(sqlite3_stmt *st, json_t **out)
{
	enum store_status s = db_row_status(sqlite3_step(st));
	const char *text = s == STORE_OK ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (s == STORE_OK && !(*out = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL))
		s = STORE_DB;
	db_stmt_done(st);
	return s;
}

/* Steps st to its end or past limit rows (limit > 0; *more, which may be
 * NULL, tells whether a row beyond it exists), handing each kept row to row,
 * which returns -1 to stop with STORE_DB; *count rows kept. Finishes st. */
static enum store_status rows_limited(sqlite3_stmt *st, int limit, int *more, int *count,
                                      int (*row)(sqlite3_stmt *st, void *ctx), void *ctx)
{
	int rc, n = 0;
	enum store_status s = STORE_OK;
	if (more)
		*more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (limit > 0 && n == limit) {
			if (more)
				*more = 1;
			break;
		}
		if (row(st, ctx) != 0) {
			s = STORE_DB;
			break;
		}
		n++;
	}
	if (s == STORE_OK && rc != SQLITE_ROW)
		s = db_loop_status(rc);
	db_stmt_done(st);
	if (count)
		*count = n;
	return s;
}

/* Column 0 parsed and appended to the array ctx. */
static int append_parsed(sqlite3_stmt *st, void *ctx)
{
	const char *text = (const char *)sqlite3_column_text(st, 0);
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (!j)
		return -1;
	json_array_append_new(ctx, j);
	return 0;
}

enum store_status db_json_rows(sqlite3_stmt *st, json_t *items, int limit, int *more)
{
	return rows_limited(st, limit, more, NULL, append_parsed, items);
}

struct text_rows {
	struct buf *out;
	int n;
	void (*each)(sqlite3_stmt *st, void *ctx);
	void *ctx;
};

/* Column 0 appended to the array text being built, unparsed. */
static int append_text(sqlite3_stmt *st, void *ctx)
{
	struct text_rows *t = ctx;
	const char *text = (const char *)sqlite3_column_text(st, 0);
	if (!text)
		return -1;
	if (t->n++)
		buf_addc(t->out, ',');
	buf_add(t->out, text, (size_t)sqlite3_column_bytes(st, 0));
	if (t->each)
		t->each(st, t->ctx);
	return 0;
}

enum store_status db_json_rows_text(sqlite3_stmt *st, struct buf *out, int limit, int *count, int *more,
                                    void (*each)(sqlite3_stmt *st, void *ctx), void *ctx)
{
	struct text_rows t = {out, 0, each, ctx};
	buf_addc(out, '[');
	enum store_status s = rows_limited(st, limit, more, count, append_text, &t);
	buf_addc(out, ']');
	return s;
}

enum store_status db_exec_changes(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	enum store_status s = rc == SQLITE_DONE ? STORE_OK : db_status_from_rc(rc);
	if (s == STORE_OK && sqlite3_changes(db->h) == 0)
		s = STORE_NOT_FOUND;
	db_stmt_done(st);
	return s;
}
