/* accord serve: the TAXII 2.1 server in the foreground until SIGTERM or
 * SIGINT. The signals are blocked in every thread and taken with sigwait
 * in the main thread, which then stops the server gracefully. */
#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <signal.h>
#include <pthread.h>

#include "audit/audit.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "federation/loop.h"
#include "ingest/retention.h"
#include "http/http.h"
#include "taxii/taxii.h"

#define PEM_MAX (1u << 20)

static const char help[] =
    "usage: accord serve [--listen ADDR:PORT] [--insecure-http] [--no-audit]\n"
    "                    [--no-sync]\n\n"
    "Serves the node over TAXII 2.1 (HTTPS with the node's certificate,\n"
    "keys/tls.crt unless [server] tls_cert says otherwise) until SIGTERM\n"
    "or Ctrl-C; requests in flight finish first. The URL is printed on\n"
    "standard error; the access log follows there.\n"
    "  --listen ADDR:PORT  address and port (default: the [server]\n"
    "                      listen and port settings); port 0 picks a\n"
    "                      free one. IPv6 as [::1]:PORT.\n"
    "  --insecure-http     plain HTTP; refused on a non-loopback address\n"
    "                      unless [server] allow_insecure_public = true\n"
    "  --no-audit          serve without writing the audit trail: for\n"
    "                      benchmarks only; the start is itself recorded\n"
    "                      (admin_change) and a warning is printed\n"
    "  --no-sync           do not run the sync loop\n"
    "The sync loop pulls from and pushes to every partner with a card and\n"
    "credentials, at its intervals ('accord partner set NAME\n"
    "--pull-interval S --push-interval S'; defaults 60 s and 10 s); one\n"
    "log line per run.\n"
    "Every request that touches objects, and every failed login, is\n"
    "recorded in NODE/audit.db before the response is sent; checkpoints\n"
    "are signed on a timer and at shutdown.\n"
    "Endpoints: /taxii2/ (discovery), /taxii2/api1/..., /healthz, /metrics.\n";

/* "ADDR:PORT", "[V6]:PORT" or "ADDR" into the server settings. */
static bool parse_listen(const char *v, struct node_server *sv)
{
	const char *colon, *addr = v;
	size_t alen;
	char *end;
	long port;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close)
			return false;
		addr = v + 1;
		alen = (size_t)(close - addr);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return false;
	} else {
		colon = strrchr(v, ':');
		alen = colon ? (size_t)(colon - v) : strlen(v);
	}
	if (!alen || alen >= sizeof(sv->listen))
		return false;
	memcpy(sv->listen, addr, alen);
	sv->listen[alen] = '\0';
	if (!colon)
		return true;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		return false;
	sv->port = (size_t)port;
	return true;
}

static ac_rc read_pem(const char *dir, const char *rel, char **out,
		      struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	struct ac_buf b = AC_BUF_INIT(PEM_MAX);
	char chunk[4096];
	size_t n;
	FILE *f;
	ac_rc rc = node_path(dir, rel, path, err);

	if (rc)
		return rc;
	f = fopen(path, "r");
	if (!f)
		return ac_err_set(err, AC_ERR_IO, "cannot read '%s': %s", path,
				  strerror(errno));
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = ac_buf_add(&b, chunk, n);
	fclose(f);
	if (!rc && !b.len)
		rc = AC_ERR_PARSE;
	if (rc) {
		ac_buf_release(&b);
		return ac_err_set(err, rc,
				  "cannot use '%s': empty or too large", path);
	}
	*out = ac_buf_detach(&b, &n);
	return *out ? AC_OK : ac_err_set(err, AC_ERR_NOMEM, "out of memory");
}

struct serve_opts {
	const char *node;
	const char *listen;
	bool insecure;
	bool no_audit;
	bool no_sync;
};

/* Records the server start with the hash of accord.conf, so a change of
 * configuration between two starts shows in the audit trail. */
static ac_rc record_config(const char *dir, struct audit *a,
			   struct ac_err *err)
{
	char path[NODE_PATH_MAX], hex[2 * AC_HASH_LEN + 1], detail[128];
	struct ac_buf text = AC_BUF_INIT(1u << 20);
	uint8_t h[AC_HASH_LEN];
	struct audit_entry e = { .actor_kind = AUDIT_ACTOR_CLI,
				 .actor = cli_os_user(),
				 .action = AUDIT_ADMIN_CHANGE,
				 .channel = "cli",
				 .query = "serve start",
				 .detail = detail };
	char chunk[4096];
	size_t n;
	FILE *f;
	ac_rc rc = node_path(dir, NODE_CONF, path, err);

