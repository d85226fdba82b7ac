#include "base/common.h"
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>

#include "base/time.h"
#include "policy/partners.h"

static const char help[] =
    "usage: accord agreement set PARTNER --areas LIST --max-tlp LEVEL\n"
    "                            --from DATE --until DATE\n"
    "                            [--retention-days N]\n"
    "                            [--onward-sharing none|green]\n"
    "       accord agreement show [PARTNER]\n"
    "(each also takes --node DIR and --help)\n\n"
    "Records the sharing agreement with a partner (docs/policy.md).\n"
    "  set   replaces the whole agreement. LIST is areas separated by\n"
    "        commas: drug-trafficking, organised-crime,\n"
    "        terrorism-violent-extremism, border-security,\n"
    "        human-trafficking, migrant-smuggling, weapons, cybercrime,\n"
    "        money-laundering, corruption, fraud, other. LEVEL is clear,\n"
    "        green, amber, amber+strict or red. DATE is YYYY-MM-DD (until\n"
    "        is inclusive) or 2027-01-01T00:00:00Z. N is 0 (no limit,\n"
    "        the default) to 36500. --onward-sharing says whether this\n"
    "        partner lets us pass its CLEAR/GREEN data on (default none).\n"
    "  show  every agreement (or PARTNER's) and whether it is in force\n";

struct agreement_opts {
	const char *node;
	const char *areas, *max_tlp, *from, *until, *retention, *onward;
};

static void format_day(int64_t us, char out[AC_TS_STRLEN])
{
	ac_ts_format_us(us, out);
	snprintf(out + 19, AC_TS_STRLEN - 19, "Z");
}

static int print_agreement(const struct store_agreement *a, void *ctx)
{
	char from[AC_TS_STRLEN], until[AC_TS_STRLEN];
	int64_t now = ac_now_us();
	const char *state = now < a->valid_from_us	 ? "not-yet"
			    : now >= a->valid_until_us ? "ended"
						       : "in-force";

	(void)ctx;
	format_day(a->valid_from_us, from);
	format_day(a->valid_until_us, until);
	printf("%-20s %-9s %-13s %-20s %-20s %-9d %-6s %s\n", a->partner, state,
	       a->max_tlp, from, until, a->retention_days, a->onward_sharing,
	       a->areas);
	return 0;
}

static ac_rc parse_days(const char *s, int *out, struct ac_err *err)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || end == s || *end || v < 0 ||
	    v > POLICY_RETENTION_DAYS_MAX)
		return ac_err_set(err, AC_ERR_PARSE,
				  "bad --retention-days '%.32s': give 0 to %d",
				  s ? s : "", POLICY_RETENTION_DAYS_MAX);
	*out = (int)v;
	return AC_OK;
}

static ac_rc build(const char *partner, const struct agreement_opts *o,
		   struct policy_agreement *a, struct ac_err *err)
{
	ac_rc rc;

	memset(a, 0, sizeof(*a));
	if (strlen(partner) > POLICY_NAME_MAX)
		return ac_err_set(err, AC_ERR_PARSE, "partner name too long");
	snprintf(a->partner, sizeof(a->partner), "%s", partner);
	rc = policy_areas_parse(o->areas, &a->areas, err);
	if (rc)
		return rc;
	if (!policy_tlp_parse(o->max_tlp, &a->max_tlp))
		return ac_err_set(err, AC_ERR_PARSE,
				  "bad --max-tlp '%.32s': give clear, green, "
				  "amber, amber+strict or red",
				  o->max_tlp);
	rc = policy_date_parse(o->from, false, &a->valid_from_us, err);
	if (!rc)
		rc = policy_date_parse(o->until, true, &a->valid_until_us, err);
	if (!rc && o->retention)
		rc = parse_days(o->retention, &a->retention_days, err);
	if (rc)
		return rc;
	if (!o->onward || !strcmp(o->onward, "none"))
		a->onward = POLICY_ONWARD_NONE;
	else if (!strcmp(o->onward, "green"))
		a->onward = POLICY_ONWARD_GREEN;
	else
		return ac_err_set(err, AC_ERR_PARSE,
				  "bad --onward-sharing '%.32s': give none or "
				  "green",
				  o->onward);
	return AC_OK;
}

