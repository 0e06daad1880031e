/*
 * First start: on a database without users, create the root organization
 * (INSPECTD_BOOTSTRAP_ORG_NAME, default 本市, level city, code "root") and the
 * user "admin" with the password from INSPECTD_BOOTSTRAP_ADMIN_PASSWORD, or a
 * generated one printed once on stderr.
 */
#ifndef INSPECTD_BOOTSTRAP_H
#define INSPECTD_BOOTSTRAP_H

#include <stddef.h>

/* 0 on success (or nothing to do); -2 for a bad environment value, -1 for
 * other failures; err says why. */
int bootstrap_run(const char *db_path, char *err, size_t errlen);

#endif
