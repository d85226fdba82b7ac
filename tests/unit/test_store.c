#include "base/common.h"
#include "base/time.h"
#include "store/store.h"
#include "store/store_sqlite.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define MAX_ROWS 256
#define ID1 "indicator--11111111-1111-4111-8111-111111111111"
#define ID2 "indicator--22222222-2222-4222-8222-222222222222"
#define ID3 "malware--33333333-3333-4333-8333-333333333333"
#define T1 "2016-04-06T20:03:48.000Z"
#define T2 "2017-01-01T00:00:00.000Z"
#define T3 "2018-05-05T12:00:00.123456Z"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

struct rows {
	size_t n;
	char id[MAX_ROWS][80];
	char version[MAX_ROWS][40];
	int64_t added[MAX_ROWS];
	bool revoked[MAX_ROWS];
	char json[MAX_ROWS][128];
	size_t stop_after; /* 0 = never */
};

static struct rows got;

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
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	assert_int_equal(store_open(f->path, true, &f->s, &err), AC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	store_close(f->s);
	remove_store_files(f->path);
	snprintf(p, sizeof(p), "%s/plain.txt", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A stand-in content hash: FNV-1a spread over 32 bytes. */
static void fake_hash(const char *json, uint8_t out[STORE_HASH_LEN])
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = json; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	for (size_t i = 0; i < STORE_HASH_LEN; i++) {
		h = (h ^ i) * 1099511628211ULL;
		out[i] = (uint8_t)(h >> 56);
	}
}

static ac_rc put_full(struct store *s, const char *id, const char *version,
		      const char *json, const char *text, bool revoked,
		      enum store_put_result *res, struct ac_err *err)
{
	char type[64];
	struct store_obj o = {0};
	const char *dash = strstr(id, "--");
	size_t n = dash ? (size_t)(dash - id) : strlen(id);

	snprintf(type, sizeof(type), "%.*s", (int)n, id);
	o.id = id;
	o.type = type;
	o.version = version;
	o.spec_version = "2.1";
	o.revoked = revoked;
	o.source = "local";
	fake_hash(json, o.hash);
	o.json = json;
	o.json_len = strlen(json);
	o.text = text;
	return store_put(s, &o, res, err);
}

static enum store_put_result put_ok(struct store *s, const char *id,
				    const char *version, const char *json,
				    const char *text)
{
	enum store_put_result res;
	struct ac_err err = {0};
	ac_rc rc = put_full(s, id, version, json, text, false, &res, &err);
	if (rc)
		fail_msg("put '%s' '%s': %s", id, version, err.msg);
	return res;
}

static int collect(const struct store_row *r, void *ctx)
{
	(void)ctx;
	assert_true(got.n < MAX_ROWS);
	snprintf(got.id[got.n], sizeof(got.id[0]), "%s", r->id);
	snprintf(got.version[got.n], sizeof(got.version[0]), "%s", r->version);
	snprintf(got.json[got.n], sizeof(got.json[0]), "%.*s", (int)r->json_len,
		 r->json);
	got.added[got.n] = r->date_added_us;
	got.revoked[got.n] = r->revoked;
	got.n++;
	return got.stop_after && got.n >= got.stop_after;
}

static ac_rc run_query(struct store *s, const struct store_query *q,
		       struct ac_err *err)
{
	memset(&got, 0, sizeof(got));
	return store_query(s, q, collect, NULL, err);
}

static size_t count_query(struct store *s, const struct store_query *q)
{
	struct ac_err err = {0};
	ac_rc rc = run_query(s, q, &err);
	if (rc)
		fail_msg("query: %s", err.msg);
	return got.n;
}

static size_t count_all(struct store *s)
{
	struct store_query q = {.versions = STORE_VERSIONS_ALL};
	return count_query(s, &q);
}

static ac_rc run_search(struct store *s, const char *text, size_t limit,
			struct ac_err *err)
{
	memset(&got, 0, sizeof(got));
	return store_search(s, text, limit, collect, NULL, err);
}

static void reopen(struct fixture *f)
{
	struct ac_err err;
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->path, false, &f->s, &err), AC_OK);
}

/* --- open ---------------------------------------------------------------- */

static void open_create_and_reopen(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(put_ok(f->s, ID1, T1, "{\"a\":1}", NULL),
			 STORE_PUT_NEW);
	reopen(f);
	assert_int_equal(count_all(f->s), 1);
	assert_string_equal(got.json[0], "{\"a\":1}");
	/* create=true on an existing store keeps its contents */
	store_close(f->s);
	assert_int_equal(store_open(f->path, true, &f->s, NULL), AC_OK);
	assert_int_equal(count_all(f->s), 1);
}

static void open_missing_file_fails(void **state)
{
	struct fixture *f = *state;
	struct store *s = f->s;
	struct ac_err err = {0};
	char path[128];

	snprintf(path, sizeof(path), "%s/nope.db", f->dir);
	assert_int_equal(store_open(path, false, &s, &err), AC_ERR_NOTFOUND);
	assert_null(s);
	assert_non_null(strstr(err.msg, "no such file"));
	assert_non_null(strstr(err.msg, "nope.db"));
	assert_int_equal(access(path, F_OK), -1);
}

