/* The process's name index over the store's person_names table.
 *
 * One index per process, built at first use and guarded by a mutex. Each
 * query first syncs it with the store it is given: rows have increasing
 * ids that are never reused, so the rows with id > the last one indexed
 * are simply added. The index cannot forget a name, so a new version that
 * replaces a person's names leaves the old ones in it: every hit is
 * checked against the table before it is returned, and the index is
 * rebuilt once the deletions since the last build pass a quarter of the
 * names it holds (so many updates cost a rebuild now and then, not one per
 * update). It is also rebuilt for another store (its random uid), when the
 * highest id went down, and after names_service_reset (a rollback, whose
 * rows the index may have seen).
 *
 * Ingest asks names_service_other_sources for every person it stores. That
 * does not index the new rows: it only reads the rows after the indexed
 * ones (and after those it already found to be of the asking source), so
 * the cost of indexing falls on the next query, once for all rows. */
#include "base/common.h"
#include "names/service.h"

#include <pthread.h>

#define SOURCES_MAX 64

struct service {
	pthread_mutex_t lock;
	struct names_index *ix;
	struct store_names_state seen; /* state the index reflects */
	int64_t built_deletions;       /* deletions when it was built */
	bool stale;
	/* the distinct sources of the indexed rows (many: more than fit) */
	char *sources[SOURCES_MAX];
	size_t nsources;
	bool many_sources;
	/* the rows after seen.max_id up to own_upto (not indexed yet) are all
	 * of own_source; 0 when unknown */
	int64_t own_upto;
	char own_source[STORE_NAME_MAX + 16];
};

static struct service svc = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void sources_clear(void)
{
	for (size_t i = 0; i < svc.nsources; i++)
		free(svc.sources[i]);
	svc.nsources = 0;
	svc.many_sources = false;
}

/* Remembers a row's source; false only when out of memory. */
static bool sources_note(const char *source)
{
	char *copy;

	for (size_t i = 0; i < svc.nsources; i++)
		if (!strcmp(svc.sources[i], source))
			return true;
	if (svc.nsources == SOURCES_MAX) {
		svc.many_sources = true;
		return true;
	}
	copy = strdup(source);
	if (!copy)
		return false;
	svc.sources[svc.nsources++] = copy;
	return true;
}

/* Names of one object collected from consecutive rows of a scan. */
struct pending {
	struct names_index *ix;
	char *ref;
	char *names[STORE_PERSON_NAMES_MAX];
	size_t n;
	int64_t last_id;
	ac_rc rc;
};

static void pending_clear(struct pending *p)
{
	free(p->ref);
	p->ref = NULL;
	for (size_t i = 0; i < p->n; i++)
		free(p->names[i]);
	p->n = 0;
}

static ac_rc pending_flush(struct pending *p)
{
	struct ac_err ignored = {0};
	ac_rc rc = AC_OK;

	if (p->ref && p->n)
		rc = names_index_add(p->ix, p->ref,
				     (const char *const *)p->names, p->n, NULL,
				     &ignored);
	pending_clear(p);
	return rc;
}

static int add_row(const struct store_person_name *row, void *ctx)
{
	struct pending *p = ctx;

	p->last_id = row->id;
	if (!sources_note(row->source)) {
		p->rc = AC_ERR_NOMEM;
		return 1;
	}
	if (p->ref && strcmp(p->ref, row->object_id) &&
	    (p->rc = pending_flush(p)))
		return 1;
	if (!p->ref && !(p->ref = strdup(row->object_id))) {
		p->rc = AC_ERR_NOMEM;
		return 1;
	}
	if (p->n < STORE_PERSON_NAMES_MAX) {
		if (!(p->names[p->n] = strdup(row->name))) {
			p->rc = AC_ERR_NOMEM;
			return 1;
		}
		p->n++;
	}
	return 0;
}

static bool must_rebuild(const struct store_names_state *now)
{
	int64_t held = svc.ix ? (int64_t)names_index_count(svc.ix) : 0;

	return !svc.ix || svc.stale ||
	       strcmp(now->store_uid, svc.seen.store_uid) ||
	       now->max_id < svc.seen.max_id ||
	       now->deletions < svc.built_deletions ||
	       now->deletions - svc.built_deletions > 64 + held / 4;
}

