#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

static const char help[] =
	"usage: accord search TEXT [--limit N] [--json] [--node DIR]\n\n"
	"Full-text search over the names, descriptions and other text of the\n"
	"stored objects (newest version of each). TEXT is plain words; search\n"
	"syntax characters are taken literally. Prints id, type and name, best\n"
	"match first; --json prints the matching objects as a JSON array.\n"
	"Default --limit 20 (at most 1000).\n";

struct search_ctx {
	bool json;
	json_t *hits;
	uint64_t n;
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

static int print_hit(const struct store_row *row, void *vctx)
{
	struct search_ctx *c = vctx;
	json_t *o = json_loadb(row->json, row->json_len, 0, NULL);

	c->n++;
	if (!o)
		return 0;
	if (c->json)
		json_array_append(c->hits, o);
	else
		printf("%s\t%s\t%s\n", row->id, row->type, label_of(o));
	json_decref(o);
	return 0;
}

int cmd_search(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, 0, 'l' },
		{ "json", no_argument, 0, 'j' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct search_ctx c = { false, NULL, 0 };
	const char *node_flag = NULL;
	struct ac_err err = { 0 };
	struct node *n = NULL;
	long limit = 20;
	char *end;
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "l:jN:h", opts, NULL)) != -1) {
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
		case 'N':
			node_flag = optarg;
			break;
		default:
			return cli_usage_hint("search");
		}
	}
	if (optind != argc - 1) {
		cli_error("search needs exactly one TEXT argument (quote it)");
		return cli_usage_hint("search");
	}
	c.hits = json_array();
	if (cli_open_node(node_flag, &n, &err) ||
	    store_search(n->store, argv[optind], (size_t)limit, print_hit, &c,
			 &err)) {
		code = cli_fail(&err);
	} else if (c.json) {
		json_dumpf(c.hits, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!c.n) {
		fprintf(stderr, "no matches for '%s'\n", argv[optind]);
	}
	json_decref(c.hits);
	node_close(n);
	return code;
}
