/* RFC 8785 JSON Canonicalization Scheme. */
#ifndef AC_STIX_JCS_H
#define AC_STIX_JCS_H

#include <jansson.h>
#include "base/buf.h"

/* Appends the canonical form of v to out. Fails with AC_ERR_INVALID for
 * numbers JSON cannot carry (NaN, infinity), AC_ERR_LIMIT if out is full or
 * v nests deeper than 2048 levels; on failure out is left as it was. */
ac_rc stix_jcs(const json_t *v, struct ac_buf *out);

/* Calls each(key, value, ctx) for the members of object v in the order
 * stix_jcs writes them (RFC 8785: keys by UTF-16 code units). AC_ERR_NOMEM,
 * calling nothing, when the member list of a large object cannot be
 * allocated; AC_ERR_INVALID when v is not an object. */
ac_rc stix_jcs_each_member(const json_t *v,
			   void (*each)(const char *key, const json_t *value,
					void *ctx),
			   void *ctx);

/* Formats a double as ECMAScript Number.prototype.toString does (shortest
 * round-trip digits), which RFC 8785 requires. out needs 32 bytes. */
ac_rc stix_jcs_number(double d, char out[32]);

#endif
