#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

static const char help[] =
	"usage: accord init DIR --org \"NAME\"\n\n"
	"Creates a new node in DIR (which must not exist or be empty): its\n"
	"configuration (accord.conf), SQLite store, Ed25519 and X25519 key\n"
	"pairs (keys/node.key, mode 0600) and its STIX identity.\n"
	"Refuses to touch an existing node.\n";

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = { { "org", required_argument, 0, 'o' },
					      { "help", no_argument, 0, 'h' },
					      { 0, 0, 0, 0 } };
	const char *org = NULL;
	struct ac_err err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (c != 'o')
			return cli_usage_hint("init");
		org = optarg;
	}
	if (optind != argc - 1 || !org) {
		cli_error(!org ? "init needs --org \"NAME\"" :
				 "init needs exactly one directory");
		return cli_usage_hint("init");
	}
	if (node_init(argv[optind], org, &err))
		return cli_fail(&err);
	printf("created node '%s' for '%s'\n", argv[optind], org);
	return EXIT_OK;
}
