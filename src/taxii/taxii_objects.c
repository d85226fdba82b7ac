/* TAXII objects endpoints: get and add objects, get and delete one object,
 * manifest and versions. Pages are cut on date_added: a page asks the
 * store for date_added > cursor in batches of limit + 1 rows and keeps
 * only the rows the access decision lets the caller see, so no row is
 * skipped or repeated while writers add objects and denied rows are never
 * shown or counted. `next` is the date_added (microseconds) of the last
 * row returned, or of the last row examined when the scan budget ran out
 * first (docs/internals/taxii.md). */
#include "base/common.h"
#include "taxii/taxii.h"

#include <inttypes.h>

#include "base/log.h"
#include "base/time.h"
#include "base/uuid.h"
#include "federation/erasure.h"
#include "ingest/ingest.h"
#include "node/node_ingest.h"
#include "stix/validate.h"
#include "taxii/taxii_int.h"

#define LIST_MAX 1000	       /* entries per match[...] list */
#define TYPE_MAX 250	       /* a STIX type name, bytes */
#define PAGE_BYTES (32u << 20) /* objects per response, in bytes */
#define PAGE_BATCHES 20	       /* store batches one page may scan */

/* The parsed query arguments of one request. */
struct filters {
	struct store_query q;
	const char *ids[LIST_MAX];
	const char *types[LIST_MAX];
	const char *spec_versions[LIST_MAX];
	const char *at_versions[LIST_MAX];
	char *copies[4]; /* the split list values */
	size_t ncopies;
	size_t limit;
	int64_t cursor;
};

static void filters_free(struct filters *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ncopies; i++)
		free(f->copies[i]);
	free(f);
}

static bool bad_request(struct taxii_call *c, const char *fmt, const char *v)
{
	taxii_error(c->resp, 400, "Bad request", fmt, v);
	return false;
}

/* Splits a comma-separated value into list (at most LIST_MAX items, none
 * empty). */
