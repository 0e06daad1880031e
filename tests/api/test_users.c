/*
 * Accounts through the real binary: creation (every role, password policy,
 * case-insensitive unique usernames, field validation, never a password or
 * hash in a response), who may read whom (admin: all; supervisor: its
 * subtree; others: 403 inside, 404 outside, themselves 200), admin updates
 * (versions, If-Match, token invalidation on role/org/password changes),
 * writes refused to everyone else, disabling, and list filters with cursor
 * pagination.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"

static struct server_proc srv;
static struct org_tree tree;
static struct cast cast;
static char town_c[ID_LEN], village_c1[ID_LEN]; /* where users that get changed live */
/* Users beside the fixture's: a second cadre of village A1, a viewer in A1's
 * group, a cadre of village A2, a cadre of village B1. */
static char cadre_a1b[ID_LEN], member_g[ID_LEN], cadre_a2[ID_LEN], cadre_b1[ID_LEN];

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	fixture_build(&srv, &tree, &cast);
	const char *admin = cast.admin.access;
	api_create_org(&srv, admin, "town-c", "南湖镇", "town", tree.city, NULL, town_c);
	api_create_org(&srv, admin, "vil-c1", "南湖村", "village", town_c, NULL, village_c1);
	api_create_user(&srv, admin, "cadre.a1b", "cadre", tree.village_a1, FIXTURE_PASSWORD, cadre_a1b);
	api_create_user(&srv, admin, "member.g", "viewer", tree.group_a1, FIXTURE_PASSWORD, member_g);
	api_create_user(&srv, admin, "cadre.a2", "cadre", tree.village_a2, FIXTURE_PASSWORD, cadre_a2);
	api_create_user(&srv, admin, "cadre.b1", "cadre", tree.village_b1, FIXTURE_PASSWORD, cadre_b1);
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

static const char *user_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	snprintf(out, outlen, "/api/v1/users/%s%s", id, suffix ? suffix : "");
	return out;
}

static void expect_status(const char *who, const char *method, const char *path, const char *bearer, const char *body,
                          long status, const char *code)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != status)
		fail_msg("%s %s %s: expected %ld, got %ld: %.300s", who, method, path, status, r.status,
		         buf_cstr(&r.body));
	if (code)
		assert_problem(&r, status, code);
	http_resp_release(&r);
}

static void expect_list(const char *bearer, const char *query, const char *const *usernames)
{
	char path[512];
	snprintf(path, sizeof path, "/api/v1/users%s", query);
	json_t *all = api_list_all(&srv, path, bearer, 50);
	assert_key_set(all, "username", usernames);
	for (size_t i = 0; i < json_array_size(all); i++)
		assert_no_secrets(json_array_get(all, i), NULL, NULL);
	json_decref(all);
}

/* ---- create ------------------------------------------------------------------ */

