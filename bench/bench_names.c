/* Name-matching benchmark: the dev clusters of ../shared/names/dev.tsv mixed
 * into a pool of generated persons (Latin, Cyrillic, Persian script, from
 * the sample generator's name tables), then every dev name is queried.
 *
 *   bench_names [N] [SHARED_DIR]   (default N = 100000; SHARED_DIR from
 *                                   ACCORD_SHARED, else ../shared)
 *   bench_names -v ...             also lists the misses
 */
#include "base/common.h"

#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "gen/names.h"
#include "names/names.h"

#define TOP 10
#define LATENCY_EXTRA 2000 /* pool names also queried, for latency */
#define MAX_DEV 8192
#define PROBES 500 /* held-out generated persons */
#define HOLD_OUT 5 /* every 5th family name is kept out of the pool */

struct dev_name {
	int cluster;
	uint8_t script;
	bool probe; /* a held-out generated person, not from dev.tsv */
	char *name;
};

struct family {
	char latn[64], latn_alt[64], cyrl[96], arab[96], latn_f[64], cyrl_f[96],
	    arab_f[96];
	bool alt, female_form;
};

static struct dev_name dev[MAX_DEV];
static size_t ndev;
static bool verbose;

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_names: %s: %s\n", what, msg);
	exit(1);
}

static uint8_t script_code(const char *s)
{
	return !strcmp(s, "cyrl")   ? NAMES_CYRL
	       : !strcmp(s, "arab") ? NAMES_ARAB
				    : NAMES_LATN;
}

static bool load_dev(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f) && ndev < MAX_DEV) {
		char *cl, *sc, *nm, *save = NULL;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		cl = strtok_r(line, "\t", &save);
		sc = strtok_r(NULL, "\t", &save);
		nm = strtok_r(NULL, "\r\n", &save);
		if (!cl || !sc || !nm)
			continue;
		dev[ndev].cluster = atoi(cl);
		dev[ndev].script = script_code(sc);
		dev[ndev].name = strdup(nm);
		ndev++;
	}
	fclose(f);
	return ndev > 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The generator's family names plus ones derived from male given names the
 * way Central Asian (-ov) and Persian (-i, -zadeh, -pour) surnames are. */
static size_t build_families(struct family **out)
{
	static const struct {
		const char *latn, *cyrl, *arab;
	} sfx[] = {
	    {"ov", "ов", "وف"},
	    {"i", "и", "ی"},
	    {"zadeh", "заде", "زاده"},
	    {"pour", "пур", "پور"},
	};
	size_t cap = GEN_FAMILY_COUNT + GEN_GIVEN_COUNT * AC_ARRAY_LEN(sfx);
	struct family *fam = calloc(cap, sizeof(*fam));
	size_t n = 0;

	if (!fam)
		die("families", "out of memory");
	for (size_t i = 0; i < GEN_FAMILY_COUNT; i++, n++) {
		const struct gen_family *g = &GEN_FAMILY[i];
		struct family *f = &fam[n];

		snprintf(f->latn, sizeof(f->latn), "%s", g->latn);
		snprintf(f->latn_alt, sizeof(f->latn_alt), "%s",
			 g->latn_alt ? g->latn_alt : g->latn);
		snprintf(f->cyrl, sizeof(f->cyrl), "%s", g->cyrl);
		snprintf(f->arab, sizeof(f->arab), "%s", g->arab);
		f->female_form = g->arab_f != NULL;
		snprintf(f->latn_f, sizeof(f->latn_f), "%s%s", g->latn,
			 f->female_form ? "a" : "");
		snprintf(f->cyrl_f, sizeof(f->cyrl_f), "%s%s", g->cyrl,
			 f->female_form ? "а" : "");
		snprintf(f->arab_f, sizeof(f->arab_f), "%s",
			 f->female_form ? g->arab_f : g->arab);
	}
	for (size_t i = 0; i < GEN_GIVEN_COUNT; i++) {
		const struct gen_given *g = &GEN_GIVEN[i];

		if (g->female)
			continue;
		for (size_t s = 0; s < AC_ARRAY_LEN(sfx); s++, n++) {
			struct family *f = &fam[n];
			bool ov = s == 0;

			snprintf(f->latn, sizeof(f->latn), "%s%s", g->latn,
				 sfx[s].latn);
			snprintf(f->latn_alt, sizeof(f->latn_alt), "%s%s",
				 g->latn_alt ? g->latn_alt : g->latn,
				 sfx[s].latn);
			snprintf(f->cyrl, sizeof(f->cyrl), "%s%s", g->cyrl,
				 sfx[s].cyrl);
			snprintf(f->arab, sizeof(f->arab), "%s%s", g->arab,
				 sfx[s].arab);
			f->female_form = ov;
			snprintf(f->latn_f, sizeof(f->latn_f), "%s%s", f->latn,
				 ov ? "a" : "");
			snprintf(f->cyrl_f, sizeof(f->cyrl_f), "%s%s", f->cyrl,
				 ov ? "а" : "");
			snprintf(f->arab_f, sizeof(f->arab_f), "%s%s%s",
				 g->arab, ov ? "وا" : sfx[s].arab, "");
		}
	}
	*out = fam;
	return n;
}

