/*
 * Sessions through the real binary: login (token pair, uniform failures,
 * validation, throttling per username and per address), JWT verification
 * against a set of forged and mangled tokens, refresh-token rotation with its
 * grace and reuse detection, logout, and password changes.
 *
 * Three servers, because failed logins count against the client address
 * (127.0.0.1 for every test): the main group stays well under the
 * 20-failure limit, the throttle group holds the timing and per-username
 * tests, and the address group locks the address on purpose. Two more
 * servers: one behind a trusted proxy (X-Forwarded-For believed; also a
 * shorter access-token lifetime), and one
 * bootstrapped without a preset admin password (the generated one, restarts,
 * signing-key rotation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "client.h"

static const char *const server_env[] = {BOOTSTRAP_ENV, NULL};

static struct server_proc srv;   /* the running server */
static struct server_proc owner; /* after a restart: the first server, owner of the data */
static struct tokens admin;
static char root_id[ID_LEN];

#define USER_PASSWORD "user-password-1"

static void start_group(const char *const *env)
{
	memset(&owner, 0, sizeof owner);
	server_start(&srv, env);
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &admin);
	json_t *me = api_expect(&srv, "GET", "/api/v1/me", admin.access, NULL, 200);
	snprintf(root_id, sizeof root_id, "%s", jstr(me, "org_id"));
	json_decref(me);
}

