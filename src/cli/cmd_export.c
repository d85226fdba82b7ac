#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "base/time.h"
#include "base/uuid.h"
#include "stix/validate.h"

#define EXPORT_MAX_TYPES 64

static const char help[] =
	"usage: accord export [--type T]... [--added-after TIMESTAMP]\n"
	"                     [--all-versions] [--node DIR]\n\n"
	"Writes the newest version of each stored object (every version with\n"
	"--all-versions) to stdout as one STIX 2.1 bundle, streaming, in the\n"
	"order they were added. --type may be repeated. --added-after takes an\n"
	"RFC 3339 timestamp (e.g. 2026-01-01T00:00:00Z) and keeps objects the\n"
	"node added strictly later.\n";

struct export_ctx {
	FILE *out;
	uint64_t n;
};

static int write_row(const struct store_row *row, void *vctx)
{
	struct export_ctx *c = vctx;

	if (c->n++)
		fputs(",\n", c->out);
	fwrite(row->json, 1, row->json_len, c->out);
	return ferror(c->out) ? 1 : 0;
}

static ac_rc run_export(struct node *n, struct store_query *q,
			struct ac_err *err)
{
	struct export_ctx c = { stdout, 0 };
	char uuid[AC_UUID_STRLEN];
	ac_rc rc;

	ac_uuid_v4(uuid);
	printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[\n", uuid);
	rc = store_query(n->store, q, write_row, &c, err);
	if (rc)
		return rc;
	fputs("\n]}\n", stdout);
	if (fflush(stdout) || ferror(stdout))
		return ac_err_set(err, AC_ERR_IO, "cannot write to stdout");
	fprintf(stderr, "exported %llu objects\n", (unsigned long long)c.n);
	return AC_OK;
}

static ac_rc parse_after(const char *s, int64_t *us, struct ac_err *err)
{
	struct ac_ts ts;

	if (!ac_ts_parse(s, &ts))
		return ac_err_set(err, AC_ERR_USAGE,
				  "--added-after '%s' is not an RFC 3339 UTC "
				  "timestamp like 2026-01-01T00:00:00Z",
				  s);
	*us = ts.sec * 1000000 + ts.nsec / 1000;
	return AC_OK;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, 0, 't' },
		{ "added-after", required_argument, 0, 'a' },
		{ "all-versions", no_argument, 0, 'A' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *types[EXPORT_MAX_TYPES], *node_flag = NULL;
	struct store_query q = { 0 };
	struct ac_err err = { 0 };
	struct node *n = NULL;
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "t:a:AN:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 't':
			if (q.ntypes == EXPORT_MAX_TYPES) {
				cli_error("at most %d --type options",
					  EXPORT_MAX_TYPES);
				return EXIT_USAGE;
			}
			types[q.ntypes++] = optarg;
			break;
		case 'a':
			if (parse_after(optarg, &q.added_after_us, &err))
				return cli_fail(&err);
			break;
		case 'A':
			q.versions = STORE_VERSIONS_ALL;
			break;
		case 'N':
			node_flag = optarg;
			break;
		default:
			return cli_usage_hint("export");
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return cli_usage_hint("export");
	}
	q.types = types;
	if (cli_open_node(node_flag, &n, &err) || run_export(n, &q, &err))
		code = cli_fail(&err);
	node_close(n);
	return code;
}
