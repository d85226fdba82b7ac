/* Erasure propagation: erasing, the notice and confirmation messages, and
 * receiving them (erasure.h). Delivery is in erasure_deliver.c. */
#include "base/common.h"
#include "federation/erasure.h"

#include <ctype.h>

#include "base/log.h"
#include "base/time.h"
#include "base/uuid.h"
#include "federation/provenance.h"
#include "ingest/ingest.h"
#include "stix/ext.h"
#include "stix/json.h"
#include "stix/validate.h"

/* ---- which ids may be erased ---- */

/* "type--uuid": a lower-case type name of 1..250 characters. */
static bool stix_id_shape(const char *id)
{
	const char *sep = strstr(id, "--");
	uint8_t u[16];

	if (!sep || sep == id || sep - id > 250 || strlen(sep + 2) != 36 ||
	    !ac_uuid_parse(sep + 2, 36, u))
		return false;
	for (const char *p = id; p < sep; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

ac_rc fed_erase_check_id(const char *id, const char *self_identity,
			 struct ac_err *err)
{
	if (!id || !stix_id_shape(id))
		return ac_err_set(err, AC_ERR_USAGE,
				  "'%.128s' is not a STIX object id "
				  "(type--UUID)",
				  id ? id : "");
	if (has_prefix(id, "marking-definition--"))
		return ac_err_set(err, AC_ERR_PERM,
				  "cannot erase '%s': marking definitions are "
				  "shared by the objects that refer to them",
				  id);
	if (stix_ext_find(id) || !strcmp(id, STIX_EXT_ACCORD_IDENTITY))
		return ac_err_set(err, AC_ERR_PERM,
				  "cannot erase '%s': it ships with every "
				  "accord node",
				  id);
	if (self_identity && !strcmp(id, self_identity))
		return ac_err_set(err, AC_ERR_PERM,
				  "cannot erase '%s': it is this node's own "
				  "identity",
				  id);
	if (has_prefix(id, STIX_TYPE_ERASURE_NOTICE "--") ||
	    has_prefix(id, STIX_TYPE_ERASURE_CONFIRMATION "--"))
		return ac_err_set(err, AC_ERR_PERM,
				  "cannot erase '%s': erasure messages are not "
				  "stored objects",
				  id);
	return AC_OK;
}

/* ---- erasing ---- */

/* What the stored versions of the object say. */
struct held {
	const char *sender_source;   /* "partner:NAME" of the sender, or NULL */
	char sender_source_buf[STORE_NAME_MAX + 16];
	const char *sender_identity; /* the sender's identity, or NULL */
	uint64_t versions;
	bool entitled; /* a version came from, or was signed by, the sender */
	char source[STORE_NAME_MAX + 16];	/* of the newest version */
	char signer[STORE_IDENTITY_ID_MAX + 1]; /* of the newest, "" = none */
	ac_rc rc;
};

static int scan_version(const struct store_row *row, void *ctx)
{
	struct held *h = ctx;
	json_t *obj = json_loadb(row->json, row->json_len, 0, NULL);
	const char *signer = obj ? fed_signer(obj) : NULL;

	h->versions++;
	snprintf(h->source, sizeof(h->source), "%s", row->source);
	snprintf(h->signer, sizeof(h->signer), "%s", signer ? signer : "");
	if ((h->sender_source && !strcmp(row->source, h->sender_source)) ||
	    (h->sender_identity && signer &&
	     !strcmp(signer, h->sender_identity)))
		h->entitled = true;
	json_decref(obj);
	return 0;
}

/* The versions the request erases: those it names, or every one. */
static void erased_versions(const struct fed_erase_req *r,
			    const char *const *ids, struct store_query *q)
{
	memset(q, 0, sizeof(*q));
	q->ids = ids;
	q->nids = 1;
	if (r->nversions) {
		q->at_versions = r->versions;
		q->nat_versions = r->nversions;
	} else {
		q->versions = STORE_VERSIONS_ALL;
	}
}

/* The versions held of those the request names (entitlement is judged on
 * them alone). */
static ac_rc scan_held(struct store *s, const struct fed_erase_req *r,
		       struct held *h, struct ac_err *err)
{
	const char *ids[1] = {r->object_id};
	struct store_query q;

	memset(h, 0, sizeof(*h));
	if (r->from_partner) {
		snprintf(h->sender_source_buf, sizeof(h->sender_source_buf),
			 "partner:%s", r->from_partner);
		h->sender_source = h->sender_source_buf;
		h->sender_identity = r->sender_identity;
	}
	erased_versions(r, ids, &q);
	return store_query(s, &q, scan_version, h, err);
}

/* The originating node: the provenance signer of the newest version,
 * else this node for its own objects, else the partner it came from. */
static ac_rc find_origin(struct store *s, const struct fed_erase_req *r,
			 const struct held *h, char *out, size_t cap,
			 struct ac_err *err)
{
	struct store_partner p;
	ac_rc rc;

	if (r->origin) {
		snprintf(out, cap, "%s", r->origin);
		return AC_OK;
	}
	if (h->signer[0]) {
		snprintf(out, cap, "%s", h->signer);
		return AC_OK;
	}
	if (has_prefix(h->source, "partner:")) {
		rc = store_partner_get(s, h->source + 8, &p, err);
		if (!rc)
			snprintf(out, cap, "%s", p.identity_id);
		return rc;
	}
	snprintf(out, cap, "%s", r->self_identity ? r->self_identity : "");
	return AC_OK;
}

struct partner_list {
	char (*names)[STORE_NAME_MAX + 1];
	size_t n;
	const char *skip;
	bool full;
};

static int add_disclosed(const struct store_disclosure *d, void *ctx)
{
	struct partner_list *l = ctx;

	if (l->skip && !strcmp(d->partner, l->skip))
		return 0;
	if (l->n == FED_DISCLOSED_MAX) {
		l->full = true;
		return 1;
	}
	snprintf(l->names[l->n++], STORE_NAME_MAX + 1, "%s", d->partner);
	return 0;
}

/* Queues the erasure's notice for every partner the object went to. */
static ac_rc queue_notices(struct store *s, const struct fed_erase_req *r,
			   struct fed_erase_result *res, struct ac_err *err)
{
	struct partner_list l = {.skip = r->from_partner};
	struct store_outbox *o = calloc(1, sizeof(*o));
	ac_rc rc = AC_OK;

	l.names = calloc(FED_DISCLOSED_MAX, sizeof(*l.names));
	if (!o || !l.names) {
		rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = store_disclosure_list(s, r->object_id, add_disclosed, &l, err);
	if (!rc && l.full)
		rc = ac_err_set(err, AC_ERR_LIMIT,
				"'%s' went to more than %d partners",
				r->object_id, FED_DISCLOSED_MAX);
	o->kind = STORE_OUTBOX_NOTICE;
	snprintf(o->stix_id, sizeof(o->stix_id), "%s", res->notice_id);
	snprintf(o->object_id, sizeof(o->object_id), "%s", r->object_id);
	snprintf(o->reason, sizeof(o->reason), "%s", r->reason);
	snprintf(o->origin, sizeof(o->origin), "%s", res->origin);
	o->created_us = r->now_us;
	for (size_t i = 0; i < r->nversions; i++) {
		size_t len = strlen(o->versions);
		snprintf(o->versions + len, sizeof(o->versions) - len, "%s%s",
			 i ? " " : "", r->versions[i]);
	}
	for (size_t i = 0; !rc && i < l.n; i++) {
		snprintf(o->partner, sizeof(o->partner), "%s", l.names[i]);
		rc = store_outbox_add(s, o, NULL, err);
		res->notified += !rc;
	}
out:
	free(l.names);
	free(o);
	return rc;
}

static ac_rc queue_confirmation(struct store *s, const struct fed_erase_req *r,
				struct ac_err *err)
{
	struct store_outbox *o = calloc(1, sizeof(*o));
	char uuid[AC_UUID_STRLEN];
	ac_rc rc;

	if (!o)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	ac_uuid_v4(uuid);
	o->kind = STORE_OUTBOX_CONFIRMATION;
	snprintf(o->partner, sizeof(o->partner), "%s", r->from_partner);
	snprintf(o->stix_id, sizeof(o->stix_id),
		 STIX_TYPE_ERASURE_CONFIRMATION "--%s", uuid);
	snprintf(o->object_id, sizeof(o->object_id), "%s", r->object_id);
	snprintf(o->notice_ref, sizeof(o->notice_ref), "%s", r->confirm_notice);
	o->created_us = r->now_us;
	rc = store_outbox_add(s, o, NULL, err);
	free(o);
	return rc;
}

/* Removes the versions and records the erasure. */
static ac_rc erase_held(struct store *s, const struct fed_erase_req *r,
			const struct held *h, struct fed_erase_result *res,
			struct ac_err *err)
{
	const char *ids[1] = {r->object_id};
	struct store_query q;
	struct store_erasure *e = calloc(1, sizeof(*e));
	char uuid[AC_UUID_STRLEN];
	ac_rc rc;

	if (!e)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	erased_versions(r, ids, &q);
	rc = find_origin(s, r, h, res->origin, sizeof(res->origin), err);
	if (!rc)
		rc = ingest_delete(s, &q, &res->versions, err);
	if (rc)
		goto out;
	ac_uuid_v4(uuid);
	snprintf(res->notice_id, sizeof(res->notice_id),
		 STIX_TYPE_ERASURE_NOTICE "--%s", uuid);
	snprintf(e->object_id, sizeof(e->object_id), "%s", r->object_id);
	snprintf(e->notice_id, sizeof(e->notice_id), "%s", res->notice_id);
	snprintf(e->reason, sizeof(e->reason), "%s", r->reason);
	snprintf(e->origin, sizeof(e->origin), "%s", res->origin);
	snprintf(e->actor, sizeof(e->actor), "%s", r->actor ? r->actor : "");
	snprintf(e->from_partner, sizeof(e->from_partner), "%s",
		 r->from_partner ? r->from_partner : "");
	e->versions = res->versions;
	e->created_us = r->now_us;
	rc = store_erasure_add(s, e, NULL, err);
	if (!rc)
		rc = queue_notices(s, r, res, err);
out:
	free(e);
	return rc;
}

/* Named versions: a few, each a timestamp short enough for a notice. */
static ac_rc check_versions(const struct fed_erase_req *r, struct ac_err *err)
{
	struct ac_ts ts;

	if (r->nversions > STIX_ERASE_VERSIONS_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "an erasure of '%s' can name at most %d "
				  "versions, not %zu",
				  r->object_id, STIX_ERASE_VERSIONS_MAX,
				  r->nversions);
	for (size_t i = 0; i < r->nversions; i++)
		if (!r->versions[i] ||
		    strlen(r->versions[i]) >= STORE_VERSION_MAX ||
		    !ac_ts_parse(r->versions[i], &ts))
			return ac_err_set(err, AC_ERR_USAGE,
					  "version %zu of the erasure of '%s' "
					  "is not a timestamp",
					  i + 1, r->object_id);
	return AC_OK;
}

static ac_rc check_request(const struct fed_erase_req *r, struct ac_err *err)
{
	size_t len = r->reason ? strlen(r->reason) : 0;

	if (len == 0 || strspn(r->reason, " \t") == len)
		return ac_err_set(err, AC_ERR_USAGE,
				  "an erasure of '%s' needs a reason",
				  r->object_id);
	if (len > STORE_REASON_MAX)
		return ac_err_set(err, AC_ERR_USAGE,
				  "the reason for erasing '%s' is longer than "
				  "%d bytes",
				  r->object_id, STORE_REASON_MAX);
	if (r->from_partner && (!r->sender_identity || !r->confirm_notice))
		return ac_err_set(err, AC_ERR_USAGE,
				  "an erasure asked for by a partner needs "
				  "its identity and the notice id");
	if (!r->origin && !r->self_identity)
		return ac_err_set(err, AC_ERR_USAGE,
				  "an erasure needs this node's identity");
	return check_versions(r, err);
}

/* The steps inside the transaction. */
static ac_rc erase_in_tx(struct store *s, const struct fed_erase_req *r,
			 fed_erase_audit_fn audit, void *ctx,
			 struct fed_erase_result *res, struct ac_err *err)
{
	struct held h;
	ac_rc rc;

	rc = scan_held(s, r, &h, err);
	if (rc)
		return rc;
	if (h.versions == 0 && !r->from_partner)
		return ac_err_set(err, AC_ERR_NOTFOUND,
				  "no object '%s' in this node's store",
				  r->object_id);
	if (h.versions && r->from_partner && !h.entitled) {
		/* our own copy stays; what the partner's held copy added to
		 * the index goes (an observable both nodes have) */
		uint64_t removed = 0;

		rc = store_index_forget_source(s, r->object_id,
					       h.sender_source, &removed, err);
		if (!rc && !removed)
			rc = ac_err_set(err, AC_ERR_PERM,
					"partner '%s' may not erase '%s': this "
					"node did not receive it from them and "
					"they did not sign it",
					r->from_partner, r->object_id);
		h.versions = 0;
	}
	if (!rc && h.versions)
		rc = erase_held(s, r, &h, res, err);
	else if (r->origin)
		snprintf(res->origin, sizeof(res->origin), "%s", r->origin);
	if (!rc && r->from_partner)
		rc = queue_confirmation(s, r, err);
	if (!rc && audit)
		rc = audit(r, res, ctx, err);
	return rc;
}

ac_rc fed_erase(struct store *s, const struct fed_erase_req *r,
		fed_erase_audit_fn audit, void *ctx,
		struct fed_erase_result *res, struct ac_err *err)
{
	ac_rc rc;

	memset(res, 0, sizeof(*res));
	rc = check_request(r, err);
	if (!rc)
		rc = store_begin(s, err);
	if (rc)
		return rc;
	rc = erase_in_tx(s, r, audit, ctx, res, err);
	if (!rc)
		rc = store_commit(s, err);
	if (rc) {
		store_rollback(s, NULL);
		res->versions = 0;
		res->notified = 0;
	}
	return rc;
}

/* ---- the messages ---- */

bool fed_msg_is(const json_t *obj)
{
	const char *type = stix_get_str(obj, "type");

	return type && (!strcmp(type, STIX_TYPE_ERASURE_NOTICE) ||
			!strcmp(type, STIX_TYPE_ERASURE_CONFIRMATION));
}

/* Copies obj[key] (a string, validated) into out. */
static ac_rc copy_str(const json_t *obj, const char *key, char *out, size_t cap,
		      struct ac_err *err)
{
	const char *v = stix_get_str(obj, key);

	if (!v || strlen(v) >= cap)
		return ac_err_set(err, AC_ERR_INVALID,
				  "the erasure message's '%s' is missing or "
				  "too long",
				  key);
	memcpy(out, v, strlen(v) + 1);
	return AC_OK;
}

/* A notice's "versions" (validated: at most STIX_ERASE_VERSIONS_MAX
 * timestamps). */
static ac_rc copy_versions(const json_t *obj, struct fed_msg *out,
			   struct ac_err *err)
{
	const json_t *list = json_object_get(obj, "versions");
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);

		if (i >= STIX_ERASE_VERSIONS_MAX || !s ||
		    strlen(s) >= STORE_VERSION_MAX)
			return ac_err_set(err, AC_ERR_INVALID,
					  "the erasure notice's 'versions' "
					  "are too many or too long");
		memcpy(out->versions[i], s, strlen(s) + 1);
		out->nversions = i + 1;
	}
	return AC_OK;
}

ac_rc fed_msg_parse(const json_t *obj, struct fed_msg *out, struct ac_err *err)
{
	struct stix_report rep;
	ac_rc rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj) || !fed_msg_is(obj))
		return ac_err_set(err, AC_ERR_INVALID,
				  "not an erasure notice or confirmation");
	stix_report_init(&rep);
	if (stix_validate(obj, &rep) != AC_OK)
		return ac_err_set(err, AC_ERR_INVALID,
				  "invalid erasure message: %s",
				  rep.nerrors ? rep.errors[0].text : "?");
	out->kind = !strcmp(stix_get_str(obj, "type"), STIX_TYPE_ERASURE_NOTICE)
			? FED_MSG_NOTICE
			: FED_MSG_CONFIRMATION;
	rc = copy_str(obj, "id", out->id, sizeof(out->id), err);
	if (!rc)
		rc = copy_str(obj, "object_ref", out->object_id,
			      sizeof(out->object_id), err);
	if (!rc)
		rc = copy_str(obj, "created_by_ref", out->sender,
			      sizeof(out->sender), err);
	if (!rc && out->kind == FED_MSG_NOTICE)
		rc = copy_str(obj, "originator_ref", out->origin,
			      sizeof(out->origin), err);
	if (!rc && out->kind == FED_MSG_NOTICE)
		rc = copy_str(obj, "reason", out->reason, sizeof(out->reason),
			      err);
	if (!rc && out->kind == FED_MSG_CONFIRMATION)
		rc = copy_str(obj, "notice_ref", out->notice_ref,
			      sizeof(out->notice_ref), err);
	if (!rc && out->kind == FED_MSG_NOTICE)
		rc = copy_versions(obj, out, err);
	return rc;
}

