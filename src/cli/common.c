#include "base/common.h"
#include "cli/cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("accord: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_exit_code(ac_rc rc)
{
	switch (rc) {
	case AC_OK:
		return EXIT_OK;
	case AC_ERR_USAGE:
		return EXIT_USAGE;
	default:
		return EXIT_FAIL;
	}
}

int cli_fail(const struct ac_err *err)
{
	cli_error("%s", err->msg[0] ? err->msg : ac_rc_name(err->rc));
	return cli_exit_code(err->rc);
}

ac_rc cli_open_node(const char *flag, struct node **out, struct ac_err *err)
{
	char dir[NODE_PATH_MAX];
	ac_rc rc = node_locate(flag ? flag : cli_global_node, dir, err);

	return rc ? rc : node_open(dir, out, err);
}

int cli_usage_hint(const char *cmd)
{
	fprintf(stderr, "try 'accord %s --help'\n", cmd);
	return EXIT_USAGE;
}
