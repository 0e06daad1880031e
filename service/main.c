/*
 * inspectd: the command line.
 *
 *   inspectd serve     [settings]   run the HTTP service
 *   inspectd migrate   [settings]   apply database migrations and exit
 *   inspectd version                print the version
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#include <civetweb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cli.h"
#include "backup.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "config.h"
#include "db.h"
#include "http/server.h"

enum { EXIT_USAGE = 2 };

static void usage(FILE *out)
{
	fprintf(out, "usage: inspectd <command> [options]\n\n"
	             "Commands:\n"
	             "  serve                 run the HTTP service (migrates the database first)\n"
	             "  migrate               apply pending database migrations and exit\n"
	             "  org import FILE.csv   import organizations (all or nothing)\n"
	             "  user add ...          create an account (password on standard input)\n"
	             "  user reset-password   set an account's password (on standard input)\n"
	             "  seed-demo             demo organizations and accounts (make run)\n"
	             "  backup DEST           copy the database, photos and keys while the service runs\n"
	             "  restore SRC           put a backup back into the data directory (service stopped)\n"
	             "  version               print the version and exit\n\n"
	             "Run \"inspectd <command> --help\" for a command's options.\n");
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static int load_or_exit(struct config *cfg, enum config_cmd cmd, int argc, char **argv)
{
	char err[512];
	if (config_load(cfg, cmd, env_lookup, argc, argv, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		config_release(cfg);
		return -1;
	}
	log_set_level((enum log_level)cfg->log_level);
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("usage: inspectd serve [options]\n\n"
		       "Serves the API until SIGINT or SIGTERM, then finishes in-flight requests\n"
		       "and exits 0. Settings come from defaults, then INSPECTD_* variables, then flags.\n\n");
		config_print_help(stdout, CONFIG_CMD_SERVE);
		return 0;
	}
	struct config cfg;
	if (load_or_exit(&cfg, CONFIG_CMD_SERVE, argc, argv) != 0)
		return EXIT_USAGE;
	mg_init_library(0);
	int rc = server_run(&cfg);
	mg_exit_library();
	config_release(&cfg);
	return rc;
}

static int cmd_migrate(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("usage: inspectd migrate [options]\n\n"
		       "Applies pending database migrations (each in its own transaction) and exits.\n"
		       "A database newer than this binary is refused.\n\n");
		config_print_help(stdout, CONFIG_CMD_MIGRATE);
		return 0;
	}
	struct config cfg;
	if (load_or_exit(&cfg, CONFIG_CMD_MIGRATE, argc, argv) != 0)
		return EXIT_USAGE;
	int rc = 0;
	char err[512];
	if (mkdir_p(cfg.data_dir) != 0) {
		fprintf(stderr, "inspectd: cannot create data directory %s: %s\n", cfg.data_dir, strerror(errno));
		rc = 1;
	} else {
		size_t plen = strlen(cfg.data_dir) + sizeof "/inspectd.db";
		char *path = xmalloc(plen);
		snprintf(path, plen, "%s/inspectd.db", cfg.data_dir);
		if (server_migrate(path, err, sizeof err) != 0) {
			fprintf(stderr, "inspectd: %s\n", err);
			rc = 1;
		}
		free(path);
	}
	config_release(&cfg);
	return rc;
}

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 0 && wants_help(argc, argv)) {
		printf("usage: inspectd version\n\nPrints the version, the schema version it knows and library "
		       "versions.\n");
		return 0;
	}
	if (argc > 0) {
		fprintf(stderr, "inspectd: version takes no arguments\n");
		return EXIT_USAGE;
	}
	printf("inspectd %s (schema %d, civetweb %s, sqlite %s)\n", INSPECTD_VERSION, db_latest_version(), mg_version(),
	       sqlite3_libversion());
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0)
		return cmd_version(0, NULL);
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} commands[] = {{"serve", cmd_serve},   {"migrate", cmd_migrate}, {"version", cmd_version},
	                {"org", cli_org},       {"user", cli_user},       {"seed-demo", cli_seed_demo},
	                {"backup", cli_backup}, {"restore", cli_restore}};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "inspectd: unknown command \"%s\"\n\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
