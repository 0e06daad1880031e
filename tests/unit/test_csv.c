/*
 * Unit tests of the CSV reader (service/csv.h): BOM, CRLF and LF, quoting
 * (commas, doubled quotes, line breaks inside quotes and the line numbers of
 * later records), empty fields, blank lines, a missing final newline, the
 * three malformed shapes and the line their message names, Chinese text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Parses s (strlen bytes) and fails the test on error. */
static void parse_ok(const char *s, struct csv *c)
{
	char err[256] = "";
	if (csv_parse(s, strlen(s), c, err, sizeof err) != 0)
		fail_msg("csv_parse failed on \"%s\": %s", s, err);
}

/* Checks row i: its line and its fields (NULL-terminated list). */
static void expect_row(const struct csv *c, size_t i, int line, ...)
{
	if (i >= c->n)
		fail_msg("row %zu missing (only %zu rows)", i, c->n);
	const struct csv_row *r = &c->rows[i];
	if (r->line != line)
		fail_msg("row %zu: line %d, expected %d", i, r->line, line);
	va_list ap;
	va_start(ap, line);
	size_t k = 0;
	for (const char *want; (want = va_arg(ap, const char *)) != NULL; k++) {
		if (k >= r->n) {
			va_end(ap);
			fail_msg("row %zu: only %zu fields, expected more (next \"%s\")", i, r->n, want);
		}
		assert_non_null(r->fields[k]);
		if (strcmp(r->fields[k], want) != 0) {
			va_end(ap);
			fail_msg("row %zu field %zu: \"%s\", expected \"%s\"", i, k, r->fields[k], want);
		}
	}
	va_end(ap);
	if (k != r->n)
		fail_msg("row %zu: %zu fields, expected %zu", i, r->n, k);
}

/* Expects failure with every needle in the message, and a released result. */
static void expect_fail(const char *s, size_t len, const char *needle1, const char *needle2)
{
	struct csv c;
	char err[256] = "";
	int rc = csv_parse(s, len, &c, err, sizeof err);
	if (rc != -1) {
		csv_release(&c);
		fail_msg("csv_parse accepted \"%s\"", s);
	}
	if (needle1 && !strstr(err, needle1))
		fail_msg("error \"%s\" for \"%s\" lacks \"%s\"", err, s, needle1);
	if (needle2 && !strstr(err, needle2))
		fail_msg("error \"%s\" for \"%s\" lacks \"%s\"", err, s, needle2);
	/* The header says release also after a failure. */
	assert_int_equal(c.n, 0);
	csv_release(&c);
}

static void test_simple_lf(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("code,name,level\nC1,City,city\nT1,Town,town\n", &c);
	assert_int_equal(c.n, 3);
	expect_row(&c, 0, 1, "code", "name", "level", NULL);
	expect_row(&c, 1, 2, "C1", "City", "city", NULL);
	expect_row(&c, 2, 3, "T1", "Town", "town", NULL);
	csv_release(&c);
	assert_int_equal(c.n, 0);
	assert_null(c.rows);
}

static void test_crlf_and_mixed(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("a,b\r\nc,d\r\ne,f\r\n", &c);
	assert_int_equal(c.n, 3);
	expect_row(&c, 0, 1, "a", "b", NULL);
	expect_row(&c, 1, 2, "c", "d", NULL);
	expect_row(&c, 2, 3, "e", "f", NULL);
	csv_release(&c);

	/* CR never leaks into the last field; LF and CRLF may be mixed. */
	parse_ok("a,b\r\nc,d\ne,f", &c);
	assert_int_equal(c.n, 3);
	expect_row(&c, 0, 1, "a", "b", NULL);
	expect_row(&c, 1, 2, "c", "d", NULL);
	expect_row(&c, 2, 3, "e", "f", NULL);
	csv_release(&c);
}

static void test_bom(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("\xef\xbb\xbf"
	         "code,name\r\nX,Y\r\n",
	         &c);
	assert_int_equal(c.n, 2);
	expect_row(&c, 0, 1, "code", "name", NULL); /* no BOM in the first field */
	expect_row(&c, 1, 2, "X", "Y", NULL);
	csv_release(&c);

	/* A BOM before a quoted first field. */
	parse_ok("\xef\xbb\xbf\"code\",name\n", &c);
	assert_int_equal(c.n, 1);
	expect_row(&c, 0, 1, "code", "name", NULL);
	csv_release(&c);

	/* Only a BOM: nothing. */
	parse_ok("\xef\xbb\xbf", &c);
	assert_int_equal(c.n, 0);
	csv_release(&c);

	/* The BOM is skipped only at the start: elsewhere it is data. */
	parse_ok("a\n\xef\xbb\xbf"
	         "b\n",
	         &c);
	assert_int_equal(c.n, 2);
	expect_row(&c, 1, 2,
	           "\xef\xbb\xbf"
	           "b",
	           NULL);
	csv_release(&c);
}

