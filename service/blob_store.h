/*
 * Photo bytes, content-addressed on the filesystem: <root>/ab/cd/<sha256>.
 * The one small interface photos go through (ARCHITECTURE.md: S3-compatible
 * object storage can be a second backend later).
 *
 * Writing streams: bytes go to a temporary file in <root>/tmp (the same
 * filesystem; an anonymous O_TMPFILE where the filesystem has them, so
 * nothing is visible before commit and a crash leaves nothing), counted
 * against a cap and hashed as they pass; commit fsyncs the file, gives it its
 * content address atomically (link or rename; dropped when those bytes are
 * already stored) and fsyncs the directory. Nothing is ever half-written
 * at an address, and an aborted write leaves nothing behind. Paths never come
 * from client input: only from the hash.
 */
#ifndef INSPECTD_BLOB_STORE_H
#define INSPECTD_BLOB_STORE_H

#include <stddef.h>
#include <stdint.h>

enum blob_result {
	BLOB_OK,
	BLOB_TOO_LARGE, /* more bytes than the writer's cap: stopped at once */
	BLOB_NO_SPACE,  /* the disk is full */
	BLOB_IO,        /* any other filesystem failure (logged) */
};

enum { BLOB_HEAD_BYTES = 32, BLOB_HEX = 64 };

struct blob_store;
struct blob_writer;

/*
 * Opens the store rooted at root (created 0750 if missing) and removes
 * temporary files left by a crash. NULL with err on failure.
 */
struct blob_store *blob_store_open(const char *root, char *err, size_t errlen);
void blob_store_close(struct blob_store *bs);

/* Starts a write of at most max_bytes. */
enum blob_result blob_writer_begin(struct blob_store *bs, long long max_bytes, struct blob_writer **out);
enum blob_result blob_writer_write(struct blob_writer *w, const void *data, size_t len);
/* The first bytes written (up to BLOB_HEAD_BYTES), for type sniffing. */
const uint8_t *blob_writer_head(const struct blob_writer *w, size_t *len);
long long blob_writer_size(const struct blob_writer *w);
/*
 * Makes the bytes durable at their address and frees the writer. sha256 gets
 * the lowercase hex digest; *existed is 1 when the same bytes were already
 * stored (deduplicated). On failure nothing is left behind.
 */
enum blob_result blob_writer_commit(struct blob_writer *w, char sha256[BLOB_HEX + 1], int *existed);
/* Discards the write and frees the writer (NULL is fine). */
void blob_writer_abort(struct blob_writer *w);

/* Opens stored bytes for reading: a file descriptor (caller closes) and size.
 * -1 when absent or sha256 is not 64 lowercase hex digits. */
int blob_open(struct blob_store *bs, const char *sha256, long long *size);

/* 1 when s is a stored blob's name: 64 lowercase hex digits. */
int blob_sha256_valid(const char *s);

/* The directory (<root>/ab/cd) and file (<dir>/<sha256>) of sha256's bytes
 * in a store rooted at root, without opening it (backup and restore work on
 * stores a server may be using): 0, or -1 when sha256 is not 64 lowercase
 * hex digits or a path does not fit. */
int blob_layout(const char *root, const char *sha256, char *dir, size_t dirlen, char *file, size_t filelen);

/* The file path of stored bytes (for readers that take a path): 0, or -1
 * when sha256 is not 64 lowercase hex digits or the path does not fit. */
int blob_path(const struct blob_store *bs, const char *sha256, char *out, size_t outlen);

/*
 * Gives a finished file in the store's directory tree (a resumable upload's
 * bytes) its content address too, as commit does: hashes it, fsyncs it,
 * hard-links it to its address (nothing to do when those bytes are already
 * stored: *existed) and fsyncs the directory. The file at path stays: the
 * caller removes it once the photo row is committed, so a crash in between
 * loses nothing.
 */
enum blob_result blob_link(struct blob_store *bs, const char *path, char sha256[BLOB_HEX + 1], int *existed);

/* <root>/<name>: a directory for files that become blobs by blob_link (on
 * the same filesystem by construction). 0, or -1 when it does not fit. */
int blob_sibling_dir(const struct blob_store *bs, const char *name, char *out, size_t outlen);

/* Removes stored bytes no longer referenced (0, or -1 when absent). */
int blob_remove(struct blob_store *bs, const char *sha256);

/* "image/jpeg", "image/png", "image/webp" or "image/heic" from magic bytes,
 * or NULL for anything else. */
const char *image_sniff(const uint8_t *head, size_t len);

#endif
