/*
 * The organization tree through the real binary: creation rules (one level
 * below the parent, field validation, unique codes, client ids), updates
 * (versions, ETag, If-Match, immutable level and parent), children, list
 * filters and cursor pagination, and the scope matrix — every role reads
 * exactly its own subtree, writes are the admin's, and outside the subtree
 * objects do not exist (404).
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
static struct org_tree tree;
static struct cast cast;
static char town_c[ID_LEN]; /* a town for the tests that add organizations */

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	fixture_build(&srv, &tree, &cast);
	api_create_org(&srv, cast.admin.access, "town-c", "南湖镇", "town", tree.city, NULL, town_c);
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

static const char *org_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	snprintf(out, outlen, "/api/v1/orgs/%s%s", id, suffix ? suffix : "");
	return out;
}

/* POST /api/v1/orgs with body as admin; the response in r. */
static void post_org(const char *bearer, const char *body, struct http_resp *r)
{
	api_post(&srv, "/api/v1/orgs", bearer, body, r);
}

static void expect_create_invalid(const char *body, const char *const *fields)
{
	struct http_resp r;
	post_org(cast.admin.access, body, &r);
	if (r.status != 422)
		fail_msg("POST /orgs %s: expected 422, got %ld: %.300s", body, r.status, buf_cstr(&r.body));
	assert_validation(&r, fields);
	http_resp_release(&r);
}

/* ---- shape ------------------------------------------------------------------- */

static void test_org_shape(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	char path[128], want_path[200];
	struct http_resp r;

	api_get(&srv, org_path(tree.city, NULL, path, sizeof path), admin, &r);
	assert_int_equal(r.status, 200);
	json_t *root = http_json(&r);
	assert_etag(&r, jint(root, "version"));
	http_resp_release(&r);
	assert_string_equal(jstr(root, "code"), "root");
	assert_string_equal(jstr(root, "name"), "本市");
	assert_string_equal(jstr(root, "level"), "city");
	assert_true(json_is_null(json_object_get(root, "parent_id")));
	snprintf(want_path, sizeof want_path, "/%s/", tree.city);
	assert_string_equal(jstr(root, "path"), want_path);
	json_decref(root);

	api_get(&srv, org_path(tree.group_a1, NULL, path, sizeof path), admin, &r);
	assert_int_equal(r.status, 200);
	json_t *g = http_json(&r);
	assert_etag(&r, jint(g, "version"));
	http_resp_release(&r);
	assert_string_equal(jstr(g, "id"), tree.group_a1);
	assert_string_equal(jstr(g, "code"), "grp-a1");
	assert_string_equal(jstr(g, "name"), "东山村一组");
	assert_string_equal(jstr(g, "level"), "group");
	assert_string_equal(jstr(g, "parent_id"), tree.village_a1);
	snprintf(want_path, sizeof want_path, "/%s/%s/%s/%s/", tree.city, tree.town_a, tree.village_a1, tree.group_a1);
	assert_string_equal(jstr(g, "path"), want_path);
	assert_true(json_is_null(json_object_get(g, "category")));
	assert_string_equal(jstr(g, "status"), "normal");
	assert_true(jint(g, "version") >= 1);
	assert_timestamp(jstr(g, "created_at"));
	assert_timestamp(jstr(g, "updated_at"));
	json_decref(g);

	/* A create answers 201 with Location and ETag. */
	char *body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", "vil-c0", "name", "湖滨村", "level", "village",
	                   "parent_id", town_c, "category", "consolidate", "status", "weak");
	post_org(admin, body, &r);
	free(body);
	assert_int_equal(r.status, 201);
	json_t *v = http_json(&r);
	assert_etag(&r, jint(v, "version"));
	char loc[256], want_loc[128];
	assert_true(http_header(&r, "Location", loc, sizeof loc));
	snprintf(want_loc, sizeof want_loc, "/api/v1/orgs/%s", jstr(v, "id"));
	assert_true(strlen(loc) >= strlen(want_loc));
	assert_string_equal(loc + strlen(loc) - strlen(want_loc), want_loc);
	assert_string_equal(jstr(v, "category"), "consolidate");
	assert_string_equal(jstr(v, "status"), "weak");
	assert_string_equal(jstr(v, "parent_id"), town_c);
	json_decref(v);
	http_resp_release(&r);
}

