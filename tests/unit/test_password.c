/*
 * Unit tests of password hashing and policy (auth/password.h): Argon2id with
 * OWASP's minimum parameters, salting, verification (right, wrong, unknown
 * user, malformed hash) and the length/username rules counted in code points.
 * Each hash costs ~50–100 ms under the sanitizers; the tests use a handful.
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
#include "password.h"

static int setup_password(void **state)
{
	(void)state;
	if (crypto_init() != 0)
		return -1;
	return password_init(2);
}

static int teardown_password(void **state)
{
	(void)state;
	password_shutdown();
	return 0;
}

/* ---- hashing and verifying --------------------------------------------------- */

static void test_hash_and_verify(void **state)
{
	(void)state;
	char hash[PASSWORD_HASH_MAX];
	memset(hash, 'Z', sizeof hash);
	assert_int_equal(password_hash("correct horse battery", hash), PASSWORD_OK);
	assert_non_null(memchr(hash, '\0', sizeof hash));
	assert_int_equal(password_verify(hash, "correct horse battery"), PASSWORD_OK);

	/* Wrong passwords: another one, a prefix, an extension, a case change, empty. */
	assert_int_equal(password_verify(hash, "correct horse batterx"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify(hash, "correct horse batter"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify(hash, "correct horse battery "), PASSWORD_MISMATCH);
	assert_int_equal(password_verify(hash, "Correct horse battery"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify(hash, ""), PASSWORD_MISMATCH);
}

static void test_hash_format_and_parameters(void **state)
{
	(void)state;
	char hash[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("巡查员的密码很安全", hash), PASSWORD_OK);
	/* $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> */
	if (strncmp(hash, "$argon2id$", 10) != 0)
		fail_msg("hash \"%s\" is not Argon2id", hash);
	assert_non_null(strstr(hash, "$v=19$"));
	assert_non_null(strstr(hash, "m=19456")); /* 19 MiB */
	assert_non_null(strstr(hash, "t=2"));
	assert_non_null(strstr(hash, "p=1"));
	assert_non_null(strstr(hash, "$m=19456,t=2,p=1$"));
	/* No trace of the password in the hash. */
	assert_null(strstr(hash, "巡查员"));
	assert_int_equal(password_verify(hash, "巡查员的密码很安全"), PASSWORD_OK);
	assert_int_equal(password_verify(hash, "巡查员的密码很安仝"), PASSWORD_MISMATCH);
}

static void test_salted(void **state)
{
	(void)state;
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("same password 123", h1), PASSWORD_OK);
	assert_int_equal(password_hash("same password 123", h2), PASSWORD_OK);
	assert_string_not_equal(h1, h2);
	/* ... yet both verify. */
	assert_int_equal(password_verify(h1, "same password 123"), PASSWORD_OK);
	assert_int_equal(password_verify(h2, "same password 123"), PASSWORD_OK);
}

static void test_verify_unknown_user_and_bad_hash(void **state)
{
	(void)state;
	/* NULL hash: the dummy is checked, the answer is always mismatch, even
	 * for a password that might match the dummy's (random) one. */
	assert_int_equal(password_verify(NULL, "anything at all"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify(NULL, ""), PASSWORD_MISMATCH);

	/* A malformed stored hash never verifies. */
	assert_int_equal(password_verify("", "anything at all"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify("not a hash", "not a hash"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify("$argon2id$v=19$m=19456,t=2,p=1$", "x"), PASSWORD_MISMATCH);
	assert_int_equal(password_verify("$2y$10$abcdefghijklmnopqrstuu5e9E1BvK0nLhG8RqTY2Y5W5M7N6j7e.", "password"),
	                 PASSWORD_MISMATCH);

	/* A truncated or tampered real hash does not verify either. */
	char hash[PASSWORD_HASH_MAX];
	assert_int_equal(password_hash("tamper proof pw", hash), PASSWORD_OK);
	char cut[PASSWORD_HASH_MAX];
	snprintf(cut, sizeof cut, "%.*s", (int)strlen(hash) - 4, hash);
	assert_int_equal(password_verify(cut, "tamper proof pw"), PASSWORD_MISMATCH);
	char flipped[PASSWORD_HASH_MAX];
	memcpy(flipped, hash, sizeof flipped);
	size_t mid = strlen(flipped) - 6; /* inside the hash part, all 6 bits significant */
	flipped[mid] = flipped[mid] == 'A' ? 'B' : 'A';
	assert_int_equal(password_verify(flipped, "tamper proof pw"), PASSWORD_MISMATCH);
}

/* ---- password_policy_check ------------------------------------------------------ */

static void expect_rejected(const char *pw, const char *username)
{
	const char *msg = password_policy_check(pw, username);
	if (!msg)
		fail_msg("password \"%s\" (user \"%s\") accepted", pw, username ? username : "(null)");
	assert_true(*msg != '\0'); /* a message for people */
}

static void expect_accepted(const char *pw, const char *username)
{
	const char *msg = password_policy_check(pw, username);
	if (msg)
		fail_msg("password \"%s\" (user \"%s\") rejected: %s", pw, username ? username : "(null)", msg);
}

static void test_policy_length(void **state)
{
	(void)state;
	expect_rejected("", "alice");
	expect_rejected("a", "alice");
	expect_rejected("123456789", "alice");  /* 9 */
	expect_accepted("1234567890", "alice"); /* 10 */
	expect_accepted("12345678901", "alice");

	/* Code points, not bytes: 9 Chinese characters are 27 bytes but too short. */
	expect_rejected("一二三四五六七八九", "alice");
	expect_accepted("一二三四五六七八九十", "alice");
	expect_rejected("密码密码密码密码", "alice"); /* 8 */
	/* A 4-byte character (emoji) counts as one. */
	expect_rejected("😀😀😀😀😀😀😀😀😀", "alice");
	expect_accepted("😀😀😀😀😀😀😀😀😀😀", "alice");
	/* Mixed ASCII and Chinese: 5 + 5 = 10. */
	expect_accepted("abcde一二三四五", "alice");
	expect_rejected("abcd一二三四五", "alice");

	/* The upper bound: 128 accepted, 129 rejected (in code points too). */
	char pw[4 * 130 + 1];
	memset(pw, 'x', 128);
	pw[128] = '\0';
	expect_accepted(pw, "alice");
	memset(pw, 'x', 129);
	pw[129] = '\0';
	expect_rejected(pw, "alice");
	memset(pw, 'x', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	expect_rejected(pw, "alice");
	/* 128 Chinese characters (384 bytes) are fine; 129 are not. */
	pw[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(pw, "字");
	assert_int_equal(strlen(pw), 384);
	expect_accepted(pw, "alice");
	strcat(pw, "字");
	expect_rejected(pw, "alice");
}

static void test_policy_username(void **state)
{
	(void)state;
	expect_rejected("inspector01", "inspector01");
	expect_rejected("Inspector01", "inspector01");
	expect_rejected("INSPECTOR01", "Inspector01");
	/* Similar is not equal. */
	expect_accepted("inspector01!", "inspector01");
	expect_accepted("inspector0", "inspector01");
	expect_accepted("xinspector01", "inspector01");
	/* Without a username only the length counts. */
	expect_accepted("inspector01", NULL);
	expect_accepted("inspector01", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hash_and_verify), cmocka_unit_test(test_hash_format_and_parameters),
	        cmocka_unit_test(test_salted),          cmocka_unit_test(test_verify_unknown_user_and_bad_hash),
	        cmocka_unit_test(test_policy_length),   cmocka_unit_test(test_policy_username),
	};
	return cmocka_run_group_tests_name("password", tests, setup_password, teardown_password);
}
