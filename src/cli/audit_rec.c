/* The CLI's side of the audit trail: who is acting and one call to record
 * an entry. */
#include "base/common.h"
#include "cli/cli.h"

#include <pwd.h>
#include <unistd.h>

const char *cli_os_user(void)
{
	static char name[64];
	struct passwd *pw;

	if (name[0])
		return name;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name && strlen(pw->pw_name) < sizeof(name))
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid:%lu",
			 (unsigned long)geteuid());
	return name;
}

ac_rc cli_audit_open(const struct node *n, struct audit **out,
		     struct ac_err *err)
{
	return audit_open_node(n->dir, n->cfg.audit_checkpoint_entries,
			       (int64_t)n->cfg.audit_checkpoint_seconds *
				       1000000,
			       out, NULL, err);
}

ac_rc cli_audit_record(const struct node *n, const struct audit_entry *e,
		       struct ac_err *err)
{
	struct audit_entry copy = *e;
	struct audit *a = NULL;
	ac_rc rc;

	if (!copy.actor) {
		copy.actor_kind = AUDIT_ACTOR_CLI;
		copy.actor = cli_os_user();
	}
	rc = cli_audit_open(n, &a, err);
	if (!rc)
		rc = audit_append(a, &copy, err);
	audit_close(a);
	if (rc)
		ac_err_prefix(err, "cannot write the audit entry");
	return rc;
}
