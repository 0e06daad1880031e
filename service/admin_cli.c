#include "admin_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "blob_store.h"
#include "inspections.h"
#include "rounds.h"
#include "bootstrap.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "config.h"
#include "crypto.h"
#include "csv.h"
#include "db.h"
#include "http/server.h"
#include "org_store.h"
#include "orgs.h"
#include "photo_store.h"
#include "rect_store.h"
#include "password.h"
#include "random.h"
#include "session_store.h"
#include "user_store.h"
#include "users.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2, IMPORT_MAX_BYTES = 16 << 20 };

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* Loads settings from the remaining arguments and opens the migrated database. */
static struct db *open_db(int argc, char **argv, int *rc)
{
	struct config cfg;
	char err[512];
	if (config_load(&cfg, CONFIG_CMD_ADMIN, env_lookup, argc, argv, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
		config_release(&cfg);
		*rc = EXIT_USAGE;
		return NULL;
	}
	log_set_level((enum log_level)cfg.log_level);
	*rc = EXIT_FAIL;
	struct db *db = NULL;
	char path[4096];
	snprintf(path, sizeof path, "%s/inspectd.db", cfg.data_dir);
	if (mkdir_p(cfg.data_dir) != 0)
		fprintf(stderr, "inspectd: cannot create data directory %s: %s\n", cfg.data_dir, strerror(errno));
	else if (server_migrate(path, err, sizeof err) != 0 || !(db = db_open(path, err, sizeof err)))
		fprintf(stderr, "inspectd: %s\n", err);
	config_release(&cfg);
	if (db && (crypto_init() != 0 || password_init(1) != 0)) {
		fprintf(stderr, "inspectd: cannot initialise cryptography\n");
		db_close(db);
		db = NULL;
	}
	return db;
}

static int utf8_ok(const char *s)
{
	json_t *probe = json_string(s);
	int ok = probe != NULL;
	json_decref(probe);
	return ok;
}

/* ---- org import -------------------------------------------------------------- */

enum { COL_CODE, COL_NAME, COL_LEVEL, COL_PARENT, COL_CATEGORY, NCOLS, COL_LAT = NCOLS, COL_LNG, COL_RADIUS, NALL };
/* The first NCOLS are required; lat, lng and radius_m may be there. */
static const char *const columns[NALL] = {"code", "name", "level", "parent_code", "category", "lat", "lng", "radius_m"};

/* A number cell: 0 with *out, 1 when empty, -1 when not a number in [min, max]. */
static int number_cell(const char *s, double min, double max, double *out)
{
	if (!*s)
		return 1;
	char *end;
	*out = strtod(s, &end);
	return *end || *out != *out || *out < min || *out > max ? -1 : 0;
}

struct pending {
	struct org o;
	const char *parent_code;
	int line;
};

__attribute__((format(printf, 4, 5))) static void line_error(FILE *errs, int *errors, int line, const char *fmt,
                                                          ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(errs, "line %d: ", line);
	vfprintf(errs, fmt, ap);
	fputc('\n', errs);
	va_end(ap);
	(*errors)++;
}

static int valid_enum(const char *const *values, const char *s)
{
	for (; *values; values++)
		if (strcmp(*values, s) == 0)
			return 1;
	return 0;
}

static struct pending *find_pending(struct pending *p, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].o.code, code) == 0)
			return &p[i];
	return NULL;
}

