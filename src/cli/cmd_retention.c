#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>

#include "base/time.h"
#include "ingest/retention.h"

static const char help[] =
	"usage: accord retention run [--dry-run] [--json] [--node DIR]\n\n"
	"Erases every object whose review date has passed (docs/policy.md,\n"
	"Retention): every version, its search-index entries, identifiers,\n"
	"correlations and alerts. Acts as the local operator in the admin\n"
	"role (the only subject the policy lets purge). Each batch of erased\n"
	"ids is recorded in the audit trail (action purge) before it is\n"
	"erased. --dry-run only counts. `accord serve` runs the same pass\n"
	"every hour.\n";

static ac_rc record_purge(const char *const *ids, size_t n, void *ctx,
			  struct ac_err *err)
{
	const struct node *node = ctx;
	struct audit_entry e = { .action = AUDIT_PURGE,
				 .channel = "retention",
				 .object_ids = ids,
				 .nobject_ids = n,
				 .object_count = n,
				 .purpose = "retention period ended",
				 .outcome = AUDIT_OK };

	return cli_audit_record(node, &e, err);
}

static void print_stats(const struct retention_stats *st, bool dry_run,
			bool json)
{
	if (json) {
		printf("{\"examined\":%llu,\"expired\":%llu,\"purged\":%llu,"
		       "\"versions\":%llu,\"dry_run\":%s}\n",
		       (unsigned long long)st->examined,
		       (unsigned long long)st->expired,
		       (unsigned long long)st->purged,
		       (unsigned long long)st->versions,
		       dry_run ? "true" : "false");
		return;
	}
	printf("examined: %llu\nexpired:  %llu\npurged:   %llu objects "
	       "(%llu versions)%s\n",
	       (unsigned long long)st->examined,
	       (unsigned long long)st->expired,
	       (unsigned long long)st->purged,
	       (unsigned long long)st->versions,
	       dry_run ? " (dry run: nothing erased)" : "");
}

int cmd_retention(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, 0, 'd' },
		{ "json", no_argument, 0, 'j' },
		{ "node", required_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct retention_stats st;
	struct ac_err err = { 0 };
	const char *node_flag = NULL;
	struct node *n = NULL;
	bool dry_run = false, json = false;
	char admin[STORE_NAME_MAX + 1];
	int ch, code = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "djN:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'd') {
			dry_run = true;
		} else if (ch == 'j') {
			json = true;
		} else if (ch == 'N') {
			node_flag = optarg;
		} else {
			return cli_usage_hint("retention");
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "run")) {
		cli_error("retention needs the word 'run'");
		return cli_usage_hint("retention");
	}
	snprintf(admin, sizeof(admin), "cli:%s", cli_os_user());
	if (cli_open_node(node_flag, &n, &err) ||
	    retention_run(n->store, &n->cfg.markings, admin, ac_now_us(),
			  dry_run, record_purge, n, &st, &err))
		code = cli_fail(&err);
	else
		print_stats(&st, dry_run, json);
	node_close(n);
	return code;
}