static void open_refuses_foreign_files(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	struct ac_err err = {0};
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/plain.txt", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a database, just some text that is long enough "
	      "to fill a header page of sqlite if it tried to read one\n",
	      fp);
	fclose(fp);
	assert_int_not_equal(store_open(path, true, &s, &err), AC_OK);
	assert_null(s);
	assert_non_null(strstr(err.msg, "plain.txt"));

	/* an empty file is not an accord store unless we may create one */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_open(path, false, &s, &err), AC_ERR_STORE);
	assert_non_null(strstr(err.msg, "not an accord store"));
	remove_store_files(path);
}

static void open_refuses_newer_schema(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = {0};
	sqlite3 *db;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, false, &f->s, &err), AC_ERR_STORE);
	assert_null(f->s);
	assert_non_null(strstr(err.msg, "newer"));
	assert_non_null(strstr(err.msg, "999"));
}

static int64_t fts_hashsize(const char *path)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT v FROM objects_fts_config"
					    " WHERE k = 'hashsize'",
					    -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Schema 12 sets the FTS5 pending-terms size, also on an older file; the
 * text still indexes and searches. */
static void fts_hashsize_set_and_upgraded(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;

	assert_int_equal(fts_hashsize(f->path), 8388608);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "DELETE FROM objects_fts_config"
				      " WHERE k = 'hashsize';"
				      "ALTER TABLE erasure_outbox"
				      " DROP COLUMN last_attempt_us;"
				      "ALTER TABLE erasure_outbox"
				      " DROP COLUMN versions;"
				      "DROP TABLE disclosure_log;"
				      "DROP TABLE person_names;"
				      "CREATE TABLE person_names (id INTEGER"
				      " PRIMARY KEY AUTOINCREMENT, object_id,"
				      " source, name, created_us);"
				      "PRAGMA user_version = 11;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fts_hashsize(f->path), -1);
	reopen(f);
	assert_int_equal(fts_hashsize(f->path), 8388608);
	put_ok(f->s, ID1, "2016-04-06T20:03:48.000Z", "{\"x\":1}",
	       "ransomware dropper");
	assert_int_equal(run_search(f->s, "dropper", 0, NULL), AC_OK);
	assert_int_equal(got.n, 1);
}

static int page_size_of(const char *path)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	int v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A new file gets 16 KiB pages; a file made with other pages keeps them
 * and works as before. */
static void page_size_new_and_existing(void **state)
{
	struct fixture *f = *state;
	char other[128];
	struct store *s = NULL;
	struct ac_err err = {0};
	sqlite3 *db;

	assert_int_equal(page_size_of(f->path), 16384);
	snprintf(other, sizeof(other), "%s/old.db", f->dir);
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA page_size = 4096;"
				      "CREATE TABLE t (x); DROP TABLE t;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(other, true, &s, &err), AC_OK);
	assert_int_equal(page_size_of(other), 4096);
	put_ok(s, ID1, "2016-04-06T20:03:48.000Z", "{\"x\":1}", "dropper");
	assert_int_equal(run_search(s, "dropper", 0, NULL), AC_OK);
	assert_int_equal(got.n, 1);
	store_close(s);
	remove_store_files(other);
}

static void open_refuses_postgres_for_now(void **state)
{
	struct store *s = NULL;
	struct ac_err err = {0};
	(void)state;
	assert_int_equal(store_open("postgres://db/accord", true, &s, &err),
			 AC_ERR_USAGE);
	assert_null(s);
	assert_int_equal(store_open("", true, &s, &err), AC_ERR_USAGE);
}

/* --- put ----------------------------------------------------------------- */

static void put_new_duplicate_conflict(void **state)
{
	struct fixture *f = *state;
	enum store_put_result res;
	struct ac_err err = {0};
	int64_t added;

	assert_int_equal(put_ok(f->s, ID1, T1, "{\"v\":1}", NULL),
			 STORE_PUT_NEW);
	assert_int_equal(count_all(f->s), 1);
	added = got.added[0];
	assert_int_equal(put_ok(f->s, ID1, T1, "{\"v\":1}", NULL),
			 STORE_PUT_DUPLICATE);
	assert_int_equal(
	    put_full(f->s, ID1, T1, "{\"v\":2}", NULL, false, &res, &err),
	    AC_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, ID1));
	assert_non_null(strstr(err.msg, T1));
	/* nothing changed */
	assert_int_equal(count_all(f->s), 1);
	assert_string_equal(got.json[0], "{\"v\":1}");
	assert_int_equal(got.added[0], added);
	/* a later version of the same id is new */
	assert_int_equal(put_ok(f->s, ID1, T2, "{\"v\":2}", NULL),
			 STORE_PUT_NEW);
	assert_int_equal(count_all(f->s), 2);
}