/* Checks every row (reporting each bad line) and resolves parents. */
static int check_rows(FILE *errs, struct db *db, const struct csv *c, const int *col, struct pending *p,
                      size_t *np)
{
	int errors = 0;
	size_t ncols_file = c->rows[0].n;
	for (size_t r = 1; r < c->n; r++) {
		const struct csv_row *row = &c->rows[r];
		int before = errors;
		if (row->n != ncols_file) {
			line_error(errs, &errors, row->line, "expected %zu columns as in the header, found %zu", ncols_file,
			           row->n);
			continue;
		}
		const char *code = row->fields[col[COL_CODE]], *name = row->fields[col[COL_NAME]];
		const char *level = row->fields[col[COL_LEVEL]], *parent = row->fields[col[COL_PARENT]];
		const char *category = row->fields[col[COL_CATEGORY]];
		const char *lat_s = col[COL_LAT] >= 0 ? row->fields[col[COL_LAT]] : "";
		const char *lng_s = col[COL_LNG] >= 0 ? row->fields[col[COL_LNG]] : "";
		const char *radius_s = col[COL_RADIUS] >= 0 ? row->fields[col[COL_RADIUS]] : "";
		for (size_t i = 0; i < row->n; i++)
			if (!utf8_ok(row->fields[i]))
				line_error(errs, &errors, row->line, "%s", "not valid UTF-8 text");
		if (errors != before)
			continue;
		struct org existing;
		if (!is_code_chars(code) || strlen(code) > 64)
			line_error(errs, &errors, row->line, "bad code \"%s\" (1-64 of A-Z a-z 0-9 . _ -)", code);
		else if (find_pending(p, *np, code))
			line_error(errs, &errors, row->line, "code \"%s\" appears twice in the file", code);
		else if (org_store_get_by_code(db, code, &existing) == STORE_OK)
			line_error(errs, &errors, row->line, "code \"%s\" already exists in the database", code);
		if (!text_is_valid(name, 1, 100))
			line_error(errs, &errors, row->line, "%s",
			           "name must have 1 to 100 characters, without control characters");
		if (!valid_enum(org_levels, level))
			line_error(errs, &errors, row->line, "bad level \"%s\" (city, town, village or group)", level);
		if (*category && !valid_enum(org_categories, category))
			line_error(errs, &errors, row->line,
			           "bad category \"%s\" (pilot, consolidate, breakthrough or empty)", category);
		double lat = 0, lng = 0, radius = 0;
		int lat_rc = number_cell(lat_s, -90, 90, &lat), lng_rc = number_cell(lng_s, -180, 180, &lng);
		int radius_rc = number_cell(radius_s, 50, 50000, &radius);
		if (radius_rc == 0 && radius != (double)(long)radius)
			radius_rc = -1; /* whole metres */
		if (lat_rc < 0 || lng_rc < 0 || lat_rc != lng_rc)
			line_error(errs, &errors, row->line, "%s",
			           "lat and lng must both be numbers (-90..90, -180..180) or both empty");
		if (radius_rc < 0 || (radius_rc == 0 && lat_rc != 0))
			line_error(errs, &errors, row->line, "%s",
			           "radius_m must be 50..50000 metres, and only with lat and lng");
		if (strcmp(level, "city") == 0 && *parent)
			line_error(errs, &errors, row->line, "%s", "a city has no parent_code");
		if (strcmp(level, "city") != 0 && valid_enum(org_levels, level)) {
			struct pending *pp = *parent ? find_pending(p, *np, parent) : NULL;
			const char *parent_level = NULL;
			if (pp)
				parent_level = pp->o.level;
			else if (*parent && org_store_get_by_code(db, parent, &existing) == STORE_OK)
				parent_level = existing.level;
			if (!*parent)
				line_error(errs, &errors, row->line, "%s", "parent_code is required below city level");
			else if (!parent_level)
				line_error(errs, &errors, row->line,
				           "unknown parent_code \"%s\" (not in the database or earlier in the file)",
				           parent);
			else if (!org_level_child(parent_level) || strcmp(org_level_child(parent_level), level) != 0)
				line_error(errs, &errors, row->line, "level \"%s\" is not one below its parent's", level);
		}
		if (errors != before)
			continue;
		struct pending *n = &p[(*np)++];
		memset(n, 0, sizeof *n);
		rand_uuid(n->o.id);
		snprintf(n->o.code, sizeof n->o.code, "%s", code);
		snprintf(n->o.name, sizeof n->o.name, "%s", name);
		snprintf(n->o.level, sizeof n->o.level, "%s", level);
		snprintf(n->o.category, sizeof n->o.category, "%s", category);
		snprintf(n->o.status, sizeof n->o.status, "normal");
		if (lat_rc == 0) {
			n->o.has_location = 1;
			n->o.lat = lat;
			n->o.lng = lng;
			n->o.radius_m = radius_rc == 0                                             ? (int)radius
			                : strcmp(level, "town") == 0 || strcmp(level, "city") == 0 ? 5000
			                                                                           : 2000;
		}
		n->parent_code = parent;
		n->line = row->line;
	}
	return errors;
}

static int import_rows(FILE *errs, struct db *db, struct pending *p, size_t n)
{
	if (db_begin(db) != STORE_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct org parent;
		const char *parent_path = NULL;
		if (*p[i].parent_code) {
			if (org_store_get_by_code(db, p[i].parent_code, &parent) != STORE_OK)
				goto fail;
			snprintf(p[i].o.parent_id, sizeof p[i].o.parent_id, "%s", parent.id);
			parent_path = parent.path;
		}
		if (org_store_create(db, &p[i].o, parent_path) != STORE_OK) {
			fprintf(errs, "line %d: cannot be stored\n", p[i].line);
			goto fail;
		}
	}
	return db_commit(db) == STORE_OK ? 0 : -1;
fail:
	db_rollback(db);
	return -1;
}

