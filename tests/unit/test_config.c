/*
 * Unit tests of configuration loading (service/config.h): defaults <
 * environment < flags, both flag spellings, per-command settings, error
 * messages that name the setting, and the listen/size/origin parsers.
 * The environment is a fake table: the real one is never read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the fake environment ---------------------------------------------- */

struct env_var {
	const char *name;
	const char *value;
};

static const struct env_var *fake_env;
static size_t fake_env_n;
static int fake_env_calls;

static const char *fake_getenv(const char *name)
{
	fake_env_calls++;
	for (size_t i = 0; i < fake_env_n; i++)
		if (strcmp(fake_env[i].name, name) == 0)
			return fake_env[i].value;
	return NULL;
}

static void set_env(const struct env_var *vars, size_t n)
{
	fake_env = vars;
	fake_env_n = n;
	fake_env_calls = 0;
}

static int reset_env(void **state)
{
	(void)state;
	set_env(NULL, 0);
	return 0;
}

/* Loads with argv given as a NULL-terminated list of literals. */
static int load(struct config *cfg, enum config_cmd cmd, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *)) != NULL;) {
		assert_true(argc < (int)N(argv));
		argv[argc++] = a;
	}
	va_end(ap);
	err[0] = '\0';
	return config_load(cfg, cmd, fake_getenv, argc, argv, err, errlen);
}

/* ---- config_load ---------------------------------------------------------- */

static void assert_defaults(const struct config *cfg)
{
	assert_string_equal(cfg->listen, "127.0.0.1:8080");
	assert_string_equal(cfg->data_dir, "./data");
	assert_int_equal(cfg->threads, 64);
	assert_int_equal(cfg->keepalive_ms, 5000);
	assert_int_equal(cfg->request_timeout_ms, 30000);
	assert_int_equal(cfg->max_body, 1048576);
	assert_string_equal(cfg->cors_origins, "");
	assert_int_equal(cfg->log_level, LOG_INFO);
	assert_int_equal(cfg->shutdown_timeout_ms, 10000);
	assert_int_equal(cfg->metrics, 1);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, NULL), 0);
	assert_defaults(&cfg);
	assert_true(fake_env_calls > 0); /* the environment was consulted */
	config_release(&cfg);
	assert_null(cfg.listen);

	/* A NULL getenv function means no environment. */
	assert_int_equal(config_load(&cfg, CONFIG_CMD_SERVE, NULL, 0, NULL, err, sizeof err), 0);
	assert_defaults(&cfg);
	config_release(&cfg);

	/* Migrate gets a complete struct too, with the same defaults. */
	assert_int_equal(load(&cfg, CONFIG_CMD_MIGRATE, err, sizeof err, NULL), 0);
	assert_defaults(&cfg);
	config_release(&cfg);
}

static void test_env_overrides_defaults(void **state)
{
	(void)state;
	static const struct env_var env[] = {
	        {"INSPECTD_LISTEN", "0.0.0.0:9090"},
	        {"INSPECTD_DATA", "/srv/inspectd"},
	        {"INSPECTD_THREADS", "8"},
	        {"INSPECTD_KEEPALIVE_TIMEOUT_MS", "0"},
	        {"INSPECTD_REQUEST_TIMEOUT_MS", "1000"},
	        {"INSPECTD_MAX_BODY", "2MiB"},
	        {"INSPECTD_CORS_ORIGINS", "https://a.cn, http://b.cn:8080"},
	        {"INSPECTD_LOG_LEVEL", "debug"},
	        {"INSPECTD_SHUTDOWN_TIMEOUT_MS", "600000"},
	        {"INSPECTD_METRICS", "off"},
	        {"UNRELATED", "x"},
	};
	set_env(env, N(env));
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, NULL), 0);
	assert_string_equal(cfg.listen, "0.0.0.0:9090");
	assert_string_equal(cfg.data_dir, "/srv/inspectd");
	assert_int_equal(cfg.threads, 8);
	assert_int_equal(cfg.keepalive_ms, 0);
	assert_int_equal(cfg.request_timeout_ms, 1000);
	assert_int_equal(cfg.max_body, 2 * 1048576);
	assert_string_equal(cfg.cors_origins, "https://a.cn, http://b.cn:8080");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_int_equal(cfg.shutdown_timeout_ms, 600000);
	assert_int_equal(cfg.metrics, 0);
	config_release(&cfg);
}

static void test_env_of_other_command_ignored(void **state)
{
	(void)state;
	/* INSPECTD_LISTEN and INSPECTD_THREADS are serve settings: migrate
	 * ignores them, even invalid ones, and keeps the defaults. */
	static const struct env_var env[] = {
	        {"INSPECTD_LISTEN", "not an address"},
	        {"INSPECTD_THREADS", "abc"},
	        {"INSPECTD_DATA", "/var/lib/inspectd"},
	        {"INSPECTD_LOG_LEVEL", "warn"},
	};
	set_env(env, N(env));
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_MIGRATE, err, sizeof err, NULL), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_int_equal(cfg.threads, 64);
	assert_string_equal(cfg.data_dir, "/var/lib/inspectd");
	assert_int_equal(cfg.log_level, LOG_WARN);
	config_release(&cfg);
}

