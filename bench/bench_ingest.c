/* Ingest benchmark: imports N generated objects through the full pipeline
 * (stream split, strict parse, validate, canonicalise, sign with a node
 * key as ingest of local objects does, hash, store, FTS index) and
 * compares with a baseline measured in the same run: the same
 * rows written with store_put directly (no parsing or validation).
 * Each phase runs in a child process so its peak memory is its own.
 *
 *   bench_ingest [N] [WORKDIR]     (default N = 100000, WORKDIR = /tmp)
 *
 * BENCH_PHASE=signed or unsigned runs only that pipeline phase (for
 * profiling and A/B runs); with it, BENCH_INPUT=FILE imports that bundle
 * (`accord gen --count N`) instead of generating one. CPU µs per object
 * (user + system, all threads; and the storing thread's own) varies less
 * than wall time on a shared machine; "KB written" counts the process's
 * write calls (log frames, checkpoint copies) per object.
 */
#include "base/common.h"

#include <jansson.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "gen/gen.h"
#include "ingest/ingest.h"
#include "node/node_ingest.h"
#include "stix/jcs.h"
#include "stix/validate.h"
#include "store/store.h"

struct phase_result {
	double seconds;
	double cpu_seconds; /* user + system, all threads of the phase */
	double store_cpu_seconds; /* the calling (storing) thread's */
	double written_bytes;	  /* the process's write calls (WAL, file) */
	uint64_t objects;
	int ok;
};

static void die(const char *what, const struct ac_err *err)
{
	fprintf(stderr, "bench_ingest: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static double rusage_seconds(const struct rusage *ru)
{
	return ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
	       ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

/* Bytes the process has passed to write calls ("wchar"), 0 if unknown. */
static double written_bytes(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	double v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "wchar: ", 7))
			v = strtod(line + 7, NULL);
	if (f)
		fclose(f);
	return v;
}

/* The phase's clock stops: wall time, and what the storing thread (the
 * caller) used. */
static void phase_end(struct phase_result *r, int64_t t0)
{
	struct rusage ru;

	r->seconds = (ac_mono_ns() - t0) / 1e9;
	if (!getrusage(RUSAGE_THREAD, &ru))
		r->store_cpu_seconds = rusage_seconds(&ru);
	r->written_bytes = written_bytes();
}

/* Whether the pipeline phase signs each object as local ingest does (set
 * before the phase's child is forked). */
static bool g_sign = true;

static ac_rc run_pipeline(const char *input, const char *db,
			  struct phase_result *r)
{
	struct ingest_opts opts = ingest_opts_default();
	struct ingest_provenance prov = {
	    .identity_id = "identity--0b1e0c5a-0000-4000-8000-00000000be00"};
	struct ac_keys keys;
	struct ac_err err = { 0 };
	struct store *s = NULL;
	struct ingest in;
	FILE *f = fopen(input, "rb");
	int64_t t0;

	if (ac_crypto_init(&err) || ac_keys_generate(&keys, &err))
		die("keys", &err);
	prov.keys = &keys;
	opts.provenance = g_sign ? &prov : NULL;
	/* transactions as a node's ingest with the default configuration;
	 * correlation off (ingest_opts_default), as bench_correlate
	 * measures it */
	opts.batch_size = 10000;
	opts.batch_grow_max = node_batch_grow_max(opts.batch_size);
	opts.batch_max_ms = NODE_BATCH_MAX_MS;
	if (!f || store_open(db, true, &s, &err))
		die("open", &err);
	t0 = ac_mono_ns();
	ingest_init(&in, s, &opts, NULL, NULL, NULL);
	if (ingest_stream(&in, f, STREAM_AUTO, &err) || ingest_finish(&in, &err))
		die("ingest", &err);
	phase_end(r, t0);
	r->objects = in.stats.accepted;
	store_close(s);
	fclose(f);
	return AC_OK;
}

/* Prepared rows for the baseline: everything computed before the clock. */
struct row {
	char *id, *type, *version, *json, *text;
	size_t json_len;
	uint8_t hash[STORE_HASH_LEN];
};

static char *dup_str(const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s ? s : "", n);
	return p;
}

