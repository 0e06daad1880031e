/*
 * /api/v1/uploads: resumable photo uploads, the tus 1.0 protocol (core,
 * creation, termination, checksum with sha1, expiration) for phones on
 * networks that drop. A finished upload becomes a photo through the same
 * checks as POST /api/v1/photos.
 */
#ifndef INSPECTD_UPLOADS_H
#define INSPECTD_UPLOADS_H

#include <stddef.h>

struct req;
struct server;

/* The headers every tus response carries, and the discovery ones. */
#define TUS_VERSION    "1.0.0"
#define TUS_EXTENSIONS "creation,termination,checksum,expiration"

/*
 * Prepares <data>/uploads (removing expired uploads and files no upload
 * row names: leftovers of a crash) and starts the sweep that removes
 * expired uploads every upload-sweep-s seconds. 0, or -1 with err.
 */
int uploads_start(struct server *srv, char *err, size_t errlen);
/* Stops the sweep and frees what uploads_start made (safe when not started). */
void uploads_stop(struct server *srv);

/* 1 when path is /api/v1/uploads or below it. */
int uploads_path(const char *path);
/* Adds the discovery headers (Tus-Version, Tus-Extension, Tus-Max-Size,
 * Tus-Checksum-Algorithm) to an OPTIONS answer. */
void uploads_discovery_headers(struct req *req);

void uploads_create(struct req *req);
void uploads_get(struct req *req); /* GET (JSON) and HEAD (headers only) */
void uploads_patch(struct req *req);
void uploads_delete(struct req *req);

#endif
