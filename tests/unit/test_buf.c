/*
 * Unit tests of the growable buffer (service/base/buf.h): growth, printf,
 * lifecycle, and JSON string escaping checked byte for byte and by parsing
 * the result back with Jansson.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void assert_terminated(const struct buf *b)
{
	assert_non_null(b->data);
	assert_true(b->len < b->cap);
	assert_int_equal(b->data[b->len], '\0');
}

static void test_init_and_cstr(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_release(&b); /* releasing an empty buffer is fine */
	assert_null(b.data);
}

static void test_add_and_growth(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_add(&b, "abc", 3);
	assert_terminated(&b);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	buf_adds(&b, "def");
	buf_addc(&b, 'g');
	buf_add(&b, "ignored", 0);
	assert_string_equal(buf_cstr(&b), "abcdefg");
	assert_int_equal(b.len, 7);

	/* Grow far past the initial capacity, one byte at a time and in blocks;
	 * the content stays intact (ASan checks every write is in bounds). */
	char expect[70000];
	size_t n = 7;
	memcpy(expect, "abcdefg", 7);
	for (size_t i = 0; i < 30000; i++) {
		char c = (char)('a' + i % 26);
		buf_addc(&b, c);
		expect[n++] = c;
	}
	char block[3001];
	memset(block, 'Q', sizeof block);
	for (int i = 0; i < 10; i++) {
		buf_add(&b, block, sizeof block);
		memcpy(expect + n, block, sizeof block);
		n += sizeof block;
	}
	assert_int_equal(b.len, n);
	assert_terminated(&b);
	assert_memory_equal(b.data, expect, n);

	/* Embedded NULs are data, not terminators. */
	buf_reset(&b);
	buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	buf_release(&b);
}

/* Leaves freed, non-zero blocks around so a fresh allocation is unlikely to
 * start with a NUL by chance (ASan's malloc fill, 0xbe, does that anyway). */
static void dirty_heap(void)
{
	void *p[16];
	for (size_t i = 0; i < N(p); i++) {
		p[i] = malloc((size_t)256 << (i % 4));
		assert_non_null(p[i]);
		memset(p[i], 0x55, (size_t)256 << (i % 4));
	}
	for (size_t i = 0; i < N(p); i++)
		free(p[i]);
}

/* The header's invariant: data is NUL-terminated whenever cap > 0, so
 * buf_cstr on a buffer that was only reserved is "". */
static void test_grow_from_empty_terminates(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	dirty_heap();
	buf_grow(&b, 10);
	assert_non_null(b.data);
	assert_true(b.cap > 10);
	int terminated = b.data[0] == '\0';
	int cstr_empty = buf_cstr(&b)[0] == '\0';
	buf_release(&b);
	if (!terminated || !cstr_empty)
		fail_msg("buf_grow on an unallocated buffer left data unterminated (buf_cstr is not \"\")");
}

static void test_grow_reserves(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_grow(&b, 1000);
	assert_non_null(b.data);
	assert_true(b.cap >= 1001);
	assert_int_equal(b.len, 0);
	char *before = b.data;
	size_t cap = b.cap;
	/* Adding what was reserved does not reallocate. */
	char block[1000];
	memset(block, 'x', sizeof block);
	buf_add(&b, block, sizeof block);
	assert_ptr_equal(b.data, before);
	assert_int_equal(b.cap, cap);
	assert_terminated(&b);
	buf_grow(&b, 0);
	assert_true(b.cap > b.len);
	buf_release(&b);
}

static void test_printf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%d-%s-%c", 42, "x", 'y');
	assert_string_equal(b.data, "42-x-y");
	assert_int_equal(b.len, 6);
	buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 6);
	assert_string_equal(b.data, "42-x-y");

	/* Output longer than the free space forces the second vsnprintf. */
	char big[5000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_printf(&b, "[%s]", big);
	assert_int_equal(b.len, 6 + 2 + 4999);
	assert_terminated(&b);
	assert_int_equal(b.data[6], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(strspn(b.data + 7, "z"), 4999);

	/* Exactly filling the remaining space, repeatedly, near boundaries. */
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%05d,", i);
	assert_int_equal(b.len, 6000);
	assert_terminated(&b);
	assert_int_equal(strncmp(b.data, "00000,00001,", 12), 0);
	assert_int_equal(strncmp(b.data + 5994, "00999,", 6), 0);
	buf_release(&b);
}

static void test_reset_keeps_storage(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_reset(&b); /* on an unallocated buffer */
	assert_null(b.data);
	buf_adds(&b, "hello");
	size_t cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_string_equal(buf_cstr(&b), "");
	buf_adds(&b, "again");
	assert_string_equal(b.data, "again");
	buf_release(&b);
}

static void test_release_reusable(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "one");
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_adds(&b, "two");
	assert_string_equal(b.data, "two");
	buf_release(&b);
	buf_release(&b);
}