static bool split_list(struct taxii_call *c, struct filters *f, const char *key,
		       const char *value, const char **list, size_t *n)
{
	char *copy, *p;

	if (f->ncopies == AC_ARRAY_LEN(f->copies) || !(copy = strdup(value))) {
		taxii_fail(c->resp, NULL);
		return false;
	}
	f->copies[f->ncopies++] = copy;
	for (p = copy;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			return bad_request(c, "empty item in %s", key);
		if (*n == LIST_MAX)
			return bad_request(c, "too many items in %s", key);
		list[(*n)++] = p;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

static bool parse_versions(struct taxii_call *c, struct filters *f,
			   const char *value)
{
	const char *items[LIST_MAX];
	size_t n = 0;
	struct ac_ts ts;

	if (!split_list(c, f, "match[version]", value, items, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(items[i], "last"))
			f->q.versions |= STORE_VERSIONS_LAST;
		else if (!strcmp(items[i], "first"))
			f->q.versions |= STORE_VERSIONS_FIRST;
		else if (!strcmp(items[i], "all"))
			f->q.versions |= STORE_VERSIONS_ALL;
		else if (ac_ts_parse(items[i], &ts))
			f->at_versions[f->q.nat_versions++] = items[i];
		else
			return bad_request(c,
					   "match[version] '%.64s' is not "
					   "first, last, all or a timestamp",
					   items[i]);
	}
	return true;
}

static bool parse_number(const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	if (!v[0] || strspn(v, "0123456789") != strlen(v) || strlen(v) > 19)
		return false;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return !errno && *out <= max;
}

static bool parse_paging(struct taxii_call *c, struct filters *f)
{
	const char *limit = http_req_query(c->req, "limit");
	const char *next = http_req_query(c->req, "next");
	const char *after = http_req_query(c->req, "added_after");
	uint64_t n;
	struct ac_ts ts;

	f->limit = c->t->max_page;
	if (limit) {
		if (!parse_number(limit, UINT64_MAX / 2, &n) || n == 0)
			return bad_request(c,
					   "limit '%.32s' is not a positive "
					   "whole number",
					   limit);
		if (n < f->limit)
			f->limit = (size_t)n;
	}
	if (after) {
		if (!ac_ts_parse(after, &ts) || ts.sec < 0 ||
		    ts.sec > INT64_MAX / 1000000 - 1)
			return bad_request(c,
					   "added_after '%.64s' is not a "
					   "timestamp",
					   after);
		f->cursor = ts.sec * 1000000 + ts.nsec / 1000;
	}
	if (next) {
		if (!parse_number(next, INT64_MAX, &n))
			return bad_request(c, "next '%.64s' is not valid",
					   next);
		if ((int64_t)n > f->cursor)
			f->cursor = (int64_t)n;
	}
	return true;
}

/* Which rows the collection shows. */
static void apply_scope(const struct store_collection *k, struct store_query *q)
{
	switch (k->scope) {
	case STORE_SCOPE_OWN:
		q->source = "local";
		break;
	case STORE_SCOPE_PARTNERS:
		q->source_prefix = "partner:";
		break;
	case STORE_SCOPE_INBOX:
		q->collection_id = k->id;
		break;
	case STORE_SCOPE_ALL:
		break;
	}
}

enum filter_use {
	F_IDS = 1 << 0,	    /* match[id], match[type] */
	F_VERSION = 1 << 1, /* match[version] */
	F_PAGING = 1 << 2,  /* limit, next, added_after */
};

/* Parses the query arguments `use` allows (others are ignored, as the
 * specification lets a server do). NULL after an error response. */
static struct filters *parse_filters(struct taxii_call *c, unsigned use)
{
	struct filters *f = calloc(1, sizeof(*f));
	const char *v;

	if (!f) {
		taxii_fail(c->resp, NULL);
		return NULL;
	}
	f->q.ids = f->ids;
	f->q.types = f->types;
	f->q.spec_versions = f->spec_versions;
	f->q.at_versions = f->at_versions;
	if ((use & F_IDS) && (v = http_req_query(c->req, "match[id]")) &&
	    !split_list(c, f, "match[id]", v, f->ids, &f->q.nids))
		goto fail;
	if ((use & F_IDS) && (v = http_req_query(c->req, "match[type]")) &&
	    !split_list(c, f, "match[type]", v, f->types, &f->q.ntypes))
		goto fail;
	if ((v = http_req_query(c->req, "match[spec_version]")) &&
	    !split_list(c, f, "match[spec_version]", v, f->spec_versions,
			&f->q.nspec_versions))
		goto fail;
	if ((use & F_VERSION) &&
	    (v = http_req_query(c->req, "match[version]")) &&
	    !parse_versions(c, f, v))
		goto fail;
	if ((use & F_PAGING) && !parse_paging(c, f))
		goto fail;
	if (!(use & F_PAGING))
		f->limit = SIZE_MAX - 1;
	apply_scope(&c->coll, &f->q);
	return f;
fail:
	filters_free(f);
	return NULL;
}

/* ---- pages ---- */

enum page_kind { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS };

struct page {
	struct taxii_call *c;
	enum page_kind kind;
	struct audit_ids *ids; /* the ids returned, for the audit entry */
	struct ac_buf items;
	size_t n, limit;
	size_t seen;	   /* rows examined in this batch */
	int64_t scanned;   /* date_added of the last row examined */
	bool more, done;
	int64_t first, last;
	ac_rc rc;
};

/* A row's version for manifests and version lists: its modified/created,
 * or its date_added for objects that have neither (SCOs). */
static const char *row_version(const struct store_row *row,
			       char buf[AC_TS_STRLEN])
{
	if (row->version[0])
		return row->version;
	ac_ts_format_us(row->date_added_us, buf);
	return buf;
}

static ac_rc add_item(struct page *p, const struct store_row *row,
		      const char *redacted)
{
	char ver[AC_TS_STRLEN], added[AC_TS_STRLEN];
	struct ac_buf *b = &p->items;
	ac_rc rc = p->n ? ac_buf_addc(b, ',') : AC_OK;

	if (rc)
		return rc;
	switch (p->kind) {
	case PAGE_OBJECTS:
		return redacted ? ac_buf_adds(b, redacted)
				: ac_buf_add(b, row->json, row->json_len);
	case PAGE_VERSIONS:
		return ac_buf_add_json_str(b, row_version(row, ver));
	case PAGE_MANIFEST:
		ac_ts_format_us(row->date_added_us, added);
		rc = ac_buf_adds(b, "{\"id\":");
		if (!rc)
			rc = ac_buf_add_json_str(b, row->id);
		if (!rc)
			rc = ac_buf_addf(
			    b, ",\"date_added\":\"%s\",\"version\":", added);
		if (!rc)
			rc = ac_buf_add_json_str(b, row_version(row, ver));
		if (!rc)
			rc = ac_buf_addf(b, ",\"media_type\":\"%s\"}",
					 TAXII_STIX_MEDIA_TYPE);
		return rc;
	}
	return AC_ERR_INTERNAL;
}

/* Adds a row the caller may see, or ends the page (done) when it is full:
 * then a visible row remains, so `more` is exact. */
static int page_row(const struct store_row *row, void *ctx)
{
	struct page *p = ctx;
	size_t mark = p->items.len;
	char *redacted = NULL;
	bool visible;

	p->seen++;
	p->scanned = row->date_added_us;
	p->rc = taxii_access_row(p->c, row, &visible,
				 p->kind == PAGE_OBJECTS ? &redacted : NULL);
	if (p->rc || !visible)
		return p->rc != AC_OK;
	if (p->n == p->limit) {
		free(redacted);
		p->more = p->done = true;
		return 1;
	}
	p->rc = add_item(p, row, redacted);
	free(redacted);
	if (p->rc == AC_ERR_LIMIT && p->n) {
		/* the response is full: end the page here */
		p->items.len = mark;
		p->items.data[mark] = '\0';
		p->more = p->done = true;
		p->rc = AC_OK;
		return 1;
	}
	if (p->rc)
		return 1;
	if (p->ids && p->kind != PAGE_VERSIONS &&
	    audit_ids_add(p->ids, row->id)) {
		p->rc = AC_ERR_NOMEM;
		return 1;
	}
	if (!p->n)
		p->first = row->date_added_us;
	p->last = row->date_added_us;
	p->n++;
	return 0;
}

/* Runs the query for one page and writes the response. True when it
 * was sent (200). */
static bool send_page(struct taxii_call *c, struct filters *f,
		      enum page_kind kind)
{
	static const char *const keys[] = {
	    [PAGE_OBJECTS] = "objects",
	    [PAGE_MANIFEST] = "objects",
	    [PAGE_VERSIONS] = "versions",
	};
	struct page p = {
	    .c = c, .kind = kind, .ids = &c->ids, .limit = f->limit};
	bool sent = false, cut = false;
	struct ac_buf *b = &c->resp->body;
	struct ac_err err = {0};
	char ts[AC_TS_STRLEN];
	ac_rc rc = AC_OK;

	ac_buf_init(&p.items, PAGE_BYTES);
	if (!taxii_access_begin(c))
		goto out;
	p.scanned = f->cursor;
	for (int batch = 0; !p.done; batch++) {
		if (batch == PAGE_BATCHES) {
			/* budget spent: resume after the rows examined */
			cut = p.more = true;
			break;
		}
		p.seen = 0;
		f->q.added_after_us = p.scanned;
		f->q.limit = f->limit + 1;
		rc = store_query(c->store, &f->q, page_row, &p, &err);
		if (!rc && p.rc)
			rc = ac_err_set(&err, p.rc, "cannot build a page: %s",
					ac_rc_name(p.rc));
		if (rc || p.seen < f->q.limit)
			break; /* an error, or no rows left */
	}
	if (rc == AC_ERR_LIMIT || rc == AC_ERR_PARSE) {
		taxii_error(c->resp, 400, "Bad request", "%s", err.msg);
		goto out;
	}
	if (!rc)
		rc = ac_buf_addf(b, "{\"more\":%s", p.more ? "true" : "false");
	if (!rc && p.more)
		rc = ac_buf_addf(b, ",\"next\":\"%" PRId64 "\"",
				 cut ? p.scanned : p.last);
	if (!rc && p.n)
		rc = ac_buf_addf(b, ",\"%s\":[", keys[kind]);
	if (!rc && p.n)
		rc = ac_buf_add(b, p.items.data, p.items.len);
	if (!rc)
		rc = ac_buf_adds(b, p.n ? "]}" : "}");
	if (rc) {
		taxii_fail(c->resp, &err);
		goto out;
	}
	if (p.n) {
		ac_ts_format_us(p.first, ts);
		http_resp_header(c->resp, "X-TAXII-Date-Added-First", ts);
		ac_ts_format_us(p.last, ts);
		http_resp_header(c->resp, "X-TAXII-Date-Added-Last", ts);
	}
	taxii_ok(c->resp, 200);
	sent = true;
out:
	ac_buf_release(&p.items);
	return sent;
}

/* True when the collection shows object oid and the caller may see its
 * newest version; otherwise a 404 exactly like a missing object. */
static bool object_visible(struct taxii_call *c, const char *oid)
{
	const char *ids[1] = {oid};
	struct store_query q = {0};
	struct ac_err err = {0};
	bool exists, visible;

	if (!taxii_access_begin(c))
		return false;
	q.ids = ids;
	q.nids = 1;
	apply_scope(&c->coll, &q);
	if (taxii_access_newest(c, &q, &exists, &visible, &err)) {
		taxii_fail(c->resp, &err);
		return false;
	}
	if (!exists || !visible)
		taxii_error(c->resp, 404, "Not found", "no object '%.100s'",
			    oid);
	return exists && visible;
}

static bool readable(struct taxii_call *c, const char *channel)
{
	if (c->can_read)
		return true;
	taxii_error(c->resp, 403, "Forbidden",
		    "your role may not read collection '%s'", c->coll.id);
	taxii_audit_add(c, AUDIT_CONSULT, channel, AUDIT_DENIED,
			"role may not read the collection");
	return false;
}

/* A page of objects or of the manifest; the consult entry names the ids
 * returned. */
static void list_page(struct taxii_call *c, enum page_kind kind,
		      const char *channel)
{
	struct filters *f;

	if (!taxii_collection(c) || !readable(c, channel))
		return;
	f = parse_filters(c, F_IDS | F_VERSION | F_PAGING);
	if (f && (kind != PAGE_OBJECTS ||
		  taxii_purpose_check(c, f->types, f->q.ntypes, channel)) &&
	    send_page(c, f, kind) &&
	    (kind != PAGE_OBJECTS || taxii_disclosure_record(c)))
		taxii_audit_add(c, taxii_read_action(c), channel, AUDIT_OK,
				NULL);
	filters_free(f);
}

void taxii_get_objects(struct taxii_call *c)
{
	list_page(c, PAGE_OBJECTS, "taxii-page");
}

void taxii_manifest(struct taxii_call *c)
{
	list_page(c, PAGE_MANIFEST, "taxii-manifest");
}

/* The type part of an object id ("indicator" of "indicator--..."), cut
 * to fit out. */
static void type_of(const char *oid, char *out, size_t cap)
{
	const char *dashes = strstr(oid, "--");
	size_t n = dashes ? (size_t)(dashes - oid) : strlen(oid);

	if (n >= cap)
		n = cap - 1;
	memcpy(out, oid, n);
	out[n] = '\0';
}

/* One object's versions (objects/{oid}/ and .../versions/). */
static void one_object(struct taxii_call *c, enum page_kind kind)
{
	struct filters *f = NULL;
	const char *oid = http_req_param(c->req, "oid");
	char type[TYPE_MAX + 1];
	const char *types[1] = {type};

	type_of(oid, type, sizeof(type));
	if (!taxii_collection(c) || !readable(c, "taxii-get") ||
	    (kind == PAGE_OBJECTS &&
	     !taxii_purpose_check(c, types, 1, "taxii-get")) ||
	    !object_visible(c, oid))
		return;
	f = parse_filters(c, (kind == PAGE_OBJECTS ? F_VERSION : 0) | F_PAGING);
	if (!f)
		return;
	f->ids[0] = oid;
	f->q.nids = 1;
	if (kind == PAGE_VERSIONS)
		f->q.versions = STORE_VERSIONS_ALL;
	if (send_page(c, f, kind)) {
		if (kind == PAGE_VERSIONS && audit_ids_add(&c->ids, oid))
			taxii_fail(c->resp, NULL);
		else if (taxii_disclosure_record(c))
			taxii_audit_add(c, taxii_read_action(c), "taxii-get",
					AUDIT_OK,
					kind == PAGE_VERSIONS
					    ? "versions"
					    : NULL);
	}
	filters_free(f);
}

void taxii_get_object(struct taxii_call *c)
{
	one_object(c, PAGE_OBJECTS);
}

void taxii_versions(struct taxii_call *c)
{
	one_object(c, PAGE_VERSIONS);
}

/* Collects "v1, v2, ..." of the versions a delete will remove. */
static int list_version(const struct store_row *row, void *ctx)
{
	struct ac_buf *b = ctx;
	char ver[AC_TS_STRLEN];

	if (ac_buf_addf(b, "%s%s", b->len ? ", " : "versions ",
			row_version(row, ver)))
		return 1; /* the detail is full: the count says the rest */
	return 0;
}

/* Deletes inside a transaction whose erase entry commits first: the
 * record of the erasure never lags the erasure. */
static ac_rc erase(struct taxii_call *c, struct filters *f, const char *oid,
		   uint64_t *deleted, struct ac_err *err)
{
	struct ac_buf vers = AC_BUF_INIT(AUDIT_FIELD_MAX - 128);
	ac_rc rc;

	rc = store_query(c->store, &f->q, list_version, &vers, err);
	if (!rc)
		rc = store_begin(c->store, err);
	if (rc)
		goto out;
	rc = ingest_delete(c->store, &f->q, deleted, err);
	if (!rc && *deleted) {
		snprintf(c->detail, sizeof(c->detail), "%s; deleted %" PRIu64
			 " version(s); %s", vers.data ? vers.data : "",
			 *deleted, c->who_detail);
		if (audit_ids_add(&c->ids, oid))
			rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory");
		else
			taxii_audit_add(c, AUDIT_ERASE, "taxii-delete",
					AUDIT_OK, c->detail);
		if (!rc && !taxii_audit_flush(c, err))
			rc = err->rc ? err->rc : AC_ERR_IO;
	}
	if (!rc)
		rc = store_commit(c->store, err);
	if (rc) {
		struct ac_err rerr = {0};
		store_rollback(c->store, &rerr);
	}
out:
	ac_buf_release(&vers);
	return rc;
}

struct notified_delete {
	struct taxii_call *c;
	struct ac_buf vers; /* "versions v1, v2, ..." */
	/* the versions selected, for the notices (none: every version) */
	char (*named)[STORE_VERSION_MAX];
	const char *ptrs[STIX_ERASE_VERSIONS_MAX];
	size_t n;
	bool whole; /* an SCO (one version) or every version: the object */
	bool too_many;
};

/* Writes the erase entry of a DELETE before its transaction commits
 * (fed_erase's hook). */
static ac_rc audit_delete(const struct fed_erase_req *r,
			  const struct fed_erase_result *res, void *ctx,
			  struct ac_err *err)
{
	struct notified_delete *w = ctx;
	struct taxii_call *c = w->c;

	audit_ids_reset(&c->ids);
	if (audit_ids_add(&c->ids, r->object_id))
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	snprintf(c->detail, sizeof(c->detail),
		 "%s; deleted %" PRIu64 " version(s)%s: erasure notices "
		 "queued for %zu partner(s); %s",
		 w->vers.data ? w->vers.data : "", res->versions,
		 r->nversions ? "" : ", the whole object", res->notified,
		 c->who_detail);
	taxii_audit_add(c, AUDIT_ERASE, "taxii-delete", AUDIT_OK, c->detail);
	if (!taxii_audit_flush(c, err))
		return err->rc ? err->rc : AC_ERR_IO;
	return AC_OK;
}

/* Lists the selected versions for the audit detail and the notices. */
static int select_version(const struct store_row *row, void *ctx)
{
	struct notified_delete *w = ctx;

	list_version(row, &w->vers);
	if (!row->version[0]) {
		w->whole = true;
	} else if (w->n == STIX_ERASE_VERSIONS_MAX ||
		   strlen(row->version) >= STORE_VERSION_MAX) {
		w->too_many = true;
		return 1;
	} else {
		snprintf(w->named[w->n], STORE_VERSION_MAX, "%s",
			 row->version);
		w->ptrs[w->n] = w->named[w->n];
		w->n++;
	}
	return 0;
}

/* A DELETE on a node is an erasure like `accord erase`, of every version
 * or of the versions it selects: the partners that received the object
 * get notices naming them (sent by the serve loop). */
static ac_rc erase_notified(struct taxii_call *c, struct filters *f,
			    const char *oid, uint64_t *deleted,
			    struct ac_err *err)
{
	char reason[AUTH_PURPOSE_MAX + 64];
	struct notified_delete w = {.c = c,
				    .vers = AC_BUF_INIT(AUDIT_FIELD_MAX - 256),
				    .whole = f->q.versions ==
					     STORE_VERSIONS_ALL};
	struct fed_erase_req r = {.object_id = oid,
				  .reason = reason,
				  .actor = c->who.user,
				  .self_identity = c->t->node->identity_id,
				  .now_us = ac_now_us()};
	struct fed_erase_result res = {0};
	ac_rc rc;

	*deleted = 0;
	w.named = calloc(STIX_ERASE_VERSIONS_MAX, sizeof(*w.named));
	if (!w.named)
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	snprintf(reason, sizeof(reason), "TAXII DELETE%s%s",
		 c->purpose[0] ? "; purpose: " : "", c->purpose);
	rc = fed_erase_check_id(oid, c->t->node->identity_id, err);
	if (!rc)
		rc = store_query(c->store, &f->q, select_version, &w, err);
	if (!rc && w.too_many && !w.whole)
		rc = ac_err_set(err, AC_ERR_LIMIT,
				"a DELETE of some versions can erase at most "
				"%d at once (partners are told which)",
				STIX_ERASE_VERSIONS_MAX);
	if (!w.whole) {
		r.versions = w.ptrs;
		r.nversions = w.n;
	}
	/* nothing selected: nothing to erase, nobody to tell */
	if (!rc && (w.whole || w.n))
		rc = fed_erase(c->store, &r, audit_delete, &w, &res, err);
	*deleted = rc ? 0 : res.versions;
	ac_buf_release(&w.vers);
	free(w.named);
	return rc;
}

void taxii_delete_object(struct taxii_call *c)
{
	const char *oid = http_req_param(c->req, "oid");
	struct ac_err err = {0};
	struct filters *f = NULL;
	uint64_t deleted = 0;

	if (!taxii_collection(c))
		return;
	if (!c->can_write || (c->who.role != AUTH_ROLE_SUPERVISOR &&
			      c->who.role != AUTH_ROLE_ADMIN)) {
		taxii_error(c->resp, 403, "Forbidden",
			    "deleting needs write access to the collection "
			    "and the supervisor or admin role");
		return;
	}
	if (!object_visible(c, oid))
		return;
	f = parse_filters(c, F_VERSION);
	if (!f)
		return;
	f->ids[0] = oid;
	f->q.nids = 1;
	if (!f->q.versions && !f->q.nat_versions)
		f->q.versions = STORE_VERSIONS_ALL;
	if (c->t->node ? erase_notified(c, f, oid, &deleted, &err)
		       : erase(c, f, oid, &deleted, &err)) {
		if (err.rc == AC_ERR_LIMIT || err.rc == AC_ERR_PARSE ||
		    err.rc == AC_ERR_USAGE)
			taxii_error(c->resp, 400, "Bad request", "%s",
				    err.msg);
		else if (err.rc == AC_ERR_PERM)
			taxii_error(c->resp, 422, "Cannot be erased", "%s",
				    err.msg);
		else
			taxii_fail(c->resp, &err);
	} else {
		ac_log(AC_LOG_INFO,
		       "taxii: '%s' deleted %" PRIu64 " version(s) of '%s'",
		       c->who.user, deleted, oid);
		taxii_ok(c->resp, 200);
	}
	filters_free(f);
}

/* ---- add objects ---- */

struct adding {
	json_t *successes, *failures;
	char why[AC_ERR_MSG_MAX];
	const char *partner; /* the writer, when it is a partner */
};

static void on_reject(const char *objid, const struct stream_pos *pos,
		      const char *reason, void *ctx)
{
	struct adding *a = ctx;

	(void)pos;
	snprintf(a->why, sizeof(a->why), "%s", reason);
	if (a->partner)
		ac_log(AC_LOG_WARN, "taxii: from partner '%s': rejected "
		       "'%.128s': %s", a->partner, objid ? objid : "?",
		       reason);
}

static void record(json_t *list, const json_t *obj, const char *message)
{
	const char *id = stix_get_str(obj, "id");
	const char *version = json_is_object(obj) ? stix_version_of(obj) : NULL;
	json_t *d = json_pack("{s:s, s:s}", "id", id ? id : "", "version",
			      version ? version : "");

	if (d && message)
		json_object_set_new(d, "message", json_string(message));
	json_array_append_new(list, d);
}

/* Checks one envelope entry against the per-object limits. */
static bool within_limits(const struct taxii *t, const json_t *obj,
			  struct adding *a)
{
	struct ac_err err = {0};
	char *text;
	size_t len;
	bool ok;

	if (!json_is_object(obj)) {
		snprintf(a->why, sizeof(a->why), "not a JSON object");
		return false;
	}
	text = json_dumps(obj, JSON_COMPACT);
	if (!text) {
		snprintf(a->why, sizeof(a->why), "cannot serialise the object");
		return false;
	}
	len = strlen(text);
	ok = len <= t->limits.max_object_bytes &&
	     !stix_json_precheck(text, len, &t->limits, &err);
	if (len > t->limits.max_object_bytes)
		snprintf(a->why, sizeof(a->why),
			 "object is larger than %zu bytes",
			 t->limits.max_object_bytes);
	else if (!ok)
		snprintf(a->why, sizeof(a->why), "%s", err.msg);
	free(text);
	return ok;
}

/* For a partner: may it write obj? Its agreement must be in force and
 * cover the object's areas (policy WRITE), and an object id this node
 * already holds must be one the partner may see. False with a reason
 * in a->why that names nothing but the object itself. */
static bool partner_may_write(struct taxii_call *c, const json_t *obj,
			      struct adding *a, struct ac_err *err)
{
	const char *id = stix_get_str(obj, "id");
	const char *ids[1] = {id};
	struct policy_reason why;
	struct policy_object po;
	struct store_query q = {0};
	bool exists, visible;

	memset(&po, 0, sizeof(po));
	if (policy_markings_read(obj, &c->t->markings, &po.markings, err)) {
		snprintf(a->why, sizeof(a->why), "%s", err->msg);
		return false;
	}
	po.source = POLICY_SOURCE_PARTNER;
	snprintf(po.source_partner, sizeof(po.source_partner), "%s",
		 c->acc.subj.name);
	po.received_us = c->acc.subj.now_us;
	if (!policy_decide(&c->acc.subj, &po, POLICY_WRITE, &why)) {
		snprintf(a->why, sizeof(a->why),
			 "not accepted under the sharing agreement (%s)",
			 policy_code_name(why.code));
		return false;
	}
	if (!id)
		return true; /* validation rejects it */
	q.ids = ids;
	q.nids = 1;
	if (taxii_access_newest(c, &q, &exists, &visible, err))
		return false;
	if (exists && !visible) {
		snprintf(a->why, sizeof(a->why), "not accepted");
		return false;
	}
	return true;
}

/* Ingests every entry into s; store failures end it with an error.
 * *stored gets the number of new versions committed. */
static ac_rc ingest_envelope(struct taxii_call *c, struct store *s,
			     const json_t *objects, struct adding *a,
			     uint64_t *stored, struct ac_err *err)
{
	struct ingest_opts o = ingest_opts_default();
	struct node_ingest ni = {0};
	enum ingest_outcome out;
	struct ingest in;
	const json_t *obj;
	size_t i;
	ac_rc rc = AC_OK, frc;

	char source[8 + POLICY_NAME_MAX + 1];

	snprintf(source, sizeof(source), "partner:%s", c->acc.subj.name);
	a->partner = c->who.is_partner ? c->acc.subj.name : NULL;
	if (c->t->node) {
		rc = node_ingest_setup(&ni, c->t->node, &c->t->keys, c->store,
				       c->who.is_partner ? source : "local",
				       err);
		if (rc)
			return rc;
		o = ni.opts;
	} else {
		o.source = c->who.is_partner ? source : "local";
		o.corr = c->t->corr;
		o.limits = c->t->limits;
		if (c->t->batch_size)
			o.batch_size = c->t->batch_size;
	}
	o.collection_id = c->coll.id;
	o.corr.store = c->store; /* the connection under an audit wrapper */
	ingest_init(&in, s, &o, on_reject, NULL, a);
	json_array_foreach(objects, i, obj)
	{
		a->why[0] = '\0';
		if (!within_limits(c->t, obj, a)) {
			record(a->failures, obj, a->why);
			continue;
		}
		if (c->who.is_partner && !partner_may_write(c, obj, a, err)) {
			if (err->rc && err->rc != AC_ERR_INVALID) {
				rc = err->rc; /* the store failed */
				break;
			}
			memset(err, 0, sizeof(*err));
			record(a->failures, obj, a->why);
			continue;
		}
		rc = ingest_json(&in, obj, NULL, &out, err);
		if (rc)
			break;
		if (out == INGEST_REJECTED)
			record(a->failures, obj, a->why);
		else
			record(a->successes, obj, NULL);
	}
	frc = ingest_finish(&in, rc ? NULL : err);
	node_ingest_release(&ni);
	*stored = in.stats.accepted;
	return rc ? rc : frc;
}

static json_t *status_json(const char *id, int64_t started,
			   const struct adding *a)
{
	char ts[AC_TS_STRLEN];
	size_t ok = json_array_size(a->successes);
	size_t bad = json_array_size(a->failures);

	ac_ts_format_us(started, ts);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:O, s:I, s:O, s:I, s:[]}",
			 "id", id, "status", "complete", "request_timestamp",
			 ts, "total_count", (json_int_t)(ok + bad),
			 "success_count", (json_int_t)ok, "successes",
			 a->successes, "failure_count", (json_int_t)bad,
			 "failures", a->failures, "pending_count",
			 (json_int_t)0, "pendings");
}

