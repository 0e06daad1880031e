/*
 * The command line that manages the tree and the accounts, checked through
 * the API of a server on the same data directory: `org import` (UTF-8 BOM,
 * CRLF, RFC 4180 quotes, parents from the file or the database; all or
 * nothing, every bad line reported), `user add --password-stdin` and
 * `user reset-password`.
 *
 * The root organization exists only after `serve` bootstrapped the data
 * directory, so the group starts a server first; each CLI run happens with
 * the server stopped, and a new server on the same directory checks the
 * result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"

static struct server_proc boot; /* the first server: owns the data directory */
static struct server_proc srv;  /* the server currently running on it */
static char data_flag[400];     /* --data=<boot's data directory> */

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&boot, env);
	snprintf(data_flag, sizeof data_flag, "--data=%s", boot.data_dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_cleanup(&srv);
	server_cleanup(&boot);
	return 0;
}

/* Stops whichever server runs on the data directory, asserting a clean exit. */
static void stop_server(void)
{
	if (boot.pid)
		assert_int_equal(server_stop(&boot), 0);
	if (srv.pid) {
		assert_int_equal(server_stop(&srv), 0);
		server_cleanup(&srv); /* its own log directory; the data is boot's */
	}
}

/* A new server on the same data directory. */
static void start_server(void)
{
	stop_server();
	const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start_on(&srv, boot.data_dir, env);
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_true(srv.pid > 0);
	assert_int_equal(server_stop(&srv), 0);
}

static void write_text(const char *name, const char *text, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", boot.dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

struct cli_result {
	int rc;
	struct buf out, err;
};

static void cli(const char *const *args, const char *stdin_data, struct cli_result *res)
{
	memset(res, 0, sizeof *res);
	res->rc = run_cli(args, NULL, stdin_data, &res->out, &res->err);
}

static void cli_release(struct cli_result *res)
{
	buf_release(&res->out);
	buf_release(&res->err);
}

static void expect_cli(const char *const *args, const char *stdin_data, int rc_a, int rc_b, const char *want_text)
{
	struct cli_result res;
	cli(args, stdin_data, &res);
	int text_ok = !want_text || strstr(buf_cstr(&res.out), want_text) || strstr(buf_cstr(&res.err), want_text);
	if ((res.rc != rc_a && res.rc != rc_b) || !text_ok)
		fail_msg("inspectd %s %s: exit %d (want %d or %d)\nstdout:\n%s\nstderr:\n%s\n(want text: %s)", args[0],
		         args[1], res.rc, rc_a, rc_b, buf_cstr(&res.out), buf_cstr(&res.err),
		         want_text ? want_text : "-");
	if (res.rc != 0 && res.err.len == 0)
		fail_msg("inspectd %s %s failed without a message on stderr", args[0], args[1]);
	cli_release(&res);
}

static json_t *all_orgs(const char *admin)
{
	return api_list_all(&srv, "/api/v1/orgs", admin, 200);
}

static json_t *org_by_code(json_t *orgs, const char *code)
{
	json_t *o = find_by(orgs, "code", code);
	if (!o)
		fail_msg("no organization %s after the import", code);
	return o;
}

static void expect_org(json_t *orgs, const char *code, const char *name, const char *level, const char *parent_code,
                       const char *category)
{
	json_t *o = org_by_code(orgs, code);
	assert_string_equal(jstr(o, "name"), name);
	assert_string_equal(jstr(o, "level"), level);
	assert_string_equal(jstr(o, "parent_id"), jstr(org_by_code(orgs, parent_code), "id"));
	if (category)
		assert_string_equal(jstr(o, "category"), category);
	else
		assert_true(json_is_null(json_object_get(o, "category")));
	assert_string_equal(jstr(o, "status"), "normal");
}

/* ---- org import ---------------------------------------------------------------- */

static void test_import_good_file(void **state)
{
	(void)state;
	stop_server();
	char path[400];
	/* BOM, CRLF, a quoted name with a comma, doubled quotes, Chinese names,
	 * a parent from the database ("root") and parents from earlier lines. */
	write_text("good.csv",
	           "\xEF\xBB\xBF"
	           "code,name,level,parent_code,category\r\n"
	           "town-x,东城街道,town,root,pilot\r\n"
	           "vil-x1,\"东城社区, 北片\",village,town-x,consolidate\r\n"
	           "vil-x2,西城村,village,town-x,\r\n"
	           "grp-x1,\"第一网格\",group,vil-x1,breakthrough\r\n"
	           "town-y,\"Quote \"\"Q\"\" Town\",town,root,\r\n",
	           path, sizeof path);
	expect_cli((const char *const[]){"org", "import", path, data_flag, NULL}, NULL, 0, 0,
	           "imported 5 organizations");
	/* LF only, no BOM, the parent from the previous import. */
	write_text("more.csv",
	           "code,name,level,parent_code,category\n"
	           "vil-y1,北村,village,town-y,pilot\n"
	           "grp-y1,北村一组,group,vil-y1,\n",
	           path, sizeof path);
	expect_cli((const char *const[]){"org", "import", path, data_flag, NULL}, NULL, 0, 0,
	           "imported 2 organizations");

	start_server();
	struct tokens admin;
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &admin);
	json_t *orgs = all_orgs(admin.access);
	assert_int_equal(json_array_size(orgs), 8);
	expect_org(orgs, "town-x", "东城街道", "town", "root", "pilot");
	expect_org(orgs, "vil-x1", "东城社区, 北片", "village", "town-x", "consolidate");
	expect_org(orgs, "vil-x2", "西城村", "village", "town-x", NULL);
	expect_org(orgs, "grp-x1", "第一网格", "group", "vil-x1", "breakthrough");
	expect_org(orgs, "town-y", "Quote \"Q\" Town", "town", "root", NULL);
	expect_org(orgs, "vil-y1", "北村", "village", "town-y", "pilot");
	expect_org(orgs, "grp-y1", "北村一组", "group", "vil-y1", NULL);
	/* The imported tree is a real tree: the children route sees it. */
	char children[128];
	snprintf(children, sizeof children, "/api/v1/orgs/%s/children", jstr(org_by_code(orgs, "town-x"), "id"));
	json_t *j = api_expect(&srv, "GET", children, admin.access, NULL, 200);
	assert_key_set(json_object_get(j, "items"), "code", (const char *const[]){"vil-x1", "vil-x2", NULL});
	json_decref(j);
	json_decref(orgs);
}