int org_import_csv(const char *name, const char *data, size_t len, FILE *out, FILE *errs,
                   struct db *(*open_fn)(void *arg, int *rc), void *arg)
{
	int rc = EXIT_FAIL;
	struct csv c;
	char err[256];
	if (csv_parse(data, len, &c, err, sizeof err) != 0) {
		fprintf(errs, "%s\n", err);
		return EXIT_FAIL;
	}
	int col[NALL];
	int header_ok = c.n > 0;
	for (int k = 0; k < NALL && header_ok; k++) {
		col[k] = -1;
		for (size_t i = 0; i < c.rows[0].n; i++) {
			/* exact names (case and surrounding spaces aside), each once */
			const char *s = c.rows[0].fields[i] + strspn(c.rows[0].fields[i], " ");
			size_t slen = strlen(s);
			while (slen && s[slen - 1] == ' ')
				slen--;
			if (slen != strlen(columns[k]) || strncasecmp(s, columns[k], slen) != 0)
				continue;
			if (col[k] >= 0) {
				fprintf(errs, "line 1: column \"%s\" appears twice in the header\n", columns[k]);
				header_ok = 0;
			}
			col[k] = (int)i;
		}
		if (col[k] < 0 && k < NCOLS) {
			fprintf(errs,
			        "line 1: the header lacks column \"%s\" (need code,name,level,parent_code,category)\n",
			        columns[k]);
			header_ok = 0;
		}
	}
	if (!header_ok) {
		if (c.n == 0)
			fprintf(errs, "inspectd: %s is empty\n", name);
		csv_release(&c);
		return EXIT_FAIL;
	}
	struct db *db = open_fn(arg, &rc);
	if (!db) {
		csv_release(&c);
		return rc;
	}
	struct pending *p = xcalloc(c.n, sizeof *p);
	size_t np = 0;
	int errors = check_rows(errs, db, &c, col, p, &np);
	if (errors) {
		fprintf(errs, "inspectd: %d problem%s in %s: nothing imported\n", errors, errors == 1 ? "" : "s",
		        name);
		rc = EXIT_FAIL;
	} else if (import_rows(errs, db, p, np) != 0) {
		fprintf(errs, "inspectd: the import failed: nothing imported\n");
		rc = EXIT_FAIL;
	} else {
		fprintf(out, "imported %zu organizations\n", np);
		rc = 0;
	}
	free(p);
	csv_release(&c);
	return rc;
}

struct import_args {
	int argc;
	char **argv;
	struct db *db;
};

static struct db *import_open(void *arg, int *rc)
{
	struct import_args *a = arg;
	a->db = open_db(a->argc, a->argv, rc);
	return a->db;
}

static int org_import(const char *file, int argc, char **argv)
{
	struct buf data = BUF_INIT;
	FILE *f = fopen(file, "rb");
	if (!f) {
		fprintf(stderr, "inspectd: cannot open %s: %s\n", file, strerror(errno));
		return EXIT_FAIL;
	}
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && data.len <= IMPORT_MAX_BYTES)
		buf_add(&data, chunk, got);
	int read_failed = ferror(f);
	fclose(f);
	if (read_failed || data.len > IMPORT_MAX_BYTES) {
		fprintf(stderr, "inspectd: %s: %s\n", file, read_failed ? "read error" : "larger than 16 MiB");
		buf_release(&data);
		return EXIT_FAIL;
	}
	struct import_args a = {argc, argv, NULL};
	int rc = org_import_csv(file, buf_cstr(&data), data.len, stdout, stderr, import_open, &a);
	buf_release(&data);
	if (a.db) {
		password_shutdown();
		db_close(a.db);
	}
	return rc;
}

int cli_org(int argc, char **argv)
{
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
	                  (argc >= 2 && strcmp(argv[0], "import") == 0 && strcmp(argv[1], "--help") == 0))) {
		printf("usage: inspectd org import FILE.csv [--data DIR]\n\n"
		       "Imports organizations from a CSV file with the header columns\n"
		       "code,name,level,parent_code,category (UTF-8, with or without BOM), and optionally\n"
		       "lat,lng (the organization's location) and radius_m (metres; default 2000 for\n"
		       "villages, 5000 for towns).\n"
		       "A parent must be in the database or earlier in the file. All or nothing:\n"
		       "any bad line imports nothing, and every bad line is reported.\n");
		return 0;
	}
	if (argc < 2 || strcmp(argv[0], "import") != 0 || strncmp(argv[1], "--", 2) == 0) {
		fprintf(stderr, "usage: inspectd org import FILE.csv [--data DIR]\n");
		return EXIT_USAGE;
	}
	return org_import(argv[1], argc - 2, argv + 2);
}

/* ---- user add / reset-password ------------------------------------------------------- */

static int read_password_stdin(char *out, size_t outlen)
{
	if (!fgets(out, (int)outlen, stdin))
		return -1;
	size_t n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == outlen - 1)
		return -1; /* longer than the buffer */
	out[n] = '\0';
	return 0;
}