static ac_rc set(struct node *n, const char *partner,
		 const struct agreement_opts *o, struct ac_err *err)
{
	struct policy_agreement a;
	struct ac_err aerr = {0};
	char what[512];
	ac_rc rc, arc;

	rc = build(partner, o, &a, err);
	if (rc)
		return rc;
	rc = policy_agreement_set(n->store, &a, err);
	snprintf(what, sizeof(what),
		 "agreement set %.64s areas=%.200s max_tlp=%s from=%s until=%s "
		 "retention_days=%d onward=%s",
		 partner, o->areas, policy_tlp_name(a.max_tlp), o->from,
		 o->until, a.retention_days,
		 a.onward == POLICY_ONWARD_GREEN ? "green" : "none");
	{
		struct audit_entry e = {.action = AUDIT_ADMIN_CHANGE,
					.channel = "cli",
					.query = what,
					.outcome = rc ? AUDIT_ERROR : AUDIT_OK,
					.detail = rc ? err->msg : ""};
		arc = cli_audit_record(n, &e, &aerr);
	}
	if (!rc && arc) {
		*err = aerr;
		rc = arc;
	}
	if (!rc)
		fprintf(stderr, "agreement with '%s' recorded\n", partner);
	return rc;
}

static ac_rc show(struct node *n, const char *partner, struct ac_err *err)
{
	struct store_agreement a;
	ac_rc rc = AC_OK;

	printf("%-20s %-9s %-13s %-20s %-20s %-9s %-6s %s\n", "PARTNER",
	       "STATE", "MAX-TLP", "FROM", "UNTIL", "RET-DAYS", "ONWARD",
	       "AREAS");
	if (!partner)
		return store_agreement_list(n->store, print_agreement, NULL,
					    err);
	rc = store_agreement_get(n->store, partner, &a, err);
	if (!rc)
		print_agreement(&a, NULL);
	return rc;
}

static ac_rc run(const char *sub, const char *partner,
		 const struct agreement_opts *o, struct ac_err *err)
{
	struct node *n = NULL;
	ac_rc rc;

	rc = cli_open_node(o->node, &n, err);
	if (rc)
		return rc;
	rc = !strcmp(sub, "set") ? set(n, partner, o, err)
				 : show(n, partner, err);
	node_close(n);
	return rc;
}

static int parse_opts(int argc, char **argv, struct agreement_opts *o)
{
	static const struct option opts[] = {
	    {"areas", required_argument, 0, 'a'},
	    {"max-tlp", required_argument, 0, 'm'},
	    {"from", required_argument, 0, 'f'},
	    {"until", required_argument, 0, 'u'},
	    {"retention-days", required_argument, 0, 'r'},
	    {"onward-sharing", required_argument, 0, 'o'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	int ch;

	while ((ch = getopt_long(argc, argv, "a:m:f:u:r:o:N:h", opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'h': fputs(help, stdout); return EXIT_OK;
		case 'a': o->areas = optarg; break;
		case 'm': o->max_tlp = optarg; break;
		case 'f': o->from = optarg; break;
		case 'u': o->until = optarg; break;
		case 'r': o->retention = optarg; break;
		case 'o': o->onward = optarg; break;
		case 'N': o->node = optarg; break;
		default: return cli_usage_hint("agreement");
		}
	}
	return -1;
}

int cmd_agreement(int argc, char **argv)
{
	struct agreement_opts o = {0};
	struct ac_err err = {0};
	const char *sub;
	bool is_set;
	int rc, nargs;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	is_set = !strcmp(sub, "set");
	if (!is_set && strcmp(sub, "show")) {
		cli_error("unknown agreement command '%s'", sub);
		return cli_usage_hint("agreement");
	}
	rc = parse_opts(argc - 1, argv + 1, &o);
	if (rc >= 0)
		return rc;
	nargs = argc - 1 - optind;
	if (is_set ? nargs != 1 : nargs > 1) {
		cli_error("wrong number of arguments for 'agreement %s'", sub);
		return cli_usage_hint("agreement");
	}
	if (is_set && (!o.areas || !o.max_tlp || !o.from || !o.until)) {
		cli_error("'agreement set' needs --areas, --max-tlp, --from "
			  "and --until");
		return cli_usage_hint("agreement");
	}
	if (!is_set && (o.areas || o.max_tlp || o.from || o.until ||
			o.retention || o.onward)) {
		cli_error("agreement terms are for 'agreement set'");
		return cli_usage_hint("agreement");
	}
	if (!run(sub, nargs ? argv[1 + optind] : NULL, &o, &err))
		return EXIT_OK;
	cli_fail(&err);
	if (err.rc == AC_ERR_PARSE)
		return cli_usage_hint("agreement");
	return err.rc == AC_ERR_NOTFOUND ? EXIT_NOTFOUND
					 : cli_exit_code(err.rc);
}
