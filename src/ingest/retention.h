/* Retention: erases objects whose review date (docs/policy.md, Retention)
 * has passed, every version and every index row, through ingest_delete.
 * The decision is the policy's: an admin running the purge (PURGE). */
#ifndef AC_INGEST_RETENTION_H
#define AC_INGEST_RETENTION_H

#include <stdbool.h>
#include <stdint.h>
#include "base/rc.h"
#include "policy/markings.h"
#include "store/store.h"

struct retention_stats {
	uint64_t examined; /* objects looked at */
	uint64_t expired;  /* whose review date has passed */
	uint64_t purged;   /* objects erased (all versions) */
	uint64_t versions; /* versions erased */
};

/* Called with the ids about to be erased, before they are; a failure stops
 * the run before anything of that batch is deleted (the audit trail records
 * an erasure before it happens). */
typedef ac_rc (*retention_record_fn)(const char *const *ids, size_t n,
				     void *ctx, struct ac_err *err);

/* Runs one pass as admin `admin_name` at time now_us. dry_run counts
 * without erasing. record may be NULL. */
ac_rc retention_run(struct store *s, const struct policy_defaults *d,
		    const char *admin_name, int64_t now_us, bool dry_run,
		    retention_record_fn record, void *ctx,
		    struct retention_stats *st, struct ac_err *err);

#endif
