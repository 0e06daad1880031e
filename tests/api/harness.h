/*
 * The API test harness: starts the real `inspectd serve` (path from
 * $INSPECTD_BIN) on a free loopback port with a fresh temporary data
 * directory, waits for /readyz, and stops it with SIGTERM, reporting the
 * exit status (the tests assert a clean 0: sanitizer and leak reports make
 * it non-zero). HTTP goes through libcurl; malformed requests through a raw
 * socket.
 */
#ifndef INSPECTD_TEST_HARNESS_H
#define INSPECTD_TEST_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/buf.h"

struct server_proc {
	pid_t pid;
	int port;
	char dir[256]; /* temporary directory: data/ and server.log inside */
	char data_dir[300];
	char log_path[300];
	char base_url[64]; /* what the tests use: the server, or in contract mode the validating proxy */
	char direct_url[64]; /* the server itself */
	int proxied; /* base_url is the contract proxy (contract.h) */
};

/*
 * Starts a server. env is a NULL-terminated list of extra "NAME=value"
 * entries (may be NULL). Fails the test (cmocka fail_msg) if it does not
 * become ready within 15 s.
 */
void server_start(struct server_proc *s, const char *const *env);

/* Sends SIGTERM, waits (at most 30 s) and returns the exit status, or -1 if
 * it died from a signal or hung (then it is killed). Prints the server log
 * when the exit is not clean. Safe to call twice. */
int server_stop(struct server_proc *s);

/* SIGKILLs the server and reaps it, as a crash would (its data directory
 * stays; contract mode's proxy is released). */
void server_kill(struct server_proc *s);

/* Removes the temporary directory. */
void server_cleanup(struct server_proc *s);

struct http_resp {
	long status;
	struct buf headers; /* raw header block of the final response */
	struct buf body;
};

/*
 * One HTTP request with libcurl. headers: NULL-terminated "Name: value"
 * list (may be NULL). body may be NULL. chunked=1 sends the body with
 * Transfer-Encoding: chunked instead of Content-Length.
 */
void http_do(const char *method, const char *url, const char *const *headers, const void *body, size_t len, int chunked,
             struct http_resp *out);
/* The same, always straight to the URL (http_do may go through the
 * contract proxy: contract.h). */
void http_send(const char *method, const char *url, const char *const *headers, const void *body, size_t len,
               int chunked, struct http_resp *out);
void http_get(struct server_proc *s, const char *path, struct http_resp *out);

/* Copies a response header's value (case-insensitive name) into out;
 * returns 1 when present. */
int http_header(const struct http_resp *r, const char *name, char *out, size_t outlen);
void http_resp_release(struct http_resp *r);

/* Parses the body as JSON (fails the test if it isn't). Caller decrefs. */
json_t *http_json(const struct http_resp *r);

/*
 * Asserts r is a problem+json response with the given status and code, and
 * that its request_id equals the X-Request-Id header.
 */
void assert_problem(const struct http_resp *r, long status, const char *code);

/*
 * Writes raw bytes to the server and reads the reply until the server
 * closes the connection or timeout_ms passes. Returns the bytes read.
 */
size_t raw_exchange(int port, const void *data, size_t len, int timeout_ms, struct buf *out);

/* Builds "http://127.0.0.1:port" + path into a static-per-call buffer. */
const char *url_of(struct server_proc *s, const char *path, char *out, size_t outlen);

/* A loopback port free at the moment of asking. */
int free_port(void);
/* Sleeps ms milliseconds (whole, across signals). */
void sleep_ms(long ms);
/* Removes dir and everything under it (a missing dir is fine). */
void remove_tree(const char *dir);

/* Runs the inspectd binary with args (NULL-terminated) and extra env;
 * captures stdout+stderr into out and returns the exit status. */
int run_inspectd(const char *const *args, const char *const *env, struct buf *out);

/* Reads a whole file into out; returns 0 on success. */
int read_file(const char *path, struct buf *out);

#endif