static void test_detach(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "payload");
	size_t len = 0;
	char *p = buf_detach(&b, &len);
	assert_string_equal(p, "payload");
	assert_int_equal(len, 7);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(p); /* the caller owns it */

	/* Detaching an empty buffer gives an empty, freeable string. (Checked
	 * byte-wise: with a missing terminator strcmp would run off the end.) */
	dirty_heap();
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_null(b.data);
	int terminated = p[0] == '\0';
	free(p);
	if (!terminated)
		fail_msg("buf_detach of an empty buffer returned an unterminated string");

	/* len may be NULL; the buffer is reusable afterwards. */
	buf_adds(&b, "x");
	p = buf_detach(&b, NULL);
	assert_string_equal(p, "x");
	free(p);
	buf_adds(&b, "y");
	assert_string_equal(buf_cstr(&b), "y");
	buf_release(&b);
}

/* ---- buf_add_json_string -------------------------------------------------- */

static char *json_str(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	buf_add_json_string(&b, s, len);
	return buf_detach(&b, NULL);
}

/* The literal for in must be exactly expect, and parse back as decoded. */
static void check_json(const char *in, size_t inlen, const char *expect, const char *decoded, size_t decoded_len)
{
	char *out = json_str(in, inlen);
	if (strcmp(out, expect) != 0)
		fail_msg("escaped as %s, expected %s", out, expect);
	json_error_t jerr;
	json_t *v = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!v)
		fail_msg("%s does not parse: %s", out, jerr.text);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), decoded_len);
	assert_memory_equal(json_string_value(v), decoded, decoded_len);
	json_decref(v);
	free(out);
}

#define CHECK(in, expect, decoded) check_json(in, sizeof(in) - 1, expect, decoded, sizeof(decoded) - 1)

static void test_json_plain_and_escapes(void **state)
{
	(void)state;
	CHECK("", "\"\"", "");
	CHECK("hello world/</script>", "\"hello world/</script>\"", "hello world/</script>");
	CHECK("a\"b", "\"a\\\"b\"", "a\"b");
	CHECK("a\\b", "\"a\\\\b\"", "a\\b");
	CHECK("a\nb", "\"a\\nb\"", "a\nb");
	CHECK("a\rb", "\"a\\rb\"", "a\rb");
	CHECK("a\tb", "\"a\\tb\"", "a\tb");
	CHECK("\x01", "\"\\u0001\"", "\x01");
	CHECK("\x08\x0c", "\"\\u0008\\u000c\"", "\x08\x0c");
	CHECK("\x1f", "\"\\u001f\"", "\x1f");
	CHECK("\x1b[31m", "\"\\u001b[31m\"", "\x1b[31m");
	CHECK("\x7f", "\"\\u007f\"", "\x7f");
	CHECK(" ~", "\" ~\"", " ~");
	/* A NUL inside the given length is data. */
	CHECK("a\0b", "\"a\\u0000b\"", "a\0b");
}

static void test_json_every_ascii_byte(void **state)
{
	(void)state;
	char in[128];
	for (int i = 0; i < 128; i++)
		in[i] = (char)i;
	char *out = json_str(in, sizeof in);
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			fail_msg("raw byte 0x%02x in output", (unsigned char)*p);
	json_error_t jerr;
	json_t *v = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	assert_non_null(v);
	assert_int_equal(json_string_length(v), sizeof in);
	assert_memory_equal(json_string_value(v), in, sizeof in);
	json_decref(v);
	free(out);
}

static void test_json_valid_utf8_passes(void **state)
{
	(void)state;
	CHECK("中文", "\"中文\"", "中文");
	CHECK("\xc2\xa9", "\"\xc2\xa9\"", "\xc2\xa9");                         /* U+00A9, smallest 2-byte range */
	CHECK("\xdf\xbf", "\"\xdf\xbf\"", "\xdf\xbf");                         /* U+07FF */
	CHECK("\xe0\xa0\x80", "\"\xe0\xa0\x80\"", "\xe0\xa0\x80");             /* U+0800 */
	CHECK("\xef\xbf\xbf", "\"\xef\xbf\xbf\"", "\xef\xbf\xbf");             /* U+FFFF */
	CHECK("\xee\x80\x80", "\"\xee\x80\x80\"", "\xee\x80\x80");             /* U+E000, just past surrogates */
	CHECK("😀", "\"😀\"", "😀");                                              /* U+1F600, 4 bytes */
	CHECK("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	CHECK("检查 \"整改\"\n", "\"检查 \\\"整改\\\"\\n\"", "检查 \"整改\"\n");
}

