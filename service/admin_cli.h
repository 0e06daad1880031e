/*
 * Administrative commands that work on the database directly (no server
 * needed): the CSV import of the organization tree, and account set-up.
 *
 *   inspectd org import FILE.csv [--data DIR]
 *   inspectd user add --username U --role R --org ORG_CODE [--display-name N]
 *                     [--phone P] --password-stdin [--data DIR]
 *   inspectd user reset-password USERNAME --password-stdin [--data DIR]
 *
 * Each returns a process exit code: 0 done, 1 refused or failed, 2 usage.
 */
#ifndef INSPECTD_ADMIN_CLI_H
#define INSPECTD_ADMIN_CLI_H

#include <stddef.h>
#include <stdio.h>

struct db;

int cli_org(int argc, char **argv);

/*
 * The org import after the file is read (tests/fuzz drives it on an
 * in-memory database): parses data as CSV, checks the header, then every
 * row (each problem a line on errs), and imports all rows in one
 * transaction — or none. open_fn is called once the header is good and returns
 * the database (the caller closes it) or NULL with *rc the exit code to
 * return. name names the input in messages; "imported N organizations" goes
 * to out. Returns the process exit code.
 */
int org_import_csv(const char *name, const char *data, size_t len, FILE *out, FILE *errs,
                   struct db *(*open_fn)(void *arg, int *rc), void *arg);
int cli_user(int argc, char **argv);

/* inspectd seed-demo [--data DIR]: demo organizations and one account per role. */
int cli_seed_demo(int argc, char **argv);

#endif
