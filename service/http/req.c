#include "req.h"

#include <civetweb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "jw.h"
#include "problem.h"
#include "server.h"

uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int request_id_is_sane(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		         c == '_' || c == '-';
		if (!ok || n >= REQUEST_ID_MAX)
			return 0;
	}
	return n > 0;
}

void req_header_add(struct req *req, const char *name, const char *value)
{
	buf_adds(&req->headers, name);
	buf_adds(&req->headers, ": ");
	buf_adds(&req->headers, value);
	buf_adds(&req->headers, "\r\n");
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Content";
	case 423: return "Locked";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 460: return "Checksum Mismatch"; /* tus 1.0 checksum extension */
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	default: return "Status";
	}
}

/* RFC 9110 IMF-fixdate, cached per thread for the current second. */
static const char *http_date(void)
{
	static _Thread_local char cached[40];
	static _Thread_local time_t cached_at = -1;
	time_t now = time(NULL);
	if (now != cached_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cached_at = now;
	}
	return cached;
}

void reply_send(struct req *req, int status, const char *content_type, const void *body, size_t len, int no_store)
{
	if (req->status) {
		log_msg(LOG_ERROR, "http", "handler replied twice");
		return;
	}
	struct buf out = BUF_INIT;
	buf_grow(&out, 320 + req->headers.len + len);
	buf_printf(&out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, reason_phrase(status), http_date());
	if (content_type)
		buf_printf(&out, "Content-Type: %s\r\n", content_type);
	if (status != 204 && status != 304) /* neither has a body, nor may say it has (RFC 9110 §8.6) */
		buf_printf(&out, "Content-Length: %zu\r\n", len);
	buf_printf(&out, "X-Request-Id: %s\r\nX-Content-Type-Options: nosniff\r\n", req->request_id);
	if (no_store)
		buf_adds(&out, "Cache-Control: no-store\r\n");
	if (req->close_after || req->body_unread) {
		buf_adds(&out, "Connection: close\r\n");
	} else if (req->ri && req->ri->http_version && strcmp(req->ri->http_version, "1.0") == 0) {
		buf_adds(&out, "Connection: keep-alive\r\n");
	}
	buf_add(&out, req->headers.data ? req->headers.data : "", req->headers.len);
	buf_adds(&out, "\r\n");
	int head = req->method && strcmp(req->method, "HEAD") == 0;
	if (len && !head)
		buf_add(&out, body, len);
	req->status = status;
	if (req->hold) {
		buf_release(&req->held);
		req->held = out;
		return;
	}
	int n = mg_write(req->conn, out.data, out.len);
	req->bytes_out = n > 0 ? (size_t)n : 0;
	buf_release(&out);
}

void req_hold(struct req *req)
{
	req->hold = 1;
}

void req_flush(struct req *req)
{
	req->hold = 0;
	if (req->held.len) {
		int n = mg_write(req->conn, req->held.data, req->held.len);
		req->bytes_out = n > 0 ? (size_t)n : 0;
	}
	buf_release(&req->held);
}

void reply_json_new(struct req *req, int status, json_t *value)
{
	if (!value) { /* a json_pack that failed: a bug, never an empty 200 */
		log_msg(LOG_ERROR, "http", "response value could not be built");
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	struct buf text = BUF_INIT;
	int rc = buf_add_json(&text, value);
	json_decref(value);
	if (rc != 0) {
		buf_release(&text);
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	reply_send(req, status, "application/json; charset=utf-8", text.data, text.len, 1);
	buf_release(&text);
}

void reply_json_writer(struct req *req, int status, struct jw *w)
{
	if (w->failed || w->depth != 0) {
		log_msg(LOG_ERROR, "http", "response document could not be written");
		buf_release(w->b);
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	reply_send(req, status, "application/json; charset=utf-8", w->b->data, w->b->len, 1);
	buf_release(w->b);
}

void reply_problem(struct req *req, int status, const char *code, const json_t *extra, const char *detail_fmt, ...)
{
	char detail[512];
	if (detail_fmt) {
		va_list ap;
		va_start(ap, detail_fmt);
		vsnprintf(detail, sizeof detail, detail_fmt, ap);
		va_end(ap);
	}
	struct buf body = BUF_INIT;
	problem_render(&body, status, code, detail_fmt ? detail : NULL, req->request_id, extra);
	reply_send(req, status, "application/problem+json; charset=utf-8", body.data, body.len, 1);
	buf_release(&body);
}

struct db *req_db_or_reply(struct req *req)
{
	struct db *db = server_worker_db(req->conn);
	if (!db) {
		req_header_add(req, "Retry-After", "5");
		reply_problem(req, 503, "service_unavailable", NULL, "数据库暂不可用，请稍后重试");
	}
	return db;
}
