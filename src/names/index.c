/* In-memory name index: blocking keys (coarse skeletons of tokens and of
 * joined adjacent pairs, and one-deletion variants of token keys) in a hash
 * table of posting lists; a query gathers candidates, ranks them by the
 * rarity of the query tokens they share, and scores the best with
 * names_score. */
#include "base/common.h"

#include <math.h>

#include "names/names.h"
#include "names/names_int.h"

#define CHUNK_BYTES (1u << 20)
#define MAX_CANDIDATES 300 /* candidates fully scored per query */
#define MAX_VISITS 2000000 /* posting entries visited per query */
#define SCAN_BUDGET 250000 /* postings scanned before probing starts */
#define PROBE_RATIO 16	   /* probe a list this much longer than found */
#define MAX_KEYS 128	   /* keys per name */
#define MAX_TOP 1000
#define MAX_NAMES 0x7fffffffu

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct posting {
	uint64_t h; /* 0 = empty slot */
	uint32_t *ids;
	uint32_t n, cap;
};

/* One distinct name; every object that has it is in its ref list. */
struct entry {
	const char *name;
	const uint8_t
	    *packed;	     /* ntok, then per token: script, full\0, skel\0 */
	uint32_t head, tail; /* ref list in refs[] */
};

struct ref_node {
	const char *ref;
	uint32_t next; /* UINT32_MAX ends the list */
};

struct cand {
	double pre, score;
	uint32_t id;
};

struct names_index {
	struct posting *tab;
	size_t tab_cap, tab_used;
	struct entry *ents;
	size_t n, cap;	   /* distinct names */
	uint32_t *by_name; /* open addressing: entry id + 1, 0 = empty */
	size_t by_name_cap;
	struct ref_node *refs;
	size_t nrefs, refs_cap; /* names added */
	struct chunk *chunks;
	size_t bytes; /* heap held, for names_index_memory */
	uint32_t *stamp, *mask, *touched, epoch;
	struct cand heap[MAX_CANDIDATES]; /* query scratch */
	struct names_units qunits, cunits;
};

struct key_set {
	uint64_t h[MAX_KEYS];
	unsigned bits[MAX_KEYS]; /* query tokens the key stands for */
	size_t n;
};

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h ? h : 1;
}

static void add_key(struct key_set *k, const char *s, unsigned bits)
{
	uint64_t h = hash_key(s);

	for (size_t i = 0; i < k->n; i++)
		if (k->h[i] == h) {
			k->bits[i] |= bits;
			return;
		}
	if (k->n < MAX_KEYS) {
		k->h[k->n] = h;
		k->bits[k->n++] = bits;
	}
}

/* The exact key of a unit, or "~full" when it has no consonants. */
static void unit_key(const char *skel, const char *full,
		     char out[2 * NAMES_TOKEN_MAX + 2])
{
	char c[NAMES_TOKEN_MAX];

	names_coarse_key(skel, c);
	if (c[0])
		snprintf(out, 2 * NAMES_TOKEN_MAX + 2, "%s", c);
	else
		snprintf(out, 2 * NAMES_TOKEN_MAX + 2, "~%s", full);
}

static void token_keys(const struct names_token *t, unsigned bits,
		       struct key_set *k)
{
	char key[2 * NAMES_TOKEN_MAX + 2], del[NAMES_TOKEN_MAX];
	size_t len;

	unit_key(t->skel, t->full, key);
	add_key(k, key, bits);
	len = strlen(key);
	if (key[0] == 'J' && len >= 2)
		add_key(k, key + 1,
			bits); /* initial j may be y: Jusup, Yusuf */
	/* one-deletion keys: shorter ones would match too much */
	if (key[0] == '~' || len < 4)
		return;
	for (size_t i = 0; i < len; i++) {
		memcpy(del, key, i);
		memcpy(del + i, key + i + 1, len - i);
		add_key(k, del, bits);
	}
}

