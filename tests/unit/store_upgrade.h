/* Test helper for schema upgrades: include after <cmocka.h> and
 * <sqlite3.h>. */
#ifndef ACCORD_TEST_STORE_UPGRADE_H
#define ACCORD_TEST_STORE_UPGRADE_H

#include "store/store.h"

/* Closes *s, runs sql on its file at path (an older schema, rows written
 * as an older version would have), and opens it again: the upgrade runs. */
static inline void reopen_store_after_sql(const char *path, struct store **s,
					  const char *sql)
{
	struct ac_err err = {0};
	sqlite3 *db = NULL;

	store_close(*s);
	*s = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	if (store_open(path, false, s, &err))
		fail_msg("reopen: %s", err.msg);
}

#endif
