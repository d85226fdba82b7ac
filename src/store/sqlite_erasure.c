/* Disclosure records, erasure records and the erasure outbox in the SQLite
 * store (schema version 10, see store.h). Statements are prepared per
 * call, except the one store_disclosure_add repeats for each id.
 * Disclosures go to an append-only log that is merged into the keyed
 * table in key order once it holds STORE_DISCLOSE_LOG_MAX rows. */
#include "base/common.h"
#include "store/store_sqlite.h"

#define ERASURE_COLUMNS                                                        \
	"id, object_id, notice_id, reason, origin, actor, from_partner,"       \
	" versions, created_us"
#define OUTBOX_COLUMNS                                                         \
	"id, kind, partner, stix_id, object_id, reason, origin, notice_ref,"   \
	" created_us, sent_us, attempts, last_error, confirmed_us,"            \
	" last_attempt_us, versions"

static ac_rc step_done(sqlite3 *db, sqlite3_stmt *st, const char *what,
		       struct ac_err *err)
{
	int src = sqlite3_step(st);

	return src == SQLITE_DONE ? AC_OK
				  : store_sqlite_db_err(db, src, what, err);
}

static ac_rc exec_sql(sqlite3 *db, const char *sql, struct ac_err *err)
{
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return src == SQLITE_OK ? AC_OK
				: store_sqlite_db_err(db, src,
						      "cannot record "
						      "disclosures in",
						      err);
}

static ac_rc check_ids(const char *partner, const char *const *ids, size_t n,
		       struct ac_err *err)
{
	if (!partner[0] || !store_sqlite_fits(partner, STORE_NAME_MAX + 1))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot record a disclosure: partner name "
				  "'%.64s' is empty or too long",
				  partner);
	if (n > STORE_DISCLOSE_BATCH_MAX)
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot record %zu disclosures at once (at "
				  "most %d)",
				  n, STORE_DISCLOSE_BATCH_MAX);
	for (size_t i = 0; i < n; i++)
		if (!ids[i] ||
		    !store_sqlite_fits(ids[i], STORE_OBJECT_ID_MAX + 1))
			return ac_err_set(err, AC_ERR_LIMIT,
					  "cannot record a disclosure: object "
					  "id %zu is missing or too long",
					  i);
	return AC_OK;
}

/* Merges the disclosure log into the disclosures tree in key order (each
 * page of the tree is written once) and empties it. A pair logged twice
 * meets itself in the upsert: no GROUP BY, which cost a third more
 * (13.9k against 9.1k instructions per row merged). WHERE true: an
 * upsert's SELECT needs a clause before ON CONFLICT. */
static ac_rc merge_log(sqlite3 *db, struct ac_err *err)
{
	return exec_sql(
	    db,
	    "INSERT INTO disclosures (object_id, partner, first_us, last_us)"
	    " SELECT object_id, partner, at_us, at_us"
	    " FROM disclosure_log WHERE true"
	    " ORDER BY object_id, partner"
	    " ON CONFLICT (object_id, partner) DO UPDATE SET"
	    " first_us = min(first_us, excluded.first_us),"
	    " last_us = max(last_us, excluded.last_us);"
	    "DELETE FROM disclosure_log;",
	    err);
}

/* Rows in the log: seq counts from 1 again once it is emptied. */
static ac_rc log_length(sqlite3 *db, int64_t *n, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_prepare(
	    db, "SELECT coalesce(max(seq), 0) FROM disclosure_log", &st, err);
	int src;

	if (rc)
		return rc;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = store_sqlite_db_err(db, src, "cannot read disclosures in",
					 err);
	sqlite3_finalize(st);
	return rc;
}

