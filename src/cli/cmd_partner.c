#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "base/time.h"
#include "federation/card.h"
#include "federation/client.h"
#include "federation/sync.h"
#include "policy/partners.h"

static const char help[] =
    "usage: accord partner add NAME --identity identity--UUID [--title TEXT]\n"
    "       accord partner add NAME --card FILE [--title TEXT]\n"
    "       accord partner card NAME --card FILE\n"
    "       accord partner credentials NAME --token-file FILE\n"
    "       accord partner set NAME [--pull-interval SECONDS|off]\n"
    "                             [--push-interval SECONDS|off]\n"
    "       accord partner list\n"
    "(each also takes --node DIR and --help)\n\n"
    "Registers partner agencies (docs/policy.md).\n"
    "  add   NAME is 1 to 56 of a-z 0-9 . _ -; --identity is the partner's\n"
    "        STIX identity id. Also creates the system user partner.NAME\n"
    "        that 'accord token create --partner NAME' binds tokens to.\n"
    "        --card FILE registers the partner node's card ('accord node\n"
    "        card' there): its identity, signing key, TAXII URL and TLS pin,\n"
    "        which 'accord sync' needs. The title defaults to its name.\n"
    "        The partner and its card are registered together or not at all.\n"
    "  card  replaces the card of partner NAME (a new TLS key, signing key\n"
    "        or URL): it must carry the partner's registered identity.\n"
    "  credentials  stores the token THIS node uses to reach partner NAME\n"
    "        (created there with 'accord token create --partner'); FILE\n"
    "        must be mode 0600. Kept in DIR/keys/partners/NAME.token, 0600;\n"
    "        never printed or logged.\n"
    "  set   how often 'accord serve' pulls from and pushes to NAME (which\n"
    "        needs a card): SECONDS is 1 to 86400, off stops it. A new\n"
    "        link pulls every 60 s and pushes every 10 s (a push only runs\n"
    "        when local data changed). Takes effect within seconds.\n"
    "  list  name, identity, created and title of every partner\n";

struct partner_opts {
	const char *node;
	const char *identity;
	const char *title;
	const char *card;
	const char *token_file;
	const char *pull_interval;
	const char *push_interval;
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

static ac_rc read_card(const char *path, struct fed_card *c,
		       struct ac_err *err)
{
	char buf[FED_CARD_MAX_BYTES + 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return ac_err_set(err, AC_ERR_IO, "cannot open card '%s': %s",
				  path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(buf))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "card '%s' is larger than %d bytes", path,
				  FED_CARD_MAX_BYTES);
	if (fed_card_parse(buf, n, c, err)) {
		ac_err_prefix(err, "'%s'", path);
		return err->rc;
	}
	return AC_OK;
}

/* The link a card describes, for partner name. */
static void link_of(const char *name, const struct fed_card *c,
		    struct store_partner_link *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->url, sizeof(l->url), "%s", c->url);
	snprintf(l->pin, sizeof(l->pin), "%s", c->pin);
	memcpy(l->sign_pk, c->sign_pk, sizeof(l->sign_pk));
	l->created_us = ac_now_us();
}

static ac_rc add(struct node *n, const char *name, const struct partner_opts *o,
		 struct ac_err *err)
{
	char what[256];
	struct ac_err aerr = {0};
	struct fed_card card;
	struct store_partner_link link;
	const char *identity = o->identity, *title = o->title;
	ac_rc rc, arc;

	if (o->card) {
		rc = read_card(o->card, &card, err);
		if (rc)
			return rc;
		if (identity && strcmp(identity, card.identity_id))
			return ac_err_set(err, AC_ERR_INVALID,
					  "--identity '%s' is not the card's "
					  "identity '%s'",
					  identity, card.identity_id);
		identity = card.identity_id;
		title = title ? title : card.name;
	}
	if (o->card)
		link_of(name, &card, &link);
	rc = policy_partner_add_linked(n->store, name, identity, title,
				       o->card ? &link : NULL, err);
	snprintf(what, sizeof(what), "partner add %.64s identity=%.128s%s", name,
		 identity, o->card ? " card" : "");
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

/* Replaces a partner's link with its new card (a new TLS key, signing key
 * or URL); the card must be the same identity's. */
static ac_rc replace_card(struct node *n, const char *name,
			  const struct partner_opts *o, struct ac_err *err)
{
	struct store_partner p;
	struct store_partner_link link;
	struct fed_card card;
	struct ac_err aerr = {0};
	char what[160];
	ac_rc rc, arc;

	rc = store_partner_get(n->store, name, &p, err);
	if (!rc)
		rc = read_card(o->card, &card, err);
	if (!rc && strcmp(card.identity_id, p.identity_id))
		rc = ac_err_set(err, AC_ERR_INVALID,
				"the card is identity '%s', but partner '%s' "
				"is '%s'",
				card.identity_id, name, p.identity_id);
	if (!rc) {
		link_of(name, &card, &link);
		rc = store_partner_link_put(n->store, &link, err);
	}
	snprintf(what, sizeof(what), "partner card %.64s", name);
	arc = audit_change(n, what, rc, err, &aerr);
	if (rc)
		return rc;
	if (arc) {
		*err = aerr;
		return arc;
	}
	fprintf(stderr, "partner '%s': card replaced (URL %s, pin %s)\n", name,
		link.url, link.pin);
	return AC_OK;
}

static ac_rc credentials(struct node *n, const char *name,
			 const struct partner_opts *o, struct ac_err *err)
{
	char token[FED_TOKEN_MAX + 1], what[128];
	struct store_partner p;
	struct ac_err aerr = {0};
	ac_rc rc, arc;

	rc = store_partner_get(n->store, name, &p, err);
	if (rc)
		return rc;
	rc = fed_token_read(o->token_file, token, err);
	if (!rc)
		rc = fed_credentials_save(n, name, token, err);
	sodium_memzero(token, sizeof(token));
	snprintf(what, sizeof(what), "partner credentials %.64s", name);
	arc = audit_change(n, what, rc, err, &aerr);
	if (rc)
		return rc;
	if (arc) {
		*err = aerr;
		return arc;
	}
	fprintf(stderr, "stored credentials for partner '%s'\n", name);
	return AC_OK;
}

/* SECONDS (1..86400) or "off" (0). */
static ac_rc parse_interval(const char *flag, const char *v, uint32_t *out,
			    struct ac_err *err)
{
	char *end;
	long n;

