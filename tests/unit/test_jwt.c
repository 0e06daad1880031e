/*
 * Unit tests of access tokens (auth/jwt_access.h).
 *
 * Key files: creation (0600, one "<kid> <base64url>" line of a 32-byte key),
 * loading one or two keys, comments and blank lines, and every kind of bad
 * file (no key, short key, bad base64, extra token, readable by others ...).
 *
 * Tokens: issue/verify round trip, then verification against hand-made
 * tokens: the header and payload are built with Jansson, base64url-encoded
 * and signed with HMAC-SHA256 here (auth/crypto.h), independently of
 * libjwt, so each failure mode can be produced exactly: foreign keys, key
 * rotation, alg none / HS512 / RS256, altered payloads, times around the
 * 60 s leeway, wrong iss/aud/use, missing or mistyped claims, size limits
 * and malformed token text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "jwt_access.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A fixed clock keeps the time tests exact. */
#define NOW ((time_t)1700000000)
#define TTL 900L

#define SUB "0b7a6c1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b"
#define ORG "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
#define SID "11112222-3333-4444-8555-666677778888"
#define JTI "aaaabbbb-cccc-4ddd-8eee-ffff00001111"

static char tmpdir[64];
static struct jwt_keys keys; /* k1 (signs) and k2, loaded from a file */
static uint8_t key1[32], key2[40], key_foreign[32];

/* ---- files ---------------------------------------------------------------- */

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[512];
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void tmp_path(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", tmpdir, name);
}

