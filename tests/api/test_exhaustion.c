/*
 * Resource exhaustion against inspectd alone (no proxy in front): slow
 * clients that trickle their headers, stall their body, or connect and say
 * nothing hold a worker for at most the request timeout; a normal client
 * waits no longer than the timeouts allow; a flood of logins is bounded by
 * the password-hashing slots, in memory and in what it answers.
 *
 * The server runs with 4 workers and a 2 s request timeout, so the bounds
 * are small: with twice as many slow clients as workers, a normal request
 * is queued behind both waves — at most 2 × timeout, plus a margin.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client.h"

enum { WORKERS = 4, TIMEOUT_MS = 2000, SLOW = 2 * WORKERS };

static struct server_proc srv;

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, "INSPECTD_THREADS=4", "INSPECTD_REQUEST_TIMEOUT_MS=2000",
	                                  "INSPECTD_KEEPALIVE_TIMEOUT_MS=1000", NULL};
	server_start(&srv, env);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
	server_cleanup(&srv);
	return 0;
}

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {
	        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		fail_msg("connect: %s", strerror(errno));
	return fd;
}

/* One slow client: sends prefix, then (trickle) one byte of filler every
 * 250 ms, or (stall) nothing more, until the server closes the connection
 * (or 15 s). Records how long the server kept it. */
struct slow {
	int port;
	const char *prefix; /* NULL: send nothing at all */
	int trickle;
	double held_s;
	int closed; /* the server closed it (not our 15 s limit) */
	int status; /* of the answer, when one came before the close */
};

static void *slow_main(void *arg)
{
	struct slow *c = arg;
	int fd = connect_to(c->port);
	double t0 = (now_ms() / 1000);
	if (c->prefix && send(fd, c->prefix, strlen(c->prefix), MSG_NOSIGNAL) < 0)
		goto done;
	while ((now_ms() / 1000) - t0 < 15) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 250) > 0) {
			char buf[512];
			ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
			if (n <= 0) { /* closed (or reset): the server let go */
				c->closed = 1;
				break;
			}
			buf[n] = '\0';
			if (!c->status && strncmp(buf, "HTTP/1.1 ", 9) == 0)
				c->status = atoi(buf + 9);
			continue; /* an answer (e.g. 408): keep reading until it closes */
		}
		if (c->prefix && c->trickle && send(fd, "x", 1, MSG_NOSIGNAL) < 0) {
			c->closed = 1;
			break;
		}
	}
done:
	c->held_s = (now_ms() / 1000) - t0;
	close(fd);
	return NULL;
}

/* SLOW slow clients of one kind; each must be let go within holds × the
 * timeout (after waiting for a worker), and a normal request, queued behind
 * two waves of them, answered within 2 × holds × timeout — each with 3 s to
 * spare for a loaded machine. */
static void slow_clients(const char *what, const char *prefix, int trickle, int holds)
{
	struct slow c[SLOW];
	pthread_t th[SLOW];
	for (int i = 0; i < SLOW; i++) {
		c[i] = (struct slow){.port = srv.port, .prefix = prefix, .trickle = trickle};
		assert_int_equal(pthread_create(&th[i], NULL, slow_main, &c[i]), 0);
	}
	usleep(300000); /* they hold every worker and fill the queue */
	char url[128];
	snprintf(url, sizeof url, "%s/healthz", srv.direct_url);
	struct http_resp r;
	double t0 = (now_ms() / 1000);
	http_send("GET", url, NULL, NULL, 0, 0, &r);
	double waited = (now_ms() / 1000) - t0;
	long status = r.status;
	http_resp_release(&r);
	for (int i = 0; i < SLOW; i++)
		pthread_join(th[i], NULL);
	/* margins for a loaded machine (make test runs two test processes at once) */
	double hold = holds * TIMEOUT_MS / 1000.0, limit = 2 * hold + 3.0, longest = 0;
	for (int i = 0; i < SLOW; i++) {
		if (!c[i].closed)
			fail_msg("%s: a slow client was still held after %.1f s", what, c[i].held_s);
		if (c[i].held_s > longest)
			longest = c[i].held_s;
	}
	fprintf(stderr, "%s: %d slow clients, 4 workers, 2 s timeout: a normal request waited %.2f s; "
	                "the slow ones were let go after %.2f s at most\n",
	        what, SLOW, waited, longest);
	if (status != 200)
		fail_msg("%s: the normal request got %ld", what, status);
	if (waited > limit)
		fail_msg("%s: the normal request waited %.2f s (limit %.1f s)", what, waited, limit);
	if (longest > hold + 3.0 + (SLOW > WORKERS ? hold : 0)) /* the second wave waited for a worker first */
		fail_msg("%s: a slow client held a worker %.2f s", what, longest);
	assert_int_equal(api_status(&srv, "/readyz", NULL), 200);
}

