/*
 * What is read from a photo's own bytes, and its thumbnail: libvips for
 * pixels (only its JPEG, PNG, WebP and HEIF loaders are enabled; the rest,
 * ImageMagick's among them, are blocked), libexif for EXIF.
 *
 * The photo itself is never changed: these only read it.
 */
#ifndef INSPECTD_IMAGE_H
#define INSPECTD_IMAGE_H

#include <stddef.h>

enum { THUMB_SIZE = 320 }; /* the long side of a thumbnail, in pixels */

/* Starts libvips: at most concurrency images are decoded at once, local EXIF
 * clock times are read in the process's time zone (TZ). 0, or -1 with err. */
int image_init(int concurrency, char *err, size_t errlen);
void image_shutdown(void);

struct image_info {
	int width, height; /* 0 when the header could not be read */
	int has_taken;
	char taken_at[24]; /* UTC, "YYYY-MM-DDTHH:MM:SSZ", from EXIF DateTimeOriginal */
	int has_location;
	double lat, lng; /* from EXIF GPS */
	int has_exif;    /* the file carried an EXIF block */
	int has_dhash;
	unsigned long long dhash; /* 64-bit difference hash of a 9×8 greyscale copy, orientation applied */
};

/* Reads the header and EXIF of the image file at path, and its perceptual
 * hash (a small decode, one of the decoding slots; skipped for images too
 * large to decode or when no slot frees within a few seconds). Never fails:
 * what cannot be read stays zero. */
void image_probe(const char *path, struct image_info *out);

/*
 * Converts an EXIF clock time "YYYY:MM:DD HH:MM:SS", with an optional offset
 * "+HH:MM" (NULL or "" for the local time zone), to UTC RFC 3339. 0 or -1.
 * Exposed for tests.
 */
int image_exif_time(const char *clock, const char *offset, char out[24]);

/* The dHash of 72 greyscale pixels (9 columns × 8 rows, row-major): bit
 * 8·y + x is set when pixel (x+1, y) is brighter than (x, y). Exposed for tests. */
unsigned long long image_dhash_of(const unsigned char px[72]);

enum thumb_result {
	THUMB_OK,
	THUMB_UNDECODABLE, /* not an image libvips decodes, or too large to decode (remembered) */
	THUMB_BUSY,        /* every decoding slot stayed taken: try again shortly */
	THUMB_IO,
};

/*
 * The JPEG thumbnail (long side THUMB_SIZE at most, never enlarged, EXIF
 * orientation applied, no metadata) of the image at src, cached at cache:
 * made once (to a temporary file, fsynced, renamed), then reused. On
 * THUMB_OK *fd is the cached file open for reading and *size its length.
 */
enum thumb_result image_thumbnail(const char *src, const char *cache, int *fd, long long *size);

#endif
