#define _GNU_SOURCE /* O_TMPFILE, timegm */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <libexif/exif-data.h>
#include <limits.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vips/vips.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "http/server.h"

/*
 * Decompression bombs: a small file can describe a huge image. A baseline
 * JPEG is shrunk while it is decoded (and a non-interlaced PNG streamed), so
 * only its pixel count is capped (phones reach 200 MP); everything else — a
 * progressive JPEG keeps every coefficient, an interlaced PNG, WebP and HEIF
 * are decoded whole — is capped by the bytes its decoded pixels take.
 */
#define MAX_STREAMED_PIXELS (300LL * 1000 * 1000)
#define MAX_DECODED_BYTES   (256LL << 20)
/* A thumbnail request waits this long for a decoding slot, then gets 503;
 * at most this many wait per slot, the rest get 503 at once: decoding must
 * never hold every worker thread. */
#define SLOT_WAIT_S      5
#define PROBE_WAIT_S     30
#define WAITERS_PER_SLOT 4

static sem_t slots;
static int started;
static int max_waiters;
static atomic_int waiters;

/* libvips' warnings (a truncated JPEG, ...) as our JSON log lines, not
 * GLib's plain text on stderr. */
static void on_glib_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	(void)data;
	struct log_line l;
	enum log_level lv = level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? LOG_ERROR : LOG_WARN;
	if (log_begin(&l, lv, "vips", "library message")) {
		log_str(&l, "domain", domain ? domain : "");
		log_str(&l, "message", message ? message : "");
		log_end(&l);
	}
}

int image_init(int concurrency, char *err, size_t errlen)
{
	g_log_set_handler("VIPS", G_LOG_LEVEL_MASK, on_glib_log, NULL);
	g_log_set_handler("GLib-GObject", G_LOG_LEVEL_MASK, on_glib_log, NULL);
	if (VIPS_INIT("inspectd") != 0) {
		snprintf(err, errlen, "libvips failed to start: %s", vips_error_buffer());
		vips_error_clear();
		return -1;
	}
	/* Untrusted input: only the four loaders photos are sniffed as. */
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
	vips_operation_block_set("VipsForeignLoadPng", FALSE);
	vips_operation_block_set("VipsForeignLoadWebp", FALSE);
	vips_operation_block_set("VipsForeignLoadHeif", FALSE);
	vips_cache_set_max(0); /* every photo is decoded once: caching only holds memory */
	vips_cache_set_max_mem(0);
	vips_concurrency_set(1);
	max_waiters = concurrency * WAITERS_PER_SLOT;
	if (sem_init(&slots, 0, (unsigned)concurrency) != 0) {
		snprintf(err, errlen, "cannot create the image semaphore: %s", strerror(errno));
		vips_shutdown();
		return -1;
	}
	started = 1;
	return 0;
}

void image_shutdown(void)
{
	if (!started)
		return;
	sem_destroy(&slots);
	vips_shutdown();
	started = 0;
}

static void log_vips(const char *what, const char *path)
{
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "image", what)) {
		log_str(&l, "path", path);
		log_str(&l, "error", vips_error_buffer());
		log_end(&l);
	}
	vips_error_clear();
}

/* ---- EXIF ---------------------------------------------------------------- */

/* An ASCII entry as a C string (EXIF strings need not end in NUL). */
static int exif_ascii(ExifContent *ifd, ExifTag tag, char *out, size_t outlen)
{
	ExifEntry *e = ifd ? exif_content_get_entry(ifd, tag) : NULL;
	if (!e || e->format != EXIF_FORMAT_ASCII || !e->data || e->size == 0)
		return -1;
	size_t n = e->size < outlen ? e->size : outlen - 1;
	memcpy(out, e->data, n);
	out[n] = '\0';
	return 0;
}