static void test_slow_headers(void **state)
{
	(void)state;
	/* civetweb bounds the whole request head by the request timeout */
	slow_clients("trickled headers", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 1, 1);
}

/* A body that stops arriving, or arrives a byte at a time, is cut at the
 * request timeout (service/http/bodywatch.c: civetweb alone restarts its
 * read timeout on every byte and would hold a trickled body for as long as
 * the client likes) and answered 408. */
static void test_stalled_body(void **state)
{
	(void)state;
	slow_clients("stalled body",
	             "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	             "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"username\":\"",
	             0, 1);
}

static void test_trickled_body(void **state)
{
	(void)state;
	slow_clients("trickled body",
	             "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	             "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"username\":\"",
	             1, 1);
}

/* A request refused before its body was read (here 401: no token) leaves
 * the body to civetweb, which reads and discards it — for as long as it
 * keeps coming. The deadline stays on the connection for that too. */
static void test_trickled_after_refusal(void **state)
{
	(void)state;
	slow_clients("trickled body after a 401",
	             "POST /api/v1/inspections HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	             "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"org_id\":\"",
	             1, 1);
}

/* The same for the streams, whose deadline restarts with every chunk: a
 * photo upload (raw or multipart) and a tus PATCH trickled a byte at a time
 * are cut and answered 408 within the timeout (plus the watchdog's tick),
 * and the tus upload keeps what arrived. */
static void test_trickled_uploads(void **state)
{
	(void)state;
	static struct tokens t;
	static char head[8192];
	char upload[256], loc[256];
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &t);
	const char *token = t.access;
	static const char *const tus[] = {"Tus-Resumable: 1.0.0", "Upload-Length: 1000", NULL};
	struct http_resp r;
	api_call(&srv, "POST", "/api/v1/uploads", token, NULL, tus, &r);
	assert_int_equal(r.status, 201);
	assert_int_equal(http_header(&r, "Location", loc, sizeof loc), 1);
	assert_non_null(strstr(loc, "/api/v1/uploads/"));
	snprintf(upload, sizeof upload, "%s", strstr(loc, "/api/v1/uploads/"));
	http_resp_release(&r);
	static const char *const what[] = {"photo upload", "tus PATCH", "multipart photo upload"};
	for (int k = 0; k < 3; k++) {
		if (k == 2)
			snprintf(head, sizeof head,
			         "POST /api/v1/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			         "Content-Type: multipart/form-data; boundary=----inspectdTrickle0123\r\nContent-Length: 100000\r\n\r\n"
			         "------inspectdTrickle0123\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
			         "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff",
			         token);
		else if (k == 0)
			snprintf(head, sizeof head,
			         "POST /api/v1/photos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			         "Content-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n\xff\xd8\xff",
			         token);
		else
			snprintf(head, sizeof head,
			         "PATCH %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			         "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
			         "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n"
			         "\xff\xd8\xff\xe0",
			         upload, token);
		struct slow c = {.port = srv.port, .prefix = head, .trickle = 1};
		slow_main(&c);
		if (!c.closed || c.status != 408)
			fail_msg("trickled %s: closed %d, status %d after %.2f s", what[k], c.closed, c.status, c.held_s);
		if (c.held_s > TIMEOUT_MS / 1000.0 + 3.0)
			fail_msg("trickled %s: held %.2f s", what[k], c.held_s);
	}
	/* the tus upload kept the bytes that came before the cut */
	api_call(&srv, "HEAD", upload, token, NULL, (const char *const[]){"Tus-Resumable: 1.0.0", NULL}, &r);
	assert_int_equal(r.status, 200);
	char off[32];
	assert_int_equal(http_header(&r, "Upload-Offset", off, sizeof off), 1);
	if (atoll(off) < 4 || atoll(off) >= 1000)
		fail_msg("the cut tus upload is at offset %s", off);
	http_resp_release(&r);
}

