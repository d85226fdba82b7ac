/* Pull from a partner (sync.h). */
#include "base/common.h"
#include "federation/sync.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/time.h"
#include "federation/client.h"
#include "ingest/ingest.h"
#include "node/node_ingest.h"

#define COLLECTIONS_MAX 256
/* Objects per pull transaction, in pages: fewer commits, while the data
 * still shows up (and the write lock is released) every few seconds. */
#define PULL_PAGES_PER_COMMIT 10
/* Pages fetched ahead of the one being ingested. */
#define PREFETCH_DEPTH 4

struct pull {
	struct node *n;
	struct audit *a;
	const char *partner;
	char source[STORE_NAME_MAX + 16];
	struct fed_pull_opts o;
	struct store_partner who;
	struct store_partner_link link;
	struct fed_client c;
	struct fed_pull_stats *st;
	struct node_ingest ni; /* ingest options, signer keys */
};

struct fed_pull_opts fed_pull_opts_default(void)
{
	struct fed_pull_opts o = {.page_limit = 1000,
				  .retries = 3,
				  .backoff_ms = 500,
				  .timeout_s = 120};
	return o;
}

ac_rc fed_token_path(const struct node *n, const char *name,
		     char out[NODE_PATH_MAX], struct ac_err *err)
{
	char rel[NODE_PATH_MAX];

	if (!name[0] || strpbrk(name, "/\\") || name[0] == '.')
		return ac_err_set(err, AC_ERR_INVALID,
				  "'%s' is not a partner name", name);
	snprintf(rel, sizeof(rel), "%s/%s.token", FED_PARTNERS_DIR, name);
	return node_path(n->dir, rel, out, err);
}

static ac_rc make_dir(const char *path, struct ac_err *err)
{
	struct stat sb;

	if (mkdir(path, 0700) && errno != EEXIST)
		return ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s",
				  path, strerror(errno));
	if (lstat(path, &sb) || !S_ISDIR(sb.st_mode))
		return ac_err_set(err, AC_ERR_IO, "'%s' is not a directory",
				  path);
	return AC_OK;
}