struct user_args {
	const char *username, *role, *org, *display_name, *phone;
	int password_stdin;
	int rest_argc;
	char **rest;
};

/* Splits the command's own flags from the settings flags. */
static int parse_user_args(int argc, char **argv, struct user_args *a)
{
	memset(a, 0, sizeof *a);
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	a->rest = rest;
	for (int i = 0; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--username") == 0)
			slot = &a->username;
		else if (strcmp(argv[i], "--role") == 0)
			slot = &a->role;
		else if (strcmp(argv[i], "--org") == 0)
			slot = &a->org;
		else if (strcmp(argv[i], "--display-name") == 0)
			slot = &a->display_name;
		else if (strcmp(argv[i], "--phone") == 0)
			slot = &a->phone;
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "inspectd: %s needs a value\n", argv[i]);
				return -1;
			}
			*slot = argv[++i];
		} else if (strcmp(argv[i], "--password-stdin") == 0) {
			a->password_stdin = 1;
		} else {
			rest[a->rest_argc++] = argv[i];
		}
	}
	return 0;
}

static int user_add(int argc, char **argv)
{
	struct user_args a;
	int rc = EXIT_USAGE;
	if (parse_user_args(argc, argv, &a) != 0)
		goto out;
	if (!a.username || !a.role || !a.org || !a.password_stdin) {
		fprintf(stderr, "usage: inspectd user add --username U --role R --org ORG_CODE [--display-name N]"
		                " [--phone P] --password-stdin [--data DIR]\n");
		goto out;
	}
	if (!username_is_valid(a.username)) {
		fprintf(stderr, "inspectd: bad username \"%s\" (3-32 of A-Z a-z 0-9 . _ -)\n", a.username);
		goto out;
	}
	if (a.display_name && !text_is_valid(a.display_name, 1, 64)) {
		fprintf(stderr, "inspectd: bad display name (1-64 characters of UTF-8 text)\n");
		goto out;
	}
	if (a.phone && !phone_is_valid(a.phone)) {
		fprintf(stderr, "inspectd: bad phone \"%s\" (digits, +, - and spaces)\n", a.phone);
		goto out;
	}
	if (role_parse(a.role) == ROLE_INVALID) {
		fprintf(stderr, "inspectd: bad role \"%s\" (admin, supervisor, inspector, cadre or viewer)\n", a.role);
		goto out;
	}
	char password[1100];
	if (read_password_stdin(password, sizeof password) != 0) {
		fprintf(stderr, "inspectd: no password on standard input\n");
		rc = EXIT_FAIL;
		goto out;
	}
	const char *why = password_policy_check(password, a.username);
	if (why) {
		fprintf(stderr, "inspectd: password rejected: %s\n", why);
		rc = EXIT_FAIL;
		goto out;
	}
	struct db *db = open_db(a.rest_argc, a.rest, &rc);
	if (!db)
		goto out;
	rc = EXIT_FAIL;
	struct org o;
	struct user u;
	char hash[PASSWORD_HASH_MAX];
	memset(&u, 0, sizeof u);
	if (org_store_get_by_code(db, a.org, &o) != STORE_OK) {
		fprintf(stderr, "inspectd: no organization with code \"%s\"\n", a.org);
	} else if (password_hash(password, hash) != PASSWORD_OK) {
		fprintf(stderr, "inspectd: cannot hash the password\n");
	} else {
		rand_uuid(u.id);
		snprintf(u.username, sizeof u.username, "%s", a.username);
		snprintf(u.display_name, sizeof u.display_name, "%s", a.display_name ? a.display_name : a.username);
		snprintf(u.phone, sizeof u.phone, "%s", a.phone ? a.phone : "");
		snprintf(u.role, sizeof u.role, "%s", a.role);
		snprintf(u.org_id, sizeof u.org_id, "%s", o.id);
		enum store_status s = user_store_create(db, &u, hash);
		if (s == STORE_OK) {
			printf("created user %s (%s) in %s\n", u.username, u.role, o.name);
			rc = 0;
		} else {
			fprintf(stderr, "inspectd: %s\n",
			        s == STORE_CONFLICT ? "that username is taken" : "cannot store the user");
		}
	}
	memset(password, 0, sizeof password);
	password_shutdown();
	db_close(db);
out:
	free(a.rest);
	return rc;
}