static json_t *msg_skeleton(const struct store_outbox *o,
			    const char *self_identity)
{
	bool notice = o->kind == STORE_OUTBOX_NOTICE;
	char ts[AC_TS_STRLEN];

	ac_ts_format_us(o->created_us, ts);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}}}", "type",
	    notice ? STIX_TYPE_ERASURE_NOTICE : STIX_TYPE_ERASURE_CONFIRMATION,
	    "spec_version", "2.1", "id", o->stix_id, "created", ts, "modified",
	    ts, "created_by_ref", self_identity, "object_ref", o->object_id,
	    "extensions",
	    notice ? STIX_EXT_ERASURE_NOTICE : STIX_EXT_ERASURE_CONFIRMATION,
	    "extension_type", "new-sdo");
}

/* "v1 v2 ..." as a JSON array of strings (NULL on memory). */
static json_t *versions_array(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (a && *p) {
		size_t n = strcspn(p, " ");

		if (json_array_append_new(a, json_stringn(p, n))) {
			json_decref(a);
			return NULL;
		}
		p += n;
		p += *p == ' ';
	}
	return a;
}

ac_rc fed_msg_build(const struct store_outbox *o, const char *self_identity,
		    const struct ac_keys *k, json_t **out, struct ac_err *err)
{
	json_t *m = msg_skeleton(o, self_identity);
	int bad = !m;
	ac_rc rc;

	*out = NULL;
	if (m && o->kind == STORE_OUTBOX_NOTICE) {
		bad |= json_object_set_new(m, "reason", json_string(o->reason));
		bad |= json_object_set_new(m, "originator_ref",
					   json_string(o->origin));
		if (o->versions[0])
			bad |= json_object_set_new(m, "versions",
						   versions_array(o->versions));
	} else if (m) {
		bad |= json_object_set_new(m, "notice_ref",
					   json_string(o->notice_ref));
	}
	if (bad) {
		json_decref(m);
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot build erasure message '%s': out of "
				  "memory or not UTF-8",
				  o->stix_id);
	}
	rc = fed_sign(m, k, self_identity, err);
	if (rc) {
		json_decref(m);
		return rc;
	}
	*out = m;
	return AC_OK;
}