static void put_equal_instants_are_one_version(void **state)
{
	struct fixture *f = *state;
	enum store_put_result res;
	struct ac_err err = {0};
	struct store_query q = {.versions = STORE_VERSIONS_ALL};
	const char *at[] = {"2016-04-06T20:03:48Z"};

	assert_int_equal(
	    put_ok(f->s, ID1, "2016-04-06T20:03:48.000Z", "{\"x\":1}", NULL),
	    STORE_PUT_NEW);
	/* same instant, same content hash → duplicate */
	assert_int_equal(
	    put_ok(f->s, ID1, "2016-04-06T20:03:48Z", "{\"x\":1}", NULL),
	    STORE_PUT_DUPLICATE);
	/* same instant, other content → conflict */
	assert_int_equal(put_full(f->s, ID1, "2016-04-06T20:03:48.0Z",
				  "{\"x\":2}", NULL, false, &res, &err),
			 AC_ERR_CONFLICT);
	assert_non_null(strstr(err.msg, "2016-04-06T20:03:48.0Z"));
	/* a nanosecond later is another version */
	assert_int_equal(put_ok(f->s, ID1, "2016-04-06T20:03:48.000000001Z",
				"{\"x\":3}", NULL),
			 STORE_PUT_NEW);
	assert_int_equal(count_query(f->s, &q), 2);
	/* looking a version up by another spelling finds it */
	q.versions = 0;
	q.at_versions = at;
	q.nat_versions = 1;
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], "2016-04-06T20:03:48.000Z");
}

static bool has_newer(struct store *s, const char *id, const char *version)
{
	struct ac_err err = {0};
	bool newer = true, others;

	if (store_other_versions(s, id, version, &newer, &others, &err))
		fail_msg("has_newer '%s' '%s': %s", id, version, err.msg);
	return newer;
}

/* "others" as store_other_versions reports it, with newer checked */
static bool others_of(struct store *s, const char *id, const char *version,
		      bool want_newer)
{
	struct ac_err err = {0};
	bool newer = !want_newer, others = false;

	if (store_other_versions(s, id, version, &newer, &others, &err))
		fail_msg("other_versions '%s' '%s': %s", id, version, err.msg);
	assert_true(newer == want_newer);
	return others;
}

/* One probe tells a first version (nothing else of its id) from a later
 * or an earlier one. */
static void other_versions_of_an_id(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = {0};
	bool newer = true, others = true;

	assert_false(others_of(f->s, ID1, "2016-04-06T20:03:48.000Z", false));
	put_ok(f->s, ID1, "2016-04-06T20:03:48.000Z", "{\"x\":1}", NULL);
	/* the stored version itself does not count, in any spelling */
	assert_false(others_of(f->s, ID1, "2016-04-06T20:03:48.000Z", false));
	assert_false(others_of(f->s, ID1, "2016-04-06T20:03:48Z", false));
	assert_true(others_of(f->s, ID1, "2016-04-06T20:03:47.999Z", true));
	assert_true(others_of(f->s, ID1, "2017-01-01T00:00:00Z", false));
	put_ok(f->s, ID1, "2016-05-01T00:00:00Z", "{\"x\":2}", NULL);
	assert_true(others_of(f->s, ID1, "2016-04-06T20:03:48.000Z", true));
	assert_true(others_of(f->s, ID1, "2016-05-01T00:00:00.000Z", false));
	assert_false(others_of(f->s, ID2, "2016-05-01T00:00:00.000Z", false));
	assert_int_equal(store_other_versions(f->s, ID1, "soon", &newer,
					      &others, &err),
			 AC_ERR_INVALID);
	assert_false(newer);
	assert_false(others);
	assert_int_equal(store_other_versions(f->s, NULL, "", &newer, &others,
					      &err),
			 AC_ERR_USAGE);
}

static void has_newer_compares_instants(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = {0};
	bool newer = true, others;

	put_ok(f->s, ID1, "2016-04-06T20:03:48.000Z", "{\"x\":1}", NULL);
	assert_false(has_newer(f->s, ID1, "2016-04-06T20:03:48.000Z"));
	put_ok(f->s, ID1, "2016-05-01T00:00:00Z", "{\"x\":2}", NULL);
	assert_true(has_newer(f->s, ID1, "2016-04-06T20:03:48.000Z"));
	/* another spelling of the newest instant: nothing later */
	assert_false(has_newer(f->s, ID1, "2016-05-01T00:00:00.000Z"));
	assert_true(has_newer(f->s, ID1, "2016-04-30T23:59:59.999999999Z"));
	/* only versions of that id count; an unknown id has none */
	assert_false(has_newer(f->s, ID2, "1990-01-01T00:00:00Z"));
	/* "" (an SCO) is before every timestamp */
	assert_true(has_newer(f->s, ID1, ""));
	/* bad input */
	assert_int_equal(store_other_versions(f->s, ID1, "yesterday", &newer,
					      &others, &err),
			 AC_ERR_INVALID);
	assert_false(newer);
	assert_non_null(strstr(err.msg, "yesterday"));
	assert_int_equal(store_other_versions(f->s, ID1, NULL, &newer, &others,
					      &err),
			 AC_ERR_USAGE);
}

