/* accord's STIX 2.1 extension definitions for law-enforcement data (person
 * details, vehicle, phone number, document, account, seizure). They ship with
 * every node as extension-definition objects and are validated like core
 * types. */
#ifndef AC_STIX_EXT_H
#define AC_STIX_EXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "stix/validate.h"

/* Fixed ids of accord's extension definitions and of the identity that
 * created them (docs/extensions.md). */
#define STIX_EXT_ACCORD_IDENTITY "identity--02e8dd03-26af-44da-a295-1e6972199433"
#define STIX_EXT_PERSON "extension-definition--f6847bb6-02c2-41de-957f-cda80662ccdb"
#define STIX_EXT_VEHICLE "extension-definition--930b1329-ae50-4fb1-9bab-4b558e7c0251"
#define STIX_EXT_PHONE "extension-definition--440bd894-dea9-4946-9e98-d240e262db98"
#define STIX_EXT_DOCUMENT "extension-definition--fe7252bb-9bf9-4e0d-9051-f25ef3939d8c"
#define STIX_EXT_ACCOUNT "extension-definition--65835236-d3bb-4c11-adbc-11407e26af05"
#define STIX_EXT_SEIZURE "extension-definition--494bf011-5e07-454e-9e6d-524c0704d539"
/* Handling markings on any object: handling code, evaluation, crime areas,
 * RED recipients, retention (src/policy/markings.h). */
#define STIX_EXT_HANDLING "extension-definition--05ea4847-bb88-4c1a-af65-7e077cbbdd26"
/* Signed provenance: the originating node's Ed25519 signature on any
 * object (src/federation/provenance.h). */
#define STIX_EXT_PROVENANCE "extension-definition--6f1c4a9e-3b57-4d0a-9a3e-acc0fed00001"
/* Erasure propagation between nodes (src/federation/erasure.h): a notice
 * that an object was erased, and the confirmation that it was erased in
 * turn. New SDO types; they are exchanged, never stored as objects. */
#define STIX_EXT_ERASURE_NOTICE "extension-definition--1d91c39e-d24c-4ef2-ad31-005b3bfe8cff"
#define STIX_EXT_ERASURE_CONFIRMATION "extension-definition--26c01a42-47ae-4e84-949c-b72e631b36a0"
#define STIX_TYPE_ERASURE_NOTICE "accord-erasure-notice"
/* A notice names at most this many versions (absent: every version). */
#define STIX_ERASE_VERSIONS_MAX 64
#define STIX_TYPE_ERASURE_CONFIRMATION "accord-erasure-confirmation"

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

/* New reference to an array of every object each node ships identically:
 * stix_ext_definitions() plus the five TLP 2.0 marking definitions as
 * published by OASIS. NULL on allocation failure. */
json_t *stix_shipped_objects(void);

/* Whether id names a shipped object whose RFC 8785 canonical form is
 * exactly canon[0..len). Thread-safe (the table is built once). */
bool stix_shipped_identical(const char *id, const char *canon, size_t len);

/* Checks the rules accord's extensions put on a whole object: the top-level
 * properties of accord's new object types (accord-vehicle, ...-phone-number,
 * -document, -account, -seizure, -erasure-notice, -erasure-confirmation),
 * that such objects name their extension
 * definition in `extensions`, and that the person extension sits only on an
 * identity of class "individual". type is the object's "type" value. Call it
 * for every object; it adds nothing for objects that use none of accord's
 * extensions. Errors and warnings go to rep. */
void stix_ext_validate_object(const json_t *obj, const char *type,
			      struct stix_report *rep);

#endif
