/*
 * The OS CSPRNG (getrandom(2)). Used for request ids now, and for JWT keys,
 * refresh tokens and server-made UUIDs.
 */
#ifndef INSPECTD_RANDOM_H
#define INSPECTD_RANDOM_H

#include <stddef.h>

/* Fills buf with n random bytes; aborts if the kernel cannot provide them
 * (there is no safe fallback for a security-critical random source). */
void rand_fill(void *buf, size_t n);

/* Writes 2*nbytes lowercase hex digits and a NUL to out (size >= 2*nbytes+1). */
void rand_hex(char *out, size_t nbytes);

/* Writes a random (version 4) UUID, 36 characters and a NUL. */
void rand_uuid(char out[37]);

#endif
