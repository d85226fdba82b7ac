#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <unistd.h>

#include "base/time.h"
#include "ingest/ingest.h"
#include "node/node_ingest.h"

#define SHOW_REJECTIONS 50
#define JSON_REJECTIONS 1000

static const char help[] =
	"usage: accord import FILE|- [--strict] [--json] "
	"[--format auto|bundle|jsonl] [--node DIR]\n\n"
	"Imports a STIX 2.1 bundle or JSON Lines (one object per line) through\n"
	"the ingest pipeline, streaming: memory stays small whatever the size.\n"
	"Prints counts of accepted, duplicate and rejected objects, with each\n"
	"rejection's reason. Bad objects are rejected and the good ones kept;\n"
	"--strict rejects the whole input on the first error.\n"
	"--json prints the summary as one JSON object.\n"
	"Exit codes: 0 all accepted or duplicate, 3 some rejected,\n"
	"1 the input could not be read or the store failed (objects committed\n"
	"before that are kept, except with --strict), 2 usage.\n"
	"Each committed batch is recorded in the audit trail (ingest entries\n"
	"with the ids of the new versions) just before it commits.\n";

struct import_ctx {
	bool json;
	bool progress;
	int64_t last_progress_ns;
	int64_t start_ns;
	json_t *rejections; /* --json */
	uint64_t shown;
};

static void on_reject(const char *id, const struct stream_pos *pos,
		      const char *reason, void *vctx)
{
	struct import_ctx *c = vctx;

	if (c->json) {
		json_t *r;
		if (json_array_size(c->rejections) >= JSON_REJECTIONS)
			return;
		r = json_pack("{s:s?, s:s}", "id", id, "reason", reason);
		if (r && pos) {
			json_object_set_new(r, "index", json_integer((json_int_t)pos->index));
			json_object_set_new(r, "line", json_integer((json_int_t)pos->line));
		}
		json_array_append_new(c->rejections, r);
		return;
	}
	if (c->shown++ >= SHOW_REJECTIONS)
		return;
	if (pos)
		fprintf(stderr, "rejected: object %llu (line %llu): %s\n",
			(unsigned long long)pos->index,
			(unsigned long long)pos->line, reason);
	else
		fprintf(stderr, "rejected: %s\n", reason);
}

static void on_progress(const struct ingest_stats *st, void *vctx)
{
	struct import_ctx *c = vctx;
	int64_t now = ac_mono_ns();
	uint64_t n = st->accepted + st->duplicates + st->held + st->rejected;

	if (!c->progress || now - c->last_progress_ns < 250000000)
		return;
	c->last_progress_ns = now;
	fprintf(stderr, "\rimporting: %llu objects (%.0f/s)   ",
		(unsigned long long)n,
		n / ((now - c->start_ns) / 1e9 + 1e-9));
}

static void print_text(const struct ingest_stats *st,
		       const struct import_ctx *c, const struct ac_err *err)
{
	printf("accepted:   %llu\nduplicates: %llu\nrejected:   %llu\n",
	       (unsigned long long)st->accepted,
	       (unsigned long long)st->duplicates,
	       (unsigned long long)st->rejected);
	if (st->held)
		printf("held:       %llu (observables already stored from "
		       "another source)\n",
		       (unsigned long long)st->held);
	if (st->bad_signatures)
		printf("bad signatures: %llu (of the rejected)\n",
		       (unsigned long long)st->bad_signatures);
	if (st->warnings)
		printf("warnings:   %llu\n", (unsigned long long)st->warnings);
	if (st->correlations)
		printf("correlations: %llu (alerts: %llu; see 'accord "
		       "alerts')\n",
		       (unsigned long long)st->correlations,
		       (unsigned long long)st->alerts);
	if (c->shown > SHOW_REJECTIONS)
		fprintf(stderr, "(%llu more rejections not shown; use --json)\n",
			(unsigned long long)(c->shown - SHOW_REJECTIONS));
	if (err->rc)
		cli_error("%s", err->msg);
}

