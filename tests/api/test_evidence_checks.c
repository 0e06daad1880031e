/*
 * Evidence you can trust (issue 8, first part) through the real binary, with
 * real JPEGs made at run time with libvips and EXIF blocks built with libexif:
 *
 *   - org locations: lat / lng / radius_m on POST and PUT /orgs (defaults by
 *     level, validation of half a location, a radius without one, ranges),
 *     shown on GET and in lists;
 *   - every photo's `checks`: far_from_org (EXIF GPS, else the client's
 *     place, against the linked object's org: inspection, finding, task,
 *     progress report), time_mismatch (the inspection's started_at..
 *     finished_at ± the window, or the task's creation − the window),
 *     exif_client_disagree, duplicate_exact (the same bytes elsewhere, listed
 *     both ways, computed when read), duplicate_near (a resized and
 *     recompressed copy at another village or on another task; not an
 *     unrelated picture, not a copy on the same inspection), the level;
 *   - the evidence summary on inspection and task details and their action
 *     answers (not on lists);
 *   - approving an inspection / verifying a task whose evidence is alert:
 *     409 evidence_unacknowledged with the summary, 422 without a note, then
 *     accepted with acknowledge_evidence + evidence_note, stored as
 *     evidence_ack and recorded in the audit trail; ignored on non-alert
 *     objects;
 *   - INSPECTD_EVIDENCE_WINDOW_S shrinking the window (a second server).
 *
 * Every picture is checked after it is made: its own dHash (computed here the
 * contract's way with libvips) is within 2 bits of its intended copies and at
 * least 12 bits from every other picture of the run, so a near-duplicate
 * failure here is the server's, not the generator's.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* libx265 (loaded with libvips' HEIF module) keeps an allocation for the life
 * of the process: not this test's leak, nor the server's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libx265\n";
}

static struct server_proc srv;  /* the default window (21600 s) */
static struct server_proc wsrv; /* INSPECTD_EVIDENCE_WINDOW_S=600 */
static struct crew crew;
static json_t *tpl;
static char round_id[ID_LEN]; /* sup.a's round at A1 and A2: insp.city */
static const char *insp, *sup, *admin, *cadre;

#define WINDOW    21600
#define SMALL_WIN 600
#define EARTH_R   6371008.8

/* Where the villages are: A1 with the village default radius, B1 with its own. */
#define A1_LAT     30.2741
#define A1_LNG     120.1551
#define B1_LAT     30.2500
#define B1_LNG     120.1000
#define B1_RADIUS  800
#define TOWN_B_LAT 30.2600
#define TOWN_B_LNG 120.1200

/* ---- geometry and time ---------------------------------------------------------------------- */

static double rad(double d)
{
	return d * M_PI / 180.0;
}

static double haversine(double lat1, double lng1, double lat2, double lng2)
{
	double dphi = rad(lat2 - lat1), dl = rad(lng2 - lng1);
	double a = sin(dphi / 2) * sin(dphi / 2) + cos(rad(lat1)) * cos(rad(lat2)) * sin(dl / 2) * sin(dl / 2);
	return 2 * EARTH_R * asin(sqrt(a));
}

struct place {
	double lat, lng;
};

/* The place north_m metres north and east_m metres east of (lat, lng). */
static struct place moved(double lat, double lng, double north_m, double east_m)
{
	double deg = EARTH_R * M_PI / 180.0;
	return (struct place){lat + north_m / deg, lng + east_m / (deg * cos(rad(lat)))};
}

/* "2026-11-28T08:30:00Z" for t. */
static const char *utc(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* An RFC 3339 timestamp (Z or ±hh:mm, optional fraction) as seconds since
 * the epoch; fails the test when s is not one. */
static double ts_of(const char *s, const char *what)
{
	if (!s)
		fail_msg("%s: a timestamp is missing", what);
	int Y, M, D, h, m, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19)
		fail_msg("%s: \"%s\" is not an RFC 3339 timestamp", what, s);
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
	double t = (double)timegm(&tm);
	const char *p = s + 19;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			t += (*p - '0') * scale;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return t;
	int oh, om;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 && p[6] == '\0')
		return t - (*p == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
	fail_msg("%s: \"%s\" is not an RFC 3339 timestamp", what, s);
	return 0;
}

/* ---- EXIF blocks (libexif) ------------------------------------------------------------------ */

struct exif_spec {
	time_t taken; /* DateTimeOriginal in UTC with OffsetTimeOriginal +00:00 (0: none) */
	int gps;      /* GPS at lat/lng */
	double lat, lng;
};

#define EXIF_OFFSET_TIME_ORIGINAL ((ExifTag)0x9011)

static ExifEntry *exif_put(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, unsigned long n)
{
	ExifEntry *e = exif_entry_new();
	assert_non_null(e);
	e->size = exif_format_get_size(fmt) * (unsigned)n;
	e->data = calloc(1, e->size);
	assert_non_null(e->data);
	e->tag = tag;
	e->format = fmt;
	e->components = n;
	exif_content_add_entry(ed->ifd[ifd], e);
	exif_entry_unref(e);
	return e;
}

static void exif_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
	ExifEntry *e = exif_put(ed, ifd, tag, EXIF_FORMAT_ASCII, strlen(s) + 1);
	memcpy(e->data, s, strlen(s) + 1);
}

/* |v| as degrees, minutes and seconds (1/10000 s). */
static void exif_dms(ExifData *ed, ExifTag tag, double v)
{
	v = fabs(v);
	unsigned deg = (unsigned)v;
	double mf = (v - deg) * 60;
	unsigned min = (unsigned)mf;
	double sec = (mf - min) * 60;
	ExifRational r[3] = {{deg, 1}, {min, 1}, {(ExifLong)llround(sec * 10000), 10000}};
	ExifEntry *e = exif_put(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 3);
	for (int i = 0; i < 3; i++)
		exif_set_rational(e->data + 8 * i, EXIF_BYTE_ORDER_INTEL, r[i]);
}

/* The EXIF block of x: "Exif\0\0" then the TIFF structure. Caller frees. */
static unsigned char *exif_block(const struct exif_spec *x, unsigned int *len)
{
	ExifData *ed = exif_data_new();
	assert_non_null(ed);
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	exif_data_set_data_type(ed, EXIF_DATA_TYPE_COMPRESSED);
	exif_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "inspectd-test");
	if (x->taken) {
		char dto[32];
		struct tm tm;
		gmtime_r(&x->taken, &tm);
		strftime(dto, sizeof dto, "%Y:%m:%d %H:%M:%S", &tm);
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, dto);
		exif_ascii(ed, EXIF_IFD_EXIF, EXIF_OFFSET_TIME_ORIGINAL, "+00:00");
	}
	if (x->gps) {
		ExifEntry *v = exif_put(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE, 4);
		memcpy(v->data, "\x02\x02\x00\x00", 4);
		exif_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LATITUDE_REF, x->lat < 0 ? "S" : "N");
		exif_dms(ed, (ExifTag)EXIF_TAG_GPS_LATITUDE, x->lat);
		exif_ascii(ed, EXIF_IFD_GPS, (ExifTag)EXIF_TAG_GPS_LONGITUDE_REF, x->lng < 0 ? "W" : "E");
		exif_dms(ed, (ExifTag)EXIF_TAG_GPS_LONGITUDE, x->lng);
	}
	unsigned char *d = NULL;
	exif_data_save_data(ed, &d, len);
	exif_data_unref(ed);
	if (!d || *len < 6 || memcmp(d, "Exif\0\0", 6) != 0 || *len > 60000)
		fail_msg("libexif did not make an EXIF block");
	return d;
}

/* ---- pictures (libvips) --------------------------------------------------------------------- */

static void vips_fail(const char *what)
{
	char msg[600];
	snprintf(msg, sizeof msg, "%s", vips_error_buffer());
	vips_error_clear();
	fail_msg("libvips: %s: %s", what, msg);
}

struct img {
	unsigned char *b;
	size_t len;
	int w, h;
	uint64_t dhash; /* computed here, the contract's way */
};

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static unsigned rnd(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

enum pattern { BLOCKS, GRADIENT, CHECKER };

/* An RGB picture: BLOCKS a 9×8 grid of random grey levels (neighbours at
 * least 24 apart, so the dHash bits are random and firm), GRADIENT dark to
 * light from left to right, CHECKER squares of 160 px. */
static VipsImage *pattern_image(enum pattern pat, int w, int h)
{
	int level[8][9];
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 9; x++) {
			int v;
			do
				v = 25 + (int)rnd(206);
			while (x > 0 && abs(v - level[y][x - 1]) < 24);
			level[y][x] = v;
		}
	int tint = (int)rnd(12); /* a little colour of its own */
	unsigned char *px = malloc((size_t)w * h * 3);
	assert_non_null(px);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int v;
			if (pat == BLOCKS)
				v = level[y * 8 / h][x * 9 / w];
			else if (pat == GRADIENT)
				v = 20 + 215 * x / (w - 1);
			else
				v = ((x / 160) + (y / 160)) % 2 ? 220 : 35;
			unsigned char *p = px + ((size_t)y * w + x) * 3;
			p[0] = (unsigned char)(v + tint > 255 ? 255 : v + tint);
			p[1] = (unsigned char)v;
			p[2] = (unsigned char)(v > tint ? v - tint : 0);
		}
	VipsImage *im = vips_image_new_from_memory_copy(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
	free(px);
	if (!im)
		vips_fail("image from memory");
	return im;
}

/* The dHash of an encoded picture: decoded with its orientation, 9×8 grey,
 * bit i = pixel(x+1, y) > pixel(x, y), row-major. */
static uint64_t dhash_of(const unsigned char *b, size_t len, const char *what)
{
	VipsImage *t, *g, *m;
	if (vips_thumbnail_buffer((void *)b, len, &t, 9, "height", 8, "size", VIPS_SIZE_FORCE, NULL))
		vips_fail(what);
	if (vips_colourspace(t, &g, VIPS_INTERPRETATION_B_W, NULL))
		vips_fail(what);
	g_object_unref(t);
	if (g->Xsize != 9 || g->Ysize != 8 || g->BandFmt != VIPS_FORMAT_UCHAR)
		fail_msg("%s: dHash thumbnail %dx%d format %d", what, g->Xsize, g->Ysize, g->BandFmt);
	m = vips_image_copy_memory(g);
	g_object_unref(g);
	if (!m)
		vips_fail(what);
	const unsigned char *p = VIPS_IMAGE_ADDR(m, 0, 0);
	int bands = m->Bands;
	uint64_t h = 0;
	int bit = 0;
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++, bit++)
			if (p[(y * 9 + x + 1) * bands] > p[(y * 9 + x) * bands])
				h |= 1ull << bit;
	g_object_unref(m);
	return h;
}

/* Every distinct picture of the run, with its family (copies share one). */
static struct {
	uint64_t dhash;
	int family;
	char what[64];
} made[96];
static size_t n_made;
static int n_families;

/* Registers m in family (0: a new one) and checks the generator: within 2
 * bits of its family, at least 12 from every other picture. Returns the
 * family. */
