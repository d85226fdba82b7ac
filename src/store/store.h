/* The store interface. Every read and write of objects goes through these
 * functions; a backend (SQLite now, PostgreSQL later) fills struct store_ops.
 *
 * Each version of each object is a row keyed by (id, version), where version
 * is `modified`, else `created` (marking-definition), else "" (SCOs). Each row
 * records date_added (server time in microseconds, strictly increasing across
 * the store), its source, its BLAKE2b-256 content hash over the RFC 8785
 * canonical form, and the canonical JSON itself.
 *
 * Threads: a struct store belongs to one thread at a time; give each thread
 * its own store_open. Several stores (threads or processes) may share one
 * file; writers wait up to 5 s for each other's transactions. */
#ifndef AC_STORE_H
#define AC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"
#include "base/rc.h"

#define STORE_HASH_LEN 32

struct store;
struct store_taxii_ops;
struct store_index_ops;
struct store_names_ops;

/* An object version to write. All strings are borrowed for the call. */
struct store_obj {
	const char *id;
	const char *type;
	const char *version;      /* modified / created / "" */
	const char *spec_version; /* "2.1" */
	bool revoked;
	const char *source;       /* "local" or "partner:<name>" */
	uint8_t hash[STORE_HASH_LEN];
	const char *json;         /* canonical JSON */
	size_t json_len;
	const char *text;         /* text for full-text search; may be NULL */
	const char *meta;         /* policy_markings_summary; NULL = none */
	size_t meta_len;
};

enum store_put_result {
	STORE_PUT_NEW,       /* stored */
	STORE_PUT_DUPLICATE, /* identical version already there; nothing changed */
};

/* A row handed to callbacks. Valid only during the callback. */
struct store_row {
	const char *id;
	const char *type;
	const char *version;
	const char *spec_version;
	const char *source;
	int64_t date_added_us;
	bool revoked;
	uint8_t hash[STORE_HASH_LEN];
	const char *json;
	size_t json_len;
	const char *meta; /* the stored markings summary, NULL if none */
	size_t meta_len;
};

/* Return non-zero from a callback to stop the iteration early. */
typedef int (*store_row_cb)(const struct store_row *row, void *ctx);

enum store_version_sel {
	STORE_VERSIONS_LAST = 1 << 0,  /* newest version of each id */
	STORE_VERSIONS_FIRST = 1 << 1, /* oldest version of each id */
	STORE_VERSIONS_ALL = 1 << 2,
};

/* Filters for store_query. Zero-initialise, then set what you need; empty
 * lists mean "any" and hold at most 1000 entries. Rows come in date_added
 * order, ascending. LAST/FIRST pick the newest/oldest of all versions of an
 * id; the other filters (added_after_us too) then apply to that row. */
struct store_query {
	const char *const *ids;
	size_t nids;
	const char *const *types;
	size_t ntypes;
	const char *const *spec_versions;
	size_t nspec_versions;
	unsigned versions;            /* store_version_sel bits; 0 = LAST
				       * unless at_versions are given */
	const char *const *at_versions; /* exact version timestamps, OR-ed in */
	size_t nat_versions;
	const char *source;           /* exact source ("local"), NULL = any */
	const char *source_prefix;    /* e.g. "partner:", NULL = any */
	const char *collection_id;    /* members of this inbox collection only */
	int64_t added_after_us;       /* 0 = no bound; strictly greater than */
	int64_t added_before_us;      /* 0 = no bound; less than or equal */
	size_t limit;                 /* 0 = no limit */
};

struct store_type_count {
	const char *type;
	uint64_t objects;  /* distinct ids */
	uint64_t versions;
};

typedef int (*store_stats_cb)(const struct store_type_count *c, void *ctx);

/* Admin records (users and API tokens) are declared further down. */
struct store_user;
struct store_token;
typedef int (*store_user_cb)(const struct store_user *u, void *ctx);
typedef int (*store_token_cb)(const struct store_token *t, void *ctx);
/* Partners and agreements are declared further down. */
struct store_partner;
struct store_agreement;
typedef int (*store_partner_cb)(const struct store_partner *p, void *ctx);
typedef int (*store_agreement_cb)(const struct store_agreement *a, void *ctx);

