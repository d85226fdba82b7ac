#include "base/common.h"
#include "ingest/ingest.h"

#include <inttypes.h>
#include <pthread.h>

#include "base/time.h"
#include "crypto/hash.h"
#include "federation/provenance.h"
#include "ingest/pipeline.h"
#include "names/service.h"
#include "stix/ext.h"
#include "stix/jcs.h"
#include "stix/sco_id.h"
#include "stix/validate.h"

#define INGEST_DEFAULT_BATCH 1000

struct ingest_opts ingest_opts_default(void)
{
	struct ingest_opts o = {.source = "local",
				.strict = false,
				.batch_size = INGEST_DEFAULT_BATCH,
				.limits = STIX_LIMITS_DEFAULT};
	return o;
}

void ingest_init(struct ingest *in, struct store *store,
		 const struct ingest_opts *opts, ingest_reject_cb on_reject,
		 ingest_progress_cb on_progress, void *ctx)
{
	memset(in, 0, sizeof(*in));
	in->store = store;
	in->opts = *opts;
	if (!in->opts.batch_size)
		in->opts.batch_size = INGEST_DEFAULT_BATCH;
	if (!in->opts.source)
		in->opts.source = "local";
	in->on_reject = on_reject;
	in->on_progress = on_progress;
	in->ctx = ctx;
	/* canonical JSON never exceeds a few times the raw object size */
	ac_buf_init(&in->canon, in->opts.limits.max_object_bytes * 2 + 1024);
	ac_buf_init(&in->text, INGEST_TEXT_MAX);
	ac_buf_init(&in->meta, INGEST_META_MAX);
}

static bool ends_with(const char *key, size_t n, const char *suffix,
		      size_t slen)
{
	return n >= slen && !memcmp(key + n - slen, suffix, slen);
}

/* References, and vocabulary values nobody searches for as free text
 * ("_types"): indexing them only costs FTS work on the single writer
 * thread. */
static bool is_ref_or_vocab_key(const char *key, size_t n)
{
	return ends_with(key, n, "_ref", 4) || ends_with(key, n, "_refs", 5) ||
	       ends_with(key, n, "_types", 6);
}

struct skip_key {
	const char *name;
	size_t len;
};
#define SKIP_KEY(s)                                                            \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}

/* Keys are compared by length and bytes (this runs for every key of every
 * object: strcmp over the list was ~4% of a worker). */
static bool skip_text_key(const char *key)
{
	static const struct skip_key skip[] = {
	    SKIP_KEY("id"),
	    SKIP_KEY("type"),
	    SKIP_KEY("spec_version"),
	    SKIP_KEY("created"),
	    SKIP_KEY("modified"),
	    SKIP_KEY("extension_type"),
	    SKIP_KEY("pattern_type"),
	    SKIP_KEY("pattern_version"),
	    SKIP_KEY("identity_class"),
	    SKIP_KEY("relationship_type"),
	    SKIP_KEY("script"),
	    SKIP_KEY("kind"),
	    SKIP_KEY("unit"),
	    SKIP_KEY("lang"),
	    SKIP_KEY("encoding"),
	    SKIP_KEY("mime_type"),
	    SKIP_KEY("extension_types"),
	    SKIP_KEY("definition_type"),
	    /* a provenance entry is a signer id, an algorithm and
	     * hashes, not words anyone searches for (its "signer" is a
	     * reference in all but name) */
	    SKIP_KEY(FED_PROVENANCE_EXT),
	};
	size_t n;

	if (!key)
		return false;
	n = strlen(key);
	for (size_t i = 0; i < AC_ARRAY_LEN(skip); i++)
		if (n == skip[i].len && key[0] == skip[i].name[0] &&
		    !memcmp(key, skip[i].name, n))
			return true;
	return is_ref_or_vocab_key(key, n);
}

/* Cheap test before ac_ts_parse: a STIX timestamp has at least 20 bytes
 * and '-' and 'T' where a date puts them. */
static bool maybe_timestamp(const char *s, size_t len)
{
	return len >= 20 && s[4] == '-' && s[10] == 'T';
}

/* A walk over an object's strings for its search text. */
struct text_walk {
	struct ac_buf *out;
	bool sorted;  /* members in RFC 8785 order, as stored */
	bool dropped; /* a string did not fit under out's cap */
	ac_rc rc;     /* AC_ERR_NOMEM from sorting a large object */
};

static void collect_text(const json_t *v, const char *key,
			 struct text_walk *w);

static void collect_member(const char *key, const json_t *v, void *ctx)
{
	collect_text(v, key, ctx);
}

/* Collects the words a person would search for: string values, minus ids,
 * references and timestamps; a string that does not fit is left out. */
static void collect_text(const json_t *v, const char *key,
			 struct text_walk *w)
{
	struct ac_ts ts;
	const char *k;
	json_t *child;
	size_t i;

	if (skip_text_key(key))
		return;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (maybe_timestamp(s, len) && ac_ts_parse(s, &ts))
			return;
		if ((w->out->len && ac_buf_addc(w->out, ' ')) ||
		    ac_buf_add(w->out, s, len))
			w->dropped = true;
	} else if (json_is_object(v) && w->sorted) {
		ac_rc rc = stix_jcs_each_member(v, collect_member, w);
		w->rc = w->rc ? w->rc : rc;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, child)
		{
			collect_text(child, k, w);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			collect_text(child, NULL, w);
		}
	}
}

