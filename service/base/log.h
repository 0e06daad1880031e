/*
 * JSON log lines on stderr, one per event, written with a single write(2) so
 * lines from concurrent threads never interleave.
 *
 *   struct log_line l;
 *   if (log_begin(&l, LOG_INFO, "http", "request")) {
 *           log_str(&l, "method", "GET");
 *           log_int(&l, "status", 200);
 *           log_end(&l);
 *   }
 *
 * log_begin returns 0 (and the line must not be used) when the level is
 * filtered out. Never pass passwords or tokens to these functions.
 */
#ifndef INSPECTD_LOG_H
#define INSPECTD_LOG_H

#include <stddef.h>

#include "buf.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

struct log_line {
	struct buf b;
};

/* Parses "debug", "info", "warn", "error"; returns -1 when unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

int log_begin(struct log_line *l, enum log_level level, const char *src, const char *msg);
void log_str(struct log_line *l, const char *key, const char *value);
void log_strn(struct log_line *l, const char *key, const char *value, size_t len);
void log_int(struct log_line *l, const char *key, long long value);
void log_end(struct log_line *l);

/* One-shot message without fields. */
void log_msg(enum log_level level, const char *src, const char *msg);

#endif
