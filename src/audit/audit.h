/* The tamper-evident audit trail. See docs/internals/audit.md.
 *
 * The log is its own SQLite file (NODE/audit.db, WAL, synchronous=FULL),
 * created on first open. Each entry has a gap-free sequence number and is
 * chained: hash = BLAKE2b-256(prev_hash || RFC 8785 canonical JSON of the
 * entry without its hash). Every `checkpoint_entries` entries and every
 * `checkpoint_us` the node signs (Ed25519) the (seq, hash, time) of the
 * tail; these signed records live in a table of their own.
 *
 * Threads: a struct audit (one SQLite connection) belongs to one thread at a
 * time; give each thread its own audit_open. Several processes may append to
 * one file at once: the tail is read inside BEGIN IMMEDIATE, so the chain
 * stays linear.
 *
 * Durability: audit_append/audit_append_batch return AC_OK only once the
 * entries are committed with synchronous=FULL. Callers write the audit entry
 * before they acknowledge (or, for writes, before they commit the data), so
 * an acknowledged request always has its entry. */
#ifndef AC_AUDIT_H
#define AC_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sodium.h>
#include "base/rc.h"
#include "store/store.h"

#define AUDIT_FILE "audit.db"
#define AUDIT_HASH_LEN 32
#define AUDIT_PK_LEN crypto_sign_PUBLICKEYBYTES
#define AUDIT_IDS_MAX 10000	/* object ids kept per entry; the count is kept too */
#define AUDIT_TEXT_MAX 4096	/* query text, bytes (longer is cut, marked "...") */
#define AUDIT_FIELD_MAX 1024	/* actor, purpose, case, detail, channel */
#define AUDIT_BATCH_MAX 100000	/* entries in one audit_append_batch */
#define AUDIT_FINDINGS_MAX 16
#define AUDIT_CHECKPOINT_ENTRIES_DEFAULT 1000
#define AUDIT_CHECKPOINT_SECONDS_DEFAULT 60

enum audit_actor_kind {
	AUDIT_ACTOR_USER,    /* an authenticated API user */
	AUDIT_ACTOR_PARTNER, /* a partner node */
	AUDIT_ACTOR_SYSTEM,  /* the node itself (sync, retention, startup) */
	AUDIT_ACTOR_CLI,     /* the command-line tool, named by the OS user */
	AUDIT_ACTOR_COUNT
};

enum audit_action {
	AUDIT_INGEST,	    /* objects created or updated locally */
	AUDIT_CONSULT,	    /* objects read (get, search, TAXII page, export) */
	AUDIT_DISCLOSE,	    /* objects handed to a partner */
	AUDIT_RECEIVE,	    /* objects received from a partner */
	AUDIT_ERASE,	    /* objects erased on request */
	AUDIT_PURGE,	    /* objects removed by retention */
	AUDIT_LOGIN_OK,
	AUDIT_LOGIN_FAIL,
	AUDIT_TOKEN_CREATE,
	AUDIT_TOKEN_REVOKE,
	AUDIT_ADMIN_CHANGE, /* users, collections, partners, agreements, config */
	AUDIT_PRUNE,	    /* old audit entries removed */
	AUDIT_ACTION_COUNT
};

enum audit_outcome { AUDIT_OK, AUDIT_DENIED, AUDIT_ERROR, AUDIT_OUTCOME_COUNT };

/* One operation. Strings are borrowed for the call; NULL means "". Strings
 * longer than their cap are cut (query at AUDIT_TEXT_MAX, the others at
 * AUDIT_FIELD_MAX) and end in "..."; ids past AUDIT_IDS_MAX are dropped but
 * counted in object_count. */
struct audit_entry {
	int64_t time_us; /* 0 = now */
	enum audit_actor_kind actor_kind;
	const char *actor;
	enum audit_action action;
	const char *const *object_ids;
	size_t nobject_ids;
	uint64_t object_count; /* 0 = nobject_ids; else the full count */
	const char *channel;   /* cli, taxii-page, taxii-get, search, export... */
	const char *purpose;
	const char *case_ref;
	const char *query;     /* a search's text, or the filters of a read */
	enum audit_outcome outcome;
	const char *detail;
};

struct audit_opts {
	uint64_t checkpoint_entries; /* 0 = default (1000) */
	int64_t checkpoint_us;	     /* 0 = default (60 s) */
};

struct audit;

const char *audit_action_name(enum audit_action a);
const char *audit_actor_kind_name(enum audit_actor_kind k);
const char *audit_outcome_name(enum audit_outcome o);
/* Name → enum; false if unknown. */
bool audit_action_parse(const char *s, enum audit_action *out);