/* When the words do not all fit, which ones do must not depend on the
 * order of the input's members: the words deleted with the object are
 * collected from its stored form, whose members are in RFC 8785 order (and
 * a contentless full-text index must be told exactly the words it was
 * given). So a text that overflows is collected again in that order. */
ac_rc ingest_collect_text(const json_t *obj, struct ac_buf *out)
{
	size_t start = out->len;
	struct text_walk w = {.out = out};

	collect_text(obj, NULL, &w);
	if (!w.dropped)
		return AC_OK;
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	w = (struct text_walk){.out = out, .sorted = true};
	collect_text(obj, NULL, &w);
	return w.rc;
}

ac_rc ingest_stored_text(const char *json, size_t len, struct ac_buf *out)
{
	struct ac_buf words = AC_BUF_INIT(INGEST_TEXT_MAX);
	json_t *obj = json_loadb(json, len, 0, NULL);
	ac_rc rc = AC_OK;

	if (!obj)
		return AC_ERR_PARSE;
	/* the same cap as at ingest, so truncation drops the same words */
	rc = ingest_collect_text(obj, &words);
	if (!rc && words.len)
		rc = ac_buf_add(out, words.data, words.len);
	json_decref(obj);
	ac_buf_release(&words);
	return rc;
}

static int any_row(const struct store_row *row, void *ctx)
{
	(void)row;
	*(bool *)ctx = true;
	return 1;
}

/* Once no version of the object is left, its identifiers, correlations
 * and alerts go too. */
static ac_rc forget_if_gone(struct store *s, const char *id, struct ac_err *err)
{
	struct store_query q = {0};
	const char *ids[1] = {id};
	bool left = false;
	ac_rc rc;

	q.ids = ids;
	q.nids = 1;
	q.versions = STORE_VERSIONS_ALL;
	q.limit = 1;
	rc = store_query(s, &q, any_row, &left, err);
	if (rc || left)
		return rc;
	rc = store_index_forget(s, id, err);
	return rc == AC_ERR_USAGE ? AC_OK : rc; /* a store without an index */
}

ac_rc ingest_delete(struct store *s, const struct store_query *q,
		    uint64_t *deleted, struct ac_err *err)
{
	bool own_txn = store_begin(s, NULL) == AC_OK;
	ac_rc rc =
	    store_delete_versions(s, q, ingest_stored_text, deleted, err);

	if (!rc && q->nids == 1)
		rc = forget_if_gone(s, q->ids[0], err);
	/* the person names follow: an erased person leaves no name behind */
	if (!rc && q->nids == 1)
		rc = names_refresh_object(s, q->ids[0], err);
	if (own_txn && !rc)
		rc = store_commit(s, err);
	else if (own_txn)
		store_rollback(s, NULL);
	return rc;
}

static void report_reject(struct ingest *in, const char *id,
			  const struct stream_pos *pos, const char *why)
{
	in->stats.rejected++;
	if (in->on_reject)
		in->on_reject(id, pos, why, in->ctx);
}

/* Remembers where the ingest is, for opts.before_commit. */
static void note_pos(struct ingest *in, const struct stream_pos *pos)
{
	if (pos) {
		in->last_pos = *pos;
		in->have_pos = true;
	}
}

/* Counts a rejection; in strict mode it also fails the whole input. */
static ac_rc reject(struct ingest *in, const char *id,
		    const struct stream_pos *pos, ac_rc why_rc, const char *why,
		    enum ingest_outcome *outcome, struct ac_err *err)
{
	note_pos(in, pos);
	report_reject(in, id, pos, why);
	if (outcome)
		*outcome = INGEST_REJECTED;
	if (!in->opts.strict)
		return AC_OK;
	in->failed = true;
	return ac_err_set(err, why_rc, "%s", why);
}

static ac_rc ensure_txn(struct ingest *in, struct ac_err *err)
{
	ac_rc rc;

	if (in->in_txn)
		return AC_OK;
	/* only ingest_finish waits for the disk (store_sync) */
	rc = store_begin_bulk(in->store, err);
	if (!rc) {
		in->in_txn = true;
		in->txn_start_ns = ac_mono_ns();
	}
	in->erasures_checked = false;
	corr_new_transaction(in->corr);
	return rc;
}

static ac_rc commit_batch(struct ingest *in, struct ac_err *err)
{
	ac_rc rc = AC_OK;

	if (in->opts.before_commit)
		rc = in->opts.before_commit(in->have_pos ? &in->last_pos : NULL,
					    &in->pending, in->opts.commit_ctx,
					    err);
	if (rc)
		store_rollback(in->store, NULL);
	else
		rc = store_commit(in->store, err);

	in->in_txn = false;
	in->in_batch = 0;
	if (rc) {
		in->failed = true;
		names_service_reset(); /* it may have seen the lost rows */
		return rc;
	}
	in->stats.accepted += in->pending.accepted;
	in->stats.duplicates += in->pending.duplicates;
	in->stats.held += in->pending.held;
	in->stats.correlations += in->pending.correlations;
	in->stats.alerts += in->pending.alerts;
	memset(&in->pending, 0, sizeof(in->pending));
	return AC_OK;
}

/* When the open transaction is due (batch_max_ms), or 0 for never. */
static int64_t commit_deadline(const struct ingest *in)
{
	if (!in->in_txn || in->opts.strict || !in->opts.batch_max_ms)
		return 0;
	return in->txn_start_ns + (int64_t)in->opts.batch_max_ms * 1000000;
}

static bool batch_overdue(const struct ingest *in)
{
	int64_t due = commit_deadline(in);

	return due && ac_mono_ns() >= due;
}

