/* Strict JSON parsing for untrusted input (jansson underneath).
 * Rejects duplicate keys, invalid UTF-8, NUL in strings, and anything past the
 * size, depth and string-length caps. */
#ifndef AC_STIX_JSON_H
#define AC_STIX_JSON_H

#include <jansson.h>
#include <stddef.h>
#include "base/rc.h"

struct stix_limits {
	size_t max_object_bytes; /* one object's serialized size */
	size_t max_depth;        /* nesting of arrays/objects */
	size_t max_string_bytes; /* one string value or key */
};

#define STIX_LIMITS_DEFAULT { 4u << 20, 32, 1u << 20 }

/* Parses exactly one JSON value from data[0..len). On success *out is a new
 * reference the caller must json_decref. On failure err says what and where
 * (byte offset / line) and why; returns AC_ERR_PARSE or AC_ERR_LIMIT. */
ac_rc stix_json_parse(const char *data, size_t len,
		      const struct stix_limits *lim, json_t **out,
		      struct ac_err *err);

/* stix_json_parse without the pre-pass, for text already held to the same
 * size, depth and string-length limits (as the stream splitter does). */
ac_rc stix_json_parse_checked(const char *data, size_t len, json_t **out,
			      struct ac_err *err);
/* stix_json_parse_checked that also tells whether data is exactly the
 * value's RFC 8785 form (what stix_jcs would write), so a caller can use
 * the text as it is. False means "not known to be", never an error. */
ac_rc stix_json_parse_canon(const char *data, size_t len, json_t **out,
			    bool *canonical, struct ac_err *err);

/* Checks nesting depth and string lengths of raw JSON text without building
 * it; used before handing text to jansson. */
ac_rc stix_json_precheck(const char *data, size_t len,
			 const struct stix_limits *lim, struct ac_err *err);

/* Convenience getters: NULL / false when absent or of another type. */
const char *stix_get_str(const json_t *obj, const char *key);

#endif