static int group_setup(void **state)
{
	(void)state;
	start_group(server_env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_cleanup(&srv);
	server_cleanup(&owner);
	return 0;
}

static const char *data_dir(void)
{
	return owner.dir[0] ? owner.data_dir : srv.data_dir;
}

/* Stops the server (cleanly) unless it is stopped already, and starts
 * another on the same data. */
static void restart(const char *const *env)
{
	if (srv.pid)
		assert_int_equal(server_stop(&srv), 0);
	if (!owner.dir[0])
		owner = srv; /* keeps the data directory */
	else
		server_cleanup(&srv);
	server_start_on(&srv, owner.data_dir, env);
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

/* A user at the root organization with USER_PASSWORD. */
static void make_user(const char *username, const char *role, char *id)
{
	api_create_user(&srv, admin.access, username, role, root_id, USER_PASSWORD, id);
}

static void login_raw(const char *body, const char *const *headers, struct http_resp *r)
{
	char url[256];
	const char *const json_ct[] = {"Content-Type: application/json", NULL};
	http_do("POST", url_of(&srv, "/api/v1/auth/login", url, sizeof url), headers ? headers : json_ct, body,
	        strlen(body), 0, r);
}

static void expect_login_problem(const char *username, const char *password, long status, const char *code)
{
	char *body = jbody("{s:s, s:s}", "username", username, "password", password);
	struct http_resp r;
	login_raw(body, NULL, &r);
	free(body);
	assert_problem(&r, status, code);
	http_resp_release(&r);
}

/* ---- JWT forging ----------------------------------------------------------- */

struct signing_key {
	char kid[128];
	unsigned char *key;
	size_t len;
};

/* The first line of <data>/jwt.key: "<kid> <base64url key>" (it signs). */
static void load_signing_key(struct signing_key *k)
{
	char path[400];
	snprintf(path, sizeof path, "%s/jwt.key", data_dir());
	struct buf b = BUF_INIT;
	if (read_file(path, &b) != 0)
		fail_msg("cannot read %s", path);
	const char *line = buf_cstr(&b);
	const char *sp = strchr(line, ' ');
	assert_non_null(sp);
	size_t kid_len = (size_t)(sp - line);
	assert_true(kid_len > 0 && kid_len < sizeof k->kid);
	memcpy(k->kid, line, kid_len);
	k->kid[kid_len] = '\0';
	const char *key = sp + 1;
	size_t key_len = strcspn(key, "\r\n");
	k->key = b64url_decode(key, key_len, &k->len);
	if (!k->key || k->len < 32)
		fail_msg("the key in %s is not base64url of at least 32 bytes", path);
	buf_release(&b);
}

static json_t *token_part(const char *token, int index)
{
	const char *start = token;
	for (int i = 0; i < index; i++) {
		start = strchr(start, '.');
		assert_non_null(start);
		start++;
	}
	size_t len = strcspn(start, ".");
	size_t n;
	unsigned char *raw = b64url_decode(start, len, &n);
	assert_non_null(raw);
	json_t *j = json_loadb((const char *)raw, n, 0, NULL);
	if (!json_is_object(j))
		fail_msg("JWT part %d is not a JSON object: %s", index, raw);
	free(raw);
	return j;
}

/*
 * header.payload.signature with the signature an HMAC under md (NULL: an
 * empty signature). The JSON texts are encoded as given.
 */
static char *sign_texts(const char *header, const char *payload, const EVP_MD *md, const unsigned char *key,
                        size_t key_len)
{
	char *h = b64url_encode(header, strlen(header));
	char *p = b64url_encode(payload, strlen(payload));
	struct buf input = BUF_INIT;
	buf_printf(&input, "%s.%s", h, p);
	char *sig = NULL;
	if (md) {
		unsigned char mac[EVP_MAX_MD_SIZE];
		unsigned int mac_len = 0;
		assert_non_null(
		        HMAC(md, key, (int)key_len, (const unsigned char *)input.data, input.len, mac, &mac_len));
		sig = b64url_encode(mac, mac_len);
	}
	buf_printf(&input, ".%s", sig ? sig : "");
	free(h);
	free(p);
	free(sig);
	return buf_detach(&input, NULL);
}

static char *sign_json(json_t *header, json_t *claims, const EVP_MD *md, const unsigned char *key, size_t key_len)
{
	char *h = json_dumps(header, JSON_COMPACT);
	char *p = json_dumps(claims, JSON_COMPACT);
	char *t = sign_texts(h, p, md, key, key_len);
	free(h);
	free(p);
	return t;
}

/* Claims like the server's own for the holder of real_access, freshly timed
 * and with a new jti: a token the server must accept when signed right. */
static json_t *fresh_claims(const char *real_access)
{
	json_t *c = token_part(real_access, 1);
	json_int_t now = (json_int_t)time(NULL);
	json_object_set_new(c, "iat", json_integer(now));
	json_object_set_new(c, "nbf", json_integer(now));
	json_object_set_new(c, "exp", json_integer(now + 900));
	json_object_set_new(c, "jti", json_string("6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"));
	return c;
}

static void expect_me_rejected(const char *token, const char *what)
{
	struct http_resp r;
	api_get(&srv, "/api/v1/me", token, &r);
	if (r.status != 401)
		fail_msg("%s: expected 401, got %ld: %.300s", what, r.status, buf_cstr(&r.body));
	assert_unauthorized(&r);
	char v[256];
	http_header(&r, "WWW-Authenticate", v, sizeof v);
	if (!strstr(v, "error=\"invalid_token\""))
		fail_msg("%s: WWW-Authenticate \"%s\" lacks error=\"invalid_token\"", what, v);
	http_resp_release(&r);
}

static void expect_me_ok(const char *token, const char *what)
{
	struct http_resp r;
	api_get(&srv, "/api/v1/me", token, &r);
	if (r.status != 200)
		fail_msg("%s: expected 200, got %ld: %.300s", what, r.status, buf_cstr(&r.body));
	http_resp_release(&r);
}

/* ---- login ------------------------------------------------------------------ */

static void test_login_success(void **state)
{
	(void)state;
	char *body = jbody("{s:s, s:s}", "username", "admin", "password", BOOTSTRAP_PASSWORD);
	struct http_resp r;
	login_raw(body, NULL, &r);
	free(body);
	assert_int_equal(r.status, 200);
	char ct[128];
	assert_true(http_header(&r, "Content-Type", ct, sizeof ct));
	assert_string_equal(ct, "application/json; charset=utf-8");
	json_t *j = http_json(&r);
	struct tokens t;
	tokens_from_json(j, &t);
	assert_no_secrets(j, &r, BOOTSTRAP_PASSWORD);
	json_t *user = json_object_get(j, "user");
	assert_string_equal(jstr(user, "username"), "admin");
	assert_string_equal(jstr(user, "role"), "admin");
	assert_string_equal(jstr(user, "display_name"), "系统管理员");
	assert_string_equal(jstr(user, "org_id"), root_id);
	assert_string_equal(jstr(user, "org_name"), "本市");
	assert_true(json_is_false(json_object_get(user, "disabled")));
	assert_true(jint(user, "version") >= 1);
	assert_int_equal(strlen(jstr(user, "id")), 36);

	/* The access token is the contract's JWT. */
	json_t *h = token_part(t.access, 0);
	assert_string_equal(jstr(h, "alg"), "HS256");
	assert_string_equal(jstr(h, "typ"), "JWT");
	struct signing_key k;
	load_signing_key(&k);
	assert_string_equal(jstr(h, "kid"), k.kid);
	free(k.key);
	json_decref(h);
	json_t *c = token_part(t.access, 1);
	assert_string_equal(jstr(c, "iss"), "inspectd");
	assert_string_equal(jstr(c, "aud"), "inspectd-api");
	assert_string_equal(jstr(c, "sub"), jstr(user, "id"));
	assert_string_equal(jstr(c, "role"), "admin");
	assert_string_equal(jstr(c, "org"), root_id);
	assert_string_equal(jstr(c, "use"), "access");
	assert_int_equal(jint(c, "exp") - jint(c, "iat"), 900);
	long long now = (long long)time(NULL);
	assert_true(jint(c, "iat") >= now - 60 && jint(c, "iat") <= now + 5);
	assert_true(jint(c, "nbf") <= jint(c, "iat"));
	assert_int_equal(strlen(jstr(c, "jti")), 36);
	assert_int_equal(strlen(jstr(c, "sid")), 36);
	assert_true(json_is_integer(json_object_get(c, "tv")));
	json_decref(c);
	json_decref(j);
	http_resp_release(&r);

	/* GET /me with it: the user and an organization summary. */
	api_get(&srv, "/api/v1/me", t.access, &r);
	assert_int_equal(r.status, 200);
	j = http_json(&r);
	assert_no_secrets(j, &r, BOOTSTRAP_PASSWORD);
	assert_string_equal(jstr(j, "username"), "admin");
	assert_string_equal(jstr(j, "id"), t.user_id);
	json_t *org = json_object_get(j, "org");
	assert_string_equal(jstr(org, "id"), root_id);
	assert_string_equal(jstr(org, "code"), "root");
	assert_string_equal(jstr(org, "level"), "city");
	assert_string_equal(jstr(org, "name"), "本市");
	json_decref(j);
	http_resp_release(&r);

	/* Two logins are two sessions: different access and refresh tokens. */
	struct tokens t2;
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &t2);
	assert_string_not_equal(t.access, t2.access);
	assert_string_not_equal(t.refresh, t2.refresh);
}

static json_t *failure_body(const char *username, const char *password)
{
	char *body = jbody("{s:s, s:s}", "username", username, "password", password);
	struct http_resp r;
	login_raw(body, NULL, &r);
	free(body);
	assert_problem(&r, 401, "invalid_credentials");
	json_t *j = http_json(&r);
	json_object_del(j, "request_id");
	http_resp_release(&r);
	return j;
}

static void test_login_failures_look_alike(void **state)
{
	(void)state;
	char id[ID_LEN];
	make_user("carol", "viewer", id);
	make_user("carla", "viewer", NULL);
	json_t *wrong = failure_body("carol", "not-her-password");
	json_t *unknown = failure_body("nobody-here", "not-her-password");
	/* Disabled accounts answer the same way, even with the right password. */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/users/%s/disable", id);
	json_decref(api_expect(&srv, "POST", path, admin.access, NULL, 200));
	json_t *disabled = failure_body("carol", USER_PASSWORD);
	/* The same answer apart from the request id: nothing tells which it was. */
	if (!json_equal(wrong, unknown) || !json_equal(wrong, disabled)) {
		char *a = json_dumps(wrong, JSON_COMPACT), *b = json_dumps(unknown, JSON_COMPACT),
		     *c = json_dumps(disabled, JSON_COMPACT);
		fail_msg("login failures differ:\n wrong password: %s\n unknown user:   %s\n disabled user:  %s", a, b,
		         c);
	}
	json_decref(wrong);
	json_decref(unknown);
	json_decref(disabled);
	/* carla is unaffected by carol's failures. */
	api_login_ok(&srv, "carla", USER_PASSWORD, NULL);
}

static void test_login_validation(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		const char *fields[3];
	} cases[] = {
	        {"{}", {"username", "password"}},
	        {"{\"username\":\"admin\"}", {"password"}},
	        {"{\"password\":\"" BOOTSTRAP_PASSWORD "\"}", {"username"}},
	        {"{\"username\":42,\"password\":\"" BOOTSTRAP_PASSWORD "\"}", {"username"}},
	        {"{\"username\":\"admin\",\"password\":true}", {"password"}},
	        {"{\"username\":null,\"password\":[\"x\"]}", {"username", "password"}},
	        {"{\"username\":\"admin\",\"password\":{\"p\":1}}", {"password"}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_resp r;
		login_raw(cases[i].body, NULL, &r);
		assert_validation(&r, cases[i].fields);
		http_resp_release(&r);
	}
	/* An unknown field is refused even next to the right credentials. */
	struct http_resp r;
	login_raw("{\"username\":\"admin\",\"password\":\"" BOOTSTRAP_PASSWORD "\",\"remember_me\":true}", NULL, &r);
	assert_unknown_field(&r, "remember_me");
	http_resp_release(&r);

	login_raw("{\"username\":\"admin\",\"password\":", NULL, &r);
	assert_problem(&r, 400, "malformed_json");
	http_resp_release(&r);
	login_raw("{\"username\":\"admin\",\"username\":\"x\",\"password\":\"y\"}", NULL, &r);
	assert_problem(&r, 400, "malformed_json");
	http_resp_release(&r);

	const char *const text[] = {"Content-Type: text/plain", NULL};
	login_raw("{\"username\":\"admin\",\"password\":\"" BOOTSTRAP_PASSWORD "\"}", text, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	http_resp_release(&r);
	const char *const form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	login_raw("username=admin&password=" BOOTSTRAP_PASSWORD, form, &r);
	assert_problem(&r, 415, "unsupported_media_type");
	http_resp_release(&r);

	/* GET is not login. */
	api_get(&srv, "/api/v1/auth/login", NULL, &r);
	assert_problem(&r, 405, "method_not_allowed");
	http_resp_release(&r);
}

static void test_success_resets_username_failures(void **state)
{
	(void)state;
	make_user("sam", "viewer", NULL);
	/* 4 failures, a success, 4 more failures: never 5 in a row, never 429. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++)
			expect_login_problem("sam", "wrong-password-x", 401, "invalid_credentials");
		api_login_ok(&srv, "sam", USER_PASSWORD, NULL);
	}
}

/* ---- JWT attacks ----------------------------------------------------------- */

static void test_forged_tokens(void **state)
{
	(void)state;
	struct signing_key k;
	load_signing_key(&k);
	json_t *header = token_part(admin.access, 0);
	json_t *claims = fresh_claims(admin.access);
	const EVP_MD *sha256 = EVP_sha256();

	/* The forging is right: a token made here with the key is accepted. */
	char *good = sign_json(header, claims, sha256, k.key, k.len);
	expect_me_ok(good, "a correctly forged token");

	/* alg none, without and with a signature; other algorithms. */
	static const char *const other_algs[] = {"none", "None", "NONE", "HS384", "HS512", "RS256"};
	for (size_t i = 0; i < sizeof other_algs / sizeof other_algs[0]; i++) {
		json_t *h = json_deep_copy(header);
		json_object_set_new(h, "alg", json_string(other_algs[i]));
		char *bare = sign_json(h, claims, NULL, NULL, 0);
		char *signed256 = sign_json(h, claims, sha256, k.key, k.len);
		char *signed384 = sign_json(h, claims, EVP_sha384(), k.key, k.len);
		char *signed512 = sign_json(h, claims, EVP_sha512(), k.key, k.len);
		char what[64];
		snprintf(what, sizeof what, "alg %s, no signature", other_algs[i]);
		expect_me_rejected(bare, what);
		/* and with the bare token's trailing dot dropped */
		bare[strlen(bare) - 1] = '\0';
		expect_me_rejected(bare, what);
		snprintf(what, sizeof what, "alg %s, HS256 signature", other_algs[i]);
		expect_me_rejected(signed256, what);
		snprintf(what, sizeof what, "alg %s, HS384 signature", other_algs[i]);
		expect_me_rejected(signed384, what);
		snprintf(what, sizeof what, "alg %s, HS512 signature", other_algs[i]);
		expect_me_rejected(signed512, what);
		free(bare);
		free(signed256);
		free(signed384);
		free(signed512);
		json_decref(h);
	}
	/* An HS256 token without a signature at all. */
	char *unsigned_tok = sign_json(header, claims, NULL, NULL, 0);
	expect_me_rejected(unsigned_tok, "HS256 header, empty signature");
	free(unsigned_tok);

	/* The right algorithm with a wrong key (right length, one bit off). */
	unsigned char *wrong = malloc(k.len);
	memcpy(wrong, k.key, k.len);
	wrong[0] ^= 1;
	char *t = sign_json(header, claims, sha256, wrong, k.len);
	expect_me_rejected(t, "HS256 with a wrong key");
	free(t);
	free(wrong);

	/* One claim changed at a time, each correctly signed. */
	json_int_t now = (json_int_t)time(NULL);
	static const char *const unknown_id = "00000000-0000-4000-8000-000000000000";
	struct {
		const char *what, *key;
		json_t *value; /* NULL: the claim is removed */
	} mutations[] = {
	        {"expired an hour ago", "exp", json_integer(now - 3600)},
	        {"not valid for another hour", "nbf", json_integer(now + 3600)},
	        {"wrong issuer", "iss", json_string("someone-else")},
	        {"wrong audience", "aud", json_string("other-api")},
	        {"audience as a list without ours", "aud", json_pack("[s]", "other-api")},
	        {"no exp", "exp", NULL},
	        {"use refresh", "use", json_string("refresh")},
	        {"no use", "use", NULL},
	        {"stale token version", "tv", json_integer(jint(claims, "tv") + 1)},
	        {"exp as a string", "exp", json_string("9999999999")},
	        {"unknown user", "sub", json_string(unknown_id)},
	};
	for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
		json_t *c = json_deep_copy(claims);
		if (mutations[i].value)
			json_object_set_new(c, mutations[i].key, mutations[i].value);
		else
			json_object_del(c, mutations[i].key);
		if (strcmp(mutations[i].key, "exp") == 0 && mutations[i].value && json_is_integer(mutations[i].value)) {
			json_object_set_new(c, "iat", json_integer(now - 4500));
			json_object_set_new(c, "nbf", json_integer(now - 4500));
		}
		t = sign_json(header, c, sha256, k.key, k.len);
		expect_me_rejected(t, mutations[i].what);
		free(t);
		json_decref(c);
	}

	/* Tolerated clock skew: exp a little in the past, nbf a little ahead (60 s). */
	json_t *skew = json_deep_copy(claims);
	json_object_set_new(skew, "exp", json_integer(now - 20));
	json_object_set_new(skew, "nbf", json_integer(now + 20));
	t = sign_json(header, skew, sha256, k.key, k.len);
	expect_me_ok(t, "20 s of clock skew");
	free(t);
	json_decref(skew);

	/* Altered after signing: a viewer's own token with its role raised to
	 * admin and the original signature kept. */
	make_user("vicky", "viewer", NULL);
	struct tokens vicky;
	api_login_ok(&srv, "vicky", USER_PASSWORD, &vicky);
	json_t *vc = token_part(vicky.access, 1);
	json_object_set_new(vc, "role", json_string("admin"));
	char *vp = json_dumps(vc, JSON_COMPACT);
	char *vp64 = b64url_encode(vp, strlen(vp));
	const char *d1 = strchr(vicky.access, '.');
	const char *d2 = strchr(d1 + 1, '.');
	struct buf tampered = BUF_INIT;
	buf_add(&tampered, vicky.access, (size_t)(d1 - vicky.access) + 1);
	buf_printf(&tampered, "%s%s", vp64, d2);
	expect_me_rejected(buf_cstr(&tampered), "payload altered after signing");
	/* a viewer may not list users; the tampered token may not either */
	struct http_resp r;
	api_get(&srv, "/api/v1/users", buf_cstr(&tampered), &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	/* one signature character flipped */
	buf_reset(&tampered);
	buf_adds(&tampered, vicky.access);
	char *last = &tampered.data[tampered.len - 2];
	*last = *last == 'A' ? 'B' : 'A';
	expect_me_rejected(buf_cstr(&tampered), "signature altered");
	buf_release(&tampered);
	free(vp);
	free(vp64);
	json_decref(vc);
	expect_me_ok(vicky.access, "the untouched viewer token");

	/* Long tokens: the server caps them at 4096 bytes. A correctly signed
	 * token padded past the cap is refused, up to 16 KiB. */
	static const size_t sizes[] = {5000, 8000, 16384};
	for (size_t i = 0; i < 3; i++) {
		json_t *c = json_deep_copy(claims);
		size_t pad_len = sizes[i] * 3 / 4;
		char *pad = malloc(pad_len + 1);
		memset(pad, 'p', pad_len);
		pad[pad_len] = '\0';
		json_object_set_new(c, "pad", json_string(pad));
		t = sign_json(header, c, sha256, k.key, k.len);
		assert_true(strlen(t) > 4096);
		expect_me_rejected(t, "a token over 4096 bytes");
		free(t);
		free(pad);
		json_decref(c);
	}

	free(good);
	json_decref(claims);
	json_decref(header);
	free(k.key);
}

static void test_malformed_credentials(void **state)
{
	(void)state;
	/* The refresh token is no access token. */
	expect_me_rejected(admin.refresh, "a refresh token as the bearer");
	static const char *const garbage[] = {"garbage",
	                                      "a.b.c",
	                                      "....",
	                                      "eyJhbGciOiJIUzI1NiJ9",
	                                      "eyJhbGciOiJIUzI1NiJ9.e30.",
	                                      "\xe4\xbd\xa0\xe5\xa5\xbd"};
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
		expect_me_rejected(garbage[i], garbage[i]);

	/* Header shapes. */
	char basic[] = "Authorization: Basic YWRtaW46YWRtaW4tcGFzc3dvcmQtMTIz"; /* admin:admin-password-123 */
	char other_scheme[6300];
	snprintf(other_scheme, sizeof other_scheme, "Authorization: Token %s", admin.access);
	const char *all[] = {basic,
	                     other_scheme,
	                     "Authorization: Bearer ",
	                     "Authorization: Bearer",
	                     "Authorization: Bearer  ",
	                     "Authorization: Bearer \"\""};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		const char *const h[] = {all[i], NULL};
		struct http_resp r;
		api_call(&srv, "GET", "/api/v1/me", NULL, NULL, h, &r);
		if (r.status != 401)
			fail_msg("%.60s: expected 401, got %ld", all[i], r.status);
		assert_unauthorized(&r);
		http_resp_release(&r);
	}

	/* No credentials at all. */
	struct http_resp r;
	api_get(&srv, "/api/v1/me", NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* A valid token in the query string is ignored. */
	char path[6300];
	snprintf(path, sizeof path, "/api/v1/me?access_token=%s", admin.access);
	api_get(&srv, path, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* The same valid token in the header is fine. */
	expect_me_ok(admin.access, "the admin token");
}

static void test_disabled_user_token(void **state)
{
	(void)state;
	char id[ID_LEN];
	make_user("dora", "viewer", id);
	struct tokens dora;
	api_login_ok(&srv, "dora", USER_PASSWORD, &dora);
	expect_me_ok(dora.access, "dora before disable");
	char path[128];
	snprintf(path, sizeof path, "/api/v1/users/%s/disable", id);
	json_t *u = api_expect(&srv, "POST", path, admin.access, NULL, 200);
	assert_true(json_is_true(json_object_get(u, "disabled")));
	json_decref(u);
	expect_me_rejected(dora.access, "a disabled user's token");
	struct http_resp r;
	assert_int_equal(api_refresh(&srv, dora.refresh, NULL, &r), 401);
	assert_problem(&r, 401, "invalid_refresh_token");
	http_resp_release(&r);
	expect_login_problem("dora", USER_PASSWORD, 401, "invalid_credentials");
}

/* ---- refresh ------------------------------------------------------------------ */

static void expect_refresh_problem(const char *token, const char *code)
{
	struct http_resp r;
	long status = api_refresh(&srv, token, NULL, &r);
	if (status != 401)
		fail_msg("refresh: expected 401 %s, got %ld: %.300s", code, status, buf_cstr(&r.body));
	assert_problem(&r, 401, code);
	http_resp_release(&r);
}

static void test_refresh_rotation_and_reuse(void **state)
{
	(void)state;
	make_user("rita", "viewer", NULL);
	struct tokens first, p1, grace, p2, other;
	api_login_ok(&srv, "rita", USER_PASSWORD, &first);
	api_login_ok(&srv, "rita", USER_PASSWORD, &other); /* a second, independent session */

	/* Rotation: a new pair, a new refresh token. */
	assert_int_equal(api_refresh(&srv, first.refresh, &p1, NULL), 200);
	assert_string_not_equal(p1.refresh, first.refresh);
	assert_string_equal(p1.user_id, first.user_id);
	expect_me_ok(p1.access, "the rotated access token");
	expect_me_ok(first.access, "the first access token (same session, not expired)");

	/* The spent token again within 30 s of its rotation (a phone that lost
	 * the answer): the SAME successor, with a new access token. */
	assert_int_equal(api_refresh(&srv, first.refresh, &grace, NULL), 200);
	assert_string_equal(grace.refresh, p1.refresh);
	expect_me_ok(grace.access, "the access token of the grace answer");

	/* The successor rotates normally. */
	assert_int_equal(api_refresh(&srv, p1.refresh, &p2, NULL), 200);
	assert_string_not_equal(p2.refresh, p1.refresh);
	assert_string_not_equal(p2.refresh, first.refresh);

	/* Reuse beyond the grace. Sleeping 30 s is not needed to get there: the
	 * first token's successor (p1) has itself been rotated, so handing out
	 * p1 again is impossible and the presentation can only be a replay.
	 * The whole family is revoked. */
	expect_refresh_problem(first.refresh, "refresh_token_reused");

	/* The family's newest refresh token is dead … */
	struct http_resp r;
	assert_int_equal(api_refresh(&srv, p2.refresh, NULL, &r), 401);
	json_t *j = http_json(&r);
	const char *code = jstr(j, "code");
	if (strcmp(code, "invalid_refresh_token") != 0 && strcmp(code, "refresh_token_reused") != 0)
		fail_msg("the revoked family's newest refresh token: code %s", code);
	assert_problem(&r, 401, code);
	json_decref(j);
	http_resp_release(&r);
	/* … and so are the session's access tokens. */
	expect_me_rejected(p2.access, "an access token of a revoked family");
	expect_me_rejected(p1.access, "an older access token of a revoked family");
	expect_me_rejected(first.access, "the first access token of a revoked family");

	/* The user's other session is untouched. */
	expect_me_ok(other.access, "another session's access token");
	struct tokens other2;
	assert_int_equal(api_refresh(&srv, other.refresh, &other2, NULL), 200);
	expect_me_ok(other2.access, "another session, rotated");
}

struct refresh_call {
	const char *url;
	const char *body;
	struct http_resp resp;
};

static void *refresh_thread(void *arg)
{
	struct refresh_call *c = arg;
	const char *const json_ct[] = {"Content-Type: application/json", NULL};
	http_do("POST", c->url, json_ct, c->body, strlen(c->body), 0, &c->resp);
	return NULL;
}

static void test_concurrent_refresh(void **state)
{
	(void)state;
	/* A phone on a bad network fires the same refresh several times at
	 * once: one rotation happens, every answer carries its successor, and
	 * nothing is mistaken for reuse. */
	make_user("rhea", "viewer", NULL);
	struct tokens t;
	api_login_ok(&srv, "rhea", USER_PASSWORD, &t);
	char url[256];
	url_of(&srv, "/api/v1/auth/refresh", url, sizeof url);
	char *body = jbody("{s:s}", "refresh_token", t.refresh);
	enum { N = 4 };
	struct refresh_call calls[N];
	pthread_t threads[N];
	for (int i = 0; i < N; i++) {
		calls[i] = (struct refresh_call){.url = url, .body = body};
		assert_int_equal(pthread_create(&threads[i], NULL, refresh_thread, &calls[i]), 0);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	free(body);
	struct tokens got[N];
	for (int i = 0; i < N; i++) {
		if (calls[i].resp.status != 200)
			fail_msg("concurrent refresh %d: %ld %.300s", i, calls[i].resp.status,
			         buf_cstr(&calls[i].resp.body));
		json_t *j = http_json(&calls[i].resp);
		tokens_from_json(j, &got[i]);
		json_decref(j);
		http_resp_release(&calls[i].resp);
		assert_string_not_equal(got[i].refresh, t.refresh);
		if (i > 0)
			assert_string_equal(got[i].refresh, got[0].refresh);
	}
	for (int i = 0; i < N; i++)
		expect_me_ok(got[i].access, "an access token from a concurrent refresh");
	struct tokens next;
	assert_int_equal(api_refresh(&srv, got[0].refresh, &next, NULL), 200);
	expect_me_ok(next.access, "the session after concurrent refreshes");
}

static void test_refresh_bad_input(void **state)
{
	(void)state;
	/* Well-formed but unknown. */
	expect_refresh_problem("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid_refresh_token");
	expect_refresh_problem("short", "invalid_refresh_token");
	/* An access token is no refresh token. */
	expect_refresh_problem(admin.access, "invalid_refresh_token");

	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
	        {"{}", "refresh_token"},
	        {"{\"refresh_token\":null}", "refresh_token"},
	        {"{\"refresh_token\":12345}", "refresh_token"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_resp r;
		api_post(&srv, "/api/v1/auth/refresh", NULL, cases[i].body, &r);
		assert_validation(&r, (const char *const[]){cases[i].field, NULL});
		http_resp_release(&r);
	}
	struct tokens t;
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &t);
	char *body = jbody("{s:s, s:b}", "refresh_token", t.refresh, "extra", 1);
	struct http_resp r;
	api_post(&srv, "/api/v1/auth/refresh", NULL, body, &r);
	free(body);
	assert_unknown_field(&r, "extra");
	http_resp_release(&r);
	api_post(&srv, "/api/v1/auth/refresh", NULL, "{\"refresh_token\":", &r);
	assert_problem(&r, 400, "malformed_json");
	http_resp_release(&r);
	/* The token was not spent by the refused requests. */
	assert_int_equal(api_refresh(&srv, t.refresh, NULL, NULL), 200);
}

/* ---- logout ------------------------------------------------------------------- */

static void test_logout(void **state)
{
	(void)state;
	make_user("lou", "viewer", NULL);
	struct tokens s1, s2, s3;
	api_login_ok(&srv, "lou", USER_PASSWORD, &s1);
	api_login_ok(&srv, "lou", USER_PASSWORD, &s2);
	api_login_ok(&srv, "lou", USER_PASSWORD, &s3);

	struct http_resp r;
	api_post(&srv, "/api/v1/auth/logout", NULL, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	api_post(&srv, "/api/v1/auth/logout", s1.access, NULL, &r);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body.len, 0);
	http_resp_release(&r);
	expect_refresh_problem(s1.refresh, "invalid_refresh_token");
	expect_me_rejected(s1.access, "an access token after logout");
	api_post(&srv, "/api/v1/auth/logout", s1.access, NULL, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);

	/* The other sessions go on. */
	expect_me_ok(s2.access, "a second session after the first logged out");
	struct tokens s2b;
	assert_int_equal(api_refresh(&srv, s2.refresh, &s2b, NULL), 200);

	/* An empty object is also accepted as the body. */
	api_post(&srv, "/api/v1/auth/logout", s3.access, "{}", &r);
	assert_int_equal(r.status, 204);
	http_resp_release(&r);
	expect_me_rejected(s3.access, "the third session after its logout");
	expect_me_ok(s2b.access, "the second session after the third logged out");
}

/* ---- password change ------------------------------------------------------------- */

static void put_password(const char *bearer, const char *old_pw, const char *new_pw, struct http_resp *r)
{
	char *body = jbody("{s:s, s:s}", "old_password", old_pw, "new_password", new_pw);
	api_put(&srv, "/api/v1/me/password", bearer, body, r);
	free(body);
}

static void test_change_password(void **state)
{
	(void)state;
	/* The username is long enough to be a policy-length password itself. */
	make_user("paula.long1", "viewer", NULL);
	struct tokens s1, s2;
	api_login_ok(&srv, "paula.long1", USER_PASSWORD, &s1);
	api_login_ok(&srv, "paula.long1", USER_PASSWORD, &s2);

	static const struct {
		const char *old_pw, *new_pw, *field;
	} bad[] = {
	        {"not-the-password", "a-new-password-1", "old_password"},
	        {USER_PASSWORD, "nine-char", "new_password"},
	        {USER_PASSWORD, "", "new_password"},
	        {USER_PASSWORD, "PAULA.LONG1", "new_password"},
	        {USER_PASSWORD, "paula.long1", "new_password"},
	        /* 9 code points in 27 bytes: too short although over 10 bytes */
	        {USER_PASSWORD, "九个汉字的新密码呀", "new_password"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http_resp r;
		put_password(s1.access, bad[i].old_pw, bad[i].new_pw, &r);
		assert_validation(&r, (const char *const[]){bad[i].field, NULL});
		http_resp_release(&r);
	}
	char long_pw[130];
	memset(long_pw, 'x', 129);
	long_pw[129] = '\0';
	struct http_resp r;
	put_password(s1.access, USER_PASSWORD, long_pw, &r);
	assert_validation(&r, (const char *const[]){"new_password", NULL});
	http_resp_release(&r);
	api_put(&srv, "/api/v1/me/password", s1.access, "{}", &r);
	assert_validation(&r, (const char *const[]){"old_password", "new_password", NULL});
	http_resp_release(&r);
	api_put(&srv, "/api/v1/me/password", s1.access,
	        "{\"old_password\":\"" USER_PASSWORD "\",\"new_password\":\"a-new-password-1\",\"confirm\":\"x\"}", &r);
	assert_unknown_field(&r, "confirm");
	http_resp_release(&r);
	api_put(&srv, "/api/v1/me/password", NULL, "{\"old_password\":\"" USER_PASSWORD "\",\"new_password\":\"x\"}",
	        &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	/* None of that changed anything. */
	expect_me_ok(s1.access, "after refused changes");

	/* 10 code points is enough. */
	const char *new_pw = "十个汉字组成的新密码";
	put_password(s1.access, USER_PASSWORD, new_pw, &r);
	assert_int_equal(r.status, 200);
	json_t *j = http_json(&r);
	struct tokens fresh;
	tokens_from_json(j, &fresh);
	assert_no_secrets(j, &r, new_pw);
	json_decref(j);
	http_resp_release(&r);

	/* Every older access token dies, the one used included; the new one works. */
	expect_me_rejected(s1.access, "the access token used for the change");
	expect_me_rejected(s2.access, "another session's access token after the change");
	expect_me_ok(fresh.access, "the access token from the change");
	/* The other session's refresh family is revoked; this session goes on. */
	expect_refresh_problem(s2.refresh, "invalid_refresh_token");
	struct tokens next;
	assert_int_equal(api_refresh(&srv, fresh.refresh, &next, NULL), 200);
	expect_me_ok(next.access, "the changed session, rotated");

	expect_login_problem("paula.long1", USER_PASSWORD, 401, "invalid_credentials");
	api_login_ok(&srv, "paula.long1", new_pw, NULL);
}

/* ---- throttling (own servers) ------------------------------------------------------- */

static double timed_failure(const char *username, const char *password)
{
	double t0 = now_ms();
	expect_login_problem(username, password, 401, "invalid_credentials");
	return now_ms() - t0;
}

static void test_failure_timing(void **state)
{
	(void)state;
	make_user("tim", "viewer", NULL);
	api_login_ok(&srv, "tim", USER_PASSWORD, NULL); /* warm-up */
	double wrong = 0, unknown = 0;
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "ghost%d", i);
		wrong += timed_failure("tim", "wrong-password-0");
		unknown += timed_failure(name, "wrong-password-0");
	}
	wrong /= 5;
	unknown /= 5;
	print_message("mean failed-login time: wrong password %.1f ms, unknown user %.1f ms\n", wrong, unknown);
	/* Unknown users cost a (dummy) hash too: the times are of one kind. */
	if (unknown < 0.5 * wrong || unknown > 3.0 * wrong)
		fail_msg("mean failure time: wrong password %.1f ms, unknown user %.1f ms", wrong, unknown);
}

/*
 * Retry-After is whole seconds until the oldest counted failure leaves the
 * 15-minute window; the failures of these tests are seconds old, so that is
 * nearly 900.
 */
static void assert_retry_after(const struct http_resp *r)
{
	char v[32];
	if (!http_header(r, "Retry-After", v, sizeof v))
		fail_msg("429 without Retry-After");
	char *end;
	long secs = strtol(v, &end, 10);
	if (*end || end == v || secs < 1 || secs > 900)
		fail_msg("Retry-After \"%s\" is not an integer in 1..900", v);
	if (secs < 840)
		fail_msg("Retry-After %ld: the failures are seconds old, the window is 900 s", secs);
}

static void test_username_throttle(void **state)
{
	(void)state;
	make_user("thea", "viewer", NULL);
	make_user("theo", "viewer", NULL);
	for (int i = 0; i < 5; i++)
		expect_login_problem("thea", "wrong-password-1", 401, "invalid_credentials");
	/* The sixth attempt is refused before the password is looked at. */
	char *body = jbody("{s:s, s:s}", "username", "thea", "password", USER_PASSWORD);
	struct http_resp r;
	login_raw(body, NULL, &r);
	free(body);
	assert_problem(&r, 429, "too_many_requests");
	assert_retry_after(&r);
	http_resp_release(&r);
	/* Others are not affected. */
	api_login_ok(&srv, "theo", USER_PASSWORD, NULL);
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, NULL);
}

static void login_from(const char *address, const char *username, const char *password, struct http_resp *r)
{
	char xff[64];
	snprintf(xff, sizeof xff, "X-Forwarded-For: %s", address);
	const char *const headers[] = {"Content-Type: application/json", xff, NULL};
	char *body = jbody("{s:s, s:s}", "username", username, "password", password);
	login_raw(body, headers, r);
	free(body);
}

static void test_address_throttle(void **state)
{
	(void)state;
	/* 20 failures from 127.0.0.1, never 5 for one username. */
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "stranger%02d", i);
		expect_login_problem(name, "wrong-password-2", 401, "invalid_credentials");
	}
	char *body = jbody("{s:s, s:s}", "username", "admin", "password", BOOTSTRAP_PASSWORD);
	struct http_resp r;
	login_raw(body, NULL, &r);
	free(body);
	assert_problem(&r, 429, "too_many_requests");
	assert_retry_after(&r);
	http_resp_release(&r);
	/* Without trusted proxies, X-Forwarded-For is the client's word: ignored. */
	login_from("198.51.100.1", "admin", BOOTSTRAP_PASSWORD, &r);
	assert_problem(&r, 429, "too_many_requests");
	http_resp_release(&r);
	/* Authenticated requests are not logins: the admin's token still works. */
	expect_me_ok(admin.access, "an access token while the address is throttled");
}

static int proxy_group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, "INSPECTD_TRUSTED_PROXIES=127.0.0.1/32",
	                                  "INSPECTD_ACCESS_TTL_S=120", NULL};
	client_access_ttl = 120;
	start_group(env);
	return 0;
}

