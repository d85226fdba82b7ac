/* Worker threads and the in-order batch queue behind ingest_stream. One
 * mutex guards the queue and the spare batches. One thread fills batches
 * (`fill` is its own) and one takes them back: the same thread, or with
 * ingest_pipe_feeder a feeding thread and the storing thread.
 *
 * Arena invariant: a worker parses each chunk of objects with its jansson
 * arena on (base/arena.h); no json_t from the arena outlives the chunk in
 * prepare_batch, and none is handed to another thread: the batch gets
 * copies of strings only. */
#include "base/common.h"
#include "ingest/pipeline.h"
#include "names/extract.h"
#include "policy/markings.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "base/arena.h"
#include "crypto/hash.h"
#include "federation/provenance.h"
#include "stix/validate.h"

#define PIPE_MAX_WORKERS 4
/* Deep enough for the workers to keep going while a commit waits for the
 * disk, capped in input bytes too so memory stays bounded. */
#define PIPE_INFLIGHT 32
#define PIPE_INFLIGHT_BYTES (32u << 20)
#define PIPE_BATCH_BYTES (1u << 20)
/* Workers run at this nice value (lower priority): with as many workers as
 * cores, the storing thread otherwise gets about two thirds of a core.
 * 100k bench_ingest: 25-30k -> 29-34k objects/s signed. */
#define PIPE_WORKER_NICE 10

struct ingest_pipe {
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* a batch was queued, or quit */
	pthread_cond_t done_cv; /* a batch was finished, or the input ended */
	pthread_cond_t space_cv; /* a batch was taken back, or cancelled */
	pthread_t workers[PIPE_MAX_WORKERS];
	size_t nworkers;
	bool quit;
	struct stix_limits lim;
	bool extract; /* identifiers too, with ictx */
	bool signs;   /* this node signs the objects it must (prep) */
	struct ident_ctx ictx;
	struct ingest_prep prep;	 /* markings point at `markings` */
	struct policy_defaults markings;
	size_t raw_max, out_max, canon_max;
	struct pipe_batch *queued_head, *queued_tail; /* queued, not yet taken */
	struct pipe_batch *ring[PIPE_INFLIGHT];	  /* handed over, input order */
	size_t ring_head, ring_count;
	size_t ring_bytes;	  /* input bytes of the batches in ring */
	struct pipe_batch *fill;  /* being filled by the filling thread */
	struct pipe_batch *spare; /* recycled */
	bool feeder;		  /* another thread fills (ingest_pipe_feeder) */
	bool input_done;	  /* the feeder queued its last batch */
	bool cancelled;		  /* the taking thread wants no more input */
};

const char *pipe_str(const struct pipe_batch *b, size_t off)
{
	return off == PIPE_NO_STR ? NULL : b->out.data + off;
}

/* Appends s with its NUL to out; *off gets its offset (PIPE_NO_STR if s is
 * NULL). */
static ac_rc add_str(struct ac_buf *out, const char *s, size_t *off)
{
	if (s == NULL) {
		*off = PIPE_NO_STR;
		return AC_OK;
	}
	*off = out->len;
	return ac_buf_add(out, s, strlen(s) + 1);
}

/* Appends the object's identifiers as raw struct ident records. */
static ac_rc keep_idents(struct pipe_batch *b, struct pipe_item *it,
			 const json_t *obj, const struct ident_ctx *ictx,
			 struct ident_set *ids)
{
	ident_extract(obj, ictx, ids);
	it->idents = b->out.len;
	it->nidents = ids->n;
	return ac_buf_add(&b->out, ids->items, ids->n * sizeof(ids->items[0]));
}

static ac_rc keep_result(struct pipe_batch *b, struct pipe_item *it,
			 const json_t *obj, const struct ac_buf *canon,
			 const struct ac_buf *text)
{
	const char *sv = stix_get_str(obj, "spec_version");
	ac_rc rc;

	it->revoked = json_is_true(json_object_get(obj, "revoked"));
	ac_hash(canon->data, canon->len, it->hash);
	rc = add_str(&b->out, stix_get_str(obj, "type"), &it->type);
	if (!rc)
		rc = add_str(&b->out, stix_version_of(obj), &it->version);
	if (!rc)
		rc = add_str(&b->out, sv ? sv : "2.1", &it->spec_version);
	if (!rc)
		rc = add_str(&b->out, text->data ? text->data : "", &it->text);
	it->json = b->out.len;
	it->json_len = canon->len;
	if (!rc)
		rc = ac_buf_add(&b->out, canon->data, canon->len + 1);
	return rc;
}

