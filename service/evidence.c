/*
 * Evidence you can trust: the signals a supervisor sees on every photo —
 * taken far from the organization, outside the visit's time (or before the
 * task), EXIF and phone disagreeing, the same bytes or a near copy attached
 * elsewhere — and their summary on a visit or task. Computed when read, from
 * what was stored at upload (EXIF values, the perceptual hash) and the links
 * as they are now, so a signal is never stale. Nothing here rejects a photo.
 */
#include "evidence.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "base/log.h"
#include "server.h"

enum {
	NEAR_DISTANCE = 4,          /* dHash bits: a resized or recompressed copy */
	DISAGREE_TIME_S = 3600,     /* EXIF and the phone an hour apart */
	DISAGREE_DISTANCE_M = 1000, /* or a kilometre */
};

static double distance_m(double lat1, double lng1, double lat2, double lng2)
{
	const double r = 6371008.8, rad = M_PI / 180;
	double dlat = (lat2 - lat1) * rad, dlng = (lng2 - lng1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlng / 2) * sin(dlng / 2);
	return 2 * r * asin(sqrt(a < 1 ? a : 1));
}

static long long epoch_of(const char *ts)
{
	char utc[24];
	long long e = 0;
	return ts && *ts && timestamp_normalize(ts, utc, sizeof utc, &e) == 0 ? e : -1;
}

static void rfc3339(long long epoch, char out[24])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The client's values, when the phone sent them (not the EXIF fallback). */
static int client_time(const struct photo_row *p)
{
	return p->taken_at[0] && strcmp(p->taken_at_source, "client") == 0;
}

static int client_place(const struct photo_row *p)
{
	return p->has_location && strcmp(p->location_source, "client") == 0;
}

json_t *photo_checks(struct req *req, struct db *db, const struct photo_row *p)
{
	struct photo_context c;
	if (photo_context_get(db, p->id, &c) != STORE_OK)
		memset(&c, 0, sizeof c);
	long long window = req->srv->cfg->evidence_window_s;
	json_t *checks = json_object();
	json_object_set_new(checks, "exif_present", json_boolean(p->exif_present));
	json_object_set_new(checks, "exif_time", p->exif_taken_at[0] ? json_string(p->exif_taken_at) : json_null());
	json_object_set_new(checks, "exif_gps",
	                    p->has_exif_location ? json_pack("{s:f, s:f}", "lat", p->exif_lat, "lng", p->exif_lng)
	                                         : json_null());
	int alert = 0, warn = 0;

	/* far_from_org: EXIF place, else the phone's */
	json_t *far = json_null();
	int has_place = p->has_exif_location || p->has_location;
	double lat = p->has_exif_location ? p->exif_lat : p->lat, lng = p->has_exif_location ? p->exif_lng : p->lng;
	if (has_place && c.has_org_location) {
		double d = distance_m(lat, lng, c.org_lat, c.org_lng);
		if (d > c.org_radius_m) {
			far = json_pack("{s:I, s:i, s:s}", "distance_m", (json_int_t)llround(d), "radius_m",
			                c.org_radius_m, "org_id", c.org_id);
			alert = 1;
		}
	}
	json_object_set_new(checks, "far_from_org", far);

	/* time_mismatch: EXIF time, else the phone's, against the visit or the task */
	json_t *mismatch = json_null();
	long long taken = epoch_of(p->exif_taken_at[0] ? p->exif_taken_at : p->taken_at);
	if (taken >= 0 && (!strcmp(c.linked, "inspection") || !strcmp(c.linked, "finding"))) {
		long long from = epoch_of(c.started_at), to = epoch_of(c.finished_at);
		if (to < 0)
			to = (long long)time(NULL);
		long long gap = 0;
		if (from >= 0 && taken < from - window)
			gap = from - window - taken;
		else if (taken > to + window)
			gap = taken - to - window;
		if (gap > 0) {
			char f[24], t[24];
			if (from >= 0)
				rfc3339(from - window, f);
			rfc3339(to + window, t);
			mismatch = json_pack("{s:I, s:{s:s?, s:s}}", "gap_s", (json_int_t)gap, "window", "from",
			                     from >= 0 ? f : NULL, "to", t);
		}
	} else if (taken >= 0 && (!strcmp(c.linked, "task") || !strcmp(c.linked, "progress"))) {
		long long created = epoch_of(c.task_created_at);
		if (created >= 0 && taken < created - window) {
			char f[24];
			rfc3339(created - window, f);
			mismatch = json_pack("{s:I, s:{s:s, s:n}}", "gap_s", (json_int_t)(created - window - taken),
			                     "window", "from", f, "to");
		}
	}
	if (!json_is_null(mismatch))
		warn = 1;
	json_object_set_new(checks, "time_mismatch", mismatch);

	/* exif_client_disagree */
	json_t *disagree = json_null();
	json_t *dt = json_null(), *dd = json_null();
	if (p->exif_taken_at[0] && client_time(p)) {
		long long a = epoch_of(p->exif_taken_at), b = epoch_of(p->taken_at);
		if (a >= 0 && b >= 0 && llabs(a - b) > DISAGREE_TIME_S)
			dt = json_integer(llabs(a - b));
	}
	if (p->has_exif_location && client_place(p)) {
		double d = distance_m(p->exif_lat, p->exif_lng, p->lat, p->lng);
		if (d > DISAGREE_DISTANCE_M)
			dd = json_integer(llround(d));
	}
	if (!json_is_null(dt) || !json_is_null(dd)) {
		disagree = json_pack("{s:o, s:o}", "time_s", dt, "distance_m", dd);
		warn = 1;
	} else {
		json_decref(dt);
		json_decref(dd);
	}
	json_object_set_new(checks, "exif_client_disagree", disagree);

	/* copies */
	json_t *exact = json_array(), *near = json_array();
	if (photo_dupes_exact(db, p, exact) != STORE_OK || photo_dupes_near(db, p, &c, NEAR_DISTANCE, near) != STORE_OK)
		log_msg(LOG_ERROR, "evidence", "duplicate lookup failed");
	/* copies within the same visit or task are listed, but raise nothing */
	if (json_array_size(exact) > 0 && photo_exact_elsewhere(db, p, c.parent) > 0)
		alert = 1;
	if (json_array_size(near) > 0)
		alert = 1;
	json_object_set_new(checks, "duplicate_exact", exact);
	json_object_set_new(checks, "duplicate_near", near);
	json_object_set_new(checks, "level", json_string(alert ? "alert" : warn ? "warn" : "ok"));
	return checks;
}

