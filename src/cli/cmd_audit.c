#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

#include "base/time.h"

static const char help[] =
	"usage: accord audit verify [--file F --key KEY]\n"
	"       accord audit export [--from TS] [--to TS] [--output F]\n"
	"       accord audit show [--object ID] [--actor A] [--action X]\n"
	"                         [--since TS] [--limit N] [--json]\n"
	"       accord audit prune --before TS\n"
	"       accord audit checkpoint\n"
	"       accord audit key\n"
	"(each also takes --node DIR and --help)\n\n"
	"The node's tamper-evident audit trail (NODE/audit.db).\n"
	"  verify      checks the hash chain and every signed checkpoint; names\n"
	"              the first bad sequence number and the kind of tampering\n"
	"              (edited, deleted, inserted, reordered, truncated).\n"
	"              With --file F --key KEY it checks an export with no node:\n"
	"              KEY is the base64 key 'accord audit key' prints (or a\n"
	"              node.pub file).\n"
	"  export      writes entries with time in [--from, --to) as JSON Lines\n"
	"              (stdout, or a new file F), running on to the next signed\n"
	"              checkpoint, with the signed records.\n"
	"  show        prints entries, oldest first (the newest N with --limit);\n"
	"              --json prints one JSON object per line.\n"
	"  prune       removes entries older than TS, leaving a signed prune\n"
	"              record; refuses a log that does not verify.\n"
	"  checkpoint  signs the tail now.\n"
	"  key         prints the node's Ed25519 public key (base64).\n"
	"TS is an RFC 3339 UTC time such as 2026-01-01T00:00:00Z.\n"
	"Exit codes: 0 ok (verify: intact), 5 tampered, 1 other failures,\n"
	"2 usage.\n";

struct audit_opts_cli {
	const char *node, *file, *key, *output;
	const char *from, *to, *since, *before;
	struct audit_filter filter;
	bool json;
};

static ac_rc parse_ts(const char *opt, const char *s, int64_t *us,
		      struct ac_err *err)
{
	struct ac_ts ts;

	if (!s) {
		*us = 0;
		return AC_OK;
	}
	if (!ac_ts_parse(s, &ts))
		return ac_err_set(err, AC_ERR_USAGE,
				  "%s '%s' is not an RFC 3339 UTC time like "
				  "2026-01-01T00:00:00Z",
				  opt, s);
	*us = ts.sec * 1000000 + ts.nsec / 1000;
	return AC_OK;
}

static int print_report(const struct audit_report *rep, const char *what)
{
	if (rep->nfindings == 0) {
		printf("%s intact: %llu entries (seq %llu..%llu), %llu signed "
		       "records checked\n",
		       what, (unsigned long long)rep->entries,
		       (unsigned long long)rep->first_seq,
		       (unsigned long long)rep->last_seq,
		       (unsigned long long)rep->checkpoints);
		if (rep->unsigned_tail)
			printf("%llu entries after seq %llu are chained but not "
			       "yet signed by a checkpoint\n",
			       (unsigned long long)rep->unsigned_tail,
			       (unsigned long long)rep->signed_seq);
		return EXIT_OK;
	}
	printf("%s TAMPERED:\n", what);
	for (size_t i = 0; i < rep->nfindings; i++)
		printf("  %s: %s\n", audit_finding_name(rep->findings[i].kind),
		       rep->findings[i].msg);
	return EXIT_TAMPERED;
}

static ac_rc node_key(const struct node *n, unsigned char pk[AUDIT_PK_LEN],
		      struct ac_err *err)
{
	char path[NODE_PATH_MAX];
	ac_rc rc = node_path(n->dir, NODE_PUBLIC_KEY, path, err);

	return rc ? rc : audit_public_key_load(path, pk, err);
}

static int verify_file(const struct audit_opts_cli *o, struct ac_err *err)
{
	unsigned char pk[AUDIT_PK_LEN];
	struct audit_report rep;
	FILE *f;
	ac_rc rc;

	if (!o->key) {
		ac_err_set(err, AC_ERR_USAGE, "--file needs --key KEY");
		return cli_fail(err);
	}
	if (audit_public_key_parse(o->key, pk, err))
		return cli_fail(err);
	f = strcmp(o->file, "-") ? fopen(o->file, "rb") : stdin;
	if (!f) {
		ac_err_set(err, AC_ERR_IO, "cannot open '%s': %s", o->file,
			   strerror(errno));
		return cli_fail(err);
	}
	rc = audit_verify_file(f, pk, &rep, err);
	if (f != stdin)
		fclose(f);
	return rc ? cli_fail(err) : print_report(&rep, "audit export");
}

