/* Erasure propagation between partner nodes.
 *
 * Erasing an object (`accord erase`, or an honoured notice) removes every
 * version with everything that names it (ingest_delete), records the
 * erasure, and queues one signed erasure notice for each partner the
 * disclosure records say received the object. Notices and confirmations
 * are accord STIX objects (new SDO types, src/stix/ext.h) signed with the
 * node key (fed_sign); they travel by TAXII POST to a writable collection
 * of the partner and are never stored as ordinary objects.
 *
 * A node receiving a notice honours it only from an entitled sender: the
 * versions it holds came from that partner, or that partner signed them
 * (it originated them). Honouring erases the object the same way, passes
 * notices on to whoever this node disclosed it to, and queues a signed
 * confirmation back to the sender; the sender marks its delivery row
 * confirmed. See docs/internals/federation.md, "Erasure". */
#ifndef AC_FEDERATION_ERASURE_H
#define AC_FEDERATION_ERASURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "audit/audit.h"
#include "base/rc.h"
#include "crypto/keys.h"
#include "node/node.h"
#include "stix/ext.h"
#include "store/store.h"

#define FED_ERASURE_MSGS_MAX 100 /* erasure messages per TAXII envelope */
#define FED_OUTBOX_RUN_MAX 1000	 /* messages one delivery run sends */
#define FED_DISCLOSED_MAX 1000	 /* partners one erasure notifies */

/* One erasure to carry out. Strings are borrowed for the call. */
struct fed_erase_req {
	const char *object_id;
	const char *reason;	   /* required, at most STORE_REASON_MAX */
	const char *actor;	   /* who asked: the OS user or partner name */
	const char *self_identity; /* this node's identity; may be NULL when
				    * origin is given */
	const char *origin;	   /* the originating node's identity; NULL =
				    * from the stored versions */
	/* A notice from a partner: its sender (never notified back), the
	 * sender's identity (to check it may ask) and the notice id to
	 * confirm. NULL for a local erasure. */
	const char *from_partner;
	const char *sender_identity;
	const char *confirm_notice;
	/* Only these versions (exact timestamps, at most
	 * STIX_ERASE_VERSIONS_MAX); none = every version. */
	const char *const *versions;
	size_t nversions;
	int64_t now_us;
};

struct fed_erase_result {
	uint64_t versions; /* versions removed (0: the object was not held) */
	size_t notified;   /* partners a notice was queued for */
	char notice_id[STORE_OBJECT_ID_MAX + 1]; /* "" when nothing was held */
	char origin[STORE_IDENTITY_ID_MAX + 1];
};

/* Writes the audit entry of an erasure. Called inside its transaction,
 * after the rows are gone and before the commit: a failure rolls the
 * erasure back, so an erasure never lacks its entry. */
typedef ac_rc (*fed_erase_audit_fn)(const struct fed_erase_req *r,
				    const struct fed_erase_result *res,
				    void *ctx, struct ac_err *err);

/* Checks that id names an object this node may erase: a STIX id
 * (AC_ERR_USAGE otherwise) that is not a marking definition, one of the
 * definitions (or their identity) every node ships, this node's own
 * identity (self_identity, may be NULL), or an erasure message
 * (AC_ERR_PERM, saying why). */
ac_rc fed_erase_check_id(const char *id, const char *self_identity,
			 struct ac_err *err);

/* Erases r->object_id in one transaction of s (no transaction may be
 * open): every version and everything naming it, an erasure record, a
 * notice queued for each partner it was disclosed to (but the sender), a
 * confirmation queued to the sender when r->confirm_notice is set, then
 * audit(ctx) (may be NULL). s must be the node's SQLite store.
 * A local erasure of an object not held is AC_ERR_NOTFOUND; a notice about
 * an object not held still queues the confirmation (res->versions 0). A
 * sender not entitled to the object is AC_ERR_PERM and changes nothing.
 * AC_ERR_USAGE for a missing or overlong reason. */
