/* GET /accord/v1/names: cross-script person-name search for API clients,
 * through the same access decision as the CLI (names_search_visible). */
#include "base/common.h"
#include "taxii/taxii_names.h"

#include <jansson.h>
#include "names/search.h"

#define NAMES_TOP_DEFAULT 10

/* Reads q and top; on false a 400 is filled. */
static bool parse_query(struct taxii_call *c, const char **q, size_t *top)
{
	const char *t = http_req_query(c->req, "top");
	char *end = NULL;
	long v;

	*q = http_req_query(c->req, "q");
	if (!*q || !**q) {
		taxii_error(c->resp, 400, "Bad request",
			    "the q parameter (a name) is required");
		return false;
	}
	if (strlen(*q) > NAMES_MAX_BYTES) {
		taxii_error(c->resp, 400, "Bad request",
			    "q is longer than %d bytes", NAMES_MAX_BYTES);
		return false;
	}
	*top = NAMES_TOP_DEFAULT;
	if (!t)
		return true;
	v = strtol(t, &end, 10);
	if (!*t || *end || v < 1 || v > NAMES_SEARCH_TOP_MAX) {
		taxii_error(c->resp, 400, "Bad request", "top must be 1 to %d",
			    NAMES_SEARCH_TOP_MAX);
		return false;
	}
	*top = (size_t)v;
	return true;
}

/* The caller's view: a partner token sees what the partner would
 * receive, a user what the user's role may read. */
static ac_rc open_view(struct taxii_call *c, struct policy_view *v,
		       struct ac_err *err)
{
	ac_rc rc = policy_view_open(v, c->store, NULL, err);

	if (rc)
		return rc;
	if (c->who.is_partner)
		rc = policy_view_as_partner(v, c->store, c->who.partner, err);
	else
		policy_view_as_user(v, c->who.user, c->who.role);
	if (rc)
		policy_view_release(v);
	return rc;
}

static char *matches_json(const struct names_hit *h, size_t n)
{
	json_t *list = json_array(), *doc;
	char *text;

	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list,
					  json_pack("{s:s, s:s, s:f}", "id",
						    h[i].ref, "name", h[i].name,
						    "score", h[i].score))) {
			json_decref(list);
			return NULL;
		}
	doc = json_pack("{s:o}", "matches", list);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return text;
}

static void answer(struct taxii_call *c, const struct names_hit *hits, size_t n)
{
	char *text = matches_json(hits, n);
	bool ok = text != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = !audit_ids_add(&c->ids, hits[i].ref);
	if (!ok || ac_buf_adds(&c->resp->body, text)) {
		taxii_fail(c->resp, NULL);
	} else {
		taxii_audit_add(c, AUDIT_CONSULT, "names-search", AUDIT_OK,
				NULL);
		taxii_ok(c->resp, 200);
	}
	free(text);
}

void taxii_names(struct taxii_call *c)
{
	static const char *const types[] = {"identity"};
	struct names_hit *hits = NULL;
	struct policy_view view;
	struct ac_err err = {0};
	const char *q;
	size_t top, n = 0;
	ac_rc rc;

	if (c->who.role == AUTH_ROLE_AUDITOR && !c->who.is_partner) {
		taxii_error(c->resp, 403, "Forbidden",
			    "auditors may not search intelligence");
		taxii_audit_add(c, AUDIT_CONSULT, "names-search", AUDIT_DENIED,
				"role may not search names");
		return;
	}
	if (!parse_query(c, &q, &top) ||
	    !taxii_purpose_check(c, types, 1, "names-search"))
		return;
	hits = calloc(top, sizeof(*hits));
	rc = hits ? open_view(c, &view, &err) : AC_ERR_NOMEM;
	if (!rc) {
		rc = names_search_visible(c->store, &view, q, top, hits, &n,
					  &err);
		policy_view_release(&view);
	}
	if (rc == AC_ERR_PARSE || rc == AC_ERR_LIMIT || rc == AC_ERR_INVALID)
		taxii_error(c->resp, 400, "Bad request", "q: %s", err.msg);
	else if (rc)
		taxii_fail(c->resp, &err);
	else
		answer(c, hits, n);
	free(hits);
}