struct store_ops {
	void (*close)(struct store *s);
	ac_rc (*begin)(struct store *s, struct ac_err *err);
	ac_rc (*commit)(struct store *s, struct ac_err *err);
	ac_rc (*rollback)(struct store *s, struct ac_err *err);
	/* May be NULL: store_begin_bulk then begins a plain transaction and
	 * store_sync does nothing. */
	ac_rc (*begin_bulk)(struct store *s, struct ac_err *err);
	ac_rc (*sync)(struct store *s, struct ac_err *err);
	ac_rc (*put)(struct store *s, const struct store_obj *o,
		     enum store_put_result *res, struct ac_err *err);
	ac_rc (*query)(struct store *s, const struct store_query *q,
		       store_row_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*search)(struct store *s, const char *text, size_t limit,
			store_row_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*stats)(struct store *s, store_stats_cb cb, void *ctx,
		       struct ac_err *err);
	/* May be NULL (store_cache_limit then does nothing). */
	ac_rc (*cache_limit)(struct store *s, size_t kib, struct ac_err *err);
	/* May be NULL (store_other_versions is then AC_ERR_USAGE). */
	ac_rc (*other_versions)(struct store *s, const char *id,
				const char *version, bool *newer,
				bool *others, struct ac_err *err);
	/* Admin records: see the section at the end of this file. */
	ac_rc (*user_add)(struct store *s, const struct store_user *u,
			  struct ac_err *err);
	ac_rc (*user_get)(struct store *s, const char *name,
			  struct store_user *out, struct ac_err *err);
	ac_rc (*user_list)(struct store *s, store_user_cb cb, void *ctx,
			   struct ac_err *err);
	ac_rc (*user_set_password)(struct store *s, const char *name,
				   const char *pwhash, struct ac_err *err);
	ac_rc (*user_disable)(struct store *s, const char *name,
			      struct ac_err *err);
	ac_rc (*token_add)(struct store *s, const struct store_token *t,
			   struct ac_err *err);
	ac_rc (*token_get)(struct store *s, const char *id,
			   struct store_token *out, struct ac_err *err);
	ac_rc (*token_revoke)(struct store *s, const char *id,
			      int64_t revoked_us, struct ac_err *err);
	ac_rc (*token_touch)(struct store *s, const char *id, int64_t used_us,
			     struct ac_err *err);
	ac_rc (*token_list)(struct store *s, const char *user,
			    store_token_cb cb, void *ctx, struct ac_err *err);
	/* Partners and agreements: see their section below. */
	ac_rc (*partner_add)(struct store *s, const struct store_partner *p,
			     struct ac_err *err);
	ac_rc (*partner_get)(struct store *s, const char *name,
			     struct store_partner *out, struct ac_err *err);
	ac_rc (*partner_list)(struct store *s, store_partner_cb cb, void *ctx,
			      struct ac_err *err);
	ac_rc (*agreement_set)(struct store *s,
			       const struct store_agreement *a,
			       struct ac_err *err);
	ac_rc (*agreement_get)(struct store *s, const char *partner,
			       struct store_agreement *out,
			       struct ac_err *err);
	ac_rc (*agreement_list)(struct store *s, store_agreement_cb cb,
				void *ctx, struct ac_err *err);
	/* TAXII records: see the section at the end of this file. */
	const struct store_taxii_ops *taxii;
	/* Identifier index and correlations (may be NULL). */
	const struct store_index_ops *index;
	/* Person names (may be NULL). */
	const struct store_names_ops *names;
};

struct store {
	const struct store_ops *ops;
};

/* Opens (creating if `create`) the store at path and migrates its schema to
 * the current version. On success *out must be closed with store_close. */
ac_rc store_open(const char *path, bool create, struct store **out,
		 struct ac_err *err);
void store_close(struct store *s);

/* Process-wide SQLite settings (memory statistics off: they take a global
 * mutex on every allocation), applied once before SQLite's first use.
 * store_open and audit_open call it; other code that opens SQLite directly
 * should call it first. Safe from any thread; once SQLite is initialised it
 * has no effect. */
void store_init_library(void);

/* Transactions: writes between begin and commit are atomic and durable once
 * commit returns AC_OK. put outside a transaction commits by itself. A
 * database error inside a transaction rolls it all back at once; later puts
 * and commit then fail until store_rollback. Closing without commit rolls
 * back. */
ac_rc store_begin(struct store *s, struct ac_err *err);
ac_rc store_commit(struct store *s, struct ac_err *err);
ac_rc store_rollback(struct store *s, struct ac_err *err);
/* A transaction like store_begin's, except that its commit is atomic and
 * survives a crash of the process but not yet of the machine: it is
 * durable once store_sync returns AC_OK. For a long import's batches, so
 * that only the last waits for the disk. */
ac_rc store_begin_bulk(struct store *s, struct ac_err *err);
/* Caps the memory this handle keeps as page cache at about kib KiB (a
 * store opens with 96 MiB, for writers; many readers want less). */
ac_rc store_cache_limit(struct store *s, size_t kib, struct ac_err *err);
ac_rc store_sync(struct store *s, struct ac_err *err);

/* Writes one version. Identical (id, version, hash) → STORE_PUT_DUPLICATE,
 * nothing changes. Same (id, version) with another hash → AC_ERR_CONFLICT,
 * nothing changes. A version that is not a timestamp (or "") in years
 * 1678..2261 is AC_ERR_INVALID. */
ac_rc store_put(struct store *s, const struct store_obj *o,
		enum store_put_result *res, struct ac_err *err);

/* Calls cb for each row matching q (NULL = newest version of everything).
 * AC_ERR_LIMIT for a list over the cap, AC_ERR_PARSE for a bad at_version. */
ac_rc store_query(struct store *s, const struct store_query *q,
		  store_row_cb cb, void *ctx, struct ac_err *err);

/* Sets *newer when a version of id later than `version` is stored (compared
 * as instants, like the versions themselves), and *others when any version
 * other than `version` is (older or newer). Reads one index entry, not the
 * rows: ingest asks it for each new version it keeps names of (a first
 * version has no names to replace). AC_ERR_INVALID for a version that is
 * not a timestamp (or ""). */
ac_rc store_other_versions(struct store *s, const char *id,
			   const char *version, bool *newer, bool *others,
			   struct ac_err *err);

/* Full-text search over the newest version of each object: matching rows,
 * best first, at most limit (0 = no limit). `text` is plain words from a
 * user, all of which must match; it is never interpreted as query syntax.
 * Blank text is AC_ERR_USAGE. */
ac_rc store_search(struct store *s, const char *text, size_t limit,
		   store_row_cb cb, void *ctx, struct ac_err *err);

/* Per-type counts, ordered by type name. */
ac_rc store_stats(struct store *s, store_stats_cb cb, void *ctx,
		  struct ac_err *err);