/* Parses the body as an envelope; on false the error response is set. */
static json_t *parse_envelope(struct taxii_call *c)
{
	struct stix_limits lim = c->t->limits;
	struct ac_err err = {0};
	size_t len = 0;
	const char *body = http_req_body(c->req, &len);
	json_t *env = NULL;
	ac_rc rc;

	lim.max_object_bytes = len + 1;
	lim.max_string_bytes = len + 1;
	lim.max_depth = c->t->limits.max_depth + 2;
	rc = stix_json_parse(body, len, &lim, &env, &err);
	if (rc == AC_ERR_PARSE) {
		taxii_error(c->resp, 400, "Bad request",
			    "the body is not valid JSON: %s", err.msg);
		return NULL;
	}
	if (rc) {
		taxii_error(c->resp, 422, "Unprocessable entity", "%s",
			    err.msg);
		return NULL;
	}
	if (!json_is_object(env) ||
	    !json_is_array(json_object_get(env, "objects"))) {
		json_decref(env);
		taxii_error(c->resp, 422, "Unprocessable entity",
			    "the body must be a TAXII envelope: an object with "
			    "an \"objects\" array");
		return NULL;
	}
	return env;
}

/* Ingests the envelope through a store that writes the ingest entries
 * (committed before each data batch commits) when auditing is on. */