/* Brings svc.ix up to date with s. Called with the lock held. */
static ac_rc sync_index(struct store *s, struct ac_err *err)
{
	struct store_names_state now;
	struct pending p = {0};
	ac_rc rc = store_names_state(s, &now, err);

	if (rc)
		return rc;
	if (must_rebuild(&now)) {
		names_index_free(svc.ix);
		svc.ix = NULL;
		memset(&svc.seen, 0, sizeof(svc.seen));
		sources_clear();
		rc = names_index_new(&svc.ix, err);
		if (rc)
			return rc;
		svc.stale = false;
		svc.built_deletions = now.deletions;
	}
	if (now.max_id == svc.seen.max_id)
		goto done;
	p.ix = svc.ix;
	p.last_id = svc.seen.max_id;
	rc = store_names_scan(s, svc.seen.max_id, add_row, &p, err);
	if (!rc && p.rc)
		rc = ac_err_set(err, p.rc, "cannot index person names: %s",
				ac_rc_name(p.rc));
	if (!rc && (rc = pending_flush(&p)))
		ac_err_set(err, rc, "cannot index person names: %s",
			   ac_rc_name(rc));
	pending_clear(&p);
	if (rc) {
		svc.stale = true; /* partly added: start over next time */
		return rc;
	}
	now.max_id = p.last_id > now.max_id ? p.last_id : now.max_id;
done:
	svc.seen = now;
	svc.own_upto = 0;
	return AC_OK;
}

struct still_ctx {
	const char *name;
	bool found;
};

static int still_named(const struct store_person_name *row, void *ctx)
{
	struct still_ctx *c = ctx;

	c->found = !strcmp(row->name, c->name);
	return c->found;
}

/* Whether the table still gives ref the name (not replaced since). */
static ac_rc still_there(struct store *s, const struct names_match *m,
			 bool *yes, struct ac_err *err)
{
	struct still_ctx c = {m->name, false};
	ac_rc rc = store_names_get(s, m->ref, still_named, &c, err);

	*yes = !rc && c.found;
	return rc;
}

static void copy_hit(struct names_hit *h, const struct names_match *m)
{
	snprintf(h->ref, sizeof(h->ref), "%s", m->ref);
	snprintf(h->name, sizeof(h->name), "%s", m->name);
	h->score = m->score;
}

ac_rc names_service_query(struct store *s, const char *name, size_t top,
			  struct names_hit *out, size_t *nout,
			  struct ac_err *err)
{
	struct names_match *m;
	size_t nm = 0;
	bool yes;
	ac_rc rc;

	*nout = 0;
	if (!top || top > 1000)
		return ac_err_set(err, AC_ERR_USAGE,
				  "top must be 1..1000, not %zu", top);
	m = calloc(top, sizeof(*m));
	if (!m)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&svc.lock);
	rc = sync_index(s, err);
	if (!rc)
		rc = names_index_query(svc.ix, name, top, m, &nm, err);
	for (size_t i = 0; !rc && i < nm; i++)
		if (!(rc = still_there(s, &m[i], &yes, err)) && yes)
			copy_hit(&out[(*nout)++], &m[i]);
	if (rc)
		*nout = 0;
	pthread_mutex_unlock(&svc.lock);
	free(m);
	return rc;
}

void names_service_reset(void)
{
	pthread_mutex_lock(&svc.lock);
	svc.stale = true;
	pthread_mutex_unlock(&svc.lock);
}

/* Whether the indexed rows have a source other than `source`. */
static bool indexed_other(const char *source)
{
	for (size_t i = 0; i < svc.nsources; i++)
		if (strcmp(svc.sources[i], source))
			return true;
	return svc.many_sources;
}

/* Whether the rows not indexed yet (up to now->max_id) have a source other
 * than `source`; reads only the rows not checked before. Lock held. */
static ac_rc unindexed_other(struct store *s,
			     const struct store_names_state *now,
			     const char *source, bool *yes,
			     struct ac_err *err)
{
	int64_t last = svc.seen.max_id;
	bool other = false;
	ac_rc rc;

	if (svc.own_upto > last && svc.own_upto <= now->max_id &&
	    !strcmp(svc.own_source, source))
		last = svc.own_upto;
	if (last >= now->max_id)
		return AC_OK;
	rc = store_names_other_after(s, last, source, &other, &last, err);
	if (rc)
		return rc;
	if (other) { /* index them: the caller looks them up next */
		rc = sync_index(s, err);
		*yes = !rc && indexed_other(source);
		return rc;
	}
	svc.own_upto = last;
	snprintf(svc.own_source, sizeof(svc.own_source), "%s", source);
	return AC_OK;
}

ac_rc names_service_other_sources(struct store *s, const char *source,
				  bool *yes, struct ac_err *err)
{
	struct store_names_state now;
	ac_rc rc;

	*yes = false;
	pthread_mutex_lock(&svc.lock);
	rc = store_names_state(s, &now, err);
	if (!rc && must_rebuild(&now))
		rc = sync_index(s, err);
	if (!rc)
		*yes = indexed_other(source);
	if (!rc && !*yes)
		rc = unindexed_other(s, &now, source, yes, err);
	pthread_mutex_unlock(&svc.lock);
	return rc;
}

void names_service_free(void)
{
	pthread_mutex_lock(&svc.lock);
	sources_clear();
	names_index_free(svc.ix);
	svc.ix = NULL;
	memset(&svc.seen, 0, sizeof(svc.seen));
	svc.stale = false;
	pthread_mutex_unlock(&svc.lock);
}