static void test_silent_connections(void **state)
{
	(void)state;
	slow_clients("silent connections", NULL, 0, 1);
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	size_t n = strlen(key);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static int flood_finished; /* atomic: workers done */

struct flood {
	int worker;
	long counts[600];
	long bad; /* answers that are none of 401/429/503-with-Retry-After */
	char sample[300];
};

static void *flood_main(void *arg)
{
	struct flood *f = arg;
	char url[128], body[160];
	snprintf(url, sizeof url, "%s/api/v1/auth/login", srv.direct_url);
	static const char *const h[] = {"Content-Type: application/json", NULL};
	for (int i = 0; i < 12; i++) {
		snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"guess-%d-%d-xxxx\"}",
		         i % 2 ? "admin" : "nobody.here", f->worker, i);
		struct http_resp r;
		http_send("POST", url, h, body, strlen(body), 0, &r);
		char ra[16];
		if (r.status >= 0 && r.status < 600)
			f->counts[r.status]++;
		int ok = r.status == 401 || r.status == 429 ||
		         (r.status == 503 && http_header(&r, "Retry-After", ra, sizeof ra));
		if (!ok) {
			f->bad++;
			snprintf(f->sample, sizeof f->sample, "%ld %.250s", r.status, buf_cstr(&r.body));
		}
		http_resp_release(&r);
	}
	__atomic_add_fetch(&flood_finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* 32 clients × 12 wrong logins at once: memory stays within the hashing
 * slots (2 × 19 MiB) plus slack, answers are 401, 429 (throttled) or 503
 * busy with Retry-After, and the service still serves afterwards. */
static void test_login_flood(void **state)
{
	(void)state;
	enum { CLIENTS = 32 };
	struct tokens t;
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &t);
	long before = status_kb(srv.pid, "VmRSS");
	struct flood f[CLIENTS];
	pthread_t th[CLIENTS];
	memset(f, 0, sizeof f);
	for (int i = 0; i < CLIENTS; i++) {
		f[i].worker = i;
		assert_int_equal(pthread_create(&th[i], NULL, flood_main, &f[i]), 0);
	}
	long peak = before;
	while (__atomic_load_n(&flood_finished, __ATOMIC_SEQ_CST) < CLIENTS) {
		long rss = status_kb(srv.pid, "VmRSS");
		if (rss > peak)
			peak = rss;
		usleep(5000);
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(th[i], NULL);
	long n401 = 0, n429 = 0, n503 = 0, bad = 0;
	for (int i = 0; i < CLIENTS; i++) {
		n401 += f[i].counts[401];
		n429 += f[i].counts[429];
		n503 += f[i].counts[503];
		bad += f[i].bad;
		if (f[i].bad)
			fprintf(stderr, "login flood: unexpected answer %s\n", f[i].sample);
	}
	long growth_mib = (peak - before) / 1024;
	fprintf(stderr, "login flood: %d × 12 wrong logins: %ld × 401, %ld × 429, %ld × 503 busy; RSS %ld KiB "
	                "before, %ld KiB at most (+%ld MiB)\n",
	        CLIENTS, n401, n429, n503, before, peak, growth_mib);
	assert_int_equal(bad, 0);
	assert_int_equal(n401 + n429 + n503, CLIENTS * 12);
	if (growth_mib > 2 * 19 + 48)
		fail_msg("login flood: the server grew by %ld MiB (bound: 2 hashing slots × 19 MiB + 48)", growth_mib);
	assert_int_equal(api_status(&srv, "/api/v1/me", t.access), 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_slow_headers),
	        cmocka_unit_test(test_stalled_body),
	        cmocka_unit_test(test_trickled_body),
	        cmocka_unit_test(test_trickled_after_refusal),
	        cmocka_unit_test(test_trickled_uploads),
	        cmocka_unit_test(test_silent_connections),
	        cmocka_unit_test(test_login_flood),
	};
	return cmocka_run_group_tests_name("api_exhaustion", tests, group_setup, group_teardown);
}