static int register_image(const struct img *m, int family, const char *what)
{
	if (!family)
		family = ++n_families;
	for (size_t i = 0; i < n_made; i++) {
		int d = __builtin_popcountll(made[i].dhash ^ m->dhash);
		if (made[i].family == family && d > 2)
			fail_msg("test image %s: dHash %d bits from its original %s (the generator's fault)", what, d,
			         made[i].what);
		if (made[i].family != family && d < 12)
			fail_msg("test image %s: dHash only %d bits from the unrelated %s (the generator's fault)",
			         what, d, made[i].what);
	}
	if (n_made == sizeof made / sizeof made[0])
		fail_msg("too many test images");
	made[n_made].dhash = m->dhash;
	made[n_made].family = family;
	snprintf(made[n_made].what, sizeof made[n_made].what, "%s", what);
	n_made++;
	return family;
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

/* im saved as a JPEG of quality q with the EXIF of x (NULL: none), checked
 * by decoding it again. */
static struct img encode(VipsImage *im, int q, const struct exif_spec *x, const char *what)
{
	void *buf = NULL;
	size_t len = 0;
	if (vips_jpegsave_buffer(im, &buf, &len, "Q", q, "strip", TRUE, NULL))
		vips_fail(what);
	struct img m = {.w = im->Xsize, .h = im->Ysize};
	if (x) {
		unsigned xl;
		unsigned char *xb = exif_block(x, &xl);
		m.b = jpeg_with_exif(buf, len, xb, xl, &m.len);
		free(xb);
	} else {
		m.b = malloc(len);
		assert_non_null(m.b);
		memcpy(m.b, buf, len);
		m.len = len;
	}
	g_free(buf);
	VipsImage *back = vips_image_new_from_buffer(m.b, m.len, "", NULL);
	if (!back)
		vips_fail(what);
	if (back->Xsize != m.w || back->Ysize != m.h)
		fail_msg("test image %s: %dx%d after saving", what, back->Xsize, back->Ysize);
	if (x && !vips_image_get_typeof(back, VIPS_META_EXIF_NAME))
		fail_msg("test image %s: its EXIF was lost", what);
	g_object_unref(back);
	m.dhash = dhash_of(m.b, m.len, what);
	return m;
}

/* A new picture of pattern pat, w×h, JPEG quality 90, EXIF x (may be NULL),
 * unrelated to every other. */
static struct img picture(enum pattern pat, int w, int h, const struct exif_spec *x, const char *what)
{
	VipsImage *im = pattern_image(pat, w, h);
	struct img m = encode(im, 90, x, what);
	g_object_unref(im);
	register_image(&m, 0, what);
	return m;
}

/* A near copy of orig: resized to w×h, saved at quality q, no EXIF. */
static struct img near_copy(const struct img *orig, int w, int h, int q, const char *what)
{
	VipsImage *in = vips_image_new_from_buffer(orig->b, orig->len, "", NULL), *out;
	if (!in)
		vips_fail(what);
	if (vips_resize(in, &out, (double)w / orig->w, "vscale", (double)h / orig->h, NULL))
		vips_fail(what);
	g_object_unref(in);
	struct img m = encode(out, q, NULL, what);
	g_object_unref(out);
	if (m.w != w || m.h != h)
		fail_msg("test image %s: %dx%d, meant %dx%d", what, m.w, m.h, w, h);
	if (m.len == orig->len && memcmp(m.b, orig->b, m.len) == 0)
		fail_msg("test image %s: the same bytes as its original", what);
	int family = 0;
	for (size_t i = 0; i < n_made; i++)
		if (made[i].dhash == orig->dhash)
			family = made[i].family;
	if (!family)
		fail_msg("test image %s: its original is not registered", what);
	register_image(&m, family, what);
	return m;
}

/* ---- uploads -------------------------------------------------------------------------------- */

/* What the client sends besides the file. */
struct up {
	const char *inspection_id, *finding_id, *task_id, *progress_id;
	time_t taken; /* the client's taken_at (0: not sent) */
	int place;    /* the client's lat/lng sent */
	double lat, lng;
};

static void fail_photo(const json_t *p, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_photo(const json_t *p, const char *what, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *dump = p ? json_dumps(p, JSON_COMPACT) : NULL;
	print_error("%s: %s\n  photo: %s\n", what, msg, dump ? dump : "(none)");
	free(dump);
	fail();
}

/* Uploads m to s by bearer with u's fields (raw body, query), expecting
 * 201; checks that GET /photos/{id} answers the same photo. Returns it. */
static json_t *upload_to(struct server_proc *s, const char *bearer, const struct img *m, const struct up *u,
                         const char *what)
{
	struct byte_src src = {m->b, m->len, m->len, 0};
	struct buf q = BUF_INIT;
	const char *names[] = {"inspection_id", "finding_id", "task_id", "progress_id"};
	const char *values[] = {u->inspection_id, u->finding_id, u->task_id, u->progress_id};
	for (size_t i = 0; i < 4; i++)
		if (values[i])
			buf_printf(&q, "%s%s=%s", q.len ? "&" : "", names[i], values[i]);
	if (u->taken) {
		char t[32];
		char *e = qs_escape(utc(u->taken, t, sizeof t));
		buf_printf(&q, "%staken_at=%s", q.len ? "&" : "", e);
		free(e);
	}
	if (u->place)
		buf_printf(&q, "%slat=%.7f&lng=%.7f", q.len ? "&" : "", u->lat, u->lng);
	struct http_resp r;
	photo_upload_raw(s, bearer, q.len ? buf_cstr(&q) : NULL, "image/jpeg", &src, 0, &r);
	if (r.status != 201)
		fail_msg("%s: upload (?%s) expected 201, got %ld: %.400s", what, buf_cstr(&q), r.status,
		         buf_cstr(&r.body));
	buf_release(&q);
	json_t *p = http_json(&r);
	http_resp_release(&r);
	if (!jstr(p, "id"))
		fail_photo(p, what, "no id");
	if (!json_is_object(json_object_get(p, "checks")))
		fail_photo(p, what, "the upload's answer has no checks object");
	char path[128];
	json_t *g =
	        api_expect(s, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", jstr(p, "id")), bearer, NULL, 200);
	if (!json_same(p, g))
		fail_photo(g, what, "GET /photos/{id} differs from the upload's answer");
	json_decref(g);
	return p;
}

static json_t *upload(const char *bearer, const struct img *m, const struct up *u, const char *what)
{
	return upload_to(&srv, bearer, m, u, what);
}

/* GET /photos/{id} (as admin) on s. */
static json_t *photo_get_on(struct server_proc *s, const char *bearer, const json_t *p)
{
	char path[128];
	return api_expect(s, "GET", pathf(path, sizeof path, "/api/v1/photos/%s", jstr(p, "id")), bearer, NULL, 200);
}

static json_t *photo_get(const json_t *p)
{
	return photo_get_on(&srv, admin, p);
}

/* ---- what a photo's checks must say --------------------------------------------------------- */

/*
 * A photo's expected checks; zero means null (level NULL: "ok"). The
 * duplicate lists are checked apart (expect_dups); here they must be arrays.
 */
struct want {
	const char *level;
	int exif;         /* exif_present */
	time_t exif_time; /* 0: null */
	int gps;          /* exif_gps {lat, lng} (else null) */
	double glat, glng;
	double far_m; /* far_from_org.distance_m (±2 %) */
	long far_radius;
	const char *far_org;
	double gap;                /* time_mismatch.gap_s (±2 s) */
	time_t win_from, win_to;   /* the window's ends when checked (0: not checked) */
	double dis_time, dis_dist; /* exif_client_disagree members (both zero: the whole null) */
};

static json_t *checks_of(const json_t *p, const char *what)
{
	json_t *c = json_object_get(p, "checks");
	if (!json_is_object(c))
		fail_photo(p, what, "no checks object");
	static const char *const keys[] = {
	        "level",         "exif_present",         "exif_time",       "exif_gps",      "far_from_org",
	        "time_mismatch", "exif_client_disagree", "duplicate_exact", "duplicate_near"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!json_object_get(c, keys[i]))
			fail_photo(p, what, "checks has no member %s", keys[i]);
	if (!json_is_array(json_object_get(c, "duplicate_exact")) ||
	    !json_is_array(json_object_get(c, "duplicate_near")))
		fail_photo(p, what, "checks.duplicate_exact / duplicate_near are not arrays");
	return c;
}

static int within(double got, double want, double tol)
{
	return fabs(got - want) <= tol;
}

/* An integer member (fails when it is not one). */
static long long int_member(const json_t *o, const char *key, const json_t *p, const char *what)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_photo(p, what, "checks: %s is not an integer", key);
	return json_integer_value(v);
}

static void check_photo(const json_t *p, const struct want *w, const char *what)
{
	json_t *c = checks_of(p, what);
	const char *level = jstr(c, "level"), *want_level = w->level ? w->level : "ok";
	if (!level || strcmp(level, want_level) != 0)
		fail_photo(p, what, "checks.level should be \"%s\"", want_level);
	json_t *ep = json_object_get(c, "exif_present");
	if (!json_is_boolean(ep) || json_is_true(ep) != w->exif)
		fail_photo(p, what, "checks.exif_present should be %s", w->exif ? "true" : "false");

	json_t *et = json_object_get(c, "exif_time");
	if (!w->exif_time) {
		if (!json_is_null(et))
			fail_photo(p, what, "checks.exif_time should be null");
	} else {
		if (!json_is_string(et) || ts_of(json_string_value(et), what) != (double)w->exif_time)
			fail_photo(p, what, "checks.exif_time should be the instant %lld", (long long)w->exif_time);
	}

	json_t *g = json_object_get(c, "exif_gps");
	if (!w->gps) {
		if (!json_is_null(g))
			fail_photo(p, what, "checks.exif_gps should be null");
	} else if (!json_is_object(g) || !json_is_number(json_object_get(g, "lat")) ||
	           !json_is_number(json_object_get(g, "lng")) ||
	           !within(json_number_value(json_object_get(g, "lat")), w->glat, 1e-6) ||
	           !within(json_number_value(json_object_get(g, "lng")), w->glng, 1e-6)) {
		fail_photo(p, what, "checks.exif_gps should be {lat %.7f, lng %.7f}", w->glat, w->glng);
	}

	json_t *f = json_object_get(c, "far_from_org");
	if (w->far_m == 0) {
		if (!json_is_null(f))
			fail_photo(p, what, "checks.far_from_org should be null");
	} else {
		if (!json_is_object(f))
			fail_photo(p, what, "checks.far_from_org should be about %.0f m", w->far_m);
		long long d = int_member(f, "distance_m", p, what), r = int_member(f, "radius_m", p, what);
		if (!within((double)d, w->far_m, w->far_m * 0.02))
			fail_photo(p, what, "far_from_org.distance_m should be %.0f (±2%%)", w->far_m);
		if (r != w->far_radius)
			fail_photo(p, what, "far_from_org.radius_m should be %ld", w->far_radius);
		if (!jstr(f, "org_id") || strcmp(jstr(f, "org_id"), w->far_org) != 0)
			fail_photo(p, what, "far_from_org.org_id should be %s", w->far_org);
	}

	json_t *t = json_object_get(c, "time_mismatch");
	if (w->gap == 0) {
		if (!json_is_null(t))
			fail_photo(p, what, "checks.time_mismatch should be null");
	} else {
		if (!json_is_object(t))
			fail_photo(p, what, "checks.time_mismatch should have gap_s %.0f", w->gap);
		long long gap = int_member(t, "gap_s", p, what);
		if (!within((double)gap, w->gap, 2))
			fail_photo(p, what, "time_mismatch.gap_s should be %.0f (±2)", w->gap);
		json_t *win = json_object_get(t, "window");
		if (!json_is_object(win) || !json_object_get(win, "from") || !json_object_get(win, "to"))
			fail_photo(p, what, "time_mismatch.window should be {from, to}");
		if (w->win_from &&
		    (!jstr(win, "from") || !within(ts_of(jstr(win, "from"), what), (double)w->win_from, 1)))
			fail_photo(p, what, "time_mismatch.window.from should be the instant %lld",
			           (long long)w->win_from);
		if (w->win_to && (!jstr(win, "to") || !within(ts_of(jstr(win, "to"), what), (double)w->win_to, 1)))
			fail_photo(p, what, "time_mismatch.window.to should be the instant %lld", (long long)w->win_to);
	}

	json_t *d = json_object_get(c, "exif_client_disagree");
	if (w->dis_time == 0 && w->dis_dist == 0) {
		if (!json_is_null(d))
			fail_photo(p, what, "checks.exif_client_disagree should be null");
	} else {
		if (!json_is_object(d) || !json_object_get(d, "time_s") || !json_object_get(d, "distance_m"))
			fail_photo(p, what, "checks.exif_client_disagree should be {time_s, distance_m}");
		json_t *ts = json_object_get(d, "time_s"), *dm = json_object_get(d, "distance_m");
		if (w->dis_time == 0 ? !json_is_null(ts)
		                     : !json_is_integer(ts) || !within((double)json_integer_value(ts), w->dis_time, 2))
			fail_photo(p, what, "exif_client_disagree.time_s should be %s %.0f (±2)",
			           w->dis_time == 0 ? "null, not" : "about", w->dis_time);
		if (w->dis_dist == 0 ? !json_is_null(dm)
		                     : !json_is_integer(dm) ||
		                               !within((double)json_integer_value(dm), w->dis_dist, w->dis_dist * 0.02))
			fail_photo(p, what, "exif_client_disagree.distance_m should be %s %.0f (±2%%)",
			           w->dis_dist == 0 ? "null, not" : "about", w->dis_dist);
	}
}

/* Unset members: nothing flagged, no EXIF. */
#define WANT(...) (&(struct want){__VA_ARGS__})

/* One expected entry of a duplicate list. */
struct dup {
	const char *photo_id, *org_id, *linked, *linked_id;
};

/*
 * checks.<key> of p lists exactly want (n entries, any order) with their
 * org, link and (duplicate_near) a distance of 0..4.
 */
static void expect_dups(const json_t *p, const char *key, const struct dup *want, size_t n, const char *what)
{
	json_t *list = json_object_get(checks_of(p, what), key);
	if (json_array_size(list) != n)
		fail_photo(p, what, "checks.%s should list %zu photo(s)", key, n);
	for (size_t k = 0; k < n; k++) {
		json_t *e = find_by(list, "photo_id", want[k].photo_id);
		if (!e)
			fail_photo(p, what, "checks.%s should list photo %s", key, want[k].photo_id);
		if (!jstr(e, "org_id") || strcmp(jstr(e, "org_id"), want[k].org_id) != 0)
			fail_photo(p, what, "checks.%s: the entry of %s should have org_id %s", key, want[k].photo_id,
			           want[k].org_id);
		if (!jstr(e, "linked") || strcmp(jstr(e, "linked"), want[k].linked) != 0)
			fail_photo(p, what, "checks.%s: the entry of %s should have linked \"%s\"", key,
			           want[k].photo_id, want[k].linked);
		if (!jstr(e, "linked_id") || strcmp(jstr(e, "linked_id"), want[k].linked_id) != 0)
			fail_photo(p, what, "checks.%s: the entry of %s should have linked_id %s", key,
			           want[k].photo_id, want[k].linked_id);
		if (strcmp(key, "duplicate_near") == 0) {
			json_t *d = json_object_get(e, "distance");
			if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 4)
				fail_photo(p, what,
				           "checks.duplicate_near: the entry of %s should have a distance 0..4",
				           want[k].photo_id);
		}
	}
}

static void expect_no_dups(const json_t *p, const char *what)
{
	expect_dups(p, "duplicate_exact", NULL, 0, what);
	expect_dups(p, "duplicate_near", NULL, 0, what);
}

/* ---- evidence summaries --------------------------------------------------------------------- */

struct counts {
	const char *level;
	long photos, flagged, far, time, disagree, exact, near, no_exif;
};

static void expect_evidence(const json_t *o, const struct counts *w, const char *what)
{
	json_t *e = json_object_get(o, "evidence");
	char *dump = json_dumps(e ? e : o, JSON_COMPACT);
	if (!json_is_object(e))
		fail_msg("%s: no evidence object: %.600s", what, dump);
	if (!jstr(e, "level") || strcmp(jstr(e, "level"), w->level) != 0)
		fail_msg("%s: evidence.level should be \"%s\": %s", what, w->level, dump);
	if (jint(e, "photos") != w->photos || jint(e, "flagged") != w->flagged)
		fail_msg("%s: evidence.photos / flagged should be %ld / %ld: %s", what, w->photos, w->flagged, dump);
	json_t *c = json_object_get(e, "counts");
	static const char *const keys[] = {"far_from_org",    "time_mismatch",  "exif_client_disagree",
	                                   "duplicate_exact", "duplicate_near", "no_exif"};
	const long want[] = {w->far, w->time, w->disagree, w->exact, w->near, w->no_exif};
	if (!json_is_object(c) || json_object_size(c) != 6)
		fail_msg("%s: evidence.counts should have exactly the six counts: %s", what, dump);
	for (size_t i = 0; i < 6; i++)
		if (jint(c, keys[i]) != want[i])
			fail_msg("%s: evidence.counts.%s should be %ld: %s", what, keys[i], want[i], dump);
	free(dump);
}

/* ---- inspections and tasks ------------------------------------------------------------------ */

/* insp.city's inspection of org (in the round when round is set, else on
 * the default template) from started to finished (0: unset). */
static void inspection_new(struct server_proc *s, const char *bearer, const char *org, const char *round,
                           time_t started, time_t finished, char id[ID_LEN])
{
	char a[32], b[32];
	json_t *body =
	        json_pack("{s:s, s:s, s:s}", "id", uuid_v4(id), "org_id", org, "started_at", utc(started, a, sizeof a));
	json_object_set_new(body, round ? "round_id" : "template_id", json_string(round ? round : QIQIANG_TEMPLATE_ID));
	if (finished)
		json_object_set_new(body, "finished_at", json_string(utc(finished, b, sizeof b)));
	json_decref(api_expect_j(s, "POST", "/api/v1/inspections", bearer, body, 201));
	json_decref(body);
}

static json_t *inspection_get(const char *id)
{
	char path[128];
	return api_expect(&srv, "GET", inspection_path(id, NULL, path, sizeof path), admin, NULL, 200);
}

/* Complete answers whose photos are all photo_id, then submit: returns the
 * submitted inspection. */
static json_t *submit_citing(const char *id, const char *photo_id)
{
	json_t *answers = answers_complete(tpl, 0);
	size_t i;
	json_t *a;
	json_array_foreach(answers, i, a)
	{
		if (json_array_size(json_object_get(a, "photo_ids")))
			json_object_set_new(a, "photo_ids", json_pack("[s]", photo_id));
	}
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	json_t *o = inspection_action(&srv, insp, id, "submit", NULL, 200);
	assert_string_equal(jstr(o, "status"), "submitted");
	return o;
}

/* Searches j at any depth for a string containing s. */
static int has_string(const json_t *j, const char *s)
{
	if (json_is_string(j))
		return strstr(json_string_value(j), s) != NULL;
	size_t i;
	const char *k;
	json_t *v;
	if (json_is_array(j))
		json_array_foreach(j, i, v) if (has_string(v, s)) return 1;
	if (json_is_object(j))
		json_object_foreach((json_t *)j, k, v) if (has_string(v, s)) return 1;
	return 0;
}

/* The audit trail of entity/id (admin) records note in a change. */
static void expect_audited_note(const char *entity, const char *id, const char *note)
{
	char path[256];
	json_t *j = api_expect(&srv, "GET",
	                       pathf(path, sizeof path, "/api/v1/audit?entity=%s&entity_id=%s&limit=200", entity, id),
	                       admin, NULL, 200);
	json_t *items = json_object_get(j, "items");
	if (!json_is_array(items) || json_array_size(items) == 0)
		fail_msg("GET %s: no audit rows", path);
	int found = 0;
	size_t i;
	json_t *row;
	json_array_foreach(items, i, row)
	{
		json_t *ch = json_object_get(row, "changes");
		const char *k;
		json_t *v;
		json_object_foreach(ch, k, v)
		{
			if (has_string(json_object_get(v, "new"), note))
				found = 1;
		}
	}
	if (!found) {
		char *dump = json_dumps(items, JSON_COMPACT);
		fail_msg("GET %s: no change records the evidence note \"%s\": %.1500s", path, note, dump);
	}
	json_decref(j);
}

/* evidence_ack of o is {by, at, note} (by NULL: o's evidence_ack is null). */
static void expect_ack(const json_t *o, const char *by, const char *note, const char *what)
{
	json_t *a = json_object_get(o, "evidence_ack");
	char *dump = json_dumps(o, JSON_COMPACT);
	if (!a)
		fail_msg("%s: no member evidence_ack: %.800s", what, dump);
	if (!by) {
		if (!json_is_null(a))
			fail_msg("%s: evidence_ack should be null: %.800s", what, dump);
	} else {
		if (!json_is_object(a) || !jstr(a, "by") || strcmp(jstr(a, "by"), by) != 0 || !jstr(a, "note") ||
		    strcmp(jstr(a, "note"), note) != 0)
			fail_msg("%s: evidence_ack should be {by %s, note \"%s\"}: %.800s", what, by, note, dump);
		assert_timestamp(jstr(a, "at"));
	}
	free(dump);
}

/*
 * The refusals an alert-level object gets from action (approve / verify)
 * at path by bearer: no acknowledgement, acknowledge_evidence false, no note,
 * an empty or too long note, an unknown field. get() re-reads the object,
 * which must stay as it was (status, version, evidence_ack null).
 */
static void expect_ack_refusals(const char *path, const char *bearer, json_t *(*get)(const char *), const char *id,
                                const char *what)
{
	json_t *before = get(id);
	const char *status = jstr(before, "status");
	long long version = jint(before, "version");

	static const char *const bodies_409[] = {"{}", "{\"acknowledge_evidence\":false,\"evidence_note\":\"已核实\"}",
	                                         "{\"evidence_note\":\"已核实\"}"};
	for (size_t i = 0; i < 3; i++) {
		struct http_resp r;
		api_post(&srv, path, bearer, bodies_409[i], &r);
		if (r.status != 409)
			fail_msg("%s: POST %s %s: expected 409 evidence_unacknowledged, got %ld: %.500s", what, path,
			         bodies_409[i], r.status, buf_cstr(&r.body));
		assert_problem(&r, 409, "evidence_unacknowledged");
		json_t *pj = problem_json(&r);
		if (!jstr(pj, "title") || strcmp(jstr(pj, "title"), "证据存疑，需确认") != 0)
			fail_msg("%s: 409 title should be 证据存疑，需确认: %s", what, buf_cstr(&r.body));
		if (!json_equal(json_object_get(pj, "evidence"), json_object_get(before, "evidence")))
			fail_msg("%s: the 409's evidence should be the object's summary: %s", what, buf_cstr(&r.body));
		json_decref(pj);
		http_resp_release(&r);
	}
	/* acknowledge_evidence without a (valid) note: 422 on evidence_note (409 tolerated). */
	char *long_note = malloc(502);
	assert_non_null(long_note);
	memset(long_note, 'n', 501);
	long_note[501] = '\0';
	char *b501 = jbody("{s:b, s:s}", "acknowledge_evidence", 1, "evidence_note", long_note);
	const char *const bodies_422[] = {"{\"acknowledge_evidence\":true}",
	                                  "{\"acknowledge_evidence\":true,\"evidence_note\":\"\"}",
	                                  "{\"acknowledge_evidence\":true,\"evidence_note\":null}", b501};
	for (size_t i = 0; i < 4; i++) {
		struct http_resp r;
		api_post(&srv, path, bearer, bodies_422[i], &r);
		if (r.status == 422)
			assert_validation(&r, (const char *const[]){"evidence_note", NULL});
		else if (r.status == 409)
			assert_problem(&r, 409, "evidence_unacknowledged");
		else
			fail_msg("%s: POST %s %.80s: expected 422 (or 409), got %ld: %.500s", what, path, bodies_422[i],
			         r.status, buf_cstr(&r.body));
		http_resp_release(&r);
	}
	free(b501);
	free(long_note);
	/* Unknown fields are still refused. */
	expect_invalid(&srv, "POST", path, bearer, "{\"acknowledge_evidence\":true,\"evidence_note\":\"x\",\"ack\":1}",
	               (const char *const[]){"ack", NULL});

	json_t *after = get(id);
	if (strcmp(jstr(after, "status"), status) != 0 || jint(after, "version") != version)
		fail_msg("%s: refused acknowledgements changed the object (status %s → %s, version %lld → %lld)", what,
		         status, jstr(after, "status"), version, jint(after, "version"));
	expect_ack(after, NULL, NULL, what);
	json_decref(after);
	json_decref(before);
}

/* ---- tasks ---- */

static json_t *task_get(const char *id)
{
	char path[128];
	return api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/tasks/%s", id), admin, NULL, 200);
}

static json_t *task_do(const char *bearer, const char *id, const char *action, const char *body, long want)
{
	char path[160];
	return api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/%s", id, action), bearer,
	                  body ? body : "{}", want);
}

