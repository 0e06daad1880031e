/*
 * Contract mode of the API test harness: when $INSPECTD_TEST_PRISM names
 * the Prism CLI, every API test's HTTP goes through `prism proxy --errors`
 * (one proxy per test process, in front of the port the process's servers
 * listen on), so every request and response the suite makes is checked
 * against api-spec/openapi.yaml. What the proxy cannot carry is checked
 * offline with Prism's own validator at exit (api-spec/tools/
 * check-exchanges.cjs): bodies that are not JSON (multipart, tus PATCH),
 * and requests the spec refuses — the tests' deliberate bad inputs, which
 * Prism answers itself; they are sent to inspectd directly and must be
 * refused by it too (4xx). Binary responses (photos, CSV, XLSX), which the
 * proxy re-encodes as text, are validated through the proxy and their bytes
 * fetched directly.
 *
 * Any violation fails the running test (through the proxy) or the process
 * (offline check, at exit).
 */
#ifndef INSPECTD_TEST_CONTRACT_H
#define INSPECTD_TEST_CONTRACT_H

#include <stddef.h>

#include "harness.h"

/* 1 when the suite runs in contract mode. */
int contract_mode(void);

/*
 * For server_start: when the process's proxy is free, starts it if needed,
 * returns 1 and fills *port (where inspectd must listen) and base_url (the
 * proxy's URL, which the tests use). Returns 0 when this server must run
 * unproxied (another one of this process holds the proxy).
 */
int contract_claim(int *port, char *base_url, size_t len);
/* The proxied server stopped. */
void contract_release(void);

/*
 * http_do's way in contract mode: returns 1 when it handled the request
 * (the URL is the proxied server's), 0 to let http_do send it directly.
 */
int contract_http_do(const char *method, const char *url, const char *const *headers, const void *body, size_t len,
                     int chunked, struct http_resp *out);

/*
 * For requests a test streams itself (libcurl read callbacks: photo and tus
 * uploads) to s->direct_url: records the exchange for the offline check
 * when s is proxied; does nothing otherwise.
 */
void contract_record(const struct server_proc *s, const char *method, const char *path, const struct http_resp *r);

#endif
