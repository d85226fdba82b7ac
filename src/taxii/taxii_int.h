/* Private to src/taxii: the application object and what every handler
 * shares (checks, errors, replies). */
#ifndef AC_TAXII_INT_H
#define AC_TAXII_INT_H

#include <pthread.h>
#include "audit/audit.h"
#include "auth/auth.h"
#include "crypto/keys.h"
#include "policy/policy.h"
#include "store/store.h"
#include "taxii/taxii.h"

struct taxii {
	char *store_path;
	char *title;
	size_t max_page;
	size_t max_content_length;
	size_t batch_size;
	struct stix_limits limits;
	bool tls;
	pthread_key_t store_key; /* this thread's struct store * */
	struct http_server *srv; /* set once started; atomic access */
	struct audit_writer *audit; /* NULL: auditing off (benchmarks only) */
	struct policy_defaults markings;
	struct ingest_corr corr;
	struct node_config *node; /* NULL: no provenance */
	struct ac_keys keys;	  /* the node's, when node is set */
};

/* The access decision for one request: the subject, built once from the
 * caller, and every agreement (for partner subjects and for the source of
 * partner data). */
struct taxii_access {
	bool loaded;
	struct policy_agreements all;
	struct policy_subject subj;
	enum policy_action action; /* READ for users, SHARE for partners */
};

#define TAXII_CASE_MAX 128	   /* X-Accord-Case, bytes */
#define TAXII_AUDIT_PENDING 4	   /* entries one request can hold */
#define TAXII_AUDIT_QUERY_MAX 1024 /* the filters text of an entry */

/* One request after the common checks passed. */
struct taxii_call {
	struct taxii *t;
	struct http_req *req;
	struct http_resp *resp;
	struct store *store;
	struct auth_subject who;
	struct store_collection coll; /* after taxii_collection */
	bool can_read, can_write;
	bool authenticated;
	/* the audit batch of this request, committed before the response */
	char purpose[AUTH_PURPOSE_MAX + 1]; /* header, else token default */
	char case_ref[TAXII_CASE_MAX + 1];
	char who_detail[160];	      /* "token ID" / "password", partner user */
	char login_detail[256];	      /* client address, token id, reason */
	char login_user[AUTH_USER_MAX + 1];
	char query[TAXII_AUDIT_QUERY_MAX + 1];
	char detail[AUDIT_FIELD_MAX + 1]; /* the action's own detail */
	struct audit_entry pending[TAXII_AUDIT_PENDING];
	size_t npending;
	struct audit_ids ids; /* object ids the response names */
	struct taxii_access acc; /* after taxii_access_begin */
	bool api;		 /* accord's JSON API, not TAXII */
};

/* A handler body: runs after taxii_begin succeeded. */
typedef void (*taxii_body)(struct taxii_call *c);

/* Runs one request: taxii_begin, then body, then commits the request's
 * audit batch; if that fails the response becomes a 500, so nothing is
 * acknowledged without its entry. */
void taxii_run(struct taxii *t, struct http_req *req, struct http_resp *resp,
	       taxii_body body);

/* taxii_run for accord's JSON API: Accept must allow application/json and
 * every answer, errors included, is application/json. */
void taxii_run_api(struct taxii *t, struct http_req *req,
		   struct http_resp *resp, taxii_body body);

/* Common start of every handler: this thread's store, the caller
 * (401 on failure), the Accept header (406) and the API root (404). On
 * false the error response is already filled. */
bool taxii_begin(struct taxii *t, struct http_req *req, struct http_resp *resp,
		 struct taxii_call *c);

/* Loads the collection named by the {cid} path parameter and the caller's
 * rights on it; a collection the caller can neither read nor write is 404.
 * On false the error response is filled. */
bool taxii_collection(struct taxii_call *c);