static json_t *task_new(const char *case_id, const char *title, char id[ID_LEN])
{
	char path[160];
	char *body = jbody("{s:s, s:s, s:s, s:b}", "title", title, "assignee_id", crew.cast.cadre.user_id, "due_date",
	                   "2031-07-31", "requires_photo", 0);
	json_t *t = api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/rectifications/%s/tasks", case_id), sup,
	                       body, 201);
	free(body);
	snprintf(id, ID_LEN, "%s", jstr(t, "id"));
	return t;
}

static json_t *progress_add(const char *task, int percent)
{
	char path[160];
	char *body = jbody("{s:s, s:i}", "text", "按计划推进", "percent", percent);
	json_t *p =
	        api_expect(&srv, "POST", pathf(path, sizeof path, "/api/v1/tasks/%s/progress", task), cadre, body, 201);
	free(body);
	return p;
}

/* ---- setup ---------------------------------------------------------------------------------- */

static char win_insp[6144]; /* the window server's inspector's token */
static char win_village[ID_LEN];

static int group_setup(void **state)
{
	(void)state;
	/* Both servers start before libvips has threads. */
	crew_round_setup(&srv, &crew, (const char *const[]){crew.insp_city.user_id, NULL}, &tpl, round_id);
	char wenv[64];
	snprintf(wenv, sizeof wenv, "INSPECTD_EVIDENCE_WINDOW_S=%d", SMALL_WIN);
	server_start(&wsrv, (const char *const[]){BOOTSTRAP_ENV, wenv, NULL});
	insp = crew.insp_city.access;
	sup = crew.cast.supervisor.access;
	admin = crew.cast.admin.access;
	cadre = crew.cast.cadre.access;
	if (VIPS_INIT("api_evidence_checks_test"))
		fail_msg("VIPS_INIT failed: %s", vips_error_buffer());
	vips_cache_set_max(0);
	vips_concurrency_set(1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&wsrv);
	server_cleanup(&srv);
	return 0;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&wsrv), 0);
	assert_int_equal(server_stop(&srv), 0);
}

/* ---- org locations -------------------------------------------------------------------------- */

static void expect_location(const json_t *o, double lat, double lng, long radius, const char *what)
{
	char *dump = json_dumps(o, JSON_COMPACT);
	json_t *a = json_object_get(o, "lat"), *n = json_object_get(o, "lng"), *r = json_object_get(o, "radius_m");
	if (!a || !n || !r)
		fail_msg("%s: the org lacks lat / lng / radius_m: %s", what, dump);
	if (radius < 0) {
		if (!json_is_null(a) || !json_is_null(n) || !json_is_null(r))
			fail_msg("%s: lat, lng and radius_m should be null: %s", what, dump);
	} else if (!json_is_number(a) || !json_is_number(n) || !json_is_integer(r) ||
	           !within(json_number_value(a), lat, 1e-9) || !within(json_number_value(n), lng, 1e-9) ||
	           json_integer_value(r) != radius) {
		fail_msg("%s: should be lat %.6f, lng %.6f, radius_m %ld: %s", what, lat, lng, radius, dump);
	}
	free(dump);
}

static json_t *org_put(const char *id, const char *body, long want)
{
	char path[128];
	return api_expect(&srv, "PUT", pathf(path, sizeof path, "/api/v1/orgs/%s", id), admin, body, want);
}

static json_t *org_get(const char *id)
{
	char path[128];
	return api_expect(&srv, "GET", pathf(path, sizeof path, "/api/v1/orgs/%s", id), admin, NULL, 200);
}

static void test_org_location(void **state)
{
	(void)state;
	char *body;
	json_t *o;
	/* The villages the photo tests use. */
	body = jbody("{s:f, s:f}", "lat", A1_LAT, "lng", A1_LNG);
	o = org_put(crew.tree.village_a1, body, 200);
	free(body);
	expect_location(o, A1_LAT, A1_LNG, 2000, "PUT A1 {lat, lng}: the village default radius");
	json_decref(o);
	body = jbody("{s:f, s:f, s:i}", "lat", B1_LAT, "lng", B1_LNG, "radius_m", B1_RADIUS);
	o = org_put(crew.tree.village_b1, body, 200);
	free(body);
	expect_location(o, B1_LAT, B1_LNG, B1_RADIUS, "PUT B1 {lat, lng, radius_m}");
	json_decref(o);
	/* A town's default radius is 5000. */
	body = jbody("{s:f, s:f}", "lat", TOWN_B_LAT, "lng", TOWN_B_LNG);
	o = org_put(crew.tree.town_b, body, 200);
	free(body);
	expect_location(o, TOWN_B_LAT, TOWN_B_LNG, 5000, "PUT town B {lat, lng}: the town default radius");
	json_decref(o);

	/* GET shows them; an org without a location has the three members, null. */
	o = org_get(crew.tree.village_a1);
	expect_location(o, A1_LAT, A1_LNG, 2000, "GET A1");
	json_decref(o);
	o = org_get(crew.tree.village_b1);
	expect_location(o, B1_LAT, B1_LNG, B1_RADIUS, "GET B1");
	json_decref(o);
	o = org_get(crew.tree.village_a2);
	expect_location(o, 0, 0, -1, "GET A2 (no location)");
	long long a2_version = jint(o, "version");
	json_decref(o);
	/* …and the list's Org objects too. */
	json_t *all = api_list_all(&srv, "/api/v1/orgs?level=village", admin, 50);
	expect_location(find_by(all, "id", crew.tree.village_a1), A1_LAT, A1_LNG, 2000, "A1 in GET /orgs");
	expect_location(find_by(all, "id", crew.tree.village_a2), 0, 0, -1, "A2 in GET /orgs");
	json_decref(all);

	/* POST with a location: the defaults by level, an explicit radius kept. */
	char vil[ID_LEN], grp[ID_LEN], own[ID_LEN];
	body = jbody("{s:s, s:s, s:s, s:s, s:f, s:f}", "code", "vil-loc", "name", "定位村", "level", "village",
	             "parent_id", crew.tree.town_a, "lat", 30.1, "lng", 120.2);
	o = api_expect(&srv, "POST", "/api/v1/orgs", admin, body, 201);
	free(body);
	expect_location(o, 30.1, 120.2, 2000, "POST a village with lat/lng");
	snprintf(vil, sizeof vil, "%s", jstr(o, "id"));
	json_decref(o);
	body = jbody("{s:s, s:s, s:s, s:s, s:f, s:f}", "code", "grp-loc", "name", "定位村一组", "level", "group",
	             "parent_id", vil, "lat", -33.5, "lng", -70.25);
	o = api_expect(&srv, "POST", "/api/v1/orgs", admin, body, 201);
	free(body);
	expect_location(o, -33.5, -70.25, 2000, "POST a group with lat/lng");
	snprintf(grp, sizeof grp, "%s", jstr(o, "id"));
	json_decref(o);
	body = jbody("{s:s, s:s, s:s, s:s, s:f, s:f, s:i}", "code", "vil-own", "name", "自定村", "level", "village",
	             "parent_id", crew.tree.town_a, "lat", 90.0, "lng", -180.0, "radius_m", 50);
	o = api_expect(&srv, "POST", "/api/v1/orgs", admin, body, 201);
	free(body);
	expect_location(o, 90.0, -180.0, 50, "POST with lat 90, lng -180, radius_m 50 (the bounds)");
	snprintf(own, sizeof own, "%s", jstr(o, "id"));
	json_decref(o);
	o = org_get(grp);
	expect_location(o, -33.5, -70.25, 2000, "GET the group");
	json_decref(o);
	body = jbody("{s:f, s:f, s:i}", "lat", -90.0, "lng", 180.0, "radius_m", 50000);
	o = org_put(own, body, 200);
	free(body);
	expect_location(o, -90.0, 180.0, 50000, "PUT lat -90, lng 180, radius_m 50000 (the bounds)");
	json_decref(o);
	/* Cleared: all three null. */
	o = org_put(own, "{\"lat\":null,\"lng\":null}", 200);
	expect_location(o, 0, 0, -1, "PUT {lat: null, lng: null}");
	json_decref(o);
	o = org_get(own);
	expect_location(o, 0, 0, -1, "GET after clearing the location");
	json_decref(o);

	/* Validation on an org without a location (A2). */
	static const struct {
		const char *body, *field;
	} bad[] = {
	        {"{\"lat\":30.1}", "lng"},
	        {"{\"lng\":120.1}", "lat"},
	        {"{\"lat\":30.1,\"lng\":null}", "lng"},
	        {"{\"lat\":null,\"lng\":120.1}", "lat"},
	        {"{\"radius_m\":1000}", "radius_m"},
	        {"{\"lat\":90.5,\"lng\":120.1}", "lat"},
	        {"{\"lat\":-90.01,\"lng\":120.1}", "lat"},
	        {"{\"lat\":30.1,\"lng\":180.5}", "lng"},
	        {"{\"lat\":30.1,\"lng\":-181}", "lng"},
	        {"{\"lat\":\"30.1\",\"lng\":120.1}", "lat"},
	        {"{\"lat\":30.1,\"lng\":120.1,\"radius_m\":49}", "radius_m"},
	        {"{\"lat\":30.1,\"lng\":120.1,\"radius_m\":50001}", "radius_m"},
	        {"{\"lat\":30.1,\"lng\":120.1,\"radius_m\":1000.5}", "radius_m"},
	        {"{\"lat\":30.1,\"lng\":120.1,\"radius_m\":\"1000\"}", "radius_m"},
	};
	char path[128];
	pathf(path, sizeof path, "/api/v1/orgs/%s", crew.tree.village_a2);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_invalid(&srv, "PUT", path, admin, bad[i].body, (const char *const[]){bad[i].field, NULL});
	o = org_get(crew.tree.village_a2);
	expect_location(o, 0, 0, -1, "A2 after the refused PUTs");
	assert_int_equal(jint(o, "version"), a2_version);
	json_decref(o);
	/* POST: half a location, a radius alone. */
	body = jbody("{s:s, s:s, s:s, s:s, s:f}", "code", "vil-half", "name", "半村", "level", "village", "parent_id",
	             crew.tree.town_a, "lat", 30.1);
	expect_invalid(&srv, "POST", "/api/v1/orgs", admin, body, (const char *const[]){"lng", NULL});
	free(body);
	body = jbody("{s:s, s:s, s:s, s:s, s:i}", "code", "vil-rad", "name", "径村", "level", "village", "parent_id",
	             crew.tree.town_a, "radius_m", 1000);
	expect_invalid(&srv, "POST", "/api/v1/orgs", admin, body, (const char *const[]){"radius_m", NULL});
	free(body);
	body = jbody("{s:s, s:s, s:s, s:s, s:f, s:f}", "code", "vil-far", "name", "远村", "level", "village",
	             "parent_id", crew.tree.town_a, "lat", 30.1, "lng", 200.0);
	expect_invalid(&srv, "POST", "/api/v1/orgs", admin, body, (const char *const[]){"lng", NULL});
	free(body);
	all = api_list_all(&srv, "/api/v1/orgs?level=village", admin, 50);
	if (find_by(all, "code", "vil-half") || find_by(all, "code", "vil-rad") || find_by(all, "code", "vil-far"))
		fail_msg("a refused POST /orgs created the org");
	json_decref(all);
}

