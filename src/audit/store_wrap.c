/* A store that audits its writes: the ids of new versions put in a
 * transaction are appended to the audit log (committed, synchronous=FULL)
 * just before the data commits. A crash between the two leaves an entry
 * for data that never committed, never data without its entry. */
#include "base/common.h"
#include "audit/audit.h"

#include "base/time.h"

/* Ids kept in memory for one transaction; more are only counted. */
#define WRAP_IDS_MAX (100 * AUDIT_IDS_MAX)

struct wrap {
	struct store base; /* first, so a struct store * converts back */
	struct store *inner;
	struct audit *audit;	     /* one of these two */
	struct audit_writer *writer;
	struct audit_entry tmpl;
	char **ids;
	size_t n, cap;
	uint64_t count;
	bool in_tx;
};

static struct wrap *wr(struct store *s)
{
	return (struct wrap *)s;
}

static void ids_clear(struct wrap *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->ids[i]);
	w->n = 0;
	w->count = 0;
}

static ac_rc ids_add(struct wrap *w, const char *id)
{
	char **g;

	w->count++;
	if (w->n >= WRAP_IDS_MAX)
		return AC_OK;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		g = realloc(w->ids, cap * sizeof(*g));
		if (!g)
			return AC_ERR_NOMEM;
		w->ids = g;
		w->cap = cap;
	}
	if (!(w->ids[w->n] = strdup(id)))
		return AC_ERR_NOMEM;
	w->n++;
	return AC_OK;
}

/* Appends the pending ids as ingest entries, AUDIT_IDS_MAX per entry, in
 * one audit transaction. */
static ac_rc flush_ids(struct wrap *w, struct ac_err *err)
{
	size_t nent = w->n ? (w->n + AUDIT_IDS_MAX - 1) / AUDIT_IDS_MAX : 1;
	struct audit_entry *e;
	int64_t now = ac_now_us();
	ac_rc rc;

	if (w->count == 0)
		return AC_OK;
	e = calloc(nent, sizeof(*e));
	if (!e)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < nent; i++) {
		size_t off = i * AUDIT_IDS_MAX;
		e[i] = w->tmpl;
		e[i].time_us = now;
		e[i].object_ids = (const char *const *)w->ids + off;
		e[i].nobject_ids = w->n - off < AUDIT_IDS_MAX ? w->n - off
							      : AUDIT_IDS_MAX;
		/* the last entry also counts the ids not kept */
		e[i].object_count = i + 1 == nent ? w->count - off
						  : e[i].nobject_ids;
	}
	rc = w->writer ? audit_writer_append(w->writer, e, nent, err)
		       : audit_append_batch(w->audit, e, nent, NULL, err);
	free(e);
	ids_clear(w);
	return rc;
}

static void wrap_close(struct store *s)
{
	struct wrap *w = wr(s);

	ids_clear(w);
	free(w->ids);
	free(w);
}

static ac_rc begin_with(struct store *s, bool bulk, struct ac_err *err)
{
	ac_rc rc = bulk ? store_begin_bulk(wr(s)->inner, err)
			: store_begin(wr(s)->inner, err);

	if (!rc) {
		ids_clear(wr(s));
		wr(s)->in_tx = true;
	}
	return rc;
}

static ac_rc wrap_begin(struct store *s, struct ac_err *err)
{
	return begin_with(s, false, err);
}

/* The audit entry still commits with a full sync before the data, so a
 * lost bulk commit leaves an entry for data that never landed, never the
 * reverse. */
static ac_rc wrap_begin_bulk(struct store *s, struct ac_err *err)
{
	return begin_with(s, true, err);
}

static ac_rc wrap_sync(struct store *s, struct ac_err *err)
{
	return store_sync(wr(s)->inner, err);
}

static ac_rc wrap_commit(struct store *s, struct ac_err *err)
{
	struct wrap *w = wr(s);
	ac_rc rc = flush_ids(w, err);

	w->in_tx = false;
	if (rc) {
		struct ac_err rerr = { 0 };
		store_rollback(w->inner, &rerr);
		ac_err_prefix(err, "not committed, the audit entry failed");
		return rc;
	}
	return store_commit(w->inner, err);
}

static ac_rc wrap_rollback(struct store *s, struct ac_err *err)
{
	ids_clear(wr(s));
	wr(s)->in_tx = false;
	return store_rollback(wr(s)->inner, err);
}

static ac_rc wrap_put(struct store *s, const struct store_obj *o,
		      enum store_put_result *res, struct ac_err *err)
{
	struct wrap *w = wr(s);
	enum store_put_result r;
	ac_rc rc;

