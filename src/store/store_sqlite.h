/* Private to src/store: the SQLite backend and its schema migrations. */
#ifndef AC_STORE_SQLITE_H
#define AC_STORE_SQLITE_H

#include <sqlite3.h>
#include "store/store.h"

/* Opens the SQLite store at path (see store_open). */
ac_rc store_sqlite_open(const char *path, bool create, struct store **out,
			struct ac_err *err);

/* The schema version this code writes (PRAGMA user_version). */
int store_schema_version(void);

/* Brings db up to store_schema_version(), one transaction per migration.
 * Fails with AC_ERR_STORE if the file's version is newer than the code's, or
 * if it is an empty database and `create` is false. `path` is for messages. */
ac_rc store_schema_migrate(sqlite3 *db, const char *path, bool create,
			   struct ac_err *err);

/* Translates a SQLite result code into an ac_rc and the message
 * "<what> store '<path>': <sqlite message>", e.g. what = "cannot open".
 * Returns the ac_rc. */
ac_rc store_sqlite_err(sqlite3 *db, int rc, const char *path, const char *what,
		       struct ac_err *err);

#endif
