/*
 * make bench, the data set: grows a database that already holds one of each
 * (made through the API by tests/bench/run.sh: the org tree, an inspector, a
 * cadre, a supervisor, one inspection, one rectification case with one task)
 * to a city's scale by cloning those rows: users to `users` in all, the
 * inspection to `inspections` (spread over every village, every inspector and
 * two years), one case per village and tasks to `tasks` (spread over the
 * cases, assigned to each village's cadre, a tenth overdue). Clones copy every
 * column of their original (SELECT *), so they stay valid as the schema
 * grows; only ids, owners, places, times and change sequence numbers differ.
 * Runs with the server stopped, through db_open (the audit triggers' SQL
 * functions), in one transaction.
 *
 *   usage: bench_seed DB [users inspections tasks]   (defaults 1000 100000 20000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

static struct db *db;
static unsigned long long rnd = 0x2545f4914f6cdd1dULL;

static void die(const char *what)
{
	fprintf(stderr, "bench_seed: %s: %s\n", what, sqlite3_errmsg(db_handle(db)));
	exit(1);
}

static void exec(const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_seed: %s: %s\n", sql, msg ? msg : "");
		exit(1);
	}
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

static void step_done(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(what);
	sqlite3_reset(st);
}

static void uuid(char out[37])
{
	unsigned char b[16];
	for (int i = 0; i < 16; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		b[i] = (unsigned char)rnd;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
	         b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The ids a query returns, as a NULL-terminated array (caller frees). */
static char **ids(const char *sql, size_t *n)
{
	sqlite3_stmt *st = prep(sql);
	size_t cap = 64;
	char **v = malloc(cap * sizeof *v);
	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n + 1 >= cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[(*n)++] = strdup((const char *)sqlite3_column_text(st, 0));
	}
	v[*n] = NULL;
	sqlite3_finalize(st);
	if (*n == 0) {
		fprintf(stderr, "bench_seed: nothing for %s (run it on run.sh's database)\n", sql);
		exit(1);
	}
	return v;
}