static int user_reset_password(int argc, char **argv)
{
	struct user_args a;
	int rc = EXIT_USAGE;
	if (parse_user_args(argc, argv, &a) != 0)
		goto out;
	/* The first settings-free argument is the username. */
	const char *username = a.rest_argc > 0 && strncmp(a.rest[0], "--", 2) != 0 ? a.rest[0] : NULL;
	if (!username || !a.password_stdin) {
		fprintf(stderr, "usage: inspectd user reset-password USERNAME --password-stdin [--data DIR]\n");
		goto out;
	}
	char password[1100];
	if (read_password_stdin(password, sizeof password) != 0) {
		fprintf(stderr, "inspectd: no password on standard input\n");
		rc = EXIT_FAIL;
		goto out;
	}
	const char *why = password_policy_check(password, username);
	if (why) {
		fprintf(stderr, "inspectd: password rejected: %s\n", why);
		rc = EXIT_FAIL;
		goto out;
	}
	struct db *db = open_db(a.rest_argc - 1, a.rest + 1, &rc);
	if (!db)
		goto out;
	rc = EXIT_FAIL;
	struct user u;
	char hash[PASSWORD_HASH_MAX];
	if (user_store_get_login(db, username, &u, hash, sizeof hash) != STORE_OK) {
		fprintf(stderr, "inspectd: no user \"%s\"\n", username);
	} else if (password_hash(password, hash) != PASSWORD_OK) {
		fprintf(stderr, "inspectd: cannot hash the password\n");
	} else {
		enum store_status s = db_begin(db);
		if (s == STORE_OK)
			s = user_store_update(db, &u, 0, hash, 1);
		if (s == STORE_OK)
			s = session_revoke_user(db, u.id, NULL, "password reset", time(NULL));
		if (s == STORE_OK)
			s = db_commit(db);
		else
			db_rollback(db);
		if (s == STORE_OK) {
			printf("password of %s reset; the user's sessions are ended\n", u.username);
			rc = 0;
		} else {
			fprintf(stderr, "inspectd: cannot store the password\n");
		}
	}
	memset(password, 0, sizeof password);
	memset(hash, 0, sizeof hash);
	password_shutdown();
	db_close(db);
out:
	free(a.rest);
	return rc;
}

int cli_user(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return user_add(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "reset-password") == 0)
		return user_reset_password(argc - 1, argv + 1);
	FILE *out = argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) ? stdout : stderr;
	fprintf(out, "usage: inspectd user add --username U --role R --org ORG_CODE [--display-name N]\n"
	             "                         [--phone P] --password-stdin [--data DIR]\n"
	             "       inspectd user reset-password USERNAME --password-stdin [--data DIR]\n\n"
	             "The password is read from the first line of standard input.\n");
	return out == stdout ? 0 : EXIT_USAGE;
}

/* ---- seed-demo ------------------------------------------------------------------------- */

/* A small, realistic tree and one account per role, for `make run`. */
static const struct {
	const char *code, *name, *level, *parent, *category, *status;
} demo_orgs[] = {
        {"demo-dongshan", "东山镇", "town", "root", NULL, NULL},
        {"demo-dongshan-001", "东山村", "village", "demo-dongshan", "breakthrough", "weak"},
        {"demo-dongshan-002", "南湖社区", "village", "demo-dongshan", "consolidate", NULL},
        {"demo-dongshan-001-01", "东山村第一村民小组", "group", "demo-dongshan-001", NULL, NULL},
        {"demo-xiling", "西岭街道", "town", "root", NULL, NULL},
        {"demo-xiling-001", "西岭村", "village", "demo-xiling", "pilot", NULL},
};

static const struct {
	const char *username, *display_name, *role, *org;
} demo_users[] = {
        {"zhangwg", "张卫国", "supervisor", "demo-dongshan"},
        {"liming", "李明", "inspector", "demo-dongshan"},
        {"wangfang", "王芳", "cadre", "demo-dongshan-001"},
        {"zhaolei", "赵磊", "viewer", "root"},
};

#define DEMO_PASSWORD       "demo-password-1"
#define QIQIANG_TEMPLATE_ID "00000000-0000-4000-8000-000000000001"
#define DEMO_PHOTO_ID       "6f1c0c1e-9b8a-4c47-9d64-0f4b2d7f1a11"

/* The demo round's visits, one per state. */
static const struct {
	const char *org, *status, *return_reason;
	int collective_income; /* the number answer that may miss its threshold */
} demo_visits[] = {
        {"demo-dongshan-001", "approved", NULL, 82000},
        {"demo-dongshan-002", "submitted", NULL, 126000},
        {"demo-xiling-001", "returned", "请补充“三会一课”会议记录照片后重新提交", 310000},
        {"demo-dongshan-001-01", "draft", NULL, 0},
};

