/*
 * Sessions. A login creates a session (a refresh-token family) and returns
 * a token pair: a 15-minute JWT access token naming the session (sid) and an
 * opaque 256-bit refresh token, of which only the SHA-256 is stored.
 *
 * Refresh rotates: the presented token is spent and its successor returned.
 * The successor is derived, not random: HMAC(signing key, token). That lets
 * a phone that lost the response re-present the spent token within 30 s and
 * get the very same successor without the server ever storing a usable
 * token. Any other re-presentation of a spent token is reuse (OAuth 2.0
 * Security BCP): the whole session is revoked, access tokens included.
 */
#include "auth_api.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/log.h"
#include "crypto.h"
#include "password.h"
#include "random.h"
#include "render.h"
#include "server.h"
#include "session_store.h"
#include "user_store.h"

enum {
	REFRESH_TTL_S = 30 * 24 * 3600,
	REFRESH_GRACE_S = 30,
	THROTTLE_WINDOW_S = 15 * 60,
	THROTTLE_PER_USER = 5,
	THROTTLE_PER_ADDR = 20,
	REFRESH_TOKEN_CHARS = 43, /* 32 bytes, base64url */
};

static void refresh_successor(const struct jwt_key *k, const char *token, char out[REFRESH_TOKEN_CHARS + 1])
{
	static const char label[] = "inspectd-refresh-successor:";
	uint8_t msg[sizeof label + REFRESH_TOKEN_CHARS];
	size_t tlen = strnlen(token, REFRESH_TOKEN_CHARS + 1);
	if (tlen > REFRESH_TOKEN_CHARS) /* callers check the length; never overrun msg */
		tlen = REFRESH_TOKEN_CHARS;
	memcpy(msg, label, sizeof label - 1);
	memcpy(msg + sizeof label - 1, token, tlen);
	uint8_t mac[SHA256_BYTES];
	hmac_sha256(k->key, k->len, msg, sizeof label - 1 + tlen, mac);
	b64url_encode(mac, sizeof mac, out);
}

static void new_refresh_token(char out[REFRESH_TOKEN_CHARS + 1])
{
	uint8_t raw[32];
	rand_fill(raw, sizeof raw);
	b64url_encode(raw, sizeof raw, out);
}

