/*
 * Accounts. Reads take the caller's scope (the org path range, see
 * auth/policy.h) into their SQL. Password hashes leave this store only
 * through user_store_get_login.
 */
#ifndef INSPECTD_USER_STORE_H
#define INSPECTD_USER_STORE_H

#include "db.h"
#include "org_store.h"

struct user {
	char id[37];
	char username[33];
	char display_name[257];
	char phone[32];
	char role[16];
	char org_id[37];
	char org_name[401];
	char org_code[65];
	char org_level[8];
	char org_path[ORG_PATH_LEN];
	int disabled;
	long long token_version;
	long long version;
	char created_at[24];
	char updated_at[24];
};

struct user_filter {
	const char *role, *org_id, *q; /* NULL: any */
	int disabled;                  /* -1: any */
	const char *after;             /* keyset cursor: the last username, lower-cased */
	int limit;
};

enum store_status user_store_get(struct db *db, const char *id, const char *scope, const char *scope_end,
                                 struct user *out);
/* A request's caller: the user, when session_id is theirs and not revoked
 * (STORE_NOT_FOUND otherwise). One statement on every authenticated request. */
enum store_status user_store_get_signed_in(struct db *db, const char *id, const char *session_id, struct user *out);

/* For login: by username (case-insensitive), with the password hash. */
enum store_status user_store_get_login(struct db *db, const char *username, struct user *out, char *hash,
                                       size_t hashlen);
enum store_status user_store_get_hash(struct db *db, const char *id, char *hash, size_t hashlen);

/* Inserts u (id, username, display_name, phone, role, org_id) with hash.
 * STORE_CONFLICT when the username (or id) is taken. u is reloaded. */
enum store_status user_store_create(struct db *db, struct user *u, const char *hash);

/*
 * Writes display_name, phone, role, org_id, disabled of u->id when the
 * version equals if_match (0: any); hash (NULL: unchanged) replaces the
 * password. bump_tokens adds one to token_version. u is reloaded.
 */
enum store_status user_store_update(struct db *db, struct user *u, long long if_match, const char *hash,
                                    int bump_tokens);

enum store_status user_store_list(struct db *db, const struct user_filter *f, const char *scope, const char *scope_end,
                                  int (*each)(const struct user *u, void *ctx), void *ctx);

long long user_store_count(struct db *db);

#endif
