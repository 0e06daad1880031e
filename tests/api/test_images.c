/*
 * Images through the real binary (issue 5, second part: contract sections A
 * and B): real JPEG, PNG, WebP and HEIC files made at run time with libvips,
 * EXIF blocks built with libexif (DateTimeOriginal with and without
 * OffsetTimeOriginal, GPS in every hemisphere, Orientation), then
 *
 *   - the photo's width and height (as stored, before EXIF orientation;
 *     null when the header cannot be read, the upload still accepted);
 *   - taken_at and lat/lng from EXIF when the client gives none, in UTC (the
 *     configured time zone when EXIF has no offset), the client's values
 *     winning, and taken_at_source / location_source saying which;
 *   - GET/HEAD /api/v1/photos/{id}/thumbnail: a JPEG whose long side is at
 *     most 320 (never upscaled), orientation applied (checked on the pixels),
 *     no EXIF left, cached on disk under <data>/thumbs/ab/cd/<sha256>.jpg,
 *     ETag "<sha256>-t320", If-None-Match, no ranges, the visibility of
 *     /content, and 422 image_undecodable for bytes that only look like an
 *     image.
 *
 * Every image is checked after it is made (read back with libvips and
 * libexif), so a failure here is the server's, not the generator's.
 */
#define _GNU_SOURCE
#include <vips/vips.h>
#include <libexif/exif-data.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "client.h"

/* libx265 (the HEIC encoder this test uses) keeps an allocation for the life
 * of the process: not this test's leak, nor the server's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libx265\n";
}

static struct server_proc srv; /* the default time zone (Asia/Shanghai) */
static struct server_proc ny;  /* INSPECTD_TIME_ZONE=America/New_York */
static struct tokens ny_admin; /* ny's admin */
static struct crew crew;
static char round_id[ID_LEN];    /* sup.a's round at A1 and A2: insp.city, insp.two */
static const char *insp, *admin; /* insp.city, the admin */
static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

#define CACHE_CONTROL "private, max-age=31536000, immutable"

/* ---- EXIF blocks (libexif) ----------------------------------------------------------------- */

struct exif_spec {
	const char *dto;      /* DateTimeOriginal "YYYY:MM:DD HH:MM:SS" (NULL: none) */
	const char *offset;   /* OffsetTimeOriginal (tag 0x9011), e.g. "+09:00" (NULL: none) */
	const char *datetime; /* IFD0 DateTime (the file's change time: never taken_at) */
	const char *lat_ref;  /* "N" / "S"; NULL: no GPS at all */
	ExifRational lat[3];
	const char *lng_ref; /* "E" / "W" */
	ExifRational lng[3];
	int orientation;           /* 0: no Orientation tag */
	int big_endian;            /* Motorola byte order instead of Intel */
	double want_lat, want_lng; /* what the GPS means in decimal degrees */
};

#define EXIF_OFFSET_TIME_ORIGINAL ((ExifTag)0x9011)

/* 30°15'36" N, 120°9'0" E: Hangzhou, 30.26 / 120.15. */
#define GPS_HANGZHOU                                                                                                   \
	.lat_ref = "N", .lat = {{30, 1}, {15, 1}, {36, 1}}, .lng_ref = "E", .lng = {{120, 1}, {9, 1}, {0, 1}},         \
	.want_lat = 30.26, .want_lng = 120.15
/* 33°51'54.5" S, 151°12.45' W (minutes with a fraction, seconds 0). */
#define GPS_SOUTH_WEST                                                                                                 \
	.lat_ref = "S", .lat = {{33, 1}, {51, 1}, {545, 10}}, .lng_ref = "W", .lng = {{151, 1}, {1245, 100}, {0, 1}},  \
	.want_lat = -(33.0 + 51.0 / 60 + 54.5 / 3600), .want_lng = -(151.0 + 12.45 / 60)

static ExifEntry *exif_put(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, unsigned long n)
{
	ExifEntry *e = exif_entry_new(); /* its allocator is malloc/free */
	assert_non_null(e);
	e->size = exif_format_get_size(fmt) * (unsigned)n;
	e->data = calloc(1, e->size);
	assert_non_null(e->data);
	e->tag = tag;
	e->format = fmt;
	e->components = n;
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e); /* the IFD holds it */
	return e;
}

static void exif_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_ASCII, strlen(s) + 1);
	memcpy(e->data, s, strlen(s) + 1);
}

static void exif_rationals(ExifData *ed, ExifTag tag, const ExifRational r[3], ExifByteOrder bo)
{
	ExifEntry *e = exif_put(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 3);
	for (int i = 0; i < 3; i++)
		exif_set_rational(e->data + 8 * i, bo, r[i]);
}

/* The EXIF block of x: "Exif\0\0" then the TIFF structure. Caller frees. */
static unsigned char *exif_block(const struct exif_spec *x, unsigned int *len)
{
	ExifByteOrder bo = x->big_endian ? EXIF_BYTE_ORDER_MOTOROLA : EXIF_BYTE_ORDER_INTEL;
	ExifData *ed = exif_data_new();
	assert_non_null(ed);
	exif_data_set_byte_order(ed, bo);
	exif_data_set_data_type(ed, EXIF_DATA_TYPE_COMPRESSED);
	exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "inspectd-test");
	if (x->datetime)
		exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_DATE_TIME, x->datetime);
	if (x->orientation) {
		ExifEntry *e = exif_put(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT, 1);
		exif_set_short(e->data, bo, (ExifShort)x->orientation);
	}
	if (x->dto)
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, x->dto);
	if (x->offset)
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_OFFSET_TIME_ORIGINAL, x->offset);
	if (x->lat_ref) {
		ExifEntry *v = exif_put(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE, 4);
		memcpy(v->data, "\x02\x02\x00\x00", 4);
		exif_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, x->lat_ref);
		exif_rationals(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, x->lat, bo);
		exif_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, x->lng_ref);
		exif_rationals(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, x->lng, bo);
	}
	unsigned char *d = NULL;
	exif_data_save_data(ed, &d, len);
	exif_data_unref(ed);
	if (!d || *len < 6 || memcmp(d, "Exif\0\0", 6) != 0 || *len > 60000)
		fail_msg("libexif did not make an EXIF block");
	return d;
}

/* ---- images (libvips) ------------------------------------------------------------------------ */

enum fmt { JPEG, PNG, WEBP, HEIC };
static const char *const fmt_mime[] = {"image/jpeg", "image/png", "image/webp", "image/heic"};
static const char *const fmt_name[] = {"jpeg", "png", "webp", "heic"};

struct img {
	unsigned char *b;
	size_t len;
	enum fmt fmt;
};

static void vips_fail(const char *what)
{
	char msg[600];
	snprintf(msg, sizeof msg, "%s", vips_error_buffer());
	vips_error_clear();
	fail_msg("libvips: %s: %s", what, msg);
}

/*
 * A w×h RGB picture: a flat dark background (a level of its own for every
 * call, so no two pictures have the same bytes) and a white block over the
 * top-left quarter, so where that corner went can be seen in a thumbnail.
 */