static void expect_location(json_t *orgs, const char *code, double lat, double lng, long radius)
{
	json_t *o = org_by_code(orgs, code);
	if (radius == 0) {
		assert_true(json_is_null(json_object_get(o, "lat")));
		assert_true(json_is_null(json_object_get(o, "radius_m")));
		return;
	}
	assert_true(fabs(json_number_value(json_object_get(o, "lat")) - lat) < 1e-9);
	assert_true(fabs(json_number_value(json_object_get(o, "lng")) - lng) < 1e-9);
	assert_int_equal(json_integer_value(json_object_get(o, "radius_m")), radius);
}

/* Optional lat,lng,radius_m columns: where organizations are, for the evidence checks. */
static void test_import_locations(void **state)
{
	(void)state;
	stop_server();
	char path[400];
	write_text("bad-loc.csv",
	           "code,name,level,parent_code,category,lat,lng,radius_m\n"
	           "town-l1,甲镇,town,root,,30.1,,\n"         /* lat without lng */
	           "town-l2,乙镇,town,root,,91,120,\n"        /* out of range */
	           "town-l3,丙镇,town,root,,,,3000\n"         /* radius without a place */
	           "town-l4,丁镇,town,root,,30.1,120.2,10\n", /* radius too small */
	           path, sizeof path);
	expect_cli((const char *const[]){"org", "import", path, data_flag, NULL}, NULL, 1, 1, "nothing imported");
	write_text("loc.csv",
	           "lng,code,name,level,parent_code,category,radius_m,lat\n"
	           "120.2,town-l,东湖镇,town,root,,8000,30.25\n"
	           "120.21,vil-l1,东湖村,village,town-l,,,30.26\n"
	           ",vil-l2,西湖村,village,town-l,,,\n",
	           path, sizeof path);
	expect_cli((const char *const[]){"org", "import", path, data_flag, NULL}, NULL, 0, 0,
	           "imported 3 organizations");
	start_server();
	struct tokens admin;
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &admin);
	json_t *orgs = all_orgs(admin.access);
	assert_null(find_by(orgs, "code", "town-l1"));
	expect_location(orgs, "town-l", 30.25, 120.2, 8000);
	expect_location(orgs, "vil-l1", 30.26, 120.21, 2000); /* a village's default radius */
	expect_location(orgs, "vil-l2", 0, 0, 0);
	json_decref(orgs);
}