/* Appends the markings summary the store keeps with the version; scratch
 * (the canonical form's buffer, already copied) is reused for it. */
static ac_rc keep_summary(struct pipe_batch *b, struct pipe_item *it,
			  const json_t *obj, struct ac_buf *scratch)
{
	ac_rc rc = policy_markings_summary(obj, scratch);

	it->meta = PIPE_NO_STR;
	it->meta_len = 0;
	if (rc == AC_ERR_LIMIT || rc == AC_ERR_INVALID)
		return AC_OK; /* readers parse the whole object instead */
	if (rc)
		return rc;
	it->meta = b->out.len;
	it->meta_len = scratch->len;
	return ac_buf_add(&b->out, scratch->data, scratch->len + 1);
}

/* Appends an identity's person names (names_of_person), so the store
 * thread need not parse the object again for them. */
static ac_rc keep_names(struct pipe_batch *b, struct pipe_item *it,
			const json_t *obj)
{
	const char *names[NAMES_PERSON_MAX];
	size_t off;
	ac_rc rc = AC_OK;

	it->names_known = !strcmp(stix_get_str(obj, "type"), "identity");
	it->names = PIPE_NO_STR;
	it->nnames = 0;
	if (!it->names_known)
		return AC_OK;
	it->nnames = names_of_person(obj, names, AC_ARRAY_LEN(names));
	for (size_t i = 0; i < it->nnames && !rc; i++) {
		rc = add_str(&b->out, names[i], &off);
		if (i == 0)
			it->names = off;
	}
	return rc;
}

/* The results of a prepared object into the batch. */
static ac_rc keep_all(const struct ingest_pipe *p, struct pipe_batch *b,
		      struct pipe_item *it, const json_t *obj,
		      struct ac_buf *canon, const struct ac_buf *text,
		      struct ident_set *ids)
{
	ac_rc keep = keep_result(b, it, obj, canon, text);

	if (!keep)
		keep = keep_summary(b, it, obj, canon);
	if (!keep)
		keep = keep_names(b, it, obj);
	if (!keep && p->extract)
		keep = keep_idents(b, it, obj, &p->ictx, ids);
	return keep;
}

/* A result that did not fit in the batch ends the ingest. */
static void keep_failed(struct pipe_item *it, ac_rc keep)
{
	if (keep) {
		it->rc = keep;
		it->fatal = true;
	}
}

/* Objects of one chunk that this node signs together, with their
 * canonical forms before signing (clen SIZE_MAX: not kept). */
struct pending {
	json_t *objs[FED_TREE_MAX];
	unsigned char leaves[FED_TREE_MAX][FED_LEAF_LEN];
	size_t at[FED_TREE_MAX]; /* item index in the batch */
	size_t coff[FED_TREE_MAX], clen[FED_TREE_MAX];
	size_t n;
	struct ac_buf canons, entry;
	struct fed_tree tree;
};

/* Worker side for one object: everything but the store write. An object
 * this node must sign is returned instead (alive until the chunk's arena
 * ends), with its tree leaf in leaf. */
static json_t *prepare_item(const struct ingest_pipe *p, struct pipe_batch *b,
			    struct pipe_item *it, struct ac_buf *canon,
			    struct ac_buf *text, struct ident_set *ids,
			    unsigned char leaf[FED_LEAF_LEN])
{
	char why[STIX_ISSUE_LEN + 256];
	struct ac_err perr = {0};
	json_t *obj = NULL;
	bool must_sign = false, canonical = false;
	const char *raw;
	ac_rc rc, keep;

	if (it->rc != AC_OK)
		return NULL; /* a line the splitter refused; why is set */
	/* only now: a batch of refused lines alone has no raw bytes at all */
	raw = b->raw.data + it->raw_off;
	/* the splitter already held the bytes to p->lim */
	rc = stix_json_parse_canon(raw, it->raw_len, &obj, &canonical, &perr);
	if (rc) {
		it->rc = rc;
		keep = add_str(&b->out, perr.msg, &it->why);
		goto out;
	}
	/* a partner's object arrives as its originator stored it: already
	 * canonical, so it need not be canonicalised again */
	ac_buf_reset(canon);
	if (canonical && ac_buf_add(canon, raw, it->raw_len))
		canonical = false;
	rc = ingest_prepare_deferred(obj, &p->prep, canon, canonical, text,
				     &must_sign, why, sizeof(why),
				     &it->warnings);
	keep = add_str(&b->out, stix_get_str(obj, "id"), &it->id);
	if (rc) {
		it->rc = rc;
		if (!keep)
			keep = add_str(&b->out, why, &it->why);
	} else if (!keep && must_sign) {
		fed_tree_leaf(canon->data, canon->len, leaf);
		return obj;
	} else if (!keep) {
		keep = keep_all(p, b, it, obj, canon, text, ids);
	}
out:
	keep_failed(it, keep);
	json_decref(obj);
	return NULL;
}