	if (!strcmp(v, "off")) {
		*out = 0;
		return AC_OK;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 1 || n > 86400)
		return ac_err_set(err, AC_ERR_USAGE,
				  "%s '%s' must be 1 to 86400 seconds or off",
				  flag, v);
	*out = (uint32_t)n;
	return AC_OK;
}

static ac_rc set_intervals(struct node *n, const char *name,
			   const struct partner_opts *o, struct ac_err *err)
{
	struct store_partner_link l;
	struct ac_err aerr = {0};
	char what[160];
	ac_rc rc, arc;

	rc = store_partner_link_get(n->store, name, &l, err);
	if (!rc && o->pull_interval)
		rc = parse_interval("--pull-interval", o->pull_interval,
				    &l.pull_interval_s, err);
	if (!rc && o->push_interval)
		rc = parse_interval("--push-interval", o->push_interval,
				    &l.push_interval_s, err);
	if (!rc)
		rc = store_partner_link_intervals(n->store, name,
						  l.pull_interval_s,
						  l.push_interval_s, err);
	snprintf(what, sizeof(what),
		 "partner set %.64s pull-interval=%u push-interval=%u", name,
		 (unsigned)l.pull_interval_s, (unsigned)l.push_interval_s);
	arc = audit_change(n, what, rc, err, &aerr);
	if (rc)
		return rc;
	if (arc) {
		*err = aerr;
		return arc;
	}
	fprintf(stderr, "partner '%s': pull every %u s, push every %u s "
			"(0 = off)\n",
		name, (unsigned)l.pull_interval_s, (unsigned)l.push_interval_s);
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
	} else if (!strcmp(sub, "card")) {
		rc = replace_card(n, name, o, err);
	} else if (!strcmp(sub, "credentials")) {
		rc = credentials(n, name, o, err);
	} else if (!strcmp(sub, "set")) {
		rc = set_intervals(n, name, o, err);
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
	    {"card", required_argument, 0, 'c'},
	    {"token-file", required_argument, 0, 'f'},
	    {"pull-interval", required_argument, 0, 'P'},
	    {"push-interval", required_argument, 0, 'U'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct partner_opts o = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	struct ac_err err = {0};
	const char *sub;
	int ch, nargs;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") &&
	    strcmp(sub, "credentials") && strcmp(sub, "set") &&
	    strcmp(sub, "card")) {
		cli_error("unknown partner command '%s'", sub);
		return cli_usage_hint("partner");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "i:t:c:f:N:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'i') {
			o.identity = optarg;
		} else if (ch == 't') {
			o.title = optarg;
		} else if (ch == 'c') {
			o.card = optarg;
		} else if (ch == 'f') {
			o.token_file = optarg;
		} else if (ch == 'P') {
			o.pull_interval = optarg;
		} else if (ch == 'U') {
			o.push_interval = optarg;
		} else if (ch == 'N') {
			o.node = optarg;
		} else {
			return cli_usage_hint("partner");
		}
	}
	nargs = argc - 1 - optind;
	if (nargs != (strcmp(sub, "list") ? 1 : 0)) {
		cli_error("wrong number of arguments for 'partner %s'", sub);
		return cli_usage_hint("partner");
	}
	if (!strcmp(sub, "add") && !o.identity && !o.card) {
		cli_error("'partner add' needs --identity identity--UUID or "
			  "--card FILE");
		return cli_usage_hint("partner");
	}
	if (strcmp(sub, "add") && (o.identity || o.title)) {
		cli_error("--identity and --title are for 'partner add'");
		return cli_usage_hint("partner");
	}
	if (!strcmp(sub, "card") != !!o.card && strcmp(sub, "add")) {
		cli_error("--card is for 'partner add' and 'partner card', "
			  "which needs it");
		return cli_usage_hint("partner");
	}
	if (!strcmp(sub, "credentials") != !!o.token_file) {
		cli_error("--token-file is for, and needed by, 'partner "
			  "credentials'");
		return cli_usage_hint("partner");
	}
	if (!strcmp(sub, "set") != !!(o.pull_interval || o.push_interval)) {
		cli_error("--pull-interval and --push-interval are for, and "
			  "one is needed by, 'partner set'");
		return cli_usage_hint("partner");
	}
	if (!run(sub, nargs ? argv[1 + optind] : NULL, &o, &err))
		return EXIT_OK;
	return cli_fail(&err);
}
