/* Push to a partner (push.h). */
#include "base/common.h"
#include "federation/push.h"
#include "node/node_ingest.h"

#include <strings.h>

#include "base/log.h"
#include "base/time.h"
#include "federation/sync.h"
#include "policy/view.h"

#define SCAN_CHUNK 2000	       /* rows read per store query */
#define ENVELOPE_OVERHEAD 32   /* {"objects":[ ... ]} */
#define FAILURES_LOGGED 50     /* per batch; the rest are counted */

/* One batch being built: the envelope text and what it holds. */
struct batch {
	struct ac_buf body;  /* {"objects":[o1,o2,... */
	json_t *refs;	     /* [{id, version}] of the objects, in order */
	int64_t last_us;     /* date_added of the last row it covers */
	size_t rows;	     /* rows seen by the current scan chunk */
	bool full;
};

struct push {
	struct node *n;
	struct audit *a;
	const char *partner;
	char own_source[STORE_NAME_MAX + 16]; /* "partner:NAME" */
	struct fed_push_opts o;
	struct store_partner who;
	struct store_partner_link link;
	struct fed_client c;
	bool link_open;
	struct policy_view view;
	bool view_open;
	char collection[STORE_NAME_MAX + 1]; /* target; "" until discovered */
	size_t body_max;
	struct store_push_state ps;
	struct fed_push_stats *st;
};

struct fed_push_opts fed_push_opts_default(void)
{
	struct fed_push_opts o = {.batch_max = FED_PUSH_BATCH_MAX,
				  .body_max = FED_PUSH_BODY_MAX,
				  .retries = 3,
				  .backoff_ms = 500,
				  .timeout_s = 120};
	return o;
}

ac_rc fed_push_due(struct store *s, const char *partner, bool *due,
		   struct ac_err *err)
{
	struct store_push_state ps;
	int64_t last = 0;
	ac_rc rc = store_push_get(s, partner, &ps, NULL);

	*due = false;
	if (rc && rc != AC_ERR_NOTFOUND)
		return store_push_get(s, partner, &ps, err);
	rc = store_last_added(s, &last, err);
	if (!rc)
		*due = last > ps.watermark_us;
	return rc;
}

/* ---- transport ---- */

static ac_rc get_retry(struct push *p, const char *rel,
		       struct fed_response *r, struct ac_err *err)
{
	unsigned delay = p->o.backoff_ms;
	ac_rc rc;

	for (unsigned attempt = 0;; attempt++) {
		rc = fed_client_get(&p->c, rel, r, err);
		if (!rc || !r->transient || attempt >= p->o.retries)
			return rc;
		ac_log(AC_LOG_WARN, "push to '%s': %s; retry %u of %u in %u ms",
		       p->partner, err->msg, attempt + 1, p->o.retries, delay);
		fed_response_release(r);
		fed_backoff(&delay);
	}
}

static ac_rc post_retry(struct push *p, const char *rel, const struct ac_buf *b,
			struct fed_response *r, struct ac_err *err)
{
	unsigned delay = p->o.backoff_ms;
	ac_rc rc;

	for (unsigned attempt = 0;; attempt++) {
		rc = fed_client_post(&p->c, rel, b->data, b->len, r, err);
		if (!rc || !r->transient || attempt >= p->o.retries)
			return rc;
		ac_log(AC_LOG_WARN, "push to '%s': %s; retry %u of %u in %u ms",
		       p->partner, err->msg, attempt + 1, p->o.retries, delay);
		fed_response_release(r);
		fed_backoff(&delay);
	}
}

/* Lowers the body cap to the API root's max_content_length, if given. */
static ac_rc read_api_root(struct push *p, struct ac_err *err)
{
	struct fed_response r = {0};
	json_t *root = NULL, *max;
	ac_rc rc = get_retry(p, "", &r, err);

	if (!rc)
		rc = fed_parse_body(&r, "the API root", &root, err);
	if (!rc) {
		max = json_object_get(root, "max_content_length");
		if (json_is_integer(max) && json_integer_value(max) > 1024 &&
		    (uint64_t)json_integer_value(max) < p->body_max)
			p->body_max = (size_t)json_integer_value(max);
	}
	json_decref(root);
	fed_response_release(&r);
	return rc;
}