/* Object i's final canonical form into canon and its words into text:
 * its provenance entry spliced into the canonical form it had before
 * signing (no second canonicalisation), or else attached with jansson. */
static ac_rc finish_signed(const struct ingest_pipe *p, struct pending *pd,
			   size_t i, struct ac_buf *canon, struct ac_buf *text,
			   char *why, size_t why_len)
{
	const struct ingest_provenance *prov = p->prep.provenance;
	struct ac_err err = {0};

	ac_buf_reset(&pd->entry);
	if (pd->clen[i] != SIZE_MAX &&
	    !fed_tree_entry(&pd->tree, i, prov->identity_id, &pd->entry) &&
	    fed_canonical_with_entry(pd->canons.data + pd->coff[i],
				     pd->clen[i], pd->entry.data,
				     pd->entry.len, canon)) {
		/* signing adds no words */
		if (!ingest_collect_text(pd->objs[i], text))
			return AC_OK;
		snprintf(why, why_len, "%s: cannot collect its search text",
			 stix_get_str(pd->objs[i], "id"));
		return AC_ERR_NOMEM;
	}
	if (fed_tree_attach(pd->objs[i], &pd->tree, i, prov->identity_id,
			    &err)) {
		snprintf(why, why_len, "%s: provenance: cannot sign: %s",
			 stix_get_str(pd->objs[i], "id"), err.msg);
		return err.rc == AC_ERR_NOMEM ? AC_ERR_NOMEM : AC_ERR_INVALID;
	}
	return ingest_prepare_signed(pd->objs[i], canon, text, why, why_len);
}

/* Signs the chunk's pending objects with one signature and keeps their
 * results; a signing failure rejects each of them as ingest_prepare
 * would. */
static void sign_pending(const struct ingest_pipe *p, struct pipe_batch *b,
			 struct pending *pd, struct ac_buf *canon,
			 struct ac_buf *text, struct ident_set *ids)
{
	const struct ingest_provenance *prov = p->prep.provenance;
	char why[STIX_ISSUE_LEN + 256];
	struct ac_err err = {0};
	ac_rc rc = AC_OK, keep;

	if (pd->n)
		rc = fed_tree_sign((const void *)pd->leaves, pd->n, prov->keys,
				   &pd->tree, &err);
	for (size_t i = 0; i < pd->n; i++) {
		struct pipe_item *it = &b->items[pd->at[i]];

		ac_buf_reset(text);
		if (rc) {
			it->rc = rc == AC_ERR_NOMEM ? AC_ERR_NOMEM
						    : AC_ERR_INVALID;
			snprintf(why, sizeof(why),
				 "%s: provenance: cannot sign: %s",
				 pipe_str(b, it->id), err.msg);
		} else {
			it->rc = finish_signed(p, pd, i, canon, text, why,
					       sizeof(why));
		}
		keep = it->rc ? add_str(&b->out, why, &it->why)
			      : keep_all(p, b, it, pd->objs[i], canon, text,
					 ids);
		keep_failed(it, keep);
		json_decref(pd->objs[i]);
	}
	pd->n = 0;
	ac_buf_reset(&pd->canons);
}

/* The worker's part of a batch, in chunks: each chunk's jansson values
 * come from this thread's arena (malloc/free were ~15% of worker CPU) and
 * die with it at ac_json_arena_end; only copies of strings go into the
 * batch. A chunk is one object unless this node signs: then the objects it
 * must sign in a chunk of FED_TREE_MAX share one signature. */