static void test_flags_override_env(void **state)
{
	(void)state;
	static const struct env_var env[] = {
	        {"INSPECTD_THREADS", "8"},
	        {"INSPECTD_LISTEN", "0.0.0.0:9090"},
	        {"INSPECTD_DATA", "/env/data"},
	        {"INSPECTD_METRICS", "off"},
	};
	set_env(env, N(env));
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--threads", "16", "--listen=10.0.0.1:80",
	                      "--metrics", "yes", NULL),
	                 0);
	assert_int_equal(cfg.threads, 16);
	assert_string_equal(cfg.listen, "10.0.0.1:80");
	assert_int_equal(cfg.metrics, 1);
	assert_string_equal(cfg.data_dir, "/env/data"); /* env still applies where no flag is given */
	config_release(&cfg);
}

static void test_flag_spellings(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--max-body=512KiB", "--log-level", "error",
	                      "--data=/x=y", "--cors-origins", "*", "--keepalive-timeout-ms=250", NULL),
	                 0);
	assert_int_equal(cfg.max_body, 512 * 1024);
	assert_int_equal(cfg.log_level, LOG_ERROR);
	assert_string_equal(cfg.data_dir, "/x=y"); /* only the first = splits */
	assert_string_equal(cfg.cors_origins, "*");
	assert_int_equal(cfg.keepalive_ms, 250);
	config_release(&cfg);

	/* The last occurrence of a flag wins; a value may look like a flag's. */
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--threads", "2", "--threads=3", "--data",
	                      "--weird-dir", NULL),
	                 0);
	assert_int_equal(cfg.threads, 3);
	assert_string_equal(cfg.data_dir, "--weird-dir");
	config_release(&cfg);

	/* Boolean spellings. */
	static const char *const yes[] = {"on", "true", "yes", "1"};
	static const char *const no[] = {"off", "false", "no", "0"};
	for (size_t i = 0; i < N(yes); i++) {
		char *argv_yes[] = {"--metrics", (char *)yes[i]};
		assert_int_equal(config_load(&cfg, CONFIG_CMD_SERVE, fake_getenv, 2, argv_yes, err, sizeof err), 0);
		assert_int_equal(cfg.metrics, 1);
		config_release(&cfg);
		char *argv_no[] = {"--metrics", (char *)no[i]};
		assert_int_equal(config_load(&cfg, CONFIG_CMD_SERVE, fake_getenv, 2, argv_no, err, sizeof err), 0);
		assert_int_equal(cfg.metrics, 0);
		config_release(&cfg);
	}
}

static void test_migrate_accepts_its_settings(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_MIGRATE, err, sizeof err, "--data", "/m", "--log-level=debug", NULL), 0);
	assert_string_equal(cfg.data_dir, "/m");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	config_release(&cfg);
}

/* Loads argv (NULL-terminated) for cmd and expects failure with an error
 * containing every one of the needles. */
static void expect_fail_argv(enum config_cmd cmd, char **argv, const char *needle1, const char *needle2)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	struct config cfg;
	char err[512] = "";
	int rc = config_load(&cfg, cmd, fake_getenv, argc, argv, err, sizeof err);
	config_release(&cfg);
	if (rc != -1)
		fail_msg("config_load accepted %s%s%s", argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	if (needle1 && !strstr(err, needle1))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle1);
	if (needle2 && !strstr(err, needle2))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle2);
}

/* Checks one bad value through both flag spellings and the environment. */
static void expect_bad_value(const char *name, const char *env, const char *value)
{
	char flag[64], joined[128];
	snprintf(flag, sizeof flag, "--%s", name);
	snprintf(joined, sizeof joined, "--%s=%s", name, value);
	char *sep[] = {flag, (char *)value, NULL};
	char *eq[] = {joined, NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, sep, name, "invalid value");
	expect_fail_argv(CONFIG_CMD_SERVE, eq, name, "invalid value");

	const struct env_var vars[] = {{env, value}};
	set_env(vars, 1);
	char *none[] = {NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, none, name, env);
	set_env(NULL, 0);
}

static void test_bad_values_name_the_setting(void **state)
{
	(void)state;
	expect_bad_value("threads", "INSPECTD_THREADS", "0");
	expect_bad_value("threads", "INSPECTD_THREADS", "1025");
	expect_bad_value("threads", "INSPECTD_THREADS", "abc");
	expect_bad_value("threads", "INSPECTD_THREADS", "-1");
	expect_bad_value("threads", "INSPECTD_THREADS", "8x");
	expect_bad_value("threads", "INSPECTD_THREADS", " 8");
	expect_bad_value("threads", "INSPECTD_THREADS", "");
	expect_bad_value("threads", "INSPECTD_THREADS", "99999999999999999999999");
	expect_bad_value("listen", "INSPECTD_LISTEN", "localhost:80");
	expect_bad_value("listen", "INSPECTD_LISTEN", "1.2.3.4:0");
	expect_bad_value("listen", "INSPECTD_LISTEN", "1.2.3.4:70000");
	expect_bad_value("listen", "INSPECTD_LISTEN", "256.1.1.1:80");
	expect_bad_value("listen", "INSPECTD_LISTEN", "1.2.3.4");
	expect_bad_value("listen", "INSPECTD_LISTEN", "");
	expect_bad_value("max-body", "INSPECTD_MAX_BODY", "1TB");
	expect_bad_value("max-body", "INSPECTD_MAX_BODY", "10");
	expect_bad_value("max-body", "INSPECTD_MAX_BODY", "1023");
	expect_bad_value("max-body", "INSPECTD_MAX_BODY", "65MiB");
	expect_bad_value("max-body", "INSPECTD_MAX_BODY", "1.5MiB");
	expect_bad_value("log-level", "INSPECTD_LOG_LEVEL", "loud");
	expect_bad_value("metrics", "INSPECTD_METRICS", "maybe");
	expect_bad_value("metrics", "INSPECTD_METRICS", "");
	expect_bad_value("cors-origins", "INSPECTD_CORS_ORIGINS", "ftp://x");
	expect_bad_value("cors-origins", "INSPECTD_CORS_ORIGINS", "https://a.cn/path");
	expect_bad_value("cors-origins", "INSPECTD_CORS_ORIGINS", "https://a.cn,,https://b.cn");
	expect_bad_value("cors-origins", "INSPECTD_CORS_ORIGINS", "https://");
	expect_bad_value("cors-origins", "INSPECTD_CORS_ORIGINS", "a.cn");
	expect_bad_value("data", "INSPECTD_DATA", "");
	expect_bad_value("request-timeout-ms", "INSPECTD_REQUEST_TIMEOUT_MS", "999");
	expect_bad_value("keepalive-timeout-ms", "INSPECTD_KEEPALIVE_TIMEOUT_MS", "600001");
	expect_bad_value("shutdown-timeout-ms", "INSPECTD_SHUTDOWN_TIMEOUT_MS", "-5");
}