static void test_create_every_role(void **state)
{
	(void)state;
	static const struct {
		const char *username, *role;
		int at_b; /* 0: the root, 1: town B, 2: village B1 */
	} users[] = {
	        {"role.admin", "admin", 0}, {"role.supervisor", "supervisor", 1}, {"role.inspector", "inspector", 1},
	        {"role.cadre", "cadre", 2}, {"role.viewer", "viewer", 1},
	};
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		const char *org = users[i].at_b == 0 ? tree.city : users[i].at_b == 1 ? tree.town_b : tree.village_b1;
		const char *org_name = users[i].at_b == 0 ? "本市" : users[i].at_b == 1 ? "西湖街道" : "西湖社区";
		const char *password = "role-password-1";
		char *body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "username", users[i].username, "display_name",
		                   "角色用户", "phone", "+86 138-0000-0000", "role", users[i].role, "org_id", org,
		                   "password", password);
		struct http_resp r;
		api_post(&srv, "/api/v1/users", cast.admin.access, body, &r);
		free(body);
		assert_int_equal(r.status, 201);
		json_t *u = http_json(&r);
		assert_no_secrets(u, &r, password);
		assert_etag(&r, jint(u, "version"));
		char loc[256], want[128];
		assert_true(http_header(&r, "Location", loc, sizeof loc));
		snprintf(want, sizeof want, "/api/v1/users/%s", jstr(u, "id"));
		assert_true(strlen(loc) >= strlen(want));
		assert_string_equal(loc + strlen(loc) - strlen(want), want);
		assert_int_equal(strlen(jstr(u, "id")), 36);
		assert_string_equal(jstr(u, "username"), users[i].username);
		assert_string_equal(jstr(u, "display_name"), "角色用户");
		assert_string_equal(jstr(u, "phone"), "+86 138-0000-0000");
		assert_string_equal(jstr(u, "role"), users[i].role);
		assert_string_equal(jstr(u, "org_id"), org);
		assert_string_equal(jstr(u, "org_name"), org_name);
		assert_true(json_is_false(json_object_get(u, "disabled")));
		assert_true(jint(u, "version") >= 1);
		assert_timestamp(jstr(u, "created_at"));
		assert_timestamp(jstr(u, "updated_at"));
		http_resp_release(&r);

		/* They can log in, as what they were made. */
		struct tokens t;
		api_login_ok(&srv, users[i].username, password, &t);
		json_t *me = api_expect(&srv, "GET", "/api/v1/me", t.access, NULL, 200);
		assert_string_equal(jstr(me, "role"), users[i].role);
		assert_string_equal(jstr(me, "id"), jstr(u, "id"));
		json_decref(me);
		json_decref(u);
	}

	/* Usernames keep their case and are unique without it. phone is optional. */
	char id[ID_LEN];
	api_create_user(&srv, cast.admin.access, "Zhang.Wei", "viewer", tree.town_b, "zhang-wei-pass", id);
	char path[128];
	json_t *u = api_expect(&srv, "GET", user_path(id, NULL, path, sizeof path), cast.admin.access, NULL, 200);
	assert_string_equal(jstr(u, "username"), "Zhang.Wei");
	assert_true(json_is_null(json_object_get(u, "phone")));
	json_decref(u);
	static const char *const same[] = {"zhang.wei", "ZHANG.WEI", "Zhang.Wei"};
	for (size_t i = 0; i < 3; i++) {
		char *body = jbody("{s:s, s:s, s:s, s:s, s:s}", "username", same[i], "display_name", "张伟", "role",
		                   "viewer", "org_id", tree.town_b, "password", "another-pass-1");
		expect_status("admin", "POST", "/api/v1/users", cast.admin.access, body, 409, "username_taken");
		free(body);
	}
}

static void expect_create_invalid(const char *body, const char *const *fields)
{
	struct http_resp r;
	api_post(&srv, "/api/v1/users", cast.admin.access, body, &r);
	if (r.status != 422)
		fail_msg("POST /users %s: expected 422, got %ld: %.300s", body, r.status, buf_cstr(&r.body));
	assert_validation(&r, fields);
	assert_no_secrets(NULL, &r, "valid-pass-123");
	http_resp_release(&r);
}

/* A create body: the valid one with one member replaced (value NULL: removed;
 * raw JSON text otherwise). */
