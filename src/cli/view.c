/* Whose view a CLI read shows: --as USER, --as-partner NAME, or by default
 * the local operator (role admin, named after the OS user), who like any
 * admin does not see RED objects that do not name them. */
#include "base/common.h"
#include "cli/cli.h"

#include "node/node_ingest.h"

ac_rc cli_view_open(struct node *n, const struct cli_view_args *a,
		    struct policy_view *v, struct ac_err *err)
{
	struct store_user u;
	enum auth_role role;
	char name[STORE_NAME_MAX + 1];
	ac_rc rc = policy_view_open(v, n->store, &n->cfg.markings, err);

	if (rc)
		return rc;
	if (a->as_partner) {
		rc = policy_view_as_partner(v, n->store, a->as_partner, err);
		if (rc == AC_ERR_NOTFOUND)
			ac_err_set(err, AC_ERR_USAGE, "no partner '%s'; see "
				   "'accord partner list'", a->as_partner);
		if (!rc)
			rc = node_view_sign(n, v, err);
	} else if (a->as_user) {
		rc = store_user_get(n->store, a->as_user, &u, err);
		if (rc == AC_ERR_NOTFOUND)
			rc = ac_err_set(err, AC_ERR_USAGE, "no user '%s'; see "
					"'accord user list'", a->as_user);
		else if (!rc && u.disabled)
			rc = ac_err_set(err, AC_ERR_PERM, "user '%s' is "
					"disabled", a->as_user);
		else if (!rc && !(rc = auth_role_parse(u.role, &role, err)))
			policy_view_as_user(v, u.name, role);
	} else {
		snprintf(name, sizeof(name), "cli:%s", cli_os_user());
		policy_view_as_user(v, name, AUTH_ROLE_ADMIN);
	}
	if (rc)
		policy_view_release(v);
	return rc;
}

bool cli_view_option(int ch, const char *arg, struct cli_view_args *a)
{
	if (ch == CLI_OPT_AS)
		a->as_user = arg;
	else if (ch == CLI_OPT_AS_PARTNER)
		a->as_partner = arg;
	else
		return false;
	return true;
}