/* Opens (creating it and its tables if missing) the audit log at path.
 * keys may be NULL: then nothing is signed (appends still chain, no
 * checkpoints are written); the secret key is copied and wiped on close.
 * Free with audit_close. */
ac_rc audit_open(const char *path, const struct audit_opts *opts,
		 const unsigned char *sign_sk, struct audit **out,
		 struct ac_err *err);
/* Opens DIR/audit.db with the node's key (keys/node.key) and its [audit]
 * settings. If the secret key cannot be read (another OS user), the log
 * opens unsigned and *signed_out (may be NULL) is false. */
ac_rc audit_open_node(const char *dir, uint64_t checkpoint_entries,
		      int64_t checkpoint_us, struct audit **out,
		      bool *signed_out, struct ac_err *err);
void audit_close(struct audit *a);

/* Appends n entries (1..AUDIT_BATCH_MAX) in one transaction: all or none.
 * Signs a checkpoint in the same transaction when one is due. The seq of
 * the last entry goes to *last_seq (may be NULL). */
ac_rc audit_append_batch(struct audit *a, const struct audit_entry *e,
			 size_t n, uint64_t *last_seq, struct ac_err *err);
ac_rc audit_append(struct audit *a, const struct audit_entry *e,
		   struct ac_err *err);

/* Signs a checkpoint of the tail if `checkpoint_us` has passed since the
 * last one and entries were added since (call from a timer). */
ac_rc audit_checkpoint_if_due(struct audit *a, struct ac_err *err);
/* Signs a checkpoint of the tail now (unless the tail is already signed). */
ac_rc audit_checkpoint(struct audit *a, struct ac_err *err);

/* ---- verification ---- */

enum audit_finding_kind {
	AUDIT_FOUND_EDITED,	/* content no longer matches its hash */
	AUDIT_FOUND_DELETED,	/* a sequence number is missing */
	AUDIT_FOUND_INSERTED,	/* an entry that was never in the chain */
	AUDIT_FOUND_REORDERED,	/* entries moved to other positions */
	AUDIT_FOUND_TRUNCATED,	/* a signed record names a seq that is gone */
	AUDIT_FOUND_SIGNATURE,	/* a checkpoint/prune signature is bad */
	AUDIT_FOUND_REWRITTEN,	/* a signed hash differs from the entry's */
	AUDIT_FOUND_MALFORMED,	/* an export line is not a valid record */
};

struct audit_finding {
	enum audit_finding_kind kind;
	uint64_t seq;  /* first bad sequence number (0 if none applies) */
	uint64_t line; /* export line (0 for the database) */
	char msg[320];
};

struct audit_report {
	uint64_t entries;
	uint64_t first_seq, last_seq;
	uint64_t checkpoints;	/* signed records checked */
	uint64_t signed_seq;	/* highest seq covered by a good signature */
	uint64_t unsigned_tail; /* entries after signed_seq: chained, unsigned */
	size_t nfindings;
	struct audit_finding findings[AUDIT_FINDINGS_MAX];
};

const char *audit_finding_name(enum audit_finding_kind k);

/* Checks the whole chain and every signed record against pk. Returns AC_OK
 * when the check ran (tampering shows as rep->nfindings > 0); other codes
 * for I/O or database errors. */
ac_rc audit_verify(struct audit *a, const unsigned char pk[AUDIT_PK_LEN],
		   struct audit_report *rep, struct ac_err *err);

/* Checks an export (JSON Lines) with no node: each line is the canonical
 * form of its record, each entry's hash, continuity, and the signatures of
 * the included checkpoints. Findings name the line. */
ac_rc audit_verify_file(FILE *f, const unsigned char pk[AUDIT_PK_LEN],
			struct audit_report *rep, struct ac_err *err);

/* ---- reading, export, pruning ---- */

struct audit_filter {
	const char *object_id; /* entries naming this object */
	const char *actor;     /* exact actor name */
	bool has_action;
	enum audit_action action;
	int64_t since_us; /* 0 = no bound; time >= since */
	int64_t until_us; /* 0 = no bound; time < until */
	size_t limit;	  /* 0 = no limit */
};

/* Receives each entry as its JSON object (with "hash"), borrowed for the
 * call. Non-zero stops the iteration. */
typedef int (*audit_entry_cb)(const json_t *entry, void *ctx);

