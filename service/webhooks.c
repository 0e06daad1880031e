/*
 * The audit trail's reader (GET /api/v1/audit) and webhooks: subscriptions
 * (admin), and the delivery worker. Events and deliveries are written by
 * database triggers in the transaction of the change that causes them
 * (migration 0007), so the outbox is durable and never misses one; this
 * worker thread POSTs what is due, signed with HMAC-SHA256, retries with
 * exponential backoff for max-age, and marks newly overdue tasks so their
 * `task.overdue` event fires once.
 */
#include "webhooks.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "audit_store.h"
#include "base/log.h"
#include "base/ticker.h"
#include "base/xalloc.h"
#include "clock.h"
#include "crypto.h"
#include "random.h"
#include "rectify.h"
#include "server.h"

static const char *const event_types[] = {"task.assigned",
                                          "task.submitted",
                                          "task.returned",
                                          "task.verified",
                                          "task.overdue",
                                          "inspection.submitted",
                                          "inspection.approved",
                                          "inspection.returned",
                                          "rectification.opened",
                                          "rectification.closed",
                                          NULL};

static int admin_or_reply(struct req *req)
{
	if (req->principal.role == ROLE_ADMIN)
		return 0;
	reply_problem(req, 403, "forbidden", NULL, "只有管理员可以查看审计日志和管理事件推送");
	return -1;
}

/* ---- GET /api/v1/audit ------------------------------------------------------------------------ */

