/* The person names of a STIX object: what the name index holds for it.
 * Described in docs/internals/names.md ("Integration"). */
#ifndef AC_NAMES_EXTRACT_H
#define AC_NAMES_EXTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define NAMES_PERSON_MAX 64 /* names kept per object; more are dropped */

/* True for an identity that describes a person: identity_class
 * "individual" or accord's person extension. */
bool names_is_person(const json_t *obj);

/* Collects the person names of obj into out (room for cap): the identity
 * `name`, its `aliases` / `x_aliases` strings and every `names[].value` of
 * the person extension except those of kind given, family or patronymic
 * (parts of the full name). Exact duplicates, empty strings and strings over
 * NAMES_MAX_BYTES are skipped. The strings are borrowed from obj. Returns
 * the count (0 when obj is no person). */
size_t names_of_person(const json_t *obj, const char **out, size_t cap);

#endif
