#define _GNU_SOURCE /* strcasestr */
#include "client.h"
#include "contract.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

/* ---- servers ------------------------------------------------------------- */

void server_start_on(struct server_proc *s, const char *data_dir, const char *const *env)
{
	char data_env[400];
	snprintf(data_env, sizeof data_env, "INSPECTD_DATA=%s", data_dir);
	const char *all[32];
	size_t n = 0;
	for (const char *const *e = env; e && *e && n < 30; e++)
		all[n++] = *e;
	all[n++] = data_env;
	all[n] = NULL;
	server_start(s, all);
}

/* ---- requests ------------------------------------------------------------ */

void api_call(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
              const char *const *headers, struct http_resp *out)
{
	const char *all[16];
	size_t n = 0;
	char *auth = NULL;
	if (bearer) {
		size_t len = strlen(bearer) + 32;
		auth = malloc(len);
		assert_non_null(auth);
		snprintf(auth, len, "Authorization: Bearer %s", bearer);
		all[n++] = auth;
	}
	if (json)
		all[n++] = "Content-Type: application/json";
	for (const char *const *h = headers; h && *h && n < 15; h++)
		all[n++] = *h;
	all[n] = NULL;
	size_t ulen = strlen(s->base_url) + strlen(path) + 1;
	char *url = malloc(ulen);
	assert_non_null(url);
	url_of(s, path, url, ulen);
	http_do(method, url, all, json, json ? strlen(json) : 0, 0, out);
	free(url);
	free(auth);
}

void api_get(struct server_proc *s, const char *path, const char *bearer, struct http_resp *out)
{
	api_call(s, "GET", path, bearer, NULL, NULL, out);
}

void api_post(struct server_proc *s, const char *path, const char *bearer, const char *json, struct http_resp *out)
{
	api_call(s, "POST", path, bearer, json, NULL, out);
}

void api_put(struct server_proc *s, const char *path, const char *bearer, const char *json, struct http_resp *out)
{
	api_call(s, "PUT", path, bearer, json, NULL, out);
}

json_t *api_expect(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                   long want)
{
	struct http_resp r;
	api_call(s, method, path, bearer, json, NULL, &r);
	if (r.status != want)
		fail_msg("%s %s: expected %ld, got %ld: %.600s", method, path, want, r.status, buf_cstr(&r.body));
	json_t *j = r.body.len ? http_json(&r) : NULL;
	http_resp_release(&r);
	return j;
}

long api_status(struct server_proc *s, const char *path, const char *bearer)
{
	struct http_resp r;
	api_get(s, path, bearer, &r);
	long status = r.status;
	http_resp_release(&r);
	return status;
}

/* ---- tokens -------------------------------------------------------------- */

static int is_b64url(const char *s)
{
	for (; *s; s++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *s))
			return 0;
	return 1;
}

long client_access_ttl = 900;

void tokens_from_json(json_t *pair, struct tokens *out)
{
	const char *access = jstr(pair, "access_token");
	const char *refresh = jstr(pair, "refresh_token");
	assert_non_null(access);
	assert_non_null(refresh);
	assert_string_equal(jstr(pair, "token_type"), "Bearer");
	assert_int_equal(jint(pair, "expires_in"), client_access_ttl);
	assert_int_equal(jint(pair, "refresh_expires_in"), 2592000);
	if (strlen(refresh) != 43 || !is_b64url(refresh))
		fail_msg("refresh_token is not 43 characters of base64url: \"%s\"", refresh);
	/* A JWT: three base64url parts. */
	const char *d1 = strchr(access, '.');
	assert_non_null(d1);
	const char *d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);
	assert_null(strchr(d2 + 1, '.'));
	json_t *user = json_object_get(pair, "user");
	assert_true(json_is_object(user));
	assert_non_null(jstr(user, "id"));
	assert_non_null(jstr(user, "username"));
	assert_no_secrets(pair, NULL, NULL);
	if (out) {
		if (strlen(access) >= sizeof out->access)
			fail_msg("access token of %zu bytes", strlen(access));
		snprintf(out->access, sizeof out->access, "%s", access);
		snprintf(out->refresh, sizeof out->refresh, "%s", refresh);
		snprintf(out->user_id, sizeof out->user_id, "%s", jstr(user, "id"));
	}
}

long api_login(struct server_proc *s, const char *username, const char *password, struct tokens *out)
{
	char *body = jbody("{s:s, s:s}", "username", username, "password", password);
	struct http_resp r;
	api_post(s, "/api/v1/auth/login", NULL, body, &r);
	free(body);
	if (r.status == 200) {
		json_t *j = http_json(&r);
		tokens_from_json(j, out);
		assert_string_equal(jstr(json_object_get(j, "user"), "username"), username);
		json_decref(j);
		assert_no_secrets(NULL, &r, password);
	}
	long status = r.status;
	http_resp_release(&r);
	return status;
}

void api_login_ok(struct server_proc *s, const char *username, const char *password, struct tokens *out)
{
	long status = api_login(s, username, password, out);
	if (status != 200)
		fail_msg("login as %s: expected 200, got %ld", username, status);
}

long api_refresh(struct server_proc *s, const char *refresh_token, struct tokens *out, struct http_resp *resp)
{
	char *body = jbody("{s:s}", "refresh_token", refresh_token);
	struct http_resp r;
	api_post(s, "/api/v1/auth/refresh", NULL, body, &r);
	free(body);
	if (r.status == 200) {
		json_t *j = http_json(&r);
		tokens_from_json(j, out);
		json_decref(j);
	}
	long status = r.status;
	if (resp)
		*resp = r;
	else
		http_resp_release(&r);
	return status;
}

/* ---- JSON ---------------------------------------------------------------- */

char *jbody(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_error_t err;
	json_t *j = json_vpack_ex(&err, 0, fmt, ap);
	va_end(ap);
	if (!j)
		fail_msg("json_pack(%s): %s", fmt, err.text);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(s);
	return s;
}

const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

long long jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static void walk_secrets(const json_t *j)
{
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)j, key, v)
		{
			if (strcasestr(key, "password") || strcasestr(key, "hash"))
				fail_msg("a response carries the member \"%s\"", key);
			walk_secrets(v);
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
		{
			walk_secrets(v);
		}
	}
}

