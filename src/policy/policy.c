/* The access decision (docs/policy.md): one ordered list of rules per kind
 * of subject, first match wins. */
#include "base/common.h"
#include "policy/policy.h"
#include "stix/json.h"

#define DAY_US (86400LL * 1000000LL)

static const char *const CODE_NAMES[POLICY_CODE_COUNT] = {
    "allow_role",	 "allow_purge",	      "allow_agreement",
    "allow_provider",	 "deny_no_subject",   "deny_auditor",
    "deny_role",	 "deny_not_expired",  "deny_retention",
    "deny_not_partner",	 "deny_red_recipient", "deny_no_agreement",
    "deny_not_in_force", "deny_agreement_expired", "deny_area",
    "deny_onward",	 "deny_tlp"};

static const char *const ACTION_NAMES[POLICY_ACTION_COUNT] = {
    "read", "share", "write", "purge"};

const char *policy_code_name(enum policy_code c)
{
	return (unsigned)c < POLICY_CODE_COUNT ? CODE_NAMES[c] : "?";
}

const char *policy_action_name(enum policy_action a)
{
	return (unsigned)a < POLICY_ACTION_COUNT ? ACTION_NAMES[a] : "?";
}

static bool answer(struct policy_reason *out, enum policy_code c)
{
	if (out)
		out->code = c;
	return c <= POLICY_ALLOW_PROVIDER;
}

static bool retention_passed(const struct policy_subject *s,
			     const struct policy_object *o)
{
	return o->review_us != 0 && s->now_us >= o->review_us;
}

static bool areas_covered(const struct policy_agreement *ag,
			  const struct policy_object *o)
{
	return (o->markings.areas & ~ag->areas) == 0;
}

/* Rules 1-9 of the table: users. */
static bool decide_user(const struct policy_subject *s,
			const struct policy_object *o, enum policy_action a,
			struct policy_reason *out)
{
	if (s->role == AUTH_ROLE_AUDITOR)
		return answer(out, POLICY_DENY_AUDITOR);
	if (s->role != AUTH_ROLE_ANALYST && s->role != AUTH_ROLE_SUPERVISOR &&
	    s->role != AUTH_ROLE_ADMIN)
		return answer(out, POLICY_DENY_ROLE);
	if (a == POLICY_PURGE) {
		if (s->role != AUTH_ROLE_ADMIN)
			return answer(out, POLICY_DENY_ROLE);
		return answer(out, retention_passed(s, o) ?
					   POLICY_ALLOW_PURGE :
					   POLICY_DENY_NOT_EXPIRED);
	}
	if (retention_passed(s, o))
		return answer(out, POLICY_DENY_RETENTION);
	if (a == POLICY_SHARE)
		return answer(out, POLICY_DENY_NOT_PARTNER);
	if (o->markings.tlp == POLICY_TLP_RED &&
	    !policy_markings_names_user(&o->markings, s->name))
		return answer(out, POLICY_DENY_RED_RECIPIENT);
	return answer(out, POLICY_ALLOW_ROLE);
}

/* Third-party data: the provider's onward-sharing terms. */
static bool onward_allowed(const struct policy_object *o)
{
	return o->markings.tlp <= POLICY_TLP_GREEN &&
	       o->source_onward == POLICY_ONWARD_GREEN &&
	       o->markings.handling != POLICY_H2 &&
	       o->markings.handling != POLICY_H3;
}

/* Rules 10-23 of the table: partner nodes. */
static bool decide_partner(const struct policy_subject *s,
			   const struct policy_object *o,
			   enum policy_action a, struct policy_reason *out)
{
	const struct policy_agreement *ag = &s->agreement;
	bool from_partner = o->source == POLICY_SOURCE_PARTNER;

