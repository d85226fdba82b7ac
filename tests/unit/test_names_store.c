/* Person names through ingest: the person_names rows, their replacement by
 * a new version, the process index rebuilt from them, and "person-name"
 * correlation across sources. */
#include "base/common.h"
#include "index/correlate.h"
#include "ingest/ingest.h"
#include "names/extract.h"
#include "names/service.h"
#include "store/store.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store_upgrade.h"

#define PERSON_EXT "extension-definition--f6847bb6-02c2-41de-957f-cda80662ccdb"
#define ID_P(n) "identity--0b0c1d2e-3f40-4a5b-8c6d-00000000000" #n

struct fixture {
	char path[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/test_names_store_XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(f->path);
	if (store_open(f->path, true, &f->s, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char wal[80];

	store_close(f->s);
	unlink(f->path);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", f->path);
	unlink(wal);
	free(f);
	names_service_free();
	return 0;
}

/* A person identity: name, and ext_name in the person extension
 * (script cyrl) unless NULL. */
static const char *person(char *buf, size_t cap, const char *id,
			  const char *modified, const char *name,
			  const char *ext_name)
{
	char ext[512] = "";

	if (ext_name)
		snprintf(ext, sizeof(ext),
			 ",\"extensions\":{\"" PERSON_EXT "\":{"
			 "\"extension_type\":\"property-extension\","
			 "\"names\":[{\"value\":\"%s\",\"script\":\"cyrl\","
			 "\"kind\":\"full\"}]}}",
			 ext_name);
	snprintf(buf, cap,
		 "{\"type\":\"identity\",\"spec_version\":\"2.1\","
		 "\"id\":\"%s\",\"created\":\"2024-01-01T00:00:00.000Z\","
		 "\"modified\":\"%s\",\"name\":\"%s\","
		 "\"identity_class\":\"individual\"%s}",
		 id, modified, name, ext);
	return buf;
}

static struct ingest_stats put(struct store *s, const char *source, bool corr,
			       const char *json)
{
	struct ingest_opts o = ingest_opts_default();
	struct ac_err err = {0};
	enum ingest_outcome out;
	struct ingest in;

	o.source = source;
	o.corr.enabled = corr;
	ingest_init(&in, s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_text(&in, json, strlen(json), NULL, &out, &err),
			 AC_OK);
	assert_int_not_equal(out, INGEST_REJECTED);
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	return in.stats;
}

static void reopen_after_sql(struct fixture *f, const char *sql)
{
	reopen_store_after_sql(f->path, &f->s, sql);
}

struct rows {
	size_t n;
	char name[8][128];
	char source[8][64];
};

static int collect_row(const struct store_person_name *r, void *ctx)
{
	struct rows *rows = ctx;

	if (rows->n < 8) {
		snprintf(rows->name[rows->n], 128, "%s", r->name);
		snprintf(rows->source[rows->n], 64, "%s", r->source);
	}
	rows->n++;
	return 0;
}

static struct rows rows_of(struct store *s, const char *id)
{
	struct rows rows = {0};

	assert_int_equal(store_names_get(s, id, collect_row, &rows, NULL),
			 AC_OK);
	return rows;
}

/* Whether a query for name returns id among the first top hits. */
static bool finds(struct store *s, const char *name, const char *id)
{
	struct names_hit hits[10];
	struct ac_err err = {0};
	size_t n = 0;

	assert_int_equal(names_service_query(s, name, 10, hits, &n, &err),
			 AC_OK);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(hits[i].ref, id))
			return true;
	return false;
}

static void rows_written_at_ingest(void **state)
{
	struct fixture *f = *state;
	char buf[2048];
	struct rows rows;

	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(1), "2024-01-01T00:00:00.000Z",
		   "Aybek Junusov", "Айбек Жунусов"));
	rows = rows_of(f->s, ID_P(1));
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.name[0], "Aybek Junusov");
	assert_string_equal(rows.name[1], "Айбек Жунусов");
	assert_string_equal(rows.source[0], "local");
}

static void organizations_have_no_rows(void **state)
{
	struct fixture *f = *state;
	const char *org =
	    "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" ID_P(
		2) "\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":"
		   "\"2024-01-01T00:00:00.000Z\",\"name\":\"Aybek Junusov "
		   "LLC\","
		   "\"identity_class\":\"organization\"}";

	put(f->s, "local", false, org);
	assert_int_equal(rows_of(f->s, ID_P(2)).n, 0);
	assert_false(finds(f->s, "Aybek Junusov", ID_P(2)));
}

