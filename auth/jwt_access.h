/*
 * Access tokens: JWT HS256 over libjwt 1.10.2, used the careful way
 * (ARCHITECTURE.md): the header's alg and kid are checked by us before
 * libjwt sees the token, the real key is always passed, the algorithm is
 * checked again after decoding, and every time, issuer, audience and use
 * claim is checked here (with 60 s leeway) — libjwt checks none of them.
 *
 * Keys live in a file of lines "<kid> <base64url key>" ('#' comments): the
 * first key signs, every key verifies, so a rotated-out key keeps its tokens
 * valid until they expire. The file is created 0600 with one 32-byte key from
 * the OS CSPRNG when missing.
 */
#ifndef INSPECTD_JWT_ACCESS_H
#define INSPECTD_JWT_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum { JWT_MAX_KEYS = 8, JWT_KEY_MAX_BYTES = 128, JWT_MAX_TOKEN = 4096, JWT_LEEWAY_S = 60 };

struct jwt_key {
	char kid[33];
	uint8_t key[JWT_KEY_MAX_BYTES];
	size_t len;
};

struct jwt_keys {
	size_t n;
	struct jwt_key k[JWT_MAX_KEYS];
};

#define JWT_ISSUER   "inspectd"
#define JWT_AUDIENCE "inspectd-api"

struct access_claims {
	char sub[37]; /* user id */
	char role[16];
	char org[37]; /* org id */
	char sid[37]; /* session (refresh family) id */
	char jti[37];
	long long iat, nbf, exp;
	long long tv; /* the user's token version */
};

/* Loads the key file, creating it (0600) when missing. 0, or -1 with err. */
int jwt_keys_load(const char *path, struct jwt_keys *keys, char *err, size_t errlen);

/* Signs an access token for c (iat/nbf/exp/jti are filled in from now and
 * ttl_s). Returns a malloc'ed string, or NULL on failure. */
char *jwt_issue_access(const struct jwt_keys *keys, struct access_claims *c, time_t now, long ttl_s);

/* 0 when token is a valid, current access token; claims filled. -1 otherwise
 * (the reason is deliberately not distinguished for the client). */
int jwt_verify_access(const struct jwt_keys *keys, const char *token, time_t now, struct access_claims *out);

#endif
