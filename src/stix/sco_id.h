/* Deterministic SCO ids (STIX 2.1 section 2.9): UUIDv5 in the STIX namespace
 * over the canonical JSON of the type's ID-contributing properties. */
#ifndef AC_STIX_SCO_ID_H
#define AC_STIX_SCO_ID_H

#include <jansson.h>
#include "base/rc.h"

#define STIX_ID_MAX 300

/* Writes "<type>--<uuid>" for the SCO obj into out. When the type has no
 * contributing properties present (or is custom without any), falls back to
 * a UUIDv4, as the spec allows. Fails with AC_ERR_INVALID when obj has no
 * string "type" (or one too long for an id) or a contributing property
 * holds a number JSON cannot carry, AC_ERR_LIMIT/AC_ERR_NOMEM as stix_jcs. */
ac_rc stix_sco_id(const json_t *obj, char out[STIX_ID_MAX]);

#endif
