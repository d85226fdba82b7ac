/* The ingest step for person names: names rows and "person-name"
 * correlation (see service.h). */
#include "base/common.h"
#include "names/service.h"

#include <jansson.h>
#include "base/time.h"
#include "names/extract.h"
#include "stix/json.h"

/* The best probable match with one other person. */
struct found {
	char ref[NAMES_HIT_REF_MAX + 1];
	char source[STORE_NAME_MAX + 16];
	char value[2 * NAMES_MAX_BYTES + 8]; /* "ours ~ theirs" */
	double score;
};

#define FOUND_MAX (NAMES_PERSON_MAX * NAMES_CORR_TOP)

struct found_set {
	struct found items[FOUND_MAX];
	size_t n;
};

static int first_source(const struct store_person_name *row, void *ctx)
{
	snprintf(ctx, STORE_NAME_MAX + 16, "%s", row->source);
	return 1;
}

static void keep_best(struct found_set *fs, const struct names_hit *h,
		      const char *source, const char *ours)
{
	struct found *f = NULL;

	for (size_t i = 0; i < fs->n && !f; i++)
		if (!strcmp(fs->items[i].ref, h->ref))
			f = &fs->items[i];
	if (f && f->score >= h->score)
		return;
	if (!f && fs->n == FOUND_MAX)
		return;
	if (!f)
		f = &fs->items[fs->n++];
	snprintf(f->ref, sizeof(f->ref), "%s", h->ref);
	snprintf(f->source, sizeof(f->source), "%s", source);
	snprintf(f->value, sizeof(f->value), "%s ~ %s", ours, h->name);
	f->score = h->score;
}

/* Looks up one of our names and keeps the probable matches with persons
 * of other sources. */
static ac_rc match_name(struct store *s, const struct store_obj *so,
			const char *name, struct found_set *fs,
			struct ac_err *err)
{
	struct names_hit hits[NAMES_CORR_TOP];
	char source[STORE_NAME_MAX + 16];
	struct ac_err qerr = {0};
	size_t n = 0;
	ac_rc rc;

	rc = names_service_query(s, name, NAMES_CORR_TOP, hits, &n, &qerr);
	if (rc == AC_ERR_PARSE || rc == AC_ERR_LIMIT || rc == AC_ERR_INVALID)
		return AC_OK; /* a name the matcher cannot read: no match */
	if (rc)
		return ac_err_set(err, rc, "%s", qerr.msg);
	for (size_t i = 0; i < n && !rc; i++) {
		if (hits[i].score < NAMES_PROBABLE ||
		    !strcmp(hits[i].ref, so->id))
			continue;
		source[0] = '\0';
		rc = store_names_get(s, hits[i].ref, first_source, source, err);
		if (!rc && source[0] && strcmp(source, so->source))
			keep_best(fs, &hits[i], source, name);
	}
	return rc;
}

static ac_rc correlate(struct store *s, const struct store_obj *so,
		       const char *const *names, size_t n,
		       struct names_ingest_stats *st, struct ac_err *err)
{
	struct found_set *fs = NULL;
	bool others = false;
	ac_rc rc = names_service_other_sources(s, so->source, &others, err);

	if (rc || !others)
		return rc; /* every indexed name is ours: nothing to find */
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");

	for (size_t i = 0; i < n && !rc; i++)
		rc = match_name(s, so, names[i], fs, err);
	for (size_t i = 0; i < fs->n && !rc; i++) {
		struct store_correlation c = {
		    .kind = NAMES_CORR_KIND,
		    .value = fs->items[i].value,
		    .object_a = fs->items[i].ref,
		    .source_a = fs->items[i].source,
		    .object_b = so->id,
		    .source_b = so->source,
		    .score = fs->items[i].score > 1 ? 1 : fs->items[i].score,
		};
		bool inserted = false;

		rc = store_correlation_add(s, &c, true, &inserted, err);
		if (!rc && inserted) {
			st->correlations++;
			st->alerts++;
		}
	}
	free(fs);
	return rc;
}

struct newest {
	json_t *obj;
	char source[STORE_NAME_MAX + 16];
	bool found;
};

static int take_newest(const struct store_row *row, void *ctx)
{
	struct newest *n = ctx;
	json_error_t jerr;

	n->found = true;
	n->obj = json_loadb(row->json, row->json_len, 0, &jerr);
	snprintf(n->source, sizeof(n->source), "%s", row->source);
	return 1;
}

ac_rc names_refresh_object(struct store *s, const char *object_id,
			   struct ac_err *err)
{
	const char *names[NAMES_PERSON_MAX];
	struct newest nw = {NULL, "", false};
	struct store_query q = {0};
	size_t n = 0;
	ac_rc rc;

	if (!store_names_supported(s))
		return AC_OK;
	q.ids = &object_id;
	q.nids = 1;
	q.versions = STORE_VERSIONS_LAST;
	rc = store_query(s, &q, take_newest, &nw, err);
	if (!rc && nw.found && !nw.obj)
		rc = ac_err_set(err, AC_ERR_PARSE,
				"cannot read the names of '%s'", object_id);
	if (!rc && nw.obj)
		n = names_of_person(nw.obj, names, AC_ARRAY_LEN(names));
	if (!rc)
		rc = store_names_replace(s, object_id, nw.source, names, n,
					 ac_now_us(), err);
	json_decref(nw.obj);
	return rc;
}

ac_rc names_ingest_list(struct store *obj_store, struct store *names_store,
			const struct store_obj *so, const char *const *names,
			size_t n, bool correlate_names,
			struct names_ingest_stats *st, struct ac_err *err)
{
	bool newer = false, others = false;
	ac_rc rc;

	if (strcmp(so->type, "identity") || !store_names_supported(names_store))
		return AC_OK;
	/* an older version arriving late does not replace the names; the
	 * first version of an id has none to replace */
	rc = store_other_versions(obj_store, so->id, so->version, &newer,
				  &others, err);
	if (rc || newer)
		return rc;
	rc = others ? store_names_replace(names_store, so->id, so->source,
					  names, n, ac_now_us(), err)
		    : store_names_add(names_store, so->id, so->source, names,
				      n, ac_now_us(), err);
	if (!rc && n)
		st->persons++;
	if (!rc && n && correlate_names)
		rc = correlate(names_store, so, names, n, st, err);
	return rc;
}

ac_rc names_ingest_object(struct store *obj_store, struct store *names_store,
			  const struct store_obj *so, bool correlate_names,
			  struct names_ingest_stats *st, struct ac_err *err)
{
	const char *names[NAMES_PERSON_MAX];
	struct ac_err perr = {0};
	json_t *obj = NULL;
	size_t n;
	ac_rc rc;

	if (strcmp(so->type, "identity") || !store_names_supported(names_store))
		return AC_OK;
	/* the stored text passed the ingest limits: the fast parser */
	rc = stix_json_parse_checked(so->json, so->json_len, &obj, &perr);
	if (rc)
		return ac_err_set(err, rc, "cannot read the names of '%s': %s",
				  so->id, perr.msg);
	n = names_of_person(obj, names, AC_ARRAY_LEN(names));
	rc = names_ingest_list(obj_store, names_store, so, names, n,
			       correlate_names, st, err);
	json_decref(obj);
	return rc;
}