static VipsImage *picture(int w, int h)
{
	static int counter;
	double bg = 20 + (counter++ * 7) % 90;
	VipsImage *black, *back, *blk, *white, *out;
	if (vips_black(&black, w, h, "bands", 3, NULL) || vips_linear1(black, &back, 1.0, bg, "uchar", TRUE, NULL))
		vips_fail("background");
	if (vips_black(&blk, w / 4 > 0 ? w / 4 : 1, h / 4 > 0 ? h / 4 : 1, "bands", 3, NULL) ||
	    vips_linear1(blk, &white, 1.0, 255.0, "uchar", TRUE, NULL))
		vips_fail("block");
	if (vips_insert(back, white, &out, 0, 0, NULL))
		vips_fail("insert");
	g_object_unref(black);
	g_object_unref(back);
	g_object_unref(blk);
	g_object_unref(white);
	return out;
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* JPEG: the EXIF block as an APP1 segment right after SOI. */
static unsigned char *jpeg_with_exif(const unsigned char *j, size_t len, const unsigned char *x, unsigned xl,
                                     size_t *out_len)
{
	assert_true(len > 2 && j[0] == 0xff && j[1] == 0xd8);
	size_t n = len + 4 + xl;
	unsigned char *o = malloc(n);
	assert_non_null(o);
	memcpy(o, j, 2);
	o[2] = 0xff;
	o[3] = 0xe1;
	o[4] = (unsigned char)((xl + 2) >> 8);
	o[5] = (unsigned char)(xl + 2);
	memcpy(o + 6, x, xl);
	memcpy(o + 6 + xl, j + 2, len - 2);
	*out_len = n;
	return o;
}

/* PNG: an eXIf chunk (the TIFF structure, without "Exif\0\0") after IHDR. */
static unsigned char *png_with_exif(const unsigned char *p, size_t len, const unsigned char *x, unsigned xl,
                                    size_t *out_len)
{
	assert_true(len > 33 && memcmp(p + 12, "IHDR", 4) == 0);
	size_t tl = xl - 6, n = len + 12 + tl;
	unsigned char *o = malloc(n);
	assert_non_null(o);
	memcpy(o, p, 33);
	put_be32(o + 33, (uint32_t)tl);
	memcpy(o + 37, "eXIf", 4);
	memcpy(o + 41, x + 6, tl);
	put_be32(o + 41 + tl, crc32_of(o + 37, 4 + tl));
	memcpy(o + 45 + tl, p + 33, len - 33);
	*out_len = n;
	return o;
}

/* The EXIF of a decoded image (NULL when none). */
static ExifData *exif_of(VipsImage *im)
{
	if (!vips_image_get_typeof(im, VIPS_META_EXIF_NAME))
		return NULL;
	const void *d;
	size_t n;
	if (vips_image_get_blob(im, VIPS_META_EXIF_NAME, &d, &n))
		vips_fail("exif-data");
	if (n >= 6 && memcmp(d, "Exif\0\0", 6) == 0)
		return exif_data_new_from_data(d, (unsigned)n);
	unsigned char *t = malloc(n + 6); /* PNG's eXIf: the TIFF structure alone */
	assert_non_null(t);
	memcpy(t, "Exif\0\0", 6);
	memcpy(t + 6, d, n);
	ExifData *ed = exif_data_new_from_data(t, (unsigned)(n + 6));
	free(t);
	return ed;
}

static double gps_read(ExifData *ed, ExifTag tag, ExifTag ref_tag, const char *what)
{
	ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_GPS], tag);
	ExifEntry *r = exif_content_get_entry(ed->ifd[EXIF_IFD_GPS], ref_tag);
	if (!e || !r || e->components != 3 || e->format != EXIF_FORMAT_RATIONAL)
		fail_msg("test image %s: the GPS %s did not survive", what,
		         tag == EXIF_TAG_GPS_LATITUDE ? "lat" : "lng");
	ExifByteOrder bo = exif_data_get_byte_order(ed);
	double v = 0, div = 1;
	for (int i = 0; i < 3; i++, div *= 60) {
		ExifRational q = exif_get_rational(e->data + 8 * i, bo);
		v += (double)q.numerator / q.denominator / div;
	}
	return (r->data[0] == 'S' || r->data[0] == 'W') ? -v : v;
}

static void expect_exif_string(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *want, const char *what)
{
	ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], tag);
	if (!e || e->size < strlen(want) || memcmp(e->data, want, strlen(want)) != 0)
		fail_msg("test image %s: EXIF tag 0x%04x is not \"%s\" after saving", what, tag, want);
}

/* The generator's own check: the file decodes to w×h and carries x. */
static void check_made(const struct img *m, int w, int h, const struct exif_spec *x, const char *what)
{
	VipsImage *im = vips_image_new_from_buffer(m->b, m->len, "", NULL);
	if (!im)
		vips_fail(what);
	if (im->Xsize != w || im->Ysize != h)
		fail_msg("test image %s: %dx%d, meant %dx%d", what, im->Xsize, im->Ysize, w, h);
	if (x) {
		ExifData *ed = exif_of(im);
		if (!ed)
			fail_msg("test image %s: its EXIF was lost", what);
		if (x->dto)
			expect_exif_string(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, x->dto, what);
		if (x->offset)
			expect_exif_string(ed, EXIF_IFD_EXIF, EXIF_OFFSET_TIME_ORIGINAL, x->offset, what);
		if (x->lat_ref) {
			double lat =
			        gps_read(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, what);
			double lng = gps_read(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF,
			                      what);
			if (fabs(lat - x->want_lat) > 1e-9 || fabs(lng - x->want_lng) > 1e-9)
				fail_msg("test image %s: GPS reads %.9f, %.9f", what, lat, lng);
		}
		if (x->orientation) {
			ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
			if (!e || exif_get_short(e->data, exif_data_get_byte_order(ed)) != x->orientation)
				fail_msg("test image %s: Orientation lost", what);
		}
		exif_data_unref(ed);
	}
	g_object_unref(im);
}

/* The pixels of a picture: 8-bit RGB, 8-bit RGB with an (opaque) alpha
 * channel, 16-bit grey. */
enum pixels { PX_RGB, PX_RGBA, PX_GREY16 };
static const char *const px_name[] = {"", " RGBA", " grey16"};

/*
 * A w×h image in fmt with the EXIF of x (NULL: none). Returns 0, or -1 when
 * this libvips cannot write fmt (HEIC without an encoder).
 */
