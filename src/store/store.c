/* The public store functions: pick a backend at open, then dispatch. */
#include "base/common.h"
#include "store/store.h"
#include "store/store_sqlite.h"

static bool is_postgres_uri(const char *path)
{
	return strncmp(path, "postgres://", 11) == 0 ||
	       strncmp(path, "postgresql://", 13) == 0;
}

ac_rc store_open(const char *path, bool create, struct store **out,
		 struct ac_err *err)
{
	if (!out)
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot open store: no result pointer");
	*out = NULL;
	if (!path || !path[0])
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot open store: no path given");
	if (is_postgres_uri(path))
		return ac_err_set(err, AC_ERR_USAGE,
				  "cannot open store '%s': postgresql is not "
				  "supported yet; give a file path",
				  path);
	store_init_library();
	return store_sqlite_open(path, create, out, err);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

ac_rc store_begin(struct store *s, struct ac_err *err)
{
	return s->ops->begin(s, err);
}

ac_rc store_commit(struct store *s, struct ac_err *err)
{
	return s->ops->commit(s, err);
}

ac_rc store_rollback(struct store *s, struct ac_err *err)
{
	return s->ops->rollback(s, err);
}

ac_rc store_begin_bulk(struct store *s, struct ac_err *err)
{
	if (!s->ops->begin_bulk)
		return s->ops->begin(s, err);
	return s->ops->begin_bulk(s, err);
}

ac_rc store_cache_limit(struct store *s, size_t kib, struct ac_err *err)
{
	return s->ops->cache_limit ? s->ops->cache_limit(s, kib, err) : AC_OK;
}

ac_rc store_sync(struct store *s, struct ac_err *err)
{
	return s->ops->sync ? s->ops->sync(s, err) : AC_OK;
}

ac_rc store_put(struct store *s, const struct store_obj *o,
		enum store_put_result *res, struct ac_err *err)
{
	return s->ops->put(s, o, res, err);
}

ac_rc store_query(struct store *s, const struct store_query *q, store_row_cb cb,
		  void *ctx, struct ac_err *err)
{
	static const struct store_query everything_newest;

	if (!cb)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store query needs a row callback");
	return s->ops->query(s, q ? q : &everything_newest, cb, ctx, err);
}

ac_rc store_other_versions(struct store *s, const char *id,
			   const char *version, bool *newer, bool *others,
			   struct ac_err *err)
{
	*newer = *others = false;
	if (!id || !version)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store: no id or version given");
	if (!s->ops->other_versions)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store: this store cannot compare versions");
	return s->ops->other_versions(s, id, version, newer, others, err);
}


ac_rc store_search(struct store *s, const char *text, size_t limit,
		   store_row_cb cb, void *ctx, struct ac_err *err)
{
	if (!cb)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store search needs a row callback");
	return s->ops->search(s, text, limit, cb, ctx, err);
}

ac_rc store_stats(struct store *s, store_stats_cb cb, void *ctx,
		  struct ac_err *err)
{
	if (!cb)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store stats needs a callback");
	return s->ops->stats(s, cb, ctx, err);
}

/* Admin records: argument checks here, storage in the backend. */

static ac_rc need(const void *p, const char *what, struct ac_err *err)
{
	if (!p)
		return ac_err_set(err, AC_ERR_USAGE, "store: no %s given",
				  what);
	return AC_OK;
}

ac_rc store_user_add(struct store *s, const struct store_user *u,
		     struct ac_err *err)
{
	ac_rc rc = need(u, "user", err);

	return rc ? rc : s->ops->user_add(s, u, err);
}

ac_rc store_user_get(struct store *s, const char *name, struct store_user *out,
		     struct ac_err *err)
{
	ac_rc rc = need(name, "user name", err);

	if (!rc)
		rc = need(out, "result", err);
	return rc ? rc : s->ops->user_get(s, name, out, err);
}

ac_rc store_user_list(struct store *s, store_user_cb cb, void *ctx,
		      struct ac_err *err)
{
	if (!cb)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store user list needs a callback");
	return s->ops->user_list(s, cb, ctx, err);
}

ac_rc store_user_set_password(struct store *s, const char *name,
			      const char *pwhash, struct ac_err *err)
{
	ac_rc rc = need(name, "user name", err);

	if (!rc)
		rc = need(pwhash, "password hash", err);
	return rc ? rc : s->ops->user_set_password(s, name, pwhash, err);
}

ac_rc store_user_disable(struct store *s, const char *name, struct ac_err *err)
{
	ac_rc rc = need(name, "user name", err);

	return rc ? rc : s->ops->user_disable(s, name, err);
}

ac_rc store_token_add(struct store *s, const struct store_token *t,
		      struct ac_err *err)
{
	ac_rc rc = need(t, "token", err);

	return rc ? rc : s->ops->token_add(s, t, err);
}

ac_rc store_token_get(struct store *s, const char *id, struct store_token *out,
		      struct ac_err *err)
{
	ac_rc rc = need(id, "token id", err);

	if (!rc)
		rc = need(out, "result", err);
	return rc ? rc : s->ops->token_get(s, id, out, err);
}

ac_rc store_token_revoke(struct store *s, const char *id, int64_t revoked_us,
			 struct ac_err *err)
{
	ac_rc rc = need(id, "token id", err);

	return rc ? rc : s->ops->token_revoke(s, id, revoked_us, err);
}

ac_rc store_token_touch(struct store *s, const char *id, int64_t used_us,
			struct ac_err *err)
{
	ac_rc rc = need(id, "token id", err);