/* ---- place ---------------------------------------------------------------------------------- */

static void test_far_from_org(void **state)
{
	(void)state;
	time_t now = time(NULL), started = now - 2 * 3600, finished = now - 3600, shot = now - 90 * 60;
	char I[ID_LEN], fid[ID_LEN], path[160];
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, started, finished, I);

	/* EXIF GPS 500 m north: inside the 2000 m radius. */
	struct place p500 = moved(A1_LAT, A1_LNG, 500, 0);
	struct img m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = shot, .gps = 1, p500.lat, p500.lng},
	                       "EXIF GPS 500 m away");
	json_t *near500 = upload(insp, &m, &(struct up){.inspection_id = I}, "EXIF GPS 500 m away");
	check_photo(near500, WANT(.exif = 1, .exif_time = shot, .gps = 1, .glat = p500.lat, .glng = p500.lng),
	            "EXIF GPS 500 m away");
	expect_no_dups(near500, "EXIF GPS 500 m away");
	free(m.b);

	/* EXIF GPS 5 km north: far. */
	struct place p5k = moved(A1_LAT, A1_LNG, 5000, 0);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = shot, .gps = 1, p5k.lat, p5k.lng},
	            "EXIF GPS 5 km away");
	json_t *far5k = upload(insp, &m, &(struct up){.inspection_id = I}, "EXIF GPS 5 km away");
	check_photo(far5k,
	            WANT(.level = "alert", .exif = 1, .exif_time = shot, .gps = 1, .glat = p5k.lat, .glng = p5k.lng,
	                 .far_m = 5000, .far_radius = 2000, .far_org = crew.tree.village_a1),
	            "EXIF GPS 5 km away");
	free(m.b);

	/* No EXIF, the client's place 5 km east: far too. */
	struct place c5k = moved(A1_LAT, A1_LNG, 0, 5000);
	m = picture(BLOCKS, 640, 480, NULL, "client place 5 km away");
	json_t *client5k =
	        upload(insp, &m, &(struct up){.inspection_id = I, .place = 1, .lat = c5k.lat, .lng = c5k.lng},
	               "client place 5 km away");
	check_photo(client5k,
	            WANT(.level = "alert", .far_m = haversine(A1_LAT, A1_LNG, c5k.lat, c5k.lng), .far_radius = 2000,
	                 .far_org = crew.tree.village_a1),
	            "client place 5 km away (no EXIF)");
	free(m.b);

	/* A photo of a finding of the inspection: the inspection's org. */
	json_t *items = template_items(tpl), *yn = NULL, *it;
	size_t k;
	json_array_foreach(items, k, it)
	{
		if (!yn && strcmp(jstr(it, "kind"), "yes_no") == 0)
			yn = it;
	}
	if (!yn)
		fail_msg("the default template has no yes_no item");
	char *body = jbody("{s:s, s:s, s:s, s:s}", "id", uuid_v4(fid), "severity", "high", "item_code",
	                   jstr(yn, "code"), "description", "现场与记录不符");
	json_decref(api_expect(&srv, "POST", inspection_path(I, "/findings", path, sizeof path), insp, body, 201));
	free(body);
	json_decref(items);
	struct place f4k = moved(A1_LAT, A1_LNG, -4000, 0);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.gps = 1, .lat = f4k.lat, .lng = f4k.lng},
	            "finding photo 4 km away");
	json_t *finding4k = upload(insp, &m, &(struct up){.finding_id = fid}, "finding photo 4 km away");
	check_photo(finding4k,
	            WANT(.level = "alert", .exif = 1, .gps = 1, .glat = f4k.lat, .glng = f4k.lng, .far_m = 4000,
	                 .far_radius = 2000, .far_org = crew.tree.village_a1),
	            "finding photo 4 km away");
	free(m.b);

	/* EXIF GPS 100 m away, the client's place 3 km west: the EXIF place
	 * counts (not far), but the two disagree. */
	struct place e100 = moved(A1_LAT, A1_LNG, 100, 0), c3k = moved(A1_LAT, A1_LNG, 0, -3000);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = shot, .gps = 1, e100.lat, e100.lng},
	            "EXIF here, client 3 km away");
	json_t *dis = upload(
	        insp, &m, &(struct up){.inspection_id = I, .taken = shot, .place = 1, .lat = c3k.lat, .lng = c3k.lng},
	        "EXIF here, client 3 km away");
	check_photo(dis,
	            WANT(.level = "warn", .exif = 1, .exif_time = shot, .gps = 1, .glat = e100.lat, .glng = e100.lng,
	                 .dis_dist = haversine(e100.lat, e100.lng, c3k.lat, c3k.lng)),
	            "EXIF GPS 100 m away, client place 3 km away, the same time");
	expect_no_dups(dis, "EXIF here, client 3 km away");
	free(m.b);

	/* An org without a location: nothing is far from it. */
	char I2[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_a2, round_id, started, finished, I2);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.gps = 1, .lat = 39.9042, .lng = 116.4074},
	            "GPS at an org without a location");
	json_t *noloc = upload(insp, &m, &(struct up){.inspection_id = I2, .place = 1, .lat = 39.9042, .lng = 116.4074},
	                       "GPS at an org without a location");
	check_photo(noloc, WANT(.exif = 1, .gps = 1, .glat = 39.9042, .glng = 116.4074),
	            "EXIF + client GPS 1000 km away, at A2 (no location)");
	free(m.b);

	/* The summary: photos linked by inspection_id and finding_id. */
	json_t *o = inspection_get(I);
	expect_evidence(
	        o, &(struct counts){.level = "alert", .photos = 5, .flagged = 4, .far = 3, .disagree = 1, .no_exif = 1},
	        "GET the inspection with far photos");
	json_decref(o);

	/* Submitted (its answers cite the 500 m photo: counted once), then approved. */
	o = submit_citing(I, jstr(near500, "id"));
	expect_evidence(
	        o, &(struct counts){.level = "alert", .photos = 5, .flagged = 4, .far = 3, .disagree = 1, .no_exif = 1},
	        "the submit answer");
	json_decref(o);
	char apath[160];
	inspection_path(I, "/approve", apath, sizeof apath);
	expect_ack_refusals(apath, sup, inspection_get, I, "approve an alert inspection");
	const char *note = "已电话核实：村委会搬迁至新址，照片为新址拍摄";
	body = jbody("{s:b, s:s}", "acknowledge_evidence", 1, "evidence_note", note);
	struct http_resp r;
	api_post(&srv, apath, sup, body, &r);
	free(body);
	if (r.status != 200)
		fail_msg("approve with acknowledge_evidence and a note: expected 200, got %ld: %.500s", r.status,
		         buf_cstr(&r.body));
	o = http_json(&r);
	http_resp_release(&r);
	assert_string_equal(jstr(o, "status"), "approved");
	expect_ack(o, crew.cast.supervisor.user_id, note, "the approve answer");
	expect_evidence(
	        o, &(struct counts){.level = "alert", .photos = 5, .flagged = 4, .far = 3, .disagree = 1, .no_exif = 1},
	        "the approve answer");
	json_decref(o);
	o = inspection_get(I);
	expect_ack(o, crew.cast.supervisor.user_id, note, "GET the approved inspection");
	json_decref(o);
	expect_audited_note("inspection", I, note);

	/* Lists do not carry the summary. */
	json_t *list = api_list_all(&srv, "/api/v1/inspections", admin, 50);
	it = find_by(list, "id", I);
	if (!it)
		fail_msg("the inspection is not in GET /inspections");
	if (json_object_get(it, "evidence"))
		fail_msg("GET /inspections items should not carry evidence");
	json_decref(list);

	json_decref(near500);
	json_decref(far5k);
	json_decref(client5k);
	json_decref(finding4k);
	json_decref(dis);
	json_decref(noloc);
}

/* B1's own radius (800 m): 1200 m away is far, 500 m is not. */
static void test_org_radius(void **state)
{
	(void)state;
	time_t now = time(NULL);
	char I[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_b1, NULL, now - 7200, now - 3600, I);
	struct place p = moved(B1_LAT, B1_LNG, 0, 1200), q = moved(B1_LAT, B1_LNG, 0, -500);
	struct img m = picture(BLOCKS, 640, 480, NULL, "client place 1200 m from B1");
	json_t *a = upload(insp, &m, &(struct up){.inspection_id = I, .place = 1, .lat = p.lat, .lng = p.lng},
	                   "client place 1200 m from B1");
	check_photo(a, WANT(.level = "alert", .far_m = 1200, .far_radius = B1_RADIUS, .far_org = crew.tree.village_b1),
	            "client place 1200 m from B1 (radius 800)");
	free(m.b);
	m = picture(BLOCKS, 640, 480, NULL, "client place 500 m from B1");
	json_t *b = upload(insp, &m, &(struct up){.inspection_id = I, .place = 1, .lat = q.lat, .lng = q.lng},
	                   "client place 500 m from B1");
	check_photo(b, WANT(.level = "ok"), "client place 500 m from B1 (radius 800)");
	free(m.b);
	json_decref(a);
	json_decref(b);
}

/* ---- time ----------------------------------------------------------------------------------- */

static void test_time_mismatch(void **state)
{
	(void)state;
	/* A visit 10 h ago, so every time below is in the past. */
	time_t now = time(NULL), S = now - 10 * 3600, F = now - 9 * 3600;
	char I[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, S, F, I);
	struct {
		const char *what;
		time_t exif, client;
		struct want w;
	} cases[] = {
	        {"EXIF time during the visit", S + 1800, 0, *WANT(.exif = 1, .exif_time = S + 1800)},
	        {"EXIF time 5 h before the start (inside the window)", S - 5 * 3600, 0,
	         *WANT(.exif = 1, .exif_time = S - 5 * 3600)},
	        {"EXIF time 5 h after the end (inside the window)", F + 5 * 3600 - 300, 0,
	         *WANT(.exif = 1, .exif_time = F + 5 * 3600 - 300)},
	        {"EXIF time 2 days before the start", S - 2 * 86400, 0,
	         *WANT(.level = "warn", .exif = 1, .exif_time = S - 2 * 86400, .gap = 2 * 86400 - WINDOW,
	               .win_from = S - WINDOW, .win_to = F + WINDOW)},
	        {"no EXIF, the client's time 1 day before the start", 0, S - 86400,
	         *WANT(.level = "warn", .gap = 86400 - WINDOW, .win_from = S - WINDOW, .win_to = F + WINDOW)},
	        {"EXIF and client times 3 h apart", S + 1800, S + 1800 - 3 * 3600,
	         *WANT(.level = "warn", .exif = 1, .exif_time = S + 1800, .dis_time = 3 * 3600)},
	        {"EXIF and client times 30 min apart", S + 1800, S + 3600, *WANT(.exif = 1, .exif_time = S + 1800)},
	        {"no EXIF at all", 0, 0, *WANT(.level = "ok")},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct exif_spec x = {.taken = cases[i].exif};
		struct img m = picture(BLOCKS, 640, 480, cases[i].exif ? &x : NULL, cases[i].what);
		json_t *p = upload(insp, &m, &(struct up){.inspection_id = I, .taken = cases[i].client}, cases[i].what);
		check_photo(p, &cases[i].w, cases[i].what);
		expect_no_dups(p, cases[i].what);
		json_decref(p);
		free(m.b);
	}
	json_t *o = inspection_get(I);
	expect_evidence(
	        o, &(struct counts){.level = "warn", .photos = 8, .flagged = 3, .time = 2, .disagree = 1, .no_exif = 2},
	        "GET the inspection with mistimed photos");
	json_decref(o);

	/* Warn is not alert: approved without any acknowledgement. */
	char pid[ID_LEN];
	struct img m = picture(BLOCKS, 640, 480, NULL, "answer photo");
	json_t *p = upload(insp, &m, &(struct up){.inspection_id = I}, "answer photo");
	snprintf(pid, sizeof pid, "%s", jstr(p, "id"));
	json_decref(p);
	free(m.b);
	json_decref(submit_citing(I, pid));
	o = inspection_action(&srv, sup, I, "approve", "{}", 200);
	assert_string_equal(jstr(o, "status"), "approved");
	expect_ack(o, NULL, NULL, "approving a warn-level inspection");
	expect_evidence(
	        o, &(struct counts){.level = "warn", .photos = 9, .flagged = 3, .time = 2, .disagree = 1, .no_exif = 3},
	        "the approve answer of a warn-level inspection");
	json_decref(o);

	/* An inspection not finished yet: up to now + the window. */
	char open[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, now - 3600, 0, open);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = now - 60}, "EXIF time now, unfinished visit");
	p = upload(insp, &m, &(struct up){.inspection_id = open}, "EXIF time now, unfinished visit");
	check_photo(p, WANT(.exif = 1, .exif_time = now - 60), "EXIF time a minute ago, visit not finished");
	json_decref(p);
	free(m.b);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = now - 3600 - WINDOW - 1800},
	            "EXIF 30 min before the window, unfinished visit");
	p = upload(insp, &m, &(struct up){.inspection_id = open}, "EXIF before the window, unfinished visit");
	check_photo(p,
	            WANT(.level = "warn", .exif = 1, .exif_time = now - 3600 - WINDOW - 1800, .gap = 1800,
	                 .win_from = now - 3600 - WINDOW),
	            "EXIF time 30 min before the window of an unfinished visit");
	json_decref(p);
	free(m.b);
}

