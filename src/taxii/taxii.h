/* accord's TAXII 2.1 server: discovery, one API root ("api1"), status,
 * collections, objects (GET, POST), one object (GET, DELETE), manifest and
 * versions, on the HTTP core of src/http. See docs/internals/taxii.md and
 * docs/api.md.
 *
 * Every endpoint needs a user (HTTP Basic or an API token, src/auth);
 * collection roles decide which collections a user sees and may write, and
 * the access decision (policy_decide) which objects in them: every read
 * path filters row by row, and a denied object looks absent (404). Writes
 * go through the ingest pipeline with source "local", or "partner:<name>"
 * for a partner token; reads page on date_added.
 *
 * Besides TAXII the same server answers accord's own JSON API
 * (/accord/v1/...: correlations and alerts), docs/api.md.
 *
 * Audit: every request that touches objects writes its entries (one batch,
 * through the group-commit writer) before the response is sent; failed
 * logins and password logins are recorded too. Reads that may return
 * person data need a purpose (X-Accord-Purpose or the token's default).
 *
 * Threads: handlers run on the HTTP worker threads; each thread opens its
 * own store handle on first use and closes it when the thread ends. */
#ifndef AC_TAXII_H
#define AC_TAXII_H

#include <stdbool.h>
#include <stddef.h>
#include "audit/audit.h"
#include "base/rc.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "node/node.h"
#include "policy/markings.h"
#include "stix/json.h"

#define TAXII_MEDIA_TYPE "application/taxii+json;version=2.1"
#define TAXII_STIX_MEDIA_TYPE "application/stix+json;version=2.1"
#define TAXII_API_ROOT "api1"
#define TAXII_DEFAULT_PAGE 1000

struct taxii_config {
	const char *store_path;	   /* the node's store (copied) */
	const char *title;	   /* discovery title, e.g. the org (copied) */
	size_t max_page_size;	   /* objects per page; 0 = 1000 */
	size_t max_content_length; /* advertised; the HTTP body cap */
	size_t batch_size;	   /* ingest batch; 0 = ingest's default */
	struct stix_limits limits; /* per object, for POST */
	bool tls;		   /* scheme of the URLs in discovery */
	struct audit_writer *audit; /* entries go here; NULL = no audit
				     * (benchmarks only). Not owned. */
	const struct policy_defaults *markings; /* [markings] (copied);
						 * NULL = the built-in ones */
	struct ingest_corr corr; /* correlation at POST ([correlation]);
				  * corr.store is ignored */
	/* The node (configuration copied, keys loaded from node_dir at
	 * taxii_new): POSTs then take node_ingest_setup's options (signing,
	 * signature checks) and a partner's redacted copies are re-signed or
	 * withheld. NULL = no provenance (tests, benchmarks). */
	const struct node_config *node;
	const char *node_dir;
};

struct taxii;

/* Makes the TAXII application object (the `app` of the routes). Free it
 * with taxii_free after the server has stopped. AC_ERR_NOMEM, AC_ERR_USAGE
 * for a missing store path, ac_keys_load's errors for the node keys. */
ac_rc taxii_new(const struct taxii_config *cfg, struct taxii **out,
		struct ac_err *err);
void taxii_free(struct taxii *t);

/* The TAXII route table (static; *n gets its length). */
const struct http_route *taxii_routes(size_t *n);

/* Starts an HTTP server with the TAXII routes and the accord_objects_stored
 * gauge on /metrics (cfg->metrics is set here), and connects the server's
 * failed-login throttle. Errors are http_server_start's. */
ac_rc taxii_serve(struct taxii *t, const struct http_config *cfg,
		  struct http_server **out, struct ac_err *err);

#endif