/* Writes content to the file name in tmpdir with exactly mode; returns the path. */
static const char *write_file(const char *name, const char *content, mode_t mode)
{
	static char path[256];
	tmp_path(path, sizeof path, name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	size_t len = strlen(content);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 4096);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* "<kid> <base64url of key>" */
static void key_line(char *out, size_t outlen, const char *kid, const uint8_t *key, size_t keylen)
{
	char b64[256];
	assert_true(b64url_encoded_len(keylen) <= sizeof b64);
	b64url_encode(key, keylen, b64);
	snprintf(out, outlen, "%s %s", kid, b64);
}

static int setup_group(void **state)
{
	(void)state;
	if (crypto_init() != 0)
		return -1;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/inspectd-unit-jwt-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	for (size_t i = 0; i < sizeof key1; i++)
		key1[i] = (uint8_t)(i + 1);
	for (size_t i = 0; i < sizeof key2; i++)
		key2[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof key_foreign; i++)
		key_foreign[i] = (uint8_t)(0x55 ^ i);

	char l1[128], l2[128], content[512];
	key_line(l1, sizeof l1, "k1", key1, sizeof key1);
	key_line(l2, sizeof l2, "k2", key2, sizeof key2);
	snprintf(content, sizeof content, "# inspectd JWT keys\n%s\n%s\n", l1, l2);
	char path[256];
	tmp_path(path, sizeof path, "fixture.key");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, content, strlen(content));
	close(fd);
	if (w != (ssize_t)strlen(content))
		return -1;
	char err[256] = "";
	if (jwt_keys_load(path, &keys, err, sizeof err) != 0) {
		fprintf(stderr, "jwt_keys_load: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown_group(void **state)
{
	(void)state;
	remove_dir(tmpdir);
	return 0;
}

/* ---- key files ------------------------------------------------------------ */

static void test_keys_fixture(void **state)
{
	(void)state;
	assert_int_equal(keys.n, 2);
	assert_string_equal(keys.k[0].kid, "k1");
	assert_int_equal(keys.k[0].len, sizeof key1);
	assert_memory_equal(keys.k[0].key, key1, sizeof key1);
	assert_string_equal(keys.k[1].kid, "k2");
	assert_int_equal(keys.k[1].len, sizeof key2);
	assert_memory_equal(keys.k[1].key, key2, sizeof key2);
}

static void test_keys_created_when_missing(void **state)
{
	(void)state;
	char path[256];
	tmp_path(path, sizeof path, "created.key");
	unlink(path);
	struct jwt_keys k;
	char err[256] = "";
	if (jwt_keys_load(path, &k, err, sizeof err) != 0)
		fail_msg("jwt_keys_load of a missing file: %s", err);
	assert_int_equal(k.n, 1);
	assert_true(k.k[0].len >= 32);
	assert_true(strlen(k.k[0].kid) > 0);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* One line, "<kid> <base64url>", naming the loaded key. */
	char *text = read_all(path);
	size_t len = strlen(text);
	assert_true(len > 0);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	char *sp = strchr(text, ' ');
	assert_non_null(sp);
	assert_null(strchr(sp + 1, ' '));
	*sp = '\0';
	assert_string_equal(text, k.k[0].kid);
	const char *b64 = sp + 1;
	size_t blen = strlen(b64) - 1; /* without the newline */
	uint8_t raw[JWT_KEY_MAX_BYTES];
	long n = b64url_decode(b64, blen, raw, sizeof raw);
	assert_true(n >= 32);
	assert_int_equal((size_t)n, k.k[0].len);
	assert_memory_equal(raw, k.k[0].key, (size_t)n);
	free(text);

	/* Loading again reads the same key: the file is not regenerated. */
	struct jwt_keys again;
	assert_int_equal(jwt_keys_load(path, &again, err, sizeof err), 0);
	assert_int_equal(again.n, 1);
	assert_string_equal(again.k[0].kid, k.k[0].kid);
	assert_memory_equal(again.k[0].key, k.k[0].key, k.k[0].len);

	/* A second created file holds a different (random) key. */
	char path2[256];
	tmp_path(path2, sizeof path2, "created2.key");
	unlink(path2);
	struct jwt_keys other;
	assert_int_equal(jwt_keys_load(path2, &other, err, sizeof err), 0);
	assert_memory_not_equal(other.k[0].key, k.k[0].key, 32);

	/* The created key signs tokens that verify. */
	struct access_claims c = {.sub = SUB, .role = "viewer", .org = ORG, .sid = SID, .tv = 1};
	char *tok = jwt_issue_access(&k, &c, NOW, TTL);
	assert_non_null(tok);
	struct access_claims out;
	assert_int_equal(jwt_verify_access(&k, tok, NOW, &out), 0);
	assert_int_equal(jwt_verify_access(&other, tok, NOW, &out), -1);
	free(tok);
	unlink(path);
	unlink(path2);
}

static void test_keys_cannot_create(void **state)
{
	(void)state;
	char path[256];
	tmp_path(path, sizeof path, "no-such-dir/jwt.key");
	struct jwt_keys k;
	char err[256] = "";
	assert_int_equal(jwt_keys_load(path, &k, err, sizeof err), -1);
	assert_non_null(strstr(err, "no-such-dir/jwt.key"));
}

static void test_keys_two_and_comments(void **state)
{
	(void)state;
	char l1[128], l2[128], content[1024];
	key_line(l1, sizeof l1, "new-2024_b", key2, sizeof key2);
	key_line(l2, sizeof l2, "old", key1, sizeof key1);
	snprintf(content, sizeof content,
	         "# keys: the first signs\n"
	         "\n"
	         "   # an indented comment\n"
	         "\t\n"
	         "  %s  \r\n"
	         "\r\n"
	         "#%s\n"
	         "\t%s\n"
	         "# trailing comment without newline",
	         l1, l1, l2);
	const char *path = write_file("two.key", content, 0600);
	struct jwt_keys k;
	char err[256] = "";
	if (jwt_keys_load(path, &k, err, sizeof err) != 0)
		fail_msg("rejected: %s", err);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.k[0].kid, "new-2024_b");
	assert_int_equal(k.k[0].len, sizeof key2);
	assert_memory_equal(k.k[0].key, key2, sizeof key2);
	assert_string_equal(k.k[1].kid, "old");
	assert_memory_equal(k.k[1].key, key1, sizeof key1);

	/* The first key signs: the token's kid names it, and the token
	 * verifies with a set holding only that key. */
	struct access_claims c = {.sub = SUB, .role = "admin", .org = ORG, .sid = SID, .tv = 3};
	char *tok = jwt_issue_access(&k, &c, NOW, TTL);
	assert_non_null(tok);
	uint8_t raw[256];
	long n = b64url_decode(tok, (size_t)(strchr(tok, '.') - tok), raw, sizeof raw - 1);
	assert_true(n > 0);
	raw[n] = '\0';
	json_t *h = json_loads((const char *)raw, 0, NULL);
	assert_non_null(h);
	assert_string_equal(json_string_value(json_object_get(h, "kid")), "new-2024_b");
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "HS256");
	json_decref(h);
	struct jwt_keys only_first = {.n = 1};
	only_first.k[0] = k.k[0];
	struct jwt_keys only_second = {.n = 1};
	only_second.k[0] = k.k[1];
	struct access_claims out;
	assert_int_equal(jwt_verify_access(&only_first, tok, NOW, &out), 0);
	assert_int_equal(jwt_verify_access(&only_second, tok, NOW, &out), -1);
	free(tok);
}

static void test_keys_size_limits(void **state)
{
	(void)state;
	uint8_t big[JWT_KEY_MAX_BYTES + 1];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + 7);
	char line[512], content[600];
	struct jwt_keys k;
	char err[256];

	/* exactly 32 bytes: accepted */
	key_line(line, sizeof line, "k32", big, 32);
	snprintf(content, sizeof content, "%s\n", line);
	assert_int_equal(jwt_keys_load(write_file("k32.key", content, 0600), &k, err, sizeof err), 0);
	assert_int_equal(k.k[0].len, 32);
	/* the largest key that fits */
	key_line(line, sizeof line, "kmax", big, JWT_KEY_MAX_BYTES);
	snprintf(content, sizeof content, "%s\n", line);
	assert_int_equal(jwt_keys_load(write_file("kmax.key", content, 0600), &k, err, sizeof err), 0);
	assert_int_equal(k.k[0].len, JWT_KEY_MAX_BYTES);
	assert_memory_equal(k.k[0].key, big, JWT_KEY_MAX_BYTES);
	/* one byte more does not fit: rejected, not truncated */
	key_line(line, sizeof line, "kbig", big, JWT_KEY_MAX_BYTES + 1);
	snprintf(content, sizeof content, "%s\n", line);
	err[0] = '\0';
	assert_int_equal(jwt_keys_load(write_file("kbig.key", content, 0600), &k, err, sizeof err), -1);
	assert_non_null(strstr(err, "line 1"));
	/* the longest kid (32 characters) is fine, 33 is not */
	key_line(line, sizeof line, "abcdefghijklmnopqrstuvwxyz012345", big, 32);
	snprintf(content, sizeof content, "%s\n", line);
	assert_int_equal(jwt_keys_load(write_file("kid32.key", content, 0600), &k, err, sizeof err), 0);
	assert_string_equal(k.k[0].kid, "abcdefghijklmnopqrstuvwxyz012345");
	key_line(line, sizeof line, "abcdefghijklmnopqrstuvwxyz0123456", big, 32);
	snprintf(content, sizeof content, "%s\n", line);
	assert_int_equal(jwt_keys_load(write_file("kid33.key", content, 0600), &k, err, sizeof err), -1);

	/* JWT_MAX_KEYS keys load; one more is an error. */
	char many[4096] = "";
	for (int i = 0; i <= JWT_MAX_KEYS; i++) {
		char kid[8];
		snprintf(kid, sizeof kid, "k%d", i);
		key_line(line, sizeof line, kid, big, 32);
		if (i == JWT_MAX_KEYS) {
			assert_int_equal(jwt_keys_load(write_file("max.key", many, 0600), &k, err, sizeof err), 0);
			assert_int_equal(k.n, JWT_MAX_KEYS);
			assert_string_equal(k.k[JWT_MAX_KEYS - 1].kid, "k7");
		}
		strcat(many, line);
		strcat(many, "\n");
	}
	err[0] = '\0';
	assert_int_equal(jwt_keys_load(write_file("toomany.key", many, 0600), &k, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than"));
}

static void expect_bad_file(const char *name, const char *content, mode_t mode, const char *needle1,
                            const char *needle2)
{
	const char *path = write_file(name, content, mode);
	struct jwt_keys k;
	char err[512] = "";
	if (jwt_keys_load(path, &k, err, sizeof err) != -1)
		fail_msg("key file %s accepted:\n%s", name, content);
	if (!*err)
		fail_msg("key file %s: no message", name);
	if (needle1 && !strstr(err, needle1))
		fail_msg("key file %s: error \"%s\" lacks \"%s\"", name, err, needle1);
	if (needle2 && !strstr(err, needle2))
		fail_msg("key file %s: error \"%s\" lacks \"%s\"", name, err, needle2);
}

static void test_keys_bad_files(void **state)
{
	(void)state;
	char good[128], b[1024];
	key_line(good, sizeof good, "k1", key1, sizeof key1);

	expect_bad_file("empty.key", "", 0600, "no key", NULL);
	expect_bad_file("comments.key", "# nothing here\n\n   \n# still nothing\n", 0600, "no key", NULL);

	/* A 31-byte key is too short. */
	uint8_t k31[31];
	memset(k31, 7, sizeof k31);
	char short_line[128];
	key_line(short_line, sizeof short_line, "short", k31, sizeof k31);
	snprintf(b, sizeof b, "%s\n%s\n", good, short_line);
	expect_bad_file("short.key", b, 0600, "line 2", "32 bytes");
	expect_bad_file("tiny.key", "k1 AAAA\n", 0600, "line 1", NULL);

	/* Bad base64url: standard alphabet, padding, stray characters. */
	expect_bad_file("plus.key", "k1 AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH+A\n", 0600, "line 1", NULL);
	expect_bad_file("slash.key", "k1 AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eH/A\n", 0600, "line 1", NULL);
	expect_bad_file("pad.key", "k1 AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n", 0600, "line 1", NULL);
	expect_bad_file("star.key", "k1 AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHy*\n", 0600, "line 1", NULL);
	expect_bad_file("odd.key", "k1 AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh0\n", 0600, "line 1", NULL);

	/* An extra token on a line, or a missing one. */
	snprintf(b, sizeof b, "%s extra\n", good);
	expect_bad_file("extra.key", b, 0600, "line 1", NULL);
	snprintf(b, sizeof b, "%s # comment after the key\n", good);
	expect_bad_file("extra-comment.key", b, 0600, "line 1", NULL);
	expect_bad_file("kid-only.key", "k1\n", 0600, "line 1", NULL);
	snprintf(b, sizeof b, "# c\n\n%s\nlonely\n", good);
	expect_bad_file("kid-only2.key", b, 0600, "line 4", NULL);

	/* A kid outside [A-Za-z0-9_-]. */
	char odd[128];
	key_line(odd, sizeof odd, "k.1", key1, sizeof key1);
	snprintf(b, sizeof b, "%s\n", odd);
	expect_bad_file("kid-dot.key", b, 0600, "line 1", NULL);
	key_line(odd, sizeof odd, "k\"1", key1, sizeof key1);
	snprintf(b, sizeof b, "%s\n", odd);
	expect_bad_file("kid-quote.key", b, 0600, "line 1", NULL);

	/* Readable (or writable) by group or others: refused, with the fix. */
	snprintf(b, sizeof b, "%s\n", good);
	expect_bad_file("mode644.key", b, 0644, "chmod", "644");
	expect_bad_file("mode640.key", b, 0640, "chmod", NULL);
	expect_bad_file("mode604.key", b, 0604, "chmod", NULL);
	expect_bad_file("mode620.key", b, 0620, "chmod", NULL);
	expect_bad_file("mode666.key", b, 0666, "chmod", NULL);
	/* ... while 0400 (read-only for the owner) is fine. */
	const char *path = write_file("mode400.key", b, 0400);
	struct jwt_keys k;
	char err[256] = "";
	if (jwt_keys_load(path, &k, err, sizeof err) != 0)
		fail_msg("0400 key file rejected: %s", err);
	assert_int_equal(k.n, 1);
}

static void test_keys_long_comment_line(void **state)
{
	(void)state;
	/* A comment line longer than the reader's line buffer stays a comment:
	 * the text after the first 511 bytes must not be read as a key line.
	 * Here a commented-out key sits at the end of a long comment. */
	char good[128], old[128];
	key_line(good, sizeof good, "k1", key1, sizeof key1);
	key_line(old, sizeof old, "revoked", key_foreign, sizeof key_foreign);
	char content[2048];
	char pad[600];
	memset(pad, 'x', 509);
	pad[509] = '\0';
	snprintf(content, sizeof content, "%s\n# %s%s\n", good, pad, old);
	const char *path = write_file("longcomment.key", content, 0600);
	struct jwt_keys k;
	char err[256] = "";
	int rc = jwt_keys_load(path, &k, err, sizeof err);
	if (rc != 0)
		fail_msg("a long comment line was rejected: %s", err);
	if (k.n != 1)
		fail_msg("a long comment line yielded %zu keys (second kid \"%s\"): the commented-out key is live", k.n,
		         k.n > 1 ? k.k[1].kid : "");
}

/* ---- crafting tokens ---------------------------------------------------------- */

static char *b64url_of(const void *data, size_t len)
{
	char *out = malloc(b64url_encoded_len(len));
	assert_non_null(out);
	b64url_encode(data, len, out);
	return out;
}

/* header.payload.signature from raw JSON texts; the signature is
 * HMAC-SHA256 with key (keylen bytes), or sig_text verbatim when key is NULL. */
static char *craft_raw(const char *header, const char *payload, const uint8_t *key, size_t keylen, const char *sig_text)
{
	char *h = b64url_of(header, strlen(header));
	char *p = b64url_of(payload, strlen(payload));
	size_t silen = strlen(h) + 1 + strlen(p);
	char *signing_input = malloc(silen + 1);
	assert_non_null(signing_input);
	snprintf(signing_input, silen + 1, "%s.%s", h, p);
	char *sig;
	if (key) {
		uint8_t mac[SHA256_BYTES];
		hmac_sha256(key, keylen, signing_input, silen, mac);
		sig = b64url_of(mac, sizeof mac);
	} else {
		sig = strdup(sig_text);
		assert_non_null(sig);
	}
	size_t tlen = silen + 1 + strlen(sig);
	char *tok = malloc(tlen + 1);
	assert_non_null(tok);
	snprintf(tok, tlen + 1, "%s.%s", signing_input, sig);
	free(h);
	free(p);
	free(signing_input);
	free(sig);
	return tok;
}

static json_t *header_json(const char *alg, const char *kid)
{
	json_t *h = json_object();
	assert_non_null(h);
	if (alg)
		json_object_set_new(h, "alg", json_string(alg));
	json_object_set_new(h, "typ", json_string("JWT"));
	if (kid)
		json_object_set_new(h, "kid", json_string(kid));
	return h;
}

/* The claims jwt_issue_access would write at NOW. */
static json_t *good_claims(void)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "iss", JWT_ISSUER, "aud",
	                      JWT_AUDIENCE, "sub", SUB, "role", "supervisor", "org", ORG, "sid", SID, "jti", JTI, "use",
	                      "access", "iat", (json_int_t)NOW, "nbf", (json_int_t)NOW, "exp", (json_int_t)(NOW + TTL),
	                      "tv", (json_int_t)7);
	assert_non_null(c);
	return c;
}

