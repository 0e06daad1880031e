/*
 * The database layer: one SQLite connection per worker thread, opened with
 * the pragmas evidence needs (WAL, foreign keys, busy timeout,
 * synchronous=FULL), a per-connection statement cache, a transaction helper
 * and the embedded, numbered migrations.
 *
 * A struct db is used by one thread at a time (it is opened with
 * SQLITE_OPEN_NOMUTEX). Stores report outcomes as enum store_status; the
 * HTTP layer maps them to statuses in one place.
 */
#ifndef INSPECTD_DB_H
#define INSPECTD_DB_H

#include <stddef.h>
#include <jansson.h>
#include <sqlite3.h>

enum store_status {
	STORE_OK = 0,
	STORE_NOT_FOUND,
	STORE_CONFLICT, /* a UNIQUE or state conflict */
	STORE_STALE,    /* version (If-Match) mismatch */
	STORE_INVALID,  /* a constraint the input broke */
	STORE_DB,       /* the database failed; logged where it happened */
};

struct db;

/* An embedded migration: db/migrations/NNNN_name.sql. */
struct db_migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated at build time from db/migrations/, ordered by version 1..n. */
extern const struct db_migration db_migrations[];
extern const size_t db_migrations_count;

/*
 * Opens (creating if needed) the database at path and applies the
 * per-connection pragmas. On failure returns NULL and writes a message to
 * err. Free with db_close.
 */
struct db *db_open(const char *path, char *err, size_t errlen);

/* Who the calling thread writes for, as the audit trail records it (NULL:
 * nobody, e.g. start-up and CLI writes). The strings are copied. */
struct db_actor {
	char id[37];
	char role[16];
	char addr[48];
	char request_id[65];
};
void db_actor_set(const struct db_actor *a);
void db_close(struct db *db);
sqlite3 *db_handle(struct db *db);

/*
 * The prepared statement for sql, prepared once per connection and cached by
 * the address of sql (so sql must be a static string: use the
 * `static const char SQL_x[]` pattern). Returns NULL on a prepare error
 * (logged). After use, release with db_stmt_done, which resets it.
 */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
void db_stmt_done(sqlite3_stmt *st);
#ifdef INSPECTD_TEST_ROUTES
/* Test builds: {sql: [EXPLAIN QUERY PLAN detail, ...]} of every statement
 * db_stmt prepared so far in this process (a copy; caller decrefs). */
json_t *db_query_plans(void);
#endif

/* Binds text to the named parameter (":name"); a NULL value binds NULL. */
int db_bind_text(sqlite3_stmt *st, const char *name, const char *value);
int db_bind_int64(sqlite3_stmt *st, const char *name, sqlite3_int64 value);

/* Copies column col as text into out (truncating to outlen-1 bytes; NULL
 * becomes ""). */
void db_col_text(sqlite3_stmt *st, int col, char *out, size_t outlen);

/* Binds NULL when value is NULL or "", else the text. */
int db_bind_text_or_null(sqlite3_stmt *st, const char *name, const char *value);

/* A query whose first column is JSON text (see the JSON-composing stores):
 * its one row into *out (STORE_NOT_FOUND when none), or every row appended
 * to items — at most limit when limit > 0, *more (may be NULL) telling
 * whether a row beyond it exists. Both finish the statement. */
enum store_status db_json_one(sqlite3_stmt *st, json_t **out);
enum store_status db_json_rows(sqlite3_stmt *st, json_t *items, int limit, int *more);
struct buf;
/* The same without parsing: each kept row's column 0 (JSON text that SQLite's
 * json_object composed) is appended to out, the rows making one JSON array
 * "[a,b]"; *count rows (more may be NULL). each (may be NULL) sees every
 * kept row, for its other columns (a cursor's keys). */
enum store_status db_json_rows_text(sqlite3_stmt *st, struct buf *out, int limit, int *count, int *more,
                                    void (*each)(sqlite3_stmt *st, void *ctx), void *ctx);
/* Steps an INSERT/UPDATE/DELETE and finishes it: STORE_NOT_FOUND when it
 * changed no row. */
enum store_status db_exec_changes(struct db *db, sqlite3_stmt *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return STORE_OK or STORE_DB. A
 * write transaction: the process's writers take turns (an in-process queue,
 * see db.c); end it with db_commit or db_rollback. */
enum store_status db_begin(struct db *db);
/* BEGIN (deferred): a read snapshot across several statements; end with db_commit. */
enum store_status db_begin_read(struct db *db);
enum store_status db_commit(struct db *db);
void db_rollback(struct db *db);
/* Rolls back a transaction someone left open (a bug; the caller logs it).
 * 1 when there was one. */
int db_end_abandoned(struct db *db);

/*
 * Runs fn inside BEGIN IMMEDIATE ... COMMIT. Commits when fn returns STORE_OK,
 * rolls back otherwise, and returns fn's status (or STORE_DB when the
 * transaction itself failed).
 */
enum store_status db_tx(struct db *db, enum store_status (*fn)(struct db *db, void *arg), void *arg);

/* After stepping a single-row query: ROW → OK, DONE → NOT_FOUND, else DB. */
enum store_status db_row_status(int rc);

/* After stepping a statement to its end (or stopping early at a row): OK or DB. */
enum store_status db_loop_status(int rc);

/* Maps an SQLite result code to a store status (constraint → conflict). */
enum store_status db_status_from_rc(int rc);

/* PRAGMA user_version, or -1 on error. */
int db_schema_version(struct db *db);

/* The newest schema version this binary knows. */
int db_latest_version(void);

/*
 * Applies every migration newer than the database's user_version, each in
 * its own BEGIN IMMEDIATE transaction that also sets user_version. Refuses a
 * database newer than this binary. *from and *to (may be NULL) receive the
 * versions before and after. Returns 0 on success, -1 with err filled.
 */
int db_migrate(struct db *db, int *from, int *to, char *err, size_t errlen);

/* A cheap query proving the database answers: 0 when it does. */
int db_ping(struct db *db);

#endif
