#define _GNU_SOURCE /* O_TMPFILE */
#include "blob_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "crypto.h"
#include "http/server.h"

struct blob_store {
	char *root;
	char *tmp; /* <root>/tmp */
};

struct blob_writer {
	struct blob_store *bs;
	int fd;
	int anonymous;       /* an O_TMPFILE: no name until commit links one */
	char path[PATH_MAX]; /* the named temporary file otherwise */
	long long size, max;
	struct sha256_stream hash;
	uint8_t head[BLOB_HEAD_BYTES];
	size_t head_len;
};

static void log_errno(const char *what, const char *path)
{
	struct log_line l;
	if (log_begin(&l, LOG_ERROR, "blob", what)) {
		log_str(&l, "path", path);
		log_str(&l, "error", strerror(errno));
		log_end(&l);
	}
}

static enum blob_result from_errno(void)
{
	return errno == ENOSPC || errno == EDQUOT ? BLOB_NO_SPACE : BLOB_IO;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Removes files in tmp: leftovers of writes a crash interrupted. */
static void clean_tmp(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "upload-", 7) != 0)
			continue;
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof path, "%s/%s", tmp, e->d_name) < sizeof path)
			unlink(path);
	}
	closedir(d);
}

struct blob_store *blob_store_open(const char *root, char *err, size_t errlen)
{
	size_t n = strlen(root) + sizeof "/tmp";
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s/tmp", root);
	if (mkdir_p(tmp) != 0) {
		snprintf(err, errlen, "cannot create photo directory %s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	clean_tmp(tmp);
	struct blob_store *bs = xcalloc(1, sizeof *bs);
	bs->root = xstrdup(root);
	bs->tmp = tmp;
	return bs;
}

void blob_store_close(struct blob_store *bs)
{
	if (!bs)
		return;
	free(bs->root);
	free(bs->tmp);
	free(bs);
}

enum blob_result blob_writer_begin(struct blob_store *bs, long long max_bytes, struct blob_writer **out)
{
	struct blob_writer *w = xcalloc(1, sizeof *w);
	w->bs = bs;
	w->max = max_bytes;
	/* Preferably an anonymous file: nothing is ever visible before commit,
	 * and a crash or an abort leaves nothing at all. */
	w->fd = open(bs->tmp, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640);
	if (w->fd >= 0) {
		w->anonymous = 1;
		snprintf(w->path, sizeof w->path, "%s/(anonymous)", bs->tmp);
	} else if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
		snprintf(w->path, sizeof w->path, "%s/upload-XXXXXX", bs->tmp);
		w->fd = mkstemp(w->path); /* a filesystem without O_TMPFILE */
		if (w->fd >= 0)
			fcntl(w->fd, F_SETFD, FD_CLOEXEC);
	}
	if (w->fd < 0) {
		enum blob_result r = from_errno();
		log_errno("cannot create a temporary file", w->path);
		free(w);
		return r;
	}
	fchmod(w->fd, 0640);
	sha256_begin(&w->hash);
	*out = w;
	return BLOB_OK;
}

enum blob_result blob_writer_write(struct blob_writer *w, const void *data, size_t len)
{
	if ((long long)len > w->max - w->size)
		return BLOB_TOO_LARGE;
	if (w->head_len < BLOB_HEAD_BYTES) {
		size_t take = BLOB_HEAD_BYTES - w->head_len < len ? BLOB_HEAD_BYTES - w->head_len : len;
		memcpy(w->head + w->head_len, data, take);
		w->head_len += take;
	}
	sha256_add(&w->hash, data, len);
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(w->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			enum blob_result r = from_errno();
			if (r == BLOB_IO)
				log_errno("write failed", w->path);
			return r;
		}
		p += n;
		left -= (size_t)n;
	}
	w->size += (long long)len;
	return BLOB_OK;
}

const uint8_t *blob_writer_head(const struct blob_writer *w, size_t *len)
{
	*len = w->head_len;
	return w->head;
}

long long blob_writer_size(const struct blob_writer *w)
{
	return w->size;
}

void blob_writer_abort(struct blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (!w->anonymous)
		unlink(w->path);
	free(w);
}

static const char hexdigits[] = "0123456789abcdef";

int blob_sha256_valid(const char *s)
{
	if (strlen(s) != BLOB_HEX)
		return 0;
	for (const char *p = s; *p; p++)
		if (!strchr(hexdigits, *p))
			return 0;
	return 1;
}

int blob_layout(const char *root, const char *sha256, char *dir, size_t dirlen, char *file, size_t filelen)
{
	if (!blob_sha256_valid(sha256))
		return -1;
	int n = snprintf(dir, dirlen, "%s/%.2s/%.2s", root, sha256, sha256 + 2);
	if (n < 0 || (size_t)n >= dirlen)
		return -1;
	n = snprintf(file, filelen, "%s/%s", dir, sha256);
	return n > 0 && (size_t)n < filelen ? 0 : -1;
}

/* <root>/ab/cd and <root>/ab/cd/<sha> for a digest. */
static void blob_paths(const struct blob_store *bs, const char *sha, char *dir, size_t dirlen, char *file,
                       size_t filelen)
{
	blob_layout(bs->root, sha, dir, dirlen, file, filelen);
}

