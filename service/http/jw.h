/*
 * A JSON writer into a struct buf, for the responses that carry JSON text
 * already made: a visit's answers, score and location are JSON the service
 * composed (json_dumps; nothing else writes those columns), and the task
 * inbox's items are SQLite's json_object output. They are copied into the
 * response as they are instead of being parsed into Jansson and serialised
 * again (which was most of a visit read's CPU).
 *
 * Every value function takes the member's key — a literal of the service,
 * written as it is — or NULL inside an array; commas are the writer's
 * business. Strings are escaped as buf_add_json_string does; Jansson values
 * are dumped with JSON_OUT.
 *
 *   struct buf b = BUF_INIT; struct jw w; jw_init(&w, &b);
 *   jw_open(&w, NULL, '{'); jw_str(&w, "id", id); jw_raw(&w, "answers", text, "[]");
 *   jw_close(&w, '}'); ... reply_json_writer(req, 200, &w);
 */
#ifndef INSPECTD_JW_H
#define INSPECTD_JW_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"

enum { JW_MAX_DEPTH = 63 };

struct jw {
	struct buf *b;
	unsigned depth;
	uint64_t has_member; /* bit d: the container at depth d has a member already */
	int failed;          /* a Jansson value could not be dumped */
};

/* Appends v (borrowed) as JSON_OUT text. 0, or -1 when Jansson refused it. */
int buf_add_json(struct buf *b, const json_t *v);

void jw_init(struct jw *w, struct buf *b);
/* brace is '{' or '['; jw_close takes the matching '}' or ']'. */
void jw_open(struct jw *w, const char *key, char brace);
void jw_close(struct jw *w, char brace);
void jw_str(struct jw *w, const char *key, const char *s);
/* s, or null when s is NULL or empty (optional text columns). */
void jw_text(struct jw *w, const char *key, const char *s);
void jw_int(struct jw *w, const char *key, long long v);
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
/* JSON text the service stored, verbatim; fallback (JSON text too) when json is NULL or empty. */
void jw_raw(struct jw *w, const char *key, const char *json, const char *fallback);
/* A Jansson value (borrowed). NULL — a json_pack that failed — fails the
 * document: reply_json_writer then answers 500. */
void jw_value(struct jw *w, const char *key, const json_t *v);

#endif