/* ---- create ------------------------------------------------------------------ */

static void test_create_level_rules(void **state)
{
	(void)state;
	struct {
		const char *level, *parent;
	} bad[] = {
	        {"village", tree.city},     /* skips a level */
	        {"group", tree.town_a},     /* skips a level */
	        {"town", tree.town_a},      /* same level as the parent */
	        {"city", tree.city},        /* a city has no parent */
	        {"town", NULL},             /* a town needs one */
	        {"village", tree.group_a1}, /* below a group there is nothing */
	        {"town", tree.village_a1},  /* upwards */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "code", "lvl-bad", "name", "层级错误", "level", bad[i].level);
		json_object_set_new(o, "parent_id", bad[i].parent ? json_string(bad[i].parent) : json_null());
		char *body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		expect_create_invalid(body, (const char *const[]){"level|parent_id", NULL});
		free(body);
	}
	/* None of them was created. */
	char *esc = qs_escape("层级错误"), path[128];
	snprintf(path, sizeof path, "/api/v1/orgs?q=%s", esc);
	free(esc);
	json_t *all = api_list_all(&srv, path, cast.admin.access, 50);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
}

static void test_create_validation(void **state)
{
	(void)state;
	char body[1024];
	expect_create_invalid("{}", (const char *const[]){"code", "name", "level", NULL});
	snprintf(body, sizeof body, "{\"level\":\"town\",\"parent_id\":\"%s\"}", tree.city);
	expect_create_invalid(body, (const char *const[]){"code", "name", NULL});
	snprintf(body, sizeof body, "{\"code\":\"x1\",\"name\":\"n\",\"level\":\"county\",\"parent_id\":\"%s\"}",
	         tree.city);
	expect_create_invalid(body, (const char *const[]){"level", NULL});
	snprintf(body, sizeof body,
	         "{\"code\":\"x2\",\"name\":\"n\",\"level\":\"town\",\"parent_id\":\"%s\",\"category\":\"gold\","
	         "\"status\":\"lazy\"}",
	         tree.city);
	expect_create_invalid(body, (const char *const[]){"category", "status", NULL});
	/* Wrong types. */
	snprintf(body, sizeof body, "{\"code\":7,\"name\":[\"n\"],\"level\":\"town\",\"parent_id\":\"%s\"}", tree.city);
	expect_create_invalid(body, (const char *const[]){"code", "name", NULL});
	/* Codes: 1-64 of [A-Za-z0-9._-]. */
	static const char *const bad_codes[] = {
	        "",     "a b",    "a/b",
	        "编码", "a\\\"b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
		snprintf(body, sizeof body, "{\"code\":\"%s\",\"name\":\"n\",\"level\":\"town\",\"parent_id\":\"%s\"}",
		         bad_codes[i], tree.city);
		expect_create_invalid(body, (const char *const[]){"code", NULL});
	}
	/* Names: 1-100 characters. */
	char long_name[128];
	memset(long_name, 'n', 101);
	long_name[101] = '\0';
	const char *bad_names[] = {"", long_name};
	for (size_t i = 0; i < 2; i++) {
		snprintf(body, sizeof body,
		         "{\"code\":\"n-bad\",\"name\":\"%s\",\"level\":\"town\",\"parent_id\":\"%s\"}", bad_names[i],
		         tree.city);
		expect_create_invalid(body, (const char *const[]){"name", NULL});
	}
	/* Parents that do not exist or are no id. */
	static const char *const bad_parents[] = {"\"7d9f7e3a-1111-4222-8333-944455556666\"", "\"not-a-uuid\"", "42"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"code\":\"p-bad\",\"name\":\"n\",\"level\":\"town\",\"parent_id\":%s}",
		         bad_parents[i]);
		expect_create_invalid(body, (const char *const[]){"parent_id", NULL});
	}
	/* A client id must be a UUID. */
	snprintf(body, sizeof body,
	         "{\"id\":\"org-1\",\"code\":\"id-bad\",\"name\":\"n\",\"level\":\"town\",\"parent_id\":\"%s\"}",
	         tree.city);
	expect_create_invalid(body, (const char *const[]){"id", NULL});
	/* Unknown fields are named. */
	snprintf(body, sizeof body,
	         "{\"code\":\"u-bad\",\"name\":\"n\",\"level\":\"town\",\"parent_id\":\"%s\",\"colour\":\"red\"}",
	         tree.city);
	struct http_resp r;
	post_org(cast.admin.access, body, &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	/* Malformed JSON. */
	post_org(cast.admin.access, "{\"code\":", &r);
	assert_problem(&r, 400, "malformed_json");
	http_resp_release(&r);

	/* A name is measured in characters, not bytes: 100 Chinese ones fit. */
	struct buf name = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_adds(&name, "村");
	api_create_org(&srv, cast.admin.access, "long-name", buf_cstr(&name), "village", town_c, NULL, NULL);
	buf_release(&name);

	/* Codes are unique. */
	snprintf(body, sizeof body, "{\"code\":\"town-a\",\"name\":\"又一个\",\"level\":\"town\",\"parent_id\":\"%s\"}",
	         tree.city);
	post_org(cast.admin.access, body, &r);
	assert_problem(&r, 409, "code_taken");
	http_resp_release(&r);
}

