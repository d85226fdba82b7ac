/* Correlation on a real store, through the ingest pipeline: sources,
 * alerts, the common-value cut-off, re-imports and CIDR containment. */
#include "base/common.h"
#include "index/correlate.h"
#include "ingest/ingest.h"
#include "store/store.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store_upgrade.h"

#define PHONE_EXT "extension-definition--440bd894-dea9-4946-9e98-d240e262db98"

struct fixture {
	char path[64];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/test_correlate_XXXXXX");
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
	return 0;
}

/* Ingests one JSON object from source with correlation on (max_occurrences
 * max, default country KG); returns the ingest stats. */
static struct ingest_stats put(struct store *s, const char *source,
			       size_t max, const char *json)
{
	struct ingest_opts o = ingest_opts_default();
	struct ac_err err = { 0 };
	enum ingest_outcome out;
	struct ingest in;

	o.source = source;
	o.corr.enabled = true;
	o.corr.max_occurrences = max;
	memcpy(o.corr.default_country, "KG", 3);
	ingest_init(&in, s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_text(&in, json, strlen(json), NULL, &out, &err),
			 AC_OK);
	assert_int_not_equal(out, INGEST_REJECTED);
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	return in.stats;
}

/* A phone SCO with id suffix n (UUIDv4-shaped) and the number as raw. */
static const char *phone(char *buf, size_t cap, int n, const char *raw)
{
	snprintf(buf, cap,
		 "{\"type\":\"accord-phone-number\",\"spec_version\":\"2.1\","
		 "\"id\":\"accord-phone-number--5d712360-df2c-4c7e-bc36-%012d\","
		 "\"value\":\"+996555000000\",\"raw\":\"%s\",\"country\":\"KG\","
		 "\"extensions\":{\"" PHONE_EXT "\":{\"extension_type\":"
		 "\"new-sco\"}}}",
		 n, raw);
	/* the value is a fixed dummy; raw carries the number under test */
	return buf;
}

static const char *indicator(char *buf, size_t cap, int n,
			     const char *pattern)
{
	snprintf(buf, cap,
		 "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
		 "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-%012d\","
		 "\"created\":\"2024-01-01T00:00:00.000Z\","
		 "\"modified\":\"2024-01-01T00:00:00.000Z\","
		 "\"pattern\":\"%s\",\"pattern_type\":\"stix\","
		 "\"valid_from\":\"2024-01-01T00:00:00Z\"}",
		 n, pattern);
	return buf;
}

struct seen {
	int n;
	char other[8][128];
	char other_source[8][64];
	char kind[8][32];
	char value[8][128];
	bool cross[8];
	double score[8];
};

static int collect(const struct corr_match *m, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		snprintf(s->other[s->n], 128, "%s", m->other_id);
		snprintf(s->other_source[s->n], 64, "%s", m->other_source);
		snprintf(s->kind[s->n], 32, "%s", m->kind);
		snprintf(s->value[s->n], 128, "%s", m->value);
		s->cross[s->n] = m->cross_source;
		s->score[s->n] = m->score;
	}
	s->n++;
	return 0;
}

static struct seen list(struct store *s, const char *id)
{
	struct seen seen = { 0 };

	assert_int_equal(corr_list(s, id, collect, &seen, NULL), AC_OK);
	return seen;
}

static int count_alert(const struct store_alert *a, void *ctx)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int alerts(struct store *s, bool all)
{
	int n = 0;

	assert_int_equal(corr_alerts(s, 0, all, 0, count_alert, &n, NULL),
			 AC_OK);
	return n;
}

#define ID_PHONE(n) "accord-phone-number--5d712360-df2c-4c7e-bc36-00000000000" #n
#define ID_IND(n) "indicator--8e2e2d2b-17d4-4cbf-938f-00000000000" #n

