/* Audit cost benchmark, auditing on vs off in the same run:
 *  - import: N generated objects through the ingest pipeline (batches of
 *    1000), with the auditing store wrapper (ingest entries written and
 *    committed before each batch commits) and without;
 *  - reads: N objects read as store_query pages of 1000 (one consult entry
 *    per page, as a TAXII page would write) and as single gets by id (one
 *    consult entry each).
 * Prints the on/off throughput ratios (targets: reads >= 0.8, imports >=
 * 0.7).
 *
 *   bench_audit [N] [WORKDIR]     (default N = 50000, WORKDIR = /tmp)
 */
#include "base/common.h"

#include <unistd.h>

#include "audit/audit.h"
#include "base/time.h"
#include "crypto/keys.h"
#include "gen/gen.h"
#include "ingest/ingest.h"
#include "store/store.h"

#define PAGE 1000
#define GETS_MAX 5000

static void die(const char *what, const struct ac_err *err)
{
	fprintf(stderr, "bench_audit: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static double import(const char *input, const char *db, struct audit *a)
{
	struct audit_entry tmpl = { .actor_kind = AUDIT_ACTOR_CLI,
				    .actor = "bench", .action = AUDIT_INGEST,
				    .channel = "cli-import" };
	struct ingest_opts opts = ingest_opts_default();
	struct ac_err err = { 0 };
	struct store *s = NULL, *w = NULL;
	struct ingest in;
	FILE *f = fopen(input, "rb");
	int64_t t0;

	if (!f || store_open(db, true, &s, &err))
		die("open", &err);
	if (a && audit_store_wrap(s, a, &tmpl, &w, &err))
		die("wrap", &err);
	t0 = ac_mono_ns();
	ingest_init(&in, w ? w : s, &opts, NULL, NULL, NULL);
	if (ingest_stream(&in, f, STREAM_AUTO, &err) || ingest_finish(&in, &err))
		die("ingest", &err);
	t0 = ac_mono_ns() - t0;
	store_close(w);
	store_close(s);
	fclose(f);
	return t0 / 1e9;
}

struct page {
	struct audit_ids ids;
	int64_t last_added;
};

static int on_row(const struct store_row *row, void *vctx)
{
	struct page *p = vctx;

	p->last_added = row->date_added_us;
	return audit_ids_add(&p->ids, row->id) ? 1 : 0;
}

static void consult(struct audit *a, const struct audit_ids *ids,
		    const char *channel)
{
	struct audit_entry e = { .actor_kind = AUDIT_ACTOR_USER,
				 .actor = "analyst", .action = AUDIT_CONSULT,
				 .object_ids = (const char *const *)ids->ids,
				 .nobject_ids = ids->n,
				 .object_count = ids->count,
				 .channel = channel, .purpose = "bench" };
	struct ac_err err = { 0 };

	if (a && audit_append(a, &e, &err))
		die("audit", &err);
}

/* Reads every object in pages; returns seconds, *n the objects read. */
static double read_pages(struct store *s, struct audit *a, uint64_t *n)
{
	struct store_query q = { 0 };
	struct page p = { { 0 }, 0 };
	struct ac_err err = { 0 };
	int64_t t0 = ac_mono_ns();

	audit_ids_init(&p.ids);
	*n = 0;
	q.limit = PAGE;
	for (;;) {
		audit_ids_reset(&p.ids);
		q.added_after_us = p.last_added;
		if (store_query(s, &q, on_row, &p, &err))
			die("query", &err);
		if (!p.ids.count)
			break;
		consult(a, &p.ids, "taxii-page");
		*n += p.ids.count;
	}
	audit_ids_release(&p.ids);
	return (ac_mono_ns() - t0) / 1e9;
}

static int keep_id(const struct store_row *row, void *vctx)
{
	return audit_ids_add(vctx, row->id) ? 1 : 0;
}

/* Gets `ids` one at a time by id. */
static double read_gets(struct store *s, struct audit *a,
			const struct audit_ids *ids)
{
	struct audit_ids one;
	struct ac_err err = { 0 };
	int64_t t0 = ac_mono_ns();

	audit_ids_init(&one);
	for (size_t i = 0; i < ids->n; i++) {
		struct store_query q = { 0 };
		const char *id[1] = { ids->ids[i] };
		q.ids = id;
		q.nids = 1;
		audit_ids_reset(&one);
		if (store_query(s, &q, keep_id, &one, &err))
			die("get", &err);
		consult(a, &one, "taxii-get");
	}
	audit_ids_release(&one);
	return (ac_mono_ns() - t0) / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000, got = 0;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char work[4096], input[4200], db_off[4200], db_on[4200], log[4200];
	struct gen_opts go = { .seed = 1, .count = n, .created_by = NULL };
	struct audit_opts ao = { 0 };
	struct ac_keys keys;
	struct ac_err err = { 0 };
	struct audit_ids sample;
	struct audit *a;
	struct store *s;
	double imp_off, imp_on, pg_off, pg_on, get_off, get_on;
	FILE *f;

	snprintf(work, sizeof(work), "%s/bench-audit-XXXXXX", dir);
	if (ac_crypto_init(&err) || ac_keys_generate(&keys, &err) ||
	    !mkdtemp(work))
		die("setup", &err);
	snprintf(input, sizeof(input), "%s/in.jsonl", work);
	snprintf(db_off, sizeof(db_off), "%s/off.db", work);
	snprintf(db_on, sizeof(db_on), "%s/on.db", work);
	snprintf(log, sizeof(log), "%s/audit.db", work);
	f = fopen(input, "wb");
	if (!f || gen_write(&go, GEN_JSONL, f, &err) || fclose(f))
		die("generate", &err);
	if (audit_open(log, &ao, keys.sign_sk, &a, &err))
		die("audit open", &err);

	imp_off = import(input, db_off, NULL);
	imp_on = import(input, db_on, a);

	if (store_open(db_on, false, &s, &err))
		die("open", &err);
	audit_ids_init(&sample);
	{
		struct store_query q = { .limit = GETS_MAX };
		if (store_query(s, &q, keep_id, &sample, &err))
			die("sample", &err);
	}
	pg_off = read_pages(s, NULL, &got);
	pg_on = read_pages(s, a, &got);
	get_off = read_gets(s, NULL, &sample);
	get_on = read_gets(s, a, &sample);

	printf("objects: %llu (reads: %llu in pages of %d, %zu gets)\n",
	       (unsigned long long)n, (unsigned long long)got, PAGE, sample.n);
	printf("import   off %8.0f obj/s  on %8.0f obj/s  ratio %.2f (target >= 0.70)\n",
	       n / imp_off, n / imp_on, imp_off / imp_on);
	printf("pages    off %8.0f obj/s  on %8.0f obj/s  ratio %.2f (target >= 0.80)\n",
	       got / pg_off, got / pg_on, pg_off / pg_on);
	printf("get      off %8.0f req/s  on %8.0f req/s  ratio %.2f (target >= 0.80)\n",
	       sample.n / get_off, sample.n / get_on, get_off / get_on);
	audit_ids_release(&sample);
	store_close(s);
	audit_close(a);
	ac_keys_wipe(&keys);
	{
		char cmd[4300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