/* The window from INSPECTD_EVIDENCE_WINDOW_S (600 s) on the second server. */
static void test_window_setting(void **state)
{
	(void)state;
	struct tokens wadmin, winsp;
	api_login_ok(&wsrv, "admin", BOOTSTRAP_PASSWORD, &wadmin);
	json_t *cities = api_list_all(&wsrv, "/api/v1/orgs?level=city", wadmin.access, 50);
	if (json_array_size(cities) != 1)
		fail_msg("the window server should have one city");
	char city[ID_LEN], town[ID_LEN];
	snprintf(city, sizeof city, "%s", jstr(json_array_get(cities, 0), "id"));
	json_decref(cities);
	api_create_org(&wsrv, wadmin.access, "town-w", "窗口镇", "town", city, NULL, town);
	api_create_org(&wsrv, wadmin.access, "vil-w", "窗口村", "village", town, "pilot", win_village);
	api_create_user(&wsrv, wadmin.access, "insp.w", "inspector", city, FIXTURE_PASSWORD, NULL);
	api_login_ok(&wsrv, "insp.w", FIXTURE_PASSWORD, &winsp);
	snprintf(win_insp, sizeof win_insp, "%s", winsp.access);

	time_t now = time(NULL), S = now - 3 * 3600, F = now - 2 * 3600;
	char I[ID_LEN];
	inspection_new(&wsrv, win_insp, win_village, NULL, S, F, I);
	struct {
		const char *what;
		time_t exif;
		struct want w;
	} cases[] = {
	        {"EXIF 1 h before the start (window 600 s)", S - 3600,
	         *WANT(.level = "warn", .exif = 1, .exif_time = S - 3600, .gap = 3600 - SMALL_WIN,
	               .win_from = S - SMALL_WIN, .win_to = F + SMALL_WIN)},
	        {"EXIF 1 h after the end (window 600 s)", F + 3600,
	         *WANT(.level = "warn", .exif = 1, .exif_time = F + 3600, .gap = 3600 - SMALL_WIN,
	               .win_from = S - SMALL_WIN, .win_to = F + SMALL_WIN)},
	        {"EXIF 5 min before the start (window 600 s)", S - 300, *WANT(.exif = 1, .exif_time = S - 300)},
	        {"EXIF 5 min after the end (window 600 s)", F + 300, *WANT(.exif = 1, .exif_time = F + 300)},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct img m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = cases[i].exif}, cases[i].what);
		json_t *p = upload_to(&wsrv, win_insp, &m, &(struct up){.inspection_id = I}, cases[i].what);
		check_photo(p, &cases[i].w, cases[i].what);
		json_t *g = photo_get_on(&wsrv, wadmin.access, p);
		check_photo(g, &cases[i].w, cases[i].what);
		json_decref(g);
		json_decref(p);
		free(m.b);
	}
}

/* ---- duplicates ----------------------------------------------------------------------------- */

static void test_duplicates(void **state)
{
	(void)state;
	time_t now = time(NULL);
	char Ia1[ID_LEN], Ia2[ID_LEN], Ib1[ID_LEN], Isame[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, now - 7200, now - 3600, Ia1);
	inspection_new(&srv, insp, crew.tree.village_a2, round_id, now - 7200, now - 3600, Ia2);
	inspection_new(&srv, insp, crew.tree.village_b1, NULL, now - 7200, now - 3600, Ib1);
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, now - 7200, now - 3600, Isame);
	const char *A1 = crew.tree.village_a1, *A2 = crew.tree.village_a2, *B1 = crew.tree.village_b1;

	/* At A1: an original and a picture about to be copied byte for byte. */
	struct img base = picture(BLOCKS, 1200, 900, NULL, "1200x900 original");
	struct img exact = picture(BLOCKS, 800, 600, NULL, "picture copied byte for byte");
	json_t *pbase = upload(insp, &base, &(struct up){.inspection_id = Ia1}, "the original at A1");
	json_t *pexact = upload(insp, &exact, &(struct up){.inspection_id = Ia1}, "the exact original at A1");
	check_photo(pbase, WANT(.level = "ok"), "the original before any copy");
	expect_no_dups(pbase, "the original before any copy");
	json_t *o = inspection_get(Ia1);
	expect_evidence(o, &(struct counts){.level = "ok", .photos = 2, .no_exif = 2}, "A1's inspection before copies");
	json_decref(o);

	/* The same bytes for B1's inspection. */
	json_t *pcopy = upload(insp, &exact, &(struct up){.inspection_id = Ib1}, "the same bytes at B1");
	check_photo(pcopy, WANT(.level = "alert"), "the same bytes at B1");
	expect_dups(pcopy, "duplicate_exact", (struct dup[]){{jstr(pexact, "id"), A1, "inspection", Ia1}}, 1,
	            "the same bytes at B1");
	expect_dups(pcopy, "duplicate_near", NULL, 0, "the same bytes at B1 (exact copies are not near ones)");
	json_t *g = photo_get(pexact);
	check_photo(g, WANT(.level = "alert"), "the exact original, read after its copy");
	expect_dups(g, "duplicate_exact", (struct dup[]){{jstr(pcopy, "id"), B1, "inspection", Ib1}}, 1,
	            "the exact original, read after its copy");
	expect_dups(g, "duplicate_near", NULL, 0, "the exact original (exact copies are not near ones)");
	json_decref(g);

	/* Resized 1200x900 → 800x600 and recompressed (Q90 → Q55) for A2's inspection. */
	struct img resized = near_copy(&base, 800, 600, 55, "resized recompressed copy");
	json_t *pnear = upload(insp, &resized, &(struct up){.inspection_id = Ia2}, "the near copy at A2");
	check_photo(pnear, WANT(.level = "alert"), "the near copy at A2");
	expect_dups(pnear, "duplicate_exact", NULL, 0, "the near copy at A2");
	expect_dups(pnear, "duplicate_near", (struct dup[]){{jstr(pbase, "id"), A1, "inspection", Ia1}}, 1,
	            "the near copy at A2");
	g = photo_get(pbase);
	check_photo(g, WANT(.level = "alert"), "the original, read after its near copy");
	expect_dups(g, "duplicate_exact", NULL, 0, "the original, read after its near copy");
	expect_dups(g, "duplicate_near", (struct dup[]){{jstr(pnear, "id"), A2, "inspection", Ia2}}, 1,
	            "the original, read after its near copy");
	json_decref(g);

	/* Unrelated pictures at A2: another block pattern, a gradient, a checkerboard. */
	static const struct {
		enum pattern pat;
		const char *what;
	} others[] = {{BLOCKS, "another block picture"}, {GRADIENT, "a gradient"}, {CHECKER, "a checkerboard"}};
	for (size_t i = 0; i < 3; i++) {
		struct img m = picture(others[i].pat, 1200, 900, NULL, others[i].what);
		json_t *p = upload(insp, &m, &(struct up){.inspection_id = Ia2}, others[i].what);
		check_photo(p, WANT(.level = "ok"), others[i].what);
		expect_no_dups(p, others[i].what);
		json_decref(p);
		free(m.b);
	}
	/* …and the original still lists only its copy. */
	g = photo_get(pbase);
	expect_dups(g, "duplicate_near", (struct dup[]){{jstr(pnear, "id"), A2, "inspection", Ia2}}, 1,
	            "the original after the unrelated pictures");
	json_decref(g);

	/* A1's inspection now: both its photos alert (computed when read). */
	o = inspection_get(Ia1);
	expect_evidence(
	        o, &(struct counts){.level = "alert", .photos = 2, .flagged = 2, .exact = 1, .near = 1, .no_exif = 2},
	        "A1's inspection after the copies elsewhere");
	json_decref(o);

	/* Copies on the same inspection: a near copy is not reported; an exact
	 * one is listed but is not an alert (the same object). */
	struct img same = picture(BLOCKS, 1200, 900, NULL, "picture copied on one inspection");
	struct img same_near = near_copy(&same, 800, 600, 60, "its near copy on the same inspection");
	json_t *s1 = upload(insp, &same, &(struct up){.inspection_id = Isame}, "original on the inspection");
	json_t *s2 = upload(insp, &same_near, &(struct up){.inspection_id = Isame}, "near copy on the same inspection");
	check_photo(s2, WANT(.level = "ok"), "a near copy on the same inspection");
	expect_no_dups(s2, "a near copy on the same inspection");
	g = photo_get(s1);
	check_photo(g, WANT(.level = "ok"), "the original of a near copy on the same inspection");
	expect_no_dups(g, "the original of a near copy on the same inspection");
	json_decref(g);
	struct img twice = picture(BLOCKS, 640, 480, NULL, "picture uploaded twice on one inspection");
	json_t *t1 = upload(insp, &twice, &(struct up){.inspection_id = Isame}, "first upload on the inspection");
	json_t *t2 = upload(insp, &twice, &(struct up){.inspection_id = Isame}, "same bytes again on the inspection");
	if (strcmp(jstr(t1, "id"), jstr(t2, "id")) == 0)
		fail_msg("the same bytes uploaded twice became one photo");
	check_photo(t2, WANT(.level = "ok"), "the same bytes again on the same inspection");
	expect_dups(t2, "duplicate_exact", (struct dup[]){{jstr(t1, "id"), A1, "inspection", Isame}}, 1,
	            "the same bytes again on the same inspection");
	expect_dups(t2, "duplicate_near", NULL, 0, "the same bytes again on the same inspection");
	g = photo_get(t1);
	check_photo(g, WANT(.level = "ok"), "the first of two identical uploads on one inspection");
	expect_dups(g, "duplicate_exact", (struct dup[]){{jstr(t2, "id"), A1, "inspection", Isame}}, 1,
	            "the first of two identical uploads on one inspection");
	json_decref(g);

	json_decref(pbase);
	json_decref(pexact);
	json_decref(pcopy);
	json_decref(pnear);
	json_decref(s1);
	json_decref(s2);
	json_decref(t1);
	json_decref(t2);
	free(base.b);
	free(exact.b);
	free(resized.b);
	free(same.b);
	free(same_near.b);
	free(twice.b);
}

/* ---- acknowledgements on non-alert objects -------------------------------------------------- */

/* Regression (review): a photo attached to nothing is no evidence elsewhere —
 * a retried upload left unattached must not turn its attached twin into an
 * alert, nor be listed. */
static void test_unattached_copy(void **state)
{
	(void)state;
	time_t now = time(NULL);
	char I[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, now - 7200, now - 3600, I);
	struct img m = picture(BLOCKS, 640, 480, NULL, "picture uploaded twice");
	json_t *loose = upload(insp, &m, &(struct up){0}, "the unattached upload");
	json_t *kept = upload(insp, &m, &(struct up){.inspection_id = I}, "the same bytes, attached");
	check_photo(kept, WANT(.level = "ok"), "the attached copy of an unattached upload");
	expect_no_dups(kept, "the attached copy of an unattached upload");
	json_t *o = inspection_get(I);
	expect_evidence(o, &(struct counts){.level = "ok", .photos = 1, .no_exif = 1}, "its inspection");
	json_decref(o);
	json_decref(kept);
	json_decref(loose);
	free(m.b);
}

static void test_ack_ignored(void **state)
{
	(void)state;
	time_t now = time(NULL);
	char I[ID_LEN];
	inspection_new(&srv, insp, crew.tree.village_a1, round_id, now - 7200, now - 3600, I);
	struct img m = picture(BLOCKS, 640, 480, NULL, "plain linked photo");
	json_t *linked = upload(insp, &m, &(struct up){.inspection_id = I}, "plain linked photo");
	free(m.b);
	/* A photo linked to nothing, cited by the answers: counted too. */
	m = picture(BLOCKS, 640, 480, NULL, "unlinked cited photo");
	json_t *cited = upload(insp, &m, &(struct up){0}, "unlinked cited photo");
	check_photo(cited, WANT(.level = "ok"), "unlinked cited photo");
	free(m.b);
	json_t *o = submit_citing(I, jstr(cited, "id"));
	expect_evidence(o, &(struct counts){.level = "ok", .photos = 2, .no_exif = 2},
	                "an inspection with a linked and a cited photo");
	json_decref(o);
	o = inspection_action(&srv, sup, I, "approve",
	                      "{\"acknowledge_evidence\":true,\"evidence_note\":\"无需确认的说明\"}", 200);
	assert_string_equal(jstr(o, "status"), "approved");
	expect_ack(o, NULL, NULL, "acknowledge_evidence on an ok inspection");
	json_decref(o);
	o = inspection_get(I);
	expect_ack(o, NULL, NULL, "GET an ok inspection approved with acknowledge_evidence");
	json_decref(o);
	json_decref(linked);
	json_decref(cited);
}

/* ---- tasks ---------------------------------------------------------------------------------- */