/* Answers 200 with a token pair for u in session sid. */
static void reply_token_pair(struct req *req, const struct user *u, const char *sid, const char *refresh)
{
	struct access_claims c;
	memset(&c, 0, sizeof c);
	snprintf(c.sub, sizeof c.sub, "%s", u->id);
	snprintf(c.role, sizeof c.role, "%s", u->role);
	snprintf(c.org, sizeof c.org, "%s", u->org_id);
	snprintf(c.sid, sizeof c.sid, "%s", sid);
	c.tv = u->token_version;
	long ttl = (long)req->srv->cfg->access_ttl_s;
	char *access = jwt_issue_access(&req->srv->keys, &c, time(NULL), ttl);
	if (!access) {
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	reply_json_new(req, 200,
	               json_pack("{s:s, s:s, s:i, s:s, s:i, s:o}", "access_token", access, "token_type", "Bearer",
	                         "expires_in", (int)ttl, "refresh_token", refresh, "refresh_expires_in", REFRESH_TTL_S,
	                         "user", user_json(u)));
	free(access);
}

/* Inside a transaction: a new session for user_id with its first refresh token. */
static enum store_status session_start(struct db *db, const char *user_id, char sid[37],
                                       char refresh[REFRESH_TOKEN_CHARS + 1], long long now)
{
	rand_uuid(sid);
	new_refresh_token(refresh);
	uint8_t hash[SHA256_BYTES];
	sha256(refresh, strlen(refresh), hash);
	enum store_status s = session_create(db, sid, user_id, now);
	if (s == STORE_OK)
		s = refresh_insert(db, hash, sid, now, now + REFRESH_TTL_S);
	return s;
}

static void throttle_key(char *out, size_t outlen, const char *prefix, const char *value)
{
	size_t n = (size_t)snprintf(out, outlen, "%s%.64s", prefix, value);
	for (size_t i = 2; i < n && i < outlen; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

/* 429 when key has too many recent failures; returns 1 when it replied. */
static int throttled_or_reply(struct req *req, struct db *db, const char *key, long long limit, long long now)
{
	long long count = 0, oldest = 0;
	if (login_failures_count(db, key, now - THROTTLE_WINDOW_S, &count, &oldest) != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return 1;
	}
	if (count < limit)
		return 0;
	long long wait = oldest + THROTTLE_WINDOW_S - now;
	char retry[24];
	snprintf(retry, sizeof retry, "%lld", wait < 1 ? 1 : wait);
	req_header_add(req, "Retry-After", retry);
	reply_problem(req, 429, "too_many_requests", NULL, "密码错误次数过多，请 %s 秒后再试", retry);
	return 1;
}

/*
 * Password guesses are counted before the password is checked, in one write
 * transaction: refuse when a key is over its limit, else record this attempt
 * as a failure — so a burst of parallel guesses counts every one of them. A
 * correct password removes the records again (attempt_rowids). addr_key may
 * be NULL. Returns 1 when it replied.
 */
static int throttle_enter_or_reply(struct req *req, struct db *db, const char *user_key, const char *addr_key,
                                   long long now, long long attempt_rowids[2])
{
	if (db_begin(db) != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return 1;
	}
	if (throttled_or_reply(req, db, user_key, THROTTLE_PER_USER, now) ||
	    (addr_key && throttled_or_reply(req, db, addr_key, THROTTLE_PER_ADDR, now))) {
		db_rollback(db);
		return 1;
	}
	attempt_rowids[1] = 0;
	enum store_status s = login_failure_add(db, user_key, now, &attempt_rowids[0]);
	if (s == STORE_OK && addr_key)
		s = login_failure_add(db, addr_key, now, &attempt_rowids[1]);
	if (s == STORE_OK && now % 64 == 0) /* housekeeping, now and then */
		s = login_failures_prune(db, now - THROTTLE_WINDOW_S);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return 1;
	}
	return 0;
}

/* Inside the caller's transaction after a correct password: the user's
 * failures are forgiven, the address keeps its others. */
static enum store_status throttle_success(struct db *db, const char *user_key, const long long attempt_rowids[2])
{
	enum store_status s = login_failures_clear(db, user_key);
	if (s == STORE_OK && attempt_rowids[1])
		s = login_failure_delete(db, attempt_rowids[1]);
	return s;
}

void auth_login(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"username", "password", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *username = field_string(&v, body, "username", FIELD_REQUIRED, 1, 64, NULL);
	const char *password = field_string(&v, body, "password", FIELD_REQUIRED, 1, 1024, NULL);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	long long now = time(NULL);
	char user_key[80], addr_key[64];
	long long attempt[2];
	throttle_key(user_key, sizeof user_key, "u:", username);
	snprintf(addr_key, sizeof addr_key, "a:%s", req->client_addr);
	if (throttle_enter_or_reply(req, db, user_key, addr_key, now, attempt))
		return;

	struct user u;
	char hash[PASSWORD_HASH_MAX] = "";
	enum store_status s = user_store_get_login(db, username, &u, hash, sizeof hash);
	if (s == STORE_DB) {
		reply_store_error(req, s);
		return;
	}
	/* Unknown and disabled users are checked against the dummy hash: the
	 * answer and its timing are the same as for a wrong password. */
	int known = s == STORE_OK && !u.disabled;
	enum password_result pr = password_verify(known ? hash : NULL, password);
	memset(hash, 0, sizeof hash);
	if (pr == PASSWORD_BUSY) {
		reply_busy(req);
		return;
	}
	if (pr != PASSWORD_OK) {
		struct log_line l;
		if (log_begin(&l, LOG_INFO, "auth", "login failed")) {
			log_str(&l, "request_id", req->request_id);
			log_str(&l, "remote", req->client_addr);
			log_end(&l);
		}
		reply_problem(req, 401, "invalid_credentials", NULL, "用户名或密码错误");
		return;
	}
	char sid[37], refresh[REFRESH_TOKEN_CHARS + 1];
	s = db_begin(db);
	if (s == STORE_OK)
		s = throttle_success(db, user_key, attempt);
	if (s == STORE_OK)
		s = session_start(db, u.id, sid, refresh, now);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return;
	}
	reply_token_pair(req, &u, sid, refresh);
}

/* Re-derives the successor of a spent token, trying every key (the signing
 * key may have rotated since). Returns 1 when found. */
static int find_successor(const struct jwt_keys *keys, const char *token, const uint8_t want[SHA256_BYTES],
                          char out[REFRESH_TOKEN_CHARS + 1])
{
	for (size_t i = 0; i < keys->n; i++) {
		uint8_t h[SHA256_BYTES];
		refresh_successor(&keys->k[i], token, out);
		sha256(out, strlen(out), h);
		if (ct_equal(h, want, SHA256_BYTES))
			return 1;
	}
	return 0;
}

enum refresh_outcome { R_OK, R_INVALID, R_REUSED, R_DB };

static enum refresh_outcome refresh_rotate(struct req *req, struct db *db, const char *token, long long now,
                                           char sid[37], char successor[REFRESH_TOKEN_CHARS + 1], struct user *u)
{
	uint8_t hash[SHA256_BYTES];
	sha256(token, strlen(token), hash);
	struct refresh_row row;
	enum store_status s = refresh_lookup(db, hash, &row);
	if (s != STORE_OK)
		return s == STORE_NOT_FOUND ? R_INVALID : R_DB;
	if (row.session_revoked_at || row.expires_at <= now)
		return R_INVALID;
	snprintf(sid, 37, "%s", row.session_id);
	if (row.spent_at) {
		struct refresh_row next;
		int grace = now - row.spent_at <= REFRESH_GRACE_S && row.has_successor &&
		            find_successor(&req->srv->keys, token, row.successor_hash, successor) &&
		            refresh_lookup(db, row.successor_hash, &next) == STORE_OK && !next.spent_at;
		if (!grace)
			return session_revoke(db, row.session_id, "refresh token reused", now) == STORE_OK ? R_REUSED
			                                                                                   : R_DB;
	} else {
		uint8_t next_hash[SHA256_BYTES];
		refresh_successor(&req->srv->keys.k[0], token, successor);
		sha256(successor, strlen(successor), next_hash);
		s = refresh_insert(db, next_hash, row.session_id, now, now + REFRESH_TTL_S);
		if (s == STORE_OK)
			s = refresh_spend(db, hash, next_hash, now);
		if (s != STORE_OK)
			return R_DB;
	}
	s = user_store_get(db, row.user_id, "/", "0", u);
	if (s != STORE_OK || u->disabled) {
		if (s == STORE_DB || session_revoke(db, row.session_id, "user unavailable", now) != STORE_OK)
			return R_DB;
		return R_INVALID;
	}
	return R_OK;
}

void auth_refresh(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"refresh_token", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *token = field_string(&v, body, "refresh_token", FIELD_REQUIRED, 0, 65536, NULL);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (strlen(token) != REFRESH_TOKEN_CHARS) {
		reply_problem(req, 401, "invalid_refresh_token", NULL, "刷新令牌无效或已过期，请重新登录");
		return;
	}
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	long long now = time(NULL);
	char sid[37], successor[REFRESH_TOKEN_CHARS + 1];
	struct user u;
	if (db_begin(db) != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return;
	}
	enum refresh_outcome r = refresh_rotate(req, db, token, now, sid, successor, &u);
	/* A revocation is committed even though the request fails. */
	if (r == R_DB) {
		db_rollback(db);
	} else if (db_commit(db) != STORE_OK) {
		r = R_DB;
	}
	switch (r) {
	case R_OK: reply_token_pair(req, &u, sid, successor); break;
	case R_INVALID:
		reply_problem(req, 401, "invalid_refresh_token", NULL, "刷新令牌无效或已过期，请重新登录");
		break;
	case R_REUSED: {
		struct log_line l;
		if (log_begin(&l, LOG_WARN, "auth", "refresh token reused: session revoked")) {
			log_str(&l, "request_id", req->request_id);
			log_str(&l, "session_id", sid);
			log_str(&l, "remote", req->client_addr);
			log_end(&l);
		}
		reply_problem(req, 401, "refresh_token_reused", NULL, "刷新令牌已被使用，该会话已注销，请重新登录");
		break;
	}
	case R_DB: reply_store_error(req, STORE_DB); break;
	}
}

void auth_logout(struct req *req)
{
	if (req->json && json_object_size(req->json) > 0) {
		struct verr v;
		verr_init(&v);
		static const char *const none[] = {NULL};
		verr_unknown_fields(&v, req->json, none);
		verr_reply(req, &v);
		verr_release(&v);
		return;
	}
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	if (session_revoke(db, req->principal.session_id, "logout", time(NULL)) != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return;
	}
	reply_send(req, 204, NULL, NULL, 0, 1);
}

void me_get(struct req *req)
{
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct user u;
	enum store_status s = user_store_get(db, req->principal.user_id, "/", "0", &u);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	json_t *out = user_json(&u);
	json_object_set_new(out, "org",
	                    json_pack("{s:s, s:s, s:s, s:s}", "id", u.org_id, "name", u.org_name, "code", u.org_code,
	                              "level", u.org_level));
	set_etag(req, u.version);
	reply_json_new(req, 200, out);
}

void me_password(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"old_password", "new_password", NULL};
	verr_unknown_fields(&v, body, allowed);
	const char *old_pw = field_string(&v, body, "old_password", FIELD_REQUIRED, 1, 1024, NULL);
	const char *new_pw = field_string(&v, body, "new_password", FIELD_REQUIRED, 1, 1024, NULL);
	const char *why = new_pw ? password_policy_check(new_pw, req->principal.username) : NULL;
	if (why)
		verr_add(&v, "new_password", why);
	struct db *db = NULL;
	char hash[PASSWORD_HASH_MAX] = "";
	char user_key[80];
	long long attempt[2] = {0, 0};
	throttle_key(user_key, sizeof user_key, "u:", req->principal.username);
	if (!verr_any(&v)) {
		db = req_db_or_reply(req);
		/* A stolen access token must not become unlimited password guesses. */
		if (!db || throttle_enter_or_reply(req, db, user_key, NULL, time(NULL), attempt)) {
			verr_release(&v);
			return;
		}
		if (user_store_get_hash(db, req->principal.user_id, hash, sizeof hash) != STORE_OK) {
			verr_release(&v);
			reply_store_error(req, STORE_DB);
			return;
		}
		enum password_result pr = password_verify(hash, old_pw);
		if (pr == PASSWORD_BUSY) {
			verr_release(&v);
			reply_busy(req);
			return;
		}
		if (pr != PASSWORD_OK)
			verr_add(&v, "old_password", "原密码不正确");
	}
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	if (password_hash(new_pw, hash) != PASSWORD_OK) {
		reply_busy(req);
		return;
	}
	/* Every session of the user ends (its access tokens with it through the
	 * token version); this caller continues in a new one. */
	long long now = time(NULL);
	struct user u;
	char sid[37], refresh[REFRESH_TOKEN_CHARS + 1];
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = user_store_get(db, req->principal.user_id, "/", "0", &u);
	if (s == STORE_OK)
		s = user_store_update(db, &u, 0, hash, 1);
	if (s == STORE_OK)
		s = throttle_success(db, user_key, attempt);
	if (s == STORE_OK)
		s = session_revoke_user(db, u.id, NULL, "password changed", now);
	if (s == STORE_OK)
		s = session_start(db, u.id, sid, refresh, now);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	memset(hash, 0, sizeof hash);
	if (s != STORE_OK) {
		reply_store_error(req, STORE_DB);
		return;
	}
	reply_token_pair(req, &u, sid, refresh);
}
