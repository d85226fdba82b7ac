/* The markings model: what an object's markings say (TLP 2.0 level,
 * handling code, evaluation, crime areas, data-subject category, RED
 * recipients), read from a parsed STIX object. See docs/policy.md.
 *
 * TLP comes from object_marking_refs (the TLP 2.0 marking-definition ids,
 * and the TLP 1.0 ids WHITE→CLEAR, GREEN, AMBER, RED); with several, the
 * most restrictive wins. The rest comes from accord's handling extension
 * (STIX_EXT_HANDLING, docs/extensions.md#handling) and, for persons, from the
 * person extension. */
#ifndef AC_POLICY_MARKINGS_H
#define AC_POLICY_MARKINGS_H

#include <jansson.h>
#include "base/buf.h"
#include <stdbool.h>
#include <stdint.h>
#include "base/rc.h"

/* TLP 2.0 levels, least restrictive first: comparisons use this order. */
enum policy_tlp {
	POLICY_TLP_CLEAR,
	POLICY_TLP_GREEN,
	POLICY_TLP_AMBER,
	POLICY_TLP_AMBER_STRICT,
	POLICY_TLP_RED,
	POLICY_TLP_COUNT
};

/* Handling codes (Europol practice): H0 crime fighting only, H1 not in
 * court without permission, H2 not passed on without permission, H3 other
 * restrictions (free text). */
enum policy_handling {
	POLICY_H0,
	POLICY_H1,
	POLICY_H2,
	POLICY_H3,
	POLICY_HANDLING_COUNT
};

/* The closed vocabulary of crime areas (docs/policy.md). */
enum policy_area {
	POLICY_AREA_DRUG_TRAFFICKING,
	POLICY_AREA_ORGANISED_CRIME,
	POLICY_AREA_TERRORISM,
	POLICY_AREA_BORDER_SECURITY,
	POLICY_AREA_HUMAN_TRAFFICKING,
	POLICY_AREA_MIGRANT_SMUGGLING,
	POLICY_AREA_WEAPONS,
	POLICY_AREA_CYBERCRIME,
	POLICY_AREA_MONEY_LAUNDERING,
	POLICY_AREA_CORRUPTION,
	POLICY_AREA_FRAUD,
	POLICY_AREA_OTHER,
	POLICY_AREA_COUNT
};
typedef uint32_t policy_area_mask;
#define POLICY_AREA_BIT(a) (1u << (unsigned)(a))
#define POLICY_AREA_ALL ((1u << POLICY_AREA_COUNT) - 1u)

#define POLICY_NAME_MAX 64	     /* user and partner names */
#define POLICY_RECIPIENTS_MAX 32     /* per kind (users, partners) */
#define POLICY_TEXT_MAX 1024	     /* h3_text */
#define POLICY_AREAS_STRLEN 256	     /* "drug-trafficking,weapons,..." */
#define POLICY_RETENTION_DAYS_MAX 36500
#define POLICY_MARKING_REFS_MAX 64 /* object_marking_refs entries read */

/* The node's [markings] defaults, applied where an object says nothing. */
struct policy_defaults {
	enum policy_tlp tlp;		/* default AMBER */
	enum policy_handling handling;	/* default H0 */
	policy_area_mask areas;		/* default "other" */
	int retention_days;		/* own objects; 0 = no limit */
};

struct policy_markings {
	enum policy_tlp tlp;
	enum policy_handling handling;
	char h3_text[POLICY_TEXT_MAX + 1];
	char reliability;  /* 'A', 'B', 'C', 'X', or 0 when not given */
	int accuracy;	   /* 1..4, or 0 when not given */
	policy_area_mask areas; /* never 0 after policy_markings_read */
	char subject_category[16]; /* persons: "suspect", ...; else "" */
	int retention_days;	   /* asked for by the marking; 0 = none */
	size_t nusers, npartners;
	char users[POLICY_RECIPIENTS_MAX][POLICY_NAME_MAX + 1];
	char partners[POLICY_RECIPIENTS_MAX][POLICY_NAME_MAX + 1];
	bool tlp_given, handling_given, areas_given; /* else from defaults */
};

