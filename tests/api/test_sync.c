/*
 * Offline sync through the real binary: `updated_since` with a timestamp
 * (inclusive, oldest change first) and with the opaque `sync_token` (exactly
 * the changes after it: none twice, none missed, even several in one
 * second), tombstones for deleted drafts and findings, keyset pagination that
 * stays stable while new inspections arrive between pages, and malformed
 * `updated_since` values refused on every list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

static struct server_proc srv;
static struct crew crew;
static json_t *tpl;
static char round_id[ID_LEN];
static const char *insp; /* insp.city, assigned to the round */

static int group_setup(void **state)
{
	(void)state;
	static const char *const env[] = {BOOTSTRAP_ENV, NULL};
	server_start(&srv, env);
	crew_build(&srv, &crew);
	insp = crew.insp_city.access;
	tpl = template_fetch(&srv, crew.cast.admin.access, QIQIANG_TEMPLATE_ID);
	json_decref(round_create(&srv, crew.cast.supervisor.access, "2023-03", "2023年3月月观摩",
	                         (const char *const[]){crew.tree.village_a1, crew.tree.village_a2, NULL},
	                         (const char *const[]){crew.insp_city.user_id, NULL}, round_id));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	json_decref(tpl);
	server_cleanup(&srv);
	return 0;
}

static void test_clean_shutdown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
}

#define TOKEN_LEN 512

/* A draft of insp.city in the round at A1; id gets its id. */
static json_t *draft(char *id)
{
	return inspection_create(&srv, insp, crew.tree.village_a1, round_id, NULL, NULL, id);
}

/* The current sync token of path for bearer (after a full walk from an hour ago). */
static void token_now(const char *path, const char *bearer, char *token)
{
	char since[32];
	json_decref(sync_walk(&srv, path, bearer, utc_stamp(-3600, since, sizeof since), 200, token, TOKEN_LEN));
}

/* Fails unless items are exactly ids (NULL-terminated), in this order. */
static void expect_ids(const json_t *items, const char *const *ids, const char *what)
{
	size_t n = 0;
	while (ids[n])
		n++;
	if (json_array_size(items) != n) {
		char *dump = json_dumps(items, JSON_COMPACT);
		fprintf(stderr, "%s: %s\n", what, dump);
		free(dump);
		fail_msg("%s: %zu items, want %zu", what, json_array_size(items), n);
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(jstr(json_array_get(items, i), "id"), ids[i]) != 0)
			fail_msg("%s: item %zu is %s, want %s", what, i, jstr(json_array_get(items, i), "id"), ids[i]);
}

/* A tombstone: exactly {id, deleted: true, version, updated_at}. */
static void assert_tombstone(const json_t *t, const char *id)
{
	assert_string_equal(jstr(t, "id"), id);
	assert_true(json_is_true(json_object_get(t, "deleted")));
	assert_true(jint(t, "version") >= 1);
	assert_timestamp(jstr(t, "updated_at"));
	if (json_object_size(t) != 4) {
		char *dump = json_dumps(t, JSON_COMPACT);
		fprintf(stderr, "tombstone: %s\n", dump);
		free(dump);
		fail_msg("a tombstone has %zu members, want id, deleted, version, updated_at", json_object_size(t));
	}
}

/* The first 19 characters (to the second) of a timestamp. */
static void second_of(const char *ts, char *out)
{
	assert_non_null(ts);
	snprintf(out, 20, "%s", ts);
}

/* ---- timestamps ------------------------------------------------------------------ */