static char *user_body(const char *key, const char *raw_value)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "username", "valid.user", "display_name", "有效用户", "role",
	                      "viewer", "org_id", tree.town_b, "password", "valid-pass-123");
	if (key) {
		if (raw_value) {
			json_t *v = json_loads(raw_value, JSON_DECODE_ANY, NULL);
			assert_non_null(v);
			json_object_set_new(o, key, v);
		} else {
			json_object_del(o, key);
		}
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static void test_create_validation(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value, *field;
	} bad[] = {
	        {"password", "\"short-pw\"", "password"},
	        {"password", "\"VALID.USER\"", "password"}, /* the username, other case (10 chars) */
	        {"password", "\"valid.user\"", "password"},
	        {"password", "\"九个汉字组成的密码\"", "password"}, /* 9 code points, 27 bytes */
	        {"password", NULL, "password"},
	        {"password", "1234567890", "password"},
	        {"role", "\"root\"", "role"},
	        {"role", "\"Admin\"", "role"},
	        {"role", NULL, "role"},
	        {"org_id", "\"7d9f7e3a-1111-4222-8333-944455556666\"", "org_id"},
	        {"org_id", "\"town-b\"", "org_id"},
	        {"org_id", NULL, "org_id"},
	        {"username", "\"bad name!\"", "username"},
	        {"username", "\"张伟\"", "username"},
	        {"username", "\"ab\"", "username"},
	        {"username", "\"abcdefghijklmnopqrstuvwxyz0123456\"", "username"}, /* 33 */
	        {"username", NULL, "username"},
	        {"username", "17", "username"},
	        {"display_name", "\"\"", "display_name"},
	        {"display_name", NULL, "display_name"},
	        {"display_name", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", /* 65 */
	         "display_name"},
	        {"phone", "\"call me\"", "phone"},
	        {"phone", "\"123456789012345678901\"", "phone"}, /* 21 */
	        {"phone", "13800000000", "phone"},
	        {"id", "\"user-1\"", "id"},
	        {"disabled", "\"no\"", "disabled"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *body = user_body(bad[i].key, bad[i].value);
		expect_create_invalid(body, (const char *const[]){bad[i].field, NULL});
		free(body);
	}
	/* Every problem at once. */
	expect_create_invalid("{}",
	                      (const char *const[]){"username", "display_name", "role", "org_id", "password", NULL});
	char *body = user_body("nickname", "\"小王\"");
	struct http_resp r;
	api_post(&srv, "/api/v1/users", cast.admin.access, body, &r);
	free(body);
	assert_unknown_field(&r, "nickname");
	http_resp_release(&r);
	body = user_body("password_hash", "\"$argon2id$v=19$m=19456,t=2,p=1$xxxx$yyyy\"");
	api_post(&srv, "/api/v1/users", cast.admin.access, body, &r);
	free(body);
	assert_unknown_field(&r, "password_hash");
	http_resp_release(&r);

	/* Boundaries that are fine: 3- and 32-character usernames, 64-character
	 * display names, 20-character phones, a 10-code-point password. */
	body = jbody(
	        "{s:s, s:s, s:s, s:s, s:s, s:s}", "username", "abc", "display_name",
	        "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
	        "一二三四五六七八九十一二三四",
	        "phone", "+86 0755-1234-56789", "role", "viewer", "org_id", tree.town_b, "password",
	        "十个汉字组成的密码呀");
	json_decref(api_expect(&srv, "POST", "/api/v1/users", cast.admin.access, body, 201));
	free(body);
	api_create_user(&srv, cast.admin.access, "abcdefghijklmnopqrstuvwxyz012345", "viewer", tree.town_b,
	                "valid-pass-123", NULL);

	/* A client id is honoured. */
	static const char id[] = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "username", "client.id", "display_name", "客户端",
	             "role", "viewer", "org_id", tree.town_b, "password", "valid-pass-123");
	json_t *u = api_expect(&srv, "POST", "/api/v1/users", cast.admin.access, body, 201);
	assert_string_equal(jstr(u, "id"), id);
	long long version = jint(u, "version");
	json_decref(u);
	/* A phone repeating the create gets the stored account (200); the same
	 * id with another body is 409 id_conflict (api-spec/openapi.yaml). */
	u = api_expect(&srv, "POST", "/api/v1/users", cast.admin.access, body, 200);
	free(body);
	assert_string_equal(jstr(u, "id"), id);
	assert_int_equal(jint(u, "version"), version);
	assert_no_secrets(u, NULL, NULL);
	json_decref(u);
	body = jbody("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "username", "client.id2", "display_name", "客户端二",
	             "role", "viewer", "org_id", tree.town_b, "password", "valid-pass-123");
	expect_status("admin", "POST", "/api/v1/users", cast.admin.access, body, 409, "id_conflict");
	free(body);
	/* None of the refused ones exists. */
	json_t *all = api_list_all(&srv, "/api/v1/users?q=valid.user", cast.admin.access, 50);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
}

/* ---- reads by role ------------------------------------------------------------ */

