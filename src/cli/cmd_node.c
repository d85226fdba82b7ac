#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "federation/card.h"

static const char help[] =
    "usage: accord node card [--url URL] [--node DIR]\n\n"
    "Prints this node's card as JSON: what a partner needs to trust it\n"
    "(its STIX identity id and name, its Ed25519 public key, its TAXII API\n"
    "root URL and the SHA-256 pin of its TLS public key). Give the card to\n"
    "the partner out of band; it registers it with\n"
    "'accord partner add --card FILE NAME'.\n"
    "  --url URL  the TAXII API root partners reach this node at (default:\n"
    "             https://LISTEN:PORT/taxii2/api1/ from [server])\n";

static int card(const char *node, const char *url)
{
	struct ac_err err = {0};
	struct node *n = NULL;
	json_t *c = NULL;
	ac_rc rc;

	rc = cli_open_node(node, &n, &err);
	if (!rc)
		rc = fed_card_build(n, url, &c, &err);
	if (!rc && json_dumpf(c, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
		rc = ac_err_set(&err, AC_ERR_IO, "cannot write the card");
	if (!rc)
		putchar('\n');
	json_decref(c);
	node_close(n);
	return rc ? cli_fail(&err) : EXIT_OK;
}

int cmd_node(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"url", required_argument, 0, 'u'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	const char *node = NULL, *url = NULL;
	int ch;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "card")) {
		cli_error("unknown node command '%s'", argv[1]);
		return cli_usage_hint("node");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "u:N:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'u') {
			url = optarg;
		} else if (ch == 'N') {
			node = optarg;
		} else {
			return cli_usage_hint("node");
		}
	}
	if (argc - 1 != optind) {
		cli_error("'node card' takes no arguments");
		return cli_usage_hint("node");
	}
	if (url &&
	    (strncmp(url, "https://", 8) || url[strlen(url) - 1] != '/')) {
		cli_error("--url '%s' must be an https URL ending in '/'", url);
		return cli_usage_hint("node");
	}
	return card(node, url);
}
