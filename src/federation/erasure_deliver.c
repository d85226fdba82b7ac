/* Delivery of the erasure outbox: signed notices and confirmations POSTed
 * to each partner's writable TAXII collection (erasure.h). */
#include "base/common.h"
#include "federation/erasure.h"

/* Per request, as the sync loop's pull and push: a partner that hangs
 * holds up delivery (and a stopping server) for at most this long. */
#define FED_DELIVERY_TIMEOUT_S 60
#include "node/node_ingest.h"

#include <inttypes.h>
#include <sodium.h>

#include "base/log.h"
#include "base/time.h"
#include "federation/client.h"
#include "federation/sync.h"
#include "stix/jcs.h"
#include "stix/json.h"


struct rows {
	struct store_outbox *v;
	size_t n;
	bool nomem;
};

struct delivery {
	struct node *n;
	struct audit *a;
	struct ac_keys keys;
	struct fed_outbox_stats *st;
	ac_rc first_rc;
	struct ac_err first_err;
};

static int collect_row(const struct store_outbox *o, void *ctx)
{
	struct rows *r = ctx;

	if (r->n == FED_OUTBOX_RUN_MAX)
		return 1;
	if (!r->v) {
		r->v = calloc(FED_OUTBOX_RUN_MAX, sizeof(*r->v));
		if (!r->v) {
			r->nomem = true;
			return 1;
		}
	}
	r->v[r->n++] = *o;
	return 0;
}

/* The partner's collection this node may write to, an inbox first. */
static ac_rc find_collection(struct fed_client *c, const char *partner,
			     char out[STORE_NAME_MAX + 1], struct ac_err *err)
{
	struct fed_response r = {0};
	json_t *body = NULL;
	ac_rc rc;

	out[0] = '\0';
	rc = fed_client_get(c, "collections/", &r, err);
	if (!rc)
		rc = fed_parse_body(&r, "the collection list", &body, err);
	if (!rc)
		rc = fed_pick_writable(json_object_get(body, "collections"),
				       partner, out, err);
	json_decref(body);
	fed_response_release(&r);
	return rc;
}

/* The envelope of rows[0..n), each message built and signed. */
static ac_rc build_envelope(struct delivery *d, const struct store_outbox *rows,
			    size_t n, struct ac_buf *out, struct ac_err *err)
{
	json_t *env = json_pack("{s:[]}", "objects"), *m;
	ac_rc rc = env ? AC_OK : AC_ERR_NOMEM;

	for (size_t i = 0; !rc && i < n; i++) {
		rc = fed_msg_build(&rows[i], d->n->cfg.identity_id, &d->keys,
				   &m, err);
		if (!rc &&
		    json_array_append_new(json_object_get(env, "objects"), m))
			rc = AC_ERR_NOMEM;
	}
	if (!rc)
		rc = stix_jcs(env, out);
	if (rc == AC_ERR_NOMEM)
		ac_err_set(err, rc,
			   "cannot build an erasure envelope: out of "
			   "memory");
	json_decref(env);
	return rc;
}

/* The partner's verdict on message id in its status resource: NULL when
 * it succeeded, else why not. */
static const char *verdict(const json_t *status, const char *id, char *why,
			   size_t cap)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(status, "successes"), i,
			   e) if (!strcmp(id, stix_get_str(e, "id")
						  ? stix_get_str(e, "id")
						  : "")) return NULL;
	json_array_foreach(json_object_get(status, "failures"), i, e)
	{
		const char *msg = stix_get_str(e, "message");

		if (strcmp(id,
			   stix_get_str(e, "id") ? stix_get_str(e, "id") : ""))
			continue;
		snprintf(why, cap, "refused by the partner: %.300s",
			 msg ? msg : "no reason given");
		return why;
	}
	snprintf(why, cap, "the partner's status does not name it");
	return why;
}

/* Records the outcome of each row of one POST. */
static ac_rc record_outcomes(struct delivery *d,
			     const struct store_outbox *rows, size_t n,
			     const json_t *status, const char *failure,
			     uint64_t *sent, struct ac_err *err)
{
	int64_t now = ac_now_us();
	char why[STORE_SYNC_ERROR_MAX + 1];
	ac_rc rc = AC_OK;

	*sent = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		const char *e = failure ? failure
					: verdict(status, rows[i].stix_id, why,
						  sizeof(why));
		rc = store_outbox_attempt(d->n->store, rows[i].id, now, e, err);
		if (e)
			d->st->failed++;
		else
			(*sent)++;
	}
	d->st->sent += *sent;
	return rc;
}

static void audit_post(struct delivery *d, const char *partner,
		       const struct store_outbox *rows, size_t n, uint64_t sent,
		       const char *failure)
{
	const char *ids[FED_ERASURE_MSGS_MAX];
	char detail[AUDIT_FIELD_MAX];
	struct audit_entry e = {.actor_kind = AUDIT_ACTOR_SYSTEM,
				.actor = "erasure",
				.action = AUDIT_ERASE,
				.channel = "erasure-delivery",
				.object_ids = ids,
				.nobject_ids = n,
				.purpose = "erasure propagation",
				.outcome = sent == n ? AUDIT_OK : AUDIT_ERROR,
				.detail = detail};
	struct ac_err err = {0};

	if (!d->a)
		return;
	for (size_t i = 0; i < n; i++)
		ids[i] = rows[i].object_id;
	snprintf(detail, sizeof(detail),
		 "%" PRIu64 " of %zu erasure message(s) accepted by partner "
		 "%s%s%.400s",
		 sent, n, partner, failure ? "; " : "", failure ? failure : "");
	if (audit_append(d->a, &e, &err))
		ac_log(AC_LOG_ERROR,
		       "erasure: cannot audit a delivery to '%s': "
		       "%s",
		       partner, err.msg);
}