static int verify_node(struct node *n, struct audit *a,
		       const struct audit_opts_cli *o, struct ac_err *err)
{
	unsigned char pk[AUDIT_PK_LEN];
	struct audit_report rep;
	ac_rc rc = o->key ? audit_public_key_parse(o->key, pk, err)
			  : node_key(n, pk, err);

	if (!rc)
		rc = audit_verify(a, pk, &rep, err);
	return rc ? cli_fail(err) : print_report(&rep, "audit log");
}

static int export_log(struct audit *a, const struct audit_opts_cli *o,
		      struct ac_err *err)
{
	int64_t from = 0, to = 0;
	uint64_t n = 0;
	FILE *f = stdout;
	ac_rc rc;

	if (parse_ts("--from", o->from, &from, err) ||
	    parse_ts("--to", o->to, &to, err))
		return cli_fail(err);
	if (o->output && !(f = fopen(o->output, "wx"))) {
		ac_err_set(err, AC_ERR_IO, "cannot create '%s': %s", o->output,
			   strerror(errno));
		return cli_fail(err);
	}
	rc = audit_export(a, from, to, f, &n, err);
	if (f != stdout && fclose(f) && !rc)
		rc = ac_err_set(err, AC_ERR_IO, "cannot write '%s': %s",
				o->output, strerror(errno));
	if (rc)
		return cli_fail(err);
	fprintf(stderr, "exported %llu audit entries\n", (unsigned long long)n);
	return EXIT_OK;
}

static int print_entry(const json_t *e, void *ctx)
{
	const struct audit_opts_cli *o = ctx;
	const json_t *ids = json_object_get(e, "object_ids");
	const json_t *actor = json_object_get(e, "actor");

	if (o->json) {
		json_dumpf(e, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
		return 0;
	}
	printf("%-6lld %s %s:%s %s %s", (long long)json_integer_value(json_object_get(e, "seq")),
	       json_string_value(json_object_get(e, "time")),
	       json_string_value(json_object_get(actor, "kind")),
	       json_string_value(json_object_get(actor, "name")),
	       json_string_value(json_object_get(e, "action")),
	       json_string_value(json_object_get(e, "outcome")));
	printf(" objects=%lld",
	       (long long)json_integer_value(json_object_get(e, "object_count")));
	if (json_array_size(ids))
		printf(" [%s%s]", json_string_value(json_array_get(ids, 0)),
		       json_array_size(ids) > 1 ? ",..." : "");
	static const char *const extra[] = { "channel", "purpose", "case",
					     "query", "detail" };
	for (size_t i = 0; i < AC_ARRAY_LEN(extra); i++) {
		const char *v = json_string_value(json_object_get(e, extra[i]));
		if (v && *v)
			printf(" %s=\"%s\"", extra[i], v);
	}
	putchar('\n');
	return 0;
}

static int run(const char *sub, struct audit_opts_cli *o, struct ac_err *err)
{
	unsigned char pk[AUDIT_PK_LEN];
	char b64[64];
	struct node *n = NULL;
	struct audit *a = NULL;
	uint64_t removed = 0;
	int64_t before = 0;
	int code = EXIT_OK;

	if (!strcmp(sub, "verify") && o->file)
		return verify_file(o, err);
	if (cli_open_node(o->node, &n, err))
		return cli_fail(err);
	if (!strcmp(sub, "key")) {
		if (node_key(n, pk, err)) {
			code = cli_fail(err);
		} else {
			sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
					  sodium_base64_VARIANT_ORIGINAL);
			printf("%s\n", b64);
		}
		goto out;
	}
	if (cli_audit_open(n, &a, err)) {
		code = cli_fail(err);
	} else if (!strcmp(sub, "verify")) {
		code = verify_node(n, a, o, err);
	} else if (!strcmp(sub, "export")) {
		code = export_log(a, o, err);
	} else if (!strcmp(sub, "show")) {
		if (parse_ts("--since", o->since, &o->filter.since_us, err) ||
		    audit_show(a, &o->filter, print_entry, o, err))
			code = cli_fail(err);
	} else if (!strcmp(sub, "checkpoint")) {
		if (audit_checkpoint(a, err))
			code = cli_fail(err);
	} else {
		struct audit_entry who = { .actor_kind = AUDIT_ACTOR_CLI,
					   .actor = cli_os_user(),
					   .channel = "cli" };
		if (parse_ts("--before", o->before, &before, err) ||
		    node_key(n, pk, err) ||
		    audit_prune(a, pk, before, &who, &removed, err))
			code = cli_fail(err);
		else
			fprintf(stderr, "pruned %llu audit entries\n",
				(unsigned long long)removed);
	}
out:
	audit_close(a);
	node_close(n);
	return code;
}

