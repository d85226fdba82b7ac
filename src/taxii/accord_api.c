/* accord's own JSON API next to TAXII: an object's correlations, the
 * alerts, and acknowledging an alert. Users only (partners get 403: the
 * correlations are this node's internal view). Every object named in an
 * answer has passed the access decision: a correlation is shown only when
 * the caller may read both objects, and an object the caller may not read
 * is 404 like a missing one. See docs/api.md. */
#include "base/common.h"
#include "taxii/taxii.h"

#include <ctype.h>
#include <inttypes.h>

#include "base/time.h"
#include "index/correlate.h"
#include "taxii/taxii_int.h"

#define OBJECT_ID_MAX 300     /* an object id in a path, bytes */
#define MATCHES_MAX 10000     /* correlations of one object looked at */
#define ALERTS_DEFAULT 100    /* alerts per page unless limit says */
#define ALERTS_PAGE_MAX 1000  /* largest limit */
#define ALERT_BATCHES 20      /* a page scans at most this many pages */

/* Users only; partners are refused (and the refusal recorded). */
static bool api_user(struct taxii_call *c, const char *channel)
{
	if (c->who.is_partner) {
		taxii_error(c->resp, 403, "Forbidden",
			    "correlations and alerts are not available to "
			    "partner nodes");
		taxii_audit_add(c, AUDIT_CONSULT, channel, AUDIT_DENIED,
				"partner token");
		return false;
	}
	return taxii_access_begin(c);
}

/* May the caller read object id (its newest stored version)? */
static ac_rc may_read(struct taxii_call *c, const char *id, bool *visible,
		      struct ac_err *err)
{
	const char *ids[1] = {id};
	struct store_query q = {0};
	bool exists;

	q.ids = ids;
	q.nids = 1;
	return taxii_access_newest(c, &q, &exists, visible, err);
}

static void send_json(struct taxii_call *c, int status, json_t *j)
{
	if (!j || http_resp_json(c->resp, status, j))
		taxii_fail(c->resp, NULL);
	json_decref(j);
}

/* ---- GET /accord/v1/objects/{id}/correlations ---- */

struct matches {
	json_t *list; /* every match, before the access decision */
	size_t n;
};

static int collect_match(const struct corr_match *m, void *ctx)
{
	struct matches *ms = ctx;
	char created[AC_TS_STRLEN];
	json_t *j;

	if (ms->n == MATCHES_MAX)
		return 1;
	ac_ts_format_us(m->created_us, created);
	j = json_pack("{s:s, s:s, s:s, s:f, s:s, s:b}", "kind", m->kind,
		      "value", m->value, "other_id", m->other_id, "score",
		      m->score, "created", created, "alert", m->cross_source);
	if (!j || json_array_append_new(ms->list, j))
		return 1;
	ms->n++;
	return 0;
}

/* Drops the matches whose other object the caller may not read; names the
 * rest in the audit entry. */
static ac_rc keep_visible(struct taxii_call *c, json_t *list,
			  struct ac_err *err)
{
	size_t i = 0;

	while (i < json_array_size(list)) {
		const char *other = json_string_value(
		    json_object_get(json_array_get(list, i), "other_id"));
		bool visible = false;
		ac_rc rc = other ? may_read(c, other, &visible, err) : AC_OK;

		if (rc)
			return rc;
		if (!visible) {
			json_array_remove(list, i);
			continue;
		}
		if (audit_ids_add(&c->ids, other))
			return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
		i++;
	}
	return AC_OK;
}

void taxii_api_correlations(struct taxii_call *c)
{
	const char *id = http_req_param(c->req, "id");
	struct matches ms = {json_array(), 0};
	struct ac_err err = {0};
	bool visible = false;
	ac_rc rc;

	if (!api_user(c, "api-correlations"))
		goto out;
	if (!ms.list) {
		taxii_fail(c->resp, NULL);
		goto out;
	}
	if (!id || strlen(id) > OBJECT_ID_MAX)
		goto notfound;
	rc = may_read(c, id, &visible, &err);
	if (rc) {
		taxii_fail(c->resp, &err);
		goto out;
	}
	if (!visible)
		goto notfound;
	rc = corr_list(c->store, id, collect_match, &ms, &err);
	if (!rc && audit_ids_add(&c->ids, id))
		rc = ac_err_set(&err, AC_ERR_NOMEM, "out of memory");
	if (!rc)
		rc = keep_visible(c, ms.list, &err);
	if (rc) {
		taxii_fail(c->resp, &err);
		goto out;
	}
	send_json(c, 200,
		  json_pack("{s:s, s:O}", "id", id, "correlations", ms.list));
	taxii_audit_add(c, AUDIT_CONSULT, "api-correlations", AUDIT_OK,
			NULL);
	goto out;
notfound:
	taxii_error(c->resp, 404, "Not found", "no object '%.100s'",
		    id ? id : "");
out:
	json_decref(ms.list);
}