/* The compact JSON text of claims (consumed); free() it. */
static char *claims_text(json_t *claims)
{
	char *p = json_dumps(claims, JSON_COMPACT);
	assert_non_null(p);
	json_decref(claims);
	return p;
}

/* Crafts a token from JSON objects (consumed), signed with key or sig_text. */
static char *craft(json_t *header, json_t *claims, const uint8_t *key, size_t keylen, const char *sig_text)
{
	char *h = json_dumps(header, JSON_COMPACT);
	char *p = json_dumps(claims, JSON_COMPACT);
	assert_non_null(h);
	assert_non_null(p);
	char *tok = craft_raw(h, p, key, keylen, sig_text);
	free(h);
	free(p);
	json_decref(header);
	json_decref(claims);
	return tok;
}

/* The standard crafted token: HS256, kid k1, signed with key1. */
static char *craft_k1(json_t *claims)
{
	return craft(header_json("HS256", "k1"), claims, key1, sizeof key1, NULL);
}

static int verify_at(const char *tok, time_t now)
{
	struct access_claims out;
	memset(&out, 0, sizeof out);
	return jwt_verify_access(&keys, tok, now, &out);
}

/* Verifies tok (consumed) at now and fails unless the result is want. */
static void expect_verify(const char *what, char *tok, time_t now, int want)
{
	int got = verify_at(tok, now);
	char shown[160];
	snprintf(shown, sizeof shown, "%s", tok);
	free(tok); /* before fail_msg, which does not return */
	if (got != want)
		fail_msg("%s: jwt_verify_access returned %d, expected %d\n  token: %s...", what, got, want, shown);
}

