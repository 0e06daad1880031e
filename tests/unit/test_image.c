/* image.c: EXIF clock times to UTC, header probing and thumbnails of
 * images made here with libvips (and of bytes that are no image). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "image.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	char err[256];
	if (image_init(1, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(dir, sizeof dir, "/tmp/inspectd-image-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	int rc = system(cmd);
	image_shutdown();
	return rc == 0 ? 0 : -1;
}

static void test_exif_time(void **state)
{
	(void)state;
	char out[24];
	/* no offset: the process time zone (Asia/Shanghai, +08:00) */
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", NULL, out), 0);
	assert_string_equal(out, "2026-11-20T01:30:00Z");
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", "", out), 0);
	assert_string_equal(out, "2026-11-20T01:30:00Z");
	/* an offset wins over the zone */
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", "+09:00", out), 0);
	assert_string_equal(out, "2026-11-20T00:30:00Z");
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", "-05:30", out), 0);
	assert_string_equal(out, "2026-11-20T15:00:00Z");
	/* across midnight and a year */
	assert_int_equal(image_exif_time("2027:01:01 05:00:00", NULL, out), 0);
	assert_string_equal(out, "2026-12-31T21:00:00Z");

	static const char *const bad[] = {
	        "",
	        "2026-11-20 09:30:00", /* dashes */
	        "2026:11:20T09:30:00", /* T */
	        "0000:00:00 00:00:00", /* cameras without a clock */
	        "2026:02:31 10:00:00", /* no such day */
	        "2026:13:01 10:00:00",
	        "2026:11:20 24:00:00",
	        "2026:11:20 09:3",
	        "    :  :     :  :  ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (image_exif_time(bad[i], NULL, out) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", "+9:00", out), -1);
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", "+15:00", out), -1);
	assert_int_equal(image_exif_time("2026:11:20 09:30:00", "Z", out), -1);
}

/* A w×h JPEG (or PNG) gradient at path. */
static void make_image(const char *path, int w, int h, int orientation)
{
	VipsImage *x = NULL, *y = NULL;
	assert_int_equal(vips_xyz(&x, w, h, NULL), 0);
	assert_int_equal(vips_cast(x, &y, VIPS_FORMAT_UCHAR, NULL), 0);
	if (orientation)
		vips_image_set_int(y, VIPS_META_ORIENTATION, orientation);
	assert_int_equal(vips_image_write_to_file(y, path, NULL), 0);
	g_object_unref(y);
	g_object_unref(x);
}

static void size_of_jpeg(int fd, int *w, int *h)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	void *data = malloc((size_t)st.st_size);
	assert_int_equal(pread(fd, data, (size_t)st.st_size, 0), st.st_size);
	VipsImage *im = vips_image_new_from_buffer(data, (size_t)st.st_size, "", NULL);
	assert_non_null(im);
	const char *loader = NULL;
	assert_int_equal(vips_image_get_string(im, VIPS_META_LOADER, &loader), 0);
	assert_string_equal(loader, "jpegload_buffer");
	assert_int_equal(vips_image_get_typeof(im, VIPS_META_EXIF_NAME), 0); /* metadata stripped */
	*w = vips_image_get_width(im);
	*h = vips_image_get_height(im);
	g_object_unref(im);
	free(data);
}

static void test_probe_and_thumbnail(void **state)
{
	(void)state;
	struct {
		const char *name;
		int w, h, orientation, tw, th;
	} cases[] = {
	        {"wide.jpg", 1200, 900, 0, 320, 240},
	        {"tall.png", 300, 1000, 0, 96, 320},
	        {"small.jpg", 200, 100, 0, 200, 100},   /* never enlarged */
	        {"turned.jpg", 1200, 900, 6, 240, 320}, /* EXIF orientation applied */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char src[128], cache[160];
		snprintf(src, sizeof src, "%s/%s", dir, cases[i].name);
		snprintf(cache, sizeof cache, "%s/thumbs/x/%s.jpg", dir, cases[i].name);
		make_image(src, cases[i].w, cases[i].h, cases[i].orientation);
		struct image_info info;
		image_probe(src, &info);
		assert_int_equal(info.width, cases[i].w);
		assert_int_equal(info.height, cases[i].h);
		assert_false(info.has_location);

		int fd = -1;
		long long size = 0;
		assert_int_equal(image_thumbnail(src, cache, &fd, &size), THUMB_OK);
		assert_true(size > 0);
		int w = 0, h = 0;
		size_of_jpeg(fd, &w, &h);
		close(fd);
		assert_int_equal(w, cases[i].tw);
		assert_int_equal(h, cases[i].th);
		/* cached: the second call reads the same file */
		struct stat a, b;
		assert_int_equal(stat(cache, &a), 0);
		assert_int_equal(image_thumbnail(src, cache, &fd, &size), THUMB_OK);
		assert_int_equal(fstat(fd, &b), 0);
		close(fd);
		assert_int_equal(a.st_ino, b.st_ino);
	}
}

