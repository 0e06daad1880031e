/*
 * The HTTP harness of the fuzz targets that drive real handlers (fuzz_json,
 * fuzz_multipart, fuzz_tus): no socket, no civetweb server. The harness
 * defines the few civetweb functions the handlers call (mg_get_header,
 * mg_get_request_info, mg_read, mg_write, mg_get_thread_pointer,
 * mg_handle_form_request); the executable's definitions take precedence over
 * libcivetweb.so's. A request then goes the dispatcher's way (server.c:
 * route lookup, body checks, JSON parsing) into the handler, with a
 * principal chosen by the input instead of a token, and the worker's
 * database an in-memory SQLite migrated and seeded once, restored from its
 * pristine copy after any request that wrote to it (deterministic runs).
 *
 * Input: up to FZ_MAX_REQUESTS requests separated by a line "%%":
 *
 *   METHOD /path?query
 *   Header: value          (X-Fuzz-Role: admin|supervisor|inspector|cadre|viewer)
 *   ...
 *                          (blank line)
 *   body bytes
 */
#ifndef INSPECTD_FUZZ_HARNESS_H
#define INSPECTD_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

enum { FZ_MAX_REQUESTS = 4 };

/* Which routes an input may reach: a pattern prefix and flags (0: any). */
struct fz_scope {
	const char *pattern_prefix; /* NULL: any route */
	unsigned need_flags;        /* every one of these ROUTE_* flags */
};

/* Runs the input's requests (once-only set-up on first call). */
void fz_run_input(const uint8_t *data, size_t size, const struct fz_scope *scope);

/* Seeded ids, for seeds and dictionaries. */
#define FZ_ORG_CITY    "00000000-0000-4000-8000-0000000000c1"
#define FZ_ORG_TOWN    "00000000-0000-4000-8000-0000000000c2"
#define FZ_ORG_VILLAGE "00000000-0000-4000-8000-0000000000c3"

#endif
