/* A node's ingest options (node_ingest.h). */
#include "base/common.h"
#include "node/node_ingest.h"
#include "policy/view.h"

ac_rc node_keys_load(const char *dir, struct ac_keys *k, struct ac_err *err)
{
	char sk[NODE_PATH_MAX], pk[NODE_PATH_MAX];
	ac_rc rc;

	rc = node_path(dir, NODE_SECRET_KEY, sk, err);
	if (!rc)
		rc = node_path(dir, NODE_PUBLIC_KEY, pk, err);
	if (!rc)
		rc = ac_crypto_init(err);
	if (!rc)
		rc = ac_keys_load(k, sk, pk, err);
	return rc;
}

size_t node_batch_grow_max(size_t batch_size)
{
	size_t max = 1000000;

	return batch_size > max / NODE_BATCH_GROWTH
		   ? (batch_size > max ? batch_size : max)
		   : batch_size * NODE_BATCH_GROWTH;
}

ac_rc node_ingest_setup(struct node_ingest *ni, const struct node_config *cfg,
			const struct ac_keys *keys, struct store *s,
			const char *source, struct ac_err *err)
{
	struct ingest_opts *o = &ni->opts;
	ac_rc rc;

	ni->ring = NULL;
	*o = ingest_opts_default();
	o->source = source;
	o->limits = cfg->limits;
	o->batch_size = cfg->batch_size;
	o->batch_grow_max = node_batch_grow_max(cfg->batch_size);
	o->batch_max_ms = (uint32_t)cfg->batch_max_ms;
	o->markings = &cfg->markings;
	o->corr.enabled = cfg->corr_enabled;
	o->corr.max_occurrences = cfg->corr_max_occurrences;
	memcpy(o->corr.default_country, cfg->default_country,
	       sizeof(o->corr.default_country));
	o->corr.default_country[sizeof(o->corr.default_country) - 1] = '\0';
	/* index rows go through the objects' connection, past any audit
	 * wrapper (which keeps no index) */
	o->corr.store = s;
	rc = fed_keyring_load(s, cfg->identity_id, keys->sign_pk, &ni->ring,
			      err);
	if (rc)
		return rc;
	ni->prov.keys = keys;
	ni->prov.identity_id = cfg->identity_id;
	ni->prov.key_of = fed_keyring_find;
	ni->prov.key_ctx = ni->ring;
	o->provenance = &ni->prov;
	return AC_OK;
}

ac_rc node_ingest_open(struct node_ingest *ni, const char *dir,
		       const struct node_config *cfg, struct store *s,
		       const char *source, struct ac_err *err)
{
	ac_rc rc;

	memset(ni, 0, sizeof(*ni));
	rc = node_keys_load(dir, &ni->keys, err);
	if (!rc)
		rc = node_ingest_setup(ni, cfg, &ni->keys, s, source, err);
	if (rc)
		node_ingest_release(ni);
	return rc;
}

void node_ingest_release(struct node_ingest *ni)
{
	fed_keyring_free(ni->ring);
	ni->ring = NULL;
	ac_keys_wipe(&ni->keys);
}

ac_rc node_view_sign(const struct node *n, struct policy_view *v,
		     struct ac_err *err)
{
	struct ac_keys k;
	ac_rc rc;

	if (node_keys_load(n->dir, &k, NULL))
		return AC_OK;
	rc = policy_view_sign_as(v, &k, n->cfg.identity_id, err);
	ac_keys_wipe(&k);
	return rc;
}
