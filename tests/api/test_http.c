/*
 * The HTTP layer through the real binary: routing (404, 405 + Allow, HEAD,
 * OPTIONS), request ids, body limits (413), content types (415), JSON
 * parsing (400), framing attacks, civetweb's own errors as problem+json,
 * CORS, security headers, the operational endpoints and a clean exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

static struct server_proc srv;

#define MAX_BODY 4096

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {"INSPECTD_MAX_BODY=4KiB", "INSPECTD_CORS_ORIGINS=https://app.example.cn",
	                                  NULL};
	server_start(&srv, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_cleanup(&srv);
	return 0;
}

static void request(const char *method, const char *path, const char *const *headers, const char *body,
                    struct http_resp *r)
{
	char url[512];
	http_do(method, url_of(&srv, path, url, sizeof url), headers, body, body ? strlen(body) : 0, 0, r);
}

static int is_hex32(const char *s)
{
	if (strlen(s) != 32)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

static void test_healthz(void **state)
{
	(void)state;
	struct http_resp r;
	http_get(&srv, "/healthz", &r);
	assert_int_equal(r.status, 200);
	char v[128];
	assert_true(http_header(&r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "application/json; charset=utf-8");
	assert_true(http_header(&r, "X-Content-Type-Options", v, sizeof v));
	assert_string_equal(v, "nosniff");
	assert_true(http_header(&r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-store");
	assert_true(http_header(&r, "X-Request-Id", v, sizeof v));
	assert_true(is_hex32(v));
	json_t *j = http_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
	json_decref(j);
	http_resp_release(&r);
}

static void test_request_id_echo_and_generation(void **state)
{
	(void)state;
	struct http_resp r;
	const char *const sane[] = {"X-Request-Id: phone-42.retry_1", NULL};
	request("GET", "/healthz", sane, NULL, &r);
	char v[128];
	assert_true(http_header(&r, "X-Request-Id", v, sizeof v));
	assert_string_equal(v, "phone-42.retry_1");
	http_resp_release(&r);

	/* Insane values are replaced, never reflected: too long, bad characters. */
	char long_id[100] = "X-Request-Id: ";
	memset(long_id + strlen(long_id), 'a', 65);
	const char *const too_long[] = {long_id, NULL};
	const char *const bad_chars[] = {"X-Request-Id: <script>alert(1)</script>", NULL};
	const char *const spaces[] = {"X-Request-Id: a b", NULL};
	const char *const *cases[] = {too_long, bad_chars, spaces};
	for (size_t i = 0; i < 3; i++) {
		request("GET", "/nope", cases[i], NULL, &r);
		assert_true(http_header(&r, "X-Request-Id", v, sizeof v));
		assert_true(is_hex32(v));
		assert_problem(&r, 404, "not_found");
		http_resp_release(&r);
	}

	/* Exactly 64 characters is still sane. */
	char max_id[100] = "X-Request-Id: ";
	memset(max_id + strlen(max_id), 'b', 64);
	const char *const max[] = {max_id, NULL};
	request("GET", "/healthz", max, NULL, &r);
	assert_true(http_header(&r, "X-Request-Id", v, sizeof v));
	assert_int_equal(strlen(v), 64);
	http_resp_release(&r);

	/* Two requests without an id get different ids. */
	char a[64], b[64];
	http_get(&srv, "/healthz", &r);
	http_header(&r, "X-Request-Id", a, sizeof a);
	http_resp_release(&r);
	http_get(&srv, "/healthz", &r);
	http_header(&r, "X-Request-Id", b, sizeof b);
	http_resp_release(&r);
	assert_string_not_equal(a, b);
}

static void test_unknown_route_404(void **state)
{
	(void)state;
	static const char *const paths[] = {
	        "/api/v1/nope", "/", "/healthz/", "/api/v1/_test/things/1/parts", "/api/v1/_test/things//parts/x",
	        "/HEALTHZ"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct http_resp r;
		http_get(&srv, paths[i], &r);
		assert_problem(&r, 404, "not_found");
		http_resp_release(&r);
	}
}

static void test_wrong_method_405(void **state)
{
	(void)state;
	static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH"};
	for (size_t i = 0; i < 4; i++) {
		struct http_resp r;
		request(methods[i], "/healthz", NULL, NULL, &r);
		assert_problem(&r, 405, "method_not_allowed");
		char allow[64];
		assert_true(http_header(&r, "Allow", allow, sizeof allow));
		assert_string_equal(allow, "GET, HEAD");
		http_resp_release(&r);
	}
	struct http_resp r;
	request("GET", "/api/v1/_test/echo", NULL, NULL, &r);
	assert_problem(&r, 405, "method_not_allowed");
	char allow[64];
	assert_true(http_header(&r, "Allow", allow, sizeof allow));
	assert_string_equal(allow, "POST");
	http_resp_release(&r);
}

