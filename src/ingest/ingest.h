/* The one write pipeline: parse -> validate -> canonicalise -> sign or
 * verify (provenance) -> hash -> store -> index. Every write (CLI import, node
 * init, later TAXII POST and partner sync) goes through here.
 *
 * Writes are batched in transactions of opts.batch_size objects; in strict
 * mode the whole input is one transaction and the first error rolls it back.
 * Counts reported as accepted are committed (durable) when ingest_finish
 * returns AC_OK. */
#ifndef AC_INGEST_H
#define AC_INGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "base/buf.h"
#include "base/rc.h"
#include "crypto/keys.h"
#include "index/correlate.h"
#include "index/ident.h"
#include "ingest/stream.h"
#include "names/extract.h"
#include "policy/markings.h"
#include "stix/json.h"
#include "store/store.h"

/* Identifier indexing and correlation at ingest ([correlation] in the node
 * config). Off unless enabled. */
struct ingest_corr {
	bool enabled;
	size_t max_occurrences;	 /* 0 = CORR_MAX_OCCURRENCES_DEFAULT */
	char default_country[3]; /* for national phone numbers; "" = none */
	struct store *store;	 /* where the index is written; NULL = the
				  * ingest store. Must be the same connection
				  * (e.g. the store an audit wrapper wraps) so
				  * that the index rows commit with the
				  * objects. */
};

/* Looks up the Ed25519 public key of the node with identity signer; false
 * when unknown. Called from the pipeline's worker threads concurrently:
 * it must be thread-safe (fed_keyring_find is). */
typedef bool (*ingest_key_fn)(const char *signer,
			      unsigned char pk[crypto_sign_PUBLICKEYBYTES],
			      void *ctx);

/* Signed provenance at ingest (docs/internals/federation.md). Objects of
 * source "local" without a signature are signed with keys as identity_id;
 * any object that carries a signature must verify with the key key_of
 * finds for its signer; objects of a partner source must be signed.
 * accord's shipped objects, when canonically identical to the shipped
 * ones, are neither signed nor required to be. */
struct ingest_provenance {
	const struct ac_keys *keys; /* this node's (borrowed) */
	const char *identity_id;    /* this node's identity */
	ingest_key_fn key_of;
	void *key_ctx;
};

/* Called in the open transaction just before each commit, with the input
 * position of the last object the ingest has handled (stored or rejected;
 * NULL if none had a position) and what the transaction holds. An error
 * rolls the transaction back and fails the ingest. */
struct ingest_stats;
typedef ac_rc (*ingest_commit_fn)(const struct stream_pos *last,
				  const struct ingest_stats *pending, void *ctx,
				  struct ac_err *err);

struct ingest_opts {
	const char *source; /* "local" or "partner:<name>" */
	bool strict;	    /* first error rejects the whole input */
	size_t batch_size;  /* objects per transaction; 0 = 1000 */
	/* 0: every transaction holds batch_size objects. Else each commit
	 * doubles the next one, up to batch_grow_max: a commit rewrites every
	 * page of the random-key indexes its objects touched, so in a large
	 * store small transactions write most of those indexes again and
	 * again (1M-object import, 10,000 per commit: 18.7k objects/s;
	 * 50,000: 28.4k). */
	size_t batch_grow_max;
	/* 0: no limit. Else a transaction also commits once it has been
	 * open this many milliseconds (at the object that crosses it): the
	 * store's other writers wait for its lock, at most 5 s (busy
	 * timeout), so a grown batch must not hold it much longer than this
	 * plus its commit. */
	uint32_t batch_max_ms;
	const char *collection_id; /* NULL, or a TAXII collection each
				    * accepted or duplicate object is
				    * recorded in (store_member_add) */
	struct stix_limits limits;
	struct ingest_corr corr;
	/* Node marking defaults (TLP, handling, area) added to objects of
	 * source "local" that have none, before validation, so the stored
	 * object and its hash include them. NULL = none. */
	const struct policy_defaults *markings;
	/* Signing and signature checks; NULL = neither (tests, benchmarks). */
	const struct ingest_provenance *provenance;
	ingest_commit_fn before_commit; /* NULL = none */
	void *commit_ctx;
};

struct ingest_stats {
	uint64_t accepted;	 /* new versions stored */
	uint64_t duplicates;	 /* identical versions already present */
	uint64_t held;		 /* SCOs already held from another source */
	uint64_t rejected;	 /* invalid, conflicting or malformed */
	uint64_t bad_signatures; /* of which for provenance (unsigned,
				  * unknown signer, bad signature) */
	uint64_t warnings;	 /* SHOULD-level findings on accepted objects */
	uint64_t correlations;	 /* new correlations (corr.enabled) */
	uint64_t alerts;	 /* of which across sources */
};

enum ingest_outcome {
	INGEST_ACCEPTED,
	INGEST_DUPLICATE,
	INGEST_HELD, /* an SCO (id, version) stored from another source with
		      * other content: not stored again, indexed for this
		      * source */
	INGEST_REJECTED,
};