static void put_rejects_bad_input(void **state)
{
	struct fixture *f = *state;
	enum store_put_result res;
	struct ac_err err = {0};
	struct store_obj o = {0};

	assert_int_equal(
	    put_full(f->s, ID1, "yesterday", "{}", NULL, false, &res, &err),
	    AC_ERR_INVALID);
	assert_non_null(strstr(err.msg, "yesterday"));
	assert_int_equal(put_full(f->s, ID1, "9999-12-31T23:59:59Z", "{}", NULL,
				  false, &res, &err),
			 AC_ERR_INVALID);
	assert_int_equal(put_full(f->s, ID1, "2016-04-06 20:03:48Z", "{}", NULL,
				  false, &res, &err),
			 AC_ERR_INVALID);
	assert_int_equal(store_put(f->s, &o, &res, &err), AC_ERR_USAGE);
	assert_int_equal(count_all(f->s), 0);
	/* SCOs have no version */
	assert_int_equal(
	    put_ok(f->s, "ipv4-addr--44444444-4444-5444-8444-444444444444", "",
		   "{\"value\":\"198.51.100.3\"}", NULL),
	    STORE_PUT_NEW);
	assert_int_equal(
	    put_ok(f->s, "ipv4-addr--44444444-4444-5444-8444-444444444444", "",
		   "{\"value\":\"198.51.100.3\"}", NULL),
	    STORE_PUT_DUPLICATE);
	assert_int_equal(count_all(f->s), 1);
}

static void put_keeps_revoked_versions(void **state)
{
	struct fixture *f = *state;
	enum store_put_result res;
	struct ac_err err = {0};
	struct store_query q = {0};

	put_ok(f->s, ID1, T1, "{\"v\":1}", NULL);
	assert_int_equal(put_full(f->s, ID1, T2, "{\"v\":2,\"revoked\":true}",
				  NULL, true, &res, &err),
			 AC_OK);
	assert_int_equal(count_all(f->s), 2);
	assert_false(got.revoked[0]);
	assert_true(got.revoked[1]);
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], T2);
	assert_true(got.revoked[0]);
}

/* --- date_added ------------------------------------------------------------
 */

static void assert_strictly_increasing(void)
{
	for (size_t i = 1; i < got.n; i++)
		assert_true(got.added[i] > got.added[i - 1]);
}

static void date_added_strictly_increasing(void **state)
{
	struct fixture *f = *state;
	struct store *other = NULL;
	char id[80], json[32];
	int64_t before_reopen;

	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id),
			 "note--%08d-0000-4000-8000-000000000000", i);
		put_ok(f->s, id, T1, "{}", NULL);
	}
	assert_int_equal(count_all(f->s), 100);
	assert_strictly_increasing();
	before_reopen = got.added[99];

	reopen(f);
	put_ok(f->s, ID1, T1, "{}", NULL);
	assert_int_equal(count_all(f->s), 101);
	assert_strictly_increasing();
	assert_true(got.added[100] > before_reopen);

	/* two handles on one file take turns, as two processes would */
	assert_int_equal(store_open(f->path, false, &other, NULL), AC_OK);
	for (int i = 0; i < 50; i++) {
		snprintf(json, sizeof(json), "{\"i\":%d}", i);
		snprintf(id, sizeof(id),
			 "note--%08d-1111-4000-8000-000000000000", i);
		put_ok(i % 2 ? other : f->s, id, T1, json, NULL);
	}
	store_close(other);
	assert_int_equal(count_all(f->s), 151);
	assert_strictly_increasing();
}

static void date_added_never_goes_back(void **state)
{
	struct fixture *f = *state;
	int64_t future = ac_now_us() + 3600LL * 1000000;
	char sql[256];
	sqlite3 *db;

	/* a row stamped an hour ahead, as after the clock was set back */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO objects (id, type, version, version_ns,"
		 " spec_version, revoked, source, hash, json, date_added)"
		 " VALUES ('note--x', 'note', '', 0, '2.1', 0, 'local',"
		 " zeroblob(32), '{}', %lld)",
		 (long long)future);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	put_ok(f->s, ID1, T1, "{}", NULL);
	put_ok(f->s, ID2, T1, "{}", NULL);
	assert_int_equal(count_all(f->s), 3);
	assert_int_equal(got.added[0], future);
	assert_int_equal(got.added[1], future + 1);
	assert_int_equal(got.added[2], future + 2);
}

/* --- query -----------------------------------------------------------------
 */

/* ID1: T2 stored first, then T3, then T1. ID2: T1. ID3 (malware): T1. */
static void load_versions(struct store *s)
{
	put_ok(s, ID1, T2, "{\"id1\":2}", NULL);
	put_ok(s, ID1, T3, "{\"id1\":3}", NULL);
	put_ok(s, ID1, T1, "{\"id1\":1}", NULL);
	put_ok(s, ID2, T1, "{\"id2\":1}", NULL);
	put_ok(s, ID3, T1, "{\"id3\":1}", NULL);
}

static void query_version_selection(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = {ID1};
	const char *at[] = {T2, "2018-05-05T12:00:00.123456000Z"};
	struct store_query q = {.ids = ids, .nids = 1};
	struct ac_err err = {0};

	load_versions(f->s);
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], T3);
	q.versions = STORE_VERSIONS_LAST;
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], T3);
	q.versions = STORE_VERSIONS_FIRST;
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], T1);
	q.versions = STORE_VERSIONS_FIRST | STORE_VERSIONS_LAST;
	assert_int_equal(count_query(f->s, &q), 2);
	assert_string_equal(got.version[0], T3); /* date_added order */
	assert_string_equal(got.version[1], T1);
	q.versions = STORE_VERSIONS_ALL;
	assert_int_equal(count_query(f->s, &q), 3);
	assert_string_equal(got.version[0], T2);

	/* exact versions only */
	q.versions = 0;
	q.at_versions = at;
	q.nat_versions = 1;
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], T2);
	q.nat_versions = 2;
	assert_int_equal(count_query(f->s, &q), 2);
	/* exact versions OR-ed with first */
	q.versions = STORE_VERSIONS_FIRST;
	q.nat_versions = 1;
	assert_int_equal(count_query(f->s, &q), 2);

	/* all ids: newest of each */
	memset(&q, 0, sizeof(q));
	assert_int_equal(count_query(f->s, &q), 3);
	assert_int_equal(count_query(f->s, NULL), 3);

	/* a malformed exact version is refused */
	at[0] = "not-a-time";
	q.at_versions = at;
	q.nat_versions = 1;
	assert_int_equal(run_query(f->s, &q, &err), AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "not-a-time"));
}