	return rc ? rc : s->ops->token_touch(s, id, used_us, err);
}

ac_rc store_token_list(struct store *s, const char *user, store_token_cb cb,
		       void *ctx, struct ac_err *err)
{
	if (!cb)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store token list needs a callback");
	return s->ops->token_list(s, user, cb, ctx, err);
}

/* TAXII records: argument checks here, storage in the backend. */

static ac_rc need_taxii(struct store *s, struct ac_err *err)
{
	if (!s->ops->taxii)
		return ac_err_set(err, AC_ERR_USAGE,
				  "this store backend keeps no TAXII records");
	return AC_OK;
}

ac_rc store_collection_add(struct store *s, const struct store_collection *c,
			   struct ac_err *err)
{
	ac_rc rc = need(c, "collection", err);

	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc : s->ops->taxii->collection_add(s, c, err);
}

ac_rc store_collection_get(struct store *s, const char *id_or_name,
			   struct store_collection *out, struct ac_err *err)
{
	ac_rc rc = need(id_or_name, "collection id or name", err);

	if (!rc)
		rc = need(out, "result", err);
	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc : s->ops->taxii->collection_get(s, id_or_name, out, err);
}

ac_rc store_collection_list(struct store *s, store_collection_cb cb, void *ctx,
			    struct ac_err *err)
{
	ac_rc rc = cb ? AC_OK
		      : ac_err_set(err, AC_ERR_USAGE,
				   "store collection list needs a callback");

	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc : s->ops->taxii->collection_list(s, cb, ctx, err);
}

ac_rc store_member_add(struct store *s, const char *collection_id,
		       const char *object_id, struct ac_err *err)
{
	ac_rc rc = need(collection_id, "collection id", err);

	if (!rc)
		rc = need(object_id, "object id", err);
	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc
		  : s->ops->taxii->member_add(s, collection_id, object_id, err);
}

ac_rc store_status_put(struct store *s, const char *id, const char *json,
		       size_t len, struct ac_err *err)
{
	ac_rc rc = need(id, "status id", err);

	if (!rc)
		rc = need(json, "status json", err);
	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc : s->ops->taxii->status_put(s, id, json, len, err);
}

ac_rc store_status_get(struct store *s, const char *id, struct ac_buf *out,
		       struct ac_err *err)
{
	ac_rc rc = need(id, "status id", err);

	if (!rc)
		rc = need(out, "result", err);
	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc : s->ops->taxii->status_get(s, id, out, err);
}

ac_rc store_delete_versions(struct store *s, const struct store_query *q,
			    store_text_fn text, uint64_t *deleted,
			    struct ac_err *err)
{
	uint64_t ignored;
	ac_rc rc = need(q, "query", err);

	if (!rc && !text)
		rc = ac_err_set(err, AC_ERR_USAGE,
				"store: no text function given");
	if (!rc)
		rc = need_taxii(s, err);
	return rc ? rc
		  : s->ops->taxii->delete_versions(s, q, text,
						   deleted ? deleted : &ignored,
						   err);
}

/* Partners and agreements: argument checks here, storage in the backend.
 * A store without these records (a wrapper) answers AC_ERR_USAGE. */

static ac_rc unsupported(bool missing, struct ac_err *err)
{
	if (missing)
		return ac_err_set(err, AC_ERR_USAGE,
				  "this store keeps no partner records");
	return AC_OK;
}

ac_rc store_partner_add(struct store *s, const struct store_partner *p,
			struct ac_err *err)
{
	ac_rc rc = need(p, "partner", err);

	if (!rc)
		rc = unsupported(!s->ops->partner_add, err);
	return rc ? rc : s->ops->partner_add(s, p, err);
}

ac_rc store_partner_get(struct store *s, const char *name,
			struct store_partner *out, struct ac_err *err)
{
	ac_rc rc = need(name, "partner name", err);

	if (!rc)
		rc = need(out, "result", err);
	if (!rc)
		rc = unsupported(!s->ops->partner_get, err);
	return rc ? rc : s->ops->partner_get(s, name, out, err);
}

ac_rc store_partner_list(struct store *s, store_partner_cb cb, void *ctx,
			 struct ac_err *err)
{
	ac_rc rc = cb ? AC_OK
		      : ac_err_set(err, AC_ERR_USAGE, "store: no callback given");

	if (!rc)
		rc = unsupported(!s->ops->partner_list, err);
	return rc ? rc : s->ops->partner_list(s, cb, ctx, err);
}

ac_rc store_agreement_set(struct store *s, const struct store_agreement *a,
			  struct ac_err *err)
{
	ac_rc rc = need(a, "agreement", err);

	if (!rc)
		rc = unsupported(!s->ops->agreement_set, err);
	return rc ? rc : s->ops->agreement_set(s, a, err);
}

ac_rc store_agreement_get(struct store *s, const char *partner,
			  struct store_agreement *out, struct ac_err *err)
{
	ac_rc rc = need(partner, "partner name", err);

	if (!rc)
		rc = need(out, "result", err);
	if (!rc)
		rc = unsupported(!s->ops->agreement_get, err);
	return rc ? rc : s->ops->agreement_get(s, partner, out, err);
}

ac_rc store_agreement_list(struct store *s, store_agreement_cb cb, void *ctx,
			   struct ac_err *err)
{
	ac_rc rc = cb ? AC_OK
		      : ac_err_set(err, AC_ERR_USAGE, "store: no callback given");

	if (!rc)
		rc = unsupported(!s->ops->agreement_list, err);
	return rc ? rc : s->ops->agreement_list(s, cb, ctx, err);
}
