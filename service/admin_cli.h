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

int cli_org(int argc, char **argv);
int cli_user(int argc, char **argv);

/* inspectd seed-demo [--data DIR]: demo organizations and one account per role. */
int cli_seed_demo(int argc, char **argv);

#endif
