/*
 * Backups (inspectd backup / restore) through the real binary.
 *
 * Under load: a server with organizations, visits and photos (identical
 * bytes under two ids, an unfinished tus upload) takes writes from four
 * threads — organizations and photo uploads, each acknowledged 201 — while
 * `inspectd backup` runs. The backup is restored into a fresh data
 * directory and served: every write acknowledged before the backup started
 * is there (photos with the bytes their SHA-256 names), nothing acknowledged
 * after it finished is, every photo row of the restored database has its
 * file with the right hash, tokens issued before the backup still work, and
 * the unfinished upload is gone (404: the client starts again).
 *
 * Refusals, each leaving everything as it was: a backup into a non-empty
 * directory or a file; a backup of a data directory missing a photo's bytes
 * (no partial backup left); a restore into a directory with a database
 * without --force, or with --force while a server has it open; a restore
 * from a backup with a tampered photo, a damaged or altered manifest, or
 * none. --force moves the old data aside.
 *
 * The writer threads talk to the server directly (not through the contract
 * proxy: its checker is single-threaded), with one libcurl handle per
 * request (http_send).
 */
#define _GNU_SOURCE /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static struct server_proc srv, srv2;
static struct crew crew;
static char round_id[ID_LEN], draft_a1[ID_LEN], draft_a2[ID_LEN];
static char tmp_root[] = "/tmp/inspectd-backup-test-XXXXXX";
static char backup_dir[400]; /* the backup taken under load */
static char restored[400];   /* the data directory it was restored into */

/* ---- small helpers ------------------------------------------------------------------------ */

static void path_in(char *out, size_t outlen, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen)
		fail_msg("path too long: %s/%s", dir, name);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* Runs inspectd; fails unless it exits want_rc with want_text (may be NULL) in its output. */
static void expect_cli(const char *const *args, int want_rc, const char *want_text, struct buf *out_keep)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = run_cli(args, NULL, NULL, &out, &err);
	if (rc != want_rc || (want_text && !strstr(buf_cstr(&out), want_text) && !strstr(buf_cstr(&err), want_text)))
		fail_msg("inspectd %s %s: exit %d (want %d); stdout:\n%s\nstderr:\n%s\n(want text: %s)", args[0],
		         args[1] ? args[1] : "", rc, want_rc, buf_cstr(&out), buf_cstr(&err),
		         want_text ? want_text : "-");
	if (out_keep) {
		buf_adds(out_keep, buf_cstr(&out));
		buf_adds(out_keep, buf_cstr(&err));
	}
	buf_release(&out);
	buf_release(&err);
}

/* A listing of a directory tree (relative paths, sizes, hashes of files
 * and link targets), to prove a refusal changed nothing. Caller frees. */
static struct buf tree_text;
static size_t tree_root_len;
static int tree_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	char hex[65] = "-";
	if (flag == FTW_F && S_ISREG(sb->st_mode) && file_sha256(path, hex) != 0)
		snprintf(hex, sizeof hex, "unreadable");
	buf_printf(&tree_text, "%s %o %lld %s\n", path + tree_root_len, (unsigned)(sb->st_mode & 07777),
	           S_ISDIR(sb->st_mode) ? 0LL : (long long)sb->st_size, hex);
	return 0;
}

static char *tree_listing(const char *dir)
{
	buf_reset(&tree_text);
	tree_root_len = strlen(dir);
	if (!exists(dir))
		return strdup("(missing)");
	nftw(dir, tree_entry, 16, FTW_PHYS);
	char *s = strdup(buf_cstr(&tree_text));
	buf_release(&tree_text);
	return s;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fail_msg("cannot write %s", path);
}

