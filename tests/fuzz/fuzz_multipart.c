/*
 * POST /api/v1/photos: the multipart reader (photos.c's form callbacks fed
 * the way civetweb 1.15 feeds them: chunks of 8192, the key only on the
 * first chunk, a bogus huge length for an empty part — see harness.c), the
 * raw-image shape with fields in the query string, the text fields and the
 * admission checks, into the blob store on tmpfs. Input format: harness.h.
 */
#include "harness.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_scope scope = {"/api/v1/photos", 0};
	if (size > 256 * 1024)
		return -1;
	fz_run_input(data, size, &scope);
	return 0;
}