/* Decompression bombs: a progressive JPEG is decoded whole, so it is capped
 * by its decoded bytes (256 MiB); the same size as a baseline JPEG is shrunk
 * while decoding and passes. Refusals are remembered (<cache>.bad). */
static void test_bombs(void **state)
{
	(void)state;
	VipsImage *black = NULL;
	assert_int_equal(vips_black(&black, 10000, 10000, "bands", 3, NULL), 0); /* 300 MB decoded */
	char prog[128], base[128], cache[160], bad[170];
	snprintf(prog, sizeof prog, "%s/progressive.jpg", dir);
	snprintf(base, sizeof base, "%s/baseline.jpg", dir);
	assert_int_equal(vips_jpegsave(black, prog, "interlace", TRUE, "Q", 10, NULL), 0);
	assert_int_equal(vips_jpegsave(black, base, "Q", 10, NULL), 0);
	g_object_unref(black);

	int fd = -1;
	long long size = 0;
	snprintf(cache, sizeof cache, "%s/thumbs/progressive.jpg", dir);
	assert_int_equal(image_thumbnail(prog, cache, &fd, &size), THUMB_UNDECODABLE);
	snprintf(bad, sizeof bad, "%s.bad", cache);
	assert_int_equal(access(bad, F_OK), 0);
	assert_int_equal(image_thumbnail(prog, cache, &fd, &size), THUMB_UNDECODABLE);

	snprintf(cache, sizeof cache, "%s/thumbs/baseline.jpg", dir);
	assert_int_equal(image_thumbnail(base, cache, &fd, &size), THUMB_OK);
	int w = 0, h = 0;
	size_of_jpeg(fd, &w, &h);
	close(fd);
	assert_int_equal(w, 320);
	assert_int_equal(h, 320);
}

static void test_dhash_bits(void **state)
{
	(void)state;
	unsigned char px[72];
	memset(px, 100, sizeof px);
	assert_true(image_dhash_of(px) == 0); /* flat: nothing brighter to the right */
	for (int i = 0; i < 72; i++)
		px[i] = (unsigned char)(i % 9 * 10); /* every row brightening to the right */
	assert_true(image_dhash_of(px) == ~0ULL);
	memset(px, 100, sizeof px);
	px[1] = 200;         /* row 0: (1,0) brighter than (0,0) -> bit 0 */
	px[9 * 7 + 8] = 200; /* row 7: (8,7) brighter than (7,7) -> bit 63 */
	assert_true(image_dhash_of(px) == ((1ULL << 0) | (1ULL << 63)));
}

static void test_probe_hashes_and_exif(void **state)
{
	(void)state;
	char a[128], b[128];
	snprintf(a, sizeof a, "%s/h1.jpg", dir);
	snprintf(b, sizeof b, "%s/h2.png", dir);
	make_image(a, 1200, 900, 0);
	VipsImage *small = NULL; /* the same picture, smaller, another format */
	assert_int_equal(vips_thumbnail(a, &small, 600, NULL), 0);
	assert_int_equal(vips_image_write_to_file(small, b, NULL), 0);
	g_object_unref(small);
	struct image_info ia, ib;
	image_probe(a, &ia);
	image_probe(b, &ib);
	assert_true(ia.has_dhash && ib.has_dhash);
	assert_true(__builtin_popcountll(ia.dhash ^ ib.dhash) <= 4);
	assert_int_equal(ib.width, 600);
}

static void test_not_an_image(void **state)
{
	(void)state;
	char src[128], cache[160];
	snprintf(src, sizeof src, "%s/junk.jpg", dir);
	snprintf(cache, sizeof cache, "%s/thumbs/junk.jpg", dir);
	FILE *f = fopen(src, "wb");
	assert_non_null(f);
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	fwrite(jfif, 1, sizeof jfif, f);
	for (int i = 0; i < 4096; i++)
		fputc(i * 7 & 0xff, f);
	fclose(f);
	struct image_info info;
	image_probe(src, &info);
	assert_int_equal(info.width, 0);
	assert_int_equal(info.height, 0);
	assert_false(info.has_taken);
	int fd = -1;
	long long size = 0;
	assert_int_equal(image_thumbnail(src, cache, &fd, &size), THUMB_UNDECODABLE);
	assert_int_equal(fd, -1);
	assert_int_not_equal(access(cache, F_OK), 0); /* nothing cached */

	/* a missing source is undecodable too, not a crash */
	snprintf(src, sizeof src, "%s/absent.jpg", dir);
	image_probe(src, &info);
	assert_int_equal(info.width, 0);
	assert_int_equal(image_thumbnail(src, cache, &fd, &size), THUMB_UNDECODABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exif_time),
	        cmocka_unit_test(test_probe_and_thumbnail),
	        cmocka_unit_test(test_bombs),
	        cmocka_unit_test(test_dhash_bits),
	        cmocka_unit_test(test_probe_hashes_and_exif),
	        cmocka_unit_test(test_not_an_image),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