/* Answers for every item: good marks, a photo where one is needed. */
static json_t *demo_answers(const struct checklist *cl, int income, int complete)
{
	json_t *answers = json_array();
	for (size_t i = 0; i < cl->nitems; i++) {
		const struct checklist_item *it = &cl->items[i];
		if (!complete && i % 3 != 0)
			continue;
		json_t *value = NULL;
		switch (it->kind) {
		case KIND_SCORE: value = json_integer((json_int_t)(it->max_score * 4 / 5)); break;
		case KIND_YES_NO: value = json_true(); break;
		case KIND_NUMBER:
			value = strstr(it->text, "集体经济") && income ? json_integer(income)
			                                               : json_real(it->threshold);
			break;
		case KIND_TEXT: value = json_string("已查阅台账，情况属实。"); break;
		}
		json_t *a = json_pack("{s:s, s:o}", "item_code", it->code, "value", value);
		if (it->needs_photo)
			json_object_set_new(a, "photo_ids", json_pack("[s]", DEMO_PHOTO_ID));
		json_array_append_new(answers, a);
	}
	return answers;
}

/* The demo visits' evidence: one small stored photo their answers point at. */
static enum store_status seed_photo(struct db *db, const char *data_dir, const char *owner_id)
{
	char root[4096 + 16], err[256];
	snprintf(root, sizeof root, "%s/photos", data_dir);
	struct blob_store *bs = blob_store_open(root, err, sizeof err);
	if (!bs)
		return STORE_DB;
	static const uint8_t jfif[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00};
	struct blob_writer *w;
	struct photo_row p;
	memset(&p, 0, sizeof p);
	int existed;
	enum store_status s = STORE_DB;
	if (blob_writer_begin(bs, 1 << 20, &w) == BLOB_OK) {
		if (blob_writer_write(w, jfif, sizeof jfif) == BLOB_OK &&
		    blob_writer_write(w, "demo evidence photo", 19) == BLOB_OK &&
		    blob_writer_commit(w, p.sha256, &existed) == BLOB_OK) {
			snprintf(p.id, sizeof p.id, DEMO_PHOTO_ID);
			snprintf(p.owner_id, sizeof p.owner_id, "%s", owner_id);
			p.size = (long long)sizeof jfif + 19;
			snprintf(p.mime, sizeof p.mime, "image/jpeg");
			snprintf(p.caption, sizeof p.caption, "村党群服务中心公示栏");
			s = photo_insert(db, &p);
		} else {
			blob_writer_abort(w);
		}
	}
	blob_store_close(bs);
	return s;
}

static enum store_status seed_round(struct db *db, const char *data_dir)
{
	struct org root;
	struct user inspector, reviewer;
	if (org_store_get_by_code(db, "root", &root) != STORE_OK ||
	    user_store_get_login(db, "liming", &inspector, NULL, 0) != STORE_OK ||
	    user_store_get_login(db, "admin", &reviewer, NULL, 0) != STORE_OK)
		return STORE_NOT_FOUND;
	struct round_row r;
	memset(&r, 0, sizeof r);
	rand_uuid(r.id);
	snprintf(r.month, sizeof r.month, "2023-03");
	snprintf(r.title, sizeof r.title, "2023年3月月观摩");
	snprintf(r.template_id, sizeof r.template_id, QIQIANG_TEMPLATE_ID);
	snprintf(r.org_id, sizeof r.org_id, "%s", root.id);
	sha256(r.id, strlen(r.id), r.create_hash); /* no client request to replay */
	const char *targets[sizeof demo_visits / sizeof demo_visits[0]];
	struct org target_orgs[sizeof demo_visits / sizeof demo_visits[0]];
	for (size_t i = 0; i < sizeof demo_visits / sizeof demo_visits[0]; i++) {
		if (org_store_get_by_code(db, demo_visits[i].org, &target_orgs[i]) != STORE_OK)
			return STORE_NOT_FOUND;
		targets[i] = target_orgs[i].id;
	}
	const char *inspectors[] = {inspector.id};
	enum store_status s = seed_photo(db, data_dir, inspector.id);
	if (s == STORE_OK)
		s = round_insert(db, &r);
	if (s == STORE_OK)
		s = round_set_members(db, r.id, targets, sizeof demo_visits / sizeof demo_visits[0], inspectors, 1);
	struct checklist cl;
	if (s != STORE_OK || (s = inspection_checklist(db, QIQIANG_TEMPLATE_ID, &cl)) != STORE_OK)
		return s;
	for (size_t i = 0; s == STORE_OK && i < sizeof demo_visits / sizeof demo_visits[0]; i++) {
		struct inspection_row v;
		memset(&v, 0, sizeof v);
		rand_uuid(v.id);
		snprintf(v.org_id, sizeof v.org_id, "%s", targets[i]);
		snprintf(v.round_id, sizeof v.round_id, "%s", r.id);
		snprintf(v.template_id, sizeof v.template_id, QIQIANG_TEMPLATE_ID);
		snprintf(v.inspector_id, sizeof v.inspector_id, "%s", inspector.id);
		snprintf(v.status, sizeof v.status, "draft");
		snprintf(v.started_at, sizeof v.started_at, "2023-03-%02zuT01:30:00Z", 14 + i);
		int complete = strcmp(demo_visits[i].status, "draft") != 0;
		if (complete)
			snprintf(v.finished_at, sizeof v.finished_at, "2023-03-%02zuT03:10:00Z", 14 + i);
		json_t *answers = demo_answers(&cl, demo_visits[i].collective_income, complete);
		v.answers = json_dumps(answers, JSON_OUT);
		json_decref(answers);
		v.location = xstrdup("{\"lat\":30.2741,\"lng\":120.1551,\"accuracy_m\":12}");
		v.notes = xstrdup("村党组织阵地规范，台账齐全。");
		sha256(v.id, strlen(v.id), v.create_hash);
		s = inspection_save(db, &cl, &v, 1);
		if (s == STORE_OK && complete) {
			snprintf(v.status, sizeof v.status, "%s", demo_visits[i].status);
			snprintf(v.submitted_at, sizeof v.submitted_at, "%s", v.finished_at);
			if (strcmp(v.status, "submitted") != 0) {
				snprintf(v.reviewed_at, sizeof v.reviewed_at, "2023-03-20T08:00:00Z");
				snprintf(v.reviewed_by, sizeof v.reviewed_by, "%s", reviewer.id);
			}
			if (demo_visits[i].return_reason)
				v.return_reason = xstrdup(demo_visits[i].return_reason);
			s = inspection_update(db, &v, 0);
		}
		inspection_row_release(&v);
	}
	checklist_release(&cl);
	return s;
}

