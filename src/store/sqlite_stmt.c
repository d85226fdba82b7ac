/* A small per-connection cache of prepared statements (store_sqlite.h).
 * Preparing is a large share of the cost of the short statements ingest
 * runs per object (the newest-version check, person names); the cache
 * keeps the most recently used ones, keyed by their SQL text. A statement
 * still in use (a nested query with the same text) is never handed out
 * twice: the second user gets a fresh one that is finalised on release. */
#include "base/common.h"
#include "store/store_sqlite.h"

#define STMT_CACHE_SIZE 32

struct stmt_entry {
	char *sql;
	sqlite3_stmt *st;
	uint64_t used; /* tick of the last use, for eviction */
	bool busy;
};

struct store_stmt_cache {
	struct stmt_entry e[STMT_CACHE_SIZE];
	uint64_t tick;
};

static struct stmt_entry *find(struct store_stmt_cache *c, const char *sql,
			       size_t len)
{
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
		if (c->e[i].sql && !c->e[i].busy &&
		    !strncmp(c->e[i].sql, sql, len) && !c->e[i].sql[len])
			return &c->e[i];
	return NULL;
}

/* The free slot, else the least recently used idle one (emptied). */
static struct stmt_entry *victim(struct store_stmt_cache *c)
{
	struct stmt_entry *v = NULL;

	for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
		struct stmt_entry *x = &c->e[i];

		if (x->busy)
			continue;
		if (!x->sql)
			return x;
		if (!v || x->used < v->used)
			v = x;
	}
	if (v) {
		sqlite3_finalize(v->st);
		free(v->sql);
		v->sql = NULL;
		v->st = NULL;
	}
	return v;
}

ac_rc store_sqlite_stmt_get(struct store *s, const char *sql, size_t len,
			    sqlite3_stmt **out, struct ac_err *err)
{
	struct store_stmt_cache **slot = store_sqlite_stmt_slot(s);
	sqlite3 *db = store_sqlite_db(s);
	struct stmt_entry *e;
	int src;

	*out = NULL;
	if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
		return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
	e = find(*slot, sql, len);
	if (!e && (e = victim(*slot))) {
		src = sqlite3_prepare_v3(db, sql, (int)len,
					 SQLITE_PREPARE_PERSISTENT, &e->st,
					 NULL);
		if (src != SQLITE_OK)
			return store_sqlite_db_err(db, src,
						   "cannot prepare a statement "
						   "for",
						   err);
		e->sql = strndup(sql, len);
		if (!e->sql) {
			sqlite3_finalize(e->st);
			e->st = NULL;
			return ac_err_set(err, AC_ERR_NOMEM, "out of memory");
		}
	}
	if (!e) /* every slot busy: an uncached statement */
		return store_sqlite_prepare(db, sql, out, err);
	e->busy = true;
	e->used = ++(*slot)->tick;
	*out = e->st;
	return AC_OK;
}

void store_sqlite_stmt_put(struct store *s, sqlite3_stmt *st)
{
	struct store_stmt_cache *c = *store_sqlite_stmt_slot(s);

	if (!st)
		return;
	for (size_t i = 0; c && i < STMT_CACHE_SIZE; i++)
		if (c->e[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			c->e[i].busy = false;
			return;
		}
	sqlite3_finalize(st);
}

void store_sqlite_stmt_free(struct store_stmt_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
		sqlite3_finalize(c->e[i].st);
		free(c->e[i].sql);
	}
	free(c);
}