json_t *evidence_summary(struct req *req, struct db *db, const json_t *photo_ids)
{
	static const char *const signals[] = {"far_from_org", "time_mismatch", "exif_client_disagree",
	                                      "duplicate_exact", "duplicate_near"};
	long long counts[5] = {0}, no_exif = 0, flagged = 0, photos = 0;
	int level = 0; /* 0 ok, 1 warn, 2 alert */
	size_t i;
	json_t *id;
	json_array_foreach(photo_ids, i, id)
	{
		struct photo_row p;
		if (!json_is_string(id) || photo_get(db, json_string_value(id), &p) != STORE_OK)
			continue;
		photos++;
		json_t *c = photo_checks(req, db, &p);
		for (int k = 0; k < 5; k++) {
			json_t *v = json_object_get(c, signals[k]);
			if (json_is_array(v) ? json_array_size(v) > 0 : !json_is_null(v))
				counts[k]++;
		}
		if (!p.exif_present)
			no_exif++;
		const char *l = json_string_value(json_object_get(c, "level"));
		int lv = l && !strcmp(l, "alert") ? 2 : l && !strcmp(l, "warn") ? 1 : 0;
		if (lv > 0)
			flagged++;
		if (lv > level)
			level = lv;
		json_decref(c);
	}
	return json_pack("{s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}}", "level",
	                 level == 2   ? "alert"
	                 : level == 1 ? "warn"
	                              : "ok",
	                 "photos", (json_int_t)photos, "flagged", (json_int_t)flagged, "counts", "far_from_org",
	                 (json_int_t)counts[0], "time_mismatch", (json_int_t)counts[1], "exif_client_disagree",
	                 (json_int_t)counts[2], "duplicate_exact", (json_int_t)counts[3], "duplicate_near",
	                 (json_int_t)counts[4], "no_exif", (json_int_t)no_exif);
}

int evidence_ack_or_reply(struct req *req, const json_t *body, json_t *summary, const char **note)
{
	*note = NULL;
	const char *level = json_string_value(json_object_get(summary, "level"));
	json_t *ack = json_object_get(body, "acknowledge_evidence");
	struct verr v;
	verr_init(&v);
	if (ack && !json_is_boolean(ack))
		verr_add(&v, "acknowledge_evidence", "须为布尔值");
	const char *n = field_string(&v, body, "evidence_note", FIELD_MULTILINE, 1, 500, NULL);
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return -1;
	if (!level || strcmp(level, "alert") != 0)
		return 0; /* nothing to acknowledge */
	if (!json_is_true(ack) || !n) {
		json_t *extra = json_pack("{s:O}", "evidence", summary);
		reply_problem(req, 409, "evidence_unacknowledged", extra,
		              "照片证据存疑（异地、重复或时间不符）：请核实后带上 acknowledge_evidence: true 和 "
		              "evidence_note 再操作");
		json_decref(extra);
		return -1;
	}
	*note = n;
	return 0;
}
