/*
 * /api/v1/uploads (tus 1.0): the header parsers — Tus-Resumable,
 * Upload-Length, Upload-Offset, Upload-Metadata (comma-separated
 * "key base64" pairs), Upload-Checksum ("sha1 <base64>") — through
 * uploads_create / _get / _patch / _delete, several requests per input so
 * a PATCH can follow its POST (a path "@" is the previous Location).
 * Input format: harness.h.
 */
#include "harness.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fz_scope scope = {"/api/v1/uploads", 0};
	if (size > 128 * 1024)
		return -1;
	fz_run_input(data, size, &scope);
	return 0;
}
