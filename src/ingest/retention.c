#include "base/common.h"
#include "ingest/retention.h"

#include <jansson.h>

#include "base/arena.h"
#include "ingest/ingest.h"
#include "policy/policy.h"

#define RETENTION_BATCH 256

struct pass {
	struct policy_subject admin;
	struct policy_agreements agreements;
	const struct policy_defaults *d;
	struct retention_stats *st;
	char **ids; /* expired ids found by the scan */
	size_t n, cap;
	ac_rc rc;
};

/* Decided on the markings summary, read directly or parsed in this
 * thread's arena: with json_loadb of the whole object, the pass at each
 * `accord serve` start cost ~240k instructions per stored object. */
static bool expired(struct pass *p, const struct store_row *row)
{
	struct policy_object po;
	struct policy_reason why;
	bool granular, yes = false;

	ac_json_arena_begin();
	if (policy_object_for_decision(row, p->d, &p->agreements, &po,
				       &granular, NULL) == AC_OK)
		yes = policy_decide(&p->admin, &po, POLICY_PURGE, &why);
	ac_json_arena_end();
	return yes;
}

static int scan_row(const struct store_row *row, void *ctx)
{
	struct pass *p = ctx;
	char **grown;

	p->st->examined++;
	if (!expired(p, row))
		return 0;
	p->st->expired++;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		grown = realloc(p->ids, p->cap * sizeof(*grown));
		if (!grown) {
			p->rc = AC_ERR_NOMEM;
			return 1;
		}
		p->ids = grown;
	}
	p->ids[p->n] = strdup(row->id);
	if (!p->ids[p->n]) {
		p->rc = AC_ERR_NOMEM;
		return 1;
	}
	p->n++;
	return 0;
}

static ac_rc erase_one(struct store *s, const char *id,
		       struct retention_stats *st, struct ac_err *err)
{
	struct store_query q = { 0 };
	const char *ids[1] = { id };
	uint64_t deleted = 0;
	ac_rc rc;

	q.ids = ids;
	q.nids = 1;
	q.versions = STORE_VERSIONS_ALL;
	rc = ingest_delete(s, &q, &deleted, err);
	if (!rc) {
		st->purged++;
		st->versions += deleted;
	}
	return rc;
}

/* Records, then erases, the expired ids in batches. */
static ac_rc erase_all(struct store *s, struct pass *p,
		       retention_record_fn record, void *ctx,
		       struct ac_err *err)
{
	ac_rc rc = AC_OK;

	for (size_t i = 0; i < p->n && !rc; i += RETENTION_BATCH) {
		size_t k = p->n - i < RETENTION_BATCH ? p->n - i :
							RETENTION_BATCH;
		if (record)
			rc = record((const char *const *)p->ids + i, k, ctx,
				    err);
		for (size_t j = i; j < i + k && !rc; j++)
			rc = erase_one(s, p->ids[j], p->st, err);
	}
	return rc;
}

ac_rc retention_run(struct store *s, const struct policy_defaults *d,
		    const char *admin_name, int64_t now_us, bool dry_run,
		    retention_record_fn record, void *ctx,
		    struct retention_stats *st, struct ac_err *err)
{
	struct pass p = { .d = d, .st = st };
	struct store_query q = { 0 };
	ac_rc rc;

	memset(st, 0, sizeof(*st));
	p.admin.kind = POLICY_SUBJECT_USER;
	p.admin.role = AUTH_ROLE_ADMIN;
	p.admin.now_us = now_us;
	snprintf(p.admin.name, sizeof(p.admin.name), "%s", admin_name);
	rc = policy_agreements_load(s, &p.agreements, err);
	if (rc)
		return rc;
	q.versions = STORE_VERSIONS_LAST;
	rc = store_query(s, &q, scan_row, &p, err);
	if (!rc && p.rc)
		rc = ac_err_set(err, p.rc, "retention: out of memory");
	if (!rc && !dry_run)
		rc = erase_all(s, &p, record, ctx, err);
	for (size_t i = 0; i < p.n; i++)
		free(p.ids[i]);
	free(p.ids);
	policy_agreements_release(&p.agreements);
	return rc;
}