/* Standard base64 (tus Upload-Metadata values). */
static void b64_std(const char *in, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

/* ---- photos -------------------------------------------------------------------------------- */

/* JPEG-looking bytes (the magic numbers the server sniffs), unique by tag, len bytes long. */
static unsigned char *photo_bytes(const char *tag, size_t len)
{
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F',
	                                     0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
	unsigned char *b = malloc(len);
	if (!b)
		abort();
	size_t tl = strlen(tag);
	memcpy(b, jpeg, sizeof jpeg);
	memcpy(b + sizeof jpeg, tag, tl);
	for (size_t i = sizeof jpeg + tl; i < len; i++)
		b[i] = (unsigned char)(i * 31 + 7 + tl);
	return b;
}

/* POST /api/v1/photos as a raw body, straight to the server (thread-safe:
 * no cmocka calls). */
static void post_photo(const char *direct_url, const char *bearer, const char *inspection_id, const char *id,
                       const void *bytes, size_t len, struct http_resp *out)
{
	char url[512], auth[6200];
	snprintf(url, sizeof url, "%s/api/v1/photos?inspection_id=%s&id=%s", direct_url, inspection_id, id);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
	const char *h[] = {auth, "Content-Type: image/jpeg", NULL};
	http_send("POST", url, h, bytes, len, 0, out);
}

/* What the test knows of every acknowledged write. */
struct ack {
	char kind; /* 'o' organization, 'p' photo */
	char id[ID_LEN];
	char sha[65]; /* photos */
	/* 0 before the backup started, 1 while it ran, 2 after it finished: when
	 * the request was sent and when its answer had arrived */
	int sent, acked;
};

static struct {
	pthread_mutex_t mu;
	struct ack *acks;
	size_t n, cap;
	int phase;
	atomic_int stop;
	atomic_int failures;
	char failure[512];
} load = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int phase_now(void);

static void ack_add(char kind, const char *id, const char *sha, int sent)
{
	pthread_mutex_lock(&load.mu);
	if (load.n == load.cap) {
		load.cap = load.cap ? 2 * load.cap : 256;
		load.acks = realloc(load.acks, load.cap * sizeof *load.acks);
		if (!load.acks)
			abort();
	}
	struct ack *a = &load.acks[load.n++];
	a->kind = kind;
	snprintf(a->id, sizeof a->id, "%s", id);
	snprintf(a->sha, sizeof a->sha, "%s", sha ? sha : "");
	a->sent = sent;
	a->acked = load.phase;
	pthread_mutex_unlock(&load.mu);
}

static void load_failed(const char *what, const struct http_resp *r)
{
	if (atomic_fetch_add(&load.failures, 1) == 0)
		snprintf(load.failure, sizeof load.failure, "%s: status %ld: %.300s", what, r->status,
		         buf_cstr(&r->body));
}

/* One writer: organizations (admin) and photos (insp.city) in turn until told to stop. */
static void *writer(void *arg)
{
	int w = (int)(intptr_t)arg;
	char auth_admin[6200];
	snprintf(auth_admin, sizeof auth_admin, "Authorization: Bearer %s", crew.cast.admin.access);
	for (int i = 0; !atomic_load(&load.stop); i++) {
		struct http_resp r;
		int sent = phase_now();
		if (i % 2 == 0) {
			char code[64], body[512], url[256];
			snprintf(code, sizeof code, "bk-w%d-%d", w, i);
			snprintf(body, sizeof body,
			         "{\"code\":\"%s\",\"name\":\"备份村 "
			         "%d-%d\",\"level\":\"village\",\"parent_id\":\"%s\"}",
			         code, w, i, crew.tree.town_a);
			snprintf(url, sizeof url, "%s/api/v1/orgs", srv.direct_url);
			const char *h[] = {auth_admin, "Content-Type: application/json", NULL};
			http_send("POST", url, h, body, strlen(body), 0, &r);
			json_t *j = r.status == 201 ? json_loadb(r.body.data, r.body.len, 0, NULL) : NULL;
			const char *id = j ? json_string_value(json_object_get(j, "id")) : NULL;
			if (id)
				ack_add('o', id, NULL, sent);
			else
				load_failed("POST /orgs", &r);
			json_decref(j);
		} else {
			char tag[64], id[ID_LEN], sha[65];
			snprintf(tag, sizeof tag, "writer-%d-%d;", w, i);
			size_t len = 2000 + (size_t)(i % 7) * 3000;
			unsigned char *b = photo_bytes(tag, len);
			mem_sha256(b, len, sha);
			uuid_v4(id);
			post_photo(srv.direct_url, crew.insp_city.access, i % 4 == 1 ? draft_a1 : draft_a2, id, b, len,
			           &r);
			free(b);
			if (r.status == 201)
				ack_add('p', id, sha, sent);
			else
				load_failed("POST /photos", &r);
		}
		http_resp_release(&r);
	}
	return NULL;
}

static size_t acks_now(void)
{
	pthread_mutex_lock(&load.mu);
	size_t n = load.n;
	pthread_mutex_unlock(&load.mu);
	return n;
}

static int phase_now(void)
{
	pthread_mutex_lock(&load.mu);
	int p = load.phase;
	pthread_mutex_unlock(&load.mu);
	return p;
}

/* Moves to the next phase; returns the writes acknowledged until then. */
static size_t set_phase(int phase)
{
	pthread_mutex_lock(&load.mu);
	load.phase = phase;
	size_t n = load.n;
	pthread_mutex_unlock(&load.mu);
	return n;
}

/* ---- the scenario ---------------------------------------------------------------------------- */

/* The preloaded photos: two ids with the same bytes, and a larger one. */
static struct ack pre[3];
static char tus_id[ID_LEN];

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmp_root))
		return -1;
	snprintf(backup_dir, sizeof backup_dir, "%s/backup-1", tmp_root);
	snprintf(restored, sizeof restored, "%s/restored/data", tmp_root);
	static const char *const env[] = {BOOTSTRAP_ENV, "INSPECTD_MAX_PHOTOS_PER_OBJECT=10000", NULL};
	server_start(&srv, env);
	crew_build(&srv, &crew);
	json_decref(round_create(&srv, crew.cast.supervisor.access, "2023-03", "2023年3月月观摩",
	                         (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, round_id));
	json_decref(
	        inspection_create(&srv, crew.insp_city.access, crew.tree.village_a1, round_id, NULL, NULL, draft_a1));
	json_decref(
	        inspection_create(&srv, crew.insp_city.access, crew.tree.village_a2, round_id, NULL, NULL, draft_a2));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_stop(&srv);
	server_stop(&srv2);
	server_cleanup(&srv);
	server_cleanup(&srv2);
	remove_tree(tmp_root);
	free(load.acks);
	return 0;
}