/* Which options each subcommand takes (letters as in getopt below). */
static bool option_allowed(const char *sub, int ch)
{
	static const struct {
		const char *sub, *opts;
	} allowed[] = {
		{ "verify", "fk" },    { "export", "FTo" },
		{ "show", "OaXsLj" }, { "prune", "B" },
		{ "checkpoint", "" },  { "key", "" },
	};
	for (size_t i = 0; i < AC_ARRAY_LEN(allowed); i++)
		if (!strcmp(sub, allowed[i].sub))
			return ch == 'N' || strchr(allowed[i].opts, ch);
	return false;
}

static int parse_opt(const char *sub, int ch, struct audit_opts_cli *o)
{
	char *end;
	long limit;

	if (!option_allowed(sub, ch)) {
		cli_error("option not valid for 'audit %s'", sub);
		return EXIT_USAGE;
	}
	switch (ch) {
	case 'N': o->node = optarg; break;
	case 'f': o->file = optarg; break;
	case 'k': o->key = optarg; break;
	case 'F': o->from = optarg; break;
	case 'T': o->to = optarg; break;
	case 'o': o->output = optarg; break;
	case 'O': o->filter.object_id = optarg; break;
	case 'a': o->filter.actor = optarg; break;
	case 's': o->since = optarg; break;
	case 'B': o->before = optarg; break;
	case 'j': o->json = true; break;
	case 'X':
		if (!audit_action_parse(optarg, &o->filter.action)) {
			cli_error("unknown audit action '%s'", optarg);
			return EXIT_USAGE;
		}
		o->filter.has_action = true;
		break;
	case 'L':
		limit = strtol(optarg, &end, 10);
		if (*end || limit < 1 || limit > 1000000) {
			cli_error("--limit must be 1 to 1000000");
			return EXIT_USAGE;
		}
		o->filter.limit = (size_t)limit;
		break;
	default:
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, 0, 'f' },
		{ "key", required_argument, 0, 'k' },
		{ "from", required_argument, 0, 'F' },
		{ "to", required_argument, 0, 'T' },
		{ "output", required_argument, 0, 'o' },
		{ "object", required_argument, 0, 'O' },
		{ "actor", required_argument, 0, 'a' },
		{ "action", required_argument, 0, 'X' },
		{ "since", required_argument, 0, 's' },
		{ "limit", required_argument, 0, 'L' },
		{ "json", no_argument, 0, 'j' },
		{ "before", required_argument, 0, 'B' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct audit_opts_cli o = { 0 };
	struct ac_err err = { 0 };
	const char *sub;
	int ch;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (!option_allowed(sub, 'N')) {
		cli_error("unknown audit command '%s'", sub);
		return cli_usage_hint("audit");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "f:k:F:T:o:O:a:X:s:L:jB:N:h",
				 opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (ch == '?' || parse_opt(sub, ch, &o))
			return cli_usage_hint("audit");
	}
	if (optind != argc - 1) {
		cli_error("unexpected argument '%s'", argv[optind + 1]);
		return cli_usage_hint("audit");
	}
	if (!strcmp(sub, "prune") && !o.before) {
		cli_error("'audit prune' needs --before TS");
		return cli_usage_hint("audit");
	}
	return run(sub, &o, &err);
}
