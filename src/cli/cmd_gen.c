#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "gen/gen.h"

static const char help[] =
	"usage: accord gen [--seed N] [--count N] [--format bundle|jsonl]\n"
	"                  [--created-by IDENTITY_ID]\n\n"
	"Writes deterministic synthetic intelligence (invented people only) to\n"
	"stdout: persons named in Latin, Cyrillic and Persian script, groups,\n"
	"vehicles, phones, documents, accounts, seizures, incidents, reports\n"
	"and relationships. The same seed and count give the same bytes.\n"
	"Defaults: --seed 1 --count 1000 --format bundle.\n";

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, 0, 's' },
		{ "count", required_argument, 0, 'n' },
		{ "format", required_argument, 0, 'f' },
		{ "created-by", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct gen_opts o = { .seed = 1, .count = 1000, .created_by = NULL };
	enum gen_format fmt = GEN_BUNDLE;
	struct ac_err err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "s:n:f:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 's':
		case 'n':
			if (!parse_u64(optarg, c == 's' ? &o.seed : &o.count)) {
				cli_error("'%s' is not a whole number", optarg);
				return cli_usage_hint("gen");
			}
			break;
		case 'f':
			if (strcmp(optarg, "bundle") && strcmp(optarg, "jsonl")) {
				cli_error("--format must be bundle or jsonl");
				return cli_usage_hint("gen");
			}
			fmt = optarg[0] == 'b' ? GEN_BUNDLE : GEN_JSONL;
			break;
		case 'c':
			o.created_by = optarg;
			break;
		default:
			return cli_usage_hint("gen");
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return cli_usage_hint("gen");
	}
	if (gen_write(&o, fmt, stdout, &err) || fflush(stdout)) {
		if (!err.rc)
			ac_err_set(&err, AC_ERR_IO, "cannot write to stdout");
		return cli_fail(&err);
	}
	return EXIT_OK;
}
