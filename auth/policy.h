/*
 * Authorization in one place: who may do what to which organization.
 *
 * A principal is the authenticated caller. Scope is the caller's subtree of
 * the organization tree, as a materialized-path prefix: "/" for admin (all),
 * the own org's path for everyone else. Stores put the scope into their SQL
 * (WHERE path >= :scope AND path < :scope_end), never filter afterwards.
 *
 * Decisions: outside the scope an object does not exist for the caller
 * (POLICY_HIDDEN → 404); inside it but not allowed for the role,
 * POLICY_FORBIDDEN (403).
 */
#ifndef INSPECTD_POLICY_H
#define INSPECTD_POLICY_H

#include <stddef.h>

enum role { ROLE_ADMIN, ROLE_SUPERVISOR, ROLE_INSPECTOR, ROLE_CADRE, ROLE_VIEWER, ROLE_INVALID };

enum { ORG_PATH_MAX = 256 };

struct principal {
	char user_id[37];
	char username[33];
	enum role role;
	char org_id[37];
	char org_path[ORG_PATH_MAX];
	char session_id[37];
};

enum action {
	ACT_ORG_READ,
	ACT_ORG_WRITE,
	ACT_USER_LIST, /* list users at all */
	ACT_USER_READ, /* read one user (target: the user's org) */
	ACT_USER_WRITE,
	ACT_TEMPLATE_WRITE,
	ACT_ROUND_READ,
	ACT_ROUND_WRITE,
	ACT_INSPECTION_CREATE, /* start a visit */
	ACT_INSPECTION_REVIEW, /* approve or return */
	ACT_FINDING_REVIEW,    /* supervisors' findings on any not-yet-approved inspection */
};

enum decision { POLICY_ALLOW, POLICY_HIDDEN, POLICY_FORBIDDEN };

enum role role_parse(const char *s);
const char *role_name(enum role r);

/* The path prefix the principal may see. */
const char *policy_scope(const struct principal *p);

/* Writes the exclusive upper bound of the scope's path range into out. */
void policy_scope_end(const char *scope, char *out, size_t outlen);

/* 1 when path lies in the subtree rooted at scope. */
int policy_path_in_scope(const char *scope, const char *path);

/*
 * May p do action on an object of the organization at target_path?
 * target_path NULL means "no particular object" (lists).
 */
enum decision policy_decide(const struct principal *p, enum action action, const char *target_path);

/*
 * Which inspections a role sees, as a mode for the stores' SQL: 0 all
 * (admin), 1 the subtree (supervisor, viewer), 2 own visits and those of
 * rounds assigned to the caller (inspector), 3 approved results in the
 * subtree (cadre).
 */
int policy_inspection_mode(enum role r);

/* Which rounds a role sees: 0 all, 1 subtree (owner or a target inside),
 * 2 assigned (inspector), -1 none (cadre). */
int policy_round_mode(enum role r);

#endif
