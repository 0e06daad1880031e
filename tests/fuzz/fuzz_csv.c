/*
 * The CSV importer: csv_parse (with its invariants: every record has a
 * field, records start on increasing lines, a failure leaves nothing
 * allocated) and `inspectd org import` on top of it (org_import_csv:
 * header, every row's checks, parents in the file or the database, the
 * all-or-nothing import) against an in-memory database seeded with a
 * city "root" and a town "t1"; the database is restored after an import
 * that succeeded.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cli.h"
#include "base/log.h"
#include "csv.h"
#include "db.h"
#include "org_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct db *db;
static sqlite3 *pristine;
static FILE *sink;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_csv: %s\n", what);
	abort();
}

static void copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE)
		die("backup");
	sqlite3_backup_finish(b);
}

static void cleanup(void)
{
	db_close(db);
	sqlite3_close(pristine);
	fclose(sink);
}

static void init_once(void)
{
	if (db)
		return;
	log_set_level((enum log_level)(LOG_ERROR + 1));
	char err[512];
	int from, to;
	db = db_open(":memory:", err, sizeof err);
	if (!db || db_migrate(db, &from, &to, err, sizeof err) != 0)
		die(err);
	struct org city = {.id = "00000000-0000-4000-8000-0000000000c1", .code = "root", .name = "本市",
	                   .level = "city", .status = "normal"};
	struct org town = {.id = "00000000-0000-4000-8000-0000000000c2", .code = "t1", .name = "一镇",
	                   .level = "town", .parent_id = "00000000-0000-4000-8000-0000000000c1", .status = "normal"};
	if (org_store_create(db, &city, NULL) != STORE_OK || org_store_create(db, &town, city.path) != STORE_OK)
		die("seed");
	if (sqlite3_open(":memory:", &pristine) != SQLITE_OK)
		die("pristine");
	copy_db(pristine, db_handle(db));
	sink = fopen("/dev/null", "w");
	if (!sink)
		die("/dev/null");
	atexit(cleanup);
}

static struct db *open_memory(void *arg, int *rc)
{
	(void)arg;
	(void)rc;
	return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return -1;
	init_once();
	/* an exact-size copy, not NUL-terminated: ASan sees any read past the end */
	char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);

	struct csv c;
	char err[256];
	if (csv_parse(copy, size, &c, err, sizeof err) == 0) {
		int last = 0;
		for (size_t r = 0; r < c.n; r++) {
			if (c.rows[r].n == 0 || c.rows[r].line <= last)
				die("csv row invariant");
			last = c.rows[r].line;
			for (size_t f = 0; f < c.rows[r].n; f++)
				(void)strlen(c.rows[r].fields[f]);
		}
	} else if (c.n != 0 || c.rows != NULL || !memchr(err, ':', strlen(err))) {
		die("csv failure invariant");
	}
	csv_release(&c);

	int rc = org_import_csv("fuzz.csv", copy, size, sink, sink, open_memory, NULL);
	if (rc == 0)
		copy_db(db_handle(db), pristine);
	free(copy);
	return 0;
}
