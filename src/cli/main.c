#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "crypto/keys.h"

const char *cli_global_node;

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, "create a new node directory" },
	{ "import", cmd_import, "import a STIX bundle or JSON Lines" },
	{ "export", cmd_export, "write stored objects as a STIX bundle" },
	{ "get", cmd_get, "print one object (or all its versions)" },
	{ "search", cmd_search, "full-text search" },
	{ "names", cmd_names, "search person names across scripts" },
	{ "correlations", cmd_correlations,
	  "what an object's identifiers matched; common values" },
	{ "alerts", cmd_alerts, "list or acknowledge correlation alerts" },
	{ "stats", cmd_stats, "what the node holds" },
	{ "gen", cmd_gen, "generate synthetic sample data" },
	{ "user", cmd_user, "add, list, change or disable users" },
	{ "token", cmd_token, "create, list or revoke API tokens" },
	{ "audit", cmd_audit, "verify, export, show or prune the audit trail" },
	{ "collection", cmd_collection, "add or list TAXII collections" },
	{ "serve", cmd_serve, "serve the node over TAXII 2.1" },
	{ "retention", cmd_retention, "erase objects whose retention ended" },
	{ "partner", cmd_partner, "add or list partner agencies" },
	{ "agreement", cmd_agreement, "set or show sharing agreements" },
	{ "node", cmd_node, "print this node's card for partners" },
	{ "sync", cmd_sync, "pull from partner nodes; sync status" },
	{ "erase", cmd_erase, "erase an object here and at its recipients" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: accord [--node DIR] COMMAND [ARGS]\n\n"
		     "commands:\n");
	for (size_t i = 0; i < AC_ARRAY_LEN(commands); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out,
		"\nThe node is found with --node DIR, then $ACCORD_NODE, then "
		"the current directory.\n'accord COMMAND --help' describes a "
		"command. Exit codes: 0 ok, 1 failure, 2 usage, 3 import with "
		"rejections, 4 not found, 5 audit\n"
		"trail tampered.\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	if (ac_crypto_init(NULL)) {
		cli_error("cannot initialise libsodium");
		return EXIT_FAIL;
	}
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--node") && i + 1 < argc) {
			cli_global_node = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--node=", 7)) {
			cli_global_node = argv[i] + 7;
			i++;
		} else {
			cli_error("unknown option '%s'", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < AC_ARRAY_LEN(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(argc - i, argv + i);
	cli_error("unknown command '%s'; 'accord --help' lists the commands",
		  argv[i]);
	return EXIT_USAGE;
}