static void test_range_limits_accepted(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--threads=1", "--max-body=1024", NULL), 0);
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(cfg.max_body, 1024);
	config_release(&cfg);
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--threads=1024", "--max-body=64MiB", NULL), 0);
	assert_int_equal(cfg.threads, 1024);
	assert_int_equal(cfg.max_body, 64LL << 20);
	config_release(&cfg);
}

static void test_unknown_and_malformed_options(void **state)
{
	(void)state;
	/* A serve setting is not an option of migrate. */
	char *a1[] = {"--listen", "1.2.3.4:80", NULL};
	expect_fail_argv(CONFIG_CMD_MIGRATE, a1, "unknown option", "--listen");
	char *a2[] = {"--threads=4", NULL};
	expect_fail_argv(CONFIG_CMD_MIGRATE, a2, "unknown option", "--threads");
	char *a3[] = {"--no-such-flag", "1", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a3, "unknown option", "--no-such-flag");
	char *a4[] = {"--thread", "4", NULL}; /* a prefix of a name is not the name */
	expect_fail_argv(CONFIG_CMD_SERVE, a4, "unknown option", "--thread");
	char *a5[] = {"--threadsX=4", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a5, "unknown option", "--threadsX");
	char *a6[] = {"--THREADS=4", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a6, "unknown option", NULL);
	char *a7[] = {"-threads", "4", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a7, "-threads", NULL);
	char *a8[] = {"stray", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a8, "stray", NULL);
	char *a9[] = {"--", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a9, NULL, NULL);
	/* An argument after a complete option is still checked. */
	char *a10[] = {"--threads", "4", "extra", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a10, "extra", NULL);
}

static void test_missing_value(void **state)
{
	(void)state;
	char *a1[] = {"--threads", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a1, "threads", "needs a value");
	char *a2[] = {"--metrics", "on", "--listen", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a2, "listen", "needs a value");
	/* "--flag=" is an explicit empty value, judged by the setting. */
	char *a3[] = {"--threads=", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, a3, "threads", "invalid value");
	char *a4[] = {"--cors-origins=", NULL};
	struct config cfg;
	char err[256];
	assert_int_equal(config_load(&cfg, CONFIG_CMD_SERVE, fake_getenv, 1, a4, err, sizeof err), 0);
	assert_string_equal(cfg.cors_origins, "");
	config_release(&cfg);
}

static void test_error_buffer_small(void **state)
{
	(void)state;
	struct config cfg;
	char err[12];
	memset(err, 'Z', sizeof err);
	char *argv[] = {"--threads", "abcdefghijklmnopqrstuvwxyz"};
	assert_int_equal(config_load(&cfg, CONFIG_CMD_SERVE, fake_getenv, 2, argv, err, sizeof err), -1);
	assert_non_null(memchr(err, '\0', sizeof err));
	config_release(&cfg);
}

static void test_release_twice_is_safe(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	char *argv[] = {"--listen", "1.1.1.1:1", "--threads", "0"};
	/* Fails after listen was replaced: release frees what was set. */
	assert_int_equal(config_load(&cfg, CONFIG_CMD_SERVE, fake_getenv, 4, argv, err, sizeof err), -1);
	assert_non_null(strstr(err, "threads"));
	config_release(&cfg);
	config_release(&cfg);
	assert_null(cfg.listen);
	assert_null(cfg.data_dir);
	assert_null(cfg.cors_origins);
}

static void test_print_help(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_help(f, CONFIG_CMD_MIGRATE);
	fclose(f);
	assert_non_null(strstr(text, "--data"));
	assert_non_null(strstr(text, "INSPECTD_DATA"));
	assert_non_null(strstr(text, "--log-level"));
	assert_null(strstr(text, "--listen"));
	assert_null(strstr(text, "--threads"));
	free(text);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_help(f, CONFIG_CMD_SERVE);
	fclose(f);
	assert_non_null(strstr(text, "--listen"));
	assert_non_null(strstr(text, "INSPECTD_THREADS"));
	assert_non_null(strstr(text, "\"127.0.0.1:8080\""));
	free(text);
}

