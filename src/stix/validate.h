/* STIX 2.1 validation: the specification's MUST rules (common properties,
 * ids, timestamps, required properties, MUST enumerations, reference types,
 * custom properties and extensions). A SHOULD is only ever a warning. */
#ifndef AC_STIX_VALIDATE_H
#define AC_STIX_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/rc.h"

#define STIX_REPORT_MAX 8      /* messages kept per kind; counts go on */
#define STIX_ISSUE_LEN 400

/* One problem: "<id>: <json-pointer>: <rule>", e.g.
 * "indicator--…: /valid_until: must be later than valid_from". */
struct stix_issue {
	char text[STIX_ISSUE_LEN];
};

struct stix_report {
	size_t nerrors;
	size_t nwarnings;
	struct stix_issue errors[STIX_REPORT_MAX];
	struct stix_issue warnings[STIX_REPORT_MAX];
};

void stix_report_init(struct stix_report *rep);
/* Adds an error / warning. objid may be NULL ("<no id>"), path is a JSON
 * pointer ("" for the whole object). */
void stix_report_error(struct stix_report *rep, const char *objid,
		       const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void stix_report_warn(struct stix_report *rep, const char *objid,
		      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

enum stix_kind {
	STIX_KIND_SDO,
	STIX_KIND_SRO,
	STIX_KIND_SCO,
	STIX_KIND_META,   /* language-content, marking-definition, extension-definition */
	STIX_KIND_CUSTOM, /* a type the spec does not define */
};

/* Kind of a type name; STIX_KIND_CUSTOM for unknown types. */
enum stix_kind stix_type_kind(const char *type);

/* Validates one STIX object (not a bundle). Returns AC_OK when it has no
 * errors (warnings allowed), AC_ERR_INVALID otherwise; details in rep. */
ac_rc stix_validate(const json_t *obj, struct stix_report *rep);

/* The version key of an object: modified, else created (marking-definition),
 * else "" (SCOs, which are unversioned). Never NULL. */
const char *stix_version_of(const json_t *obj);

#endif
