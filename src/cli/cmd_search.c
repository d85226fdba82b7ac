#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

static const char help[] =
	"usage: accord search TEXT [--limit N] [--json] [--purpose TEXT]\n"
	"                   [--case REF] [--as USER | --as-partner NAME]\n"
	"                   [--node DIR]\n\n"
	"Full-text search over the names, descriptions and other text of the\n"
	"stored objects (newest version of each). TEXT is plain words; search\n"
	"syntax characters are taken literally. Prints id, type and name, best\n"
	"match first; --json prints the matching objects as a JSON array.\n"
	"Default --limit 20 (at most 1000). The search, its text and the ids\n"
	"it returns are recorded in the audit trail before they are shown.\n"
	"Only objects the viewer may see are matched.\n" CLI_VIEW_HELP;

struct search_ctx {
	bool json;
	json_t *hits; /* every hit's object, printed after the audit entry */
	struct audit_ids ids;
	uint64_t n;
	size_t limit;
	const struct policy_view *view;
	ac_rc rc;
};

static const char *label_of(const json_t *o)
{
	static const char *const keys[] = { "name", "value", "number", "plate",
					    "relationship_type", "pattern" };
	for (size_t i = 0; i < AC_ARRAY_LEN(keys); i++) {
		const char *s = json_string_value(json_object_get(o, keys[i]));
		if (s)
			return s;
	}
	return "";
}

static int collect_hit(const struct store_row *row, void *vctx)
{
	struct search_ctx *c = vctx;
	json_t *o = policy_view_row(c->view, row);

	if (!o)
		return 0; /* not visible: as if it did not match */
	c->n++;
	if (json_array_append_new(c->hits, o) || audit_ids_add(&c->ids, row->id)) {
		c->rc = AC_ERR_NOMEM;
		return 1;
	}
	return c->n >= c->limit;
}

static void print_hits(const struct search_ctx *c)
{
	size_t i;
	json_t *o;

	if (c->json) {
		json_dumpf(c->hits, stdout, JSON_INDENT(2));
		putchar('\n');
		return;
	}
	json_array_foreach(c->hits, i, o) {
		printf("%s\t%s\t%s\n",
		       json_string_value(json_object_get(o, "id")),
		       json_string_value(json_object_get(o, "type")),
		       label_of(o));
	}
}

static ac_rc run_search(struct node *n, const char *text,
			const struct cli_view_args *va, const char *purpose,
			const char *case_ref, struct search_ctx *c,
			struct ac_err *err)
{
	struct audit_entry e = { .action = AUDIT_CONSULT, .channel = "search",
				 .purpose = purpose, .case_ref = case_ref,
				 .query = text };
	struct policy_view view;
	ac_rc rc = cli_view_open(n, va, &view, err);

	if (rc)
		return rc;
	c->view = &view;
	/* no store limit: hidden hits are skipped until `limit` are visible */
	rc = store_search(n->store, text, 0, collect_hit, c, err);
	policy_view_release(&view);
	c->view = NULL;

	if (!rc && c->rc)
		rc = ac_err_set(err, c->rc, "out of memory");
	if (rc)
		return rc;
	e.object_ids = (const char *const *)c->ids.ids;
	e.nobject_ids = c->ids.n;
	e.object_count = c->ids.count;
	return cli_audit_record(n, &e, err);
}

int cmd_search(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, 0, 'l' },
		{ "json", no_argument, 0, 'j' },
		{ "purpose", required_argument, 0, 'p' },
		{ "case", required_argument, 0, 'c' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		CLI_VIEW_OPTIONS,
		{ 0, 0, 0, 0 }
	};
	struct search_ctx c = { 0 };
	struct cli_view_args va = { NULL, NULL };
	const char *node_flag = NULL, *purpose = NULL, *case_ref = NULL;
	struct ac_err err = { 0 };
	struct node *n = NULL;
	long limit = 20;
	char *end;
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "l:jp:c:N:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 'l':
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 1000) {
				cli_error("--limit must be 1 to 1000");
				return cli_usage_hint("search");
			}
			break;
		case 'j':
			c.json = true;
			break;
		case 'p':
			purpose = optarg;
			break;
		case 'c':
			case_ref = optarg;
			break;
		case 'N':
			node_flag = optarg;
			break;
		default:
			if (!cli_view_option(ch, optarg, &va))
				return cli_usage_hint("search");
		}
	}
	if (optind != argc - 1) {
		cli_error("search needs exactly one TEXT argument (quote it)");
		return cli_usage_hint("search");
	}
	c.hits = json_array();
	c.limit = (size_t)limit;
	audit_ids_init(&c.ids);
	if (cli_open_node(node_flag, &n, &err) ||
	    run_search(n, argv[optind], &va, purpose, case_ref, &c, &err)) {
		code = cli_fail(&err);
	} else {
		print_hits(&c);
		if (!c.n && !c.json)
			fprintf(stderr, "no matches for '%s'\n", argv[optind]);
	}
	json_decref(c.hits);
	audit_ids_release(&c.ids);
	node_close(n);
	return code;
}