/* ---- round trip ----------------------------------------------------------------- */

static void test_issue_verify_round_trip(void **state)
{
	(void)state;
	struct access_claims c;
	memset(&c, 0, sizeof c);
	snprintf(c.sub, sizeof c.sub, "%s", SUB);
	snprintf(c.role, sizeof c.role, "%s", "supervisor");
	snprintf(c.org, sizeof c.org, "%s", ORG);
	snprintf(c.sid, sizeof c.sid, "%s", SID);
	c.tv = 42;
	char *tok = jwt_issue_access(&keys, &c, NOW, TTL);
	assert_non_null(tok);
	/* issue filled the times and a jti */
	assert_int_equal(c.iat, NOW);
	assert_int_equal(c.nbf, NOW);
	assert_int_equal(c.exp, NOW + TTL);
	assert_int_equal(strlen(c.jti), 36);

	/* three base64url parts */
	assert_true(strlen(tok) <= JWT_MAX_TOKEN);
	char *d1 = strchr(tok, '.');
	assert_non_null(d1);
	char *d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);
	assert_null(strchr(d2 + 1, '.'));
	assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."), strlen(tok));

	struct access_claims out;
	memset(&out, 0x7f, sizeof out);
	assert_int_equal(jwt_verify_access(&keys, tok, NOW, &out), 0);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.role, "supervisor");
	assert_string_equal(out.org, ORG);
	assert_string_equal(out.sid, SID);
	assert_string_equal(out.jti, c.jti);
	assert_int_equal(out.tv, 42);
	assert_int_equal(out.iat, NOW);
	assert_int_equal(out.nbf, NOW);
	assert_int_equal(out.exp, NOW + TTL);

	/* The payload carries iss, aud and use = "access". */
	size_t plen = (size_t)(d2 - d1 - 1);
	uint8_t raw[1024];
	long n = b64url_decode(d1 + 1, plen, raw, sizeof raw - 1);
	assert_true(n > 0);
	json_t *p = json_loadb((const char *)raw, (size_t)n, 0, NULL);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "iss")), JWT_ISSUER);
	assert_string_equal(json_string_value(json_object_get(p, "aud")), JWT_AUDIENCE);
	assert_string_equal(json_string_value(json_object_get(p, "use")), "access");
	json_decref(p);

	/* Valid until exp (plus leeway), and before iat within leeway. */
	assert_int_equal(verify_at(tok, NOW + TTL), 0);
	assert_int_equal(verify_at(tok, NOW + TTL + JWT_LEEWAY_S), 0);
	assert_int_equal(verify_at(tok, NOW + TTL + JWT_LEEWAY_S + 1), -1);
	assert_int_equal(verify_at(tok, NOW + TTL + 86400), -1);
	assert_int_equal(verify_at(tok, NOW - JWT_LEEWAY_S), 0);
	assert_int_equal(verify_at(tok, NOW - JWT_LEEWAY_S - 1), -1); /* nbf/iat too far ahead of the clock */

	/* A second token for the same claims has a fresh jti. */
	char first_jti[37];
	memcpy(first_jti, c.jti, sizeof first_jti);
	char *tok2 = jwt_issue_access(&keys, &c, NOW + 1, 60);
	assert_non_null(tok2);
	assert_string_not_equal(c.jti, first_jti);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(jwt_verify_access(&keys, tok2, NOW + 1, &out), 0);
	assert_int_equal(out.exp, NOW + 61);
	assert_string_equal(out.jti, c.jti);
	free(tok2);
	free(tok);
}

static void test_crafted_baseline_verifies(void **state)
{
	(void)state;
	/* The crafting helpers make tokens the verifier accepts: every
	 * rejection below is due to the one thing each test changes. */
	char *tok = craft_k1(good_claims());
	struct access_claims out;
	assert_int_equal(jwt_verify_access(&keys, tok, NOW, &out), 0);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.role, "supervisor");
	assert_string_equal(out.jti, JTI);
	assert_int_equal(out.tv, 7);
	assert_int_equal(out.exp, NOW + TTL);
	free(tok);
	/* without "typ" too */
	json_t *h = json_pack("{s:s, s:s}", "alg", "HS256", "kid", "k1");
	expect_verify("no typ", craft(h, good_claims(), key1, sizeof key1, NULL), NOW, 0);
}

/* ---- keys and algorithms ---------------------------------------------------------- */