static int proxy_group_teardown(void **state)
{
	client_access_ttl = 900;
	return group_teardown(state);
}

static void test_access_ttl_setting(void **state)
{
	(void)state;
	/* This server runs with INSPECTD_ACCESS_TTL_S=120: the pair says so
	 * (start_group's login checked expires_in) and so do the claims. */
	json_t *c = token_part(admin.access, 1);
	assert_int_equal(jint(c, "exp") - jint(c, "iat"), 120);
	json_decref(c);
	struct tokens next;
	assert_int_equal(api_refresh(&srv, admin.refresh, &next, NULL), 200);
	c = token_part(next.access, 1);
	assert_int_equal(jint(c, "exp") - jint(c, "iat"), 120);
	json_decref(c);
}

static void test_forwarded_address_throttle(void **state)
{
	(void)state;
	/* Behind a trusted proxy the forwarded address is the client's. */
	struct http_resp r;
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "stranger%02d", i);
		login_from("203.0.113.7", name, "wrong-password-3", &r);
		assert_problem(&r, 401, "invalid_credentials");
		http_resp_release(&r);
	}
	login_from("203.0.113.7", "admin", BOOTSTRAP_PASSWORD, &r);
	assert_problem(&r, 429, "too_many_requests");
	assert_retry_after(&r);
	http_resp_release(&r);
	/* Failures count per account whatever the case of the username. */
	make_user("tina", "viewer", NULL);
	static const char *const variants[] = {"tina", "TINA", "Tina", "tINA", "tiNa"};
	for (int i = 0; i < 5; i++) {
		login_from("203.0.113.20", variants[i], "wrong-password-4", &r);
		assert_problem(&r, 401, "invalid_credentials");
		http_resp_release(&r);
	}
	login_from("203.0.113.21", "tina", USER_PASSWORD, &r);
	assert_problem(&r, 429, "too_many_requests");
	assert_retry_after(&r);
	http_resp_release(&r);
	/* Another client behind the same proxy, and the proxy itself, are fine. */
	login_from("203.0.113.8", "admin", BOOTSTRAP_PASSWORD, &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, NULL);
}

