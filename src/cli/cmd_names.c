#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include "names/search.h"

static const char help[] =
    "usage: accord names search NAME [--top K] [--json] [--purpose TEXT]\n"
    "                          [--case REF] [--as USER | --as-partner NAME]\n"
    "                          [--node DIR]\n\n"
    "Finds the persons whose names match NAME across scripts (Latin,\n"
    "Cyrillic, Persian/Arabic) and transliterations: identity names,\n"
    "aliases and the names of the person extension. Prints score, id and\n"
    "the matched name, best first; --json prints\n"
    "{\"matches\":[{\"id\",\"name\",\"score\"}]}. A score of 0.85 or more is "
    "a\n"
    "probable match. Default --top 10 (at most 100). The search, its text\n"
    "and the ids it returns are recorded in the audit trail before they\n"
    "are shown. Only persons the viewer may see are matched.\n" CLI_VIEW_HELP;

struct names_args {
	const char *name, *purpose, *case_ref, *node;
	struct cli_view_args va;
	size_t top;
	bool json;
};

static void print_matches(const struct names_hit *h, size_t n, bool json)
{
	json_t *list, *doc;

	if (!json) {
		for (size_t i = 0; i < n; i++)
			printf("%.3f\t%s\t%s\n", h[i].score, h[i].ref,
			       h[i].name);
		return;
	}
	list = json_array();
	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:f}", "id", h[i].ref, "name",
				    h[i].name, "score", h[i].score));
	doc = json_pack("{s:o}", "matches", list);
	if (doc)
		json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(doc);
}

/* Searches through the viewer's access decision, then records the
 * consult entry (before anything is shown). */
static ac_rc run_names_search(struct node *n, const struct names_args *a,
			      struct names_hit *hits, size_t *nhits,
			      struct ac_err *err)
{
	struct audit_entry e = {.action = AUDIT_CONSULT,
				.channel = "names-search",
				.purpose = a->purpose,
				.case_ref = a->case_ref,
				.query = a->name};
	struct audit_ids ids;
	struct policy_view view;
	ac_rc rc = cli_view_open(n, &a->va, &view, err);

	if (rc)
		return rc;
	rc = names_search_visible(n->store, &view, a->name, a->top, hits, nhits,
				  err);
	policy_view_release(&view);
	if (rc)
		return rc;
	audit_ids_init(&ids);
	for (size_t i = 0; i < *nhits && !rc; i++)
		if (audit_ids_add(&ids, hits[i].ref))
			rc = ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	e.object_ids = (const char *const *)ids.ids;
	e.nobject_ids = ids.n;
	e.object_count = ids.count;
	if (!rc)
		rc = cli_audit_record(n, &e, err);
	audit_ids_release(&ids);
	return rc;
}

static int parse_args(int argc, char **argv, struct names_args *a)
{
	static const struct option opts[] = {
	    {"top", required_argument, 0, 't'},
	    {"json", no_argument, 0, 'j'},
	    {"purpose", required_argument, 0, 'p'},
	    {"case", required_argument, 0, 'c'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    CLI_VIEW_OPTIONS,
	    {0, 0, 0, 0}};
	long top;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "t:jp:c:N:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(help, stdout);
			return -1;
		case 't':
			top = strtol(optarg, &end, 10);
			if (*end || top < 1 || top > NAMES_SEARCH_TOP_MAX) {
				cli_error("--top must be 1 to %d",
					  NAMES_SEARCH_TOP_MAX);
				return cli_usage_hint("names");
			}
			a->top = (size_t)top;
			break;
		case 'j':
			a->json = true;
			break;
		case 'p':
			a->purpose = optarg;
			break;
		case 'c':
			a->case_ref = optarg;
			break;
		case 'N':
			a->node = optarg;
			break;
		default:
			if (!cli_view_option(ch, optarg, &a->va))
				return cli_usage_hint("names");
		}
	}
	if (optind != argc - 1) {
		cli_error("names search needs exactly one NAME argument "
			  "(quote it)");
		return cli_usage_hint("names");
	}
	a->name = argv[optind];
	return EXIT_OK;
}

static int names_search(int argc, char **argv)
{
	struct names_args a = {.top = 10};
	struct names_hit *hits = NULL;
	struct ac_err err = {0};
	struct node *n = NULL;
	size_t nhits = 0;
	int code = parse_args(argc, argv, &a);

	if (code)
		return code < 0 ? EXIT_OK : code;
	hits = calloc(a.top, sizeof(*hits));
	if (!hits) {
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	if (cli_open_node(a.node, &n, &err) ||
	    run_names_search(n, &a, hits, &nhits, &err)) {
		code = cli_fail(&err);
	} else {
		print_matches(hits, nhits, a.json);
		if (!nhits && !a.json)
			fprintf(stderr, "no matches for '%s'\n", a.name);
	}
	free(hits);
	node_close(n);
	return code;
}

int cmd_names(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "search"))
		return names_search(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return EXIT_OK;
	}
	cli_error("names needs a subcommand: search");
	return cli_usage_hint("names");
}
