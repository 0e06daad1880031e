/*
 * Checklist templates through the real binary: the default 七强 template the
 * migration installs (seven dimensions in order, weights summing to 100,
 * every number item with a threshold), new versions of a key, validation
 * (every bad field listed at once), immutability (no PUT), who may write
 * (admin) and read (everyone), client ids, list order and paging.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	crew_build(&srv, &crew);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_cleanup(&srv);
	return 0;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

/* A valid template of key: two dimensions (60 + 40), one item of every kind. */
static json_t *valid_body(const char *key)
{
	static const char text[] =
	        "{\"name\":\"测试模板\",\"description\":\"用于测试\",\"dimensions\":["
	        "{\"code\":\"d1\",\"label\":\"维度一\",\"weight\":60,\"items\":["
	        "{\"code\":\"i1\",\"text\":\"得分项\",\"kind\":\"score\",\"max_score\":10,\"needs_photo\":false,"
	        "\"source\":null},"
	        "{\"code\":\"i2\",\"text\":\"集体经济收入\",\"kind\":\"number\",\"max_score\":5,\"unit\":\"元\","
	        "\"threshold\":{\"op\":\">=\",\"value\":100000},\"needs_photo\":true,\"source\":\"§三\"},"
	        "{\"code\":\"i3\",\"text\":\"文字项\",\"kind\":\"text\",\"needs_photo\":false,\"source\":null}]},"
	        "{\"code\":\"d2\",\"label\":\"维度二\",\"weight\":40,\"items\":["
	        "{\"code\":\"i4\",\"text\":\"是否项\",\"kind\":\"yes_no\",\"max_score\":4,\"needs_photo\":false,"
	        "\"source\":null}]}]}";
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	if (!j)
		fail_msg("valid_body: %s", err.text);
	json_object_set_new(j, "key", json_string(key));
	return j;
}

/* dimensions[d].items[i] of a body (borrowed). */
static json_t *item_of(json_t *body, size_t d, size_t i)
{
	return json_array_get(json_object_get(json_array_get(json_object_get(body, "dimensions"), d), "items"), i);
}

/* A deep copy of j without its null members (at any depth): what was sent as
 * null may come back absent and the other way round. */
static json_t *without_nulls(const json_t *j)
{
	json_t *c = json_deep_copy(j);
	json_t *stack[64] = {c};
	size_t n = 1;
	while (n > 0) {
		json_t *v = stack[--n];
		if (json_is_object(v)) {
			const char *k;
			json_t *m;
			void *tmp;
			json_object_foreach_safe(v, tmp, k, m)
			{
				if (json_is_null(m))
					json_object_del(v, k);
				else if (n < 64)
					stack[n++] = m;
			}
		} else if (json_is_array(v)) {
			size_t i;
			json_t *m;
			json_array_foreach(v, i, m)
			{
				if (n < 64)
					stack[n++] = m;
			}
		}
	}
	return c;
}

static void post_invalid(const json_t *body, const char *const *fields)
{
	char *text = json_dumps(body, JSON_COMPACT);
	expect_invalid(&srv, "POST", "/api/v1/templates", crew.cast.admin.access, text, fields);
	free(text);
}

static json_t *post_created(const json_t *body, long long want_version)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct http_resp r;
	api_post(&srv, "/api/v1/templates", crew.cast.admin.access, text, &r);
	free(text);
	if (r.status != 201)
		fail_msg("POST /templates: expected 201, got %ld: %.400s", r.status, buf_cstr(&r.body));
	json_t *t = http_json(&r);
	char want[128];
	assert_created(&r, pathf(want, sizeof want, "/api/v1/templates/%s", jstr(t, "id")), want_version);
	assert_int_equal(jint(t, "version"), want_version);
	http_resp_release(&r);
	return t;
}

/* ---- the default template ------------------------------------------------------ */