/* ---------------------------------------------------------------------
 * Admin records: users and API tokens (schema version 2).
 *
 * The store keeps what src/auth hands it and checks nothing but
 * uniqueness and references: name rules, password hashing and token
 * secrets belong to src/auth. Records are plain fixed-size structs, filled
 * by the caller for writes and by the store for reads. Times are
 * microseconds since the epoch; 0 means "none" (never expires, not
 * revoked, never used). Text longer than a field is AC_ERR_LIMIT.
 * --------------------------------------------------------------------- */

#define STORE_NAME_MAX 64      /* user and partner names */
#define STORE_ROLE_MAX 16
#define STORE_PWHASH_MAX 255   /* an encoded password hash string */
#define STORE_TOKEN_ID_MAX 16
#define STORE_PURPOSE_MAX 256

struct store_user {
	char name[STORE_NAME_MAX + 1];
	char role[STORE_ROLE_MAX + 1];
	char pwhash[STORE_PWHASH_MAX + 1];
	int64_t created_us;
	bool disabled;
};

struct store_token {
	char id[STORE_TOKEN_ID_MAX + 1];
	char user[STORE_NAME_MAX + 1];
	uint8_t hash[STORE_HASH_LEN]; /* hash of the secret, never the secret */
	int64_t created_us;
	int64_t expires_us;   /* 0 = never */
	int64_t revoked_us;   /* 0 = not revoked */
	int64_t last_used_us; /* 0 = never used */
	char partner[STORE_NAME_MAX + 1];  /* "" = not a partner token */
	char purpose[STORE_PURPOSE_MAX + 1]; /* "" = none */
};

/* Adds a user. AC_ERR_EXISTS if the name is taken. */
ac_rc store_user_add(struct store *s, const struct store_user *u,
		     struct ac_err *err);
/* Reads one user into *out. AC_ERR_NOTFOUND if there is none. */
ac_rc store_user_get(struct store *s, const char *name, struct store_user *out,
		     struct ac_err *err);
/* Calls cb for each user in name order; the record is valid only during
 * the call. Non-zero from cb stops early. */
ac_rc store_user_list(struct store *s, store_user_cb cb, void *ctx,
		      struct ac_err *err);
/* Replaces a user's password hash. AC_ERR_NOTFOUND if there is no user. */
ac_rc store_user_set_password(struct store *s, const char *name,
			      const char *pwhash, struct ac_err *err);
/* Marks a user disabled (idempotent). AC_ERR_NOTFOUND if there is none. */
ac_rc store_user_disable(struct store *s, const char *name,
			 struct ac_err *err);

/* Adds a token. AC_ERR_EXISTS if the id is taken, AC_ERR_NOTFOUND if the
 * user does not exist. */
ac_rc store_token_add(struct store *s, const struct store_token *t,
		      struct ac_err *err);
/* Reads one token into *out. AC_ERR_NOTFOUND if there is none. */
ac_rc store_token_get(struct store *s, const char *id, struct store_token *out,
		      struct ac_err *err);
/* Sets revoked_us unless the token is already revoked (the first time is
 * kept). AC_ERR_NOTFOUND if there is no such token. */
ac_rc store_token_revoke(struct store *s, const char *id, int64_t revoked_us,
			 struct ac_err *err);
/* Sets last_used_us to used_us if that is later. A missing token is not an
 * error (it may have been deleted meanwhile). */
ac_rc store_token_touch(struct store *s, const char *id, int64_t used_us,
			struct ac_err *err);
/* Calls cb for each token (of `user` only, unless NULL) in creation order;
 * the record is valid only during the call. */
ac_rc store_token_list(struct store *s, const char *user, store_token_cb cb,
		       void *ctx, struct ac_err *err);


/* ---------------------------------------------------------------------
 * Partners and agreements (schema version 4).
 *
 * As for users: the store keeps what src/policy hands it and checks only
 * uniqueness and references (an agreement needs its partner). Names,
 * identity ids, the area list, TLP and onward-sharing words are checked by
 * src/policy (policy/partners.h). Times are microseconds since the epoch.
 * Text longer than a field is AC_ERR_LIMIT.
 * --------------------------------------------------------------------- */

#define STORE_IDENTITY_ID_MAX 128
#define STORE_PARTNER_TITLE_MAX 256
#define STORE_AREAS_MAX 256 /* "drug-trafficking,weapons,..." */
#define STORE_WORD_MAX 16   /* "amber+strict", "green", "none" */

struct store_partner {
	char name[STORE_NAME_MAX + 1];
	char identity_id[STORE_IDENTITY_ID_MAX + 1]; /* identity--<uuid> */
	char title[STORE_PARTNER_TITLE_MAX + 1];     /* "" = none */
	int64_t created_us;
};

/* The agreement with one partner; at most one per partner. */
struct store_agreement {
	char partner[STORE_NAME_MAX + 1];
	char areas[STORE_AREAS_MAX + 1];
	char max_tlp[STORE_WORD_MAX + 1];
	int32_t retention_days; /* 0 = no limit */
	int64_t valid_from_us;
	int64_t valid_until_us;
	char onward_sharing[STORE_WORD_MAX + 1]; /* "none" or "green" */
	int64_t updated_us;
};

/* Adds a partner. AC_ERR_EXISTS if the name is taken. */
ac_rc store_partner_add(struct store *s, const struct store_partner *p,
			struct ac_err *err);