static ac_rc ingest_audited(struct taxii_call *c, const json_t *objects,
			    struct adding *a, const char *sid,
			    struct ac_err *err)
{
	struct audit_entry tmpl = {0};
	struct store *w = NULL;
	uint64_t stored = 0;
	ac_rc rc;

	if (!c->t->audit)
		return ingest_envelope(c, c->store, objects, a, &stored, err);
	snprintf(c->detail, sizeof(c->detail), "status %s; collection %s; %s",
		 sid, c->coll.id, c->who_detail);
	if (c->npending == TAXII_AUDIT_PENDING)
		return ac_err_set(err, AC_ERR_INTERNAL, "audit batch full");
	taxii_audit_add(c, c->who.is_partner ? AUDIT_RECEIVE : AUDIT_INGEST,
			"taxii-post", AUDIT_OK, c->detail);
	tmpl = c->pending[--c->npending]; /* the template, not an entry */
	rc = audit_store_wrap_writer(c->store, c->t->audit, &tmpl, &w, err);
	if (!rc)
		rc = ingest_envelope(c, w, objects, a, &stored, err);
	store_close(w);
	if (!rc && stored == 0) /* nothing new: still record the request */
		taxii_audit_add(c,
				c->who.is_partner ? AUDIT_RECEIVE
						  : AUDIT_INGEST,
				"taxii-post", AUDIT_OK, c->detail);
	return rc;
}