static void test_import_bad_file_imports_nothing(void **state)
{
	(void)state;
	start_server();
	struct tokens admin;
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &admin);
	json_t *before = all_orgs(admin.access);
	stop_server();

	char path[400];
	write_text("bad.csv",
	           "code,name,level,parent_code,category\n"  /* 1 */
	           "ok-1,好村镇,town,root,pilot\n"           /* 2: fine */
	           "vil-orphan,孤儿村,village,nope,\n"       /* 3: unknown parent */
	           "vil-skip,跳级村,village,root,\n"         /* 4: a village under the city */
	           "ok-1,重复镇,town,root,\n"                /* 5: the code of line 2 */
	           "town-x,已有镇,town,root,\n"              /* 6: a code in the database */
	           "ok-2,坏分类镇,town,root,golden\n"        /* 7: no such category */
	           "ok-3,少列镇,town,root\n"                 /* 8: four columns */
	           "ok-4,\"多列镇\",town,root,pilot,extra\n" /* 9: six columns */
	           "town-late,晚镇,town,root,\n"             /* 10: fine */
	           "ok-5,坏层级镇,county,root,\n"            /* 11: no such level */
	           ",无编码镇,town,root,\n"                  /* 12: no code */
	           "ok-6,,town,root,\n",                     /* 13: no name */
	           path, sizeof path);
	struct cli_result res;
	cli((const char *const[]){"org", "import", path, data_flag, NULL}, NULL, &res);
	const char *err = buf_cstr(&res.err);
	if (res.rc != 1)
		fail_msg("import of a bad file: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.rc, buf_cstr(&res.out),
		         err);
	static const char *const bad_lines[] = {"line 3:", "line 4:", "line 5:",  "line 6:",  "line 7:",
	                                        "line 8:", "line 9:", "line 11:", "line 12:", "line 13:"};
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++)
		if (!strstr(err, bad_lines[i]))
			fail_msg("stderr does not report \"%s\":\n%s", bad_lines[i], err);
	static const char *const good_lines[] = {"line 1:", "line 2:", "line 10:"};
	for (size_t i = 0; i < 3; i++)
		if (strstr(err, good_lines[i]))
			fail_msg("stderr reports the good \"%s\":\n%s", good_lines[i], err);
	cli_release(&res);

	/* A header without the category column. */
	write_text("nocat.csv",
	           "code,name,level,parent_code\n"
	           "ok-7,缺列镇,town,root\n",
	           path, sizeof path);
	expect_cli((const char *const[]){"org", "import", path, data_flag, NULL}, NULL, 1, 1, "category");

	/* Nothing at all was imported. */
	start_server();
	api_login_ok(&srv, "admin", BOOTSTRAP_PASSWORD, &admin);
	json_t *after = all_orgs(admin.access);
	assert_int_equal(json_array_size(after), json_array_size(before));
	static const char *const never[] = {"ok-1", "town-late", "ok-7", "vil-orphan"};
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
		assert_null(find_by(after, "code", never[i]));
	/* and the existing town-x kept its name */
	assert_string_equal(jstr(org_by_code(after, "town-x"), "name"), "东城街道");
	json_decref(after);
	json_decref(before);
}