void audit_list_route(struct req *req)
{
	if (admin_or_reply(req) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	int limit = query_limit(req, &v);
	char after[64] = "";
	query_cursor(req, &v, after, sizeof after);
	long long after_id = 0;
	if (after[0]) {
		char *end;
		after_id = strtoll(after, &end, 10);
		if (*end || after_id < 0)
			verr_add(&v, "cursor", "游标无效");
	}
	static const char *const entities[] = {
	        "org",           "user", "template", "round",     "inspection", "finding", "photo",
	        "rectification", "task", "progress", "interview", "webhook",    NULL};
	struct audit_filter f = {0};
	char entity[32], entity_id[64], actor_id[64], since[64], since_utc[24];
	int n = query_param(req, "entity", entity, sizeof entity);
	if (n >= 0) {
		for (const char *const *e = entities; *e; e++)
			if (strcmp(*e, entity) == 0)
				f.entity = *e;
		if (!f.entity)
			verr_add(&v, "entity",
			         "须为 org、user、template、round、inspection、finding、photo、rectification、task、"
			         "progress、interview 或 webhook");
	} else if (n == -2) {
		verr_add(&v, "entity", "取值无效");
	}
	n = query_param(req, "entity_id", entity_id, sizeof entity_id);
	if (n >= 0 && uuid_is_valid(entity_id, (size_t)n))
		f.entity_id = (uuid_lower(entity_id), entity_id);
	else if (n != -1)
		verr_add(&v, "entity_id", "须为 UUID");
	n = query_param(req, "actor_id", actor_id, sizeof actor_id);
	if (n >= 0 && uuid_is_valid(actor_id, (size_t)n))
		f.actor_id = (uuid_lower(actor_id), actor_id);
	else if (n != -1)
		verr_add(&v, "actor_id", "须为 UUID");
	n = query_param(req, "since", since, sizeof since);
	if (n >= 0 && timestamp_normalize(since, since_utc, sizeof since_utc, NULL) == 0)
		f.since = since_utc;
	else if (n != -1)
		verr_add(&v, "since", "须为 RFC 3339 时间");
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	json_t *items = json_array();
	enum store_status s = audit_list(db, &f, after_id, limit, items);
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	json_t *next = json_null();
	size_t count = json_array_size(items);
	if (count == (size_t)limit && count > 0) {
		char key[32];
		snprintf(key, sizeof key, "%lld",
		         (long long)json_integer_value(json_object_get(json_array_get(items, count - 1), "id")));
		char *c = cursor_encode(key);
		next = json_string(c);
		free(c);
	}
	reply_json_new(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* ---- /api/v1/webhooks ------------------------------------------------------------------------- */

static int valid_url(const char *u)
{
	size_t skip = strncmp(u, "http://", 7) == 0 ? 7 : strncmp(u, "https://", 8) == 0 ? 8 : 0;
	if (!skip || strlen(u) > 2000)
		return 0;
	const char *host = u + skip;
	size_t hostlen = strcspn(host, "/?#");
	if (hostlen == 0 || memchr(host, '@', hostlen)) /* no credentials in URLs */
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* events: a non-empty array of known, distinct types, as JSON text (malloc'ed). */
static char *read_events(struct verr *v, const json_t *body, int required)
{
	json_t *e = json_object_get(body, "events");
	if (!e) {
		if (required)
			verr_add(v, "events", "必填");
		return NULL;
	}
	if (!json_is_array(e) || json_array_size(e) == 0 || json_array_size(e) > 20) {
		verr_add(v, "events", "须为非空的事件类型数组");
		return NULL;
	}
	size_t i;
	json_t *x;
	int ok = 1;
	json_array_foreach(e, i, x)
	{
		const char *s = json_string_value(x);
		int known = 0;
		for (const char *const *t = event_types; s && *t; t++)
			known |= strcmp(*t, s) == 0;
		for (size_t k = 0; known && k < i; k++) {
			const char *earlier = json_string_value(json_array_get(e, k)); /* NULL: not a string */
			if (earlier && strcmp(earlier, s) == 0)
				known = 0;
		}
		if (!known) {
			char f[32];
			snprintf(f, sizeof f, "events[%zu]", i);
			verr_add(v, f, "未知或重复的事件类型");
			ok = 0;
		}
	}
	return ok ? json_dumps(e, JSON_COMPACT) : NULL;
}

static void read_webhook(struct verr *v, const json_t *body, struct webhook_fields *f, char **events, int create)
{
	unsigned req = create ? FIELD_REQUIRED : 0;
	f->url = field_string(v, body, "url", req, 1, 2000, NULL);
	if (f->url && !valid_url(f->url))
		verr_add(v, "url", "须为 http:// 或 https:// 地址，且不含用户名密码");
	*events = read_events(v, body, create);
	f->events = *events;
	f->secret = field_string(v, body, "secret", req, 16, 200, NULL);
	f->description =
	        field_string(v, body, "description", FIELD_NULLABLE | FIELD_MULTILINE, 0, 500, &f->set_description);
	f->active = json_object_get(body, "active") ? field_bool(v, body, "active", 0) : (create ? 1 : -1);
}

static void reply_webhook(struct req *req, struct db *db, int status, const char *id)
{
	json_t *j = NULL;
	enum store_status s = webhook_json(db, id, &j);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return;
	}
	set_etag(req, json_integer_value(json_object_get(j, "version")));
	reply_json_new(req, status, j);
}

void webhooks_create(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	if (!body || admin_or_reply(req) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	if (!db)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"url", "events", "secret", "active", "description", NULL};
	verr_unknown_fields(&v, body, allowed);
	struct webhook_fields f = {0};
	char *events = NULL;
	read_webhook(&v, body, &f, &events, 1);
	if (!verr_reply(req, &v)) {
		char id[37];
		rand_uuid(id);
		enum store_status s = webhook_insert(db, id, &f);
		if (s != STORE_OK) {
			reply_store_error(req, s);
		} else {
			char location[80];
			snprintf(location, sizeof location, "/api/v1/webhooks/%s", id);
			req_header_add(req, "Location", location);
			reply_webhook(req, db, 201, id);
		}
	}
	free(events);
	verr_release(&v);
}

void webhooks_list(struct req *req)
{
	if (admin_or_reply(req) != 0)
		return;
	struct db *db = req_db_or_reply(req);
	struct page_query q;
	if (!db || list_page_or_reply(req, &q) != 0)
		return;
	json_t *items = json_array();
	enum store_status s = webhook_list(db, q.page.after_key, q.page.after_id, q.page.limit, items);
	reply_page(req, s, &q, items, "created_at");
}

static int webhook_id_or_reply(struct req *req, struct db **db, char id[37])
{
	if (admin_or_reply(req) != 0 || !(*db = req_db_or_reply(req)) || path_uuid_or_reply(req, "id", id) != 0)
		return -1;
	long long version;
	enum store_status s = webhook_version(*db, id, &version);
	if (s != STORE_OK) {
		reply_store_error(req, s);
		return -1;
	}
	return 0;
}

void webhooks_get(struct req *req)
{
	struct db *db;
	char id[37];
	if (webhook_id_or_reply(req, &db, id) == 0)
		reply_webhook(req, db, 200, id);
}

void webhooks_update(struct req *req)
{
	json_t *body = body_object_or_reply(req);
	struct db *db;
	char id[37];
	if (!body || webhook_id_or_reply(req, &db, id) != 0)
		return;
	long long if_match = if_match_or_reply(req);
	if (if_match < 0)
		return;
	struct verr v;
	verr_init(&v);
	static const char *const allowed[] = {"url", "events", "secret", "active", "description", NULL};
	verr_unknown_fields(&v, body, allowed);
	struct webhook_fields f = {0};
	char *events = NULL;
	read_webhook(&v, body, &f, &events, 0);
	if (!verr_reply(req, &v)) {
		enum store_status s = webhook_update(db, id, if_match, &f);
		if (s == STORE_STALE) {
			json_t *cur = NULL, *extra = NULL;
			if (webhook_json(db, id, &cur) == STORE_OK)
				extra = json_pack("{s:o}", "current", cur);
			reply_problem(req, 412, "version_conflict", extra, "事件推送配置已被修改，请刷新后重试");
			json_decref(extra);
		} else if (s != STORE_OK) {
			reply_store_error(req, s);
		} else {
			reply_webhook(req, db, 200, id);
		}
	}
	free(events);
	verr_release(&v);
}

void webhooks_delete(struct req *req)
{
	struct db *db;
	char id[37];
	if (webhook_id_or_reply(req, &db, id) != 0)
		return;
	enum store_status s = db_begin(db);
	if (s == STORE_OK)
		s = webhook_delete(db, id);
	if (s == STORE_OK)
		s = db_commit(db);
	else
		db_rollback(db);
	if (s != STORE_OK)
		reply_store_error(req, s);
	else
		reply_send(req, 204, NULL, NULL, 0, 1);
}

void webhooks_deliveries(struct req *req)
{
	struct db *db;
	char id[37];
	if (webhook_id_or_reply(req, &db, id) != 0)
		return;
	struct verr v;
	verr_init(&v);
	int limit = query_limit(req, &v);
	char after[64] = "";
	query_cursor(req, &v, after, sizeof after);
	long long after_id = 0;
	if (after[0]) {
		char *end;
		after_id = strtoll(after, &end, 10);
		if (*end || after_id <= 0)
			verr_add(&v, "cursor", "游标无效");
	}
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	json_t *items = json_array();
	enum store_status s = webhook_deliveries(db, id, after_id, limit, items);
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	/* the internal sequence pages; it is not part of the object */
	long long last_seq = 0;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		last_seq = json_integer_value(json_object_get(it, "seq"));
		json_object_del(it, "seq");
	}
	json_t *next = json_null();
	if (json_array_size(items) == (size_t)limit && limit > 0) {
		char key[32];
		snprintf(key, sizeof key, "%lld", last_seq);
		char *c = cursor_encode(key);
		next = json_string(c);
		free(c);
	}
	reply_json_new(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* ---- the delivery worker ---------------------------------------------------------------------- */

struct webhook_worker {
	struct server *srv;
	struct ticker poller; /* polls for due deliveries */
};

/* Set when the worker is stopping: a transfer in flight is abandoned. */
static atomic_int worker_stopping;

static int abort_on_stop(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)ud;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&worker_stopping) ? 1 : 0;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

/* One POST: 1 delivered (2xx), 0 not, with the status code (0: none) and an error text. */
static int post_once(const struct delivery *d, int *status_code, char *error, size_t errlen)
{
	uint8_t mac[SHA256_BYTES];
	hmac_sha256((const uint8_t *)d->secret, strlen(d->secret), d->body, strlen(d->body), mac);
	char sig[32 + 2 * SHA256_BYTES];
	int n = snprintf(sig, sizeof sig, "X-Inspectd-Signature: sha256=");
	hex_lower(mac, SHA256_BYTES, sig + n);
	char event[80], delivery[80];
	snprintf(event, sizeof event, "X-Inspectd-Event: %s", d->event_type);
	snprintf(delivery, sizeof delivery, "X-Inspectd-Delivery: %s", d->uid);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: inspectd-webhook/1");
	h = curl_slist_append(h, event);
	h = curl_slist_append(h, delivery);
	h = curl_slist_append(h, sig);
	h = curl_slist_append(h, "Expect:");
	CURL *c = curl_easy_init();
	char curl_err[CURL_ERROR_SIZE] = "";
	*status_code = 0;
	int ok = 0;
	if (c) {
		curl_easy_setopt(c, CURLOPT_URL, d->url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* straight to the subscriber, never via a proxy */
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
		CURLcode rc = curl_easy_perform(c);
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		*status_code = (int)code;
		if (rc != CURLE_OK)
			snprintf(error, errlen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
		else if (code >= 200 && code < 300)
			ok = 1;
		else if (code >= 300 && code < 400)
			snprintf(error, errlen, "redirect %ld not followed", code);
		else
			snprintf(error, errlen, "HTTP %ld", code);
		curl_easy_cleanup(c);
	} else {
		snprintf(error, errlen, "cannot start an HTTP client");
	}
	curl_slist_free_all(h);
	return ok;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void deliver(struct server *srv, struct db *db, struct delivery *d)
{
	long long at = now_ms();
	int code = 0;
	char error[256] = "";
	int ok = post_once(d, &code, error, sizeof error);
	if (!ok && atomic_load(&worker_stopping))
		return; /* cut short by the stop: not an attempt, the next process makes it */
	long long next = 0;
	if (!ok) { /* retry_s, doubling, each wait at most an hour, until max-age after the event */
		long long wait = srv->cfg->webhook_retry_s;
		for (int i = 0; i < d->attempts && wait < 3600; i++)
			wait *= 2;
		if (wait > 3600)
			wait = 3600;
		next = at + wait * 1000;
		long long deadline = (d->created_epoch + srv->cfg->webhook_max_age_s) * 1000;
		if (next > deadline) /* a last attempt at the deadline, then failed */
			next = at < deadline ? deadline : 0;
	}
	delivery_record(db, d->id, at, ok, next, code, ok ? NULL : error);
	struct log_line l;
	if (log_begin(&l, ok ? LOG_INFO : LOG_WARN, "webhooks", ok ? "delivered" : "delivery failed")) {
		log_str(&l, "delivery", d->uid);
		log_str(&l, "event", d->event_type);
		log_int(&l, "status", code);
		if (!ok)
			log_str(&l, "error", error);
		log_end(&l);
	}
}

static void work_once(struct server *srv, struct db *db)
{
	char today[11];
	clock_today(today);
	if (db_begin(db) == STORE_OK) {
		if (tasks_mark_overdue(db, today) >= 0)
			db_commit(db);
		else
			db_rollback(db);
	}
	enum { BATCH = 16 };
	struct delivery *due = xcalloc(BATCH, sizeof *due);
	int n = delivery_due(db, now_ms(), due, BATCH);
	for (int i = 0; i < n; i++) {
		if (!atomic_load(&worker_stopping) && delivery_still_due(db, due[i].id))
			deliver(srv, db, &due[i]); /* (re-checked: paused, deleted or changed meanwhile) */
		delivery_release(&due[i]);
	}
	free(due);
}

static void *worker_main(void *arg)
{
	struct webhook_worker *w = arg;
	char err[256];
	struct db *db = db_open(w->srv->db_path, err, sizeof err);
	if (!db) {
		struct log_line l;
		if (log_begin(&l, LOG_ERROR, "webhooks", "the delivery worker cannot open the database")) {
			log_str(&l, "error", err);
			log_end(&l);
		}
		return NULL;
	}
	pthread_mutex_lock(&w->poller.mu);
	int go_on = !w->poller.stopping;
	while (go_on) {
		pthread_mutex_unlock(&w->poller.mu);
		work_once(w->srv, db);
		pthread_mutex_lock(&w->poller.mu);
		go_on = ticker_wait(&w->poller, w->srv->cfg->webhook_poll_ms);
	}
	pthread_mutex_unlock(&w->poller.mu);
	db_close(db);
	return NULL;
}

int webhooks_start(struct server *srv, char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	struct webhook_worker *w = xcalloc(1, sizeof *w);
	w->srv = srv;
	atomic_store(&worker_stopping, 0);
	srv->webhooks = w;
	if (ticker_start(&w->poller, worker_main, w) != 0) {
		snprintf(err, errlen, "cannot start the webhook worker");
		return -1;
	}
	return 0;
}

void webhooks_stop(struct server *srv)
{
	struct webhook_worker *w = srv->webhooks;
	if (!w)
		return;
	atomic_store(&worker_stopping, 1); /* a transfer in flight is abandoned */
	ticker_stop(&w->poller);
	free(w);
	srv->webhooks = NULL;
	curl_global_cleanup();
}
