/* ingest_stream's threaded pipeline against the one-object-at-a-time path
 * (stream_read feeding ingest_text): same counts, same rejections in the same
 * order at the same positions, same stored rows; strict mode rolls back; a
 * store failure mid-way stops both paths at the same object, also when the
 * thread splitting the input is waiting for room (an input longer than the
 * queue); a long input cut short keeps what came before the cut. */
#include "base/common.h"
#include "gen/gen.h"
#include "index/correlate.h"
#include "ingest/ingest.h"
#include "names/service.h"
#include "store/store.h"

#include <jansson.h>
#include <inttypes.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#define NGEN 900
/* more objects than the pipeline queues (32 batches of 256) */
#define NBIG 12000
#define MAX_REJ 64

struct rejection {
	char id[80];
	struct stream_pos pos;
	char why[512];
};

struct rejections {
	size_t n;
	struct rejection r[MAX_REJ];
};

struct fixture {
	char dir[64];
	char path[2][96];
	struct store *s[2];
};

static void on_reject(const char *objid, const struct stream_pos *pos,
		      const char *reason, void *ctx)
{
	struct rejections *rj = ctx;
	struct rejection *r;

	assert_true(rj->n < MAX_REJ);
	r = &rj->r[rj->n++];
	snprintf(r->id, sizeof(r->id), "%s", objid ? objid : "-");
	snprintf(r->why, sizeof(r->why), "%s", reason);
	r->pos = pos ? *pos : (struct stream_pos){0};
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ac_err err = {0};

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/accord-pipe-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (int i = 0; i < 2; i++) {
		snprintf(f->path[i], sizeof(f->path[i]), "%s/s%d.db", f->dir,
			 i);
		assert_int_equal(store_open(f->path[i], true, &f->s[i], &err),
				 AC_OK);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	for (int i = 0; i < 2; i++) {
		store_close(f->s[i]);
		unlink(f->path[i]);
		snprintf(p, sizeof(p), "%s-wal", f->path[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", f->path[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Generated JSON Lines with trouble mixed in: invalid objects, a malformed
 * line, a duplicate and a conflicting version. Caller frees. */
static char *make_input(size_t *len)
{
	struct gen_opts o = {.seed = 7, .count = NGEN, .created_by = NULL};
	struct ac_err err = {0};
	char *gen = NULL, *out = NULL, *line, *save = NULL, *dup = NULL;
	size_t gen_len = 0, n = 0;
	FILE *f = open_memstream(&gen, &gen_len);
	FILE *o_f;

	assert_non_null(f);
	assert_int_equal(gen_write(&o, GEN_JSONL, f, &err), AC_OK);
	fclose(f);
	o_f = open_memstream(&out, len);
	assert_non_null(o_f);
	for (line = strtok_r(gen, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		fprintf(o_f, "%s\n", line);
		if (n == 5)
			dup = strdup(line);
		if (n % 97 == 3)
			fprintf(o_f,
				"{\"type\":\"indicator\",\"id\":\"bad-%zu\"}\n",
				n);
		if (n == 300)
			fprintf(o_f, "{not json\n");
		if (n == 400)
			fprintf(o_f, "%s\n", dup);
		if (n == 500) {
			json_t *c = json_loads(dup, 0, NULL);
			char *s;
			assert_non_null(c);
			json_object_set_new(c, "description",
					    json_string("a different text"));
			s = json_dumps(c, JSON_COMPACT);
			fprintf(o_f, "%s\n", s);
			free(s);
			json_decref(c);
		}
	}
	fclose(o_f);
	free(gen);
	free(dup);
	return out;
}

/* The reference: each object goes through ingest_text on this thread. */
struct serial {
	struct ingest *in;
	struct ac_err *err;
};

static ac_rc serial_object(const char *data, size_t len,
			   const struct stream_pos *pos, void *ctx)
{
	struct serial *s = ctx;
	return ingest_text(s->in, data, len, pos, NULL, s->err);
}

static ac_rc serial_bad_line(const struct stream_pos *pos,
			     const struct ac_err *why, void *ctx)
{
	struct serial *s = ctx;
	s->in->stats.rejected++;
	s->in->on_reject(NULL, pos, why->msg, s->in->ctx);
	if (s->in->opts.strict) {
		s->in->failed = true;
		*s->err = *why;
		return why->rc;
	}
	return AC_OK;
}

struct run {
	ac_rc rc, finish_rc;
	struct ingest_stats stats;
	struct rejections rej;
	char msg[512];
};

static void run_ingest(struct store *st, const char *data, size_t len,
		       const struct ingest_opts *opts, bool threaded,
		       struct run *r)
{
	struct ac_err err = {0}, ferr = {0};
	struct ingest in;
	FILE *f = fmemopen((void *)data, len, "rb");

	assert_non_null(f);
	memset(r, 0, sizeof(*r));
	ingest_init(&in, st, opts, on_reject, NULL, &r->rej);
	if (threaded) {
		r->rc = ingest_stream(&in, f, STREAM_JSONL, &err);
	} else {
		struct serial s = {&in, &err};
		r->rc = stream_read(f, STREAM_JSONL, &in.opts.limits,
				    serial_object, serial_bad_line, &s, &err);
		if (r->rc && in.opts.strict)
			in.failed = true;
	}
	snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
	r->finish_rc = ingest_finish(&in, &ferr);
	r->stats = in.stats;
	fclose(f);
}

static void assert_same_run(const struct run *a, const struct run *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_string_equal(a->msg, b->msg);
	assert_int_equal(a->finish_rc, b->finish_rc);
	assert_int_equal(a->stats.accepted, b->stats.accepted);
	assert_int_equal(a->stats.duplicates, b->stats.duplicates);
	assert_int_equal(a->stats.rejected, b->stats.rejected);
	assert_int_equal(a->stats.warnings, b->stats.warnings);
	assert_int_equal(a->rej.n, b->rej.n);
	for (size_t i = 0; i < a->rej.n; i++) {
		assert_string_equal(a->rej.r[i].id, b->rej.r[i].id);
		assert_string_equal(a->rej.r[i].why, b->rej.r[i].why);
		assert_int_equal(a->rej.r[i].pos.index, b->rej.r[i].pos.index);
		assert_int_equal(a->rej.r[i].pos.offset,
				 b->rej.r[i].pos.offset);
		assert_int_equal(a->rej.r[i].pos.line, b->rej.r[i].pos.line);
	}
}

/* Every stored row as "id version hash json" lines, in date_added order. */
static int dump_row(const struct store_row *row, void *ctx)
{
	FILE *f = ctx;
	fprintf(f, "%s %s %s ", row->id, row->version, row->source);
	for (size_t i = 0; i < STORE_HASH_LEN; i++)
		fprintf(f, "%02x", row->hash[i]);
	fprintf(f, " %.*s %.*s\n", (int)row->json_len, row->json,
		(int)row->meta_len, row->meta ? row->meta : "");
	return 0;
}

/* Every person name row as "object source name" lines. */
static int dump_name(const struct store_person_name *n, void *ctx)
{
	fprintf(ctx, "%s %s %s\n", n->object_id, n->source, n->name);
	return 0;
}

static char *dump_names(struct store *st, size_t *nrows)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(store_names_scan(st, 0, dump_name, f, NULL), AC_OK);
	fclose(f);
	*nrows = 0;
	for (size_t i = 0; i < len; i++)
		*nrows += out[i] == '\n';
	return out;
}

static char *dump_store(struct store *st, size_t *nrows)
{
	struct store_query q = {.versions = STORE_VERSIONS_ALL};
	struct ac_err err = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(store_query(st, &q, dump_row, f, &err), AC_OK);
	fclose(f);
	*nrows = 0;
	for (size_t i = 0; i < len; i++)
		*nrows += out[i] == '\n';
	return out;
}

static void test_same_as_serial(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts opts = ingest_opts_default();
	struct run a, b;
	size_t len, na, nb;
	char *input = make_input(&len), *da, *db;

	opts.batch_size = 100;
	run_ingest(f->s[0], input, len, &opts, true, &a);
	run_ingest(f->s[1], input, len, &opts, false, &b);
	assert_int_equal(a.rc, AC_OK);
	assert_same_run(&a, &b);
	/* invalid objects, the malformed line and the conflict */
	assert_true(a.stats.rejected >= 3);
	assert_int_equal(a.stats.duplicates, 1);
	assert_true(a.stats.accepted > 500);
	da = dump_store(f->s[0], &na);
	db = dump_store(f->s[1], &nb);
	assert_int_equal(na, a.stats.accepted);
	assert_int_equal(na, nb);
	assert_string_equal(da, db);
	free(da);
	free(db);
	/* the workers take the person names; the serial path parses them */
	da = dump_names(f->s[0], &na);
	db = dump_names(f->s[1], &nb);
	assert_true(na > 10);
	assert_int_equal(na, nb);
	assert_string_equal(da, db);
	free(da);
	free(db);
	free(input);
}

/* ingest_next_fn over the lines of a buffer, plus one object over the
 * size limit at the end; fails at line `fail_at` (0: never). */
struct lines {
	const char *data;
	size_t len, at;
	uint64_t index, fail_at;
	char *huge;
	size_t huge_len;
	bool huge_done;
};

static ac_rc next_line(void *ctx, const char **data, size_t *len,
		       struct stream_pos *pos, struct ac_err *err)
{
	struct lines *l = ctx;
	const char *nl;

	while (l->at < l->len && l->data[l->at] == '\n')
		l->at++;
	if (l->fail_at && l->index == l->fail_at)
		return ac_err_set(err, AC_ERR_PARSE, "cut at %" PRIu64,
				  l->index);
	pos->index = l->index++;
	if (l->at == l->len) {
		if (l->huge_done)
			return AC_OK;
		l->huge_done = true;
		pos->offset = l->len;
		*data = l->huge;
		*len = l->huge_len;
		return AC_OK;
	}
	nl = memchr(l->data + l->at, '\n', l->len - l->at);
	pos->offset = l->at;
	*data = l->data + l->at;
	*len = (nl ? (size_t)(nl - l->data) : l->len) - l->at;
	l->at += *len;
	return AC_OK;
}

static struct lines lines_of(const char *data, size_t len, size_t max)
{
	struct lines l = {.data = data, .len = len, .huge_len = max + 1};

	l.huge = malloc(l.huge_len);
	assert_non_null(l.huge);
	memset(l.huge, ' ', l.huge_len);
	l.huge[0] = '{';
	l.huge[l.huge_len - 1] = '}';
	return l;
}

/* Objects split by the caller (a partner's pages) go through the same
 * pipeline: the same rows as the stream; an oversized one is rejected
 * with its position; an error of the source stops the input after the
 * objects before it. */
static void test_elements_same_as_stream(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts opts = ingest_opts_default();
	struct ac_err err = {0};
	struct ingest in;
	struct run a, b;
	size_t len, na, nb;
	char *input = make_input(&len), *da, *db;
	struct lines l = lines_of(input, len, opts.limits.max_object_bytes);

	opts.batch_size = 100;
	run_ingest(f->s[0], input, len, &opts, true, &a);
	memset(&b, 0, sizeof(b));
	ingest_init(&in, f->s[1], &opts, on_reject, NULL, &b.rej);
	assert_int_equal(ingest_elements(&in, next_line, &l, &err), AC_OK);
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	assert_int_equal(in.stats.accepted, a.stats.accepted);
	assert_int_equal(in.stats.duplicates, a.stats.duplicates);
	assert_int_equal(in.stats.rejected, a.stats.rejected + 1);
	assert_int_equal(b.rej.r[b.rej.n - 1].pos.offset, len);
	assert_int_equal(b.rej.r[b.rej.n - 1].pos.index, l.index - 2);
	assert_non_null(strstr(b.rej.r[b.rej.n - 1].why, "larger than"));
	da = dump_store(f->s[0], &na);
	db = dump_store(f->s[1], &nb);
	assert_int_equal(na, nb);
	assert_string_equal(da, db);
	free(da);
	free(db);
	free(l.huge);

	/* a failing source: what came before it is in, the error comes out */
	teardown(state);
	setup(state);
	f = *state;
	l = lines_of(input, len, opts.limits.max_object_bytes);
	l.fail_at = 50;
	memset(&b, 0, sizeof(b));
	ingest_init(&in, f->s[0], &opts, on_reject, NULL, &b.rej);
	assert_int_equal(ingest_elements(&in, next_line, &l, &err),
			 AC_ERR_PARSE);
	assert_string_equal(err.msg, "cut at 50");
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	assert_int_equal(
	    in.stats.accepted + in.stats.rejected + in.stats.duplicates, 50);
	da = dump_store(f->s[0], &na);
	assert_int_equal(na, in.stats.accepted);
	free(da);
	free(l.huge);
	free(input);
}

/* The persons of input under other ids (first hex digit of the UUID
 * changed), as another agency would hold them. Caller frees. */
static char *other_persons(const char *input, size_t *len)
{
	char *copy = strdup(input), *out = NULL, *line, *save = NULL;
	FILE *o_f = open_memstream(&out, len);

	assert_non_null(copy);
	assert_non_null(o_f);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *id = json_string_value(json_object_get(o, "id"));
		char nid[64], *s;

		if (id && !strncmp(id, "identity--", 10) && strlen(id) == 46) {
			snprintf(nid, sizeof(nid), "%s", id);
			nid[10] = nid[10] == '0' ? '1' : '0';
			json_object_set_new(o, "id", json_string(nid));
			s = json_dumps(o, JSON_COMPACT);
			fprintf(o_f, "%s\n", s);
			free(s);
		}
		json_decref(o);
	}
	fclose(o_f);
	free(copy);
	return out;
}

static int count_name_alert(const struct store_alert *al, void *ctx)
{
	if (!strcmp(al->corr.kind, NAMES_CORR_KIND))
		(*(size_t *)ctx)++;
	return 0;
}

static size_t name_alerts(struct store *s)
{
	size_t n = 0;

	assert_int_equal(corr_alerts(s, 0, true, 0, count_name_alert, &n, NULL),
			 AC_OK);
	return n;
}

/* With correlation on: our bundle, then a partner's copies of its persons.
 * The person names the storing thread writes are looked up across sources
 * (indexed only then); threaded and serial ingest find the same. */
static void test_correlation_same_as_serial(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts opts = ingest_opts_default();
	struct ingest_opts theirs;
	struct run a, b, pa, pb;
	size_t len, plen, na, nb;
	char *input = make_input(&len), *persons = other_persons(input, &plen);
	char *da, *db;

	opts.corr.enabled = true;
	opts.batch_size = 100;
	theirs = opts;
	theirs.source = "partner:kg";
	/* one store after the other: the process index is not rebuilt for
	 * another store between our bundle and theirs */
	run_ingest(f->s[0], input, len, &opts, true, &a);
	run_ingest(f->s[0], persons, plen, &theirs, true, &pa);
	run_ingest(f->s[1], input, len, &opts, false, &b);
	run_ingest(f->s[1], persons, plen, &theirs, false, &pb);
	assert_same_run(&a, &b);
	assert_int_equal(a.stats.correlations, b.stats.correlations);
	a = pa;
	b = pb;
	assert_same_run(&a, &b);
	assert_true(a.stats.accepted > 10);
	assert_int_equal(a.stats.correlations, b.stats.correlations);
	assert_int_equal(a.stats.alerts, b.stats.alerts);
	/* our persons are found again by name */
	na = name_alerts(f->s[0]);
	assert_true(na >= 10);
	assert_int_equal(na, name_alerts(f->s[1]));
	da = dump_names(f->s[0], &na);
	db = dump_names(f->s[1], &nb);
	assert_int_equal(na, nb);
	assert_string_equal(da, db);
	free(da);
	free(db);
	free(persons);
	free(input);
}

static void test_strict_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct ingest_opts opts = ingest_opts_default();
	struct run a, b;
	size_t len, na;
	char *input = make_input(&len), *da;

	opts.strict = true;
	run_ingest(f->s[0], input, len, &opts, true, &a);
	run_ingest(f->s[1], input, len, &opts, false, &b);
	assert_int_equal(a.rc, AC_ERR_INVALID);
	assert_same_run(&a, &b);
	assert_int_equal(a.stats.accepted, 0);
	assert_int_equal(a.rej.n, 1);
	assert_int_equal(a.rej.r[0].pos.index, 4); /* the first bad object */
	da = dump_store(f->s[0], &na);
	assert_int_equal(na, 0);
	free(da);
	free(input);
}

/* A store whose puts start failing after a given number. */
struct failing_store {
	struct store base;
	size_t puts, fail_after, commits, rollbacks;
};

static ac_rc fs_ok(struct store *s, struct ac_err *err)
{
	(void)s;
	(void)err;
	return AC_OK;
}

static ac_rc fs_commit(struct store *s, struct ac_err *err)
{
	((struct failing_store *)s)->commits++;
	return fs_ok(s, err);
}

static ac_rc fs_rollback(struct store *s, struct ac_err *err)
{
	((struct failing_store *)s)->rollbacks++;
	return fs_ok(s, err);
}

static ac_rc fs_put(struct store *s, const struct store_obj *o,
		    enum store_put_result *res, struct ac_err *err)
{
	struct failing_store *fs = (struct failing_store *)s;

	assert_non_null(o->id);
	assert_non_null(o->json);
	if (fs->puts++ >= fs->fail_after)
		return ac_err_set(err, AC_ERR_STORE, "disk on fire at put %zu",
				  fs->puts);
	*res = STORE_PUT_NEW;
	return AC_OK;
}

static const struct store_ops failing_ops = {.begin = fs_ok,
					     .commit = fs_commit,
					     .rollback = fs_rollback,
					     .put = fs_put};

static void failing_init(struct failing_store *fs, size_t fail_after)
{
	memset(fs, 0, sizeof(*fs));
	fs->base.ops = &failing_ops;
	fs->fail_after = fail_after;
}

/* The threaded path on fs[0] and the serial one on fs[1], each store
 * failing after fail_after puts: the same run either way. */
static void run_both_failing(struct failing_store fs[2], size_t fail_after,
			     const char *input, size_t len,
			     const struct ingest_opts *opts, struct run *a,
			     struct run *b)
{
	failing_init(&fs[0], fail_after);
	failing_init(&fs[1], fail_after);
	run_ingest(&fs[0].base, input, len, opts, true, a);
	run_ingest(&fs[1].base, input, len, opts, false, b);
	assert_same_run(a, b);
}

static void test_store_failure(void **state)
{
	struct ingest_opts opts = ingest_opts_default();
	struct failing_store fs[2];
	struct run a, b;
	size_t len;
	char *input = make_input(&len);

	(void)state;
	opts.batch_size = 100;
	run_both_failing(fs, 350, input, len, &opts, &a, &b);
	assert_int_equal(a.rc, AC_ERR_STORE);
	assert_non_null(strstr(a.msg, "disk on fire at put 351"));
	assert_int_equal(a.stats.accepted, 300);
	assert_int_equal(fs[0].puts, fs[1].puts);
	assert_int_equal(fs[0].commits, 3);
	assert_int_equal(fs[0].rollbacks, 1);
	assert_int_equal(fs[1].rollbacks, 1);
	free(input);
}

static char *big_input_as(enum gen_format fmt, size_t *len)
{
	struct gen_opts o = {.seed = 11, .count = NBIG, .created_by = NULL};
	struct ac_err err = {0};
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	assert_non_null(f);
	assert_int_equal(gen_write(&o, fmt, f, &err), AC_OK);
	fclose(f);
	return out;
}

static char *big_input(size_t *len)
{
	return big_input_as(GEN_JSONL, len);
}

/* The splitting thread fills the queue and waits for room: all objects
 * still arrive, in order; a store failure early on stops it (no more puts,
 * nothing accepted) instead of leaving it waiting; a cut in the last line
 * rejects that line only. */
static void test_long_input(void **state)
{
	struct ingest_opts opts = ingest_opts_default();
	struct failing_store fs[2];
	struct run a, b;
	size_t len;
	char *input = big_input(&len);

	(void)state;
	opts.batch_size = 1000;
	run_both_failing(fs, SIZE_MAX, input, len, &opts, &a, &b);
	assert_int_equal(a.rc, AC_OK);
	assert_int_equal(fs[0].puts, NBIG);
	assert_int_equal(a.stats.accepted, NBIG);
	failing_init(&fs[0], 10);
	run_ingest(&fs[0].base, input, len, &opts, true, &a);
	assert_int_equal(a.rc, AC_ERR_STORE);
	assert_non_null(strstr(a.msg, "disk on fire at put 11"));
	assert_int_equal(fs[0].puts, 11);
	assert_int_equal(a.stats.accepted, 0);
	assert_int_equal(fs[0].rollbacks, 1);
	/* cut inside the last line: the objects before it are stored, the
	 * cut line is rejected with its position and reason */
	run_both_failing(fs, SIZE_MAX, input, len - 40, &opts, &a, &b);
	assert_int_equal(a.rc, AC_OK);
	assert_int_equal(a.stats.accepted, NBIG - 1);
	assert_int_equal(a.rej.n, 1);
	assert_int_equal(a.rej.r[0].pos.index, NBIG - 1);
	assert_non_null(strstr(a.rej.r[0].why, "truncated"));
	free(input);
}

/* A long bundle cut inside its last object: the whole objects before it
 * are stored, then the splitter's error, with its position, is the
 * result. */
static void test_long_bundle_truncated(void **state)
{
	struct ingest_opts opts = ingest_opts_default();
	struct failing_store fs;
	struct ac_err err = {0};
	struct ingest in;
	size_t len;
	char *input = big_input_as(GEN_BUNDLE, &len);
	FILE *f = fmemopen(input, len - 40, "rb");

	(void)state;
	assert_non_null(f);
	opts.batch_size = 1000;
	failing_init(&fs, SIZE_MAX);
	ingest_init(&in, &fs.base, &opts, NULL, NULL, NULL);
	assert_int_equal(ingest_stream(&in, f, STREAM_BUNDLE, &err),
			 AC_ERR_PARSE);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_non_null(strstr(err.msg, "byte"));
	assert_int_equal(ingest_finish(&in, &err), AC_OK);
	assert_int_equal(in.stats.accepted, NBIG - 1);
	assert_int_equal(fs.puts, NBIG - 1);
	fclose(f);
	free(input);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_same_as_serial, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_correlation_same_as_serial,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_elements_same_as_stream, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_strict_rolls_back, setup,
					    teardown),
	    cmocka_unit_test(test_store_failure),
	    cmocka_unit_test(test_long_input),
	    cmocka_unit_test(test_long_bundle_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