static void prepare_batch(const struct ingest_pipe *p, struct pipe_batch *b,
			  struct ac_buf *canon, struct ac_buf *text,
			  struct ident_set *ids, struct pending *pd)
{
	size_t chunk = p->signs ? FED_TREE_MAX : 1;

	for (size_t i = 0; i < b->n; i += chunk) {
		size_t end = i + chunk < b->n ? i + chunk : b->n;

		ac_json_arena_begin();
		for (size_t k = i; k < end; k++) {
			struct pipe_item *it = &b->items[k];
			json_t *obj;

			if (p->extract && !ids) {
				it->rc = AC_ERR_NOMEM;
				it->fatal = true;
				continue;
			}
			obj = prepare_item(p, b, it, canon, text, ids,
					   pd->leaves[pd->n]);
			if (obj) {
				pd->objs[pd->n] = obj;
				pd->at[pd->n] = k;
				pd->coff[pd->n] = pd->canons.len;
				pd->clen[pd->n++] =
				    ac_buf_add(&pd->canons, canon->data,
					       canon->len)
					? SIZE_MAX
					: canon->len;
			}
		}
		sign_pending(p, b, pd, canon, text, ids);
		ac_json_arena_end();
	}
}

static void *worker_main(void *arg)
{
	struct ingest_pipe *p = arg;
	struct ident_set *ids = p->extract ? malloc(sizeof(*ids)) : NULL;
	struct pending *pd = calloc(1, sizeof(*pd));
	struct ac_buf canon, text;
	struct pipe_batch *b;

	ac_buf_init(&canon, p->canon_max);
	ac_buf_init(&text, INGEST_TEXT_MAX);
	if (pd) {
		ac_buf_init(&pd->canons, FED_TREE_MAX * p->canon_max);
		ac_buf_init(&pd->entry, 64u << 10);
	}
	/* the storing thread is the pipeline's critical path: when the cores
	 * are all busy it should not wait behind the workers (Linux: a
	 * thread's own nice value; failure only costs speed) */
	setpriority(PRIO_PROCESS, (id_t)gettid(), PIPE_WORKER_NICE);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->queued_head && !p->quit)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->quit) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		b = p->queued_head;
		p->queued_head = b->next;
		if (!p->queued_head)
			p->queued_tail = NULL;
		pthread_mutex_unlock(&p->mu);
		if (pd) {
			pd->n = 0;
			prepare_batch(p, b, &canon, &text, ids, pd);
		} else {
			for (size_t i = 0; i < b->n; i++) {
				b->items[i].rc = AC_ERR_NOMEM;
				b->items[i].fatal = true;
			}
		}
		pthread_mutex_lock(&p->mu);
		b->done = true;
		pthread_cond_signal(&p->done_cv);
		pthread_mutex_unlock(&p->mu);
	}
	ac_buf_release(&canon);
	ac_buf_release(&text);
	free(ids);
	if (pd) {
		ac_buf_release(&pd->canons);
		ac_buf_release(&pd->entry);
	}
	free(pd);
	ac_json_arena_release();
	return NULL;
}

static size_t worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > PIPE_MAX_WORKERS ? PIPE_MAX_WORKERS : (size_t)n;
}

/* A condition variable whose timed waits use CLOCK_MONOTONIC (ac_mono_ns),
 * so a change of the wall clock does not move a deadline. */
static void init_mono_cond(pthread_cond_t *cv)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
}

ac_rc ingest_pipe_start(const struct stix_limits *lim,
			const struct ident_ctx *ictx,
			const struct ingest_prep *prep,
			struct ingest_pipe **out, struct ac_err *err)
{
	struct ingest_pipe *p = calloc(1, sizeof(*p));
	size_t want = worker_count();

	*out = NULL;
	if (!p)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot start ingest workers: out of memory");
	p->lim = *lim;
	if (ictx) {
		p->extract = true;
		p->ictx = *ictx;
	}
	p->prep = *prep;
	p->signs = prep->provenance && prep->provenance->keys && !prep->partner;
	if (prep->markings) {
		p->markings = *prep->markings;
		p->prep.markings = &p->markings;
	}
	p->canon_max = lim->max_object_bytes * 2 + 1024;
	p->raw_max = PIPE_BATCH_BYTES + lim->max_object_bytes + 1;
	/* each object's results are bounded by its canonical form, its text
	 * and a few short strings */
	p->out_max =
	    PIPE_BATCH_OBJECTS * (p->canon_max + INGEST_TEXT_MAX + 8192 +
				  sizeof(struct ident_set));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	init_mono_cond(&p->done_cv);
	pthread_cond_init(&p->space_cv, NULL);
	while (p->nworkers < want &&
	       !pthread_create(&p->workers[p->nworkers], NULL, worker_main, p))
		pthread_setname_np(p->workers[p->nworkers++], "ingest-worker");
	if (!p->nworkers) {
		ingest_pipe_stop(p);
		return ac_err_set(err, AC_ERR_INTERNAL,
				  "cannot start ingest workers: %s",
				  strerror(errno));
	}
	*out = p;
	return AC_OK;
}