/* Fills resp with a TAXII error message (title, description, http_status). */
void taxii_error(struct http_resp *resp, int status, const char *title,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A 500 for a store or internal failure; the detail goes to the log only. */
void taxii_fail(struct http_resp *resp, const struct ac_err *err);

/* Sets status and the TAXII content type; the body is already written. */
void taxii_ok(struct http_resp *resp, int status);

/* Appends s as a JSON string (quoted, escaped). */

/* True when the Content-Type names the TAXII 2.1 media type. */
bool taxii_content_type_ok(const char *ctype);
/* True when an Accept header allows the TAXII 2.1 media type. */
bool taxii_accept_ok(const char *accept);

/* Objects endpoints (taxii_objects.c), listed in taxii.c's route table. */
void taxii_get_objects(struct taxii_call *c);
void taxii_add_objects(struct taxii_call *c);
void taxii_get_object(struct taxii_call *c);
void taxii_delete_object(struct taxii_call *c);
void taxii_versions(struct taxii_call *c);
void taxii_manifest(struct taxii_call *c);

/* accord's JSON API (accord_api.c), listed in taxii.c's route table. */
void taxii_api_correlations(struct taxii_call *c);
void taxii_api_alerts(struct taxii_call *c);
void taxii_api_ack(struct taxii_call *c);

/* ---- the access decision (taxii_access.c) ---- */

/* Builds c->acc for the caller (once per request; released by taxii_run).
 * False after a 500. */
bool taxii_access_begin(struct taxii_call *c);
void taxii_access_end(struct taxii_call *c);
/* Decides on one stored row: *visible when the subject may read it (for a
 * partner: may receive it). A row whose JSON, markings or source cannot be
 * read is not visible. With redacted non-NULL and a visible object that
 * has granular markings, *redacted gets the JSON to send instead of
 * row->json (malloc'd; the caller frees it), else NULL; an object whose
 * granular markings withhold it entirely is not visible. Errors: only
 * AC_ERR_NOMEM. */
ac_rc taxii_access_row(struct taxii_call *c, const struct store_row *row,
		       bool *visible, char **redacted);
/* Runs q (its ids and scope set by the caller) for the newest stored row
 * of one object and decides on it: *exists, *visible. Store errors are
 * returned as they are. */
ac_rc taxii_access_newest(struct taxii_call *c, struct store_query *q,
			  bool *exists, bool *visible, struct ac_err *err);
/* The audit action of a read by the caller: disclose for a partner,
 * consult for a user. */
enum audit_action taxii_read_action(const struct taxii_call *c);

/* ---- erasure propagation (taxii_erasure.c) ---- */

/* For a partner caller, records the object ids the response handed over
 * (c->ids) as disclosed to that partner. False after a 500. */
bool taxii_disclosure_record(struct taxii_call *c);
/* Takes the erasure notices and confirmations out of a POSTed objects
 * array and handles them (src/federation/erasure.h), adding each to
 * successes or failures; the rest stay for ingest. False after a 500. */
bool taxii_erasure_take(struct taxii_call *c, json_t *objects,
			json_t *successes, json_t *failures);

/* ---- audit (taxii_audit.c) ---- */

/* Reads X-Accord-Purpose (else the token's default) and X-Accord-Case into
 * c, and the caller's description. On false a 400 is filled. */
bool taxii_audit_headers(struct taxii_call *c);
/* Queues an entry with the caller as actor, c's purpose, case, query and
 * ids (the strings must live until the batch is committed). */
void taxii_audit_add(struct taxii_call *c, enum audit_action action,
		     const char *channel, enum audit_outcome outcome,
		     const char *detail);
/* Queues a login entry (login_ok / login_fail) for this request. */
void taxii_audit_login(struct taxii_call *c, bool ok, const char *user,
		       const char *token_id, const char *reason);
/* Commits the queued entries now (one batch). False on failure (logged). */
bool taxii_audit_flush(struct taxii_call *c, struct ac_err *err);
/* True when a read of these types needs a purpose: every read unless
 * each type is one that cannot hold person data (none given = all). */
bool taxii_types_need_purpose(const char *const *types, size_t n);
/* Refuses a read that needs a purpose and has none: 403 "Purpose
 * required" and a denied entry. True when the read may go on. */
bool taxii_purpose_check(struct taxii_call *c, const char *const *types,
			 size_t ntypes, const char *channel);

#endif