	if (rc)
		return rc;
	f = fopen(path, "rb");
	if (!f)
		return ac_err_set(err, AC_ERR_IO, "cannot read '%s': %s", path,
				  strerror(errno));
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = ac_buf_add(&text, chunk, n);
	fclose(f);
	if (rc) {
		ac_buf_release(&text);
		return ac_err_set(err, rc, "cannot read '%s'", path);
	}
	ac_hash(text.data ? text.data : "", text.len, h);
	ac_buf_release(&text);
	ac_hex(h, sizeof(h), hex);
	snprintf(detail, sizeof(detail), "%s blake2b-256 %s", NODE_CONF, hex);
	return audit_append(a, &e, err);
}

/* Opens the audit log and starts its group-commit writer; with --no-audit
 * only records that the server runs unaudited. */
static ac_rc audit_start(const char *dir, const struct node_config *cfg,
			 const struct serve_opts *o, struct audit **a,
			 struct audit_writer **w, struct ac_err *err)
{
	struct audit_entry e = {0};
	bool have_key = false;
	ac_rc rc = audit_open_node(dir, cfg->audit_checkpoint_entries,
				   (int64_t)cfg->audit_checkpoint_seconds *
				       1000000,
				   a, &have_key, err);

	if (rc)
		return rc;
	if (!have_key)
		ac_log(AC_LOG_WARN, "serve: the node's secret key is not "
				    "readable: audit checkpoints are not "
				    "signed");
	rc = record_config(dir, *a, err);
	if (!rc && !o->no_audit)
		return audit_writer_start(*a, AUDIT_WRITER_TICK_US_DEFAULT,
					  w, err);
	if (rc)
		return rc;
	e.actor_kind = AUDIT_ACTOR_CLI;
	e.actor = cli_os_user();
	e.action = AUDIT_ADMIN_CHANGE;
	e.channel = "cli";
	e.query = "serve --no-audit";
	e.detail = "the TAXII server runs without an audit trail "
		   "(benchmarks only)";
	fprintf(stderr, "accord: warning: --no-audit: requests are not "
			"recorded in the audit trail\n");
	return audit_append(*a, &e, err);
}

static void print_url(const struct http_config *hc, uint16_t port)
{
	bool v6 = strchr(hc->addr, ':') != NULL;

	fprintf(stderr, "accord: serving TAXII 2.1 at %s://%s%s%s:%u/taxii2/\n",
		hc->tls ? "https" : "http", v6 ? "[" : "", hc->addr,
		v6 ? "]" : "", port);
	fflush(stderr);
}

/* Runs until SIGTERM or SIGINT, which must be blocked already. */
#define RETENTION_INTERVAL_S 3600

/* Purge entries go through the server's audit writer (none: --no-audit). */
static ac_rc record_purge(const char *const *ids, size_t n, void *ctx,
			  struct ac_err *err)
{
	struct audit_entry e = { .actor_kind = AUDIT_ACTOR_SYSTEM,
				 .actor = "retention",
				 .action = AUDIT_PURGE,
				 .channel = "retention",
				 .object_ids = ids,
				 .nobject_ids = n,
				 .object_count = n,
				 .purpose = "retention period ended",
				 .outcome = AUDIT_OK };

	return ctx ? audit_writer_append(ctx, &e, 1, err) : AC_OK;
}

/* One retention pass with its own store handle; failures are logged. */
static void retention_pass(const char *dir, const struct node_config *cfg,
			   struct audit_writer *aw)
{
	char path[NODE_PATH_MAX];
	struct retention_stats st;
	struct ac_err err = {0};
	struct store *s = NULL;

	if (node_path(dir, cfg->store_path, path, &err) ||
	    store_open(path, false, &s, &err) ||
	    retention_run(s, &cfg->markings, "system:retention", ac_now_us(),
			  false, record_purge, aw, &st, &err))
		ac_log(AC_LOG_ERROR, "retention: %s", err.msg);
	else if (st.purged)
		ac_log(AC_LOG_INFO, "retention: erased %llu objects",
		       (unsigned long long)st.purged);
	if (s)
		store_close(s);
}

/* Waits for SIGTERM/SIGINT, running retention at start and every hour. */
static int wait_running(const char *dir, const struct node_config *cfg,
			struct audit_writer *aw, const sigset_t *sigs)
{
	struct timespec tick = { 60, 0 };
	int64_t next = 0;
	int sig;

	for (;;) {
		if (ac_mono_ns() >= next) {
			retention_pass(dir, cfg, aw);
			next = ac_mono_ns() + (int64_t)RETENTION_INTERVAL_S *
						      1000000000;
		}
		sig = sigtimedwait(sigs, NULL, &tick);
		if (sig > 0)
			return sig;
	}
}