static void query_filters(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = {ID2, ID3, "nothing--here"};
	const char *types[] = {"malware"};
	const char *specs[] = {"2.0"};
	struct store_query q = {.versions = STORE_VERSIONS_ALL};
	int64_t added[5];

	load_versions(f->s);
	assert_int_equal(count_query(f->s, &q), 5);
	memcpy(added, got.added, sizeof(added));

	q.ids = ids;
	q.nids = 3;
	assert_int_equal(count_query(f->s, &q), 2);
	assert_string_equal(got.id[0], ID2);
	assert_string_equal(got.id[1], ID3);
	q.nids = 0;

	q.types = types;
	q.ntypes = 1;
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.id[0], ID3);
	q.ntypes = 0;

	q.spec_versions = specs;
	q.nspec_versions = 1;
	assert_int_equal(count_query(f->s, &q), 0);
	specs[0] = "2.1";
	assert_int_equal(count_query(f->s, &q), 5);
	q.nspec_versions = 0;

	q.added_after_us = added[2]; /* strictly greater */
	assert_int_equal(count_query(f->s, &q), 2);
	assert_int_equal(got.added[0], added[3]);
	q.added_before_us = added[3]; /* less or equal */
	assert_int_equal(count_query(f->s, &q), 1);
	assert_int_equal(got.added[0], added[3]);
	q.added_after_us = 0;
	q.added_before_us = 0;

	q.limit = 2;
	assert_int_equal(count_query(f->s, &q), 2);
	assert_int_equal(got.added[1], added[1]);
	q.limit = 0;

	/* a callback can stop early */
	memset(&got, 0, sizeof(got));
	got.stop_after = 1;
	assert_int_equal(store_query(f->s, &q, collect, NULL, NULL), AC_OK);
	assert_int_equal(got.n, 1);
}

static void query_last_then_added_after(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = {ID1};
	struct store_query q = {
	    .ids = ids, .nids = 1, .versions = STORE_VERSIONS_ALL};

	load_versions(f->s);
	assert_int_equal(count_query(f->s, &q), 3);
	/* newest (T3) was added second; the oldest version was added after it
	 */
	q.versions = STORE_VERSIONS_LAST;
	q.added_after_us = got.added[1];
	assert_int_equal(count_query(f->s, &q), 0);
	q.added_after_us = 0;
	assert_int_equal(count_query(f->s, &q), 1);
	q.added_after_us = got.added[0] - 1;
	assert_int_equal(count_query(f->s, &q), 1);
	assert_string_equal(got.version[0], T3);
}

static void query_caps_lists(void **state)
{
	struct fixture *f = *state;
	static const char *many[1001];
	const char *with_null[] = {ID1, NULL};
	struct store_query q = {0};
	struct ac_err err = {0};

	for (size_t i = 0; i < AC_ARRAY_LEN(many); i++)
		many[i] = ID1;
	put_ok(f->s, ID1, T1, "{}", NULL);
	q.ids = many;
	q.nids = 1000;
	assert_int_equal(count_query(f->s, &q), 1);
	q.nids = 1001;
	assert_int_equal(run_query(f->s, &q, &err), AC_ERR_LIMIT);
	q.nids = 0;
	q.types = many;
	q.ntypes = 1001;
	assert_int_equal(run_query(f->s, &q, &err), AC_ERR_LIMIT);
	q.ntypes = 0;
	q.at_versions = many;
	q.nat_versions = 1001;
	assert_int_equal(run_query(f->s, &q, &err), AC_ERR_LIMIT);
	q.nat_versions = 0;
	q.ids = with_null;
	q.nids = 2;
	assert_int_equal(run_query(f->s, &q, &err), AC_ERR_USAGE);
	/* values are bound, never spliced into SQL */
	with_null[1] = "x') OR 1=1 --";
	assert_int_equal(count_query(f->s, &q), 1);
	with_null[0] = "x' OR '1'='1";
	assert_int_equal(count_query(f->s, &q), 0);
}

/* --- search ----------------------------------------------------------------
 */

static void load_texts(struct store *s)
{
	put_ok(s, ID1, T1, "{\"n\":\"old\"}", "emotet dropper old name");
	put_ok(s, ID1, T2, "{\"n\":\"new\"}", "zeus banking trojan");
	put_ok(s, ID2, T1, "{\"n\":\"z3\"}", "zeus zeus zeus");
	put_ok(s, ID3, T1, "{\"n\":\"apt\"}", "APT-28 spear phishing café");
	put_ok(s, "note--55555555-5555-4555-8555-555555555555", T1, "{}", NULL);
}