static ac_rc append_log(sqlite3 *db, const char *partner,
			const char *const *ids, size_t n, int64_t now_us,
			struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_prepare(
	    db,
	    "INSERT INTO disclosure_log (object_id, partner, at_us)"
	    " VALUES (?1, ?2, ?3)",
	    &st, err);

	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, partner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now_us);
		rc = step_done(db, st, "cannot record a disclosure in", err);
	}
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_disclosure_add(struct store *s, const char *partner,
			   const char *const *ids, size_t n, int64_t now_us,
			   struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	bool own_tx = sqlite3_get_autocommit(db) != 0;
	int64_t logged = 0;
	ac_rc rc = check_ids(partner, ids, n, err);

	if (rc || n == 0)
		return rc;
	if (own_tx && (rc = exec_sql(db, "BEGIN IMMEDIATE", err)))
		return rc;
	rc = append_log(db, partner, ids, n, now_us, err);
	if (!rc)
		rc = log_length(db, &logged, err);
	if (!rc && logged >= STORE_DISCLOSE_LOG_MAX)
		rc = merge_log(db, err);
	if (own_tx && !rc)
		rc = exec_sql(db, "COMMIT", err);
	if (rc && own_tx && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

ac_rc store_disclosure_list(struct store *s, const char *object_id,
			    store_disclosure_cb cb, void *ctx,
			    struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_disclosure d;
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	/* the log is short (STORE_DISCLOSE_LOG_MAX): scanned */
	rc = store_sqlite_prepare(
	    db,
	    "SELECT object_id, partner, min(first_us), max(last_us) FROM ("
	    " SELECT object_id, partner, first_us, last_us FROM disclosures"
	    "  WHERE object_id = ?1"
	    " UNION ALL SELECT object_id, partner, at_us, at_us"
	    "  FROM disclosure_log WHERE object_id = ?1)"
	    " GROUP BY partner ORDER BY partner",
	    &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		rc = store_sqlite_column_text(st, 0, d.object_id,
					      sizeof(d.object_id), err);
		if (!rc)
			rc = store_sqlite_column_text(st, 1, d.partner,
						      sizeof(d.partner), err);
		d.first_us = sqlite3_column_int64(st, 2);
		d.last_us = sqlite3_column_int64(st, 3);
		if (rc || cb(&d, ctx))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list disclosures in",
					 err);
out:
	sqlite3_finalize(st);
	return rc;
}

static bool erasure_fits(const struct store_erasure *e)
{
	return store_sqlite_fits(e->object_id, sizeof(e->object_id)) &&
	       store_sqlite_fits(e->notice_id, sizeof(e->notice_id)) &&
	       store_sqlite_fits(e->reason, sizeof(e->reason)) &&
	       store_sqlite_fits(e->origin, sizeof(e->origin)) &&
	       store_sqlite_fits(e->actor, sizeof(e->actor)) &&
	       store_sqlite_fits(e->from_partner, sizeof(e->from_partner));
}

ac_rc store_erasure_add(struct store *s, const struct store_erasure *e,
			int64_t *id, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	if (!erasure_fits(e))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot store an erasure record: a field is "
				  "not terminated");
	rc = store_sqlite_prepare(
	    db,
	    "INSERT INTO erasures (object_id, notice_id, reason, origin, actor,"
	    " from_partner, versions, created_us)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	    &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, e->object_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->notice_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->from_partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)e->versions);
	sqlite3_bind_int64(st, 8, e->created_us);
	src = sqlite3_step(st);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		rc = ac_err_set(err, AC_ERR_EXISTS,
				"erasure notice id '%s' is already taken",
				e->notice_id);
	else if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(
		    db, src, "cannot store an erasure record in", err);
	else if (id)
		*id = sqlite3_last_insert_rowid(db);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc read_erasure(sqlite3_stmt *st, struct store_erasure *e,
			  struct ac_err *err)
{
	ac_rc rc;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	rc = store_sqlite_column_text(st, 1, e->object_id, sizeof(e->object_id),
				      err);
	if (!rc)
		rc = store_sqlite_column_text(st, 2, e->notice_id,
					      sizeof(e->notice_id), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 3, e->reason,
					      sizeof(e->reason), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 4, e->origin,
					      sizeof(e->origin), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 5, e->actor, sizeof(e->actor),
					      err);
	if (!rc)
		rc = store_sqlite_column_text(st, 6, e->from_partner,
					      sizeof(e->from_partner), err);
	e->versions = (uint64_t)sqlite3_column_int64(st, 7);
	e->created_us = sqlite3_column_int64(st, 8);
	return rc;
}

ac_rc store_erasure_list(struct store *s, const char *object_id,
			 store_erasure_cb cb, void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	struct store_erasure e;
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
				  "SELECT " ERASURE_COLUMNS " FROM erasures"
				  " WHERE ?1 IS NULL OR object_id = ?1"
				  " ORDER BY id",
				  &st, err);
	if (rc)
		goto out;
	if (object_id)
		sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_erasure(st, &e, err);
		if (rc || cb(&e, ctx))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list erasures in",
					 err);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Whether the cached statement sql (binding object_id, when not NULL)
 * returns a row. */
static ac_rc any_row(struct store *s, const char *sql, size_t len,
		     const char *object_id, bool *yes, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = store_sqlite_stmt_get(s, sql, len, &st, err);
	int src;

	*yes = false;
	if (rc)
		return rc;
	if (object_id)
		sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	*yes = src == SQLITE_ROW;
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = store_sqlite_db_err(store_sqlite_db(s), src,
					 "cannot read erasures in", err);
	store_sqlite_stmt_put(s, st);
	return rc;
}

ac_rc store_erased(struct store *s, const char *object_id, bool *yes,
		   struct ac_err *err)
{
	static const char sql[] =
	    "SELECT 1 FROM erasures WHERE object_id = ?1 LIMIT 1";

	return any_row(s, sql, sizeof(sql) - 1, object_id, yes, err);
}

ac_rc store_erased_any(struct store *s, bool *yes, struct ac_err *err)
{
	static const char sql[] = "SELECT 1 FROM erasures LIMIT 1";

	return any_row(s, sql, sizeof(sql) - 1, NULL, yes, err);
}

static bool outbox_fits(const struct store_outbox *o)
{
	return store_sqlite_fits(o->partner, sizeof(o->partner)) &&
	       store_sqlite_fits(o->stix_id, sizeof(o->stix_id)) &&
	       store_sqlite_fits(o->object_id, sizeof(o->object_id)) &&
	       store_sqlite_fits(o->reason, sizeof(o->reason)) &&
	       store_sqlite_fits(o->origin, sizeof(o->origin)) &&
	       store_sqlite_fits(o->notice_ref, sizeof(o->notice_ref)) &&
	       store_sqlite_fits(o->last_error, sizeof(o->last_error)) &&
	       store_sqlite_fits(o->versions, sizeof(o->versions));
}

ac_rc store_outbox_add(struct store *s, const struct store_outbox *o,
		       bool *added, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (!outbox_fits(o))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot queue an erasure message: a field is "
				  "not terminated");
	if (o->kind != STORE_OUTBOX_NOTICE &&
	    o->kind != STORE_OUTBOX_CONFIRMATION)
		return ac_err_set(err, AC_ERR_INVALID,
				  "cannot queue an erasure message of kind %d",
				  (int)o->kind);
	rc = store_sqlite_prepare(
	    db,
	    "INSERT OR IGNORE INTO erasure_outbox (kind, partner, stix_id,"
	    " object_id, reason, origin, notice_ref, created_us, versions)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    &st, err);
	if (rc)
		goto out;
	sqlite3_bind_int(st, 1, (int)o->kind);
	sqlite3_bind_text(st, 2, o->partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->stix_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->object_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, o->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, o->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, o->notice_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, o->created_us);
	sqlite3_bind_text(st, 9, o->versions, -1, SQLITE_STATIC);
	rc = step_done(db, st, "cannot queue an erasure message in", err);
	if (!rc && added)
		*added = sqlite3_changes(db) > 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc read_outbox(sqlite3_stmt *st, struct store_outbox *o,
			 struct ac_err *err)
{
	ac_rc rc;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	o->kind = sqlite3_column_int(st, 1) ? STORE_OUTBOX_CONFIRMATION
					    : STORE_OUTBOX_NOTICE;
	rc = store_sqlite_column_text(st, 2, o->partner, sizeof(o->partner),
				      err);
	if (!rc)
		rc = store_sqlite_column_text(st, 3, o->stix_id,
					      sizeof(o->stix_id), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 4, o->object_id,
					      sizeof(o->object_id), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 5, o->reason,
					      sizeof(o->reason), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 6, o->origin,
					      sizeof(o->origin), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 7, o->notice_ref,
					      sizeof(o->notice_ref), err);
	o->created_us = sqlite3_column_int64(st, 8);
	o->sent_us = sqlite3_column_int64(st, 9);
	o->attempts = (uint32_t)sqlite3_column_int64(st, 10);
	if (!rc)
		rc = store_sqlite_column_text(st, 11, o->last_error,
					      sizeof(o->last_error), err);
	o->confirmed_us = sqlite3_column_int64(st, 12);
	o->last_attempt_us = sqlite3_column_int64(st, 13);
	if (!rc)
		rc = store_sqlite_column_text(st, 14, o->versions,
					      sizeof(o->versions), err);
	return rc;
}

/* Runs a prepared outbox query and calls cb for each row. */
static ac_rc outbox_rows(sqlite3 *db, sqlite3_stmt *st, store_outbox_cb cb,
			 void *ctx, struct ac_err *err)
{
	struct store_outbox o;
	ac_rc rc = AC_OK;
	int src;

	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_outbox(st, &o, err);
		if (rc || cb(&o, ctx))
			return rc;
	}
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(
		    db, src, "cannot list erasure messages in", err);
	return rc;
}

static sqlite3_int64 sql_limit(size_t limit)
{
	return limit && limit < INT64_MAX ? (sqlite3_int64)limit : -1;
}

ac_rc store_outbox_list(struct store *s, const char *object_id,
			const char *partner, bool pending_only, size_t limit,
			store_outbox_cb cb, void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	rc = store_sqlite_prepare(
	    db,
	    "SELECT " OUTBOX_COLUMNS " FROM erasure_outbox"
	    " WHERE (?1 IS NULL OR object_id = ?1)"
	    " AND (?2 IS NULL OR partner = ?2) AND (?3 = 0 OR sent_us = 0)"
	    " ORDER BY partner, id LIMIT ?4",
	    &st, err);
	if (rc)
		goto out;
	if (object_id)
		sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	if (partner)
		sqlite3_bind_text(st, 2, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, pending_only);
	sqlite3_bind_int64(st, 4, sql_limit(limit));
	rc = outbox_rows(db, st, cb, ctx, err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_outbox_due(struct store *s, const char *partner, int64_t now_us,
		       size_t limit, store_outbox_cb cb, void *ctx,
		       struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	rc = store_sqlite_prepare(
	    db,
	    "SELECT " OUTBOX_COLUMNS " FROM erasure_outbox"
	    " WHERE sent_us = 0 AND (?1 IS NULL OR partner = ?1)"
	    " AND (attempts = 0 OR last_attempt_us"
	    "  + min(?3, ?4 << min(attempts - 1, 20)) <= ?2)"
	    " ORDER BY partner, id LIMIT ?5",
	    &st, err);
	if (rc)
		goto out;
	if (partner)
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_us);
	sqlite3_bind_int64(st, 3, STORE_OUTBOX_RETRY_MAX_US);
	sqlite3_bind_int64(st, 4, STORE_OUTBOX_RETRY_FIRST_US);
	sqlite3_bind_int64(st, 5, sql_limit(limit));
	rc = outbox_rows(db, st, cb, ctx, err);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Copies src into dst (cap bytes), cut at a character boundary. */
static void cut_text(char *dst, size_t cap, const char *src)
{
	size_t n;

	snprintf(dst, cap, "%s", src);
	n = strlen(dst);
	if (src[n] == '\0')
		return;
	while (n && ((unsigned char)dst[n - 1] & 0xc0) == 0x80)
		n--;
	if (n && (unsigned char)dst[n - 1] >= 0xc0)
		n--;
	dst[n] = '\0';
}

ac_rc store_outbox_attempt(struct store *s, int64_t id, int64_t now_us,
			   const char *error, struct ac_err *err)
{
	char text[STORE_SYNC_ERROR_MAX + 1];
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	rc = store_sqlite_prepare(
	    db,
	    "UPDATE erasure_outbox SET attempts = attempts + 1,"
	    " last_attempt_us = ?2,"
	    " sent_us = CASE WHEN ?3 IS NULL THEN ?2 ELSE sent_us END,"
	    " last_error = coalesce(?3, '') WHERE id = ?1",
	    &st, err);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_us);
	if (error) {
		cut_text(text, sizeof(text), error);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	}
	rc = step_done(db, st, "cannot record a delivery attempt in", err);
	if (!rc && sqlite3_changes(db) == 0)
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"no erasure message %lld in the outbox",
				(long long)id);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_outbox_confirm(struct store *s, const char *notice_id,
			   const char *partner, int64_t now_us, bool *found,
			   struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	*found = false;
	rc = store_sqlite_prepare(
	    db,
	    "UPDATE erasure_outbox SET confirmed_us = CASE WHEN confirmed_us"
	    " = 0 THEN ?3 ELSE confirmed_us END WHERE kind = 0"
	    " AND stix_id = ?1 AND partner = ?2",
	    &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, notice_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_us);
	rc = step_done(db, st, "cannot record a confirmation in", err);
	if (!rc)
		*found = sqlite3_changes(db) > 0;
out:
	sqlite3_finalize(st);
	return rc;
}