/* ---- receiving ---- */

static ac_rc refuse(struct fed_receive *out, const char *fmt, const char *a,
		    const char *b)
{
	out->accepted = false;
	snprintf(out->why, sizeof(out->why), fmt, a, b);
	return AC_OK;
}

/* The message must be created and signed by partner, with its key. */
static ac_rc check_sender(struct store *s, const char *partner,
			  const json_t *obj, const struct fed_msg *m,
			  struct store_partner *who, struct fed_receive *out,
			  struct ac_err *err)
{
	struct store_partner_link link;
	const char *signer = fed_signer(obj);
	ac_rc rc;

	rc = store_partner_get(s, partner, who, err);
	if (!rc)
		rc = store_partner_link_get(s, partner, &link, err);
	if (rc == AC_ERR_NOTFOUND) {
		memset(err, 0, sizeof(*err));
		return refuse(out, "partner '%s' has no registered key%s",
			      partner, "");
	}
	if (rc)
		return rc;
	if (strcmp(m->sender, who->identity_id))
		return refuse(out,
			      "created_by_ref '%.128s' is not partner "
			      "'%s'",
			      m->sender, partner);
	if (!signer)
		return refuse(out, "'%.128s' is not signed%s", m->id, "");
	if (strcmp(signer, who->identity_id))
		return refuse(out,
			      "'%.128s' is signed by another node than "
			      "partner '%s'",
			      m->id, partner);
	if (fed_verify(obj, link.sign_pk) != FED_SIG_OK)
		return refuse(out,
			      "the signature of '%.128s' does not "
			      "verify with the key of partner '%s'",
			      m->id, partner);
	out->accepted = true;
	return AC_OK;
}

