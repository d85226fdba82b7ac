#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <inttypes.h>

#include "base/time.h"
#include "federation/erasure.h"

static const char help[] =
    "usage: accord erase ID --reason TEXT\n"
    "       accord erase deliver [PARTNER]\n"
    "       accord erase status ID\n"
    "       accord erase list\n"
    "(each also takes --node DIR and --help)\n\n"
    "Erasure with propagation to partner nodes\n"
    "(docs/internals/federation.md, Erasure).\n"
    "  ID       erases every version of object ID and everything that names\n"
    "           it (index, names, correlations, alerts, collection\n"
    "           membership) in one transaction, records the erasure and an\n"
    "           audit `erase` entry, queues a signed erasure notice for each\n"
    "           partner the object was disclosed to, then tries to deliver\n"
    "           the notices. --reason is required (at most 1024 bytes).\n"
    "           Exit 4 for an object the node does not hold, 1 for one it\n"
    "           may not erase (marking definitions, shipped definitions,\n"
    "           the node's own identity). Notices that cannot be delivered\n"
    "           yet stay queued; the erasure still succeeds.\n"
    "  deliver  sends the queued notices and confirmations (to PARTNER\n"
    "           only, if given); exit 1 if some could not be delivered\n"
    "           (they are retried on the next run).\n"
    "  status   per partner: when the notice about ID was sent, attempts,\n"
    "           last error, when the partner confirmed; also the\n"
    "           confirmations this node owes about ID.\n"
    "  list     the erasures this node carried out.\n";

static void format_time(int64_t us, char out[AC_TS_STRLEN])
{
	if (!us) {
		snprintf(out, AC_TS_STRLEN, "never");
		return;
	}
	ac_ts_format_us(us, out);
	snprintf(out + 19, AC_TS_STRLEN - 19, "Z");
}

/* ---- erase ID ---- */

struct erase_ctx {
	struct audit *a;
	char detail[AUDIT_FIELD_MAX + 1];
};

static ac_rc audit_erase(const struct fed_erase_req *r,
			 const struct fed_erase_result *res, void *ctx,
			 struct ac_err *err)
{
	struct erase_ctx *x = ctx;
	const char *ids[1] = {r->object_id};
	struct audit_entry e = {.actor_kind = AUDIT_ACTOR_CLI,
				.actor = r->actor,
				.action = AUDIT_ERASE,
				.object_ids = ids,
				.nobject_ids = 1,
				.channel = "cli",
				.outcome = AUDIT_OK,
				.detail = x->detail};

	snprintf(x->detail, sizeof(x->detail),
		 "erased %" PRIu64 " version(s); notice %s queued for %zu "
		 "partner(s); reason: %s",
		 res->versions, res->notice_id, res->notified, r->reason);
	return audit_append(x->a, &e, err);
}

static void deliver_now(struct node *n, struct audit *a)
{
	struct fed_outbox_stats st = {0};
	struct ac_err err = {0};

	if (fed_outbox_deliver(n, a, NULL, false, &st, &err))
		fprintf(stderr,
			"accord: not every notice could be delivered yet: %s; "
			"they stay queued ('accord erase deliver' retries)\n",
			err.msg);
	else
		fprintf(stderr,
			"delivered %" PRIu64 " message(s) to %" PRIu64
			" partner(s)\n",
			st.sent, st.partners);
}

static ac_rc erase_one(struct node *n, const char *id, const char *reason,
		       struct ac_err *err)
{
	struct erase_ctx x = {0};
	struct fed_erase_req r = {.object_id = id,
				  .reason = reason,
				  .actor = cli_os_user(),
				  .self_identity = n->cfg.identity_id,
				  .now_us = ac_now_us()};
	struct fed_erase_result res = {0};
	ac_rc rc;

	rc = fed_erase_check_id(id, n->cfg.identity_id, err);
	if (!rc)
		rc = cli_audit_open(n, &x.a, err);
	if (!rc)
		rc = fed_erase(n->store, &r, audit_erase, &x, &res, err);
	if (!rc) {
		printf("erased %" PRIu64 " version(s) of '%s'; notice %s "
		       "queued for %zu partner(s)\n",
		       res.versions, id, res.notice_id, res.notified);
		fflush(stdout);
		if (res.notified)
			deliver_now(n, x.a);
	}
	audit_close(x.a);
	return rc;
}

/* ---- deliver ---- */

static ac_rc deliver(struct node *n, const char *partner, struct ac_err *err)
{
	struct fed_outbox_stats st = {0};
	struct audit *a = NULL;
	ac_rc rc;

	rc = cli_audit_open(n, &a, err);
	if (!rc)
		rc = fed_outbox_deliver(n, a, partner, false, &st, err);
	audit_close(a);
	fprintf(stderr,
		"delivered %" PRIu64 " erasure message(s) to %" PRIu64
		" partner(s); %" PRIu64 " not delivered\n",
		rc && !st.partners ? 0 : st.sent, st.partners, st.failed);
	return rc;
}