static void search_finds_words(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = {0};

	load_texts(f->s);
	assert_int_equal(run_search(f->s, "zeus", 0, &err), AC_OK);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.id[0], ID2); /* more hits ranks first */
	assert_string_equal(got.id[1], ID1);
	assert_string_equal(got.version[1], T2);

	assert_int_equal(run_search(f->s, "ZEUS Banking", 0, &err), AC_OK);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.id[0], ID1);

	assert_int_equal(run_search(f->s, "zeus", 1, &err), AC_OK);
	assert_int_equal(got.n, 1);

	/* only the newest version of an object is searched */
	assert_int_equal(run_search(f->s, "emotet", 0, &err), AC_OK);
	assert_int_equal(got.n, 0);

	assert_int_equal(run_search(f->s, "apt-28", 0, &err), AC_OK);
	assert_int_equal(got.n, 1);
	assert_int_equal(run_search(f->s, "cafe", 0, &err), AC_OK);
	assert_int_equal(got.n, 1);
	assert_int_equal(run_search(f->s, "nonesuch", 0, &err), AC_OK);
	assert_int_equal(got.n, 0);
}

static void search_is_safe_with_hostile_input(void **state)
{
	struct fixture *f = *state;
	static const char *const hostile[] = {
	    "\"",
	    "\"\"\"",
	    "*",
	    "zeus*",
	    "NEAR(",
	    "NEAR(zeus banking)",
	    "OR",
	    "AND",
	    "NOT",
	    "-",
	    "-zeus",
	    "^zeus",
	    "text:zeus",
	    "zeus OR emotet",
	    "(zeus",
	    "zeus)",
	    "{text}: zeus",
	    "'; DROP TABLE objects; --",
	    "\xff\xfe\x80",
	    "a\"b\" OR \"c",
	    "+",
	    "zeus NOT banking",
	    ":",
	    "'",
	};
	struct ac_err err = {0};
	char big[1100];

	load_texts(f->s);
	for (size_t i = 0; i < AC_ARRAY_LEN(hostile); i++) {
		ac_rc rc = run_search(f->s, hostile[i], 0, &err);
		if (rc)
			fail_msg("search '%s': %s", hostile[i], err.msg);
	}
	/* operators are words: "zeus OR emotet" needs all three */
	assert_int_equal(run_search(f->s, "zeus OR emotet", 0, &err), AC_OK);
	assert_int_equal(got.n, 0);
	assert_int_equal(run_search(f->s, "zeus NOT banking", 0, &err), AC_OK);
	assert_int_equal(got.n, 0);
	assert_int_equal(run_search(f->s, "zeus*", 0, &err), AC_OK);
	assert_int_equal(got.n, 2);
	assert_int_equal(count_all(f->s), 5);

	assert_int_equal(run_search(f->s, "", 0, &err), AC_ERR_USAGE);
	assert_int_equal(run_search(f->s, " \t\n ", 0, &err), AC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(run_search(f->s, NULL, 0, &err), AC_ERR_USAGE);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(run_search(f->s, big, 0, &err), AC_ERR_LIMIT);
	for (size_t i = 0; i < 80; i += 2) {
		big[i] = 'a';
		big[i + 1] = ' ';
	}
	big[80] = '\0';
	assert_int_equal(run_search(f->s, big, 0, &err), AC_ERR_LIMIT);
}

/* --- stats -----------------------------------------------------------------
 */

struct counts {
	size_t n;
	char type[8][32];
	uint64_t objects[8], versions[8];
};

static int collect_count(const struct store_type_count *c, void *ctx)
{
	struct counts *out = ctx;
	assert_true(out->n < 8);
	snprintf(out->type[out->n], sizeof(out->type[0]), "%s", c->type);
	out->objects[out->n] = c->objects;
	out->versions[out->n] = c->versions;
	out->n++;
	return 0;
}

static void stats_count_types(void **state)
{
	struct fixture *f = *state;
	struct counts c = {0};

	assert_int_equal(store_stats(f->s, collect_count, &c, NULL), AC_OK);
	assert_int_equal(c.n, 0);
	load_versions(f->s);
	assert_int_equal(store_stats(f->s, collect_count, &c, NULL), AC_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.type[0], "indicator");
	assert_int_equal(c.objects[0], 2);
	assert_int_equal(c.versions[0], 4);
	assert_string_equal(c.type[1], "malware");
	assert_int_equal(c.objects[1], 1);
	assert_int_equal(c.versions[1], 1);
}

/* --- transactions ----------------------------------------------------------
 */

static void transaction_commit_and_rollback(void **state)
{
	struct fixture *f = *state;
	enum store_put_result res;
	struct ac_err err = {0};

	assert_int_equal(store_commit(f->s, &err), AC_ERR_USAGE);
	assert_int_equal(store_rollback(f->s, &err), AC_ERR_USAGE);

	assert_int_equal(store_begin(f->s, &err), AC_OK);
	assert_int_equal(store_begin(f->s, &err), AC_ERR_USAGE);
	load_texts(f->s);
	assert_int_equal(store_rollback(f->s, &err), AC_OK);
	assert_int_equal(count_all(f->s), 0);
	assert_int_equal(run_search(f->s, "zeus", 0, &err), AC_OK);
	assert_int_equal(got.n, 0);

	/* a conflict inside a transaction spoils nothing else */
	assert_int_equal(store_begin(f->s, &err), AC_OK);
	put_ok(f->s, ID1, T1, "{\"a\":1}", "zeus");
	assert_int_equal(
	    put_full(f->s, ID1, T1, "{\"a\":2}", NULL, false, &res, &err),
	    AC_ERR_CONFLICT);
	put_ok(f->s, ID2, T1, "{\"b\":1}", NULL);
	assert_int_equal(store_commit(f->s, &err), AC_OK);
	assert_int_equal(count_all(f->s), 2);
	assert_int_equal(run_search(f->s, "zeus", 0, &err), AC_OK);
	assert_int_equal(got.n, 1);
}

static void cache_limit_checked(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = {0};

	assert_int_equal(store_cache_limit(f->s, 16384, &err), AC_OK);
	assert_int_equal(store_cache_limit(f->s, 1, &err), AC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "64 to 98304"));
	assert_int_equal(store_cache_limit(f->s, 1u << 30, &err),
			 AC_ERR_USAGE);
	put_ok(f->s, ID1, T1, "{}", "zeus");
	assert_int_equal(count_all(f->s), 1);
}