static void test_task_evidence(void **state)
{
	(void)state;
	char case_id[ID_LEN], T[ID_LEN], T2[ID_LEN], Tok[ID_LEN];
	char *body = jbody("{s:s, s:i, s:s, s:s}", "org_id", crew.tree.village_a1, "year", 2022, "reason",
	                   "组织生活不规范", "source", "annual");
	json_t *c = api_expect(&srv, "POST", "/api/v1/rectifications", sup, body, 201);
	free(body);
	snprintf(case_id, sizeof case_id, "%s", jstr(c, "id"));
	json_decref(c);
	json_t *t = task_new(case_id, "党员活动室挂牌", T);
	double created = ts_of(jstr(t, "created_at"), "the task's created_at");
	expect_evidence(t, &(struct counts){.level = "ok"}, "a new task");
	expect_ack(t, NULL, NULL, "a new task");
	json_decref(t);
	json_decref(task_do(cadre, T, "start", NULL, 200));
	time_t now = time(NULL);

	/* EXIF GPS 5 km from A1, taken now: far, in time. */
	struct place p5k = moved(A1_LAT, A1_LNG, 5000, 0);
	struct img m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = now, .gps = 1, p5k.lat, p5k.lng},
	                       "task photo 5 km away");
	json_t *far = upload(cadre, &m, &(struct up){.task_id = T}, "task photo 5 km away");
	check_photo(far,
	            WANT(.level = "alert", .exif = 1, .exif_time = now, .gps = 1, .glat = p5k.lat, .glng = p5k.lng,
	                 .far_m = 5000, .far_radius = 2000, .far_org = crew.tree.village_a1),
	            "task photo 5 km away");
	free(m.b);

	/* Taken 3 days before the task was created − the window. */
	time_t old = (time_t)created - WINDOW - 3 * 86400;
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = old}, "task photo taken before the task");
	json_t *early = upload(cadre, &m, &(struct up){.task_id = T}, "task photo taken before the task");
	check_photo(early, WANT(.level = "warn", .exif = 1, .exif_time = old, .gap = 3 * 86400),
	            "task photo taken 3 days before created_at − 6 h");
	free(m.b);
	/* Taken an hour before the task was created: inside the window. */
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = (time_t)created - 3600},
	            "task photo an hour before the task");
	json_t *hour = upload(cadre, &m, &(struct up){.task_id = T}, "task photo an hour before the task");
	check_photo(hour, WANT(.exif = 1, .exif_time = (time_t)created - 3600), "task photo an hour before created_at");
	free(m.b);

	/* A progress report's photo, the client's place 5 km east: the task's org. */
	json_t *rep = progress_add(T, 50);
	char rid[ID_LEN];
	snprintf(rid, sizeof rid, "%s", jstr(rep, "id"));
	json_decref(rep);
	struct place c5k = moved(A1_LAT, A1_LNG, 0, 5000);
	m = picture(BLOCKS, 640, 480, NULL, "progress photo 5 km away");
	json_t *prog = upload(cadre, &m, &(struct up){.progress_id = rid, .place = 1, .lat = c5k.lat, .lng = c5k.lng},
	                      "progress photo 5 km away");
	check_photo(prog,
	            WANT(.level = "alert", .far_m = haversine(A1_LAT, A1_LNG, c5k.lat, c5k.lng), .far_radius = 2000,
	                 .far_org = crew.tree.village_a1),
	            "progress photo, client place 5 km away");
	free(m.b);

	/* A near copy on another task of the same village: reported (another task). */
	struct img k = picture(BLOCKS, 1200, 900, NULL, "task picture");
	json_t *pk = upload(cadre, &k, &(struct up){.task_id = T}, "task picture");
	json_decref(task_new(case_id, "更新公示栏", T2));
	json_decref(task_do(cadre, T2, "start", NULL, 200));
	struct img k2 = near_copy(&k, 800, 600, 50, "its near copy on another task");
	json_t *pk2 = upload(cadre, &k2, &(struct up){.task_id = T2}, "near copy on another task");
	check_photo(pk2, WANT(.level = "alert"), "near copy on another task of the same village");
	expect_dups(pk2, "duplicate_near", (struct dup[]){{jstr(pk, "id"), crew.tree.village_a1, "task", T}}, 1,
	            "near copy on another task of the same village");
	expect_dups(pk2, "duplicate_exact", NULL, 0, "near copy on another task");
	json_t *g = photo_get(pk);
	check_photo(g, WANT(.level = "alert"), "task picture, read after its copy on another task");
	expect_dups(g, "duplicate_near", (struct dup[]){{jstr(pk2, "id"), crew.tree.village_a1, "task", T2}}, 1,
	            "task picture, read after its copy on another task");
	json_decref(g);
	free(k.b);
	free(k2.b);

	/* The task's summary: task_id and progress_id photos. */
	t = task_get(T);
	const struct counts want = {
	        .level = "alert", .photos = 5, .flagged = 4, .far = 2, .time = 1, .near = 1, .no_exif = 2};
	expect_evidence(t, &want, "GET the task");
	json_decref(t);

	/* Lists do not carry it. */
	json_t *mine = api_expect(&srv, "GET", "/api/v1/me/tasks", cadre, NULL, 200);
	json_t *items = json_is_array(mine) ? mine : json_object_get(mine, "items");
	json_t *it = find_by(items, "id", T);
	if (!it)
		fail_msg("the task is not in GET /me/tasks");
	if (json_object_get(it, "evidence"))
		fail_msg("GET /me/tasks items should not carry evidence");
	json_decref(mine);

	/* Submitted, then verified only with an acknowledgement. */
	json_decref(progress_add(T, 100));
	t = task_do(cadre, T, "submit", NULL, 200);
	expect_evidence(t, &want, "the submit answer");
	json_decref(t);
	char vpath[160];
	pathf(vpath, sizeof vpath, "/api/v1/tasks/%s/verify", T);
	expect_ack_refusals(vpath, sup, task_get, T, "verify an alert task");
	const char *note = "照片为镇里集中制作标牌时所拍，已现场复核";
	body = jbody("{s:b, s:s}", "acknowledge_evidence", 1, "evidence_note", note);
	t = task_do(sup, T, "verify", body, 200);
	free(body);
	assert_string_equal(jstr(t, "status"), "verified");
	expect_ack(t, crew.cast.supervisor.user_id, note, "the verify answer");
	expect_evidence(t, &want, "the verify answer");
	json_decref(t);
	t = task_get(T);
	expect_ack(t, crew.cast.supervisor.user_id, note, "GET the verified task");
	json_decref(t);
	expect_audited_note("task", T, note);

	/* A task without alerts: acknowledge_evidence accepted and ignored. */
	json_decref(task_new(case_id, "完善台账", Tok));
	json_decref(task_do(cadre, Tok, "start", NULL, 200));
	json_decref(progress_add(Tok, 100));
	json_decref(task_do(cadre, Tok, "submit", NULL, 200));
	t = task_do(sup, Tok, "verify", "{\"acknowledge_evidence\":true,\"evidence_note\":\"无需确认\"}", 200);
	assert_string_equal(jstr(t, "status"), "verified");
	expect_ack(t, NULL, NULL, "acknowledge_evidence on an ok task");
	expect_evidence(t, &(struct counts){.level = "ok"}, "a task without photos");
	json_decref(t);

	json_decref(far);
	json_decref(early);
	json_decref(hour);
	json_decref(prog);
	json_decref(pk);
	json_decref(pk2);
}

/* ---- the evidence report (GET /api/v1/reports/evidence) ------------------------------------- */

#define XLSX_TYPE           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define EVIDENCE_CSV_HEADER "上传时间,村（社区）,关联对象,级别,问题,距离(米),时间偏差(小时),重复数"

/* What one item of the report must say about a photo. */
struct ev_want {
	const char *what;
	const json_t *photo; /* the upload's answer */
	const char *org_id, *org_name, *linked, *linked_id, *owner_id, *level;
	const char *signals[6]; /* in the contract's order, NULL-terminated */
	double far_m;           /* checks.far_from_org.distance_m about this (±2 %; 0: null) */
	long gap_s;             /* checks.time_mismatch.gap_s (±2; 0: null) */
	int town_b;             /* the photo's organization is in town B */
};

enum ev_scope { EV_ALL, EV_TOWN_A, EV_TOWN_B };

static int ev_listed(const struct ev_want *w, enum ev_scope sc, int alert_only)
{
	if ((sc == EV_TOWN_A && w->town_b) || (sc == EV_TOWN_B && !w->town_b))
		return 0;
	return !alert_only || strcmp(w->level, "alert") == 0;
}

static void fail_report(const json_t *doc, const char *what, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void fail_report(const json_t *doc, const char *what, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *dump = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	print_error("%s: %s\n  report: %.4000s\n", what, msg, dump ? dump : "(none)");
	free(dump);
	fail();
}

/* GET /api/v1/reports/evidence<query> by bearer (NULL: no token) with an
 * Accept header (NULL: none). */
static void evidence_get(const char *query, const char *bearer, const char *accept, struct http_resp *r)
{
	char path[512], hdr[160];
	pathf(path, sizeof path, "/api/v1/reports/evidence%s", query ? query : "");
	const char *headers[] = {NULL, NULL};
	if (accept) {
		snprintf(hdr, sizeof hdr, "Accept: %s", accept);
		headers[0] = hdr;
	}
	api_call(&srv, "GET", path, bearer, NULL, headers, r);
}

/* The JSON report; fails unless it is 200 application/json. */
static json_t *evidence_json(const char *query, const char *bearer, const char *what)
{
	struct http_resp r;
	evidence_get(query, bearer, NULL, &r);
	if (r.status != 200)
		fail_msg("%s: GET /api/v1/reports/evidence%s: expected 200, got %ld: %.500s", what, query ? query : "",
		         r.status, buf_cstr(&r.body));
	char v[128] = "";
	http_header(&r, "Content-Type", v, sizeof v);
	if (strncasecmp(v, "application/json", 16) != 0)
		fail_msg("%s: Content-Type \"%s\", want application/json", what, v);
	if (http_header(&r, "Content-Disposition", v, sizeof v))
		fail_msg("%s: a JSON answer with Content-Disposition \"%s\"", what, v);
	json_t *j = http_json(&r);
	http_resp_release(&r);
	return j;
}

/* "?since=<t as RFC 3339 UTC, escaped>" plus extra (may be ""). */
static const char *since_query(time_t t, const char *extra, char *out, size_t outlen)
{
	char ts[32];
	char *e = qs_escape(utc(t, ts, sizeof ts));
	snprintf(out, outlen, "?since=%s%s", e, extra);
	free(e);
	return out;
}

/*
 * Checks a JSON report: {since, items} and nothing else; since equals
 * want_since (NULL: any timestamp); every item has exactly the ten members,
 * a level warn or alert (alert only with alert_only), an uploaded_at at or
 * after since, newest first. The photos of w listed for (sc, alert_only)
 * are there with their organization, link, owner, level, signals and the
 * checks GET /photos/{id} answers; the others of w and every id of never
 * are not. exact: nothing else is listed either.
 */
static void check_evidence_report(const json_t *doc, const struct ev_want *w, size_t n, enum ev_scope sc,
                                  int alert_only, int exact, const char *want_since, const char *const *never,
                                  const char *what)
{
	if (!json_is_object(doc) || json_object_size(doc) != 2 || !json_is_array(json_object_get(doc, "items")))
		fail_report(doc, what, "the report should be exactly {since, items}");
	const char *since = jstr(doc, "since");
	if (!since)
		fail_report(doc, what, "since is not a string");
	assert_timestamp(since);
	if (want_since && strcmp(since, want_since) != 0)
		fail_report(doc, what, "since should be \"%s\"", want_since);
	double since_t = ts_of(since, what);
	json_t *items = json_object_get(doc, "items");

	static const char *const keys[] = {"photo_id", "uploaded_at", "owner_id", "org_id",  "org_name",
	                                   "linked",   "linked_id",   "level",    "signals", "checks"};
	double prev = INFINITY;
	size_t i, listed = 0;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (!json_is_object(it) || json_object_size(it) != 10)
			fail_report(doc, what, "item %zu should have exactly the ten members", i);
		for (size_t k = 0; k < 10; k++)
			if (!json_object_get(it, keys[k]))
				fail_report(doc, what, "item %zu has no member %s", i, keys[k]);
		const char *level = jstr(it, "level");
		if (!level || (strcmp(level, "alert") != 0 && (alert_only || strcmp(level, "warn") != 0)))
			fail_report(doc, what, "item %zu: level \"%s\", want %s", i, level ? level : "(none)",
			            alert_only ? "alert (level=alert)" : "warn or alert");
		const char *up = jstr(it, "uploaded_at");
		assert_timestamp(up);
		double t = ts_of(up, what);
		if (t < since_t)
			fail_report(doc, what, "item %zu was uploaded at %s, before since %s", i, up, since);
		if (t > prev)
			fail_report(doc, what, "item %zu (%s) is newer than the one before it: not newest first", i,
			            up);
		prev = t;
		json_t *sig = json_object_get(it, "signals");
		if (!json_is_array(sig) || json_array_size(sig) == 0)
			fail_report(doc, what, "item %zu: signals should be a non-empty array", i);
		const char *clevel = jstr(json_object_get(it, "checks"), "level");
		if (!clevel || strcmp(clevel, level) != 0)
			fail_report(doc, what, "item %zu: checks.level should be the item's level", i);
		const char *id = jstr(it, "photo_id");
		for (size_t k = 0; never && never[k]; k++)
			if (id && strcmp(id, never[k]) == 0)
				fail_report(doc, what, "photo %s (an ok photo) should not be listed", id);
		int mine = 0;
		for (size_t k = 0; k < n; k++)
			if (id && strcmp(id, jstr(w[k].photo, "id")) == 0) {
				mine = 1;
				if (!ev_listed(&w[k], sc, alert_only))
					fail_report(doc, what, "%s (photo %s, %s, level %s) should not be listed",
					            w[k].what, id, w[k].town_b ? "town B" : "town A", w[k].level);
			}
		if (exact && !mine)
			fail_report(doc, what, "item %zu (photo %s) should not be listed", i, id ? id : "(none)");
	}

	for (size_t k = 0; k < n; k++) {
		if (!ev_listed(&w[k], sc, alert_only))
			continue;
		listed++;
		const char *id = jstr(w[k].photo, "id");
		it = find_by(items, "photo_id", id);
		if (!it)
			fail_report(doc, what, "%s (photo %s) should be listed", w[k].what, id);
		const char *members[][2] = {{"org_id", w[k].org_id},
		                            {"org_name", w[k].org_name},
		                            {"linked", w[k].linked},
		                            {"linked_id", w[k].linked_id},
		                            {"owner_id", w[k].owner_id},
		                            {"level", w[k].level},
		                            {"uploaded_at", jstr(w[k].photo, "uploaded_at")}};
		for (size_t m = 0; m < sizeof members / sizeof members[0]; m++)
			if (!jstr(it, members[m][0]) || strcmp(jstr(it, members[m][0]), members[m][1]) != 0)
				fail_report(doc, what, "%s: %s should be \"%s\"", w[k].what, members[m][0],
				            members[m][1]);
		json_t *sig = json_object_get(it, "signals");
		size_t ns = 0;
		while (w[k].signals[ns])
			ns++;
		int same = json_array_size(sig) == ns;
		for (size_t s = 0; same && s < ns; s++)
			same = json_is_string(json_array_get(sig, s)) &&
			       strcmp(json_string_value(json_array_get(sig, s)), w[k].signals[s]) == 0;
		if (!same) {
			char want_s[200] = "";
			for (size_t s = 0; s < ns; s++)
				snprintf(want_s + strlen(want_s), sizeof want_s - strlen(want_s), "%s\"%s\"",
				         s ? ", " : "", w[k].signals[s]);
			fail_report(doc, what, "%s: signals should be [%s], in this order", w[k].what, want_s);
		}
		json_t *c = json_object_get(it, "checks"), *g = photo_get(w[k].photo);
		if (!json_same(c, json_object_get(g, "checks"))) {
			char *dump = json_dumps(json_object_get(g, "checks"), JSON_COMPACT);
			fail_report(doc, what, "%s: checks should be what GET /photos/{id} answers: %s", w[k].what,
			            dump);
		}
		json_decref(g);
		json_t *far = json_object_get(c, "far_from_org"), *tm = json_object_get(c, "time_mismatch");
		if (w[k].far_m > 0 ? !json_is_object(far) ||
		                             !within((double)jint(far, "distance_m"), w[k].far_m, w[k].far_m * 0.02)
		                   : !json_is_null(far))
			fail_report(doc, what, "%s: checks.far_from_org should be %s %.0f m", w[k].what,
			            w[k].far_m > 0 ? "about" : "null, not", w[k].far_m);
		if (w[k].gap_s > 0 ? !json_is_object(tm) || !within((double)jint(tm, "gap_s"), (double)w[k].gap_s, 2)
		                   : !json_is_null(tm))
			fail_report(doc, what, "%s: checks.time_mismatch.gap_s should be %s %ld", w[k].what,
			            w[k].gap_s > 0 ? "about" : "null, not", w[k].gap_s);
	}
	if (exact && json_array_size(items) != listed)
		fail_report(doc, what, "%zu items, want exactly %zu", json_array_size(items), listed);
}

