/* Identifier index, correlations, alerts and common values of the SQLite
 * store (schema version 5, see docs/internals/correlation.md). The hot
 * statements run for every identifier at ingest, so each is prepared once
 * per store (on first use) and kept until the store closes. */
#include "base/common.h"
#include "base/time.h"
#include "store/store_sqlite.h"

#define CORR_COLUMNS                                                           \
	"c.id, c.kind, c.value, c.object_a, c.source_a, c.object_b,"          \
	" c.source_b, c.created_us, c.score"

enum ix_stmt {
	IX_IDENT_ADD,
	IX_IDENT_MATCH,
	IX_IDENT_RANGE,
	IX_IDENT_KIND,
	IX_CORR_ADD,
	IX_ALERT_ADD,
	IX_CORR_LIST,
	IX_ALERT_LIST,
	IX_ALERT_ACK,
	IX_ALERT_EXISTS,
	IX_COMMON_BUMP,
	IX_COMMON_ADD,
	IX_COMMON_LIST,
	IX_FORGET_IDENTS,
	IX_FORGET_ALERTS,
	IX_FORGET_CORRS,
	IX_FORGET_SRC_IDENTS,
	IX_FORGET_SRC_ALERTS,
	IX_FORGET_SRC_CORRS,
	IX_COUNT
};

static const char *const ix_sql[IX_COUNT] = {
    [IX_IDENT_ADD] =
	"INSERT INTO identifiers (kind, value, object_id, source, valid, ord,"
	" created_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	" ON CONFLICT (kind, value, object_id, source) DO NOTHING",
    [IX_IDENT_MATCH] = "SELECT object_id, source, valid FROM identifiers"
		       " WHERE kind = ?1 AND value = ?2 LIMIT ?3",
    [IX_IDENT_RANGE] = "SELECT object_id, source, valid, value FROM identifiers"
		       " WHERE kind = ?1 AND ord BETWEEN ?2 AND ?3"
		       " AND ord IS NOT NULL ORDER BY ord LIMIT ?4",
    [IX_IDENT_KIND] = "SELECT DISTINCT value FROM identifiers WHERE kind = ?1",
    [IX_CORR_ADD] =
	"INSERT INTO correlations (kind, value, object_a, source_a, object_b,"
	" source_b, created_us, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT (kind, value, object_a, source_a, object_b, source_b)"
	" DO NOTHING",
    [IX_ALERT_ADD] = "INSERT INTO alerts (correlation_id, created_us)"
		     " VALUES (?1, ?2)",
    [IX_CORR_LIST] = "SELECT " CORR_COLUMNS " FROM correlations c"
		     " WHERE c.object_a = ?1 UNION ALL SELECT " CORR_COLUMNS
		     " FROM correlations c WHERE c.object_b = ?1"
		     " AND c.object_a <> ?1 ORDER BY 1",
    [IX_ALERT_LIST] = "SELECT a.id, a.created_us, a.acked_us,"
		      " COALESCE(a.acked_by, ''), " CORR_COLUMNS
		      " FROM alerts a JOIN correlations c"
		      " ON c.id = a.correlation_id"
		      " WHERE a.created_us > ?1 AND (?2 OR a.acked_us = 0)"
		      " ORDER BY a.created_us, a.id LIMIT ?3",
    [IX_ALERT_ACK] = "UPDATE alerts SET acked_us = ?2, acked_by = ?3"
		     " WHERE id = ?1 AND acked_us = 0",
    [IX_ALERT_EXISTS] = "SELECT 1 FROM alerts WHERE id = ?1",
    [IX_COMMON_BUMP] = "UPDATE common_values SET count = count + 1"
		       " WHERE kind = ?1 AND value = ?2",
    [IX_COMMON_ADD] = "INSERT INTO common_values (kind, value, count,"
		      " listed_us) VALUES (?1, ?2, ?3, ?4)"
		      " ON CONFLICT (kind, value) DO NOTHING",
    [IX_COMMON_LIST] = "SELECT kind, value, count, listed_us"
		       " FROM common_values ORDER BY count DESC, kind, value",
    /* identifiers_object keys on the id's last 16 characters (schema 18) */
    [IX_FORGET_IDENTS] = "DELETE FROM identifiers"
			 " WHERE substr(object_id, -16) = substr(?1, -16)"
			 " AND object_id = ?1",
    [IX_FORGET_ALERTS] = "DELETE FROM alerts WHERE correlation_id IN"
			 " (SELECT id FROM correlations WHERE object_a = ?1"
			 " UNION SELECT id FROM correlations"
			 " WHERE object_b = ?1)",
    [IX_FORGET_SRC_IDENTS] = "DELETE FROM identifiers"
			     " WHERE substr(object_id, -16) = substr(?1, -16)"
			     " AND object_id = ?1 AND source = ?2",
    [IX_FORGET_SRC_ALERTS] = "DELETE FROM alerts WHERE correlation_id IN"
			     " (SELECT id FROM correlations WHERE"
			     " (object_a = ?1 AND source_a = ?2) OR"
			     " (object_b = ?1 AND source_b = ?2))",
    [IX_FORGET_SRC_CORRS] = "DELETE FROM correlations WHERE"
			    " (object_a = ?1 AND source_a = ?2) OR"
			    " (object_b = ?1 AND source_b = ?2)",
    [IX_FORGET_CORRS] = "DELETE FROM correlations"
			" WHERE object_a = ?1 OR object_b = ?1",
};