/* ---- config_parse_listen ---------------------------------------------------- */

static void test_parse_listen_good(void **state)
{
	(void)state;
	static const struct {
		const char *in, *host;
		int port;
	} cases[] = {
	        {"127.0.0.1:8080", "127.0.0.1", 8080},
	        {"0.0.0.0:1", "0.0.0.0", 1},
	        {"255.255.255.255:65535", "255.255.255.255", 65535},
	        {"10.1.2.3:443", "10.1.2.3", 443},
	};
	for (size_t i = 0; i < N(cases); i++) {
		char host[16];
		memset(host, 'Z', sizeof host);
		int port = -1;
		if (config_parse_listen(cases[i].in, host, sizeof host, &port) != 0)
			fail_msg("rejected \"%s\"", cases[i].in);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
}

static void test_parse_listen_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "localhost:80",
	        "1.2.3.4:0",
	        "1.2.3.4:70000",
	        "256.1.1.1:80",
	        "1.2.3.4:65536",
	        "1.2.3.4",
	        ":80",
	        "1.2.3.4:",
	        "1.2.3:80",
	        "1.2.3.4.5:80",
	        "1..2.3:80",
	        "1.2.3.4.:80",
	        ".1.2.3:80",
	        "1.2.3.4:-80",
	        "1.2.3.4:+80",
	        "1.2.3.4:8a",
	        "1.2.3.4:123456",
	        "1.2.3.4: 80",
	        "[::1]:80",
	        "::1:80",
	        "1.2.3.1000:80",
	        "a.b.c.d:80",
	        "",
	        "1.2.3.4:80:80",
	        " 1.2.3.4:80",
	        "1.2.3.4 :80",
	        "-1.2.3.4:80",
	        "1.2.3.4:0080000",
	};
	for (size_t i = 0; i < N(bad); i++) {
		char host[16] = "untouched";
		int port = -7;
		if (config_parse_listen(bad[i], host, sizeof host, &port) == 0)
			fail_msg("accepted \"%s\" as %s port %d", bad[i], host, port);
		assert_int_equal(port, -7);
	}

	/* A host buffer too small for the address is an error, not an overflow. */
	char small[8];
	int port;
	assert_int_equal(config_parse_listen("192.168.100.200:80", small, sizeof small, &port), -1);
	assert_int_equal(config_parse_listen("1.2.3.4:80", small, sizeof small, &port), 0);
	assert_string_equal(small, "1.2.3.4");
	assert_int_equal(config_parse_listen("1.2.3.45:80", small, sizeof small, &port), -1);
}

/* ---- config_parse_size ------------------------------------------------------ */

static void test_parse_size_units(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		long long out;
	} cases[] = {
	        {"0", 0},
	        {"1048576", 1048576},
	        {"100B", 100},
	        {"2K", 2048},
	        {"2KiB", 2048},
	        {"2KB", 2048},
	        {"2k", 2048},
	        {"512KiB", 512 * 1024},
	        {"3M", 3LL << 20},
	        {"3MiB", 3LL << 20},
	        {"3MB", 3LL << 20},
	        {"20M", 20LL << 20},
	        {"5G", 5LL << 30},
	        {"5GiB", 5LL << 30},
	        {"5GB", 5LL << 30},
	        {"9223372036854775807", LLONG_MAX},
	        {"8589934591G", 8589934591LL << 30}, /* the largest that fits */
	        {"007K", 7 * 1024},
	};
	for (size_t i = 0; i < N(cases); i++) {
		long long v = -1;
		if (config_parse_size(cases[i].in, &v) != 0)
			fail_msg("rejected \"%s\"", cases[i].in);
		if (v != cases[i].out)
			fail_msg("\"%s\" parsed as %lld, expected %lld", cases[i].in, v, cases[i].out);
	}
}

static void test_parse_size_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "",
	        "K",
	        "MiB",
	        "-1",
	        "+1",
	        " 1",
	        "1 ",
	        "1 K",
	        "1.5M",
	        "1TB",
	        "1T",
	        "1kb",
	        "1m",
	        "1mib",
	        "1KiBB",
	        "1BB",
	        "0x10",
	        "1e3",
	        "abc",
	        "1K1",
	        "9223372036854775808",   /* LLONG_MAX + 1 */
	        "99999999999999999999K", /* overflows strtoll */
	        "8589934592G",           /* overflows the shift */
	        "8796093022208M",        /* 2^43 MiB = 2^63 */
	        "9007199254740992K",     /* 2^53 KiB = 2^63 */
	};
	for (size_t i = 0; i < N(bad); i++) {
		long long v = -7;
		if (config_parse_size(bad[i], &v) == 0)
			fail_msg("accepted \"%s\" as %lld", bad[i], v);
		assert_int_equal(v, -7);
	}
}

/* ---- config_origin_allowed -------------------------------------------------- */

static int allowed(const char *list, const char *origin)
{
	return config_origin_allowed(list, origin, strlen(origin));
}