static struct pipe_batch *take_spare(struct ingest_pipe *p)
{
	struct pipe_batch *b;

	pthread_mutex_lock(&p->mu);
	b = p->spare;
	if (b)
		p->spare = b->next;
	pthread_mutex_unlock(&p->mu);
	if (b) {
		b->next = NULL;
		return b;
	}
	b = calloc(1, sizeof(*b));
	if (b) {
		ac_buf_init(&b->raw, p->raw_max);
		ac_buf_init(&b->out, p->out_max);
	}
	return b;
}

static void free_batch(struct pipe_batch *b)
{
	if (!b)
		return;
	ac_buf_release(&b->raw);
	ac_buf_release(&b->out);
	free(b);
}

static void recycle_locked(struct ingest_pipe *p, struct pipe_batch *b)
{
	b->n = 0;
	b->done = false;
	ac_buf_reset(&b->raw);
	ac_buf_reset(&b->out);
	b->next = p->spare;
	p->spare = b;
}

/* Whether the ring is full (in batches, or in input bytes once it holds
 * any). */
static bool ring_full(const struct ingest_pipe *p)
{
	return p->ring_count >= PIPE_INFLIGHT ||
	       (p->ring_count && p->ring_bytes >= PIPE_INFLIGHT_BYTES);
}

/* Hands the batch being filled to the workers. A lone caller keeps fewer
 * than PIPE_INFLIGHT batches out by calling ingest_pipe_next after each
 * add; a feeder waits here for room. AC_ERR_USAGE, the batch dropped, once
 * the taking thread cancelled the input. */
static ac_rc submit(struct ingest_pipe *p)
{
	struct pipe_batch *b = p->fill;

	p->fill = NULL;
	pthread_mutex_lock(&p->mu);
	while (p->feeder && !p->cancelled && ring_full(p))
		pthread_cond_wait(&p->space_cv, &p->mu);
	if (p->cancelled) {
		recycle_locked(p, b);
		pthread_mutex_unlock(&p->mu);
		return AC_ERR_USAGE;
	}
	b->next = NULL;
	if (p->queued_tail)
		p->queued_tail->next = b;
	else
		p->queued_head = b;
	p->queued_tail = b;
	p->ring[(p->ring_head + p->ring_count) % PIPE_INFLIGHT] = b;
	p->ring_count++;
	p->ring_bytes += b->raw.len;
	pthread_cond_signal(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	return AC_OK;
}

ac_rc ingest_pipe_add(struct ingest_pipe *p, const char *data, size_t len,
		      const struct stream_pos *pos, const struct ac_err *bad,
		      struct ac_err *err)
{
	struct pipe_item *it;
	ac_rc rc;

	if (!p->fill)
		p->fill = take_spare(p);
	if (!p->fill)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot queue object %" PRIu64
				  ": out of memory",
				  pos->index);
	it = &p->fill->items[p->fill->n];
	memset(it, 0, sizeof(*it));
	it->pos = *pos;
	it->id = it->type = it->version = it->spec_version = PIPE_NO_STR;
	it->why = it->text = PIPE_NO_STR;
	it->nidents = 0;
	if (bad) {
		it->rc = bad->rc;
		rc = add_str(&p->fill->out, bad->msg, &it->why);
	} else {
		it->raw_off = p->fill->raw.len;
		it->raw_len = len;
		rc = ac_buf_add(&p->fill->raw, data, len);
	}
	if (rc)
		return ac_err_set(err, rc,
				  "cannot queue object %" PRIu64 ": %s",
				  pos->index, ac_rc_name(rc));
	p->fill->n++;
	if ((p->fill->n == PIPE_BATCH_OBJECTS ||
	     p->fill->raw.len >= PIPE_BATCH_BYTES) &&
	    submit(p))
		return ac_err_set(err, AC_ERR_USAGE,
				  "object %" PRIu64 ": the input was cancelled",
				  pos->index);
	return AC_OK;
}

