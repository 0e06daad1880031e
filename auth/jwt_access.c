#include "jwt_access.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <jwt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "random.h"

static int parse_key_line(char *line, struct jwt_key *k)
{
	char *kid = strtok(line, " \t\r\n");
	char *b64 = strtok(NULL, " \t\r\n");
	if (!kid || !b64 || strtok(NULL, " \t\r\n") || strlen(kid) >= sizeof k->kid)
		return -1;
	for (const char *p = kid; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return -1;
	long n = b64url_decode(b64, strlen(b64), k->key, sizeof k->key);
	if (n < 32)
		return -1;
	snprintf(k->kid, sizeof k->kid, "%s", kid);
	k->len = (size_t)n;
	return 0;
}

static int create_key_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0; /* created meanwhile by another process */
		snprintf(err, errlen, "cannot create JWT key file %s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t key[32];
	char kid[9], b64[64], line[128];
	rand_fill(key, sizeof key);
	rand_hex(kid, 4);
	b64url_encode(key, sizeof key, b64);
	int len = snprintf(line, sizeof line, "%s %s\n", kid, b64);
	int ok = write(fd, line, (size_t)len) == len && fsync(fd) == 0;
	close(fd);
	memset(key, 0, sizeof key);
	memset(line, 0, sizeof line);
	if (!ok) {
		unlink(path);
		snprintf(err, errlen, "cannot write JWT key file %s", path);
		return -1;
	}
	return 0;
}

int jwt_keys_load(const char *path, struct jwt_keys *keys, char *err, size_t errlen)
{
	memset(keys, 0, sizeof *keys);
	if (access(path, F_OK) != 0 && create_key_file(path, err, errlen) != 0)
		return -1;
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 0077)) {
		snprintf(err, errlen, "JWT key file %s is readable by others (mode %03o): chmod 600 it", path,
		         (unsigned)(st.st_mode & 0777));
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read JWT key file %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		if (keys->n == JWT_MAX_KEYS) {
			snprintf(err, errlen, "JWT key file %s: more than %d keys", path, JWT_MAX_KEYS);
			rc = -1;
			break;
		}
		if (parse_key_line(p, &keys->k[keys->n]) != 0) {
			snprintf(err, errlen,
			         "JWT key file %s line %d: expected \"<kid> <base64url key of at least 32 bytes>\"",
			         path, lineno);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < keys->n; i++) {
			if (strcmp(keys->k[i].kid, keys->k[keys->n].kid) == 0) {
				snprintf(err, errlen, "JWT key file %s line %d: kid \"%s\" is used twice", path, lineno,
				         keys->k[i].kid);
				rc = -1;
			}
		}
		if (rc != 0)
			break;
		keys->n++;
	}
	if (line)
		memset(line, 0, cap);
	free(line);
	fclose(f);
	if (rc == 0 && keys->n == 0) {
		snprintf(err, errlen, "JWT key file %s holds no key", path);
		rc = -1;
	}
	return rc;
}

char *jwt_issue_access(const struct jwt_keys *keys, struct access_claims *c, time_t now, long ttl_s)
{
	const struct jwt_key *k = &keys->k[0];
	c->iat = c->nbf = now;
	c->exp = now + ttl_s;
	rand_uuid(c->jti);
	jwt_t *jwt = NULL;
	char *out = NULL;
	if (jwt_new(&jwt) != 0)
		return NULL;
	int bad = jwt_add_header(jwt, "kid", k->kid) || jwt_add_grant(jwt, "iss", JWT_ISSUER) ||
	          jwt_add_grant(jwt, "aud", JWT_AUDIENCE) || jwt_add_grant(jwt, "sub", c->sub) ||
	          jwt_add_grant(jwt, "role", c->role) || jwt_add_grant(jwt, "org", c->org) ||
	          jwt_add_grant(jwt, "sid", c->sid) || jwt_add_grant(jwt, "jti", c->jti) ||
	          jwt_add_grant(jwt, "use", "access") || jwt_add_grant_int(jwt, "iat", (long)c->iat) ||
	          jwt_add_grant_int(jwt, "nbf", (long)c->nbf) || jwt_add_grant_int(jwt, "exp", (long)c->exp) ||
	          jwt_add_grant_int(jwt, "tv", (long)c->tv) || jwt_set_alg(jwt, JWT_ALG_HS256, k->key, (int)k->len);
	if (!bad)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

static int is_b64url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return 0;
	}
	return n > 0;
}