static void print_json(const struct ingest_stats *st, struct import_ctx *c,
		       const struct ac_err *err, double secs)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:f, s:O, s:b}",
			      "accepted", (json_int_t)st->accepted,
			      "duplicates", (json_int_t)st->duplicates,
			      "rejected", (json_int_t)st->rejected,
			      "warnings", (json_int_t)st->warnings,
			      "seconds", secs, "rejections", c->rejections,
			      "rejections_truncated",
			      st->rejected > json_array_size(c->rejections));
	if (o) {
		json_object_set_new(o, "held",
				    json_integer((json_int_t)st->held));
		json_object_set_new(o, "bad_signatures",
				    json_integer((json_int_t)st->bad_signatures));
		json_object_set_new(o, "correlations",
				    json_integer((json_int_t)st->correlations));
		json_object_set_new(o, "alerts",
				    json_integer((json_int_t)st->alerts));
	}
	if (o && err->rc)
		json_object_set_new(o, "error", json_string(err->msg));
	if (o)
		json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

static ac_rc parse_format(const char *s, enum stream_format *fmt)
{
	static const char *const names[] = { "auto", "bundle", "jsonl" };

	for (size_t i = 0; i < AC_ARRAY_LEN(names); i++)
		if (!strcmp(s, names[i])) {
			*fmt = (enum stream_format)i;
			return AC_OK;
		}
	return AC_ERR_USAGE;
}

static ac_rc run_import(struct node *n, FILE *f, const char *path, bool strict,
			enum stream_format fmt, struct import_ctx *c,
			struct ingest_stats *st, struct ac_err *err)
{
	struct node_ingest ni;
	struct audit_entry tmpl = { .actor_kind = AUDIT_ACTOR_CLI,
				    .actor = cli_os_user(),
				    .action = AUDIT_INGEST,
				    .channel = "cli-import",
				    .detail = path };
	struct store *audited = NULL;
	struct audit *a = NULL;
	struct ingest in;
	ac_rc rc, frc;

	rc = node_ingest_open(&ni, n->dir, &n->cfg, n->store, "local", err);
	if (rc)
		return rc;
	rc = cli_audit_open(n, &a, err);
	if (!rc)
		rc = audit_store_wrap(n->store, a, &tmpl, &audited, err);
	if (rc) {
		audit_close(a);
		node_ingest_release(&ni);
		return rc;
	}
	ni.opts.strict = strict;
	ingest_init(&in, audited, &ni.opts, on_reject, on_progress, c);
	rc = ingest_stream(&in, f, fmt, err);
	frc = ingest_finish(&in, rc ? NULL : err);
	if (!rc)
		rc = frc;
	if (c->progress)
		fputs("\r\033[K", stderr);
	*st = in.stats;
	store_close(audited);
	audit_close(a);
	node_ingest_release(&ni);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, 0, 's' },
		{ "json", no_argument, 0, 'j' },
		{ "format", required_argument, 0, 'f' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct import_ctx c = { 0 };
	struct ingest_stats st = { 0 };
	struct ac_err err = { 0 };
	enum stream_format fmt = STREAM_AUTO;
	const char *node_flag = NULL, *path;
	struct node *n = NULL;
	bool strict = false;
	FILE *f = NULL;
	int ch, code;

	while ((ch = getopt_long(argc, argv, "sjf:N:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 's':
			strict = true;
			break;
		case 'j':
			c.json = true;
			break;
		case 'f':
			if (parse_format(optarg, &fmt)) {
				cli_error("--format must be auto, bundle or jsonl");
				return cli_usage_hint("import");
			}
			break;
		case 'N':
			node_flag = optarg;
			break;
		default:
			return cli_usage_hint("import");
		}
	}
	if (optind != argc - 1) {
		cli_error("import needs exactly one FILE (or - for stdin)");
		return cli_usage_hint("import");
	}
	path = argv[optind];
	if (cli_open_node(node_flag, &n, &err))
		return cli_fail(&err);
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		ac_err_set(&err, AC_ERR_IO, "cannot open '%s': %s", path,
			   strerror(errno));
		node_close(n);
		return cli_fail(&err);
	}
	c.progress = !c.json && isatty(STDERR_FILENO);
	c.start_ns = ac_mono_ns();
	c.rejections = json_array();
	run_import(n, f, path, strict, fmt, &c, &st, &err);
	if (c.json)
		print_json(&st, &c, &err, (ac_mono_ns() - c.start_ns) / 1e9);
	else
		print_text(&st, &c, &err);
	code = err.rc ? EXIT_FAIL : st.rejected ? EXIT_PARTIAL : EXIT_OK;
	if (f != stdin)
		fclose(f);
	json_decref(c.rejections);
	node_close(n);
	return code;
}