static void free_ids(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static long long scalar(const char *sql)
{
	sqlite3_stmt *st = prep(sql);
	long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* "2026-11-29T08:00:00Z" minus minutes. */
static void stamp(long long minutes_ago, char out[24])
{
	time_t t = time(NULL) - (time_t)minutes_ago * 60;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 5) {
		fprintf(stderr, "usage: bench_seed DB [users inspections tasks]\n");
		return 2;
	}
	long long want_users = argc == 5 ? atoll(argv[2]) : 1000, want_insp = argc == 5 ? atoll(argv[3]) : 100000,
	          want_tasks = argc == 5 ? atoll(argv[4]) : 20000;
	char err[256];
	db = db_open(argv[1], err, sizeof err);
	if (!db) {
		fprintf(stderr, "bench_seed: %s\n", err);
		return 1;
	}
	clock_t t0 = clock();
	exec("BEGIN IMMEDIATE");

	size_t nv, nt;
	char **villages = ids("SELECT id FROM orgs WHERE level = 'village' ORDER BY code", &nv);
	char **towns = ids("SELECT id FROM orgs WHERE level = 'town' ORDER BY code", &nt);
	char id[37], name[64], at[24];

	/* Users: a cadre per village first (task assignees), then inspectors and
	 * supervisors, viewers for the rest. Clones of the first inspector. */
	exec("CREATE TEMP TABLE u AS SELECT * FROM users WHERE role = 'inspector' ORDER BY created_at LIMIT 1");
	sqlite3_stmt *u_set = prep("UPDATE temp.u SET id = ?1, username = ?2, display_name = ?2, role = ?3, org_id = ?4");
	sqlite3_stmt *u_ins = prep("INSERT INTO users SELECT * FROM temp.u");
	long long users = scalar("SELECT count(*) FROM users");
	for (long long i = 0; users < want_users; i++, users++) {
		const char *role = i < (long long)nv ? "cadre" : i < (long long)nv + 300 ? "inspector" : i < (long long)nv + 320 ? "supervisor" : "viewer";
		const char *org = i < (long long)nv ? villages[i] : towns[i % (long long)nt];
		uuid(id);
		snprintf(name, sizeof name, "bench.%s.%lld", role, i);
		sqlite3_bind_text(u_set, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(u_set, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(u_set, 3, role, -1, SQLITE_STATIC);
		sqlite3_bind_text(u_set, 4, org, -1, SQLITE_STATIC);
		step_done(u_set, "user clone");
		step_done(u_ins, "user insert");
	}
	sqlite3_finalize(u_set);
	sqlite3_finalize(u_ins);

	/* Inspections: clones of the one made through the API. */
	size_t ni;
	char **inspectors = ids("SELECT id FROM users WHERE role = 'inspector' ORDER BY username", &ni);
	long long seq = scalar("SELECT value FROM counters WHERE name = 'change_seq'");
	exec("CREATE TEMP TABLE i AS SELECT * FROM inspections ORDER BY created_at LIMIT 1");
	sqlite3_stmt *i_set = prep("UPDATE temp.i SET id = ?1, org_id = ?2, inspector_id = ?3, round_id = NULL, seq = ?4, "
	                           "created_at = ?5, updated_at = ?5, started_at = ?5");
	sqlite3_stmt *i_ins = prep("INSERT INTO inspections SELECT * FROM temp.i");
	long long insp = scalar("SELECT count(*) FROM inspections");
	for (long long k = 0; insp < want_insp; k++, insp++) {
		uuid(id);
		stamp(want_insp - k, at); /* one a minute, the newest now */
		sqlite3_bind_text(i_set, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(i_set, 2, villages[k % (long long)nv], -1, SQLITE_STATIC);
		sqlite3_bind_text(i_set, 3, inspectors[k % (long long)ni], -1, SQLITE_STATIC);
		sqlite3_bind_int64(i_set, 4, ++seq);
		sqlite3_bind_text(i_set, 5, at, -1, SQLITE_STATIC);
		step_done(i_set, "inspection clone");
		step_done(i_ins, "inspection insert");
	}
	sqlite3_finalize(i_set);
	sqlite3_finalize(i_ins);
	sqlite3_stmt *c_set = prep("UPDATE counters SET value = ?1 WHERE name = 'change_seq'");
	sqlite3_bind_int64(c_set, 1, seq);
	step_done(c_set, "counter");
	sqlite3_finalize(c_set);

	/* A case for every village without one, then tasks spread over all cases,
	 * each assigned to its village's cadre; every tenth is overdue. */
	exec("CREATE TEMP TABLE r AS SELECT * FROM rectifications ORDER BY created_at LIMIT 1");
	sqlite3_stmt *r_set = prep("UPDATE temp.r SET id = ?1, org_id = ?2");
	sqlite3_stmt *r_ins = prep("INSERT INTO rectifications SELECT * FROM temp.r "
	                           "WHERE NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.org_id = temp.r.org_id)");
	for (size_t v = 0; v < nv; v++) {
		uuid(id);
		sqlite3_bind_text(r_set, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(r_set, 2, villages[v], -1, SQLITE_STATIC);
		step_done(r_set, "case clone");
		step_done(r_ins, "case insert");
	}
	sqlite3_finalize(r_set);
	sqlite3_finalize(r_ins);
	size_t nc;
	char **cases = ids("SELECT id FROM rectifications ORDER BY created_at, id", &nc);
	exec("CREATE TEMP TABLE t AS SELECT * FROM tasks ORDER BY created_at LIMIT 1");
	sqlite3_stmt *t_set = prep(
	        "UPDATE temp.t SET id = ?1, rectification_id = ?2, org_id = r.org_id, due_date = ?3, "
	        "assignee_id = coalesce((SELECT id FROM users WHERE role = 'cadre' AND org_id = r.org_id "
	        "ORDER BY created_at LIMIT 1), temp.t.assignee_id) FROM rectifications r WHERE r.id = ?2");
	sqlite3_stmt *t_ins = prep("INSERT INTO tasks SELECT * FROM temp.t");
	long long tasks = scalar("SELECT count(*) FROM tasks");
	for (long long k = 0; tasks < want_tasks; k++, tasks++) {
		uuid(id);
		time_t due = time(NULL) + (k % 10 == 0 ? -86400 * 7 : 86400 * (30 + k % 300));
		struct tm tm;
		gmtime_r(&due, &tm);
		char day[11];
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
		sqlite3_bind_text(t_set, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(t_set, 2, cases[k % (long long)nc], -1, SQLITE_STATIC);
		sqlite3_bind_text(t_set, 3, day, -1, SQLITE_STATIC);
		step_done(t_set, "task clone");
		step_done(t_ins, "task insert");
	}
	sqlite3_finalize(t_set);
	sqlite3_finalize(t_ins);

	exec("COMMIT");
	printf("bench_seed: %lld users, %lld inspections, %zu cases, %lld tasks, %zu villages in %zu towns "
	       "(%.1f s CPU)\n",
	       scalar("SELECT count(*) FROM users"), scalar("SELECT count(*) FROM inspections"), nc,
	       scalar("SELECT count(*) FROM tasks"), nv, nt, (double)(clock() - t0) / CLOCKS_PER_SEC);
	free_ids(villages);
	free_ids(towns);
	free_ids(inspectors);
	free_ids(cases);
	db_close(db);
	return 0;
}
