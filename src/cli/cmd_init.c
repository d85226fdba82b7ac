#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

static const char help[] =
    "usage: accord init DIR --org \"NAME\" [--tls-cert FILE --tls-key FILE]\n\n"
    "Creates a new node in DIR (which must not exist or be empty): its\n"
    "configuration (accord.conf), SQLite store, Ed25519 and X25519 key\n"
    "pairs (keys/node.key, mode 0600), its STIX identity, a self-signed\n"
    "TLS certificate for 'accord serve' (keys/tls.crt, keys/tls.key mode\n"
    "0600) unless --tls-cert and --tls-key name one, and two TAXII\n"
    "collections: 'node' (the node's own objects) and 'inbox'.\n"
    "Refuses to touch an existing node.\n";

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"org", required_argument, 0, 'o'},
	    {"tls-cert", required_argument, 0, 'c'},
	    {"tls-key", required_argument, 0, 'k'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct node_init_opts io = {NULL, NULL};
	const char *org = NULL;
	struct ac_err err = {0};
	int c;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (c == 'o') {
			org = optarg;
		} else if (c == 'c') {
			io.tls_cert = optarg;
		} else if (c == 'k') {
			io.tls_key = optarg;
		} else {
			return cli_usage_hint("init");
		}
	}
	if (optind != argc - 1 || !org) {
		cli_error(!org ? "init needs --org \"NAME\""
			       : "init needs exactly one directory");
		return cli_usage_hint("init");
	}
	if (!io.tls_cert != !io.tls_key) {
		cli_error("--tls-cert and --tls-key go together");
		return cli_usage_hint("init");
	}
	if (node_init_with(argv[optind], org, &io, &err))
		return cli_fail(&err);
	printf("created node '%s' for '%s'\n", argv[optind], org);
	return EXIT_OK;
}
