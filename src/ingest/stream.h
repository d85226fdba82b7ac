/* Streaming splitter for bulk input. Reads a STIX bundle
 * ({"type":"bundle","objects":[...]}) or JSON Lines from a FILE* in fixed-size
 * chunks and hands each top-level object's raw bytes to a callback, so a 1 GB
 * bundle needs memory for one object at a time. jansson has no streaming
 * parser, hence this small scanner; each object is then parsed strictly by
 * stix_json_parse. */
#ifndef AC_INGEST_STREAM_H
#define AC_INGEST_STREAM_H

#include <stdio.h>
#include <stdint.h>
#include "base/rc.h"
#include "stix/json.h"

enum stream_format {
	STREAM_AUTO,   /* bundle if the first value is an object with
			  "type": "bundle" ... detected by content */
	STREAM_BUNDLE,
	STREAM_JSONL,
};

/* Where an object came from, for error messages. */
struct stream_pos {
	uint64_t index;  /* 0-based object number */
	uint64_t offset; /* byte offset of the object's first byte */
	uint64_t line;   /* 1-based line of the object's first byte */
};

/* Called once per object with its raw bytes (not NUL-terminated beyond len;
 * data[len] is '\0' for convenience). Return AC_OK to go on; anything else
 * stops the stream and is returned by stream_read. */
typedef ac_rc (*stream_object_cb)(const char *data, size_t len,
				  const struct stream_pos *pos, void *ctx);

/* Splits the input. Structural errors (not JSON, truncated input, an object
 * over lim->max_object_bytes, nesting over lim->max_depth, a bundle whose
 * "objects" is not an array, trailing garbage) stop the stream with
 * AC_ERR_PARSE / AC_ERR_LIMIT and a message giving the byte offset and line.
 * Objects already handed to the callback stay handed. For JSON Lines, a
 * malformed line is reported through `bad_line` (if not NULL) and skipped, so
 * one bad line does not lose the rest; NULL bad_line makes it fatal. */
typedef ac_rc (*stream_bad_cb)(const struct stream_pos *pos,
			       const struct ac_err *why, void *ctx);

ac_rc stream_read(FILE *in, enum stream_format fmt,
		  const struct stix_limits *lim, stream_object_cb cb,
		  stream_bad_cb bad_line, void *ctx, struct ac_err *err);

#endif
