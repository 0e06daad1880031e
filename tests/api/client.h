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

/* ==== Monthly observation: templates, rounds, inspections, findings, sync ==== */

/* The default 七强 template the migration installs. */
#define QIQIANG_TEMPLATE_ID "00000000-0000-4000-8000-000000000001"

/*
 * fixture_build's tree and cast plus the people the observation tests need:
 *
 *   sup_b      supervisor of town-b 西湖街道 (sup.b)
 *   viewer_a   viewer of town-a 东山镇 (viewer.a)
 *   insp_city  inspector of the root, the city team (insp.city): the one
 *              the tests assign to rounds
 *   insp_two   a second inspector of the root (insp.two), never assigned
 *
 * cast.inspector (insp.a) belongs to town A; cast.viewer (viewer.b) to town B.
 * Display names are "用户 <username>".
 */
struct crew {
	struct org_tree tree;
	struct cast cast;
	struct tokens sup_b, viewer_a, insp_city, insp_two;
};
void crew_build(struct server_proc *s, struct crew *w);

/* A server with BOOTSTRAP_ENV, crew_build, the default template (*tpl, the
 * caller json_decrefs it) and sup.a's round "2023-03" over villages A1 and A2
 * with the given inspectors (NULL-terminated user ids) into round_id. */
void crew_round_setup(struct server_proc *s, struct crew *w, const char *const *inspectors, json_t **tpl,
                      char round_id[ID_LEN]);

/* Everyone of the crew and what a GET of a photo linked to insp.city's draft
 * visit of A1 (in a round with insp.city and insp.two) answers them. */
struct photo_viewer {
	const char *who, *token;
	long want; /* 200 or 404 */
};
enum { PHOTO_VIEWERS = 9 };
void photo_viewers(const struct crew *w, struct photo_viewer out[PHOTO_VIEWERS]);

