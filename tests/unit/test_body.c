/*
 * Unit tests of request body reading (service/http/body.h) over a fake
 * reader, and of the JSON content-type check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/body.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Serves data in pieces of at most chunk bytes (0: as much as asked);
 * with fail_after >= 0 it returns -1 once that many bytes were served. */
struct fake_reader {
	const char *data;
	size_t len;
	size_t chunk;
	long long fail_after;
	size_t pos;
	int calls;
	int calls_after_end; /* reads after it already returned 0 or -1 */
	int finished;
};

static int fake_read(void *ctx, char *buf, size_t len)
{
	struct fake_reader *r = ctx;
	r->calls++;
	if (r->finished)
		r->calls_after_end++;
	assert_true(len > 0);
	if (r->fail_after >= 0 && r->pos >= (size_t)r->fail_after) {
		r->finished = 1;
		return -1;
	}
	size_t n = r->len - r->pos;
	if (r->chunk && n > r->chunk)
		n = r->chunk;
	if (n > len)
		n = len;
	if (r->fail_after >= 0 && n > (size_t)r->fail_after - r->pos)
		n = (size_t)r->fail_after - r->pos;
	if (n == 0) {
		r->finished = 1;
		return 0;
	}
	memcpy(buf, r->data + r->pos, n);
	r->pos += n;
	return (int)n;
}

static int must_not_read(void *ctx, char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	fail_msg("the reader was called");
	return -1;
}

static struct fake_reader reader(const char *data, size_t len, size_t chunk)
{
	struct fake_reader r = {data, len, chunk, -1, 0, 0, 0, 0};
	return r;
}

/* A deterministic payload with every byte value, NULs included. */
static char *payload(size_t len)
{
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(unsigned char)((i * 7 + i / 256) & 0xff);
	return p;
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

static void test_declared_above_cap_reads_nothing(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, 1025, 1024, must_not_read, NULL), BODY_TOO_LARGE);
	assert_int_equal(b.len, 0);
	assert_null(b.data); /* nothing allocated either */
	assert_int_equal(body_read(&b, 1LL << 40, 1024, must_not_read, NULL), BODY_TOO_LARGE);
	assert_int_equal(body_read(&b, 1, 0, must_not_read, NULL), BODY_TOO_LARGE);
	assert_null(b.data);
	buf_release(&b);
}

static void test_declared_equal_cap_ok(void **state)
{
	(void)state;
	char *data = payload(1024);
	struct fake_reader r = reader(data, 1024, 100);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, 1024, 1024, fake_read, &r), BODY_OK);
	assert_int_equal(b.len, 1024);
	assert_memory_equal(b.data, data, 1024);
	assert_int_equal(b.data[b.len], '\0'); /* still a C string */
	assert_int_equal(r.pos, 1024);
	assert_int_equal(r.calls_after_end, 0);
	buf_release(&b);
	free(data);
}

static void test_declared_larger_than_internal_chunk(void **state)
{
	(void)state;
	const size_t len = 100000; /* several of body_read's own reads */
	char *data = payload(len);
	struct fake_reader r = reader(data, len, 0);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, (long long)len, (long long)len, fake_read, &r), BODY_OK);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.data, data, len);
	buf_release(&b);
	free(data);
}

static void test_undeclared_over_cap(void **state)
{
	(void)state;
	const size_t len = 100000, cap = 1000, chunk = 300;
	char *data = payload(len);
	struct fake_reader r = reader(data, len, chunk);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, -1, (long long)cap, fake_read, &r), BODY_TOO_LARGE);
	/* Stopped as soon as the cap was passed: at most one read beyond it. */
	assert_true(b.len <= cap);
	assert_true(r.pos <= cap + chunk);
	assert_true(r.pos > cap);
	assert_true(b.cap <= 2 * (cap + chunk + 1));
	/* What was kept is the start of the body. */
	assert_memory_equal(b.data, data, b.len);
	buf_release(&b);

	/* One huge read past the cap is refused without keeping it. */
	r = reader(data, len, 0);
	assert_int_equal(body_read(&b, -1, (long long)cap, fake_read, &r), BODY_TOO_LARGE);
	assert_true(b.len <= cap);
	assert_int_equal(r.calls, 1);
	assert_true(b.cap <= 2 * (cap + 1));
	buf_release(&b);
	free(data);
}