/* A local date days from today, "YYYY-MM-DD". */
static void demo_date(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* 东山村 (weak) under rectification this year: one task under way with a
 * progress report, one overdue, both on wangfang's phone. */
static enum store_status seed_rectification(struct db *db)
{
	struct org village;
	struct user sup, cadre;
	if (org_store_get_by_code(db, "demo-dongshan-001", &village) != STORE_OK ||
	    user_store_get_login(db, "zhangwg", &sup, NULL, 0) != STORE_OK ||
	    user_store_get_login(db, "wangfang", &cadre, NULL, 0) != STORE_OK)
		return STORE_NOT_FOUND;
	struct task_row c = {0};
	rand_uuid(c.rectification_id);
	snprintf(c.org_id, sizeof c.org_id, "%s", village.id);
	uint8_t hash[32];
	sha256(c.rectification_id, strlen(c.rectification_id), hash); /* no client request to replay */
	struct rect_fields f = {"党组织班子软弱涣散，“三会一课”不规范，村级集体经济薄弱",
	                        "王志强（市委组织部副部长）",
	                        "张卫国",
	                        sup.id,
	                        "刘洋（市农业农村局选派）",
	                        "市农业农村局",
	                        "一、调整充实村“两委”班子；\n二、规范“三会一课”和主题党日；\n三、发展村级集体经济。"};
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	enum store_status s =
	        rect_insert(db, c.rectification_id, village.id, tm.tm_year + 1900, "annual", NULL, &f, sup.id, hash);
	if (s == STORE_OK)
		s = org_set_status(db, village.id, "rectifying");
	if (s == STORE_OK)
		s = history_add(db, "rectification", c.rectification_id, sup.id, NULL, "open", f.reason);
	static const struct {
		const char *title, *detail;
		int due_in_days, start;
	} tasks[] = {
	        {"规范“三会一课”制度并建立台账", "每月召开支部党员大会，按时上党课，会议记录完整，照片留档。", 30, 1},
	        {"调整充实村“两委”班子", "选优配强村党组织书记，补齐空缺委员。", -7, 0},
	};
	for (size_t i = 0; s == STORE_OK && i < sizeof tasks / sizeof tasks[0]; i++) {
		char id[37], due[11];
		rand_uuid(id);
		demo_date(tasks[i].due_in_days, due);
		struct task_fields tf = {tasks[i].title, tasks[i].detail, cadre.id, due, 1};
		sha256(id, strlen(id), hash);
		s = task_insert(db, id, &c, &tf, NULL, hash);
		if (s == STORE_OK)
			s = history_add(db, "task", id, sup.id, NULL, "assigned", NULL);
		if (s == STORE_OK && tasks[i].start) {
			s = task_set_status(db, id, "assigned", "in_progress", NULL, cadre.id, NULL);
			if (s == STORE_OK)
				s = history_add(db, "task", id, cadre.id, "assigned", "in_progress", NULL);
			char pid[37];
			rand_uuid(pid);
			if (s == STORE_OK)
				s = progress_insert(db, pid, id, cadre.id,
				                    "已召开本月支部党员大会，会议记录已整理归档。", 40,
				                    "[\"" DEMO_PHOTO_ID "\"]", hash);
		}
	}
	return s;
}

static enum store_status seed_demo(struct db *db, const char *data_dir)
{
	for (size_t i = 0; i < sizeof demo_orgs / sizeof demo_orgs[0]; i++) {
		struct org parent, o;
		if (org_store_get_by_code(db, demo_orgs[i].parent, &parent) != STORE_OK)
			return STORE_NOT_FOUND;
		memset(&o, 0, sizeof o);
		rand_uuid(o.id);
		snprintf(o.code, sizeof o.code, "%s", demo_orgs[i].code);
		snprintf(o.name, sizeof o.name, "%s", demo_orgs[i].name);
		snprintf(o.level, sizeof o.level, "%s", demo_orgs[i].level);
		snprintf(o.parent_id, sizeof o.parent_id, "%s", parent.id);
		snprintf(o.category, sizeof o.category, "%s", demo_orgs[i].category ? demo_orgs[i].category : "");
		snprintf(o.status, sizeof o.status, "%s", demo_orgs[i].status ? demo_orgs[i].status : "normal");
		enum store_status s = org_store_create(db, &o, parent.path);
		if (s != STORE_OK)
			return s;
	}
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(DEMO_PASSWORD, hash) != PASSWORD_OK)
		return STORE_DB;
	for (size_t i = 0; i < sizeof demo_users / sizeof demo_users[0]; i++) {
		struct org o;
		struct user u;
		if (org_store_get_by_code(db, demo_users[i].org, &o) != STORE_OK)
			return STORE_NOT_FOUND;
		memset(&u, 0, sizeof u);
		rand_uuid(u.id);
		snprintf(u.username, sizeof u.username, "%s", demo_users[i].username);
		snprintf(u.display_name, sizeof u.display_name, "%s", demo_users[i].display_name);
		snprintf(u.role, sizeof u.role, "%s", demo_users[i].role);
		snprintf(u.org_id, sizeof u.org_id, "%s", o.id);
		enum store_status s = user_store_create(db, &u, hash);
		if (s != STORE_OK)
			return s;
	}
	enum store_status s = seed_round(db, data_dir);
	return s == STORE_OK ? seed_rectification(db) : s;
}