static void preload(void)
{
	size_t lens[3] = {5000, 5000, 1 << 20};
	const char *tags[3] = {"pre-same;", "pre-same;", "pre-large;"};
	for (int i = 0; i < 3; i++) {
		unsigned char *b = photo_bytes(tags[i], lens[i]);
		struct http_resp r;
		pre[i].kind = 'p';
		uuid_v4(pre[i].id);
		mem_sha256(b, lens[i], pre[i].sha);
		post_photo(srv.direct_url, crew.insp_city.access, draft_a1, pre[i].id, b, lens[i], &r);
		free(b);
		if (r.status != 201)
			fail_msg("preload photo %d: %ld %s", i, r.status, buf_cstr(&r.body));
		http_resp_release(&r);
	}
	assert_string_equal(pre[0].sha, pre[1].sha); /* two rows, one blob */

	/* An unfinished tus upload: 100 of 1000 bytes. */
	char meta[200], b64[100], url[256], auth[6200];
	b64_std(draft_a1, b64);
	snprintf(meta, sizeof meta, "Upload-Metadata: inspection_id %s", b64);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", crew.insp_city.access);
	snprintf(url, sizeof url, "%s/api/v1/uploads", srv.direct_url);
	struct http_resp r;
	http_send("POST", url, (const char *const[]){auth, "Tus-Resumable: 1.0.0", "Upload-Length: 1000", meta, NULL},
	          NULL, 0, 0, &r);
	if (r.status != 201)
		fail_msg("tus creation: %ld %s", r.status, buf_cstr(&r.body));
	json_t *u = http_json(&r);
	snprintf(tus_id, sizeof tus_id, "%s", jstr(u, "id"));
	json_decref(u);
	http_resp_release(&r);
	unsigned char *chunk = photo_bytes("tus;", 100);
	snprintf(url, sizeof url, "%s/api/v1/uploads/%s", srv.direct_url, tus_id);
	http_send("PATCH", url,
	          (const char *const[]){auth, "Tus-Resumable: 1.0.0", "Upload-Offset: 0",
	                                "Content-Type: application/offset+octet-stream", NULL},
	          chunk, 100, 0, &r);
	free(chunk);
	if (r.status != 204)
		fail_msg("tus PATCH: %ld %s", r.status, buf_cstr(&r.body));
	http_resp_release(&r);
}

