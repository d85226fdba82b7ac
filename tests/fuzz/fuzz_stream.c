/* libFuzzer: the streaming bundle / JSON Lines splitter with small limits. */
#include "base/common.h"

#include "ingest/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ac_rc on_object(const char *p, size_t len, const struct stream_pos *pos,
		       void *ctx)
{
	(void)pos;
	(void)ctx;
	return len && p[len] == '\0' ? AC_OK : AC_ERR_INTERNAL;
}

static ac_rc on_bad(const struct stream_pos *pos, const struct ac_err *why,
		    void *ctx)
{
	(void)pos;
	(void)why;
	(void)ctx;
	return AC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stix_limits lim = { 4096, 16, 1024 };
	FILE *f;

	for (int fmt = STREAM_AUTO; fmt <= STREAM_JSONL; fmt++) {
		f = fmemopen((void *)data, size ? size : 1, "rb");
		if (!f)
			return 0;
		if (stream_read(f, (enum stream_format)fmt, &lim, on_object,
				on_bad, NULL, NULL) == AC_ERR_INTERNAL)
			abort(); /* an object was handed over malformed */
		fclose(f);
	}
	return 0;
}