static int two_digits(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

int image_exif_time(const char *clock, const char *offset, char out[24])
{
	/* "YYYY:MM:DD HH:MM:SS" */
	static const char shape[] = "dddd:dd:dd dd:dd:dd";
	if (strlen(clock) < sizeof shape - 1)
		return -1;
	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? clock[i] < '0' || clock[i] > '9' : clock[i] != shape[i])
			return -1;
	struct tm tm = {0};
	tm.tm_year = two_digits(clock) * 100 + two_digits(clock + 2) - 1900;
	tm.tm_mon = two_digits(clock + 5) - 1;
	tm.tm_mday = two_digits(clock + 8);
	tm.tm_hour = two_digits(clock + 11);
	tm.tm_min = two_digits(clock + 14);
	tm.tm_sec = two_digits(clock + 17);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	int mday = tm.tm_mday, mon = tm.tm_mon;
	time_t t;
	if (offset && *offset) { /* "+HH:MM" / "-HH:MM" */
		int oh, om;
		if ((offset[0] != '+' && offset[0] != '-') || (oh = two_digits(offset + 1)) < 0 || offset[3] != ':' ||
		    (om = two_digits(offset + 4)) < 0 || oh > 14 || om > 59)
			return -1;
		long off = (oh * 3600L + om * 60L) * (offset[0] == '-' ? -1 : 1);
		t = timegm(&tm) - off;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon) /* 31 February normalized away */
		return -1;
	struct tm utc;
	gmtime_r(&t, &utc);
	return strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &utc) > 0 ? 0 : -1;
}

/* Degrees from a GPS coordinate (three rationals) and its N/S/E/W ref. */
static int exif_degrees(ExifContent *gps, ExifByteOrder order, ExifTag tag, ExifTag ref_tag, char neg, double max,
                        double *out)
{
	ExifEntry *e = gps ? exif_content_get_entry(gps, tag) : NULL;
	char ref[4];
	if (!e || e->format != EXIF_FORMAT_RATIONAL || e->components != 3 || !e->data || e->size < 24 ||
	    exif_ascii(gps, ref_tag, ref, sizeof ref) != 0)
		return -1;
	double part[3];
	for (int i = 0; i < 3; i++) {
		ExifRational r = exif_get_rational(e->data + 8 * i, order);
		if (r.denominator == 0)
			return -1;
		part[i] = (double)r.numerator / r.denominator;
	}
	double deg = part[0] + part[1] / 60 + part[2] / 3600;
	if (deg > max || (ref[0] != 'N' && ref[0] != 'S' && ref[0] != 'E' && ref[0] != 'W'))
		return -1;
	*out = ref[0] == neg ? -deg : deg;
	return 0;
}

static void read_exif(const void *data, size_t len, struct image_info *out)
{
	if (len < 8 || len > UINT_MAX - 6)
		return;
	/* libvips hands PNG's eXIf chunk over as bare TIFF ("II*\0" / "MM\0*"),
	 * libexif wants the "Exif\0\0" header JPEG's APP1 has */
	unsigned char *framed = NULL;
	if (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0) {
		framed = xmalloc(len + 6);
		memcpy(framed, "Exif\0\0", 6);
		memcpy(framed + 6, data, len);
		data = framed;
		len += 6;
	}
	ExifData *ed = exif_data_new_from_data(data, (unsigned)len);
	free(framed);
	if (!ed)
		return;
	ExifContent *exif = ed->ifd[EXIF_IFD_EXIF], *gps = ed->ifd[EXIF_IFD_GPS];
	char clock[32], offset[16] = "";
	if (exif_ascii(exif, EXIF_TAG_DATE_TIME_ORIGINAL, clock, sizeof clock) == 0) {
		exif_ascii(exif, EXIF_TAG_OFFSET_TIME_ORIGINAL, offset, sizeof offset);
		out->has_taken = image_exif_time(clock, offset, out->taken_at) == 0 ||
		                 (offset[0] && image_exif_time(clock, NULL, out->taken_at) == 0);
	}
	ExifByteOrder order = exif_data_get_byte_order(ed);
	double lat, lng;
	if (exif_degrees(gps, order, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF, 'S', 90, &lat) == 0 &&
	    exif_degrees(gps, order, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF, 'W', 180, &lng) == 0 &&
	    (lat != 0 || lng != 0)) { /* 0,0: a phone without a fix */
		out->has_location = 1;
		out->lat = lat;
		out->lng = lng;
	}
	exif_data_unref(ed);
}