/* Lower-cased normal form for the collision check (not the matcher). */
static void norm(const char *s, char *out, size_t n)
{
	if (names_normalize(s, strlen(s), out, n, NULL))
		out[0] = '\0';
}

static bool dev_cluster_has(int cluster, const char *const *forms, size_t nf)
{
	for (size_t i = 0; i < ndev; i++) {
		char nm[NAMES_NORM_MAX];

		if (dev[i].cluster != cluster)
			continue;
		norm(dev[i].name, nm, sizeof(nm));
		for (size_t k = 0; k < nf; k++) {
			char f[NAMES_NORM_MAX], *p;
			size_t fl;

			norm(forms[k], f, sizeof(f));
			fl = strlen(f);
			for (p = strstr(nm, f); fl && p; p = strstr(p + 1, f))
				if ((p == nm || p[-1] == ' ') &&
				    (p[fl] == '\0' || p[fl] == ' '))
					return true;
		}
	}
	return false;
}

/* Pool persons whose given and family name (any spelling) both occur in one
 * dev cluster would be the same name as a dev person: they are skipped and
 * counted, decided by string equality, independent of the matcher. */
static bool *build_collisions(const struct family *fam, size_t nfam)
{
	bool *col = calloc(GEN_GIVEN_COUNT * nfam, sizeof(*col));
	int maxc = 0;

	if (!col)
		die("collisions", "out of memory");
	for (size_t i = 0; i < ndev; i++)
		maxc = dev[i].cluster > maxc ? dev[i].cluster : maxc;
	for (int c = 1; c <= maxc; c++)
		for (size_t g = 0; g < GEN_GIVEN_COUNT; g++) {
			const struct gen_given *gg = &GEN_GIVEN[g];
			const char *gf[] = {
			    gg->latn, gg->latn_alt ? gg->latn_alt : gg->latn,
			    gg->cyrl, gg->arab};

			if (!dev_cluster_has(c, gf, 4))
				continue;
			for (size_t f = 0; f < nfam; f++) {
				const char *ff[] = {
				    fam[f].latn,   fam[f].latn_alt,
				    fam[f].cyrl,   fam[f].arab,
				    fam[f].latn_f, fam[f].cyrl_f,
				    fam[f].arab_f};

				if (dev_cluster_has(c, ff, 7))
					col[g * nfam + f] = true;
			}
		}
	return col;
}

static const char *given_form(const struct gen_given *g, uint8_t script,
			      bool alt)
{
	if (script == NAMES_CYRL)
		return g->cyrl;
	if (script == NAMES_ARAB)
		return g->arab;
	return alt && g->latn_alt ? g->latn_alt : g->latn;
}

static const char *family_form(const struct family *f, uint8_t script, bool alt,
			       bool female)
{
	if (script == NAMES_CYRL)
		return female ? f->cyrl_f : f->cyrl;
	if (script == NAMES_ARAB)
		return female ? f->arab_f : f->arab;
	if (female)
		return f->latn_f;
	return alt ? f->latn_alt : f->latn;
}

/* One generated person's name in one script; false when it collides. */
/* Family names kept out of the pool: every HOLD_OUT-th, and any other
 * with the same Latin spelling (Bahrami is in the table and derived). */