static void test_origin_allowed(void **state)
{
	(void)state;
	assert_int_equal(allowed("https://a.cn", "https://a.cn"), 1);
	assert_int_equal(allowed("https://a.cn,https://b.cn", "https://b.cn"), 1);
	assert_int_equal(allowed("https://a.cn, https://b.cn", "https://b.cn"), 1);
	assert_int_equal(allowed("  https://a.cn  ,  https://b.cn  ", "https://a.cn"), 1);
	assert_int_equal(allowed("  https://a.cn  ,  https://b.cn  ", "https://b.cn"), 1);
	assert_int_equal(allowed("http://localhost:5173", "http://localhost:5173"), 1);
	assert_int_equal(allowed("*", "https://anything.example"), 1);
	assert_int_equal(allowed("https://a.cn, *", "http://other"), 1);

	/* Exact match only: prefixes, suffixes, schemes, ports and case differ. */
	assert_int_equal(allowed("https://a.cn", "https://a.cn.evil.com"), 0);
	assert_int_equal(allowed("https://a.cn.evil.com", "https://a.cn"), 0);
	assert_int_equal(allowed("https://a.cn", "https://a.c"), 0);
	assert_int_equal(allowed("https://a.cn", "http://a.cn"), 0);
	assert_int_equal(allowed("https://a.cn", "https://a.cn:443"), 0);
	assert_int_equal(allowed("https://a.cn", "https://A.CN"), 0);
	assert_int_equal(allowed("https://a.cn", "https://a.cn/"), 0);
	assert_int_equal(allowed("https://a.cn, https://b.cn", "https://a.cn, https://b.cn"), 0);
	assert_int_equal(allowed("https://a.cn,https://b.cn", "https://a.cn,https://b.cn"), 0);
	assert_int_equal(allowed("https://xa.cn", "https://a.cn"), 0);
	assert_int_equal(allowed("https://evil.com*", "https://evil.com"), 0);
	assert_int_equal(allowed("**", "https://a.cn"), 0);

	/* Empty lists and origins. */
	assert_int_equal(allowed("", "https://a.cn"), 0);
	assert_int_equal(allowed(" , ", "https://a.cn"), 0);
	assert_int_equal(allowed("https://a.cn", ""), 0);
	assert_int_equal(allowed("https://a.cn,,", ""), 0);
	assert_int_equal(allowed(" ", ""), 0);
	assert_int_equal(config_origin_allowed(NULL, "https://a.cn", 12), 0);

	/* origin_len bounds the origin: it need not be NUL-terminated. */
	const char hdr[] = "https://a.cnXYZ";
	assert_int_equal(config_origin_allowed("https://a.cn", hdr, 12), 1);
	assert_int_equal(config_origin_allowed("https://a.cn", hdr, 13), 0);
	assert_int_equal(config_origin_allowed("https://a.cn", hdr, 11), 0);
}

/* ---- config_ip_in_list ---------------------------------------------------- */