static void test_reads_by_role(void **state)
{
	(void)state;
	const char *sup = cast.supervisor.access;
	static const char *const a_users[] = {"sup.a", "insp.a", "cadre.a1", "cadre.a1b", "member.g", "cadre.a2", NULL};
	expect_list(sup, "", a_users);
	char q[128];
	snprintf(q, sizeof q, "?org_id=%s", tree.village_a2);
	expect_list(sup, q, (const char *const[]){"cadre.a2", NULL});
	snprintf(q, sizeof q, "?org_id=%s", tree.group_a1);
	expect_list(sup, q, (const char *const[]){"member.g", NULL});
	snprintf(q, sizeof q, "?org_id=%s", tree.town_b); /* outside: nothing */
	expect_list(sup, q, (const char *const[]){NULL});
	expect_list(sup, "?role=cadre", (const char *const[]){"cadre.a1", "cadre.a1b", "cadre.a2", NULL});
	expect_list(sup, "?q=cadre.a1", (const char *const[]){"cadre.a1", "cadre.a1b", NULL});
	expect_list(sup, "?q=viewer", (const char *const[]){NULL});

	/* The admin lists everyone. */
	json_t *all = api_list_all(&srv, "/api/v1/users", cast.admin.access, 200);
	static const char *const everyone[] = {"admin",     "sup.a",    "insp.a",   "cadre.a1", "viewer.b",
	                                       "cadre.a1b", "member.g", "cadre.a2", "cadre.b1"};
	for (size_t i = 0; i < sizeof everyone / sizeof everyone[0]; i++)
		if (!find_by(all, "username", everyone[i]))
			fail_msg("the admin's list lacks %s", everyone[i]);
	json_decref(all);

	/* Lists are for admins and supervisors. */
	expect_status("inspector", "GET", "/api/v1/users", cast.inspector.access, NULL, 403, "forbidden");
	expect_status("cadre", "GET", "/api/v1/users", cast.cadre.access, NULL, 403, "forbidden");
	expect_status("viewer", "GET", "/api/v1/users", cast.viewer.access, NULL, 403, "forbidden");
	expect_status("nobody", "GET", "/api/v1/users", NULL, NULL, 401, "unauthorized");

	/* One user at a time. */
	struct {
		const char *who, *token, *user;
		long status;
	} reads[] = {
	        {"supervisor", sup, cast.cadre.user_id, 200},
	        {"supervisor", sup, member_g, 200},
	        {"supervisor", sup, cast.viewer.user_id, 404},
	        {"supervisor", sup, cadre_b1, 404},
	        {"supervisor", sup, cast.admin.user_id, 404},
	        {"supervisor", sup, cast.supervisor.user_id, 200},
	        {"inspector", cast.inspector.access, cast.cadre.user_id, 403},
	        {"inspector", cast.inspector.access, cast.supervisor.user_id, 403},
	        {"inspector", cast.inspector.access, cast.viewer.user_id, 404},
	        {"inspector", cast.inspector.access, cast.inspector.user_id, 200},
	        {"cadre", cast.cadre.access, cadre_a1b, 403},
	        {"cadre", cast.cadre.access, member_g, 403},
	        {"cadre", cast.cadre.access, cast.inspector.user_id, 404}, /* town A is above the cadre */
	        {"cadre", cast.cadre.access, cadre_a2, 404},
	        {"cadre", cast.cadre.access, cast.cadre.user_id, 200},
	        {"viewer", cast.viewer.access, cadre_b1, 403},
	        {"viewer", cast.viewer.access, cast.supervisor.user_id, 404},
	        {"viewer", cast.viewer.access, cast.viewer.user_id, 200},
	        {"admin", cast.admin.access, cadre_b1, 200},
	        {"admin", cast.admin.access, "7d9f7e3a-1111-4222-8333-944455556666", 404},
	};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		char path[128];
		user_path(reads[i].user, NULL, path, sizeof path);
		const char *code = reads[i].status == 403 ? "forbidden" : reads[i].status == 404 ? "not_found" : NULL;
		expect_status(reads[i].who, "GET", path, reads[i].token, NULL, reads[i].status, code);
	}
	/* A readable user: the full object with an ETag, no secrets. */
	char path[128];
	struct http_resp r;
	api_get(&srv, user_path(cast.cadre.user_id, NULL, path, sizeof path), sup, &r);
	assert_int_equal(r.status, 200);
	json_t *u = http_json(&r);
	assert_etag(&r, jint(u, "version"));
	assert_no_secrets(u, &r, FIXTURE_PASSWORD);
	assert_string_equal(jstr(u, "username"), "cadre.a1");
	assert_string_equal(jstr(u, "role"), "cadre");
	assert_string_equal(jstr(u, "org_id"), tree.village_a1);
	assert_string_equal(jstr(u, "org_name"), "东山村");
	json_decref(u);
	http_resp_release(&r);
}

/* ---- updates ------------------------------------------------------------------ */

static void put_user(const char *bearer, const char *id, const char *body, const char *if_match, struct http_resp *r)
{
	char path[128], header[64];
	const char *const headers[] = {header, NULL};
	snprintf(header, sizeof header, "If-Match: %s", if_match ? if_match : "");
	api_call(&srv, "PUT", user_path(id, NULL, path, sizeof path), bearer, body, if_match ? headers : NULL, r);
}

/* PUT as admin expecting 200; returns the new version and checks the ETag. */
static long long put_ok(const char *id, const char *body)
{
	struct http_resp r;
	put_user(cast.admin.access, id, body, NULL, &r);
	if (r.status != 200)
		fail_msg("PUT /users/%s %s: expected 200, got %ld: %.300s", id, body, r.status, buf_cstr(&r.body));
	json_t *u = http_json(&r);
	assert_no_secrets(u, &r, NULL);
	long long v = jint(u, "version");
	assert_etag(&r, v);
	json_decref(u);
	http_resp_release(&r);
	return v;
}