static void test_import_unusable_files(void **state)
{
	(void)state;
	stop_server();
	char missing[400], dir[400], empty[400];
	snprintf(missing, sizeof missing, "%s/no-such-file.csv", boot.dir);
	expect_cli((const char *const[]){"org", "import", missing, data_flag, NULL}, NULL, 1, 2, "no-such-file.csv");
	/* A directory cannot be read as a file (permission bits mean nothing to root). */
	snprintf(dir, sizeof dir, "%s/a-directory.csv", boot.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	expect_cli((const char *const[]){"org", "import", dir, data_flag, NULL}, NULL, 1, 2, NULL);
	/* No header row. */
	write_text("empty.csv", "", empty, sizeof empty);
	expect_cli((const char *const[]){"org", "import", empty, data_flag, NULL}, NULL, 1, 1, NULL);
	/* No file named at all: a usage error. */
	expect_cli((const char *const[]){"org", "import", data_flag, NULL}, NULL, 2, 2, NULL);
}

/* ---- user add / reset-password ------------------------------------------------------ */

static void test_user_add_and_reset_password(void **state)
{
	(void)state;
	stop_server();
	static const char *const add[] = {
	        "user",      "add",         "--username",       "cli.user",       "--role",
	        "inspector", "--org",       "town-x",           "--display-name", "命令行用户",
	        "--phone",   "13800000000", "--password-stdin", data_flag,        NULL};
	/* The password comes on stdin; the trailing newline is not part of it. */
	expect_cli(add, "cli-user-pass-1\n", 0, 0, NULL);
	/* Refusals: a taken username, an unknown org, a weak password, a bad role. */
	expect_cli(add, "cli-user-pass-1\n", 1, 1, NULL);
	expect_cli((const char *const[]){"user", "add", "--username", "cli.two", "--role", "viewer", "--org", "no-org",
	                                 "--password-stdin", data_flag, NULL},
	           "cli-user-pass-2\n", 1, 1, NULL);
	expect_cli((const char *const[]){"user", "add", "--username", "cli.three", "--role", "viewer", "--org",
	                                 "town-x", "--password-stdin", data_flag, NULL},
	           "short\n", 1, 1, NULL);
	expect_cli((const char *const[]){"user", "add", "--username", "cli.four", "--role", "emperor", "--org",
	                                 "town-x", "--password-stdin", data_flag, NULL},
	           "cli-user-pass-4\n", 1, 2, NULL);
	expect_cli((const char *const[]){"user", "add", "--username", "cli.five", "--role", "viewer", "--org", "town-x",
	                                 "--password-stdin", data_flag, NULL},
	           "", 1, 2, NULL);

	start_server();
	struct tokens t;
	api_login_ok(&srv, "cli.user", "cli-user-pass-1", &t);
	json_t *me = api_expect(&srv, "GET", "/api/v1/me", t.access, NULL, 200);
	assert_string_equal(jstr(me, "role"), "inspector");
	assert_string_equal(jstr(me, "display_name"), "命令行用户");
	assert_string_equal(jstr(me, "phone"), "13800000000");
	assert_string_equal(jstr(json_object_get(me, "org"), "code"), "town-x");
	json_decref(me);
	assert_int_equal(api_login(&srv, "cli.two", "cli-user-pass-2", NULL), 401);
	assert_int_equal(api_login(&srv, "cli.three", "short", NULL), 401);

	/* reset-password: the old password, tokens and sessions end. */
	stop_server();
	expect_cli((const char *const[]){"user", "reset-password", "cli.user", "--password-stdin", data_flag, NULL},
	           "cli-user-pass-9\n", 0, 0, NULL);
	expect_cli((const char *const[]){"user", "reset-password", "nobody.here", "--password-stdin", data_flag, NULL},
	           "cli-user-pass-9\n", 1, 1, NULL);
	expect_cli((const char *const[]){"user", "reset-password", "cli.user", "--password-stdin", data_flag, NULL},
	           "short\n", 1, 1, NULL);
	start_server();
	struct http_resp r;
	api_get(&srv, "/api/v1/me", t.access, &r);
	assert_unauthorized(&r);
	http_resp_release(&r);
	assert_int_equal(api_refresh(&srv, t.refresh, NULL, &r), 401);
	assert_problem(&r, 401, "invalid_refresh_token");
	http_resp_release(&r);
	assert_int_equal(api_login(&srv, "cli.user", "cli-user-pass-1", NULL), 401);
	api_login_ok(&srv, "cli.user", "cli-user-pass-9", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_import_good_file),
	        cmocka_unit_test(test_import_bad_file_imports_nothing),
	        cmocka_unit_test(test_import_locations),
	        cmocka_unit_test(test_import_unusable_files),
	        cmocka_unit_test(test_user_add_and_reset_password),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_import", tests, group_setup, group_teardown);
}