/* Commits a full or overdue batch; a full one doubles the next. */
static ac_rc maybe_commit(struct ingest *in, struct ac_err *err)
{
	size_t next;

	if (in->opts.strict)
		return AC_OK;
	if (++in->in_batch < in->opts.batch_size)
		return batch_overdue(in) ? commit_batch(in, err) : AC_OK;
	next = in->opts.batch_size * 2;
	if (next > in->opts.batch_grow_max)
		next = in->opts.batch_grow_max;
	if (next > in->opts.batch_size)
		in->opts.batch_size = next;
	return commit_batch(in, err);
}

static const char *report_text(const struct stix_report *rep, char *buf,
			       size_t len)
{
	if (rep->nerrors > 1)
		snprintf(buf, len, "%s (and %zu more)", rep->errors[0].text,
			 rep->nerrors - 1);
	else
		snprintf(buf, len, "%s", rep->errors[0].text);
	return buf;
}

static struct ident_ctx ident_ctx_of(const struct ingest *in)
{
	struct ident_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	memcpy(ctx.default_country, in->opts.corr.default_country,
	       sizeof(ctx.default_country));
	ctx.default_country[sizeof(ctx.default_country) - 1] = '\0';
	return ctx;
}

/* Indexes and correlates the identifiers of a stored object in the open
 * transaction (opening the correlator on first use). */
static ac_rc correlate(struct ingest *in, const char *id,
		       const struct ident *ids, size_t n, struct ac_err *err)
{
	struct corr_opts co = {.max_occurrences =
				   in->opts.corr.max_occurrences};
	struct corr_stats cs = {0};
	ac_rc rc = AC_OK;

	if (!in->corr)
		rc = corr_open(in->opts.corr.store ? in->opts.corr.store
						   : in->store,
			       &co, &in->corr, err);
	if (!rc && n)
		rc = corr_object(in->corr, id, in->opts.source, ids, n, &cs,
				 err);
	in->pending.correlations += cs.correlations;
	in->pending.alerts += cs.alerts;
	return rc;
}

/* Writes the person names of a new version (and, with correlation on,
 * correlates them) in the open transaction, through the store that keeps
 * the index (past an audit wrapper). */
static ac_rc names_step(struct ingest *in, const struct store_obj *so,
			struct ac_err *err)
{
	struct names_ingest_stats ns = {0};
	struct store *s = in->opts.corr.store ? in->opts.corr.store : in->store;
	ac_rc rc =
	    in->names_known
		? names_ingest_list(in->store, s, so, in->names, in->nnames,
				    in->opts.corr.enabled, &ns, err)
		: names_ingest_object(in->store, s, so, in->opts.corr.enabled,
				      &ns, err);

	in->pending.correlations += ns.correlations;
	in->pending.alerts += ns.alerts;
	return rc;
}

static int copy_source(const struct store_row *row, void *ctx)
{
	snprintf(ctx, STORE_NAME_MAX + 16, "%s", row->source);
	return 1;
}

/* Whether a conflicting version is an SCO (unversioned: its id derives
 * from its value) stored from another source: then this source holds the
 * same observable, and only its identifiers are new. */
static ac_rc held_elsewhere(struct ingest *in, const struct store_obj *so,
			    bool *held, struct ac_err *err)
{
	struct store *s = in->opts.corr.store ? in->opts.corr.store : in->store;
	char source[STORE_NAME_MAX + 16] = "";
	struct store_query q = {0};
	const char *ids[1] = {so->id};
	ac_rc rc;

	*held = false;
	if (so->version[0])
		return AC_OK;
	q.ids = ids;
	q.nids = 1;
	q.versions = STORE_VERSIONS_ALL;
	q.limit = 1;
	rc = store_query(s, &q, copy_source, source, err);
	*held = !rc && source[0] && strcmp(source, so->source) != 0;
	return rc;
}

/* What a stored version is apart from its signature: the leaf of its
 * content and who signed it ("" unsigned). */
struct signed_content {
	unsigned char leaf[FED_LEAF_LEN];
	char signer[STIX_ID_MAX];
	bool ok;
};

static bool content_of(const char *json, size_t len, struct signed_content *c)
{
	json_t *obj = json_loadb(json, len, 0, NULL);
	const char *signer = obj ? fed_signer(obj) : NULL;

	c->ok = obj && fed_content_leaf(json, len, c->leaf) &&
		strlen(signer ? signer : "") < sizeof(c->signer);
	if (c->ok)
		snprintf(c->signer, sizeof(c->signer), "%s",
			 signer ? signer : "");
	json_decref(obj);
	return c->ok;
}

static int stored_content(const struct store_row *row, void *ctx)
{
	content_of(row->json, row->json_len, ctx);
	return 1;
}

/* Whether the version stored under so's id and version has so's content
 * and signer and differs only in the signature itself: the same objects
 * signed in another group (a re-import split differently), which is a
 * duplicate, not a conflict. Another signer's claim stays a conflict. */
static ac_rc same_but_signature(struct ingest *in, const struct store_obj *so,
				bool *same, struct ac_err *err)
{
	struct signed_content mine, stored = {.ok = false};
	const char *ids[1] = {so->id}, *vers[1] = {so->version};
	struct store_query q = {0};
	ac_rc rc;

	*same = false;
	if (!content_of(so->json, so->json_len, &mine))
		return AC_OK;
	q.ids = ids;
	q.nids = 1;
	if (so->version[0]) {
		q.at_versions = vers;
		q.nat_versions = 1;
	} else {
		q.versions = STORE_VERSIONS_ALL; /* an SCO has one */
	}
	q.limit = 1;
	rc = store_query(in->store, &q, stored_content, &stored, err);
	*same = !rc && stored.ok &&
		!memcmp(stored.leaf, mine.leaf, FED_LEAF_LEN) &&
		!strcmp(stored.signer, mine.signer);
	return rc;
}

