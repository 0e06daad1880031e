#include "render.h"

/* "" in a fixed-size field stands for SQL NULL. */
static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

json_t *org_json(const struct org *o)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:s, s:s}", "id", o->id, "code", o->code,
	                      "name", o->name, "level", o->level, "parent_id", text_or_null(o->parent_id), "category",
	                      text_or_null(o->category), "status", o->status, "path", o->path, "version",
	                      (json_int_t)o->version, "created_at", o->created_at, "updated_at", o->updated_at);
	if (j) {
		json_object_set_new(j, "lat", o->has_location ? json_real(o->lat) : json_null());
		json_object_set_new(j, "lng", o->has_location ? json_real(o->lng) : json_null());
		json_object_set_new(j, "radius_m", o->has_location ? json_integer(o->radius_m) : json_null());
	}
	return j;
}

json_t *user_json(const struct user *u)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:I, s:s, s:s}", "id", u->id, "username",
	                 u->username, "display_name", u->display_name, "phone", text_or_null(u->phone), "role", u->role,
	                 "org_id", u->org_id, "org_name", u->org_name, "disabled", u->disabled, "version",
	                 (json_int_t)u->version, "created_at", u->created_at, "updated_at", u->updated_at);
}
