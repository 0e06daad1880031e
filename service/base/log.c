#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof level_names / sizeof level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void log_set_level(enum log_level level)
{
	atomic_store(&min_level, (int)level);
}

int log_enabled(enum log_level level)
{
	return (int)level >= atomic_load_explicit(&min_level, memory_order_relaxed);
}

int log_begin(struct log_line *l, enum log_level level, const char *src, const char *msg)
{
	if (!log_enabled(level))
		return 0;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	l->b = (struct buf)BUF_INIT;
	buf_printf(
	        &l->b, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"src\":", tm.tm_year + 1900,
	        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level_names[level]);
	buf_add_json_string(&l->b, src, strlen(src));
	buf_adds(&l->b, ",\"msg\":");
	buf_add_json_string(&l->b, msg, strlen(msg));
	return 1;
}

void log_strn(struct log_line *l, const char *key, const char *value, size_t len)
{
	buf_addc(&l->b, ',');
	buf_add_json_string(&l->b, key, strlen(key));
	buf_addc(&l->b, ':');
	if (value)
		buf_add_json_string(&l->b, value, len);
	else
		buf_adds(&l->b, "null");
}

void log_str(struct log_line *l, const char *key, const char *value)
{
	log_strn(l, key, value, value ? strlen(value) : 0);
}

void log_int(struct log_line *l, const char *key, long long value)
{
	buf_addc(&l->b, ',');
	buf_add_json_string(&l->b, key, strlen(key));
	buf_printf(&l->b, ":%lld", value);
}

void log_end(struct log_line *l)
{
	buf_adds(&l->b, "}\n");
	const char *p = l->b.data;
	size_t left = l->b.len;
	while (left > 0) {
		ssize_t n = write(STDERR_FILENO, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nowhere left to report a failing stderr */
		p += n;
		left -= (size_t)n;
	}
	buf_release(&l->b);
}

void log_msg(enum log_level level, const char *src, const char *msg)
{
	struct log_line l;
	if (log_begin(&l, level, src, msg))
		log_end(&l);
}
