#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <sodium.h>

#include "auth/auth.h"
#include "base/time.h"
#include "policy/partners.h"

static const char help[] =
    "usage: accord token create USER [--expires WHEN] [--purpose TEXT]\n"
    "       accord token create --partner NAME [--expires WHEN] [--purpose TEXT]\n"
    "       accord token list [USER]\n"
    "       accord token revoke ID\n"
    "(each also takes --node DIR and --help)\n\n"
    "Manages API tokens (HTTP 'Authorization: Bearer TOKEN').\n"
    "  create  makes a token for USER and prints it once on standard\n"
    "          output (its id and expiry go to standard error); it is\n"
    "          not stored and cannot be shown again.\n"
    "          WHEN is 30d, 12h, 90m (from now), a time such as\n"
    "          2027-01-01T00:00:00Z, or never; the default is 90d.\n"
    "          TEXT is the default purpose of requests made with it.\n"
    "          --partner makes a token for partner NAME (see 'accord\n"
    "          partner'): requests made with it act as that partner.\n"
    "  list    id, user, created, expires, revoked, last used and\n"
    "          purpose of every token (or USER's); never the secret\n"
    "  revoke  stops the token with this id from working\n";

struct token_opts {
	const char *node;
	const char *expires;
	const char *purpose;
	const char *partner;
};

/* "2026-01-02T03:04:05Z", or `none` for 0. */
static void format_time(int64_t us, const char *none, char out[AC_TS_STRLEN])
{
	if (!us) {
		snprintf(out, AC_TS_STRLEN, "%s", none);
		return;
	}
	ac_ts_format_us(us, out);
	snprintf(out + 19, AC_TS_STRLEN - 19, "Z");
}

static int print_token(const struct store_token *t, void *ctx)
{
	char created[AC_TS_STRLEN], expires[AC_TS_STRLEN];
	char revoked[AC_TS_STRLEN], used[AC_TS_STRLEN];

	(void)ctx;
	format_time(t->created_us, "-", created);
	format_time(t->expires_us, "never", expires);
	format_time(t->revoked_us, "-", revoked);
	format_time(t->last_used_us, "-", used);
	printf("%-16s  %-16s %-20s %-20s %-20s %-20s %s\n", t->id, t->user,
	       created, expires, revoked, used, t->purpose);
	return 0;
}

/* Records a token's creation or revocation before it is reported; a
 * token whose creation cannot be recorded is revoked again. */
static ac_rc audit_token(const struct node *n, enum audit_action action,
			 const char *id, const char *user, const char *purpose,
			 struct ac_err *err)
{
	char what[256];
	struct audit_entry e = { .action = action, .channel = "cli",
				 .query = what, .purpose = purpose };

	snprintf(what, sizeof(what), "token %s%s%s",
		 action == AUDIT_TOKEN_CREATE ? "create " : "revoke ", id,
		 user ? " user=" : "");
	if (user)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s",
			 user);
	return cli_audit_record(n, &e, err);
}

/* The user a partner's tokens belong to; the partner must exist. */
static ac_rc partner_user(struct node *n, const char *partner,
			  char user[POLICY_NAME_MAX + 1], struct ac_err *err)
{
	struct store_partner p;
	ac_rc rc = store_partner_get(n->store, partner, &p, err);

	if (rc == AC_ERR_NOTFOUND)
		return ac_err_set(err, AC_ERR_NOTFOUND,
				  "no partner '%.64s'; add it with 'accord "
				  "partner add'",
				  partner);
	if (!rc)
		policy_partner_user(partner, user);
	return rc;
}

