#include "base/common.h"
#include "policy/view.h"

#include "base/time.h"
#include "stix/json.h"

ac_rc policy_view_open(struct policy_view *v, struct store *s,
		       const struct policy_defaults *d, struct ac_err *err)
{
	memset(v, 0, sizeof(*v));
	v->subject.kind = POLICY_SUBJECT_NONE;
	v->action = POLICY_READ;
	if (d)
		v->defaults = *d;
	else
		policy_defaults_init(&v->defaults);
	return policy_agreements_load(s, &v->agreements, err);
}

void policy_view_as_user(struct policy_view *v, const char *name,
			 enum auth_role role)
{
	memset(&v->subject, 0, sizeof(v->subject));
	v->subject.kind = POLICY_SUBJECT_USER;
	snprintf(v->subject.name, sizeof(v->subject.name), "%s", name);
	v->subject.role = role;
	v->subject.now_us = ac_now_us();
	v->action = POLICY_READ;
}

ac_rc policy_view_as_partner(struct policy_view *v, struct store *s,
			     const char *name, struct ac_err *err)
{
	const struct policy_agreement *a;
	struct store_partner p;
	ac_rc rc = store_partner_get(s, name, &p, err);

	if (rc)
		return rc;
	memset(&v->subject, 0, sizeof(v->subject));
	v->subject.kind = POLICY_SUBJECT_PARTNER;
	snprintf(v->subject.name, sizeof(v->subject.name), "%s", name);
	v->subject.now_us = ac_now_us();
	a = policy_agreements_find(&v->agreements, name);
	if (a) {
		v->subject.has_agreement = true;
		v->subject.agreement = *a;
	}
	v->action = POLICY_SHARE;
	return AC_OK;
}

static bool decide(const struct policy_view *v, const struct store_row *row,
		   const json_t *obj, struct policy_object *po)
{
	struct policy_reason why;

	return policy_object_from_row(row, obj, &v->defaults, &v->agreements,
				      po, NULL) == AC_OK &&
	       policy_decide(&v->subject, po, v->action, &why);
}

bool policy_view_allows(const struct policy_view *v,
			const struct store_row *row)
{
	struct policy_object po;
	struct policy_reason why;
	bool granular;

	return policy_object_for_decision(row, &v->defaults, &v->agreements,
					  &po, &granular, NULL) == AC_OK &&
	       policy_decide(&v->subject, &po, v->action, &why);
}

json_t *policy_view_row(const struct policy_view *v,
			const struct store_row *row)
{
	struct policy_object po;
	json_t *obj = NULL, *out = NULL;
	bool withheld = false;

	if (!policy_view_allows(v, row) ||
	    stix_json_parse_checked(row->json, row->json_len, &obj, NULL) ||
	    !decide(v, row, obj, &po)) {
		json_decref(obj);
		return NULL;
	}
	out = policy_redact(&v->subject, &po, v->action, obj, &withheld);
	struct fed_signing own = {v->keys, v->identity_id};

	if (out && v->subject.kind == POLICY_SUBJECT_PARTNER &&
	    !fed_disclose_redacted(out, obj, v->keys ? &own : NULL)) {
		json_decref(out);
		out = NULL;
	}
	json_decref(obj);
	return withheld ? NULL : out;
}

struct sees {
	const struct policy_view *v;
	bool yes;
};

static int sees_row(const struct store_row *row, void *ctx)
{
	struct sees *x = ctx;

	x->yes = policy_view_allows(x->v, row);
	return 1;
}

bool policy_view_sees_id(const struct policy_view *v, struct store *s,
			 const char *id)
{
	struct store_query q = { 0 };
	const char *ids[1] = { id };
	struct sees x = { v, false };

	q.ids = ids;
	q.nids = 1;
	q.versions = STORE_VERSIONS_LAST;
	q.limit = 1;
	return store_query(s, &q, sees_row, &x, NULL) == AC_OK && x.yes;
}

ac_rc policy_view_sign_as(struct policy_view *v, const struct ac_keys *k,
			  const char *identity_id, struct ac_err *err)
{
	if (!v->keys && !(v->keys = sodium_malloc(sizeof(*v->keys))))
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot keep the node key: out of memory");
	*v->keys = *k;
	snprintf(v->identity_id, sizeof(v->identity_id), "%s", identity_id);
	return AC_OK;
}

void policy_view_release(struct policy_view *v)
{
	policy_agreements_release(&v->agreements);
	if (v->keys)
		sodium_free(v->keys); /* wipes it */
	v->keys = NULL;
}
