/* Pushing this node's data to a partner over TAXII 2.1.
 *
 * Every stored object version whose date_added is after the partner's push
 * watermark and that the partner's view allows (policy_view_as_partner:
 * the same decision as the partner's own TAXII reads, including onward
 * sharing of third-party data) is POSTed, in date_added order, to the
 * partner's writable collection (its "inbox"). Versions the partner itself
 * provided are not echoed back. Batches hold at most 1000 objects and stay
 * under the partner's body cap. The watermark moves to the last row a batch
 * covers only after that batch's 202, so a crash re-sends the batch and the
 * receiver counts duplicates: delivery is at least once, storage exactly
 * once. Objects the partner refuses (status failures) are logged and
 * counted, not retried; network errors, 5xx and 429 are retried with the
 * pull backoff. Nothing is pushed while no agreement with the partner is
 * in force. */
#ifndef AC_FEDERATION_PUSH_H
#define AC_FEDERATION_PUSH_H

#include <stdbool.h>
#include <stdint.h>
#include "audit/audit.h"
#include "base/rc.h"
#include "node/node.h"

#define FED_PUSH_BATCH_MAX 1000
#define FED_PUSH_BODY_MAX ((size_t)8 << 20) /* under the default 10 MiB cap */

struct fed_push_opts {
	size_t batch_max;    /* objects per POST; 0 or more = 1000 */
	size_t body_max;     /* bytes per POST; 0 = 8 MiB (lowered to the
			      * partner's max_content_length) */
	unsigned retries;    /* extra attempts for transient failures */
	unsigned backoff_ms; /* first delay, doubled each time (cap 30 s) */
	long timeout_s;	     /* per request; 0 = 120 */
	bool from_start;     /* ignore the watermark: send the whole view */
	/* Asked between batches: true ends the push early (the watermark
	 * covers what was acknowledged). NULL = never. */
	bool (*stop)(void *ctx);
	void *stop_ctx;
};

struct fed_push_stats {
	uint64_t scanned;  /* stored rows looked at */
	uint64_t withheld; /* outside the view, or the partner's own data */
	uint64_t batches;  /* batches the partner acknowledged (202) */
	uint64_t sent;	   /* objects in those batches */
	uint64_t accepted; /* its successes: new or duplicate */
	uint64_t failed;   /* refused by it, or too large: not retried */
	uint64_t pending;  /* accepted for later processing */
};

/* Defaults: batches of 1000 under 8 MiB, 3 retries from 500 ms. */
struct fed_push_opts fed_push_opts_default(void);

/* Pushes what is new for partner, recording one audit `disclose` entry
 * per batch in a (owned by the caller) before the batch is sent. The
 * outcome is stored in the push state whatever happens. Errors:
 * AC_ERR_NOTFOUND (no partner, link or credentials), AC_ERR_PERM (no
 * agreement in force, or no writable collection at the partner),
 * AC_ERR_CRYPTO (pin mismatch), AC_ERR_IO (network, HTTP), AC_ERR_PARSE
 * (a malformed answer), store and audit errors. Batches acknowledged
 * before an error keep their watermark. */
ac_rc fed_push(struct node *n, struct audit *a, const char *partner,
	       const struct fed_push_opts *o, struct fed_push_stats *st,
	       struct ac_err *err);

/* *due = whether the store holds rows added after partner's push
 * watermark (one indexed lookup; the rows may still be outside the
 * partner's view). */
ac_rc fed_push_due(struct store *s, const char *partner, bool *due,
		   struct ac_err *err);

#endif
