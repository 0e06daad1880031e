/*
 * inspectd backup / inspectd restore (backup.h has the contract).
 *
 * This is a maintenance tool on raw SQLite handles, not a store: it copies
 * whole databases with the backup API and reads the photo rows of a copy,
 * so its few SQL texts live here rather than in db/.
 */
#define _GNU_SOURCE /* nftw */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "blob_store.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "http/server.h"

enum {
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	FORMAT_VERSION = 1,
	STEP_PAGES = 256,       /* pages per sqlite3_backup_step */
	BUSY_WAIT_MS = 20,      /* between retries of a busy or locked step */
	BUSY_MAX_WAITS = 15000, /* 5 minutes of them */
	BACKUP_ATTEMPTS = 3,    /* a photo deleted during the copy starts it again */
	MANIFEST_MAX = 1 << 20, /* bytes */
	COPY_CHUNK = 64 * 1024,
};

static const char FORMAT_NAME[] = "inspectd-backup";
static const char DB_FILE[] = "inspectd.db";
static const char MANIFEST_FILE[] = "MANIFEST.json";

static const char SQL_HAS_TABLE[] = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1";
static const char SQL_PHOTO_ROWS[] = "SELECT count(*) FROM photos";
/* One row per stored blob: its hash, size and a photo naming it (for messages). */
static const char SQL_BLOBS[] =
        "SELECT sha256, min(size), max(size), min(id) FROM photos GROUP BY sha256 ORDER BY sha256";
static const char SQL_SHA_REFS[] = "SELECT count(*) FROM photos WHERE sha256 = ?1";
/* Unfinished tus uploads: their bytes are not in a backup, so neither are
 * their rows (a client resuming one gets 404 and starts again). */