unsigned long long image_dhash_of(const unsigned char px[72])
{
	unsigned long long h = 0;
	for (int y = 0; y < 8; y++)
		for (int x = 0; x < 8; x++)
			if (px[y * 9 + x + 1] > px[y * 9 + x])
				h |= 1ULL << (y * 8 + x);
	return h;
}

static int wait_for_slot(int seconds);
static int decode_allowed(const char *src);

/* The dHash of path (orientation applied), or -1. */
static int dhash(const char *path, unsigned long long *out)
{
	if (!decode_allowed(path))
		return -1;
	VipsImage *t = NULL, *g = NULL, *u = NULL;
	int rc = -1;
	if (vips_thumbnail(path, &t, 9, "height", 8, "size", VIPS_SIZE_FORCE, NULL) == 0 &&
	    vips_colourspace(t, &g, VIPS_INTERPRETATION_B_W, NULL) == 0 &&
	    vips_cast(g, &u, VIPS_FORMAT_UCHAR, NULL) == 0) {
		size_t len = 0;
		VipsImage *one = NULL;
		/* a single band (an alpha channel would follow the grey one) */
		if (vips_extract_band(u, &one, 0, NULL) == 0) {
			unsigned char *px = vips_image_write_to_memory(one, &len);
			if (px && len == 72) {
				*out = image_dhash_of(px);
				rc = 0;
			}
			g_free(px);
			g_object_unref(one);
		}
	}
	if (rc != 0)
		log_vips("perceptual hash failed", path);
	if (u)
		g_object_unref(u);
	if (g)
		g_object_unref(g);
	if (t)
		g_object_unref(t);
	return rc;
}

void image_probe(const char *path, struct image_info *out)
{
	memset(out, 0, sizeof *out);
	/* Sequential access: only the header is read here. */
	VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (!im) {
		log_vips("image header unreadable", path);
		vips_thread_shutdown();
		return;
	}
	out->width = vips_image_get_width(im);
	out->height = vips_image_get_height(im);
	const void *exif;
	size_t len;
	if (vips_image_get_typeof(im, VIPS_META_EXIF_NAME) &&
	    vips_image_get_blob(im, VIPS_META_EXIF_NAME, &exif, &len) == 0) {
		out->has_exif = len > 0;
		read_exif(exif, len, out);
	}
	g_object_unref(im);
	if (wait_for_slot(PROBE_WAIT_S) == 0) { /* an upload may wait longer than a thumbnail */
		out->has_dhash = dhash(path, &out->dhash) == 0;
		sem_post(&slots);
	}
	vips_thread_shutdown();
}

/* ---- thumbnails ---------------------------------------------------------- */

static int open_cached(const char *cache, int *fd, long long *size)
{
	*fd = open(cache, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (*fd < 0)
		return -1;
	if (fstat(*fd, &st) != 0 || st.st_size == 0) {
		close(*fd);
		*fd = -1;
		return -1;
	}
	*size = (long long)st.st_size;
	return 0;
}

/* Decodes src and encodes the thumbnail into a g_malloc'ed buffer. */
/* May src be decoded (header readable, not a decompression bomb)? */
static int decode_allowed(const char *src)
{
	VipsImage *im = vips_image_new_from_file(src, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (!im) {
		log_vips("image header unreadable", src);
		return 0;
	}
	const char *loader = NULL;
	vips_image_get_string(im, VIPS_META_LOADER, &loader);
	int interlaced = 0;
	if (vips_image_get_typeof(im, "interlaced"))
		vips_image_get_int(im, "interlaced", &interlaced);
	int streamed =
	        loader && !interlaced && (strncmp(loader, "jpegload", 8) == 0 || strncmp(loader, "pngload", 7) == 0);
	long long pixels = (long long)vips_image_get_width(im) * vips_image_get_height(im);
	long long bytes = pixels * vips_image_get_bands(im) * (long long)vips_format_sizeof(vips_image_get_format(im));
	g_object_unref(im);
	if (streamed ? pixels > MAX_STREAMED_PIXELS : bytes > MAX_DECODED_BYTES) {
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "image", "image too large to decode")) {
			log_str(&l, "path", src);
			log_int(&l, "pixels", pixels);
			log_int(&l, "decoded_bytes", bytes);
			log_end(&l);
		}
		return 0;
	}
	return 1;
}