static void test_undeclared_exact_and_one_over(void **state)
{
	(void)state;
	const size_t cap = 4096;
	char *data = payload(cap + 1);
	struct fake_reader r = reader(data, cap, 7);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, -1, (long long)cap, fake_read, &r), BODY_OK);
	assert_int_equal(b.len, cap);
	assert_memory_equal(b.data, data, cap);
	assert_int_equal(r.calls_after_end, 0);
	buf_release(&b);

	r = reader(data, cap + 1, 7);
	assert_int_equal(body_read(&b, -1, (long long)cap, fake_read, &r), BODY_TOO_LARGE);
	assert_true(b.len <= cap);
	buf_release(&b);

	/* Same with a byte-at-a-time reader. */
	r = reader(data, cap + 1, 1);
	assert_int_equal(body_read(&b, -1, (long long)cap, fake_read, &r), BODY_TOO_LARGE);
	assert_int_equal(b.len, cap);
	assert_int_equal(r.pos, cap + 1);
	buf_release(&b);
	free(data);
}

static void test_lying_content_length_still_capped(void **state)
{
	(void)state;
	/* A declared length within the cap does not lift the cap. */
	char *data = payload(5000);
	struct fake_reader r = reader(data, 5000, 512);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, 10, 2048, fake_read, &r), BODY_TOO_LARGE);
	assert_true(b.len <= 2048);
	buf_release(&b);
	free(data);
}

static void test_read_error(void **state)
{
	(void)state;
	char *data = payload(10000);
	struct buf b = BUF_INIT;

	struct fake_reader r = reader(data, 10000, 1000);
	r.fail_after = 0;
	assert_int_equal(body_read(&b, -1, 1 << 20, fake_read, &r), BODY_READ_ERROR);
	buf_release(&b);

	r = reader(data, 10000, 1000);
	r.fail_after = 5500;
	assert_int_equal(body_read(&b, 10000, 1 << 20, fake_read, &r), BODY_READ_ERROR);
	assert_int_equal(r.calls_after_end, 0);
	buf_release(&b);

	r = reader(data, 10000, 1000);
	r.fail_after = 5500;
	assert_int_equal(body_read(&b, -1, 1 << 20, fake_read, &r), BODY_READ_ERROR);
	buf_release(&b);
	free(data);
}

static void test_truncated_body_is_read_error(void **state)
{
	(void)state;
	struct fake_reader r = reader("hello", 5, 2);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, 10, 1024, fake_read, &r), BODY_READ_ERROR);
	buf_release(&b);
	/* the same bytes with the right declared length are fine */
	r = reader("hello", 5, 2);
	assert_int_equal(body_read(&b, 5, 1024, fake_read, &r), BODY_OK);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_release(&b);
}

