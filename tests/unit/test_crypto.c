/*
 * Unit tests of the small cryptographic helpers (auth/crypto.h): SHA-256 and
 * HMAC-SHA256 against published vectors (FIPS 180-2, RFC 4231), constant-time
 * comparison, and base64url without padding (RFC 4648 §5): known encodings,
 * round trips over every length and byte value, and strict decoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "random.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int setup_crypto(void **state)
{
	(void)state;
	return crypto_init();
}

static void to_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static void assert_digest(const uint8_t d[SHA256_BYTES], const char *hex)
{
	char got[2 * SHA256_BYTES + 1];
	to_hex(d, SHA256_BYTES, got);
	assert_string_equal(got, hex);
}

/* ---- SHA-256 ---------------------------------------------------------------- */

static void test_sha256_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *in, *hex;
	} cases[] = {
	        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		uint8_t d[SHA256_BYTES];
		memset(d, 0xee, sizeof d);
		sha256(cases[i].in, strlen(cases[i].in), d);
		assert_digest(d, cases[i].hex);
	}

	/* One million 'a' (FIPS 180-2 appendix B.3). */
	size_t n = 1000000;
	char *a = malloc(n);
	assert_non_null(a);
	memset(a, 'a', n);
	uint8_t d[SHA256_BYTES];
	sha256(a, n, d);
	free(a);
	assert_digest(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	/* len counts: a NUL byte is data, and the text after len is not. */
	uint8_t d1[SHA256_BYTES], d2[SHA256_BYTES];
	sha256("abc\0def", 7, d1);
	sha256("abc", 3, d2);
	assert_memory_not_equal(d1, d2, SHA256_BYTES);
	sha256("abcdef", 3, d1);
	assert_memory_equal(d1, d2, SHA256_BYTES);
}

/* ---- HMAC-SHA256 (RFC 4231) ---------------------------------------------------- */