void taxii_add_objects(struct taxii_call *c)
{
	struct adding a = {json_array(), json_array(), "", NULL};
	struct http_resp *resp = c->resp;
	char sid[AC_UUID_STRLEN];
	int64_t started = ac_now_us();
	struct ac_err err = {0};
	json_t *env = NULL, *st = NULL, *stored = NULL;
	char *text = NULL;

	if (!taxii_collection(c))
		goto out;
	if (!c->can_write) {
		taxii_error(resp, 403, "Forbidden",
			    "your role may not write to collection '%s'",
			    c->coll.id);
		goto out;
	}
	if (c->who.is_partner && c->coll.scope != STORE_SCOPE_INBOX &&
	    c->coll.scope != STORE_SCOPE_PARTNERS) {
		taxii_error(resp, 403, "Forbidden",
			    "a partner may write only to inbox or partners "
			    "collections, not to '%s'",
			    c->coll.id);
		goto out;
	}
	if (!taxii_access_begin(c))
		goto out;
	if (!taxii_content_type_ok(http_req_header(c->req, "Content-Type"))) {
		taxii_error(resp, 415, "Unsupported media type", "send %s",
			    TAXII_MEDIA_TYPE);
		goto out;
	}
	if (!(env = parse_envelope(c)) ||
	    !taxii_erasure_take(c, json_object_get(env, "objects"),
				a.successes, a.failures))
		goto out;
	ac_uuid_v4(sid);
	if (!a.successes || !a.failures ||
	    ingest_audited(c, json_object_get(env, "objects"), &a, sid,
			   &err)) {
		taxii_fail(resp, &err);
		goto out;
	}
	st = status_json(sid, started, &a);
	stored = st ? json_pack("{s:s, s:O}", "owner", c->who.user, "status",
				st)
		    : NULL;
	text = stored ? json_dumps(stored, JSON_COMPACT) : NULL;
	if (!text ||
	    store_status_put(c->store, sid, text, strlen(text), &err) ||
	    http_resp_json(resp, 202, st)) {
		taxii_fail(resp, &err);
		goto out;
	}
	taxii_ok(resp, 202);
out:
	free(text);
	json_decref(stored);
	json_decref(st);
	json_decref(env);
	json_decref(a.successes);
	json_decref(a.failures);
}
