/* Partner agencies and the sharing agreement with each: the checks in
 * front of the store's partner records (store.h), used by the CLI. */
#ifndef AC_POLICY_PARTNERS_H
#define AC_POLICY_PARTNERS_H

#include <stdint.h>
#include "base/rc.h"
#include "policy/policy.h"
#include "store/store.h"

/* Registers a partner and its token user "partner.<name>" (role analyst,
 * a password hash that never verifies) in one transaction. name: 1..56 of
 * [a-z0-9._-]; identity: "identity--<uuid>"; title may be NULL.
 * AC_ERR_INVALID for bad values, AC_ERR_EXISTS if the partner or the user
 * name is taken. */
ac_rc policy_partner_add(struct store *s, const char *name,
			 const char *identity, const char *title,
			 struct ac_err *err);
/* policy_partner_add, and the partner node's link (from its card; NULL =
 * none) in the same transaction: never a partner half registered. */
ac_rc policy_partner_add_linked(struct store *s, const char *name,
				const char *identity, const char *title,
				const struct store_partner_link *link,
				struct ac_err *err);

/* Creates or replaces the agreement with a->partner. AC_ERR_INVALID when
 * the areas are empty, from is not before until, or retention_days is out
 * of 0..36500; AC_ERR_NOTFOUND if there is no such partner. */
ac_rc policy_agreement_set(struct store *s, const struct policy_agreement *a,
			   struct ac_err *err);

/* The user name partner tokens of name are bound to. */
void policy_partner_user(const char *name, char out[POLICY_NAME_MAX + 1]);

/* Parses an agreement date: "YYYY-MM-DD" (the start of that day UTC, or
 * with end_of_day the start of the next day) or an RFC 3339 UTC time.
 * AC_ERR_PARSE naming the text otherwise. */
ac_rc policy_date_parse(const char *s, bool end_of_day, int64_t *out,
			struct ac_err *err);

#endif