static void new_version_replaces_names(void **state)
{
	struct fixture *f = *state;
	struct store_names_state st;
	struct ac_err err = {0};
	char buf[2048];
	struct rows rows;

	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(3), "2024-01-01T00:00:00.000Z",
		   "Ali Hosseini", "Али Хосейни"));
	assert_true(finds(f->s, "Ali Husseini", ID_P(3)));
	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(3), "2024-02-01T00:00:00.000Z",
		   "Reza Ahmadi", NULL));
	rows = rows_of(f->s, ID_P(3));
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.name[0], "Reza Ahmadi");
	/* the index forgot the old names and knows the new one */
	assert_false(finds(f->s, "Ali Hosseini", ID_P(3)));
	assert_true(finds(f->s, "Реза Ахмади", ID_P(3)));
	/* an older version arriving late changes nothing */
	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(3), "2024-01-15T00:00:00.000Z",
		   "Mohammad Rezaei", NULL));
	rows = rows_of(f->s, ID_P(3));
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.name[0], "Reza Ahmadi");
	/* the first version's two names were the only ones replaced */
	assert_int_equal(store_names_state(f->s, &st, &err), AC_OK);
	assert_int_equal(st.deletions, 2);
}

/* Any count of names comes back complete and in order, and a replacement
 * leaves only the new ones. */
static void names_replaced_whole(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"n0", "n1", "n2", "n3", "n4",
			       "n5", "n6", "n7", "n8"};
	struct ac_err err = {0};
	struct rows rows;

	for (size_t n = 0; n <= AC_ARRAY_LEN(names); n++) {
		assert_int_equal(store_names_replace(f->s, ID_P(9), "local",
						     names, n, 1, &err),
				 AC_OK);
		rows = rows_of(f->s, ID_P(9));
		assert_int_equal(rows.n, n);
		for (size_t i = 0; i < n && i < 8; i++)
			assert_string_equal(rows.name[i], names[i]);
	}
	assert_int_equal(store_names_replace(f->s, ID_P(9), "local", names, 2,
					     1, &err),
			 AC_OK);
	assert_int_equal(rows_of(f->s, ID_P(9)).n, 2);
}

/* Many updates: replaced names are never returned, before and after the
 * rebuild their deletions trigger. */
static void many_updates_stay_correct(void **state)
{
	struct fixture *f = *state;
	char buf[2048], mod[32], name[64];

	/* 120 versions: the deletions pass 64 + a quarter of the index */
	for (int i = 0; i < 120; i++) {
		snprintf(mod, sizeof(mod), "2024-01-01T%02d:%02d:00.000Z",
			 i / 60, i % 60);
		snprintf(name, sizeof(name), "%s",
			 i % 2 ? "Ali Hosseini" : "Reza Ahmadi");
		put(f->s, "local", false,
		    person(buf, sizeof(buf), ID_P(5), mod, name, NULL));
		assert_true(finds(f->s, name, ID_P(5)));
		assert_false(finds(f->s, i % 2 ? "Reza Ahmadi" : "Ali Hosseini",
				   ID_P(5)));
	}
}

static void deletion_removes_names(void **state)
{
	struct fixture *f = *state;
	const char *id = ID_P(3);
	const char *newest = "2024-02-01T00:00:00.000Z";
	struct store_query q = {0};
	uint64_t deleted = 0;
	char buf[2048];
	struct rows rows;

	put(f->s, "local", false,
	    person(buf, sizeof(buf), id, "2024-01-01T00:00:00.000Z",
		   "Ali Hosseini", NULL));
	put(f->s, "local", false,
	    person(buf, sizeof(buf), id, newest, "Reza Ahmadi", NULL));
	q.ids = &id;
	q.nids = 1;
	q.at_versions = &newest;
	q.nat_versions = 1;
	/* the newest version goes: the names are the older version's again */
	assert_int_equal(ingest_delete(f->s, &q, &deleted, NULL), AC_OK);
	assert_int_equal(deleted, 1);
	rows = rows_of(f->s, id);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.name[0], "Ali Hosseini");
	assert_true(finds(f->s, "Ali Hosseini", id));
	assert_false(finds(f->s, "Reza Ahmadi", id));
	/* the whole object goes: no name is left */
	q.at_versions = NULL;
	q.nat_versions = 0;
	q.versions = STORE_VERSIONS_ALL;
	assert_int_equal(ingest_delete(f->s, &q, &deleted, NULL), AC_OK);
	assert_int_equal(rows_of(f->s, id).n, 0);
	assert_false(finds(f->s, "Ali Hosseini", id));
}