static int match_confirmation(const struct store_outbox *o, void *ctx)
{
	const struct fed_msg *m = ((const void **)ctx)[0];
	bool *found = ((void **)ctx)[1];

	*found = o->kind == STORE_OUTBOX_CONFIRMATION &&
		 !strcmp(o->notice_ref, m->id);
	return *found;
}

/* Whether this node already owes partner (or sent it) a confirmation of
 * notice m. */
static ac_rc confirmation_queued(struct store *s, const char *partner,
				 const struct fed_msg *m, bool *found,
				 struct ac_err *err)
{
	void *ctx[2] = {(void *)m, found};

	*found = false;
	return store_outbox_list(s, m->object_id, partner, false, 0,
				 match_confirmation, ctx, err);
}

static ac_rc take_notice(struct store *s, const char *partner,
			 const struct fed_msg *m,
			 const struct store_partner *who,
			 fed_erase_audit_fn audit, void *ctx,
			 struct fed_receive *out, struct ac_err *err)
{
	struct fed_erase_req r = {.object_id = m->object_id,
				  .reason = m->reason,
				  .actor = partner,
				  .origin = m->origin,
				  .from_partner = partner,
				  .sender_identity = who->identity_id,
				  .confirm_notice = m->id,
				  .nversions = m->nversions,
				  .now_us = ac_now_us()};
	const char *versions[STIX_ERASE_VERSIONS_MAX];
	struct fed_erase_result res;
	ac_rc rc;