	if (a == POLICY_PURGE)
		return answer(out, POLICY_DENY_ROLE);
	if (retention_passed(s, o))
		return answer(out, POLICY_DENY_RETENTION);
	if (!s->has_agreement)
		return answer(out, POLICY_DENY_NO_AGREEMENT);
	if (s->now_us < ag->valid_from_us)
		return answer(out, POLICY_DENY_NOT_IN_FORCE);
	if (s->now_us >= ag->valid_until_us)
		return answer(out, POLICY_DENY_AGREEMENT_EXPIRED);
	if (a == POLICY_WRITE)
		return answer(out, areas_covered(ag, o) ? POLICY_ALLOW_AGREEMENT
							: POLICY_DENY_AREA);
	if (from_partner && strcmp(o->source_partner, s->name) == 0)
		return answer(out, POLICY_ALLOW_PROVIDER);
	if (from_partner && !onward_allowed(o))
		return answer(out, POLICY_DENY_ONWARD);
	if (o->markings.tlp > ag->max_tlp)
		return answer(out, POLICY_DENY_TLP);
	if (o->markings.tlp == POLICY_TLP_RED &&
	    !policy_markings_names_partner(&o->markings, s->name))
		return answer(out, POLICY_DENY_RED_RECIPIENT);
	if (!areas_covered(ag, o))
		return answer(out, POLICY_DENY_AREA);
	return answer(out, POLICY_ALLOW_AGREEMENT);
}

bool policy_decide(const struct policy_subject *s, const struct policy_object *o,
		   enum policy_action a, struct policy_reason *out)
{
	if (!s || !o || (unsigned)a >= POLICY_ACTION_COUNT || !s->name[0])
		return answer(out, POLICY_DENY_NO_SUBJECT);
	if (s->kind == POLICY_SUBJECT_USER)
		return decide_user(s, o, a, out);
	if (s->kind == POLICY_SUBJECT_PARTNER)
		return decide_partner(s, o, a, out);
	return answer(out, POLICY_DENY_NO_SUBJECT);
}

/* ---- retention ---- */

static int shortest(int a, int b)
{
	if (a <= 0)
		return b > 0 ? b : 0;
	return b > 0 && b < a ? b : a;
}

int64_t policy_review_date(const struct policy_markings *m,
			   enum policy_source source,
			   const struct policy_agreement *provider,
			   const struct policy_defaults *d, int64_t received_us)
{
	int days = m ? m->retention_days : 0;

	if (source == POLICY_SOURCE_PARTNER && provider)
		days = shortest(days, provider->retention_days);
	if (d)
		days = shortest(days, d->retention_days);
	return days > 0 ? received_us + (int64_t)days * DAY_US : 0;
}

/* ---- subjects and objects from the store and auth ---- */

static bool agreement_from_store(const struct store_agreement *sa,
				 struct policy_agreement *out)
{
	struct ac_err err = {0};

	memset(out, 0, sizeof(*out));
	snprintf(out->partner, sizeof(out->partner), "%s", sa->partner);
	out->retention_days = sa->retention_days;
	out->valid_from_us = sa->valid_from_us;
	out->valid_until_us = sa->valid_until_us;
	if (strcmp(sa->onward_sharing, "green") == 0)
		out->onward = POLICY_ONWARD_GREEN;
	else if (strcmp(sa->onward_sharing, "none") != 0)
		return false;
	return policy_tlp_parse(sa->max_tlp, &out->max_tlp) &&
	       policy_areas_parse(sa->areas, &out->areas, &err) == AC_OK &&
	       sa->retention_days >= 0 &&
	       sa->retention_days <= POLICY_RETENTION_DAYS_MAX;
}

static int collect_agreement(const struct store_agreement *sa, void *ctx)
{
	struct policy_agreements *all = ctx;
	struct policy_agreement ag;

	/* A record that does not parse shares nothing: it is left out. */
	if (all->n < POLICY_PARTNERS_MAX && agreement_from_store(sa, &ag))
		all->items[all->n++] = ag;
	return 0;
}

ac_rc policy_agreements_load(struct store *s, struct policy_agreements *out,
			     struct ac_err *err)
{
	ac_rc rc;

	out->n = 0;
	out->items = calloc(POLICY_PARTNERS_MAX, sizeof(*out->items));
	if (!out->items)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	rc = store_agreement_list(s, collect_agreement, out, err);
	if (rc)
		policy_agreements_release(out);
	return rc;
}

void policy_agreements_release(struct policy_agreements *a)
{
	if (!a)
		return;
	free(a->items);
	a->items = NULL;
	a->n = 0;
}

const struct policy_agreement *
policy_agreements_find(const struct policy_agreements *a, const char *partner)
{
	for (size_t i = 0; a && partner && i < a->n; i++)
		if (strcmp(a->items[i].partner, partner) == 0)
			return &a->items[i];
	return NULL;
}