/* A fresh random version-4 UUID (a client-made id) in out (ID_LEN bytes). */
char *uuid_v4(char *out);
/* The UTC time now + offset_s as "2023-03-15T08:30:00Z". */
char *utc_stamp(long offset_s, char *out, size_t outlen);
/* snprintf into out, returning out (for building paths inline). */
const char *pathf(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* api_call with "If-Match: \"<if_match>\"" when if_match >= 0. */
void api_call_v(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                long long if_match, struct http_resp *out);
/* api_call with a raw If-Match value (may be NULL: none). */
void api_call_m(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                const char *if_match, struct http_resp *out);
/* api_expect with a jansson body (not stolen; NULL: no body). */
json_t *api_expect_j(struct server_proc *s, const char *method, const char *path, const char *bearer,
                     const json_t *body, long want);
/* One request that must fail with status and problem code (the request is
 * named in the failure message). */
void expect_problem(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                    long status, const char *code);
/* One request that must be 422 validation_failed naming every field in
 * fields (NULL-terminated; "a|b" accepts either). */
void expect_invalid(struct server_proc *s, const char *method, const char *path, const char *bearer, const char *json,
                    const char *const *fields);
/* The body of a problem response, parsed (caller decrefs). */
json_t *problem_json(const struct http_resp *r);
/* The number of items a list walk finds (api_list_all with limit 200). */
size_t api_count(struct server_proc *s, const char *path, const char *bearer);

/* ---- templates ---- */

/* GET /api/v1/templates/{id}, expecting 200 (ETag "<template version>"). */
json_t *template_fetch(struct server_proc *s, const char *bearer, const char *id);
/* Every item of every dimension, in order: a new array (borrowing refs). */
json_t *template_items(const json_t *tpl);
/* The item with this code, or NULL (borrowed). */
json_t *template_item(const json_t *tpl, const char *code);
/* The number item the seed's 村级集体经济 ≥ 100000 indicator became (op
 * ">=", value 100000); fails the test when the template has none. */
json_t *template_collective_item(const json_t *tpl);

/* ---- answers and scores ---- */

/*
 * One answer {item_code, value, note:null, photo_ids} for item:
 *   level 2 (full marks): score max_score, yes_no true, number meeting its
 *     threshold (exactly the threshold value);
 *   level 1 (partial): score max_score / 2 (integer), yes_no false, number
 *     meeting its threshold;
 *   level 0 (nothing): score 0, yes_no false, number missing its threshold
 *     (half of it for ">=", double for "<=", ±1 around 0);
 * text: "现场查看记录" whatever the level. photo: give one random photo id
 * when the item needs a photo. Caller decrefs.
 */
json_t *answer_make(const json_t *item, int level, int photo);
/* An answer to every item of tpl (text items too), one photo id on every
 * needs_photo item: level 2 everywhere when mixed is 0, else levels cycling
 * 2, 1, 0 over the items (numbers always meet their thresholds, so no
 * automatic findings). Complete for submit. Caller decrefs. */
json_t *answers_complete(const json_t *tpl, int mixed);
/* The answer list without the answer to item code (a new array). */
json_t *answers_without(const json_t *answers, const char *code);
/* The answer list with the answer to code replaced by (or, when absent,
 * extended with) answer; answer is stolen. A new array. */
json_t *answers_with(const json_t *answers, const char *code, json_t *answer);

/*
 * The contract's score of answers on tpl: item points (score: the value;
 * yes_no: max_score when true; number: max_score when its threshold is met;
 * text: not scored), dimension score 100 × Σ points / Σ max_score of its
 * scored items rounded to 1 decimal, total Σ dimension score × weight / 100
 * rounded to 1 decimal. Returns {total, dimensions:[{code,label,weight,
 * score}]}; members "total_tie" / "score_tie" are true where the exact value
 * lies on a rounding tie (x.x5), so either neighbour is accepted.
 */
json_t *score_expected(const json_t *tpl, const json_t *answers);
/* insp.score equals score_expected(tpl, insp.answers). */
void assert_score(const json_t *insp, const json_t *tpl);
/* A JSON number's value (integer or real); fails when j is not a number. */
double jnum(const json_t *j);
/* json_equal, but numbers compare by value as JSON defines them (RFC 8259
 * has no integer/real distinction: 0 and 0.0 are the same number, as they
 * are to the app's JavaScript and to the contract proxy, which re-encodes). */
int json_same(const json_t *a, const json_t *b);

/* ---- rounds, inspections, findings ---- */

/* POST /api/v1/rounds {month, title, template_id qiqiang, org_ids,
 * inspector_ids} (NULL-terminated lists) expecting 201; id (may be NULL)
 * gets the new id. Returns the round (caller decrefs). */
json_t *round_create(struct server_proc *s, const char *bearer, const char *month, const char *title,
                     const char *const *org_ids, const char *const *inspector_ids, char *id);
/* POST /api/v1/inspections {org_id, round_id?, template_id?, answers?}
 * (round_id/template_id/answers may be NULL) expecting 201; id (may be
 * NULL) gets the new id. Returns the inspection. */
json_t *inspection_create(struct server_proc *s, const char *bearer, const char *org_id, const char *round_id,
                          const char *template_id, const json_t *answers, char *id);
/* "/api/v1/inspections/{id}{suffix}" into out. */
const char *inspection_path(const char *id, const char *suffix, char *out, size_t outlen);
/* PUT /api/v1/inspections/{id} {answers}, expecting 200. */
json_t *inspection_put_answers(struct server_proc *s, const char *bearer, const char *id, const json_t *answers);
/* POST /api/v1/inspections/{id}/<action> with body (may be NULL: "{}"),
 * expecting want. */
json_t *inspection_action(struct server_proc *s, const char *bearer, const char *id, const char *action,
                          const char *body, long want);
/* PUT complete answers (answers_complete(tpl, 0)) and submit: returns the
 * submitted inspection. */
json_t *inspection_complete_submit(struct server_proc *s, const char *bearer, const char *id, const json_t *tpl);

/* ---- sync ---- */

/*
 * Walks path (may carry a query) in sync mode: ?updated_since=<since>
 * (escaped) &limit=<limit>, following next_cursor, checking every page has
 * items, next_cursor and a sync_token string and that no id repeats.
 * Returns all items; token (may be NULL) gets the last page's sync_token.
 */
json_t *sync_walk(struct server_proc *s, const char *path, const char *bearer, const char *since, int limit,
                  char *token, size_t tokenlen);
/* The ids of items, in order, as a new array of strings. */
json_t *ids_of(const json_t *items);
/* A 201's Location header ends with want (a full path like
 * "/api/v1/rounds/<id>") and its ETag is "<version>". */
void assert_created(const struct http_resp *r, const char *want, long long version);

/* ==== Spreadsheets (reports) ==== */

/* A CSV body parsed strictly — the UTF-8 BOM, RFC 4180 fields, every record
 * ending in CRLF — as an array of rows (arrays of strings); fails the test
 * otherwise. */
json_t *csv_body_rows(const struct http_resp *r, const char *what);
/* One member of a zip archive held in body (an XLSX), extracted with unzip
 * or python3 (malloc'ed text); fails the test when it is missing. */
char *zip_member(const struct buf *body, const char *member, const char *what);

#endif

/* ==== Photos ==== */

/*
 * Bytes made on the fly: head, then fill up to total bytes in all, so a
 * 20 MiB body never sits in memory (and hashing it needs no copy).
 */
struct byte_src {
	const void *head;
	size_t head_len;
	size_t total; /* >= head_len */
	unsigned char fill;
};
/* Copies bytes [off, off + n) of src into dst (n must fit). */
void byte_src_read(const struct byte_src *src, size_t off, void *dst, size_t n);

/* ---- digests (OpenSSL's libcrypto: independent of the server's libsodium) ---- */

/* The digest md (an EVP_MD *, e.g. EVP_sha256()) of src's bytes off..off+n
 * into out (EVP_MD_size(md) bytes). */
void byte_src_digest(const void *md, const struct byte_src *src, size_t off, size_t n, unsigned char *out);
/* n bytes as lowercase hex into out (2n + 1 bytes). */
void hex_of(const unsigned char *d, size_t n, char *out);
/* The lowercase hex SHA-256 of all of src, of data, of a file's bytes (the
 * last: 0, or -1 when it cannot be read). */
void src_sha256(const struct byte_src *src, char out[65]);
void mem_sha256(const void *data, size_t len, char out[65]);
int file_sha256(const char *path, char out[65]);
/* HMAC-SHA256 of msg under key into out. */
void hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[32]);

/*
 * One part of a multipart/form-data body: a text field (src NULL: value,
 * sent without a Content-Type, as wx.uploadFile sends formData) or a file
 * (src set; filename and type may be NULL: left out).
 */
struct form_part {
	const char *name;
	const char *value;
	const struct byte_src *src;
	const char *filename;
	const char *type;
};

/*
 * POST /api/v1/photos the way WeChat's wx.uploadFile does: "Content-Type:
 * multipart/form-data; boundary=…" built with libcurl's curl_mime, with a
 * Content-Length, the parts in the order given (WeChat: the formData text
 * fields first, then the file in field "file"). The file bytes stream from
 * their byte_src. timeout_ms 0 means 60 s. out->status is 0 when the
 * exchange failed at the connection level (the libcurl error is printed).
 */
void photo_upload_form(struct server_proc *s, const char *bearer, const struct form_part *parts, size_t nparts,
                       long timeout_ms, struct http_resp *out);
/*
 * POST /api/v1/photos[?query] with the raw bytes of src as the body and
 * "Content-Type: <type>" (type NULL: no Content-Type at all).
 */
void photo_upload_raw(struct server_proc *s, const char *bearer, const char *query, const char *type,
                      const struct byte_src *src, long timeout_ms, struct http_resp *out);
