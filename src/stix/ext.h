/* accord's STIX 2.1 extension definitions for law-enforcement data (person
 * details, vehicle, phone number, document, account, seizure). They ship with
 * every node as extension-definition objects and are validated like core
 * types. */
#ifndef AC_STIX_EXT_H
#define AC_STIX_EXT_H

#include <jansson.h>
#include <stddef.h>
#include "stix/validate.h"

struct stix_ext_def {
	const char *id;   /* extension-definition--<uuid> */
	const char *name; /* short name, e.g. "person" */
	/* Validates the extension's body found at `path` inside object `objid`.
	 * Adds errors/warnings to rep. */
	void (*validate)(const json_t *body, const char *objid,
			 const char *path, struct stix_report *rep);
};

/* The definition for an extension id, or NULL if accord does not know it. */
const struct stix_ext_def *stix_ext_find(const char *ext_id);
size_t stix_ext_count(void);
const struct stix_ext_def *stix_ext_at(size_t i);

/* New reference to a bundle-free array holding the extension-definition
 * objects (and the identity that created them) that every node imports. */
json_t *stix_ext_definitions(void);

#endif