/* Indexes (with correlation on) and files in the collection an object
 * that is stored, or held, in the open transaction. */
static ac_rc record_kept(struct ingest *in, const struct store_obj *so,
			 const struct ident *ids, size_t nids, bool is_new,
			 struct ac_err *err)
{
	ac_rc rc = AC_OK;

	if (in->opts.corr.enabled)
		rc = correlate(in, so->id, ids, nids, err);
	if (!rc && is_new)
		rc = names_step(in, so, err);
	if (!rc && in->opts.collection_id)
		rc = store_member_add(in->store, in->opts.collection_id, so->id,
				      err);
	if (rc)
		in->failed = true;
	return rc;
}

static enum ingest_outcome count_kept(struct ingest *in,
				      enum store_put_result res, bool held)
{
	if (held) {
		in->pending.held++;
		return INGEST_HELD;
	}
	if (res == STORE_PUT_DUPLICATE) {
		in->pending.duplicates++;
		return INGEST_DUPLICATE;
	}
	in->pending.accepted++;
	return INGEST_ACCEPTED;
}

/* Counts and reports what a store_put did with the object, and (with
 * correlation on) indexes its identifiers in the same transaction. */
/* Whether a partner sends an object this node erased (only checked where
 * the node's own store is known: corr.store). */
static ac_rc erased_here(struct ingest *in, const char *id, bool *yes,
			 struct ac_err *err)
{
	ac_rc rc;

	*yes = false;
	if (!in->opts.corr.store || strncmp(in->opts.source, "partner:", 8))
		return AC_OK;
	/* most nodes have erased nothing: one probe per transaction */
	if (!in->erasures_checked) {
		rc = store_erased_any(in->opts.corr.store, yes, err);
		if (rc)
			return rc;
		in->erasures_checked = true;
		in->erasures_none = !*yes;
		*yes = false;
	}
	if (in->erasures_none)
		return AC_OK;
	return store_erased(in->opts.corr.store, id, yes, err);
}

static ac_rc store_one(struct ingest *in, const struct store_obj *so,
		       const struct ident *ids, size_t nids,
		       const struct stream_pos *pos,
		       enum ingest_outcome *outcome, struct ac_err *err)
{
	enum store_put_result res = STORE_PUT_DUPLICATE;
	struct ac_err perr = {0};
	enum ingest_outcome out;
	bool held = false, erased = false, same = false;
	ac_rc rc;

	note_pos(in, pos);
	rc = ensure_txn(in, err);
	if (rc) {
		in->failed = true;
		return rc;
	}
	rc = erased_here(in, so->id, &erased, err);
	if (rc) {
		in->failed = true;
		return rc;
	}
	if (erased)
		return reject(in, so->id, pos, AC_ERR_PERM,
			      "erased at this node ('accord erase list'): a "
			      "partner's copy is not stored again",
			      outcome, err);
	rc = store_put(in->store, so, &res, &perr);
	if (rc == AC_ERR_CONFLICT) {
		rc = held_elsewhere(in, so, &held, err);
		if (!rc && !held)
			rc = same_but_signature(in, so, &same, err);
		if (rc) {
			in->failed = true;
			return rc;
		}
		if (!held && !same)
			return reject(in, so->id, pos, AC_ERR_CONFLICT,
				      perr.msg, outcome, err);
		res = STORE_PUT_DUPLICATE;
	} else if (rc) {
		in->failed = true;
		return ac_err_set(err, rc, "%s", perr.msg);
	}
	rc = record_kept(in, so, ids, nids, !held && res == STORE_PUT_NEW, err);
	if (rc)
		return rc;
	out = count_kept(in, res, held);
	if (outcome)
		*outcome = out;
	rc = maybe_commit(in, err);
	if (!rc && in->on_progress) {
		struct ingest_stats seen = in->stats;
		seen.accepted += in->pending.accepted;
		seen.duplicates += in->pending.duplicates;
		seen.held += in->pending.held;
		in->on_progress(&seen, in->ctx);
	}
	return rc;
}

/* Checks the signature obj carries: its signer must be a known node and
 * the signature must verify. AC_ERR_CRYPTO with the reason in why. */
static ac_rc check_signature(const json_t *obj,
			     const struct ingest_provenance *prov,
			     const struct ac_buf *canon, char *why,
			     size_t why_len)
{
	const char *id = stix_get_str(obj, "id"), *signer = fed_signer(obj);
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	if (!signer) {
		snprintf(why, why_len,
			 "%s: provenance: malformed signature "
			 "(no signer)",
			 id);
		return AC_ERR_CRYPTO;
	}
	if (!prov->key_of || !prov->key_of(signer, pk, prov->key_ctx)) {
		snprintf(why, why_len,
			 "%s: provenance: signed by unknown "
			 "node '%.128s'",
			 id, signer);
		return AC_ERR_CRYPTO;
	}
	if (fed_verify_canonical(obj, canon, pk) != FED_SIG_OK) {
		snprintf(why, why_len,
			 "%s: provenance: the signature of "
			 "'%.128s' does not verify (malformed, or the object "
			 "was changed)",
			 id, signer);
		return AC_ERR_CRYPTO;
	}
	return AC_OK;
}