static void test_ip_in_list(void **state)
{
	(void)state;
	/* CIDR */
	assert_int_equal(config_ip_in_list("10.0.0.0/8", "10.1.2.3"), 1);
	assert_int_equal(config_ip_in_list("10.0.0.0/8", "10.0.0.0"), 1);
	assert_int_equal(config_ip_in_list("10.0.0.0/8", "10.255.255.255"), 1);
	assert_int_equal(config_ip_in_list("10.0.0.0/8", "11.0.0.1"), 0);
	assert_int_equal(config_ip_in_list("10.0.0.0/8", "9.255.255.255"), 0);
	assert_int_equal(config_ip_in_list("192.168.1.0/24", "192.168.1.77"), 1);
	assert_int_equal(config_ip_in_list("192.168.1.0/24", "192.168.2.77"), 0);
	assert_int_equal(config_ip_in_list("172.16.0.0/12", "172.31.255.1"), 1);
	assert_int_equal(config_ip_in_list("172.16.0.0/12", "172.32.0.1"), 0);
	assert_int_equal(config_ip_in_list("128.0.0.0/1", "200.1.1.1"), 1);
	assert_int_equal(config_ip_in_list("128.0.0.0/1", "127.255.255.255"), 0);
	/* host bits in the network part are ignored: 10.1.2.3/8 is 10.0.0.0/8 */
	assert_int_equal(config_ip_in_list("10.1.2.3/8", "10.200.0.1"), 1);
	assert_int_equal(config_ip_in_list("10.1.2.3/8", "11.1.2.3"), 0);

	/* exact addresses, and /32 */
	assert_int_equal(config_ip_in_list("127.0.0.1", "127.0.0.1"), 1);
	assert_int_equal(config_ip_in_list("127.0.0.1", "127.0.0.2"), 0);
	assert_int_equal(config_ip_in_list("127.0.0.1", "127.0.0.10"), 0);
	assert_int_equal(config_ip_in_list("192.168.1.5/32", "192.168.1.5"), 1);
	assert_int_equal(config_ip_in_list("192.168.1.5/32", "192.168.1.4"), 0);
	assert_int_equal(config_ip_in_list("192.168.1.5/32", "192.168.1.6"), 0);
	assert_int_equal(config_ip_in_list("192.168.1.4/31", "192.168.1.5"), 1);
	assert_int_equal(config_ip_in_list("192.168.1.4/31", "192.168.1.6"), 0);

	/* /0 contains everything */
	assert_int_equal(config_ip_in_list("0.0.0.0/0", "8.8.8.8"), 1);
	assert_int_equal(config_ip_in_list("0.0.0.0/0", "0.0.0.0"), 1);
	assert_int_equal(config_ip_in_list("0.0.0.0/0", "255.255.255.255"), 1);
	assert_int_equal(config_ip_in_list("1.2.3.4/0", "200.0.0.1"), 1);

	/* lists, with and without spaces; any item may match */
	assert_int_equal(config_ip_in_list("10.0.0.0/8,127.0.0.1", "127.0.0.1"), 1);
	assert_int_equal(config_ip_in_list("10.0.0.0/8,127.0.0.1", "10.9.9.9"), 1);
	assert_int_equal(config_ip_in_list("10.0.0.0/8,127.0.0.1", "127.0.0.2"), 0);
	assert_int_equal(config_ip_in_list(" 10.0.0.0/8 , 192.168.0.0/16 ", "192.168.3.4"), 1);
	assert_int_equal(config_ip_in_list(" 10.0.0.0/8 , 192.168.0.0/16 ", "10.3.4.5"), 1);
	assert_int_equal(config_ip_in_list(" 10.0.0.0/8 , 192.168.0.0/16 ", "172.16.0.1"), 0);
	assert_int_equal(config_ip_in_list("1.1.1.1, 2.2.2.2, 3.3.3.3", "3.3.3.3"), 1);

	/* an invalid address is never in a list, not even in 0.0.0.0/0 */
	static const char *const bad_addr[] = {
	        "",    "10.1.2",   "10.1.2.3.4", "10.1.2.256", "abc",       " 10.1.2.3",  "10.1.2.3 ",  "10.1.2.3/8",
	        "::1", "-1.0.0.0", "10..2.3",    "10.1.2.",    ".10.1.2.3", "1000.1.2.3", "0x0a.1.2.3", "10.1.2.3:80",
	};
	for (size_t i = 0; i < N(bad_addr); i++) {
		if (config_ip_in_list("0.0.0.0/0", bad_addr[i]) != 0)
			fail_msg("invalid address \"%s\" is in 0.0.0.0/0", bad_addr[i]);
		if (config_ip_in_list("10.0.0.0/8,127.0.0.1", bad_addr[i]) != 0)
			fail_msg("invalid address \"%s\" is in the list", bad_addr[i]);
	}

	/* empty lists contain nothing; invalid items match nothing */
	assert_int_equal(config_ip_in_list("", "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list(NULL, "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list(" ", "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list(" , ", "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list("abc", "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list("10.0.0.0/33", "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list("10.0.0.0/", "10.1.2.3"), 0);
	assert_int_equal(config_ip_in_list("10.1.2", "10.1.2.0"), 0);
}

/* ---- the auth settings -------------------------------------------------------- */

static void test_auth_settings_defaults(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, NULL), 0);
	assert_non_null(cfg.jwt_key_file);
	assert_string_equal(cfg.jwt_key_file, "");
	assert_int_equal(cfg.access_ttl_s, 900);
	assert_non_null(cfg.trusted_proxies);
	assert_string_equal(cfg.trusted_proxies, "");
	assert_int_equal(cfg.hash_concurrency, 2);
	config_release(&cfg);
	assert_null(cfg.jwt_key_file);
	assert_null(cfg.trusted_proxies);

	/* Every command gets the complete struct. */
	assert_int_equal(load(&cfg, CONFIG_CMD_ADMIN, err, sizeof err, NULL), 0);
	assert_string_equal(cfg.jwt_key_file, "");
	assert_int_equal(cfg.access_ttl_s, 900);
	assert_string_equal(cfg.trusted_proxies, "");
	assert_int_equal(cfg.hash_concurrency, 2);
	assert_string_equal(cfg.data_dir, "./data");
	config_release(&cfg);
}

static void test_auth_settings_set(void **state)
{
	(void)state;
	static const struct env_var env[] = {
	        {"INSPECTD_JWT_KEY_FILE", "/etc/inspectd/jwt.key"},
	        {"INSPECTD_ACCESS_TTL_S", "3600"},
	        {"INSPECTD_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"},
	        {"INSPECTD_HASH_CONCURRENCY", "4"},
	};
	set_env(env, N(env));
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, NULL), 0);
	assert_string_equal(cfg.jwt_key_file, "/etc/inspectd/jwt.key");
	assert_int_equal(cfg.access_ttl_s, 3600);
	assert_string_equal(cfg.trusted_proxies, "10.0.0.0/8, 127.0.0.1");
	assert_int_equal(cfg.hash_concurrency, 4);
	config_release(&cfg);

	/* flags beat the environment */
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--jwt-key-file", "/k", "--access-ttl-s=60",
	                      "--trusted-proxies", "0.0.0.0/0", "--hash-concurrency=1", NULL),
	                 0);
	assert_string_equal(cfg.jwt_key_file, "/k");
	assert_int_equal(cfg.access_ttl_s, 60);
	assert_string_equal(cfg.trusted_proxies, "0.0.0.0/0");
	assert_int_equal(cfg.hash_concurrency, 1);
	config_release(&cfg);
}

