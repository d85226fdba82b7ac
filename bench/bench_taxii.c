/* TAXII benchmark: builds a store of N generated objects through ingest,
 * starts the TAXII server in-process on 127.0.0.1 (plain HTTP, access log
 * off) and pages through every object with libcurl, 1000 per page. The
 * baseline, measured in the same run, reads the same pages straight from
 * the store with store_query. Then it POSTs new objects through TAXII in
 * envelopes of 1000 and reports objects/s.
 *
 * Audit cost, same run: the server is started without and with auditing
 * (the group-commit writer on NODE/audit.db, as `accord serve` runs it);
 * each time READERS client threads page through every object at once
 * (with X-Accord-Purpose) and POSTERS client threads POST envelopes of
 * new objects. Prints the on/off ratios (targets: reads >= 0.8, imports
 * >= 0.7).
 *
 *   bench_taxii [N] [WORKDIR]     (default N = 100000, WORKDIR = /tmp)
 */
#include "base/common.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <sodium.h>
#include <unistd.h>

#include <pthread.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/log.h"
#include "base/time.h"
#include "base/uuid.h"
#include "crypto/keys.h"
#include "gen/gen.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "taxii/taxii.h"

#define PAGE 1000
#define POST_MAX 20000
#define READERS 4
#define POSTERS 2
#define AUDIT_POST 10000 /* objects POSTed per poster and setting */

