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
#include "base/rc.h"

#define STORE_HASH_LEN 32

struct store;

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

struct store_ops {
	void (*close)(struct store *s);
	ac_rc (*begin)(struct store *s, struct ac_err *err);
	ac_rc (*commit)(struct store *s, struct ac_err *err);
	ac_rc (*rollback)(struct store *s, struct ac_err *err);
	ac_rc (*put)(struct store *s, const struct store_obj *o,
		     enum store_put_result *res, struct ac_err *err);
	ac_rc (*query)(struct store *s, const struct store_query *q,
		       store_row_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*search)(struct store *s, const char *text, size_t limit,
			store_row_cb cb, void *ctx, struct ac_err *err);
	ac_rc (*stats)(struct store *s, store_stats_cb cb, void *ctx,
		       struct ac_err *err);
};

struct store {
	const struct store_ops *ops;
};

/* Opens (creating if `create`) the store at path and migrates its schema to
 * the current version. On success *out must be closed with store_close. */
ac_rc store_open(const char *path, bool create, struct store **out,
		 struct ac_err *err);
void store_close(struct store *s);

/* Transactions: writes between begin and commit are atomic and durable once
 * commit returns AC_OK. put outside a transaction commits by itself. A
 * database error inside a transaction rolls it all back at once; later puts
 * and commit then fail until store_rollback. Closing without commit rolls
 * back. */
ac_rc store_begin(struct store *s, struct ac_err *err);
ac_rc store_commit(struct store *s, struct ac_err *err);
ac_rc store_rollback(struct store *s, struct ac_err *err);

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

/* Full-text search over the newest version of each object: matching rows,
 * best first, at most limit (0 = no limit). `text` is plain words from a
 * user, all of which must match; it is never interpreted as query syntax.
 * Blank text is AC_ERR_USAGE. */
ac_rc store_search(struct store *s, const char *text, size_t limit,
		   store_row_cb cb, void *ctx, struct ac_err *err);

/* Per-type counts, ordered by type name. */
ac_rc store_stats(struct store *s, store_stats_cb cb, void *ctx,
		  struct ac_err *err);

#endif