static void name_keys(const struct names_parsed *p, struct key_set *k)
{
	k->n = 0;
	for (size_t i = 0; i < p->ntok; i++)
		token_keys(&p->tok[i], 1u << i, k);
	for (size_t i = 0; i + 1 < p->ntok; i++) {
		char skel[2 * NAMES_TOKEN_MAX], full[2 * NAMES_TOKEN_MAX];
		char key[2 * NAMES_TOKEN_MAX + 2];

		snprintf(skel, sizeof(skel), "%s%s", p->tok[i].skel,
			 p->tok[i + 1].skel);
		snprintf(full, sizeof(full), "%s%s", p->tok[i].full,
			 p->tok[i + 1].full);
		/* coarse keys are capped at NAMES_TOKEN_MAX - 1 letters */
		skel[NAMES_TOKEN_MAX - 1] = '\0';
		full[NAMES_TOKEN_MAX - 1] = '\0';
		unit_key(skel, full, key);
		add_key(k, key, 3u << i);
	}
}

/* ---- storage ---------------------------------------------------------- */

static void *chunk_alloc(struct names_index *ix, size_t n)
{
	struct chunk *c = ix->chunks;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = ix->chunks;
		c->used = 0;
		c->cap = cap;
		ix->chunks = c;
		ix->bytes += sizeof(*c) + cap;
	}
	c->used += n;
	return c->data + c->used - n;
}

static char *chunk_strdup(struct names_index *ix, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = chunk_alloc(ix, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static const uint8_t *pack(struct names_index *ix, const struct names_parsed *p)
{
	size_t n = 1;
	uint8_t *out, *o;

	for (size_t i = 0; i < p->ntok; i++)
		n += 3 + strlen(p->tok[i].full) + strlen(p->tok[i].skel);
	out = chunk_alloc(ix, n);
	if (!out)
		return NULL;
	o = out;
	*o++ = (uint8_t)p->ntok;
	for (size_t i = 0; i < p->ntok; i++) {
		size_t a = strlen(p->tok[i].full) + 1,
		       b = strlen(p->tok[i].skel) + 1;

		*o++ = p->tok[i].script;
		memcpy(o, p->tok[i].full, a);
		o += a;
		memcpy(o, p->tok[i].skel, b);
		o += b;
	}
	return out;
}

static void unpack(const uint8_t *in, struct names_parsed *p)
{
	p->ntok = *in++;
	for (size_t i = 0; i < p->ntok; i++) {
		size_t a, b;

		p->tok[i].script = *in++;
		a = strlen((const char *)in) + 1;
		memcpy(p->tok[i].full, in, a);
		in += a;
		b = strlen((const char *)in) + 1;
		memcpy(p->tok[i].skel, in, b);
		in += b;
	}
}

/* ---- hash table of posting lists -------------------------------------- */

static struct posting *find_slot(struct posting *tab, size_t cap, uint64_t h)
{
	size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);

	while (tab[i].h && tab[i].h != h)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static ac_rc grow_table(struct names_index *ix)
{
	size_t cap = ix->tab_cap ? ix->tab_cap * 2 : 1024;
	struct posting *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return AC_ERR_NOMEM;
	for (size_t i = 0; i < ix->tab_cap; i++)
		if (ix->tab[i].h)
			*find_slot(tab, cap, ix->tab[i].h) = ix->tab[i];
	free(ix->tab);
	ix->bytes += (cap - ix->tab_cap) * sizeof(*tab);
	ix->tab = tab;
	ix->tab_cap = cap;
	return AC_OK;
}

static ac_rc post(struct names_index *ix, uint64_t h, uint32_t id)
{
	struct posting *p;

	if ((ix->tab_used + 1) * 2 > ix->tab_cap && grow_table(ix))
		return AC_ERR_NOMEM;
	p = find_slot(ix->tab, ix->tab_cap, h);
	if (!p->h) {
		p->h = h;
		ix->tab_used++;
	}
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 2;
		uint32_t *ids = realloc(p->ids, cap * sizeof(*ids));

		if (!ids)
			return AC_ERR_NOMEM;
		ix->bytes += (cap - p->cap) * sizeof(*ids);
		p->ids = ids;
		p->cap = cap;
	}
	p->ids[p->n++] = id;
	return AC_OK;
}

static const struct posting *lookup(const struct names_index *ix, uint64_t h)
{
	const struct posting *p;

	if (!ix->tab_cap)
		return NULL;
	p = find_slot(ix->tab, ix->tab_cap, h);
	return p->h ? p : NULL;
}

/* ---- public ----------------------------------------------------------- */

ac_rc names_index_new(struct names_index **out, struct ac_err *err)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ac_err_set(err, AC_ERR_NOMEM,
				  "no memory for a name index");
	(*out)->bytes = sizeof(**out);
	return AC_OK;
}