/* Finds where to POST and how much at once (once per run, before the
 * first batch is sent). */
static ac_rc discover(struct push *p, struct ac_err *err)
{
	struct fed_response r = {0};
	json_t *body = NULL;
	ac_rc rc;

	rc = read_api_root(p, err);
	if (!rc)
		rc = get_retry(p, "collections/", &r, err);
	if (!rc)
		rc = fed_parse_body(&r, "the collection list", &body, err);
	if (!rc)
		rc = fed_pick_writable(json_object_get(body, "collections"),
				       p->partner, p->collection, err);
	json_decref(body);
	fed_response_release(&r);
	return rc;
}

/* ---- building a batch ---- */

static void batch_reset(struct batch *b, int64_t from_us)
{
	ac_buf_reset(&b->body);
	json_array_clear(b->refs);
	b->last_us = from_us;
	b->full = false;
}

static ac_rc batch_add(struct batch *b, const char *text, size_t len,
		       const json_t *obj)
{
	json_t *ref = json_pack("{s:s?, s:s?}", "id",
				json_string_value(json_object_get(obj, "id")),
				"version",
				json_string_value(
				    json_object_get(obj, "modified")));

	if (!ref || json_array_append_new(b->refs, ref))
		return AC_ERR_NOMEM;
	if (ac_buf_adds(&b->body, json_array_size(b->refs) == 1
				      ? "{\"objects\":["
				      : ","))
		return AC_ERR_NOMEM;
	return ac_buf_add(&b->body, text, len);
}

struct scan {
	struct push *p;
	struct batch *b;
	ac_rc rc;
};

/* An object too large for any batch can never be delivered: counted as a
 * failure, like a refusal. */
static void too_large(struct push *p, const json_t *obj, size_t len)
{
	ac_log(AC_LOG_WARN,
	       "push to '%s': not sent '%.128s': %zu bytes, over the "
	       "partner's body cap of %zu",
	       p->partner, json_string_value(json_object_get(obj, "id")), len,
	       p->body_max);
	p->st->failed++;
}

static int on_row(const struct store_row *row, void *ctx)
{
	struct scan *sc = ctx;
	struct push *p = sc->p;
	struct batch *b = sc->b;
	size_t n = json_array_size(b->refs), len;
	json_t *obj;
	char *text;

	b->rows++;
	if (!strcmp(row->source, p->own_source) ||
	    !(obj = policy_view_row(&p->view, row))) {
		p->st->withheld++;
		p->st->scanned++;
		b->last_us = row->date_added_us;
		return 0;
	}
	text = json_dumps(obj, JSON_COMPACT);
	len = text ? strlen(text) : 0;
	if (!text) {
		sc->rc = AC_ERR_NOMEM;
	} else if (len + ENVELOPE_OVERHEAD > p->body_max) {
		too_large(p, obj, len);
		p->st->scanned++;
		b->last_us = row->date_added_us;
	} else if (n >= p->o.batch_max ||
		   b->body.len + len + ENVELOPE_OVERHEAD > p->body_max) {
		b->full = true; /* this row starts the next batch */
	} else {
		sc->rc = batch_add(b, text, len, obj);
		p->st->scanned++;
		b->last_us = row->date_added_us;
	}
	free(text);
	json_decref(obj);
	return sc->rc || b->full;
}

/* Fills b from b->last_us on; *end = no rows left after it. */
static ac_rc fill_batch(struct push *p, struct batch *b, bool *end,
			struct ac_err *err)
{
	struct store_query q = {0};
	struct scan sc = {.p = p, .b = b};
	ac_rc rc;

	q.versions = STORE_VERSIONS_ALL;
	q.limit = SCAN_CHUNK;
	*end = false;
	while (!b->full) {
		b->rows = 0;
		q.added_after_us = b->last_us;
		rc = store_query(p->n->store, &q, on_row, &sc, err);
		if (!rc && sc.rc)
			rc = ac_err_set(err, sc.rc,
					"cannot build a batch for '%s'",
					p->partner);
		if (rc)
			return rc;
		if (!b->full && b->rows < SCAN_CHUNK) {
			*end = true;
			break;
		}
	}
	return ac_buf_adds(&b->body, "]}") ? ac_err_set(err, AC_ERR_NOMEM,
						       "out of memory")
					   : AC_OK;
}