	for (size_t i = 0; i < m->nversions; i++)
		versions[i] = m->versions[i];
	r.versions = versions;
	/* a notice delivered twice (the sender did not see our answer) was
	 * carried out the first time: accept it, queue nothing new */
	rc = confirmation_queued(s, partner, m, &out->replayed, err);
	if (rc || out->replayed)
		return rc;

	rc = fed_erase_check_id(m->object_id, NULL, err);
	if (!rc)
		rc = fed_erase(s, &r, audit, ctx, &res, err);
	if (rc == AC_ERR_PERM || rc == AC_ERR_USAGE) {
		refuse(out, "%s%s", err->msg, "");
		memset(err, 0, sizeof(*err));
		return AC_OK;
	}
	out->versions = res.versions;
	return rc;
}

struct sent_notice {
	const char *id;
	bool found;
};

static int match_notice(const struct store_outbox *o, void *ctx)
{
	struct sent_notice *n = ctx;

	n->found = o->kind == STORE_OUTBOX_NOTICE && !strcmp(o->stix_id, n->id);
	return n->found;
}

/* A confirmation counts for the notice about its own object only. */
static ac_rc take_confirmation(struct store *s, const char *partner,
			       const struct fed_msg *m, struct fed_receive *out,
			       struct ac_err *err)
{
	struct sent_notice sent = {.id = m->notice_ref};
	bool found = false;
	ac_rc rc;

