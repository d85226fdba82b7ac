#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "base/time.h"
#include "federation/push.h"
#include "federation/sync.h"

static const char help[] =
    "usage: accord sync pull PARTNER [--limit N] [--retries N]\n"
    "       accord sync push PARTNER [--limit N] [--retries N] [--from-start]\n"
    "       accord sync status [PARTNER]\n"
    "(each also takes --node DIR and --help)\n\n"
    "Exchanges data with partner nodes over TAXII 2.1 (HTTPS, the partner's\n"
    "TLS key pinned from its card; docs/internals/federation.md).\n"
    "  pull    fetches what PARTNER shares with this node, from where the\n"
    "          last pull stopped, and ingests it as source partner:PARTNER.\n"
    "          --limit N objects per page (default 1000), --retries N extra\n"
    "          attempts after network failures (default 3, backoff doubling\n"
    "          from 0.5 s). Objects whose provenance signature fails are\n"
    "          rejected and logged. Exit 1 on failure (a TLS pin mismatch is\n"
    "          always a failure); pages stored before a failure stay.\n"
    "  push    sends PARTNER every object version in its view (the access\n"
    "          decision for PARTNER, as for its own reads) added since the\n"
    "          last push, in batches (--limit N objects, default and at\n"
    "          most 1000) POSTed to its writable collection. Objects it\n"
    "          refuses are logged and counted, not retried. --from-start\n"
    "          sends the whole view again (the partner counts duplicates),\n"
    "          e.g. after an agreement was widened. Refused while no\n"
    "          agreement with PARTNER is in force. Exit 1 on failure.\n"
    "  status  per partner: pull (last success, last error, lag, and per\n"
    "          collection the watermark and count), push (watermark, last\n"
    "          success, last error, objects accepted and refused) and the\n"
    "          serve-loop intervals.\n";

struct sync_args {
	const char *node;
	struct fed_pull_opts o;
	struct fed_push_opts po;
};

static int pull(struct node *n, const char *partner,
		const struct fed_pull_opts *o, struct ac_err *err)
{
	struct fed_pull_stats st;
	struct audit *a = NULL;
	ac_rc rc;

	rc = cli_audit_open(n, &a, err);
	if (rc)
		return rc;
	rc = fed_pull(n, a, partner, o, &st, err);
	audit_close(a);
	fprintf(stderr,
		"pulled from '%s': %" PRIu64 " collections, %" PRIu64
		" pages, %" PRIu64 " accepted, %" PRIu64 " duplicates, %" PRIu64
		" rejected, %" PRIu64 " bad signatures\n",
		partner, st.collections, st.pages, st.accepted, st.duplicates,
		st.rejected, st.bad_signatures);
	return rc;
}

static int push(struct node *n, const char *partner,
		const struct fed_push_opts *o, struct ac_err *err)
{
	struct fed_push_stats st;
	struct audit *a = NULL;
	ac_rc rc;

	rc = cli_audit_open(n, &a, err);
	if (rc)
		return rc;
	rc = fed_push(n, a, partner, o, &st, err);
	audit_close(a);
	fprintf(stderr,
		"pushed to '%s': %" PRIu64 " batches, %" PRIu64
		" sent, %" PRIu64 " accepted, %" PRIu64 " refused, %" PRIu64
		" withheld\n",
		partner, st.batches, st.sent, st.accepted, st.failed,
		st.withheld);
	return rc;
}

static void format_time(int64_t us, char out[AC_TS_STRLEN])
{
	if (!us) {
		snprintf(out, AC_TS_STRLEN, "never");
		return;
	}
	ac_ts_format_us(us, out);
	snprintf(out + 19, AC_TS_STRLEN - 19, "Z");
}

static int print_state(const struct store_sync_state *s, void *ctx)
{
	char ok[AC_TS_STRLEN];

	(void)ctx;
	format_time(s->last_success_us, ok);
	if (!s->collection[0]) {
		printf("partner %s\n  last success: %s\n", s->partner, ok);
		if (s->last_success_us)
			printf("  lag: %" PRId64 " s\n",
			       (ac_now_us() - s->last_success_us) / 1000000);
		else
			printf("  lag: unknown (never synced)\n");
		printf("  last error: %s\n  received: %" PRIu64 "\n",
		       s->last_error[0] ? s->last_error : "none", s->received);
	} else {
		printf("  collection %s watermark %s received %" PRIu64 "\n",
		       s->collection, s->watermark[0] ? s->watermark : "-",
		       s->received);
	}
	return 0;
}

