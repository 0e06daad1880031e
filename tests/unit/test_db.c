/*
 * Unit tests of the database layer (db/db.h) on a temporary file database:
 * pragmas, migrations, the statement cache (including growth past its
 * initial 64 slots), binding, transactions and status mapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char dir[64];
	char path[128];
	struct db *db;
};

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[512];
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/inspectd-unit-db-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
	char err[256] = "";
	f->db = db_open(f->path, err, sizeof err);
	if (!f->db) {
		fprintf(stderr, "db_open: %s\n", err);
		remove_dir(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	db_close(f->db);
	remove_dir(f->dir);
	free(f);
	return 0;
}

static struct db *fdb(void **state)
{
	return ((struct fixture *)*state)->db;
}

/* Runs a query expected to yield one row and returns its first column as
 * text (static buffer) — fine for pragmas and counts in tests. */
static const char *query_text(struct db *db, const char *sql)
{
	static char out[256];
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db_handle(db)));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		fail_msg("%s returned no row (rc %d)", sql, rc);
	}
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(out, sizeof out, "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	return out;
}

static long long query_int(struct db *db, const char *sql)
{
	return atoll(query_text(db, sql));
}

static void exec_ok(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		char copy[256];
		snprintf(copy, sizeof copy, "%s", msg ? msg : "?");
		sqlite3_free(msg);
		fail_msg("%s: %s", sql, copy);
	}
}

/* ---- open and pragmas --------------------------------------------------------- */

static void test_open_applies_pragmas(void **state)
{
	struct db *db = fdb(state);
	assert_non_null(db_handle(db));
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2); /* FULL */
	assert_string_equal(query_text(db, "PRAGMA journal_mode"), "wal");
	assert_int_equal(query_int(db, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(query_int(db, "PRAGMA trusted_schema"), 0);
	assert_int_equal(db_ping(db), 0);
	assert_int_equal(db_ping(db), 0); /* the cached ping statement is reusable */
}

static void test_open_failure(void **state)
{
	(void)state;
	char err[256] = "";
	struct db *db = db_open("/nonexistent-inspectd-dir/sub/x.db", err, sizeof err);
	assert_null(db);
	assert_non_null(strstr(err, "/nonexistent-inspectd-dir/sub/x.db"));
	db_close(NULL); /* harmless */

	/* A file that is not a database cannot be configured. */
	char dir[] = "/tmp/inspectd-unit-db-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/garbage.db", dir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 4096; i++)
		fputc('G', fp);
	fclose(fp);
	err[0] = '\0';
	db = db_open(path, err, sizeof err);
	if (db) {
		/* Some SQLite builds open lazily: then the first query must fail. */
		assert_int_not_equal(db_ping(db), 0);
		db_close(db);
	} else {
		assert_true(strlen(err) > 0);
	}
	remove_dir(dir);
}

static void test_foreign_keys_enforced(void **state)
{
	struct db *db = fdb(state);
	exec_ok(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
	            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id));");
	int rc = sqlite3_exec(db_handle(db), "INSERT INTO child (parent_id) VALUES (42)", NULL, NULL, NULL);
	assert_int_equal(rc, SQLITE_CONSTRAINT_FOREIGNKEY);
	assert_int_equal(db_status_from_rc(rc), STORE_CONFLICT);
	assert_int_equal(query_int(db, "SELECT count(*) FROM child"), 0);
}

/* ---- migrations ------------------------------------------------------------------ */

static void test_migration_table(void **state)
{
	(void)state;
	assert_true(db_migrations_count >= 1);
	for (size_t i = 0; i < db_migrations_count; i++) {
		assert_int_equal(db_migrations[i].version, (int)i + 1);
		assert_non_null(db_migrations[i].name);
		assert_true(strlen(db_migrations[i].name) > 0);
		assert_non_null(db_migrations[i].sql);
		/* Non-empty after whitespace. */
		assert_true(strspn(db_migrations[i].sql, " \t\r\n") < strlen(db_migrations[i].sql));
	}
	assert_int_equal(db_latest_version(), (int)db_migrations_count);
	assert_string_equal(db_migrations[0].name, "init");
}

