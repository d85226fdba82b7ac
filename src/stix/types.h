/* Private to the validator: the data-driven registry of STIX 2.1 types and
 * predefined SCO extensions (properties, requirements, closed enumerations,
 * reference targets, integer ranges) plus the hooks for cross-property rules. */
#ifndef AC_STIX_TYPES_H
#define AC_STIX_TYPES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/time.h"
#include "stix/validate.h"

enum prop_kind {
	PK_STR,      /* string */
	PK_TS,       /* RFC 3339 timestamp string */
	PK_INT,      /* integer within [min, max] */
	PK_NUM,      /* number (integer or real) within [min, max] */
	PK_BOOL,     /* boolean */
	PK_REF,      /* identifier of an allowed target */
	PK_REFS,     /* non-empty list of identifiers of allowed targets */
	PK_ENUM,     /* string from a closed enumeration */
	PK_ENUMS,    /* non-empty list of strings from a closed enumeration */
	PK_STRS,     /* non-empty list of strings */
	PK_LIST,     /* non-empty list of anything */
	PK_DICT,     /* JSON object */
	PK_HASHES,   /* hashes dictionary */
	PK_KCP,      /* non-empty list of kill-chain-phase */
};

/* Which object kinds a reference may point to. Custom (unknown) types are
 * accepted by every class except REF_TYPES, which names exact core types. */
enum ref_class {
	REF_ANY,
	REF_SDO,
	REF_SCO,
	REF_SDO_SCO,
	REF_SCO_SRO,
	REF_TYPES,
};

struct prop_spec {
	const char *name;
	uint8_t kind;           /* enum prop_kind */
	bool required;
	uint8_t ref_class;      /* enum ref_class, for PK_REF / PK_REFS */
	int64_t min, max;       /* for PK_INT / PK_NUM */
	const char *const *vals; /* NULL-terminated enum values or ref types */
	const struct type_spec *item; /* PK_LIST: spec of each item, or NULL */
};

struct vctx;
struct type_spec;

struct type_spec {
	const char *name;
	enum stix_kind kind;
	const struct prop_spec *props;
	size_t nprops;
	/* Cross-property rules; may be NULL. body is the object (or, for
	 * extensions, the extension body), path its JSON pointer. */
	void (*check)(struct vctx *v, const json_t *body, const char *path);
	const char *owner; /* predefined extensions: the SCO type they extend */
};

/* Everything a rule needs to report against the object being validated. */
struct vctx {
	const json_t *obj;
	const char *id; /* may be NULL */
	const char *type;
	enum stix_kind kind;
	struct stix_report *rep;
};

/* The core type named `type`, or NULL for custom types. */
const struct type_spec *stix_types_find(const char *type);
/* The predefined SCO extension named `name` (e.g. "ntfs-ext"), or NULL. */
const struct type_spec *stix_types_find_ext(const char *name);
/* Property spec `name` in ts, or NULL. */
const struct prop_spec *stix_types_prop(const struct type_spec *ts,
					const char *name);
/* Common-property spec by name for an object of `kind`, or NULL. */
const struct prop_spec *stix_types_common_prop(enum stix_kind kind,
					       const char *name);
/* Whether s is one of the NULL-terminated vals. */
bool stix_types_in(const char *const *vals, const char *s);

/* Reporting helpers for the rules (defined in validate.c). The issue path
 * is path + "/" + key (key may be NULL), key escaped as a JSON pointer. */
void stix_v_error(struct vctx *v, const char *path, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void stix_v_warn(struct vctx *v, const char *path, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Parses body[key] as a timestamp; false when absent or invalid (invalid
 * values are reported by the property checks). */
bool stix_v_ts(const json_t *body, const char *key, struct ac_ts *out);
/* Reports an error unless body[later] is later than (strict) or not earlier
 * than body[earlier]; silent when either is absent or invalid. */
void stix_v_ts_order(struct vctx *v, const json_t *body, const char *path,
		     const char *earlier, const char *later, bool strict);

/* The closed extension-type enumeration. */
extern const char *const stix_extension_type_enum[];

#endif