/* Reads one partner. AC_ERR_NOTFOUND if there is none. */
ac_rc store_partner_get(struct store *s, const char *name,
			struct store_partner *out, struct ac_err *err);
/* Calls cb for each partner in name order. */
ac_rc store_partner_list(struct store *s, store_partner_cb cb, void *ctx,
			 struct ac_err *err);
/* Creates or replaces the agreement with a->partner. AC_ERR_NOTFOUND if
 * there is no such partner. */
ac_rc store_agreement_set(struct store *s, const struct store_agreement *a,
			  struct ac_err *err);
/* Reads the agreement with partner. AC_ERR_NOTFOUND if there is none. */
ac_rc store_agreement_get(struct store *s, const char *partner,
			  struct store_agreement *out, struct ac_err *err);
/* Calls cb for each agreement in partner name order. */
ac_rc store_agreement_list(struct store *s, store_agreement_cb cb, void *ctx,
			   struct ac_err *err);


/* ---------------------------------------------------------------------
 * TAXII records: collections, inbox membership, status resources, and
 * deleting object versions (schema version 3).
 * --------------------------------------------------------------------- */

#define STORE_COLLECTION_ID_MAX 36   /* a UUID */
#define STORE_TITLE_MAX 256
#define STORE_DESCRIPTION_MAX 1024

/* Which objects a collection shows. */
enum store_scope {
	STORE_SCOPE_OWN,      /* source = "local": this node's own objects */
	STORE_SCOPE_PARTNERS, /* source starts with "partner:" */
	STORE_SCOPE_ALL,      /* everything */
	STORE_SCOPE_INBOX,    /* objects written into this collection */
};

struct store_collection {
	char id[STORE_COLLECTION_ID_MAX + 1];   /* TAXII collection id (UUIDv4) */
	char name[STORE_NAME_MAX + 1];          /* short unique name for the CLI */
	char title[STORE_TITLE_MAX + 1];
	char description[STORE_DESCRIPTION_MAX + 1];
	enum store_scope scope;
	uint32_t read_roles;  /* auth_role_mask bits */
	uint32_t write_roles;
	int64_t created_us;
};

typedef int (*store_collection_cb)(const struct store_collection *c,
				   void *ctx);
/* Computes the full-text words of a stored object's JSON (the same function
 * ingest used to index it), so deletion can remove its index entries. */
typedef ac_rc (*store_text_fn)(const char *json, size_t len,
			       struct ac_buf *out);

struct store_taxii_ops {
	ac_rc (*collection_add)(struct store *s,
				const struct store_collection *c,
				struct ac_err *err);
	ac_rc (*collection_get)(struct store *s, const char *id_or_name,
				struct store_collection *out,
				struct ac_err *err);
	ac_rc (*collection_list)(struct store *s, store_collection_cb cb,
				 void *ctx, struct ac_err *err);
	ac_rc (*member_add)(struct store *s, const char *collection_id,
			    const char *object_id, struct ac_err *err);
	ac_rc (*status_put)(struct store *s, const char *id, const char *json,
			    size_t len, struct ac_err *err);
	ac_rc (*status_get)(struct store *s, const char *id, struct ac_buf *out,
			    struct ac_err *err);
	ac_rc (*delete_versions)(struct store *s, const struct store_query *q,
				 store_text_fn text, uint64_t *deleted,
				 struct ac_err *err);
};

/* Adds a collection. AC_ERR_EXISTS if its id or name is taken. */
ac_rc store_collection_add(struct store *s, const struct store_collection *c,
			   struct ac_err *err);
/* Reads a collection by TAXII id or by name. AC_ERR_NOTFOUND if none. */
ac_rc store_collection_get(struct store *s, const char *id_or_name,
			   struct store_collection *out, struct ac_err *err);
/* Calls cb for each collection in creation order. */
ac_rc store_collection_list(struct store *s, store_collection_cb cb, void *ctx,
			    struct ac_err *err);
/* Records that object_id (all its versions) belongs to an inbox collection.
 * Idempotent. */
ac_rc store_member_add(struct store *s, const char *collection_id,
		       const char *object_id, struct ac_err *err);
/* Stores (replacing) the JSON of a TAXII status resource. */
ac_rc store_status_put(struct store *s, const char *id, const char *json,
		       size_t len, struct ac_err *err);
/* Appends a status resource's JSON to out. AC_ERR_NOTFOUND if none. */
ac_rc store_status_get(struct store *s, const char *id, struct ac_buf *out,
		       struct ac_err *err);
/* Deletes the rows matching q (which must name exactly one id) and their
 * full-text entries (computed with `text`), in one transaction unless one is
 * open. *deleted gets the number of versions removed. */
ac_rc store_delete_versions(struct store *s, const struct store_query *q,
			    store_text_fn text, uint64_t *deleted,
			    struct ac_err *err);

/* ---------------------------------------------------------------------
 * Identifier index and correlations (schema version 5). src/index decides
 * what to write; the store keeps it. Strings in rows handed to callbacks
 * are valid only during the call. Times are microseconds since the epoch.
 * --------------------------------------------------------------------- */

/* One identifier of one object from one source. */
struct store_ident {
	const char *kind;      /* "phone", "ipv4-net", "name", ... */
	const char *value;     /* normalised */
	const char *object_id;
	const char *source;    /* "local" or "partner:<name>" */
	bool valid;            /* false: kept for review, never correlates */
	const uint8_t *ord;    /* IP kinds: address bytes (sort key), else NULL */
	size_t ord_len;
};

