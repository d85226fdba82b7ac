/* The access decision on the server's read paths: the subject is built
 * once per request from the authenticated caller, then every stored row
 * is decided on (policy_decide) and redacted (policy_redact) before it is
 * shown. See docs/policy.md ("Using it on a read path"). */
#include "base/common.h"
#include "taxii/taxii.h"

#include "base/arena.h"
#include "base/log.h"
#include "base/time.h"
#include "federation/provenance.h"
#include "stix/json.h"
#include "taxii/taxii_int.h"

bool taxii_access_begin(struct taxii_call *c)
{
	struct ac_err err = {0};

	if (c->acc.loaded)
		return true;
	if (policy_agreements_load(c->store, &c->acc.all, &err)) {
		taxii_fail(c->resp, &err);
		return false;
	}
	policy_subject_from_auth(&c->who, &c->acc.all, ac_now_us(),
				 &c->acc.subj);
	c->acc.action = c->acc.subj.kind == POLICY_SUBJECT_PARTNER
			    ? POLICY_SHARE
			    : POLICY_READ;
	c->acc.loaded = true;
	return true;
}

void taxii_access_end(struct taxii_call *c)
{
	if (c->acc.loaded)
		policy_agreements_release(&c->acc.all);
	c->acc.loaded = false;
}

enum audit_action taxii_read_action(const struct taxii_call *c)
{
	return c->who.is_partner ? AUDIT_DISCLOSE : AUDIT_CONSULT;
}

/* Decides on the row: *allowed, and whether it carries granular markings.
 * Read from its markings summary, or parsed in this thread's jansson arena
 * (the values die here), which takes malloc/free off the per-row cost. */
static ac_rc decide_row(struct taxii_call *c, const struct store_row *row,
			bool *allowed, bool *granular)
{
	struct policy_object po;
	struct ac_err err = {0};

	*allowed = false;
	ac_json_arena_begin();
	if (policy_object_for_decision(row, &c->t->markings, &c->acc.all, &po,
				       granular, &err))
		ac_log(AC_LOG_WARN, "taxii: %s: not shown", err.msg);
	else
		*allowed = policy_decide(&c->acc.subj, &po, c->acc.action,
					 NULL);
	ac_json_arena_end();
	return AC_OK;
}

/* The redacted text of an allowed row with granular markings (ordinary
 * heap memory: it outlives this call). */
static ac_rc redact_row(struct taxii_call *c, const struct store_row *row,
			bool *visible, char **redacted)
{
	struct policy_object po;
	bool withheld = false;
	json_t *obj = NULL, *copy = NULL;
	ac_rc rc = AC_OK;

	if (stix_json_parse_checked(row->json, row->json_len, &obj, NULL) ||
	    policy_object_from_row(row, obj, &c->t->markings, &c->acc.all,
				   &po, NULL))
		goto out;
	copy = policy_redact(&c->acc.subj, &po, c->acc.action, obj, &withheld);
	if (!copy) {
		rc = withheld ? AC_OK : AC_ERR_NOMEM;
		goto out;
	}
	/* a partner gets a copy whose signature still verifies, or none */
	if (c->who.is_partner) {
		struct fed_signing own = {&c->t->keys,
					  c->t->node ? c->t->node->identity_id
						     : NULL};
		if (!fed_disclose_redacted(copy, obj, c->t->node ? &own : NULL))
			goto out;
	}
	*visible = true;
	if (redacted) {
		*redacted = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
		if (!*redacted) {
			*visible = false;
			rc = AC_ERR_NOMEM;
		}
	}
out:
	json_decref(copy);
	json_decref(obj);
	return rc;
}

ac_rc taxii_access_row(struct taxii_call *c, const struct store_row *row,
		       bool *visible, char **redacted)
{
	bool allowed, granular;
	ac_rc rc;

	*visible = false;
	if (redacted)
		*redacted = NULL;
	if (!c->acc.loaded || c->acc.subj.kind == POLICY_SUBJECT_NONE)
		return AC_OK;
	rc = decide_row(c, row, &allowed, &granular);
	if (rc || !allowed)
		return rc;
	if (!granular) {
		*visible = true;
		return AC_OK;
	}
	return redact_row(c, row, visible, redacted);
}

struct newest {
	struct taxii_call *c;
	bool exists, visible;
	ac_rc rc;
};

static int newest_row(const struct store_row *row, void *ctx)
{
	struct newest *n = ctx;

	n->exists = true;
	n->rc = taxii_access_row(n->c, row, &n->visible, NULL);
	return 1;
}

ac_rc taxii_access_newest(struct taxii_call *c, struct store_query *q,
			  bool *exists, bool *visible, struct ac_err *err)
{
	struct newest n = {c, false, false, AC_OK};
	ac_rc rc;

	q->versions = STORE_VERSIONS_LAST;
	q->nat_versions = 0;
	q->limit = 1;
	rc = store_query(c->store, q, newest_row, &n, err);
	if (!rc && n.rc)
		rc = ac_err_set(err, n.rc, "cannot decide on an object: %s",
				ac_rc_name(n.rc));
	*exists = n.exists;
	*visible = n.visible;
	return rc;
}
