/*
 * A small API client for the black-box tests, on top of harness.h: login and
 * token pairs, authenticated JSON requests, admin shortcuts that create orgs
 * and users, list walking (cursor pagination), problem assertions for 401 and
 * 422, JSON helpers, base64url, and a CLI runner with stdin and separate
 * stdout/stderr. Every helper fails the running cmocka test on surprises, so
 * a test reads as the sequence of calls and expectations it makes.
 *
 * Memory: json_t results are owned by the caller (json_decref); char *
 * results by the caller (free); struct http_resp by the caller
 * (http_resp_release).
 */
#ifndef INSPECTD_TEST_CLIENT_H
#define INSPECTD_TEST_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "harness.h"

#define ID_LEN 37 /* a UUID string and its NUL */

/* The environment every API test server starts with. */
#define BOOTSTRAP_PASSWORD "admin-password-123"
#define BOOTSTRAP_ENV      "INSPECTD_BOOTSTRAP_ADMIN_PASSWORD=" BOOTSTRAP_PASSWORD

/*
 * server_start on an existing data directory (one a previous server_proc
 * owns): env plus INSPECTD_DATA=data_dir, which wins over the harness's own
 * because it comes later. s gets its own temporary directory for the log.
 */
void server_start_on(struct server_proc *s, const char *data_dir, const char *const *env);

/* A token pair from login, refresh or a password change. */
struct tokens {
	char access[6144];
	char refresh[128];
	char user_id[ID_LEN];
};

/* The access-token lifetime tokens_from_json expects: 900 (the default)
 * unless a test starts its server with another INSPECTD_ACCESS_TTL_S. */
extern long client_access_ttl;

/*
 * Checks a TokenPair body the contract's way (token_type Bearer, expires_in
 * client_access_ttl, 43-character base64url refresh token,
 * refresh_expires_in 2592000, a user without password or hash) and copies it
 * into out.
 */
void tokens_from_json(json_t *pair, struct tokens *out);

/* POST /api/v1/auth/login. Returns the status; on 200 fills out (may be NULL)
 * after tokens_from_json's checks. */
long api_login(struct server_proc *s, const char *username, const char *password, struct tokens *out);
/* Same, failing the test unless it is 200. */
void api_login_ok(struct server_proc *s, const char *username, const char *password, struct tokens *out);
/* POST /api/v1/auth/refresh with {refresh_token}. Returns the status; fills
 * out on 200 and resp (may be NULL) always. */
long api_refresh(struct server_proc *s, const char *refresh_token, struct tokens *out, struct http_resp *resp);

/*
 * One request to the API. bearer (may be NULL) becomes "Authorization:
 * Bearer <bearer>"; json (may be NULL) is the body, sent as
 * application/json; headers (may be NULL) are extra "Name: value" entries.
 */
void api_call(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
              const char *const *headers, struct http_resp *out);
void api_get(struct server_proc *s, const char *path, const char *bearer, struct http_resp *out);
void api_post(struct server_proc *s, const char *path, const char *bearer, const char *json, struct http_resp *out);
void api_put(struct server_proc *s, const char *path, const char *bearer, const char *json, struct http_resp *out);

/*
 * api_call, then fails the test (showing the body) unless the status is
 * want; returns the parsed body (NULL when the body is empty).
 */
json_t *api_expect(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                   long want);
/* The status of a GET (the response is discarded). */
long api_status(struct server_proc *s, const char *path, const char *bearer);

/* Builds a JSON text with json_pack's format (e.g. "{s:s, s:o}"). Caller frees. */
char *jbody(const char *fmt, ...);
/* The string / integer member key of o (NULL / -1 when absent or another type). */
const char *jstr(const json_t *o, const char *key);
long long jint(const json_t *o, const char *key);
/* Fails the test when any object key inside j (at any depth) contains
 * "password" or "hash", or when the text of r's body contains secret. */