void assert_no_secrets(const json_t *j, const struct http_resp *r, const char *secret)
{
	walk_secrets(j);
	if (r && secret && strstr(buf_cstr(&r->body), secret))
		fail_msg("a response body contains the password");
	if (r && strstr(buf_cstr(&r->body), "$argon2"))
		fail_msg("a response body contains a password hash");
}

/* ---- assertions ---------------------------------------------------------- */

void assert_unauthorized(const struct http_resp *r)
{
	assert_problem(r, 401, "unauthorized");
	char v[256];
	if (!http_header(r, "WWW-Authenticate", v, sizeof v))
		fail_msg("401 without WWW-Authenticate");
	if (strncmp(v, "Bearer", 6) != 0)
		fail_msg("WWW-Authenticate is \"%s\", not Bearer", v);
	if (!strstr(v, "realm=\"inspectd\""))
		fail_msg("WWW-Authenticate \"%s\" lacks realm=\"inspectd\"", v);
}

static json_t *error_for(json_t *errors, const char *field, size_t flen)
{
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		const char *f = jstr(e, "field");
		if (f && strlen(f) == flen && strncmp(f, field, flen) == 0)
			return e;
	}
	return NULL;
}

void assert_validation(const struct http_resp *r, const char *const *fields)
{
	assert_problem(r, 422, "validation_failed");
	json_t *j = http_json(r);
	json_t *errors = json_object_get(j, "errors");
	if (!json_is_array(errors) || json_array_size(errors) == 0)
		fail_msg("422 without an errors list: %s", buf_cstr(&r->body));
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e)
	{
		assert_non_null(jstr(e, "field"));
		const char *m = jstr(e, "message");
		if (!m || !*m)
			fail_msg("an error without a message: %s", buf_cstr(&r->body));
	}
	for (const char *const *f = fields; f && *f; f++) {
		int found = 0;
		for (const char *alt = *f; *alt && !found;) {
			const char *bar = strchr(alt, '|');
			size_t len = bar ? (size_t)(bar - alt) : strlen(alt);
			found = error_for(errors, alt, len) != NULL;
			alt += len + (bar ? 1 : 0);
		}
		if (!found)
			fail_msg("errors do not name field \"%s\": %s", *f, buf_cstr(&r->body));
	}
	json_decref(j);
}

void assert_unknown_field(const struct http_resp *r, const char *field)
{
	assert_validation(r, (const char *const[]){field, NULL});
	json_t *j = http_json(r);
	json_t *e = error_for(json_object_get(j, "errors"), field, strlen(field));
	assert_string_equal(jstr(e, "message"), "unknown field");
	json_decref(j);
}

void assert_etag(const struct http_resp *r, long long version)
{
	char v[64], want[64];
	if (!http_header(r, "ETag", v, sizeof v))
		fail_msg("no ETag header");
	snprintf(want, sizeof want, "\"%lld\"", version);
	assert_string_equal(v, want);
}

/* ---- lists --------------------------------------------------------------- */

json_t *api_list_all(struct server_proc *s, const char *path, const char *bearer, int limit)
{
	json_t *all = json_array();
	json_t *seen = json_object();
	char *cursor = NULL;
	for (int page = 0;; page++) {
		if (page > 1000)
			fail_msg("%s: more than 1000 pages", path);
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%climit=%d", path, strchr(path, '?') ? '&' : '?', limit);
		if (cursor) {
			char *esc = curl_easy_escape(NULL, cursor, 0);
			buf_printf(&p, "&cursor=%s", esc);
			curl_free(esc);
		}
		json_t *j = api_expect(s, "GET", buf_cstr(&p), bearer, NULL, 200);
		buf_release(&p);
		json_t *items = json_object_get(j, "items");
		json_t *next = json_object_get(j, "next_cursor");
		assert_true(json_is_array(items));
		if (!json_is_null(next) && !json_is_string(next))
			fail_msg("%s: next_cursor is neither null nor a string", path);
		if (json_array_size(items) > (size_t)limit)
			fail_msg("%s: a page of %zu items with limit %d", path, json_array_size(items), limit);
		if (json_is_string(next) && json_array_size(items) != (size_t)limit)
			fail_msg("%s: a short page (%zu of %d) before the end", path, json_array_size(items), limit);
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			const char *id = jstr(it, "id");
			assert_non_null(id);
			if (json_object_get(seen, id))
				fail_msg("%s: id %s listed twice", path, id);
			json_object_set_new(seen, id, json_true());
			json_array_append(all, it);
		}
		free(cursor);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		json_decref(j);
		if (!cursor)
			break;
	}
	json_decref(seen);
	return all;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void assert_key_set(const json_t *items, const char *key, const char *const *want)
{
	size_t nwant = 0;
	while (want[nwant])
		nwant++;
	size_t ngot = json_array_size(items);
	const char **got = calloc(ngot + 1, sizeof *got);
	const char **exp = calloc(nwant + 1, sizeof *exp);
	for (size_t i = 0; i < ngot; i++)
		got[i] = jstr(json_array_get(items, i), key) ? jstr(json_array_get(items, i), key) : "(null)";
	memcpy(exp, want, nwant * sizeof *exp);
	qsort(got, ngot, sizeof *got, cmp_str);
	qsort(exp, nwant, sizeof *exp, cmp_str);
	int same = ngot == nwant;
	for (size_t i = 0; same && i < ngot; i++)
		same = strcmp(got[i], exp[i]) == 0;
	if (!same) {
		struct buf m = BUF_INIT;
		buf_adds(&m, "got {");
		for (size_t i = 0; i < ngot; i++)
			buf_printf(&m, "%s%s", i ? ", " : "", got[i]);
		buf_adds(&m, "}, want {");
		for (size_t i = 0; i < nwant; i++)
			buf_printf(&m, "%s%s", i ? ", " : "", exp[i]);
		buf_adds(&m, "}");
		fail_msg("%s sets differ: %s", key, buf_cstr(&m));
	}
	free(got);
	free(exp);
}