static void own_vs_partner_raises_alert(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	struct seen seen;
	char buf[1024];

	/* the same number written two ways, own and a partner's */
	put(f->s, "local", 50, phone(buf, sizeof(buf), 1, "0555 77 88 99"));
	st = put(f->s, "partner:bravo", 50,
		 phone(buf, sizeof(buf), 2, "+996 555 77-88-99"));
	assert_int_equal(st.alerts, 2); /* the dummy value and the number */
	seen = list(f->s, ID_PHONE(1));
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.other[1], ID_PHONE(2));
	assert_string_equal(seen.other_source[1], "partner:bravo");
	assert_true(seen.cross[1]);
	assert_string_equal(seen.value[1], "+996555778899");
	assert_true(seen.score[1] == 1.0);
	/* seen from the partner's object, the other side is ours */
	seen = list(f->s, ID_PHONE(2));
	assert_string_equal(seen.other_source[0], "local");
	assert_int_equal(alerts(f->s, false), 2);
}

static void own_vs_own_no_alert(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	struct seen seen;
	char buf[1024];

	put(f->s, "local", 50, phone(buf, sizeof(buf), 1, "0555 11 22 33"));
	st = put(f->s, "local", 50,
		 indicator(buf, sizeof(buf), 1,
			   "[accord-phone-number:value = '+996555112233']"));
	assert_int_equal(st.correlations, 1);
	assert_int_equal(st.alerts, 0);
	seen = list(f->s, ID_IND(1));
	assert_int_equal(seen.n, 1);
	assert_false(seen.cross[0]);
	assert_int_equal(alerts(f->s, true), 0);
}

static void two_partners_raise_alert(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	char buf[1024];

	put(f->s, "partner:alpha", 50,
	    indicator(buf, sizeof(buf), 1, "[ipv4-addr:value = '192.0.2.7']"));
	st = put(f->s, "partner:bravo", 50,
		 indicator(buf, sizeof(buf), 2,
			   "[ipv4-addr:value = '192.0.2.7']"));
	assert_int_equal(st.alerts, 1);
	/* a third party with another value: nothing */
	st = put(f->s, "partner:charlie", 50,
		 indicator(buf, sizeof(buf), 3,
			   "[ipv4-addr:value = '192.0.2.8']"));
	assert_int_equal(st.correlations, 0);
}

static void same_object_from_two_sources(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	struct seen seen;
	char buf[1024];

	/* an identical object received from a partner is a duplicate row,
	 * but the partner holding it too is still a match */
	indicator(buf, sizeof(buf), 1, "[domain-name:value = 'evil.example']");
	put(f->s, "local", 50, buf);
	st = put(f->s, "partner:bravo", 50, buf);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.alerts, 1);
	seen = list(f->s, ID_IND(1));
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.other[0], ID_IND(1));
}

static void reimport_adds_nothing(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	char a[1024], b[1024];

	phone(a, sizeof(a), 1, "0555 44 55 66");
	phone(b, sizeof(b), 2, "0555 44 55 66");
	put(f->s, "local", 50, a);
	st = put(f->s, "partner:bravo", 50, b);
	assert_int_equal(st.correlations, 2);
	st = put(f->s, "partner:bravo", 50, b);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.correlations, 0);
	st = put(f->s, "local", 50, a);
	assert_int_equal(st.correlations, 0);
	assert_int_equal(list(f->s, ID_PHONE(1)).n, 2);
	assert_int_equal(alerts(f->s, true), 2);
}

static int count_common(const struct store_common *c, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->value[s->n < 8 ? s->n : 7], 128, "%s=%llu", c->value,
		 (unsigned long long)c->count);
	s->n++;
	return 0;
}