static const char SQL_DROP_UPLOADS[] = "DELETE FROM uploads WHERE photo_id IS NULL";

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int join(char out[PATH_MAX], const char *dir, const char *name)
{
	return (size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX ? 0 : -1;
}

/* <root>/photos/ab/cd and the blob's file in it (blob_store's layout). */
static int blob_paths(const char *root, const char *sha, char dir[PATH_MAX], char file[PATH_MAX])
{
	char photos[PATH_MAX];
	if ((size_t)snprintf(photos, sizeof photos, "%s/photos", root) >= sizeof photos)
		return -1;
	return blob_layout(photos, sha, dir, PATH_MAX, file, PATH_MAX);
}

static void human_bytes(long long n, char *out, size_t outlen)
{
	if (n < 1024)
		snprintf(out, outlen, "%lld bytes", n);
	else if (n < 1024 * 1024)
		snprintf(out, outlen, "%.1f KiB", (double)n / 1024);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(out, outlen, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(out, outlen, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
}

/* The UTC time now: RFC 3339 (compact: for file names). */
static void utc_now(char *out, size_t outlen, int compact)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, outlen, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- files ----------------------------------------------------------------------------------- */

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdir that accepts an existing directory. */
static int mkdir_one(const char *dir, mode_t mode)
{
	struct stat st;
	if (mkdir(dir, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

/* <root>/photos/ab/cd, each level made with mode when missing. */
static int make_blob_dir(const char *root, const char *sha, mode_t mode)
{
	char dir[PATH_MAX];
	int n = snprintf(dir, sizeof dir, "%s/photos", root);
	if (n < 0 || (size_t)n + 7 >= sizeof dir || mkdir_one(dir, mode) != 0)
		return -1;
	snprintf(dir + n, sizeof dir - (size_t)n, "/%.2s", sha);
	if (mkdir_one(dir, mode) != 0)
		return -1;
	snprintf(dir + n + 3, sizeof dir - (size_t)n - 3, "/%.2s", sha + 2);
	return mkdir_one(dir, mode);
}

/* The SHA-256 (hex) and size of a file's bytes. */
static int hash_file(const char *path, char hex[BLOB_HEX + 1], long long *size, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
	struct sha256_stream h;
	sha256_begin(&h);
	char *chunk = xmalloc(COPY_CHUNK);
	long long total = 0;
	ssize_t n;
	while ((n = read(fd, chunk, COPY_CHUNK)) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		sha256_add(&h, chunk, (size_t)n);
		total += n;
	}
	int rd_errno = errno;
	free(chunk);
	close(fd);
	if (n < 0)
		return fail(err, errlen, "cannot read %s: %s", path, strerror(rd_errno));
	uint8_t digest[SHA256_BYTES];
	sha256_end(&h, digest);
	hex_lower(digest, SHA256_BYTES, hex);
	*size = total;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copies src into the new file dst (never over an existing one) with mode,
 * fsyncs it, and gives the SHA-256 and size of the bytes written. A failed
 * copy leaves no dst.
 */
static int copy_file(const char *src, const char *dst, mode_t mode, char hex[BLOB_HEX + 1], long long *size, char *err,
                     size_t errlen)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail(err, errlen, "cannot open %s: %s", src, strerror(errno));
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		fail(err, errlen, "cannot create %s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	struct sha256_stream h;
	sha256_begin(&h);
	char *chunk = xmalloc(COPY_CHUNK);
	long long total = 0;
	int rc = -1;
	for (;;) {
		ssize_t n = read(in, chunk, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(err, errlen, "cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (write_all(out, chunk, (size_t)n) != 0) {
			fail(err, errlen, "cannot write %s: %s", dst, strerror(errno));
			goto out;
		}
		sha256_add(&h, chunk, (size_t)n);
		total += n;
	}
	if (fchmod(out, mode) != 0 || fsync(out) != 0) {
		fail(err, errlen, "cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	uint8_t digest[SHA256_BYTES];
	sha256_end(&h, digest);
	hex_lower(digest, SHA256_BYTES, hex);
	*size = total;
	rc = 0;
out:
	free(chunk);
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = fail(err, errlen, "cannot write %s: %s", dst, strerror(errno));
	if (rc != 0)
		unlink(dst);
	return rc;
}

/*
 * Puts the bytes of src at dst: a hard link when both are on one filesystem
 * (blobs never change: a name is their hash), else an fsynced copy, whose
 * hash and size come back in hex / size (*linked 0). A link leaves hex empty.
 */
static int place_blob(const char *src, const char *dst, mode_t mode, int *linked, char hex[BLOB_HEX + 1],
                      long long *size, char *err, size_t errlen)
{
	hex[0] = '\0';
	if (link(src, dst) == 0) {
		*linked = 1;
		return 0;
	}
	if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP && errno != EOPNOTSUPP)
		return fail(err, errlen, "cannot link %s to %s: %s", src, dst, strerror(errno));
	*linked = 0;
	return copy_file(src, dst, mode, hex, size, err, errlen);
}

/* -1 error, 0 missing, 1 an empty directory, 2 a directory with entries, 3 something else. */
static int dir_state(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return 3;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int state = 1;
	struct dirent *e;
	while (state == 1 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			state = 2;
	closedir(d);
	return state;
}

static int file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	return join(path, dir, name) == 0 && lstat(path, &st) == 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level == 0)
		return 0; /* the top directory itself stays */
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes everything inside dir (dir stays). Never follows symlinks. */
static int remove_contents(const char *dir)
{
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int fsync_dir_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DP)
		return fsync_path(path) == 0 ? 0 : -1;
	return 0;
}

/* fsyncs dir and every directory below it (new names are durable). */
static int fsync_dirs(const char *dir)
{
	return nftw(dir, fsync_dir_entry, 16, FTW_PHYS);
}

/* 1 when inner is outer or lies below it (both must exist). */
static int path_within(const char *inner, const char *outer)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (!realpath(inner, a) || !realpath(outer, b))
		return 0;
	size_t n = strlen(b);
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/' || (n == 1 && b[0] == '/'));
}

/* ---- SQLite ---------------------------------------------------------------------------------- */

static int sqlite_open(const char *path, int flags, sqlite3 **out, char *err, size_t errlen)
{
	*out = NULL;
	int rc = sqlite3_open_v2(path, out, flags, NULL);
	if (rc != SQLITE_OK) {
		fail(err, errlen, "cannot open database %s: %s", path,
		     *out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
		sqlite3_close(*out);
		*out = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(*out, 1);
	sqlite3_busy_timeout(*out, 5000);
	return 0;
}

static int sql_exec(sqlite3 *h, const char *sql, const char *what, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fail(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	return -1;
}

/* The first column of the first row of sql (with ?1 bound to arg when not NULL). */
static int sql_int(sqlite3 *h, const char *sql, const char *arg, long long *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && arg)
		rc = sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		fail(err, errlen, "database query failed: %s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

static int has_table(sqlite3 *h, const char *name, int *out, char *err, size_t errlen)
{
	long long n = 0;
	if (sql_int(h, SQL_HAS_TABLE, name, &n, err, errlen) != 0)
		return -1;
	*out = n > 0;
	return 0;
}

/* PRAGMA integrity_check answers exactly one row, "ok", for a sound database. */
static int integrity_ok(sqlite3 *h, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return fail(err, errlen, "cannot check %s: %s", what, sqlite3_errmsg(h));
	int rows = 0, ok = 0, rc;
	char first[512] = "";
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (rows++ == 0) {
			snprintf(first, sizeof first, "%s", t ? t : "");
			ok = t && strcmp(t, "ok") == 0;
		}
	}
	if (rc != SQLITE_DONE)
		fail(err, errlen, "the integrity check of %s failed: %s", what, sqlite3_errmsg(h));
	else if (!ok || rows != 1)
		fail(err, errlen, "the integrity check of %s failed: %s", what, first);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE && ok && rows == 1 ? 0 : -1;
}

/*
 * Copies src into dst with the online backup API, a few pages per step.
 * The caller holds a read transaction on src, so every step reads the same
 * snapshot: the copy is the database as it was when that transaction began,
 * and a server writing meanwhile (WAL: readers never block writers) neither
 * waits for it nor makes it start over.
 */
static int copy_database(sqlite3 *src, sqlite3 *dst, char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return fail(err, errlen, "cannot start the database copy: %s", sqlite3_errmsg(dst));
	int rc, waits = 0;
	while ((rc = sqlite3_backup_step(b, STEP_PAGES)) != SQLITE_DONE) {
		int primary = rc & 0xff;
		if (primary == SQLITE_OK)
			continue;
		if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) && waits++ < BUSY_MAX_WAITS) {
			sqlite3_sleep(BUSY_WAIT_MS);
			continue;
		}
		break;
	}
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return fail(err, errlen, "the database copy failed: %s", sqlite3_errstr(rc));
	if (frc != SQLITE_OK)
		return fail(err, errlen, "the database copy failed: %s", sqlite3_errmsg(dst));
	return 0;
}

/*
 * 1 when another connection has the database open (a running server), 0
 * when not. A connection to a WAL database holds a shared lock on the file
 * for as long as it is open; with locking_mode=EXCLUSIVE the first read
 * needs the exclusive lock (and BEGIN EXCLUSIVE does in rollback mode),
 * which is refused while any other connection exists.
 */
static int db_in_use(const char *path, char *err, size_t errlen)
{
	sqlite3 *h;
	if (sqlite_open(path, SQLITE_OPEN_READWRITE, &h, err, errlen) != 0)
		return -1;
	sqlite3_busy_timeout(h, 200);
	char *msg = NULL;
	int rc = sqlite3_exec(
	        h, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_schema; COMMIT;", NULL,
	        NULL, &msg);
	int primary = rc & 0xff;
	int result = 0;
	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		result = 1;
	else if (rc != SQLITE_OK)
		result = fail(err, errlen, "cannot open database %s: %s", path, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	sqlite3_close(h);
	return result;
}

/* ---- backup ------------------------------------------------------------------------------ */

struct backup_stats {
	long long schema;
	long long db_bytes;
	char db_sha[BLOB_HEX + 1];
	long long photo_rows, blobs, blob_bytes, linked, copied;
	long long uploads_dropped, upload_files;
	int jwt_key;
};

enum { BACKUP_OK = 0, BACKUP_FAILED = -1, BACKUP_AGAIN = 1 };

/*
 * Copies the blob of every photo row of the copy dst (from the data
 * directory data into dest), verifying each. BACKUP_AGAIN when a blob is
 * gone because its last photo was deleted after the snapshot (src, the live
 * database, no longer names it).
 */
static int backup_blobs(const char *data, const char *dest, sqlite3 *src, sqlite3 *dst, struct backup_stats *st,
                        char *err, size_t errlen)
{
	int present;
	if (has_table(dst, "photos", &present, err, errlen) != 0)
		return BACKUP_FAILED;
	if (!present)
		return BACKUP_OK; /* a database older than photos */
	if (sql_int(dst, SQL_PHOTO_ROWS, NULL, &st->photo_rows, err, errlen) != 0)
		return BACKUP_FAILED;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(dst, SQL_BLOBS, -1, &q, NULL) != SQLITE_OK) {
		fail(err, errlen, "cannot read the photos of the copy: %s", sqlite3_errmsg(dst));
		return BACKUP_FAILED;
	}
	int result = BACKUP_OK, rc;
	while (result == BACKUP_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		char sha[BLOB_HEX + 1], id[64], hex[BLOB_HEX + 1];
		snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(q, 0));
		long long want = sqlite3_column_int64(q, 1), want_max = sqlite3_column_int64(q, 2);
		snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(q, 3));
		char sdir[PATH_MAX], sfile[PATH_MAX], ddir[PATH_MAX], dfile[PATH_MAX];
		if (!blob_sha256_valid(sha) || want != want_max) {
			fail(err, errlen, "photo %s has a malformed sha256 or disagreeing sizes in the database", id);
			result = BACKUP_FAILED;
			break;
		}
		if (blob_paths(data, sha, sdir, sfile) != 0 || blob_paths(dest, sha, ddir, dfile) != 0) {
			fail(err, errlen, "path too long under %s", dest);
			result = BACKUP_FAILED;
			break;
		}
		struct stat sb;
		if (lstat(sfile, &sb) != 0 && errno == ENOENT) {
			long long refs = 0;
			if (sql_int(src, SQL_SHA_REFS, sha, &refs, err, errlen) != 0) {
				result = BACKUP_FAILED;
			} else if (refs == 0) {
				fail(err, errlen,
				     "the bytes of photo %s were removed (the photo was deleted) while the backup ran",
				     id);
				result = BACKUP_AGAIN;
			} else {
				fail(err, errlen,
				     "photo %s refers to bytes %s that are missing from the data directory (%s): the "
				     "data "
				     "directory is damaged, so no complete backup of it can be made",
				     id, sha, sfile);
				result = BACKUP_FAILED;
			}
			break;
		}
		errno = 0;
		if (lstat(sfile, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			fail(err, errlen, "cannot read %s (photo %s): %s", sfile, id,
			     errno ? strerror(errno) : "not a regular file");
			result = BACKUP_FAILED;
			break;
		}
		int linked = 0;
		long long size = 0;
		if (make_blob_dir(dest, sha, 0700) != 0) {
			fail(err, errlen, "cannot create %s: %s", ddir, strerror(errno));
			result = BACKUP_FAILED;
			break;
		}
		if (place_blob(sfile, dfile, 0600, &linked, hex, &size, err, errlen) != 0 ||
		    (linked && hash_file(dfile, hex, &size, err, errlen) != 0)) {
			result = BACKUP_FAILED;
			break;
		}
		if (strcmp(hex, sha) != 0 || size != want) {
			fail(err, errlen,
			     "the bytes of photo %s in the data directory (%s) are damaged: %lld bytes with SHA-256 "
			     "%s, "
			     "the database says %lld bytes with %s",
			     id, sfile, size, hex, want, sha);
			result = BACKUP_FAILED;
			break;
		}
		st->blobs++;
		st->blob_bytes += size;
		if (linked)
			st->linked++;
		else
			st->copied++;
	}
	if (result == BACKUP_OK && rc != SQLITE_DONE) {
		fail(err, errlen, "cannot read the photos of the copy: %s", sqlite3_errmsg(dst));
		result = BACKUP_FAILED;
	}
	sqlite3_finalize(q);
	char photos[PATH_MAX];
	if (result == BACKUP_OK && join(photos, dest, "photos") == 0 && st->blobs > 0 && fsync_dirs(photos) != 0) {
		fail(err, errlen, "cannot fsync %s: %s", photos, strerror(errno));
		result = BACKUP_FAILED;
	}
	return result;
}

/* One attempt at the database and the photos (backup_blobs' results). */
static int backup_once(const char *data, const char *dest, struct backup_stats *st, char *err, size_t errlen)
{
	char src_path[PATH_MAX], dst_path[PATH_MAX];
	sqlite3 *src = NULL, *dst = NULL;
	int result = BACKUP_FAILED;
	memset(st, 0, sizeof *st);
	if (join(src_path, data, DB_FILE) != 0 || join(dst_path, dest, DB_FILE) != 0) {
		fail(err, errlen, "path too long");
		goto out;
	}
	/* READWRITE without CREATE: a WAL reader needs the -shm, and a
	 * mistyped --data must not create an empty database. */
	if (sqlite_open(src_path, SQLITE_OPEN_READWRITE, &src, err, errlen) != 0)
		goto out;
	if (sql_exec(src, "BEGIN", "cannot read the database", err, errlen) != 0 ||
	    sql_int(src, "PRAGMA user_version", NULL, &st->schema, err, errlen) != 0)
		goto out;
	if (st->schema > db_latest_version()) {
		fail(err, errlen, "the database (schema %lld) is newer than this inspectd knows (%d)", st->schema,
		     db_latest_version());
		goto out;
	}
	if (sqlite_open(dst_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err, errlen) != 0 ||
	    copy_database(src, dst, err, errlen) != 0)
		goto out;
	if (sql_exec(src, "COMMIT", "cannot end the read snapshot", err, errlen) != 0)
		goto out;
	/* The copy is one self-contained file: rollback journal, not WAL
	 * (inspectd serve switches a restored database back to WAL). */
	int uploads = 0;
	if (sql_exec(dst, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;", "cannot set up the copy", err,
	             errlen) != 0 ||
	    has_table(dst, "uploads", &uploads, err, errlen) != 0)
		goto out;
	if (uploads) {
		if (sql_exec(dst, SQL_DROP_UPLOADS, "cannot drop unfinished uploads from the copy", err, errlen) != 0)
			goto out;
		st->uploads_dropped = sqlite3_changes(dst);
	}
	long long copy_schema = -1;
	if (integrity_ok(dst, "the copied database", err, errlen) != 0 ||
	    sql_int(dst, "PRAGMA user_version", NULL, &copy_schema, err, errlen) != 0)
		goto out;
	if (copy_schema != st->schema) {
		fail(err, errlen, "the copy has schema %lld, the database %lld", copy_schema, st->schema);
		goto out;
	}
	result = backup_blobs(data, dest, src, dst, st, err, errlen);
	if (result != BACKUP_OK)
		goto out;
	result = BACKUP_FAILED;
	if (sqlite3_close(dst) != SQLITE_OK) {
		fail(err, errlen, "cannot close the copied database: %s", sqlite3_errmsg(dst));
		goto out;
	}
	dst = NULL;
	if (file_exists(dest, "inspectd.db-journal") || file_exists(dest, "inspectd.db-wal")) {
		fail(err, errlen, "the copied database left a journal behind");
		goto out;
	}
	if (fsync_path(dst_path) != 0) {
		fail(err, errlen, "cannot fsync %s: %s", dst_path, strerror(errno));
		goto out;
	}
	if (hash_file(dst_path, st->db_sha, &st->db_bytes, err, errlen) != 0)
		goto out;
	result = BACKUP_OK;
out:
	sqlite3_close(dst);
	if (src && !sqlite3_get_autocommit(src))
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(src);
	return result;
}

/* Regular files in <data>/photos/uploads: unfinished tus uploads. */
static long long count_upload_files(const char *data)
{
	char dir[PATH_MAX];
	if ((size_t)snprintf(dir, sizeof dir, "%s/photos/uploads", data) >= sizeof dir)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	long long n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int write_manifest(const char *dest, const char *data, const struct backup_stats *st, char *err, size_t errlen)
{
	char created[32], data_abs[PATH_MAX];
	utc_now(created, sizeof created, 0);
	if (!realpath(data, data_abs))
		snprintf(data_abs, sizeof data_abs, "%s", data);
	json_t *m =
	        json_pack("{s:s, s:i, s:s, s:I, s:s, s:s, s:{s:s, s:I, s:s}, s:{s:I, s:I, s:I}, s:b, s:{s:I, s:s}}",
	                  "format", FORMAT_NAME, "format_version", FORMAT_VERSION, "inspectd_version", INSPECTD_VERSION,
	                  "schema_version", (json_int_t)st->schema, "created_at", created, "source", data_abs,
	                  "database", "file", DB_FILE, "bytes", (json_int_t)st->db_bytes, "sha256", st->db_sha,
	                  "photos", "rows", (json_int_t)st->photo_rows, "blobs", (json_int_t)st->blobs, "bytes",
	                  (json_int_t)st->blob_bytes, "jwt_key", st->jwt_key, "skipped", "unfinished_uploads",
	                  (json_int_t)st->uploads_dropped, "thumbnails", "not included: made again on demand");
	if (!m)
		return fail(err, errlen, "cannot build the manifest (source path not UTF-8?)");
	char *text = json_dumps(m, JSON_INDENT(2));
	json_decref(m);
	char tmp[PATH_MAX], final[PATH_MAX];
	int rc = -1;
	if (join(tmp, dest, "MANIFEST.json.tmp") != 0 || join(final, dest, MANIFEST_FILE) != 0) {
		fail(err, errlen, "path too long");
		goto out;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	int wrc = write_all(fd, text, strlen(text)) == 0 && write_all(fd, "\n", 1) == 0 && fsync(fd) == 0 ? 0 : -1;
	if (close(fd) != 0)
		wrc = -1;
	/* Last: a directory without MANIFEST.json is no backup. */
	if (wrc != 0 || rename(tmp, final) != 0 || fsync_path(dest) != 0) {
		fail(err, errlen, "cannot write %s: %s", final, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

static const char backup_usage[] = "usage: inspectd backup DEST [--data DIR]\n";

static void backup_help(void)
{
	printf("%s\n"
	       "Copies the data directory into the new directory DEST (created 0700; an existing\n"
	       "empty directory is used, anything else is refused: a backup never overwrites)\n"
	       "while inspectd serve keeps running and writing:\n"
	       "  inspectd.db    the database as of one moment, through SQLite's online backup API,\n"
	       "                 integrity-checked\n"
	       "  photos/        the bytes of every photo in that copy, each checked against its\n"
	       "                 SHA-256 (hard links when DEST is on the data's filesystem)\n"
	       "  jwt.key        the token signing keys, so tokens stay valid after a restore\n"
	       "                 (a secret: keep the backup private)\n"
	       "  MANIFEST.json  written last; restore refuses a directory without it\n"
	       "Not included: unfinished resumable uploads (clients start them again) and the\n"
	       "thumbnail cache (made again on demand). On any failure DEST is removed again.\n\n",
	       backup_usage);
	config_print_help(stdout, CONFIG_CMD_ADMIN);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Copies <data>/jwt.key when there is one. */
static int backup_key(const char *data, const char *dest, struct backup_stats *st, char *err, size_t errlen)
{
	char src[PATH_MAX], dst[PATH_MAX], hex[BLOB_HEX + 1];
	long long size;
	if (join(src, data, "jwt.key") != 0 || join(dst, dest, "jwt.key") != 0)
		return fail(err, errlen, "path too long");
	struct stat sb;
	if (lstat(src, &sb) != 0 && errno == ENOENT)
		return 0;
	if (copy_file(src, dst, 0600, hex, &size, err, errlen) != 0)
		return -1;
	st->jwt_key = 1;
	return 0;
}

static void backup_summary(const char *data, const char *dest, const struct backup_stats *st, double secs)
{
	char dbsize[32], blobsize[32];
	human_bytes(st->db_bytes, dbsize, sizeof dbsize);
	human_bytes(st->blob_bytes, blobsize, sizeof blobsize);
	printf("inspectd: backed up %s to %s in %.1f s: the database (schema %lld, %s, integrity ok, as it was when "
	       "the backup began), %lld photos in %lld files (%s; %lld hard-linked, %lld copied, every one checked "
	       "against its SHA-256)",
	       data, dest, secs, st->schema, dbsize, st->photo_rows, st->blobs, blobsize, st->linked, st->copied);
	if (st->jwt_key)
		printf(" and jwt.key, so tokens issued before the backup stay valid after a restore (it is a secret: "
		       "%s is readable by its owner only; keep it so)",
		       dest);
	else
		printf("; there was no jwt.key in %s to copy", data);
	const char *key_env = getenv("INSPECTD_JWT_KEY_FILE");
	if (key_env && *key_env)
		printf("; INSPECTD_JWT_KEY_FILE=%s is outside the backup: keep that file yourself", key_env);
	printf(". Not included: %lld unfinished resumable upload(s) (%lld file(s) in photos/uploads; their clients "
	       "start them again) and the thumbnail cache (made again on demand).",
	       st->uploads_dropped, st->upload_files);
	if (st->linked > 0)
		printf(" Hard-linked photos share the data directory's disk: copy %s to another machine to survive "
		       "losing that disk.",
		       dest);
	printf("\n");
}

int cli_backup(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			backup_help();
			return 0;
		}
	if (argc < 1 || argv[0][0] == '-' || !argv[0][0]) {
		fprintf(stderr, "%s", backup_usage);
		return EXIT_USAGE;
	}
	const char *dest = argv[0];
	struct config cfg;
	char err[1024];
	if (config_load(&cfg, CONFIG_CMD_ADMIN, env_lookup, argc - 1, argv + 1, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		config_release(&cfg);
		return EXIT_USAGE;
	}
	log_set_level((enum log_level)cfg.log_level);
	const char *data = cfg.data_dir;
	int rc = EXIT_FAIL, created = 0, started = 0;
	struct backup_stats st;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char db_path[PATH_MAX];
	struct stat sb;
	if (crypto_init() != 0) {
		fprintf(stderr, "inspectd: cannot initialise cryptography\n");
		goto out;
	}
	if (join(db_path, data, DB_FILE) != 0 || stat(db_path, &sb) != 0) {
		fprintf(stderr,
		        "inspectd: backup refused: there is no database at %s/%s (check --data / INSPECTD_DATA)\n",
		        data, DB_FILE);
		goto out;
	}
	switch (dir_state(dest)) {
	case 0:
		if (mkdir(dest, 0700) != 0) {
			fprintf(stderr, "inspectd: backup refused: cannot create %s: %s\n", dest, strerror(errno));
			goto out;
		}
		created = 1;
		break;
	case 1:
		if (chmod(dest, 0700) != 0) {
			fprintf(stderr, "inspectd: backup refused: cannot make %s private: %s\n", dest,
			        strerror(errno));
			goto out;
		}
		break;
	case 2:
	case 3:
		fprintf(stderr,
		        "inspectd: backup refused: %s already exists and is not an empty directory; a backup never "
		        "overwrites anything: name a new directory\n",
		        dest);
		goto out;
	default: fprintf(stderr, "inspectd: backup refused: cannot inspect %s: %s\n", dest, strerror(errno)); goto out;
	}
	started = 1;
	if (path_within(dest, data)) {
		snprintf(err, sizeof err, "%s lies inside the data directory %s: a backup belongs elsewhere", dest,
		         data);
		goto fail;
	}
	for (int attempt = 1;; attempt++) {
		int r = backup_once(data, dest, &st, err, sizeof err);
		if (r == BACKUP_OK)
			break;
		if (r == BACKUP_AGAIN && attempt < BACKUP_ATTEMPTS && remove_contents(dest) == 0) {
			fprintf(stderr, "inspectd: %s; starting the backup again\n", err);
			continue;
		}
		goto fail;
	}
	st.upload_files = count_upload_files(data);
	if (backup_key(data, dest, &st, err, sizeof err) != 0 || write_manifest(dest, data, &st, err, sizeof err) != 0)
		goto fail;
	backup_summary(data, dest, &st, seconds_since(&t0));
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "inspectd: backup failed: %s\n", err);
out:
	if (rc != 0 && started) {
		int removed = remove_contents(dest) == 0 && (!created || rmdir(dest) == 0);
		fprintf(stderr,
		        removed ? "inspectd: the partial backup in %s was removed\n"
		                : "inspectd: could not remove the partial backup in %s: remove it by hand\n",
		        dest);
	}
	config_release(&cfg);
	return rc;
}

/* ---- restore ----------------------------------------------------------------------------------- */

struct manifest {
	long long schema, db_bytes, photo_rows, blobs, blob_bytes;
	char db_sha[BLOB_HEX + 1];
	char created_at[64], version[64];
	int jwt_key;
};

/* What verification found: the blobs to place. */
struct blob_list {
	char (*sha)[BLOB_HEX + 1];
	long long n, cap;
};

static void blob_list_add(struct blob_list *l, const char *sha)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->sha = xrealloc(l->sha, (size_t)l->cap * sizeof *l->sha);
	}
	snprintf(l->sha[l->n++], BLOB_HEX + 1, "%s", sha);
}

static int read_manifest(const char *src, struct manifest *m, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (join(path, src, MANIFEST_FILE) != 0)
		return fail(err, errlen, "path too long");
	json_error_t jerr;
	struct stat sb;
	if (stat(path, &sb) != 0)
		return fail(err, errlen, "%s has no %s: it is no (complete) backup", src, MANIFEST_FILE);
	if (sb.st_size > MANIFEST_MAX)
		return fail(err, errlen, "%s is too large to be a manifest", path);
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return fail(err, errlen, "%s is damaged: %s (line %d)", path, jerr.text, jerr.line);
	const char *format = NULL, *version = NULL, *created = NULL, *file = NULL, *sha = NULL;
	json_int_t fv = 0, schema = -1, dbb = -1, rows = -1, blobs = -1, bb = -1;
	int key = 0;
	int rc =
	        json_unpack_ex(j, &jerr, 0, "{s:s, s:I, s:s, s:I, s:s, s:{s:s, s:I, s:s}, s:{s:I, s:I, s:I}, s:b}",
	                       "format", &format, "format_version", &fv, "inspectd_version", &version, "schema_version",
	                       &schema, "created_at", &created, "database", "file", &file, "bytes", &dbb, "sha256",
	                       &sha, "photos", "rows", &rows, "blobs", &blobs, "bytes", &bb, "jwt_key", &key);
	if (rc != 0)
		rc = fail(err, errlen, "%s is damaged: %s", path, jerr.text);
	else if (strcmp(format, FORMAT_NAME) != 0)
		rc = fail(err, errlen, "%s is not an inspectd backup manifest", path);
	else if (fv != FORMAT_VERSION)
		rc = fail(err, errlen, "%s has format version %lld; this inspectd reads version %d", path,
		          (long long)fv, FORMAT_VERSION);
	else if (strcmp(file, DB_FILE) != 0 || !blob_sha256_valid(sha) || schema < 0 || dbb <= 0 || rows < 0 || blobs < 0 ||
	         bb < 0)
		rc = fail(err, errlen, "%s is damaged: bad values", path);
	else if (schema > db_latest_version())
		rc = fail(err, errlen,
		          "the backup has schema %lld, newer than this inspectd knows (%d): restore it with "
		          "inspectd %s or later",
		          (long long)schema, db_latest_version(), version);
	if (rc == 0) {
		m->schema = schema;
		m->db_bytes = dbb;
		m->photo_rows = rows;
		m->blobs = blobs;
		m->blob_bytes = bb;
		m->jwt_key = key;
		snprintf(m->db_sha, sizeof m->db_sha, "%s", sha);
		snprintf(m->created_at, sizeof m->created_at, "%s", created);
		snprintf(m->version, sizeof m->version, "%s", version);
	}
	json_decref(j);
	return rc;
}

/* Checks the backup's database against the manifest and lists its blobs. */
static int verify_database(const char *src, const struct manifest *m, struct blob_list *blobs, char *err, size_t errlen)
{
	char path[PATH_MAX], hex[BLOB_HEX + 1];
	long long size = 0;
	if (join(path, src, DB_FILE) != 0)
		return fail(err, errlen, "path too long");
	if (hash_file(path, hex, &size, err, errlen) != 0)
		return -1;
	if (size != m->db_bytes || strcmp(hex, m->db_sha) != 0)
		return fail(err, errlen, "%s does not match the manifest (%lld bytes, SHA-256 %s; expected %lld, %s)",
		            path, size, hex, m->db_bytes, m->db_sha);
	sqlite3 *h;
	if (sqlite_open(path, SQLITE_OPEN_READONLY, &h, err, errlen) != 0)
		return -1;
	int rc = -1, photos = 0;
	long long schema = -1, rows = 0, bytes = 0;
	sqlite3_stmt *q = NULL;
	if (integrity_ok(h, path, err, errlen) != 0 ||
	    sql_int(h, "PRAGMA user_version", NULL, &schema, err, errlen) != 0 ||
	    has_table(h, "photos", &photos, err, errlen) != 0)
		goto out;
	if (schema != m->schema) {
		fail(err, errlen, "%s has schema %lld, the manifest says %lld", path, schema, m->schema);
		goto out;
	}
	if (photos) {
		if (sql_int(h, SQL_PHOTO_ROWS, NULL, &rows, err, errlen) != 0)
			goto out;
		if (sqlite3_prepare_v2(h, SQL_BLOBS, -1, &q, NULL) != SQLITE_OK) {
			fail(err, errlen, "cannot read the photos of %s: %s", path, sqlite3_errmsg(h));
			goto out;
		}
		int s;
		while ((s = sqlite3_step(q)) == SQLITE_ROW) {
			const char *sha = (const char *)sqlite3_column_text(q, 0);
			if (!sha || !blob_sha256_valid(sha) || sqlite3_column_int64(q, 1) != sqlite3_column_int64(q, 2)) {
				fail(err, errlen, "photo %s has a malformed sha256 or disagreeing sizes",
				     (const char *)sqlite3_column_text(q, 3));
				goto out;
			}
			blob_list_add(blobs, sha);
			bytes += sqlite3_column_int64(q, 1);
		}
		if (s != SQLITE_DONE) {
			fail(err, errlen, "cannot read the photos of %s: %s", path, sqlite3_errmsg(h));
			goto out;
		}
	}
	if (rows != m->photo_rows || blobs->n != m->blobs || bytes != m->blob_bytes) {
		fail(err, errlen,
		     "%s holds %lld photos in %lld files (%lld bytes); the manifest says %lld in %lld (%lld)", path,
		     rows, blobs->n, bytes, m->photo_rows, m->blobs, m->blob_bytes);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_close(h);
	return rc;
}

/* Every blob of the list is in the backup with the right bytes. */
static int verify_blobs(const char *src, const struct blob_list *blobs, char *err, size_t errlen)
{
	for (long long i = 0; i < blobs->n; i++) {
		char dir[PATH_MAX], file[PATH_MAX], hex[BLOB_HEX + 1];
		long long size;
		struct stat sb;
		if (blob_paths(src, blobs->sha[i], dir, file) != 0)
			return fail(err, errlen, "path too long");
		if (lstat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
			return fail(err, errlen, "photo bytes %s are missing from the backup (%s)", blobs->sha[i],
			            file);
		if (hash_file(file, hex, &size, err, errlen) != 0)
			return -1;
		if (strcmp(hex, blobs->sha[i]) != 0)
			return fail(err, errlen, "%s is damaged: its SHA-256 is %s", file, hex);
	}
	return 0;
}

static int verify_backup(const char *src, struct manifest *m, struct blob_list *blobs, char *err, size_t errlen)
{
	if (dir_state(src) != 2)
		return fail(err, errlen, "%s is not a backup directory", src);
	if (read_manifest(src, m, err, errlen) != 0 || verify_database(src, m, blobs, err, errlen) != 0 ||
	    verify_blobs(src, blobs, err, errlen) != 0)
		return -1;
	if (m->jwt_key && !file_exists(src, "jwt.key"))
		return fail(err, errlen, "the manifest lists jwt.key, but %s/jwt.key is missing", src);
	return 0;
}

/*
 * Moves the data directory's contents out of the way, never deleting them:
 * the directory itself to DIR.before-restore-<time>, or, when it cannot be
 * renamed (a mount point, e.g. a Docker volume), its entries into
 * DIR/before-restore-<time>/. aside gets where they went.
 */
static int move_aside(const char *data, char aside[PATH_MAX], int *renamed, char *err, size_t errlen)
{
	char stamp[32];
	utc_now(stamp, sizeof stamp, 1);
	if ((size_t)snprintf(aside, PATH_MAX, "%s.before-restore-%s", data, stamp) >= PATH_MAX)
		return fail(err, errlen, "path too long");
	if (rename(data, aside) == 0) {
		*renamed = 1;
		return 0;
	}
	if (errno != EBUSY && errno != EXDEV && errno != EACCES && errno != EPERM)
		return fail(err, errlen, "cannot move %s to %s: %s", data, aside, strerror(errno));
	*renamed = 0;
	char name[64];
	snprintf(name, sizeof name, "before-restore-%s", stamp);
	if (join(aside, data, name) != 0 || mkdir(aside, 0700) != 0)
		return fail(err, errlen, "cannot create %s: %s", aside, strerror(errno));
	DIR *d = opendir(data);
	if (!d)
		return fail(err, errlen, "cannot read %s: %s", data, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, name) == 0)
			continue;
		char from[PATH_MAX], to[PATH_MAX];
		if (join(from, data, e->d_name) != 0 || join(to, aside, e->d_name) != 0 || rename(from, to) != 0)
			rc = fail(err, errlen, "cannot move %s/%s into %s: %s", data, e->d_name, aside,
			          strerror(errno));
	}
	closedir(d);
	return rc == 0 && fsync_path(data) != 0 ? fail(err, errlen, "cannot fsync %s: %s", data, strerror(errno)) : rc;
}

/* Copies (or links) the verified backup into the data directory; the
 * database gets its name last. */
static int restore_into(const char *src, const char *data, const struct manifest *m, const struct blob_list *blobs,
                        long long *linked, char *err, size_t errlen)
{
	char from[PATH_MAX], to[PATH_MAX], tmp[PATH_MAX], hex[BLOB_HEX + 1];
	long long size;
	if (mkdir_p(data) != 0)
		return fail(err, errlen, "cannot create %s: %s", data, strerror(errno));
	for (long long i = 0; i < blobs->n; i++) {
		char fdir[PATH_MAX], tdir[PATH_MAX];
		int was_linked = 0;
		if (blob_paths(src, blobs->sha[i], fdir, from) != 0 || blob_paths(data, blobs->sha[i], tdir, to) != 0)
			return fail(err, errlen, "path too long");
		if (make_blob_dir(data, blobs->sha[i], 0750) != 0)
			return fail(err, errlen, "cannot create %s: %s", tdir, strerror(errno));
		if (place_blob(from, to, 0640, &was_linked, hex, &size, err, errlen) != 0)
			return -1;
		if (!was_linked && strcmp(hex, blobs->sha[i]) != 0)
			return fail(err, errlen, "%s changed while it was restored", from);
		*linked += was_linked;
	}
	if (m->jwt_key) {
		if (join(from, src, "jwt.key") != 0 || join(tmp, data, "jwt.key.restoring") != 0 ||
		    join(to, data, "jwt.key") != 0)
			return fail(err, errlen, "path too long");
		if (copy_file(from, tmp, 0600, hex, &size, err, errlen) != 0)
			return -1;
		if (rename(tmp, to) != 0)
			return fail(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
	}
	if (join(from, src, DB_FILE) != 0 || join(tmp, data, "inspectd.db.restoring") != 0 ||
	    join(to, data, DB_FILE) != 0)
		return fail(err, errlen, "path too long");
	if (copy_file(from, tmp, 0640, hex, &size, err, errlen) != 0)
		return -1;
	if (strcmp(hex, m->db_sha) != 0 || size != m->db_bytes)
		return fail(err, errlen, "%s changed while it was restored", from);
	if (fsync_dirs(data) != 0)
		return fail(err, errlen, "cannot fsync %s: %s", data, strerror(errno));
	if (rename(tmp, to) != 0 || fsync_path(data) != 0)
		return fail(err, errlen, "cannot put %s in place: %s", to, strerror(errno));
	return 0;
}

static const char restore_usage[] = "usage: inspectd restore SRC [--force] [--data DIR]\n";

static void restore_help(void)
{
	printf("%s\n"
	       "Restores the backup in SRC (made by inspectd backup) into the data directory.\n"
	       "First it verifies everything: MANIFEST.json, the database's SHA-256 and\n"
	       "integrity, and the SHA-256 of every photo; a backup that fails is refused and\n"
	       "nothing is touched. The data directory must be missing or empty; --force moves\n"
	       "a non-empty one aside to DIR.before-restore-<time> (never deleted; when DIR is a\n"
	       "mount point its contents go to DIR/before-restore-<time>/). Refused while another\n"
	       "process (a running inspectd serve) has the database open: stop the service first.\n"
	       "Then inspectd serve serves the restored data (migrating an older schema) and\n"
	       "tokens signed with the restored jwt.key stay valid. Run it as the service's user.\n\n"
	       "  --force                move existing data aside instead of refusing\n\n",
	       restore_usage);
	config_print_help(stdout, CONFIG_CMD_ADMIN);
}

int cli_restore(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			restore_help();
			return 0;
		}
	if (argc < 1 || argv[0][0] == '-' || !argv[0][0]) {
		fprintf(stderr, "%s", restore_usage);
		return EXIT_USAGE;
	}
	const char *src = argv[0];
	int force = 0, nrest = 0;
	char **rest = xcalloc((size_t)argc, sizeof *rest);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else
			rest[nrest++] = argv[i];
	}
	struct config cfg;
	char err[1024];
	if (config_load(&cfg, CONFIG_CMD_ADMIN, env_lookup, nrest, rest, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		config_release(&cfg);
		free(rest);
		return EXIT_USAGE;
	}
	log_set_level((enum log_level)cfg.log_level);
	const char *data = cfg.data_dir;
	struct manifest m;
	struct blob_list blobs = {NULL, 0, 0};
	int rc = EXIT_FAIL, state, renamed = 0, moved = 0;
	char aside[PATH_MAX] = "";
	long long linked = 0;
	if (crypto_init() != 0) {
		fprintf(stderr, "inspectd: cannot initialise cryptography\n");
		goto out;
	}
	if (verify_backup(src, &m, &blobs, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: restore refused: %s; nothing was changed\n", err);
		goto out;
	}
	state = dir_state(data);
	if (state == 2 && (path_within(src, data) || path_within(data, src))) {
		fprintf(stderr, "inspectd: restore refused: the backup %s and the data directory %s overlap\n", src,
		        data);
		goto out;
	}
	if (state == 3 || state < 0) {
		fprintf(stderr, "inspectd: restore refused: %s is not a directory\n", data);
		goto out;
	}
	if (state == 2) {
		char db_path[PATH_MAX];
		int has_db = join(db_path, data, DB_FILE) == 0 && file_exists(data, DB_FILE);
		if (!force) {
			fprintf(stderr,
			        "inspectd: restore refused: %s already holds %s; nothing was changed. Stop the service "
			        "and add "
			        "--force to move it aside (to %s.before-restore-<time>)\n",
			        data, has_db ? "a database" : "files", data);
			goto out;
		}
		int busy = has_db ? db_in_use(db_path, err, sizeof err) : 0;
		if (busy != 0) {
			if (busy > 0)
				fprintf(stderr,
				        "inspectd: restore refused: the database %s is in use by another process (a "
				        "running "
				        "inspectd serve?): stop it first; nothing was changed\n",
				        db_path);
			else
				fprintf(stderr, "inspectd: restore refused: %s; nothing was changed\n", err);
			goto out;
		}
		if (move_aside(data, aside, &renamed, err, sizeof err) != 0) {
			fprintf(stderr, "inspectd: restore failed: %s\n", err);
			goto out;
		}
		moved = 1;
	}
	if (restore_into(src, data, &m, &blobs, &linked, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: restore failed: %s\n", err);
		/* Take back what was placed; the previous data, if any, stays aside. */
		if (renamed) {
			if (remove_contents(data) == 0 && rmdir(data) == 0 && rename(aside, data) == 0)
				fprintf(stderr, "inspectd: the previous data is back in %s\n", data);
			else
				fprintf(stderr, "inspectd: the previous data is in %s\n", aside);
		} else if (moved) {
			fprintf(stderr, "inspectd: %s holds a partial restore; the previous data is in %s\n", data,
			        aside);
		} else if (remove_contents(data) == 0) {
			fprintf(stderr, "inspectd: the partial restore in %s was removed\n", data);
		}
		goto out;
	}
	char blobsize[32];
	human_bytes(m.blob_bytes, blobsize, sizeof blobsize);
	printf("inspectd: restored the backup of %s (inspectd %s, schema %lld) from %s into %s: the database, %lld "
	       "photos in %lld files (%s; %lld hard-linked, every one checked against its SHA-256)%s.",
	       m.created_at, m.version, m.schema, src, data, m.photo_rows, m.blobs, blobsize, linked,
	       m.jwt_key ? " and jwt.key (tokens issued before the backup stay valid)" : "; the backup had no jwt.key");
	if (moved)
		printf(" The previous data is in %s.", aside);
	if (m.schema < db_latest_version())
		printf(" inspectd serve migrates it from schema %lld to %d when it starts.", m.schema,
		       db_latest_version());
	else
		printf(" Start the service with inspectd serve.");
	printf(" Unfinished resumable uploads were not in the backup: clients start them again.\n");
	rc = 0;
out:
	free(blobs.sha);
	free(rest);
	config_release(&cfg);
	return rc;
}