static void test_create_with_client_id(void **state)
{
	(void)state;
	static const char id[] = "3b0e7c4e-7f0a-4c1e-9d3b-2f6a1c5e8d01";
	char body[512], path[128];
	snprintf(
	        body, sizeof body,
	        "{\"id\":\"%s\",\"code\":\"vil-cid\",\"name\":\"客户端村\",\"level\":\"village\",\"parent_id\":\"%s\"}",
	        id, town_c);
	json_t *o = api_expect(&srv, "POST", "/api/v1/orgs", cast.admin.access, body, 201);
	assert_string_equal(jstr(o, "id"), id);
	long long version = jint(o, "version");
	json_decref(o);
	o = api_expect(&srv, "GET", org_path(id, NULL, path, sizeof path), cast.admin.access, NULL, 200);
	assert_string_equal(jstr(o, "code"), "vil-cid");
	json_decref(o);

	/* API.md: the same create again (a phone retrying) returns the stored
	 * object with 200; the same id with another body is a conflict. */
	o = api_expect(&srv, "POST", "/api/v1/orgs", cast.admin.access, body, 200);
	assert_string_equal(jstr(o, "id"), id);
	assert_int_equal(jint(o, "version"), version);
	json_decref(o);
	snprintf(body, sizeof body,
	         "{\"id\":\"%s\",\"code\":\"vil-cid2\",\"name\":\"另一个村\",\"level\":\"village\",\"parent_id\":\"%"
	         "s\"}",
	         id, town_c);
	/* api-spec/openapi.yaml names the code: id_conflict. */
	struct http_resp r;
	post_org(cast.admin.access, body, &r);
	assert_problem(&r, 409, "id_conflict");
	http_resp_release(&r);
	o = api_expect(&srv, "GET", org_path(id, NULL, path, sizeof path), cast.admin.access, NULL, 200);
	assert_string_equal(jstr(o, "code"), "vil-cid");
	json_decref(o);
}

/* ---- update ------------------------------------------------------------------ */

static void put_org(const char *bearer, const char *id, const char *body, const char *if_match, struct http_resp *r)
{
	char path[128], header[64];
	const char *const headers[] = {header, NULL};
	snprintf(header, sizeof header, "If-Match: %s", if_match ? if_match : "");
	api_call(&srv, "PUT", org_path(id, NULL, path, sizeof path), bearer, body, if_match ? headers : NULL, r);
}