json_t *find_by(const json_t *items, const char *key, const char *value)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *v = jstr(it, key);
		if (v && strcmp(v, value) == 0)
			return it;
	}
	return NULL;
}

/* ---- admin shortcuts ------------------------------------------------------ */

void api_create_org(struct server_proc *s, const char *admin, const char *code, const char *name, const char *level,
                    const char *parent_id, const char *category, char *id)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "code", code, "name", name, "level", level);
	json_object_set_new(o, "parent_id", parent_id ? json_string(parent_id) : json_null());
	if (category)
		json_object_set_new(o, "category", json_string(category));
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_t *j = api_expect(s, "POST", "/api/v1/orgs", admin, body, 201);
	free(body);
	assert_string_equal(jstr(j, "code"), code);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(j, "id"));
	json_decref(j);
}

void api_create_user(struct server_proc *s, const char *admin, const char *username, const char *role,
                     const char *org_id, const char *password, char *id)
{
	char display[80];
	snprintf(display, sizeof display, "用户 %s", username);
	char *body = jbody("{s:s, s:s, s:s, s:s, s:s}", "username", username, "display_name", display, "role", role,
	                   "org_id", org_id, "password", password);
	json_t *j = api_expect(s, "POST", "/api/v1/users", admin, body, 201);
	free(body);
	assert_string_equal(jstr(j, "username"), username);
	assert_no_secrets(j, NULL, NULL);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(j, "id"));
	json_decref(j);
}

void api_org_id(struct server_proc *s, const char *admin, const char *code, char *id)
{
	json_t *all = api_list_all(s, "/api/v1/orgs", admin, 200);
	json_t *o = find_by(all, "code", code);
	if (!o)
		fail_msg("no organization with code %s", code);
	snprintf(id, ID_LEN, "%s", jstr(o, "id"));
	json_decref(all);
}

void fixture_build(struct server_proc *s, struct org_tree *t, struct cast *c)
{
	api_login_ok(s, "admin", BOOTSTRAP_PASSWORD, &c->admin);
	const char *admin = c->admin.access;
	json_t *cities = api_expect(s, "GET", "/api/v1/orgs?level=city", admin, NULL, 200);
	json_t *items = json_object_get(cities, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "code"), "root");
	snprintf(t->city, sizeof t->city, "%s", jstr(json_array_get(items, 0), "id"));
	json_decref(cities);

	api_create_org(s, admin, "town-a", "东山镇", "town", t->city, NULL, t->town_a);
	api_create_org(s, admin, "town-b", "西湖街道", "town", t->city, NULL, t->town_b);
	api_create_org(s, admin, "vil-a1", "东山村", "village", t->town_a, "pilot", t->village_a1);
	api_create_org(s, admin, "vil-a2", "南岭村", "village", t->town_a, "consolidate", t->village_a2);
	api_create_org(s, admin, "vil-b1", "西湖社区", "village", t->town_b, "breakthrough", t->village_b1);
	api_create_org(s, admin, "grp-a1", "东山村一组", "group", t->village_a1, NULL, t->group_a1);

	api_create_user(s, admin, "sup.a", "supervisor", t->town_a, FIXTURE_PASSWORD, NULL);
	api_create_user(s, admin, "insp.a", "inspector", t->town_a, FIXTURE_PASSWORD, NULL);
	api_create_user(s, admin, "cadre.a1", "cadre", t->village_a1, FIXTURE_PASSWORD, NULL);
	api_create_user(s, admin, "viewer.b", "viewer", t->town_b, FIXTURE_PASSWORD, NULL);
	api_login_ok(s, "sup.a", FIXTURE_PASSWORD, &c->supervisor);
	api_login_ok(s, "insp.a", FIXTURE_PASSWORD, &c->inspector);
	api_login_ok(s, "cadre.a1", FIXTURE_PASSWORD, &c->cadre);
	api_login_ok(s, "viewer.b", FIXTURE_PASSWORD, &c->viewer);
}

/* ---- base64url ------------------------------------------------------------ */

static const char b64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *b64url_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = malloc(len / 3 * 4 + 5);
	assert_non_null(out);
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return out;
}

unsigned char *b64url_decode(const char *s, size_t slen, size_t *len)
{
	while (slen > 0 && s[slen - 1] == '=')
		slen--;
	if (slen % 4 == 1)
		return NULL;
	unsigned char *out = malloc(slen / 4 * 3 + 4);
	assert_non_null(out);
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < slen; i++) {
		const char *pos = memchr(b64url_alphabet, s[i], 64);
		if (!pos || !s[i]) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)(pos - b64url_alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* ---- the command line ----------------------------------------------------- */

static void slurp_fd(int fd, struct buf *out)
{
	lseek(fd, 0, SEEK_SET);
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)n);
}