static ac_rc canonicalise(const json_t *obj, struct ac_buf *canon, char *why,
			  size_t why_len)
{
	ac_rc rc;

	ac_buf_reset(canon);
	rc = stix_jcs(obj, canon);
	if (rc)
		snprintf(why, why_len, "%s: cannot canonicalise: %s",
			 stix_get_str(obj, "id"), ac_rc_name(rc));
	return rc;
}

static ac_rc collect_or_why(const json_t *obj, struct ac_buf *text,
			    char *why, size_t why_len)
{
	ac_rc rc = ingest_collect_text(obj, text);

	if (rc)
		snprintf(why, why_len, "%s: cannot collect its search text: %s",
			 stix_get_str(obj, "id"), ac_rc_name(rc));
	return rc;
}

/* What an unsigned object needs: nothing (a shipped object), rejection (a
 * partner's must be signed) or this node's signature. */
enum unsigned_need { KEEP_UNSIGNED, REJECT_UNSIGNED, SIGN_HERE };

static enum unsigned_need unsigned_need(const json_t *obj,
					const struct ingest_prep *prep,
					const struct ac_buf *canon)
{
	if (stix_shipped_identical(stix_get_str(obj, "id"), canon->data,
				   canon->len))
		return KEEP_UNSIGNED;
	return prep->partner ? REJECT_UNSIGNED : SIGN_HERE;
}

/* An unsigned object: a partner's is rejected unless it is a shipped
 * object; this node's own is signed (canon then holds the signed form),
 * or with must_sign left for the caller to sign (*must_sign set). */
static ac_rc sign_unsigned(json_t *obj, const struct ingest_prep *prep,
			   struct ac_buf *canon, bool *must_sign, char *why,
			   size_t why_len)
{
	const struct ingest_provenance *prov = prep->provenance;
	const char *id = stix_get_str(obj, "id");
	struct ac_err err = {0};

	switch (unsigned_need(obj, prep, canon)) {
	case KEEP_UNSIGNED:
		return AC_OK;
	case REJECT_UNSIGNED:
		snprintf(why, why_len,
			 "%s: provenance: unsigned (a partner's "
			 "object must carry its originator's signature)",
			 id);
		return AC_ERR_CRYPTO;
	case SIGN_HERE:
		break;
	}
	if (prov->keys && must_sign) {
		*must_sign = true;
		return AC_OK;
	}
	if (!prov->keys ||
	    fed_sign_canonical(obj, canon->data, canon->len, prov->keys,
			       prov->identity_id, &err)) {
		snprintf(why, why_len, "%s: provenance: cannot sign: %s", id,
			 prov->keys ? err.msg : "no node key");
		return err.rc == AC_ERR_NOMEM ? AC_ERR_NOMEM : AC_ERR_INVALID;
	}
	return canonicalise(obj, canon, why, why_len);
}

/* Erasure messages are never stored objects (fed_erase_check_id would
 * refuse to erase one). */
static bool is_erasure_message(const json_t *obj)
{
	const char *type = stix_get_str(obj, "type");

	return type && (!strcmp(type, STIX_TYPE_ERASURE_NOTICE) ||
			!strcmp(type, STIX_TYPE_ERASURE_CONFIRMATION));
}

ac_rc ingest_prepare_deferred(json_t *obj, const struct ingest_prep *prep,
			      struct ac_buf *canon, bool canon_given,
			      struct ac_buf *text, bool *must_sign, char *why,
			      size_t why_len, size_t *warnings)
{
	const struct ingest_provenance *prov = prep->provenance;
	bool is_signed = fed_is_signed(obj);
	struct stix_report rep;
	ac_rc rc;

	*warnings = 0;
	if (must_sign)
		*must_sign = false;
	ac_buf_reset(text);
	if (is_erasure_message(obj)) {
		snprintf(why, why_len,
			 "%s: erasure notices and confirmations "
			 "are handled when a partner POSTs them, not stored",
			 stix_get_str(obj, "id"));
		return AC_ERR_INVALID;
	}
	/* a signed object is kept exactly as its signer wrote it, so its
	 * canonical form is final */
	if (prov && is_signed) {
		rc = canon_given ? AC_OK
				 : canonicalise(obj, canon, why, why_len);
		if (!rc)
			rc = check_signature(obj, prov, canon, why, why_len);
		if (rc)
			return rc;
	}
	if (prep->markings && !is_signed &&
	    policy_apply_defaults(obj, prep->markings) == AC_ERR_NOMEM) {
		snprintf(why, why_len,
			 "%s: cannot add the marking defaults: "
			 "out of memory",
			 stix_get_str(obj, "id"));
		return AC_ERR_NOMEM;
	}
	stix_report_init(&rep);
	if (stix_validate(obj, &rep) != AC_OK) {
		report_text(&rep, why, why_len);
		return AC_ERR_INVALID;
	}
	*warnings = rep.nwarnings;
	rc = prov && is_signed ? AC_OK : canonicalise(obj, canon, why, why_len);
	if (!rc && prov && !is_signed)
		rc = sign_unsigned(obj, prep, canon, must_sign, why, why_len);
	if (rc || (must_sign && *must_sign))
		return rc;
	return collect_or_why(obj, text, why, why_len);
}

ac_rc ingest_prepare(json_t *obj, const struct ingest_prep *prep,
		     struct ac_buf *canon, struct ac_buf *text, char *why,
		     size_t why_len, size_t *warnings)
{
	return ingest_prepare_deferred(obj, prep, canon, false, text, NULL, why,
				       why_len, warnings);
}

