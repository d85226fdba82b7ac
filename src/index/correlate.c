/* Correlation at ingest, and the read side of correlations and alerts. */
#include "base/common.h"
#include "index/correlate.h"

#include "base/buf.h"
#include "base/time.h"

#define HOLDERS_BYTES_MAX (64u << 20)

struct corr {
	struct store *store;
	size_t max;		    /* max_occurrences */
	bool v4_lens[33];	    /* IPv4 block prefix lengths in the index */
	bool v6_lens[129];	    /* IPv6 ... */
	struct ac_buf holders;	    /* "object\0source\0" of the last match */
	size_t nholders;
	/* asked once per transaction (corr_new_transaction): the common
	 * values list is empty, so no identifier needs its count bumped */
	bool common_checked, common_none;
};

/* One object in the index that holds a value. */
struct holder {
	const char *object_id, *source, *value;
};

static int note_len(const struct store_ident *id, void *ctx)
{
	struct corr *c = ctx;
	const char *slash = strrchr(id->value, '/');
	unsigned long p;

	if (!slash)
		return 0;
	p = strtoul(slash + 1, NULL, 10);
	if (!strcmp(id->kind, IDENT_IPV4_NET) && p <= 32)
		c->v4_lens[p] = true;
	else if (!strcmp(id->kind, IDENT_IPV6_NET) && p <= 128)
		c->v6_lens[p] = true;
	return 0;
}

ac_rc corr_open(struct store *s, const struct corr_opts *opts,
		struct corr **out, struct ac_err *err)
{
	struct corr *c = calloc(1, sizeof(*c));
	ac_rc rc;

	*out = NULL;
	if (!c)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot start correlation: out of memory");
	c->store = s;
	c->max = opts && opts->max_occurrences ? opts->max_occurrences
					      : CORR_MAX_OCCURRENCES_DEFAULT;
	if (c->max > CORR_MAX_OCCURRENCES_CAP)
		c->max = CORR_MAX_OCCURRENCES_CAP;
	ac_buf_init(&c->holders, HOLDERS_BYTES_MAX);
	rc = store_ident_kind(s, IDENT_IPV4_NET, note_len, c, err);
	if (!rc)
		rc = store_ident_kind(s, IDENT_IPV6_NET, note_len, c, err);
	if (rc) {
		corr_close(c);
		return rc;
	}
	*out = c;
	return AC_OK;
}

void corr_close(struct corr *c)
{
	if (!c)
		return;
	ac_buf_release(&c->holders);
	free(c);
}

/* Copies each matching row (object, source, value) into c->holders: the
 * rows must outlive the statement, which the writes below would reset. */
static int keep_holder(const struct store_ident *id, void *ctx)
{
	struct corr *c = ctx;

	if (ac_buf_add(&c->holders, id->object_id, strlen(id->object_id) + 1) ||
	    ac_buf_add(&c->holders, id->source, strlen(id->source) + 1) ||
	    ac_buf_add(&c->holders, id->value, strlen(id->value) + 1))
		return 1;
	c->nholders++;
	return 0;
}

/* Walks the holders kept by the last lookup. */
static const char *next_holder(const char *p, struct holder *h)
{
	h->object_id = p;
	h->source = p + strlen(p) + 1;
	h->value = h->source + strlen(h->source) + 1;
	return h->value + strlen(h->value) + 1;
}

static void reset_holders(struct corr *c)
{
	ac_buf_reset(&c->holders);
	c->nholders = 0;
}

static ac_rc find_holders(struct corr *c, const char *kind, const char *value,
			  struct ac_err *err)
{
	reset_holders(c);
	return store_ident_match(c->store, kind, value, c->max + 1,
				 keep_holder, c, err);
}

struct subject {
	const char *object_id, *source;
};

/* Records the correlation of the new object with one holder. */
static ac_rc correlate_one(struct corr *c, const struct subject *sub,
			   const struct holder *h, const char *kind,
			   const char *value, double score,
			   struct corr_stats *st, struct ac_err *err)
{
	struct store_correlation rec = {
	    .kind = kind,
	    .value = value,
	    .object_a = h->object_id,
	    .source_a = h->source,
	    .object_b = sub->object_id,
	    .source_b = sub->source,
	    .score = score,
	};
	bool cross = strcmp(h->source, sub->source) != 0;
	bool added = false;
	ac_rc rc;

