/*
 * The photo blob store: streaming writes with a cap, content addressing,
 * deduplication, nothing left behind on abort or failure, crash leftovers
 * cleaned, paths only from hashes, disk full, and magic-byte sniffing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_store.h"
#include "crypto.h"

static char root[64];

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int tmp_entries(void)
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s/tmp", root);
	return count_entries(tmp);
}

static void hex_of(const uint8_t *d, char out[65])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/blob-test-XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_int_equal(crypto_init(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char mnt[80];
	snprintf(mnt, sizeof mnt, "%s/small", root);
	umount2(mnt, MNT_DETACH); /* when a failed assertion left it mounted */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd);
}

static struct blob_store *open_store(void)
{
	char err[256];
	struct blob_store *bs = blob_store_open(root, err, sizeof err);
	if (!bs)
		fail_msg("blob_store_open: %s", err);
	return bs;
}

static void test_streamed_write_is_content_addressed(void **state)
{
	(void)state;
	struct blob_store *bs = open_store();
	size_t len = 300000;
	uint8_t *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	data[0] = 0xff, data[1] = 0xd8, data[2] = 0xff; /* a JPEG's first bytes */
	struct blob_writer *w;
	assert_int_equal(blob_writer_begin(bs, 1 << 20, &w), BLOB_OK);
	/* odd chunk sizes, the first smaller than the sniffing head */
	size_t off = 0, step = 5;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		assert_int_equal(blob_writer_write(w, data + off, n), BLOB_OK);
		off += n;
		step = step * 3 + 1;
	}
	size_t head_len;
	const uint8_t *head = blob_writer_head(w, &head_len);
	assert_int_equal(head_len, BLOB_HEAD_BYTES);
	assert_memory_equal(head, data, BLOB_HEAD_BYTES);
	assert_string_equal(image_sniff(head, head_len), "image/jpeg");
	assert_int_equal(blob_writer_size(w), (long long)len);
	char sha[65];
	int existed = -1;
	assert_int_equal(blob_writer_commit(w, sha, &existed), BLOB_OK);
	assert_int_equal(existed, 0);
	uint8_t want[32];
	char want_hex[65];
	sha256(data, len, want);
	hex_of(want, want_hex);
	assert_string_equal(sha, want_hex);
	/* stored at <root>/ab/cd/<sha>, nothing left in tmp */
	char path[256];
	snprintf(path, sizeof path, "%s/%.2s/%.2s/%s", root, sha, sha + 2, sha);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, (off_t)len);
	assert_int_equal(tmp_entries(), 0);
	/* read back through the store */
	long long size = 0;
	int fd = blob_open(bs, sha, &size);
	assert_true(fd >= 0);
	assert_int_equal(size, (long long)len);
	uint8_t *back = malloc(len);
	assert_int_equal(read(fd, back, len), (ssize_t)len);
	assert_memory_equal(back, data, len);
	close(fd);

	/* the same bytes again: deduplicated, one file, no temp left */
	assert_int_equal(blob_writer_begin(bs, 1 << 20, &w), BLOB_OK);
	assert_int_equal(blob_writer_write(w, data, len), BLOB_OK);
	char sha2[65];
	assert_int_equal(blob_writer_commit(w, sha2, &existed), BLOB_OK);
	assert_int_equal(existed, 1);
	assert_string_equal(sha2, sha);
	char dir[256];
	snprintf(dir, sizeof dir, "%s/%.2s/%.2s", root, sha, sha + 2);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(tmp_entries(), 0);

	assert_int_equal(blob_remove(bs, sha), 0);
	assert_int_equal(blob_open(bs, sha, &size), -1);
	assert_int_equal(blob_remove(bs, sha), -1);
	free(back);
	free(data);
	blob_store_close(bs);
}

static void test_cap_and_abort_leave_nothing(void **state)
{
	(void)state;
	struct blob_store *bs = open_store();
	struct blob_writer *w;
	assert_int_equal(blob_writer_begin(bs, 10, &w), BLOB_OK);
	assert_int_equal(blob_writer_write(w, "0123456789", 10), BLOB_OK); /* exactly the cap */
	assert_int_equal(blob_writer_write(w, "x", 1), BLOB_TOO_LARGE);
	assert_int_equal(blob_writer_size(w), 10);
	assert_int_equal(tmp_entries(), 0); /* an anonymous temporary file: never visible */
	blob_writer_abort(w);
	assert_int_equal(tmp_entries(), 0);
	/* one oversized chunk is refused before anything is written */
	assert_int_equal(blob_writer_begin(bs, 10, &w), BLOB_OK);
	assert_int_equal(blob_writer_write(w, "0123456789abc", 13), BLOB_TOO_LARGE);
	assert_int_equal(blob_writer_size(w), 0);
	blob_writer_abort(w);
	blob_writer_abort(NULL);
	assert_int_equal(tmp_entries(), 0);
	blob_store_close(bs);
}

static void test_paths_only_from_hashes(void **state)
{
	(void)state;
	struct blob_store *bs = open_store();
	long long size;
	static const char *const bad[] = {
	        "../../../../etc/passwd",
	        "",
	        "abc",
	        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",  /* 63 */
	        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", /* upper case */
	        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
	        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", /* 65 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(blob_open(bs, bad[i], &size), -1);
		assert_int_equal(blob_remove(bs, bad[i]), -1);
	}
	blob_store_close(bs);
}