static void common_values_cut_off(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	struct seen common = { 0 };
	char buf[1024];

	/* max 3: three holders correlate, the fourth puts it on the list */
	for (int i = 1; i <= 3; i++) {
		st = put(f->s, "local", 3,
			 indicator(buf, sizeof(buf), i,
				   "[ipv4-addr:value = '198.51.100.1']"));
		assert_int_equal(st.correlations, (uint64_t)(i - 1));
	}
	for (int i = 4; i <= 5; i++) {
		st = put(f->s, "local", 3,
			 indicator(buf, sizeof(buf), i,
				   "[ipv4-addr:value = '198.51.100.1']"));
		assert_int_equal(st.correlations, 0);
	}
	assert_int_equal(store_common_list(f->s, count_common, &common, NULL),
			 AC_OK);
	assert_int_equal(common.n, 1);
	assert_string_equal(common.value[0], "198.51.100.1=5");
	assert_int_equal(list(f->s, ID_IND(5)).n, 0);
	assert_int_equal(list(f->s, ID_IND(1)).n, 2);
}

/* The same in one ingest transaction: the value listed by the fourth
 * object is counted (not correlated) for the fifth, although the list
 * was empty when the transaction began. */
static void common_values_cut_off_in_one_transaction(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct seen common = { 0 };
	enum ingest_outcome out;
	struct ingest in;
	char buf[1024];

	o.source = "local";
	o.corr.enabled = true;
	o.corr.max_occurrences = 3;
	memcpy(o.corr.default_country, "KG", 3);
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	for (int i = 1; i <= 5; i++) {
		indicator(buf, sizeof(buf), i,
			  "[ipv4-addr:value = '198.51.100.1']");
		assert_int_equal(
		    ingest_text(&in, buf, strlen(buf), NULL, &out, NULL),
		    AC_OK);
		assert_int_equal(out, INGEST_ACCEPTED);
	}
	assert_true(in.in_txn);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.correlations, 3);
	assert_int_equal(store_common_list(f->s, count_common, &common, NULL),
			 AC_OK);
	assert_int_equal(common.n, 1);
	assert_string_equal(common.value[0], "198.51.100.1=5");
	assert_int_equal(list(f->s, ID_IND(5)).n, 0);
}

static void address_inside_block(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	struct seen seen;
	char buf[1024];

	put(f->s, "partner:alpha", 50,
	    indicator(buf, sizeof(buf), 1, "[ipv4-addr:value = '10.1.0.0/16']"));
	st = put(f->s, "local", 50,
		 indicator(buf, sizeof(buf), 2,
			   "[ipv4-addr:value = '10.1.2.3']"));
	assert_int_equal(st.alerts, 1);
	seen = list(f->s, ID_IND(2));
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.kind[0], "ipv4-net");
	assert_string_equal(seen.value[0], "10.1.2.3 in 10.1.0.0/16");
	assert_true(seen.score[0] < 1.0);
	/* a block arriving after the address finds it too */
	st = put(f->s, "partner:bravo", 50,
		 indicator(buf, sizeof(buf), 3,
			   "[ipv4-addr:value = '10.0.0.0/8']"));
	assert_int_equal(st.correlations, 2); /* the address and the /16 */
	/* outside the block: nothing */
	st = put(f->s, "local", 50,
		 indicator(buf, sizeof(buf), 4,
			   "[ipv4-addr:value = '11.1.2.3']"));
	assert_int_equal(st.correlations, 0);
}

static void invalid_values_never_correlate(void **state)
{
	struct fixture *f = *state;
	struct ingest_stats st;
	char buf[1024];

	put(f->s, "local", 50,
	    indicator(buf, sizeof(buf), 1,
		      "[accord-vehicle:vin = '1M8GDM9A1KP042788']"));
	st = put(f->s, "partner:bravo", 50,
		 indicator(buf, sizeof(buf), 2,
			   "[accord-vehicle:vin = '1M8GDM9A1KP042788']"));
	assert_int_equal(st.correlations, 0);
	put(f->s, "local", 50,
	    indicator(buf, sizeof(buf), 3,
		      "[accord-vehicle:vin = '1M8GDM9AXKP042788']"));
	st = put(f->s, "partner:bravo", 50,
		 indicator(buf, sizeof(buf), 4,
			   "[accord-vehicle:vin = '1m8gdm9axkp042788']"));
	assert_int_equal(st.correlations, 1);
}