/* ---- status, list ---- */

static int print_erasure(const struct store_erasure *e, void *ctx)
{
	char at[AC_TS_STRLEN];

	(void)ctx;
	format_time(e->created_us, at);
	printf("erasure of %s at %s by %s (%s%s): %" PRIu64
	       " version(s); origin %s\n  notice %s\n  reason: %s\n",
	       e->object_id, at, e->actor,
	       e->from_partner[0] ? "notice from partner " : "local",
	       e->from_partner, e->versions, e->origin, e->notice_id,
	       e->reason);
	return 0;
}

static int print_row(const struct store_outbox *o, void *ctx)
{
	char sent[AC_TS_STRLEN], conf[AC_TS_STRLEN];
	size_t *n = ctx;

	(*n)++;
	format_time(o->sent_us, sent);
	format_time(o->confirmed_us, conf);
	if (o->kind == STORE_OUTBOX_NOTICE) {
		printf("partner %s: sent %s, attempts %" PRIu32
		       ", last error %s, confirmed %s\n",
		       o->partner, sent, o->attempts,
		       o->last_error[0] ? o->last_error : "none", conf);
		if (o->versions[0])
			printf("  versions: %s\n", o->versions);
	} else
		printf("confirmation to %s of %s: sent %s, attempts %" PRIu32
		       ", last error %s\n",
		       o->partner, o->notice_ref, sent, o->attempts,
		       o->last_error[0] ? o->last_error : "none");
	return 0;
}

static int count_erasure(const struct store_erasure *e, void *ctx)
{
	(void)e;
	(*(size_t *)ctx)++;
	return print_erasure(e, NULL);
}

static ac_rc status(struct node *n, const char *id, struct ac_err *err)
{
	size_t erasures = 0, rows = 0;
	ac_rc rc;

	rc = store_erasure_list(n->store, id, count_erasure, &erasures, err);
	if (!rc)
		rc = store_outbox_list(n->store, id, NULL, false, 0, print_row,
				       &rows, err);
	if (!rc && !erasures && !rows)
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"no erasure of '%s' is recorded on this node",
				id);
	else if (!rc && !rows)
		printf("no partner was notified\n");
	return rc;
}

static ac_rc run(const char *sub, const char *arg, const char *reason,
		 const char *node_flag, struct ac_err *err)
{
	struct node *n = NULL;
	ac_rc rc;

	rc = cli_open_node(node_flag, &n, err);
	if (rc)
		return rc;
	if (!strcmp(sub, "deliver"))
		rc = deliver(n, arg, err);
	else if (!strcmp(sub, "status"))
		rc = status(n, arg, err);
	else if (!strcmp(sub, "list"))
		rc = store_erasure_list(n->store, NULL, print_erasure, NULL,
					err);
	else
		rc = erase_one(n, sub, reason, err);
	node_close(n);
	return rc;
}

/* Checks the argument count of a subcommand; prints the error. */
static bool args_ok(const char *sub, int nargs, const char *reason)
{
	bool erase = strcmp(sub, "deliver") && strcmp(sub, "status") &&
		     strcmp(sub, "list");

	if (sub[0] == '-') {
		cli_error("name the object (or deliver, status, list) before "
			  "the options");
		return false;
	}

	if (erase && !reason) {
		cli_error("erasing '%s' needs --reason TEXT", sub);
		return false;
	}
	if (!erase && reason) {
		cli_error("--reason belongs to 'accord erase ID'");
		return false;
	}
	if ((erase || !strcmp(sub, "list")) ? nargs != 0
	    : !strcmp(sub, "status")	    ? nargs != 1
					    : nargs > 1) {
		cli_error("wrong number of arguments for 'erase %s'",
			  erase ? "ID" : sub);
		return false;
	}
	return true;
}

int cmd_erase(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"reason", required_argument, 0, 'r'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	const char *reason = NULL, *node_flag = NULL, *sub;
	struct ac_err err = {0};
	int ch, nargs, code;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	while ((ch = getopt_long(argc - 1, argv + 1, "r:N:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'r') {
			reason = optarg;
		} else if (ch == 'N') {
			node_flag = optarg;
		} else {
			return cli_usage_hint("erase");
		}
	}
	nargs = argc - 1 - optind;
	if (!args_ok(sub, nargs, reason))
		return cli_usage_hint("erase");
	if (!run(sub, nargs ? argv[1 + optind] : NULL, reason, node_flag, &err))
		return EXIT_OK;
	code = cli_fail(&err);
	/* an object or erasure that is not there; not missing credentials */
	if (err.rc == AC_ERR_NOTFOUND && strcmp(sub, "deliver"))
		code = EXIT_NOTFOUND;
	return code;
}