void ingest_pipe_feeder(struct ingest_pipe *p, bool on)
{
	p->feeder = on;
}

ac_rc ingest_pipe_hand_over(struct ingest_pipe *p)
{
	bool cancelled;

	if (p->fill && p->fill->n)
		return submit(p);
	pthread_mutex_lock(&p->mu);
	cancelled = p->cancelled;
	pthread_mutex_unlock(&p->mu);
	return cancelled ? AC_ERR_USAGE : AC_OK;
}

void ingest_pipe_end_input(struct ingest_pipe *p)
{
	if (p->fill && p->fill->n)
		submit(p);
	pthread_mutex_lock(&p->mu);
	p->input_done = true;
	pthread_cond_broadcast(&p->done_cv);
	pthread_mutex_unlock(&p->mu);
}

void ingest_pipe_cancel_input(struct ingest_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->cancelled = true;
	pthread_cond_broadcast(&p->space_cv);
	pthread_mutex_unlock(&p->mu);
}

/* Takes the oldest batch out of the ring (mu held) and makes room. */
static struct pipe_batch *pop_locked(struct ingest_pipe *p)
{
	struct pipe_batch *b = p->ring[p->ring_head];

	p->ring_head = (p->ring_head + 1) % PIPE_INFLIGHT;
	p->ring_count--;
	p->ring_bytes -= b->raw.len;
	pthread_cond_signal(&p->space_cv);
	return b;
}

struct pipe_batch *ingest_pipe_take(struct ingest_pipe *p)
{
	return ingest_pipe_take_by(p, 0, NULL);
}

struct pipe_batch *ingest_pipe_take_by(struct ingest_pipe *p,
				       int64_t deadline_ns, bool *late)
{
	struct timespec until = {.tv_sec = deadline_ns / 1000000000,
				 .tv_nsec = deadline_ns % 1000000000};
	struct pipe_batch *b = NULL;
	bool timed_out = false;

	pthread_mutex_lock(&p->mu);
	while (!(p->ring_count && p->ring[p->ring_head]->done) &&
	       !(!p->ring_count && p->input_done) && !timed_out) {
		if (deadline_ns)
			timed_out = pthread_cond_timedwait(&p->done_cv, &p->mu,
							   &until) == ETIMEDOUT;
		else
			pthread_cond_wait(&p->done_cv, &p->mu);
	}
	if (p->ring_count && p->ring[p->ring_head]->done)
		b = pop_locked(p);
	pthread_mutex_unlock(&p->mu);
	if (late)
		*late = !b && timed_out;
	return b;
}

struct pipe_batch *ingest_pipe_next(struct ingest_pipe *p, bool flush)
{
	struct pipe_batch *b = NULL;

	if (flush && p->fill && p->fill->n)
		submit(p); /* a lone caller: never cancelled */
	pthread_mutex_lock(&p->mu);
	if (!p->ring_count)
		goto out;
	b = p->ring[p->ring_head];
	if (!b->done && !flush && p->ring_count < PIPE_INFLIGHT &&
	    p->ring_bytes < PIPE_INFLIGHT_BYTES) {
		b = NULL;
		goto out;
	}
	while (!b->done)
		pthread_cond_wait(&p->done_cv, &p->mu);
	b = pop_locked(p);
out:
	pthread_mutex_unlock(&p->mu);
	return b;
}

void ingest_pipe_done(struct ingest_pipe *p, struct pipe_batch *b)
{
	pthread_mutex_lock(&p->mu);
	recycle_locked(p, b);
	pthread_mutex_unlock(&p->mu);
}

void ingest_pipe_stop(struct ingest_pipe *p)
{
	struct pipe_batch *b;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i], NULL);
	for (size_t i = 0; i < p->ring_count; i++)
		free_batch(p->ring[(p->ring_head + i) % PIPE_INFLIGHT]);
	free_batch(p->fill);
	while ((b = p->spare)) {
		p->spare = b->next;
		free_batch(b);
	}
	pthread_cond_destroy(&p->done_cv);
	pthread_cond_destroy(&p->space_cv);
	pthread_cond_destroy(&p->work_cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