int run_cli(const char *const *args, const char *const *env, const char *stdin_data, struct buf *out, struct buf *err)
{
	const char *bin = getenv("INSPECTD_BIN");
	if (!bin || !*bin)
		fail_msg("INSPECTD_BIN is not set (run the tests through ctest)");
	char out_path[] = "/tmp/inspectd-cli-out-XXXXXX", err_path[] = "/tmp/inspectd-cli-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	if (out_fd < 0 || err_fd < 0)
		fail_msg("mkstemp: %s", strerror(errno));
	unlink(out_path);
	unlink(err_path);
	int in[2];
	if (pipe(in) != 0)
		fail_msg("pipe: %s", strerror(errno));
	const char *argv[32] = {bin};
	size_t n = 1;
	for (const char *const *a = args; a && *a && n < 31; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		close(in[0]);
		close(in[1]);
		for (const char *const *e = env; e && *e; e++)
			putenv((char *)*e);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	/* Small inputs only: they fit the pipe buffer, so no deadlock. A child
	 * that exits without reading must not kill the test with SIGPIPE. */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	if (stdin_data) {
		size_t left = strlen(stdin_data);
		const char *p = stdin_data;
		while (left > 0) {
			ssize_t w = write(in[1], p, left);
			if (w <= 0)
				break; /* the child may not read stdin at all */
			p += w;
			left -= (size_t)w;
		}
	}
	close(in[1]);
	signal(SIGPIPE, old_pipe);
	int status;
	waitpid(pid, &status, 0);
	slurp_fd(out_fd, out);
	slurp_fd(err_fd, err);
	close(out_fd);
	close(err_fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

char *qs_escape(const char *s)
{
	char *esc = curl_easy_escape(NULL, s, 0);
	assert_non_null(esc);
	char *copy = strdup(esc);
	curl_free(esc);
	return copy;
}

void assert_timestamp(const char *s)
{
	if (!s)
		fail_msg("a timestamp is missing");
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = strlen(shape), len = strlen(s);
	int ok = len >= n + 1 && s[len - 1] == 'Z';
	for (size_t i = 0; ok && i < n; i++)
		ok = shape[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == shape[i];
	if (ok && len > n + 1) { /* fractional seconds */
		ok = s[n] == '.' && len > n + 2;
		for (size_t i = n + 1; ok && i < len - 1; i++)
			ok = s[i] >= '0' && s[i] <= '9';
	}
	if (!ok)
		fail_msg("\"%s\" is not an RFC 3339 UTC timestamp", s);
}

/* ==== Monthly observation: templates, rounds, inspections, findings, sync ==== */

/* An uploaded photo every built answer points at: submit needs photos that
 * exist, not just ids (set by crew_build; random ids before that). */
static char evidence_photo_id[ID_LEN];

static void upload_evidence_photo(struct server_proc *s, const char *bearer)
{
	static const unsigned char jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	struct byte_src src = {jfif, sizeof jfif, 2048, 0x42};
	struct http_resp r;
	photo_upload_raw(s, bearer, "caption=fixture", "image/jpeg", &src, 10000, &r);
	if (r.status != 201)
		fail_msg("fixture photo upload: %ld %s", r.status, buf_cstr(&r.body));
	json_t *j = http_json(&r);
	snprintf(evidence_photo_id, sizeof evidence_photo_id, "%s", jstr(j, "id"));
	json_decref(j);
	http_resp_release(&r);
}

void crew_build(struct server_proc *s, struct crew *w)
{
	fixture_build(s, &w->tree, &w->cast);
	const char *admin = w->cast.admin.access;
	api_create_user(s, admin, "sup.b", "supervisor", w->tree.town_b, FIXTURE_PASSWORD, NULL);
	api_create_user(s, admin, "viewer.a", "viewer", w->tree.town_a, FIXTURE_PASSWORD, NULL);
	api_create_user(s, admin, "insp.city", "inspector", w->tree.city, FIXTURE_PASSWORD, NULL);
	api_create_user(s, admin, "insp.two", "inspector", w->tree.city, FIXTURE_PASSWORD, NULL);
	api_login_ok(s, "sup.b", FIXTURE_PASSWORD, &w->sup_b);
	api_login_ok(s, "viewer.a", FIXTURE_PASSWORD, &w->viewer_a);
	api_login_ok(s, "insp.city", FIXTURE_PASSWORD, &w->insp_city);
	api_login_ok(s, "insp.two", FIXTURE_PASSWORD, &w->insp_two);
	upload_evidence_photo(s, admin);
}

void crew_round_setup(struct server_proc *s, struct crew *w, const char *const *inspectors, json_t **tpl,
                      char round_id[ID_LEN])
{
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(s, env);
	crew_build(s, w);
	*tpl = template_fetch(s, w->cast.admin.access, QIQIANG_TEMPLATE_ID);
	json_decref(round_create(s, w->cast.supervisor.access, "2023-03", "2023年3月月观摩",
	                         (const char *const[]){w->tree.village_a1, w->tree.village_a2, NULL}, inspectors,
	                         round_id));
}

void photo_viewers(const struct crew *w, struct photo_viewer out[PHOTO_VIEWERS])
{
	const struct photo_viewer v[PHOTO_VIEWERS] = {
	        {"uploader insp.city", w->insp_city.access, 200},
	        {"sup.a (town A)", w->cast.supervisor.access, 200},
	        {"admin", w->cast.admin.access, 200},
	        {"viewer.a (town A)", w->viewer_a.access, 200},
	        {"insp.two (same round)", w->insp_two.access, 200},
	        {"sup.b (town B)", w->sup_b.access, 404},
	        {"cadre.a1 (draft)", w->cast.cadre.access, 404},
	        {"insp.a (not in the round)", w->cast.inspector.access, 404},
	        {"viewer.b (town B)", w->cast.viewer.access, 404},
	};
	memcpy(out, v, sizeof v);
}

char *uuid_v4(char *out)
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b)
		fail_msg("/dev/urandom: %s", strerror(errno));
	close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, ID_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
	         b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return out;
}

char *utc_stamp(long offset_s, char *out, size_t outlen)
{
	time_t t = time(NULL) + offset_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

const char *pathf(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen)
		fail_msg("pathf: %d bytes do not fit %zu", n, outlen);
	return out;
}

void api_call_m(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                const char *if_match, struct http_resp *out)
{
	char header[128];
	const char *const headers[] = {header, NULL};
	if (if_match)
		snprintf(header, sizeof header, "If-Match: %s", if_match);
	api_call(s, method, path, bearer, json, if_match ? headers : NULL, out);
}

void api_call_v(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                long long if_match, struct http_resp *out)
{
	char etag[32];
	snprintf(etag, sizeof etag, "\"%lld\"", if_match);
	api_call_m(s, method, path, bearer, json, if_match >= 0 ? etag : NULL, out);
}

json_t *api_expect_j(struct server_proc *s, const char *method, const char *path, const char *bearer,
                     const json_t *body, long want)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (body && !text)
		fail_msg("%s %s: cannot serialize the body", method, path);
	json_t *j = api_expect(s, method, path, bearer, text, want);
	free(text);
	return j;
}

void expect_problem(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                    long status, const char *code)
{
	struct http_resp r;
	api_call(s, method, path, bearer, json, NULL, &r);
	if (r.status != status)
		fail_msg("%s %s %.200s: expected %ld %s, got %ld: %.400s", method, path, json ? json : "", status,
		         code ? code : "", r.status, buf_cstr(&r.body));
	if (code)
		assert_problem(&r, status, code);
	http_resp_release(&r);
}

void expect_invalid(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                    const char *const *fields)
{
	struct http_resp r;
	api_call(s, method, path, bearer, json, NULL, &r);
	if (r.status != 422)
		fail_msg("%s %s %.300s: expected 422, got %ld: %.400s", method, path, json ? json : "", r.status,
		         buf_cstr(&r.body));
	assert_validation(&r, fields);
	http_resp_release(&r);
}

json_t *problem_json(const struct http_resp *r)
{
	return http_json(r);
}

size_t api_count(struct server_proc *s, const char *path, const char *bearer)
{
	json_t *all = api_list_all(s, path, bearer, 200);
	size_t n = json_array_size(all);
	json_decref(all);
	return n;
}

/* ---- templates ---- */

json_t *template_fetch(struct server_proc *s, const char *bearer, const char *id)
{
	char path[128];
	return api_expect(s, "GET", pathf(path, sizeof path, "/api/v1/templates/%s", id), bearer, NULL, 200);
}

json_t *template_items(const json_t *tpl)
{
	json_t *all = json_array();
	size_t i, k;
	json_t *d, *it;
	json_array_foreach(json_object_get(tpl, "dimensions"), i, d)
	{
		json_array_foreach(json_object_get(d, "items"), k, it)
		{
			json_array_append(all, it);
		}
	}
	return all;
}

json_t *template_item(const json_t *tpl, const char *code)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(tpl, "dimensions"), i, d)
	{
		json_t *it = find_by(json_object_get(d, "items"), "code", code);
		if (it)
			return it;
	}
	return NULL;
}

