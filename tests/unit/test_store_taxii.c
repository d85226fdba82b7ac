/* TAXII records of the store: collections, inbox membership, status
 * resources, source filters, and deleting versions with their full-text
 * entries (through ingest_delete). */
#include "base/common.h"
#include "ingest/ingest.h"
#include "store/store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define CID1 "11111111-1111-4111-8111-111111111111"
#define CID2 "22222222-2222-4222-8222-222222222222"
#define OBJ1 "identity--2f7a5d41-1b7e-4d43-9f0e-6c1f6b1f8a10"
#define OBJ2 "identity--3a7a5d41-1b7e-4d43-9f0e-6c1f6b1f8a11"
#define V1 "2026-01-01T00:00:00.000Z"
#define V2 "2026-02-01T00:00:00.000Z"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static void remove_store_files(const char *path)
{
	char p[128];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ac_err err;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-taxii-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	assert_int_equal(store_open(f->path, true, &f->s, &err), AC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	remove_store_files(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct store_collection coll(const char *id, const char *name,
				    enum store_scope scope)
{
	struct store_collection c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.title, sizeof(c.title), "Title of %s", name);
	c.scope = scope;
	c.read_roles = 3;
	c.write_roles = 1;
	return c;
}

/* Ingests one identity version with a searchable name. */
static enum ingest_outcome put(struct store *s, const char *id,
			       const char *version, const char *name,
			       const char *source, const char *collection)
{
	char buf[512];
	struct ingest_opts o = ingest_opts_default();
	enum ingest_outcome out = INGEST_REJECTED;
	struct ingest in;
	struct ac_err err;

	o.source = source;
	o.collection_id = collection;
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"identity\",\"spec_version\":\"2.1\","
		 "\"id\":\"%s\",\"created\":\"%s\",\"modified\":\"%s\","
		 "\"name\":\"%s\",\"identity_class\":\"organization\"}",
		 id, V1, version, name);
	ingest_init(&in, s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_text(&in, buf, strlen(buf), NULL, &out, &err),
			 AC_OK);
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	return out;
}

static int count_row(const struct store_row *row, void *ctx)
{
	(void)row;
	(*(size_t *)ctx)++;
	return 0;
}

static size_t count(struct store *s, const struct store_query *q)
{
	size_t n = 0;
	struct ac_err err;

	assert_int_equal(store_query(s, q, count_row, &n, &err), AC_OK);
	return n;
}

/* Full-text rows matching `word`, read straight from the FTS table. */
static int fts_count(const struct fixture *f, const char *word)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM objects_fts"
					    " WHERE objects_fts MATCH ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void schema_is_at_least_version_3(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	/* later migrations (5: identifier index) build on version 3 */
	assert_true(sqlite3_column_int(st, 0) >= 3);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int collect_names(const struct store_collection *c, void *ctx)
{
	struct ac_buf *b = ctx;

	ac_buf_adds(b, c->name);
	ac_buf_addc(b, ',');
	return 0;
}

static void collections_add_get_list(void **state)
{
	struct fixture *f = *state;
	struct store_collection a = coll(CID1, "zeta", STORE_SCOPE_OWN);
	struct store_collection b = coll(CID2, "alpha", STORE_SCOPE_INBOX);
	struct store_collection got;
	struct ac_buf names = AC_BUF_INIT(1024);
	struct ac_err err;

	assert_int_equal(store_collection_add(f->s, &a, &err), AC_OK);
	assert_int_equal(store_collection_add(f->s, &b, &err), AC_OK);
	assert_int_equal(store_collection_get(f->s, CID2, &got, &err), AC_OK);
	assert_string_equal(got.name, "alpha");
	assert_int_equal(got.scope, STORE_SCOPE_INBOX);
	assert_int_equal(got.read_roles, 3);
	assert_int_equal(got.write_roles, 1);
	assert_true(got.created_us > 0);
	assert_int_equal(store_collection_get(f->s, "zeta", &got, &err), AC_OK);
	assert_string_equal(got.id, CID1);
	assert_string_equal(got.title, "Title of zeta");
	/* creation order, not name order */
	assert_int_equal(
	    store_collection_list(f->s, collect_names, &names, &err), AC_OK);
	assert_string_equal(names.data, "zeta,alpha,");
	ac_buf_release(&names);
}

static void collections_bad_input(void **state)
{
	struct fixture *f = *state;
	struct store_collection a = coll(CID1, "one", STORE_SCOPE_OWN);
	struct store_collection dup_name = coll(CID2, "one", STORE_SCOPE_ALL);
	struct store_collection dup_id = coll(CID1, "two", STORE_SCOPE_ALL);
	struct store_collection empty = coll(CID2, "", STORE_SCOPE_ALL);
	struct store_collection got;
	struct ac_err err;

	assert_int_equal(store_collection_add(f->s, &a, &err), AC_OK);
	assert_int_equal(store_collection_add(f->s, &dup_name, &err),
			 AC_ERR_EXISTS);
	assert_non_null(strstr(err.msg, "taken"));
	assert_int_equal(store_collection_add(f->s, &dup_id, &err),
			 AC_ERR_EXISTS);
	assert_int_equal(store_collection_add(f->s, &empty, &err),
			 AC_ERR_USAGE);
	empty = coll(CID2, "bad", (enum store_scope)9);
	assert_int_equal(store_collection_add(f->s, &empty, &err),
			 AC_ERR_USAGE);
	assert_int_equal(store_collection_get(f->s, "nope", &got, &err),
			 AC_ERR_NOTFOUND);
	assert_int_equal(store_collection_get(f->s, "two", &got, &err),
			 AC_ERR_NOTFOUND);
}

static void membership_and_source_filters(void **state)
{
	struct fixture *f = *state;
	struct store_collection inbox = coll(CID1, "inbox", STORE_SCOPE_INBOX);
	struct store_query q = {0};
	struct ac_err err;

	assert_int_equal(store_collection_add(f->s, &inbox, &err), AC_OK);
	assert_int_equal(put(f->s, OBJ1, V1, "alpha", "local", CID1),
			 INGEST_ACCEPTED);
	assert_int_equal(put(f->s, OBJ2, V1, "beta", "partner:north", NULL),
			 INGEST_ACCEPTED);
	/* a duplicate is still recorded (idempotently) */
	assert_int_equal(put(f->s, OBJ2, V1, "beta", "partner:north", CID1),
			 INGEST_DUPLICATE);
	assert_int_equal(put(f->s, OBJ2, V1, "beta", "partner:north", CID1),
			 INGEST_DUPLICATE);
	q.collection_id = CID1;
	assert_int_equal(count(f->s, &q), 2);
	q.collection_id = CID2;
	assert_int_equal(count(f->s, &q), 0);
	memset(&q, 0, sizeof(q));
	q.source = "local";
	assert_int_equal(count(f->s, &q), 1);
	q.source = "partner:north";
	assert_int_equal(count(f->s, &q), 1);
	q.source = "partner";
	assert_int_equal(count(f->s, &q), 0);
	q.source = NULL;
	q.source_prefix = "partner:";
	assert_int_equal(count(f->s, &q), 1);
	q.source_prefix = "local:";
	assert_int_equal(count(f->s, &q), 0);
	/* an unknown collection is refused */
	assert_int_equal(store_member_add(f->s, CID2, OBJ1, &err),
			 AC_ERR_NOTFOUND);
	assert_int_equal(store_member_add(f->s, CID1, OBJ1, &err), AC_OK);
}

static void status_put_get_replace(void **state)
{
	struct fixture *f = *state;
	struct ac_buf out = AC_BUF_INIT(1024);
	struct ac_buf tiny = AC_BUF_INIT(4);
	struct ac_err err;

	assert_int_equal(store_status_get(f->s, CID1, &out, &err),
			 AC_ERR_NOTFOUND);
	assert_int_equal(store_status_put(f->s, CID1, "{\"a\":1}", 7, &err),
			 AC_OK);
	assert_int_equal(store_status_get(f->s, CID1, &out, &err), AC_OK);
	assert_string_equal(out.data, "{\"a\":1}");
	assert_int_equal(store_status_put(f->s, CID1, "{\"b\":2}", 7, &err),
			 AC_OK);
	ac_buf_reset(&out);
	assert_int_equal(store_status_get(f->s, CID1, &out, &err), AC_OK);
	assert_string_equal(out.data, "{\"b\":2}");
	assert_int_equal(store_status_get(f->s, CID1, &tiny, &err),
			 AC_ERR_LIMIT);
	ac_buf_release(&out);
	ac_buf_release(&tiny);
}

static void delete_one_version_then_all(void **state)
{
	struct fixture *f = *state;
	struct store_collection inbox = coll(CID1, "inbox", STORE_SCOPE_INBOX);
	const char *ids[] = {OBJ1};
	const char *at[] = {V1};
	struct store_query q = {0};
	uint64_t deleted = 9;
	struct ac_err err;

	assert_int_equal(store_collection_add(f->s, &inbox, &err), AC_OK);
	assert_int_equal(put(f->s, OBJ1, V1, "kestrel", "local", CID1),
			 INGEST_ACCEPTED);
	assert_int_equal(put(f->s, OBJ1, V2, "kestrel osprey", "local", CID1),
			 INGEST_ACCEPTED);
	assert_int_equal(put(f->s, OBJ2, V1, "kestrel", "local", NULL),
			 INGEST_ACCEPTED);
	assert_int_equal(fts_count(f, "kestrel"), 3);
	assert_int_equal(fts_count(f, "osprey"), 1);

	q.ids = ids;
	q.nids = 1;
	q.at_versions = at;
	q.nat_versions = 1;
	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(fts_count(f, "kestrel"), 2);
	q.nat_versions = 0;
	q.versions = STORE_VERSIONS_ALL;
	assert_int_equal(count(f->s, &q), 1);
	/* the object is still an inbox member while a version is left */
	memset(&q, 0, sizeof(q));
	q.collection_id = CID1;
	assert_int_equal(count(f->s, &q), 1);

	q.collection_id = NULL;
	q.ids = ids;
	q.nids = 1;
	q.versions = STORE_VERSIONS_ALL;
	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(count(f->s, &q), 0);
	assert_int_equal(fts_count(f, "kestrel"), 1);
	assert_int_equal(fts_count(f, "osprey"), 0);
	memset(&q, 0, sizeof(q));
	q.collection_id = CID1;
	assert_int_equal(count(f->s, &q), 0);
	/* deleting what is not there deletes nothing */
	q.collection_id = NULL;
	q.ids = ids;
	q.nids = 1;
	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_OK);
	assert_int_equal(deleted, 0);
	/* search still works and finds the other object */
	assert_int_equal(fts_count(f, "kestrel"), 1);
}

