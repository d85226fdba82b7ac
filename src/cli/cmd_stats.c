#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

static const char help[] =
	"usage: accord stats [--json] [--as USER | --as-partner NAME]\n"
	"                    [--node DIR]\n\n"
	"Prints what the node holds: objects and versions per STIX type, and\n"
	"totals, counting only what the viewer may see. --json prints one JSON\n"
	"object.\n" CLI_VIEW_HELP;

struct stats_ctx {
	json_t *types;
	uint64_t objects, versions;
	const struct policy_view *view;
	const char *field; /* "objects" or "versions" being counted */
};

/* Counts one visible row under its type. */
static int count_row(const struct store_row *row, void *vctx)
{
	struct stats_ctx *c = vctx;
	json_t *t, *v;

	if (!policy_view_allows(c->view, row))
		return 0;
	t = json_object_get(c->types, row->type);
	if (!t) {
		t = json_pack("{s:I, s:I}", "objects", (json_int_t)0,
			      "versions", (json_int_t)0);
		if (!t || json_object_set_new(c->types, row->type, t))
			return 1;
	}
	v = json_object_get(t, c->field);
	json_integer_set(v, json_integer_value(v) + 1);
	if (*c->field == 'o')
		c->objects++;
	else
		c->versions++;
	return 0;
}

static ac_rc count_visible(struct node *n, const struct cli_view_args *va,
			   struct stats_ctx *c, struct ac_err *err)
{
	struct store_query q = { 0 };
	struct policy_view view;
	ac_rc rc = cli_view_open(n, va, &view, err);

	if (rc)
		return rc;
	c->view = &view; // cppcheck-suppress autoVariables
	c->field = "objects";
	q.versions = STORE_VERSIONS_LAST;
	rc = store_query(n->store, &q, count_row, c, err);
	c->field = "versions";
	q.versions = STORE_VERSIONS_ALL;
	if (!rc)
		rc = store_query(n->store, &q, count_row, c, err);
	policy_view_release(&view);
	c->view = NULL;
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_text(const struct node *n, const struct stats_ctx *c)
{
	size_t k = 0, count = json_object_size(c->types);
	const char **names = calloc(count ? count : 1, sizeof(*names));
	const char *type;
	json_t *v;

	printf("node:     %s (%s)\n", n->cfg.org, n->cfg.identity_id);
	printf("%-28s %10s %10s\n", "type", "objects", "versions");
	if (!names)
		return;
	json_object_foreach(c->types, type, v) {
		names[k++] = type;
	}
	qsort(names, k, sizeof(*names), by_name);
	for (size_t i = 0; i < k; i++) {
		v = json_object_get(c->types, names[i]);
		printf("%-28s %10lld %10lld\n", names[i],
		       (long long)json_integer_value(json_object_get(v, "objects")),
		       (long long)json_integer_value(json_object_get(v, "versions")));
	}
	printf("%-28s %10llu %10llu\n", "total", (unsigned long long)c->objects,
	       (unsigned long long)c->versions);
	free(names);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		CLI_VIEW_OPTIONS,
		{ 0, 0, 0, 0 }
	};
	struct cli_view_args va = { NULL, NULL };
	struct stats_ctx c = { 0 };
	const char *node_flag = NULL;
	struct ac_err err = { 0 };
	struct node *n = NULL;
	bool as_json = false;
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "jN:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'j') {
			as_json = true;
		} else if (ch == 'N') {
			node_flag = optarg;
		} else if (!cli_view_option(ch, optarg, &va)) {
			return cli_usage_hint("stats");
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return cli_usage_hint("stats");
	}
	c.types = json_object();
	if (cli_open_node(node_flag, &n, &err) ||
	    count_visible(n, &va, &c, &err)) {
		code = cli_fail(&err);
	} else if (as_json) {
		json_t *o = json_pack("{s:s, s:s, s:O, s:I, s:I}", "org",
				      n->cfg.org, "identity", n->cfg.identity_id,
				      "types", c.types, "objects",
				      (json_int_t)c.objects, "versions",
				      (json_int_t)c.versions);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(o);
	} else {
		print_text(n, &c);
	}
	json_decref(c.types);
	node_close(n);
	return code;
}
