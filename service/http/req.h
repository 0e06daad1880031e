/*
 * The request context and the response writers.
 *
 * The dispatcher (server.c) makes one struct req per request, does the
 * cross-cutting work (request id, routing, body limits, content type, JSON
 * parsing), then calls the route's handler, which answers with exactly one of
 * the reply_* functions. Each reply builds status line, headers and body in
 * one buffer and sends it with a single mg_write.
 *
 * Functions named *_or_reply answer the error themselves and return a value
 * telling the handler to just return.
 */
#ifndef INSPECTD_REQ_H
#define INSPECTD_REQ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "policy.h"
#include "router.h"

struct mg_connection;
struct mg_request_info;
struct server;
struct db;

enum { REQUEST_ID_MAX = 64 };

/* How JSON is written, to clients and into stored documents: compact, and
 * reals with 15 significant digits (30.2741, not 30.274100000000001). */
#define JSON_OUT (JSON_COMPACT | JSON_REAL_PRECISION(15))

struct req {
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	struct server *srv;
	const char *method;
	const char *path; /* without the query string, not percent-decoded */
	char request_id[REQUEST_ID_MAX + 1];
	size_t route_index; /* == number of routes when unmatched */
	const struct route *route;
	struct route_params params;
	struct buf body;
	json_t *json;               /* parsed body of a ROUTE_BODY_JSON route; NULL when empty */
	int body_unread;            /* the request body was not (fully) consumed */
	int close_after;            /* answer with Connection: close */
	struct buf headers;         /* extra response header lines, "Name: value\r\n" */
	struct principal principal; /* the caller, when authenticated */
	int authenticated;
	char client_addr[48]; /* the socket peer, or the forwarded client behind a trusted proxy */
	int status;           /* 0 until replied */
	int hold;             /* 1: the reply is kept in held until req_flush (cleanup first) */
	struct buf held;
	size_t bytes_out;
	uint64_t start_us;
	struct watch *watch; /* armed while the body is read (bodywatch.h) */
};

/*
 * Reading a request body within the request timeout (bodywatch.h): watch
 * before the first read, report progress after each chunk of a stream (the
 * deadline restarts), unwatch when done — 1 when the body came too slowly
 * and the connection's reading side was cut: answer reply_body_too_slow
 * (408, and the connection closes).
 */
void req_body_watch(struct req *req);
void req_body_progress(struct req *req);
int req_body_unwatch(struct req *req);
void reply_body_too_slow(struct req *req);

/* 1 when s is an acceptable client request id: 1..64 of [A-Za-z0-9._-]. */
int request_id_is_sane(const char *s);

/* Adds a response header line; name and value must not contain CR or LF. */
void req_header_add(struct req *req, const char *name, const char *value);

/*
 * Sends the whole response. body may be NULL when len is 0. Adds
 * Content-Length, X-Request-Id, X-Content-Type-Options, Date and, when
 * no_store, Cache-Control: no-store. For HEAD requests the body is omitted.
 */
void reply_send(struct req *req, int status, const char *content_type, const void *body, size_t len, int no_store);

/*
 * Holds the reply back: while req->hold is set, reply_* build the response
 * into req->held instead of sending it, so a handler can still clean up
 * (remove files, release locks) before the client hears the outcome and acts
 * on it. req_flush sends what was held (and clears hold).
 */
void req_hold(struct req *req);
void req_flush(struct req *req);

/* JSON body (compact). Takes ownership of value. */
void reply_json_new(struct req *req, int status, json_t *value);
/* The document a JSON writer built (jw.h); releases its buffer. */
struct jw;
void reply_json_writer(struct req *req, int status, struct jw *w);

/*
 * problem+json with the given code. detail is a printf format (may be NULL).
 * extra (borrowed) adds members such as "errors".
 */
void reply_problem(struct req *req, int status, const char *code, const json_t *extra, const char *detail_fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* The worker thread's database connection, opened on first use; on failure
 * answers 503 and returns NULL. */
struct db *req_db_or_reply(struct req *req);

/* Microseconds from a monotonic clock. */
uint64_t now_us(void);

#endif