static void test_default_template(void **state)
{
	(void)state;
	json_t *list = api_expect(&srv, "GET", "/api/v1/templates?key=qiqiang", crew.cast.admin.access, NULL, 200);
	json_t *items = json_object_get(list, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_true(json_is_null(json_object_get(list, "next_cursor")));
	json_t *listed = json_array_get(items, 0);
	assert_string_equal(jstr(listed, "id"), QIQIANG_TEMPLATE_ID);
	assert_string_equal(jstr(listed, "key"), "qiqiang");
	assert_int_equal(jint(listed, "version"), 1);

	char path[128];
	struct http_resp r;
	api_get(&srv, pathf(path, sizeof path, "/api/v1/templates/%s", QIQIANG_TEMPLATE_ID), crew.cast.admin.access,
	        &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *t = http_json(&r);
	http_resp_release(&r);
	assert_true(json_equal(t, listed)); /* the list shows whole templates */
	json_decref(list);

	assert_string_equal(jstr(t, "id"), QIQIANG_TEMPLATE_ID);
	assert_string_equal(jstr(t, "key"), "qiqiang");
	assert_int_equal(jint(t, "version"), 1);
	assert_non_null(jstr(t, "name"));
	assert_true(strlen(jstr(t, "name")) > 0);
	json_t *desc = json_object_get(t, "description");
	assert_true(json_is_null(desc) || json_is_string(desc));
	assert_timestamp(jstr(t, "created_at"));
	assert_timestamp(jstr(t, "updated_at"));

	static const char *const codes[] = {"political_leadership", "leading_goose",  "org_coverage",
	                                    "team_strength",        "talent_support", "development_drive",
	                                    "grassroots_support"};
	json_t *dims = json_object_get(t, "dimensions");
	assert_int_equal(json_array_size(dims), 7);
	long long weights = 0;
	json_t *seen = json_object();
	size_t numbers = 0;
	for (size_t d = 0; d < 7; d++) {
		json_t *dim = json_array_get(dims, d);
		assert_string_equal(jstr(dim, "code"), codes[d]);
		assert_non_null(jstr(dim, "label"));
		assert_true(strlen(jstr(dim, "label")) > 0);
		long long w = jint(dim, "weight");
		assert_true(w >= 1 && w <= 100);
		weights += w;
		json_t *its = json_object_get(dim, "items");
		assert_true(json_array_size(its) >= 1 && json_array_size(its) <= 100);
		size_t i;
		json_t *it;
		json_array_foreach(its, i, it)
		{
			const char *code = jstr(it, "code"), *kind = jstr(it, "kind");
			assert_non_null(code);
			if (json_object_get(seen, code))
				fail_msg("item code %s appears twice", code);
			json_object_set_new(seen, code, json_true());
			assert_non_null(jstr(it, "text"));
			assert_non_null(kind);
			assert_true(json_is_boolean(json_object_get(it, "needs_photo")));
			json_t *src = json_object_get(it, "source");
			assert_true(json_is_null(src) || json_is_string(src));
			json_t *th = json_object_get(it, "threshold");
			if (strcmp(kind, "text") == 0) {
				assert_null(json_object_get(it, "max_score"));
			} else {
				if (strcmp(kind, "score") != 0 && strcmp(kind, "yes_no") != 0 &&
				    strcmp(kind, "number") != 0)
					fail_msg("item %s has kind %s", code, kind);
				long long m = jint(it, "max_score");
				if (m < 1 || m > 100)
					fail_msg("item %s: max_score %lld", code, m);
			}
			if (strcmp(kind, "number") == 0) {
				numbers++;
				if (!json_is_object(th))
					fail_msg("number item %s has no threshold", code);
				const char *op = jstr(th, "op");
				assert_non_null(op);
				assert_true(strcmp(op, ">=") == 0 || strcmp(op, "<=") == 0);
				assert_true(json_is_number(json_object_get(th, "value")));
				json_t *unit = json_object_get(it, "unit");
				assert_true(json_is_null(unit) || json_is_string(unit));
			} else {
				if (th && !json_is_null(th))
					fail_msg("%s item %s has a threshold", kind, code);
			}
		}
	}
	assert_int_equal(weights, 100);
	assert_true(numbers >= 1);
	json_decref(seen);
	/* The seed's 村级集体经济 ≥ 100,000 indicator is one of the number items. */
	json_t *collective = template_collective_item(t);
	assert_string_equal(jstr(collective, "kind"), "number");
	json_decref(t);
}

/* ---- reading ------------------------------------------------------------------- */

static void test_read_every_role(void **state)
{
	(void)state;
	const struct tokens *who[] = {&crew.cast.admin, &crew.cast.supervisor, &crew.cast.inspector,
	                              &crew.cast.cadre, &crew.cast.viewer,     &crew.sup_b,
	                              &crew.viewer_a,   &crew.insp_city,       &crew.insp_two};
	char path[128];
	pathf(path, sizeof path, "/api/v1/templates/%s", QIQIANG_TEMPLATE_ID);
	for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
		json_t *t = api_expect(&srv, "GET", path, who[i]->access, NULL, 200);
		assert_string_equal(jstr(t, "id"), QIQIANG_TEMPLATE_ID);
		assert_int_equal(json_array_size(json_object_get(t, "dimensions")), 7);
		json_decref(t);
		json_t *all = api_list_all(&srv, "/api/v1/templates", who[i]->access, 50);
		assert_non_null(find_by(all, "id", QIQIANG_TEMPLATE_ID));
		json_decref(all);
	}
	/* Unknown ids, malformed ids, no token. */
	expect_problem(&srv, "GET", "/api/v1/templates/7c9e6679-7425-40de-944b-e07fc1f90ae7", crew.cast.admin.access,
	               NULL, 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/templates/not-a-uuid", crew.cast.admin.access, NULL, 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/templates?key=no-such-key", NULL, NULL, 401, "unauthorized");
	struct http_resp r;
	api_get(&srv, path, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	json_t *none = api_expect(&srv, "GET", "/api/v1/templates?key=no-such-key", crew.cast.cadre.access, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(none, "items")), 0);
	assert_true(json_is_null(json_object_get(none, "next_cursor")));
	json_decref(none);
}

/* ---- writing ------------------------------------------------------------------- */

static void test_create_versions(void **state)
{
	(void)state;
	/* A new key starts at version 1 and echoes what was sent. */
	json_t *body = valid_body("test-versions");
	json_t *v1 = post_created(body, 1);
	assert_string_equal(jstr(v1, "key"), "test-versions");
	assert_string_equal(jstr(v1, "name"), "测试模板");
	assert_string_equal(jstr(v1, "description"), "用于测试");
	assert_int_equal(strlen(jstr(v1, "id")), 36);
	assert_timestamp(jstr(v1, "created_at"));
	assert_timestamp(jstr(v1, "updated_at"));
	json_t *sent = without_nulls(json_object_get(body, "dimensions"));
	json_t *got = without_nulls(json_object_get(v1, "dimensions"));
	if (!json_equal(sent, got))
		fail_msg("the dimensions do not come back as sent");
	json_decref(sent);
	json_decref(got);

	/* The same key again is version 2 under a new id; version 1 stays. */
	json_object_set_new(body, "name", json_string("测试模板（修订）"));
	json_t *v2 = post_created(body, 2);
	assert_string_equal(jstr(v2, "key"), "test-versions");
	assert_string_equal(jstr(v2, "name"), "测试模板（修订）");
	assert_string_not_equal(jstr(v2, "id"), jstr(v1, "id"));
	json_t *again = template_fetch(&srv, crew.cast.inspector.access, jstr(v1, "id"));
	assert_true(json_equal(again, v1));
	json_decref(again);

	/* Admin makes a new version of the default: 2. */
	json_t *q = valid_body("qiqiang");
	json_t *q2 = post_created(q, 2);
	assert_string_equal(jstr(q2, "key"), "qiqiang");
	json_t *list = api_list_all(&srv, "/api/v1/templates?key=qiqiang", crew.cast.viewer.access, 50);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(jstr(json_array_get(list, 0), "id"), QIQIANG_TEMPLATE_ID);
	assert_int_equal(jint(json_array_get(list, 0), "version"), 1);
	assert_string_equal(jstr(json_array_get(list, 1), "id"), jstr(q2, "id"));
	assert_int_equal(jint(json_array_get(list, 1), "version"), 2);
	json_decref(list);
	/* The default is untouched. */
	json_t *d = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	assert_int_equal(jint(d, "version"), 1);
	assert_int_equal(json_array_size(json_object_get(d, "dimensions")), 7);
	json_decref(d);

	/* A sent version is not the client's to choose. */
	json_object_set_new(q, "version", json_integer(9));
	post_invalid(q, (const char *const[]){"version", NULL});

	json_decref(q);
	json_decref(q2);
	json_decref(v1);
	json_decref(v2);
	json_decref(body);
}

static void test_create_with_client_id(void **state)
{
	(void)state;
	char id[ID_LEN];
	uuid_v4(id);
	json_t *body = valid_body("test-client-id");
	json_object_set_new(body, "id", json_string(id));
	json_t *t = post_created(body, 1);
	assert_string_equal(jstr(t, "id"), id);

	/* The same create again: 200 with the stored template, no new version. */
	json_t *again = api_expect_j(&srv, "POST", "/api/v1/templates", crew.cast.admin.access, body, 200);
	assert_true(json_equal(again, t));
	json_decref(again);
	assert_int_equal(api_count(&srv, "/api/v1/templates?key=test-client-id", crew.cast.admin.access), 1);

	/* The same id with another body: 409 id_conflict, nothing changes. */
	json_object_set_new(body, "name", json_string("另一个模板"));
	char *text = json_dumps(body, JSON_COMPACT);
	expect_problem(&srv, "POST", "/api/v1/templates", crew.cast.admin.access, text, 409, "id_conflict");
	free(text);
	json_t *stored = template_fetch(&srv, crew.cast.admin.access, id);
	assert_true(json_equal(stored, t));
	json_decref(stored);
	assert_int_equal(api_count(&srv, "/api/v1/templates?key=test-client-id", crew.cast.admin.access), 1);

	/* A malformed client id. */
	json_object_set_new(body, "id", json_string("not-a-uuid"));
	post_invalid(body, (const char *const[]){"id", NULL});
	json_decref(t);
	json_decref(body);
}

static void test_create_validation(void **state)
{
	(void)state;
	const char *key = "test-invalid";

	/* Weights that do not sum to 100. */
	json_t *b = valid_body(key);
	json_object_set_new(json_array_get(json_object_get(b, "dimensions"), 1), "weight", json_integer(30));
	post_invalid(b, (const char *const[]){"dimensions|dimensions[0].weight|dimensions[1].weight", NULL});
	json_decref(b);

	/* Item codes unique across the template (not only within a dimension). */
	b = valid_body(key);
	json_object_set_new(item_of(b, 1, 0), "code", json_string("i1"));
	post_invalid(b, (const char *const[]){"dimensions[1].items[0].code|dimensions[0].items[0].code", NULL});
	json_decref(b);

	/* A number item without a threshold. */
	b = valid_body(key);
	json_object_del(item_of(b, 0, 1), "threshold");
	post_invalid(b, (const char *const[]){"dimensions[0].items[1].threshold", NULL});
	json_decref(b);

	/* A text item with a max_score. */
	b = valid_body(key);
	json_object_set_new(item_of(b, 0, 2), "max_score", json_integer(5));
	post_invalid(b, (const char *const[]){"dimensions[0].items[2].max_score", NULL});
	json_decref(b);

	/* An unknown kind. */
	b = valid_body(key);
	json_object_set_new(item_of(b, 0, 0), "kind", json_string("rating"));
	post_invalid(b, (const char *const[]){"dimensions[0].items[0].kind", NULL});
	json_decref(b);

	/* Unknown fields, at the top and inside an item. */
	b = valid_body(key);
	json_object_set_new(b, "colour", json_string("red"));
	char *text = json_dumps(b, JSON_COMPACT);
	struct http_resp r;
	api_post(&srv, "/api/v1/templates", crew.cast.admin.access, text, &r);
	free(text);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	json_decref(b);
	b = valid_body(key);
	json_object_set_new(item_of(b, 1, 0), "colour", json_string("red"));
	text = json_dumps(b, JSON_COMPACT);
	api_post(&srv, "/api/v1/templates", crew.cast.admin.access, text, &r);
	free(text);
	assert_unknown_field(&r, "dimensions[1].items[0].colour");
	http_resp_release(&r);
	json_decref(b);

	/* Everything at once: every bad field is listed in one answer. */
	b = valid_body(key);
	json_object_set_new(json_array_get(json_object_get(b, "dimensions"), 0), "weight", json_integer(10));
	json_object_set_new(item_of(b, 0, 0), "kind", json_string("rating"));
	json_object_del(item_of(b, 0, 1), "threshold");
	json_object_set_new(item_of(b, 0, 2), "max_score", json_integer(5));
	json_object_set_new(item_of(b, 1, 0), "code", json_string("i2"));
	json_object_set_new(b, "colour", json_string("red"));
	post_invalid(b, (const char *const[]){
	                        "dimensions|dimensions[0].weight|dimensions[1].weight", "dimensions[0].items[0].kind",
	                        "dimensions[0].items[1].threshold", "dimensions[0].items[2].max_score",
	                        "dimensions[1].items[0].code|dimensions[0].items[1].code", "colour", NULL});
	json_decref(b);

	/* Missing and malformed members. */
	expect_invalid(&srv, "POST", "/api/v1/templates", crew.cast.admin.access, "{}",
	               (const char *const[]){"key", "name", "dimensions", NULL});
	b = valid_body(key);
	json_object_set_new(b, "dimensions", json_array());
	post_invalid(b, (const char *const[]){"dimensions", NULL});
	json_decref(b);
	b = valid_body(key);
	json_object_set_new(json_array_get(json_object_get(b, "dimensions"), 1), "items", json_array());
	post_invalid(b, (const char *const[]){"dimensions[1].items", NULL});
	json_decref(b);
	b = valid_body(key);
	json_object_set_new(item_of(b, 0, 0), "max_score", json_integer(0));
	json_object_set_new(item_of(b, 1, 0), "max_score", json_integer(101));
	post_invalid(
	        b, (const char *const[]){"dimensions[0].items[0].max_score", "dimensions[1].items[0].max_score", NULL});
	json_decref(b);
	b = valid_body(key);
	json_object_del(item_of(b, 0, 0), "max_score"); /* a score item needs one */
	post_invalid(b, (const char *const[]){"dimensions[0].items[0].max_score", NULL});
	json_decref(b);
	b = valid_body(key);
	json_object_set_new(json_object_get(item_of(b, 0, 1), "threshold"), "op", json_string("=="));
	post_invalid(
	        b, (const char *const[]){"dimensions[0].items[1].threshold.op|dimensions[0].items[1].threshold", NULL});
	json_decref(b);
	b = valid_body(key); /* a threshold on a score item */
	json_object_set_new(item_of(b, 0, 0), "threshold", json_pack("{s:s, s:i}", "op", ">=", "value", 5));
	post_invalid(b, (const char *const[]){"dimensions[0].items[0].threshold", NULL});
	json_decref(b);
	b = valid_body(key); /* 21 dimensions */
	json_t *dims = json_object_get(b, "dimensions");
	for (int i = 0; i < 19; i++) {
		char code[16];
		snprintf(code, sizeof code, "dx%d", i);
		json_t *dim = json_deep_copy(json_array_get(dims, 1));
		json_object_set_new(dim, "code", json_string(code));
		json_object_set_new(dim, "weight", json_integer(0));
		json_object_set_new(json_array_get(json_object_get(dim, "items"), 0), "code", json_string(code));
		json_array_append_new(dims, dim);
	}
	post_invalid(b, (const char *const[]){"dimensions", NULL});
	json_decref(b);

	/* None of them was created. */
	assert_int_equal(api_count(&srv, "/api/v1/templates?key=test-invalid", crew.cast.admin.access), 0);
}

static void test_only_admin_writes(void **state)
{
	(void)state;
	json_t *b = valid_body("test-forbidden");
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	const struct tokens *who[] = {&crew.cast.supervisor, &crew.cast.inspector, &crew.cast.cadre,
	                              &crew.cast.viewer,     &crew.insp_city,      &crew.sup_b};
	for (size_t i = 0; i < sizeof who / sizeof who[0]; i++)
		expect_problem(&srv, "POST", "/api/v1/templates", who[i]->access, text, 403, "forbidden");
	struct http_resp r;
	api_post(&srv, "/api/v1/templates", NULL, text, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	free(text);
	assert_int_equal(api_count(&srv, "/api/v1/templates?key=test-forbidden", crew.cast.admin.access), 0);
}

static void test_immutable(void **state)
{
	(void)state;
	char path[128];
	pathf(path, sizeof path, "/api/v1/templates/%s", QIQIANG_TEMPLATE_ID);
	static const char *const methods[] = {"PUT", "DELETE", "PATCH"};
	for (size_t i = 0; i < 3; i++) {
		struct http_resp r;
		api_call(&srv, methods[i], path, crew.cast.admin.access,
		         strcmp(methods[i], "DELETE") ? "{\"name\":\"x\"}" : NULL, NULL, &r);
		assert_problem(&r, 405, "method_not_allowed");
		char allow[64];
		assert_true(http_header(&r, "Allow", allow, sizeof allow));
		assert_string_equal(allow, "GET, HEAD");
		http_resp_release(&r);
	}
	json_t *t = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	assert_int_equal(jint(t, "version"), 1);
	assert_string_not_equal(jstr(t, "name"), "x");
	json_decref(t);
}

/* ---- lists ----------------------------------------------------------------------- */

static void test_list_order_and_sync(void **state)
{
	(void)state;
	/* Three versions of a key created out of alphabetical order with another key. */
	json_t *b = valid_body("test-order-b");
	json_decref(post_created(b, 1));
	json_decref(b);
	b = valid_body("test-order-a");
	json_decref(post_created(b, 1));
	json_decref(post_created(b, 2));
	json_decref(b);

	/* Ordered by key, then version, page by page. */
	json_t *all = api_list_all(&srv, "/api/v1/templates", crew.cast.inspector.access, 1);
	assert_true(json_array_size(all) >= 4);
	for (size_t i = 1; i < json_array_size(all); i++) {
		json_t *a = json_array_get(all, i - 1), *c = json_array_get(all, i);
		int k = strcmp(jstr(a, "key"), jstr(c, "key"));
		if (k > 0 || (k == 0 && jint(a, "version") >= jint(c, "version")))
			fail_msg("templates out of order: %s v%lld before %s v%lld", jstr(a, "key"), jint(a, "version"),
			         jstr(c, "key"), jint(c, "version"));
	}
	json_decref(all);

	/* Sync: a token, then a new version, then exactly that change. */
	char token[512], since[64];
	json_t *first = sync_walk(&srv, "/api/v1/templates", crew.cast.cadre.access,
	                          utc_stamp(-3600, since, sizeof since), 50, token, sizeof token);
	assert_non_null(find_by(first, "id", QIQIANG_TEMPLATE_ID));
	json_decref(first);
	b = valid_body("test-order-b");
	json_t *v2 = post_created(b, 2);
	json_decref(b);
	json_t *changes = sync_walk(&srv, "/api/v1/templates", crew.cast.cadre.access, token, 50, token, sizeof token);
	assert_int_equal(json_array_size(changes), 1);
	assert_string_equal(jstr(json_array_get(changes, 0), "id"), jstr(v2, "id"));
	json_decref(changes);
	changes = sync_walk(&srv, "/api/v1/templates", crew.cast.cadre.access, token, 50, NULL, 0);
	assert_int_equal(json_array_size(changes), 0);
	json_decref(changes);
	json_decref(v2);

	/* Bad list parameters. */
	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?limit=0", "limit"},
	        {"?limit=201", "limit"},
	        {"?cursor=garbage", "cursor"},
	        {"?updated_since=yesterday", "updated_since"},
	        {"?updated_since=2023-13-45T00:00:00Z", "updated_since"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128];
		expect_invalid(&srv, "GET", pathf(path, sizeof path, "/api/v1/templates%s", bad[i].query),
		               crew.cast.admin.access, NULL, (const char *const[]){bad[i].field, NULL});
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_default_template),  cmocka_unit_test(test_read_every_role),
	        cmocka_unit_test(test_create_versions),   cmocka_unit_test(test_create_with_client_id),
	        cmocka_unit_test(test_create_validation), cmocka_unit_test(test_only_admin_writes),
	        cmocka_unit_test(test_immutable),         cmocka_unit_test(test_list_order_and_sync),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_templates", tests, group_setup, group_teardown);
}