static void test_trusted_proxies_values(void **state)
{
	(void)state;
	static const char *const good[] = {
	        "",
	        "127.0.0.1",
	        "10.0.0.0/8",
	        "10.0.0.0/8,127.0.0.1",
	        " 10.0.0.0/8 , 192.168.1.1/32 ",
	        "0.0.0.0/0",
	        "255.255.255.255/32",
	        "172.16.0.0/12,192.168.0.0/16,10.0.0.0/8",
	};
	for (size_t i = 0; i < N(good); i++) {
		char *argv[] = {"--trusted-proxies", (char *)good[i]};
		struct config cfg;
		char err[256] = "";
		if (config_load(&cfg, CONFIG_CMD_SERVE, fake_getenv, 2, argv, err, sizeof err) != 0)
			fail_msg("trusted-proxies \"%s\" rejected: %s", good[i], err);
		assert_string_equal(cfg.trusted_proxies, good[i]);
		config_release(&cfg);
	}
	static const char *const bad[] = {
	        "10.0.0.0/33",
	        "1.2.3",
	        "abc",
	        "10.0.0.0/",
	        "10.0.0.0/-1",
	        "10.0.0.0/8/8",
	        "10.0.0.0/ 8",
	        "/8",
	        "256.0.0.0/8",
	        "1.2.3.4.5",
	        "::1",
	        "10.0.0.0/8,,1.2.3.4",
	        "10.0.0.0/8;1.2.3.4",
	        "10.0.0.0/8 1.2.3.4",
	        "localhost",
	        "10.0.0.0/100",
	        "1.2.3.4/a",
	};
	for (size_t i = 0; i < N(bad); i++)
		expect_bad_value("trusted-proxies", "INSPECTD_TRUSTED_PROXIES", bad[i]);
}

static void test_auth_settings_bounds(void **state)
{
	(void)state;
	expect_bad_value("access-ttl-s", "INSPECTD_ACCESS_TTL_S", "59");
	expect_bad_value("access-ttl-s", "INSPECTD_ACCESS_TTL_S", "86401");
	expect_bad_value("access-ttl-s", "INSPECTD_ACCESS_TTL_S", "0");
	expect_bad_value("access-ttl-s", "INSPECTD_ACCESS_TTL_S", "-900");
	expect_bad_value("access-ttl-s", "INSPECTD_ACCESS_TTL_S", "15m");
	expect_bad_value("access-ttl-s", "INSPECTD_ACCESS_TTL_S", "");
	expect_bad_value("hash-concurrency", "INSPECTD_HASH_CONCURRENCY", "0");
	expect_bad_value("hash-concurrency", "INSPECTD_HASH_CONCURRENCY", "65");
	expect_bad_value("hash-concurrency", "INSPECTD_HASH_CONCURRENCY", "-1");
	expect_bad_value("hash-concurrency", "INSPECTD_HASH_CONCURRENCY", "two");

	struct config cfg;
	char err[256];
	assert_int_equal(
	        load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--access-ttl-s=60", "--hash-concurrency=1", NULL), 0);
	assert_int_equal(cfg.access_ttl_s, 60);
	assert_int_equal(cfg.hash_concurrency, 1);
	config_release(&cfg);
	assert_int_equal(
	        load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--access-ttl-s=86400", "--hash-concurrency=64", NULL),
	        0);
	assert_int_equal(cfg.access_ttl_s, 86400);
	assert_int_equal(cfg.hash_concurrency, 64);
	config_release(&cfg);

	/* The error states the range. */
	char *argv[] = {"--access-ttl-s", "59", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, argv, "60", "86400");
}

static void test_photo_settings(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, NULL), 0);
	assert_string_equal(cfg.time_zone, "Asia/Shanghai");
	assert_int_equal(cfg.image_concurrency, 2);
	assert_int_equal(cfg.upload_expiry_s, 86400);
	assert_int_equal(cfg.upload_sweep_s, 600);
	assert_int_equal(cfg.max_uploads_per_user, 20);
	config_release(&cfg);
	assert_int_equal(load(&cfg, CONFIG_CMD_SERVE, err, sizeof err, "--time-zone=Europe/Berlin",
	                      "--image-concurrency=64", "--upload-expiry-s=1", "--upload-sweep-s=86400",
	                      "--max-uploads-per-user=1000", NULL),
	                 0);
	assert_string_equal(cfg.time_zone, "Europe/Berlin");
	assert_int_equal(cfg.image_concurrency, 64);
	assert_int_equal(cfg.upload_expiry_s, 1);
	assert_int_equal(cfg.upload_sweep_s, 86400);
	assert_int_equal(cfg.max_uploads_per_user, 1000);
	config_release(&cfg);

	/* time zones: known tzdata names only, never a path out of zoneinfo */
	expect_bad_value("time-zone", "INSPECTD_TIME_ZONE", "Mars/Olympus_Mons");
	expect_bad_value("time-zone", "INSPECTD_TIME_ZONE", "");
	expect_bad_value("time-zone", "INSPECTD_TIME_ZONE", "/etc/passwd");
	expect_bad_value("time-zone", "INSPECTD_TIME_ZONE", "../../../etc/passwd");
	expect_bad_value("time-zone", "INSPECTD_TIME_ZONE", "Asia");           /* a directory */
	expect_bad_value("time-zone", "INSPECTD_TIME_ZONE", "Asia/Shanghai "); /* stray space */
	assert_true(config_time_zone_known("UTC"));
	assert_false(config_time_zone_known("Asia/../Asia/Shanghai"));

	expect_bad_value("image-concurrency", "INSPECTD_IMAGE_CONCURRENCY", "0");
	expect_bad_value("image-concurrency", "INSPECTD_IMAGE_CONCURRENCY", "65");
	expect_bad_value("upload-expiry-s", "INSPECTD_UPLOAD_EXPIRY_S", "0");
	expect_bad_value("upload-expiry-s", "INSPECTD_UPLOAD_EXPIRY_S", "604801");
	expect_bad_value("upload-sweep-s", "INSPECTD_UPLOAD_SWEEP_S", "0");
	expect_bad_value("max-uploads-per-user", "INSPECTD_MAX_UPLOADS_PER_USER", "0");
	expect_bad_value("max-uploads-per-user", "INSPECTD_MAX_UPLOADS_PER_USER", "1001");
	char *argv[] = {"--time-zone", "Nowhere/Town", NULL};
	expect_fail_argv(CONFIG_CMD_SERVE, argv, "time-zone", "IANA");
}