void names_index_free(struct names_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->tab_cap; i++)
		free(ix->tab[i].ids);
	free(ix->tab);
	while (ix->chunks) {
		struct chunk *next = ix->chunks->next;

		free(ix->chunks);
		ix->chunks = next;
	}
	free(ix->ents);
	free(ix->by_name);
	free(ix->refs);
	free(ix->stamp);
	free(ix->mask);
	free(ix->touched);
	free(ix);
}

static ac_rc grow_entries(struct names_index *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 1024;
	struct entry *e = realloc(ix->ents, cap * sizeof(*e));
	uint32_t *s = e ? realloc(ix->stamp, cap * sizeof(*s)) : NULL;
	uint32_t *m = s ? realloc(ix->mask, cap * sizeof(*m)) : NULL;
	uint32_t *t = m ? realloc(ix->touched, cap * sizeof(*t)) : NULL;

	if (e)
		ix->ents = e;
	if (s)
		ix->stamp = s;
	if (m)
		ix->mask = m;
	if (!t)
		return AC_ERR_NOMEM;
	ix->touched = t;
	memset(ix->stamp + ix->cap, 0, (cap - ix->cap) * sizeof(*s));
	ix->bytes += (cap - ix->cap) * (sizeof(*e) + 3 * sizeof(*s));
	ix->cap = cap;
	return AC_OK;
}

static size_t name_slot(const struct names_index *ix, const char *name,
			uint32_t **slot)
{
	size_t mask = ix->by_name_cap - 1, i = (size_t)hash_key(name) & mask;

	while (ix->by_name[i] &&
	       strcmp(ix->ents[ix->by_name[i] - 1].name, name))
		i = (i + 1) & mask;
	*slot = &ix->by_name[i];
	return i;
}

static ac_rc grow_by_name(struct names_index *ix)
{
	size_t cap = ix->by_name_cap ? ix->by_name_cap * 2 : 4096;
	uint32_t *old = ix->by_name, *slot;
	size_t old_cap = ix->by_name_cap;

	ix->by_name = calloc(cap, sizeof(*ix->by_name));
	if (!ix->by_name) {
		ix->by_name = old;
		return AC_ERR_NOMEM;
	}
	ix->by_name_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i]) {
			name_slot(ix, ix->ents[old[i] - 1].name, &slot);
			*slot = old[i];
		}
	free(old);
	ix->bytes += (cap - old_cap) * sizeof(*ix->by_name);
	return AC_OK;
}

static ac_rc push_ref(struct names_index *ix, struct entry *e, const char *ref)
{
	uint32_t id;

	if (ix->nrefs == ix->refs_cap) {
		size_t cap = ix->refs_cap ? ix->refs_cap * 2 : 1024;
		struct ref_node *r = realloc(ix->refs, cap * sizeof(*r));

		if (!r)
			return AC_ERR_NOMEM;
		ix->bytes += (cap - ix->refs_cap) * sizeof(*r);
		ix->refs = r;
		ix->refs_cap = cap;
	}
	id = (uint32_t)ix->nrefs++;
	ix->refs[id] = (struct ref_node){ref, UINT32_MAX};
	if (e->head == UINT32_MAX)
		e->head = id;
	else
		ix->refs[e->tail].next = id;
	e->tail = id;
	return AC_OK;
}

/* Adds ref to the name's entry, creating the entry and its keys for a name
 * not seen before. */
static ac_rc add_one(struct names_index *ix, const char *ref, const char *name,
		     const struct names_parsed *p)
{
	struct key_set keys;
	struct entry *e;
	uint32_t id, *slot;

	if (ix->nrefs >= MAX_NAMES)
		return AC_ERR_LIMIT;
	if ((ix->n + 1) * 2 > ix->by_name_cap && grow_by_name(ix))
		return AC_ERR_NOMEM;
	name_slot(ix, name, &slot);
	if (*slot)
		return push_ref(ix, &ix->ents[*slot - 1], ref);
	if (ix->n == ix->cap && grow_entries(ix))
		return AC_ERR_NOMEM;
	id = (uint32_t)ix->n;
	e = &ix->ents[id];
	e->name = chunk_strdup(ix, name);
	e->packed = pack(ix, p);
	e->head = e->tail = UINT32_MAX;
	if (!e->name || !e->packed)
		return AC_ERR_NOMEM;
	name_keys(p, &keys);
	for (size_t i = 0; i < keys.n; i++)
		if (post(ix, keys.h[i], id))
			return AC_ERR_NOMEM;
	ix->n++;
	*slot = id + 1;
	return push_ref(ix, e, ref);
}