static void test_migrate_from_zero_and_again(void **state)
{
	struct db *db = fdb(state);
	char err[256] = "";
	assert_int_equal(db_schema_version(db), 0);
	int from = -1, to = -1;
	if (db_migrate(db, &from, &to, err, sizeof err) != 0)
		fail_msg("db_migrate: %s", err);
	assert_int_equal(from, 0);
	assert_int_equal(to, db_latest_version());
	assert_int_equal(db_schema_version(db), db_latest_version());
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 1); /* no transaction left open */

	/* 0001_init: the meta table with its created_at row. */
	assert_int_equal(query_int(db, "SELECT count(*) FROM meta WHERE key = 'created_at'"), 1);
	const char *created = query_text(db, "SELECT value FROM meta WHERE key = 'created_at'");
	assert_int_equal(strlen(created), 20); /* 2024-01-02T03:04:05Z */
	assert_int_equal(created[4], '-');
	assert_int_equal(created[10], 'T');
	assert_int_equal(created[19], 'Z');
	/* STRICT: a non-text value is refused. */
	int rc = sqlite3_exec(db_handle(db), "INSERT INTO meta (key, value) VALUES ('k', x'00')", NULL, NULL, NULL);
	assert_int_equal(rc & 0xff, SQLITE_CONSTRAINT);

	/* Again: a no-op reporting from == to. */
	from = to = -1;
	assert_int_equal(db_migrate(db, &from, &to, err, sizeof err), 0);
	assert_int_equal(from, db_latest_version());
	assert_int_equal(to, db_latest_version());
	assert_int_equal(query_int(db, "SELECT count(*) FROM meta WHERE key = 'created_at'"), 1);

	/* from/to may be NULL. */
	assert_int_equal(db_migrate(db, NULL, NULL, err, sizeof err), 0);
}

static void test_migrate_persists_across_reopen(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(db_migrate(f->db, NULL, NULL, err, sizeof err), 0);
	db_close(f->db);
	f->db = db_open(f->path, err, sizeof err);
	assert_non_null(f->db);
	assert_int_equal(db_schema_version(f->db), db_latest_version());
	int from = -1, to = -1;
	assert_int_equal(db_migrate(f->db, &from, &to, err, sizeof err), 0);
	assert_int_equal(from, db_latest_version());
	assert_int_equal(to, db_latest_version());
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM meta"), 1);
}

static void test_migrate_refuses_newer(void **state)
{
	struct db *db = fdb(state);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", db_latest_version() + 1);
	exec_ok(db, sql);
	char err[256] = "";
	int from = -1, to = -12345;
	assert_int_equal(db_migrate(db, &from, &to, err, sizeof err), -1);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(from, db_latest_version() + 1);
	/* Nothing was applied. */
	assert_int_equal(db_schema_version(db), db_latest_version() + 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'meta'"), 0);
}

/* ---- statement cache -------------------------------------------------------------- */

static const char SQL_ONE[] = "SELECT 1";
static const char SQL_ONE_AGAIN[] = "SELECT 1"; /* same text, other address */
static const char SQL_BAD[] = "SELEC nonsense FROM";
static const char SQL_BIND[] = "SELECT :a, :b, typeof(:a)";

static void test_stmt_cached_by_address(void **state)
{
	struct db *db = fdb(state);
	sqlite3_stmt *st = db_stmt(db, SQL_ONE);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	db_stmt_done(st);

	sqlite3_stmt *st2 = db_stmt(db, SQL_ONE);
	assert_ptr_equal(st2, st);
	/* Works again after db_stmt_done reset it. */
	assert_int_equal(sqlite3_step(st2), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st2, 0), 1);
	assert_int_equal(sqlite3_step(st2), SQLITE_DONE);
	db_stmt_done(st2);

	sqlite3_stmt *other = db_stmt(db, SQL_ONE_AGAIN);
	assert_non_null(other);
	assert_ptr_not_equal(other, st);
	assert_int_equal(sqlite3_step(other), SQLITE_ROW);
	db_stmt_done(other);

	db_stmt_done(NULL); /* harmless */
}

static void test_stmt_invalid_sql(void **state)
{
	struct db *db = fdb(state);
	assert_null(db_stmt(db, SQL_BAD));
	assert_null(db_stmt(db, SQL_BAD)); /* a failure is not cached as success */
	sqlite3_stmt *st = db_stmt(db, SQL_ONE);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	db_stmt_done(st);
}

