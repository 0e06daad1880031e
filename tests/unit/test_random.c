/*
 * Unit tests of the CSPRNG helpers (auth/random.h): lengths, alphabets,
 * the UUID version/variant layout, and that successive values differ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "random.h"

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_rand_hex_length_and_charset(void **state)
{
	(void)state;
	/* Sizes around rand_hex's internal 64-byte chunk. */
	static const size_t sizes[] = {0, 1, 16, 32, 63, 64, 65, 128, 200};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		char out[512];
		memset(out, 'Z', sizeof out);
		rand_hex(out, n);
		assert_int_equal(strlen(out), 2 * n);
		for (size_t i = 0; i < 2 * n; i++)
			if (!is_lower_hex(out[i]))
				fail_msg("rand_hex(%zu): character %zu is '%c'", n, i, out[i]);
		/* Nothing written past the terminator. */
		assert_int_equal(out[2 * n + 1], 'Z');
	}
}

static void test_rand_hex_differs_and_spreads(void **state)
{
	(void)state;
	char a[65], b[65];
	rand_hex(a, 32);
	rand_hex(b, 32);
	assert_string_not_equal(a, b);

	/* Over 64 KiB of output every hex digit appears, roughly evenly
	 * (expected 4096 each, standard deviation about 62). */
	static char big[65537];
	rand_hex(big, 32768);
	size_t counts[16] = {0};
	for (size_t i = 0; i < 65536; i++)
		counts[big[i] <= '9' ? big[i] - '0' : big[i] - 'a' + 10]++;
	for (int d = 0; d < 16; d++)
		if (counts[d] < 3700 || counts[d] > 4500)
			fail_msg("digit %x appeared %zu times in 65536", d, counts[d]);
}

static void check_uuid(const char *u)
{
	assert_int_equal(strlen(u), 36);
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				fail_msg("%s: expected '-' at %zu", u, i);
		} else if (!is_lower_hex(u[i])) {
			fail_msg("%s: character %zu is not lowercase hex", u, i);
		}
	}
	if (u[14] != '4')
		fail_msg("%s: version nibble is '%c', expected '4'", u, u[14]);
	if (!strchr("89ab", u[19]))
		fail_msg("%s: variant nibble is '%c', expected 8, 9, a or b", u, u[19]);
}

static void test_rand_uuid_format(void **state)
{
	(void)state;
	int variants[4] = {0};
	for (int i = 0; i < 2000; i++) {
		char u[37];
		memset(u, 'Z', sizeof u);
		rand_uuid(u);
		check_uuid(u);
		variants[u[19] == '8' ? 0 : u[19] == '9' ? 1 : u[19] == 'a' ? 2 : 3]++;
	}
	/* The two free variant bits are random: each of 8/9/a/b shows up. */
	for (int v = 0; v < 4; v++)
		assert_true(variants[v] > 300);
}

static void test_rand_uuid_differs(void **state)
{
	(void)state;
	char a[37], b[37];
	rand_uuid(a);
	rand_uuid(b);
	assert_string_not_equal(a, b);
}

static void test_rand_fill(void **state)
{
	(void)state;
	unsigned char a[32], b[32], zero[32] = {0};
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	rand_fill(a, sizeof a);
	rand_fill(b, sizeof b);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, zero, sizeof a);
	rand_fill(a, 0); /* a no-op */

	/* A large request (getrandom may return it in parts) fills everything. */
	static unsigned char big[1 << 20];
	rand_fill(big, sizeof big);
	size_t zeros = 0;
	for (size_t i = 0; i < sizeof big; i++)
		zeros += big[i] == 0;
	/* Expected 4096 zero bytes; an unfilled tail would give far more. */
	assert_true(zeros > 3500 && zeros < 4700);
	size_t tail_zeros = 0;
	for (size_t i = sizeof big - 4096; i < sizeof big; i++)
		tail_zeros += big[i] == 0;
	assert_true(tail_zeros < 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rand_hex_length_and_charset),
	        cmocka_unit_test(test_rand_hex_differs_and_spreads),
	        cmocka_unit_test(test_rand_uuid_format),
	        cmocka_unit_test(test_rand_uuid_differs),
	        cmocka_unit_test(test_rand_fill),
	};
	return cmocka_run_group_tests_name("random", tests, NULL, NULL);
}
