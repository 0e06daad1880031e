/*
 * Organizations: the tree city → town → village → group with materialized
 * paths. Every read takes a scope (a path prefix and its end, see
 * auth/policy.h) that goes into the WHERE clause; pass scope "/" and end "0"
 * for internal, unscoped use (bootstrap, import).
 */
#ifndef INSPECTD_ORG_STORE_H
#define INSPECTD_ORG_STORE_H

#include "db.h"

enum { ORG_PATH_LEN = 256 };

struct org {
	char id[37];
	char code[65];
	char name[401];
	char level[8];
	char parent_id[37]; /* "" for a root */
	char path[ORG_PATH_LEN];
	char category[16]; /* "" for none */
	char status[12];
	int has_location; /* lat, lng and radius_m (metres) when set */
	double lat, lng;
	int radius_m;
	long long version;
	char created_at[24];
	char updated_at[24];
};

struct org_filter {
	const char *level, *parent_id, *status, *category; /* NULL: any */
	const char *q;                                     /* name substring, or NULL */
	const char *after_path;                            /* keyset cursor, or NULL */
	int limit;
};

/* The level below (town for city …), or NULL for group / unknown. */
const char *org_level_child(const char *level);

enum store_status org_store_get(struct db *db, const char *id, const char *scope, const char *scope_end,
                                struct org *out);
enum store_status org_store_get_by_code(struct db *db, const char *code, struct org *out);

/* Inserts o (id, code, name, level, parent_id, category, status set by the
 * caller; parent_path is the parent's path or NULL for a root). Fills path,
 * version and timestamps. STORE_CONFLICT when the id or code exists. */
enum store_status org_store_create(struct db *db, struct org *o, const char *parent_path);

/* Updates name, code, category, status of o->id when its version equals
 * if_match (0: any). On success o is reloaded. STORE_STALE / STORE_NOT_FOUND
 * / STORE_CONFLICT (code taken). */
enum store_status org_store_update(struct db *db, struct org *o, long long if_match);

/* Calls each for every org in scope matching f, in path order, up to
 * f->limit. Returns STORE_OK or STORE_DB. */
enum store_status org_store_list(struct db *db, const struct org_filter *f, const char *scope, const char *scope_end,
                                 int (*each)(const struct org *o, void *ctx), void *ctx);

/* Direct children of parent_id (already scope-checked by the caller), by code. */
enum store_status org_store_children(struct db *db, const char *parent_id, int (*each)(const struct org *o, void *ctx),
                                     void *ctx);

/* Number of organizations (all). */
long long org_store_count(struct db *db);

#endif
