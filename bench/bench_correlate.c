/* Correlation benchmark. Fills a store with M identifiers (default 1M; a
 * tenth of the measured data's identifiers among them, held by a partner,
 * so about one identifier in ten correlates and raises an alert), then:
 *
 *  1. the cost of indexing and correlating one identifier (corr_object
 *     with one identifier, commits outside the clock): median and p99;
 *  2. ingest throughput of N generated objects through the ingest pipeline
 *     with [correlation] enabled = false and = true, each on its own copy
 *     of the filled store, in the same run.
 *
 *   bench_correlate [M] [N] [WORKDIR]  (defaults 1000000 20000 /tmp)
 */
#include "base/common.h"

#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/time.h"
#include "crypto/keys.h"
#include "gen/gen.h"
#include "index/correlate.h"
#include "index/ident.h"
#include "ingest/ingest.h"
#include "store/store.h"

#define FILL_TXN 50000
#define MICRO_TXN 1000

struct item {
	char object_id[96];
	struct ident id;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static void die(const char *what, const struct ac_err *err)
{
	fprintf(stderr, "bench_correlate: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static void generate(const char *path, uint64_t n)
{
	struct gen_opts o = { .seed = 7, .count = n, .created_by = NULL };
	struct ac_err err = { 0 };
	FILE *f = fopen(path, "wb");

	if (!f || gen_write(&o, GEN_JSONL, f, &err) || fclose(f))
		die("generate", &err);
}

/* The identifiers of every object in the JSON Lines file. */
static void extract_all(const char *path, struct items *out)
{
	static const struct ident_ctx ctx = { "KG" };
	struct ident_set *set = malloc(sizeof(*set));
	char *line = NULL;
	size_t len = 0;
	ssize_t got;
	FILE *f = fopen(path, "rb");

	if (!f || !set)
		die("read input", NULL);
	while ((got = getline(&line, &len, f)) > 0) {
		json_t *o = json_loadb(line, (size_t)got, 0, NULL);
		const char *oid = json_string_value(json_object_get(o, "id"));
		ident_extract(o, &ctx, set);
		for (size_t i = 0; oid && i < set->n; i++) {
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 4096;
				out->v = realloc(out->v,
						 out->cap * sizeof(*out->v));
				if (!out->v)
					die("memory", NULL);
			}
			snprintf(out->v[out->n].object_id,
				 sizeof(out->v[0].object_id), "%s", oid);
			out->v[out->n++].id = set->items[i];
		}
		json_decref(o);
	}
	free(line);
	free(set);
	fclose(f);
}

static void add_row(struct store *s, const char *kind, const char *value,
		    const char *oid, const char *source)
{
	struct store_ident row = { .kind = kind, .value = value,
				   .object_id = oid, .source = source,
				   .valid = true };
	struct ac_err err = { 0 };

	if (store_ident_add(s, &row, 1, NULL, &err))
		die("fill", &err);
}

/* M rows: every tenth measured identifier (held by partner:bench), the
 * rest synthetic values spread over the common kinds. */
static void fill(const char *db, uint64_t m, const struct items *it)
{
	static const char *const kinds[] = { IDENT_PHONE, IDENT_DOCUMENT,
					     IDENT_PLATE, IDENT_IBAN,
					     IDENT_EMAIL };
	struct ac_err err = { 0 };
	char value[64], oid[64];
	struct store *s = NULL;
	uint64_t done = 0;

	if (store_open(db, true, &s, &err) || store_begin(s, &err))
		die("open", &err);
	for (size_t i = 0; i < it->n && done < m; i += 10, done++) {
		snprintf(oid, sizeof(oid), "bench--shared-%zu", i);
		add_row(s, it->v[i].id.kind, it->v[i].id.value, oid,
			"partner:bench");
	}
	for (uint64_t i = 0; done < m; i++, done++) {
		if (done % FILL_TXN == 0 &&
		    (store_commit(s, &err) || store_begin(s, &err)))
			die("fill commit", &err);
		snprintf(value, sizeof(value), "+99970%09llu",
			 (unsigned long long)i);
		snprintf(oid, sizeof(oid), "bench--fill-%llu",
			 (unsigned long long)(i / 3));
		add_row(s, kinds[i % AC_ARRAY_LEN(kinds)], value, oid,
			i % 2 ? "local" : "partner:fill");
	}
	if (store_commit(s, &err))
		die("fill commit", &err);
	store_close(s);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	if (system(cmd))
		die("copy", NULL);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Per-identifier cost of corr_object, commits outside the clock. */
static void micro(const char *db, const struct items *it)
{
	int64_t *ns = malloc(it->n * sizeof(*ns));
	struct corr_stats st = { 0 };
	struct ac_err err = { 0 };
	struct store *s = NULL;
	struct corr *c;

	if (!ns || store_open(db, false, &s, &err) ||
	    corr_open(s, NULL, &c, &err))
		die("open", &err);
	for (size_t i = 0; i < it->n; i++) {
		if (i % MICRO_TXN == 0 &&
		    ((i && store_commit(s, &err)) || store_begin(s, &err)))
			die("commit", &err);
		int64_t t0 = ac_mono_ns();
		if (corr_object(c, it->v[i].object_id, "local", &it->v[i].id, 1,
				&st, &err))
			die("correlate", &err);
		ns[i] = ac_mono_ns() - t0;
	}
	if (store_commit(s, &err))
		die("commit", &err);
	qsort(ns, it->n, sizeof(*ns), cmp_i64);
	printf("per identifier (%zu identifiers, %llu correlations, %llu "
	       "alerts): median %.1f us, p99 %.1f us, max %.1f us\n",
	       it->n, (unsigned long long)st.correlations,
	       (unsigned long long)st.alerts, ns[it->n / 2] / 1e3,
	       ns[it->n * 99 / 100] / 1e3, ns[it->n - 1] / 1e3);
	corr_close(c);
	store_close(s);
	free(ns);
}

/* Objects per second through ingest_stream, correlation on or off. */
static double throughput(const char *db, const char *input, bool on,
			 struct ingest_stats *st)
{
	struct ingest_opts opts = ingest_opts_default();
	struct ac_err err = { 0 };
	struct store *s = NULL;
	struct ingest in;
	FILE *f = fopen(input, "rb");
	int64_t t0;
	double secs;

	opts.batch_size = 10000;
	opts.corr.enabled = on;
	memcpy(opts.corr.default_country, "KG", 3);
	if (!f || store_open(db, false, &s, &err))
		die("open", &err);
	t0 = ac_mono_ns();
	ingest_init(&in, s, &opts, NULL, NULL, NULL);
	if (ingest_stream(&in, f, STREAM_AUTO, &err) || ingest_finish(&in, &err))
		die("ingest", &err);
	secs = (ac_mono_ns() - t0) / 1e9;
	*st = in.stats;
	store_close(s);
	fclose(f);
	return in.stats.accepted / secs;
}

static void remove_db(const char *db)
{
	char p[4300];

	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

int main(int argc, char **argv)
{
	uint64_t m = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000;
	const char *dir = argc > 3 ? argv[3] : "/tmp";
	char work[4096], input[4200], base[4200], on[4200], off[4200],
	    mic[4200];
	struct items it = { 0 };
	struct ingest_stats s_on, s_off;
	double t_on, t_off;
	int64_t t0;

	if (ac_crypto_init(NULL))
		die("sodium", NULL);
	snprintf(work, sizeof(work), "%s/accord-corr-XXXXXX", dir);
	if (!mkdtemp(work))
		die("mkdtemp", NULL);
	snprintf(input, sizeof(input), "%s/in.jsonl", work);
	snprintf(base, sizeof(base), "%s/base.db", work);
	snprintf(on, sizeof(on), "%s/on.db", work);
	snprintf(off, sizeof(off), "%s/off.db", work);
	snprintf(mic, sizeof(mic), "%s/micro.db", work);
	generate(input, n);
	extract_all(input, &it);
	t0 = ac_mono_ns();
	fill(base, m, &it);
	printf("store: %llu identifiers filled in %.1f s; input: %llu objects "
	       "with %zu identifiers\n",
	       (unsigned long long)m, (ac_mono_ns() - t0) / 1e9,
	       (unsigned long long)n, it.n);
	copy_file(base, mic);
	copy_file(base, off);
	copy_file(base, on);
	remove_db(base);
	micro(mic, &it);
	remove_db(mic);
	t_off = throughput(off, input, false, &s_off);
	t_on = throughput(on, input, true, &s_on);
	printf("ingest, correlation off: %.0f objects/s\n", t_off);
	printf("ingest, correlation on:  %.0f objects/s (%llu correlations, "
	       "%llu alerts)\n",
	       t_on, (unsigned long long)s_on.correlations,
	       (unsigned long long)s_on.alerts);
	printf("ratio on/off: %.2f (target >= 0.70)\n", t_on / t_off);
	remove_db(on);
	remove_db(off);
	unlink(input);
	rmdir(work);
	free(it.v);
	return 0;
}