	rc = store_outbox_list(s, m->object_id, partner, false, 0,
			       match_notice, &sent, err);
	if (!rc && !sent.found)
		return refuse(out,
			      "no erasure notice '%.128s' about that object "
			      "was sent to partner '%s'",
			      m->notice_ref, partner);
	if (!rc)
		rc = store_outbox_confirm(s, m->notice_ref, partner,
					  ac_now_us(), &found, err);
	if (!rc && !found)
		return refuse(out,
			      "no erasure notice '%.128s' was sent to "
			      "partner '%s'",
			      m->notice_ref, partner);
	return rc;
}

ac_rc fed_erasure_receive(struct store *s, const char *partner,
			  const json_t *obj, fed_erase_audit_fn audit,
			  void *ctx, struct fed_receive *out,
			  struct ac_err *err)
{
	struct ac_err local = {0};
	struct store_partner who;
	struct fed_msg m;
	ac_rc rc;

	memset(out, 0, sizeof(*out));
	if (!err)
		err = &local;
	if (fed_msg_parse(obj, &m, &local))
		return refuse(out, "%s%s", local.msg, "");
	out->kind = m.kind;
	snprintf(out->object_id, sizeof(out->object_id), "%s", m.object_id);
	rc = check_sender(s, partner, obj, &m, &who, out, err);
	if (rc || !out->accepted)
		return rc;
	if (m.kind == FED_MSG_NOTICE)
		rc = take_notice(s, partner, &m, &who, audit, ctx, out, err);
	else
		rc = take_confirmation(s, partner, &m, out, err);
	if (!rc && out->accepted)
		ac_log(AC_LOG_INFO,
		       "erasure: %s '%s' from partner '%s' about '%s' "
		       "accepted%s",
		       m.kind == FED_MSG_NOTICE ? "notice" : "confirmation",
		       m.id, partner, m.object_id,
		       out->replayed ? " (again: already carried out)" : "");
	return rc;
}