/* Told about every rejected object: its id (or NULL when unknown), where it
 * was in the input (NULL for single objects) and why. */
typedef void (*ingest_reject_cb)(const char *objid,
				 const struct stream_pos *pos,
				 const char *reason, void *ctx);
/* Optional per-object progress hook (objects seen so far). */
typedef void (*ingest_progress_cb)(const struct ingest_stats *st, void *ctx);

struct ingest {
	struct store *store;
	struct ingest_opts opts;
	struct ingest_stats stats;   /* committed (plus all rejections) */
	struct ingest_stats pending; /* accepted/duplicates in the open txn */
	ingest_reject_cb on_reject;
	ingest_progress_cb on_progress;
	void *ctx;
	size_t in_batch;	    /* puts in the open transaction */
	int64_t txn_start_ns;	    /* when it began (ac_mono_ns) */
	struct stream_pos last_pos; /* the last object handled, if have_pos */
	bool have_pos;
	bool in_txn;
	bool failed;	     /* strict error or store failure: roll back */
	struct ac_buf canon; /* reused: canonical JSON of the current object */
	struct ac_buf text;  /* reused: its full-text search words */
	struct ac_buf meta;  /* reused: its markings summary */
	/* the current identity's person names, when the workers took them */
	const char *names[NAMES_PERSON_MAX];
	size_t nnames;
	bool names_known;
	/* checked in the open transaction (it holds the write lock, and
	 * ingest never erases): no erasures row at all */
	bool erasures_checked, erasures_none;
	struct ac_err *stream_err; /* where ingest_stream's callbacks report */
	struct ingest_pipe *pipe;  /* ingest_stream's workers, while it runs */
	struct corr *corr;	   /* opened at the first store, if enabled */
	struct ident_set *idents;  /* reused: the current object's */
};

/* Prepares an ingest into store. Nothing is written until the first object.
 * Callbacks may be NULL. ingest_finish releases what this allocates. */
void ingest_init(struct ingest *in, struct store *store,
		 const struct ingest_opts *opts, ingest_reject_cb on_reject,
		 ingest_progress_cb on_progress, void *ctx);

/* Ingests one parsed object. A rejected object is counted and reported and
 * returns AC_OK unless strict mode is on (then AC_ERR_INVALID/CONFLICT) or the
 * store itself failed. `outcome` may be NULL. */
ac_rc ingest_json(struct ingest *in, const json_t *obj,
		  const struct stream_pos *pos, enum ingest_outcome *outcome,
		  struct ac_err *err);

/* Parses raw JSON text strictly, then ingest_json. Malformed text is a
 * rejection like an invalid object. */
ac_rc ingest_text(struct ingest *in, const char *data, size_t len,
		  const struct stream_pos *pos, enum ingest_outcome *outcome,
		  struct ac_err *err);

/* Streams a bundle or JSON Lines from f through the pipeline. */
ac_rc ingest_stream(struct ingest *in, FILE *f, enum stream_format fmt,
		    struct ac_err *err);

/* Gives the next object's raw bytes of an input split by its caller, and
 * its position (offsets increasing); *data = NULL at the end. The bytes
 * need to last only until the next call. An error stops the input as a
 * structural error stops ingest_stream. */
typedef ac_rc (*ingest_next_fn)(void *ctx, const char **data, size_t *len,
				struct stream_pos *pos, struct ac_err *err);

/* ingest_stream for objects already split (a partner's TAXII pages): the
 * same pipeline, checks and outcomes; an object over
 * limits.max_object_bytes is rejected without being copied. */
ac_rc ingest_elements(struct ingest *in, ingest_next_fn next, void *ctx,
		      struct ac_err *err);

/* Commits the open batch (or rolls back everything in strict mode after an
 * error). Must be called once at the end, also after errors. */
ac_rc ingest_finish(struct ingest *in, struct ac_err *err);

/* Appends the words full-text search indexes for obj (string values minus
 * ids, references, timestamps and the provenance entry), space-separated,
 * up to out's cap (the strings that fit, in RFC 8785 member order when not
 * all do, so that the stored form gives the same words). Signing an object
 * does not change them. AC_ERR_NOMEM only. */
ac_rc ingest_collect_text(const json_t *obj, struct ac_buf *out);

/* Deletes the versions of one object that q selects (q must name exactly
 * one id), with their full-text entries, through the store; the search text
 * is recomputed from the stored JSON exactly as ingest indexed it. The
 * object's person names then become those of its newest remaining version
 * (none when it is gone), in the caller's transaction when one is open.
 * *deleted (may be NULL) gets the number of versions removed. */
ac_rc ingest_delete(struct store *s, const struct store_query *q,
		    uint64_t *deleted, struct ac_err *err);

/* The store_text_fn for stored JSON: the words ingest_collect_text indexed
 * for it. AC_ERR_PARSE for JSON that does not parse. */
ac_rc ingest_stored_text(const char *json, size_t len, struct ac_buf *out);

/* Default options: source "local", batches of 1000, default limits. */
struct ingest_opts ingest_opts_default(void);

#endif
