#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/xalloc.h"

enum setting_type { T_STRING, T_INT, T_SIZE, T_BOOL, T_LOGLEVEL, T_LISTEN, T_ORIGINS, T_DIR, T_NETS, T_TZ };

struct setting {
	const char *name; /* flag without "--"; env is INSPECTD_ + upper(name with - as _) */
	const char *env;
	enum setting_type type;
	const char *def;
	long long min, max; /* for T_INT and T_SIZE */
	size_t offset;
	unsigned cmds;
	const char *help;
};

#define OFF(field) offsetof(struct config, field)
#define ALL        (CONFIG_CMD_SERVE | CONFIG_CMD_MIGRATE | CONFIG_CMD_ADMIN)

static const struct setting settings[] = {
        {"listen", "INSPECTD_LISTEN", T_LISTEN, "127.0.0.1:8080", 0, 0, OFF(listen), CONFIG_CMD_SERVE,
         "address and port to listen on (IPv4 ip:port)"},
        {"data", "INSPECTD_DATA", T_DIR, "./data", 0, 0, OFF(data_dir), ALL, "data directory: database, keys, photos"},
        {"threads", "INSPECTD_THREADS", T_INT, "64", 1, 1024, OFF(threads), CONFIG_CMD_SERVE,
         "worker threads (each serves one connection at a time)"},
        {"keepalive-timeout-ms", "INSPECTD_KEEPALIVE_TIMEOUT_MS", T_INT, "5000", 0, 600000, OFF(keepalive_ms),
         CONFIG_CMD_SERVE, "how long an idle keep-alive connection may hold a worker"},
        {"request-timeout-ms", "INSPECTD_REQUEST_TIMEOUT_MS", T_INT, "30000", 1000, 3600000, OFF(request_timeout_ms),
         CONFIG_CMD_SERVE, "socket read/write timeout; deadline of a request body (408)"},
        {"max-body", "INSPECTD_MAX_BODY", T_SIZE, "1MiB", 1024, 64LL << 20, OFF(max_body), CONFIG_CMD_SERVE,
         "largest JSON request body (bytes, or with KiB/MiB)"},
        {"cors-origins", "INSPECTD_CORS_ORIGINS", T_ORIGINS, "", 0, 0, OFF(cors_origins), CONFIG_CMD_SERVE,
         "comma-separated browser origins allowed by CORS (empty: none)"},
        {"log-level", "INSPECTD_LOG_LEVEL", T_LOGLEVEL, "info", 0, 0, OFF(log_level), ALL,
         "debug, info, warn or error"},
        {"shutdown-timeout-ms", "INSPECTD_SHUTDOWN_TIMEOUT_MS", T_INT, "10000", 0, 600000, OFF(shutdown_timeout_ms),
         CONFIG_CMD_SERVE, "how long SIGTERM waits for in-flight requests"},
        {"metrics", "INSPECTD_METRICS", T_BOOL, "on", 0, 0, OFF(metrics), CONFIG_CMD_SERVE,
         "serve Prometheus metrics at /metrics (on/off)"},
        {"jwt-key-file", "INSPECTD_JWT_KEY_FILE", T_STRING, "", 0, 0, OFF(jwt_key_file), CONFIG_CMD_SERVE,
         "JWT keys, lines \"<kid> <base64url key>\", the first signs (empty: <data>/jwt.key, created 0600)"},
        {"access-ttl-s", "INSPECTD_ACCESS_TTL_S", T_INT, "900", 60, 86400, OFF(access_ttl_s), CONFIG_CMD_SERVE,
         "access token lifetime in seconds"},
        {"trusted-proxies", "INSPECTD_TRUSTED_PROXIES", T_NETS, "", 0, 0, OFF(trusted_proxies), CONFIG_CMD_SERVE,
         "IPv4 addresses/CIDRs of proxies whose X-Real-IP / X-Forwarded-For is believed (empty: none)"},
        {"hash-concurrency", "INSPECTD_HASH_CONCURRENCY", T_INT, "2", 1, 64, OFF(hash_concurrency), CONFIG_CMD_SERVE,
         "password hashes computed at once (19 MiB each)"},
        {"max-photo-size", "INSPECTD_MAX_PHOTO_SIZE", T_SIZE, "20MiB", 1024, 1LL << 30, OFF(max_photo_size),
         CONFIG_CMD_SERVE, "largest photo upload (bytes, or with KiB/MiB)"},
        {"max-photos-per-object", "INSPECTD_MAX_PHOTOS_PER_OBJECT", T_INT, "50", 1, 10000, OFF(max_photos_per_object),
         CONFIG_CMD_SERVE, "photos one inspection or finding may hold"},
        {"image-concurrency", "INSPECTD_IMAGE_CONCURRENCY", T_INT, "2", 1, 64, OFF(image_concurrency), CONFIG_CMD_SERVE,
         "photos decoded at once to make thumbnails"},
        {"time-zone", "INSPECTD_TIME_ZONE", T_TZ, "Asia/Shanghai", 0, 0, OFF(time_zone), CONFIG_CMD_SERVE,
         "IANA time zone of local clock times (EXIF) and calendar days"},
        {"upload-expiry-s", "INSPECTD_UPLOAD_EXPIRY_S", T_INT, "86400", 1, 604800, OFF(upload_expiry_s),
         CONFIG_CMD_SERVE, "seconds an unfinished resumable upload is kept"},
        {"upload-sweep-s", "INSPECTD_UPLOAD_SWEEP_S", T_INT, "600", 1, 86400, OFF(upload_sweep_s), CONFIG_CMD_SERVE,
         "seconds between removals of expired uploads"},
        {"max-uploads-per-user", "INSPECTD_MAX_UPLOADS_PER_USER", T_INT, "20", 1, 1000, OFF(max_uploads_per_user),
         CONFIG_CMD_SERVE, "unfinished resumable uploads one user may hold"},
        {"webhook-poll-ms", "INSPECTD_WEBHOOK_POLL_MS", T_INT, "1000", 50, 60000, OFF(webhook_poll_ms),
         CONFIG_CMD_SERVE, "how often webhook deliveries and newly overdue tasks are looked for (ms)"},
        {"webhook-retry-s", "INSPECTD_WEBHOOK_RETRY_S", T_INT, "10", 1, 3600, OFF(webhook_retry_s), CONFIG_CMD_SERVE,
         "seconds before a failed webhook delivery's first retry (then doubling, at most an hour)"},
        {"webhook-max-age-s", "INSPECTD_WEBHOOK_MAX_AGE_S", T_INT, "86400", 60, 604800, OFF(webhook_max_age_s),
         CONFIG_CMD_SERVE, "seconds a webhook event is retried before it is given up"},
        {"evidence-window-s", "INSPECTD_EVIDENCE_WINDOW_S", T_INT, "21600", 0, 604800, OFF(evidence_window_s),
         CONFIG_CMD_SERVE, "seconds a photo may be taken outside its visit's times (or before its task) unflagged"},
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

int config_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -1;
	size_t hl = (size_t)(colon - s);
	if (hl >= hostlen || hl > 15)
		return -1;
	/* IPv4 dotted quad only: the Debian civetweb build has no IPv6. */
	int parts = 0;
	const char *p = s;
	while (p < colon) {
		if (!isdigit((unsigned char)*p))
			return -1;
		long v = 0;
		int digits = 0;
		while (p < colon && isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (++digits > 3)
				return -1;
			p++;
		}
		if (v > 255)
			return -1;
		parts++;
		if (p < colon) {
			if (*p != '.' || p + 1 == colon)
				return -1;
			p++;
		}
	}
	if (parts != 4)
		return -1;
	const char *ps = colon + 1;
	if (!*ps || strlen(ps) > 5)
		return -1;
	long v = 0;
	for (const char *q = ps; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return -1;
		v = v * 10 + (*q - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	*port = (int)v;
	return 0;
}

static int parse_int(const char *s, long long *out)
{
	if (!*s || !(isdigit((unsigned char)*s) || *s == '-'))
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int config_parse_size(const char *s, long long *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	static const struct {
		const char *suffix;
		int shift;
	} units[] = {{"", 0},   {"B", 0},    {"K", 10},  {"KiB", 10}, {"KB", 10},  {"k", 10},
	             {"M", 20}, {"MiB", 20}, {"MB", 20}, {"G", 30},   {"GiB", 30}, {"GB", 30}};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			if (v > (LLONG_MAX >> units[i].shift))
				return -1;
			*out = v << units[i].shift;
			return 0;
		}
	}
	return -1;
}

/* An origin is scheme://host[:port] with scheme http or https, nothing else. */
static int valid_origin(const char *s, size_t len)
{
	size_t skip;
	if (len > 8 && strncmp(s, "https://", 8) == 0)
		skip = 8;
	else if (len > 7 && strncmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	for (size_t i = skip; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

static int parse_origins(const char *s)
{
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (!(len == 1 && *p == '*') && !valid_origin(p, len))
			return -1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

int config_origin_allowed(const char *list, const char *origin, size_t origin_len)
{
	const char *p = list;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len == 1 && *p == '*')
			return 1;
		if (len == origin_len && len > 0 && memcmp(p, origin, len) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Parses "a.b.c.d" into a host-order address. */
static int parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	uint32_t addr = 0;
	int parts = 0;
	size_t i = 0;
	while (i < len) {
		unsigned v = 0;
		int digits = 0;
		while (i < len && isdigit((unsigned char)s[i]) && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			digits++;
			i++;
		}
		if (!digits || digits > 3 || v > 255)
			return -1;
		addr = (addr << 8) | v;
		parts++;
		if (i < len) {
			if (s[i] != '.' || parts == 4)
				return -1;
			i++;
			if (i == len)
				return -1;
		}
	}
	if (parts != 4)
		return -1;
	*out = addr;
	return 0;
}

/* Parses "a.b.c.d" or "a.b.c.d/n" (len bytes). */
static int parse_net(const char *s, size_t len, uint32_t *net, uint32_t *mask)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	int bits = 32;
	if (slash) {
		size_t blen = len - alen - 1;
		if (blen == 0 || blen > 2)
			return -1;
		bits = 0;
		for (size_t i = 0; i < blen; i++) {
			if (!isdigit((unsigned char)slash[1 + i]))
				return -1;
			bits = bits * 10 + (slash[1 + i] - '0');
		}
		if (bits > 32)
			return -1;
	}
	if (parse_ipv4(s, alen, net) != 0)
		return -1;
	*mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	*net &= *mask;
	return 0;
}

/* Calls fn for each trimmed, non-empty item of a comma-separated list;
 * stops at and returns the first non-zero result. */
static int each_item(const char *list, int (*fn)(const char *item, size_t len, void *ctx), void *ctx)
{
	const char *p = list;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		int rc = fn(p, len, ctx);
		if (rc)
			return rc;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int net_item_valid(const char *item, size_t len, void *ctx)
{
	(void)ctx;
	uint32_t net, mask;
	return parse_net(item, len, &net, &mask) == 0 ? 0 : -1;
}

int config_time_zone_known(const char *name)
{
	/* a relative name of letters, digits, '_', '-', '+' and '/' (no "..", so
	 * it stays under the zoneinfo directory), naming a regular file there */
	size_t n = strlen(name);
	if (n == 0 || n > 64 || name[0] == '/' || strstr(name, ".."))
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-+/", *p))
			return 0;
	char path[128];
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int parse_nets(const char *s)
{
	return each_item(s, net_item_valid, NULL) != 0 ? -1 : 0;
}

static int net_item_contains(const char *item, size_t len, void *ctx)
{
	uint32_t net, mask;
	if (parse_net(item, len, &net, &mask) != 0)
		return 0;
	return ((*(uint32_t *)ctx) & mask) == net ? 1 : 0;
}

int config_ip_in_list(const char *list, const char *addr)
{
	uint32_t a;
	if (!list || !*list || parse_ipv4(addr, strlen(addr), &a) != 0)
		return 0;
	return each_item(list, net_item_contains, &a) == 1;
}

static int parse_bool(const char *s, long long *out)
{
	static const char *const yes[] = {"on", "true", "yes", "1"};
	static const char *const no[] = {"off", "false", "no", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* Applies one textual value to its setting; on error fills err. */
static int apply(struct config *cfg, const struct setting *st, const char *value, const char *origin, char *err,
                 size_t errlen)
{
	char *base = (char *)cfg;
	long long v = 0;
	int bad = 0;
	switch (st->type) {
	case T_STRING:
	case T_DIR:
	case T_LISTEN:
	case T_NETS:
	case T_TZ:
	case T_ORIGINS: {
		if (st->type == T_DIR && !*value) {
			bad = 1;
		} else if (st->type == T_LISTEN) {
			char host[16];
			int port;
			bad = config_parse_listen(value, host, sizeof host, &port) != 0;
		} else if (st->type == T_ORIGINS) {
			bad = parse_origins(value) != 0;
		} else if (st->type == T_NETS) {
			bad = parse_nets(value) != 0;
		} else if (st->type == T_TZ) {
			bad = !config_time_zone_known(value);
		}
		if (bad)
			break;
		char **slot = (char **)(base + st->offset);
		free(*slot);
		*slot = xstrdup(value);
		return 0;
	}
	case T_INT: bad = parse_int(value, &v) != 0 || v < st->min || v > st->max; break;
	case T_SIZE: bad = config_parse_size(value, &v) != 0 || v < st->min || v > st->max; break;
	case T_BOOL: bad = parse_bool(value, &v) != 0; break;
	case T_LOGLEVEL:
		v = log_level_parse(value);
		bad = v < 0;
		break;
	}
	if (bad) {
		const char *expect = "";
		char range[96] = "";
		switch (st->type) {
		case T_INT:
		case T_SIZE:
			snprintf(range, sizeof range, "a %s from %lld to %lld", st->type == T_SIZE ? "size" : "number",
			         st->min, st->max);
			expect = range;
			break;
		case T_BOOL: expect = "on or off"; break;
		case T_LOGLEVEL: expect = "debug, info, warn or error"; break;
		case T_LISTEN: expect = "an IPv4 address and port, like 127.0.0.1:8080"; break;
		case T_ORIGINS: expect = "a comma-separated list of http(s)://host[:port] origins or *"; break;
		case T_DIR: expect = "a directory path"; break;
		case T_NETS: expect = "a comma-separated list of IPv4 addresses or CIDRs like 10.0.0.0/8"; break;
		case T_TZ: expect = "an IANA time zone name from tzdata, like Asia/Shanghai"; break;
		case T_STRING: expect = "a value"; break;
		}
		snprintf(err, errlen, "invalid value for setting %s (%s): \"%s\"; expected %s", st->name, origin, value,
		         expect);
		return -1;
	}
	*(long long *)(base + st->offset) = v;
	return 0;
}

int config_load(struct config *cfg, enum config_cmd cmd, config_getenv_fn getenv_fn, int argc, char **argv, char *err,
                size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < NSETTINGS; i++) {
		/* Every setting gets its default, even those of other commands, so
		 * the struct is always complete. */
		if (apply(cfg, &settings[i], settings[i].def, "default", err, errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (!(settings[i].cmds & cmd))
			continue;
		const char *v = getenv_fn ? getenv_fn(settings[i].env) : NULL;
		if (v && apply(cfg, &settings[i], v, settings[i].env, err, errlen) != 0)
			return -1;
	}
	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a];
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument \"%s\"", arg);
			return -1;
		}
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct setting *st = NULL;
		for (size_t i = 0; i < NSETTINGS; i++) {
			if ((settings[i].cmds & cmd) && strlen(settings[i].name) == nlen &&
			    strncmp(settings[i].name, name, nlen) == 0)
				st = &settings[i];
		}
		if (!st) {
			snprintf(err, errlen, "unknown option \"%.*s\" (see --help)", (int)(nlen + 2), arg);
			return -1;
		}
		const char *value;
		if (eq) {
			value = eq + 1;
		} else if (a + 1 < argc) {
			value = argv[++a];
		} else {
			snprintf(err, errlen, "option --%s needs a value", st->name);
			return -1;
		}
		char origin[80];
		snprintf(origin, sizeof origin, "--%s", st->name);
		if (apply(cfg, st, value, origin, err, errlen) != 0)
			return -1;
	}
	return 0;
}

void config_release(struct config *cfg)
{
	free(cfg->listen);
	free(cfg->data_dir);
	free(cfg->cors_origins);
	free(cfg->jwt_key_file);
	free(cfg->trusted_proxies);
	free(cfg->time_zone);
	memset(cfg, 0, sizeof *cfg);
}

void config_print_help(FILE *out, enum config_cmd cmd)
{
	fprintf(out, "Settings (flag, environment variable, default):\n");
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *st = &settings[i];
		if (!(st->cmds & cmd))
			continue;
		fprintf(out, "  --%-22s %s\n  %-24s %s (default \"%s\")\n", st->name, st->help, "", st->env, st->def);
	}
}
