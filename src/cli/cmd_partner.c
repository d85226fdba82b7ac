#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "base/time.h"
#include "policy/partners.h"

static const char help[] =
    "usage: accord partner add NAME --identity identity--UUID [--title TEXT]\n"
    "       accord partner list\n"
    "(each also takes --node DIR and --help)\n\n"
    "Registers partner agencies (docs/policy.md).\n"
    "  add   NAME is 1 to 56 of a-z 0-9 . _ -; --identity is the partner's\n"
    "        STIX identity id. Also creates the system user partner.NAME\n"
    "        that 'accord token create --partner NAME' binds tokens to.\n"
    "  list  name, identity, created and title of every partner\n";

struct partner_opts {
	const char *node;
	const char *identity;
	const char *title;
};

/* Records an admin change after it was made (or failed). */
static ac_rc audit_change(const struct node *n, const char *what, ac_rc result,
			  const struct ac_err *result_err, struct ac_err *err)
{
	struct audit_entry e = {.action = AUDIT_ADMIN_CHANGE,
				.channel = "cli",
				.query = what,
				.outcome = result ? AUDIT_ERROR : AUDIT_OK,
				.detail = result ? result_err->msg : ""};

	return cli_audit_record(n, &e, err);
}

static int print_partner(const struct store_partner *p, void *ctx)
{
	char created[AC_TS_STRLEN];

	(void)ctx;
	ac_ts_format_us(p->created_us, created);
	snprintf(created + 19, sizeof(created) - 19, "Z");
	printf("%-20s %-47s %-20s %s\n", p->name, p->identity_id, created,
	       p->title);
	return 0;
}

static ac_rc add(struct node *n, const char *name, const struct partner_opts *o,
		 struct ac_err *err)
{
	char what[256];
	struct ac_err aerr = {0};
	ac_rc rc, arc;

	rc = policy_partner_add(n->store, name, o->identity, o->title, err);
	snprintf(what, sizeof(what), "partner add %.64s identity=%.128s", name,
		 o->identity);
	arc = audit_change(n, what, rc, err, &aerr);
	if (rc)
		return rc;
	if (arc) {
		*err = aerr;
		return arc;
	}
	fprintf(stderr, "added partner '%s' (token user '%s%s')\n", name,
		POLICY_PARTNER_USER_PREFIX, name);
	return AC_OK;
}

static ac_rc run(const char *sub, const char *name,
		 const struct partner_opts *o, struct ac_err *err)
{
	struct node *n = NULL;
	ac_rc rc;

	rc = cli_open_node(o->node, &n, err);
	if (rc)
		return rc;
	if (!strcmp(sub, "add")) {
		rc = add(n, name, o, err);
	} else {
		printf("%-20s %-47s %-20s %s\n", "NAME", "IDENTITY", "CREATED",
		       "TITLE");
		rc = store_partner_list(n->store, print_partner, NULL, err);
	}
	node_close(n);
	return rc;
}

int cmd_partner(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"identity", required_argument, 0, 'i'},
	    {"title", required_argument, 0, 't'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct partner_opts o = {NULL, NULL, NULL};
	struct ac_err err = {0};
	const char *sub;
	int ch, nargs;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list")) {
		cli_error("unknown partner command '%s'", sub);
		return cli_usage_hint("partner");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "i:t:N:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'i') {
			o.identity = optarg;
		} else if (ch == 't') {
			o.title = optarg;
		} else if (ch == 'N') {
			o.node = optarg;
		} else {
			return cli_usage_hint("partner");
		}
	}
	nargs = argc - 1 - optind;
	if (nargs != (strcmp(sub, "add") ? 0 : 1)) {
		cli_error("wrong number of arguments for 'partner %s'", sub);
		return cli_usage_hint("partner");
	}
	if (!strcmp(sub, "add") && !o.identity) {
		cli_error("'partner add' needs --identity identity--UUID");
		return cli_usage_hint("partner");
	}
	if (strcmp(sub, "add") && (o.identity || o.title)) {
		cli_error("--identity and --title are for 'partner add'");
		return cli_usage_hint("partner");
	}
	if (!run(sub, nargs ? argv[1 + optind] : NULL, &o, &err))
		return EXIT_OK;
	return cli_fail(&err);
}