static void test_crash_leftovers_cleaned_on_open(void **state)
{
	(void)state;
	struct blob_store *bs = open_store();
	blob_store_close(bs);
	char path[128];
	snprintf(path, sizeof path, "%s/tmp/upload-crashed", root);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "half", 4), 4);
	close(fd);
	assert_int_equal(tmp_entries(), 1);
	bs = open_store();
	assert_int_equal(tmp_entries(), 0);
	blob_store_close(bs);
}

static void test_disk_full(void **state)
{
	(void)state;
	char mnt[80];
	snprintf(mnt, sizeof mnt, "%s/small", root);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
		print_message("disk-full test skipped: cannot mount a tmpfs here (%s)\n", strerror(errno));
		skip();
	}
	char err[256];
	struct blob_store *bs = blob_store_open(mnt, err, sizeof err);
	assert_non_null(bs);
	struct blob_writer *w;
	assert_int_equal(blob_writer_begin(bs, 1 << 20, &w), BLOB_OK);
	static uint8_t chunk[16384];
	enum blob_result r = BLOB_OK;
	for (int i = 0; i < 16 && r == BLOB_OK; i++)
		r = blob_writer_write(w, chunk, sizeof chunk);
	assert_int_equal(r, BLOB_NO_SPACE);
	blob_writer_abort(w);
	char tmp[128];
	snprintf(tmp, sizeof tmp, "%s/tmp", mnt);
	assert_int_equal(count_entries(tmp), 0);
	/* after the failure the store still works */
	assert_int_equal(blob_writer_begin(bs, 100, &w), BLOB_OK);
	assert_int_equal(blob_writer_write(w, "ok", 2), BLOB_OK);
	char sha[65];
	int existed;
	assert_int_equal(blob_writer_commit(w, sha, &existed), BLOB_OK);
	blob_store_close(bs);
	assert_int_equal(umount(mnt), 0);
}

/* A finished resumable upload: linked to its address, its own name kept
 * (removed by the caller after the photo row commits); the same bytes again
 * are "existed"; the sibling directory is inside the store's root. */
static void test_link_keeps_the_source(void **state)
{
	(void)state;
	struct blob_store *bs = open_store();
	char dir[128], src[192];
	assert_int_equal(blob_sibling_dir(bs, "uploads", dir, sizeof dir), 0);
	char want_dir[128];
	snprintf(want_dir, sizeof want_dir, "%s/uploads", root);
	assert_string_equal(dir, want_dir);
	assert_int_equal(mkdir(dir, 0750), 0);
	snprintf(src, sizeof src, "%s/one", dir);
	size_t len = 70000; /* more than one read chunk */
	uint8_t *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13 + 1);
	FILE *f = fopen(src, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);

	char sha[65], want_hex[65];
	uint8_t want[32];
	sha256(data, len, want);
	hex_of(want, want_hex);
	int existed = -1;
	assert_int_equal(blob_link(bs, src, sha, &existed), BLOB_OK);
	assert_string_equal(sha, want_hex);
	assert_int_equal(existed, 0);
	struct stat a, b;
	assert_int_equal(stat(src, &a), 0); /* still there */
	long long size = 0;
	int fd = blob_open(bs, sha, &size);
	assert_true(fd >= 0);
	assert_int_equal(size, (long long)len);
	assert_int_equal(fstat(fd, &b), 0);
	close(fd);
	assert_int_equal(a.st_ino, b.st_ino); /* a link, not a copy */
	assert_int_equal(blob_link(bs, src, sha, &existed), BLOB_OK);
	assert_int_equal(existed, 1);
	/* a missing source is an error, nothing stored */
	snprintf(src, sizeof src, "%s/absent", dir);
	assert_int_equal(blob_link(bs, src, sha, &existed), BLOB_IO);
	free(data);
	blob_store_close(bs);
}

static void test_sniff(void **state)
{
	(void)state;
	static const struct {
		const char *bytes;
		size_t len;
		const char *want;
	} cases[] = {
	        {"\xff\xd8\xff\xe0\x00\x10JFIF", 10, "image/jpeg"},
	        {"\xff\xd8\xff\xe1", 4, "image/jpeg"},
	        {"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16, "image/png"},
	        {"RIFF\x24\x00\x00\x00WEBPVP8 ", 16, "image/webp"},
	        {"\x00\x00\x00\x18"
	         "ftypheic\x00\x00\x00\x00",
	         16, "image/heic"},
	        {"\x00\x00\x00\x1c"
	         "ftypmif1\x00\x00\x00\x00",
	         16, "image/heic"},
	        {"\x00\x00\x00\x18"
	         "ftypisom\x00\x00\x00\x00",
	         16, NULL}, /* an MP4 video */
	        {"GIF89a\x01\x00\x01\x00", 10, NULL},
	        {"%PDF-1.7\n", 9, NULL},
	        {"<html>", 6, NULL},
	        {"\xff\xd8", 2, NULL}, /* too short */
	        {"RIFF\x24\x00\x00\x00WAVE", 12, NULL},
	        {"", 0, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = image_sniff((const uint8_t *)cases[i].bytes, cases[i].len);
		if ((got == NULL) != (cases[i].want == NULL) || (got && strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: got %s, want %s", i, got ? got : "NULL",
			         cases[i].want ? cases[i].want : "NULL");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_streamed_write_is_content_addressed),
	        cmocka_unit_test(test_cap_and_abort_leave_nothing),
	        cmocka_unit_test(test_paths_only_from_hashes),
	        cmocka_unit_test(test_crash_leftovers_cleaned_on_open),
	        cmocka_unit_test(test_disk_full),
	        cmocka_unit_test(test_link_keeps_the_source),
	        cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests_name("blob_store", tests, setup, teardown);
}
