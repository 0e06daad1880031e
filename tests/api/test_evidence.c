/*
 * Evidence the phone still owes: inspections and findings list the photo ids
 * they reference that have not been uploaded (missing_photo_ids), and a
 * needs_photo item counts only photos that exist when an inspection is
 * submitted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "harness.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	crew_build(&srv, &crew);
	tpl = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&srv);
	return 0;
}

static void upload_with_id(const char *bearer, const char *id)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	                                    0,    0,   0,   13,  'I',  'H',  'D',  'R'};
	struct byte_src src = {png, sizeof png, 1024, 0x11};
	char query[80];
	snprintf(query, sizeof query, "id=%s", id);
	struct http_resp r;
	photo_upload_raw(&srv, bearer, query, "image/png", &src, 10000, &r);
	assert_int_equal(r.status, 201);
	http_resp_release(&r);
}

static void assert_missing(const json_t *obj, const char *want)
{
	json_t *missing = json_object_get(obj, "missing_photo_ids");
	assert_true(json_is_array(missing));
	if (!want) {
		assert_int_equal(json_array_size(missing), 0);
		return;
	}
	assert_int_equal(json_array_size(missing), 1);
	assert_string_equal(json_string_value(json_array_get(missing, 0)), want);
}

static void test_owed_photos_are_listed_and_block_submit(void **state)
{
	(void)state;
	const char *insp = crew.insp_city.access;
	json_t *answers = answers_complete(tpl, 0);
	/* the first needs_photo answer points at a photo not uploaded yet */
	char owed[ID_LEN], item[80] = "";
	uuid_v4(owed);
	size_t i;
	json_t *a;
	json_array_foreach(answers, i, a)
	{
		if (json_array_size(json_object_get(a, "photo_ids")) > 0) {
			json_object_set_new(a, "photo_ids", json_pack("[s]", owed));
			snprintf(item, sizeof item, "%s", jstr(a, "item_code"));
			break;
		}
	}
	assert_true(item[0] != '\0');
	char id[ID_LEN];
	json_t *created = inspection_create(&srv, insp, crew.tree.village_a1, NULL, QIQIANG_TEMPLATE_ID, answers, id);
	assert_missing(created, owed);
	json_decref(created);

	char path[160];
	struct http_resp r;
	api_post(&srv, inspection_path(id, "/submit", path, sizeof path), insp, "{}", &r);
	assert_problem(&r, 409, "incomplete");
	json_t *body = http_json(&r);
	json_t *missing = json_object_get(body, "missing");
	assert_int_equal(json_array_size(missing), 1);
	assert_string_equal(jstr(json_array_get(missing, 0), "item_code"), item);
	assert_string_equal(jstr(json_array_get(missing, 0), "reason"), "photo_required");
	json_decref(body);
	http_resp_release(&r);

	/* the phone catches up: the photo arrives under the id it promised */
	upload_with_id(insp, owed);
	json_t *now = api_expect(&srv, "GET", inspection_path(id, "", path, sizeof path), insp, NULL, 200);
	assert_missing(now, NULL);
	json_decref(now);
	json_t *submitted = inspection_action(&srv, insp, id, "submit", NULL, 200);
	assert_string_equal(jstr(submitted, "status"), "submitted");
	json_decref(submitted);
	json_decref(answers);
}

static void test_findings_list_owed_photos(void **state)
{
	(void)state;
	const char *insp = crew.insp_city.access;
	char id[ID_LEN], owed[ID_LEN], path[160];
	json_decref(inspection_create(&srv, insp, crew.tree.village_a2, NULL, QIQIANG_TEMPLATE_ID, NULL, id));
	uuid_v4(owed);
	char *body = jbody("{s:s, s:s, s:[s]}", "severity", "low", "description", "公示栏未更新", "photo_ids", owed);
	json_t *f = api_expect(&srv, "POST", inspection_path(id, "/findings", path, sizeof path), insp, body, 201);
	free(body);
	assert_missing(f, owed);
	char fpath[160];
	snprintf(fpath, sizeof fpath, "/api/v1/findings/%s", jstr(f, "id"));
	json_decref(f);
	upload_with_id(insp, owed);
	f = api_expect(&srv, "GET", fpath, insp, NULL, 200);
	assert_missing(f, NULL);
	json_decref(f);
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_owed_photos_are_listed_and_block_submit),
	        cmocka_unit_test(test_findings_list_owed_photos),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_evidence", tests, group_setup, group_teardown);
}