static void test_head_and_options(void **state)
{
	(void)state;
	struct http_resp r;
	request("HEAD", "/healthz", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	char v[64];
	assert_true(http_header(&r, "Content-Length", v, sizeof v));
	assert_string_equal(v, "15");
	http_resp_release(&r);

	request("OPTIONS", "/healthz", NULL, NULL, &r);
	assert_int_equal(r.status, 204);
	assert_true(http_header(&r, "Allow", v, sizeof v));
	assert_string_equal(v, "GET, HEAD, OPTIONS");
	assert_false(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
	http_resp_release(&r);
}

static void test_json_echo(void **state)
{
	(void)state;
	static const char *const json_ct[] = {"Content-Type: application/json", NULL};
	static const char *const json_ct_charset[] = {"Content-Type: application/json; charset=UTF-8", NULL};
	struct http_resp r;
	request("POST", "/api/v1/_test/echo", json_ct, "{\"名称\":\"东山村\",\"n\":[1,2,{\"a\":null}]}", &r);
	assert_int_equal(r.status, 200);
	json_t *j = http_json(&r);
	json_t *want = json_loads("{\"名称\":\"东山村\",\"n\":[1,2,{\"a\":null}]}", 0, NULL);
	assert_true(json_equal(json_object_get(j, "received"), want));
	json_decref(want);
	json_decref(j);
	http_resp_release(&r);

	request("POST", "/api/v1/_test/echo", json_ct_charset, "{}", &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);

	/* An empty body reaches the handler as "no JSON" (actions taking {}). */
	request("POST", "/api/v1/_test/echo", json_ct, "", &r);
	assert_int_equal(r.status, 200);
	j = http_json(&r);
	assert_true(json_is_null(json_object_get(j, "received")));
	json_decref(j);
	http_resp_release(&r);
}

static void test_malformed_json_400(void **state)
{
	(void)state;
	static const char *const json_ct[] = {"Content-Type: application/json", NULL};
	static const char *const bodies[] = {
	        "{\"a\":1,",            /* truncated */
	        "{\"a\":1,\"a\":2}",    /* duplicate key */
	        "[1,2,3]",              /* not an object */
	        "\"text\"",             /* not an object */
	        "{\"a\":1} {\"b\":2}",  /* trailing data */
	        "{\"a\":\"\\u0000\"}",  /* NUL inside a string */
	        "{\"a\":\"\xff\xfe\"}", /* invalid UTF-8 */
	        "{'a':1}",              /* not JSON */
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct http_resp r;
		request("POST", "/api/v1/_test/echo", json_ct, bodies[i], &r);
		assert_problem(&r, 400, "malformed_json");
		http_resp_release(&r);
	}
	/* The detail says where it broke. */
	struct http_resp r;
	request("POST", "/api/v1/_test/echo", json_ct, "{\n\"a\": tru\n}", &r);
	assert_problem(&r, 400, "malformed_json");
	json_t *j = http_json(&r);
	const char *detail = json_string_value(json_object_get(j, "detail"));
	assert_non_null(detail);
	assert_non_null(strstr(detail, "第 2 行"));
	json_decref(j);
	http_resp_release(&r);
}

static void test_content_type_415(void **state)
{
	(void)state;
	static const char *const cts[] = {"Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded",
	                                  "Content-Type: application/json; charset=latin1",
	                                  "Content-Type: multipart/form-data; boundary=x",
	                                  "Content-Type: application/jsonp"};
	for (size_t i = 0; i < sizeof cts / sizeof cts[0]; i++) {
		const char *const h[] = {cts[i], NULL};
		struct http_resp r;
		request("POST", "/api/v1/_test/echo", h, "{\"a\":1}", &r);
		assert_problem(&r, 415, "unsupported_media_type");
		http_resp_release(&r);
	}
	/* No Content-Type at all: libcurl would add a form type, so remove it. */
	const char *const none[] = {"Content-Type:", NULL};
	struct http_resp r;
	request("POST", "/api/v1/_test/echo", none, "{\"a\":1}", &r);
	assert_problem(&r, 415, "unsupported_media_type");
	http_resp_release(&r);

	/* A body sent to a route that takes none. */
	const char *const json_ct[] = {"Content-Type: application/json", NULL};
	request("GET", "/healthz", json_ct, "{\"a\":1}", &r);
	assert_problem(&r, 415, "unsupported_media_type");
	http_resp_release(&r);
}

static void test_body_limit_413(void **state)
{
	(void)state;
	static const char *const json_ct[] = {"Content-Type: application/json", NULL};
	/* A valid JSON object of exactly n bytes. */
	char *body = malloc(64 * 1024 + 1);
	size_t sizes[] = {MAX_BODY, MAX_BODY + 1, 64 * 1024};
	for (size_t i = 0; i < 3; i++) {
		size_t n = sizes[i];
		memset(body, ' ', n);
		memcpy(body, "{\"pad\":\"", 8);
		memset(body + 8, 'x', n - 10);
		memcpy(body + n - 2, "\"}", 2);
		body[n] = '\0';
		for (int chunked = 0; chunked <= 1; chunked++) {
			char url[256];
			struct http_resp r;
			http_do("POST", url_of(&srv, "/api/v1/_test/echo", url, sizeof url), json_ct, body, n, chunked,
			        &r);
			if (n <= MAX_BODY) {
				assert_int_equal(r.status, 200);
			} else {
				assert_problem(&r, 413, "payload_too_large");
				char conn[32];
				assert_true(http_header(&r, "Connection", conn, sizeof conn));
				assert_string_equal(conn, "close");
			}
			http_resp_release(&r);
		}
	}
	free(body);

	/* A declared length far above the cap is refused before any body is sent. */
	struct buf out = BUF_INIT;
	static const char big[] = "POST /api/v1/_test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	                          "Content-Length: 1073741824\r\n\r\n{";
	raw_exchange(srv.port, big, sizeof big - 1, 3000, &out);
	assert_non_null(strstr(buf_cstr(&out), "HTTP/1.1 413 "));
	assert_non_null(strstr(buf_cstr(&out), "\"code\":\"payload_too_large\""));
	buf_release(&out);
}

static void test_framing_attacks_400(void **state)
{
	(void)state;
	/* Both Content-Length and Transfer-Encoding: a smuggling attempt. */
	static const char both[] = "POST /api/v1/_test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	                           "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n";
	struct buf out = BUF_INIT;
	raw_exchange(srv.port, both, sizeof both - 1, 3000, &out);
	const char *s = buf_cstr(&out);
	assert_true(strncmp(s, "HTTP/1.1 400 ", 13) == 0);
	assert_non_null(strstr(s, "application/problem+json"));
	assert_non_null(strstr(s, "\"code\":\"bad_request\""));
	buf_release(&out);

	/* Broken chunked encoding. */
	static const char bad_chunk[] =
	        "POST /api/v1/_test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{\"a\":1}\r\n0\r\n\r\n";
	raw_exchange(srv.port, bad_chunk, sizeof bad_chunk - 1, 3000, &out);
	s = buf_cstr(&out);
	assert_true(strncmp(s, "HTTP/1.1 400 ", 13) == 0);
	assert_non_null(strstr(s, "application/problem+json"));
	buf_release(&out);
}

static void test_civetweb_errors_are_problems(void **state)
{
	(void)state;
	/* A request line civetweb cannot parse. */
	struct buf out = BUF_INIT;
	static const char garbage[] = "THIS IS NOT HTTP\r\n\r\n";
	raw_exchange(srv.port, garbage, sizeof garbage - 1, 3000, &out);
	const char *s = buf_cstr(&out);
	assert_true(strncmp(s, "HTTP/1.1 4", 10) == 0);
	assert_non_null(strstr(s, "Content-Type: application/problem+json"));
	assert_non_null(strstr(s, "\"code\":"));
	assert_non_null(strstr(s, "X-Request-Id: "));
	buf_release(&out);

	/* Headers larger than civetweb's max_request_size (32 KiB). */
	struct buf req = BUF_INIT;
	buf_adds(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
	for (int i = 0; i < 40000; i++)
		buf_addc(&req, 'a');
	buf_adds(&req, "\r\n\r\n");
	raw_exchange(srv.port, req.data, req.len, 3000, &out);
	s = buf_cstr(&out);
	assert_true(strncmp(s, "HTTP/1.1 4", 10) == 0);
	assert_non_null(strstr(s, "Content-Type: application/problem+json"));
	buf_release(&out);
	buf_release(&req);
}

static void test_path_parameters(void **state)
{
	(void)state;
	struct http_resp r;
	http_get(&srv, "/api/v1/_test/things/6f1c0c1e-9b8a-4c47-9d64-0f4b2d7f1a11/parts/photo", &r);
	assert_int_equal(r.status, 200);
	json_t *j = http_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "6f1c0c1e-9b8a-4c47-9d64-0f4b2d7f1a11");
	assert_string_equal(json_string_value(json_object_get(j, "part")), "photo");
	json_decref(j);
	http_resp_release(&r);

	/* Percent-escapes are not decoded into the path: %2F cannot forge a segment. */
	http_get(&srv, "/api/v1/_test/things/a%2Fb/parts/c", &r);
	assert_int_equal(r.status, 200);
	j = http_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "a%2Fb");
	json_decref(j);
	http_resp_release(&r);
}

static void test_cors(void **state)
{
	(void)state;
	struct http_resp r;
	char v[256];
	const char *const allowed[] = {"Origin: https://app.example.cn", NULL};
	request("GET", "/healthz", allowed, NULL, &r);
	assert_true(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
	assert_string_equal(v, "https://app.example.cn");
	assert_true(http_header(&r, "Vary", v, sizeof v));
	assert_string_equal(v, "Origin");
	assert_true(http_header(&r, "Access-Control-Expose-Headers", v, sizeof v));
	assert_non_null(strstr(v, "X-Request-Id"));
	http_resp_release(&r);

	const char *const other[] = {"Origin: https://evil.example.com", NULL};
	request("GET", "/healthz", other, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_false(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
	http_resp_release(&r);

	const char *const preflight[] = {"Origin: https://app.example.cn", "Access-Control-Request-Method: POST",
	                                 "Access-Control-Request-Headers: content-type, authorization", NULL};
	request("OPTIONS", "/api/v1/_test/echo", preflight, NULL, &r);
	assert_int_equal(r.status, 204);
	assert_true(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
	assert_string_equal(v, "https://app.example.cn");
	assert_true(http_header(&r, "Access-Control-Allow-Methods", v, sizeof v));
	assert_string_equal(v, "POST, OPTIONS");
	assert_true(http_header(&r, "Access-Control-Allow-Headers", v, sizeof v));
	assert_non_null(strstr(v, "Authorization"));
	http_resp_release(&r);

	const char *const preflight_evil[] = {"Origin: https://evil.example.com", "Access-Control-Request-Method: POST",
	                                      NULL};
	request("OPTIONS", "/api/v1/_test/echo", preflight_evil, NULL, &r);
	assert_int_equal(r.status, 204);
	assert_false(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
	assert_false(http_header(&r, "Access-Control-Allow-Methods", v, sizeof v));
	http_resp_release(&r);
}

static void test_openapi_served(void **state)
{
	(void)state;
	const char *src = getenv("INSPECTD_SOURCE_DIR");
	assert_non_null(src);
	char path[512];
	snprintf(path, sizeof path, "%s/api-spec/openapi.yaml", src);
	struct buf want = BUF_INIT;
	assert_int_equal(read_file(path, &want), 0);
	struct http_resp r;
	http_get(&srv, "/openapi.yaml", &r);
	assert_int_equal(r.status, 200);
	char v[128];
	assert_true(http_header(&r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "application/yaml; charset=utf-8");
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.data, want.len);
	http_resp_release(&r);
	buf_release(&want);
}

/* GET /docs: the page around the Redoc bundle, byte for byte the committed
 * head and tail, with a policy that keeps it on this origin (tests/docs/
 * renders it in Chromium). Public; other methods are refused. */
static void test_docs_served(void **state)
{
	(void)state;
	const char *src = getenv("INSPECTD_SOURCE_DIR");
	assert_non_null(src);
	char path[512];
	struct buf head = BUF_INIT, tail = BUF_INIT;
	snprintf(path, sizeof path, "%s/api-spec/docs/page-head.html", src);
	assert_int_equal(read_file(path, &head), 0);
	snprintf(path, sizeof path, "%s/api-spec/docs/page-tail.html", src);
	assert_int_equal(read_file(path, &tail), 0);

	struct http_resp r;
	http_get(&srv, "/docs", &r);
	assert_int_equal(r.status, 200);
	char v[512];
	assert_true(http_header(&r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/html; charset=utf-8");
	assert_true(http_header(&r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-cache");
	assert_true(http_header(&r, "X-Content-Type-Options", v, sizeof v));
	assert_string_equal(v, "nosniff");
	assert_true(http_header(&r, "Content-Security-Policy", v, sizeof v));
	assert_non_null(strstr(v, "default-src 'none'"));
	assert_non_null(strstr(v, "connect-src 'self'"));
	assert_true(r.body.len > head.len + tail.len + 100000); /* Redoc's bundle is in between */
	assert_memory_equal(r.body.data, head.data, head.len);
	assert_memory_equal(r.body.data + r.body.len - tail.len, tail.data, tail.len);
	assert_non_null(strstr(buf_cstr(&head), "<redoc spec-url=\"/openapi.yaml\""));
	http_resp_release(&r);
	buf_release(&head);
	buf_release(&tail);

	request("POST", "/docs", (const char *const[]){"Content-Type: application/json", NULL}, "{}", &r);
	assert_problem(&r, 405, "method_not_allowed");
	http_resp_release(&r);
}

static void test_metrics(void **state)
{
	(void)state;
	struct http_resp r;
	http_get(&srv, "/healthz", &r);
	http_resp_release(&r);
	http_get(&srv, "/api/v1/does-not-exist", &r);
	http_resp_release(&r);
	http_get(&srv, "/metrics", &r);
	assert_int_equal(r.status, 200);
	char v[128];
	assert_true(http_header(&r, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; version=0.0.4; charset=utf-8");
	const char *m = buf_cstr(&r.body);
	assert_non_null(strstr(m, "# TYPE inspectd_http_requests_total counter"));
	assert_non_null(strstr(m, "inspectd_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} "));
	assert_non_null(strstr(m, "inspectd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} "));
	assert_non_null(strstr(
	        m, "inspectd_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\",le=\"+Inf\"} "));
	/* raw client paths never become labels */
	assert_null(strstr(m, "does-not-exist"));
	http_resp_release(&r);
	/* The metrics request itself is in flight while it renders. A request
	 * whose answer the client already has may still be finishing (its log
	 * line, its metrics) for a moment, so ask again until only this one is
	 * left; a count that leaked would never come back to 1. */
	int alone = 0;
	for (int i = 0; i < 100 && !alone; i++) {
		http_get(&srv, "/metrics", &r);
		alone = strstr(buf_cstr(&r.body), "inspectd_http_requests_in_flight 1\n") != NULL;
		http_resp_release(&r);
		if (!alone)
			sleep_ms(20);
	}
	if (!alone)
		fail_msg("inspectd_http_requests_in_flight never came back to 1 (the /metrics request alone)");
}

static void test_readyz_follows_data_dir(void **state)
{
	(void)state;
	struct http_resp r;
	http_get(&srv, "/readyz", &r);
	assert_int_equal(r.status, 200);
	json_t *j = http_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ready");
	json_decref(j);
	http_resp_release(&r);

	/* Take the data directory away (root ignores permission bits, so a
	 * rename is the portable way to make it unwritable). */
	char moved[400];
	snprintf(moved, sizeof moved, "%s.moved", srv.data_dir);
	assert_int_equal(rename(srv.data_dir, moved), 0);
	http_get(&srv, "/readyz", &r);
	assert_problem(&r, 503, "not_ready");
	j = http_json(&r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "checks"), "data_dir")),
	                    "not writable");
	json_decref(j);
	char v[16];
	assert_true(http_header(&r, "Retry-After", v, sizeof v));
	http_resp_release(&r);
	/* liveness is unaffected */
	http_get(&srv, "/healthz", &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
	assert_int_equal(rename(moved, srv.data_dir), 0);
	http_get(&srv, "/readyz", &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
}

static void test_keep_alive_reuses_connection(void **state)
{
	(void)state;
	/* Two pipelined requests on one connection both get answers. */
	static const char two[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
	                          "Connection: close\r\n\r\n";
	struct buf out = BUF_INIT;
	raw_exchange(srv.port, two, sizeof two - 1, 3000, &out);
	const char *first = strstr(buf_cstr(&out), "HTTP/1.1 200 OK");
	assert_non_null(first);
	assert_non_null(strstr(first + 1, "HTTP/1.1 200 OK"));
	buf_release(&out);
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_healthz),
	        cmocka_unit_test(test_request_id_echo_and_generation),
	        cmocka_unit_test(test_unknown_route_404),
	        cmocka_unit_test(test_wrong_method_405),
	        cmocka_unit_test(test_head_and_options),
	        cmocka_unit_test(test_json_echo),
	        cmocka_unit_test(test_malformed_json_400),
	        cmocka_unit_test(test_content_type_415),
	        cmocka_unit_test(test_body_limit_413),
	        cmocka_unit_test(test_framing_attacks_400),
	        cmocka_unit_test(test_civetweb_errors_are_problems),
	        cmocka_unit_test(test_path_parameters),
	        cmocka_unit_test(test_cors),
	        cmocka_unit_test(test_openapi_served),
	        cmocka_unit_test(test_docs_served),
	        cmocka_unit_test(test_metrics),
	        cmocka_unit_test(test_readyz_follows_data_dir),
	        cmocka_unit_test(test_keep_alive_reuses_connection),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_http", tests, group_setup, group_teardown);
}
