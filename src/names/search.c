/* Person-name search through the access decision (see search.h). */
#include "base/common.h"
#include "names/search.h"

#include "names/extract.h"

#define CANDIDATES_MAX 1000

struct visible_ctx {
	const struct policy_view *v;
	const char *name;
	bool visible;
};

/* The newest row of the object: visible, and still showing the name? */
static int check_row(const struct store_row *row, void *vctx)
{
	struct visible_ctx *c = vctx;
	const char *names[NAMES_PERSON_MAX];
	json_t *o = policy_view_row(c->v, row);
	size_t n;

	if (!o)
		return 1;
	n = names_of_person(o, names, AC_ARRAY_LEN(names));
	for (size_t i = 0; i < n && !c->visible; i++)
		c->visible = !strcmp(names[i], c->name);
	json_decref(o);
	return 1;
}

static ac_rc is_visible(struct store *s, const struct policy_view *v,
			const struct names_hit *h, bool *visible,
			struct ac_err *err)
{
	struct visible_ctx c = {v, h->name, false};
	const char *id = h->ref;
	struct store_query q = {0};
	ac_rc rc;

	q.ids = &id;
	q.nids = 1;
	q.versions = STORE_VERSIONS_LAST;
	rc = store_query(s, &q, check_row, &c, err);
	*visible = !rc && c.visible;
	return rc;
}

ac_rc names_search_visible(struct store *s, const struct policy_view *v,
			   const char *name, size_t top, struct names_hit *out,
			   size_t *nout, struct ac_err *err)
{
	struct names_hit *cand = NULL;
	size_t want = top, ncand = 0;
	bool visible;
	ac_rc rc;

	*nout = 0;
	if (!top || top > NAMES_SEARCH_TOP_MAX)
		return ac_err_set(err, AC_ERR_USAGE,
				  "top must be 1..%d, not %zu",
				  NAMES_SEARCH_TOP_MAX, top);
	cand = calloc(CANDIDATES_MAX, sizeof(*cand));
	if (!cand)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	for (;;) {
		*nout = 0;
		rc = names_service_query(s, name, want, cand, &ncand, err);
		for (size_t i = 0; !rc && i < ncand && *nout < top; i++) {
			rc = is_visible(s, v, &cand[i], &visible, err);
			if (!rc && visible)
				out[(*nout)++] = cand[i];
		}
		/* done: enough visible, or the index has no more */
		if (rc || *nout == top || ncand < want ||
		    want == CANDIDATES_MAX)
			break;
		want = want * 4 < CANDIDATES_MAX ? want * 4 : CANDIDATES_MAX;
	}
	free(cand);
	if (rc)
		*nout = 0;
	return rc;
}
