/* Person names in the SQLite store (schema version 6, one row per
 * person object since version 16; see store.h). Ingest runs these per
 * person object, so statements come from the store's statement cache. */
#include "base/common.h"
#include "store/store_sqlite.h"

/* A cached statement for fixed SQL text. */
static ac_rc stmt(struct store *s, const char *sql, sqlite3_stmt **st,
		  struct ac_err *err)
{
	return store_sqlite_stmt_get(s, sql, strlen(sql), st, err);
}

/* Runs a statement that returns no rows. */
static ac_rc step_done(sqlite3 *db, sqlite3_stmt *st, const char *what,
		       struct ac_err *err)
{
	int src = sqlite3_step(st);

	sqlite3_reset(st);
	if (src != SQLITE_DONE)
		return store_sqlite_db_err(db, src, what, err);
	return AC_OK;
}

/* How many names the object's rows hold (0: no row). */
static ac_rc count_names(struct store *s, const char *object_id,
			 int64_t *count, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s,
			"SELECT sum(json_array_length(names)) FROM person_names"
			" WHERE object_id = ?1",
			&st, err);
	int src;

	*count = 0;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	store_sqlite_stmt_put(s, st);
	if (src != SQLITE_ROW)
		return store_sqlite_db_err(store_sqlite_db(s), src,
					   "cannot read person names from", err);
	return AC_OK;
}

/* Deletes the object's rows and counts their names as deletions. Only
 * when there are any (a new person has none): no DELETE ... RETURNING,
 * which opens a statement journal, and with it an FTS5 flush of the
 * pending terms (see insert_names). */
static ac_rc delete_names(struct store *s, const char *object_id,
			  struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	int64_t deleted = 0;
	ac_rc rc = count_names(s, object_id, &deleted, err);

	if (rc || !deleted)
		return rc;
	rc = stmt(s, "DELETE FROM person_names WHERE object_id = ?1", &st,
		  err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	rc = step_done(db, st, "cannot delete person names in", err);
	store_sqlite_stmt_put(s, st);
	if (rc)
		return rc;
	rc = stmt(s, "UPDATE person_names_state SET deletions = deletions + ?1",
		  &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, deleted);
	rc = step_done(db, st, "cannot count deleted person names in", err);
	store_sqlite_stmt_put(s, st);
	return rc;
}

/* The JSON array of one object's names (ingest caps the object itself
 * far below this). */
#define NAMES_LIST_MAX ((size_t)64 << 20)

/* One row: the names as a JSON array. OR FAIL: an INSERT that may abort
 * needs a statement journal, and opening one makes FTS5 flush its pending
 * terms (its xSavepoint): ~280k instructions per person inside an ingest
 * transaction. A failure fails the caller's transaction or savepoint,
 * which is rolled back, so nothing half-done stays. */
static ac_rc insert_names(struct store *s, const char *object_id,
			  const char *source, const char *const *names,
			  size_t n, int64_t now_us, struct ac_err *err)
{
	struct ac_buf list = AC_BUF_INIT(NAMES_LIST_MAX);
	sqlite3_stmt *st = NULL;
	ac_rc rc = ac_buf_addc(&list, '[');

	for (size_t i = 0; i < n && !rc; i++) {
		if (i)
			rc = ac_buf_addc(&list, ',');
		if (!rc)
			rc = ac_buf_add_json_str(&list, names[i]);
	}
	if (!rc)
		rc = ac_buf_addc(&list, ']');
	if (rc) {
		ac_buf_release(&list);
		return ac_err_set(err, rc,
				  "cannot add person names of '%s': %s",
				  object_id, ac_rc_name(rc));
	}
	rc = stmt(s,
		  "INSERT OR FAIL INTO person_names"
		  " (object_id, source, names, created_us)"
		  " VALUES (?1, ?2, ?3, ?4)",
		  &st, err);
	if (!rc) {
		sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, list.data, (int)list.len,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now_us);
		rc = step_done(store_sqlite_db(s), st,
			       "cannot add person names to", err);
		store_sqlite_stmt_put(s, st);
	}
	ac_buf_release(&list);
	return rc;
}

/* Runs one of the savepoint statements of sq_names_replace. */
static ac_rc savepoint(struct store *s, const char *sql, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, sql, &st, err);

	if (!rc)
		rc = step_done(store_sqlite_db(s), st,
			       "cannot run a savepoint in", err);
	store_sqlite_stmt_put(s, st);
	return rc;
}

/* Runs body inside a savepoint so that a failure leaves no half-replaced
 * names, whether or not the caller has a transaction open. */
static ac_rc replace_names(struct store *s, const char *object_id,
			   const char *source, const char *const *names,
			   size_t n, int64_t now_us, struct ac_err *err)
{
	ac_rc rc = delete_names(s, object_id, err);

	if (!rc && n)
		rc = insert_names(s, object_id, source, names, n, now_us, err);
	return rc;
}

