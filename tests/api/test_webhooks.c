/*
 * Webhooks through the real binary (issue 7, contract section 3): the admin's
 * CRUD of webhook subscriptions (the secret never returned, versions and
 * If-Match, validation, who may), and their delivery to a real HTTP receiver
 * on loopback that this test runs in a thread: the body and headers of each
 * event, the HMAC-SHA256 signature checked with OpenSSL, only subscribed
 * events to active webhooks, retries with backoff after a 5xx, a 4xx, a
 * closed connection or a redirect (never followed), a deleted webhook's
 * pending deliveries dropped, task.overdue once per task when the pinned
 * clock makes it overdue, inspection / rectification / task workflow events
 * with their data, the deliveries log (newest first, paginated), a pending
 * delivery surviving a restart. (A delivery given up as failed after
 * --webhook-max-age-s is not tested: its minimum, 60 s, is too long here.)
 *
 * The server runs with INSPECTD_WEBHOOK_POLL_MS=200 and
 * INSPECTD_WEBHOOK_RETRY_S=1, so a first retry comes after about 1 s and the
 * second about 2 s later. Every wait is bounded.
 */
#define _GNU_SOURCE /* memmem, strcasestr, accept4 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define POLL_ENV  "INSPECTD_WEBHOOK_POLL_MS=200"
#define RETRY_ENV "INSPECTD_WEBHOOK_RETRY_S=1"
static const char *const server_env[] = {BOOTSTRAP_ENV, POLL_ENV, RETRY_ENV, NULL};

static struct server_proc srv;
static struct server_proc owner; /* the first server once restarted: it keeps the data directory */
static struct crew crew;
static json_t *tpl;
static char round_id[ID_LEN];
static const char *admin, *sup, *cadre; /* admin, sup.a, cadre.a1 */
static struct tokens cadre_a1b;         /* a second cadre of A1 */
static struct tokens cadre_a2;          /* the cadre of A2 */
static char case_a1[ID_LEN];            /* an open case of A1 the tasks hang on */
static const char *unknown_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

