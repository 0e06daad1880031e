/*
 * The JSON request validators of every resource, through their handlers:
 * any route that takes a JSON object body (ROUTE_BODY_JSON), parsed as the
 * dispatcher does (depth cap, JSON_REJECT_DUPLICATES, objects only), as one
 * of the seeded users (X-Fuzz-Role), against the seeded in-memory database.
 * Several requests per input let a create be followed by an update of the
 * same client-chosen id. Input format: harness.h.
 */
#include "harness.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_scope scope = {NULL, ROUTE_BODY_JSON};
	if (size > 64 * 1024)
		return -1;
	fz_run_input(data, size, &scope);
	return 0;
}
