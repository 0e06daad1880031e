/*
 * Configuration: one table of settings, each with a default, an environment
 * variable INSPECTD_* and a command-line flag, applied in that order
 * (defaults < environment < flags) and validated before anything listens.
 *
 * The table (config.c) is the single source: --help output is rendered from
 * it, and the README's configuration table mirrors it.
 */
#ifndef INSPECTD_CONFIG_H
#define INSPECTD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* Which command a setting applies to (bit mask). */
enum config_cmd {
	CONFIG_CMD_SERVE = 1 << 0,
	CONFIG_CMD_MIGRATE = 1 << 1,
	CONFIG_CMD_ADMIN = 1 << 2, /* org import, user add, user reset-password */
};

struct config {
	char *listen;           /* "ip:port" as given */
	char *data_dir;         /* directory for the database, keys and photos */
	long long threads;      /* civetweb worker threads */
	long long keepalive_ms; /* idle keep-alive timeout */
	long long request_timeout_ms;
	long long max_body;  /* bytes of a JSON request body */
	char *cors_origins;  /* comma-separated allowed origins, "" = none */
	long long log_level; /* enum log_level */
	long long shutdown_timeout_ms;
	long long metrics;          /* 1: serve /metrics */
	char *jwt_key_file;         /* "" = <data_dir>/jwt.key */
	long long access_ttl_s;     /* access token lifetime */
	char *trusted_proxies;      /* comma-separated IPv4 addresses / CIDRs */
	long long hash_concurrency; /* password hashes at once */
	long long max_photo_size;   /* bytes of one photo */
	long long max_photos_per_object;
	long long image_concurrency;    /* images decoded at once (thumbnails) */
	char *time_zone;                /* IANA name: local calendar days and EXIF clock times */
	long long upload_expiry_s;      /* a tus upload's lifetime */
	long long upload_sweep_s;       /* how often expired uploads are removed */
	long long max_uploads_per_user; /* unfinished tus uploads one user may hold */
	long long webhook_poll_ms;      /* how often due deliveries and newly overdue tasks are looked for */
	long long webhook_retry_s;      /* the first retry's wait (then doubling, at most an hour) */
	long long webhook_max_age_s;    /* how long an event is retried */
	long long evidence_window_s;    /* how far outside a visit's times a photo may be taken */
};

/* Returns the environment value for name, or NULL (getenv's shape). */
typedef const char *(*config_getenv_fn)(const char *name);

/*
 * Fills cfg from defaults, then env (through getenv_fn, usually getenv),
 * then the flags in argv[0..argc) (after the command word). Only settings of
 * command cmd are accepted. On a bad value or unknown flag returns -1 and
 * writes a message naming the setting into err; the caller exits with 2.
 * Release with config_release (also after a failure).
 */
int config_load(struct config *cfg, enum config_cmd cmd, config_getenv_fn getenv_fn, int argc, char **argv, char *err,
                size_t errlen);
void config_release(struct config *cfg);

/* Prints the settings of cmd as "--flag VALUE  (ENV, default ...) help" lines. */
void config_print_help(FILE *out, enum config_cmd cmd);

/*
 * Splits "a.b.c.d:port" into an IPv4 host and a port. Returns 0 when valid.
 * Exposed for tests.
 */
int config_parse_listen(const char *s, char *host, size_t hostlen, int *port);

/* Parses sizes like "1048576", "512KiB", "1MiB", "20M". Returns 0 when valid. */
int config_parse_size(const char *s, long long *out);

/* 1 when the IPv4 address addr is in the comma-separated list of
 * addresses and CIDRs (e.g. "10.0.0.0/8,127.0.0.1"). */
int config_ip_in_list(const char *list, const char *addr);

/* 1 when name is an IANA time zone tzdata has (e.g. "Asia/Shanghai"). */
int config_time_zone_known(const char *name);

/* 1 when origin is in the comma-separated list (exact match, or "*"). */
int config_origin_allowed(const char *list, const char *origin, size_t origin_len);

#endif
