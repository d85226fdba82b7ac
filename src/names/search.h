/* Ranked person-name search through the access decision: the read path
 * behind `accord names search` and GET /accord/v1/names. */
#ifndef AC_NAMES_SEARCH_H
#define AC_NAMES_SEARCH_H

#include "names/service.h"
#include "policy/view.h"

#define NAMES_SEARCH_TOP_MAX 100 /* largest top a caller may ask for */

/* The best matches for name that view v may see, at most top
 * (1..NAMES_SEARCH_TOP_MAX), best first, into out (room for top). A match
 * counts only when the newest stored version of its object passes
 * policy_view_row and the matched name is still among the person names of
 * what the viewer sees (a redacted name is not matched). Hidden matches are
 * skipped and the index asked for more, up to 1000 candidates. Errors as
 * names_service_query. */
ac_rc names_search_visible(struct store *s, const struct policy_view *v,
			   const char *name, size_t top, struct names_hit *out,
			   size_t *nout, struct ac_err *err);

#endif