ac_rc fed_erase(struct store *s, const struct fed_erase_req *r,
		fed_erase_audit_fn audit, void *ctx,
		struct fed_erase_result *res, struct ac_err *err);

/* ---- the messages ---- */

enum fed_msg_kind { FED_MSG_NOTICE, FED_MSG_CONFIRMATION };

/* A parsed notice or confirmation. */
struct fed_msg {
	enum fed_msg_kind kind;
	char id[STORE_OBJECT_ID_MAX + 1];
	char object_id[STORE_OBJECT_ID_MAX + 1];
	char sender[STORE_IDENTITY_ID_MAX + 1];	  /* created_by_ref */
	char origin[STORE_IDENTITY_ID_MAX + 1];	  /* notices */
	char reason[STORE_REASON_MAX + 1];	  /* notices */
	char notice_ref[STORE_OBJECT_ID_MAX + 1]; /* confirmations */
	/* notices: the versions to erase; none = every version */
	char versions[STIX_ERASE_VERSIONS_MAX][STORE_VERSION_MAX];
	size_t nversions;
};

/* True when obj is an object whose type is a notice or a confirmation. */
bool fed_msg_is(const json_t *obj);

/* Parses and validates a message: STIX 2.1 rules and the extension's
 * (src/stix/ext.c). AC_ERR_INVALID with the first problem otherwise. The
 * signature is not checked here. */
ac_rc fed_msg_parse(const json_t *obj, struct fed_msg *out, struct ac_err *err);

/* Builds the message for an outbox row, created by self_identity, and
 * signs it with k. *out is a new object the caller releases. */
ac_rc fed_msg_build(const struct store_outbox *o, const char *self_identity,
		    const struct ac_keys *k, json_t **out, struct ac_err *err);

/* ---- receiving (TAXII POST from a partner) ---- */

struct fed_receive {
	bool accepted;
	enum fed_msg_kind kind;
	char object_id[STORE_OBJECT_ID_MAX + 1];
	uint64_t versions;	  /* erased now */
	bool replayed;		  /* a notice already carried out */
	char why[AC_ERR_MSG_MAX]; /* the refusal, for the status resource */
};

/* Handles one message obj that partner sent: parses it, checks that its
 * creator and signer is partner's identity and that the signature
 * verifies with partner's registered key, then honours a notice (fed_erase
 * with audit) or records a confirmation. A refusal is AC_OK with
 * out->accepted false and the reason in out->why; other codes are store
 * failures. */
ac_rc fed_erasure_receive(struct store *s, const char *partner,
			  const json_t *obj, fed_erase_audit_fn audit,
			  void *ctx, struct fed_receive *out,
			  struct ac_err *err);

/* ---- delivery ---- */

struct fed_outbox_stats {
	uint64_t partners; /* partners messages were sent to */
	uint64_t sent;	   /* messages the partner accepted */
	uint64_t failed;   /* messages left pending after an error */
};

/* Sends the pending messages (for partner, or all when NULL; at most
 * FED_OUTBOX_RUN_MAX) by TAXII POST to each partner's writable collection
 * (an inbox when there is one), signed with n's key, and records each
 * attempt: sent time, attempts, last error. Each POST is recorded in a
 * (may be NULL) as a system `erase` entry, channel erasure-delivery.
 * Messages that fail stay pending for the next run; then the first
 * failure is returned (AC_ERR_IO, AC_ERR_CRYPTO, AC_ERR_NOTFOUND for
 * missing credentials...) after every partner was tried. With due_only
 * (the serve loop), a message that failed waits before it is tried again
 * (store_outbox_due), so a partner that keeps refusing one costs a POST
 * and an audit entry at most every hour, not at every run. */
ac_rc fed_outbox_deliver(struct node *n, struct audit *a, const char *partner,
			 bool due_only, struct fed_outbox_stats *st,
			 struct ac_err *err);

#endif