static ac_rc serve(const char *dir, const struct node_config *cfg,
		   const struct serve_opts *o, const sigset_t *sigs,
		   struct ac_err *err)
{
	struct http_config hc = http_config_defaults();
	struct taxii_config tc = {0};
	char store[NODE_PATH_MAX];
	char *cert = NULL, *key = NULL;
	struct http_server *srv = NULL;
	struct audit_writer *aw = NULL;
	struct audit *audit = NULL;
	struct fed_loop *loop = NULL;
	struct taxii *t = NULL;
	struct ac_err aerr = {0};
	int sig = 0;
	ac_rc rc;

	hc.addr = cfg->server.listen;
	hc.port = (uint16_t)cfg->server.port;
	hc.tls = !o->insecure;
	hc.allow_plain_public = cfg->server.allow_insecure_public;
	hc.threads = (unsigned)cfg->server.threads;
	hc.conn_limit = (unsigned)cfg->server.max_connections;
	hc.timeout_s = (unsigned)cfg->server.timeout_s;
	hc.max_body = cfg->server.max_body_bytes;
	rc = node_path(dir, cfg->store_path, store, err);
	if (!rc && hc.tls)
		rc = read_pem(dir, cfg->server.tls_cert, &cert, err);
	if (!rc && hc.tls)
		rc = read_pem(dir, cfg->server.tls_key, &key, err);
	if (rc)
		goto out;
	hc.cert_pem = cert;
	hc.key_pem = key;
	tc.store_path = store;
	tc.title = cfg->org;
	tc.max_page_size = cfg->server.max_page_size;
	tc.max_content_length = hc.max_body;
	tc.batch_size = cfg->batch_size;
	tc.limits = cfg->limits;
	tc.tls = hc.tls;
	tc.markings = &cfg->markings;
	tc.corr.enabled = cfg->corr_enabled;
	tc.corr.max_occurrences = cfg->corr_max_occurrences;
	snprintf(tc.corr.default_country, sizeof(tc.corr.default_country),
		 "%s", cfg->default_country);
	tc.node = cfg;
	tc.node_dir = dir;
	rc = http_config_check(&hc, err);
	if (!rc)
		rc = audit_start(dir, cfg, o, &audit, &aw, err);
	tc.audit = aw;
	if (!rc)
		rc = taxii_new(&tc, &t, err);
	if (!rc)
		rc = taxii_serve(t, &hc, &srv, err);
	if (!rc && !o->no_sync)
		rc = fed_loop_start(dir, &loop, err);
	if (rc) {
		http_server_stop(srv);
		goto out;
	}
	print_url(&hc, http_server_port(srv));
	sig = wait_running(dir, cfg, aw, sigs);
	fprintf(stderr, "accord: signal %d: finishing requests in flight\n",
		sig);
	fed_loop_stop(loop);
	http_server_stop(srv);
	fprintf(stderr, "accord: stopped\n");
out:
	/* requests have finished: commit the rest and sign the tail */
	if (audit_writer_stop(aw, &aerr))
		fprintf(stderr, "accord: %s\n", aerr.msg);
	audit_close(audit);
	taxii_free(t);
	free(cert);
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
	return rc;
}

static int run(const struct serve_opts *o)
{
	char dir[NODE_PATH_MAX];
	struct node_config cfg;
	struct ac_err err = {0};
	sigset_t sigs;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	/* before any thread starts, so all of them inherit the mask */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (node_locate(o->node ? o->node : cli_global_node, dir, &err) ||
	    node_config_load(dir, &cfg, &err))
		return cli_fail(&err);
	if (o->listen && !parse_listen(o->listen, &cfg.server)) {
		cli_error("--listen '%s' is not ADDR:PORT", o->listen);
		return cli_usage_hint("serve");
	}
	rc = serve(dir, &cfg, o, &sigs, &err);
	if (rc == AC_ERR_PERM) {
		cli_error("%s (set [server] allow_insecure_public = true)",
			  err.msg);
		return EXIT_FAIL;
	}
	return rc ? cli_fail(&err) : EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, 0, 'l'},
	    {"insecure-http", no_argument, 0, 'i'},
	    {"no-audit", no_argument, 0, 'A'},
	    {"no-sync", no_argument, 0, 'S'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct serve_opts o = {NULL, NULL, false, false, false};
	int c;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (c == 'l') {
			o.listen = optarg;
		} else if (c == 'i') {
			o.insecure = true;
		} else if (c == 'A') {
			o.no_audit = true;
		} else if (c == 'S') {
			o.no_sync = true;
		} else if (c == 'N') {
			o.node = optarg;
		} else {
			return cli_usage_hint("serve");
		}
	}
	if (optind != argc) {
		cli_error("serve takes no arguments");
		return cli_usage_hint("serve");
	}
	return run(&o);
}
