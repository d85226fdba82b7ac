/* Partner links, pull and push state in the SQLite store (schema versions
 * 7 and 9, see store.h). Statements are prepared per call: one pull writes a few rows
 * per page. */
#include "base/common.h"
#include "store/store_sqlite.h"

#define SYNC_COLUMNS                                                           \
	"partner, collection, watermark, last_attempt_us, last_success_us,"    \
	" last_error, received"

ac_rc store_partner_link_put(struct store *s,
			     const struct store_partner_link *l,
			     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (!store_sqlite_fits(l->name, sizeof(l->name)) || !store_sqlite_fits(l->url, sizeof(l->url)) ||
	    !store_sqlite_fits(l->pin, sizeof(l->pin)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot store a partner link: a field is "
				  "not terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT INTO partner_links (name, url, pin, sign_pk,"
		     " created_us) VALUES (?1, ?2, ?3, ?4, ?5)"
		     " ON CONFLICT(name) DO UPDATE SET url = excluded.url,"
		     " pin = excluded.pin, sign_pk = excluded.sign_pk,"
		     " created_us = excluded.created_us",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, l->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, l->pin, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, l->sign_pk, sizeof(l->sign_pk), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, l->created_us);
	rc = store_sqlite_step_for_partner(db, st, "store a partner link",
					   l->name, err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_partner_link_get(struct store *s, const char *name,
			     struct store_partner_link *out, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	memset(out, 0, sizeof(*out));
	rc = store_sqlite_prepare(db,
		     "SELECT name, url, pin, sign_pk, created_us,"
		     " pull_interval_s, push_interval_s FROM partner_links"
		     " WHERE name = ?1",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"partner '%s' has no link: register its card "
				"with 'accord partner add --card FILE %s'",
				name, name);
		goto out;
	}
	if (src != SQLITE_ROW) {
		rc = store_sqlite_db_err(db, src, "cannot read a partner link from", err);
		goto out;
	}
	rc = store_sqlite_column_text(st, 0, out->name, sizeof(out->name), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 1, out->url, sizeof(out->url), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 2, out->pin, sizeof(out->pin), err);
	if (!rc && sqlite3_column_bytes(st, 3) != (int)sizeof(out->sign_pk))
		rc = ac_err_set(err, AC_ERR_STORE,
				"partner link '%s': the signing key is not "
				"32 bytes",
				name);
	if (!rc)
		memcpy(out->sign_pk, sqlite3_column_blob(st, 3),
		       sizeof(out->sign_pk));
	out->created_us = sqlite3_column_int64(st, 4);
	out->pull_interval_s = (uint32_t)sqlite3_column_int64(st, 5);
	out->push_interval_s = (uint32_t)sqlite3_column_int64(st, 6);
out:
	sqlite3_finalize(st);
	return rc;
}

static ac_rc read_state(sqlite3_stmt *st, struct store_sync_state *o,
			struct ac_err *err)
{
	ac_rc rc;

	memset(o, 0, sizeof(*o));
	rc = store_sqlite_column_text(st, 0, o->partner, sizeof(o->partner), err);
	if (!rc)
		rc = store_sqlite_column_text(st, 1, o->collection, sizeof(o->collection),
				 err);
	if (!rc)
		rc =
		    store_sqlite_column_text(st, 2, o->watermark, sizeof(o->watermark), err);
	o->last_attempt_us = sqlite3_column_int64(st, 3);
	o->last_success_us = sqlite3_column_int64(st, 4);
	if (!rc)
		rc = store_sqlite_column_text(st, 5, o->last_error, sizeof(o->last_error),
				 err);
	o->received = (uint64_t)sqlite3_column_int64(st, 6);
	return rc;
}

ac_rc store_sync_get(struct store *s, const char *partner,
		     const char *collection, struct store_sync_state *out,
		     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
		     "SELECT " SYNC_COLUMNS " FROM sync_state"
		     " WHERE partner = ?1 AND collection = ?2",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, collection, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		rc = read_state(st, out, err);
	} else if (src == SQLITE_DONE) {
		memset(out, 0, sizeof(*out));
		snprintf(out->partner, sizeof(out->partner), "%s", partner);
		snprintf(out->collection, sizeof(out->collection), "%s",
			 collection);
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"no sync state for '%s' collection '%s'",
				partner, collection);
	} else {
		rc = store_sqlite_db_err(db, src, "cannot read sync state from", err);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sync_put(struct store *s, const struct store_sync_state *o,
		     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (!store_sqlite_fits(o->partner, sizeof(o->partner)) ||
	    !store_sqlite_fits(o->collection, sizeof(o->collection)) ||
	    !store_sqlite_fits(o->watermark, sizeof(o->watermark)) ||
	    !store_sqlite_fits(o->last_error, sizeof(o->last_error)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot store sync state: a field is not "
				  "terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT OR REPLACE INTO sync_state (" SYNC_COLUMNS
		     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, o->partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->collection, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->watermark, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, o->last_attempt_us);
	sqlite3_bind_int64(st, 5, o->last_success_us);
	sqlite3_bind_text(st, 6, o->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)o->received);
	rc = store_sqlite_step_for_partner(db, st, "store sync state",
					   o->partner, err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_sync_list(struct store *s, const char *partner, store_sync_cb cb,
		      void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	struct store_sync_state o;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
		     "SELECT " SYNC_COLUMNS " FROM sync_state"
		     " WHERE ?1 IS NULL OR partner = ?1"
		     " ORDER BY partner, collection",
		     &st, err);
	if (rc)
		goto out;
	if (partner)
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_state(st, &o, err);
		if (rc || cb(&o, ctx))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list sync state in", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_partner_link_intervals(struct store *s, const char *partner,
				   uint32_t pull_s, uint32_t push_s,
				   struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
		     "UPDATE partner_links SET pull_interval_s = ?2,"
		     " push_interval_s = ?3 WHERE name = ?1",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, pull_s);
	sqlite3_bind_int64(st, 3, push_s);
	src = sqlite3_step(st);
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot set partner intervals in", err);
	else if (sqlite3_changes(db) == 0)
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"partner '%s' has no link: register its card "
				"with 'accord partner add --card FILE %s'",
				partner, partner);
out:
	sqlite3_finalize(st);
	return rc;
}

#define PUSH_COLUMNS                                                           \
	"partner, watermark_us, last_attempt_us, last_success_us, last_error," \
	" sent, failed"

static ac_rc read_push(sqlite3_stmt *st, struct store_push_state *o,
		       struct ac_err *err)
{
	ac_rc rc;

	memset(o, 0, sizeof(*o));
	rc = store_sqlite_column_text(st, 0, o->partner, sizeof(o->partner), err);
	o->watermark_us = sqlite3_column_int64(st, 1);
	o->last_attempt_us = sqlite3_column_int64(st, 2);
	o->last_success_us = sqlite3_column_int64(st, 3);
	if (!rc)
		rc = store_sqlite_column_text(st, 4, o->last_error,
					      sizeof(o->last_error), err);
	o->sent = (uint64_t)sqlite3_column_int64(st, 5);
	o->failed = (uint64_t)sqlite3_column_int64(st, 6);
	return rc;
}

ac_rc store_push_get(struct store *s, const char *partner,
		     struct store_push_state *out, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
		     "SELECT " PUSH_COLUMNS " FROM push_state WHERE partner = ?1",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		rc = read_push(st, out, err);
	} else if (src == SQLITE_DONE) {
		memset(out, 0, sizeof(*out));
		snprintf(out->partner, sizeof(out->partner), "%s", partner);
		rc = ac_err_set(err, AC_ERR_NOTFOUND,
				"no push state for '%s'", partner);
	} else {
		rc = store_sqlite_db_err(db, src, "cannot read push state from", err);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_push_put(struct store *s, const struct store_push_state *o,
		     struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;

	if (!store_sqlite_fits(o->partner, sizeof(o->partner)) ||
	    !store_sqlite_fits(o->last_error, sizeof(o->last_error)))
		return ac_err_set(err, AC_ERR_LIMIT,
				  "cannot store push state: a field is not "
				  "terminated");
	rc = store_sqlite_prepare(db,
		     "INSERT OR REPLACE INTO push_state (" PUSH_COLUMNS
		     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		     &st, err);
	if (rc)
		goto out;
	sqlite3_bind_text(st, 1, o->partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o->watermark_us);
	sqlite3_bind_int64(st, 3, o->last_attempt_us);
	sqlite3_bind_int64(st, 4, o->last_success_us);
	sqlite3_bind_text(st, 5, o->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)o->sent);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)o->failed);
	rc = store_sqlite_step_for_partner(db, st, "store push state",
					   o->partner, err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_push_list(struct store *s, const char *partner, store_push_cb cb,
		      void *ctx, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	struct store_push_state o;
	ac_rc rc;
	int src;

	rc = store_sqlite_prepare(db,
		     "SELECT " PUSH_COLUMNS " FROM push_state"
		     " WHERE ?1 IS NULL OR partner = ?1 ORDER BY partner",
		     &st, err);
	if (rc)
		goto out;
	if (partner)
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_push(st, &o, err);
		if (rc || cb(&o, ctx))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = store_sqlite_db_err(db, src, "cannot list push state in", err);
out:
	sqlite3_finalize(st);
	return rc;
}

ac_rc store_last_added(struct store *s, int64_t *out, struct ac_err *err)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	ac_rc rc;
	int src;

	*out = 0;
	rc = store_sqlite_prepare(db, "SELECT max(date_added) FROM objects",
				  &st, err);
	if (rc)
		goto out;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = store_sqlite_db_err(db, src, "cannot read the newest row of", err);
out:
	sqlite3_finalize(st);
	return rc;
}