/* 200 distinct static SQL strings: "SELECT 100" … "SELECT 299". */
#define SQLN(n) static const char sql_##n[] = "SELECT " #n;
#define SQL10(p)                                                                                                       \
	SQLN(p##0) SQLN(p##1) SQLN(p##2) SQLN(p##3) SQLN(p##4) SQLN(p##5) SQLN(p##6) SQLN(p##7) SQLN(p##8) SQLN(p##9)
SQL10(10)
SQL10(11) SQL10(12) SQL10(13) SQL10(14) SQL10(15) SQL10(16) SQL10(17) SQL10(18) SQL10(19) SQL10(20) SQL10(21) SQL10(22)
        SQL10(23) SQL10(24) SQL10(25) SQL10(26) SQL10(27) SQL10(28) SQL10(29)
#undef SQLN
#define SQLN(n) sql_##n,
                static const
        char *const many_sql[] = {SQL10(10) SQL10(11) SQL10(12) SQL10(13) SQL10(14) SQL10(15) SQL10(16) SQL10(17)
                                          SQL10(18) SQL10(19) SQL10(20) SQL10(21) SQL10(22) SQL10(23) SQL10(24)
                                                  SQL10(25) SQL10(26) SQL10(27) SQL10(28) SQL10(29)};
#undef SQLN
#undef SQL10

static void step_expect(sqlite3_stmt *st, int value)
{
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), value);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	db_stmt_done(st);
}

static void test_stmt_cache_growth(void **state)
{
	struct db *db = fdb(state);
	assert_int_equal(N(many_sql), 200);
	sqlite3_stmt *first[N(many_sql)];
	/* The ping statement is in the cache too, before and after growth. */
	assert_int_equal(db_ping(db), 0);
	for (size_t i = 0; i < N(many_sql); i++) {
		first[i] = db_stmt(db, many_sql[i]);
		step_expect(first[i], 100 + (int)i);
		/* Everything cached so far is still found after each insertion
		 * (and so after every rehash). */
		if (i % 16 == 15 || i == 31 || i == 32 || i == 63 || i == 64) {
			for (size_t j = 0; j <= i; j++)
				assert_ptr_equal(db_stmt(db, many_sql[j]), first[j]);
		}
	}
	for (size_t i = 0; i < N(many_sql); i++)
		for (size_t j = 0; j < i; j++)
			if (first[i] == first[j])
				fail_msg("statements %zu and %zu are the same object", i, j);
	/* Second pass in reverse: the same pointers, still working. */
	for (size_t i = N(many_sql); i-- > 0;) {
		sqlite3_stmt *st = db_stmt(db, many_sql[i]);
		assert_ptr_equal(st, first[i]);
		step_expect(st, 100 + (int)i);
	}
	assert_int_equal(db_ping(db), 0);
}

static void test_bind(void **state)
{
	struct db *db = fdb(state);
	sqlite3_stmt *st = db_stmt(db, SQL_BIND);
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, ":a", "中文 'quoted'"), SQLITE_OK);
	assert_int_equal(db_bind_int64(st, ":b", 9007199254740993LL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "中文 'quoted'");
	assert_int_equal(sqlite3_column_int64(st, 1), 9007199254740993LL);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "text");
	db_stmt_done(st);

	/* db_stmt_done cleared the bindings. */
	st = db_stmt(db, SQL_BIND);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(st, 0), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
	db_stmt_done(st);

	/* A NULL value binds NULL; an unknown name is an error. */
	st = db_stmt(db, SQL_BIND);
	assert_int_equal(db_bind_text(st, ":a", NULL), SQLITE_OK);
	assert_int_equal(db_bind_text(st, ":nope", "x"), SQLITE_RANGE);
	assert_int_equal(db_bind_int64(st, ":nope", 1), SQLITE_RANGE);
	assert_int_equal(db_bind_text(st, "a", "x"), SQLITE_RANGE); /* the colon is part of the name */
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "null");
	db_stmt_done(st);

	/* The bound text is copied: changing the source afterwards is harmless. */
	char value[] = "before";
	st = db_stmt(db, SQL_BIND);
	assert_int_equal(db_bind_text(st, ":a", value), SQLITE_OK);
	memcpy(value, "AFTER!", 6);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "before");
	db_stmt_done(st);
}

