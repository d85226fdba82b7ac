#include "base/common.h"
#include "cli/cli.h"

#include <getopt.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/time.h"

static const char help[] =
    "usage: accord user add NAME --role ROLE [--password-file F | "
    "--password-stdin]\n"
    "       accord user list\n"
    "       accord user passwd NAME [--password-file F | "
    "--password-stdin]\n"
    "       accord user disable NAME\n"
    "(each also takes --node DIR and --help)\n\n"
    "Manages the people who may use the node's API.\n"
    "  add      create a user; ROLE is analyst, supervisor, admin or "
    "auditor\n"
    "  list     name, role, creation time and whether disabled\n"
    "  passwd   set a new password\n"
    "  disable  stop a user's password and tokens from working\n\n"
    "Passwords (12 to 1024 bytes) are never taken on the command line:\n"
    "--password-stdin reads one line from standard input,\n"
    "--password-file F reads the first line of F, and without either a\n"
    "terminal is asked twice with echo off. User names are 1 to 64\n"
    "characters of a-z, 0-9, '.', '_' and '-'.\n";

/* Room for the longest password, its newline and a byte to detect more. */
#define LINE_CAP (AUTH_PASSWORD_MAX + 3)

struct user_opts {
	const char *node;
	const char *role;
	const char *password_file;
	bool password_stdin;
};

/* Reads one line from fp into buf (LINE_CAP bytes) without its line end. */
static ac_rc read_line(FILE *fp, const char *from, char *buf,
		       struct ac_err *err)
{
	size_t n;

	if (!fgets(buf, LINE_CAP, fp))
		return ac_err_set(err, AC_ERR_IO,
				  "cannot read a password from "
				  "%s: %s",
				  from,
				  ferror(fp) ? strerror(errno) : "no input");
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(fp))
		return ac_err_set(err, AC_ERR_INVALID,
				  "password from %s is too long: at most %d "
				  "bytes",
				  from, AUTH_PASSWORD_MAX);
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return AC_OK;
}

static ac_rc read_file_line(const char *path, char *buf, struct ac_err *err)
{
	char from[NODE_PATH_MAX + 8];
	FILE *fp = fopen(path, "r");
	ac_rc rc;

	if (!fp)
		return ac_err_set(err, AC_ERR_IO,
				  "cannot open password file '%s': %s", path,
				  strerror(errno));
	snprintf(from, sizeof(from), "'%s'", path);
	rc = read_line(fp, from, buf, err);
	fclose(fp);
	return rc;
}

/* Prompts on stderr and reads stdin with echo off. */
static ac_rc prompt_line(const char *prompt, char *buf, struct ac_err *err)
{
	struct termios old, quiet;
	bool restored = false;
	ac_rc rc;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return ac_err_set(err, AC_ERR_IO,
				  "cannot turn off terminal echo: %s",
				  strerror(errno));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return ac_err_set(err, AC_ERR_IO,
				  "cannot turn off terminal echo: %s",
				  strerror(errno));
	rc = read_line(stdin, "the terminal", buf, err);
	restored = tcsetattr(STDIN_FILENO, TCSAFLUSH, &old) == 0;
	if (!rc && !restored)
		rc = ac_err_set(err, AC_ERR_IO,
				"cannot restore terminal echo: %s",
				strerror(errno));
	return rc;
}

static ac_rc prompt_twice(const char *name, char *buf, struct ac_err *err)
{
	char again[LINE_CAP], prompt[128];
	ac_rc rc;

	snprintf(prompt, sizeof(prompt), "password for '%s': ", name);
	rc = prompt_line(prompt, buf, err);
	if (!rc)
		rc = prompt_line("again: ", again, err);
	if (!rc && strcmp(buf, again) != 0)
		rc = ac_err_set(err, AC_ERR_INVALID,
				"the passwords do not match");
	sodium_memzero(again, sizeof(again));
	return rc;
}

/* Gets the new password the way the options say; buf has LINE_CAP bytes. */
static ac_rc get_password(const struct user_opts *o, const char *name,
			  char *buf, struct ac_err *err)
{
	if (o->password_stdin && o->password_file)
		return ac_err_set(err, AC_ERR_USAGE,
				  "give --password-stdin or --password-file, "
				  "not both");
	if (o->password_stdin)
		return read_line(stdin, "standard input", buf, err);
	if (o->password_file)
		return read_file_line(o->password_file, buf, err);
	if (!isatty(STDIN_FILENO))
		return ac_err_set(err, AC_ERR_USAGE,
				  "no password given: use --password-stdin "
				  "or --password-file F (stdin is not a "
				  "terminal)");
	return prompt_twice(name, buf, err);
}

static int fail(const struct ac_err *err, const char *sub)
{
	cli_fail(err);
	if (err->rc == AC_ERR_USAGE)
		return cli_usage_hint(sub);
	return err->rc == AC_ERR_NOTFOUND ? EXIT_NOTFOUND
					  : cli_exit_code(err->rc);
}

/* "2026-01-02T03:04:05Z", or "-" for 0. */
static void format_time(int64_t us, char out[AC_TS_STRLEN])
{
	if (!us) {
		snprintf(out, AC_TS_STRLEN, "-");
		return;
	}
	ac_ts_format_us(us, out);
	snprintf(out + 19, AC_TS_STRLEN - 19, "Z");
}