struct sq_index {
	sqlite3_stmt *st[IX_COUNT];
};

void store_sqlite_index_free(struct sq_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < IX_COUNT; i++)
		sqlite3_finalize(ix->st[i]);
	free(ix);
}

/* The cached statement id, reset and unbound, ready to bind. */
static ac_rc stmt(struct store *s, enum ix_stmt id, sqlite3_stmt **out,
		  struct ac_err *err)
{
	struct sq_index **slot = store_sqlite_index_slot(s);
	sqlite3 *db = store_sqlite_db(s);
	int src;

	if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
		return ac_err_set(err, AC_ERR_NOMEM,
				  "cannot use the identifier index of store "
				  "'%s': out of memory",
				  store_sqlite_path(db));
	if (!(*slot)->st[id]) {
		src = sqlite3_prepare_v3(db, ix_sql[id], -1,
					 SQLITE_PREPARE_PERSISTENT,
					 &(*slot)->st[id], NULL);
		if (src != SQLITE_OK)
			return store_sqlite_db_err(db, src, "cannot prepare statements for",
				      err);
	}
	*out = (*slot)->st[id];
	return AC_OK;
}

/* Ends a statement's use: reset and clear its bindings. */
static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static sqlite3_int64 limit_of(size_t limit)
{
	return limit ? (sqlite3_int64)limit : -1;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

/* Steps a statement that returns no rows. */
static ac_rc run(struct store *s, sqlite3_stmt *st, const char *what,
		 struct ac_err *err)
{
	int src = sqlite3_step(st);

	if (src != SQLITE_DONE)
		return store_sqlite_db_err(store_sqlite_db(s), src, what, err);
	return AC_OK;
}

static ac_rc ix_ident_add(struct store *s, const struct store_ident *id,
			  int64_t now_us, bool *inserted, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_IDENT_ADD, &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, id->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id->value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id->object_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id->source, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, id->valid ? 1 : 0);
	if (id->ord && id->ord_len)
		sqlite3_bind_blob(st, 6, id->ord, (int)id->ord_len,
				  SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now_us);
	rc = run(s, st, "cannot index an identifier in", err);
	*inserted = !rc && sqlite3_changes(store_sqlite_db(s)) > 0;
	done(st);
	return rc;
}

/* Calls cb for each row of st: object_id, source, valid[, value]. */
static ac_rc emit_idents(struct store *s, sqlite3_stmt *st, const char *kind,
			 const char *value, store_ident_cb cb, void *ctx,
			 struct ac_err *err)
{
	struct store_ident id = {.kind = kind, .value = value};
	int src;

	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		id.object_id = col_text(st, 0);
		id.source = col_text(st, 1);
		id.valid = sqlite3_column_int(st, 2) != 0;
		if (sqlite3_column_count(st) > 3)
			id.value = col_text(st, 3);
		if (cb(&id, ctx))
			return AC_OK;
	}
	if (src != SQLITE_DONE)
		return store_sqlite_db_err(store_sqlite_db(s), src,
			      "cannot read the identifiers of", err);
	return AC_OK;
}

static ac_rc ix_ident_match(struct store *s, const char *kind,
			    const char *value, size_t limit, store_ident_cb cb,
			    void *ctx, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_IDENT_MATCH, &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit_of(limit));
	rc = emit_idents(s, st, kind, value, cb, ctx, err);
	done(st);
	return rc;
}