static int make_image(enum fmt fmt, int w, int h, enum pixels px, const struct exif_spec *x, struct img *out)
{
	char what[64];
	snprintf(what, sizeof what, "%s %dx%d%s%s", fmt_name[fmt], w, h, px_name[px], x ? " with EXIF" : "");
	VipsImage *pic = picture(w, h);
	if (px != PX_RGB) {
		VipsImage *t;
		if (px == PX_RGBA ? vips_bandjoin_const1(pic, &t, 255.0, NULL)
		                  : vips_colourspace(pic, &t, VIPS_INTERPRETATION_GREY16, NULL))
			vips_fail(what);
		g_object_unref(pic);
		pic = t;
	}
	unsigned char *xb = NULL;
	unsigned xl = 0;
	if (x)
		xb = exif_block(x, &xl);
	void *buf = NULL;
	size_t len = 0;
	int rc;
	out->fmt = fmt;
	if (fmt == JPEG || fmt == PNG) {
		/* Saved bare, the EXIF spliced in by hand: exactly the block built. */
		rc = fmt == JPEG ? vips_jpegsave_buffer(pic, &buf, &len, "strip", TRUE, "Q", 90, NULL)
		                 : vips_pngsave_buffer(pic, &buf, &len, "strip", TRUE, NULL);
		if (rc)
			vips_fail(what);
		if (xb)
			out->b = fmt == JPEG ? jpeg_with_exif(buf, len, xb, xl, &out->len)
			                     : png_with_exif(buf, len, xb, xl, &out->len);
		else {
			out->b = malloc(len);
			assert_non_null(out->b);
			memcpy(out->b, buf, len);
			out->len = len;
		}
	} else {
		/* WebP and HEIC: libvips writes the exif-data blob itself. */
		VipsImage *c;
		if (vips_copy(pic, &c, NULL))
			vips_fail("copy");
		if (xb)
			vips_image_set_blob_copy(c, VIPS_META_EXIF_NAME, xb, xl);
		if (fmt == WEBP)
			rc = vips_webpsave_buffer(c, &buf, &len, "strip", xb ? FALSE : TRUE, NULL);
		else
			rc = vips_heifsave_buffer(c, &buf, &len, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
			                          "strip", xb ? FALSE : TRUE, NULL);
		g_object_unref(c);
		if (rc && fmt == HEIC) {
			print_message("HEIC: libvips cannot write it here (%s)\n", vips_error_buffer());
			vips_error_clear();
			g_object_unref(pic);
			free(xb);
			return -1;
		}
		if (rc)
			vips_fail(what);
		out->b = malloc(len);
		assert_non_null(out->b);
		memcpy(out->b, buf, len);
		out->len = len;
	}
	g_free(buf);
	free(xb);
	g_object_unref(pic);
	check_made(out, w, h, x, what);
	return 0;
}

static struct img image_px(enum fmt fmt, int w, int h, enum pixels px, const struct exif_spec *x)
{
	struct img m;
	if (make_image(fmt, w, h, px, x, &m) != 0)
		fail_msg("cannot make a %s image", fmt_name[fmt]);
	return m;
}

static struct img image(enum fmt fmt, int w, int h, const struct exif_spec *x)
{
	return image_px(fmt, w, h, PX_RGB, x);
}

/* ---- uploads ------------------------------------------------------------------------------- */

/* What the client sends besides the file (NULL: not sent). */
struct up {
	const char *id, *inspection_id, *taken_at, *lat, *lng;
	int multipart; /* wx.uploadFile's form instead of a raw body with a query */
};