	if (!w->in_tx) {
		/* a lone put commits by itself: audit it first */
		rc = wrap_begin(s, err);
		if (!rc)
			rc = wrap_put(s, o, res, err);
		if (!rc)
			return wrap_commit(s, err);
		if (w->in_tx)
			wrap_rollback(s, NULL);
		return rc;
	}
	rc = store_put(w->inner, o, &r, err);
	if (!rc && r == STORE_PUT_NEW && ids_add(w, o->id))
		rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	if (!rc && res)
		*res = r;
	return rc;
}

static ac_rc wrap_query(struct store *s, const struct store_query *q,
			store_row_cb cb, void *ctx, struct ac_err *err)
{
	return store_query(wr(s)->inner, q, cb, ctx, err);
}

static ac_rc wrap_other_versions(struct store *s, const char *id,
				 const char *version, bool *newer,
				 bool *others, struct ac_err *err)
{
	return store_other_versions(wr(s)->inner, id, version, newer, others,
				    err);
}

static ac_rc wrap_search(struct store *s, const char *text, size_t limit,
			 store_row_cb cb, void *ctx, struct ac_err *err)
{
	return store_search(wr(s)->inner, text, limit, cb, ctx, err);
}

static ac_rc wrap_stats(struct store *s, store_stats_cb cb, void *ctx,
			struct ac_err *err)
{
	return store_stats(wr(s)->inner, cb, ctx, err);
}

/* TAXII records go straight to the inner store (ingest adds inbox
 * members; the rest is forwarded so the wrapper is a complete store). */
static ac_rc wrap_collection_add(struct store *s,
				 const struct store_collection *c,
				 struct ac_err *err)
{
	return store_collection_add(wr(s)->inner, c, err);
}

static ac_rc wrap_collection_get(struct store *s, const char *id_or_name,
				 struct store_collection *out,
				 struct ac_err *err)
{
	return store_collection_get(wr(s)->inner, id_or_name, out, err);
}

static ac_rc wrap_collection_list(struct store *s, store_collection_cb cb,
				  void *ctx, struct ac_err *err)
{
	return store_collection_list(wr(s)->inner, cb, ctx, err);
}

static ac_rc wrap_member_add(struct store *s, const char *collection_id,
			     const char *object_id, struct ac_err *err)
{
	return store_member_add(wr(s)->inner, collection_id, object_id, err);
}

static ac_rc wrap_status_put(struct store *s, const char *id, const char *json,
			     size_t len, struct ac_err *err)
{
	return store_status_put(wr(s)->inner, id, json, len, err);
}

static ac_rc wrap_status_get(struct store *s, const char *id,
			     struct ac_buf *out, struct ac_err *err)
{
	return store_status_get(wr(s)->inner, id, out, err);
}

static ac_rc wrap_delete_versions(struct store *s, const struct store_query *q,
				  store_text_fn text, uint64_t *deleted,
				  struct ac_err *err)
{
	return store_delete_versions(wr(s)->inner, q, text, deleted, err);
}

static const struct store_taxii_ops wrap_taxii_ops = {
	.collection_add = wrap_collection_add,
	.collection_get = wrap_collection_get,
	.collection_list = wrap_collection_list,
	.member_add = wrap_member_add,
	.status_put = wrap_status_put,
	.status_get = wrap_status_get,
	.delete_versions = wrap_delete_versions,
};

static const struct store_ops wrap_ops = {
	.close = wrap_close,
	.begin = wrap_begin,
	.commit = wrap_commit,
	.rollback = wrap_rollback,
	.begin_bulk = wrap_begin_bulk,
	.sync = wrap_sync,
	.put = wrap_put,
	.query = wrap_query,
	.other_versions = wrap_other_versions,
	.search = wrap_search,
	.stats = wrap_stats,
	.taxii = &wrap_taxii_ops,
};

ac_rc audit_store_wrap(struct store *inner, struct audit *a,
		       const struct audit_entry *tmpl, struct store **out,
		       struct ac_err *err)
{
	struct wrap *w = calloc(1, sizeof(*w));

	if (!w)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	w->base.ops = &wrap_ops;
	w->inner = inner;
	w->audit = a;
	w->tmpl = *tmpl;
	*out = &w->base;
	return AC_OK;
}

ac_rc audit_store_wrap_writer(struct store *inner, struct audit_writer *aw,
			      const struct audit_entry *tmpl,
			      struct store **out, struct ac_err *err)
{
	ac_rc rc = audit_store_wrap(inner, NULL, tmpl, out, err);

	if (!rc)
		wr(*out)->writer = aw;
	return rc;
}