ac_rc ingest_prepare_signed(const json_t *obj, struct ac_buf *canon,
			    struct ac_buf *text, char *why, size_t why_len)
{
	ac_rc rc = canonicalise(obj, canon, why, why_len);

	return rc ? rc : collect_or_why(obj, text, why, why_len);
}

/* What ingest_prepare does for this ingest: only this node's own objects
 * get the marking defaults (a partner's object is stored as the partner
 * wrote it). */
static struct ingest_prep prep_for(const struct ingest *in)
{
	bool local = !strcmp(in->opts.source, "local");
	struct ingest_prep p = {
	    .markings = local ? in->opts.markings : NULL,
	    .provenance = in->opts.provenance,
	    .partner = !strncmp(in->opts.source, "partner:", 8),
	};
	return p;
}

/* Stores one prepared object (canonical form and text in in->canon,
 * in->text). */
static ac_rc store_prepared(struct ingest *in, const json_t *obj,
			    const struct stream_pos *pos,
			    enum ingest_outcome *outcome, struct ac_err *err)
{
	const char *sv = stix_get_str(obj, "spec_version");
	struct store_obj so;

	memset(&so, 0, sizeof(so));
	so.id = stix_get_str(obj, "id");
	so.type = stix_get_str(obj, "type");
	so.version = stix_version_of(obj);
	so.spec_version = sv ? sv : "2.1";
	so.revoked = json_is_true(json_object_get(obj, "revoked"));
	so.source = in->opts.source;
	so.json = in->canon.data;
	so.json_len = in->canon.len;
	so.text = in->text.data ? in->text.data : "";
	ac_hash(in->canon.data, in->canon.len, so.hash);
	if (policy_markings_summary(obj, &in->meta) == AC_OK) {
		so.meta = in->meta.data;
		so.meta_len = in->meta.len;
	}
	if (!in->opts.corr.enabled)
		return store_one(in, &so, NULL, 0, pos, outcome, err);
	if (!in->idents && !(in->idents = malloc(sizeof(*in->idents)))) {
		in->failed = true;
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot index '%s': out of memory", so.id);
	}
	struct ident_ctx ictx = ident_ctx_of(in);
	ident_extract(obj, &ictx, in->idents);
	return store_one(in, &so, in->idents->items, in->idents->n, pos,
			 outcome, err);
}

ac_rc ingest_json(struct ingest *in, const json_t *obj,
		  const struct stream_pos *pos, enum ingest_outcome *outcome,
		  struct ac_err *err)
{
	struct ingest_prep prep = prep_for(in);
	char why[STIX_ISSUE_LEN + 256];
	json_t *work;
	size_t warnings;
	ac_rc rc;

	if (in->failed)
		return ac_err_set(err, AC_ERR_INVALID,
				  "ingest already failed; call ingest_finish");
	in->names_known = false; /* names_step reads them from the object */
	/* defaults and signing change the object: work on a copy */
	work = prep.markings || prep.provenance ? json_deep_copy(obj)
						: json_incref((json_t *)obj);
	if (!work)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	rc = ingest_prepare(work, &prep, &in->canon, &in->text, why,
			    sizeof(why), &warnings);
	in->stats.warnings += warnings;
	in->stats.bad_signatures += rc == AC_ERR_CRYPTO;
	if (rc)
		rc = reject(in, stix_get_str(work, "id"), pos, rc, why, outcome,
			    err);
	else
		rc = store_prepared(in, work, pos, outcome, err);
	json_decref(work);
	return rc;
}

ac_rc ingest_text(struct ingest *in, const char *data, size_t len,
		  const struct stream_pos *pos, enum ingest_outcome *outcome,
		  struct ac_err *err)
{
	struct ac_err perr = {0};
	json_t *obj = NULL;
	ac_rc rc;

	rc = stix_json_parse(data, len, &in->opts.limits, &obj, &perr);
	if (rc)
		return reject(in, NULL, pos, rc, perr.msg, outcome, err);
	rc = ingest_json(in, obj, pos, outcome, err);
	json_decref(obj);
	return rc;
}

static ac_rc stream_object(const char *data, size_t len,
			   const struct stream_pos *pos, void *ctx)
{
	struct ingest *in = ctx;
	struct ac_err *err = in->stream_err;

	return ingest_text(in, data, len, pos, NULL, err);
}

static ac_rc stream_bad_line(const struct stream_pos *pos,
			     const struct ac_err *why, void *ctx)
{
	struct ingest *in = ctx;

	return reject(in, NULL, pos, why->rc, why->msg, NULL, in->stream_err);
}

/* Points in->names at the person names the workers took (for names_step);
 * they live in the batch until consume_item returns. */
static void take_names(struct ingest *in, const struct pipe_batch *b,
		       const struct pipe_item *it)
{
	const char *p = pipe_str(b, it->names);

	in->names_known = it->names_known;
	in->nnames = it->nnames;
	for (size_t i = 0; i < it->nnames && p; i++) {
		in->names[i] = p;
		p += strlen(p) + 1;
	}
}

/* Stores or rejects one object the workers prepared, as ingest_text would
 * have. */