static void test_trailing_newline_or_not(void **state)
{
	(void)state;
	static const char *const inputs[] = {"a,b\nc,d", "a,b\nc,d\n", "a,b\r\nc,d", "a,b\r\nc,d\r\n"};
	for (size_t i = 0; i < N(inputs); i++) {
		struct csv c;
		parse_ok(inputs[i], &c);
		if (c.n != 2)
			fail_msg("input %zu: %zu rows", i, c.n);
		expect_row(&c, 0, 1, "a", "b", NULL);
		expect_row(&c, 1, 2, "c", "d", NULL);
		csv_release(&c);
	}
}

static void test_empty_input(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("", &c);
	assert_int_equal(c.n, 0);
	csv_release(&c);
	parse_ok("\n\n\r\n", &c);
	assert_int_equal(c.n, 0);
	csv_release(&c);
}

static void test_quoted_fields(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("\"a,b\",\"say \"\"hi\"\"\",\"\",plain\n", &c);
	assert_int_equal(c.n, 1);
	expect_row(&c, 0, 1, "a,b", "say \"hi\"", "", "plain", NULL);
	csv_release(&c);

	/* Only doubled quotes: one literal quote each. */
	parse_ok("\"\"\"\",\"\"\"\"\"\"\"\"\n", &c);
	expect_row(&c, 0, 1, "\"", "\"\"\"", NULL);
	csv_release(&c);

	/* A quoted last field without a newline, and a quoted field with CRLF after it. */
	parse_ok("x,\"y\"\r\n\"z\"", &c);
	assert_int_equal(c.n, 2);
	expect_row(&c, 0, 1, "x", "y", NULL);
	expect_row(&c, 1, 2, "z", NULL);
	csv_release(&c);
}

static void test_embedded_newlines_and_lines(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("id,note\n"
	         "1,\"line one\nline two\nline three\"\n"
	         "2,after\n"
	         "3,\"crlf\r\ninside\"\r\n"
	         "4,last\n",
	         &c);
	assert_int_equal(c.n, 4 + 1);
	expect_row(&c, 0, 1, "id", "note", NULL);
	expect_row(&c, 1, 2, "1", "line one\nline two\nline three", NULL);
	expect_row(&c, 2, 5, "2", "after", NULL); /* record 1 took lines 2–4 */
	expect_row(&c, 3, 6, "3", "crlf\r\ninside", NULL);
	expect_row(&c, 4, 8, "4", "last", NULL);
	csv_release(&c);

	/* A quoted field that is only a line break. */
	parse_ok("\"\n\",x\ny\n", &c);
	assert_int_equal(c.n, 2);
	expect_row(&c, 0, 1, "\n", "x", NULL);
	expect_row(&c, 1, 3, "y", NULL);
	csv_release(&c);
}

static void test_empty_fields(void **state)
{
	(void)state;
	struct csv c;
	parse_ok(",\na,,b\n,,\nx,\n,y\n", &c);
	assert_int_equal(c.n, 5);
	expect_row(&c, 0, 1, "", "", NULL);
	expect_row(&c, 1, 2, "a", "", "b", NULL);
	expect_row(&c, 2, 3, "", "", "", NULL);
	expect_row(&c, 3, 4, "x", "", NULL);
	expect_row(&c, 4, 5, "", "y", NULL);
	csv_release(&c);

	/* A trailing comma at the very end still makes an empty last field. */
	parse_ok("a,", &c);
	assert_int_equal(c.n, 1);
	expect_row(&c, 0, 1, "a", "", NULL);
	csv_release(&c);
}

static void test_blank_lines_skipped(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("\n\na,b\n\n\r\nc,d\n\n", &c);
	assert_int_equal(c.n, 2);
	expect_row(&c, 0, 3, "a", "b", NULL); /* blank lines still count */
	expect_row(&c, 1, 6, "c", "d", NULL);
	csv_release(&c);
}

static void test_spaces_are_data(void **state)
{
	(void)state;
	struct csv c;
	parse_ok(" a , b \n", &c);
	expect_row(&c, 0, 1, " a ", " b ", NULL);
	csv_release(&c);
	/* A line of spaces is not blank. */
	parse_ok("a\n  \nb\n", &c);
	assert_int_equal(c.n, 3);
	expect_row(&c, 1, 2, "  ", NULL);
	csv_release(&c);
}