static bool *held;

static void hold_out(const struct family *fam, size_t nfam)
{
	held = calloc(nfam, sizeof(*held));
	if (!held)
		die("hold out", "out of memory");
	for (size_t f = 0; f < nfam; f += HOLD_OUT)
		for (size_t o = 0; o < nfam; o++)
			if (!strcasecmp(fam[o].latn, fam[f].latn) ||
			    !strcasecmp(fam[o].latn_alt, fam[f].latn_alt) ||
			    !strcasecmp(fam[o].latn, fam[f].latn_alt) ||
			    !strcasecmp(fam[o].latn_alt, fam[f].latn))
				held[o] = true;
}

static bool gen_person(const struct family *fam, size_t nfam, const bool *col,
		       char *out, size_t n, uint8_t *script)
{
	size_t g = rnd() % GEN_GIVEN_COUNT, f = rnd() % nfam;
	const struct gen_given *gg;

	while (held[f])
		f = (f + 1) % nfam;
	gg = &GEN_GIVEN[g];
	bool alt = rnd() & 1, female = gg->female && fam[f].female_form;
	const char *given, *family, *mid = NULL;
	size_t mi = 0;

	*script = (uint8_t)(rnd() % 3);
	given = given_form(gg, *script, alt);
	family = family_form(&fam[f], *script, alt, female);
	if (rnd() % 10 < 3) {
		mi = rnd() % GEN_GIVEN_COUNT;
		if (GEN_GIVEN[mi].female == gg->female && mi != g)
			mid = given_form(&GEN_GIVEN[mi], *script, alt);
	}
	/* a middle name collides too: Ulan Mamatov ~ Ismoil Ulan Mamatov */
	if (col[g * nfam + f] || (mid && col[mi * nfam + f]))
		return false;
	if (rnd() % 5 == 0)
		snprintf(out, n, "%s %s%s%s", family, given, mid ? " " : "",
			 mid ? mid : "");
	else
		snprintf(out, n, "%s%s%s %s", given, mid ? " " : "",
			 mid ? mid : "", family);
	return true;
}

static void add_labelled(int cluster, uint8_t script, const char *name)
{
	for (size_t i = 0; i < ndev; i++)
		if (dev[i].cluster == cluster && !strcmp(dev[i].name, name))
			return; /* no alternative spelling: same string */
	if (ndev == MAX_DEV)
		die("probes", "too many names");
	dev[ndev].cluster = cluster;
	dev[ndev].script = script;
	dev[ndev].probe = true;
	dev[ndev].name = strdup(name);
	ndev++;
}

/* Held-out persons: family names never used in the pool, every spelling
 * the generator tables know (Latin, its variant, Cyrillic, Persian), so
 * recall is also measured on names that are not in dev.tsv. */
static void add_probes(const struct family *fam, size_t nfam, const bool *col)
{
	bool *used = calloc(GEN_GIVEN_COUNT * nfam, sizeof(*used));

	if (!used)
		die("probes", "out of memory");
	for (int k = 0; k < PROBES;) {
		size_t g = rnd() % GEN_GIVEN_COUNT, f = rnd() % nfam;
		const struct gen_given *gg = &GEN_GIVEN[g];
		bool female = gg->female && fam[f].female_form;
		int cluster = 100000 + k;
		char name[512];

		f -= f % HOLD_OUT;
		if (used[g * nfam + f] || col[g * nfam + f])
			continue;
		used[g * nfam + f] = true;
		for (int v = 0; v < 4; v++) {
			uint8_t sc = v < 2    ? NAMES_LATN
				     : v == 2 ? NAMES_CYRL
					      : NAMES_ARAB;

			snprintf(name, sizeof(name), "%s %s",
				 given_form(gg, sc, v == 1),
				 family_form(&fam[f], sc, v == 1, female));
			add_labelled(cluster, sc, name);
		}
		k++;
	}
	free(used);
}

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct quality {
	size_t pairs, found10, xpairs, xfound10, top1, xtop1, xq;
	size_t probable, false_probable, queries_with_false;
};