typedef int (*store_ident_cb)(const struct store_ident *id, void *ctx);

/* A match between two objects. object_a/source_a held the value first;
 * object_b/source_b is the object whose ingest found it. score is 1 for an
 * exact match, below 1 for a weaker one (address inside a block, similar
 * names). */
struct store_correlation {
	int64_t id;
	const char *kind;
	const char *value;
	const char *object_a, *source_a;
	const char *object_b, *source_b;
	int64_t created_us;
	double score;
};

typedef int (*store_correlation_cb)(const struct store_correlation *c,
				    void *ctx);

struct store_alert {
	int64_t id;
	int64_t created_us;
	int64_t acked_us;     /* 0 = not acknowledged */
	const char *acked_by; /* "" when not acknowledged */
	struct store_correlation corr;
};

typedef int (*store_alert_cb)(const struct store_alert *a, void *ctx);

/* A value that occurs too often to correlate. */
struct store_common {
	const char *kind;
	const char *value;
	uint64_t count;
	int64_t listed_us;
};

typedef int (*store_common_cb)(const struct store_common *c, void *ctx);

struct store_index_ops {
	ac_rc (*ident_add)(struct store *s, const struct store_ident *id,
			   int64_t now_us, bool *inserted, struct ac_err *err);
	ac_rc (*ident_match)(struct store *s, const char *kind,
			     const char *value, size_t limit,
			     store_ident_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*ident_range)(struct store *s, const char *kind,
			     const uint8_t *lo, const uint8_t *hi, size_t len,
			     size_t limit, store_ident_cb cb, void *ctx,
			     struct ac_err *err);
	ac_rc (*ident_kind)(struct store *s, const char *kind,
			    store_ident_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*correlation_add)(struct store *s,
				 const struct store_correlation *c, bool alert,
				 bool *inserted, struct ac_err *err);
	ac_rc (*correlation_list)(struct store *s, const char *object_id,
				  store_correlation_cb cb, void *ctx,
				  struct ac_err *err);
	ac_rc (*alert_list)(struct store *s, int64_t since_us, bool all,
			    size_t limit, store_alert_cb cb, void *ctx,
			    struct ac_err *err);
	ac_rc (*alert_ack)(struct store *s, int64_t id, const char *by,
			   int64_t now_us, struct ac_err *err);
	ac_rc (*common_bump)(struct store *s, const char *kind,
			     const char *value, bool *listed,
			     struct ac_err *err);
	ac_rc (*common_add)(struct store *s, const char *kind,
			    const char *value, uint64_t count, int64_t now_us,
			    struct ac_err *err);
	ac_rc (*common_list)(struct store *s, store_common_cb cb, void *ctx,
			     struct ac_err *err);
	ac_rc (*forget)(struct store *s, const char *object_id,
			struct ac_err *err);
	ac_rc (*forget_source)(struct store *s, const char *object_id,
			       const char *source, uint64_t *removed,
			       struct ac_err *err);
};

/* All functions below fail with AC_ERR_USAGE when the backend (or a
 * wrapper such as the audit store) keeps no index. */

/* Records an identifier, once per (kind, value, object_id, source):
 * *inserted is false when that row already existed. */
ac_rc store_ident_add(struct store *s, const struct store_ident *id,
		      int64_t now_us, bool *inserted, struct ac_err *err);
/* Calls cb for up to limit rows holding (kind, value) (in key order). */
ac_rc store_ident_match(struct store *s, const char *kind, const char *value,
			size_t limit, store_ident_cb cb, void *ctx,
			struct ac_err *err);
/* Calls cb for up to limit rows of kind whose ord (len bytes) lies in
 * [lo, hi]: the addresses and blocks inside a block. */
ac_rc store_ident_range(struct store *s, const char *kind, const uint8_t *lo,
			const uint8_t *hi, size_t len, size_t limit,
			store_ident_cb cb, void *ctx, struct ac_err *err);
/* Calls cb for each distinct value of kind (object and source NULL). Meant
 * for rare kinds (IP blocks). */
ac_rc store_ident_kind(struct store *s, const char *kind, store_ident_cb cb,
		       void *ctx, struct ac_err *err);
/* Records a correlation (c->id and c->created_us are ignored; now is the
 * store's clock) and, if alert, an alert for it, once per (kind, value,
 * object_a, source_a, object_b, source_b): *inserted is false when it was
 * already there (then no alert is added either). */
ac_rc store_correlation_add(struct store *s, const struct store_correlation *c,
			    bool alert, bool *inserted, struct ac_err *err);
/* Calls cb for each correlation with object_id on either side, oldest
 * first. */
ac_rc store_correlation_list(struct store *s, const char *object_id,
			     store_correlation_cb cb, void *ctx,
			     struct ac_err *err);
/* Calls cb for alerts created after since_us (0 = all), oldest first, at
 * most limit (0 = no limit); unacknowledged ones only unless all. */
ac_rc store_alert_list(struct store *s, int64_t since_us, bool all,
		       size_t limit, store_alert_cb cb, void *ctx,
		       struct ac_err *err);
/* Acknowledges an alert (the first acknowledgement is kept).
 * AC_ERR_NOTFOUND if there is no such alert. */
ac_rc store_alert_ack(struct store *s, int64_t id, const char *by,
		      int64_t now_us, struct ac_err *err);
/* If (kind, value) is on the common-values list, counts one more
 * occurrence and sets *listed. */
ac_rc store_common_bump(struct store *s, const char *kind, const char *value,
			bool *listed, struct ac_err *err);