static void test_admin_command(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load(&cfg, CONFIG_CMD_ADMIN, err, sizeof err, "--data", "/srv/x", "--log-level=warn", NULL),
	                 0);
	assert_string_equal(cfg.data_dir, "/srv/x");
	assert_int_equal(cfg.log_level, LOG_WARN);
	config_release(&cfg);

	/* bad values of its own settings are still errors */
	char *a0[] = {"--log-level", "loud", NULL};
	expect_fail_argv(CONFIG_CMD_ADMIN, a0, "log-level", "invalid value");
	char *a00[] = {"--data=", NULL};
	expect_fail_argv(CONFIG_CMD_ADMIN, a00, "data", "invalid value");

	/* serve settings are not admin options */
	char *a1[] = {"--listen", "1.2.3.4:80", NULL};
	expect_fail_argv(CONFIG_CMD_ADMIN, a1, "unknown option", "--listen");
	char *a2[] = {"--threads=4", NULL};
	expect_fail_argv(CONFIG_CMD_ADMIN, a2, "unknown option", "--threads");
	char *a3[] = {"--metrics", "off", NULL};
	expect_fail_argv(CONFIG_CMD_ADMIN, a3, "unknown option", "--metrics");

	/* ... and their environment variables are ignored, even invalid ones */
	static const struct env_var env[] = {
	        {"INSPECTD_LISTEN", "not an address"}, {"INSPECTD_TRUSTED_PROXIES", "nonsense"},
	        {"INSPECTD_ACCESS_TTL_S", "1"},        {"INSPECTD_DATA", "/env/admin"},
	        {"INSPECTD_LOG_LEVEL", "error"},
	};
	set_env(env, N(env));
	assert_int_equal(load(&cfg, CONFIG_CMD_ADMIN, err, sizeof err, NULL), 0);
	assert_string_equal(cfg.data_dir, "/env/admin");
	assert_int_equal(cfg.log_level, LOG_ERROR);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.trusted_proxies, "");
	assert_int_equal(cfg.access_ttl_s, 900);
	config_release(&cfg);
	set_env(NULL, 0);

	/* help for admin lists its settings only */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_help(f, CONFIG_CMD_ADMIN);
	fclose(f);
	assert_non_null(strstr(text, "--data"));
	assert_non_null(strstr(text, "--log-level"));
	assert_null(strstr(text, "--listen"));
	assert_null(strstr(text, "--trusted-proxies"));
	free(text);

	/* and serve's help shows the new settings */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print_help(f, CONFIG_CMD_SERVE);
	fclose(f);
	assert_non_null(strstr(text, "--jwt-key-file"));
	assert_non_null(strstr(text, "INSPECTD_ACCESS_TTL_S"));
	assert_non_null(strstr(text, "--trusted-proxies"));
	assert_non_null(strstr(text, "--hash-concurrency"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_defaults, reset_env),
	        cmocka_unit_test_setup(test_env_overrides_defaults, reset_env),
	        cmocka_unit_test_setup(test_env_of_other_command_ignored, reset_env),
	        cmocka_unit_test_setup(test_flags_override_env, reset_env),
	        cmocka_unit_test_setup(test_flag_spellings, reset_env),
	        cmocka_unit_test_setup(test_migrate_accepts_its_settings, reset_env),
	        cmocka_unit_test_setup(test_bad_values_name_the_setting, reset_env),
	        cmocka_unit_test_setup(test_range_limits_accepted, reset_env),
	        cmocka_unit_test_setup(test_unknown_and_malformed_options, reset_env),
	        cmocka_unit_test_setup(test_missing_value, reset_env),
	        cmocka_unit_test_setup(test_error_buffer_small, reset_env),
	        cmocka_unit_test_setup(test_release_twice_is_safe, reset_env),
	        cmocka_unit_test_setup(test_print_help, reset_env),
	        cmocka_unit_test(test_parse_listen_good),
	        cmocka_unit_test(test_parse_listen_bad),
	        cmocka_unit_test(test_parse_size_units),
	        cmocka_unit_test(test_parse_size_bad),
	        cmocka_unit_test(test_origin_allowed),
	        cmocka_unit_test(test_ip_in_list),
	        cmocka_unit_test_setup(test_auth_settings_defaults, reset_env),
	        cmocka_unit_test_setup(test_auth_settings_set, reset_env),
	        cmocka_unit_test_setup(test_trusted_proxies_values, reset_env),
	        cmocka_unit_test_setup(test_auth_settings_bounds, reset_env),
	        cmocka_unit_test_setup(test_photo_settings, reset_env),
	        cmocka_unit_test_setup(test_admin_command, reset_env),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
