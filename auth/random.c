#include "random.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

void rand_fill(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "{\"level\":\"fatal\",\"src\":\"random\",\"msg\":\"getrandom failed\"}\n");
			abort();
		}
		p += got;
		n -= (size_t)got;
	}
}

static const char hexdigits[] = "0123456789abcdef";

void rand_hex(char *out, size_t nbytes)
{
	uint8_t tmp[64];
	size_t o = 0;
	while (nbytes > 0) {
		size_t chunk = nbytes < sizeof tmp ? nbytes : sizeof tmp;
		rand_fill(tmp, chunk);
		for (size_t i = 0; i < chunk; i++) {
			out[o++] = hexdigits[tmp[i] >> 4];
			out[o++] = hexdigits[tmp[i] & 15];
		}
		nbytes -= chunk;
	}
	out[o] = '\0';
}

void rand_uuid(char out[37])
{
	uint8_t b[16];
	rand_fill(b, sizeof b);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hexdigits[b[i] >> 4];
		out[o++] = hexdigits[b[i] & 15];
	}
	out[o] = '\0';
}