static ac_rc ix_ident_range(struct store *s, const char *kind,
			    const uint8_t *lo, const uint8_t *hi, size_t len,
			    size_t limit, store_ident_cb cb, void *ctx,
			    struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_IDENT_RANGE, &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, lo, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hi, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit_of(limit));
	rc = emit_idents(s, st, kind, NULL, cb, ctx, err);
	done(st);
	return rc;
}

static ac_rc ix_ident_kind(struct store *s, const char *kind,
			   store_ident_cb cb, void *ctx, struct ac_err *err)
{
	struct store_ident id = {.kind = kind};
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_IDENT_KIND, &st, err);
	int src;

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		id.value = col_text(st, 0);
		if (cb(&id, ctx))
			break;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = store_sqlite_db_err(store_sqlite_db(s), src,
			    "cannot read the identifiers of", err);
	done(st);
	return rc;
}

static ac_rc add_alert(struct store *s, sqlite3_int64 corr_id, int64_t now,
		       struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_ALERT_ADD, &st, err);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, corr_id);
	sqlite3_bind_int64(st, 2, now);
	rc = run(s, st, "cannot add an alert to", err);
	done(st);
	return rc;
}

static ac_rc ix_correlation_add(struct store *s,
				const struct store_correlation *c, bool alert,
				bool *inserted, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	int64_t now = ac_now_us();
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_CORR_ADD, &st, err);

	*inserted = false;
	if (rc)
		return rc;
	if (!(c->score > 0 && c->score <= 1))
		return ac_err_set(err, AC_ERR_USAGE,
				  "correlation score %g is not in (0, 1]",
				  c->score);
	sqlite3_bind_text(st, 1, c->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->object_a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->source_a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->object_b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->source_b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_double(st, 8, c->score);
	rc = run(s, st, "cannot add a correlation to", err);
	*inserted = !rc && sqlite3_changes(db) > 0;
	done(st);
	if (*inserted && alert)
		rc = add_alert(s, sqlite3_last_insert_rowid(db), now, err);
	return rc;
}

/* Reads CORR_COLUMNS starting at column `at`. */
static void read_corr(sqlite3_stmt *st, int at, struct store_correlation *c)
{
	c->id = sqlite3_column_int64(st, at);
	c->kind = col_text(st, at + 1);
	c->value = col_text(st, at + 2);
	c->object_a = col_text(st, at + 3);
	c->source_a = col_text(st, at + 4);
	c->object_b = col_text(st, at + 5);
	c->source_b = col_text(st, at + 6);
	c->created_us = sqlite3_column_int64(st, at + 7);
	c->score = sqlite3_column_double(st, at + 8);
}

static ac_rc ix_correlation_list(struct store *s, const char *object_id,
				 store_correlation_cb cb, void *ctx,
				 struct ac_err *err)
{
	struct store_correlation c;
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_CORR_LIST, &st, err);
	int src;

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		read_corr(st, 0, &c);
		if (cb(&c, ctx))
			break;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = store_sqlite_db_err(store_sqlite_db(s), src,
			    "cannot read the correlations of", err);
	done(st);
	return rc;
}

static ac_rc ix_alert_list(struct store *s, int64_t since_us, bool all,
			   size_t limit, store_alert_cb cb, void *ctx,
			   struct ac_err *err)
{
	struct store_alert a;
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_ALERT_LIST, &st, err);
	int src;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, since_us);
	sqlite3_bind_int(st, 2, all ? 1 : 0);
	sqlite3_bind_int64(st, 3, limit_of(limit));
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		a.id = sqlite3_column_int64(st, 0);
		a.created_us = sqlite3_column_int64(st, 1);
		a.acked_us = sqlite3_column_int64(st, 2);
		a.acked_by = col_text(st, 3);
		read_corr(st, 4, &a.corr);
		if (cb(&a, ctx))
			break;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = store_sqlite_db_err(store_sqlite_db(s), src,
			    "cannot read the alerts of", err);
	done(st);
	return rc;
}

