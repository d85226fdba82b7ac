/* The public person-name functions: argument checks, then dispatch to the
 * backend's names ops. */
#include "base/common.h"
#include "store/store.h"

bool store_names_supported(const struct store *s)
{
	return s && s->ops->names;
}

static ac_rc need_names(struct store *s, const void *arg, struct ac_err *err)
{
	if (!store_names_supported(s))
		return ac_err_set(err, AC_ERR_USAGE,
				  "this store keeps no person names");
	if (!arg)
		return ac_err_set(err, AC_ERR_USAGE,
				  "store: missing argument for person names");
	return AC_OK;
}

static ac_rc check_names(struct store *s, const char *object_id,
			 const char *source, const char *const *names,
			 size_t n, struct ac_err *err)
{
	ac_rc rc =
	    need_names(s, object_id && source && (names || !n) ? s : NULL, err);

	if (rc)
		return rc;
	if (n > STORE_PERSON_NAMES_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "store: %zu names for '%s', more than the "
				  "%d allowed",
				  n, object_id, STORE_PERSON_NAMES_MAX);
	for (size_t i = 0; i < n; i++)
		if (!names[i])
			return ac_err_set(err, AC_ERR_USAGE,
					  "store: name %zu of '%s' is missing",
					  i, object_id);
	return AC_OK;
}

ac_rc store_names_replace(struct store *s, const char *object_id,
			  const char *source, const char *const *names,
			  size_t n, int64_t now_us, struct ac_err *err)
{
	ac_rc rc = check_names(s, object_id, source, names, n, err);

	return rc ? rc
		  : s->ops->names->replace(s, object_id, source, names, n,
					   now_us, err);
}

ac_rc store_names_add(struct store *s, const char *object_id,
		      const char *source, const char *const *names, size_t n,
		      int64_t now_us, struct ac_err *err)
{
	ac_rc rc = check_names(s, object_id, source, names, n, err);

	return rc ? rc
		  : s->ops->names->add(s, object_id, source, names, n, now_us,
				       err);
}

ac_rc store_names_scan(struct store *s, int64_t after_id,
		       store_person_name_cb cb, void *ctx, struct ac_err *err)
{
	ac_rc rc = need_names(s, cb ? s : NULL, err);

	return rc ? rc : s->ops->names->scan(s, after_id, cb, ctx, err);
}

ac_rc store_names_get(struct store *s, const char *object_id,
		      store_person_name_cb cb, void *ctx, struct ac_err *err)
{
	ac_rc rc = need_names(s, object_id && cb ? s : NULL, err);

	return rc ? rc : s->ops->names->get(s, object_id, cb, ctx, err);
}

ac_rc store_names_state(struct store *s, struct store_names_state *out,
			struct ac_err *err)
{
	ac_rc rc = need_names(s, out, err);

	return rc ? rc : s->ops->names->state(s, out, err);
}

ac_rc store_names_other_after(struct store *s, int64_t after_id,
			      const char *source, bool *other,
			      int64_t *last_id, struct ac_err *err)
{
	ac_rc rc = need_names(s, source && other && last_id ? s : NULL, err);

	return rc ? rc
		  : s->ops->names->other_after(s, after_id, source, other,
					       last_id, err);
}
