/* Pulling a partner's view over TAXII 2.1 into this node's store.
 *
 * For each collection the partner lets this node read, objects are paged
 * with added_after = the stored watermark (per partner and collection).
 * A collection's pages are read as one stream by the ingest pipeline
 * (source "partner:<name>", which checks every object's provenance
 * signature); each transaction is one audit `receive` entry and moves the
 * watermark, in the same transaction, to the X-TAXII-Date-Added-Last of the
 * last page it wholly holds. An interrupted pull therefore resumes at the
 * first page not committed: nothing is lost, and a page fetched twice only
 * yields duplicates, which ingest counts as such. */
#ifndef AC_FEDERATION_SYNC_H
#define AC_FEDERATION_SYNC_H

#include <stdint.h>
#include "audit/audit.h"
#include "base/rc.h"
#include "federation/client.h"
#include "node/node.h"

#define FED_PARTNERS_DIR "keys/partners" /* NAME.token, mode 0600 */

struct fed_pull_opts {
	size_t page_limit;   /* objects per page requested; 0 = 1000 */
	unsigned retries;    /* extra attempts for transient failures */
	unsigned backoff_ms; /* first delay, doubled each time (cap 30 s) */
	long timeout_s;	     /* per request; 0 = 120 */
	/* Asked between pages: true ends the pull early (what was
	 * committed stays, the rest comes next time). NULL = never. */
	bool (*stop)(void *ctx);
	void *stop_ctx;
};

struct fed_pull_stats {
	uint64_t collections; /* readable collections paged */
	uint64_t pages;	      /* pages committed */
	uint64_t accepted;
	uint64_t duplicates;
	uint64_t rejected;	 /* by ingest */
	uint64_t bad_signatures; /* of which for provenance */
};

#define FED_BACKOFF_CAP_MS 30000u

/* Defaults: pages of 1000, 3 retries from 500 ms. */
struct fed_pull_opts fed_pull_opts_default(void);

/* DIR/keys/partners/NAME.token for partner name. */
ac_rc fed_token_path(const struct node *n, const char *name,
		     char out[NODE_PATH_MAX], struct ac_err *err);

/* Stores token as the credentials used to reach partner name: writes
 * DIR/keys/partners/NAME.token (directory 0700, file 0600) through a
 * temporary file and a rename, so a reader never sees half a token. */
ac_rc fed_credentials_save(const struct node *n, const char *name,
			   const char *token, struct ac_err *err);

/* Opens the link to partner: its record, its link (card) and a client
 * with the stored token (wiped from memory after use); timeout_s > 0
 * overrides the transfer timeout. Close c with fed_client_close, also
 * after a failure. AC_ERR_NOTFOUND names what is missing. */
ac_rc fed_link_open(struct node *n, const char *partner, long timeout_s,
		    struct store_partner *who, struct store_partner_link *link,
		    struct fed_client *c, struct ac_err *err);

/* What the ingest pipeline does not report about a TAXII envelope
 * s[0..n): its top-level "more" (true only for the literal true), and
 * where the elements of the first top-level "objects" array lie:
 * s[start..end), end being its closing bracket (0 when it is not closed);
 * objects: it has an element. Only depth-1 keys count; strings are skipped
 * with their escapes. duplicate: a second top-level "objects" key.
 * malformed: s is not one JSON object as far as strings and brackets go
 * (cut short, mismatched or too deeply nested brackets, text outside it);
 * the elements themselves are checked by the ingest workers' parser. */
#define FED_ENVELOPE_DEPTH_MAX 256
struct fed_envelope {
	bool more;
	bool objects; /* the array has an element (and s is not malformed) */
	bool duplicate;
	bool malformed;
	bool seen_objects; /* an "objects" key at the top level */
	size_t array_at;   /* its '[' (0: no array) */
	size_t start, end;
};
void fed_envelope_parse(const char *s, size_t n, struct fed_envelope *e);

/* The elements of the objects array, each s[at[i][0]..at[i][1]) without
 * the whitespace around it; an element missing between commas (or after
 * a trailing one) is there as an empty range. nomem: the list is cut
 * short (out of memory). */
struct fed_elems {
	size_t (*at)[2];
	size_t n, cap;
	bool nomem;
};

/* fed_envelope_parse that also lists the elements in *el (emptied first;
 * release it with fed_elems_release). */
void fed_envelope_split(const char *s, size_t n, struct fed_envelope *e,
			struct fed_elems *el);
void fed_elems_release(struct fed_elems *el);

/* Whether id is a collection id this node will put into a request path. */
bool fed_safe_collection_id(const char *id);

/* From a partner's collection list (the "collections" array), the one this
 * node may write to: can_write true, an inbox (by title or id) preferred.
 * AC_ERR_PERM when there is none, AC_ERR_LIMIT for an oversized list. */
ac_rc fed_pick_writable(const json_t *colls, const char *partner,
			char out[STORE_NAME_MAX + 1], struct ac_err *err);

/* Sleeps *delay_ms (restarting after signals), then doubles it up to
 * FED_BACKOFF_CAP_MS: the retry backoff of pull and push. */
void fed_backoff(unsigned *delay_ms);

/* Parses a partner's response body as a JSON object (new reference in
 * *out). AC_ERR_PARSE names `what` otherwise. */
ac_rc fed_parse_body(const struct fed_response *r, const char *what,
		     json_t **out, struct ac_err *err);

/* Pulls everything new from partner into n's store, recording receive
 * entries in a (owned by the caller). The outcome (last success or last
 * error) is stored in the sync state whatever happens. Errors:
 * AC_ERR_NOTFOUND (no partner, link or credentials), AC_ERR_CRYPTO (pin
 * mismatch, TLS failure: nothing is fetched), AC_ERR_IO (network, HTTP),
 * AC_ERR_PARSE (a malformed response), store errors. Pages committed before
 * an error stay committed and their watermark stays advanced. */
ac_rc fed_pull(struct node *n, struct audit *a, const char *partner,
	       const struct fed_pull_opts *o, struct fed_pull_stats *st,
	       struct ac_err *err);

#endif