/* ---- GET /accord/v1/alerts ---- */

/* Alerts come in (created, id) order; the cursor is "<created_us>.<id>"
 * of the last alert returned or examined. */
struct cursor {
	int64_t us, id;
};

struct alert_scan {
	json_t *rows; /* copies of the alerts examined, in order */
	size_t max;
	struct cursor after;
};

static json_t *alert_json(const struct store_alert *a)
{
	char created[AC_TS_STRLEN], acked[AC_TS_STRLEN] = "";

	ac_ts_format_us(a->created_us, created);
	if (a->acked_us)
		ac_ts_format_us(a->acked_us, acked);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:s*, s:s*, "
			 "s:I}",
			 "id", (json_int_t)a->id, "created", created, "kind",
			 a->corr.kind, "value", a->corr.value, "object_a",
			 a->corr.object_a, "object_b", a->corr.object_b,
			 "score", a->corr.score, "acked",
			 a->acked_us ? acked : NULL, "acked_by",
			 a->acked_us ? a->acked_by : NULL, "_us",
			 (json_int_t)a->created_us);
}

static int collect_alert(const struct store_alert *a, void *ctx)
{
	struct alert_scan *s = ctx;
	json_t *j;

	if (a->created_us == s->after.us && a->id <= s->after.id)
		return 0; /* returned on an earlier page */
	if (json_array_size(s->rows) == s->max)
		return 1;
	j = alert_json(a);
	return !j || json_array_append_new(s->rows, j);
}

static bool parse_cursor(const char *v, struct cursor *out)
{
	char *end;

	if (!v[0] || strspn(v, "0123456789.") != strlen(v) || strlen(v) > 40)
		return false;
	errno = 0;
	out->us = strtoll(v, &end, 10);
	if (errno || *end != '.' || out->us < 1)
		return false;
	out->id = strtoll(end + 1, &end, 10);
	return !errno && !*end && out->id >= 0;
}

static bool parse_alert_args(struct taxii_call *c, struct cursor *after,
			     size_t *limit, bool *all)
{
	const char *since = http_req_query(c->req, "since");
	const char *lim = http_req_query(c->req, "limit");
	const char *next = http_req_query(c->req, "next");
	const char *a = http_req_query(c->req, "all");
	struct ac_ts ts;
	char *end;
	long n;

	*limit = ALERTS_DEFAULT;
	*all = a && !strcmp(a, "true");
	after->us = 0;
	after->id = INT64_MAX;
	if (a && strcmp(a, "true") && strcmp(a, "false"))
		goto bad;
	if (since) {
		if (!ac_ts_parse(since, &ts) || ts.sec < 0 ||
		    ts.sec > INT64_MAX / 1000000 - 1)
			goto bad;
		after->us = ts.sec * 1000000 + ts.nsec / 1000;
	}
	if (next && !parse_cursor(next, after))
		goto bad;
	if (lim) {
		errno = 0;
		n = strtol(lim, &end, 10);
		if (errno || *end || n < 1 || !isdigit((unsigned char)lim[0]))
			goto bad;
		*limit = n > ALERTS_PAGE_MAX ? ALERTS_PAGE_MAX : (size_t)n;
	}
	return true;
bad:
	taxii_error(c->resp, 400, "Bad request",
		    "since must be a timestamp, limit a positive whole "
		    "number, next the value of a previous page and all true "
		    "or false");
	return false;
}

/* Keeps the alerts whose both objects the caller may read, at most limit;
 * *more when a visible one remains among those examined. */
static ac_rc filter_alerts(struct taxii_call *c, json_t *rows, size_t limit,
			   json_t *out, bool *more, struct cursor *last,
			   struct ac_err *err)
{
	size_t i;
	json_t *a;

	json_array_foreach(rows, i, a)
	{
		const char *oa = json_string_value(json_object_get(a, "object_a"));
		const char *ob = json_string_value(json_object_get(a, "object_b"));
		bool va = false, vb = false;
		ac_rc rc = may_read(c, oa, &va, err);

		if (!rc && va)
			rc = may_read(c, ob, &vb, err);
		if (rc)
			return rc;
		if (!va || !vb)
			continue;
		if (json_array_size(out) == limit) {
			*more = true;
			return AC_OK;
		}
		json_t *shown = json_copy(a);

		last->us = json_integer_value(json_object_get(a, "_us"));
		last->id = json_integer_value(json_object_get(a, "id"));
		if (shown)
			json_object_del(shown, "_us");
		if (!shown || json_array_append_new(out, shown) ||
		    audit_ids_add(&c->ids, oa) || audit_ids_add(&c->ids, ob))
			return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	}
	return AC_OK;
}

