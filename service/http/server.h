/*
 * The HTTP server: civetweb set-up, the one dispatcher every request goes
 * through, per-worker database connections and graceful shutdown.
 */
#ifndef INSPECTD_SERVER_H
#define INSPECTD_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"
#include "blob_store.h"
#include "jwt_access.h"
#include "metrics.h"
#include "router.h"

struct mg_context;
struct mg_connection;
struct db;

struct server {
	const struct config *cfg;
	struct route *routes; /* the enabled routes, in table order */
	size_t nroutes;
	struct metrics *metrics;
	struct mg_context *mg;
	char *db_path;
	atomic_int draining; /* set on SIGTERM: new requests get 503 */
	struct jwt_keys keys;
	struct blob_store *blobs; /* photo bytes */
	struct uploads *uploads;  /* resumable uploads (uploads.c) */
	struct webhook_worker *webhooks; /* the delivery worker (webhooks.c) */
	struct bodywatch *bodywatch;     /* deadlines for request bodies (bodywatch.h) */
};

/* The route table (routes.c), in the order of API.md. */
extern const struct route route_table[];
extern const size_t route_table_count;

/*
 * Runs `inspectd serve` with a validated configuration: prepares the data
 * directory, migrates, listens, serves until SIGINT/SIGTERM, drains and
 * stops. Returns the process exit code.
 */
int server_run(const struct config *cfg);

/* The calling worker's database connection, opened on first use (NULL on
 * failure, logged). */
struct db *server_worker_db(struct mg_connection *conn);

/* Creates dir and its parents (mode 0750 for new ones). 0 on success. */
int mkdir_p(const char *dir);

/* Opens the database at db_path and applies pending migrations, logging the
 * outcome. Returns 0, or -1 with err filled. Used by serve and migrate. */
int server_migrate(const char *db_path, char *err, size_t errlen);

#endif