static ac_rc consume_item(struct ingest *in, const struct pipe_batch *b,
			  const struct pipe_item *it, struct ac_err *err)
{
	struct store_obj so;

	if (in->failed)
		return ac_err_set(err, AC_ERR_INVALID,
				  "ingest already failed; call ingest_finish");
	if (it->fatal) {
		in->failed = true;
		return ac_err_set(err, it->rc,
				  "cannot prepare object %" PRIu64 ": %s",
				  it->pos.index, ac_rc_name(it->rc));
	}
	in->stats.warnings += it->warnings;
	in->stats.bad_signatures += it->rc == AC_ERR_CRYPTO;
	if (it->rc)
		return reject(in, pipe_str(b, it->id), &it->pos, it->rc,
			      pipe_str(b, it->why), NULL, err);
	memset(&so, 0, sizeof(so));
	so.id = pipe_str(b, it->id);
	so.type = pipe_str(b, it->type);
	so.version = pipe_str(b, it->version);
	so.spec_version = pipe_str(b, it->spec_version);
	so.revoked = it->revoked;
	so.source = in->opts.source;
	so.json = pipe_str(b, it->json);
	so.json_len = it->json_len;
	so.text = pipe_str(b, it->text);
	so.meta = pipe_str(b, it->meta);
	so.meta_len = it->meta_len;
	memcpy(so.hash, it->hash, sizeof(so.hash));
	take_names(in, b, it);
	if (!in->opts.corr.enabled || !it->nidents)
		return store_one(in, &so, NULL, 0, &it->pos, NULL, err);
	if (!in->idents && !(in->idents = malloc(sizeof(*in->idents)))) {
		in->failed = true;
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot index '%s': out of memory", so.id);
	}
	/* the records sit unaligned in the batch's text buffer */
	memcpy(in->idents->items, b->out.data + it->idents,
	       it->nidents * sizeof(in->idents->items[0]));
	in->idents->n = it->nidents;
	return store_one(in, &so, in->idents->items, in->idents->n, &it->pos,
			 NULL, err);
}

/* The next finished batch from a feeder; while the input pauses past the
 * open transaction's deadline, commits it first (so a live feed's objects
 * land, and the write lock goes, within about batch_max_ms). */
static struct pipe_batch *take_fed(struct ingest *in, ac_rc *rc,
				   struct ac_err *err)
{
	struct pipe_batch *b;
	bool late = false;

	while (!(b = ingest_pipe_take_by(in->pipe, commit_deadline(in),
					 &late)) &&
	       late) {
		*rc = commit_batch(in, err);
		if (*rc)
			return NULL;
	}
	return b;
}

/* Takes finished batches back in input order (waiting for all when flush;
 * with a feeder, until its input ends) and stores their objects; stops at
 * the first failure. */
static ac_rc consume(struct ingest *in, bool flush, bool fed,
		     struct ac_err *err)
{
	struct pipe_batch *b;
	ac_rc rc = AC_OK;

	while (!rc && (b = fed ? take_fed(in, &rc, err)
			       : ingest_pipe_next(in->pipe, flush))) {
		for (size_t i = 0; !rc && i < b->n; i++)
			rc = consume_item(in, b, &b->items[i], err);
		ingest_pipe_done(in->pipe, b);
	}
	return rc;
}

static ac_rc pipe_object(const char *data, size_t len,
			 const struct stream_pos *pos, void *ctx)
{
	struct ingest *in = ctx;
	ac_rc rc;

	rc = ingest_pipe_add(in->pipe, data, len, pos, NULL, in->stream_err);
	if (rc) {
		in->failed = true;
		return rc;
	}
	return consume(in, false, false, in->stream_err);
}

static ac_rc pipe_bad_line(const struct stream_pos *pos,
			   const struct ac_err *why, void *ctx)
{
	struct ingest *in = ctx;
	ac_rc rc;

	rc = ingest_pipe_add(in->pipe, NULL, 0, pos, why, in->stream_err);
	if (rc) {
		in->failed = true;
		return rc;
	}
	return consume(in, false, false, in->stream_err);
}

/* Where an ingest reads its objects: a stream to split, or the
 * caller's split objects. */
struct source {
	FILE *f;
	enum stream_format fmt;
	ingest_next_fn next;
	void *ctx;
};

/* stream_read for a source of split objects. */
static ac_rc elements_read(const struct source *src, struct ingest *in,
			   stream_object_cb cb, stream_bad_cb bad,
			   struct ac_err *err)
{
	size_t max = in->opts.limits.max_object_bytes;
	struct stream_pos pos;
	struct ac_err why;
	const char *data;
	size_t len;
	ac_rc rc;

	for (;;) {
		data = NULL;
		len = 0;
		memset(&pos, 0, sizeof(pos));
		rc = src->next(src->ctx, &data, &len, &pos, err);
		if (rc || !data)
			return rc;
		if (len <= max) {
			rc = cb(data, len, &pos, in);
		} else {
			ac_err_set(&why, AC_ERR_LIMIT,
				   "object %" PRIu64 " is larger than %zu "
				   "bytes",
				   pos.index, max);
			rc = bad(&pos, &why, in);
		}
		if (rc)
			return rc;
	}
}

static ac_rc read_source(const struct source *src, struct ingest *in,
			 stream_object_cb cb, stream_bad_cb bad,
			 struct ac_err *err)
{
	if (src->f || !src->next) /* stream_read refuses a NULL f */
		return stream_read(src->f, src->fmt, &in->opts.limits, cb, bad,
				   in, err);
	return elements_read(src, in, cb, bad, err);
}

/* A stream split on a thread of its own (the feeder), so that the storing
 * thread only stores: the splitting was about a tenth of its
 * instructions. The feeder touches the pipe, the FILE and the limits only. */
struct feeder {
	struct ingest_pipe *pipe;
	const struct source *src;
	const struct stix_limits *lim;
	struct ac_err err;
	ac_rc rc;
	bool queue_failed; /* out of memory queueing an object */
};