/* The service's local date (Asia/Shanghai, UTC+8 all year) at t. */
static void local_date(time_t t, char out[11])
{
	t += 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Content-Disposition: attachment; filename="evidence-<the local date
 * before or after the request>.<ext>". */
static void check_evidence_filename(const struct http_resp *r, time_t before, time_t after, const char *ext,
                                    const char *what)
{
	char v[256] = "", d1[11], d2[11], w1[96], w2[96];
	http_header(r, "Content-Disposition", v, sizeof v);
	local_date(before, d1);
	local_date(after, d2);
	snprintf(w1, sizeof w1, "attachment; filename=\"evidence-%s.%s\"", d1, ext);
	snprintf(w2, sizeof w2, "attachment; filename=\"evidence-%s.%s\"", d2, ext);
	if (strcmp(v, w1) != 0 && strcmp(v, w2) != 0)
		fail_msg("%s: Content-Disposition \"%s\", want '%s'", what, v, w1);
}

static const char *ev_label(const char *code, const char *const *map)
{
	if (!code)
		return "(none)";
	for (size_t i = 0; map[i]; i += 2)
		if (strcmp(map[i], code) == 0)
			return map[i + 1];
	return "(unknown code)";
}

static const char *const EV_LINKED[] = {"inspection", "观摩记录", "finding",  "问题", "task",
                                        "整改任务",   "progress", "进展报告", NULL};
static const char *const EV_LEVELS[] = {"alert", "警示", "warn", "存疑", NULL};
static const char *const EV_SIGNALS[] = {"far_from_org",
                                         "异地拍摄",
                                         "time_mismatch",
                                         "时间不符",
                                         "exif_client_disagree",
                                         "EXIF与手机不一致",
                                         "duplicate_exact",
                                         "重复照片",
                                         "duplicate_near",
                                         "近似照片",
                                         NULL};

/* The CSV answer r shows the items of doc (the JSON answer to the same
 * query), in order, under the exact Chinese header row. Returns how many rows
 * have 问题 异地拍摄 with a distance about far_m. */
static int check_evidence_csv(const struct http_resp *r, const json_t *doc, double far_m, const char *what)
{
	if (r->status != 200)
		fail_msg("%s: expected 200, got %ld: %.400s", what, r->status, buf_cstr(&r->body));
	char v[256] = "";
	http_header(r, "Content-Type", v, sizeof v);
	if (strcasecmp(v, "text/csv; charset=utf-8") != 0)
		fail_msg("%s: Content-Type \"%s\", want \"text/csv; charset=utf-8\"", what, v);
	static const char head[] = "\xEF\xBB\xBF" EVIDENCE_CSV_HEADER "\r\n";
	if (r->body.len < sizeof head - 1 || memcmp(r->body.data, head, sizeof head - 1) != 0)
		fail_msg("%s: the CSV should start with the BOM and the header row\n  %s\nbut starts\n  %.300s", what,
		         EVIDENCE_CSV_HEADER, buf_cstr(&r->body));
	json_t *rows = csv_body_rows(r, what), *items = json_object_get(doc, "items");
	if (json_array_size(rows) != json_array_size(items) + 1)
		fail_msg("%s: %zu CSV lines, want the header and the %zu items:\n%s", what, json_array_size(rows),
		         json_array_size(items), buf_cstr(&r->body));
	int far_rows = 0;
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i), *row = json_array_get(rows, i + 1);
		json_t *c = json_object_get(it, "checks");
		if (json_array_size(row) != 8)
			fail_msg("%s: line %zu has %zu fields, want 8:\n%s", what, i + 2, json_array_size(row),
			         buf_cstr(&r->body));
		const char *cell[8];
		for (size_t k = 0; k < 8; k++)
			cell[k] = json_string_value(json_array_get(row, k));
		struct buf problems = BUF_INIT;
		size_t s;
		json_t *sv;
		json_array_foreach(json_object_get(it, "signals"), s, sv)
		{
			if (s)
				buf_adds(&problems, "、");
			buf_adds(&problems, ev_label(json_string_value(sv), EV_SIGNALS));
		}
		char far_s[32] = "", copies_s[32];
		json_t *far = json_object_get(c, "far_from_org"), *tm = json_object_get(c, "time_mismatch");
		if (json_is_object(far))
			snprintf(far_s, sizeof far_s, "%lld", jint(far, "distance_m"));
		snprintf(copies_s, sizeof copies_s, "%zu",
		         json_array_size(json_object_get(c, "duplicate_exact")) +
		                 json_array_size(json_object_get(c, "duplicate_near")));
		const char *want[8] = {jstr(it, "uploaded_at"),
		                       jstr(it, "org_name"),
		                       ev_label(jstr(it, "linked"), EV_LINKED),
		                       ev_label(jstr(it, "level"), EV_LEVELS),
		                       buf_cstr(&problems),
		                       far_s,
		                       NULL,
		                       copies_s};
		static const char *const names[] = {"上传时间", "村（社区）", "关联对象",       "级别",
		                                    "问题",     "距离(米)",   "时间偏差(小时)", "重复数"};
		for (size_t k = 0; k < 8; k++)
			if (want[k] && strcmp(cell[k], want[k]) != 0)
				fail_msg("%s: line %zu (photo %s) %s is \"%s\", want \"%s\":\n%s", what, i + 2,
				         jstr(it, "photo_id"), names[k], cell[k], want[k], buf_cstr(&r->body));
		/* 时间偏差(小时): gap_s / 3600 to 1 decimal, or empty. */
		if (json_is_object(tm)) {
			double h = round((double)jint(tm, "gap_s") / 360.0) / 10.0;
			char *end = NULL;
			double got = strtod(cell[6], &end);
			if (!*cell[6] || *end || fabs(got - h) > 1e-9)
				fail_msg(
				        "%s: line %zu (photo %s) 时间偏差(小时) is \"%s\", want %.1f (gap_s %lld):\n%s",
				        what, i + 2, jstr(it, "photo_id"), cell[6], h, jint(tm, "gap_s"),
				        buf_cstr(&r->body));
		} else if (*cell[6]) {
			fail_msg("%s: line %zu (photo %s) 时间偏差(小时) is \"%s\", want an empty cell", what, i + 2,
			         jstr(it, "photo_id"), cell[6]);
		}
		if (strcmp(cell[4], "异地拍摄") == 0 && *cell[5] && within(strtod(cell[5], NULL), far_m, far_m * 0.02))
			far_rows++;
		buf_release(&problems);
	}
	json_decref(rows);
	return far_rows;
}

/* How many "<tag" elements (followed by '>', ' ' or '/') xml holds. */
static size_t count_tag(const char *xml, const char *tag)
{
	size_t n = 0, tl = strlen(tag);
	for (const char *p = strstr(xml, tag); p; p = strstr(p + tl, tag))
		if (p[tl] == '>' || p[tl] == ' ' || p[tl] == '/')
			n++;
	return n;
}

