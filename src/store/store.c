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