json_t *template_collective_item(const json_t *tpl)
{
	json_t *items = template_items(tpl), *found = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *th = json_object_get(it, "threshold");
		const char *kind = jstr(it, "kind");
		if (kind && strcmp(kind, "number") == 0 && json_is_object(th) && jstr(th, "op") &&
		    strcmp(jstr(th, "op"), ">=") == 0 && json_is_number(json_object_get(th, "value")) &&
		    json_number_value(json_object_get(th, "value")) == 100000.0) {
			found = it;
			break;
		}
	}
	json_decref(items);
	if (!found)
		fail_msg("the template has no number item with threshold >= 100000 (村级集体经济)");
	return found;
}

/* ---- answers and scores ---- */

double jnum(const json_t *j)
{
	if (!json_is_number(j))
		fail_msg("expected a JSON number");
	return json_number_value(j);
}

int json_same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!json_same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	if (json_is_object(a)) {
		if (json_object_size(a) != json_object_size(b))
			return 0;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v) if (!json_same(v, json_object_get(b, k))) return 0;
		return 1;
	}
	return json_equal(a, b);
}

static json_t *number_value(double v)
{
	if (v == (double)(long long)v && v > -1e15 && v < 1e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

json_t *answer_make(const json_t *item, int level, int photo)
{
	const char *kind = jstr(item, "kind");
	const char *code = jstr(item, "code");
	if (!kind || !code)
		fail_msg("a template item without code or kind");
	long long max = jint(item, "max_score");
	json_t *value;
	if (strcmp(kind, "score") == 0) {
		value = json_integer(level == 2 ? max : level == 1 ? max / 2 : 0);
	} else if (strcmp(kind, "yes_no") == 0) {
		value = json_boolean(level == 2);
	} else if (strcmp(kind, "number") == 0) {
		json_t *th = json_object_get(item, "threshold");
		double v = jnum(json_object_get(th, "value"));
		int ge = strcmp(jstr(th, "op"), ">=") == 0;
		double miss = ge ? (v > 0 ? v / 2 : v - 1) : (v > 0 ? v * 2 : v + 1);
		value = number_value(level >= 1 ? v : miss);
	} else {
		value = json_string("现场查看记录");
	}
	json_t *photos = json_array();
	if (photo && json_is_true(json_object_get(item, "needs_photo"))) {
		char id[ID_LEN];
		json_array_append_new(photos, json_string(evidence_photo_id[0] ? evidence_photo_id : uuid_v4(id)));
	}
	return json_pack("{s:s, s:o, s:n, s:o}", "item_code", code, "value", value, "note", "photo_ids", photos);
}

json_t *answers_complete(const json_t *tpl, int mixed)
{
	json_t *items = template_items(tpl), *out = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		int level = mixed ? 2 - (int)(i % 3) : 2;
		if (level == 0 && strcmp(jstr(it, "kind"), "number") == 0)
			level = 1; /* numbers meet their thresholds: no automatic findings */
		json_array_append_new(out, answer_make(it, level, 1));
	}
	json_decref(items);
	return out;
}

json_t *answers_without(const json_t *answers, const char *code)
{
	json_t *out = json_array();
	size_t i;
	json_t *a;
	json_array_foreach(answers, i, a)
	{
		if (strcmp(jstr(a, "item_code"), code) != 0)
			json_array_append(out, a);
	}
	return out;
}

json_t *answers_with(const json_t *answers, const char *code, json_t *answer)
{
	json_t *out = json_array();
	int replaced = 0;
	size_t i;
	json_t *a;
	json_array_foreach(answers, i, a)
	{
		if (strcmp(jstr(a, "item_code"), code) == 0 && !replaced) {
			json_array_append(out, answer);
			replaced = 1;
		} else {
			json_array_append(out, a);
		}
	}
	if (!replaced)
		json_array_append(out, answer);
	json_decref(answer);
	return out;
}

/* Rounds a non-negative x to 1 decimal (half up); *tie is set when x*10 lies
 * on .5 within floating error. */
static double round1(double x, int *tie)
{
	double t = x * 10.0;
	long long whole = (long long)t;
	double frac = t - (double)whole;
	*tie = frac > 0.5 - 1e-7 && frac < 0.5 + 1e-7;
	return (double)(long long)(t + 0.5) / 10.0;
}

static double item_points(const json_t *item, const json_t *value, double max)
{
	const char *kind = jstr(item, "kind");
	if (strcmp(kind, "score") == 0)
		return json_is_number(value) ? json_number_value(value) : 0;
	if (strcmp(kind, "yes_no") == 0)
		return json_is_true(value) ? max : 0;
	/* number */
	if (!json_is_number(value))
		return 0;
	json_t *th = json_object_get(item, "threshold");
	double v = json_number_value(value), limit = jnum(json_object_get(th, "value"));
	int meets = strcmp(jstr(th, "op"), ">=") == 0 ? v >= limit : v <= limit;
	return meets ? max : 0;
}

json_t *score_expected(const json_t *tpl, const json_t *answers)
{
	json_t *dims = json_array();
	double total = 0;
	int total_tie_any = 0;
	size_t i, k;
	json_t *d, *it;
	json_array_foreach(json_object_get(tpl, "dimensions"), i, d)
	{
		double points = 0, max = 0;
		json_array_foreach(json_object_get(d, "items"), k, it)
		{
			if (strcmp(jstr(it, "kind"), "text") == 0)
				continue;
			double m = (double)jint(it, "max_score");
			max += m;
			json_t *a = find_by(answers, "item_code", jstr(it, "code"));
			if (a)
				points += item_points(it, json_object_get(a, "value"), m);
		}
		int tie = 0;
		double score = max > 0 ? round1(100.0 * points / max, &tie) : 0;
		long long weight = jint(d, "weight");
		total += score * (double)weight / 100.0;
		json_array_append_new(dims, json_pack("{s:s, s:s, s:I, s:f, s:b}", "code", jstr(d, "code"), "label",
		                                      jstr(d, "label"), "weight", (json_int_t)weight, "score", score,
		                                      "score_tie", tie));
		total_tie_any |= tie;
	}
	int tie = 0;
	double rounded = round1(total, &tie);
	/* A dimension on a tie may have gone either way, and the total with it. */
	return json_pack("{s:f, s:b, s:o}", "total", rounded, "total_tie", tie || total_tie_any, "dimensions", dims);
}

static int near(double a, double b, double tol)
{
	double d = a - b;
	return d <= tol && d >= -tol;
}

void assert_score(const json_t *insp, const json_t *tpl)
{
	json_t *want = score_expected(tpl, json_object_get(insp, "answers"));
	json_t *got = json_object_get(insp, "score");
	if (!json_is_object(got))
		fail_msg("inspection %s has no score object", jstr(insp, "id"));
	json_t *gd = json_object_get(got, "dimensions"), *wd = json_object_get(want, "dimensions");
	if (json_array_size(gd) != json_array_size(wd))
		fail_msg("score has %zu dimensions, the template %zu", json_array_size(gd), json_array_size(wd));
	size_t i;
	json_t *w;
	json_array_foreach(wd, i, w)
	{
		json_t *g = json_array_get(gd, i);
		assert_string_equal(jstr(g, "code"), jstr(w, "code"));
		assert_string_equal(jstr(g, "label"), jstr(w, "label"));
		assert_int_equal(jint(g, "weight"), jint(w, "weight"));
		double gs = jnum(json_object_get(g, "score")), ws = jnum(json_object_get(w, "score"));
		double tol = json_is_true(json_object_get(w, "score_tie")) ? 0.1 + 1e-6 : 1e-6;
		if (!near(gs, ws, tol))
			fail_msg("dimension %s: score %.4f, the formula gives %.1f", jstr(w, "code"), gs, ws);
	}
	double gt = jnum(json_object_get(got, "total")), wt = jnum(json_object_get(want, "total"));
	double tol = json_is_true(json_object_get(want, "total_tie")) ? 0.1 + 1e-6 : 1e-6;
	if (!near(gt, wt, tol))
		fail_msg("total score %.4f, the formula gives %.1f", gt, wt);
	json_decref(want);
}

/* ---- rounds, inspections, findings ---- */

static json_t *string_array(const char *const *list)
{
	json_t *a = json_array();
	for (const char *const *p = list; p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

json_t *round_create(struct server_proc *s, const char *bearer, const char *month, const char *title,
                     const char *const *org_ids, const char *const *inspector_ids, char *id)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:o, s:o}", "month", month, "title", title, "template_id",
	                         QIQIANG_TEMPLATE_ID, "org_ids", string_array(org_ids), "inspector_ids",
	                         string_array(inspector_ids));
	json_t *r = api_expect_j(s, "POST", "/api/v1/rounds", bearer, body, 201);
	json_decref(body);
	assert_string_equal(jstr(r, "month"), month);
	assert_string_equal(jstr(r, "status"), "open");
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(r, "id"));
	return r;
}