/* Puts (kind, value) on the common-values list with count occurrences
 * (idempotent). */
ac_rc store_common_add(struct store *s, const char *kind, const char *value,
		       uint64_t count, int64_t now_us, struct ac_err *err);
/* Calls cb for each common value, most frequent first. */
/* Removes every identifier, correlation and alert of object_id (when the
 * object is erased). Runs in the caller's transaction, if one is open. */
ac_rc store_index_forget(struct store *s, const char *object_id,
			 struct ac_err *err);
/* Removes what source contributed to the index about object_id (its
 * identifier rows; correlations and alerts naming that object and source)
 * and says how many identifier rows went. For a copy that was not stored
 * because this node holds the object from another source. */
ac_rc store_index_forget_source(struct store *s, const char *object_id,
				const char *source, uint64_t *removed,
				struct ac_err *err);
ac_rc store_common_list(struct store *s, store_common_cb cb, void *ctx,
			struct ac_err *err);

/* ---------------------------------------------------------------------
 * Federation: partner links and pull state (schema version 7,
 * sqlite_sync.c). SQLite stores only: s must be the store node_open
 * returned, not a wrapper. Times are microseconds since the epoch.
 * --------------------------------------------------------------------- */

#define STORE_URL_MAX 512
#define STORE_PIN_MAX 64       /* base64 SHA-256 (44 chars) */
#define STORE_WATERMARK_MAX 40 /* an RFC 3339 timestamp */
#define STORE_SYNC_ERROR_MAX 400

/* How this node reaches a partner node: from the partner's card. */
struct store_partner_link {
	char name[STORE_NAME_MAX + 1];
	char url[STORE_URL_MAX + 1]; /* the partner's TAXII API root */
	char pin[STORE_PIN_MAX + 1]; /* base64 SHA-256 of its TLS SPKI */
	unsigned char sign_pk[32];   /* its Ed25519 public key */
	int64_t created_us;
	uint32_t pull_interval_s; /* accord serve; 0 = off (schema 9) */
	uint32_t push_interval_s; /* accord serve; 0 = off (schema 9) */
};

#define STORE_PULL_INTERVAL_DEFAULT 60 /* a new link's intervals, seconds */
#define STORE_PUSH_INTERVAL_DEFAULT 10

/* How far pushing to one partner got (schema version 9). */
struct store_push_state {
	char partner[STORE_NAME_MAX + 1];
	int64_t watermark_us; /* date_added of the last row pushed; 0 = start */
	int64_t last_attempt_us;
	int64_t last_success_us;
	char last_error[STORE_SYNC_ERROR_MAX + 1]; /* "" = none */
	uint64_t sent;	 /* objects the partner accepted, in total */
	uint64_t failed; /* objects it refused (permanent), in total */
};
typedef int (*store_push_cb)(const struct store_push_state *st, void *ctx);

/* Where pulling from one partner collection got. collection "" is the
 * partner-wide record (outcome of the last pull as a whole). */
struct store_sync_state {
	char partner[STORE_NAME_MAX + 1];
	char collection[STORE_NAME_MAX + 1];
	char watermark[STORE_WATERMARK_MAX + 1]; /* added_after; "" = start */
	int64_t last_attempt_us;
	int64_t last_success_us;
	char last_error[STORE_SYNC_ERROR_MAX + 1]; /* "" = none */
	uint64_t received;	/* objects received in total */
};
typedef int (*store_sync_cb)(const struct store_sync_state *st, void *ctx);

/* Creates or replaces the link of partner l->name (a new link gets the
 * default intervals; a replaced one keeps its intervals). AC_ERR_NOTFOUND
 * if there is no such partner. */
ac_rc store_partner_link_put(struct store *s,
			     const struct store_partner_link *l,
			     struct ac_err *err);
/* Reads one link. AC_ERR_NOTFOUND if the partner has none. */
ac_rc store_partner_link_get(struct store *s, const char *name,
			     struct store_partner_link *out,
			     struct ac_err *err);
/* Reads one state record; AC_ERR_NOTFOUND (out zeroed, names filled in)
 * if there is none yet. */
ac_rc store_sync_get(struct store *s, const char *partner,
		     const char *collection, struct store_sync_state *out,
		     struct ac_err *err);
/* Creates or replaces one state record. */
ac_rc store_sync_put(struct store *s, const struct store_sync_state *st,
		     struct ac_err *err);
/* Calls cb for each record (of partner, or all when NULL) in (partner,
 * collection) order; a non-zero return stops. */
ac_rc store_sync_list(struct store *s, const char *partner, store_sync_cb cb,
		      void *ctx, struct ac_err *err);
/* Sets the serve-loop intervals (seconds, 0 = off) of partner's link.
 * AC_ERR_NOTFOUND if the partner has no link. */
ac_rc store_partner_link_intervals(struct store *s, const char *partner,
				   uint32_t pull_s, uint32_t push_s,
				   struct ac_err *err);
/* Reads the push state of partner; AC_ERR_NOTFOUND (out zeroed, name
 * filled in) if it never pushed. */
ac_rc store_push_get(struct store *s, const char *partner,
		     struct store_push_state *out, struct ac_err *err);
/* Creates or replaces the push state of st->partner. */
ac_rc store_push_put(struct store *s, const struct store_push_state *st,
		     struct ac_err *err);
/* Calls cb for each push state (of partner, or all when NULL) in name
 * order; a non-zero return stops. */
ac_rc store_push_list(struct store *s, const char *partner, store_push_cb cb,
		      void *ctx, struct ac_err *err);
