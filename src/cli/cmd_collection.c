/* accord collection: add and list TAXII collections. */
#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "auth/auth.h"
#include "base/time.h"
#include "base/uuid.h"

static const char help[] =
    "usage: accord collection add NAME --title TEXT [--description TEXT]\n"
    "                          [--scope own|partners|all|inbox]\n"
    "                          [--read ROLES] [--write ROLES]\n"
    "       accord collection list\n"
    "(each also takes --node DIR and --help)\n\n"
    "A TAXII collection is a view over the node's store:\n"
    "  own       objects recorded at this node (the default)\n"
    "  partners  objects received from partner nodes\n"
    "  all       everything\n"
    "  inbox     only objects written into this collection over TAXII\n"
    "Objects written into any writable collection are stored as this\n"
    "node's own and also recorded in that collection.\n"
    "ROLES is a comma-separated list of analyst, supervisor, admin,\n"
    "auditor; the default is analyst,supervisor,admin for both. Users\n"
    "whose role may neither read nor write a collection do not see it.\n";

static const char *const scope_names[] = {
    [STORE_SCOPE_OWN] = "own",
    [STORE_SCOPE_PARTNERS] = "partners",
    [STORE_SCOPE_ALL] = "all",
    [STORE_SCOPE_INBOX] = "inbox",
};

struct coll_opts {
	const char *node, *title, *description, *scope, *read, *write;
};

static ac_rc parse_scope(const char *s, enum store_scope *out,
			 struct ac_err *err)
{
	for (size_t i = 0; i < AC_ARRAY_LEN(scope_names); i++) {
		if (!strcmp(s, scope_names[i])) {
			*out = (enum store_scope)i;
			return AC_OK;
		}
	}
	return ac_err_set(err, AC_ERR_USAGE,
			  "unknown scope '%s'; use own, partners, all or inbox",
			  s);
}

static ac_rc fill(struct store_collection *c, const char *name,
		  const struct coll_opts *o, struct ac_err *err)
{
	auth_role_mask r, w;
	ac_rc rc = AC_OK;

	if (!auth_user_name_valid(name))
		return ac_err_set(err, AC_ERR_USAGE,
				  "bad collection name '%s': use 1 to 64 of "
				  "a-z, 0-9, '.', '_' and '-'",
				  name);
	if (!o->title || !o->title[0])
		return ac_err_set(err, AC_ERR_USAGE,
				  "collection add needs --title TEXT");
	if (strlen(o->title) > STORE_TITLE_MAX ||
	    (o->description && strlen(o->description) > STORE_DESCRIPTION_MAX))
		return ac_err_set(err, AC_ERR_USAGE,
				  "title (%d) or description (%d bytes) too "
				  "long",
				  STORE_TITLE_MAX, STORE_DESCRIPTION_MAX);
	memset(c, 0, sizeof(*c));
	ac_uuid_v4(c->id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->title, sizeof(c->title), "%s", o->title);
	snprintf(c->description, sizeof(c->description), "%s",
		 o->description ? o->description : "");
	c->created_us = ac_now_us();
	rc = parse_scope(o->scope ? o->scope : "own", &c->scope, err);
	if (!rc)
		rc = auth_role_mask_parse(
		    o->read ? o->read : "analyst,supervisor,admin", &r, err);
	if (!rc)
		rc = auth_role_mask_parse(
		    o->write ? o->write : "analyst,supervisor,admin", &w, err);
	if (rc)
		return rc == AC_ERR_PARSE ? (err->rc = AC_ERR_USAGE) : rc;
	c->read_roles = r;
	c->write_roles = w;
	return AC_OK;
}

static int print_one(const struct store_collection *c, void *ctx)
{
	char r[AUTH_ROLE_MASK_STRLEN], w[AUTH_ROLE_MASK_STRLEN];

	(void)ctx;
	auth_role_mask_format(c->read_roles, r);
	auth_role_mask_format(c->write_roles, w);
	printf("%-36s  %-16s %-8s %-28s %-28s %s\n", c->id, c->name,
	       scope_names[c->scope], r[0] ? r : "-", w[0] ? w : "-", c->title);
	return 0;
}

static ac_rc run(const char *sub, const char *name, const struct coll_opts *o,
		 struct ac_err *err)
{
	struct store_collection c;
	struct node *n = NULL;
	ac_rc rc;

	if (!strcmp(sub, "add")) {
		rc = fill(&c, name, o, err);
		if (rc)
			return rc;
	}
	rc = cli_open_node(o->node, &n, err);
	if (rc)
		return rc;
	if (!strcmp(sub, "add")) {
		char what[STORE_NAME_MAX + 64];
		struct audit_entry e = { .action = AUDIT_ADMIN_CHANGE,
					 .channel = "cli", .query = what };
		struct ac_err aerr = { 0 };

		rc = store_collection_add(n->store, &c, err);
		snprintf(what, sizeof(what), "collection add %s", c.name);
		e.outcome = rc ? AUDIT_ERROR : AUDIT_OK;
		e.detail = rc ? err->msg : c.id;
		if (cli_audit_record(n, &e, &aerr) && !rc)
			rc = ac_err_set(err, aerr.rc, "%s", aerr.msg);
		if (!rc)
			printf("%s\n", c.id);
		if (!rc)
			fprintf(stderr, "added collection '%s' (scope %s)\n",
				c.name, scope_names[c.scope]);
	} else {
		printf("%-36s  %-16s %-8s %-28s %-28s %s\n", "ID", "NAME",
		       "SCOPE", "READ", "WRITE", "TITLE");
		rc = store_collection_list(n->store, print_one, NULL, err);
	}
	node_close(n);
	return rc;
}

int cmd_collection(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"title", required_argument, 0, 't'},
	    {"description", required_argument, 0, 'd'},
	    {"scope", required_argument, 0, 's'},
	    {"read", required_argument, 0, 'r'},
	    {"write", required_argument, 0, 'w'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct coll_opts o = {0};
	struct ac_err err = {0};
	const char *sub;
	int ch, nargs;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list")) {
		cli_error("unknown collection command '%s'", sub);
		return cli_usage_hint("collection");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 't':
			o.title = optarg;
			break;
		case 'd':
			o.description = optarg;
			break;
		case 's':
			o.scope = optarg;
			break;
		case 'r':
			o.read = optarg;
			break;
		case 'w':
			o.write = optarg;
			break;
		case 'N':
			o.node = optarg;
			break;
		default:
			return cli_usage_hint("collection");
		}
	}
	nargs = argc - 1 - optind;
	if (nargs != (!strcmp(sub, "add") ? 1 : 0)) {
		cli_error("wrong number of arguments for 'collection %s'", sub);
		return cli_usage_hint("collection");
	}
	if (!strcmp(sub, "list") &&
	    (o.title || o.description || o.scope || o.read || o.write)) {
		cli_error("--title, --description, --scope, --read and --write "
			  "are for 'collection add'");
		return cli_usage_hint("collection");
	}
	if (!run(sub, nargs ? argv[1 + optind] : NULL, &o, &err))
		return EXIT_OK;
	cli_fail(&err);
	return err.rc == AC_ERR_USAGE ? cli_usage_hint("collection")
				      : cli_exit_code(err.rc);
}