json_t *inspection_create(struct server_proc *s, const char *bearer, const char *org_id, const char *round_id,
                          const char *template_id, const json_t *answers, char *id)
{
	json_t *body = json_pack("{s:s}", "org_id", org_id);
	if (round_id)
		json_object_set_new(body, "round_id", json_string(round_id));
	if (template_id)
		json_object_set_new(body, "template_id", json_string(template_id));
	if (answers)
		json_object_set(body, "answers", (json_t *)answers);
	json_t *r = api_expect_j(s, "POST", "/api/v1/inspections", bearer, body, 201);
	json_decref(body);
	assert_string_equal(jstr(r, "status"), "draft");
	assert_string_equal(jstr(r, "org_id"), org_id);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(r, "id"));
	return r;
}

const char *inspection_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/inspections/%s%s", id, suffix ? suffix : "");
}

json_t *inspection_put_answers(struct server_proc *s, const char *bearer, const char *id, const json_t *answers)
{
	char path[128];
	json_t *body = json_pack("{s:O}", "answers", (json_t *)answers);
	json_t *r = api_expect_j(s, "PUT", inspection_path(id, NULL, path, sizeof path), bearer, body, 200);
	json_decref(body);
	return r;
}

json_t *inspection_action(struct server_proc *s, const char *bearer, const char *id, const char *action,
                          const char *body, long want)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return api_expect(s, "POST", inspection_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", want);
}

json_t *inspection_complete_submit(struct server_proc *s, const char *bearer, const char *id, const json_t *tpl)
{
	json_t *answers = answers_complete(tpl, 0);
	json_decref(inspection_put_answers(s, bearer, id, answers));
	json_decref(answers);
	json_t *r = inspection_action(s, bearer, id, "submit", NULL, 200);
	assert_string_equal(jstr(r, "status"), "submitted");
	return r;
}

/* ---- sync ---- */

