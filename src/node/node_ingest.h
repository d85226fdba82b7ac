/* The ingest options of a node, filled the same way for every write path
 * (import, TAXII POST, partner pull, node init): limits, batch size,
 * marking defaults, correlation and signed provenance (this node's key
 * and identity, the known signers' keys). */
#ifndef AC_NODE_INGEST_H
#define AC_NODE_INGEST_H

#include "crypto/keys.h"
#include "federation/provenance.h"
#include "ingest/ingest.h"
#include "node/node.h"

struct node_ingest {
	struct ingest_opts opts; /* ready for ingest_init */
	struct ingest_provenance prov; /* opts.provenance points here */
	struct ac_keys keys;		/* when loaded by node_ingest_open */
	struct fed_keyring *ring;
};

/* How far a node's ingest transactions grow (ingest_opts.batch_grow_max):
 * ten times the configured batch, at most 1,000,000 objects. How long one
 * stays open at most is [ingest] batch_max_ms (NODE_BATCH_MAX_MS). */
#define NODE_BATCH_GROWTH 10
size_t node_batch_grow_max(size_t batch_size);

/* Fills ni for an ingest from source ("local" or "partner:<name>", copied
 * by pointer: it must outlive ni) into the node whose configuration is
 * cfg, signing with keys (borrowed; must outlive ni). s is the node's
 * SQLite store (not a wrapper): the known signers are read from it and
 * correlation writes through it. Release with node_ingest_release. */
ac_rc node_ingest_setup(struct node_ingest *ni, const struct node_config *cfg,
			const struct ac_keys *keys, struct store *s,
			const char *source, struct ac_err *err);

/* node_ingest_setup for the node at dir, with its keys loaded from
 * DIR/keys (wiped by node_ingest_release). */
ac_rc node_ingest_open(struct node_ingest *ni, const char *dir,
		       const struct node_config *cfg, struct store *s,
		       const char *source, struct ac_err *err);

/* Frees the keyring and wipes keys loaded by node_ingest_open. */
void node_ingest_release(struct node_ingest *ni);

/* Loads the node's key pairs from DIR/keys. */
ac_rc node_keys_load(const char *dir, struct ac_keys *k, struct ac_err *err);

struct policy_view;
/* Makes a partner's view v re-sign redacted copies of n's own objects
 * (policy_view_sign_as); without a readable node key the view withholds
 * them instead, which is not an error. AC_ERR_NOMEM. */
ac_rc node_view_sign(const struct node *n, struct policy_view *v,
		     struct ac_err *err);

#endif
