/*
 * make bench, near-duplicate photos: seeds a throwaway database with N
 * photos (default 1,000,000) carrying random 64-bit dHashes and their band
 * index, then times photo_dupes_near — the lookup every photo's `checks`
 * makes — for random probes (almost never a match) and for near copies of
 * stored photos (1 to 4 bits flipped: each must find its original).
 *
 *   usage: bench_dhash [photos]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "photo_store.h"

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void fail(struct db *db, const char *what)
{
	fprintf(stderr, "bench_dhash: %s: %s\n", what, db ? sqlite3_errmsg(db_handle(db)) : "");
	exit(1);
}

static void exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_dhash: %s: %s\n", sql, msg ? msg : "");
		exit(1);
	}
}

static unsigned band_value(uint64_t h, int band)
{
	int shift = band * 13, bits = band < 4 ? 13 : 12;
	return (unsigned)((h >> shift) & ((1ULL << bits) - 1));
}

static void photo_id(long i, char out[37])
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "00000000-0000-4000-8000-%012ld", i % 1000000000000L);
	memcpy(out, tmp, 36);
	out[36] = '\0';
}

static void timed(struct db *db, const char *label, uint64_t *probes, long n, const struct photo_context *ctx,
                  long expect_hits)
{
	double *lat = malloc((size_t)n * sizeof *lat);
	long found = 0;
	double total = now_s();
	for (long i = 0; i < n; i++) {
		struct photo_row p;
		memset(&p, 0, sizeof p);
		snprintf(p.id, sizeof p.id, "probe-%ld", i);
		memset(p.sha256, 'f', 64); /* no stored photo has these bytes */
		p.has_dhash = 1;
		p.dhash = probes[i];
		json_t *out = json_array();
		double t = now_s();
		if (photo_dupes_near(db, &p, ctx, 4, out) != STORE_OK)
			fail(db, "lookup");
		lat[i] = now_s() - t;
		found += json_array_size(out) > 0;
		json_decref(out);
	}
	total = now_s() - total;
	qsort(lat, (size_t)n, sizeof *lat, cmp_double);
	printf("%-34s %8ld lookups  %9.0f/s  p50 %6.3f ms  p99 %6.3f ms  with a match: %ld", label, n, n / total,
	       lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3, found);
	if (expect_hits >= 0)
		printf(" (want %ld)", expect_hits);
	printf("\n");
	free(lat);
	if (expect_hits >= 0 && found != expect_hits) {
		fprintf(stderr, "bench_dhash: a near copy was not found\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	char dir[] = "/tmp/inspectd-bench-dhash-XXXXXX", path[64], err[256];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/bench.db", dir);
	struct db *db = db_open(path, err, sizeof err);
	int from, to;
	if (!db || db_migrate(db, &from, &to, err, sizeof err) != 0) {
		fprintf(stderr, "bench_dhash: %s\n", err);
		return 1;
	}
	/* a throwaway database: seeding skips the audit trail and fsyncs */
	exec(db, "PRAGMA synchronous = OFF");
	exec(db, "DROP TRIGGER audit_photos_insert");
	exec(db, "DROP TRIGGER audit_orgs_insert");
	exec(db, "DROP TRIGGER audit_users_insert");
	exec(db,
	     "INSERT INTO orgs (id, code, name, level, path, created_at, updated_at) VALUES ('org', 'c', 'c', 'city',"
	     " '/org/', '', '')");
	exec(db, "INSERT INTO users (id, username, display_name, role, org_id, password_hash, created_at, updated_at)"
	         " VALUES ('u', 'u', 'u', 'admin', 'org', 'x', '', '')");
	/* every photo is attached to a visit: an unattached photo is no evidence,
	 * and the lookup rightly skips it */
	exec(db, "DROP TRIGGER audit_inspections_insert");
	exec(db, "INSERT INTO inspections (id, org_id, template_id, inspector_id, score, create_hash, seq, created_at,"
	         " updated_at) VALUES ('insp', 'org', '00000000-0000-4000-8000-000000000001', 'u', '{}', x'00', 1, '', '')");
	uint64_t *hashes = malloc((size_t)n * sizeof *hashes);
	double t0 = now_s();
	exec(db, "BEGIN");
	sqlite3_stmt *ins = NULL, *band = NULL;
	sqlite3_prepare_v2(
	        db_handle(db),
	        "INSERT INTO photos (id, owner_id, inspection_id, sha256, size, mime, uploaded_at, dhash) VALUES (?, 'u',"
	        " 'insp', ?, 1, 'image/jpeg', '2026-01-01T00:00:00Z', ?)",
	        -1, &ins, NULL);
	sqlite3_prepare_v2(db_handle(db),
	                   "INSERT INTO photo_hash_bands (band, value, photo_id, dhash) VALUES (?, ?, ?, ?)", -1, &band,
	                   NULL);
	if (!ins || !band)
		fail(db, "prepare");
	for (long i = 0; i < n; i++) {
		char id[37], sha[65];
		photo_id(i, id);
		snprintf(sha, sizeof sha, "%064ld", i);
		hashes[i] = next_random();
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 3, (sqlite3_int64)hashes[i]);
		if (sqlite3_step(ins) != SQLITE_DONE)
			fail(db, "insert photo");
		sqlite3_reset(ins);
		for (int b = 0; b < 5; b++) {
			sqlite3_bind_int(band, 1, b);
			sqlite3_bind_int(band, 2, (int)band_value(hashes[i], b));
			sqlite3_bind_text(band, 3, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(band, 4, (sqlite3_int64)hashes[i]);
			if (sqlite3_step(band) != SQLITE_DONE)
				fail(db, "insert band");
			sqlite3_reset(band);
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(band);
	exec(db, "COMMIT");
	exec(db, "ANALYZE");
	printf("seeded %ld photos with dHashes in %.1f s\n", n, now_s() - t0);

	struct photo_context ctx;
	memset(&ctx, 0, sizeof ctx);
	snprintf(ctx.org_id, sizeof ctx.org_id, "elsewhere"); /* every stored photo is another org's */
	enum { PROBES = 10000 };
	uint64_t *probes = malloc(PROBES * sizeof *probes);
	for (long i = 0; i < PROBES; i++)
		probes[i] = next_random();
	timed(db, "random hashes (no copy stored)", probes, PROBES, &ctx, -1);
	for (long i = 0; i < PROBES; i++) { /* a stored photo with 1-4 bits flipped */
		uint64_t h = hashes[next_random() % (uint64_t)n];
		int flips = 1 + (int)(next_random() % 4);
		for (int f = 0; f < flips; f++)
			h ^= 1ULL << (next_random() % 64);
		probes[i] = h;
	}
	timed(db, "near copies (1-4 bits flipped)", probes, PROBES, &ctx, PROBES);
	free(probes);
	free(hashes);
	db_close(db);
	unlink(path);
	char wal[80];
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	rmdir(dir);
	return 0;
}
