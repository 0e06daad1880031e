/*
 * A full disk during a photo upload: 507 insufficient_storage, nothing left
 * behind, and the service keeps serving. The data directory is a small
 * tmpfs (CI runs as root); where mounting is not allowed the test is skipped
 * with a message saying so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char mnt[] = "/tmp/inspectd-full-XXXXXX";
static struct server_proc srv;

/* Runs however the test ended: no mount or process is left behind. */
static int teardown(void **state)
{
	(void)state;
	server_cleanup(&srv);
	if (strcmp(mnt, "/tmp/inspectd-full-XXXXXX") != 0) {
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
	}
	return 0;
}

static void test_disk_full_upload_is_507_and_leaves_nothing(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(mnt));
	/* room for the database and the WAL, not for a 20 MiB photo */
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=6m") != 0) {
		print_message("disk-full test skipped: cannot mount a tmpfs here (%s)\n", strerror(errno));
		rmdir(mnt);
		skip();
	}
	char data_env[128];
	snprintf(data_env, sizeof data_env, "INSPECTD_DATA=%s/data", mnt);
	server_start(&srv,
	             (const char *const[]){"INSPECTD_BOOTSTRAP_ADMIN_PASSWORD=admin-password-123", data_env, NULL});
	struct tokens admin;
	api_login_ok(&srv, "admin", "admin-password-123", &admin);

	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00};
	struct byte_src big = {jpeg, sizeof jpeg, 8u << 20, 0x5a};
	struct http_resp r;
	photo_upload_raw(&srv, admin.access, NULL, "image/jpeg", &big, 30000, &r);
	assert_problem(&r, 507, "insufficient_storage");
	http_resp_release(&r);

	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s/data/photos/tmp", mnt);
	assert_int_equal(entries(tmp), 0);

	/* the service keeps serving, and a small photo still fits */
	struct byte_src small = {jpeg, sizeof jpeg, 4096, 0x5a};
	photo_upload_raw(&srv, admin.access, NULL, "image/jpeg", &small, 10000, &r);
	assert_int_equal(r.status, 201);
	http_resp_release(&r);
	http_get(&srv, "/readyz", &r);
	assert_int_equal(r.status, 200);
	http_resp_release(&r);

	assert_int_equal(server_stop(&srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_teardown(test_disk_full_upload_is_507_and_leaves_nothing, teardown),
	};
	return cmocka_run_group_tests_name("api_diskfull", tests, NULL, NULL);
}