static void test_evidence_report(void **state)
{
	(void)state;
	/* Only this test's photos are uploaded at or after t0. */
	time_t t0 = time(NULL) + 1;
	while (time(NULL) < t0)
		usleep(20000);
	time_t now = time(NULL), S = now - 2 * 3600, F = now - 3600, shot = now - 90 * 60;
	const char *A1 = crew.tree.village_a1, *A2 = crew.tree.village_a2, *B1 = crew.tree.village_b1;
	const char *insp_id = crew.insp_city.user_id, *cadre_id = crew.cast.cadre.user_id;
	char Ia1[ID_LEN], Ia2[ID_LEN], Ib1[ID_LEN], fid[ID_LEN], T[ID_LEN], rid[ID_LEN], path[256];
	inspection_new(&srv, insp, A1, round_id, S, F, Ia1);
	inspection_new(&srv, insp, A2, round_id, S, F, Ia2);
	inspection_new(&srv, insp, B1, NULL, S, F, Ib1);

	/* In A1's radius and within the visit: ok, never listed. */
	struct place p500 = moved(A1_LAT, A1_LNG, 500, 0);
	struct img m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = shot, .gps = 1, p500.lat, p500.lng},
	                       "report: an ok photo");
	json_t *pok = upload(insp, &m, &(struct up){.inspection_id = Ia1}, "report: an ok photo");
	check_photo(pok, WANT(.exif = 1, .exif_time = shot, .gps = 1, .glat = p500.lat, .glng = p500.lng),
	            "report: an ok photo");
	free(m.b);

	/* EXIF GPS 5 km north of A1: alert, far_from_org. */
	struct place p5k = moved(A1_LAT, A1_LNG, 5000, 0);
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = shot, .gps = 1, p5k.lat, p5k.lng},
	            "report: 5 km from A1");
	json_t *pfar = upload(insp, &m, &(struct up){.inspection_id = Ia1}, "report: 5 km from A1");
	check_photo(pfar,
	            WANT(.level = "alert", .exif = 1, .exif_time = shot, .gps = 1, .glat = p5k.lat, .glng = p5k.lng,
	                 .far_m = 5000, .far_radius = 2000, .far_org = A1),
	            "report: 5 km from A1");
	free(m.b);

	/* A finding's photo 4 km south, taken 152200 s before the visit's
	 * window: far_from_org and time_mismatch (42.3 h). */
	json_t *items = template_items(tpl), *yn = NULL, *it;
	size_t k;
	json_array_foreach(items, k, it)
	{
		if (!yn && strcmp(jstr(it, "kind"), "yes_no") == 0)
			yn = it;
	}
	if (!yn)
		fail_msg("the default template has no yes_no item");
	char *body = jbody("{s:s, s:s, s:s, s:s}", "id", uuid_v4(fid), "severity", "high", "item_code",
	                   jstr(yn, "code"), "description", "公示内容未更新");
	json_decref(api_expect(&srv, "POST", inspection_path(Ia1, "/findings", path, sizeof path), insp, body, 201));
	free(body);
	json_decref(items);
	struct place f4k = moved(A1_LAT, A1_LNG, -4000, 0);
	time_t old = S - WINDOW - 152200;
	m = picture(BLOCKS, 640, 480, &(struct exif_spec){.taken = old, .gps = 1, f4k.lat, f4k.lng},
	            "report: finding photo, far and old");
	json_t *pmulti = upload(insp, &m, &(struct up){.finding_id = fid}, "report: finding photo, far and old");
	check_photo(pmulti,
	            WANT(.level = "alert", .exif = 1, .exif_time = old, .gps = 1, .glat = f4k.lat, .glng = f4k.lng,
	                 .far_m = 4000, .far_radius = 2000, .far_org = A1, .gap = 152200, .win_from = S - WINDOW,
	                 .win_to = F + WINDOW),
	            "report: finding photo 4 km away, taken 152200 s before the window");
	free(m.b);

	/* At A2 (no location), the client's time 64800 s before the window: warn (18 h). */
	m = picture(BLOCKS, 640, 480, NULL, "report: mistimed photo at A2");
	json_t *pwarn = upload(insp, &m, &(struct up){.inspection_id = Ia2, .taken = S - WINDOW - 64800},
	                       "report: mistimed photo at A2");
	check_photo(pwarn, WANT(.level = "warn", .gap = 64800, .win_from = S - WINDOW, .win_to = F + WINDOW),
	            "report: mistimed photo at A2");
	free(m.b);

	/* A near-duplicate pair: the original at A2 (town A), a resized and
	 * recompressed copy at B1 (town B): both alert, duplicate_near. */
	struct img orig = picture(BLOCKS, 1200, 900, NULL, "report: original at A2");
	json_t *porig = upload(insp, &orig, &(struct up){.inspection_id = Ia2}, "report: original at A2");
	struct img copy = near_copy(&orig, 800, 600, 55, "report: near copy at B1");
	json_t *pcopy = upload(insp, &copy, &(struct up){.inspection_id = Ib1}, "report: near copy at B1");
	check_photo(pcopy, WANT(.level = "alert"), "report: near copy at B1");
	expect_dups(pcopy, "duplicate_near", (struct dup[]){{jstr(porig, "id"), A2, "inspection", Ia2}}, 1,
	            "report: near copy at B1");
	json_t *g = photo_get(porig);
	check_photo(g, WANT(.level = "alert"), "report: original at A2, read after its copy");
	expect_dups(g, "duplicate_near", (struct dup[]){{jstr(pcopy, "id"), B1, "inspection", Ib1}}, 1,
	            "report: original at A2, read after its copy");
	json_decref(g);
	free(orig.b);
	free(copy.b);

	/* A task of A1: its photo from the client's place 3 km east (alert),
	 * a progress report's photo taken 3 h before created_at − the window (warn). */
	char case_id[ID_LEN];
	body = jbody("{s:s, s:i, s:s, s:s}", "org_id", A1, "year", 2023, "reason", "阵地建设不规范", "source",
	             "annual");
	json_t *c = api_expect(&srv, "POST", "/api/v1/rectifications", sup, body, 201);
	free(body);
	snprintf(case_id, sizeof case_id, "%s", jstr(c, "id"));
	json_decref(c);
	json_t *t = task_new(case_id, "规范党务公开栏", T);
	double created = ts_of(jstr(t, "created_at"), "the report task's created_at");
	json_decref(t);
	json_decref(task_do(cadre, T, "start", NULL, 200));
	struct place c3k = moved(A1_LAT, A1_LNG, 0, 3000);
	double task_far = haversine(A1_LAT, A1_LNG, c3k.lat, c3k.lng);
	m = picture(BLOCKS, 640, 480, NULL, "report: task photo 3 km away");
	json_t *ptask = upload(cadre, &m, &(struct up){.task_id = T, .place = 1, .lat = c3k.lat, .lng = c3k.lng},
	                       "report: task photo 3 km away");
	check_photo(ptask, WANT(.level = "alert", .far_m = task_far, .far_radius = 2000, .far_org = A1),
	            "report: task photo, client place 3 km away");
	free(m.b);
	json_t *rep = progress_add(T, 30);
	snprintf(rid, sizeof rid, "%s", jstr(rep, "id"));
	json_decref(rep);
	m = picture(BLOCKS, 640, 480, NULL, "report: old progress photo");
	json_t *pprog = upload(cadre, &m, &(struct up){.progress_id = rid, .taken = (time_t)created - WINDOW - 10800},
	                       "report: old progress photo");
	check_photo(pprog, WANT(.level = "warn", .gap = 10800), "report: progress photo 3 h before the task − W");
	free(m.b);

	char na1[128], na2[128], nb1[128];
	json_t *o = org_get(A1);
	snprintf(na1, sizeof na1, "%s", jstr(o, "name"));
	json_decref(o);
	o = org_get(A2);
	snprintf(na2, sizeof na2, "%s", jstr(o, "name"));
	json_decref(o);
	o = org_get(B1);
	snprintf(nb1, sizeof nb1, "%s", jstr(o, "name"));
	json_decref(o);

	const struct ev_want w[] = {
	        {"the photo 5 km from A1",
	         pfar,
	         A1,
	         na1,
	         "inspection",
	         Ia1,
	         insp_id,
	         "alert",
	         {"far_from_org"},
	         5000,
	         0,
	         0},
	        {"the finding's far and old photo",
	         pmulti,
	         A1,
	         na1,
	         "finding",
	         fid,
	         insp_id,
	         "alert",
	         {"far_from_org", "time_mismatch"},
	         4000,
	         152200,
	         0},
	        {"the mistimed photo at A2",
	         pwarn,
	         A2,
	         na2,
	         "inspection",
	         Ia2,
	         insp_id,
	         "warn",
	         {"time_mismatch"},
	         0,
	         64800,
	         0},
	        {"the near-duplicate original at A2",
	         porig,
	         A2,
	         na2,
	         "inspection",
	         Ia2,
	         insp_id,
	         "alert",
	         {"duplicate_near"},
	         0,
	         0,
	         0},
	        {"the near copy at B1 (town B)",
	         pcopy,
	         B1,
	         nb1,
	         "inspection",
	         Ib1,
	         insp_id,
	         "alert",
	         {"duplicate_near"},
	         0,
	         0,
	         1},
	        {"the task photo 3 km away",
	         ptask,
	         A1,
	         na1,
	         "task",
	         T,
	         cadre_id,
	         "alert",
	         {"far_from_org"},
	         task_far,
	         0,
	         0},
	        {"the old progress photo",
	         pprog,
	         A1,
	         na1,
	         "progress",
	         rid,
	         cadre_id,
	         "warn",
	         {"time_mismatch"},
	         0,
	         10800,
	         0},
	};
	const size_t nw = sizeof w / sizeof w[0];
	const char *const never[] = {jstr(pok, "id"), NULL};
	char q[160], q2[160], t0s[32], what[400];
	utc(t0, t0s, sizeof t0s);

	/* Who sees what (since = t0: exactly this test's photos). */
	static const struct {
		const char *who;
		enum ev_scope sc;
	} viewers[] = {{"admin", EV_ALL},
	               {"sup.a", EV_TOWN_A},
	               {"sup.b", EV_TOWN_B},
	               {"viewer.a", EV_TOWN_A},
	               {"viewer.b", EV_TOWN_B}};
	const char *tokens[] = {admin, sup, crew.sup_b.access, crew.viewer_a.access, crew.cast.viewer.access};
	for (size_t v = 0; v < sizeof viewers / sizeof viewers[0]; v++)
		for (int alert_only = 0; alert_only <= 1; alert_only++) {
			since_query(t0, alert_only ? "&level=alert" : "", q, sizeof q);
			snprintf(what, sizeof what, "%s: GET /reports/evidence%s", viewers[v].who, q);
			json_t *doc = evidence_json(q, tokens[v], what);
			check_evidence_report(doc, w, nw, viewers[v].sc, alert_only, 1, t0s, never, what);
			json_decref(doc);
		}
	/* ?format=json is JSON too; since with an offset is the same moment. */
	{
		time_t l = t0 + 8 * 3600;
		struct tm tm;
		gmtime_r(&l, &tm);
		char local[40];
		strftime(local, sizeof local, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
		char *e = qs_escape(local);
		snprintf(q, sizeof q, "?format=json&since=%s", e);
		free(e);
		json_t *doc = evidence_json(q, sup, "sup.a: since with +08:00");
		check_evidence_report(doc, w, nw, EV_TOWN_A, 0, 1, t0s, never, "sup.a: since with +08:00");
		json_decref(doc);
	}

	/* The default since: 30 days before now (older photos of the run may be listed too). */
	json_t *doc = evidence_json(NULL, admin, "admin: no since");
	double want_since = (double)time(NULL) - 30.0 * 86400;
	if (!jstr(doc, "since") || fabs(ts_of(jstr(doc, "since"), "the default since") - want_since) > 120)
		fail_report(doc, "admin: no since", "since should be 30 days before now");
	check_evidence_report(doc, w, nw, EV_ALL, 0, 0, NULL, never, "admin: no since");
	json_decref(doc);
	doc = evidence_json("?level=alert", sup, "sup.a: level=alert, no since");
	check_evidence_report(doc, w, nw, EV_TOWN_A, 1, 0, NULL, never, "sup.a: level=alert, no since");
	json_decref(doc);

	/* since is inclusive: at the last upload's second it is still listed;
	 * a second later, and an hour ahead, nothing is. */
	time_t last = (time_t)ts_of(jstr(pprog, "uploaded_at"), "the last upload");
	since_query(last, "", q, sizeof q);
	doc = evidence_json(q, admin, "admin: since = the last upload");
	if (!find_by(json_object_get(doc, "items"), "photo_id", jstr(pprog, "id")))
		fail_report(doc, "admin: since = the last upload's uploaded_at",
		            "the photo uploaded at that very second should be listed (since is inclusive)");
	check_evidence_report(doc, w, nw, EV_ALL, 0, 0, NULL, never, "admin: since = the last upload");
	json_decref(doc);
	time_t after[] = {last + 1, time(NULL) + 3600};
	for (size_t i = 0; i < 2; i++) {
		char ts[32];
		since_query(after[i], "", q, sizeof q);
		snprintf(what, sizeof what, "admin: since %s, after every upload", q);
		doc = evidence_json(q, admin, what);
		if (!jstr(doc, "since") || strcmp(jstr(doc, "since"), utc(after[i], ts, sizeof ts)) != 0 ||
		    !json_is_array(json_object_get(doc, "items")) ||
		    json_array_size(json_object_get(doc, "items")) != 0)
			fail_report(doc, what, "want {since: \"%s\", items: []}", ts);
		json_decref(doc);
	}

	/* Bad parameters: 422 naming them (problem+json whatever the format). */
	static const struct {
		const char *query;
		const char *fields[3];
	} bad[] = {
	        {"?since=yesterday", {"since"}},
	        {"?since=2023-03-01", {"since"}},
	        {"?since=2023-13-01T00:00:00Z", {"since"}},
	        {"?since=2023-03-01T25:00:00Z", {"since"}},
	        {"?since=2023-03-01T08:00:00", {"since"}},
	        {"?since=", {"since"}},
	        {"?level=warn", {"level"}},
	        {"?level=ok", {"level"}},
	        {"?level=ALERT", {"level"}},
	        {"?level=all", {"level"}},
	        {"?level=", {"level"}},
	        {"?format=pdf", {"format"}},
	        {"?since=soon&level=alert&format=csv", {"since"}},
	        {"?level=red&format=xlsx", {"level"}},
	        {"?since=soon&level=red", {"since", "level"}},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/reports/evidence%s", bad[i].query), admin,
		               NULL, bad[i].fields);
		expect_invalid(&srv, "GET", path, sup, NULL, bad[i].fields);
	}

	/* Roles: inspectors and cadres 403, no token 401 — whatever the format. */
	static const char *const queries[] = {"", "?format=csv", "?format=xlsx", "?level=alert"};
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
		const char *who[] = {"insp.a", "insp.city", "cadre.a1"};
		const char *tok[] = {crew.cast.inspector.access, insp, cadre};
		for (size_t j = 0; j < 3; j++) {
			struct http_resp r;
			evidence_get(queries[i], tok[j], NULL, &r);
			if (r.status != 403)
				fail_msg("GET /reports/evidence%s as %s: expected 403, got %ld: %.400s", queries[i],
				         who[j], r.status, buf_cstr(&r.body));
			assert_problem(&r, 403, "forbidden");
			http_resp_release(&r);
		}
		struct http_resp r;
		evidence_get(queries[i], NULL, NULL, &r);
		if (r.status != 401)
			fail_msg("GET /reports/evidence%s without a token: expected 401, got %ld: %.400s", queries[i],
			         r.status, buf_cstr(&r.body));
		assert_unauthorized(&r);
		http_resp_release(&r);
	}

	/* CSV: admin's rows, the same as its JSON items, in order. */
	since_query(t0, "", q, sizeof q);
	doc = evidence_json(q, admin, "admin: the JSON for the CSV");
	check_evidence_report(doc, w, nw, EV_ALL, 0, 1, t0s, never, "admin: the JSON for the CSV");
	since_query(t0, "&format=csv", q2, sizeof q2);
	struct http_resp r;
	time_t before = time(NULL);
	evidence_get(q2, admin, NULL, &r);
	check_evidence_filename(&r, before, time(NULL), "csv", "admin: ?format=csv");
	if (check_evidence_csv(&r, doc, 5000, "admin: ?format=csv") != 1)
		fail_msg("admin: ?format=csv: want one row with 问题 异地拍摄 and 距离(米) about 5000:\n%s",
		         buf_cstr(&r.body));
	if (!strstr(buf_cstr(&r.body), "异地拍摄、时间不符"))
		fail_msg("admin: ?format=csv: no row with 问题 异地拍摄、时间不符 (two signals):\n%s",
		         buf_cstr(&r.body));
	/* Accept: text/csv gives the same bytes. */
	struct http_resp ra;
	before = time(NULL);
	evidence_get(q, admin, "text/csv", &ra);
	check_evidence_filename(&ra, before, time(NULL), "csv", "admin: Accept: text/csv");
	if (ra.status != 200 || ra.body.len != r.body.len || memcmp(ra.body.data, r.body.data, r.body.len) != 0)
		fail_msg("admin: Accept: text/csv (%ld) and ?format=csv differ:\n%s\n---\n%s", ra.status,
		         buf_cstr(&ra.body), buf_cstr(&r.body));
	http_resp_release(&ra);
	http_resp_release(&r);

	/* XLSX: a zip whose sheet has the header and the rows, whose shared
	 * strings hold the Chinese texts. */
	since_query(t0, "&format=xlsx", q2, sizeof q2);
	before = time(NULL);
	evidence_get(q2, admin, NULL, &r);
	if (r.status != 200)
		fail_msg("admin: ?format=xlsx: expected 200, got %ld: %.400s", r.status, buf_cstr(&r.body));
	char v[256] = "";
	http_header(&r, "Content-Type", v, sizeof v);
	if (strcasecmp(v, XLSX_TYPE) != 0)
		fail_msg("admin: ?format=xlsx: Content-Type \"%s\", want %s", v, XLSX_TYPE);
	check_evidence_filename(&r, before, time(NULL), "xlsx", "admin: ?format=xlsx");
	if (r.body.len < 4 || memcmp(r.body.data, "PK\x03\x04", 4) != 0)
		fail_msg("admin: ?format=xlsx: the body is not a zip archive");
	char *sheet = zip_member(&r.body, "xl/worksheets/sheet1.xml", "admin: ?format=xlsx");
	char *sst = zip_member(&r.body, "xl/sharedStrings.xml", "admin: ?format=xlsx");
	static const char *const texts[] = {"上传时间", "村（社区）",     "关联对象", "级别",     "问题",
	                                    "距离(米)", "时间偏差(小时)", "重复数",   "异地拍摄", "异地拍摄、时间不符",
	                                    "近似照片", "时间不符",       "警示",     "存疑",     "观摩记录",
	                                    "问题",     "整改任务",       "进展报告", NULL};
	for (size_t i = 0; texts[i]; i++) {
		char want_t[128];
		snprintf(want_t, sizeof want_t, ">%s</t>", texts[i]);
		if (!strstr(sst, want_t))
			fail_msg("admin: ?format=xlsx: sharedStrings.xml lacks \"%s\": %.2000s", texts[i], sst);
	}
	if (!strstr(sst, na1) || !strstr(sst, nb1))
		fail_msg("admin: ?format=xlsx: sharedStrings.xml lacks the village names %s, %s", na1, nb1);
	if (count_tag(sheet, "<row") != json_array_size(json_object_get(doc, "items")) + 1)
		fail_msg("admin: ?format=xlsx: sheet1.xml has %zu rows, want the header and %zu: %.2000s",
		         count_tag(sheet, "<row"), json_array_size(json_object_get(doc, "items")), sheet);
	free(sheet);
	free(sst);
	http_resp_release(&r);
	json_decref(doc);

	/* sup.a's CSV: town A only (no row of B1), level=alert too. */
	for (int alert_only = 0; alert_only <= 1; alert_only++) {
		since_query(t0, alert_only ? "&level=alert" : "", q, sizeof q);
		since_query(t0, alert_only ? "&level=alert&format=csv" : "&format=csv", q2, sizeof q2);
		snprintf(what, sizeof what, "sup.a: GET /reports/evidence%s", q2);
		doc = evidence_json(q, sup, what);
		check_evidence_report(doc, w, nw, EV_TOWN_A, alert_only, 1, t0s, never, what);
		before = time(NULL);
		evidence_get(q2, sup, NULL, &r);
		check_evidence_filename(&r, before, time(NULL), "csv", what);
		check_evidence_csv(&r, doc, 5000, what);
		if (strstr(buf_cstr(&r.body), nb1))
			fail_msg("%s: a row of %s (town B):\n%s", what, nb1, buf_cstr(&r.body));
		http_resp_release(&r);
		json_decref(doc);
	}

	json_decref(pok);
	json_decref(pfar);
	json_decref(pmulti);
	json_decref(pwarn);
	json_decref(porig);
	json_decref(pcopy);
	json_decref(ptask);
	json_decref(pprog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_org_location),   cmocka_unit_test(test_far_from_org),
	        cmocka_unit_test(test_org_radius),     cmocka_unit_test(test_time_mismatch),
	        cmocka_unit_test(test_window_setting), cmocka_unit_test(test_duplicates),
	        cmocka_unit_test(test_ack_ignored),    cmocka_unit_test(test_unattached_copy),
	        cmocka_unit_test(test_task_evidence),  cmocka_unit_test(test_evidence_report),
	        cmocka_unit_test(test_clean_shutdown),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	vips_shutdown();
	return rc;
}