/* Scores one dev query's results (self excluded). */
static void judge(size_t qi, const struct names_match *m, size_t nm,
		  const uint8_t *pool_script, struct quality *q)
{
	size_t others = 0, xothers = 0, found = 0, xfound = 0, rank = 0;
	bool top1_done = false, xtop1_done = false, any_false = false;

	for (size_t i = 0; i < ndev; i++)
		if (i != qi && dev[i].cluster == dev[qi].cluster) {
			others++;
			xothers += dev[i].script != dev[qi].script;
		}
	for (size_t k = 0; k < nm && rank < TOP; k++) {
		bool is_dev = m[k].ref[0] == 'd';
		size_t id = strtoul(m[k].ref + 4, NULL, 10);
		bool same, xs;

		if (is_dev && id == qi)
			continue;
		rank++;
		same = is_dev && dev[id].cluster == dev[qi].cluster;
		xs = (is_dev ? dev[id].script : pool_script[id]) !=
		     dev[qi].script;
		found += same;
		xfound += same && xs;
		if (!top1_done)
			q->top1 += same, top1_done = true;
		if (xs && !xtop1_done && xothers)
			q->xtop1 += same, xtop1_done = true;
		if (m[k].score >= NAMES_PROBABLE) {
			q->probable++;
			if (!same)
				q->false_probable++, any_false = true;
		}
		if (verbose && !same && m[k].score >= NAMES_PROBABLE)
			printf("  false probable: %s ~ %s (%.3f)\n",
			       dev[qi].name, m[k].name, m[k].score);
	}
	if (verbose && found < others)
		printf("  miss: %s found %zu/%zu; top: %s (%.3f)\n",
		       dev[qi].name, found, others, nm ? m[0].name : "-",
		       nm ? m[0].score : 0);
	for (size_t k = 0; verbose && found < others && k < nm; k++)
		printf("      %.3f %s\n", m[k].score, m[k].name);
	q->pairs += others;
	q->found10 += found;
	q->xpairs += xothers;
	q->xfound10 += xfound;
	q->xq += xothers > 0;
	q->queries_with_false += any_false;
}

static void print_quality(const char *what, const struct quality *q, size_t nq)
{
	printf(" %s (%zu queries)\n", what, nq);
	printf("  %-34s %8.3f   (target >= 0.95)\n", "cross-script recall@10",
	       (double)q->xfound10 / (double)(q->xpairs ? q->xpairs : 1));
	printf("  %-34s %8.3f   (target >= 0.85)\n", "cross-script recall@1",
	       (double)q->xtop1 / (double)(q->xq ? q->xq : 1));
	printf("  %-34s %8.3f\n", "all-variant recall@10",
	       (double)q->found10 / (double)(q->pairs ? q->pairs : 1));
	printf("  %-34s %8.3f\n", "all-variant recall@1",
	       (double)q->top1 / (double)(nq ? nq : 1));
	printf("  %-34s %8.4f   (target <= 0.01; %zu of %zu probable, "
	       "%zu queries affected)\n",
	       "false probable-match rate",
	       (double)q->false_probable /
		   (double)(q->probable ? q->probable : 1),
	       q->false_probable, q->probable, q->queries_with_false);
}

