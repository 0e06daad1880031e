#include "testroutes.h"

#include <civetweb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "clock.h"
#include "db.h"
#include "http/req.h"

/* Echoes the parsed JSON body (or null when the body was empty). */
void test_echo(struct req *req)
{
	json_t *body = req->json ? json_incref(req->json) : json_null();
	reply_json_new(req, 200, json_pack("{s:o}", "received", body));
}

void test_params(struct req *req)
{
	const char *id, *part;
	size_t id_len, part_len;
	route_param_get(&req->params, "id", &id, &id_len);
	route_param_get(&req->params, "part", &part, &part_len);
	reply_json_new(req, 200, json_pack("{s:s%, s:s%}", "id", id, id_len, "part", part, part_len));
}

/* Sleeps ?ms= milliseconds (at most 10 s), then answers. */
void test_sleep(struct req *req)
{
	char value[16];
	long ms = 0;
	const char *qs = req->ri->query_string;
	if (qs && mg_get_var(qs, strlen(qs), "ms", value, sizeof value) > 0)
		ms = strtol(value, NULL, 10);
	if (ms < 0 || ms > 10000) {
		reply_problem(req, 400, "bad_request", NULL, "ms must be 0..10000");
		return;
	}
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
	reply_json_new(req, 200, json_pack("{s:i}", "slept_ms", (int)ms));
}

/* Pins the calendar clock: {"now": "<RFC 3339>"} or {"now": null}. */
void test_clock(struct req *req)
{
	json_t *now = req->json ? json_object_get(req->json, "now") : NULL;
	if (json_is_null(now)) {
		clock_pin(0, 0);
		reply_json_new(req, 200, json_pack("{s:n}", "now"));
		return;
	}
	char utc[24];
	long long epoch = 0;
	if (!json_is_string(now) || timestamp_normalize(json_string_value(now), utc, sizeof utc, &epoch) != 0) {
		reply_problem(req, 400, "bad_request", NULL, "now must be an RFC 3339 time or null");
		return;
	}
	clock_pin(1, epoch);
	reply_json_new(req, 200, json_pack("{s:s}", "now", utc));
}

/* The query plans of every statement prepared so far (db_query_plans). */
void test_query_plans(struct req *req)
{
	json_t *plans = db_query_plans(), *items = json_array(), *details;
	const char *sql;
	json_object_foreach(plans, sql, details)
		json_array_append_new(items, json_pack("{s:s, s:O}", "sql", sql, "plan", details));
	json_decref(plans);
	reply_json_new(req, 200, json_pack("{s:o}", "statements", items));
}