static ac_rc create(struct node *n, const char *user,
		    const struct token_opts *o, struct ac_err *err)
{
	char token[AUTH_TOKEN_BUF], id[AUTH_TOKEN_ID_BUF];
	char when[AC_TS_STRLEN], puser[POLICY_NAME_MAX + 1];
	int64_t now = ac_now_us(), expires = AUTH_EXPIRES_DEFAULT;
	ac_rc rc = AC_OK;

	token[0] = '\0';
	if (o->partner) {
		rc = partner_user(n, o->partner, puser, err);
		user = puser;
	}
	if (!rc && o->expires)
		rc = auth_parse_expires(o->expires, now, &expires, err);
	if (!rc)
		rc = auth_token_create(n->store, user, expires, o->partner,
				       o->purpose, token, id, err);
	if (!rc && (rc = audit_token(n, AUDIT_TOKEN_CREATE, id, user,
				     o->purpose, err))) {
		struct ac_err rerr = { 0 };
		auth_token_revoke(n->store, id, &rerr);
	}
	if (rc)
		goto out;
	printf("%s\n", token);
	fflush(stdout);
	if (expires == AUTH_EXPIRES_DEFAULT)
		expires = now + AUTH_TOKEN_DEFAULT_LIFETIME_US;
	format_time(expires == AUTH_EXPIRES_NEVER ? 0 : expires, "never", when);
	fprintf(stderr,
		"token id %s for '%s', expires %s\n"
		"keep the token now: it is not stored and cannot be shown "
		"again\n",
		id, user, when);
out:
	sodium_memzero(token, sizeof(token));
	return rc;
}

static ac_rc run(const char *sub, const char *arg, const struct token_opts *o,
		 struct ac_err *err)
{
	struct node *n = NULL;
	ac_rc rc;

	rc = cli_open_node(o->node, &n, err);
	if (rc)
		return rc;
	if (!strcmp(sub, "create")) {
		rc = create(n, arg, o, err);
	} else if (!strcmp(sub, "revoke")) {
		rc = auth_token_revoke(n->store, arg, err);
		if (!rc)
			rc = audit_token(n, AUDIT_TOKEN_REVOKE, arg, NULL, NULL,
					 err);
		if (!rc)
			fprintf(stderr, "revoked token %s\n", arg);
	} else {
		printf("%-16s  %-16s %-20s %-20s %-20s %-20s %s\n", "ID",
		       "USER", "CREATED", "EXPIRES", "REVOKED", "LAST-USED",
		       "PURPOSE");
		rc = store_token_list(n->store, arg, print_token, NULL, err);
	}
	node_close(n);
	return rc;
}

static bool arg_count_ok(const char *sub, int nargs)
{
	if (!strcmp(sub, "list"))
		return nargs <= 1;
	return nargs == 1;
}

int cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"expires", required_argument, 0, 'e'},
	    {"purpose", required_argument, 0, 'p'},
	    {"partner", required_argument, 0, 'P'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct token_opts o = {NULL, NULL, NULL, NULL};
	struct ac_err err = {0};
	const char *sub;
	int ch, nargs;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "create") && strcmp(sub, "list") &&
	    strcmp(sub, "revoke")) {
		cli_error("unknown token command '%s'", sub);
		return cli_usage_hint("token");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "e:p:P:N:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'e') {
			o.expires = optarg;
		} else if (ch == 'p') {
			o.purpose = optarg;
		} else if (ch == 'P') {
			o.partner = optarg;
		} else if (ch == 'N') {
			o.node = optarg;
		} else {
			return cli_usage_hint("token");
		}
	}
	nargs = argc - 1 - optind;
	if (o.partner && (strcmp(sub, "create") || nargs != 0)) {
		cli_error("--partner is for 'token create' without a USER");
		return cli_usage_hint("token");
	}
	if (!o.partner && !arg_count_ok(sub, nargs)) {
		cli_error("wrong number of arguments for 'token %s'", sub);
		return cli_usage_hint("token");
	}
	if ((o.expires || o.purpose) && strcmp(sub, "create")) {
		cli_error("--expires and --purpose are for 'token create'");
		return cli_usage_hint("token");
	}
	if (!run(sub, nargs ? argv[1 + optind] : NULL, &o, &err))
		return EXIT_OK;
	cli_fail(&err);
	if (err.rc == AC_ERR_PARSE)
		return cli_usage_hint("token"); /* a bad --expires */
	return err.rc == AC_ERR_NOTFOUND ? EXIT_NOTFOUND
					 : cli_exit_code(err.rc);
}