static void test_wrong_key(void **state)
{
	(void)state;
	/* Named k1, signed with a key not in the set. */
	expect_verify("foreign key, kid k1",
	              craft(header_json("HS256", "k1"), good_claims(), key_foreign, sizeof key_foreign, NULL), NOW, -1);
	/* A kid not in the set, signed with a key that is. */
	expect_verify("unknown kid", craft(header_json("HS256", "k9"), good_claims(), key1, sizeof key1, NULL), NOW,
	              -1);
	/* No kid at all. */
	expect_verify("no kid", craft(header_json("HS256", NULL), good_claims(), key1, sizeof key1, NULL), NOW, -1);
	/* kid not a string */
	json_t *h = json_pack("{s:s, s:i}", "alg", "HS256", "kid", 1);
	expect_verify("numeric kid", craft(h, good_claims(), key1, sizeof key1, NULL), NOW, -1);
	/* kid of one key, signed with the other. */
	expect_verify("kid k2, key1", craft(header_json("HS256", "k2"), good_claims(), key1, sizeof key1, NULL), NOW,
	              -1);
	/* A prefix of the right key (the first 31 bytes). */
	expect_verify("key prefix", craft(header_json("HS256", "k1"), good_claims(), key1, sizeof key1 - 1, NULL), NOW,
	              -1);

	/* A token from another installation (its own created key) fails. */
	struct jwt_keys other = {.n = 1};
	snprintf(other.k[0].kid, sizeof other.k[0].kid, "%s", "k1");
	memcpy(other.k[0].key, key_foreign, sizeof key_foreign);
	other.k[0].len = sizeof key_foreign;
	struct access_claims c = {.sub = SUB, .role = "admin", .org = ORG, .sid = SID, .tv = 1};
	char *tok = jwt_issue_access(&other, &c, NOW, TTL);
	assert_non_null(tok);
	expect_verify("other installation", tok, NOW, -1);

	/* An empty key set verifies nothing. */
	struct jwt_keys none = {.n = 0};
	tok = craft_k1(good_claims());
	struct access_claims out;
	assert_int_equal(jwt_verify_access(&none, tok, NOW, &out), -1);
	free(tok);
}

static void test_rotation(void **state)
{
	(void)state;
	/* A token whose kid names the second key still verifies. */
	expect_verify("kid k2", craft(header_json("HS256", "k2"), good_claims(), key2, sizeof key2, NULL), NOW, 0);

	/* Issued while k2 was the signing key, verified after k1 was put first. */
	struct jwt_keys before = {.n = 1};
	before.k[0] = keys.k[1];
	struct access_claims c = {.sub = SUB, .role = "inspector", .org = ORG, .sid = SID, .tv = 2};
	char *tok = jwt_issue_access(&before, &c, NOW, TTL);
	assert_non_null(tok);
	struct access_claims out;
	assert_int_equal(jwt_verify_access(&keys, tok, NOW + 10, &out), 0);
	assert_string_equal(out.role, "inspector");
	assert_string_equal(out.jti, c.jti);
	/* Once k2 is gone from the set, its tokens fail. */
	struct jwt_keys after = {.n = 1};
	after.k[0] = keys.k[0];
	assert_int_equal(jwt_verify_access(&after, tok, NOW + 10, &out), -1);
	free(tok);
}

static void test_alg_none(void **state)
{
	(void)state;
	/* {"alg":"none","kid":"k1"} with an empty signature */
	expect_verify("none, empty sig", craft(header_json("none", "k1"), good_claims(), NULL, 0, ""), NOW, -1);
	/* ... with a non-empty signature (garbage, and the valid HS256 MAC) */
	expect_verify("none, junk sig", craft(header_json("none", "k1"), good_claims(), NULL, 0, "c2lnbmF0dXJl"), NOW,
	              -1);
	expect_verify("none, real MAC", craft(header_json("none", "k1"), good_claims(), key1, sizeof key1, NULL), NOW,
	              -1);
	/* spellings of none, and no alg */
	expect_verify("None", craft(header_json("None", "k1"), good_claims(), key1, sizeof key1, NULL), NOW, -1);
	expect_verify("NONE", craft(header_json("NONE", "k1"), good_claims(), NULL, 0, ""), NOW, -1);
	expect_verify("no alg", craft(header_json(NULL, "k1"), good_claims(), key1, sizeof key1, NULL), NOW, -1);
	expect_verify("empty alg", craft(header_json("", "k1"), good_claims(), key1, sizeof key1, NULL), NOW, -1);
	/* A valid token with its signature cut off. */
	char *tok = craft_k1(good_claims());
	*(strrchr(tok, '.') + 1) = '\0';
	expect_verify("signature removed", tok, NOW, -1);
}

