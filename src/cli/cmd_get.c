#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

static const char help[] =
	"usage: accord get ID [--all-versions] [--purpose TEXT] [--case REF]\n"
	"                [--as USER | --as-partner NAME] [--node DIR]\n\n"
	"Prints the newest version of object ID as JSON, or with --all-versions\n"
	"a JSON array of every version in the order the node added them. Exit code 4 when the node\n"
	"holds no such object. The read is recorded in the audit trail (a\n"
	"consult entry, with --purpose and --case when given) before the\n"
	"object is printed. An object the viewer may not see is reported as\n"
	"absent.\n" CLI_VIEW_HELP;

struct get_ctx {
	json_t *versions;
	const struct policy_view *view;
};

/* Keeps the versions the viewer may see (redacted where marked). */
static int collect(const struct store_row *row, void *vctx)
{
	struct get_ctx *c = vctx;
	json_t *o = policy_view_row(c->view, row);

	if (o)
		json_array_append_new(c->versions, o);
	return 0;
}

struct get_args {
	const char *id;
	bool all;
	const char *purpose, *case_ref;
	struct cli_view_args view;
};

/* Records the consult (found or not) before anything is printed. */
static ac_rc audit_get(const struct node *n, const struct get_args *g,
		       bool found, struct ac_err *err)
{
	struct audit_entry e = { .action = AUDIT_CONSULT,
				 .object_ids = &g->id,
				 .nobject_ids = found ? 1 : 0,
				 .channel = "get",
				 .purpose = g->purpose,
				 .case_ref = g->case_ref,
				 .query = g->id,
				 .outcome = found ? AUDIT_OK : AUDIT_ERROR,
				 .detail = found ? "" : "not found" };

	return cli_audit_record(n, &e, err);
}

static ac_rc run_get(struct node *n, const struct get_args *g,
		     struct ac_err *err)
{
	const char *id = g->id;
	bool all = g->all;
	struct policy_view view;
	struct get_ctx c = { json_array(), &view };
	struct store_query q = { 0 };
	const char *ids[1] = { id };
	json_t *out;
	ac_rc rc;

	rc = cli_view_open(n, &g->view, &view, err);
	if (rc) {
		json_decref(c.versions);
		return rc;
	}
	q.ids = ids;
	q.nids = 1;
	q.versions = all ? STORE_VERSIONS_ALL : STORE_VERSIONS_LAST;
	rc = store_query(n->store, &q, collect, &c, err);
	policy_view_release(&view);
	if (!rc)
		rc = audit_get(n, g, json_array_size(c.versions) > 0, err);
	if (!rc && json_array_size(c.versions) == 0)
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no object '%s' on this node",
				id);
	if (!rc) {
		out = all ? c.versions : json_array_get(c.versions, 0);
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	}
	json_decref(c.versions);
	return rc;
}

int cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-versions", no_argument, 0, 'A' },
		{ "purpose", required_argument, 0, 'p' },
		{ "case", required_argument, 0, 'c' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		CLI_VIEW_OPTIONS,
		{ 0, 0, 0, 0 }
	};
	const char *node_flag = NULL;
	struct ac_err err = { 0 };
	struct node *n = NULL;
	struct get_args g = { NULL, false, NULL, NULL, { NULL, NULL } };
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "Ap:c:N:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'A') {
			g.all = true;
		} else if (ch == 'p') {
			g.purpose = optarg;
		} else if (ch == 'c') {
			g.case_ref = optarg;
		} else if (ch == 'N') {
			node_flag = optarg;
		} else if (!cli_view_option(ch, optarg, &g.view)) {
			return cli_usage_hint("get");
		}
	}
	if (optind != argc - 1) {
		cli_error("get needs exactly one ID");
		return cli_usage_hint("get");
	}
	if (!strstr(argv[optind], "--")) {
		cli_error("'%s' is not a STIX id (type--uuid)", argv[optind]);
		return cli_usage_hint("get");
	}
	g.id = argv[optind];
	if (cli_open_node(node_flag, &n, &err)) {
		code = cli_fail(&err);
	} else if (run_get(n, &g, &err)) {
		code = cli_fail(&err);
		if (err.rc == AC_ERR_NOTFOUND)
			code = EXIT_NOTFOUND;
	}
	node_close(n);
	return code;
}
