/*
 * Unit tests of problem+json rendering (service/http/problem.h): every
 * document is parsed back with Jansson (duplicates rejected) and checked
 * member by member.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/problem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Renders and parses; fails the test when the output is not one JSON object
 * without duplicate members. The caller json_decref()s. */
static json_t *render(int status, const char *code, const char *detail, const char *request_id, const json_t *extra)
{
	struct buf b = BUF_INIT;
	problem_render(&b, status, code, detail, request_id, extra);
	assert_non_null(b.data);
	assert_int_equal(strlen(b.data), b.len);
	/* No raw control characters: everything below 0x20 is escaped. */
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20)
			fail_msg("raw control byte 0x%02x at %zu in %s", (unsigned char)b.data[i], i, b.data);
	json_error_t jerr;
	json_t *doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		fail_msg("problem_render output does not parse (%s): %s", jerr.text, b.data);
	buf_release(&b);
	assert_true(json_is_object(doc));
	return doc;
}

static const char *member_str(const json_t *doc, const char *key)
{
	const json_t *v = json_object_get(doc, key);
	if (!json_is_string(v))
		fail_msg("member %s is missing or not a string", key);
	return json_string_value(v);
}

static void assert_standard(const json_t *doc, int status, const char *code, const char *request_id)
{
	char type[128];
	snprintf(type, sizeof type, "urn:inspectd:problem:%s", code);
	assert_string_equal(member_str(doc, "type"), type);
	assert_string_equal(member_str(doc, "title"), problem_title(code));
	const json_t *st = json_object_get(doc, "status");
	assert_true(json_is_integer(st));
	assert_int_equal(json_integer_value(st), status);
	assert_string_equal(member_str(doc, "code"), code);
	assert_string_equal(member_str(doc, "request_id"), request_id);
}

static void test_basic_document(void **state)
{
	(void)state;
	json_t *doc = render(404, "not_found", "inspection 42 does not exist", "req-abc", NULL);
	assert_standard(doc, 404, "not_found", "req-abc");
	assert_string_equal(member_str(doc, "title"), "资源不存在");
	assert_string_equal(member_str(doc, "detail"), "inspection 42 does not exist");
	assert_int_equal(json_object_size(doc), 6);
	json_decref(doc);
}

static void test_detail_omitted_when_null(void **state)
{
	(void)state;
	json_t *doc = render(500, "internal_error", NULL, "r1", NULL);
	assert_standard(doc, 500, "internal_error", "r1");
	assert_string_equal(member_str(doc, "title"), "服务器内部错误");
	assert_null(json_object_get(doc, "detail"));
	assert_int_equal(json_object_size(doc), 5);
	json_decref(doc);

	/* An empty detail is a detail. */
	doc = render(400, "bad_request", "", "r2", NULL);
	assert_string_equal(member_str(doc, "detail"), "");
	json_decref(doc);
}

static void test_extra_members(void **state)
{
	(void)state;
	json_t *extra =
	        json_pack("{s:[{s:s,s:s},{s:s,s:s}],s:i,s:b,s:n,s:f,s:{s:s},s:s}", "errors", "field", "name", "message",
	                  "必填", "field", "due_at", "message", "must be \"RFC 3339\"", "retry_after", 30, "ok", 0,
	                  "nothing", "ratio", 0.5, "nested", "k", "v", "note", "多行\n文本");
	assert_non_null(extra);
	json_t *copy = json_deep_copy(extra);
	json_t *doc = render(422, "validation_failed", "2 fields are invalid", "req-9", extra);
	assert_standard(doc, 422, "validation_failed", "req-9");
	assert_string_equal(member_str(doc, "title"), "字段校验失败");
	assert_int_equal(json_object_size(doc), 6 + json_object_size(extra));
	const char *key;
	json_t *value;
	json_object_foreach(extra, key, value)
	{
		if (!json_equal(json_object_get(doc, key), value))
			fail_msg("extra member %s not rendered as given", key);
	}
	assert_true(json_is_array(json_object_get(doc, "errors")));
	assert_int_equal(json_array_size(json_object_get(doc, "errors")), 2);
	/* extra is borrowed and not modified. */
	assert_true(json_equal(extra, copy));
	assert_int_equal(extra->refcount, 1);
	json_decref(doc);
	json_decref(copy);
	json_decref(extra);
}

static void test_extra_cannot_override_standard(void **state)
{
	(void)state;
	json_t *extra =
	        json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:[]}", "type", "https://evil.example/x", "title", "hijacked",
	                  "status", 200, "detail", "fake detail", "code", "ok", "request_id", "forged", "errors");
	assert_non_null(extra);

	json_t *doc = render(409, "conflict", "real detail", "real-id", extra);
	assert_standard(doc, 409, "conflict", "real-id");
	assert_string_equal(member_str(doc, "detail"), "real detail");
	assert_int_equal(json_object_size(doc), 7); /* six standard + errors */
	assert_true(json_is_array(json_object_get(doc, "errors")));
	json_decref(doc);

	/* Without a detail of its own, the extra "detail" still does not appear. */
	doc = render(409, "conflict", NULL, "real-id", extra);
	assert_standard(doc, 409, "conflict", "real-id");
	assert_null(json_object_get(doc, "detail"));
	assert_int_equal(json_object_size(doc), 6);
	json_decref(doc);
	json_decref(extra);
}