static void fail_photo(const json_t *p, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_photo(const json_t *p, const char *what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *dump = p ? json_dumps(p, JSON_COMPACT) : NULL;
	print_error("%s: %s\n  photo: %s\n", what, msg, dump ? dump : "(none)");
	free(dump);
	fail();
}

/* Uploads m to s by bearer with u's fields, expecting 201; checks that GET
 * /photos/{id} answers the same photo. Returns it (caller decrefs). */
static json_t *upload_to(struct server_proc *s, const char *bearer, const struct img *m, const struct up *u,
                         const char *what)
{
	struct byte_src src = {m->b, m->len, m->len, 0};
	struct http_resp r;
	const char *names[] = {"id", "inspection_id", "taken_at", "lat", "lng"};
	const char *values[] = {u->id, u->inspection_id, u->taken_at, u->lat, u->lng};
	if (u->multipart) {
		struct form_part parts[6];
		size_t n = 0;
		for (size_t i = 0; i < 5; i++)
			if (values[i])
				parts[n++] = (struct form_part){names[i], values[i], NULL, NULL, NULL};
		char filename[32];
		snprintf(filename, sizeof filename, "tmp_photo.%s", fmt_name[m->fmt]);
		parts[n++] = (struct form_part){"file", NULL, &src, filename, fmt_mime[m->fmt]};
		photo_upload_form(s, bearer, parts, n, 0, &r);
	} else {
		struct buf q = BUF_INIT;
		for (size_t i = 0; i < 5; i++) {
			if (!values[i])
				continue;
			char *e = qs_escape(values[i]);
			buf_printf(&q, "%s%s=%s", q.len ? "&" : "", names[i], e);
			free(e);
		}
		photo_upload_raw(s, bearer, q.len ? buf_cstr(&q) : NULL, fmt_mime[m->fmt], &src, 0, &r);
		buf_release(&q);
	}
	if (r.status != 201)
		fail_msg("%s: upload expected 201, got %ld: %.400s", what, r.status, buf_cstr(&r.body));
	json_t *p = http_json(&r);
	http_resp_release(&r);
	if (!jstr(p, "id") || !jstr(p, "sha256"))
		fail_photo(p, what, "no id or sha256");
	assert_string_equal(jstr(p, "mime"), fmt_mime[m->fmt]);
	char path[128];
	json_t *g =
	        api_expect(s, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", jstr(p, "id")), bearer, NULL, 200);
	if (!json_same(p, g))
		fail_photo(g, what, "GET /photos/{id} differs from the upload's answer");
	json_decref(g);
	return p;
}

static json_t *upload(const struct img *m, const struct up *u, const char *what)
{
	return upload_to(&srv, insp, m, u, what);
}

/* The member key of p exists (null or not). */
static json_t *member(const json_t *p, const char *key, const char *what)
{
	json_t *v = json_object_get(p, key);
	if (!v)
		fail_photo(p, what, "no member \"%s\"", key);
	return v;
}

/* width / height are w and h (w < 0: both null). */
static void expect_size(const json_t *p, int w, int h, const char *what)
{
	json_t *jw = member(p, "width", what), *jh = member(p, "height", what);
	if (w < 0) {
		if (!json_is_null(jw) || !json_is_null(jh))
			fail_photo(p, what, "width and height should be null");
		return;
	}
	if (!json_is_integer(jw) || !json_is_integer(jh) || json_integer_value(jw) != w || json_integer_value(jh) != h)
		fail_photo(p, what, "width/height should be %d/%d", w, h);
}

/* taken_at is want with taken_at_source source (want NULL: both null). */
static void expect_taken(const json_t *p, const char *want, const char *source, const char *what)
{
	json_t *t = member(p, "taken_at", what), *s = member(p, "taken_at_source", what);
	if (!want) {
		if (!json_is_null(t) || !json_is_null(s))
			fail_photo(p, what, "taken_at and taken_at_source should be null");
		return;
	}
	if (!json_is_string(t))
		fail_photo(p, what, "taken_at should be %s", want);
	if (strcmp(source, "client") == 0) {
		/* the client's value, as the first part of photos checks it */
		assert_timestamp(json_string_value(t));
		if (strncmp(json_string_value(t), want, 19) != 0)
			fail_photo(p, what, "taken_at should be the client's %s", want);
	} else if (strcmp(json_string_value(t), want) != 0) {
		fail_photo(p, what, "taken_at should be %s", want);
	}
	if (!json_is_string(s) || strcmp(json_string_value(s), source) != 0)
		fail_photo(p, what, "taken_at_source should be \"%s\"", source);
}

/* lat/lng are within 1e-6 of the given ones with location_source source
 * (source NULL: all three null). */
static void expect_location(const json_t *p, double lat, double lng, const char *source, const char *what)
{
	json_t *a = member(p, "lat", what), *o = member(p, "lng", what), *s = member(p, "location_source", what);
	if (!source) {
		if (!json_is_null(a) || !json_is_null(o) || !json_is_null(s))
			fail_photo(p, what, "lat, lng and location_source should be null");
		return;
	}
	if (!json_is_number(a) || !json_is_number(o) || fabs(json_number_value(a) - lat) > 1e-6 ||
	    fabs(json_number_value(o) - lng) > 1e-6)
		fail_photo(p, what, "lat/lng should be %.7f/%.7f", lat, lng);
	if (!json_is_string(s) || strcmp(json_string_value(s), source) != 0)
		fail_photo(p, what, "location_source should be \"%s\"", source);
}

/* ---- thumbnails ---------------------------------------------------------------------------- */

static void header_is(const struct http_resp *r, const char *name, const char *want, const char *what)
{
	char v[512];
	if (!http_header(r, name, v, sizeof v))
		fail_msg("%s: no %s header (want %s)", what, name, want);
	if (strcmp(v, want) != 0)
		fail_msg("%s: %s is \"%s\", want \"%s\"", what, name, v, want);
}

static const char *thumb_path(const char *pid, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/photos/%s/thumbnail", pid);
}

/* GET the thumbnail of pid by bearer (extra headers may be NULL). */
static void thumb_get(const char *pid, const char *bearer, const char *const *headers, struct http_resp *r)
{
	char path[128];
	api_call(&srv, "GET", thumb_path(pid, path, sizeof path), bearer, NULL, headers, r);
}

/* The APP1 segments (EXIF, XMP) of a JPEG, up to the scan. */
static int jpeg_app1_count(const unsigned char *d, size_t len)
{
	int n = 0;
	size_t p = 2;
	while (p + 4 <= len && d[p] == 0xff) {
		unsigned char m = d[p + 1];
		if (m == 0xda || m == 0xd9)
			break;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			p += 2;
			continue;
		}
		if (m == 0xe1)
			n++;
		p += 2 + ((size_t)d[p + 2] << 8 | d[p + 3]);
	}
	return n;
}

/* The thumbnail response body decoded as a JPEG (fails unless it is one,
 * complete and without metadata). Caller unrefs. */
static VipsImage *thumb_decode(const struct http_resp *r, const char *what)
{
	const unsigned char *d = (const unsigned char *)r->body.data;
	size_t len = r->body.len;
	if (len < 4 || d[0] != 0xff || d[1] != 0xd8 || d[2] != 0xff)
		fail_msg("%s: the thumbnail (%zu bytes) is not a JPEG", what, len);
	VipsImage *in;
	if (vips_jpegload_buffer((void *)d, len, &in, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL))
		vips_fail(what);
	VipsImage *im = vips_image_copy_memory(in);
	g_object_unref(in);
	if (!im)
		vips_fail(what);
	if (vips_image_get_typeof(im, VIPS_META_EXIF_NAME) || jpeg_app1_count(d, len) > 0)
		fail_msg("%s: the thumbnail carries EXIF/XMP metadata", what);
	if (memmem(d, len, "2026:11:20", 10) || memmem(d, len, "inspectd-test", 13))
		fail_msg("%s: the thumbnail carries the original's EXIF text", what);
	return im;
}

/* The mean of R, G and B at (x, y), the image taken to sRGB first (so a
 * grey or CMYK thumbnail is measured by what it shows). */
static double brightness(VipsImage *im, int x, int y)
{
	double *v;
	int n;
	VipsImage *srgb;
	if (vips_colourspace(im, &srgb, VIPS_INTERPRETATION_sRGB, NULL))
		vips_fail("colourspace");
	int rc = vips_getpoint(srgb, &v, &n, x, y, NULL);
	g_object_unref(srgb);
	if (rc)
		vips_fail("getpoint");
	double s = 0;
	for (int i = 0; i < n && i < 3; i++)
		s += v[i];
	s /= n < 3 ? n : 3;
	g_free(v);
	return s;
}

enum corner { TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT };
static const char *const corner_name[] = {"top left", "top right", "bottom left", "bottom right"};

/* The white block (the original's top-left quarter) is at corner c of im,
 * the other three corners dark. */
static void expect_block_at(VipsImage *im, enum corner c, const char *what)
{
	int W = im->Xsize, H = im->Ysize;
	int xs[2] = {W / 8, W - 1 - W / 8}, ys[2] = {H / 8, H - 1 - H / 8};
	for (int k = 0; k < 4; k++) {
		double b = brightness(im, xs[k & 1], ys[k >> 1]);
		int bright = b > 170, dark = b < 130;
		if ((k == (int)c && !bright) || (k != (int)c && !dark))
			fail_msg("%s: the white block should be at the %s of the %dx%d thumbnail; the %s is %.0f/255",
			         what, corner_name[c], W, H, corner_name[k], b);
	}
}

/*
 * GET the thumbnail of photo p (owned by insp.city): 200 with the contract's
 * headers, a JPEG of w×h with the block at corner c. Returns the body in
 * out (caller releases).
 */
static void expect_thumb(const json_t *p, int w, int h, enum corner c, const char *what, struct http_resp *out)
{
	const char *pid = jstr(p, "id");
	thumb_get(pid, insp, NULL, out);
	if (out->status != 200)
		fail_msg("%s: thumbnail expected 200, got %ld: %.400s", what, out->status, buf_cstr(&out->body));
	char etag[128], cl[32];
	snprintf(etag, sizeof etag, "\"%s-t320\"", jstr(p, "sha256"));
	snprintf(cl, sizeof cl, "%zu", out->body.len);
	header_is(out, "Content-Type", "image/jpeg", what);
	header_is(out, "ETag", etag, what);
	header_is(out, "Cache-Control", CACHE_CONTROL, what);
	header_is(out, "X-Content-Type-Options", "nosniff", what);
	header_is(out, "Content-Length", cl, what);
	char v[256];
	if (!http_header(out, "Content-Disposition", v, sizeof v) || strncmp(v, "inline", 6) != 0)
		fail_msg("%s: Content-Disposition is not inline", what);
	VipsImage *im = thumb_decode(out, what);
	if (im->Xsize != w || im->Ysize != h)
		fail_msg("%s: the thumbnail is %dx%d, want %dx%d", what, im->Xsize, im->Ysize, w, h);
	expect_block_at(im, c, what);
	g_object_unref(im);
}

/* ---- setup --------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	/* Both servers start before libvips has threads. */
	server_start(&srv, (const char *const[]){BOOTSTRAP_ENV, NULL});
	server_start(&ny, (const char *const[]){BOOTSTRAP_ENV, "INSPECTD_TIME_ZONE=America/New_York", NULL});
	api_login_ok(&ny, "admin", BOOTSTRAP_PASSWORD, &ny_admin);
	crew_build(&srv, &crew);
	insp = crew.insp_city.access;
	admin = crew.cast.admin.access;
	json_decref(round_create(&srv, crew.cast.supervisor.access, "2023-03", "2023年3月月观摩",
	                         (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                         (const char *const[]){crew.insp_city.user_id, crew.insp_two.user_id, NULL}, round_id));
	if (VIPS_INIT("api_images_test"))
		fail_msg("VIPS_INIT failed: %s", vips_error_buffer());
	vips_cache_set_max(0); /* buffers are freed after each decode */
	vips_concurrency_set(2);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_cleanup(&ny);
	server_cleanup(&srv);
	return 0;
}

/* ---- A. metadata --------------------------------------------------------------------------- */

static void test_dimensions(void **state)
{
	(void)state;
	static const struct {
		enum fmt fmt;
		int w, h, multipart;
	} cases[] = {
	        {JPEG, 1200, 900, 0}, {JPEG, 1200, 900, 1}, {JPEG, 900, 1200, 0},
	        {PNG, 800, 600, 1},   {WEBP, 1000, 750, 0}, {WEBP, 333, 517, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "%s %dx%d (%s)", fmt_name[cases[i].fmt], cases[i].w, cases[i].h,
		         cases[i].multipart ? "multipart" : "raw");
		struct img m = image(cases[i].fmt, cases[i].w, cases[i].h, NULL);
		json_t *p = upload(&m, &(struct up){.multipart = cases[i].multipart}, what);
		expect_size(p, cases[i].w, cases[i].h, what);
		/* no EXIF, no client values: nothing */
		expect_taken(p, NULL, NULL, what);
		expect_location(p, 0, 0, NULL, what);
		json_decref(p);
		free(m.b);
	}
}

static void test_exif_jpeg(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		struct exif_spec x;
		int multipart;
		const char *taken; /* NULL: null */
	} cases[] = {
	        /* no offset: the default zone, +08:00 */
	        {"DateTimeOriginal + GPS N/E",
	         {.dto = "2026:11:20 09:30:00", .datetime = "2030:01:02 03:04:05", GPS_HANGZHOU},
	         0,
	         "2026-11-20T01:30:00Z"},
	        {"the same as multipart",
	         {.dto = "2026:11:20 09:30:00", .datetime = "2030:01:02 03:04:05", GPS_HANGZHOU},
	         1,
	         "2026-11-20T01:30:00Z"},
	        /* the offset wins over the zone */
	        {"OffsetTimeOriginal +09:00",
	         {.dto = "2026:11:20 09:30:00", .offset = "+09:00"},
	         1,
	         "2026-11-20T00:30:00Z"},
	        {"OffsetTimeOriginal -05:00 (next day in UTC)",
	         {.dto = "2026:11:20 22:15:30", .offset = "-05:00", .big_endian = 1},
	         0,
	         "2026-11-21T03:15:30Z"},
	        {"OffsetTimeOriginal +09:00 (previous year in UTC)",
	         {.dto = "2026:01:01 05:00:00", .offset = "+09:00"},
	         0,
	         "2025-12-31T20:00:00Z"},
	        {"no offset, +08:00 across the end of February",
	         {.dto = "2026:03:01 07:00:00"},
	         0,
	         "2026-02-28T23:00:00Z"},
	        /* GPS only, south and west, big-endian; no DateTimeOriginal (DateTime is not it) */
	        {"GPS S/W only", {.datetime = "2026:11:20 09:30:00", GPS_SOUTH_WEST, .big_endian = 1}, 1, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct exif_spec *x = &cases[i].x;
		struct img m = image(JPEG, 640, 480, x);
		json_t *p = upload(&m, &(struct up){.multipart = cases[i].multipart}, cases[i].what);
		expect_size(p, 640, 480, cases[i].what);
		expect_taken(p, cases[i].taken, "exif", cases[i].what);
		if (x->lat_ref)
			expect_location(p, x->want_lat, x->want_lng, "exif", cases[i].what);
		else
			expect_location(p, 0, 0, NULL, cases[i].what);
		json_decref(p);
		free(m.b);
	}
}

/* EXIF in the other formats: without an offset (the zone), with +09:00 and S/W. */
static void exif_in(enum fmt fmt)
{
	const struct exif_spec x = {.dto = "2026:11:20 09:30:00", GPS_HANGZHOU};
	const struct exif_spec xo = {.dto = "2026:11:20 09:30:00", .offset = "+09:00", GPS_SOUTH_WEST};
	char what[96];
	snprintf(what, sizeof what, "%s with EXIF, no offset", fmt_name[fmt]);
	struct img m = image(fmt, 800, 600, &x);
	json_t *p = upload(&m, &(struct up){0}, what);
	expect_size(p, 800, 600, what);
	expect_taken(p, "2026-11-20T01:30:00Z", "exif", what);
	expect_location(p, x.want_lat, x.want_lng, "exif", what);
	json_decref(p);
	free(m.b);

	snprintf(what, sizeof what, "%s with EXIF, +09:00, S/W", fmt_name[fmt]);
	m = image(fmt, 400, 300, &xo);
	p = upload(&m, &(struct up){.multipart = 1}, what);
	expect_size(p, 400, 300, what);
	expect_taken(p, "2026-11-20T00:30:00Z", "exif", what);
	expect_location(p, xo.want_lat, xo.want_lng, "exif", what);
	json_decref(p);
	free(m.b);
}

/* WebP: an EXIF chunk (libvips writes it, "Exif\0\0" first). */
static void test_exif_webp(void **state)
{
	(void)state;
	exif_in(WEBP);
}

/* PNG: an eXIf chunk, which holds the TIFF structure alone (no "Exif\0\0"
 * in front, PNG 1.5 / the eXIf extension), as libvips and cameras write it. */
static void test_exif_png(void **state)
{
	(void)state;
	exif_in(PNG);
}

static void test_heic(void **state)
{
	(void)state;
	const struct exif_spec x = {.dto = "2026:11:20 09:30:00", .offset = "+09:00", GPS_HANGZHOU};
	struct img m;
	if (make_image(HEIC, 640, 480, PX_RGB, &x, &m) != 0) {
		print_message("HEIC test skipped: no HEIC encoder in this libvips\n");
		skip();
	}
	json_t *p = upload(&m, &(struct up){0}, "HEIC with EXIF");
	expect_size(p, 640, 480, "HEIC with EXIF");
	expect_taken(p, "2026-11-20T00:30:00Z", "exif", "HEIC with EXIF");
	expect_location(p, x.want_lat, x.want_lng, "exif", "HEIC with EXIF");
	struct http_resp r;
	expect_thumb(p, 320, 240, TOP_LEFT, "HEIC thumbnail", &r);
	http_resp_release(&r);
	json_decref(p);
	free(m.b);
}

static void test_client_wins(void **state)
{
	(void)state;
	const struct exif_spec x = {.dto = "2026:11:20 09:30:00", .offset = "+09:00", GPS_HANGZHOU};
	for (int multipart = 0; multipart < 2; multipart++) {
		const char *what = multipart ? "client values (multipart)" : "client values (raw)";
		struct img m = image(JPEG, 640, 480, &x);
		json_t *p = upload(&m,
		                   &(struct up){.taken_at = "2025-06-01T12:00:00Z",
		                                .lat = "31.5",
		                                .lng = "-121.25",
		                                .multipart = multipart},
		                   what);
		expect_taken(p, "2025-06-01T12:00:00Z", "client", what);
		expect_location(p, 31.5, -121.25, "client", what);
		json_decref(p);
		free(m.b);
	}
	/* Each field on its own: the client's taken_at, EXIF's place… */
	struct img m = image(JPEG, 640, 480, &x);
	json_t *p = upload(&m, &(struct up){.taken_at = "2024-02-29T23:59:59Z"}, "client taken_at only");
	expect_taken(p, "2024-02-29T23:59:59Z", "client", "client taken_at only");
	expect_location(p, x.want_lat, x.want_lng, "exif", "client taken_at only");
	json_decref(p);
	free(m.b);
	/* …EXIF's time, the client's place. */
	m = image(JPEG, 640, 480, &x);
	p = upload(&m, &(struct up){.lat = "0", .lng = "0", .multipart = 1}, "client lat/lng only");
	expect_taken(p, "2026-11-20T00:30:00Z", "exif", "client lat/lng only");
	expect_location(p, 0, 0, "client", "client lat/lng only");
	json_decref(p);
	free(m.b);
	/* Client values and no EXIF at all. */
	m = image(JPEG, 320, 240, NULL);
	p = upload(&m, &(struct up){.taken_at = "2026-11-27T08:00:00Z", .lat = "-89.5", .lng = "179.25"},
	           "client values, no EXIF");
	expect_taken(p, "2026-11-27T08:00:00Z", "client", "client values, no EXIF");
	expect_location(p, -89.5, 179.25, "client", "client values, no EXIF");
	json_decref(p);
	free(m.b);
}

static void test_exif_without_time_or_place(void **state)
{
	(void)state;
	/* EXIF with neither DateTimeOriginal nor GPS (DateTime is the file's change time). */
	const struct exif_spec bare = {.datetime = "2026:11:20 09:30:00", .orientation = 1};
	struct img m = image(JPEG, 640, 480, &bare);
	json_t *p = upload(&m, &(struct up){0}, "EXIF without time or place");
	expect_size(p, 640, 480, "EXIF without time or place");
	expect_taken(p, NULL, NULL, "EXIF without time or place");
	expect_location(p, 0, 0, NULL, "EXIF without time or place");
	json_decref(p);
	free(m.b);
	/* A camera's placeholder date is no date. */
	const struct exif_spec zero = {.dto = "0000:00:00 00:00:00"};
	m = image(JPEG, 640, 480, &zero);
	p = upload(&m, &(struct up){.multipart = 1}, "DateTimeOriginal 0000:00:00 00:00:00");
	expect_size(p, 640, 480, "DateTimeOriginal 0000:00:00 00:00:00");
	expect_taken(p, NULL, NULL, "DateTimeOriginal 0000:00:00 00:00:00");
	expect_location(p, 0, 0, NULL, "DateTimeOriginal 0000:00:00 00:00:00");
	json_decref(p);
	free(m.b);
}

/* The configured zone for EXIF times without an offset (with DST). */
static void test_time_zone(void **state)
{
	(void)state;
	static const struct {
		struct exif_spec x;
		const char *want;
	} cases[] = {
	        {{.dto = "2026:11:20 09:30:00"}, "2026-11-20T14:30:00Z"},                     /* EST, -05:00 */
	        {{.dto = "2026:07:01 09:30:00"}, "2026-07-01T13:30:00Z"},                     /* EDT, -04:00 */
	        {{.dto = "2026:11:20 09:30:00", .offset = "+09:00"}, "2026-11-20T00:30:00Z"}, /* the offset wins */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "America/New_York, %s%s%s", cases[i].x.dto, cases[i].x.offset ? " " : "",
		         cases[i].x.offset ? cases[i].x.offset : "");
		struct img m = image(JPEG, 320, 240, &cases[i].x);
		json_t *p = upload_to(&ny, ny_admin.access, &m, &(struct up){.multipart = (int)(i & 1)}, what);
		expect_taken(p, cases[i].want, "exif", what);
		json_decref(p);
		free(m.b);
	}
}