void taxii_api_alerts(struct taxii_call *c)
{
	struct alert_scan scan = {0};
	struct cursor last = {0, 0};
	json_t *out = json_array();
	struct ac_err err = {0};
	char next[48] = "";
	size_t limit;
	bool all, more = false;
	ac_rc rc;

	if (!api_user(c, "api-alerts") ||
	    !parse_alert_args(c, &scan.after, &limit, &all))
		goto out;
	scan.max = ALERT_BATCHES * (limit + 1);
	scan.rows = json_array();
	if (!out || !scan.rows) {
		taxii_fail(c->resp, NULL);
		goto out;
	}
	rc = corr_alerts(c->store, scan.after.us ? scan.after.us - 1 : 0, all,
			 0, collect_alert, &scan, &err);
	if (!rc)
		rc = filter_alerts(c, scan.rows, limit, out, &more, &last,
				   &err);
	if (rc) {
		taxii_fail(c->resp, &err);
		goto out;
	}
	if (!more && json_array_size(scan.rows) == scan.max) {
		/* budget spent: resume after the last alert examined */
		json_t *a = json_array_get(scan.rows, scan.max - 1);
		more = true;
		last.us = json_integer_value(json_object_get(a, "_us"));
		last.id = json_integer_value(json_object_get(a, "id"));
	}
	if (more)
		snprintf(next, sizeof(next), "%" PRId64 ".%" PRId64, last.us,
			 last.id);
	send_json(c, 200,
		  json_pack("{s:b, s:s*, s:O}", "more", more, "next",
			    more ? next : NULL, "alerts", out));
	taxii_audit_add(c, AUDIT_CONSULT, "api-alerts", AUDIT_OK, NULL);
out:
	json_decref(scan.rows);
	json_decref(out);
}

/* ---- POST /accord/v1/alerts/{id}/ack ---- */

struct find_alert {
	int64_t id;
	char *object_a, *object_b;
};

static int find_alert(const struct store_alert *a, void *ctx)
{
	struct find_alert *f = ctx;

	if (a->id != f->id)
		return 0;
	f->object_a = strdup(a->corr.object_a);
	f->object_b = strdup(a->corr.object_b);
	return 1;
}

void taxii_api_ack(struct taxii_call *c)
{
	const char *v = http_req_param(c->req, "id");
	struct find_alert f = {0, NULL, NULL};
	struct ac_err err = {0};
	bool va = false, vb = false;
	char *end;
	ac_rc rc;

	if (!api_user(c, "api-alert-ack"))
		return;
	if (c->who.role != AUTH_ROLE_ANALYST &&
	    c->who.role != AUTH_ROLE_SUPERVISOR &&
	    c->who.role != AUTH_ROLE_ADMIN) {
		taxii_error(c->resp, 403, "Forbidden",
			    "acknowledging alerts needs the analyst, "
			    "supervisor or admin role");
		taxii_audit_add(c, AUDIT_CONSULT, "api-alert-ack",
				AUDIT_DENIED, "role may not acknowledge");
		return;
	}
	errno = 0;
	f.id = v && isdigit((unsigned char)v[0]) ? strtoll(v, &end, 10) : 0;
	if (!v || errno || *end || f.id < 1)
		goto notfound;
	rc = corr_alerts(c->store, 0, true, 0, find_alert, &f, &err);
	if (!rc && f.object_a && f.object_b)
		rc = may_read(c, f.object_a, &va, &err);
	if (!rc && va)
		rc = may_read(c, f.object_b, &vb, &err);
	if (rc) {
		taxii_fail(c->resp, &err);
		goto out;
	}
	if (!va || !vb)
		goto notfound;
	if (store_alert_ack(c->store, f.id, c->who.user, ac_now_us(), &err) ||
	    audit_ids_add(&c->ids, f.object_a) ||
	    audit_ids_add(&c->ids, f.object_b)) {
		taxii_fail(c->resp, &err);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "alert %" PRId64
		 " acknowledged", f.id);
	send_json(c, 200, json_pack("{s:I, s:b}", "id", (json_int_t)f.id,
				    "acked", 1));
	taxii_audit_add(c, AUDIT_CONSULT, "api-alert-ack", AUDIT_OK,
			c->detail);
	goto out;
notfound:
	taxii_error(c->resp, 404, "Not found", "no alert '%.32s'",
		    v ? v : "");
out:
	free(f.object_a);
	free(f.object_b);
}