/* A store made before schema version 6 gets the rows of its persons when
 * it is opened: the same names ingest writes. */
static void upgrade_backfills_names(void **state)
{
	struct fixture *f = *state;
	const char *json =
	    "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" ID_P(
		4) "\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":"
		   "\"2024-03-01T00:00:00.000Z\",\"name\":\"Ali Hosseini\","
		   "\"identity_class\":\"individual\",\"extensions\":{"
		   "\"" PERSON_EXT
		   "\":{\"extension_type\":\"property-extension\",\"names\":["
		   "{\"value\":\"Али Хосейни\",\"script\":\"cyrl\",\"kind\":"
		   "\"full\"},{\"value\":\"Хосейни\",\"script\":\"cyrl\","
		   "\"kind\":\"family\"},{\"value\":\"Ali "
		   "Hosseini\",\"script\":"
		   "\"latn\",\"kind\":\"alias\"}]}}}";
	char buf[2048];
	struct rows rows;

	put(f->s, "partner:kg", false,
	    person(buf, sizeof(buf), ID_P(4), "2024-01-01T00:00:00.000Z",
		   "Reza Ahmadi", NULL));
	put(f->s, "partner:kg", false, json);
	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(5), "2024-01-01T00:00:00.000Z",
		   "Mohammad Rezaei", "Мохаммад Резаи"));
	/* back to version 5: no names tables (nor what 7 to 11 add) */
	reopen_after_sql(f, "DROP TABLE person_names;"
			    "DROP TABLE person_names_state;"
			    "DROP TABLE sync_state;"
			    "DROP TABLE push_state;"
			    "DROP TABLE partner_links;"
			    "DROP INDEX identifiers_object;"
			    "DROP TABLE disclosures;"
			    "DROP TABLE disclosure_log;"
			    "DROP TABLE erasures;"
			    "DROP TABLE erasure_outbox;"
			    "ALTER TABLE objects DROP COLUMN meta;"
			    "DELETE FROM sqlite_sequence;"
			    "PRAGMA user_version = 5;");
	rows = rows_of(f->s, ID_P(4));
	assert_int_equal(rows.n, 2); /* newest version; no family part */
	assert_string_equal(rows.name[0], "Ali Hosseini");
	assert_string_equal(rows.name[1], "Али Хосейни");
	assert_string_equal(rows.source[0], "partner:kg");
	rows = rows_of(f->s, ID_P(5));
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.name[1], "Мохаммад Резаи");
	assert_true(finds(f->s, "محمد رضایی", ID_P(5)));
	assert_false(finds(f->s, "Reza Ahmadi", ID_P(4)));
}

static void index_rebuilt_from_table(void **state)
{
	struct fixture *f = *state;
	char buf[2048];

	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(4), "2024-01-01T00:00:00.000Z",
		   "Mohammad Rezaei", NULL));
	/* as in a new process: nothing in memory, all from the table */
	names_service_free();
	assert_true(finds(f->s, "محمد رضایی", ID_P(4)));
	assert_true(finds(f->s, "Мохаммад Резаи", ID_P(4)));
	assert_false(finds(f->s, "Ali Hosseini", ID_P(4)));
}

static void another_store_rebuilds(void **state)
{
	struct fixture *f = *state;
	struct fixture *g = NULL;
	char buf[2048];

	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(5), "2024-01-01T00:00:00.000Z",
		   "Reza Ahmadi", NULL));
	assert_true(finds(f->s, "Reza Ahmadi", ID_P(5)));
	assert_int_equal(setup((void **)&g), 0);
	/* a store without that person: the index must not answer from f */
	assert_false(finds(g->s, "Reza Ahmadi", ID_P(5)));
	teardown((void **)&g);
	assert_true(finds(f->s, "Reza Ahmadi", ID_P(5)));
}