static void test_timestamp_then_token(void **state)
{
	(void)state;
	char since[32], x[ID_LEN], y[ID_LEN], token[TOKEN_LEN], token2[TOKEN_LEN], path[128];
	utc_stamp(-1, since, sizeof since);
	json_decref(draft(x));
	json_decref(draft(y));

	/* Both, oldest first, changed at or after the timestamp. */
	json_t *items = sync_walk(&srv, "/api/v1/inspections", insp, since, 50, token, sizeof token);
	expect_ids(items, (const char *const[]){x, y, NULL}, "sync from a timestamp");
	size_t i;
	json_t *it;
	char prev[20] = "", cur[20];
	json_array_foreach(items, i, it)
	{
		second_of(jstr(it, "updated_at"), cur);
		if (strncmp(cur, since, 19) < 0)
			fail_msg("%s changed at %s, before %s", jstr(it, "id"), jstr(it, "updated_at"), since);
		if (strcmp(cur, prev) < 0)
			fail_msg("sync not oldest first: %s after %s", cur, prev);
		snprintf(prev, sizeof prev, "%s", cur);
		assert_string_equal(jstr(it, "status"), "draft"); /* whole objects */
	}
	json_decref(items);

	/* Nothing new since the token. */
	items = sync_walk(&srv, "/api/v1/inspections", insp, token, 50, token2, sizeof token2);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* An edit: exactly that, in its new version. */
	json_t *o =
	        api_expect(&srv, "PUT", inspection_path(x, NULL, path, sizeof path), insp, "{\"notes\":\"补记\"}", 200);
	json_decref(o);
	items = sync_walk(&srv, "/api/v1/inspections", insp, token, 50, token2, sizeof token2);
	expect_ids(items, (const char *const[]){x, NULL}, "sync after an edit");
	assert_int_equal(jint(json_array_get(items, 0), "version"), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "notes"), "补记");
	json_decref(items);
	/* The same token again answers the same; the newer one nothing. */
	items = sync_walk(&srv, "/api/v1/inspections", insp, token, 50, NULL, 0);
	expect_ids(items, (const char *const[]){x, NULL}, "the same token again");
	json_decref(items);
	items = sync_walk(&srv, "/api/v1/inspections", insp, token2, 50, NULL, 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* The timestamp still covers both, the edited one now last. */
	items = sync_walk(&srv, "/api/v1/inspections", insp, since, 50, NULL, 0);
	expect_ids(items, (const char *const[]){y, x, NULL}, "timestamp sync after the edit");
	json_decref(items);
	/* RFC 3339 with an offset: an hour ago on Beijing time covers both. */
	time_t t = time(NULL) - 3600 + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	char offset_ts[40];
	strftime(offset_ts, sizeof offset_ts, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
	items = sync_walk(&srv, "/api/v1/inspections", insp, offset_ts, 50, NULL, 0);
	expect_ids(items, (const char *const[]){y, x, NULL}, "sync from a +08:00 timestamp");
	json_decref(items);
	/* A time in the future: nothing, but a token. */
	char later[32];
	items = sync_walk(&srv, "/api/v1/inspections", insp, utc_stamp(86400, later, sizeof later), 50, NULL, 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

/* ---- the same second ------------------------------------------------------------------- */

static void test_same_second(void **state)
{
	(void)state;
	char token[TOKEN_LEN], a[ID_LEN], b[ID_LEN], sa[20], sb[20];
	int same = 0;
	for (int attempt = 0; attempt < 5 && !same; attempt++) {
		token_now("/api/v1/inspections", insp, token);
		json_t *oa = draft(a), *ob = draft(b);
		second_of(jstr(oa, "updated_at"), sa);
		second_of(jstr(ob, "updated_at"), sb);
		same = strcmp(sa, sb) == 0;
		json_decref(oa);
		json_decref(ob);
		if (!same)
			continue;
		/* Exactly those two, once each, in commit order. */
		char next[TOKEN_LEN];
		json_t *items = sync_walk(&srv, "/api/v1/inspections", insp, token, 50, next, sizeof next);
		expect_ids(items, (const char *const[]){a, b, NULL}, "two writes in one second");
		json_decref(items);
		/* Page by page: the same. */
		items = sync_walk(&srv, "/api/v1/inspections", insp, token, 1, NULL, 0);
		expect_ids(items, (const char *const[]){a, b, NULL}, "two writes in one second, pages of 1");
		json_decref(items);
		/* A third write in that second: only it after the new token. */
		char c[ID_LEN];
		json_decref(draft(c));
		items = sync_walk(&srv, "/api/v1/inspections", insp, next, 50, NULL, 0);
		expect_ids(items, (const char *const[]){c, NULL}, "a third write after the token");
		json_decref(items);
	}
	if (!same)
		fail_msg("could not make two writes within one second in five attempts");
}

/* ---- tombstones ---------------------------------------------------------------------------- */

static void test_tombstone(void **state)
{
	(void)state;
	char token[TOKEN_LEN], since[32], d[ID_LEN], keep[ID_LEN], path[128];
	token_now("/api/v1/inspections", insp, token);
	utc_stamp(-1, since, sizeof since);
	json_decref(draft(d));
	json_decref(draft(keep));
	json_t *none = api_expect(&srv, "DELETE", inspection_path(d, NULL, path, sizeof path), insp, NULL, 204);
	assert_null(none);

	/* After the token: the kept draft, then the deletion (its latest change). */
	char next[TOKEN_LEN];
	json_t *items = sync_walk(&srv, "/api/v1/inspections", insp, token, 50, next, sizeof next);
	expect_ids(items, (const char *const[]){keep, d, NULL}, "sync with a deleted draft");
	assert_false(json_is_true(json_object_get(json_array_get(items, 0), "deleted")));
	assert_tombstone(json_array_get(items, 1), d);
	json_decref(items);
	/* By timestamp likewise. */
	items = sync_walk(&srv, "/api/v1/inspections", insp, since, 50, NULL, 0);
	assert_tombstone(find_by(items, "id", d), d);
	json_decref(items);
	/* Once seen, never again. */
	items = sync_walk(&srv, "/api/v1/inspections", insp, next, 50, NULL, 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	/* The plain list has no tombstones. */
	items = api_list_all(&srv, "/api/v1/inspections", insp, 50);
	assert_null(find_by(items, "id", d));
	assert_non_null(find_by(items, "id", keep));
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		assert_false(json_is_true(json_object_get(it, "deleted")));
	}
	json_decref(items);
	/* The supervisor of A, a reader of the village, sees the deletion too. */
	items = sync_walk(&srv, "/api/v1/inspections", crew.cast.supervisor.access, since, 50, NULL, 0);
	assert_tombstone(find_by(items, "id", d), d);
	json_decref(items);
}

/* ---- pagination under inserts ----------------------------------------------------------------- */

static void test_pagination_under_inserts(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++)
		json_decref(draft(NULL));
	json_t *before = api_list_all(&srv, "/api/v1/inspections", insp, 200);
	assert_true(json_array_size(before) >= 5);

	/* Pages of 2; a new inspection between every two pages. */
	json_t *seen = json_object(), *order = json_array();
	char *cursor = NULL;
	int inserted = 0;
	for (int page = 0; page < 100; page++) {
		char path[512];
		if (cursor) {
			char *esc = qs_escape(cursor);
			pathf(path, sizeof path, "/api/v1/inspections?limit=2&cursor=%s", esc);
			free(esc);
		} else {
			pathf(path, sizeof path, "/api/v1/inspections?limit=2");
		}
		json_t *j = api_expect(&srv, "GET", path, insp, NULL, 200);
		json_t *items = json_object_get(j, "items");
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			const char *id = jstr(it, "id");
			if (json_object_get(seen, id))
				fail_msg("page %d: %s listed twice", page, id);
			json_object_set_new(seen, id, json_true());
			json_array_append(order, it);
		}
		json_t *next = json_object_get(j, "next_cursor");
		free(cursor);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		json_decref(j);
		if (!cursor)
			break;
		if (inserted < 6) {
			json_decref(draft(NULL));
			inserted++;
		}
	}
	assert_null(cursor);
	size_t i;
	json_t *it;
	json_array_foreach(before, i, it)
	{
		if (!json_object_get(seen, jstr(it, "id")))
			fail_msg("%s existed before the walk but was never listed", jstr(it, "id"));
	}
	/* Still created_at, id order. */
	for (i = 1; i < json_array_size(order); i++) {
		json_t *p = json_array_get(order, i - 1), *c = json_array_get(order, i);
		int k = strcmp(jstr(p, "created_at"), jstr(c, "created_at"));
		if (k > 0 || (k == 0 && strcmp(jstr(p, "id"), jstr(c, "id")) >= 0))
			fail_msg("walk out of order at %zu", i);
	}
	assert_true(inserted > 0);
	json_decref(order);
	json_decref(seen);
	json_decref(before);
}

static void test_sync_pages_under_inserts(void **state)
{
	(void)state;
	char token[TOKEN_LEN];
	token_now("/api/v1/inspections", insp, token);
	char ids[5][ID_LEN];
	for (int i = 0; i < 5; i++)
		json_decref(draft(ids[i]));

	/* Walk the changes after token in pages of 2, writing between pages. */
	json_t *got = json_object(), *inserted = json_array();
	char *cursor = NULL, last_token[TOKEN_LEN] = "";
	char *esc_token = qs_escape(token);
	for (int page = 0; page < 100; page++) {
		char path[1024];
		if (cursor) {
			char *esc = qs_escape(cursor);
			pathf(path, sizeof path, "/api/v1/inspections?updated_since=%s&limit=2&cursor=%s", esc_token,
			      esc);
			free(esc);
		} else {
			pathf(path, sizeof path, "/api/v1/inspections?updated_since=%s&limit=2", esc_token);
		}
		json_t *j = api_expect(&srv, "GET", path, insp, NULL, 200);
		assert_non_null(jstr(j, "sync_token"));
		snprintf(last_token, sizeof last_token, "%s", jstr(j, "sync_token"));
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(j, "items"), i, it)
		{
			const char *id = jstr(it, "id");
			if (json_object_get(got, id))
				fail_msg("sync page %d: %s twice", page, id);
			json_object_set_new(got, id, json_integer(1));
		}
		json_t *next = json_object_get(j, "next_cursor");
		free(cursor);
		cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
		json_decref(j);
		if (!cursor)
			break;
		if (json_array_size(inserted) < 3) {
			char nid[ID_LEN];
			json_decref(draft(nid));
			json_array_append_new(inserted, json_string(nid));
		}
	}
	free(esc_token);
	assert_null(cursor);
	for (int i = 0; i < 5; i++)
		if (!json_object_get(got, ids[i]))
			fail_msg("change %d was missed", i);
	/* The next sync from the last page's token: whatever the walk did not
	 * see, and nothing it did. Together: every insert exactly once. */
	json_t *rest = sync_walk(&srv, "/api/v1/inspections", insp, last_token, 50, NULL, 0);
	size_t i;
	json_t *it;
	json_array_foreach(rest, i, it)
	{
		const char *id = jstr(it, "id");
		if (json_object_get(got, id))
			fail_msg("%s came in the walk and again after its sync_token", id);
		json_object_set_new(got, id, json_integer(1));
	}
	json_array_foreach(inserted, i, it)
	{
		if (!json_object_get(got, json_string_value(it)))
			fail_msg("the insert %s was never synced", json_string_value(it));
	}
	assert_int_equal(json_object_size(got), 5 + json_array_size(inserted));
	json_decref(rest);
	json_decref(inserted);
	json_decref(got);
}

