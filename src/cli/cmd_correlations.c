#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>

#include "base/time.h"
#include "index/correlate.h"

static const char help[] =
	"usage: accord correlations ID [--json] [--as USER] [--node DIR]\n"
	"       accord correlations common [--json] [--node DIR]\n\n"
	"Lists what the identifier index matched object ID with: kind, value,\n"
	"score (1 exact, below 1 weaker, e.g. an address inside a block), the\n"
	"other object's id and source, and whether the match crosses sources\n"
	"(those also raised an alert; see 'accord alerts').\n"
	"'common' lists the values that occur too often to correlate\n"
	"([correlation] max_occurrences) for an administrator to review.\n\n"
	"Only correlations whose both objects the viewer may see are shown;\n"
	"an object the viewer may not see is reported as absent (exit 4).\n"
	"--as USER shows a user's view; by default the local operator's (an\n"
	"admin, who does not see RED objects that do not name them).\n"
	"Exit codes: 0 ok, 1 failure, 2 usage.\n";

static int add_match(const struct corr_match *m, void *ctx)
{
	json_array_append_new(
	    ctx, json_pack("{s:I, s:s, s:s, s:f, s:s, s:s, s:s, s:b}", "id",
			   (json_int_t)m->id, "kind", m->kind, "value",
			   m->value, "score", m->score, "source", m->source,
			   "other_id", m->other_id, "other_source",
			   m->other_source, "cross_source", m->cross_source));
	return 0;
}

/* Drops matches whose other object the viewer may not see. */
static void keep_visible(const struct policy_view *v, struct store *s,
			 json_t *list)
{
	for (size_t i = json_array_size(list); i-- > 0;) {
		const char *other = json_string_value(
		    json_object_get(json_array_get(list, i), "other_id"));
		if (!other || !policy_view_sees_id(v, s, other))
			json_array_remove(list, i);
	}
}

static ac_rc list_visible(struct node *n, const struct cli_view_args *va,
			  const char *id, json_t *list, struct ac_err *err)
{
	struct policy_view view;
	ac_rc rc = cli_view_open(n, va, &view, err);

	if (rc)
		return rc;
	if (!policy_view_sees_id(&view, n->store, id))
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"no object '%s' on this node", id);
	if (!rc)
		rc = corr_list(n->store, id, add_match, list, err);
	if (!rc)
		keep_visible(&view, n->store, list);
	policy_view_release(&view);
	return rc;
}

static int add_common(const struct store_common *c, void *ctx)
{
	char when[AC_TS_STRLEN];

	ac_ts_format_us(c->listed_us, when);
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:I, s:s}", "kind",
					     c->kind, "value", c->value,
					     "count", (json_int_t)c->count,
					     "listed", when));
	return 0;
}

static void print_matches(const json_t *list)
{
	size_t i;
	json_t *m;

	if (!json_array_size(list)) {
		printf("no correlations\n");
		return;
	}
	printf("%-12s %-32s %5s  %-18s %s\n", "kind", "value", "score",
	       "other source", "other object");
	json_array_foreach(list, i, m) {
		printf("%-12s %-32s %5.2f  %-18s %s%s\n",
		       json_string_value(json_object_get(m, "kind")),
		       json_string_value(json_object_get(m, "value")),
		       json_real_value(json_object_get(m, "score")),
		       json_string_value(json_object_get(m, "other_source")),
		       json_string_value(json_object_get(m, "other_id")),
		       json_is_true(json_object_get(m, "cross_source"))
			   ? "  (alert)"
			   : "");
	}
}

static void print_common(const json_t *list)
{
	size_t i;
	json_t *c;

	if (!json_array_size(list)) {
		printf("no common values\n");
		return;
	}
	printf("%-12s %-40s %8s  %s\n", "kind", "value", "count", "listed");
	json_array_foreach(list, i, c) {
		printf("%-12s %-40s %8lld  %s\n",
		       json_string_value(json_object_get(c, "kind")),
		       json_string_value(json_object_get(c, "value")),
		       (long long)json_integer_value(json_object_get(c, "count")),
		       json_string_value(json_object_get(c, "listed")));
	}
}

int cmd_correlations(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ "as", required_argument, 0, CLI_OPT_AS },
		{ 0, 0, 0, 0 }
	};
	struct cli_view_args va = { NULL, NULL };
	const char *node_flag = NULL, *what;
	struct ac_err err = { 0 };
	struct node *n = NULL;
	bool as_json = false, common;
	json_t *list = json_array();
	int ch, code = EXIT_OK;
	ac_rc rc;

	while ((ch = getopt_long(argc, argv, "jN:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			json_decref(list);
			return EXIT_OK;
		} else if (ch == 'j') {
			as_json = true;
		} else if (ch == 'N') {
			node_flag = optarg;
		} else if (ch != CLI_OPT_AS || !cli_view_option(ch, optarg, &va)) {
			json_decref(list);
			return cli_usage_hint("correlations");
		}
	}
	if (optind + 1 != argc) {
		cli_error(optind == argc ? "give an object id or 'common'"
					 : "unexpected argument '%s'",
			  argv[argc - 1]);
		json_decref(list);
		return cli_usage_hint("correlations");
	}
	what = argv[optind];
	common = !strcmp(what, "common");
	rc = cli_open_node(node_flag, &n, &err);
	if (!rc)
		rc = common ? store_common_list(n->store, add_common, list, &err)
			    : list_visible(n, &va, what, list, &err);
	if (rc) {
		code = cli_fail(&err);
		if (rc == AC_ERR_NOTFOUND)
			code = EXIT_NOTFOUND;
	} else if (as_json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (common) {
		print_common(list);
	} else {
		print_matches(list);
	}
	json_decref(list);
	node_close(n);
	return code;
}