static void prepare_row(const char *line, size_t len, struct row *r)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	struct ac_buf b = AC_BUF_INIT(64u << 20), t = AC_BUF_INIT(64u << 10);

	if (!o || stix_jcs(o, &b))
		die("prepare", NULL);
	r->id = dup_str(json_string_value(json_object_get(o, "id")));
	r->type = dup_str(json_string_value(json_object_get(o, "type")));
	r->version = dup_str(stix_version_of(o));
	if (ingest_collect_text(o, &t))
		die("text", NULL);
	r->text = dup_str(t.data);
	ac_buf_release(&t);
	r->json = ac_buf_detach(&b, &r->json_len);
	ac_hash(r->json, r->json_len, r->hash);
	json_decref(o);
}

static ac_rc run_baseline(const char *input, const char *db,
			  struct phase_result *r)
{
	struct ac_err err = { 0 };
	struct store *s = NULL;
	struct row *rows = NULL;
	size_t n = 0, cap = 0, len = 0;
	char *line = NULL;
	ssize_t got;
	FILE *f = fopen(input, "rb");
	int64_t t0;

	while (f && (got = getline(&line, &len, f)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			rows = realloc(rows, cap * sizeof(*rows));
			if (!rows)
				die("memory", NULL);
		}
		prepare_row(line, (size_t)got, &rows[n++]);
	}
	if (!f || store_open(db, true, &s, &err))
		die("open", &err);
	t0 = ac_mono_ns();
	for (size_t i = 0, next = 0, batch = 10000,
		    grow_max = node_batch_grow_max(batch);
	     i < n; i++) {
		struct store_obj o = { .id = rows[i].id, .type = rows[i].type,
				       .version = rows[i].version,
				       .spec_version = "2.1", .source = "local",
				       .json = rows[i].json,
				       .json_len = rows[i].json_len,
				       .text = rows[i].text };
		enum store_put_result res;
		memcpy(o.hash, rows[i].hash, sizeof(o.hash));
		if ((i == next && (i == 0 || !store_commit(s, &err)) &&
		     store_begin(s, &err)) ||
		    store_put(s, &o, &res, &err))
			die("baseline put", &err);
		if (i == next) { /* the pipeline's transactions */
			next += batch;
			batch = batch * 2 < grow_max ? batch * 2 : grow_max;
		}
	}
	if (store_commit(s, &err))
		die("commit", &err);
	phase_end(r, t0);
	r->objects = n;
	store_close(s);
	fclose(f);
	free(line);
	return AC_OK;
}

