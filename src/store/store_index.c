/* The public identifier-index functions: argument checks, then dispatch to
 * the backend's index ops. */
#include "base/common.h"
#include "store/store.h"

static ac_rc need_index(struct store *s, struct ac_err *err)
{
	if (!s || !s->ops->index)
		return ac_err_set(err, AC_ERR_USAGE,
				  "this store keeps no identifier index");
	return AC_OK;
}

static ac_rc need(const void *p, const char *what, struct ac_err *err)
{
	if (!p)
		return ac_err_set(err, AC_ERR_USAGE, "store: no %s given",
				  what);
	return AC_OK;
}

ac_rc store_ident_add(struct store *s, const struct store_ident *id,
		      int64_t now_us, bool *inserted, struct ac_err *err)
{
	bool ignored;
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(id && id->kind && id->value && id->object_id &&
				  id->source ? id : NULL,
			  "identifier", err);
	return rc ? rc
		  : s->ops->index->ident_add(s, id, now_us,
					     inserted ? inserted : &ignored,
					     err);
}

ac_rc store_ident_match(struct store *s, const char *kind, const char *value,
			size_t limit, store_ident_cb cb, void *ctx,
			struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(kind && value && cb ? cb : NULL,
			  "kind, value or callback", err);
	return rc ? rc
		  : s->ops->index->ident_match(s, kind, value, limit, cb, ctx,
					       err);
}

ac_rc store_ident_range(struct store *s, const char *kind, const uint8_t *lo,
			const uint8_t *hi, size_t len, size_t limit,
			store_ident_cb cb, void *ctx, struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(kind && lo && hi && cb && len ? cb : NULL,
			  "range", err);
	return rc ? rc
		  : s->ops->index->ident_range(s, kind, lo, hi, len, limit, cb,
					       ctx, err);
}

ac_rc store_ident_kind(struct store *s, const char *kind, store_ident_cb cb,
		       void *ctx, struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(kind && cb ? cb : NULL, "kind or callback", err);
	return rc ? rc : s->ops->index->ident_kind(s, kind, cb, ctx, err);
}

ac_rc store_correlation_add(struct store *s, const struct store_correlation *c,
			    bool alert, bool *inserted, struct ac_err *err)
{
	bool ignored;
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(c && c->kind && c->value && c->object_a &&
				  c->source_a && c->object_b && c->source_b
			      ? c
			      : NULL,
			  "correlation", err);
	return rc ? rc
		  : s->ops->index->correlation_add(
			s, c, alert, inserted ? inserted : &ignored, err);
}

ac_rc store_correlation_list(struct store *s, const char *object_id,
			     store_correlation_cb cb, void *ctx,
			     struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(object_id && cb ? cb : NULL,
			  "object id or callback", err);
	return rc ? rc
		  : s->ops->index->correlation_list(s, object_id, cb, ctx,
						    err);
}

ac_rc store_alert_list(struct store *s, int64_t since_us, bool all,
		       size_t limit, store_alert_cb cb, void *ctx,
		       struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(cb, "callback", err);
	return rc ? rc
		  : s->ops->index->alert_list(s, since_us, all, limit, cb, ctx,
					      err);
}

ac_rc store_alert_ack(struct store *s, int64_t id, const char *by,
		      int64_t now_us, struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(by, "acknowledging user", err);
	return rc ? rc : s->ops->index->alert_ack(s, id, by, now_us, err);
}

ac_rc store_common_bump(struct store *s, const char *kind, const char *value,
			bool *listed, struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(kind && value && listed ? listed : NULL,
			  "kind, value or result", err);
	return rc ? rc
		  : s->ops->index->common_bump(s, kind, value, listed, err);
}

ac_rc store_common_add(struct store *s, const char *kind, const char *value,
		       uint64_t count, int64_t now_us, struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(kind && value ? kind : NULL, "kind or value", err);
	return rc ? rc
		  : s->ops->index->common_add(s, kind, value, count, now_us,
					      err);
}

ac_rc store_common_list(struct store *s, store_common_cb cb, void *ctx,
			struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(cb, "callback", err);
	return rc ? rc : s->ops->index->common_list(s, cb, ctx, err);
}

ac_rc store_index_forget(struct store *s, const char *object_id,
			 struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	if (!rc)
		rc = need(object_id, "object id", err);
	return rc ? rc : s->ops->index->forget(s, object_id, err);
}

ac_rc store_index_forget_source(struct store *s, const char *object_id,
				const char *source, uint64_t *removed,
				struct ac_err *err)
{
	ac_rc rc = need_index(s, err);

	*removed = 0;
	if (!rc)
		rc = need(object_id, "object id", err);
	if (!rc)
		rc = need(source, "source", err);
	return rc ? rc
		  : s->ops->index->forget_source(s, object_id, source, removed,
						 err);
}