/* ---- magic bytes and junk -------------------------------------------------------------------- */

static void test_undecodable(void **state)
{
	(void)state;
	static const struct {
		const char *what, *magic;
		size_t mlen;
		enum fmt fmt;
	} cases[] = {
	        {"JPEG magic + junk", "\xff\xd8\xff\xe0", 4, JPEG},
	        {"PNG signature + junk", "\x89PNG\r\n\x1a\n", 8, PNG},
	        {"WebP header + junk", "RIFF\x08\x10\x00\x00WEBPVP8 ", 16, WEBP},
	        {"HEIC ftyp + junk",
	         "\x00\x00\x00\x18"
	         "ftypheic\x00\x00\x00\x00mif1heic",
	         24, HEIC},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *what = cases[i].what;
		size_t len = cases[i].mlen + 4096;
		unsigned char *b = malloc(len);
		assert_non_null(b);
		memcpy(b, cases[i].magic, cases[i].mlen);
		assert_int_equal(getrandom(b + cases[i].mlen, 4096, 0), 4096);
		struct img m = {b, len, cases[i].fmt};
		json_t *p = upload(&m, &(struct up){.multipart = (int)(i & 1)}, what);
		expect_size(p, -1, -1, what);
		expect_taken(p, NULL, NULL, what);
		expect_location(p, 0, 0, NULL, what);

		/* The thumbnail: 422 image_undecodable, twice (not cached as something else). */
		for (int k = 0; k < 2; k++) {
			struct http_resp r;
			thumb_get(jstr(p, "id"), insp, NULL, &r);
			if (r.status != 422)
				fail_msg("%s: thumbnail expected 422, got %ld: %.300s", what, r.status,
				         r.status == 200 ? "(an image)" : buf_cstr(&r.body));
			assert_problem(&r, 422, "image_undecodable");
			json_t *j = problem_json(&r);
			assert_string_equal(jstr(j, "title"), "图片无法解码");
			json_decref(j);
			http_resp_release(&r);
		}
		/* …and the original is still served as it was sent. */
		char path[128];
		struct http_resp r;
		api_get(&srv, pathf(path, sizeof path, "/api/v1/photos/%s/content", jstr(p, "id")), insp, &r);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body.len, len);
		assert_memory_equal(r.body.data, b, len);
		http_resp_release(&r);
		assert_int_equal(api_status(&srv, "/readyz", NULL), 200);
		json_decref(p);
		free(b);
	}
}