/* A bulk transaction is a transaction: atomic, visible to other
 * connections once committed; store_sync then puts it on disk. */
static void bulk_transaction_commits_and_syncs(void **state)
{
	struct fixture *f = *state;
	struct store *other = NULL;
	struct ac_err err = {0};

	assert_int_equal(store_sync(f->s, &err), AC_OK); /* nothing to do */
	assert_int_equal(store_begin_bulk(f->s, &err), AC_OK);
	assert_int_equal(store_begin_bulk(f->s, &err), AC_ERR_USAGE);
	assert_int_equal(store_begin(f->s, &err), AC_ERR_USAGE);
	put_ok(f->s, ID1, T1, "{}", "zeus");
	assert_int_equal(store_rollback(f->s, &err), AC_OK);
	assert_int_equal(count_all(f->s), 0);

	assert_int_equal(store_begin_bulk(f->s, &err), AC_OK);
	put_ok(f->s, ID1, T1, "{}", "zeus");
	put_ok(f->s, ID2, T1, "{}", NULL);
	assert_int_equal(store_commit(f->s, &err), AC_OK);
	assert_int_equal(store_open(f->path, false, &other, &err), AC_OK);
	assert_int_equal(count_all(other), 2);
	assert_int_equal(store_sync(f->s, &err), AC_OK);
	assert_int_equal(store_sync(f->s, &err), AC_OK);

	/* a plain transaction after a bulk one works as before */
	assert_int_equal(store_begin(f->s, &err), AC_OK);
	put_ok(f->s, ID3, T1, "{}", NULL);
	assert_int_equal(store_commit(f->s, &err), AC_OK);
	assert_int_equal(count_all(other), 3);
	store_close(other);
	reopen(f);
	assert_int_equal(count_all(f->s), 3);
	assert_int_equal(run_search(f->s, "zeus", 0, &err), AC_OK);
	assert_int_equal(got.n, 1);
}

static off_t file_size(const char *path, const char *suffix)
{
	char p[300];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) ? 0 : sb.st_size;
}

/* Waits (bounded, 5 s) until the database file has grown past size: the
 * background thread copied the log into it. */
static bool db_grows_past(const char *path, off_t size)
{
	struct timespec ms10 = {0, 10000000L};

	for (int i = 0; i < 500; i++) {
		if (file_size(path, "") > size)
			return true;
		nanosleep(&ms10, NULL);
	}
	return false;
}

/* Bulk commits leave checkpoints to a background thread (the database file
 * grows without another commit), yet the log stays bounded: at its bound the
 * writer checkpoints in line and the log restarts. Everything committed is
 * there for another connection and after reopening. */