static ac_rc feed_object(const char *data, size_t len,
			 const struct stream_pos *pos, void *ctx)
{
	struct feeder *fd = ctx;
	ac_rc rc = ingest_pipe_add(fd->pipe, data, len, pos, NULL, &fd->err);

	fd->queue_failed |= rc == AC_ERR_NOMEM;
	return rc;
}

static ac_rc feed_bad_line(const struct stream_pos *pos,
			   const struct ac_err *why, void *ctx)
{
	struct feeder *fd = ctx;
	ac_rc rc = ingest_pipe_add(fd->pipe, NULL, 0, pos, why, &fd->err);

	fd->queue_failed |= rc == AC_ERR_NOMEM;
	return rc;
}

/* The input paused: what is queued goes to the workers now. */
static ac_rc feed_idle(void *ctx)
{
	struct feeder *fd = ctx;
	ac_rc rc = ingest_pipe_hand_over(fd->pipe);

	return rc ? ac_err_set(&fd->err, rc, "the input was cancelled") : rc;
}

static void *feeder_main(void *arg)
{
	struct feeder *fd = arg;

	fd->rc = stream_read_live(fd->src->f, fd->src->fmt, fd->lim,
				  feed_object, feed_bad_line, feed_idle, fd,
				  &fd->err);
	ingest_pipe_end_input(fd->pipe);
	return NULL;
}

/* Stores what a feeder thread splits off src. What it queued before its
 * own error is stored (or fails) first; a store failure cancels the rest
 * of the input (not stored) and is the error. The feeder sees the cancel
 * at its next object or before waiting on a paused input; one already
 * waiting in read(2) returns when the pipe delivers or closes. false when
 * no thread starts: the caller reads src itself. */
static bool read_fed(struct ingest *in, const struct source *src,
		     ac_rc *rc, struct ac_err *serr, ac_rc *crc,
		     struct ac_err *cerr)
{
	struct feeder fd = {.pipe = in->pipe, .src = src,
			    .lim = &in->opts.limits};
	pthread_t th;

	ingest_pipe_feeder(in->pipe, true);
	if (pthread_create(&th, NULL, feeder_main, &fd)) {
		ingest_pipe_feeder(in->pipe, false);
		return false;
	}
	*crc = consume(in, true, true, cerr);
	if (*crc)
		ingest_pipe_cancel_input(in->pipe);
	pthread_join(th, NULL);
	in->failed |= fd.queue_failed;
	*rc = fd.rc;
	*serr = fd.err;
	return true;
}

/* The source read with worker threads. Objects still queued when the
 * reading stops come before its error in the input, so they are stored (or
 * fail) first, exactly as in the one-at-a-time path. A stream gets a
 * feeder thread when one starts. */
static ac_rc read_piped(struct ingest *in, const struct source *src,
			struct ac_err *err)
{
	struct ac_err serr = {0}, cerr = {0};
	ac_rc rc = AC_OK, crc = AC_OK;

	if (!src->f || !read_fed(in, src, &rc, &serr, &crc, &cerr)) {
		in->stream_err = &serr;
		rc = read_source(src, in, pipe_object, pipe_bad_line, &serr);
		in->stream_err = NULL;
		if (!in->failed)
			crc = consume(in, true, false, &cerr);
	}
	ingest_pipe_stop(in->pipe);
	in->pipe = NULL;
	if (crc) {
		*err = cerr;
		return crc;
	}
	if (rc)
		*err = serr;
	return rc;
}

static ac_rc ingest_source(struct ingest *in, const struct source *src,
			   struct ac_err *err)
{
	struct ac_err perr = {0};
	struct ident_ctx ictx = ident_ctx_of(in);
	struct ingest_prep prep = prep_for(in);
	ac_rc rc;

	if (!ingest_pipe_start(&in->opts.limits,
			       in->opts.corr.enabled ? &ictx : NULL, &prep,
			       &in->pipe, &perr)) {
		rc = read_piped(in, src, err);
	} else {
		in->stream_err = err;
		rc = read_source(src, in, stream_object, stream_bad_line, err);
		in->stream_err = NULL;
	}
	if (rc && in->opts.strict)
		in->failed = true;
	return rc;
}

ac_rc ingest_stream(struct ingest *in, FILE *f, enum stream_format fmt,
		    struct ac_err *err)
{
	struct source src = {.f = f, .fmt = fmt};

	return ingest_source(in, &src, err);
}

ac_rc ingest_elements(struct ingest *in, ingest_next_fn next, void *ctx,
		      struct ac_err *err)
{
	struct source src = {.next = next, .ctx = ctx};

	return ingest_source(in, &src, err);
}

ac_rc ingest_finish(struct ingest *in, struct ac_err *err)
{
	ac_rc rc = AC_OK;

	if (in->in_txn && in->failed) {
		struct ac_err rerr = {0};
		store_rollback(in->store, &rerr);
		names_service_reset(); /* it may have seen the lost rows */
		in->in_txn = false;
		memset(&in->pending, 0, sizeof(in->pending));
	} else if (in->in_txn) {
		rc = commit_batch(in, err);
	}
	/* what was reported accepted is on disk before the caller says so */
	if (store_sync(in->store, rc ? NULL : err) && !rc)
		rc = AC_ERR_STORE;
	ac_buf_release(&in->canon);
	ac_buf_release(&in->text);
	ac_buf_release(&in->meta);
	corr_close(in->corr);
	in->corr = NULL;
	free(in->idents);
	in->idents = NULL;
	return rc;
}