/* ---- transactions ------------------------------------------------------------------- */

static const char SQL_T_CREATE[] = "CREATE TABLE t (name TEXT NOT NULL UNIQUE) STRICT";
static const char SQL_T_INSERT[] = "INSERT INTO t (name) VALUES (:name)";

struct tx_arg {
	const char *name;
	enum store_status result; /* what fn returns after a successful insert */
	int insert_rc;
	int calls;
};

static enum store_status tx_insert(struct db *db, void *arg)
{
	struct tx_arg *a = arg;
	a->calls++;
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 0); /* inside a transaction */
	sqlite3_stmt *st = db_stmt(db, SQL_T_INSERT);
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, ":name", a->name), SQLITE_OK);
	a->insert_rc = sqlite3_step(st);
	db_stmt_done(st);
	if (a->insert_rc != SQLITE_DONE)
		return db_status_from_rc(a->insert_rc);
	return a->result;
}

static long long count_name(struct db *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT count(*) FROM t WHERE name = :name", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(db_bind_text(st, ":name", name), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void create_t(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, SQL_T_CREATE);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	db_stmt_done(st);
}

static void test_tx_commit_and_rollback(void **state)
{
	struct db *db = fdb(state);
	create_t(db);

	struct tx_arg a = {"alpha", STORE_OK, 0, 0};
	assert_int_equal(db_tx(db, tx_insert, &a), STORE_OK);
	assert_int_equal(a.calls, 1);
	assert_int_equal(count_name(db, "alpha"), 1);
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 1);

	/* fn's non-OK status is returned and its writes are rolled back. */
	struct tx_arg b = {"beta", STORE_CONFLICT, 0, 0};
	assert_int_equal(db_tx(db, tx_insert, &b), STORE_CONFLICT);
	assert_int_equal(b.insert_rc, SQLITE_DONE); /* the insert itself worked */
	assert_int_equal(count_name(db, "beta"), 0);
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 1);

	static const enum store_status others[] = {STORE_NOT_FOUND, STORE_STALE, STORE_INVALID, STORE_DB};
	for (size_t i = 0; i < N(others); i++) {
		struct tx_arg c = {"gamma", others[i], 0, 0};
		assert_int_equal(db_tx(db, tx_insert, &c), others[i]);
		assert_int_equal(count_name(db, "gamma"), 0);
	}

	/* A UNIQUE violation maps to STORE_CONFLICT; nothing changes. */
	struct tx_arg d = {"alpha", STORE_OK, 0, 0};
	assert_int_equal(db_tx(db, tx_insert, &d), STORE_CONFLICT);
	assert_int_equal(d.insert_rc, SQLITE_CONSTRAINT_UNIQUE);
	assert_int_equal(count_name(db, "alpha"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 1);

	/* The connection is fine afterwards. */
	struct tx_arg e = {"delta", STORE_OK, 0, 0};
	assert_int_equal(db_tx(db, tx_insert, &e), STORE_OK);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 2);
}

static enum store_status tx_nested(struct db *db, void *arg)
{
	struct tx_arg *inner = arg;
	/* BEGIN inside a transaction fails: db_tx reports it without calling fn. */
	assert_int_equal(db_tx(db, tx_insert, inner), STORE_DB);
	assert_int_equal(inner->calls, 0);
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 0); /* the outer one is intact */
	struct tx_arg mine = {"outer", STORE_OK, 0, 0};
	return tx_insert(db, &mine);
}

static void test_tx_nested_refused(void **state)
{
	struct db *db = fdb(state);
	create_t(db);
	struct tx_arg inner = {"inner", STORE_OK, 0, 0};
	assert_int_equal(db_tx(db, tx_nested, &inner), STORE_OK);
	assert_int_equal(count_name(db, "outer"), 1);
	assert_int_equal(count_name(db, "inner"), 0);
}