/* Every photo row of the database in data has its file, with its hash and size. */
static size_t assert_photo_files(const char *data)
{
	char dbpath[512];
	path_in(dbpath, sizeof dbpath, data, "inspectd.db");
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot open %s", dbpath);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT id, sha256, size FROM photos", -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", dbpath, sqlite3_errmsg(h));
	size_t n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0),
		           *sha = (const char *)sqlite3_column_text(st, 1);
		char file[600], hex[65];
		snprintf(file, sizeof file, "%s/photos/%.2s/%.2s/%s", data, sha, sha + 2, sha);
		if (file_sha256(file, hex) != 0)
			fail_msg("photo %s refers to %s, which is missing", id, file);
		if (strcmp(hex, sha) != 0)
			fail_msg("photo %s: %s has SHA-256 %s", id, file, hex);
		struct stat sb;
		stat(file, &sb);
		assert_int_equal((long long)sb.st_size, sqlite3_column_int64(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void test_backup_under_write_load_restores_every_acknowledged_write(void **state)
{
	(void)state;
	preload();
	for (int i = 0; i < 3; i++)
		ack_add('p', pre[i].id, pre[i].sha, 0);

	enum { WRITERS = 4 };
	pthread_t t[WRITERS];
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
	/* Load running: some writes acknowledged by now. */
	for (int i = 0; i < 600 && acks_now() < 40; i++)
		sleep_ms(50);
	/* Every write acknowledged until now must be in the backup. */
	size_t before = set_phase(1);
	struct buf out = BUF_INIT;
	double t0 = now_ms();
	expect_cli((const char *const[]){"backup", backup_dir, "--data", srv.data_dir, NULL}, 0, "jwt.key", &out);
	double backup_ms = now_ms() - t0;
	/* No write sent from now on can be in it. */
	size_t at_end = set_phase(2);
	sleep_ms(300);
	atomic_store(&load.stop, 1);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&load.failures))
		fail_msg("%d writes under load failed; the first: %s", atomic_load(&load.failures), load.failure);
	print_message("backup: %.0f ms with %zu writes acknowledged before, %zu during, %zu after\n", backup_ms, before,
	              at_end - before, acks_now() - at_end);
	if (before < 40)
		fail_msg("only %zu writes were acknowledged before the backup started", before);
	if (at_end == before)
		fail_msg("no write was acknowledged while the backup ran: it did not run under load");
	if (acks_now() == at_end)
		fail_msg("no write was acknowledged after the backup: the server stopped taking writes?");

	/* What the output promises, and the backup's shape. */
	const char *o = buf_cstr(&out);
	if (!strstr(o, "unfinished resumable upload") || !strstr(o, "tokens") || !strstr(o, "thumbnail"))
		fail_msg("the summary does not say what is in and out of the backup:\n%s", o);
	buf_release(&out);
	char p[512];
	assert_int_equal(mode_of(backup_dir), 0700);
	path_in(p, sizeof p, backup_dir, "jwt.key");
	assert_int_equal(mode_of(p), 0600);
	path_in(p, sizeof p, backup_dir, "MANIFEST.json");
	json_error_t jerr;
	json_t *m = json_load_file(p, 0, &jerr);
	if (!m)
		fail_msg("MANIFEST.json: %s", jerr.text);
	assert_string_equal(jstr(m, "format"), "inspectd-backup");
	assert_int_equal(jint(m, "format_version"), 1);
	assert_true(jint(m, "schema_version") >= 8);
	assert_int_equal(jint(json_object_get(m, "skipped"), "unfinished_uploads"), 1);
	long long manifest_rows = jint(json_object_get(m, "photos"), "rows");
	json_decref(m);
	path_in(p, sizeof p, backup_dir, "photos/uploads");
	assert_false(exists(p)); /* no tus bytes */
	assert_int_equal((long long)assert_photo_files(backup_dir), manifest_rows);

	/* Stop, restore into a fresh data directory, serve it. */
	assert_int_equal(server_stop(&srv), 0);
	out = (struct buf)BUF_INIT;
	expect_cli((const char *const[]){"restore", backup_dir, "--data", restored, NULL}, 0, "restored", &out);
	buf_release(&out);
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start_on(&srv2, restored, env);

	/* Tokens issued before the backup still work (jwt.key came along). */
	assert_int_equal(api_status(&srv2, "/api/v1/me", crew.cast.admin.access), 200);
	size_t checked = 0, absent_after = 0;
	for (size_t i = 0; i < load.n; i++) {
		const struct ack *a = &load.acks[i];
		char path[256];
		if (a->kind == 'o')
			pathf(path, sizeof path, "/api/v1/orgs/%s", a->id);
		else
			pathf(path, sizeof path, "/api/v1/photos/%s/content", a->id);
		const char *bearer = a->kind == 'o' ? crew.cast.admin.access : crew.insp_city.access;
		struct http_resp r;
		api_get(&srv2, path, bearer, &r);
		if (a->acked == 0) {
			if (r.status != 200)
				fail_msg("%s was acknowledged before the backup started, but the restore answers %ld",
				         path, r.status);
			if (a->kind == 'p') {
				char hex[65];
				mem_sha256(r.body.data ? r.body.data : "", r.body.len, hex);
				if (strcmp(hex, a->sha) != 0)
					fail_msg("%s: the restored bytes hash to %s, uploaded %s", path, hex, a->sha);
			}
			checked++;
		} else if (a->sent == 2) {
			/* acknowledged after the backup had finished: cannot be in it */
			if (r.status != 404)
				fail_msg("%s was acknowledged after the backup finished, yet the restore answers %ld",
				         path, r.status);
			absent_after++;
		} else if (r.status != 200 && r.status != 404) {
			fail_msg("%s (written during the backup): %ld", path, r.status);
		}
		http_resp_release(&r);
	}
	assert_int_equal(checked, before);
	assert_true(absent_after > 0);

	/* The unfinished upload was left out: the client starts again. */
	char upath[128];
	pathf(upath, sizeof upath, "/api/v1/uploads/%s", tus_id);
	struct http_resp r;
	char auth[6200], url[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", crew.insp_city.access);
	snprintf(url, sizeof url, "%s%s", srv2.direct_url, upath);
	http_send("HEAD", url, (const char *const[]){auth, "Tus-Resumable: 1.0.0", NULL}, NULL, 0, 0, &r);
	assert_int_equal(r.status, 404);
	http_resp_release(&r);

	/* Nothing in the restored database refers to missing or wrong bytes. */
	assert_int_equal((long long)assert_photo_files(restored), manifest_rows);
}

/* Backups refused: DEST not empty, DEST a file, a photo's bytes missing in the source. */
static void test_backup_refusals_change_nothing(void **state)
{
	(void)state;
	expect_cli((const char *const[]){"backup", NULL}, 2, "usage: inspectd backup", NULL);
	expect_cli((const char *const[]){"backup", "--help", NULL}, 0, "usage: inspectd backup DEST", NULL);
	expect_cli((const char *const[]){"restore", "--help", NULL}, 0, "--force", NULL);

	char dest[512], keep[600];
	snprintf(dest, sizeof dest, "%s/not-empty", tmp_root);
	mkdir(dest, 0755);
	path_in(keep, sizeof keep, dest, "keep.txt");
	write_text(keep, "mine\n");
	char *before = tree_listing(dest);
	expect_cli((const char *const[]){"backup", dest, "--data", restored, NULL}, 1, "not an empty directory", NULL);
	char *after = tree_listing(dest);
	assert_string_equal(before, after);
	free(before);
	free(after);

	expect_cli((const char *const[]){"backup", keep, "--data", restored, NULL}, 1, "not an empty directory", NULL);
	struct buf b = BUF_INIT;
	assert_int_equal(read_file(keep, &b), 0);
	assert_string_equal(buf_cstr(&b), "mine\n");
	buf_release(&b);

	/* No database at --data: refused, nothing created. */
	snprintf(dest, sizeof dest, "%s/never", tmp_root);
	expect_cli((const char *const[]){"backup", dest, "--data", tmp_root, NULL}, 1, "no database", NULL);
	assert_false(exists(dest));
}

/* Restores refused while a server has the target open, or without --force. */
static void test_restore_refusals_on_a_live_or_full_target(void **state)
{
	(void)state;
	/* srv2 serves `restored`. */
	char key[512], key_hash[65], key_hash_after[65];
	path_in(key, sizeof key, restored, "jwt.key");
	assert_int_equal(file_sha256(key, key_hash), 0);
	expect_cli((const char *const[]){"restore", backup_dir, "--data", restored, NULL}, 1,
	           "already holds a database", NULL);
	expect_cli((const char *const[]){"restore", backup_dir, "--data", restored, "--force", NULL}, 1, "in use",
	           NULL);
	char aside_glob[512];
	snprintf(aside_glob, sizeof aside_glob, "%s/restored", tmp_root);
	DIR *d = opendir(aside_glob);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strstr(e->d_name, "before-restore"))
			fail_msg("a refused restore moved the data aside: %s", e->d_name);
	closedir(d);
	/* Still served after the refusals, then a clean exit. */
	assert_int_equal(api_status(&srv2, "/api/v1/me", crew.cast.admin.access), 200);
	assert_int_equal(server_stop(&srv2), 0);
	assert_int_equal(file_sha256(key, key_hash_after), 0);
	assert_string_equal(key_hash, key_hash_after);

	/* Still refused without --force once stopped; with it, the old data moves aside. */
	char *before = tree_listing(restored);
	expect_cli((const char *const[]){"restore", backup_dir, "--data", restored, NULL}, 1, "--force", NULL);
	char *after = tree_listing(restored);
	assert_string_equal(before, after);
	free(after);
	expect_cli((const char *const[]){"restore", backup_dir, "--data", restored, "--force", NULL}, 0,
	           "previous data is in", NULL);
	d = opendir(aside_glob);
	assert_non_null(d);
	char aside[1024] = "";
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "data.before-restore-", 20) == 0)
			snprintf(aside, sizeof aside, "%s/%s", aside_glob, e->d_name);
	closedir(d);
	if (!*aside)
		fail_msg("--force left no data.before-restore-<time> beside %s", restored);
	char *moved = tree_listing(aside);
	assert_string_equal(before, moved); /* the old data, whole */
	free(before);
	free(moved);
	assert_true(assert_photo_files(restored) > 0);
}