/* An object with more text than the full-text index keeps per object: the
 * words deleted with it are the words indexed, although its stored form
 * has its members in another order than its input had (which words fit
 * under the cap must not depend on that order). */
static void long_text_deleted_whole(void **state)
{
	struct fixture *f = *state;
	const char *id = "note--4b7a5d41-1b7e-4d43-9f0e-6c1f6b1f8a12";
	const char *ids[] = {id};
	struct ingest_opts o = ingest_opts_default();
	enum ingest_outcome out = INGEST_REJECTED;
	struct ac_buf obj = AC_BUF_INIT(1u << 20);
	struct store_query q = {0};
	struct ac_err err = {0};
	struct ingest in;
	uint64_t deleted = 0;

	/* "content" (63 KB) comes first here, after "abstract" (12 KB) when
	 * stored: only one of the two fits under the 64 KiB cap */
	assert_int_equal(ac_buf_adds(&obj, "{\"type\":\"note\",\"spec_version\""
					   ":\"2.1\",\"id\":\""),
			 AC_OK);
	assert_int_equal(ac_buf_adds(&obj, id), AC_OK);
	assert_int_equal(ac_buf_adds(&obj, "\",\"created\":\"" V1
					   "\",\"modified\":\"" V1
					   "\",\"object_refs\":[\"" OBJ1
					   "\"],\"content\":\""),
			 AC_OK);
	for (int i = 0; i < 9000; i++)
		assert_int_equal(ac_buf_adds(&obj, "falcon "), AC_OK);
	assert_int_equal(ac_buf_adds(&obj, "\",\"abstract\":\""), AC_OK);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(ac_buf_adds(&obj, "heron "), AC_OK);
	assert_int_equal(ac_buf_adds(&obj, "\"}"), AC_OK);
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_text(&in, obj.data, obj.len, NULL, &out, &err),
			 AC_OK);
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	assert_int_equal(out, INGEST_ACCEPTED);
	assert_int_equal(fts_count(f, "falcon") + fts_count(f, "heron"), 1);
	q.ids = ids;
	q.nids = 1;
	q.versions = STORE_VERSIONS_ALL;
	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(fts_count(f, "falcon"), 0);
	assert_int_equal(fts_count(f, "heron"), 0);
	ac_buf_release(&obj);
}