/* Inside the caller's transaction (ingest) a failure fails the whole
 * transaction, which the caller rolls back. On its own, the replacement
 * runs in a savepoint so that a failure leaves no half-replaced names. */
static ac_rc sq_names_replace(struct store *s, const char *object_id,
			      const char *source, const char *const *names,
			      size_t n, int64_t now_us, struct ac_err *err)
{
	ac_rc rc;

	if (!sqlite3_get_autocommit(store_sqlite_db(s)))
		return replace_names(s, object_id, source, names, n, now_us,
				     err);
	rc = savepoint(s, "SAVEPOINT person_names", err);
	if (rc)
		return rc;
	rc = replace_names(s, object_id, source, names, n, now_us, err);
	if (rc)
		savepoint(s, "ROLLBACK TO person_names", NULL);
	if (savepoint(s, "RELEASE person_names", rc ? NULL : err) && !rc)
		rc = err ? err->rc : AC_ERR_STORE;
	return rc;
}

/* One statement, so atomic on its own as well as in a transaction. */
static ac_rc sq_names_add(struct store *s, const char *object_id,
			  const char *source, const char *const *names,
			  size_t n, int64_t now_us, struct ac_err *err)
{
	return n ? insert_names(s, object_id, source, names, n, now_us, err)
		 : AC_OK;
}

/* Calls cb for each row of a prepared SELECT id, object_id, source, name,
 * created_us; gives st back to the cache. */
static ac_rc each_row(struct store *s, sqlite3_stmt *st,
		      store_person_name_cb cb, void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_person_name row;
	int src;

	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = sqlite3_column_int64(st, 0);
		row.object_id = (const char *)sqlite3_column_text(st, 1);
		row.source = (const char *)sqlite3_column_text(st, 2);
		row.name = (const char *)sqlite3_column_text(st, 3);
		row.created_us = sqlite3_column_int64(st, 4);
		if (!row.object_id || !row.source || !row.name)
			continue;
		if (cb(&row, ctx)) {
			src = SQLITE_DONE;
			break;
		}
	}
	store_sqlite_stmt_put(s, st);
	if (src != SQLITE_DONE)
		return store_sqlite_db_err(db, src, "cannot read person names from", err);
	return AC_OK;
}

/* One result row per name: json_each walks a row's array in order. */
#define NAME_COLUMNS                                                           \
	"SELECT p.id, p.object_id, p.source, j.value, p.created_us"
#define NAME_ROWS " FROM person_names p, json_each(p.names) j"

static ac_rc sq_names_scan(struct store *s, int64_t after_id,
			   store_person_name_cb cb, void *ctx,
			   struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s,
			NAME_COLUMNS NAME_ROWS " WHERE p.id > ?1"
					       " ORDER BY p.id",
			&st, err);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, after_id);
	return each_row(s, st, cb, ctx, err);
}

static ac_rc sq_names_get(struct store *s, const char *object_id,
			  store_person_name_cb cb, void *ctx,
			  struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s,
			NAME_COLUMNS NAME_ROWS " WHERE p.object_id = ?1"
					       " ORDER BY p.id",
			&st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	return each_row(s, st, cb, ctx, err);
}

/* The highest id ever handed out is in sqlite_sequence (AUTOINCREMENT). */
static ac_rc sq_names_other_after(struct store *s, int64_t after_id,
				  const char *source, bool *other,
				  int64_t *last_id, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s,
			"SELECT max(id), max(source <> ?2) FROM person_names"
			" WHERE id > ?1",
			&st, err);
	int src;

	*other = false;
	*last_id = after_id;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*last_id = sqlite3_column_int64(st, 0);
		*other = sqlite3_column_int(st, 1) != 0;
	}
	store_sqlite_stmt_put(s, st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return store_sqlite_db_err(db, src,
					   "cannot read person names from", err);
	return AC_OK;
}

static ac_rc sq_names_state(struct store *s, struct store_names_state *out,
			    struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(
	    s,
	    "SELECT deletions, store_uid, (SELECT seq FROM sqlite_sequence"
	    " WHERE name = 'person_names') FROM person_names_state",
	    &st, err);
	int src;

	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		const unsigned char *uid = sqlite3_column_text(st, 1);

		out->deletions = sqlite3_column_int64(st, 0);
		snprintf(out->store_uid, sizeof(out->store_uid), "%s",
			 uid ? (const char *)uid : "");
		out->max_id = sqlite3_column_int64(st, 2);
		src = SQLITE_DONE;
	} else if (src == SQLITE_DONE) {
		rc = ac_err_set(err, AC_ERR_STORE,
				"store: the person names state row is missing");
	}
	store_sqlite_stmt_put(s, st);
	if (!rc && src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot read the person names state of",
			    err);
	return rc;
}

const struct store_names_ops store_sqlite_names_ops = {
    .replace = sq_names_replace,
    .add = sq_names_add,
    .scan = sq_names_scan,
    .get = sq_names_get,
    .state = sq_names_state,
    .other_after = sq_names_other_after,
};