void policy_subject_from_auth(const struct auth_subject *a,
			      const struct policy_agreements *all,
			      int64_t now_us, struct policy_subject *out)
{
	const struct policy_agreement *ag;
	const size_t plen = strlen(POLICY_PARTNER_USER_PREFIX);

	memset(out, 0, sizeof(*out));
	out->now_us = now_us;
	out->kind = POLICY_SUBJECT_NONE;
	if (a->is_partner) {
		if (!a->partner[0])
			return;
		out->kind = POLICY_SUBJECT_PARTNER;
		snprintf(out->name, sizeof(out->name), "%s", a->partner);
		ag = policy_agreements_find(all, a->partner);
		if (ag) {
			out->has_agreement = true;
			out->agreement = *ag;
		}
		return;
	}
	if (!a->user[0] ||
	    strncmp(a->user, POLICY_PARTNER_USER_PREFIX, plen) == 0)
		return;
	out->kind = POLICY_SUBJECT_USER;
	out->role = a->role;
	snprintf(out->name, sizeof(out->name), "%s", a->user);
}

/* What a decision on a stored row reads, parsed: the markings summary, else
 * (versions from before schema 11) the whole object. NULL when it does not
 * parse. */
static json_t *decision_input(const struct store_row *row)
{
	json_t *obj = NULL;

	if (row->meta)
		stix_json_parse_checked(row->meta, row->meta_len, &obj, NULL);
	else
		stix_json_parse_checked(row->json, row->json_len, &obj, NULL);
	return obj;
}

/* out->source* from row->source; *provider: the source partner's
 * agreement, if any. */
static ac_rc object_source(const struct store_row *row,
			   const struct policy_agreements *all,
			   struct policy_object *out,
			   const struct policy_agreement **provider,
			   struct ac_err *err)
{
	const char *src = row->source ? row->source : "";

	*provider = NULL;
	if (strcmp(src, "local") == 0) {
		out->source = POLICY_SOURCE_OWN;
	} else if (strncmp(src, "partner:", 8) == 0 && src[8] &&
		   strlen(src + 8) <= POLICY_NAME_MAX) {
		out->source = POLICY_SOURCE_PARTNER;
		snprintf(out->source_partner, sizeof(out->source_partner), "%s",
			 src + 8);
		*provider = policy_agreements_find(all, out->source_partner);
		out->source_onward =
		    *provider ? (*provider)->onward : POLICY_ONWARD_NONE;
	} else {
		return ac_err_set(err, AC_ERR_INVALID,
				  "object '%.128s': unknown source '%.80s'",
				  row->id ? row->id : "", src);
	}
	return AC_OK;
}

static void object_dates(const struct store_row *row,
			 const struct policy_defaults *d,
			 const struct policy_agreement *provider,
			 struct policy_object *out)
{
	out->received_us = row->date_added_us;
	out->review_us = policy_review_date(&out->markings, out->source,
					    provider, d, row->date_added_us);
}

ac_rc policy_object_from_row(const struct store_row *row, const json_t *obj,
			     const struct policy_defaults *d,
			     const struct policy_agreements *all,
			     struct policy_object *out, struct ac_err *err)
{
	const struct policy_agreement *provider;
	ac_rc rc;

	memset(out, 0, sizeof(*out));
	rc = object_source(row, all, out, &provider, err);
	if (!rc)
		rc = policy_markings_read(obj, d, &out->markings, err);
	if (!rc)
		object_dates(row, d, provider, out);
	return rc;
}

ac_rc policy_object_for_decision(const struct store_row *row,
				 const struct policy_defaults *d,
				 const struct policy_agreements *all,
				 struct policy_object *out, bool *granular,
				 struct ac_err *err)
{
	const struct policy_agreement *provider;
	json_t *obj;
	ac_rc rc;

	*granular = false;
	/* the markings are policy_summary_read's to clear */
	memset(&out->source, 0,
	       sizeof(*out) - offsetof(struct policy_object, source));
	if (row->meta && policy_summary_read(row->meta, row->meta_len, d,
					     &out->markings, granular)) {
		rc = object_source(row, all, out, &provider, err);
		if (!rc)
			object_dates(row, d, provider, out);
		return rc;
	}
	obj = decision_input(row);
	if (!obj)
		return ac_err_set(err, AC_ERR_PARSE,
				  "stored object '%.128s' does not parse",
				  row->id ? row->id : "");
	rc = policy_object_from_row(row, obj, d, all, out, err);
	*granular = json_object_get(obj, "granular_markings") != NULL;
	json_decref(obj);
	return rc;
}