static void bad_queries_fail_cleanly(void **state)
{
	struct fixture *f = *state;
	struct names_hit hits[2];
	char long_name[NAMES_MAX_BYTES + 10];
	size_t n = 9;

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(names_service_query(f->s, "x", 0, hits, &n, NULL),
			 AC_ERR_USAGE);
	assert_int_equal(n, 0);
	assert_int_equal(
	    names_service_query(f->s, "\xff\xfe", 2, hits, &n, NULL),
	    AC_ERR_PARSE);
	assert_int_equal(
	    names_service_query(f->s, long_name, 2, hits, &n, NULL),
	    AC_ERR_LIMIT);
}

static void extract_person_names(void **state)
{
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:[s, s, s], s:{s:{s:[{s:s}, {s:s}, {s:s, "
	    "s:s}]}}}",
	    "type", "identity", "identity_class", "individual", "name",
	    "Ali Hosseini", "x_aliases", "Ali Husseini", "", "Ali Hosseini",
	    "extensions", PERSON_EXT, "names", "value", "Али Хосейни", "value",
	    "Ali Husseini", "value", "Hosseini", "kind", "family");
	json_t *tool = json_pack("{s:s, s:s}", "type", "tool", "name", "x");
	const char *names[8];

	(void)state;
	/* duplicates, empty strings and name parts are dropped */
	assert_int_equal(names_of_person(o, names, 8), 3);
	assert_string_equal(names[0], "Ali Hosseini");
	assert_string_equal(names[1], "Ali Husseini");
	assert_string_equal(names[2], "Али Хосейни");
	assert_int_equal(names_of_person(o, names, 2), 2);
	assert_int_equal(names_of_person(tool, names, 8), 0);
	assert_false(names_is_person(tool));
	json_decref(o);
	json_decref(tool);
}

static int count_alert(const struct store_alert *a, void *ctx)
{
	if (!strcmp(a->corr.kind, NAMES_CORR_KIND))
		(*(int *)ctx)++;
	return 0;
}

struct seen {
	size_t n;
	char kind[32], other[128];
	double score;
	bool cross;
};

static int collect_corr(const struct corr_match *m, void *ctx)
{
	struct seen *s = ctx;

	if (!s->n++) {
		snprintf(s->kind, sizeof(s->kind), "%s", m->kind);
		snprintf(s->other, sizeof(s->other), "%s", m->other_id);
		s->score = m->score;
		s->cross = m->cross_source;
	}
	return 0;
}

static void person_name_correlation_across_sources(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	struct seen seen = {0};
	char buf[2048];
	int n = 0;

	put(f->s, "local", true,
	    person(buf, sizeof(buf), ID_P(6), "2024-01-01T00:00:00.000Z",
		   "Mohammad Rezaei", NULL));
	st = put(f->s, "partner:kg", true,
		 person(buf, sizeof(buf), ID_P(7), "2024-01-01T00:00:00.000Z",
			"محمد رضایی", NULL));
	assert_int_equal(st.correlations, 1);
	assert_int_equal(st.alerts, 1);
	assert_int_equal(corr_list(f->s, ID_P(7), collect_corr, &seen, NULL),
			 AC_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.kind, "person-name");
	assert_string_equal(seen.other, ID_P(6));
	assert_true(seen.cross);
	assert_true(seen.score >= NAMES_PROBABLE && seen.score <= 1);
	assert_int_equal(corr_alerts(f->s, 0, true, 0, count_alert, &n, NULL),
			 AC_OK);
	assert_int_equal(n, 1);
}

static void no_person_name_correlation(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	char buf[2048];

	put(f->s, "local", true,
	    person(buf, sizeof(buf), ID_P(8), "2024-01-01T00:00:00.000Z",
		   "Mohammad Rezaei", NULL));
	/* own against own: no correlation */
	st = put(f->s, "local", true,
		 person(buf, sizeof(buf), ID_P(9), "2024-01-01T00:00:00.000Z",
			"Мохаммад Резаи", NULL));
	assert_int_equal(st.correlations, 0);
	/* a partner's person who shares only the family name: none */
	st = put(f->s, "partner:kg", true,
		 person(buf, sizeof(buf),
			"identity--0b0c1d2e-3f40-4a5b-8c6d-"
			"000000000011",
			"2024-01-01T00:00:00.000Z", "Ali Rezaei", NULL));
	assert_int_equal(st.correlations, 0);
	/* another person from a partner: no correlation */
	st = put(f->s, "partner:kg", true,
		 person(buf, sizeof(buf),
			"identity--0b0c1d2e-3f40-4a5b-8c6d-"
			"000000000010",
			"2024-01-01T00:00:00.000Z", "Ali Hosseini", NULL));
	assert_int_equal(st.correlations, 0);
	assert_int_equal(st.alerts, 0);
}

/* Ingest does not index the names it writes: it only checks that rows not
 * indexed yet are its own. A row of another source among them (written
 * with correlation off) must still be found, also after rows already
 * checked as own. */
static void unindexed_rows_of_another_source_correlate(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	char buf[2048];

	put(f->s, "local", true,
	    person(buf, sizeof(buf), ID_P(1), "2024-01-01T00:00:00.000Z",
		   "Ali Hosseini", NULL));
	st = put(f->s, "local", true,
		 person(buf, sizeof(buf), ID_P(2), "2024-01-01T00:00:00.000Z",
			"Sara Ahmadi", NULL));
	assert_int_equal(st.correlations, 0);
	put(f->s, "partner:kg", false,
	    person(buf, sizeof(buf), ID_P(3), "2024-01-01T00:00:00.000Z",
		   "محمد رضایی", NULL));
	st = put(f->s, "local", true,
		 person(buf, sizeof(buf), ID_P(4), "2024-01-01T00:00:00.000Z",
			"Mohammad Rezaei", NULL));
	assert_int_equal(st.correlations, 1);
	assert_int_equal(st.alerts, 1);
	/* the deferred rows are indexed by the next query */
	assert_true(finds(f->s, "Sara Ahmadi", ID_P(2)));
}

/* store_names_other_after: whether rows after an id have another source,
 * and the last of their ids. */
static void other_source_after_id(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"a b", "c d"};
	struct store_names_state st;
	struct ac_err err = {0};
	int64_t start, last = -1;
	bool other = true;

	assert_int_equal(store_names_state(f->s, &st, &err), AC_OK);
	start = st.max_id;
	assert_int_equal(store_names_other_after(f->s, start, "local", &other,
						 &last, &err),
			 AC_OK);
	assert_false(other);
	assert_int_equal(last, start);
	assert_int_equal(store_names_replace(f->s, ID_P(1), "local", names, 2,
					     1, &err),
			 AC_OK);
	assert_int_equal(store_names_other_after(f->s, start, "local", &other,
						 &last, &err),
			 AC_OK);
	assert_false(other);
	assert_int_equal(last, start + 1); /* one row per object */
	assert_int_equal(store_names_replace(f->s, ID_P(2), "partner:kg",
					     names, 1, 1, &err),
			 AC_OK);
	assert_int_equal(store_names_other_after(f->s, start, "local", &other,
						 &last, &err),
			 AC_OK);
	assert_true(other);
	assert_int_equal(last, start + 2);
	assert_int_equal(store_names_other_after(f->s, start + 1, "partner:kg",
						 &other, &last, &err),
			 AC_OK);
	assert_false(other);
	assert_int_equal(store_names_other_after(f->s, start, "local", NULL,
						 &last, &err),
			 AC_ERR_USAGE);
}

/* Version 16 folds a person's rows (one per name, version 6) into one:
 * names in id order, the row taking the highest id, the id sequence
 * carried over; deletions count names, as before. */
static void one_row_per_person_after_upgrade(void **state)
{
	struct fixture *f = *state;
	/* written as JSON: quotes, backslashes and control bytes escaped */
	const char *names[] = {"new \"name\"\\\t\x01"};
	struct store_names_state st;
	struct ac_err err = {0};
	struct rows rows;
	char buf[2048];

	/* the persons are stored (rows of ids without a version would go
	 * in the version 17 upgrade) */
	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(1), "2024-01-01T00:00:00.000Z",
		   "Abe Ray", NULL));
	put(f->s, "partner:kg", false,
	    person(buf, sizeof(buf), ID_P(2), "2024-01-01T00:00:00.000Z",
		   "Ali", NULL));
	reopen_after_sql(f, "DROP TABLE person_names;"
			    "CREATE TABLE person_names ("
			    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
			    " object_id TEXT NOT NULL, source TEXT NOT NULL,"
			    " name TEXT NOT NULL, created_us INTEGER NOT NULL);"
			    "CREATE INDEX person_names_object"
			    " ON person_names(object_id);"
			    "INSERT INTO person_names VALUES"
			    " (11, '" ID_P(1) "', 'local', 'Zed \"Q\" Ray', 5),"
			    " (12, '" ID_P(2) "', 'partner:kg', 'Али', 6),"
			    " (13, '" ID_P(1) "', 'local', 'Abe Ray', 5),"
			    " (14, '" ID_P(2) "', 'partner:kg', 'علی', 7);"
			    "UPDATE sqlite_sequence SET seq = 40"
			    " WHERE name = 'person_names';"
			    "PRAGMA user_version = 15;");
	rows = rows_of(f->s, ID_P(1));
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.name[0], "Zed \"Q\" Ray");
	assert_string_equal(rows.name[1], "Abe Ray");
	rows = rows_of(f->s, ID_P(2));
	assert_int_equal(rows.n, 2);
	assert_string_equal(rows.name[0], "Али");
	assert_string_equal(rows.name[1], "علی");
	assert_string_equal(rows.source[1], "partner:kg");
	assert_int_equal(store_names_state(f->s, &st, &err), AC_OK);
	assert_int_equal(st.max_id, 40);
	assert_int_equal(st.deletions, 0);
	assert_true(finds(f->s, "Ali", ID_P(2)));
	/* replacing deletes both of ID_P(1)'s names; the new row is id 41,
	 * its name read back byte for byte */
	assert_int_equal(store_names_replace(f->s, ID_P(1), "local", names, 1,
					     9, &err),
			 AC_OK);
	assert_int_equal(store_names_state(f->s, &st, &err), AC_OK);
	assert_int_equal(st.max_id, 41);
	assert_int_equal(st.deletions, 2);
	rows = rows_of(f->s, ID_P(1));
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.name[0], names[0]);
}

