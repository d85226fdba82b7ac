/* Partners and agreements: validation and the token user. */
#include "base/common.h"
#include "policy/partners.h"

#include "base/time.h"
#include "base/uuid.h"

#define DAY_US (86400LL * 1000000LL)

void policy_partner_user(const char *name, char out[POLICY_NAME_MAX + 1])
{
	snprintf(out, POLICY_NAME_MAX + 1, "%s%s", POLICY_PARTNER_USER_PREFIX,
		 name);
}

static bool identity_ok(const char *s)
{
	uint8_t u[16];

	return s && strncmp(s, "identity--", 10) == 0 &&
	       strlen(s + 10) == 36 && ac_uuid_parse(s + 10, 36, u);
}

static ac_rc check_partner(const char *name, const char *identity,
			   const char *title, struct ac_err *err)
{
	if (!name || !auth_user_name_valid(name) ||
	    strlen(name) > POLICY_PARTNER_NAME_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "bad partner name '%.64s': use 1 to %d of "
				  "a-z 0-9 . _ -",
				  name ? name : "", POLICY_PARTNER_NAME_MAX);
	if (!identity_ok(identity))
		return ac_err_set(err, AC_ERR_INVALID,
				  "bad identity '%.128s' for partner '%s': "
				  "give its STIX id, identity--<uuid>",
				  identity ? identity : "", name);
	if (title && strlen(title) > STORE_PARTNER_TITLE_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "title of partner '%s' is over %d bytes",
				  name, STORE_PARTNER_TITLE_MAX);
	return AC_OK;
}

ac_rc policy_partner_add(struct store *s, const char *name,
			 const char *identity, const char *title,
			 struct ac_err *err)
{
	return policy_partner_add_linked(s, name, identity, title, NULL, err);
}

ac_rc policy_partner_add_linked(struct store *s, const char *name,
				const char *identity, const char *title,
				const struct store_partner_link *link,
				struct ac_err *err)
{
	struct store_partner p;
	struct store_user u;
	ac_rc rc;

	rc = check_partner(name, identity, title, err);
	if (rc)
		return rc;
	memset(&p, 0, sizeof(p));
	memset(&u, 0, sizeof(u));
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.identity_id, sizeof(p.identity_id), "%s", identity);
	snprintf(p.title, sizeof(p.title), "%s", title ? title : "");
	p.created_us = ac_now_us();
	policy_partner_user(name, u.name);
	snprintf(u.role, sizeof(u.role), "%s",
		 auth_role_name(AUTH_ROLE_ANALYST));
	snprintf(u.pwhash, sizeof(u.pwhash), "!partner-token-only");
	u.created_us = p.created_us;
	rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = store_partner_add(s, &p, err);
	if (!rc) {
		rc = store_user_add(s, &u, err);
		if (rc == AC_ERR_EXISTS)
			rc = ac_err_set(err, AC_ERR_EXISTS,
					"cannot add partner '%s': user '%s' "
					"exists",
					name, u.name);
	}
	if (!rc && link)
		rc = store_partner_link_put(s, link, err);
	if (!rc)
		return store_commit(s, err);
	store_rollback(s, &(struct ac_err){0});
	return rc;
}

ac_rc policy_agreement_set(struct store *s, const struct policy_agreement *a,
			   struct ac_err *err)
{
	struct store_agreement sa;

	if (!a->areas || (a->areas & ~POLICY_AREA_ALL))
		return ac_err_set(err, AC_ERR_INVALID,
				  "the agreement with '%s' names no areas",
				  a->partner);
	if (a->valid_from_us >= a->valid_until_us)
		return ac_err_set(err, AC_ERR_INVALID,
				  "the agreement with '%s' must start before "
				  "it ends",
				  a->partner);
	if (a->retention_days < 0 ||
	    a->retention_days > POLICY_RETENTION_DAYS_MAX)
		return ac_err_set(err, AC_ERR_INVALID,
				  "retention of the agreement with '%s' must "
				  "be 0 to %d days",
				  a->partner, POLICY_RETENTION_DAYS_MAX);
	if ((unsigned)a->max_tlp >= POLICY_TLP_COUNT)
		return ac_err_set(err, AC_ERR_INVALID, "bad max TLP");
	memset(&sa, 0, sizeof(sa));
	snprintf(sa.partner, sizeof(sa.partner), "%s", a->partner);
	policy_areas_format(a->areas, sa.areas);
	snprintf(sa.max_tlp, sizeof(sa.max_tlp), "%s",
		 policy_tlp_name(a->max_tlp));
	sa.retention_days = a->retention_days;
	sa.valid_from_us = a->valid_from_us;
	sa.valid_until_us = a->valid_until_us;
	snprintf(sa.onward_sharing, sizeof(sa.onward_sharing), "%s",
		 a->onward == POLICY_ONWARD_GREEN ? "green" : "none");
	sa.updated_us = ac_now_us();
	return store_agreement_set(s, &sa, err);
}

ac_rc policy_date_parse(const char *s, bool end_of_day, int64_t *out,
			struct ac_err *err)
{
	char ts[40];
	struct ac_ts t;

	if (s && strlen(s) == 10) {
		snprintf(ts, sizeof(ts), "%sT00:00:00Z", s);
		if (ac_ts_parse(ts, &t)) {
			*out = t.sec * 1000000LL + (end_of_day ? DAY_US : 0);
			return AC_OK;
		}
	} else if (s && ac_ts_parse(s, &t)) {
		*out = t.sec * 1000000LL + t.nsec / 1000;
		return AC_OK;
	}
	return ac_err_set(err, AC_ERR_PARSE,
			  "bad date '%.64s': write YYYY-MM-DD or "
			  "2027-01-01T00:00:00Z",
			  s ? s : "");
}