/* ---- bootstrap and keys (own server, no preset admin password) ------------------------ */

static char generated_password[128];

static int bootstrap_group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {"INSPECTD_BOOTSTRAP_ORG_NAME=测试市", NULL};
	memset(&owner, 0, sizeof owner);
	server_start(&srv, env);
	return 0;
}

static int count_in_log(const struct server_proc *s, const char *needle, char *first_after, size_t len)
{
	struct buf log = BUF_INIT;
	assert_int_equal(read_file(s->log_path, &log), 0);
	int n = 0;
	for (const char *p = strstr(buf_cstr(&log), needle); p; p = strstr(p + 1, needle)) {
		if (n++ == 0 && first_after) {
			const char *v = p + strlen(needle);
			size_t vlen = strcspn(v, " \t\r\n\"\\");
			assert_true(vlen < len);
			memcpy(first_after, v, vlen);
			first_after[vlen] = '\0';
		}
	}
	buf_release(&log);
	return n;
}

static void test_generated_admin_password(void **state)
{
	(void)state;
	/* Printed once on stderr, usable, policy-sized. */
	assert_int_equal(
	        count_in_log(&srv, "bootstrap admin password: ", generated_password, sizeof generated_password), 1);
	assert_true(strlen(generated_password) >= 10);
	api_login_ok(&srv, "admin", generated_password, &admin);
	json_t *me = api_expect(&srv, "GET", "/api/v1/me", admin.access, NULL, 200);
	assert_string_equal(jstr(me, "display_name"), "系统管理员");
	assert_string_equal(jstr(me, "role"), "admin");
	json_t *org = json_object_get(me, "org");
	assert_string_equal(jstr(org, "name"), "测试市");
	assert_string_equal(jstr(org, "code"), "root");
	assert_string_equal(jstr(org, "level"), "city");
	json_decref(me);
	/* The preset password of the other tests is not it. */
	assert_int_equal(api_login(&srv, "admin", BOOTSTRAP_PASSWORD, NULL), 401);

	/* The key file is the owner's alone. */
	char path[400];
	snprintf(path, sizeof path, "%s/jwt.key", data_dir());
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void write_key_file(const char *text)
{
	char path[400];
	snprintf(path, sizeof path, "%s/jwt.key", data_dir());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_restart_and_key_rotation(void **state)
{
	(void)state;
	/* A restart bootstraps nothing again; sessions survive it. */
	restart(NULL);
	assert_int_equal(count_in_log(&srv, "bootstrap admin password", NULL, 0), 0);
	expect_me_ok(admin.access, "an access token across a restart");
	api_login_ok(&srv, "admin", generated_password, NULL);

	/* A new key in front signs; the old one, now second, still verifies. */
	char path[400];
	snprintf(path, sizeof path, "%s/jwt.key", data_dir());
	struct buf old_keys = BUF_INIT;
	assert_int_equal(read_file(path, &old_keys), 0);
	unsigned char raw[32];
	FILE *rnd = fopen("/dev/urandom", "rb");
	assert_non_null(rnd);
	assert_int_equal(fread(raw, 1, sizeof raw, rnd), sizeof raw);
	fclose(rnd);
	char *key = b64url_encode(raw, sizeof raw);
	struct buf keys = BUF_INIT;
	buf_printf(&keys, "rotated1 %s\n%s", key, buf_cstr(&old_keys));
	assert_int_equal(server_stop(&srv), 0);
	write_key_file(buf_cstr(&keys));
	restart(NULL);
	expect_me_ok(admin.access, "a token of the previous key");
	struct tokens fresh;
	api_login_ok(&srv, "admin", generated_password, &fresh);
	json_t *h = token_part(fresh.access, 0);
	assert_string_equal(jstr(h, "kid"), "rotated1");
	json_decref(h);
	expect_me_ok(fresh.access, "a token of the new key");

	/* Once the old key is gone, its tokens are. */
	assert_int_equal(server_stop(&srv), 0);
	buf_reset(&keys);
	buf_printf(&keys, "rotated1 %s\n", key);
	write_key_file(buf_cstr(&keys));
	restart(NULL);
	expect_me_rejected(admin.access, "a token of a retired key");
	expect_me_ok(fresh.access, "a token of the remaining key");
	free(key);
	buf_release(&keys);
	buf_release(&old_keys);
}

int main(void)
{
	const struct CMUnitTest main_tests[] = {
	        cmocka_unit_test(test_login_success),
	        cmocka_unit_test(test_login_failures_look_alike),
	        cmocka_unit_test(test_login_validation),
	        cmocka_unit_test(test_success_resets_username_failures),
	        cmocka_unit_test(test_forged_tokens),
	        cmocka_unit_test(test_malformed_credentials),
	        cmocka_unit_test(test_disabled_user_token),
	        cmocka_unit_test(test_refresh_rotation_and_reuse),
	        cmocka_unit_test(test_concurrent_refresh),
	        cmocka_unit_test(test_refresh_bad_input),
	        cmocka_unit_test(test_logout),
	        cmocka_unit_test(test_change_password),
	        cmocka_unit_test(test_clean_shutdown),
	};
	const struct CMUnitTest throttle_tests[] = {
	        cmocka_unit_test(test_failure_timing),
	        cmocka_unit_test(test_username_throttle),
	        cmocka_unit_test(test_clean_shutdown),
	};
	const struct CMUnitTest address_tests[] = {
	        cmocka_unit_test(test_address_throttle),
	        cmocka_unit_test(test_clean_shutdown),
	};
	const struct CMUnitTest proxy_tests[] = {
	        cmocka_unit_test(test_access_ttl_setting),
	        cmocka_unit_test(test_forwarded_address_throttle),
	        cmocka_unit_test(test_clean_shutdown),
	};
	const struct CMUnitTest bootstrap_tests[] = {
	        cmocka_unit_test(test_generated_admin_password),
	        cmocka_unit_test(test_restart_and_key_rotation),
	        cmocka_unit_test(test_clean_shutdown),
	};
	int failed = cmocka_run_group_tests_name("api_auth", main_tests, group_setup, group_teardown);
	failed += cmocka_run_group_tests_name("api_auth_throttle", throttle_tests, group_setup, group_teardown);
	failed += cmocka_run_group_tests_name("api_auth_address", address_tests, group_setup, group_teardown);
	failed += cmocka_run_group_tests_name("api_auth_proxy", proxy_tests, proxy_group_setup, proxy_group_teardown);
	failed += cmocka_run_group_tests_name("api_auth_bootstrap", bootstrap_tests, bootstrap_group_setup,
	                                      group_teardown);
	return failed;
}