static void test_admin_update(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	char id[ID_LEN], path[128];
	api_create_user(&srv, admin, "ulla", "viewer", town_c, "ulla-password-1", id);
	struct tokens t;
	api_login_ok(&srv, "ulla", "ulla-password-1", &t);
	json_t *u = api_expect(&srv, "GET", user_path(id, NULL, path, sizeof path), admin, NULL, 200);
	long long v = jint(u, "version");
	json_decref(u);

	/* Profile fields: the version moves, the tokens stay valid. */
	assert_int_equal(put_ok(id, "{\"display_name\":\"乌拉\",\"phone\":\"0755-1234\"}"), v + 1);
	json_t *me = api_expect(&srv, "GET", "/api/v1/me", t.access, NULL, 200);
	assert_string_equal(jstr(me, "display_name"), "乌拉");
	assert_string_equal(jstr(me, "phone"), "0755-1234");
	assert_string_equal(jstr(me, "role"), "viewer"); /* absent fields stay */
	json_decref(me);

	/* A role change ends every access token of the user. */
	assert_int_equal(put_ok(id, "{\"role\":\"inspector\"}"), v + 2);
	expect_status("ulla", "GET", "/api/v1/me", t.access, NULL, 401, "unauthorized");
	api_login_ok(&srv, "ulla", "ulla-password-1", &t);
	me = api_expect(&srv, "GET", "/api/v1/me", t.access, NULL, 200);
	assert_string_equal(jstr(me, "role"), "inspector");
	json_decref(me);

	/* So does an org change. */
	char body[256];
	snprintf(body, sizeof body, "{\"org_id\":\"%s\"}", village_c1);
	assert_int_equal(put_ok(id, body), v + 3);
	expect_status("ulla", "GET", "/api/v1/me", t.access, NULL, 401, "unauthorized");
	api_login_ok(&srv, "ulla", "ulla-password-1", &t);
	me = api_expect(&srv, "GET", "/api/v1/me", t.access, NULL, 200);
	assert_string_equal(jstr(me, "org_id"), village_c1);
	assert_string_equal(jstr(me, "org_name"), "南湖村");
	json_decref(me);

	/* And a password set by the admin. */
	assert_int_equal(put_ok(id, "{\"password\":\"set-by-admin-1\"}"), v + 4);
	expect_status("ulla", "GET", "/api/v1/me", t.access, NULL, 401, "unauthorized");
	assert_int_equal(api_login(&srv, "ulla", "ulla-password-1", NULL), 401);
	api_login_ok(&srv, "ulla", "set-by-admin-1", &t);

	/* If-Match: current succeeds, stale is 412 with the current user. */
	char etag[32];
	snprintf(etag, sizeof etag, "\"%lld\"", v + 4);
	struct http_resp r;
	put_user(admin, id, "{\"display_name\":\"乌拉二\"}", etag, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, v + 5);
	http_resp_release(&r);
	put_user(admin, id, "{\"display_name\":\"乌拉三\"}", etag, &r);
	assert_problem(&r, 412, "version_conflict");
	json_t *j = http_json(&r);
	json_t *current = json_object_get(j, "current");
	assert_true(json_is_object(current));
	assert_int_equal(jint(current, "version"), v + 5);
	assert_string_equal(jstr(current, "display_name"), "乌拉二");
	assert_no_secrets(j, &r, "set-by-admin-1");
	json_decref(j);
	http_resp_release(&r);

	/* Refused changes. */
	static const struct {
		const char *body, *field;
	} bad[] = {
	        {"{\"role\":\"root\"}", "role"},
	        {"{\"org_id\":\"7d9f7e3a-1111-4222-8333-944455556666\"}", "org_id"},
	        {"{\"display_name\":\"\"}", "display_name"},
	        {"{\"phone\":\"call me\"}", "phone"},
	        {"{\"password\":\"short\"}", "password"},
	        {"{\"password\":\"ULLA\"}", "password"},
	        {"{\"disabled\":\"yes\"}", "disabled"},
	        {"{\"username\":\"ulla2\"}", "username"},
	        {"{\"id\":\"5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e40\"}", "id"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put_user(admin, id, bad[i].body, NULL, &r);
		if (r.status != 422)
			fail_msg("PUT %s: expected 422, got %ld", bad[i].body, r.status);
		assert_validation(&r, (const char *const[]){bad[i].field, NULL});
		http_resp_release(&r);
	}
	put_user(admin, id, "{\"display_name\":\"x\",\"nickname\":\"y\"}", NULL, &r);
	assert_unknown_field(&r, "nickname");
	http_resp_release(&r);
	put_user(admin, "7d9f7e3a-1111-4222-8333-944455556666", "{\"display_name\":\"x\"}", NULL, &r);
	assert_problem(&r, 404, "not_found");
	http_resp_release(&r);

	/* Nothing of that happened; the last token is still good. */
	u = api_expect(&srv, "GET", user_path(id, NULL, path, sizeof path), admin, NULL, 200);
	assert_int_equal(jint(u, "version"), v + 5);
	assert_string_equal(jstr(u, "display_name"), "乌拉二");
	assert_string_equal(jstr(u, "username"), "ulla");
	assert_string_equal(jstr(u, "role"), "inspector");
	json_decref(u);
	json_decref(api_expect(&srv, "GET", "/api/v1/me", t.access, NULL, 200));
}

static void test_writes_by_non_admins(void **state)
{
	(void)state;
	char inside[128], outside[128], own[128];
	struct {
		const char *who, *token, *inside_user, *outside_user, *own_user, *inside_org, *outside_org;
	} w[] = {
	        {"supervisor", cast.supervisor.access, cast.cadre.user_id, cast.viewer.user_id, cast.supervisor.user_id,
	         tree.village_a1, tree.town_b},
	        {"inspector", cast.inspector.access, cast.cadre.user_id, cast.viewer.user_id, cast.inspector.user_id,
	         tree.town_a, tree.town_b},
	        {"cadre", cast.cadre.access, cadre_a1b, cast.supervisor.user_id, cast.cadre.user_id, tree.group_a1,
	         tree.village_a2},
	        {"viewer", cast.viewer.access, cadre_b1, cast.cadre.user_id, cast.viewer.user_id, tree.village_b1,
	         tree.town_a},
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		user_path(w[i].inside_user, NULL, inside, sizeof inside);
		user_path(w[i].outside_user, NULL, outside, sizeof outside);
		user_path(w[i].own_user, NULL, own, sizeof own);
		const char *rename = "{\"display_name\":\"越权\"}";
		expect_status(w[i].who, "PUT", inside, w[i].token, rename, 403, "forbidden");
		expect_status(w[i].who, "PUT", outside, w[i].token, rename, 404, "not_found");
		expect_status(w[i].who, "PUT", own, w[i].token, "{\"role\":\"admin\"}", 403, "forbidden");
		user_path(w[i].inside_user, "/disable", inside, sizeof inside);
		user_path(w[i].outside_user, "/disable", outside, sizeof outside);
		expect_status(w[i].who, "POST", inside, w[i].token, NULL, 403, "forbidden");
		expect_status(w[i].who, "POST", outside, w[i].token, NULL, 404, "not_found");
		char *body = jbody("{s:s, s:s, s:s, s:s, s:s}", "username", "sneaky.one", "display_name", "越权",
		                   "role", "admin", "org_id", w[i].inside_org, "password", "sneaky-pass-1");
		expect_status(w[i].who, "POST", "/api/v1/users", w[i].token, body, 403, "forbidden");
		free(body);
		body = jbody("{s:s, s:s, s:s, s:s, s:s}", "username", "sneaky.two", "display_name", "越权", "role",
		             "admin", "org_id", w[i].outside_org, "password", "sneaky-pass-1");
		expect_status(w[i].who, "POST", "/api/v1/users", w[i].token, body, 404, "not_found");
		free(body);
	}
	/* Nothing changed: no new users, the targets intact and still logged in. */
	json_t *all = api_list_all(&srv, "/api/v1/users?q=sneaky", cast.admin.access, 50);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	all = api_list_all(&srv, "/api/v1/users", cast.admin.access, 200);
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *u = json_array_get(all, i);
		if (strcmp(jstr(u, "display_name"), "越权") == 0)
			fail_msg("%s was renamed", jstr(u, "username"));
		if (json_is_true(json_object_get(u, "disabled")))
			fail_msg("%s was disabled", jstr(u, "username"));
	}
	json_decref(all);
	json_decref(api_expect(&srv, "GET", "/api/v1/me", cast.cadre.access, NULL, 200));
	json_decref(api_expect(&srv, "GET", "/api/v1/me", cast.supervisor.access, NULL, 200));
}