/* ---- sending ---- */

/* The one point where a batch counts as handed to the partner: called
 * once per batch, before its first transmission attempt. It records the
 * audit `disclose` entry naming every object; nothing is sent unless that
 * entry is durable. */
static ac_rc batch_sent(struct push *p, const struct batch *b,
			struct ac_err *err)
{
	size_t n = json_array_size(b->refs);
	const char **ids = calloc(n ? n : 1, sizeof(*ids));
	struct audit_entry e = {.actor_kind = AUDIT_ACTOR_PARTNER,
				.actor = p->partner,
				.action = AUDIT_DISCLOSE,
				.channel = "sync-push",
				.object_ids = ids,
				.nobject_ids = n,
				.outcome = AUDIT_OK,
				.detail = p->collection};
	ac_rc rc;

	if (!ids)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		ids[i] = json_string_value(
		    json_object_get(json_array_get(b->refs, i), "id"));
	rc = audit_append(p->a, &e, err);
	/* who received what, for erasure notices */
	if (!rc)
		rc = store_disclosure_add(p->n->store, p->partner, ids, n,
					  ac_now_us(), err);
	free(ids);
	return rc;
}

static uint64_t count_field(const json_t *status, const char *name,
			    uint64_t cap)
{
	json_int_t v = json_integer_value(json_object_get(status, name));

	return v < 0 ? 0 : (uint64_t)v > cap ? cap : (uint64_t)v;
}

/* Counts a status resource; each failure is logged (up to a cap). */
static ac_rc read_status(struct push *p, const struct fed_response *r,
			 size_t sent, struct ac_err *err)
{
	json_t *status = NULL, *fails, *f;
	size_t i;
	ac_rc rc = fed_parse_body(r, "the status resource", &status, err);

	if (rc)
		return rc;
	fails = json_object_get(status, "failures");
	json_array_foreach(fails, i, f)
	{
		if (i >= FAILURES_LOGGED)
			break;
		ac_log(AC_LOG_WARN, "push to '%s': refused '%.128s': %.200s",
		       p->partner,
		       json_string_value(json_object_get(f, "id"))
			   ? json_string_value(json_object_get(f, "id"))
			   : "?",
		       json_string_value(json_object_get(f, "message"))
			   ? json_string_value(json_object_get(f, "message"))
			   : "no reason given");
	}
	if (json_array_size(fails) > FAILURES_LOGGED)
		ac_log(AC_LOG_WARN, "push to '%s': %zu more refused",
		       p->partner, json_array_size(fails) - FAILURES_LOGGED);
	p->st->accepted += count_field(status, "success_count", sent);
	p->st->failed += count_field(status, "failure_count", sent);
	p->st->pending += count_field(status, "pending_count", sent);
	json_decref(status);
	return AC_OK;
}

/* Moves the watermark to `to` and stores it. */
static ac_rc advance(struct push *p, int64_t to, struct ac_err *err)
{
	if (to <= p->ps.watermark_us)
		return AC_OK;
	p->ps.watermark_us = to;
	return store_push_put(p->n->store, &p->ps, err);
}

static ac_rc send_batch(struct push *p, const struct batch *b,
			struct ac_err *err)
{
	struct fed_response r = {0};
	char rel[STORE_NAME_MAX + 32];
	size_t n = json_array_size(b->refs);
	ac_rc rc;

	rc = batch_sent(p, b, err);
	snprintf(rel, sizeof(rel), "collections/%s/objects/", p->collection);
	if (!rc)
		rc = post_retry(p, rel, &b->body, &r, err);
	if (!rc)
		rc = read_status(p, &r, n, err);
	fed_response_release(&r);
	if (rc)
		return rc;
	/* acknowledged: now the watermark may move */
	p->st->batches++;
	p->st->sent += n;
	return advance(p, b->last_us, err);
}

