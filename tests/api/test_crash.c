/*
 * Crash safety: writers create inspections, progress reports and photos
 * concurrently while inspectd is SIGKILLed at random moments, five times.
 * After each kill: PRAGMA integrity_check is ok, every photo row has its
 * file, no temporary photo file is left; after each restart every write
 * that was answered 2xx — in any cycle so far — is there.
 */
#define _GNU_SOURCE /* pthread, random */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client.h"

enum { CYCLES = 5, MAX_ACKED = 20000 };

static struct server_proc base; /* owns the data directory */
static struct crew crew;
static json_t *tpl;
static char round_id[ID_LEN], task_id[ID_LEN];

/* What the writers were told was stored (2xx). Each writer owns one list;
 * the main thread reads them only while no writer runs. */
struct acked {
	const char *what;
	char (*ids)[ID_LEN];
	size_t n;
	unsigned long sent, refused_by_crash;
};
static struct acked acked_insp = {.what = "inspection"}, acked_progress = {.what = "progress report"},
                    acked_photo = {.what = "photo"};

struct writer {
	struct acked *acked;
	const char *base_url; /* the running server, direct */
	volatile int *stop;
	void (*one)(struct writer *w, char id[ID_LEN], struct http_resp *r);
	unsigned seed;
};

static void auth_header(char *out, size_t len, const char *token)
{
	snprintf(out, len, "Authorization: Bearer %s", token);
}

static void write_inspection(struct writer *w, char id[ID_LEN], struct http_resp *r)
{
	char auth[6300];
	auth_header(auth, sizeof auth, crew.insp_city.access);
	const char *villages[] = {crew.tree.village_a1, crew.tree.village_a2};
	char body[512], url[256];
	snprintf(body, sizeof body, "{\"id\":\"%s\",\"org_id\":\"%s\",\"round_id\":\"%s\"}", uuid_v4(id),
	         villages[rand_r(&w->seed) % 2], round_id);
	snprintf(url, sizeof url, "%s/api/v1/inspections", w->base_url);
	const char *h[] = {auth, "Content-Type: application/json", NULL};
	http_send("POST", url, h, body, strlen(body), 0, r);
}

static void write_progress(struct writer *w, char id[ID_LEN], struct http_resp *r)
{
	char auth[6300], body[256], url[256];
	(void)w;
	auth_header(auth, sizeof auth, crew.cast.cadre.access);
	snprintf(body, sizeof body, "{\"id\":\"%s\",\"text\":\"已整改一处\",\"percent\":10}", uuid_v4(id));
	snprintf(url, sizeof url, "%s/api/v1/tasks/%s/progress", w->base_url, task_id);
	const char *h[] = {auth, "Content-Type: application/json", NULL};
	http_send("POST", url, h, body, strlen(body), 0, r);
}

static void write_photo(struct writer *w, char id[ID_LEN], struct http_resp *r)
{
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	char auth[6300], url[256];
	auth_header(auth, sizeof auth, crew.insp_city.access);
	size_t len = 20000 + (size_t)(rand_r(&w->seed) % 200000);
	unsigned char *b = malloc(len);
	assert_non_null(b);
	memcpy(b, jfif, sizeof jfif);
	for (size_t i = sizeof jfif; i < len; i++)
		b[i] = (unsigned char)rand_r(&w->seed);
	snprintf(url, sizeof url, "%s/api/v1/photos?id=%s&caption=crash", w->base_url, uuid_v4(id));
	const char *h[] = {auth, "Content-Type: image/jpeg", NULL};
	http_send("POST", url, h, b, len, 0, r);
	free(b);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	while (!*w->stop) {
		char id[ID_LEN];
		struct http_resp r;
		w->one(w, id, &r);
		w->acked->sent++;
		if (r.status >= 200 && r.status < 300 && w->acked->n < MAX_ACKED)
			memcpy(w->acked->ids[w->acked->n++], id, ID_LEN);
		else if (r.status == 0)
			w->acked->refused_by_crash++;
		http_resp_release(&r);
		if (r.status == 0)
			usleep(20000); /* the server is down: no busy loop */
	}
	return NULL;
}