/* ---- disable ------------------------------------------------------------------ */

static void test_disable(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	char id[ID_LEN], path[128];
	api_create_user(&srv, admin, "vic", "cadre", village_c1, "vic-password-1", id);
	struct tokens s1, s2;
	api_login_ok(&srv, "vic", "vic-password-1", &s1);
	api_login_ok(&srv, "vic", "vic-password-1", &s2);
	json_t *u = api_expect(&srv, "GET", user_path(id, NULL, path, sizeof path), admin, NULL, 200);
	long long v = jint(u, "version");
	json_decref(u);

	struct http_resp r;
	api_post(&srv, user_path(id, "/disable", path, sizeof path), admin, NULL, &r);
	assert_int_equal(r.status, 200);
	u = http_json(&r);
	assert_true(json_is_true(json_object_get(u, "disabled")));
	assert_string_equal(jstr(u, "id"), id);
	assert_true(jint(u, "version") > v);
	assert_etag(&r, jint(u, "version"));
	assert_no_secrets(u, &r, "vic-password-1");
	json_decref(u);
	http_resp_release(&r);

	/* Every way in is closed. */
	expect_status("vic", "GET", "/api/v1/me", s1.access, NULL, 401, "unauthorized");
	expect_status("vic", "GET", "/api/v1/me", s2.access, NULL, 401, "unauthorized");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(api_refresh(&srv, i ? s2.refresh : s1.refresh, NULL, &r), 401);
		assert_problem(&r, 401, "invalid_refresh_token");
		http_resp_release(&r);
	}
	char *body = jbody("{s:s, s:s}", "username", "vic", "password", "vic-password-1");
	expect_status("vic", "POST", "/api/v1/auth/login", NULL, body, 401, "invalid_credentials");
	free(body);
	u = api_expect(&srv, "GET", user_path(id, NULL, path, sizeof path), admin, NULL, 200);
	assert_true(json_is_true(json_object_get(u, "disabled")));
	json_decref(u);

	/* An admin cannot lock themselves out; unknown users are 404. */
	expect_status("admin", "POST", user_path(cast.admin.user_id, "/disable", path, sizeof path), admin, NULL, 409,
	              "conflict");
	json_decref(api_expect(&srv, "GET", "/api/v1/me", admin, NULL, 200));
	expect_status("admin", "POST", user_path("7d9f7e3a-1111-4222-8333-944455556666", "/disable", path, sizeof path),
	              admin, NULL, 404, "not_found");

	/* Enabled again through PUT, the password works again (old sessions stay dead). */
	put_ok(id, "{\"disabled\":false}");
	api_login_ok(&srv, "vic", "vic-password-1", NULL);
	expect_status("vic", "GET", "/api/v1/me", s1.access, NULL, 401, "unauthorized");
	assert_int_equal(api_refresh(&srv, s1.refresh, NULL, NULL), 401);

	/* Disabling through PUT ends the tokens as well. */
	struct tokens s3;
	api_login_ok(&srv, "vic", "vic-password-1", &s3);
	put_ok(id, "{\"disabled\":true}");
	expect_status("vic", "GET", "/api/v1/me", s3.access, NULL, 401, "unauthorized");
}

