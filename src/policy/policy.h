/* The one access decision: may this subject (a user with a role, or a
 * partner node under its agreement) read, receive, write or purge this
 * object? Every read path asks policy_decide once per object; a denial must
 * look like absence (404, not counted, not listed). The rules are the
 * decision table in docs/policy.md; tests/unit/test_policy.c checks this
 * code against that table. */
#ifndef AC_POLICY_H
#define AC_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "auth/auth.h"
#include "base/rc.h"
#include "policy/markings.h"
#include "store/store.h"

enum policy_action {
	POLICY_READ,  /* see it (any read path) */
	POLICY_SHARE, /* disclose it to a partner (push, sync, partner view) */
	POLICY_WRITE, /* store a new version of it */
	POLICY_PURGE, /* erase it when its retention has passed */
	POLICY_ACTION_COUNT
};

/* Onward sharing a provider allows for its data: none, or CLEAR/GREEN
 * data without H2/H3 to other partners. */
enum policy_onward { POLICY_ONWARD_NONE, POLICY_ONWARD_GREEN };

struct policy_agreement {
	char partner[POLICY_NAME_MAX + 1];
	policy_area_mask areas;
	enum policy_tlp max_tlp;
	int retention_days;	/* 0 = no limit from the agreement */
	int64_t valid_from_us;	/* in force from (inclusive) */
	int64_t valid_until_us; /* until (exclusive) */
	enum policy_onward onward;
};

enum policy_subject_kind {
	POLICY_SUBJECT_NONE, /* nobody: every answer is no */
	POLICY_SUBJECT_USER,
	POLICY_SUBJECT_PARTNER,
};

struct policy_subject {
	enum policy_subject_kind kind;
	char name[POLICY_NAME_MAX + 1]; /* user or partner name */
	enum auth_role role;		/* users only */
	bool has_agreement;		/* partners only */
	struct policy_agreement agreement;
	int64_t now_us;
};

enum policy_source { POLICY_SOURCE_OWN, POLICY_SOURCE_PARTNER };

struct policy_object {
	struct policy_markings markings;
	enum policy_source source;
	char source_partner[POLICY_NAME_MAX + 1]; /* the provider */
	enum policy_onward source_onward; /* the provider's agreement says */
	int64_t received_us;
	int64_t review_us; /* retention ends; 0 = no limit */
};

/* Why: a stable code (for logs, audit detail and tests) and its name. */
enum policy_code {
	POLICY_ALLOW_ROLE,	/* a user whose role and markings allow it */
	POLICY_ALLOW_PURGE,	/* an admin purging an expired object */
	POLICY_ALLOW_AGREEMENT, /* a partner within its agreement */
	POLICY_ALLOW_PROVIDER,	/* a partner getting back its own data */
	POLICY_DENY_NO_SUBJECT,
	POLICY_DENY_AUDITOR,
	POLICY_DENY_ROLE,
	POLICY_DENY_NOT_EXPIRED,
	POLICY_DENY_RETENTION,
	POLICY_DENY_NOT_PARTNER,
	POLICY_DENY_RED_RECIPIENT,
	POLICY_DENY_NO_AGREEMENT,
	POLICY_DENY_NOT_IN_FORCE,
	POLICY_DENY_AGREEMENT_EXPIRED,
	POLICY_DENY_AREA,
	POLICY_DENY_ONWARD,
	POLICY_DENY_TLP,
	POLICY_CODE_COUNT
};

struct policy_reason {
	enum policy_code code;
};

/* "allow_role", "deny_tlp", ...; the names docs/policy.md uses. */
const char *policy_code_name(enum policy_code c);
/* "read", "share", "write", "purge". */
const char *policy_action_name(enum policy_action a);

/* The decision. True to allow. out (may be NULL) gets the reason. Pure:
 * looks at nothing but its arguments. */
bool policy_decide(const struct policy_subject *s, const struct policy_object *o,
		   enum policy_action a, struct policy_reason *out);

/* When the object's retention ends: received_us plus the shortest of the
 * marking's retention_days, (for partner data) the provider's agreement's
 * retention_days and the node default; 0 when none of them sets a limit.
 * provider may be NULL. */
int64_t policy_review_date(const struct policy_markings *m,
			   enum policy_source source,
			   const struct policy_agreement *provider,
			   const struct policy_defaults *d, int64_t received_us);

/* A copy of obj (new reference; NULL on allocation failure or when the
 * whole object must be withheld) without the properties that granular
 * markings put under a TLP level the subject may not see for action a:
 * each granular TLP marking is decided as if the object carried the more
 * restrictive of its own and the granular level. Selectors: "prop",
 * "a.b", "a.[0]", "a.[0].b". Granular markings whose properties were
 * removed are dropped too. A selector on id, type or spec_version that must
 * be removed withholds the whole object (NULL, *withheld true). */
json_t *policy_redact(const struct policy_subject *s,
		      const struct policy_object *o, enum policy_action a,
		      const json_t *obj, bool *withheld);

/* ---- building subjects and objects from the store ---- */

#define POLICY_PARTNERS_MAX 1024

/* Every agreement of the node, loaded once per request or job. */
struct policy_agreements {
	size_t n;
	struct policy_agreement *items;
};

/* Loads all agreements. Release with policy_agreements_release. */
ac_rc policy_agreements_load(struct store *s, struct policy_agreements *out,
			     struct ac_err *err);
void policy_agreements_release(struct policy_agreements *a);
/* The agreement with partner, or NULL. */
const struct policy_agreement *
policy_agreements_find(const struct policy_agreements *a, const char *partner);

/* The user name that partner tokens are bound to: "partner.<name>". */
#define POLICY_PARTNER_USER_PREFIX "partner."
/* Longest partner name, so that the bound user name fits 64 bytes. */
#define POLICY_PARTNER_NAME_MAX (POLICY_NAME_MAX - 8)

/* The policy subject for an authenticated request: a partner token →
 * that partner with its agreement (if any); a user → that user and role.
 * A user name with the reserved "partner." prefix that is not a partner
 * token → POLICY_SUBJECT_NONE (it may see nothing). */
void policy_subject_from_auth(const struct auth_subject *a,
			      const struct policy_agreements *all,
			      int64_t now_us, struct policy_subject *out);

/* The policy object for a stored row: markings from its JSON (with the
 * node defaults), source from row->source ("local" or "partner:<name>"),
 * received = date_added, review date from policy_review_date. An unknown
 * source or malformed markings is AC_ERR_INVALID: treat as not visible. */
ac_rc policy_object_from_row(const struct store_row *row, const json_t *obj,
			     const struct policy_defaults *d,
			     const struct policy_agreements *all,
			     struct policy_object *out, struct ac_err *err);

/* policy_object_from_row for a decision on a stored row, and whether the
 * object has granular markings: read from the markings summary directly
 * (policy_summary_read) when it can, else from the parsed summary (or,
 * for versions stored before schema 11, the whole object). AC_ERR_PARSE
 * when that does not parse; else as policy_object_from_row.
 * Callers parsing in a jansson arena (ac_json_arena_begin) keep doing so. */
ac_rc policy_object_for_decision(const struct store_row *row,
				 const struct policy_defaults *d,
				 const struct policy_agreements *all,
				 struct policy_object *out, bool *granular,
				 struct ac_err *err);

#endif