static void die(const char *what, const struct ac_err *err)
{
	fprintf(stderr, "bench_taxii: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

static double secs_since(int64_t t0)
{
	return (double)(ac_mono_ns() - t0) / 1e9;
}

/* Generates count objects (seed) as JSON Lines into path. */
static void generate(const char *path, uint64_t seed, uint64_t count)
{
	struct gen_opts o = {seed, count, NULL};
	struct ac_err err = {0};
	FILE *f = fopen(path, "wb");

	if (!f || gen_write(&o, GEN_JSONL, f, &err) || fclose(f))
		die("generate", &err);
}

static uint64_t ingest_file(struct store *s, const char *path)
{
	struct ingest_opts opts = ingest_opts_default();
	struct ac_err err = {0};
	struct ingest in;
	FILE *f = fopen(path, "rb");

	opts.batch_size = 10000;
	if (!f)
		die("open input", NULL);
	ingest_init(&in, s, &opts, NULL, NULL, NULL);
	if (ingest_stream(&in, f, STREAM_JSONL, &err) ||
	    ingest_finish(&in, &err))
		die("ingest", &err);
	fclose(f);
	return in.stats.accepted + in.stats.duplicates;
}

/* ---- baseline: the same pages from the store ---- */

#define TLP_RED_ID "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

struct base_page {
	struct ac_buf out;
	size_t n;
	uint64_t red; /* TLP:RED rows: the benchmark's user is no recipient */
	int64_t last;
	bool more;
};

static int base_row(const struct store_row *row, void *ctx)
{
	struct base_page *p = ctx;

	if (p->n == PAGE) {
		p->more = true;
		return 1;
	}
	if (p->n)
		ac_buf_addc(&p->out, ',');
	ac_buf_add(&p->out, row->json, row->json_len);
	p->red += strstr(row->json, TLP_RED_ID) != NULL;
	p->last = row->date_added_us;
	p->n++;
	return 0;
}

static uint64_t baseline(struct store *s, double *secs, uint64_t *red)
{
	struct base_page p = {.out = AC_BUF_INIT(64u << 20)};
	struct store_query q = {0};
	struct ac_err err = {0};
	uint64_t total = 0;
	int64_t t0 = ac_mono_ns();

	q.limit = PAGE + 1;
	do {
		ac_buf_reset(&p.out);
		p.n = 0;
		p.more = false;
		if (store_query(s, &q, base_row, &p, &err))
			die("baseline query", &err);
		total += p.n;
		q.added_after_us = p.last;
	} while (p.more);
	*secs = secs_since(t0);
	*red = p.red;
	ac_buf_release(&p.out);
	return total;
}

/* ---- served: libcurl over keep-alive ---- */

struct reply {
	struct ac_buf body;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;

	return ac_buf_add(&r->body, data, size * n) ? 0 : size * n;
}

/* Counts the elements of the "objects" array without building them: a
 * string-aware scan for depth changes. */
static size_t count_objects(const char *s, size_t len)
{
	const char *p = strstr(s, "\"objects\":[");
	int depth = 0;
	bool in_str = false;
	size_t n = 0;

	if (!p)
		return 0;
	for (p += 11; p < s + len; p++) {
		if (in_str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_str = false;
		} else if (*p == '"') {
			in_str = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				break;
			if (--depth == 0)
				n++;
		}
	}
	return n;
}

static bool next_cursor(const char *body, char *out, size_t cap)
{
	const char *p = strstr(body, "\"next\":\"");
	size_t n;

	if (!p || p - body > 64)
		return false;
	p += 8;
	n = strcspn(p, "\"");
	if (n >= cap)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static CURL *client(struct curl_slist **hdrs, const char *token,
		    struct reply *r)
{
	char auth[AUTH_TOKEN_BUF + 32];
	CURL *c = curl_easy_init();

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	*hdrs = curl_slist_append(NULL, auth);
	*hdrs = curl_slist_append(*hdrs,
				  "Accept: application/taxii+json;version=2.1");
	*hdrs = curl_slist_append(
	    *hdrs, "Content-Type: application/taxii+json;version=2.1");
	*hdrs = curl_slist_append(*hdrs, "X-Accord-Purpose: benchmark");
	if (!c || !*hdrs)
		die("curl", NULL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	return c;
}

static uint64_t served(CURL *c, struct reply *r, const char *base, double *secs)
{
	char url[512], next[32] = "";
	uint64_t total = 0;
	int64_t t0 = ac_mono_ns();
	long code = 0;

	for (;;) {
		snprintf(url, sizeof(url), "%sobjects/?limit=%d%s%s", base,
			 PAGE, next[0] ? "&next=" : "", next);
		ac_buf_reset(&r->body);
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (curl_easy_perform(c) != CURLE_OK)
			die("GET", NULL);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200 || !r->body.data)
			die("GET status", NULL);
		total += count_objects(r->body.data, r->body.len);
		if (!strstr(r->body.data, "\"more\":true"))
			break;
		if (!next_cursor(r->body.data, next, sizeof(next)))
			die("no next", NULL);
	}
	*secs = secs_since(t0);
	return total;
}

/* POSTs the lines of path in envelopes of PAGE objects. */
static uint64_t post_all(CURL *c, struct reply *r, const char *base,
			 const char *path, double *secs)
{
	struct ac_buf env = AC_BUF_INIT(256u << 20);
	char url[512], *line = NULL;
	size_t cap = 0, in_env = 0;
	uint64_t total = 0;
	double spent = 0;
	ssize_t got;
	FILE *f = fopen(path, "rb");
	long code = 0;

	if (!f)
		die("open post input", NULL);
	snprintf(url, sizeof(url), "%sobjects/", base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	for (;;) {
		got = getline(&line, &cap, f);
		if (got > 0) {
			ac_buf_adds(&env, in_env++ ? "," : "{\"objects\":[");
			ac_buf_add(&env, line, (size_t)got);
		}
		if (in_env && (in_env == PAGE || got <= 0)) {
			int64_t t0 = ac_mono_ns();
			ac_buf_adds(&env, "]}");
			ac_buf_reset(&r->body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, env.data);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)env.len);
			if (curl_easy_perform(c) != CURLE_OK)
				die("POST", NULL);
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
			if (code != 202)
				die("POST status", NULL);
			spent += secs_since(t0);
			total += in_env;
			in_env = 0;
			ac_buf_reset(&env);
		}
		if (got <= 0)
			break;
	}
	*secs = spent;
	free(line);
	fclose(f);
	ac_buf_release(&env);
	return total;
}

static void make_collection(struct store *s, char id[AC_UUID_STRLEN])
{
	struct store_collection k = {0};
	struct ac_err err = {0};

	ac_uuid_v4(k.id);
	snprintf(k.name, sizeof(k.name), "all");
	snprintf(k.title, sizeof(k.title), "Everything");
	k.scope = STORE_SCOPE_ALL;
	k.read_roles = k.write_roles = AUTH_ROLE_BIT(AUTH_ROLE_ANALYST);
	if (store_collection_add(s, &k, &err))
		die("collection", &err);
	memcpy(id, k.id, AC_UUID_STRLEN);
}

static void make_token(struct store *s, char token[AUTH_TOKEN_BUF])
{
	char id[AUTH_TOKEN_ID_BUF];
	struct ac_err err = {0};

	if (auth_set_pwhash_limits(crypto_pwhash_OPSLIMIT_MIN,
				   crypto_pwhash_MEMLIMIT_MIN, &err) ||
	    auth_user_add(s, "bench", AUTH_ROLE_ANALYST,
			  "bench password long enough", &err) ||
	    auth_token_create(s, "bench", AUTH_EXPIRES_DEFAULT, NULL, NULL,
			      token, id, &err))
		die("token", &err);
}

/* ---- audit on/off with concurrent clients ---- */

struct client_job {
	const char *token;
	const char *base;
	const char *post_file; /* NULL: read every page */
	uint64_t objects;
	double secs;
};

static void *client_main(void *p)
{
	struct client_job *j = p;
	struct reply r = {AC_BUF_INIT(256u << 20)};
	struct curl_slist *hdrs = NULL;
	CURL *c = client(&hdrs, j->token, &r);

	if (j->post_file)
		j->objects = post_all(c, &r, j->base, j->post_file, &j->secs);
	else
		j->objects = served(c, &r, j->base, &j->secs);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	ac_buf_release(&r.body);
	return NULL;
}

/* Runs n clients at once; returns objects per second over the wall time. */
static double run_clients(struct client_job *jobs, size_t n)
{
	pthread_t th[READERS > POSTERS ? READERS : POSTERS];
	uint64_t total = 0;
	int64_t t0 = ac_mono_ns();

	for (size_t i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, client_main, &jobs[i]))
			die("thread", NULL);
	for (size_t i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		total += jobs[i].objects;
	}
	return (double)total / secs_since(t0);
}

struct audit_run {
	double reads, imports; /* objects/s */
};

/* Serves the store (with the writer w, or unaudited when NULL) and
 * measures concurrent reads, then concurrent POSTs of post[0..POSTERS). */
static void audit_round(const struct taxii_config *tc0,
			const struct http_config *hc, const char *cid,
			const char *token, struct audit_writer *w,
			char post[POSTERS][600], struct audit_run *out)
{
	struct taxii_config tc = *tc0;
	struct client_job jobs[READERS > POSTERS ? READERS : POSTERS];
	struct http_server *srv = NULL;
	struct ac_err err = {0};
	struct taxii *t = NULL;
	char base[256];

	tc.audit = w;
	if (taxii_new(&tc, &t, &err) || taxii_serve(t, hc, &srv, &err))
		die("serve", &err);
	snprintf(base, sizeof(base),
		 "http://127.0.0.1:%u/taxii2/api1/collections/%s/",
		 http_server_port(srv), cid);
	for (size_t i = 0; i < READERS; i++)
		jobs[i] = (struct client_job){token, base, NULL, 0, 0};
	out->reads = run_clients(jobs, READERS);
	for (size_t i = 0; post && i < POSTERS; i++)
		jobs[i] = (struct client_job){token, base, post[i], 0, 0};
	out->imports = post ? run_clients(jobs, POSTERS) : 0;
	http_server_stop(srv);
	taxii_free(t);
}

static void audit_compare(const struct taxii_config *tc,
			  const struct http_config *hc, const char *dir,
			  const char *cid, const char *token)
{
	char log[600], post[2][POSTERS][600];
	struct audit_run off, on, off2, on2;
	struct audit_writer *w = NULL;
	struct ac_keys keys;
	struct audit *a = NULL;
	struct ac_err err = {0};

	snprintf(log, sizeof(log), "%s/audit.db", dir);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < POSTERS; i++) {
			snprintf(post[k][i], sizeof(post[k][i]),
				 "%s/audit-post-%zu-%zu.jsonl", dir, k, i);
			generate(post[k][i], 9000 + 10 * k + i, AUDIT_POST);
		}
	if (ac_keys_generate(&keys, &err) ||
	    audit_open(log, NULL, keys.sign_sk, &a, &err) ||
	    audit_writer_start(a, 0, &w, &err))
		die("audit", &err);
	/* off, on, then the reads once more in the other order */
	audit_round(tc, hc, cid, token, NULL, post[0], &off);
	audit_round(tc, hc, cid, token, w, post[1], &on);
	audit_round(tc, hc, cid, token, w, NULL, &on2);
	audit_round(tc, hc, cid, token, NULL, NULL, &off2);
	printf("audit off/on, %d readers paging every object, %d posters "
	       "(%d objects each, envelopes of %d):\n",
	       READERS, POSTERS, AUDIT_POST, PAGE);
	printf("  reads    off %8.0f obj/s  on %8.0f obj/s  ratio %.2f "
	       "(target >= 0.80)\n",
	       (off.reads + off2.reads) / 2, (on.reads + on2.reads) / 2,
	       (on.reads + on2.reads) / (off.reads + off2.reads));
	printf("  imports  off %8.0f obj/s  on %8.0f obj/s  ratio %.2f "
	       "(target >= 0.70)\n",
	       off.imports, on.imports, on.imports / off.imports);
	if (audit_writer_stop(w, &err))
		die("audit stop", &err);
	audit_close(a);
	ac_keys_wipe(&keys);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < POSTERS; i++)
			unlink(post[k][i]);
	unlink(log);
	snprintf(log, sizeof(log), "%s/audit.db-wal", dir);
	unlink(log);
	snprintf(log, sizeof(log), "%s/audit.db-shm", dir);
	unlink(log);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	const char *work = argc > 2 ? argv[2] : "/tmp";
	char dir[512], db[600], input[600], post[600], base[256];
	char cid[AC_UUID_STRLEN], token[AUTH_TOKEN_BUF];
	struct http_config hc = http_config_defaults();
	struct taxii_config tc = {0};
	struct stix_limits lim = STIX_LIMITS_DEFAULT;
	struct http_server *srv = NULL;
	struct reply r = {AC_BUF_INIT(256u << 20)};
	struct curl_slist *hdrs = NULL;
	struct ac_err err = {0};
	struct taxii *t = NULL;
	struct store *s = NULL;
	double t_ingest, t_base, t_served, t_post;
	uint64_t stored, nb, ns, np, nred, npost = n < POST_MAX ? n : POST_MAX;
	int64_t t0;
	CURL *c;

	if (!n || ac_crypto_init(&err))
		die("usage: bench_taxii [N] [WORKDIR]", &err);
	snprintf(dir, sizeof(dir), "%s/bench-taxii-XXXXXX", work);
	if (!mkdtemp(dir))
		die("mkdtemp", NULL);
	snprintf(db, sizeof(db), "%s/store.db", dir);
	snprintf(input, sizeof(input), "%s/objects.jsonl", dir);
	snprintf(post, sizeof(post), "%s/post.jsonl", dir);
	ac_log_set_level(AC_LOG_WARN);
	generate(input, 42, n);
	generate(post, 4242, npost);
	if (store_open(db, true, &s, &err))
		die("store", &err);
	t0 = ac_mono_ns();
	stored = ingest_file(s, input);
	t_ingest = secs_since(t0);
	make_collection(s, cid);
	make_token(s, token);

	tc.store_path = db;
	tc.title = "bench";
	tc.max_page_size = PAGE;
	tc.max_content_length = 256u << 20;
	tc.limits = lim;
	hc.access_log = false;
	hc.threads = 2;
	hc.max_body = 256u << 20;
	if (taxii_new(&tc, &t, &err) || taxii_serve(t, &hc, &srv, &err))
		die("serve", &err);
	snprintf(base, sizeof(base),
		 "http://127.0.0.1:%u/taxii2/api1/collections/%s/",
		 http_server_port(srv), cid);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = client(&hdrs, token, &r);

	nb = baseline(s, &t_base, &nred);
	ns = served(c, &r, base, &t_served);
	np = post_all(c, &r, base, post, &t_post);
	printf("objects stored:          %" PRIu64 " (ingest %.0f objects/s)\n",
	       stored, stored / t_ingest);
	printf("store pages (baseline):  %" PRIu64
	       " in %.3f s = %.0f objects/s\n",
	       nb, t_base, nb / t_base);
	printf("TAXII GET pages of %d:  %" PRIu64
	       " in %.3f s = %.0f objects/s\n",
	       PAGE, ns, t_served, ns / t_served);
	printf("ratio served/baseline:   %.2f\n",
	       (ns / t_served) / (nb / t_base));
	printf("TAXII POST envelopes of %d: %" PRIu64
	       " in %.3f s = %.0f objects/s\n",
	       PAGE, np, t_post, np / t_post);
	hc.threads = 4 * READERS;
	audit_compare(&tc, &hc, dir, cid, token);
	printf("served %" PRIu64 " of %" PRIu64 " stored: the other %" PRIu64
	       " are TLP:RED, which the benchmark's user is not a recipient "
	       "of\n",
	       ns, nb, nb - ns);
	if (ns != nb - nred)
		fprintf(stderr,
			"bench_taxii: served %" PRIu64 " but the store "
			"has %" PRIu64 " objects the user may see\n",
			ns, nb - nred);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	http_server_stop(srv);
	taxii_free(t);
	store_close(s);
	ac_buf_release(&r.body);
	sodium_memzero(token, sizeof(token));
	unlink(input);
	unlink(post);
	unlink(db);
	snprintf(input, sizeof(input), "%s-wal", db);
	unlink(input);
	snprintf(input, sizeof(input), "%s-shm", db);
	unlink(input);
	rmdir(dir);
	return ns == nb ? 0 : 1;
}