static void test_extra_not_object_ignored(void **state)
{
	(void)state;
	json_t *arr = json_pack("[s,i]", "errors", 1);
	json_t *doc = render(400, "bad_request", "x", "r", arr);
	assert_standard(doc, 400, "bad_request", "r");
	assert_int_equal(json_object_size(doc), 6);
	json_decref(doc);
	json_decref(arr);

	json_t *empty = json_object();
	doc = render(400, "bad_request", "x", "r", empty);
	assert_int_equal(json_object_size(doc), 6);
	json_decref(doc);
	json_decref(empty);
}

static void test_extra_key_escaped(void **state)
{
	(void)state;
	json_t *extra = json_object();
	json_object_set_new(extra, "说\"明\\\n", json_string("v\x01"));
	json_t *doc = render(400, "bad_request", NULL, "r", extra);
	assert_string_equal(member_str(doc, "说\"明\\\n"), "v\x01");
	json_decref(doc);
	json_decref(extra);
}

static void test_detail_escaping(void **state)
{
	(void)state;
	static const char detail[] = "line1\nline2\r\n\"quoted\" back\\slash\ttab \x01\x1f\x7f 中文 😀 </script>";
	json_t *doc = render(400, "malformed_json", detail, "id-\"quoted\"", NULL);
	assert_string_equal(member_str(doc, "detail"), detail);
	assert_string_equal(member_str(doc, "request_id"), "id-\"quoted\"");
	assert_string_equal(member_str(doc, "title"), "JSON 格式错误");
	json_decref(doc);

	/* Invalid UTF-8 in a detail still yields valid JSON (U+FFFD). */
	doc = render(400, "bad_request", "bad \xff\xfe byte", "r", NULL);
	assert_string_equal(member_str(doc, "detail"), "bad \xef\xbf\xbd\xef\xbf\xbd byte");
	json_decref(doc);
}

static void test_titles(void **state)
{
	(void)state;
	assert_string_equal(problem_title("not_found"), "资源不存在");
	assert_string_equal(problem_title("unauthorized"), "未登录或令牌无效");
	assert_string_equal(problem_title("payload_too_large"), "请求体过大");
	assert_string_equal(problem_title("unsupported_media_type"), "不支持的内容类型");
	/* Unknown codes get the generic title, never NULL. */
	assert_string_equal(problem_title("no_such_code"), "请求失败");
	assert_string_equal(problem_title(""), "请求失败");
	assert_string_equal(problem_title("NOT_FOUND"), "请求失败");
	assert_string_equal(problem_title("not_found_"), "请求失败");

	json_t *doc = render(418, "teapot", NULL, "r", NULL);
	assert_string_equal(member_str(doc, "title"), "请求失败");
	assert_string_equal(member_str(doc, "type"), "urn:inspectd:problem:teapot");
	json_decref(doc);
}

static void test_code_for_status(void **state)
{
	(void)state;
	static const struct {
		int status;
		const char *code;
	} cases[] = {
	        {400, "bad_request"},
	        {401, "unauthorized"},
	        {403, "forbidden"},
	        {404, "not_found"},
	        {405, "method_not_allowed"},
	        {408, "request_timeout"},
	        {409, "conflict"},
	        {411, "length_required"},
	        {412, "version_conflict"},
	        {413, "payload_too_large"},
	        {414, "uri_too_long"},
	        {415, "unsupported_media_type"},
	        {416, "range_not_satisfiable"},
	        {422, "validation_failed"},
	        {429, "too_many_requests"},
	        {431, "header_fields_too_large"},
	        {500, "internal_error"},
	        {501, "not_implemented"},
	        {503, "service_unavailable"},
	        {505, "http_version_not_supported"},
	        {507, "insufficient_storage"},
	        /* Unknown statuses fall back by class. */
	        {402, "bad_request"},
	        {418, "bad_request"},
	        {451, "bad_request"},
	        {499, "bad_request"},
	        {502, "internal_error"},
	        {504, "internal_error"},
	        {599, "internal_error"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *code = problem_code_for_status(cases[i].status);
		assert_non_null(code);
		if (strcmp(code, cases[i].code) != 0)
			fail_msg("status %d → %s, expected %s", cases[i].status, code, cases[i].code);
	}
	/* Every code the HTTP layer can produce has its own title. */
	for (int s = 400; s < 600; s++) {
		const char *code = problem_code_for_status(s);
		if (strcmp(problem_title(code), "请求失败") == 0)
			fail_msg("status %d → code %s has no title", s, code);
	}
}

static void test_appends_to_buffer(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_adds(&b, "prefix:");
	problem_render(&b, 404, "not_found", NULL, "r", NULL);
	assert_int_equal(strncmp(b.data, "prefix:{", 8), 0);
	json_error_t jerr;
	json_t *doc = json_loads(b.data + 7, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(doc);
	assert_standard(doc, 404, "not_found", "r");
	json_decref(doc);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic_document),
	        cmocka_unit_test(test_detail_omitted_when_null),
	        cmocka_unit_test(test_extra_members),
	        cmocka_unit_test(test_extra_cannot_override_standard),
	        cmocka_unit_test(test_extra_not_object_ignored),
	        cmocka_unit_test(test_extra_key_escaped),
	        cmocka_unit_test(test_detail_escaping),
	        cmocka_unit_test(test_titles),
	        cmocka_unit_test(test_code_for_status),
	        cmocka_unit_test(test_appends_to_buffer),
	};
	return cmocka_run_group_tests_name("problem", tests, NULL, NULL);
}