/* Node defaults when the configuration says nothing: AMBER, H0, "other",
 * no retention limit. */
void policy_defaults_init(struct policy_defaults *d);

/* Names ("clear", "green", "amber", "amber+strict", "red"; "H0".."H3";
 * "drug-trafficking", ...) and their exact parsers (case-insensitive for
 * TLP and handling). Parsers return false for anything else. */
const char *policy_tlp_name(enum policy_tlp t);
bool policy_tlp_parse(const char *s, enum policy_tlp *out);
const char *policy_handling_name(enum policy_handling h);
bool policy_handling_parse(const char *s, enum policy_handling *out);
const char *policy_area_name(enum policy_area a);
bool policy_area_parse(const char *s, enum policy_area *out);
/* "drug-trafficking, weapons" → bits. AC_ERR_PARSE naming the first bad
 * or empty item; an empty list is AC_ERR_PARSE too. */
ac_rc policy_areas_parse(const char *list, policy_area_mask *out,
			 struct ac_err *err);
/* Bits → "drug-trafficking,weapons" in vocabulary order ("" for none). */
void policy_areas_format(policy_area_mask m, char out[POLICY_AREAS_STRLEN]);

/* The TLP level of a marking-definition id (TLP 2.0 or 1.0); false for any
 * other id. */
bool policy_tlp_of_marking(const char *marking_ref, enum policy_tlp *out);
/* The standard TLP 2.0 marking-definition id of a level. */
const char *policy_tlp_marking_id(enum policy_tlp t);

/* Reads obj's markings into *out; what the object does not say comes from
 * d (NULL: policy_defaults_init values). AC_ERR_INVALID (message names the
 * object and property) when the handling extension or the marking refs are
 * malformed: callers must then treat the object as not visible. */
ac_rc policy_markings_read(const json_t *obj, const struct policy_defaults *d,
			   struct policy_markings *out, struct ac_err *err);

/* policy_markings_read of a summary (policy_markings_summary's text s[0..n))
 * without parsing it into JSON, and whether it has granular markings. It
 * takes only what it reads exactly (the summary's members once each,
 * escape-free ASCII strings, plain integers, accepted values) and returns
 * false for anything else: then parse s and use policy_markings_read,
 * which gives the same markings or the error (src/policy/summary.c).
 * Deciding on a stored row: 4.5k instructions instead of 13.6k (callgrind,
 * `accord retention run --dry-run`, 100k rows). */
bool policy_summary_read(const char *s, size_t n,
			 const struct policy_defaults *d,
			 struct policy_markings *out, bool *granular);

/* Whether s is a user or partner name a marking may list: 1 to
 * POLICY_NAME_MAX of [a-z0-9._-]. */
bool policy_name_ok(const char *s);

/* The part of obj the access decision reads, as RFC 8785 JSON into out
 * (reset first): id, type, object_marking_refs, the handling extension,
 * the person extension's data_subject_category, and "granular_markings": []
 * when obj has granular markings. policy_markings_read gives the same
 * markings for it as for obj. Stored with each version so that decisions
 * need not parse the whole object. AC_ERR_NOMEM, AC_ERR_LIMIT (out's cap),
 * AC_ERR_INVALID when obj is not an object. */
ac_rc policy_markings_summary(const json_t *obj, struct ac_buf *out);

/* True if name is among the RED user / partner recipients. */
bool policy_markings_names_user(const struct policy_markings *m,
				const char *name);
bool policy_markings_names_partner(const struct policy_markings *m,
				   const char *name);

/* Adds the node defaults to an object that has none, in place: a TLP
 * marking ref when object_marking_refs holds no TLP marking, and a handling
 * extension (handling code and areas) when there is none. Objects of the
 * meta types (marking-definition, extension-definition, language-content)
 * are left alone. Returns AC_OK (nothing or something added) or
 * AC_ERR_NOMEM; AC_ERR_INVALID if obj is not an object or its
 * object_marking_refs / extensions have the wrong JSON type. */
ac_rc policy_apply_defaults(json_t *obj, const struct policy_defaults *d);

#endif