/* ---- B. thumbnails ------------------------------------------------------------------------- */

static void test_thumbnail(void **state)
{
	(void)state;
	/* EXIF with GPS and a time: none of it may reach the thumbnail. */
	const struct exif_spec x = {.dto = "2026:11:20 09:30:00", GPS_HANGZHOU};
	struct img m = image(JPEG, 1200, 900, &x);
	json_t *p = upload(&m, &(struct up){0}, "1200x900 JPEG");
	expect_size(p, 1200, 900, "1200x900 JPEG");
	assert_int_equal(jpeg_app1_count(m.b, m.len), 1); /* the detector thumb_decode uses sees the original's */
	const char *pid = jstr(p, "id"), *sha = jstr(p, "sha256");
	char path[128], etag[128], h[200], cache[600], cl[32];
	thumb_path(pid, path, sizeof path);
	snprintf(etag, sizeof etag, "\"%s-t320\"", sha);
	snprintf(cache, sizeof cache, "%s/thumbs/%.2s/%.2s/%s.jpg", srv.data_dir, sha, sha + 2, sha);

	struct http_resp first, r;
	expect_thumb(p, 320, 240, TOP_LEFT, "thumbnail of 1200x900", &first);
	snprintf(cl, sizeof cl, "%zu", first.body.len);

	/* Cached on disk: the very bytes served. */
	struct buf file = BUF_INIT;
	if (read_file(cache, &file) != 0)
		fail_msg("no thumbnail cache file at %s", cache);
	if (file.len != first.body.len || memcmp(file.data, first.body.data, file.len) != 0)
		fail_msg("the cache file %s (%zu bytes) is not the thumbnail served (%zu bytes)", cache, file.len,
		         first.body.len);
	buf_release(&file);

	/* Again: 200 and byte-identical. */
	expect_thumb(p, 320, 240, TOP_LEFT, "second thumbnail request", &r);
	if (r.body.len != first.body.len || memcmp(r.body.data, first.body.data, r.body.len) != 0)
		fail_msg("the second thumbnail differs from the first");
	http_resp_release(&r);

	/* If-None-Match with the ETag: 304 and no body. */
	snprintf(h, sizeof h, "If-None-Match: %s", etag);
	thumb_get(pid, insp, (const char *const[]){h, NULL}, &r);
	if (r.status != 304)
		fail_msg("If-None-Match %s: expected 304, got %ld", etag, r.status);
	assert_int_equal(r.body.len, 0);
	header_is(&r, "ETag", etag, "304");
	char cl304[32];
	if (http_header(&r, "Content-Length", cl304, sizeof cl304)) /* RFC 9110 §8.6: not a length of 0 */
		fail_msg("304 with Content-Length: %s", cl304);
	http_resp_release(&r);
	/* "*" matches any representation: 304 too. */
	thumb_get(pid, insp, (const char *const[]){"If-None-Match: *", NULL}, &r);
	if (r.status != 304)
		fail_msg("If-None-Match *: expected 304, got %ld", r.status);
	http_resp_release(&r);
	/* …the original's ETag (the bare sha256) is not the thumbnail's; nor is another. */
	for (size_t i = 0; i < 2; i++) {
		snprintf(h, sizeof h, "If-None-Match: \"%s%s\"", sha, i == 0 ? "" : "-t640");
		thumb_get(pid, insp, (const char *const[]){h, NULL}, &r);
		if (r.status != 200 || r.body.len != first.body.len)
			fail_msg("%s: expected 200 with the thumbnail, got %ld (%zu bytes)", h, r.status, r.body.len);
		http_resp_release(&r);
	}

	/* No ranges: 200 and the whole thumbnail. */
	thumb_get(pid, insp, (const char *const[]){"Range: bytes=0-9", NULL}, &r);
	if (r.status != 200)
		fail_msg("Range on a thumbnail: expected 200, got %ld", r.status);
	assert_int_equal(r.body.len, first.body.len);
	assert_memory_equal(r.body.data, first.body.data, r.body.len);
	char v[128];
	if (http_header(&r, "Content-Range", v, sizeof v))
		fail_msg("Range on a thumbnail: Content-Range \"%s\"", v);
	http_resp_release(&r);

	/* HEAD: the headers with the length, no body. */
	api_call(&srv, "HEAD", path, insp, NULL, NULL, &r);
	if (r.status != 200)
		fail_msg("HEAD thumbnail: expected 200, got %ld", r.status);
	assert_int_equal(r.body.len, 0);
	header_is(&r, "Content-Type", "image/jpeg", "HEAD");
	header_is(&r, "Content-Length", cl, "HEAD");
	header_is(&r, "ETag", etag, "HEAD");
	header_is(&r, "Cache-Control", CACHE_CONTROL, "HEAD");
	http_resp_release(&r);

	/* The original is untouched by all this. */
	char cpath[128];
	api_get(&srv, pathf(cpath, sizeof cpath, "/api/v1/photos/%s/content", pid), insp, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, m.len);
	assert_memory_equal(r.body.data, m.b, m.len);
	http_resp_release(&r);

	http_resp_release(&first);
	json_decref(p);
	free(m.b);
}