static void alerts_acknowledge(void **state)
{
	struct fixture *f = *state;
	struct ac_err err = { 0 };
	char buf[1024];

	put(f->s, "local", 50,
	    indicator(buf, sizeof(buf), 1, "[url:value = 'http://x.example/']"));
	put(f->s, "partner:bravo", 50,
	    indicator(buf, sizeof(buf), 2,
		      "[url:value = 'HTTP://X.EXAMPLE:80']"));
	assert_int_equal(alerts(f->s, false), 1);
	assert_int_equal(store_alert_ack(f->s, 1, "ana", 5, &err), AC_OK);
	assert_int_equal(store_alert_ack(f->s, 1, "bob", 6, &err), AC_OK);
	assert_int_equal(alerts(f->s, false), 0);
	assert_int_equal(alerts(f->s, true), 1);
	assert_int_equal(store_alert_ack(f->s, 99, "ana", 5, &err),
			 AC_ERR_NOTFOUND);
}

static void correlation_off_indexes_nothing(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct ingest in;
	char buf[1024];

	indicator(buf, sizeof(buf), 1, "[ipv4-addr:value = '192.0.2.9']");
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_text(&in, buf, strlen(buf), NULL, NULL, NULL),
			 AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	put(f->s, "partner:bravo", 50,
	    indicator(buf, sizeof(buf), 2, "[ipv4-addr:value = '192.0.2.9']"));
	assert_int_equal(list(f->s, ID_IND(2)).n, 0);
}

static void stream_path_correlates(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct ingest in;
	char a[1024], b[1024];
	FILE *fp = tmpfile();

	assert_non_null(fp);
	fprintf(fp, "%s\n%s\n",
		phone(a, sizeof(a), 1, "0555 90 90 90"),
		indicator(b, sizeof(b), 1,
			  "[accord-phone-number:value = '+996555909090']"));
	rewind(fp);
	o.corr.enabled = true;
	memcpy(o.corr.default_country, "KG", 3);
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_stream(&in, fp, STREAM_AUTO, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.accepted, 2);
	assert_int_equal(in.stats.correlations, 1);
	assert_int_equal(list(f->s, ID_IND(1)).n, 1);
	fclose(fp);
}

static int count_rows(const struct store_ident *id, void *ctx)
{
	(void)id;
	(*(int *)ctx)++;
	return 0;
}

static int matches(struct store *s, const char *kind, const char *value)
{
	int n = 0;

	assert_int_equal(
	    store_ident_match(s, kind, value, 10, count_rows, &n, NULL), AC_OK);
	return n;
}