/* Sends batch after batch until nothing new is left. */
static ac_rc push_all(struct push *p, struct ac_err *err)
{
	struct batch b = {.refs = json_array()};
	bool end = false;
	ac_rc rc = AC_OK;

	ac_buf_init(&b.body, p->body_max + ENVELOPE_OVERHEAD);
	if (!b.refs)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	if (p->o.from_start)
		p->ps.watermark_us = 0;
	while (!rc && !end && !(p->o.stop && p->o.stop(p->o.stop_ctx))) {
		batch_reset(&b, p->ps.watermark_us);
		rc = fill_batch(p, &b, &end, err);
		if (!rc && json_array_size(b.refs) && !p->collection[0]) {
			rc = discover(p, err);
			if (!rc && b.body.len > p->body_max) {
				end = false; /* refill under the partner's cap */
				continue;
			}
		}
		if (rc)
			break;
		if (json_array_size(b.refs))
			rc = send_batch(p, &b, err);
		else
			rc = advance(p, b.last_us, err);
	}
	ac_buf_release(&b.body);
	json_decref(b.refs);
	return rc;
}

/* ---- the run ---- */

static ac_rc check_agreement(struct push *p, struct ac_err *err)
{
	const struct policy_subject *s = &p->view.subject;

	if (!s->has_agreement)
		return ac_err_set(err, AC_ERR_PERM,
				  "no agreement with '%s': nothing pushed",
				  p->partner);
	if (s->now_us < s->agreement.valid_from_us ||
	    s->now_us >= s->agreement.valid_until_us)
		return ac_err_set(err, AC_ERR_PERM,
				  "the agreement with '%s' is not in force: "
				  "nothing pushed",
				  p->partner);
	return AC_OK;
}

static ac_rc open_push(struct push *p, struct ac_err *err)
{
	ac_rc rc = store_push_get(p->n->store, p->partner, &p->ps, NULL);

	if (rc && rc != AC_ERR_NOTFOUND)
		return store_push_get(p->n->store, p->partner, &p->ps, err);
	rc = policy_view_open(&p->view, p->n->store, &p->n->cfg.markings, err);
	p->view_open = !rc;
	if (!rc)
		rc = policy_view_as_partner(&p->view, p->n->store, p->partner,
					    err);
	if (!rc)
		rc = node_view_sign(p->n, &p->view, err);
	if (!rc)
		rc = fed_link_open(p->n, p->partner, p->o.timeout_s, &p->who,
				   &p->link, &p->c, err);
	p->link_open = true;
	if (!rc)
		rc = check_agreement(p, err);
	return rc;
}

static void record_outcome(struct push *p, ac_rc rc, const struct ac_err *e)
{
	int64_t now = ac_now_us();

	p->ps.last_attempt_us = now;
	if (rc) {
		snprintf(p->ps.last_error, sizeof(p->ps.last_error), "%s",
			 e->msg[0] ? e->msg : ac_rc_name(rc));
	} else {
		p->ps.last_success_us = now;
		p->ps.last_error[0] = '\0';
	}
	p->ps.sent += p->st->accepted + p->st->pending;
	p->ps.failed += p->st->failed;
	store_push_put(p->n->store, &p->ps, NULL);
}

ac_rc fed_push(struct node *n, struct audit *a, const char *partner,
	       const struct fed_push_opts *o, struct fed_push_stats *st,
	       struct ac_err *err)
{
	struct push p = {.n = n, .a = a, .partner = partner, .st = st};
	struct ac_err local = {0};
	ac_rc rc;

	memset(st, 0, sizeof(*st));
	p.o = o ? *o : fed_push_opts_default();
	if (p.o.batch_max == 0 || p.o.batch_max > FED_PUSH_BATCH_MAX)
		p.o.batch_max = FED_PUSH_BATCH_MAX;
	p.body_max = p.o.body_max ? p.o.body_max : FED_PUSH_BODY_MAX;
	if (!err)
		err = &local;
	snprintf(p.own_source, sizeof(p.own_source), "partner:%s", partner);
	rc = open_push(&p, err);
	if (!rc)
		rc = push_all(&p, err);
	if (p.link_open)
		fed_client_close(&p.c);
	if (p.view_open)
		policy_view_release(&p.view);
	if (p.who.name[0])
		record_outcome(&p, rc, err);
	return rc;
}