int main(int argc, char **argv)
{
	const char *shared = getenv("ACCORD_SHARED");
	size_t n = 100000, nfam, skipped = 0, nlat = 0, nerr = 0, ndev_file;
	char path[4096], name[512], **pool;
	uint8_t *pool_script;
	struct family *fam;
	bool *col;
	struct names_index *ix;
	struct ac_err err = {0};
	struct names_match m[TOP + 1];
	struct quality q[2] = {0};
	int64_t t0, c0, *lat, *cpu;
	double add_s;
	struct rusage ru;
	int ai = 1;

	if (ai < argc && !strcmp(argv[ai], "-v"))
		verbose = true, ai++;
	if (ai < argc)
		n = strtoul(argv[ai++], NULL, 10);
	if (ai < argc)
		shared = argv[ai++];
	if (!shared)
		shared = "../shared";
	snprintf(path, sizeof(path), "%s/names/dev.tsv", shared);
	if (!load_dev(path)) {
		printf("bench_names: skipped: %s not found (set ACCORD_SHARED "
		       "or pass the shared directory)\n",
		       path);
		return 0;
	}
	nfam = build_families(&fam);
	col = build_collisions(fam, nfam);
	ndev_file = ndev;
	hold_out(fam, nfam);
	add_probes(fam, nfam, col);
	pool = calloc(n, sizeof(*pool));
	pool_script = calloc(n, 1);
	lat = calloc(ndev + LATENCY_EXTRA, sizeof(*lat));
	cpu = calloc(ndev + LATENCY_EXTRA, sizeof(*cpu));
	if (!pool || !pool_script || !lat || !cpu)
		die("pool", "out of memory");
	for (size_t i = 0; i < n;) {
		if (!gen_person(fam, nfam, col, name, sizeof(name),
				&pool_script[i])) {
			skipped++;
			continue;
		}
		pool[i++] = strdup(name);
	}
	if (names_index_new(&ix, &err))
		die("index", err.msg);
	t0 = ac_mono_ns();
	for (size_t i = 0; i < n; i++) {
		char ref[32];
		const char *nm = pool[i];

		snprintf(ref, sizeof(ref), "pool%zu", i);
		size_t sk = 0;

		nerr += names_index_add(ix, ref, &nm, 1, &sk, &err) != 0 || sk;
	}
	for (size_t i = 0; i < ndev; i++) {
		char ref[32];
		const char *nm = dev[i].name;
		size_t sk = 0;

		snprintf(ref, sizeof(ref), "dev:%zu", i);
		if (names_index_add(ix, ref, &nm, 1, &sk, &err) || sk)
			die("dev name", err.msg);
	}
	add_s = (ac_mono_ns() - t0) / 1e9;
	if (nerr)
		die("pool", err.msg);
	for (size_t i = 0; i < ndev; i++) {
		size_t nm = 0;

		t0 = ac_mono_ns();
		c0 = cpu_ns();
		if (names_index_query(ix, dev[i].name, TOP + 1, m, &nm, &err))
			die("query", err.msg);
		cpu[nlat] = cpu_ns() - c0;
		lat[nlat++] = ac_mono_ns() - t0;
		judge(i, m, nm, pool_script, &q[dev[i].probe]);
	}
	for (size_t i = 0; i < LATENCY_EXTRA && i < n; i++) {
		size_t nm = 0;

		t0 = ac_mono_ns();
		c0 = cpu_ns();
		if (names_index_query(ix, pool[rnd() % n], TOP, m, &nm, &err))
			die("query", err.msg);
		cpu[nlat] = cpu_ns() - c0;
		lat[nlat++] = ac_mono_ns() - t0;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	qsort(cpu, nlat, sizeof(*cpu), cmp_i64);
	getrusage(RUSAGE_SELF, &ru);

	printf("names: %zu pool + %zu dev.tsv + %zu held-out probe names "
	       "indexed; %zu pool persons skipped as same-name collisions with "
	       "dev clusters\n",
	       n, ndev_file, ndev - ndev_file, skipped);
	print_quality("dev.tsv clusters", &q[0], ndev_file);
	print_quality("held-out generated persons", &q[1], ndev - ndev_file);
	printf("  %-34s %8.3f ms wall, %.3f ms cpu   (%zu queries)\n",
	       "query latency median", lat[nlat / 2] / 1e6, cpu[nlat / 2] / 1e6,
	       nlat);
	printf("  %-34s %8.3f ms wall, %.3f ms cpu   (target < 10 ms at 1M)\n",
	       "query latency p99", lat[nlat * 99 / 100] / 1e6,
	       cpu[nlat * 99 / 100] / 1e6);
	printf("  %-34s %8.0f names/s\n", "indexing rate",
	       (double)(n + ndev) / add_s);
	printf("  %-34s %8.1f MB (index), %.1f MB peak RSS\n", "memory",
	       names_index_memory(ix) / 1048576.0, ru.ru_maxrss / 1024.0);

	names_index_free(ix);
	for (size_t i = 0; i < n; i++)
		free(pool[i]);
	for (size_t i = 0; i < ndev; i++)
		free(dev[i].name);
	free(pool);
	free(pool_script);
	free(lat);
	free(cpu);
	free(col);
	free(held);
	free(fam);
	return 0;
}
