/*
 * Passwords: Argon2id (libsodium, t=2, m=19 MiB, p=1 — OWASP's minimum), with
 * a semaphore bounding how many hashes run at once so a burst of logins cannot
 * take the memory. Unknown users are verified against a dummy hash, so they
 * take the same time as a wrong password.
 */
#ifndef INSPECTD_PASSWORD_H
#define INSPECTD_PASSWORD_H

#include <stddef.h>

enum { PASSWORD_HASH_MAX = 128, PASSWORD_MIN_CHARS = 10, PASSWORD_MAX_CHARS = 128 };

enum password_result {
	PASSWORD_OK,
	PASSWORD_MISMATCH,
	PASSWORD_BUSY, /* no hashing slot within the wait limit */
};

/* Sets the concurrency bound and prepares the dummy hash. 0 on success. */
int password_init(int concurrency);
void password_shutdown(void);

/* Hashes pw into out (an encoded $argon2id$ string). */
enum password_result password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);

/* Verifies pw against hash; a NULL hash verifies against the dummy and
 * returns PASSWORD_MISMATCH (constant-time answer for unknown users). */
enum password_result password_verify(const char *hash, const char *pw);

/* NULL when pw is acceptable for username, else a message for people. */
const char *password_policy_check(const char *pw, const char *username);

#endif