	if (!cross && !strcmp(h->object_id, sub->object_id))
		return AC_OK; /* the object itself */
	rc = store_correlation_add(c->store, &rec, cross, &added, err);
	if (!rc && added) {
		st->correlations++;
		st->alerts += cross;
	}
	return rc;
}

/* Correlates with every kept holder; value NULL takes each holder's own
 * (for containment, "<inner> in <outer>" is built by the caller). */
static ac_rc correlate_holders(struct corr *c, const struct subject *sub,
			       const char *kind, const char *value,
			       double score, struct corr_stats *st,
			       struct ac_err *err)
{
	const char *p = c->holders.data;
	struct holder h;
	ac_rc rc = AC_OK;

	for (size_t i = 0; !rc && i < c->nholders; i++) {
		p = next_holder(p, &h);
		rc = correlate_one(c, sub, &h, kind, value ? value : h.value,
				   score, st, err);
	}
	return rc;
}

/* Exact matches of one new identifier, or the common-values cut-off. */
static ac_rc correlate_exact(struct corr *c, const struct subject *sub,
			     const struct ident *id, struct corr_stats *st,
			     struct ac_err *err)
{
	ac_rc rc = find_holders(c, id->kind, id->value, err);

	if (rc)
		return rc;
	if (c->nholders > c->max) {
		rc = store_common_add(c->store, id->kind, id->value,
				      c->nholders, ac_now_us(), err);
		st->common += !rc;
		c->common_none = false;
		return rc;
	}
	return correlate_holders(c, sub, id->kind, id->value, 1.0, st, err);
}

/* The blocks of known prefix lengths around an address or block. */
static ac_rc correlate_outer(struct corr *c, const struct subject *sub,
			     const struct ident *id, struct corr_stats *st,
			     struct ac_err *err)
{
	const bool *lens = id->ord_len == 4 ? c->v4_lens : c->v6_lens;
	char value[2 * IDENT_VALUE_MAX + 8];
	struct ident net;
	ac_rc rc = AC_OK;

	for (unsigned p = 0; !rc && p < id->prefix; p++) {
		if (!lens[p])
			continue;
		ident_ip_block(id, p, &net);
		rc = find_holders(c, net.kind, net.value, err);
		if (rc || c->nholders > c->max)
			continue; /* a block that broad says nothing */
		snprintf(value, sizeof(value), "%s in %s", id->value,
			 net.value);
		rc = correlate_holders(c, sub, net.kind, value,
				       CORR_SCORE_CONTAINED, st, err);
	}
	return rc;
}

/* Addresses and smaller blocks inside a new block. */
static ac_rc correlate_inner(struct corr *c, const struct subject *sub,
			     const struct ident *net, const char *kind,
			     struct corr_stats *st, struct ac_err *err)
{
	char value[2 * IDENT_VALUE_MAX + 8];
	uint8_t hi[16];
	const char *p;
	struct holder h;
	ac_rc rc;

	memcpy(hi, net->ord, net->ord_len);
	for (size_t i = 0; i < net->ord_len; i++) {
		unsigned from = 8 * (unsigned)i;
		if (net->prefix <= from)
			hi[i] = 0xFF;
		else if (net->prefix < from + 8)
			hi[i] |= (uint8_t)(0xFFu >> (net->prefix - from));
	}
	reset_holders(c);
	rc = store_ident_range(c->store, kind, net->ord, hi, net->ord_len,
			       c->max + 1, keep_holder, c, err);
	if (rc || c->nholders > c->max)
		return rc;
	p = c->holders.data;
	for (size_t i = 0; !rc && i < c->nholders; i++) {
		struct ident inner;
		p = next_holder(p, &h);
		/* blocks starting here but wider contain this one: found by
		 * correlate_outer; equal ones by the exact match */
		if (!ident_norm_ip(h.value, &inner) ||
		    inner.prefix <= net->prefix)
			continue;
		snprintf(value, sizeof(value), "%s in %s", h.value, net->value);
		rc = correlate_one(c, sub, &h, net->kind, value,
				   CORR_SCORE_CONTAINED, st, err);
	}
	return rc;
}

static bool is_net(const struct ident *id)
{
	return !strcmp(id->kind, IDENT_IPV4_NET) ||
	       !strcmp(id->kind, IDENT_IPV6_NET);
}

