/* Shared pieces of the command-line tool. Each subcommand lives in its own
 * file as cmd_<name>(argc, argv) and is listed in main.c's table. */
#ifndef AC_CLI_H
#define AC_CLI_H

#include "base/rc.h"
#include "audit/audit.h"
#include "node/node.h"
#include "policy/view.h"

/* Exit codes (documented in docs/user-guide.md). */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,     /* the command could not do its job */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_PARTIAL = 3,  /* import finished, some objects rejected */
	EXIT_NOTFOUND = 4, /* the requested object does not exist */
	EXIT_TAMPERED = 5, /* audit verify: the log or export was altered */
};

/* --node given before the subcommand, or NULL. */
extern const char *cli_global_node;

/* Prints "accord: <msg>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Maps an ac_rc to an exit code (usage → 2, not found → 4, else 1). */
int cli_exit_code(ac_rc rc);
/* Prints err and returns the exit code for it. */
int cli_fail(const struct ac_err *err);
/* Locates (--node, ACCORD_NODE, cwd) and opens the node. */
ac_rc cli_open_node(const char *flag, struct node **out, struct ac_err *err);
/* "try 'accord NAME --help'" after a usage error; returns EXIT_USAGE. */
int cli_usage_hint(const char *cmd);

/* Opens the node's audit log (signing if the secret key is readable). */
ac_rc cli_audit_open(const struct node *n, struct audit **out,
		     struct ac_err *err);
/* Appends one entry to the node's audit log. An entry with no actor gets
 * the CLI actor: kind "cli", the OS user's name. */
ac_rc cli_audit_record(const struct node *n, const struct audit_entry *e,
		       struct ac_err *err);
/* The OS user running the tool (getpwuid), or "uid:N". */
const char *cli_os_user(void);

int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_retention(int argc, char **argv);
int cmd_collection(int argc, char **argv);
int cmd_partner(int argc, char **argv);
int cmd_agreement(int argc, char **argv);
int cmd_correlations(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_erase(int argc, char **argv);

/* ---- whose view a read shows (view.c) ---- */

/* getopt values and long options for --as and --as-partner. */
#define CLI_OPT_AS 0x100
#define CLI_OPT_AS_PARTNER 0x101
#define CLI_VIEW_OPTIONS                                                       \
	{ "as", required_argument, 0, CLI_OPT_AS },                            \
	{ "as-partner", required_argument, 0, CLI_OPT_AS_PARTNER }
#define CLI_VIEW_HELP                                                          \
	"--as USER shows what that user may see; --as-partner NAME what that\n" \
	"partner would receive; by default the local operator's view (an\n"     \
	"admin who, like any admin, is not a recipient of RED objects).\n"

struct cli_view_args {
	const char *as_user;
	const char *as_partner;
};

/* Sets up the access-policy view for a CLI read. */
ac_rc cli_view_open(struct node *n, const struct cli_view_args *a,
		    struct policy_view *v, struct ac_err *err);
/* Takes --as / --as-partner from getopt; false for other options. */
bool cli_view_option(int ch, const char *arg, struct cli_view_args *a);

#endif