/* The plan SQLite picks for sql on the store's file, one line per step. */
static void plan_of(const char *path, const char *sql, char *out, size_t cap)
{
	char q[512];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	size_t len = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	out[0] = '\0';
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && len < cap)
		len +=
		    (size_t)snprintf(out + len, cap - len, "%s\n",
				     (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* The CREATE statement of table or index name in the store's file. */
static void schema_of(const char *path, const char *name, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;

	out[0] = '\0';
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT sql FROM sqlite_master"
					    " WHERE name = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, cap, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

#define OLD_A "accord-vehicle--5d712360-df2c-4c7e-bc36-000000000001"
/* another object whose id ends as OLD_A's does */
#define OLD_B "accord-document--5d712360-df2c-4c7e-bc36-000000000001"

/* Identifiers of a version 17 store (one WITHOUT ROWID tree, its index by
 * object holding whole keys) survive the upgrade to a rowid table: they
 * still match, adding one again changes nothing, and forgetting an object
 * removes its rows through the index on the id's end, not the rows of
 * another object whose id ends the same. */
static void identifiers_survive_upgrade(void **state)
{
	struct fixture *f = *state;
	struct store_ident again = {"plate", "01KG123ABC", OLD_A, "local",
				    true,    NULL,	   0};
	uint64_t removed = 0;
	bool inserted = true;
	char plan[512];

	reopen_store_after_sql(
	    f->path, &f->s,
	    "DROP TABLE identifiers;"
	    "CREATE TABLE identifiers (kind TEXT NOT NULL,"
	    " value TEXT NOT NULL, object_id TEXT NOT NULL,"
	    " source TEXT NOT NULL, valid INTEGER NOT NULL,"
	    " ord BLOB NULL, created_us INTEGER NOT NULL,"
	    " PRIMARY KEY (kind, value, object_id, source)) WITHOUT ROWID;"
	    "CREATE INDEX identifiers_ord ON identifiers(kind, ord)"
	    " WHERE ord IS NOT NULL;"
	    "CREATE INDEX identifiers_object ON identifiers(object_id);"
	    "INSERT INTO identifiers VALUES"
	    " ('plate', '01KG123ABC', '" OLD_A "', 'local', 1, NULL, 5),"
	    " ('plate', '01KG123ABC', '" OLD_B "', 'partner:kg', 1, NULL, 6),"
	    " ('vin', 'WVWZZZ1JZXW000001', '" OLD_A "', 'local', 1, NULL, 7),"
	    " ('vin', 'WVWZZZ1JZXW000001', '" OLD_B "', 'partner:kg', 0,"
	    "  NULL, 8);"
	    "PRAGMA user_version = 17;");
	/* a rowid table; the index by object keys on the id's end */
	schema_of(f->path, "identifiers", plan, sizeof(plan));
	assert_null(strstr(plan, "WITHOUT ROWID"));
	schema_of(f->path, "identifiers_object", plan, sizeof(plan));
	assert_non_null(strstr(plan, "substr(object_id, -16)"));
	schema_of(f->path, "identifiers_key", plan, sizeof(plan));
	assert_non_null(strstr(plan, "UNIQUE"));
	assert_int_equal(matches(f->s, "plate", "01KG123ABC"), 2);
	assert_int_equal(matches(f->s, "vin", "WVWZZZ1JZXW000001"), 2);
	assert_int_equal(store_ident_add(f->s, &again, 9, &inserted, NULL),
			 AC_OK);
	assert_false(inserted);
	assert_int_equal(matches(f->s, "plate", "01KG123ABC"), 2);
	/* the statements forget uses find rows through identifiers_object */
	plan_of(f->path,
		"DELETE FROM identifiers WHERE substr(object_id, -16) ="
		" substr(?1, -16) AND object_id = ?1 AND source = ?2",
		plan, sizeof(plan));
	assert_non_null(strstr(plan, "USING INDEX identifiers_object"));
	assert_int_equal(store_index_forget(f->s, OLD_A, NULL), AC_OK);
	assert_int_equal(matches(f->s, "plate", "01KG123ABC"), 1);
	assert_int_equal(matches(f->s, "vin", "WVWZZZ1JZXW000001"), 1);
	assert_int_equal(
	    store_index_forget_source(f->s, OLD_B, "local", &removed, NULL),
	    AC_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(store_index_forget_source(f->s, OLD_B, "partner:kg",
						   &removed, NULL),
			 AC_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(matches(f->s, "plate", "01KG123ABC"), 0);
	/* a row added after the upgrade is kept and found the same way */
	assert_int_equal(store_ident_add(f->s, &again, 9, &inserted, NULL),
			 AC_OK);
	assert_true(inserted);
	assert_int_equal(matches(f->s, "plate", "01KG123ABC"), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(own_vs_partner_raises_alert),
		T(own_vs_own_no_alert),
		T(two_partners_raise_alert),
		T(same_object_from_two_sources),
		T(reimport_adds_nothing),
		T(common_values_cut_off),
		T(common_values_cut_off_in_one_transaction),
		T(address_inside_block),
		T(invalid_values_never_correlate),
		T(alerts_acknowledge),
		T(correlation_off_indexes_nothing),
		T(stream_path_correlates),
		T(identifiers_survive_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
