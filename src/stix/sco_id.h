/* Deterministic SCO ids (STIX 2.1 section 2.9): UUIDv5 in the STIX namespace
 * over the canonical JSON of the type's ID-contributing properties. */
#ifndef AC_STIX_SCO_ID_H
#define AC_STIX_SCO_ID_H

#include <jansson.h>
#include "base/rc.h"

#define STIX_ID_MAX 300

/* Writes "<type>--<uuid>" for the SCO obj into out. When the type has no
 * contributing properties present (or is custom without any), falls back to
 * a UUIDv4, as the spec allows. */
ac_rc stix_sco_id(const json_t *obj, char out[STIX_ID_MAX]);

#endif