static void test_hmac_sha256_vectors(void **state)
{
	(void)state;
	uint8_t out[SHA256_BYTES];

	/* Test case 1 */
	uint8_t key1[20];
	memset(key1, 0x0b, sizeof key1);
	hmac_sha256(key1, sizeof key1, "Hi There", 8, out);
	assert_digest(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	/* Test case 2: a key shorter than the output */
	hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_digest(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	/* Test case 3: binary data */
	uint8_t key3[20], data3[50];
	memset(key3, 0xaa, sizeof key3);
	memset(data3, 0xdd, sizeof data3);
	hmac_sha256(key3, sizeof key3, data3, sizeof data3, out);
	assert_digest(out, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

	/* Test case 6: a key longer than the block size is hashed first */
	uint8_t key6[131];
	memset(key6, 0xaa, sizeof key6);
	const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key6, sizeof key6, data6, strlen(data6), out);
	assert_digest(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

	/* Test case 7: long key and long data */
	const char *data7 = "This is a test using a larger than block-size key and a larger than block-size data. "
	                    "The key needs to be hashed before being used by the HMAC algorithm.";
	hmac_sha256(key6, sizeof key6, data7, strlen(data7), out);
	assert_digest(out, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");

	/* A different key or one changed data byte gives a different MAC. */
	uint8_t a[SHA256_BYTES], b[SHA256_BYTES];
	hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, a);
	hmac_sha256((const uint8_t *)"Jeff", 4, "what do ya want for nothing?", 28, b);
	assert_memory_not_equal(a, b, SHA256_BYTES);
	hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing!", 28, b);
	assert_memory_not_equal(a, b, SHA256_BYTES);
	/* HMAC is not the plain hash of the data. */
	sha256("what do ya want for nothing?", 28, b);
	assert_memory_not_equal(a, b, SHA256_BYTES);
}

/* ---- ct_equal ---------------------------------------------------------------------- */

static void test_ct_equal(void **state)
{
	(void)state;
	uint8_t a[64], b[64];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = b[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(ct_equal(a, b, sizeof a), 1);
	assert_int_equal(ct_equal(a, a, sizeof a), 1);
	assert_int_equal(ct_equal(a, b, 0), 1);
	for (size_t i = 0; i < sizeof a; i++) {
		b[i] ^= 0x01;
		if (ct_equal(a, b, sizeof a) != 0)
			fail_msg("difference at byte %zu not seen", i);
		/* ... but not when the differing byte lies beyond len */
		if (ct_equal(a, b, i) != 1)
			fail_msg("difference at byte %zu seen with len %zu", i, i);
		b[i] ^= 0x01;
	}
	b[63] ^= 0x80;
	assert_int_equal(ct_equal(a, b, sizeof a), 0);
	assert_int_equal(ct_equal("token-a", "token-b", 7), 0);
	assert_int_equal(ct_equal("token-a", "token-a", 7), 1);
}

/* ---- base64url ----------------------------------------------------------------------- */

static void test_b64url_encoded_len(void **state)
{
	(void)state;
	/* characters without padding, plus the NUL */
	static const size_t want[] = {1, 3, 4, 5, 7, 8, 9, 11, 12, 13};
	for (size_t n = 0; n < N(want); n++)
		assert_int_equal(b64url_encoded_len(n), want[n]);
	assert_int_equal(b64url_encoded_len(32), 44); /* a JWT key: 43 characters */
}

static void test_b64url_known(void **state)
{
	(void)state;
	static const struct {
		const char *bin, *text;
	} cases[] = {
	        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
	        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		size_t n = strlen(cases[i].bin);
		char text[32];
		memset(text, 'Z', sizeof text);
		b64url_encode((const uint8_t *)cases[i].bin, n, text);
		assert_string_equal(text, cases[i].text);
		uint8_t bin[32];
		assert_int_equal(b64url_decode(cases[i].text, strlen(cases[i].text), bin, sizeof bin), (long)n);
		assert_memory_equal(bin, cases[i].bin, n);
	}

	/* The URL-safe alphabet: '-' and '_' where standard base64 has '+' and '/'. */
	const uint8_t special[] = {0xfb, 0xff, 0xbf};
	char text[8];
	b64url_encode(special, sizeof special, text);
	assert_string_equal(text, "-_-_");
	const uint8_t two[] = {0xfb, 0xff};
	b64url_encode(two, sizeof two, text);
	assert_string_equal(text, "-_8");
	uint8_t bin[8];
	assert_int_equal(b64url_decode("-_-_", 4, bin, sizeof bin), 3);
	assert_memory_equal(bin, special, 3);
	assert_int_equal(b64url_decode("-_8", 3, bin, sizeof bin), 2);
	assert_memory_equal(bin, two, 2);
}

static void test_b64url_round_trip(void **state)
{
	(void)state;
	/* Every length up to 100 with random bytes, and all 256 byte values. */
	for (size_t n = 0; n <= 100; n++) {
		uint8_t in[256], back[256];
		char text[400];
		rand_fill(in, n);
		b64url_encode(in, n, text);
		assert_int_equal(strlen(text) + 1, b64url_encoded_len(n));
		assert_null(strchr(text, '='));
		assert_null(strchr(text, '+'));
		assert_null(strchr(text, '/'));
		memset(back, 0, sizeof back);
		long got = b64url_decode(text, strlen(text), back, sizeof back);
		if (got != (long)n)
			fail_msg("length %zu decoded as %ld bytes", n, got);
		assert_memory_equal(back, in, n);
	}
	uint8_t all[256], back[256];
	char text[400];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	b64url_encode(all, sizeof all, text);
	assert_int_equal(b64url_decode(text, strlen(text), back, sizeof back), 256);
	assert_memory_equal(back, all, 256);
}

static void test_b64url_decode_strict(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "Zg==",     /* padding */
	        "Zg=",      /* partial padding */
	        "Zm9v=",    /* padding after a full group */
	        "=",        /* padding only */
	        "Zm+v",     /* standard alphabet */
	        "Zm/v",     /* standard alphabet */
	        "+/8",      /* the standard spelling of "-_8" */
	        " Zm9v",    /* leading space */
	        "Zm9v ",    /* trailing space */
	        "Zm 9v",    /* inner space */
	        "Zm9v\n",   /* newline */
	        "Zm\r\n9v", /* line break */
	        "Zm\t9v",   /* tab */
	        "Z",        /* one character cannot hold a byte */
	        "Zm9vY",    /* nor can a group of five */
	        "Zh",       /* non-zero left-over bits (not the canonical "Zg") */
	        "Zm9",      /* non-zero left-over bits (canonical is "Zm8") */
	        "Zm9v.",    /* a JWT separator */
	        "Zm9v*",    /* punctuation */
	        "Zm9vä",    /* non-ASCII */
	};
	for (size_t i = 0; i < N(bad); i++) {
		uint8_t out[32];
		long got = b64url_decode(bad[i], strlen(bad[i]), out, sizeof out);
		if (got != -1)
			fail_msg("b64url_decode accepted \"%s\" (%ld bytes)", bad[i], got);
	}
	/* An embedded NUL within textlen is invalid too. */
	uint8_t out[32];
	assert_int_equal(b64url_decode("Zm\0v", 4, out, sizeof out), -1);
}

static void test_b64url_decode_lengths(void **state)
{
	(void)state;
	uint8_t out[16];
	/* Exactly textlen characters are read: the rest of the string is not. */
	assert_int_equal(b64url_decode("Zm9vYmFyXXXX", 8, out, sizeof out), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(b64url_decode("Zm9v!!!", 4, out, sizeof out), 3);
	assert_memory_equal(out, "foo", 3);
	/* An empty text is zero bytes. */
	assert_int_equal(b64url_decode("", 0, out, sizeof out), 0);
	assert_int_equal(b64url_decode("Zm9v", 0, out, sizeof out), 0);
	/* The capacity is respected: one byte short fails, exact fits. */
	memset(out, 0x5a, sizeof out);
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, out, 5), -1);
	assert_int_equal(out[5], 0x5a); /* nothing written beyond the capacity */
	assert_int_equal(b64url_decode("Zm9vYmFy", 8, out, 6), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(b64url_decode("Zg", 2, out, 0), -1);
	/* A 32-byte key is 43 characters. */
	uint8_t key[32], back[32];
	char text[64];
	rand_fill(key, sizeof key);
	b64url_encode(key, sizeof key, text);
	assert_int_equal(strlen(text), 43);
	assert_int_equal(b64url_decode(text, 43, back, sizeof back), 32);
	assert_memory_equal(key, back, 32);
	assert_int_equal(b64url_decode(text, 43, back, 31), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sha256_vectors),
	        cmocka_unit_test(test_hmac_sha256_vectors),
	        cmocka_unit_test(test_ct_equal),
	        cmocka_unit_test(test_b64url_encoded_len),
	        cmocka_unit_test(test_b64url_known),
	        cmocka_unit_test(test_b64url_round_trip),
	        cmocka_unit_test(test_b64url_decode_strict),
	        cmocka_unit_test(test_b64url_decode_lengths),
	};
	return cmocka_run_group_tests_name("crypto", tests, setup_crypto, NULL);
}