static ac_rc correlate_ip(struct corr *c, const struct subject *sub,
			  const struct ident *id, struct corr_stats *st,
			  struct ac_err *err)
{
	bool v4 = id->ord_len == 4;
	ac_rc rc = correlate_outer(c, sub, id, st, err);

	if (rc || !is_net(id))
		return rc;
	rc = correlate_inner(c, sub, id, v4 ? IDENT_IPV4 : IDENT_IPV6, st, err);
	if (!rc)
		rc = correlate_inner(c, sub, id, id->kind, st, err);
	if (!rc)
		(v4 ? c->v4_lens : c->v6_lens)[id->prefix] = true;
	return rc;
}

static int any_common(const struct store_common *v, void *ctx)
{
	(void)v;
	*(bool *)ctx = true;
	return 1;
}

/* store_common_bump, skipped while the list is empty. */
static ac_rc common_listed(struct corr *c, const struct ident *id,
			   bool *listed, struct ac_err *err)
{
	bool any = false;
	ac_rc rc;

	*listed = false;
	if (!c->common_checked) {
		rc = store_common_list(c->store, any_common, &any, err);
		if (rc)
			return rc;
		c->common_checked = true;
		c->common_none = !any;
	}
	if (c->common_none)
		return AC_OK;
	return store_common_bump(c->store, id->kind, id->value, listed, err);
}

void corr_new_transaction(struct corr *c)
{
	if (c)
		c->common_checked = false;
}

static ac_rc index_one(struct corr *c, const struct subject *sub,
		       const struct ident *id, struct corr_stats *st,
		       struct ac_err *err)
{
	struct store_ident row = {
	    .kind = id->kind,
	    .value = id->value,
	    .object_id = sub->object_id,
	    .source = sub->source,
	    .valid = id->valid,
	    .ord = id->ord_len ? id->ord : NULL,
	    .ord_len = id->ord_len,
	};
	bool inserted = false, listed = false;
	ac_rc rc;

	rc = store_ident_add(c->store, &row, ac_now_us(), &inserted, err);
	if (rc || !inserted)
		return rc; /* already indexed for this object and source */
	st->identifiers++;
	if (!id->valid || ident_kind_invalid(id->kind))
		return AC_OK;
	rc = common_listed(c, id, &listed, err);
	if (rc || listed)
		return rc;
	rc = correlate_exact(c, sub, id, st, err);
	if (!rc && id->ord_len)
		rc = correlate_ip(c, sub, id, st, err);
	return rc;
}

ac_rc corr_object(struct corr *c, const char *object_id, const char *source,
		  const struct ident *ids, size_t n, struct corr_stats *st,
		  struct ac_err *err)
{
	struct subject sub = {object_id, source};
	ac_rc rc = AC_OK;

	for (size_t i = 0; !rc && i < n; i++)
		rc = index_one(c, &sub, &ids[i], st, err);
	if (rc)
		ac_err_prefix(err, "cannot correlate '%s'", object_id);
	return rc;
}

struct list_ctx {
	const char *object_id;
	corr_match_cb cb;
	void *ctx;
};

static int view_from(const struct store_correlation *r, void *vctx)
{
	struct list_ctx *l = vctx;
	bool mine_a = !strcmp(r->object_a, l->object_id);
	struct corr_match m = {
	    .id = r->id,
	    .kind = r->kind,
	    .value = r->value,
	    .score = r->score,
	    .created_us = r->created_us,
	    .source = mine_a ? r->source_a : r->source_b,
	    .other_id = mine_a ? r->object_b : r->object_a,
	    .other_source = mine_a ? r->source_b : r->source_a,
	    .cross_source = strcmp(r->source_a, r->source_b) != 0,
	};
	return l->cb(&m, l->ctx);
}

ac_rc corr_list(struct store *s, const char *object_id, corr_match_cb cb,
		void *ctx, struct ac_err *err)
{
	struct list_ctx l = {object_id, cb, ctx};

	if (!cb)
		return ac_err_set(err, AC_ERR_USAGE,
				  "correlation list needs a callback");
	return store_correlation_list(s, object_id, view_from, &l, err);
}

ac_rc corr_alerts(struct store *s, int64_t since_us, bool all, size_t limit,
		  store_alert_cb cb, void *ctx, struct ac_err *err)
{
	return store_alert_list(s, since_us, all, limit, cb, ctx, err);
}