/* A copy of the backup (its blobs as new files, never links: tampering must
 * not reach the data the backup came from). */
static int cp_root_len;
static char cp_to[512];
static int cp_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	char to[1024];
	snprintf(to, sizeof to, "%s%s", cp_to, path + cp_root_len);
	if (flag == FTW_D)
		return mkdir(to, sb->st_mode & 07777) == 0 ? 0 : -1;
	struct buf b = BUF_INIT;
	if (read_file(path, &b) != 0)
		return -1;
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL, sb->st_mode & 07777);
	int ok = fd >= 0 && write(fd, b.data ? b.data : "", b.len) == (ssize_t)b.len;
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	return ok ? 0 : -1;
}

static void copy_backup(const char *to)
{
	cp_root_len = (int)strlen(backup_dir);
	snprintf(cp_to, sizeof cp_to, "%s", to);
	if (nftw(backup_dir, cp_entry, 16, FTW_PHYS) != 0)
		fail_msg("cannot copy %s to %s", backup_dir, to);
}

/* Restores refused from a damaged backup, the target untouched. */
static void test_restore_refuses_a_damaged_backup(void **state)
{
	(void)state;
	char target[512], copy[512], p[700];
	snprintf(target, sizeof target, "%s/target/data", tmp_root);

	/* A tampered photo. */
	snprintf(copy, sizeof copy, "%s/tampered-blob", tmp_root);
	copy_backup(copy);
	char dbfile[600];
	path_in(dbfile, sizeof dbfile, copy, "inspectd.db");
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(dbfile, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT sha256 FROM photos ORDER BY size DESC LIMIT 1", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char sha[65];
	snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	snprintf(p, sizeof p, "%s/photos/%.2s/%.2s/%s", copy, sha, sha + 2, sha);
	int fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 5000), 1); /* one byte, same size */
	close(fd);
	expect_cli((const char *const[]){"restore", copy, "--data", target, NULL}, 1, "damaged", NULL);
	assert_false(exists(target));
	/* The same backup unharmed restores (the refusal was the byte). */
	snprintf(copy, sizeof copy, "%s/intact", tmp_root);
	copy_backup(copy);
	expect_cli((const char *const[]){"restore", copy, "--data", target, NULL}, 0, "restored", NULL);
	remove_tree(target);

	/* A truncated manifest. */
	snprintf(copy, sizeof copy, "%s/truncated-manifest", tmp_root);
	copy_backup(copy);
	path_in(p, sizeof p, copy, "MANIFEST.json");
	assert_int_equal(truncate(p, 40), 0);
	expect_cli((const char *const[]){"restore", copy, "--data", target, NULL}, 1, "MANIFEST.json is damaged", NULL);
	assert_false(exists(target));

	/* A manifest that is valid JSON but not this database's. */
	snprintf(copy, sizeof copy, "%s/altered-manifest", tmp_root);
	copy_backup(copy);
	path_in(p, sizeof p, copy, "MANIFEST.json");
	json_t *m = json_load_file(p, 0, NULL);
	assert_non_null(m);
	json_object_set_new(json_object_get(m, "database"), "sha256",
	                    json_string("0000000000000000000000000000000000000000000000000000000000000000"));
	assert_int_equal(json_dump_file(m, p, 0), 0);
	json_decref(m);
	expect_cli((const char *const[]){"restore", copy, "--data", target, NULL}, 1, "does not match the manifest",
	           NULL);
	assert_false(exists(target));

	/* No manifest (a backup that never finished). */
	unlink(p);
	expect_cli((const char *const[]){"restore", copy, "--data", target, NULL}, 1, "no MANIFEST.json", NULL);
	assert_false(exists(target));

	/* An existing empty target stays empty after a refusal. */
	mkdir(target, 0750);
	expect_cli((const char *const[]){"restore", copy, "--data", target, NULL}, 1, "no MANIFEST.json", NULL);
	char *listing = tree_listing(target);
	assert_string_equal(listing, " 750 0 -\n");
	free(listing);
}