/* Rows whose object has no version left (possible in stores from before
 * deletion refreshed names) go in the version 17 upgrade, counted as
 * deletions; ingest then adds a first version's names without a probe. */
static void orphan_rows_go_on_upgrade(void **state)
{
	struct fixture *f = *state;
	struct store_names_state st;
	struct ac_err err = {0};
	char buf[2048];

	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(1), "2024-01-01T00:00:00.000Z",
		   "Abe Ray", "Эйб Рей"));
	reopen_after_sql(f, "INSERT INTO person_names"
			    " (object_id, source, names, created_us) VALUES"
			    " ('" ID_P(4) "', 'local', '[\"Old\",\"Two\"]', 3);"
			    "PRAGMA user_version = 16;");
	assert_int_equal(rows_of(f->s, ID_P(4)).n, 0);
	assert_int_equal(rows_of(f->s, ID_P(1)).n, 2);
	assert_int_equal(store_names_state(f->s, &st, &err), AC_OK);
	assert_int_equal(st.deletions, 2);
	/* the id's first version adds its names: one row, nothing deleted */
	put(f->s, "local", false,
	    person(buf, sizeof(buf), ID_P(4), "2024-01-01T00:00:00.000Z",
		   "New One", NULL));
	assert_int_equal(rows_of(f->s, ID_P(4)).n, 1);
	assert_string_equal(rows_of(f->s, ID_P(4)).name[0], "New One");
	assert_int_equal(store_names_state(f->s, &st, &err), AC_OK);
	assert_int_equal(st.deletions, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(other_source_after_id, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(one_row_per_person_after_upgrade,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(orphan_rows_go_on_upgrade, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(rows_written_at_ingest, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(organizations_have_no_rows, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(names_replaced_whole, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(new_version_replaces_names, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(many_updates_stay_correct, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(deletion_removes_names, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(upgrade_backfills_names, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(index_rebuilt_from_table, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(another_store_rebuilds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(bad_queries_fail_cleanly, setup,
					    teardown),
	    cmocka_unit_test(extract_person_names),
	    cmocka_unit_test_setup_teardown(
		person_name_correlation_across_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_person_name_correlation, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		unindexed_rows_of_another_source_correlate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
