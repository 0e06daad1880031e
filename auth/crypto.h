/*
 * Small cryptographic helpers over libsodium: hashes, HMAC, constant-time
 * comparison and base64url (RFC 4648 §5, no padding).
 */
#ifndef INSPECTD_CRYPTO_H
#define INSPECTD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum { SHA256_BYTES = 32 };

/* Initialises libsodium; call once before threads start. 0 on success. */
int crypto_init(void);

void sha256(const void *data, size_t len, uint8_t out[SHA256_BYTES]);

/* Streaming SHA-256 for data that never sits in memory whole (photos). */
struct sha256_stream {
	uint64_t state[16]; /* crypto_hash_sha256_state (aligned), opaque here */
};
void sha256_begin(struct sha256_stream *s);
void sha256_add(struct sha256_stream *s, const void *data, size_t len);
void sha256_end(struct sha256_stream *s, uint8_t out[SHA256_BYTES]);
void hmac_sha256(const uint8_t *key, size_t keylen, const void *data, size_t len, uint8_t out[SHA256_BYTES]);

/* len bytes as lowercase hex; out must hold 2 * len + 1 bytes (with NUL). */
void hex_lower(const uint8_t *in, size_t len, char *out);

/* 1 when a and b (both len bytes) are equal, in time independent of content. */
int ct_equal(const void *a, const void *b, size_t len);

/* Encodes len bytes; out must hold b64url_encoded_len(len) bytes (with NUL). */
size_t b64url_encoded_len(size_t len);
void b64url_encode(const uint8_t *in, size_t len, char *out);

/* Decodes text (exactly textlen characters, no padding, no whitespace) into
 * out (capacity outcap). Returns the byte count, or -1 when invalid. */
long b64url_decode(const char *text, size_t textlen, uint8_t *out, size_t outcap);

#endif