/* Calls cb for matching entries, oldest first (newest `limit` if set). */
ac_rc audit_show(struct audit *a, const struct audit_filter *f,
		 audit_entry_cb cb, void *ctx, struct ac_err *err);

/* Writes entries with time in [from_us, to_us) (0 = open) as JSON Lines,
 * running on to the next checkpoint so every entry is under a signature,
 * with the signed records between them (and the prune record if the export
 * starts at the pruned point). *n_out gets the entry count. */
ac_rc audit_export(struct audit *a, int64_t from_us, int64_t to_us, FILE *out,
		   uint64_t *n_out, struct ac_err *err);

/* Removes entries older than before_us (a prefix of the chain) after
 * verifying the log with pk, leaving a signed prune record (seq and hash of
 * the last removed entry), then appends a prune entry for actor. Needs the
 * secret key. AC_ERR_INVALID if the log does not verify. */
ac_rc audit_prune(struct audit *a, const unsigned char pk[AUDIT_PK_LEN],
		  int64_t before_us, const struct audit_entry *who,
		  uint64_t *removed, struct ac_err *err);

/* ---- keys ---- */

/* Reads the Ed25519 public key from a node.pub file. */
ac_rc audit_public_key_load(const char *pub_path,
			    unsigned char pk[AUDIT_PK_LEN], struct ac_err *err);
/* Decodes base64 (as `accord audit key` prints); a readable file path is
 * also accepted (a node.pub). */
ac_rc audit_public_key_parse(const char *s, unsigned char pk[AUDIT_PK_LEN],
			     struct ac_err *err);

/* ---- helpers for request handlers ---- */

/* A capped list of object ids collected while serving a request. Owns
 * copies of the ids. */
struct audit_ids {
	char **ids;
	size_t n, cap;
	uint64_t count; /* every id added, kept or not */
};

void audit_ids_init(struct audit_ids *l);
/* Adds a copy of id (kept while fewer than AUDIT_IDS_MAX). */
ac_rc audit_ids_add(struct audit_ids *l, const char *id);
void audit_ids_reset(struct audit_ids *l);
void audit_ids_release(struct audit_ids *l);

/* Wraps a store so that every commit first appends ingest entries (one per
 * AUDIT_IDS_MAX new object ids, all in one audit transaction) built from
 * tmpl, then commits the data: a committed object always has its entry.
 * Only begin/commit/rollback/put/query/search/stats are forwarded; inner
 * and a stay owned by the caller and must outlive the wrapper, which
 * store_close frees. */
ac_rc audit_store_wrap(struct store *inner, struct audit *a,
		       const struct audit_entry *tmpl, struct store **out,
		       struct ac_err *err);

/* ---- group commit (one writer thread per process) ---- */

/* A writer thread that owns one struct audit and appends the batches that
 * other threads hand it. All batches waiting when it wakes go into one
 * transaction (one fsync); each submitter returns once the transaction
 * holding its batch has committed, so durability is that of
 * audit_append_batch. The thread also calls audit_checkpoint_if_due every
 * tick. */
struct audit_writer;

#define AUDIT_WRITER_TICK_US_DEFAULT (10LL * 1000000)

/* Starts the writer on a (which only the writer thread uses from now on,
 * until audit_writer_stop; the caller still closes it afterwards).
 * tick_us: the checkpoint timer, 0 = 10 s. AC_ERR_NOMEM, AC_ERR_IO if the
 * thread cannot start. */
ac_rc audit_writer_start(struct audit *a, int64_t tick_us,
			 struct audit_writer **out, struct ac_err *err);

/* Appends n entries (1..AUDIT_BATCH_MAX) as one all-or-nothing batch and
 * waits until they are committed. The entries (and their strings) are
 * borrowed until it returns. Thread-safe. AC_ERR_INVALID after stop began;
 * otherwise audit_append_batch's errors for this batch alone. */
ac_rc audit_writer_append(struct audit_writer *w, const struct audit_entry *e,
			  size_t n, struct ac_err *err);

/* Commits what is queued, signs a final checkpoint of the tail (when the
 * log has the key and entries are not yet signed), ends the thread and
 * frees w. NULL is a no-op. The checkpoint's error, if any, goes to err. */
ac_rc audit_writer_stop(struct audit_writer *w, struct ac_err *err);

/* audit_store_wrap with the entries appended through a writer (for
 * threads that share one). */
ac_rc audit_store_wrap_writer(struct store *inner, struct audit_writer *w,
			      const struct audit_entry *tmpl,
			      struct store **out, struct ac_err *err);

#endif