/* Runs fn in a child; returns its result and peak RSS in KiB. */
static struct phase_result in_child(ac_rc (*fn)(const char *, const char *,
						struct phase_result *),
				    const char *input, const char *db,
				    long *maxrss_kib)
{
	struct phase_result r = { 0 };
	struct rusage ru;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		die("pipe", NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		fn(input, db, &r);
		r.ok = 1;
		if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.ok = 0;
	close(fds[0]);
	wait4(pid, &status, 0, &ru);
	*maxrss_kib = ru.ru_maxrss;
	r.cpu_seconds = rusage_seconds(&ru);
	return r;
}

static void generate(const char *path, uint64_t n, enum gen_format fmt)
{
	struct gen_opts o = { .seed = 1, .count = n, .created_by = NULL };
	struct ac_err err = { 0 };
	FILE *f = fopen(path, "wb");

	if (!f || gen_write(&o, fmt, f, &err) || fclose(f))
		die("generate", &err);
}

static void print_phase(const char *name, const struct phase_result *r,
			long rss_kib, const char *note)
{
	double n = r->objects ? r->objects : 1;

	printf("%s: %.0f objects/s (%.2f s), %.1f CPU us/object (storing "
	       "thread %.1f), %.1f KB written/object, peak RSS %.1f MiB%s\n",
	       name, r->objects / r->seconds, r->seconds,
	       r->cpu_seconds * 1e6 / n, r->store_cpu_seconds * 1e6 / n,
	       r->written_bytes / 1e3 / n, rss_kib / 1024.0, note);
}

static void remove_work(const char *work)
{
	char p[4200];
	const char *names[] = {"in.json", "in.jsonl", "pipeline.db",
			       "pipeline.db-wal", "pipeline.db-shm",
			       "baseline.db", "baseline.db-wal",
			       "baseline.db-shm"};

	for (size_t i = 0; i < AC_ARRAY_LEN(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", work, names[i]);
		unlink(p);
	}
	rmdir(work);
}

static int one_phase(const char *phase, const char *bundle, const char *db,
		     const char *work)
{
	struct phase_result r;
	long rss;

	if (strcmp(phase, "signed") && strcmp(phase, "unsigned")) {
		fprintf(stderr, "bench_ingest: BENCH_PHASE is signed or "
				"unsigned\n");
		remove_work(work);
		return 2;
	}
	g_sign = !strcmp(phase, "signed");
	r = in_child(run_pipeline, bundle, db, &rss);
	print_phase(g_sign ? "pipeline" : "pipeline, unsigned", &r, rss, "");
	remove_work(work);
	return r.ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char work[4096], bundle[4200], jsonl[4200], db1[4200], db2[4200];
	struct phase_result p, b, u;
	struct stat st;
	long rss_p, rss_b, rss_u;
	char db3[4200];

	if (ac_crypto_init(NULL))
		die("sodium", NULL);
	snprintf(work, sizeof(work), "%s/accord-bench-XXXXXX", dir);
	if (!mkdtemp(work))
		die("mkdtemp", NULL);
	snprintf(bundle, sizeof(bundle), "%s/in.json", work);
	snprintf(jsonl, sizeof(jsonl), "%s/in.jsonl", work);
	snprintf(db1, sizeof(db1), "%s/pipeline.db", work);
	snprintf(db2, sizeof(db2), "%s/baseline.db", work);
	if (getenv("BENCH_PHASE") && getenv("BENCH_INPUT"))
		return one_phase(getenv("BENCH_PHASE"), getenv("BENCH_INPUT"),
				 db1, work);
	generate(bundle, n, GEN_BUNDLE);
	generate(jsonl, n, GEN_JSONL);
	stat(bundle, &st);
	printf("input: %llu objects, %.1f MiB bundle\n", (unsigned long long)n,
	       st.st_size / 1048576.0);
	if (getenv("BENCH_PHASE"))
		return one_phase(getenv("BENCH_PHASE"), bundle, db1, work);
	g_sign = false;
	u = in_child(run_pipeline, bundle, db1, &rss_u);
	unlink(db1);
	snprintf(db3, sizeof(db3), "%s/pipeline.db-wal", work);
	unlink(db3);
	g_sign = true;
	p = in_child(run_pipeline, bundle, db1, &rss_p);
	b = in_child(run_baseline, jsonl, db2, &rss_b);
	if (!p.ok || !b.ok || p.objects != n)
		fprintf(stderr, "bench_ingest: a phase failed (%llu of %llu)\n",
			(unsigned long long)p.objects, (unsigned long long)n);
	print_phase("pipeline, unsigned", &u, rss_u, "");
	print_phase("pipeline", &p, rss_p,
		    " (each object signed, as local ingest does)");
	printf("baseline (store_put of prepared rows): %.0f objects/s (%.2f s), "
	       "%.1f CPU us/object (including preparing the rows), %.1f KB "
	       "written/object\n",
	       b.objects / b.seconds, b.seconds,
	       b.cpu_seconds * 1e6 / (b.objects ? b.objects : 1),
	       b.written_bytes / 1e3 / (b.objects ? b.objects : 1));
	printf("ratio pipeline/baseline: %.2f (unsigned: %.2f)\n",
	       (p.objects / p.seconds) / (b.objects / b.seconds),
	       (u.objects / u.seconds) / (b.objects / b.seconds));
	remove_work(work);
	return p.ok && b.ok && p.objects == n ? 0 : 1;
}
