/* The name index of this process over the store's person names, and the
 * steps that use it: ingest (names rows, "person-name" correlation) and
 * ranked search. See docs/internals/names.md ("Integration"). */
#ifndef AC_NAMES_SERVICE_H
#define AC_NAMES_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "names/names.h"
#include "store/store.h"

#define NAMES_HIT_REF_MAX 128 /* longest object id kept in a hit */
#define NAMES_CORR_TOP 10     /* matches looked at per name at ingest */
#define NAMES_CORR_KIND "person-name"

/* One ranked match, copied out of the index. */
struct names_hit {
	char ref[NAMES_HIT_REF_MAX + 1];
	char name[NAMES_MAX_BYTES + 1];
	double score;
};

/* The best matches for name among the person names of store s, at most
 * top (1..1000), best first, one per object; *nout gets the count. The
 * process keeps one index (guarded by a mutex); each call first brings it
 * up to date with s (adds the rows written since; rebuilds for another
 * store or after many deletions) and returns only hits whose name the
 * table still holds for the object, so fewer than top may come back while
 * replaced names wait for a rebuild. No access decision: callers filter.
 * Errors: those of names_index_query (AC_ERR_PARSE, AC_ERR_LIMIT,
 * AC_ERR_INVALID for a bad name, AC_ERR_USAGE for top), store errors,
 * AC_ERR_NOMEM. */
ac_rc names_service_query(struct store *s, const char *name, size_t top,
			  struct names_hit *out, size_t *nout,
			  struct ac_err *err);

/* Sets *yes when s holds names of a source other than `source` (or may:
 * rows replaced since the last rebuild still count). Lets ingest skip the
 * lookups when no match could be across sources. Rows not indexed yet are
 * read, not indexed, unless one is of another source. Errors as the sync
 * of names_service_query. */
ac_rc names_service_other_sources(struct store *s, const char *source,
				  bool *yes, struct ac_err *err);

/* Makes the next query rebuild the index from the table (after a
 * rollback, whose rows the index may have seen). */
void names_service_reset(void);

/* Frees the index (the next query rebuilds it). */
void names_service_free(void);

/* What names_ingest_object did (added to, never reset). */
struct names_ingest_stats {
	uint64_t persons;      /* person versions whose names were written */
	uint64_t correlations; /* new person-name correlations */
	uint64_t alerts;       /* of which alerts (all are across sources) */
};

/* Ingest step for a new version so (stored in obj_store in the open
 * transaction): for an identity that is the newest stored version of its
 * id, replaces its rows in names_store with its person names; then, with
 * correlate, looks up each name (NAMES_CORR_TOP matches) and records a
 * "person-name" correlation, with an alert, for each probable match
 * (score >= NAMES_PROBABLE) with a person of another source. Does nothing
 * when names_store keeps no names. Errors: store errors, AC_ERR_NOMEM;
 * the caller rolls back. */
ac_rc names_ingest_object(struct store *obj_store, struct store *names_store,
			  const struct store_obj *so, bool correlate,
			  struct names_ingest_stats *st, struct ac_err *err);

/* names_ingest_object for an identity whose person names were already
 * taken from it (names_of_person: names[0..n), borrowed), so the stored
 * text need not be parsed again. */
ac_rc names_ingest_list(struct store *obj_store, struct store *names_store,
			const struct store_obj *so, const char *const *names,
			size_t n, bool correlate, struct names_ingest_stats *st,
			struct ac_err *err);

/* After versions of object_id were deleted from s: makes its name rows
 * those of its newest remaining version, or none (erasure). Does nothing
 * when s keeps no names. Errors: store errors, AC_ERR_PARSE. */
ac_rc names_refresh_object(struct store *s, const char *object_id,
			   struct ac_err *err);

#endif