void assert_no_secrets(const json_t *j, const struct http_resp *r, const char *secret);

/* 401 unauthorized with a WWW-Authenticate: Bearer … header. */
void assert_unauthorized(const struct http_resp *r);
/*
 * 422 validation_failed whose errors name every field in fields (a
 * NULL-terminated list; an entry "a|b" accepts either name) and carry a
 * message each.
 */
void assert_validation(const struct http_resp *r, const char *const *fields);
/* The same for an unknown field: its message is "unknown field". */
void assert_unknown_field(const struct http_resp *r, const char *field);
/* The response's ETag is "\"<version>\"". */
void assert_etag(const struct http_resp *r, long long version);

/*
 * Walks a list endpoint page by page (path may carry a query; limit is
 * added), checking the envelope, the page sizes and that no id repeats.
 * Returns every item in order.
 */
json_t *api_list_all(struct server_proc *s, const char *path, const char *bearer, int limit);
/*
 * Fails unless the values of key over items are exactly the set want
 * (NULL-terminated), order ignored.
 */
void assert_key_set(const json_t *items, const char *key, const char *const *want);
/* The item of items whose key equals value, or NULL. Borrowed. */
json_t *find_by(const json_t *items, const char *key, const char *value);

/* Admin shortcuts: POST /api/v1/orgs and /api/v1/users, expecting 201; the
 * new id goes to id (may be NULL). parent_id / category may be NULL. */
void api_create_org(struct server_proc *s, const char *admin, const char *code, const char *name, const char *level,
                    const char *parent_id, const char *category, char *id);
void api_create_user(struct server_proc *s, const char *admin, const char *username, const char *role,
                     const char *org_id, const char *password, char *id);
/* The id of the organization with this code (through admin's GET /orgs). */
void api_org_id(struct server_proc *s, const char *admin, const char *code, char *id);

/*
 * The organization tree and the people the scope tests use:
 *
 *   root 本市 (city, bootstrap)
 *   ├── town-a 东山镇            supervisor sup.a, inspector insp.a
 *   │   ├── vil-a1 东山村 (pilot) cadre cadre.a1
 *   │   │   └── grp-a1 东山村一组
 *   │   └── vil-a2 南岭村 (consolidate)
 *   └── town-b 西湖街道          viewer viewer.b
 *       └── vil-b1 西湖社区 (breakthrough)
 *
 * plus the bootstrap admin. Every fixture user's password is
 * FIXTURE_PASSWORD.
 */
#define FIXTURE_PASSWORD "fixture-pass-123"
struct org_tree {
	char city[ID_LEN], town_a[ID_LEN], town_b[ID_LEN];
	char village_a1[ID_LEN], village_a2[ID_LEN], village_b1[ID_LEN], group_a1[ID_LEN];
};
struct cast {
	struct tokens admin, supervisor, inspector, cadre, viewer;
};
void fixture_build(struct server_proc *s, struct org_tree *t, struct cast *c);

/* base64url without padding. Both return malloc'd NUL-terminated text;
 * b64url_decode returns NULL on bad input and sets *len. */
char *b64url_encode(const void *data, size_t len);
unsigned char *b64url_decode(const char *s, size_t slen, size_t *len);

/*
 * Runs the inspectd binary ($INSPECTD_BIN) with args (NULL-terminated), extra
 * env (may be NULL) and stdin_data (may be NULL: stdin is then empty);
 * stdout and stderr are captured apart. Returns the exit status (-1 when
 * killed by a signal).
 */
int run_cli(const char *const *args, const char *const *env, const char *stdin_data, struct buf *out, struct buf *err);

/* Percent-encodes s for a query string. Caller frees. */
char *qs_escape(const char *s);
/* s is an RFC 3339 UTC timestamp of the form 2026-11-28T08:30:00Z (with
 * optional fractional seconds). */
void assert_timestamp(const char *s);

/* Milliseconds on the monotonic clock. */
double now_ms(void);

#endif