static void test_update(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	char id[ID_LEN], path[128];
	api_create_org(&srv, admin, "vil-put", "旧名村", "village", town_c, "pilot", id);
	json_t *o = api_expect(&srv, "GET", org_path(id, NULL, path, sizeof path), admin, NULL, 200);
	long long v = jint(o, "version");
	char created_at[64];
	snprintf(created_at, sizeof created_at, "%s", jstr(o, "created_at"));
	json_decref(o);

	struct http_resp r;
	put_org(admin, id, "{\"name\":\"新名村\",\"category\":\"breakthrough\",\"status\":\"rectifying\"}", NULL, &r);
	assert_int_equal(r.status, 200);
	o = http_json(&r);
	assert_int_equal(jint(o, "version"), v + 1);
	assert_etag(&r, v + 1);
	assert_string_equal(jstr(o, "name"), "新名村");
	assert_string_equal(jstr(o, "category"), "breakthrough");
	assert_string_equal(jstr(o, "status"), "rectifying");
	assert_string_equal(jstr(o, "code"), "vil-put"); /* absent fields stay */
	assert_string_equal(jstr(o, "level"), "village");
	assert_string_equal(jstr(o, "parent_id"), town_c);
	assert_string_equal(jstr(o, "created_at"), created_at);
	assert_true(strcmp(jstr(o, "updated_at"), created_at) >= 0);
	json_decref(o);
	http_resp_release(&r);

	/* If-Match with the current version succeeds … */
	char etag[32];
	snprintf(etag, sizeof etag, "\"%lld\"", v + 1);
	put_org(admin, id, "{\"status\":\"normal\"}", etag, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, v + 2);
	http_resp_release(&r);
	/* … a stale one is 412 with the current object. */
	put_org(admin, id, "{\"status\":\"weak\"}", etag, &r);
	assert_problem(&r, 412, "version_conflict");
	o = http_json(&r);
	json_t *current = json_object_get(o, "current");
	assert_true(json_is_object(current));
	assert_string_equal(jstr(current, "id"), id);
	assert_int_equal(jint(current, "version"), v + 2);
	assert_string_equal(jstr(current, "status"), "normal");
	json_decref(o);
	http_resp_release(&r);

	/* Level and parent never change; unknown fields and bad values are refused. */
	static const struct {
		const char *body, *field;
	} bad[] = {
	        {"{\"level\":\"town\"}", "level"},       {"{\"status\":\"lazy\"}", "status"},
	        {"{\"category\":\"gold\"}", "category"}, {"{\"name\":\"\"}", "name"},
	        {"{\"code\":\"has space\"}", "code"},    {"{\"id\":\"3b0e7c4e-7f0a-4c1e-9d3b-2f6a1c5e8d02\"}", "id"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put_org(admin, id, bad[i].body, NULL, &r);
		assert_validation(&r, (const char *const[]){bad[i].field, NULL});
		http_resp_release(&r);
	}
	char body[256];
	snprintf(body, sizeof body, "{\"parent_id\":\"%s\"}", tree.town_a);
	put_org(admin, id, body, NULL, &r);
	assert_validation(&r, (const char *const[]){"parent_id", NULL});
	http_resp_release(&r);
	put_org(admin, id, "{\"name\":\"x\",\"colour\":\"red\"}", NULL, &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	/* A code change to a taken code, then to a free one. */
	put_org(admin, id, "{\"code\":\"town-b\"}", NULL, &r);
	assert_problem(&r, 409, "code_taken");
	http_resp_release(&r);
	put_org(admin, id, "{\"code\":\"vil-put-2\"}", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, v + 3);
	http_resp_release(&r);

	/* The refused requests changed nothing. */
	api_get(&srv, org_path(id, NULL, path, sizeof path), admin, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, v + 3);
	o = http_json(&r);
	assert_string_equal(jstr(o, "code"), "vil-put-2");
	assert_string_equal(jstr(o, "name"), "新名村");
	assert_string_equal(jstr(o, "status"), "normal");
	assert_string_equal(jstr(o, "level"), "village");
	assert_string_equal(jstr(o, "parent_id"), town_c);
	json_decref(o);
	http_resp_release(&r);

	put_org(admin, "0d2b6c1a-5e4f-4a3b-9c8d-7e6f5a4b3c2d", "{\"name\":\"无\"}", NULL, &r);
	assert_problem(&r, 404, "not_found");
	http_resp_release(&r);
}

/* ---- children, filters, pagination --------------------------------------------- */

static void expect_children(const char *bearer, const char *id, const char *const *codes_in_order)
{
	char path[128];
	json_t *j = api_expect(&srv, "GET", org_path(id, "/children", path, sizeof path), bearer, NULL, 200);
	json_t *items = json_object_get(j, "items");
	size_t n = 0;
	while (codes_in_order[n])
		n++;
	if (json_array_size(items) != n)
		fail_msg("children of %s: %zu items, want %zu", id, json_array_size(items), n);
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(items, i);
		assert_string_equal(jstr(it, "code"), codes_in_order[i]);
		assert_string_equal(jstr(it, "parent_id"), id);
	}
	json_decref(j);
}

static void test_children(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	char id[ID_LEN];
	/* Children come in code order, whatever the creation order. */
	api_create_org(&srv, admin, "kid-z", "乙村", "village", town_c, NULL, NULL);
	api_create_org(&srv, admin, "kid-b", "丙村", "village", town_c, NULL, id);
	api_create_org(&srv, admin, "grp-kid-2", "二组", "group", id, NULL, NULL);
	api_create_org(&srv, admin, "grp-kid-1", "一组", "group", id, NULL, NULL);
	expect_children(admin, id, (const char *const[]){"grp-kid-1", "grp-kid-2", NULL});
	expect_children(admin, tree.town_a, (const char *const[]){"vil-a1", "vil-a2", NULL});
	expect_children(admin, tree.group_a1, (const char *const[]){NULL});
	expect_children(cast.supervisor.access, tree.town_a, (const char *const[]){"vil-a1", "vil-a2", NULL});
	expect_children(cast.cadre.access, tree.village_a1, (const char *const[]){"grp-a1", NULL});

	/* The city's children are the towns, in code order. */
	char path[128];
	json_t *j = api_expect(&srv, "GET", org_path(tree.city, "/children", path, sizeof path), admin, NULL, 200);
	json_t *items = json_object_get(j, "items");
	assert_true(json_array_size(items) >= 3);
	for (size_t i = 0; i < json_array_size(items); i++) {
		assert_string_equal(jstr(json_array_get(items, i), "level"), "town");
		if (i > 0)
			assert_true(strcmp(jstr(json_array_get(items, i - 1), "code"),
			                   jstr(json_array_get(items, i), "code")) < 0);
	}
	json_decref(j);

	assert_int_equal(api_status(&srv,
	                            org_path("0d2b6c1a-5e4f-4a3b-9c8d-7e6f5a4b3c2d", "/children", path, sizeof path),
	                            admin),
	                 404);
}

static void expect_list(const char *bearer, const char *query, const char *const *codes)
{
	char path[512];
	snprintf(path, sizeof path, "/api/v1/orgs%s", query);
	json_t *all = api_list_all(&srv, path, bearer, 50);
	assert_key_set(all, "code", codes);
	json_decref(all);
}

static void test_list_filters(void **state)
{
	(void)state;
	const char *sup = cast.supervisor.access;
	char q[256], path[128];
	/* vil-a2 becomes weak for the status filter. */
	char *body = jbody("{s:s}", "status", "weak");
	json_decref(api_expect(&srv, "PUT", org_path(tree.village_a2, NULL, path, sizeof path), cast.admin.access, body,
	                       200));
	free(body);

	expect_list(sup, "?level=village", (const char *const[]){"vil-a1", "vil-a2", NULL});
	expect_list(sup, "?level=town", (const char *const[]){"town-a", NULL});
	snprintf(q, sizeof q, "?parent_id=%s", tree.town_a);
	expect_list(sup, q, (const char *const[]){"vil-a1", "vil-a2", NULL});
	expect_list(sup, "?category=pilot", (const char *const[]){"vil-a1", NULL});
	expect_list(sup, "?status=weak", (const char *const[]){"vil-a2", NULL});
	expect_list(sup, "?status=normal&level=village", (const char *const[]){"vil-a1", NULL});

	/* q: a substring of the name, Chinese included. */
	char *esc = qs_escape("东山");
	snprintf(q, sizeof q, "?q=%s", esc);
	free(esc);
	expect_list(sup, q, (const char *const[]){"town-a", "vil-a1", "grp-a1", NULL});
	esc = qs_escape("山村");
	snprintf(q, sizeof q, "?q=%s", esc);
	expect_list(sup, q, (const char *const[]){"vil-a1", "grp-a1", NULL});
	snprintf(q, sizeof q, "?q=%s&level=group", esc);
	free(esc);
	expect_list(sup, q, (const char *const[]){"grp-a1", NULL});
	esc = qs_escape("西湖");
	snprintf(q, sizeof q, "?q=%s", esc);
	free(esc);
	expect_list(sup, q, (const char *const[]){NULL}); /* only outside the subtree */
	expect_list(cast.viewer.access, q, (const char *const[]){"town-b", "vil-b1", NULL});

	/* Bad filter values. */
	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?level=county", "level"},
	        {"?status=lazy", "status"},
	        {"?category=gold", "category"},
	        {"?limit=0", "limit"},
	        {"?limit=201", "limit"},
	        {"?limit=-1", "limit"},
	        {"?limit=ten", "limit"},
	        {"?cursor=garbage", "cursor"},
	        {"?cursor=%21%21not-a-cursor%21%21", "cursor"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(path, sizeof path, "/api/v1/orgs%s", bad[i].query);
		struct http_resp r;
		api_get(&srv, path, cast.admin.access, &r);
		if (r.status != 422)
			fail_msg("GET %s: expected 422, got %ld", path, r.status);
		assert_validation(&r, (const char *const[]){bad[i].field, NULL});
		http_resp_release(&r);
	}
}

static void test_pagination_and_order(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	char town_p[ID_LEN];
	api_create_org(&srv, admin, "town-p", "翻页镇", "town", tree.city, NULL, town_p);
	static const char *const codes[] = {"pg-5", "pg-1", "pg-7", "pg-3", "pg-2", "pg-6", "pg-4", NULL};
	for (size_t i = 0; codes[i]; i++)
		api_create_org(&srv, admin, codes[i], "翻页村", "village", town_p, NULL, NULL);

	char q[128];
	snprintf(q, sizeof q, "/api/v1/orgs?parent_id=%s", town_p);
	for (int limit = 1; limit <= 3; limit++) {
		json_t *all = api_list_all(&srv, q, admin, limit);
		assert_key_set(all, "code", codes);
		json_decref(all);
	}
	/* The first page of two says there is more. */
	char path[160];
	snprintf(path, sizeof path, "%s&limit=2", q);
	json_t *j = api_expect(&srv, "GET", path, admin, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	assert_true(json_is_string(json_object_get(j, "next_cursor")));
	json_decref(j);
	/* All of it on one page: no cursor. */
	snprintf(path, sizeof path, "%s&limit=200", q);
	j = api_expect(&srv, "GET", path, admin, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 7);
	assert_true(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);

	/* The whole tree, walked two at a time, is in path (tree) order: every
	 * organization after its parent, paths ascending. */
	json_t *all = api_list_all(&srv, "/api/v1/orgs", admin, 2);
	json_t *seen = json_object();
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *o = json_array_get(all, i);
		if (i > 0)
			assert_true(strcmp(jstr(json_array_get(all, i - 1), "path"), jstr(o, "path")) < 0);
		const char *parent = jstr(o, "parent_id");
		if (parent && !json_object_get(seen, parent))
			fail_msg("%s is listed before its parent", jstr(o, "code"));
		json_object_set_new(seen, jstr(o, "id"), json_true());
	}
	assert_true(json_array_size(all) >= 7 + 8);
	/* The default page size is 50. */
	j = api_expect(&srv, "GET", "/api/v1/orgs", admin, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")),
	                 json_array_size(all) < 50 ? json_array_size(all) : 50);
	json_decref(j);
	json_decref(seen);
	json_decref(all);
}

/* ---- scope ------------------------------------------------------------------- */

static void test_scope_reads(void **state)
{
	(void)state;
	static const char *const a_subtree[] = {"town-a", "vil-a1", "vil-a2", "grp-a1", NULL};
	expect_list(cast.supervisor.access, "", a_subtree);
	expect_list(cast.inspector.access, "", a_subtree);
	expect_list(cast.cadre.access, "", (const char *const[]){"vil-a1", "grp-a1", NULL});
	expect_list(cast.viewer.access, "", (const char *const[]){"town-b", "vil-b1", NULL});
	/* The admin sees everything, the fixture included. */
	json_t *all = api_list_all(&srv, "/api/v1/orgs", cast.admin.access, 200);
	static const char *const fixture[] = {"root", "town-a", "town-b", "vil-a1", "vil-a2", "vil-b1", "grp-a1"};
	for (size_t i = 0; i < sizeof fixture / sizeof fixture[0]; i++)
		if (!find_by(all, "code", fixture[i]))
			fail_msg("the admin's list lacks %s", fixture[i]);
	json_decref(all);

	/* One organization at a time: inside 200, outside 404. */
	struct {
		const char *who, *token, *org;
		long status;
	} reads[] = {
	        {"supervisor", cast.supervisor.access, tree.town_a, 200},
	        {"supervisor", cast.supervisor.access, tree.village_a1, 200},
	        {"supervisor", cast.supervisor.access, tree.group_a1, 200},
	        {"supervisor", cast.supervisor.access, tree.town_b, 404},
	        {"supervisor", cast.supervisor.access, tree.village_b1, 404},
	        {"supervisor", cast.supervisor.access, tree.city, 404},
	        {"inspector", cast.inspector.access, tree.village_a2, 200},
	        {"inspector", cast.inspector.access, tree.village_b1, 404},
	        {"cadre", cast.cadre.access, tree.village_a1, 200},
	        {"cadre", cast.cadre.access, tree.group_a1, 200},
	        {"cadre", cast.cadre.access, tree.town_a, 404}, /* its parent is outside */
	        {"cadre", cast.cadre.access, tree.village_a2, 404},
	        {"viewer", cast.viewer.access, tree.town_b, 200},
	        {"viewer", cast.viewer.access, tree.village_b1, 200},
	        {"viewer", cast.viewer.access, tree.town_a, 404},
	        {"viewer", cast.viewer.access, tree.city, 404},
	        {"admin", cast.admin.access, tree.village_b1, 200},
	        {"admin", cast.admin.access, tree.city, 200},
	};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		char path[128];
		for (int children = 0; children <= 1; children++) {
			struct http_resp r;
			api_get(&srv, org_path(reads[i].org, children ? "/children" : NULL, path, sizeof path),
			        reads[i].token, &r);
			if (r.status != reads[i].status)
				fail_msg("%s GET %s: expected %ld, got %ld", reads[i].who, path, reads[i].status,
				         r.status);
			if (r.status == 404)
				assert_problem(&r, 404, "not_found");
			http_resp_release(&r);
		}
	}
}