static int print_user(const struct store_user *u, void *ctx)
{
	char created[AC_TS_STRLEN];

	(void)ctx;
	format_time(u->created_us, created);
	printf("%-24s %-11s %-21s %s\n", u->name, u->role, created,
	       u->disabled ? "yes" : "no");
	return 0;
}

/* Records an administrative change (users): what, on whom, and how it
 * ended, before the command reports it. */
static ac_rc audit_change(const struct node *n, const char *sub,
			  const char *name, const char *role, ac_rc result,
			  const struct ac_err *result_err, struct ac_err *err)
{
	char what[256];
	struct audit_entry e = { .action = AUDIT_ADMIN_CHANGE,
				 .channel = "cli",
				 .query = what,
				 .outcome = result ? AUDIT_ERROR : AUDIT_OK,
				 .detail = result ? result_err->msg : "" };

	snprintf(what, sizeof(what), "user %s %s%s%s", sub, name,
		 role ? " role=" : "", role ? role : "");
	return cli_audit_record(n, &e, err);
}

static ac_rc run(const char *sub, const char *name, const struct user_opts *o,
		 struct ac_err *err)
{
	char password[LINE_CAP];
	enum auth_role role = AUTH_ROLE_ANALYST;
	struct node *n = NULL;
	ac_rc rc = AC_OK;

	password[0] = '\0';
	if (!strcmp(sub, "add"))
		rc = auth_role_parse(o->role, &role, err);
	if (!rc && (!strcmp(sub, "add") || !strcmp(sub, "passwd")))
		rc = get_password(o, name, password, err);
	if (!rc)
		rc = cli_open_node(o->node, &n, err);
	if (rc)
		goto out;
	if (strcmp(sub, "list")) {
		if (!strcmp(sub, "add"))
			rc = auth_user_add(n->store, name, role, password, err);
		else if (!strcmp(sub, "passwd"))
			rc = auth_user_set_password(n->store, name, password,
						    err);
		else
			rc = auth_user_disable(n->store, name, err);
		if (!rc) {
			rc = audit_change(n, sub, name,
					  strcmp(sub, "add") ? NULL
							     : auth_role_name(role),
					  AC_OK, err, err);
		} else {
			struct ac_err aerr = { 0 };
			audit_change(n, sub, name, NULL, rc, err, &aerr);
		}
	}
	if (rc)
		goto out;
	if (!strcmp(sub, "add")) {
		fprintf(stderr, "added user '%s' (%s)\n", name,
			auth_role_name(role));
	} else if (!strcmp(sub, "passwd")) {
		fprintf(stderr, "changed the password of '%s'\n", name);
	} else if (!strcmp(sub, "disable")) {
		fprintf(stderr, "disabled user '%s'\n", name);
	} else {
		printf("%-24s %-11s %-21s %s\n", "NAME", "ROLE", "CREATED",
		       "DISABLED");
		rc = store_user_list(n->store, print_user, NULL, err);
	}
out:
	sodium_memzero(password, sizeof(password));
	node_close(n);
	return rc;
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"role", required_argument, 0, 'r'},
	    {"password-file", required_argument, 0, 'F'},
	    {"password-stdin", no_argument, 0, 'S'},
	    /* Listed only to refuse it clearly (and to stop getopt
	     * taking "--password" as an abbreviation). */
	    {"password", required_argument, 0, 'P'},
	    {"node", required_argument, 0, 'N'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	struct user_opts o = {NULL, NULL, NULL, false};
	struct ac_err err = {0};
	const char *sub;
	bool takes_name;
	int ch;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") &&
	    strcmp(sub, "passwd") && strcmp(sub, "disable")) {
		cli_error("unknown user command '%s'", sub);
		return cli_usage_hint("user");
	}
	while ((ch = getopt_long(argc - 1, argv + 1, "r:F:SN:h", opts, NULL)) !=
	       -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (ch == 'r') {
			o.role = optarg;
		} else if (ch == 'F') {
			o.password_file = optarg;
		} else if (ch == 'S') {
			o.password_stdin = true;
		} else if (ch == 'N') {
			o.node = optarg;
		} else if (ch == 'P') {
			cli_error("passwords are never taken on the command "
				  "line (other users can see it); use "
				  "--password-stdin or --password-file");
			return cli_usage_hint("user");
		} else {
			return cli_usage_hint("user");
		}
	}
	takes_name = strcmp(sub, "list") != 0;
	if (argc - 1 - optind != (takes_name ? 1 : 0)) {
		cli_error(takes_name ? "'user %s' takes one user name"
				     : "'user %s' takes no arguments",
			  sub);
		return cli_usage_hint("user");
	}
	if (!strcmp(sub, "add") && !o.role) {
		cli_error("'user add' needs --role ROLE");
		return cli_usage_hint("user");
	}
	if ((o.role && strcmp(sub, "add")) ||
	    ((o.password_file || o.password_stdin) && strcmp(sub, "add") &&
	     strcmp(sub, "passwd"))) {
		cli_error("option not valid for 'user %s'", sub);
		return cli_usage_hint("user");
	}
	if (run(sub, takes_name ? argv[1 + optind] : NULL, &o, &err)) {
		if (err.rc == AC_ERR_PARSE)
			err.rc = AC_ERR_USAGE; /* a bad --role */
		return fail(&err, "user");
	}
	return EXIT_OK;
}
