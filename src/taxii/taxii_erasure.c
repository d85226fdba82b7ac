/* The TAXII side of erasure propagation: disclosure records on the read
 * paths of partner callers, and erasure notices and confirmations POSTed
 * by partners, which are handled here instead of being stored
 * (src/federation/erasure.h). */
#include "base/common.h"
#include "taxii/taxii.h"

#include <inttypes.h>

#include "base/log.h"
#include "base/time.h"
#include "federation/erasure.h"
#include "stix/validate.h"
#include "taxii/taxii_int.h"

bool taxii_disclosure_record(struct taxii_call *c)
{
	struct ac_err err = {0};

	if (!c->who.is_partner || c->ids.n == 0)
		return true;
	if (c->ids.count > c->ids.n)
		ac_log(AC_LOG_WARN,
		       "taxii: only %zu of %" PRIu64 " ids handed to partner "
		       "'%s' are in the disclosure records",
		       c->ids.n, c->ids.count, c->who.partner);
	if (store_disclosure_add(c->store, c->who.partner,
				 (const char *const *)c->ids.ids, c->ids.n,
				 ac_now_us(), &err)) {
		taxii_fail(c->resp, &err);
		return false;
	}
	return true;
}

/* Writes the erase entry of an honoured notice before its transaction
 * commits. */
static ac_rc audit_notice(const struct fed_erase_req *r,
			  const struct fed_erase_result *res, void *ctx,
			  struct ac_err *err)
{
	struct taxii_call *c = ctx;

	audit_ids_reset(&c->ids);
	if (audit_ids_add(&c->ids, r->object_id))
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	if (res->versions)
		snprintf(c->detail, sizeof(c->detail),
			 "notice %s from partner %s; erased %" PRIu64
			 " version(s); notices queued for %zu partner(s); "
			 "reason: %s",
			 r->confirm_notice, r->from_partner, res->versions,
			 res->notified, r->reason);
	else
		snprintf(c->detail, sizeof(c->detail),
			 "notice %s from partner %s; not held; reason: %s",
			 r->confirm_notice, r->from_partner, r->reason);
	taxii_audit_add(c, AUDIT_ERASE, "erasure-notice", AUDIT_OK, c->detail);
	if (!taxii_audit_flush(c, err))
		return err->rc ? err->rc : AC_ERR_IO;
	audit_ids_reset(&c->ids);
	return AC_OK;
}

static void audit_refusal(struct taxii_call *c, const struct fed_receive *in,
			  const char *why)
{
	struct ac_err err = {0};

	audit_ids_reset(&c->ids);
	if (in->object_id[0] && audit_ids_add(&c->ids, in->object_id))
		return;
	snprintf(c->detail, sizeof(c->detail), "erasure %s refused: %s",
		 in->kind == FED_MSG_NOTICE ? "notice" : "confirmation", why);
	taxii_audit_add(c, AUDIT_ERASE, "erasure-notice", AUDIT_DENIED,
			c->detail);
	taxii_audit_flush(c, &err);
	audit_ids_reset(&c->ids);
}

static void record(json_t *list, const json_t *obj, const char *message)
{
	const char *id = stix_get_str(obj, "id");
	const char *version = stix_get_str(obj, "modified");
	json_t *d = json_pack("{s:s, s:s}", "id", id ? id : "", "version",
			      version ? version : "");

	if (d && message)
		json_object_set_new(d, "message", json_string(message));
	json_array_append_new(list, d);
}

/* Handles one message; false after a 500. */
static bool take_one(struct taxii_call *c, const json_t *obj, size_t seen,
		     json_t *successes, json_t *failures)
{
	struct fed_receive in;
	struct ac_err err = {0};

	if (!c->who.is_partner) {
		record(failures, obj,
		       "erasure notices and confirmations are accepted only "
		       "from partner nodes");
		return true;
	}
	if (seen > FED_ERASURE_MSGS_MAX) {
		record(failures, obj,
		       "too many erasure messages in one "
		       "envelope");
		return true;
	}
	if (fed_erasure_receive(c->store, c->who.partner, obj, audit_notice, c,
				&in, &err)) {
		taxii_fail(c->resp, &err);
		return false;
	}
	if (in.accepted) {
		record(successes, obj, NULL);
		return true;
	}
	ac_log(AC_LOG_WARN,
	       "taxii: erasure message from partner '%s' "
	       "refused: %s",
	       c->who.partner, in.why);
	audit_refusal(c, &in, in.why);
	record(failures, obj, in.why);
	return true;
}

bool taxii_erasure_take(struct taxii_call *c, json_t *objects,
			json_t *successes, json_t *failures)
{
	json_t *keep = json_array(), *obj;
	size_t i, seen = 0;
	bool ok = true;

	if (!successes || !failures || !keep) {
		json_decref(keep);
		taxii_fail(c->resp, NULL);
		return false;
	}
	json_array_foreach(objects, i, obj)
	{
		if (!fed_msg_is(obj)) {
			if (json_array_append(keep, obj))
				ok = false;
		} else if (!take_one(c, obj, ++seen, successes, failures)) {
			json_decref(keep);
			return false;
		}
		if (!ok)
			break;
	}
	if (ok && seen)
		ok = !json_array_clear(objects) &&
		     !json_array_extend(objects, keep);
	json_decref(keep);
	if (!ok)
		taxii_fail(c->resp, NULL);
	return ok;
}