static void print_interval(const char *what, uint32_t s)
{
	if (s)
		printf("  %s interval: %" PRIu32 " s\n", what, s);
	else
		printf("  %s interval: off\n", what);
}

/* Push state and serve-loop intervals of one partner. */
static int print_push(const struct store_partner *p, void *ctx)
{
	struct store *s = ctx;
	struct store_push_state ps;
	struct store_partner_link l;
	char ok[AC_TS_STRLEN], wm[AC_TS_STRLEN];

	memset(&ps, 0, sizeof(ps));
	if (store_push_get(s, p->name, &ps, NULL) &&
	    store_partner_link_get(s, p->name, &l, NULL))
		return 0; /* neither pushed to nor linked */
	format_time(ps.last_success_us, ok);
	format_time(ps.watermark_us, wm);
	printf("push %s\n  watermark: %s\n  last success: %s\n"
	       "  last error: %s\n  accepted: %" PRIu64 "\n  refused: %" PRIu64
	       "\n",
	       p->name, ps.watermark_us ? wm : "start", ok,
	       ps.last_error[0] ? ps.last_error : "none", ps.sent, ps.failed);
	if (!store_partner_link_get(s, p->name, &l, NULL)) {
		print_interval("pull", l.pull_interval_s);
		print_interval("push", l.push_interval_s);
	}
	return 0;
}

static ac_rc status(struct node *n, const char *partner, struct ac_err *err)
{
	struct store_partner p;
	ac_rc rc = store_sync_list(n->store, partner, print_state, NULL, err);

	if (rc || !partner)
		return rc ? rc : store_partner_list(n->store, print_push,
						    n->store, err);
	rc = store_partner_get(n->store, partner, &p, err);
	if (!rc)
		print_push(&p, n->store);
	return rc;
}

static ac_rc run(const char *sub, const char *partner,
		 const struct sync_args *a, struct ac_err *err)
{
	struct node *n = NULL;
	ac_rc rc;

	rc = cli_open_node(a->node, &n, err);
	if (rc)
		return rc;
	if (!strcmp(sub, "pull"))
		rc = pull(n, partner, &a->o, err);
	else if (!strcmp(sub, "push"))
		rc = push(n, partner, &a->po, err);
	else
		rc = status(n, partner, err);
	node_close(n);
	return rc;
}

static bool parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-' && *out <= max;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"limit", required_argument, 0, 'l'},
	    {"retries", required_argument, 0, 'r'},
	    {"from-start", no_argument, 0, 's'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct sync_args a = {.node = NULL,
			      .o = fed_pull_opts_default(),
			      .po = fed_push_opts_default()};
	struct ac_err err = {0};
	unsigned long v;
	const char *sub;
	int ch, nargs;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "pull") && strcmp(sub, "push") &&
	    strcmp(sub, "status")) {
		cli_error("unknown sync command '%s'", sub);
		return cli_usage_hint("sync");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "l:r:sN:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'l' && parse_count(optarg, 100000, &v) && v &&
			   (strcmp(sub, "push") || v <= FED_PUSH_BATCH_MAX)) {
			a.o.page_limit = v;
			a.po.batch_max = v;
		} else if (ch == 'r' && parse_count(optarg, 10, &v)) {
			a.o.retries = (unsigned)v;
			a.po.retries = (unsigned)v;
		} else if (ch == 's' && !strcmp(sub, "push")) {
			a.po.from_start = true;
		} else if (ch == 'N') {
			a.node = optarg;
		} else {
			if (ch == 'l' || ch == 'r')
				cli_error("--%s '%s' is out of range",
					  ch == 'l' ? "limit" : "retries",
					  optarg);
			return cli_usage_hint("sync");
		}
	}
	nargs = argc - 1 - optind;
	if (strcmp(sub, "status") ? nargs != 1 : nargs > 1) {
		cli_error("wrong number of arguments for 'sync %s'", sub);
		return cli_usage_hint("sync");
	}
	if (!run(sub, nargs ? argv[1 + optind] : NULL, &a, &err))
		return EXIT_OK;
	return cli_fail(&err);
}