#define R  "\\ufffd"
#define RU "\xef\xbf\xbd"

static void test_json_invalid_utf8_replaced(void **state)
{
	(void)state;
	CHECK("a\xff"
	      "b",
	      "\"a" R "b\"", "a" RU "b"); /* lone 0xff */
	CHECK("\xfe", "\"" R "\"", RU);
	CHECK("\x80", "\"" R "\"", RU);                                     /* lone continuation */
	CHECK("\xe4\xb8", "\"" R R "\"", RU RU);                            /* truncated 中 at the end */
	CHECK("\xe4\xb8x", "\"" R R "x\"", RU RU "x");                      /* truncated, then ASCII */
	CHECK("\xe4x\xad", "\"" R "x" R "\"", RU "x" RU);                   /* broken continuation */
	CHECK("\xf0\x9f\x98", "\"" R R R "\"", RU RU RU);                   /* truncated emoji */
	CHECK("\xc0\x80", "\"" R R "\"", RU RU);                            /* overlong NUL */
	CHECK("\xc1\xbf", "\"" R R "\"", RU RU);                            /* overlong 0x7f */
	CHECK("\xe0\x80\xaf", "\"" R R R "\"", RU RU RU);                   /* overlong '/' */
	CHECK("\xf0\x80\x80\xaf", "\"" R R R R "\"", RU RU RU RU);          /* overlong '/' */
	CHECK("\xed\xa0\x80", "\"" R R R "\"", RU RU RU);                   /* surrogate U+D800 */
	CHECK("\xed\xbf\xbf", "\"" R R R "\"", RU RU RU);                   /* surrogate U+DFFF */
	CHECK("\xf4\x90\x80\x80", "\"" R R R R "\"", RU RU RU RU);          /* U+110000 */
	CHECK("\xf8\x88\x80\x80\x80", "\"" R R R R R "\"", RU RU RU RU RU); /* 5-byte form */
	/* Valid text around an invalid byte survives. */
	CHECK("中\xff文", "\"中" R "文\"", "中" RU "文");
}

static void test_json_length_bounds_input(void **state)
{
	(void)state;
	/* Only len bytes are read: a multi-byte sequence cut by len is invalid. */
	char *out = json_str("中文", 4);
	assert_string_equal(out, "\"中" R "\"");
	free(out);
	out = json_str("abc", 0);
	assert_string_equal(out, "\"\"");
	free(out);
	/* Appends after existing content. */
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"k\":");
	buf_add_json_string(&b, "v", 1);
	buf_addc(&b, '}');
	assert_string_equal(b.data, "{\"k\":\"v\"}");
	buf_release(&b);
}

static void test_json_random_bytes_always_parse(void **state)
{
	(void)state;
	/* Whatever the input, the output is one valid JSON string. */
	unsigned int seed = 12345;
	for (int round = 0; round < 2000; round++) {
		unsigned char in[64];
		size_t len = (size_t)(round % 64);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (unsigned char)(seed >> 16);
		}
		char *out = json_str((const char *)in, len);
		json_error_t jerr;
		json_t *v = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!v || !json_is_string(v))
			fail_msg("round %d: %s does not parse: %s", round, out, jerr.text);
		json_decref(v);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_and_cstr),
	        cmocka_unit_test(test_add_and_growth),
	        cmocka_unit_test(test_grow_from_empty_terminates),
	        cmocka_unit_test(test_grow_reserves),
	        cmocka_unit_test(test_printf),
	        cmocka_unit_test(test_reset_keeps_storage),
	        cmocka_unit_test(test_release_reusable),
	        cmocka_unit_test(test_detach),
	        cmocka_unit_test(test_json_plain_and_escapes),
	        cmocka_unit_test(test_json_every_ascii_byte),
	        cmocka_unit_test(test_json_valid_utf8_passes),
	        cmocka_unit_test(test_json_invalid_utf8_replaced),
	        cmocka_unit_test(test_json_length_bounds_input),
	        cmocka_unit_test(test_json_random_bytes_always_parse),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
