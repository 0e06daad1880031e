#include "policy.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[] = {"admin", "supervisor", "inspector", "cadre", "viewer"};

enum role role_parse(const char *s)
{
	for (int i = 0; i < ROLE_INVALID; i++)
		if (s && strcmp(s, role_names[i]) == 0)
			return (enum role)i;
	return ROLE_INVALID;
}

const char *role_name(enum role r)
{
	return r < ROLE_INVALID ? role_names[r] : "invalid";
}

const char *policy_scope(const struct principal *p)
{
	return p->role == ROLE_ADMIN ? "/" : p->org_path;
}

void policy_scope_end(const char *scope, char *out, size_t outlen)
{
	/* Paths end with '/', and '0' is the byte after '/'. */
	size_t n = strlen(scope);
	snprintf(out, outlen, "%.*s0", (int)(n ? n - 1 : 0), scope);
}

int policy_path_in_scope(const char *scope, const char *path)
{
	return strncmp(path, scope, strlen(scope)) == 0;
}

/* Which roles may do what, inside their scope. */
static int role_allows(enum role r, enum action a)
{
	switch (a) {
	case ACT_ORG_READ: return r != ROLE_INVALID;
	case ACT_ORG_WRITE: return r == ROLE_ADMIN;
	case ACT_USER_LIST:
	case ACT_USER_READ: return r == ROLE_ADMIN || r == ROLE_SUPERVISOR;
	case ACT_USER_WRITE: return r == ROLE_ADMIN;
	case ACT_TEMPLATE_WRITE: return r == ROLE_ADMIN;
	case ACT_ROUND_READ: return r != ROLE_CADRE && r != ROLE_INVALID;
	case ACT_ROUND_WRITE: return r == ROLE_ADMIN || r == ROLE_SUPERVISOR;
	case ACT_INSPECTION_CREATE: return r == ROLE_INSPECTOR;
	case ACT_INSPECTION_REVIEW:
	case ACT_FINDING_REVIEW: return r == ROLE_ADMIN || r == ROLE_SUPERVISOR;
	}
	return 0;
}

enum decision policy_decide(const struct principal *p, enum action action, const char *target_path)
{
	if (target_path && !policy_path_in_scope(policy_scope(p), target_path))
		return POLICY_HIDDEN;
	return role_allows(p->role, action) ? POLICY_ALLOW : POLICY_FORBIDDEN;
}

int policy_inspection_mode(enum role r)
{
	switch (r) {
	case ROLE_ADMIN: return 0;
	case ROLE_SUPERVISOR:
	case ROLE_VIEWER: return 1;
	case ROLE_INSPECTOR: return 2;
	case ROLE_CADRE: return 3;
	case ROLE_INVALID: break;
	}
	return 3;
}

int policy_round_mode(enum role r)
{
	switch (r) {
	case ROLE_ADMIN: return 0;
	case ROLE_SUPERVISOR:
	case ROLE_VIEWER: return 1;
	case ROLE_INSPECTOR: return 2;
	case ROLE_CADRE:
	case ROLE_INVALID: break;
	}
	return -1;
}