static void test_other_algs(void **state)
{
	(void)state;
	static const char *const algs[] = {"HS512", "HS384", "RS256", "ES256", "PS256", "hs256", "HS256 ", "HS2560"};
	for (size_t i = 0; i < N(algs); i++) {
		char what[64];
		snprintf(what, sizeof what, "alg \"%s\", HMAC-SHA256 with key1", algs[i]);
		expect_verify(what, craft(header_json(algs[i], "k1"), good_claims(), key1, sizeof key1, NULL), NOW, -1);
		snprintf(what, sizeof what, "alg \"%s\", junk signature", algs[i]);
		expect_verify(
		        what,
		        craft(header_json(algs[i], "k1"), good_claims(), NULL, 0,
		              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		        NOW, -1);
	}
	/* alg as a non-string */
	json_t *h = json_pack("{s:i, s:s}", "alg", 256, "kid", "k1");
	expect_verify("numeric alg", craft(h, good_claims(), key1, sizeof key1, NULL), NOW, -1);
	/* The header must be a JSON object. */
	expect_verify("header array", craft_raw("[\"HS256\"]", "{}", key1, sizeof key1, NULL), NOW, -1);
	expect_verify("header not JSON", craft_raw("{\"alg\":\"HS256\",\"kid\":\"k1\"", "{}", key1, sizeof key1, NULL),
	              NOW, -1);
	/* Duplicate names in the header are refused (parsers disagree on which wins). */
	char *p = claims_text(good_claims());
	expect_verify("duplicate alg",
	              craft_raw("{\"alg\":\"none\",\"alg\":\"HS256\",\"kid\":\"k1\"}", p, key1, sizeof key1, NULL), NOW,
	              -1);
	expect_verify("duplicate kid",
	              craft_raw("{\"alg\":\"HS256\",\"kid\":\"k9\",\"kid\":\"k1\"}", p, key1, sizeof key1, NULL), NOW,
	              -1);
	/* ... while the same header without the duplicate is fine */
	expect_verify("plain header", craft_raw("{\"alg\":\"HS256\",\"kid\":\"k1\"}", p, key1, sizeof key1, NULL), NOW,
	              0);
	free(p);
}

/* ---- integrity --------------------------------------------------------------------- */

/* Replaces the payload of tok (keeping header and signature) with claims. */
static char *swap_payload(const char *tok, json_t *claims)
{
	char *p = claims_text(claims);
	char *pb = b64url_of(p, strlen(p));
	free(p);
	const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
	size_t len = (size_t)(d1 - tok) + 1 + strlen(pb) + strlen(d2);
	char *out = malloc(len + 1);
	assert_non_null(out);
	snprintf(out, len + 1, "%.*s.%s%s", (int)(d1 - tok), tok, pb, d2);
	free(pb);
	return out;
}

static void test_payload_altered(void **state)
{
	(void)state;
	char *tok = craft_k1(good_claims());
	assert_int_equal(verify_at(tok, NOW), 0);

	/* Sanity: swapping in the very same payload keeps it valid. */
	expect_verify("same payload", swap_payload(tok, good_claims()), NOW, 0);

	/* Flip one claim each, keep the signature. */
	json_t *c = good_claims();
	json_object_set_new(c, "role", json_string("admin"));
	expect_verify("role raised", swap_payload(tok, c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "org", json_string("00000000-0000-4000-8000-000000000000"));
	expect_verify("org changed", swap_payload(tok, c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "exp", json_integer(NOW + 10 * 365 * 86400LL));
	expect_verify("exp extended", swap_payload(tok, c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "tv", json_integer(8));
	expect_verify("tv bumped", swap_payload(tok, c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "extra", json_true());
	expect_verify("claim added", swap_payload(tok, c), NOW, -1);

	/* One character of the signature changed; the signature truncated;
	 * the header changed (kid k1 → k2 style swap of the header part). */
	char *bad = strdup(tok);
	assert_non_null(bad);
	char *sig = strrchr(bad, '.') + 1;
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	expect_verify("signature byte", bad, NOW, -1);
	bad = strdup(tok);
	assert_non_null(bad);
	bad[strlen(bad) - 4] = '\0';
	expect_verify("signature truncated", bad, NOW, -1);
	bad = malloc(strlen(tok) + 8);
	assert_non_null(bad);
	sprintf(bad, "%sAAAA", tok);
	expect_verify("signature extended", bad, NOW, -1);
	/* The same signature on a header naming the other key. */
	char *other = craft(header_json("HS256", "k2"), good_claims(), key2, sizeof key2, NULL);
	const char *od1 = strchr(other, '.');
	const char *d1 = strchr(tok, '.');
	bad = malloc(strlen(tok) + strlen(other) + 1);
	assert_non_null(bad);
	sprintf(bad, "%.*s%s", (int)(od1 - other), other, d1);
	expect_verify("header swapped", bad, NOW, -1);
	free(other);
	free(tok);
}

/* ---- times ------------------------------------------------------------------------- */

static char *with_int(const char *name, long long v)
{
	json_t *c = good_claims();
	json_object_set_new(c, name, json_integer(v));
	return craft_k1(c);
}

static void test_times(void **state)
{
	(void)state;
	/* exp: expired beyond the leeway fails, within it passes */
	expect_verify("exp now-61", with_int("exp", NOW - 61), NOW, -1);
	expect_verify("exp now-3600", with_int("exp", NOW - 3600), NOW, -1);
	expect_verify("exp now-60", with_int("exp", NOW - 60), NOW, 0);
	expect_verify("exp now-30", with_int("exp", NOW - 30), NOW, 0);
	expect_verify("exp now", with_int("exp", NOW), NOW, 0);
	expect_verify("exp 0", with_int("exp", 0), NOW, -1);
	expect_verify("exp negative", with_int("exp", -1), NOW, -1);

	/* nbf: too far in the future fails */
	expect_verify("nbf now+61", with_int("nbf", NOW + 61), NOW, -1);
	expect_verify("nbf now+3600", with_int("nbf", NOW + 3600), NOW, -1);
	expect_verify("nbf now+60", with_int("nbf", NOW + 60), NOW, 0);
	expect_verify("nbf now+30", with_int("nbf", NOW + 30), NOW, 0);
	expect_verify("nbf now-3600", with_int("nbf", NOW - 3600), NOW, 0);

	/* iat: issued in the future beyond the leeway fails */
	expect_verify("iat now+61", with_int("iat", NOW + 61), NOW, -1);
	expect_verify("iat now+86400", with_int("iat", NOW + 86400), NOW, -1);
	expect_verify("iat now+60", with_int("iat", NOW + 60), NOW, 0);
	expect_verify("iat now+30", with_int("iat", NOW + 30), NOW, 0);
}

/* ---- claims ------------------------------------------------------------------------- */

static char *with_string(const char *name, const char *v)
{
	json_t *c = good_claims();
	json_object_set_new(c, name, json_string(v));
	return craft_k1(c);
}

static char *without(const char *name)
{
	json_t *c = good_claims();
	assert_int_equal(json_object_del(c, name), 0);
	return craft_k1(c);
}

static void test_iss_aud_use(void **state)
{
	(void)state;
	expect_verify("iss other", with_string("iss", "someone-else"), NOW, -1);
	expect_verify("iss case", with_string("iss", "Inspectd"), NOW, -1);
	expect_verify("iss empty", with_string("iss", ""), NOW, -1);
	expect_verify("aud other", with_string("aud", "other-api"), NOW, -1);
	expect_verify("aud prefix", with_string("aud", "inspectd-ap"), NOW, -1);
	expect_verify("aud = iss", with_string("aud", JWT_ISSUER), NOW, -1);
	expect_verify("use refresh", with_string("use", "refresh"), NOW, -1);
	expect_verify("use empty", with_string("use", ""), NOW, -1);
	expect_verify("use ACCESS", with_string("use", "ACCESS"), NOW, -1);
	expect_verify("no iss", without("iss"), NOW, -1);
	expect_verify("no aud", without("aud"), NOW, -1);
	expect_verify("no use", without("use"), NOW, -1);
	/* non-string values */
	json_t *c = good_claims();
	json_object_set_new(c, "use", json_integer(1));
	expect_verify("use numeric", craft_k1(c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "iss", json_null());
	expect_verify("iss null", craft_k1(c), NOW, -1);
}

static void test_missing_claims(void **state)
{
	(void)state;
	static const char *const required[] = {"exp", "tv", "sid", "sub", "role", "org", "jti", "nbf", "iat"};
	for (size_t i = 0; i < N(required); i++) {
		char what[32];
		snprintf(what, sizeof what, "no %s", required[i]);
		expect_verify(what, without(required[i]), NOW, -1);
	}
	/* empty strings are as good as missing */
	static const char *const strings[] = {"sub", "role", "org", "sid", "jti"};
	for (size_t i = 0; i < N(strings); i++) {
		char what[32];
		snprintf(what, sizeof what, "empty %s", strings[i]);
		expect_verify(what, with_string(strings[i], ""), NOW, -1);
	}
	/* an empty payload object */
	expect_verify("empty payload", craft(header_json("HS256", "k1"), json_object(), key1, sizeof key1, NULL), NOW,
	              -1);
	/* a payload that is not an object, or not JSON, correctly signed */
	expect_verify("payload array",
	              craft_raw("{\"alg\":\"HS256\",\"kid\":\"k1\"}", "[1,2]", key1, sizeof key1, NULL), NOW, -1);
	expect_verify("payload not JSON",
	              craft_raw("{\"alg\":\"HS256\",\"kid\":\"k1\"}", "not json", key1, sizeof key1, NULL), NOW, -1);
}

static void test_mistyped_string_claims(void **state)
{
	(void)state;
	/* strings given as numbers or objects */
	json_t *c = good_claims();
	json_object_set_new(c, "sub", json_integer(5));
	expect_verify("sub numeric", craft_k1(c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "sid", json_object());
	expect_verify("sid object", craft_k1(c), NOW, -1);
	c = good_claims();
	json_object_set_new(c, "role", json_null());
	expect_verify("role null", craft_k1(c), NOW, -1);
	/* strings too long for the claims struct are refused, not truncated */
	expect_verify("sub 37 chars", with_string("sub", SUB "x"), NOW, -1);
	expect_verify("role 16 chars", with_string("role", "supervisorxxxxxx"), NOW, -1);
	expect_verify("role 15 chars", with_string("role", "supervisorxxxxx"), NOW, 0);
	expect_verify("org 37 chars", with_string("org", ORG "x"), NOW, -1);
	expect_verify("sid 37 chars", with_string("sid", SID "x"), NOW, -1);
	expect_verify("jti 37 chars", with_string("jti", JTI "x"), NOW, -1);
}

static void test_mistyped_int_claims(void **state)
{
	(void)state;
	/* exp, nbf, iat and tv must be JSON integers: a string, real, boolean
	 * or null must not be read as some number (libjwt 1.10.2's
	 * jwt_get_grant_int returns 0 for them without setting errno). Every
	 * case is tried; the failures are listed together. */
	static const char *const names[] = {"exp", "nbf", "iat", "tv"};
	char failures[2048] = "";
	for (size_t i = 0; i < N(names); i++) {
		json_t *values[] = {
		        json_string(strcmp(names[i], "tv") == 0 ? "7" : "1700000000"),
		        json_real(strcmp(names[i], "tv") == 0 ? 7.0 : (double)NOW),
		        json_true(),
		        json_null(),
		};
		static const char *const kinds[] = {"string", "real", "true", "null"};
		for (size_t k = 0; k < N(values); k++) {
			json_t *c = good_claims();
			json_object_set_new(c, names[i], values[k]);
			char *tok = craft_k1(c);
			struct access_claims out;
			memset(&out, 0, sizeof out);
			int rc = jwt_verify_access(&keys, tok, NOW, &out);
			free(tok);
			if (rc != -1) {
				char one[96];
				snprintf(one, sizeof one, "\n  %s as %s accepted (exp=%lld nbf=%lld iat=%lld tv=%lld)",
				         names[i], kinds[k], out.exp, out.nbf, out.iat, out.tv);
				strncat(failures, one, sizeof failures - strlen(failures) - 1);
			}
		}
	}
	if (*failures)
		fail_msg("mistyped integer claims verified:%s", failures);
}

/* ---- token text -------------------------------------------------------------------- */

static void test_size_limit(void **state)
{
	(void)state;
	/* Pad a correctly signed token to exactly JWT_MAX_TOKEN and one more
	 * character (base64 lengths skip every fourth value, so the header's
	 * padding claim varies too). */
	char *at_max = NULL, *over_max = NULL;
	for (int hx = 0; hx < 4 && !(at_max && over_max); hx++) {
		for (size_t pad = 2300; pad < 3100 && !(at_max && over_max); pad++) {
			json_t *h = header_json("HS256", "k1");
			char hpad[8] = "";
			memset(hpad, 'h', (size_t)hx);
			hpad[hx] = '\0';
			json_object_set_new(h, "x", json_string(hpad));
			json_t *c = good_claims();
			char *padding = malloc(pad + 1);
			assert_non_null(padding);
			memset(padding, 'p', pad);
			padding[pad] = '\0';
			json_object_set_new(c, "pad", json_string(padding));
			free(padding);
			char *tok = craft(h, c, key1, sizeof key1, NULL);
			size_t len = strlen(tok);
			if (len == JWT_MAX_TOKEN && !at_max)
				at_max = tok;
			else if (len == JWT_MAX_TOKEN + 1 && !over_max)
				over_max = tok;
			else
				free(tok);
		}
	}
	assert_non_null(at_max);
	assert_non_null(over_max);
	expect_verify("exactly 4096", at_max, NOW, 0);
	expect_verify("4097", over_max, NOW, -1);

	/* Far larger: rejected quickly, and read no further than the limit. */
	size_t big = 1 << 20;
	char *huge = malloc(big + 1);
	assert_non_null(huge);
	memset(huge, 'A', big);
	huge[10] = '.';
	huge[20] = '.';
	huge[big] = '\0';
	expect_verify("1 MiB", huge, NOW, -1);
}

static void test_malformed_text(void **state)
{
	(void)state;
	char *good = craft_k1(good_claims());
	assert_int_equal(verify_at(good, NOW), 0);
	const char *d1 = strchr(good, '.'), *d2 = strrchr(good, '.');
	int hlen = (int)(d1 - good), plen = (int)(d2 - d1 - 1);
	char buf[8192];

	static const char *const fixed[] = {"",     ".",    "..",      "...",      "a",           "a.b",         "a.b.",
	                                    ".b.c", "a..c", "a.b.c.d", "e30.e30.", "e30.e30.e30", "Bearer x.y.z"};
	for (size_t i = 0; i < N(fixed); i++) {
		char *t = strdup(fixed[i]);
		assert_non_null(t);
		char what[64];
		snprintf(what, sizeof what, "literal \"%s\"", fixed[i]);
		expect_verify(what, t, NOW, -1);
	}

	/* Two dots missing: header.payload (no signature part), no dots at all. */
	snprintf(buf, sizeof buf, "%.*s", (int)(d2 - good), good);
	expect_verify("one dot", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, "%.*s%.*s%s", hlen, good, plen, d1 + 1, d2 + 1);
	expect_verify("no dots", strdup(buf), NOW, -1);
	/* Four parts: a valid token with one more part, or an empty one. */
	snprintf(buf, sizeof buf, "%s.%s", good, "e30");
	expect_verify("four parts", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, "%s.", good);
	expect_verify("trailing dot", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, ".%s", good);
	expect_verify("leading dot", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, "%.*s..%s", (int)(d2 - good), good, d2 + 1);
	expect_verify("double dot", strdup(buf), NOW, -1);

	/* Characters outside base64url, in each part. */
	static const char bad_chars[] = {'+', '/', '=', ' ', '\n', '\t', '*', '"', '%', '~'};
	for (size_t i = 0; i < sizeof bad_chars; i++) {
		size_t positions[] = {2, (size_t)hlen + 3, strlen(good) - 3};
		for (size_t k = 0; k < N(positions); k++) {
			char *t = strdup(good);
			assert_non_null(t);
			t[positions[k]] = bad_chars[i];
			char what[64];
			snprintf(what, sizeof what, "char 0x%02x at %zu", (unsigned)(unsigned char)bad_chars[i],
			         positions[k]);
			expect_verify(what, t, NOW, -1);
		}
	}
	/* Padding appended to a part, whitespace around the token. */
	snprintf(buf, sizeof buf, "%s=", good);
	expect_verify("padded signature", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, "%.*s=%s", hlen, good, d1);
	expect_verify("padded header", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, " %s", good);
	expect_verify("leading space", strdup(buf), NOW, -1);
	snprintf(buf, sizeof buf, "%s\n", good);
	expect_verify("trailing newline", strdup(buf), NOW, -1);
	/* Non-ASCII bytes. */
	snprintf(buf, sizeof buf, "%s\xc3\xa9", good);
	expect_verify("trailing é", strdup(buf), NOW, -1);
	/* Header part that is valid base64url but not a decodable length. */
	snprintf(buf, sizeof buf, "%.*sA%s", hlen, good, d1);
	expect_verify("header part one char longer", strdup(buf), NOW, -1);
	free(good);
}

static void test_extreme_times(void **state)
{
	(void)state;
	/* Correctly signed tokens with times at the ends of the integer range
	 * are refused without arithmetic overflow (UBSan watches). Kept last:
	 * an overflow aborts the process under -fno-sanitize-recover, so the
	 * key files are removed now rather than by the group teardown. */
	remove_dir(tmpdir);
	expect_verify("iat max", with_int("iat", LLONG_MAX), NOW, -1);
	expect_verify("nbf max", with_int("nbf", LLONG_MAX), NOW, -1);
	expect_verify("exp min", with_int("exp", LLONG_MIN), NOW, -1);
	expect_verify("nbf min", with_int("nbf", LLONG_MIN), NOW, 0);
	expect_verify("iat min", with_int("iat", LLONG_MIN), NOW, 0);
	/* The largest exp must not overflow "exp + leeway" (accepting or
	 * refusing it are both fine; the check here is UBSan's). */
	char *tok = with_int("exp", LLONG_MAX);
	int rc = verify_at(tok, NOW);
	free(tok);
	assert_true(rc == -1 || rc == 0); /* assert_in_range is unsigned */
}

/* ---- the per-thread cache of verified tokens ----------------------------------------------- */

static void test_cache(void **state)
{
	(void)state;
	/* A token verified once under the installation's k1 ... */
	struct access_claims c = {.sub = SUB, .role = "admin", .org = ORG, .sid = SID, .tv = 3};
	char *tok = jwt_issue_access(&keys, &c, NOW, TTL);
	assert_non_null(tok);
	struct access_claims out;
	assert_int_equal(jwt_verify_access(&keys, tok, NOW, &out), 0);
	/* ... and again (a cache hit): the same claims, times checked anew */
	memset(&out, 0, sizeof out);
	assert_int_equal(jwt_verify_access(&keys, tok, NOW + 1, &out), 0);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.role, "admin");
	assert_string_equal(out.jti, c.jti);
	assert_int_equal(out.tv, 3);
	assert_int_equal(out.exp, NOW + TTL);
	assert_int_equal(jwt_verify_access(&keys, tok, NOW + TTL + JWT_LEEWAY_S + 1, &out), -1);
	assert_int_equal(jwt_verify_access(&keys, tok, NOW - JWT_LEEWAY_S - 1, &out), -1);
	assert_int_equal(jwt_verify_access(&keys, tok, NOW + 2, &out), 0);

	/* A key set where k1 has other bytes: the remembered token is not trusted. */
	struct jwt_keys swapped = {.n = 1};
	snprintf(swapped.k[0].kid, sizeof swapped.k[0].kid, "%s", "k1");
	memcpy(swapped.k[0].key, key_foreign, sizeof key_foreign);
	swapped.k[0].len = sizeof key_foreign;
	assert_int_equal(jwt_verify_access(&swapped, tok, NOW + 2, &out), -1);
	/* k1 gone from the set: neither. */
	struct jwt_keys only_k2 = {.n = 1};
	only_k2.k[0] = keys.k[1];
	assert_int_equal(jwt_verify_access(&only_k2, tok, NOW + 2, &out), -1);
	/* and back under the real keys it still verifies */
	assert_int_equal(jwt_verify_access(&keys, tok, NOW + 2, &out), 0);

	/* One changed byte in the signature is another token: checked in full, refused. */
	size_t n = strlen(tok);
	tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(jwt_verify_access(&keys, tok, NOW + 2, &out), -1);
	free(tok);

	/* Many distinct tokens evict each other; every one still verifies. */
	char *many[200];
	for (int i = 0; i < 200; i++) {
		many[i] = jwt_issue_access(&keys, &c, NOW + i, TTL);
		assert_non_null(many[i]);
		assert_int_equal(jwt_verify_access(&keys, many[i], NOW + i, &out), 0);
	}
	for (int i = 0; i < 200; i++) {
		assert_int_equal(jwt_verify_access(&keys, many[i], NOW + 200, &out), 0);
		assert_int_equal(out.iat, NOW + i);
		free(many[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keys_fixture),
	        cmocka_unit_test(test_keys_created_when_missing),
	        cmocka_unit_test(test_keys_cannot_create),
	        cmocka_unit_test(test_keys_two_and_comments),
	        cmocka_unit_test(test_keys_size_limits),
	        cmocka_unit_test(test_keys_bad_files),
	        cmocka_unit_test(test_keys_long_comment_line),
	        cmocka_unit_test(test_issue_verify_round_trip),
	        cmocka_unit_test(test_crafted_baseline_verifies),
	        cmocka_unit_test(test_wrong_key),
	        cmocka_unit_test(test_rotation),
	        cmocka_unit_test(test_cache),
	        cmocka_unit_test(test_alg_none),
	        cmocka_unit_test(test_other_algs),
	        cmocka_unit_test(test_payload_altered),
	        cmocka_unit_test(test_times),
	        cmocka_unit_test(test_iss_aud_use),
	        cmocka_unit_test(test_missing_claims),
	        cmocka_unit_test(test_mistyped_string_claims),
	        cmocka_unit_test(test_mistyped_int_claims),
	        cmocka_unit_test(test_size_limit),
	        cmocka_unit_test(test_malformed_text),
	        cmocka_unit_test(test_extreme_times), /* last: see the test */
	};
	return cmocka_run_group_tests_name("jwt", tests, setup_group, teardown_group);
}