static ac_rc ix_alert_ack(struct store *s, int64_t id, const char *by,
			  int64_t now_us, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_ALERT_ACK, &st, err);
	int src;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_us);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	rc = run(s, st, "cannot acknowledge an alert in", err);
	done(st);
	if (rc || sqlite3_changes(store_sqlite_db(s)) > 0)
		return rc;
	/* nothing changed: already acknowledged, or no such alert */
	rc = stmt(s, IX_ALERT_EXISTS, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_DONE)
		rc = ac_err_set(err, AC_ERR_NOTFOUND, "no alert '%lld'",
				(long long)id);
	else if (src != SQLITE_ROW)
		rc = store_sqlite_db_err(store_sqlite_db(s), src, "cannot read the alerts of",
			    err);
	done(st);
	return rc;
}

static ac_rc ix_common_bump(struct store *s, const char *kind,
			    const char *value, bool *listed,
			    struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_COMMON_BUMP, &st, err);

	*listed = false;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = run(s, st, "cannot count a common value in", err);
	*listed = !rc && sqlite3_changes(store_sqlite_db(s)) > 0;
	done(st);
	return rc;
}

static ac_rc ix_common_add(struct store *s, const char *kind,
			   const char *value, uint64_t count, int64_t now_us,
			   struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_COMMON_ADD, &st, err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)count);
	sqlite3_bind_int64(st, 4, now_us);
	rc = run(s, st, "cannot list a common value in", err);
	done(st);
	return rc;
}

static ac_rc ix_common_list(struct store *s, store_common_cb cb, void *ctx,
			    struct ac_err *err)
{
	struct store_common c;
	sqlite3_stmt *st = NULL;
	ac_rc rc = stmt(s, IX_COMMON_LIST, &st, err);
	int src;

	if (rc)
		return rc;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		c.kind = col_text(st, 0);
		c.value = col_text(st, 1);
		c.count = (uint64_t)sqlite3_column_int64(st, 2);
		c.listed_us = sqlite3_column_int64(st, 3);
		if (cb(&c, ctx))
			break;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = store_sqlite_db_err(store_sqlite_db(s), src,
			    "cannot read the common values of", err);
	done(st);
	return rc;
}

/* Runs the three forget statements (identifiers, then alerts, then
 * correlations) for object_id and, when not NULL, source; *removed gets
 * the identifier rows deleted. In the caller's transaction. */
static ac_rc forget_rows(struct store *s, const enum ix_stmt order[3],
			 const char *object_id, const char *source,
			 uint64_t *removed, struct ac_err *err)
{
	sqlite3_stmt *st = NULL;
	ac_rc rc = AC_OK;

	*removed = 0;
	for (size_t i = 0; i < 3 && !rc; i++) {
		rc = stmt(s, order[i], &st, err);
		if (rc)
			break;
		sqlite3_bind_text(st, 1, object_id, -1, SQLITE_STATIC);
		if (source)
			sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
		rc = run(s, st, "cannot forget index rows in", err);
		if (!rc && i == 0)
			*removed = (uint64_t)sqlite3_changes(
			    store_sqlite_db(s));
		done(st);
	}
	return rc;
}

/* Removes an erased object's identifiers, correlations and their alerts. */
static ac_rc ix_forget(struct store *s, const char *object_id,
		       struct ac_err *err)
{
	static const enum ix_stmt order[3] = { IX_FORGET_IDENTS,
					       IX_FORGET_ALERTS,
					       IX_FORGET_CORRS };
	uint64_t removed;

	return forget_rows(s, order, object_id, NULL, &removed, err);
}

/* Removes what one source contributed to the index about object_id: its
 * identifier rows, and the correlations (and alerts) naming that pair. */
static ac_rc ix_forget_source(struct store *s, const char *object_id,
			      const char *source, uint64_t *removed,
			      struct ac_err *err)
{
	static const enum ix_stmt order[3] = { IX_FORGET_SRC_IDENTS,
					       IX_FORGET_SRC_ALERTS,
					       IX_FORGET_SRC_CORRS };

	return forget_rows(s, order, object_id, source, removed, err);
}

const struct store_index_ops store_sqlite_index_ops = {
    .forget = ix_forget,
    .forget_source = ix_forget_source,
    .ident_add = ix_ident_add,
    .ident_match = ix_ident_match,
    .ident_range = ix_ident_range,
    .ident_kind = ix_ident_kind,
    .correlation_add = ix_correlation_add,
    .correlation_list = ix_correlation_list,
    .alert_list = ix_alert_list,
    .alert_ack = ix_alert_ack,
    .common_bump = ix_common_bump,
    .common_add = ix_common_add,
    .common_list = ix_common_list,
};
