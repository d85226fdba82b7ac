#include "base/common.h"
#include "audit/audit.h"
#include "crypto/keys.h"
#include "ingest/ingest.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

struct fx {
	char dir[64];
	char path[128];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct audit *a;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct audit_opts o = { 10, 3600LL * 1000000 };

	if (!f || ac_crypto_init(NULL))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-audit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/audit.db", f->dir);
	crypto_sign_keypair(f->pk, f->sk);
	if (audit_open(f->path, &o, f->sk, &f->a, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	audit_close(f->a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void append_n(struct fx *f, int n)
{
	const char *ids[2] = { "indicator--1", "identity--2" };
	struct ac_err err = { 0 };
	char q[32];

	for (int i = 0; i < n; i++) {
		struct audit_entry e = { .actor_kind = AUDIT_ACTOR_USER,
					 .actor = "alice",
					 .action = AUDIT_CONSULT,
					 .object_ids = ids, .nobject_ids = 2,
					 .channel = "taxii-get",
					 .purpose = "investigation",
					 .query = q };
		snprintf(q, sizeof(q), "query %d", i);
		assert_int_equal(audit_append(f->a, &e, &err), AC_OK);
	}
}

static void sql(struct fx *f, const char *stmt)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static const struct audit_finding *verify(struct fx *f,
					  struct audit_report *rep)
{
	struct ac_err err = { 0 };

	assert_int_equal(audit_verify(f->a, f->pk, rep, &err), AC_OK);
	return rep->nfindings ? &rep->findings[0] : NULL;
}

static void expect_finding(struct fx *f, enum audit_finding_kind kind,
			   uint64_t seq)
{
	struct audit_report rep;
	const struct audit_finding *fd = verify(f, &rep);

	assert_non_null(fd);
	if (fd->kind != kind || fd->seq != seq)
		fail_msg("got '%s' at %llu (%s)", audit_finding_name(fd->kind),
			 (unsigned long long)fd->seq, fd->msg);
}

static void test_intact(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;

	append_n(f, 45);
	assert_null(verify(f, &rep));
	assert_int_equal(rep.entries, 45);
	/* the first append signs at once (no checkpoint yet), then every 10 */
	assert_int_equal(rep.signed_seq, 41);
	assert_int_equal(rep.unsigned_tail, 4);
	assert_int_equal(rep.checkpoints, 5);
}

static void test_edited(void **state)
{
	struct fx *f = *state;

	append_n(f, 40);
	sql(f, "UPDATE entries SET actor = 'mallory' WHERE seq = 23");
	expect_finding(f, AUDIT_FOUND_EDITED, 23);
}

static void test_edited_object_ids(void **state)
{
	struct fx *f = *state;

	append_n(f, 40);
	sql(f, "UPDATE entries SET object_ids = '[\"indicator--1\"]' WHERE seq = 7");
	expect_finding(f, AUDIT_FOUND_EDITED, 7);
}

static void test_deleted(void **state)
{
	struct fx *f = *state;

	append_n(f, 40);
	sql(f, "DELETE FROM entries WHERE seq = 23");
	expect_finding(f, AUDIT_FOUND_DELETED, 23);
}

static void test_deleted_renumbered(void **state)
{
	struct fx *f = *state;

	append_n(f, 40);
	sql(f, "DELETE FROM entries WHERE seq = 23;"
	       "UPDATE entries SET seq = -(seq - 1) WHERE seq > 23;"
	       "UPDATE entries SET seq = -seq WHERE seq < 0;");
	expect_finding(f, AUDIT_FOUND_DELETED, 23);
}

static void test_inserted(void **state)
{
	struct fx *f = *state;

	append_n(f, 40);
	sql(f, "UPDATE entries SET seq = -(seq + 1) WHERE seq >= 23;"
	       "UPDATE entries SET seq = -seq WHERE seq < 0;"
	       "INSERT INTO entries SELECT 23, time_us, actor_kind, 'eve',"
	       " action, object_ids, object_count, channel, purpose, case_ref,"
	       " query, outcome, detail, prev_hash, hash FROM entries"
	       " WHERE seq = 20;");
	expect_finding(f, AUDIT_FOUND_INSERTED, 23);
}

static void test_reordered(void **state)
{
	struct fx *f = *state;

	append_n(f, 40);
	sql(f, "UPDATE entries SET seq = -1 WHERE seq = 23;"
	       "UPDATE entries SET seq = 23 WHERE seq = 24;"
	       "UPDATE entries SET seq = 24 WHERE seq = -1;");
	expect_finding(f, AUDIT_FOUND_REORDERED, 23);
}

static void test_truncated(void **state)
{
	struct fx *f = *state;

	append_n(f, 45);
	sql(f, "DELETE FROM entries WHERE seq > 37");
	expect_finding(f, AUDIT_FOUND_TRUNCATED, 38);
}

static void test_unsigned_tail_not_truncation(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;

	/* entries after the last checkpoint can go unnoticed: documented */
	append_n(f, 45);
	sql(f, "DELETE FROM entries WHERE seq > 42");
	assert_null(verify(f, &rep));
	assert_int_equal(rep.unsigned_tail, 1);
}

static void test_forged_checkpoint(void **state)
{
	struct fx *f = *state;
	char stmt[256];
	unsigned char other_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char other_sk[crypto_sign_SECRETKEYBYTES];
	struct audit_report rep;
	struct ac_err err = { 0 };

	append_n(f, 30);
	snprintf(stmt, sizeof(stmt),
		 "UPDATE signed SET hash = '%064d' WHERE seq = 21", 0);
	sql(f, stmt);
	expect_finding(f, AUDIT_FOUND_SIGNATURE, 21);
	/* and the whole log under another key */
	crypto_sign_keypair(other_pk, other_sk);
	assert_int_equal(audit_verify(f->a, other_pk, &rep, &err), AC_OK);
	assert_true(rep.nfindings >= 3);
	assert_int_equal(rep.findings[0].kind, AUDIT_FOUND_SIGNATURE);
}

static void test_rewritten_chain(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;
	struct ac_err err = { 0 };
	struct audit *plain;
	const char *ids[1] = { "x--1" };
	struct audit_entry e = { .actor = "eve", .action = AUDIT_ERASE,
				 .object_ids = ids, .nobject_ids = 1 };

	/* truncate to 12 and re-append a consistent chain without the key:
	 * the hashes no longer match the signed checkpoint at 21 */
	append_n(f, 25);
	sql(f, "DELETE FROM entries WHERE seq > 12");
	assert_int_equal(audit_open(f->path, NULL, NULL, &plain, &err), AC_OK);
	for (int i = 0; i < 13; i++)
		assert_int_equal(audit_append(plain, &e, &err), AC_OK);
	audit_close(plain);
	assert_non_null(verify(f, &rep));
	assert_int_equal(rep.findings[0].kind, AUDIT_FOUND_REWRITTEN);
	assert_int_equal(rep.findings[0].seq, 21);
}

/* Exports to a file and returns it open for reading. */
static FILE *export_all(struct fx *f, char *path, size_t cap)
{
	struct ac_err err = { 0 };
	uint64_t n = 0;
	FILE *out;

	snprintf(path, cap, "%s/export.jsonl", f->dir);
	out = fopen(path, "w");
	assert_non_null(out);
	assert_int_equal(audit_export(f->a, 0, 0, out, &n, &err), AC_OK);
	fclose(out);
	assert_true(n > 0);
	return fopen(path, "r");
}

static void test_export_offline(void **state)
{
	struct fx *f = *state;
	struct audit_report rep;
	struct ac_err err = { 0 };
	char path[160];
	FILE *in;

	append_n(f, 33);
	in = export_all(f, path, sizeof(path));
	assert_int_equal(audit_verify_file(in, f->pk, &rep, &err), AC_OK);
	fclose(in);
	assert_int_equal(rep.nfindings, 0);
	assert_int_equal(rep.entries, 33);
	assert_int_equal(rep.signed_seq, 33); /* export signs the tail */
}

/* Changes one byte of line `line` (1-based) at offset off into it. */
static void flip_byte(const char *path, int line, size_t off, char to)
{
	FILE *fp = fopen(path, "r+");
	int c, l = 1;
	long pos = 0;

	assert_non_null(fp);
	while (l < line && (c = getc(fp)) != EOF) {
		pos++;
		if (c == '\n')
			l++;
	}
	fseek(fp, pos + (long)off, SEEK_SET);
	fputc(to, fp);
	fclose(fp);
}

static void expect_file_line(struct fx *f, const char *path, uint64_t line)
{
	struct audit_report rep;
	struct ac_err err = { 0 };
	FILE *in = fopen(path, "r");

	assert_int_equal(audit_verify_file(in, f->pk, &rep, &err), AC_OK);
	fclose(in);
	assert_true(rep.nfindings > 0);
	assert_int_equal(rep.findings[0].line, line);
}

static void test_export_byte_changed(void **state)
{
	struct fx *f = *state;
	char path[160];
	FILE *in;

	append_n(f, 20);
	in = export_all(f, path, sizeof(path));
	fclose(in);
	/* line 5 is entry 4 (a checkpoint follows entry 1): alter a byte */
	flip_byte(path, 5, 3, 'x');
	expect_file_line(f, path, 5);
}

static void test_export_value_changed(void **state)
{
	struct fx *f = *state;
	char path[160], stmt[256];
	FILE *in;

	append_n(f, 20);
	in = export_all(f, path, sizeof(path));
	fclose(in);
	/* "alice" → "blice" on line 7: still canonical JSON, bad hash */
	snprintf(stmt, sizeof(stmt), "sed -i '7s/alice/blice/' '%s'", path);
	assert_int_equal(system(stmt), 0);
	expect_file_line(f, path, 7);
}

static void test_export_checkpoint_forged(void **state)
{
	struct fx *f = *state;
	char path[160], stmt[256];
	FILE *in;

	append_n(f, 20);
	in = export_all(f, path, sizeof(path));
	fclose(in);
	/* line 13 is the checkpoint after entry 11: alter its signature */
	snprintf(stmt, sizeof(stmt),
		 "sed -i '13s/\"signature\":\"A/\"signature\":\"B/;t;"
		 "13s/\"signature\":\"./\"signature\":\"A/' '%s'",
		 path);
	assert_int_equal(system(stmt), 0);
	expect_file_line(f, path, 13);
}

static void test_prune(void **state)
{
	struct fx *f = *state;
	struct audit_entry who = { .actor_kind = AUDIT_ACTOR_CLI,
				   .actor = "root" };
	struct audit_report rep;
	struct ac_err err = { 0 };
	uint64_t removed = 0;
	char path[160];
	FILE *in;

	append_n(f, 25);
	sql(f, "UPDATE entries SET time_us = 1000 WHERE seq <= 14");
	/* a tampered log is refused (the edit above broke it) */
	assert_int_equal(audit_prune(f->a, f->pk, 2000, &who, &removed, &err),
			 AC_ERR_INVALID);
	teardown(state);
	setup(state);
	f = *state;
	append_n(f, 25);
	assert_int_equal(audit_prune(f->a, f->pk, INT64_MAX, &who, &removed,
				     &err), AC_OK);
	assert_int_equal(removed, 25);
	append_n(f, 3);
	assert_null(verify(f, &rep));
	assert_int_equal(rep.first_seq, 26);
	assert_int_equal(rep.entries, 4); /* the prune entry and three more */
	in = export_all(f, path, sizeof(path));
	assert_int_equal(audit_verify_file(in, f->pk, &rep, &err), AC_OK);
	fclose(in);
	assert_int_equal(rep.nfindings, 0);
	/* deleting the first entry after the prune point is caught */
	sql(f, "DELETE FROM entries WHERE seq = 26");
	expect_finding(f, AUDIT_FOUND_DELETED, 26);
}

static void test_batch_atomic(void **state)
{
	struct fx *f = *state;
	struct audit_entry e[3] = {
		{ .actor = "a", .action = AUDIT_LOGIN_OK },
		{ .actor = "b", .action = (enum audit_action)99 },
		{ .actor = "c", .action = AUDIT_LOGIN_FAIL },
	};
	struct audit_report rep;
	struct ac_err err = { 0 };
	uint64_t last = 0;

	append_n(f, 2);
	assert_int_equal(audit_append_batch(f->a, e, 3, &last, &err),
			 AC_ERR_USAGE);
	assert_null(verify(f, &rep));
	assert_int_equal(rep.entries, 2);
	e[1].action = AUDIT_LOGIN_OK;
	assert_int_equal(audit_append_batch(f->a, e, 3, &last, &err), AC_OK);
	assert_int_equal(last, 5);
	assert_int_equal(audit_append_batch(f->a, e, 0, &last, &err),
			 AC_ERR_USAGE);
}

static int count_cb(const json_t *e, void *ctx)
{
	(void)e;
	(*(int *)ctx)++;
	return 0;
}

static void test_hostile_text_and_show(void **state)
{
	struct fx *f = *state;
	char *big = malloc(AUDIT_TEXT_MAX * 3);
	const char *ids[1] = { "indicator--99" };
	struct audit_entry e = { .actor = "bob\xff\xfe", .action = AUDIT_CONSULT,
				 .object_ids = ids, .nobject_ids = 1,
				 .object_count = 50000 };
	struct audit_filter flt = { 0 };
	struct audit_report rep;
	struct ac_err err = { 0 };
	int n = 0;

	assert_non_null(big);
	memset(big, 'q', AUDIT_TEXT_MAX * 3 - 1);
	big[AUDIT_TEXT_MAX * 3 - 1] = '\0';
	e.query = big;
	append_n(f, 3);
	assert_int_equal(audit_append(f->a, &e, &err), AC_OK);
	free(big);
	assert_null(verify(f, &rep));
	flt.object_id = "indicator--99";
	assert_int_equal(audit_show(f->a, &flt, count_cb, &n, &err), AC_OK);
	assert_int_equal(n, 1);
	flt.object_id = "indicator--9";
	n = 0;
	assert_int_equal(audit_show(f->a, &flt, count_cb, &n, &err), AC_OK);
	assert_int_equal(n, 0);
	memset(&flt, 0, sizeof(flt));
	flt.actor = "alice";
	flt.limit = 2;
	n = 0;
	assert_int_equal(audit_show(f->a, &flt, count_cb, &n, &err), AC_OK);
	assert_int_equal(n, 2);
}

static void test_store_wrap(void **state)
{
	struct fx *f = *state;
	static const char obj[] =
		"{\"type\":\"identity\",\"spec_version\":\"2.1\","
		"\"id\":\"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
		"\"created\":\"2026-01-01T00:00:00Z\","
		"\"modified\":\"2026-01-01T00:00:00Z\",\"name\":\"Org\","
		"\"identity_class\":\"organization\"}";
	struct audit_entry tmpl = { .actor = "import", .action = AUDIT_INGEST };
	struct ingest_opts opts = ingest_opts_default();
	struct audit_filter flt = { .has_action = true, .action = AUDIT_INGEST };
	struct ac_err err = { 0 };
	struct store *s, *w;
	struct ingest in;
	char db[160];
	int n = 0;

	snprintf(db, sizeof(db), "%s/store.db", f->dir);
	assert_int_equal(store_open(db, true, &s, &err), AC_OK);
	assert_int_equal(audit_store_wrap(s, f->a, &tmpl, &w, &err), AC_OK);
	ingest_init(&in, w, &opts, NULL, NULL, NULL);
	assert_int_equal(ingest_text(&in, obj, strlen(obj), NULL, NULL, &err),
			 AC_OK);
	assert_int_equal(ingest_text(&in, obj, strlen(obj), NULL, NULL, &err),
			 AC_OK);
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	store_close(w);
	store_close(s);
	flt.object_id = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
	assert_int_equal(audit_show(f->a, &flt, count_cb, &n, &err), AC_OK);
	assert_int_equal(n, 1); /* the duplicate is not a new ingest */
}

/* ---- group commit ---- */

#define WRITER_THREADS 4
#define WRITER_BATCHES 30

struct submitter {
	struct audit_writer *w;
	int id;
	int failures;
};

static void *submit_many(void *p)
{
	struct submitter *s = p;
	char actor[16];
	struct ac_err err = { 0 };

	snprintf(actor, sizeof(actor), "t%d", s->id);
	for (int i = 0; i < WRITER_BATCHES; i++) {
		struct audit_entry e[2] = {
			{ .actor = actor, .action = AUDIT_LOGIN_OK },
			{ .actor = actor, .action = AUDIT_CONSULT },
		};
		/* thread 0 sends a bad batch every 10th time */
		if (s->id == 0 && i % 10 == 0)
			e[1].action = (enum audit_action)99;
		if (audit_writer_append(s->w, e, 2, &err))
			s->failures++;
	}
	return NULL;
}

static void test_writer_group_commit(void **state)
{
	struct fx *f = *state;
	struct submitter subs[WRITER_THREADS];
	pthread_t th[WRITER_THREADS];
	struct audit_writer *w = NULL;
	struct audit_report rep;
	struct ac_err err = { 0 };
	struct audit_entry one = { .actor = "x", .action = AUDIT_LOGIN_OK };

	assert_int_equal(audit_writer_start(f->a, 0, &w, &err), AC_OK);
	for (int i = 0; i < WRITER_THREADS; i++) {
		subs[i] = (struct submitter){ w, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, submit_many,
						&subs[i]), 0);
	}
	for (int i = 0; i < WRITER_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(audit_writer_append(w, &one, 0, &err), AC_ERR_USAGE);
	assert_int_equal(audit_writer_stop(w, &err), AC_OK);
	/* only the bad batches failed, and only for their sender */
	assert_int_equal(subs[0].failures, WRITER_BATCHES / 10);
	for (int i = 1; i < WRITER_THREADS; i++)
		assert_int_equal(subs[i].failures, 0);
	assert_null(verify(f, &rep));
	assert_int_equal(rep.entries,
			 2 * (WRITER_THREADS * WRITER_BATCHES -
			      WRITER_BATCHES / 10));
	/* stop signed a final checkpoint: nothing is left unsigned */
	assert_int_equal(rep.unsigned_tail, 0);
}

static void test_writer_store_wrap(void **state)
{
	struct fx *f = *state;
	struct audit_entry tmpl = { .actor_kind = AUDIT_ACTOR_USER,
				    .actor = "alice", .action = AUDIT_INGEST,
				    .channel = "taxii-post" };
	struct audit_writer *w = NULL;
	struct store *s = NULL, *wrapped = NULL;
	struct store_collection k = { 0 };
	struct store_obj o = { .id = "indicator--1", .type = "indicator",
			       .version = "2024-01-01T00:00:00.000Z",
			       .spec_version = "2.1", .source = "local",
			       .json = "{}", .json_len = 2 };
	struct audit_filter flt = { .object_id = "indicator--1" };
	struct ac_err err = { 0 };
	char db[160];
	int n = 0;

	snprintf(db, sizeof(db), "%s/store.db", f->dir);
	assert_int_equal(store_open(db, true, &s, &err), AC_OK);
	assert_int_equal(audit_writer_start(f->a, 0, &w, &err), AC_OK);
	assert_int_equal(audit_store_wrap_writer(s, w, &tmpl, &wrapped, &err),
			 AC_OK);
	/* TAXII records are forwarded to the inner store */
	snprintf(k.id, sizeof(k.id), "%s", "c0ffee00-0000-4000-8000-000000000001");
	snprintf(k.name, sizeof(k.name), "inbox");
	snprintf(k.title, sizeof(k.title), "Inbox");
	assert_int_equal(store_collection_add(wrapped, &k, &err), AC_OK);
	assert_int_equal(store_begin(wrapped, &err), AC_OK);
	assert_int_equal(store_put(wrapped, &o, NULL, &err), AC_OK);
	assert_int_equal(store_member_add(wrapped, k.id, o.id, &err), AC_OK);
	assert_int_equal(store_commit(wrapped, &err), AC_OK);
	store_close(wrapped);
	assert_int_equal(audit_writer_stop(w, &err), AC_OK);
	assert_int_equal(audit_show(f->a, &flt, count_cb, &n, &err), AC_OK);
	assert_int_equal(n, 1);
	store_close(s);
}

static void test_keys(void **state)
{
	struct fx *f = *state;
	unsigned char pk[AUDIT_PK_LEN];
	char b64[64];
	struct ac_err err = { 0 };

	sodium_bin2base64(b64, sizeof(b64), f->pk, sizeof(f->pk),
			  sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(audit_public_key_parse(b64, pk, &err), AC_OK);
	assert_memory_equal(pk, f->pk, sizeof(pk));
	assert_int_equal(audit_public_key_parse("not-a-key", pk, &err),
			 AC_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_intact),
		T(test_edited),
		T(test_edited_object_ids),
		T(test_deleted),
		T(test_deleted_renumbered),
		T(test_inserted),
		T(test_reordered),
		T(test_truncated),
		T(test_unsigned_tail_not_truncation),
		T(test_forged_checkpoint),
		T(test_rewritten_chain),
		T(test_export_offline),
		T(test_export_byte_changed),
		T(test_export_value_changed),
		T(test_export_checkpoint_forged),
		T(test_prune),
		T(test_batch_atomic),
		T(test_hostile_text_and_show),
		T(test_store_wrap),
		T(test_writer_group_commit),
		T(test_writer_store_wrap),
		T(test_keys),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