/* A photo not yet thumbnailed, HEAD first: the same length as GET's. */
static void test_head_first(void **state)
{
	(void)state;
	struct img m = image(PNG, 640, 320, NULL);
	json_t *p = upload(&m, &(struct up){0}, "640x320 PNG");
	char path[128];
	struct http_resp head, r;
	api_call(&srv, "HEAD", thumb_path(jstr(p, "id"), path, sizeof path), insp, NULL, NULL, &head);
	if (head.status != 200)
		fail_msg("HEAD on a new thumbnail: expected 200, got %ld", head.status);
	assert_int_equal(head.body.len, 0);
	char cl[32];
	if (!http_header(&head, "Content-Length", cl, sizeof cl))
		fail_msg("HEAD on a new thumbnail: no Content-Length");
	expect_thumb(p, 320, 160, TOP_LEFT, "GET after HEAD", &r);
	char want[32];
	snprintf(want, sizeof want, "%zu", r.body.len);
	if (strcmp(cl, want) != 0)
		fail_msg("HEAD said Content-Length %s, GET sent %s bytes", cl, want);
	http_resp_release(&r);
	http_resp_release(&head);
	json_decref(p);
	free(m.b);
}

static void test_thumbnail_sizes(void **state)
{
	(void)state;
	static const struct {
		enum fmt fmt;
		int w, h, tw, th;
		enum pixels px;
	} cases[] = {
	        {JPEG, 200, 100, 200, 100, PX_RGB}, /* never upscaled */
	        {JPEG, 320, 100, 320, 100, PX_RGB}, /* exactly 320 already */
	        {JPEG, 300, 1000, 96, 320, PX_RGB}, /* tall: the height is the long side */
	        {JPEG, 900, 1200, 240, 320, PX_RGB},   {PNG, 800, 600, 320, 240, PX_RGB},
	        {WEBP, 1000, 750, 320, 240, PX_RGB},   {PNG, 120, 90, 120, 90, PX_RGB},
	        {PNG, 800, 600, 320, 240, PX_RGBA}, /* a JPEG has no alpha */
	        {WEBP, 1000, 750, 320, 240, PX_RGBA},  {PNG, 640, 480, 320, 240, PX_GREY16},
	        {JPEG, 640, 480, 320, 240, PX_GREY16}, /* an 8-bit grey JPEG */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "thumbnail of %s %dx%d%s", fmt_name[cases[i].fmt], cases[i].w, cases[i].h,
		         px_name[cases[i].px]);
		struct img m = image_px(cases[i].fmt, cases[i].w, cases[i].h, cases[i].px, NULL);
		json_t *p = upload(&m, &(struct up){.multipart = (int)(i & 1)}, what);
		expect_size(p, cases[i].w, cases[i].h, what);
		struct http_resp r;
		expect_thumb(p, cases[i].tw, cases[i].th, TOP_LEFT, what, &r);
		http_resp_release(&r);
		json_decref(p);
		free(m.b);
	}
}

static void test_thumbnail_orientation(void **state)
{
	(void)state;
	static const struct {
		int orientation, tw, th;
		enum corner c;
	} cases[] = {
	        {6, 240, 320, TOP_RIGHT},    /* 90° clockwise to view */
	        {3, 320, 240, BOTTOM_RIGHT}, /* 180° */
	        {8, 240, 320, BOTTOM_LEFT},  /* 90° counter-clockwise */
	        {1, 320, 240, TOP_LEFT},     /* as stored */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[96];
		snprintf(what, sizeof what, "1200x900 JPEG with Orientation=%d", cases[i].orientation);
		const struct exif_spec x = {.orientation = cases[i].orientation, .big_endian = (int)(i & 1)};
		struct img m = image(JPEG, 1200, 900, &x);
		json_t *p = upload(&m, &(struct up){0}, what);
		expect_size(p, 1200, 900, what); /* as stored, before orientation */
		struct http_resp r;
		expect_thumb(p, cases[i].tw, cases[i].th, cases[i].c, what, &r);
		http_resp_release(&r);
		json_decref(p);
		free(m.b);
	}
}

/* Several first requests at once for one thumbnail: all the same, whole JPEG. */
struct racer {
	char url[256];
	const char *bearer;
	struct http_resp r;
};

