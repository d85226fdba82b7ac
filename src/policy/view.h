/* A subject's view of the store: the one access decision applied to stored
 * rows, for read paths that iterate rows (CLI get/search/export/stats,
 * export of a partner's view). policy_view_row answers with what the
 * subject may see of a row, redacted for granular markings, or NULL; it
 * never says why, so a denial looks like absence. */
#ifndef AC_POLICY_VIEW_H
#define AC_POLICY_VIEW_H

#include <jansson.h>
#include "federation/provenance.h"
#include "policy/policy.h"

struct policy_view {
	struct policy_subject subject;
	enum policy_action action; /* READ for users, SHARE for partners */
	struct policy_agreements agreements;
	struct policy_defaults defaults;
	/* This node as a signer, for a partner's view: a redacted copy of
	 * an object this node signed is re-signed, one another node signed
	 * is withheld (fed_disclose_redacted). keys NULL = withhold both;
	 * set by policy_view_sign_as, owned and wiped by the view. */
	struct ac_keys *keys;
	char identity_id[STORE_IDENTITY_ID_MAX + 1];
};

/* Loads the agreements; the subject is nobody until one of the as_*
 * calls. d may be NULL (built-in defaults). Release with
 * policy_view_release. */
ac_rc policy_view_open(struct policy_view *v, struct store *s,
		       const struct policy_defaults *d, struct ac_err *err);
/* The view of user `name` with `role`. */
void policy_view_as_user(struct policy_view *v, const char *name,
			 enum auth_role role);
/* The view partner `name` receives (disclosure). AC_ERR_NOTFOUND when no
 * such partner is registered. */
ac_rc policy_view_as_partner(struct policy_view *v, struct store *s,
			     const char *name, struct ac_err *err);
/* Makes the view re-sign redacted copies of this node's objects with k
 * (copied) as identity_id. AC_ERR_NOMEM. */
ac_rc policy_view_sign_as(struct policy_view *v, const struct ac_keys *k,
			  const char *identity_id, struct ac_err *err);
/* Whether the subject may see the row at all (for counts). */
bool policy_view_allows(const struct policy_view *v,
			const struct store_row *row);
/* New reference to what the subject may see of row, or NULL. */
json_t *policy_view_row(const struct policy_view *v,
			const struct store_row *row);
/* Whether the subject may see the newest stored version of object id. */
bool policy_view_sees_id(const struct policy_view *v, struct store *s,
			 const char *id);
void policy_view_release(struct policy_view *v);

#endif