static void test_scope_writes(void **state)
{
	(void)state;
	struct {
		const char *who, *token;
		const char *inside_parent, *inside_level; /* a create below an org in the subtree */
		const char *outside_parent, *outside_level;
		const char *inside_org, *outside_org; /* updates */
	} w[] = {
	        {"supervisor", cast.supervisor.access, tree.village_a1, "group", tree.town_b, "village", tree.town_a,
	         tree.town_b},
	        {"inspector", cast.inspector.access, tree.town_a, "village", tree.town_b, "village", tree.village_a2,
	         tree.village_b1},
	        {"cadre", cast.cadre.access, tree.village_a1, "group", tree.town_a, "village", tree.village_a1,
	         tree.village_a2},
	        {"viewer", cast.viewer.access, tree.town_b, "village", tree.town_a, "village", tree.village_b1,
	         tree.village_a1},
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		char *body = jbody("{s:s, s:s, s:s, s:s}", "code", "scope-x", "name", "越权", "level",
		                   w[i].inside_level, "parent_id", w[i].inside_parent);
		struct http_resp r;
		post_org(w[i].token, body, &r);
		free(body);
		if (r.status != 403)
			fail_msg("%s POST /orgs inside its subtree: expected 403, got %ld", w[i].who, r.status);
		assert_problem(&r, 403, "forbidden");
		http_resp_release(&r);

		body = jbody("{s:s, s:s, s:s, s:s}", "code", "scope-y", "name", "越权", "level", w[i].outside_level,
		             "parent_id", w[i].outside_parent);
		post_org(w[i].token, body, &r);
		free(body);
		if (r.status != 404)
			fail_msg("%s POST /orgs outside its subtree: expected 404, got %ld", w[i].who, r.status);
		assert_problem(&r, 404, "not_found");
		http_resp_release(&r);

		put_org(w[i].token, w[i].inside_org, "{\"name\":\"越权改名\"}", NULL, &r);
		if (r.status != 403)
			fail_msg("%s PUT an org inside its subtree: expected 403, got %ld", w[i].who, r.status);
		assert_problem(&r, 403, "forbidden");
		http_resp_release(&r);
		put_org(w[i].token, w[i].outside_org, "{\"name\":\"越权改名\"}", NULL, &r);
		if (r.status != 404)
			fail_msg("%s PUT an org outside its subtree: expected 404, got %ld", w[i].who, r.status);
		assert_problem(&r, 404, "not_found");
		http_resp_release(&r);
	}
	/* Nothing was written. */
	json_t *all = api_list_all(&srv, "/api/v1/orgs", cast.admin.access, 200);
	assert_null(find_by(all, "code", "scope-x"));
	assert_null(find_by(all, "code", "scope-y"));
	assert_null(find_by(all, "name", "越权改名"));
	json_decref(all);

	/* The admin may. */
	char id[ID_LEN];
	api_create_org(&srv, cast.admin.access, "grp-a1-2", "东山村二组", "group", tree.village_a1, NULL, id);
	struct http_resp r;
	put_org(cast.admin.access, id, "{\"name\":\"东山村第二组\"}", NULL, &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
	/* … and the new group is in the cadre's subtree at once. */
	char path[128];
	assert_int_equal(api_status(&srv, org_path(id, NULL, path, sizeof path), cast.cadre.access), 200);
	assert_int_equal(api_status(&srv, org_path(id, NULL, path, sizeof path), cast.viewer.access), 404);
}

static void test_requires_token(void **state)
{
	(void)state;
	char path[128], children[128];
	org_path(tree.town_a, NULL, path, sizeof path);
	org_path(tree.town_a, "/children", children, sizeof children);
	struct {
		const char *method, *path, *body;
	} calls[] = {
	        {"GET", "/api/v1/orgs", NULL},
	        {"POST", "/api/v1/orgs", "{\"code\":\"t\",\"name\":\"t\",\"level\":\"city\",\"parent_id\":null}"},
	        {"GET", path, NULL},
	        {"PUT", path, "{\"name\":\"t\"}"},
	        {"GET", children, NULL},
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		struct http_resp r;
		api_call(&srv, calls[i].method, calls[i].path, NULL, calls[i].body, NULL, &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
		api_call(&srv, calls[i].method, calls[i].path, "not.a.token", calls[i].body, NULL, &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_scope_reads),
	        cmocka_unit_test(test_org_shape),
	        cmocka_unit_test(test_create_level_rules),
	        cmocka_unit_test(test_create_validation),
	        cmocka_unit_test(test_create_with_client_id),
	        cmocka_unit_test(test_update),
	        cmocka_unit_test(test_children),
	        cmocka_unit_test(test_list_filters),
	        cmocka_unit_test(test_pagination_and_order),
	        cmocka_unit_test(test_scope_writes),
	        cmocka_unit_test(test_requires_token),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_orgs", tests, group_setup, group_teardown);
}