static const char *const ALL_EVENTS[] = {"task.assigned",
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

/* ==== The receiver: an HTTP server on 127.0.0.1 in a thread ==================================== */

enum { RX_MAX_REQS = 400, RX_MAX_RULES = 64, RX_SCRIPT = 8 };
#define RX_CLOSE 0 /* a scripted "status": close the connection without answering */

struct rx_req {
	char method[16];
	char target[700]; /* path and query as sent */
	char path[700];   /* without the query */
	char *head;       /* the header lines, "Name: value\r\n" each */
	char *body;
	size_t body_len;
	double at;    /* now_ms() when the request was read */
	int answered; /* the status sent back (RX_CLOSE: none) */
};

struct rx_rule {
	char path[160];
	int script[RX_SCRIPT];
	size_t n, pos;
	int dflt;
};

static struct {
	int fd, port, running, stop;
	pthread_t thread;
	pthread_mutex_t mu;
	struct rx_req reqs[RX_MAX_REQS];
	size_t nreqs;
	struct rx_rule rules[RX_MAX_RULES];
	size_t nrules;
} rx;

static int recv_more(int c, struct buf *in)
{
	char tmp[8192];
	ssize_t n = recv(c, tmp, sizeof tmp, 0);
	if (n <= 0)
		return -1;
	buf_add(in, tmp, (size_t)n);
	return 0;
}

static void send_all(int c, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(c, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* The value of header name (case-insensitive) in a block of "Name: value\r\n" lines. */
static int hdr_get(const char *head, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	for (const char *p = head; p && *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = p + ll;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			size_t vl = (size_t)(e - v);
			if (vl >= outlen)
				vl = outlen - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 1;
		}
		p = eol ? eol + 2 : NULL;
	}
	return 0;
}

static void rx_answer(int c, int status)
{
	char resp[512];
	int n;
	if (status == RX_CLOSE)
		return;
	if (status >= 300 && status < 400)
		n = snprintf(resp, sizeof resp,
		             "HTTP/1.1 %d Moved\r\nLocation: http://127.0.0.1:%d/hooks/redirect-target\r\n"
		             "Content-Length: 0\r\nConnection: close\r\n\r\n",
		             status, rx.port);
	else if (status == 204)
		n = snprintf(resp, sizeof resp, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
	else
		n = snprintf(resp, sizeof resp,
		             "HTTP/1.1 %d Scripted\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
		             "Connection: close\r\n\r\nok",
		             status);
	send_all(c, resp, (size_t)n);
}

static void rx_handle(int c)
{
	struct timeval tv = {5, 0};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct buf in = BUF_INIT, body = BUF_INIT;
	char *head = NULL;
	char *end = NULL;
	while (!in.data || !(end = strstr(in.data, "\r\n\r\n")))
		if (in.len > 65536 || recv_more(c, &in) < 0)
			goto out;
	size_t hlen = (size_t)(end - in.data) + 4;
	char *line_end = strstr(in.data, "\r\n");
	struct rx_req q;
	memset(&q, 0, sizeof q);
	char *sp1 = memchr(in.data, ' ', (size_t)(line_end - in.data));
	char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
	if (!sp1 || !sp2)
		goto out;
	snprintf(q.method, sizeof q.method, "%.*s", (int)(sp1 - in.data), in.data);
	snprintf(q.target, sizeof q.target, "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
	snprintf(q.path, sizeof q.path, "%.*s", (int)strcspn(q.target, "?"), q.target);
	head = strndup(line_end + 2, hlen - (size_t)(line_end + 2 - in.data));

	char v[128];
	if (hdr_get(head, "Expect", v, sizeof v) && strcasecmp(v, "100-continue") == 0)
		send_all(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	if (hdr_get(head, "Transfer-Encoding", v, sizeof v) && strcasestr(v, "chunked")) {
		size_t pos = hlen;
		for (;;) {
			char *crlf = in.len > pos ? memmem(in.data + pos, in.len - pos, "\r\n", 2) : NULL;
			if (!crlf) {
				if (recv_more(c, &in) < 0)
					goto out;
				continue;
			}
			size_t sz = strtoul(in.data + pos, NULL, 16);
			size_t at = (size_t)(crlf - in.data) + 2;
			if (sz == 0)
				break;
			while (in.len < at + sz + 2)
				if (recv_more(c, &in) < 0)
					goto out;
			buf_add(&body, in.data + at, sz);
			pos = at + sz + 2;
		}
	} else {
		size_t clen = hdr_get(head, "Content-Length", v, sizeof v) ? strtoul(v, NULL, 10) : 0;
		while (in.len - hlen < clen)
			if (recv_more(c, &in) < 0)
				goto out;
		buf_add(&body, in.data + hlen, clen);
	}
	q.at = now_ms();
	q.body_len = body.len;
	q.body = body.len ? buf_detach(&body, NULL) : strdup("");
	q.head = head;
	head = NULL;

	pthread_mutex_lock(&rx.mu);
	int status = 200;
	for (size_t i = 0; i < rx.nrules; i++) {
		struct rx_rule *r = &rx.rules[i];
		if (strcmp(r->path, q.path) == 0) {
			status = r->pos < r->n ? r->script[r->pos++] : r->dflt;
			break;
		}
	}
	q.answered = status;
	if (rx.nreqs < RX_MAX_REQS) {
		rx.reqs[rx.nreqs++] = q;
	} else {
		free(q.head);
		free(q.body);
	}
	pthread_mutex_unlock(&rx.mu);
	rx_answer(c, status);
out:
	free(head);
	buf_release(&in);
	buf_release(&body);
}

static void *rx_main(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&rx.stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = {rx.fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int c = accept4(rx.fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		rx_handle(c);
		close(c);
	}
	return NULL;
}

static void rx_start(void)
{
	pthread_mutex_init(&rx.mu, NULL);
	rx.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (rx.fd < 0)
		fail_msg("socket: %s", strerror(errno));
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	socklen_t al = sizeof a;
	if (bind(rx.fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(rx.fd, 64) != 0 ||
	    getsockname(rx.fd, (struct sockaddr *)&a, &al) != 0)
		fail_msg("receiver socket: %s", strerror(errno));
	rx.port = ntohs(a.sin_port);
	if (pthread_create(&rx.thread, NULL, rx_main, NULL) != 0)
		fail_msg("pthread_create failed");
	rx.running = 1;
}

static void rx_stop(void)
{
	if (!rx.running)
		return;
	__atomic_store_n(&rx.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(rx.thread, NULL);
	close(rx.fd);
	for (size_t i = 0; i < rx.nreqs; i++) {
		free(rx.reqs[i].head);
		free(rx.reqs[i].body);
	}
	rx.running = 0;
}

/* Requests to /hooks/<name> are answered with script (n statuses), then dflt. */
static void rx_script(const char *name, int dflt, const int *script, size_t n)
{
	char path[160];
	snprintf(path, sizeof path, "/hooks/%.*s", (int)strcspn(name, "?"), name);
	assert_true(n <= RX_SCRIPT);
	pthread_mutex_lock(&rx.mu);
	struct rx_rule *r = NULL;
	for (size_t i = 0; i < rx.nrules && !r; i++)
		if (strcmp(rx.rules[i].path, path) == 0)
			r = &rx.rules[i];
	if (!r) {
		assert_true(rx.nrules < RX_MAX_RULES);
		r = &rx.rules[rx.nrules++];
	}
	snprintf(r->path, sizeof r->path, "%s", path);
	for (size_t i = 0; i < n; i++)
		r->script[i] = script[i];
	r->n = n;
	r->pos = 0;
	r->dflt = dflt;
	pthread_mutex_unlock(&rx.mu);
}

/* The requests /hooks/<name> received, oldest first: {method, target, at, status, raw, body (parsed or
 * null), content-type, user-agent, x-inspectd-event, x-inspectd-delivery, x-inspectd-signature}. */
static json_t *rx_get(const char *name)
{
	static const char *const hdrs[] = {"Content-Type", "User-Agent", "X-Inspectd-Event", "X-Inspectd-Delivery",
	                                   "X-Inspectd-Signature"};
	char path[160];
	snprintf(path, sizeof path, "/hooks/%.*s", (int)strcspn(name, "?"), name);
	json_t *all = json_array();
	pthread_mutex_lock(&rx.mu);
	for (size_t i = 0; i < rx.nreqs; i++) {
		const struct rx_req *q = &rx.reqs[i];
		if (strcmp(q->path, path) != 0)
			continue;
		json_t *o = json_pack("{s:s, s:s, s:f, s:i}", "method", q->method, "target", q->target, "at", q->at,
		                      "status", q->answered);
		for (size_t k = 0; k < sizeof hdrs / sizeof hdrs[0]; k++) {
			char v[600], key[64];
			size_t j = 0;
			for (; hdrs[k][j] && j < sizeof key - 1; j++)
				key[j] = (char)(hdrs[k][j] >= 'A' && hdrs[k][j] <= 'Z' ? hdrs[k][j] + 32 : hdrs[k][j]);
			key[j] = '\0';
			json_object_set_new(o, key,
			                    hdr_get(q->head, hdrs[k], v, sizeof v) ? json_string(v) : json_null());
		}
		json_object_set_new(o, "raw", json_stringn_nocheck(q->body, q->body_len));
		json_t *b = json_loadb(q->body, q->body_len, 0, NULL);
		json_object_set_new(o, "body", b ? b : json_null());
		json_array_append_new(all, o);
	}
	pthread_mutex_unlock(&rx.mu);
	return all;
}

static size_t rx_count(const char *name)
{
	json_t *a = rx_get(name);
	size_t n = json_array_size(a);
	json_decref(a);
	return n;
}

/* Waits (at most timeout_ms) until /hooks/<name> got at least n requests; returns them all. */
static json_t *rx_wait(const char *name, size_t n, long timeout_ms, const char *what)
{
	double t0 = now_ms();
	for (;;) {
		json_t *a = rx_get(name);
		if (json_array_size(a) >= n)
			return a;
		if (now_ms() - t0 > (double)timeout_ms) {
			char *dump = json_dumps(a, JSON_COMPACT);
			fail_msg("%s: /hooks/%s received %zu requests in %ld ms, want %zu: %.1500s", what, name,
			         json_array_size(a), timeout_ms, n, dump);
		}
		json_decref(a);
		sleep_ms(50);
	}
}

/* ==== helpers ===================================================================================== */

static const char *hook_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/webhooks/%s%s", id, suffix ? suffix : "");
}

static const char *hook_url(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "http://127.0.0.1:%d/hooks/%s", rx.port, name);
	return out;
}

/* A request that must be answered with want; the parsed body (may be NULL). */
static json_t *call(const char *method, const char *path, const char *bearer, const char *body, long want,
                    struct http_resp *keep)
{
	struct http_resp r;
	api_call(&srv, method, path, bearer, body, NULL, &r);
	if (r.status != want)
		fail_msg("%s %s %.300s: expected %ld, got %ld: %.500s", method, path, body ? body : "", want, r.status,
		         buf_cstr(&r.body));
	json_t *j = r.body.len ? http_json(&r) : NULL;
	if (keep)
		*keep = r;
	else
		http_resp_release(&r);
	return j;
}

static json_t *str_array(const char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* events of a webhook are exactly the set want (each once). */
static void assert_events(const json_t *w, const char *const *want)
{
	json_t *ev = json_object_get(w, "events");
	if (!json_is_array(ev))
		fail_msg("webhook %s: events is not an array", jstr(w, "id"));
	size_t n = 0;
	for (; want[n]; n++) {
		int found = 0;
		size_t i;
		json_t *e;
		json_array_foreach(ev, i, e) found += json_is_string(e) && strcmp(json_string_value(e), want[n]) == 0;
		if (found != 1)
			fail_msg("webhook %s: event %s appears %d times in %s", jstr(w, "id"), want[n], found,
			         json_dumps(ev, JSON_COMPACT));
	}
	if (json_array_size(ev) != n)
		fail_msg("webhook %s: events %s, want %zu of them", jstr(w, "id"), json_dumps(ev, JSON_COMPACT), n);
}

/* The shape of a webhook object; the secret is never there. */
static void assert_hook(const json_t *w)
{
	if (!json_is_object(w))
		fail_msg("a webhook that is not an object");
	const char *id = jstr(w, "id");
	if (!id || strlen(id) != 36)
		fail_msg("webhook id %s is not a UUID", id ? id : "(none)");
	if (!jstr(w, "url"))
		fail_msg("webhook %s without a url", id);
	if (!json_is_array(json_object_get(w, "events")))
		fail_msg("webhook %s without events", id);
	if (!json_is_boolean(json_object_get(w, "active")))
		fail_msg("webhook %s: active is not a boolean", id);
	json_t *d = json_object_get(w, "description");
	if (!d || !(json_is_null(d) || json_is_string(d)))
		fail_msg("webhook %s: description is neither a string nor null", id);
	if (!json_is_true(json_object_get(w, "secret_set")))
		fail_msg("webhook %s: secret_set is not true: %s", id, json_dumps(w, JSON_COMPACT));
	if (json_object_get(w, "secret"))
		fail_msg("webhook %s carries its secret: %s", id, json_dumps(w, JSON_COMPACT));
	assert_timestamp(jstr(w, "created_at"));
	assert_timestamp(jstr(w, "updated_at"));
	if (jint(w, "version") < 1)
		fail_msg("webhook %s: version %lld", id, jint(w, "version"));
}

/* POST /api/v1/webhooks {url: the receiver's /hooks/<name>, events, secret[, active (-1: absent)][,
 * description]}; 201 with Location and ETag "1". */
static json_t *hook_new(const char *name, const char *const *events, const char *secret, int active,
                        const char *description, char id[ID_LEN])
{
	char url[300];
	json_t *b = json_pack("{s:s, s:o, s:s}", "url", hook_url(name, url, sizeof url), "events", str_array(events),
	                      "secret", secret);
	if (active >= 0)
		json_object_set_new(b, "active", json_boolean(active));
	if (description)
		json_object_set_new(b, "description", json_string(description));
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	struct http_resp r;
	json_t *w = call("POST", "/api/v1/webhooks", admin, text, 201, &r);
	free(text);
	assert_hook(w);
	char loc[160];
	assert_created(&r, hook_path(jstr(w, "id"), NULL, loc, sizeof loc), 1);
	assert_no_secrets(w, &r, secret);
	http_resp_release(&r);
	assert_string_equal(jstr(w, "url"), url);
	assert_events(w, events);
	assert_true(json_is_true(json_object_get(w, "active")) == (active != 0));
	assert_int_equal(jint(w, "version"), 1);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(w, "id"));
	return w;
}

static void hook_delete(const char *id)
{
	char path[160];
	json_t *j = call("DELETE", hook_path(id, NULL, path, sizeof path), admin, NULL, 204, NULL);
	json_decref(j);
}

/* The deliveries log of a webhook (every page, limit 200), newest first. */
static json_t *dlog(const char *wid)
{
	char path[200];
	return api_list_all(&srv, hook_path(wid, "/deliveries", path, sizeof path), admin, 200);
}

static void assert_nullable_ts(const json_t *d, const char *key)
{
	json_t *v = json_object_get(d, key);
	if (!v)
		fail_msg("delivery %s has no %s: %s", jstr(d, "id"), key, json_dumps(d, JSON_COMPACT));
	if (!json_is_null(v))
		assert_timestamp(json_string_value(v));
}

/* The shape of a deliveries-log item and the rules of its status. */
static void assert_delivery(const json_t *d)
{
	char *dump = json_dumps(d, JSON_COMPACT);
	if (!jstr(d, "id") || !jstr(d, "event_id") || !jstr(d, "event_type") || !jstr(d, "status"))
		fail_msg("a delivery without id, event_id, event_type or status: %s", dump);
	const char *st = jstr(d, "status");
	if (strcmp(st, "pending") != 0 && strcmp(st, "delivered") != 0 && strcmp(st, "failed") != 0)
		fail_msg("a delivery with status %s: %s", st, dump);
	if (!json_is_integer(json_object_get(d, "attempts")) || jint(d, "attempts") < 0)
		fail_msg("a delivery whose attempts is not a count: %s", dump);
	assert_timestamp(jstr(d, "created_at"));
	assert_nullable_ts(d, "next_attempt_at");
	assert_nullable_ts(d, "last_attempt_at");
	assert_nullable_ts(d, "delivered_at");
	json_t *code = json_object_get(d, "last_status_code"), *err = json_object_get(d, "last_error");
	if (!code || !(json_is_null(code) || json_is_integer(code)))
		fail_msg("last_status_code is neither an integer nor null: %s", dump);
	if (!err || !(json_is_null(err) || json_is_string(err)))
		fail_msg("last_error is neither a string nor null: %s", dump);
	if (strcmp(st, "delivered") == 0) {
		if (jint(d, "attempts") < 1 || !json_is_integer(code) || jint(d, "last_status_code") < 200 ||
		    jint(d, "last_status_code") > 299)
			fail_msg("a delivered delivery without an attempt answered 2xx: %s", dump);
		if (!jstr(d, "delivered_at") || !jstr(d, "last_attempt_at"))
			fail_msg("a delivered delivery without delivered_at / last_attempt_at: %s", dump);
		if (!json_is_null(json_object_get(d, "next_attempt_at")))
			fail_msg("a delivered delivery with a next attempt: %s", dump);
	} else {
		if (!json_is_null(json_object_get(d, "delivered_at")))
			fail_msg("a %s delivery with delivered_at: %s", st, dump);
		if (strcmp(st, "failed") == 0 && !json_is_null(json_object_get(d, "next_attempt_at")))
			fail_msg("a failed delivery with a next attempt: %s", dump);
		if (strcmp(st, "pending") == 0 && jint(d, "attempts") > 0 &&
		    (!jstr(d, "next_attempt_at") || !jstr(d, "last_attempt_at")))
			fail_msg("a pending delivery after an attempt without next_attempt_at / last_attempt_at: %s",
			         dump);
	}
	free(dump);
}

/* The log item with this id (borrowed) or NULL. */
static json_t *dlog_item(const json_t *log, const char *id)
{
	return find_by(log, "id", id);
}

/* Polls the log (at most timeout_ms) until delivery id has status and at least min_attempts attempts;
 * returns a copy of the item. */
static json_t *dlog_until(const char *wid, const char *id, const char *status, long long min_attempts, long timeout_ms)
{
	double t0 = now_ms();
	for (;;) {
		json_t *log = dlog(wid);
		json_t *d = dlog_item(log, id);
		if (d) {
			assert_delivery(d);
			if (strcmp(jstr(d, "status"), status) == 0 && jint(d, "attempts") >= min_attempts) {
				json_t *copy = json_deep_copy(d);
				json_decref(log);
				return copy;
			}
		}
		if (now_ms() - t0 > (double)timeout_ms) {
			char *dump = json_dumps(log, JSON_COMPACT);
			fail_msg("webhook %s: delivery %s is not %s with >= %lld attempts after %ld ms: %.1500s", wid,
			         id, status, min_attempts, timeout_ms, dump);
		}
		json_decref(log);
		sleep_ms(50);
	}
}

/* The one log item of event_type among the log (fails unless exactly one). Borrowed. */
static json_t *dlog_only(const json_t *log, const char *event_type)
{
	json_t *found = NULL;
	size_t i, n = 0;
	json_t *d;
	json_array_foreach(log, i, d)
	{
		assert_delivery(d);
		if (strcmp(jstr(d, "event_type"), event_type) == 0) {
			found = d;
			n++;
		}
	}
	if (n != 1)
		fail_msg("%zu deliveries of %s, want 1: %s", n, event_type, json_dumps(log, JSON_COMPACT));
	return found;
}

/* X-Inspectd-Signature is sha256=<lowercase hex HMAC-SHA256(secret, raw body)>. */
static void assert_signed(const json_t *q, const char *secret)
{
	json_t *raw = json_object_get(q, "raw");
	unsigned char mac[32];
	hmac_sha256(secret, strlen(secret), json_string_value(raw), json_string_length(raw), mac);
	char want[8 + 2 * 32 + 1] = "sha256=";
	hex_of(mac, sizeof mac, want + 7);
	const char *got = jstr(q, "x-inspectd-signature");
	if (!got || strcmp(got, want) != 0)
		fail_msg("delivery %s (%s): X-Inspectd-Signature is %s, want %s (HMAC-SHA256 with the secret of the "
		         "%zu-byte body %.300s)",
		         jstr(q, "x-inspectd-delivery"), jstr(q, "x-inspectd-event"), got ? got : "(absent)", want,
		         json_string_length(raw), json_string_value(raw));
}

/*
 * One received delivery request of event type: POST to target (NULL: not
 * checked) with the contract's headers and signature, a body {id, type,
 * occurred_at, data}. Returns the body (borrowed).
 */
static json_t *assert_request(const json_t *q, const char *type, const char *secret, const char *target)
{
	char *dump = json_dumps(q, JSON_COMPACT);
	if (strcmp(jstr(q, "method"), "POST") != 0)
		fail_msg("a delivery with method %s: %.800s", jstr(q, "method"), dump);
	if (target && strcmp(jstr(q, "target"), target) != 0)
		fail_msg("a delivery to %s, want %s", jstr(q, "target"), target);
	const char *ct = jstr(q, "content-type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' '))
		fail_msg("a delivery with Content-Type %s, want application/json: %.800s", ct ? ct : "(absent)", dump);
	if (!jstr(q, "user-agent") || strcmp(jstr(q, "user-agent"), "inspectd-webhook/1") != 0)
		fail_msg("a delivery with User-Agent %s, want inspectd-webhook/1", jstr(q, "user-agent"));
	if (!jstr(q, "x-inspectd-event") || strcmp(jstr(q, "x-inspectd-event"), type) != 0)
		fail_msg("a delivery with X-Inspectd-Event %s, want %s: %.800s", jstr(q, "x-inspectd-event"), type,
		         dump);
	if (!jstr(q, "x-inspectd-delivery") || !*jstr(q, "x-inspectd-delivery"))
		fail_msg("a delivery without X-Inspectd-Delivery: %.800s", dump);
	json_t *b = json_object_get(q, "body");
	if (!json_is_object(b))
		fail_msg("a delivery whose body is not a JSON object: %.800s", dump);
	if (!jstr(b, "id") || !*jstr(b, "id"))
		fail_msg("a delivery body without an event id: %.800s", dump);
	if (!jstr(b, "type") || strcmp(jstr(b, "type"), type) != 0)
		fail_msg("a delivery body of type %s, want %s", jstr(b, "type"), type);
	assert_timestamp(jstr(b, "occurred_at"));
	if (!json_is_object(json_object_get(b, "data")))
		fail_msg("a delivery body without a data object: %.800s", dump);
	assert_signed(q, secret);
	if (strstr(json_string_value(json_object_get(q, "raw")), secret))
		fail_msg("a delivery body contains the webhook's secret");
	free(dump);
	return b;
}

/* data.key is the string want (NULL: JSON null). */
static void expect_data(const json_t *body, const char *key, const char *want)
{
	json_t *data = json_object_get(body, "data");
	json_t *v = json_object_get(data, key);
	char *dump = json_dumps(data, JSON_COMPACT);
	if (!v)
		fail_msg("%s data has no %s: %s", jstr(body, "type"), key, dump);
	if (want ? !json_is_string(v) || strcmp(json_string_value(v), want) != 0 : !json_is_null(v))
		fail_msg("%s data.%s is %s, want %s", jstr(body, "type"), key, dump, want ? want : "null");
	free(dump);
}

static void expect_task_data(const json_t *body, const char *task_id, const char *case_id, const char *org_id,
                             const char *assignee, const char *title, const char *due, const char *status)
{
	expect_data(body, "task_id", task_id);
	expect_data(body, "rectification_id", case_id);
	expect_data(body, "org_id", org_id);
	expect_data(body, "assignee_id", assignee);
	expect_data(body, "title", title);
	expect_data(body, "due_date", due);
	expect_data(body, "status", status);
}

/* The requests among reqs whose X-Inspectd-Event is type (a new array, borrowing). */
static json_t *of_type(const json_t *reqs, const char *type)
{
	json_t *out = json_array();
	size_t i;
	json_t *q;
	json_array_foreach(reqs, i, q) if (jstr(q, "x-inspectd-event") &&
	                                   strcmp(jstr(q, "x-inspectd-event"), type) == 0) json_array_append(out, q);
	return out;
}

/* ---- the rectification objects the events come from (as test_rectify.c makes them) ---- */

static const char *task_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/tasks/%s%s", id, suffix ? suffix : "");
}

static const char *case_path(const char *id, const char *suffix, char *out, size_t outlen)
{
	return pathf(out, outlen, "/api/v1/rectifications/%s%s", id, suffix ? suffix : "");
}

/* POST a case {org_id, reason, source annual} of the current year as bearer; 201. */
static json_t *case_new(const char *bearer, const char *org, const char *reason, char id[ID_LEN])
{
	char *text = jbody("{s:s, s:s, s:s}", "org_id", org, "reason", reason, "source", "annual");
	json_t *c = call("POST", "/api/v1/rectifications", bearer, text, 201, NULL);
	free(text);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(c, "id"));
	return c;
}

/* POST a task {title, assignee_id, due_date, requires_photo false} on case_id as sup.a; 201. */
static json_t *task_new(const char *case_id, const char *title, const char *assignee, const char *due, char id[ID_LEN])
{
	char *text = jbody("{s:s, s:s, s:s, s:b}", "title", title, "assignee_id", assignee, "due_date", due,
	                   "requires_photo", 0);
	char path[160];
	json_t *t = call("POST", case_path(case_id, "/tasks", path, sizeof path), sup, text, 201, NULL);
	free(text);
	if (id)
		snprintf(id, ID_LEN, "%s", jstr(t, "id"));
	return t;
}

static json_t *task_do(const char *bearer, const char *id, const char *action, const char *body)
{
	char path[160], suffix[32];
	snprintf(suffix, sizeof suffix, "/%s", action);
	return call("POST", task_path(id, suffix, path, sizeof path), bearer, body ? body : "{}", 200, NULL);
}

static void progress_new(const char *bearer, const char *task_id, const char *text)
{
	char *b = jbody("{s:s, s:i}", "text", text, "percent", 100);
	char path[160];
	json_decref(call("POST", task_path(task_id, "/progress", path, sizeof path), bearer, b, 201, NULL));
	free(b);
}

static void clock_set(const char *now)
{
	char *body = now ? jbody("{s:s}", "now", now) : jbody("{s:n}", "now");
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", admin, body, NULL, &r);
	if (r.status != 200 && r.status != 204)
		fail_msg("PUT /api/v1/_test/clock %s: %ld %.300s", body, r.status, buf_cstr(&r.body));
	http_resp_release(&r);
	free(body);
}

/* ==== setup ======================================================================================== */

static int group_setup(void **state)
{
	(void)state;
	rx_start();
	server_start(&srv, server_env);
	crew_build(&srv, &crew);
	tpl = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	json_decref(round_create(&srv, crew.cast.supervisor.access, "2023-03", "2023年3月月观摩",
	                         (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, round_id));
	admin = crew.cast.admin.access;
	sup = crew.cast.supervisor.access;
	cadre = crew.cast.cadre.access;
	api_create_user(&srv, admin, "cadre.a1b", "cadre", crew.tree.village_a1, FIXTURE_PASSWORD, NULL);
	api_create_user(&srv, admin, "cadre.a2", "cadre", crew.tree.village_a2, FIXTURE_PASSWORD, NULL);
	api_login_ok(&srv, "cadre.a1b", FIXTURE_PASSWORD, &cadre_a1b);
	api_login_ok(&srv, "cadre.a2", FIXTURE_PASSWORD, &cadre_a2);
	json_decref(case_new(sup, crew.tree.village_a1, "软弱涣散：组织生活不规范", case_a1));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&srv);
	if (owner.dir[0])
		server_cleanup(&owner);
	rx_stop();
	return 0;
}

static int unpin_clock(void **state)
{
	(void)state;
	struct http_resp r;
	api_call(&srv, "PUT", "/api/v1/_test/clock", admin, "{\"now\":null}", NULL, &r);
	http_resp_release(&r);
	return 0;
}

/* Stops the server cleanly, keeping its data directory (owner). */
static void stop_server(void)
{
	if (srv.pid)
		assert_int_equal(server_stop(&srv), 0);
	if (!owner.dir[0])
		owner = srv;
	else
		server_cleanup(&srv);
}

/* Starts another server on the same data with env; logs the admin and sup.a in again. */
static void start_again(const char *const *env)
{
	server_start_on(&srv, owner.data_dir, env);
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &crew.cast.admin);
	api_login_ok(&srv, "sup.a", FIXTURE_PASSWORD, &crew.cast.supervisor);
	admin = crew.cast.admin.access;
	sup = crew.cast.supervisor.access;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

/* ==== CRUD ========================================================================================= */

static void test_crud(void **state)
{
	(void)state;
	const char *secret = "crud-secret-0123456789", *secret2 = "crud-rotated-secret-abcdef";
	char id[ID_LEN], id2[ID_LEN], path[200], url[300];
	const char *const events[] = {"task.assigned", "task.submitted", NULL};

	/* Create with a description; active by default. */
	json_t *w = hook_new("crud", events, secret, -1, "市委组织部督办平台", id);
	assert_string_equal(jstr(w, "description"), "市委组织部督办平台");
	assert_true(json_is_true(json_object_get(w, "active")));
	/* A second one, inactive, without a description. */
	json_t *w2 = hook_new("crud-two", (const char *const[]){"rectification.closed", NULL}, "another-secret-123456",
	                      0, NULL, id2);
	assert_true(json_is_null(json_object_get(w2, "description")));
	assert_true(json_is_false(json_object_get(w2, "active")));
	json_decref(w2);
	/* All ten events are accepted; https too. */
	char id3[ID_LEN];
	char *body = jbody("{s:s, s:o, s:s}", "url", "https://hooks.example.com/inspectd?k=1", "events",
	                   str_array(ALL_EVENTS), "secret", "0123456789abcdef");
	struct http_resp r;
	json_t *w3 = call("POST", "/api/v1/webhooks", admin, body, 201, &r);
	free(body);
	assert_created(&r, hook_path(jstr(w3, "id"), NULL, path, sizeof path), 1);
	assert_no_secrets(w3, &r, "0123456789abcdef");
	http_resp_release(&r);
	assert_hook(w3);
	assert_events(w3, ALL_EVENTS);
	assert_string_equal(jstr(w3, "url"), "https://hooks.example.com/inspectd?k=1");
	snprintf(id3, sizeof id3, "%s", jstr(w3, "id"));
	json_decref(w3);

	/* GET: the same object with its ETag; never the secret. */
	api_get(&srv, hook_path(id, NULL, path, sizeof path), admin, &r);
	assert_int_equal(r.status, 200);
	assert_etag(&r, 1);
	json_t *got = http_json(&r);
	assert_no_secrets(got, &r, secret);
	http_resp_release(&r);
	if (!json_equal(got, w))
		fail_msg("GET answers %s, the create answered %s", json_dumps(got, JSON_COMPACT),
		         json_dumps(w, JSON_COMPACT));
	json_decref(got);

	/* The list: {items, next_cursor}, paged, all three, no secrets. */
	json_t *all = api_list_all(&srv, "/api/v1/webhooks", admin, 1);
	assert_key_set(all, "id", (const char *const[]){id, id2, id3, NULL});
	size_t i;
	json_t *it;
	json_array_foreach(all, i, it) assert_hook(it);
	if (!json_equal(find_by(all, "id", id), w))
		fail_msg("the list's item differs from the webhook: %s",
		         json_dumps(find_by(all, "id", id), JSON_COMPACT));
	json_decref(all);
	api_get(&srv, "/api/v1/webhooks", admin, &r);
	assert_int_equal(r.status, 200);
	if (strstr(buf_cstr(&r.body), secret) || strstr(buf_cstr(&r.body), "0123456789abcdef") ||
	    strstr(buf_cstr(&r.body), "another-secret-123456"))
		fail_msg("the list carries a secret: %s", buf_cstr(&r.body));
	http_resp_release(&r);

	/* Bad limits and cursors of the list. */
	expect_invalid(&srv, "GET", "/api/v1/webhooks?limit=0", admin, NULL, (const char *const[]){"limit", NULL});
	expect_invalid(&srv, "GET", "/api/v1/webhooks?limit=201", admin, NULL, (const char *const[]){"limit", NULL});
	expect_invalid(&srv, "GET", "/api/v1/webhooks?cursor=garbage", admin, NULL,
	               (const char *const[]){"cursor", NULL});

	/* PUT with the current If-Match: description and active; the rest stays. */
	hook_path(id, NULL, path, sizeof path);
	api_call_v(&srv, "PUT", path, admin, "{\"description\":\"改名\",\"active\":false}", 1, &r);
	if (r.status != 200)
		fail_msg("PUT %s: %ld %.400s", path, r.status, buf_cstr(&r.body));
	assert_etag(&r, 2);
	json_t *u = http_json(&r);
	http_resp_release(&r);
	assert_hook(u);
	assert_int_equal(jint(u, "version"), 2);
	assert_string_equal(jstr(u, "description"), "改名");
	assert_true(json_is_false(json_object_get(u, "active")));
	assert_string_equal(jstr(u, "url"), jstr(w, "url"));
	assert_events(u, events);
	assert_string_equal(jstr(u, "created_at"), jstr(w, "created_at"));
	if (strcmp(jstr(u, "updated_at"), jstr(w, "updated_at")) < 0)
		fail_msg("updated_at went back: %s then %s", jstr(w, "updated_at"), jstr(u, "updated_at"));
	json_decref(u);

	/* A stale If-Match: 412 version_conflict with the current webhook, still without its secret. */
	api_call_v(&srv, "PUT", path, admin, "{\"description\":\"过期\"}", 1, &r);
	assert_problem(&r, 412, "version_conflict");
	json_t *p = problem_json(&r);
	assert_no_secrets(p, &r, secret);
	json_t *cur = json_object_get(p, "current");
	if (json_is_object(cur)) {
		assert_int_equal(jint(cur, "version"), 2);
		assert_string_equal(jstr(cur, "description"), "改名");
		if (json_object_get(cur, "secret"))
			fail_msg("the 412's current carries the secret");
	}
	json_decref(p);
	http_resp_release(&r);

	/* url, events and secret, without If-Match. */
	body = jbody("{s:s, s:[s, s], s:s, s:b}", "url", hook_url("crud-moved?x=1", url, sizeof url), "events",
	             "inspection.submitted", "rectification.opened", "secret", secret2, "active", 1);
	api_put(&srv, path, admin, body, &r);
	free(body);
	if (r.status != 200)
		fail_msg("PUT %s: %ld %.400s", path, r.status, buf_cstr(&r.body));
	assert_etag(&r, 3);
	u = http_json(&r);
	assert_no_secrets(u, &r, secret2);
	http_resp_release(&r);
	assert_hook(u);
	assert_int_equal(jint(u, "version"), 3);
	assert_string_equal(jstr(u, "url"), url);
	assert_events(u, (const char *const[]){"inspection.submitted", "rectification.opened", NULL});
	assert_true(json_is_true(json_object_get(u, "active")));
	assert_string_equal(jstr(u, "description"), "改名");
	json_decref(u);
	/* description null clears it. */
	u = call("PUT", path, admin, "{\"description\":null}", 200, NULL);
	assert_true(json_is_null(json_object_get(u, "description")));
	assert_int_equal(jint(u, "version"), 4);
	json_decref(u);
	/* An unknown field; a malformed body. */
	api_put(&srv, path, admin, "{\"description\":\"x\",\"colour\":\"red\"}", &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	expect_problem(&srv, "PUT", path, admin, "{\"description\":", 400, "malformed_json");
	u = call("GET", path, admin, NULL, 200, NULL);
	assert_int_equal(jint(u, "version"), 4);
	json_decref(u);

	/* DELETE: 204; then 404 everywhere. */
	hook_delete(id);
	expect_problem(&srv, "GET", path, admin, NULL, 404, "not_found");
	expect_problem(&srv, "PUT", path, admin, "{\"description\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "DELETE", path, admin, NULL, 404, "not_found");
	expect_problem(&srv, "GET", hook_path(id, "/deliveries", path, sizeof path), admin, NULL, 404, "not_found");
	expect_problem(&srv, "GET", hook_path(unknown_id, NULL, path, sizeof path), admin, NULL, 404, "not_found");
	expect_problem(&srv, "PUT", path, admin, "{\"description\":\"x\"}", 404, "not_found");
	expect_problem(&srv, "DELETE", path, admin, NULL, 404, "not_found");
	expect_problem(&srv, "GET", "/api/v1/webhooks/not-a-uuid", admin, NULL, 404, "not_found");
	all = api_list_all(&srv, "/api/v1/webhooks", admin, 50);
	assert_key_set(all, "id", (const char *const[]){id2, id3, NULL});
	json_decref(all);
	hook_delete(id2);
	hook_delete(id3);
	assert_int_equal(api_count(&srv, "/api/v1/webhooks", admin), 0);
	json_decref(w);
}

/* ==== validation ==================================================================================== */

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_validation(void **state)
{
	(void)state;
	const char *P = "/api/v1/webhooks";
	const char *ok_secret = "valid-secret-value-1";
	size_t before = api_count(&srv, P, admin);

	static const struct {
		const char *json;
		const char *field;
	} bad[] = {
	        {"{\"url\":\"ftp://127.0.0.1/"
	         "hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}",
	         "url"},
	        {"{\"url\":\"http://user:pass@127.0.0.1/"
	         "hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-"
	         "value-1\"}",
	         "url"},
	        {"{\"url\":\"https://token@hooks.example.com/hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-"
	         "secret-value-1\"}",
	         "url"},
	        {"{\"url\":\"javascript:alert(1)\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}",
	         "url"},
	        {"{\"url\":\"file:///etc/passwd\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}",
	         "url"},
	        {"{\"url\":\"127.0.0.1/hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}",
	         "url"},
	        {"{\"url\":\"\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}", "url"},
	        {"{\"url\":42,\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}", "url"},
	        {"{\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}", "url"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[],\"secret\":\"valid-secret-value-1\"}", "events"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"secret\":\"valid-secret-value-1\"}", "events"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":\"task.assigned\",\"secret\":\"valid-secret-value-1\"}",
	         "events"},
	        {"{\"url\":\"http://127.0.0.1/"
	         "hook\",\"events\":[\"task.assigned\",\"task.created\"],\"secret\":\"valid-"
	         "secret-value-1\"}",
	         "events|events[1]"},
	        {"{\"url\":\"http://127.0.0.1/"
	         "hook\",\"events\":[\"TASK.ASSIGNED\"],\"secret\":\"valid-secret-value-1\"}",
	         "events|events[0]"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[\"task.assigned\",\"task.assigned\"],\"secret\":"
	         "\"valid-secret-value-1\"}",
	         "events|events[1]"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[7],\"secret\":\"valid-secret-value-1\"}",
	         "events|events[0]"},
	        /* regression: a non-string before a valid one crashed the duplicate check */
	        {"{\"url\":\"http://127.0.0.1/"
	         "hook\",\"events\":[1,\"task.assigned\"],\"secret\":\"valid-secret-value-1\"}",
	         "events|events[0]"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[null,{},\"task.assigned\"],\"secret\":"
	         "\"valid-secret-value-1\"}",
	         "events|events[0]"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[\"task.assigned\"],\"secret\":\"fifteen-chars-x\"}",
	         "secret"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[\"task.assigned\"],\"secret\":\"\"}", "secret"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[\"task.assigned\"],\"secret\":1234567890123456789}",
	         "secret"},
	        {"{\"url\":\"http://127.0.0.1/hook\",\"events\":[\"task.assigned\"]}", "secret"},
	        {"{\"url\":\"http://127.0.0.1/"
	         "hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\","
	         "\"active\":\"yes\"}",
	         "active"},
	        {"{\"url\":\"http://127.0.0.1/"
	         "hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\","
	         "\"description\":5}",
	         "description"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_invalid(&srv, "POST", P, admin, bad[i].json, (const char *const[]){bad[i].field, NULL});
	/* Everything wrong at once. */
	expect_invalid(&srv, "POST", P, admin, "{\"url\":\"ftp://x/\",\"events\":[],\"secret\":\"short\"}",
	               (const char *const[]){"url", "events", "secret", NULL});
	/* A 201-character secret; a 2001-character url. */
	char *s201 = repeat('s', 201);
	char *body =
	        jbody("{s:s, s:[s], s:s}", "url", "http://127.0.0.1/hook", "events", "task.assigned", "secret", s201);
	expect_invalid(&srv, "POST", P, admin, body, (const char *const[]){"secret", NULL});
	free(body);
	char long_url[2002];
	const char *prefix = "http://127.0.0.1:9/";
	memset(long_url, 'a', sizeof long_url - 1);
	memcpy(long_url, prefix, strlen(prefix));
	long_url[2001] = '\0';
	body = jbody("{s:s, s:[s], s:s}", "url", long_url, "events", "task.assigned", "secret", ok_secret);
	expect_invalid(&srv, "POST", P, admin, body, (const char *const[]){"url", NULL});
	free(body);
	/* An unknown field. */
	struct http_resp r;
	api_post(
	        &srv, P, admin,
	        "{\"url\":\"http://127.0.0.1/hook\",\"events\":[\"task.assigned\"],\"secret\":\"valid-secret-value-1\","
	        "\"colour\":\"red\"}",
	        &r);
	assert_unknown_field(&r, "colour");
	http_resp_release(&r);
	expect_problem(&srv, "POST", P, admin, "{\"url\": ", 400, "malformed_json");
	assert_int_equal(api_count(&srv, P, admin), before);

	/* The boundaries are accepted: a 2000-character url, secrets of 16 and 200 characters (inactive). */
	long_url[2000] = '\0';
	char *s200 = repeat('s', 200);
	char ids[3][ID_LEN];
	const char *urls[] = {long_url, "http://127.0.0.1:9/b", "http://127.0.0.1:9/c"};
	const char *secrets[] = {ok_secret, "sixteen-chars-ok", s200};
	for (size_t i = 0; i < 3; i++) {
		body = jbody("{s:s, s:[s], s:s, s:b}", "url", urls[i], "events", "task.assigned", "secret", secrets[i],
		             "active", 0);
		json_t *w = call("POST", P, admin, body, 201, NULL);
		free(body);
		assert_hook(w);
		assert_string_equal(jstr(w, "url"), urls[i]);
		snprintf(ids[i], ID_LEN, "%s", jstr(w, "id"));
		json_decref(w);
	}

	/* PUT validates the same way and changes nothing when it refuses. */
	char path[200];
	hook_path(ids[1], NULL, path, sizeof path);
	expect_invalid(&srv, "PUT", path, admin, "{\"url\":\"ftp://127.0.0.1/hook\"}",
	               (const char *const[]){"url", NULL});
	expect_invalid(&srv, "PUT", path, admin, "{\"url\":\"http://u:p@127.0.0.1/hook\"}",
	               (const char *const[]){"url", NULL});
	expect_invalid(&srv, "PUT", path, admin, "{\"events\":[]}", (const char *const[]){"events", NULL});
	expect_invalid(&srv, "PUT", path, admin, "{\"events\":[\"task.verified\",\"task.verified\"]}",
	               (const char *const[]){"events|events[1]", NULL});
	expect_invalid(&srv, "PUT", path, admin, "{\"events\":[\"inspection.deleted\"]}",
	               (const char *const[]){"events|events[0]", NULL});
	expect_invalid(&srv, "PUT", path, admin, "{\"secret\":\"too-short\"}", (const char *const[]){"secret", NULL});
	expect_invalid(&srv, "PUT", path, admin, "{\"active\":1}", (const char *const[]){"active", NULL});
	body = jbody("{s:s}", "secret", s201);
	expect_invalid(&srv, "PUT", path, admin, body, (const char *const[]){"secret", NULL});
	free(body);
	json_t *w = call("GET", path, admin, NULL, 200, NULL);
	assert_int_equal(jint(w, "version"), 1);
	assert_string_equal(jstr(w, "url"), "http://127.0.0.1:9/b");
	assert_events(w, (const char *const[]){"task.assigned", NULL});
	json_decref(w);
	for (size_t i = 0; i < 3; i++)
		hook_delete(ids[i]);
	assert_int_equal(api_count(&srv, P, admin), before);
	free(s200);
	free(s201);
}

/* ==== who may ======================================================================================= */

static void test_roles(void **state)
{
	(void)state;
	char id[ID_LEN], path[200], dpath[200];
	json_decref(
	        hook_new("roles", (const char *const[]){"task.verified", NULL}, "roles-secret-123456", 0, NULL, id));
	hook_path(id, NULL, path, sizeof path);
	hook_path(id, "/deliveries", dpath, sizeof dpath);
	const char *create = "{\"url\":\"http://127.0.0.1:9/x\",\"events\":[\"task.assigned\"],\"secret\":"
	                     "\"someone-else-secret\"}";
	const struct {
		const char *who, *token;
	} others[] = {
	        {"supervisor", crew.cast.supervisor.access}, {"inspector", crew.cast.inspector.access},
	        {"cadre", crew.cast.cadre.access},           {"viewer", crew.cast.viewer.access},
	        {"city inspector", crew.insp_city.access},
	};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		expect_problem(&srv, "GET", "/api/v1/webhooks", others[i].token, NULL, 403, "forbidden");
		expect_problem(&srv, "POST", "/api/v1/webhooks", others[i].token, create, 403, "forbidden");
		expect_problem(&srv, "GET", path, others[i].token, NULL, 403, "forbidden");
		expect_problem(&srv, "PUT", path, others[i].token, "{\"active\":true}", 403, "forbidden");
		expect_problem(&srv, "DELETE", path, others[i].token, NULL, 403, "forbidden");
		expect_problem(&srv, "GET", dpath, others[i].token, NULL, 403, "forbidden");
	}
	struct http_resp r;
	const char *tokens[] = {NULL, "not.a.token"};
	for (size_t i = 0; i < 2; i++) {
		api_get(&srv, "/api/v1/webhooks", tokens[i], &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
		api_post(&srv, "/api/v1/webhooks", tokens[i], create, &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
		api_get(&srv, path, tokens[i], &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
		api_put(&srv, path, tokens[i], "{\"active\":true}", &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
		api_call(&srv, "DELETE", path, tokens[i], NULL, NULL, &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
		api_get(&srv, dpath, tokens[i], &r);
		assert_unauthorized(&r);
		http_resp_release(&r);
	}
	/* Nothing changed. */
	json_t *w = call("GET", path, admin, NULL, 200, NULL);
	assert_int_equal(jint(w, "version"), 1);
	assert_true(json_is_false(json_object_get(w, "active")));
	json_decref(w);
	assert_int_equal(api_count(&srv, "/api/v1/webhooks", admin), 1);
	hook_delete(id);
}

/* ==== task.assigned: the request, only subscribed events, only active webhooks ========================= */

static void test_task_assigned(void **state)
{
	(void)state;
	const char *secret = "assigned-hook-secret-1", *secret2 = "assigned-hook-rotated-2";
	const char *secret_sub = "submitted-only-secret", *secret_off = "inactive-hook-secret!";
	char w1[ID_LEN], w2[ID_LEN], w3[ID_LEN], t[ID_LEN], path[200];
	json_decref(
	        hook_new("assigned?src=inspectd", (const char *const[]){"task.assigned", NULL}, secret, -1, NULL, w1));
	json_decref(hook_new("submitted-only", (const char *const[]){"task.submitted", NULL}, secret_sub, 1, NULL, w2));
	json_decref(hook_new("inactive", ALL_EVENTS, secret_off, 0, NULL, w3));

	json_decref(task_new(case_a1, "建立健全组织生活制度", crew.cast.cadre.user_id, "2099-06-30", t));
	/* Recorded with the change: one delivery for the subscribed active webhook, none for the others. */
	json_t *log = dlog(w1);
	assert_int_equal(json_array_size(log), 1);
	json_t *d = dlog_only(log, "task.assigned");
	char did[ID_LEN + 64], eid[ID_LEN + 64];
	snprintf(did, sizeof did, "%s", jstr(d, "id"));
	snprintf(eid, sizeof eid, "%s", jstr(d, "event_id"));
	json_decref(log);
	log = dlog(w2);
	if (json_array_size(log) != 0)
		fail_msg("a task.submitted-only webhook got %s", json_dumps(log, JSON_COMPACT));
	json_decref(log);
	log = dlog(w3);
	if (json_array_size(log) != 0)
		fail_msg("an inactive webhook got %s", json_dumps(log, JSON_COMPACT));
	json_decref(log);

	/* The request. */
	json_t *reqs = rx_wait("assigned", 1, 5000, "task.assigned on create");
	json_t *q = json_array_get(reqs, 0);
	json_t *b = assert_request(q, "task.assigned", secret, "/hooks/assigned?src=inspectd");
	assert_string_equal(jstr(q, "x-inspectd-delivery"), did);
	assert_string_equal(jstr(b, "id"), eid);
	expect_task_data(b, t, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "建立健全组织生活制度",
	                 "2099-06-30", "assigned");
	char first_event[ID_LEN + 64];
	snprintf(first_event, sizeof first_event, "%s", jstr(b, "id"));
	json_decref(reqs);
	/* The log: delivered at the first attempt with 200. */
	d = dlog_until(w1, did, "delivered", 1, 5000);
	assert_int_equal(jint(d, "attempts"), 1);
	assert_int_equal(jint(d, "last_status_code"), 200);
	assert_string_equal(jstr(d, "event_type"), "task.assigned");
	assert_string_equal(jstr(d, "event_id"), eid);
	if (!json_is_null(json_object_get(d, "last_error")))
		fail_msg("a delivery delivered at once has last_error %s", jstr(d, "last_error"));
	json_decref(d);

	/* A refused write records nothing: a task for someone who may not be its assignee. */
	char *bad = jbody("{s:s, s:s, s:s}", "title", "无效任务", "assignee_id", crew.cast.supervisor.user_id,
	                  "due_date", "2099-06-30");
	expect_invalid(&srv, "POST", case_path(case_a1, "/tasks", path, sizeof path), sup, bad,
	               (const char *const[]){"assignee_id", NULL});
	free(bad);
	log = dlog(w1);
	if (json_array_size(log) != 1)
		fail_msg("a refused task create made a delivery: %s", json_dumps(log, JSON_COMPACT));
	json_decref(log);

	/* An edit that does not change the assignee: no event. */
	task_path(t, NULL, path, sizeof path);
	json_decref(call("PUT", path, sup, "{\"title\":\"健全组织生活制度\",\"due_date\":\"2099-07-31\"}", 200, NULL));
	log = dlog(w1);
	if (json_array_size(log) != 1)
		fail_msg("a title / due-date edit made a delivery: %s", json_dumps(log, JSON_COMPACT));
	json_decref(log);
	/* Reassigned: task.assigned again, with the new assignee. */
	char *body = jbody("{s:s}", "assignee_id", cadre_a1b.user_id);
	json_decref(call("PUT", path, sup, body, 200, NULL));
	free(body);
	log = dlog(w1);
	assert_int_equal(json_array_size(log), 2);
	json_decref(log);
	reqs = rx_wait("assigned", 2, 5000, "task.assigned on reassignment");
	q = json_array_get(reqs, 1);
	b = assert_request(q, "task.assigned", secret, "/hooks/assigned?src=inspectd");
	expect_task_data(b, t, case_a1, crew.tree.village_a1, cadre_a1b.user_id, "健全组织生活制度", "2099-07-31",
	                 "assigned");
	if (strcmp(jstr(b, "id"), first_event) == 0)
		fail_msg("two events with the same id %s", first_event);
	if (strcmp(jstr(q, "x-inspectd-delivery"), did) == 0)
		fail_msg("two deliveries with the same id %s", did);
	json_decref(reqs);

	/* A new secret signs the next delivery. */
	char wpath[200];
	body = jbody("{s:s}", "secret", secret2);
	struct http_resp r;
	api_put(&srv, hook_path(w1, NULL, wpath, sizeof wpath), admin, body, &r);
	free(body);
	assert_int_equal(r.status, 200);
	json_t *w = http_json(&r);
	assert_no_secrets(w, &r, secret2);
	assert_hook(w);
	json_decref(w);
	http_resp_release(&r);
	body = jbody("{s:s}", "assignee_id", crew.cast.cadre.user_id);
	json_decref(call("PUT", path, sup, body, 200, NULL));
	free(body);
	reqs = rx_wait("assigned", 3, 5000, "task.assigned after the secret changed");
	q = json_array_get(reqs, 2);
	b = assert_request(q, "task.assigned", secret2, "/hooks/assigned?src=inspectd");
	expect_data(b, "assignee_id", crew.cast.cadre.user_id);
	json_decref(reqs);

	/* Quiet: nothing for the task.submitted-only and the inactive webhooks. */
	sleep_ms(700);
	assert_int_equal(rx_count("submitted-only"), 0);
	assert_int_equal(rx_count("inactive"), 0);

	/* Submitted: only the task.submitted webhook hears of it. */
	json_decref(task_do(cadre, t, "start", NULL));
	progress_new(cadre, t, "已制定组织生活计划");
	json_decref(task_do(cadre, t, "submit", NULL));
	log = dlog(w2);
	assert_int_equal(json_array_size(log), 1);
	dlog_only(log, "task.submitted");
	json_decref(log);
	reqs = rx_wait("submitted-only", 1, 5000, "task.submitted");
	b = assert_request(json_array_get(reqs, 0), "task.submitted", secret_sub, "/hooks/submitted-only");
	expect_task_data(b, t, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "健全组织生活制度", "2099-07-31",
	                 "submitted");
	json_decref(reqs);
	log = dlog(w3);
	assert_int_equal(json_array_size(log), 0);
	json_decref(log);

	/* The inactive webhook turned active hears of the next event. */
	json_t *a = call("PUT", hook_path(w3, NULL, wpath, sizeof wpath), admin, "{\"active\":true}", 200, NULL);
	assert_true(json_is_true(json_object_get(a, "active")));
	json_decref(a);
	json_decref(task_do(sup, t, "verify", NULL));
	reqs = rx_wait("inactive", 1, 5000, "task.verified to a webhook made active");
	b = assert_request(json_array_get(reqs, 0), "task.verified", secret_off, "/hooks/inactive");
	expect_task_data(b, t, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "健全组织生活制度", "2099-07-31",
	                 "verified");
	json_decref(reqs);
	sleep_ms(600);
	assert_int_equal(rx_count("assigned"), 3);
	assert_int_equal(rx_count("submitted-only"), 1);
	assert_int_equal(rx_count("inactive"), 1);
	hook_delete(w1);
	hook_delete(w2);
	hook_delete(w3);
}

/* ==== the task workflow and a rectification case, start to close ====================================== */

static void test_workflow_events(void **state)
{
	(void)state;
	const char *secret = "workflow-hook-secret";
	char w[ID_LEN], cid[ID_LEN], t[ID_LEN];
	json_decref(hook_new("flow",
	                     (const char *const[]){"task.submitted", "task.returned", "task.verified",
	                                           "rectification.opened", "rectification.closed", NULL},
	                     secret, 1, "整改流程", w));
	const char *A2 = crew.tree.village_a2;
	json_t *c = case_new(sup, A2, "软弱涣散：班子不团结", cid);
	long long year = jint(c, "year");
	json_decref(c);
	json_decref(task_new(cid, "调整充实村党组织班子", cadre_a2.user_id, "2099-09-30", t));
	json_decref(task_do(cadre_a2.access, t, "start", NULL));
	progress_new(cadre_a2.access, t, "已调整");
	json_decref(task_do(cadre_a2.access, t, "submit", NULL));
	json_decref(task_do(sup, t, "return", "{\"reason\":\"材料不全\"}"));
	json_decref(task_do(cadre_a2.access, t, "start", NULL));
	json_decref(task_do(cadre_a2.access, t, "submit", NULL));
	json_decref(task_do(sup, t, "verify", NULL));
	char path[200];
	json_decref(call("POST", case_path(cid, "/evaluate", path, sizeof path), sup, "{}", 200, NULL));
	json_decref(call("POST", case_path(cid, "/close", path, sizeof path), sup,
	                 "{\"result\":\"passed\",\"evaluation\":\"整顿达标\"}", 200, NULL));

	/* The log, newest first: exactly these six events. */
	json_t *log = dlog(w);
	const char *order[] = {"rectification.closed", "task.verified",  "task.submitted",
	                       "task.returned",        "task.submitted", "rectification.opened"};
	if (json_array_size(log) != 6)
		fail_msg("%zu deliveries, want 6: %s", json_array_size(log), json_dumps(log, JSON_COMPACT));
	for (size_t i = 0; i < 6; i++) {
		json_t *d = json_array_get(log, i);
		assert_delivery(d);
		if (strcmp(jstr(d, "event_type"), order[i]) != 0)
			fail_msg("deliveries[%zu] is %s, want %s (newest first): %s", i, jstr(d, "event_type"),
			         order[i], json_dumps(log, JSON_COMPACT));
	}
	json_t *reqs = rx_wait("flow", 6, 8000, "the workflow's six events");
	/* Every event once; the data of each. */
	size_t i;
	json_t *q;
	json_array_foreach(reqs, i, q)
	{
		const char *type = jstr(q, "x-inspectd-event");
		json_t *b = assert_request(q, type ? type : "(none)", secret, "/hooks/flow");
		json_t *d = find_by(log, "event_id", jstr(b, "id"));
		if (!d)
			fail_msg("a received event %s is not in the log", jstr(b, "id"));
		assert_string_equal(jstr(q, "x-inspectd-delivery"), jstr(d, "id"));
		assert_string_equal(jstr(d, "event_type"), type);
		if (strncmp(type, "rectification.", 14) == 0) {
			expect_data(b, "rectification_id", cid);
			expect_data(b, "org_id", A2);
			json_t *y = json_object_get(json_object_get(b, "data"), "year");
			if (!json_is_integer(y) || json_integer_value(y) != year)
				fail_msg("%s data.year is not %lld: %s", type, year,
				         json_dumps(json_object_get(b, "data"), JSON_COMPACT));
			int opened = strcmp(type, "rectification.opened") == 0;
			expect_data(b, "status", opened ? "open" : "closed");
			expect_data(b, "result", opened ? NULL : "passed");
		} else {
			const char *st = strcmp(type, "task.submitted") == 0  ? "submitted"
			                 : strcmp(type, "task.returned") == 0 ? "returned"
			                                                      : "verified";
			expect_task_data(b, t, cid, A2, cadre_a2.user_id, "调整充实村党组织班子", "2099-09-30", st);
		}
	}
	json_t *sub = of_type(reqs, "task.submitted");
	assert_int_equal(json_array_size(sub), 2);
	json_decref(sub);
	const char *once[] = {"task.returned", "task.verified", "rectification.opened", "rectification.closed"};
	for (size_t k = 0; k < 4; k++) {
		json_t *one = of_type(reqs, once[k]);
		if (json_array_size(one) != 1)
			fail_msg("%zu requests of %s, want 1", json_array_size(one), once[k]);
		json_decref(one);
	}
	json_decref(reqs);
	json_decref(log);
	sleep_ms(600);
	assert_int_equal(rx_count("flow"), 6);
	hook_delete(w);
}

/* ==== inspections ====================================================================================== */

static void test_inspection_events(void **state)
{
	(void)state;
	const char *secret = "inspection-hook-secret";
	char w[ID_LEN], iid[ID_LEN];
	json_decref(hook_new(
	        "insp",
	        (const char *const[]){"inspection.submitted", "inspection.approved", "inspection.returned", NULL},
	        secret, 1, NULL, w));
	const char *insp = crew.insp_city.access;
	json_decref(inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, iid));
	assert_int_equal(rx_count("insp"), 0);
	json_decref(inspection_complete_submit(&srv, insp, iid, tpl));
	json_decref(inspection_action(&srv, sup, iid, "return", "{\"reason\":\"照片不清楚，请补拍\"}", 200));
	json_decref(inspection_action(&srv, insp, iid, "submit", NULL, 200));
	json_decref(inspection_action(&srv, sup, iid, "approve", "{}", 200));

	json_t *log = dlog(w);
	const char *order[] = {"inspection.approved", "inspection.submitted", "inspection.returned",
	                       "inspection.submitted"};
	if (json_array_size(log) != 4)
		fail_msg("%zu deliveries, want 4: %s", json_array_size(log), json_dumps(log, JSON_COMPACT));
	for (size_t i = 0; i < 4; i++)
		if (strcmp(jstr(json_array_get(log, i), "event_type"), order[i]) != 0)
			fail_msg("deliveries[%zu] is %s, want %s: %s", i, jstr(json_array_get(log, i), "event_type"),
			         order[i], json_dumps(log, JSON_COMPACT));
	json_t *reqs = rx_wait("insp", 4, 6000, "the inspection's four events");
	size_t i;
	json_t *q;
	json_array_foreach(reqs, i, q)
	{
		const char *type = jstr(q, "x-inspectd-event");
		json_t *b = assert_request(q, type ? type : "(none)", secret, "/hooks/insp");
		if (!find_by(log, "event_id", jstr(b, "id")))
			fail_msg("a received event %s is not in the log", jstr(b, "id"));
		expect_data(b, "inspection_id", iid);
		expect_data(b, "org_id", crew.tree.village_a1);
		expect_data(b, "round_id", round_id);
		expect_data(b, "inspector_id", crew.insp_city.user_id);
		expect_data(b, "status", type + strlen("inspection."));
	}
	json_t *sub = of_type(reqs, "inspection.submitted");
	assert_int_equal(json_array_size(sub), 2);
	json_decref(sub);
	json_decref(reqs);
	json_decref(log);
	hook_delete(w);
}

/* ==== failures and retries ============================================================================= */

/* Seconds since the epoch of an RFC 3339 UTC timestamp (fractions ignored). */
static long long ts_epoch(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	                 &tm.tm_sec) != 6)
		fail_msg("\"%s\" is not a timestamp", s ? s : "(null)");
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm);
}

/* A pending delivery after a failed attempt waits wait_s seconds for the next one. */
static void assert_backoff(const json_t *d, long long wait_s)
{
	long long gap = ts_epoch(jstr(d, "next_attempt_at")) - ts_epoch(jstr(d, "last_attempt_at"));
	if (gap != wait_s)
		fail_msg("after attempt %lld the next one is %lld s after the last, want %lld s: %s",
		         jint(d, "attempts"), gap, wait_s, json_dumps(d, JSON_COMPACT));
}

/* The requests of one delivery: the same delivery and event, each signed; returns the gaps between them. */
static void same_delivery(const json_t *reqs, const char *type, const char *secret, const char *target, double *gaps)
{
	const json_t *first = json_array_get(reqs, 0);
	size_t i;
	json_t *q;
	json_array_foreach(reqs, i, q)
	{
		assert_request(q, type, secret, target);
		if (strcmp(jstr(q, "x-inspectd-delivery"), jstr(first, "x-inspectd-delivery")) != 0 ||
		    strcmp(jstr(q, "raw"), jstr(first, "raw")) != 0) /* the spec: every retry repeats its id and body */
			fail_msg("attempt %zu to %s is another delivery or event: %s then %s", i + 1, target,
			         jstr(first, "x-inspectd-delivery"), jstr(q, "x-inspectd-delivery"));
		if (i > 0 && gaps)
			gaps[i - 1] = json_real_value(json_object_get(q, "at")) -
			              json_real_value(json_object_get(json_array_get(reqs, i - 1), "at"));
	}
}

static void test_retries(void **state)
{
	(void)state;
	const char *const ev[] = {"task.assigned", NULL};
	const char *secret = "retry-hook-secret-42";
	char w500[ID_LEN], wclose[ID_LEN], wredir[ID_LEN], w204[ID_LEN], w404[ID_LEN], wdoom[ID_LEN], t[ID_LEN];
	rx_script("retry-500", 200, (const int[]){500}, 1);
	rx_script("retry-closed", 200, (const int[]){500, RX_CLOSE}, 2);
	rx_script("redirect", 200, (const int[]){302}, 1);
	rx_script("no-content", 200, (const int[]){204}, 1);
	rx_script("not-found", 200, (const int[]){404, 201}, 2);
	rx_script("doomed", 500, NULL, 0);
	json_decref(hook_new("retry-500", ev, secret, 1, NULL, w500));
	json_decref(hook_new("retry-closed", ev, secret, 1, NULL, wclose));
	json_decref(hook_new("redirect", ev, secret, 1, NULL, wredir));
	json_decref(hook_new("no-content", ev, secret, 1, NULL, w204));
	json_decref(hook_new("not-found", ev, secret, 1, NULL, w404));
	json_decref(hook_new("doomed", ev, secret, 1, NULL, wdoom));
	json_decref(task_new(case_a1, "规范三会一课", crew.cast.cadre.user_id, "2099-08-31", t));

	/* The doomed webhook: its first attempt fails, it is deleted, its pending delivery goes with it. */
	json_decref(rx_wait("doomed", 1, 5000, "the first attempt to a failing receiver"));
	json_t *log = dlog(wdoom);
	assert_int_equal(json_array_size(log), 1);
	char did[ID_LEN + 64];
	snprintf(did, sizeof did, "%s", jstr(json_array_get(log, 0), "id"));
	json_decref(log);
	json_t *d = dlog_until(wdoom, did, "pending", 1, 3000);
	assert_int_equal(jint(d, "last_status_code"), 500);
	assert_non_null(jstr(d, "next_attempt_at"));
	assert_backoff(d, 1); /* --webhook-retry-s 1 */
	json_decref(d);
	hook_delete(wdoom);
	size_t doomed_seen = rx_count("doomed");
	rx_script("doomed", 200, NULL, 0);

	/* 204 is delivered at once: any 2xx. */
	log = dlog(w204);
	assert_int_equal(json_array_size(log), 1);
	d = dlog_until(w204, jstr(json_array_get(log, 0), "id"), "delivered", 1, 5000);
	json_decref(log);
	assert_int_equal(jint(d, "attempts"), 1);
	assert_int_equal(jint(d, "last_status_code"), 204);
	json_decref(d);

	/* A closed connection: between the 2nd and the 3rd attempt the log says pending with an error. */
	json_decref(rx_wait("retry-closed", 2, 5000, "the 2nd attempt after a 500"));
	log = dlog(wclose);
	assert_int_equal(json_array_size(log), 1);
	char cid[ID_LEN + 64];
	snprintf(cid, sizeof cid, "%s", jstr(json_array_get(log, 0), "id"));
	json_decref(log);
	double t0 = now_ms();
	for (;;) {
		log = dlog(wclose);
		d = json_array_get(log, 0);
		assert_delivery(d);
		if (jint(d, "attempts") >= 2) {
			if (jint(d, "attempts") == 2 && strcmp(jstr(d, "status"), "pending") == 0) {
				if (!jstr(d, "last_error") || !*jstr(d, "last_error"))
					fail_msg("after a connection closed without an answer, last_error is empty: %s",
					         json_dumps(d, JSON_COMPACT));
				assert_backoff(d, 2); /* doubled */
			}
			json_decref(log);
			break;
		}
		json_decref(log);
		if (now_ms() - t0 > 3000)
			fail_msg("the 2nd attempt was received but not recorded in 3 s");
		sleep_ms(50);
	}

	/* Every retry arrives: 500 → 200; 500 → closed → 200 with the wait doubling; 302 (not followed) →
	 * 200; 404 → 201. */
	json_t *rc = rx_wait("retry-closed", 3, 8000, "the 3rd attempt (after a 500 and a closed connection)");
	json_t *r5 = rx_wait("retry-500", 2, 5000, "the retry after a 500");
	json_t *rr = rx_wait("redirect", 2, 5000, "the retry after a 302");
	json_t *r4 = rx_wait("not-found", 2, 5000, "the retry after a 404");
	if (rx_count("redirect-target") != 0)
		fail_msg("the 302 was followed: %zu requests to its Location", rx_count("redirect-target"));
	/* The waits, measured at the receiver (100 ms allowed for jitter); checked last so that every
	 * other check runs first. */
	struct buf early = BUF_INIT;
	double g[2];
	same_delivery(r5, "task.assigned", secret, "/hooks/retry-500", g);
	if (g[0] < 900)
		buf_printf(&early, "; the retry after a 500 came %.0f ms after the first attempt", g[0]);
	same_delivery(rc, "task.assigned", secret, "/hooks/retry-closed", g);
	if (g[0] < 900 || g[1] < 1900)
		buf_printf(&early,
		           "; the retries after a 500 and a closed connection came %.0f ms and %.0f ms apart "
		           "(want >= 1 s, then >= 2 s)",
		           g[0], g[1]);
	same_delivery(rr, "task.assigned", secret, "/hooks/redirect", g);
	if (g[0] < 900)
		buf_printf(&early, "; the attempt after a 302 came %.0f ms after it", g[0]);
	same_delivery(r4, "task.assigned", secret, "/hooks/not-found", g);
	if (g[0] < 900)
		buf_printf(&early, "; the retry after a 404 came %.0f ms after the first attempt", g[0]);
	json_decref(rc);
	json_decref(r5);
	json_decref(rr);
	json_decref(r4);

	/* The log of each: delivered with every attempt counted. */
	const struct {
		const char *id;
		long long attempts, code;
	} want[] = {{w500, 2, 200}, {wclose, 3, 200}, {wredir, 2, 200}, {w404, 2, 201}};
	for (size_t i = 0; i < 4; i++) {
		log = dlog(want[i].id);
		assert_int_equal(json_array_size(log), 1);
		d = dlog_until(want[i].id, jstr(json_array_get(log, 0), "id"), "delivered", 1, 3000);
		json_decref(log);
		if (jint(d, "attempts") != want[i].attempts || jint(d, "last_status_code") != want[i].code)
			fail_msg("webhook %zu: %s, want attempts %lld, last_status_code %lld", i,
			         json_dumps(d, JSON_COMPACT), want[i].attempts, want[i].code);
		json_decref(d);
	}

	/* The deleted webhook's pending delivery was dropped: no attempt since (its retry was due 1 s later). */
	assert_int_equal(rx_count("doomed"), doomed_seen);
	char path[200];
	expect_problem(&srv, "GET", hook_path(wdoom, "/deliveries", path, sizeof path), admin, NULL, 404, "not_found");
	hook_delete(w500);
	hook_delete(wclose);
	hook_delete(wredir);
	hook_delete(w204);
	hook_delete(w404);
	if (early.len) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", buf_cstr(&early) + 2);
		buf_release(&early);
		fail_msg("retries earlier than --webhook-retry-s 1 (doubling) allows: %s", msg);
	}
}

/* ==== the deliveries log ================================================================================ */

static void test_deliveries_list(void **state)
{
	(void)state;
	const char *secret = "deliveries-list-secret";
	char w[ID_LEN], wempty[ID_LEN], t[5][ID_LEN], path[200];
	json_decref(hook_new("list", (const char *const[]){"task.assigned", NULL}, secret, 1, NULL, w));
	json_decref(hook_new("list-empty", (const char *const[]){"task.returned", NULL}, secret, 1, NULL, wempty));
	for (int i = 0; i < 5; i++) {
		char title[64];
		snprintf(title, sizeof title, "列表任务%d", i + 1);
		json_decref(task_new(case_a1, title, crew.cast.cadre.user_id, "2099-10-31", t[i]));
	}
	json_t *reqs = rx_wait("list", 5, 6000, "five task.assigned");
	/* Wait until all five are delivered. */
	double t0 = now_ms();
	json_t *all;
	for (;;) {
		all = api_list_all(&srv, hook_path(w, "/deliveries", path, sizeof path), admin, 2);
		size_t delivered = 0, i;
		json_t *d;
		json_array_foreach(all, i, d) delivered += strcmp(jstr(d, "status"), "delivered") == 0;
		if (delivered == 5 || now_ms() - t0 > 5000)
			break;
		json_decref(all);
		sleep_ms(50);
	}
	/* Newest first: the deliveries of tasks 5, 4, 3, 2, 1. */
	if (json_array_size(all) != 5)
		fail_msg("%zu deliveries, want 5: %s", json_array_size(all), json_dumps(all, JSON_COMPACT));
	for (size_t i = 0; i < 5; i++) {
		json_t *d = json_array_get(all, i);
		assert_delivery(d);
		assert_string_equal(jstr(d, "status"), "delivered");
		assert_string_equal(jstr(d, "event_type"), "task.assigned");
		assert_int_equal(jint(d, "attempts"), 1);
		json_t *q = NULL;
		size_t k;
		json_t *x;
		json_array_foreach(
		        reqs, k, x) if (strcmp(jstr(json_object_get(x, "body"), "id"), jstr(d, "event_id")) == 0) q = x;
		if (!q)
			fail_msg("delivery %s's event %s was not received", jstr(d, "id"), jstr(d, "event_id"));
		json_t *b = assert_request(q, "task.assigned", secret, "/hooks/list");
		assert_string_equal(jstr(q, "x-inspectd-delivery"), jstr(d, "id"));
		const char *task = jstr(json_object_get(b, "data"), "task_id");
		if (!task || strcmp(task, t[4 - i]) != 0)
			fail_msg("deliveries[%zu] is of task %s, want task %zu (%s): newest first", i, task, 5 - i,
			         t[4 - i]);
		if (i > 0 && strcmp(jstr(d, "created_at"), jstr(json_array_get(all, i - 1), "created_at")) > 0)
			fail_msg("deliveries[%zu] is newer than deliveries[%zu]", i, i - 1);
	}
	/* The same walk with other page sizes. */
	json_t *one = api_list_all(&srv, path, admin, 1);
	json_t *big = api_list_all(&srv, path, admin, 50);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(jstr(json_array_get(one, i), "id"), jstr(json_array_get(all, i), "id"));
		assert_string_equal(jstr(json_array_get(big, i), "id"), jstr(json_array_get(all, i), "id"));
	}
	json_decref(one);
	json_decref(big);
	/* A page of 2 has a next_cursor; the default page holds all five. */
	json_t *page = call("GET", hook_path(w, "/deliveries?limit=2", path, sizeof path), admin, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	assert_true(json_is_string(json_object_get(page, "next_cursor")));
	json_decref(page);
	page = call("GET", hook_path(w, "/deliveries", path, sizeof path), admin, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 5);
	assert_true(json_is_null(json_object_get(page, "next_cursor")));
	json_decref(page);
	json_decref(all);
	json_decref(reqs);

	/* Bad limits and cursors. */
	const char *bad_limits[] = {"0", "201", "-1", "abc"};
	for (size_t i = 0; i < 4; i++) {
		char suffix[64];
		snprintf(suffix, sizeof suffix, "/deliveries?limit=%s", bad_limits[i]);
		expect_invalid(&srv, "GET", hook_path(w, suffix, path, sizeof path), admin, NULL,
		               (const char *const[]){"limit", NULL});
	}
	expect_invalid(&srv, "GET", hook_path(w, "/deliveries?cursor=garbage", path, sizeof path), admin, NULL,
	               (const char *const[]){"cursor", NULL});
	/* Another webhook's log is its own; unknown webhooks are 404. */
	assert_int_equal(api_count(&srv, hook_path(wempty, "/deliveries", path, sizeof path), admin), 0);
	expect_problem(&srv, "GET", hook_path(unknown_id, "/deliveries", path, sizeof path), admin, NULL, 404,
	               "not_found");
	expect_problem(&srv, "GET", "/api/v1/webhooks/not-a-uuid/deliveries", admin, NULL, 404, "not_found");
	hook_delete(w);
	hook_delete(wempty);
}

/* ==== task.overdue with the pinned clock ================================================================= */

static void test_overdue_once(void **state)
{
	(void)state;
	const char *secret = "overdue-hook-secret!";
	char w[ID_LEN], ta[ID_LEN], tb[ID_LEN], tc[ID_LEN], td[ID_LEN];
	json_decref(hook_new("overdue", (const char *const[]){"task.overdue", NULL}, secret, 1, NULL, w));
	json_decref(task_new(case_a1, "三月底前完成", crew.cast.cadre.user_id, "2098-03-31", ta));
	json_decref(task_new(case_a1, "四月一日前完成", crew.cast.cadre.user_id, "2098-04-01", tb));
	json_decref(task_new(case_a1, "三月中旬完成", crew.cast.cadre.user_id, "2098-03-15", td));
	json_decref(task_do(cadre, td, "start", NULL));
	/* Verified: never overdue. */
	json_decref(task_new(case_a1, "三月初完成", crew.cast.cadre.user_id, "2098-03-01", tc));
	json_decref(task_do(cadre, tc, "start", NULL));
	progress_new(cadre, tc, "已完成");
	json_decref(task_do(cadre, tc, "submit", NULL));
	json_decref(task_do(sup, tc, "verify", NULL));

	/* The last second of 2098-03-31 in Shanghai: only the task due 03-15 is overdue. */
	clock_set("2098-03-31T23:59:59+08:00");
	json_t *reqs = rx_wait("overdue", 1, 5000, "task.overdue of the task due 2098-03-15");
	sleep_ms(1000); /* five scans */
	json_decref(reqs);
	reqs = rx_get("overdue");
	if (json_array_size(reqs) != 1)
		fail_msg("%zu task.overdue requests at 2098-03-31 23:59:59, want 1: %s", json_array_size(reqs),
		         json_dumps(reqs, JSON_COMPACT));
	json_t *b = assert_request(json_array_get(reqs, 0), "task.overdue", secret, "/hooks/overdue");
	expect_task_data(b, td, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "三月中旬完成", "2098-03-15",
	                 "in_progress");
	json_decref(reqs);

	/* Midnight: the task due 03-31 too, once however many scans pass. */
	clock_set("2098-04-01T00:00:00+08:00");
	reqs = rx_wait("overdue", 2, 5000, "task.overdue of the task due 2098-03-31");
	json_decref(reqs);
	sleep_ms(1000);
	reqs = rx_get("overdue");
	if (json_array_size(reqs) != 2)
		fail_msg("%zu task.overdue requests at 2098-04-01 00:00, want 2: %s", json_array_size(reqs),
		         json_dumps(reqs, JSON_COMPACT));
	b = assert_request(json_array_get(reqs, 1), "task.overdue", secret, "/hooks/overdue");
	expect_task_data(b, ta, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "三月底前完成", "2098-03-31",
	                 "assigned");
	json_decref(reqs);

	/* Two days later: the task due 04-01; the others still once each; the verified one never. */
	clock_set("2098-04-03T09:00:00+08:00");
	reqs = rx_wait("overdue", 3, 5000, "task.overdue of the task due 2098-04-01");
	json_decref(reqs);
	sleep_ms(1000);
	reqs = rx_get("overdue");
	if (json_array_size(reqs) != 3)
		fail_msg("%zu task.overdue requests at 2098-04-03, want 3: %s", json_array_size(reqs),
		         json_dumps(reqs, JSON_COMPACT));
	b = assert_request(json_array_get(reqs, 2), "task.overdue", secret, "/hooks/overdue");
	expect_task_data(b, tb, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "四月一日前完成", "2098-04-01",
	                 "assigned");
	json_decref(reqs);
	json_t *log = dlog(w);
	if (json_array_size(log) != 3)
		fail_msg("%zu deliveries of task.overdue, want 3: %s", json_array_size(log),
		         json_dumps(log, JSON_COMPACT));
	size_t i;
	json_t *d;
	json_array_foreach(log, i, d)
	{
		assert_delivery(d);
		assert_string_equal(jstr(d, "event_type"), "task.overdue");
	}
	json_decref(log);
	clock_set(NULL);
	(void)tc;
	hook_delete(w);
}

/* ==== a pending delivery survives a restart ================================================================= */

static void test_restart_redelivery(void **state)
{
	(void)state;
	const char *secret = "restart-hook-secret1";
	char w[ID_LEN], t[ID_LEN];
	rx_script("restart", 500, NULL, 0);
	json_decref(hook_new("restart", (const char *const[]){"task.assigned", NULL}, secret, 1, NULL, w));
	json_decref(task_new(case_a1, "重启后补发", crew.cast.cadre.user_id, "2099-11-30", t));
	json_t *reqs = rx_wait("restart", 1, 5000, "the first attempt (answered 500)");
	json_t *first = json_deep_copy(json_array_get(reqs, 0));
	json_decref(reqs);
	json_t *log = dlog(w);
	assert_int_equal(json_array_size(log), 1);
	char did[ID_LEN + 64], eid[ID_LEN + 64];
	snprintf(did, sizeof did, "%s", jstr(json_array_get(log, 0), "id"));
	snprintf(eid, sizeof eid, "%s", jstr(json_array_get(log, 0), "event_id"));
	json_decref(log);
	json_t *d = dlog_until(w, did, "pending", 1, 3000);
	assert_int_equal(jint(d, "last_status_code"), 500);
	json_decref(d);

	/* Stopped while pending; the receiver recovers; a new process delivers it. */
	stop_server();
	size_t before = rx_count("restart");
	rx_script("restart", 200, NULL, 0);
	start_again(server_env);
	double t0 = now_ms();
	json_t *q = NULL;
	for (;;) {
		reqs = rx_get("restart");
		size_t i;
		json_t *x;
		json_array_foreach(reqs, i,
		                   x) if (!q && i >= before && json_integer_value(json_object_get(x, "status")) == 200)
		        q = json_deep_copy(x);
		json_decref(reqs);
		if (q)
			break;
		if (now_ms() - t0 > 10000)
			fail_msg("no delivery attempt answered 200 within 10 s of the restart (%zu attempts before it)",
			         before);
		sleep_ms(50);
	}
	json_t *b = assert_request(q, "task.assigned", secret, "/hooks/restart");
	assert_string_equal(jstr(q, "x-inspectd-delivery"), did);
	assert_string_equal(jstr(b, "id"), eid);
	if (strcmp(jstr(q, "raw"), jstr(first, "raw")) != 0)
		fail_msg("the body changed between attempts: %s then %s", jstr(first, "raw"), jstr(q, "raw"));
	expect_task_data(b, t, case_a1, crew.tree.village_a1, crew.cast.cadre.user_id, "重启后补发", "2099-11-30",
	                 "assigned");
	d = dlog_until(w, did, "delivered", 1, 3000);
	if (jint(d, "attempts") < (long long)before + 1 || jint(d, "last_status_code") != 200)
		fail_msg("after the restart: %s, want attempts >= %zu and last_status_code 200",
		         json_dumps(d, JSON_COMPACT), before + 1);
	json_decref(d);
	json_decref(q);
	json_decref(first);
	hook_delete(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_crud),
	        cmocka_unit_test(test_validation),
	        cmocka_unit_test(test_roles),
	        cmocka_unit_test(test_task_assigned),
	        cmocka_unit_test(test_workflow_events),
	        cmocka_unit_test(test_inspection_events),
	        cmocka_unit_test(test_retries),
	        cmocka_unit_test(test_deliveries_list),
	        cmocka_unit_test_teardown(test_overdue_once, unpin_clock),
	        cmocka_unit_test(test_restart_redelivery),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_webhooks", tests, group_setup, group_teardown);
}
