/* Private to ingest: the threaded first stage of ingest_stream. One thread
 * (the calling thread, or a feeder: ingest_pipe_feeder) queues raw object
 * bytes in batches; worker threads parse, validate, canonicalise, hash and
 * extract search text; the calling thread takes the finished batches back
 * strictly in input order and does the store writes.
 * At most PIPE_INFLIGHT batches (and about 32 MiB of input) are queued or
 * in work, so memory stays bounded whatever the input size. */
#ifndef AC_INGEST_PIPELINE_H
#define AC_INGEST_PIPELINE_H

#include <jansson.h>
#include <stdbool.h>
#include "base/buf.h"
#include "ingest/ingest.h"
#include "index/ident.h"
#include "ingest/stream.h"
#include "policy/markings.h"
#include "stix/json.h"
#include "store/store.h"

#define PIPE_BATCH_OBJECTS 256
#define INGEST_TEXT_MAX (64u << 10) /* search words kept per object */
#define INGEST_META_MAX (64u << 10) /* a larger markings summary is not kept */
#define PIPE_NO_STR ((size_t)-1)

/* One object of a batch. Strings are offsets into the batch's `out`
 * (PIPE_NO_STR when absent), because `out` may move while it grows. */
struct pipe_item {
	struct stream_pos pos;
	size_t raw_off, raw_len; /* input bytes in the batch's `raw` */
	ac_rc rc;		 /* AC_OK: ready to store; else rejected */
	bool fatal;		 /* rc is a resource failure, not a rejection */
	bool revoked;
	size_t warnings;
	size_t id, type, version, spec_version, why, text;
	size_t json, json_len;
	size_t meta, meta_len;	/* policy_markings_summary in `out` */
	bool names_known;	/* an identity: its person names follow */
	size_t names, nnames;	/* NUL-separated strings in `out` */
	size_t idents, nidents; /* struct ident records (unaligned) in `out` */
	uint8_t hash[STORE_HASH_LEN];
};

struct pipe_batch {
	size_t n;
	struct pipe_item items[PIPE_BATCH_OBJECTS];
	struct ac_buf raw;
	struct ac_buf out;
	bool done;
	struct pipe_batch *next;
};

struct ingest_pipe;

/* What ingest_prepare does besides validating: marking defaults (NULL =
 * none), provenance (NULL = neither signing nor checks; the pointee must
 * outlive the pipeline) and whether the source is a partner. */
struct ingest_prep {
	const struct policy_defaults *markings;
	const struct ingest_provenance *provenance;
	bool partner;
};

/* Starts the workers. With ictx (copied) they also extract each object's
 * identifiers; prep (copied; its markings too) says what else they do.
 * *out must be stopped with ingest_pipe_stop. */
ac_rc ingest_pipe_start(const struct stix_limits *lim,
			const struct ident_ctx *ictx,
			const struct ingest_prep *prep,
			struct ingest_pipe **out, struct ac_err *err);

/* Queues one object's bytes, or (bad != NULL) a line the splitter refused,
 * which comes back as a rejection in its place. Fails on memory, and with
 * a feeder once the input was cancelled (AC_ERR_USAGE). */
ac_rc ingest_pipe_add(struct ingest_pipe *p, const char *data, size_t len,
		      const struct stream_pos *pos, const struct ac_err *bad,
		      struct ac_err *err);

/* With on, another thread (the feeder) adds the objects while this one
 * takes the batches back with ingest_pipe_take: ingest_pipe_add then waits
 * for room instead of relying on the caller. Set it before the feeder
 * starts. */
void ingest_pipe_feeder(struct ingest_pipe *p, bool on);
/* The feeder's last call: hands over its partly filled batch and tells
 * ingest_pipe_take that nothing more comes. */
void ingest_pipe_end_input(struct ingest_pipe *p);
/* From the taking thread: the feeder's waiting and later adds fail with
 * AC_ERR_USAGE, so that it stops; it must still call
 * ingest_pipe_end_input. */
void ingest_pipe_cancel_input(struct ingest_pipe *p);
/* With a feeder: the oldest batch, waiting until it is finished; NULL once
 * the input ended and every batch was taken. */
struct pipe_batch *ingest_pipe_take(struct ingest_pipe *p);
/* ingest_pipe_take that waits no later than deadline_ns (ac_mono_ns; 0 =
 * no deadline): NULL with *late set (late may be NULL) when the deadline
 * came first, so the caller can commit while the input pauses. */
struct pipe_batch *ingest_pipe_take_by(struct ingest_pipe *p,
				       int64_t deadline_ns, bool *late);
/* The feeder's input paused: its partly filled batch goes to the workers
 * now rather than when full. AC_ERR_USAGE once the input was cancelled
 * (so a feeder stops before waiting on a paused input). */
ac_rc ingest_pipe_hand_over(struct ingest_pipe *p);

/* The oldest batch if it is finished, waiting for it when the queue is full
 * or `flush` is set (flush first hands over a partly filled batch). NULL when
 * there is nothing to take. Give it back with ingest_pipe_done. */
struct pipe_batch *ingest_pipe_next(struct ingest_pipe *p, bool flush);
void ingest_pipe_done(struct ingest_pipe *p, struct pipe_batch *b);

/* A string of a finished batch, or NULL for PIPE_NO_STR. */
const char *pipe_str(const struct pipe_batch *b, size_t off);

/* Stops and joins the workers (unfinished work is dropped) and frees all. */
void ingest_pipe_stop(struct ingest_pipe *p);

/* The CPU part of ingest shared by both paths: checks a signature obj
 * carries, adds the marking defaults (not to a signed object), validates
 * obj, canonicalises it into canon, signs it (then canonicalises again)
 * and collects its search words into text (canon and text are reset
 * first). On rejection returns its rc with the reason in why:
 * AC_ERR_CRYPTO for provenance (unsigned from a partner, unknown signer,
 * bad signature). *warnings counts SHOULD-level findings once validation
 * passed. */
ac_rc ingest_prepare(json_t *obj, const struct ingest_prep *prep,
		     struct ac_buf *canon, struct ac_buf *text, char *why,
		     size_t why_len, size_t *warnings);

/* ingest_prepare, except that an object this node must sign is left
 * unsigned: *must_sign is set, canon holds its canonical form (for
 * fed_tree_leaf) and text is empty. The caller signs such objects together
 * (fed_sign_tree) and finishes each with ingest_prepare_signed.
 * canon_given: canon already holds obj's canonical form (the text obj was
 * parsed from, which stix_json_parse_canon found canonical); a signed
 * object, which is kept as it came, then skips canonicalisation. */
ac_rc ingest_prepare_deferred(json_t *obj, const struct ingest_prep *prep,
			      struct ac_buf *canon, bool canon_given,
			      struct ac_buf *text, bool *must_sign, char *why,
			      size_t why_len, size_t *warnings);

/* The signed object's final canonical form into canon, its words into text
 * (text must be empty). Errors as ingest_prepare's canonicalisation. */
ac_rc ingest_prepare_signed(const json_t *obj, struct ac_buf *canon,
			    struct ac_buf *text, char *why, size_t why_len);

#endif