static enum thumb_result render(const char *src, void **jpeg, size_t *len)
{
	if (!decode_allowed(src))
		return THUMB_UNDECODABLE;
	VipsImage *t = NULL;
	if (vips_thumbnail(src, &t, THUMB_SIZE, "height", THUMB_SIZE, "size", VIPS_SIZE_DOWN, NULL) != 0 ||
	    vips_jpegsave_buffer(t, jpeg, len, "Q", 80, "strip", TRUE, "optimize_coding", TRUE, NULL) != 0) {
		if (t)
			g_object_unref(t);
		log_vips("thumbnail failed", src);
		return THUMB_UNDECODABLE;
	}
	g_object_unref(t);
	return THUMB_OK;
}

/* Writes data to cache atomically: an anonymous file, fsynced, then linked
 * in (a concurrent writer of the same thumbnail may have won: fine). */
static enum thumb_result store(const char *cache, const void *data, size_t len)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", cache);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return THUMB_IO;
	*slash = '\0';
	if (mkdir_p(dir) != 0)
		return THUMB_IO;
	/* an anonymous file where the filesystem has them, else a named one renamed */
	char tmp[PATH_MAX] = "";
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", cache);
		fd = mkstemp(tmp);
	}
	if (fd < 0)
		return THUMB_IO;
	const char *p = data;
	size_t left = len;
	int ok = 1;
	while (ok && left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0;
		if (ok) {
			p += n;
			left -= (size_t)n;
		}
	}
	ok = ok && fsync(fd) == 0;
	if (ok && tmp[0]) {
		ok = rename(tmp, cache) == 0;
	} else if (ok) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		ok = linkat(AT_FDCWD, proc, AT_FDCWD, cache, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST;
	}
	if (!ok && tmp[0])
		unlink(tmp);
	close(fd);
	return ok ? THUMB_OK : THUMB_IO;
}

/* "<cache>.bad": an empty marker that src did not decode, so it is not tried again. */
static void bad_path(const char *cache, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s.bad", cache);
}

static int wait_for_slot(int seconds)
{
	if (atomic_fetch_add(&waiters, 1) >= max_waiters) {
		atomic_fetch_sub(&waiters, 1);
		return -1;
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	int rc;
	while ((rc = sem_timedwait(&slots, &until)) != 0 && errno == EINTR) {
	}
	atomic_fetch_sub(&waiters, 1);
	return rc;
}

enum thumb_result image_thumbnail(const char *src, const char *cache, int *fd, long long *size)
{
	*fd = -1;
	if (open_cached(cache, fd, size) == 0)
		return THUMB_OK;
	char bad[PATH_MAX];
	bad_path(cache, bad, sizeof bad);
	if (access(bad, F_OK) == 0)
		return THUMB_UNDECODABLE;
	if (wait_for_slot(SLOT_WAIT_S) != 0)
		return THUMB_BUSY;
	enum thumb_result r = THUMB_OK;
	if (open_cached(cache, fd, size) != 0) { /* made meanwhile by another request? */
		void *jpeg = NULL;
		size_t len = 0;
		r = render(src, &jpeg, &len);
		vips_thread_shutdown();
		if (r == THUMB_OK)
			r = store(cache, jpeg, len);
		else if (r == THUMB_UNDECODABLE)
			store(bad, "", 0);
		g_free(jpeg);
		if (r == THUMB_OK && open_cached(cache, fd, size) != 0)
			r = THUMB_IO;
		if (r == THUMB_IO) {
			struct log_line l;
			if (log_begin(&l, LOG_ERROR, "image", "cannot store a thumbnail")) {
				log_str(&l, "path", cache);
				log_str(&l, "error", strerror(errno));
				log_end(&l);
			}
		}
	}
	sem_post(&slots);
	return r;
}