int cli_seed_demo(int argc, char **argv)
{
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		printf("usage: inspectd seed-demo [--data DIR]\n\n"
		       "Creates the root organization and admin (as serve would), then two towns with\n"
		       "villages and one account per role, password \"" DEMO_PASSWORD "\". For trying\n"
		       "the service locally (make run); does nothing when the demo data exists.\n");
		return 0;
	}
	int rc;
	struct db *db = open_db(argc, argv, &rc);
	if (!db)
		return rc;
	/* the demo's year and due dates in the zone serve will use */
	const char *tz = getenv("INSPECTD_TIME_ZONE");
	setenv("TZ", tz && config_time_zone_known(tz) ? tz : "Asia/Shanghai", 1);
	tzset();
	char path[4096], err[512];
	snprintf(path, sizeof path, "%s", sqlite3_db_filename(db_handle(db), "main"));
	rc = EXIT_FAIL;
	struct org existing;
	if (bootstrap_run(path, err, sizeof err) != 0) {
		fprintf(stderr, "inspectd: %s\n", err);
	} else if (org_store_get_by_code(db, demo_orgs[0].code, &existing) == STORE_OK) {
		printf("demo data already present\n");
		rc = 0;
	} else {
		enum store_status s = db_begin(db);
		/* the data directory is the database's */
		char data_dir[4096];
		snprintf(data_dir, sizeof data_dir, "%s", path);
		char *slash = strrchr(data_dir, '/');
		if (slash)
			*slash = '\0';
		if (s == STORE_OK)
			s = seed_demo(db, data_dir);
		if (s == STORE_OK)
			s = db_commit(db);
		else
			db_rollback(db);
		if (s == STORE_OK) {
			printf("demo data created (for trying inspectd only):\n"
			       "  users zhangwg (supervisor, 东山镇), liming (inspector), wangfang (cadre, 东山村),\n"
			       "  zhaolei (viewer); password \"" DEMO_PASSWORD "\" for each\n"
			       "  round 2023年3月月观摩 with visits approved, submitted, returned and draft\n"
			       "  东山村 under rectification: two tasks in wangfang's inbox (GET /api/v1/me/tasks)\n"
			       "try:\n"
			       "  curl -s localhost:8080/api/v1/auth/login -H 'Content-Type: application/json' \\\n"
			       "       -d '{\"username\":\"liming\",\"password\":\"" DEMO_PASSWORD "\"}'\n"
			       "  curl -s localhost:8080/api/v1/me/assignments -H 'Authorization: Bearer "
			       "<access_token>'\n");
			rc = 0;
		} else {
			fprintf(stderr, "inspectd: cannot create the demo data\n");
		}
	}
	password_shutdown();
	db_close(db);
	return rc;
}