static void test_begin_commit_rollback(void **state)
{
	struct db *db = fdb(state);
	create_t(db);
	assert_int_equal(db_begin(db), STORE_OK);
	exec_ok(db, "INSERT INTO t (name) VALUES ('x')");
	db_rollback(db);
	assert_int_equal(count_name(db, "x"), 0);
	db_rollback(db); /* without a transaction: harmless */

	assert_int_equal(db_begin(db), STORE_OK);
	exec_ok(db, "INSERT INTO t (name) VALUES ('y')");
	assert_int_equal(db_commit(db), STORE_OK);
	assert_int_equal(count_name(db, "y"), 1);

	/* COMMIT without BEGIN fails. */
	assert_int_equal(db_commit(db), STORE_DB);
	assert_int_equal(sqlite3_get_autocommit(db_handle(db)), 1);
}

/* The in-process write queue: writers on two connections take turns without
 * a busy error, and an abandoned transaction gives the turn back. */
struct writer {
	const char *path;
	const char *prefix;
	int failures;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char err[256];
	struct db *db = db_open(w->path, err, sizeof err);
	if (!db) {
		w->failures = -1;
		return NULL;
	}
	for (int i = 0; i < 200; i++) {
		char name[32];
		snprintf(name, sizeof name, "%s%d", w->prefix, i);
		if (db_begin(db) != STORE_OK) {
			w->failures++;
			continue;
		}
		sqlite3_stmt *st = db_stmt(db, SQL_T_INSERT);
		db_bind_text(st, ":name", name);
		int rc = sqlite3_step(st);
		db_stmt_done(st);
		if (rc != SQLITE_DONE || db_commit(db) != STORE_OK) {
			w->failures++;
			db_rollback(db);
		}
	}
	db_close(db);
	return NULL;
}

static void test_write_gate(void **state)
{
	struct fixture *f = *state;
	struct db *db = fdb(state);
	create_t(db);
	struct writer a = {f->path, "a", 0}, b = {f->path, "b", 0};
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&ta, NULL, writer_main, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, writer_main, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.failures, 0);
	assert_int_equal(b.failures, 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 400);

	/* A transaction left open is rolled back and the turn passes on (were it
	 * kept, the second db_begin below would wait for ever). */
	char err[256];
	struct db *other = db_open(f->path, err, sizeof err);
	assert_non_null(other);
	assert_int_equal(db_begin(db), STORE_OK);
	exec_ok(db, "INSERT INTO t (name) VALUES ('left')");
	assert_int_equal(db_end_abandoned(db), 1);
	assert_int_equal(db_end_abandoned(db), 0);
	assert_int_equal(count_name(db, "left"), 0);
	assert_int_equal(db_begin(other), STORE_OK);
	assert_int_equal(db_commit(other), STORE_OK);
	db_close(other);
}

static void test_status_from_rc(void **state)
{
	(void)state;
	assert_int_equal(db_status_from_rc(SQLITE_OK), STORE_OK);
	assert_int_equal(db_status_from_rc(SQLITE_DONE), STORE_OK);
	assert_int_equal(db_status_from_rc(SQLITE_ROW), STORE_OK);
	assert_int_equal(db_status_from_rc(SQLITE_CONSTRAINT), STORE_CONFLICT);
	assert_int_equal(db_status_from_rc(SQLITE_CONSTRAINT_UNIQUE), STORE_CONFLICT);
	assert_int_equal(db_status_from_rc(SQLITE_CONSTRAINT_PRIMARYKEY), STORE_CONFLICT);
	assert_int_equal(db_status_from_rc(SQLITE_CONSTRAINT_FOREIGNKEY), STORE_CONFLICT);
	assert_int_equal(db_status_from_rc(SQLITE_ERROR), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_BUSY), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_BUSY_SNAPSHOT), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_LOCKED), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_IOERR_WRITE), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_FULL), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_CORRUPT), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_READONLY), STORE_DB);
	assert_int_equal(db_status_from_rc(SQLITE_MISUSE), STORE_DB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_open_applies_pragmas, setup, teardown),
	        cmocka_unit_test(test_open_failure),
	        cmocka_unit_test_setup_teardown(test_foreign_keys_enforced, setup, teardown),
	        cmocka_unit_test(test_migration_table),
	        cmocka_unit_test_setup_teardown(test_migrate_from_zero_and_again, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_persists_across_reopen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_refuses_newer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stmt_cached_by_address, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stmt_invalid_sql, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stmt_cache_growth, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tx_commit_and_rollback, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tx_nested_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_begin_commit_rollback, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_write_gate, setup, teardown),
	        cmocka_unit_test(test_status_from_rc),
	};
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
