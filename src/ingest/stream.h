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
	STREAM_AUTO,   /* bundle if the first value is an object whose own
			  (depth 1) "type" is "bundle" or whose "objects" is
			  an array, seen before any other "type"; otherwise
			  JSON Lines, the first value being record 0 (it alone
			  may span lines, so one pretty-printed object works) */
	STREAM_BUNDLE, /* one top-level object with an "objects" array;
			  members may come in any order; a "type" other
			  than "bundle" is an error when it is seen */
	STREAM_JSONL,  /* one object per line; blank lines and \r\n are fine */
};

/* Where an object came from, for error messages. */
struct stream_pos {
	uint64_t index;  /* 0-based object number: the element index in a
			    bundle, the non-blank line number in JSON Lines
			    (bad lines count too) */
	uint64_t offset; /* 0-based byte offset of the object's first byte */
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
 * one bad line does not lose the rest; NULL bad_line makes it fatal.
 * Limits apply per object (depth counted from the object itself) and to every
 * string's raw bytes, envelope strings included. Input with no value at all
 * (empty, or only whitespace / a UTF-8 BOM) is AC_ERR_PARSE "no objects
 * found"; an empty "objects" array is fine (no callbacks). A read error is
 * AC_ERR_IO. Memory: one 64 KiB read buffer plus one object. */
typedef ac_rc (*stream_bad_cb)(const struct stream_pos *pos,
			       const struct ac_err *why, void *ctx);

ac_rc stream_read(FILE *in, enum stream_format fmt,
		  const struct stix_limits *lim, stream_object_cb cb,
		  stream_bad_cb bad_line, void *ctx, struct ac_err *err);

/* Called when the input has nothing more to read yet (a pipe, socket or
 * terminal between its writer's writes), before waiting for it. An error
 * stops the stream and is returned. */
typedef ac_rc (*stream_idle_cb)(void *ctx);

/* stream_read that also calls idle (may be NULL) when a live input
 * pauses. A pipe, socket or terminal is read as data arrives (read(2), not
 * whole 64 KiB chunks), so its objects reach cb as they come; nothing may
 * have read from `in` through stdio before. */
ac_rc stream_read_live(FILE *in, enum stream_format fmt,
		       const struct stix_limits *lim, stream_object_cb cb,
		       stream_bad_cb bad_line, stream_idle_cb idle, void *ctx,
		       struct ac_err *err);

#endif