static void test_chinese(void **state)
{
	(void)state;
	struct csv c;
	parse_ok("编码,名称,层级\r\n"
	         "C01,示范市,city\r\n"
	         "T01,\"城关镇，东区\",town\r\n"
	         "V01,\"李家村\n（试点）\",village\r\n",
	         &c);
	assert_int_equal(c.n, 4);
	expect_row(&c, 0, 1, "编码", "名称", "层级", NULL);
	expect_row(&c, 1, 2, "C01", "示范市", "city", NULL);
	expect_row(&c, 2, 3, "T01", "城关镇，东区", "town", NULL);
	expect_row(&c, 3, 4, "V01", "李家村\n（试点）", "village", NULL);
	csv_release(&c);
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	const char *s = "a,b\n\"open,c\n";
	expect_fail(s, strlen(s), "line 2", "unterminated");
	s = "\"";
	expect_fail(s, strlen(s), "line 1", "unterminated");
	/* The message names the line where the record starts. */
	s = "h\nx\n\"multi\nline\nnever closed";
	expect_fail(s, strlen(s), "line 3", "unterminated");
	/* A doubled quote at the end is an escaped quote, not a close. */
	s = "\"abc\"\"";
	expect_fail(s, strlen(s), "line 1", "unterminated");
	/* The quote closes only within len. */
	s = "\"abc\"";
	expect_fail(s, 4, "line 1", "unterminated");
}

static void test_text_after_closing_quote(void **state)
{
	(void)state;
	const char *s = "a\n\"x\"y,z\n";
	expect_fail(s, strlen(s), "line 2", "closing quote");
	s = "\"x\" ,z\n"; /* a space is text too */
	expect_fail(s, strlen(s), "line 1", "closing quote");
	/* After a field with an embedded line break, the line is where the text is. */
	s = "h\n\"a\nb\"c\n";
	expect_fail(s, strlen(s), "line 3", "closing quote");
}

static void test_quote_inside_unquoted(void **state)
{
	(void)state;
	const char *s = "a,b\nc,d\"e\n";
	expect_fail(s, strlen(s), "line 2", "quote");
	s = "ab\"";
	expect_fail(s, strlen(s), "line 1", "quote");
	s = " \"a\""; /* a space before the opening quote makes the field unquoted */
	expect_fail(s, strlen(s), "line 1", "quote");
}

static void test_error_after_rows_releases(void **state)
{
	(void)state;
	/* Many good rows, then a bad one: nothing leaks (ASan checks), and the
	 * message names the right line. */
	char *s = malloc(64 * 1024);
	assert_non_null(s);
	size_t len = 0;
	for (int i = 0; i < 1000; i++)
		len += (size_t)sprintf(s + len, "row%d,\"v%d\",x\n", i, i);
	len += (size_t)sprintf(s + len, "bad\"row\n");
	expect_fail(s, len, "line 1001", NULL);
	free(s);
}

static void test_many_rows(void **state)
{
	(void)state;
	char *s = malloc(64 * 1024);
	assert_non_null(s);
	size_t len = 0;
	for (int i = 0; i < 2000; i++)
		len += (size_t)sprintf(s + len, "%d,\"%d,%d\"\r\n", i, i, i + 1);
	struct csv c;
	char err[128];
	assert_int_equal(csv_parse(s, len, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 2000);
	for (size_t i = 0; i < c.n; i++) {
		char a[24], b[48];
		snprintf(a, sizeof a, "%zu", i);
		snprintf(b, sizeof b, "%zu,%zu", i, i + 1);
		expect_row(&c, i, (int)i + 1, a, b, NULL);
	}
	csv_release(&c);
	free(s);
}

static void test_len_bounds_input(void **state)
{
	(void)state;
	/* Only len bytes are read: the input need not be NUL-terminated. */
	char buf[8];
	memcpy(buf, "a,b\nc,dX", 8);
	struct csv c;
	char err[64];
	assert_int_equal(csv_parse(buf, 7, &c, err, sizeof err), 0);
	assert_int_equal(c.n, 2);
	expect_row(&c, 0, 1, "a", "b", NULL);
	expect_row(&c, 1, 2, "c", "d", NULL);
	csv_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_simple_lf),
	        cmocka_unit_test(test_crlf_and_mixed),
	        cmocka_unit_test(test_bom),
	        cmocka_unit_test(test_trailing_newline_or_not),
	        cmocka_unit_test(test_empty_input),
	        cmocka_unit_test(test_quoted_fields),
	        cmocka_unit_test(test_embedded_newlines_and_lines),
	        cmocka_unit_test(test_empty_fields),
	        cmocka_unit_test(test_blank_lines_skipped),
	        cmocka_unit_test(test_spaces_are_data),
	        cmocka_unit_test(test_chinese),
	        cmocka_unit_test(test_unterminated_quote),
	        cmocka_unit_test(test_text_after_closing_quote),
	        cmocka_unit_test(test_quote_inside_unquoted),
	        cmocka_unit_test(test_error_after_rows_releases),
	        cmocka_unit_test(test_many_rows),
	        cmocka_unit_test(test_len_bounds_input),
	};
	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