ac_rc names_index_add(struct names_index *ix, const char *ref,
		      const char *const *names, size_t n, size_t *skipped,
		      struct ac_err *err)
{
	const char *ref_copy;
	size_t skip = 0;
	ac_rc rc = AC_OK;

	if (skipped)
		*skipped = 0;
	if (!ref)
		return ac_err_set(err, AC_ERR_USAGE,
				  "name index: no ref given");
	ref_copy = chunk_strdup(ix, ref);
	if (!ref_copy)
		return ac_err_set(err, AC_ERR_NOMEM, "no memory for ref \"%s\"",
				  ref);
	for (size_t i = 0; i < n; i++) {
		struct names_parsed p;
		struct ac_err perr = {0};

		if (!names[i] ||
		    names_parse(names[i], strlen(names[i]), &p, &perr)) {
			if (!skip++)
				ac_err_set(err,
					   perr.rc ? perr.rc : AC_ERR_INVALID,
					   "name %zu of \"%s\" skipped: %s", i,
					   ref, names[i] ? perr.msg : "null");
			continue;
		}
		if ((rc = add_one(ix, ref_copy, names[i], &p)))
			break;
	}
	if (skipped)
		*skipped = skip;
	if (rc)
		return ac_err_set(
		    err, rc, "cannot index the names of \"%s\": %s", ref,
		    rc == AC_ERR_LIMIT ? "index is full" : "out of memory");
	return AC_OK;
}

/* ---- query ------------------------------------------------------------ */

static int key_size_cmp(const void *a, const void *b, void *ix)
{
	const struct posting *pa = lookup(ix, *(const uint64_t *)a);
	const struct posting *pb = lookup(ix, *(const uint64_t *)b);
	uint32_t na = pa ? pa->n : 0, nb = pb ? pb->n : 0;

	return (na > nb) - (na < nb);
}

/* Token weights: the rarer a token's exact key, the more sharing it says. */
static void token_weights(const struct names_index *ix,
			  const struct names_parsed *q, double *w)
{
	for (size_t i = 0; i < q->ntok; i++) {
		char key[2 * NAMES_TOKEN_MAX + 2];
		const struct posting *p;

		unit_key(q->tok[i].skel, q->tok[i].full, key);
		p = lookup(ix, hash_key(key));
		w[i] = log(1.0 + (double)(ix->n + 1) / (1.0 + (p ? p->n : 0)));
	}
}

/* Marks the already-touched entries that are in p (ids ascending). */
static void probe(struct names_index *ix, const struct posting *p,
		  size_t ntouch, unsigned bits)
{
	for (size_t i = 0; i < ntouch; i++) {
		uint32_t id = ix->touched[i], lo = 0, hi = p->n;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (p->ids[mid] < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->n && p->ids[lo] == id)
			ix->mask[id] |= bits;
	}
}

/* Marks every entry sharing a key with the query; returns the count. */
static size_t gather(struct names_index *ix, struct key_set *keys)
{
	size_t ntouch = 0, visits = 0;
	uint64_t order[MAX_KEYS];
	unsigned bits[MAX_KEYS];

	if (++ix->epoch == 0) {
		memset(ix->stamp, 0, ix->cap * sizeof(*ix->stamp));
		ix->epoch = 1;
	}
	memcpy(order, keys->h, keys->n * sizeof(order[0]));
	qsort_r(order, keys->n, sizeof(order[0]), key_size_cmp, ix);
	for (size_t k = 0; k < keys->n; k++) {
		const struct posting *p = lookup(ix, order[k]);

		bits[k] = 0;
		for (size_t j = 0; j < keys->n; j++)
			if (keys->h[j] == order[k])
				bits[k] = keys->bits[j];
		if (!p)
			continue;
		/* past the scan budget, a common key only marks what the rarer
		 * keys found, when a binary search each is cheaper */
		if (visits + p->n > SCAN_BUDGET && ntouch >= MAX_CANDIDATES &&
		    (size_t)p->n > ntouch * PROBE_RATIO) {
			probe(ix, p, ntouch, bits[k]);
			continue;
		}
		if (visits + p->n > MAX_VISITS)
			continue;
		visits += p->n;
		for (uint32_t i = 0; i < p->n; i++) {
			uint32_t id = p->ids[i];

			if (ix->stamp[id] != ix->epoch) {
				ix->stamp[id] = ix->epoch;
				ix->mask[id] = 0;
				ix->touched[ntouch++] = id;
			}
			ix->mask[id] |= bits[k];
		}
	}
	return ntouch;
}