static void *race(void *arg)
{
	struct racer *k = arg;
	char auth[6300];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", k->bearer);
	http_do("GET", k->url, (const char *const[]){auth, NULL}, NULL, 0, 0, &k->r);
	return NULL;
}

static void test_thumbnail_concurrent(void **state)
{
	(void)state;
	struct img m = image(JPEG, 1600, 1200, NULL);
	json_t *p = upload(&m, &(struct up){0}, "1600x1200 JPEG");
	enum { N = 6 };
	static struct racer k[N];
	pthread_t t[N];
	char path[128];
	thumb_path(jstr(p, "id"), path, sizeof path);
	for (int i = 0; i < N; i++) {
		url_of(&srv, path, k[i].url, sizeof k[i].url);
		k[i].bearer = insp;
		assert_int_equal(pthread_create(&t[i], NULL, race, &k[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < N; i++) {
		char what[64];
		snprintf(what, sizeof what, "concurrent thumbnail request %d", i);
		if (k[i].r.status != 200)
			fail_msg("%s: expected 200, got %ld: %.300s", what, k[i].r.status, buf_cstr(&k[i].r.body));
		VipsImage *im = thumb_decode(&k[i].r, what);
		if (im->Xsize != 320 || im->Ysize != 240)
			fail_msg("%s: %dx%d", what, im->Xsize, im->Ysize);
		g_object_unref(im);
		if (k[i].r.body.len != k[0].r.body.len || memcmp(k[i].r.body.data, k[0].r.body.data, k[0].r.body.len))
			fail_msg("%s: other bytes than request 0", what);
	}
	/* …and what is cached afterwards is the same. */
	struct http_resp r;
	expect_thumb(p, 320, 240, TOP_LEFT, "after the concurrent requests", &r);
	if (r.body.len != k[0].r.body.len || memcmp(r.body.data, k[0].r.body.data, r.body.len) != 0)
		fail_msg("the cached thumbnail differs from the one served concurrently");
	http_resp_release(&r);
	for (int i = 0; i < N; i++)
		http_resp_release(&k[i].r);
	json_decref(p);
	free(m.b);
}

/* ---- visibility ---------------------------------------------------------------------------- */

static void test_thumbnail_scope(void **state)
{
	(void)state;
	char insp_id[ID_LEN], pid[ID_LEN], lone[ID_LEN], tpath[128], cpath[128];
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, insp_id));
	struct img m = image(JPEG, 640, 480, NULL);
	json_t *p = upload(&m, &(struct up){.id = uuid_v4(pid), .inspection_id = insp_id}, "linked photo");
	char etag_h[160];
	snprintf(etag_h, sizeof etag_h, "If-None-Match: \"%s-t320\"", jstr(p, "sha256"));
	json_decref(p);
	free(m.b);
	thumb_path(pid, tpath, sizeof tpath);
	pathf(cpath, sizeof cpath, "/api/v1/photos/%s/content", pid);

	struct photo_viewer seen[PHOTO_VIEWERS];
	photo_viewers(&crew, seen);
	for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++) {
		const char *paths[] = {cpath, tpath};
		for (size_t k = 0; k < 2; k++) {
			struct http_resp r;
			api_get(&srv, paths[k], seen[i].token, &r);
			if (r.status != seen[i].want)
				fail_msg("GET %s by %s: expected %ld, got %ld: %.300s", paths[k], seen[i].who,
				         seen[i].want, r.status, r.status == 200 ? "" : buf_cstr(&r.body));
			if (r.status == 404)
				assert_problem(&r, 404, "not_found");
			if (k == 1 && r.status == 200)
				header_is(&r, "Content-Type", "image/jpeg", seen[i].who);
			http_resp_release(&r);
		}
		if (seen[i].want == 404) {
			/* the ETag does not get a 304 past the scope, nor HEAD a 200 */
			struct http_resp r;
			api_call(&srv, "GET", tpath, seen[i].token, NULL, (const char *const[]){etag_h, NULL}, &r);
			if (r.status != 404)
				fail_msg("GET %s by %s with If-None-Match: expected 404, got %ld", tpath, seen[i].who,
				         r.status);
			http_resp_release(&r);
			api_call(&srv, "HEAD", tpath, seen[i].token, NULL, NULL, &r);
			if (r.status != 404)
				fail_msg("HEAD %s by %s: expected 404, got %ld", tpath, seen[i].who, r.status);
			assert_int_equal(r.body.len, 0);
			http_resp_release(&r);
		}
	}

	/* A photo linked to nothing: its uploader and admin only. */
	m = image(JPEG, 640, 480, NULL);
	p = upload(&m, &(struct up){.id = uuid_v4(lone)}, "lone photo");
	json_decref(p);
	free(m.b);
	thumb_path(lone, tpath, sizeof tpath);
	assert_int_equal(api_status(&srv, tpath, insp), 200);
	assert_int_equal(api_status(&srv, tpath, admin), 200);
	expect_problem(&srv, "GET", tpath, crew.cast.supervisor.access, NULL, 404, "not_found");
	expect_problem(&srv, "GET", tpath, crew.insp_two.access, NULL, 404, "not_found");

	/* No token: 401 (also with the ETag). */
	struct http_resp r;
	api_get(&srv, tpath, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	api_call(&srv, "GET", thumb_path(pid, tpath, sizeof tpath), NULL, NULL, (const char *const[]){etag_h, NULL},
	         &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	api_call(&srv, "GET", tpath, "not.a.jwt", NULL, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* Unknown ids: 404 not_found; a malformed id: what /content answers (404 not_found). */
	expect_problem(&srv, "GET", thumb_path(unknown_id, tpath, sizeof tpath), admin, NULL, 404, "not_found");
	static const char *const bad[] = {"not-a-uuid", "7C9E6679-7425-40DE-944B-E07FC1F90AE7x", "0"};
	for (size_t i = 0; i < 3; i++) {
		struct http_resp rc;
		api_get(&srv, pathf(cpath, sizeof cpath, "/api/v1/photos/%s/content", bad[i]), admin, &rc);
		api_get(&srv, thumb_path(bad[i], tpath, sizeof tpath), admin, &r);
		if (r.status != rc.status)
			fail_msg("GET %s: %ld, but /content answers %ld", tpath, r.status, rc.status);
		assert_problem(&r, 404, "not_found");
		http_resp_release(&rc);
		http_resp_release(&r);
	}
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&ny), 0);
	assert_int_equal(server_stop(&srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dimensions),
	        cmocka_unit_test(test_exif_jpeg),
	        cmocka_unit_test(test_exif_webp),
	        cmocka_unit_test(test_exif_png),
	        cmocka_unit_test(test_heic),
	        cmocka_unit_test(test_client_wins),
	        cmocka_unit_test(test_exif_without_time_or_place),
	        cmocka_unit_test(test_time_zone),
	        cmocka_unit_test(test_undecodable),
	        cmocka_unit_test(test_thumbnail),
	        cmocka_unit_test(test_head_first),
	        cmocka_unit_test(test_thumbnail_sizes),
	        cmocka_unit_test(test_thumbnail_orientation),
	        cmocka_unit_test(test_thumbnail_concurrent),
	        cmocka_unit_test(test_thumbnail_scope),
	        cmocka_unit_test(test_clean_shutdown),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	vips_shutdown();
	return rc;
}
