#include "crypto.h"

#include <sodium.h>
#include <string.h>

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES])
{
	crypto_hash_sha256(out, data, len);
}

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((struct sha256_stream *)0)->state),
               "sha256_stream too small for libsodium's state");

void sha256_begin(struct sha256_stream *s)
{
	crypto_hash_sha256_init((crypto_hash_sha256_state *)(void *)s->state);
}

void sha256_add(struct sha256_stream *s, const void *data, size_t len)
{
	crypto_hash_sha256_update((crypto_hash_sha256_state *)(void *)s->state, data, len);
}

void sha256_end(struct sha256_stream *s, uint8_t out[SHA256_BYTES])
{
	crypto_hash_sha256_final((crypto_hash_sha256_state *)(void *)s->state, out);
}

void hex_lower(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void hmac_sha256(const uint8_t *key, size_t keylen, const void *data, size_t len, uint8_t out[SHA256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

int ct_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

size_t b64url_encoded_len(size_t len)
{
	return sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void b64url_encode(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2base64(out, b64url_encoded_len(len), in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

long b64url_decode(const char *text, size_t textlen, uint8_t *out, size_t outcap)
{
	size_t got = 0;
	const char *end = NULL;
	if (sodium_base642bin(out, outcap, text, textlen, NULL, &got, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) !=
	            0 ||
	    end != text + textlen)
		return -1;
	return (long)got;
}