static void bulk_commits_checkpoint_in_background(void **state)
{
	struct fixture *f = *state;
	static char json[64 * 1024];
	struct store *other = NULL;
	struct ac_err err = {0};
	off_t db0, wal_max = 0;
	/* log pages: the bound, plus one transaction (4 x 64 KiB in 16 KiB
	 * pages, with their frame headers), plus slack */
	off_t bound = (8 * STORE_SQLITE_WAL_BULK_FACTOR + 40) * (16384 + 24);
	char id[80], ver[40];

	memset(json, 'x', sizeof(json) - 3);
	json[0] = '"';
	json[sizeof(json) - 3] = '"';
	store_sqlite_ckpt_frames(f->s, 8);
	/* an empty log file to start from (creating the store wrote one) */
	assert_int_equal(sqlite3_wal_checkpoint_v2(store_sqlite_db(f->s), "main",
						   SQLITE_CHECKPOINT_TRUNCATE,
						   NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(file_size(f->path, "-wal"), 0);
	db0 = file_size(f->path, "");
	for (int t = 0; t < 40; t++) {
		assert_int_equal(store_begin_bulk(f->s, &err), AC_OK);
		for (int i = 0; i < 4; i++) {
			snprintf(id, sizeof(id), "indicator--00000000-0000-4000-"
				 "8000-%012d", t * 4 + i);
			snprintf(ver, sizeof(ver), "2020-01-01T00:00:%02d.000Z",
				 i);
			json[1] = (char)('a' + i);
			put_ok(f->s, id, ver, json, NULL);
		}
		assert_int_equal(store_commit(f->s, &err), AC_OK);
		if (file_size(f->path, "-wal") > wal_max)
			wal_max = file_size(f->path, "-wal");
		/* the first commit past the trigger: the thread copies it
		 * (its first checkpoint must work, not just open the file) */
		if (t == 0)
			assert_true(db_grows_past(f->path, db0));
	}
	/* in-line checkpoints restart the log at every commit (about 20
	 * pages each); background ones let it grow towards the bound */
	assert_true(wal_max > 45 * (16384 + 24));
	assert_true(wal_max <= bound);
	assert_int_equal(store_sync(f->s, &err), AC_OK);
	assert_int_equal(store_open(f->path, false, &other, &err), AC_OK);
	assert_int_equal(count_all(other), 160);
	store_close(other);
	reopen(f);
	assert_int_equal(count_all(f->s), 160);
}

static void transaction_interrupted_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = {0};

	put_ok(f->s, ID3, T1, "{}", NULL);
	assert_int_equal(store_begin(f->s, &err), AC_OK);
	put_ok(f->s, ID1, T1, "{}", "zeus");
	put_ok(f->s, ID2, T1, "{}", "zeus");
	reopen(f); /* close without commit */
	assert_int_equal(count_all(f->s), 1);
	assert_string_equal(got.id[0], ID3);
	assert_int_equal(run_search(f->s, "zeus", 0, &err), AC_OK);
	assert_int_equal(got.n, 0);
}

static void transaction_aborted_by_db_error(void **state)
{
	struct fixture *f = *state;
	enum store_put_result res;
	struct ac_err err = {0};
	sqlite3 *db;

	/* break the full-text table behind the store's back */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "DROP TABLE objects_fts", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_begin(f->s, &err), AC_OK);
	put_ok(f->s, ID1, T1, "{}", NULL);
	assert_int_equal(
	    put_full(f->s, ID2, T1, "{}", "zeus", false, &res, &err),
	    AC_ERR_STORE);
	assert_non_null(strstr(err.msg, f->path));
	/* the transaction is gone: later writes and commit fail */
	assert_int_equal(put_full(f->s, ID3, T1, "{}", NULL, false, &res, &err),
			 AC_ERR_STORE);
	assert_int_equal(store_commit(f->s, &err), AC_ERR_STORE);
	assert_int_equal(count_all(f->s), 0);
	/* outside a transaction, a failing put leaves nothing either */
	assert_int_equal(
	    put_full(f->s, ID2, T1, "{}", "zeus", false, &res, &err),
	    AC_ERR_STORE);
	assert_int_equal(count_all(f->s), 0);
	put_ok(f->s, ID3, T1, "{}", NULL);
	assert_int_equal(count_all(f->s), 1);
}

/* --- bulk ------------------------------------------------------------------
 */

static void bulk_insert_100k(void **state)
{
	enum { N = 100000 };
	struct fixture *f = *state;
	struct counts c = {0};
	struct ac_err err = {0};
	char id[80], json[128], text[64];
	int64_t t0, ns;

	t0 = ac_mono_ns();
	assert_int_equal(store_begin(f->s, &err), AC_OK);
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "indicator--%08x-0000-4000-8000-%012x",
			 i, i);
		snprintf(json, sizeof(json),
			 "{\"id\":\"%s\",\"pattern\":\"[ipv4-addr:value = "
			 "'10.0.%d.%d']\"}",
			 id, (i >> 8) & 255, i & 255);
		snprintf(text, sizeof(text), "indicator number %d host%d", i,
			 i % 997);
		put_ok(f->s, id, T1, json, text);
	}
	assert_int_equal(store_commit(f->s, &err), AC_OK);
	ns = ac_mono_ns() - t0;
	printf("store: %d puts in one transaction: %.0f objects/s\n", N,
	       (double)N * 1e9 / (double)(ns ? ns : 1));
	assert_int_equal(store_stats(f->s, collect_count, &c, NULL), AC_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.objects[0], N);
	assert_int_equal(run_search(f->s, "host42", 10, &err), AC_OK);
	assert_int_equal(got.n, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(open_create_and_reopen),
	    T(open_missing_file_fails),
	    T(open_refuses_foreign_files),
	    T(open_refuses_newer_schema),
	    T(open_refuses_postgres_for_now),
	    T(fts_hashsize_set_and_upgraded),
	    T(page_size_new_and_existing),
	    T(put_new_duplicate_conflict),
	    T(put_equal_instants_are_one_version),
	    T(has_newer_compares_instants),
	    T(other_versions_of_an_id),
	    T(put_rejects_bad_input),
	    T(put_keeps_revoked_versions),
	    T(date_added_strictly_increasing),
	    T(date_added_never_goes_back),
	    T(query_version_selection),
	    T(query_filters),
	    T(query_last_then_added_after),
	    T(query_caps_lists),
	    T(search_finds_words),
	    T(search_is_safe_with_hostile_input),
	    T(stats_count_types),
	    T(transaction_commit_and_rollback),
	    T(bulk_transaction_commits_and_syncs),
	    T(bulk_commits_checkpoint_in_background),
	    T(cache_limit_checked),
	    T(transaction_interrupted_leaves_nothing),
	    T(transaction_aborted_by_db_error),
	    T(bulk_insert_100k),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
