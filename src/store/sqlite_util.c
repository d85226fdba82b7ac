/* Small helpers every SQLite record module uses (private to src/store). */
#include "base/common.h"
#include "store/store_sqlite.h"

#include <pthread.h>

static void init_library_once(void)
{
	/* SQLITE_MISUSE if SQLite was initialised already: nothing to do */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void store_init_library(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, init_library_once);
}

const char *store_sqlite_path(sqlite3 *db)
{
	const char *p = sqlite3_db_filename(db, "main");

	return p && p[0] ? p : ":memory:";
}

ac_rc store_sqlite_db_err(sqlite3 *db, int src, const char *what,
			  struct ac_err *err)
{
	return store_sqlite_err(db, src, store_sqlite_path(db), what, err);
}

ac_rc store_sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
			   struct ac_err *err)
{
	int src = sqlite3_prepare_v2(db, sql, -1, st, NULL);

	if (src != SQLITE_OK)
		return store_sqlite_db_err(db, src,
					   "cannot prepare a statement for",
					   err);
	return AC_OK;
}

ac_rc store_sqlite_step_for_partner(sqlite3 *db, sqlite3_stmt *st,
				    const char *what, const char *partner,
				    struct ac_err *err)
{
	char in[128];
	int src = sqlite3_step(st);

	if (src == SQLITE_DONE)
		return AC_OK;
	if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
		return ac_err_set(err, AC_ERR_NOTFOUND,
				  "cannot %s: no such partner '%s'", what,
				  partner);
	snprintf(in, sizeof(in), "cannot %s in", what);
	return store_sqlite_db_err(db, src, in, err);
}

bool store_sqlite_fits(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

ac_rc store_sqlite_column_text(sqlite3_stmt *st, int col, char *dst,
			       size_t cap, struct ac_err *err)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);

	dst[0] = '\0';
	if (!t)
		return AC_OK;
	if (n < 0 || (size_t)n >= cap)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "store: column '%s' holds %d bytes, more "
				  "than the %zu allowed",
				  sqlite3_column_name(st, col), n, cap - 1);
	memcpy(dst, t, (size_t)n);
	dst[n] = '\0';
	return AC_OK;
}
