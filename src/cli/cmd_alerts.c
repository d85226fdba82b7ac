#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>

#include "base/time.h"
#include "index/correlate.h"

static const char help[] =
	"usage: accord alerts [--all] [--json] [--node DIR]\n"
	"       accord alerts --ack ID [--node DIR]\n\n"
	"Lists alerts: correlations between this node's own data and a\n"
	"partner's, or between two partners' data, oldest first. Without --all\n"
	"only alerts nobody has acknowledged. --ack ID marks one acknowledged\n"
	"(by the OS user running the command); acknowledging twice keeps the\n"
	"first.\n\n"
	"Only alerts whose both objects the local operator (an admin, who does\n"
	"not see RED objects that do not name them) may see are listed.\n"
	"Exit codes: 0 ok, 1 failure, 2 usage, 4 no such alert.\n";

/* Drops alerts with an object the local operator may not see. */
static ac_rc keep_visible(struct node *n, json_t *list, struct ac_err *err)
{
	struct cli_view_args va = { NULL, NULL };
	struct policy_view v;
	ac_rc rc = cli_view_open(n, &va, &v, err);

	if (rc)
		return rc;
	for (size_t i = json_array_size(list); i-- > 0;) {
		json_t *a = json_array_get(list, i);
		const char *x = json_string_value(json_object_get(a, "object_a"));
		const char *y = json_string_value(json_object_get(a, "object_b"));
		if (!x || !y || !policy_view_sees_id(&v, n->store, x) ||
		    !policy_view_sees_id(&v, n->store, y))
			json_array_remove(list, i);
	}
	policy_view_release(&v);
	return AC_OK;
}

static int add_alert(const struct store_alert *a, void *ctx)
{
	char created[AC_TS_STRLEN], acked[AC_TS_STRLEN] = "";
	const struct store_correlation *c = &a->corr;

	ac_ts_format_us(a->created_us, created);
	if (a->acked_us)
		ac_ts_format_us(a->acked_us, acked);
	json_array_append_new(
	    ctx,
	    json_pack("{s:I, s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:s, s:s*, "
		      "s:s*}",
		      "id", (json_int_t)a->id, "created", created, "kind",
		      c->kind, "value", c->value, "score", c->score,
		      "object_a", c->object_a, "source_a", c->source_a,
		      "object_b", c->object_b, "source_b", c->source_b,
		      "acked", a->acked_us ? acked : NULL, "acked_by",
		      a->acked_us ? a->acked_by : NULL));
	return 0;
}

static void print_alerts(const json_t *list)
{
	size_t i;
	json_t *a;

	if (!json_array_size(list)) {
		printf("no alerts\n");
		return;
	}
	json_array_foreach(list, i, a) {
		const char *acked = json_string_value(json_object_get(a, "acked"));
		printf("alert %lld  %s  %s %s\n  %s %s\n  %s %s\n",
		       (long long)json_integer_value(json_object_get(a, "id")),
		       json_string_value(json_object_get(a, "created")),
		       json_string_value(json_object_get(a, "kind")),
		       json_string_value(json_object_get(a, "value")),
		       json_string_value(json_object_get(a, "source_a")),
		       json_string_value(json_object_get(a, "object_a")),
		       json_string_value(json_object_get(a, "source_b")),
		       json_string_value(json_object_get(a, "object_b")));
		if (acked)
			printf("  acknowledged %s by %s\n", acked,
			       json_string_value(
				   json_object_get(a, "acked_by")));
	}
}

static bool parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return false;
	*out = v;
	return true;
}

int cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, 0, 'a' },
		{ "ack", required_argument, 0, 'k' },
		{ "json", no_argument, 0, 'j' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *node_flag = NULL, *ack = NULL;
	struct ac_err err = { 0 };
	struct node *n = NULL;
	bool as_json = false, all = false;
	int64_t ack_id = 0;
	json_t *list;
	int ch, code = EXIT_OK;
	ac_rc rc;

	while ((ch = getopt_long(argc, argv, "ak:jN:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'a') {
			all = true;
		} else if (ch == 'k') {
			ack = optarg;
		} else if (ch == 'j') {
			as_json = true;
		} else if (ch == 'N') {
			node_flag = optarg;
		} else {
			return cli_usage_hint("alerts");
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return cli_usage_hint("alerts");
	}
	if (ack && !parse_id(ack, &ack_id)) {
		cli_error("alert id '%s' is not a positive number", ack);
		return cli_usage_hint("alerts");
	}
	if (cli_open_node(node_flag, &n, &err))
		return cli_fail(&err);
	if (ack) {
		rc = store_alert_ack(n->store, ack_id, cli_os_user(),
				     ac_now_us(), &err);
		if (rc)
			code = cli_fail(&err);
		else
			printf("alert %" PRId64 " acknowledged\n", ack_id);
		node_close(n);
		return code;
	}
	list = json_array();
	rc = corr_alerts(n->store, 0, all, 0, add_alert, list, &err);
	if (!rc)
		rc = keep_visible(n, list, &err);
	if (rc) {
		code = cli_fail(&err);
	} else if (as_json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_alerts(list);
	}
	json_decref(list);
	node_close(n);
	return code;
}