static void heap_sift(struct cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct cand t;

		if (l < n && h[l].pre < h[m].pre)
			m = l;
		if (r < n && h[r].pre < h[m].pre)
			m = r;
		if (m == i)
			return;
		t = h[i], h[i] = h[m], h[m] = t;
		i = m;
	}
}

/* Keeps the MAX_CANDIDATES touched entries with the highest prescore. */
static size_t select_candidates(const struct names_index *ix, size_t ntouch,
				const double *mask_w, struct cand *heap)
{
	size_t n = 0;

	for (size_t i = 0; i < ntouch; i++) {
		uint32_t id = ix->touched[i];
		struct cand c = {mask_w[ix->mask[id]], 0, id};

		if (n < MAX_CANDIDATES) {
			heap[n++] = c;
			if (n == MAX_CANDIDATES)
				for (size_t k = n / 2; k-- > 0;)
					heap_sift(heap, n, k);
		} else if (c.pre > heap[0].pre) {
			heap[0] = c;
			heap_sift(heap, n, 0);
		}
	}
	return n;
}

static int score_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->id > y->id) - (x->id < y->id);
}

ac_rc names_index_query(struct names_index *ix, const char *name, size_t top,
			struct names_match *out, size_t *nout,
			struct ac_err *err)
{
	struct cand *heap = ix->heap;
	double w[NAMES_MAX_TOKENS], mask_w[1u << NAMES_MAX_TOKENS];
	struct names_parsed q;
	struct key_set keys;
	size_t ncand, n = 0;
	ac_rc rc;

	*nout = 0;
	if (!top || top > MAX_TOP)
		return ac_err_set(err, AC_ERR_USAGE,
				  "top must be 1..%d, not %zu", MAX_TOP, top);
	if (!name)
		return ac_err_set(err, AC_ERR_INVALID, "name is missing");
	if ((rc = names_parse(name, strlen(name), &q, err)))
		return rc;
	if (!ix->n)
		return AC_OK;
	token_weights(ix, &q, w);
	for (unsigned m = 0; m < (1u << q.ntok); m++) {
		mask_w[m] = 0;
		for (size_t i = 0; i < q.ntok; i++)
			if (m & (1u << i))
				mask_w[m] += w[i];
	}
	name_keys(&q, &keys);
	ncand = select_candidates(ix, gather(ix, &keys), mask_w, heap);
	names_units_make(&q, &ix->qunits);
	for (size_t i = 0; i < ncand; i++) {
		struct names_parsed c;

		unpack(ix->ents[heap[i].id].packed, &c);
		names_units_make(&c, &ix->cunits);
		heap[i].score = names_units_score(&ix->qunits, &ix->cunits);
	}
	qsort(heap, ncand, sizeof(heap[0]), score_cmp);
	for (size_t i = 0; i < ncand && n < top && heap[i].score > 0; i++) {
		const struct entry *e = &ix->ents[heap[i].id];

		for (uint32_t r = e->head; r != UINT32_MAX && n < top;
		     r = ix->refs[r].next) {
			const char *ref = ix->refs[r].ref;
			bool dup = false;

			for (size_t k = 0; k < n && !dup; k++)
				dup = out[k].ref == ref ||
				      !strcmp(out[k].ref, ref);
			if (!dup)
				out[n++] = (struct names_match){ref, e->name,
								heap[i].score};
		}
	}
	*nout = n;
	return AC_OK;
}

size_t names_index_count(const struct names_index *ix)
{
	return ix->nrefs;
}

size_t names_index_memory(const struct names_index *ix)
{
	return ix->bytes;
}