static ac_rc write_secret(const char *path, const char *text,
			  struct ac_err *err)
{
	char tmp[NODE_PATH_MAX + 8];
	size_t len = strlen(text);
	ac_rc rc = AC_OK;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s", tmp,
				  strerror(errno));
	if (fchmod(fd, 0600) || write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd))
		rc = ac_err_set(err, AC_ERR_IO, "cannot write '%s': %s", tmp,
				strerror(errno));
	if (close(fd) && !rc)
		rc = ac_err_set(err, AC_ERR_IO, "cannot write '%s': %s", tmp,
				strerror(errno));
	if (!rc && rename(tmp, path))
		rc = ac_err_set(err, AC_ERR_IO, "cannot rename '%s': %s", tmp,
				strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

ac_rc fed_credentials_save(const struct node *n, const char *name,
			   const char *token, struct ac_err *err)
{
	char dir[NODE_PATH_MAX], path[NODE_PATH_MAX];
	ac_rc rc;

	rc = node_path(n->dir, FED_PARTNERS_DIR, dir, err);
	if (!rc)
		rc = fed_token_path(n, name, path, err);
	if (!rc)
		rc = make_dir(dir, err);
	if (!rc)
		rc = write_secret(path, token, err);
	return rc;
}

void fed_backoff(unsigned *delay_ms)
{
	unsigned ms = *delay_ms;
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	*delay_ms = ms * 2 > FED_BACKOFF_CAP_MS ? FED_BACKOFF_CAP_MS : ms * 2;
}

/* GET with bounded exponential backoff for transient failures. */
static ac_rc get_retry_on(struct pull *p, struct fed_client *c, const char *rel,
			  struct fed_response *r, struct ac_err *err)
{
	unsigned delay = p->o.backoff_ms;
	ac_rc rc;

	for (unsigned attempt = 0;; attempt++) {
		rc = fed_client_get(c, rel, r, err);
		if (!rc || !r->transient || attempt >= p->o.retries)
			return rc;
		ac_log(AC_LOG_WARN,
		       "sync from '%s': %s; retry %u of %u in %u ms",
		       p->partner, err ? err->msg : ac_rc_name(rc), attempt + 1,
		       p->o.retries, delay);
		fed_response_release(r);
		fed_backoff(&delay);
	}
}

static ac_rc get_retry(struct pull *p, const char *rel, struct fed_response *r,
		       struct ac_err *err)
{
	return get_retry_on(p, &p->c, rel, r, err);
}

ac_rc fed_parse_body(const struct fed_response *r, const char *what,
		     json_t **out, struct ac_err *err)
{
	json_error_t je;

	*out = json_loadb(r->body.data ? r->body.data : "", r->body.len,
			  JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return ac_err_set(err, AC_ERR_PARSE,
				  "%s from the partner is not a JSON object: "
				  "%s",
				  what, je.text);
	}
	return AC_OK;
}

static void on_reject(const char *objid, const struct stream_pos *pos,
		      const char *reason, void *ctx)
{
	struct pull *p = ctx;

	(void)pos;
	ac_log(AC_LOG_WARN, "sync from '%s': rejected '%.128s': %s", p->partner,
	       objid ? objid : "?", reason);
}

static void add_stats(struct fed_pull_stats *st, const struct ingest_stats *s)
{
	st->accepted += s->accepted;
	st->duplicates += s->duplicates;
	st->rejected += s->rejected;
	st->bad_signatures += s->bad_signatures;
}

/* Skips JSON whitespace from i. */
static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* The string starting after the quote at s[i]: returns the index of its
 * closing quote (n when unterminated). */
static size_t string_end(const char *s, size_t n, size_t i)
{
	while (i < n) {
		const char *q = memchr(s + i, '"', n - i);
		size_t k, backslashes = 0;

		if (!q)
			return n;
		k = (size_t)(q - s);
		while (k - backslashes > i && s[k - backslashes - 1] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return k;
		i = k + 1; /* an escaped quote */
	}
	return n;
}

/* A depth-1 key "name" ending at s[i] (its closing quote): what follows
 * its colon is recorded in e. */
static void envelope_key(const char *s, size_t n, size_t start, size_t i,
			 struct fed_envelope *e)
{
	size_t j = skip_ws(s, n, i + 1);

	if (j >= n || s[j] != ':')
		return;
	j = skip_ws(s, n, j + 1);
	if (i - start == 4 && !memcmp(s + start, "more", 4)) {
		e->more = n - j >= 4 && !memcmp(s + j, "true", 4);
	} else if (i - start == 7 && !memcmp(s + start, "objects", 7)) {
		e->duplicate |= e->seen_objects;
		e->seen_objects = true;
		if (!e->duplicate && j < n && s[j] == '[')
			e->array_at = j;
	}
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A bracket at s[i]: pushed or matched against open[] (depth *depth);
 * records where the objects array starts and ends. False: malformed. */
static bool envelope_bracket(const char *s, size_t i, char *open, int *depth,
			     struct fed_envelope *e)
{
	if (s[i] == '{' || s[i] == '[') {
		if (*depth == FED_ENVELOPE_DEPTH_MAX ||
		    (!*depth && s[i] != '{'))
			return false;
		open[(*depth)++] = s[i];
		if (i == e->array_at && *depth == 2)
			e->start = i + 1;
		return true;
	}
	if (!*depth || open[*depth - 1] != (s[i] == '}' ? '{' : '['))
		return false;
	if (--*depth == 1 && e->start && !e->end)
		e->end = i;
	return true;
}

/* Listing the elements of the objects array while it is scanned. */
struct splitter {
	struct fed_elems *el; /* NULL: not listed */
	size_t from;	      /* where the open element starts */
	bool open;	      /* an element started and has not ended */
	bool expect;	      /* after a comma: an element must follow */
};

static void elems_add(struct fed_elems *el, size_t from, size_t to)
{
	if (el->nomem)
		return;
	if (el->n == el->cap) {
		size_t cap = el->cap ? 2 * el->cap : 256;
		size_t(*at)[2] = realloc(el->at, cap * sizeof(*at));

		if (!at) {
			el->nomem = true;
			return;
		}
		el->at = at;
		el->cap = cap;
	}
	el->at[el->n][0] = from;
	el->at[el->n][1] = to;
	el->n++;
}

/* s[i], at depth 2 inside the objects array: a comma or the closing
 * bracket ends the open element (or stands for a missing one); any other
 * non-blank byte starts one. */
static void split_step(const char *s, size_t i, struct splitter *sp)
{
	size_t to = i;

	if (s[i] == ',' || s[i] == ']') {
		while (sp->open && to > sp->from && is_ws(s[to - 1]))
			to--;
		if (sp->open || sp->expect || s[i] == ',')
			elems_add(sp->el, sp->open ? sp->from : i, to);
		sp->open = false;
		sp->expect = s[i] == ',';
	} else if (!sp->open && !is_ws(s[i])) {
		sp->open = true;
		sp->from = i;
	}
}

void fed_elems_release(struct fed_elems *el)
{
	free(el->at);
	memset(el, 0, sizeof(*el));
}

void fed_envelope_parse(const char *s, size_t n, struct fed_envelope *e)
{
	fed_envelope_split(s, n, e, NULL);
}

void fed_envelope_split(const char *s, size_t n, struct fed_envelope *e,
			struct fed_elems *el)
{
	char open[FED_ENVELOPE_DEPTH_MAX];
	struct splitter sp = {.el = el};
	bool key_next = false, closed = false;
	int depth = 0;

	memset(e, 0, sizeof(*e));
	if (el) {
		el->n = 0;
		el->nomem = false;
	}
	for (size_t i = 0; i < n && !e->malformed; i++) {
		size_t start;

		if (closed || (!depth && s[i] != '{')) {
			e->malformed = !is_ws(s[i]);
			continue;
		}
		if (depth == 2 && el && e->start && !e->end)
			split_step(s, i, &sp);
		if (s[i] == '{' || s[i] == '}' || s[i] == '[' || s[i] == ']') {
			e->malformed = !envelope_bracket(s, i, open, &depth, e);
			key_next = depth == 1 && s[i] == '{';
			closed = !depth;
			continue;
		}
		if (s[i] == ',' && depth == 1)
			key_next = true;
		if (s[i] != '"')
			continue;
		start = i + 1;
		i = string_end(s, n, start);
		if (i >= n) {
			e->malformed = true;
			break;
		}
		if (depth != 1 || !key_next)
			continue;
		key_next = false;
		envelope_key(s, n, start, i, e);
	}
	e->malformed = e->malformed || !closed;
	e->objects =
	    !e->malformed && e->end && skip_ws(s, n, e->start) < e->end;
}

bool fed_safe_collection_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= STORE_NAME_MAX &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789-_.") == n;
}

static bool titled_inbox(const json_t *coll)
{
	const char *title = json_string_value(json_object_get(coll, "title"));
	const char *id = json_string_value(json_object_get(coll, "id"));

	return (title && strcasestr(title, "inbox")) ||
	       (id && !strcasecmp(id, "inbox"));
}

ac_rc fed_pick_writable(const json_t *colls, const char *partner,
			char out[STORE_NAME_MAX + 1], struct ac_err *err)
{
	const json_t *k, *best = NULL;
	size_t i;

	out[0] = '\0';
	if (json_array_size(colls) > COLLECTIONS_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "partner '%s' lists more than %d collections",
				  partner, COLLECTIONS_MAX);
	json_array_foreach(colls, i, k)
	{
		if (!json_is_true(json_object_get(k, "can_write")) ||
		    !fed_safe_collection_id(
			json_string_value(json_object_get(k, "id"))))
			continue;
		if (!best || (titled_inbox(k) && !titled_inbox(best)))
			best = k;
	}
	if (!best)
		return ac_err_set(err, AC_ERR_PERM,
				  "partner '%s' offers this node no writable "
				  "collection",
				  partner);
	snprintf(out, STORE_NAME_MAX + 1, "%s",
		 json_string_value(json_object_get(best, "id")));
	return AC_OK;
}

/* The page's X-TAXII-Date-Added-Last must be a timestamp after the
 * watermark: it goes into the next request's URL, and a partner that
 * never moves it would otherwise be paged for ever. */
static ac_rc check_added_last(const char *cid, const char *watermark,
			      const char *last, struct ac_err *err)
{
	struct ac_ts was, now;

	if (!last[0] || strlen(last) > STORE_WATERMARK_MAX ||
	    !ac_ts_parse(last, &now))
		return ac_err_set(err, AC_ERR_PARSE,
				  "a page of collection '%s' has no usable "
				  "X-TAXII-Date-Added-Last",
				  cid);
	if (watermark[0] && ac_ts_parse(watermark, &was) &&
	    ac_ts_cmp(&now, &was) <= 0)
		return ac_err_set(err, AC_ERR_PARSE,
				  "a page of collection '%s' does not move "
				  "X-TAXII-Date-Added-Last past '%s': paging "
				  "stops",
				  cid, watermark);
	return AC_OK;
}

/* Pages fetched ahead on a second connection, up to PREFETCH_DEPTH of them,
 * while the current one is ingested: the partner serves and the network
 * carries the next pages while this node verifies and stores. One thread
 * per collection runs ahead from `after` until the last page, an error,
 * a page that does not move the watermark, or a stop. */
struct fetched {
	struct fed_response r;
	struct fed_envelope env; /* of r, scanned on the fetching thread */
	struct fed_elems el;	 /* its objects, split there too */
	struct ac_err err;
	ac_rc rc;
};

struct prefetch {
	struct pull *p;
	struct fed_client c;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a page queued, room freed, the end, or stop */
	const char *cid;
	char after[STORE_WATERMARK_MAX + 1]; /* the thread's: next page */
	struct fetched q[PREFETCH_DEPTH];
	size_t head, n;
	bool running; /* a thread was started and not yet joined */
	bool ended;   /* it queued its last page */
	bool stop;
};

static void page_rel(char *out, size_t cap, const struct pull *p,
		     const char *cid, const char *after)
{
	snprintf(out, cap, "collections/%s/objects/?limit=%zu%s%s", cid,
		 p->o.page_limit, after[0] ? "&added_after=" : "", after);
}

/* Fetches one page after f->after; whether another may follow it (f->after
 * then moves on). */
static bool fetch_ahead(struct prefetch *f, struct fetched *x)
{
	struct ac_err ignored;
	char rel[512];

	page_rel(rel, sizeof(rel), f->p, f->cid, f->after);
	x->rc = get_retry_on(f->p, &f->c, rel, &x->r, &x->err);
	if (x->rc)
		return false;
	fed_envelope_split(x->r.body.data, x->r.body.len, &x->env, &x->el);
	/* the reader reports a bad page; paging just stops here */
	if (!x->env.objects || !x->env.more || x->env.duplicate ||
	    x->env.malformed ||
	    check_added_last(f->cid, f->after, x->r.added_last, &ignored))
		return false;
	snprintf(f->after, sizeof(f->after), "%s", x->r.added_last);
	return true;
}

static void *prefetch_main(void *arg)
{
	struct prefetch *f = arg;
	bool more = true;

	pthread_mutex_lock(&f->mu);
	while (more && !f->stop) {
		struct fetched x = {0};

		if (f->n == PREFETCH_DEPTH) {
			pthread_cond_wait(&f->cv, &f->mu);
			continue;
		}
		pthread_mutex_unlock(&f->mu);
		more = fetch_ahead(f, &x);
		pthread_mutex_lock(&f->mu);
		f->q[(f->head + f->n++) % PREFETCH_DEPTH] = x;
		pthread_cond_broadcast(&f->cv);
	}
	f->ended = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Starts fetching the pages after `after`; when no thread can be started,
 * they are fetched in line. */
static void prefetch_start(struct prefetch *f, const char *cid,
			   const char *after)
{
	f->cid = cid;
	snprintf(f->after, sizeof(f->after), "%s", after);
	f->head = f->n = 0;
	f->ended = f->stop = false;
	f->running = !pthread_create(&f->th, NULL, prefetch_main, f);
}

/* The next fetched page into *r, *env and *el (r released by the caller;
 * el's old list is released): AC_OK or the fetch's error in err.
 * AC_ERR_NOTFOUND when the thread queued no further page. */
static ac_rc prefetch_take(struct prefetch *f, struct fed_response *r,
			   struct fed_envelope *env, struct fed_elems *el,
			   struct ac_err *err)
{
	struct fetched x;

	pthread_mutex_lock(&f->mu);
	while (!f->n && !f->ended)
		pthread_cond_wait(&f->cv, &f->mu);
	if (!f->n) {
		pthread_mutex_unlock(&f->mu);
		return AC_ERR_NOTFOUND;
	}
	x = f->q[f->head];
	f->head = (f->head + 1) % PREFETCH_DEPTH;
	f->n--;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	*r = x.r;
	*env = x.env;
	fed_elems_release(el);
	*el = x.el;
	if (x.rc && err)
		*err = x.err;
	return x.rc;
}

/* Stops the thread and drops the pages it fetched. */
static void prefetch_stop(struct prefetch *f)
{
	if (!f->running)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	f->running = false;
	for (; f->n; f->n--, f->head = (f->head + 1) % PREFETCH_DEPTH) {
		fed_response_release(&f->q[f->head].r);
		fed_elems_release(&f->q[f->head].el);
	}
}

/* A page handed to the ingest and not yet covered by a commit: where its
 * objects end (positions count bytes over all pages), and the watermark
 * it moves to. */
struct page_mark {
	uint64_t end;
	char added_last[STORE_WATERMARK_MAX + 1];
};

/* The pages of one collection handed to the ingest object by object (the
 * fetching thread split them), so the pipeline keeps going from page to
 * page. A commit moves the watermark (in the same transaction) to the last
 * page the ingest has wholly passed. Paging stops at the end, on a stop
 * request, or on an error (kept in rc/err); the input then ends, so what
 * was read still commits. */
struct pages {
	struct pull *p;
	struct prefetch *f;
	const char *cid;
	struct store_sync_state ss;	     /* watermark: committed so far */
	char after[STORE_WATERMARK_MAX + 1]; /* of the last page fetched */
	struct fed_response r;		     /* the page being read */
	struct fed_elems el;		     /* its objects */
	size_t next;			     /* the next of them */
	uint64_t base;			     /* position of r's first byte */
	uint64_t index;			     /* objects handed so far */
	struct page_mark *marks;	     /* pages not yet committed */
	size_t nmarks, cap;
	bool more, done;
	ac_rc rc;
	struct ac_err err;
};

static ac_rc add_mark(struct pages *g)
{
	struct page_mark *m;

	if (g->nmarks == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		m = realloc(g->marks, cap * sizeof(*m));
		if (!m)
			return ac_err_set(&g->err, AC_ERR_NOMEM,
					  "cannot page collection '%s': out "
					  "of memory",
					  g->cid);
		g->marks = m;
		g->cap = cap;
	}
	m = &g->marks[g->nmarks++];
	m->end = g->base + g->r.body.len;
	snprintf(m->added_last, sizeof(m->added_last), "%s", g->r.added_last);
	return AC_OK;
}

/* The next page into g->r: prefetched, or fetched now; checked. A page
 * with more after it starts the prefetching thread if it is not running. */
static ac_rc fetch_page(struct pages *g, struct fed_envelope *e)
{
	char rel[512];
	ac_rc rc = AC_ERR_NOTFOUND;

	if (g->f->running)
		rc = prefetch_take(g->f, &g->r, e, &g->el, &g->err);
	if (rc == AC_ERR_NOTFOUND) {
		prefetch_stop(g->f);
		page_rel(rel, sizeof(rel), g->p, g->cid, g->after);
		rc = get_retry(g->p, rel, &g->r, &g->err);
		if (!rc)
			fed_envelope_split(g->r.body.data, g->r.body.len, e,
					   &g->el);
	}
	if (rc)
		return rc;
	if (g->el.nomem)
		return ac_err_set(&g->err, AC_ERR_NOMEM,
				  "cannot page collection '%s': out of memory",
				  g->cid);
	if (e->duplicate)
		return ac_err_set(&g->err, AC_ERR_PARSE,
				  "a page of collection '%s' has two "
				  "'objects' members",
				  g->cid);
	if (e->malformed)
		return ac_err_set(&g->err, AC_ERR_PARSE,
				  "a page of collection '%s' is not "
				  "well-formed JSON (cut short, or brackets "
				  "or quotes that do not match)",
				  g->cid);
	if (!e->objects)
		return AC_OK;
	rc = check_added_last(g->cid, g->after, g->r.added_last, &g->err);
	if (rc)
		return rc;
	snprintf(g->after, sizeof(g->after), "%s", g->r.added_last);
	g->p->st->pages++;
	if (e->more && g->f->c.curl && !g->f->running)
		prefetch_start(g->f, g->cid, g->after);
	return AC_OK;
}

/* Moves on once the current page is read: marks it, then takes the next
 * page's objects, or ends the input. */
static void next_page(struct pages *g)
{
	struct fed_envelope e = {0};
	bool stop = g->p->o.stop && g->p->o.stop(g->p->o.stop_ctx);

	if (g->r.body.data && !g->rc)
		g->rc = add_mark(g);
	g->base += g->r.body.len;
	fed_response_release(&g->r);
	g->el.n = g->next = 0;
	if (!g->rc && g->more && !stop)
		g->rc = fetch_page(g, &e);
	if (g->rc || !g->more || stop || !e.objects) {
		fed_response_release(&g->r);
		g->el.n = 0;
		g->done = true;
		return;
	}
	g->more = e.more;
}

/* ingest_next_fn over the pages: their objects in order. */
static ac_rc pages_next(void *ctx, const char **data, size_t *len,
			struct stream_pos *pos, struct ac_err *err)
{
	struct pages *g = ctx;
	const size_t *at;

	(void)err; /* paging errors end the input; g->rc keeps them */
	while (g->next == g->el.n && !g->done)
		next_page(g);
	if (g->next == g->el.n)
		return AC_OK;
	at = g->el.at[g->next++];
	*data = g->r.body.data + at[0];
	*len = at[1] - at[0];
	pos->index = g->index++;
	pos->offset = g->base + at[0];
	pos->line = 1;
	return AC_OK;
}

/* Before each commit: the watermark moves to the last page wholly before
 * the object the ingest handled last (recorded in the same transaction). */
static ac_rc pages_commit(const struct stream_pos *last,
			  const struct ingest_stats *pending, void *ctx,
			  struct ac_err *err)
{
	struct pages *g = ctx;
	size_t covered = 0;

	while (last && covered < g->nmarks &&
	       g->marks[covered].end <= last->offset)
		covered++;
	g->ss.received += pending->accepted;
	if (!covered && !pending->accepted)
		return AC_OK;
	if (covered)
		snprintf(g->ss.watermark, sizeof(g->ss.watermark), "%s",
			 g->marks[covered - 1].added_last);
	g->nmarks -= covered;
	memmove(g->marks, g->marks + covered, g->nmarks * sizeof(*g->marks));
	g->ss.last_attempt_us = g->ss.last_success_us = ac_now_us();
	g->ss.last_error[0] = '\0';
	return store_sync_put(g->p->n->store, &g->ss, err);
}

/* After the ingest: every page read is in (or was rejected). */
static ac_rc pages_finish(struct pages *g, struct ac_err *err)
{
	if (!g->nmarks)
		return AC_OK;
	snprintf(g->ss.watermark, sizeof(g->ss.watermark), "%s",
		 g->marks[g->nmarks - 1].added_last);
	g->nmarks = 0;
	g->ss.last_attempt_us = g->ss.last_success_us = ac_now_us();
	g->ss.last_error[0] = '\0';
	return store_sync_put(g->p->n->store, &g->ss, err);
}

/* Ingests the pages' objects through the audited store: each
 * transaction is one audit `receive` entry. */
static ac_rc ingest_pages(struct pages *g, struct ac_err *err)
{
	struct audit_entry tmpl = {.actor_kind = AUDIT_ACTOR_PARTNER,
				   .actor = g->p->partner,
				   .action = AUDIT_RECEIVE,
				   .channel = "sync-pull",
				   .detail = g->cid};
	struct ingest_opts opts = g->p->ni.opts;
	struct store *audited = NULL;
	struct ingest in;
	ac_rc rc, frc;

	rc = audit_store_wrap(g->p->n->store, g->p->a, &tmpl, &audited, err);
	if (rc)
		return rc;
	opts.batch_size = PULL_PAGES_PER_COMMIT * g->p->o.page_limit;
	opts.batch_grow_max = node_batch_grow_max(opts.batch_size);
	opts.before_commit = pages_commit;
	opts.commit_ctx = g;
	ingest_init(&in, audited, &opts, on_reject, NULL, g->p);
	rc = ingest_elements(&in, pages_next, g, err);
	frc = ingest_finish(&in, rc ? NULL : err);
	if (!rc)
		rc = frc;
	add_stats(g->p->st, &in.stats);
	if (!rc)
		rc = pages_finish(g, err);
	store_close(audited);
	return rc;
}

/* Pages one collection from its watermark to the end. */
static ac_rc pull_collection(struct pull *p, struct prefetch *f,
			     const char *cid, struct ac_err *err)
{
	struct pages g = {.p = p, .f = f, .cid = cid, .more = true};
	ac_rc rc;

	rc = store_sync_get(p->n->store, p->partner, cid, &g.ss, err);
	if (rc == AC_ERR_NOTFOUND) {
		memset(&g.ss, 0, sizeof(g.ss));
		snprintf(g.ss.partner, sizeof(g.ss.partner), "%s", p->partner);
		snprintf(g.ss.collection, sizeof(g.ss.collection), "%s", cid);
		rc = AC_OK;
	}
	if (rc)
		return rc;
	snprintf(g.after, sizeof(g.after), "%s", g.ss.watermark);
	rc = ingest_pages(&g, err);
	prefetch_stop(f);
	fed_response_release(&g.r);
	fed_elems_release(&g.el);
	free(g.marks);
	if (!rc && g.rc) {
		*err = g.err;
		rc = g.rc;
	}
	return rc;
}

static ac_rc pull_all(struct pull *p, struct ac_err *err)
{
	struct prefetch f = {.p = p,
			     .mu = PTHREAD_MUTEX_INITIALIZER,
			     .cv = PTHREAD_COND_INITIALIZER};
	struct fed_response r = {0};
	json_t *body = NULL, *colls, *k;
	const char *cid;
	size_t i;
	ac_rc rc;

	rc = get_retry(p, "collections/", &r, err);
	if (!rc)
		rc = fed_parse_body(&r, "the collection list", &body, err);
	if (rc)
		goto out;
	/* a second connection for prefetching; without it pages are
	 * fetched one after the other */
	if (fed_client_open(&f.c, p->c.base, p->c.pin, p->c.token, NULL))
		fed_client_close(&f.c);
	else
		f.c.timeout_s = p->c.timeout_s;
	colls = json_object_get(body, "collections");
	if (json_array_size(colls) > COLLECTIONS_MAX) {
		rc = ac_err_set(err, AC_ERR_LIMIT,
				"partner '%s' lists more than %d collections",
				p->partner, COLLECTIONS_MAX);
		goto out;
	}
	json_array_foreach(colls, i, k)
	{
		cid = json_string_value(json_object_get(k, "id"));
		if (!json_is_true(json_object_get(k, "can_read")))
			continue;
		if (!cid || !fed_safe_collection_id(cid)) {
			rc = ac_err_set(err, AC_ERR_PARSE,
					"partner '%s' lists a collection with "
					"a bad id",
					p->partner);
			goto out;
		}
		rc = pull_collection(p, &f, cid, err);
		if (rc)
			goto out;
		p->st->collections++;
	}
out:
	fed_client_close(&f.c);
	pthread_cond_destroy(&f.cv);
	pthread_mutex_destroy(&f.mu);
	json_decref(body);
	fed_response_release(&r);
	return rc;
}

/* Records the outcome in the partner-wide state record. */
static void record_outcome(struct pull *p, ac_rc rc, const struct ac_err *e)
{
	struct store_sync_state ss;
	int64_t now = ac_now_us();

	store_sync_get(p->n->store, p->partner, "", &ss, NULL);
	ss.last_attempt_us = now;
	if (rc) {
		snprintf(ss.last_error, sizeof(ss.last_error), "%s",
			 e->msg[0] ? e->msg : ac_rc_name(rc));
	} else {
		ss.last_success_us = now;
		ss.last_error[0] = '\0';
		ss.received += p->st->accepted;
	}
	store_sync_put(p->n->store, &ss, NULL);
}

ac_rc fed_link_open(struct node *n, const char *partner, long timeout_s,
		    struct store_partner *who, struct store_partner_link *link,
		    struct fed_client *c, struct ac_err *err)
{
	char path[NODE_PATH_MAX], token[FED_TOKEN_MAX + 1];
	ac_rc rc;

	token[0] = '\0';
	rc = store_partner_get(n->store, partner, who, err);
	if (!rc)
		rc = store_partner_link_get(n->store, partner, link, err);
	if (!rc)
		rc = fed_token_path(n, partner, path, err);
	if (!rc)
		rc = fed_token_read(path, token, err);
	if (rc == AC_ERR_NOTFOUND && err && strstr(err->msg, ".token"))
		ac_err_prefix(err,
			      "no credentials for '%s' (use 'accord "
			      "partner credentials %s --token-file F')",
			      partner, partner);
	if (!rc)
		rc = fed_client_open(c, link->url, link->pin, token, err);
	sodium_memzero(token, sizeof(token));
	if (!rc && timeout_s > 0)
		c->timeout_s = timeout_s;
	return rc;
}

ac_rc fed_pull(struct node *n, struct audit *a, const char *partner,
	       const struct fed_pull_opts *o, struct fed_pull_stats *st,
	       struct ac_err *err)
{
	struct pull p = {.n = n, .a = a, .partner = partner, .st = st};
	struct ac_err local = {0};
	ac_rc rc;

	memset(st, 0, sizeof(*st));
	p.o = o ? *o : fed_pull_opts_default();
	if (p.o.page_limit == 0)
		p.o.page_limit = 1000;
	if (!err)
		err = &local;
	snprintf(p.source, sizeof(p.source), "partner:%s", partner);
	rc = fed_link_open(n, partner, p.o.timeout_s, &p.who, &p.link, &p.c,
			   err);
	if (rc == AC_ERR_NOTFOUND && !p.who.name[0])
		return rc; /* no such partner: nothing to record against */
	if (!rc)
		rc = node_ingest_open(&p.ni, n->dir, &n->cfg, n->store,
				      p.source, err);
	if (!rc)
		rc = pull_all(&p, err);
	node_ingest_release(&p.ni);
	fed_client_close(&p.c);
	record_outcome(&p, rc, err);
	return rc;
}
