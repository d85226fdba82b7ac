/* The sync loop of `accord serve`: one thread, with its own store
 * connection and audit handle, that keeps every linked partner in sync.
 *
 * For each partner with a link (card) and stored credentials it pulls every
 * pull interval and, every push interval, pushes when the store holds rows
 * newer than the partner's push watermark (per-link intervals, 0 = off,
 * see store_partner_link_intervals). A failed run delays only that
 * partner's next run of the same kind: the interval doubles per failure in
 * a row, up to FED_LOOP_BACKOFF_CAP_S (or the interval, if longer). Runs
 * make one attempt each (no inline retries), so a stop request waits at
 * most for the request in flight. The partner list and intervals are
 * re-read at every wake-up, so `accord partner set` takes effect without a
 * restart. */
#ifndef AC_FEDERATION_LOOP_H
#define AC_FEDERATION_LOOP_H

#include "base/rc.h"

#define FED_LOOP_BACKOFF_CAP_S 300
#define FED_LOOP_PARTNERS_MAX 256 /* partners scheduled; more are skipped */

struct fed_loop;

/* Opens the node at dir (store and audit log) and starts the loop thread.
 * Free with fed_loop_stop. */
ac_rc fed_loop_start(const char *dir, struct fed_loop **out,
		     struct ac_err *err);

/* Wakes the loop, waits for the run in progress to end, joins the thread
 * and frees everything. NULL is a no-op. */
void fed_loop_stop(struct fed_loop *l);

#endif