/* ---- malformed ------------------------------------------------------------------------------------- */

static void test_malformed_since(void **state)
{
	(void)state;
	char id[ID_LEN], findings[160];
	json_decref(draft(id));
	inspection_path(id, "/findings", findings, sizeof findings);
	const char *lists[] = {"/api/v1/inspections", "/api/v1/rounds", "/api/v1/templates", findings};
	static const char *const bad[] = {
	        "yesterday", "2023-13-01T00:00:00Z", "2023-03-15T08:30:00", "2023-03-15T25:00:00Z",
	        "%00%01",    "not-a-token!"};
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
			char path[256];
			char *esc = strchr(bad[b], '%') ? strdup(bad[b]) : qs_escape(bad[b]);
			pathf(path, sizeof path, "%s?updated_since=%s", lists[l], esc);
			free(esc);
			const char *bearer = l == 1 ? crew.cast.supervisor.access : insp;
			expect_invalid(&srv, "GET", path, bearer, NULL, (const char *const[]){"updated_since", NULL});
		}
	}
}

/* ---- findings ---------------------------------------------------------------------------------------- */

static void test_findings_sync(void **state)
{
	(void)state;
	json_t *c = template_collective_item(tpl);
	const char *code = jstr(c, "code");
	char id[ID_LEN], path[160], since[32], t0[TOKEN_LEN], t1[TOKEN_LEN], t2[TOKEN_LEN], t3[TOKEN_LEN],
	        t4[TOKEN_LEN];
	json_decref(draft(id));
	inspection_path(id, "/findings", path, sizeof path);
	utc_stamp(-1, since, sizeof since);
	json_t *items = sync_walk(&srv, path, insp, since, 50, t0, sizeof t0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* Below the threshold: the automatic finding arrives. */
	json_t *answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 50000);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	items = sync_walk(&srv, path, insp, t0, 50, t1, sizeof t1);
	assert_int_equal(json_array_size(items), 1);
	char fid[ID_LEN];
	snprintf(fid, sizeof fid, "%s", jstr(json_array_get(items, 0), "id"));
	assert_true(json_is_true(json_object_get(json_array_get(items, 0), "auto")));
	assert_int_equal(jint(json_array_get(items, 0), "version"), 1);
	json_decref(items);

	/* Changed: once, in its new version. */
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 60000);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	items = sync_walk(&srv, path, insp, t1, 50, t2, sizeof t2);
	expect_ids(items, (const char *const[]){fid, NULL}, "findings after a change");
	assert_int_equal(jint(json_array_get(items, 0), "version"), 2);
	json_decref(items);

	/* A manual one. */
	json_t *m = api_expect(&srv, "POST", path, insp, "{\"severity\":\"low\",\"description\":\"宣传栏破损\"}", 201);
	char mid[ID_LEN];
	snprintf(mid, sizeof mid, "%s", jstr(m, "id"));
	json_decref(m);
	items = sync_walk(&srv, path, insp, t2, 50, t3, sizeof t3);
	expect_ids(items, (const char *const[]){mid, NULL}, "findings after a manual one");
	json_decref(items);

	/* Threshold met: the automatic finding becomes a tombstone. */
	answers = json_pack("[{s:s, s:i}]", "item_code", code, "value", 150000);
	json_decref(inspection_put_answers(&srv, insp, id, answers));
	json_decref(answers);
	items = sync_walk(&srv, path, insp, t3, 50, t4, sizeof t4);
	expect_ids(items, (const char *const[]){fid, NULL}, "findings after the fix");
	assert_tombstone(json_array_get(items, 0), fid);
	json_decref(items);
	items = sync_walk(&srv, path, insp, t4, 50, NULL, 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);

	/* From the timestamp: the manual finding, then the tombstone (latest change last). */
	items = sync_walk(&srv, path, insp, since, 1, NULL, 0);
	expect_ids(items, (const char *const[]){mid, fid, NULL}, "findings from the timestamp");
	assert_tombstone(json_array_get(items, 1), fid);
	json_decref(items);
	/* The plain list: only the manual one. */
	items = api_list_all(&srv, path, insp, 50);
	expect_ids(items, (const char *const[]){mid, NULL}, "findings without sync");
	json_decref(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_timestamp_then_token),
	        cmocka_unit_test(test_same_second),
	        cmocka_unit_test(test_tombstone),
	        cmocka_unit_test(test_pagination_under_inserts),
	        cmocka_unit_test(test_sync_pages_under_inserts),
	        cmocka_unit_test(test_malformed_since),
	        cmocka_unit_test(test_findings_sync),
	        cmocka_unit_test(test_clean_shutdown),
	};
	return cmocka_run_group_tests_name("api_sync", tests, group_setup, group_teardown);
}
