/* A node directory: configuration, store, keys and the node's own STIX
 * identity.
 *
 *   DIR/accord.conf        INI configuration
 *   DIR/store.db           SQLite store (WAL)
 *   DIR/keys/node.key      Ed25519 + X25519 secret keys, mode 0600
 *   DIR/keys/node.pub      public keys
 *   DIR/identity.json      the node's STIX identity object
 *   DIR/keys/tls.crt       TLS certificate (self-signed unless given)
 *   DIR/keys/tls.key       its private key, mode 0600
 */
#ifndef AC_NODE_H
#define AC_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include "base/rc.h"
#include "policy/markings.h"
#include "stix/json.h"
#include "store/store.h"

#define NODE_CONF "accord.conf"
#define NODE_STORE "store.db"
#define NODE_KEYS_DIR "keys"
#define NODE_SECRET_KEY "keys/node.key"
#define NODE_PUBLIC_KEY "keys/node.pub"
#define NODE_IDENTITY "identity.json"
#define NODE_TLS_CERT "keys/tls.crt"
#define NODE_TLS_KEY "keys/tls.key"
#define NODE_PATH_MAX 4096
#define NODE_DEFAULT_PORT 8443

/* The [server] section: how `accord serve` listens and its limits. Paths
 * are relative to the node directory unless absolute. */
struct node_server {
	char listen[64];	 /* IP literal; default 127.0.0.1 */
	size_t port;		 /* 0..65535; default NODE_DEFAULT_PORT */
	char tls_cert[NODE_PATH_MAX];
	char tls_key[NODE_PATH_MAX];
	size_t threads;		 /* worker pool; default 4 */
	size_t max_connections;	 /* default 256 */
	size_t timeout_s;	 /* idle timeout per connection; default 30 */
	size_t max_body_bytes;	 /* request body cap; default 10 MiB */
	size_t max_page_size;	 /* TAXII page cap; default 1000 */
	bool allow_insecure_public; /* plain HTTP on a public address */
};

/* [ingest] batch_max_ms by default (ingest_opts.batch_max_ms): well inside
 * the store's 5 s busy timeout that other writers wait. */
#define NODE_BATCH_MAX_MS 3000

struct node_config {
	char org[256];
	char identity_id[128];
	char default_country[3];
	char store_path[NODE_PATH_MAX]; /* relative to the node dir unless absolute */
	struct stix_limits limits;
	size_t batch_size;
	size_t batch_max_ms; /* [ingest] batch_max_ms; 0 = no limit */
	size_t audit_checkpoint_entries; /* [audit] checkpoint_entries */
	size_t audit_checkpoint_seconds; /* [audit] checkpoint_seconds */
	bool corr_enabled;		 /* [correlation] enabled; default on */
	size_t corr_max_occurrences;	 /* [correlation] max_occurrences */
	struct node_server server;
	struct policy_defaults markings; /* [markings] (docs/policy.md) */
};

struct node {
	char dir[NODE_PATH_MAX];
	struct node_config cfg;
	struct store *store;
};

/* Creates a new node at dir for organisation org. Refuses an existing node or
 * a non-empty directory. Builds everything in a temporary sibling directory
 * and renames it into place, so a failure leaves nothing behind. */
ac_rc node_init(const char *dir, const char *org, struct ac_err *err);

/* Options of node_init_with; NULL fields mean the defaults. */
struct node_init_opts {
	const char *tls_cert; /* PEM certificate to use instead of a */
	const char *tls_key;  /* self-signed one; both or neither */
};

/* node_init with options. Besides the store it writes a [server] section
 * with safe defaults, a self-signed TLS certificate (unless one is given;
 * given files must be readable and are referenced by absolute path), and
 * two TAXII collections: "node" (this node's own objects) and "inbox"
 * (objects POSTed into it), readable and writable by analysts,
 * supervisors and admins. */
ac_rc node_init_with(const char *dir, const char *org,
		     const struct node_init_opts *opts, struct ac_err *err);

/* Finds the node directory: `flag` (from --node) if given, else $ACCORD_NODE,
 * else the current directory. Fails with AC_ERR_NOTFOUND and a message saying
 * how to point at a node when the chosen directory holds no accord.conf. */
ac_rc node_locate(const char *flag, char out[NODE_PATH_MAX],
		  struct ac_err *err);

/* Reads dir's configuration and opens its store. Free with node_close. */
ac_rc node_open(const char *dir, struct node **out, struct ac_err *err);
void node_close(struct node *n);

/* Loads only the configuration (no store). */
ac_rc node_config_load(const char *dir, struct node_config *cfg,
		       struct ac_err *err);

/* Joins dir and rel into out ("dir/rel"); rel if it is absolute. */
ac_rc node_path(const char *dir, const char *rel, char out[NODE_PATH_MAX],
		struct ac_err *err);

#endif
