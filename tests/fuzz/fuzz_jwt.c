/*
 * The JWT verify wrapper: jwt_verify_access (header alg/kid checks before
 * libjwt, the HS256 decode, every claim check) on any token text, at a
 * fixed "now" so runs are deterministic. Keys k1 and k2 are those of
 * tests/unit/test_jwt.c (k1 = bytes 1..32, k2 = 40 bytes 0xa0..); the seed
 * tokens were issued with jwt_issue_access at iat 1700000000 (ttl 900)
 * with k1, k2 and a foreign key, and hand-made variants (alg none, RS256,
 * missing claims). A verified token's claims must be NUL-terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_access.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_NOW = 1700000100 };

static void fuzz_keys(struct jwt_keys *k)
{
	memset(k, 0, sizeof *k);
	k->n = 2;
	snprintf(k->k[0].kid, sizeof k->k[0].kid, "k1");
	k->k[0].len = 32;
	for (size_t i = 0; i < 32; i++)
		k->k[0].key[i] = (uint8_t)(i + 1);
	snprintf(k->k[1].kid, sizeof k->k[1].kid, "k2");
	k->k[1].len = 40;
	for (size_t i = 0; i < 40; i++)
		k->k[1].key[i] = (uint8_t)(0xa0 + i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jwt_keys keys;
	if (!keys.n)
		fuzz_keys(&keys);
	if (size > 2 * JWT_MAX_TOKEN)
		return -1;
	char *token = malloc(size + 1);
	memcpy(token, data, size);
	token[size] = '\0';
	struct access_claims c;
	memset(&c, 0x5a, sizeof c);
	if (jwt_verify_access(&keys, token, FUZZ_NOW, &c) == 0) {
		if (!memchr(c.sub, '\0', sizeof c.sub) || !memchr(c.role, '\0', sizeof c.role) ||
		    !memchr(c.org, '\0', sizeof c.org) || !memchr(c.sid, '\0', sizeof c.sid) ||
		    !memchr(c.jti, '\0', sizeof c.jti) || c.exp < FUZZ_NOW - JWT_LEEWAY_S) {
			fprintf(stderr, "fuzz_jwt: accepted token with bad claims\n");
			abort();
		}
		/* a verified token re-issues and verifies again */
		char *again = jwt_issue_access(&keys, &c, FUZZ_NOW, 900);
		struct access_claims c2;
		if (!again || jwt_verify_access(&keys, again, FUZZ_NOW, &c2) != 0 || strcmp(c2.sub, c.sub) != 0) {
			fprintf(stderr, "fuzz_jwt: re-issued token does not verify\n");
			abort();
		}
		free(again);
	}
	free(token);
	return 0;
}