/* The date_added (us) of the newest stored row, 0 for an empty store: a
 * cheap "did anything change since" check. */
ac_rc store_last_added(struct store *s, int64_t *out, struct ac_err *err);

/* ---------------------------------------------------------------------
 * Erasure propagation (schema version 10, sqlite_erasure.c): disclosure
 * records, erasure records and the outbox of erasure notices and
 * confirmations owed to partners. SQLite stores only, like the federation
 * records above. Text longer than a field is AC_ERR_LIMIT; each function
 * runs in the caller's transaction when one is open. Times are
 * microseconds since the epoch; 0 means "not yet".
 * --------------------------------------------------------------------- */

#define STORE_OBJECT_ID_MAX 300	 /* a STIX id: type (<= 250) + "--" + UUID */
#define STORE_REASON_MAX 1024	 /* the reason given for an erasure */
#define STORE_ACTOR_MAX 128	 /* who asked for an erasure */
#define STORE_DISCLOSE_BATCH_MAX 100000 /* ids per store_disclosure_add */
#define STORE_OUTBOX_VERSIONS_MAX 64	/* versions one notice can name */
#define STORE_VERSION_MAX 64		/* a version timestamp, with a space */
/* Disclosures logged before they are merged into the keyed records. */
#define STORE_DISCLOSE_LOG_MAX 50000

/* That partner was handed object_id, first and last at these times. */
struct store_disclosure {
	char object_id[STORE_OBJECT_ID_MAX + 1];
	char partner[STORE_NAME_MAX + 1];
	int64_t first_us;
	int64_t last_us;
};
typedef int (*store_disclosure_cb)(const struct store_disclosure *d,
				   void *ctx);

/* One erasure this node carried out. */
struct store_erasure {
	int64_t id; /* set by the store */
	char object_id[STORE_OBJECT_ID_MAX + 1];
	char notice_id[STORE_OBJECT_ID_MAX + 1]; /* the notice it sends */
	char reason[STORE_REASON_MAX + 1];
	char origin[STORE_IDENTITY_ID_MAX + 1]; /* the originating node */
	char actor[STORE_ACTOR_MAX + 1];	/* OS user or partner name */
	char from_partner[STORE_NAME_MAX + 1];	/* notice sender, "" = local */
	uint64_t versions;			/* versions removed */
	int64_t created_us;
};
typedef int (*store_erasure_cb)(const struct store_erasure *e, void *ctx);

enum store_outbox_kind {
	STORE_OUTBOX_NOTICE = 0,       /* an erasure notice to a partner */
	STORE_OUTBOX_CONFIRMATION = 1, /* a confirmation of its notice */
};

/* A message owed to a partner and its delivery state. The message object
 * is built (and signed) from these fields when it is sent. */
struct store_outbox {
	int64_t id; /* set by the store */
	enum store_outbox_kind kind;
	char partner[STORE_NAME_MAX + 1];
	char stix_id[STORE_OBJECT_ID_MAX + 1];	 /* the message's own id */
	char object_id[STORE_OBJECT_ID_MAX + 1]; /* the erased object */
	char reason[STORE_REASON_MAX + 1];	 /* notices */
	char origin[STORE_IDENTITY_ID_MAX + 1];	 /* notices */
	char notice_ref[STORE_OBJECT_ID_MAX + 1]; /* confirmations */
	int64_t created_us;
	int64_t sent_us;      /* accepted by the partner */
	uint32_t attempts;
	char last_error[STORE_SYNC_ERROR_MAX + 1]; /* "" = none */
	int64_t confirmed_us; /* notices: the partner confirmed */
	int64_t last_attempt_us; /* 0 = never tried (schema 13) */
	/* notices: the versions erased, space-separated timestamps; "" =
	 * every version (schema 15) */
	char versions[STORE_OUTBOX_VERSIONS_MAX * STORE_VERSION_MAX + 1];
};
typedef int (*store_outbox_cb)(const struct store_outbox *o, void *ctx);

/* A message that failed is tried again after 10 s, then after twice as
 * long each time, at most STORE_OUTBOX_RETRY_MAX_US apart. */
#define STORE_OUTBOX_RETRY_FIRST_US 10000000LL
#define STORE_OUTBOX_RETRY_MAX_US 3600000000LL

/* Records that partner was handed ids[0..n) at now_us: new pairs get
 * first_us = last_us = now_us, known ones a later last_us. Duplicates in
 * ids are fine. Appends to a log, and merges it into the keyed records
 * (in the same transaction) once it holds STORE_DISCLOSE_LOG_MAX rows. n <= STORE_DISCLOSE_BATCH_MAX (else AC_ERR_LIMIT); one
 * transaction unless one is open. */
ac_rc store_disclosure_add(struct store *s, const char *partner,
			   const char *const *ids, size_t n, int64_t now_us,
			   struct ac_err *err);
/* Calls cb for each partner object_id was disclosed to, in partner
 * order. */
ac_rc store_disclosure_list(struct store *s, const char *object_id,
			    store_disclosure_cb cb, void *ctx,
			    struct ac_err *err);
/* Adds an erasure record; *id (may be NULL) gets its row id.
 * AC_ERR_EXISTS if its notice id is taken. */
ac_rc store_erasure_add(struct store *s, const struct store_erasure *e,
			int64_t *id, struct ac_err *err);
/* Calls cb for each erasure (of object_id, or all when NULL), oldest
 * first. */