/* ---- filters and pagination ------------------------------------------------------ */

static void create_named(const char *username, const char *display_name, const char *role, int disabled)
{
	char *body = jbody("{s:s, s:s, s:s, s:s, s:s}", "username", username, "display_name", display_name, "role",
	                   role, "org_id", town_c, "password", "named-pass-123");
	json_t *u = api_expect(&srv, "POST", "/api/v1/users", cast.admin.access, body, 201);
	free(body);
	if (disabled) {
		char path[128];
		json_decref(api_expect(&srv, "POST", user_path(jstr(u, "id"), "/disable", path, sizeof path),
		                       cast.admin.access, NULL, 200));
	}
	json_decref(u);
}

static void test_filters_and_pagination(void **state)
{
	(void)state;
	const char *admin = cast.admin.access;
	create_named("q.one", "测试甲号", "viewer", 0);
	create_named("q.two", "测试乙号", "inspector", 0);
	create_named("qq.testjia", "别名", "viewer", 1);

	char q[256];
	char *esc = qs_escape("测试");
	snprintf(q, sizeof q, "?q=%s", esc);
	free(esc);
	expect_list(admin, q, (const char *const[]){"q.one", "q.two", NULL});
	esc = qs_escape("甲号");
	snprintf(q, sizeof q, "?q=%s", esc);
	free(esc);
	expect_list(admin, q, (const char *const[]){"q.one", NULL});
	expect_list(admin, "?q=testjia", (const char *const[]){"qq.testjia", NULL});
	snprintf(q, sizeof q, "?org_id=%s&role=inspector&q=q.", town_c);
	expect_list(admin, q, (const char *const[]){"q.two", NULL});
	snprintf(q, sizeof q, "?org_id=%s&disabled=true&q=q", town_c);
	expect_list(admin, q, (const char *const[]){"qq.testjia", NULL});
	snprintf(q, sizeof q, "?org_id=%s&disabled=false&q=q", town_c);
	expect_list(admin, q, (const char *const[]){"q.one", "q.two", NULL});

	/* Whole-list filters hold for every item. */
	static const struct {
		const char *query, *key, *value;
	} holds[] = {
	        {"?role=viewer", "role", "viewer"},
	        {"?role=cadre", "role", "cadre"},
	};
	for (size_t i = 0; i < 2; i++) {
		char path[128];
		snprintf(path, sizeof path, "/api/v1/users%s", holds[i].query);
		json_t *all = api_list_all(&srv, path, admin, 200);
		assert_true(json_array_size(all) >= 2);
		for (size_t k = 0; k < json_array_size(all); k++)
			assert_string_equal(jstr(json_array_get(all, k), holds[i].key), holds[i].value);
		json_decref(all);
	}
	for (int d = 0; d <= 1; d++) {
		json_t *all = api_list_all(&srv, d ? "/api/v1/users?disabled=true" : "/api/v1/users?disabled=false",
		                           admin, 200);
		assert_true(json_array_size(all) >= 1);
		for (size_t k = 0; k < json_array_size(all); k++)
			assert_int_equal(json_is_true(json_object_get(json_array_get(all, k), "disabled")), d);
		assert_true((find_by(all, "username", "qq.testjia") != NULL) == d);
		json_decref(all);
	}

	/* Pagination: five users walked with several page sizes. */
	static const char *const page_users[] = {"page.c", "Page.A", "page.e", "page.b", "PAGE.D", NULL};
	for (size_t i = 0; page_users[i]; i++)
		create_named(page_users[i], "翻页", "viewer", 0);
	for (int limit = 1; limit <= 3; limit++) {
		json_t *all = api_list_all(&srv, "/api/v1/users?q=page.", admin, limit);
		assert_key_set(all, "username", page_users);
		json_decref(all);
	}
	/* Ordered by username, case ignored, across pages. */
	json_t *all = api_list_all(&srv, "/api/v1/users", admin, 3);
	for (size_t i = 1; i < json_array_size(all); i++) {
		const char *a = jstr(json_array_get(all, i - 1), "username");
		const char *b = jstr(json_array_get(all, i), "username");
		if (strcasecmp(a, b) >= 0)
			fail_msg("users out of order: %s before %s", a, b);
	}
	json_decref(all);
	json_t *j = api_expect(&srv, "GET", "/api/v1/users?q=page.&limit=2", admin, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	assert_true(json_is_string(json_object_get(j, "next_cursor")));
	json_decref(j);
	/* A page that holds the rest says so (an exactly full page may still carry
	 * a cursor to an empty last page: keyset pagination need not look ahead). */
	j = api_expect(&srv, "GET", "/api/v1/users?q=page.&limit=6", admin, NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
	assert_true(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);

	static const struct {
		const char *query, *field;
	} bad[] = {
	        {"?limit=0", "limit"},         {"?limit=201", "limit"}, {"?limit=x", "limit"},
	        {"?cursor=garbage", "cursor"}, {"?role=root", "role"},  {"?disabled=maybe", "disabled"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[128];
		snprintf(path, sizeof path, "/api/v1/users%s", bad[i].query);
		struct http_resp r;
		api_get(&srv, path, admin, &r);
		if (r.status != 422)
			fail_msg("GET %s: expected 422, got %ld", path, r.status);
		assert_validation(&r, (const char *const[]){bad[i].field, NULL});
		http_resp_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reads_by_role),          cmocka_unit_test(test_create_every_role),
	        cmocka_unit_test(test_create_validation),      cmocka_unit_test(test_admin_update),
	        cmocka_unit_test(test_writes_by_non_admins),   cmocka_unit_test(test_disable),
	        cmocka_unit_test(test_filters_and_pagination), cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_users", tests, group_setup, group_teardown);
}
