/* The ingest pipeline end to end on a real SQLite file: generated data and
 * the shipped extension definitions validate cleanly; duplicates, conflicts,
 * versions and revocation; strict rollback; batches; truncated streams. */
#include "base/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "gen/gen.h"
#include "ingest/ingest.h"
#include "stix/ext.h"
#include "stix/validate.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-ingest-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/store.db", f->dir);
	assert_int_equal(store_open(f->db, true, &f->s, NULL), AC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];
	store_close(f->s);
	unlink(f->db);
	snprintf(p, sizeof(p), "%s-wal", f->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->db);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int count_cb(const struct store_row *row, void *ctx)
{
	(void)row;
	(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t stored(struct store *s, unsigned versions)
{
	struct store_query q = { 0 };
	uint64_t n = 0;
	q.versions = versions;
	assert_int_equal(store_query(s, &q, count_cb, &n, NULL), AC_OK);
	return n;
}

static FILE *generated(uint64_t count, uint64_t seed, enum gen_format fmt)
{
	struct gen_opts o = { .seed = seed, .count = count,
			      .created_by = STIX_EXT_ACCORD_IDENTITY };
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(gen_write(&o, fmt, f, NULL), AC_OK);
	rewind(f);
	return f;
}

struct rejects {
	int n;
	char last[512];
	uint64_t last_index;
};

static void on_reject(const char *id, const struct stream_pos *pos,
		      const char *reason, void *ctx)
{
	struct rejects *r = ctx;
	(void)id;
	r->n++;
	snprintf(r->last, sizeof(r->last), "%s", reason);
	r->last_index = pos ? pos->index : UINT64_MAX;
}

static void generated_data_is_valid_and_clean(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct rejects r = { 0 };
	struct ingest in;
	FILE *in_f = generated(5000, 11, GEN_BUNDLE);

	ingest_init(&in, f->s, &o, on_reject, NULL, &r);
	assert_int_equal(ingest_stream(&in, in_f, STREAM_AUTO, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	if (r.n)
		fail_msg("generated object rejected: %s", r.last);
	assert_int_equal(in.stats.accepted, 5000);
	assert_int_equal(in.stats.warnings, 0);
	assert_int_equal(stored(f->s, 0), 5000);
	fclose(in_f);
}

static void extension_definitions_validate(void **state)
{
	json_t *defs = stix_ext_definitions(), *o;
	struct stix_report rep;
	size_t i;
	(void)state;

	assert_true(json_array_size(defs) >= 7);
	json_array_foreach(defs, i, o) {
		stix_report_init(&rep);
		if (stix_validate(o, &rep) != AC_OK || rep.nwarnings)
			fail_msg("%s", rep.nerrors ? rep.errors[0].text :
						     rep.warnings[0].text);
	}
	json_decref(defs);
}

static const char *IDENT =
	"{\"type\":\"identity\",\"spec_version\":\"2.1\","
	"\"id\":\"identity--2f7a5d41-1b7e-4d43-9f0e-6c1f6b1f8a10\","
	"\"created\":\"2026-01-01T00:00:00.000Z\","
	"\"modified\":\"%s\",\"name\":\"%s\",\"identity_class\":\"organization\"%s}";

static enum ingest_outcome put_text(struct ingest *in, const char *modified,
				    const char *name, const char *extra)
{
	char buf[1024];
	enum ingest_outcome out;
	snprintf(buf, sizeof(buf), IDENT, modified, name, extra);
	assert_int_equal(ingest_text(in, buf, strlen(buf), NULL, &out, NULL),
			 AC_OK);
	return out;
}

static void versions_duplicates_conflicts_revocation(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct rejects r = { 0 };
	struct ingest in;

	ingest_init(&in, f->s, &o, on_reject, NULL, &r);
	assert_int_equal(put_text(&in, "2026-01-01T00:00:00.000Z", "A", ""),
			 INGEST_ACCEPTED);
	/* identical version again: a duplicate */
	assert_int_equal(put_text(&in, "2026-01-01T00:00:00.000Z", "A", ""),
			 INGEST_DUPLICATE);
	assert_int_equal(put_text(&in, "2026-01-01T00:00:00.000Z", "B", ""),
			 INGEST_REJECTED);
	assert_non_null(strstr(r.last, "identity--2f7a5d41"));
	assert_int_equal(put_text(&in, "2026-02-01T00:00:00.000Z", "A2", ""),
			 INGEST_ACCEPTED);
	assert_int_equal(put_text(&in, "2026-03-01T00:00:00.000Z", "A3",
				  ",\"revoked\":true"),
			 INGEST_ACCEPTED);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.accepted, 3);
	assert_int_equal(in.stats.duplicates, 1);
	assert_int_equal(in.stats.rejected, 1);
	assert_int_equal(stored(f->s, STORE_VERSIONS_ALL), 3);
	assert_int_equal(stored(f->s, STORE_VERSIONS_LAST), 1);
}

static void strict_mode_rolls_back_everything(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct ac_err err = { 0 };
	struct ingest in;
	FILE *src = generated(2500, 5, GEN_JSONL);
	char bad[] = "{\"type\":\"identity\",\"id\":\"nope\"}\n";

	/* append one invalid object after 2500 good ones */
	fseek(src, 0, SEEK_END);
	fputs(bad, src);
	rewind(src);
	o.strict = true;
	o.batch_size = 100; /* strict ignores batching: one transaction */
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_not_equal(ingest_stream(&in, src, STREAM_JSONL, &err), AC_OK);
	assert_non_null(strstr(err.msg, "nope"));
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.accepted, 0);
	assert_int_equal(stored(f->s, STORE_VERSIONS_ALL), 0);
	fclose(src);
}

static void batches_commit_and_bad_objects_are_skipped(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct rejects r = { 0 };
	struct ingest in;
	FILE *src = generated(1000, 6, GEN_JSONL);

	fseek(src, 0, SEEK_END);
	fputs("{\"type\":\"identity\",\"id\":\"nope\"}\n{not json\n", src);
	rewind(src);
	o.batch_size = 64;
	ingest_init(&in, f->s, &o, on_reject, NULL, &r);
	assert_int_equal(ingest_stream(&in, src, STREAM_JSONL, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_int_equal(in.stats.accepted, 1000);
	assert_int_equal(in.stats.rejected, 2);
	assert_int_equal(r.last_index, 1001);
	assert_int_equal(stored(f->s, 0), 1000);
	fclose(src);
}

static void truncated_bundle_keeps_whole_objects(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct ac_err err = { 0 };
	struct ingest in;
	FILE *src = generated(400, 9, GEN_BUNDLE), *cut = tmpfile();
	char buf[4096];
	size_t total = 0, n;

	while ((n = fread(buf, 1, sizeof(buf), src)) && total < 60000) {
		fwrite(buf, 1, n, cut);
		total += n;
	}
	rewind(cut);
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(ingest_stream(&in, cut, STREAM_AUTO, &err),
			 AC_ERR_PARSE);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	assert_true(in.stats.accepted > 0 && in.stats.accepted < 400);
	assert_int_equal(stored(f->s, 0), in.stats.accepted);
	fclose(src);
	fclose(cut);
}

struct commits {
	size_t n;
	uint64_t sizes[16];
	uint64_t total; /* accepted, over all commits */
};

static ac_rc note_commit(const struct stream_pos *last,
			 const struct ingest_stats *pending, void *ctx,
			 struct ac_err *err)
{
	struct commits *c = ctx;

	(void)last;
	(void)err;
	c->total += pending->accepted;
	if (c->n < 16)
		c->sizes[c->n] = pending->accepted;
	c->n++;
	return AC_OK;
}

/* Imports the JSON Lines in src with o; returns the counts. */
static struct ingest_stats import_lines(struct store *s,
					const struct ingest_opts *o, FILE *src)
{
	struct ingest in;

	ingest_init(&in, s, o, NULL, NULL, NULL);
	assert_int_equal(ingest_stream(&in, src, STREAM_JSONL, NULL), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	return in.stats;
}

/* Imports n generated JSON Lines objects (seed) with o, noting each
 * commit in a fresh c; returns what was accepted. */
static uint64_t import_counted(struct store *s, struct ingest_opts *o,
			       struct commits *c, size_t n, uint64_t seed)
{
	FILE *src = generated(n, seed, GEN_JSONL);
	struct ingest_stats st;

	memset(c, 0, sizeof(*c));
	o->before_commit = note_commit;
	o->commit_ctx = c;
	st = import_lines(s, o, src);
	fclose(src);
	return st.accepted;
}

/* With batch_grow_max each transaction is twice the one before, up to it;
 * without, they all hold batch_size. */
static void batches_grow_to_their_cap(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct commits c;
	const uint64_t want[] = {2, 4, 8, 8, 8, 2};

	o.batch_size = 2;
	o.batch_grow_max = 8;
	assert_int_equal(import_counted(f->s, &o, &c, 32, 11), 32);
	assert_int_equal(c.n, AC_ARRAY_LEN(want));
	for (size_t i = 0; i < AC_ARRAY_LEN(want); i++)
		assert_int_equal(c.sizes[i], want[i]);
	o.batch_grow_max = 0;
	import_counted(f->s, &o, &c, 6, 12);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.sizes[2], 2);
}

/* With batch_max_ms a transaction also commits once it has been open that
 * long, whatever its size; every object still lands exactly once. */
static void batches_commit_when_overdue(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct commits c;
	uint64_t got;

	o.batch_size = 100000;
	o.batch_max_ms = 1; /* 600 objects take well over 1 ms */
	assert_int_equal(import_counted(f->s, &o, &c, 600, 13), 600);
	assert_true(c.n >= 2);
	assert_int_equal(c.total, 600);
	assert_int_equal(stored(f->s, 0), 600);
	/* no limit: one transaction */
	o.batch_max_ms = 0;
	got = import_counted(f->s, &o, &c, 600, 14);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.total, got);
}

/* A live feed: a writer sends part of its objects down a pipe, then
 * pauses until another connection sees them stored (at most 20 s), then
 * sends the rest and closes. */
struct feed {
	int fd;
	const char *db;
	char *text;
	size_t len, first; /* bytes; the first part ends at a line */
	uint64_t want_first;
	bool seen; /* the first part was committed during the pause */
};

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void *feed_main(void *arg)
{
	struct feed *fd = arg;
	struct store *s = NULL;

	if (write_all(fd->fd, fd->text, fd->first) &&
	    store_open(fd->db, false, &s, NULL) == AC_OK) {
		for (int i = 0; i < 200 && !fd->seen; i++) {
			struct store_query q = {0};
			uint64_t n = 0;

			/* no cmocka assert off the main thread */
			fd->seen = store_query(s, &q, count_cb, &n, NULL) ==
					   AC_OK &&
				   n >= fd->want_first;
			if (!fd->seen)
				usleep(100000);
		}
		store_close(s);
	}
	write_all(fd->fd, fd->text + fd->first, fd->len - fd->first);
	close(fd->fd);
	return NULL;
}

/* Objects read from a pipe whose writer pauses are committed during the
 * pause (once batch_max_ms has passed), not only when the batch fills or
 * the input ends; then the rest follows in the same import. */
static void live_feed_commits_while_paused(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	FILE *gen = generated(300, 15, GEN_JSONL);
	struct feed fd = {.db = f->db, .want_first = 100};
	struct ac_err err = {0};
	int fds[2], lines = 0;
	struct ingest in;
	pthread_t th;
	FILE *rd;

	fd.text = malloc(1u << 20);
	assert_non_null(fd.text);
	fd.len = fread(fd.text, 1, 1u << 20, gen);
	fclose(gen);
	for (size_t i = 0; i < fd.len && !fd.first; i++)
		if (fd.text[i] == '\n' && ++lines == 100)
			fd.first = i + 1;
	assert_true(fd.first > 0 && fd.len < (1u << 20));
	assert_int_equal(pipe(fds), 0);
	fd.fd = fds[1];
	rd = fdopen(fds[0], "r");
	assert_non_null(rd);
	o.batch_size = 100000;
	o.batch_max_ms = 200;
	ingest_init(&in, f->s, &o, NULL, NULL, NULL);
	assert_int_equal(pthread_create(&th, NULL, feed_main, &fd), 0);
	assert_int_equal(ingest_stream(&in, rd, STREAM_JSONL, &err), AC_OK);
	assert_int_equal(ingest_finish(&in, NULL), AC_OK);
	pthread_join(th, NULL);
	fclose(rd);
	assert_true(fd.seen);
	assert_int_equal(in.stats.accepted, 300);
	assert_int_equal(stored(f->s, 0), 300);
	free(fd.text);
}

/* Signed locally, the same objects re-imported in another grouping (here
 * without the first line, so every Merkle tree differs) are duplicates:
 * only their signatures differ. New content under a stored version is
 * still a conflict. */
static void resigned_copies_are_duplicates(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts o = ingest_opts_default();
	struct ingest_provenance prov = {
	    .identity_id = "identity--0b1e0c5a-0000-4000-8000-00000000be01"};
	FILE *gen = generated(100, 31, GEN_JSONL), *rest = tmpfile(),
	     *changed = tmpfile();
	struct ac_keys keys;
	struct ingest_stats st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int at = 0;

	assert_int_equal(ac_keys_generate(&keys, NULL), AC_OK);
	prov.keys = &keys;
	o.provenance = &prov;
	assert_int_equal(import_lines(f->s, &o, gen).accepted, 100);
	rewind(gen);
	while ((n = getline(&line, &cap, gen)) > 0) {
		if (at++)
			fwrite(line, 1, (size_t)n, rest);
		if (!ftell(changed) && strstr(line, "\"modified\"")) {
			json_t *obj = json_loadb(line, (size_t)n, 0, NULL);

			assert_non_null(obj);
			json_object_set_new(obj, "x_changed", json_true());
			assert_int_equal(json_dumpf(obj, changed, 0), 0);
			fputc('\n', changed);
			json_decref(obj);
		}
	}
	free(line);
	rewind(rest);
	rewind(changed);
	st = import_lines(f->s, &o, rest);
	assert_int_equal(st.duplicates, 99);
	assert_int_equal(st.rejected, 0);
	st = import_lines(f->s, &o, changed);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(stored(f->s, STORE_VERSIONS_ALL), 100);
	fclose(gen);
	fclose(rest);
	fclose(changed);
	ac_keys_wipe(&keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(generated_data_is_valid_and_clean,
						setup, teardown),
		cmocka_unit_test(extension_definitions_validate),
		cmocka_unit_test_setup_teardown(
			versions_duplicates_conflicts_revocation, setup, teardown),
		cmocka_unit_test_setup_teardown(strict_mode_rolls_back_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			batches_commit_and_bad_objects_are_skipped, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			truncated_bundle_keeps_whole_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(batches_grow_to_their_cap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(batches_commit_when_overdue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(live_feed_commits_while_paused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(resigned_copies_are_duplicates,
						setup, teardown),
	};
	if (ac_crypto_init(NULL))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