static void test_empty_body(void **state)
{
	(void)state;
	struct fake_reader r = reader("", 0, 0);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, 0, 1024, fake_read, &r), BODY_OK);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(r.calls, 1);
	buf_release(&b);

	r = reader("", 0, 0);
	assert_int_equal(body_read(&b, -1, 1024, fake_read, &r), BODY_OK);
	assert_int_equal(b.len, 0);
	buf_release(&b);

	/* A declared length with nothing to read is a cut-off body, and the
	 * buffer (reserved for the declared size first) is still a valid empty
	 * string. */
	r = reader("", 0, 0);
	dirty_heap();
	assert_int_equal(body_read(&b, 10, 1024, fake_read, &r), BODY_READ_ERROR);
	assert_int_equal(b.len, 0);
	int terminated = buf_cstr(&b)[0] == '\0';
	buf_release(&b);
	if (!terminated)
		fail_msg("after an empty body with Content-Length 10, buf_cstr is not \"\" (unterminated buffer)");

	/* A cap of 0 still takes an empty body. */
	r = reader("", 0, 0);
	assert_int_equal(body_read(&b, -1, 0, fake_read, &r), BODY_OK);
	r = reader("x", 1, 0);
	assert_int_equal(body_read(&b, -1, 0, fake_read, &r), BODY_TOO_LARGE);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_binary_content_preserved(void **state)
{
	(void)state;
	static const char data[] = {'{', '\0', '"', '\xff', '\0', '\0', '\x80', '}', '\n', '\0'};
	struct fake_reader r = reader(data, sizeof data, 3);
	struct buf b = BUF_INIT;
	assert_int_equal(body_read(&b, (long long)sizeof data, 1024, fake_read, &r), BODY_OK);
	assert_int_equal(b.len, sizeof data);
	assert_memory_equal(b.data, data, sizeof data);
	buf_release(&b);

	/* Chunk sizes that do not divide the length. */
	const size_t len = 70001;
	char *big = payload(len);
	static const size_t chunks[] = {1, 13, 4096, 16383, 16384, 16385, 65536};
	for (size_t i = 0; i < N(chunks); i++) {
		r = reader(big, len, chunks[i]);
		assert_int_equal(body_read(&b, -1, (long long)len, fake_read, &r), BODY_OK);
		assert_int_equal(b.len, len);
		assert_memory_equal(b.data, big, len);
		buf_release(&b);
	}
	free(big);
}

static void test_appends_after_existing_content(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "prefix");
	struct fake_reader r = reader("body", 4, 0);
	/* The cap is the body's, not the buffer's. */
	assert_int_equal(body_read(&b, -1, 4, fake_read, &r), BODY_OK);
	assert_string_equal(buf_cstr(&b), "prefixbody");
	buf_release(&b);
}

static void test_json_content_types(void **state)
{
	(void)state;
	static const char *const good[] = {
	        "application/json",
	        "Application/JSON",
	        "APPLICATION/JSON",
	        "application/json; charset=utf-8",
	        "application/json;charset=UTF-8",
	        "application/json; charset=\"utf-8\"",
	        "application/json; CHARSET=Utf-8",
	        "application/json ; charset=utf-8",
	        "application/json;\tcharset=utf-8",
	        "application/json ",
	        "application/json; charset=utf-8 ",
	};
	static const char *const bad[] = {
	        "application/json; charset=latin1",
	        "application/json; charset=iso-8859-1",
	        "application/json; charset=utf-16",
	        "application/json; charset=utf-88",
	        "application/json; charset=utf-8x",
	        "application/json; charset=\"utf-8",
	        "application/json; charset=utf-8\"",
	        "application/json; charset=",
	        "application/json; charset",
	        "application/json;",
	        "application/json; ",
	        "application/jsonp",
	        "application/json5",
	        "application/json-patch+json",
	        "application/json/x",
	        "text/json",
	        "text/plain",
	        "application/x-www-form-urlencoded",
	        "multipart/form-data; boundary=x",
	        "application/json; foo=bar",
	        "application/json; charset=utf-8; foo=bar",
	        "application/json, text/plain",
	        " application/json",
	        "application/jso",
	        "",
	};
	for (size_t i = 0; i < N(good); i++)
		if (body_is_json_content_type(good[i]) != 1)
			fail_msg("rejected \"%s\"", good[i]);
	for (size_t i = 0; i < N(bad); i++)
		if (body_is_json_content_type(bad[i]) != 0)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(body_is_json_content_type(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_declared_above_cap_reads_nothing),
	        cmocka_unit_test(test_declared_equal_cap_ok),
	        cmocka_unit_test(test_declared_larger_than_internal_chunk),
	        cmocka_unit_test(test_undeclared_over_cap),
	        cmocka_unit_test(test_undeclared_exact_and_one_over),
	        cmocka_unit_test(test_lying_content_length_still_capped),
	        cmocka_unit_test(test_read_error),
	        cmocka_unit_test(test_empty_body),
	        cmocka_unit_test(test_truncated_body_is_read_error),
	        cmocka_unit_test(test_binary_content_preserved),
	        cmocka_unit_test(test_appends_after_existing_content),
	        cmocka_unit_test(test_json_content_types),
	};
	return cmocka_run_group_tests_name("body", tests, NULL, NULL);
}