json_t *sync_walk(struct server_proc *s, const char *path, const char *bearer, const char *since, int limit,
                  char *token, size_t tokenlen)
{
	json_t *all = json_array();
	json_t *seen = json_object();
	char *cursor = NULL;
	char *esc = qs_escape(since);
	for (int page = 0;; page++) {
		if (page > 1000)
			fail_msg("%s: more than 1000 sync pages", path);
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%cupdated_since=%s&limit=%d", path, strchr(path, '?') ? '&' : '?', esc, limit);
		if (cursor) {
			char *c = qs_escape(cursor);
			buf_printf(&p, "&cursor=%s", c);
			free(c);
		}
		json_t *j = api_expect(s, "GET", buf_cstr(&p), bearer, NULL, 200);
		json_t *items = json_object_get(j, "items");
		json_t *next = json_object_get(j, "next_cursor");
		const char *st = jstr(j, "sync_token");
		if (!json_is_array(items))
			fail_msg("GET %s: no items array", buf_cstr(&p));
		if (!json_is_null(next) && !json_is_string(next))
			fail_msg("GET %s: next_cursor is neither null nor a string", buf_cstr(&p));
		if (!st || !*st)
			fail_msg("GET %s: a sync-mode page without a sync_token", buf_cstr(&p));
		if (json_array_size(items) > (size_t)limit)
			fail_msg("GET %s: %zu items with limit %d", buf_cstr(&p), json_array_size(items), limit);
		buf_release(&p);
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			const char *id = jstr(it, "id");
			assert_non_null(id);
			if (json_object_get(seen, id))
				fail_msg("%s sync: id %s returned twice", path, id);
			json_object_set_new(seen, id, json_true());
			json_array_append(all, it);
		}
		if (token)
			snprintf(token, tokenlen, "%s", st);
		free(cursor);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		json_decref(j);
		if (!cursor)
			break;
	}
	free(esc);
	json_decref(seen);
	return all;
}

json_t *ids_of(const json_t *items)
{
	json_t *out = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_array_append_new(out, json_string(jstr(it, "id")));
	}
	return out;
}

void assert_created(const struct http_resp *r, const char *want, long long version)
{
	if (r->status != 201)
		fail_msg("expected 201, got %ld: %.300s", r->status, buf_cstr(&r->body));
	char loc[512];
	if (!http_header(r, "Location", loc, sizeof loc))
		fail_msg("a 201 without Location (want %s)", want);
	size_t n = strlen(loc), w = strlen(want);
	if (n < w || strcmp(loc + n - w, want) != 0)
		fail_msg("Location is %s, want …%s", loc, want);
	assert_etag(r, version);
}

/* ==== Photos ==== */

void byte_src_read(const struct byte_src *src, size_t off, void *dst, size_t n)
{
	unsigned char *d = dst;
	if (off + n > src->total)
		fail_msg("byte_src_read: %zu + %zu past %zu", off, n, src->total);
	size_t i = 0;
	if (off < src->head_len) {
		size_t k = src->head_len - off < n ? src->head_len - off : n;
		memcpy(d, (const unsigned char *)src->head + off, k);
		i = k;
	}
	if (i < n)
		memset(d + i, src->fill, n - i);
}

/* ---- digests ---- */

void byte_src_digest(const void *md, const struct byte_src *src, size_t off, size_t n, unsigned char *out)
{
	static unsigned char chunk[64 * 1024];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, md, NULL), 1);
	for (size_t done = 0; done < n;) {
		size_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
		byte_src_read(src, off + done, chunk, k);
		assert_int_equal(EVP_DigestUpdate(c, chunk, k), 1);
		done += k;
	}
	unsigned len = 0;
	assert_int_equal(EVP_DigestFinal_ex(c, out, &len), 1);
	EVP_MD_CTX_free(c);
}

void hex_of(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void src_sha256(const struct byte_src *src, char out[65])
{
	unsigned char d[32];
	byte_src_digest(EVP_sha256(), src, 0, src->total, d);
	hex_of(d, 32, out);
}

void mem_sha256(const void *data, size_t len, char out[65])
{
	struct byte_src s = {data, len, len, 0};
	src_sha256(&s, out);
}

int file_sha256(const char *path, char out[65])
{
	struct buf b = BUF_INIT;
	int rc = read_file(path, &b);
	if (rc == 0)
		mem_sha256(b.data ? b.data : "", b.len, out);
	buf_release(&b);
	return rc;
}

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[32])
{
	unsigned len = 0;
	if (!HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len) || len != 32)
		fail_msg("HMAC-SHA256 failed");
}

struct src_cursor {
	const struct byte_src *src;
	size_t off;
};

static size_t src_cursor_read(char *dest, size_t size, size_t nmemb, void *ud)
{
	struct src_cursor *c = ud;
	size_t n = size * nmemb, left = c->src->total - c->off;
	if (n > left)
		n = left;
	byte_src_read(c->src, c->off, dest, n);
	c->off += n;
	return n;
}

static int src_cursor_seek(void *ud, curl_off_t offset, int origin)
{
	struct src_cursor *c = ud;
	if (origin != SEEK_SET || offset < 0 || (size_t)offset > c->src->total)
		return CURL_SEEKFUNC_CANTSEEK;
	c->off = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

static size_t photo_on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	buf_add(ud, data, size * nmemb);
	return size * nmemb;
}

static size_t photo_on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *h = ud;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		buf_reset(h); /* keep only the final response's headers */
	buf_add(h, data, n);
	return n;
}

/* Sets the common options, performs, fills out and cleans up c and hl. */
static void photo_perform(CURL *c, struct curl_slist *hl, const char *bearer, long timeout_ms, struct http_resp *out)
{
	char *auth = NULL;
	if (bearer) {
		size_t len = strlen(bearer) + 32;
		auth = malloc(len);
		assert_non_null(auth);
		snprintf(auth, len, "Authorization: Bearer %s", bearer);
		hl = curl_slist_append(hl, auth);
	}
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 60000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, photo_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, photo_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	} else {
		long got = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &got);
		fprintf(stderr, "photo upload: libcurl error %d (%s)%s; response code so far %ld\n", (int)rc,
		        curl_easy_strerror(rc), errbuf[0] ? errbuf : "", got);
		out->status = 0;
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(auth);
}