/* POSTs rows[0..n) (at most FED_ERASURE_MSGS_MAX) in one envelope. */
static ac_rc post_chunk(struct delivery *d, struct fed_client *c,
			const char *partner, const char *cid,
			const struct store_outbox *rows, size_t n,
			struct ac_err *err)
{
	struct ac_buf body = AC_BUF_INIT(FED_RESPONSE_MAX);
	struct fed_response r = {0};
	struct ac_err perr = {0};
	json_t *status = NULL;
	char rel[STORE_NAME_MAX + 64];
	uint64_t sent = 0;
	ac_rc rc, prc;

	snprintf(rel, sizeof(rel), "collections/%s/objects/", cid);
	prc = build_envelope(d, rows, n, &body, &perr);
	if (!prc)
		prc = fed_client_post(c, rel, body.data, body.len, &r, &perr);
	if (!prc) {
		status = json_loadb(r.body.data ? r.body.data : "", r.body.len,
				    JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(status))
			prc = ac_err_set(&perr, AC_ERR_PARSE,
					 "partner '%s' answered with no "
					 "status resource",
					 partner);
	}
	rc = record_outcomes(d, rows, n, status, prc ? perr.msg : NULL, &sent,
			     err);
	audit_post(d, partner, rows, n, sent, prc ? perr.msg : NULL);
	if (!rc && prc) {
		*err = perr;
		rc = prc;
	} else if (!rc && sent < n) {
		rc = ac_err_set(err, AC_ERR_IO,
				"partner '%s' refused %zu erasure message(s)",
				partner, n - (size_t)sent);
	}
	json_decref(status);
	fed_response_release(&r);
	ac_buf_release(&body);
	return rc;
}

/* Records a failure that happened before anything was posted. */
static ac_rc fail_all(struct delivery *d, const struct store_outbox *rows,
		      size_t n, const struct ac_err *why, struct ac_err *err)
{
	uint64_t sent;

	return record_outcomes(d, rows, n, NULL, why->msg, &sent, err);
}

static void keep_first(struct delivery *d, ac_rc rc, const struct ac_err *e)
{
	if (rc && !d->first_rc) {
		d->first_rc = rc;
		d->first_err = *e;
	}
}

/* Sends rows[0..n), all for one partner. Store failures are returned;
 * delivery failures are recorded and kept in d. */
static ac_rc deliver_partner(struct delivery *d,
			     const struct store_outbox *rows, size_t n,
			     struct ac_err *err)
{
	const char *partner = rows[0].partner;
	char cid[STORE_NAME_MAX + 1];
	struct store_partner who;
	struct store_partner_link link;
	struct fed_client c = {0};
	struct ac_err perr = {0};
	ac_rc rc = AC_OK, prc;

	d->st->partners++;
	prc = fed_link_open(d->n, partner, FED_DELIVERY_TIMEOUT_S, &who, &link,
			    &c, &perr);
	if (!prc)
		prc = find_collection(&c, partner, cid, &perr);
	if (prc) {
		ac_log(AC_LOG_WARN, "erasure: cannot deliver to '%s': %s",
		       partner, perr.msg);
		keep_first(d, prc, &perr);
		rc = fail_all(d, rows, n, &perr, err);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i += FED_ERASURE_MSGS_MAX) {
		size_t k =
		    n - i < FED_ERASURE_MSGS_MAX ? n - i : FED_ERASURE_MSGS_MAX;
		memset(&perr, 0, sizeof(perr));
		prc = post_chunk(d, &c, partner, cid, rows + i, k, &perr);
		if (prc == AC_ERR_STORE || prc == AC_ERR_NOMEM) {
			*err = perr;
			rc = prc;
		} else if (prc) {
			ac_log(AC_LOG_WARN, "erasure: delivery to '%s': %s",
			       partner, perr.msg);
			keep_first(d, prc, &perr);
		}
	}
out:
	fed_client_close(&c);
	return rc;
}


ac_rc fed_outbox_deliver(struct node *n, struct audit *a, const char *partner,
			 bool due_only, struct fed_outbox_stats *st,
			 struct ac_err *err)
{
	struct delivery d = {.n = n, .a = a, .st = st};
	struct rows rows = {0};
	ac_rc rc;

	memset(st, 0, sizeof(*st));
	rc = due_only ? store_outbox_due(n->store, partner, ac_now_us(),
					 FED_OUTBOX_RUN_MAX, collect_row, &rows,
					 err)
		      : store_outbox_list(n->store, NULL, partner, true,
					  FED_OUTBOX_RUN_MAX, collect_row,
					  &rows, err);
	if (!rc && rows.nomem)
		rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	if (rc || rows.n == 0)
		goto out;
	rc = node_keys_load(n->dir, &d.keys, err);
	for (size_t i = 0, j; !rc && i < rows.n; i = j) {
		for (j = i + 1; j < rows.n &&
				!strcmp(rows.v[j].partner, rows.v[i].partner);
		     j++)
			;
		rc = deliver_partner(&d, rows.v + i, j - i, err);
	}
	if (!rc && d.first_rc) {
		*err = d.first_err;
		rc = d.first_rc;
	}
out:
	ac_keys_wipe(&d.keys);
	free(rows.v);
	return rc;
}