static void hex_digest(struct sha256_stream *hash, char out[BLOB_HEX + 1])
{
	uint8_t digest[SHA256_BYTES];
	sha256_end(hash, digest);
	hex_lower(digest, SHA256_BYTES, out);
}

enum blob_result blob_writer_commit(struct blob_writer *w, char sha256_out[BLOB_HEX + 1], int *existed)
{
	hex_digest(&w->hash, sha256_out);
	*existed = 0;
	enum blob_result r = BLOB_OK;
	if (fsync(w->fd) != 0) {
		r = from_errno();
		log_errno("fsync failed", w->path);
		goto fail;
	}
	char dir[PATH_MAX], file[PATH_MAX + 80];
	blob_paths(w->bs, sha256_out, dir, sizeof dir, file, sizeof file);
	struct stat st;
	if (stat(file, &st) == 0) { /* the same bytes are already stored */
		*existed = 1;
		blob_writer_abort(w);
		return BLOB_OK;
	}
	if (mkdir_p(dir) != 0) {
		r = from_errno();
		log_errno("cannot create directory", dir);
		goto fail;
	}
	/* Both ways are atomic: the address holds nothing or the whole file. */
	if (w->anonymous) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", w->fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, file, AT_SYMLINK_FOLLOW) != 0) {
			if (errno == EEXIST) { /* stored meanwhile by a concurrent upload */
				*existed = 1;
				blob_writer_abort(w);
				return BLOB_OK;
			}
			r = from_errno();
			log_errno("link failed", file);
			goto fail;
		}
		close(w->fd);
		w->fd = -1;
	} else {
		close(w->fd);
		w->fd = -1;
		if (rename(w->path, file) != 0) {
			r = from_errno();
			log_errno("rename failed", file);
			goto fail;
		}
	}
	if (fsync_dir(dir) != 0) {
		r = from_errno();
		log_errno("directory fsync failed", dir);
		unlink(file);
		goto fail;
	}
	free(w);
	return BLOB_OK;
fail:
	blob_writer_abort(w);
	return r;
}

enum blob_result blob_link(struct blob_store *bs, const char *path, char sha256_out[BLOB_HEX + 1], int *existed)
{
	*existed = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_errno("cannot open an upload", path);
		return BLOB_IO;
	}
	enum { CHUNK = 65536 };
	char *chunk = xmalloc(CHUNK);
	struct sha256_stream hash;
	sha256_begin(&hash);
	ssize_t n;
	while ((n = read(fd, chunk, CHUNK)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			sha256_add(&hash, chunk, (size_t)n);
	free(chunk);
	enum blob_result r = BLOB_OK;
	if (n < 0 || fsync(fd) != 0) {
		r = from_errno();
		log_errno("cannot read or fsync an upload", path);
	}
	close(fd);
	if (r != BLOB_OK)
		return r;
	hex_digest(&hash, sha256_out);
	char dir[PATH_MAX], file[PATH_MAX + 80];
	blob_paths(bs, sha256_out, dir, sizeof dir, file, sizeof file);
	if (mkdir_p(dir) != 0) {
		r = from_errno();
		log_errno("cannot create directory", dir);
		return r;
	}
	if (link(path, file) != 0) {
		if (errno == EEXIST) { /* the same bytes are already stored */
			*existed = 1;
			return BLOB_OK;
		}
		r = from_errno();
		log_errno("cannot link an upload", file);
		return r;
	}
	if (fsync_dir(dir) != 0) {
		r = from_errno();
		log_errno("directory fsync failed", dir);
		unlink(file);
		return r;
	}
	return BLOB_OK;
}

int blob_sibling_dir(const struct blob_store *bs, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", bs->root, name);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int blob_path(const struct blob_store *bs, const char *sha256, char *out, size_t outlen)
{
	if (!blob_sha256_valid(sha256))
		return -1;
	int n = snprintf(out, outlen, "%s/%.2s/%.2s/%s", bs->root, sha256, sha256 + 2, sha256);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int blob_open(struct blob_store *bs, const char *sha256, long long *size)
{
	if (!blob_sha256_valid(sha256))
		return -1;
	char dir[PATH_MAX], file[PATH_MAX + 80];
	blob_paths(bs, sha256, dir, sizeof dir, file, sizeof file);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*size = (long long)st.st_size;
	return fd;
}

int blob_remove(struct blob_store *bs, const char *sha256)
{
	if (!blob_sha256_valid(sha256))
		return -1;
	char dir[PATH_MAX], file[PATH_MAX + 80];
	blob_paths(bs, sha256, dir, sizeof dir, file, sizeof file);
	if (unlink(file) != 0)
		return -1;
	fsync_dir(dir);
	return 0;
}

const char *image_sniff(const uint8_t *h, size_t n)
{
	if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0)
		return "image/webp";
	/* ISO BMFF: [size]"ftyp"<brand>; HEIC/HEIF brands from phones */
	if (n >= 12 && memcmp(h + 4, "ftyp", 4) == 0) {
		static const char *const brands[] = {"heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"};
		for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
			if (memcmp(h + 8, brands[i], 4) == 0)
				return "image/heic";
	}
	return NULL;
}