void photo_upload_form(struct server_proc *s, const char *bearer, const struct form_part *parts, size_t nparts,
                       long timeout_ms, struct http_resp *out)
{
	memset(out, 0, sizeof *out);
	curl_global_init(CURL_GLOBAL_DEFAULT); /* reference counted; the harness has done it already */
	CURL *c = curl_easy_init();
	assert_non_null(c);
	curl_mime *mime = curl_mime_init(c);
	struct src_cursor *cursors = calloc(nparts ? nparts : 1, sizeof *cursors);
	assert_non_null(cursors);
	for (size_t i = 0; i < nparts; i++) {
		curl_mimepart *p = curl_mime_addpart(mime);
		curl_mime_name(p, parts[i].name);
		if (parts[i].src) {
			cursors[i].src = parts[i].src;
			curl_mime_data_cb(p, (curl_off_t)parts[i].src->total, src_cursor_read, src_cursor_seek, NULL,
			                  &cursors[i]);
			if (parts[i].filename)
				curl_mime_filename(p, parts[i].filename);
			if (parts[i].type)
				curl_mime_type(p, parts[i].type);
		} else {
			curl_mime_data(p, parts[i].value ? parts[i].value : "", CURL_ZERO_TERMINATED);
		}
	}
	char url[512];
	/* streamed, so straight to the server (contract.h: checked offline) */
	snprintf(url, sizeof url, "%s/api/v1/photos", s->direct_url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	photo_perform(c, NULL, bearer, timeout_ms, out);
	if (out->status)
		contract_record(s, "POST", "/api/v1/photos", out);
	curl_mime_free(mime);
	free(cursors);
	curl_global_cleanup();
}

void photo_upload_raw(struct server_proc *s, const char *bearer, const char *query, const char *type,
                      const struct byte_src *src, long timeout_ms, struct http_resp *out)
{
	memset(out, 0, sizeof *out);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	struct src_cursor cur = {src, 0};
	struct buf url = BUF_INIT;
	/* streamed, so straight to the server (contract.h: checked offline) */
	buf_printf(&url, "%s/api/v1/photos%s%s", s->direct_url, query ? "?" : "", query ? query : "");
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, src_cursor_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &cur);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, src_cursor_seek);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, &cur);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)src->total);
	struct curl_slist *hl = NULL;
	char ct[160];
	if (type) {
		snprintf(ct, sizeof ct, "Content-Type: %s", type);
		hl = curl_slist_append(hl, ct);
	} else {
		hl = curl_slist_append(hl, "Content-Type:");
	}
	photo_perform(c, hl, bearer, timeout_ms, out);
	if (out->status)
		contract_record(s, "POST", buf_cstr(&url) + strlen(s->direct_url), out);
	buf_release(&url);
	curl_global_cleanup();
}

/* ==== Spreadsheets (reports) ==== */

/* Parses a CSV body strictly: the BOM, RFC 4180 fields, every record ending
 * in CRLF. Returns an array of rows (arrays of strings). */
json_t *csv_body_rows(const struct http_resp *r, const char *what)
{
	const unsigned char *p = (const unsigned char *)r->body.data;
	size_t n = r->body.len, i = 3;
	if (n < 3 || memcmp(p, "\xEF\xBB\xBF", 3) != 0)
		fail_msg("%s: the CSV does not start with the UTF-8 BOM EF BB BF (starts %.20s)", what,
		         buf_cstr(&r->body));
	if (n == 3)
		fail_msg("%s: the CSV is only a BOM", what);
	json_t *rows = json_array(), *row = json_array();
	struct buf cell = BUF_INIT;
	while (i < n) {
		buf_reset(&cell);
		if (p[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					fail_msg("%s: an unterminated quoted field", what);
				if (p[i] == '"') {
					if (i + 1 < n && p[i + 1] == '"') {
						buf_addc(&cell, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				buf_addc(&cell, (char)p[i++]);
			}
		} else {
			while (i < n && p[i] != ',' && p[i] != '\r' && p[i] != '\n') {
				if (p[i] == '"')
					fail_msg("%s: a quote inside an unquoted field at byte %zu", what, i);
				buf_addc(&cell, (char)p[i++]);
			}
		}
		json_t *s = json_stringn(cell.data ? cell.data : "", cell.len);
		if (!s)
			fail_msg("%s: a field that is not UTF-8 at byte %zu", what, i);
		json_array_append_new(row, s);
		if (i >= n)
			fail_msg("%s: the last line does not end with CRLF", what);
		if (p[i] == ',') {
			i++;
			if (i >= n)
				fail_msg("%s: the CSV ends with a comma", what);
			continue;
		}
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			json_array_append_new(rows, row);
			row = json_array();
			i += 2;
			continue;
		}
		fail_msg("%s: a line ending that is not CRLF (or a character after a quoted field) at byte %zu", what,
		         i);
	}
	json_decref(row);
	buf_release(&cell);
	return rows;
}

/* One member of a zip archive (the body), through unzip or python3. */
char *zip_member(const struct buf *body, const char *member, const char *what)
{
	char path[] = "/tmp/inspectd-zip-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		fail_msg("mkstemp failed");
	if (write(fd, body->data, body->len) != (ssize_t)body->len)
		fail_msg("writing %s failed", path);
	close(fd);
	char cmd[768];
	if (system("command -v unzip >/dev/null 2>&1") == 0)
		snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", path, member);
	else
		snprintf(cmd, sizeof cmd,
		         "python3 -c 'import sys, zipfile; "
		         "sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' '%s' '%s' "
		         "2>/dev/null",
		         path, member);
	FILE *f = popen(cmd, "r");
	if (!f)
		fail_msg("popen %s failed", cmd);
	struct buf out = BUF_INIT;
	char chunk[8192];
	size_t k;
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&out, chunk, k);
	int st = pclose(f);
	unlink(path);
	if (st != 0 || out.len == 0)
		fail_msg("%s: the XLSX has no %s (%s exited %d)", what, member, cmd, st);
	return buf_detach(&out, NULL);
}
