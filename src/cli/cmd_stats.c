#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

static const char help[] =
	"usage: accord stats [--json] [--node DIR]\n\n"
	"Prints what the node holds: objects and versions per STIX type, and\n"
	"totals. --json prints one JSON object.\n";

struct stats_ctx {
	json_t *types;
	uint64_t objects, versions;
};

static int add_type(const struct store_type_count *tc, void *vctx)
{
	struct stats_ctx *c = vctx;

	json_object_set_new(c->types, tc->type,
			    json_pack("{s:I, s:I}", "objects",
				      (json_int_t)tc->objects, "versions",
				      (json_int_t)tc->versions));
	c->objects += tc->objects;
	c->versions += tc->versions;
	return 0;
}

static void print_text(const struct node *n, const struct stats_ctx *c)
{
	const char *type;
	json_t *v;

	printf("node:     %s (%s)\n", n->cfg.org, n->cfg.identity_id);
	printf("%-28s %10s %10s\n", "type", "objects", "versions");
	json_object_foreach(c->types, type, v) {
		printf("%-28s %10lld %10lld\n", type,
		       (long long)json_integer_value(json_object_get(v, "objects")),
		       (long long)json_integer_value(json_object_get(v, "versions")));
	}
	printf("%-28s %10llu %10llu\n", "total", (unsigned long long)c->objects,
	       (unsigned long long)c->versions);
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct stats_ctx c = { NULL, 0, 0 };
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
		} else {
			return cli_usage_hint("stats");
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return cli_usage_hint("stats");
	}
	c.types = json_object();
	if (cli_open_node(node_flag, &n, &err) ||
	    store_stats(n->store, add_type, &c, &err)) {
		code = cli_fail(&err);
	} else if (as_json) {
		json_t *o = json_pack("{s:s, s:s, s:O, s:I, s:I}", "org",
				      n->cfg.org, "identity", n->cfg.identity_id,
				      "types", c.types, "objects",
				      (json_int_t)c.objects, "versions",
				      (json_int_t)c.versions);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		print_text(n, &c);
	}
	json_decref(c.types);
	node_close(n);
	return code;
}