static const struct jwt_key *key_named(const struct jwt_keys *keys, const char *kid)
{
	for (size_t i = 0; i < keys->n; i++)
		if (strcmp(keys->k[i].kid, kid) == 0)
			return &keys->k[i];
	return NULL;
}

/* Reads the (unverified) header: alg must be HS256; returns the key named by kid. */
static const struct jwt_key *header_key(const struct jwt_keys *keys, const char *token, size_t hlen)
{
	uint8_t raw[512];
	long n = b64url_decode(token, hlen, raw, sizeof raw - 1);
	if (n <= 0)
		return NULL;
	json_t *h = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	const struct jwt_key *found = NULL;
	const char *alg = json_string_value(json_object_get(h, "alg"));
	const char *kid = json_string_value(json_object_get(h, "kid"));
	if (json_is_object(h) && alg && strcmp(alg, "HS256") == 0 && kid)
		found = key_named(keys, kid);
	json_decref(h);
	return found;
}

/* A string claim of 1..outlen-1 bytes. */
static int str_claim(json_t *claims, const char *name, char *out, size_t outlen)
{
	const char *v = json_string_value(json_object_get(claims, name));
	if (!v || !*v || strlen(v) >= outlen)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* An integer claim: a JSON integer, not a string or a real. */
static int int_claim(json_t *claims, const char *name, long long *out)
{
	json_t *v = json_object_get(claims, name);
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int equals_claim(json_t *claims, const char *name, const char *want)
{
	const char *v = json_string_value(json_object_get(claims, name));
	return v && strcmp(v, want) == 0;
}

/* Arithmetic only on `now`: claims may hold any 64-bit value. */
static int claims_current(const struct access_claims *c, time_t now)
{
	return c->exp >= (long long)now - JWT_LEEWAY_S && c->nbf <= (long long)now + JWT_LEEWAY_S &&
	       c->iat <= (long long)now + JWT_LEEWAY_S;
}

/* The whole check of a token not seen before; *used is the key that verified it. */
static int verify_uncached(const struct jwt_keys *keys, const char *token, size_t hlen, time_t now,
                           struct access_claims *out, const struct jwt_key **used)
{
	const struct jwt_key *k = header_key(keys, token, hlen);
	if (!k)
		return -1;
	jwt_t *jwt = NULL;
	if (jwt_decode(&jwt, token, k->key, (int)k->len) != 0 || !jwt)
		return -1;
	*used = k;
	int rc = -1;
	/* Claims are read with their JSON types: libjwt's getters would turn a
	 * string "9999999999" into a number. */
	char *text = jwt_get_grants_json(jwt, NULL);
	json_t *claims = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(text);
	if (jwt_get_alg(jwt) != JWT_ALG_HS256 || !json_is_object(claims) || !equals_claim(claims, "iss", JWT_ISSUER) ||
	    !equals_claim(claims, "aud", JWT_AUDIENCE) || !equals_claim(claims, "use", "access"))
		goto out;
	if (str_claim(claims, "sub", out->sub, sizeof out->sub) ||
	    str_claim(claims, "role", out->role, sizeof out->role) ||
	    str_claim(claims, "org", out->org, sizeof out->org) ||
	    str_claim(claims, "sid", out->sid, sizeof out->sid) || str_claim(claims, "jti", out->jti, sizeof out->jti))
		goto out;
	if (int_claim(claims, "exp", &out->exp) || int_claim(claims, "nbf", &out->nbf) ||
	    int_claim(claims, "iat", &out->iat) || int_claim(claims, "tv", &out->tv))
		goto out;
	if (claims_current(out, now))
		rc = 0;
out:
	json_decref(claims);
	jwt_free(jwt);
	return rc;
}

/*
 * Verified tokens, per thread: a phone sends the same token with every
 * request for its lifetime, and decoding it (base64, two JSON parses, the
 * HMAC) was a third of an authenticated request's CPU. A slot holds the
 * SHA-256 of a token that verified, the claims it carried, and which key —
 * by kid and the SHA-256 of its bytes — verified it. A hit needs the same
 * token bytes and that key still loaded with the same bytes; the time
 * claims are checked on every use, as for a fresh token. Nothing else is
 * remembered: revocation (user, token version, session) is the caller's
 * database check, made on every request. Per thread, so no locks; direct
 * mapped on the digest, so a flood of distinct tokens only evicts.
 */
enum { TOKEN_CACHE_SLOTS = 64 };

struct cached_token {
	uint8_t digest[SHA256_BYTES];
	uint8_t key_digest[SHA256_BYTES];
	char kid[sizeof((struct jwt_key *)0)->kid];
	struct access_claims claims;
	int used;
};

/* On the heap, not in thread-local storage: TLS comes out of every thread's
 * stack, libvips' threads included, and their deep unref chains need it. */
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_key_make(void)
{
	cache_key_ok = pthread_key_create(&cache_key, free) == 0;
}

/* This thread's slots, made on first use; NULL (no caching) when out of memory. */
static struct cached_token *thread_cache(void)
{
	pthread_once(&cache_once, cache_key_make);
	if (!cache_key_ok)
		return NULL;
	struct cached_token *c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(TOKEN_CACHE_SLOTS, sizeof *c);
		if (c && pthread_setspecific(cache_key, c) != 0) {
			free(c);
			c = NULL;
		}
	}
	return c;
}

/* The slot of a token's digest in this thread's cache; NULL without one. */
static struct cached_token *slot_of(const uint8_t digest[SHA256_BYTES])
{
	struct cached_token *cache = thread_cache();
	return cache ? &cache[digest[0] % TOKEN_CACHE_SLOTS] : NULL;
}

static const struct cached_token *cache_find(const struct jwt_keys *keys, const uint8_t digest[SHA256_BYTES])
{
	const struct cached_token *e = slot_of(digest);
	if (!e || !e->used || memcmp(e->digest, digest, SHA256_BYTES) != 0)
		return NULL;
	const struct jwt_key *k = key_named(keys, e->kid);
	uint8_t kd[SHA256_BYTES];
	if (!k)
		return NULL;
	sha256(k->key, k->len, kd);
	return memcmp(kd, e->key_digest, SHA256_BYTES) == 0 ? e : NULL;
}

static void cache_put(const uint8_t digest[SHA256_BYTES], const struct jwt_key *k, const struct access_claims *c)
{
	struct cached_token *e = slot_of(digest);
	if (!e)
		return;
	memcpy(e->digest, digest, SHA256_BYTES);
	sha256(k->key, k->len, e->key_digest);
	memcpy(e->kid, k->kid, sizeof e->kid);
	e->claims = *c;
	e->used = 1;
}

int jwt_verify_access(const struct jwt_keys *keys, const char *token, time_t now, struct access_claims *out)
{
	size_t len = strnlen(token, JWT_MAX_TOKEN + 1);
	if (len == 0 || len > JWT_MAX_TOKEN)
		return -1;
	const char *dot1 = memchr(token, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return -1;
	size_t hlen = (size_t)(dot1 - token), plen = (size_t)(dot2 - dot1 - 1), slen = len - (size_t)(dot2 + 1 - token);
	if (!is_b64url(token, hlen) || !is_b64url(dot1 + 1, plen) || !is_b64url(dot2 + 1, slen))
		return -1; /* also refuses an empty signature ("alg":"none") */
	uint8_t digest[SHA256_BYTES];
	sha256(token, len, digest);
	const struct cached_token *hit = cache_find(keys, digest);
	if (hit) {
		if (!claims_current(&hit->claims, now))
			return -1;
		*out = hit->claims;
		return 0;
	}
	const struct jwt_key *k = NULL;
	if (verify_uncached(keys, token, hlen, now, out, &k) != 0)
		return -1;
	cache_put(digest, k, out);
	return 0;
}