static int group_setup(void **state)
{
	(void)state;
	crew_round_setup(&base, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	const char *sup = crew.cast.supervisor.access;
	char path[200];
	char *body = jbody("{s:s, s:s, s:s, s:i}", "org_id", crew.tree.village_a1, "reason", "班子软弱", "source",
	                   "annual", "year", 2026);
	json_t *c = api_expect(&base, "POST", "/api/v1/rectifications", sup, body, 201);
	free(body);
	body = jbody("{s:s, s:s, s:s}", "title", "健全村党组织班子", "assignee_id", crew.cast.cadre.user_id, "due_date",
	             "2099-06-30");
	json_t *t = api_expect(&base, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", jstr(c, "id")),
	                       sup, body, 201);
	free(body);
	snprintf(task_id, sizeof task_id, "%s", jstr(t, "id"));
	json_decref(api_expect(&base, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/start", task_id),
	                       crew.cast.cadre.access, "{}", 200));
	json_decref(c);
	json_decref(t);
	struct acked *all[] = {&acked_insp, &acked_progress, &acked_photo};
	for (size_t i = 0; i < 3; i++) {
		all[i]->ids = calloc(MAX_ACKED, ID_LEN);
		assert_non_null(all[i]->ids);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&base);
	free(acked_insp.ids);
	free(acked_progress.ids);
	free(acked_photo.ids);
	return 0;
}

/* The database file after a crash: integrity, and every photo row's file. */
static void check_files(const char *data_dir, const char *when)
{
	char path[600];
	snprintf(path, sizeof path, "%s/inspectd.db", data_dir);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *verdict = (const char *)sqlite3_column_text(st, 0);
	if (strcmp(verdict, "ok") != 0)
		fail_msg("integrity_check after a kill: %s", verdict);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, sha256 FROM photos", -1, &st, NULL), SQLITE_OK);
	size_t rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 1);
		struct stat sb;
		snprintf(path, sizeof path, "%s/photos/%.2s/%.2s/%s", data_dir, sha, sha + 2, sha);
		if (stat(path, &sb) != 0)
			fail_msg("photo %s has a row but no file (%s)", sqlite3_column_text(st, 0), path);
		rows++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* no temporary file: writes in flight were anonymous (O_TMPFILE) or are
	 * removed at start; either way nothing may be here once restarted */
	snprintf(path, sizeof path, "%s/photos/tmp", data_dir);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				fail_msg("a temporary file is left behind: %s/%s", path, e->d_name);
		closedir(d);
	}
	fprintf(stderr, "  %s: integrity ok, %zu photo rows all with their files, no temporary file\n", when, rows);
}

/* Every acknowledged write is there, on the restarted server s. */
static void check_acked(struct server_proc *s)
{
	char path[200];
	for (size_t i = 0; i < acked_insp.n; i++)
		if (api_status(s, pathf(path, sizeof path, "/api/v1/inspections/%s", acked_insp.ids[i]),
		               crew.insp_city.access) != 200)
			fail_msg("inspection %s was acknowledged but is gone", acked_insp.ids[i]);
	for (size_t i = 0; i < acked_photo.n; i++)
		if (api_status(s, pathf(path, sizeof path, "/api/v1/photos/%s", acked_photo.ids[i]),
		               crew.insp_city.access) != 200)
			fail_msg("photo %s was acknowledged but is gone", acked_photo.ids[i]);
	json_t *progress = api_expect(s, "GET", pathf(path, sizeof path, "/api/v1/tasks/%s/progress", task_id),
	                              crew.cast.supervisor.access, NULL, 200);
	json_t *items = json_object_get(progress, "items");
	for (size_t i = 0; i < acked_progress.n; i++)
		if (!find_by(items, "id", acked_progress.ids[i]))
			fail_msg("progress report %s was acknowledged but is gone", acked_progress.ids[i]);
	json_decref(progress);
}

static void test_kill_nine_loses_nothing_acknowledged(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	struct server_proc cur = base, next; /* the first cycle runs on base itself */
	int on_base = 1;
	unsigned seed = (unsigned)time(NULL);
	fprintf(stderr, "crash test seed %u\n", seed);
	for (int cycle = 0; cycle < CYCLES; cycle++) {
		volatile int stop = 0;
		struct writer ws[3] = {
		        {&acked_insp, cur.direct_url, &stop, write_inspection, seed + 1},
		        {&acked_progress, cur.direct_url, &stop, write_progress, seed + 2},
		        {&acked_photo, cur.direct_url, &stop, write_photo, seed + 3},
		};
		pthread_t th[3];
		for (int i = 0; i < 3; i++)
			assert_int_equal(pthread_create(&th[i], NULL, writer_main, &ws[i]), 0);
		usleep((useconds_t)(300000 + rand_r(&seed) % 900000)); /* 0.3–1.2 s of writes */
		server_kill(on_base ? &base : &cur);
		stop = 1;
		for (int i = 0; i < 3; i++)
			pthread_join(th[i], NULL);
		fprintf(stderr, "cycle %d: acknowledged so far %zu inspections, %zu progress reports, %zu photos\n",
		        cycle + 1, acked_insp.n, acked_progress.n, acked_photo.n);
		check_files(base.data_dir, "after the kill");
		if (!on_base)
			server_cleanup(&cur);
		server_start_on(&next, base.data_dir, env);
		check_acked(&next);
		check_files(base.data_dir, "after the restart");
		cur = next;
		on_base = 0;
		seed += 7;
	}
	if (acked_insp.n == 0 || acked_progress.n == 0 || acked_photo.n == 0)
		fail_msg("a writer never got a write through: nothing was tested");
	assert_int_equal(server_stop(&cur), 0);
	server_cleanup(&cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kill_nine_loses_nothing_acknowledged),
	};
	return cmocka_run_group_tests_name("api_crash", tests, group_setup, group_teardown);
}
