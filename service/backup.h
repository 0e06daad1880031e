/*
 * Backups of a data directory while the service runs, and restoring one.
 *
 *   inspectd backup DEST [--data DIR]
 *   inspectd restore SRC [--force] [--data DIR]
 *
 * A backup directory (created 0700: it holds jwt.key) contains
 *
 *   inspectd.db     a consistent copy made with SQLite's online backup API
 *                   from one read snapshot (writers go on meanwhile),
 *                   integrity-checked, in rollback-journal mode
 *   photos/ab/cd/<sha256>  every blob a photo row of that copy refers to
 *                   (hard links on the same filesystem, else fsynced copies),
 *                   each verified against its SHA-256
 *   jwt.key         the signing keys, so issued tokens stay valid
 *   MANIFEST.json   written last (temporary name, fsync, rename): a
 *                   directory without it is no backup
 *
 * Left out: unfinished tus uploads (their rows are dropped from the copy, so
 * a client resuming one gets 404 and starts again) and the thumbnail cache
 * (made again on demand).
 *
 * restore verifies everything (manifest, database hash and integrity, every
 * blob's hash) before it touches the target, refuses a target that holds
 * data unless --force (which moves it aside, never deletes it) and refuses
 * while another process (a server) has the target's database open.
 *
 * Each returns a process exit code: 0 done, 1 refused or failed, 2 usage.
 */
#ifndef INSPECTD_BACKUP_H
#define INSPECTD_BACKUP_H

int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);

#endif
