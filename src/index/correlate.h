/* Correlation: an object's identifiers matched against everything stored.
 *
 * The ingest pipeline calls corr_object on its storing thread, inside the
 * transaction that stores the object, for every object it stores (new or
 * duplicate). Each identifier is recorded once per (kind, value, object,
 * source); when it is new, the other holders of the same value become
 * correlations. A correlation between two sources ("local" and a partner,
 * or two partners) also raises an alert; own against own does not. A value
 * held by more than max_occurrences (object, source) pairs goes on the
 * common-values list and stops correlating.
 *
 * Reading: corr_list and corr_alerts give the raw records. They do NOT
 * apply the access decision: a caller that serves a user must drop every
 * entry whose other object (for an alert: either object) the user may not
 * see, before telling the user anything (docs/internals/correlation.md). */
#ifndef AC_INDEX_CORRELATE_H
#define AC_INDEX_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"
#include "index/ident.h"
#include "store/store.h"

#define CORR_MAX_OCCURRENCES_DEFAULT 50
#define CORR_MAX_OCCURRENCES_CAP 100000
/* Score of an address matched inside a CIDR block of another object. */
#define CORR_SCORE_CONTAINED 0.9

struct corr_opts {
	size_t max_occurrences; /* 0 = CORR_MAX_OCCURRENCES_DEFAULT */
};

/* What corr_object did (added to, never reset). */
struct corr_stats {
	uint64_t identifiers;  /* new identifier rows */
	uint64_t correlations; /* new correlations */
	uint64_t alerts;       /* of which across sources */
	uint64_t common;       /* values newly put on the common list */
};

struct corr;

/* Prepares correlation into store s (which must keep an identifier index;
 * AC_ERR_USAGE otherwise). Reads the CIDR prefix lengths in use. Free with
 * corr_close. s is borrowed. */
ac_rc corr_open(struct store *s, const struct corr_opts *opts,
		struct corr **out, struct ac_err *err);
void corr_close(struct corr *c);

/* Tells c that a new transaction began, in which other writers may have
 * changed what it remembers (whether any value is on the common list). */
void corr_new_transaction(struct corr *c);

/* Indexes and correlates the identifiers of one stored object. Runs in the
 * caller's open transaction; on error the caller must roll it back. */
ac_rc corr_object(struct corr *c, const char *object_id, const char *source,
		  const struct ident *ids, size_t n, struct corr_stats *st,
		  struct ac_err *err);

/* A correlation seen from one of its two objects. Strings are valid only
 * during the callback. */
struct corr_match {
	int64_t id;
	const char *kind;
	const char *value;
	double score;
	int64_t created_us;
	const char *source;       /* this object's source in the match */
	const char *other_id;     /* the other object: run the access */
	const char *other_source; /* decision on it before showing */
	bool cross_source;        /* the two sources differ (an alert) */
};

typedef int (*corr_match_cb)(const struct corr_match *m, void *ctx);

/* Calls cb for each correlation of object_id, oldest first. */
ac_rc corr_list(struct store *s, const char *object_id, corr_match_cb cb,
		void *ctx, struct ac_err *err);

/* Calls cb for alerts created after since_us (0 = all), oldest first, at
 * most limit (0 = all); unacknowledged only unless all. Both
 * a->corr.object_a and object_b must pass the access decision before an
 * alert is shown. */
ac_rc corr_alerts(struct store *s, int64_t since_us, bool all, size_t limit,
		  store_alert_cb cb, void *ctx, struct ac_err *err);

#endif