static void delete_needs_one_id(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = {OBJ1, OBJ2};
	struct store_query q = {0};
	uint64_t deleted;
	struct ac_err err;

	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_ERR_USAGE);
	q.ids = ids;
	q.nids = 2;
	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_ERR_USAGE);
	q.nids = 1;
	assert_int_equal(store_delete_versions(f->s, &q, NULL, &deleted, &err),
			 AC_ERR_USAGE);
}

static void delete_inside_open_transaction(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = {OBJ1};
	struct store_query q = {0};
	uint64_t deleted;
	struct ac_err err;

	assert_int_equal(put(f->s, OBJ1, V1, "merlin", "local", NULL),
			 INGEST_ACCEPTED);
	q.ids = ids;
	q.nids = 1;
	assert_int_equal(store_begin(f->s, &err), AC_OK);
	assert_int_equal(ingest_delete(f->s, &q, &deleted, &err), AC_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(store_rollback(f->s, &err), AC_OK);
	/* rolled back with the caller's transaction */
	assert_int_equal(count(f->s, &q), 1);
	assert_int_equal(fts_count(f, "merlin"), 1);
}

static void stored_text_rejects_bad_json(void **state)
{
	struct ac_buf out = AC_BUF_INIT(1024);
	(void)state;

	assert_int_equal(ingest_stored_text("{\"name\":\"a b\"}", 14, &out),
			 AC_OK);
	assert_string_equal(out.data, "a b");
	assert_int_equal(ingest_stored_text("{\"name\":", 8, &out),
			 AC_ERR_PARSE);
	ac_buf_release(&out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(schema_is_at_least_version_3),
	    T(collections_add_get_list),
	    T(collections_bad_input),
	    T(membership_and_source_filters),
	    T(status_put_get_replace),
	    T(delete_one_version_then_all),
	    T(delete_needs_one_id),
	    T(delete_inside_open_transaction),
	    cmocka_unit_test(stored_text_rejects_bad_json),
	    T(long_text_deleted_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