/* A data directory missing a photo's bytes: the backup fails clearly and leaves no partial backup. */
static void test_backup_of_damaged_data_fails_and_leaves_nothing(void **state)
{
	(void)state;
	char *sha = NULL;
	char dbfile[600];
	path_in(dbfile, sizeof dbfile, restored, "inspectd.db");
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(dbfile, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT sha256 FROM photos LIMIT 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	sha = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	char blob[700], dest[512];
	snprintf(blob, sizeof blob, "%s/photos/%.2s/%.2s/%s", restored, sha, sha + 2, sha);
	assert_int_equal(unlink(blob), 0);
	snprintf(dest, sizeof dest, "%s/backup-of-damaged", tmp_root);
	expect_cli((const char *const[]){"backup", dest, "--data", restored, NULL}, 1,
	           "missing from the data directory", NULL);
	assert_false(exists(dest));
	/* Into an existing empty directory: emptied again, kept. */
	mkdir(dest, 0755);
	expect_cli((const char *const[]){"backup", dest, "--data", restored, NULL}, 1, sha, NULL);
	char *listing = tree_listing(dest);
	assert_string_equal(listing, " 700 0 -\n");
	free(listing);
	free(sha);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_backup_under_write_load_restores_every_acknowledged_write),
	        cmocka_unit_test(test_backup_refusals_change_nothing),
	        cmocka_unit_test(test_restore_refusals_on_a_live_or_full_target),
	        cmocka_unit_test(test_restore_refuses_a_damaged_backup),
	        cmocka_unit_test(test_backup_of_damaged_data_fails_and_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
