/* Person names in the SQLite store (schema version 6, see store.h).
 * Statements are prepared per call: names change with person objects
 * only, and the reads are scans. */
#include "base/common.h"
#include "store/store_sqlite.h"

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

static ac_rc delete_names(sqlite3 *db, const char *object_id,
			  struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	int deleted;
	ac_rc rc;

	rc = store_sqlite_prepare(db, "DELETE FROM person_names WHERE object_id = ?1", &st,
		     err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	rc = step_done(db, st, "cannot delete person names in", err);
	sqlite3_finalize(st);
	deleted = sqlite3_changes(db);
	if (rc || !deleted)
		return rc;
	rc = store_sqlite_prepare(db,
		     "UPDATE person_names_state SET deletions = deletions + ?1",
		     &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int(st, 1, deleted);
	rc = step_done(db, st, "cannot count deleted person names in", err);
	sqlite3_finalize(st);
	return rc;
}

static ac_rc insert_names(sqlite3 *db, const char *object_id,
			  const char *source, const char *const *names,
			  size_t n, int64_t now_us, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	rc = store_sqlite_prepare(db,
		     "INSERT INTO person_names (object_id, source, name,"
		     " created_us) VALUES (?1, ?2, ?3, ?4)",
		     &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_us);
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
		rc = step_done(db, st, "cannot add a person name to", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Runs body inside a savepoint so that a failure leaves no half-replaced
 * names, whether or not the caller has a transaction open. */
static ac_rc sq_names_replace(struct store *s, const char *object_id,
			      const char *source, const char *const *names,
			      size_t n, int64_t now_us, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	int src = sqlite3_exec(db, "SAVEPOINT person_names", NULL, NULL, NULL);
	ac_rc rc;

	if (src != SQLITE_OK)
		return store_sqlite_db_err(db, src, "cannot begin a savepoint in", err);
	rc = delete_names(db, object_id, err);
	if (!rc)
		rc = insert_names(db, object_id, source, names, n, now_us, err);
	if (rc)
		sqlite3_exec(db, "ROLLBACK TO person_names", NULL, NULL, NULL);
	src = sqlite3_exec(db, "RELEASE person_names", NULL, NULL, NULL);
	if (!rc && src != SQLITE_OK)
		rc = store_sqlite_db_err(db, src, "cannot release a savepoint in", err);
	return rc;
}

/* Calls cb for each row of a prepared SELECT id, object_id, source, name,
 * created_us; finalizes st. */
static ac_rc each_row(sqlite3 *db, sqlite3_stmt *st, store_person_name_cb cb,
		      void *ctx, struct ac_err *err)
{
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
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return store_sqlite_db_err(db, src, "cannot read person names from", err);
	return AC_OK;
}

#define NAME_COLUMNS "SELECT id, object_id, source, name, created_us"

static ac_rc sq_names_scan(struct store *s, int64_t after_id,
			   store_person_name_cb cb, void *ctx,
			   struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_prepare(db,
			   NAME_COLUMNS " FROM person_names WHERE id > ?1"
					" ORDER BY id",
			   &st, err);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, after_id);
	return each_row(db, st, cb, ctx, err);
}

static ac_rc sq_names_get(struct store *s, const char *object_id,
			  store_person_name_cb cb, void *ctx,
			  struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_prepare(db,
			   NAME_COLUMNS " FROM person_names WHERE"
					" object_id = ?1 ORDER BY id",
			   &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	return each_row(db, st, cb, ctx, err);
}

/* The highest id ever handed out is in sqlite_sequence (AUTOINCREMENT). */
static ac_rc sq_names_state(struct store *s, struct store_names_state *out,
			    struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_prepare(
	    db,
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
	sqlite3_finalize(st);
	if (!rc && src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot read the person names state of",
			    err);
	return rc;
}

const struct store_names_ops store_sqlite_names_ops = {
    .replace = sq_names_replace,
    .scan = sq_names_scan,
    .get = sq_names_get,
    .state = sq_names_state,
};