ac_rc store_erasure_list(struct store *s, const char *object_id,
			 store_erasure_cb cb, void *ctx, struct ac_err *err);
/* Whether this node has erased object_id (an erasures row names it). */
ac_rc store_erased(struct store *s, const char *object_id, bool *yes,
		   struct ac_err *err);
/* Whether this node has erased anything at all (one probe). */
ac_rc store_erased_any(struct store *s, bool *yes, struct ac_err *err);
/* Queues a message; *added (may be NULL) is false when the same message
 * (stix_id, partner) was already queued, which is not an error. */
ac_rc store_outbox_add(struct store *s, const struct store_outbox *o,
		       bool *added, struct ac_err *err);
/* Calls cb for the messages about object_id (NULL = any) to partner
 * (NULL = any), only those not yet sent if pending_only, in (partner, id)
 * order, at most limit (0 = no limit). */
ac_rc store_outbox_list(struct store *s, const char *object_id,
			const char *partner, bool pending_only, size_t limit,
			store_outbox_cb cb, void *ctx, struct ac_err *err);
/* Like store_outbox_list(s, NULL, partner, true, limit, ...), but only the
 * messages due at now_us: never tried, or tried last long enough ago
 * (STORE_OUTBOX_RETRY_FIRST_US doubling with each failed attempt). */
ac_rc store_outbox_due(struct store *s, const char *partner, int64_t now_us,
		       size_t limit, store_outbox_cb cb, void *ctx,
		       struct ac_err *err);
/* Records one delivery attempt of message id at now_us: one more attempt,
 * and sent_us = now_us with the error cleared when error is NULL, else
 * last_error = error (cut to fit). AC_ERR_NOTFOUND for an unknown id. */
ac_rc store_outbox_attempt(struct store *s, int64_t id, int64_t now_us,
			   const char *error, struct ac_err *err);
/* Marks the notice notice_id sent to partner confirmed at now_us (the
 * first confirmation is kept). *found is false when no such notice went
 * to that partner. */
ac_rc store_outbox_confirm(struct store *s, const char *notice_id,
			   const char *partner, int64_t now_us, bool *found,
			   struct ac_err *err);

/* ---------------------------------------------------------------------
 * Person names (schema version 6): the names of each person object, kept
 * so that the in-memory name index (src/names) can be rebuilt in any
 * process. Rows get increasing ids that are never reused; the store also
 * counts the deletions and has a random id of its own, so a reader can
 * tell whether the rows it has already seen are still all there.
 * --------------------------------------------------------------------- */

#define STORE_PERSON_NAMES_MAX 64 /* names per object */

struct store_person_name {
	int64_t id;
	const char *object_id;
	const char *source;
	const char *name;
	int64_t created_us;
};

typedef int (*store_person_name_cb)(const struct store_person_name *n,
				    void *ctx);

/* Where the names table stands. */
struct store_names_state {
	int64_t max_id;	    /* highest row id ever seen, 0 = none */
	int64_t deletions;  /* rows deleted so far */
	char store_uid[33]; /* random, fixed when the table was created */
};

struct store_names_ops {
	ac_rc (*replace)(struct store *s, const char *object_id,
			 const char *source, const char *const *names,
			 size_t n, int64_t now_us, struct ac_err *err);
	ac_rc (*add)(struct store *s, const char *object_id,
		     const char *source, const char *const *names, size_t n,
		     int64_t now_us, struct ac_err *err);
	ac_rc (*scan)(struct store *s, int64_t after_id,
		      store_person_name_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*get)(struct store *s, const char *object_id,
		     store_person_name_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*state)(struct store *s, struct store_names_state *out,
		       struct ac_err *err);
	ac_rc (*other_after)(struct store *s, int64_t after_id,
			     const char *source, bool *other,
			     int64_t *last_id, struct ac_err *err);
};

/* All fail with AC_ERR_USAGE when the store keeps no names (for example
 * the audit wrapper: write through the store it wraps). */

/* True when s keeps person names. */
bool store_names_supported(const struct store *s);
/* Replaces the names of object_id (from every source) with names[0..n)
 * of source (n <= STORE_PERSON_NAMES_MAX, else AC_ERR_LIMIT; n = 0 just
 * deletes). Runs in the caller's transaction if one is open. */
ac_rc store_names_replace(struct store *s, const char *object_id,
			  const char *source, const char *const *names,
			  size_t n, int64_t now_us, struct ac_err *err);
/* As store_names_replace for an object that has no names stored yet
 * (ingest: the first version of its id, store_other_versions): adds them
 * without looking for old ones to delete. */
ac_rc store_names_add(struct store *s, const char *object_id,
		      const char *source, const char *const *names, size_t n,
		      int64_t now_us, struct ac_err *err);
/* Calls cb for each row with id > after_id, in id order. */
ac_rc store_names_scan(struct store *s, int64_t after_id,
		       store_person_name_cb cb, void *ctx, struct ac_err *err);
/* Calls cb for each name row of object_id, in id order. */
ac_rc store_names_get(struct store *s, const char *object_id,
		      store_person_name_cb cb, void *ctx, struct ac_err *err);
/* Reads the table's state. */
ac_rc store_names_state(struct store *s, struct store_names_state *out,
			struct ac_err *err);
/* Whether a row with id > after_id has a source other than `source`, and
 * the highest id of those rows (after_id when there are none): one
 * statement instead of a scan. */
ac_rc store_names_other_after(struct store *s, int64_t after_id,
			      const char *source, bool *other,
			      int64_t *last_id, struct ac_err *err);

#endif
